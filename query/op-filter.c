/*
 * op-filter.c — unscored document sets: all documents, a date range, and
 * the empty set (matcher.h).
 */
#include "config.h"

#include <stdlib.h>

#include "query/matcher.h"

typedef struct filter_matcher {
    matcher base;
    segment *seg;              /* NULL: every document */
    uint32_t documents;
    uint32_t from, to;
} filter_matcher;

static uint32_t filter_next_geq(matcher *m, uint32_t target)
{
    filter_matcher *f = (filter_matcher *)m;
    /* Never back: a target below the current document is answered by it,
     * as a key's postings answer it.  A conjunction asked again below its
     * own document (a probe of a lower candidate) would otherwise find this
     * filter on the target while its exclusions, already past the target,
     * could no longer exclude it (AND(ALL, NOT x) matching a document x
     * has). */
    if (m->doc == MATCHER_END)
        return m->doc;
    for (uint32_t doc = target > m->doc ? target : m->doc; doc < f->documents; doc++) {
        if (!f->seg)
            return m->doc = doc;
        uint32_t date = segment_date(f->seg, doc);
        if (date != 0 && (f->from == 0 || date >= f->from) && (f->to == 0 || date <= f->to))
            return m->doc = doc;
    }
    return m->doc = MATCHER_END;
}

static double filter_score(matcher *m)
{
    (void)m;
    return 0.0;
}

static void filter_explain(matcher *m, byte_buffer *out, int depth)
{
    (void)m;
    (void)out;
    (void)depth;
}

static void filter_free(matcher *m) { free(m); }

static double filter_max_score(matcher *m)
{
    (void)m;
    return 0.0;
}

static double filter_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    (void)m;
    (void)target;
    *last = MATCHER_END;
    return 0.0;
}

/* Counting: every document of the window at once, or the dated ones
 * without a call each; m->doc is left on the next match itself, so a
 * conjunction that later probes this filter by next_geq finds it right. */
static void filter_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    filter_matcher *f = (filter_matcher *)m;
    uint32_t from = m->doc > first && m->doc != MATCHER_END ? m->doc : first;
    if (end > f->documents)
        end = f->documents;
    if (!f->seg) {
        for (uint32_t doc = from; doc < end; doc++)
            window[(doc - first) >> 6] |= (uint64_t)1 << ((doc - first) & 63);
    } else {
        for (uint32_t doc = from; doc < end; doc++) {
            uint32_t date = segment_date(f->seg, doc);
            if (date != 0 && (f->from == 0 || date >= f->from) && (f->to == 0 || date <= f->to))
                window[(doc - first) >> 6] |= (uint64_t)1 << ((doc - first) & 63);
        }
    }
    filter_next_geq(m, end);
}

static const matcher_ops filter_ops = {
    .fill_window = filter_fill_window,
    .next_geq = filter_next_geq,
    .score = filter_score,
    .explain = filter_explain,
    .free = filter_free,
    .max_score = filter_max_score,
    .block_bound = filter_block_bound,
};

static matcher *filter_new(segment *seg, uint32_t documents, uint32_t from, uint32_t to)
{
    filter_matcher *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->base.ops = &filter_ops;
    f->base.cost = documents;
    f->seg = seg;
    f->documents = documents;
    f->from = from;
    f->to = to;
    return &f->base;
}

matcher *matcher_all(uint32_t documents) { return filter_new(NULL, documents, 0, 0); }

matcher *matcher_date(segment *seg, uint32_t from, uint32_t to)
{
    return filter_new(seg, segment_documents(seg), from, to);
}

matcher *matcher_empty(void) { return filter_new(NULL, 0, 0, 0); }
