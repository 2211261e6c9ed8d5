## Engine suites: segment format round trips and corruption, the inverter's
## spill runs, the public
## search API on hand-written corpora, and the differential test of
## cops_search against a brute-force reference evaluator.
ENGINE_TEST_HELPERS = tests/testlib.c tests/testlib.h

check_PROGRAMS += tests/format-test
TESTS += tests/format-test
tests_format_test_SOURCES = tests/format-test.c $(ENGINE_TEST_HELPERS)
tests_format_test_CFLAGS = $(TEST_CFLAGS)
tests_format_test_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/search-test
TESTS += tests/search-test
tests_search_test_SOURCES = tests/search-test.c $(ENGINE_TEST_HELPERS)
tests_search_test_CFLAGS = $(TEST_CFLAGS)
tests_search_test_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/document-test
TESTS += tests/document-test
tests_document_test_SOURCES = tests/document-test.c $(ENGINE_TEST_HELPERS)
tests_document_test_CFLAGS = $(TEST_CFLAGS)
tests_document_test_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/differential-test
TESTS += tests/differential-test
tests_differential_test_SOURCES = tests/differential-test.c $(ENGINE_TEST_HELPERS)
tests_differential_test_CFLAGS = $(TEST_CFLAGS)
tests_differential_test_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/inverter-test
TESTS += tests/inverter-test
tests_inverter_test_SOURCES = tests/inverter-test.c $(ENGINE_TEST_HELPERS)
tests_inverter_test_CFLAGS = $(TEST_CFLAGS)
tests_inverter_test_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/postings-pipe-test
TESTS += tests/postings-pipe-test
tests_postings_pipe_test_SOURCES = tests/postings-pipe-test.c $(ENGINE_TEST_HELPERS)
tests_postings_pipe_test_CFLAGS = $(TEST_CFLAGS)
tests_postings_pipe_test_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/phrase-test
TESTS += tests/phrase-test
tests_phrase_test_SOURCES = tests/phrase-test.c $(ENGINE_TEST_HELPERS)
tests_phrase_test_CFLAGS = $(TEST_CFLAGS)
tests_phrase_test_LDADD = $(TEST_LIBS)

## cops_build through the public API, the same checks for each engine.
check_PROGRAMS += tests/build-test
TESTS += tests/build-test
tests_build_test_SOURCES = tests/build-test.c $(ENGINE_TEST_HELPERS)
tests_build_test_CFLAGS = $(TEST_CFLAGS)
tests_build_test_LDADD = $(TEST_LIBS)
## The same early failures of cops-index for each engine (leaks show
## under ASan).
TESTS += tests/cli/build-failures.sh
EXTRA_DIST += tests/cli/build-failures.sh
