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
