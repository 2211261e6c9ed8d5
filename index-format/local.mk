## index-format/: the bytes on disk (codecs, segment writer and reader,
## manifest).  The format is documented in index-format/FORMAT.md.
EXTRA_DIST += index-format/FORMAT.md
include index-format/codec.mk
libcops_internal_la_SOURCES += index-format/segment-writer.c index-format/segment-reader.c \
	index-format/manifest.c index-format/catalog.c index-format/names.c \
	index-format/surface.c index-format/pairs.c
noinst_HEADERS += index-format/segment.h index-format/layout.h index-format/manifest.h \
	index-format/catalog.h index-format/names.h index-format/surface.h index-format/pairs.h
libcops_internal_la_SOURCES += index-format/check.c
noinst_HEADERS += index-format/check.h
