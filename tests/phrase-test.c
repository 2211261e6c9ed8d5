/*
 * phrase-test.c — exact phrases, whose positions are streamed and read
 * only as far as the answer needs (query/op-positional.c), against a
 * brute-force scan of the documents' words.
 *
 * The corpus is shaped for the cases the streamed path must get right:
 * words in every document (full posting blocks of 128 and a tail block),
 * long runs of one-byte position deltas (read eight at a time) broken by
 * gaps over 127 words (multi-byte deltas), a word that is rare and comes
 * last, a word repeated inside a phrase, and a phrase inside NEAR (which
 * needs every occurrence, not only the first).  Asserted per query: the
 * exact count (alone, and with every hit), the matching documents, and
 * that the pruned top 10 (which
 * leaves documents that cannot enter it unverified) and the default
 * mode's top 10 (every match counted, the ones that cannot enter it
 * unscored) are the exhaustive ranking's first 10 with the same scores.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "base/buffer.h"
#include "cops.h"
#include "tests/testlib.h"

#define DOCUMENTS 400
#define MAX_WORDS 1200

static const char *const vocabulary[] = {"aa", "bb", "cc", "dd", "xx", "zz"};
enum { AA, BB, CC, DD, XX, ZZ, VOCABULARY };

/* Titles, document d having titles[d % 5]: a phrase or word matches the
 * body or the title. */
static const uint8_t titles[5][3] = {{XX}, {AA}, {AA, BB}, {CC, ZZ}, {BB, AA, BB}};
static const uint32_t title_lengths[5] = {1, 1, 2, 2, 3};

typedef struct corpus {
    char *dir;
    cops_index *index;
    uint8_t words[DOCUMENTS][MAX_WORDS];
    uint32_t lengths[DOCUMENTS];
} corpus;

/* Document d's words: mostly aa and bb (in every document), cc and dd
 * less often, runs of 130-300 xx in a third of the documents (so deltas
 * of aa/bb exceed 127), and zz at most twice, late in the document. */
static void generate(corpus *c, testlib_rng *rng)
{
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        uint32_t length = 2 + (uint32_t)testlib_rng_below(rng, d % 5 == 0 ? 900 : 120);
        uint32_t n = 0;
        c->words[d][n++] = AA;
        c->words[d][n++] = BB;
        while (n < length) {
            uint64_t r = testlib_rng_below(rng, 100);
            if (d % 3 == 1 && r < 2) {
                uint32_t run = 130 + (uint32_t)testlib_rng_below(rng, 170);
                for (uint32_t k = 0; k < run && n < MAX_WORDS - 4; k++)
                    c->words[d][n++] = XX;
                continue;
            }
            c->words[d][n++] = r < 45 ? AA : r < 75 ? BB : r < 88 ? CC : r < 96 ? DD : XX;
        }
        if (d % 7 == 3 && n + 2 < MAX_WORDS) {
            c->words[d][n++] = CC;
            c->words[d][n++] = ZZ; /* the rare word, last */
        }
        if (d % 11 == 5 && n > 40)
            c->words[d][n - 30] = ZZ;
        c->lengths[d] = n;
    }
}

static void append_json_words(byte_buffer *out, const uint8_t *words, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            buffer_append_byte(out, ' ');
        buffer_append(out, vocabulary[words[i]], 2);
    }
}

static void build(corpus *c)
{
    testlib_rng rng;
    testlib_rng_seed(&rng, 20261123);
    generate(c, &rng);
    c->dir = testlib_tempdir("phrase");
    char input[512], index_dir[512];
    snprintf(input, sizeof input, "%s/input", c->dir);
    snprintf(index_dir, sizeof index_dir, "%s/index", c->dir);
    cr_assert_eq(mkdir(input, 0755), 0);
    byte_buffer out = BUFFER_INIT;
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        char head[64];
        int n = snprintf(head, sizeof head, "{\"id\":\"d%03u\",\"title\":\"", d);
        buffer_append(&out, head, (size_t)n);
        append_json_words(&out, titles[d % 5], title_lengths[d % 5]);
        buffer_append(&out, "\",\"text\":\"", 10);
        append_json_words(&out, c->words[d], c->lengths[d]);
        buffer_append(&out, "\"}\n", 3);
    }
    cr_assert(!buffer_failed(&out));
    free(testlib_write_file(input, "docs.jsonl", out.data, out.length));
    buffer_free(&out);
    cops_build_options options;
    cops_build_options_init(&options);
    options.stem = 0;
    options.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {input};
    cr_assert_eq(cops_build(index_dir, inputs, 1, &options, &summary, &err), 0, "%s", err.message);
    cr_assert_eq(summary.documents, DOCUMENTS);
    cr_assert_eq(cops_index_open(index_dir, &c->index, &err), 0, "%s", err.message);
}

/* Whether the phrase `words[0..count)` starts at `start` in a field. */
static int phrase_at(const uint8_t *field, uint32_t length, const int *words, size_t count,
                     uint32_t start)
{
    if (start + count > length)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (field[start + i] != words[i])
            return 0;
    return 1;
}

/* Brute force: does a field match the phrase, or, with near >= 0, the
 * phrase NEAR/near the word `other` (max(start) - min(end) <= near, the
 * phrase's end being its last word)? */
static int field_match(const uint8_t *field, uint32_t length, const int *words, size_t count,
                       int near, int other)
{
    for (uint32_t s = 0; s < length; s++) {
        if (!phrase_at(field, length, words, count, s))
            continue;
        if (near < 0)
            return 1;
        for (uint32_t z = 0; z < length; z++) {
            if (field[z] != other)
                continue;
            int64_t end = s + (int64_t)count - 1;
            int64_t high_start = s > z ? s : z, low_end = end < z ? end : z;
            if (high_start - low_end <= near)
                return 1;
        }
    }
    return 0;
}

static cops_results *search(corpus *c, const char *query, size_t limit, int exact_total)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.limit = limit;
    options.exact_total = exact_total;
    options.snippets = 0;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(c->index, query, &options, &results, &err), 0, "'%s': %s", query,
                 err.message);
    return results;
}

/* The count alone: a phrase of words counts by windows, its words'
 * cursors stepped by the phrase itself (op-positional.c,
 * positional_fill_window), apart from the ranked walks below. */
static uint64_t count_only(corpus *c, const char *query)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    cops_results *results = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_search(c->index, query, &options, &results, &err), 0, "'%s': %s", query,
                 err.message);
    uint64_t total = cops_results_total(results);
    cops_results_free(results);
    return total;
}

static void check_query(corpus *c, const int *words, size_t count, int near, int other)
{
    char query[256] = "\"";
    for (size_t i = 0; i < count; i++) {
        strcat(query, vocabulary[words[i]]);
        strcat(query, i + 1 < count ? " " : "\"");
    }
    if (near >= 0)
        snprintf(query + strlen(query), sizeof query - strlen(query), " NEAR/%d %s", near,
                 vocabulary[other]);

    char expected[DOCUMENTS] = {0};
    uint64_t expected_total = 0;
    for (uint32_t d = 0; d < DOCUMENTS; d++)
        expected_total += expected[d] =
            (char)(field_match(c->words[d], c->lengths[d], words, count, near, other)
                   || field_match(titles[d % 5], title_lengths[d % 5], words, count, near, other));

    uint64_t counted = count_only(c, query);
    cr_assert_eq(counted, expected_total, "'%s': counted %llu, expected %llu", query,
                 (unsigned long long)counted, (unsigned long long)expected_total);
    cops_results *all = search(c, query, DOCUMENTS, 1);
    cr_assert_eq(cops_results_total(all), expected_total, "'%s': %llu matches, expected %llu",
                 query, (unsigned long long)cops_results_total(all),
                 (unsigned long long)expected_total);
    cr_assert_eq(cops_results_count(all), expected_total);
    for (size_t i = 0; i < cops_results_count(all); i++) {
        unsigned d = 0;
        cr_assert_eq(sscanf(cops_results_hit(all, i)->id, "d%u", &d), 1);
        cr_assert(d < DOCUMENTS && expected[d], "'%s': d%03u matched, it should not", query, d);
    }

    cops_results *top = search(c, query, 10, 0);
    size_t shown = expected_total < 10 ? (size_t)expected_total : 10;
    cr_assert_eq(cops_results_count(top), shown, "'%s': pruned top 10 holds %zu hits", query,
                 cops_results_count(top));
    for (size_t i = 0; i < shown; i++) {
        const cops_hit *pruned = cops_results_hit(top, i), *exact = cops_results_hit(all, i);
        cr_assert_str_eq(pruned->id, exact->id, "'%s': rank %zu", query, i + 1);
        cr_assert_eq(pruned->score, exact->score, "'%s': rank %zu", query, i + 1);
    }
    /* the default mode, the exact total with the top 10: once ten hits
     * are kept, a match whose window bound cannot beat them is counted
     * unscored (query/search.c, cannot_enter) */
    cops_results *both = search(c, query, 10, 1);
    cr_assert_eq(cops_results_total(both), expected_total, "'%s': default mode counts %llu",
                 query, (unsigned long long)cops_results_total(both));
    cr_assert_eq(cops_results_count(both), shown);
    for (size_t i = 0; i < shown; i++) {
        const cops_hit *hit = cops_results_hit(both, i), *exact = cops_results_hit(all, i);
        cr_assert_str_eq(hit->id, exact->id, "'%s': default mode, rank %zu", query, i + 1);
        cr_assert_eq(hit->score, exact->score, "'%s': default mode, rank %zu", query, i + 1);
    }
    cops_results_free(both);
    cops_results_free(top);
    cops_results_free(all);
}

typedef struct phrase_case {
    int words[4];
    size_t count;
    int near;  /* -1: a plain phrase */
    int other; /* the NEAR operand */
} phrase_case;

static const phrase_case cases[] = {
    {{AA, BB}, 2, -1, 0},
    {{BB, AA}, 2, -1, 0},
    {{AA, AA}, 2, -1, 0},           /* the same word twice */
    {{AA, BB, AA}, 3, -1, 0},
    {{AA, AA, AA}, 3, -1, 0},
    {{BB, AA, BB, AA}, 4, -1, 0},
    {{CC, ZZ}, 2, -1, 0},           /* the rare word last */
    {{DD, CC, ZZ}, 3, -1, 0},
    {{ZZ, AA}, 2, -1, 0},           /* the rare word first */
    {{AA, ZZ}, 2, -1, 0},
    {{XX, AA}, 2, -1, 0},           /* after a long run: multi-byte deltas */
    {{AA, XX}, 2, -1, 0},
    {{XX, XX, XX}, 3, -1, 0},
    {{DD, DD}, 2, -1, 0},
    {{CC, DD, CC}, 3, -1, 0},
    {{AA, CC}, 2, 1, ZZ},           /* inside NEAR: every occurrence counts */
    {{AA, BB}, 2, 1, BB},
    {{BB, CC}, 2, 3, ZZ},
    {{DD, AA}, 2, 2, XX},
    /* the join asks the rarest word first and opens the others' positions
     * only when needed: the rarest word in the middle, or between two
     * common ones, or twice */
    {{AA, ZZ, BB}, 3, -1, 0},
    {{BB, CC, ZZ, AA}, 4, -1, 0},
    {{ZZ, AA, ZZ}, 3, -1, 0},
    {{AA, DD, AA, BB}, 4, -1, 0},
    {{CC, ZZ, CC}, 3, -1, 0},
    {{AA, AA, AA, AA}, 4, -1, 0},   /* longer than many titles and documents */
};

Test(phrase, streamed_positions_against_brute_force, .timeout = 120)
{
    corpus *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    build(c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_query(c, cases[i].words, cases[i].count, cases[i].near, cases[i].other);
    cops_index_close(c->index);
    testlib_remove_tree(c->dir);
    free(c);
}

/* Each document's score for `query` (0 when it does not match). */
static void scores_by_document(corpus *c, const char *query, double *scores)
{
    cops_results *results = search(c, query, DOCUMENTS, 1);
    for (uint32_t d = 0; d < DOCUMENTS; d++)
        scores[d] = 0.0;
    for (size_t i = 0; i < cops_results_count(results); i++) {
        unsigned d = 0;
        cr_assert_eq(sscanf(cops_results_hit(results, i)->id, "d%u", &d), 1);
        scores[d] = cops_results_hit(results, i)->score;
    }
    cops_results_free(results);
}

/* A word is (body key OR title key), so "w1 OR w2 OR w3" is a disjunction
 * of disjunctions, which the planner flattens (query/op-or.c).  Its score
 * must stay the nested sum to the bit: each word's score, as the word
 * alone gets it, added in query order. */
Test(phrase, flattened_disjunction_sums_like_nested, .timeout = 120)
{
    corpus *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    build(c);
    static const int queries[][3] = {{AA, CC, ZZ}, {ZZ, BB, DD}, {CC, AA, BB}};
    double (*word_scores)[DOCUMENTS] = calloc(VOCABULARY, sizeof *word_scores);
    double *scores = calloc(DOCUMENTS, sizeof *scores);
    cr_assert(word_scores && scores);
    for (int w = 0; w < VOCABULARY; w++)
        scores_by_document(c, vocabulary[w], word_scores[w]);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        char query[64];
        snprintf(query, sizeof query, "%s OR %s OR %s", vocabulary[queries[q][0]],
                 vocabulary[queries[q][1]], vocabulary[queries[q][2]]);
        scores_by_document(c, query, scores);
        for (uint32_t d = 0; d < DOCUMENTS; d++) {
            double expected = 0.0;
            for (int k = 0; k < 3; k++)
                if (word_scores[queries[q][k]][d] != 0.0)
                    expected += word_scores[queries[q][k]][d];
            cr_assert_eq(scores[d], expected, "'%s' d%03u: %.17g, the nested sum is %.17g",
                         query, d, scores[d], expected);
        }
        /* pruned, the same top 10 */
        cops_results *top = search(c, query, 10, 0), *all = search(c, query, 10, 1);
        cr_assert_eq(cops_results_count(top), cops_results_count(all));
        for (size_t i = 0; i < cops_results_count(top); i++)
            cr_assert_str_eq(cops_results_hit(top, i)->id, cops_results_hit(all, i)->id,
                             "'%s': rank %zu", query, i + 1);
        cops_results_free(top);
        cops_results_free(all);
    }
    free(word_scores);
    free(scores);
    cops_index_close(c->index);
    testlib_remove_tree(c->dir);
    free(c);
}
