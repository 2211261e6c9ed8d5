/*
 * escape.h — bytes from strangers made safe to print: the one place that
 * decides how a file name, a title, a snippet, a query or a message quoting
 * any of them reaches a terminal or a JSON consumer.  Every printer of both
 * programs and of the library goes through it (query/output.c, the
 * warning printers of indexer/, the error printers of the programs through
 * cops_print_escaped).
 *
 * Terminal text (escape_terminal): valid UTF-8 that only draws glyphs is
 * written as it is.  Everything else is shown as backslash escapes, so no
 * byte can move the cursor, retitle or clear the terminal, reorder the
 * line, or split a record or a warning across lines:
 *   \n \r \t                  newline, carriage return, tab
 *   \xHH (each byte)          other C0 controls and DEL; the bytes of C1
 *                             controls (U+0080..U+009F), of the bidi
 *                             controls (U+061C, U+200E, U+200F,
 *                             U+202A..U+202E, U+2066..U+2069) and of
 *                             U+2028, U+2029; every byte of an ill-formed
 *                             sequence (stray, overlong, surrogate, past
 *                             U+10FFFF, truncated)
 *   \\                        a backslash, with ESCAPE_LOSSLESS only
 * With ESCAPE_LOSSLESS the form is reversible (Python:
 * codecs.escape_decode), for identifiers a script may read back; without,
 * prose such as "C:\dir" keeps its single backslashes.
 *
 * JSON strings (escape_json_string) follow RFC 8259 and are always valid
 * UTF-8: '"' and '\' escaped, \b \f \n \r \t, other C0 controls and DEL as
 * \u00XX, the C1, bidi and separator code points above as \uXXXX (the same
 * code point once decoded, and still inert when the JSON is shown on a
 * terminal), and each maximal ill-formed subpart replaced by U+FFFD
 * (Unicode's recommended substitution).  The replacement is the only
 * loss; escape_json_string reports it, so a printer can add the exact
 * bytes in base64 (escape_base64) where they matter (identifiers).
 *
 * All functions write with stdio and leave error checking to the caller's
 * ferror(); none allocates.
 */
#ifndef COPS_BASE_ESCAPE_H
#define COPS_BASE_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

#include "cops.h"

enum {
    ESCAPE_LOSSLESS = COPS_ESCAPE_LOSSLESS, /* also write '\' as "\\" */
    ESCAPE_KEEP_NEWLINES = 1 << 8            /* multi-line text: '\n' stays a newline */
};

/* Write `length` bytes of `text` to `out` as terminal text (above);
 * `flags` is a combination of ESCAPE_*. */
void escape_terminal(FILE *out, const char *text, size_t length, int flags);

/* 1 if escape_terminal would write anything other than `text` itself. */
int escape_terminal_needed(const char *text, size_t length, int flags);

/* The terminal columns the escaped form of the first `characters`
 * characters of `text` takes, a character being a well-formed sequence or
 * else one byte (as the query parser counts its error columns), each
 * unescaped character taken as as many columns as a terminal draws it
 * (Unicode's East Asian Wide and Fullwidth characters 2, combining marks
 * and zero-width characters 0, by utf8proc's tables, whatever the
 * locale; a grapheme cluster as one glyph, as wide as its widest part,
 * 2 for an emoji presentation or a flag): the caret under a query's error
 * stands under its character. */
size_t escape_terminal_columns(const char *text, size_t length, size_t characters, int flags);

/* Write "prefix" (trusted, as is), `message` as terminal text and a
 * newline: one line whatever the message quotes. */
void escape_print_line(FILE *out, const char *prefix, const char *message);

/* Write `length` bytes of `text` as one JSON string, quotes included.
 * Returns 1 if ill-formed UTF-8 was replaced by U+FFFD, else 0. */
int escape_json_string(FILE *out, const char *text, size_t length);

/* Where byte `offset` of `text` lies in the string escape_json_string
 * wrote, counted in bytes of that string's UTF-8 once decoded (the
 * replacements make it move); an offset inside an ill-formed subpart maps
 * to the start of its U+FFFD. */
size_t escape_json_offset(const char *text, size_t length, size_t offset);

/* Write `length` bytes as standard base64 (RFC 4648, padded), no quotes. */
void escape_base64(FILE *out, const void *bytes, size_t length);

#endif
