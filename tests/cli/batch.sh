#!/bin/sh
# cops-query --batch: exactly one record per input line, blank and failing
# lines included, in every output mode; each record is what the same query
# alone prints (the reference: one process per query), an error record
# where the query alone fails.  --json with --count, --ids and --explain
# is valid, structured JSON.
. "$COPS_SRCDIR/tests/cli/lib.sh"

index_seed_corpus
have_python=
command -v python3 >/dev/null 2>&1 && have_python=yes

# The issue's five lines, then a generated mix: words of the corpus and
# absent ones, operators, fields, prefixes, phrases, and broken syntax.
printf 'grant\n(bad\n\nzzz\nsanctuary\n' >queries.txt
awk 'BEGIN {
    srand(17)
    split("grant sanctuary cities police trump zzyzxqq sessions federal immigration", w, " ")
    split("AND|OR|NOT| |(|)|\"|title:|date:2017|*|NEAR/3|+|-", op, "|")
    for (q = 0; q < 40; q++) {
        line = ""
        n = int(rand() * 5)
        for (i = 0; i <= n; i++) {
            if (rand() < 0.35)
                line = line " " op[int(rand() * 13) + 1]
            line = line " " w[int(rand() * 9) + 1]
        }
        if (rand() < 0.1)
            line = ""
        print substr(line, 2)
    }
}' >>queries.txt
lines=$(wc -l <queries.txt)

# expected MODE...: the records of each line answered alone (the
# reference), with the milliseconds left out.
expected()
{
    while IFS= read -r query; do
        "$COPS_QUERY_PROG" "$@" -- "$query" >one.out 2>one.err
        rc=$?
        if [ "$rc" -ge 2 ]; then
            # The reason: after the caret of a syntax error, else the first line.
            message=$(sed -n 's/^ *\^ //p' one.err)
            [ -n "$message" ] || message=$(sed -n '1s/^cops-query: //p' one.err)
            case " $* " in
            *" --json "*) printf '{"error":%s}\n' "$message" ;;
            *) printf 'error: %s\n' "$message" ;;
            esac
        else
            cat one.out
        fi
        case " $* " in
        *" --json "* | *" --count "*) ;;
        *) echo ;;
        esac
    done <queries.txt | sed 's/"milliseconds":[0-9.]*//'
}

for mode in --count --ids "" --json "--json --count" "--json --ids" "--json --explain"; do
    name=${mode:-text}
    stdin_from queries.txt
    # shellcheck disable=SC2086 # the mode is one or two words
    run cops_query --batch --no-snippets $mode
    check "$name: exit 2 as one line fails" test "$RC" = 2
    sed 's/"milliseconds":[0-9.]*//' "$OUT" >batch.out
    # shellcheck disable=SC2086
    expected --no-snippets $mode >alone.out
    case $name in
    --count)
        check "$name: $lines lines for $lines input lines" test "$(wc -l <batch.out)" -eq "$lines"
        check "$name: each line is what the query alone prints" cmp -s batch.out alone.out
        ;;
    --json*)
        records=$(grep -c '^{"summary"\|^{"error"' batch.out)
        check "$name: $lines summary or error lines for $lines input lines" \
            test "$records" -eq "$lines"
        # The reference's error lines hold the bare message: compare the rest.
        grep -v '^{"error"' batch.out >batch.ok
        grep -v '^{"error"' alone.out >alone.ok
        check "$name: each answered record is what the query alone prints" cmp -s batch.ok alone.ok
        ;;
    *)
        check "$name: the records are what the queries alone print" cmp -s batch.out alone.out
        if [ "$name" = --ids ]; then
            records=$(grep -c '^$' batch.out) # an identifier is never empty
        else
            records=$(grep -c '^error: \|^[0-9]* match' batch.out)
        fi
        check "$name: $lines records for $lines input lines" test "$records" -eq "$lines"
        ;;
    esac
done

# The issue's example (query.sh checks its --count records).
printf 'grant\n(bad\n\nzzz\nsanctuary\n' >five.txt
stdin_from five.txt
expect_exit 2 "--ids: five records" -- cops_query --batch --ids
check "--ids: five empty-line-terminated records" test "$(grep -c '^$' "$OUT")" -eq 5

# A NUL byte inside a line cut the query there silently ("sanc" was
# searched for "sanc\0tuary"): the line is an error record naming the
# line and the byte, and the next line is answered.
printf 'grant\nsanc\000tuary\ngrant\n' >nul.txt
stdin_from nul.txt
expect_exit 2 "a NUL byte in a line is an error" -- cops_query --batch --count
check "three records for three lines" [ "$(wc -l <"$OUT")" = 3 ]
check "the NUL line's record names the line and the byte" \
    [ "$(sed -n 2p "$OUT")" = 'error: line 2: a NUL byte at byte 5: a query is text without NUL bytes; the line is not searched: sanc\x00tuary' ]
check "the lines around it are answered" [ "$(sed -n '1p;3p' "$OUT" | tr '\n' ' ')" = "2 2 " ]
expect_stderr_contains "cops-query: line 2: a NUL byte at byte 5" "one line on standard error"
check "... and only that line" [ "$(wc -l <"$ERR")" = 1 ]
# The record showed the query cut at the NUL ("sanc"): the whole line,
# escaped, and a terminal escape after the NUL neutralised too.
expect_stderr_contains 'line is not searched: sanc\x00tuary' "standard error shows the whole line"
printf 'sanc\000tu\033]0;x\007ary\n' >nul-esc.txt
stdin_from nul-esc.txt
expect_exit 2 "a NUL and an escape in a line" -- cops_query --batch
check "the text record shows the line whole, escaped" \
    [ "$(sed -n 1p "$OUT")" = 'error: line 1: a NUL byte at byte 5: a query is text without NUL bytes; the line is not searched: sanc\x00tu\x1b]0;x\x07ary' ]
check "no raw escape byte" sh -c '! grep -q "$(printf "\033")" "$1" "$2"' sh "$OUT" "$ERR"

if [ -z "$have_python" ]; then
    skip "JSON checks" "python3 not available"
    done_testing
    exit
fi
stdin_from nul-esc.txt
expect_exit 2 "--json: a NUL and an escape in a line" -- cops_query --batch --json
check "--json: the error record's query is the whole line (\\u0000, not cut)" python3 -c '
import json, sys
record = json.loads(open(sys.argv[1]).readline())
assert record["error"]["query"] == "sanc\0tu\x1b]0;x\x07ary", record
' "$OUT"
stdin_from five.txt
run cops_query --batch --json --explain -n 2
check "--json --explain: every line parses and the records are structured" python3 -c '
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
ends = [r for r in records if "summary" in r or "error" in r]
assert len(ends) == 5, ends
assert ends[1]["error"] == {"query": "(bad", "message": "unbalanced parenthesis: '"'"'('"'"' is never closed", "column": 1}
assert ends[2]["error"]["query"] == "" and ends[2]["error"]["message"] == "empty query"
assert ends[0]["summary"]["tree"] == {"op": "WORD", "field": "any", "text": "grant"}
hits = [r for r in records if "rank" in r]
assert hits and all(h["explanation"]["terms"] for h in hits)
for h in hits:
    terms = h["explanation"]["terms"]
    assert abs(sum(t["score"] for t in terms) - h["score"]) < 1e-4, h
    assert all(t["term"] in ("grant", "sanctuari") and t["field"] in ("any", "title") and t["tf"] > 0 for t in terms)
' "$OUT"

expect_exit 0 "--json --explain: a tree of every kind" -- cops_query --json --explain --no-snippets -n 1 \
    '(sanctuary OR "federal grants"~2) title:impossible grant* date:2017..2018 (police NEAR/5 cities) +trump immigration NOT zzz'
check "--json --explain: the tree has every node kind with its members" python3 -c '
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
tree = lines[-1]["summary"]["tree"]
seen, nodes = {}, []
def walk(node):
    seen.setdefault(node["op"], node)
    nodes.append(node)
    for child in node.get("children", []):
        walk(child)
walk(tree)
assert set(seen) >= {"AND", "OR", "NOT", "WORD", "PHRASE", "PREFIX", "DATE", "NEAR", "AND_MAYBE"}, seen
assert seen["PHRASE"]["slop"] == 2 and seen["PHRASE"]["text"] == "federal grants"
assert seen["DATE"]["from"] == "2017-01-01" and seen["DATE"]["to"] == "2018-12-31"
assert seen["NEAR"]["distance"] == 5
assert {"op": "WORD", "field": "title", "text": "impossible"} in nodes, tree
hit = lines[0]["explanation"]
assert any(t["field"] == "title" and t["term"] == "imposs" for t in hit["terms"]), hit
' "$OUT"

expect_exit 0 "--json --count" -- cops_query --json --count grant
check "--json --count: the summary alone" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1
s = json.loads(lines[0])["summary"]
assert s["total"] == 2 and s["returned"] == 0
' "$OUT"
expect_exit 0 "--json --ids" -- cops_query --json --ids grant
check "--json --ids: rank and id only, then the summary" python3 -c '
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
assert [sorted(h) for h in lines[:-1]] == [["id", "rank"], ["id", "rank"]], lines
assert lines[-1]["summary"]["returned"] == 2
' "$OUT"

# A line without end is read past, not held whole: a 4 MiB line is one
# error record echoing at most 64 KiB of it, and the next line is answered.
awk 'BEGIN { s = "grant"; while (length(s) < 4194304) s = s s; print s; print "grant" }' >long.txt
stdin_from long.txt
expect_exit 2 "a 4 MiB line is an error" -- cops_query --batch --json --count
check "two records" [ "$(wc -l <"$OUT")" = 2 ]
check "the error echoes at most 64 KiB of the line" [ "$(head -n 1 "$OUT" | wc -c)" -lt 70000 ]
expect_stdout_matches '^\{"error":\{"query":"grantgrant.*longer than the limit' "the long line's record"
check "the next line is answered" python3 -c '
import json, sys
assert json.loads(open(sys.argv[1]).read().splitlines()[1])["summary"]["total"] == 2
' "$OUT"

done_testing
