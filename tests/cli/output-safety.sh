#!/bin/sh
# Output from strangers' bytes: file names with newlines, terminal escape
# sequences, invalid UTF-8 and C1 controls, and documents whose titles and
# text hold "ESC ] 0 ; pwned BEL" (retitle) and "ESC [ 2 J" (clear).
# --json is valid JSON in valid UTF-8 and gives the exact bytes of names
# that are not UTF-8; text output, --ids, --batch and every warning and
# error hold no control byte, DEL, C1, bidi control or invalid UTF-8, and
# one record or one message per line whatever the names hold.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
if ! command -v python3 >/dev/null 2>&1; then
    skip "output safety" "python3 not available"
    done_testing
fi

# --- the hostile inputs ------------------------------------------------------
mkdir in || exit 99
nl='
'
esc=$(printf '\033')
bel=$(printf '\007')
make_file()  # NAME-AS-PRINTF-FORMAT CONTENT-AS-PRINTF-FORMAT
{
    printf "$2" >"in/$(printf "$1")" || exit 99
}
make_file 'nl\nline.txt' 'grant newline name\n'
make_file 'bad\377name.txt' 'grant invalid byte name\n'
make_file 'overlong\300\257.txt' 'grant overlong name\n'
make_file 'surrogate\355\240\200.txt' 'grant surrogate name\n'
make_file 'c1\302\233x.txt' 'grant c1 name and \302\205 next line\n'
make_file 'esc\033]0;pwned\007.txt' 'grant escape name\n'
make_file 'clear\033[2J.txt' 'grant clear name\n'
make_file 'bidi\342\200\256txt.exe' 'grant bidi name\n'
make_file 'title.txt' 'grant \033]0;pwned\007 and \033[2J here, tab\there\n'
printf '{"id":"j\\u001b[2J\\n1","title":"T\\u001b]0;pwned\\u0007x","text":"grant \\u001b[2J clear \\u009b31m del \\u007f"}\n' \
    >in/docs.jsonl
# An empty file whose name forges a second message.
: >"in/x${nl}cops-index: error: forged"
# Empty files whose names would clear the screen or retitle the terminal.
: >"in/empty${esc}[2J"
: >"in/empty${esc}]0;pwned${bel}$(printf '\302\233')"
hits=10

# inert FILE [DESC]: valid UTF-8 without C0 controls (other than newline),
# DEL, C1, bidi controls or line separators.
inert()
{
    check "${2:-$1 is inert}" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8: %s" % e)
acting = {0x061C, 0x200E, 0x200F, 0x2028, 0x2029} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
for ch in text:
    o = ord(ch)
    if (o < 0x20 and ch != "\n") or 0x7F <= o <= 0x9F or o in acting:
        sys.exit("control U+%04X in output" % o)
' "$1"
}

# lines FILE N DESC: FILE has exactly N lines.
lines()
{
    check "$3" test "$(wc -l <"$1")" -eq "$2"
}

# --- cops-index: warnings are one line each, names escaped -------------------
expect_exit 0 "indexing the hostile names succeeds" -- cops_index -i idx in
inert "$ERR" "cops-index's warnings are inert"
check "the forged line does not appear as a message of its own" \
    sh -c '! grep -q "^cops-index: error: forged" "$1"' sh "$ERR"
check "every line of stderr is a message of cops-index" \
    sh -c '! grep -v "^cops-index: " "$1" | grep -q .' sh "$ERR"
expect_stderr_contains 'x\ncops-index: error: forged: empty file, skipped' \
    "the empty file's warning shows its name escaped"

# The summary names the index directory: escaped too.
expect_exit 0 "indexing into a directory with an escape in its name" -- \
    cops_index -i "idx${esc}]0;pwned${bel}" in/title.txt
inert "$ERR" "the summary naming that index is inert"
expect_stderr_contains 'idx\x1b]0;pwned\x07' "the summary shows the index name escaped"
for inspect in --check --stats "--dump grant" "--dump clear-ESC[2J"; do
    # The descriptions stay printable: ESC goes into the argument only.
    # shellcheck disable=SC2046
    expect_exit '0|1' "cops-index $inspect on that index" -- \
        cops_index -i "idx${esc}]0;pwned${bel}" $(printf '%s' "$inspect" | sed "s/ESC/$esc/")
    inert "$OUT" "cops-index $inspect: its report is inert"
    inert "$ERR" "cops-index $inspect: its messages are inert"
done

# --- --ids: one line per hit, lossless escapes --------------------------------
expect_exit 0 "--ids finds every document" -- cops_query -i idx -n 100 --ids grant
cp "$OUT" ids.out
inert ids.out "--ids output is inert"
lines ids.out "$hits" "--ids prints exactly one line per hit ($hits)"
expect_stdout_contains 'in/nl\nline.txt' "--ids shows a newline in a name as \\n"
expect_stdout_contains 'in/bad\xffname.txt' "--ids shows an invalid byte as \\xff"
expect_stdout_contains 'in/c1\xc2\x9bx.txt' "--ids shows a C1 control as its bytes"
expect_stdout_contains 'in/bidi\xe2\x80\xaetxt.exe' "--ids shows a bidi override as its bytes"
check "--ids escapes are lossless: each line decodes to an existing name" python3 -c '
import codecs, os, sys
for line in open(sys.argv[1], "rb").read().split(b"\n")[:-1]:
    name = codecs.escape_decode(line)[0]
    if line.startswith(b"in/") and not os.path.exists(name):
        sys.exit("no file %r (from %r)" % (name, line))
' ids.out

# --- text output -------------------------------------------------------------
expect_exit 0 "text output" -- cops_query -i idx -n 100 grant
cp "$OUT" text.out
inert text.out "text output is inert (titles, ids, snippets)"
expect_stdout_contains '\x1b]0;pwned\x07 and \x1b[2J here' \
    "a snippet's controls are shown escaped"
expect_stdout_contains 'T\x1b]0;pwned\x07x' "a title's controls are shown escaped"
expect_exit 0 "text output with --explain" -- cops_query -i idx --explain -n 100 grant
inert "$OUT" "--explain output is inert"
expect_exit 0 "a query holding an escape sequence" -- cops_query -i idx "grant ${esc}[2J"
inert "$OUT" "the header quoting that query is inert"
inert "$ERR" "its stderr is inert"

# --- --batch -----------------------------------------------------------------
printf 'grant\nclear %s[2J\ngrant OR %s]0;x%s\n(grant %s[2J\n' "$esc" "$esc" "$bel" "$esc" >queries
stdin_from queries
expect_exit 2 "--batch with a failing query exits 2" -- cops_query -i idx --batch --ids -n 100
inert "$OUT" "--batch --ids output is inert"
inert "$ERR" "--batch errors quoting the queries are inert"
lines "$ERR" 4 "the failing query gives its four lines: message, query, caret, the --literal hint"
stdin_from queries
expect_exit 2 "--batch --json" -- cops_query -i idx --batch --json -n 100
inert "$OUT" "--batch --json output is inert"

# --- JSON --------------------------------------------------------------------
expect_exit 0 "--json" -- cops_query -i idx --json -n 100 grant
cp "$OUT" json.out
inert json.out "--json output is inert on a terminal"
check "--json: every line is a JSON object in valid UTF-8" python3 -c '
import json, sys
for raw in open(sys.argv[1], "rb"):
    json.loads(raw.decode("utf-8"))
' json.out
check "--json: one object per hit, then the summary" python3 -c '
import json, sys
objects = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(objects) == int(sys.argv[2]) + 1, len(objects)
assert "summary" in objects[-1]
' json.out "$hits"
check "--json: ill-formed bytes become U+FFFD and id_base64 holds the exact name" python3 -c '
import base64, json, os, sys
hits = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")][:-1]
by_id = {h["id"]: h for h in hits}
for shown, exact in [("in/bad\ufffdname.txt", b"in/bad\xffname.txt"),
                     ("in/overlong\ufffd\ufffd.txt", b"in/overlong\xc0\xaf.txt"),
                     ("in/surrogate\ufffd\ufffd\ufffd.txt", b"in/surrogate\xed\xa0\x80.txt")]:
    hit = by_id[shown]
    assert hit["path"] == shown, hit
    assert base64.b64decode(hit["id_base64"]) == exact, hit
for hit in hits:
    if not hit["id"].startswith("in/"):
        continue
    exact = base64.b64decode(hit["id_base64"]) if "id_base64" in hit else hit["id"].encode("utf-8")
    assert os.path.exists(exact), hit
    assert ("id_base64" in hit) == ("\ufffd" in hit["id"]), hit
' json.out
check "--json: controls round-trip as the same code points" python3 -c '
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")][:-1]
ids = {h["id"] for h in hits}
for name in ["in/nl\nline.txt", "in/c1\x9bx.txt", "in/esc\x1b]0;pwned\x07.txt",
             "in/clear\x1b[2J.txt", "in/bidi\u202etxt.exe", "j\x1b[2J\n1"]:
    assert name in ids, name
titles = {h["title"] for h in hits}
assert "T\x1b]0;pwned\x07x" in titles, titles
' json.out
check "--json: the match ranges still select the highlighted word" python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    hit = json.loads(line)
    if "snippet" not in hit:
        continue
    raw = hit["snippet"].encode("utf-8")
    for start, length in hit["matches"]:
        assert raw[start:start + length].lower() == b"grant", (hit, start, length)
' json.out

# --- errors naming hostile paths ---------------------------------------------
expect_exit 2 "a missing index whose name holds escapes" -- \
    cops_query -i "no${esc}[2J${nl}cops-query: forged" grant
inert "$ERR" "the error naming it is inert"
lines "$ERR" 1 "the error is one line"
expect_exit 2 "a syntax error in a query holding an escape" -- cops_query -i idx "(grant ${esc}[2J"
inert "$ERR" "the syntax error is inert"

done_testing
