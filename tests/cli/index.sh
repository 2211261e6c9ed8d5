#!/bin/sh
# cops-index: options, default run, index location, stats, dump, languages,
# failed builds that must leave the previous index alone, locking.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

# --- help and version ---------------------------------------------------
expect_exit 0 "--help exits 0" -- cops_index --help
expect_stdout_contains "Usage: cops-index" "--help prints the usage"
expect_stdout_contains "--memory" "--help lists the options"
expect_exit 0 "-h exits 0" -- cops_index -h
expect_stdout_contains "Usage:" "-h prints the usage"
expect_exit 0 "--version exits 0" -- cops_index --version
expect_stdout_matches '^cops-index \(cops\) [0-9]+\.[0-9]+' "--version prints the program and version"
expect_exit 2 "an unknown option exits 2" -- cops_index --no-such-option
expect_stderr_contains "--help" "an unknown option points to --help"
expect_exit 2 "--memory abc exits 2" -- cops_index --memory abc
expect_stderr_contains "--memory" "--memory abc names the option"

# --- default run: corpus/ of the cwd into .cops ---------------------------
mkdir work && copy_seed_corpus work || exit 99
cd work || exit 99
expect_exit 0 "cops-index with no arguments indexes corpus/" -- cops_index
check ".cops/MANIFEST exists after the default run" test -f .cops/MANIFEST
check "a segment file exists after the default run" sh -c 'ls .cops/seg-*.cops >/dev/null 2>&1'
expect_stderr_matches 'indexed 2 documents' "the summary on stderr says 2 documents"
check "the summary is on stderr, not stdout" test ! -s "$OUT"
expect_exit 0 "the default index answers a query" -- cops_query --count grant
expect_stdout_is 2 "both seed documents contain 'grant'"

expect_exit 0 "--quiet build exits 0" -- cops_index --quiet
check "--quiet prints no summary" test ! -s "$ERR"

# --- --stats ---------------------------------------------------------------
expect_exit 0 "--stats exits 0" -- cops_index --stats
for field in index format analysis segments documents terms postings positions size dictionary; do
    expect_stdout_matches "^ *$field " "--stats shows the '$field' line"
done
expect_stdout_matches '^documents +2$' "--stats counts 2 documents"
expect_stdout_matches '^analysis +english$' "--stats shows the english analysis"
expect_stdout_contains "bits per posting" "--stats shows bits per posting"
check "--stats ends its last line" test "$(tail -c 1 "$OUT" | od -An -tx1 | tr -d ' ')" = 0a
# 529 postings cannot take 0 bits: the figure includes the inline lists,
# which live in the dictionary.
expect_stdout_matches ' ([1-9][0-9]*|0?\.0*[1-9])[0-9.]* bits per posting' "--stats: bits per posting is not zero"

# --- --dump ------------------------------------------------------------------
expect_exit 0 "--dump grant exits 0" -- cops_index --dump grant
expect_stdout_matches '^term grant .*df 2' "--dump grant shows df 2"
expect_stdout_matches '^ *doc [0-9]+ tf [0-9]+ positions [0-9 ]+$' "--dump shows doc, tf and positions"
expect_exit 0 "--dump title:imposs (the title field, analysed) exits 0" -- cops_index --dump title:imposs
expect_stdout_contains "df 1" "--dump title:imposs shows one document"
expect_exit 1 "--dump of an absent term exits 1" -- cops_index --dump zzyzxqq
expect_stderr_contains "zzyzxqq" "--dump of an absent term names it"
check "--dump of an absent term prints no postings" test ! -s "$OUT"
expect_exit 1 "--dump takes analysed terms: Grants is absent" -- cops_index --dump Grants
expect_exit 2 "--stats on a missing index exits 2" -- cops_index --index "$TMP/nothing-here" --stats
expect_stderr_contains "$TMP/nothing-here" "--stats on a missing index names it"
check "--stats on a missing index does not create it" test ! -e "$TMP/nothing-here"
expect_exit 2 "--dump on a missing index exits 2" -- cops_index --index "$TMP/nothing-here" --dump grant

# --- --index DIR and COPS_INDEX ------------------------------------------------
expect_exit 0 "--index DIR builds there" -- cops_index --quiet --index "$TMP/by-option" corpus
check "--index DIR: DIR/MANIFEST exists" test -f "$TMP/by-option/MANIFEST"
expect_exit 0 "-i DIR works too" -- cops_index -q -i "$TMP/by-short-option" corpus
check "-i DIR: DIR/MANIFEST exists" test -f "$TMP/by-short-option/MANIFEST"
expect_exit 0 "cops-query --index DIR finds it" -- cops_query --index "$TMP/by-option" --count sanctuary
expect_stdout_is 2 "the --index DIR index holds both documents"

COPS_INDEX=$TMP/by-env
export COPS_INDEX
expect_exit 0 "COPS_INDEX chooses the index directory" -- cops_index -q corpus
check "COPS_INDEX: the index is in \$COPS_INDEX" test -f "$TMP/by-env/MANIFEST"
expect_exit 0 "cops-query --stats-free query via COPS_INDEX" -- cops_query --count sanctuary
expect_stdout_is 2 "cops-query reads \$COPS_INDEX"
expect_exit 0 "--index overrides COPS_INDEX" -- cops_index -q --index "$TMP/override" corpus
check "--index beats COPS_INDEX" test -f "$TMP/override/MANIFEST"
expect_exit 0 "--stats reads \$COPS_INDEX" -- cops_index --stats
expect_stdout_contains "$TMP/by-env" "--stats names the \$COPS_INDEX directory"
unset COPS_INDEX

# --- nonexistent input: exit 2, previous index unchanged ------------------------
cp .cops/MANIFEST "$TMP/manifest.before"
# A missing input is a warning like any bad file: the others are indexed,
# and the exit status (1) tells.
expect_exit 1 "a nonexistent input path exits 1" -- cops_index corpus "$TMP/no/such/file.txt"
expect_stderr_contains "$TMP/no/such/file.txt" "the warning names the missing input"
expect_stderr_contains "up to date" "the other input was refreshed (nothing changed)"
check "the MANIFEST is unchanged after the failed build" cmp -s .cops/MANIFEST "$TMP/manifest.before"
expect_exit 0 "the previous index still answers" -- cops_query --count "sanctuary AND grant"
expect_stdout_is 2 "the previous index gives the same answer"

# --- input folder with nothing indexable: exit 2, index unchanged ---------------
mkdir -p "$TMP/nothing/sub" && : >"$TMP/nothing/empty.txt" && echo hidden >"$TMP/nothing/.hidden.txt"
expect_exit 2 "a folder with nothing indexable exits 2" -- cops_index "$TMP/nothing"
expect_stderr_contains "no documents" "the error says there are no documents"
check "the MANIFEST is unchanged after indexing nothing" cmp -s .cops/MANIFEST "$TMP/manifest.before"
expect_exit 0 "the previous index still answers after indexing nothing" -- cops_query --count grant
expect_stdout_is 2 "same answer after indexing nothing"
mkdir "$TMP/emptydir"
expect_exit 2 "an empty folder exits 2" -- cops_index "$TMP/emptydir"

# --- languages -----------------------------------------------------------------
expect_exit 0 "--list-languages exits 0" -- cops_index --list-languages
expect_stdout_matches '^english$' "--list-languages lists english"
expect_stdout_matches '^french$' "--list-languages lists french"
expect_exit 2 "--language xx exits 2" -- cops_index -q --index "$TMP/lang-xx" --language xx corpus
expect_stderr_contains "'xx'" "--language xx names the bad language"
expect_stderr_matches 'english.*french|french.*english' "--language xx lists the languages"
check "--language xx creates no index" test ! -f "$TMP/lang-xx/MANIFEST"
expect_exit 2 "--language xx does not touch an existing index" -- cops_index -q --language xx corpus
check "--language xx: MANIFEST unchanged" cmp -s .cops/MANIFEST "$TMP/manifest.before"
# libstemmer's aliases (en, fr, eng) were taken and recorded as given: the
# index --check called damaged ("language en does not go with stem 1"),
# and that an update with --language english (or none) took for another
# analysis.
expect_exit 2 "--language en (an alias, not a listed name) exits 2" -- \
    cops_index -q --index "$TMP/lang-en" --language en corpus
expect_stderr_contains "'en'" "it names the language"
expect_stderr_contains "english" "and lists the names"
check "--language en creates no index" test ! -e "$TMP/lang-en"

mkdir -p "$TMP/fr" && printf 'Les chevaux mangeront des pommes nationales\n' >"$TMP/fr/a.txt"
expect_exit 0 "--language french builds" -- cops_index -q -i "$TMP/fr-idx" --language french "$TMP/fr"
expect_exit 0 "--stats shows the french analysis" -- cops_index -i "$TMP/fr-idx" --stats
expect_stdout_matches '^analysis +french$'
expect_exit 0 "french stemming: 'cheval' finds 'chevaux'" -- cops_query -i "$TMP/fr-idx" --count cheval
expect_exit 0 "french stemming: 'manger' finds 'mangeront'" -- cops_query -i "$TMP/fr-idx" --count manger
expect_exit 0 "english build of the same text" -- cops_index -q -i "$TMP/en-idx" "$TMP/fr"
expect_exit 1 "english stemming: 'cheval' does not find 'chevaux'" -- cops_query -i "$TMP/en-idx" --count cheval

expect_exit 0 "--no-stem builds" -- cops_index -q -i "$TMP/nostem" --no-stem corpus
expect_exit 0 "--no-stem keeps 'grants' as a term" -- cops_index -i "$TMP/nostem" --dump grants
expect_exit 1 "stemmed index has no term 'grants'" -- cops_index --dump grants
expect_exit 0 "--no-stem: 'grant' is its own term" -- cops_index -i "$TMP/nostem" --dump grant
expect_stdout_contains "cf 3" "--no-stem: 'grant' occurs 3 times (not 7 as stemmed)"
expect_exit 0 "stemmed: 'grant' occurs 7 times" -- cops_index --dump grant
expect_stdout_contains "cf 7"

# --- locking: a second writer fails ---------------------------------------------
if command -v flock >/dev/null 2>&1; then
    # -o: the lock is held by flock itself, so killing it releases the lock.
    background flock -o .cops/LOCK sleep 4
    # Wait until the lock is really held.
    _i=0
    while flock -n .cops/LOCK true 2>/dev/null && [ $_i -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    expect_exit 2 "a second writer exits 2" -- cops_index corpus
    expect_stderr_contains "being updated" "a second writer says the index is being updated"
    expect_stderr_contains ".cops" "the lock message names the index"
    check "the locked index is unchanged" cmp -s .cops/MANIFEST "$TMP/manifest.before"
    expect_exit 0 "readers are not blocked by the writer's lock" -- cops_query --count grant
    for _p in $BG_PIDS; do kill "$_p" 2>/dev/null; wait "$_p" 2>/dev/null; done
    BG_PIDS=
    expect_exit 0 "once the lock is released, indexing works again" -- cops_index -q corpus
else
    skip "a second writer exits 2" "flock(1) not available"
fi

# --- index directory that is a regular file -------------------------------------
echo "not an index" >"$TMP/plainfile"
expect_exit 2 "an index path that is a regular file exits 2" -- cops_index -q --index "$TMP/plainfile" corpus
expect_stderr_contains "$TMP/plainfile" "the error names the file"
check "the regular file is left alone" test "$(cat "$TMP/plainfile")" = "not an index"
expect_exit 2 "cops-query on a regular file exits 2" -- cops_query --index "$TMP/plainfile" grant
expect_no_crash

# --- an index directory inside the input folder --------------------------------------
# The indexer must not index its own files (LOCK, MANIFEST, segments).
mkdir -p "$TMP/inner" && cp corpus/* "$TMP/inner/" || exit 99
expect_exit 0 "index dir inside the input folder: first build" -- cops_index -i "$TMP/inner/idx" "$TMP/inner"
expect_stderr_matches 'indexed 2 documents' "index dir inside the input: only the 2 articles are indexed"
expect_exit 0 "index dir inside the input folder: second build" -- cops_index -i "$TMP/inner/idx" "$TMP/inner"
expect_stderr_lacks "seg-" "the second build does not read the old segment as input"
expect_exit 1 "the index's own files are not documents" -- cops_query -i "$TMP/inner/idx" --ids 'NOT grant'

# --- another folder adds a root; --rebuild replaces the index ------------------------
mkdir -p "$TMP/other" && echo "xylophone music" >"$TMP/other/x.txt"
expect_exit 0 "indexing another folder" -- cops_index -q "$TMP/other"
expect_exit 0 "the index has the new document" -- cops_query --count xylophone
expect_exit 0 "and still the documents of the other root" -- cops_query --count sanctuary
expect_exit 0 "--rebuild with other input" -- cops_index -q --rebuild "$TMP/other"
expect_exit 0 "the rebuilt index has the new document" -- cops_query --count xylophone
expect_exit 1 "the rebuilt index no longer has the old documents" -- cops_query --count sanctuary

done_testing
