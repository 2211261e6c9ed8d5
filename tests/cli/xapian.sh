#!/bin/sh
# The Xapian engine through the real programs: --engine xapian builds,
# sharded builds, and search across machines: two shards served by two
# xapian-tcpsrv on loopback answer exactly as one database holding
# everything (hits and scores), and the servers are stopped by the test.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
copy_seed_corpus "$TMP" || exit 99

# A corpus with enough documents to spread over shards: the seed articles
# and generated notes with dates and titles.
i=0
while [ $i -lt 60 ]; do
    {
        printf 'date 2017-%02d-%02d Note %d on grants\n' $((i % 12 + 1)) $((i % 27 + 1)) $i
        printf 'Sanctuary cities and police grants: note %d of the archive. ' $i
        [ $((i % 3)) = 0 ] && printf 'Community policing programs were cut. '
        [ $((i % 5)) = 0 ] && printf 'The sanctuary policy was defended in court. '
        printf 'Immigration enforcement and %d officers.\n' $((i * 7 % 100))
    } >"corpus/note-$i.txt"
    i=$((i + 1))
done

expect_exit 0 "native index" -- cops_index -q -i native corpus
expect_exit 0 "--engine xapian builds a Xapian database" -- cops_index -q --engine xapian -i single corpus
check "the Xapian database is a glass database" test -f single/iamglass
expect_exit 0 "--engine xapian --shards 2" -- cops_index -q --engine xapian --shards 2 -i sharded corpus
check "two shard databases and a stub" test -f sharded/XAPIANDB -a -f sharded/shard-000/iamglass -a -f sharded/shard-001/iamglass
# Many shards under a low soft limit of open files: each pinned shard
# holds about 7 descriptors, and cops-query raises the soft limit toward
# the hard one rather than fail with "Too many open files" (100 shards
# failed under 512 once pinned; 4 a shard sufficed before the pins).
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 2000 ]; then
    expect_exit 0 "--shards 100" -- cops_index -q --engine xapian --shards 100 -i many corpus
    "$COPS_QUERY_PROG" -i many --count grants >many.count 2>&1
    run sh -c 'ulimit -Sn 300 && exec "$@"' sh "$COPS_QUERY_PROG" -i many --count grants
    check "100 shards open under a soft limit of 300 open files (exit $RC)" [ "$RC" = 0 ]
    expect_stdout_is "$(cat many.count)" "and count as without the limit"
else
    skip "100 shards under a soft limit of 300 open files" "the hard limit is below 2000"
fi
expect_exit 2 "--stats on a Xapian index says it has none" -- cops_index -i single --stats
expect_stderr_contains "statistics: not available for a Xapian index"
expect_stdout_is "" "and prints no figures (it printed every one as 0, exit 0)"
expect_exit 2 "--shards needs the Xapian engine" -- cops_index -q --shards 2 -i other corpus
expect_stderr_contains "Xapian engine"
expect_exit 2 "--engine xapian will not overwrite a native index" -- cops_index -q --engine xapian -i native corpus
expect_stderr_contains "not a Xapian index"
expect_exit 2 "--engine native on a Xapian index is refused by cops-query" -- cops_query --engine native -i single grant
expect_stderr_contains "Xapian index"
expect_exit 2 "--weight other than bm25 needs a native index" -- cops_query -i single --weight inl2 grant
expect_stderr_contains "--weight other than bm25 needs a native index"
expect_exit 0 "--weight bm25 is Xapian's own" -- cops_query -i single --weight bm25 grant

queries='grant
sanctuary AND grant
"community policing"
sanctuary -court
grant* NOT immigration
date:2017-03
police NEAR/3 grants
title:note'

echo "$queries" >queries.txt

# The same matches from both engines (documents in the same order).  The
# loop reads fd 3 so that it runs in this shell (a pipe would not).
while IFS= read -r q <&3; do
    expect_exit "0|1" "native ids: $q" -- cops_query -i native --ids -n 1000 -- "$q"
    sort "$OUT" >native.ids
    expect_exit "0|1" "xapian ids: $q" -- cops_query -i single --ids -n 1000 -- "$q"
    sort "$OUT" >xapian.ids
    check "same matches from both engines: $q" cmp -s native.ids xapian.ids
done 3<queries.txt

expect_exit 0 "the README query on the Xapian engine" -- cops_query -i single -n 100 "sanctuary AND grant"
expect_stdout_contains "$SEED_A"
expect_stdout_contains "$SEED_B"
expect_stdout_contains "**" "snippets are highlighted on the Xapian engine too"

# Hits and scores as "id score" lines (the summary's timing left out).
stdin_from queries.txt
run cops_query --batch --json -n 20 -i single
grep '"rank"' "$OUT" | sed 's/.*"id":"\([^"]*\)".*"score":\([^,]*\),.*/\1 \2/' >single.hits
stdin_from queries.txt
run cops_query --batch --json -n 20 -i sharded
grep '"rank"' "$OUT" | sed 's/.*"id":"\([^"]*\)".*"score":\([^,]*\),.*/\1 \2/' >sharded.hits
check "hits found" test -s single.hits
check "a sharded database answers as one database (hits and scores)" cmp -s single.hits sharded.hits

if ! command -v xapian-tcpsrv >/dev/null 2>&1; then
    skip "search across machines" "xapian-tcpsrv is not installed (Debian: xapian-tools)"
    done_testing
    exit 0
fi

# Two servers on free loopback ports, each serving one shard.  setsid: the
# server signals its whole process group when it stops.
free_port()
{
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
port1=$(free_port)
port2=$(free_port)
while [ "$port2" = "$port1" ]; do port2=$(free_port); done
setsid xapian-tcpsrv --interface 127.0.0.1 --port "$port1" sharded/shard-000 >server1.log 2>&1 </dev/null &
server1=$!
setsid xapian-tcpsrv --interface 127.0.0.1 --port "$port2" sharded/shard-001 >server2.log 2>&1 </dev/null &
server2=$!
BG_PIDS="$BG_PIDS $server1 $server2"
remote="127.0.0.1:$port1,127.0.0.1:$port2"
tries=0
until "$COPS_QUERY_PROG" --remote "$remote" --count grant >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ $tries -gt 50 ]; then
        break
    fi
    sleep 0.1
done
expect_exit 0 "--remote answers from two xapian-tcpsrv" -- cops_query --remote "$remote" --count grant
expect_stdout_is 62 "all 62 documents with 'grant' across both machines"
stdin_from queries.txt
run cops_query --batch --json -n 20 --remote "$remote"
grep '"rank"' "$OUT" | sed 's/.*"id":"\([^"]*\)".*"score":\([^,]*\),.*/\1 \2/' >remote.hits
check "two remote shards answer as one database (hits and scores)" cmp -s single.hits remote.hits
expect_exit 0 "--remote with snippets" -- cops_query --remote "$remote" -n 1 '"community policing"'
expect_stdout_contains "**Community** **policing**"

kill "$server1" "$server2" 2>/dev/null
wait "$server1" "$server2" 2>/dev/null
check "the servers are stopped" sh -c "! kill -0 $server1 2>/dev/null && ! kill -0 $server2 2>/dev/null"
expect_exit 2 "--remote to a stopped server fails cleanly" -- cops_query --remote "127.0.0.1:$port1" grant
expect_stderr_contains "cops-query:"

done_testing
