/*
 * json-text.c — hostile bytes as JSON strings, spans as code points (see
 * json-text.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/json-text.h"

/* The length of the well-formed UTF-8 sequence at `s` (at most `left`
 * bytes), or 0 when it is ill-formed (overlong, surrogate, beyond
 * U+10FFFF, cut short). */
static size_t sequence_length(const unsigned char *s, size_t left)
{
    unsigned char lead = s[0];
    if (lead < 0x80)
        return 1;
    size_t length;
    unsigned char low = 0x80, high = 0xBF; /* bounds of the second byte */
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            low = 0xA0;
        if (lead == 0xED)
            high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            low = 0x90;
        if (lead == 0xF4)
            high = 0x8F;
    } else
        return 0;
    if (left < length || s[1] < low || s[1] > high)
        return 0;
    for (size_t i = 2; i < length; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return length;
}

/* Copy `text` as valid UTF-8, writing for each byte offset listed in
 * `offsets` (ascending, `count` of them) the code point index it falls
 * at into `points`.  Returns the malloc'd copy, or NULL. */
static char *sanitize(const char *text, const size_t *offsets, size_t count, size_t *points)
{
    size_t length = strlen(text);
    char *out = malloc(length * 3 + 1); /* each bad byte grows to 3 */
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)text;
    size_t in = 0, used = 0, point = 0, next = 0;
    while (in <= length) {
        while (next < count && offsets[next] <= in)
            points[next++] = point;
        if (in == length)
            break;
        size_t n = sequence_length(s + in, length - in);
        if (n == 0) {
            memcpy(out + used, "\xEF\xBF\xBD", 3);
            used += 3;
            in++;
        } else {
            memcpy(out + used, s + in, n);
            used += n;
            in += n;
        }
        point++;
    }
    while (next < count)
        points[next++] = point;
    out[used] = '\0';
    return out;
}

json_t *json_text(const char *text)
{
    if (!text)
        return json_null();
    char *clean = sanitize(text, NULL, 0, NULL);
    if (!clean)
        return NULL;
    json_t *value = json_string(clean);
    free(clean);
    return value;
}

int json_set_highlighted(json_t *object, const char *key, const char *text, const cops_span *spans,
                         size_t span_count)
{
    size_t *offsets = malloc((span_count * 2 + 1) * sizeof *offsets);
    size_t *points = malloc((span_count * 2 + 1) * sizeof *points);
    json_t *ranges = json_array();
    char *clean = NULL;
    int rc = -1;
    if (!offsets || !points || !ranges)
        goto out;
    size_t count = 0;
    for (size_t i = 0; i < span_count; i++) {
        /* Spans are ordered and disjoint; guard anyway, the offsets must ascend. */
        size_t start = spans[i].start, end = spans[i].start + spans[i].length;
        if (count > 0 && start < offsets[count - 1])
            continue;
        offsets[count++] = start;
        offsets[count++] = end;
    }
    clean = sanitize(text ? text : "", offsets, count, points);
    if (!clean)
        goto out;
    for (size_t i = 0; i + 1 < count; i += 2)
        if (points[i + 1] > points[i]
            && json_array_append_new(ranges, json_pack("[II]", (json_int_t)points[i],
                                                       (json_int_t)points[i + 1])) != 0)
            goto out;
    if (json_object_set_new(object, key, json_string(clean)) != 0
        || json_object_set(object, "highlights", ranges) != 0)
        goto out;
    rc = 0;
out:
    json_decref(ranges);
    free(clean);
    free(offsets);
    free(points);
    return rc;
}
