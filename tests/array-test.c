/*
 * array-test.c — base/array.h's inline-first arrays: short arrays stay in
 * their owner, longer ones move to the heap with their contents, and a
 * failed allocation or an overflowing size leaves the array as it was.
 * realloc and free are wrapped (tests/array.mk) to fail the next
 * allocation and to count the blocks still allocated.
 */
#include "config.h"

#include "base/array.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

void *__real_realloc(void *old, size_t size);
void __real_free(void *block);

static int fail_next;   /* the next realloc returns NULL */
static long allocated;  /* blocks realloc'd from NULL and not yet freed */

void *__wrap_realloc(void *old, size_t size);
void *__wrap_realloc(void *old, size_t size)
{
    if (fail_next) {
        fail_next = 0;
        return NULL;
    }
    void *block = __real_realloc(old, size);
    if (block && !old)
        allocated++;
    return block;
}

void __wrap_free(void *block);
void __wrap_free(void *block)
{
    if (block)
        allocated--;
    __real_free(block);
}

typedef struct owner {
    int *items;
    size_t count, capacity;
    int inline_items[4];
} owner;

static int push(owner *o, int value)
{
    if (ARRAY_RESERVE_INLINE(o->items, o->capacity, o->count, 1, o->inline_items))
        return -1;
    o->items[o->count++] = value;
    return 0;
}

Test(array, short_arrays_stay_inline)
{
    owner o = {0};
    cr_assert_eq(ARRAY_RESERVE_INLINE(o.items, o.capacity, 0, 0, o.inline_items), 0);
    cr_assert_null(o.items, "nothing reserved, nothing taken");
    for (int i = 0; i < 4; i++)
        cr_assert_eq(push(&o, i), 0);
    cr_assert_eq(o.items, o.inline_items);
    cr_assert_eq(o.capacity, 4);
    cr_assert_eq(allocated, 0);
    array_free_inline(o.items, o.inline_items);
    cr_assert_eq(allocated, 0);
}

Test(array, growth_past_the_inline_part_keeps_the_contents)
{
    owner o = {0};
    for (int i = 0; i < 100; i++)
        cr_assert_eq(push(&o, 3 * i), 0);
    cr_assert_neq(o.items, o.inline_items);
    cr_assert_eq(o.capacity, 128, "doubled from the inline 4: %zu", o.capacity);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(o.items[i], 3 * i);
    cr_assert_eq(allocated, 1);
    array_free_inline(o.items, o.inline_items);
    cr_assert_eq(allocated, 0, "no leak");
}

Test(array, a_reservation_larger_than_double_takes_what_it_needs)
{
    owner o = {0};
    cr_assert_eq(ARRAY_RESERVE_INLINE(o.items, o.capacity, 0, 3, o.inline_items), 0);
    cr_assert_eq(o.items, o.inline_items, "3 fit inline");
    cr_assert_eq(ARRAY_RESERVE_INLINE(o.items, o.capacity, 0, 11, o.inline_items), 0);
    cr_assert_eq(o.capacity, 11);
    array_free_inline(o.items, o.inline_items);
    cr_assert_eq(allocated, 0);
}

Test(array, allocation_failure_is_reported_and_changes_nothing)
{
    owner o = {0};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(push(&o, i), 0);
    fail_next = 1; /* leaving the inline part */
    cr_assert_eq(push(&o, 4), -1);
    cr_assert_eq(o.items, o.inline_items);
    cr_assert_eq(o.capacity, 4);
    cr_assert_eq(o.count, 4);
    for (int i = 4; i < 8; i++)
        cr_assert_eq(push(&o, i), 0);
    int *heap = o.items;
    fail_next = 1; /* growing on the heap */
    cr_assert_eq(push(&o, 8), -1);
    cr_assert_eq(o.items, heap);
    cr_assert_eq(o.capacity, 8);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(o.items[i], i, "the old array is intact");
    cr_assert_eq(allocated, 1);
    array_free_inline(o.items, o.inline_items);
    cr_assert_eq(allocated, 0, "no leak");
}

Test(array, an_overflowing_size_is_refused)
{
    owner o = {0};
    cr_assert_eq(push(&o, 1), 0);
    cr_assert_eq(ARRAY_RESERVE_INLINE(o.items, o.capacity, o.count, SIZE_MAX, o.inline_items), -1);
    cr_assert_eq(ARRAY_RESERVE_INLINE(o.items, o.capacity, o.count, SIZE_MAX / 2, o.inline_items),
                 -1);
    cr_assert_eq(o.items, o.inline_items);
    cr_assert_eq(o.capacity, 4);
    cr_assert_eq(o.items[0], 1);
    cr_assert_eq(allocated, 0);
}
