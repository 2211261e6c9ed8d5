#!/bin/sh
# cops-index --check: a fresh index is sound (exit 0, summary on stdout);
# a flipped byte is reported with its file and offset (exit 2); a missing
# index exits 2.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99
copy_seed_corpus "$TMP" || exit 99

expect_exit 0 "--help exits 0" -- cops_index --help
expect_stdout_contains "--check" "--help lists --check"

expect_exit 0 "build an index" -- cops_index -q -i "$TMP/idx" corpus
expect_exit 0 "--check on a fresh index exits 0" -- cops_index -i "$TMP/idx" --check
expect_stdout_contains "no problems found" "--check reports a sound index"
expect_stdout_matches 'seg-[0-9]+\.cops: .*: ok$' "--check summarises the segment"
check "--check prints nothing on stderr when sound" test ! -s "$ERR"
COPS_INDEX=$TMP/idx
export COPS_INDEX
expect_exit 0 "--check reads \$COPS_INDEX" -- cops_index --check
unset COPS_INDEX

seg=$(ls "$TMP/idx"/seg-*.cops)
cp "$seg" "$TMP/pristine.cops" || exit 99
# Flip one byte in the middle of the file (inside a section).
size=$(wc -c <"$seg")
at=$((size / 2))
flip()
{
    # $1 = offset: xor the byte there with 0x20, in place.
    _old=$(od -An -tu1 -j "$1" -N1 "$seg" | tr -d ' ')
    _new=$(( _old ^ 32 ))
    printf "$(printf '\\%03o' "$_new")" |
        dd of="$seg" bs=1 seek="$1" count=1 conv=notrunc 2>/dev/null
}
flip "$at"
check "the byte was flipped" sh -c "! cmp -s '$seg' '$TMP/pristine.cops'"
expect_exit 2 "--check on a flipped byte exits 2" -- cops_index -i "$TMP/idx" --check
expect_stderr_matches "^cops-index: .*seg-[0-9]+\\.cops: byte [0-9]+: " \
    "--check names the file and the byte offset"
cp "$TMP/pristine.cops" "$seg" || exit 99
expect_exit 0 "--check passes again once repaired" -- cops_index -i "$TMP/idx" --check

# Truncated segment.
head -c $((size - 10)) "$TMP/pristine.cops" >"$seg"
expect_exit 2 "--check on a truncated segment exits 2" -- cops_index -i "$TMP/idx" --check
expect_stderr_contains "byte $((size - 10)): " "--check gives where the file ends"
cp "$TMP/pristine.cops" "$seg" || exit 99

# Missing segment.
rm -f "$seg"
expect_exit 2 "--check on a missing segment exits 2" -- cops_index -i "$TMP/idx" --check
expect_stderr_contains "MANIFEST: byte" "--check names the manifest line"
expect_stderr_contains "missing" "--check says the segment is missing"

expect_exit 2 "--check on a missing index exits 2" -- cops_index -i "$TMP/nothing-here" --check
expect_stderr_contains "$TMP/nothing-here" "--check names the missing index"
check "--check does not create the index" test ! -e "$TMP/nothing-here"

done_testing
