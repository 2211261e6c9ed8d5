## The query language: query string to a tree of raw parts (query/GRAMMAR.md).
libcops_internal_la_SOURCES += query/parser.c
noinst_HEADERS += query/parser.h
