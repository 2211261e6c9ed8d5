/*
 * fuzzy.h — which expansions of a fuzzy word (word~n) are kept, the same
 * for every engine: each engine finds the terms of its dictionary within
 * the edits (lower.h, "Fuzzy words"), then keeps at most the plan's
 * number of them: the nearest first, then those in most documents, then
 * in the order they were found.  The exact term (distance 0) therefore
 * always stays.
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

/* Sort candidates[0..count) into the order above and return how many
 * are kept (at most `limit`): the first ones. */
size_t fuzzy_keep(fuzzy_candidate *candidates, size_t count, size_t limit);

#endif
