## analysis/: text analysis shared by indexing and querying (tokenizer,
## Unicode normalisation, stemming).  The index records the analysis that
## built it so queries are analysed the same way.
libcops_internal_la_SOURCES += analysis/analyzer.c
noinst_HEADERS += analysis/analyzer.h
