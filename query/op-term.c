/*
 * op-term.c — one key's postings, scored with BM25 (matcher.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/matcher.h"
#include "query/weight.h"

typedef struct term_matcher {
    matcher base;
    bm25_term scorer;
    int scored;
    double list_bound;           /* score bound over the whole list */
    /* The last block bound read (load_block_bound), which holds for the
     * documents [bound_from, bound_last] */
    uint32_t bound_from, bound_last;
    uint32_t bound_block;        /* where that bound was read (a search's hint) */
    uint32_t block_max_tf, block_min_length;
    double block_best;
    /* the least frequency that may beat min_tf_threshold in that block
     * (min_tf_block_last: its last document) */
    uint32_t min_tf, min_tf_block_last;
    double min_tf_threshold;
    /* check_tf: the shortest field length of the block holding the
     * documents up to checked_last (valid when checked_last_known) */
    uint32_t checked_last, checked_min_length;
    int checked_last_known;
    char label[80];
    postings_cursor cursor;      /* last: cleared by postings_open up to its arrays */
} term_matcher;

static uint32_t term_next_geq(matcher *m, uint32_t target)
{
    term_matcher *t = (term_matcher *)m;
    m->doc = postings_next_geq(&t->cursor, target);
    return m->doc;
}

static uint32_t field_length(const term_matcher *t)
{
    return t->scorer.title ? segment_title_length(t->cursor.seg, t->cursor.doc)
                           : segment_body_length(t->cursor.seg, t->cursor.doc);
}

static double term_score(matcher *m)
{
    term_matcher *t = (term_matcher *)m;
    if (!t->scored)
        return 0.0;
    return weight_score(&t->scorer, postings_tf(&t->cursor), field_length(t));
}

/* The shortest field length in the block of the cursor's document, as
 * its bound states it (0, which bounds nothing, for an inline list or on
 * damage), read once per block. */
static uint32_t block_min_length(term_matcher *t)
{
    uint32_t doc = t->cursor.doc;
    if (!t->checked_last_known || doc > t->checked_last) {
        postings_block_bound bound;
        if (postings_block_bound_at(&t->cursor, doc, &bound) != 0)
            return 0;
        t->checked_last = bound.last_doc;
        t->checked_min_length = bound.min_length;
        t->checked_last_known = 1;
    }
    return t->checked_min_length;
}

/* A field of n words holds a term at most n times: anything more is
 * damage that slipped past a checksum, and must not size a buffer.  A
 * frequency up to the block's shortest field length (its bound, which
 * cops_index_check holds against the lengths) passes without the
 * document's own length being read: for a phrase of common words that
 * random read of the lengths table, per document and word, was a
 * twentieth of the count's instructions. */
static int check_tf(term_matcher *t)
{
    uint32_t tf = postings_tf(&t->cursor);
    if (tf > block_min_length(t) && tf > field_length(t)) {
        postings_mark_damaged(&t->cursor, "a posting's frequency exceeds its field's length");
        return COPS_ECORRUPT;
    }
    return 0;
}

/* The general case of term_open_positions: out of line, so that the
 * common one saves and restores no registers (13 instructions an
 * opening, a million openings in wiki-dev's phrase count, callgrind). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int open_positions_checked(term_matcher *t, postings_position_reader *out)
{
    int rc = check_tf(t);
    return rc != 0 ? rc : postings_position_reader_open(&t->cursor, out);
}

static int term_open_positions(matcher *m, postings_position_reader *out)
{
    term_matcher *t = (term_matcher *)m;
    /* check_tf's bound in line: a frequency up to the block's shortest
     * field length (known while the cursor is in the block it was read
     * for) opens in the decoded chunk without a call */
    if (t->checked_last_known && t->cursor.doc <= t->checked_last
        && postings_position_reader_open_in_chunk(&t->cursor, out, t->checked_min_length))
        return 0;
    return open_positions_checked(t, out);
}

/* The first min(tf, capacity) positions, read one at a time: the frequency
 * comes from the index, so it never sizes a buffer (a damaged one could
 * ask for gigabytes); load_positions grows its list by what was read. */
static int term_positions(matcher *m, uint32_t *out, size_t capacity)
{
    postings_position_reader reader;
    int rc = term_open_positions(m, &reader);
    if (rc != 0)
        return rc;
    size_t n = 0;
    while (n < capacity && (rc = postings_position_read(&reader, out + n)) > 0)
        n++;
    return rc < 0 ? rc : (int)n;
}

static void term_explain(matcher *m, byte_buffer *out, int depth)
{
    term_matcher *t = (term_matcher *)m;
    if (!t->scored || m->doc == MATCHER_END)
        return;
    char line[256];
    buffer_append(out, line, weight_explain_line(line, sizeof line, depth, t->label, term_score(m),
                                                 &t->scorer, postings_tf(&t->cursor), field_length(t)));
}

static void term_free(matcher *m) { free(m); }

static double term_max_score(matcher *m)
{
    return ((term_matcher *)m)->list_bound;
}

/* The bound of the block holding `target` into bound_from .. block_best,
 * unless they already hold it (a conjunction asks again at each window,
 * which a title key's next document may end every few documents; reading
 * the skip entry each time was a tenth of "the face book"); 0 on damage. */
static int load_block_bound(term_matcher *t, uint32_t target)
{
    if (target >= t->bound_from && target <= t->bound_last)
        return 1;
    postings_block_bound bound;
    if (postings_block_bound_from(&t->cursor, target, t->bound_block, &bound) != 0)
        return 0;
    t->bound_block = bound.block;
    t->bound_from = target;
    t->bound_last = bound.last_doc;
    t->block_max_tf = bound.max_tf;
    t->block_min_length = bound.min_length;
    t->block_best = t->scored ? weight_score(&t->scorer, bound.max_tf, bound.min_length) : 0.0;
    return 1;
}

static double term_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    term_matcher *t = (term_matcher *)m;
    if (t->cursor.doc > target && t->cursor.doc != POSTINGS_END) {
        /* Up to the cursor's document the key adds nothing (nothing
         * before the cursor can come from it any more): a sparse key, such
         * as a title word, so leaves those windows to its partners' bounds
         * alone, and a ranked conjunction may skip them. */
        *last = t->cursor.doc - 1;
        return 0.0;
    }
    if (!load_block_bound(t, target)) {
        *last = MATCHER_END;
        return 0.0;
    }
    *last = t->bound_last;
    return t->block_best;
}

/* The least frequency whose score, at the shortest field length of the
 * block read last, may exceed `threshold` (block_max_tf + 1 when none
 * may): a score never falls as the frequency rises (query/RANKING.md),
 * so a binary search finds it.  Kept while block and threshold stay. */
static uint32_t least_winning_tf(term_matcher *t, double threshold)
{
    if (t->min_tf_block_last == t->bound_last && t->min_tf_threshold == threshold)
        return t->min_tf;
    uint32_t low = 1, high = t->block_max_tf + 1; /* the answer is in [low, high] */
    if (!matcher_cannot_exceed(weight_score(&t->scorer, 1, t->block_min_length), threshold))
        high = 1; /* the usual answer for a disjunction's rarer words: at once */
    while (low < high) {
        uint32_t mid = low + (high - low) / 2;
        if (matcher_cannot_exceed(weight_score(&t->scorer, mid, t->block_min_length), threshold))
            low = mid + 1;
        else
            high = mid;
    }
    t->min_tf_block_last = t->bound_last;
    t->min_tf_threshold = threshold;
    return t->min_tf = low;
}

/* The first posting >= target with a frequency of min_tf or more, or
 * after `last`: by the block's frequencies alone when any is too low. */
static uint32_t next_frequent(term_matcher *t, uint32_t target, uint32_t last, uint32_t min_tf)
{
    if (min_tf <= 1)
        return term_next_geq(&t->base, target);
    return t->base.doc = postings_next_frequent(&t->cursor, target, last, min_tf);
}

/* matcher_ops.approximate_above: a disjunction's pruned pass over a key
 * that only its weaker partners can add to before `last` (a common word's
 * body key between its few title matches), where the disjunction would
 * otherwise score every posting.  A block whose bound cannot exceed
 * `threshold` is passed over through the skip table, undecoded; in the
 * others a document whose frequency is too low at the block's shortest
 * length (least_winning_tf) without its length being read, and the rest
 * by their own scores.  The key stands on the document returned, as
 * next_geq leaves it. */
static uint32_t term_approximate_above(matcher *m, uint32_t target, double threshold,
                                       uint32_t last)
{
    term_matcher *t = (term_matcher *)m;
    for (;;) {
        /* a threshold of 0 or less passes nothing over in practice (the
         * schemes' scores of a match are positive) and costs the bounds */
        if (!t->scored || target > last || threshold <= 0.0)
            return term_next_geq(m, target);
        if (!load_block_bound(t, target))
            return term_next_geq(m, target);
        uint32_t block_end = t->bound_last < last ? t->bound_last : last;
        if (matcher_cannot_exceed(t->block_best, threshold)) {
            target = block_end + 1; /* last < MATCHER_END: no overflow */
            continue;
        }
        uint32_t min_tf = least_winning_tf(t, threshold);
        uint32_t doc = next_frequent(t, target, block_end, min_tf);
        for (; doc <= block_end; doc = next_frequent(t, doc + 1, block_end, min_tf)) {
            if (!matcher_cannot_exceed(term_score(m), threshold))
                return doc;
        }
        if (doc > last)
            return doc;
        target = doc;
    }
}

/* Counting: document numbers only (no score, no field length). */
static void term_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    term_matcher *t = (term_matcher *)m;
    m->doc = postings_fill_window(&t->cursor, window, first, end);
}

static const matcher_ops term_ops = {
    .next_geq = term_next_geq,
    .score = term_score,
    .positions = term_positions,
    .explain = term_explain,
    .free = term_free,
    .max_score = term_max_score,
    .block_bound = term_block_bound,
    .open_positions = term_open_positions,
    .fill_window = term_fill_window,
    .approximate_above = term_approximate_above,
};

postings_cursor *matcher_term_cursor(matcher *m)
{
    return m->ops == &term_ops ? &((term_matcher *)m)->cursor : NULL;
}

void matcher_term_sync(matcher *m)
{
    m->doc = ((term_matcher *)m)->cursor.doc;
}

int matcher_terms_of_one_field(matcher *const *terms, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (terms[i]->ops != &term_ops
            || ((term_matcher *)terms[i])->scorer.title != ((term_matcher *)terms[0])->scorer.title)
            return 0;
    return count > 0;
}

double matcher_terms_score(matcher *const *terms, size_t count)
{
    uint32_t length = field_length((term_matcher *)terms[0]);
    double score = 0.0;
    for (size_t i = 0; i < count; i++) {
        term_matcher *t = (term_matcher *)terms[i];
        score += t->scored ? weight_score(&t->scorer, postings_tf(&t->cursor), length) : 0.0;
    }
    return score;
}

matcher *matcher_term(segment *seg, const segment_term *term, const bm25_term *scorer,
                      int scores, const char *label)
{
    term_matcher *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    memset(t, 0, offsetof(term_matcher, cursor));
    t->base.ops = &term_ops;
    t->base.cost = term->df;
    t->base.doc = 0;
    t->bound_from = 1; /* no block bound read yet */
    t->min_tf_block_last = MATCHER_END;
    /* The cursor decodes a block's frequencies when the block's first is
     * asked for (a score, positions): never for a count's terms. */
    postings_open(&t->cursor, seg, term);
    t->scorer = *scorer; /* its field: check_tf compares with that field's length */
    if (scores) {
        t->scored = 1;
        postings_block_bound bound;
        postings_list_bound(&t->cursor, &bound);
        t->list_bound = weight_score(&t->scorer, bound.max_tf, bound.min_length);
    }
    /* cut to the label's room as snprintf would, which cost ~600
     * instructions a term (a fifth of a count's term set-up) */
    size_t length = strnlen(label, sizeof t->label - 1);
    memcpy(t->label, label, length);
    t->label[length] = '\0';
    /* Not positioned until the first next_geq; the cursor already sits on
     * the first posting, which next_geq(0) returns. */
    return &t->base;
}
