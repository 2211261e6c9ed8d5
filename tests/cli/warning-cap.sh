#!/bin/sh
# One hostile file printed a warning line per bad record (a million bad
# lines, a million lines on standard error): past 20 warnings of one kind
# in one file, the rest are counted and told in one line when the file
# ends, "FILE: … N more warnings like this in this file (the first: …)",
# escaped like every warning (man cops-index, WARNINGS).
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir in || exit 99
esc=$(printf '\033')
awk 'BEGIN {
    for (i = 1; i <= 100; i++) {
        printf "{\"id\":\"a%d\",\"text\":\"capword\"}\n", i
        print "not json"
        print "[1]"
    }
}' >"in/bad${esc}[31m.jsonl"
awk 'BEGIN { for (i = 1; i <= 30; i++) printf "<DOC>\n<TEXT>\nno docno %d\n</TEXT>\n</DOC>\n", i }' >in/nodocno.trec
printf 'not json\n{"id":"b1","text":"capword"}\n' >in/other.jsonl

expect_exit 0 "files of many bad records index" -- cops_index -i idx in
check "20 'invalid JSON' warnings printed, not 100 (and the count line, and other.jsonl's)" \
    [ "$(grep -c 'invalid JSON' "$ERR")" = 22 ]
check "20 'not a JSON object' warnings printed, not 100" \
    [ "$(grep -c 'not a JSON object' "$ERR")" = 21 ]
expect_stderr_contains "… 80 more warnings like this in this file (the first: line 62: invalid JSON" \
    "one line counts the rest of a kind, quoting the first not shown"
expect_stderr_contains "… 80 more warnings like this in this file (the first: line 63: not a JSON object" \
    "one per kind"
check "the file name is escaped in every line, the count line too" \
    sh -c '! grep -q "$(printf "\033")" "$1" && [ "$(grep -c "bad\\\\x1b\\[31m.jsonl: … 80 more" "$1")" = 2 ]' sh "$ERR"
check "another file's warnings are counted apart" grep -q 'other.jsonl:1: invalid JSON' "$ERR"
check "the TREC file: 20 warnings and one line for 10 more" \
    [ "$(grep -c 'without <DOCNO>' "$ERR")" = 21 ]
expect_stderr_contains "nodocno.trec: … 10 more warnings like this in this file (the first: line 101: <DOC> without <DOCNO>" \
    "TREC's count line"
check "at most 20 lines of a kind: the standard error stays short" [ "$(wc -l <"$ERR")" -lt 120 ]
expect_exit 0 "the good records are indexed" -- cops_query -i idx --count capword
expect_stdout_is 101

done_testing
