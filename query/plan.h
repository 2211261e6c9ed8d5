/*
 * plan.h — the native engine's planner: a lowered query (lower.h) to a
 * matcher tree over one segment.
 *
 * Lowering has settled what the query means; this maps each plan node to
 * its operator (matcher.h): a TERM to the key's postings (a title term's
 * key is prefixed with SEGMENT_FIELD_TITLE and scored with the plan's
 * title weight), a PHRASE and a NEAR to the positional operator, a
 * PREFIX to the OR of the segment's terms that start with it, TITLE to
 * its child (its terms already carry the weight), AND, OR, AND_MAYBE,
 * DATE, ALL and NOTHING to theirs.  BM25 constants use collection-wide
 * statistics (all segments).
 */
#ifndef COPS_QUERY_PLAN_H
#define COPS_QUERY_PLAN_H

#include "cops.h"
#include "query/index.h"
#include "query/lower.h"
#include "query/matcher.h"

/* The dictionary entries and collection-wide document frequencies of a
 * search's words, looked up once when the search plans a segment several
 * times (a total counted apart, the hits scored again, --explain): a
 * word's df with deletions costs a probe of every deleted document (a
 * count's plan, which scores nothing, leaves it unknown until a scored
 * plan asks).  At
 * most PLAN_CACHE_WORDS words (a prefix's expansions are not kept).
 * Zero-initialise (its count and capacity at least; it must not be moved
 * once used); free with plan_cache_free. */
#define PLAN_CACHE_WORDS 64
typedef struct plan_cache_entry {
    size_t segment_number;
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    size_t key_length;
    int found;
    segment_term term;
    int64_t df;
} plan_cache_entry;

#define PLAN_CACHE_INLINE_WORDS 8
typedef struct plan_cache {
    plan_cache_entry *entries;   /* `first`, then grown 16, 32, ... up to PLAN_CACHE_WORDS:
                                  * an entry is ~360 bytes, and most queries have a few
                                  * words (a word is two keys, title and body) */
    size_t count, capacity;
    /* the first entries, without an allocation (a realloc and its free
     * were ~1k instructions of a short query) */
    plan_cache_entry first[PLAN_CACHE_INLINE_WORDS];
} plan_cache;

void plan_cache_free(plan_cache *cache);

/* Build the matcher of `plan` over segment `segment_number` of `index`
 * (options: the scoring parameters; with count_only or date_histogram no
 * score will be asked, and the terms are planned unscored).  *out (OUT)
 * receives the tree (free with matcher_free).  Fails with COPS_ELIMIT for a prefix expanding beyond its
 * max_terms or all of them together beyond plan->max_query_prefix_terms
 * (both counted in this segment), COPS_ECORRUPT for damage, COPS_ENOMEM.
 * `cache` (or NULL) keeps the words looked up for the next plan. */
int plan_query(cops_index *index, size_t segment_number, const lower_plan *plan,
               const cops_search_options *options, plan_cache *cache, matcher **out,
               cops_error *err);

/* The pair key (index-format/pairs.h) of segment `seg` whose documents
 * are exactly what `node` matches, a body phrase of two words of the
 * segment's pair list at consecutive offsets with no slop: 1 and *term
 * when the segment holds it, 0 when not (another node, or a pair the
 * build left without a key: its positions are read), or a negative
 * status.  A count plans such a phrase as that key.  With `any_field`, a
 * title phrase of such words finds the body's key too (not its matches:
 * the title has no pair keys). */
int plan_pair_key(segment *seg, const lower_node *node, int any_field, segment_term *term,
                  cops_error *err);

/* Whether `plan` matches what one of two terms does (an OR of two TERMs
 * under boosts and title wrappers): a word in the body or the title. */
int plan_is_two_terms(const lower_plan *plan);

/* The live documents of segment `segment_number` that a plan of two terms
 * (plan_is_two_terms) matches into *total, without a matcher: the longer
 * key's live postings (index_live_postings: its df less its deleted
 * documents, counted once per key) plus the shorter key's live documents
 * the longer lacks, found by skipping through the longer's postings.
 * Returns 1 when counted so; 0 when the plan is of another shape or the
 * shorter key is not much shorter (counting both by windows then costs
 * less); a negative status on damage.  `cache` as plan_query's. */
int plan_count_two_terms(cops_index *index, size_t segment_number, const lower_plan *plan,
                         plan_cache *cache, uint64_t *total, cops_error *err);

#endif
