check_PROGRAMS += tests/escape-test
TESTS += tests/escape-test
tests_escape_test_SOURCES = tests/escape-test.c
tests_escape_test_CFLAGS = $(TEST_CFLAGS)
tests_escape_test_LDADD = $(TEST_LIBS)
