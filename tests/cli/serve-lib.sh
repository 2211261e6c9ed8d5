# tests/cli/serve-lib.sh - a cops-serve for the serve tests (sourced after
# lib.sh).
#
#   make_serve_corpus FILE   JSON Lines: 30 dated "grant" reports (2015-2018),
#                            one undated, and the XSS corpus (hostile titles,
#                            identifiers and texts that all match "grant";
#                            xss-img's text is longer than a snippet)
#   index_serve_corpus       that corpus indexed into $TMP/idx (cd $TMP)
#   skip_all DESC REASON     skip the whole test
#   start_server INDEX [OPTION]...
#                            run cops-serve on a free loopback port, with
#                            --www $SERVE_WWW (default: the source tree's;
#                            none when set empty); sets SERVER_PID and BASE
#                            (http://127.0.0.1:PORT)
#   stop_server              SIGTERM, then wait; sets SERVER_RC, a failure
#                            unless it is 0
#   http get URL...          tests/cli/http-client.py through run

COPS_SERVE_PROG=$COPS_BUILDDIR/cops-serve
HTTP_CLIENT=$COPS_SRCDIR/tests/cli/http-client.py

make_serve_corpus()
{
    awk 'BEGIN {
        for (i = 1; i <= 30; i++) {
            year = 2015 + (i % 4); month = 1 + (i * 5) % 12; day = 1 + (i * 7) % 28
            printf "{\"id\":\"report-%02d\",\"title\":\"Grant report %d\",\"date\":\"%04d-%02d-%02d\",", i, i, year, month, day
            printf "\"text\":\"The city council approved grant number %d for community policing.", i
            for (j = 0; j < i; j++) printf " grant"
            printf "\"}\n"
        }
        print "{\"id\":\"undated\",\"title\":\"An undated grant memo\",\"text\":\"A memo about a grant with no date.\"}"
        print "{\"id\":\"xss-script\",\"title\":\"<script>alert(1)</script>\",\"date\":\"2016-06-01\",\"text\":\"grant <script>alert(2)</script> text\"}"
        # past a snippet: the document view shows the whole text
        printf "{\"id\":\"xss-img\",\"title\":\"<img src=x onerror=alert(1)>\",\"date\":\"2016-06-02\",\"text\":\"grant <img src=x onerror=alert(3)> and <svg onload=alert(4)>"
        for (j = 0; j < 2000; j++) printf " filler"
        print " onerror <script>alert(8)</script> the end\"}"
        print "{\"id\":\"<b>xss-id</b>\",\"title\":\"\\\"><iframe src=javascript:alert(5)>\",\"date\":\"2016-06-03\",\"text\":\"grant javascript:alert(6) <a href=javascript:alert(7)>x</a>\"}"
    }' >"$1"
}

# index_serve_corpus: in $TMP, docs.jsonl (make_serve_corpus) indexed into idx.
index_serve_corpus()
{
    cd "$TMP" || exit 99
    make_serve_corpus docs.jsonl
    run cops_index -q -i idx docs.jsonl
    [ "$RC" = 0 ] || { echo "Bail out! cannot index: $(cat "$ERR")"; exit 99; }
}

# skip_all DESC REASON: the whole test is skipped.
skip_all()
{
    skip "$1" "$2"
    done_testing
    exit 0
}

start_server()
{
    _index=$1
    shift
    # Gone before the server starts: the loop below must not read the
    # address of the previous one.
    rm -f "$TMP/server.log"
    # SERVE_WWW= (empty) starts it without --www: on its default folder.
    _www=${SERVE_WWW-$COPS_SRCDIR/serve/www}
    "$COPS_SERVE_PROG" -i "$_index" --listen 127.0.0.1:0 ${_www:+--www "$_www"} "$@" \
        2>"$TMP/server.log" &
    SERVER_PID=$!
    BG_PIDS="$BG_PIDS $SERVER_PID"
    _tries=0
    BASE=
    while [ $_tries -lt 100 ]; do
        BASE=$(sed -n 's|^cops-serve: serving .* on \(http://[^ ]*\)/$|\1|p' "$TMP/server.log" 2>/dev/null)
        [ -n "$BASE" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
        _tries=$((_tries + 1))
    done
    echo "Bail out! cops-serve did not start: $(cat "$TMP/server.log")"
    exit 99
}

stop_server()
{
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID"
    SERVER_RC=$?
    # A sanitizer's report at exit (a leak) makes the status non-zero.
    if [ "$SERVER_RC" != 0 ]; then
        fail "cops-serve stops with status 0 on SIGTERM" "status $SERVER_RC" "$(cat "$TMP/server.log")"
    fi
}

http()
{
    run python3 "$HTTP_CLIENT" "$@"
}

# report_lines FILE: each "PASS what" / "FAIL what: why" line of FILE as a
# TAP result.
report_lines()
{
    while IFS= read -r _line; do
        case $_line in
        "PASS "*) pass "${_line#PASS }" ;;
        "FAIL "*) fail "${_line#FAIL }" ;;
        esac
    done <"$1"
}

# json_check DESC PYTHON-EXPRESSION: the body of the last http run (after
# the blank line that ends the headers), parsed as `d`, makes the
# expression true.
json_check()
{
    check "$1" python3 -c '
import json, sys
body = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1]
d = json.loads(body)
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2"
}
