#include "config.h"

#include "indexer/bp-order.h"
#include "indexer/reorder.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* splitmix64 with a fixed seed: the collection is the same every run. */
static uint64_t random_state;

static uint32_t random_below(uint32_t bound)
{
    uint64_t z = (random_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)((z ^ (z >> 31)) % bound);
}

enum { TOPICS = 8, PER_TOPIC = 128, TOPIC_TERMS = 60, SHARED_TERMS = 40, TOPIC_WORDS = 12,
       SHARED_WORDS = 3 };

typedef struct collection {
    bp_graph graph;
    uint64_t *row_start;
    uint32_t *term_ids;
} collection;

/* TOPICS clusters of documents interleaved (document d is of topic
 * d % TOPICS): each draws words from its topic's own terms and a few from
 * terms every topic shares.  Identity order spreads each topic's terms
 * over the whole range; a good order groups the topics. */
static collection make_clustered(void)
{
    random_state = 42;
    collection c;
    uint32_t items = TOPICS * PER_TOPIC;
    c.row_start = calloc(items + 1, sizeof *c.row_start);
    c.term_ids = malloc((size_t)items * (TOPIC_WORDS + SHARED_WORDS) * sizeof *c.term_ids);
    cr_assert(c.row_start && c.term_ids);
    uint64_t edges = 0;
    for (uint32_t d = 0; d < items; d++) {
        uint32_t topic = d % TOPICS;
        uint64_t row = edges;
        for (int w = 0; w < TOPIC_WORDS + SHARED_WORDS; w++) {
            uint32_t t = w < TOPIC_WORDS ? topic * TOPIC_TERMS + random_below(TOPIC_TERMS)
                                         : TOPICS * TOPIC_TERMS + random_below(SHARED_TERMS);
            int seen = 0;
            for (uint64_t e = row; e < edges; e++)
                seen |= c.term_ids[e] == t;
            if (!seen)
                c.term_ids[edges++] = t;
        }
        c.row_start[d + 1] = edges;
    }
    c.graph = (bp_graph){items, TOPICS * TOPIC_TERMS + SHARED_TERMS, c.row_start, c.term_ids};
    return c;
}

static void free_collection(collection *c)
{
    free(c->row_start);
    free(c->term_ids);
}

static void assert_permutation(const uint32_t *order, uint32_t items)
{
    char *seen = calloc(items ? items : 1, 1);
    cr_assert_not_null(seen);
    for (uint32_t p = 0; p < items; p++) {
        cr_assert_lt(order[p], items, "position %u holds %u", p, order[p]);
        cr_assert_eq(seen[order[p]], 0, "item %u placed twice", order[p]);
        seen[order[p]] = 1;
    }
    free(seen);
}

Test(bp_order, lowers_the_log_gap_cost_of_a_clustered_collection)
{
    collection c = make_clustered();
    uint32_t items = c.graph.items;
    uint32_t *identity = malloc(items * sizeof *identity), *order = malloc(items * sizeof *order);
    cr_assert(identity && order);
    for (uint32_t i = 0; i < items; i++)
        identity[i] = i;
    bp_stats stats;
    cr_assert_eq(bp_order(&c.graph, NULL, order, &stats, NULL), 0);
    assert_permutation(order, items);
    double before = bp_log_gap_cost(&c.graph, identity), after = bp_log_gap_cost(&c.graph, order);
    cr_assert_gt(before, 0);
    /* Interleaved topics put each topic term's documents about 8 apart
     * (3 bits a gap); grouped, about 1 apart.  Ask for a third off. */
    cr_assert_lt(after, 0.67 * before, "log-gap cost %.0f -> %.0f", before, after);
    cr_assert_gt(stats.swaps, 0);
    cr_assert_geq(stats.depth, 5); /* 1024 items, parts of at least 16: 6 levels */
    /* Every topic's documents end up in few runs of neighbours. */
    uint32_t topic_changes = 0;
    for (uint32_t p = 1; p < items; p++)
        topic_changes += order[p] % TOPICS != order[p - 1] % TOPICS;
    cr_assert_lt(topic_changes, items / 8, "%u changes of topic along the order", topic_changes);
    free(identity);
    free(order);
    free_collection(&c);
}

Test(bp_order, is_deterministic)
{
    collection c = make_clustered();
    uint32_t items = c.graph.items;
    uint32_t *first = malloc(items * sizeof *first), *second = malloc(items * sizeof *second);
    cr_assert(first && second);
    cr_assert_eq(bp_order(&c.graph, NULL, first, NULL, NULL), 0);
    cr_assert_eq(bp_order(&c.graph, NULL, second, NULL, NULL), 0);
    cr_assert_eq(memcmp(first, second, items * sizeof *first), 0);
    free(first);
    free(second);
    free_collection(&c);
}

/* The parts below the first split are shared by two threads by default:
 * the order, the swaps and the depth are those of one thread. */
Test(bp_order, two_threads_order_as_one)
{
    collection c = make_clustered();
    uint32_t items = c.graph.items;
    uint32_t *threaded = malloc(items * sizeof *threaded), *single = malloc(items * sizeof *single);
    cr_assert(threaded && single);
    bp_options one_thread = {0, 0, 0, 1};
    bp_stats two_stats, one_stats;
    cr_assert_eq(bp_order(&c.graph, NULL, threaded, &two_stats, NULL), 0);
    cr_assert_eq(bp_order(&c.graph, &one_thread, single, &one_stats, NULL), 0);
    assert_permutation(threaded, items);
    cr_assert_eq(memcmp(threaded, single, items * sizeof *threaded), 0);
    cr_assert_eq(two_stats.swaps, one_stats.swaps);
    cr_assert_eq(two_stats.depth, one_stats.depth);
    cr_assert_gt(two_stats.memory_bytes, one_stats.memory_bytes, "the second thread's tables");
    /* What the budget check asks beforehand is what the run reports. */
    cr_assert_eq(bp_order_memory(items, c.graph.terms, NULL), two_stats.memory_bytes);
    cr_assert_eq(bp_order_memory(items, c.graph.terms, &one_thread), one_stats.memory_bytes);
    free(threaded);
    free(single);
    free_collection(&c);
}

/* Whichever thread takes which waiting part, at any size (odd ones, the
 * least that gets a second thread, a part left unsplit) and run after
 * run, the order is one thread's. */
Test(bp_order, shared_parts_order_as_one_thread_at_every_size)
{
    collection c = make_clustered();
    static const uint32_t sizes[] = {63, 64, 65, 97, 511, 777, 1023, TOPICS * PER_TOPIC};
    uint32_t *threaded = malloc(c.graph.items * sizeof *threaded);
    uint32_t *single = malloc(c.graph.items * sizeof *single);
    cr_assert(threaded && single);
    bp_options one_thread = {0, 0, 0, 1};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        bp_graph prefix = c.graph;
        prefix.items = sizes[i];
        cr_assert_eq(bp_order(&prefix, &one_thread, single, NULL, NULL), 0);
        for (int run = 0; run < 5; run++) {
            bp_stats stats;
            cr_assert_eq(bp_order(&prefix, NULL, threaded, &stats, NULL), 0);
            assert_permutation(threaded, sizes[i]);
            cr_assert_eq(memcmp(threaded, single, sizes[i] * sizeof *threaded), 0,
                         "%u items, run %d", sizes[i], run);
        }
    }
    free(threaded);
    free(single);
    free_collection(&c);
}

Test(bp_order, bounded_depth_and_small_inputs)
{
    collection c = make_clustered();
    uint32_t items = c.graph.items;
    uint32_t *order = malloc(items * sizeof *order);
    cr_assert_not_null(order);
    bp_options one_level = {1, 3, 0, 0};
    bp_stats stats;
    cr_assert_eq(bp_order(&c.graph, &one_level, order, &stats, NULL), 0);
    assert_permutation(order, items);
    cr_assert_eq(stats.depth, 1);
    /* A part that is not split keeps its items in increasing order. */
    for (uint32_t p = 1; p < items / 2; p++)
        cr_assert_lt(order[p - 1], order[p]);
    /* A part of under 128 items gets one swap round, whatever the
     * rounds asked for (which more items do get). */
    bp_graph under_128 = {127, c.graph.terms, c.row_start, c.term_ids};
    bp_options one_round = {0, 1, 0, 0}, five_rounds = {0, 5, 0, 0};
    uint32_t *other = malloc(items * sizeof *other);
    cr_assert_not_null(other);
    cr_assert_eq(bp_order(&under_128, &one_round, order, NULL, NULL), 0);
    cr_assert_eq(bp_order(&under_128, &five_rounds, other, NULL, NULL), 0);
    cr_assert_eq(memcmp(order, other, 127 * sizeof *order), 0);
    cr_assert_eq(bp_order(&c.graph, &one_round, order, NULL, NULL), 0);
    cr_assert_eq(bp_order(&c.graph, &five_rounds, other, NULL, NULL), 0);
    cr_assert_neq(memcmp(order, other, items * sizeof *order), 0);
    free(other);
    /* Fewer items than two parts: the identity. */
    bp_graph small = {20, c.graph.terms, c.row_start, c.term_ids};
    cr_assert_eq(bp_order(&small, NULL, order, &stats, NULL), 0);
    for (uint32_t p = 0; p < 20; p++)
        cr_assert_eq(order[p], p);
    cr_assert_eq(stats.depth, 0);
    bp_graph empty = {0, 0, c.row_start, c.term_ids};
    cr_assert_eq(bp_order(&empty, NULL, order, NULL, NULL), 0);
    cr_assert_eq(bp_log_gap_cost(&empty, order), 0);
    free(order);
    free_collection(&c);
}

/* The graph's keys are documents' words: keys chosen offline so that
 * the unseeded XXH3 of every one ends in the same 12 bits must not fall
 * into one run of the key table's slots (each new key would probe the
 * whole run: 2,000 of them about 2 M probes).  With the keyed hash they
 * spread: a few probes a key. */
Test(reorder, chosen_keys_do_not_fall_into_one_run_of_slots, .timeout = 60)
{
    enum { KEYS = 2000, SLOT_BITS = 12 };
    static char text[KEYS][32];
    static const uint8_t *keys[KEYS];
    static size_t lengths[KEYS];
    size_t found = 0;
    for (uint64_t k = 0; found < KEYS; k++) {
        int length = snprintf(text[found], sizeof text[found], "w%llx", (unsigned long long)k);
        if ((XXH3_64bits(text[found], (size_t)length) & ((1u << SLOT_BITS) - 1)) != 0)
            continue;
        keys[found] = (const uint8_t *)text[found];
        lengths[found++] = (size_t)length;
    }
    uint64_t probes = reorder_key_probes(keys, lengths, KEYS);
    cr_expect_lt(probes, 20 * KEYS, "%llu probes for %d keys", (unsigned long long)probes, KEYS);
}
