/*
 * fuzzy.c — the expansions of a fuzzy word that are kept (fuzzy.h).
 */
#include "config.h"

#include "query/fuzzy.h"

#include <stdlib.h>

/* Nearest, then most documents, then first found (qsort is not stable,
 * the id keeps the order defined). */
static int compare_candidates(const void *a, const void *b)
{
    const fuzzy_candidate *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    if (x->df != y->df)
        return x->df > y->df ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t fuzzy_keep(fuzzy_candidate *candidates, size_t count, size_t limit)
{
    if (count <= limit)
        return count; /* all kept: their order does not matter (a blend, an OR) */
    qsort(candidates, count, sizeof *candidates, compare_candidates);
    return limit;
}

size_t prefix_scan_cap(size_t max_terms)
{
    if (max_terms >= PREFIX_SCAN_MAX)
        return max_terms;
    return max_terms > PREFIX_SCAN_MAX / PREFIX_SCAN_FACTOR ? PREFIX_SCAN_MAX
                                                            : max_terms * PREFIX_SCAN_FACTOR;
}
