#!/bin/sh
# A root's reading options (man cops-index, "Roots and identity"):
# --follow, --hidden, --glob, --exclude and the JSON Lines field options
# are remembered with each root (the catalog, FORMAT.md §5.2, version 5);
# an update that gives none reads each root it walks with its own, as if
# they were repeated; one that gives some reads the roots it walks with
# exactly those.  Documents read from standard input are no root's.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

ids()   # INDEX QUERY: the sorted identifiers of the query's hits, in $TMP/ids
{
    "$COPS_QUERY_PROG" -i "$1" --ids -n 100 "$2" | sort >ids
}

# --- --hidden and --follow --------------------------------------------------
mkdir -p d/.h elsewhere || exit 99
echo "wordvisible alpha" >d/a.txt
echo "wordhidden beta" >d/.h/b.txt
echo "wordlinked gamma" >elsewhere/c.txt
ln -s ../elsewhere d/link || exit 99
expect_exit 0 "a build with --hidden --follow" -- cops_index -q -i hf --hidden --follow d
expect_exit 0 "an update naming the root, no reading option" -- cops_index -i hf d
expect_stderr_lacks "were removed" "nothing is removed"
expect_stderr_contains "last indexed with (--follow --hidden)" "it says once which options it read with"
ids hf 'wordhidden OR wordlinked OR wordvisible'
check "the hidden and the followed documents stay" [ "$(wc -l <ids)" -eq 3 ]
echo "wordhidden later" >d/.h/later.txt
expect_exit 0 "an update naming no path" -- cops_index -i hf
expect_stderr_lacks "last indexed with" "a run naming no path does not say it"
ids hf wordhidden
check "a hidden file added since is read: the options are used, not only kept" \
    [ "$(wc -l <ids)" -eq 2 ]
ids hf wordlinked
check "the followed document stays" [ "$(wc -l <ids)" -eq 1 ]
mkdir -p d/sub/.x || exit 99
echo "wordinner hidden" >d/sub/.x/e.txt
expect_exit 0 "a path inside the root, no reading option" -- cops_index -q -i hf d/sub
ids hf wordinner
check "it is read with its root's options" [ "$(cat ids)" = d/sub/.x/e.txt ]
expect_exit 0 "--check" -- cops_index -i hf --check
expect_stdout_contains "no problems found" "--check finds the index sound"

# --- the JSON Lines field options -----------------------------------------
mkdir j || exit 99
echo "plainword beside the records" >j/plain.txt
printf '{"key":"k1","content":"fieldword one"}\n{"key":"k2","content":"fieldword two"}\n' >j/r.jsonl
expect_exit 0 "a build with --id-field --text-field" -- \
    cops_index -q -i jf --id-field key --text-field content j
printf '{"key":"k1","content":"fieldword one changed"}\n{"key":"k2","content":"fieldword two"}\n' >j/r.jsonl
expect_exit 0 "the file changed, updated with no field option" -- cops_index -i jf j
expect_stderr_lacks "warning: j/r.jsonl" "no warning for its records"
expect_stderr_lacks "were removed" "nothing is removed"
ids jf fieldword
check "the records keep their ids" [ "$(cat ids)" = "k1
k2" ]
ids jf changed
check "the changed record is read with its text field" [ "$(cat ids)" = k1 ]
expect_exit 0 "--check" -- cops_index -i jf --check

# --- other options for one root of two, and standard input -------------------
mkdir -p two/a/.h two/b/.h || exit 99
echo "wordroot a" >two/a/x.txt
echo "wordroot hidden a" >two/a/.h/y.txt
echo "wordroot b" >two/b/x.txt
echo "wordroot hidden b" >two/b/.h/y.txt
expect_exit 0 "two roots with --hidden" -- cops_index -q -i two.idx --hidden two/a two/b
stdin_from /dev/null
printf 'wordstdin from standard input\n' >stdin.txt
stdin_from stdin.txt
expect_exit 0 "a document from standard input" -- cops_index -q -i two.idx --format text -
expect_exit 0 "one root named with other options (--follow)" -- \
    cops_index -q -i two.idx --follow two/a
ids two.idx 'wordroot AND hidden'
check "that root is read with them alone: its hidden file leaves" [ "$(cat ids)" = two/b/.h/y.txt ]
expect_exit 0 "--roots" -- cops_index -i two.idx --roots
expect_stdout_is "$TMP/two/a
  --follow
$TMP/two/b
  --hidden" "--roots shows each root's options"
expect_exit 0 "an update naming no path" -- cops_index -q -i two.idx
ids two.idx 'wordroot AND hidden'
check "each root keeps its own options" [ "$(cat ids)" = two/b/.h/y.txt ]
ids two.idx wordstdin
check "the document from standard input stays" [ "$(cat ids)" = - ]
expect_exit 0 "--check" -- cops_index -i two.idx --check
expect_stdout_contains "no problems found" "--check finds the index sound"

# A run giving an option only: every root is read with it.
expect_exit 0 "an update naming no path, with --hidden" -- cops_index -q -i two.idx --hidden
ids two.idx 'wordroot AND hidden'
check "every root is read with the run's options" [ "$(wc -l <ids)" -eq 2 ]
expect_exit 0 "--roots" -- cops_index -i two.idx --roots
expect_stdout_is "$TMP/two/a
  --hidden
$TMP/two/b
  --hidden" "and keeps them"

done_testing
