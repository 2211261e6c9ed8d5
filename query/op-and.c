/*
 * op-and.c — conjunction with exclusions and optional scoring parts
 * (matcher.h).  Required children are ordered by cost, rarest first, so
 * the leader proposes few candidates and the others skip to them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "query/matcher.h"

/* A part's block bound, which holds over [first, last], and in `rest`
 * the sum of its bound and the later parts' in the last window. */
typedef struct part_bound {
    double bound, rest;
    uint32_t first, last;
} part_bound;

/* Parts of a conjunction held in the matcher itself (no allocation for a
 * query of up to this many words, most of them). */
#define AND_INLINE_PARTS 4

typedef struct and_matcher {
    matcher base;
    matcher **required;
    size_t required_count;
    matcher **excluded;
    size_t excluded_count;
    matcher **optional;
    size_t optional_count;
    double threshold;            /* top-k pruning, when `pruning` */
    int pruning;
    /* The last window bound: it holds over [window_first, window_last],
     * so later targets inside it need not ask the children again. */
    double window_bound;
    uint32_t window_first, window_last;
    int window_known;
    /* With a dense child (AND_DENSE_FACTOR), and_next_dense's state: the
     * first dense required child, each scoring part's last block bound
     * (required, then optional), and the sum of the scores of
     * required[0 .. prefix_count) at prefix_doc, in and_score's order. */
    size_t first_dense;          /* 0: no dense child, or no `parts` */
    part_bound *parts;           /* once pruning (NULL: out of memory) */
    part_bound inline_parts[AND_INLINE_PARTS];
    /* The document the last next_geq returned with `parts` bounding it
     * (MATCHER_END: none), which and_score may leave partly scored. */
    uint32_t parts_doc;
    double prefix_score;
    size_t prefix_count;
    uint32_t prefix_doc;
    /* Counting (and_fill_window): the window's conjunction so far, and
     * one child's matches in it. */
    uint64_t agreed[MATCHER_WINDOW / 64];
    uint64_t child_bits[MATCHER_WINDOW / 64];
} and_matcher;

static int compare_cost(const void *a, const void *b)
{
    const matcher *x = *(matcher *const *)a, *y = *(matcher *const *)b;
    return (x->cost > y->cost) - (x->cost < y->cost);
}

/* A bound over [target, *last] for every part that scores. */
static double and_window_bound(and_matcher *a, uint32_t target, uint32_t *last)
{
    double bound = matcher_sum_block_bounds(a->required, a->required_count, target, last);
    uint32_t optional_last;
    bound += matcher_sum_block_bounds(a->optional, a->optional_count, target, &optional_last);
    if (optional_last < *last)
        *last = optional_last;
    return bound;
}

/* Whether `doc`, on which every required child stands, is left out by
 * an exclusion. */
static int and_excludes(and_matcher *a, uint32_t doc)
{
    int excluded = 0;
    for (size_t i = 0; i < a->excluded_count && !excluded; i++)
        excluded = matcher_next_geq(a->excluded[i], doc) == doc;
    return excluded;
}

/* A required child at least this many times as costly as the leader (a
 * common word after a rarer one: "of" and "a" after "plant") is "dense":
 * it stands on nearly every candidate, and moving it there decodes a
 * block of it at nearly every one.  and_next_dense moves it onto a
 * candidate only when the children before it, scored, and the bounds of
 * the rest can beat the threshold; their scores are wasted only when a
 * dense child then rejects the candidate, which it seldom does.  Before a
 * sparser child, which rejects most candidates, scores would mostly be
 * wasted: such conjunctions keep the leapfrog (and_next_windows).
 * Callgrind, wiki-dev's 300 AND queries, top 10 (see the commit). */
#define AND_DENSE_FACTOR 8

/* The first dense required child (0 when there is none), and `parts`
 * (both conjunctions' ways use them: and_score stops at a part whose
 * `rest` cannot lift the sum over the threshold). */
static void and_find_dense(and_matcher *a)
{
    for (size_t i = 1; i < a->required_count && !a->first_dense; i++)
        if (a->required[i]->cost / AND_DENSE_FACTOR >= a->required[0]->cost)
            a->first_dense = i;
    size_t count = a->required_count + a->optional_count;
    a->parts = count <= AND_INLINE_PARTS ? a->inline_parts : malloc(count * sizeof *a->parts);
    if (!a->parts)
        a->first_dense = 0; /* out of memory: the leapfrog, still correct */
    for (size_t i = 0; a->parts && i < count; i++)
        a->parts[i] = (part_bound){0.0, 0.0, 1, 0}; /* holds nowhere */
}

/* The bound over [target, *last] of every part that scores, and each
 * part's `rest`.  A part is asked again only once `target` has left the
 * range its last bound holds over (a bound holds whatever the children
 * did since): a window ends where the first part's bound does (a common
 * word's block, a title word's next document), and asking every part at
 * every window read the same skip entries over and over. */
static double and_parts_bound(and_matcher *a, uint32_t target, uint32_t *last)
{
    size_t count = a->required_count + a->optional_count;
    *last = MATCHER_END;
    for (size_t i = 0; i < count; i++) {
        part_bound *part = &a->parts[i];
        if (target < part->first || target > part->last) {
            matcher *child = i < a->required_count ? a->required[i]
                                                   : a->optional[i - a->required_count];
            part->bound = child->ops->block_bound(child, target, &part->last);
            part->first = target;
        }
        if (part->last < *last)
            *last = part->last;
    }
    double rest = 0.0;
    for (size_t i = count; i-- > 0;)
        a->parts[i].rest = rest += a->parts[i].bound;
    return rest;
}

/* Whether `doc`, on which required[0 .. i) stand, can still beat the
 * threshold: their scores (summed from 0 in order, as and_score sums
 * them, and kept for it) and the bounds of the parts from i on.  Each
 * score is added only while the sum so far and the later parts' bounds
 * can beat it ("the news and record": the rarest word's score often
 * leaves "record" unscored; 1.64 M -> 1.55 M instructions). */
static int and_prefix_can_exceed(and_matcher *a, size_t i, uint32_t doc)
{
    if (a->prefix_doc != doc) {
        a->prefix_doc = doc;
        a->prefix_score = 0.0;
        a->prefix_count = 0;
    }
    for (; a->prefix_count < i; a->prefix_count++) {
        if (matcher_cannot_exceed(a->prefix_score + a->parts[a->prefix_count].rest, a->threshold))
            return 0;
        a->prefix_score += a->required[a->prefix_count]->ops->score(a->required[a->prefix_count]);
    }
    return !matcher_cannot_exceed(a->prefix_score + a->parts[i].rest, a->threshold);
}

/* The leader's first document from `target` on, moved there unless it
 * already stands on it or later (targets never decrease, so no document
 * of it lies between).  With a dense child, a window the threshold
 * rejects may end before the leader's bound does, where a denser part's
 * bound ends: a common word's block, or its title key's next document
 * ("of" has 11,320 titles in wiki-dev x4, "plant" 7,317 documents).
 * Walking on window by window then asked the parts' bounds (each title
 * key moved, and scored where it matches) at every such end between two
 * of the leader's documents, no candidate being possible before the
 * leader's next: "parts of a plant" asked them 18,159 times in x4 (1,552
 * in wiki-dev), now 6,998, and scored 9,586 keys, now 2,545 (callgrind,
 * top 10, x4: 6.94 M -> 4.12 M instructions a query).  A window that the
 * leader's own bound ends still passes over the leader's blocks without
 * decoding them. */
static uint32_t and_lead_from(and_matcher *a, uint32_t target)
{
    matcher *lead = a->required[0];
    return lead->doc >= target ? lead->doc : matcher_next_geq(lead, target);
}

/* Ranked AND: the first document from `target` on that is not in a
 * window of blocks whose best case cannot beat the threshold (those are
 * passed over without decoding any of them), its window known by
 * `bound` (inline: each caller with its own); or MATCHER_END when no
 * window is left. */
static inline uint32_t and_pass_windows(and_matcher *a, uint32_t target,
                                        double (*bound)(and_matcher *, uint32_t, uint32_t *))
{
    for (;;) {
        if (!a->window_known || target < a->window_first || target > a->window_last) {
            a->window_bound = bound(a, target, &a->window_last);
            a->window_first = target;
            a->window_known = 1;
        }
        if (!matcher_cannot_exceed(a->window_bound, a->threshold))
            return target;
        if (a->window_last == MATCHER_END)
            return MATCHER_END;
        target = a->window_last + 1;
        if (bound == and_parts_bound && a->window_last < a->parts[0].last
            && (target = and_lead_from(a, target)) == MATCHER_END)
            return MATCHER_END;
    }
}

/* Ranked AND without a dense child: the leapfrog, inside the windows
 * left, bounded part by part (and_parts_bound) unless out of memory. */
static uint32_t and_next_windows(and_matcher *a, uint32_t target)
{
    for (;;) {
        target = a->parts ? and_pass_windows(a, target, and_parts_bound)
                          : and_pass_windows(a, target, and_window_bound);
        if (target == MATCHER_END)
            return MATCHER_END;
        uint32_t doc = matcher_conjunction_next(a->required, a->required_count, 0, target);
        if (doc == MATCHER_END)
            return MATCHER_END;
        if (doc > a->window_last) {
            target = doc; /* outside the window the bound was for */
            continue;
        }
        if (!and_excludes(a, doc))
            return a->parts_doc = doc;
        target = doc + 1;
    }
}

/* Ranked AND with a dense child (AND_DENSE_FACTOR): the windows left,
 * the parts' bounds kept while they hold, and the children up to the
 * first dense one moved and scored before it moves.  On wiki-dev the
 * leapfrog decoded and scored every block of "of" and "a" for the 1,731
 * documents of "plant" in "parts of a plant", most of which "plant" and
 * "parts" leave out by themselves. */
static uint32_t and_next_dense(and_matcher *a, uint32_t target)
{
    for (;;) {
        if ((target = and_pass_windows(a, target, and_parts_bound)) == MATCHER_END)
            return MATCHER_END;
        uint32_t doc = matcher_next_geq(a->required[0], target);
        if (doc == MATCHER_END)
            return MATCHER_END;
        if (doc > a->window_last) {
            target = doc; /* outside the window the bound was for */
            continue;
        }
        uint32_t at = doc; /* where the children moved so far agree */
        for (size_t i = 1; i < a->required_count && at == doc; i++)
            at = i == a->first_dense && !and_prefix_can_exceed(a, i, doc)
                     ? doc + 1 : matcher_next_geq(a->required[i], doc);
        if (at == MATCHER_END)
            return MATCHER_END;
        if (at == doc && !and_excludes(a, doc))
            return a->parts_doc = doc;
        target = at == doc ? doc + 1 : at;
    }
}

static uint32_t and_next_geq(matcher *m, uint32_t target)
{
    and_matcher *a = (and_matcher *)m;
    if (a->pruning)
        return m->doc = a->first_dense ? and_next_dense(a, target) : and_next_windows(a, target);
    for (;;) {
        uint32_t doc = matcher_conjunction_next(a->required, a->required_count, 0, target);
        if (doc == MATCHER_END || !and_excludes(a, doc))
            return m->doc = doc;
        target = doc + 1;
    }
}

static double and_score(matcher *m)
{
    and_matcher *a = (and_matcher *)m;
    double score = 0.0;
    size_t from = 0;
    if (a->first_dense && a->prefix_doc == m->doc) {
        score = a->prefix_score; /* required[0 .. prefix_count), summed alike */
        from = a->prefix_count;
    }
    /* Where the parts bound the document, a part whose `rest` added to
     * the sum cannot beat the threshold ends it: the partial sum is
     * enough (matcher_ops.set_threshold), and the later parts' frequencies
     * and field lengths are never read ("40 year old men" in wiki-dev x4
     * scores all its 1,145 matches, most of which the first words'
     * scores and the others' block bounds already leave out). */
    int bounded = a->parts && a->parts_doc == m->doc;
    for (size_t i = from; i < a->required_count; i++) {
        if (bounded && matcher_cannot_exceed(score + a->parts[i].rest, a->threshold))
            return score;
        score += a->required[i]->ops->score(a->required[i]);
    }
    for (size_t i = 0; i < a->optional_count; i++)
        if (matcher_next_geq(a->optional[i], m->doc) == m->doc)
            score += a->optional[i]->ops->score(a->optional[i]);
    return score;
}

static void and_explain(matcher *m, byte_buffer *out, int depth)
{
    and_matcher *a = (and_matcher *)m;
    for (size_t i = 0; i < a->required_count; i++)
        a->required[i]->ops->explain(a->required[i], out, depth);
    for (size_t i = 0; i < a->optional_count; i++)
        if (matcher_next_geq(a->optional[i], m->doc) == m->doc)
            a->optional[i]->ops->explain(a->optional[i], out, depth);
}

static void free_all(matcher **children, size_t count)
{
    for (size_t i = 0; i < count; i++)
        matcher_free(children[i]);
    free(children);
}

static void and_free(matcher *m)
{
    and_matcher *a = (and_matcher *)m;
    free_all(a->required, a->required_count);
    free_all(a->excluded, a->excluded_count);
    free_all(a->optional, a->optional_count);
    if (a->parts != a->inline_parts)
        free(a->parts);
    free(a);
}

static double and_max_score(matcher *m)
{
    and_matcher *a = (and_matcher *)m;
    /* One running sum, required then optional: the same additions in the
     * same order as every other bound of this matcher. */
    double bound = matcher_sum_max_scores(a->required, a->required_count);
    for (size_t i = 0; i < a->optional_count; i++)
        bound += a->optional[i]->ops->max_score(a->optional[i]);
    return bound;
}

static double and_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    return and_window_bound((and_matcher *)m, target, last);
}

static void and_set_threshold(matcher *m, double threshold)
{
    and_matcher *a = (and_matcher *)m;
    a->threshold = threshold;
    if (!a->pruning)
        and_find_dense(a);
    a->pruning = 1;
}

/* Counting (and_fill_window): a child is intersected by a window of its
 * own when the leader's matches are dense in the window (one per
 * COUNT_DENSE_GAP documents or more) and the child holds at most
 * COUNT_FILL_RATIO times the leader's postings: filling costs the child's
 * every posting in the window, and a much denser child is cheaper probed
 * by next_geq at the few candidates left, which skips its blocks. */
#define COUNT_DENSE_GAP 64
#define COUNT_FILL_RATIO 4

/* The child `i` of the parts a conjunction intersects: required children
 * after the leader, then the exclusions. */
static matcher *other_child(const and_matcher *a, size_t i, int *excluding)
{
    *excluding = i >= a->required_count - 1;
    return *excluding ? a->excluded[i - (a->required_count - 1)] : a->required[i + 1];
}

/* Intersect the window with `child`'s own (or its complement); returns
 * whether any document is left. */
static int and_intersect_window(and_matcher *a, matcher *child, int excluding, uint32_t first,
                                uint32_t end, size_t words)
{
    memset(a->child_bits, 0, words * sizeof *a->child_bits);
    matcher_fill_window(child, a->child_bits, first, end);
    uint64_t left = 0;
    for (size_t w = 0; w < words; w++) {
        a->agreed[w] &= excluding ? ~a->child_bits[w] : a->child_bits[w];
        left |= a->agreed[w];
    }
    return left != 0;
}

/* Confirm each document left in the window by next_geq on the children
 * from `from` on (the leapfrog's probes). */
static void and_probe_window(and_matcher *a, size_t from, uint32_t first, size_t words)
{
    size_t others = a->required_count - 1 + a->excluded_count;
    for (size_t w = 0; w < words; w++)
        for (uint64_t bits = a->agreed[w]; bits; bits &= bits - 1) {
            uint32_t bit = (uint32_t)__builtin_ctzll(bits);
            uint32_t doc = first + 64 * (uint32_t)w + bit;
            int match = 1;
            for (size_t i = from; i < others && match; i++) {
                int excluding;
                matcher *child = other_child(a, i, &excluding);
                match = (matcher_next_geq(child, doc) == doc) != excluding;
            }
            if (!match)
                a->agreed[w] &= ~((uint64_t)1 << bit);
        }
}

/* Counting: the leader's matches in the window, intersected with the
 * others' windows or probed (above); nothing is scored. */
static void and_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    and_matcher *a = (and_matcher *)m;
    size_t words = (end - first + 63) / 64;
    memset(a->agreed, 0, words * sizeof *a->agreed);
    matcher *lead = a->required[0];
    matcher_fill_window(lead, a->agreed, first, end);
    uint32_t next = lead->doc;
    uint64_t lead_matches = matcher_count_bits(a->agreed, words);
    size_t others = a->required_count - 1 + a->excluded_count, i = 0;
    int left = lead_matches > 0;
    if (lead_matches * COUNT_DENSE_GAP >= end - first)
        for (; i < others && left; i++) {
            int excluding;
            matcher *child = other_child(a, i, &excluding);
            if (child->cost / COUNT_FILL_RATIO > lead->cost)
                break;
            left = and_intersect_window(a, child, excluding, first, end, words);
            if (!excluding && child->doc > next)
                next = child->doc;
        }
    if (left)
        and_probe_window(a, i, first, words);
    for (size_t w = 0; w < words; w++)
        window[w] |= a->agreed[w];
    m->doc = next;
}

static const matcher_ops and_ops = {
    .next_geq = and_next_geq,
    .score = and_score,
    .explain = and_explain,
    .free = and_free,
    .max_score = and_max_score,
    .block_bound = and_block_bound,
    .set_threshold = and_set_threshold,
    .fill_window = and_fill_window,
};

static matcher **copy_children(matcher **children, size_t count, int *failed)
{
    if (count == 0)
        return NULL;
    matcher **copy = malloc(count * sizeof *copy);
    if (!copy)
        *failed = 1;
    else
        memcpy(copy, children, count * sizeof *copy);
    return copy;
}

matcher *matcher_and(matcher **required, size_t required_count, matcher **excluded,
                     size_t excluded_count, matcher **optional, size_t optional_count)
{
    and_matcher *a = calloc(1, sizeof *a);
    int failed = !a || required_count == 0;
    matcher **r = failed ? NULL : copy_children(required, required_count, &failed);
    matcher **e = failed ? NULL : copy_children(excluded, excluded_count, &failed);
    matcher **o = failed ? NULL : copy_children(optional, optional_count, &failed);
    if (failed) {
        for (size_t i = 0; i < required_count; i++)
            matcher_free(required[i]);
        for (size_t i = 0; i < excluded_count; i++)
            matcher_free(excluded[i]);
        for (size_t i = 0; i < optional_count; i++)
            matcher_free(optional[i]);
        free(r);
        free(e);
        free(o);
        free(a);
        return NULL;
    }
    qsort(r, required_count, sizeof *r, compare_cost);
    a->base.ops = &and_ops;
    a->base.cost = r[0]->cost;
    a->required = r;
    a->required_count = required_count;
    a->prefix_doc = MATCHER_END; /* no partial score yet */
    a->parts_doc = MATCHER_END;
    a->excluded = e;
    a->excluded_count = excluded_count;
    a->optional = o;
    a->optional_count = optional_count;
    return &a->base;
}
