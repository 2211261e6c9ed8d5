/*
 * fuzz-common.h — small helpers shared by the libFuzzer harnesses: a
 * per-process scratch directory (removed at exit), whole-file writes and
 * a strict UTF-8 check.  Header-only so each harness stays one file.
 */
#ifndef COPS_FUZZ_COMMON_H
#define COPS_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/remove-tree.h"

static char fuzz_scratch_path[4096];

static void fuzz_scratch_cleanup(void)
{
    if (fuzz_scratch_path[0])
        remove_tree(fuzz_scratch_path);
}

/* The per-process scratch directory, created on first use. */
static const char *fuzz_scratch(void)
{
    if (!fuzz_scratch_path[0]) {
        /* Harnesses write a file per input: on tmpfs that costs a tenth
         * of what a disk file system's inode churn does. */
        const char *base = getenv("TMPDIR");
        struct stat shm;
        if (!base || !*base)
            base = stat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode) && access("/dev/shm", W_OK) == 0
                       ? "/dev/shm"
                       : "/tmp";
        snprintf(fuzz_scratch_path, sizeof fuzz_scratch_path, "%s/cops-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_scratch_path)) {
            perror("cops fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_scratch_cleanup);
    }
    return fuzz_scratch_path;
}

/* Replace `path` with `size` bytes of `data`; aborts on failure (a
 * harness problem, not a finding). */
static void fuzz_write_file(const char *path, const void *data, size_t size)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror(path);
            abort();
        }
        p += n;
        size -= (size_t)n;
    }
    close(fd);
}

/* 1 when s[0, length) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF). */
static int fuzz_utf8_valid(const char *text, size_t length)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (length - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Trap with a message: an invariant of the code under test failed. */
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "cops fuzz: invariant failed at %s:%d: %s\n", __FILE__,      \
                    __LINE__, #cond);                                                     \
            __builtin_trap();                                                             \
        }                                                                                 \
    } while (0)

#endif
