/*
 * reorder.c — a merge's document order by graph bisection (reorder.h).
 *
 * The graph is read in two walks over every segment's dictionary and
 * postings: the first counts each document's keys (and numbers the keys,
 * the same key in two segments getting one number), the second fills the
 * rows.  So the graph costs 4 bytes per document-key pair plus 8 per
 * document, and is never larger than the budget allows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/error.h"
#include "base/hash.h"
#include "indexer/bp-order.h"
#include "indexer/reorder.h"

#define NOT_MERGED UINT32_MAX
#define REORDER_MIN_UNIT_SPLIT 32 /* bp-order.c splits no part under 2 x 16 items */

/* Keys to dense numbers: open addressing over the per-process keyed hash
 * (base/hash.h: the keys are documents' words), keys kept in one buffer. */
typedef struct key_table {
    uint32_t *slots;             /* term + 1, 0 = empty */
    size_t slot_count;           /* a power of two */
    uint64_t *key_at;            /* per term: offset of its key in `keys` */
    uint8_t *key_length;
    uint32_t terms, capacity;
    byte_buffer keys;
    uint64_t probes;             /* slots looked at by lookups (reorder_key_probes) */
} key_table;

typedef struct graph_walk {
    segment *const *segments;
    uint32_t **position_of;      /* per segment, per doc: index in the merge list */
    key_table table;
    uint32_t *term_of_visit;     /* the first walk's term numbers, in visit order */
    size_t visits, visit_capacity, next_visit;
    int filling;                 /* 0: counting walk, 1: filling walk */
    uint64_t *row_start;         /* count + 1 */
    uint64_t *row_fill;          /* filling: next free edge of each row */
    uint32_t *term_ids;
    uint32_t segment;
    cops_error *err;
    int status;
} graph_walk;

static int key_table_grow(key_table *t)
{
    size_t slot_count = t->slot_count ? 2 * t->slot_count : 1024;
    uint32_t *slots = calloc(slot_count, sizeof *slots);
    if (!slots)
        return COPS_ENOMEM;
    for (uint32_t term = 0; term < t->terms; term++) {
        uint64_t hash = hash_keyed(t->keys.data + t->key_at[term], t->key_length[term]);
        size_t i = hash & (slot_count - 1);
        while (slots[i])
            i = (i + 1) & (slot_count - 1);
        slots[i] = term + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->slot_count = slot_count;
    return 0;
}

/* The number of `key`, added when new.  Returns 0 or COPS_ENOMEM. */
static int key_table_number(key_table *t, const uint8_t *key, size_t length, uint32_t *term)
{
    if (2 * ((size_t)t->terms + 1) > t->slot_count && key_table_grow(t) != 0)
        return COPS_ENOMEM;
    size_t i = hash_keyed(key, length) & (t->slot_count - 1);
    for (; t->slots[i]; i = (i + 1) & (t->slot_count - 1), t->probes++) {
        uint32_t found = t->slots[i] - 1;
        if (t->key_length[found] == length && memcmp(t->keys.data + t->key_at[found], key, length) == 0) {
            *term = found;
            return 0;
        }
    }
    if (t->terms == t->capacity) {
        uint32_t capacity = t->capacity ? 2 * t->capacity : 1024;
        uint64_t *key_at = realloc(t->key_at, capacity * sizeof *key_at);
        if (key_at)
            t->key_at = key_at;
        uint8_t *key_length = realloc(t->key_length, capacity);
        if (key_length)
            t->key_length = key_length;
        if (!key_at || !key_length)
            return COPS_ENOMEM;
        t->capacity = capacity;
    }
    t->key_at[t->terms] = t->keys.length;
    t->key_length[t->terms] = (uint8_t)length;
    buffer_append(&t->keys, key, length);
    if (buffer_failed(&t->keys))
        return COPS_ENOMEM;
    t->slots[i] = t->terms + 1;
    *term = t->terms++;
    return 0;
}

static size_t key_table_bytes(const key_table *t)
{
    return t->slot_count * sizeof *t->slots + t->capacity * (sizeof *t->key_at + 1) + t->keys.length;
}

static void key_table_free(key_table *t)
{
    free(t->slots);
    free(t->key_at);
    free(t->key_length);
    buffer_free(&t->keys);
}

uint64_t reorder_key_probes(const uint8_t *const *keys, const size_t *lengths, size_t count)
{
    key_table t;
    memset(&t, 0, sizeof t);
    uint32_t term;
    for (size_t k = 0; k < count; k++)
        if (key_table_number(&t, keys[k], lengths[k], &term) != 0)
            break;
    uint64_t probes = t.probes;
    key_table_free(&t);
    return probes;
}

/* The term number of this visit: made on the counting walk, replayed on the filling one. */
static int visit_term(graph_walk *w, const uint8_t *key, size_t key_length, uint32_t *term)
{
    if (w->filling) {
        *term = w->term_of_visit[w->next_visit++];
        return 0;
    }
    if (w->visits == w->visit_capacity) {
        size_t capacity = w->visit_capacity ? 2 * w->visit_capacity : 4096;
        uint32_t *grown = realloc(w->term_of_visit, capacity * sizeof *grown);
        if (!grown)
            return COPS_ENOMEM;
        w->term_of_visit = grown;
        w->visit_capacity = capacity;
    }
    int rc = key_table_number(&w->table, key, key_length, term);
    if (rc == 0)
        w->term_of_visit[w->visits++] = *term;
    return rc;
}

static int visit_key(void *context, const uint8_t *key, size_t key_length, const segment_term *term)
{
    graph_walk *w = context;
    /* a pair key's documents are its words' (index-format/pairs.h): left
     * out, as the build's own graph leaves it out (inverter.c) */
    if (term->df < REORDER_MIN_DF || pair_key_is(key, key_length))
        return 0;
    uint32_t number;
    if (visit_term(w, key, key_length, &number) != 0) {
        w->status = error_set(w->err, COPS_ENOMEM, "out of memory reading the document graph");
        return 1;
    }
    segment *seg = w->segments[w->segment];
    const uint32_t *position_of = w->position_of[w->segment];
    postings_cursor cursor;
    postings_open(&cursor, seg, term);
    for (uint32_t doc = cursor.doc; doc != POSTINGS_END; doc = postings_next(&cursor)) {
        uint32_t at = position_of[doc];
        if (at == NOT_MERGED)
            continue;
        if (w->filling)
            w->term_ids[w->row_fill[at]++] = number;
        else
            w->row_start[at + 1]++;
    }
    if (cursor.status != 0) {
        w->status = segment_damage(seg, w->err);
        return 1;
    }
    return 0;
}

static int walk_segments(graph_walk *w, size_t segment_count)
{
    w->next_visit = 0;
    for (w->segment = 0; w->segment < segment_count && w->status == 0; w->segment++) {
        int rc = segment_scan_prefix(w->segments[w->segment], (const uint8_t *)"", 0, visit_key, w,
                                     w->err);
        if (rc < 0 && w->status == 0)
            w->status = rc;
    }
    return w->status;
}

/* The most edges a graph of `units` units over `terms` terms made from
 * `edges` edges can have: each unit holds a term once. */
static uint64_t unit_edges_bound(uint64_t edges, uint32_t units, uint32_t terms)
{
    uint64_t distinct = (uint64_t)units * terms;
    return distinct < edges ? distinct : edges;
}

/* The graph of the units: each unit's row the union of its documents' rows. */
static int unit_graph(const bp_graph *documents, const uint32_t *unit_start, uint32_t units,
                      bp_graph *out, uint64_t **row_start_out, uint32_t **term_ids_out)
{
    uint64_t most = unit_edges_bound(documents->row_start[documents->items], units,
                                     documents->terms);
    uint64_t *row_start = calloc((size_t)units + 1, sizeof *row_start);
    uint32_t *term_ids = malloc((most + 1) * sizeof *term_ids);
    uint32_t *last_unit = calloc(documents->terms + 1, sizeof *last_unit);
    if (!row_start || !term_ids || !last_unit) {
        free(row_start);
        free(term_ids);
        free(last_unit);
        return COPS_ENOMEM;
    }
    uint64_t edges = 0;
    for (uint32_t u = 0; u < units; u++) {
        uint32_t end = u + 1 < units ? unit_start[u + 1] : documents->items;
        for (uint32_t d = unit_start[u]; d < end; d++)
            for (uint64_t e = documents->row_start[d]; e < documents->row_start[d + 1]; e++) {
                uint32_t t = documents->term_ids[e];
                if (last_unit[t] != u + 1) {
                    last_unit[t] = u + 1;
                    term_ids[edges++] = t;
                }
            }
        row_start[u + 1] = edges;
    }
    free(last_unit);
    *out = (bp_graph){units, documents->terms, row_start, term_ids};
    *row_start_out = row_start;
    *term_ids_out = term_ids;
    return 0;
}

int reorder_units(const bp_graph *graph, const uint32_t *unit_start, uint32_t units,
                  const bp_options *options, uint32_t *order, size_t *peak, cops_error *err)
{
    uint32_t *unit_order = malloc(((size_t)units + 1) * sizeof *unit_order);
    uint32_t *inner = malloc(((size_t)graph->items + 1) * sizeof *inner);
    int rc = unit_order && inner ? 0 : COPS_ENOMEM;
    *peak += ((size_t)units + 1 + (size_t)graph->items + 1) * sizeof(uint32_t);
    bp_stats stats = {0, 0, 0};
    if (rc == 0 && units == graph->items) {
        rc = bp_order(graph, options, order, &stats, err);
        *peak += stats.memory_bytes;
    } else if (rc == 0) {
        bp_graph by_unit = {0, 0, NULL, NULL};
        uint64_t *unit_rows = NULL;
        uint32_t *unit_terms = NULL;
        rc = unit_graph(graph, unit_start, units, &by_unit, &unit_rows, &unit_terms);
        if (rc == 0)
            rc = bp_order(&by_unit, options, unit_order, &stats, err);
        size_t unit_peak = stats.memory_bytes + (by_unit.items + 1) * sizeof *unit_rows
                           + (by_unit.items ? unit_rows[by_unit.items] : 0) * sizeof *unit_terms;
        free(unit_rows);
        free(unit_terms);
        uint32_t placed = 0;
        size_t inner_peak = 0;
        for (uint32_t i = 0; rc == 0 && i < units; i++) {
            uint32_t u = unit_order[i];
            uint32_t first = unit_start[u], end = u + 1 < units ? unit_start[u + 1] : graph->items;
            /* A unit too small to split keeps its order without the
             * bisection's per-term tables (many small files would pay
             * for them once each). */
            bp_graph one = {end - first, graph->terms, graph->row_start + first, graph->term_ids};
            if (end - first >= REORDER_MIN_UNIT_SPLIT) {
                rc = bp_order(&one, options, inner, NULL, err);
                /* one unit after another: the largest counts */
                if (bp_order_memory(one.items, one.terms, options) > inner_peak)
                    inner_peak = bp_order_memory(one.items, one.terms, options);
            }
            for (uint32_t k = 0; rc == 0 && k < end - first; k++)
                order[placed++] = first + (end - first >= REORDER_MIN_UNIT_SPLIT ? inner[k] : k);
        }
        /* the units' graph and bisection are freed before the units' own */
        *peak += unit_peak > inner_peak ? unit_peak : inner_peak;
    }
    free(unit_order);
    free(inner);
    if (rc == COPS_ENOMEM)
        error_set(err, rc, "out of memory reordering the documents");
    return rc;
}

/* What reorder_units takes besides the documents' graph: its two orders,
 * then the bisection of all the documents (or of one unit's after
 * another, none larger), or, with units of several documents, first the
 * units' graph (its term list allocated for as many edges as it may
 * have, and a table over the terms while it is made) with the units'
 * bisection beside it.  The units' graph is as large as the documents'
 * when units share few words: left out, a merge under --memory 16 of
 * 20,000 documents in files of two passed the check and reported 16.9 MB
 * (more than the 16 MiB allowed). */
size_t reorder_ordering_bytes(uint32_t count, uint32_t units, uint64_t edges, uint32_t terms,
                              const bp_options *options)
{
    size_t orders = ((size_t)units + 1 + (size_t)count + 1) * sizeof(uint32_t);
    size_t whole = bp_order_memory(count, terms, options);
    if (units == count)
        return orders + whole;
    size_t unit_graph = ((size_t)units + 1) * sizeof(uint64_t)
                        + ((size_t)unit_edges_bound(edges, units, terms) + 1) * sizeof(uint32_t);
    size_t making = ((size_t)terms + 1) * sizeof(uint32_t);
    size_t ordering = bp_order_memory(units, terms, options);
    size_t by_units = unit_graph + (making > ordering ? making : ordering);
    return orders + (by_units > whole ? by_units : whole);
}

/* Read the graph; 0 with *fits = 0 when it would exceed the budget
 * (stats->peak_memory_bytes is then what it would take). */
static int read_graph(graph_walk *w, size_t segment_count, uint32_t count, uint32_t units,
                      size_t budget_bytes, int *fits, reorder_stats *stats)
{
    int rc = walk_segments(w, segment_count);
    if (rc != 0)
        return rc;
    for (uint32_t i = 0; i < count; i++)
        w->row_start[i + 1] += w->row_start[i];
    stats->edges = w->row_start[count];
    stats->terms = w->table.terms;
    /* the graph and the key table; then the ordering's (reorder_ordering_bytes) */
    stats->peak_memory_bytes = stats->edges * 4 + (size_t)count * (8 + 8)
                               + key_table_bytes(&w->table);
    size_t needed = stats->peak_memory_bytes
                    + reorder_ordering_bytes(count, units, stats->edges, w->table.terms, NULL);
    *fits = needed <= budget_bytes;
    if (!*fits) {
        stats->peak_memory_bytes = needed;
        return 0;
    }
    w->term_ids = malloc((stats->edges + 1) * sizeof *w->term_ids);
    w->row_fill = malloc(((size_t)count + 1) * sizeof *w->row_fill);
    if (!w->term_ids || !w->row_fill)
        return error_set(w->err, COPS_ENOMEM, "out of memory reading the document graph");
    memcpy(w->row_fill, w->row_start, ((size_t)count + 1) * sizeof *w->row_fill);
    w->filling = 1;
    return walk_segments(w, segment_count);
}

int reorder_merge(segment *const *segments, size_t segment_count,
                  const merge_document *documents, uint32_t count, const uint32_t *unit_start,
                  uint32_t units, size_t budget_bytes, uint32_t *order, reorder_stats *stats,
                  cops_error *err)
{
    memset(stats, 0, sizeof *stats);
    for (uint32_t i = 0; i < count; i++)
        order[i] = i;
    graph_walk w;
    memset(&w, 0, sizeof w);
    w.segments = segments;
    w.err = err;
    w.position_of = calloc(segment_count + 1, sizeof *w.position_of);
    w.row_start = calloc((size_t)count + 1, sizeof *w.row_start);
    int rc = w.position_of && w.row_start ? 0 : COPS_ENOMEM;
    for (size_t s = 0; rc == 0 && s < segment_count; s++) {
        uint32_t n = segment_documents(segments[s]);
        w.position_of[s] = malloc(((size_t)n + 1) * sizeof **w.position_of);
        if (!w.position_of[s])
            rc = COPS_ENOMEM;
        for (uint32_t d = 0; rc == 0 && d < n; d++)
            w.position_of[s][d] = NOT_MERGED;
    }
    for (uint32_t i = 0; rc == 0 && i < count; i++)
        w.position_of[documents[i].segment][documents[i].doc] = i;
    if (rc == COPS_ENOMEM)
        rc = error_set(err, rc, "out of memory reordering %u documents", count);
    int fits = 0;
    if (rc == 0)
        rc = read_graph(&w, segment_count, count, units, budget_bytes, &fits, stats);
    stats->skipped = rc == 0 && !fits;
    if (rc == 0 && fits) {
        bp_graph graph = {count, w.table.terms, w.row_start, w.term_ids};
        stats->cost_before = bp_log_gap_cost(&graph, order);
        rc = reorder_units(&graph, unit_start, units, NULL, order, &stats->peak_memory_bytes, err);
        if (rc == 0)
            stats->cost_after = bp_log_gap_cost(&graph, order);
    }
    for (size_t s = 0; w.position_of && s < segment_count; s++)
        free(w.position_of[s]);
    free(w.position_of);
    free(w.row_start);
    free(w.row_fill);
    free(w.term_ids);
    free(w.term_of_visit);
    key_table_free(&w.table);
    return rc;
}
