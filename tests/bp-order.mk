check_PROGRAMS += tests/bp-order-test
TESTS += tests/bp-order-test
tests_bp_order_test_SOURCES = tests/bp-order-test.c
tests_bp_order_test_CFLAGS = $(TEST_CFLAGS)
tests_bp_order_test_LDADD = $(TEST_LIBS)
