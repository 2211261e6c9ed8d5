#!/bin/sh
# The programs that read an index (cops-query, cops-index --check,
# --stats, --roots) against someone who may write the index's parent
# folder: every reader opens the index directory once and reads the
# MANIFEST and every file it names through that descriptor, so the folder
# swapped for a link to another index of the user's between two of the
# reader's steps cannot make one answer of two indexes' files (the fault
# shim swaps it at the first opening of a chosen file: COPS_FAULT_SWAP_NAME).
# Before the fix the reader opened each file by path: the MANIFEST of one
# index with the segments, the deletion bitmap or the catalog of the
# other.  Also: a MANIFEST naming a file outside the folder is damage,
# and no reader creates, changes or removes anything in an index.
. "$COPS_SRCDIR/tests/cli/lib.sh"
fault_shim enospc

cd "$TMP" || exit 99
T='timeout -k 2 10'
mkdir inS inV || exit 99
printf 'alpha words one\n' >inS/a.txt
printf 'bravo words two, and several more words here to differ in size\n' >inV/b.txt
expect_exit 0 "the index named (alpha)" -- $T "$INDEX" -q -i S.sound "$TMP/inS"
expect_exit 0 "the user's other index (bravo, more words)" -- $T "$INDEX" -q -i V "$TMP/inV"

# state DIR: every file of DIR with its checksum.
state() { for f in "$1"/*; do echo "$f $(cksum <"$f")"; done; }
state V >other.before

# swapped NAME LABEL COMMAND...: run COMMAND (a reader of $TMP/S, a fresh
# copy of S.sound) while the shim swaps S for a link to V just before the
# first file named NAME is opened in it; the swap must have happened, and
# V must be untouched.
swapped()
{
    _name=$1 _label=$2
    shift 2
    rm -rf S S.moved && cp -R S.sound S || exit 99
    rm -f swap.report
    run $T env COPS_FAULT_SWAP_FOLDER='*/S' COPS_FAULT_SWAP_NAME="$_name" \
        COPS_FAULT_SWAP_TARGET="$TMP/V" COPS_FAULT_REPORT="$TMP/swap.report" \
        LD_PRELOAD="$SHIM" "$@"
    check "$_label: the folder was swapped before $_name" grep -q "failed 1" swap.report
    state V >other.after
    check "$_label: the other index is untouched" cmp -s other.before other.after
}

# Between the MANIFEST and the segment: before the fix the query searched
# V's segment under S's manifest (bravo found in S), --check checked V's
# segment against S's manifest (exit 2, "file is 876 bytes, MANIFEST says
# 676") and --stats counted V's keys.
swapped 'seg-*' "query, swapped before the segment" "$QUERY" -i "$TMP/S" --count bravo
check "... S holds no bravo (exit 1)" test "$RC" = 1
swapped 'seg-*' "query, swapped before the segment" "$QUERY" -i "$TMP/S" --count alpha
check "... S's alpha is found (exit 0)" test "$RC" = 0
expect_stdout_is 1 "... once"
swapped 'seg-*' "--check, swapped before the segment" "$INDEX" -i "$TMP/S" --check
check "... S checks sound (exit 0)" test "$RC" = 0
expect_stdout_contains "no problems found (1 live documents, 6 keys"
swapped 'seg-*' "--stats, swapped before the segment" "$INDEX" -i "$TMP/S" --stats
check "... exit 0" test "$RC" = 0
check "... S's 6 keys, not V's" grep -q '^terms  *6$' "$OUT"

# Between the MANIFEST and the catalog: before the fix --roots printed V's
# root as S's.
swapped 'files-*' "--roots, swapped before the catalog" "$INDEX" -i "$TMP/S" --roots
check "... exit 0" test "$RC" = 0
expect_stdout_is "$TMP/inS" "... S's root"

# Between two reads of one listing: --stats printed the statistics of
# the index it opened and then read the formats again by path, --roots
# the roots and then each root's patterns, so the folder swapped in
# between gave S's documents with V's formats (2 text), S's root with
# V's patterns (none).  S: one root with --glob, one file of two; V: the
# same root, both files.
rm -rf S.sound V in && mkdir in || exit 99
printf 'alpha one\n' >in/a.txt
printf 'alpha two\n' >in/b.txt
expect_exit 0 "an index of one file of two (--glob)" -- \
    $T "$INDEX" -q -i S.sound --glob '*a.txt' "$TMP/in"
expect_exit 0 "the user's other index of both" -- $T "$INDEX" -q -i V "$TMP/in"
state V >other.before
swapped 'seg-*' "--stats, swapped after the statistics' catalog" "$INDEX" -i "$TMP/S" --stats
check "... exit 0" test "$RC" = 0
check "... S's one document" grep -q '^documents  *1$' "$OUT"
check "... S's formats (1 text), not V's" grep -q '^formats  *1 text$' "$OUT"
swapped 'files-*' "--roots, swapped before the catalog" "$INDEX" -i "$TMP/S" --roots
check "... exit 0" test "$RC" = 0
check "... S's root with S's pattern" test "$(cat "$OUT")" = "$TMP/in
  --glob *a.txt"

# Between the segment and the deletion bitmap: S and V hold the same
# segment and manifest, S with b.txt deleted, V with c.txt.  Before the
# fix the query applied V's bitmap to S's segment: b.txt's words came
# back and c.txt's vanished.
rm -rf S.sound V in && mkdir in || exit 99
printf 'grant alpha\n' >in/a.txt
printf 'grant bravo\n' >in/b.txt
printf 'grant charlie\n' >in/c.txt
expect_exit 0 "an index of three files" -- $T "$INDEX" -q -i S.sound "$TMP/in"
cp -R S.sound V && mv in/b.txt b.txt || exit 99
expect_exit 0 "... b.txt deleted in one" -- $T "$INDEX" -q -i S.sound "$TMP/in"
mv b.txt in/b.txt && mv in/c.txt c.txt || exit 99
expect_exit 0 "... c.txt in the other" -- $T "$INDEX" -q -i V "$TMP/in"
check "both have the same manifest" cmp -s S.sound/MANIFEST V/MANIFEST
state V >other.before
swapped 'del-*' "query, swapped before the bitmap" "$QUERY" -i "$TMP/S" --count bravo
check "... the deleted b.txt stays deleted (exit 1)" test "$RC" = 1
swapped 'del-*' "query, swapped before the bitmap" "$QUERY" -i "$TMP/S" --count charlie
check "... c.txt is found (exit 0)" test "$RC" = 0

# manifest_with LINE: S.sound's MANIFEST with its segment line replaced by
# LINE, the checksum made right, in a fresh copy S.
manifest_with()
{
    rm -rf S && cp -R S.sound S || exit 99
    python3 - S/MANIFEST "$1" <<'PY' || exit 99
import sys, zlib
path, line = sys.argv[1], sys.argv[2]
lines = [line if l.startswith("segment ") else l
         for l in open(path).read().splitlines() if not l.startswith("checksum ")]
body = "".join(l + "\n" for l in lines)
open(path, "w").write(body + "checksum %08x\n" % zlib.crc32(body.encode()))
PY
}
# Names in a MANIFEST are plain names inside its folder (no '/', no
# leading '.'): one naming another index's segment is damage, said at
# once, never read.
for name in ../V/seg-000001.cops "$TMP/V/seg-000001.cops" .. ..seg-000001.cops; do
    manifest_with "segment $name 836 3 deletions del-000001-000002.bits 1"
    for cmd in query check stats; do
        case $cmd in
        query) run $T "$QUERY" -i S grant ;;
        check) run $T "$INDEX" -i S --check ;;
        stats) run $T "$INDEX" -i S --stats ;;
        esac
        if [ "$RC" = 2 ] && grep -q "bad segment line" "$ERR"; then
            pass "MANIFEST naming $name: $cmd fails with 'bad segment line'"
        else
            fail "MANIFEST naming $name: $cmd fails with 'bad segment line'" "exit $RC"
        fi
    done
done
manifest_with "segment seg-000001.cops 836 3 deletions ../V/del-000001-000002.bits 1"
expect_exit 2 "a deletion bitmap named outside: the query fails" -- $T "$QUERY" -i S grant
expect_stderr_contains "bad deletions"

# No reader writes: with no LOCK (a reader never takes one) and a
# deletion bitmap and catalog, every reader leaves the folder as it was.
rm -rf S && cp -R S.sound S && rm -f S/LOCK || exit 99
state S >index.before
ls -a S >names.before
for args in "--count grant" "--json grant" "--ids grant"; do
    # shellcheck disable=SC2086
    expect_exit 0 "query $args" -- $T "$QUERY" -i S $args
done
expect_exit 0 "--check" -- $T "$INDEX" -i S --check
expect_exit 0 "--stats" -- $T "$INDEX" -i S --stats
expect_exit 0 "--roots" -- $T "$INDEX" -i S --roots
expect_exit 0 "--dump" -- $T "$INDEX" -i S --dump grant
state S >index.after
ls -a S >names.after
check "no reader created a file (no LOCK, no temporary)" cmp -s names.before names.after
check "no reader changed a file" cmp -s index.before index.after

done_testing
