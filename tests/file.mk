## base/file.h and index-format/names.h: index-directory files as hostile
## objects (links, FIFOs, devices, oversized files, taken names).
check_PROGRAMS += tests/file-test
TESTS += tests/file-test
tests_file_test_SOURCES = tests/file-test.c
tests_file_test_CFLAGS = $(TEST_CFLAGS)
tests_file_test_LDADD = $(TEST_LIBS)
