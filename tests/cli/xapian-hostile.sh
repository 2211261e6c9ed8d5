#!/bin/sh
# Hostile Xapian indexes (issue 15, items 1 and 2): opening an index runs
# nothing and follows nothing outside it, and a Xapian build replaces only
# an index cops built.  Every hostile case must end in a one-line error
# and exit 2, with no program run (the "pwned" file never appears) and
# nothing changed in a sentinel tree listed and hashed before and after.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus area || exit 99
printf 'Police grants for sanctuary cities.\n' >corpus/a.txt
printf 'Another grant to the city.\n' >corpus/b.txt
printf 'Nothing here.\n' >corpus/c.txt
PWNED=$TMP/pwned.txt

# Every entry under a tree: its type, and the sha256 of a file's bytes or
# a symlink's target.
tree_state()
{
    (cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r entry; do
        if [ -L "$entry" ]; then
            printf '%s link %s\n' "$entry" "$(readlink "$entry")"
        elif [ -f "$entry" ]; then
            printf '%s file %s\n' "$entry" "$(sha256sum <"$entry" | cut -d' ' -f1)"
        else
            printf '%s %s\n' "$entry" "$(stat -c %F "$entry")"
        fi
    done)
}

# The last run failed as a hostile index must: exit 2, one line on
# stderr mentioning $2, nothing run.
expect_refused()
{
    _what=$1
    shift
    _mention=$1
    shift
    expect_exit 2 "$_what: exit 2" -- "$@"
    check "$_what: one line on stderr" test "$(wc -l <"$ERR")" -eq 1
    expect_stderr_contains "$_mention" "$_what: the error says '$_mention'"
    check "$_what: no program ran" test ! -e "$PWNED"
    rm -f "$PWNED" # each case on its own
}

# Genuine indexes: one glass database, two shards, and a native index.
expect_exit 0 "a Xapian index" -- cops_index -q --engine xapian -i area/one corpus
expect_exit 0 "a sharded Xapian index" -- cops_index -q --engine xapian --shards 2 -i area/good corpus
expect_exit 0 "--shards databases still open through their stub" -- cops_query -i area/good -c grant
expect_stdout_is 2
expect_exit 0 "the single database opens" -- cops_query -i area/one -c grant
expect_stdout_is 2
# Xapian reads each database through a private folder of links to the
# files cops opened and checked (xapian_pin_glass), gone with the handle.
mkdir pins || exit 99
expect_exit 0 "the shards open through private folders" -- \
    env TMPDIR="$TMP/pins" "$COPS_BUILDDIR/cops-query" -i area/good -c grant
expect_stdout_is 2
check "no private folder is left behind" [ -z "$(ls -A pins)" ]
# Never in a $TMPDIR others may write without the sticky bit (they could
# swap the folder Xapian is handed): $XDG_RUNTIME_DIR instead.  A process
# killed while it searched leaves its folder; the next open sweeps it.
mkdir open safe hold.d && chmod 0777 open && chmod 0700 safe || exit 99
mkfifo hold.d/fifo || exit 99
env TMPDIR="$TMP/open" XDG_RUNTIME_DIR="$TMP/safe" "$COPS_BUILDDIR/cops-query" -i area/one \
    --batch --count <hold.d/fifo >/dev/null 2>&1 &
held=$!
exec 9>hold.d/fifo
tries=0
while [ -z "$(ls -A safe)" ] && [ "$tries" -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
check "a searching process's private folder is in \$XDG_RUNTIME_DIR" [ -n "$(ls -A safe)" ]
check "... never in a \$TMPDIR others may write without the sticky bit" [ -z "$(ls -A open)" ]
kill -9 "$held"
wait "$held" 2>/dev/null
exec 9>&-
check "killed, it leaves its folder" [ -n "$(ls -A safe)" ]
expect_exit 0 "the next open searches" -- \
    env TMPDIR="$TMP/open" XDG_RUNTIME_DIR="$TMP/safe" "$COPS_BUILDDIR/cops-query" -i area/one -c grant
check "... and sweeps the killed process's folder" [ -z "$(ls -A safe)" ]
rm -rf open safe hold.d
# Xapian's messages name the database as the user gave it, not the
# private folder it was handed.
cp -R area/one damaged || exit 99
printf 'garbage' | dd of=damaged/postlist.glass bs=1 conv=notrunc 2>/dev/null || exit 99
expect_exit 2 "a damaged table is an error" -- cops_query -i damaged grant
expect_stderr_matches "Xapian database damaged: .*Corrupt" "naming the database as given"
expect_stderr_lacks "cops-xapian-" "never the private folder"
rm -rf damaged
echo important >area/notes.txt
mkdir area/private && echo secret >area/private/secret.txt
cp -R area/good/shard-000 area/private/shard-000 || exit 99

# Hostile stubs, each in a directory of its own (DIR/XAPIANDB) holding
# copies of genuine shards, so only the stub line is at fault.
hostile()
{
    mkdir "area/$1" && cp -R area/good/shard-000 area/good/shard-001 "area/$1/" && printf "$2" >"area/$1/XAPIANDB"
}
hostile prog "remote :/bin/sh -c id>$PWNED\n"
hostile prog-after-shards "auto shard-000\nauto shard-001\nremote :/bin/sh -c id>$PWNED\n"
hostile prog-after-comment "# shards\n\nremote :/bin/sh -c id>$PWNED\n"
hostile prog-relative "remote :sh -c id>$PWNED\n"
hostile prog-spaces "remote :/bin/sh  -c  id>$PWNED\n"
hostile prog-tab "remote\t:/bin/sh -c id>$PWNED\n"
hostile prog-leading-space " remote :/bin/sh -c id>$PWNED\n"
hostile prog-crlf "remote :/bin/sh -c id>$PWNED\r\n"
hostile prog-no-newline "remote :/bin/sh -c id>$PWNED"
hostile remote-ssh "remote ssh localhost touch $PWNED\n"
hostile remote-host "remote 127.0.0.1:9\n"
hostile absolute "auto $TMP/area/private/shard-000\n"
hostile dotdot "auto ../private/shard-000\n"
hostile dotdot-inside "auto shard-000/../../private/shard-000\n"
hostile glass-absolute "glass $TMP/area/private/shard-000\n"
hostile chert "chert shard-000\n"
hostile inmemory "inmemory\n"
hostile unknown "flint shard-000\n"
hostile empty "# nothing\n"
hostile link "auto link\n" && ln -s ../private/shard-000 area/link/link
hostile nested "auto inner\n" && mkdir area/nested/inner && printf "remote :/bin/sh -c id>$PWNED\n" >area/nested/inner/XAPIANDB
hostile stub-in-stub "auto inner.stub\n" && printf "remote :/bin/sh -c id>$PWNED\n" >area/stub-in-stub/inner.stub
mkdir area/glass-link && cp -R area/one/. area/glass-link/ && rm area/glass-link/postlist.glass \
    && ln -s /dev/zero area/glass-link/postlist.glass
mkdir area/glass-fifo && cp -R area/one/. area/glass-fifo/ && rm area/glass-fifo/postlist.glass \
    && mkfifo area/glass-fifo/postlist.glass
printf "remote :/bin/sh -c id>$PWNED\n" >area/evil.stub
printf "auto good/shard-000\nremote :/bin/sh -c id>$PWNED\n" >area/evil-shards.stub
ln -s good area/good-link

tree_state area >before.txt

for case in prog prog-after-shards prog-after-comment prog-relative prog-spaces; do
    expect_refused "cops-query on a stub starting a program ($case)" "--allow-remote-programs" \
        cops_query -i "area/$case" grant
done
for case in prog-tab prog-leading-space prog-crlf remote-ssh unknown; do
    expect_refused "cops-query on a malformed stub line ($case)" "XAPIANDB:1" \
        cops_query -i "area/$case" grant
done
expect_refused "a program line without a final newline" "--allow-remote-programs" \
    cops_query -i area/prog-no-newline grant
expect_refused "a stub sending queries to a host" "--allow-remote-hosts" \
    cops_query -i area/remote-host grant
expect_refused "--allow-remote-programs does not allow hosts" "--allow-remote-hosts" \
    cops_query --allow-remote-programs -i area/remote-host grant
for case in absolute dotdot dotdot-inside glass-absolute; do
    expect_refused "a stub naming a database outside its directory ($case)" "inside its own directory" \
        cops_query -i "area/$case" grant
done
expect_refused "a stub reaching a database through a symlink" "symlink" cops_query -i area/link grant
expect_refused "a stub naming a directory holding another stub" "not a glass database" \
    cops_query -i area/nested grant
expect_refused "a stub naming another stub file" "not a directory" cops_query -i area/stub-in-stub grant
expect_refused "a chert line" "not supported" cops_query -i area/chert grant
expect_refused "an inmemory line" "not supported" cops_query -i area/inmemory grant
expect_refused "a stub listing nothing" "no database listed" cops_query -i area/empty grant
expect_refused "a glass table that is a symlink" "not a regular file" cops_query -i area/glass-link grant
expect_refused "a glass table that is a FIFO (no hang)" "not a regular file" cops_query -i area/glass-fifo grant

# A file given as --index: a stub only when it reads as one.
expect_refused "cops-query -i on a plain file" "no index" cops_query -i area/notes.txt grant
expect_refused "cops-query -i on a stub file starting a program" "--allow-remote-programs" \
    cops_query -i area/evil.stub grant
expect_refused "a stub file with a shard and a program" "--allow-remote-programs" \
    cops_query -i area/evil-shards.stub grant
expect_refused "cops-index --stats on a stub starting a program" "--allow-remote-programs" \
    cops_index -i area/prog --stats
expect_refused "cops-index --stats on a stub file" "--allow-remote-programs" \
    cops_index -i area/evil.stub --stats
expect_refused "cops-index --stats on a plain file" "no index" cops_index -i area/notes.txt --stats
expect_refused "cops-index --dump on a stub starting a program" "--allow-remote-programs" \
    cops_index -i area/prog --dump grant
expect_exit 2 "cops-index --check on a stub starting a program" -- cops_index -i area/prog --check
check "cops-index --check ran nothing" test ! -e "$PWNED"
rm -f "$PWNED"

# A Xapian build replaces only an empty directory or a Xapian index cops
# built: never a file, a stub, someone's directory or a symlink.
for target in notes.txt evil.stub private prog good-link; do
    expect_exit 2 "cops-index --engine xapian -i $target is refused" -- \
        cops_index -q --engine xapian -i "area/$target" corpus
    expect_stderr_contains "not a Xapian index built by cops"
    check "cops-index --engine xapian -i $target ran nothing" test ! -e "$PWNED"
    rm -f "$PWNED"
done

tree_state area >after.txt
check "nothing under the sentinel tree was created, changed or removed" cmp -s before.txt after.txt

# What cops built is still replaced, and leaves nothing behind.
expect_exit 0 "a Xapian build replaces a Xapian index cops built" -- \
    cops_index -q --engine xapian -i area/one corpus/a.txt
expect_exit 0 "the rebuilt index answers" -- cops_query -i area/one -c grant
expect_stdout_is 1
check "no .old or .building directory is left" sh -c "! ls -d area/one.* 2>/dev/null | grep -q ."
mkdir area/empty-dir
expect_exit 0 "a Xapian build fills an empty directory" -- \
    cops_index -q --engine xapian -i area/empty-dir corpus
check "the empty directory became the index" test -f area/empty-dir/iamglass
expect_exit 0 "a Xapian build at DIR/ (trailing slash)" -- cops_index -q --engine xapian -i area/slash/ corpus
expect_exit 0 "and again, replacing it" -- cops_index -q --engine xapian -i area/slash/ corpus
check "DIR/ is the index, with nothing left inside or beside it" \
    sh -c "test -f area/slash/iamglass && ! ls -d area/slash/.* area/slash.* 2>/dev/null | grep -v '/\.\.*$' | grep -q ."

if ! command -v xapian-progsrv >/dev/null 2>&1 || ! command -v xapian-tcpsrv >/dev/null 2>&1; then
    skip "--allow-remote-programs and --allow-remote-hosts" \
        "xapian-progsrv or xapian-tcpsrv is not installed (Debian: xapian-tools)"
    done_testing
    exit 0
fi
printf 'remote :xapian-progsrv %s\nremote :xapian-progsrv %s\n' \
    "$TMP/area/good/shard-000" "$TMP/area/good/shard-001" >progsrv.stub
expect_exit 2 "a genuine progsrv stub is refused by default" -- cops_query -i progsrv.stub -c grant
expect_stderr_contains "--allow-remote-programs"
expect_exit 0 "--allow-remote-programs opens it through xapian-progsrv" -- \
    cops_query --allow-remote-programs -i progsrv.stub -c grant
expect_stdout_is 2 "the progsrv shards answer as the sharded index"

# A stub naming two xapian-tcpsrv (setsid: the server signals its whole
# process group when it stops).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
setsid xapian-tcpsrv --interface 127.0.0.1 --port "$port" area/good >server.log 2>&1 </dev/null &
server=$!
BG_PIDS="$BG_PIDS $server"
printf 'remote 127.0.0.1:%s\n' "$port" >tcp.stub
tries=0
until "$COPS_QUERY_PROG" --remote "127.0.0.1:$port" -c grant >/dev/null 2>&1 || [ $tries -gt 50 ]; do
    tries=$((tries + 1))
    sleep 0.1
done
expect_exit 2 "a genuine tcp stub is refused by default" -- cops_query -i tcp.stub -c grant
expect_stderr_contains "--allow-remote-hosts"
expect_exit 0 "--allow-remote-hosts opens it through xapian-tcpsrv" -- \
    cops_query --allow-remote-hosts -i tcp.stub -c grant
expect_stdout_is 2 "the tcp shard answers as the sharded index"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null

# A rebuild removes the index it replaces (moved aside as <index>.old-PID)
# without ever following a link, even a folder of it swapped for a link
# to the user's files while the removal runs, by someone who may write
# the shared index (the fault shim swaps shard-000 at the removal's first
# entry).  nftw removed by path: every file of the user's folder whose
# name a shard's file has went (6 of 6 before the fix).
SHIM=$COPS_BUILDDIR/tests/faults/.libs/libenospc.so
# swapping FOLDER TARGET: the shim, once preloaded (env LD_PRELOAD="$SHIM"
# on a program of real_program), swaps the folder matching FOLDER for a
# link to TARGET at the first entry opened or removed in it (report:
# $TMP/swap-report).
swapping()
{
    rm -f "$TMP/swap-report"
    COPS_FAULT_SWAP_FOLDER=$1 COPS_FAULT_SWAP_TARGET=$2 COPS_FAULT_REPORT=$TMP/swap-report
    LD_LIBRARY_PATH=$COPS_BUILDDIR/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    export COPS_FAULT_SWAP_FOLDER COPS_FAULT_SWAP_TARGET COPS_FAULT_REPORT LD_LIBRARY_PATH \
        ASAN_OPTIONS
}
if [ -f "$SHIM" ]; then
    mkdir swapped-victims || exit 99
    expect_exit 0 "a sharded index to rebuild" -- \
        cops_index -q --engine xapian --shards 2 -i swapped corpus
    for f in swapped/shard-000/*; do
        echo "the user's own $(basename "$f")" >"swapped-victims/$(basename "$f")"
    done
    before=$(tree_state swapped-victims)
    swapping '*swapped.old-*/shard-000' "$TMP/swapped-victims"
    expect_exit 0 "the rebuild, a folder of the old index swapped for a link mid-removal" -- \
        env LD_PRELOAD="$SHIM" "$(real_program cops-index)" -q --engine xapian --shards 2 \
        -i swapped corpus
    check "... the folder was swapped" grep -q "failed 1" "$TMP/swap-report"
    check "... and the link's target is untouched" test "$(tree_state swapped-victims)" = "$before"
    expect_exit 0 "... the new index answers" -- cops_query -i swapped --count grant
    expect_stdout_is 2 "... both documents"
else
    skip "a rebuild removes the old index without following a link" "the fault shim is not built"
fi

# The fresh directory a build writes (<index>.building-XXXXXX, beside the
# index) swapped for a link to another Xapian index of the user's, by
# someone who may write the parent, before Xapian writes its first file
# (the shim again): Xapian writes by path, so the build overwrote that
# index (and then swapped the link in as the index).  Now Xapian is given
# the directory held open (/proc/self/fd/N), and the commit, seeing the
# directory replaced, fails and leaves the old index.
if [ -f "$SHIM" ]; then
    mkdir building-victims || exit 99
    expect_exit 0 "an index to rebuild" -- cops_index -q --engine xapian -i building corpus
    for f in building/*; do
        echo "the user's own $(basename "$f")" >"building-victims/$(basename "$f")"
    done
    before=$(tree_state building-victims)
    swapping '*building.building-*' "$TMP/building-victims"
    expect_exit 2 "the rebuild, its fresh directory swapped for a link before Xapian writes" -- \
        env LD_PRELOAD="$SHIM" "$(real_program cops-index)" -q --engine xapian -i building corpus
    expect_stderr_contains "was moved or replaced during the build"
    check "... the directory was swapped" grep -q "failed 1" "$TMP/swap-report"
    check "... and the link's target is untouched" test "$(tree_state building-victims)" = "$before"
    check "... the index is still a directory" test ! -L building
    expect_exit 0 "... and answers as before" -- cops_query -i building --count grant
    expect_stdout_is 2 "... both documents"
else
    skip "a build's fresh directory swapped for a link" "the fault shim is not built"
fi

# A glass database opened for a search, swapped for a link to another
# Xapian index of the user's by someone who may write its parent, after
# cops checked it (only regular files) and before Xapian opens its files
# (the shim swaps it at Xapian's first open inside it): Xapian opened it
# by path, so the search answered from the other index (or from whatever
# the link's target holds, unchecked).  Now the folder is held from
# before the check and Xapian is handed /proc/self/fd/N.
if [ -f "$SHIM" ]; then
    mkdir other-corpus && printf 'bravo words\n' >other-corpus/b.txt || exit 99
    expect_exit 0 "the user's other Xapian index" -- \
        cops_index -q --engine xapian -i glass-other other-corpus
    expect_exit 0 "a Xapian index to search" -- cops_index -q --engine xapian -i glass-held corpus
    before=$(tree_state glass-other)
    swapping '*glass-held' "$TMP/glass-other"
    expect_exit 0 "a search, its database swapped for a link before Xapian opens it" -- \
        env LD_PRELOAD="$SHIM" "$(preloadable_program cops-query)" -i glass-held -c grant
    check "... the directory was swapped" grep -q "failed 1" "$TMP/swap-report"
    expect_stdout_is 2 "... the index checked answers, not the link's target"
    check "... which is untouched" test "$(tree_state glass-other)" = "$before"
else
    skip "a search's database swapped for a link" "the fault shim is not built"
fi

done_testing
