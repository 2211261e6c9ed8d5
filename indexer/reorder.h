/*
 * reorder.h — the order a merge writes its documents in: recursive graph
 * bisection (bp-order.h) over the document-term graph read from the
 * postings of the segments being merged.
 *
 * The merged documents come as a list in insertion order, cut into
 * "units": runs that must stay together and contiguous because one
 * files-catalog entry (one input file) names them as a range.  Units are
 * ordered among themselves by the terms they hold together, and the
 * documents of each unit among themselves.  An index of single-document
 * files is thus reordered freely; a collection in one JSON Lines file
 * within its one range.
 */
#ifndef COPS_INDEXER_REORDER_H
#define COPS_INDEXER_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "index-format/segment.h"
#include "indexer/bp-order.h"

/* One live document of a merge: which segment, which document. */
typedef struct merge_document {
    uint32_t segment;
    uint32_t doc;
} merge_document;

typedef struct reorder_stats {
    uint64_t edges;              /* document-term pairs in the graph */
    uint32_t terms;              /* distinct keys with df >= REORDER_MIN_DF */
    size_t peak_memory_bytes;    /* graph, key table and bisection together */
    double cost_before, cost_after; /* log-gap cost, bits (bp_log_gap_cost) */
    int skipped;                 /* 1: the graph would not fit the budget; order unchanged */
} reorder_stats;

/* Keys in fewer documents (of their segment) carry no gap to shorten. */
#define REORDER_MIN_DF 2

/* Order `count` documents (`documents[i]`, in insertion order) of the
 * open `segments`, whose units start at unit_start[0 .. units) (0 first,
 * increasing, each < count).  *order (OUT, `count` entries) receives
 * order[p] = the index into `documents` placed at position p; units stay
 * contiguous.  The graph is bounded by `budget_bytes`: larger, and the
 * order is the identity with stats->skipped set.  Returns 0, COPS_ENOMEM
 * or the segment's COPS_ECORRUPT. */
int reorder_merge(segment *const *segments, size_t segment_count,
                  const merge_document *documents, uint32_t count, const uint32_t *unit_start,
                  uint32_t units, size_t budget_bytes, uint32_t *order, reorder_stats *stats,
                  cops_error *err);

/* Order the items of `graph` (documents, with units as above) by
 * bp_order with `options` (NULL: its defaults): order[p] (OUT,
 * graph->items entries) = the item placed at position p; the bisection's
 * memory is added to *peak.  0 or COPS_ENOMEM.  Used by reorder_merge and
 * by a segment written whole (segment_build_reorder). */
int reorder_units(const bp_graph *graph, const uint32_t *unit_start, uint32_t units,
                  const bp_options *options, uint32_t *order, size_t *peak, cops_error *err);

/* The memory reorder_units takes beside the graph of `count` documents
 * in `units` units, `edges` edges over `terms` terms (bp_order with
 * `options`, NULL: its defaults), so a caller can check a budget first. */
size_t reorder_ordering_bytes(uint32_t count, uint32_t units, uint64_t edges, uint32_t terms,
                              const bp_options *options);

/* For tests: the occupied slots stepped over while `count` keys are
 * numbered in a fresh key table (the graph's keys: documents' words, so
 * hashed with the keyed hash of base/hash.h). */
uint64_t reorder_key_probes(const uint8_t *const *keys, const size_t *lengths, size_t count);

#endif
