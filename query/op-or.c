/*
 * op-or.c — disjunction (matcher.h): the current document is the smallest
 * of the children's; the score sums the children standing on it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "query/matcher.h"

typedef struct or_matcher {
    matcher base;
    matcher **children;
    size_t count;
    int started;
} or_matcher;

static uint32_t or_next_geq(matcher *m, uint32_t target)
{
    or_matcher *o = (or_matcher *)m;
    uint32_t smallest = MATCHER_END;
    for (size_t i = 0; i < o->count; i++) {
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

static double or_score(matcher *m)
{
    or_matcher *o = (or_matcher *)m;
    double score = 0.0;
    for (size_t i = 0; i < o->count; i++)
        if (o->children[i]->doc == m->doc)
            score += o->children[i]->ops->score(o->children[i]);
    return score;
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
    free(o->children);
    free(o);
}

static const matcher_ops or_ops = {or_next_geq, or_score, or_positions, or_explain, or_free};

matcher *matcher_or(matcher **children, size_t count)
{
    or_matcher *o = calloc(1, sizeof *o);
    matcher **copy = o && count ? malloc(count * sizeof *copy) : NULL;
    if (!o || (count && !copy)) {
        for (size_t i = 0; i < count; i++)
            matcher_free(children[i]);
        free(o);
        free(copy);
        return NULL;
    }
    if (count)
        memcpy(copy, children, count * sizeof *copy);
    o->base.ops = &or_ops;
    for (size_t i = 0; i < count; i++)
        o->base.cost += children[i]->cost;
    o->children = copy;
    o->count = count;
    return &o->base;
}
