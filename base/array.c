/*
 * array.c — growable arrays (array.h).
 */
#include "config.h"

#include "base/array.h"

#include <stdint.h>
#include <stdlib.h>

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
