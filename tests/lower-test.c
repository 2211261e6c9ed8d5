/*
 * lower-test.c — the lowering of parsed queries (query/lower.h): the plan
 * both engines map, written as an S-expression by this test.
 */
#include "config.h"

#include "query/lower.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/analyzer.h"
#include "base/buffer.h"
#include "query/suggest.h"

static const char *field_name(int field)
{
    return field == (LOWER_FIELD_BODY | LOWER_FIELD_TITLE) ? "either"
           : field == LOWER_FIELD_TITLE                    ? "title"
                                                           : "body";
}

static void append(byte_buffer *out, const char *text)
{
    buffer_append(out, text, strlen(text));
}

/* (TERM body "t"), (PHRASE title ~1 "a"@0 "b"@2), (PREFIX either 1000 "p"),
 * (NEAR/3 ...), (TITLE x), (AND a b (NOT c)), (OR ...), (AND_MAYBE a b),
 * (DATE from to), (ALL), (NOTHING). */
static void format_plan(const lower_node *node, byte_buffer *out)
{
    static const char *names[] = {"TERM", "PHRASE", "PREFIX", "NEAR",    "TITLE", "AND",
                                  "OR",   "AND_MAYBE", "DATE", "ALL", "NOTHING", "FUZZY",
                                  "SCALE"};
    char line[160];
    append(out, "(");
    append(out, names[node->kind]);
    if (node->kind == LOWER_NEAR) {
        snprintf(line, sizeof line, "/%u", node->distance);
        append(out, line);
    }
    if (node->kind == LOWER_SCALE) {
        snprintf(line, sizeof line, "^%g", node->weight);
        append(out, line);
    }
    if (node->kind == LOWER_FUZZY) {
        snprintf(line, sizeof line, "~%u", node->distance);
        append(out, line);
    }
    if (node->kind == LOWER_TERM || node->kind == LOWER_PHRASE || node->kind == LOWER_PREFIX
        || node->kind == LOWER_FUZZY) {
        snprintf(line, sizeof line, " %s", field_name(node->field));
        append(out, line);
    }
    if (node->kind == LOWER_PHRASE) {
        snprintf(line, sizeof line, " ~%u", node->slop);
        append(out, line);
    }
    if (node->kind == LOWER_PREFIX || node->kind == LOWER_FUZZY) {
        snprintf(line, sizeof line, " %zu", node->max_terms);
        append(out, line);
    }
    if (node->kind == LOWER_DATE) {
        snprintf(line, sizeof line, " %u %u", node->date_from, node->date_to);
        append(out, line);
    }
    for (size_t i = 0; i < node->term_count; i++) {
        snprintf(line, sizeof line, " \"%s\"", node->terms[i].text);
        append(out, line);
        if (node->kind == LOWER_PHRASE) {
            snprintf(line, sizeof line, "@%u", node->terms[i].offset);
            append(out, line);
        }
    }
    for (size_t i = 0; i < node->child_count; i++) {
        int excluded = node->kind == LOWER_AND && i >= node->required_count;
        append(out, excluded ? " (NOT " : " ");
        format_plan(node->children[i], out);
        if (excluded)
            append(out, ")");
    }
    append(out, ")");
}

static analyzer *english(void)
{
    analyzer_config config;
    analyzer_config_init(&config);
    analyzer *made = NULL;
    cops_error err = {0};
    cr_assert_eq(analyzer_new(&config, &made, &err), COPS_OK, "%s", err.message);
    return made;
}

/* What =word means in the plans made (lower_options.exact_forms). */
static int exact_forms_mode = LOWER_EXACT_NONE;

/* The plan of `tree` as text, or "ERROR <code>: <message>"; caller frees. */
static char *plan_text(analyzer *a, const query_node *tree)
{
    cops_error err = {0};
    lower_options options = {2.5, 1000, 10000, 0, exact_forms_mode};
    lower_plan *plan = NULL;
    int status = lower_query(a, tree, &options, &plan, &err);
    if (status != COPS_OK) {
        cr_assert_null(plan);
        char line[COPS_ERROR_MESSAGE_MAX + 32];
        snprintf(line, sizeof line, "ERROR %d: %s", status, err.message);
        return strdup(line);
    }
    cr_assert_eq(plan->title_weight, 2.5);
    cr_assert_eq(plan->max_query_prefix_terms, 10000);
    byte_buffer out = BUFFER_INIT;
    format_plan(plan->root, &out);
    buffer_append_byte(&out, '\0');
    cr_assert(!buffer_failed(&out));
    lower_plan_free(plan);
    return (char *)out.data;
}

static query_node *parse(const char *query)
{
    query_node *tree = NULL;
    cops_error err = {0};
    cr_assert_eq(query_parse(query, 0, &tree, &err), COPS_OK, "%s: %s", query, err.message);
    return tree;
}

/* The plan of `query` as text; caller frees. */
static char *lower_to_text(analyzer *a, const char *query)
{
    query_node *tree = parse(query);
    char *text = plan_text(a, tree);
    query_free(tree);
    return text;
}

typedef struct lower_case {
    const char *query;
    const char *expected;
} lower_case;

static const lower_case cases[] = {
    /* a word in either field, the title's marked for its weight; stemmed */
    {"running", "(OR (TERM body \"run\") (TITLE (TERM title \"run\")))"},
    {"title:running", "(TITLE (TERM title \"run\"))"},
    /* a word of several terms is a phrase; a phrase keeps its slop */
    {"U.K.-based", "(OR (PHRASE body ~0 \"uk\"@0 \"base\"@1) (TITLE (PHRASE title ~0 \"uk\"@0 "
                   "\"base\"@1)))"},
    /* a hyphenated word: its phrase or its joined term (lower.h); an
     * acronym is one term */
    {"e-mail", "(OR (OR (PHRASE body ~0 \"e\"@0 \"mail\"@1) (TITLE (PHRASE title ~0 \"e\"@0 "
               "\"mail\"@1))) (OR (TERM body \"email\") (TITLE (TERM title \"email\"))))"},
    {"U.S.A.", "(OR (TERM body \"usa\") (TITLE (TERM title \"usa\")))"},
    /* in a phrase, and in a word of more than one compound, the parts only */
    {"\"e-mail address\"", "(OR (PHRASE body ~0 \"e\"@0 \"mail\"@1 \"address\"@2) (TITLE "
                           "(PHRASE title ~0 \"e\"@0 \"mail\"@1 \"address\"@2)))"},
    {"e-mail/x-ray", "(OR (PHRASE body ~0 \"e\"@0 \"mail\"@1 \"x\"@2 \"ray\"@3) (TITLE "
                     "(PHRASE title ~0 \"e\"@0 \"mail\"@1 \"x\"@2 \"ray\"@3)))"},
    {"title:\"big cats\"~2", "(TITLE (PHRASE title ~2 \"big\"@0 \"cat\"@1))"},
    /* words that analyse to nothing are dropped, and so are their parents */
    {"cat AND ...", "(OR (TERM body \"cat\") (TITLE (TERM title \"cat\")))"},
    {"... OR ,,,", "(NOTHING)"},
    {"title:... -cat", "(AND (ALL) (NOT (OR (TERM body \"cat\") (TITLE (TERM title \"cat\")))))"},
    {"+... dog", "(OR (TERM body \"dog\") (TITLE (TERM title \"dog\")))"},
    /* NOT and match-all placed */
    {"-cat", "(AND (ALL) (NOT (OR (TERM body \"cat\") (TITLE (TERM title \"cat\")))))"},
    {"dog -cat", "(AND (OR (TERM body \"dog\") (TITLE (TERM title \"dog\"))) (NOT (OR (TERM "
                 "body \"cat\") (TITLE (TERM title \"cat\")))))"},
    {"+dog cat", "(AND_MAYBE (OR (TERM body \"dog\") (TITLE (TERM title \"dog\"))) (OR (TERM "
                 "body \"cat\") (TITLE (TERM title \"cat\"))))"},
    /* prefixes: both fields in one node with its bound; the word
     * unstemmed, and its stem unless the stem starts with it; the earlier
     * words of e-mai* are required words ... */
    {"running*", "(PREFIX either 1000 \"running\" \"run\")"},
    {"study*", "(PREFIX either 1000 \"study\" \"studi\")"},
    {"universe*", "(PREFIX either 1000 \"universe\" \"univers\")"},
    {"grant*", "(PREFIX either 1000 \"grant\")"},
    {"aed*", "(PREFIX either 1000 \"aed\" \"a\")"},
    {"title:gra*", "(PREFIX title 1000 \"gra\")"},
    /* ... OR its joined form's prefix (h-user3: e-mail* missed email) */
    {"e-mai*", "(OR (AND (PREFIX either 1000 \"mai\") (OR (TERM body \"e\") (TITLE (TERM title "
               "\"e\")))) (PREFIX either 1000 \"emai\"))"},
    {"title:E-Mails*", "(OR (AND (PREFIX title 1000 \"mails\" \"mail\") (OR (TERM body \"e\") "
                       "(TITLE (TERM title \"e\")))) (PREFIX title 1000 \"emails\" \"email\"))"},
    /* no joined prefix of numbers, nor of a chain of five parts */
    {"1990-19*", "(AND (PREFIX either 1000 \"19\") (OR (TERM body \"1990\") (TITLE (TERM title "
                 "\"1990\"))))"},
    /* NEAR: operands in the version's field, a title: operand in the title */
    {"cat NEAR/3 title:dog", "(OR (NEAR/3 (TERM body \"cat\") (TERM title \"dog\")) (TITLE "
                             "(NEAR/3 (TERM title \"cat\") (TERM title \"dog\"))))"},
    {"cat NEAR ...", "(OR (TERM body \"cat\") (TITLE (TERM title \"cat\")))"},
    {"date:2017", "(DATE 20170101 20171231)"},
};

/* Field groups, boosts and fuzzy words (lower.h). */
static const lower_case syntax_cases[] = {
    {"title:(cats OR dogs)", "(OR (TITLE (TERM title \"cat\")) (TITLE (TERM title \"dog\")))"},
    {"title:(cats -dogs)", "(AND (TITLE (TERM title \"cat\")) (NOT (TITLE (TERM title \"dog\"))))"},
    {"title:(\"big cats\" dog*)",
     "(AND (TITLE (PHRASE title ~0 \"big\"@0 \"cat\"@1)) (PREFIX title 1000 \"dog\"))"},
    {"title:(cat NEAR/2 dog)", "(TITLE (NEAR/2 (TERM title \"cat\") (TERM title \"dog\")))"},
    {"cats^2", "(SCALE^2 (OR (TERM body \"cat\") (TITLE (TERM title \"cat\"))))"},
    {"title:cats^1.5", "(SCALE^1.5 (TITLE (TERM title \"cat\")))"},
    {"(cats OR ...)^3", "(SCALE^3 (OR (TERM body \"cat\") (TITLE (TERM title \"cat\"))))"},
    {"...^3 dog", "(OR (TERM body \"dog\") (TITLE (TERM title \"dog\")))"},
    {"Running~1", "(FUZZY~1 either 50 \"run\")"},
    {"title:cats~", "(FUZZY~2 title 50 \"cat\")"},
    {"e-mail~1", "(AND (FUZZY~1 either 50 \"e\") (FUZZY~1 either 50 \"mail\"))"},
    {"...~1", "(NOTHING)"},
    {"dogs~1^2", "(SCALE^2 (FUZZY~1 either 50 \"dog\"))"},
};

Test(lower, field_groups_boosts_and_fuzzy_words)
{
    analyzer *a = english();
    for (size_t i = 0; i < sizeof syntax_cases / sizeof syntax_cases[0]; i++) {
        char *got = lower_to_text(a, syntax_cases[i].query);
        cr_expect_str_eq(got, syntax_cases[i].expected, "%s", syntax_cases[i].query);
        free(got);
    }
    analyzer_free(a);
}

Test(lower, plans)
{
    analyzer *a = english();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = lower_to_text(a, cases[i].query);
        cr_expect_str_eq(got, cases[i].expected, "%s: %s", cases[i].query, got);
        free(got);
    }
    analyzer_free(a);
}

Test(lower, bounds)
{
    analyzer *a = english();
    char phrase[1024] = "\"";
    for (int i = 0; i < LOWER_MAX_PHRASE_TERMS + 1; i++)
        strcat(phrase, "w ");
    strcat(phrase, "\"");
    char *got = lower_to_text(a, phrase);
    cr_expect(strstr(got, "a phrase is limited to 64") != NULL, "%s", got);
    free(got);
    char near[1024] = "";
    for (int i = 0; i < LOWER_MAX_PHRASE_TERMS + 1; i++)
        strcat(near, i ? " NEAR w" : "w");
    got = lower_to_text(a, near);
    cr_expect(strstr(got, "NEAR takes at most 64 operands") != NULL, "%s", got);
    free(got);
    analyzer_free(a);
}

/* =word (lower.h, "Exact forms"): the marked unstemmed word where the
 * index holds words as written, the word itself on an unstemmed index,
 * and an error naming the option elsewhere (never the stem). */
Test(lower, exact_forms)
{
    analyzer *a = english();
    exact_forms_mode = LOWER_EXACT_KEYS;
    char *got = lower_to_text(a, "=Sessions");
    cr_expect_str_eq(got, "(OR (TERM body \"\x02sessions\") (TITLE (TERM title "
                          "\"\x02sessions\")))");
    free(got);
    got = lower_to_text(a, "title:=Police");
    cr_expect_str_eq(got, "(TITLE (TERM title \"\x02police\"))");
    free(got);
    exact_forms_mode = LOWER_EXACT_PLAIN;
    got = lower_to_text(a, "=Sessions");
    cr_expect_str_eq(got, "(OR (TERM body \"sessions\") (TITLE (TERM title \"sessions\")))");
    free(got);
    exact_forms_mode = LOWER_EXACT_NONE;
    got = lower_to_text(a, "=Sessions");
    cr_expect(strstr(got, "ERROR") && strstr(got, "--exact-forms") && strstr(got, "'=Sessions'"),
              "%s", got);
    free(got);
    analyzer_free(a);
}

/* The parser puts NOT only under an AND; lowering stays total. */
Test(lower, lone_not_is_every_document_but_its_child)
{
    analyzer *a = english();
    query_node *word = parse("cat"), *dropped = parse("...");
    query_node lone = {.kind = QUERY_NOT, .children = &word, .child_count = 1};
    char *got = plan_text(a, &lone);
    cr_expect_str_eq(got, "(AND (ALL) (NOT (OR (TERM body \"cat\") (TITLE (TERM title "
                          "\"cat\")))))");
    free(got);
    lone.children = &dropped;
    got = plan_text(a, &lone);
    cr_expect_str_eq(got, "(ALL)");
    free(got);
    query_free(word);
    query_free(dropped);
    analyzer_free(a);
}

/* Optimal string alignment distance, the whole table. */
static size_t full_distance(const uint8_t *a, size_t m, const uint8_t *b, size_t n)
{
    static size_t d[ANALYZER_MAX_TERM_BYTES + 1][ANALYZER_MAX_TERM_BYTES + 1];
    for (size_t i = 0; i <= m; i++)
        for (size_t j = 0; j <= n; j++) {
            size_t best = i == 0 ? j : j == 0 ? i : d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (i > 0 && j > 0 && d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (i > 0 && j > 0 && d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[m][n] <= SUGGEST_MAX_DISTANCE ? d[m][n] : SUGGEST_MAX_DISTANCE + 1;
}

/* The fuzzy words' distance (query/suggest.h) computes only the band
 * around the diagonal: equal to the whole table on random words of a
 * three-letter alphabet (many transpositions and near misses) and on long
 * words sharing a long prefix. */
Test(lower, fuzzy_distance_equals_the_whole_table)
{
    uint8_t a[ANALYZER_MAX_TERM_BYTES], b[ANALYZER_MAX_TERM_BYTES];
    unsigned seed = 20261203;
    for (int round = 0; round < 200000; round++) {
        seed = seed * 1103515245u + 12345u;
        size_t m = (seed >> 16) % 9, n = m + (seed >> 8) % 5;
        n = n >= 2 ? n - 2 : 0;
        int longer = round % 10 == 0;
        if (longer)
            m += 50, n += 50;
        for (size_t i = 0; i < m; i++) {
            seed = seed * 1103515245u + 12345u;
            a[i] = longer && i < 45 ? 'q' : (uint8_t)('a' + (seed >> 16) % 3);
        }
        for (size_t j = 0; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            b[j] = j < m && (seed >> 16) % 4 ? a[j] : (uint8_t)('a' + (seed >> 20) % 3);
        }
        size_t want = full_distance(a, m, b, n), got = suggest_edit_distance(a, m, b, n);
        cr_assert_eq(got, want, "round %d: %.*s / %.*s: %zu, want %zu", round, (int)m, a,
                     (int)n, b, got, want);
    }
}

static int compare_words(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One term against a bucket's words in byte order (suggest_distance, the
 * rows of shared first bytes kept, words after a hopeless beginning
 * settled without rows), then in the order made, which shares less:
 * every answer is the whole table's.  Words of a three-letter alphabet
 * near the term, so beginnings are shared, come back within reach after
 * one that is not (a word extending a hopeless one, then one a byte
 * shorter), and words of 65 bytes or more are beyond whatever they share. */
Test(lower, fuzzy_distance_of_sorted_words_equals_the_whole_table)
{
    enum { WORDS = 3000 };
    static char storage[WORDS][ANALYZER_MAX_TERM_BYTES + 8];
    char *words[WORDS];
    unsigned seed = 20261204;
    for (int round = 0; round < 40; round++) {
        char term[ANALYZER_MAX_TERM_BYTES + 1];
        seed = seed * 1103515245u + 12345u;
        size_t m = round == 39 ? ANALYZER_MAX_TERM_BYTES : 1 + (seed >> 16) % 9;
        for (size_t i = 0; i < m; i++) {
            seed = seed * 1103515245u + 12345u;
            term[i] = (char)('a' + (seed >> 16) % 3);
        }
        term[m] = '\0';
        for (int w = 0; w < WORDS; w++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = m + (seed >> 8) % 7, length = 0;
            n = n >= 3 ? n - 3 : 0;
            if (w % 500 == 0)
                n = ANALYZER_MAX_TERM_BYTES + 1 + w % 2; /* too long, whatever it shares */
            for (size_t j = 0; j < n; j++) {
                seed = seed * 1103515245u + 12345u;
                /* a long term's words differ from it in a byte of 40 */
                int kept = (seed >> 16) % (m > 16 ? 40 : 3) != 0;
                storage[w][length++] = j < m && kept ? term[j] : (char)('a' + (seed >> 20) % 3);
            }
            storage[w][length] = '\0';
            words[w] = storage[w];
        }
        for (int order = 0; order < 2; order++) {
            if (order == 0)
                qsort(words, WORDS, sizeof *words, compare_words);
            suggest_distance d;
            suggest_distance_begin(&d, (const uint8_t *)term, m);
            size_t near = 0;
            for (int w = 0; w < WORDS; w++) {
                size_t n = strlen(words[w]);
                size_t want = n > ANALYZER_MAX_TERM_BYTES ? SUGGEST_MAX_DISTANCE + 1
                              : full_distance((const uint8_t *)term, m, (const uint8_t *)words[w], n);
                size_t got = suggest_distance_to(&d, (const uint8_t *)words[w], n);
                cr_assert_eq(got, want, "round %d: %s / %s: %zu, want %zu", round, term, words[w],
                             got, want);
                near += got <= SUGGEST_MAX_DISTANCE;
            }
            cr_assert_gt(near, 0, "round %d: no word within reach (the test lost its point)", round);
        }
    }
}

/* CPU seconds of `rounds` comparisons of two `length`-byte words (8 to
 * 64) alike but for their last 4 bytes. */
static double distance_seconds(size_t length, int rounds)
{
    uint8_t a[ANALYZER_MAX_TERM_BYTES], b[ANALYZER_MAX_TERM_BYTES];
    memset(a, 'q', sizeof a);
    memset(b, 'q', sizeof b);
    size_t total = 0;
    clock_t start = clock();
    for (int round = 0; round < rounds; round++) {
        a[length - 4 + round % 4] = (uint8_t)('a' + round % 7);
        b[length - 3 + round % 3] = (uint8_t)('a' + round % 5);
        total += suggest_edit_distance(a, length, b, length);
    }
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    cr_expect_gt(total, 0);
    return seconds;
}

/* ... and costs the band, not the table: a fuzzy word compares up to
 * 200,000 words per bucket, and words sharing a long prefix never stop
 * early.  64-byte words against 8-byte words: 77 times the cost with the
 * whole table (64 x 64 cells against 8 x 8), 10 times with the band (64
 * x 5 against 8 x 5, and setting up three rows).  CPU time, compared
 * within the process (the sanitizers slow both alike). */
Test(lower, fuzzy_distance_is_linear, .timeout = 120)
{
    double longer = distance_seconds(64, 300000), shorter = distance_seconds(8, 300000);
    cr_expect_leq(longer, 25 * shorter + 0.02, "64-byte words %.3f s, 8-byte words %.3f s",
                  longer, shorter);
}
