## The .copsignore / --exclude / --glob matcher (indexer/ignore.c), table-driven.
check_PROGRAMS += tests/ignore-test
TESTS += tests/ignore-test
tests_ignore_test_SOURCES = tests/ignore-test.c
tests_ignore_test_CFLAGS = $(TEST_CFLAGS)
tests_ignore_test_LDADD = $(TEST_LIBS)
