#!/bin/sh
# cops-index: files that are not UTF-8 (Latin-1, CP1252, UTF-16 with and
# without a byte-order mark, HTML declaring its charset) are converted and
# found by their words; binary files are skipped and counted by type
# (indexer/charset.h, indexer/detect.h).
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir in || exit 99

printf 'Ein Bericht aus M\374nchen \374ber die cr\350me br\373l\351e\n' >in/latin1.txt
printf 'The \223smart quotes\224 of Z\374rich \226 a caf\351 report\n' >in/cp1252.txt
python3 - <<'PY' || exit 99
text = "Kängurus in Österreich\nmore text about the wombat\n"
open("in/utf16le-bom.txt", "wb").write(b"\xff\xfe" + text.encode("utf-16-le"))
open("in/utf16be-bom.txt", "wb").write(b"\xfe\xff" + "Größe des Pinguins\n".encode("utf-16-be"))
open("in/utf16le.txt", "wb").write("Straßenbahn ohne Markierung\n".encode("utf-16-le"))
# A binary file: a PNG signature and header chunk.
open("in/picture", "wb").write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6")
PY
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\n<title>Caf\351 in K\366ln</title></head>\n<body><p>Der K\366lner Dom ist sch\366n.</p></body></html>\n' >in/page.html
printf '<!doctype html><meta charset="windows-1252"><title>Se\361or \223Quotes\224</title><p>Espa\361a ma\361ana</p>\n' >in/meta.html

expect_exit 0 "a folder of encodings indexes (exit 0)" -- cops_index -i idx in
expect_stderr_matches 'converted: .*from WINDOWS-1252' "the summary says what was converted from windows-1252"
expect_stderr_matches 'converted: .*from UTF-16LE' "the summary counts UTF-16LE files"
expect_stderr_matches 'converted: .*from UTF-16BE' "the summary counts UTF-16BE files"
expect_stderr_matches 'binary skipped: 1 image/png' "the PNG is skipped and counted by type"
expect_stderr_matches 'picture: binary file \(image/png' "the binary file's warning names it and its type"

while read -r word file; do
    expect_exit 0 "'$word' is found" -- cops_query -i idx --ids "$word"
    expect_stdout_is "$file" "'$word' is found in $file"
done <<LIST
münchen in/latin1.txt
crème in/latin1.txt
zürich in/cp1252.txt
kängurus in/utf16le-bom.txt
österreich in/utf16le-bom.txt
größe in/utf16be-bom.txt
straßenbahn in/utf16le.txt
kölner in/page.html
mañana in/meta.html
LIST

expect_exit 0 "the smart quotes are converted too" -- cops_query -i idx --json --no-color zürich
expect_stdout_contains '“smart quotes”'
expect_exit 0 "the HTML title is decoded from its declared charset" -- cops_query -i idx --json --no-color kölner
expect_stdout_contains '"title":"Café in Köln"'
expect_exit 0 "a windows-1252 meta charset gives its title" -- cops_query -i idx --json --no-color mañana
expect_stdout_contains '"title":"Señor “Quotes”"'
expect_exit 1 "the PNG was not indexed as text" -- cops_query -i idx --count ihdr

done_testing
