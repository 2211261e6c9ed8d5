#!/bin/sh
# cops-index on hostile inputs (issue 15, items 5 and 6): HTML whose
# nesting or attributes, or office XML whose attributes, would make a
# parser's work quadratic, and e-mail whose header fields would take
# GMime gigabytes, is cut at a
# bound, with a warning naming the file and the bound, in linear time and
# memory; pipes, FIFOs and /dev/stdin named on the command line are read
# once, and what was read is what is indexed; FIFOs and sockets inside a
# walked folder are skipped without being opened.  Every run has a
# timeout, so a regression fails instead of hanging.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
command -v python3 >/dev/null 2>&1 || { skip "hostile inputs" "python3 is needed to write them"; done_testing; exit 0; }
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

# bounded NAME SECONDS MEGABYTES -- CMD...: run CMD under a timeout and
# check that it ends, with no crash, within SECONDS and MEGABYTES of peak
# resident memory (measured by /usr/bin/time when it is installed).
bounded() {
    _name=$1 _seconds=$2 _megabytes=$3
    shift 4
    [ "$1" = cops_index ] && { shift; set -- "$COPS_INDEX_PROG" "$@"; }
    rm -f "$TMP/time.out"
    if [ -n "$TIME" ]; then
        run timeout 60 "$TIME" -f '%e %M' -o "$TMP/time.out" "$@"
    else
        run timeout 60 "$@"
    fi
    check "$_name: finishes (no hang, exit $RC)" [ "$RC" -ne 124 ]
    expect_no_crash "$_name: no crash"
    if [ -n "$TIME" ] && [ -s "$TMP/time.out" ]; then
        # The last line: time puts "Command exited with ..." before it.
        read -r _elapsed _kilobytes <<EOF_TIME
$(tail -n 1 "$TMP/time.out")
EOF_TIME
        check "$_name: under $_seconds s (took $_elapsed s)" \
            awk "BEGIN { exit !($_elapsed < $_seconds) }"
        check "$_name: under $_megabytes MB peak (took $_kilobytes KB)" \
            [ "$_kilobytes" -lt $((_megabytes * 1024)) ]
    else
        skip "$_name: time and memory" "/usr/bin/time is not installed (Debian: time)"
    fi
}

# --- HTML: deep nesting, in several patterns ----------------------------
# page NAME PYTHON-EXPRESSION: write NAME.html.
page() {
    python3 -c "import sys; open(sys.argv[1] + '.html', 'w').write($2)" "$1" || exit 99
}
page bi "'<p>before nesting</p>' + '<b><i>' * 20000 + 'afterword'"
page div "'<div>' * 100000 + 'x'"
page divend "'<div>' * 20000 + '</span>' * 20000 + 'x'"
page formatting "'<b a=1><i a=2>' * 5000 + '<div>x</div>' * 5000"
for name in bi div divend formatting; do
    bounded "<$name> nesting" 5 200 -- cops_index -q -i "idx-$name" "$name.html"
    expect_stderr_contains "$name.html: HTML with elements nested deeper than 512" \
        "<$name> nesting: the warning names the file and the bound"
    expect_stderr_contains "truncated there" "<$name> nesting: the page is truncated"
done
expect_exit 0 "the text before the bound is indexed" -- cops_query -i idx-bi --ids before
expect_stdout_contains "bi.html"
expect_exit 1 "the text after the bound is not" -- cops_query -i idx-bi --ids afterword

# Patterns the HTML rules close as they go: no bound is reached.
page table "'<table>' * 100000 + 'tablex'"
page anchors "'<a>' * 100000 + 'anchorx'"
page paragraphs "'<p>' * 100000 + 'paragraphx'"
page select "'<select>' + '<option>optionx' * 100000"
for name in table anchors paragraphs select; do
    bounded "<$name> repeated" 5 200 -- cops_index -q -i "idx-$name" "$name.html"
done

# --- HTML: attributes ---------------------------------------------------
page attributes "'<p>attribute page</p><p ' + ' '.join('a%d=%d' % (i, i) for i in range(200000)) + '>x</p>'"
bounded "200,000 attributes" 5 200 -- cops_index -q -i idx-attributes attributes.html
expect_stderr_contains "attributes.html: HTML with a tag with more than 256 attributes" \
    "the warning names the file and the attribute bound"
expect_exit 0 "the text before the tag is indexed" -- cops_query -i idx-attributes --ids attribute
page squeezed "'<p>squeezed</p><p ' + ''.join('a%d=\"%d\"' % (i, i) for i in range(100000)) + '>x</p>'"
bounded "100,000 attributes without blanks" 5 200 -- cops_index -q -i idx-squeezed squeezed.html
expect_stderr_contains "more than 256 attributes" "attributes without blanks between them count too"

# --- DOCX, ODT, EPUB: attributes -----------------------------------------
# Their XML goes through libxml2's XML parser, which compares each
# attribute of a tag with all the earlier ones too: before the bound a
# DOCX of 200,000 attributes (460 KB) took 26 s, 3 MB of them hours.
# docx NAME PYTHON-EXPRESSION: write NAME.docx, whose word/document.xml
# holds the paragraphs the expression gives.
docx() {
    python3 - "$1" "$2" <<'PY' || exit 99
import sys, zipfile
with zipfile.ZipFile(sys.argv[1] + '.docx', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('word/document.xml', '<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
               'openxmlformats.org/wordprocessingml/2006/main"><w:body>' + eval(sys.argv[2]) +
               '</w:body></w:document>')
PY
}
docx docx-attributes "'<w:p><w:t>docxbefore</w:t></w:p><w:p ' + ' '.join('a%d=\"%d\"' % (i, i) for i in range(200000)) + '><w:t>docxafter</w:t></w:p>'"
# docx_cut NAME WHAT WARNING BEFORE AFTER: NAME.docx is read within the
# time and memory bounds up to its bound, with a warning naming the file,
# the part and the bound: the word BEFORE is indexed, the word AFTER not.
docx_cut() {
    bounded "$2" 5 200 -- cops_index -q -i "idx-$1" "$1.docx"
    expect_stderr_contains "$1.docx: word/document.xml has $3 at byte" \
        "$2: the warning names the file, the part and the bound"
    expect_exit 0 "$2: the text before the bound is indexed" -- cops_query -i "idx-$1" --ids "$4"
    expect_exit 1 "$2: the text after it is not" -- cops_query -i "idx-$1" --ids "$5"
}
docx_cut docx-attributes "a DOCX tag of 200,000 attributes" "a tag with more than 256 attributes" docxbefore docxafter
# Not cut: 200 attributes, values holding '>', and a comment, a CDATA
# section and a processing instruction holding what looks like a tag of
# many attributes.
many="' '.join('b%d=\"%d\"' % (i, i) for i in range(300))"
docx docx-normal "'<w:p ' + ' '.join('a%d=\"x > %d\"' % (i, i) for i in range(200)) + '><w:t>docxfirst</w:t></w:p><!-- <x ' + $many + ' --><w:p><w:t><![CDATA[a <b ' + $many + ']]> docxsecond</w:t></w:p><?pi <c ' + $many + '?><w:p><w:t>docxlast</w:t></w:p>'"
expect_exit 0 "a DOCX of ordinary tags is indexed" -- cops_index -i idx-docx-normal docx-normal.docx
expect_stderr_lacks "attributes" "... without a warning"
expect_exit 0 "its first word is found" -- cops_query -i idx-docx-normal --ids docxfirst
expect_exit 0 "its word after the CDATA section is found" -- cops_query -i idx-docx-normal --ids docxsecond
expect_exit 0 "its last word is found" -- cops_query -i idx-docx-normal --ids docxlast

# libxml2 looks each prefixed name up through every namespace declaration
# in scope: before the bound, 250 elements nested, each declaring 250,
# around 200,000 prefixed elements (a DOCX of 168 KB) took 18 s.
docx docx-namespaces "'<w:p><w:t>nsbefore</w:t></w:p>' + ''.join('<w:n%d %s>' % (d, ' '.join('xmlns:p%d_%d=\"u%d\"' % (d, i, i) for i in range(250))) for d in range(250)) + '<w:x/>' * 200000 + '<w:t>nsafter</w:t>' + ''.join('</w:n%d>' % d for d in reversed(range(250)))"
docx_cut docx-namespaces "a DOCX of 62,500 namespace declarations in scope" \
    "more than 256 namespace declarations in scope" nsbefore nsafter
# The same declarations on tags ending "/>" after an attribute libxml2
# cannot read: its push parser keeps each such element open, namespaces
# in scope (3.9 s before the bound, where "/>" alone takes 0.1 s).
docx docx-namespaces-broken "'<w:p><w:t>brokenbefore</w:t></w:p>' + ''.join('<w:n%d %s &/>' % (d, ' '.join('xmlns:p%d_%d=\"u%d\"' % (d, i, i) for i in range(250))) for d in range(250)) + '<w:x/>' * 200000 + '<w:t>brokenafter</w:t>'"
bounded "a DOCX of 62,500 declarations on tags libxml2 cannot close" 2 200 -- \
    cops_index -q -i idx-docx-namespaces-broken docx-namespaces-broken.docx
expect_stderr_contains "docx-namespaces-broken.docx: word/document.xml has more than 256 namespace declarations in scope at byte" \
    "the warning names the file, the part and the namespace bound"
expect_exit 1 "the text after the bound is not indexed" -- \
    cops_query -i idx-docx-namespaces-broken --ids brokenafter
# Nor can such a tag declaring none make the next end tag end, for the
# count, the element around it that holds 250 declarations.
docx docx-namespaces-drift "'<w:p><w:t>driftbefore</w:t></w:p>' + ''.join('<w:n%d %s><w:b &/></w:x>' % (d, ' '.join('xmlns:p%d_%d=\"u%d\"' % (d, i, i) for i in range(250))) for d in range(250)) + '<w:x/>' * 200000 + '<w:t>driftafter</w:t>'"
bounded "a DOCX of 62,500 declarations behind tags libxml2 cannot close" 2 200 -- \
    cops_index -q -i idx-docx-namespaces-drift docx-namespaces-drift.docx
expect_stderr_contains "docx-namespaces-drift.docx: word/document.xml has more than 256 namespace declarations in scope at byte" \
    "the warning names the file, the part and the namespace bound"
# Not cut: 2,000 empty tags declaring 200 namespaces each, quoted either
# way, values holding references, and separated by tabs and newlines.
docx docx-qualified-empty "'<w:p><w:t>emptyfirst</w:t></w:p>' + ('<a:x\t' + '\n '.join(\"xmlns:q%d='u%d'\" % (i, i) for i in range(200)) + ' w:val=\"a > b &amp; c&#38;&#x26;\" />') * 2000 + '<w:p><w:t>emptylast</w:t></w:p>'"
expect_exit 0 "a DOCX of empty tags declaring namespaces is indexed" -- \
    cops_index -i idx-docx-qualified-empty docx-qualified-empty.docx
expect_stderr_lacks "namespace" "... without a warning"
expect_exit 0 "its last word is found" -- cops_query -i idx-docx-qualified-empty --ids emptylast
# Not cut: 200 declarations on the root, then 2,000 paragraphs declaring
# 100 each (out of scope again at each paragraph's end), one nested 1,000
# deep (libxml2's push parser sets no bound on nesting).
docx docx-scoped "'<w:p ' + ' '.join('xmlns:r%d=\"u%d\"' % (i, i) for i in range(200)) + '><w:t>scopedfirst</w:t></w:p>' + ('<w:p ' + ' '.join('xmlns:s%d=\"u%d\"' % (i, i) for i in range(50)) + '><w:t>x</w:t></w:p>') * 2000 + '<w:p>' * 1000 + '<w:t>scopeddeep</w:t>' + '</w:p>' * 1000 + '<w:p><w:t>scopedlast</w:t></w:p>'"
expect_exit 0 "a DOCX of declarations going out of scope is indexed" -- cops_index -i idx-docx-scoped docx-scoped.docx
expect_stderr_lacks "namespace" "... without a warning"
expect_exit 0 "its deep word is found" -- cops_query -i idx-docx-scoped --ids scopeddeep
expect_exit 0 "its last word is found" -- cops_query -i idx-docx-scoped --ids scopedlast

# libxml2 adds the attribute defaults a document type declares to every
# element of that name, comparing each with all the attributes before it:
# before they were dropped, a DOCX of 52 KB declaring 20,000 defaults for
# 1,000 elements ran for hours.
python3 - <<'PY' || exit 99
import zipfile
def part(doctype):
    return ('<?xml version="1.0"?>' + doctype + '<w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:t>dtdbefore</w:t></w:p>'
            + '<w:p/>' * 1000 + '<w:p><w:t>dtdafter</w:t></w:p></w:body></w:document>')
subset = ''.join('<!ATTLIST w:p a%d CDATA "v">' % i for i in range(20000))
with zipfile.ZipFile('docx-defaults.docx', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('word/document.xml', part('<!DOCTYPE w:document [' + subset + ']>'))
PY
bounded "20,000 attribute defaults on 1,000 elements" 5 200 -- \
    cops_index -q -i idx-docx-defaults docx-defaults.docx
expect_exit 0 "its last word is found" -- cops_query -i idx-docx-defaults --ids dtdafter

# A damaged DOCX and a decompression bomb are one warning each and the
# run goes on: both used to end it, "out of memory", index unchanged (the
# reader's "cannot be read" was -1, the value of COPS_ENOMEM).
mkdir damaged-office || exit 99
docx damaged-office/bomb "'<w:p><w:t>bombword ' + 'x' * 20000000 + '</w:t></w:p>'"
docx damaged-office/whole "'<w:p><w:t>wholeword ' + ' '.join(str(i * 7919) for i in range(5000)) + '</w:t></w:p>'"
head -c 200 damaged-office/whole.docx >damaged-office/truncated.docx
rm damaged-office/whole.docx
echo "soundword in a text file" >damaged-office/sound.txt
expect_exit 0 "a folder with a truncated DOCX and a DOCX bomb is indexed" -- \
    cops_index -q -i idx-damaged-office damaged-office
expect_stderr_contains "bomb.docx: inflates more than 200 times its size" "... the bomb is one warning"
expect_stderr_contains "truncated.docx/word/document.xml: archive member cannot be read" \
    "... the truncated DOCX is one warning"
expect_stderr_lacks "out of memory" "... no 'out of memory'"
expect_exit 0 "... the sound file is found" -- cops_query -i idx-damaged-office --ids soundword

# --- e-mail: header fields ----------------------------------------------
# GMime keeps about 500 bytes per header field whatever its size: before
# the bound, 2,000,000 short fields (14 MB) took 1 GB of memory.  An
# mbox of a sound message, then one of them: the sound one is indexed.
python3 - <<'PY' || exit 99
with open('fields.mbox', 'w') as out:
    out.write('From a@example.org Sat Jul 15 10:00:00 2023\nFrom: a@example.org\nSubject: soundmessage\n\nsoundbody\n\n')
    out.write('From b@example.org Sat Jul 15 10:00:00 2023\nFrom: b@example.org\nSubject: fieldsubject\n')
    out.write('X-A: b\n' * 2000000)
    out.write('\nfieldbody\n')
# 1,000 messages of 30 fields each: more fields than the bound in all,
# but not in one message.
with open('many.mbox', 'w') as out:
    for i in range(1000):
        out.write('From a@example.org Sat Jul 15 10:00:00 2023\nSubject: message%d\n' % i)
        out.write(''.join('X-Field-%d: value\n' % f for f in range(30)))
        out.write('\nmanybody%d\n\n' % i)
PY
# GMime compares each line starting "--" with the boundary of every
# multipart open: before the bound, 1,000,000 such lines inside 250
# nested multiparts (5 MB) took 11 s.  A message of 100 multiparts side by
# side (boundaries quoted or not, on a folded line) is not cut.
python3 - <<'PY' || exit 99
out = ['From: a@example.org\nSubject: nested\nMIME-Version: 1.0\n']
for i in range(250):
    out.append('Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
out.append('Content-Type: text/plain\n\nnestedword\n' + '--x\n\n' * 1000000)
out.extend('--b%d--\n' % i for i in reversed(range(250)))
open('nested.eml', 'w').write(''.join(out))
# The same behind boundaries holding an escaped quote, each followed by
# lines closing what a boundary cut at the escape would be.
out = ['From: a@example.org\nSubject: escaped\nMIME-Version: 1.0\n']
for i in range(250):
    out.append('Content-Type: multipart/mixed; boundary="q\\"%d"\n\n--q--\n\n--q\\--\n\n--q"%d\n' % (i, i))
out.append('Content-Type: text/plain\n\nescapedword\n' + '--x\n\n' * 1000000)
open('escaped.eml', 'w').write(''.join(out))
out = ['From: a@example.org\nSubject: siblings\nMIME-Version: 1.0\n'
       'Content-Type: multipart/mixed;\n boundary=outer\n\n']
for i in range(100):
    inner = 'inner%d' % i
    out.append('--outer\nContent-Type: multipart/alternative; boundary="%s"\n\n' % inner)
    out.append('--%s\nContent-Type: text/plain\n\nsibling%d\n--%s--\n' % (inner, i, inner))
out.append('--outer--\n')
open('siblings.eml', 'w').write(''.join(out))
# Only a Content-Type field opens a multipart: a message forwarding 40
# whose subjects and paragraphs name a "boundary" is not cut.
out = ['From: list@example.org\nSubject: digest\nMIME-Version: 1.0\n'
       'Content-Type: multipart/mixed; boundary="digest"\n\n']
for i in range(40):
    out.append('--digest\nContent-Type: message/rfc822\n\nFrom: b@example.org\n'
               'Subject: Re: the boundary of part %d\n\n'
               'Note: a MIME boundary line\nstarts with two hyphens.\n\n' % i)
out.append('--digest\nContent-Type: text/plain\n\ndigestword\n--digest--\n')
open('digest.eml', 'w').write(''.join(out))
# Only a line starting "--" and an open boundary starts a part's headers:
# a patch adding 25,000 lines after its "--- /dev/null" is text.
out = ['From: dev@example.org\nSubject: [PATCH] add the table\n\nAdd the table.\n\n---\n'
       ' table.c | 25000 +++++\n\ndiff --git a/table.c b/table.c\n--- /dev/null\n'
       '+++ b/table.c\n@@ -0,0 +1,25000 @@\n']
out.extend('+ %d,\n' % i for i in range(25000))
out.append('-- \n2.40.0\n\npatchlastword\n')
open('patch.eml', 'w').write(''.join(out))
PY
bounded "1,000,000 lines starting -- inside 250 nested multiparts" 5 200 -- \
    cops_index -q -i idx-nested nested.eml
expect_stderr_contains "nested.eml: a message with multiparts nested deeper than 32 at byte" \
    "the warning names the file and the nesting bound"
bounded "the same behind boundaries holding an escaped quote" 5 200 -- \
    cops_index -q -i idx-escaped escaped.eml
expect_stderr_contains "escaped.eml: a message with multiparts nested deeper than 32 at byte" \
    "the warning names the file and the nesting bound"
expect_exit 0 "a message of 100 multiparts side by side is indexed" -- \
    cops_index -i idx-siblings siblings.eml
expect_stderr_lacks "nested" "... without a warning"
expect_exit 0 "its last part is found" -- cops_query -i idx-siblings --ids sibling99
expect_exit 0 "a message forwarding 40 that name a boundary is indexed" -- \
    cops_index -i idx-digest digest.eml
expect_stderr_lacks "nested" "... without a warning"
expect_exit 0 "its last part is found" -- cops_query -i idx-digest --ids digestword
expect_exit 0 "a patch of 25,000 lines is indexed" -- cops_index -i idx-patch patch.eml
expect_stderr_lacks "header fields" "... without a warning"
expect_exit 0 "its last word is found" -- cops_query -i idx-patch --ids patchlastword
bounded "a message of 2,000,000 header fields" 10 200 -- cops_index -q -i idx-fields fields.mbox
expect_stderr_contains "fields.mbox: a message with more than 20000 header fields at byte" \
    "the warning names the file and the bound"
expect_exit 0 "the message before it is indexed" -- cops_query -i idx-fields --ids soundbody
expect_exit 1 "the text after the bound is not" -- cops_query -i idx-fields --ids fieldbody
expect_exit 0 "an mbox of 1,000 messages of 30 fields each is indexed" -- \
    cops_index -i idx-many-fields many.mbox
expect_stderr_lacks "header fields" "... without a warning"
expect_exit 0 "its last message is found" -- cops_query -i idx-many-fields --ids manybody999

# --- HTML: ordinary pages are not cut -----------------------------------
page normal "'<html><head><title>Normal page</title><meta name=\"date\" content=\"2024-05-06\"></head><body>' + '<div>' * 100 + '<p data-x=\"a > b\" class=\"c d e f\">deepword ' + ' '.join('w%d' % i for i in range(500)) + '</p>' + '</div>' * 100 + '<img alt=\"' + ' '.join('alt%d' % i for i in range(1000)) + '\" src=x><p>lastword</p></body></html>'"
expect_exit 0 "a page nested 100 deep with a long attribute value is indexed" -- \
    cops_index -i idx-normal normal.html
expect_stderr_lacks "truncated" "... without a warning"
expect_exit 0 "its deep text is found" -- cops_query -i idx-normal --ids deepword
expect_exit 0 "its last word is found" -- cops_query -i idx-normal --ids lastword

# --- a big ordinary page: linear time and memory ------------------------
python3 - <<'PY' || exit 99
with open('big.html', 'w') as out:
    out.write('<!DOCTYPE html><html><head><title>Big</title></head><body>')
    paragraph = '<p>' + ' '.join('word%d' % (i % 997) for i in range(120)) + ' <a href="x">link</a> <b>bold</b></p>\n'
    for i in range(5 * 1024 * 1024 // len(paragraph)):
        out.write(paragraph)
    out.write('</body></html>')
PY
bounded "a 5 MB page" 10 150 -- cops_index -q -i idx-big big.html

# --- an archive repeating one name: linear, not quadratic ---------------
# 40,000 members all named a.txt (a 60 KB tar.gz) and a member named
# "a.txt;7" among them: each copy gets the next ";N" free without trying
# every earlier one again (that cost 150 s here, and an hour for a few MB).
python3 - <<'EOF_TAR' || exit 99
import io, tarfile
with tarfile.open("repeat.tar.gz", "w:gz") as t:
    for i in range(40001):
        name = "a.txt;7" if i == 3 else "a.txt"
        data = b"repeatmany\n" if i < 40000 else b"repeatlast\n"
        member = tarfile.TarInfo(name)
        member.size = len(data)
        t.addfile(member, io.BytesIO(data))
EOF_TAR
bounded "40,000 members of one name" 20 200 -- cops_index -q -i idx-repeat repeat.tar.gz
expect_exit 0 "every copy is a document" -- cops_query -i idx-repeat --count repeatmany
expect_stdout_is 40000 "40,000 documents"
expect_exit 0 "the last copy's name skips the member's own a.txt;7" -- \
    cops_query -i idx-repeat --ids repeatlast
expect_stdout_is "repeat.tar.gz/a.txt;40001" "the last copy is a.txt;40001"
expect_exit 0 "the ids of the copies" -- cops_query -i idx-repeat --ids --limit 50000 repeatmany
check "the member named a.txt;7 keeps its name, and only it" [ "$(grep -cx 'repeat.tar.gz/a.txt;7' "$OUT")" = 1 ]
check "40,000 distinct names" [ "$(sort -u "$OUT" | wc -l)" = 40000 ]

# --- pipes and FIFOs named on the command line --------------------------
printf 'hello okapi from a pipe\n' | "$COPS_INDEX_PROG" -q -i idx-pipe /dev/stdin 2>stderr.out
check "a pipe as /dev/stdin is indexed (not 'empty file')" [ $? -eq 0 ]
check "... without a warning" [ ! -s stderr.out ]
expect_exit 0 "its words are found" -- cops_query -i idx-pipe --ids okapi
printf 'second tapir\n' | "$COPS_INDEX_PROG" -q -i idx-pipe /dev/stdin 2>stderr.out
check "a second pipe under the same name updates the index" [ $? -eq 0 ]
expect_exit 1 "the first pipe's words are gone" -- cops_query -i idx-pipe --ids okapi
expect_exit 0 "the second pipe's words are found" -- cops_query -i idx-pipe --ids tapir
printf 'pipe through fd zero\n' | "$COPS_INDEX_PROG" -q -i idx-fd /dev/fd/0 2>stderr.out
check "a pipe as /dev/fd/0 is indexed" [ $? -eq 0 ]
expect_exit 0 "its words are found" -- cops_query -i idx-fd --ids zero

if mkfifo named.fifo 2>/dev/null; then
    (printf 'grant through a fifo\n' >named.fifo &)
    bounded "a FIFO named on the command line" 10 200 -- cops_index -q -i idx-fifo named.fifo
    check "... is indexed (exit $RC)" [ "$RC" -eq 0 ]
    expect_exit 0 "its words are found" -- cops_query -i idx-fifo --ids fifo
    # In a folder: skipped, never opened (an open would wait for a writer).
    mkdir folder || exit 99
    printf 'regular grant\n' >folder/regular.txt
    mkfifo folder/waiting.fifo || exit 99
    python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('folder/socket')" 2>/dev/null
    bounded "a folder holding a FIFO and a socket" 10 200 -- cops_index -i idx-folder folder
    check "... is indexed (exit $RC)" [ "$RC" -eq 0 ]
    expect_stderr_contains "folder/waiting.fifo: not a regular file, skipped"
    if [ -S folder/socket ]; then
        expect_stderr_contains "folder/socket: not a regular file, skipped"
    else
        skip "a socket in a folder" "cannot create a socket here"
    fi
    expect_exit 0 "the regular file is found" -- cops_query -i idx-folder --ids regular
else
    skip "FIFOs" "mkfifo failed"
fi

done_testing
