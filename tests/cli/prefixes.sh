#!/bin/sh
# Prefixes on a stemmed index (issue 17): the index holds stems, so a
# prefix also expands from its own stem (query/lower.h, "Prefixes"):
# study* finds what study finds (stem studi), universe* what universe
# finds (stem univers).  All the expansions of a prefix in one field score
# as one term (their frequencies summed, one idf), so the rare granth,
# granthavali, granthkar no longer outweigh grant.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
cat >corpus/words.jsonl <<'DOCS'
{"id": "s1", "title": "One", "text": "a study of rivers"}
{"id": "s2", "title": "Studies", "text": "she studies rivers"}
{"id": "s3", "title": "Three", "text": "he studied lakes"}
{"id": "s4", "title": "Four", "text": "studying is fun"}
{"id": "u1", "title": "Five", "text": "the universe is large"}
{"id": "u2", "title": "Six", "text": "many universes exist"}
{"id": "g1", "title": "Seven", "text": "the grant and the grants of the grant office"}
{"id": "g2", "title": "Eight", "text": "a grant was given"}
{"id": "g3", "title": "Nine", "text": "the granth is a book"}
{"id": "g4", "title": "Ten", "text": "a granthavali of granthkar writings and other words"}
DOCS
expect_exit 0 "index the corpus" -- cops_index -q corpus

expect_exit 0 "study" -- cops_query --ids study
study=$(sort "$OUT")
expect_exit 0 "study*" -- cops_query --ids 'study*'
check "study* finds every document study finds" test "$(sort "$OUT")" = "$study"
expect_stdout_contains "s2" "studies (stem studi) matches study*"
expect_stdout_contains "s3" "studied (stem studi) matches study*"
expect_exit 0 "study* counts" -- cops_query --count 'study*'
expect_stdout_is "4" "study, studies, studied, studying"

expect_exit 0 "universe" -- cops_query --ids universe
universe=$(sort "$OUT")
expect_exit 0 "universe*" -- cops_query --ids 'universe*'
check "universe* finds every document universe finds" test "$(sort "$OUT")" = "$universe"
expect_stdout_contains "u2" "universes (stem univers) matches universe*"

expect_exit 0 "title:study* in the title" -- cops_query --ids 'title:study*'
expect_stdout_is "s2" "only the title Studies"
expect_exit 1 "no title starts with univers" -- cops_query --count 'title:universe*'

expect_exit 0 "grant*" -- cops_query --ids 'grant*'
expect_stdout_contains "g1" "the grant document matches"
check "the top hit of grant* is the grant document" test "$(head -n 1 "$OUT")" = "g1"
expect_exit 0 "grant* --explain" -- cops_query --explain --limit 1 'grant*'
expect_stdout_matches '^ *grant\*: [0-9.]+ \(weight 1\.00, idf [0-9.]+, df 2, tf 3, ' \
    "one blended term: tf of grant and grants summed, df the largest (grant's)"

done_testing
