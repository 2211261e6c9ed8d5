/*
 * array.c — growable arrays (array.h).
 */
#include "config.h"

#include "base/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_reserve_one(void **items, size_t *capacity, size_t count, size_t size, size_t initial)
{
    if (count < *capacity)
        return 0;
    size_t grown = *capacity ? *capacity * 2 : initial;
    if (grown <= count || grown > SIZE_MAX / size)
        return -1;
    void *moved = realloc(*items, grown * size);
    if (!moved)
        return -1;
    *items = moved;
    *capacity = grown;
    return 0;
}

int array_grow_inline(void **items, size_t *capacity, size_t count, size_t extra, size_t size,
                      void *inline_items, size_t inline_capacity)
{
    if (extra > SIZE_MAX - count)
        return -1;
    size_t needed = count + extra;
    if (needed <= *capacity)
        return 0;
    if (*capacity == 0 && needed <= inline_capacity) {
        *items = inline_items;
        *capacity = inline_capacity;
        return 0;
    }
    size_t doubled = *capacity <= SIZE_MAX / 2 ? 2 * *capacity : SIZE_MAX;
    size_t grown = doubled > needed ? doubled : needed;
    if (grown > SIZE_MAX / size)
        return -1;
    int was_inline = *items == inline_items;
    void *moved = realloc(was_inline ? NULL : *items, grown * size);
    if (!moved)
        return -1;
    if (was_inline && count)
        memcpy(moved, inline_items, count * size);
    *items = moved;
    *capacity = grown;
    return 0;
}
