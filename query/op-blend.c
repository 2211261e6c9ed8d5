/*
 * op-blend.c — several keys of one field scored as one term (matcher.h):
 * a prefix's expansions.  BM25 of the summed frequency against one idf,
 * so that a rare expansion (granth for grant*) does not outweigh the
 * common one it only shares a beginning with.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/matcher.h"
#include "query/weight.h"

typedef struct blend_matcher {
    matcher base;
    postings_cursor *cursors;
    size_t count;
    bm25_term scorer;
    double list_bound;
    char label[80];
} blend_matcher;

static uint32_t blend_next_geq(matcher *m, uint32_t target)
{
    blend_matcher *b = (blend_matcher *)m;
    uint32_t smallest = MATCHER_END;
    for (size_t i = 0; i < b->count; i++) {
        uint32_t doc = b->cursors[i].doc;
        if (doc < target)
            doc = postings_next_geq(&b->cursors[i], target);
        if (doc < smallest)
            smallest = doc;
    }
    return m->doc = smallest;
}

/* Counting: every key's postings into the same window. */
static void blend_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    blend_matcher *b = (blend_matcher *)m;
    uint32_t smallest = MATCHER_END;
    for (size_t i = 0; i < b->count; i++) {
        uint32_t doc = postings_fill_window(&b->cursors[i], window, first, end);
        if (doc < smallest)
            smallest = doc;
    }
    m->doc = smallest;
}

static uint32_t blend_length(const blend_matcher *b, uint32_t doc)
{
    segment *seg = b->cursors[0].seg;
    return b->scorer.title ? segment_title_length(seg, doc) : segment_body_length(seg, doc);
}

/* The keys' frequencies in the current document, summed (64 bits: a
 * damaged list must not wrap it). */
static uint32_t blend_tf(blend_matcher *b)
{
    uint64_t tf = 0;
    for (size_t i = 0; i < b->count; i++)
        if (b->cursors[i].doc == b->base.doc)
            tf += postings_tf(&b->cursors[i]);
    return tf > UINT32_MAX ? UINT32_MAX : (uint32_t)tf;
}

static double blend_score(matcher *m)
{
    blend_matcher *b = (blend_matcher *)m;
    return weight_score(&b->scorer, blend_tf(b), blend_length(b, m->doc));
}

static void blend_explain(matcher *m, byte_buffer *out, int depth)
{
    blend_matcher *b = (blend_matcher *)m;
    if (m->doc == MATCHER_END)
        return;
    char line[256];
    buffer_append(out, line, weight_explain_line(line, sizeof line, depth, b->label, blend_score(m),
                                                 &b->scorer, blend_tf(b), blend_length(b, m->doc)));
}

static void blend_free(matcher *m)
{
    blend_matcher *b = (blend_matcher *)m;
    free(b->cursors);
    free(b);
}

static double blend_max_score(matcher *m)
{
    return ((blend_matcher *)m)->list_bound;
}

/* The largest summed frequency is at most the sum of the keys' largest,
 * the shortest field at least the shortest of theirs: BM25 grows with the
 * one and falls with the other, so their score bounds the blend's. */
static double blend_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    blend_matcher *b = (blend_matcher *)m;
    uint64_t max_tf = 0;
    uint32_t min_length = UINT32_MAX;
    *last = MATCHER_END;
    for (size_t i = 0; i < b->count; i++) {
        const postings_cursor *cursor = &b->cursors[i];
        postings_block_bound bound;
        if (cursor->doc > target && cursor->doc != POSTINGS_END) {
            /* nothing from this key before its cursor (op-term.c) */
            if (cursor->doc - 1 < *last)
                *last = cursor->doc - 1;
        } else if (postings_block_bound_at(cursor, target, &bound) == 0) {
            max_tf += bound.max_tf;
            if (bound.min_length < min_length)
                min_length = bound.min_length;
            if (bound.last_doc < *last)
                *last = bound.last_doc;
        }
    }
    if (max_tf == 0)
        return 0.0;
    return weight_score(&b->scorer, max_tf > UINT32_MAX ? UINT32_MAX : (uint32_t)max_tf, min_length);
}

static const matcher_ops blend_ops = {
    .next_geq = blend_next_geq,
    .fill_window = blend_fill_window,
    .score = blend_score,
    .explain = blend_explain,
    .free = blend_free,
    .max_score = blend_max_score,
    .block_bound = blend_block_bound,
};

matcher *matcher_blend(segment *seg, const segment_term *terms, size_t count,
                       const bm25_term *scorer, const char *label)
{
    blend_matcher *b = calloc(1, sizeof *b);
    /* uncleared: postings_open sets every field read before written */
    postings_cursor *cursors = b && count ? malloc(count * sizeof *cursors) : NULL;
    if (!b || !cursors) {
        free(b);
        return NULL;
    }
    b->base.ops = &blend_ops;
    b->cursors = cursors;
    b->count = count;
    b->scorer = *scorer;
    uint64_t max_tf = 0;
    uint32_t min_length = UINT32_MAX;
    for (size_t i = 0; i < count; i++) {
        postings_open(&cursors[i], seg, &terms[i]);
        b->base.cost += terms[i].df;
        postings_block_bound bound;
        postings_list_bound(&cursors[i], &bound);
        max_tf += bound.max_tf;
        if (bound.min_length < min_length)
            min_length = bound.min_length;
    }
    b->list_bound = weight_score(&b->scorer, max_tf > UINT32_MAX ? UINT32_MAX : (uint32_t)max_tf,
                               min_length);
    snprintf(b->label, sizeof b->label, "%s", label);
    return &b->base;
}
