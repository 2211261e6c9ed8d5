#!/bin/sh
# SIGKILL at random moments of builds, updates and merges (at least 50
# kills): after each, the index passes --check and answers as the state its
# MANIFEST names (the previous commit or the new one); a following run
# without a kill completes, matches a fresh build of the current files and
# leaves no leftover file (run-*.tmp, uncommitted seg-*, MANIFEST.tmp).
# The kinds of run cycle: --rebuild, update of an edited file, update with a
# file added, update with a file removed, --merge after an edit; every third
# run with --memory 16 (spill runs), every fourth with fsync and rename
# slowed by the fault shim (kills inside the commit).  COPS_CRASH_KILLS sets
# the number of kills (default 52).
# (--rebuild continues the generations, so its new segment never takes
# the name of the live one: native-build.c, open_previous.)
. "$COPS_SRCDIR/tests/cli/lib.sh"
# The programs themselves, and the fault shim (when built) to slow fsync
# and rename in some runs so that kills also land inside the commit.
crash_programs
KILLS=${COPS_CRASH_KILLS:-52}

cd "$TMP" || exit 99
mkdir docs || exit 99

# gen FILE SEED [TAG]: 1000 JSON Lines documents of 40 words (a few MB in
# all, so a build takes about half a second and --memory 16 spills runs).
gen()
{
    gen_jsonl_part docs "$1" "$2" "${3-}" 1000
}
for f in 0 1 2 3 4 5 6 7; do
    gen "part$f.jsonl" "$f" || exit 99
done

# w123*, not w12*: a prefix over max_prefix_terms keeps the terms in the
# most documents in each segment (query/GRAMMAR.md, "Bounds"), so several
# segments need not answer it as one fresh segment does
QUERIES='w1x
w2x OR w3x
w5x AND w7x
"w0x w1x"
w123*
w3x NOT w4x
edited
added'

# ranked DIR: counts and the first hits in rank order.
ranked()
{
    printf '%s\n' "$QUERIES" | "$QUERY" -i "$1" --batch --count
    printf '%s\n' "$QUERIES" | "$QUERY" -i "$1" --batch --ids -n 100
}

# State S0.
t0=$(now)
expect_exit 0 "build state S0" -- "$INDEX" -q -i idx docs
t1=$(now)
full_ms=$(((t1 - t0) / 1000000))
diag "a full build takes $full_ms ms"
expect_exit 0 "S0 passes --check" -- "$INDEX" -i idx --check
ranked idx >old.ranked 2>&1
batch_matches idx >old.matches 2>&1
check "S0 answers the queries" grep -q '^part' old.ranked

# Expected durations (ms) of each kind of run, refined as runs complete.
est_rebuild=$full_ms est_update=$((full_ms / 3)) est_merge=$((full_ms * 2))

seen_old=0 seen_new=0 completed=0 in_commit=0 with_runs=0 with_segment=0 cleanup_pending=0
bug_runs=0 extra=0 i=0
while [ "$i" -lt "$KILLS" ]; do
    i=$((i + 1))
    # The change of this run.
    memory=
    [ $((i % 3)) = 0 ] && memory="--memory 16"
    case $((i % 5)) in
    0) kind=rebuild mode=--rebuild
       gen "part$((i % 8)).jsonl" "$((1000 + i))" edited ;;
    1) kind=update mode=
       gen "part$((i % 8)).jsonl" "$((1000 + i))" edited ;;
    2) kind=update mode=
       extra=$((extra + 1))
       gen "extra$extra.jsonl" "$((2000 + i))" added ;;
    3) kind=update mode=
       victim=$(ls docs | grep '^extra' | head -n 1)
       if [ -n "$victim" ]; then rm -f "docs/$victim"; else gen part0.jsonl "$((3000 + i))"; fi ;;
    4) kind=merge mode=--merge
       gen "part$(((i + 3) % 8)).jsonl" "$((4000 + i))" edited ;;
    esac
    eval "est=\$est_$kind"
    # A random delay within the expected duration (a little beyond it).
    delay_ms=$(awk -v s="$i" -v e="$est" 'BEGIN { srand(s * 7919); printf "%d", rand() * e * 1.15 }')
    preload=
    if [ -n "$SHIM" ] && [ $((i % 4)) = 1 ]; then
        preload="LD_PRELOAD=$SHIM COPS_FAULT_DELAY_MS=40"
        delay_ms=$((delay_ms + 200))
    fi
    cp idx/MANIFEST before.manifest
    label="kill $i ($kind${memory:+ $memory}${preload:+, slow commit}, after $delay_ms ms)"

    # shellcheck disable=SC2086
    env $preload "$INDEX" -q -i idx $mode $memory docs >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v d="$delay_ms" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    status=$?
    [ "$status" = 0 ] && completed=$((completed + 1))
    # Where it was: what the kill left.
    ls idx | grep -q '^run-' && with_runs=$((with_runs + 1))
    [ -e idx/MANIFEST.tmp ] && in_commit=$((in_commit + 1))
    [ -n "$(leftovers idx | grep '^seg-')" ] && with_segment=$((with_segment + 1))

    run "$INDEX" -i idx --check
    bad=0
    [ "$RC" = 0 ] || bad=1
    if [ "$bad" = 0 ]; then pass "$label: --check exits 0"; else fail "$label: --check exits 0"; fi

    if cmp -s before.manifest idx/MANIFEST; then
        state=old
        seen_old=$((seen_old + 1))
        ranked idx >now.ranked 2>&1
        check "$label: MANIFEST unchanged, answers as before" cmp -s old.ranked now.ranked
    else
        state=new
        seen_new=$((seen_new + 1))
        [ -n "$(leftovers idx)" ] && cleanup_pending=$((cleanup_pending + 1))
    fi
    batch_matches idx >killed.matches 2>&1

    # A run without a kill completes the change.
    [ "$kind" = rebuild ] || mode=
    t0=$(now)
    run "$INDEX" -q -i idx $mode $memory docs
    t1=$(now)
    [ "$RC" = 0 ] && [ "$state" = old ] && eval "est_$kind=$(((t1 - t0) / 1000000))"
    if [ "$RC" = 0 ]; then pass "$label: the next run completes"; else fail "$label: the next run completes"; fi
    rm -rf fresh
    "$INDEX" -q -i fresh docs 2>/dev/null
    batch_matches fresh >new.matches 2>&1
    batch_matches idx >now.matches 2>&1
    check "$label: then it matches a fresh build" cmp -s new.matches now.matches
    if [ "$state" = new ]; then
        check "$label: MANIFEST changed, the killed state matches the new files" \
            cmp -s new.matches killed.matches
    else
        check "$label: MANIFEST unchanged, the killed state matches the old files" \
            cmp -s old.matches killed.matches
    fi
    left=$(leftovers idx)
    if [ -z "$left" ] && [ ! -e idx/MANIFEST.tmp ]; then
        pass "$label: no leftover files after the next run"
    else
        fail "$label: no leftover files after the next run" "left: $left"
    fi
    ranked idx >old.ranked 2>&1
    cp now.matches old.matches
done

diag "kill runs: $KILLS; old state seen after $seen_old, new state after $seen_new"
diag "runs that completed before the kill: $completed; kills with spill runs on disk: $with_runs; with an uncommitted segment: $with_segment; with MANIFEST.tmp: $in_commit; after the commit with old files not yet removed: $cleanup_pending"
check "kills landed before the commit (old state seen)" test "$seen_old" -gt 0
check "kills landed after the commit (new state seen)" test "$seen_new" -gt 0
done_testing
