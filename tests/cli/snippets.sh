#!/bin/sh
# Snippets show what matched: a phrase as a whole and only where its
# words stand together, NEAR only where the words are near, in the window
# shown; --snippet-chars sets the length within its bounds; a match deep
# in a long text is still found (the text is read further when its start
# has none).  Both engines when Xapian is built in.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus

# filler N WORD: N words "WORD1 WORD2 ..." that match no query below.
filler()
{
    awk -v n="$1" -v w="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s%d ", w, i }'
}

# phrase.txt: the phrase's words apart early (more of them than the
# phrase has), then the phrase once, far past the first window.
{
    printf 'Notes on the art of the state and of the art. '
    filler 300 filler
    printf 'Today the state of the art is cheap. '
    filler 50 tail
    printf '\n'
} >corpus/phrase.txt
# near.txt: alpha alone, beta far from it, then alpha next to beta.
{
    printf 'alpha opens. '
    filler 100 pad
    printf 'beta alone. '
    filler 100 pad
    printf 'here alpha beta together. '
    filler 100 pad
    printf '\n'
} >corpus/near.txt
# deep.txt: the only match 600 KB in (past the first read of the text).
{
    filler 80000 deep
    printf 'zebracrossing here. '
    filler 100 deep
    printf '\n'
} >corpus/deep.txt

# mid.txt: the only match 10 KB in: past the first read of the text
# (streamed: the block's first document, under half of it), read again
# from the block inflated whole.
{
    filler 1500 mid
    printf 'quagmirecrossing here. '
    filler 300 mid
    printf '\n'
} >corpus/mid.txt

# caps.txt: the only match written in capitals, 2 KB in: the chunks
# before it are skipped by the cheap filter, which must fold its case.
{
    filler 300 low
    printf 'The QUILLWORTS grow here. '
    filler 100 high
    printf '\n'
} >corpus/caps.txt

# snippet_of FILE: the first hit's snippet line (after the header, a
# blank line, the title and the identifier).
snippet_of()
{
    sed -n 5p "$1"
}

# highlighted FILE: the highlighted words of the first snippet, one a line.
highlighted()
{
    snippet_of "$1" | grep -o '\*\*[^*]*\*\*' | tr -d '*'
}

for engine in native xapian; do
    dir=idx-$engine
    index_engine $engine $dir corpus || continue

    expect_exit 0 "$engine: phrase query" -- cops_query -i $dir '"state of the art"'
    expect_stdout_contains "**state** **of** **the** **art**" "$engine: the phrase is highlighted as a whole"
    highlighted "$OUT" >words.txt
    check "$engine: only the phrase's four words are highlighted" test "$(wc -l <words.txt)" -eq 4
    check "$engine: the window is the phrase's, not the first words'" \
        test -z "$(snippet_of "$OUT" | grep 'Notes on')"

    expect_exit 0 "$engine: the words alone" -- cops_query -i $dir 'state art'
    expect_stdout_contains "**art**" "$engine: single words are highlighted where they stand"

    expect_exit 0 "$engine: NEAR" -- cops_query -i $dir 'alpha NEAR/2 beta'
    expect_stdout_contains "**alpha** **beta**" "$engine: the near pair is highlighted"
    highlighted "$OUT" >words.txt
    check "$engine: only the near pair is highlighted" test "$(wc -l <words.txt)" -eq 2
    check "$engine: not the lone alpha's window" test -z "$(snippet_of "$OUT" | grep opens)"

    expect_exit 0 "$engine: a match 600 KB in" -- cops_query -i $dir zebracrossing
    expect_stdout_contains "**zebracrossing**" "$engine: a deep match is shown"

    expect_exit 0 "$engine: a match 10 KB in" -- cops_query -i $dir quagmirecrossing
    expect_stdout_contains "**quagmirecrossing**" "$engine: a match past the first read is shown"
    check "$engine: with the words before it" test -n "$(snippet_of "$OUT" | grep 'mid1499 ')"
    check "$engine: and after it" test -n "$(snippet_of "$OUT" | grep 'here. mid0 mid1')"

    expect_exit 0 "$engine: a match in capitals" -- cops_query -i $dir quillwort
    expect_stdout_contains "**QUILLWORTS**" "$engine: the filter folds case"
    check "$engine: its window, not the text's beginning" test -z "$(snippet_of "$OUT" | grep 'low0 ')"

    expect_exit 0 "$engine: NOT is not highlighted" -- cops_query -i $dir 'alpha -zzzz'
    expect_stdout_contains "**alpha**"

    expect_exit 0 "$engine: --snippet-chars 40" -- cops_query -i $dir --snippet-chars 40 --no-color '"state of the art"'
    snippet_line=$(snippet_of "$OUT")
    check "$engine: a 40-byte snippet is short" test "${#snippet_line}" -lt 60
    check "$engine: and holds the phrase" test -n "$(echo "$snippet_line" | grep 'state of the art')"
    expect_exit 0 "$engine: --snippet-chars 400" -- cops_query -i $dir --snippet-chars 400 --no-color '"state of the art"'
    snippet_line=$(snippet_of "$OUT")
    check "$engine: a 400-byte snippet is longer" test "${#snippet_line}" -gt 300

    if command -v python3 >/dev/null 2>&1; then
        expect_exit 0 "$engine: --json phrase" -- cops_query -i $dir --json '"state of the art"'
        check "$engine: JSON matches are the phrase's words" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
hit = lines[0]
raw = hit["snippet"].encode("utf-8")
words = [raw[s:s + n].decode() for s, n in hit["matches"]]
assert [w.lower() for w in words] == ["state", "of", "the", "art"], words
assert "summary" in lines[-1]
' "$OUT"
    fi
done

# The bounds are the library's (cops.h), reported as errors.
for n in 0x 19 10001 -5; do
    expect_exit 2 "--snippet-chars $n is refused" -- cops_query -i idx-native --snippet-chars "$n" alpha
    expect_stderr_contains "snippet" "--snippet-chars $n: the error names it"
done
expect_exit 0 "--snippet-chars 20 is the least" -- cops_query -i idx-native --snippet-chars 20 alpha
expect_exit 0 "--snippet-chars 10000 the most" -- cops_query -i idx-native --snippet-chars 10000 alpha

done_testing
