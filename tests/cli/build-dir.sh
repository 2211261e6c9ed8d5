#!/bin/sh
# The programs work straight from the build directory: no 'make install',
# no PATH or LD_LIBRARY_PATH set up, from any working directory.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

check "cops-index is built in the build directory" test -x "$COPS_INDEX_PROG"
check "cops-query is built in the build directory" test -x "$COPS_QUERY_PROG"

# A minimal environment: no build directory in PATH, no library path.
clean_env="env -i PATH=/usr/bin:/bin HOME=$TMP LC_ALL=C.UTF-8"
expect_exit 0 "cops-index --version runs with a clean environment" -- \
    $clean_env "$COPS_INDEX_PROG" --version
expect_stdout_contains "cops-index"
expect_exit 0 "cops-query --version runs with a clean environment" -- \
    $clean_env "$COPS_QUERY_PROG" --version
expect_stdout_contains "cops-query"

# In the source tree, 'cops-index' with no FILE indexes its corpus/.  The
# index goes to $TMP (the source tree may be read-only, as in distcheck).
(
    cd "$COPS_SRCDIR" || exit 1
    run $clean_env COPS_INDEX="$TMP/src-idx" "$COPS_INDEX_PROG"
    echo "$RC" >"$TMP/src.rc"
    cp "$ERR" "$TMP/src.err"
)
check "cops-index in the source tree exits 0" test "$(cat src.rc)" = 0
check "it indexes the 2 documents of corpus/" grep -q 'indexed 2 documents' src.err
check "the index is where COPS_INDEX says" test -f src-idx/MANIFEST
expect_exit 0 "the README example works on it" -- \
    $clean_env COPS_INDEX="$TMP/src-idx" "$COPS_QUERY_PROG" "sanctuary AND grant"
expect_stdout_contains "2 matches" "the README example finds 2 matches"
expect_stdout_contains "corpus/$SEED_A"
expect_stdout_contains "corpus/$SEED_B"

# From a working directory without corpus/, the installed copy is used; if
# it is not installed the error names the path and nothing is written.
mkdir nowhere
(
    cd nowhere || exit 1
    run $clean_env "$COPS_INDEX_PROG"
    echo "$RC" >"$TMP/nowhere.rc"
    cp "$ERR" "$TMP/nowhere.err"
)
rc=$(cat nowhere.rc)
if [ "$rc" = 0 ]; then
    pass "without corpus/, the installed corpus is indexed"
    check "  ... into .cops" test -f nowhere/.cops/MANIFEST
elif [ "$rc" = 2 ]; then
    pass "without corpus/ and no installed corpus: exit 2"
    check "the error names the installed corpus path" grep -q '/corpus' nowhere.err
    check "no index was written" test ! -f nowhere/.cops/MANIFEST
else
    fail "without corpus/: exit 0 or 2" "exit status $rc: $(cat nowhere.err)"
fi

done_testing
