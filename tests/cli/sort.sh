#!/bin/sh
# --sort relevance|date|-date and the match-all `*` (cops.h): checked
# against the documents' dates sorted by the shell (undated last, ties in
# document order); `*` alone lists every document, `* date:Y` is the date
# filter, `* -w` every document without w, and --literal keeps `*` a word.
# The Xapian engine answers `*` and sorts by date the same way.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir corpus
# 40 documents: d00..d39, a date in 2016..2018 for most (some shared),
# none for every seventh; the word "common" in all, "rare" in every third.
awk 'BEGIN {
    srand(3)
    for (d = 0; d < 40; d++) {
        date = d % 7 == 6 ? "" : sprintf("%d-%02d-%02d", 2016 + int(rand() * 3), 1 + int(rand() * 12), 1 + int(rand() * 28))
        text = "common words here" (d % 3 == 0 ? " rare" : "")
        if (date == "")
            printf "{\"id\":\"d%02d\",\"text\":\"%s\"}\n", d, text
        else
            printf "{\"id\":\"d%02d\",\"date\":\"%s\",\"text\":\"%s\"}\n", d, date, text
        printf "d%02d %s\n", d, date == "" ? "-" : date > "dates.txt"
    }
}' >corpus/docs.jsonl || exit 99

# Expected orders: dated ones by date (then id, the document order), undated after.
grep -v ' -$' dates.txt | sort -k2,2 -k1,1 | cut -d' ' -f1 >oldest.ids
grep ' -$' dates.txt | cut -d' ' -f1 >undated.ids
grep -v ' -$' dates.txt | sort -k2,2r -k1,1 | cut -d' ' -f1 >newest.ids
cat undated.ids >>oldest.ids
cat undated.ids >>newest.ids

expect_exit 0 "indexed" -- cops_index -q -i idx corpus
expect_exit 0 "'*' lists every document" -- cops_query -i idx --count '*'
expect_stdout_is "40"
expect_exit 0 "--sort date '*'" -- cops_query -i idx --sort date --ids -n 100 '*'
check "oldest first, undated last" cmp -s oldest.ids "$OUT"
expect_exit 0 "--sort -date '*'" -- cops_query -i idx --sort -date --ids -n 100 '*'
check "newest first, undated last" cmp -s newest.ids "$OUT"
expect_exit 0 "--sort -date with a word" -- cops_query -i idx --sort -date --ids -n 100 rare
awk 'NR == FNR { keep[$1] = 1; next } ($1 in keep)' "$OUT" newest.ids >rare-expected.ids
check "the word's hits in date order" cmp -s rare-expected.ids "$OUT"
check "fourteen of them" test "$(wc -l <"$OUT")" -eq 14
expect_exit 0 "--sort -date -n 3 --offset 2" -- cops_query -i idx --sort -date --ids -n 3 --offset 2 '*'
check "the third to fifth newest" test "$(cat "$OUT")" = "$(sed -n 3,5p newest.ids)"
expect_exit 0 "--sort relevance is the default" -- cops_query -i idx --sort relevance --ids rare
cp "$OUT" relevance.ids
expect_exit 0 "default order" -- cops_query -i idx --ids rare
check "--sort relevance = default" cmp -s relevance.ids "$OUT"
expect_exit 2 "--sort size is refused" -- cops_query -i idx --sort size '*'
expect_stderr_contains "--sort takes relevance, date or -date"

year=2017
expect_exit 0 "'* date:$year'" -- cops_query -i idx --ids -n 100 --sort date "* date:$year"
grep " $year-" dates.txt | sort -k2,2 -k1,1 | cut -d' ' -f1 >year.ids
check "the documents of $year, oldest first" cmp -s year.ids "$OUT"
expect_exit 0 "'date:$year' alone, the same" -- cops_query -i idx --ids -n 100 --sort date "date:$year"
check "'* date:$year' = 'date:$year'" cmp -s year.ids "$OUT"
expect_exit 0 "'* -rare'" -- cops_query -i idx --count '* -rare'
expect_stdout_is "26"
expect_exit 2 "--literal: '*' is a word, with nothing to search" -- \
    cops_query -i idx --literal --strict --count '*'
expect_stderr_contains "nothing to search: '*' has no letters or digits"

if command -v python3 >/dev/null 2>&1; then
    expect_exit 0 "--json --sort -date" -- cops_query -i idx --json --sort -date -n 5 '*'
    check "--json: valid, dates newest first" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
dates = [l["date"] for l in lines[:-1]]
assert dates == sorted(dates, reverse=True) and len(dates) == 5, dates
assert lines[-1]["summary"]["total"] == 40
' "$OUT"
fi

if index_engine xapian xidx corpus; then
    expect_exit 0 "Xapian: '*'" -- cops_query -i xidx --count '*'
    expect_stdout_is "40"
    expect_exit 0 "Xapian: --sort date '*'" -- cops_query -i xidx --sort date --ids -n 100 '*'
    check "Xapian: oldest first, undated last" cmp -s oldest.ids "$OUT"
    expect_exit 0 "Xapian: --sort -date '*'" -- cops_query -i xidx --sort -date --ids -n 100 '*'
    check "Xapian: newest first, undated last" cmp -s newest.ids "$OUT"
    expect_exit 0 "Xapian: --sort -date -n 3 --offset 2 rare" -- \
        cops_query -i xidx --sort -date --ids -n 3 --offset 2 rare
    check "Xapian: the word's third to fifth newest" test "$(cat "$OUT")" = "$(sed -n 3,5p rare-expected.ids)"
fi

done_testing
