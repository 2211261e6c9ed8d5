#!/bin/sh
# cops-query errors: syntax errors with a caret, limits, missing and damaged
# indexes.  Every error exits 2 with a message, never a crash.
. "$COPS_SRCDIR/tests/cli/lib.sh"

index_seed_corpus

# --- syntax errors: the query, then a caret under the column ------------------
# query | caret column (1-based, in characters) | words of the reason
while IFS='|' read -r q col reason; do
    expect_exit 2 "syntax error exits 2: $q" -- cops_query -- "$q"
    expect_stderr_contains "  $q" "the error shows the query: $q"
    # The caret line: two spaces of indent, col-1 spaces, then ^.
    pad=$(printf "%$((col + 1))s" "")
    expect_stderr_matches "^$pad\\^ " "the caret is under column $col: $q"
    expect_stderr_contains "$reason" "the reason is given: $q"
    check "stdout is empty on a syntax error: $q" test ! -s "$OUT"
done <<'EOF'
sanctuary AND|11|needs something after it
(grant|1|never closed
"unclosed|1|never closed
grant)|6|no matching
AND grant|1|needs something before it
a NEAR/x b|3|NEAR/
a NEAR/0 b|3|at least 1
a NEAR b*|8|NEAR joins only words and phrases
"a b"~x|6|needs a number
""|1|empty phrase
()|1|empty parentheses
title: grant|1|needs a word, a phrase or a group
date:|1|needs a date
date:17|6|invalid date
date:2017-02-30|6|no day 30
date:2017-13|6|month 13
date:2018..2017|6|ends before it starts
café AND|6|needs something after it
budget(|7|'(' is never closed
5" screen|2|never closed
author:smith|1|unknown field 'author:'
Title:rand|1|lower case: title:
budget~3|7|above the limit of 2 edits
budget^0|7|out of range: it must be above 0 and at most 1000
title:()|1|empty field group
title:(a OR b|1|'title:(' is never closed
!!!|1|nothing to search: '!!!' has no letters or digits
-|1|nothing to search: '-' has no letters
NOT ???|5|nothing to search: '???' has no letters
-!!!|2|nothing to search: '!!!'
"?? !!"|1|nothing to search: '?? !!'
title:…|1|nothing to search: '…'
!grant|1|'!' does not exclude here: write -grant or NOT grant
budget !grant|8|'!' does not exclude here
budg*t|1|'*' stands only at the end of a word, as in budg*: 'budg*t'
*grant|1|'*' stands only at the end of a word
title:gr*nt|7|'*' stands only at the end of a word
budget gr?nt|8|'?' is not a wildcard: 'gr?nt'
EOF

# A query of punctuation only searched nothing: "!!!" said "0 matches"
# (exit 1, though a document may well hold "!!!") and "NOT !!!" or "-!!!"
# listed every document.  A query with one real word, a date or `*` still
# runs, its punctuation dropped.
expect_exit 0 "punctuation beside a word is dropped: grant !!!" -- cops_query --ids 'grant !!!'
expect_exit 0 "... and beside an exclusion: !!! -xyzzy" -- cops_query --ids '!!! -xyzzy'
expect_exit 0 "... and beside a date: date:2017 ?" -- cops_query --ids 'date:2017 ?'
expect_exit 0 "* alone still lists every document" -- cops_query --ids '*'
# Lucene's OR and NOT: 'budget || grant' searched budget AND grant, and
# '!grant' required grant.  && (AND already) and a final ! stay words.
for bar in '||' '|'; do
    expect_exit 2 "Lucene's OR is an error: budget $bar grant" -- cops_query "budget $bar grant"
    expect_stderr_contains "'$bar' is not an operator here: write OR" "... that says to write OR"
    expect_stderr_matches "^ {9}\\^ " "... with the caret under column 8"
done
expect_exit 0 "&& is read as AND" -- cops_query --ids 'sanctuary && grant'
# A prefix's stars end it; a question's '?' and a URL's stay words.
expect_exit 0 "a prefix: grant**" -- cops_query --ids 'grant**'
expect_exit 0 "a question mark ends a question" -- cops_query --ids 'sanctuary cities?'
expect_exit "0|1" "a URL's query string" -- cops_query --ids 'https://example.org/s?q=grant'
expect_exit "0|1" "a quoted wildcard is text" -- cops_query --ids '"gr*nt"'
expect_stderr_lacks "syntax error" "... not an error"
expect_exit "0|1" "a final ! is punctuation" -- cops_query --ids 'Yahoo!'

# --- a way out: --literal, words joined, a leading -word ------------------------
expect_exit 2 "a stray quote is an error" -- cops_query '5" screen'
expect_stderr_contains "use --literal" "a stray quote suggests --literal"
expect_exit 1 "... and --literal answers it" -- cops_query --strict --literal '5" screen'
expect_exit 2 "an empty query" -- cops_query ''
expect_stderr_lacks "--literal" "no --literal hint where the query holds no syntax"
for q in 'author:smith'; do
    expect_exit 2 "$q: exit 2, not a silent zero" -- cops_query --count "$q"
    check "$q: nothing on stdout" test ! -s "$OUT"
    expect_stderr_contains "put it in quotes" "$q: says how to search the text"
done
expect_exit "0|1" "http://x and 10:30 stay words" -- cops_query 'http://x 10:30'

# Several arguments are one query, their words joined by spaces.
expect_exit 0 "words as separate arguments" -- cops_query --ids sanctuary grant
cp "$OUT" joined.out
expect_exit 0 "the same words as one argument" -- cops_query --ids 'sanctuary grant'
check "separate arguments answer as the query they join" cmp -s joined.out "$OUT"
expect_exit 0 "options between the words" -- cops_query sanctuary --ids grant
check "... still the same query" cmp -s joined.out "$OUT"

# A -word that is no option is a query word; real options keep working.
expect_exit 0 "the reference: grant -methamphetamine after --" -- \
    cops_query --ids -- 'grant -methamphetamine'
cp "$OUT" excluded.out
check "the reference keeps one document of two" test "$(wc -l <excluded.out)" -eq 1
for args in '-methamphetamine grant' 'grant -methamphetamine' '--ids -methamphetamine grant'; do
    # shellcheck disable=SC2086 # the words are the arguments
    expect_exit 0 "cops-query --ids $args" -- cops_query --ids $args
    check "$args: the exclusion is a query word" cmp -s excluded.out "$OUT"
done
expect_exit 0 "'-methamphetamine grant' as one argument" -- cops_query --ids '-methamphetamine grant'
check "... the same" cmp -s excluded.out "$OUT"
expect_exit 0 "-n 1" -- cops_query -n 1 --ids grant
check "-n 1 shows one hit" test "$(wc -l <"$OUT")" -eq 1
expect_exit 0 "-n1" -- cops_query -n1 --ids grant
check "-n1 shows one hit" test "$(wc -l <"$OUT")" -eq 1
expect_exit 0 "--limit=1" -- cops_query --limit=1 --ids grant
check "--limit=1 shows one hit" test "$(wc -l <"$OUT")" -eq 1
expect_exit 0 "--lim 1 (a prefix of --limit, its value next)" -- cops_query --lim 1 --ids grant
check "--lim 1 shows one hit" test "$(wc -l <"$OUT")" -eq 1
expect_exit 0 "-cn1 (a cluster)" -- cops_query -cn1 grant
expect_stdout_is 2
expect_exit 0 "-i DIR" -- cops_query -i "$TMP/.cops" -c grant
expect_stdout_is 2
expect_exit 0 "-iDIR" -- cops_query "-i$TMP/.cops" -c grant
expect_stdout_is 2
expect_exit 2 "an unknown long option is an error" -- cops_query --frob grant
expect_stderr_contains "goes after '--'" "... that says to use --"

expect_exit 2 "an empty query exits 2" -- cops_query ''
expect_stderr_contains "empty query"
expect_exit 2 "a blank query exits 2" -- cops_query '   '
expect_stderr_contains "empty query"
expect_exit 2 "a blank --literal query exits 2" -- cops_query --literal '   '
expect_exit "0|1" "--literal on a query full of syntax is not an error" -- \
    cops_query --literal 'sanctuary AND ("grant'
expect_exit "0|1" "--literal with a lone closing parenthesis" -- cops_query --literal 'grant) OR ('
expect_exit 2 "invalid UTF-8 in an erroneous query still gets a caret" -- \
    cops_query "$(printf 'caf\351 AND')"
expect_stderr_contains '  caf\xe9 AND' "the query shows the invalid byte escaped"
expect_stderr_matches '^          \^ ' "the caret counts the escape's four columns"
# The caret stands under its character by the terminal's columns: a wide
# (CJK, fullwidth) character takes two, a combining mark none.  Counting
# one a character put it left of AND after wide ones, right after marks.
expect_exit 2 "a syntax error after wide characters" -- cops_query '中文 AND'
expect_stderr_matches '^       \^ ' "the caret counts two columns a wide character"
expect_exit 2 "a syntax error after fullwidth letters" -- cops_query 'ＡＢ AND'
expect_stderr_matches '^       \^ ' "the caret counts two columns a fullwidth letter"
expect_exit 2 "a syntax error after a combining mark" -- cops_query "$(printf 'cafe\314\201 AND')"
expect_stderr_matches '^       \^ ' "the caret counts no column for a combining mark"
expect_exit "0|1" "invalid UTF-8 in a query is not fatal" -- cops_query "$(printf 'caf\351 grant')"
expect_no_crash

# --- limits ----------------------------------------------------------------------
long=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "a" }')
expect_exit 2 "a 10000-character query exits 2" -- cops_query "$long"
expect_stderr_contains "8192" "the message gives the 8192-byte limit"
expect_no_crash
long_words=$(awk 'BEGIN { for (i = 0; i < 2500; i++) printf "grant " }')
expect_exit 2 "a 15000-byte query of words exits 2" -- cops_query "$long_words"
expect_stderr_contains "longer than the limit"
expect_exit 2 "--literal: the length bound still applies" -- cops_query --literal "$long"
deep=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "("; printf "grant"; for (i = 0; i < 1000; i++) printf ")" }')
expect_exit 2 "1000 levels of parentheses exit 2" -- cops_query "$deep"
expect_stderr_contains "nest deeper than the limit of 32" "the message gives the nesting limit"
expect_no_crash
deep_open=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "(" }')
expect_exit 2 "1000 unclosed parentheses exit 2" -- cops_query "$deep_open"
expect_no_crash
ok32=$(awk 'BEGIN { for (i = 0; i < 32; i++) printf "("; printf "grant"; for (i = 0; i < 32; i++) printf ")" }')
expect_exit 0 "32 levels of parentheses are allowed" -- cops_query --count "$ok32"
expect_stdout_is 2
many=$(awk 'BEGIN { for (i = 0; i < 1100; i++) printf "a " }')
expect_exit 2 "more than 1024 parts exits 2" -- cops_query "$many"
expect_stderr_contains "1024" "the message gives the 1024-part limit"
nots=$(awk 'BEGIN { for (i = 0; i < 1500; i++) printf "NOT "; printf "grant" }')
expect_exit "0|1|2" "1500 NOTs in a row do not crash" -- cops_query --count "$nots"
expect_no_crash
expect_exit 2 "NEAR/2000 is above the distance limit" -- cops_query 'sanctuary NEAR/2000 grant'
expect_stderr_contains "1000"
expect_exit 2 "phrase slop 5000 is above the limit" -- cops_query '"sanctuary cities"~5000'
expect_stderr_contains "1000"
awk 'BEGIN { for (i = 0; i < 1200; i++) printf "word%d ", i; print "" }' >manyterms.txt
expect_exit 0 "index with 1200 terms starting with 'word'" -- cops_index -q -i many-terms manyterms.txt
expect_exit 0 "a prefix matching more than 1000 terms searches 1000 of them" -- \
    cops_query -i many-terms --count 'word*'
expect_stdout_is 1 "word* finds the one document"
expect_stderr_matches "note: 'word\\*' matches 1[0-9]{3} terms; the 1000 in the most documents are searched" \
    "a note says the prefix was cut"
elevens=$(awk 'BEGIN { for (i = 0; i < 11; i++) printf "word* " }')
expect_exit 2 "eleven prefixes keeping 1000 terms each exceed the query's 10000" -- \
    cops_query -i many-terms --count "$elevens"
expect_stderr_contains "the query's prefixes match more than 10000 terms in all" \
    "the query-wide bound stays an error"
expect_exit 0 "a narrower prefix is fine" -- cops_query -i many-terms --count 'word11*'
expect_stdout_is 1 "word11* finds the one document"

# --- missing index -------------------------------------------------------------
expect_exit 2 "a missing index exits 2" -- cops_query -i "$TMP/no-index" grant
expect_stderr_contains "cops-index" "the message says to run cops-index"
expect_stderr_contains "$TMP/no-index" "the message names the index"
check "the missing index is not created" test ! -e "$TMP/no-index"
mkdir empty-dir
expect_exit 2 "an empty index directory exits 2" -- cops_query -i empty-dir grant
expect_stderr_contains "cops-index"
mkdir elsewhere
(cd elsewhere && run cops_query grant && cp "$ERR" ../default.err && echo "$RC" >../default.rc)
check "no .cops in the cwd: exit 2" test "$(cat default.rc)" = 2
check "no .cops in the cwd: the message says to run cops-index" grep -q cops-index default.err

# --- damaged index ------------------------------------------------------------------
seg=$(ls .cops/seg-*.cops | head -n 1)
size=$(wc -c <"$seg")
printf 'sanctuary AND grant\ngrant\ncommunity\nmethamphetamine\ntitle:story\ndate:2017\n"community policing"\npolic*\n' >queries.txt
stdin_from queries.txt
run cops_query --json --no-snippets --batch
sed 's/"milliseconds":[0-9.]*//' "$OUT" >good.json

# Flip one byte at a few offsets, including the middle: each query either
# fails with exit 2 or gives the right answer.
for off in 0 16 $((size / 4)) $((size / 3)) $((size / 2)) $((size / 2 + 1)) $((size * 2 / 3)) $((size - 40)) $((size - 1)); do
    rm -rf flip && cp -R .cops flip || exit 99
    fseg=flip/$(basename "$seg")
    printf '\377' | dd of="$fseg" bs=1 seek="$off" conv=notrunc 2>/dev/null
    stdin_from queries.txt
    run cops_query -i flip --json --no-snippets --batch
    sed 's/"milliseconds":[0-9.]*//' "$OUT" >got.json
    if [ "$RC" -ge 126 ]; then
        fail "byte $off of $size flipped: no crash" "exit status $RC"
    elif [ "$RC" = 2 ]; then
        pass "byte $off of $size flipped: error (exit 2), no crash"
    elif cmp -s got.json good.json; then
        pass "byte $off of $size flipped: correct answers"
    else
        fail "byte $off of $size flipped: exit 2 or correct answers" "wrong answers with exit $RC"
    fi
done
rm -rf flip && cp -R .cops flip
printf '\377' | dd of="flip/$(basename "$seg")" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_exit "0|1|2" "flipped middle byte: single query" -- cops_query -i flip "sanctuary AND grant"
expect_no_crash
if [ "$RC" = 2 ]; then
    expect_stderr_contains "damaged" "flipped byte: the message says damaged"
fi
expect_exit "0|2" "--stats on a flipped segment does not crash" -- cops_index -i flip --stats
expect_no_crash

rm -rf trunc && cp -R .cops trunc || exit 99
head -c $((size / 2)) "$seg" >"trunc/$(basename "$seg")"
expect_exit 2 "a truncated segment exits 2" -- cops_query -i trunc "sanctuary AND grant"
expect_stderr_contains "damaged" "a truncated segment is reported as damaged"
expect_stderr_contains "$(basename "$seg")" "the message names the segment"
expect_exit 2 "--count on a truncated segment exits 2" -- cops_query -i trunc --count grant
expect_exit 2 "cops-index --stats on a truncated segment exits 2" -- cops_index -i trunc --stats
expect_stderr_contains "damaged"
: >"trunc/$(basename "$seg")"
expect_exit 2 "an empty segment exits 2" -- cops_query -i trunc grant
expect_stderr_contains "damaged"
rm -f "trunc/$(basename "$seg")"
expect_exit 2 "a missing segment exits 2" -- cops_query -i trunc grant
expect_stderr_contains "missing"

rm -rf badman && cp -R .cops badman || exit 99
printf 'garbage\n' >badman/MANIFEST
expect_exit 2 "a damaged MANIFEST exits 2" -- cops_query -i badman grant
expect_stderr_contains "MANIFEST" "the message names the MANIFEST"
# An update over it would start over from the paths named and delete the
# segments the MANIFEST named (a restored MANIFEST brings them back):
# starting over is --rebuild's.
expect_exit 2 "an update over a damaged MANIFEST is refused" -- cops_index -q -i badman corpus
expect_stderr_contains "--rebuild" "it says to rebuild"
check "the segment is still there" test -f "badman/$(basename "$seg")"
expect_exit 0 "cops-index --rebuild over a damaged index" -- cops_index -q -i badman --rebuild corpus
expect_exit 0 "the rebuilt index answers" -- cops_query -i badman --count grant
expect_stdout_is 2

done_testing
