#!/bin/sh
# cops-query's ranking options on a generated corpus: --stop-length (the
# function words of a long query score nothing, they still match) and
# --feedback (the top hits' words reorder the matches, which stay the
# query's own), and that a JSON Lines record without a title has none.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
# m2 and m3 tie on "car" (one each, same length); m1 is about engines.
cat >corpus/motors.jsonl <<'DOCS'
{"id": "m1", "title": "Cars", "text": "car engine piston engine piston car"}
{"id": "m2", "title": "Fruit", "text": "car banana fruit salad"}
{"id": "m3", "title": "Motors", "text": "car engine piston valve"}
{"id": "m4", "text": "the boat of the harbor\nsails in the wind"}
{"id": "m5", "text": "harbor lights"}
DOCS
expect_exit 0 "index the corpus" -- cops_index -q corpus

# --- titles -----------------------------------------------------------------------
expect_exit 0 "a record without a title" -- cops_query --json boat
expect_stdout_contains '"title":""' "has no title (none derived from its first line)"
expect_exit 1 "its first line is not a title" -- cops_query 'title:boat'

# --- stop words --------------------------------------------------------------------
expect_exit 0 "a short query: every word scores" -- cops_query --explain --default-op or 'the harbor'
expect_stdout_matches '^ *the: [0-9.]+ \(weight 1\.00' "'the' weighs 1 in a 2-word query"
expect_exit 0 "--stop-length 2" -- cops_query --explain --stop-length 2 --default-op or 'the harbor'
expect_stdout_matches '^ *the: 0\.000000 \(weight 0\.00' "'the' weighs 0 from 2 words"
expect_stdout_matches '^ *harbor: [0-9.]+ \(weight 1\.00' "'harbor' still weighs 1"
expect_exit 0 "an AND still requires the stop word" -- cops_query --count --stop-length 2 'the harbor'
expect_stdout_is "1" "only the document with both words (m5 lacks 'the')"
expect_exit 0 "a phrase keeps its words" -- cops_query --explain --stop-length 1 '"the boat" wind'
expect_stdout_matches '^ *the: [0-9.]+ \(weight 1\.00' "'the' in a phrase weighs 1"
expect_exit 2 "--stop-length takes a number" -- cops_query --stop-length x car
expect_stderr_contains "--stop-length"

# --- feedback ----------------------------------------------------------------------
expect_exit 0 "car" -- cops_query --ids car
expect_stdout_is "m1
m2
m3" "without feedback m2 ranks first of the tie (index order)"
expect_exit 0 "car --feedback 1" -- cops_query --ids --feedback 1 car
expect_stdout_is "m1
m3
m2" "feedback from m1 (engines, pistons) lifts m3"
expect_exit 0 "the count stays the query's" -- cops_query --count --feedback 1 car
expect_stdout_is "3"
expect_exit 0 "--explain shows the added words" -- cops_query --explain --feedback 1 car
expect_stdout_matches '^ *feedback engine, times [0-9.]+: [0-9.]+$' "an added word and its factor"
expect_exit 0 "--feedback-terms 1" -- cops_query --explain --feedback 1 --feedback-terms 1 car
check "one word added" test "$(grep -c 'feedback [a-z]*, times' "$OUT")" -le 3
expect_exit 2 "--feedback is bounded" -- cops_query --feedback 5000 car
expect_stderr_contains "feedback parameters out of range"

done_testing
