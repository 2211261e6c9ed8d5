/*
 * inverter-test.c — the inverter's spill runs against inverting in memory.
 *
 * The same documents are inverted twice, once with a budget nothing
 * reaches and once with one so small that runs are written in the middle
 * of documents; the two segments must be byte-identical.  Positions are
 * checked against what was added, through the segment reader.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/buffer.h"
#include "index-format/segment.h"
#include "index-format/pairs.h"
#include "indexer/inverter.h"
#include "indexer/surface-forms.h"
#include "testlib.h"

#define DOCUMENTS 60
#define HUGE_DOCUMENT 17          /* this one alone outgrows the small budget */
#define HUGE_TOKENS 200000u
#define VOCABULARY 30000u

/* Document d's tokens, deterministic: (term number, position) in position
 * order, with some terms repeated at one position (hyphen parts do not,
 * but the inverter must not care). */
static uint32_t tokens_of(uint32_t d) { return d == HUGE_DOCUMENT ? HUGE_TOKENS : 1 + d * 37 % 900; }

static void key_of(uint32_t term, char *key, size_t size)
{
    snprintf(key, size, "t%u", term);
}

#define WATCHED_TERM 0u
#define WATCHED_MAX 100000u

typedef struct build_stats {
    inverter_stats inverted;
    char path[512];
    uint32_t watched[WATCHED_MAX]; /* WATCHED_TERM's positions in HUGE_DOCUMENT */
    uint32_t watched_count;
    int sort_early;                /* in: inverter_sort_keys on a thread beside inverter_graph */
} build_stats;

static void *sort_keys(void *argument)
{
    return (void *)(intptr_t)inverter_sort_keys(argument);
}

/* Build DOCUMENTS documents into dir/name; with `insertion` (NULL: none)
 * numbered in that order (segment_writer_set_insertion_order): document
 * d of the segment is the one added insertion[d]-th. */
static void build_ordered(const char *dir, const char *name, size_t budget,
                          const uint32_t *insertion, build_stats *out)
{
    cops_error err = {0};
    snprintf(out->path, sizeof out->path, "%s/%s", dir, name);
    segment_writer *w = NULL;
    inverter *inv = NULL;
    cr_assert_eq(segment_writer_open(out->path, &w, &err), 0, "%s", err.message);
    cr_assert_eq(inverter_new(budget, AT_FDCWD, dir, &inv, &err), 0, "%s", err.message);
    testlib_rng rng;
    testlib_rng_seed(&rng, 42);
    uint64_t tokens = 0;
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        uint32_t count = tokens_of(d), position = 0;
        for (uint32_t i = 0; i < count; i++) {
            /* Zipf-like: small term numbers are frequent. */
            uint32_t term = (uint32_t)(testlib_rng_unit(&rng) * testlib_rng_unit(&rng) * VOCABULARY);
            char key[32];
            key_of(term, key, sizeof key);
            cr_assert_eq(inverter_add(inv, (const uint8_t *)key, strlen(key), position, &err), 0,
                         "%s", err.message);
            if (d == HUGE_DOCUMENT && term == WATCHED_TERM) {
                cr_assert_lt(out->watched_count, WATCHED_MAX);
                out->watched[out->watched_count++] = position;
            }
            if (testlib_rng_below(&rng, 8) != 0)
                position++;
        }
        char id[32];
        snprintf(id, sizeof id, "doc%u", d);
        cr_assert_eq(segment_writer_add_document(w, id, id, 0, id, strlen(id), position + 1, 0,
                                                 &err), 0, "%s", err.message);
        cr_assert_eq(inverter_end_document(inv, &err), 0, "%s", err.message);
        tokens += count;
    }
    if (out->sort_early) { /* as a reordering build: the keys sorted while the graph is read */
        pthread_t sorter;
        cr_assert_eq(pthread_create(&sorter, NULL, sort_keys, inv), 0);
        bp_graph graph;
        uint64_t *rows = NULL;
        uint32_t *ids = NULL;
        int graph_rc = inverter_graph(inv, 2, UINT32_MAX, &graph, &rows, &ids, &err);
        void *sorted = NULL;
        cr_assert_eq(pthread_join(sorter, &sorted), 0);
        cr_assert_eq((intptr_t)sorted, 0);
        cr_assert_eq(graph_rc, 0, "%s", err.message);
        free(rows);
        free(ids);
    }
    uint32_t new_of_old[DOCUMENTS];
    for (uint32_t d = 0; insertion && d < DOCUMENTS; d++)
        new_of_old[insertion[d]] = d;
    if (insertion)
        cr_assert_eq(segment_writer_set_insertion_order(w, insertion, DOCUMENTS, &err), 0, "%s",
                     err.message);
    cr_assert_eq(inverter_finish(inv, w, insertion ? new_of_old : NULL, &out->inverted, &err), 0,
                 "%s", err.message);
    inverter_free(inv);
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = DOCUMENTS;
    meta.body_tokens = tokens;
    meta.terms = out->inverted.terms;
    meta.postings = out->inverted.postings;
    meta.stem = 0;
    snprintf(meta.language, sizeof meta.language, "english");
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
}

static void build(const char *dir, const char *name, size_t budget, build_stats *out)
{
    build_ordered(dir, name, budget, NULL, out);
}

/* The postings of WATCHED_TERM in `seg`. */
static void open_watched(segment *seg, segment_term *term, postings_cursor *cursor)
{
    char key[32];
    cops_error err = {0};
    key_of(WATCHED_TERM, key, sizeof key);
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)key, strlen(key), term, &err), 1);
    postings_open(cursor, seg, term);
}

/* The two segments are the same bytes. */
static void expect_same_bytes(const char *a_path, const char *b_path, const char *why)
{
    size_t a_length, b_length;
    uint8_t *a = testlib_read_file(a_path, &a_length);
    uint8_t *b = testlib_read_file(b_path, &b_length);
    cr_assert_eq(a_length, b_length, "%s", why);
    cr_assert_eq(memcmp(a, b, a_length), 0, "%s", why);
    free(a);
    free(b);
}

Test(inverter, runs_split_inside_documents_merge_to_the_same_segment, .timeout = 120)
{
    char *dir = testlib_tempdir("inverter");
    static build_stats memory, spilled;
    build(dir, "memory.seg", (size_t)1 << 30, &memory);
    build(dir, "spilled.seg", 48 * 1024, &spilled);
    cr_assert_eq(memory.inverted.runs, 0);
    /* The huge document alone holds several budgets' worth of postings, so
     * some runs end inside it. */
    cr_assert_gt(spilled.inverted.runs, 5, "only %llu runs",
                 (unsigned long long)spilled.inverted.runs);
    cr_assert_eq(spilled.inverted.terms, memory.inverted.terms);
    cr_assert_eq(spilled.inverted.postings, memory.inverted.postings);
    expect_same_bytes(memory.path, spilled.path, "spilled runs changed the segment");

    /* And the segment holds what was added: the most frequent term's
     * positions in the huge document, including repeats of a position. */
    segment *seg = NULL;
    cops_error err = {0};
    cr_assert_eq(segment_open(memory.path, &seg, &err), 0, "%s", err.message);
    segment_term term;
    static postings_cursor cursor;
    open_watched(seg, &term, &cursor);
    cr_assert_eq(postings_next_geq(&cursor, HUGE_DOCUMENT), HUGE_DOCUMENT);
    cr_assert_gt(memory.watched_count, 30);
    cr_assert_eq(postings_tf(&cursor), memory.watched_count);
    static uint32_t positions[WATCHED_MAX];
    cr_assert_eq(postings_positions(&cursor, positions), (int)memory.watched_count);
    cr_assert_eq(memcmp(positions, memory.watched, memory.watched_count * sizeof *positions), 0);
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* The keys sorted ahead of inverter_finish, on a thread while the graph
 * is read (segment_build_reorder's sort_early): the same segment, with
 * runs spilled (which the early sort leaves to inverter_finish) or none. */
Test(inverter, keys_sorted_early_on_a_thread_give_the_same_segment, .timeout = 120)
{
    char *dir = testlib_tempdir("inverter");
    static build_stats memory, early, spilled;
    build(dir, "memory.seg", (size_t)1 << 30, &memory);
    early.sort_early = 1;
    build(dir, "early.seg", (size_t)1 << 30, &early);
    spilled.sort_early = 1;
    build(dir, "spilled.seg", 48 * 1024, &spilled);
    cr_assert_eq(early.inverted.runs, 0);
    cr_assert_gt(spilled.inverted.runs, 0);
    cr_assert_gt(memory.inverted.terms, 1000);
    expect_same_bytes(memory.path, early.path, "the early sort changed the segment");
    expect_same_bytes(memory.path, spilled.path, "an early sort after a spill changed the segment");
    testlib_remove_tree(dir);
}

/* A segment renumbered as it is written (a reordered build): with spill
 * runs ending inside the huge document or without, the same bytes; every
 * list in the new numbers, the huge document's positions whole; the
 * lengths and metadata follow the documents, the stored text stays in
 * insertion order and is read through the recorded positions. */
Test(inverter, renumbered_lists_are_the_same_with_runs_or_without, .timeout = 120)
{
    char *dir = testlib_tempdir("inverter");
    uint32_t insertion[DOCUMENTS];
    for (uint32_t d = 0; d < DOCUMENTS; d++)
        insertion[d] = (d * 7 + 3) % DOCUMENTS; /* 7 and 60 coprime: a permutation */
    static build_stats memory, spilled;
    build_ordered(dir, "memory.seg", (size_t)1 << 30, insertion, &memory);
    build_ordered(dir, "spilled.seg", 48 * 1024, insertion, &spilled);
    cr_assert_gt(spilled.inverted.runs, 5);
    expect_same_bytes(memory.path, spilled.path, "spilled runs changed the renumbered segment");

    segment *seg = NULL;
    cops_error err = {0};
    cr_assert_eq(segment_open(memory.path, &seg, &err), 0, "%s", err.message);
    cr_assert(segment_is_reordered(seg));
    uint32_t huge = 0;
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        cr_assert_eq(segment_insertion_order(seg, d), insertion[d]);
        segment_document stored;
        cr_assert_eq(segment_read_document(seg, d, &stored, &err), 0, "%s", err.message);
        char id[32];
        snprintf(id, sizeof id, "doc%u", insertion[d]);
        cr_assert_str_eq(stored.id, id);
        cr_assert_str_eq(stored.text, id);
        segment_document_free(&stored);
        if (insertion[d] == HUGE_DOCUMENT)
            huge = d;
    }
    cr_assert_gt(segment_body_length(seg, huge), HUGE_TOKENS / 10);
    segment_term term;
    static postings_cursor cursor;
    open_watched(seg, &term, &cursor);
    uint32_t previous = UINT32_MAX, count = 0;
    for (uint32_t doc = cursor.doc; doc != POSTINGS_END; doc = postings_next(&cursor)) {
        cr_assert(previous == UINT32_MAX || doc > previous, "list not in the new order");
        previous = doc;
        count++;
        if (doc == huge) {
            static uint32_t positions[WATCHED_MAX];
            cr_assert_eq(postings_tf(&cursor), memory.watched_count);
            cr_assert_eq(postings_positions(&cursor, positions), (int)memory.watched_count);
            cr_assert_eq(memcmp(positions, memory.watched,
                                memory.watched_count * sizeof *positions), 0);
        }
    }
    cr_assert_eq(count, term.df);
    segment_close(seg);
    testlib_remove_tree(dir);
}

static inverter *open_inverter(const char *dir, size_t budget)
{
    inverter *inv = NULL;
    cops_error err = {0};
    cr_assert_eq(inverter_new(budget, AT_FDCWD, dir, &inv, &err), 0, "%s", err.message);
    return inv;
}

/* A renumbered segment of SHAPE_DOCUMENTS documents that each hold "a"
 * SHAPE_REPEATS times and "c" once, and the first also "h" at
 * SHAPE_HUGE_POSITIONS positions: the lists of "a" and "h" (about 600 and
 * 150 KB) are far beyond the renumbering's share of a small budget. */
#define SHAPE_DOCUMENTS 300u
#define SHAPE_REPEATS 2000u
#define SHAPE_HUGE_POSITIONS 100000u
static void build_shape(const char *dir, const char *name, size_t budget, inverter_stats *stats)
{
    cops_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    segment_writer *w = NULL;
    cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
    inverter *inv = open_inverter(dir, budget);
    uint32_t insertion[SHAPE_DOCUMENTS], new_of_old[SHAPE_DOCUMENTS];
    uint64_t tokens = 0;
    for (uint32_t d = 0; d < SHAPE_DOCUMENTS; d++) {
        uint32_t position = 0;
        for (; position < SHAPE_REPEATS; position++)
            cr_assert_eq(inverter_add(inv, (const uint8_t *)"a", 1, position, &err), 0);
        cr_assert_eq(inverter_add(inv, (const uint8_t *)"c", 1, position++, &err), 0);
        for (uint32_t k = 0; d == 0 && k < SHAPE_HUGE_POSITIONS; k++)
            cr_assert_eq(inverter_add(inv, (const uint8_t *)"h", 1, position++, &err), 0);
        char id[32];
        snprintf(id, sizeof id, "doc%u", d);
        cr_assert_eq(segment_writer_add_document(w, id, id, 0, id, strlen(id), position, 0, &err),
                     0, "%s", err.message);
        cr_assert_eq(inverter_end_document(inv, &err), 0, "%s", err.message);
        tokens += position;
        insertion[d] = (d * 7 + 5) % SHAPE_DOCUMENTS; /* 7 and 300 coprime */
    }
    for (uint32_t d = 0; d < SHAPE_DOCUMENTS; d++)
        new_of_old[insertion[d]] = d;
    cr_assert_eq(segment_writer_set_insertion_order(w, insertion, SHAPE_DOCUMENTS, &err), 0);
    cr_assert_eq(inverter_finish(inv, w, new_of_old, stats, &err), 0, "%s", err.message);
    inverter_free(inv);
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = SHAPE_DOCUMENTS;
    meta.body_tokens = tokens;
    meta.terms = stats->terms;
    meta.postings = stats->postings;
    snprintf(meta.language, sizeof meta.language, "english");
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
}

/* Renumbering holds a fixed share of the budget whatever the lists'
 * shape (inverter.h): a word repeated in every document and a posting of
 * 100,000 positions are spilled in sorted runs (the posting cut into
 * parts) and read back through that arena, with the same bytes as when
 * renumbered in memory. */
Test(inverter, renumbering_stays_within_its_share_of_the_budget, .timeout = 120)
{
    char *dir = testlib_tempdir("inverter");
    enum { SMALL = 64 * 1024 };
    inverter_stats memory, bounded;
    build_shape(dir, "memory.seg", (size_t)1 << 30, &memory);
    build_shape(dir, "bounded.seg", SMALL, &bounded);
    cr_assert_eq(memory.renumber_runs, 0);
    cr_assert_gt(bounded.renumber_runs, 50, "%llu renumbering runs",
                 (unsigned long long)bounded.renumber_runs);
    /* an eighth of the budget, and the runs' ends and readers (under 64
     * bytes a run of the key being merged) */
    cr_assert_leq(bounded.renumber_peak_bytes, SMALL / 8 + bounded.renumber_runs * 64,
                  "%zu bytes", bounded.renumber_peak_bytes);
    char a_path[512], b_path[512];
    snprintf(a_path, sizeof a_path, "%s/memory.seg", dir);
    snprintf(b_path, sizeof b_path, "%s/bounded.seg", dir);
    expect_same_bytes(a_path, b_path, "the bounded renumbering changed the segment");
    segment *seg = NULL;
    cops_error err = {0};
    cr_assert_eq(segment_open(b_path, &seg, &err), 0, "%s", err.message);
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)"h", 1, &term, &err), 1);
    static postings_cursor cursor;
    postings_open(&cursor, seg, &term);
    cr_assert_eq(segment_insertion_order(seg, cursor.doc), 0);
    cr_assert_eq(postings_tf(&cursor), SHAPE_HUGE_POSITIONS);
    static uint32_t positions[SHAPE_HUGE_POSITIONS];
    cr_assert_eq(postings_positions(&cursor, positions), (int)SHAPE_HUGE_POSITIONS);
    for (uint32_t k = 0; k < SHAPE_HUGE_POSITIONS; k++)
        cr_assert_eq(positions[k], SHAPE_REPEATS + 1 + k);
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)"a", 1, &term, &err), 1);
    cr_assert_eq(term.df, SHAPE_DOCUMENTS);
    segment_close(seg);
    testlib_remove_tree(dir);
}


/* Documents {a b a}, {b c}, {c a d}: a, b, c in two each, d in one. */
static inverter *three_documents(const char *dir)
{
    inverter *inv = open_inverter(dir, 1 << 20);
    cops_error err = {0};
    const char *words[] = {"a b a", "b c", "c a d"};
    for (int d = 0; d < 3; d++) {
        uint32_t position = 0;
        for (const char *w = words[d]; *w; w++)
            if (*w != ' ')
                cr_assert_eq(inverter_add(inv, (const uint8_t *)w, 1, position++, &err), 0);
        cr_assert_eq(inverter_end_document(inv, &err), 0);
    }
    return inv;
}

/* The graph a build reorders by, read from the lists: each document's
 * distinct keys in min_df to max_df documents. */
Test(inverter, graph_holds_the_keys_in_its_range)
{
    char *dir = testlib_tempdir("inverter");
    inverter *inv = three_documents(dir);
    cops_error err = {0};
    bp_graph graph;
    uint64_t *rows = NULL;
    uint32_t *terms = NULL, counted = 0;
    cr_assert_eq(inverter_graph_edges(inv, 2, UINT32_MAX, &counted), 6);
    cr_assert_eq(counted, 3);
    cr_assert_eq(inverter_graph(inv, 2, UINT32_MAX, &graph, &rows, &terms, &err), 0);
    cr_assert_eq(graph.items, 3);
    cr_assert_eq(graph.terms, 3, "d, in one document, is left out");
    uint64_t expected_rows[] = {0, 2, 4, 6};
    cr_assert_eq(memcmp(rows, expected_rows, sizeof expected_rows), 0);
    uint32_t expected_terms[] = {0, 1, 1, 2, 0, 2}; /* a=0 b=1 c=2, numbered as met */
    cr_assert_eq(memcmp(terms, expected_terms, sizeof expected_terms), 0);
    free(rows);
    free(terms);
    cr_assert_eq(inverter_graph(inv, 2, UINT32_MAX, &graph, &rows, &terms, &err), 1, "taken once");
    inverter_free(inv);
    /* up to one document: d alone */
    inv = three_documents(dir);
    cr_assert_eq(inverter_graph(inv, 1, 1, &graph, &rows, &terms, &err), 0);
    uint64_t only_d[] = {0, 0, 0, 1};
    cr_assert_eq(graph.terms, 1);
    cr_assert_eq(memcmp(rows, only_d, sizeof only_d), 0);
    cr_assert_eq(terms[0], 0);
    free(rows);
    free(terms);
    cr_assert_eq(inverter_spilled(inv), 0);
    inverter_free(inv);

    testlib_remove_tree(dir);
}

/* 2000 documents of 50 keys from 3000, each key in about 33 of them. */
static inverter *overlapping_documents(const char *dir, size_t budget)
{
    cops_error err = {0};
    inverter *inv = open_inverter(dir, budget);
    for (uint32_t d = 0; d < 2000; d++) {
        char key[32];
        for (uint32_t i = 0; i < 50; i++) {
            key_of((d * 7 + i * i * 13) % 3000, key, sizeof key);
            cr_assert_eq(inverter_add(inv, (const uint8_t *)key, strlen(key), i, &err), 0);
        }
        /* and a pair key (index-format/pairs.h) of 60, each in about 33
         * documents: never in the graph, from memory or from the runs */
        char pair[32];
        int length = snprintf(pair, sizeof pair, "%cthe w%u", SEGMENT_PAIR_KEY, d % 60);
        cr_assert_eq(inverter_add(inv, (const uint8_t *)pair, (size_t)length, 50, &err), 0);
        cr_assert_eq(inverter_end_document(inv, &err), 0);
    }
    return inv;
}

/* Each term of `g` named by its documents (a sum of their mixed numbers). */
static uint64_t *term_signatures(const bp_graph *g)
{
    uint64_t *signature = calloc(g->terms + 1, sizeof *signature);
    for (uint32_t d = 0; d < g->items; d++)
        for (uint64_t e = g->row_start[d]; e < g->row_start[d + 1]; e++)
            signature[g->term_ids[e]] += (d + 1) * 0x9E3779B97F4A7C15ull ^ (d + 1) >> 7;
    return signature;
}

static int compare_signatures(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The rows of the two graphs hold the same terms, whatever their numbers. */
static void expect_same_rows(const bp_graph *a, const bp_graph *b)
{
    uint64_t *a_signature = term_signatures(a), *b_signature = term_signatures(b);
    for (uint32_t d = 0; d < a->items; d++) {
        uint64_t a_row[64], b_row[64];
        size_t n = (size_t)(a->row_start[d + 1] - a->row_start[d]);
        cr_assert_leq(n, 64);
        for (size_t k = 0; k < n; k++) {
            a_row[k] = a_signature[a->term_ids[a->row_start[d] + k]];
            b_row[k] = b_signature[b->term_ids[b->row_start[d] + k]];
        }
        qsort(a_row, n, sizeof *a_row, compare_signatures);
        qsort(b_row, n, sizeof *b_row, compare_signatures);
        cr_assert_eq(memcmp(a_row, b_row, n * sizeof *a_row), 0, "row %u", d);
    }
    free(a_signature);
    free(b_signature);
}

/* The graph, once runs are spilled, read from them: the same rows as
 * from memory, the keys numbered in another order (a one-to-one map
 * between the two numberings), with runs ending inside documents, and
 * after inverter_spill_rest as well (which spills a run of its own when
 * none was); the merge after it still writes every key. */
Test(inverter, graph_from_spilled_runs_is_the_graph_from_memory, .timeout = 60)
{
    char *dir = testlib_tempdir("inverter");
    cops_error err = {0};
    bp_graph whole, spilled;
    uint64_t *whole_rows = NULL, *spilled_rows = NULL;
    uint32_t *whole_terms = NULL, *spilled_terms = NULL;
    inverter *in_memory = overlapping_documents(dir, 64 << 20);
    cr_assert_eq(inverter_spilled(in_memory), 0);
    cr_assert_eq(inverter_graph(in_memory, 4, 40, &whole, &whole_rows, &whole_terms, &err), 0);
    for (int rest = 0; rest <= 2; rest++) { /* runs; runs and the rest; the rest alone */
        inverter *inv = overlapping_documents(dir, rest < 2 ? 48 * 1024 : 64 << 20);
        cr_assert_eq(inverter_spilled(inv), rest < 2);
        if (rest)
            cr_assert_eq(inverter_spill_rest(inv, &err), 0, "%s", err.message);
        cr_assert_eq(inverter_spilled(inv), 1);
        cr_assert_eq(inverter_graph(inv, 4, 40, &spilled, &spilled_rows, &spilled_terms, &err), 0,
                     "%s", err.message);
        cr_assert_eq(spilled.items, whole.items);
        cr_assert_eq(spilled.terms, whole.terms);
        cr_assert_gt(whole.terms, 100, "a range that keeps many keys");
        cr_assert_eq(memcmp(spilled_rows, whole_rows, (whole.items + 1) * sizeof *whole_rows), 0);
        expect_same_rows(&whole, &spilled);
        free(spilled_rows);
        free(spilled_terms);
        segment_writer *w = NULL;
        char path[600];
        snprintf(path, sizeof path, "%s/spilled-%d.cops", dir, rest);
        cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
        for (uint32_t d = 0; d < 2000; d++) {
            char id[32];
            snprintf(id, sizeof id, "doc%u", d);
            cr_assert_eq(segment_writer_add_document(w, id, id, 0, id, strlen(id), 50, 0, &err), 0,
                         "%s", err.message);
        }
        inverter_stats stats;
        cr_assert_eq(inverter_finish(inv, w, NULL, &stats, &err), 0, "%s", err.message);
        cr_assert_eq(stats.terms, 3060, "every key merged after the walk (the pair keys too)");
        segment_writer_abort(w);
        inverter_free(inv);
    }
    free(whole_rows);
    free(whole_terms);
    inverter_free(in_memory);
    testlib_remove_tree(dir);
}

Test(inverter, decreasing_position_is_einval)
{
    char *dir = testlib_tempdir("inverter");
    inverter *inv = open_inverter(dir, 1 << 20);
    cops_error err = {0};
    cr_assert_eq(inverter_add(inv, (const uint8_t *)"a", 1, 5, &err), 0);
    cr_assert_eq(inverter_add(inv, (const uint8_t *)"a", 1, 5, &err), 0, "equal is allowed");
    cr_assert_eq(inverter_add(inv, (const uint8_t *)"a", 1, 4, &err), COPS_EINVAL);
    cr_assert_eq(inverter_end_document(inv, &err), 0);
    cr_assert_eq(inverter_add(inv, (const uint8_t *)"a", 1, 0, &err), 0,
                 "a new document starts again from 0");
    inverter_free(inv);
    testlib_remove_tree(dir);
}

static uint64_t unkeyed_xxh3(const char *key, size_t length)
{
    return XXH3_64bits(key, length);
}

static uint64_t inverter_slot_hash(const char *key, size_t length)
{
    return inverter_hash((const uint8_t *)key, length);
}

/* Words come from strangers' documents: words chosen offline so that the
 * unseeded XXH3 of every one ends in the same 12 bits must still spread
 * over the term table's slots (with 4,096 slots they took one run, and
 * each new word probed all of it).  2,000 such keys: a seeded hash puts
 * them in about 1,600 of 4,096 buckets. */
Test(inverter, chosen_words_spread_over_the_slots, .timeout = 60)
{
    size_t buckets = testlib_chosen_keys_buckets("w", "", unkeyed_xxh3, inverter_slot_hash);
    cr_expect_gt(buckets, 1000, "%zu buckets", buckets);
}

static uint64_t surface_slot_hash(const char *form, size_t length)
{
    return surface_forms_hash((const uint8_t *)form, length);
}

/* The words as written (surface-forms.c) are strangers' words too: forms
 * chosen offline so that the FNV-1a of every one (the table's hash until
 * then) ends in the same 12 bits took one run of its slots (32,768 such
 * forms in a 2 MB document cost 12 times the CPU of as many random ones).
 * They must spread over the slots as the inverter's words do. */
Test(inverter, chosen_forms_spread_over_the_slots, .timeout = 60)
{
    size_t buckets = testlib_chosen_keys_buckets("f", "s", testlib_fnv1a_32, surface_slot_hash);
    cr_expect_gt(buckets, 1000, "%zu buckets", buckets);
}
