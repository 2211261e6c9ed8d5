## CLI tests of incremental updates (answers equal a fresh build's) and of
## concurrency (readers see the old or the new state; one writer at a time).
TESTS += tests/cli/update.sh tests/cli/concurrency.sh
EXTRA_DIST += tests/cli/update.sh tests/cli/concurrency.sh
