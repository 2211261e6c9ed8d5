## query/: query string to ranked results (parser, operators, BM25,
## snippets, output) and the cops-query program.
EXTRA_DIST += query/GRAMMAR.md
include query/parser.mk
bin_PROGRAMS += cops-query
cops_query_SOURCES = query/cops-query.c
cops_query_LDADD = libcops.la
