## indexer/source*: walking the inputs of a build and reading the document
## formats (plain text, HTML, JSON Lines, TREC, PDF, DOCX/ODT/EPUB, e-mail,
## archives; gzip, bzip2, xz, zstd).
libcops_internal_la_SOURCES += indexer/source.c indexer/source-date.c indexer/source-text.c \
	indexer/source-jsonl.c indexer/json-scan.c indexer/source-trec.c \
	indexer/detect.c indexer/charset.c indexer/readers-load.c
noinst_HEADERS += indexer/source.h indexer/source-internal.h indexer/json-scan.h \
	indexer/detect.h indexer/charset.h indexer/readers-module.h indexer/source-epub.h

## The readers that need heavy libraries are a module (readers-module.h):
## libxml2, ICU, the C++ runtime, libarchive, libmagic, uchardet and GLib
## (and poppler-glib and GMime, which libraries.c opens at the first PDF or
## message) are mapped only by a build that meets such a file.  It reaches
## libcops only through the table it is handed: --no-undefined
## ($(MODULE_LDFLAGS), where the toolchain allows it) proves it needs
## nothing else, and it exports only its entry.
module_LTLIBRARIES += indexer/readers.la
indexer_readers_la_SOURCES = indexer/readers-module.c indexer/source-html.c \
	indexer/source-pdf.c indexer/source-office.c indexer/source-epub.c indexer/source-mail.c \
	indexer/source-archive.c indexer/detect-magic.c indexer/charset-guess.c \
	indexer/libraries.c
indexer_readers_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML2_CFLAGS) $(UCHARDET_CFLAGS) \
	$(POPPLER_CFLAGS) $(GMIME_CFLAGS) $(GLIB_CFLAGS) $(LIBARCHIVE_CFLAGS)
indexer_readers_la_LIBADD = $(LIBXML2_LIBS) $(UCHARDET_LIBS) $(GLIB_LIBS) $(LIBARCHIVE_LIBS) \
	$(MAGIC_LIBS) $(PTHREAD_LIBS) $(LIBS)
indexer_readers_la_LDFLAGS = -module -avoid-version -no-undefined -shared $(MODULE_LDFLAGS) \
	-export-symbols-regex '^cops_readers_module$$'
