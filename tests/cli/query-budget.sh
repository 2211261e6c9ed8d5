#!/bin/sh
# One query's cost is bounded as a whole (man cops-query, "Limits"):
#  - all its prefixes together expand to at most 10000 terms, else exit 2
#    with a message naming the bound (each prefix alone is within its own
#    bound of 1000 here);
#  - all its fuzzy words together are compared with at most 2,000,000
#    indexed words (query/fuzzy.h), else exit 2 with a message naming it;
#  - "did you mean" looks at most at 16 rare words of a query and compares
#    them with at most 2,000,000 indexed words in all (query/suggest.h):
#    past that the words get no suggestion, and the query still runs;
#  - a snippet analyses its text only until a little past the first match
#    (query/snippet.h), so twelve 1.2 MB documents matching from their
#    first word are all highlighted within the list's 8 MiB budget, and
#    each snippet is a window, not the document.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir small big || exit 99

# small/docs.jsonl: 2000 documents of 40 words "PPPxS": 1000 prefixes PPP
# (three letters from a..j) with four suffixes S each, so the 1000
# prefixes expand to about 8000 terms (body and title: each record's title
# is its text's first 200 bytes, as cops once derived it).  big/: twelve 1.2 MB documents of such words
# (six suffixes).  query: the 1000 prefixes.
awk 'function title(text, t) {
    t = substr(text, 2)
    if (length(t) > 200) {
        t = substr(t, 1, 200)
        sub(/ [^ ]*$/, "", t)
    }
    return t
}
BEGIN {
    srand(11)
    split("a b c d e f g h i j", L, " ")
    for (d = 0; d < 2000; d++) {
        line = ""
        for (w = 0; w < 40; w++)
            line = line sprintf(" %s%s%sx%s", L[int(rand() * 10) + 1], L[int(rand() * 10) + 1],
                                L[int(rand() * 10) + 1], L[int(rand() * 4) + 1])
        printf "{\"id\":\"d%d\",\"title\":\"%s\",\"text\":\"%s\"}\n", d, title(line), line \
            > "small/docs.jsonl"
    }
    q = ""
    for (i = 1; i <= 10; i++)
        for (j = 1; j <= 10; j++)
            for (k = 1; k <= 10; k++)
                q = q sprintf("%s%s%s* ", L[i], L[j], L[k])
    print q > "query"
    for (f = 0; f < 12; f++) {
        file = sprintf("big/big%02d.txt", f)
        for (l = 0; l < 16000; l++) {
            line = ""
            for (w = 0; w < 12; w++)
                line = line sprintf(" %s%s%sx%s", L[int(rand() * 10) + 1], L[int(rand() * 10) + 1],
                                    L[int(rand() * 10) + 1], L[int(rand() * 6) + 1])
            print line > file
        }
        close(file)
    }
    # 4000 more terms: the same prefixes with the suffixes g..j
    line = ""
    for (i = 1; i <= 10; i++)
        for (j = 1; j <= 10; j++)
            for (k = 1; k <= 10; k++)
                for (s = 7; s <= 10; s++)
                    line = line sprintf(" %s%s%sx%s", L[i], L[j], L[k], L[s])
    printf "{\"id\":\"more\",\"title\":\"%s\",\"text\":\"%s\"}\n", title(line), line > "more.jsonl"
}' || exit 99
query=$(cat query)

expect_exit 0 "the small corpus is indexed" -- cops_index -q -i idx small
expect_exit 0 "1000 prefixes expanding to fewer than 10000 terms in all are answered" \
    -- cops_query -i idx --default-op or "$query"
expect_stdout_contains "matches for" "the 1000-prefix query lists its hits"
expect_exit 0 "the same with --json" -- cops_query -i idx --json --default-op or "$query"
expect_stdout_matches '"matches":\[\[' "its snippets are highlighted"

cp more.jsonl small/ || exit 99
expect_exit 0 "4000 more terms under the same prefixes are indexed (one segment)" \
    -- cops_index -q -i idx --merge small
expect_exit 2 "the 1000 prefixes now expand to more than 10000 terms: exit 2" \
    -- cops_query -i idx --default-op or "$query"
expect_stderr_contains "match more than 10000 terms in all" "the message names the query's bound"
check "the message is one line" test "$(wc -l <"$ERR")" -eq 1
expect_stdout_is "" "nothing is printed on stdout"
expect_exit 0 "a query of fewer prefixes still runs" -- cops_query -i idx --count --default-op or "aaa* abb*"
expect_exit 2 "the bound holds for --count too" -- cops_query -i idx --count --default-op or "$query"

# a_words COUNT LETTERS: COUNT words "a" + LETTERS consonants (none the
# stemmer changes), 1000 to a record whose title is "t".
a_words() {
    awk -v count="$1" -v letters="$2" 'BEGIN {
    n = split("b c d f g h j k m n p q r t v w x z", C, " ")
    for (w = 0; w < count; w++) {
        if (w % 1000 == 0)
            printf "%s{\"id\":\"f%d\",\"title\":\"t\",\"text\":\"", w ? "\"}\n" : "", w / 1000
        word = "a"
        for (l = letters - 1; l >= 0; l--)
            word = word C[int(w / n ^ l) % n + 1]
        printf " %s", word
    }
    print "\"}"
}'
}

# fuzzy/: 20000 words a + four consonants (none the stemmer changes), so a
# fuzzy word abbbb~1 (buckets 'a' and 'b', the title's "t" in neither)
# compares with 20000 words: 100 of them reach the query's 2000000 exactly.
mkdir fuzzy || exit 99
a_words 20000 4 >fuzzy/docs.jsonl || exit 99
fuzzies=$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "abbbb~1 " }')
expect_exit 0 "20000 words in one bucket are indexed" -- cops_index -q -i fuzzyidx fuzzy
expect_exit 0 "100 fuzzy words compared with 2000000 words in all are answered" \
    -- cops_query -i fuzzyidx --count "$fuzzies"
expect_stdout_is 5 "they find the five documents holding words within 1 edit of abbbb"
expect_exit 2 "a 101st fuzzy word exceeds the query's 2000000 comparisons: exit 2" \
    -- cops_query -i fuzzyidx --count "$fuzzies abbbb~2"
expect_stderr_contains \
    "the query's fuzzy words are compared with more than 2000000 indexed words in all" \
    "the message names the query's fuzzy bound"
check "the fuzzy bound's message is one line" test "$(wc -l <"$ERR")" -eq 1
expect_stdout_is "" "nothing is printed on stdout"
expect_exit 2 "the fuzzy bound holds for --json too" \
    -- cops_query -i fuzzyidx --json "$fuzzies abbbb~2"
expect_exit 0 "a few fuzzy words still run" -- cops_query -i fuzzyidx --count "abbbb~1 abbbc~2"
# The Xapian engine counts the same comparisons (its database's terms).
if "$COPS_BUILDDIR/cops-index" -q --engine xapian -i fuzzyx fuzzy 2>/dev/null; then
    expect_exit 0 "Xapian: 100 fuzzy words are answered" -- cops_query -i fuzzyx --count "$fuzzies"
    expect_stdout_is 5 "Xapian: they find the same five documents"
    expect_exit 2 "Xapian: a 101st fuzzy word exceeds the bound: exit 2" \
        -- cops_query -i fuzzyx --count "$fuzzies abbbb~2"
    expect_stderr_contains "compared with more than 2000000 indexed words in all" \
        "Xapian: the same message"
else
    diag "no Xapian engine in this build: its fuzzy bound is not checked here"
fi

# Did you mean: ayyyy is in no document and within 2 edits of none (no
# indexed word has a y), so each one compares with the 20000 words of the
# bucket "a" and is suggested nothing; abbbbq is one edit from abbbb.
rare15=$(awk 'BEGIN { for (i = 0; i < 15; i++) printf "ayyyy " }')
expect_exit 1 "15 rare words and a typo" -- cops_query -i fuzzyidx --count "$rare15 abbbbq"
expect_stderr_contains "did you mean: abbbbq -> abbbb" "the 16th rare word is looked at"
expect_exit 1 "16 rare words and a typo" -- cops_query -i fuzzyidx --count "$rare15 ayyyy abbbbq"
check "the 17th rare word is not looked at (at most 16 per query)" \
    sh -c '! grep -q "did you mean" "$1"' sh "$ERR"
rare1000=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "ayyyy " }')
expect_exit 1 "1000 rare words run (16 looked at, not 1000 bucket scans)" \
    -- cops_query -i fuzzyidx --count "$rare1000"
# wide/: 150000 words of the bucket "a", so 13 rare words compare with
# 1950000 and a 14th would pass the query's 2000000 comparisons.
mkdir wide || exit 99
a_words 150000 5 >wide/docs.jsonl || exit 99
rare12=$(awk 'BEGIN { for (i = 0; i < 12; i++) printf "ayyyy " }')
expect_exit 0 "150000 words in one bucket are indexed" -- cops_index -q -i wideidx wide
expect_exit 1 "12 rare words and a typo: 1950000 comparisons" \
    -- cops_query -i wideidx --count "$rare12 abbbbbq"
expect_stderr_contains "did you mean: abbbbbq -> abbbbb" "the typo within the budget is suggested"
expect_exit 1 "13 rare words and a typo: the typo's scan would pass 2000000" \
    -- cops_query -i wideidx --count "$rare12 ayyyy abbbbbq"
check "the word past the budget gets no suggestion" sh -c '! grep -q "did you mean" "$1"' sh "$ERR"
expect_stdout_is 0 "and the query is answered"
expect_exit 1 "the same with --json" -- cops_query -i wideidx --json "$rare12 ayyyy abbbbbq"
check "no suggestion in the summary" sh -c '! grep -q suggestions "$1"' sh "$OUT"

expect_exit 0 "twelve documents of 1.2 MB are indexed" -- cops_index -q -i bigidx big
started=$(date +%s)
expect_exit 0 "1000 prefixes over twelve big documents" \
    -- cops_query -i bigidx --json -n 12 --default-op or "$query"
elapsed=$(($(date +%s) - started))
diag "12 snippets of 1.2 MB documents for 1000 prefixes: $elapsed s"
highlighted=$(grep -c '"matches":\[\[' "$OUT")
plain=$(grep -c '"matches":\[\]' "$OUT")
check "all twelve hits are highlighted (a few KiB analysed each; got $highlighted)" \
    test "$highlighted" -eq 12
check "none is left unhighlighted (got $plain)" test "$plain" -eq 0
check "each snippet is short (the window, not the document)" \
    sh -c '! grep -E "\"snippet\":\"[^\"]{2000}" "$1"' sh "$OUT"
done_testing
