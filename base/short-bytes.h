/*
 * short-bytes.h — memcmp and memcpy for the few bytes of a term or key,
 * inline.
 *
 * A build compares or copies every token's term a few times; the call
 * into the C library cost more than the work on a word of a few bytes.
 * Loads and stores may overlap but never pass either end: an overlapped
 * byte is read, or written, twice the same.
 */
#ifndef COPS_BASE_SHORT_BYTES_H
#define COPS_BASE_SHORT_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Whether a[0, n) and b[0, n) are equal. */
static inline int short_bytes_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    if (n >= 8) {
        uint64_t u, v;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&u, x + i, 8);
            memcpy(&v, y + i, 8);
            if (u != v)
                return 0;
        }
        memcpy(&u, x + n - 8, 8);
        memcpy(&v, y + n - 8, 8);
        return u == v;
    }
    if (n >= 4) {
        uint32_t u, v, w, z;
        memcpy(&u, x, 4);
        memcpy(&v, y, 4);
        memcpy(&w, x + n - 4, 4);
        memcpy(&z, y + n - 4, 4);
        return u == v && w == z;
    }
    return n == 0 || (x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1]);
}

/* memcpy(to, from, n) for regions that do not overlap. */
static inline void short_bytes_copy(void *to, const void *from, size_t n)
{
    uint8_t *t = to;
    const uint8_t *f = from;
    if (n >= 8) {
        uint64_t u;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&u, f + i, 8);
            memcpy(t + i, &u, 8);
        }
        memcpy(&u, f + n - 8, 8);
        memcpy(t + n - 8, &u, 8);
    } else if (n >= 4) {
        uint32_t u, v;
        memcpy(&u, f, 4);
        memcpy(&v, f + n - 4, 4);
        memcpy(t, &u, 4);
        memcpy(t + n - 4, &v, 4);
    } else if (n > 0) {
        uint8_t first = f[0], middle = f[n / 2], last = f[n - 1];
        t[0] = first;
        t[n / 2] = middle;
        t[n - 1] = last;
    }
}

#endif
