#!/bin/sh
# cops-index --optimize (and every merge): one segment with the documents
# reordered by graph bisection (indexer/bp-order.h).  Every answer stays byte for byte
# what it was, ties included ('*' scores every document alike, so its
# whole list is the tie order); the catalog follows the new numbers (an
# update after it replaces the right documents); the order is
# deterministic; the index checks clean.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
# Four topics interleaved: 120 one-document files and a JSON Lines file
# of 120 records, so both the files and the records can be regrouped.
awk 'BEGIN {
    split("apple banana cherry grape melon peach plum kiwi lemon mango", t0)
    split("car truck engine wheel brake gear motor road diesel clutch", t1)
    split("star planet orbit comet galaxy moon sun space nebula quasar", t2)
    split("code bug compile linker thread kernel cache loop pointer stack", t3)
    srand(7)
    for (d = 0; d < 240; d++) {
        text = ""
        for (w = 0; w < 25; w++) {
            k = 1 + int(rand() * 10)
            word = d % 4 == 0 ? t0[k] : d % 4 == 1 ? t1[k] : d % 4 == 2 ? t2[k] : t3[k]
            text = text " " word
        }
        if (d % 5 == 0)
            text = text " shared words"
        date = sprintf("2020-%02d-%02d", 1 + d % 12, 1 + d % 28)
        if (d < 120)
            printf "Title %d\n\n%s\n", d % 9, text > sprintf("corpus/f%03d.txt", d)
        else
            printf "{\"id\":\"r%03d\",\"title\":\"Title %d\",\"date\":\"%s\",\"text\":\"%s\"}\n", d, d % 9, date, text > "corpus/records.jsonl"
    }
}' || exit 99

cat >queries.txt <<'QUERIES'
*
apple
apple OR car
apple AND banana
star OR planet OR comet
"apple banana"
shared
shared -apple
title
app*
NOT shared
QUERIES

# Every query's full answer (ids, titles, scores, snippets), its count,
# and the date order of '*', into one file.
answers() {
    while IFS= read -r q; do
        printf '== %s\n' "$q"
        "$COPS_QUERY_PROG" -i "$1" -n 1000 "$q"
        "$COPS_QUERY_PROG" -i "$1" --count "$q"
    done <queries.txt
    "$COPS_QUERY_PROG" -i "$1" --sort date --ids -n 1000 '*'
}

# A build reorders the segment it writes, as a merge does (its stored
# text stays in the order read, found through the recorded positions;
# the titles follow the documents): every record still shows its own
# title and names its own line, and the index checks clean.
expect_exit 0 "a build" -- cops_index -i idx-plain corpus
expect_stderr_matches "reordered in [0-9.]+ s"
"$COPS_QUERY_PROG" -i idx-plain --json -n 1000 '*' >plain.json
pairs=$(sed -n 's/.*"id":"r\([0-9]*\)","title":"Title \([0-9]*\)".*"line":\([0-9]*\).*/\1 \2 \3/p' plain.json |
    awk '$1 % 9 == $2 && $1 - 119 == $3 { good++ } END { print good + 0, NR }')
check "every record shows its title and line after the build's reordering ($pairs of 120)" \
    test "$pairs" = "120 120"
expect_exit 0 "the build's reordered index checks clean" -- cops_index --check -i idx-plain
expect_stdout_contains "no problems found"

expect_exit 0 "indexed" -- cops_index -q -i idx corpus
# A second segment and deleted documents: a later file, a replaced one.
printf 'Title late\n\napple car star code shared\n' >corpus/g-late.txt
printf 'Title 3\n\nmelon melon replaced text\n' >corpus/f003.txt
expect_exit 0 "updated" -- cops_index -q -i idx corpus
answers idx >before.txt
cp -R idx idx-copy || exit 99
cp -R idx idx-merge || exit 99

# Every merge reorders, --merge's (and the merge policy's) too, with the
# same answers and the same bytes as --optimize.
expect_exit 0 "--merge" -- cops_index -i idx-merge --merge
expect_stderr_contains "(merged)"
expect_stderr_matches "reordered in [0-9.]+ s"
answers idx-merge >merged.txt
check "--merge: every answer is unchanged, byte for byte" cmp -s before.txt merged.txt

expect_exit 0 "--optimize" -- cops_index -i idx --optimize
expect_stderr_contains "(merged)"
expect_stderr_matches "reordered in [0-9.]+ s.*log-gap cost .* -> .*Mbit \([0-9]+\.[0-9]%\)"
percent=$(sed -n 's/.*Mbit (\([0-9]*\)\..*/\1/p' "$ERR")
check "the postings' log-gap cost fell below 90% (was ${percent:-?}%)" test "${percent:-100}" -lt 90
answers idx >after.txt
check "every answer is unchanged, byte for byte" cmp -s before.txt after.txt
cmp before.txt after.txt >/dev/null || diff before.txt after.txt | head -20 | while IFS= read -r l; do diag "$l"; done
expect_exit 0 "the reordered index checks clean" -- cops_index --check -i idx
expect_stdout_contains "no problems found"

# The same reordering from the same index: the same bytes.
expect_exit 0 "--optimize the copy" -- cops_index -q -i idx-copy --optimize
check "the order is deterministic (identical segments)" \
    cmp -s "$(ls idx/seg-*.cops)" "$(ls idx-copy/seg-*.cops)"
check "--merge wrote the segment --optimize did" \
    cmp -s "$(ls idx/seg-*.cops)" "$(ls idx-merge/seg-*.cops)"

# Optimizing again keeps the answers (the insertion order is kept).
expect_exit 0 "--optimize again" -- cops_index -q -i idx --optimize
answers idx >again.txt
check "answers unchanged after a second --optimize" cmp -s before.txt again.txt

# The catalog follows the permutation: changing one file and one record
# after reordering replaces exactly their documents (a changed JSON Lines
# file all of its records).
printf 'Title 5\n\nzeppelin\n' >corpus/f005.txt
sed 's/"id":"r130","title":"Title 4"/"id":"r130","title":"Title zz"/; s/"r130",\(.*\)"text":"[^"]*"/"r130",\1"text":"xylophone"/' \
    corpus/records.jsonl >records.new && mv records.new corpus/records.jsonl
expect_exit 0 "update after --optimize" -- cops_index -i idx corpus
expect_stderr_contains "121 documents replaced"
expect_exit 0 "the changed file's new word" -- cops_query -i idx --ids zeppelin
expect_stdout_is "corpus/f005.txt"
expect_exit 0 "the changed record's new word" -- cops_query -i idx --ids xylophone
expect_stdout_is "r130"
expect_exit 0 "documents in all" -- cops_query -i idx --count '*'
expect_stdout_is "241"
expect_exit 0 "a fresh build of the same files" -- cops_index -q -i fresh corpus
for q in apple "apple OR car" shared "NOT shared" "star planet"; do
    a=$("$COPS_QUERY_PROG" -i idx --ids -n 1000 "$q" | sort)
    b=$("$COPS_QUERY_PROG" -i fresh --ids -n 1000 "$q" | sort)
    check "'$q': the same documents as a fresh build" test "$a" = "$b"
done
expect_exit 0 "the updated index checks clean" -- cops_index --check -i idx
done_testing
