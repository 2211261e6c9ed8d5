#!/bin/sh
# Prefixes over the words as written (issue 17): the index keeps, per
# segment, the words whose term differs from them (FORMAT.md 3.10
# SURFACE), so a prefix matches every word that starts with it, not only
# the terms that do: happin* finds "happy" through "happiness" (term happi),
# universit* finds "university" (term univers).  Its count equals that of
# the OR of every word of the corpus starting with it (checked by brute
# force), snippets highlight every word it matched, the section is checked
# and damage in it is reported, and a segment without it (the previous
# format version) expands prefixes as before.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
cat >corpus/words.jsonl <<'DOCS'
{"id": "h1", "title": "One", "text": "so happy today"}
{"id": "h2", "title": "Two", "text": "happiness is here"}
{"id": "u1", "title": "Three", "text": "the university library"}
{"id": "u2", "title": "Four", "text": "two universities met"}
{"id": "s1", "title": "Five", "text": "she studies rivers and is studying"}
{"id": "l1", "title": "Six", "text": "internationalizations abound"}
DOCS
expect_exit 0 "index the corpus" -- cops_index -q -i idx corpus

expect_exit 0 "happin*" -- cops_query -i idx --ids 'happin*'
expect_stdout_contains "h1" "happin* finds happy (happiness is indexed as happi, as happy is)"
expect_stdout_contains "h2" "happin* finds happiness"
expect_exit 0 "universit*" -- cops_query -i idx --ids 'universit*'
expect_stdout_contains "u1" "universit* finds university (term univers)"
expect_stdout_contains "u2" "universit* finds universities"
# A form of 15 bytes or more takes a byte more for its length (FORMAT.md
# 3.10: a nibble of 15, then the rest); its term is internation.
expect_exit 0 "internationaliz*" -- cops_query -i idx --ids 'internationaliz*'
expect_stdout_is "l1" "internationaliz* finds internationalizations (term internation)"
expect_exit 0 "a prefix in the title field" -- cops_query -i idx --count 'title:o*'
expect_stdout_is "1" "title:o* finds the title One only"

# Snippets: every word the prefix matched is highlighted.
expect_exit 0 "study* --json" -- cops_query -i idx --json 'study*'
expect_stdout_contains '"snippet":"she studies rivers and is studying","matches":[[4,7],[26,8]]' \
    "study* highlights studies and studying"
expect_exit 0 "happin* --json" -- cops_query -i idx --json 'happin*'
expect_stdout_contains '"snippet":"so happy today","matches":[[3,5]]' \
    "happin* highlights happy (what it matched through happiness)"

# The section is checked whole, and damage in it is found.
expect_exit 0 "the checker accepts the SURFACE section" -- cops_index --check -i idx
seg=$(ls idx/seg-*.cops)
python3 - "$seg" <<'PY' || fail "could not damage the SURFACE section"
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
toc = struct.unpack_from('<Q', data, len(data) - 24)[0]
for i in range(struct.unpack_from('<I', data, toc)[0]):
    kind, crc, offset, length = struct.unpack_from('<IIQQ', data, toc + 4 + 24 * i)
    if kind == 12:
        data[offset + length - 1] ^= 0x20  # a letter of the last term
open(path, 'wb').write(bytes(data))
PY
expect_exit 2 "a damaged SURFACE section fails the check" -- cops_index --check -i idx
expect_stderr_contains "SURFACE" "the message names the section"
expect_exit 2 "a prefix over a damaged SURFACE section fails" -- cops_query -i idx --count 'u*'
expect_stderr_contains "damaged index" "the search says the index is damaged"
expect_no_crash

# A segment of an earlier version (here 2026112304: no SURFACE section,
# its TOC entry dropped) is refused with a one-line error telling the user
# to rebuild: since 2026120302 the positions are coded differently
# (FORMAT.md 10).
printf '%s\n' '{"id": "u2", "title": "Four", "text": "two universities met"}' \
    '{"id": "h1", "title": "One", "text": "so happy today"}' >corpus/words.jsonl
expect_exit 0 "reindex" -- cops_index -q -i old corpus
seg=$(ls old/seg-*.cops)
python3 - "$seg" <<'PY' || fail "could not make a previous-version segment"
import struct, sys, zlib
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
toc = struct.unpack_from('<Q', data, len(data) - 24)[0]
count = struct.unpack_from('<I', data, toc)[0]
entries = [bytes(data[toc + 4 + 24 * i: toc + 28 + 24 * i]) for i in range(count)]
entries = [e for e in entries if struct.unpack_from('<I', e)[0] != 12]
table = struct.pack('<I', len(entries)) + b''.join(entries)
struct.pack_into('<I', data, 8, 2026112304)
out = bytes(data[:toc]) + table + struct.pack('<QII', toc, len(table), zlib.crc32(table)) + b'COPSEND\0'
open(path, 'wb').write(out)
PY
expect_exit 2 "an earlier version is refused" -- cops_query -i old --ids 'universe*'
expect_stderr_contains "version 2026112304" "the message names the segment's version"
expect_stderr_contains "rebuild the index" "and says what to do"

# Brute force: for every prefix of 2 to 6 letters of every word of a
# generated corpus, the prefix's count is that of the OR of the corpus's
# words starting with it (and the prefix itself, the word it names).
words="happy happier happiest happiness happily unhappy study studies studied studying student
students universe universes university universities universal community communities
communal run runs running runner ran connect connected connection connections
connective generous generously generosity general generally generate generated
generation lie lies lying die dies dying dye dyeing day days daily"
mkdir gen
i=0
for a in $words; do
    j=0
    for b in $words; do
        j=$((j + 1))
        [ $(((i * 7 + j * 3) % 11)) -eq 0 ] || continue
        printf '{"id": "g%d-%d", "title": "t", "text": "%s and %s"}\n' "$i" "$j" "$a" "$b"
    done
    i=$((i + 1))
done >gen/docs.jsonl
expect_exit 0 "index the generated corpus" -- cops_index -q -i gen-idx gen
prefixes=$(for w in $words; do
    n=2
    while [ "$n" -le 6 ] && [ "$n" -le "${#w}" ]; do
        printf '%s\n' "$w" | cut -c1-"$n"
        n=$((n + 1))
    done
done | sort -u)
compared=0
wrong=
for p in $prefixes; do
    query=$p
    for w in $words; do
        case $w in "$p"*) query="$query OR $w" ;; esac
    done
    run cops_query -i gen-idx --count "$p*"
    got=$(cat "$OUT")
    run cops_query -i gen-idx --count --default-op or "$query"
    want=$(cat "$OUT")
    [ "$got" = "$want" ] || wrong="$wrong $p*($got, OR: $want)"
    compared=$((compared + 1))
done
check "each of $compared prefixes counts what the OR of its words counts:$wrong" test -z "$wrong"

# A Xapian index records no words as written: a prefix there matches the
# terms starting with it and its stem, a subset of the native matches
# (cops-query(1)); both engines agree where the words add nothing.
if index_engine xapian xap-idx gen; then
    extra=0
    wrong=
    for p in $prefixes; do
        run cops_query -i gen-idx --limit 1000 --ids "$p*"
        sort "$OUT" >native.ids
        run cops_query -i xap-idx --limit 1000 --ids "$p*"
        sort "$OUT" >xapian.ids
        if [ -n "$(comm -13 native.ids xapian.ids)" ]; then
            wrong="$wrong $p*"
        elif ! cmp -s native.ids xapian.ids; then
            extra=$((extra + 1))
        fi
    done
    check "xapian: every prefix's matches are among the native ones:$wrong" test -z "$wrong"
    check "the words as written add matches to some prefixes ($extra)" test "$extra" -gt 0
fi

done_testing
