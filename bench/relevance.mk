## bench/relevance: search quality (MAP, P@10, nDCG@10, R@100) of cops and,
## when built, Xapian on test collections; see bench/RELEVANCE.md.  Lucene 8
## (bench/LuceneRelevance.java) is compiled by bench/relevance at run time,
## only when javac and the liblucene8-java jars are there.
## With Xapian the program links the binding, so it is linked with the C++
## driver (the dummy C++ source), as tests/xapian-test is.
noinst_PROGRAMS += bench/relevance
noinst_HEADERS += bench/evaluate.h bench/smart.h bench/collections.h
EXTRA_DIST += bench/RELEVANCE.md
bench_relevance_SOURCES = bench/relevance.c bench/evaluate.c bench/smart.c bench/collections.c
bench_relevance_CPPFLAGS = $(AM_CPPFLAGS) $(DEPS_CFLAGS) \
	-DCOPS_BENCH_SRCDIR='"$(abs_top_srcdir)/bench"'
EXTRA_DIST += bench/LuceneRelevance.java
dist_noinst_SCRIPTS += bench/relevance-loo
bench_relevance_LDADD = $(INTERNAL_LIBS) -lm
if HAVE_XAPIAN
nodist_EXTRA_bench_relevance_SOURCES = bench/relevance-dummy.cxx
bench_relevance_LDADD += $(XAPIAN_LIBS)
endif
