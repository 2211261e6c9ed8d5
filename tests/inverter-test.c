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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/buffer.h"
#include "index-format/segment.h"
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
} build_stats;

static void build(const char *dir, const char *name, size_t budget, build_stats *out)
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
    cr_assert_eq(inverter_finish(inv, w, &out->inverted, &err), 0, "%s", err.message);
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
    size_t a_length, b_length;
    uint8_t *a = testlib_read_file(memory.path, &a_length);
    uint8_t *b = testlib_read_file(spilled.path, &b_length);
    cr_assert_eq(a_length, b_length);
    cr_assert_eq(memcmp(a, b, a_length), 0, "spilled runs changed the segment");
    free(a);
    free(b);

    /* And the segment holds what was added: the most frequent term's
     * positions in the huge document, including repeats of a position. */
    segment *seg = NULL;
    cops_error err = {0};
    cr_assert_eq(segment_open(memory.path, &seg, &err), 0, "%s", err.message);
    char key[32];
    key_of(WATCHED_TERM, key, sizeof key);
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)key, strlen(key), &term, &err), 1);
    static postings_cursor cursor;
    postings_open(&cursor, seg, &term);
    cr_assert_eq(postings_next_geq(&cursor, HUGE_DOCUMENT), HUGE_DOCUMENT);
    cr_assert_gt(memory.watched_count, 30);
    cr_assert_eq(postings_tf(&cursor), memory.watched_count);
    static uint32_t positions[WATCHED_MAX];
    cr_assert_eq(postings_positions(&cursor, positions), (int)memory.watched_count);
    cr_assert_eq(memcmp(positions, memory.watched, memory.watched_count * sizeof *positions), 0);
    segment_close(seg);
    testlib_remove_tree(dir);
}

Test(inverter, decreasing_position_is_einval)
{
    char *dir = testlib_tempdir("inverter");
    inverter *inv = NULL;
    cops_error err = {0};
    cr_assert_eq(inverter_new(1 << 20, AT_FDCWD, dir, &inv, &err), 0, "%s", err.message);
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
