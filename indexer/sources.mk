## indexer/source*: walking the inputs of a build and reading the document
## formats (plain text, HTML, JSON Lines, TREC, PDF, DOCX/ODT/EPUB, e-mail,
## archives; gzip, bzip2, xz, zstd).
libcops_internal_la_SOURCES += indexer/source.c indexer/source-text.c \
	indexer/source-html.c indexer/source-jsonl.c indexer/json-scan.c \
	indexer/source-trec.c indexer/detect.c indexer/charset.c indexer/libraries.c \
	indexer/source-pdf.c indexer/source-office.c indexer/source-archive.c \
	indexer/source-mail.c
noinst_HEADERS += indexer/source.h indexer/source-internal.h indexer/json-scan.h \
	indexer/detect.h indexer/charset.h
