#!/bin/sh
# Titles and dates as cops-index derives them: the first opening line that
# reads as a headline (not "This story is over 5 years old."), the format's
# own metadata first (HTML og:title, article:published_time), dates in the
# forms newsrooms write, the "date ..." line of a text file kept out of the
# text, and a date that cannot be read reported with its file and value.
. "$COPS_SRCDIR/tests/cli/lib.sh"

cd "$TMP" || exit 99

# --- the bundled corpus: the second article's real headline --------------
mkdir seed && copy_seed_corpus seed || exit 99
expect_exit 0 "the bundled corpus indexes" -- cops_index -q -i seed.idx seed/corpus
expect_exit 0 "its second article is found by a title word" -- \
    cops_query -i seed.idx --ids 'title:impossible'
expect_stdout_is "seed/corpus/$SEED_B" "the headline is the second article's title"
expect_exit 0 "--json shows it" -- cops_query -i seed.idx --json -n 1 --no-snippets 'title:impossible'
expect_stdout_contains '"title":"Jeff Sessions is asking sanctuary cities to make an impossible choice"' \
    "the title is the headline, not the notice above it"
expect_exit 1 "the notice is not a title" -- cops_query -i seed.idx --ids 'title:story'

# --- generated documents ---------------------------------------------------
mkdir docs
printf 'This story is over 5 years old.\n\nBy Jane Doe\n\nCouncil approves harbour budget\n\nThe council voted.\n' \
    >docs/boiler.txt
printf 'Date: Sat, 15 Jul 2023 10:20:30 +0000\nFerry timetable changes\nThe ferry leaves earlier.\n' \
    >docs/mail-date.txt
printf 'date 15 July 2023\nLighthouse restored\nThe lighthouse shines again.\n' >docs/written.txt
printf 'date 2023-07-16T08:00:00+02:00\nMarket reopens\nStalls return.\n' >docs/iso.txt
printf 'date 07/08/2023\nAmbiguous day\nNobody knows which month.\n' >docs/ambiguous.txt
cat >docs/records.jsonl <<'EOF'
{"id":"r1","text":"Orchard harvest\nApples everywhere.","date":"July 18, 2023"}
{"id":"r2","text":"Orchard pruning\nBranches cut.","date":"sometime soon"}
{"id":"r3","text":"Orchard sale\nPears cheap.","date":"19/07/2023"}
EOF
cat >docs/page.html <<'EOF'
<html><head><title>Tidal report | The Coastal Gazette</title>
<meta property="og:title" content="Tidal report">
<meta property="article:published_time" content="2023-07-20T06:00:00Z">
</head><body><h1>Tides</h1><p>High water at noon.</p></body></html>
EOF

expect_exit 0 "the generated documents index (warnings are not errors)" -- \
    cops_index -i docs.idx docs
for value in "docs/ambiguous.txt: cannot read the date '07/08/2023'" \
    "docs/records.jsonl:2: cannot read the date 'sometime soon'"; do
    expect_stderr_contains "$value" "a warning names the file and the date value: $value"
done
expect_stderr_matches '^cops-index: warning: ' "the warnings are warnings"

# title and date of one document, as --json prints them
document()
{
    run cops_query -i docs.idx --json --no-snippets -n 50 "$1"
}
expect_title_and_date()
{
    _query=$1 _title=$2 _date=$3
    document "$_query"
    expect_stdout_contains "\"title\":\"$_title\"" "$_query: title '$_title'"
    expect_stdout_contains "\"date\":$_date" "$_query: date $_date"
}
expect_title_and_date council 'Council approves harbour budget' null
expect_title_and_date ferry 'Ferry timetable changes' '"2023-07-15"'
expect_title_and_date lighthouse 'Lighthouse restored' '"2023-07-15"'
expect_title_and_date market 'Market reopens' '"2023-07-16"'
expect_title_and_date ambiguous 'Ambiguous day' null
# JSON Lines records without a title field have none (cops-index(1)):
# their dates are what these check.
expect_title_and_date harvest '' '"2023-07-18"'
expect_title_and_date pruning '' null
expect_title_and_date pears '' '"2023-07-19"'
expect_title_and_date noon 'Tidal report' '"2023-07-20"'

# the date line is the date, not text: its words are not indexed
expect_exit 1 "the words of a 'Date:' line are not text" -- cops_query -i docs.idx --count 'jul OR sat'
expect_exit 0 "dates answer date: queries" -- cops_query -i docs.idx --count 'date:2023-07-15'
expect_stdout_is 2 "two documents of 15 July 2023 (mail and written forms)"
expect_exit 0 "the snippet starts with the text after the date line" -- cops_query -i docs.idx ferry
expect_stdout_lacks "Date:" "no 'Date:' in the snippet"

# --- TREC records: <DATE>, <DATE_TIME> or a "date" line dates a record --
mkdir trec
cat >trec/records.trec <<'EOF2'
<DOC>
<DOCNO>T-1</DOCNO>
<DATE>15 July 2023</DATE>
<TEXT>
Harbour seals return
The seals are back.
</TEXT>
</DOC>
<DOC>
<DOCNO>T-2</DOCNO>
<DATE_TIME>2023-07-16T08:00:00Z</DATE_TIME>
<HEADLINE>Ferry news</HEADLINE>
<TEXT>The ferry is late.</TEXT>
</DOC>
<DOC>
<DOCNO>T-3</DOCNO>
date 2023-07-17
Lighthouse restored
The lamp shines.
</DOC>
<DOC>
<DOCNO>T-4</DOCNO>
<DATE>someday</DATE>
Kelp forest grows
</DOC>
EOF2
expect_exit 0 "TREC records index" -- cops_index -i trec.idx trec
expect_stderr_contains "trec/records.trec:21: cannot read the date 'someday'" \
    "an unreadable <DATE> is a warning naming file, line and value"
trec_record()
{
    run cops_query -i trec.idx --json -n 1 "$1"
    expect_stdout_contains "\"id\":\"$2\"" "$1: record $2"
    expect_stdout_contains "\"title\":\"$3\"" "$1: title '$3'"
    expect_stdout_contains "\"date\":$4" "$1: date $4"
    expect_stdout_lacks "$5" "$1: the date is not in the snippet"
}
trec_record seals T-1 'Harbour seals return' '"2023-07-15"' 'July'
trec_record ferry T-2 'Ferry news' '"2023-07-16"' '08:00'
trec_record lamp T-3 'Lighthouse restored' '"2023-07-17"' 'date 2023'
trec_record kelp T-4 'Kelp forest grows' null 'someday'
expect_exit 1 "a record's date is not part of its text" -- \
    cops_query -i trec.idx --count '2023 OR july OR someday OR date OR 17'

done_testing
