#!/bin/sh
# A single 100 MB plain-text document is indexed within the memory budget
# (--memory 16 and the default) and is searchable.  Peak RSS (GNU time's
# %M) must stay below the document + the budget + 24 MB: the text is held
# once (the reader's copy; the stored text is compressed from it through a
# 64 kB buffer), the inverter spills in the middle of the document when
# its lists reach the budget, and 24 MB covers the program, the reader's
# queue and the allocator.  With the default budget (256 MB) the whole
# process must fit in it.  Then the same bound for 100 MB of one term
# repeated.  About 30 s: runs only with COPS_SLOW_TESTS=1.
. "$COPS_SRCDIR/tests/cli/lib.sh"

if [ "${COPS_SLOW_TESTS-}" != 1 ]; then
    echo "1..0 # SKIP slow (about 25 s): set COPS_SLOW_TESTS=1 to run it"
    exit 0
fi
real_programs
cd "$TMP" || exit 99
mkdir doc || exit 99

# 100 MB: lines drawn from 2000 pre-generated lines of 14 words from a
# vocabulary of 50000, one "needleword" in the middle.  Under a second.
awk 'BEGIN {
    srand(5)
    for (l = 0; l < 2000; l++) {
        s = ""
        for (w = 0; w < 14; w++)
            s = s sprintf("v%d ", int(rand() * rand() * 50000))
        line[l] = s
    }
    out = "doc/big.txt"
    print "A very big document" > out
    for (total = n = 0; total < 100000000; n++) {
        s = line[int(rand() * 2000)]
        if (n == 700000)
            s = s "needleword"
        print s > out
        total += length(s) + 1
    }
}' || exit 99
size_kb=$(($(wc -c <doc/big.txt) / 1024))
diag "document: $size_kb KB"

TIME=
[ -x /usr/bin/time ] && TIME=/usr/bin/time
for budget in 16 default; do
    opt=
    [ "$budget" = default ] || opt="--memory $budget"
    mb=$budget
    [ "$budget" = default ] && mb=256
    rm -rf idx
    # shellcheck disable=SC2086
    if [ -n "$TIME" ]; then
        run "$TIME" -o rss -f %M "$INDEX" -q -i idx $opt doc
    else
        run "$INDEX" -q -i idx $opt doc
    fi
    check "--memory $budget: the 100 MB document is indexed (exit 0)" test "$RC" = 0
    run "$QUERY" -i idx --count needleword
    expect_stdout_is 1 "--memory $budget: its rare word is found"
    run "$QUERY" -i idx --count '"very big document"'
    expect_stdout_is 1 "--memory $budget: its first line is found as a phrase"
    if [ -n "$TIME" ]; then
        rss=$(tail -n 1 rss)
        bound=$((size_kb + mb * 1024 + 24 * 1024))
        [ "$budget" = default ] && [ "$bound" -gt $((mb * 1024)) ] && bound=$((mb * 1024))
        diag "--memory $budget: peak RSS $rss KB, bound $bound KB"
        check "--memory $budget: peak RSS $rss KB within $bound KB" test "$rss" -le "$bound"
    else
        skip "--memory $budget: peak RSS" "/usr/bin/time is missing"
    fi
done
rm -f doc/big.txt

# The same bound for a token-dense document: 100 MB of "a a a ..." on one
# line (one term, 50 M occurrences; dense-document.sh checks 20 MB on
# every run).  About 5 s.
awk -v mb=100 -f "$COPS_SRCDIR/tests/cli/dense-text.awk" >doc/dense.txt || exit 99
size_kb=$(($(wc -c <doc/dense.txt) / 1024))
rm -rf idx
if [ -n "$TIME" ]; then
    run "$TIME" -o rss -f %M "$INDEX" -q -i idx --memory 16 doc
else
    run "$INDEX" -q -i idx --memory 16 doc
fi
check "--memory 16: the 100 MB token-dense document is indexed (exit 0)" test "$RC" = 0
run "$QUERY" -i idx --count '"a a a"'
expect_stdout_is 1 "--memory 16: the token-dense document is found"
if [ -n "$TIME" ]; then
    rss=$(tail -n 1 rss)
    bound=$((size_kb + 16 * 1024 + 24 * 1024))
    diag "token-dense, --memory 16: peak RSS $rss KB, bound $bound KB"
    check "token-dense, --memory 16: peak RSS $rss KB within $bound KB" test "$rss" -le "$bound"
else
    skip "token-dense, --memory 16: peak RSS" "/usr/bin/time is missing"
fi
rm -f doc/dense.txt
done_testing
