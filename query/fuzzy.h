/*
 * fuzzy.h — which expansions of a fuzzy word (word~n) or of a prefix
 * (prefix*) are kept, the same for every engine: each engine finds the
 * terms of its dictionary within the edits (lower.h, "Fuzzy words") or
 * starting with the prefix ("Prefixes"), then keeps at most the plan's
 * number of them: the nearest first (a prefix's are all at distance 0),
 * then those in most documents, then in the order they were found (for
 * a prefix: each field's terms in byte order, then its stem and the
 * words as written, the body's before the title's).  The exact term
 * (distance 0) of a fuzzy word therefore always stays.
 */
#ifndef COPS_QUERY_FUZZY_H
#define COPS_QUERY_FUZZY_H

#include <stddef.h>
#include <stdint.h>

#include "query/suggest.h"

typedef struct fuzzy_candidate {
    uint32_t distance;  /* edits from the typed term */
    uint64_t df;        /* documents with the term (the whole index's) */
    size_t id;          /* the engine's own reference: where it keeps the term */
} fuzzy_candidate;

/* How many are kept (at most `limit`): the first ones of
 * candidates[0..count), which is sorted into the order above when some
 * are not (else left in the order found). */
size_t fuzzy_keep(fuzzy_candidate *candidates, size_t count, size_t limit);

/* The work bound of all the fuzzy words of a query together: at most
 * this many indexed words compared with them (edit distances computed,
 * every visit of a bucket's scan counted, the exact term's own lookup
 * not), in each segment of the index as the bound of all prefixes is
 * (the Xapian engine: in its database).  Beyond, the search fails with
 * COPS_ELIMIT and FUZZY_BUDGET_MESSAGE: one fuzzy word scans at most
 * 4 x 200,000 words (suggest.h, two buckets in two fields), an ordinary
 * one a few tens of thousands (any two always pass), so a few never reach it,
 * while a query of a hundred of them over hostile buckets of long words
 * would otherwise cost tens of seconds.  Counted in comparisons, not
 * time, so that whether a query fails depends only on it and the index. */
#define FUZZY_MAX_QUERY_COMPARISONS 2000000
#define FUZZY_BUDGET_MESSAGE                                                                  \
    "the query's fuzzy words are compared with more than %d indexed words in all; use fewer " \
    "fuzzy words"

/* suggest_bucket_limit and suggest_bucket_spend (suggest.h) with the
 * fuzzy words' budget. */
static inline size_t fuzzy_bucket_limit(size_t spent)
{
    return suggest_bucket_limit(spent, FUZZY_MAX_QUERY_COMPARISONS);
}

static inline void fuzzy_bucket_spend(size_t *spent, size_t limit, size_t left)
{
    suggest_bucket_spend(spent, FUZZY_MAX_QUERY_COMPARISONS, limit, left);
}

/* How many terms a prefix's scan collects at most before choosing the
 * `max_terms` kept among them (the work and memory bound): 100 times
 * max_terms, at most PREFIX_SCAN_MAX (unless max_terms is larger). */
#define PREFIX_SCAN_FACTOR 100
#define PREFIX_SCAN_MAX 1000000
size_t prefix_scan_cap(size_t max_terms);

#endif
