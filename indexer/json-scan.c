#include "config.h"

#include "indexer/json-scan.h"

#include "base/error.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every helper answers SCAN_OK, SCAN_INVALID (the reason recorded) or
 * SCAN_NOMEM. */
enum { SCAN_NOMEM = -1, SCAN_INVALID = 0, SCAN_OK = 1 };

/* A real needs strtod's verdict on overflow only when its magnitude may
 * reach 10^REAL_SAFE_DIGITS; below that it is a double for certain. */
#define REAL_SAFE_DIGITS 300
/* Exponents are accumulated up to this, which already decides overflow. */
#define EXPONENT_CAP 100000

void json_scan_init(json_scan *scan, const char *const *names, size_t count)
{
    memset(scan, 0, sizeof *scan);
    if (count > JSON_SCAN_MAX_FIELDS)
        count = JSON_SCAN_MAX_FIELDS;
    for (size_t i = 0; i < count; i++) {
        scan->fields[i].name = names[i];
        scan->fields[i].name_length = strlen(names[i]);
    }
    scan->field_count = count;
}

void json_scan_free(json_scan *scan)
{
    for (size_t i = 0; i < JSON_SCAN_MAX_FIELDS; i++)
        buffer_free(&scan->fields[i].value);
    buffer_free(&scan->scratch);
}

static int fail(json_scan *scan, const uint8_t *data, const uint8_t *at, const char *format, ...)
    COPS_PRINTF(4, 5);

static int fail(json_scan *scan, const uint8_t *data, const uint8_t *at, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(scan->error_detail, sizeof scan->error_detail, format, args);
    va_end(args);
    scan->error_offset = (size_t)(at - data);
    return SCAN_INVALID;
}

/* What the user is shown of an unexpected byte: itself when printable
 * ASCII, its value otherwise (it may be half of a UTF-8 sequence). */
static const char *describe_byte(const uint8_t *at, const uint8_t *end, char out[16])
{
    if (at == end)
        return "the end of the line";
    if (*at >= 0x20 && *at < 0x7F)
        snprintf(out, 16, "'%c'", *at);
    else
        snprintf(out, 16, "byte 0x%02X", *at);
    return out;
}

static inline int is_digit(uint8_t byte) { return byte >= '0' && byte <= '9'; }

static inline const uint8_t *skip_space(const uint8_t *at, const uint8_t *end)
{
    while (at < end && (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r'))
        at++;
    return at;
}

static inline int ends_plain_run(uint8_t byte)
{
    return byte == '"' || byte == '\\' || byte < 0x20;
}

#define REPEAT_BYTE(b) (0x0101010101010101ULL * (uint64_t)(b))

/* The first byte at or after `at` that ends a string's plain run: a
 * quote, a backslash or a control character; `end` when there is none.
 * Eight bytes at a time, since text fields are most of the input: a word
 * has a byte below b iff (word - b*0x01..) & ~word has a high bit set at
 * it (exact for b <= 0x80 as to whether such a byte exists), and a byte
 * equal to c is a byte below 1 of word ^ c*0x01... */
static const uint8_t *skip_plain(const uint8_t *at, const uint8_t *end)
{
    while (end - at >= 8) {
        uint64_t word;
        memcpy(&word, at, 8);
        uint64_t quote = word ^ REPEAT_BYTE('"');
        uint64_t backslash = word ^ REPEAT_BYTE('\\');
        uint64_t hits = ((quote - REPEAT_BYTE(1)) & ~quote) |
                        ((backslash - REPEAT_BYTE(1)) & ~backslash) |
                        ((word - REPEAT_BYTE(0x20)) & ~word);
        if (hits & REPEAT_BYTE(0x80))
            break;
        at += 8;
    }
    while (at < end && !ends_plain_run(*at))
        at++;
    return at;
}

/* Value of the four hex digits at `at`, or -1 when there are not four. */
static long hex4(const uint8_t *at, const uint8_t *end)
{
    if (end - at < 4)
        return -1;
    long value = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = at[i];
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

static void append_utf8(byte_buffer *out, long code)
{
    uint8_t bytes[4];
    size_t count;
    if (code < 0x80) {
        bytes[0] = (uint8_t)code;
        count = 1;
    } else if (code < 0x800) {
        bytes[0] = (uint8_t)(0xC0 | (code >> 6));
        bytes[1] = (uint8_t)(0x80 | (code & 0x3F));
        count = 2;
    } else if (code < 0x10000) {
        bytes[0] = (uint8_t)(0xE0 | (code >> 12));
        bytes[1] = (uint8_t)(0x80 | ((code >> 6) & 0x3F));
        bytes[2] = (uint8_t)(0x80 | (code & 0x3F));
        count = 3;
    } else {
        bytes[0] = (uint8_t)(0xF0 | (code >> 18));
        bytes[1] = (uint8_t)(0x80 | ((code >> 12) & 0x3F));
        bytes[2] = (uint8_t)(0x80 | ((code >> 6) & 0x3F));
        bytes[3] = (uint8_t)(0x80 | (code & 0x3F));
        count = 4;
    }
    buffer_append(out, bytes, count);
}

/* The \u escape at `at` (pointing at the backslash), with its low
 * surrogate when it is a high one; *code receives the code point and *at
 * moves past the escape(s). */
static int scan_unicode_escape(json_scan *scan, const uint8_t *data, const uint8_t **cursor,
                               const uint8_t *end, long *code)
{
    const uint8_t *at = *cursor;
    long value = hex4(at + 2, end);
    if (value < 0)
        return fail(scan, data, at, "\\u not followed by four hex digits");
    if (value == 0)
        return fail(scan, data, at, "\\u0000 is not allowed");
    if (value >= 0xDC00 && value <= 0xDFFF)
        return fail(scan, data, at, "lone low surrogate \\u%04lX", value);
    if (value >= 0xD800 && value <= 0xDBFF) {
        const uint8_t *next = at + 6;
        if (end - next < 2 || next[0] != '\\' || next[1] != 'u')
            return fail(scan, data, at, "high surrogate \\u%04lX without a low surrogate", value);
        long low = hex4(next + 2, end);
        if (low < 0)
            return fail(scan, data, next, "\\u not followed by four hex digits");
        if (low < 0xDC00 || low > 0xDFFF)
            return fail(scan, data, at,
                        "high surrogate \\u%04lX followed by \\u%04lX, not a low one", value, low);
        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00);
        at = next;
    }
    *cursor = at + 6;
    *code = value;
    return SCAN_OK;
}

/* The string whose opening quote is just before *cursor; *cursor moves
 * past the closing quote.  Decoded bytes are appended to `out` unless it
 * is NULL (validation only). */
static int scan_string(json_scan *scan, const uint8_t *data, const uint8_t **cursor,
                       const uint8_t *end, byte_buffer *out)
{
    const uint8_t *at = *cursor;
    for (;;) {
        const uint8_t *run = at;
        at = skip_plain(at, end);
        if (out && at > run)
            buffer_append(out, run, (size_t)(at - run));
        if (at == end)
            return fail(scan, data, *cursor - 1, "string not closed before the end of the line");
        if (*at == '"') {
            *cursor = at + 1;
            return SCAN_OK;
        }
        if (*at != '\\')
            return fail(scan, data, at, "control character 0x%02X in a string", *at);
        if (end - at < 2)
            return fail(scan, data, *cursor - 1, "string not closed before the end of the line");
        uint8_t decoded;
        switch (at[1]) {
        case '"':
        case '\\':
        case '/':
            decoded = at[1];
            break;
        case 'b':
            decoded = '\b';
            break;
        case 'f':
            decoded = '\f';
            break;
        case 'n':
            decoded = '\n';
            break;
        case 'r':
            decoded = '\r';
            break;
        case 't':
            decoded = '\t';
            break;
        case 'u': {
            long code = 0;
            int status = scan_unicode_escape(scan, data, &at, end, &code);
            if (status != SCAN_OK)
                return status;
            if (out)
                append_utf8(out, code);
            continue;
        }
        default: {
            char shown[16];
            return fail(scan, data, at, "invalid escape: backslash followed by %s",
                        describe_byte(at + 1, end, shown));
        }
        }
        if (out)
            buffer_append_byte(out, decoded);
        at += 2;
    }
}

/* strtod of the number text [begin, end), as jansson does it: in the
 * current locale with '.' swapped for its decimal point.  Returns
 * SCAN_INVALID when the magnitude overflows a double. */
static int scan_real(json_scan *scan, const uint8_t *data, const uint8_t *begin,
                     const uint8_t *end, double *value)
{
    size_t length = (size_t)(end - begin);
    buffer_reset(&scan->scratch);
    buffer_append(&scan->scratch, begin, length);
    buffer_append_byte(&scan->scratch, 0);
    if (buffer_failed(&scan->scratch))
        return SCAN_NOMEM;
    char *text = (char *)scan->scratch.data;
    const char *point = localeconv()->decimal_point;
    if (point[0] != '.' && point[0] != 0 && point[1] == 0) {
        char *dot = memchr(text, '.', length);
        if (dot)
            *dot = point[0];
    }
    errno = 0;
    double real = strtod(text, NULL);
    if ((real == HUGE_VAL || real == -HUGE_VAL) && errno == ERANGE)
        return fail(scan, data, begin, "real number overflow");
    *value = real;
    return SCAN_OK;
}

/* The number starting at *cursor ('-' or a digit).  `target`, when not
 * NULL, receives its kind and value. */
static int scan_number(json_scan *scan, const uint8_t *data, const uint8_t **cursor,
                       const uint8_t *end, json_scan_field *target)
{
    const uint8_t *begin = *cursor;
    const uint8_t *at = begin;
    int negative = *at == '-';
    if (negative)
        at++;
    if (at == end || !is_digit(*at)) {
        char shown[16];
        return fail(scan, data, at, "a digit must follow '-', not %s",
                    describe_byte(at, end, shown));
    }
    const uint8_t *digits = at;
    if (*at == '0') {
        at++;
        if (at < end && is_digit(*at))
            return fail(scan, data, digits, "leading zero in a number");
    } else {
        while (at < end && is_digit(*at))
            at++;
    }
    size_t integer_digits = (size_t)(at - digits);
    int is_real = 0;
    long exponent = 0;
    if (at < end && *at == '.') {
        at++;
        if (at == end || !is_digit(*at)) {
            char shown[16];
            return fail(scan, data, at, "a digit must follow the decimal point, not %s",
                        describe_byte(at, end, shown));
        }
        while (at < end && is_digit(*at))
            at++;
        is_real = 1;
    }
    if (at < end && (*at == 'e' || *at == 'E')) {
        at++;
        int exponent_negative = 0;
        if (at < end && (*at == '+' || *at == '-')) {
            exponent_negative = *at == '-';
            at++;
        }
        if (at == end || !is_digit(*at)) {
            char shown[16];
            return fail(scan, data, at, "a digit must follow the exponent's 'e', not %s",
                        describe_byte(at, end, shown));
        }
        for (; at < end && is_digit(*at); at++)
            if (exponent < EXPONENT_CAP)
                exponent = exponent * 10 + (*at - '0');
        if (exponent_negative)
            exponent = -exponent;
        is_real = 1;
    }
    *cursor = at;

    if (is_real) {
        if (!target && integer_digits <= REAL_SAFE_DIGITS &&
            (long)integer_digits + exponent <= REAL_SAFE_DIGITS)
            return SCAN_OK;
        double real = 0;
        int status = scan_real(scan, data, begin, at, &real);
        if (status == SCAN_OK && target) {
            target->kind = JSON_SCAN_REAL;
            target->real = real;
        }
        return status;
    }
    /* 18 digits always fit; longer integers are checked digit by digit. */
    if (!target && integer_digits <= 18)
        return SCAN_OK;
    unsigned long long limit = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    unsigned long long value = 0;
    for (const uint8_t *digit = digits; digit < digits + integer_digits; digit++) {
        unsigned d = (unsigned)(*digit - '0');
        if (value > (limit - d) / 10)
            return fail(scan, data, begin,
                        negative ? "too big negative integer" : "too big integer");
        value = value * 10 + d;
    }
    if (target) {
        target->kind = JSON_SCAN_INTEGER;
        if (!negative)
            target->integer = (long long)value;
        else if (value == (unsigned long long)LLONG_MAX + 1)
            target->integer = LLONG_MIN;
        else
            target->integer = -(long long)value;
    }
    return SCAN_OK;
}

/* true, false or null at *cursor (a letter). */
static int scan_word(json_scan *scan, const uint8_t *data, const uint8_t **cursor,
                     const uint8_t *end)
{
    const uint8_t *begin = *cursor;
    const uint8_t *at = begin;
    while (at < end && ((*at >= 'a' && *at <= 'z') || (*at >= 'A' && *at <= 'Z')))
        at++;
    size_t length = (size_t)(at - begin);
    if ((length == 4 && memcmp(begin, "true", 4) == 0) ||
        (length == 5 && memcmp(begin, "false", 5) == 0) ||
        (length == 4 && memcmp(begin, "null", 4) == 0)) {
        *cursor = at;
        return SCAN_OK;
    }
    return fail(scan, data, begin, "unknown word '%.*s'%s", length > 20 ? 20 : (int)length,
                (const char *)begin, length > 20 ? "..." : "");
}

/* The member name whose opening quote is just before *cursor, matched
 * against the wanted names; *matched receives one bit per field. */
static int scan_key(json_scan *scan, const uint8_t *data, const uint8_t **cursor,
                    const uint8_t *end, unsigned *matched)
{
    const uint8_t *begin = *cursor;
    const uint8_t *stop = skip_plain(begin, end);
    const uint8_t *name;
    size_t name_length;
    if (stop < end && *stop == '"') {
        name = begin;
        name_length = (size_t)(stop - begin);
        *cursor = stop + 1;
    } else {
        /* Escapes: compare the decoded name, as jansson's object would. */
        buffer_reset(&scan->scratch);
        int status = scan_string(scan, data, cursor, end, &scan->scratch);
        if (status != SCAN_OK)
            return status;
        if (buffer_failed(&scan->scratch))
            return SCAN_NOMEM;
        name = scan->scratch.data;
        name_length = scan->scratch.length;
    }
    unsigned bits = 0;
    for (size_t i = 0; i < scan->field_count; i++)
        if (scan->fields[i].name_length == name_length &&
            memcmp(scan->fields[i].name, name, name_length) == 0)
            bits |= 1u << i;
    *matched = bits;
    return SCAN_OK;
}

/* A wanted member's value: the first matching field has decoded it; the
 * other fields of the same name get copies. */
static int share_value(json_scan *scan, unsigned matched, size_t first)
{
    json_scan_field *source = &scan->fields[first];
    if (source->kind == JSON_SCAN_STRING && buffer_failed(&source->value))
        return SCAN_NOMEM;
    for (size_t i = first + 1; i < scan->field_count; i++) {
        if (!(matched & (1u << i)))
            continue;
        json_scan_field *copy = &scan->fields[i];
        copy->kind = source->kind;
        copy->integer = source->integer;
        copy->real = source->real;
        buffer_reset(&copy->value);
        if (source->kind == JSON_SCAN_STRING) {
            buffer_append(&copy->value, source->value.data, source->value.length);
            buffer_append_byte(&copy->value, 0);
            copy->value.length--;
            if (buffer_failed(&copy->value))
                return SCAN_NOMEM;
        }
    }
    return SCAN_OK;
}

static size_t lowest_bit(unsigned bits)
{
    size_t index = 0;
    while (!(bits & 1u)) {
        bits >>= 1;
        index++;
    }
    return index;
}

/* The string, number or literal at *cursor, kept in `target` (may be
 * NULL) when a wanted field holds it. */
static int scan_scalar(json_scan *scan, const uint8_t *data, const uint8_t **cursor,
                       const uint8_t *end, json_scan_field *target)
{
    uint8_t c = **cursor;
    if (c == '"') {
        (*cursor)++;
        if (!target)
            return scan_string(scan, data, cursor, end, NULL);
        buffer_reset(&target->value);
        int status = scan_string(scan, data, cursor, end, &target->value);
        buffer_append_byte(&target->value, 0);
        target->value.length--;
        target->kind = JSON_SCAN_STRING;
        return status;
    }
    if (c == '-' || is_digit(c))
        return scan_number(scan, data, cursor, end, target);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return scan_word(scan, data, cursor, end);
    char shown[16];
    return fail(scan, data, *cursor, "%s where a value was expected",
                describe_byte(*cursor, end, shown));
}

int json_scan_text(json_scan *scan, const uint8_t *data, size_t length)
{
    /* An empty buffer may come as NULL, where even NULL + 0 is undefined. */
    static const uint8_t nothing[1];
    if (length == 0)
        data = nothing;
    const uint8_t *at = data;
    const uint8_t *end = data + length;
    /* Bit d set: the container at depth d (0 = outermost) is an object. */
    uint64_t open_objects[JSON_SCAN_MAX_DEPTH / 64];
    size_t depth = 0;
    unsigned wanted = 0; /* fields the next value belongs to */
    char shown[16];
    int status;

    scan->is_object = 0;
    scan->error_detail[0] = 0;
    scan->error_offset = 0;
    for (size_t i = 0; i < scan->field_count; i++)
        scan->fields[i].kind = JSON_SCAN_ABSENT;

value:
    at = skip_space(at, end);
    if (at == end)
        return fail(scan, data, at, "a value expected, found the end of the line");
    if (depth >= JSON_SCAN_MAX_DEPTH)
        return fail(scan, data, at, "nested deeper than %d levels", JSON_SCAN_MAX_DEPTH);
    {
        unsigned matched = wanted;
        wanted = 0;
        json_scan_field *target = NULL;
        size_t first = 0;
        if (matched) {
            first = lowest_bit(matched);
            target = &scan->fields[first];
            target->kind = JSON_SCAN_OTHER;
        }
        uint8_t c = *at;
        if (c == '{' || c == '[') {
            if (depth == 0)
                scan->is_object = c == '{';
            uint64_t bit = 1ULL << (depth % 64);
            if (c == '{')
                open_objects[depth / 64] |= bit;
            else
                open_objects[depth / 64] &= ~bit;
            depth++;
            if (matched && (status = share_value(scan, matched, first)) != SCAN_OK)
                return status;
            at = skip_space(at + 1, end);
            if (at < end && *at == (c == '{' ? '}' : ']')) {
                at++;
                depth--;
                goto after_value;
            }
            if (c == '{')
                goto member;
            goto value;
        }
        status = scan_scalar(scan, data, &at, end, target);
        if (status != SCAN_OK)
            return status;
        if (matched && (status = share_value(scan, matched, first)) != SCAN_OK)
            return status;
    }

after_value:
    at = skip_space(at, end);
    if (depth == 0) {
        if (at != end)
            return fail(scan, data, at, "%s after the end of the JSON value",
                        describe_byte(at, end, shown));
        return SCAN_OK;
    }
    int in_object = (open_objects[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
    uint8_t closing = in_object ? '}' : ']';
    if (at < end && *at == closing) {
        at++;
        depth--;
        goto after_value;
    }
    if (at == end || *at != ',')
        return fail(scan, data, at, "',' or '%c' expected after %s, not %s", closing,
                    in_object ? "an object member" : "an array element",
                    describe_byte(at, end, shown));
    at = skip_space(at + 1, end);
    if (at < end && *at == closing)
        return fail(scan, data, at, "trailing comma before '%c'", closing);
    if (in_object)
        goto member;
    goto value;

member:
    /* `at` is past the white space that follows '{' or ','. */
    if (at == end || *at != '"')
        return fail(scan, data, at, "a member name (a string) expected, not %s",
                    describe_byte(at, end, shown));
    at++;
    if (depth == 1 && scan->field_count) {
        status = scan_key(scan, data, &at, end, &wanted);
    } else {
        status = scan_string(scan, data, &at, end, NULL);
    }
    if (status != SCAN_OK)
        return status;
    at = skip_space(at, end);
    if (at == end || *at != ':')
        return fail(scan, data, at, "':' expected after a member name, not %s",
                    describe_byte(at, end, shown));
    at++;
    goto value;
}
