#!/bin/sh
# The quick start as a new user meets it (quickstart.sh): one line per
# step with the details in quickstart.log; a failing step ends with the
# log's last 30 lines and exit 1; `check` ends with one line of test
# totals.  Nothing is installed, configured or built: dpkg-query, make,
# configure and the programs are stand-ins this test writes.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir -p qs/tests/browser/node_modules/playwright-core stubs || exit 99
cp "$COPS_SRCDIR/quickstart.sh" qs/ || exit 99
: >qs/configure.ac && : >qs/Makefile || exit 99
printf '#!/bin/sh\nexit 0\n' >qs/configure
printf '#!/bin/sh\necho "indexing noise" >&2\n' >qs/cops-index
printf '#!/bin/sh\necho "1 result for $1"\n' >qs/cops-query
# Every package is installed.
printf '#!/bin/sh\necho "install ok installed"\n' >stubs/dpkg-query
# make: 40 lines of output; with MAKE_STUB=fail it fails; `make check`
# writes the totals of an Automake test-suite.log (FAIL 1 when failing).
cat >stubs/make <<'STUB'
#!/bin/sh
i=1
while [ $i -le 40 ]; do echo "make line $i"; i=$((i + 1)); done
case "$*" in
*check*)
    failed=0
    [ "${MAKE_STUB:-}" = fail-check ] && failed=1
    printf '# TOTAL: 10\n# PASS:  7\n# SKIP:  2\n# XFAIL: 0\n# FAIL:  %s\n# XPASS: 0\n# ERROR: 0\n' \
        "$failed" >test-suite.log
    exit "$failed" ;;
esac
[ "${MAKE_STUB:-}" = fail ] && exit 2
exit 0
STUB
chmod +x qs/configure qs/cops-index qs/cops-query stubs/dpkg-query stubs/make || exit 99
jobs=$(nproc 2>/dev/null || echo 2)
log=$TMP/qs/quickstart.log

expect_exit 0 "the quick start runs" -- env PATH="$TMP/stubs:$PATH" sh qs/quickstart.sh
expect_stdout_is "quickstart: details in $log
quickstart: building (make -j$jobs)
quickstart: indexing corpus/ into .cops
1 result for sanctuary AND grant" "one line per step, then the query's answer"
check "nothing on stderr" test ! -s "$ERR"
check "the build's output is in the log" grep -q "make line 40" "$log"
check "and so is the indexer's" grep -q "indexing noise" "$log"

expect_exit 1 "a failing step exits 1" -- env PATH="$TMP/stubs:$PATH" MAKE_STUB=fail sh qs/quickstart.sh
expect_stderr_contains "quickstart: failed: make -j$jobs; the last lines of $log:" "it names the step and the log"
expect_stderr_contains "make line 40" "the log's last lines follow"
expect_stderr_contains "make line 11" "thirty of them"
expect_stderr_lacks "make line 10" "not more"
expect_stdout_lacks "indexing" "no step runs after the failure"

expect_exit 0 "check: the test suite passes" -- env PATH="$TMP/stubs:$PATH" sh qs/quickstart.sh check
check "it ends with one summary line of the totals" [ "$(tail -n 1 "$OUT")" = \
    "quickstart: tests: 7 passed, 0 failed, 2 skipped, 0 expected failures (log: $log)" ]
check "the tests' own output stays in the log" grep -q "make line 1\$" "$log"
expect_stdout_lacks "make line" "and off the terminal"

expect_exit 1 "check: a failing suite exits 1" -- \
    env PATH="$TMP/stubs:$PATH" MAKE_STUB=fail-check sh qs/quickstart.sh check
expect_stdout_contains "quickstart: tests: 7 passed, 1 failed, 2 skipped" "the summary counts the failure"
expect_stdout_contains "# FAIL:  1" "the failing tests' log is shown"

done_testing
