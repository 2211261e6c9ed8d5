#!/bin/sh
# Incremental updates: over many rounds, files are edited, added, deleted
# and touched; after each incremental run of cops-index every query must
# answer exactly as a fresh build of the same files does: the same counts,
# the same sets of documents and the same scores (to the last digit the
# JSON output prints).  Also: the index checks sound every round, the
# number of segments stays bounded, --merge gives one segment with the
# same answers, and a change of analysis is refused unless --rebuild, which
# rebuilds everything.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

# --- deterministic corpus generator ------------------------------------------
# Word lists: a skewed draw from VOCAB makes frequent and rare words; some
# fixed bigrams give the phrase queries something to find.
VOCAB='river mountain harbor forest bridge valley quiet storm lantern meadow
copper signal garden winter summer falcon orchard canyon beacon harvest
timber glacier island market village thunder amber silver pilgrim compass
hollow ember quarry saddle thistle marble nectar willow raven cobalt'

# gen_text SEED WORDS: a text document: a date line, a title line, a body.
gen_text()
{
    awk -v seed="$1" -v n="$2" -v vocab="$VOCAB" '
    function w() { return V[int(nv * rand() * rand()) + 1] }
    BEGIN {
        srand(seed); nv = split(vocab, V, /[ \n]+/)
        printf "date %04d-%02d-%02d\n", 2015 + int(rand() * 8), 1 + int(rand() * 12), 1 + int(rand() * 28)
        t = 2 + int(rand() * 3); title = ""
        for (i = 0; i < t; i++) title = title (i ? " " : "") w()
        if (rand() < 0.25) title = "quiet river " title
        print toupper(substr(title, 1, 1)) substr(title, 2)
        print ""
        line = ""
        for (i = 0; i < n; i++) {
            r = rand()
            if (r < 0.03) word = "quiet river"
            else if (r < 0.05) word = "copper lantern"
            else word = w()
            line = line (line == "" ? "" : " ") word
            if (length(line) > 70) { print line; line = "" }
        }
        if (line != "") print line
    }'
}

# gen_jsonl SEED: 20 records with ids rec-01..rec-20 (the same ids each
# time, other contents).
gen_jsonl()
{
    awk -v seed="$1" -v vocab="$VOCAB" '
    function w() { return V[int(nv * rand() * rand()) + 1] }
    BEGIN {
        srand(seed); nv = split(vocab, V, /[ \n]+/)
        for (r = 1; r <= 20; r++) {
            title = w() " " w()
            text = ""
            m = 30 + int(rand() * 120)
            for (i = 0; i < m; i++) text = text (i ? " " : "") (rand() < 0.04 ? "quiet river" : w())
            printf "{\"id\":\"rec-%02d\",\"title\":\"%s\",\"text\":\"%s zephyr\",\"date\":\"%04d-%02d-%02d\"}\n",
                r, title, text, 2015 + int(rand() * 8), 1 + int(rand() * 12), 1 + int(rand() * 28)
        }
    }'
}

# gen_html SEED
gen_html()
{
    awk -v seed="$1" -v vocab="$VOCAB" '
    function w() { return V[int(nv * rand() * rand()) + 1] }
    BEGIN {
        srand(seed); nv = split(vocab, V, /[ \n]+/)
        printf "<html><head><title>%s %s &amp; %s</title><style>p{color:red}</style></head><body>\n", w(), w(), w()
        for (p = 0; p < 6; p++) {
            printf "<p>"
            for (i = 0; i < 40; i++) printf "%s%s", (i ? " " : ""), (i == 7 ? "<b>" w() "</b>" : w())
            print " gazebo</p>"
        }
        print "<script>var river = 1;</script></body></html>"
    }'
}

# rnd SEED N: a deterministic number in 0..N-1.
rnd()
{
    awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed); rand(); print int(rand() * n) }'
}

mkdir -p corpus/sub || exit 99
i=1
while [ $i -le 40 ]; do
    gen_text $((1000 + i)) $((150 + (i * 37) % 250)) >"corpus/t$(printf %03d $i).txt"
    i=$((i + 1))
done
i=1
while [ $i -le 4 ]; do
    gen_text $((2000 + i)) 120 >"corpus/sub/s$i.txt"
    i=$((i + 1))
done
gen_jsonl 3000 >corpus/records.jsonl
gen_html 4000 >corpus/page.html
next_new=41 # number of the next added file

# --- the fixed set of queries ---------------------------------------------------
QUERIES=$TMP/queries
cat >"$QUERIES" <<'EOF'
river
thistle
cobalt
river AND mountain
harbor OR raven
NOT thistle
cobalt NOT thistle
"quiet river"
"copper lantern"
har*
wil*
date:2018
date:2016-03-01..2019-06-30
title:river
title:"quiet river"
(storm OR glacier) AND date:2020..
+meadow -summer falcon
bridge NEAR/3 valley
zephyr
gazebo
xylophone
EOF
NQUERIES=$(wc -l <"$QUERIES" | tr -d ' ')

# answers IDX DIR: the answers of every query on IDX into DIR/<n>.count (the
# --count output), DIR/<n>.ids (the --ids output, sorted) and DIR/<n>.scores
# ("id score" from the --json output, sorted by id), n = 1, 2, ...
# Each kind is asked in one --batch run; a query that fails would shift the
# answers, so any output on standard error is an error.
answers()
{
    rm -rf "$2" && mkdir -p "$2" || return 1
    "$COPS_QUERY_PROG" -i "$1" --batch --count <"$QUERIES" >"$2/all.count" 2>"$2/errors" &&
        "$COPS_QUERY_PROG" -i "$1" --batch --ids -n 1000 <"$QUERIES" >"$2/all.ids" 2>>"$2/errors" &&
        "$COPS_QUERY_PROG" -i "$1" --batch --json -n 1000 --no-snippets <"$QUERIES" \
            >"$2/all.json" 2>>"$2/errors" || {
        diag "cops-query --batch failed on $1:"
        sed 's/^/#   /' "$2/errors"
        return 1
    }
    if [ -s "$2/errors" ]; then
        diag "cops-query --batch complained on $1:"
        sed 's/^/#   /' "$2/errors"
        return 1
    fi
    awk -v d="$2" '{ f = d "/" NR ".count"; print > f; close(f) }' "$2/all.count"
    awk -v d="$2" 'BEGIN { n = 1 }
        /^$/ { n++; next }
        { print > (d "/" n ".ids.u") }
        END { for (i = 1; i < n; i++) { f = d "/" i ".ids.u"; printf "" >> f; close(f) } }' "$2/all.ids"
    awk -v d="$2" 'BEGIN { n = 1 }
        /^\{"summary"/ { n++; next }
        {
            if (match($0, /"id":"[^"]*"/)) id = substr($0, RSTART + 6, RLENGTH - 7); else id = "?"
            if (match($0, /"score":[^,}]*/)) score = substr($0, RSTART + 8, RLENGTH - 8); else score = "?"
            print id, score > (d "/" n ".scores.u")
        }
        END { for (i = 1; i < n; i++) { f = d "/" i ".scores.u"; printf "" >> f; close(f) } }' "$2/all.json"
    _n=1
    while [ $_n -le "$NQUERIES" ]; do
        if [ ! -f "$2/$_n.ids.u" ] || [ ! -f "$2/$_n.scores.u" ] || [ ! -f "$2/$_n.count" ]; then
            diag "cops-query --batch on $1: no answer to query $_n"
            return 1
        fi
        LC_ALL=C sort "$2/$_n.ids.u" >"$2/$_n.ids"
        LC_ALL=C sort "$2/$_n.scores.u" >"$2/$_n.scores"
        _n=$((_n + 1))
    done
}

bail()
{
    echo "Bail out! $*"
    exit 99
}

QUERIES_COMPARED=0
# compare_answers DIR_GOT DIR_WANT LABEL [TODO]: three results (counts, id
# sets, scores), TAP TODO with the reason TODO if given.
compare_answers()
{
    for _kind in count ids scores; do
        [ -z "${4-}" ] || todo "$4"
        _bad=
        _n=0
        while IFS= read -r _q; do
            _n=$((_n + 1))
            if ! cmp -s "$1/$_n.$_kind" "$2/$_n.$_kind"; then
                _bad="$_bad $_n"
            fi
        done <"$QUERIES"
        if [ -z "$_bad" ]; then
            pass "$3: $_kind of $NQUERIES queries equal a fresh build"
        else
            _tap_result "not ok" "$3: $_kind of $NQUERIES queries equal a fresh build"
            for _b in $_bad; do
                diag "query: $(sed -n "${_b}p" "$QUERIES")"
                diff "$2/$_b.$_kind" "$1/$_b.$_kind" | sed -n '1,12p' | sed 's/^/#   /'
            done
        fi
    done
    QUERIES_COMPARED=$((QUERIES_COMPARED + NQUERIES))
}

segments()
{
    grep -c '^segment ' "$1/MANIFEST"
}

MAX_SEGMENTS=0
MERGES=0
# update_and_compare LABEL [EXTRA OPTIONS]: incremental run, fresh build,
# comparison, --check and the segment bound.
update_and_compare()
{
    _label=$1
    shift
    expect_exit 0 "$_label: incremental cops-index" -- cops_index "$@" -i upd corpus
    cp "$ERR" "$TMP/last-update.err"
    if grep -q '(merged)' "$TMP/last-update.err"; then MERGES=$((MERGES + 1)); fi
    rm -rf fresh
    expect_exit 0 "$_label: fresh build" -- cops_index "$@" -q -i fresh corpus
    answers upd got && answers fresh want || bail "cannot collect the answers"
    compare_answers got want "$_label"
    expect_exit 0 "$_label: --check on the updated index" -- cops_index -i upd --check
    _s=$(segments upd)
    [ "$_s" -gt "$MAX_SEGMENTS" ] && MAX_SEGMENTS=$_s
    check "$_label: $_s segments, at most 8 (more trigger a merge)" test "$_s" -le 8
}

# --- round 0: the initial build --------------------------------------------------
update_and_compare "round 0 (initial build)"
expect_stderr_lacks "up to date" "round 0: a new index is not 'up to date'"
expect_exit 0 "round 0: answers are not all empty" -- cops_query -i upd --count river
check "round 0: at least 30 documents contain 'river'" test "$(cat "$OUT")" -ge 30

# The text files present now, one per line.
text_files()
{
    find corpus -name '*.txt' | LC_ALL=C sort
}

# pick SEED: one of the text files, deterministically.
pick()
{
    text_files >"$TMP/files"
    _count=$(wc -l <"$TMP/files")
    sed -n "$(($(rnd "$1" "$_count") + 1))p" "$TMP/files"
}

# The edits.
edit_append()  # FILE SEED: append a few lines
{
    gen_text "$2" 30 | sed 1,3d >>"$1"
}
edit_replace() # FILE SEED: new contents, new length
{
    gen_text "$2" $((60 + $(rnd "$2" 300))) >"$1"
}
edit_same_size() # FILE: other contents of the same size (a <-> e, o <-> i
{                # after the date line)
    { sed -n 1p "$1" && sed 1d "$1" | tr 'aeoi' 'eaio'; } >"$TMP/same" && cat "$TMP/same" >"$1"
}
add_file()     # SEED
{
    gen_text "$1" $((80 + $(rnd "$1" 250))) >"corpus/t$(printf %03d $next_new).txt"
    next_new=$((next_new + 1))
}

# A plain round: E edits (append, replace or same size), A additions,
# D deletions, T touches, SEED.
mixed_round()
{
    _seed=$5
    _k=0
    while [ $_k -lt "$1" ]; do
        _f=$(pick $((_seed + _k)))
        case $(rnd $((_seed + 50 + _k)) 3) in
        0) edit_append "$_f" $((_seed + 100 + _k)) ;;
        1) edit_replace "$_f" $((_seed + 100 + _k)) ;;
        2) edit_same_size "$_f" ;;
        esac
        _k=$((_k + 1))
    done
    _k=0
    while [ $_k -lt "$2" ]; do add_file $((_seed + 200 + _k)); _k=$((_k + 1)); done
    _k=0
    while [ $_k -lt "$3" ]; do rm -f "$(pick $((_seed + 300 + _k)))"; _k=$((_k + 1)); done
    _k=0
    while [ $_k -lt "$4" ]; do touch "$(pick $((_seed + 400 + _k)))"; _k=$((_k + 1)); done
}

# The file system stamps modification times coarsely: let every change
# land in a later tick than the previous run's reads.
tick()
{
    sleep 0.05 2>/dev/null || sleep 1
}

nothing_round()
{
    _label=$1
    cp upd/MANIFEST "$TMP/manifest.before"
    expect_exit 0 "$_label: nothing changed: cops-index exits 0" -- cops_index -i upd corpus
    cp "$ERR" "$TMP/last-update.err"
    expect_stderr_contains "is up to date" "$_label: nothing changed: 'is up to date'"
    check "$_label: nothing changed: MANIFEST byte-identical" cmp -s upd/MANIFEST "$TMP/manifest.before"
    answers upd got || bail "cannot collect the answers"
    compare_answers got want "$_label (no change)"
}

round=1
while [ $round -le 16 ]; do
    tick
    seed=$((round * 7919))
    case $round in
    3)  # mtime only: nothing is re-read as changed
        for _k in 0 1 2 3 4; do touch "$(pick $((seed + _k)))"; done
        touch corpus/records.jsonl corpus/page.html
        update_and_compare "round $round (touch only)"
        expect_exit 0 "round 3: the touched files count as unchanged" -- \
            sh -c "grep -q 'indexed 0 documents' '$TMP/last-update.err' && grep -q ' 0 documents replaced, 0 removed' '$TMP/last-update.err'"
        ;;
    5 | 12)
        nothing_round "round $round"
        ;;
    7)  # same sizes, new contents: only the content hash tells
        mixed_round 3 0 0 1 $seed
        update_and_compare "round $round (same-size edits)"
        ;;
    4 | 11)
        gen_jsonl $((seed + 1)) >corpus/records.jsonl
        mixed_round 2 1 1 1 $seed
        update_and_compare "round $round (JSON Lines replaced)"
        expect_exit 0 "round $round: the 20 records were replaced" -- \
            grep -Eq ' ([2-9][0-9]|[1-9][0-9][0-9]+) documents replaced' "$TMP/last-update.err"
        ;;
    6)
        gen_html $((seed + 1)) >corpus/page.html
        echo "<p>xylophone recital</p>" >>corpus/page.html
        mixed_round 2 1 1 2 $seed
        update_and_compare "round $round (HTML edited)"
        ;;
    10) # additions only
        mixed_round 0 3 0 0 $seed
        update_and_compare "round $round (additions only)"
        ;;
    13) # a mass deletion, with a whole folder
        rm -rf corpus/sub
        _k=0
        while [ $_k -lt 14 ]; do rm -f "$(pick $((seed + _k)))"; _k=$((_k + 1)); done
        update_and_compare "round $round (mass deletion)"
        ;;
    15) # the JSON Lines file disappears ...
        mv corpus/records.jsonl "$TMP/records.jsonl"
        mixed_round 1 0 0 0 $seed
        update_and_compare "round $round (JSON Lines file removed)"
        expect_exit 1 "round $round: the records are gone" -- cops_query -i upd --count zephyr
        ;;
    16) # ... and comes back, along with a word that was never there
        mv "$TMP/records.jsonl" corpus/records.jsonl
        edit_append "$(pick $seed)" $((seed + 1))
        echo "xylophone" >>"$(pick $((seed + 2)))"
        update_and_compare "round $round (JSON Lines file back)"
        ;;
    *)
        mixed_round 2 2 1 2 $seed
        update_and_compare "round $round"
        ;;
    esac
    diag "round $round: $(segments upd) segments; $(grep -c '' "$TMP/files" 2>/dev/null) text files; $(sed -n 's/^cops-index: update: //p' "$TMP/last-update.err")"
    round=$((round + 1))
done
ROUNDS=$((round - 1))

check "the segment count reached more than 2 before a merge (max $MAX_SEGMENTS)" test "$MAX_SEGMENTS" -gt 2
check "at least one automatic merge happened over the rounds ($MERGES)" test "$MERGES" -ge 1

# --- --merge ------------------------------------------------------------------------
tick
mixed_round 1 1 0 0 99991
update_and_compare "before --merge"
answers upd before-merge || bail "cannot collect the answers"
check "before --merge: more than one segment" test "$(segments upd)" -gt 1
expect_exit 0 "--merge exits 0" -- cops_index --merge -i upd corpus
expect_stderr_contains "reordered" "--merge reorders (every merge does)"
check "--merge leaves one segment" test "$(segments upd)" -eq 1
answers upd got || bail "cannot collect the answers"
compare_answers got before-merge "after --merge (vs before)"
compare_answers got want "after --merge (vs fresh)"
expect_exit 0 "--check after --merge" -- cops_index -i upd --check
cp upd/MANIFEST "$TMP/manifest.before"
expect_exit 0 "--optimize on a merged index exits 0" -- cops_index --optimize -i upd corpus
expect_stderr_contains "is up to date" "--optimize on a merged index: up to date (the merge reordered)"
answers upd got || bail "cannot collect the answers"
compare_answers got before-merge "after --optimize (vs before)"
expect_exit 0 "--optimize on an optimized index exits 0" -- cops_index --optimize -i upd corpus
expect_stderr_contains "is up to date" "--optimize on one reordered segment without deletions: up to date"
check "--optimize on an optimized index: MANIFEST byte-identical" cmp -s upd/MANIFEST "$TMP/manifest.before"
expect_exit 0 "--rebuild exits 0" -- cops_index --rebuild -i upd corpus
expect_stderr_lacks "up to date" "--rebuild indexes everything again"
answers upd got || bail "cannot collect the answers"
compare_answers got want "after --rebuild"

# --- a changed analysis is refused, --rebuild rebuilds everything ---------------
# (An update starting over from the paths it named dropped the documents
# of the other roots and of standard input.)
for analysis in "--no-stem" "--language french"; do
    cp upd/MANIFEST "$TMP/manifest.before"
    # shellcheck disable=SC2086 # two words on purpose
    expect_exit 2 "analysis $analysis without --rebuild is refused" -- cops_index -q $analysis -i upd corpus
    expect_stderr_contains "other analysis options" "analysis $analysis: it says why"
    check "analysis $analysis refused: MANIFEST unchanged" cmp -s upd/MANIFEST "$TMP/manifest.before"
    # shellcheck disable=SC2086
    update_and_compare "analysis $analysis" --rebuild $analysis
    expect_stderr_lacks "up to date" "analysis $analysis: not 'up to date'"
    expect_exit 0 "analysis $analysis: --stats" -- cops_index -i upd --stats
    case $analysis in
    --no-stem) expect_stdout_matches '^analysis +none' "--stats shows no stemming" ;;
    *) expect_stdout_matches '^analysis +french$' "--stats shows the french analysis" ;;
    esac
    check "analysis $analysis: rebuilt into one segment" test "$(segments upd)" -eq 1
    tick
    mixed_round 2 1 1 0 $((77777 + ${#analysis}))
    # shellcheck disable=SC2086
    update_and_compare "analysis $analysis, then an incremental round" $analysis
done
update_and_compare "back to english" --rebuild
expect_exit 0 "back to english: --stats" -- cops_index -i upd --stats
expect_stdout_matches '^analysis +english$' "--stats shows the english analysis again"

# --- a file named twice, then once ------------------------------------------------
# Given both directly and through its folder, a file is indexed once, so
# naming it once again changes nothing and the index mirrors the inputs.
mkdir dup && cp $(text_files | sed -n 1,2p) dup/ || exit 99
twice=$(ls dup/*.txt | sed -n 1p)
expect_exit 0 "a file named twice: cops-index" -- cops_index -q -i dupidx "$twice" dup
expect_exit 0 "a file named once again: cops-index" -- cops_index -i dupidx dup
expect_exit 0 "fresh build of the folder alone" -- cops_index -q -i dupfresh dup
answers dupidx got && answers dupfresh want || bail "cannot collect the answers"
compare_answers got want "a file named twice, then once"

diag "rounds: $ROUNDS; queries compared: $QUERIES_COMPARED (each: count, id set, scores); max segments: $MAX_SEGMENTS; automatic merges: $MERGES"
done_testing
