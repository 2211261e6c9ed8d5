## base/array.h: growable arrays (inline first, then the heap).  realloc
## and free are wrapped (GNU ld) so a test can fail an allocation and
## count what is left allocated.
check_PROGRAMS += tests/array-test
TESTS += tests/array-test
tests_array_test_SOURCES = tests/array-test.c
tests_array_test_CFLAGS = $(TEST_CFLAGS)
tests_array_test_LDFLAGS = -Wl,--wrap=realloc -Wl,--wrap=free
tests_array_test_LDADD = $(TEST_LIBS)
