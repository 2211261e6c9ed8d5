/*
 * bp-order.h — document reordering by recursive graph bisection (BP:
 * Dhulipala et al., KDD 2016; Mackenzie et al., ECIR 2019).
 *
 * The input is a bipartite graph: items (documents, or groups of them)
 * on one side, terms on the other, given as one row of term ids per item.
 * The output is an order of the items that places items sharing terms
 * near each other, so that the document gaps in each term's postings are
 * small and compress well.  The order is a function of the graph alone:
 * the initial order is the items' own (0, 1, ...), every tie goes by item
 * number, and the parts below the first split, shared by two threads,
 * are each a function of their own items.
 */
#ifndef COPS_INDEXER_BP_ORDER_H
#define COPS_INDEXER_BP_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"

/* The item-term graph, borrowed by every call: item i has the terms
 * term_ids[row_start[i] .. row_start[i+1]), each < terms and distinct
 * within the row. */
typedef struct bp_graph {
    uint32_t items;
    uint32_t terms;
    const uint64_t *row_start;   /* items + 1 entries, row_start[0] = 0 */
    const uint32_t *term_ids;
} bp_graph;

typedef struct bp_options {
    unsigned max_depth;          /* levels of bisection; 0 = until parts are min_part */
    unsigned iterations;         /* swap rounds per level, at most; 0 = 5 (1 for a
                                  * part of under 128 items; a level
                                  * also ends at a round moving under 1 % of its items) */
    uint32_t min_part;           /* a part with fewer items is not split; 0 = 16 */
    unsigned threads;            /* 1: one thread; 0: the parts below the first
                                  * split shared by two (the same order either way) */
} bp_options;

/* What one run did, for the build's report. */
typedef struct bp_stats {
    unsigned depth;              /* deepest level split */
    uint64_t swaps;              /* items moved between halves, all levels */
    size_t memory_bytes;         /* working memory beyond the graph */
} bp_stats;

/* Order the items of `graph`: *order (OUT, `graph->items` entries, the
 * caller's) receives the items, order[p] being the item placed at
 * position p.  `stats` may be NULL.  Returns 0, or COPS_ENOMEM. */
int bp_order(const bp_graph *graph, const bp_options *options, uint32_t *order, bp_stats *stats,
             cops_error *err);

/* The working memory bp_order takes for `items` items of `terms` terms
 * (bp_stats.memory_bytes), so a caller can check a budget first. */
size_t bp_order_memory(uint32_t items, uint32_t terms, const bp_options *options);

/* The log-gap cost of placing the items in `order` (order[p] = item at
 * position p): the sum over every term's list of positions of
 * log2(gap), the first gap being the first position + 1 — about the bits
 * an Elias-gamma-like code spends.  Returns a negative value when out of
 * memory. */
double bp_log_gap_cost(const bp_graph *graph, const uint32_t *order);

#endif
