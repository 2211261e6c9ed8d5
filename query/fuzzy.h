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

typedef struct fuzzy_candidate {
    uint32_t distance;  /* edits from the typed term */
    uint64_t df;        /* documents with the term (the whole index's) */
    size_t id;          /* the engine's own reference: where it keeps the term */
} fuzzy_candidate;

/* How many are kept (at most `limit`): the first ones of
 * candidates[0..count), which is sorted into the order above when some
 * are not (else left in the order found). */
size_t fuzzy_keep(fuzzy_candidate *candidates, size_t count, size_t limit);

/* How many terms a prefix's scan collects at most before choosing the
 * `max_terms` kept among them (the work and memory bound): 100 times
 * max_terms, at most PREFIX_SCAN_MAX (unless max_terms is larger). */
#define PREFIX_SCAN_FACTOR 100
#define PREFIX_SCAN_MAX 1000000
size_t prefix_scan_cap(size_t max_terms);

#endif
