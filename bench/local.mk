## bench/: the benchmark suite (see README).
include bench/codec.mk

## bench/index-compare: the same corpus indexed by cops, Xapian and SQLite
## FTS5 (time, MB/s, peak RSS, index size).  The two foreign indexers are
## built only when their library was found by configure.
dist_noinst_SCRIPTS = bench/index-compare
EXTRA_DIST += bench/README.md
BENCH_INPUT_CFLAGS = $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
BENCH_INPUT_LIBS = $(JANSSON_LIBS) $(ZLIB_LIBS)

if HAVE_XAPIAN
noinst_PROGRAMS += bench/xapian-index
bench_xapian_index_SOURCES = bench/xapian-index.cc
bench_xapian_index_CPPFLAGS = $(XAPIAN_CFLAGS) $(BENCH_INPUT_CFLAGS)
bench_xapian_index_CXXFLAGS = -std=c++11 -Wall -Wextra
bench_xapian_index_LDADD = $(XAPIAN_LIBS) $(BENCH_INPUT_LIBS)
endif

if HAVE_SQLITE
noinst_PROGRAMS += bench/fts5-index
bench_fts5_index_SOURCES = bench/fts5-index.c
bench_fts5_index_CPPFLAGS = $(SQLITE_CFLAGS) $(BENCH_INPUT_CFLAGS)
bench_fts5_index_LDADD = $(SQLITE_LIBS) $(BENCH_INPUT_LIBS)
endif
include bench/relevance.mk

## bench/run: query latency of cops, Xapian (through the project's binding)
## and SQLite FTS5 side by side, plus the indexing figures of index-compare.
## bench/query-driver runs one engine in one long-lived process; the FTS5
## part is compiled only when configure found sqlite3 (config.h has no
## HAVE_SQLITE, so the define comes from here), the Xapian part when the
## binding is in the internal library (HAVE_XAPIAN in config.h).
dist_noinst_SCRIPTS += bench/run bench/make-queries bench/grow-corpus
## bench/oneshot: one query per fresh process, cops-query against quest.
dist_noinst_SCRIPTS += bench/oneshot
EXTRA_DIST += bench/plot.gp bench/scale.gp bench/LuceneBench.java
noinst_PROGRAMS += bench/query-driver
bench_query_driver_SOURCES = bench/query-driver.c
bench_query_driver_CPPFLAGS = $(AM_CPPFLAGS) $(DEPS_CFLAGS)
bench_query_driver_LDADD = $(INTERNAL_LIBS)
if HAVE_SQLITE
bench_query_driver_CPPFLAGS += -DHAVE_SQLITE=1 $(SQLITE_CFLAGS)
bench_query_driver_LDADD += $(SQLITE_LIBS)
endif
