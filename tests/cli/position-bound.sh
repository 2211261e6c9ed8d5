#!/bin/sh
# bench/position-bound (bench/README.md) on a one-document index whose
# figures are worked by hand: "river stone river stone", L = 4, two keys
# of tf 2 at positions {0, 2} and {1, 3}, stored as values 0 1 and 1 1.
#   now     each a block of 2 at width 1: 2 bytes, 4 in all
#   bound   2 · log2 C(4, 2) = 2 · 2.585 bits = 0.646 bytes
#   bic     each 3 bits (a truncated code among 3, then among 3 or 2): 0.750
#   rice-L  k = 0 (4 · ln 2 / 2 < 2): 3 and 4 bits, a byte each: 2
#   choice  a head byte and 1 byte is not below 2: the chunks stay, 4
# (Fails if the tool misreads the chunks, the lengths or the codes.)
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
printf '{"id": "1", "text": "river stone river stone"}\n' >c.jsonl
run "$COPS_BUILDDIR/cops-index" -q -i idx c.jsonl
check "the index is built" test "$RC" -eq 0
run "$COPS_BUILDDIR/bench/position-bound" --bytes idx
check "position-bound exits 0" test "$RC" -eq 0
expect_stdout_matches '^body +4\.000 +0\.646 +0\.750 +2\.000 +2\.000 +2\.000 +2\.000 +4\.000 +4\.000 +4\.000 ' \
    "body: now 4, bound 0.646, BIC 0.750, the Rice coders 2, the choices 4 bytes"
expect_stdout_matches '^  plain packed +2 +4\.000$' "two plain chunks of 4 bytes"
run "$COPS_BUILDDIR/bench/position-bound" --decode rice idx
check "--decode without a log exits 0" test "$RC" -eq 0
expect_stdout_contains "decoded (checksum" "--decode without a log decodes each moved chunk once"
run "$COPS_BUILDDIR/bench/position-bound" idx extra
check "a second index is a usage error" test "$RC" -eq 2
done_testing
