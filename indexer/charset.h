/*
 * charset.h — the one layer that turns a file's bytes into UTF-8 before a
 * reader sees them (indexer/charset.c).
 *
 * Plain UTF-8 costs one validity scan and nothing else.  Otherwise, in
 * this order: a byte-order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE) names
 * the encoding; bytes holding NUL or not valid UTF-8 are shown to
 * libmagic (detect.h), and a file it calls binary is skipped and counted
 * by its type; UTF-16/32 without a mark is taken from libmagic or, for
 * UTF-16, from where its zero bytes fall (charset_utf16_unmarked); an HTML
 * page's <meta charset> or http-equiv Content-Type in its first 1024
 * bytes comes next; else uchardet guesses (windows-1252 when it has no
 * guess).  The bytes are then converted with iconv; a sequence iconv
 * cannot convert becomes U+FFFD.  Declared encodings follow the WHATWG
 * Encoding standard's labels: iso-8859-1, latin1 and us-ascii mean
 * windows-1252.  A declaration on bytes that are already valid UTF-8 is
 * not obeyed (such pages are UTF-8 in practice, mislabelled).
 *
 * E-mail is decoded by GMime from its own headers (source-mail.c), PDF
 * and office documents carry Unicode; JSON Lines and TREC are read as
 * UTF-8 (with repair) because they are streamed line by line.
 */
#ifndef COPS_INDEXER_CHARSET_H
#define COPS_INDEXER_CHARSET_H

#include "base/buffer.h"

#include <stddef.h>
#include <stdint.h>

/* Room for an encoding name, with its NUL. */
#define CHARSET_NAME_MAX 40
/* How far into an HTML page a declaration is looked for (as the HTML
 * standard's prescan does). */
#define CHARSET_HTML_PRESCAN_BYTES 1024

/* The encoding a byte-order mark at the start of `data` names ("UTF-8",
 * "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"); *mark_length receives
 * the mark's length.  NULL (and 0) when there is no mark. */
const char *charset_from_bom(const uint8_t *data, size_t length, size_t *mark_length);

/* UTF-16 without a byte-order mark, which neither libmagic nor uchardet
 * recognises: "UTF-16LE" or "UTF-16BE" when, in the first
 * CHARSET_UTF16_SNIFF_BYTES, at least half of the units have a zero high
 * byte and no unit a zero low byte (Latin-script text); else NULL. */
#define CHARSET_UTF16_SNIFF_BYTES 8192
const char *charset_utf16_unmarked(const uint8_t *data, size_t length);

/* Length of the longest valid UTF-8 prefix of `data` (eight ASCII bytes
 * at a time while they last). */
size_t charset_utf8_valid_prefix(const uint8_t *data, size_t length);
/* Whether all `length` bytes are valid UTF-8. */
int charset_is_utf8(const uint8_t *data, size_t length);

/* The encoding an HTML page declares in its first
 * CHARSET_HTML_PRESCAN_BYTES bytes: <meta charset="..."> or <meta
 * http-equiv="Content-Type" content="...; charset=...">.  Copies the
 * label, mapped by charset_normalize, into `name` and returns 1; 0 when
 * there is none. */
int charset_from_html(const uint8_t *data, size_t length, char name[CHARSET_NAME_MAX]);

/* uchardet's guess for bytes that are not UTF-8, into `name`
 * ("WINDOWS-1252" when it has none).  Returns 0 or -1 when uchardet could
 * not be created (out of memory). */
int charset_guess(const uint8_t *data, size_t length, char name[CHARSET_NAME_MAX]);

/* Map a declared label to the name iconv should use, in place: case and
 * surrounding blanks and quotes dropped, the WHATWG aliases applied
 * (latin1, iso-8859-1, us-ascii, ascii -> WINDOWS-1252). */
void charset_normalize(char name[CHARSET_NAME_MAX]);

/* The iconv name of the encoding `label` names in the WHATWG Encoding
 * Standard (labels compared ignoring case: "latin1" -> "WINDOWS-1252",
 * "sjis" -> "SHIFT_JIS"), or NULL for any other label (UTF-7, made-up
 * ones): the only encodings a document's own label (HTML <meta charset>,
 * an XML declaration, a mail part's charset) may choose. */
const char *charset_whatwg(const char *label);

/* Whether `name` (normalised) is UTF-8 itself or a subset of it. */
int charset_is_utf8_name(const char *name);

/* Append `data`, in encoding `from`, to `out` as UTF-8.  Bytes iconv
 * cannot convert are replaced by U+FFFD, one per byte (an incomplete
 * sequence at the end by one), and counted in *replaced (may be NULL).
 * Returns 0, -1 when iconv does not know `from` (nothing appended), or
 * -2 when memory ran out. */
int charset_convert(const char *from, const uint8_t *data, size_t length, byte_buffer *out,
                    size_t *replaced);

#endif
