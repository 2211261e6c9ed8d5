/*
 * array.h — room for one more element in a growable array.
 *
 * The one growth policy for arrays of structs (doubling from `initial`),
 * so each call site states only what it grows.  The array and its
 * capacity change only on success; on failure the old array is intact
 * and still owned by the caller.
 */
#ifndef COPS_BASE_ARRAY_H
#define COPS_BASE_ARRAY_H

#include <stddef.h>

/* Make `*items` (an array of `capacity` elements of `size` bytes, `count`
 * in use) hold at least count + 1.  Returns 0, or -1 when out of memory. */
int array_reserve_one(void **items, size_t *capacity, size_t count, size_t size, size_t initial);

/* Typed use: ARRAY_RESERVE_ONE(list->entries, list->capacity, list->count, 64) */
#define ARRAY_RESERVE_ONE(items, capacity, count, initial) \
    array_reserve_one((void **)&(items), &(capacity), (count), sizeof *(items), (initial))

#endif
