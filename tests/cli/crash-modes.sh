#!/bin/sh
# SIGKILL during the runs crash.sh does not kill: --delete, --remove,
# --optimize, records from standard input and updates of an index built
# with --exact-forms and two roots.  Each run is first made without a kill
# on a copy of the index (the reference of the new state, and how long the
# run takes); the kill lands at a random moment within that time.  After
# each kill the index passes --check and answers as before the run or as
# the reference; the same run again completes to the reference, passes
# --check and leaves no file the manifest does not name.  Every fourth
# run has fsync and rename slowed by the fault shim (kills inside the
# commit).  COPS_CRASH_KILLS sets the number of kills (default 30).
. "$COPS_SRCDIR/tests/cli/lib.sh"
crash_programs
KILLS=${COPS_CRASH_KILLS:-30}

cd "$TMP" || exit 99
mkdir docs docs2 || exit 99
gen() { gen_jsonl_part "$1" "$2" "$3" "${4-}" "${5:-600}"; }
for f in 0 1 2 3; do
    gen docs "part$f.jsonl" "$f" || exit 99
    gen docs2 "p$f.jsonl" "$((50 + f))" || exit 99
done

QUERIES='w1x
w2x OR w3x
w5x AND w7x
"w0x w1x"
=w3x NOT w4x
edited
added'

# run_mode DIR [exec]: this round's run of cops-index on DIR (exec: the
# shell becomes cops-index, so that the kill reaches it).
run_mode()
{
    # shellcheck disable=SC2086
    if [ "$mode" = stdin ]; then
        ${2-} env $preload "$INDEX" -q -i "$1" - <stdin.jsonl
    else
        ${2-} env $preload "$INDEX" -q -i "$1" $mode
    fi
}

expect_exit 0 "build with --exact-forms from two roots" -- "$INDEX" -q --exact-forms -i idx docs docs2
seen_old=0 seen_new=0 i=0
while [ "$i" -lt "$KILLS" ]; do
    i=$((i + 1))
    case $((i % 6)) in
    0) mode="--delete part$((i % 4)).jsonl-$i part1.jsonl-$((i + 1)) p2.jsonl-$i" ;;
    1) gen docs2 "p$((i % 4)).jsonl" "$((100 + i))" edited
       mode="--optimize docs2" ;;
    2) gen docs2 "p$((i % 4)).jsonl" "$((200 + i))" edited
       mode=docs2 ;;
    3) mode="--remove docs2/p$((i % 4)).jsonl" ;;
    4) gen docs "extra$i.jsonl" "$((300 + i))" added 300
       mode="--merge --memory 16 docs" ;;
    5) gen . stdin.jsonl "$((400 + i))" added 500
       mode=stdin ;;
    esac
    preload=
    [ -n "$SHIM" ] && [ $((i % 4)) = 1 ] && preload="LD_PRELOAD=$SHIM COPS_FAULT_DELAY_MS=40"
    label="kill $i ($mode${preload:+, slow commit})"

    rm -rf ref && cp -a idx ref || bail "cannot copy the index"
    t0=$(now)
    run_mode ref >/dev/null 2>&1
    t1=$(now)
    batch_matches idx >old.matches 2>&1
    batch_matches ref >new.matches 2>&1
    delay_ms=$(awk -v s="$i" -v t="$(((t1 - t0) / 1000000))" \
        'BEGIN { srand(s * 7919); printf "%d", rand() * t * 1.1 }')

    run_mode idx exec >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v d="$delay_ms" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null

    expect_exit 0 "$label, after $delay_ms ms: --check" -- "$INDEX" -i idx --check
    batch_matches idx >killed.matches 2>&1
    if cmp -s killed.matches old.matches; then
        seen_old=$((seen_old + 1))
        pass "$label: answers as before the run"
    elif cmp -s killed.matches new.matches; then
        seen_new=$((seen_new + 1))
        pass "$label: answers as the run made them"
    else
        fail "$label: answers as before the run or as it made them" \
            "$(diff old.matches killed.matches | head -n 5)"
    fi
    preload=
    run_mode idx >/dev/null 2>&1
    batch_matches idx >now.matches 2>&1
    check "$label: the run again completes to the reference" cmp -s now.matches new.matches
    expect_exit 0 "$label: --check after it" -- "$INDEX" -i idx --check
    left=$(leftovers idx)
    if [ -z "$left" ]; then pass "$label: no leftover files"; else fail "$label: no leftover files" "left: $left"; fi
done
diag "kills: $KILLS; old state seen after $seen_old, new state after $seen_new"
check "kills landed before a commit (old state seen)" test "$seen_old" -gt 0
check "kills landed after a commit (new state seen)" test "$seen_new" -gt 0
done_testing
