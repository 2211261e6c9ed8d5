#!/bin/sh
# The native index directory as hostile file-system objects (issue 15,
# items 3, 4 and 7).  An index directory may come from someone else, so:
#   - cops-index creates, replaces and removes only files it made: the
#     writer's exact names, regular files only; user files whose names
#     merely start like ours survive; a directory holding other files and
#     no MANIFEST, or a path that is a file, is refused;
#   - a symbolic link at any name the writer makes is never followed: its
#     target (a victim outside) stays as it was, and either the build
#     succeeds with the link untouched or it fails with a clear error;
#   - readers (cops-query, cops-index --check, --stats, an update) give a
#     one-line error, exit 2, for a FIFO, a device, a symbolic link or an
#     oversized file in place of any index file, never a hang (timeout 10)
#     nor an unbounded read.
# Every scenario lists and hashes a sentinel tree around the index (files
# beside it, a victim file and a victim folder) before and after.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
W=$TMP/world
mkdir "$W" "$W/victims" "$W/in" || exit 99
echo "the victim's own words" >"$W/victim"
echo "notes beside the index" >"$W/beside.txt"
echo "keep me" >"$W/victims/kept.txt"
printf 'grant proposal one\n' >"$W/in/a.txt"
printf 'other words entirely\n' >"$W/in/c.txt"
INDEX=$COPS_INDEX_PROG
QUERY=$COPS_QUERY_PROG
T='timeout -k 2 10'
# The second root of every index, outside the sentinel tree (idx*): an
# update refreshes it after b.txt vanished and e.txt appeared.
SOME="$W/idx-in"

# snapshot: every path of the sentinel tree (the index directories
# world/idx* excluded) with its kind and content hash or link target.
snapshot()
{
    find "$W" -name 'idx*' -prune -o -print | LC_ALL=C sort | while IFS= read -r f; do
        if [ -L "$f" ]; then
            echo "link $f -> $(readlink "$f")"
        elif [ -f "$f" ]; then
            echo "file $f $(cksum <"$f")"
        elif [ -d "$f" ]; then
            echo "dir $f"
        else
            echo "other $f"
        fi
    done
}
snapshot >"$TMP/sentinel.before"

# untouched LABEL: the sentinel tree is exactly as at the start.
untouched()
{
    snapshot >"$TMP/sentinel.now"
    if cmp -s "$TMP/sentinel.before" "$TMP/sentinel.now"; then
        pass "$1: nothing outside the index changed"
    else
        fail "$1: nothing outside the index changed" \
            "$(diff "$TMP/sentinel.before" "$TMP/sentinel.now" | head -20)"
    fi
}

# fresh DIR: an index of world/in and $SOME holding b.txt (generation 1)
# at DIR; changed: $SOME without b.txt and with e.txt, which an update of
# $SOME turns into a new segment and a deletion bitmap.
fresh()
{
    rm -rf "$1" "$SOME" && mkdir "$SOME" && printf 'grant proposal two\n' >"$SOME/b.txt"
    "$INDEX" -q -i "$1" "$W/in" "$SOME" >/dev/null 2>&1 || echo "could not build $1" >&2
}
changed()
{
    rm -f "$SOME/b.txt" && printf 'a new text\n' >"$SOME/e.txt"
}

# with_deletions DIR: generation 2 with a deletion bitmap
# (del-000001-000002.bits) and a catalog (files-000002.cat): world/in
# without b.txt.
with_deletions()
{
    fresh "$1" && changed
    "$INDEX" -q -i "$1" "$SOME" >/dev/null 2>&1 || echo "could not update $1" >&2
}

# ---------------------------------------------------------------- item 3
# The issue's repro: user files in a directory that holds no index.
mkdir "$W/idx1"
echo x >"$W/idx1/files-2024-notes.txt"
echo y >"$W/idx1/seg-report.txt"
expect_exit 2 "a folder of user files and no MANIFEST is refused" -- \
    $T "$INDEX" --index "$W/idx1" "$W/in"
expect_stderr_contains "is not empty and holds no cops index"
check "the user's files-2024-notes.txt survives" test "$(cat "$W/idx1/files-2024-notes.txt")" = x
check "the user's seg-report.txt survives" test "$(cat "$W/idx1/seg-report.txt")" = y
check "nothing was added to the refused folder" test "$(ls -A "$W/idx1" | wc -l)" -eq 2
untouched "refused folder"
# A folder whose MANIFEST is someone else's (a Perl distribution lists
# its files in one): the build took it for a damaged index and renamed
# its own manifest over the user's file.
mkdir "$W/perl-dist"
printf 'MANIFEST\nMakefile.PL\n' >"$W/perl-dist/MANIFEST"
echo 'use strict;' >"$W/perl-dist/Makefile.PL"
cp "$W/perl-dist/MANIFEST" "$W/perl-manifest.orig"
expect_exit 2 "a folder with a MANIFEST that is not cops's is refused" -- \
    $T "$INDEX" --index "$W/perl-dist" "$W/in"
expect_stderr_contains "not a cops manifest"
check "the user's MANIFEST survives" cmp -s "$W/perl-dist/MANIFEST" "$W/perl-manifest.orig"
check "nothing was added to that folder" test "$(ls -A "$W/perl-dist" | wc -l)" -eq 2
printf 'MANIFEST\n' >"$W/perl-dist/MANIFEST"
rm "$W/perl-dist/Makefile.PL"
expect_exit 2 "also when the MANIFEST is all there is" -- $T "$INDEX" --index "$W/perl-dist" "$W/in"
check "the lone MANIFEST survives" test "$(cat "$W/perl-dist/MANIFEST")" = MANIFEST

# An empty folder, a new one and the default .cops are fine.
mkdir "$W/idx-empty"
expect_exit 0 "an empty existing folder takes an index" -- $T "$INDEX" -q -i "$W/idx-empty" "$W/in"
mkdir "$TMP/cwd" && cd "$TMP/cwd" || exit 99
expect_exit 0 "the default .cops is created in the current folder" -- $T "$INDEX" -q "$W/in"
check ".cops holds a MANIFEST" test -f "$TMP/cwd/.cops/MANIFEST"
cd "$TMP" || exit 99

# A path that is a file is never replaced by an index.
echo important >"$W/notes.txt"
snapshot >"$TMP/sentinel.before"
expect_exit 2 "an index path that is a file is refused" -- $T "$INDEX" -i "$W/notes.txt" "$W/in"
expect_stderr_contains "not a directory"
untouched "index path is a file"

# Inside an index: user files with names like ours survive every kind of
# run (update, merge, rebuild); regular leftovers with our exact names go.
fresh "$W/idx2"
for name in files-2024-notes.txt seg-report.txt seg-12.cops seg-000001.cops.bak \
    seg-0000001.cops run-1.tmp run-000001.tmp.old del-x.bits del-000001-2.bits \
    files-000001.cat.old MANIFEST.bak MANIFEST.tmp.keep LOCK.old notes; do
    echo "user $name" >"$W/idx2/$name"
done
mkfifo "$W/idx2/seg-000009.cops"
ln -s "$W/victim" "$W/idx2/files-000007.cat"
mkdir "$W/idx2/del-000001-000008.bits"
echo leftover >"$W/idx2/seg-000005.cops"
echo leftover >"$W/idx2/run-000003.tmp"
echo leftover >"$W/idx2/files-000004.cat.tmp"
echo leftover >"$W/idx2/MANIFEST.1.tmp"
printf 'grant proposal three\n' >"$W/in/d.txt"
expect_exit 0 "update of an index holding user files" -- $T "$INDEX" -q -i "$W/idx2" "$W/in"
expect_exit 0 "--merge of it" -- $T "$INDEX" -q -i "$W/idx2" --merge "$W/in"
expect_exit 0 "--rebuild of it" -- $T "$INDEX" -q -i "$W/idx2" --rebuild "$W/in"
lost=
for name in files-2024-notes.txt seg-report.txt seg-12.cops seg-000001.cops.bak \
    seg-0000001.cops run-1.tmp run-000001.tmp.old del-x.bits del-000001-2.bits \
    files-000001.cat.old MANIFEST.bak MANIFEST.tmp.keep LOCK.old notes; do
    [ "$(cat "$W/idx2/$name" 2>/dev/null)" = "user $name" ] || lost="$lost $name"
done
check "user files with prefix-like names survive (lost:${lost:- none})" test -z "$lost"
check "a FIFO with a generated name is left alone" test -p "$W/idx2/seg-000009.cops"
check "a symbolic link with a generated name is left alone" test -L "$W/idx2/files-000007.cat"
check "a folder with a generated name is left alone" test -d "$W/idx2/del-000001-000008.bits"
left=
for name in seg-000005.cops run-000003.tmp files-000004.cat.tmp MANIFEST.1.tmp; do
    [ -e "$W/idx2/$name" ] && left="$left $name"
done
check "regular leftovers with the writer's exact names are removed (left:${left:- none})" \
    test -z "$left"
expect_exit 0 "the index checks sound" -- $T "$INDEX" -i "$W/idx2" --check
rm -f "$W/in/d.txt"
snapshot >"$TMP/sentinel.before"
untouched "user files in the index"

# ---------------------------------------------------------------- item 4
# link_build LABEL NAME DIR ARGS...: NAME in DIR is a symbolic link to the
# victim ($TARGET: the victim file unless set); a run of cops-index with ARGS must leave the victim and the link
# as they were, and either succeed (the index then answers) or fail with a
# one-line error naming the file.
link_build()
{
    _label=$1 _name=$2 _dir=$3
    shift 3
    rm -f "$_dir/$_name"
    ln -s "${TARGET:-$W/victim}" "$_dir/$_name"
    run $T "$INDEX" -q -i "$_dir" "$@"
    if [ "$RC" = 0 ]; then
        pass "$_label: the build succeeds around the link"
        run $T "$QUERY" -i "$_dir" grant
        check "$_label: the index answers" test "$RC" = 0
    elif [ "$RC" = 2 ] && grep -q -F "$_name" "$ERR"; then
        pass "$_label: a clear error naming $_name"
    else
        fail "$_label: succeeds, or fails with an error naming $_name" "exit $RC"
    fi
    check "$_label: the link is still there" test -L "$_dir/$_name"
    untouched "$_label"
}

# The names a first build makes (generation 1).
for name in MANIFEST MANIFEST.tmp LOCK seg-000001.cops files-000001.cat files-000001.cat.tmp; do
    rm -rf "$W/idx3" && mkdir "$W/idx3"
    link_build "first build, $name links outside" "$name" "$W/idx3" "$W/in"
done
# A spill run: enough text for --memory 16 to spill.
mkdir "$W/big"
for f in 0 1 2 3 4 5 6 7; do
    gen_jsonl_part "$W/big" "part$f.jsonl" "$f" grant 1000
done
rm -rf "$W/idx3" && mkdir "$W/idx3"
snapshot >"$TMP/sentinel.before"
link_build "first build with spills, run-000000.tmp links outside" run-000000.tmp "$W/idx3" \
    --memory 16 "$W/big"
rm -rf "$W/big"
snapshot >"$TMP/sentinel.before"

# The names an update makes (generation 2): with a file removed, a
# deletion bitmap and a catalog.
for name in MANIFEST MANIFEST.tmp LOCK seg-000002.cops files-000002.cat files-000002.cat.tmp \
    del-000001-000002.bits del-000001-000002.bits.tmp; do
    fresh "$W/idx4" && changed
    snapshot >"$TMP/sentinel.before"
    link_build "update, $name links outside" "$name" "$W/idx4" "$SOME"
    [ "$name" = MANIFEST ] && continue # (the test replaced the index's own manifest)
    run $T "$INDEX" -i "$W/idx4" --check
    check "update, $name links outside: the index still checks sound" test "$RC" = 0
done

# The same with a folder outside as the target.
TARGET=$W/victims
for name in MANIFEST MANIFEST.tmp LOCK seg-000002.cops files-000002.cat del-000001-000002.bits; do
    fresh "$W/idx4" && changed
    link_build "update, $name links to a folder outside" "$name" "$W/idx4" "$SOME"
done
TARGET=

# LOCK as a second name (hard link) of someone's file is not written.
fresh "$W/idx5"
rm -f "$W/idx5/LOCK"
if ln "$W/victim" "$W/idx5/LOCK" 2>/dev/null; then
    expect_exit 2 "LOCK hard-linked to a file outside is refused" -- \
        $T "$INDEX" -q -i "$W/idx5" "$W/in"
    expect_stderr_contains "LOCK is not a regular file of its own"
    untouched "LOCK hard-linked outside"
    rm -f "$W/idx5/LOCK"
else
    skip "LOCK hard-linked to a file outside is refused" "cannot make a hard link here"
fi

# ---------------------------------------------------------------- item 7
# readers LABEL DIR WHAT [COMMANDS]: every reader (default: query check
# stats update) fails at once with exit 2 and says WHAT instead of hanging
# or reading without end.
readers()
{
    _label=$1 _dir=$2 _what=$3
    for _cmd in ${4:-query check stats update}; do
        case $_cmd in
        query) run $T "$QUERY" -i "$_dir" grant ;;
        check) run $T "$INDEX" -i "$_dir" --check ;;
        stats) run $T "$INDEX" -i "$_dir" --stats ;;
        update) run $T "$INDEX" -q -i "$_dir" "$W/in" ;;
        esac
        if [ "$RC" = 2 ] && grep -q -F -e "$_what" "$ERR"; then
            pass "$_label: $_cmd fails at once with '$_what'"
        else
            fail "$_label: $_cmd fails at once with '$_what'" "exit $RC (124: timed out)"
        fi
    done
    untouched "$_label"
}

fresh "$W/idx6" && rm "$W/idx6/seg-000001.cops" && mkfifo "$W/idx6/seg-000001.cops"
readers "a FIFO segment" "$W/idx6" "seg-000001.cops is not a regular file (a FIFO)"
fresh "$W/idx6" && rm "$W/idx6/seg-000001.cops" && ln -s /dev/zero "$W/idx6/seg-000001.cops"
readers "a segment linked to /dev/zero" "$W/idx6" "seg-000001.cops is not a regular file"
fresh "$W/idx6" && cp "$W/idx6/seg-000001.cops" "$W/victims/seg.copy" &&
    rm "$W/idx6/seg-000001.cops" && ln -s "$W/victims/seg.copy" "$W/idx6/seg-000001.cops"
snapshot >"$TMP/sentinel.before"
readers "a segment linked to a sound segment outside" "$W/idx6" \
    "seg-000001.cops is not a regular file (a symbolic link"
rm -f "$W/victims/seg.copy"
snapshot >"$TMP/sentinel.before"
fresh "$W/idx6" && rm "$W/idx6/MANIFEST" && mkfifo "$W/idx6/MANIFEST"
readers "a FIFO MANIFEST" "$W/idx6" "MANIFEST is not a regular file (a FIFO)"
fresh "$W/idx6" && rm "$W/idx6/MANIFEST" && ln -s /dev/zero "$W/idx6/MANIFEST"
readers "MANIFEST linked to /dev/zero" "$W/idx6" "MANIFEST is not a regular file"
fresh "$W/idx6" && head -c 9000 /dev/zero | tr '\0' '\n' >>"$W/idx6/MANIFEST"
# (An update takes a damaged manifest for no index and starts over,
# FORMAT.md §1 step 2.)
readers "a MANIFEST of 9 KB" "$W/idx6" "more than the 8191 it may hold" "query check stats"

# The deletion bitmap and the catalog: an update and --check read both;
# queries and --stats read the bitmap.
with_deletions "$W/idx7"
check "the update made a deletion bitmap" test -f "$W/idx7/del-000001-000002.bits"
cp -R "$W/idx7" "$TMP/sound"
for kind in fifo zero big; do
    rm -rf "$W/idx7" && cp -R "$TMP/sound" "$W/idx7"
    f=$W/idx7/del-000001-000002.bits
    case $kind in
    fifo) rm "$f" && mkfifo "$f" && what="del-000001-000002.bits is not a regular file (a FIFO)" ;;
    zero) rm "$f" && ln -s /dev/zero "$f" && what="del-000001-000002.bits is not a regular file" ;;
    big) head -c 100000 /dev/zero >>"$f" && what="more than the 25 it may hold" ;;
    esac
    readers "deletions: $kind" "$W/idx7" "$what"
done
for kind in fifo zero big; do
    rm -rf "$W/idx7" && cp -R "$TMP/sound" "$W/idx7"
    f=$W/idx7/files-000002.cat
    case $kind in
    fifo) rm "$f" && mkfifo "$f" && what="files-000002.cat is not a regular file (a FIFO)" ;;
    zero) rm "$f" && ln -s /dev/zero "$f" && what="files-000002.cat is not a regular file" ;;
    # (beyond the room of 4096 roots of 4095 bytes)
    big) head -c 17000000 /dev/zero >>"$f" && what="it may hold" ;;
    esac
    for cmd in check update; do
        if [ "$cmd" = check ]; then
            run $T "$INDEX" -i "$W/idx7" --check
        else
            run $T "$INDEX" -q -i "$W/idx7" "$W/in"
        fi
        if [ "$RC" = 2 ] && grep -q -F -e "$what" "$ERR"; then
            pass "catalog: $kind: $cmd fails at once with '$what'"
        else
            fail "catalog: $kind: $cmd fails at once with '$what'" "exit $RC (124: timed out)"
        fi
    done
    expect_exit 0 "catalog: $kind: queries do not read it" -- $T "$QUERY" -i "$W/idx7" grant
    untouched "catalog: $kind"
done

# A FIFO LOCK: an update fails at once; the readers take no lock.
fresh "$W/idx8" && rm "$W/idx8/LOCK" && mkfifo "$W/idx8/LOCK"
expect_exit 2 "a FIFO LOCK: an update fails at once" -- $T "$INDEX" -q -i "$W/idx8" "$W/in"
expect_stderr_contains "LOCK is not a regular file (a FIFO)"
check "a FIFO LOCK is left alone" test -p "$W/idx8/LOCK"
expect_exit 0 "a FIFO LOCK: queries still answer" -- $T "$QUERY" -i "$W/idx8" grant
untouched "a FIFO LOCK"

# A catalog (CRC made right) whose records entry names documents far
# past its segment: an update reading records walked that range through
# the deletion bitmap, which is not bounds checked, and crashed (exit 139
# before the fix).  It is damage, said at once, and nothing changes.
mkdir "$W/idx9in" || exit 99
printf '{"id":"r-1","text":"recordokapi one"}\n{"id":"r-2","text":"recordokapi two"}\n' >"$W/idx9in/r.jsonl"
printf '{"id":"r-1","text":"recordokapi again"}\n' >"$W/again.jsonl"
expect_exit 0 "a records index" -- $T "$INDEX" -q -i "$W/idx9" "$W/idx9in"
python3 - "$W/idx9" <<'PY' || exit 99
import glob, struct, sys, zlib
path = glob.glob(sys.argv[1] + "/files-*.cat")[0]
b = bytearray(open(path, "rb").read())
def varint(at):
    value = shift = 0
    while True:
        byte = b[at]; at += 1; value |= (byte & 0x7F) << shift; shift += 7
        if byte < 0x80:
            return value, at
n, at = varint(16)          # the only entry: its path,
n, at = varint(at + n + 28) # its fixed fields and segment name,
struct.pack_into("<I", b, at + n, 4000000000)  # then first_doc
struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])))
open(path, "wb").write(b)
PY
expect_exit 2 "a catalog naming documents past its segment: an update fails" -- \
    $T "$INDEX" -q -i "$W/idx9" "$W/again.jsonl"
expect_stderr_contains "damaged index: the documents of $W/idx9in/r.jsonl are not in seg-"
expect_exit 0 "... and the index still answers as before" -- $T "$QUERY" -i "$W/idx9" --count recordokapi
expect_stdout_is "2" "... both records, unchanged"

# The index directory swapped for a symbolic link mid-run, by someone who
# may write its parent: the build goes on in the directory it started in
# (held open), and never writes or reads through the link, here to
# another index of the user's.  Before the fix the commit replaced that
# index's MANIFEST and catalog by path (its queries then failed on a
# segment of the wrong size), and a merge would have read its segments.
snapshot >"$TMP/sentinel.before"
expect_exit 0 "the user's other index" -- $T "$INDEX" -q -i "$W/idxV" "$W/in"
expect_exit 0 "the index to be swapped" -- $T "$INDEX" -q -i "$W/idxS" "$W/in/c.txt"
other_index() { for f in "$W/idxV"/*; do echo "$f $(cksum <"$f")"; done; }
other_index >"$TMP/other.before"
other_count=$($T "$QUERY" -i "$W/idxV" --count grant)
rm -f "$TMP/feed" && mkfifo "$TMP/feed" || exit 99
$T "$INDEX" -q -i "$W/idxS" --merge --format text - <"$TMP/feed" >"$TMP/swap.out" 2>&1 &
swapped_pid=$!
exec 3>"$TMP/feed"
tries=0 # until the build has made its segment (begun, reading standard input)
while [ ! -f "$W/idxS/seg-000002.cops" ] && [ $tries -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
mv "$W/idxS" "$W/idxS.moved" && ln -s idxV "$W/idxS" || exit 99
echo "swappedokapi words from standard input" >&3
exec 3>&-
wait $swapped_pid
check "a build whose directory is swapped mid-run commits (exit 0)" test $? = 0
other_index >"$TMP/other.after"
check "... and the index the link names is untouched" cmp -s "$TMP/other.before" "$TMP/other.after"
expect_exit 0 "... which answers as before" -- $T "$QUERY" -i "$W/idxV" --count grant
expect_stdout_is "$other_count" "... the same count"
expect_exit 0 "the directory it started in holds the commit" -- \
    $T "$QUERY" -i "$W/idxS.moved" --count swappedokapi
expect_stdout_is "1" "... the new document"
expect_exit 0 "... merged with the one before" -- $T "$QUERY" -i "$W/idxS.moved" --count words
expect_stdout_is "2" "... both documents"
rm "$W/idxS"
untouched "an index directory swapped for a link mid-run"

done_testing
