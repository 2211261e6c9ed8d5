#!/bin/sh
# Upsert by id with --engine xapian (man cops-index: one id is one
# document, the last record read wins): records that repeat an id in one
# run leave one document each, the last one read, exactly as the native
# engine keeps them (matches, order, text, warnings, summary), whether
# the earlier copy went to the same shard or another (--shards 2: record
# i goes to shard i mod 2).
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

printf 'probe\n' >probe.txt
if ! "$COPS_INDEX_PROG" -q --engine xapian -i probe probe.txt >/dev/null 2>&1; then
    skip "upsert by id on the Xapian engine" "the Xapian engine is not built in"
    done_testing
    exit 0
fi

# Records 0..5: u-1 repeats at 3 (its earlier copy in shard 0, the new
# one in shard 1), u-2 at 4 (shard 1 -> shard 0) and u-2 again at 5
# (shard 0 -> shard 1): with two shards every repeat crosses shards.
mkdir up || exit 99
printf '%s\n' '{"id":"u-1","text":"upsertword first copy"}' \
    '{"id":"u-2","text":"upsertword bee"}' \
    '{"id":"u-3","text":"upsertword sea"}' \
    '{"id":"u-1","text":"upsertword again"}' >up/a.jsonl
printf '%s\n' '{"id":"u-2","text":"upsertword bee in b"}' \
    '{"id":"u-2","text":"upsertword bee last"}' >up/b.jsonl

# The answer as "id snippet" lines (a snippet is the whole short text),
# in rank order (equal scores: reading order), and the match count.
answer()   # INDEX OUT
{
    expect_exit 0 "--json on $1" -- cops_query -i "$1" --json -n 50 upsertword
    grep '"rank"' "$OUT" | sed 's/.*"id":"\([^"]*\)".*"snippet":"\([^"]*\)".*/\1 \2/' >"$2"
    expect_exit 0 "--count on $1" -- cops_query -i "$1" --count upsertword
    cat "$OUT" >>"$2"
}

# The build's warnings, records indexed and repeats counted.
summary()   # NAME
{
    grep -E 'warning|indexed|repeated' "$ERR" | sed "s/into $1\$/into INDEX/" >"$1.err"
}

expect_exit 0 "native build" -- cops_index -i native up
summary native
answer native native.ans
check "native: one document per id" [ "$(tail -n 1 native.ans)" = 3 ]
check "native: three warnings" [ "$(grep -c 'was read before' native.err)" = 3 ]

for shards in 1 2; do
    expect_exit 0 "xapian build, $shards shard(s)" -- \
        cops_index --engine xapian --shards $shards -i x$shards up
    summary x$shards
    answer x$shards x$shards.ans
    check "xapian, $shards shard(s): one document per id" [ "$(tail -n 1 x$shards.ans)" = 3 ]
    check "xapian, $shards shard(s): the same documents, texts and order as native" \
        cmp -s native.ans x$shards.ans
    check "xapian, $shards shard(s): u-1 is its last record" grep -qx 'u-1 upsertword again' x$shards.ans
    check "xapian, $shards shard(s): u-2 is its last record" grep -qx 'u-2 upsertword bee last' x$shards.ans
    expect_exit 1 "xapian, $shards shard(s): nothing left of the replaced records" -- \
        cops_query -i x$shards --count 'first OR "in b"'
    check "xapian, $shards shard(s): the same warnings and summary as native" \
        cmp -s native.err x$shards.err
done
check "xapian: a repeat is a warning naming its file and line" \
    grep -q "up/b.jsonl: line 2: the id 'u-2' was read before in this run" x2.err
check "xapian: the summary counts the repeats" \
    grep -q "3 record ids repeated: the last record read with an id is kept" x2.err

# A record's id may be any string, a file's absolute path too, which is
# the file's own id term in a Xapian database.  Repeating such an id must
# drop only the record's earlier copy: deleting by the id term deleted
# the file as well (and only on Xapian: the native engine kept it).
mkdir shared || exit 99
printf 'filedoc sharedword\n' >shared/a.txt
file=$(pwd)/shared/a.txt
printf '{"id":"%s","title":"r1","text":"sharedword one"}\n{"id":"%s","title":"r2","text":"sharedword two"}\n' \
    "$file" "$file" >shared/z.jsonl
expect_exit 0 "native build, a record repeating a file's path" -- cops_index -i nshared shared
expect_exit 0 "native: the file and the last record" -- cops_query -i nshared --count sharedword
check "native: two documents" [ "$(cat "$OUT")" = 2 ]
for shards in 1 2; do
    expect_exit 0 "xapian build, $shards shard(s), a record repeating a file's path" -- \
        cops_index --engine xapian --shards $shards -i xshared$shards shared
    expect_exit 0 "xapian, $shards shard(s): the file is kept" -- \
        cops_query -i xshared$shards --count filedoc
    check "xapian, $shards shard(s): one file match" [ "$(cat "$OUT")" = 1 ]
    expect_exit 0 "xapian, $shards shard(s): the file and the last record" -- \
        cops_query -i xshared$shards --count sharedword
    check "xapian, $shards shard(s): two documents, as native" [ "$(cat "$OUT")" = 2 ]
    expect_exit 1 "xapian, $shards shard(s): the first record is gone" -- \
        cops_query -i xshared$shards --count one
done

# Any id the native engine accepts, Xapian accepts too: one of 300 bytes
# (beyond Xapian's 245-byte terms), one holding a newline, one beginning
# with the byte that marks a hashed id term.  Such a record once stopped
# the whole build (exit 2).  The long id is still upserted, and each id
# comes back whole.
longid=$(printf 'L%.0s' $(seq 300))
mkdir odd || exit 99
printf '{"id":"%s","text":"oddidword first"}\n{"id":"line\\nbreak","text":"oddidword two"}\n' \
    "$longid" >odd/a.jsonl
printf '{"id":"\\u0001mark","text":"oddidword three"}\n{"id":"%s","text":"oddidword again"}\n' \
    "$longid" >>odd/a.jsonl
expect_exit 0 "native build, odd ids" -- cops_index -i nodd odd
expect_exit 0 "native: odd ids" -- cops_query -i nodd --ids oddidword
sort "$OUT" >nodd.ids
for shards in 1 2; do
    expect_exit 0 "xapian build, $shards shard(s), odd ids" -- \
        cops_index --engine xapian --shards $shards -i xodd$shards odd
    expect_exit 0 "xapian, $shards shard(s): odd ids" -- cops_query -i xodd$shards --ids oddidword
    sort "$OUT" >xodd$shards.ids
    check "xapian, $shards shard(s): the same three ids as native" cmp -s nodd.ids xodd$shards.ids
    check "xapian, $shards shard(s): three documents" [ "$(wc -l <xodd$shards.ids)" -eq 3 ]
    expect_exit 1 "xapian, $shards shard(s): the long id's first record is gone" -- \
        cops_query -i xodd$shards --count first
    expect_exit 0 "xapian, $shards shard(s): its last record is kept" -- \
        cops_query -i xodd$shards --json again
    expect_stdout_contains "\"id\":\"$longid\"" "xapian, $shards shard(s): the long id comes back whole"
done

done_testing
