#!/bin/sh
# The catalog's account of each document (index-format/FORMAT.md §5.2,
# version 4): cops-index --stats counts documents per format and per
# detected source encoding; a JSON Lines or TREC hit says which file and
# line it came from (text, --json, --explain), escaped, and keeps saying
# it through updates, deletions and a merge.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir in || exit 99
make_document() { python3 "$COPS_SRCDIR/tests/cli/make-documents.py" "$@" || exit 99; }

printf 'A plain page about the okapi\n' >in/plain.txt
printf 'Ein Bericht aus M\374nchen \374ber die cr\350me br\373l\351e\n' >in/latin1.txt
printf '<!doctype html><meta charset="windows-1252"><title>Se\361or</title><p>Espa\361a htmlgecko</p>\n' >in/page.html
printf '{"id":"rec-1","text":"recordlynx first"}\n\n{"id":"rec-2","text":"recordlynx second"}\n{"id":"rec-3","text":"recordlynx third"}\n' >in/records.jsonl
printf '<DOC>\n<DOCNO> TR-1 </DOCNO>\n<TEXT>\ntrectapir one\n</TEXT>\n</DOC>\n<DOC>\n<DOCNO> TR-2 </DOCNO>\n<TEXT>\ntrectapir two\n</TEXT>\n</DOC>\n' >in/news.trec
python3 - <<'PY' || exit 99
import zipfile
open("in/utf16.txt", "wb").write(b"\xff\xfe" + "Kängurus wombatword\n".encode("utf-16-le"))
with zipfile.ZipFile("in/bundle.zip", "w") as z:
    z.writestr("inner/records.jsonl", '{"id":"zip-1","text":"zipquokka"}\n')
    z.writestr("inner/old.txt", "Ein Bericht aus München über die crème brûlée zipnumbat\n".encode("latin-1"))
# A file name with a terminal escape: printed escaped, never raw.
open("in/evil\033[31m.jsonl", "w").write('{"id":"evil-1","text":"evilmarmot"}\n')
PY
make_document pdf in/report.pdf pdfaardvark
make_document docx in/memo.docx docxheron
make_document eml in/letter.eml emlosprey
make_document mbox in/archive.mbox mboxpuffin mboxrobin

expect_exit 0 "a folder of every kind indexes" -- cops_index -i idx in
expect_exit 0 "--stats exits 0" -- cops_index -i idx --stats
expect_stdout_matches '^formats  .*[^0-9]5 jsonl' "--stats counts the JSON Lines records (three, one in a zip, one more)"
expect_stdout_matches '^formats  .*[^0-9]2 trec' "--stats counts the TREC records"
expect_stdout_matches '^formats  .*[^0-9]2 mbox' "--stats counts the messages of the mbox"
expect_stdout_matches '^formats  .*[^0-9]1 mail' "--stats counts the e-mail file apart"
for format in pdf docx html; do
    expect_stdout_matches "^formats  .*[^0-9]1 $format" "--stats counts the $format document"
done
expect_stdout_matches '^formats  .*[^0-9]4 text' "--stats counts text files and the zip's text member by its own format"
expect_stdout_matches '^encodings  .*[^0-9]3 WINDOWS-1252' "--stats counts the windows-1252 documents (Latin-1 file, page, zip member)"
expect_stdout_matches '^encodings  .*[^0-9]1 UTF-16LE' "--stats counts the UTF-16LE file"
expect_stdout_matches '^encodings  .*[^0-9]8 UTF-8' "--stats counts the UTF-8 documents (records, plain text)"
expect_stdout_matches '^encodings  .*[^0-9]5 none' "PDF, DOCX and mail carry their own encoding"

expect_exit 0 "a record is found" -- cops_query -i idx --json recordlynx
expect_stdout_contains '"id":"rec-2"' "the record's id is its id field"
expect_stdout_matches '"id":"rec-1".*"source":\{"file":"in/records.jsonl","line":1\}' "--json gives the first record's file and line"
expect_stdout_matches '"id":"rec-2".*"source":\{"file":"in/records.jsonl","line":3\}' "--json counts the blank line"
expect_stdout_matches '"id":"rec-3".*"source":\{"file":"in/records.jsonl","line":4\}' "--json gives the last record's line"
expect_exit 0 "a TREC record is found" -- cops_query -i idx trectapir
expect_stdout_matches '^   TR-1  from in/news\.trec:1$' "the text output names the file and the <DOC> line"
expect_stdout_matches '^   TR-2  from in/news\.trec:7$' "of each record"
expect_exit 0 "--explain" -- cops_query -i idx --explain 'recordlynx second'
expect_stdout_matches '^   rec-2  from in/records\.jsonl:3$' "--explain shows the source too"
expect_exit 0 "a file is found" -- cops_query -i idx --json okapi
expect_stdout_lacks '"source"' "a whole-file document has no source line"
expect_exit 0 "a record in a zip" -- cops_query -i idx --json zipquokka
expect_stdout_contains '"source":{"file":"in/bundle.zip","line":1}' "a record in an archive names the archive"
expect_exit 0 "the evil file's record" -- cops_query -i idx evilmarmot
check "the escape byte in a file name is never printed raw" [ "$(tr -dc '\033' <"$OUT" | wc -c)" -eq 0 ]
expect_stdout_contains 'from in/evil\x1b[31m.jsonl:1' "it is printed escaped"
expect_exit 0 "--json" -- cops_query -i idx --json evilmarmot
expect_stdout_contains '"file":"in/evil\u001b[31m.jsonl"' "and escaped in JSON"

# A grown file: the new record's line follows the old ones.
printf '{"id":"rec-4","text":"recordlynx fourth"}\n' >>in/records.jsonl
expect_exit 0 "the grown file is read from where it ended" -- cops_index -i idx in
expect_stderr_contains '1 grown' "only its new lines"
expect_exit 0 "the new record" -- cops_query -i idx 'recordlynx fourth'
expect_stdout_matches '^   rec-4  from in/records\.jsonl:5$' "the new record's line follows the old ones"

# Deleting a record: the counts follow; after a merge the lines still hold.
expect_exit 0 "--delete a record" -- cops_index -i idx --delete rec-1
expect_exit 0 "--stats" -- cops_index -i idx --stats
expect_stdout_matches '^formats  .*[^0-9]5 jsonl' "the deleted record is no longer counted (six, one deleted)"
expect_exit 0 "--merge" -- cops_index -i idx --merge
expect_exit 0 "after the merge" -- cops_query -i idx --json recordlynx
expect_stdout_lacks '"rec-1"' "the deleted record is gone"
expect_stdout_matches '"id":"rec-2".*"line":3\}' "rec-2 keeps its line through the merge"
expect_stdout_matches '"id":"rec-4".*"line":5\}' "rec-4 keeps its line through the merge"
expect_exit 0 "--stats after the merge" -- cops_index -i idx --stats
expect_stdout_matches '^formats  .*[^0-9]5 jsonl' "the counts survive the merge"
expect_exit 0 "--check" -- cops_index -i idx --check

# --glob and --exclude are remembered with the root they were given with:
# a run naming no path refreshes each root with its own; naming the root
# again replaces them; --roots shows them.
mkdir -p pat/a pat/b || exit 99
echo "patternword kept" >pat/a/one.txt
echo "patternword markdown" >pat/a/two.md
echo "patternword bee" >pat/b/x.txt
echo "patternword draft" >pat/b/draft.txt
expect_exit 0 "a root with --glob" -- cops_index -i pidx --glob '*.txt' pat/a
expect_exit 0 "a root with --exclude" -- cops_index -i pidx --exclude 'draft*' pat/b
expect_exit 0 "--roots" -- cops_index -i pidx --roots
expect_stdout_is "$TMP/pat/a
  --glob *.txt
$TMP/pat/b
  --exclude draft*" "--roots shows each root's patterns below it"
echo "patternword later markdown" >pat/a/three.md
echo "patternword later text" >pat/a/four.txt
echo "patternword later draft" >pat/b/drafty.txt
expect_exit 0 "refresh every root" -- cops_index -i pidx
expect_exit 0 "the refreshed index" -- cops_query -i pidx --ids patternword
expect_stdout_contains 'pat/a/four.txt' "a new file the root's glob takes is indexed"
expect_stdout_lacks 'three.md' "a new file outside the root's glob is not"
expect_stdout_lacks 'drafty' "a new file the other root excludes is not"
expect_stdout_contains 'pat/b/x.txt' "the other root keeps its documents"
expect_exit 0 "the root named again, with other patterns" -- cops_index -i pidx --exclude 'two*' pat/a
expect_exit 0 "--roots" -- cops_index -i pidx --roots
expect_stdout_is "$TMP/pat/a
  --exclude two*
$TMP/pat/b
  --exclude draft*" "naming a root again replaces its patterns"
expect_exit 0 "refresh every root" -- cops_index -i pidx
expect_exit 0 "the index" -- cops_query -i pidx --ids patternword
expect_stdout_contains 'three.md' "the new patterns apply to the next refresh"
expect_stdout_lacks 'two.md' "and leave out what they exclude"
expect_stdout_lacks 'drafty' "the other root's patterns stay"
expect_exit 0 "a path-less run with a pattern" -- cops_index -i pidx --exclude 'x.txt'
expect_exit 0 "--roots" -- cops_index -i pidx --roots
expect_stdout_is "$TMP/pat/a
  --exclude x.txt
$TMP/pat/b
  --exclude x.txt" "patterns given to a run naming no path replace every root's"
expect_exit 0 "the index" -- cops_query -i pidx --ids patternword
expect_stdout_lacks 'pat/b/x.txt' "and the run walks every root with them"
expect_stdout_contains 'drafty' "instead of the old ones"
expect_exit 0 "a pattern with an escape" -- cops_index -i pidx --exclude "$(printf 'x\033[2J')" pat/b
expect_exit 0 "--roots" -- cops_index -i pidx --roots
check "--roots never prints a pattern's escape byte raw" [ "$(tr -dc '\033' <"$OUT" | wc -c)" -eq 0 ]

# Upsert by id: one document per record id.  In one run the last record
# read wins (files in byte order, lines in order) and the run says so; a
# later run's record replaces the index's record of the same id, from
# whatever file.
mkdir up || exit 99
printf '{"id":"u-1","text":"upsertword first"}\n{"id":"u-2","text":"upsertword bee"}\n{"id":"u-1","text":"upsertword again"}\n' >up/a.jsonl
printf '{"id":"u-3","text":"upsertword sea"}\n{"id":"u-2","text":"upsertword bee in b"}\n' >up/b.jsonl
expect_exit 0 "records with repeated ids index" -- cops_index -i uidx up
expect_stderr_contains "up/a.jsonl: line 3: the id 'u-1' was read before in this run" "a repeated id is a warning naming file and line"
expect_stderr_contains "up/b.jsonl: line 2: the id 'u-2' was read before in this run" "also across files"
expect_stderr_contains "2 record ids repeated: the last record read with an id is kept" "the summary counts them"
expect_exit 0 "--json" -- cops_query -i uidx --json upsertword
check "one document per id" [ "$(grep -c '"rank"' "$OUT")" -eq 3 ]
expect_stdout_matches '"id":"u-1".*"line":3\}' "the later u-1 (line 3) is kept"
expect_stdout_matches '"id":"u-2".*"file":"up/b.jsonl","line":2\}' "the u-2 of the later file is kept"
expect_stdout_lacks 'upsertword first' "the earlier u-1 is gone"
# u-3 moves to a.jsonl: the refreshed file's record replaces it.
printf '{"id":"u-3","text":"upsertword sea moved"}\n' >>up/a.jsonl
expect_exit 0 "a record moved to another file" -- cops_index -i uidx up
expect_exit 0 "--json" -- cops_query -i uidx --json upsertword
check "still one document per id" [ "$(grep -c '"rank"' "$OUT")" -eq 3 ]
expect_stdout_matches '"id":"u-3".*"file":"up/a.jsonl","line":4\}' "the record of the file refreshed replaces the older one"
expect_exit 0 "--check after the upsert" -- cops_index -i uidx --check
expect_exit 0 "--stats" -- cops_index -i uidx --stats
expect_stdout_matches '^formats  +3 jsonl$' "--stats counts one document per id"
expect_exit 0 "--merge" -- cops_index -i uidx --merge
expect_exit 0 "--json after the merge" -- cops_query -i uidx --json upsertword
check "one document per id after the merge" [ "$(grep -c '"rank"' "$OUT")" -eq 3 ]

# --delete compares an id in full, by its length: one of 5,000 bytes is
# found (a 4 KB buffer once missed it), and an id does not delete another
# it is a prefix of.
longid=$(printf 'L%.0s' $(seq 5000))
printf '{"id":"%s","text":"longidword one"}\n{"id":"%sx","text":"longidword two"}\n' \
    "$longid" "$longid" >longids.jsonl || exit 99
expect_exit 0 "records with ids of 5,000 and 5,001 bytes" -- cops_index -i lidx longids.jsonl
expect_exit 0 "--delete the 5,000-byte id" -- cops_index -i lidx --delete "$longid"
expect_stderr_lacks 'no document has the id' "the 5,000-byte id is found"
expect_exit 0 "after the deletion" -- cops_query -i lidx --json longidword
check "one document is left" [ "$(grep -c '"rank"' "$OUT")" -eq 1 ]
expect_stdout_contains "\"id\":\"${longid}x\"" "the id it is a prefix of is kept"

# Many files of many records, blank lines between some, in two segments,
# then reordered by --optimize (graph bisection regroups the topics, so
# an entry's documents leave the order of their lines): every record's
# printed file and line are those its id is on, and lines past 255 take
# two bytes each (FORMAT.md §5.2).  A merge that kept the lines in the
# old order, or read them at the wrong width, names other lines.
mkdir many || exit 99
python3 - <<'PY' || exit 99
import random
random.seed(11)
topics = [w.split() for w in ("apple banana cherry grape melon peach plum kiwi",
                              "car truck engine wheel brake gear motor road",
                              "star planet orbit comet galaxy moon sun space",
                              "code bug compile linker thread kernel cache loop")]
truth = []
for f in range(4):
    path, line, out = "many/part%d.jsonl" % f, 0, []
    for r in range(150 if f < 3 else 300):
        while random.random() < 0.3:
            out.append("")
            line += 1
        rid = "m%d-%03d" % (f, r)
        words = " ".join(random.choice(topics[(r * 7 + f) % 4]) for _ in range(12))
        out.append('{"id":"%s","text":"manyrec %s"}' % (rid, words))
        line += 1
        truth.append("%s %s %d" % (rid, path, line))
    open(path, "w").write("\n".join(out) + "\n")
open("many-truth.txt", "w").write("\n".join(sorted(truth)) + "\n")
PY
mv many/part3.jsonl part3.later || exit 99
expect_exit 0 "many records, a first segment" -- cops_index -q -i midx many
mv part3.later many/part3.jsonl || exit 99
expect_exit 0 "a second segment" -- cops_index -q -i midx many
expect_exit 0 "--optimize" -- cops_index -i midx --optimize
expect_stderr_matches "reordered in [0-9.]+ s"
lines_of() {
    "$COPS_QUERY_PROG" -i midx --json -n 1000 --no-snippets manyrec | python3 -c '
import json, sys
for row in sys.stdin:
    hit = json.loads(row)
    if "id" in hit:
        print(hit["id"], hit["source"]["file"], hit["source"]["line"])' | sort
}
lines_of >many-got.txt
check "every record of the reordered index names its file and line" cmp -s many-truth.txt many-got.txt
cmp many-truth.txt many-got.txt >/dev/null || diff many-truth.txt many-got.txt | head -5 | while IFS= read -r l; do diag "$l"; done
expect_exit 0 "the reordered index checks clean" -- cops_index --check -i midx

done_testing
