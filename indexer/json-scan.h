/*
 * json-scan.h — validate one JSON text (RFC 8259) in a single pass and
 * decode only a few chosen members of the top-level object.
 *
 * The JSON Lines reader used to build a full DOM of every record to read
 * four fields; this scanner checks the whole text just as strictly but
 * decodes nothing it was not asked for, and keeps its buffers from one
 * call to the next, so scanning allocates nothing once they have grown.
 *
 * Strictness (each rejection names its reason and byte offset): objects,
 * arrays, strings, numbers, true/false/null, nothing else; no trailing
 * commas, comments, NaN/Infinity, leading zeros, single quotes; control
 * characters (< 0x20, including NUL) only as escapes inside strings; the
 * escapes \" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs decoded to
 * UTF-8, lone surrogates and \u0000 rejected; only whitespace (space, tab,
 * CR, LF) after the value.  Like jansson (the reader's previous parser),
 * whose behaviour the tests compare against:
 *   - every value counts one level of depth, the outermost being level 1,
 *     and a value deeper than JSON_SCAN_MAX_DEPTH is rejected (so 2048
 *     nested empty arrays pass, 2048 around a scalar do not);
 *   - an integer (no fraction, no exponent) outside the range of long
 *     long is rejected ("too big integer"), as is a real whose magnitude
 *     overflows a double ("real number overflow"); reals that underflow
 *     are accepted;
 *   - when a wanted name occurs more than once, the last member wins.
 * Unlike jansson without JSON_DECODE_ANY, any value is a valid text; the
 * caller checks `is_object`.
 *
 * The input must be valid UTF-8 (source_file_repair makes it so): bytes
 * >= 0x80 inside strings are copied without being checked, and outside
 * strings they are rejected like any unexpected byte.
 */
#ifndef COPS_INDEXER_JSON_SCAN_H
#define COPS_INDEXER_JSON_SCAN_H

#include "base/buffer.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest value accepted, counting the outermost value as 1 (jansson's
 * JSON_PARSER_MAX_DEPTH). */
#define JSON_SCAN_MAX_DEPTH 2048
/* Most member names one scanner looks for. */
#define JSON_SCAN_MAX_FIELDS 8

typedef enum json_scan_kind {
    JSON_SCAN_ABSENT = 0, /* no member of that name */
    JSON_SCAN_STRING,     /* value: the decoded string */
    JSON_SCAN_INTEGER,    /* integer: its value */
    JSON_SCAN_REAL,       /* real: strtod's value */
    JSON_SCAN_OTHER,      /* object, array, true, false or null */
} json_scan_kind;

/* One wanted member of the top-level object. */
typedef struct json_scan_field {
    const char *name;    /* set by json_scan_init: borrowed, must outlive the scanner */
    size_t name_length;
    json_scan_kind kind; /* OUT: kind of the last member of that name */
    byte_buffer value;   /* OUT: for a string, its decoded bytes, NUL-terminated
                          * (the NUL not counted in value.length) */
    long long integer;   /* OUT: for JSON_SCAN_INTEGER */
    double real;         /* OUT: for JSON_SCAN_REAL */
} json_scan_field;

typedef struct json_scan {
    json_scan_field fields[JSON_SCAN_MAX_FIELDS];
    size_t field_count;
    int is_object;          /* OUT: the text is an object */
    char error_detail[96];  /* OUT: why the text is invalid, NUL-terminated */
    size_t error_offset;    /* OUT: 0-based offset of the offending byte */
    byte_buffer scratch;  /* escaped keys and long numbers, reused */
} json_scan;

/* Prepare `scan` to look for the members `names[0..count)` (count <=
 * JSON_SCAN_MAX_FIELDS; the strings are borrowed, and a name may repeat,
 * each copy then receiving the same value).  Free with json_scan_free. */
void json_scan_init(json_scan *scan, const char *const *names, size_t count);
/* Release the buffers; the scanner can be initialised again.  Safe on a
 * zeroed scanner. */
void json_scan_free(json_scan *scan);
/* Check that data[0..length) is exactly one JSON text.  Returns 1 when it
 * is: is_object tells whether it is an object, and each field's kind and
 * value describe the top-level member of its name (JSON_SCAN_ABSENT when
 * there is none, or when the text is not an object).  Returns 0 when it
 * is not: error_detail holds the reason and error_offset where it was
 * found; the fields are then unspecified.  Returns COPS_ENOMEM (< 0) when
 * a buffer could not grow.  Reads no byte outside data[0..length). */
int json_scan_text(json_scan *scan, const uint8_t *data, size_t length);

#endif
