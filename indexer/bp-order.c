/*
 * bp-order.c — recursive graph bisection (bp-order.h).
 *
 * Each level splits a part of the order into two halves and moves items
 * between them to lower the log-gap cost estimate of the papers: a term
 * with d1 items in the left half (n1 items) and d2 in the right (n2)
 * costs d1·log2(n1/(d1+1)) + d2·log2(n2/(d2+1)).  An item's move gain
 * is what its terms' costs drop when it alone changes sides; each round
 * sorts both halves by gain and swaps pairs while the two gains together
 * are positive, so the halves keep their sizes.  The logarithms come
 * from one table (log2 of 0 .. items + 1), the papers' fast
 * approximation of the cost; the degrees of a part are counted once per
 * part and updated by each swap.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "indexer/bp-order.h"

/* Rounds per level at most.  On wiki-dev (41,239 documents) 5 rounds
 * leave a log-gap cost of 75.1 % of the original against 74.3 % after 20,
 * yet the segment's bytes are the same (52.080 MB without stored text
 * against 52.083 MB), for 1.7 s of CPU instead of 3.9 s. */
#define BP_DEFAULT_ITERATIONS 5
#define BP_DEFAULT_MIN_PART 16
/* A part under this many items gets one round: on wiki-dev the last two
 * levels (parts of 32 to 127 items) took 31 % of the bisection's CPU
 * with five rounds, for 0.01 MB of the 1.49 MB the reordering saves. */
#define BP_SMALL_PART 128
#define BP_SETTLED_SHARE 100 /* a round moving under 1/100 of a part ends its level */

typedef struct move {
    double gain;
    uint32_t item;
} move;

/* What the bisection reads, shared by its threads. */
typedef struct bisection {
    const bp_graph *graph;
    unsigned max_depth, iterations;
    uint32_t min_part;
    int parallel;                         /* 1: the parts below the first split on two threads */
    double *log2_table;                   /* log2(k), k = 0 .. items + 1 */
} bisection;

/* What one thread writes.  The degrees are 0 outside the part being
 * split; the part's distinct terms are listed, so a round computes each
 * term's gains once without a pass over the part's edges, and the
 * degrees are cleared by that list. */
typedef struct workspace {
    uint32_t *left_degree, *right_degree; /* per term, in the part being split */
    double *gain_leaving_left;            /* per term: the gain of one left item moving */
    double *gain_leaving_right;
    uint32_t *part_terms;                 /* the distinct terms of the part */
    uint32_t part_term_count;
    move *moves;                          /* one per item of the part */
    bp_stats stats;
} workspace;

/* The cost of a term with `degree` items among `size`. */
static inline double term_cost(const bisection *b, uint32_t degree, uint32_t size)
{
    return degree * (b->log2_table[size] - b->log2_table[degree + 1]);
}

/* Higher gain first; on a tie the lower item, so the order is fixed. */
static int compare_moves(const void *a, const void *b)
{
    const move *x = a, *y = b;
    if (x->gain != y->gain)
        return x->gain > y->gain ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

/* Add `delta` (+1 or -1, as unsigned arithmetic) to `degree` for each term of `item`. */
static void add_degrees(const bisection *b, uint32_t *degree, uint32_t item, uint32_t delta)
{
    const bp_graph *g = b->graph;
    for (uint64_t e = g->row_start[item]; e < g->row_start[item + 1]; e++)
        degree[g->term_ids[e]] += delta;
}

/* The degrees of `count` items into `degree`, listing the terms new to the part. */
static void count_degrees(const bisection *b, workspace *w, uint32_t *degree,
                          const uint32_t *items, uint32_t count)
{
    const bp_graph *g = b->graph;
    for (uint32_t i = 0; i < count; i++)
        for (uint64_t e = g->row_start[items[i]]; e < g->row_start[items[i] + 1]; e++) {
            uint32_t t = g->term_ids[e];
            if (w->left_degree[t] == 0 && w->right_degree[t] == 0)
                w->part_terms[w->part_term_count++] = t;
            degree[t]++;
        }
}

/* Each term's move gains for this round: a term's cost change when one
 * item leaves a half is the same for every item of that half holding
 * it, so an item's gain is a sum of table entries (and, as in the
 * papers, each gain assumes no other item moves). */
static void compute_term_gains(const bisection *b, workspace *w, uint32_t n1, uint32_t n2)
{
    for (uint32_t i = 0; i < w->part_term_count; i++) {
        uint32_t t = w->part_terms[i];
        uint32_t d1 = w->left_degree[t], d2 = w->right_degree[t];
        double now = term_cost(b, d1, n1) + term_cost(b, d2, n2);
        w->gain_leaving_left[t] = d1 ? now - term_cost(b, d1 - 1, n1) - term_cost(b, d2 + 1, n2) : 0;
        w->gain_leaving_right[t] = d2 ? now - term_cost(b, d1 + 1, n1) - term_cost(b, d2 - 1, n2)
                                      : 0;
    }
}

/* The gain of moving each of `items` out of its half (`gain_of_term`); sorted. */
static void compute_gains(const bisection *b, const uint32_t *items, uint32_t count,
                          const double *gain_of_term, move *moves)
{
    const bp_graph *g = b->graph;
    for (uint32_t i = 0; i < count; i++) {
        double gain = 0;
        for (uint64_t e = g->row_start[items[i]]; e < g->row_start[items[i] + 1]; e++)
            gain += gain_of_term[g->term_ids[e]];
        moves[i] = (move){gain, items[i]};
    }
    qsort(moves, count, sizeof *moves, compare_moves);
}

/* One round: swap the best pairs.  Returns the number of pairs swapped. */
static uint32_t swap_round(const bisection *b, workspace *w, uint32_t *left, uint32_t n1,
                           uint32_t *right, uint32_t n2)
{
    move *left_moves = w->moves, *right_moves = w->moves + n1;
    compute_term_gains(b, w, n1, n2);
    compute_gains(b, left, n1, w->gain_leaving_left, left_moves);
    compute_gains(b, right, n2, w->gain_leaving_right, right_moves);
    uint32_t pairs = 0;
    uint32_t limit = n1 < n2 ? n1 : n2;
    while (pairs < limit && left_moves[pairs].gain + right_moves[pairs].gain > 0)
        pairs++;
    if (pairs == 0)
        return 0;
    /* The halves are rewritten in gain order, the swapped items first;
     * the next round sorts them again, so their order inside a half does
     * not matter until the last level. */
    for (uint32_t i = 0; i < n1; i++)
        left[i] = i < pairs ? right_moves[i].item : left_moves[i].item;
    for (uint32_t i = 0; i < n2; i++)
        right[i] = i < pairs ? left_moves[i].item : right_moves[i].item;
    for (uint32_t i = 0; i < pairs; i++) {
        add_degrees(b, w->left_degree, left[i], 1);
        add_degrees(b, w->right_degree, left[i], (uint32_t)-1);
        add_degrees(b, w->right_degree, right[i], 1);
        add_degrees(b, w->left_degree, right[i], (uint32_t)-1);
    }
    return pairs;
}

static int compare_items(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Move items between the halves of order[0, count), round by round. */
static void split_part(const bisection *b, workspace *w, uint32_t *order, uint32_t count)
{
    uint32_t n1 = count / 2, n2 = count - n1;
    uint32_t *left = order, *right = order + n1;
    w->part_term_count = 0;
    count_degrees(b, w, w->left_degree, left, n1);
    count_degrees(b, w, w->right_degree, right, n2);
    unsigned rounds = count < BP_SMALL_PART ? 1 : b->iterations;
    for (unsigned round = 0; round < rounds; round++) {
        uint32_t pairs = swap_round(b, w, left, n1, right, n2);
        w->stats.swaps += 2 * (uint64_t)pairs;
        /* Rounds that move under 1 % of the part gain little more (on
         * wiki-dev, with 20 rounds at most, the cost was 74.3 % of the
         * original instead of 74.1 % after all 20) and would take twice
         * the time. */
        if ((uint64_t)pairs * BP_SETTLED_SHARE < count)
            break;
    }
    for (uint32_t i = 0; i < w->part_term_count; i++) {
        w->left_degree[w->part_terms[i]] = 0;
        w->right_degree[w->part_terms[i]] = 0;
    }
}

/* A part of the order waiting to be split, and its level. */
typedef struct part {
    uint32_t *order;
    uint32_t count;
    unsigned depth;
} part;

/* The parts below the first split, shared by the two threads: each
 * thread splits a part, leaves its right half here and goes on with the
 * left, and takes a waiting part when its own are done.  So neither
 * thread idles while the other still has a large half (the halves of a
 * split can hold very different numbers of edges: on wiki-dev one
 * thread's half took three times the other's processor time). */
typedef struct part_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    part *waiting;
    size_t count, capacity;
    unsigned busy;                        /* threads working on a part */
} part_queue;

typedef struct worker {
    const bisection *b;
    workspace *w;
    part_queue *queue;                    /* NULL: one thread, no sharing */
} worker;

/* Leave `p` for whichever thread is free; 0 when there is no room (the
 * caller then splits it itself). */
static int offer_part(part_queue *q, part p)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == q->capacity) {
        size_t capacity = q->capacity ? 2 * q->capacity : 64;
        part *grown = realloc(q->waiting, capacity * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&q->lock);
            return 0;
        }
        q->waiting = grown;
        q->capacity = capacity;
    }
    q->waiting[q->count++] = p;
    pthread_cond_signal(&q->changed);
    pthread_mutex_unlock(&q->lock);
    return 1;
}

/* Split order[0, count) in two, then each half, down to max_depth.  Each
 * part is a function of its items (in the order its parent split left
 * them) alone, so the order is the same whichever thread splits which
 * part. */
static void bisect(const worker *k, uint32_t *order, uint32_t count, unsigned depth)
{
    const bisection *b = k->b;
    workspace *w = k->w;
    for (;;) {
        if (count < 2 * b->min_part || depth >= b->max_depth) {
            /* A part that is not split keeps its items in their own
             * order, so the result does not depend on the last round's
             * sort. */
            qsort(order, count, sizeof *order, compare_items);
            return;
        }
        if (depth + 1 > w->stats.depth)
            w->stats.depth = depth + 1;
        split_part(b, w, order, count);
        uint32_t n1 = count / 2;
        part right = {order + n1, count - n1, depth + 1};
        if (!k->queue || !offer_part(k->queue, right))
            bisect(k, right.order, right.count, right.depth);
        count = n1;
        depth++;
    }
}

/* A thread's work: waiting parts until none is left and no thread can
 * leave more. */
static void *work_on_parts(void *argument)
{
    const worker *k = argument;
    part_queue *q = k->queue;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->count == 0 && q->busy > 0)
            pthread_cond_wait(&q->changed, &q->lock);
        if (q->count == 0)
            break;
        part p = q->waiting[--q->count];
        q->busy++;
        pthread_mutex_unlock(&q->lock);
        bisect(k, p.order, p.count, p.depth);
        pthread_mutex_lock(&q->lock);
        q->busy--;
    }
    pthread_cond_broadcast(&q->changed); /* the other thread waits no more */
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* The whole order: the first split on this thread, then, with a `spare`
 * workspace, the parts below it shared with a second thread (when it
 * can be started; the order is the same either way). */
static void bisect_all(const bisection *b, workspace *w, workspace *spare, uint32_t *order,
                       uint32_t count)
{
    worker alone = {b, w, NULL};
    if (!spare || count < 2 * b->min_part || b->max_depth == 0) {
        bisect(&alone, order, count, 0);
        return;
    }
    w->stats.depth = 1;
    split_part(b, w, order, count);
    uint32_t n1 = count / 2;
    part_queue q;
    memset(&q, 0, sizeof q);
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.changed, NULL);
    worker mine = {b, w, &q}, other = {b, spare, &q};
    pthread_t thread;
    part halves[2] = {{order, n1, 1}, {order + n1, count - n1, 1}};
    if (offer_part(&q, halves[1]) && offer_part(&q, halves[0])
        && pthread_create(&thread, NULL, work_on_parts, &other) == 0) {
        work_on_parts(&mine);
        pthread_join(thread, NULL);
    } else {
        q.count = 0; /* nothing was split yet: all on this thread */
        bisect(&alone, halves[0].order, halves[0].count, 1);
        bisect(&alone, halves[1].order, halves[1].count, 1);
    }
    free(q.waiting);
    pthread_cond_destroy(&q.changed);
    pthread_mutex_destroy(&q.lock);
}

static int workspace_init(workspace *w, size_t terms, uint32_t items)
{
    memset(w, 0, sizeof *w);
    w->left_degree = calloc(terms, sizeof *w->left_degree);
    w->right_degree = calloc(terms, sizeof *w->right_degree);
    w->gain_leaving_left = malloc(terms * sizeof *w->gain_leaving_left);
    w->gain_leaving_right = malloc(terms * sizeof *w->gain_leaving_right);
    w->part_terms = malloc(terms * sizeof *w->part_terms);
    w->moves = malloc(((size_t)items + 1) * sizeof *w->moves);
    return w->left_degree && w->right_degree && w->gain_leaving_left && w->gain_leaving_right
           && w->part_terms && w->moves ? 0 : COPS_ENOMEM;
}

static size_t workspace_bytes(size_t terms, uint32_t items)
{
    return terms * (2 * sizeof(uint32_t) + 2 * sizeof(double) + sizeof(uint32_t))
           + ((size_t)items + 1) * sizeof(move);
}

/* Whether the parts below the first split get two threads: when each half
 * is split again. */
static int uses_two_threads(uint32_t items, uint32_t min_part, unsigned max_depth, int allowed)
{
    return allowed && items >= 4 * (uint64_t)min_part && max_depth > 1;
}

size_t bp_order_memory(uint32_t items, uint32_t terms, const bp_options *options)
{
    uint32_t min_part = options && options->min_part ? options->min_part : BP_DEFAULT_MIN_PART;
    unsigned max_depth = options && options->max_depth ? options->max_depth : 64;
    int parallel = uses_two_threads(items, min_part, max_depth, !(options && options->threads == 1));
    size_t table_terms = terms ? terms : 1;
    return workspace_bytes(table_terms, items)
           + (parallel ? workspace_bytes(table_terms, items / 2) : 0)
           + ((size_t)items + 2) * sizeof(double);
}

static void workspace_free(workspace *w)
{
    free(w->left_degree);
    free(w->right_degree);
    free(w->gain_leaving_left);
    free(w->gain_leaving_right);
    free(w->part_terms);
    free(w->moves);
}

int bp_order(const bp_graph *graph, const bp_options *options, uint32_t *order, bp_stats *stats,
             cops_error *err)
{
    bisection b;
    memset(&b, 0, sizeof b);
    b.graph = graph;
    b.iterations = options && options->iterations ? options->iterations : BP_DEFAULT_ITERATIONS;
    b.min_part = options && options->min_part ? options->min_part : BP_DEFAULT_MIN_PART;
    b.max_depth = options && options->max_depth ? options->max_depth : 64;
    b.parallel = options && options->threads == 1 ? 0 : 1;
    for (uint32_t i = 0; i < graph->items; i++)
        order[i] = i;
    size_t terms = graph->terms ? graph->terms : 1;
    /* The second thread's workspace only when there is a second half
     * worth a thread. */
    b.parallel = uses_two_threads(graph->items, b.min_part, b.max_depth, b.parallel);
    workspace w, spare;
    memset(&spare, 0, sizeof spare);
    int rc = workspace_init(&w, terms, graph->items);
    if (rc == 0 && b.parallel)
        rc = workspace_init(&spare, terms, graph->items / 2);
    b.log2_table = rc == 0 ? malloc(((size_t)graph->items + 2) * sizeof *b.log2_table) : NULL;
    if (!b.log2_table) {
        rc = error_set(err, COPS_ENOMEM, "out of memory reordering %u documents", graph->items);
    } else {
        b.log2_table[0] = 0;
        for (size_t k = 1; k < (size_t)graph->items + 2; k++)
            b.log2_table[k] = log2((double)k);
        bisect_all(&b, &w, b.parallel ? &spare : NULL, order, graph->items);
        if (b.parallel) {
            w.stats.swaps += spare.stats.swaps;
            if (spare.stats.depth > w.stats.depth)
                w.stats.depth = spare.stats.depth;
        }
        w.stats.memory_bytes = bp_order_memory(graph->items, graph->terms, options);
    }
    free(b.log2_table);
    workspace_free(&w);
    workspace_free(&spare);
    if (stats)
        *stats = w.stats;
    return rc;
}

double bp_log_gap_cost(const bp_graph *graph, const uint32_t *order)
{
    /* last_position[t] = 1 + the last position of a term seen so far (0 = none). */
    uint64_t *last_position = calloc(graph->terms ? graph->terms : 1, sizeof *last_position);
    if (!last_position)
        return -1;
    double cost = 0;
    for (uint32_t p = 0; p < graph->items; p++) {
        uint32_t item = order[p];
        for (uint64_t e = graph->row_start[item]; e < graph->row_start[item + 1]; e++) {
            uint32_t t = graph->term_ids[e];
            cost += log2((double)(p + 1 - last_position[t]));
            last_position[t] = p + 1;
        }
    }
    free(last_position);
    return cost;
}
