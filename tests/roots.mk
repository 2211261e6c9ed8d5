## Roots and walks: the .copsignore / --exclude / --glob matcher (indexer/ignore.c), table-driven.
check_PROGRAMS += tests/ignore-test
TESTS += tests/ignore-test
tests_ignore_test_SOURCES = tests/ignore-test.c
tests_ignore_test_CFLAGS = $(TEST_CFLAGS)
tests_ignore_test_LDADD = $(TEST_LIBS)

## The files catalog's roots (index-format/catalog.c): round trip, the
## invariants the reader enforces, truncation at every length, version 1.
check_PROGRAMS += tests/catalog-test
TESTS += tests/catalog-test
tests_catalog_test_SOURCES = tests/catalog-test.c
tests_catalog_test_CFLAGS = $(TEST_CFLAGS)
tests_catalog_test_LDADD = $(TEST_LIBS)
