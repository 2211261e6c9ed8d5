#!/bin/sh
# cops-index on a terminal (script(1) gives it a pseudo-terminal): the
# progress line is redrawn cleanly (\033[K, no remnants of a longer line),
# its share done and ETA agree with the bytes read also for a gzip file
# (the ETA once divided the compressed size by decompressed bytes),
# warnings print on lines of their own, and the summary fits in 80
# columns.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

if ! command -v script >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
    skip "progress on a terminal" "script (bsdutils) or python3 not available"
    done_testing
    exit 0
fi

# About 120 MB of JSON Lines (a few seconds of indexing, so the progress
# line is drawn more than once) from 11 texts repeated within gzip's
# window, so the file shrinks to a few MB: far more decompressed bytes
# than stored ones.  Six records are broken JSON, for warnings during the
# run.
awk 'BEGIN {
    srand(7)
    for (i = 0; i < 2000; i++) {
        w = ""; n = 3 + int(rand() * 6)
        for (j = 0; j < n; j++) w = w sprintf("%c", 97 + int(rand() * 26))
        vocabulary[i] = w
    }
    for (k = 0; k < 11; k++) {
        t = ""
        for (x = 0; x < 300; x++) t = t " " vocabulary[int(rand() * rand() * 2000)]
        texts[k] = t
    }
    for (r = 1; r <= 60000; r++) {
        if (r % 10000 == 5000) { print "{broken"; continue }
        printf "{\"id\":\"r%d\",\"title\":\"record %d\",\"text\":\"%s\"}\n", r, r, texts[r % 11]
    }
}' | gzip -1 >big.jsonl.gz || exit 99

# script(1) copies the session to its standard output; the typescript
# file itself is not needed.
expect_exit 0 "cops-index on a terminal indexes the gzipped file" -- \
    script -qec "'$COPS_INDEX_PROG' -i idx big.jsonl.gz" /dev/null
cp "$OUT" session.raw

# Render the session as a terminal would (\r returns, \033[K clears to
# the end of the line): every state of the line before a \r or \n is a
# "frame"; lines ended by \n are what stays on the screen.
python3 - session.raw >session.check <<'EOF'
import re, sys
data = open(sys.argv[1], encoding="utf-8", errors="replace").read()
line, col, frames, lines, i = [], 0, [], [], 0
while i < len(data):
    if data.startswith("\x1b[K", i):
        del line[col:]
        i += 3
        continue
    c = data[i]
    if c in "\r\n":
        frames.append("".join(line))
        col = 0
        if c == "\n":
            lines.append("".join(line))
            line = []
    else:
        if col < len(line):
            line[col] = c
        else:
            line.append(c)
        col += 1
    i += 1
progress = re.compile(r"^cops-index: (\d+) documents, ([\d.]+) MB, [\d.]+ MB/s"
                      r"(, (\d+)%, ETA (\d+ s|\d+ min|\d+ h \d+ min))?$")
total, seconds = None, 0.0
for l in lines:
    m = re.match(r"^cops-index: read ([\d.]+) MB in ([\d.]+) s", l)
    if m:
        total, seconds = float(m.group(1)), float(m.group(2))
shown = [f for f in frames if re.match(r"cops-index: \d+ documents, ", f)]
# The line is first drawn after a second; a machine fast enough to index
# everything before that shows none, and the checks of it cannot apply.
too_fast = not shown and seconds < 1.5
def say(name, ok, detail=""):
    if too_fast and name in ("progress-drawn", "share-and-eta", "share-agrees-with-bytes"):
        print("skip " + name)
    else:
        print(("ok " if ok else "not ok ") + name + ("" if ok else ": " + detail))
say("progress-drawn", len(shown) > 0, "no progress line at all")
bad = [f for f in shown if not progress.match(f)]
say("no-remnants", not bad, repr(bad[:2]))
with_share = [progress.match(f) for f in shown if progress.match(f) and progress.match(f).group(3)]
say("share-and-eta", len(with_share) > 0, repr(shown[:2]))
# The share done is counted in stored bytes; it must agree with the
# decompressed MB shown (the records are alike) within a few points.
wrong = [m.group(0) for m in with_share
         if total and abs(int(m.group(4)) - 100 * float(m.group(2)) / total) > 10]
say("share-agrees-with-bytes", total is not None and not wrong, repr(wrong[:2]) + " of %s MB" % total)
early_zero = [m.group(0) for m in with_share if int(m.group(4)) < 50 and m.group(5) == "0 s"]
say("no-eta-0-before-half", not early_zero, repr(early_zero[:2]))
warnings = [l for l in lines if "warning:" in l]
say("six-warnings", len(warnings) == 6, repr(warnings))
glued = [l for l in warnings if not l.startswith("cops-index: warning: big.jsonl.gz:")]
say("warnings-own-lines", not glued, repr(glued[:2]))
summary = [l for l in lines if l and "warning:" not in l]
say("summary-present", any(l.startswith("cops-index: indexed 59994 documents") for l in summary),
    repr(summary))
wide = [l for l in summary if len(l) > 80]
say("summary-80-columns", not wide, repr(wide))
EOF
for name in progress-drawn no-remnants share-and-eta share-agrees-with-bytes \
    no-eta-0-before-half six-warnings warnings-own-lines summary-present summary-80-columns; do
    if grep -q "^ok $name\$" session.check; then
        pass "terminal session: $name"
    elif grep -q "^skip $name\$" session.check; then
        skip "terminal session: $name" "indexing ended before the first progress report"
    else
        fail "terminal session: $name" "$(grep " $name" session.check)" "$(tr '\r' '|' <session.raw | tail -n 12)"
    fi
done

# Not a terminal: no progress line and no escape sequence at all.
expect_exit 0 "cops-index into a file indexes too" -- cops_index -i idx2 big.jsonl.gz
check "without a terminal, stderr holds no escape sequence" sh -c "! grep -q \"$(printf '\033')\" '$ERR'"
check "without a terminal, the warnings are still one per line" \
    test "$(grep -c '^cops-index: warning: big.jsonl.gz:' "$ERR")" = 6

done_testing
