## indexer/: documents to segments (input readers, inversion, the build
## driver) and the cops-index program.
include indexer/sources.mk
bin_PROGRAMS += cops-index
cops_index_SOURCES = indexer/cops-index.c
cops_index_LDADD = libcops.la
libcops_internal_la_SOURCES += indexer/inverter.c indexer/postings-pipe.c indexer/feed.c indexer/segment-build.c \
	indexer/surface-forms.c \
	indexer/build.c indexer/native-build.c indexer/record-ids.c indexer/roots.c indexer/ignore.c \
	indexer/bp-order.c indexer/reorder.c indexer/merge.c
noinst_HEADERS += indexer/inverter.h indexer/postings-pipe.h indexer/feed.h indexer/segment-build.h indexer/surface-forms.h indexer/build-engine.h \
	indexer/roots.h indexer/ignore.h indexer/bp-order.h \
	indexer/reorder.h indexer/merge.h indexer/record-ids.h
