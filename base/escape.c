/*
 * escape.c — terminal text and JSON strings (see escape.h).
 */
#include "config.h"

#include "base/escape.h"

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "base/utf8.h"

/* What the unit (one byte, or one UTF-8 sequence) at a position is. */
typedef enum unit_kind {
    UNIT_PLAIN,     /* a glyph or a space: print it */
    UNIT_CONTROL,   /* a well-formed code point that acts instead of drawing */
    UNIT_ILL_FORMED /* a maximal ill-formed subpart */
} unit_kind;

/* Code points that move the cursor, start terminal sequences (C1), break
 * lines, or reorder what a line shows (bidi controls). */
static int code_point_acts(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E
           || cp == 0x200F || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E)
           || (cp >= 0x2066 && cp <= 0x2069);
}

/* Classify the unit at text[at] (at < length): returns its length in
 * bytes, its kind in *kind and its code point (well-formed only) in *cp. */
static size_t unit_at(const uint8_t *text, size_t length, size_t at, unit_kind *kind,
                      uint32_t *cp)
{
    size_t bad = 1;
    size_t size = utf8_sequence(text + at, length - at, &bad);
    if (size == 0) {
        *kind = UNIT_ILL_FORMED;
        return bad;
    }
    *cp = utf8_decode(text + at, size);
    *kind = code_point_acts(*cp) ? UNIT_CONTROL : UNIT_PLAIN;
    return size;
}

/* The named escape of a control shown by name in terminal text, or NULL. */
static const char *terminal_name(uint32_t cp)
{
    switch (cp) {
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: return NULL;
    }
}

static void write_hex_bytes(FILE *out, const uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++)
        fprintf(out, "\\x%02x", bytes[i]);
}

/* 1 when the printable ASCII byte c is one of `stops` (a loop, not
 * strchr: a call per byte of every snippet was a fiftieth of a fresh
 * query's instructions, and `stops` is empty or one byte). */
static int is_stop(const char *stops, uint8_t c)
{
    for (; *stops; stops++)
        if ((uint8_t)*stops == c)
            return 1;
    return 0;
}

/* The end of the run of plain units from `at`, which print as they are;
 * the ASCII bytes in `stops` end it too. */
static size_t plain_run_end(const uint8_t *bytes, size_t length, size_t at, const char *stops)
{
    while (at < length) {
        if (bytes[at] < 0x80) {
            if (bytes[at] < 0x20 || bytes[at] == 0x7F || is_stop(stops, bytes[at]))
                return at;
            at++;
            continue;
        }
        unit_kind kind;
        uint32_t cp;
        size_t size = unit_at(bytes, length, at, &kind, &cp);
        if (kind != UNIT_PLAIN)
            return at;
        at += size;
    }
    return at;
}

void escape_terminal(FILE *out, const char *text, size_t length, int flags)
{
    const uint8_t *bytes = (const uint8_t *)text;
    const char *stops = (flags & ESCAPE_LOSSLESS) ? "\\" : "";
    size_t at = 0;
    while (at < length) {
        size_t run = plain_run_end(bytes, length, at, stops);
        fwrite(bytes + at, 1, run - at, out);
        if (run == length)
            return;
        at = run;
        unit_kind kind;
        uint32_t cp = 0;
        size_t size = unit_at(bytes, length, at, &kind, &cp);
        const char *name = kind == UNIT_CONTROL ? terminal_name(cp) : NULL;
        if (kind == UNIT_PLAIN) /* the backslash of ESCAPE_LOSSLESS */
            fputs("\\\\", out);
        else if (kind == UNIT_CONTROL && cp == '\n' && (flags & ESCAPE_KEEP_NEWLINES))
            fputc('\n', out);
        else if (name)
            fputs(name, out);
        else
            write_hex_bytes(out, bytes + at, size);
        at += size;
    }
}

int escape_terminal_needed(const char *text, size_t length, int flags)
{
    const uint8_t *bytes = (const uint8_t *)text;
    const char *stops = (flags & ESCAPE_LOSSLESS) ? "\\" : "";
    for (size_t at = plain_run_end(bytes, length, 0, stops); at < length;
         at = plain_run_end(bytes, length, at + 1, stops)) {
        if (bytes[at] != '\n' || !(flags & ESCAPE_KEEP_NEWLINES))
            return 1;
    }
    return 0;
}

/* The columns one unit at bytes[at] takes once escaped or drawn, its
 * size in *size; *drawn is 1 when it is drawn as it is (it may then join
 * a grapheme cluster), 0 when it is shown as an escape. */
static size_t unit_columns(const uint8_t *bytes, size_t length, size_t at, int flags,
                           size_t *size, uint32_t *cp, int *drawn)
{
    unit_kind kind;
    *cp = 0;
    *size = unit_at(bytes, length, at, &kind, cp);
    *drawn = 0;
    if (kind == UNIT_ILL_FORMED) {
        *size = 1;
        return 4; /* \xHH */
    }
    if (kind == UNIT_CONTROL)
        return terminal_name(*cp) ? 2 : 4 * *size;
    if (bytes[at] == '\\' && (flags & ESCAPE_LOSSLESS))
        return 2;
    *drawn = 1;
    /* As wide as a terminal draws it, by Unicode's tables (utf8proc's, not
     * the locale's): East Asian Wide and Fullwidth 2, combining marks and
     * zero-width format characters 0, anything else (unassigned included)
     * 1. */
    return bytes[at] < 0x80 ? 1 : (size_t)utf8proc_charwidth((utf8proc_int32_t)*cp);
}

/* Counted by grapheme cluster (Unicode's extended clusters, utf8proc's
 * rules): a terminal draws an emoji ZWJ sequence, a flag (a pair of
 * regional indicators) or a base with its marks as one glyph, as wide as
 * its widest part, an emoji presentation (U+FE0F) or a flag 2 columns.
 * Counted code point by code point, the caret under a fault after a
 * family emoji stood four columns too far right.  A fault inside a
 * cluster is shown under the cluster's start. */
size_t escape_terminal_columns(const char *text, size_t length, size_t characters, int flags)
{
    const uint8_t *bytes = (const uint8_t *)text;
    size_t columns = 0, cluster = 0, at = 0, n = 0;
    utf8proc_int32_t state = 0;
    uint32_t previous = 0;
    int in_cluster = 0, indicators = 0; /* in_cluster: the last unit was drawn */
    for (; at < length; n++) {
        size_t size;
        uint32_t cp;
        int drawn;
        size_t width = unit_columns(bytes, length, at, flags, &size, &cp, &drawn);
        int joins = 0;
        if (drawn && in_cluster)
            joins = !utf8proc_grapheme_break_stateful((utf8proc_int32_t)previous,
                                                      (utf8proc_int32_t)cp, &state);
        else
            state = 0; /* a cluster starts here, whatever came before */
        if (n >= characters) {
            if (!joins) /* the fault starts a cluster: after the last one */
                columns += cluster;
            return columns;
        }
        if (!joins) {
            columns += cluster;
            cluster = 0;
            indicators = 0;
        }
        if (cluster < width)
            cluster = width;
        indicators += cp >= 0x1F1E6 && cp <= 0x1F1FF;
        if (drawn && (cp == 0xFE0F || indicators == 2) && cluster < 2)
            cluster = 2;
        in_cluster = drawn;
        previous = cp;
        at += size;
    }
    return columns + cluster;
}

void escape_print_line(FILE *out, const char *prefix, const char *message)
{
    fputs(prefix, out);
    escape_terminal(out, message, strlen(message), 0);
    fputc('\n', out);
}

/* The short escape RFC 8259 gives a character, or NULL. */
static const char *json_name(uint32_t cp)
{
    switch (cp) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: return NULL;
    }
}

int escape_json_string(FILE *out, const char *text, size_t length)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const uint8_t *bytes = (const uint8_t *)text;
    int replaced = 0;
    fputc('"', out);
    size_t at = 0;
    while (at < length) {
        size_t run = plain_run_end(bytes, length, at, "\"\\");
        fwrite(bytes + at, 1, run - at, out);
        if (run == length)
            break;
        at = run;
        unit_kind kind;
        uint32_t cp = 0;
        size_t size = unit_at(bytes, length, at, &kind, &cp);
        const char *name = kind == UNIT_ILL_FORMED ? NULL : json_name(cp);
        if (name) {
            fputs(name, out);
        } else if (kind == UNIT_CONTROL) {
            fprintf(out, "\\u%04x", (unsigned)cp); /* every acting code point is in the BMP */
        } else {
            fputs(replacement, out);
            replaced = 1;
        }
        at += size;
    }
    fputc('"', out);
    return replaced;
}

size_t escape_json_offset(const char *text, size_t length, size_t offset)
{
    const uint8_t *bytes = (const uint8_t *)text;
    size_t mapped = 0;
    for (size_t at = 0; at < length && at < offset;) {
        unit_kind kind;
        uint32_t cp = 0;
        size_t size = unit_at(bytes, length, at, &kind, &cp);
        if (kind == UNIT_ILL_FORMED && at + size > offset)
            break;
        mapped += kind == UNIT_ILL_FORMED ? 3 : size;
        at += size;
    }
    /* Past the end: the same distance past the end of the string. */
    return offset > length ? mapped + (offset - length) : mapped;
}

void escape_base64(FILE *out, const void *bytes, size_t length)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *in = bytes;
    for (size_t i = 0; i < length; i += 3) {
        uint32_t group = (uint32_t)in[i] << 16;
        if (i + 1 < length)
            group |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < length)
            group |= in[i + 2];
        char quad[5] = {alphabet[group >> 18], alphabet[(group >> 12) & 63],
                        i + 1 < length ? alphabet[(group >> 6) & 63] : '=',
                        i + 2 < length ? alphabet[group & 63] : '=', '\0'};
        fputs(quad, out);
    }
}
