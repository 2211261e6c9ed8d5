## base/: the error space, the growable buffer, arrays, UTF-8 validation,
## output escaping, and the guarded opening of index-directory files that
## every module shares, the loading of cops's own modules (module.h), and
## the seeded hash of the tables keyed by documents' words and ids (hash.h).
libcops_internal_la_SOURCES += base/error.c base/buffer.c base/array.c base/utf8.c \
	base/escape.c base/file.c base/module.c base/hash.c
noinst_HEADERS += base/error.h base/buffer.h base/array.h base/utf8.h base/escape.h base/file.h \
	base/module.h base/hash.h base/short-bytes.h
