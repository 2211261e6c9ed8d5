## tests/: Criterion suites (one per module) and CLI tests, all through
## Automake's TAP driver so a run ends with a totals line.
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/tests/tap-driver-lines \
	$(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_COMPILER = $(top_srcdir)/tests/criterion-tap
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	COPS_BUILDDIR='$(abs_top_builddir)'; export COPS_BUILDDIR; \
	COPS_SRCDIR='$(abs_top_srcdir)'; export COPS_SRCDIR; \
	LC_ALL=C.UTF-8; export LC_ALL; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/lsan.supp$${LSAN_OPTIONS:+:$$LSAN_OPTIONS}"; \
	export LSAN_OPTIONS; \
	COPS_STATIC_PIE_QUERY=$(TESTS_STATIC_PIE_QUERY); export COPS_STATIC_PIE_QUERY;
## Whether cops-query was linked -static-pie (configure.ac), for
## tests/cli/startup.sh.
if STATIC_PIE_QUERY
TESTS_STATIC_PIE_QUERY = yes
else
TESTS_STATIC_PIE_QUERY = no
endif
EXTRA_DIST += tests/criterion-tap tests/tap-driver-lines tests/cli/lib.sh tests/lsan.supp \
	tests/remove-tree.h

TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(DEPS_CFLAGS)
TEST_LIBS = $(INTERNAL_LIBS) $(CRITERION_LIBS)

include tests/suites.mk
