#include "config.h"

#include "base/hash.h"

#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
/* The hash inlined here: a build hashes every token's key (a few bytes),
 * where the call into the library cost about as much as the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

static _Atomic uint64_t seed; /* 0 until drawn */

/* The process's seed, drawn by the first caller (two threads drawing at
 * once both use the one stored first). */
static uint64_t draw_seed(void)
{
    uint64_t drawn = 0;
    if (getrandom(&drawn, sizeof drawn, GRND_NONBLOCK) != (ssize_t)sizeof drawn) {
        /* no entropy yet (early boot): the clock, the process and where
         * its data was mapped still vary from run to run */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        drawn = XXH3_64bits_withSeed(&now, sizeof now,
                                     (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&seed);
    }
    drawn |= 1;
    uint64_t expected = 0;
    if (!atomic_compare_exchange_strong(&seed, &expected, drawn))
        return expected;
    return drawn;
}

uint64_t hash_keyed(const void *key, size_t length)
{
    uint64_t s = atomic_load_explicit(&seed, memory_order_relaxed);
    if (s == 0)
        s = draw_seed();
    return XXH3_64bits_withSeed(key, length, s);
}
