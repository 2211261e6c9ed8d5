## indexer/source*: walking the inputs of a build and reading the document
## formats (plain text, HTML, JSON Lines, TREC, each optionally gzipped).
libcops_internal_la_SOURCES += indexer/source.c indexer/source-text.c \
	indexer/source-html-load.c indexer/source-jsonl.c indexer/json-scan.c \
	indexer/source-trec.c
noinst_HEADERS += indexer/source.h indexer/source-internal.h indexer/json-scan.h \
	indexer/html-module.h

## The HTML reader is a module (indexer/html-module.h): libxml2, ICU and
## the C++ runtime are mapped only by a build that meets an HTML page.
## It reaches libcops only through the table it is handed: --no-undefined
## ($(MODULE_LDFLAGS), where the toolchain allows it)
## proves it needs nothing else, and it exports only its entry.
module_LTLIBRARIES += indexer/html.la
indexer_html_la_SOURCES = indexer/source-html.c indexer/html-module.c
indexer_html_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS)
indexer_html_la_LIBADD = $(LIBXML2_LIBS) $(PTHREAD_LIBS)
indexer_html_la_LDFLAGS = -module -avoid-version -no-undefined -shared $(MODULE_LDFLAGS) \
	-export-symbols-regex '^cops_html_module$$'
