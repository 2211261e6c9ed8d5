## base/: the error space, the growable buffer and arrays every module shares,
## and the guarded opening of index-directory files.
libcops_internal_la_SOURCES += base/error.c base/buffer.c base/array.c base/file.c
noinst_HEADERS += base/error.h base/buffer.h base/array.h base/file.h
