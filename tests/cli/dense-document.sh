#!/bin/sh
# A token-dense document (20 MB of "a a a ...": one term, 10 M
# occurrences) is indexed within the memory budget with --memory 16: peak
# RSS (GNU time's %M) at most the document + the budget + 24 MB, as for a
# document of ordinary text (big-document.sh).  Neither the merge, nor the
# title (the whole one-line file), nor the writer holds a copy of that
# term's positions per occurrence.  A snippet of it reads a bounded window
# of the stored text: the query's peak RSS with snippets is within 8 MB of
# the same query without them (inflating the whole text took twice its
# size).  Skipped without /usr/bin/time and in a sanitizer build (whose
# shadow memory is not the program's).
. "$COPS_SRCDIR/tests/cli/lib.sh"

if [ ! -x /usr/bin/time ]; then
    echo "1..0 # SKIP /usr/bin/time is missing"
    exit 0
fi
LD_LIBRARY_PATH=$COPS_BUILDDIR/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
INDEX=$(real_program cops-index)
QUERY=$(real_program cops-query)
[ -x "$INDEX" ] || INDEX=$COPS_INDEX_PROG
[ -x "$QUERY" ] || QUERY=$COPS_QUERY_PROG
case $(ldd "$INDEX" 2>/dev/null) in
*libasan* | *libtsan* | *libmsan*)
    echo "1..0 # SKIP a sanitizer build: its memory is not the program's"
    exit 0
    ;;
esac
cd "$TMP" || exit 99
mkdir doc || exit 99

# 20 MiB on one line.
awk -v mb=20 -f "$COPS_SRCDIR/tests/cli/dense-text.awk" >doc/dense.txt || exit 99
size_kb=$(($(wc -c <doc/dense.txt) / 1024))

run /usr/bin/time -o rss -f %M "$INDEX" -q -i idx --memory 16 doc
check "the token-dense document is indexed (exit 0)" test "$RC" = 0
rss=$(tail -n 1 rss)
bound=$((size_kb + 16 * 1024 + 24 * 1024))
diag "--memory 16: peak RSS $rss KB, bound $bound KB"
check "--memory 16: peak RSS $rss KB within $bound KB" test "$rss" -le "$bound"
expect_exit 0 "--check finds the index sound" -- cops_index -i idx --check
expect_exit 0 "the term is found" -- cops_query -i idx --count a
expect_stdout_is 1 "in the one document"
expect_exit 0 "a phrase of it is found" -- cops_query -i idx --count '"a a a a"'
expect_stdout_is 1 "the phrase is in the one document"
expect_exit 0 "the title is cut as for any document" -- cops_query -i idx --json a
expect_stdout_matches '"title":"a a a[a ]{0,200}"' "a title of at most 200 bytes"

run /usr/bin/time -o rss-plain -f %M "$QUERY" -i idx --no-snippets a
check "the query without snippets runs (exit 0)" test "$RC" = 0
run /usr/bin/time -o rss-snippet -f %M "$QUERY" -i idx a
check "the query with a snippet runs (exit 0)" test "$RC" = 0
expect_stdout_contains "**a** **a**" "the snippet highlights the term"
plain=$(tail -n 1 rss-plain)
snippet=$(tail -n 1 rss-snippet)
diag "one-hit query: peak RSS $snippet KB with a snippet, $plain KB without"
check "the snippet costs at most 8 MB ($snippet KB against $plain KB)" \
    test "$snippet" -le $((plain + 8 * 1024))

# 150 documents of 64 KiB of "a a a": the term's positions (5 MB) outgrow
# what the segment writer holds in memory for one term and pass through a
# temporary file, for a list of more than 127 documents (a postings record
# with skip data, not an inline list).
mkdir many || exit 99
awk 'BEGIN {
    s = "a "
    while (length(s) < 65536)
        s = s s
    for (f = 0; f < 150; f++) {
        file = sprintf("many/f%03d.txt", f)
        printf "%s", s > file
        close(file)
    }
}' || exit 99
expect_exit 0 "150 token-dense documents are indexed" -- cops_index -q -i many-idx --memory 16 many
expect_exit 0 "--check verifies their postings record" -- cops_index -i many-idx --check
expect_exit 0 "the term is found in all of them" -- cops_query -i many-idx --count a
expect_stdout_is 150 "150 documents"
expect_exit 0 "a phrase is found in all of them" -- cops_query -i many-idx --count '"a a a"'
expect_stdout_is 150 "150 documents for the phrase"
done_testing
