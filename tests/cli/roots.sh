#!/bin/sh
# Identity and roots (man cops-index, "Roots and identity"): a file's
# identity is its canonical absolute path, whatever the working directory
# and the form of the path named; the index remembers its roots, a run
# refreshes only the roots it names, --remove takes documents out, --roots
# lists the roots, and an update answers exactly as a fresh build of the
# same roots.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

# Strip the identifiers' common prefix ($TMP) is not needed: every run
# below queries from $TMP, so identifiers below it print relative.
answers()   # INDEX OUT: the --json answers of a few queries
{
    for _q in grant river 'river OR grant' lantern 'quiet AND river' zebra; do
        "$COPS_QUERY_PROG" -i "$1" --json -n 50 "$_q" | sed 's/"milliseconds":[0-9.e+-]*//'
    done >"$2"
}

mkdir -p area/docs/sub area/other area/two
printf 'grant money for the river\n' >area/docs/a.txt
printf 'a quiet river at night\n' >area/docs/b.txt
printf 'lantern and grant\n' >area/docs/sub/c.txt
printf 'zebra crossing by the river\n' >area/two/z.txt
printf 'grant zebra lantern\n' >area/two/y.txt

# --- the same folder named three ways gives the same identities -------------
expect_exit 0 "index a folder as '.'" -- sh -c "cd area/docs && '$COPS_INDEX_PROG' -q -i '$TMP/dot' ."
expect_exit 0 "index it by its absolute path" -- cops_index -q -i abs "$TMP/area/docs"
expect_exit 0 "index it as ../docs from a sibling" -- \
    sh -c "cd area/other && '$COPS_INDEX_PROG' -q -i '$TMP/rel' ../docs"
answers dot dot.ans
answers abs abs.ans
answers rel rel.ans
check "'.' and the absolute path give identical answers" cmp -s dot.ans abs.ans
check "'../docs' and the absolute path give identical answers" cmp -s rel.ans abs.ans
expect_exit 0 "--ids from the index's own folder" -- cops_query -i abs --ids grant
expect_stdout_contains "area/docs/a.txt" "an identifier below the current directory prints relative"
expect_stdout_lacks "$TMP/" "and without the current directory"
expect_exit 0 "--roots lists the root" -- cops_index -i rel --roots
expect_stdout_is "$TMP/area/docs" "the root is the canonical absolute path"
expect_exit 0 "refresh from another folder as '.'" -- \
    sh -c "cd area/docs && '$COPS_INDEX_PROG' -i '$TMP/rel' ."
expect_stderr_contains "up to date" "the same folder named otherwise is up to date, not re-read"
# Refreshed after an edit, each from its own working directory and with
# its own form of the path, the three indexes still answer identically.
printf 'grant money for the river by the harbour\n' >area/docs/a.txt
expect_exit 0 "refresh as '.' from inside the root" -- \
    sh -c "cd area/docs && '$COPS_INDEX_PROG' -q -i '$TMP/dot' ."
expect_exit 0 "refresh as '../docs' from a sibling" -- \
    sh -c "cd area/other && '$COPS_INDEX_PROG' -q -i '$TMP/rel' ../docs"
expect_exit 0 "refresh by the absolute path from /" -- \
    sh -c "cd / && '$COPS_INDEX_PROG' -q -i '$TMP/abs' '$TMP/area/docs'"
answers dot dot.ans
answers abs abs.ans
answers rel rel.ans
check "refreshed from '.' and by the absolute path: identical answers" cmp -s dot.ans abs.ans
check "refreshed as '../docs' and by the absolute path: identical answers" cmp -s rel.ans abs.ans
for _index in dot rel abs; do
    expect_exit 0 "$_index: the edit is found" -- cops_query -i $_index --ids harbour
    expect_stdout_is "area/docs/a.txt" "$_index: under the same identity"
done

# --- a file under a root refreshes that file only ----------------------------
expect_exit 0 "index one file of the root" -- cops_index -i abs area/docs/a.txt
expect_stderr_lacks "removed" "no document is removed"
expect_exit 0 "count" -- cops_query -i abs --count 'grant OR river OR lantern'
expect_stdout_is 3 "the other files of the root are still there"
expect_exit 0 "--roots after naming a file inside the root" -- cops_index -i abs --roots
expect_stdout_is "$TMP/area/docs" "a file inside a root adds no root"

# --- two roots: refreshing one leaves the other's answers alone --------------
expect_exit 0 "add a second root" -- cops_index -q -i two area/docs
expect_exit 0 "and the second root" -- cops_index -q -i two area/two
expect_exit 0 "--roots lists both" -- cops_index -i two --roots
expect_stdout_is "$TMP/area/docs
$TMP/area/two" "both roots, in order"
# The second root's hits, as the index shows them: identifier, title,
# date, snippet (scores and ranks aside: they follow the whole
# collection, which the edits of the first root change).
other_root()
{
    for _q in zebra 'zebra AND grant' crossing lantern; do
        "$COPS_QUERY_PROG" -i two --json -n 50 "$_q" | grep '"id":"area/two/' \
            | sed 's/"rank":[0-9]*,//; s/"score":[^,]*,//'
    done | sort >"$1"
}
other_root two-before.ans
sleep 0.05 2>/dev/null || sleep 1
printf 'zebra stripes in the new river text\n' >area/docs/d.txt
rm area/docs/b.txt
printf 'grant grant river lantern\n' >area/docs/a.txt
expect_exit 0 "refresh the first root after edits" -- cops_index -i two area/docs
expect_stderr_contains "1 removed" "the vanished file is removed"
other_root two-after.ans
check "the other root's hits are there" test -s two-after.ans
check "the other root's hits are byte for byte the same" cmp -s two-before.ans two-after.ans
expect_exit 0 "a fresh build of the same roots" -- cops_index -q -i two-fresh area/docs area/two
answers two two.ans
answers two-fresh two-fresh.ans
check "the update answers exactly as a fresh build of the same roots" cmp -s two.ans two-fresh.ans

# --- no path: every root is refreshed --------------------------------------------
sleep 0.05 2>/dev/null || sleep 1
printf 'lantern lantern zebra\n' >area/two/y.txt
printf 'a new grant\n' >area/docs/sub/e.txt
expect_exit 0 "cops-index with no path refreshes every root" -- cops_index -i two
expect_stderr_contains "indexed 2 documents" "both edits were read"
expect_exit 0 "a fresh build" -- cops_index -q -i two-fresh2 area/two area/docs
answers two two.ans
answers two-fresh2 two-fresh.ans
check "no-path refresh answers as a fresh build" cmp -s two.ans two-fresh.ans

# --- a missing root keeps its documents -------------------------------------------
mv area/two area/two-away
expect_exit 1 "a root that is not there: a warning, exit 1" -- cops_index -i two area/two area/docs
expect_stderr_contains "area/two: cannot read input" "the warning names it"
expect_exit 0 "its documents are kept" -- cops_query -i two --count zebra
expect_stdout_is 3 "zebra still in y.txt, z.txt and d.txt"
mv area/two-away area/two

# --- --remove ---------------------------------------------------------------------
expect_exit 0 "--remove a file" -- cops_index -i two --remove area/docs/sub/c.txt
expect_stderr_contains "1 removed" "one document removed"
expect_exit 0 "--remove a root" -- cops_index -i two --remove area/two
expect_stderr_contains "note: 2 of the" "removing more than a tenth of the index says so"
expect_exit 0 "--roots after --remove" -- cops_index -i two --roots
expect_stdout_is "$TMP/area/docs" "the removed root is forgotten"
expect_exit 1 "its documents are gone" -- cops_query -i two --count crossing
expect_exit 0 "--check after the removals" -- cops_index -i two --check
expect_exit 0 "--remove of a path that no longer exists" -- cops_index -i two --remove area/nowhere
expect_exit 2 "--remove with no path" -- cops_index -i two --remove
expect_stderr_contains "nothing to remove" "it says so"
# Taking every document out committed a manifest naming no segment,
# which no reader opens and --check calls damaged; so did --delete and
# --remove on a folder holding no index yet.
cp two/MANIFEST "$TMP/manifest.before"
expect_exit 2 "--remove of every root is refused" -- cops_index -i two --remove area/docs
expect_stderr_contains "every document out of two" "it says why"
check "the index is as it was" cmp -s two/MANIFEST "$TMP/manifest.before"
expect_exit 0 "it still answers" -- cops_query -i two --count river
expect_exit 0 "and passes --check" -- cops_index -i two --check
printf '{"id":"p1","text":"pair one"}\n{"id":"p2","text":"pair two"}\n' >pair.jsonl
expect_exit 0 "index two records" -- cops_index -q -i pair pair.jsonl
cp pair/MANIFEST "$TMP/manifest.before"
expect_exit 2 "--delete of every document is refused" -- cops_index -i pair --delete p1 p2
expect_stderr_contains "every document out of pair" "it says why"
check "the index is still as it was" cmp -s pair/MANIFEST "$TMP/manifest.before"
expect_exit 0 "--delete of one of them" -- cops_index -q -i pair --delete p1
expect_exit 2 "then of the other" -- cops_index -q -i pair --delete p2
expect_exit 0 "the last one still answers" -- cops_query -i pair --ids pair
expect_stdout_is p2
expect_exit 2 "--delete where no index is" -- cops_index -i noindex --delete r1
expect_stderr_contains "noindex holds no index" "it says so"
check "and creates nothing" test ! -e noindex
mkdir half && : >half/LOCK
expect_exit 2 "--remove in a folder an interrupted first build left" -- cops_index -i half --remove area
check "no manifest is written there" test ! -e half/MANIFEST

# --- --delete ID: records out by their identity -----------------------------------
mkdir recs
for i in 1 2 3 4 5 6; do printf '{"id":"r%d","text":"walrus record %d"}\n' $i $i; done >recs/r.jsonl
expect_exit 0 "index records" -- cops_index -q -i del recs
expect_exit 0 "--delete two ids" -- cops_index -i del --delete r2 r5
expect_stderr_contains "2 removed" "two documents removed"
expect_exit 0 "the others stay" -- cops_query -i del --ids -n 10 walrus
check "r2 and r5 are gone" test "$(sort "$OUT" | tr '\n' ' ')" = "r1 r3 r4 r6 "
expect_exit 0 "--check with deleted records inside a file's range" -- cops_index -i del --check
expect_exit 0 "a refresh of the unchanged file" -- cops_index -i del recs
expect_stderr_contains "up to date" "does not bring them back"
expect_exit 0 "--merge" -- cops_index -q -i del --merge recs
expect_exit 0 "--check after the merge" -- cops_index -i del --check
expect_exit 0 "after the merge" -- cops_query -i del --count walrus
expect_stdout_is 4 "the deleted records stay out"
expect_exit 1 "--delete of an unknown id: a warning, exit 1" -- cops_index -i del --delete nosuch
expect_stderr_contains "no document has the id 'nosuch'" "it names the id"
expect_exit 0 "index records without stemming" -- cops_index -q -i unstemmed --no-stem recs
expect_exit 2 "--delete without --no-stem is refused" -- cops_index -i unstemmed --delete r1
expect_stderr_contains "other analysis options" "it says why"
expect_exit 0 "the index still answers" -- cops_query -i unstemmed --count walrus
expect_stdout_is 6 "no record lost (the refused update used to drop them all)"
expect_exit 0 "--delete with --no-stem" -- cops_index -q -i unstemmed --no-stem --delete r1
expect_exit 0 "one record less" -- cops_query -i unstemmed --count walrus
expect_stdout_is 5 "r1 deleted"
mkdir -p unstemmed-roots/a unstemmed-roots/b
printf 'walrus one\n' >unstemmed-roots/a/1.txt
printf 'walrus two\n' >unstemmed-roots/b/2.txt
expect_exit 0 "index two roots without stemming" -- cops_index -q -i unstemmed2 --no-stem unstemmed-roots/a unstemmed-roots/b
expect_exit 2 "--remove without --no-stem is refused" -- cops_index -i unstemmed2 --remove unstemmed-roots/b
expect_exit 0 "the other root's document stays" -- cops_query -i unstemmed2 --count walrus
expect_stdout_is 2 "nothing removed"
# An update of one root of an index built with other analysis options
# started over from that root alone: the other root's documents and those
# read from standard input were dropped without a word.
printf '{"id":"s1","text":"walrus from stdin"}\n' >stdin.jsonl
expect_exit 0 "records from standard input" -- sh -c "'$COPS_INDEX_PROG' -q -i unstemmed2 --no-stem - <stdin.jsonl"
printf 'walrus three\n' >unstemmed-roots/a/3.txt
expect_exit 2 "an update of one root without --no-stem is refused" -- cops_index -q -i unstemmed2 unstemmed-roots/a
expect_stderr_contains "other analysis options (--no-stem)" "it names the options the index has"
expect_stderr_contains "--rebuild" "and the way to change them"
expect_exit 2 "a refresh of every root with --language french is refused" -- cops_index -q -i unstemmed2 --language french
expect_exit 0 "the index is as it was" -- cops_query -i unstemmed2 --count walrus
expect_stdout_is 3 "both roots and standard input kept"
expect_exit 0 "the update with --no-stem" -- cops_index -q -i unstemmed2 --no-stem unstemmed-roots/a
expect_exit 0 "one document more" -- cops_query -i unstemmed2 --count walrus
expect_stdout_is 4 "the other root and standard input still there"
expect_exit 2 "--exact-forms on an index built without is refused" -- cops_index -q -i del --exact-forms recs
expect_stderr_contains "(--language english, without --exact-forms)" "it says the index has none"
expect_exit 0 "--rebuild changes the analysis" -- cops_index -q -i unstemmed2 --rebuild
expect_exit 0 "--stats after it" -- cops_index -i unstemmed2 --stats
expect_stdout_contains "analysis       english" "stemmed now"
expect_exit 0 "the roots' documents are read again" -- cops_query -i unstemmed2 --count walrus
expect_stdout_is 3 "standard input's is dropped, as the message said"
# A catalog of another version (here 99: a newer cops wrote it): an
# update started over from the path named, dropping the other root, with
# a warning that an older cops had built the index.
rm -rf newer && cp -a unstemmed2 newer
cat=$(sed -n 's/^files //p' newer/MANIFEST)
printf 'c\000\000\000' | dd of="newer/$cat" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_exit 2 "an update of one root over a catalog of version 99 is refused" -- \
    cops_index -q -i newer unstemmed-roots/a
expect_stderr_contains "version 99" "it names the version"
expect_exit 0 "the other root's documents are still there" -- cops_query -i newer --count walrus
expect_stdout_is 3
expect_exit 2 "--delete over it is refused too" -- cops_index -q -i newer --delete s1
expect_stderr_contains "--rebuild" "it says to rebuild"
# A MANIFEST damaged by one byte: an update of one root took it for no
# index, started over at generation 1 and deleted every segment the
# MANIFEST named, the other root's documents with them; restoring the
# MANIFEST could have brought them all back.
rm -rf damaged && cp -a unstemmed2 damaged
cp damaged/MANIFEST manifest.good
sed 's/^generation \([0-9]*\)/generation 9\1/' manifest.good >damaged/MANIFEST
ls damaged >files.before
expect_exit 2 "an update over a damaged MANIFEST is refused" -- \
    cops_index -q -i damaged unstemmed-roots/a
expect_stderr_contains "damaged manifest" "it says what is wrong"
expect_stderr_contains "--rebuild naming every file and folder" "and what to do: the roots \
are known only through the MANIFEST, so a --rebuild naming no path finds none"
ls damaged >files.after
check "no file of the index was removed or added" cmp -s files.before files.after
cp manifest.good damaged/MANIFEST
expect_exit 0 "with the MANIFEST restored" -- cops_query -i damaged --count walrus
expect_stdout_is 3 "every document is there"
# A MANIFEST naming no catalog (the format allows it; readers answer
# from its segments): an update of one root started over from that path,
# dropping the other root's documents.
if command -v python3 >/dev/null 2>&1; then
    rm -rf nocat && cp -a damaged nocat
    python3 -c '
import sys, zlib
lines = open(sys.argv[1]).read().splitlines(True)
body = "".join(l for l in lines if not l.startswith(("files ", "checksum ")))
open(sys.argv[1], "w").write(body + "checksum %08x\n" % zlib.crc32(body.encode()))
' nocat/MANIFEST
    expect_exit 0 "an index whose MANIFEST names no catalog answers" -- cops_query -i nocat --count walrus
    expect_stdout_is 3
    expect_exit 2 "an update of one root over it is refused" -- cops_index -q -i nocat unstemmed-roots/a
    expect_stderr_contains "--rebuild naming every file and folder" "it says what to do"
    expect_exit 0 "the other root's documents are still there" -- cops_query -i nocat --count walrus
    expect_stdout_is 3
else
    skip "a MANIFEST naming no catalog" "python3 not available"
fi
printf '{"id":"r7","text":"walrus record 7"}\n' >>recs/r.jsonl
expect_exit 0 "the file grows" -- cops_index -q -i del recs
expect_exit 0 "only its new record is read" -- cops_query -i del --count walrus
expect_stdout_is 5 "deleted records stay out while the old bytes are unchanged"
sed 's/record 1"/record one"/' recs/r.jsonl >recs/edited && mv recs/edited recs/r.jsonl
expect_exit 0 "the file is edited" -- cops_index -q -i del recs
expect_exit 0 "its records are read again" -- cops_query -i del --count walrus
expect_stdout_is 7 "a changed file brings its deleted records back"

# --- a JSON Lines file that only grew: only its new lines are read ----------------
mkdir grow
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "{\"id\":\"g%d\",\"text\":\"heron note %d\"}\n", i, i }' \
    >grow/log.jsonl
expect_exit 0 "index 2,000 records" -- cops_index -q -i grown grow
printf '{"id":"g2001","text":"heron newest"}\n{"broken\n' >>grow/log.jsonl
expect_exit 0 "index after appending two lines" -- cops_index -i grown grow
expect_stderr_contains "indexed 1 documents" "only the new record is indexed"
expect_stderr_contains "1 grown" "the summary counts the grown file"
expect_stderr_contains "log.jsonl:2002: invalid JSON" "line numbers go on from the old lines"
expect_exit 0 "a fresh build of the grown file" -- cops_index -q -i grown-fresh grow
answers_grown()   # INDEX OUT
{
    for _q in heron newest 'note 17' '"heron note"'; do
        "$COPS_QUERY_PROG" -i "$1" --json -n 30 "$_q" | sed 's/"milliseconds":[0-9.e+-]*//'
    done >"$2"
}
answers_grown grown grown.ans
answers_grown grown-fresh grown-fresh.ans
check "the grown index answers exactly as a fresh build" cmp -s grown.ans grown-fresh.ans
expect_exit 0 "--check after growing" -- cops_index -i grown --check
expect_exit 0 "--merge" -- cops_index -q -i grown --merge grow
expect_exit 0 "--check after merging the parts" -- cops_index -i grown --check
# An edit of the old bytes is a change, not growth: every record is read.
sed 's/heron note 5"/heron note five"/' grow/log.jsonl >grow/edited && mv grow/edited grow/log.jsonl
printf '{"id":"g2002","text":"heron later"}\n' >>grow/log.jsonl
expect_exit 0 "index after an edit and an append" -- cops_index -i grown grow
expect_stderr_contains "indexed 2002 documents" "an edited file is read whole"
expect_stderr_contains "2001 documents replaced" "and its old records replaced"
expect_exit 0 "the edit is found" -- cops_query -i grown --ids 'heron note five'
expect_stdout_is "g5" "the edited record"

# --- a failed first build leaves no directory behind ------------------------------
mkdir emptyfolder
expect_exit 2 "a first build of nothing fails" -- cops_index -i new/deep/idx emptyfolder
check "and leaves no half-made directory" test ! -e new
expect_exit 2 "a first build of a missing path fails" -- cops_index -i new2 nowhere.txt
check "and creates nothing" test ! -e new2
# The removal goes through the folder this build made, never through its
# name: while a first build waits on its standard input, its new folder is
# renamed and a link to someone else's folder (holding a file with a name
# the writer uses) put in its place; the failed build empties its own
# folder and touches nothing through the link.
mkfifo feed && mkdir victim && : >victim/LOCK && : >victim/keep.txt || exit 99
"$COPS_INDEX_PROG" -i swapped/idx - <feed >swap.out 2>swap.err &
swap_pid=$!
exec 3>feed
_n=0
while [ ! -e swapped/idx/LOCK ] && [ $_n -lt 300 ]; do sleep 0.1; _n=$((_n + 1)); done
mv swapped/idx swapped/moved && ln -s ../victim swapped/idx || exit 99
exec 3>&-
wait $swap_pid
check "the swapped first build fails (exit 2)" [ $? = 2 ]
check "the file behind the link is untouched" test -e victim/LOCK
check "and so is the rest of that folder" test -e victim/keep.txt
check "the link is left alone" test -L swapped/idx
check "the folder the build made is emptied" test -z "$(ls -A swapped/moved)"
# --- the Xapian engine: the same identities, and a clear refusal of roots --------
if "$COPS_INDEX_PROG" -q --engine xapian -i xdb area/docs >/dev/null 2>&1; then
    expect_exit 0 "Xapian: ids" -- cops_query -i xdb --ids -n 20 'grant OR river OR lantern OR zebra'
    sort "$OUT" >xapian.ids
    expect_exit 0 "native: ids" -- cops_index -q -i xnative area/docs
    expect_exit 0 "native: ids" -- cops_query -i xnative --ids -n 20 'grant OR river OR lantern OR zebra'
    sort "$OUT" >native.ids
    check "both engines give the same identities" cmp -s xapian.ids native.ids
    expect_exit 2 "Xapian: no path is refused" -- cops_index --engine xapian -i xdb
    expect_stderr_contains "keeps no roots" "it says why"
    expect_exit 2 "Xapian: --remove is refused" -- cops_index --engine xapian -i xdb --remove area/docs
    expect_exit 2 "Xapian: --roots is refused" -- cops_index -i xdb --roots
    expect_stderr_contains "keeps no roots" "it says why"
else
    skip "the Xapian engine" "not built in"
fi

done_testing
