#!/bin/sh
# The search page of cops-serve in Debian's Chromium, headless, driven by
# playwright-core (tests/browser/serve.mjs, installed by quickstart.sh's
# `npm ci` in tests/browser): a query, highlighted hits, paging, sort by
# date, a histogram bar, a document, a bad query's caret, the keyboard, the
# XSS corpus shown as text with no dialog and no console error, a phone's
# width.  Screenshots go to $COPS_SCREENSHOTS (default: a temporary folder).
. "$COPS_SRCDIR/tests/cli/lib.sh"
. "$COPS_SRCDIR/tests/cli/serve-lib.sh"

chromium=${CHROMIUM:-/usr/bin/chromium}
browser_dir=$COPS_SRCDIR/tests/browser
reason=
if [ ! -x "$chromium" ]; then
    reason="$chromium is not installed (Debian: apt install chromium; quickstart.sh does)"
elif ! command -v node >/dev/null 2>&1; then
    reason="node is not installed (Debian: apt install nodejs npm; quickstart.sh does)"
elif [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
    reason="playwright-core is not installed: run 'npm ci' in tests/browser (quickstart.sh does)"
fi
[ -z "$reason" ] || skip_all "the search page in Chromium" "$reason"
index_serve_corpus
start_server idx
shots=${COPS_SCREENSHOTS:-$TMP/screenshots}
mkdir -p "$shots"
CHROMIUM=$chromium run node "$browser_dir/serve.mjs" "$BASE" "$shots"
cp "$OUT" browser.out
report_lines browser.out
check "the browser test ran to its end" test "$RC" = 0 -a "$(grep -c '^\(PASS\|FAIL\) ' browser.out)" -ge 14
[ "$RC" = 0 ] || diag "$(cat "$ERR")"
stop_server
done_testing
