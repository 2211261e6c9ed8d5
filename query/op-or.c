/*
 * op-or.c — disjunction (matcher.h): the current document is the smallest
 * of the children's; the score sums the children standing on it.
 *
 * With a top-k threshold it runs MaxScore: children ordered by their
 * score bound; the weakest ones whose bounds together cannot beat the
 * threshold are "non-essential" and never propose a document — they are
 * only consulted, strongest first, for documents an essential child
 * proposed, and only while the document can still beat the threshold.
 * A document that can is then summed in the order the disjunction was
 * built, as without a threshold: its score is the exhaustive one to the
 * bit, so ties stay ties and go by the stable key (query/search.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "query/matcher.h"

#define OR_INLINE_CHILDREN 2

typedef struct or_matcher {
    matcher base;
    matcher_ops ops;             /* or_ops; its score or_pruned_score once pruning */
    matcher **children;
    size_t count;
    int started;
    /* MaxScore state, set up by the first threshold */
    int pruning;
    double threshold;
    double *prefix_bounds;       /* prefix_bounds[i] = sum of bounds of children[0..i] */
    size_t first_essential;      /* children[first_essential..] propose documents */
    int two_phase;               /* a child confirms its candidates (matcher_ops) */
    /* Flattened inner disjunctions: children[group_ends[g-1]..group_ends[g])
     * were group g (NULL when nothing was flattened). */
    size_t *group_ends;
    size_t group_count;
    /* MaxScore's record of the build order: children[i] was child
     * built_at[i]; parts is or_pruned_score's scratch, in build order */
    size_t *built_at;
    double *parts;
    uint64_t seeds;              /* or_seed_next_geq's children, as bits */
    int seed_alone;              /* seeds scored without the other children */
    /* `children` when there are at most OR_INLINE_CHILDREN (a word's
     * body and title keys): one allocation fewer a word */
    matcher *inline_children[OR_INLINE_CHILDREN];
} or_matcher;

/* A child and where it stood when built, sorted by bound for MaxScore. */
typedef struct bounded_child {
    matcher *child;
    size_t built_at;
    double bound;
} bounded_child;

static int compare_bounds(const void *a, const void *b)
{
    const bounded_child *x = a, *y = b;
    if (x->bound != y->bound)
        return (x->bound > y->bound) - (x->bound < y->bound);
    return (x->built_at > y->built_at) - (x->built_at < y->built_at);
}

/* Confirm the two-phase children standing on `doc` (see matcher_ops);
 * one that does not match is moved past it.  With a threshold, nothing
 * is confirmed when the scores standing there and the non-essential
 * bounds together cannot beat it.  Returns whether a child matches. */
static int or_confirm(or_matcher *o, uint32_t doc)
{
    if (o->pruning) {
        double bound = o->first_essential ? o->prefix_bounds[o->first_essential - 1] : 0.0;
        for (size_t i = o->first_essential; i < o->count; i++)
            if (o->children[i]->doc == doc)
                bound += o->children[i]->ops->score(o->children[i]);
        if (matcher_cannot_exceed(bound, o->threshold))
            return 0;
    }
    int matched = 0;
    for (size_t i = o->first_essential; i < o->count; i++) {
        matcher *child = o->children[i];
        if (child->doc != doc)
            continue;
        if (!child->ops->confirm || child->ops->confirm(child))
            matched = 1;
        else
            child->ops->approximate_next_geq(child, doc + 1);
    }
    return matched;
}

/* Move the essential children pruned (o->pruning), strongest first: a
 * child is told the threshold it must beat alone up to the first document
 * a stronger child stands on (approximate_above), where none of those
 * adds to a score, rather than the threshold less every other bound that
 * it was set.  A phrase in the body next to the same phrase in the title
 * (a high bound, few documents) so skips most of its candidates, and a
 * common word's body key next to its few title matches most of its
 * postings (callgrind, the bench's 100 common words, top 10: p99 10.4 M
 * instructions a query before, 4.5 M after).  Returns the smallest
 * document the essential children stand on. */
static uint32_t or_advance_pruned(or_matcher *o, uint32_t target)
{
    uint32_t smallest = MATCHER_END; /* of the stronger children, then of all */
    for (size_t i = o->count; i-- > o->first_essential;) {
        matcher *child = o->children[i];
        uint32_t doc = child->doc;
        if (!o->started || (doc < target && doc != MATCHER_END)) {
            /* before `smallest` only the weaker children (their bounds'
             * sum) add to this one's score */
            double alone = o->threshold - (i ? o->prefix_bounds[i - 1] : 0.0);
            if (child->ops->approximate_above && smallest > target)
                doc = child->ops->approximate_above(child, target, alone, smallest - 1);
            else
                doc = child->ops->approximate_next_geq ? child->ops->approximate_next_geq(child, target)
                                                       : matcher_next_geq(child, target);
        }
        if (doc < smallest)
            smallest = doc;
    }
    return smallest;
}

static uint32_t or_next_geq(matcher *m, uint32_t target)
{
    or_matcher *o = (or_matcher *)m;
    for (;;) {
        uint32_t smallest = MATCHER_END;
        if (!o->pruning) {
            /* Nothing to leave unconfirmed before a threshold: each
             * child confirms its own candidates (next_geq), as the
             * two-phase step would confirm every one of them anyway
             * (for a phrase in the body or the title, the exact total's
             * pass: that step's bookkeeping, confirming and stepping
             * again was 6 % of it, callgrind). */
            for (size_t i = o->first_essential; i < o->count; i++) {
                matcher *child = o->children[i];
                uint32_t doc = child->doc;
                if (!o->started || (doc < target && doc != MATCHER_END))
                    doc = matcher_next_geq(child, target);
                if (doc < smallest)
                    smallest = doc;
            }
            o->started = 1;
            return m->doc = smallest;
        }
        smallest = or_advance_pruned(o, target);
        o->started = 1;
        if (!o->two_phase || smallest == MATCHER_END || or_confirm(o, smallest))
            return m->doc = smallest;
        target = smallest + 1;
    }
}

/* or_next_geq of two plain children (no two-phase child) without a
 * threshold, the shape of every word of a query (its body and title
 * keys): the general loop's set-up was most of its ~60 instructions a
 * call (callgrind, wiki-dev's AND queries, top 10: an eighth of all). */
static uint32_t or_pair_next_geq(matcher *m, uint32_t target)
{
    or_matcher *o = (or_matcher *)m;
    matcher *first = o->children[0], *second = o->children[1];
    uint32_t a = first->doc, b = second->doc;
    if (!o->started || a < target) /* MATCHER_END is never below a target */
        a = matcher_next_geq(first, target);
    if (!o->started || b < target)
        b = matcher_next_geq(second, target);
    o->started = 1;
    return m->doc = a < b ? a : b;
}

/* o->parts (one per child in build order, 0 for a child not on the
 * document, which adds nothing to the bit) summed as or_score sums the
 * children without a threshold. */
static double sum_parts_in_build_order(const or_matcher *o)
{
    double score = 0.0;
    size_t groups = o->group_ends ? o->group_count : 1;
    for (size_t i = 0, group = 0; group < groups; group++) {
        double part = 0.0; /* 0 + x is x: one group is the plain sum */
        for (size_t end = o->group_ends ? o->group_ends[group] : o->count; i < end; i++)
            part += o->parts[i];
        score += part;
    }
    return score;
}

/* The score once pruning (or_start_pruning): the essential children on
 * the document, then the others, strongest first, while the document can
 * still beat the threshold; a partial sum for one that cannot, else the
 * sum in build order, equal to or_score's to the bit. */
static double or_pruned_score(matcher *m)
{
    or_matcher *o = (or_matcher *)m;
    memset(o->parts, 0, o->count * sizeof *o->parts);
    double score = 0.0;
    for (size_t i = o->first_essential; i < o->count; i++)
        if (o->children[i]->doc == m->doc) {
            double part = o->children[i]->ops->score(o->children[i]);
            o->parts[o->built_at[i]] = part;
            score += part;
        }
    for (size_t i = o->first_essential; i-- > 0;) {
        if (matcher_cannot_exceed(score + o->prefix_bounds[i], o->threshold))
            return score; /* cannot make the top k: a partial score is enough */
        matcher *child = o->children[i];
        if (matcher_next_geq(child, m->doc) == m->doc) {
            double part = child->ops->score(child);
            o->parts[o->built_at[i]] = part;
            score += part;
        }
    }
    return sum_parts_in_build_order(o);
}

/* The sum of the children standing on the document, each group of a
 * flattened disjunction from 0 and the groups in build order (or_score);
 * with `seeds_only`, of the children in o->seeds alone.  Inline, so that
 * or_score, on every document of an unpruned disjunction, has no test of
 * seeds_only. */
static inline double sum_standing(const or_matcher *o, int seeds_only)
{
    double score = 0.0;
    if (!o->group_ends) {
        for (size_t i = 0; i < o->count; i++)
            if (o->children[i]->doc == o->base.doc && (!seeds_only || (i < 64 && o->seeds >> i & 1)))
                score += o->children[i]->ops->score(o->children[i]);
        return score;
    }
    for (size_t i = 0, group = 0; group < o->group_count; group++) {
        double part = 0.0;
        for (; i < o->group_ends[group]; i++)
            if (o->children[i]->doc == o->base.doc && (!seeds_only || (i < 64 && o->seeds >> i & 1)))
                part += o->children[i]->ops->score(o->children[i]);
        score += part;
    }
    return score;
}

/* Without a threshold (the children in build order). */
static double or_score(matcher *m)
{
    return sum_standing((or_matcher *)m, 0);
}

/* While seeding: the seed children's parts alone.  Every part is at least
 * 0 and a rounded sum never falls as one of its parts rises, so this is
 * at most or_score's sum, to the bit. */
static double or_seed_score(matcher *m)
{
    return sum_standing((or_matcher *)m, 1);
}

/* Top-k seeding (matcher_ops.seed_next_geq): the documents of the
 * strongest children, as many of them as together hold at most
 * 1 / OR_SEED_SHORT_FACTOR of the union's postings, each document with
 * every child moved onto it (next_geq, so a two-phase child is
 * confirmed), where or_score sums it as an exhaustive search does. */
#define OR_SEED_SHORT_FACTOR 8
/* With more children than this (three words or more in body and title),
 * moving every other child onto each seed costs more, so the seeds must
 * be fewer: at most 1 / OR_SEED_WIDE_FACTOR of the postings, in practice
 * the words' short title keys.  Unseeded, such a disjunction's threshold
 * rises only as good documents turn up in document order, and on wiki-dev
 * reached its final value only after most of the candidates had been
 * scored ("pictures of bottled water": 10.2 of 14.3 after 1,587 of 2,118).
 * Callgrind, the bench's 300 OR queries, top 10, total / median / p95 /
 * p99 instructions a query: unseeded 155.0 M / 348 k / 1.40 M / 2.42 M;
 * the wide factor 8: 163.3 M / 312 k / 1.70 M / 2.36 M; 64: 142.6 M /
 * 316 k / 1.28 M / 2.39 M; 128: 141.5 M / 328 k / 1.26 M / 2.00 M; 256:
 * 146.3 M / 336 k / 1.35 M / 2.00 M. */
#define OR_SEED_MAX_CHILDREN 4
#define OR_SEED_WIDE_FACTOR 128

/* The strongest children within the budget, as bits of *chosen: 0 when
 * not even the strongest fits. */
static int or_choose_seeds(or_matcher *o, uint64_t *chosen)
{
    uint64_t factor = o->count <= OR_SEED_MAX_CHILDREN ? OR_SEED_SHORT_FACTOR : OR_SEED_WIDE_FACTOR;
    uint64_t budget = o->base.cost / factor, taken = 0;
    *chosen = 0;
    for (;;) {
        /* the next strongest bound, with every child that has it */
        double best = -1.0;
        uint64_t with_best = 0, cost = 0;
        for (size_t i = 0; i < o->count; i++) {
            if (*chosen >> i & 1)
                continue;
            double bound = o->children[i]->ops->max_score(o->children[i]);
            if (bound > best) {
                best = bound;
                with_best = 0;
                cost = 0;
            }
            if (bound == best) {
                with_best |= (uint64_t)1 << i;
                cost += o->children[i]->cost;
            }
        }
        if (!with_best || taken + cost > budget)
            return *chosen != 0;
        *chosen |= with_best;
        taken += cost;
    }
}

/* Whether the seed children's parts alone make a threshold nearly as
 * high as the whole scores: the other children's bounds together are at
 * most 1 / OR_SEED_ALONE_FACTOR of the weakest seed's (a common word's
 * body key beside its title key).  Moving them onto every seed then costs
 * more than the little they add to the threshold: a block decoded for
 * each seed.  Callgrind, top 10, median / p95 instructions a query, the
 * others moved always -> with this rule: the bench's 100 common words
 * 451 k / 787 k -> 325 k / 685 k; the medium words, OR and phrases as
 * before.  Factor 1 also took the medium words' p95 from 304 k to 288 k
 * but a phrase's body half, whose bound is close to its title half's,
 * with it ("2018 winter": 819 k -> 891 k, OR's p95 1.58 M -> 1.60 M);
 * never moving them lost on OR (median 495 k -> 535 k). */
#define OR_SEED_ALONE_FACTOR 2
static int or_seeds_alone_suffice(const or_matcher *o)
{
    double weakest_seed = -1.0, others = 0.0;
    for (size_t i = 0; i < o->count; i++) {
        double bound = o->children[i]->ops->max_score(o->children[i]);
        if (!(o->seeds >> i & 1))
            others += bound;
        else if (weakest_seed < 0.0 || bound < weakest_seed)
            weakest_seed = bound;
    }
    return others * OR_SEED_ALONE_FACTOR <= weakest_seed;
}

/* (o->seeds chosen when built: a disjunction without seeds has no
 * seed_next_geq, so the search plans no seeder for it.) */
static uint32_t or_seed_next_geq(matcher *m, uint32_t target)
{
    or_matcher *o = (or_matcher *)m;
    o->started = 1;
    uint32_t doc = MATCHER_END;
    for (size_t i = 0; i < o->count; i++)
        if (o->seeds >> i & 1) {
            uint32_t at = matcher_next_geq(o->children[i], target);
            if (at < doc)
                doc = at;
        }
    if (o->seed_alone)
        o->ops.score = or_seed_score; /* the others are not moved onto it */
    else
        for (size_t i = 0; doc != MATCHER_END && i < o->count; i++)
            if (!(o->seeds >> i & 1))
                matcher_next_geq(o->children[i], doc);
    return m->doc = doc;
}

static double or_max_score(matcher *m)
{
    or_matcher *o = (or_matcher *)m;
    return matcher_sum_max_scores(o->children, o->count);
}

/* The block bound, the seed children (a word's title key: few postings,
 * the strongest bound) moved onto `target` first.  Such a key's block
 * spans thousands of documents, over which its skip entry bounds nothing
 * finer than its best title; moved, it adds nothing up to its next
 * document and its own score there.  A ranked conjunction so passes over
 * the windows without a title match once its threshold is above the
 * body keys' bounds ("john major": 1,929 matches, all but a few dozen
 * below the tenth best, which only a title match reaches).  Moving costs
 * at most the seeds' few postings.  (Not once pruning: the children are
 * then in MaxScore's order, no longer the seeds' bits'.) */
static double or_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    or_matcher *o = (or_matcher *)m;
    if (!o->seeds || o->pruning)
        return matcher_sum_block_bounds(o->children, o->count, target, last);
    double bound = 0.0;
    *last = MATCHER_END;
    for (size_t i = 0; i < o->count; i++) {
        matcher *child = o->children[i];
        uint32_t child_last;
        if (!(o->seeds >> i & 1)) {
            bound += child->ops->block_bound(child, target, &child_last);
        } else {
            uint32_t doc = !o->started || child->doc < target ? matcher_next_geq(child, target)
                                                               : child->doc;
            child_last = doc == target ? target : doc - 1; /* MATCHER_END - 1: to the end */
            if (doc == target)
                bound += child->ops->score(child);
            else if (doc == MATCHER_END)
                child_last = MATCHER_END;
        }
        if (child_last < *last)
            *last = child_last;
    }
    return bound;
}

/* MaxScore's set-up: the children sorted by bound (each remembering
 * where it was built), their running bounds, and or_score's scratch. */
static int or_start_pruning(or_matcher *o)
{
    bounded_child *sorted = malloc(o->count * sizeof *sorted);
    o->prefix_bounds = malloc(o->count * sizeof *o->prefix_bounds);
    o->parts = malloc(o->count * sizeof *o->parts);
    o->built_at = malloc(o->count * sizeof *o->built_at);
    if (!sorted || !o->prefix_bounds || !o->parts || !o->built_at) {
        free(sorted);
        free(o->prefix_bounds);
        free(o->parts);
        free(o->built_at);
        o->prefix_bounds = o->parts = NULL;
        o->built_at = NULL;
        return -1;
    }
    for (size_t i = 0; i < o->count; i++)
        sorted[i] = (bounded_child){o->children[i], i,
                                    o->children[i]->ops->max_score(o->children[i])};
    qsort(sorted, o->count, sizeof *sorted, compare_bounds);
    double sum = 0.0;
    for (size_t i = 0; i < o->count; i++) {
        o->children[i] = sorted[i].child;
        o->built_at[i] = sorted[i].built_at;
        sum += sorted[i].bound;
        o->prefix_bounds[i] = sum;
    }
    free(sorted);
    o->pruning = 1;
    o->ops.score = or_pruned_score;
    o->ops.next_geq = or_next_geq; /* or_pair_next_geq has no threshold */
    return 0;
}

static void or_set_threshold(matcher *m, double threshold)
{
    or_matcher *o = (or_matcher *)m;
    if (!o->pruning && or_start_pruning(o) != 0)
        return; /* no pruning: still correct */
    o->threshold = threshold;
    /* A child scoring at most `threshold` less the others' bounds cannot
     * lift a document above the threshold, so it may skip it too (a phrase
     * then leaves such documents unverified). */
    double total = o->prefix_bounds[o->count - 1];
    for (size_t i = 0; i < o->count; i++) {
        matcher *child = o->children[i];
        if (child->ops->set_threshold) {
            double own = o->prefix_bounds[i] - (i ? o->prefix_bounds[i - 1] : 0.0);
            child->ops->set_threshold(child, threshold - (total - own));
        }
    }
    while (o->first_essential < o->count
           && matcher_cannot_exceed(o->prefix_bounds[o->first_essential], threshold))
        o->first_essential++;
}

/* Positions of all children standing on the document, merged. */
static int or_positions(matcher *m, uint32_t *out, size_t capacity)
{
    or_matcher *o = (or_matcher *)m;
    size_t total = 0;
    for (size_t i = 0; i < o->count; i++) {
        matcher *child = o->children[i];
        if (child->doc != m->doc || !child->ops->positions)
            continue;
        int n = child->ops->positions(child, out + total, capacity - total);
        if (n < 0)
            return n;
        /* merge the new run into the sorted prefix (insertion: runs are short) */
        for (size_t k = total; k < total + (size_t)n; k++) {
            uint32_t value = out[k];
            size_t j = k;
            while (j > 0 && out[j - 1] > value) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = value;
        }
        total += (size_t)n;
    }
    return (int)total;
}

static void or_explain(matcher *m, byte_buffer *out, int depth)
{
    or_matcher *o = (or_matcher *)m;
    for (size_t i = 0; i < o->count; i++)
        if (o->children[i]->doc == m->doc)
            o->children[i]->ops->explain(o->children[i], out, depth);
}

static void or_free(matcher *m)
{
    or_matcher *o = (or_matcher *)m;
    for (size_t i = 0; i < o->count; i++)
        matcher_free(o->children[i]);
    array_free_inline(o->children, o->inline_children);
    free(o->prefix_bounds);
    free(o->built_at);
    free(o->parts);
    free(o->group_ends);
    free(o);
}

/* Counting: each child ORs its own matches into the window, so a
 * document is neither merged across children nor scored (a window of
 * bits instead of the smallest-document loop over every child). */
static void or_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    or_matcher *o = (or_matcher *)m;
    uint32_t next = MATCHER_END;
    for (size_t i = 0; i < o->count; i++) {
        matcher_fill_window(o->children[i], window, first, end);
        if (o->children[i]->doc < next)
            next = o->children[i]->doc;
    }
    o->started = 1;
    m->doc = next;
}

static const matcher_ops or_ops = {
    .next_geq = or_next_geq,
    .score = or_score,
    .positions = or_positions,
    .explain = or_explain,
    .free = or_free,
    .max_score = or_max_score,
    .block_bound = or_block_bound,
    .set_threshold = or_set_threshold,
    .fill_window = or_fill_window,
    .seed_next_geq = or_seed_next_geq,
};

/* An inner disjunction is flattened into its parent when it is not itself
 * the result of flattening (one level of groups keeps or_score's sum order
 * simple). */
static or_matcher *flattenable(matcher *child)
{
    if (child->ops->free != or_free) /* a disjunction's next_geq may vary */
        return NULL;
    or_matcher *inner = (or_matcher *)child;
    return inner->group_ends ? NULL : inner;
}

matcher *matcher_or(matcher **children, size_t count)
{
    /* A disjunction of disjunctions is one disjunction (the same sum):
     * flat, MaxScore sees every term's own bound, and a common word's
     * body key no longer shares its title key's high bound (a short
     * title), which kept it essential. */
    size_t flat_count = 0, flattened = 0;
    for (size_t i = 0; i < count; i++) {
        or_matcher *inner = flattenable(children[i]);
        flat_count += inner ? inner->count : 1;
        flattened += inner != NULL;
    }
    or_matcher *o = calloc(1, sizeof *o);
    size_t capacity = 0;
    int copied = o && ARRAY_RESERVE_INLINE(o->children, capacity, 0, flat_count,
                                           o->inline_children) == 0;
    matcher **copy = copied ? o->children : NULL;
    size_t *group_ends = copied && flattened ? malloc(count * sizeof *group_ends) : NULL;
    if (!copied || (flattened && !group_ends)) {
        for (size_t i = 0; i < count; i++)
            matcher_free(children[i]);
        if (o)
            array_free_inline(o->children, o->inline_children);
        free(o);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        or_matcher *inner = flattenable(children[i]);
        if (inner) {
            memcpy(copy + n, inner->children, inner->count * sizeof *copy);
            n += inner->count;
            inner->count = 0; /* its children are now ours */
            matcher_free(&inner->base);
        } else {
            copy[n++] = children[i];
        }
        if (group_ends)
            group_ends[i] = n;
    }
    o->ops = or_ops;
    o->base.ops = &o->ops;
    for (size_t i = 0; i < n; i++) {
        o->base.cost += copy[i]->cost;
        o->two_phase |= copy[i]->ops->confirm != NULL;
    }
    o->children = copy;
    o->count = n;
    o->group_ends = group_ends;
    o->group_count = group_ends ? count : 0;
    if (n == 2 && !o->two_phase && !o->children[0]->ops->approximate_next_geq
        && !o->children[1]->ops->approximate_next_geq)
        o->ops.next_geq = or_pair_next_geq;
    if (n < 2 || n > 64 || !or_choose_seeds(o, &o->seeds)) /* o->seeds: 64 bits */
        o->ops.seed_next_geq = NULL;
    else
        o->seed_alone = or_seeds_alone_suffice(o);
    return &o->base;
}
