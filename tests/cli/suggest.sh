#!/bin/sh
# Did you mean (cops.h, cops_results_suggestion): a query word in fewer
# than 3 documents gets the indexed word within two edits (one for 3 to 5
# letters, none under 3 or with a digit) that is in the
# most documents (at least 20 times as many), among the words starting
# with its first or second letter: checked against a brute force over a
# generated vocabulary (unstemmed, so the reference needs no stemmer), on
# stderr and in the --json summary; and a stemmed word is shown as a word.
. "$COPS_SRCDIR/tests/cli/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 is needed for the reference"
    exit 0
fi
cd "$TMP" || exit 99
mkdir corpus stemmed

python3 - <<'EOF' || exit 99
import json, random
random.seed(23)
letters = "abcdefgh"
vocab = {}
while len(vocab) < 60:
    word = "".join(random.choice(letters) for _ in range(random.randint(5, 8)))
    vocab[word] = random.choice([1, 2, 5, 30, 45, 60])
docs = [[] for _ in range(80)]
for word, df in vocab.items():
    for d in random.sample(range(80), df):
        docs[d].append(word)
with open("corpus/docs.jsonl", "w") as out:
    for d, words in enumerate(docs):
        out.write(json.dumps({"id": "d%d" % d, "text": " ".join(words) or "empty"}) + "\n")

def distance(a, b):  # optimal string alignment
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1): rows[i][0] = i
    for j in range(len(b) + 1): rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1,
                             rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]

def df_of(word):
    return sum(1 for words in docs if word in words)

def max_edits(typo):  # none with a digit or under 3 letters, 1 under 6
    if any(c.isdigit() for c in typo) or len(typo) < 3:
        return 0
    return 1 if len(typo) < 6 else 2

def expected(typo):
    own = df_of(typo)
    if own >= 3:
        return ""
    best = None
    for word in sorted(vocab):
        if word == typo or word[0] not in typo[:2]:
            continue
        dist = distance(typo, word)
        if dist > max_edits(typo):
            continue
        key = (dist, -df_of(word), word)
        if best is None or key < best:
            best = key
    if best is None or df_of(best[2]) < max(1, 20 * own):
        return ""
    return best[2]

with open("typos.txt", "w") as out:
    words = sorted(vocab)
    for n in range(40):
        word = random.choice(words)
        i = random.randrange(len(word))
        kind = n % 4
        if kind == 0:
            typo = word[:i] + word[i + 1:]
        elif kind == 1:
            typo = word[:i] + random.choice(letters) + word[i:]
        elif kind == 2:
            typo = word[:i] + random.choice(letters) + word[i + 1:]
        else:
            typo = word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:]
        out.write("%s|%s\n" % (typo, expected(typo)))
EOF

expect_exit 0 "an unstemmed index" -- cops_index -q --no-stem -i idx corpus
while IFS='|' read -r typo want; do
    expect_exit "0|1" "$typo" -- cops_query -i idx --count "$typo"
    if [ -n "$want" ]; then
        expect_stderr_contains "did you mean: $typo -> $want" "$typo: suggests $want"
    else
        check "$typo: no suggestion" test -z "$(grep 'did you mean' "$ERR")"
    fi
    expect_exit "0|1" "$typo: --json" -- cops_query -i idx --json --count "$typo"
    check "$typo: --json suggestions" python3 -c '
import json, sys
summary = json.loads(open(sys.argv[1], encoding="utf-8").read().splitlines()[-1])["summary"]
want = [{"word": sys.argv[2], "suggestion": sys.argv[3]}] if sys.argv[3] else None
assert summary.get("suggestions") == want, summary
' "$OUT" "$typo" "$want"
done <typos.txt
check "some typos get a suggestion" test "$(grep -c '|.' typos.txt)" -gt 10

# A stemmed index shows a word, not a stem, and several words are listed.
printf 'The sanctuary cities and the sanctuary policy.\n' >stemmed/a.txt
i=0
while [ $i -lt 25 ]; do
    printf 'The sanctuary cities note %d of 2016 by a cop.\n' $i >"stemmed/n$i.txt"
    i=$((i + 1))
done
expect_exit 0 "a stemmed index" -- cops_index -q -i sidx stemmed
expect_exit 1 "two typos" -- cops_query -i sidx --strict 'sanctuaryy citties'
expect_stderr_contains "did you mean: sanctuaryy -> sanctuary, citties -> cities"
check "one line" test "$(wc -l <"$ERR")" -eq 1
expect_exit 0 "a known word: no suggestion" -- cops_query -i sidx sanctuary
check "nothing on stderr" test ! -s "$ERR"

# A number is not misspelt (2015 -> 2016 changed what was asked), and a
# word of one or two letters is within two edits of any short word (C++,
# analysed to c, got "did you mean: com"); three to five letters get one
# edit (teh -> the), six or more two.
expect_exit 1 "a year no document has" -- cops_query -i sidx --strict 2015
check "a year gets no suggestion" test -z "$(grep 'did you mean' "$ERR")"
expect_exit 1 "a one-letter word" -- cops_query -i sidx --strict 'C++'
check "a one-letter word gets no suggestion" test -z "$(grep 'did you mean' "$ERR")"
expect_exit 1 "a three-letter typo" -- cops_query -i sidx --strict teh
expect_stderr_contains "did you mean: teh -> the"
expect_exit 1 "a four-letter word two edits from one" -- cops_query -i sidx --strict nxtx
check "two edits of four letters: no suggestion" test -z "$(grep 'did you mean' "$ERR")"

done_testing
