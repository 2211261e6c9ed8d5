#!/bin/sh
# Pair keys (index-format/FORMAT.md 3.4): a count of a two-word body
# phrase of common words ("in the") reads the key of the pair, which must
# hold exactly the live documents where the words stand side by side,
# through updates (the replaced documents deleted), several segments and
# --optimize (a merge re-analyses the text); every count is checked
# against a brute-force count of the texts, and the keys stay out of
# --stats.  Longer phrases ("in the river") are filtered by the keys of
# their pairs before positions are read (query/plan.c, filter_by_pairs):
# their counts and top hits are checked the same way.  (Fails without
# the keys: the segment names its pair words.)
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus more
# ids 1-40; the texts mix the pairs' words with others
python3 - <<'PY' || exit 99
import json, random
random.seed(3)
words = "the in a of and is to was on at for as by with from an it that he river stone".split()
def text():
    return " ".join(random.choice(words) for _ in range(random.randint(1, 40)))
with open("corpus/a.jsonl", "w") as f:
    for i in range(1, 31):
        f.write(json.dumps({"id": str(i), "title": "doc %d" % i, "text": text()}) + "\n")
with open("more/b.jsonl", "w") as f:
    for i in range(31, 41):
        f.write(json.dumps({"id": str(i), "title": "in the title %d" % i, "text": text()}) + "\n")
PY

# The live documents' count of each phrase, by scanning the JSON Lines
# files given (body, or the title: an unfielded phrase matches either).
brute() {
    python3 - "$@" <<'PY'
import json, re, sys
phrase = sys.argv[1].split()
docs = {}
for name in sys.argv[2:]:
    for line in open(name):
        d = json.loads(line)
        docs[d["id"]] = d  # a later record replaces an earlier one
def has(text):
    t = re.findall(r"[a-z0-9]+", text.lower())
    return any(t[i:i + len(phrase)] == phrase for i in range(len(t)))
print(sum(1 for d in docs.values() if has(d["text"]) or has(d["title"])))
PY
}

counts_match() { # what, files...
    what=$1
    shift
    for phrase in "in the" "the in" "of a" "a of" "is a" "in a" "the the" "on the" \
                  "the river" "in the a" "he was" "in the river" "of a stone" "at the on" \
                  "at the on an" "with and the" "for that he" "stone the in" \
                  "river of a stone the"; do
        want=$(brute "$phrase" "$@")
        status=0
        test "$want" = 0 && status=1 # no match
        expect_exit $status "$what: count \"$phrase\"" -- cops_query -i idx --count "\"$phrase\""
        expect_stdout_is "$want" "$what: \"$phrase\" counts $want as the texts say"
        expect_exit $status "$what: default mode \"$phrase\"" -- \
            cops_query -i idx --ids -n 100 "\"$phrase\""
        got=$(grep -c . "$OUT")
        check "$what: \"$phrase\": the top hits list all $want matches (got $got)" \
            test "$got" = "$want"
    done
}

expect_exit 0 "index the corpus" -- cops_index -q -i idx corpus
seg=$(ls idx/seg-*.cops)
check "the segment names its pair words" grep -q "pair_words the in a of" "$seg"
counts_match "one segment" corpus/a.jsonl
expect_exit 0 "--stats" -- cops_index --stats -i idx
terms=$(sed -n 's/^terms *//p' "$OUT")
expect_exit 0 "--check" -- cops_index --check -i idx
expect_stdout_contains "$terms keys" "--check and --stats count the words' keys only ($terms)"

# An update: five records replaced (their old documents deleted), with
# texts of their own.
python3 - <<'PY' || exit 99
import json
with open("corpus/a.jsonl", "a") as f:
    for i in range(1, 6):
        f.write(json.dumps({"id": str(i), "title": "new %d" % i,
                            "text": "in the river of a stone the in"}) + "\n")
PY
expect_exit 0 "update" -- cops_index -q -i idx corpus
counts_match "after an update" corpus/a.jsonl

expect_exit 0 "a second root" -- cops_index -q -i idx more
check "two segments or more" test "$(ls idx/seg-*.cops | wc -l)" -ge 2
counts_match "two roots" corpus/a.jsonl more/b.jsonl

expect_exit 0 "--optimize" -- cops_index -q -i idx --optimize
counts_match "optimized" corpus/a.jsonl more/b.jsonl
expect_exit 0 "the merged index checks clean" -- cops_index --check -i idx
expect_stdout_contains "no problems found"

# A hostile segment whose pair keys disagree with the positions: the keys
# of "at in" and "in at" trade their documents (each an inline list of
# one), every CRC resealed.  A query takes a two-word phrase's key as its
# matches and filters longer phrases by it, so its answers go wrong; the
# checker must see it, comparing each key with its words' positions.
mkdir hostile
printf '%s\n' '{"id":"1","title":"x","text":"in at stone"}' \
    '{"id":"2","title":"x","text":"at in river"}' > hostile/c.jsonl
expect_exit 0 "index two documents" -- cops_index -q -i hidx hostile
expect_exit 0 "they check clean" -- cops_index --check -i hidx
python3 - hidx/seg-*.cops <<'PY' || exit 99
import struct, sys, zlib
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
toc_at, toc_length = struct.unpack_from("<QI", b, len(b) - 24)
entries = [(struct.unpack_from("<IIQQ", b, toc_at + 4 + 24 * i), toc_at + 4 + 24 * i)
           for i in range(struct.unpack_from("<I", b, toc_at)[0])]
sections = {kind: (offset, length, at) for (kind, crc, offset, length), at in entries}
offset, length, _ = sections[7]  # DICTIONARY: one block, its CRC last
i = b.index(b"\x03at in", offset) + 6
j = b.index(b"in at", offset) + 5
if (b[i:i + 3], b[j:j + 3]) != (b"\x00\x01\x00", b"\x00\x00\x00"):
    sys.exit("the keys' inline lists are not where this test expects them")
b[i + 1], b[j + 1] = 0, 1
struct.pack_into("<I", b, offset + length - 4, zlib.crc32(bytes(b[offset:offset + length - 4])))
for kind, (offset, length, at) in sections.items():
    struct.pack_into("<I", b, at + 4, zlib.crc32(bytes(b[offset:offset + length])))
struct.pack_into("<I", b, len(b) - 12, zlib.crc32(bytes(b[toc_at:toc_at + toc_length])))
open(path, "wb").write(b)
PY
expect_exit 0 "the traded keys mislead a query (the test's premise)" -- \
    cops_query -i hidx --ids '"in at"'
expect_stdout_is 2
expect_exit 2 "--check finds keys that disagree with the positions" -- cops_index --check -i hidx
expect_stderr_contains 'pair key "in at" lacks document'

done_testing
