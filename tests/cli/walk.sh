#!/bin/sh
# What a walk indexes (man cops-index, "What is walked"): symbolic links
# are skipped unless --follow, hidden entries unless --hidden, and
# .copsignore files, --exclude and --glob choose the rest; an update
# applies the same choice, so a file newly left out is removed.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

ids()   # INDEX: the sorted identifiers of every document holding 'alpha'
{
    run "$COPS_QUERY_PROG" -i "$1" --ids -n 100 alpha
    sort "$OUT"
}

mkdir -p d/sub d/.hid d/build d/keep outside
echo "alpha one" >d/a.txt
echo "alpha two" >d/sub/b.md
echo "alpha hidden" >d/.hid/h.txt
echo "alpha dot" >d/.dotfile
echo "alpha built" >d/build/x.txt
echo "alpha log" >d/sub/y.log
echo "alpha kept" >d/keep/k.log
echo "alpha outside" >outside/o.txt
ln -s ../a.txt d/sub/link.txt
ln -s ../outside d/out
printf '# build output and logs, but keep/ logs\nbuild/\n*.log\n!keep/*.log\n' >d/.copsignore

expect_exit 0 "index with the defaults" -- cops_index -q -i i1 d
ids i1 >i1.ids
check "links, hidden entries and ignored files are left out" \
    test "$(cat i1.ids)" = "d/a.txt
d/keep/k.log
d/sub/b.md"

expect_exit 0 "--follow" -- cops_index -q -i i2 --follow d
ids i2 >i2.ids
check "--follow reads the link to a file and the linked folder, by their paths" \
    test "$(cat i2.ids)" = "d/a.txt
d/keep/k.log
d/out/o.txt
d/sub/b.md
d/sub/link.txt"
ln -s .. d/sub/loop
expect_exit 0 "--follow with a link back up" -- cops_index -q -i i2b --follow d
expect_stderr_contains "directory loop" "the loop is skipped with a warning"
rm d/sub/loop
# An update with --follow: a file under a linked folder that cannot be
# read now (a link to itself) keeps its documents, as any unreadable file
# does: its identity is the walk's path, not one through the link.
mv outside/o.txt outside/o.real && ln -s o.txt outside/o.txt || exit 99
expect_exit 0 "--follow update with a file that cannot be read" -- cops_index -q -i i2 --follow d
expect_stderr_contains "o.txt: cannot read" "it is a warning"
ids i2 >i2b.ids
check "its documents stay" grep -qx 'd/out/o.txt' i2b.ids
rm outside/o.txt && mv outside/o.real outside/o.txt || exit 99

expect_exit 0 "--hidden" -- cops_index -q -i i3 --hidden d
ids i3 >i3.ids
check "--hidden reads hidden files and folders, never .copsignore" \
    test "$(cat i3.ids)" = "d/.dotfile
d/.hid/h.txt
d/a.txt
d/keep/k.log
d/sub/b.md"

expect_exit 0 "--glob" -- cops_index -q -i i4 --glob '*.md' --glob 'keep/**' d
ids i4 >i4.ids
check "--glob keeps only the files that match one pattern" \
    test "$(cat i4.ids)" = "d/keep/k.log
d/sub/b.md"

expect_exit 0 "--exclude" -- cops_index -q -i i5 --exclude sub/ --exclude '/keep' d
ids i5 >i5.ids
check "--exclude leaves out folders (anchored or not)" test "$(cat i5.ids)" = "d/a.txt"

expect_exit 0 "a file named is read whatever the patterns" -- cops_index -q -i i6 d/build/x.txt
ids i6 >i6.ids
check "the file named was read" test "$(cat i6.ids)" = "d/build/x.txt"

# An update applies the same rules: a pattern added to .copsignore takes
# its files out of the index at the next refresh.
printf '/b.md\n' >d/sub/.copsignore
expect_exit 0 "refresh after .copsignore changed" -- cops_index -i i1 d
expect_stderr_contains "1 removed" "the newly ignored file is removed"
ids i1 >i1.ids
check "a nested .copsignore applies to its folder" test "$(cat i1.ids)" = "d/a.txt
d/keep/k.log"
expect_exit 0 "a fresh build with the same rules" -- cops_index -q -i i7 d
ids i7 >i7.ids
check "the update matches a fresh build" cmp -s i1.ids i7.ids

# A .copsignore is read for its first 1,000 patterns only (each is tried on
# every path below it, and whoever wrote the documents wrote it): past them
# a warning names the line, the rest is not applied (so more files are
# indexed) and the run still succeeds.
mkdir cap
for f in first last over other; do echo "alpha $f" >cap/$f.txt; done
{
    echo '# line 1, a comment'
    echo first.txt
    i=3
    while [ $i -le 1000 ]; do echo "/filler$i"; i=$((i + 1)); done
    echo last.txt
    echo over.txt
    echo '*.txt'
} >cap/.copsignore
expect_exit 0 "a .copsignore over the cap" -- cops_index -i i8 cap
expect_stderr_contains "cap/.copsignore:1002: more than 1000 patterns: this line and the rest not applied" \
    "the warning names the file and the first line not applied"
ids i8 >i8.ids
check "the first 1,000 patterns apply, the rest do not" test "$(cat i8.ids)" = "cap/other.txt
cap/over.txt"

# The .copsignore files in effect at once (a folder's and those of the
# folders above it) hold at most 10,000 patterns together: each path is
# tried against all of them, so nested folders each with a full file would
# cost depth x 1,000 per path.  A file gets the room the files above leave:
# here deep/l1 holds 500 patterns and l2..l10 1,000 each (9,500), so l11's
# 500th pattern applies and its 501st does not; l12 gets no room.
dir=deep
for level in 1 2 3 4 5 6 7 8 9 10 11 12; do
    dir=$dir/l$level
    mkdir -p "$dir" || exit 99
    case $level in
    1) awk 'BEGIN { for (i = 1; i <= 500; i++) print "/filler" i }' >"$dir/.copsignore" ;;
    11) {
        awk 'BEGIN { for (i = 1; i <= 499; i++) print "/filler" i }'
        echo keep.txt
        echo drop.txt
        echo '*.txt'
    } >"$dir/.copsignore" ;;
    12) echo '*.txt' >"$dir/.copsignore" ;;
    *) awk 'BEGIN { for (i = 1; i <= 1000; i++) print "/filler" i }' >"$dir/.copsignore" ;;
    esac
done
l11=deep/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11
for f in keep drop other; do echo "alpha $f" >$l11/$f.txt; done
echo "alpha x" >$l11/l12/x.txt
expect_exit 0 "nested .copsignore files over 10,000 patterns together" -- cops_index -i i9 deep
expect_stderr_contains "$l11/.copsignore:501: more than 10000 patterns with the .copsignore files of the folders above: this line and the rest not applied" \
    "the warning names the first line past the room left"
expect_stderr_contains "$l11/l12/.copsignore:1: more than 10000 patterns" \
    "a file with no room left is not applied, from its first pattern"
ids i9 >i9.ids
check "the patterns within the room apply, the rest do not" test "$(cat i9.ids)" = "$l11/drop.txt
$l11/l12/x.txt
$l11/other.txt"

# --- standard input: '-' ---------------------------------------------------------
printf '{"id":"s1","title":"From stdin","text":"alpha beta"}\n{"id":"s2","text":"alpha gamma"}\n' >records.in
stdin_from records.in
expect_exit 0 "cops-index - reads JSON Lines from standard input (sniffed)" -- cops_index -q -i i7 -
expect_exit 0 "its records" -- cops_query -i i7 --ids beta
expect_stdout_is "s1" "a record from standard input has its id"
expect_exit 0 "--check after reading standard input" -- cops_index -i i7 --check
expect_exit 0 "--roots" -- cops_index -i i7 --roots
expect_stdout_is "$TMP/d" "standard input is no root"
printf '{"id":"t1"}\n' >text.in
stdin_from text.in
expect_exit 0 "--format text reads it as one text document" -- cops_index -q -i i7 --format text -
expect_exit 0 "the text document" -- cops_query -i i7 --ids '"id t1"'
expect_stdout_is "-" "its identity is '-'"
expect_exit 1 "it replaced what standard input gave before" -- cops_query -i i7 --ids beta
expect_exit 2 "--format with an unknown name" -- cops_index -i i7 --format pdf -
expect_stderr_contains "--format takes" "it says which names"

# --- a tree deeper than a path can name -----------------------------------------
# Folders are opened through their parents' descriptors, so no path length
# stops the walk: a stranger's tree 20,000 levels deep crashed it (a stack
# frame a level).  Entries whose path is PATH_MAX long or longer (folders:
# with /.copsignore) are skipped, with one warning.
python3 -c '
import os
os.mkdir("abyss"); os.chdir("abyss")
open("top.txt", "w").write("alpha deeptop\n")
for i in range(20000):
    os.mkdir("d"); os.chdir("d")
open("bottom.txt", "w").write("alpha deepbottom\n")
' || exit 99
expect_exit 0 "a tree 20,000 folders deep is walked, not a crash" -- cops_index -q -i i8 abyss
expect_stderr_matches 'a path of [0-9]* bytes, too long, skipped' \
    "the entries past the longest path are skipped with a warning"
check "one warning, for them alone" test "$(wc -l <"$ERR")" = 1
expect_exit 0 "the top of the deep tree" -- cops_query -i i8 --count deeptop
expect_stdout_is 1 "its top document is indexed"
rm -rf abyss

# --- a named input whose path is too long -----------------------------------------
# Made absolute, a named input PATH_MAX long or longer is no identity an
# update can check: one line saying so (its path cut to 200 bytes), exit
# 2, nothing written; it was "out of memory".  A path given that long
# cannot even be read: one warning, cut likewise.
python3 -c '
import os
os.mkdir("long"); os.chdir("long")
for i in range(45):
    os.mkdir("d" * 100); os.chdir("d" * 100)
open("f.txt", "w").write("alpha longpath\n")
' || exit 99
here=$(pwd)
i=0
cd long || exit 99
while [ $i -lt 45 ]; do cd dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd || exit 99; i=$((i + 1)); done
expect_exit 2 "a named input whose absolute path is too long fails" -- cops_index -i "$here/i10" f.txt
cd "$here" || exit 99
expect_stderr_matches '^cops-index: f\.txt: input path too long' "it says what and where"
expect_stderr_lacks 'out of memory' "it is not out of memory"
check "no index is written" test ! -e i10
long=long$(printf '/%s' $(i=0; while [ $i -lt 45 ]; do echo dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; i=$((i + 1)); done))/f.txt
expect_exit 2 "a named input given PATH_MAX long or longer" -- cops_index -i i10 "$long"
expect_stderr_matches '^cops-index: warning: long/d{100}/d{94}\.\.\.: cannot read input' \
    "one warning, its path cut to 200 bytes"
check "no index is written" test ! -e i10
expect_exit 2 "--remove of that path fails" -- cops_index -i i10 --remove "$long"
expect_stderr_matches '^cops-index: long/d{100}/d{94}\.\.\.: input path too long' \
    "it says what and where, its path cut"
check "no index is written" test ! -e i10
rm -rf long

done_testing
