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
	tests/cli/snippets.sh \
	tests/cli/relax.sh \
	tests/cli/suggest.sh \
	tests/cli/sort.sh \
	tests/cli/optimize.sh \
	tests/cli/pair-keys.sh \
	tests/cli/many.sh \
	tests/cli/output-safety.sh \
	tests/cli/build-dir.sh \
	tests/cli/hostile-inputs.sh \
	tests/cli/hostile-index.sh \
	tests/cli/startup.sh \
	tests/cli/encodings.sh \
	tests/cli/charset-labels.sh \
	tests/cli/warning-cap.sh \
	tests/cli/record-ids.sh \
	tests/cli/documents.sh \
	tests/cli/roots.sh \
	tests/cli/root-options.sh \
	tests/cli/catalog.sh \
	tests/cli/walk.sh \
	tests/cli/modules.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS)
## The programs are bin_PROGRAMS, built by 'all' before 'check' runs.
## The memory budget for token-dense documents and one query's bounded cost.
CLI_TESTS += tests/cli/dense-document.sh tests/cli/query-budget.sh
EXTRA_DIST += tests/cli/dense-text.awk tests/cli/make-documents.py
## cops-index on a pseudo-terminal: progress line, warnings, summary.
CLI_TESTS += tests/cli/progress.sh
## Titles (the headline rule, metadata first) and dates (the forms read).
CLI_TESTS += tests/cli/titles-dates.sh
## quickstart.sh as a user meets it, its commands stand-ins (no apt, no build).
CLI_TESTS += tests/cli/quickstart.sh
## Ranking options (stop words, feedback) and untitled JSON Lines records.
CLI_TESTS += tests/cli/prefixes.sh tests/cli/query-syntax.sh
CLI_TESTS += tests/cli/surface.sh
CLI_TESTS += tests/cli/exact.sh
## Acronyms and hyphenated words: U.S.A. is USA, email finds e-mail.
CLI_TESTS += tests/cli/acronyms-compounds.sh
CLI_TESTS += tests/cli/ranking.sh
## bench/run on a generated corpus: agreement with repeated ids, --reuse of
## an unreadable index, the rounds' estimate, every engine's growth.
CLI_TESTS += tests/cli/bench-run.sh
## bench/position-bound on an index whose figures are worked by hand.
CLI_TESTS += tests/cli/position-bound.sh
