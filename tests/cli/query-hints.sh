#!/bin/sh
# cops-query's notes and highlighting: a lower-case and/or/not between
# words is searched as a word and noted on stderr (the answer unchanged);
# --color=auto|always|never chooses bold, **markers** or nothing.
. "$COPS_SRCDIR/tests/cli/lib.sh"

index_seed_corpus
esc=$(printf '\033')

# --- lower-case operators ---------------------------------------------------------
# query | the note's word and column, or nothing
while IFS='|' read -r q note; do
    expect_exit "0|1" "$q" -- cops_query --strict --count -- "$q"
    if [ -n "$note" ]; then
        expect_stderr_contains "note: $note is searched as a word" "$q: noted ($note)"
        check "$q: the note is one line" test "$(wc -l <"$ERR")" -eq 1
    else
        check "$q: no note" test ! -s "$ERR"
    fi
done <<'QUERIES'
sanctuary or grant|'or' at column 11
sanctuary and grant|'and' at column 11
sanctuary not grant|'not' at column 11
grant (police or cities)|'or' at column 15
sanctuary OR grant|
or grant|
grant or|
sanctuary -or grant|
"sanctuary or grant"|
title:or grant sanctuary|
sanctuary oregon grant|
QUERIES
expect_exit 0 "--literal: no operators" -- cops_query --literal --ids 'sanctuary or grant'
check "--literal: no note" test ! -s "$ERR"
cp "$OUT" literal.out
check "one seed document holds the word 'or'" test "$(wc -l <literal.out)" -eq 1
expect_exit 0 "the note leaves the answer alone" -- cops_query --ids 'sanctuary or grant'
check "the answer is the literal words' answer" cmp -s literal.out "$OUT"
expect_exit 0 "with --default-op or too" -- cops_query --default-op or --count 'sanctuary and grant'
expect_stderr_contains "'and' at column 11"
printf 'sanctuary or grant\ngrant\n' >batch.txt
stdin_from batch.txt
expect_exit 0 "--batch notes too" -- cops_query --batch --count
expect_stdout_is "1
2" "--batch: the records are unchanged"
expect_stderr_contains "'or' at column 11"

# --- --color ----------------------------------------------------------------------
# The snippet line of the first hit (standard output is a file here).
expect_exit 0 "default (auto, not a terminal): markers" -- cops_query -n 1 grant
expect_stdout_contains "**grant**"
expect_stdout_lacks "$esc"
expect_exit 0 "--color=auto: markers" -- cops_query -n 1 --color=auto grant
expect_stdout_contains "**grant**"
expect_exit 0 "--color (no value): auto" -- cops_query -n 1 --color grant
expect_stdout_contains "**grant**"
expect_exit 0 "--color=always: bold" -- cops_query -n 1 --color=always grant
expect_stdout_contains "${esc}[1mgrant${esc}[0m"
expect_stdout_lacks "**"
expect_exit 0 "--color=never: plain" -- cops_query -n 1 --color=never grant
expect_stdout_lacks "**"
expect_stdout_lacks "$esc"
expect_stdout_contains " grant " "the word is shown unmarked"
expect_exit 0 "--no-color: plain" -- cops_query -n 1 --no-color grant
expect_stdout_lacks "**"
run env NO_COLOR=1 "$COPS_QUERY_PROG" -n 1 grant
check "NO_COLOR: plain" test "$RC" = 0 -a "$(grep -c '\*\*' "$OUT")" = 0
run env NO_COLOR=1 "$COPS_QUERY_PROG" -n 1 --color=always grant
check "--color=always overrides NO_COLOR" grep -q "${esc}\\[1m" "$OUT"
expect_exit 2 "--color=blue is an error" -- cops_query --color=blue grant
expect_stderr_contains "auto, always or never"

done_testing
