#!/bin/sh
# cops-index: documents read through libraries — PDF (poppler), DOCX, ODT
# and EPUB (libarchive + libxml2), e-mail (GMime), archives and compressed
# files (libarchive) — found by their words, titled and dated from their
# metadata; hostile ones are one warning each and the run goes on.
# The documents are written by make-documents.py (standard library only).
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir in || exit 99
make_document() { python3 "$COPS_SRCDIR/tests/cli/make-documents.py" "$@" || exit 99; }

make_document pdf in/report.pdf pdfaardvark on page one pdfbison on page two
# A PDF without a NUL byte named .txt: still a PDF, never text titled %PDF.
make_document pdf in/disguised.txt disguisedpdf words
make_document pdf-broken in/broken.pdf
make_document docx in/memo.docx docxheron words
make_document odt in/letter.odt odtibis words
make_document epub in/book.epub epubjacana words
# A DOCX without an extension: told from a plain zip by its parts.
make_document docx in/unnamed docxkestrel
make_document eml in/letter.eml emlosprey grüße
make_document eml-raw in/old-mailer.eml emlraven
make_document mbox in/archive.mbox mboxpuffin mboxrobin
# A message without an extension: told by its headers.
make_document eml in/unsorted emlswift
make_document zip in/bundle.zip zipmarten words
make_document tar.xz in/bundle.tar.xz tarnarwhal words
make_document xz in/single.txt.xz xzocelot words
make_document bz2 in/notes.md.bz2 bzpeccary words
# Hostile archives: a zip bomb (one 200 MiB member), a bzip2 tar of 48
# MiB of zeros (below the member bound: caught by the ratio), a zip of
# compressed members each below the ratio's floor (caught by the zip's
# ratio, nested archives included), a truncated tar.xz.
make_document zip-bomb in/bomb.zip
make_document tar-bomb in/bomb.tar.bz2
make_document nested-bomb in/nested.zip nestedbomb
make_document tar.xz-truncated in/cut.tar.xz truncquail

expect_exit 0 "a folder of documents indexes (exit 0)" -- cops_index -i idx in
expect_stderr_matches 'broken\.pdf: PDF that poppler cannot read' "a damaged PDF is one warning naming it"
expect_stderr_matches 'formats: .*pdf' "the summary counts PDF documents"
expect_stderr_lacks 'Syntax Error' "poppler's own messages stay off stderr"
expect_stderr_matches 'bomb\.zip/zeros\.txt: archive member larger than' "the zip bomb is one warning"
expect_stderr_matches 'bomb\.tar\.bz2: inflates more than 200 times' "the ratio bomb is one warning"
expect_stderr_matches 'cut\.tar\.xz/docs/long\.txt: archive member cannot be read' "the truncated archive is one warning"
expect_stderr_matches 'nested\.zip: inflates \(compressed data, archives and their members, nested ones included\) more than 200 times' \
    "the nested bomb is one warning"
for name in broken.pdf bomb.zip bomb.tar.bz2 cut.tar.xz nested.zip; do
    check "exactly one warning for $name" [ "$(grep -c "in/$name" "$ERR")" = 1 ]
done
expect_stderr_matches 'formats: .*docx.*' "the summary counts DOCX documents"
expect_stderr_matches 'formats: .*odt.*' "the summary counts ODT documents"
expect_stderr_matches 'formats: .*epub.*' "the summary counts EPUB documents"
expect_stderr_matches 'formats: .*3 mail' "the summary counts the e-mail files"
expect_stderr_matches 'formats: .*2 mbox' "and the messages of the mbox apart"

# word, id, title, date
while read -r word id title date; do
    expect_exit 0 "'$word' is found" -- cops_query -i idx --json --no-color "$word"
    expect_stdout_contains "\"id\":\"$id\"" "'$word' is found in $id"
    expect_stdout_contains "\"title\":\"$(echo "$title" | tr _ ' ')\"" "$id is titled $title"
    expect_stdout_contains "\"date\":\"$date\"" "$id is dated $date"
done <<LIST
pdfaardvark in/report.pdf PDF_Title_Metadata 2023-07-15
pdfbison in/report.pdf PDF_Title_Metadata 2023-07-15
disguisedpdf in/disguised.txt PDF_Title_Metadata 2023-07-15
docxheron in/memo.docx DOCX_Title_Metadata 2023-07-15
odtibis in/letter.odt ODT_Title_Metadata 2023-07-15
epubjacana in/book.epub EPUB_Title_Metadata 2023-07-15
docxkestrel in/unnamed DOCX_Title_Metadata 2023-07-15
emlosprey in/letter.eml Grüße_aus_Köln 2023-07-15
grüße in/letter.eml Grüße_aus_Köln 2023-07-15
emlraven in/old-mailer.eml Café_Zürich 2023-07-15
mboxpuffin in/archive.mbox:1 Mbox_subject_1 2023-07-15
mboxrobin in/archive.mbox:13 Mbox_subject_2 2023-07-15
emlswift in/unsorted Grüße_aus_Köln 2023-07-15
LIST

expect_exit 0 "a sender is searchable" -- cops_query -i idx --ids 'ana@example.org AND emlosprey'
expect_stdout_is in/letter.eml
expect_exit 0 "a recipient is searchable" -- cops_query -i idx --ids '"Bo Reader" emlosprey'
expect_stdout_is in/letter.eml
expect_exit 0 "each mbox message has its own recipients" -- cops_query -i idx --ids reader2@example.org
expect_stdout_is in/archive.mbox:13

# Archive members: identity archive/inner/path; compressed single files
# keep their name.
while read -r word id; do
    expect_exit 0 "'$word' is found" -- cops_query -i idx --ids "$word"
    expect_stdout_is "$id" "'$word' is found in $id"
done <<LIST
zipmarten in/bundle.zip/notes/inner.txt
escapeword in/bundle.zip/escape.txt
nestedword in/bundle.zip/nested.zip/deep.txt
tarnarwhal in/bundle.tar.xz/docs/first.txt
xzocelot in/single.txt.xz
bzpeccary in/notes.md.bz2
truncquail in/cut.tar.xz/docs/first.txt
LIST

# Members of one name (a tar appended to, "./x" beside "x"): every copy is
# indexed under a name of its own, the repeats with ";N" appended, and
# each repeat is one warning.
mkdir repeat || exit 99
make_document tar-repeat repeat/appended.tar repeatall
expect_exit 0 "an archive repeating a name indexes" -- cops_index -i repeat.idx repeat
expect_stderr_contains 'repeat/appended.tar/docs/same.txt: another member of the archive has this name: this one is indexed with ";3" appended' \
    "a repeated name is a warning telling the name given"
check "one warning per repeat" [ "$(grep -c "warning:" "$ERR")" = 3 ]
while read -r word id; do
    expect_exit 0 "'$word' is found" -- cops_query -i repeat.idx --ids "$word"
    expect_stdout_is "$id" "'$word' is found in $id"
done <<LIST
repeatfirst repeat/appended.tar/docs/same.txt
repeatsecond repeat/appended.tar/docs/same.txt;2
repeatthird repeat/appended.tar/docs/same.txt;3
repeatfourth repeat/appended.tar/docs/same.txt;2;2
LIST
expect_exit 0 "four documents" -- cops_query -i repeat.idx --count repeatall
expect_stdout_is 4 "every copy is a document"
expect_exit 0 "four distinct identities" -- cops_query -i repeat.idx --ids repeatall
check "no two the same" [ "$(sort -u "$OUT" | wc -l)" = 4 ]

expect_exit 0 "the nested bomb's first member is indexed" -- cops_query -i idx --count nestedbomb
expect_stdout_is 1 "only its first member: the others are past the bound"
expect_exit 1 "the EPUB's style sheet is not text" -- cops_query -i idx --count hiddenstyleword

# A folder of small bzip2 files, each inflating to 12 MiB from 1.4 KiB,
# below the floor of its own ratio bound: what the files of a walk inflate
# past the ratio adds up, bounded at 64 MiB, so such a folder cannot
# inflate without bound.
mkdir bombs || exit 99
for i in 1 2 3 4 5 6; do make_document bz2-bomb bombs/part$i.txt.bz2 tinybomb; done
expect_exit 0 "a folder of small bzip2 bombs indexes (exit 0)" -- cops_index -i bombidx bombs
expect_stderr_matches 'part6\.txt\.bz2: .* past what this walk allows all files together' \
    "the walk's bound stops the sixth, with a warning"
check "one warning" test "$(grep -c 'warning:' "$ERR")" = 1
expect_exit 0 "the first five are indexed" -- cops_query -i bombidx --count tinybomb
expect_stdout_is 5 "five documents, not six"

# EPUB chapters in the order of the spine of the package the container
# names, not the zip's: the end of chapter 1 is next to the start of
# chapter 2 (a phrase); what the spine does not list (a navigation page,
# an item whose path climbs above the archive) is not text.  Without a
# container the zip's order stays, with one warning.
mkdir books || exit 99
make_document epub-spine books/spine.epub
make_document epub-no-package books/loose.epub
expect_exit 0 "EPUBs index" -- cops_index -i books.idx books
expect_stderr_contains "books/loose.epub: no package named by META-INF/container.xml: chapters read in the zip's order" \
    "an EPUB without a container is one warning"
check "exactly one warning" [ "$(grep -c "warning:" "$ERR")" = 1 ]
expect_exit 0 "chapter 1's last word is followed by chapter 2's first" -- \
    cops_query -i books.idx --ids '"spineomega spinebeta"'
expect_stdout_is books/spine.epub "the spine's order (a percent-escaped href through . and ..)"
expect_exit 0 "the book is found by its title" -- cops_query -i books.idx --json spinealpha
expect_stdout_contains '"id":"books/spine.epub","title":"Spine Book","path":"books/spine.epub","date":"2023-07-16"' \
    "title and date from the package"
expect_stdout_contains '"snippet":"spinealpha spineomega spinebeta spinegamma"' "the text in reading order"
expect_exit 0 "outside the spine" -- cops_query -i books.idx --ids 'spinenavword OR spinesecret'
expect_stdout_is books/loose.epub "only the book without a package holds its navigation page"
expect_exit 0 "the zip's order without a package" -- cops_query -i books.idx --ids '"spinegamma spinenavword"'
expect_stdout_is books/loose.epub "the book without a package reads as its zip holds it"

# Updates: members and messages count against their file on disk, so an
# unchanged archive is not read again, and a changed one replaces all its
# members.
expect_exit 0 "a second run over the same documents" -- cops_index -i idx in
expect_stderr_contains "is up to date" "nothing is read again (archives and mailboxes included)"
make_document zip in/bundle.zip zipwolverine
expect_exit 0 "a changed archive is read again" -- cops_index -i idx in
expect_exit 0 "its new member is found" -- cops_query -i idx --ids zipwolverine
expect_stdout_is in/bundle.zip/notes/inner.txt
expect_exit 1 "its old members are gone" -- cops_query -i idx --count zipmarten
expect_exit 1 "no document is titled %PDF" -- cops_query -i idx --count pdf-1.4

done_testing
