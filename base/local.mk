## base/: the error space, the growable buffer, arrays, UTF-8 validation and
## output escaping every module shares.
libcops_internal_la_SOURCES += base/error.c base/buffer.c base/array.c base/utf8.c \
	base/escape.c
noinst_HEADERS += base/error.h base/buffer.h base/array.h base/utf8.h base/escape.h
