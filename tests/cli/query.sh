#!/bin/sh
# cops-query on the bundled corpus: output modes, options, the query
# language, batch mode.
. "$COPS_SRCDIR/tests/cli/lib.sh"

index_seed_corpus
A=corpus/$SEED_A    # dated 2017-11-14; mentions Trump, not methamphetamine
B=corpus/$SEED_B    # undated; opens with "This story is over 5 years old.", a line
                    # the title skips for the headline below it

have_python=
command -v python3 >/dev/null 2>&1 && have_python=yes

# --- help and version -------------------------------------------------------
expect_exit 0 "--help exits 0" -- cops_query --help
expect_stdout_contains "Usage: cops-query" "--help prints the usage"
expect_exit 0 "--version exits 0" -- cops_query --version
expect_stdout_matches '^cops-query \(cops\) [0-9]+\.[0-9]+' "--version prints the version"
expect_exit 2 "no query exits 2" -- cops_query
expect_stderr_contains "no query" "no query: says so"
expect_exit 0 "two query words unquoted are one query" -- cops_query --count sanctuary grant
expect_stdout_is 2 "two arguments: their words joined"
expect_exit 2 "--default-op xor exits 2" -- cops_query --default-op xor grant
expect_stderr_contains "xor" "--default-op xor names the bad value"
expect_exit 2 "--limit -1 exits 2" -- cops_query --limit -1 grant
expect_exit 2 "--k1 abc exits 2" -- cops_query --k1 abc grant

# --- the README example ------------------------------------------------------
expect_exit 0 "README example 'sanctuary AND grant' exits 0" -- cops_query "sanctuary AND grant"
expect_stdout_matches '^2 matches for "sanctuary AND grant"' "the header says 2 matches"
expect_stdout_contains "$A" "the first seed article is listed"
expect_stdout_contains "$B" "the second seed article is listed"
expect_stdout_contains "2017-11-14" "the date of the dated article is shown"
expect_stdout_matches '^1\. .*\[[0-9.]+\]$' "hit 1 has a rank, title and score"
expect_stdout_matches '^2\. ' "hit 2 is listed"
check "nothing on stderr" test ! -s "$ERR"

expect_exit 0 "--count exits 0" -- cops_query --count "sanctuary AND grant"
expect_stdout_is 2 "--count prints 2"
expect_exit 0 "-c works too" -- cops_query -c "sanctuary AND grant"
expect_stdout_is 2 "-c prints 2"
expect_exit 0 "--ids exits 0" -- cops_query --ids "sanctuary AND grant"
expect_stdout_is "$B
$A" "--ids prints both identifiers, best first"

expect_exit 0 "--json exits 0" -- cops_query --json "sanctuary AND grant"
check "--json: 3 lines (2 hits and the summary)" test "$(wc -l <"$OUT")" -eq 3
expect_stdout_matches '^\{"summary":\{.*"total":2' "--json summary has total 2"
expect_stdout_contains '"rank":1' "--json hits have a rank"
for member in id title path date score snippet matches; do
    expect_stdout_contains "\"$member\":" "--json hits have '$member'"
done
if [ -n "$have_python" ]; then
    check "--json: every line parses as JSON" \
        python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$OUT"
    check "--json: summary total 2, returned 2, 2 hits with ranks 1 and 2" python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
s = rows[-1]["summary"]
hits = rows[:-1]
assert s["total"] == 2 and s["returned"] == 2 and s["query"] == "sanctuary AND grant", s
assert [h["rank"] for h in hits] == [1, 2]
assert hits[0]["score"] >= hits[1]["score"]
' <"$OUT"
    check "--json: the match ranges select highlighted words of the snippet" python3 -c '
import json, sys
for line in sys.stdin:
    h = json.loads(line)
    if "summary" in h: continue
    b = h["snippet"].encode("utf-8")
    words = [b[s:s+n].decode("utf-8").lower() for s, n in h["matches"]]
    assert words and all(w.startswith(("sanctuar", "grant")) for w in words), words
' <"$OUT"
else
    skip "--json: every line parses as JSON" "python3 not available"
fi

# --- no match --------------------------------------------------------------------
expect_exit 1 "no match exits 1" -- cops_query zzyzxqq
expect_stdout_contains "0 matches" "no match says 0 matches"
expect_exit 1 "--count with no match exits 1" -- cops_query --count zzyzxqq
expect_stdout_is 0 "--count with no match prints 0"
expect_exit 1 "--json with no match exits 1" -- cops_query --json zzyzxqq
expect_stdout_matches '"total":0' "--json with no match: total 0"
# Nothing to search is an error, not "0 matches" (a document may hold "!!!"):
# query-errors.sh.
expect_exit 2 "a query of only punctuation exits 2" -- cops_query '!!! ... ,,, ;;'
expect_stderr_contains "nothing to search: '!!!' has no letters or digits"
expect_exit 2 "a query that analyses to nothing (a lone -) exits 2" -- cops_query -- '-'

# --- literal, default operator, limit, offset ------------------------------------------
expect_exit "0|1" "--literal with operators and an open quote is not an error" -- \
    cops_query --literal 'sanctuary AND ("grant'
expect_stderr_lacks "syntax error" "--literal: no syntax error"
expect_exit 0 "--literal 'sanctuary grant' finds the articles" -- cops_query --literal --count 'sanctuary (grant'
expect_stdout_is 2
expect_exit 1 "default AND, --strict: 'sanctuary zzyzxqq' matches nothing" -- cops_query --strict --count 'sanctuary zzyzxqq'
expect_exit 0 "--default-op or: 'sanctuary zzyzxqq' matches" -- cops_query --default-op or --count 'sanctuary zzyzxqq'
expect_stdout_is 2
expect_exit 0 "--default-op OR (upper case) is accepted" -- cops_query --default-op OR --count 'sanctuary zzyzxqq'

expect_exit 0 "--ids grant" -- cops_query --ids grant
cp "$OUT" all.ids
expect_exit 0 "--limit 1" -- cops_query --limit 1 --ids grant
expect_stdout_is "$(sed -n 1p all.ids)" "--limit 1 shows the first hit only"
expect_exit 0 "-n 1" -- cops_query -n 1 grant
expect_stdout_matches '^2 matches .*showing 1-1' "-n 1: the header still counts 2 matches"
expect_stdout_lacks "2. " "-n 1: no second hit"
expect_exit 0 "--offset 1" -- cops_query --offset 1 --ids grant
expect_stdout_is "$(sed -n 2p all.ids)" "--offset 1 shows the second hit"
expect_exit 0 "--offset past the end still exits 0 (there are matches)" -- cops_query --offset 5 --ids grant
expect_stdout_is "" "--offset past the end prints no ids"
expect_exit 0 "--json --limit 1 --offset 1" -- cops_query --json --limit 1 --offset 1 grant
expect_stdout_matches '"rank":2' "the hit after the offset has rank 2"
expect_stdout_matches '"total":2,"total_exact":true,"returned":1,"offset":1,"limit":1' "the summary reports offset and limit"

# --- explain --------------------------------------------------------------------------
expect_exit 0 "--explain exits 0" -- cops_query --explain "sanctuary AND grant"
expect_stdout_contains "AND" "--explain shows the tree's AND"
expect_stdout_contains 'WORD "sanctuary"' "--explain shows the tree's words"
expect_stdout_contains 'WORD "grant"'
expect_stdout_matches '^ *sanctuari: [0-9.]+ \(.*idf' "--explain shows the per-term line for sanctuary"
expect_stdout_matches '^ *grant: [0-9.]+ \(.*idf' "--explain shows the per-term line for grant"
expect_stdout_matches 'score [0-9.]+' "--explain shows each hit's score"

# --- highlighting ---------------------------------------------------------------------
expect_exit 0 "default output (not a terminal)" -- cops_query grant
expect_stdout_matches '\*\*[Gg]rants?\*\*' "matched words are marked with ** when not a terminal"
expect_stdout_lacks "$(printf '\033')" "no escape sequences when not a terminal"
expect_exit 0 "--no-color" -- cops_query --no-color grant
expect_stdout_lacks "**" "--no-color: no ** markers"
expect_stdout_lacks "$(printf '\033')" "--no-color: no escape sequences"
expect_stdout_contains "grant" "--no-color: the snippet is still there"
NO_COLOR=1
export NO_COLOR
expect_exit 0 "NO_COLOR=1" -- cops_query grant
expect_stdout_lacks "**" "NO_COLOR: no ** markers"
unset NO_COLOR
expect_exit 0 "--no-snippets" -- cops_query --no-snippets grant
expect_stdout_lacks "**" "--no-snippets: no snippet"
expect_stdout_contains "$A" "--no-snippets: identifiers are still listed"

# --- query language --------------------------------------------------------------------
# query | exit | --ids output (one line, space-separated, in rank order unless
# written "sorted:")
while IFS='|' read -r q want ids; do
    run cops_query --ids -- "$q"
    got=$(sort "$OUT" | tr '\n' ' ' | sed 's/ $//')
    exp=$(printf '%s\n' $ids | sort | tr '\n' ' ' | sed 's/ $//')
    [ -n "$ids" ] || exp=
    if [ "$RC" = "$want" ] && [ "$got" = "$exp" ]; then
        pass "query '$q': exit $want, hits: ${ids:-none}"
    else
        fail "query '$q': exit $want, hits: ${ids:-none}" "got exit $RC, hits: ${got:-none}"
    fi
done <<EOF
"community policing"|0|$A $B
"policing community"|1|
"community policing"~0|0|$A $B
grant*|0|$A $B
gran*|0|$A $B
methamphet*|0|$B
Grants|0|$A $B
GRANT|0|$A $B
title:story|1|
title:impossible|0|$B
title:sessions|0|$A $B
title:zzyzxqq|1|
title:"impossible choice"|0|$B
title:"over 5 years"|1|
date:2017-11-14|0|$A
date:2017-11|0|$A
date:2017|0|$A
date:2017-01-01..2017-12-31|0|$A
date:2018..|1|
date:..2017-11-13|1|
date:2016|1|
grant NOT methamphetamine|0|$A
grant -methamphetamine|0|$A
grant AND NOT trump|1|
NOT methamphetamine|0|$A
-methamphetamine|0|$A
-grant|1|
+methamphetamine grant|0|$B
sanctuary OR methamphetamine|0|$A $B
methamphetamine OR zzyzxqq|0|$B
(methamphetamine OR heroin) AND grant|0|$B
sanctuary NEAR/3 cities|0|$A $B
sanctuary NEAR/2 denying|0|$A
sanctuary NEAR cities|0|$A $B
methamphetamine NEAR/2 preferential|1|
"sanctuary cities" NEAR grant|0|$A $B
and|0|$A $B
café|1|
EOF

expect_exit 0 "a phrase is highlighted" -- cops_query '"community policing"'
expect_stdout_matches '\*\*[Cc]ommunity\*\* \*\*policing\*\*' "both words of the phrase are marked"

# NEAR with a phrase operand is symmetric ("in either order"): two words
# between the phrase and the word, before or after it.
mkdir near && printf 'alpha beta gamma delta epsilon\n' >near/after.txt &&
    printf 'epsilon delta gamma alpha beta\n' >near/before.txt || exit 99
expect_exit 0 "index for NEAR order" -- cops_index -q -i near-idx near
expect_exit 0 "word 2 words before the phrase: NEAR/3" -- cops_query -i near-idx --ids -- '"alpha beta" NEAR/3 epsilon'
expect_stdout_contains near/before.txt "NEAR/3 matches the word before the phrase"
expect_stdout_contains near/after.txt "NEAR/3 matches the word after the phrase (either order)"
expect_exit 0 "plain words: NEAR/2 in both orders" -- cops_query -i near-idx --count -- 'gamma NEAR/2 epsilon'
expect_stdout_is 2 "plain words 2 apart match in both orders"

# --- batch mode -----------------------------------------------------------------------
printf 'grant\n(grant\nsanctuary AND grant\n\nzzyzxqq\nmethamphetamine\n' >batch.txt
stdin_from batch.txt
expect_exit 2 "--batch with one bad query exits 2" -- cops_query --batch --count
expect_stdout_is "2
error: unbalanced parenthesis: '(' is never closed
2
error: empty query
0
1" "--batch: one line per query, in order, errors and the blank line included"
expect_stderr_contains "(grant" "--batch: the bad query is reported"
expect_stderr_matches '^ *\^' "--batch: the bad query has a caret line"
stdin_from batch.txt
expect_exit 2 "--batch --ids" -- cops_query --batch --ids
expect_stdout_contains "$B" "--batch --ids lists hits"
check "--batch --ids: methamphetamine is answered after the errors" \
    test "$(sed -n '$p' "$OUT")" = "" -a "$(grep -c . "$OUT")" -eq 7 -a "$(grep -c '^error: ' "$OUT")" -eq 2
stdin_from batch.txt
expect_exit 2 "--batch --json" -- cops_query --batch --json
check "--batch --json: one summary per good query (4)" test "$(grep -c '"summary"' "$OUT")" -eq 4
check "--batch --json: one error record per failing or blank line (2)" test "$(grep -c '^{"error"' "$OUT")" -eq 2
if [ -n "$have_python" ]; then
    check "--batch --json: every line parses" \
        python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$OUT"
fi
printf 'zzyzxqq\nqqqqxxq\n' >nomatch.txt
stdin_from nomatch.txt
expect_exit 1 "--batch where nothing matches exits 1" -- cops_query --batch
printf 'zzyzxqq\ngrant\n' >onematch.txt
stdin_from onematch.txt
expect_exit 0 "--batch where one query matches exits 0" -- cops_query --batch --count
expect_stdout_is "0
2"
stdin_from onematch.txt
expect_exit 2 "--batch with a QUERY argument exits 2" -- cops_query --batch grant
printf 'grant\r\nsanctuary\r\n' >crlf.txt
stdin_from crlf.txt
expect_exit 0 "--batch accepts CRLF line ends" -- cops_query --batch --count
expect_stdout_is "2
2"

done_testing
