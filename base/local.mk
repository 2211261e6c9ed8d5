## base/: the error space, the growable buffer and arrays every module shares.
libcops_internal_la_SOURCES += base/error.c base/buffer.c base/array.c
noinst_HEADERS += base/error.h base/buffer.h base/array.h
