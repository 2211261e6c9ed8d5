## The query parser: expected trees, errors with columns, bounds, fuzzing.
check_PROGRAMS += tests/parser-test
TESTS += tests/parser-test
tests_parser_test_SOURCES = tests/parser-test.c
tests_parser_test_CFLAGS = $(TEST_CFLAGS)
tests_parser_test_LDADD = $(TEST_LIBS)

## The lowering of parsed queries (query/lower.h) that both planners map.
check_PROGRAMS += tests/lower-test
TESTS += tests/lower-test
tests_lower_test_SOURCES = tests/lower-test.c
tests_lower_test_CFLAGS = $(TEST_CFLAGS)
tests_lower_test_LDADD = $(TEST_LIBS)
