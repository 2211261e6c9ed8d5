#!/bin/sh
# Exact forms (issue 17): an index built with --exact-forms also holds
# every word as written (normalised, case-folded, not stemmed), so =word
# matches that form only; without the option =word is an error that names
# it (it used to mean the stemmed word, silently).  The option is
# remembered by the index on later updates.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
cat >corpus/words.jsonl <<'DOCS'
{"id": "p1", "title": "Police report", "text": "the Police came"}
{"id": "p2", "title": "Two", "text": "policing is hard"}
{"id": "s1", "title": "Three", "text": "Sessions of the court"}
{"id": "s2", "title": "Four", "text": "one session only"}
DOCS
expect_exit 0 "index with --exact-forms" -- cops_index -q --exact-forms -i exact corpus
expect_exit 0 "index without" -- cops_index -q -i plain corpus

expect_exit 0 "sessions (stemmed) finds both forms" -- cops_query -i exact --count sessions
expect_stdout_is "2"
expect_exit 0 "=Sessions" -- cops_query -i exact --ids '=Sessions'
expect_stdout_is "s1" "=Sessions matches the form sessions only"
expect_exit 0 "=session" -- cops_query -i exact --ids '=session'
expect_stdout_is "s2" "=session matches the form session only"
expect_exit 0 "=Police" -- cops_query -i exact --ids '=Police'
expect_stdout_is "p1" "=Police is not policing (stem polic)"
expect_exit 1 "=polic: no word is written so" -- cops_query -i exact --ids '=polic'
expect_exit 0 "title:=police" -- cops_query -i exact --ids 'title:=police'
expect_stdout_is "p1" "an exact form in the title"
expect_exit 0 "=Sessions with other words" -- cops_query -i exact --ids '=Sessions court'
expect_stdout_is "s1"
expect_exit 0 "=Sessions --json" -- cops_query -i exact --json '=Sessions'
expect_stdout_contains '"snippet":"Sessions of the court","matches":[[0,8]]' \
    "the exact form is highlighted"
expect_exit 0 "=session --json" -- cops_query -i exact --json '=session'
expect_stdout_contains '"snippet":"one session only","matches":[[4,7]]' \
    "=session highlights session"

expect_exit 2 "=Police without exact forms is an error" -- cops_query -i plain '=Police'
expect_stderr_contains "--exact-forms" "the message names the option"
expect_stderr_contains "'=Police'" "and the word"

expect_exit 0 "an update without the option" -- cops_index -q -i exact corpus
printf '%s\n' '{"id": "s3", "title": "Five", "text": "more Sessions"}' >corpus/more.jsonl
expect_exit 0 "an update adding a document" -- cops_index -q -i exact corpus
expect_exit 0 "=Sessions after the updates" -- cops_query -i exact --count '=Sessions'
expect_stdout_is "2" "the index remembers its exact forms"
expect_exit 0 "the checker accepts exact forms" -- cops_index --check -i exact

expect_exit 2 "=word over an index without exact forms among several" -- \
    cops_query -i exact -i plain '=Sessions'
expect_stderr_contains "--exact-forms" "fails, naming the option"

expect_exit 0 "without stemming =word is the word" -- cops_index -q --no-stem -i nostem corpus
expect_exit 0 "=Sessions on an unstemmed index" -- cops_query -i nostem --ids '=Sessions'
expect_stdout_contains "s1"

# A compound's joined form is no word as written (format 2026121101;
# before, =email matched e-mail through its joined key email).
mkdir compounds
printf 'Mail\nsend an e-mail now\n' >compounds/hyphen.txt
printf 'Mail\nsend an email now\n' >compounds/joined.txt
expect_exit 0 "index of compounds with --exact-forms" -- cops_index -q --exact-forms -i cexact compounds
run "$COPS_QUERY_PROG" -i cexact --ids '=email'
check "=email matches email only" test "$(sed 's|.*/||' "$OUT" | tr '\n' ' ')" = "joined.txt "
run "$COPS_QUERY_PROG" -i cexact --ids '=e-mail'
check "=e-mail matches e-mail only" test "$(sed 's|.*/||' "$OUT" | tr '\n' ' ')" = "hyphen.txt "
run "$COPS_QUERY_PROG" -i cexact --ids 'email'
check "email still finds both" test "$(sed 's|.*/||' "$OUT" | sort | tr '\n' ' ')" = "hyphen.txt joined.txt "
expect_exit 0 "=email --json" -- cops_query -i cexact --json '=email'
expect_stdout_contains '"snippet":"Mail send an email now","matches":[[13,5]]' "=email marks email"
expect_exit 0 "the checker accepts compounds' exact forms" -- cops_index --check -i cexact

expect_exit 2 "the Xapian engine refuses --exact-forms" -- \
    cops_index -q --engine xapian --exact-forms -i xap corpus
expect_stderr_contains "--exact-forms" "and names the option"

done_testing
