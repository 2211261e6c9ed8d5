/*
 * detect-magic.c — file types by libmagic (detect.h).  Part of the readers
 * module (readers-module.h): libmagic is mapped only by a build that meets
 * bytes which are not UTF-8 text or a zip of unknown kind.
 */
#include "config.h"

#include "indexer/detect.h"

#include <errno.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>

struct detect_magic {
    magic_t cookie;
};

int detect_mime(detect_magic **magic, const uint8_t *data, size_t length, char *out,
                size_t out_size)
{
    if (!*magic) {
        detect_magic *opened = calloc(1, sizeof *opened);
        if (!opened)
            return -2;
        /* No decompression (the walker does that), no looking inside
         * ELF or tar beyond what names the type. */
        opened->cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_NO_CHECK_COMPRESS |
                                    MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
        if (!opened->cookie || magic_load(opened->cookie, NULL) != 0) {
            int out_of_memory = errno == ENOMEM;
            snprintf(out, out_size, "libmagic cannot load its database: %s",
                     opened->cookie && magic_error(opened->cookie) ? magic_error(opened->cookie)
                                                                   : "out of memory");
            if (opened->cookie)
                magic_close(opened->cookie);
            free(opened);
            return out_of_memory ? -2 : -1;
        }
        *magic = opened;
    }
    const char *answer = magic_buffer((*magic)->cookie, data, length);
    if (!answer) {
        if (errno == ENOMEM)
            return -2;
        const char *why = magic_error((*magic)->cookie);
        snprintf(out, out_size, "libmagic: %s", why ? why : "no answer");
        return -1;
    }
    snprintf(out, out_size, "%s", answer);
    return 0;
}

void detect_magic_close(detect_magic *magic)
{
    if (!magic)
        return;
    magic_close(magic->cookie);
    free(magic);
}
