/*
 * search-test.c — the public search API (cops.h) on small hand-written
 * corpora built with cops_build: boolean semantics, phrases and slop,
 * NEAR/n, prefixes and their bound, title: and date: terms, analysis
 * (hyphens, diacritics, stemming), literal mode, the default operator,
 * paging, counting, tie order, snippets and errors.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "cops.h"
#include "query/feedback.h"
#include "query/index.h"
#include "query/lower.h"
#include "query/matcher.h"
#include "query/parser.h"
#include "query/plan.h"
#include "query/search.h"
#include "tests/testlib.h"

typedef struct named_text {
    const char *name;
    const char *text;
} named_text;

/* The news corpus: every expectation below is derived from these texts
 * (english stemming on).  A text file's title is its first line after an
 * optional "date YYYY-MM-DD" prefix; its body is the file after that
 * prefix. */
static const named_text news[] = {
    {"01.txt", "date 2017-11-14 Sanctuary cities and grants\n"
               "The Justice Department said the sanctuary city grant money would go to "
               "community-oriented enforcement.\n"},
    {"02.txt", "date 2018-03-02 Wildlife refuge\n"
               "The wildlife sanctuary received a federal grant for birds and wetlands.\n"},
    {"03.txt", "Café culture\n"
               "A small cafe near the harbor serves coffee to community oriented volunteers.\n"},
    {"04.txt", "date 2016-06-30 Police budget\n"
               "The police budget grew while grant applications fell. Officers asked for more "
               "money.\n"},
    {"05.txt", "Harbor notes\n"
               "The harbor master noted that ships arrive early. Grants are rare here; the "
               "harbor has no sanctuary.\n"},
    {"06.txt", "Zebra\nzebra stripes zebra\n"},
    {"07.txt", "Zebra\nzebra stripes zebra\n"},
    {"08.txt", "Zebra\nzebra stripes zebra\n"},
};

typedef struct fixture {
    char *dir;
    char index_dir[512];
    cops_index *index;
} fixture;

/* Index `input` (one thread) into f->dir/index, not opened. */
static void build_index(fixture *f, const char *input, cops_build_summary *summary)
{
    snprintf(f->index_dir, sizeof f->index_dir, "%s/index", f->dir);
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    cops_error err = {0};
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(f->index_dir, inputs, 1, &options, summary, &err), 0, "%s",
                 err.message);
}

/* A new temporary folder in f->dir and its empty input folder, whose
 * path goes to `input` (512 bytes). */
static void make_input_dir(fixture *f, char input[512])
{
    f->dir = testlib_tempdir("search");
    snprintf(input, 512, "%s/input", f->dir);
    cr_assert_eq(mkdir(input, 0755), 0);
}

/* The index of `input` built (build_index) and opened in f->index. */
static void build_and_open(fixture *f, const char *input, cops_build_summary *summary)
{
    build_index(f, input, summary);
    cops_error err = {0};
    cr_assert_eq(cops_index_open(f->index_dir, &f->index, &err), 0, "%s", err.message);
}

static void build_corpus(fixture *f, const named_text *texts, size_t count)
{
    char input[512];
    make_input_dir(f, input);
    for (size_t i = 0; i < count; i++)
        free(testlib_write_file(input, texts[i].name, texts[i].text, strlen(texts[i].text)));
    cops_build_summary summary;
    build_and_open(f, input, &summary);
    cr_assert_eq(summary.documents, count);
}

static void free_fixture(fixture *f)
{
    cops_index_close(f->index);
    testlib_remove_tree(f->dir);
}

/* The base name of a hit's id without ".txt". */
static void short_name(const char *id, char *out, size_t size)
{
    const char *slash = strrchr(id, '/');
    snprintf(out, size, "%s", slash ? slash + 1 : id);
    char *dot = strrchr(out, '.');
    if (dot)
        *dot = 0;
}

/* The number of hit i's file "dN.txt" (tests name documents by their
 * insertion, since the build reorders the document numbers). */
static unsigned hit_file_number(const cops_results *results, size_t i)
{
    char name[64];
    unsigned number = 0;
    short_name(cops_results_hit(results, i)->id, name, sizeof name);
    cr_assert_eq(sscanf(name, "d%u", &number), 1, "hit %zu: %s", i + 1, name);
    return number;
}

/* Run `query` and return the hits' short names joined by spaces, in rank
 * order (or sorted when `sorted`); *total receives the exact count. */
static char *run(fixture *f, const char *query, const cops_search_options *given, int sorted,
                 uint64_t *total)
{
    cops_search_options options;
    if (given)
        options = *given;
    else {
        cops_search_options_init(&options);
        options.limit = 100;
    }
    cops_results *results = NULL;
    cops_error err = {0};
    int rc = cops_search(f->index, query, &options, &results, &err);
    cr_assert_eq(rc, 0, "query '%s': %s", query, err.message);
    size_t n = cops_results_count(results);
    char names[64][64];
    cr_assert_leq(n, 64);
    for (size_t i = 0; i < n; i++)
        short_name(cops_results_hit(results, i)->id, names[i], sizeof names[i]);
    if (sorted)
        qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    char *joined = calloc(1, 64 * 64 + 1);
    cr_assert_not_null(joined);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(joined, " ");
        strcat(joined, names[i]);
    }
    if (total)
        *total = cops_results_total(results);
    cops_results_free(results);
    return joined;
}

static void expect_set(fixture *f, const char *query, const char *expected)
{
    uint64_t total;
    char *got = run(f, query, NULL, 1, &total);
    cr_expect_str_eq(got, expected, "query '%s': got {%s}, expected {%s}", query, got, expected);
    size_t words = expected[0] ? 1 : 0;
    for (const char *p = expected; *p; p++)
        words += *p == ' ';
    cr_expect_eq(total, words, "query '%s': total %llu", query, (unsigned long long)total);
    free(got);
}

typedef struct query_case {
    const char *query;
    const char *expected; /* sorted short names */
} query_case;

static const query_case semantics[] = {
    /* boolean */
    {"sanctuary AND grant", "01 02 05"},
    {"sanctuary grant", "01 02 05"},
    {"wildlife OR harbor", "02 03 05"},
    {"sanctuary AND NOT wildlife", "01 05"},
    {"sanctuary -wildlife", "01 05"},
    {"+sanctuary wildlife", "01 02 05"},
    {"-sanctuary -zebra", "03 04"},
    {"NOT grant", "03 06 07 08"},
    {"-grant", "03 06 07 08"},
    {"(wildlife OR police) AND grant", "02 04"},
    {"(wildlife OR police) (money OR birds)", "02 04"},
    {"harbor OR NOT grant", "03 05 06 07 08"},
    {"NOT (NOT harbor)", "03 05"},
    {"nonexistentword", ""},
    {"harbor AND nonexistentword", ""},
    {"harbor OR nonexistentword", "03 05"},
    /* phrases and slop: "sanctuary city grant" in 01, "sanctuary received a federal
     * grant" (span 4) in 02, grant before sanctuary in 05 */
    {"\"sanctuary city\"", "01"},
    {"\"city sanctuary\"", ""},
    {"\"sanctuary grant\"", ""},
    {"\"sanctuary grant\"~1", "01"},
    {"\"sanctuary grant\"~2", "01"},
    {"\"sanctuary grant\"~3", "01 02"},
    {"\"grant sanctuary\"~4", ""},
    {"\"grant sanctuary\"~5", "01"},
    {"\"grant sanctuary\"~7", "01 05"},
    {"\"the harbor\"", "03 05"},
    /* NEAR: harbor and ships are 4 words apart in 05 */
    {"harbor NEAR/3 ships", ""},
    {"harbor NEAR/4 ships", "05"},
    {"ships NEAR/4 harbor", "05"},
    {"harbor NEAR ships", "05"},
    {"harbor NEAR/4 ships NEAR/4 master", "05"},
    /* a phrase operand spans its words: "master" to "ships" is 3 */
    {"\"harbor master\" NEAR/2 ships", ""},
    {"\"harbor master\" NEAR/3 ships", "05"},
    {"ships NEAR/3 \"harbor master\"", "05"},
    /* prefixes (keys are stemmed) */
    {"harb*", "03 05"},
    {"sanct*", "01 02 05"},
    {"zeb*", "06 07 08"},
    {"title:harb*", "05"},
    {"qqq*", ""},
    /* fields */
    {"title:harbor", "05"},
    {"harbor", "03 05"},
    {"title:sanctuary", "01"},
    {"title:\"police budget\"", "04"},
    {"title:\"budget police\"", ""},
    {"title:wildlife", "02"},
    /* dates */
    {"date:2017", "01"},
    {"date:2016..2017", "01 04"},
    {"date:2018-03", "02"},
    {"date:2018-03-02", "02"},
    {"date:2018-03-03", ""},
    {"date:..2016-12-31", "04"},
    {"date:2017-01..", "01 02"},
    {"grant date:2017..2018", "01 02"},
    {"-date:2017", "02 03 04 05 06 07 08"},
    /* hyphenated words are phrases of their parts */
    {"\"community oriented\"", "01 03"},
    {"community-oriented", "01 03"},
    {"community-oriented enforcement", "01"},
    {"\"oriented community\"", ""},
    /* case and diacritics */
    {"cafe", "03"},
    {"café", "03"},
    {"CAFÉ", "03"},
    {"title:cafe", "03"},
    {"Sanctuary", "01 02 05"},
    /* stemming */
    {"grants", "01 02 04 05"},
    {"grant", "01 02 04 05"},
    {"granting", "01 02 04 05"},
    {"cities", "01"},
    /* words that analyse to nothing are left out */
    {"harbor !!", "03 05"},
    {"!! OR harbor", "03 05"},
};

Test(search, query_semantics)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    for (size_t i = 0; i < sizeof semantics / sizeof semantics[0]; i++)
        expect_set(&f, semantics[i].query, semantics[i].expected);
    free_fixture(&f);
}

Test(search, ranking_details)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    /* +x y: y is optional and only adds to the score */
    char *got = run(&f, "+sanctuary wildlife", NULL, 0, NULL);
    cr_expect_eq(strncmp(got, "02 ", 3), 0, "the optional word ranks 02 first: %s", got);
    free(got);
    /* ties (identical documents) are broken by document order */
    got = run(&f, "zebra", NULL, 0, NULL);
    cr_expect_str_eq(got, "06 07 08");
    free(got);
    /* pure negative queries score 0: document order */
    got = run(&f, "-grant", NULL, 0, NULL);
    cr_expect_str_eq(got, "03 06 07 08");
    free(got);
    /* a title match weighs more: harbor in 05's title and body, 03's body only */
    got = run(&f, "harbor", NULL, 0, NULL);
    cr_expect_str_eq(got, "05 03");
    free(got);
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "zebra", &options, &results, &err), 0);
    cr_assert_eq(cops_results_count(results), 3);
    for (size_t i = 0; i < 3; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        cr_expect_eq(hit->rank, i + 1);
        cr_expect_eq(hit->score, cops_results_hit(results, 0)->score);
        cr_expect_gt(hit->score, 0.0);
        cr_expect_str_eq(hit->title, "Zebra");
        cr_expect_null(hit->date);
    }
    cr_expect_null(cops_results_hit(results, 3));
    cops_results_free(results);
    cr_assert_eq(cops_search(f.index, "\"sanctuary city\"", &options, &results, &err), 0);
    cr_assert_eq(cops_results_count(results), 1);
    cr_expect_str_eq(cops_results_hit(results, 0)->title, "Sanctuary cities and grants");
    cr_expect_str_eq(cops_results_hit(results, 0)->date, "2017-11-14");
    cops_results_free(results);
    free_fixture(&f);
}

/* Twins: t3 and t4 hold the same text, so every key scores them alike and
 * they tie; the earlier inserted, t3, ranks first.  A pruned search
 * (exact_total off: MaxScore over the disjunction) used to add a
 * document's parts in the order of their bounds, split where the
 * threshold stood at that document: t3 was scored before the threshold
 * rose and t4 after, so t4 came out one rounding step higher
 * (...8546 against ...855 with BM25) and overtook t3, a top 2 the
 * exhaustive ranking does not have.  Scores must be the exhaustive ones
 * to the bit, or no tie-break can be kept. */
static const named_text twins[] = {
    {"t1.txt", "dd zz2 zz1 zz0 zz4 zz5 cc zz0 zz3\n"},
    {"t2.txt", "zz2 zz3 zz2 zz0 zz3 zz2\n"},
    {"t3.txt", "zz0 zz4 zz1 bb cc dd zz4 dd zz5 cc zz4 zz5 bb cc dd\n"},
    {"t4.txt", "zz0 zz4 zz1 bb cc dd zz4 dd zz5 cc zz4 zz5 bb cc dd\n"},
};

/* The pruned top `limit` hits of `query` (exact_total 0) for every limit
 * from 1 to max_limit: each the same document with the same score, to
 * the bit, as in `all` (the exhaustive ranking under the same options).
 * Returns the hits compared. */
static size_t expect_pruned_as_exhaustive(cops_index *index, const char *query,
                                          cops_search_options options, const cops_results *all,
                                          size_t max_limit)
{
    size_t compared = 0;
    cops_error err = {0};
    for (size_t limit = 1; limit <= max_limit; limit++) {
        options.limit = limit;
        options.exact_total = 0;
        cops_results *top = NULL;
        cr_assert_eq(cops_search(index, query, &options, &top, &err), 0, "%s", err.message);
        cr_assert_eq(cops_results_count(top), limit);
        for (size_t i = 0; i < limit; i++, compared++) {
            const cops_hit *a = cops_results_hit(top, i), *b = cops_results_hit(all, i);
            cr_expect(a->doc == b->doc && a->score == b->score,
                      "'%s', scheme %d, top %zu: rank %zu is %s scoring %.17g, "
                      "exhaustively %s scoring %.17g", query, (int)options.weight, limit, i + 1,
                      a->id, a->score, b->id, b->score);
        }
        cops_results_free(top);
    }
    return compared;
}

Test(search, pruned_top_hits_score_and_tie_as_exhaustive)
{
    fixture f;
    build_corpus(&f, twins, sizeof twins / sizeof twins[0]);
    static const char *const queries[] = {
        "aa OR bb OR cc OR dd", "bb OR cc OR dd", "(bb OR cc) OR (dd OR zz4)",
        "cc OR dd OR zz0 OR zz4 OR zz5", "+cc bb dd",
    };
    size_t compared = 0;
    for (int weight = COPS_WEIGHT_BM25; weight <= COPS_WEIGHT_LM; weight++)
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            cops_search_options options;
            cops_search_options_init(&options);
            options.snippets = 0;
            options.weight = (cops_weight)weight;
            cops_results *all = NULL;
            cops_error err = {0};
            cr_assert_eq(cops_search(f.index, queries[q], &options, &all, &err), 0, "%s",
                         err.message);
            compared += expect_pruned_as_exhaustive(f.index, queries[q], options, all, 3);
            cops_results_free(all);
        }
    cr_assert_eq(compared, 5 * 5 * 6);
    /* not vacuous: the twins tie, t3 first */
    char *got = run(&f, "aa OR bb OR cc OR dd", NULL, 0, NULL);
    cr_expect_str_eq(got, "t3 t4 t1");
    free(got);
    free_fixture(&f);
}

/* A reordered segment (any build's, or cops-index --optimize) puts documents out of
 * insertion order, so a tie can come later in the segment than the hit
 * it ties with while holding the smaller stable key: it must still enter
 * (a block whose bound equals the threshold is not skipped) and rank
 * first.  Twenty documents inserted as 10..19 and 240..249 among 260 of
 * two vocabularies (p* early, q* late) score exactly alike on x and y
 * (same length, same frequencies) but take their filler from the other
 * vocabulary, so the reordering moves some later-inserted ones in front
 * (asserted, or the case would test nothing); being the shortest
 * documents with the most x and y, they make their blocks' bounds equal
 * their scores.  Skipping a bound equal to the threshold (bound <=
 * threshold in matcher_cannot_exceed) fails 290 checks here. */
Test(search, pruned_ties_in_a_reordered_segment_go_by_insertion, .timeout = 60)
{
    fixture f;
    char input[512];
    make_input_dir(&f, input);
    static const char *const words[2][4] = {{"pa", "pb", "pc", "pd"}, {"qa", "qb", "qc", "qd"}};
    uint32_t state = 7;
    for (unsigned i = 0; i < 260; i++) {
        char name[32], text[512] = "";
        snprintf(name, sizeof name, "d%03u.txt", i);
        int twin = (i >= 10 && i < 20) || (i >= 240 && i < 250);
        if (twin) {
            snprintf(text, sizeof text, "twin\n%s x x x x x x x x y y y y y y\n", i < 130 ? "qa qb" : "pa pb");
        } else {
            strcat(text, "t\n");
            for (unsigned w = 0; w < 30; w++) {
                state = state * 1103515245u + 12345u;
                strcat(text, words[i >= 130][(state >> 16) % 4]);
                strcat(text, (state >> 8) % 9 == 0 ? " x " : (state >> 8) % 11 == 0 ? " y " : " ");
            }
            strcat(text, "\n");
        }
        free(testlib_write_file(input, name, text, strlen(text)));
    }
    cops_build_summary summary;
    build_index(&f, input, &summary);
    /* the build reorders the segment it writes; --optimize then has
     * nothing to do */
    cr_assert_eq(summary.reordered, 1);
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    options.reorder = 1;
    cops_error err = {0};
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(f.index_dir, inputs, 1, &options, &summary, &err), 0, "%s",
                 err.message);
    cr_assert_eq(summary.merged, 0);
    cr_assert_eq(cops_index_open(f.index_dir, &f.index, &err), 0, "%s", err.message);
    static const char *const queries[] = {"x y", "x OR y", "+x y", "y OR x"};
    int reversed = 0;
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        cops_search_options search;
        cops_search_options_init(&search);
        search.snippets = 0;
        search.limit = 40;
        cops_results *all = NULL;
        cr_assert_eq(cops_search(f.index, queries[q], &search, &all, &err), 0, "%s", err.message);
        cr_assert_geq(cops_results_count(all), 20);
        /* the twenty twins first, in insertion order */
        for (size_t i = 0; i < 20; i++) {
            char name[64];
            short_name(cops_results_hit(all, i)->id, name, sizeof name);
            unsigned expected = i < 10 ? 10 + (unsigned)i : 230 + (unsigned)i;
            char want[16];
            snprintf(want, sizeof want, "d%03u", expected);
            cr_expect_str_eq(name, want, "'%s': rank %zu is %s, not %s", queries[q], i + 1, name, want);
            if (i > 0 && cops_results_hit(all, i)->doc < cops_results_hit(all, i - 1)->doc)
                reversed = 1;
        }
        expect_pruned_as_exhaustive(f.index, queries[q], search, all, 21);
        cops_results_free(all);
    }
    cr_expect(reversed, "the reordering kept the twins in insertion order: nothing tested");
    free_fixture(&f);
}

/* Top-k seeding (query/search.c): a word in the body of 1,200 documents
 * and in the title of 14 inserted last scores its title matches highest;
 * the threshold is seeded from those 14, so a pruned top k visits the
 * title matches and few others (its lower-bound total shows it: without
 * seeding the body is scored document by document until ten title
 * matches have been met, a total of about 1,110).  So too in a
 * disjunction of five words, six keys, which seeds from a smaller share
 * of its postings (op-or.c, OR_SEED_WIDE_FACTOR; unseeded it visits
 * 988).  Five of the fourteen
 * are twins (same text), so the seeded threshold is a tie for some k;
 * every pruned top k from 1 to 14 must still be the exhaustive one, to
 * the bit, ties in insertion order. */
Test(search, seeded_threshold_keeps_the_exhaustive_top_hits, .timeout = 60)
{
    fixture f;
    char input[512];
    make_input_dir(&f, input);
    static const char *const filler[] = {"pa", "pb", "pc", "pd", "pe", "v"};
    uint32_t state = 11;
    for (unsigned i = 0; i < 1200; i++) {
        char name[32], text[512];
        snprintf(name, sizeof name, "d%04u.txt", i);
        int titled = i >= 1186;
        int twin = i >= 1190 && i < 1195;
        snprintf(text, sizeof text, "%s\nw", titled ? "w" : "t");
        unsigned words = twin ? 6 : 3 + (i % 17);
        for (unsigned k = 0; k < words; k++) {
            state = state * 1103515245u + 12345u;
            strcat(text, " ");
            strcat(text, twin ? "pa" : filler[(state >> 16) % 6]);
        }
        strcat(text, "\n");
        free(testlib_write_file(input, name, text, strlen(text)));
    }
    cops_build_summary summary;
    build_and_open(&f, input, &summary);
    cops_error err = {0};
    static const char *const queries[] = {"w", "w OR v", "w OR v OR pa OR pb OR pc"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        cops_search_options options;
        cops_search_options_init(&options);
        options.snippets = 0;
        options.limit = 14;
        cops_results *all = NULL;
        cr_assert_eq(cops_search(f.index, queries[q], &options, &all, &err), 0, "%s",
                     err.message);
        cr_assert_eq(cops_results_total(all), 1200);
        for (size_t i = 0; i < 14; i++) /* the title matches first */
            cr_assert_geq(cops_results_hit(all, i)->doc, 1186, "'%s' rank %zu", queries[q], i + 1);
        expect_pruned_as_exhaustive(f.index, queries[q], options, all, 14);
        cops_results_free(all);
        options.limit = 10;
        options.exact_total = 0;
        cops_results *top = NULL;
        cr_assert_eq(cops_search(f.index, queries[q], &options, &top, &err), 0, "%s",
                     err.message);
        cr_expect_lt(cops_results_total(top), 200, "'%s': the pruned search visited %llu",
                     queries[q], (unsigned long long)cops_results_total(top));
        cops_results_free(top);
    }
    free_fixture(&f);
}

/* `query`'s top `limit` hits by default (exhaustive), without snippets. */
static cops_results *top_hits(cops_index *index, const char *query, size_t limit)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.snippets = 0;
    options.limit = limit;
    cops_results *all = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(index, query, &options, &all, &err), 0, "%s", err.message);
    return all;
}

/* In every weighting scheme, `query`'s pruned top k for every k from 1 to
 * max_limit is its exhaustive one (expect_pruned_as_exhaustive; it has
 * `total` matches), and its pruned top 10 visits fewer than
 * `max_visited` of them (its lower-bound total).  Returns the hits
 * compared. */
static size_t expect_pruned_in_every_scheme(cops_index *index, const char *query, size_t max_limit,
                                            uint64_t total, uint64_t max_visited)
{
    cops_error err = {0};
    size_t compared = 0;
    for (int weight = COPS_WEIGHT_BM25; weight <= COPS_WEIGHT_LM; weight++) {
        cops_search_options options;
        cops_search_options_init(&options);
        options.snippets = 0;
        options.weight = (cops_weight)weight;
        options.limit = max_limit;
        cops_results *all = NULL;
        cr_assert_eq(cops_search(index, query, &options, &all, &err), 0, "%s", err.message);
        cr_assert_eq(cops_results_total(all), total);
        compared += expect_pruned_as_exhaustive(index, query, options, all, max_limit);
        cops_results_free(all);
        options.limit = 10;
        options.exact_total = 0;
        cops_results *top = NULL;
        cr_assert_eq(cops_search(index, query, &options, &top, &err), 0, "%s", err.message);
        cr_expect_lt(cops_results_total(top), max_visited,
                     "'%s', scheme %d: the pruned search visited %llu", query, weight,
                     (unsigned long long)cops_results_total(top));
        cops_results_free(top);
    }
    return compared;
}

/* A word in the title of fewer documents than the top k: the seeded
 * threshold has too few of them, the body key stays essential (its best
 * documents come close to its bound) and used to be scored document by
 * document, all 1,500 here.  Now the disjunction passes it over where no
 * title match stands (term_approximate_above): whole blocks whose bound
 * cannot beat the threshold, and single documents that cannot in the
 * others.  The body's best documents are 30 twins at its start (tf 5 in
 * 6 words), every 97th document has tf 5 in a long body (its block's
 * bound beats the threshold, its score does not), a late twin ties the
 * first 30 (and ranks after them, by insertion), and three late documents
 * hold the word in their titles.
 * Every pruned top k from 1 to 40 must be the exhaustive one, to the bit,
 * in every weighting scheme; the pruned top 10's lower-bound total shows
 * the body was passed over (without it: 1,500). */
Test(search, few_title_matches_pass_over_the_body, .timeout = 120)
{
    fixture f;
    char input[512];
    make_input_dir(&f, input);
    static const char *const filler[] = {"pa", "pb", "pc", "pd", "pe"};
    uint32_t state = 5;
    for (unsigned i = 0; i < 1500; i++) {
        char name[32], text[1024];
        snprintf(name, sizeof name, "d%04u.txt", i);
        int twin = i < 30 || i == 1100;
        unsigned tf = twin || i % 97 == 50 ? 5 : 1;
        unsigned words = twin ? 1 : i % 97 == 50 ? 120 : 8 + (i % 13);
        snprintf(text, sizeof text, "%s\n", i >= 1497 ? "w title" : "t");
        for (unsigned k = 0; k < tf; k++)
            strcat(text, "w ");
        for (unsigned k = 0; k < words; k++) {
            state = state * 1103515245u + 12345u;
            strcat(text, filler[(state >> 16) % 5]);
            strcat(text, " ");
        }
        strcat(text, "\n");
        free(testlib_write_file(input, name, text, strlen(text)));
    }
    cops_build_summary summary;
    build_and_open(&f, input, &summary);
    size_t compared = expect_pruned_in_every_scheme(f.index, "w", 40, 1500, 200);
    cr_assert_eq(compared, 5 * 40 * 41 / 2);
    /* not vacuous: the title matches, then the twins in insertion order,
     * the late twin after them (by name: the build reorders the document
     * numbers) */
    cops_results *all = top_hits(f.index, "w", 40);
    for (size_t i = 0; i < 34; i++) {
        unsigned number = hit_file_number(all, i);
        if (i < 3)
            cr_expect_geq(number, 1497, "rank %zu", i + 1);
        else
            cr_expect_eq(number, i < 33 ? i - 3 : 1100, "rank %zu", i + 1);
    }
    cr_expect_eq(cops_results_hit(all, 32)->score, cops_results_hit(all, 33)->score);
    cops_results_free(all);
    free_fixture(&f);
}

/* Appends `fillers` filler words and a newline to `text` (room for them)
 * and writes it as input/name. */
static void add_filled_document(const char *input, const char *name, char *text, unsigned fillers)
{
    for (unsigned k = 0; k < fillers; k++)
        strcat(text, k % 2 ? "pa " : "pb ");
    strcat(text, "\n");
    free(testlib_write_file(input, name, text, strlen(text)));
}

/* Builds f's index from `input`, then expect_pruned_in_every_scheme of
 * `query` for every top k from 1 to 45. */
static void build_and_expect_pruned(fixture *f, const char *input, const char *query,
                                    uint64_t total, uint64_t max_visited)
{
    cops_build_summary summary;
    build_and_open(f, input, &summary);
    size_t compared = expect_pruned_in_every_scheme(f->index, query, 45, total, max_visited);
    cr_assert_eq(compared, 5 * 45 * 46 / 2);
}

/* A conjunction of a word and a far more common one (op-and.c,
 * AND_DENSE_FACTOR): 2,000 documents all hold "c"; every 10th holds "r"
 * as well, every 50th with tf 5 in a short body (its score beats the
 * others'), the rest once in a long body.  Each block of "r" holds some
 * of the strong ones, so its bound never lets a window be skipped: the
 * ranked conjunction must leave the weak candidates by the score of "r"
 * and the bound of "c" before moving "c" onto them.  Every pruned top k
 * from 1 to 45 must be the exhaustive one, to the bit, in every
 * weighting scheme; the pruned top 10's lower-bound total shows the
 * candidates left (58, 76 with lm; moving "c" onto every one: 200). */
Test(search, a_dense_conjunct_moves_only_onto_candidates_that_can_win, .timeout = 120)
{
    fixture f;
    char input[512];
    make_input_dir(&f, input);
    for (unsigned i = 0; i < 2000; i++) {
        char name[32], text[1024] = "t\nc ";
        snprintf(name, sizeof name, "d%04u.txt", i);
        int strong = i % 50 == 0;
        if (i % 10 == 0)
            strcat(text, strong ? "r r r r r " : "r ");
        add_filled_document(input, name, text, strong ? 2u : 40u + i % 7);
    }
    build_and_expect_pruned(&f, input, "r c", 200, 100);
    /* not vacuous: the strong ones first (by name: the build reorders
     * the document numbers) */
    cops_results *all = top_hits(f.index, "r c", 40);
    for (size_t i = 0; i < 40; i++) {
        unsigned number = hit_file_number(all, i);
        cr_expect_eq(number % 50, 0, "rank %zu", i + 1);
    }
    cops_results_free(all);
    free_fixture(&f);
}

/* A stand-in for a key (op-and.c's children): its documents every
 * `step` from `first` up to `last`, each scoring `score`; its bound,
 * `bound` when set (a block whose best frequency and shortest field come
 * from different documents) else `score`, holds over one document (a
 * common word's title key, whose next title ends a window) or, `wide`,
 * over the whole list; past `last`, 0 to the end.  Counts the bounds and
 * the scores asked. */
typedef struct stub_key {
    matcher base;
    uint32_t first, step, last;
    double score;
    int wide;
    unsigned bounds_asked;
    unsigned scores_asked;
    double bound;
} stub_key;

static uint32_t stub_next_geq(matcher *m, uint32_t target)
{
    stub_key *k = (stub_key *)m;
    uint32_t doc = target <= k->first ? k->first
                                      : k->first + (target - k->first + k->step - 1) / k->step * k->step;
    return m->doc = doc > k->last ? MATCHER_END : doc;
}

static double stub_score(matcher *m)
{
    stub_key *k = (stub_key *)m;
    k->scores_asked++;
    return k->score;
}

static double stub_max_score(matcher *m)
{
    stub_key *k = (stub_key *)m;
    return k->bound > 0.0 ? k->bound : k->score;
}
static void stub_free(matcher *m) { (void)m; }

static double stub_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    stub_key *k = (stub_key *)m;
    k->bounds_asked++;
    if (target > k->last) {
        *last = MATCHER_END; /* nothing more from it */
        return 0.0;
    }
    *last = k->wide ? MATCHER_END : target;
    return stub_max_score(m);
}

static const matcher_ops stub_ops = {
    .next_geq = stub_next_geq,
    .score = stub_score,
    .free = stub_free,
    .max_score = stub_max_score,
    .block_bound = stub_block_bound,
};

/* A ranked conjunction of a rare key (documents 1,000, 2,000, 3,000)
 * and a dense one (every document up to 4,000) whose bound ends at every
 * document, above a threshold neither's bound reaches together: nothing
 * can match.  A window rejected where the dense key's bound ends, before
 * the rare key's does, resumes at the rare key's next document, so the
 * dense key is asked about a few windows, not all 4,001 up to the end
 * (what walking on window by window asked: "parts of a plant" in wiki-dev
 * x4, whose "of" has 11,320 titles). */
Test(search, a_rejected_dense_window_resumes_at_the_leaders_next_document)
{
    stub_key rare = {{&stub_ops, 0, 3}, 1000, 1000, 3000, 2.0, 1, 0, 0, 0.0};
    stub_key dense = {{&stub_ops, 0, 4001}, 0, 1, 4000, 1.0, 0, 0, 0, 0.0};
    matcher *required[] = {&dense.base, &rare.base};
    matcher *and = matcher_and(required, 2, NULL, 0, NULL, 0);
    cr_assert_not_null(and);
    and->ops->set_threshold(and, 3.5);
    cr_expect_eq(matcher_next_geq(and, 0), MATCHER_END);
    cr_expect_leq(dense.bounds_asked, 8, "the dense key's bound asked %u times", dense.bounds_asked);
    /* not vacuous: below the threshold, the rare key's documents match */
    matcher *again[] = {&dense.base, &rare.base};
    dense.base.doc = rare.base.doc = 0;
    matcher *low = matcher_and(again, 2, NULL, 0, NULL, 0);
    cr_assert_not_null(low);
    low->ops->set_threshold(low, 2.5);
    cr_expect_eq(matcher_next_geq(low, 0), 1000);
    cr_expect_eq(matcher_next_geq(low, 1001), 2000);
    matcher_free(low);
    matcher_free(and);
}

/* A ranked conjunction (the leapfrog: no key 8 times as costly as the
 * rarest) of three keys on the same 101 documents, each scoring 1, the
 * rarest bounded by 3: every window's bound, 5, beats a threshold of 4,
 * so every document is a candidate, yet none can score over 4.  The
 * rarest key's score and the others' bounds (1 + 2) already show it:
 * the other two are never scored ("40 year old men" in wiki-dev x4
 * scored all its 1,145 matches, its frequencies and field lengths read
 * for each).  Below a threshold of 2.5 every match is scored, in full. */
static double and_scores_of_three_keys(double threshold, unsigned *scored, double *last_score)
{
    stub_key rare = {{&stub_ops, 0, 1}, 0, 10, 1000, 1.0, 1, 0, 0, 3.0};
    stub_key medium = {{&stub_ops, 0, 2}, 0, 10, 1000, 1.0, 1, 0, 0, 0.0};
    stub_key common = {{&stub_ops, 0, 3}, 0, 10, 1000, 1.0, 1, 0, 0, 0.0};
    matcher *required[] = {&common.base, &rare.base, &medium.base};
    matcher *and = matcher_and(required, 3, NULL, 0, NULL, 0);
    cr_assert_not_null(and);
    and->ops->set_threshold(and, threshold);
    unsigned matches = 0;
    double best = 0.0;
    for (uint32_t doc = matcher_next_geq(and, 0); doc != MATCHER_END;
         doc = matcher_next_geq(and, doc + 1)) {
        double score = and->ops->score(and);
        best = score > best ? score : best;
        *last_score = score;
        matches++;
    }
    matcher_free(and);
    *scored = medium.scores_asked + common.scores_asked;
    cr_expect_eq(rare.scores_asked, matches);
    cr_expect_eq(matches, 101);
    return best;
}

Test(search, a_conjunction_stops_scoring_where_the_bounds_left_cannot_beat_the_threshold)
{
    unsigned scored;
    double last;
    double best = and_scores_of_three_keys(4.0, &scored, &last);
    cr_expect_eq(scored, 0, "the other keys scored %u times", scored);
    cr_expect_leq(best, 4.0);
    /* not vacuous: where the sum may beat the threshold, all three */
    best = and_scores_of_three_keys(2.5, &scored, &last);
    cr_expect_eq(scored, 202);
    cr_expect_eq(last, 3.0);
}

/* Random ranked conjunctions (op-and.c: the leapfrog and the dense way,
 * partial scores) against the exhaustive ranking, for every weighting
 * scheme and title weight 0, 1 and 3: 1,200 documents of six words of
 * skewed frequencies ("ant" in most, "yak" in few), two in five a copy of
 * an earlier one (ties at the k-th place, to be broken by insertion), and
 * queries of 2 to 6 words, some excluded, some in the title only.  Each
 * pruned top k (k 1..50, offset 0..17) must be the exhaustive one's
 * window, ids and scores to the bit. */
static const char *const skewed_words[] = {"ant", "bee", "cat", "dog", "elk", "yak"};

static void skewed_text(testlib_rng *rng, char *out, size_t words)
{
    out[0] = '\0';
    for (size_t i = 0; i < words; i++) {
        /* word w with odds about 1 / 2^w */
        size_t w = 0;
        while (w < 5 && testlib_rng_below(rng, 2))
            w++;
        strcat(out, i ? " " : "");
        strcat(out, skewed_words[w]);
    }
}

static void expect_random_conjunctions_pruned_as_exhaustive(int fixed_length, uint64_t seed)
{
    fixture f;
    char input[512];
    make_input_dir(&f, input);
    testlib_rng rng;
    testlib_rng_seed(&rng, seed);
    enum { DOCUMENTS = 1200 };
    size_t size = DOCUMENTS * 700;
    char *records = malloc(size), *text = malloc(512), *title = malloc(64);
    char(*kept)[2][512] = malloc(DOCUMENTS * sizeof *kept);
    cr_assert(records && text && title && kept);
    size_t used = 0, distinct = 0;
    for (size_t d = 0; d < DOCUMENTS; d++) {
        if (distinct && testlib_rng_below(&rng, 5) < 2) {
            size_t k = testlib_rng_below(&rng, distinct);
            strcpy(text, kept[k][0]);
            strcpy(title, kept[k][1]);
        } else {
            static const size_t lengths[] = {1, 2, 3, 5, 8, 20, 60};
            skewed_text(&rng, text, fixed_length ? 4 : lengths[testlib_rng_below(&rng, 7)]);
            skewed_text(&rng, title, fixed_length ? 2 * testlib_rng_below(&rng, 2)
                                                  : testlib_rng_below(&rng, 4));
            strcpy(kept[distinct][0], text);
            strcpy(kept[distinct][1], title);
            distinct++;
        }
        used += (size_t)snprintf(records + used, size - used,
                                 "{\"id\":\"d%zu\",\"title\":\"%s\",\"text\":\"%s\"}\n", d, title,
                                 text);
    }
    free(testlib_write_file(input, "docs.jsonl", records, used));
    cops_build_summary summary;
    build_and_open(&f, input, &summary);
    cr_assert_eq(summary.documents, DOCUMENTS);
    size_t compared = 0, ties = 0;
    cops_error err = {0};
    for (unsigned q = 0; q < 60; q++) {
        char query[256] = "";
        size_t words = 2 + testlib_rng_below(&rng, 5);
        for (size_t i = 0; i < words; i++) {
            uint64_t kind = testlib_rng_below(&rng, 10);
            skewed_text(&rng, text, 1);
            strcat(query, i ? " " : "");
            strcat(query, kind == 0 && i ? "-" : kind == 1 ? "title:" : "");
            strcat(query, kind == 0 && i ? skewed_words[testlib_rng_below(&rng, 6)] : text);
        }
        for (int weight = COPS_WEIGHT_BM25; weight <= COPS_WEIGHT_LM; weight++)
            for (int t = 0; t < 3; t++) {
                cops_search_options options;
                cops_search_options_init(&options);
                options.snippets = 0;
                options.weight = (cops_weight)weight;
                options.title_weight = t == 0 ? 0.0 : t == 1 ? 1.0 : 3.0;
                options.limit = DOCUMENTS;
                cops_results *all = NULL;
                cr_assert_eq(cops_search(f.index, query, &options, &all, &err), 0, "%s",
                             err.message);
                size_t total = cops_results_count(all);
                for (int round = 0; round < 3 && total > 1; round++) {
                    options.limit = 1 + testlib_rng_below(&rng, 50);
                    static const size_t offsets[] = {0, 0, 1, 3, 17};
                    options.offset = offsets[testlib_rng_below(&rng, 5)];
                    options.exact_total = 0;
                    cops_results *top = NULL;
                    cr_assert_eq(cops_search(f.index, query, &options, &top, &err), 0, "%s",
                                 err.message);
                    size_t expected = total > options.offset ? total - options.offset : 0;
                    expected = expected < options.limit ? expected : options.limit;
                    cr_assert_eq(cops_results_count(top), expected, "'%s': %zu hits, not %zu",
                                 query, cops_results_count(top), expected);
                    for (size_t i = 0; i < expected; i++, compared++) {
                        const cops_hit *a = cops_results_hit(top, i);
                        const cops_hit *b = cops_results_hit(all, options.offset + i);
                        ties += i + 1 == expected && options.offset + i + 1 < total
                                && cops_results_hit(all, options.offset + i + 1)->score == b->score;
                        cr_expect(a->doc == b->doc && a->score == b->score,
                                  "'%s', scheme %d, title weight %g, top %zu from %zu: rank %zu "
                                  "is %s scoring %.17g, exhaustively %s scoring %.17g", query,
                                  weight, options.title_weight, options.limit, options.offset,
                                  options.offset + i + 1, a->id, a->score, b->id, b->score);
                    }
                    cops_results_free(top);
                }
                cops_results_free(all);
            }
    }
    /* not vacuous: many windows, many of them ending inside a tie */
    cr_expect_gt(compared, 20000, "%zu hits compared", compared);
    cr_expect_gt(ties, 100, "%zu windows end in a tie", ties);
    free(kept);
    free(title);
    free(text);
    free(records);
    free_fixture(&f);
}

Test(search, random_conjunctions_prune_as_exhaustive, .timeout = 300)
{
    expect_random_conjunctions_pruned_as_exhaustive(0, 14);
}

/* The same with every body 4 words long and every title 0 or 2: a block's
 * bound is then the score of its best document, so ties and bounds equal
 * to the threshold abound. */
Test(search, random_conjunctions_of_equal_lengths_prune_as_exhaustive, .timeout = 300)
{
    expect_random_conjunctions_pruned_as_exhaustive(1, 15);
}

/* A conjunction of two words in nearly every body, whose documents with
 * "r" in the title score highest: the first 10, then every 100th.  A
 * title key's few postings fill one block, whose skip entry bounds every
 * window with its best title score, so every window could beat the
 * threshold and all 2,000 matches were scored.  The disjunction of a
 * word's keys moves its title key onto each window's start before it
 * bounds it (or_block_bound): the key then adds nothing before its next
 * title, and the ranked conjunction passes over the windows between
 * titles once the first ten have set the threshold.  Every pruned top k
 * from 1 to 45 must be the exhaustive one, to the bit, in every
 * weighting scheme; the pruned top 10's lower-bound total shows the
 * documents visited (30; without the move 1,161: all up to the last
 * title). */
static int compare_documents(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

Test(search, a_title_key_bounds_only_its_own_documents, .timeout = 120)
{
    fixture f;
    char input[512];
    make_input_dir(&f, input);
    for (unsigned i = 0; i < 2000; i++) {
        char name[32], text[1024];
        snprintf(name, sizeof name, "d%04u.txt", i);
        snprintf(text, sizeof text, "%s\n%s", i < 10 || i % 100 == 50 ? "r" : "t",
                 i % 3 ? "r c " : "c r r ");
        add_filled_document(input, name, text, 10 + i % 7);
    }
    cops_build_summary summary;
    build_and_open(&f, input, &summary);
    /* The 30 title matches rank first (by name: the build reorders the
     * document numbers); where they went in the new numbering: */
    cops_results *all = top_hits(f.index, "r c", 30);
    uint32_t titled[30];
    for (size_t i = 0; i < 30; i++) {
        unsigned number = hit_file_number(all, i);
        cr_expect(number < 10 || number % 100 == 50, "rank %zu", i + 1);
        titled[i] = cops_results_hit(all, i)->doc;
    }
    cops_results_free(all);
    qsort(titled, 30, sizeof titled[0], compare_documents);
    /* Once ten titles have set the threshold, only windows holding a
     * title are visited: up to the tenth title and a window's worth
     * after (without the move: every document up to the last title).
     * The test needs titles well after the tenth to tell the two. */
    cr_assert_gt(titled[29], titled[9] + 150, "titles %u and %u: nothing tested", titled[9], titled[29]);
    size_t compared = expect_pruned_in_every_scheme(f.index, "r c", 45, 2000, titled[9] + 64);
    cr_assert_eq(compared, 5 * 45 * 46 / 2);
    free_fixture(&f);
}

Test(search, default_operator_and_literal_mode)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    cops_search_options options;
    cops_search_options_init(&options);
    options.limit = 100;
    uint64_t total;
    char *got = run(&f, "wildlife police", &options, 1, &total);
    cr_expect_str_eq(got, "");
    free(got);
    options.default_op = COPS_OP_OR;
    got = run(&f, "wildlife police", &options, 1, &total);
    cr_expect_str_eq(got, "02 04");
    free(got);
    got = run(&f, "wildlife police AND grant", &options, 1, &total);
    cr_expect_str_eq(got, "02 04");
    free(got);
    got = run(&f, "harbor -sanctuary zebra", &options, 1, &total);
    cr_expect_str_eq(got, "03 06 07 08");
    free(got);
    options.default_op = COPS_OP_AND;
    /* literal: operators and quotes are plain words; "AND" is the word and */
    options.literal = 1;
    got = run(&f, "sanctuary AND grant", &options, 1, &total);
    cr_expect_str_eq(got, "01 02");
    free(got);
    got = run(&f, "\"sanctuary (grant", &options, 1, &total);
    cr_expect_str_eq(got, "01 02 05");
    free(got);
    got = run(&f, "harb* -zebra", &options, 1, &total);
    cr_expect_str_eq(got, "");
    free(got);
    options.default_op = COPS_OP_OR;
    got = run(&f, "wildlife police", &options, 1, &total);
    cr_expect_str_eq(got, "02 04");
    free(got);
    free_fixture(&f);
}

Test(search, paging_and_counting)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    cops_search_options options;
    cops_search_options_init(&options);
    options.limit = 100;
    uint64_t total;
    char *all = run(&f, "the OR zebra", &options, 0, &total);
    cr_assert_eq(total, 8);
    char names[8][8];
    size_t n = 0;
    for (char *word = strtok(all, " "); word && n < 8; word = strtok(NULL, " "))
        snprintf(names[n++], sizeof names[n], "%s", word);
    cr_assert_eq(n, 8);
    for (size_t offset = 0; offset <= 9; offset++)
        for (size_t limit = 1; limit <= 9; limit++) {
            options.offset = offset;
            options.limit = limit;
            cops_results *results = NULL;
            cops_error err = {0};
            cr_assert_eq(cops_search(f.index, "the OR zebra", &options, &results, &err), 0);
            cr_expect_eq(cops_results_total(results), 8, "the total is exact whatever the page");
            size_t expected = offset >= 8 ? 0 : (8 - offset < limit ? 8 - offset : limit);
            cr_assert_eq(cops_results_count(results), expected, "offset %zu limit %zu", offset,
                         limit);
            for (size_t i = 0; i < expected; i++) {
                const cops_hit *hit = cops_results_hit(results, i);
                char name[64];
                short_name(hit->id, name, sizeof name);
                cr_expect_str_eq(name, names[offset + i]);
                cr_expect_eq(hit->rank, offset + i + 1);
            }
            cops_results_free(results);
        }
    free(all);
    options.offset = 0;
    options.limit = 10;
    options.count_only = 1;
    cops_results *results = NULL;
    cr_assert_eq(cops_search(f.index, "grant", &options, &results, NULL), 0);
    cr_expect_eq(cops_results_total(results), 4);
    cr_expect_eq(cops_results_count(results), 0);
    cops_results_free(results);
    options.count_only = 0;
    options.limit = 0;
    cr_assert_eq(cops_search(f.index, "grant", &options, &results, NULL), 0);
    cr_expect_eq(cops_results_total(results), 4);
    cr_expect_eq(cops_results_count(results), 0);
    cops_results_free(results);
    free_fixture(&f);
}

Test(search, prefix_expansion_bound)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    cops_search_options options;
    cops_search_options_init(&options);
    /* wildl* expands to two keys: wildlif in the body and in 02's title */
    options.max_prefix_terms = 2;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "wildl*", &options, &results, &err), 0, "%s", err.message);
    cr_expect_eq(cops_results_total(results), 1);
    cr_expect_null(cops_results_note(results, 0), "within the bound: no note");
    cops_results_free(results);
    /* over the bound: the expansion in the most documents is kept, noted */
    options.max_prefix_terms = 1;
    results = NULL;
    cr_assert_eq(cops_search(f.index, "wildl*", &options, &results, &err), 0, "%s", err.message);
    cr_expect_eq(cops_results_total(results), 1);
    cr_expect_str_eq(cops_results_note(results, 0),
                     "'wildl*' matches 2 terms; the 1 in the most documents are searched");
    cops_results_free(results);
    /* title:wildl* only looks at the title key */
    cr_expect_eq(cops_search(f.index, "title:wildl*", &options, &results, &err), 0, "%s",
                 err.message);
    cr_expect_null(cops_results_note(results, 0), "one title key: no note");
    cops_results_free(results);
    options.max_prefix_terms = 3;
    cr_assert_eq(cops_search(f.index, "s*", &options, &results, &err), 0, "%s", err.message);
    const char *note = cops_results_note(results, 0);
    cr_assert_not_null(note);
    cr_expect_neq(strstr(note, "the 3 in the most documents are searched"), NULL, "%s", note);
    cops_results_free(results);
    free_fixture(&f);
}

Test(search, prefix_expansions_bounded_in_all)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    cops_search_options options;
    cops_search_options_init(&options);
    options.default_op = COPS_OP_OR;
    /* wildl* and harb* expand to two keys each (body and title) */
    options.max_query_prefix_terms = 4;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "wildl* harb*", &options, &results, &err), 0, "%s",
                 err.message);
    cr_expect_eq(cops_results_total(results), 3);
    cops_results_free(results);
    options.max_query_prefix_terms = 3;
    results = NULL;
    cr_expect_eq(cops_search(f.index, "wildl* harb*", &options, &results, &err), COPS_ELIMIT);
    cr_expect_null(results);
    cr_expect_neq(strstr(err.message, "more than 3 terms in all"), NULL, "%s", err.message);
    /* each prefix alone is within the bound */
    cr_expect_eq(cops_search(f.index, "harb*", &options, &results, &err), 0, "%s", err.message);
    cops_results_free(results);
    free_fixture(&f);
}

/* `count` copies of `word` and a space, then `tail`: a malloc'd text. */
static char *repeated_text(const char *word, size_t count, const char *tail)
{
    size_t length = strlen(word) + 1;
    char *text = malloc(length * count + strlen(tail) + 1);
    cr_assert_not_null(text);
    for (size_t i = 0; i < count; i++) {
        memcpy(text + i * length, word, length - 1);
        text[i * length + length - 1] = ' ';
    }
    strcpy(text + length * count, tail);
    return text;
}

Test(search, snippets_read_a_bounded_window)
{
    /* Two documents of 3 MiB: the match of "needle" is past the first MiB
     * in one (no highlight, the snippet is the text's beginning, cut), and
     * everywhere in the other. */
    char *late = repeated_text("filler", 3 << 18, "needle\n");
    char *early = repeated_text("needle", 3 << 18, "\n");
    named_text texts[] = {{"late.txt", late}, {"early.txt", early}};
    fixture f;
    build_corpus(&f, texts, 2);
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "needle", &options, &results, &err), 0, "%s", err.message);
    cr_assert_eq(cops_results_count(results), 2);
    for (size_t i = 0; i < 2; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        int is_late = strstr(hit->id, "late") != NULL;
        cr_expect_eq(hit->highlight_count == 0, is_late, "%s: %zu highlights", hit->id,
                     hit->highlight_count);
        cr_expect_eq(strncmp(hit->snippet, is_late ? "filler filler" : "needle needle", 13), 0,
                     "%s: %.40s", hit->id, hit->snippet);
        size_t length = strlen(hit->snippet);
        cr_expect(length > 3 && strcmp(hit->snippet + length - 3, "\xe2\x80\xa6") == 0,
                  "%s: the cut is marked", hit->id);
        cr_expect_lt(length, 1000);
    }
    cops_results_free(results);
    free_fixture(&f);
    free(late);
    free(early);
}

Test(search, snippets_of_a_result_list_share_a_budget)
{
    /* Twelve documents of 1 MiB whose only match ends them, after words
     * that pass the snippets' cheap filter ("neem" starts as "needle"
     * does), so each snippet analyses about 1 MiB: the list's 8 MiB of
     * analysis highlights the first eight hits; the others show their
     * beginnings. */
    char *texts_storage[12];
    named_text texts[12];
    char names[12][24];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "d%02d.txt", i);
        texts_storage[i] = repeated_text("neem", (1 << 20) / 5 - 64, "needle\n");
        texts[i] = (named_text){names[i], texts_storage[i]};
    }
    fixture f;
    build_corpus(&f, texts, 12);
    cops_search_options options;
    cops_search_options_init(&options);
    options.limit = 12;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "needle", &options, &results, &err), 0, "%s", err.message);
    cr_assert_eq(cops_results_count(results), 12);
    size_t highlighted = 0;
    for (size_t i = 0; i < 12; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        cr_expect_not_null(hit->snippet);
        highlighted += hit->highlight_count > 0;
        if (i >= 8)
            cr_expect_eq(hit->highlight_count, 0, "hit %zu is past the budget", i);
    }
    cr_expect_eq(highlighted, 8);
    cops_results_free(results);
    free_fixture(&f);
    for (int i = 0; i < 12; i++)
        free(texts_storage[i]);
}

Test(search, snippets_highlight_prefix_matches_among_many_terms)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    cops_search_options options;
    cops_search_options_init(&options);
    options.default_op = COPS_OP_OR;
    cops_results *results = NULL;
    cops_error err = {0};
    /* many terms, so the lookup is not a short list: the hit is 05 */
    cr_assert_eq(cops_search(f.index, "zzq* zzr* zzs* zzt* harb* zzu* shi* zzv*", &options,
                             &results, &err), 0, "%s", err.message);
    int found = 0;
    for (size_t i = 0; i < cops_results_count(results); i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        if (!strstr(hit->id, "05.txt"))
            continue;
        found = 1;
        char words[256] = "";
        for (size_t k = 0; k < hit->highlight_count; k++) {
            strncat(words, hit->snippet + hit->highlights[k].start,
                    hit->highlights[k].length < 32 ? hit->highlights[k].length : 32);
            strcat(words, " ");
        }
        cr_expect_str_eq(words, "Harbor harbor ships harbor ", "%s: %s", words, hit->snippet);
    }
    cr_expect(found);
    cops_results_free(results);
    free_fixture(&f);
}

typedef struct term_set {
    char terms[8][72];
    size_t count;
} term_set;

static void add_term(void *context, const char *term, uint32_t position)
{
    (void)position;
    term_set *set = context;
    if (set->count < 8)
        snprintf(set->terms[set->count++], sizeof set->terms[0], "%s", term);
}

Test(search, snippets_highlight_matched_words)
{
    fixture f;
    build_corpus(&f, news, sizeof news / sizeof news[0]);
    term_set wanted = {0};
    cr_assert_eq(cops_index_analyze(f.index, "sanctuary grant harbor", add_term, &wanted, NULL), 0);
    cr_assert_eq(wanted.count, 3);
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "sanctuary grant OR harbor -zebra", &options, &results,
                             &err), 0, "%s", err.message);
    cr_assert_gt(cops_results_count(results), 0);
    for (size_t i = 0; i < cops_results_count(results); i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        cr_assert_not_null(hit->snippet);
        cr_expect_gt(hit->highlight_count, 0, "hit %s has no highlight", hit->id);
        size_t snippet_length = strlen(hit->snippet);
        for (size_t k = 0; k < hit->highlight_count; k++) {
            cops_span span = hit->highlights[k];
            cr_assert_leq(span.start + span.length, snippet_length);
            cr_assert_gt(span.length, 0);
            if (k > 0)
                cr_expect_geq(span.start, hit->highlights[k - 1].start + hit->highlights[k - 1].length);
            char word[128];
            cr_assert_lt(span.length, sizeof word);
            memcpy(word, hit->snippet + span.start, span.length);
            word[span.length] = 0;
            term_set got = {0};
            cr_assert_eq(cops_index_analyze(f.index, word, add_term, &got, NULL), 0);
            cr_expect_eq(got.count, 1, "span '%s' is one word", word);
            int known = 0;
            for (size_t w = 0; w < wanted.count; w++)
                known |= got.count == 1 && strcmp(got.terms[0], wanted.terms[w]) == 0;
            cr_expect(known, "highlighted '%s' in %s is not a query word", word, hit->id);
        }
    }
    cops_results_free(results);
    /* snippets off: no text, no spans */
    options.snippets = 0;
    cr_assert_eq(cops_search(f.index, "harbor", &options, &results, &err), 0);
    cr_expect_null(cops_results_hit(results, 0)->snippet);
    cr_expect_eq(cops_results_hit(results, 0)->highlight_count, 0);
    cops_results_free(results);
    free_fixture(&f);
}

/* `count` three-letter words and a space each: "zzz", but `marks` at
 * the word numbers `at` (each mark three letters); a malloc'd text.  A
 * snippet's chunks then end at bytes 515, 1027, 1539... */
static char *marked_text(size_t count, const char *const *marks, const size_t *at, size_t marked)
{
    char *text = malloc(count * 4 + 1);
    cr_assert_not_null(text);
    for (size_t i = 0; i < count; i++)
        memcpy(text + i * 4, "zzz ", 4);
    for (size_t m = 0; m < marked; m++)
        memcpy(text + at[m] * 4, marks[m], 3);
    text[count * 4] = '\0';
    return text;
}

/* The snippet of the one hit of `query` over the one text. */
static void snippet_of(const char *text, const char *query, char **snippet, size_t *highlights)
{
    named_text texts[] = {{"marked.txt", text}};
    fixture f;
    build_corpus(&f, texts, 1);
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, query, NULL, &results, &err), 0, "%s", err.message);
    cr_assert_eq(cops_results_count(results), 1, "%s", query);
    const cops_hit *hit = cops_results_hit(results, 0);
    *snippet = strdup(hit->snippet);
    *highlights = hit->highlight_count;
    cops_results_free(results);
    free_fixture(&f);
}

/* The chunks a snippet passes over where no window there could beat the
 * best one found (snippet.c, chunk_cannot_win) change no choice: a
 * window of both words after many of one; a window of three after one
 * of two, across a chunk's end (words 384 and 386 are either side of
 * byte 1539); the first of equal windows. */
Test(search, snippets_pass_over_only_chunks_that_cannot_win)
{
    const char *const both[] = {"qqq", "qqq", "qqq", "www", "qqq"};
    const size_t both_at[] = {10, 200, 330, 500, 502};
    char *text = marked_text(700, both, both_at, 5);
    char *snippet = NULL;
    size_t highlights = 0;
    snippet_of(text, "qqq www", &snippet, &highlights);
    cr_expect_eq(highlights, 2, "%s", snippet);
    cr_expect_neq(strstr(snippet, "www zzz qqq"), NULL, "%s", snippet);
    free(snippet);
    free(text);

    const char *const three[] = {"qqq", "qqq", "qqq", "qqq", "qqq", "qqq"};
    const size_t three_at[] = {10, 200, 202, 384, 386, 388};
    text = marked_text(700, three, three_at, 6);
    snippet_of(text, "qqq OR www", &snippet, &highlights);
    cr_expect_eq(highlights, 3, "%s", snippet);
    free(snippet);
    free(text);

    const size_t equal_at[] = {10, 300, 600};
    text = marked_text(700, three, equal_at, 3);
    snippet_of(text, "qqq OR www", &snippet, &highlights);
    cr_expect_eq(highlights, 1, "%s", snippet);
    cr_expect_eq(strncmp(snippet, "zzz zzz", 7), 0, "the first window, from the start: %s",
                 snippet);
    free(snippet);
    free(text);
}

/* "qqq" at the start, then after `filler` words "zzz" `words` and "qqq",
 * then as many "zzz" again: a malloc'd text. */
static char *text_with_pair_after(size_t filler, const char *words)
{
    size_t length = 4 + filler * 4 * 2 + strlen(words) + 5;
    char *text = malloc(length + 1), *at = text;
    cr_assert_not_null(text);
    at += sprintf(at, "qqq ");
    for (size_t i = 0; i < filler; i++)
        at += sprintf(at, "zzz ");
    at += sprintf(at, "%s qqq ", words);
    for (size_t i = 0; i < filler; i++)
        at += sprintf(at, "zzz ");
    return text;
}

/* The chunks passed over (chunk_cannot_win) bound the occurrences by
 * words the analysis may find, not by the chunk filter's probes: a
 * stem's third letter may differ from its word's (crying is "cri", using
 * "use"), its
 * second too ('y' for 'i': dying is "die"), and a word beginning with a
 * diacritic (Émile) folds to the term; each of these, next to the
 * second "qqq" far from the first, makes the better window, which a
 * bound by the probes passed over (the snippet was the text's start). */
Test(search, snippets_pass_over_no_chunk_where_stems_or_folds_may_win)
{
    const char *const cases[][2] = {
        {"crying", "qqq cry"}, {"dying", "qqq die"}, {"Émile", "qqq emile"},
        {"ＸＹＺ", "qqq xyz"}, {"SKIES", "qqq sky"}, {"using", "qqq use"}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char *text = text_with_pair_after(160, cases[c][0]);
        char *snippet = NULL;
        size_t highlights = 0;
        snippet_of(text, cases[c][1], &snippet, &highlights);
        char both[64];
        snprintf(both, sizeof both, "%s qqq", cases[c][0]);
        cr_expect_eq(highlights, 2, "%s: %s", cases[c][1], snippet);
        cr_expect_neq(strstr(snippet, both), NULL, "%s: %s", cases[c][1], snippet);
        free(snippet);
        free(text);
    }
}

Test(search, snippets_find_words_with_diacritics_after_their_first_letter)
{
    /* "jon" as written nowhere but in "Jón" (its letters after the J are
     * not ASCII), after a chunk where its probe is only inside words
     * ("majong") and plain words: the snippet's filter lets the chunk of
     * Jón be analysed (it skipped it, and showed the text's beginning
     * unhighlighted) and the word is highlighted. */
    char text[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(text, "majong tiles ");
    for (int i = 0; i < 100; i++)
        strcat(text, "plain words ");
    strcat(text, "\nthen J\xc3\xb3n played for the team.\n");
    named_text texts[] = {{"jon.txt", text}};
    fixture f;
    build_corpus(&f, texts, 1);
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "jon", &options, &results, &err), 0, "%s", err.message);
    cr_assert_eq(cops_results_count(results), 1);
    const cops_hit *hit = cops_results_hit(results, 0);
    cr_assert_eq(hit->highlight_count, 1, "%s", hit->snippet);
    cr_expect_eq(strncmp(hit->snippet + hit->highlights[0].start, "J\xc3\xb3n", 4), 0, "%s",
                 hit->snippet);
    cops_results_free(results);
    free_fixture(&f);
}

typedef struct error_case {
    const char *query;
    int code;
    size_t column;
} error_case;

static const error_case errors[] = {
    {"sanctuary AND", COPS_ESYNTAX, 11},
    {"AND x", COPS_ESYNTAX, 1},
    {"a)", COPS_ESYNTAX, 2},
    {"(a", COPS_ESYNTAX, 1},
    {"a \"b c", COPS_ESYNTAX, 3},
    {"", COPS_ESYNTAX, 1},
    {"   ", COPS_ESYNTAX, 1},
    {"café )", COPS_ESYNTAX, 6},
    {"a NEAR b*", COPS_ESYNTAX, 8},
    {"date:2017-13", COPS_ESYNTAX, 6},
    {"a NEAR/1001 b", COPS_ELIMIT, 0},
};

Test(search, errors)
{
    fixture f;
    build_corpus(&f, news, 2);
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        cops_results *results = (cops_results *)&f; /* must be reset to NULL */
        cops_error err = {0};
        int rc = cops_search(f.index, errors[i].query, NULL, &results, &err);
        cr_expect_eq(rc, errors[i].code, "query '%s': %d", errors[i].query, rc);
        cr_expect_eq(err.code, errors[i].code);
        cr_expect_eq(err.column, errors[i].column, "query '%s': column %zu", errors[i].query,
                     err.column);
        cr_expect_null(results);
        cr_expect_neq(err.message[0], 0);
    }
    cops_search_options options;
    cops_search_options_init(&options);
    options.b = 2.0;
    cops_results *results = NULL;
    cr_expect_eq(cops_search(f.index, "grant", &options, &results, NULL), COPS_EINVAL);
    free_fixture(&f);

    char *empty = testlib_tempdir("noindex");
    cops_index *index = (cops_index *)empty;
    cops_error err = {0};
    cr_expect_eq(cops_index_open(empty, &index, &err), COPS_ENOINDEX);
    cr_expect_null(index);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/not-there", empty);
    cr_expect_eq(cops_index_open(missing, &index, &err), COPS_ENOINDEX);
    cr_expect_eq(err.code, COPS_ENOINDEX);
    testlib_remove_tree(empty);
}

Test(search, bundled_corpus)
{
    const char *srcdir = getenv("COPS_SRCDIR");
    cr_assert_not_null(srcdir, "COPS_SRCDIR is set by the test harness");
    static const char *names[] = {"000_4e5969b0988905d5.txt", "004_031d097c15b01f4d.txt"};
    named_text texts[2];
    uint8_t *data[2];
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/corpus/%s", srcdir, names[i]);
        size_t length;
        data[i] = testlib_read_file(path, &length);
        cr_assert_not_null(data[i], "cannot read %s", path);
        texts[i].name = names[i];
        texts[i].text = (const char *)data[i];
    }
    fixture f;
    build_corpus(&f, texts, 2);
    uint64_t total;
    char *got = run(&f, "sanctuary AND grant", NULL, 1, &total);
    cr_expect_str_eq(got, "000_4e5969b0988905d5 004_031d097c15b01f4d");
    cr_expect_eq(total, 2);
    free(got);
    free_fixture(&f);
    free(data[0]);
    free(data[1]);
}

/* Pseudo-relevance feedback (query/feedback.h).  "car" is in m1, m2 and
 * m3; m2 and m3 tie on it (same tf, same length), so without feedback m2
 * ranks first by document number.  m1, the top hit, is about engines and
 * pistons: with it as the feedback document, m3 (which shares them) moves
 * above m2.  The matches and their count stay the query's own. */
static const named_text motors[] = {
    {"m1.txt", "Cars\ncar engine piston engine piston car\n"},
    {"m2.txt", "Fruit\ncar banana fruit salad\n"},
    {"m3.txt", "Motors\ncar engine piston valve\n"},
    {"m4.txt", "Boats\nboat sail harbor wind\n"},
};

Test(search, feedback_reorders_the_matches_only)
{
    fixture f;
    build_corpus(&f, motors, sizeof motors / sizeof motors[0]);
    cops_search_options options;
    cops_search_options_init(&options);
    uint64_t total;
    char *plain = run(&f, "car", &options, 0, &total);
    cr_expect_str_eq(plain, "m1 m2 m3");
    cr_expect_eq(total, 3);
    free(plain);

    /* By default only a query of 10 words or more gets feedback. */
    char *nine = run(&f, "car car car car car car car car car", &options, 0, &total);
    cr_expect_str_eq(nine, "m1 m2 m3", "a 9-word query gets no feedback: got %s", nine);
    free(nine);
    char *ten = run(&f, "car car car car car car car car car car", &options, 0, &total);
    cr_expect_str_eq(ten, "m1 m3 m2", "a 10-word query gets feedback: got %s", ten);
    cr_expect_eq(total, 3, "feedback adds no match");
    free(ten);

    options.feedback_documents = 1;
    options.feedback_query_length = 1; /* every query */
    char *expanded = run(&f, "car", &options, 0, &total);
    cr_expect_str_eq(expanded, "m1 m3 m2", "feedback from m1 lifts m3: got %s", expanded);
    cr_expect_eq(total, 3, "feedback adds no match");
    free(expanded);

    /* Pruned top 2 = the exhaustive ranking's first 2 (op-scale.c bounds). */
    options.limit = 2;
    options.exact_total = 0;
    char *pruned = run(&f, "car", &options, 0, NULL);
    cr_expect_str_eq(pruned, "m1 m3");
    free(pruned);

    /* --explain names the added words and their factors. */
    options.explain = 1;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(f.index, "car", &options, &results, &err), 0, "%s", err.message);
    const char *why = cops_results_hit(results, 1)->explanation;
    cr_assert_not_null(why);
    cr_expect(strstr(why, "feedback engine, times ") != NULL, "explanation: %s", why);
    cr_expect(strstr(why, "feedback piston, times ") != NULL, "explanation: %s", why);
    cops_results_free(results);

    options.feedback_weight = 1.5;
    cr_expect_eq(cops_search(f.index, "car", &options, &results, &err), COPS_EINVAL);
    options.feedback_weight = 0.5;
    options.feedback_documents = 1001;
    cr_expect_eq(cops_search(f.index, "car", &options, &results, &err), COPS_EINVAL);
    free_fixture(&f);
}

/* matcher_count_bits (the popcount of a window, by the processor's
 * instruction where it has one) against a bit-by-bit count, on words
 * empty, full and random, of every length up to a window. */
Test(search, window_bits_counted_as_bit_by_bit)
{
    uint64_t words[MATCHER_WINDOW / 64];
    uint64_t state = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < MATCHER_WINDOW / 64; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        words[i] = i % 5 == 0 ? 0 : i % 7 == 0 ? UINT64_MAX : state;
    }
    for (size_t count = 0; count <= MATCHER_WINDOW / 64; count++) {
        uint64_t expected = 0;
        for (size_t i = 0; i < count; i++)
            for (unsigned bit = 0; bit < 64; bit++)
                expected += words[i] >> bit & 1;
        cr_assert_eq(matcher_count_bits(words, count), expected, "%zu words", count);
    }
}

/* Counting by bitset windows (query/search.c, matcher_fill_window) over
 * several windows of MATCHER_WINDOW (4096) documents, with deleted
 * documents: record i holds "three", "five", "seven" when 3, 5, 7 divide
 * it, "fixed" when 4 does and "rare" when 997 does, so every count is
 * known. */
typedef struct count_case {
    const char *query;
    int (*matches)(unsigned i);
} count_case;

static int or_three_five_seven(unsigned i) { return i % 3 == 0 || i % 5 == 0 || i % 7 == 0; }
static int three_and_five(unsigned i) { return i % 15 == 0; }
static int three_and_five_not_seven(unsigned i) { return i % 15 == 0 && i % 7 != 0; }
static int three_and_rare(unsigned i) { return i % (3 * 997) == 0; }
static int rare_or_three_and_seven(unsigned i) { return i % 997 == 0 || i % 21 == 0; }
static int five_not_three(unsigned i) { return i % 5 == 0 && i % 3 != 0; }
static int rare_or_seven_not_five(unsigned i) { return i % 997 == 0 || (i % 7 == 0 && i % 5); }
static int five_or_rare_not_three(unsigned i) { return i % 5 == 0 || (i % 997 == 0 && i % 3); }
static int not_three(unsigned i) { return i % 3 != 0; }
static int fi_prefix(unsigned i) { return i % 5 == 0 || i % 4 == 0; }
static int fi_prefix_not_seven(unsigned i) { return fi_prefix(i) && i % 7 != 0; }

/* Index `records` records "r0".. (record i's text written by text(out,
 * i)), delete every `deleted_every`-th (a deletion bitmap to mask) and
 * open the index. */
static void build_records_with_deletions(fixture *f, unsigned records, unsigned deleted_every,
                                         void (*text)(FILE *out, unsigned i),
                                         void (*title)(FILE *out, unsigned i))
{
    char input[512];
    snprintf(input, sizeof input, "%s/records.jsonl", f->dir);
    FILE *out = fopen(input, "w");
    cr_assert_not_null(out);
    for (unsigned i = 0; i < records; i++) {
        fprintf(out, "{\"id\":\"r%u\",", i);
        if (title) {
            fputs("\"title\":\"", out);
            title(out, i);
            fputs("\",", out);
        }
        fputs("\"text\":\"", out);
        text(out, i);
        fputs("\"}\n", out);
    }
    cr_assert_eq(fclose(out), 0);
    cops_build_summary summary;
    build_index(f, input, &summary);
    cr_assert_eq(summary.documents, records);
    cops_build_options build;
    cops_build_options_init(&build);
    build.threads = 1;
    cops_error err = {0};
    size_t deleted_count = 0;
    char (*ids)[16] = calloc(records / deleted_every + 1, sizeof *ids);
    const char **deleted = calloc(records / deleted_every + 1, sizeof *deleted);
    cr_assert(ids && deleted);
    for (unsigned i = 0; i < records; i += deleted_every) {
        snprintf(ids[deleted_count], sizeof ids[0], "r%u", i);
        deleted[deleted_count] = ids[deleted_count];
        deleted_count++;
    }
    build.delete_by_id = 1;
    cr_assert_eq(cops_build(f->index_dir, deleted, deleted_count, &build, &summary, &err), 0,
                 "%s", err.message);
    cr_assert_eq(summary.inputs_missing, 0, "every identifier deleted");
    free(ids);
    free(deleted);
    cr_assert_eq(cops_index_open(f->index_dir, &f->index, &err), 0, "%s", err.message);
}

static void counting_text(FILE *out, unsigned i)
{
    fprintf(out, "word%s%s%s%s%s", i % 3 ? "" : " three", i % 5 ? "" : " five",
            i % 7 ? "" : " seven", i % 997 ? "" : " rare", i % 4 ? "" : " fixed");
}

Test(search, counts_by_windows_are_exact, .timeout = 60)
{
    enum { RECORDS = 10007, DELETED_EVERY = 11 };
    fixture f = {.dir = testlib_tempdir("search")};
    build_records_with_deletions(&f, RECORDS, DELETED_EVERY, counting_text, NULL);
    cops_error err = {0};

    static const count_case cases[] = {
        {"three OR five OR seven", or_three_five_seven},
        {"three five", three_and_five},
        {"three five -seven", three_and_five_not_seven},
        {"three rare", three_and_rare},
        {"rare OR (three seven)", rare_or_three_and_seven},
        {"five -three", five_not_three},
        /* "word" (every record) is too dense to fill: probed instead */
        {"rare OR (seven word -five)", rare_or_seven_not_five},
        /* a leader too sparse in its windows: the others probed */
        {"five OR (rare -three)", five_or_rare_not_three},
        /* every document (a filter) less the excluded; a prefix's keys
         * blended */
        {"NOT three", not_three},
        {"fi*", fi_prefix},
        {"fi* -seven", fi_prefix_not_seven},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint64_t expected = 0;
        for (unsigned i = 0; i < RECORDS; i++)
            expected += i % DELETED_EVERY != 0 && cases[c].matches(i);
        cops_search_options options;
        cops_search_options_init(&options);
        options.count_only = 1;
        cops_results *results = NULL;
        cr_assert_eq(cops_search(f.index, cases[c].query, &options, &results, &err), 0, "%s",
                     err.message);
        cr_expect_eq(cops_results_total(results), expected, "--count '%s': %llu, expected %llu",
                     cases[c].query, (unsigned long long)cops_results_total(results),
                     (unsigned long long)expected);
        cops_results_free(results);
        /* the same total as the document-by-document count of a ranked search */
        options.count_only = 0;
        cr_assert_eq(cops_search(f.index, cases[c].query, &options, &results, &err), 0);
        cr_expect_eq(cops_results_total(results), expected, "'%s' ranked", cases[c].query);
        cops_results_free(results);
    }
    free_fixture(&f);
}

/* Every hit's id, title, date and source (kept together in chunks of the
 * result list, results.c keep_text): more text than one chunk holds, and
 * an id longer than a chunk, each the record's own. */
enum { KEPT_RECORDS = 300, KEPT_LONG_ID = 6000 };

/* `prefix` and i, then `padding` letters. */
static void kept_text(const char *prefix, unsigned i, size_t padding, char *out, size_t size)
{
    int n = snprintf(out, size, "%s%u-", prefix, i);
    for (size_t k = 0; k < padding && (size_t)n + k + 1 < size; k++)
        out[n + k] = (char)('a' + (i + k) % 26);
    out[(size_t)n + padding < size ? (size_t)n + padding : size - 1] = '\0';
}

Test(search, hits_keep_their_own_texts, .timeout = 60)
{
    fixture f = {.dir = testlib_tempdir("search")};
    char input[512];
    snprintf(input, sizeof input, "%s/records.jsonl", f.dir);
    FILE *out = fopen(input, "w");
    cr_assert_not_null(out);
    static char id[KEPT_LONG_ID + 64], title[128];
    for (unsigned i = 0; i < KEPT_RECORDS; i++) {
        kept_text("r", i, i == 7 ? KEPT_LONG_ID : 0, id, sizeof id);
        kept_text("Record ", i, i % 50, title, sizeof title);
        fprintf(out, "{\"id\":\"%s\",\"title\":\"%s\",", id, title);
        if (i % 3 == 0)
            fprintf(out, "\"date\":\"2001-02-%02u\",", 1 + i % 28);
        fprintf(out, "\"text\":\"word number %u\"}\n", i);
    }
    cr_assert_eq(fclose(out), 0);
    cops_build_summary summary;
    build_index(&f, input, &summary);
    cops_error err = {0};
    cr_assert_eq(cops_index_open(f.index_dir, &f.index, &err), 0, "%s", err.message);
    cops_search_options options;
    cops_search_options_init(&options);
    options.snippets = 0;
    options.limit = KEPT_RECORDS;
    cops_results *results = NULL;
    cr_assert_eq(cops_search(f.index, "word", &options, &results, &err), 0, "%s", err.message);
    cr_assert_eq(cops_results_count(results), KEPT_RECORDS);
    int seen[KEPT_RECORDS] = {0};
    for (size_t h = 0; h < KEPT_RECORDS; h++) {
        const cops_hit *hit = cops_results_hit(results, h);
        unsigned i;
        cr_assert_eq(sscanf(hit->id, "r%u", &i), 1, "id %s", hit->id);
        cr_assert_lt(i, KEPT_RECORDS);
        seen[i]++;
        kept_text("r", i, i == 7 ? KEPT_LONG_ID : 0, id, sizeof id);
        cr_assert_str_eq(hit->id, id, "record %u", i);
        kept_text("Record ", i, i % 50, title, sizeof title);
        cr_assert_str_eq(hit->title, title, "record %u", i);
        char date[16];
        snprintf(date, sizeof date, "2001-02-%02u", 1 + i % 28);
        if (i % 3 == 0)
            cr_assert_str_eq(hit->date, date, "record %u", i);
        else
            cr_assert_null(hit->date, "record %u", i);
        cr_assert_not_null(hit->source_file);
        cr_assert_str_eq(hit->source_file, input);
        cr_assert_eq(hit->source_line, i + 1, "record %u", i);
    }
    for (unsigned i = 0; i < KEPT_RECORDS; i++)
        cr_assert_eq(seen[i], 1, "record %u", i);
    cops_results_free(results);
    free_fixture(&f);
}

/* Record i: "three" (1 + i % 4 times) when 3 divides it, "five" (1 + i %
 * 2 times) when 5 does, "seven" when 7 does, and i % 13 filler words: so
 * scores vary, with ties among records alike. */
static void ranking_text(FILE *out, unsigned i)
{
    fputs("word", out);
    for (unsigned k = 0; i % 3 == 0 && k < 1 + i % 4; k++)
        fputs(" three", out);
    for (unsigned k = 0; i % 5 == 0 && k < 1 + i % 2; k++)
        fputs(" five", out);
    if (i % 7 == 0)
        fputs(" seven", out);
    for (unsigned k = 0; k < i % 13; k++)
        fputs(" filler", out);
}

/* The top hits with an exact total (the default) of a disjunction, of
 * many postings or of few, count the total apart and take the hits from the pruned
 * search (query/search.c, count_apart): the same total, hits and scores
 * (to the bit) as the same query scoring every match, which an exclusion
 * of an absent word forces (a conjunction is not counted apart). */
Test(search, exact_totals_counted_apart_change_nothing, .timeout = 60)
{
    enum { RECORDS = 12007, DELETED_EVERY = 11 };
    fixture f = {.dir = testlib_tempdir("search")};
    build_records_with_deletions(&f, RECORDS, DELETED_EVERY, ranking_text, NULL);
    static const char *const queries[] = {"three OR five", "three OR five OR seven",
                                          "five OR seven OR filler", "three OR seven OR (five filler)",
                                          "(three five) OR (five seven)"};
    static const size_t limits[] = {1, 10, 25};
    cops_error err = {0};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            cops_search_options options;
            cops_search_options_init(&options);
            options.snippets = 0;
            options.limit = limits[l];
            options.offset = l; /* 0, 1, 2 */
            char forced[128];
            snprintf(forced, sizeof forced, "(%s) -absentword", queries[q]);
            cops_results *apart = NULL, *every = NULL;
            cr_assert_eq(cops_search(f.index, queries[q], &options, &apart, &err), 0, "%s",
                         err.message);
            cr_assert_eq(cops_search(f.index, forced, &options, &every, &err), 0, "%s",
                         err.message);
            cr_assert_eq(cops_results_total(apart), cops_results_total(every), "'%s': %llu, "
                         "every match scored %llu", queries[q],
                         (unsigned long long)cops_results_total(apart),
                         (unsigned long long)cops_results_total(every));
            cr_assert_eq(cops_results_count(apart), options.limit);
            cr_assert_eq(cops_results_count(every), options.limit);
            for (size_t i = 0; i < options.limit; i++) {
                const cops_hit *a = cops_results_hit(apart, i), *b = cops_results_hit(every, i);
                cr_assert_eq(a->doc, b->doc, "'%s' limit %zu: rank %zu is document %u, %u when "
                             "every match is scored", queries[q], options.limit,
                             options.offset + i + 1, a->doc, b->doc);
                cr_assert(a->score == b->score, "'%s': score %.17g, %.17g when every match "
                          "is scored", queries[q], a->score, b->score);
            }
            cops_results_free(apart);
            cops_results_free(every);
        }
    free_fixture(&f);
}

/* Record i's body and title for the counts of a word through its keys'
 * postings: "common" in the body of every even record and the title of
 * every 37th (some of them odd: title only), "sparse" in the body of every
 * 97th and the title of every 5th (its title key the longer), "even" in
 * both fields alike (keys of equal length), "plain" in the body of every
 * 6th and no title. */
static void word_count_text(FILE *out, unsigned i)
{
    fprintf(out, "word%s%s%s%s", i % 2 ? "" : " common", i % 97 ? "" : " sparse",
            i % 3 ? "" : " even", i % 6 ? "" : " plain");
}

static void word_count_title(FILE *out, unsigned i)
{
    fprintf(out, "title%s%s%s", i % 37 ? "" : " common", i % 5 ? "" : " sparse",
            i % 3 ? "" : " even");
}

static int common_word(unsigned i) { return i % 2 == 0 || i % 37 == 0; }
static int sparse_word(unsigned i) { return i % 97 == 0 || i % 5 == 0; }
static int even_word(unsigned i) { return i % 3 == 0; }
static int plain_word(unsigned i) { return i % 6 == 0; }
static int title_common_or_sparse(unsigned i) { return i % 37 == 0 || i % 5 == 0; }
static int common_or_sparse(unsigned i) { return common_word(i) || sparse_word(i); }

/* A word's exact total from its two keys' postings (query/plan.h,
 * plan_count_two_terms: the longer key's live df less nothing counted
 * twice, plus the shorter's live documents the longer lacks), with
 * deleted records among the title-only ones, the body-only ones and the
 * ones in both: the total of every match, counted through the postings
 * where the shorter key is much shorter (either field), and the same
 * total from --count and from the top hits (counted apart, query/search.c)
 * whichever way it is counted. */
Test(search, word_totals_from_the_keys_postings, .timeout = 60)
{
    enum { RECORDS = 6007, DELETED_EVERY = 11 };
    fixture f = {.dir = testlib_tempdir("search")};
    build_records_with_deletions(&f, RECORDS, DELETED_EVERY, word_count_text, word_count_title);
    static const struct {
        count_case count;
        int by_postings; /* plan_count_two_terms counts it */
    } cases[] = {
        {{"common", common_word}, 1},
        {{"common^3", common_word}, 1},
        {{"sparse", sparse_word}, 1},
        {{"plain", plain_word}, 1},
        {{"title:common OR title:sparse^2", title_common_or_sparse}, 1},
        {{"absentword", NULL}, 1},
        {{"even", even_word}, 0},                 /* keys alike: by windows */
        {{"common OR sparse", common_or_sparse}, 0}, /* four keys */
    };
    cops_error err = {0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *text = cases[c].count.query;
        uint64_t expected = 0;
        for (unsigned i = 0; cases[c].count.matches && i < RECORDS; i++)
            expected += i % DELETED_EVERY != 0 && cases[c].count.matches(i);
        cops_search_options options;
        cops_search_options_init(&options);
        options.snippets = 0;
        query_node *tree = NULL;
        lower_plan *plan = NULL;
        cr_assert_eq(search_parse(text, &options, &tree, &err), 0, "%s", err.message);
        lower_options lowering = lower_options_from(&options);
        cr_assert_eq(lower_query(f.index->analyzer, tree, &lowering, &plan, &err), 0, "%s",
                     err.message);
        plan_cache cache = {0};
        uint64_t total = 0;
        int counted = plan_count_two_terms(f.index, 0, plan, &cache, &total, &err);
        cr_assert_eq(counted, cases[c].by_postings, "'%s': %d", text, counted);
        if (counted)
            cr_expect_eq(total, expected, "'%s' through the postings: %llu, expected %llu", text,
                         (unsigned long long)total, (unsigned long long)expected);
        plan_cache_free(&cache);
        lower_plan_free(plan);
        query_free(tree);
        for (int count_only = 0; count_only <= 1; count_only++) {
            options.count_only = count_only;
            cops_results *results = NULL;
            cr_assert_eq(cops_search(f.index, text, &options, &results, &err), 0, "%s",
                         err.message);
            cr_expect_eq(cops_results_total(results), expected, "'%s'%s: %llu, expected %llu",
                         text, count_only ? " --count" : "",
                         (unsigned long long)cops_results_total(results),
                         (unsigned long long)expected);
            cops_results_free(results);
        }
    }
    free_fixture(&f);
}

/* A short list of hits is put in rank order in line, a long one by qsort
 * (query/search.c, sort_by_rank): the first hits of a long list are the
 * short list, by score and by date, ties among records alike included. */
Test(search, short_and_long_hit_lists_rank_alike, .timeout = 60)
{
    enum { RECORDS = 3001, DELETED_EVERY = 11 };
    fixture f = {.dir = testlib_tempdir("search")};
    build_records_with_deletions(&f, RECORDS, DELETED_EVERY, ranking_text, NULL);
    static const char *const queries[] = {"three", "three OR five", "five seven", "filler"};
    static const cops_sort sorts[] = {COPS_SORT_RELEVANCE, COPS_SORT_DATE_NEWEST};
    cops_error err = {0};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        for (size_t o = 0; o < sizeof sorts / sizeof sorts[0]; o++) {
            cops_search_options options;
            cops_search_options_init(&options);
            options.snippets = 0;
            options.sort = sorts[o];
            cops_results *short_list = NULL, *long_list = NULL;
            options.limit = 10;
            cr_assert_eq(cops_search(f.index, queries[q], &options, &short_list, &err), 0, "%s",
                         err.message);
            options.limit = 200;
            cr_assert_eq(cops_search(f.index, queries[q], &options, &long_list, &err), 0, "%s",
                         err.message);
            cr_assert_eq(cops_results_count(short_list), 10, "'%s'", queries[q]);
            cr_assert_gt(cops_results_count(long_list), 32, "'%s': qsort's side", queries[q]);
            for (size_t i = 0; i < 10; i++) {
                const cops_hit *a = cops_results_hit(short_list, i);
                const cops_hit *b = cops_results_hit(long_list, i);
                cr_assert_eq(a->doc, b->doc, "'%s' sort %d rank %zu: %u, %u in the long list",
                             queries[q], (int)sorts[o], i + 1, a->doc, b->doc);
                cr_assert(a->score == b->score, "'%s' rank %zu", queries[q], i + 1);
            }
            for (size_t i = 1; i < cops_results_count(long_list); i++)
                if (sorts[o] == COPS_SORT_RELEVANCE)
                    cr_assert_geq(cops_results_hit(long_list, i - 1)->score,
                                  cops_results_hit(long_list, i)->score);
            cops_results_free(short_list);
            cops_results_free(long_list);
        }
    free_fixture(&f);
}

/* The date histogram (cops_search_options.date_histogram) against a brute
 * force: record i of HISTOGRAM_RECORDS is dated in month i % 720 of the
 * years 1960 to 2019 (day 1 + i % 28), but undated when 13 divides it;
 * it holds "three" when 3 divides it; every 11th is deleted; the records
 * are split between two indexes searched as one.  Each month's count is
 * checked against the arithmetic and against a date: range search. */
enum { HISTOGRAM_RECORDS = 6000, HISTOGRAM_DELETED_EVERY = 11 };

static uint32_t histogram_month(unsigned i)
{
    return i % 13 == 0 ? 0 : (1960 + (i % 720) / 12) * 100 + 1 + (i % 720) % 12;
}

/* Index records [first, end) into `dir`, then delete every 11th. */
static void build_histogram_index(const char *dir, const char *input, unsigned first, unsigned end)
{
    FILE *out = fopen(input, "w");
    cr_assert_not_null(out);
    for (unsigned i = first; i < end; i++) {
        uint32_t month = histogram_month(i);
        char date[32] = "";
        if (month)
            snprintf(date, sizeof date, "\"date\":\"%04u-%02u-%02u\",", month / 100, month % 100,
                     1 + i % 28);
        fprintf(out, "{\"id\":\"h%u\",%s\"text\":\"word%s\"}\n", i, date, i % 3 ? "" : " three");
    }
    cr_assert_eq(fclose(out), 0);
    cops_build_options build;
    cops_build_options_init(&build);
    build.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(dir, inputs, 1, &build, &summary, &err), 0, "%s", err.message);
    static char ids[HISTOGRAM_RECORDS / HISTOGRAM_DELETED_EVERY + 1][16];
    const char *deleted[HISTOGRAM_RECORDS / HISTOGRAM_DELETED_EVERY + 1];
    size_t count = 0;
    for (unsigned i = first; i < end; i++)
        if (i % HISTOGRAM_DELETED_EVERY == 0) {
            snprintf(ids[count], sizeof ids[0], "h%u", i);
            deleted[count] = ids[count];
            count++;
        }
    build.delete_by_id = 1;
    cr_assert_eq(cops_build(dir, deleted, count, &build, &summary, &err), 0, "%s", err.message);
    cr_assert_eq(summary.inputs_missing, 0);
}

static uint64_t count_query(cops_index *index, const char *query)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(index, query, &options, &results, &err), 0, "%s: %s", query,
                 err.message);
    uint64_t total = cops_results_total(results);
    cops_results_free(results);
    return total;
}

/* The histogram of `query` against the records `matches` selects (asked
 * for with count_only when `count_only`, else alone). */
static void expect_histogram(cops_index *index, const char *query, int count_only,
                             int (*matches)(unsigned i))
{
    static uint64_t expected[60 * 12];
    memset(expected, 0, sizeof expected);
    uint64_t undated = 0, total = 0;
    for (unsigned i = 0; i < HISTOGRAM_RECORDS; i++) {
        if (i % HISTOGRAM_DELETED_EVERY == 0 || !matches(i))
            continue;
        uint32_t month = histogram_month(i);
        total++;
        if (month)
            expected[(month / 100 - 1960) * 12 + month % 100 - 1]++;
        else
            undated++;
    }
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = count_only;
    options.exact_total = 0; /* a histogram counts every match anyway */
    options.limit = 5;
    options.date_histogram = 1;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(index, query, &options, &results, &err), 0, "%s", err.message);
    cr_expect_eq(cops_results_total(results), total, "'%s': total", query);
    cr_expect(cops_results_total_is_exact(results));
    cr_expect_eq(cops_results_count(results), 0, "'%s': a histogram returns no hits", query);
    const cops_date_bucket *months;
    uint64_t got_undated;
    size_t count = cops_results_date_histogram(results, &months, &got_undated);
    cr_expect_eq(got_undated, undated, "'%s': %llu undated, expected %llu", query,
                 (unsigned long long)got_undated, (unsigned long long)undated);
    size_t held = 0;
    for (size_t m = 0; m < 60 * 12; m++)
        held += expected[m] > 0;
    cr_assert_eq(count, held, "'%s': %zu months, expected %zu", query, count, held);
    size_t at = 0;
    for (size_t m = 0; m < 60 * 12; m++) {
        if (!expected[m])
            continue;
        uint32_t month = (uint32_t)(1960 + m / 12) * 100 + (uint32_t)(m % 12) + 1;
        cr_assert_eq(months[at].month, month, "'%s': month %zu is %u, expected %u", query, at,
                     months[at].month, month);
        cr_expect_eq(months[at].count, expected[m], "'%s' in %u", query, month);
        char filtered[128];
        snprintf(filtered, sizeof filtered, "(%s) date:%04u-%02u", query, month / 100,
                 month % 100);
        cr_expect_eq(months[at].count, count_query(index, filtered), "'%s' by date:", filtered);
        at++;
    }
    cops_results_free(results);
}

static int every_record(unsigned i) { (void)i; return 1; }
static int no_record(unsigned i) { (void)i; return 0; }
static int three_only(unsigned i) { return i % 3 == 0; }
/* A key's document frequency leaves out its deleted documents, whether
 * counted by walking its postings (a short list) or by probing them at
 * each deleted document (a long one), and the count the index then
 * remembers (query/index.c, deleted_counts) gives the same df when asked
 * again, for every key in turn. */
static int rare_records(unsigned i) { return i % 997 == 0; }
static int five_records(unsigned i) { return i % 5 == 0; }

Test(search, document_frequency_without_deleted_is_stable, .timeout = 60)
{
    enum { RECORDS = 10007, DELETED_EVERY = 11 };
    fixture f = {.dir = testlib_tempdir("search")};
    build_records_with_deletions(&f, RECORDS, DELETED_EVERY, counting_text, NULL);
    static const struct {
        const char *key;
        int (*matches)(unsigned i);
    } keys[] = {{"rare", rare_records}, {"three", three_only}, {"five", five_records},
                {"word", every_record}, {"absent", NULL}};
    cops_error err = {0};
    for (int pass = 0; pass < 3; pass++)
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            int64_t expected = 0;
            for (unsigned i = 0; keys[k].matches && i < RECORDS; i++)
                expected += i % DELETED_EVERY != 0 && keys[k].matches(i);
            int64_t df = index_document_frequency(f.index, (const uint8_t *)keys[k].key,
                                                  strlen(keys[k].key), &err);
            cr_expect_eq(df, expected, "pass %d, df(%s) = %lld, expected %lld", pass, keys[k].key,
                         (long long)df, (long long)expected);
        }
    free_fixture(&f);
}

/* A hostile dictionary may give two keys one postings record (two
 * entries at one offset, with their own df).  The remembered deleted
 * count is found by the record's address, so the second key may be handed
 * the first one's count: never one above its own df, which made its df
 * negative, a number the planner then took for an error status (here
 * -420: "word"'s 910 deleted documents taken from a df of 490). */
Test(search, document_frequency_of_a_key_sharing_a_record_is_never_negative, .timeout = 60)
{
    enum { RECORDS = 10007, DELETED_EVERY = 11 };
    fixture f = {.dir = testlib_tempdir("search")};
    build_records_with_deletions(&f, RECORDS, DELETED_EVERY, counting_text, NULL);
    cops_error err = {0};
    cr_assert_eq(f.index->segment_count, 1);
    segment_term word;
    cr_assert_eq(segment_lookup(f.index->segments[0], (const uint8_t *)"word", 4, &word, &err), 1);
    cr_assert_eq(index_document_frequency(f.index, (const uint8_t *)"word", 4, &err),
                 RECORDS - (RECORDS + DELETED_EVERY - 1) / DELETED_EVERY);
    /* the lying entry: "word"'s record under another key, with a df the
     * deleted documents outnumber */
    segment_term lying = word;
    lying.df = 490;
    int64_t df = index_document_frequency_known(f.index, (const uint8_t *)"lying", 5, 0, &lying,
                                                &err);
    cr_expect(df >= 0 || df == COPS_ECORRUPT, "df %lld", (long long)df);
    cr_expect(df <= (int64_t)lying.df, "df %lld", (long long)df);
    free_fixture(&f);
}

static int three_dated_before_1990(unsigned i)
{
    return i % 3 == 0 && histogram_month(i) && histogram_month(i) < 199000;
}

Test(search, date_histogram_counts_every_match_by_month, .timeout = 120)
{
    char *dir = testlib_tempdir("search");
    char first[512], second[512], input[512];
    snprintf(first, sizeof first, "%s/first", dir);
    snprintf(second, sizeof second, "%s/second", dir);
    snprintf(input, sizeof input, "%s/records.jsonl", dir);
    build_histogram_index(first, input, 0, HISTOGRAM_RECORDS / 2);
    build_histogram_index(second, input, HISTOGRAM_RECORDS / 2, HISTOGRAM_RECORDS);
    const char *dirs[] = {first, second};
    cops_index *index = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_index_open_many(dirs, 2, &index, &err), 0, "%s", err.message);
    expect_histogram(index, "word", 1, every_record);
    expect_histogram(index, "three", 1, three_only);
    expect_histogram(index, "three", 0, three_only);
    expect_histogram(index, "three date:..1989", 1, three_dated_before_1990);
    expect_histogram(index, "nothing", 1, no_record);
    /* without the option: no histogram */
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results = NULL;
    cr_assert_eq(cops_search(index, "word", &options, &results, &err), 0, "%s", err.message);
    const cops_date_bucket *months;
    uint64_t undated = 1;
    cr_expect_eq(cops_results_date_histogram(results, &months, &undated), 0);
    cr_expect(months == NULL && undated == 0);
    cops_results_free(results);
    cops_index_close(index);
    testlib_remove_tree(dir);
}

/* An index of one record for every month a date can name (years 1 to
 * 9999), newest first or oldest first, in `dir`/`name`. */
static cops_index *every_month_index(const char *dir, const char *name, int newest_first)
{
    char index_dir[512], input[512];
    snprintf(index_dir, sizeof index_dir, "%s/%s", dir, name);
    snprintf(input, sizeof input, "%s/%s.jsonl", dir, name);
    FILE *out = fopen(input, "w");
    cr_assert_not_null(out);
    for (unsigned k = 0; k < 9999 * 12; k++) {
        unsigned i = newest_first ? 9999 * 12 - 1 - k : k;
        fprintf(out, "{\"id\":\"r%u\",\"date\":\"%04u-%02u-15\",\"text\":\"ledger\"}\n", i,
                1 + i / 12, 1 + i % 12);
    }
    cr_assert_eq(fclose(out), 0);
    cops_build_options build;
    cops_build_options_init(&build);
    build.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(index_dir, inputs, 1, &build, &summary, &err), 0, "%s", err.message);
    cops_index *index = NULL;
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    return index;
}

/* The histogram of `index` (every_month_index): every month in order,
 * each counted once.  Returns the CPU seconds the search took. */
static double every_month_histogram(cops_index *index)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    options.date_histogram = 1;
    cops_results *results = NULL;
    cops_error err = {0};
    clock_t start = clock();
    cr_assert_eq(cops_search(index, "ledger", &options, &results, &err), 0, "%s", err.message);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    const cops_date_bucket *months;
    uint64_t undated;
    size_t count = cops_results_date_histogram(results, &months, &undated);
    cr_assert_eq(count, 9999 * 12, "%zu months", count);
    cr_expect_eq(undated, 0);
    for (size_t i = 0; i < count; i++) {
        uint32_t want = (uint32_t)(1 + i / 12) * 100 + (uint32_t)(i % 12) + 1;
        cr_assert_eq(months[i].month, want, "month %zu is %u, not %u", i, months[i].month, want);
        cr_assert_eq(months[i].count, 1, "%u counted %llu times", want,
                     (unsigned long long)months[i].count);
    }
    cops_results_free(results);
    return seconds;
}

/* Months met newest first, as a stranger's feed of records may be dated,
 * cost what months met oldest first do: the histogram kept its months
 * sorted while counting, so each month met before the others moved them
 * all (2.2 s of CPU per histogram of this index against 0.01 s oldest
 * first; 9.5 s wall through cops-serve's /facets at load 16); they are
 * now sorted once at the end.  CPU time, compared within the process. */
Test(search, date_histogram_of_every_month_met_newest_first, .timeout = 120)
{
    char *dir = testlib_tempdir("search");
    cops_index *oldest = every_month_index(dir, "oldest", 0);
    cops_index *newest = every_month_index(dir, "newest", 1);
    double in_order = every_month_histogram(oldest), reversed = every_month_histogram(newest);
    cr_expect_leq(reversed, 4 * in_order + 0.2, "newest first %.3f s, oldest first %.3f s",
                  reversed, in_order);
    cops_index_close(oldest);
    cops_index_close(newest);
    testlib_remove_tree(dir);
}

/* ---------------------------------------- records' lines, shared handle */

enum { LINE_RECORDS = 300, LINE_THREADS = 4 };

/* The word only record `i` of index `k` holds ("qa0012"; ending in a
 * digit, no stemmer changes it). */
static void line_word(unsigned k, unsigned i, char word[16])
{
    snprintf(word, 16, "q%c%04u", 'a' + k, i);
}

/* Index `k`'s file: LINE_RECORDS records, with blank lines between some
 * (so lines are not record numbers), indexed into `dir`; the line of
 * each record into lines[]. */
static void build_line_index(const char *dir, const char *input, unsigned k, uint64_t *lines)
{
    FILE *out = fopen(input, "w");
    cr_assert_not_null(out);
    uint64_t line = 1;
    for (unsigned i = 0; i < LINE_RECORDS; i++) {
        for (unsigned blank = 0; blank < i % 7 / 5; blank++, line++)
            fputc('\n', out);
        char word[16];
        line_word(k, i, word);
        fprintf(out, "{\"id\":\"r%u-%u\",\"text\":\"%s record\"}\n", k, i, word);
        lines[i] = line++;
    }
    cr_assert_eq(fclose(out), 0);
    cops_build_options build;
    cops_build_options_init(&build);
    build.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(dir, inputs, 1, &build, &summary, &err), 0, "%s", err.message);
}

typedef struct line_check {
    cops_index *index;          /* shared, searched by every thread */
    pthread_barrier_t *start;
    const uint64_t (*lines)[LINE_RECORDS];
    char files[2][4096];
    unsigned thread;
    int wrong;
} line_check;

/* Each thread looks up every record's line, starting at its own record,
 * right after the others start: the first hits race for the catalogs. */
static void *check_lines(void *argument)
{
    line_check *c = argument;
    pthread_barrier_wait(c->start);
    cops_search_options options;
    cops_search_options_init(&options);
    options.snippets = 0;
    for (unsigned n = 0; n < 2 * LINE_RECORDS; n++) {
        unsigned k = n % 2, i = (n / 2 + c->thread * 37) % LINE_RECORDS;
        char word[16];
        line_word(k, i, word);
        cops_results *results = NULL;
        cops_error err = {0};
        if (cops_search(c->index, word, &options, &results, &err) != 0
            || cops_results_count(results) != 1) {
            c->wrong++;
        } else {
            const cops_hit *hit = cops_results_hit(results, 0);
            c->wrong += !hit->source_file || strcmp(hit->source_file, c->files[k]) != 0
                        || hit->source_line != c->lines[k][i];
        }
        cops_results_free(results);
    }
    return NULL;
}

/* Records' files and lines are right from a handle of two indexes shared
 * by threads whose first searches start together (the catalogs are read
 * on the first hit that needs a line; run under TSan to see the
 * publication), again on each fresh handle. */
Test(search, record_lines_from_a_shared_handle, .timeout = 120)
{
    char *dir = testlib_tempdir("search");
    char index_dirs[2][512], inputs[2][512];
    static uint64_t lines[2][LINE_RECORDS];
    line_check checks[LINE_THREADS];
    memset(checks, 0, sizeof checks);
    for (unsigned k = 0; k < 2; k++) {
        snprintf(index_dirs[k], sizeof index_dirs[k], "%s/index-%u", dir, k);
        snprintf(inputs[k], sizeof inputs[k], "%s/records-%u.jsonl", dir, k);
        build_line_index(index_dirs[k], inputs[k], k, lines[k]);
        for (unsigned t = 0; t < LINE_THREADS; t++)
            cr_assert_not_null(realpath(inputs[k], checks[t].files[k]));
    }
    const char *dirs[] = {index_dirs[0], index_dirs[1]};
    for (int round = 0; round < 3; round++) {
        cops_index *index = NULL;
        cops_error err = {0};
        cr_assert_eq(cops_index_open_many(dirs, 2, &index, &err), 0, "%s", err.message);
        pthread_barrier_t start;
        cr_assert_eq(pthread_barrier_init(&start, NULL, LINE_THREADS), 0);
        pthread_t threads[LINE_THREADS];
        for (unsigned t = 0; t < LINE_THREADS; t++) {
            checks[t].index = index;
            checks[t].start = &start;
            checks[t].lines = (const uint64_t(*)[LINE_RECORDS])lines;
            checks[t].thread = t;
            checks[t].wrong = 0;
            cr_assert_eq(pthread_create(&threads[t], NULL, check_lines, &checks[t]), 0);
        }
        for (unsigned t = 0; t < LINE_THREADS; t++) {
            pthread_join(threads[t], NULL);
            cr_expect_eq(checks[t].wrong, 0, "round %d thread %u: %d records with a wrong source",
                         round, t, checks[t].wrong);
        }
        pthread_barrier_destroy(&start);
        cops_index_close(index);
    }
    testlib_remove_tree(dir);
}

/* A handle reads its catalog only when a hit first needs a line, but the
 * catalog of the state it opened: an update committed meanwhile (which
 * removes that catalog file) changes nothing for it. */
Test(search, record_lines_of_the_state_opened, .timeout = 60)
{
    char *dir = testlib_tempdir("search");
    char index_dir[512], input[512], real[4096], old_catalog[600];
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    snprintf(input, sizeof input, "%s/records.jsonl", dir);
    static uint64_t lines[LINE_RECORDS];
    build_line_index(index_dir, input, 0, lines);
    cr_assert_not_null(realpath(input, real));
    snprintf(old_catalog, sizeof old_catalog, "%s/files-000001.cat", index_dir);
    struct stat st;
    cr_assert_eq(stat(old_catalog, &st), 0, "the first build's catalog is %s", old_catalog);
    cops_index *index = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    /* the file rewritten with two lines more at its start: a fresh
     * build's lines all move */
    FILE *out = fopen(input, "w");
    cr_assert_not_null(out);
    fputs("\n\n", out);
    for (unsigned i = 0; i < LINE_RECORDS; i++) {
        char word[16];
        line_word(0, i, word);
        fprintf(out, "{\"id\":\"r0-%u\",\"text\":\"%s record\"}\n", i, word);
    }
    cr_assert_eq(fclose(out), 0);
    cops_build_options build;
    cops_build_options_init(&build);
    build.threads = 1;
    cops_build_summary summary;
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(index_dir, inputs, 1, &build, &summary, &err), 0, "%s", err.message);
    cr_expect_neq(stat(old_catalog, &st), 0, "the update removed the catalog the handle opened");
    cops_search_options options;
    cops_search_options_init(&options);
    options.snippets = 0;
    for (unsigned i = 0; i < LINE_RECORDS; i += 41) {
        char word[16];
        line_word(0, i, word);
        cops_results *results = NULL;
        cr_assert_eq(cops_search(index, word, &options, &results, &err), 0, "%s", err.message);
        cr_assert_eq(cops_results_count(results), 1, "%s", word);
        const cops_hit *hit = cops_results_hit(results, 0);
        cr_expect_str_eq(hit->source_file ? hit->source_file : "(none)", real);
        cr_expect_eq(hit->source_line, lines[i], "%s: line %llu, not %llu", word,
                     (unsigned long long)hit->source_line, (unsigned long long)lines[i]);
        cops_results_free(results);
    }
    cops_index_close(index);
    testlib_remove_tree(dir);
}

/* Feedback's table of terms (query/feedback.c) is keyed by the words of
 * strangers' documents: terms chosen offline so that the FNV-1a of every
 * one (the table's hash until then) ends in the same 12 bits must spread
 * over its slots, as the indexer's words do. */
Test(search, feedback_terms_chosen_to_collide_spread_over_the_slots, .timeout = 60)
{
    size_t buckets = testlib_chosen_keys_buckets("t", "", testlib_fnv1a_64, feedback_term_hash);
    cr_expect_gt(buckets, 1000, "%zu buckets", buckets);
}

/* Pair keys (index-format/pairs.h): a body phrase of two common words
 * ("in the") is counted from the key of its pair, which holds exactly the
 * documents where the words stand side by side in the body, and which
 * no term walk, statistic or prefix ever shows. */
static const named_text pairs[] = {
    {"p1.txt", "Notes\nthe cat sat in the hat and in the sun\n"},
    {"p2.txt", "In the news\nnothing in here; the in crowd\n"},
    {"p3.txt", "Other\nin\nthe: broken by a line is still adjacent\n"},
    {"p4.txt", "More\nthe in in the of the\n"},
    {"p5.txt", "Last\nin a the; in, a hat\n"},
};

static int count_any_key(void *context, const uint8_t *key, size_t key_length,
                         const segment_term *term)
{
    (void)key, (void)key_length, (void)term;
    ++*(uint64_t *)context;
    return 0;
}

static int count_pair_keys(void *context, const uint8_t *key, size_t key_length,
                           const segment_term *term)
{
    (void)term;
    *(uint64_t *)context += pair_key_is(key, key_length);
    return 0;
}

Test(search, pair_keys_hold_exactly_the_phrase_documents)
{
    fixture f;
    build_corpus(&f, pairs, sizeof pairs / sizeof pairs[0]);
    segment *seg = f.index->segments[0];
    const pair_words *words = &segment_get_meta(seg)->pairs;
    int in = pair_words_find(words, "in", 2), the = pair_words_find(words, "the", 3);
    cr_assert(in >= 0 && the >= 0, "the segment lists its pair words");
    uint8_t key[2 + 2 * PAIR_WORD_MAX_BYTES];
    segment_term term;
    cops_error err = {0};
    cr_assert_eq(segment_lookup(seg, key, pair_key_make(words, in, the, key), &term, &err), 1);
    /* a body holds its title's line: p1 to p4, each once */
    cr_assert_eq(term.df, 4);
    cr_assert_eq(term.cf, 4);
    cr_assert_eq(segment_lookup(seg, key, pair_key_make(words, the, in, key), &term, &err), 1);
    cr_assert_eq(term.df, 3, "the in: p2, p4 and p5's \"the; in\"");
    /* p5's "in, a" is adjacent too (punctuation is no gap) */
    int a = pair_words_find(words, "a", 1);
    cr_assert_eq(segment_lookup(seg, key, pair_key_make(words, in, a, key), &term, &err), 1);
    cr_assert_eq(term.df, 1);
    cr_assert_eq(term.cf, 1, "once a document, however often");
    /* counted from the key: p1 to p4 */
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    uint64_t total = 0;
    free(run(&f, "\"in the\"", &options, 0, &total));
    cr_assert_eq(total, 4);
    cops_search_options_init(&options); /* the default: top hits and an exact total */
    cr_assert_str_eq(run(&f, "\"in the\"", &options, 1, &total), "p1 p2 p3 p4");
    cr_assert_eq(total, 4);
    free(run(&f, "\"the in\"", NULL, 0, &total));
    cr_assert_eq(total, 3);
    /* hidden: the statistics count the words' keys only (those of the
     * five titles and bodies), and no prefix reaches a pair key */
    cops_index_stats stats;
    cr_assert_eq(cops_index_stats_get(f.index, &stats, &err), 0, "%s", err.message);
    cr_assert_eq(stats.terms, segment_get_meta(seg)->terms);
    uint64_t keys = 0, pair_keys = 0;
    cr_assert_eq(segment_scan_prefix(seg, (const uint8_t *)"", 0, count_pair_keys, &pair_keys,
                                     &err), 0);
    cr_assert_eq(segment_scan_prefix(seg, (const uint8_t *)"", 0, count_any_key, &keys, &err), 0);
    cr_assert_gt(pair_keys, 0);
    cr_assert_eq(stats.terms, keys - pair_keys);
    free_fixture(&f);
}

/* A key of `seg` as an unscored term matcher (the key must
 * exist). */
static matcher *key_term(segment *seg, const uint8_t *key, size_t length)
{
    segment_term term;
    cops_error err = {0};
    cr_assert_eq(segment_lookup(seg, key, length, &term, &err), 1, "key %.*s", (int)length,
                 (const char *)key);
    bm25_term unscored;
    memset(&unscored, 0, sizeof unscored);
    matcher *m = matcher_term(seg, &term, &unscored, 0, "key");
    cr_assert_not_null(m);
    return m;
}

/* The phrase "in the" over the pairs corpus, filtered by the key of
 * "the in" (matcher_phrase_filter), whose documents are not the
 * phrase's: what each walk finds shows that a candidate missing from the
 * filter is left, and that with `decide` no position is read.  Counted by
 * next_geq (the cursors' walk), by windows, and by the general walk
 * (approximate_next_geq and confirm). */
static void count_filtered(segment *seg, int decide, int filtered, uint32_t *walked,
                           uint32_t *windowed, uint32_t *confirmed)
{
    matcher *m[3];
    for (int walk = 0; walk < 3; walk++) {
        matcher *words[2] = {key_term(seg, (const uint8_t *)"in", 2),
                             key_term(seg, (const uint8_t *)"the", 3)};
        uint32_t offsets[2] = {0, 1};
        m[walk] = matcher_positional(words, offsets, 2, 0, 0, 0);
        cr_assert_not_null(m[walk]);
        if (filtered) {
            const pair_words *list = &segment_get_meta(seg)->pairs;
            uint8_t key[2 + 2 * PAIR_WORD_MAX_BYTES];
            size_t length = pair_key_make(list, pair_words_find(list, "the", 3),
                                          pair_words_find(list, "in", 2), key);
            matcher *filter = key_term(seg, key, length);
            cr_assert_eq(matcher_phrase_filter(m[walk], &filter, 1, decide), m[walk]);
        }
    }
    *walked = *windowed = *confirmed = 0;
    for (uint32_t doc = matcher_next_geq(m[0], 0); doc != MATCHER_END;
         doc = matcher_next_geq(m[0], doc + 1))
        ++*walked;
    uint64_t window[MATCHER_WINDOW / 64] = {0};
    matcher_fill_window(m[1], window, 0, segment_documents(seg));
    for (size_t w = 0; w < MATCHER_WINDOW / 64; w++)
        *windowed += (uint32_t)__builtin_popcountll(window[w]);
    for (uint32_t doc = m[2]->ops->approximate_next_geq(m[2], 0); doc != MATCHER_END;
         doc = m[2]->ops->approximate_next_geq(m[2], doc + 1))
        *confirmed += (uint32_t)m[2]->ops->confirm(m[2]);
    for (int walk = 0; walk < 3; walk++)
        matcher_free(m[walk]);
}

Test(search, a_phrase_filtered_by_pair_keys_reads_positions_only_where_every_filter_holds)
{
    fixture f;
    build_corpus(&f, pairs, sizeof pairs / sizeof pairs[0]);
    segment *seg = f.index->segments[0];
    uint32_t walked, windowed, confirmed;
    /* unfiltered: p1 to p4 */
    count_filtered(seg, 0, 0, &walked, &windowed, &confirmed);
    cr_assert(walked == 4 && windowed == 4 && confirmed == 4, "%u %u %u", walked, windowed,
              confirmed);
    /* "the in" holds p2, p4 and p5: p1 and p3 are left unread, and p5
     * fails its positions */
    count_filtered(seg, 0, 1, &walked, &windowed, &confirmed);
    cr_assert(walked == 2 && windowed == 2 && confirmed == 2, "%u %u %u", walked, windowed,
              confirmed);
    /* deciding, the filter is trusted: p5, which has both words, is in
     * (a pair key holds exactly its phrase's documents, never another's) */
    count_filtered(seg, 1, 1, &walked, &windowed, &confirmed);
    cr_assert(walked == 3 && windowed == 3 && confirmed == 3, "%u %u %u", walked, windowed,
              confirmed);
    free_fixture(&f);
}

/* An embedding program's NULL where cops.h asks for an object, a string
 * or an OUT pointer: COPS_EINVAL naming the argument, never a crash (the
 * calls that checked some arguments, cops_document_get and the query,
 * crashed on the others). */
static void count_term(void *context, const char *term, uint32_t position)
{
    (void)term;
    (void)position;
    (*(size_t *)context)++;
}

Test(search, null_arguments_are_errors)
{
    fixture f = {0};
    build_corpus(&f, news, 3);
    cops_error err = {0};
    cops_index *index = NULL;
    cops_results *results = NULL;
    cops_document *document = NULL;
    cops_index_stats stats;
    char **strings = NULL;
    size_t count = 0;
    const char *dirs[] = {f.index_dir, NULL};
    cr_expect_eq(cops_index_open(NULL, &index, &err), COPS_EINVAL);
    cr_expect(strstr(err.message, "index_dir is NULL") != NULL, "%s", err.message);
    cr_expect_eq(cops_index_open(f.index_dir, NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_open_many(NULL, 2, &index, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_open_many(dirs, 2, &index, &err), COPS_EINVAL);
    cr_expect(strstr(err.message, "index_dirs[1] is NULL") != NULL, "%s", err.message);
    cr_expect_eq(cops_search(NULL, "grant", NULL, &results, &err), COPS_EINVAL);
    cr_expect_eq(cops_search(f.index, "grant", NULL, NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_document_get(f.index, "x", NULL, 0, NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_stats_get(f.index, NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_stats_get(NULL, &stats, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_dump_term(f.index, NULL, stdout, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_dump_term(f.index, "grant", NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_analyze(f.index, NULL, count_term, &count, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_roots_get(f.index, NULL, &count, &err), COPS_EINVAL);
    cr_expect_eq(cops_index_roots(NULL, &strings, &count, &err), COPS_EINVAL);
    cr_expect_eq(cops_build(NULL, NULL, 0, NULL, NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_build(f.index_dir, NULL, 2, NULL, NULL, &err), COPS_EINVAL);
    cr_expect_eq(cops_build(f.index_dir, dirs + 1, 1, NULL, NULL, &err), COPS_EINVAL);
    cr_expect(strstr(err.message, "inputs[0] is NULL") != NULL, "%s", err.message);
    cr_expect_eq(cops_print_escaped(stdout, NULL, 0), COPS_EINVAL);
    cr_expect_eq(cops_print_error(stdout, "p", NULL, NULL), COPS_EINVAL);
    cr_expect_eq(cops_print_error_record(stdout, NULL, NULL, 0), COPS_EINVAL);
    cr_expect_null(cops_shown_id(NULL));

    cr_assert_eq(cops_search(f.index, "grant", NULL, &results, &err), 0, "%s", err.message);
    cr_expect_eq(cops_results_print_text(NULL, "q", stdout, 0), COPS_EINVAL);
    cr_expect_eq(cops_results_print_text(results, "q", NULL, 0), COPS_EINVAL);
    cr_expect_eq(cops_results_print_json(results, "q", NULL, 0), COPS_EINVAL);
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    cr_expect_eq(cops_results_print_text(results, NULL, sink, 0), 0, "a NULL query, as JSON allows");
    fclose(sink);
    cops_results_free(results);
    cops_document_free(document);
    free_fixture(&f);
}
