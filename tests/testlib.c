/*
 * testlib.c — helpers shared by the engine tests (testlib.h).
 */
#include "config.h"

#include "tests/testlib.h"
#include "tests/remove-tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

char *testlib_tempdir(const char *tag)
{
    char *path = malloc(256);
    cr_assert_not_null(path);
    snprintf(path, 256, "/tmp/cops-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(path), "mkdtemp failed for %s", path);
    return path;
}

void testlib_remove_tree(char *path)
{
    if (!path)
        return;
    /* Only ever remove what testlib_tempdir made. */
    if (strncmp(path, "/tmp/cops-", 10) == 0)
        remove_tree(path);
    free(path);
}

char *testlib_write_file(const char *dir, const char *name, const void *data, size_t length)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    cr_assert_not_null(path);
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, length, f), length);
    cr_assert_eq(fclose(f), 0);
    return path;
}

uint8_t *testlib_read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t capacity = 4096, used = 0;
    uint8_t *data = malloc(capacity + 1);
    while (data) {
        size_t n = fread(data + used, 1, capacity - used, f);
        used += n;
        if (used < capacity)
            break;
        capacity *= 2;
        uint8_t *grown = realloc(data, capacity + 1);
        if (!grown) {
            free(data);
            data = NULL;
        }
        data = grown;
    }
    fclose(f);
    if (data) {
        data[used] = 0;
        *length = used;
    }
    return data;
}

void testlib_rng_seed(testlib_rng *rng, uint64_t seed)
{
    rng->state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    if (rng->state == 0)
        rng->state = 1;
}

uint64_t testlib_rng_next(testlib_rng *rng)
{
    uint64_t x = rng->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng->state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t testlib_rng_below(testlib_rng *rng, uint64_t bound)
{
    return testlib_rng_next(rng) % bound;
}

double testlib_rng_unit(testlib_rng *rng)
{
    return (double)(testlib_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

size_t testlib_lower_bound(const uint32_t *values, size_t count, uint64_t value)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (values[mid] < value)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

size_t testlib_chosen_keys_buckets(const char *prefix, const char *suffix, testlib_hash *unkeyed,
                                   testlib_hash *keyed)
{
    enum { KEYS = 2000, SLOT_BITS = 12 };
    const uint64_t mask = (1u << SLOT_BITS) - 1;
    uint8_t used[1u << SLOT_BITS] = {0};
    size_t buckets = 0;
    char key[64];
    for (uint64_t k = 0, found = 0; found < KEYS; k++) {
        int length = snprintf(key, sizeof key, "%s%llx%s", prefix, (unsigned long long)k, suffix);
        if ((unkeyed(key, (size_t)length) & mask) != 0)
            continue;
        found++;
        uint64_t slot = keyed(key, (size_t)length) & mask;
        buckets += !used[slot];
        used[slot] = 1;
    }
    return buckets;
}

uint64_t testlib_fnv1a_32(const char *key, size_t length)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ (uint8_t)key[i]) * 16777619u;
    return hash;
}

uint64_t testlib_fnv1a_64(const char *key, size_t length)
{
    uint64_t hash = 1469598103934665603ull;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ (uint8_t)key[i]) * 1099511628211ull;
    return hash;
}
