#!/bin/sh
# A build that fails early, with either engine, exits 2 with one line
# saying why, leaves no build directory beside the index, and frees what it took (in
# the ASan build a leak turns the exit status into an abort: the Xapian
# build once leaked its analyzer when the index path was too long).
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
mkdir area || exit 99
: >area/empty.txt
printf 'hello\n' >area/word.txt
printf 'not an index\n' >area/file
LONG=area/$(printf '%03950d' 0)

engines=native
"$COPS_INDEX_PROG" --engine xapian --index probe area/word.txt >/dev/null 2>&1 \
    && engines="native xapian"
rm -rf probe
for engine in $engines; do
    expect_exit 2 "$engine: an index path too long" -- \
        cops_index --engine "$engine" --index "$LONG" area/word.txt
    expect_exit 2 "$engine: an unknown language" -- \
        cops_index --engine "$engine" --language klingon --index "area/$engine-1" area/word.txt
    expect_stderr_contains "klingon"
    expect_exit 2 "$engine: no documents" -- \
        cops_index --engine "$engine" --index "area/$engine-2" area/empty.txt
    expect_stderr_contains "no documents"
    expect_exit 2 "$engine: a file as the index" -- \
        cops_index --engine "$engine" --index area/file area/word.txt
    check "$engine: no build directory left beside the indexes" \
        test -z "$(ls -A area | grep building)"
    check "$engine: the file given as the index is unchanged" \
        test "$(cat area/file)" = "not an index"
done
done_testing
