/*
 * testlib.h — small helpers shared by the engine test programs
 * (format-test, search-test, differential-test): temporary directories,
 * files, and a deterministic random number generator.
 */
#ifndef COPS_TESTS_TESTLIB_H
#define COPS_TESTS_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

/* 1 in a build with AddressSanitizer, whichever the compiler: gcc defines
 * __SANITIZE_ADDRESS__, clang before 17 only answers __has_feature (a
 * clang sanitizer build took the plain build's paths). */
#if defined(__SANITIZE_ADDRESS__)
#define TESTLIB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TESTLIB_ASAN 1
#endif
#endif
#ifndef TESTLIB_ASAN
#define TESTLIB_ASAN 0
#endif

/* Create a fresh directory under /tmp (mkdtemp); returns a malloc'd path,
 * aborting the test on failure. */
char *testlib_tempdir(const char *tag);
/* Remove `path` and everything below it (files and folders), then free it. */
void testlib_remove_tree(char *path);

/* Index of the first of the sorted `values[0, count)` that is >= value
 * (count when none is): the brute-force references' one binary search. */
size_t testlib_lower_bound(const uint32_t *values, size_t count, uint64_t value);
/* A hash of a table's keys (`key`, `length` bytes). */
typedef uint64_t testlib_hash(const char *key, size_t length);
/* Against a stranger choosing keys offline: of the first 2,000 keys
 * made of `prefix`, a counter in hexadecimal and `suffix` whose
 * `unkeyed` hash ends in 12 zero bits, how many of the 4,096 buckets the
 * low 12 bits of `keyed` put them in (an unkeyed hash: 1; a seeded one
 * about 1,600). */
size_t testlib_chosen_keys_buckets(const char *prefix, const char *suffix, testlib_hash *unkeyed,
                                   testlib_hash *keyed);
/* The 32- and 64-bit FNV-1a, which some tables hashed by. */
uint64_t testlib_fnv1a_32(const char *key, size_t length);
uint64_t testlib_fnv1a_64(const char *key, size_t length);

/* Write `length` bytes to dir/name (created or truncated); returns the
 * malloc'd full path. */
char *testlib_write_file(const char *dir, const char *name, const void *data, size_t length);
/* Read a whole file; *length receives its size.  Returns malloc'd bytes
 * (NUL-terminated) or NULL. */
uint8_t *testlib_read_file(const char *path, size_t *length);

/* xorshift64* generator: deterministic per seed, never 0 state. */
typedef struct testlib_rng {
    uint64_t state;
} testlib_rng;

void testlib_rng_seed(testlib_rng *rng, uint64_t seed);
uint64_t testlib_rng_next(testlib_rng *rng);
/* Uniform in [0, bound) (bound > 0). */
uint64_t testlib_rng_below(testlib_rng *rng, uint64_t bound);
/* Uniform double in [0, 1). */
double testlib_rng_unit(testlib_rng *rng);

#endif
