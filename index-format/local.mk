## index-format/: the bytes on disk (codecs, segment writer and reader,
## manifest).  The format is documented in index-format/FORMAT.md.
EXTRA_DIST += index-format/FORMAT.md
include index-format/codec.mk
