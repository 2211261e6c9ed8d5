/*
 * source-internal.h — what the format readers (source-*.c) share with the
 * walker in source.c: the per-walk and per-file state, the decompressing
 * reader, warnings, UTF-8 repair and title/date derivation.
 */
#ifndef COPS_INDEXER_SOURCE_INTERNAL_H
#define COPS_INDEXER_SOURCE_INTERNAL_H

#include "base/buffer.h"
#include "base/error.h"
#include "indexer/charset.h"
#include "indexer/detect.h"
#include "indexer/source.h"

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* Titles longer than this are cut at a word (else character) boundary. */
#define SOURCE_TITLE_MAX_BYTES 200
/* HTML bounds (source-html.c): elements nested deeper, or a start tag
 * with more attributes, stop the parse and the page is indexed up to
 * there, with a warning.  Real pages nest a few dozen deep.  The
 * attribute bound is also that of the XML of office files and e-books
 * (source-office.c): libxml2 compares each attribute of a tag with all
 * the earlier ones, HTML or XML, so more make its work quadratic. */
#define SOURCE_HTML_MAX_DEPTH 512
#define SOURCE_MAX_ATTRIBUTES 256

/* Counts the attributes of one start tag byte by byte, the way libxml2's
 * HTML and XML parsers consume them (a name, optionally "=" and a quoted
 * or bare value; anything else up to a blank counts as one more), so the
 * count is never below the parser's.  Start at the byte after the '<'
 * with state TAG_SCAN_NAME and no attributes; a '>' outside a quoted
 * value ends the tag (TAG_SCAN_DONE). */
typedef struct source_tag_scan {
    uint64_t tag_offset;   /* absolute offset of the '<'; UINT64_MAX none */
    uint64_t scanned;      /* absolute offset of the next byte to look at */
    enum { TAG_SCAN_NAME, TAG_SCAN_BLANKS, TAG_SCAN_ATTRIBUTE, TAG_SCAN_AFTER_NAME,
           TAG_SCAN_AFTER_EQUALS, TAG_SCAN_QUOTED, TAG_SCAN_BARE, TAG_SCAN_DONE } state;
    uint8_t quote;
    size_t attributes;
} source_tag_scan;

void source_tag_scan_byte(source_tag_scan *scan, uint8_t byte);
/* A NUL byte this early in a text or HTML file marks it as binary
 * (unless libmagic finds UTF-16 or UTF-32 text). */
#define SOURCE_BINARY_SNIFF_BYTES 8192
/* Room for a MIME type ("application/pdf"), with its NUL. */
#define SOURCE_MIME_MAX 48

/* Warnings of one kind printed per file before they are only counted,
 * and the kinds told apart per file (more than the readers have). */
#define SOURCE_WARNINGS_PER_KIND 20
#define SOURCE_WARNING_KINDS 128

typedef struct source_walker {
    const source_options *options;
    size_t max_document_bytes;
    int (*on_document)(void *context, const source_document *document);
    void *context;
    source_stats stats;
    uint64_t input_done; /* stored bytes of the files finished (progress) */
    cops_error *err;
    detect_magic *magic;       /* libmagic, opened on first need */
    int magic_failed;          /* it could not be loaded (said once) */
    uint64_t inflated_past_ratio; /* what the files' archives inflated past
                                   * SOURCE_ARCHIVE_MAX_RATIO times their
                                   * size, all files together (at most
                                   * SOURCE_ARCHIVE_WALK_FLOOR) */
    /* The warnings of the file on disk being read, by kind (the format
     * they are written with): past SOURCE_WARNINGS_PER_KIND of one kind
     * they are only counted, and told in one line when the file ends
     * (source_warnings_end), so that a hostile file of a million bad
     * records cannot print a million lines. */
    const char *warning_file;  /* its path, NULL between files */
    struct source_warning_kind {
        const char *format;
        uint64_t count;
        char *first_unsaid;    /* the first warning not printed */
    } warning_kinds[SOURCE_WARNING_KINDS];
    size_t warning_kind_count;
} source_walker;

/* Sequential reading of one file through zlib, which passes plain files
 * through unchanged, so every reader sees decompressed bytes.  An archive
 * member is read from memory instead: `file` is NULL, `data` holds all
 * of it and `at_end` is set. */
struct source_walker;
struct source_inflation;
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
    /* What gzip inflated is bounded as archives are (source_gzip_bomb):
     * the file on disk's own count, NULL when not counted (a plain file,
     * a member in memory, the bytes of an archive whose members count). */
    struct source_inflation *gzip;
    struct source_walker *walker;
    const char *path;
    int bomb;           /* stopped there as a bomb (warned once) */
} source_reader;

/* What the archives and office files inside one file on disk inflated,
 * every nesting level together (source_archive_member): a member that is
 * an archive itself must not start a count of its own, or a small archive
 * of many small compressed members would each inflate up to
 * SOURCE_ARCHIVE_RATIO_FLOOR bytes. */
typedef struct source_inflation {
    uint64_t inflated;            /* bytes all of them gave */
    uint64_t disk_bytes;          /* the size of the file on disk */
    uint64_t past_ratio;          /* of `inflated`, past the ratio (counted
                                   * in walker->inflated_past_ratio) */
    int exceeded;                 /* warned once: every archive in it stops */
} source_inflation;

typedef struct source_file {
    source_walker *walker;
    const char *path;
    source_reader reader;
    uint64_t first_line;          /* lines before the first byte read (a
                                   * grown file read from where it ended) */
    uint64_t invalid_sequences;   /* replaced in this file */
    uint64_t first_invalid_offset;
    source_format format;         /* chosen by source_read_content */
    const char *format_name;      /* tallied per document; NULL = the format's */
    char encoding[CHARSET_NAME_MAX]; /* what the charset layer decided; "" = not
                                   * decoded by it (UTF-8 for text formats) */
    unsigned archive_depth;       /* archives this file is inside */
    const char *disk_path;        /* for an archive member: the file on disk
                                   * its documents come from (what change
                                   * tracking knows); NULL = path */
    source_inflation *inflation;  /* the file on disk's, shared by its members */
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
/* source_warn and source_skip of a `message` formatted already (by the
 * readers module) with `format`, whose address is its kind for the cap
 * of warnings per file: handed over as "%s", every reader's warning was
 * one kind, and 20 of one hid the first of any other. */
void source_warn_kind(source_walker *walker, const char *format, const char *message);
void source_skip_kind(source_walker *walker, const char *format, const char *message);
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

/* ---- dates (source-date.c, which lists the forms read) */

/* If `text`, apart from white space around it, is a date in one of the
 * forms read (ISO 8601, RFC 2822, "15 July 2023", an unambiguous
 * "07/15/2023"...), write it as "YYYY-MM-DD" (NUL-terminated) to date and
 * return 1; else 0. */
int source_parse_date(const char *text, size_t length, char date[11]);
/* If `text` starts, after optional white space, with "date" or "date:",
 * blanks and a date (one of the same forms, ending at white space or the
 * end), copy the date and return the number of bytes the prefix spans;
 * otherwise 0. */
size_t source_date_prefix(const char *text, size_t length, char date[11]);
/* Whether `text` opens with what is meant as a date line ("Date: ..." or
 * "date" and a digit) even if source_date_prefix cannot read it: returns
 * the offset of the value (its length, up to the end of the line, in
 * *value_length), or 0 when the opening is no date line.  For warnings. */
size_t source_date_line_value(const char *text, size_t length, size_t *value_length);
/* Warn, naming the file and the value, when `text` opens with a date line
 * whose date cannot be read; returns the bytes of that line (the title is
 * sought after it), else 0. */
size_t source_warn_unread_date(source_file *file, const char *text, size_t length);

/* ---- titles */

/* How many non-empty opening lines source_title_from_text weighs. */
#define SOURCE_TITLE_LOOKAHEAD_LINES 5
/* Title from `text`: the first of its first SOURCE_TITLE_LOOKAHEAD_LINES
 * non-empty lines that reads as a headline rather than boilerplate (see
 * source_line_is_headline), else its first non-empty line; white space
 * runs collapsed, trimmed and cut to SOURCE_TITLE_MAX_BYTES.  `out` is
 * reset and NUL-terminated. */
void source_title_from_text(const char *text, size_t length, byte_buffer *out);
/* Whether a (trimmed) line reads as a headline: at most
 * SOURCE_TITLE_MAX_BYTES long, not ending with a full stop as a sentence
 * does ("This story is over 5 years old."; an ellipsis may end one), not
 * a byline ("By Jane Doe") and not a date. */
int source_line_is_headline(const char *line, size_t length);
/* `text` as a title: whitespace runs collapsed, trimmed, cut.  `out` is
 * reset and NUL-terminated. */
void source_title_clean(const char *text, size_t length, byte_buffer *out);
/* Whether a byte is ASCII white space. */
int source_is_space(uint8_t byte);
/* Whether `text` holds anything but white space. */
int source_has_text(const char *text, size_t length);

/* Keep poppler's and GMime's log messages off stderr (libraries.c);
 * the readers report what matters as warnings.  Idempotent, thread-safe. */
void source_quiet_libraries(void);
/* A function found in a library opened at run time. */
typedef void (*source_function)(void);
/* dlopen `library_name` and find the `count` functions `names` into
 * `functions` (cast each back to its type).  Returns 0, or -1 with
 * `problem` saying why (the library stays open either way). */
int source_library_open(const char *library_name, const char *const *names, size_t count,
                        source_function *functions, char *problem, size_t problem_size);

/* Count one more `name` in a tally (names longer than the slot are cut;
 * past SOURCE_TALLY_MAX names, the last slot becomes "other"). */
void source_tally_add(source_tally *tally, const char *name);

/* ---- formats; each returns 0, the caller's stop value or a negative
 * cops_status */

/* Choose the format of the open `file` (by `name`, which is its path or,
 * for a compressed file's content, its path without the compression
 * extension, then by its first bytes) and hand it to that reader. */
int source_read_content(source_file *file, const char *name);
int source_read_pdf(source_file *file);
/* Append the visible text of an HTML page (`length` bytes of valid UTF-8)
 * to `body`, as source_read_html reads it (for HTML mail).  Returns 0 or
 * COPS_ENOMEM. */
int source_html_text(const char *data, size_t length, byte_buffer *body);
int source_read_office(source_file *file);
int source_read_mail(source_file *file);
int source_read_archive(source_file *file);
/* The same for an archive already read into memory (a zip sniffed as a
 * possible office document that is not one). */
int source_read_archive_bytes(source_file *file, const byte_buffer *bytes);

/* Archive bounds (source-archive.c): member size, decompression ratio
 * beyond a floor (of each archive, and of all those in one file on disk
 * together, against its size), nesting. */
#define SOURCE_ARCHIVE_MEMBER_MAX ((size_t)64 << 20)
#define SOURCE_ARCHIVE_MAX_RATIO 200
#define SOURCE_ARCHIVE_RATIO_FLOOR ((uint64_t)16 << 20)
#define SOURCE_ARCHIVE_WALK_FLOOR ((uint64_t)64 << 20)
#define SOURCE_ARCHIVE_MAX_DEPTH 3
/* source_archive_member's verdict: the rest of the archive is skipped. */
#define SOURCE_ARCHIVE_STOP (-1000)
struct archive;
struct archive_entry;
/* The largest member read: SOURCE_ARCHIVE_MEMBER_MAX or max_document_bytes. */
size_t source_archive_member_limit(const source_walker *walker);
/* Read the data of the current `entry` of `archive` into `out`, adding
 * its size to *inflated (the archive's running total, for the ratio
 * bound) and to the file on disk's (file->inflation).  Returns 1, 0 when
 * the member is skipped (warned: too large, unreadable),
 * SOURCE_ARCHIVE_STOP (warned: a bomb, or the archive can go no
 * further; once the file on disk's bound is passed, at once and without a
 * warning), COPS_ENOMEM. */
/* Add `got` inflated bytes to `all`, the count of the file on disk at
 * `path`: whether they pass its bound (warned the first time). */
int source_inflation_exceeded(source_walker *walker, source_inflation *all, uint64_t got,
                              const char *path);
int source_archive_member(source_file *file, struct archive *archive,
                          struct archive_entry *entry, byte_buffer *out, uint64_t *inflated);
/* Read a whole file into `out` as bytes, with the size limit, damage and
 * emptiness checks of source_read_whole but no text checks.  Returns 1,
 * 0 when skipped (with a warning), COPS_ENOMEM. */
int source_read_bytes(source_file *file, byte_buffer *out);
/* Make a whole file's bytes UTF-8 (charset.h): 1 when `text` holds them
 * (converted or already UTF-8), 0 when the file is binary and skipped,
 * COPS_ENOMEM. */
int source_decode_text(source_file *file, byte_buffer *text);

int source_read_text(source_file *file);
int source_read_html(source_file *file);
int source_read_jsonl(source_file *file);
int source_read_trec(source_file *file);
/* Read a whole one-document file into `out` as UTF-8 (source_decode_text;
 * valid, but NUL-terminated by source_file_repair), skipping it
 * with a warning when it is empty, binary, damaged or too large.  Returns
 * 1 when `out` holds the document, 0 when skipped, COPS_ENOMEM. */
int source_read_whole(source_file *file, byte_buffer *out);

#endif
