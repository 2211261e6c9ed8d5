#!/bin/sh
# Field groups title:(...), boosts x^n and fuzzy words w~n (issue 17,
# query/GRAMMAR.md), checked against a brute force over generated
# documents (awk: the titles and texts as written, an edit distance of its
# own), with both engines when Xapian is built.  Stemming is off, so the
# index holds the words as written.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
# 90 documents: a title of 2 words and a text of 4, from a vocabulary
# holding misspellings of each other; then 78 documents of one word each,
# "qa" and its 77 neighbours within one edit (qab.., qba.., qb..): more
# than a fuzzy word's 50 expansions.
awk 'BEGIN {
    srand(17)
    n = split("budget budgte bduget budgets budge police polcie polices plice rain train brain grain", w, " ")
    for (d = 0; d < 90; d++) {
        title = w[int(rand() * n) + 1] " " w[int(rand() * n) + 1]
        text = ""
        for (i = 0; i < 4; i++) text = text " " w[int(rand() * n) + 1]
        printf "{\"id\":\"d%02d\",\"title\":\"%s\",\"text\":\"%s\"}\n", d, title, substr(text, 2)
    }
    printf "{\"id\":\"q\",\"title\":\"\",\"text\":\"qa\"}\n"
    letters = "abcdefghijklmnopqrstuvwxyz"
    for (i = 1; i <= 26; i++) {
        c = substr(letters, i, 1)
        printf "{\"id\":\"q-qa%s\",\"title\":\"\",\"text\":\"qa%s\"}\n", c, c
        # (ids are one document each: "qaa" is in q-qaa and q-qaa-2)
        printf "{\"id\":\"q-q%sa%s\",\"title\":\"\",\"text\":\"q%sa\"}\n", c, c == "a" ? "-2" : "", c
        if (c != "a")
            printf "{\"id\":\"q-q%s\",\"title\":\"\",\"text\":\"q%s\"}\n", c, c
    }
}' >corpus/docs.jsonl || exit 99

# The brute force: the ids (sorted) of the documents the query matches.
#   group-or A B | group-and A B | group-not A B: title:(A OR B), (A B), (A -B)
#   group-phrase A B C: title:("A B" C*)
#   fuzzy W N [title]: a word within N edits of W (optimal string
#     alignment), starting with W's first or second letter; in the title
#     only with "title"; at most 50 words, the nearest, then those in most
#     documents, then in byte order (query/lower.h, "Fuzzy words")
expected()
{
    rm -f kept.tmp
    awk -v kind="$1" -v a="$2" -v b="${3-}" -v c="${4-}" '
    function osa(s, t,    m, n, i, j, d, best, x) {
        m = length(s); n = length(t)
        for (i = 0; i <= m; i++) d[i, 0] = i
        for (j = 0; j <= n; j++) d[0, j] = j
        for (i = 1; i <= m; i++)
            for (j = 1; j <= n; j++) {
                best = d[i - 1, j - 1] + (substr(s, i, 1) != substr(t, j, 1))
                if (d[i - 1, j] + 1 < best) best = d[i - 1, j] + 1
                if (d[i, j - 1] + 1 < best) best = d[i, j - 1] + 1
                if (i > 1 && j > 1 && substr(s, i, 1) == substr(t, j - 1, 1) \
                    && substr(s, i - 1, 1) == substr(t, j, 1) && d[i - 2, j - 2] + 1 < best)
                    best = d[i - 2, j - 2] + 1
                d[i, j] = best
            }
        return d[m, n]
    }
    function field(name) {
        match($0, "\"" name "\":\"[^\"]*\"")
        return substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
    }
    {
        id[NR] = field("id"); title[NR] = " " field("title") " "; text[NR] = " " field("text") " "
        all = title[NR] text[NR]
        k = split(kind == "fuzzy" && c == "title" ? title[NR] : all, words, " ")
        delete seen
        for (i = 1; i <= k; i++) if (!(words[i] in seen)) { seen[words[i]] = 1; df[words[i]]++ }
    }
    END {
        if (kind == "fuzzy") {
            # the kept words: distance, then df (descending), then bytes
            for (x in df) {
                first = substr(x, 1, 1)
                if (first != substr(a, 1, 1) && first != substr(a, 2, 1)) continue
                dist = osa(a, x)
                if (dist <= b) printf "%d %09d %s\n", dist, 999999999 - df[x], x | "LC_ALL=C sort > kept.tmp"
            }
            close("LC_ALL=C sort > kept.tmp")
            kept = 0
            while ((getline line < "kept.tmp") > 0 && kept < 50) { split(line, p, " "); keep[p[3]] = 1; kept++ }
        }
        for (r = 1; r <= NR; r++) {
            t = title[r]; hit = 0
            if (kind == "group-or") hit = index(t, " " a " ") || index(t, " " b " ")
            else if (kind == "group-and") hit = index(t, " " a " ") && index(t, " " b " ")
            else if (kind == "group-not") hit = index(t, " " a " ") && !index(t, " " b " ")
            else if (kind == "group-phrase") hit = index(t, " " a " " b " ") && index(t, " " c)
            else if (kind == "fuzzy") {
                k = split(c == "title" ? t : t text[r], words, " ")
                for (i = 1; i <= k; i++) if (words[i] in keep) hit = 1
            }
            if (hit) print id[r] | "LC_ALL=C sort"
        }
    }' corpus/docs.jsonl
}

# check_set NAME QUERY BRUTE-FORCE-ARGS...
check_set()
{
    _name=$1 _query=$2
    shift 2
    expected "$@" >expected.ids
    expect_exit "0|1" "$engine: $_query" -- cops_query -i "$dir" --ids -n 1000 "$_query"
    LC_ALL=C sort "$OUT" >got.ids
    check "$engine: $_query: $_name ($(wc -l <expected.ids) documents)" cmp -s expected.ids got.ids
}

# The scores of QUERY by id, one "id score" line each, sorted by id.
scores()
{
    "$COPS_QUERY_PROG" -i "$dir" --json -n 1000 "$1" >scores.json 2>/dev/null
    sed -n 's/^{"rank":[0-9]*,"id":"\([^"]*\)".*"score":\([0-9.e+-]*\).*/\1 \2/p' scores.json \
        | LC_ALL=C sort
}

for engine in native xapian; do
    dir=idx-$engine
    index_engine $engine $dir --no-stem corpus || continue

    # Field groups: the field on every word inside.
    check_set "titles with either" 'title:(budget OR rain)' group-or budget rain
    check_set "titles with both" 'title:(police train)' group-and police train
    check_set "titles with one, not the other" 'title:(grain -brain)' group-not grain brain
    check_set "a title phrase and a title prefix" 'title:("police rain" bud*)' \
        group-phrase police rain bud
    expected group-or budget rain >either.ids
    expected group-or police polcie >other.ids
    { LC_ALL=C comm -12 either.ids other.ids; expected group-and brain brain; } \
        | LC_ALL=C sort -u >expected.ids
    expect_exit 0 "$engine: nested groups" -- cops_query -i "$dir" --ids -n 1000 \
        'title:((budget OR rain) AND (police OR polcie)) OR title:(brain brain)'
    LC_ALL=C sort "$OUT" >got.ids
    check "$engine: nested groups: (budget|rain) and (police|polcie) in the title, or brain" \
        cmp -s expected.ids got.ids

    # Fuzzy words: the words within the edits, in the title or the text.
    for q in budget~1 budget~2 budget~ budgte~1 police~1 plice~1 polcie~2 rain~1 qrain~1 olice~1 \
        zzzz~2; do
        word=${q%~*} n=${q#*~}
        check_set "within ${n:-2} edits" "$q" fuzzy "$word" "${n:-2}"
    done
    check_set "within 1 edit, in the title" 'title:rain~1' fuzzy rain 1 title
    check_set "at most 50 words: qa and the first 49 in byte order" 'qa~1' fuzzy qa 1
    expect_exit 0 "$engine: qa~1 counts" -- cops_query -i "$dir" --count 'qa~1'
    expect_stdout_is 51 "$engine: qa~1: 76 words within one edit, 50 kept (qaa in two documents)"
    expect_stderr_contains "note: 'qa~1': 77 indexed words are within 1 edit; the 50 nearest" \
        "$engine: a note says the expansion was cut"
    expect_exit 0 "$engine: qa~1 --json" -- cops_query -i "$dir" --json -n 0 'qa~1'
    expect_stdout_contains '"notes":["'"'"'qa~1'"'"': 77 indexed words are within 1 edit;' \
        "$engine: the JSON summary holds the note"
    expect_exit 0 "$engine: budget~1" -- cops_query -i "$dir" --count 'budget~1'
    expect_stderr_lacks "note:" "$engine: no note when nothing is cut"

    # Boosts: the same documents, every score times the factor.
    for q in 'budget' 'title:police' '"police rain"' 'bud*' '(rain OR grain)' 'plice~1'; do
        scores "$q" >plain.scores
        for factor in 2 0.5 1000; do
            scores "$q^$factor" >boosted.scores
            check "$engine: $q^$factor: the same documents, each score times $factor" \
                awk -v f="$factor" 'NR == FNR { s[$1] = $2; n++; next }
                    { m++; if (!($1 in s)) exit 1
                      d = $2 - f * s[$1]; if (d < 0) d = -d
                      if (d > 1e-4 * ($2 > 0 ? $2 : 1)) exit 1 }
                    END { exit !(n == m && n > 0) }' plain.scores boosted.scores
        done
    done
    # A boost changes the order: budget^1000 outranks every rain alone.
    "$COPS_QUERY_PROG" -i "$dir" --ids -n 1000 budget >budget.ids 2>/dev/null
    expect_exit 0 "$engine: budget^1000 OR rain" -- cops_query -i "$dir" --ids -n 1000 \
        'budget^1000 OR rain'
    check "$engine: every document with budget comes before those with rain alone" \
        awk 'NR == FNR { b[$1] = 1; next }
             { if (!($1 in b)) other = 1; else if (other) exit 1 }' budget.ids "$OUT"
done

# --explain shows the factor (native engine).
expect_exit 0 "--explain of a boost" -- cops_query -i idx-native --explain -n 1 'police^2'
expect_stdout_matches '^ *boost \^2, times 2\.0000: [0-9.]+$' "--explain shows the factor"
expect_stdout_matches '^ *BOOST \^2 ' "--explain's query tree shows the boost"
expect_exit 0 "--explain of a fuzzy word" -- cops_query -i idx-native --explain -n 1 'plice~1'
expect_stdout_matches '^ *plice~1: [0-9.]+ \(weight' "--explain shows one blended term per field"

done_testing
