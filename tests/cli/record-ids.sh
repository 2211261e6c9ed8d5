#!/bin/sh
# The ids of the records a build reads (to notice one read twice) live in
# an unlinked temporary file in $TMPDIR, the table in memory holding 8
# bytes a slot (indexer/record-ids.h): repeats are replaced exactly through
# the table's growths and the file's writes, nothing is left in $TMPDIR,
# and a TMPDIR where no file can be made keeps them in memory instead.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir in tmp || exit 99
# 30,000 records, then every 7th id again with the word "later": past
# several growths of the table and many writes of the file.
awk 'BEGIN {
    for (i = 0; i < 30000; i++) printf "{\"id\":\"record-%d\",\"text\":\"first\"}\n", i
    for (i = 0; i < 30000; i += 7) printf "{\"id\":\"record-%d\",\"text\":\"later\"}\n", i
}' >in/records.jsonl

for how in tmp none; do
    TMPDIR=$TMP/$how
    export TMPDIR
    expect_exit 0 "TMPDIR=$how: the records index" -- cops_index -i "idx-$how" in
    expect_stderr_contains "line 30001: the id 'record-0' was read before in this run" \
        "TMPDIR=$how: the first repeat is a warning"
    expect_exit 0 "TMPDIR=$how: count" -- cops_query -i "idx-$how" --count first
    expect_stdout_is 25714 "TMPDIR=$how: the replaced records are gone"
    expect_exit 0 "TMPDIR=$how: count" -- cops_query -i "idx-$how" --count later
    expect_stdout_is 4286 "TMPDIR=$how: their replacements are there"
    expect_exit 0 "TMPDIR=$how: a replaced id" -- cops_query -i "idx-$how" --ids later -n 1000000
    check "TMPDIR=$how: record-29995 is replaced" grep -qx record-29995 "$OUT"
    expect_exit 1 "TMPDIR=$how: its first text is gone" -- cops_query -i "idx-$how" --count 'first AND "record-29995"'
done
unset TMPDIR
check "nothing is left in TMPDIR" [ -z "$(ls -A tmp)" ]

done_testing
