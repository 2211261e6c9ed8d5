# tests/cli/lib.sh - TAP helpers for the CLI tests (POSIX sh, sourced).
#
# Each script in tests/cli/ does
#
#     . "$COPS_SRCDIR/tests/cli/lib.sh"
#     expect_exit 0 "cops-index --help exits 0" -- cops_index --help
#     expect_stdout_contains "Usage:"
#     ...
#     done_testing
#
# and writes only under "$TMP", a fresh directory removed on exit.
#
# Running a program:
#   run CMD...                      run it; sets RC, stdout in $OUT, stderr in $ERR
#   stdin_from FILE                 the next run reads FILE (default /dev/null)
#   expect_exit CODE [DESC] -- CMD...
#                                   run CMD and test its exit status; CODE may be
#                                   an alternation such as "0|1"
# In CMD, the words cops_index and cops_query stand for the built programs
# $COPS_BUILDDIR/cops-index and $COPS_BUILDDIR/cops-query.
#
# Checks on the last run (DESC is optional):
#   expect_stdout_contains STR [DESC]      expect_stderr_contains STR [DESC]
#   expect_stdout_lacks STR [DESC]         expect_stderr_lacks STR [DESC]
#   expect_stdout_matches ERE [DESC]       expect_stderr_matches ERE [DESC]
#   expect_stdout_is TEXT [DESC]           (whole stdout, trailing newline ignored)
#   expect_no_crash [DESC]                 exit status below 126 (no signal)
#
# Plain results:
#   check DESC CMD...     ok if CMD (a shell test, not shown) succeeds
#   pass DESC / fail DESC [DIAG...] / skip DESC REASON / diag TEXT
#   todo "known bug: ..."  marks the NEXT result as TAP TODO
#
# Fault injection: fault_shim NAME sets SHIM (tests/faults/libNAME.so) and,
# like real_programs, INDEX and QUERY to the programs LD_PRELOAD reaches.
# SIGKILL tests: crash_programs (INDEX, QUERY and SHIM, the fsync-slowing
# shim or empty), leftovers DIR, batch_matches DIR (of $QUERIES), now.
#   plan N (optional, up front) / done_testing (prints the plan if not given)
# A failure prints as diagnostics the last command, its exit status, its
# stdout and its stderr.

set -u

if [ -z "${COPS_BUILDDIR-}" ] || [ -z "${COPS_SRCDIR-}" ]; then
    echo "Bail out! COPS_BUILDDIR and COPS_SRCDIR must be set (run through 'make check')"
    exit 99
fi

COPS_INDEX_PROG=$COPS_BUILDDIR/cops-index
COPS_QUERY_PROG=$COPS_BUILDDIR/cops-query
CORPUS=$COPS_SRCDIR/corpus
SEED_A=000_4e5969b0988905d5.txt
SEED_B=004_031d097c15b01f4d.txt
export LC_ALL="${LC_ALL:-C.UTF-8}"
# The tests choose their index explicitly and look at the ** markers.
unset COPS_INDEX NO_COLOR

for _prog in "$COPS_INDEX_PROG" "$COPS_QUERY_PROG"; do
    if [ ! -x "$_prog" ]; then
        echo "Bail out! $_prog is not built"
        exit 99
    fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cops-cli.XXXXXX") || {
    echo "Bail out! cannot create a temporary directory"
    exit 99
}
_tap_dir=$TMP/.tap
mkdir "$_tap_dir" || exit 99
OUT=$_tap_dir/stdout
ERR=$_tap_dir/stderr
: >"$OUT"
: >"$ERR"
RC=0
BG_PIDS=

_tap_cleanup()
{
    for _p in $BG_PIDS; do
        kill "$_p" 2>/dev/null
    done
    cd / || :
    chmod -R u+rwX "$TMP" 2>/dev/null
    rm -rf "$TMP"
}
trap _tap_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

_tap_n=0
_tap_planned=
_tap_todo=
_tap_stdin=/dev/null
_tap_last_cmd='(none)'
if command -v timeout >/dev/null 2>&1; then
    _tap_timeout='timeout -k 5 60'
else
    _tap_timeout=
fi

plan()
{
    _tap_planned=$1
    echo "1..$1"
}

done_testing()
{
    [ -n "$_tap_planned" ] || echo "1..$_tap_n"
    exit 0
}

diag()
{
    printf '%s\n' "$*" | sed 's/^/# /'
}

todo()
{
    _tap_todo=$*
}

# A description is one line, and '#' would start a directive.
_tap_escape()
{
    case $1 in
    *'#'* | *'
'*) printf '%s' "$1" | sed 's/#/\\#/g' | tr '\n' ' ' ;;
    *) printf '%s' "$1" ;;
    esac
}

_tap_result()
{
    _tap_n=$((_tap_n + 1))
    _line="$1 $_tap_n - $(_tap_escape "$2")"
    if [ -n "$_tap_todo" ]; then
        _line="$_line # TODO $_tap_todo"
        _tap_todo=
    fi
    printf '%s\n' "$_line"
}

pass()
{
    _tap_result ok "$1"
}

fail()
{
    _tap_result "not ok" "$1"
    shift
    for _d in "$@"; do
        diag "$_d"
    done
    _tap_show_last
}

skip()
{
    _tap_n=$((_tap_n + 1))
    printf 'ok %s - %s # SKIP %s\n' "$_tap_n" "$(_tap_escape "$1")" "$2"
    _tap_todo=
}

check()
{
    _desc=$1
    shift
    if "$@"; then pass "$_desc"; else fail "$_desc"; fi
}

# Quote a command for display; long words are shortened.
_tap_quote()
{
    _q=
    for _w in "$@"; do
        _len=${#_w}
        if [ "$_len" -gt 120 ]; then
            _w="$(printf '%s' "$_w" | cut -c1-60)...($_len bytes)"
        fi
        case $_w in
        '' | *[!A-Za-z0-9_./:=,+-]*)
            _w="'$(printf '%s' "$_w" | sed "s/'/'\\\\''/g")'" ;;
        esac
        _q="$_q${_q:+ }$_w"
    done
    printf '%s' "$_q"
}

_tap_show_file()
{
    if [ -s "$1" ]; then
        sed -n '1,40p' "$1" | cut -c1-300 | sed 's/^/#     /'
        _lines=$(wc -l <"$1")
        [ "$_lines" -le 40 ] || echo "#     ... ($_lines lines in all)"
    else
        echo "#     (empty)"
    fi
}

_tap_show_last()
{
    diag "command: $_tap_last_cmd"
    diag "exit status: $RC"
    diag "stdout:"
    _tap_show_file "$OUT"
    diag "stderr:"
    _tap_show_file "$ERR"
}

stdin_from()
{
    _tap_stdin=$1
}

run()
{
    _tap_last_cmd=$(_tap_quote "$@")
    [ "$_tap_stdin" = /dev/null ] || _tap_last_cmd="$_tap_last_cmd < $_tap_stdin"
    case $1 in
    cops_index) shift; set -- "$COPS_INDEX_PROG" "$@" ;;
    cops_query) shift; set -- "$COPS_QUERY_PROG" "$@" ;;
    esac
    $_tap_timeout "$@" <"$_tap_stdin" >"$OUT" 2>"$ERR"
    RC=$?
    _tap_stdin=/dev/null
    return 0
}

# Does exit status $2 match the alternation $1 ("0", "0|1", ...)?
_tap_code_ok()
{
    _IFS=$IFS
    IFS='|'
    for _c in $1; do
        if [ "$_c" = "$2" ]; then
            IFS=$_IFS
            return 0
        fi
    done
    IFS=$_IFS
    return 1
}

expect_exit()
{
    _want=$1
    shift
    _desc=
    if [ "${1-}" != -- ]; then
        _desc=$1
        shift
    fi
    [ "${1-}" = -- ] && shift
    run "$@"
    [ -n "$_desc" ] || _desc="exit $_want: $(printf '%s' "$_tap_last_cmd" | cut -c1-100)"
    if _tap_code_ok "$_want" "$RC"; then
        pass "$_desc"
    elif [ "$RC" -ge 126 ]; then
        fail "$_desc" "expected exit status $_want; the program crashed or was killed (status $RC)"
    else
        fail "$_desc" "expected exit status $_want, got $RC"
    fi
}

expect_no_crash()
{
    if [ "$RC" -lt 126 ] && [ "$RC" != 124 ]; then
        pass "${1:-no crash: $(printf '%s' "$_tap_last_cmd" | cut -c1-100)}"
    else
        fail "${1:-no crash: $(printf '%s' "$_tap_last_cmd" | cut -c1-100)}" \
            "exit status $RC: killed by a signal or timed out"
    fi
}

_tap_expect_grep()
{
    # $1 = stream name, $2 = file, $3 = grep mode (-F/-E), $4 = pattern,
    # $5 = want (found/absent), $6 = description
    if grep -q "$3" -e "$4" -- "$2"; then _found=found; else _found=absent; fi
    if [ "$_found" = "$5" ]; then
        pass "$6"
    elif [ "$5" = found ]; then
        fail "$6" "$1 does not contain: $4"
    else
        fail "$6" "$1 should not contain: $4"
    fi
}

expect_stdout_contains()
{
    _tap_expect_grep stdout "$OUT" -F "$1" found "${2:-stdout contains '$1'}"
}

expect_stderr_contains()
{
    _tap_expect_grep stderr "$ERR" -F "$1" found "${2:-stderr contains '$1'}"
}

expect_stdout_lacks()
{
    _tap_expect_grep stdout "$OUT" -F "$1" absent "${2:-stdout lacks '$1'}"
}

expect_stderr_lacks()
{
    _tap_expect_grep stderr "$ERR" -F "$1" absent "${2:-stderr lacks '$1'}"
}

expect_stdout_matches()
{
    _tap_expect_grep stdout "$OUT" -E "$1" found "${2:-stdout matches /$1/}"
}

expect_stderr_matches()
{
    _tap_expect_grep stderr "$ERR" -E "$1" found "${2:-stderr matches /$1/}"
}

expect_stdout_is()
{
    _got=$(cat "$OUT")
    if [ "$_got" = "$1" ]; then
        pass "${2:-stdout is '$1'}"
    else
        fail "${2:-stdout is '$1'}" "expected stdout: $1"
    fi
}

# Write COUNT JSON Lines documents of 40 Zipf-ish words ("w<n>x") to
# DIR/FILE, deterministically from SEED; TAG (may be empty) starts every
# text.  Shared by the crash and disk-full tests.
gen_jsonl_part()
{
    awk -v dir="$1" -v file="$2" -v seed="$3" -v tag="$4" -v count="$5" 'BEGIN {
        srand(seed)
        for (d = 0; d < count; d++) {
            line = tag
            for (w = 0; w < 40; w++)
                line = line sprintf(" w%dx", int(rand() * rand() * 100000))
            printf "{\"id\":\"%s-%d\",\"text\":\"%s\"}\n", file, d, line > (dir "/" file)
        }
    }'
}

# The program PROGRAM of the build tree itself: the one its libtool
# wrapper runs, or PROGRAM when it is no wrapper (cops-query linked with
# the engine, configure --enable-static-query).
real_program()
{
    if [ "$(head -c 2 "$COPS_BUILDDIR/$1")" = "#!" ]; then
        echo "$COPS_BUILDDIR/.libs/$1"
    else
        echo "$COPS_BUILDDIR/$1"
    fi
}

# Set INDEX and QUERY to the programs themselves, not their libtool
# wrappers, so that an LD_PRELOAD fault shim reaches them.
real_programs()
{
    LD_LIBRARY_PATH=$COPS_BUILDDIR/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
    INDEX=$(real_program cops-index)
    QUERY=$(real_program cops-query)
}

# The program PROGRAM of the build tree as an LD_PRELOAD fault shim
# reaches it: a static program has no loader to preload anything, so
# cops-query linked -static-pie (configure.ac, "cops-query without a
# loader") is replaced by its twin cops-query-dynamic, the same code
# linked as before.
preloadable_program()
{
    if [ "$1" = cops-query ] && [ "$COPS_STATIC_PIE_QUERY" = yes ]; then
        echo "$COPS_BUILDDIR/cops-query-dynamic"
    else
        real_program "$1"
    fi
}

# Set SHIM to the fault shim tests/faults/libNAME.so (tests/faults.mk) and
# call real_programs, QUERY then being the preloadable_program; skip the
# whole script when the shim is not built.
# The shim is preloaded ahead of AddressSanitizer's runtime in the sanitizer
# build, which verify_asan_link_order=0 allows.
fault_shim()
{
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    export ASAN_OPTIONS
    SHIM=$COPS_BUILDDIR/tests/faults/.libs/lib$1.so
    if [ ! -f "$SHIM" ]; then
        echo "1..0 # SKIP the fault shim $SHIM is not built (make check builds it)"
        exit 0
    fi
    real_programs
    QUERY=$(preloadable_program cops-query)
}

# For the SIGKILL tests: the programs themselves (real_programs), so that
# a kill reaches cops-index, and SHIM the fault shim that slows fsync and
# rename (kills inside the commit), or empty when it is not built.
crash_programs()
{
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    export ASAN_OPTIONS
    real_programs
    SHIM=$COPS_BUILDDIR/tests/faults/.libs/libenospc.so
    [ -f "$SHIM" ] || SHIM=
}

# leftovers DIR: print every file of index DIR that neither is LOCK or
# MANIFEST nor is named by the MANIFEST.
leftovers()
{
    for _f in $(ls -A "$1"); do
        case $_f in LOCK | MANIFEST) continue ;; esac
        grep -q -w -F -e "$_f" "$1/MANIFEST" || printf '%s
' "$_f"
    done
}

# batch_matches DIR: the counts and the sorted identifiers of all hits of
# the queries in $QUERIES (one a line), through $QUERY.
batch_matches()
{
    printf '%s\n' "$QUERIES" | "$QUERY" -i "$1" --batch --count
    printf '%s\n' "$QUERIES" | "$QUERY" -i "$1" --batch --ids -n 100000 | sort
}

now() { date +%s%N; }

# Copy the bundled seed corpus to DIR/corpus (created).
copy_seed_corpus()
{
    mkdir -p "$1/corpus" &&
        cp "$CORPUS/$SEED_A" "$CORPUS/$SEED_B" "$1/corpus/" &&
        chmod u+w "$1/corpus/$SEED_A" "$1/corpus/$SEED_B"
}

# In $TMP (the working directory after it): copy the seed corpus and index
# it into .cops, or bail out.
index_seed_corpus()
{
    cd "$TMP" || exit 99
    copy_seed_corpus "$TMP" || exit 99
    run cops_index -q
    if [ "$RC" != 0 ]; then
        echo "Bail out! cannot index the seed corpus: $(cat "$ERR")"
        exit 99
    fi
}

# index_engine ENGINE DIR INPUT...: index INPUT into DIR with ENGINE
# (native or xapian) and test that it worked; returns 1 after a TAP skip
# when ENGINE is xapian and this cops was built without it.
index_engine()
{
    _engine=$1 _dir=$2
    shift 2
    run cops_index -q --engine "$_engine" -i "$_dir" "$@"
    if [ "$_engine" = xapian ] && [ "$RC" != 0 ] && grep -q "not built in" "$ERR"; then
        skip "the $_engine engine" "the Xapian engine is not built in"
        return 1
    fi
    check "$_engine: indexed into $_dir" test "$RC" = 0
}

# Start a background command whose pid is killed on exit.
# Its output goes to $TMP/.tap/background so that it does not hold the pipe
# to the test driver open.
background()
{
    "$@" >>"$_tap_dir/background" 2>&1 </dev/null &
    BG_PIDS="$BG_PIDS $!"
}
