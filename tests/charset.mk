## The charset layer before the readers: marks, declarations, guesses,
## conversions (indexer/charset.h).
check_PROGRAMS += tests/charset-test
TESTS += tests/charset-test
tests_charset_test_SOURCES = tests/charset-test.c
tests_charset_test_CFLAGS = $(TEST_CFLAGS)
tests_charset_test_LDADD = $(TEST_LIBS)
