## The Xapian binding (xapian/): the C API, its error paths, and the same
## answers as cops on the same documents.  Built only with Xapian; linked
## with the C++ driver (the dummy C++ source) since the binding is C++.
if HAVE_XAPIAN
check_PROGRAMS += tests/xapian-test
TESTS += tests/xapian-test
tests_xapian_test_SOURCES = tests/xapian-test.c
nodist_EXTRA_tests_xapian_test_SOURCES = tests/xapian-dummy.cxx
tests_xapian_test_CFLAGS = $(TEST_CFLAGS)
tests_xapian_test_LDADD = $(TEST_LIBS) $(XAPIAN_LIBS)
## Stub files read without trusting them (xapian/xapian-stub.h).
check_PROGRAMS += tests/xapian-stub-test
TESTS += tests/xapian-stub-test
tests_xapian_stub_test_SOURCES = tests/xapian-stub-test.c
nodist_EXTRA_tests_xapian_stub_test_SOURCES = tests/xapian-dummy.cxx
tests_xapian_stub_test_CFLAGS = $(TEST_CFLAGS)
tests_xapian_stub_test_LDADD = $(TEST_LIBS) $(XAPIAN_LIBS)
## Xapian as an oracle for cops's match sets and scores (query/RANKING.md).
check_PROGRAMS += tests/xapian-oracle-test
TESTS += tests/xapian-oracle-test
tests_xapian_oracle_test_SOURCES = tests/xapian-oracle-test.c
nodist_EXTRA_tests_xapian_oracle_test_SOURCES = tests/xapian-dummy.cxx
tests_xapian_oracle_test_CFLAGS = $(TEST_CFLAGS)
tests_xapian_oracle_test_LDADD = $(TEST_LIBS) $(XAPIAN_LIBS)
endif
EXTRA_DIST += query/RANKING.md
