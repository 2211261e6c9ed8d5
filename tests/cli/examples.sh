#!/bin/sh
# The documentation runs as written: every cops-index and cops-query line
# of the README's "Using it" block and of the EXAMPLES of man/cops-index.1
# and man/cops-query.1 is run on the bundled corpus (the home directory
# and files they name made under $TMP) and must exit 0 and print
# something; the quick start's sample answer is what cops-query prints;
# --help and --explain give the same default title weight.
. "$COPS_SRCDIR/tests/cli/lib.sh"

README=$COPS_SRCDIR/README.md
cd "$TMP" || exit 99
copy_seed_corpus "$TMP" || exit 99

# The programs by the names the documentation uses, and the files it names.
mkdir bin home home/notes || exit 99
for program in cops-index cops-query; do
    printf '#!/bin/sh\nexec "%s/%s" "$@"\n' "$COPS_BUILDDIR" "$program" >"bin/$program"
    chmod +x "bin/$program"
done
printf 'notes on the budget of the police\n' >home/notes/budget.txt
printf '{"id":"m1","title":"grant","text":"a mail about the grant"}\n' | gzip >home/mail.jsonl.gz
printf '{"id":"w1","title":"Grant","text":"a grant is money given"}\n' | gzip >wiki.jsonl.gz

# run_examples NAME FILE: run each line of FILE as a shell command line;
# its output goes to NAME-N.out.
run_examples()
{
    _n=0
    while IFS= read -r line; do
        _n=$((_n + 1))
        (
            HOME=$TMP/home PATH=$TMP/bin:$PATH
            export HOME PATH
            sh -c "$line" >"$1-$_n.out" 2>"$1-$_n.err"
        ) </dev/null
        RC=$?
        cp "$1-$_n.out" "$OUT"
        cp "$1-$_n.err" "$ERR"
        check "$1 example runs and exits 0: $line" test "$RC" = 0
        case $line in
        *--stats* | *--dump*) check "it prints something: $line" test -s "$OUT" ;;
        cops-index*) ;;
        *) check "it prints something: $line" test -s "$OUT" ;;
        esac
    done <"$2"
}

# The lines of the README's "Using it" block that run a program, comments cut.
awk '/^## Using it/ { block = 1 } block && /^```sh/ { inside = 1; next }
     inside && /^```/ { exit } inside && /cops-(index|query)/' "$README" |
    sed 's/[[:space:]]\{2,\}#.*$//' >readme.txt
count=$(wc -l <readme.txt)
check "the README shows at least 8 example lines ($count)" test "$count" -ge 8
check "the examples index before they query" test "$(sed -n 1p readme.txt)" = cops-index
run_examples README readme.txt

# The manual pages' "$ command" lines, roff escapes undone.
for page in cops-index cops-query; do
    sed -n 's/^\$ \\fB\(.*\)\\fP$/\1/p' "$COPS_SRCDIR/man/$page.1" |
        sed 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\(dq/"/g; s/\\e/\\/g' >"$page.txt"
    check "man $page shows examples" test -s "$page.txt"
    run_examples "$page" "$page.txt"
done

# The documented answers.
n=$(grep -n 'sanctuary AND grant' readme.txt | head -n 1 | cut -d: -f1)
awk '/^The first command ends with the ranked answer/ { found = 1 } found && /^```$/ { n++; next }
     found && n == 1' "$README" | sed -n '1p;3,4p' >documented.txt
check "the README shows a sample answer" test "$(wc -l <documented.txt)" -eq 3
sed -n '1p;3,4p' "README-$n.out" >answered.txt
check "the quick start's sample answer is what cops-query prints" cmp -s documented.txt answered.txt
# The phrase with an exclusion ('"..." -word') keeps one document of two.
phrase=$(grep -n '" -' readme.txt | head -n 1 | cut -d: -f1)
check "the README has a phrase-and-exclusion example" test -n "$phrase"
check "the phrase-and-exclusion example answers one document" \
    test "$(grep -c '^[0-9]*\. ' "README-${phrase:-0}.out" 2>/dev/null)" = 1

# One truth about the title weight: --help says what --explain shows.
expect_exit 0 "--help" -- cops_query --help
weight=$(sed -n 's/.*--title-weight X.*(default: \([0-9.]*\)).*/\1/p' "$OUT")
check "--help gives a default title weight ($weight)" test -n "$weight"
expect_exit 0 "--explain on a title word" -- cops_query -i "$TMP/.cops" --explain title:impossible
check "--explain shows the title weight --help gives" \
    grep -q "^ *title:imposs: .*(weight $(printf '%.2f' "$weight")," "$OUT"
expect_stdout_contains "weight 1.00" "the code's default is 1"

done_testing
