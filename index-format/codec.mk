## The integer codecs: varints, 128-value bit-packed blocks, deltas.
libcops_internal_la_SOURCES += index-format/codec.c
noinst_HEADERS += index-format/codec.h
