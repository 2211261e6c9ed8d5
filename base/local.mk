## base/: the error space and the growable buffer every module shares.
libcops_internal_la_SOURCES += base/error.c base/buffer.c
noinst_HEADERS += base/error.h base/buffer.h
