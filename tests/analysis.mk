## Criterion suite of the text analyzer (analysis/).
check_PROGRAMS += tests/analysis-test
TESTS += tests/analysis-test
tests_analysis_test_SOURCES = tests/analysis-test.c
tests_analysis_test_CFLAGS = $(TEST_CFLAGS)
tests_analysis_test_LDADD = $(TEST_LIBS)
