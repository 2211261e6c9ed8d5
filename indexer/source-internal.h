/*
 * source-internal.h — what the format readers (source-*.c) share with the
 * walker in source.c: the per-walk and per-file state, the decompressing
 * reader, warnings, UTF-8 repair and title/date derivation.
 */
#ifndef COPS_INDEXER_SOURCE_INTERNAL_H
#define COPS_INDEXER_SOURCE_INTERNAL_H

#include "base/buffer.h"
#include "base/error.h"
#include "indexer/source.h"

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* Titles longer than this are cut at a word (else character) boundary. */
#define SOURCE_TITLE_MAX_BYTES 200
/* HTML bounds (source-html.c): elements nested deeper, or a start tag
 * with more attributes, stop the parse and the page is indexed up to
 * there, with a warning.  Real pages nest a few dozen deep. */
#define SOURCE_HTML_MAX_DEPTH 512
#define SOURCE_HTML_MAX_ATTRIBUTES 256
/* A NUL byte this early in a text or HTML file marks it as binary. */
#define SOURCE_BINARY_SNIFF_BYTES 8192

typedef struct source_walker {
    const source_options *options;
    size_t max_document_bytes;
    int (*on_document)(void *context, const source_document *document);
    void *context;
    source_stats stats;
    cops_error *err;
} source_walker;

/* Sequential reading of one file through zlib, which passes plain files
 * through unchanged, so every reader sees decompressed bytes. */
typedef struct source_reader {
    gzFile file;
    uint8_t *data;
    size_t start;       /* next unread byte in data */
    size_t end;         /* end of the bytes read so far */
    size_t capacity;
    uint64_t offset;    /* decompressed file offset of data[start] */
    int at_end;         /* no more bytes will come */
    int damaged;        /* the data ended early or is corrupt */
    int out_of_memory;  /* zlib could not allocate: an error, not damage */
    char damage[128];   /* zlib's description of the damage */
} source_reader;

typedef struct source_file {
    source_walker *walker;
    const char *path;
    source_reader reader;
    uint64_t first_line;          /* lines before the first byte read (a
                                   * grown file read from where it ended) */
    uint64_t invalid_sequences;   /* replaced in this file */
    uint64_t first_invalid_offset;
} source_file;

/* ---- reader */

/* Make at least one more byte available in data[start..end); returns 1,
 * or 0 at the end of the data (check `damaged`). */
int source_reader_fill(source_reader *reader);
/* Move `count` available bytes into `out`, consuming them. */
void source_reader_take(source_reader *reader, size_t count, byte_buffer *out);
/* Read the next line (without its '\n') into `line`.  `length` receives
 * the full length of the line; when it exceeds `limit` the line's bytes
 * are dropped, not stored.  `line_offset` receives its file offset.
 * Returns 1 for a line, 0 at the end, -1 when the data is damaged (the
 * incomplete line is dropped). */
int source_reader_read_line(source_reader *reader, byte_buffer *line, size_t limit,
                            size_t *length, uint64_t *line_offset);

/* ---- reporting */

void source_warn(source_walker *walker, const char *format, ...) COPS_PRINTF(2, 3);
/* A warning that also counts one skipped document. */
void source_skip(source_walker *walker, const char *format, ...) COPS_PRINTF(2, 3);
/* A file or folder that cannot be read: a skip, and the caller's
 * on_unreadable hears of it (its old documents are kept); returns 0.  For
 * errnum ENOMEM, the walk's error instead: COPS_ENOMEM. */
int source_unreadable(source_walker *walker, const char *path, const char *problem, int errnum);
/* Report the damage of the file's reader.  Whatever followed the damage
 * is lost, so it counts as one skipped document; documents completed
 * before it have been delivered. */
void source_report_damage(source_file *file);
/* Count a document and hand it to the caller; returns its verdict. */
int source_deliver(source_file *file, const source_document *document);

/* ---- text helpers */

/* Append `data` to `out` with every invalid UTF-8 sequence (a maximal
 * ill-formed subpart, as Unicode recommends) replaced by U+FFFD.  Returns
 * the number of replacements; *first_invalid (may be NULL) receives the
 * offset of the first one. */
size_t source_utf8_repair(const uint8_t *data, size_t length, byte_buffer *out,
                          size_t *first_invalid);
/* Length of the longest valid UTF-8 prefix of `data`. */
size_t source_utf8_valid_prefix(const uint8_t *data, size_t length);
/* Make the bytes of `text`, which start at file offset `offset`, valid
 * UTF-8 and NUL-terminate them (the NUL is not counted in length), using
 * `scratch` when bytes must be replaced (the two buffers are swapped) and
 * accounting replacements to the file.  Returns 0 or COPS_ENOMEM. */
int source_file_repair(source_file *file, byte_buffer *text, uint64_t offset,
                       byte_buffer *scratch);

/* If `text` starts with a valid calendar date "YYYY-MM-DD" (not followed
 * by a digit), copy it to date (NUL-terminated) and return 1. */
int source_parse_date(const char *text, size_t length, char date[11]);
/* If `text` starts, after optional whitespace, with "date YYYY-MM-DD",
 * copy the date and return the number of bytes the prefix spans;
 * otherwise 0. */
size_t source_date_prefix(const char *text, size_t length, char date[11]);
/* Title from `text`: its first non-empty line, with whitespace runs
 * collapsed, trimmed and cut to SOURCE_TITLE_MAX_BYTES.  `out` is reset
 * and NUL-terminated. */
void source_title_from_text(const char *text, size_t length, byte_buffer *out);
/* `text` as a title: whitespace runs collapsed, trimmed, cut.  `out` is
 * reset and NUL-terminated. */
void source_title_clean(const char *text, size_t length, byte_buffer *out);
/* Whether a byte is ASCII white space. */
int source_is_space(uint8_t byte);
/* Whether `text` holds anything but white space. */
int source_has_text(const char *text, size_t length);

/* ---- formats; each returns 0, the caller's stop value or a negative
 * cops_status */

int source_read_text(source_file *file);
int source_read_html(source_file *file);
int source_read_jsonl(source_file *file);
int source_read_trec(source_file *file);
/* Read a whole one-document file into `out` (NUL-terminated), skipping it
 * with a warning when it is empty, binary, damaged or too large.  Returns
 * 1 when `out` holds the document, 0 when skipped, COPS_ENOMEM. */
int source_read_whole(source_file *file, byte_buffer *out);

#endif
