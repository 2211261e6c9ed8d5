/*
 * op-positional.c — phrases and NEAR (matcher.h).
 *
 * Two phases, as the fast engines do: the children are intersected on
 * documents first (cheap, block skipping), and positions are decoded only
 * for the documents that survive.
 *   exact phrase (slop 0): child i at p + offset_i for some p;
 *   sloppy phrase (slop s): children in order, each after the previous,
 *     the whole span at most (offset_last - offset_first) + s;
 *   NEAR/n: one position per child, in any order, at most n words
 *     between them: a phrase operand spans its words, so the gap is
 *     measured from its last word on one side and its first on the
 *     other (max(start) - min(end) <= n).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "query/matcher.h"

typedef struct position_list {
    uint32_t *values;
    size_t count;
    size_t capacity;
} position_list;

typedef struct positional_matcher {
    matcher base;
    matcher **children;
    uint32_t *offsets;
    position_list *lists;
    size_t count;
    uint32_t slop;
    int near;
    uint32_t distance;
    position_list matches;      /* start positions of matches in the current doc */
    /* Children by documents, rarest first: the rarest proposes candidate
     * documents, and the exact phrase's join asks the words in this order. */
    size_t *rarity;
    matcher **by_rarity;        /* children[rarity[k]] for k = 0.. */
    uint32_t span;              /* phrase: last offset - first offset */
    uint32_t *widths;           /* NEAR: each child's span (0 for a word) */
    int failed;
    /* Exact phrase of words: positions are streamed (see streamed_exact_phrase). */
    int streamed;
    int one_field;              /* the children are terms of one field (matcher_terms_score) */
    postings_position_reader *readers;
    int matches_complete;       /* `matches` holds every match, not only the first */
    /* Top-k: documents whose score cannot exceed it are not verified. */
    int pruning;
    double threshold;
    double others_bound;        /* the children but the rarest: their bounds' sum */
    int others_bound_known;
    /* A streamed phrase of terms: their cursors and the filters', rarest
     * first (join_count of them), which the walk without a threshold steps
     * itself (next_phrase_match); NULL otherwise (or when their array
     * could not be allocated). */
    postings_cursor **cursors;
    size_t join_count;
    /* Documents-only filters (matcher_phrase_filter): every match is in
     * each of them, so a candidate missing from one is left before any
     * position is read; with `filters_decide` a candidate in all of them
     * is a match (a two-word phrase and its pair key). */
    matcher **filters;
    size_t filter_count;
    int filters_decide;
    size_t by_rarity_count;     /* the words and the filters in by_rarity */
} positional_matcher;

#define MAX_POSITIONS (1u << 26)

/* Fill `list` with child's positions in the current document. */
static int load_positions(matcher *child, position_list *list)
{
    for (;;) {
        if (list->capacity == 0 || list->count == list->capacity) {
            size_t capacity = list->capacity ? list->capacity * 2 : 256;
            if (capacity > MAX_POSITIONS)
                return -1;
            uint32_t *grown = realloc(list->values, capacity * sizeof *grown);
            if (!grown) {
                matcher_out_of_memory();
                return -1;
            }
            list->values = grown;
            list->capacity = capacity;
        }
        int n = child->ops->positions(child, list->values, list->capacity);
        if (n < 0)
            return -1;
        list->count = (size_t)n;
        if ((size_t)n < list->capacity)
            return 0;
        list->count = list->capacity; /* maybe truncated: grow and retry */
    }
}

static int push_match(position_list *matches, uint32_t position)
{
    if (matches->count == matches->capacity) {
        size_t capacity = matches->capacity ? matches->capacity * 2 : 64;
        uint32_t *grown = realloc(matches->values, capacity * sizeof *grown);
        if (!grown) {
            matcher_out_of_memory();
            return -1;
        }
        matches->values = grown;
        matches->capacity = capacity;
    }
    matches->values[matches->count++] = position;
    return 0;
}

static int contains(const position_list *list, uint64_t value)
{
    size_t low = 0, high = list->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (list->values[mid] < value)
            low = mid + 1;
        else
            high = mid;
    }
    return low < list->count && list->values[low] == value;
}

/* First element > value, or count. */
static size_t first_after(const position_list *list, uint32_t value)
{
    size_t low = 0, high = list->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (list->values[mid] <= value)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

/* Exact phrase: driven by the word with the fewest positions ("the
 * inaugural" tries the few places of "inaugural", not every "the"). */
static int find_exact_phrase_matches(positional_matcher *p)
{
    size_t driver = 0;
    for (size_t i = 1; i < p->count; i++)
        if (p->lists[i].count < p->lists[driver].count)
            driver = i;
    const position_list *d = &p->lists[driver];
    for (size_t k = 0; k < d->count; k++) {
        if (d->values[k] < p->offsets[driver])
            continue; /* the phrase would start before position 0 */
        uint64_t start = (uint64_t)d->values[k] - p->offsets[driver];
        int ok = 1;
        for (size_t i = 0; i < p->count && ok; i++)
            ok = i == driver || contains(&p->lists[i], start + p->offsets[i]);
        if (ok && push_match(&p->matches, (uint32_t)start) != 0)
            return -1;
    }
    return 0;
}

/* Sloppy phrase: in order, each word after the previous, the whole span
 * within the phrase's own span plus the slop. */
static int find_phrase_matches(positional_matcher *p)
{
    if (p->slop == 0)
        return find_exact_phrase_matches(p);
    const position_list *first = &p->lists[0];
    uint32_t span_allowed = p->offsets[p->count - 1] - p->offsets[0] + p->slop;
    for (size_t k = 0; k < first->count; k++) {
        uint32_t start = first->values[k], previous = start;
        int ok = 1;
        for (size_t i = 1; i < p->count && ok; i++) {
            size_t at = first_after(&p->lists[i], previous);
            ok = at < p->lists[i].count;
            if (ok)
                previous = p->lists[i].values[at];
        }
        if (ok && previous - start <= span_allowed && push_match(&p->matches, start) != 0)
            return -1;
    }
    return 0;
}

static int find_near_matches(positional_matcher *p)
{
    size_t heads[64] = {0};
    for (;;) {
        size_t earliest_end = 0;
        uint64_t low_end = UINT64_MAX, low_start = UINT64_MAX, high_start = 0;
        for (size_t i = 0; i < p->count; i++) {
            if (heads[i] >= p->lists[i].count)
                return 0;
            uint64_t start = p->lists[i].values[heads[i]];
            uint64_t end = start + p->widths[i];
            if (end < low_end) {
                low_end = end;
                earliest_end = i;
            }
            if (start < low_start)
                low_start = start;
            if (start > high_start)
                high_start = start;
        }
        if (high_start <= low_end + p->distance && push_match(&p->matches, (uint32_t)low_start) != 0)
            return -1;
        heads[earliest_end]++;
    }
}

/* Exact phrase over streamed positions, a leapfrog join: the rarest word
 * (by documents) proposes a start, the others are asked in order of
 * rarity, each reading its positions up to where the start puts it, and
 * one that overshoots proposes a later start, checked again from the
 * rarest.  Every stream only moves forward, so no position is decoded
 * twice; a word's positions are opened only when it is first asked, so a
 * document whose rarer words never line up is left before a common
 * word's positions are read.  With `first_only` the reading stops at the
 * first match: the positions of a common word after that are never
 * decoded (a document's score does not depend on how often the phrase
 * occurs).  Returns 1 when the phrase occurs, 0 when not, or a negative
 * status. */
static int streamed_exact_phrase(positional_matcher *p, int first_only)
{
    uint64_t current[64];
    uint64_t opened = 0; /* bit i: reader i is open and current[i] holds its position */
    int found = 0;
    uint64_t start = 0;
    for (size_t k = 0;;) {
        size_t i = p->rarity[k];
        uint64_t target = start + p->offsets[i];
        uint64_t bit = (uint64_t)1 << i;
        if (!(opened & bit) || current[i] < target) {
            if (!(opened & bit)) {
                int rc = p->children[i]->ops->open_positions(p->children[i], &p->readers[i]);
                if (rc != 0)
                    return rc;
            }
            uint32_t position;
            int rc = postings_position_advance(&p->readers[i], target, &position);
            if (rc <= 0)
                return rc < 0 ? rc : found;
            current[i] = position;
            opened |= bit;
        }
        if (current[i] > target) {
            /* a later start; the rarest word checks it first (itself
             * when it was the one that overshot) */
            start = current[i] - p->offsets[i];
            k = k == 0 && p->count > 1 ? 1 : 0;
            continue;
        }
        if (++k < p->count)
            continue;
        found = 1;
        if (first_only)
            return 1;
        if (push_match(&p->matches, (uint32_t)start) != 0)
            return -1;
        start++;
        k = 0;
    }
}

/* streamed_exact_phrase(p, 1) for a phrase of two words, the commonest
 * case, as one join of the two streams (postings_position_meet): when two
 * common words alternate every position or two, the general loop's
 * bookkeeping (which word is asked next, which is open) costs more than
 * reading the positions.  The commoner word's positions are not opened
 * when the rarer one has none where the phrase could start. */
static int streamed_two_word_phrase(positional_matcher *p)
{
    size_t rare = p->rarity[0], other = p->rarity[1];
    postings_position_reader *rare_reader = &p->readers[rare], *other_reader = &p->readers[other];
    uint32_t rare_at;
    int rc = p->children[rare]->ops->open_positions(p->children[rare], rare_reader);
    if (rc == 0)
        rc = postings_position_advance(rare_reader, p->offsets[rare], &rare_at);
    if (rc <= 0)
        return rc;
    rc = p->children[other]->ops->open_positions(p->children[other], other_reader);
    if (rc != 0)
        return rc;
    return postings_position_meet(rare_reader, p->offsets[rare], other_reader, p->offsets[other]);
}

/* streamed_exact_phrase(p, 1) for a phrase of three words: the two rarer
 * words joined as a two-word phrase (postings_position_meet), the
 * commonest asked where each of their pairs puts it; when it stands past
 * that, the rarest word goes on to where it puts the start and the pair
 * is joined again.  The general loop's bookkeeping per step (which word
 * is asked next, which is open) was most of a three-word phrase's walk. */
static int streamed_three_word_phrase(positional_matcher *p)
{
    size_t first = p->rarity[0], second = p->rarity[1], third = p->rarity[2];
    postings_position_reader *a = &p->readers[first], *b = &p->readers[second],
                             *c = &p->readers[third];
    uint32_t a_offset = p->offsets[first], b_offset = p->offsets[second],
             c_offset = p->offsets[third], at;
    int rc = p->children[first]->ops->open_positions(p->children[first], a);
    if (rc == 0)
        rc = postings_position_advance(a, a_offset, &at);
    if (rc <= 0)
        return rc;
    rc = p->children[second]->ops->open_positions(p->children[second], b);
    if (rc != 0)
        return rc;
    int c_open = 0;
    for (;;) {
        /* a stands on a position, b before where a puts it */
        rc = postings_position_meet(a, a_offset, b, b_offset);
        if (rc <= 0)
            return rc;
        uint64_t target = a->position - a_offset + c_offset;
        if (!c_open) {
            rc = p->children[third]->ops->open_positions(p->children[third], c);
            if (rc != 0)
                return rc;
            c_open = 1;
        }
        if (c->position == UINT64_MAX || c->position < target) {
            rc = postings_position_advance(c, target, &at);
            if (rc <= 0)
                return rc;
        }
        if (c->position == target)
            return 1;
        /* no start before the one c's position puts: b stands before
         * where that start puts it, a is moved there */
        rc = postings_position_advance(a, c->position - c_offset + a_offset, &at);
        if (rc <= 0)
            return rc;
    }
}

static int verify(positional_matcher *p)
{
    p->matches.count = 0;
    p->matches_complete = 0;
    if (p->filters_decide)
        return 1;
    if (p->streamed) {
        int rc = p->count == 2   ? streamed_two_word_phrase(p)
                 : p->count == 3 ? streamed_three_word_phrase(p)
                                 : streamed_exact_phrase(p, 1);
        if (rc < 0)
            p->failed = 1;
        return rc > 0;
    }
    p->matches_complete = 1;
    for (size_t i = 0; i < p->count; i++)
        if (load_positions(p->children[i], &p->lists[i]) != 0) {
            p->failed = 1;
            return 0;
        }
    int rc = p->near ? find_near_matches(p) : find_phrase_matches(p);
    if (rc != 0)
        p->failed = 1;
    return rc == 0 && p->matches.count > 0;
}

static uint32_t positional_approximate_next_geq(matcher *m, uint32_t target)
{
    positional_matcher *p = (positional_matcher *)m;
    if (p->failed)
        return m->doc = MATCHER_END;
    /* the others asked rarest first too: a document without the second
     * rarest word is left before the commonest word's postings (its
     * blocks the most of any) are read there */
    return m->doc = matcher_conjunction_next(p->by_rarity, p->by_rarity_count, 0, target);
}

/* The candidates of the conjunction, the rarest child proposing; one in
 * [target, last] whose rarest child's score and the others' bounds
 * together cannot exceed `threshold` is passed over before the others
 * are asked (their postings, often a common word's dense blocks, are not
 * read there). */
static uint32_t positional_approximate_above(matcher *m, uint32_t target, double threshold,
                                             uint32_t last)
{
    positional_matcher *p = (positional_matcher *)m;
    if (p->failed)
        return m->doc = MATCHER_END;
    matcher *lead = p->children[p->rarity[0]];
    if (!p->others_bound_known) {
        p->others_bound = 0.0;
        for (size_t k = 1; k < p->count; k++)
            p->others_bound += p->children[p->rarity[k]]->ops->max_score(p->children[p->rarity[k]]);
        p->others_bound_known = 1;
    }
    for (;;) {
        uint32_t doc = matcher_next_geq(lead, target);
        if (doc == MATCHER_END)
            return m->doc = MATCHER_END;
        if (doc <= last && matcher_cannot_exceed(lead->ops->score(lead) + p->others_bound, threshold)) {
            target = doc + 1;
            continue;
        }
        /* the filters and the other words, rarest first */
        uint32_t next = doc;
        for (size_t k = 0; k < p->by_rarity_count && next == doc; k++)
            if (p->by_rarity[k] != lead)
                next = matcher_next_geq(p->by_rarity[k], doc);
        if (next == doc)
            return m->doc = doc;
        if (next == MATCHER_END)
            return m->doc = MATCHER_END;
        target = next;
    }
}

static int positional_confirm(matcher *m)
{
    return verify((positional_matcher *)m);
}

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The first document >= target with the phrase, for a streamed phrase of
 * terms (p->cursors) that does not prune: their cursors leapfrog here,
 * each step a postings_next_geq in line, where the general walk goes
 * through the conjunction's loop and each word's next_geq by pointer (for
 * a phrase of two common words nearly every document holds both: 14 %
 * fewer instructions for the count of "in the", callgrind).  In line with a
 * constant `count` (p->count) for two words, the commonest phrase.  The
 * words' matchers are left on the cursors' documents. */
static ALWAYS_INLINE uint32_t next_phrase_match(positional_matcher *p, size_t count,
                                                size_t joined, uint32_t target)
{
    postings_cursor **c = p->cursors;
    uint32_t doc = postings_next_geq(c[0], target);
    while (doc != POSTINGS_END) {
        uint32_t other = doc;
        for (size_t k = 1; k < joined && other == doc; k++)
            other = postings_next_geq(c[k], doc);
        if (other != doc) {
            doc = other == POSTINGS_END ? POSTINGS_END : postings_next_geq(c[0], other);
            continue;
        }
        p->matches.count = 0;
        p->matches_complete = 0;
        if (p->filters_decide)
            break;
        int rc = count == 2   ? streamed_two_word_phrase(p)
                 : count == 3 ? streamed_three_word_phrase(p)
                              : streamed_exact_phrase(p, 1);
        if (rc < 0) {
            p->failed = 1;
            doc = MATCHER_END;
            break;
        }
        if (rc > 0)
            break;
        doc = postings_next_geq(c[0], doc + 1);
    }
    return doc;
}

/* The words' matchers, and the phrase's, on the cursors' documents. */
static uint32_t phrase_sync(positional_matcher *p, uint32_t doc)
{
    for (size_t i = 0; i < p->count; i++)
        matcher_term_sync(p->children[i]);
    for (size_t i = 0; i < p->filter_count; i++)
        matcher_term_sync(p->filters[i]);
    return p->base.doc = doc;
}

/* In line with constants for two words without filters, the commonest. */
static uint32_t positional_next_phrase(positional_matcher *p, uint32_t target)
{
    return phrase_sync(p, p->join_count == 2 ? next_phrase_match(p, 2, 2, target)
                                             : next_phrase_match(p, p->count, p->join_count,
                                                                 target));
}

static uint32_t positional_next_geq(matcher *m, uint32_t target)
{
    positional_matcher *p = (positional_matcher *)m;
    if (p->cursors && !p->pruning && !p->failed)
        return positional_next_phrase(p, target);
    for (;;) {
        uint32_t candidate = p->pruning
                                 ? positional_approximate_above(m, target, p->threshold, MATCHER_END)
                                 : positional_approximate_next_geq(m, target);
        if (candidate == MATCHER_END)
            return candidate;
        /* The score is known before the positions: it sums the words'
         * scores, whatever the number of phrase occurrences. */
        if ((!p->pruning || !matcher_cannot_exceed(m->ops->score(m), p->threshold)) && verify(p))
            return candidate;
        target = candidate + 1;
    }
}

/* The matches of next_phrase_match in [first, end) into `window`; returns
 * the first at or past `end`. */
static ALWAYS_INLINE uint32_t fill_phrase_window(positional_matcher *p, size_t count,
                                                 size_t joined, uint64_t *window, uint32_t first,
                                                 uint32_t end)
{
    uint32_t doc = next_phrase_match(p, count, joined, first);
    for (; doc < end; doc = next_phrase_match(p, count, joined, doc + 1))
        window[(doc - first) >> 6] |= (uint64_t)1 << ((doc - first) & 63);
    return doc;
}

/* Counting (matcher_fill_window), where next_geq's call and bookkeeping
 * per match were 5 % of a count of two common words (callgrind). */
static void positional_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    positional_matcher *p = (positional_matcher *)m;
    uint32_t doc;
    if (!p->cursors || p->pruning || p->failed) {
        for (doc = positional_next_geq(m, first); doc < end; doc = positional_next_geq(m, doc + 1))
            window[(doc - first) >> 6] |= (uint64_t)1 << ((doc - first) & 63);
        return;
    }
    phrase_sync(p, p->join_count == 2
                       ? fill_phrase_window(p, 2, 2, window, first, end)
                       : fill_phrase_window(p, p->count, p->join_count, window, first, end));
}

static double positional_score(matcher *m)
{
    positional_matcher *p = (positional_matcher *)m;
    if (p->one_field)
        return matcher_terms_score(p->children, p->count);
    double score = 0.0;
    for (size_t i = 0; i < p->count; i++)
        score += p->children[i]->ops->score(p->children[i]);
    return score;
}

static int positional_positions(matcher *m, uint32_t *out, size_t capacity)
{
    positional_matcher *p = (positional_matcher *)m;
    if (!p->matches_complete) {
        p->matches.count = 0;
        int rc = streamed_exact_phrase(p, 0);
        if (rc < 0) {
            p->failed = 1;
            return rc;
        }
        p->matches_complete = 1;
    }
    size_t n = p->matches.count < capacity ? p->matches.count : capacity;
    memcpy(out, p->matches.values, n * sizeof *out);
    return (int)n;
}

static void positional_explain(matcher *m, byte_buffer *out, int depth)
{
    positional_matcher *p = (positional_matcher *)m;
    for (size_t i = 0; i < p->count; i++)
        p->children[i]->ops->explain(p->children[i], out, depth);
}

static void positional_free(matcher *m)
{
    positional_matcher *p = (positional_matcher *)m;
    for (size_t i = 0; i < p->count; i++) {
        matcher_free(p->children[i]);
        free(p->lists[i].values);
    }
    for (size_t i = 0; i < p->filter_count; i++)
        matcher_free(p->filters[i]);
    free(p->filters);
    free(p->children);
    free(p->lists);
    free(p->offsets);
    free(p->widths);
    free(p->matches.values);
    free(p->readers);
    free(p->rarity);
    free(p->by_rarity);
    free(p->cursors);
    free(p);
}

static double positional_max_score(matcher *m)
{
    positional_matcher *p = (positional_matcher *)m;
    return matcher_sum_max_scores(p->children, p->count);
}

static double positional_block_bound(matcher *m, uint32_t target, uint32_t *last)
{
    positional_matcher *p = (positional_matcher *)m;
    return matcher_sum_block_bounds(p->children, p->count, target, last);
}

static void positional_set_threshold(matcher *m, double threshold)
{
    positional_matcher *p = (positional_matcher *)m;
    p->threshold = threshold;
    p->pruning = 1;
}

static const matcher_ops positional_ops = {
    .next_geq = positional_next_geq,
    .score = positional_score,
    .positions = positional_positions,
    .explain = positional_explain,
    .free = positional_free,
    .max_score = positional_max_score,
    .block_bound = positional_block_bound,
    .set_threshold = positional_set_threshold,
    .approximate_next_geq = positional_approximate_next_geq,
    .confirm = positional_confirm,
    .approximate_above = positional_approximate_above,
    .fill_window = positional_fill_window,
};

/* p->cursors from p->by_rarity (the words and the filters, rarest first),
 * or NULL when one is not a term's (the general walk). */
static void join_cursors(positional_matcher *p)
{
    free(p->cursors);
    p->cursors = malloc(p->by_rarity_count * sizeof *p->cursors);
    for (size_t k = 0; p->cursors && k < p->by_rarity_count; k++)
        if (!(p->cursors[k] = matcher_term_cursor(p->by_rarity[k]))) {
            free(p->cursors);
            p->cursors = NULL;
        }
    p->join_count = p->by_rarity_count;
}

matcher *matcher_positional(matcher **children, const uint32_t *offsets, size_t count,
                            uint32_t slop, int near, uint32_t distance)
{
    positional_matcher *p = calloc(1, sizeof *p);
    if (p && count > 0 && count <= 64) {
        p->children = malloc(count * sizeof *p->children);
        p->offsets = calloc(count, sizeof *p->offsets);
        p->widths = calloc(count, sizeof *p->widths);
        p->lists = calloc(count, sizeof *p->lists);
        p->readers = calloc(count, sizeof *p->readers);
        p->rarity = malloc(count * sizeof *p->rarity);
        p->by_rarity = malloc(count * sizeof *p->by_rarity);
    }
    if (!p || count == 0 || count > 64 || !p->children || !p->offsets || !p->widths || !p->lists
        || !p->readers || !p->rarity || !p->by_rarity) {
        for (size_t i = 0; i < count; i++)
            matcher_free(children[i]);
        if (p) {
            free(p->children);
            free(p->offsets);
            free(p->widths);
            free(p->lists);
            free(p->readers);
            free(p->rarity);
            free(p->by_rarity);
            free(p);
        }
        return NULL;
    }
    memcpy(p->children, children, count * sizeof *children);
    if (offsets) {
        memcpy(p->offsets, offsets, count * sizeof *offsets);
        p->span = offsets[count - 1] - offsets[0];
    }
    for (size_t i = 0; i < count; i++)
        if (children[i]->ops == &positional_ops)
            p->widths[i] = ((const positional_matcher *)children[i])->span;
    p->base.ops = &positional_ops;
    /* insertion sort by cost (at most 64), stable: words of equal rarity
     * keep their order */
    for (size_t i = 0; i < count; i++) {
        size_t j = i;
        for (; j > 0 && children[p->rarity[j - 1]]->cost > children[i]->cost; j--)
            p->rarity[j] = p->rarity[j - 1];
        p->rarity[j] = i;
    }
    for (size_t k = 0; k < count; k++)
        p->by_rarity[k] = children[p->rarity[k]];
    p->by_rarity_count = count;
    p->base.cost = children[p->rarity[0]]->cost;
    p->one_field = matcher_terms_of_one_field(children, count);
    p->streamed = !near && slop == 0 && offsets != NULL;
    for (size_t i = 0; i < count; i++)
        p->streamed &= children[i]->ops->open_positions != NULL;
    p->count = count;
    if (p->streamed)
        join_cursors(p);
    p->slop = slop;
    p->near = near;
    p->distance = distance;
    return &p->base;
}

matcher *matcher_phrase_filter(matcher *phrase, matcher **filters, size_t count, int decide)
{
    positional_matcher *p = (positional_matcher *)phrase;
    matcher **kept = NULL, **joined = NULL;
    if (phrase && count > 0 && phrase->ops == &positional_ops && !p->near && p->slop == 0
        && p->filter_count == 0) {
        kept = malloc(count * sizeof *kept);
        joined = kept ? realloc(p->by_rarity, (p->count + count) * sizeof *joined) : NULL;
    }
    if (!joined) {
        /* the phrase reads the positions of every candidate: slower, the
         * same answers */
        for (size_t i = 0; i < count; i++)
            matcher_free(filters[i]);
        free(kept);
        return phrase;
    }
    p->by_rarity = joined;
    memcpy(kept, filters, count * sizeof *kept);
    p->filters = kept;
    p->filter_count = count;
    p->filters_decide = decide;
    /* each filter where its postings put it among the words (stable: after
     * those of equal cost) */
    for (size_t i = 0; i < count; i++) {
        size_t j = p->by_rarity_count++;
        for (; j > 0 && joined[j - 1]->cost > filters[i]->cost; j--)
            joined[j] = joined[j - 1];
        joined[j] = filters[i];
    }
    if (p->streamed)
        join_cursors(p);
    return phrase;
}
