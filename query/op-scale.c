/*
 * op-scale.c — a sub-query's score times a constant factor (matcher.h):
 * the weights of pseudo-relevance feedback (query/feedback.h).
 *
 * The factor is > 0, so every bound of the child times the factor bounds
 * the scaled score, and a threshold on the scaled score is the threshold
 * divided by the factor on the child's: pruning stays exact.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/matcher.h"

typedef struct scale_matcher {
    matcher base;
    matcher_ops ops;   /* the child's optional operations are forwarded only if it has them */
    matcher *child;
    double factor;
    char *label;       /* --explain's heading line */
} scale_matcher;

static matcher *child_of(matcher *m) { return ((scale_matcher *)m)->child; }

static uint32_t scale_next_geq(matcher *m, uint32_t target)
{
    return m->doc = matcher_next_geq(child_of(m), target);
}

static uint32_t scale_approximate_next_geq(matcher *m, uint32_t target)
{
    matcher *child = child_of(m);
    return m->doc = child->ops->approximate_next_geq(child, target);
}

static int scale_confirm(matcher *m)
{
    matcher *child = child_of(m);
    return child->ops->confirm(child);
}

static double scale_score(matcher *m)
{
    scale_matcher *s = (scale_matcher *)m;
    return s->factor * s->child->ops->score(s->child);
}

static int scale_positions(matcher *m, uint32_t *out, size_t capacity)
{
    matcher *child = child_of(m);
    return child->ops->positions(child, out, capacity);
}

static void scale_explain(matcher *m, byte_buffer *out, int depth)
{
    scale_matcher *s = (scale_matcher *)m;
    if (m->doc == MATCHER_END)
        return;
    char line[160];
    int n = snprintf(line, sizeof line, "%*s%s, times %.4f: %.6f\n", depth * 2, "", s->label,
                     s->factor, scale_score(m));
    buffer_append(out, line, (size_t)n);
    s->child->ops->explain(s->child, out, depth + 1);
}

static void scale_free(matcher *m)
{
    scale_matcher *s = (scale_matcher *)m;
    matcher_free(s->child);
    free(s->label);
    free(s);
}

static double scale_max_score(matcher *m)
{
    scale_matcher *s = (scale_matcher *)m;
    return s->factor * s->child->ops->max_score(s->child);
}

static double scale_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    scale_matcher *s = (scale_matcher *)m;
    return s->factor * s->child->ops->block_bound(s->child, target, last);
}

static void scale_set_threshold(matcher *m, double threshold)
{
    scale_matcher *s = (scale_matcher *)m;
    s->child->ops->set_threshold(s->child, threshold / s->factor);
}

matcher *matcher_scale(matcher *child, double factor, const char *label)
{
    if (!child)
        return NULL;
    scale_matcher *s = calloc(1, sizeof *s);
    char *copy = NULL;
    size_t length = strlen(label);
    if (s && (copy = malloc(length + 1)) != NULL)
        memcpy(copy, label, length + 1);
    if (!s || !copy) {
        free(s);
        matcher_free(child);
        return NULL;
    }
    s->child = child;
    s->factor = factor;
    s->label = copy;
    s->ops = (matcher_ops){
        .next_geq = scale_next_geq,
        .score = scale_score,
        .positions = child->ops->positions ? scale_positions : NULL,
        .explain = scale_explain,
        .free = scale_free,
        .max_score = scale_max_score,
        .block_bound = scale_block_bound,
        .set_threshold = child->ops->set_threshold ? scale_set_threshold : NULL,
        .open_positions = NULL,
        .approximate_next_geq = child->ops->approximate_next_geq ? scale_approximate_next_geq
                                                                 : NULL,
        .confirm = child->ops->confirm ? scale_confirm : NULL,
    };
    s->base.ops = &s->ops;
    s->base.doc = child->doc;
    s->base.cost = child->cost;
    return &s->base;
}
