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

# The readers module's warnings (HTML, e-mail, office, archives) are kinds
# of their own too: handed to libcops as one "%s", 21 of one kind hid the
# first warning of any other kind in the same file.
mkdir html || exit 99
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21; do
    printf '<html><head><meta name="date" content="someday %s"></head><body>page%s</body></html>\n' \
        "$i" "$i" >"html/$i.html"
done
printf '<html><body></body></html>\n' >html/22.html
if (cd html && tar cf ../pages.tar ./*.html) 2>/dev/null; then
    expect_exit 0 "an archive of 21 pages of an unread date and one without text indexes" \
        -- cops_index -i idx-tar pages.tar
    check "20 'cannot read the date' warnings printed" \
        [ "$(grep -c 'cannot read the date' "$ERR")" = 21 ]
    expect_stderr_contains "22.html: no text, skipped" "a warning of another kind of the module is printed"
    expect_stderr_contains "… 1 more warnings like this in this file (the first: " \
        "the count line counts the date warnings alone"
else
    skip "the archive of pages" "tar cannot make one"
fi

done_testing
