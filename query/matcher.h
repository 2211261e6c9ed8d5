/*
 * matcher.h — the document-at-a-time operators that evaluate a query.
 *
 * A matcher enumerates, in increasing document order, the documents of one
 * segment that satisfy its sub-query, and scores the one it stands on.
 * One file per operator: op-term.c (one key's postings, BM25), op-blend.c
 * (a prefix's keys of one field scored as one term), op-and.c
 * (conjunction with exclusions and optional scoring parts), op-or.c,
 * op-positional.c (phrase and NEAR, verified on positions only for
 * documents that pass the conjunction), op-filter.c (all documents, date
 * ranges), op-scale.c (a sub-query's score times a factor); what they share is in op-common.c (the section "Shared by the
 * operators" below).  Each operator is a `matcher_ops` table written with
 * designated initializers: an operator leaves NULL what it does not do.
 *
 * Ownership: a matcher owns its children; matcher_free frees the tree.
 * Lifetime: matchers borrow the segment and the scoring parameters, which
 * must outlive them.  Errors met while iterating (damaged postings) end the
 * iteration; the search then asks segment_damage() for the message.
 */
#ifndef COPS_QUERY_MATCHER_H
#define COPS_QUERY_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "index-format/segment.h"
#include "query/bm25.h"

#define MATCHER_END POSTINGS_END

typedef struct matcher matcher;

typedef struct matcher_ops {
    /* Move to the first matching document >= target and return it, or
     * MATCHER_END.  Targets never decrease. */
    uint32_t (*next_geq)(matcher *m, uint32_t target);
    /* Score of the current document (only called while positioned). */
    double (*score)(matcher *m);
    /* Positions (start of each match) in the current document for
     * positional parents; NULL for operators that have none.  Fills
     * `out` with at most `capacity` sorted positions and returns the
     * count, or a negative status. */
    int (*positions)(matcher *m, uint32_t *out, size_t capacity);
    /* Append "term: contribution" lines for the current document, each
     * "LABEL: SCORE (weight W, idf I, df D, tf T, field length L)" as
     * op-term.c writes it: query/output.c reads that shape back for
     * --json --explain. */
    void (*explain)(matcher *m, byte_buffer *out, int depth);
    void (*free)(matcher *m);
    /* An upper bound of score() over every document. */
    double (*max_score)(matcher *m);
    /* An upper bound of score() over the documents in [target, *last],
     * read from block skip data (*last is MATCHER_END when the bound
     * holds to the end).  Nothing is decoded or moved, except that a
     * disjunction moves its few-postings children (a word's title key)
     * onto `target` to bound them exactly (op-or.c): `target` is past the
     * document the matcher stands on and at most the next next_geq's. */
    double (*block_bound)(matcher *m, uint32_t target, uint32_t *last);
    /* Top-k pruning: from now on only documents scoring above `threshold`
     * matter, so the operator may skip others (and score() may return a
     * partial sum for a document that cannot exceed it).  NULL: the
     * operator does not prune.  Thresholds never decrease. */
    void (*set_threshold)(matcher *m, double threshold);
    /* The current document's positions as a stream read on demand, for a
     * phrase that stops as soon as it knows its answer: 0 and *out set, or
     * a negative status.  NULL for operators other than a term. */
    int (*open_positions)(matcher *m, postings_position_reader *out);
    /* Two-phase iteration, for operators whose match is costly to confirm
     * (a phrase: the conjunction is cheap, the positions are not); NULL
     * for the others.  approximate_next_geq moves to the first document
     * >= target that may match (a superset of next_geq's), where score()
     * is already the score it has if it matches; confirm() says whether it
     * does.  A parent that knows more (a disjunction, which sees its other
     * children's scores there) can so leave unconfirmed a document that
     * cannot enter the top k. */
    uint32_t (*approximate_next_geq)(matcher *m, uint32_t target);
    int (*confirm)(matcher *m);
    /* approximate_next_geq for a parent that knows more than the
     * threshold it set (a disjunction, where no other child stands on a
     * document before `last`): documents in [target, last] whose score
     * cannot exceed `threshold` may be skipped as well (a phrase then
     * leaves them before its common words' postings are read; a term
     * passes over them by its block bounds and scores, and stands on a
     * match as next_geq leaves it).  NULL: the parent calls
     * approximate_next_geq, else next_geq. */
    uint32_t (*approximate_above)(matcher *m, uint32_t target, double threshold, uint32_t last);
    /* Counting without scores (matcher_fill_window): OR into `window` bit
     * d - first of every matching document d in [first, end), with no
     * score, frequency or position asked for, and leave m->doc a lower
     * bound (>= end) of the next match.  NULL: matcher_fill_window steps
     * through next_geq. */
    void (*fill_window)(matcher *m, uint64_t *window, uint32_t first, uint32_t end);
    /* Top-k seeding (query/search.c): move to the first document >= target
     * among a few likely to score high (a disjunction's: those of its
     * strongest child, when that child is short), where score() is the
     * document's exhaustive score or, to the bit, at most it (a
     * disjunction whose other children add little leaves them unmoved
     * and sums its seed children alone);
     * MATCHER_END when there are no more (at once when the operator has
     * no such documents).  The matcher is then discarded: it has not
     * stepped through the documents in between.  NULL: no seeding. */
    uint32_t (*seed_next_geq)(matcher *m, uint32_t target);
} matcher_ops;

struct matcher {
    const matcher_ops *ops;
    uint32_t doc;        /* current document, MATCHER_END when exhausted */
    uint64_t cost;       /* estimated number of matches (for ordering) */
};

static inline uint32_t matcher_next_geq(matcher *m, uint32_t target)
{
    return m->ops->next_geq(m, target);
}

/* ---------------------------------------- shared by the operators
 * (op-common.c) */

void matcher_free(matcher *m);

/* Running out of memory while iterating: an operator that must stop for
 * want of memory (it has no error argument) ends its iteration and calls
 * matcher_out_of_memory(); the search, when the iteration ends, asks
 * matcher_ran_out_of_memory(), which answers for the calling thread since
 * its last call.  Without it the search would return fewer hits as if
 * nothing had happened. */
void matcher_out_of_memory(void);
int matcher_ran_out_of_memory(void);

/* A bound with room for rounding: the score sums are computed in another
 * order than the bounds, so a true score may exceed a computed bound by a
 * few ulps. */
static inline int matcher_cannot_exceed(double bound, double threshold)
{
    return bound * (1.0 + 1e-12) + 1e-12 <= threshold;
}

/* The first document >= target on which every one of `children` stands,
 * proposed by children[leader] (the rarest) and confirmed by the others
 * through next_geq; MATCHER_END when there is none.  Shared by the
 * conjunction and the positional operators. */
uint32_t matcher_conjunction_next(matcher **children, size_t count, size_t leader, uint32_t target);

/* Counting by windows of at most MATCHER_WINDOW documents (a bitset of
 * MATCHER_WINDOW / 64 words): the matches in [first, end) ORed into
 * `window` as bits d - first, through ops->fill_window or next_geq.
 * Windows move forward: `first` is at least the last call's `end`. */
#define MATCHER_WINDOW 4096u
void matcher_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end);
/* The bits set in words[0..count). */
uint64_t matcher_count_bits(const uint64_t *words, size_t count);

/* Sum of the children's block bounds at `target`; *last = the smallest of
 * their windows' ends. */
double matcher_sum_block_bounds(matcher **children, size_t count, uint32_t target, uint32_t *last);
/* Sum of the children's whole-list bounds (max_score). */
double matcher_sum_max_scores(matcher **children, size_t count);

/* ------------------------------------------------------- constructors
 * Each returns NULL only when out of memory; on NULL the arguments that
 * would have been owned are freed. */

/* One key's postings scored with BM25 (`scorer` precomputed for the key,
 * which also says its field).  `scores`: whether score() will be asked;
 * 0 for a count's terms, whose score is then 0 and whose cursors decode
 * frequencies only where positions are read.  `label` is the term as
 * shown by --explain. */
matcher *matcher_term(segment *seg, const segment_term *term, const bm25_term *scorer,
                      int scores, const char *label);
/* The cursor of a matcher_term, which its owner may step with
 * postings_next_geq (its doc then follows as matcher_term_sync sets it);
 * NULL for other matchers. */
postings_cursor *matcher_term_cursor(matcher *m);
/* A matcher_term's doc set again from its cursor's. */
void matcher_term_sync(matcher *m);
/* Whether `terms` (count >= 1) are all matcher_term's of one field. */
int matcher_terms_of_one_field(matcher *const *terms, size_t count);
/* The sum, in order from 0, of the scores of `terms` (of one field, all
 * standing on one document): what summing their score() gives, to the
 * bit, with the field's length read once rather than by each term (a
 * phrase's words: a random read of the lengths table each). */
double matcher_terms_score(matcher *const *terms, size_t count);
/* Several keys of one field (`terms`, count >= 1, a prefix's expansions)
 * as one term: BM25 of their frequencies summed in the document, with
 * `scorer` (its idf the blend's, its weight and length the field's).
 * `label` is shown by --explain (op-blend.c). */
matcher *matcher_blend(segment *seg, const segment_term *terms, size_t count,
                       const bm25_term *scorer, const char *label);
/* Conjunction of `required` (at least one), minus any document matched by
 * one of `excluded`; `optional` matchers add to the score when they also
 * match.  Takes ownership of every matcher in the arrays (not the arrays). */
matcher *matcher_and(matcher **required, size_t required_count, matcher **excluded,
                     size_t excluded_count, matcher **optional, size_t optional_count);
/* Disjunction; score = sum of the matching children's scores. */
matcher *matcher_or(matcher **children, size_t count);
/* Terms at fixed relative offsets (an exact phrase when slop is 0; with
 * slop s, in order with at most s extra words in the whole span), or with
 * `near` set, in any order with every position within `distance` of each
 * other.  `children` are term or phrase matchers; offsets are the
 * analyzer's positions of each child in the phrase (ignored for NEAR). */
matcher *matcher_positional(matcher **children, const uint32_t *offsets, size_t count,
                            uint32_t slop, int near, uint32_t distance);
/* `phrase` (an exact phrase of matcher_positional, not NEAR) with
 * documents-only `filters` (unscored matcher_term's, each holding every
 * document the phrase matches: pair keys of its adjacent words, index-
 * format/pairs.h), joined to its words' documents before any position
 * is read; with `decide`, a document in every filter and word is a
 * match and no position is read (a two-word phrase and its pair key).
 * Takes ownership of the filters (freed, and the phrase returned
 * unfiltered, when out of memory or not such a phrase); returns
 * `phrase`. */
matcher *matcher_phrase_filter(matcher *phrase, matcher **filters, size_t count, int decide);
/* Every document 0..documents-1, score 0. */
matcher *matcher_all(uint32_t documents);
/* Documents whose date is within [from, to] (YYYYMMDD, 0 = open), score 0. */
matcher *matcher_date(segment *seg, uint32_t from, uint32_t to);
/* Nothing. */
matcher *matcher_empty(void);
/* `child`'s score times `factor` (> 0), bounds and thresholds scaled
 * alike; --explain shows "LABEL, times FACTOR: SCORE" above the child's
 * lines (op-scale.c).  Takes ownership of `child`. */
matcher *matcher_scale(matcher *child, double factor, const char *label);

#endif
