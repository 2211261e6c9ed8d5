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

# A prefix over its bound (max_prefix_terms, 1000 by default) keeps the
# 1000 expansions in the most documents, ties in byte order (query/fuzzy.h),
# and says so, in both engines.  qx* has 1,500 expansions, qx + three of
# twelve consonants (no vowel: the stemmer leaves them), word n in byte
# order n: 900 "frequent" ones (n % 5 >= 2) in 2 to 11 of 40 documents
# c00..c39, 600 "rare" ones (n % 5 < 2) each alone in its document rN.
# Kept: the 900 frequent and the first 100 rare (by bytes), so the match
# set is c00..c39 and the rN of those 100, brute-forced here.
mkdir limit
awk 'BEGIN {
    split("b c d f g h j k l m n p", C, " ")
    f = 0; r = 0
    for (n = 0; n < 1500; n++) {
        w = "qx" C[int(n / 144) + 1] C[int(n / 12) % 12 + 1] C[n % 12 + 1]
        if (n % 5 < 2) {
            printf "{\"id\": \"r%d\", \"title\": \"rare\", \"text\": \"%s filler\"}\n", n, w > "limit/rare.jsonl"
            if (r++ < 100) print "r" n > "limit-kept.ids"
        } else {
            df = 2 + f % 10
            for (k = 0; k < df; k++) common[(f + k * 7) % 40] = common[(f + k * 7) % 40] " " w
            f++
        }
    }
    for (d = 0; d < 40; d++) {
        printf "{\"id\": \"c%02d\", \"title\": \"common\", \"text\": \"%s\"}\n", d, common[d] > "limit/common.jsonl"
        printf "c%02d\n", d > "limit-kept.ids"
    }
}'
sort limit-kept.ids >limit-expected.ids
check "the generated corpus: 140 documents expected" test "$(wc -l <limit-expected.ids)" = 140

for engine in native xapian; do
    index_engine "$engine" "idx-$engine" limit || continue
    expect_exit 0 "$engine: qx* over its bound" -- cops_query -i "idx-$engine" --ids -n 10000 'qx*'
    sort "$OUT" >limit-got.ids
    check "$engine: qx* matches the OR of its 1000 most frequent expansions" \
        cmp -s limit-expected.ids limit-got.ids
    expect_stderr_contains "note: 'qx*' matches 1500 terms; the 1000 in the most documents are searched" \
        "$engine: the note says the prefix was cut"
    expect_exit 0 "$engine: --json" -- cops_query -i "idx-$engine" --json -n 1 'qx*'
    expect_stdout_contains '"notes":["'"'"'qx*'"'"' matches 1500 terms' "$engine: --json carries the note"
    expect_exit 0 "$engine: qxb* within its bound" -- cops_query -i "idx-$engine" --count 'qxb*'
    expect_stderr_lacks "note:" "$engine: no note for qxb* (144 terms)"
done

done_testing
