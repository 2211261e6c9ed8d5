/*
 * charset-guess.c — uchardet's guess of an encoding (charset.h).  Part of
 * the readers module (readers-module.h): uchardet, and the C++ runtime it
 * brings, are mapped only by a build that meets bytes which are not UTF-8.
 */
#include "config.h"

#include "indexer/charset.h"

#include <stdio.h>
#include <uchardet.h>

int charset_guess(const uint8_t *data, size_t length, char name[CHARSET_NAME_MAX])
{
    uchardet_t detector = uchardet_new();
    if (!detector)
        return -1;
    /* The opening says enough, and guessing stays cheap on large files. */
    size_t sample = length < ((size_t)256 << 10) ? length : ((size_t)256 << 10);
    int failed = uchardet_handle_data(detector, (const char *)data, sample) != 0;
    uchardet_data_end(detector);
    const char *guess = failed ? "" : uchardet_get_charset(detector);
    snprintf(name, CHARSET_NAME_MAX, "%s", guess && *guess ? guess : "WINDOWS-1252");
    uchardet_delete(detector);
    charset_normalize(name);
    return 0;
}
