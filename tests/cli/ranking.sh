#!/bin/sh
# cops-query's ranking options on a generated corpus: --stop-length (the
# function words of a long query score nothing, they still match) and
# --feedback (the top hits' words reorder the matches, which stay the
# query's own; by default only for queries of 10 words or more,
# --feedback-length), --weight (the other weighting schemes, each score checked
# against its formula computed here), and that a JSON Lines record without
# a title has none.
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

score_of() { # the JSON score of hit $1 in $OUT
    grep "\"id\":\"$1\"" "$OUT" | sed 's/.*"score":\([0-9.e+-]*\).*/\1/'
}

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
# By default feedback adds 40 words: one document of 61 distinct words
# lends 40 of them (all but the query's own 'car', which counts too).
mkdir wide
awk 'BEGIN { printf "{\"id\": \"w1\", \"text\": \"car"
    for (i = 1; i <= 60; i++) printf " word%c%c", 97 + i % 26, 97 + int(i / 26)
    print "\"}"; print "{\"id\": \"w2\", \"text\": \"boat\"}" }' >wide/wide.jsonl
expect_exit 0 "index a document of 61 words" -- cops_index -q -i wide.idx wide
expect_exit 0 "feedback with the default number of words" -- cops_query -i wide.idx --explain --feedback 1 car
check "40 words added" test "$(grep -c 'feedback [a-z]*, times' "$OUT")" -eq 40
expect_exit 2 "--feedback is bounded" -- cops_query --feedback 5000 car
expect_stderr_contains "feedback parameters out of range"
# Feedback reads the best hits even when the hits are shown by date: the
# oldest document (d1, fruit) would lend nothing to d3, the best (d2,
# engines and pistons) lifts it, so d3 scores as in relevance order.
mkdir dated
cat >dated/dated.jsonl <<'DOCS'
{"id": "d1", "date": "1990-01-01", "text": "car banana fruit salad"}
{"id": "d2", "date": "2000-01-01", "text": "car engine piston engine piston car"}
{"id": "d3", "date": "2010-01-01", "text": "car engine piston valve"}
DOCS
expect_exit 0 "index three dated documents" -- cops_index -q -i dated.idx dated
expect_exit 0 "feedback in relevance order" -- cops_query -i dated.idx --json --no-snippets --feedback 1 car
by_relevance=$(score_of d3)
expect_exit 0 "feedback with --sort date" -- cops_query -i dated.idx --json --no-snippets --feedback 1 --sort date car
expect_stdout_matches '"id":"d1"' "the oldest shown first"
by_date=$(score_of d3)
check "d3 scores as in relevance order ($by_relevance, $by_date)" test -n "$by_date" -a "$by_relevance" = "$by_date"
# By default only a query of 10 words or more gets feedback (from its top
# 10 hits); --feedback-length moves the threshold, 0 or --feedback 0 turns
# it off.
q9="car car car car car car car car car"
q10="$q9 car"
expect_exit 0 "a 10-word query" -- cops_query --ids "$q10"
expect_stdout_is "m1
m3
m2" "gets feedback by default (m3 lifted)"
expect_exit 0 "a 9-word query" -- cops_query --ids "$q9"
expect_stdout_is "m1
m2
m3" "gets none by default"
expect_exit 0 "--explain of the 10-word query" -- cops_query --explain "$q10"
expect_stdout_matches '^ *feedback engine, times [0-9.]+: [0-9.]+$' "names the added words"
expect_exit 0 "--feedback-length 9" -- cops_query --ids --feedback-length 9 "$q9"
expect_stdout_is "m1
m3
m2" "feedback from 9 words"
expect_exit 0 "--feedback-length 11" -- cops_query --ids --feedback-length 11 "$q10"
expect_stdout_is "m1
m2
m3" "no feedback below 11 words"
expect_exit 0 "--feedback-length 0" -- cops_query --ids --feedback-length 0 "$q10"
expect_stdout_is "m1
m2
m3" "never feedback"
expect_exit 0 "--feedback 0" -- cops_query --ids --feedback 0 "$q10"
expect_stdout_is "m1
m2
m3" "feedback off"
expect_exit 0 "--feedback-length 11 --feedback 1" -- cops_query --ids --feedback-length 11 --feedback 1 car
expect_stdout_is "m1
m2
m3" "--feedback keeps a given --feedback-length"
expect_exit 2 "--feedback-length takes a number" -- cops_query --feedback-length x car
expect_stderr_contains "--feedback-length"

# --- weighting schemes ----------------------------------------------------------------
# "car" in m2: body tf 1, length 4; 5 documents, body lengths 6 4 4 9 2
# (mean 5); df 3; 4 occurrences in 25 body tokens; m2's title lacks it.
near() { # $1 equals the awk expression $2 to 1e-9
    awk -v s="$1" "BEGIN { e = $2; exit !(s - e < 1e-9 && e - s < 1e-9) }"
}
expect_exit 0 "--weight inl2" -- cops_query --json --weight inl2 car
check "InL2: log2((N+1)/(df+0.5)) * tfn/(tfn+1), tfn = tf*log2(1+c*avglen/len)" \
    near "$(score_of m2)" "log(6/3.5)/log(2) * (log(2.25)/log(2)) / (log(2.25)/log(2) + 1)"
expect_exit 0 "--weight inl2 --weight-parameter 3" -- cops_query --json --weight inl2 --weight-parameter 3 car
check "InL2 with c = 3" near "$(score_of m2)" "log(6/3.5)/log(2) * (log(1+15/4)/log(2)) / (log(1+15/4)/log(2) + 1)"
expect_exit 0 "--weight lm --weight-parameter 10" -- cops_query --json --weight lm --weight-parameter 10 car
check "LM: ln(1 + tf/(mu*cf/tokens)) + ln(mu/(len+mu))" near "$(score_of m2)" "log(1 + 1/(10*4/25)) + log(10/14)"
# BM25 of m2: idf ln(1 + (5-3+0.5)/(3+0.5)), k1 1.2, b 0.7 (the default), len 4 / 5
bm25="log(1 + 2.5/3.5) * 2.2 / (1 + 1.2 * (0.3 + 0.7 * 4/5))"
expect_exit 0 "--weight bm25+" -- cops_query --json --weight bm25+ car
check "BM25+: BM25 + delta*idf, delta 1" near "$(score_of m2)" "$bm25 + log(1 + 2.5/3.5)"
expect_exit 0 "--weight bm25l" -- cops_query --json --weight bm25l car
check "BM25L: idf*(k1+1)*(c+d)/(k1+c+d), c = tf/(1-b+b*len/avglen), d 0.5" \
    near "$(score_of m2)" "log(1 + 2.5/3.5) * 2.2 * (1/0.86 + 0.5) / (1.2 + 1/0.86 + 0.5)"
expect_exit 0 "--weight bm25 is the default" -- cops_query --json --weight bm25 car
check "BM25" near "$(score_of m2)" "$bm25"
# The language model's background is the whole index's: a word scores the
# same in an index of two segments as in one of the same documents.
mkdir split both
printf '{"id":"a1","text":"car engine piston car"}\n{"id":"a2","text":"car banana fruit"}\n' >split/a.jsonl
printf '{"id":"b1","text":"engine engine engine valve"}\n{"id":"b2","text":"car car car car fruit"}\n' >b.jsonl
cp split/a.jsonl b.jsonl both/
expect_exit 0 "a first segment" -- cops_index -q -i split.idx split
cp b.jsonl split/
expect_exit 0 "a second segment" -- cops_index -q -i split.idx split
check "two segments" test "$(ls split.idx | grep -c '^seg-')" -eq 2
expect_exit 0 "one segment" -- cops_index -q -i both.idx both
for id in a1 a2 b1 b2; do
    expect_exit 0 "LM over two segments ($id)" -- cops_query -i split.idx --json --weight lm --weight-parameter 10 --default-op or 'car engine'
    split_score=$(score_of $id)
    expect_exit 0 "LM over one segment ($id)" -- cops_query -i both.idx --json --weight lm --weight-parameter 10 --default-op or 'car engine'
    check "$id scores the same ($split_score)" near "$split_score" "$(score_of $id)"
done
expect_exit 0 "--top-only ranks the same with a scheme" -- cops_query --ids --top-only -n 2 --weight lm --default-op or 'car engine'
expect_stdout_is "m1
m3"
expect_exit 0 "--explain names the scheme" -- cops_query --explain --weight inl2 car
expect_stdout_matches '^ *car: [0-9.]+ \(weight 1\.00, idf [0-9.]+, df 3, tf 1, field length 4, inl2\)$' "and its idf"
expect_exit 0 "BM25's lines do not" -- cops_query --explain car
expect_stdout_matches '^ *car: [0-9.]+ \(weight 1\.00, idf [0-9.]+, df 3, tf 1, field length 4\)$' "BM25"
expect_exit 0 "--explain --json" -- cops_query --explain --json --weight lm car
expect_stdout_contains '"field_length":4,"scheme":"lm"}' "the JSON term carries the scheme"
expect_exit 2 "an unknown scheme" -- cops_query --weight dph car
expect_stderr_contains "--weight takes bm25, bm25+, bm25l, inl2 or lm, not 'dph'"
expect_exit 2 "a negative parameter" -- cops_query --weight lm --weight-parameter -1 car
expect_stderr_contains "weighting scheme out of range"

done_testing
