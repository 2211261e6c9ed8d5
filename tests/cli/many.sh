#!/bin/sh
# Several indexes searched as one (-i A -i B, cops_index_open_many): the
# hits and scores equal those of one index built from all the files (the
# statistics are over all of them), each hit names its index (text,
# --ids as DIR<tab>ID, "index" in --json); indexes of another analysis,
# a Xapian index among them and a missing one are errors.
. "$COPS_SRCDIR/tests/cli/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 is needed to compare the JSON"
    exit 0
fi
cd "$TMP" || exit 99
mkdir one two all
# 60 files of Zipf-ish words over ten words, two thirds in one/, a third in two/.
awk 'BEGIN {
    srand(9)
    split("ash bay cove dell elm fen glen holt isle jut", w, " ")
    for (d = 0; d < 60; d++) {
        file = (d % 3 == 2 ? "two" : "one") "/f" d ".txt"
        line = ""
        for (n = 0; n < 3 + int(rand() * 12); n++)
            line = line " " w[int(rand() * rand() * 10) + 1]
        print substr(line, 2) > file
        close(file)
    }
}' || exit 99
cp one/* two/* all/

expect_exit 0 "index one" -- cops_index -q -i i1 one
expect_exit 0 "index two" -- cops_index -q -i i2 two
expect_exit 0 "index all" -- cops_index -q -i iall all

for q in ash bay 'ash bay' 'cove OR jut' '"ash ash"' 'elm -ash' 'b*' 'fen NEAR/3 ash'; do
    expect_exit "0|1" "one index: $q" -- cops_query -i iall --json --no-snippets -n 1000 "$q"
    cp "$OUT" all.json
    expect_exit "0|1" "two indexes: $q" -- cops_query -i i1 -i i2 --json --no-snippets -n 1000 "$q"
    check "$q: the same documents and scores as one index of all" python3 -c '
import json, os, sys
def hits(path):
    lines = [json.loads(l) for l in open(path, encoding="utf-8")]
    return lines[-1]["summary"]["total"], sorted(
        (os.path.basename(h["id"]), round(h["score"], 9)) for h in lines[:-1])
assert hits(sys.argv[1]) == hits(sys.argv[2]), (hits(sys.argv[1]), hits(sys.argv[2]))
' all.json "$OUT"
    check "$q: each hit names the index of its file" python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    hit = json.loads(line)
    if "summary" in hit:
        continue
    want = "i1" if hit["id"].startswith("one/") else "i2"
    assert hit["index"] == want, hit
' "$OUT"
done

expect_exit 0 "--ids: DIR, a tab, the id" -- cops_query -i i1 -i i2 --ids -n 1000 ash
tab=$(printf '\t')
check "every line is i1 or i2, a tab, an id" test -z "$(grep -v "^i[12]${tab}[a-z]*/f[0-9]*\.txt\$" "$OUT")"
expect_exit 0 "text: the index is shown" -- cops_query -i i1 -i i2 -n 100 ash
expect_stdout_contains "(index i2)"
expect_exit 0 "one -i: no index named" -- cops_query -i i1 --json ash
expect_stdout_lacks '"index"'

expect_exit 0 "an unstemmed index" -- cops_index -q --no-stem -i plain two
expect_exit 2 "another analysis is refused" -- cops_query -i i1 -i plain ash
expect_stderr_contains "another analysis"
expect_exit 2 "a missing index" -- cops_query -i i1 -i nowhere ash
expect_stderr_contains "nowhere"
run cops_index -q --engine xapian -i xidx two
if [ "$RC" = 0 ]; then
    expect_exit 2 "a Xapian index among them is refused" -- cops_query -i i1 -i xidx ash
    expect_stderr_contains "native"
else
    skip "a Xapian index among them" "the Xapian engine is not built in"
fi

done_testing
