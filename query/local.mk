## query/: query string to ranked results (parser, operators, BM25,
## snippets, output) and the cops-query program.
EXTRA_DIST += query/GRAMMAR.md
include query/parser.mk
bin_PROGRAMS += cops-query
cops_query_SOURCES = query/cops-query.c
## Set in every configuration: automake names cops-query's object after
## its own flags in all of them once one branch below gives it some.
cops_query_CPPFLAGS = $(AM_CPPFLAGS) $(QUERY_HANDOFF_CPPFLAGS)
QUERY_HANDOFF_CPPFLAGS =
if STATIC_QUERY
## configure.ac ("cops-query's start-up"): the engine and the libraries'
## archives linked in.
cops_query_LDADD = libcops-internal.la $(QUERY_STATIC_LIBS) $(PTHREAD_LIBS) $(LIBS)
if STATIC_PIE_QUERY
## configure.ac ("cops-query without a loader"): cops-query linked
## -static-pie hands the runs that load a module to its dynamically linked
## twin (base/module.h, module_set_handoff).
cops_query_LDFLAGS = -Wc,-static-pie
cops_query_dynamic_SOURCES = query/cops-query.c
cops_query_dynamic_CPPFLAGS = $(AM_CPPFLAGS) -DCOPS_QUERY_TWIN
cops_query_dynamic_LDADD = $(cops_query_LDADD)
if HAVE_XAPIAN
QUERY_HANDOFF_CPPFLAGS += -DCOPS_QUERY_HANDOFF
pkglibexec_PROGRAMS = cops-query-dynamic
else
## Without the Xapian engine no run of cops-query loads a module, so
## nothing is handed off and no twin is installed; it is built for the
## tests alone, which preload their fault shims into it (tests/cli/lib.sh,
## preloadable_program).
check_PROGRAMS += cops-query-dynamic
endif
endif
else
cops_query_LDADD = libcops.la
endif
libcops_internal_la_SOURCES += query/index.c query/index-many.c query/lower.c query/plan.c query/search.c query/bm25.c \
	query/weight.c query/weight-bm25plus.c query/weight-bm25l.c query/weight-inl2.c query/weight-lm.c \
	query/op-term.c query/op-blend.c query/op-and.c query/op-or.c query/op-positional.c query/op-filter.c query/op-common.c \
	query/op-scale.c query/feedback.c query/stopwords.c query/fuzzy.c \
	query/snippet.c query/snippet-plan.c query/relax.c query/suggest.c query/results.c query/output.c
noinst_HEADERS += query/index.h query/lower.h query/plan.h query/matcher.h query/bm25.h query/weight.h query/snippet.h query/relax.h query/suggest.h query/results.h \
	query/search.h query/feedback.h query/stopwords.h query/fuzzy.h
