## The full index check (cops_index_check, cops-index --check): clean
## index, a flipped byte in every section, truncation, missing segment,
## damaged manifest, damage that keeps every CRC consistent.
check_PROGRAMS += tests/check-test
TESTS += tests/check-test
tests_check_test_SOURCES = tests/check-test.c
tests_check_test_CFLAGS = $(TEST_CFLAGS)
tests_check_test_LDADD = $(TEST_LIBS)
TESTS += tests/cli/check.sh
EXTRA_DIST += tests/cli/check.sh
