check_PROGRAMS += tests/codec-test
TESTS += tests/codec-test
tests_codec_test_SOURCES = tests/codec-test.c
tests_codec_test_CFLAGS = $(TEST_CFLAGS)
tests_codec_test_LDADD = $(TEST_LIBS)
