## Document sources: walker, format readers, gzip, bad input; the JSON
## Lines reader against jansson (a configure-time dependency) as an oracle.
check_PROGRAMS += tests/sources-test
TESTS += tests/sources-test
tests_sources_test_SOURCES = tests/sources-test.c $(ENGINE_TEST_HELPERS)
tests_sources_test_CFLAGS = $(TEST_CFLAGS)
tests_sources_test_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/data/sources/article.txt tests/data/sources/page.html \
	tests/data/sources/docs.jsonl tests/data/sources/collection.trec

## The reader and stage threads (indexer/feed.c) against a consumer.
check_PROGRAMS += tests/feed-test
TESTS += tests/feed-test
tests_feed_test_SOURCES = tests/feed-test.c $(ENGINE_TEST_HELPERS)
tests_feed_test_CFLAGS = $(TEST_CFLAGS)
tests_feed_test_LDADD = $(TEST_LIBS)

## The date forms the readers read and the headline rule of titles.
check_PROGRAMS += tests/dates-titles-test
TESTS += tests/dates-titles-test
tests_dates_titles_test_SOURCES = tests/dates-titles-test.c
tests_dates_titles_test_CFLAGS = $(TEST_CFLAGS)
tests_dates_titles_test_LDADD = $(TEST_LIBS)
