/*
 * segment.h — one immutable segment file: writer, reader, postings cursor.
 *
 * The byte layout is specified in index-format/FORMAT.md; section and
 * record names below are the ones used there.
 *
 * A segment holds documents numbered 0..documents-1 (dense, in the order
 * they were added), their stored text and metadata, and an inverted index
 * from term keys to postings.  A term key is an analysed term, prefixed by
 * the byte SEGMENT_FIELD_TITLE for the title field (body keys have no
 * prefix; analysed terms never contain bytes below 0x20).
 *
 * Untrusted input: the reader checks magic, version and the table of
 * contents on open, CRC32 of the small fixed sections on open, the CRC32
 * of each dictionary block and stored-document block each time it is
 * decoded, and of each postings and positions block the first time it is
 * decoded while the segment is open (the whole-section CRCs of the large
 * sections are left to a full check, so opening stays O(1)).  Every decoder is bounded by its section end.
 * Corruption is COPS_ECORRUPT with the file and byte offset in the message.
 */
#ifndef COPS_INDEX_FORMAT_SEGMENT_H
#define COPS_INDEX_FORMAT_SEGMENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cops.h"
#include "layout.h"
#include "pairs.h"

#define SEGMENT_FORMAT_VERSION 2026121101u /* YYYYMMDDNN, see the changelog in FORMAT.md */
#define SEGMENT_FIELD_TITLE '\x01'
#define SEGMENT_EXACT_FORM '\x02'  /* first byte of the key of a word as written
                                   * (after the field byte), in a segment built
                                   * with exact forms (META exact_forms 1) */
#define SEGMENT_BLOCK_SIZE 128           /* postings per block (= CODEC_BLOCK_SIZE) */
#define SEGMENT_INLINE_MAX_DF 127        /* shorter lists live inside the dictionary */
#define SEGMENT_INLINE_FIXED_MAX_DF 4    /* shorter inline lists: ids at a fixed width */
#define SEGMENT_MAX_KEY_BYTES 255
#define SEGMENT_MAX_DOCUMENT_BYTES (1u << 30) /* stored text of one document */

/* An inline list (FORMAT.md 3.4) has its block of tf - 1 values only when
 * the frequencies do not follow from df and cf: not when every tf is 1
 * (cf = df), nor when its one posting holds them all (df = 1, tf = cf). */
static inline int segment_inline_has_tfs(uint64_t df, uint64_t cf)
{
    return df > 1 && cf > df;
}

/* An inline list of at most SEGMENT_INLINE_FIXED_MAX_DF documents keeps
 * their numbers as they are, each in segment_doc_width bits (FORMAT.md 3.4
 * "fixed-ids"), not as a block of gaps: the first gap is the first number
 * itself, as wide, and a block's head byte and exceptions cost more than
 * the rest of so short a list saves (wiki-dev: 0.17 MB of 2.48). */
static inline int segment_inline_fixed(uint64_t df)
{
    return df <= SEGMENT_INLINE_FIXED_MAX_DF;
}

/* The bits of the largest document number of a segment of `documents`
 * documents (0 for one document: its number is 0). */
static inline unsigned segment_doc_width(uint64_t documents)
{
    unsigned width = 0;
    while (width < 32 && documents > 1 && ((documents - 1) >> width) != 0)
        width++;
    return width;
}

/* Collection-wide figures, recorded in the META section. */
typedef struct segment_meta {
    uint64_t documents;
    uint64_t body_tokens;      /* sum of body lengths (BM25 average) */
    uint64_t title_tokens;     /* sum of title lengths */
    uint64_t terms;            /* distinct keys */
    uint64_t postings;
    char language[32];         /* stemmer algorithm, "none" when not stemming */
    int stem;
    int exact_forms;           /* 1: every word as written is also a key (SEGMENT_EXACT_FORM) */
    pair_words pairs;          /* the words whose adjacent pairs are keys (pairs.h); count 0: none */
} segment_meta;

/* ============================================================ writer */

typedef struct segment_writer segment_writer;

/* Create `path` (which must not exist: nothing there is followed or
 * replaced, base/file.h file_create_new) for writing.  Free with
 * segment_writer_finish() (success) or segment_writer_abort(). */
int segment_writer_open(const char *path, segment_writer **out, cops_error *err);
/* The same for `name` in the folder `dir_fd` held open (base/file.h;
 * `dir` names it in messages): a build writes its index directory so. */
int segment_writer_open_at(int dir_fd, const char *dir, const char *name, segment_writer **out,
                           cops_error *err);

/* Append one document; documents are numbered in call order.  `date` is
 * YYYYMMDD or 0.  Lengths are in tokens. */
int segment_writer_add_document(segment_writer *writer, const char *id, const char *title,
                                uint32_t date, const char *text, size_t text_length,
                                uint32_t body_length, uint32_t title_length, cops_error *err);

/* Postings are written term by term in strictly increasing key order
 * (bytewise), each term's postings in increasing document order, after all
 * documents were added. */
int segment_writer_begin_term(segment_writer *writer, const uint8_t *key, size_t key_length,
                              cops_error *err);
/* `positions` (tf of them) must not decrease; a position given twice is
 * recorded once, and the posting's tf counts the distinct ones. */
int segment_writer_add_posting(segment_writer *writer, uint32_t doc, const uint32_t *positions,
                               uint32_t tf, cops_error *err);
/* Append `count` more positions (not below the last one) to the posting
 * just added, so a posting can be handed over in parts instead of whole:
 * one document's occurrences of a term are not bounded by any budget. */
int segment_writer_extend_posting(segment_writer *writer, const uint32_t *positions,
                                  uint32_t count, cops_error *err);
int segment_writer_end_term(segment_writer *writer, cops_error *err);

/* The SURFACE section (index-format/surface.h): `count` pairs sorted by
 * form, forms distinct, each form and term 1..SURFACE_MAX_BYTES bytes and
 * different; at most once, before finishing (without it the section is
 * empty: no dictionary). */
struct surface_pair;
int segment_writer_set_surface(segment_writer *writer, const struct surface_pair *pairs,
                               size_t count, cops_error *err);

/* Number the documents in another order than they were added in: the
 * document added insertion[doc]-th (its ranking tie-break key, FORMAT.md
 * 3.7) becomes document `doc` of the postings, lengths and dates, for
 * `count` = every document added; its identifier and title too (read
 * back and written again).  Its stored text stays where it was written,
 * in insertion order.  Copied; call at most
 * once, after the last document and before the first term.  Without it
 * the segment is in insertion order.  COPS_EINVAL when `insertion` is not
 * a permutation of 0 .. count-1. */
int segment_writer_set_insertion_order(segment_writer *writer, const uint32_t *insertion,
                                       uint32_t count, cops_error *err);

/* Write the remaining sections and the table of contents, fsync and close.
 * The writer is freed whatever the result; on failure the file is
 * removed.  `bytes_written` (OUT, may be NULL) receives the file size. */
int segment_writer_finish(segment_writer *writer, const segment_meta *meta,
                          uint64_t *bytes_written, cops_error *err);
/* Discard: close and remove the file, free the writer.  NULL is a no-op. */
void segment_writer_abort(segment_writer *writer);

/* ============================================================ reader */

typedef struct segment segment;

/* Map `path` read-only and check its structure.  Free with segment_close.
 * `path` must be a regular file itself (base/file.h file_open_regular: a
 * symbolic link, FIFO or device is COPS_ECORRUPT, never followed or
 * waited for); a missing one is COPS_ENOINDEX. */
int segment_open(const char *path, segment **out, cops_error *err);
/* The same for `name` in the folder `dir_fd` held open (base/file.h;
 * `dir` names it in messages and in segment_path). */
int segment_open_at(int dir_fd, const char *dir, const char *name, segment **out,
                    cops_error *err);
/* The same for the file `fd` of `size` bytes already opened (as
 * file_open_regular does; left open), `path` naming it: a checker that
 * read the file opens that very file, not whatever has its name now. */
int segment_open_descriptor(int fd, uint64_t size, const char *path, segment **out,
                            cops_error *err);
void segment_close(segment *seg);

const segment_meta *segment_get_meta(const segment *seg);
uint32_t segment_documents(const segment *seg);
/* Token lengths of a document's body and title fields (doc < documents).
 * These tables are checked 4 KiB at a time when first read (FORMAT.md 4):
 * damage reads as 0 and is recorded for segment_damage(), which a search
 * consults when it ends. */
uint32_t segment_body_length(segment *seg, uint32_t doc);
uint32_t segment_title_length(segment *seg, uint32_t doc);
/* YYYYMMDD, or 0 when the document has no date (or the table is damaged,
 * recorded as above). */
uint32_t segment_date(segment *seg, uint32_t doc);
/* Where `doc` stands in insertion order (FORMAT.md 3.7): `doc` itself
 * unless the segment was reordered.  The ranking's tie-break key. */
uint32_t segment_insertion_order(segment *seg, uint32_t doc);
/* 1 when the segment records an insertion order (it was reordered). */
int segment_is_reordered(const segment *seg);
/* Bytes of each component, for statistics. */
void segment_sizes(const segment *seg, cops_index_stats *stats);
const char *segment_path(const segment *seg);

/* Damage met while decoding lazily-checked blocks (postings cursors record
 * it here, since they have no error argument).  Returns 0 when none was
 * met, else COPS_ECORRUPT with the first damage's message in `err`. */
int segment_damage(const segment *seg, cops_error *err);

/* A document's identifier and title, pointing into the mapped file (valid
 * while the segment is open; not NUL-terminated), but for an identifier
 * kept as a number, spelled out in the struct itself (valid while it is).
 * No allocation and no decompression: what a result list needs. */
typedef struct segment_metadata {
    const char *id;       /* into the segment, or into id_digits (a number's) */
    size_t id_length;
    const char *title;
    size_t title_length;
    char id_digits[20];   /* an identifier kept as a number (FORMAT.md 3.2a), spelled out */
} segment_metadata;

int segment_read_metadata(segment *seg, uint32_t doc, segment_metadata *out, cops_error *err);

/* A stored document.  The strings point into a buffer owned by the
 * segment_document; free with segment_document_free. */
typedef struct segment_document {
    const char *id;
    const char *title;
    const char *text;
    size_t text_length;
    size_t stored_length;      /* of the whole stored text (> text_length when cut) */
    char *storage_;            /* private: the id and title */
    uint8_t *text_storage_;    /* private: the inflated bytes holding the text */
    struct segment_text_stream *stream_; /* private: a cut streamed read's inflation */
} segment_document;

int segment_read_document(segment *seg, uint32_t doc, segment_document *out, cops_error *err);
/* The same with at most `max_text` bytes of the text (cut anywhere, even
 * inside a character).  A block of at most 64 KiB (every block but those
 * ending with a big document) is inflated whole, in one call, but for a
 * prefix of less than half of it that begins it (of the block's first
 * document); those, and a bigger block, only as far as needed, so the
 * memory and time are bounded by 64 KiB, `max_text` and the block's
 * 16 KiB of other documents.  The block's CRC is still checked (over the
 * compressed bytes, which are mapped, not copied). */
int segment_read_document_prefix(segment *seg, uint32_t doc, size_t max_text,
                                 segment_document *out, cops_error *err);
/* Extend `document`, read from `seg`'s document `doc` by
 * segment_read_document_prefix, to at most `max_text` bytes of its text:
 * a read that streamed its block goes on where it stopped; another is
 * read again.  Its text pointer may change.  0, or an error (the document
 * as it was). */
int segment_document_extend(segment *seg, uint32_t doc, size_t max_text,
                            segment_document *document, cops_error *err);
/* 1 when a read of `max_text` bytes of `doc`'s text inflates its whole
 * block (above), so reading all of the text costs a copy more, not
 * another inflation; 0 otherwise, and when the block is damaged (a read
 * says how). */
int segment_document_inflated_whole(segment *seg, uint32_t doc, size_t max_text);
void segment_document_free(segment_document *document);

/* A dictionary entry: where a key's postings are.  Plain data, valid while
 * the segment is open. */
typedef struct segment_term {
    uint32_t df;               /* documents containing the key */
    uint64_t cf;               /* occurrences */
    /* private: */
    const uint8_t *docs;       /* inline: varint gaps and tfs; external: record */
    size_t docs_length;
    const uint8_t *positions;
    size_t positions_length;
    int external;
    uint32_t max_tf;           /* list bound: from the dictionary (external lists), or
                                * computed by postings_open in its copy (inline lists) */
    uint32_t min_length;
} segment_term;

/* Find `key`.  Returns 1 and fills *term when present, 0 when absent, or a
 * negative status (COPS_ECORRUPT). */
int segment_lookup(segment *seg, const uint8_t *key, size_t key_length, segment_term *term,
                   cops_error *err);

/* Call `visit` for every key starting with `prefix`, in key order, until
 * it returns non-zero (which is then returned).  `key` is borrowed for the
 * duration of the call. */
int segment_scan_prefix(segment *seg, const uint8_t *prefix, size_t prefix_length,
                        int (*visit)(void *context, const uint8_t *key, size_t key_length,
                                     const segment_term *term),
                        void *context, cops_error *err);

/* Call `visit` for every word as written (normalised, not stemmed) that
 * starts with `prefix` and whose term differs from it, with that term
 * (index-format/surface.h), until it returns non-zero (then returned).
 * *present (OUT) is 0, and nothing is visited, when the segment has no
 * such dictionary (an older version, no stemming, or too many words): the
 * caller falls back to the terms themselves.  COPS_ECORRUPT on damage. */
int segment_scan_surface(segment *seg, const uint8_t *prefix, size_t prefix_length,
                         int (*visit)(void *context, const struct surface_pair *pair),
                         void *context, int *present, cops_error *err);

/* ==================================================== postings cursor */

#define POSTINGS_END UINT32_MAX

/* Iterates one key's postings in document order.  Plain struct so the
 * query engine can hold many without allocating; initialise with
 * postings_open.  No allocation and no I/O beyond the mapped file. */
typedef struct postings_cursor {
    segment *seg;
    segment_term term;
    uint32_t doc;              /* current document, POSTINGS_END when exhausted */
    int status;                /* 0, or COPS_ECORRUPT once damage was met */
    /* private: block state */
    uint32_t block_count;      /* external lists: number of blocks */
    uint32_t block;            /* index of the decoded block */
    uint32_t in_block;         /* index inside the decoded block */
    uint32_t block_length;     /* postings in the decoded block */
    const uint8_t *skip;       /* external: skip table (its first entry) */
    const uint8_t *blocks;     /* external: start of block data */
    size_t blocks_length;
    const uint8_t *positions_base;
    size_t positions_length;
    /* The block's positions are one stream of values in chunks of
     * SEGMENT_BLOCK_SIZE (FORMAT.md 3.3); the cursor walks it forward. */
    size_t block_positions_start; /* byte offset where the block's positions start */
    size_t block_positions_end; /* byte offset where the block's positions end */
    uint64_t block_values;     /* values in the block's stream (sum of its tfs),
                                * UINT64_MAX until positions are first read */
    size_t chunk_at;           /* byte offset of the next chunk not decoded */
    uint64_t chunk_first;      /* its first value's index in the stream */
    uint64_t values_first;     /* stream index of position_values[0] */
    uint32_t values_count;     /* values in position_values (0: none decoded) */
    uint32_t tfs_at;           /* external block: where in `blocks` its frequencies
                                * start, until they are decoded (0 = decoded) */
    int positions_checked;     /* the current block's positions CRC verified */
    layout_skip skip_layout;   /* external: where its skip entries' fields are */
    /* The arrays last, each written before it is read: postings_open
     * clears the fields before them (POSTINGS_CURSOR_HEAD), so a holder
     * need not clear 3.6 KB per cursor (calloc'ing the whole cost a word's
     * matcher ~3,000 instructions, callgrind). */
    /* where each document's values start in the block's stream: the
     * frequencies before it summed once, when the block's positions are
     * first read (valid while block_values is set); [block_length] is
     * block_values */
    uint64_t value_starts[SEGMENT_BLOCK_SIZE + 1];
    uint32_t position_values[SEGMENT_BLOCK_SIZE]; /* the decoded chunk */
    uint32_t docs[SEGMENT_BLOCK_SIZE];
    uint32_t tfs[SEGMENT_BLOCK_SIZE + 1]; /* + 1: in_block ends at the block's length */
} postings_cursor;

/* The bytes of a cursor before its arrays, which postings_open clears. */
#define POSTINGS_CURSOR_HEAD offsetof(postings_cursor, value_starts)

/* Position the cursor on the first posting of `term` (every field set:
 * the cursor may come uncleared from malloc). */
void postings_open(postings_cursor *cursor, segment *seg, const segment_term *term);
/* Advance to the next posting; returns the new doc (POSTINGS_END at end). */
uint32_t postings_next(postings_cursor *cursor);
/* Advance to the first posting with doc >= target, skipping whole blocks
 * through the skip table without decoding them. */
uint32_t postings_next_geq_slow(postings_cursor *cursor, uint32_t target);
/* In line where one of the current block's next two postings is the
 * answer (a conjunction of common words, as a phrase of them is first,
 * steps so at nearly every candidate: the call was a tenth of a phrase
 * count's instructions); the general case, with the skip table and a
 * scan four postings at a time, out of line. */
static inline uint32_t postings_next_geq(postings_cursor *c, uint32_t target)
{
    uint32_t i = c->in_block; /* c->doc is docs[i] while it is not POSTINGS_END */
    if (c->doc < target && i + 2 < c->block_length && c->docs[i + 2] >= target) {
        i += c->docs[i + 1] < target ? 2 : 1;
        c->in_block = i;
        return c->doc = c->docs[i];
    }
    return postings_next_geq_slow(c, target);
}
/* Advance to the first posting with doc >= target that has a frequency
 * of at least `min_tf` or lies after `last` (a top-k search passing over
 * postings too rare in a document to score enough: their frequencies are
 * read from the decoded block, their fields' lengths never); returns it
 * (POSTINGS_END at the end, or on damage as postings_tf meets it). */
uint32_t postings_next_frequent(postings_cursor *cursor, uint32_t target, uint32_t last,
                                uint32_t min_tf);
/* The general case of postings_tf: decodes the block's frequencies. */
uint32_t postings_tf_slow(postings_cursor *cursor);
/* The current document's frequency (meaningless once the cursor has
 * ended).  A block's frequencies are decoded when one of them is first
 * asked for, so a cursor that only counts documents never decodes them;
 * damage found then ends the cursor as postings_next would. */
static inline uint32_t postings_tf(postings_cursor *cursor)
{
    /* in_block is at most SEGMENT_BLOCK_SIZE, inside tfs */
    return cursor->tfs_at == 0 ? cursor->tfs[cursor->in_block] : postings_tf_slow(cursor);
}
/* Counting: set bit d - first of `window` for each posting d in
 * [first, end) (the cursor at or past `first` - from where it is
 * otherwise), leaving the cursor on the first posting at or past `end`;
 * returns it.  Reads document numbers only. */
uint32_t postings_fill_window(postings_cursor *cursor, uint64_t *window, uint32_t first,
                              uint32_t end);
/* Record damage the caller found in the current posting (e.g. a tf larger
 * than the field holds): the cursor ends and segment_damage() reports it. */
void postings_mark_damaged(postings_cursor *cursor, const char *what);

/* Decode the current document's positions into out[0..tf).  Returns tf, or
 * a negative status on damage. */
int postings_positions(postings_cursor *cursor, uint32_t *out);

/* Reads the current document's positions one at a time, so that a phrase
 * can stop as soon as it knows its answer: the positions of a common word
 * are most of the bytes a phrase touches, and most are never needed.
 * Opening sums the frequencies of the earlier postings of the block to find
 * where the document's values start in the block's stream, steps over the
 * chunks before the one holding them by their head bytes alone, and decodes
 * that chunk (128 values at most); a later chunk is decoded when reading
 * reaches it.  The block's positions CRC is checked once per open segment.
 * Valid until the cursor moves; holds no resources (nothing to free). */
typedef struct postings_position_reader {
    /* private: */
    postings_cursor *cursor;   /* damage is reported through it, and it holds the chunk */
    /* The next value, inside the decoded chunk, and where this document's
     * values stop there (the chunk's end, or its last value's end): the
     * reading loops test one pointer per value. */
    const uint32_t *value, *limit;
    uint32_t later;            /* the document's values after `limit`, in later chunks */
    uint64_t position;         /* the last position read; UINT64_MAX before the first */
} postings_position_reader;

/* The general case of postings_position_reader_open (the block's first
 * document read, a chunk to open, the checks); same contract. */
int postings_position_reader_open_slow(postings_cursor *cursor, postings_position_reader *reader);
/* postings_position_reader_open where the document's first values are
 * in the decoded chunk (as for most documents a phrase opens: a chunk
 * holds several) and its frequency is at most `max_tf`: returns 1 with
 * `reader` (OUT) open, else 0 with nothing done.  A caller that checks
 * frequencies against a bound it holds (a field's length) needs no
 * other check then. */
static inline int postings_position_reader_open_in_chunk(postings_cursor *c,
                                                         postings_position_reader *r,
                                                         uint32_t max_tf)
{
    /* the chunk is the current block's once its positions are read
     * (block_values set, and with them where each document's values
     * start), its tfs once decoded */
    if (c->tfs_at == 0 && c->block_values != UINT64_MAX && c->doc != POSTINGS_END) {
        uint64_t at = c->value_starts[c->in_block] - c->values_first;
        uint32_t tf = c->tfs[c->in_block];
        if (at < c->values_count && tf <= max_tf) {
            uint32_t here = c->values_count - (uint32_t)at;
            if (here > tf)
                here = tf;
            r->cursor = c;
            r->position = UINT64_MAX;
            r->value = c->position_values + at;
            r->limit = r->value + here;
            r->later = tf - here;
            return 1;
        }
    }
    return 0;
}
/* Open `reader` (OUT) on the cursor's current document.  Returns 0, or a
 * negative status on damage (recorded as for postings_positions).  In
 * line where the document's first values are in the decoded chunk: the
 * call and the checks of the general case were most of an opening's
 * cost. */
static inline int postings_position_reader_open(postings_cursor *c, postings_position_reader *r)
{
    return postings_position_reader_open_in_chunk(c, r, UINT32_MAX)
               ? 0
               : postings_position_reader_open_slow(c, r);
}
/* The general case of postings_position_read (the next chunk, the checks);
 * same contract. */
int postings_position_read_slow(postings_position_reader *reader, uint32_t *out);
/* The first position at or past reader->position (read up to `value`, an
 * inner pointer of the chunk) is past 2^32 - 1: damage, recorded on the
 * cursor; returns COPS_ECORRUPT. */
int postings_position_out_of_range(postings_position_reader *reader);
/* The next position into *out: returns 1, 0 when all tf positions were
 * read, or a negative status on damage (the cursor then ends).  A value is
 * the first position of a document, then each gap minus one, so positions
 * increase by construction (from UINT64_MAX, + 1 wraps to the first). */
static inline int postings_position_read(postings_position_reader *reader, uint32_t *out)
{
    if (reader->value < reader->limit) {
        uint64_t next = reader->position + 1 + *reader->value;
        if (next <= UINT32_MAX) {
            reader->value++;
            reader->position = next;
            *out = (uint32_t)next;
            return 1;
        }
    }
    return postings_position_read_slow(reader, out);
}

/* The first remaining position >= target into *out: returns 1, 0 when
 * none is left, or a negative status on damage.  The values of the decoded
 * chunk are summed without producing each position; positions only grow,
 * so one past 2^32 - 1 is caught where the summing stops (a position is
 * at most tf values of 2^32 each, short of 2^64).  Eight values a step
 * with AVX2, out of line where more than 32 are left, cost a phrase count
 * 6 % more (callgrind): most advances stop within a few values. */
static inline int postings_position_advance(postings_position_reader *reader, uint64_t target,
                                            uint32_t *out)
{
    for (;;) {
        const uint32_t *value = reader->value, *limit = reader->limit;
        uint64_t position = reader->position;
        /* four values at a time while all four stay below the target (a
         * common word's positions are mostly stepped over), unless the
         * next value reaches it already (two common words alternating) */
        if (limit - value > 4 && position + 1 + value[0] < target) {
            do {
                uint64_t fourth = position + 4 + (uint64_t)value[0] + value[1] + value[2]
                                + value[3];
                if (fourth >= target)
                    break;
                position = fourth;
                value += 4;
            } while (limit - value > 4);
        }
        while (value < limit) {
            position += 1 + (uint64_t)*value++;
            if (position >= target) {
                reader->value = value;
                reader->position = position;
                if (position > UINT32_MAX)
                    return postings_position_out_of_range(reader);
                *out = (uint32_t)position;
                return 1;
            }
        }
        reader->value = value;
        reader->position = position;
        if (position > UINT32_MAX && position != UINT64_MAX)
            return postings_position_out_of_range(reader);
        int rc = postings_position_read(reader, out);
        if (rc <= 0 || *out >= target)
            return rc;
    }
}

/* Whether two readers' words stand `a_offset` and `b_offset` words after a
 * common start: the first remaining positions pa of `a` and pb of `b` with
 * pa - a_offset == pb - b_offset.  `a` stands on a position at least
 * a_offset (its last read, which counts), `b` is opened and not read yet.
 * Returns 1 (both readers stand on the pair), 0 when there is none, or a
 * negative status on damage.  A leapfrog that stops at the first pair (a
 * document's count or score needs no more) and steps inside the decoded
 * chunks in locals: when two common words alternate every position or
 * two, a call of postings_position_advance per step (loading and storing
 * the reader, trying four values at a time) costs more than the steps.
 * Inline: one call per candidate document of a phrase. */
static inline int postings_position_meet(postings_position_reader *a, uint32_t a_offset,
                                         postings_position_reader *b, uint32_t b_offset)
{
    uint32_t at;
    int rc = postings_position_advance(b, a->position - a_offset + b_offset, &at);
    while (rc > 0) {
        /* a position's key is where it puts the other word: equal keys,
         * one start.  The stream behind steps while its chunk holds values. */
        const uint32_t *a_value = a->value, *a_limit = a->limit;
        const uint32_t *b_value = b->value, *b_limit = b->limit;
        uint64_t a_key = a->position + b_offset, b_key = b->position + a_offset;
        for (;;) {
            while (b_key < a_key && b_value != b_limit)
                b_key += 1 + (uint64_t)*b_value++;
            if (b_key < a_key)
                break;
            while (a_key < b_key && a_value != a_limit)
                a_key += 1 + (uint64_t)*a_value++;
            if (a_key <= b_key)
                break; /* met, or a's chunk ended behind */
        }
        a->value = a_value;
        a->position = a_key - b_offset;
        b->value = b_value;
        b->position = b_key - a_offset;
        /* positions only grow: one past 2^32 - 1 stepped over is still
         * seen in where the stream stopped */
        if (a->position > UINT32_MAX)
            return postings_position_out_of_range(a);
        if (b->position > UINT32_MAX)
            return postings_position_out_of_range(b);
        if (a_key == b_key)
            return 1;
        /* the stream behind has no more values decoded: the general step
         * decodes its next chunk, or finds it ended */
        if (a_key < b_key)
            rc = postings_position_advance(a, b_key - b_offset, &at);
        else
            rc = postings_position_advance(b, a_key - a_offset, &at);
    }
    return rc;
}

/* Block-max data for pruning: a block's last document and the highest tf /
 * lowest field length in it (an upper bound of any posting's score there). */
typedef struct postings_block_bound {
    uint32_t last_doc;
    uint32_t max_tf;
    uint32_t min_length;
    uint32_t block;              /* the block it was read from (0: inline) */
} postings_block_bound;
/* The bound of the block that would hold `target` (>= the current doc),
 * found through the skip table without decoding or moving the cursor
 * ("shallow advance").  Returns 0, or 1 when no block holds documents at
 * or after target. */
int postings_block_bound_at(const postings_cursor *cursor, uint32_t target,
                            postings_block_bound *bound);
/* postings_block_bound_at searching from block `hint` (a bound's `block`
 * read before, for a smaller target) when that block is past the
 * cursor's and `target` is not before it: a key bounded window by window
 * while its cursor stays behind (a conjunction's dense word, moved only
 * where a document may still win) then reads the entries just ahead,
 * not those from its cursor's block on.  Any hint gives the same bound. */
int postings_block_bound_from(const postings_cursor *cursor, uint32_t target, uint32_t hint,
                              postings_block_bound *bound);
/* Whole-list bound (max tf, min length over all postings; for inline
 * lists the length bound is 0, which is loose but safe). */
void postings_list_bound(const postings_cursor *cursor, postings_block_bound *bound);

#endif
