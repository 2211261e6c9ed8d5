## base/module.h: where an installed program finds the modules.
check_PROGRAMS += tests/module-test
TESTS += tests/module-test
tests_module_test_SOURCES = tests/module-test.c
tests_module_test_CFLAGS = $(TEST_CFLAGS)
tests_module_test_LDADD = $(TEST_LIBS)
