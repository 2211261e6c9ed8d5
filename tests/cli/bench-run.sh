#!/bin/sh
# bench/run on a small generated corpus (bench/README.md): the reference
# engines index what cops keeps when an id repeats, so cops and Xapian
# count alike; --reuse builds again an index this build cannot read; the
# rounds say how long the rest will take; the scale phase runs every engine
# at 100 % and at each --scale-factor and reports each engine's growth.
# Lucene is left out (--no-lucene): a JVM's warm-up would take most of the
# time, and the code paths are the same.
. "$COPS_SRCDIR/tests/cli/lib.sh"

if ! command -v python3 >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
    skip "bench/run" "needs python3 and /usr/bin/time"
    done_testing
    exit 0
fi
cd "$TMP" || exit 99
BENCH=$COPS_SRCDIR/bench/run
# One bench/run is a pipeline of some hundred processes (indexers, a driver
# per engine, class and mode): lib.sh's 60 s bound on one command is for a
# single program, so these runs get ten minutes.
[ -n "$_tap_timeout" ] && _tap_timeout='timeout -k 5 600'

# 300 records; ids r0-r2 come again at the end without the word "zebra",
# which only their first records hold: cops keeps the later records, so
# "zebra" matches nothing there.
python3 - <<'EOF'
import json, random
r = random.Random(5)
words = "river bridge stone city north south water light house garden music paper".split()
with open("c.jsonl", "w") as f:
    for i in range(303):
        rid = f"r{i - 300}" if i >= 300 else f"r{i}"
        extra = " zebra" if i < 3 else ""
        text = " ".join(r.choice(words) for _ in range(r.randint(20, 60))) + extra + "."
        f.write(json.dumps({"id": rid, "title": r.choice(words), "url": f"u{i}",
                            "text": text}) + "\n")
EOF
printf 'zebra\nriver\n' >term.txt
printf 'river stone\nzebra north\n' >and.txt
printf 'zebra water\n' >or.txt
printf 'north water\n' >phrase.txt
Q="term.txt and.txt or.txt phrase.txt"
SMALL="--no-lucene --rounds 2 --repeat 1 --warmup 0 --index-runs 1 --count 5 --band-count 2"

run "$BENCH" --build "$COPS_BUILDDIR" --corpus c.jsonl --queries $Q --out out \
    --skip-index-compare --no-scale $SMALL
check "bench/run exits 0" test "$RC" -eq 0
expect_stderr_contains "3 records replaced by a later one with the same id"
expect_stderr_matches "round 1 took [0-9]+ s: the 1 other rounds will take about [0-9]+ s more"
have_xapian=$(python3 -c 'import json,sys; print("xapian" in {r["engine"] for r in json.load(open(sys.argv[1]))["latency_us"]})' out/bench.json)
if [ "$have_xapian" = True ]; then
    check "cops and Xapian counts agree on every query (the repeated ids included)" python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [a for a in doc["agreement"] if a["engine"] == "cops" and a["versus"] == "xapian"]
sys.exit(not (len(rows) == 4 and all(a["counts_equal"] == a["compared"] for a in rows)))' out/bench.json
else
    skip "cops and Xapian counts agree" "built without Xapian"
fi

# An index the build cannot read (as one written by an older format) is
# built again by --reuse, not found broken at the end.
printf 'not a manifest\n' >out/work/index-compare/cops.idx/MANIFEST
run "$BENCH" --build "$COPS_BUILDDIR" --corpus c.jsonl --queries $Q --out out \
    --skip-index-compare --no-scale --reuse $SMALL
check "--reuse with an unreadable cops index exits 0" test "$RC" -eq 0
expect_stderr_contains "--reuse: building the cops index again"
expect_stdout_contains "built again because this build could not use them: cops"
expect_stderr_contains "estimate from the earlier run"

# The scale phase: every engine at 100 % and at both factors, cops alone
# on the 50 % sample; an exponent per engine.
run "$BENCH" --build "$COPS_BUILDDIR" --corpus c.jsonl --queries $Q --out scale \
    --scale-only --scale-points 50,100 --scale-factor 2,3 $SMALL
check "the scale phase exits 0" test "$RC" -eq 0
check "every engine at 100 %, x2 and x3, cops alone at 50 %" python3 -c '
import json, sys
points = json.load(open(sys.argv[1]))["scale"]["points"]
every = points[1]["engines"]
sys.exit(not ([p["label"] for p in points] == ["50 %", "100 %", "x2 (synthetic)", "x3 (synthetic)"]
              and points[0]["engines"] == ["cops"] and "cops" in every
              and all(p["engines"] == every for p in points[1:])))' scale/bench.json
check "an exponent per engine for the index size and every class" python3 -c '
import json, sys
scale = json.load(open(sys.argv[1]))["scale"]
rows = {r["quantity"]: r for r in scale["engine_exponents"]}
engines = scale["points"][1]["engines"]
need = ["index MB"] + [f"{c} {m} median" for c in ("term", "and", "or", "phrase")
                                  for m in ("top10", "count")]
sys.exit(not all(q in rows and all(rows[q]["exponent"][e] is not None for e in engines)
                 for q in need))' scale/bench.json
expect_stdout_contains "#### Growth per engine (100 %, x2, x3)"

done_testing
