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

expect_exit 0 "a folder of documents indexes (exit 0)" -- cops_index -i idx in
expect_stderr_matches 'broken\.pdf: PDF that poppler cannot read' "a damaged PDF is one warning naming it"
expect_stderr_matches 'formats: .*pdf' "the summary counts PDF documents"
expect_stderr_lacks 'Syntax Error' "poppler's own messages stay off stderr"

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
LIST
expect_exit 1 "no document is titled %PDF" -- cops_query -i idx --count pdf-1.4

done_testing
