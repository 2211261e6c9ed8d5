/*
 * array.h — room for more elements in a growable array.
 *
 * The one growth policy for arrays of structs (doubling from `initial`),
 * so each call site states only what it grows.  The array and its
 * capacity change only on success; on failure the old array is intact
 * and still owned by the caller.
 */
#ifndef COPS_BASE_ARRAY_H
#define COPS_BASE_ARRAY_H

#include <stddef.h>
#include <stdlib.h>

/* Make `*items` (an array of `capacity` elements of `size` bytes, `count`
 * in use) hold at least count + 1.  Returns 0, or -1 when out of memory. */
int array_reserve_one(void **items, size_t *capacity, size_t count, size_t size, size_t initial);

/* Typed use: ARRAY_RESERVE_ONE(list->entries, list->capacity, list->count, 64) */
#define ARRAY_RESERVE_ONE(items, capacity, count, initial) \
    array_reserve_one((void **)&(items), &(capacity), (count), sizeof *(items), (initial))

/* Inline first, then the heap: an array whose first `inline_capacity`
 * elements live in `inline_items`, inside its owner, so a short array
 * (most are) costs no allocation.  `*items` is NULL with capacity 0 at
 * first, then `inline_items`, then a heap array (doubling, or count +
 * extra when that is more) to which the `count` elements in use move.
 * Makes it hold at least count + extra; returns 0, or -1 when out of
 * memory or the size overflows (the array is then unchanged).  The owner
 * must not copy itself while the array is inline, and frees the array
 * with array_free_inline. */
int array_grow_inline(void **items, size_t *capacity, size_t count, size_t extra, size_t size,
                      void *inline_items, size_t inline_capacity);

/* array_grow_inline, whose common cases (there is room, or the inline
 * part is taken) stay in the caller: the parser and the planner fill a
 * few short arrays per word, and a call each cost a rare word's query
 * 0.5 % of its instructions (callgrind). */
static inline int array_reserve_inline(void **items, size_t *capacity, size_t count, size_t extra,
                                       size_t size, void *inline_items, size_t inline_capacity)
{
    if (extra <= *capacity - count)
        return 0;
    if (*capacity == 0 && extra <= inline_capacity) {
        *items = inline_items;
        *capacity = inline_capacity;
        return 0;
    }
    return array_grow_inline(items, capacity, count, extra, size, inline_items, inline_capacity);
}

/* Typed use, `inline_items` being an array member of the owner:
 * ARRAY_RESERVE_INLINE(list->nodes, list->capacity, list->count, 1, list->inline_nodes) */
#define ARRAY_RESERVE_INLINE(items, capacity, count, extra, inline_items)                      \
    array_reserve_inline((void **)&(items), &(capacity), (count), (extra), sizeof *(items),   \
                         (inline_items), sizeof(inline_items) / sizeof *(inline_items))

/* Free an array grown by array_reserve_inline (nothing while it is inline). */
static inline void array_free_inline(void *items, const void *inline_items)
{
    if (items != inline_items)
        free(items);
}

#endif
