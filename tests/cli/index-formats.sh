#!/bin/sh
# cops-index: every input format (plain and gzip-compressed), found by a
# query afterwards, and bad input that warns but does not stop the run.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir in || exit 99

# --- inputs: one distinctive word per document ------------------------------
printf 'The zebra grazes.\n' >in/plain.txt
printf 'quokka in a file without an extension\n' >in/noext
printf '# Markdown heading\n\nThe *giraffe* is tall.\n' >in/notes.md
cat >in/page.html <<'EOF'
<!DOCTYPE html>
<html><head><title>Okapi Page</title>
<script>var secretscriptword = "hidden";</script>
<style>.stylesheetword { color: red }</style></head>
<body><h1>Forest animals</h1><p>The okapi &amp; the hippopotamus&#33; caf&eacute;</p></body></html>
EOF
printf '<html><head><title>Tapir Title</title></head><body>lowland tapir</body></html>\n' >in/old.htm
# JSON Lines with custom field names.
cat >in/docs.jsonl <<'EOF'
{"key": "walrus-doc", "heading": "Walrus Heading", "content": "the walrus swims", "when": "2019-05-06"}
{"key": "seal-doc", "heading": "Seal", "content": "harbour seal pups"}
EOF
cat >in/trec-docs <<'EOF'
<DOC>
<DOCNO>TREC-001</DOCNO>
<TEXT>
The platypus lays eggs.
</TEXT>
</DOC>
<DOC>
<DOCNO>TREC-002</DOCNO>
<TEXT>
The wombat digs a burrow.
</TEXT>
</DOC>
EOF
# The same formats, gzip-compressed.
mkdir gz || exit 99
printf 'gzipped aardvark text\n' >gz/a.txt
printf '# md\n\ngzipped marmot\n' >gz/b.md
printf '<html><head><title>Lemur Title</title><script>gzscriptword()</script></head><body>gzipped lemur</body></html>\n' >gz/c.html
printf '{"key": "gz-jaguar", "heading": "Jaguar", "content": "gzipped jaguar", "when": "2018-02-03"}\n' >gz/d.jsonl
printf '<DOC>\n<DOCNO>GZ-TREC</DOCNO>\n<TEXT>gzipped armadillo</TEXT>\n</DOC>\n' >gz/e.trec
gzip gz/a.txt gz/b.md gz/c.html gz/d.jsonl gz/e.trec || exit 99
cp gz/*.gz in/ || exit 99

expect_exit 0 "indexing all formats exits 0" -- \
    cops_index -i idx --id-field key --title-field heading --text-field content --date-field when in
expect_stderr_matches 'indexed 14 documents' "14 documents indexed from all formats"
expect_stderr_lacks "warning" "well-formed input gives no warnings"

# word -> expected identifier
while read -r word id; do
    expect_exit 0 "'$word' is found" -- cops_query -i idx --ids "$word"
    expect_stdout_is "$id" "'$word' is found in $id"
done <<EOF
zebra in/plain.txt
quokka in/noext
giraffe in/notes.md
okapi in/page.html
hippopotamus in/page.html
cafe in/page.html
tapir in/old.htm
walrus walrus-doc
pups seal-doc
platypus TREC-001
wombat TREC-002
aardvark in/a.txt.gz
marmot in/b.md.gz
lemur in/c.html.gz
jaguar gz-jaguar
armadillo GZ-TREC
EOF

expect_exit 1 "HTML <script> text is not indexed" -- cops_query -i idx --count secretscriptword
expect_exit 1 "HTML <style> text is not indexed" -- cops_query -i idx --count stylesheetword
expect_exit 1 "gzipped HTML <script> text is not indexed" -- cops_query -i idx --count gzscriptword
expect_exit 0 "the HTML <title> is the title" -- cops_query -i idx --ids title:okapi
expect_stdout_is in/page.html
expect_exit 0 "the gzipped HTML <title> is the title" -- cops_query -i idx --ids title:lemur
expect_stdout_is in/c.html.gz
expect_exit 0 "--title-field names the JSON title" -- cops_query -i idx --ids title:walrus
expect_stdout_is walrus-doc
expect_exit 0 "--json shows the HTML title" -- cops_query -i idx --json okapi
expect_stdout_contains '"title":"Okapi Page"'
expect_exit 0 "--date-field names the JSON date" -- cops_query -i idx --ids date:2019-05-06
expect_stdout_is walrus-doc
expect_exit 0 "the date of a gzipped JSON line" -- cops_query -i idx --ids date:2018
expect_stdout_is gz-jaguar
expect_exit 0 "HTML entities are decoded (&amp; does not leave 'amp')" -- cops_query -i idx --json hippopotamus
expect_stdout_contains 'okapi & the'
expect_exit 1 "no 'amp' term from &amp;" -- cops_query -i idx --count amp

# Default JSON field names: id, title, text / body, date.
cat >deflt.jsonl <<'EOF'
{"id": "j-text", "title": "First", "text": "narwhal tusk", "date": "2020-01-02"}
{"id": "j-body", "title": "Second", "body": "beluga whale"}
EOF
expect_exit 0 "JSON Lines with the default field names" -- cops_index -q -i idx2 deflt.jsonl
expect_exit 0 "the 'text' field is indexed" -- cops_query -i idx2 --ids narwhal
expect_stdout_is j-text
expect_exit 0 "the 'body' field is indexed" -- cops_query -i idx2 --ids beluga
expect_stdout_is j-body
expect_exit 0 "the 'date' field is used" -- cops_query -i idx2 --ids date:2020-01
expect_stdout_is j-text
expect_exit 0 "--text-field with a missing field warns but goes on" -- \
    cops_index -i idx3 --text-field nosuchfield deflt.jsonl in/plain.txt
expect_stderr_contains 'nosuchfield' "the warning names the missing field"
expect_stderr_matches 'deflt\.jsonl:1' "the warning names the file and line"

# A leading "date YYYY-MM-DD" line in a text file.
printf 'date 2016-03-04\nA dated note about a pangolin.\n' >dated.txt
expect_exit 0 "a text file with a date line" -- cops_index -q -i idx4 dated.txt
expect_exit 0 "its date is searchable" -- cops_query -i idx4 --ids date:2016-03-04
expect_stdout_is dated.txt
expect_exit 0 "the date line is not the title" -- cops_query -i idx4 --json pangolin
expect_stdout_contains '"title":"A dated note about a pangolin."'
expect_stdout_contains '"date":"2016-03-04"'

# --- bad input --------------------------------------------------------------
mkdir bad || exit 99
printf 'good kangaroo document\n' >bad/good.txt
printf 'caf\351 latin1 koala\n' >bad/latin1.txt
printf '{"text": "caf\351 koala in a record"}\n' >bad/latin1.jsonl
: >bad/empty.txt
printf 'binary\000\001\002\003 wallaby\n' >bad/binary.txt
head -c 4096 /dev/zero >bad/zeros.dat
cat >bad/mixed.jsonl <<'EOF'
{"id": "ok-1", "text": "dingo one"}
{this is not json
{"id": "ok-2", "text": "dingo two"}
EOF
# A truncated gzip stream: compress some text and cut the file.
awk 'BEGIN { for (i = 0; i < 4000; i++) printf "line %d numbat %d\n", i, i * 7919 % 10007 }' >bad/trunc.txt
gzip -9 bad/trunc.txt || exit 99
_size=$(wc -c <bad/trunc.txt.gz)
head -c $((_size / 2)) bad/trunc.txt.gz >bad/cut.txt.gz && rm bad/trunc.txt.gz
printf 'secret emu\n' >bad/unreadable.txt
chmod 000 bad/unreadable.txt

expect_exit 0 "a folder with bad files still builds (exit 0)" -- cops_index -i badidx bad
expect_stderr_matches 'latin1\.jsonl.*byte 13' "invalid UTF-8 in a record: warning names the file and byte offset"
expect_stderr_matches 'converted: 1 from ' "the summary counts the Latin-1 file converted"
expect_stderr_matches 'empty\.txt.*empty' "empty file: warning names it"
expect_stderr_matches 'binary\.txt.*binary' "binary file: warning names it"
expect_stderr_matches 'zeros\.dat.*binary' "a file of NUL bytes is binary"
expect_stderr_matches 'mixed\.jsonl:2:' "malformed JSON: warning names the file and line 2"
expect_stderr_lacks 'mixed.jsonl:1:' "the good JSON line 1 has no warning"
expect_stderr_lacks 'mixed.jsonl:3:' "the good JSON line 3 has no warning"
expect_stderr_matches 'cut\.txt\.gz.*byte' "truncated gzip: warning names the file and a byte offset"
if [ "$(id -u)" = 0 ]; then
    skip "unreadable file: warning names it" "running as root, the file is readable"
else
    expect_stderr_matches 'unreadable\.txt' "unreadable file: warning names it"
fi
expect_stderr_matches '[0-9]+ warnings' "the summary counts the warnings"
expect_exit 0 "the good document was indexed" -- cops_query -i badidx --ids kangaroo
expect_stdout_is bad/good.txt
expect_exit 0 "the Latin-1 file was converted and indexed" -- cops_query -i badidx --ids 'café'
expect_stdout_is bad/latin1.txt
expect_exit 0 "the record with invalid UTF-8 was repaired (U+FFFD stored)" -- cops_query -i badidx --json --no-color record
expect_stdout_contains "$(printf 'caf\357\277\275')"
expect_exit 0 "the good JSON lines around a bad one are indexed" -- cops_query -i badidx --count dingo
expect_stdout_is 2
expect_exit 1 "the binary file was skipped" -- cops_query -i badidx --count wallaby
# The man page allows skipping the damaged document or keeping what was read.
expect_exit "0|1" "the truncated gzip document is skipped or kept, not fatal" -- \
    cops_query -i badidx --count numbat

# A truncated gzip alone, and a file that only looks gzipped.
printf 'not really gzip\n' >fake.txt.gz
expect_exit "0|2" "a .gz that is not gzip warns, never crashes" -- cops_index -i fakeidx fake.txt.gz
expect_no_crash

# A gzip bomb: a single gzip'ed file is bounded as archives are (200
# times its size past 16 MiB).  20 MB of text gzip'ed to some 50 KB was
# read whole (up to the 256 MiB document bound) and indexed.
mkdir gzbomb || exit 99
python3 -c 'import sys; sys.stdout.write("gzbombword filler\n" * 1200000)' | gzip -9 >gzbomb/bomb.txt.gz || exit 99
printf 'gzsmallword\n' | gzip >gzbomb/small.txt.gz || exit 99
expect_exit 0 "a gzip bomb is skipped, not fatal" -- cops_index -i gzbombidx gzbomb
expect_stderr_matches 'bomb\.txt\.gz: inflates .*more than 200 times its size' "it is one warning"
check "exactly one warning for it" [ "$(grep -c 'bomb\.txt\.gz' "$ERR")" = 1 ]
expect_exit 1 "its text is not indexed" -- cops_query -i gzbombidx --count gzbombword
expect_exit 0 "a small gzip'ed file beside it is" -- cops_query -i gzbombidx --count gzsmallword

# Invalid UTF-8 in the middle of a longer file: the offset is exact.
# (Whole files that are not UTF-8 are converted, charset.h; records are
# repaired.)
printf '{"text": "abcdefghij klmnop \377\376 echidna"}\n' >offset.jsonl
expect_exit 0 "invalid UTF-8 at byte 28" -- cops_index -i offidx offset.jsonl
expect_stderr_matches 'offset\.jsonl.*byte 28' "the warning gives byte offset 28"

done_testing
