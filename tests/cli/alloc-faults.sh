#!/bin/sh
# Allocation failures, in the manner of SQLite's fts5fault tests: the
# LD_PRELOAD shim tests/faults/failalloc.c fails one allocation of a run,
# swept over the run's allocations, for
#   - a --rebuild with spills (--memory 16 on a corpus that spills a run),
#     which reads every input format (JSON Lines, text, HTML, TREC, gzip),
#   - an update with a merge (files edited, added and removed, then --merge),
#   - one query of each operator, and --json, --count, --ids and snippets.
# For every failed allocation: no crash and no sanitizer report (a leak
# included, in the sanitizer build); either exit 2 with "out of memory" (or
# the system's "Cannot allocate memory", or "Resource temporarily
# unavailable" for a thread that cannot start) in its first line, or the
# very answer of a run without faults (a failure that a fallback absorbed:
# glibc's qsort, the analysis thread that is then not started).  For the
# indexer: after exit 2 the files of the previous index are byte-identical
# (so its answers are the same; they and --check are also run for every
# 8th failure), except that an update with --merge commits twice, so a
# failure in the merge leaves the update committed, which must then answer
# as the whole run would have; after exit 0, the same documents as a run
# without faults and --check passing.  Unreferenced files a failed run
# leaves behind (a later run removes them) are counted in a diagnostic.
#
# Which allocations: queries, every one (N = 1 .. the run's count + 1, with
# a stride above 400).  The indexer makes hundreds of thousands (one per
# term and document), mostly from the same few call stacks, so it is swept
# over the first $DENSE allocations, then the first allocation of every
# distinct call stack the run reaches (COPS_FAIL_ALLOC_SITE, independent of
# how the threads interleave), then with a stride over the rest.
# COPS_SLOW_TESTS=1 sweeps far more of them, and persistent failures (every
# allocation from the N-th on) as well; by default persistent failures are
# tried for every 16th N of the queries.
#
# To see which allocation a failing run failed: add COPS_FAIL_ALLOC_TRACE=1.
. "$COPS_SRCDIR/tests/cli/lib.sh"
fault_shim failalloc

cd "$TMP" || exit 99
# The dynamic loader's own allocations (libgcc_s, loaded by the shim's
# unwinder) reach LeakSanitizer through the shim, which hides that the
# loader made them.
printf 'leak:dl_open_worker\n' >lsan.supp
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TMP/lsan.supp"
export LSAN_OPTIONS

if [ "${COPS_SLOW_TESTS:-0}" = 1 ]; then
    DENSE=1000 STRIDE=499 PERSIST_EVERY=1
else
    DENSE=100 STRIDE=9973 PERSIST_EVERY=0
fi

# ---- The corpora: docs, 8 x 700 generated documents (enough for
# --memory 16 to spill a sorted run); small, 8 x 30 of them, for the update
# (a merge needs no spill, and each run of the sweep is then short); both
# with one file of every other input format.
mkdir docs small || exit 99
for f in 0 1 2 3 4 5 6 7; do
    gen_jsonl_part docs "part$f.jsonl" "$f" "" 700 || exit 99
    gen_jsonl_part small "part$f.jsonl" "$f" "" 30 || exit 99
done
printf '{"id":"dated-%d","title":"grant report %d","date":"2024-0%d-15","text":"grant money w1x w2x number %d"}\n' \
    1 1 1 1 2 2 3 2 3 3 5 3 4 4 9 4 >docs/dated.jsonl
printf 'A plain grant letter.\nw1x w3x and the rest.\n' >docs/plain.txt
printf '<html><head><title>Grant page</title></head><body><p>grant <b>w1x</b> money</p></body></html>\n' \
    >docs/page.html
printf '<DOC>\n<DOCNO>TREC-1</DOCNO>\n<TEXT>a trec grant w2x</TEXT>\n</DOC>\n' >docs/t.trec
printf 'a compressed grant w1x\n' | gzip -c >docs/zipped.txt.gz
cp docs/dated.jsonl docs/plain.txt docs/page.html docs/t.trec docs/zipped.txt.gz small/ || exit 99

QUERIES='w1x
w2x OR w3x
w5x AND w7x
"w0x w1x"
w12*
w3x -w4x
title:grant
edited'

# matches DIR OUTFILE: counts and the sorted identifiers of all hits.
matches()
{
    {
        printf '%s\n' "$QUERIES" | "$QUERY" -i "$1" --batch --count
        printf '%s\n' "$QUERIES" | "$QUERY" -i "$1" --batch --ids -n 100000 | sort
    } >"$2" 2>&1
}
# state DIR: one line per file of the index but LOCK, with its checksum.
state()
{
    (cd "$1" && ls -A | grep -v -x LOCK | LC_ALL=C sort | while read -r _f; do cksum "$_f"; done)
}
# base_state BASE DIR: the same, for the files of BASE only (DIR may have
# more: a failed run's leftovers, which the next run removes).
base_state()
{
    (cd "$2" && sed 's/.* //' "$TMP/$1.state" | while read -r _f; do cksum "$_f" 2>&1; done)
}

# The base indexes, whose state every failing run must leave as it was.
expect_exit 0 "build the base index" -- "$INDEX" -q -i base --memory 16 docs
expect_exit 0 "build the small base index" -- "$INDEX" -q -i small-base small
for b in base small-base; do
    expect_exit 0 "$b passes --check" -- "$INDEX" -i "$b" --check
    matches "$b" "$b.matches"
    state "$b" >"$b.state"
    check "$b answers the queries" grep -q '^part' "$b.matches"
done

# The update: one file edited, one added, one removed, then --merge.
gen_jsonl_part small part2.jsonl 202 edited 30 || exit 99
gen_jsonl_part small extra.jsonl 303 edited 10 || exit 99
rm small/part5.jsonl small/plain.txt

# ---- Failure bookkeeping: one TAP result per scenario and property, the
# failing runs listed (the first ones) as diagnostics.
# note KIND TEXT: record a failure of property KIND.
note()
{
    printf '%s\n' "$2" >>"$TMP/failures.$1"
}
# report SCENARIO: one result per property.
report()
{
    for _kind in crash message unchanged answers check; do
        case $_kind in
        crash) _what="no crash, no sanitizer report" ;;
        message) _what="exit 2 says out of memory (or the answer of a run without faults)" ;;
        unchanged) _what="the previous index is untouched after exit 2" ;;
        answers) _what="the answers are those of a run without faults" ;;
        check) _what="--check passes afterwards" ;;
        esac
        if [ -s "$TMP/failures.$_kind" ]; then
            fail "$1: $_what" "$(head -n 12 "$TMP/failures.$_kind")" \
                "($(wc -l <"$TMP/failures.$_kind") failing runs in all)"
        else
            pass "$1: $_what"
        fi
        rm -f "$TMP/failures.$_kind"
    done
}

# judge LABEL EXPECTED-RC EXPECTED-OUT: the last run failed no property.
# Returns 0 when it exited 2 (the allocation failure was reported).
judge()
{
    if [ "$RC" -ge 126 ] || grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR"; then
        note crash "$1: exit $RC: $(grep -m 3 -e ERROR -e 'runtime error' -e '^    #[0-5] ' "$ERR" | tr '\n' '|')"
        return 1
    fi
    if [ "$RC" = 2 ]; then
        _first=$(grep -v ': warning: ' "$ERR" | head -n 1)
        case $_first in
        # (a thread that cannot be started: EAGAIN)
        *"out of memory"* | *"Cannot allocate memory"* | *"Resource temporarily unavailable"*) ;;
        *) note message "$1: exit 2: $_first" ;;
        esac
        return 0
    fi
    # (--json's summary says how long the search took)
    sed 's/"milliseconds":[0-9.]*//' "$OUT" >judged.out
    if [ "$RC" != "$2" ] || ! cmp -s judged.out "$3"; then
        note message "$1: exit $RC, not 2, and not the answer of a run without faults: $(head -c 200 "$ERR" | tr '\n' '|')"
    fi
    return 1
}

# ---- The indexer.  index_run LABEL "SHIM-SETTINGS" ARGS...: one faulty
# run of cops-index ARGS on a copy of $BASE, judged.
RUNS=0
index_run()
{
    _label=$1
    _settings=$2
    shift 2
    rm -rf t.idx
    cp -R "$BASE" t.idx || exit 99
    # shellcheck disable=SC2086
    run env LD_PRELOAD="$SHIM" $_settings "$INDEX" -q -i t.idx "$@"
    RUNS=$((RUNS + 1))
    if judge "$_label" 0 /dev/null; then
        state t.idx >t.state
        if cmp -s "$BASE.state" t.state; then
            [ $((RUNS % 8)) = 0 ] || return 0
        else
            base_state "$BASE" t.idx >t.base-state
            if ! cmp -s "$BASE.state" t.base-state; then
                # An update with --merge commits twice: a failure in the
                # merge leaves the update committed, which must then
                # answer as the whole run would have.
                matches t.idx t.matches
                if cmp -s expected.matches t.matches; then
                    COMMITTED=$((COMMITTED + 1))
                else
                    note unchanged "$_label: $(diff "$BASE.state" t.base-state | grep '^[<>]' | head -n 3 | tr '\n' '|')"
                fi
                "$INDEX" -i t.idx --check >/dev/null 2>check.err || note check "$_label: $(head -n 1 check.err)"
                return 0
            fi
            LEFTOVERS=$((LEFTOVERS + 1))
            [ -n "$LEFTOVER_EXAMPLE" ] || LEFTOVER_EXAMPLE="$_label: $(diff "$BASE.state" t.state | sed -n 's/^> .* //p' | tr '\n' ' ')"
        fi
        matches t.idx t.matches
        cmp -s "$BASE.matches" t.matches || note answers "$_label: the previous index answers differently"
    elif [ "$RC" = 0 ]; then
        matches t.idx t.matches
        cmp -s expected.matches t.matches || note answers "$_label: exit 0 with other answers"
    else
        return 0
    fi
    "$INDEX" -i t.idx --check >/dev/null 2>check.err || note check "$_label: $(head -n 1 check.err)"
}

# sweep NAME BASE ARGS...: count the allocations and call stacks of a run
# of cops-index ARGS on a copy of BASE without faults, then fail them in
# turn.
sweep()
{
    _name=$1
    BASE=$2
    shift 2
    rm -rf t.idx count.report sites.report
    cp -R "$BASE" t.idx || exit 99
    LD_PRELOAD=$SHIM COPS_FAIL_ALLOC_REPORT=$TMP/count.report COPS_FAIL_ALLOC_SITES=$TMP/sites.report \
        "$INDEX" -q -i t.idx "$@" 2>/dev/null || {
        fail "$_name: a run without faults succeeds"
        return
    }
    matches t.idx expected.matches
    _count=$(sed -n 's/^allocations \([0-9]*\) .*/\1/p' count.report)
    _sites=$(wc -l <sites.report)
    diag "$_name: $_count allocations from $_sites distinct call stacks"
    RUNS=0 COMMITTED=0 LEFTOVERS=0 LEFTOVER_EXAMPLE=
    _started=$(date +%s)
    _n=1
    while [ "$_n" -le "$_count" ]; do
        index_run "$_name, allocation $_n fails" "COPS_FAIL_ALLOC=$_n" "$@"
        if [ "$PERSIST_EVERY" = 1 ]; then
            index_run "$_name, allocations from $_n on fail" \
                "COPS_FAIL_ALLOC=$_n COPS_FAIL_ALLOC_PERSIST=1" "$@"
        fi
        if [ "$_n" -lt "$DENSE" ]; then _n=$((_n + 1)); else _n=$((_n + STRIDE)); fi
    done
    while read -r _site _ _first _ _times; do
        index_run "$_name, the first allocation from stack $_site fails (allocation $_first of $_times)" \
            "COPS_FAIL_ALLOC_SITE=$_site" "$@"
        [ "$PERSIST_EVERY" = 1 ] || continue
        index_run "$_name, every allocation from stack $_site's first on fails" \
            "COPS_FAIL_ALLOC_SITE=$_site COPS_FAIL_ALLOC_PERSIST=1" "$@"
    done <sites.report
    diag "$_name: $RUNS failing runs in $(($(date +%s) - _started)) s"
    [ "$COMMITTED" = 0 ] || diag "$_name: $COMMITTED runs failed after committing the update, before the merge"
    [ "$LEFTOVERS" = 0 ] || diag "$_name: $LEFTOVERS runs left unreferenced files behind (e.g. $LEFTOVER_EXAMPLE)"
    report "$_name ($RUNS runs)"
}

sweep "--rebuild --memory 16" base --rebuild --memory 16 docs
sweep "update and --merge" small-base --merge small

# ---- Queries: every allocation of one query of each operator.
# query_sweep LABEL ARGS...
query_sweep()
{
    _name=$1
    shift
    rm -f count.report
    LD_PRELOAD=$SHIM COPS_FAIL_ALLOC_REPORT=$TMP/count.report "$QUERY" -i base "$@" >expected.raw 2>/dev/null
    _expected_rc=$?
    sed 's/"milliseconds":[0-9.]*//' expected.raw >expected.out
    _count=$(sed -n 's/^allocations \([0-9]*\) .*/\1/p' count.report)
    if [ "$_expected_rc" != 0 ] || [ -z "$_count" ]; then
        fail "$_name: a run without faults finds something" "exit $_expected_rc"
        return
    fi
    _n=1
    _stride=$(((_count + 399) / 400)) # at most about 400 runs a query
    [ "$PERSIST_EVERY" = 1 ] && _stride=1
    while [ "$_n" -le $((_count + 1)) ]; do
        run env LD_PRELOAD="$SHIM" COPS_FAIL_ALLOC="$_n" "$QUERY" -i base "$@"
        judge "$_name, allocation $_n fails" "$_expected_rc" expected.out
        if [ "$PERSIST_EVERY" = 1 ] || [ $((_n % 16)) = 1 ]; then
            run env LD_PRELOAD="$SHIM" COPS_FAIL_ALLOC="$_n" COPS_FAIL_ALLOC_PERSIST=1 "$QUERY" -i base "$@"
            judge "$_name, allocations from $_n on fail" "$_expected_rc" expected.out
        fi
        _n=$((_n + _stride))
    done
    QUERY_SWEPT="$QUERY_SWEPT $_name:$_count"
    report "query $_name ($_count allocations)"
}
QUERY_SWEPT=
query_sweep "term, snippets" w1x
query_sweep "AND" 'grant AND w1x'
query_sweep "OR" 'w2x OR w3x'
query_sweep "NOT" 'w3x -w4x'
query_sweep "phrase" '"grant money"'
query_sweep "NEAR" 'grant NEAR/5 w2x'
query_sweep "prefix" 'w123*'
query_sweep "field" title:grant
query_sweep "date range" 'grant date:2024-01-01..2024-03-31'
query_sweep "--json" --json 'w1x OR grant'
query_sweep "--count" --count w2x
query_sweep "--ids" --ids -n 50 w1x
diag "queries swept (name:allocations):$QUERY_SWEPT"

done_testing
