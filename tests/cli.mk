## CLI tests: POSIX shell scripts that run the built cops-index and
## cops-query on real files (TAP, through SH_LOG_DRIVER; helpers in
## tests/cli/lib.sh, which tests/local.mk already distributes).
CLI_TESTS = \
	tests/cli/index.sh \
	tests/cli/index-formats.sh \
	tests/cli/index-memory.sh \
	tests/cli/query.sh \
	tests/cli/query-errors.sh \
	tests/cli/batch.sh \
	tests/cli/examples.sh \
	tests/cli/query-hints.sh \
	tests/cli/output-safety.sh \
	tests/cli/build-dir.sh \
	tests/cli/hostile-inputs.sh \
	tests/cli/hostile-index.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS)
## The programs are bin_PROGRAMS, built by 'all' before 'check' runs.
## The memory budget for token-dense documents and one query's bounded cost.
CLI_TESTS += tests/cli/dense-document.sh tests/cli/query-budget.sh
## Ranking options (stop words, feedback) and untitled JSON Lines records.
CLI_TESTS += tests/cli/ranking.sh
EXTRA_DIST += tests/cli/dense-text.awk
