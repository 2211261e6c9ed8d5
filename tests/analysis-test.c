#include "config.h"

#include "analysis/analyzer.h"

#include <criterion/criterion.h>
#include <libstemmer.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#define MAX_EXPECTED 12
#define MAX_COLLECTED 4096

typedef struct expected_token {
    const char *term;
    uint32_t position;
    size_t start;
    size_t end;
} expected_token;

typedef struct collected_token {
    char term[ANALYZER_MAX_TERM_BYTES + 1];
    size_t term_length;
    uint32_t position;
    size_t start;
    size_t end;
} collected_token;

typedef struct collector {
    collected_token tokens[MAX_COLLECTED];
    size_t count;
    size_t stop_after; /* 0 = never stop */
    int stop_value;
} collector;

static int collect(void *context, const analyzer_token *token)
{
    collector *sink = context;
    cr_assert_lt(sink->count, MAX_COLLECTED, "more tokens than the test expects");
    cr_assert_leq(token->term_length, ANALYZER_MAX_TERM_BYTES);
    cr_assert_eq(strlen(token->term), token->term_length, "term '%s' length disagrees",
                 token->term);
    collected_token *kept = &sink->tokens[sink->count++];
    memcpy(kept->term, token->term, token->term_length + 1);
    kept->term_length = token->term_length;
    kept->position = token->position;
    kept->start = token->start;
    kept->end = token->end;
    if (sink->stop_after && sink->count == sink->stop_after)
        return sink->stop_value;
    return 0;
}

static analyzer *make_analyzer(const char *language, int stem)
{
    analyzer_config config;
    analyzer_config_init(&config);
    snprintf(config.language, sizeof config.language, "%s", language);
    config.stem = stem;
    analyzer *made = NULL;
    cops_error err = {0};
    int status = analyzer_new(&config, &made, &err);
    cr_assert_eq(status, 0, "analyzer_new(%s): %s", language, err.message);
    cr_assert_not_null(made);
    return made;
}

/* ------------------------------------------------ table-driven cases */

enum stemming { PLAIN, ENGLISH, FRENCH, RUSSIAN };

typedef struct analysis_case {
    const char *name;
    const char *input;
    enum stemming stemming;
    uint64_t invalid_sequences;
    size_t first_invalid_offset;
    expected_token expected[MAX_EXPECTED];
} analysis_case;

#define NONE SIZE_MAX
#define END {NULL, 0, 0, 0}

static const analysis_case cases[] = {
    {"plain ascii", "The quick brown fox", PLAIN, 0, NONE,
     {{"the", 0, 0, 3}, {"quick", 1, 4, 9}, {"brown", 2, 10, 15}, {"fox", 3, 16, 19}, END}},
    {"case folding", "HeLLo WORLD", PLAIN, 0, NONE,
     {{"hello", 0, 0, 5}, {"world", 1, 6, 11}, END}},
    {"english stemming", "running jumps easily", ENGLISH, 0, NONE,
     {{"run", 0, 0, 7}, {"jump", 1, 8, 13}, {"easili", 2, 14, 20}, END}},
    {"accents", "Caf\xc3\xa9 na\xc3\xafve Stra\xc3\x9f" "e", PLAIN, 0, NONE,
     {{"cafe", 0, 0, 5}, {"naive", 1, 6, 12}, {"strasse", 2, 13, 20}, END}},
    {"curly quotes and em dash",
     "\xe2\x80\x9c" "Cities and states that cooperate,\xe2\x80\x9d Sessions said \xe2\x80\x94 "
     "Trump\xe2\x80\x99s crackdown",
     ENGLISH, 0, NONE,
     {{"citi", 0, 3, 9}, {"and", 1, 10, 13}, {"state", 2, 14, 20}, {"that", 3, 21, 25},
      {"cooper", 4, 26, 35}, {"session", 5, 40, 48}, {"said", 6, 49, 53},
      {"trump", 7, 58, 67}, {"crackdown", 8, 68, 77}, END}},
    {"curly apostrophe folded", "Trump\xe2\x80\x99s", PLAIN, 0, NONE,
     {{"trump's", 0, 0, 9}, END}},
    {"apostrophes", "'quoted' rock'n'roll 90's", PLAIN, 0, NONE,
     {{"quoted", 0, 1, 7}, {"rock'n'roll", 1, 9, 20}, {"90", 2, 21, 23}, {"s", 3, 24, 25},
      END}},
    {"hyphenated words", "community-oriented policing -leading trailing-", PLAIN, 0, NONE,
     {{"community", 0, 0, 9}, {"oriented", 1, 10, 18}, {"policing", 2, 19, 27},
      {"leading", 3, 29, 36}, {"trailing", 4, 37, 45}, END}},
    {"hyphenated date", "2017-11-14", PLAIN, 0, NONE,
     {{"2017", 0, 0, 4}, {"11", 1, 5, 7}, {"14", 2, 8, 10}, END}},
    {"unicode hyphens and dashes", "a\xe2\x80\x90" "b c\xe2\x80\x91" "d e\xe2\x80\x93" "f",
     PLAIN, 0, NONE,
     {{"a", 0, 0, 1}, {"b", 1, 4, 5}, {"c", 2, 6, 7}, {"d", 3, 10, 11}, {"e", 4, 12, 13},
      {"f", 5, 16, 17}, END}},
    {"numbers", "$98 million, 3.14 and 1,000.", ENGLISH, 0, NONE,
     {{"98", 0, 1, 3}, {"million", 1, 4, 11}, {"3.14", 2, 13, 17}, {"and", 3, 18, 21},
      {"1000", 4, 22, 27}, END}},
    /* Thousands' commas are left out (format 2026121101: 1000 finds
     * 1,000); other commas between digits stay. */
    {"grouped numbers", "1,234,567.89 1,000s 3,5 12,34 1,0000 1,00,000 1234,567 1,234,5",
     PLAIN, 0, NONE,
     {{"1234567.89", 0, 0, 12}, {"1000s", 1, 13, 19}, {"3,5", 2, 20, 23}, {"12,34", 3, 24, 29},
      {"1,0000", 4, 30, 36}, {"1,00,000", 5, 37, 45}, {"1234,567", 6, 46, 54},
      {"1,234,5", 7, 55, 62}, END}},
    /* A zero-width space inside a word of a spaced script joins it
     * (format 2026121101: a web page's inter<ZWSP>national); in Thai it
     * separates words, as it does beside a space or punctuation. */
    {"zero-width space inside a word", "inter\xe2\x80\x8bnational x\xe2\x80\x8b y "
     "\xe0\xb8\x81\xe2\x80\x8b\xe0\xb8\x82 \xc3\xa9\xe2\x80\x8b\xc3\xa9",
     PLAIN, 0, NONE,
     {{"international", 0, 0, 16}, {"x", 1, 17, 18}, {"y", 2, 22, 23},
      {"\xe0\xb8\x81", 3, 24, 27}, {"\xe0\xb8\x82", 4, 30, 33}, {"ee", 5, 34, 41}, END}},
    {"digits are not stemmed", "runnings2 runnings 5.end 2runs", ENGLISH, 0, NONE,
     {{"runnings2", 0, 0, 9}, {"run", 1, 10, 18}, {"5", 2, 19, 20}, {"end", 3, 21, 24},
      {"2runs", 4, 25, 30}, END}},
    {"cjk one term per character", "\xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xbf\xe3\x83\xaf\xe3\x83\xbc",
     ENGLISH, 0, NONE,
     {{"\xe6\x9d\xb1", 0, 0, 3}, {"\xe4\xba\xac", 1, 3, 6}, {"\xe3\x82\xbf", 2, 6, 9},
      {"\xe3\x83\xaf", 3, 9, 12}, {"\xe3\x83\xbc", 4, 12, 15}, END}},
    {"cjk after digits", "2017\xe5\xb9\xb4\xe3\x81\xab" "abc", PLAIN, 0, NONE,
     {{"2017", 0, 0, 4}, {"\xe5\xb9\xb4", 1, 4, 7}, {"\xe3\x81\xab", 2, 7, 10},
      {"abc", 3, 10, 13}, END}},
    {"kana voicing marks compose", "\xe3\x81\x8b\xe3\x82\x99 \xef\xbd\xb6\xef\xbe\x9e", PLAIN, 0,
     NONE, {{"\xe3\x81\x8c", 0, 0, 6}, {"\xe3\x82\xac", 1, 7, 13}, END}},
    {"cyrillic and greek",
     "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91 "
     "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1",
     PLAIN, 0, NONE,
     {{"\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0", 0, 0, 12},
      {"\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1", 1, 13, 23},
      {"\xce\xb5\xce\xbb\xce\xbb\xce\xb1\xce\xb4\xce\xb1", 2, 24, 36}, END}},
    {"greek final sigma", "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xbf\xce\xb4\xcf\x8c\xcf\x82",
     PLAIN, 0, NONE,
     {{"\xce\xbf\xce\xb4\xce\xbf\xcf\x83", 0, 0, 8},
      {"\xce\xbf\xce\xb4\xce\xbf\xcf\x83", 1, 9, 17}, END}},
    {"russian stemming", "\xd0\x9a\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xb8", RUSSIAN, 0, NONE,
     {{"\xd0\xba\xd0\xbd\xd0\xb8\xd0\xb3", 0, 0, 10}, END}},
    {"nfkc ligature and full width",
     "\xef\xac\x81nance \xef\xbc\xa6\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c \xef\xbc\x91\xef\xbc\x92 "
     "\xe2\x91\xa0",
     PLAIN, 0, NONE,
     {{"finance", 0, 0, 8}, {"full", 1, 9, 21}, {"12", 2, 22, 28}, {"1", 3, 29, 32}, END}},
    /* Acronyms: single letters each directly followed by a period. */
    {"acronym", "U.S.A. and USA", PLAIN, 0, NONE,
     {{"usa", 0, 0, 6}, {"and", 1, 7, 10}, {"usa", 2, 11, 14}, END}},
    {"acronym ending a sentence", "in the U.S. The next", PLAIN, 0, NONE,
     {{"in", 0, 0, 2}, {"the", 1, 3, 6}, {"us", 2, 7, 11}, {"the", 3, 12, 15},
      {"next", 4, 16, 20}, END}},
    {"lower-case acronyms", "e.g. i.e. N.A.T.O.", PLAIN, 0, NONE,
     {{"eg", 0, 0, 4}, {"ie", 1, 5, 9}, {"nato", 2, 10, 18}, END}},
    {"initials with spaces are no acronym", "J. R. R. Tolkien", PLAIN, 0, NONE,
     {{"j", 0, 0, 1}, {"r", 1, 3, 4}, {"r", 2, 6, 7}, {"tolkien", 3, 9, 16}, END}},
    {"initials without spaces are one", "J.R.R. Tolkien", PLAIN, 0, NONE,
     {{"jrr", 0, 0, 6}, {"tolkien", 1, 7, 14}, END}},
    /* Dotted degrees: a part may be two letters beside a single one, every
     * period written (format 2026121101; before, Ph.D. was ph d and PhD
     * did not find it). */
    {"dotted degrees are one word", "Ph.D. M.Sc. LL.B. PhD", PLAIN, 0, NONE,
     {{"phd", 0, 0, 5}, {"msc", 1, 6, 11}, {"llb", 2, 12, 17}, {"phd", 3, 18, 21}, END}},
    {"a two-letter part needs its last period", "Ph.D", PLAIN, 0, NONE,
     {{"ph", 0, 0, 2}, {"d", 1, 3, 4}, END}},
    {"two-letter parts alone are no acronym", "cu.in. co.uk.", PLAIN, 0, NONE,
     {{"cu", 0, 0, 2}, {"in", 1, 3, 5}, {"co", 2, 7, 9}, {"uk", 3, 10, 12}, END}},
    /* a lower-case two-letter part is no degree: file names ending a
     * sentence stay the words the query io.h finds (h-user3 made them
     * ioh and fsc, which io.h and fs.c missed) */
    {"lower-case two-letter parts are no acronym", "io.h. fs.c. Ed.D.", PLAIN, 0, NONE,
     {{"io", 0, 0, 2}, {"h", 1, 3, 4}, {"fs", 2, 6, 8}, {"c", 3, 9, 10}, {"edd", 4, 12, 17},
      END}},
    {"a dotted degree run into a word", "Ph.D.s St.John in.I", PLAIN, 0, NONE,
     {{"ph", 0, 0, 2}, {"d", 1, 3, 4}, {"s", 2, 5, 6}, {"st", 3, 7, 9}, {"john", 4, 10, 14},
      {"in", 5, 15, 17}, {"i", 6, 18, 19}, END}},
    {"a two-letter word ending a sentence", "go to. A. Smith", PLAIN, 0, NONE,
     {{"go", 0, 0, 2}, {"to", 1, 3, 5}, {"a", 2, 7, 8}, {"smith", 3, 10, 15}, END}},
    {"capitals' last period may be missing", "U.S.A U.S . C.D.U", PLAIN, 0, NONE,
     {{"usa", 0, 0, 5}, {"us", 1, 6, 9}, {"cdu", 2, 12, 17}, END}},
    {"lower case writes every period", "u.s.a x.y", PLAIN, 0, NONE,
     {{"u", 0, 0, 1}, {"s", 1, 2, 3}, {"a", 2, 4, 5}, {"x", 3, 6, 7}, {"y", 4, 8, 9}, END}},
    {"mixed case writes every period", "U.s", PLAIN, 0, NONE,
     {{"u", 0, 0, 1}, {"s", 1, 2, 3}, END}},
    {"acronym run into a word", "U.S.Army", PLAIN, 0, NONE,
     {{"u", 0, 0, 1}, {"s", 1, 2, 3}, {"army", 2, 4, 8}, END}},
    {"one initial", "A. Smith", PLAIN, 0, NONE, {{"a", 0, 0, 1}, {"smith", 1, 3, 8}, END}},
    {"non-ascii acronym", "\xc3\x89.U.", PLAIN, 0, NONE, {{"eu", 0, 0, 5}, END}},
    {"acronym with a mark", "e\xcc\x81.u.", PLAIN, 0, NONE, {{"eu", 0, 0, 6}, END}},
    {"acronym before a hyphen", "U.S.-led", PLAIN, 0, NONE,
     {{"us", 0, 0, 4}, {"led", 1, 5, 8}, END}},
    {"acronym stemmed as a word", "U.S.A.'s", ENGLISH, 0, NONE,
     {{"usa", 0, 0, 6}, {"s", 1, 7, 8}, END}},
    {"soft hyphen inside a word", "co\xc2\xad" "operate", PLAIN, 0, NONE,
     {{"cooperate", 0, 0, 11}, END}},
    {"invalid byte separates", "ab\xff" "cd", PLAIN, 1, 2, {{"ab", 0, 0, 2}, {"cd", 1, 3, 5}, END}},
    {"truncated sequence at end", "ab\xe6\x9d", PLAIN, 1, 2, {{"ab", 0, 0, 2}, END}},
    {"truncated sequence inside", "a\xe6" "b", PLAIN, 1, 1, {{"a", 0, 0, 1}, {"b", 1, 2, 3}, END}},
    {"overlong encoding", "a\xc0\xaf" "b", PLAIN, 1, 1, {{"a", 0, 0, 1}, {"b", 1, 3, 4}, END}},
    {"surrogate", "x\xed\xa0\x80y", PLAIN, 1, 1, {{"x", 0, 0, 1}, {"y", 1, 4, 5}, END}},
    {"beyond U+10FFFF", "\xf4\x90\x80\x80z", PLAIN, 1, 0, {{"z", 0, 4, 5}, END}},
    {"lone continuation bytes", "\x80\x80ok", PLAIN, 2, 0, {{"ok", 0, 2, 4}, END}},
    {"invalid inside a non-ascii word", "\xc3\xa9t\xc3\xa9\xc3" "t\xc3\xa9", PLAIN, 1, 5,
     {{"ete", 0, 0, 5}, {"te", 1, 6, 9}, END}},
    {"empty", "", ENGLISH, 0, NONE, {END}},
    {"separators only", " \t\n  ,.;  \xe2\x80\x94 \xe2\x80\x9c\xe2\x80\x9d $ ' - ", ENGLISH, 0,
     NONE, {END}},
};

static void run_case(const analysis_case *test, analyzer *subject)
{
    static collector sink;
    memset(&sink, 0, sizeof sink);
    analyzer_counts counts;
    analyzer_counts_init(&counts);
    uint32_t next = 12345;

    int status = analyzer_run(subject, test->input, strlen(test->input), 0, 0, collect, &sink,
                              &counts, &next);
    cr_assert_eq(status, 0, "%s: status %d", test->name, status);

    size_t expected_count = 0;
    while (expected_count < MAX_EXPECTED && test->expected[expected_count].term)
        expected_count++;
    cr_expect_eq(sink.count, expected_count, "%s: %zu tokens, expected %zu", test->name,
                 sink.count, expected_count);
    for (size_t i = 0; i < sink.count && i < expected_count; i++) {
        const expected_token *want = &test->expected[i];
        const collected_token *got = &sink.tokens[i];
        cr_expect_str_eq(got->term, want->term, "%s: token %zu is '%s', expected '%s'",
                         test->name, i, got->term, want->term);
        cr_expect_eq(got->position, want->position, "%s: token %zu position %u, expected %u",
                     test->name, i, got->position, want->position);
        cr_expect(got->start == want->start && got->end == want->end,
                  "%s: token %zu range [%zu,%zu), expected [%zu,%zu)", test->name, i,
                  got->start, got->end, want->start, want->end);
    }
    cr_expect_eq(next, (uint32_t)expected_count, "%s: next_position %u", test->name, next);
    cr_expect_eq(counts.tokens, expected_count, "%s: counted tokens", test->name);
    cr_expect_eq(counts.invalid_sequences, test->invalid_sequences,
                 "%s: %llu invalid sequences, expected %llu", test->name,
                 (unsigned long long)counts.invalid_sequences,
                 (unsigned long long)test->invalid_sequences);
    cr_expect_eq(counts.first_invalid_offset, test->first_invalid_offset,
                 "%s: first invalid offset %zu, expected %zu", test->name,
                 counts.first_invalid_offset, test->first_invalid_offset);
    cr_expect_eq(counts.long_tokens, 0, "%s: long tokens", test->name);
}

Test(analyzer, table)
{
    analyzer *by_stemming[4] = {
        make_analyzer("english", 0),
        make_analyzer("english", 1),
        make_analyzer("french", 1),
        make_analyzer("russian", 1),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], by_stemming[cases[i].stemming]);
    for (size_t i = 0; i < 4; i++)
        analyzer_free(by_stemming[i]);
}

/* ----------------------------------------------- joined compounds */

typedef struct joined_case {
    const char *input;
    const char *tokens; /* "term@position[start,end)" each, '+' marking a joined one */
} joined_case;

static const joined_case joined_cases[] = {
    {"e-mail", "e@0[0,1) +email@0[0,6) mail@1[2,6)"},
    {"E-Mail address", "e@0[0,1) +email@0[0,6) mail@1[2,6) address@2[7,14)"},
    {"well-known co-operate", "well@0[0,4) +wellknown@0[0,10) known@1[5,10) co@2[11,13) "
                              "+cooper@2[11,21) oper@3[14,21)"},
    {"mother-in-law", "mother@0[0,6) +motherinlaw@0[0,13) in@1[7,9) law@2[10,13)"},
    /* U+2010 and U+2011 are hyphens too */
    {"x\xe2\x80\x90ray", "x@0[0,1) +xray@0[0,7) ray@1[4,7)"},
    /* digits: no joined form */
    {"1990-1995 A-1 covid-19", "1990@0[0,4) 1995@1[5,9) a@2[10,11) 1@3[12,13) covid@4[14,19) "
                               "19@5[20,22)"},
    /* more than ANALYZER_MAX_JOINED_PARTS parts: none, nor for a tail of them */
    {"a-b-c-d-e", "a@0[0,1) b@1[2,3) c@2[4,5) d@3[6,7) e@4[8,9)"},
    {"a-b-c-d", "a@0[0,1) +abcd@0[0,7) b@1[2,3) c@2[4,5) d@3[6,7)"},
    /* a later part starts no compound of its own */
    {"1990-e-mail", "1990@0[0,4) e@1[5,6) mail@2[7,11)"},
    /* the joined term is the first part's: not emitted twice */
    {"book-s", "book@0[0,4) s@1[5,6)"},
    {"-leading trailing- e- -mail", "lead@0[1,8) trail@1[9,17) e@2[19,20) mail@3[23,27)"},
    /* a first part of ignorable letters (U+3164 Hangul filler) takes no
     * position, and its compound no joined term: h-user2 put one at
     * position UINT32_MAX (or the word before's), failing the build */
    {"\xe3\x85\xa4-mail", "mail@0[4,8)"},
    /* a part beginning an acronym is not joined (h-user2: antiu) */
    {"anti-U.S. pre-e.g. x-y. k-U.S", "anti@0[0,4) us@1[5,9) pre@2[10,13) eg@3[14,18) "
                                      "x@4[19,20) +xy@4[19,22) y@5[21,22) k@6[24,25) us@7[26,29)"},
    {"x \xe3\x85\xa4-mail", "x@0[0,1) mail@1[6,10)"},
    {"pre-Ph.D.", "pre@0[0,3) phd@1[4,9)"},
    /* a lower-case two-letter part begins no acronym: joined */
    {"pre-io.h.", "pre@0[0,3) +preio@0[0,6) io@1[4,6) h@2[7,8)"},
    /* A word cut at a line's end, the next line going on in lower case
     * (format 2026121101: plain text from print and OCR) */
    {"infor-\nmation", "infor@0[0,5) +inform@0[0,13) mation@1[7,13)"},
    {"infor- \r\n\tmation x\xe2\x80\x90\n\xc3\xa9t\xc3\xa9",
     "infor@0[0,5) +inform@0[0,16) mation@1[10,16) x@2[17,18) +xete@2[17,27) "
     "ete@3[22,27)"},
    /* not across a new sentence, a blank line or a dash */
    {"as follows-\nThe a-\n\nb c -\nd e--\nf",
     "as@0[0,2) follow@1[3,10) the@2[12,15) a@3[16,17) b@4[20,21) c@5[22,23) d@6[26,27) "
     "e@7[28,29) f@8[32,33)"},
};

typedef struct joined_sink {
    char text[512];
    size_t used;
    size_t joined;
} joined_sink;

static int describe_token(void *context, const analyzer_token *token)
{
    joined_sink *sink = context;
    sink->joined += token->joined;
    int n = snprintf(sink->text + sink->used, sizeof sink->text - sink->used, "%s%s%s@%u[%zu,%zu)",
                     sink->used ? " " : "", token->joined ? "+" : "", token->term,
                     token->position, token->start, token->end);
    cr_assert(n > 0 && (size_t)n < sizeof sink->text - sink->used);
    sink->used += (size_t)n;
    return 0;
}

Test(analyzer, joined_compounds)
{
    analyzer *english = make_analyzer("english", 1);
    for (size_t i = 0; i < sizeof joined_cases / sizeof joined_cases[0]; i++) {
        const joined_case *test = &joined_cases[i];
        joined_sink sink = {.used = 0};
        analyzer_counts counts;
        analyzer_counts_init(&counts);
        uint32_t next = 0;
        cr_assert_eq(analyzer_run(english, test->input, strlen(test->input), 0, ANALYZE_JOINED,
                                  describe_token, &sink, &counts, &next), 0);
        cr_expect_str_eq(sink.text, test->tokens, "%s: %s", test->input, sink.text);
        /* joined tokens take no position and no count */
        cr_expect_eq(counts.tokens, next, "%s", test->input);
        /* without the flag: the words alone, as before */
        joined_sink plain = {.used = 0};
        uint32_t plain_next = 0;
        cr_assert_eq(analyzer_run(english, test->input, strlen(test->input), 0, 0,
                                  describe_token, &plain, NULL, &plain_next), 0);
        cr_expect_eq(plain.joined, 0, "%s", test->input);
        cr_expect_eq(plain_next, next, "%s", test->input);
    }
    /* analyzer_run_stemming takes the flag too (snippets find email in e-mail) */
    analyzer_stem_filter filter;
    memset(&filter, 0, sizeof filter);
    analyzer_stem_filter_add(&filter, "email", 5);
    joined_sink sink = {.used = 0};
    cr_assert_eq(analyzer_run_stemming(english, "an e-mails", 10, 0, &filter,
                                       ANALYZE_STEMMED_ONLY | ANALYZE_JOINED, describe_token,
                                       &sink, NULL),
                 0);
    /* mail is not marked: not emitted (ANALYZE_STEMMED_ONLY) */
    cr_expect_str_eq(sink.text, "e@1[3,4) +email@1[3,10)");
    analyzer_free(english);
}

/* --------------------------------------------------------- stemming */

typedef struct stem_case {
    const char *language;
    const char *word;
    const char *stem;
} stem_case;

static const stem_case stem_cases[] = {
    {"english", "Connections", "connect"},
    {"english", "Trump's", "trump"},
    {"french", "continuellement", "continuel"},
    {"french", "chevaux", "cheval"},
    {"german", "H\xc3\xa4user", "haus"},
};

static void analyze_one(analyzer *subject, const char *text, int flags, collector *sink)
{
    memset(sink, 0, sizeof *sink);
    int status = analyzer_run(subject, text, strlen(text), 0, flags, collect, sink, NULL, NULL);
    cr_assert_eq(status, 0);
}

Test(analyzer, stemmers)
{
    static collector sink;
    for (size_t i = 0; i < sizeof stem_cases / sizeof stem_cases[0]; i++) {
        const stem_case *test = &stem_cases[i];
        analyzer *stemming = make_analyzer(test->language, 1);
        analyze_one(stemming, test->word, 0, &sink);
        cr_assert_eq(sink.count, 1, "%s %s", test->language, test->word);
        cr_expect_str_eq(sink.tokens[0].term, test->stem, "%s: %s -> %s, expected %s",
                         test->language, test->word, sink.tokens[0].term, test->stem);
        analyzer_free(stemming);
    }
}

Test(analyzer, stemming_can_be_turned_off)
{
    static collector sink;
    analyzer *stemming = make_analyzer("english", 1);
    analyze_one(stemming, "Running", 0, &sink);
    cr_expect_str_eq(sink.tokens[0].term, "run");
    analyze_one(stemming, "Running", ANALYZE_NO_STEM, &sink);
    cr_expect_str_eq(sink.tokens[0].term, "running");
    /* The flag lasts one run only. */
    analyze_one(stemming, "Running", 0, &sink);
    cr_expect_str_eq(sink.tokens[0].term, "run");
    analyzer_free(stemming);

    analyzer *plain = make_analyzer("english", 0);
    analyze_one(plain, "Running", 0, &sink);
    cr_expect_str_eq(sink.tokens[0].term, "running");
    analyzer_free(plain);
}

/* `text` through analyzer_run_stemming with `flags`, the words of first
 * byte 'a' chosen, numbered from 5, into *sink; the next position. */
static uint32_t run_choosing_a(const char *text, int flags, collector *sink)
{
    analyzer *stemming = make_analyzer("english", 1);
    static analyzer_stem_filter filter;
    memset(&filter, 0, sizeof filter);
    analyzer_stem_filter_add(&filter, "a", 1);
    memset(sink, 0, sizeof *sink);
    uint32_t next = 0;
    cr_assert_eq(analyzer_run_stemming(stemming, text, strlen(text), 5, &filter, flags,
                                       collect, sink, &next), 0);
    analyzer_free(stemming);
    return next;
}

Test(analyzer, only_the_words_of_chosen_first_bytes_are_stemmed)
{
    static collector sink;
    uint32_t next = run_choosing_a("Armies marched, 7 armies", 0, &sink);
    cr_assert_eq(sink.count, 4);
    cr_expect_str_eq(sink.tokens[0].term, "armi");
    cr_expect_str_eq(sink.tokens[1].term, "marched", "m is not chosen: the form is the term");
    cr_expect_str_eq(sink.tokens[2].term, "7");
    cr_expect_str_eq(sink.tokens[3].term, "armi");
    cr_expect_eq(sink.tokens[3].position, 8, "positions as analyzer_run numbers them");
    cr_expect_eq(next, 9);
}

/* ANALYZE_STEMMED_ONLY: the ASCII words of unchosen first bytes (in
 * either case) take their positions but are not emitted; a word with
 * other bytes is emitted as before (its normalised first byte is known
 * only once normalised). */
Test(analyzer, only_the_words_of_chosen_first_bytes_are_emitted)
{
    static collector sink;
    uint32_t next = run_choosing_a("Armies marched, 7 armies \xc3\x89mile Alps",
                                   ANALYZE_STEMMED_ONLY, &sink);
    cr_assert_eq(sink.count, 4);
    cr_expect_str_eq(sink.tokens[0].term, "armi");
    cr_expect_eq(sink.tokens[0].position, 5);
    cr_expect_str_eq(sink.tokens[1].term, "armi");
    cr_expect_eq(sink.tokens[1].position, 8, "marched and 7 took their positions");
    cr_expect_str_eq(sink.tokens[2].term, "emile", "not ASCII: emitted");
    cr_expect_eq(sink.tokens[2].position, 9);
    cr_expect_str_eq(sink.tokens[3].term, "alp");
    cr_expect_eq(sink.tokens[3].position, 10);
    cr_expect_eq(next, 11);
}

/* A filter of the terms "armi" and "die": the words beginning "ar",
 * "di" or "dy" (whose stems may begin "di": dying -> die) are stemmed
 * and emitted; "apples" and "dome" begin otherwise (ANALYZE_STEMMED_ONLY:
 * they take their positions only), "Sale" is not marked at all. */
Test(analyzer, only_the_words_of_chosen_first_two_bytes_are_stemmed)
{
    static collector sink;
    analyzer *stemming = make_analyzer("english", 1);
    static analyzer_stem_filter filter;
    memset(&filter, 0, sizeof filter);
    analyzer_stem_filter_add(&filter, "armi", 4);
    analyzer_stem_filter_add(&filter, "die", 3);
    const char *text = "Armies apples dying dome Sale armies";
    memset(&sink, 0, sizeof sink);
    uint32_t next = 0;
    cr_assert_eq(analyzer_run_stemming(stemming, text, strlen(text), 0, &filter,
                                       ANALYZE_STEMMED_ONLY, collect, &sink, &next), 0);
    cr_assert_eq(sink.count, 3);
    cr_expect_str_eq(sink.tokens[0].term, "armi");
    cr_expect_str_eq(sink.tokens[1].term, "die");
    cr_expect_eq(sink.tokens[1].position, 2, "apples took its position");
    cr_expect_str_eq(sink.tokens[2].term, "armi");
    cr_expect_eq(sink.tokens[2].position, 5);
    cr_expect_eq(next, 6);
    /* without the flag, an unmarked word is emitted unstemmed */
    memset(&sink, 0, sizeof sink);
    cr_assert_eq(analyzer_run_stemming(stemming, "apples armies", 13, 0, &filter, 0, collect,
                                       &sink, NULL), 0);
    cr_assert_eq(sink.count, 2);
    cr_expect_str_eq(sink.tokens[0].term, "apples");
    cr_expect_str_eq(sink.tokens[1].term, "armi");
    analyzer_free(stemming);
}

/* The words whose stems come nearest to changing their first letters:
 * Porter2's exceptions, a leading y, the shortest words, suffixes that
 * are almost the whole word. */
static const char *const near_first_letter[] = {
    "dying", "lying", "tying", "skies", "skis", "idly", "gently", "ugly", "early", "only",
    "singly", "news", "howe", "atlas", "cosmos", "bias", "andes", "yelling", "youth", "yy",
    "y", "s", "ss", "sses", "ies", "ied", "ing", "ings", "ingly", "ed", "eed", "eedly",
    "aing", "ying", "ational", "ousness", "e", "a", "ly", "ment", "ments", "abli", "ogi",
    "generously", "communities", "arsenals", "o'neill", "caf\xc3\xa9s", "ay", "oy", "ays",
    "eyed", "oing", "aed", "by", "ys",
};

/* The start analyzer_stem_keeps_start promises: the first byte, then
 * (both being there) the second or 'i' for 'y'. */
static int keeps_start(const char *word, const char *stem, size_t stem_length)
{
    if (stem_length == 0)
        return 1;
    if (stem[0] != word[0])
        return 0;
    return stem_length < 2 || word[1] == '\0' || stem[1] == word[1]
           || (word[1] == 'y' && stem[1] == 'i');
}

Test(analyzer, english_and_porter_stems_keep_their_starts)
{
    static collector sink;
    const char *languages[] = {"english", "porter"};
    for (size_t l = 0; l < 2; l++) {
        analyzer *stemming = make_analyzer(languages[l], 1);
        cr_assert_eq(analyzer_stem_keeps_start(stemming), 1, "%s", languages[l]);
        for (size_t i = 0; i < sizeof near_first_letter / sizeof near_first_letter[0]; i++) {
            analyze_one(stemming, near_first_letter[i], 0, &sink);
            for (size_t t = 0; t < sink.count; t++)
                cr_expect(sink.count == 1 ? keeps_start(near_first_letter[i], sink.tokens[t].term,
                                                        sink.tokens[t].term_length)
                                          : sink.tokens[t].term_length == 0
                                                || sink.tokens[t].term[0] == near_first_letter[i][0],
                          "%s: %s -> %s", languages[l], near_first_letter[i],
                          sink.tokens[t].term);
        }
        analyzer_free(stemming);
    }
    /* Indonesian strips prefixes (memakan -> makan); without stemming
     * there is nothing to keep */
    const struct { const char *language; int stem; } others[] = {
        {"indonesian", 1}, {"french", 1}, {"english", 0}};
    for (size_t i = 0; i < 3; i++) {
        analyzer *other = make_analyzer(others[i].language, others[i].stem);
        cr_expect_eq(analyzer_stem_keeps_start(other), 0, "%s", others[i].language);
        analyzer_free(other);
    }
}

Test(analyzer, stems_match_libstemmer_across_cache_evictions)
{
    /* Far more distinct words than the analyzer's stem cache holds, each
     * seen several times, so hits, misses and evictions all occur: every
     * answer must be the stemmer's own. */
    static const char *const syllables[] = {"con", "nect", "ion", "s", "ing", "ed", "ly",
                                            "run", "ne", "ss", "at", "ive", "al", "ful"};
    const size_t syllable_count = sizeof syllables / sizeof syllables[0];
    struct sb_stemmer *reference = sb_stemmer_new("english", "UTF_8");
    cr_assert_not_null(reference);
    analyzer *stemming = make_analyzer("english", 1);
    static collector sink;
    uint64_t state = 42;

    for (int round = 0; round < 60000; round++) {
        char word[64] = "";
        state = state * 6364136223846793005u + 1442695040888963407u;
        /* A small range of seeds makes words recur. */
        uint64_t seed = (state >> 33) % 12000;
        size_t parts = 1 + seed % 4;
        for (size_t p = 0; p < parts; p++) {
            strcat(word, syllables[seed % syllable_count]);
            seed /= syllable_count;
        }
        analyze_one(stemming, word, 0, &sink);
        cr_assert_eq(sink.count, 1);
        const sb_symbol *expected =
            sb_stemmer_stem(reference, (const sb_symbol *)word, (int)strlen(word));
        cr_assert_not_null(expected);
        size_t expected_length = (size_t)sb_stemmer_length(reference);
        cr_assert(sink.tokens[0].term_length == expected_length
                      && memcmp(sink.tokens[0].term, expected, expected_length) == 0,
                  "%s -> %s, expected %.*s", word, sink.tokens[0].term, (int)expected_length,
                  (const char *)expected);
    }
    analyzer_free(stemming);
    sb_stemmer_delete(reference);
}

/* One thread of shared_by_threads: its own words through the shared
 * analyzer, each checked against a stemmer of its own. */
typedef struct sharing_thread {
    analyzer *shared;
    uint64_t seed;
    int mismatches;
    int failures;
} sharing_thread;

static int keep_term(void *context, const analyzer_token *token)
{
    char *out = context;
    memcpy(out, token->term, token->term_length);
    out[token->term_length] = '\0';
    return 0;
}

static void *share_analyzer(void *context)
{
    sharing_thread *t = context;
    struct sb_stemmer *reference = sb_stemmer_new("english", "UTF_8");
    static const char *const parts[] = {"walk", "talk", "nation", "al", "ize", "ing", "ed",
                                        "er", "ness", "ful", "ly", "con", "struct", "ion"};
    for (int round = 0; reference && round < 20000; round++) {
        char word[64] = "", term[ANALYZER_MAX_TERM_BYTES + 1] = "";
        t->seed = t->seed * 6364136223846793005u + 1442695040888963407u;
        uint64_t pick = (t->seed >> 33) % 50000; /* many distinct words: the caches grow */
        for (size_t p = 0; p < 1 + pick % 4; p++, pick /= 14)
            strcat(word, parts[pick % 14]);
        if (analyzer_run(t->shared, word, strlen(word), 0, 0, keep_term, term, NULL, NULL) != 0) {
            t->failures++;
            continue;
        }
        const sb_symbol *expected =
            sb_stemmer_stem(reference, (const sb_symbol *)word, (int)strlen(word));
        size_t length = (size_t)sb_stemmer_length(reference);
        if (strlen(term) != length || memcmp(term, expected, length) != 0)
            t->mismatches++;
    }
    if (!reference)
        t->failures++;
    sb_stemmer_delete(reference);
    return NULL;
}

Test(analyzer, shared_by_threads)
{
    /* analyzer.h: an analyzer may be shared by threads (cops-serve's
     * request threads search one index).  Before each run had a stemmer
     * and buffers of its own, this corrupted the stem cache. */
    analyzer *shared = make_analyzer("english", 1);
    sharing_thread threads[4];
    pthread_t ids[4];
    for (int i = 0; i < 4; i++) {
        threads[i] = (sharing_thread){shared, (uint64_t)i * 7919 + 1, 0, 0};
        cr_assert_eq(pthread_create(&ids[i], NULL, share_analyzer, &threads[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(ids[i], NULL);
        cr_expect_eq(threads[i].failures, 0, "thread %d: %d runs failed", i, threads[i].failures);
        cr_expect_eq(threads[i].mismatches, 0, "thread %d: %d wrong stems", i,
                     threads[i].mismatches);
    }
    analyzer_free(shared);
}

Test(analyzer, unknown_language)
{
    analyzer_config config;
    analyzer_config_init(&config);
    strcpy(config.language, "klingon");
    analyzer *made = (analyzer *)&config; /* must be reset to NULL */
    cops_error err = {0};
    int status = analyzer_new(&config, &made, &err);
    cr_assert_eq(status, COPS_EINVAL);
    cr_expect_eq(err.code, COPS_EINVAL);
    cr_expect_null(made);
    cr_expect_not_null(strstr(err.message, "klingon"), "message: %s", err.message);
    cr_expect_not_null(strstr(err.message, "english"), "message: %s", err.message);
    cr_expect_not_null(strstr(err.message, "french"), "message: %s", err.message);
    cr_expect_null(strchr(err.message, '\n'));

    /* Without stemming the language is not used, so not checked. */
    config.stem = 0;
    cr_assert_eq(analyzer_new(&config, &made, NULL), 0);
    analyzer_free(made);

    /* err may be NULL. */
    config.stem = 1;
    cr_expect_eq(analyzer_new(&config, &made, NULL), COPS_EINVAL);
}

Test(analyzer, config_defaults_and_languages)
{
    analyzer_config config;
    analyzer_config_init(&config);
    cr_expect_str_eq(config.language, "english");
    cr_expect_eq(config.stem, 1);

    const char **languages = analyzer_languages();
    int has_english = 0, has_french = 0;
    size_t count = 0;
    for (; languages[count]; count++) {
        has_english |= strcmp(languages[count], "english") == 0;
        has_french |= strcmp(languages[count], "french") == 0;
    }
    cr_expect_gt(count, 10);
    cr_expect(has_english && has_french);

    analyzer_counts counts;
    memset(&counts, 0xAB, sizeof counts);
    analyzer_counts_init(&counts);
    cr_expect_eq(counts.tokens, 0);
    cr_expect_eq(counts.invalid_sequences, 0);
    cr_expect_eq(counts.first_invalid_offset, SIZE_MAX);
    cr_expect_eq(counts.long_tokens, 0);
    analyzer_free(NULL);
}

/* ------------------------------------------------------ long words */

typedef struct long_case {
    const char *name;
    const char *unit;      /* repeated to build the word */
    size_t repeat;
    const char *suffix;    /* appended after the repetitions */
    const char *term_unit; /* the term is this repeated ... */
    size_t term_repeat;    /* ... this many times */
    const char *term_prefix;
} long_case;

static const long_case long_cases[] = {
    {"ascii 100 kB", "A", 100000, "", "a", 64, ""},
    {"two-byte letters cut at a boundary", "\xd0\x96", 40, "", "\xd0\xb6", 32, ""},
    {"odd offset cut at a boundary", "\xd0\x96", 40, "", "\xd0\xb6", 31, "a"},
    {"accented 100 kB", "\xc3\xa9", 50000, "", "e", 64, ""},
    /* no thousands' grouping: the number as written, cut (h-user3 copied
     * all its leading digits into a 256-byte buffer: heap overflow) */
    {"digits before a comma", "1", 100000, ",000", "1", 64, ""},
};

static char *repeat_text(const char *prefix, const char *unit, size_t repeat, const char *suffix,
                         size_t *length)
{
    size_t prefix_length = strlen(prefix), unit_length = strlen(unit);
    size_t suffix_length = strlen(suffix);
    *length = prefix_length + unit_length * repeat + suffix_length;
    char *text = malloc(*length + 1);
    cr_assert_not_null(text);
    memcpy(text, prefix, prefix_length);
    for (size_t i = 0; i < repeat; i++)
        memcpy(text + prefix_length + i * unit_length, unit, unit_length);
    memcpy(text + *length - suffix_length, suffix, suffix_length + 1);
    return text;
}

Test(analyzer, long_words_are_cut)
{
    static collector sink;
    analyzer *plain = make_analyzer("english", 0);
    for (size_t i = 0; i < sizeof long_cases / sizeof long_cases[0]; i++) {
        const long_case *test = &long_cases[i];
        size_t length, term_length;
        char *text = repeat_text(test->term_prefix, test->unit, test->repeat, test->suffix,
                                 &length);
        char *term = repeat_text(test->term_prefix, test->term_unit, test->term_repeat, "",
                                 &term_length);
        text = realloc(text, length + 6);
        cr_assert_not_null(text);
        memcpy(text + length, " next", 6);

        memset(&sink, 0, sizeof sink);
        analyzer_counts counts;
        analyzer_counts_init(&counts);
        uint32_t next = 0;
        int status = analyzer_run(plain, text, length + 5, 0, 0, collect, &sink, &counts, &next);
        cr_assert_eq(status, 0);
        cr_assert_eq(sink.count, 2, "%s: %zu tokens", test->name, sink.count);
        cr_expect_str_eq(sink.tokens[0].term, term, "%s: term %s", test->name,
                         sink.tokens[0].term);
        cr_expect_eq(sink.tokens[0].start, 0, "%s", test->name);
        cr_expect_eq(sink.tokens[0].end, length, "%s: end %zu", test->name, sink.tokens[0].end);
        cr_expect_str_eq(sink.tokens[1].term, "next", "%s", test->name);
        cr_expect_eq(sink.tokens[1].position, 1, "%s", test->name);
        cr_expect_eq(sink.tokens[1].start, length + 1, "%s", test->name);
        cr_expect_eq(counts.long_tokens, 1, "%s: long tokens", test->name);
        cr_expect_eq(next, 2);
        free(term);
        free(text);
    }
    analyzer_free(plain);
}

/* A run of single letters and periods too long for an acronym (more
 * than 256 source bytes) is no acronym, nor is any tail of it: each
 * letter is a word.  h-user2 made the run's last 256 letters one acronym
 * after rescanning up to 256 letters from each letter (a.a.a... of 1 MB
 * took ~10x the analysis of a b c ...: 1.4 s against 0.17 s). */
Test(analyzer, long_run_of_initials_is_no_acronym)
{
    static collector sink;
    analyzer *plain = make_analyzer("english", 0);
    size_t length;
    char *text = repeat_text("", "A.", 300, " end", &length);
    memset(&sink, 0, sizeof sink);
    cr_assert_eq(analyzer_run(plain, text, length, 0, 0, collect, &sink, NULL, NULL), 0);
    cr_assert_eq(sink.count, 301, "%zu tokens", sink.count);
    for (size_t i = 0; i < 300; i++) {
        cr_expect_str_eq(sink.tokens[i].term, "a", "token %zu", i);
        cr_expect_eq(sink.tokens[i].start, 2 * i);
        cr_expect_eq(sink.tokens[i].end, 2 * i + 1, "token %zu ends at %zu", i,
                     sink.tokens[i].end);
    }
    /* a run that fits is still one acronym, after the long one too */
    free(text);
    text = repeat_text("", "A.", 300, " X.Y.", &length);
    memset(&sink, 0, sizeof sink);
    cr_assert_eq(analyzer_run(plain, text, length, 0, 0, collect, &sink, NULL, NULL), 0);
    cr_assert_eq(sink.count, 301);
    cr_expect_str_eq(sink.tokens[300].term, "xy");
    free(text);
    analyzer_free(plain);
}

static int count_only(void *context, const analyzer_token *token)
{
    (void)token;
    ++*(size_t *)context;
    return 0;
}

/* CPU seconds analysing `text` (best of three, against the machine's noise). */
static double analysis_seconds(analyzer *subject, const char *text, size_t length)
{
    double best = 1e9;
    for (int run = 0; run < 3; run++) {
        size_t tokens = 0;
        clock_t begin = clock();
        cr_assert_eq(analyzer_run(subject, text, length, 0, 0, count_only, &tokens, NULL, NULL), 0);
        double seconds = (double)(clock() - begin) / CLOCKS_PER_SEC;
        best = seconds < best ? seconds : best;
    }
    return best;
}

/* Runs of two-letter parts (Ph.Ph.Ph... of 80 parts: short enough for an
 * acronym, no single letter so none) cost about what plain words do.
 * h-user3 rescanned the run from each part: 20 times plain text's
 * instructions (callgrind: 1.6e9 a MB against 7.7e7), now ~2. */
Test(analyzer, runs_of_two_letter_parts_are_scanned_once)
{
    analyzer *plain = make_analyzer("english", 0);
    size_t pairs_length, words_length;
    char *pairs = repeat_text("", "Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph."
                                  "Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph.Ph. ",
                              1 << 15, "", &pairs_length);
    char *words = repeat_text("", "abc def ", pairs_length / 8, "", &words_length);
    double pairs_seconds = analysis_seconds(plain, pairs, pairs_length);
    double words_seconds = analysis_seconds(plain, words, words_length);
    cr_expect_lt(pairs_seconds, 8 * words_seconds + 0.05, "%.3f s against %.3f s", pairs_seconds,
                 words_seconds);
    free(pairs);
    free(words);
    analyzer_free(plain);
}

Test(analyzer, short_non_ascii_word_is_not_long)
{
    /* 32 two-byte letters are exactly the bound: not cut. */
    static collector sink;
    analyzer *plain = make_analyzer("english", 0);
    size_t length;
    char *text = repeat_text("", "\xd0\x96", 32, "", &length);
    analyzer_counts counts;
    analyzer_counts_init(&counts);
    memset(&sink, 0, sizeof sink);
    cr_assert_eq(analyzer_run(plain, text, length, 0, 0, collect, &sink, &counts, NULL), 0);
    cr_assert_eq(sink.count, 1);
    cr_expect_eq(sink.tokens[0].term_length, 64);
    cr_expect_eq(counts.long_tokens, 0);
    free(text);
    analyzer_free(plain);
}

Test(analyzer, flood_of_combining_marks)
{
    /* An 'e' followed by 3000 combining acute accents: past the bounded
     * normalisation window the rest of the word is dropped and the term
     * counted as cut, without the scratch growing with the word. */
    static collector sink;
    analyzer *plain = make_analyzer("english", 0);
    size_t length;
    char *text = repeat_text("e", "\xcc\x81", 3000, "xyz", &length);
    analyzer_counts counts;
    analyzer_counts_init(&counts);
    memset(&sink, 0, sizeof sink);
    cr_assert_eq(analyzer_run(plain, text, length, 0, 0, collect, &sink, &counts, NULL), 0);
    cr_assert_eq(sink.count, 1);
    cr_expect_str_eq(sink.tokens[0].term, "e");
    cr_expect_eq(sink.tokens[0].end, length);
    cr_expect_eq(counts.long_tokens, 1);

    /* Fewer marks fit the grown window: they are stripped, the word is
     * whole. */
    static const size_t mark_counts[] = {100, 1000};
    for (size_t i = 0; i < 2; i++) {
        free(text);
        text = repeat_text("e", "\xcc\x81", mark_counts[i], "xyz", &length);
        analyzer_counts_init(&counts);
        memset(&sink, 0, sizeof sink);
        cr_assert_eq(analyzer_run(plain, text, length, 0, 0, collect, &sink, &counts, NULL), 0);
        cr_assert_eq(sink.count, 1);
        cr_expect_str_eq(sink.tokens[0].term, "exyz", "%zu marks: %s", mark_counts[i],
                         sink.tokens[0].term);
        cr_expect_eq(counts.long_tokens, 0);
    }

    /* Marks filling the first window, then enough letters to overflow the
     * bound once the window has grown. */
    free(text);
    size_t marks_length;
    char *marks = repeat_text("e", "\xcc\x81", 200, "", &marks_length);
    text = repeat_text(marks, "\xd0\x96", 100, "", &length);
    size_t term_length;
    char *term = repeat_text("e", "\xd0\xb6", 31, "", &term_length);
    analyzer_counts_init(&counts);
    memset(&sink, 0, sizeof sink);
    cr_assert_eq(analyzer_run(plain, text, length, 0, 0, collect, &sink, &counts, NULL), 0);
    cr_assert_eq(sink.count, 1);
    cr_expect_str_eq(sink.tokens[0].term, term);
    cr_expect_eq(sink.tokens[0].end, length);
    cr_expect_eq(counts.long_tokens, 1);
    free(term);
    free(marks);
    free(text);
    analyzer_free(plain);
}

/* ------------------------------------------------ run-level contract */

Test(analyzer, emit_can_stop_the_run)
{
    static collector sink;
    memset(&sink, 0, sizeof sink);
    sink.stop_after = 2;
    sink.stop_value = 7;
    analyzer *plain = make_analyzer("english", 0);
    analyzer_counts counts;
    analyzer_counts_init(&counts);
    uint32_t next = 0;
    const char *text = "one two three four";
    int status = analyzer_run(plain, text, strlen(text), 10, 0, collect, &sink, &counts, &next);
    cr_expect_eq(status, 7);
    cr_expect_eq(sink.count, 2);
    cr_expect_eq(counts.tokens, 2);
    cr_expect_eq(next, 12);
    analyzer_free(plain);
}

Test(analyzer, first_position_and_accumulated_counts)
{
    static collector sink;
    memset(&sink, 0, sizeof sink);
    analyzer *plain = make_analyzer("english", 0);
    analyzer_counts counts;
    analyzer_counts_init(&counts);
    uint32_t next = 0;

    const char *first = "a\xff" "b";
    cr_assert_eq(analyzer_run(plain, first, strlen(first), 100, 0, collect, &sink, &counts,
                              &next), 0);
    cr_expect_eq(sink.tokens[0].position, 100);
    cr_expect_eq(sink.tokens[1].position, 101);
    cr_expect_eq(next, 102);

    /* A second run continues the numbering and adds to the counts; the
     * first invalid offset stays the first run's. */
    const char *second = "\xfe\xfe" "c";
    cr_assert_eq(analyzer_run(plain, second, strlen(second), next, 0, collect, &sink, &counts,
                              &next), 0);
    cr_expect_eq(sink.count, 3);
    cr_expect_eq(sink.tokens[2].position, 102);
    cr_expect_eq(sink.tokens[2].start, 2);
    cr_expect_eq(next, 103);
    cr_expect_eq(counts.tokens, 3);
    cr_expect_eq(counts.invalid_sequences, 3);
    cr_expect_eq(counts.first_invalid_offset, 1);

    /* No words: next_position is first_position; text need not end in NUL. */
    cr_assert_eq(analyzer_run(plain, "  xyz", 2, 55, 0, collect, &sink, NULL, &next), 0);
    cr_expect_eq(next, 55);
    cr_expect_eq(sink.count, 3);
    analyzer_free(plain);
}

/* ---------------------------------------------------------- robustness */

static int utf8_valid(const char *term, size_t length)
{
    const utf8proc_uint8_t *bytes = (const utf8proc_uint8_t *)term;
    utf8proc_ssize_t at = 0;
    while ((size_t)at < length) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t size = utf8proc_iterate(bytes + at, (utf8proc_ssize_t)length - at, &cp);
        if (size <= 0)
            return 0;
        at += size;
    }
    return 1;
}

typedef struct checker {
    size_t length;
    size_t previous_end;
    uint32_t expected_position;
    uint64_t seen;
} checker;

static int check_token(void *context, const analyzer_token *token)
{
    checker *check = context;
    cr_assert_leq(token->term_length, ANALYZER_MAX_TERM_BYTES);
    cr_assert_gt(token->term_length, 0);
    cr_assert_eq(strlen(token->term), token->term_length);
    cr_assert(utf8_valid(token->term, token->term_length), "term is not UTF-8");
    cr_assert_lt(token->start, token->end);
    cr_assert_leq(token->end, check->length);
    cr_assert_geq(token->start, check->previous_end, "tokens overlap");
    cr_assert_eq(token->position, check->expected_position);
    check->previous_end = token->end;
    check->expected_position++;
    check->seen++;
    return 0;
}

Test(analyzer, random_bytes_are_harmless)
{
    /* Fragments of valid and invalid UTF-8 make the generator reach the
     * interesting paths far more often than uniform bytes would. */
    static const char *const fragments[] = {
        "a", "Z", "7", " ", "'", ".", ",", "-", "\xc3\xa9", "\xcc\x81", "\xe6\x9d\xb1",
        "\xe3\x82\x99", "\xe2\x80\x99", "\xe2\x80\x94", "\xc2\xad", "\xf0\x9f\x98\x80",
        "\xef\xac\x81", "\xd0\x96", "\xff", "\x80", "\xc0", "\xe6\x9d", "\xed\xa0\x80",
        "\xf4\x90", "\xef\xbd\xb6", "\xef\xbe\x9e", "\xe2\x91\xa0", "\xf0\xa0\x80\x80",
    };
    const size_t fragment_count = sizeof fragments / sizeof fragments[0];
    analyzer *analyzers[2] = {make_analyzer("english", 1), make_analyzer("french", 0)};
    char *text = malloc(4096);
    cr_assert_not_null(text);
    uint64_t state = 0x9E3779B97F4A7C15u;

    for (int round = 0; round < 3000; round++) {
        size_t length = 0;
        state = state * 6364136223846793005u + 1442695040888963407u;
        size_t pieces = (size_t)(state >> 33) % 300;
        for (size_t p = 0; p < pieces; p++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            uint32_t draw = (uint32_t)(state >> 33);
            if (draw % 4 == 0) {
                text[length++] = (char)(draw >> 8);
            } else {
                const char *fragment = fragments[(draw >> 2) % fragment_count];
                size_t fragment_length = strlen(fragment);
                memcpy(text + length, fragment, fragment_length);
                length += fragment_length;
            }
        }
        checker check = {length, 0, 7, 0};
        analyzer_counts counts;
        analyzer_counts_init(&counts);
        uint32_t next = 0;
        int status = analyzer_run(analyzers[round % 2], text, length, 7, 0, check_token, &check,
                                  &counts, &next);
        cr_assert_eq(status, 0);
        cr_assert_eq(counts.tokens, check.seen);
        cr_assert_eq(next, 7 + check.seen);
        if (counts.invalid_sequences > 0)
            cr_assert_lt(counts.first_invalid_offset, length);
        else
            cr_assert_eq(counts.first_invalid_offset, SIZE_MAX);
    }
    free(text);
    analyzer_free(analyzers[0]);
    analyzer_free(analyzers[1]);
}

/* ------------------------------------------- words as written, repeats */

typedef struct form_seen_token {
    char term[ANALYZER_MAX_TERM_BYTES + 1];
    char form[ANALYZER_MAX_TERM_BYTES + 1];
    int form_is_term; /* the same pointer */
    int form_seen;
} form_seen_token;

typedef struct form_collector {
    form_seen_token tokens[16];
    size_t count;
} form_collector;

static int collect_forms(void *context, const analyzer_token *token)
{
    form_collector *sink = context;
    cr_assert_lt(sink->count, 16);
    form_seen_token *kept = &sink->tokens[sink->count++];
    memcpy(kept->term, token->term, token->term_length + 1);
    memcpy(kept->form, token->form, token->form_length + 1);
    kept->form_is_term = token->form == token->term;
    kept->form_seen = token->form_seen;
    /* the pointer says exactly whether the bytes differ */
    cr_assert_eq(kept->form_is_term, strcmp(kept->term, kept->form) == 0, "%s / %s",
                 kept->term, kept->form);
    return 0;
}

static void expect_form(const form_seen_token *token, const char *term, const char *form,
                        int seen)
{
    cr_expect_str_eq(token->term, term);
    cr_expect_str_eq(token->form, form);
    cr_expect_eq(token->form_seen, seen, "%s (%s): form_seen %d", form, term, token->form_seen);
}

Test(analyzer, forms_point_at_terms_and_repeats_are_seen)
{
    analyzer *english = make_analyzer("english", 1);
    form_collector sink = {.count = 0};
    const char *text = "Studies study Studies running run 42 Studies";
    cr_assert_eq(analyzer_run(english, text, strlen(text), 0, 0, collect_forms, &sink, NULL, NULL),
                 0);
    cr_assert_eq(sink.count, 7);
    expect_form(&sink.tokens[0], "studi", "studies", 0);
    expect_form(&sink.tokens[1], "studi", "study", 0);
    expect_form(&sink.tokens[2], "studi", "studies", 1);
    expect_form(&sink.tokens[3], "run", "running", 0);
    expect_form(&sink.tokens[4], "run", "run", 0);
    cr_expect(sink.tokens[4].form_is_term, "a word that is its own stem: form == term");
    expect_form(&sink.tokens[5], "42", "42", 0); /* not stemmed: never seen */
    expect_form(&sink.tokens[6], "studi", "studies", 1);

    /* A later run of the same analyzer remembers what it emitted. */
    sink.count = 0;
    text = "run STUDIES 42 running";
    cr_assert_eq(analyzer_run(english, text, strlen(text), 0, 0, collect_forms, &sink, NULL, NULL),
                 0);
    cr_assert_eq(sink.count, 4);
    expect_form(&sink.tokens[0], "run", "run", 1);
    expect_form(&sink.tokens[1], "studi", "studies", 1);
    expect_form(&sink.tokens[2], "42", "42", 0);
    expect_form(&sink.tokens[3], "run", "running", 1);
    analyzer_free(english);

    /* Without stemming the form is the term and nothing is reported seen. */
    analyzer *plain = make_analyzer("english", 0);
    sink.count = 0;
    text = "Studies studies";
    cr_assert_eq(analyzer_run(plain, text, strlen(text), 0, 0, collect_forms, &sink, NULL, NULL), 0);
    cr_assert_eq(sink.count, 2);
    for (size_t i = 0; i < 2; i++) {
        expect_form(&sink.tokens[i], "studies", "studies", 0);
        cr_expect(sink.tokens[i].form_is_term);
    }
    analyzer_free(plain);
}

/* Every ASCII word's term is its bytes lower-cased (cut at the bound),
 * whatever its length and whatever follows it: words of 1-80 letters and
 * digits of mixed case, ending anywhere relative to the end of the text,
 * followed by ASCII or non-ASCII separators. */
typedef struct fold_check {
    const char *text;
    size_t count;
} fold_check;

static int check_folded(void *context, const analyzer_token *token)
{
    fold_check *check = context;
    size_t length = token->end - token->start;
    size_t expected = length < ANALYZER_MAX_TERM_BYTES ? length : ANALYZER_MAX_TERM_BYTES;
    cr_assert_eq(token->term_length, expected);
    for (size_t k = 0; k < expected; k++) {
        char byte = check->text[token->start + k];
        char lower = byte >= 'A' && byte <= 'Z' ? (char)(byte + ('a' - 'A')) : byte;
        cr_assert_eq(token->term[k], lower, "byte %zu of the word at %zu", k, token->start);
    }
    check->count++;
    return 0;
}

Test(analyzer, ascii_words_fold_whatever_their_length)
{
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static const char *const separators[] = {" ", "@", "[", "`", "{", "\xe2\x80\x94", "\xc2\xa0",
                                             "\xff", "-"};
    analyzer *plain = make_analyzer("english", 0);
    char *text = malloc(4096);
    cr_assert_not_null(text);
    uint64_t state = 12345;
    for (int round = 0; round < 500; round++) {
        size_t length = 0, words = 0;
        while (length < 3900) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            size_t word_length = 1 + (size_t)(state >> 33) % 80;
            for (size_t k = 0; k < word_length; k++) {
                state = state * 6364136223846793005u + 1442695040888963407u;
                text[length++] = letters[(state >> 33) % (sizeof letters - 1)];
            }
            words++;
            const char *separator = separators[(state >> 20) % 9];
            memcpy(text + length, separator, strlen(separator));
            length += strlen(separator);
        }
        /* end the text inside a word sometimes */
        size_t cut_to = length - (size_t)(state >> 40) % 12;
        char *exact = malloc(cut_to); /* no byte after the text to read */
        cr_assert_not_null(exact);
        memcpy(exact, text, cut_to);
        fold_check check = {exact, 0};
        cr_assert_eq(analyzer_run(plain, exact, cut_to, 0, 0, check_folded, &check, NULL, NULL), 0);
        cr_assert_geq(check.count, words - 1);
        free(exact);
    }
    free(text);
    analyzer_free(plain);
}
