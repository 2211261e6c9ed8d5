#!/bin/sh
# cops-index --memory 16 on a generated corpus of a few MB (so the inverter
# spills sorted runs and merges them) gives the same answers as the default
# memory budget, its segment reordered as well.
. "$COPS_SRCDIR/tests/cli/lib.sh"

# same_answers BIG SMALL LABEL QUERY...: each query's count and ids (up to
# 100) from index SMALL are those from index BIG.
same_answers() {
    big=$1 small=$2 label=$3
    shift 3
    for q in "$@"; do
        for how in --count --ids; do
            run cops_query -i "$big" $how -n 100 "$q"
            cp "$OUT" same.out
            run cops_query -i "$small" $how -n 100 "$q"
            check "$label, $how '$q': the same answer" cmp -s same.out "$OUT"
        done
    done
}


cd "$TMP" || exit 99
mkdir gen || exit 99

# About 4 MB: 10000 JSON Lines documents of 40 words drawn from a skewed
# vocabulary of 50000 words, plus 20 text files.  awk's rand() with a fixed
# seed makes it reproducible.
awk 'BEGIN {
    srand(7)
    for (d = 0; d < 10000; d++) {
        line = ""
        for (w = 0; w < 40; w++)
            line = line sprintf(" t%dq", int(rand() * rand() * 50000))
        printf "{\"id\":\"d%d\",\"date\":\"2017-%02d-%02d\",\"text\":\"%s\"}\n", d, d % 12 + 1, d % 28 + 1, line > "gen/docs.jsonl"
    }
    for (f = 0; f < 20; f++) {
        file = sprintf("gen/file%02d.txt", f)
        for (l = 0; l < 300; l++) {
            line = ""
            for (w = 0; w < 12; w++)
                line = line sprintf(" t%dq", int(rand() * rand() * 20000))
            print line > file
        }
        close(file)
    }
}' || exit 99

expect_exit 0 "indexing with the default memory budget" -- cops_index -i big gen
expect_stderr_matches 'indexed 10020 documents' "10020 documents with the default memory"
expect_exit 0 "indexing with --memory 16" -- cops_index -i small --memory 16 gen
expect_stderr_matches 'indexed 10020 documents' "10020 documents with --memory 16"
# the graph and its bisection do not fit beside the postings in 16 MB:
# the postings go to disk to make room, and the segment is reordered
expect_stderr_matches 'reordered in [0-9.]+ s' "the --memory 16 build is reordered"
check "no spill runs are left in the index directory" \
    sh -c '! ls small | grep -v -e "^LOCK$" -e "^MANIFEST$" -e "^seg-[0-9]*\.cops$" -e "^files-[0-9]*\.cat$"'

expect_exit 0 "--stats of the default build" -- cops_index -i big --stats
grep -E '^(documents|terms|postings|positions) ' "$OUT" >big.stats
expect_exit 0 "--stats of the --memory 16 build" -- cops_index -i small --stats
grep -E '^(documents|terms|postings|positions) ' "$OUT" >small.stats
check "both builds have the same documents, terms, postings and positions" cmp -s big.stats small.stats

# 30000 more documents (9 MB): the postings outgrow 16 MB, are spilled to
# runs and merged, and the segment is reordered all the same (its graph
# read from the runs), with the answers of the default build.
mkdir gen2 || exit 99
awk 'BEGIN {
    srand(11)
    for (d = 0; d < 30000; d++) {
        line = ""
        for (w = 0; w < 40; w++)
            line = line sprintf(" t%dq", int(rand() * rand() * 50000))
        printf "{\"id\":\"e%d\",\"text\":\"%s\"}\n", d, line > "gen2/more.jsonl"
    }
}' || exit 99
expect_exit 0 "indexing 40020 documents with the default memory" -- cops_index -i big2 gen gen2
expect_exit 0 "indexing 40020 documents with --memory 16" -- cops_index -i small2 --memory 16 gen gen2
expect_stderr_matches 'reordered in [0-9.]+ s' "the spilled --memory 16 build is reordered"
same_answers big2 small2 "spilled and reordered" t1q 't0q AND t3q' '"t0q t1q"' t49999q

# 24000 documents of 30 words each in 4 of them and 10 each in 8: the
# graph of all of them and its bisection (many words, few documents
# each) outgrow --memory 24, so the words in 8 documents are left out of
# it and the segment is reordered by the others; under --memory 16 not
# even those fit, and the summary says what the whole graph needs.
mkdir gen3 || exit 99
awk 'BEGIN {
    for (d = 0; d < 24000; d++) {
        line = ""
        for (k = 0; k < 30; k++)
            line = line sprintf(" a%dx", (d % 6000) * 30 + k)
        for (k = 0; k < 10; k++)
            line = line sprintf(" b%dx", (d % 3000) * 10 + k)
        printf "{\"id\":\"c%d\",\"text\":\"%s\"}\n", d, line > "gen3/c.jsonl"
    }
}' || exit 99
expect_exit 0 "indexing the words in 4 or 8 documents" -- cops_index -i big3 gen3
expect_exit 0 "... with --memory 24" -- cops_index -i small3 --memory 24 gen3
expect_stderr_matches 'reordered in [0-9.]+ s' "the --memory 24 build is reordered, its graph capped"
same_answers big3 small3 "capped graph" a5x b7x 'a0x OR b2999x' '"a30x a31x"'
expect_exit 0 "... with --memory 16" -- cops_index -i tiny3 --memory 16 gen3
expect_stderr_matches 'not reordered: the document graph needs [0-9.]+ MB' \
    "--memory 16: not reordered, and what the graph needs is told"
expect_stderr_lacks 'needs 0.' "--memory 16: the whole graph's need, not the capped one's"

expect_exit 2 "--memory below the minimum of 16 exits 2" -- cops_index -q -i tiny --memory 15 gen/file00.txt
expect_stderr_contains "16" "--memory 15: the message gives the minimum"
check "--memory 15 creates no index" test ! -f tiny/MANIFEST

while IFS= read -r q; do
    run cops_query -i big --count "$q"
    big_rc=$RC
    big_count=$(cat "$OUT")
    run cops_query -i small --count "$q"
    if [ "$RC" = "$big_rc" ] && [ "$(cat "$OUT")" = "$big_count" ]; then
        pass "--count '$q': same answer ($big_count)"
    else
        fail "--count '$q': same answer" "default memory: exit $big_rc, count $big_count"
    fi
    run cops_query -i big --ids -n 100 "$q"
    cp "$OUT" big.ids
    run cops_query -i small --ids -n 100 "$q"
    if cmp -s big.ids "$OUT"; then
        pass "--ids '$q': same hits in the same order"
    else
        fail "--ids '$q': same hits in the same order" "default memory gave: $(head -5 big.ids | tr '\n' ' ')"
    fi
done <<'EOF'
t1q
t5q
t0q AND t3q
t1q OR t2q OR t49000q
"t0q t1q"
t123*
t3q NOT t4q
t7q NEAR/5 t8q
date:2017-03
t49999q
EOF

done_testing
