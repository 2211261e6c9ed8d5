## bench/evaluate.c and bench/smart.c: the search-quality evaluator, against
## hand-computed measures and a TREC run/qrels fixture (tests/data/trec-eval).
check_PROGRAMS += tests/evaluate-test
TESTS += tests/evaluate-test
tests_evaluate_test_SOURCES = tests/evaluate-test.c bench/evaluate.c bench/smart.c
tests_evaluate_test_CFLAGS = $(TEST_CFLAGS)
tests_evaluate_test_LDADD = $(TEST_LIBS) -lm
EXTRA_DIST += tests/data/trec-eval/qrels.txt tests/data/trec-eval/run.txt \
	tests/data/trec-eval/smart.qry tests/data/trec-eval/README

## bench/collections.c: the distributed layouts of the test collections
## (SMART with CRLF and Glasgow judgments, NPL, LISA, TIME), from miniatures
## the suite writes to a temporary folder.
check_PROGRAMS += tests/collections-test
TESTS += tests/collections-test
tests_collections_test_SOURCES = tests/collections-test.c tests/testlib.c tests/testlib.h \
	bench/collections.c bench/smart.c bench/evaluate.c
tests_collections_test_CFLAGS = $(TEST_CFLAGS)
tests_collections_test_LDADD = $(TEST_LIBS) -lm
