#!/bin/sh
# Plain words that no document has all of are relaxed (cops.h,
# cops_results_relaxed): the documents with the most of them are shown,
# a note on stderr and "relaxed" in the --json summary say so; --strict
# and queries with operators are not relaxed.  Checked against a brute
# force over generated documents, with both engines when Xapian is built.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
# 60 documents of 3 distinct words of eight; queries of 3 to 5 distinct words.
awk 'BEGIN {
    srand(5)
    split("apple birch cedar dune ember fjord grove heath", w, " ")
    for (d = 0; d < 60; d++) {
        delete used
        line = ""
        for (n = 0; n < 3;) {
            x = w[int(rand() * 8) + 1]
            if (x in used) continue
            used[x] = 1; line = line " " x; n++
        }
        printf "{\"id\":\"d%02d\",\"text\":\"%s\"}\n", d, substr(line, 2) > "corpus/docs.jsonl"
    }
    for (q = 0; q < 25; q++) {
        delete used
        line = ""
        size = 3 + int(rand() * 3)
        for (n = 0; n < size;) {
            x = w[int(rand() * 8) + 1]
            if (x in used) continue
            used[x] = 1; line = line " " x; n++
        }
        print substr(line, 2) > "queries.txt"
    }
}' || exit 99

# expect QUERY: "K N" then the ids of the documents with the most of the
# query's words (K of N; K = N when a document has them all), sorted.
expect()
{
    awk -v q="$1" '
    BEGIN { n = split(q, words, " ") }
    {
        match($0, /"id":"[^"]*"/); id = substr($0, RSTART + 6, RLENGTH - 7)
        match($0, /"text":"[^"]*"/); text = " " substr($0, RSTART + 8, RLENGTH - 9) " "
        have = 0
        for (i = 1; i <= n; i++) if (index(text, " " words[i] " ")) have++
        count[id] = have
        if (have > best) best = have
    }
    END {
        print best, n
        for (id in count) if (count[id] == best) print id | "sort"
    }' corpus/docs.jsonl
}

for engine in native xapian; do
    dir=idx-$engine
    index_engine $engine $dir corpus || continue
    while IFS= read -r q; do
        expect "$q" >expected.txt
        set -- $(head -1 expected.txt)
        best=$1 words=$2
        tail -n +2 expected.txt >expected.ids
        expect_exit 0 "$engine: $q" -- cops_query -i $dir --ids -n 1000 "$q"
        sort "$OUT" >got.ids
        check "$engine: $q: the documents with $best of the $words words" cmp -s expected.ids got.ids
        if [ "$best" = "$words" ]; then
            check "$engine: $q: all words found, no note" test ! -s "$ERR"
        else
            expect_stderr_contains "note: no document has all of: $q; showing documents with $best of the $words words"
        fi
    done <queries.txt
done

# The note, --strict, --json and what is not relaxed.
expect_exit 0 "relaxed" -- cops_query -i idx-native 'apple birch cedar dune ember'
expect_stderr_contains "no document has all of: apple birch cedar dune ember"
expect_exit 1 "--strict: nothing" -- cops_query -i idx-native --strict 'apple birch cedar dune ember'
check "--strict: no note" test ! -s "$ERR"
expect_stdout_contains "0 matches"
expect_exit 1 "explicit AND is not relaxed" -- cops_query -i idx-native 'apple AND birch AND cedar AND dune AND ember'
check "explicit AND: no note" test ! -s "$ERR"
expect_exit 1 "a phrase is not relaxed" -- cops_query -i idx-native '"apple birch" cedar dune ember'
expect_exit 0 "--count counts the relaxed matches" -- cops_query -i idx-native --count 'apple birch cedar dune ember'
check "the count is not 0" test "$(cat "$OUT")" -gt 0
expect_exit 1 "words in no document at all: still nothing" -- cops_query -i idx-native 'zzqx yyqx'
if command -v python3 >/dev/null 2>&1; then
    expect_exit 0 "--json relaxed" -- cops_query -i idx-native --json 'apple birch cedar dune ember'
    check "--json: the summary says what was relaxed" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
relaxed = lines[-1]["summary"]["relaxed"]
assert relaxed["words"] == ["apple", "birch", "cedar", "dune", "ember"], relaxed
assert 1 <= relaxed["required"] < 5, relaxed
assert len(lines) > 1
' "$OUT"
    expect_exit 1 "--json --strict" -- cops_query -i idx-native --json --strict 'apple birch cedar dune ember'
    check "--json --strict: no relaxed member" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert "relaxed" not in lines[-1]["summary"]
' "$OUT"
fi

done_testing
