## indexer/source*: walking the inputs of a build and reading the document
## formats (plain text, HTML, JSON Lines, TREC, each optionally gzipped).
libcops_internal_la_SOURCES += indexer/source.c indexer/source-date.c indexer/source-text.c \
	indexer/source-html.c indexer/source-jsonl.c indexer/json-scan.c \
	indexer/source-trec.c
noinst_HEADERS += indexer/source.h indexer/source-internal.h indexer/json-scan.h
