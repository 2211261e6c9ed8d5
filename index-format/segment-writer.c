/*
 * segment-writer.c — writes one segment file (layout: FORMAT.md).
 *
 * Sections are written in the order they become known: stored documents
 * stream out as documents arrive, external postings stream out term by
 * term, and the dictionary goes to an anonymous side file that is copied
 * in at the end (it is only complete after the last term).  The small
 * per-document arrays are kept in memory until finish.
 */
#include "config.h"

#include "index-format/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "base/buffer.h"
#include "base/error.h"
#include "base/file.h"
#include "index-format/codec.h"
#include "index-format/layout.h"
#include "index-format/surface.h"

/* Level of the stored text's zlib streams.  The blocks are compressed by
 * libdeflate, whose level 1 took 0.89 s for wiki-dev's 167 MB in 16 kB
 * blocks, to 42.7 %, where zlib's level 1 took 2.46 s for 45.4 % (and
 * zlib's level 6, 41 %, is slower still): the stored text is the one part
 * of indexing that can afford a few more bytes, not more time on a core
 * the analysis needs.  libdeflate writes ordinary zlib streams (RFC 1950),
 * which zlib reads back.  A document of its own block (big) streams
 * through zlib at the same level, since libdeflate needs it whole. */
#define DOCSTORE_ZLIB_LEVEL 1

typedef struct section_record {
    uint32_t kind;
    uint32_t crc;
    uint64_t offset;
    uint64_t length;
} section_record;

/* A section built while the main file is busy with another one: kept in
 * an anonymous temporary file and copied in at finish. */
typedef struct side_file {
    FILE *file;
    uint64_t length;
    uint32_t crc;
} side_file;

struct segment_writer {
    char *path;
    int dir_fd;           /* the folder it is created in, or AT_FDCWD */
    const char *target;   /* its name there (in `path`), or `path` */
    FILE *file;
    uint64_t offset;            /* bytes written to `file` so far */
    side_file dictionary;       /* SECTION_DICTIONARY */
    side_file metadata;         /* SECTION_DOCMETA */
    byte_buffer meta_chunk;     /* records of the open metadata chunk */
    byte_buffer meta_index;     /* SECTION_DOCMETAINDEX: u64 chunk offsets */
    byte_buffer chunk_crcs;     /* SECTION_CHUNKCRCS, filled as the chunked sections are written */
    byte_buffer surface;        /* SECTION_SURFACE (segment_writer_set_surface) */

    section_record sections[SECTION_KIND_COUNT];
    size_t section_count;
    uint64_t section_start;     /* offset of the open section */
    uint32_t section_crc;       /* running CRC of the open section */

    /* documents */
    uint32_t documents;
    byte_buffer docstore_block;  /* raw records of the open docstore block */
    uint32_t docstore_block_first;
    byte_buffer docstore_compressed;
    struct libdeflate_compressor *deflater; /* made on first use, by whichever thread compresses */
    /* Stored-document blocks are compressed and written by a second thread
     * while this one analyses and inverts (compression is a seventh of the
     * work with libdeflate, a quarter with zlib's level 1):
     * a one-slot hand-off, the slot owned by whoever `slot_full` says. */
    pthread_t compressor;
    int compressor_running;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    byte_buffer slot;
    uint32_t slot_first, slot_count;
    int slot_full, closing;
    cops_error compressor_error;
    byte_buffer docindex;
    byte_buffer body_lengths;
    byte_buffer title_lengths;
    byte_buffer dates;
    byte_buffer insertion_order; /* empty unless reordered: u32 per document */
    int postings_started;

    /* the open term */
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    int in_term;
    uint32_t *term_docs;
    uint32_t *term_tfs;
    size_t term_capacity;
    uint32_t term_df;
    uint64_t term_cf;
    byte_buffer term_positions;  /* the positions' chunks (those not spilled) */
    byte_buffer position_starts; /* u32 offset in the term's positions of each block */
    /* The open postings block's positions values not yet in a chunk
     * (FORMAT.md 3.3): a chunk is written as soon as it has 128. */
    uint32_t pending[SEGMENT_BLOCK_SIZE];
    uint32_t pending_count;
    /* A term's positions beyond TERM_POSITIONS_IN_MEMORY bytes go to a
     * temporary file, all of them from then on, so one term costs bounded
     * memory however many occurrences it has (50 M of "a" in 100 MB). */
    FILE *positions_file;
    uint64_t positions_spilled;  /* bytes of the term's positions there */
    uint32_t last_position;      /* of the newest posting, which extend_posting continues */

    /* dictionary */
    uint8_t previous_key[SEGMENT_MAX_KEY_BYTES];
    size_t previous_key_length;
    int have_previous_key;
    byte_buffer dict_block;     /* the block's bytes not yet in the side file */
    uint64_t dict_block_written; /* the block's bytes already there */
    uint32_t dict_block_crc;     /* of those */
    uint32_t dict_block_terms;
    uint8_t dict_block_first_key[SEGMENT_MAX_KEY_BYTES];
    size_t dict_block_first_length;
    byte_buffer dictindex;
    byte_buffer dictindex_keys;

    byte_buffer scratch;
};

/* ------------------------------------------------------------ output */

/* The CRC-32 of zlib and gzip (the one FORMAT.md stores), continued from
 * `crc` (0 to start): libdeflate's, which picks a carry-less multiply
 * version at run time where the processor has one (as the reader's
 * checksum does); zlib's table-driven loop was 4 % of a reordering
 * build's last phase, writing the postings. */
static uint32_t crc_update(uint32_t crc, const void *bytes, size_t length)
{
    return (uint32_t)libdeflate_crc32(crc, bytes, length);
}

static int write_bytes(segment_writer *w, const void *bytes, size_t length, cops_error *err)
{
    if (length && fwrite(bytes, 1, length, w->file) != length)
        return error_set_errno(err, COPS_EIO, errno, "%s: write failed", w->path);
    w->section_crc = crc_update(w->section_crc, bytes, length);
    w->offset += length;
    return 0;
}

static int write_padding(segment_writer *w, cops_error *err)
{
    static const uint8_t zeros[8];
    size_t pad = (size_t)((8 - w->offset % 8) % 8);
    if (pad && fwrite(zeros, 1, pad, w->file) != pad)
        return error_set_errno(err, COPS_EIO, errno, "%s: write failed", w->path);
    w->offset += pad;
    return 0;
}

static int section_begin(segment_writer *w, cops_error *err)
{
    int rc = write_padding(w, err);
    w->section_start = w->offset;
    w->section_crc = 0;
    return rc;
}

static void section_end(segment_writer *w, uint32_t kind)
{
    section_record *s = &w->sections[w->section_count++];
    s->kind = kind;
    s->crc = w->section_crc;
    s->offset = w->section_start;
    s->length = w->offset - w->section_start;
}

static int out_of_memory(segment_writer *w, cops_error *err);

static int write_whole_section(segment_writer *w, uint32_t kind, const byte_buffer *content,
                               cops_error *err)
{
    /* The chunked sections are written in LAYOUT_CHUNKED_SECTIONS order,
     * so their chunks' CRCs are appended in the order the reader expects. */
    static const uint32_t chunked[] = LAYOUT_CHUNKED_SECTIONS;
    for (size_t i = 0; i < LAYOUT_CHUNKED_SECTION_COUNT; i++)
        if (chunked[i] == kind)
            for (size_t at = 0; at < content->length; at += LAYOUT_CHUNK_BYTES) {
                size_t n = content->length - at < LAYOUT_CHUNK_BYTES ? content->length - at
                                                                     : LAYOUT_CHUNK_BYTES;
                buffer_append_u32le(&w->chunk_crcs, crc_update(0, content->data + at, n));
            }
    if (buffer_failed(&w->chunk_crcs))
        return out_of_memory(w, err);
    int rc = section_begin(w, err);
    if (rc == 0)
        rc = write_bytes(w, content->data, content->length, err);
    if (rc == 0)
        section_end(w, kind);
    return rc;
}

static int out_of_memory(segment_writer *w, cops_error *err)
{
    return error_set(err, COPS_ENOMEM, "%s: out of memory while writing the index", w->path);
}

static int side_append(segment_writer *w, side_file *side, const void *bytes, size_t length,
                       cops_error *err)
{
    if (length && fwrite(bytes, 1, length, side->file) != length)
        return error_set_errno(err, COPS_EIO, errno, "%s: cannot write a temporary file", w->path);
    side->crc = crc_update(side->crc, bytes, length);
    side->length += length;
    return 0;
}

/* Copy a side file into the segment as section `kind`. */
static int side_copy(segment_writer *w, side_file *side, uint32_t kind, cops_error *err)
{
    int rc = section_begin(w, err);
    if (rc != 0)
        return rc;
    if (fflush(side->file) != 0 || fseek(side->file, 0, SEEK_SET) != 0)
        return error_set_errno(err, COPS_EIO, errno, "%s: cannot read back a temporary file",
                               w->path);
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, side->file)) > 0)
        if ((rc = write_bytes(w, chunk, n, err)) != 0)
            return rc;
    if (ferror(side->file))
        return error_set_errno(err, COPS_EIO, errno, "%s: cannot read back a temporary file",
                               w->path);
    if (w->offset - w->section_start != side->length || w->section_crc != side->crc)
        return error_set(err, COPS_EIO, "%s: a temporary file changed while copying", w->path);
    section_end(w, kind);
    return 0;
}

/* Close the open metadata chunk: CRC, then its offset in the index. */
static int flush_metadata_chunk(segment_writer *w, cops_error *err)
{
    if (w->meta_chunk.length == 0)
        return 0;
    uint8_t crc[4];
    layout_put_u32(crc, crc_update(0, w->meta_chunk.data, w->meta_chunk.length));
    buffer_append_u64le(&w->meta_index, w->metadata.length);
    if (buffer_failed(&w->meta_index))
        return out_of_memory(w, err);
    int rc = side_append(w, &w->metadata, crc, 4, err);
    if (rc == 0)
        rc = side_append(w, &w->metadata, w->meta_chunk.data, w->meta_chunk.length, err);
    buffer_reset(&w->meta_chunk);
    return rc;
}

/* ------------------------------------------------------------ opening */

static void *compressor_main(void *argument);

int segment_writer_open(const char *path, segment_writer **out, cops_error *err)
{
    return segment_writer_open_at(AT_FDCWD, NULL, path, out, err);
}

int segment_writer_open_at(int dir_fd, const char *dir, const char *name, segment_writer **out,
                           cops_error *err)
{
    *out = NULL;
    segment_writer *w = calloc(1, sizeof *w);
    size_t length = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    if (!w || !(w->path = malloc(length))) {
        free(w);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    snprintf(w->path, length, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    w->dir_fd = dir_fd;
    w->target = dir_fd == AT_FDCWD ? w->path : w->path + length - 1 - strlen(name);
    int fd;
    int rc = file_create_new_at(dir_fd, dir, name, &fd, err);
    if (rc != 0) {
        free(w->path);
        free(w);
        return rc;
    }
    w->file = fdopen(fd, "wb");
    w->dictionary.file = tmpfile();
    w->metadata.file = tmpfile();
    if (!w->file || !w->dictionary.file || !w->metadata.file) {
        rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", w->path);
        if (!w->file)
            close(fd);
        segment_writer_abort(w);
        return rc;
    }
    setvbuf(w->file, NULL, _IOFBF, 1 << 20);

    uint8_t header[LAYOUT_HEADER_BYTES] = {0};
    memcpy(header, LAYOUT_MAGIC, 8);
    layout_put_u32(header + 8, SEGMENT_FORMAT_VERSION);
    rc = write_bytes(w, header, sizeof header, err);
    if (rc == 0)
        rc = section_begin(w, err); /* SECTION_DOCSTORE streams from here */
    if (rc == 0 && pthread_mutex_init(&w->lock, NULL) == 0) {
        if (pthread_cond_init(&w->changed, NULL) != 0)
            pthread_mutex_destroy(&w->lock);
        else if (pthread_create(&w->compressor, NULL, compressor_main, w) != 0) {
            pthread_cond_destroy(&w->changed);
            pthread_mutex_destroy(&w->lock);
        } else
            w->compressor_running = 1; /* otherwise blocks are compressed inline */
    }
    if (rc != 0) {
        segment_writer_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* ---------------------------------------------------------- documents */

/* Compress and write one block (compressor thread, or the caller once the
 * thread is gone). */
static int write_docstore_block(segment_writer *w, const byte_buffer *raw, uint32_t first,
                                uint32_t count, cops_error *err)
{
    if (!w->deflater && !(w->deflater = libdeflate_alloc_compressor(DOCSTORE_ZLIB_LEVEL)))
        return out_of_memory(w, err);
    size_t bound = libdeflate_zlib_compress_bound(w->deflater, raw->length);
    buffer_reset(&w->docstore_compressed);
    if (buffer_reserve(&w->docstore_compressed, bound) != 0)
        return out_of_memory(w, err);
    size_t compressed = libdeflate_zlib_compress(w->deflater, raw->data, raw->length,
                                                 w->docstore_compressed.data, bound);
    if (compressed == 0)
        return error_set(err, COPS_ENOMEM, "%s: failed to compress a document block", w->path);

    uint8_t head[12];
    layout_put_u32(head, (uint32_t)compressed);
    layout_put_u32(head + 4, (uint32_t)raw->length);
    layout_put_u32(head + 8, crc_update(0, w->docstore_compressed.data, compressed));
    buffer_append_u64le(&w->docindex, w->offset - w->section_start);
    buffer_append_u32le(&w->docindex, first);
    buffer_append_u32le(&w->docindex, count);
    if (buffer_failed(&w->docindex))
        return out_of_memory(w, err);
    int rc = write_bytes(w, head, sizeof head, err);
    if (rc == 0)
        rc = write_bytes(w, w->docstore_compressed.data, compressed, err);
    return rc;
}

static void *compressor_main(void *argument)
{
    segment_writer *w = argument;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->slot_full && !w->closing)
            pthread_cond_wait(&w->changed, &w->lock);
        if (!w->slot_full)
            break;
        int failed = w->compressor_error.code;
        pthread_mutex_unlock(&w->lock);
        cops_error error = {0};
        int rc = failed ? 0
                        : write_docstore_block(w, &w->slot, w->slot_first, w->slot_count, &error);
        pthread_mutex_lock(&w->lock);
        if (rc != 0)
            w->compressor_error = error; /* read by the other thread under the lock */
        w->slot_full = 0;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Hand the open block to the compressor (waiting for the slot). */
static int flush_docstore_block(segment_writer *w, cops_error *err)
{
    byte_buffer *raw = &w->docstore_block;
    if (raw->length == 0)
        return 0;
    uint32_t first = w->docstore_block_first, count = w->documents - w->docstore_block_first;
    w->docstore_block_first = w->documents;
    if (!w->compressor_running) {
        int rc = write_docstore_block(w, raw, first, count, err);
        buffer_reset(raw);
        return rc;
    }
    pthread_mutex_lock(&w->lock);
    while (w->slot_full)
        pthread_cond_wait(&w->changed, &w->lock);
    byte_buffer swap = w->slot;
    w->slot = *raw;
    *raw = swap;
    buffer_reset(raw);
    w->slot_first = first;
    w->slot_count = count;
    w->slot_full = 1;
    pthread_cond_broadcast(&w->changed);
    int failed = w->compressor_error.code;
    pthread_mutex_unlock(&w->lock);
    if (failed) {
        if (err)
            *err = w->compressor_error;
        return failed;
    }
    return 0;
}

/* Wait for the compressor to drain and stop; its error, if any. */
static int stop_compressor(segment_writer *w, cops_error *err)
{
    if (!w->compressor_running)
        return 0;
    pthread_mutex_lock(&w->lock);
    w->closing = 1;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->compressor, NULL);
    w->compressor_running = 0;
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    if (w->compressor_error.code != 0) {
        if (err)
            *err = w->compressor_error;
        return w->compressor_error.code;
    }
    return 0;
}

/* Compress record (varint length, text) of document w->documents as one
 * block, on this thread once the compressor is idle (it owns the file
 * while it works).  The block streams out through a small buffer, so a
 * many-megabyte document costs no document-sized allocation: its header
 * (compressed length, CRC) is written as a placeholder and patched
 * afterwards, and the section CRC is combined from the parts. */
static int write_big_document(segment_writer *w, const char *text, size_t text_length,
                              cops_error *err)
{
    uint8_t length_bytes[10];
    size_t length_size = codec_varint_encode(text_length, length_bytes);
    size_t raw_length = length_size + text_length;
    if (w->compressor_running) {
        pthread_mutex_lock(&w->lock);
        while (w->slot_full)
            pthread_cond_wait(&w->changed, &w->lock);
    }
    int rc = w->compressor_error.code;
    if (rc != 0 && err)
        *err = w->compressor_error;
    z_stream z;
    memset(&z, 0, sizeof z);
    int started = rc == 0 && deflateInit(&z, DOCSTORE_ZLIB_LEVEL) == Z_OK;
    if (rc == 0 && !started)
        rc = error_set(err, COPS_ENOMEM, "%s: zlib cannot start", w->path);
    uint64_t head_offset = w->offset;
    uint32_t crc_before_head = w->section_crc;
    uint8_t head[12] = {0};
    if (rc == 0 && fwrite(head, 1, sizeof head, w->file) != sizeof head)
        rc = error_set_errno(err, COPS_EIO, errno, "%s: write failed", w->path);
    uint32_t block_crc = 0;
    uint64_t compressed = 0;
    uint8_t out[65536];
    z.next_in = length_bytes;
    z.avail_in = (uInt)length_size;
    int prefix_done = 0;
    size_t text_done = 0;
    while (rc == 0) {
        if (z.avail_in == 0 && (!prefix_done || text_done < text_length)) {
            /* zlib's avail_in is 32-bit: feed the text in slices. */
            size_t slice = text_length - text_done < (1u << 30) ? text_length - text_done
                                                                : (1u << 30);
            z.next_in = (Bytef *)(uintptr_t)(text + text_done);
            z.avail_in = (uInt)slice;
            text_done += slice;
            prefix_done = 1;
        }
        int finishing = prefix_done && text_done == text_length;
        z.next_out = out;
        z.avail_out = sizeof out;
        int status = deflate(&z, finishing ? Z_FINISH : Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
            rc = error_set(err, COPS_ENOMEM, "%s: zlib failed to compress a document", w->path);
            break;
        }
        size_t produced = sizeof out - z.avail_out;
        if (produced && fwrite(out, 1, produced, w->file) != produced)
            rc = error_set_errno(err, COPS_EIO, errno, "%s: write failed", w->path);
        block_crc = crc_update(block_crc, out, produced);
        compressed += produced;
        if (status == Z_STREAM_END)
            break;
    }
    if (started)
        deflateEnd(&z);
    if (rc == 0 && (compressed > UINT32_MAX || raw_length > UINT32_MAX))
        rc = error_set(err, COPS_ELIMIT, "%s: a document block is too large", w->path);
    if (rc == 0) {
        layout_put_u32(head, (uint32_t)compressed);
        layout_put_u32(head + 4, (uint32_t)raw_length);
        layout_put_u32(head + 8, block_crc);
        if (fseeko(w->file, (off_t)head_offset, SEEK_SET) != 0
            || fwrite(head, 1, sizeof head, w->file) != sizeof head
            || fseeko(w->file, 0, SEEK_END) != 0)
            rc = error_set_errno(err, COPS_EIO, errno, "%s: write failed", w->path);
    }
    if (rc == 0) {
        uint32_t with_head = crc_update(crc_before_head, head, sizeof head);
        w->section_crc = (uint32_t)crc32_combine(with_head, block_crc, (z_off_t)compressed);
        w->offset += sizeof head + compressed;
        buffer_append_u64le(&w->docindex, head_offset - w->section_start);
        buffer_append_u32le(&w->docindex, w->documents);
        buffer_append_u32le(&w->docindex, 1);
        if (buffer_failed(&w->docindex))
            rc = out_of_memory(w, err);
    }
    if (w->compressor_running)
        pthread_mutex_unlock(&w->lock);
    return rc;
}

int segment_writer_add_document(segment_writer *w, const char *id, const char *title,
                                uint32_t date, const char *text, size_t text_length,
                                uint32_t body_length, uint32_t title_length, cops_error *err)
{
    if (w->postings_started)
        return error_set(err, COPS_EINVAL, "%s: document added after postings", w->path);
    if (w->documents == UINT32_MAX - 1)
        return error_set(err, COPS_ELIMIT, "%s: too many documents for one segment", w->path);
    if (text_length > SEGMENT_MAX_DOCUMENT_BYTES)
        return error_set(err, COPS_ELIMIT, "%s: document %s is larger than %u bytes", w->path, id,
                         SEGMENT_MAX_DOCUMENT_BYTES);
    byte_buffer *raw = &w->docstore_block;
    int big = text_length >= LAYOUT_DOCSTORE_BIG_DOCUMENT;
    if (big) {
        /* A block of its own, compressed straight from the caller's text:
         * no copy of a many-megabyte document. */
        int rc = flush_docstore_block(w, err);
        if (rc == 0)
            rc = write_big_document(w, text, text_length, err);
        if (rc != 0)
            return rc;
    } else {
        buffer_append_varint(raw, text_length);
        buffer_append(raw, text, text_length);
    }
    size_t id_length = strlen(id), title_bytes = strlen(title);
    byte_buffer *meta = &w->meta_chunk;
    /* vint(record length), the id, the title (FORMAT.md 3.2a) */
    uint8_t code[CODEC_VARINT_MAX_BYTES];
    uint64_t number;
    int is_number = layout_id_number(id, id_length, &number);
    size_t code_length = codec_varint_encode(is_number ? 2 * number + 1 : 2 * (uint64_t)id_length,
                                             code);
    buffer_append_varint(meta, code_length + (is_number ? 0 : id_length) + title_bytes);
    buffer_append(meta, code, code_length);
    if (!is_number)
        buffer_append(meta, id, id_length);
    buffer_append(meta, title, title_bytes);
    if (buffer_failed(meta))
        return out_of_memory(w, err);
    buffer_append_u32le(&w->body_lengths, body_length);
    buffer_append_u32le(&w->title_lengths, title_length);
    buffer_append_u32le(&w->dates, date);
    if (buffer_failed(raw) || buffer_failed(&w->body_lengths) || buffer_failed(&w->title_lengths)
        || buffer_failed(&w->dates))
        return out_of_memory(w, err);
    w->documents++;
    if (big)
        w->docstore_block_first = w->documents;
    if (w->documents % LAYOUT_DOCMETA_CHUNK_DOCUMENTS == 0) {
        int rc = flush_metadata_chunk(w, err);
        if (rc != 0)
            return rc;
    }
    if (raw->length >= LAYOUT_DOCSTORE_BLOCK_BYTES)
        return flush_docstore_block(w, err);
    return 0;
}

/* ----------------------------------------------------------- postings */

static int start_postings(segment_writer *w, cops_error *err)
{
    int rc = flush_docstore_block(w, err);
    int stopped = stop_compressor(w, err);
    if (rc == 0)
        rc = stopped;
    if (rc != 0)
        return rc;
    section_end(w, SECTION_DOCSTORE);
    w->postings_started = 1;
    return section_begin(w, err);
}

int segment_writer_begin_term(segment_writer *w, const uint8_t *key, size_t key_length,
                              cops_error *err)
{
    if (!w->postings_started) {
        int rc = start_postings(w, err);
        if (rc != 0)
            return rc;
    }
    if (key_length == 0 || key_length > SEGMENT_MAX_KEY_BYTES)
        return error_set(err, COPS_EINVAL, "%s: term key of %zu bytes", w->path, key_length);
    if (w->have_previous_key) {
        size_t common = key_length < w->previous_key_length ? key_length : w->previous_key_length;
        int order = memcmp(w->previous_key, key, common);
        if (order > 0 || (order == 0 && key_length <= w->previous_key_length))
            return error_set(err, COPS_EINVAL, "%s: term keys out of order", w->path);
    }
    memcpy(w->key, key, key_length);
    w->key_length = key_length;
    w->in_term = 1;
    w->term_df = 0;
    w->term_cf = 0;
    buffer_reset(&w->term_positions);
    buffer_reset(&w->position_starts);
    w->pending_count = 0;
    w->positions_spilled = 0;
    return 0;
}

#define TERM_POSITIONS_IN_MEMORY ((size_t)4 << 20)

static uint64_t positions_length(const segment_writer *w)
{
    return w->positions_spilled + w->term_positions.length;
}

/* Move the buffered positions to the temporary file. */
static int spill_positions(segment_writer *w, cops_error *err)
{
    if (!w->positions_file && !(w->positions_file = tmpfile()))
        return error_set_errno(err, COPS_EIO, errno, "%s: cannot create a temporary file", w->path);
    size_t n = w->term_positions.length;
    if ((w->positions_spilled == 0 && fseek(w->positions_file, 0, SEEK_SET) != 0)
        || (n && fwrite(w->term_positions.data, 1, n, w->positions_file) != n))
        return error_set_errno(err, COPS_EIO, errno, "%s: cannot write a temporary file", w->path);
    w->positions_spilled += n;
    buffer_reset(&w->term_positions);
    return 0;
}

/* Pass the term's positions [start, end) to `sink`, from memory or, a
 * piece at a time, from the temporary file. */
typedef int (*bytes_sink)(segment_writer *w, void *context, const uint8_t *bytes, size_t length,
                          cops_error *err);
static int read_positions(segment_writer *w, uint64_t start, uint64_t end, bytes_sink sink,
                          void *context, cops_error *err)
{
    if (w->positions_spilled == 0)
        return sink(w, context, w->term_positions.data + start, (size_t)(end - start), err);
    if (fseeko(w->positions_file, (off_t)start, SEEK_SET) != 0)
        return error_set_errno(err, COPS_EIO, errno, "%s: cannot read back a temporary file",
                               w->path);
    uint8_t chunk[65536];
    while (start < end) {
        size_t n = end - start < sizeof chunk ? (size_t)(end - start) : sizeof chunk;
        if (fread(chunk, 1, n, w->positions_file) != n)
            return error_set_errno(err, COPS_EIO, errno, "%s: cannot read back a temporary file",
                                   w->path);
        int rc = sink(w, context, chunk, n, err);
        if (rc != 0)
            return rc;
        start += n;
    }
    return 0;
}

static int crc_sink(segment_writer *w, void *context, const uint8_t *bytes, size_t length,
                    cops_error *err)
{
    (void)w, (void)err;
    uint32_t *crc = context;
    *crc = crc_update(*crc, bytes, length);
    return 0;
}

static int output_sink(segment_writer *w, void *context, const uint8_t *bytes, size_t length,
                       cops_error *err)
{
    (void)context;
    return write_bytes(w, bytes, length, err);
}

/* Write the pending values as one chunk (a codec block), spilling the
 * term's positions to the temporary file once they grow large. */
static int write_positions_chunk(segment_writer *w, cops_error *err)
{
    if (w->pending_count == 0)
        return 0;
    codec_positions_append(&w->term_positions, w->pending, w->pending_count);
    w->pending_count = 0;
    if (buffer_failed(&w->term_positions))
        return out_of_memory(w, err);
    if (positions_length(w) > UINT32_MAX)
        return error_set(err, COPS_ELIMIT, "%s: positions of one term exceed 4 GiB", w->path);
    if (w->term_positions.length >= TERM_POSITIONS_IN_MEMORY)
        return spill_positions(w, err);
    return 0;
}

/* Append `count` increasing positions to the block's stream: a document's
 * first position as it is (`first`), each later one as its gap from the
 * one before, minus one (FORMAT.md 3.3).  A position equal to the one
 * before (a term given twice at one position) is kept once; *kept (OUT)
 * counts the positions kept, which is the tf recorded. */
static int append_positions(segment_writer *w, const uint32_t *positions, uint32_t count,
                            uint32_t previous, int first, uint32_t *kept, cops_error *err)
{
    *kept = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (!first && positions[i] <= previous) {
            if (positions[i] == previous)
                continue;
            return error_set(err, COPS_EINVAL, "%s: positions out of order", w->path);
        }
        w->pending[w->pending_count++] = first ? positions[i] : positions[i] - previous - 1;
        previous = positions[i];
        first = 0;
        ++*kept;
        if (w->pending_count == SEGMENT_BLOCK_SIZE) {
            int rc = write_positions_chunk(w, err);
            if (rc != 0)
                return rc;
        }
    }
    w->last_position = previous;
    return 0;
}

int segment_writer_add_posting(segment_writer *w, uint32_t doc, const uint32_t *positions,
                               uint32_t tf, cops_error *err)
{
    if (!w->in_term || tf == 0 || doc >= w->documents
        || (w->term_df > 0 && doc <= w->term_docs[w->term_df - 1]))
        return error_set(err, COPS_EINVAL, "%s: posting (doc %u, tf %u) out of order", w->path,
                         doc, tf);
    if (w->term_df == w->term_capacity) {
        size_t capacity = w->term_capacity ? w->term_capacity * 2 : 1024;
        uint32_t *docs = realloc(w->term_docs, capacity * sizeof *docs);
        if (docs)
            w->term_docs = docs;
        uint32_t *tfs = docs ? realloc(w->term_tfs, capacity * sizeof *tfs) : NULL;
        if (!tfs)
            return out_of_memory(w, err);
        w->term_tfs = tfs;
        w->term_capacity = capacity;
    }
    if (w->term_df % SEGMENT_BLOCK_SIZE == 0) { /* a new postings block */
        int rc = write_positions_chunk(w, err); /* the previous block's last chunk */
        if (rc != 0)
            return rc;
        buffer_append_u32le(&w->position_starts, (uint32_t)positions_length(w));
        if (buffer_failed(&w->position_starts))
            return out_of_memory(w, err);
    }
    uint32_t kept;
    int rc = append_positions(w, positions, tf, 0, 1, &kept, err);
    if (rc != 0)
        return rc;
    w->term_docs[w->term_df] = doc;
    w->term_tfs[w->term_df] = kept;
    w->term_df++;
    w->term_cf += kept;
    return 0;
}

int segment_writer_extend_posting(segment_writer *w, const uint32_t *positions, uint32_t count,
                                  cops_error *err)
{
    if (!w->in_term || w->term_df == 0 || count == 0 || positions[0] < w->last_position)
        return error_set(err, COPS_EINVAL, "%s: posting extended out of order", w->path);
    uint32_t *tf = &w->term_tfs[w->term_df - 1];
    if (*tf > UINT32_MAX - count)
        return error_set(err, COPS_ELIMIT, "%s: term frequency overflow", w->path);
    uint32_t kept;
    int rc = append_positions(w, positions, count, w->last_position, 0, &kept, err);
    if (rc != 0)
        return rc;
    *tf += kept;
    w->term_cf += kept;
    return 0;
}

/* The block of tf - 1 of `count` postings (FORMAT.md "docs-block"). */
static void append_tfs_block(byte_buffer *out, const uint32_t *tfs, uint32_t count)
{
    uint32_t values[SEGMENT_BLOCK_SIZE] = {0}; /* (GCC cannot see count >= 1) */
    for (uint32_t i = 0; i < count; i++)
        values[i] = tfs[i] - 1;
    codec_tfs_append(out, values, count);
}

/* A block of postings (FORMAT.md "docs-block"): the document gaps, then
 * tf - 1 (unless `with_tfs` is 0: an inline list whose frequencies follow
 * from df and cf), each as a codec block.  Returns the last document. */
static uint32_t append_docs_block(byte_buffer *out, const uint32_t *docs, const uint32_t *tfs,
                                  uint32_t count, uint32_t previous_doc, int with_tfs)
{
    uint32_t values[SEGMENT_BLOCK_SIZE] = {0}; /* (GCC cannot see count >= 1) */
    for (uint32_t i = 0; i < count; i++) {
        values[i] = docs[i] - previous_doc - 1;
        previous_doc = docs[i];
    }
    codec_block_append(out, values, count);
    if (with_tfs)
        append_tfs_block(out, tfs, count);
    return previous_doc;
}

static uint32_t field_length(const segment_writer *w, uint32_t doc)
{
    const byte_buffer *lengths = w->key[0] == (uint8_t)SEGMENT_FIELD_TITLE ? &w->title_lengths
                                                                           : &w->body_lengths;
    return layout_get_u32(lengths->data + 4 * (size_t)doc);
}

/* Where the positions of the term's postings block `block` start. */
static uint32_t position_start_of(const segment_writer *w, uint32_t block)
{
    return layout_get_u32(w->position_starts.data + 4 * (size_t)block);
}

/* The skip table of a postings record (FORMAT.md 3.3): its widths, the
 * entries of `raw` (LAYOUT_SKIP_FIELDS u32 each) in the fewest bytes each
 * field's largest value allows, then their CRC. */
static void append_skip_table(byte_buffer *out, const uint8_t *raw, uint32_t entries)
{
    uint32_t widths = 0;
    for (int f = 0; f < LAYOUT_SKIP_SIZED_FIELDS; f++) {
        uint32_t largest = 0;
        for (uint32_t b = 0; b < entries; b++) {
            uint32_t value = layout_get_u32(raw + 4 * ((size_t)b * LAYOUT_SKIP_FIELDS + f));
            if (value > largest)
                largest = value;
        }
        widths |= (layout_byte_width(largest) - 1) << (2 * f);
    }
    size_t start = out->length;
    uint8_t widths_bytes[LAYOUT_SKIP_WIDTHS_BYTES] = {(uint8_t)widths, (uint8_t)(widths >> 8)};
    buffer_append(out, widths_bytes, sizeof widths_bytes);
    layout_skip skip;
    layout_skip_from_widths(widths, &skip);
    for (uint32_t b = 0; b < entries; b++)
        for (int f = 0; f < LAYOUT_SKIP_FIELDS; f++) {
            uint8_t bytes[4];
            layout_put_u32(bytes, layout_get_u32(raw + 4 * ((size_t)b * LAYOUT_SKIP_FIELDS + f)));
            buffer_append(out, bytes,
                          layout_skip_width(&skip, (enum layout_skip_field)f));
        }
    if (!buffer_failed(out))
        buffer_append_u32le(out, crc_update(0, out->data + start, out->length - start));
}

/* The external record (FORMAT.md "postings record").  Its bytes are built
 * in w->scratch and then written; the term's list bound is returned for the
 * dictionary entry. */
static int write_external_postings(segment_writer *w, uint32_t *list_max_tf,
                                   uint32_t *list_min_length, cops_error *err)
{
    uint32_t df = w->term_df;
    uint32_t block_count = (df + SEGMENT_BLOCK_SIZE - 1) / SEGMENT_BLOCK_SIZE;
    byte_buffer blocks = BUFFER_INIT;
    byte_buffer skips = BUFFER_INIT;
    uint32_t previous_doc = UINT32_MAX; /* so the first gap is doc - 0 */
    *list_max_tf = 0;
    *list_min_length = UINT32_MAX;
    uint64_t all_positions = positions_length(w);
    int rc = 0;

    for (uint32_t b = 0; b < block_count; b++) {
        uint32_t first = b * SEGMENT_BLOCK_SIZE;
        uint32_t count = df - first < SEGMENT_BLOCK_SIZE ? df - first : SEGMENT_BLOCK_SIZE;
        size_t block_start = blocks.length;
        uint32_t max_tf = 0, min_length = UINT32_MAX;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t doc = w->term_docs[first + i], tf = w->term_tfs[first + i];
            uint32_t length = field_length(w, doc);
            if (tf > max_tf)
                max_tf = tf;
            if (length < min_length)
                min_length = length;
        }
        previous_doc = append_docs_block(&blocks, w->term_docs + first, w->term_tfs + first,
                                         count, previous_doc, 1);
        uint32_t position_start = position_start_of(w, b);
        uint32_t position_end = b + 1 < block_count ? position_start_of(w, b + 1)
                                                    : (uint32_t)all_positions;
        if (buffer_failed(&blocks))
            break;
        buffer_append_u32le(&skips, w->term_docs[first + count - 1]);
        buffer_append_u32le(&skips, (uint32_t)block_start);
        buffer_append_u32le(&skips, position_start);
        buffer_append_u32le(&skips, max_tf);
        buffer_append_u32le(&skips, min_length);
        buffer_append_u32le(&skips, crc_update(0, blocks.data + block_start,
                                                blocks.length - block_start));
        uint32_t positions_crc = 0;
        if ((rc = read_positions(w, position_start, position_end, crc_sink, &positions_crc,
                                 err)) != 0)
            break;
        buffer_append_u32le(&skips, positions_crc);
        if (max_tf > *list_max_tf)
            *list_max_tf = max_tf;
        if (min_length < *list_min_length)
            *list_min_length = min_length;
    }

    byte_buffer *head = &w->scratch;
    buffer_reset(head);
    buffer_append_varint(head, blocks.length);
    buffer_append_varint(head, all_positions);
    if (!buffer_failed(&skips))
        append_skip_table(head, skips.data, block_count);
    if (rc == 0 && (buffer_failed(head) || buffer_failed(&blocks) || buffer_failed(&skips)))
        rc = out_of_memory(w, err);
    else if (rc == 0 && blocks.length > UINT32_MAX)
        rc = error_set(err, COPS_ELIMIT, "%s: postings of one term exceed 4 GiB", w->path);
    if (rc == 0)
        rc = write_bytes(w, head->data, head->length, err);
    if (rc == 0)
        rc = write_bytes(w, blocks.data, blocks.length, err);
    if (rc == 0)
        rc = read_positions(w, 0, all_positions, output_sink, NULL, err);
    buffer_free(&blocks);
    buffer_free(&skips);
    return rc;
}

static int dictionary_sink(segment_writer *w, void *context, const uint8_t *bytes,
                           size_t length, cops_error *err)
{
    (void)context;
    w->dict_block_crc = crc_update(w->dict_block_crc, bytes, length);
    w->dict_block_written += length;
    return side_append(w, &w->dictionary, bytes, length, err);
}

/* Move the dictionary block's pending bytes, then the term's positions, to
 * the side file, keeping the block's CRC running: a large inline list goes
 * there from the term's own buffer or temporary file, not through a copy
 * in the block. */
static int write_through_dict_block(segment_writer *w, cops_error *err)
{
    byte_buffer *block = &w->dict_block;
    if (buffer_failed(block))
        return out_of_memory(w, err);
    int rc = dictionary_sink(w, NULL, block->data, block->length, err);
    buffer_reset(block);
    if (rc == 0)
        rc = read_positions(w, 0, positions_length(w), dictionary_sink, NULL, err);
    return rc;
}

static int flush_dictionary_block(segment_writer *w, cops_error *err)
{
    if (w->dict_block_terms == 0)
        return 0;
    uint64_t block_length = w->dict_block_written + w->dict_block.length + 4;
    if (block_length > UINT32_MAX)
        return error_set(err, COPS_ELIMIT, "%s: a dictionary block exceeds 4 GiB", w->path);
    buffer_append_u32le(&w->dict_block, crc_update(w->dict_block_crc, w->dict_block.data,
                                                   w->dict_block.length));
    /* DICTINDEX's offsets are u32 (FORMAT.md 3.5) */
    if (w->dictionary.length - w->dict_block_written + block_length > UINT32_MAX)
        return error_set(err, COPS_ELIMIT, "%s: the dictionary exceeds 4 GiB", w->path);
    buffer_append_u32le(&w->dictindex, (uint32_t)(w->dictionary.length - w->dict_block_written));
    buffer_append_u32le(&w->dictindex, (uint32_t)w->dictindex_keys.length);
    buffer_append(&w->dictindex_keys, w->dict_block_first_key, w->dict_block_first_length);
    if (buffer_failed(&w->dict_block) || buffer_failed(&w->dictindex)
        || buffer_failed(&w->dictindex_keys))
        return out_of_memory(w, err);
    int rc = side_append(w, &w->dictionary, w->dict_block.data, w->dict_block.length, err);
    buffer_reset(&w->dict_block);
    w->dict_block_written = 0;
    w->dict_block_crc = 0;
    if (rc != 0)
        return rc;
    w->dict_block_terms = 0;
    return 0;
}

/* FORMAT.md 3.4 "key-head": the shared prefix's and the suffix's lengths
 * as two nibbles of one byte, 15 meaning "15 or more, the rest in a varint
 * after the byte" (on wiki-dev all but 0.3 % of the keys take one byte,
 * where two varints took two). */
static void append_key_head(byte_buffer *entry, size_t common, size_t suffix)
{
    buffer_append_byte(entry, (uint8_t)((common < 15 ? common : 15) << 4
                                        | (suffix < 15 ? suffix : 15)));
    if (common >= 15)
        buffer_append_varint(entry, common - 15);
    if (suffix >= 15)
        buffer_append_varint(entry, suffix - 15);
}

/* FORMAT.md 3.4 "counts": df with a bit saying whether cf exceeds it, and
 * only then cf's excess, so the commonest entries (df = cf, most of them
 * df = cf = 1) take one byte where df and cf took two. */
static void append_counts(byte_buffer *entry, uint64_t df, uint64_t cf)
{
    buffer_append_varint(entry, 2 * (df - 1) + (cf > df));
    if (cf > df)
        buffer_append_varint(entry, cf - df - 1);
}

/* Inline positions from this size on are not copied into the block. */
#define LARGE_INLINE_POSITIONS ((size_t)1 << 16)

int segment_writer_end_term(segment_writer *w, cops_error *err)
{
    if (!w->in_term)
        return error_set(err, COPS_EINVAL, "%s: end_term without begin_term", w->path);
    w->in_term = 0;
    if (w->term_df == 0)
        return 0; /* a key without postings is not recorded */
    int rc = write_positions_chunk(w, err); /* the last block's last chunk */
    if (rc != 0)
        return rc;
    if (w->positions_spilled > 0) { /* all of them in the file, then */
        rc = spill_positions(w, err);
        if (rc != 0)
            return rc;
    }

    byte_buffer *entry = &w->dict_block;
    size_t common = 0;
    if (w->dict_block_terms == 0) {
        memcpy(w->dict_block_first_key, w->key, w->key_length);
        w->dict_block_first_length = w->key_length;
    } else {
        size_t limit = w->key_length < w->previous_key_length ? w->key_length
                                                              : w->previous_key_length;
        while (common < limit && w->key[common] == w->previous_key[common])
            common++;
    }
    if (w->dict_block_terms > 0) { /* the first key is DICTINDEX's, and only there */
        append_key_head(entry, common, w->key_length - common);
        buffer_append(entry, w->key + common, w->key_length - common);
    }
    append_counts(entry, w->term_df, w->term_cf);

    if (w->term_df <= SEGMENT_INLINE_MAX_DF) {
        int with_tfs = segment_inline_has_tfs(w->term_df, w->term_cf);
        if (segment_inline_fixed(w->term_df)) { /* FORMAT.md 3.4 "fixed-ids" */
            codec_ids_append(entry, w->term_docs, w->term_df, segment_doc_width(w->documents));
            if (with_tfs)
                append_tfs_block(entry, w->term_tfs, w->term_df);
        } else {
            append_docs_block(entry, w->term_docs, w->term_tfs, w->term_df, UINT32_MAX,
                              with_tfs);
        }
        if (positions_length(w) < LARGE_INLINE_POSITIONS) {
            buffer_append(entry, w->term_positions.data, w->term_positions.length);
        } else {
            rc = write_through_dict_block(w, err);
            if (rc != 0)
                return rc;
        }
    } else {
        uint64_t record_offset = w->offset - w->section_start;
        uint32_t max_tf, min_length;
        rc = write_external_postings(w, &max_tf, &min_length, err);
        if (rc != 0)
            return rc;
        buffer_append_varint(entry, record_offset);
        buffer_append_varint(entry, w->offset - w->section_start - record_offset);
        buffer_append_varint(entry, max_tf);
        buffer_append_varint(entry, min_length);
    }
    if (buffer_failed(entry))
        return out_of_memory(w, err);

    memcpy(w->previous_key, w->key, w->key_length);
    w->previous_key_length = w->key_length;
    w->have_previous_key = 1;
    if (++w->dict_block_terms == LAYOUT_DICT_BLOCK_TERMS)
        return flush_dictionary_block(w, err);
    return 0;
}

/* ------------------------------------------------------------- finish */

static void append_meta(byte_buffer *meta, const char *key, uint64_t value)
{
    char line[96];
    int n = snprintf(line, sizeof line, "%s %llu\n", key, (unsigned long long)value);
    buffer_append(meta, line, (size_t)n);
}

/* Table `t` (u32s in memory, `table`) appended to `out` at the width its
 * largest value needs (FORMAT.md 3.7); returns that width. */
static unsigned append_table(byte_buffer *out, const byte_buffer *table, enum layout_doc_table t)
{
    uint32_t max = 0;
    for (size_t at = 0; at + 4 <= table->length; at += 4)
        if (layout_get_u32(table->data + at) > max)
            max = layout_get_u32(table->data + at);
    unsigned width = layout_table_width(t, max);
    for (size_t at = 0; at + 4 <= table->length && width > 0; at += 4)
        buffer_append(out, table->data + at, width); /* little-endian: the low bytes first */
    return width;
}

static int write_toc_and_trailer(segment_writer *w, cops_error *err)
{
    int rc = write_padding(w, err);
    if (rc != 0)
        return rc;
    uint64_t toc_offset = w->offset;
    byte_buffer toc = BUFFER_INIT;
    buffer_append_u32le(&toc, (uint32_t)w->section_count);
    for (size_t i = 0; i < w->section_count; i++) {
        buffer_append_u32le(&toc, w->sections[i].kind);
        buffer_append_u32le(&toc, w->sections[i].crc);
        buffer_append_u64le(&toc, w->sections[i].offset);
        buffer_append_u64le(&toc, w->sections[i].length);
    }
    uint32_t toc_crc = crc_update(0, toc.data, toc.length);
    buffer_append_u64le(&toc, toc_offset);
    buffer_append_u32le(&toc, (uint32_t)(toc.length - 8));
    buffer_append_u32le(&toc, toc_crc);
    buffer_append(&toc, LAYOUT_TRAILER_MAGIC, 8);
    rc = buffer_failed(&toc) ? out_of_memory(w, err) : write_bytes(w, toc.data, toc.length, err);
    buffer_free(&toc);
    return rc;
}

static void free_writer(segment_writer *w)
{
    stop_compressor(w, NULL);
    buffer_free(&w->slot);
    if (w->dictionary.file)
        fclose(w->dictionary.file);
    if (w->metadata.file)
        fclose(w->metadata.file);
    if (w->positions_file)
        fclose(w->positions_file);
    buffer_free(&w->meta_chunk);
    buffer_free(&w->meta_index);
    buffer_free(&w->chunk_crcs);
    buffer_free(&w->surface);
    buffer_free(&w->docstore_block);
    buffer_free(&w->docstore_compressed);
    libdeflate_free_compressor(w->deflater);
    buffer_free(&w->docindex);
    buffer_free(&w->body_lengths);
    buffer_free(&w->title_lengths);
    buffer_free(&w->dates);
    buffer_free(&w->insertion_order);
    buffer_free(&w->term_positions);
    buffer_free(&w->position_starts);
    buffer_free(&w->dict_block);
    buffer_free(&w->dictindex);
    buffer_free(&w->dictindex_keys);
    buffer_free(&w->scratch);
    free(w->term_docs);
    free(w->term_tfs);
    free(w->path);
    free(w);
}

int segment_writer_set_surface(segment_writer *w, const surface_pair *pairs, size_t count,
                               cops_error *err)
{
    if (w->surface.length)
        return error_set(err, COPS_EINVAL, "%s: the surface forms were set twice", w->path);
    if (count)
        surface_encode(pairs, count, &w->surface);
    return buffer_failed(&w->surface) ? out_of_memory(w, err) : 0;
}

/* The u32 table `table` (count entries) in the order `insertion` gives. */
static int permute_u32s(byte_buffer *table, const uint32_t *insertion, uint32_t count)
{
    byte_buffer permuted = BUFFER_INIT;
    for (uint32_t d = 0; d < count; d++)
        buffer_append_u32le(&permuted, layout_get_u32(table->data + 4 * (size_t)insertion[d]));
    if (buffer_failed(&permuted))
        return COPS_ENOMEM;
    buffer_free(table);
    *table = permuted;
    return 0;
}

/* The end of the metadata record at `at` (its length, a vint, first),
 * or 0 when it runs past `end`. */
static size_t metadata_record_end(const uint8_t *data, size_t at, size_t end)
{
    uint64_t length;
    size_t used = codec_varint_decode(data + at, data + end, &length);
    if (used == 0 || length > end - at - used)
        return 0;
    return at + used + (size_t)length;
}

/* DOCMETA in the new order of the documents (set_insertion_order): the
 * records written so far are read back (ids and titles, some 30 bytes a
 * document) and written again.  A hit's identifier and title are then
 * read by its number: the top hits of a query, near each other in a
 * reordered segment, share metadata chunks. */
static int permute_metadata(segment_writer *w, const uint32_t *insertion, uint32_t count,
                            cops_error *err)
{
    int rc = flush_metadata_chunk(w, err);
    if (rc != 0)
        return rc;
    size_t length = (size_t)w->metadata.length, chunks = w->meta_index.length / 8;
    uint8_t *old = malloc(length + 1);
    uint64_t *record = malloc(((size_t)count + 1) * 2 * sizeof *record); /* start, end */
    FILE *file = w->metadata.file;
    if (!old || !record)
        rc = out_of_memory(w, err);
    else if (fflush(file) != 0 || fseek(file, 0, SEEK_SET) != 0
             || fread(old, 1, length, file) != length)
        rc = error_set_errno(err, COPS_EIO, errno, "%s: cannot read back a temporary file",
                             w->path);
    uint32_t d = 0;
    for (size_t c = 0; rc == 0 && c < chunks; c++) {
        size_t at = (size_t)layout_get_u64(w->meta_index.data + 8 * c) + 4;
        size_t end = c + 1 < chunks ? (size_t)layout_get_u64(w->meta_index.data + 8 * (c + 1))
                                    : length;
        for (; rc == 0 && at < end; d++) {
            size_t stop = d < count ? metadata_record_end(old, at, end) : 0;
            if (stop == 0)
                rc = error_set(err, COPS_EIO, "%s: a temporary file changed", w->path);
            else
                record[2 * d] = at, record[2 * d + 1] = stop, at = stop;
        }
    }
    if (rc == 0 && d != count)
        rc = error_set(err, COPS_EIO, "%s: a temporary file changed", w->path);
    if (rc == 0 && (fseek(file, 0, SEEK_SET) != 0 || ftruncate(fileno(file), 0) != 0))
        rc = error_set_errno(err, COPS_EIO, errno, "%s: cannot rewrite a temporary file",
                             w->path);
    if (rc == 0) {
        w->metadata.length = 0;
        w->metadata.crc = 0;
        buffer_reset(&w->meta_index);
    }
    for (uint32_t p = 0; rc == 0 && p < count; p++) {
        uint64_t start = record[2 * (size_t)insertion[p]], stop = record[2 * (size_t)insertion[p] + 1];
        buffer_append(&w->meta_chunk, old + start, (size_t)(stop - start));
        if (buffer_failed(&w->meta_chunk))
            rc = out_of_memory(w, err);
        else if ((p + 1) % LAYOUT_DOCMETA_CHUNK_DOCUMENTS == 0)
            rc = flush_metadata_chunk(w, err);
    }
    free(old);
    free(record);
    return rc;
}

int segment_writer_set_insertion_order(segment_writer *w, const uint32_t *insertion,
                                       uint32_t count, cops_error *err)
{
    if (w->insertion_order.length != 0 || w->postings_started || count != w->documents)
        return error_set(err, COPS_EINVAL, "%s: insertion order of %u documents set twice, "
                         "after a term or not for the %u added", w->path, count, w->documents);
    uint8_t *seen = calloc(count ? count : 1, 1);
    if (!seen)
        return out_of_memory(w, err);
    int rc = 0;
    for (uint32_t d = 0; d < count && rc == 0; d++) {
        if (insertion[d] >= count || seen[insertion[d]])
            rc = error_set(err, COPS_EINVAL, "%s: the insertion order is not a permutation "
                           "(document %u)", w->path, d);
        else
            seen[insertion[d]] = 1;
        buffer_append_u32le(&w->insertion_order, insertion[d]);
    }
    free(seen);
    if (rc == 0 && buffer_failed(&w->insertion_order))
        rc = out_of_memory(w, err);
    if (rc == 0 && (permute_u32s(&w->body_lengths, insertion, count) != 0
                    || permute_u32s(&w->title_lengths, insertion, count) != 0
                    || permute_u32s(&w->dates, insertion, count) != 0))
        rc = out_of_memory(w, err);
    if (rc == 0)
        rc = permute_metadata(w, insertion, count, err);
    if (rc != 0)
        buffer_free(&w->insertion_order);
    return rc;
}

int segment_writer_finish(segment_writer *w, const segment_meta *meta, uint64_t *bytes_written,
                          cops_error *err)
{
    int rc = w->in_term ? error_set(err, COPS_EINVAL, "%s: finish inside a term", w->path) : 0;
    if (rc == 0 && !w->postings_started)
        rc = start_postings(w, err);
    if (rc == 0) {
        section_end(w, SECTION_POSTINGS);
        rc = flush_dictionary_block(w, err);
    }
    if (rc == 0)
        rc = side_copy(w, &w->dictionary, SECTION_DICTIONARY, err);
    if (rc == 0)
        rc = flush_metadata_chunk(w, err);
    if (rc == 0)
        rc = side_copy(w, &w->metadata, SECTION_DOCMETA, err);
    if (rc == 0)
        rc = write_whole_section(w, SECTION_DOCMETAINDEX, &w->meta_index, err);
    if (rc == 0) {
        byte_buffer index = BUFFER_INIT;
        buffer_append_u32le(&index, (uint32_t)(w->dictindex.length / LAYOUT_DICTINDEX_ENTRY_BYTES));
        buffer_append(&index, w->dictindex.data, w->dictindex.length);
        buffer_append(&index, w->dictindex_keys.data, w->dictindex_keys.length);
        rc = buffer_failed(&index) ? out_of_memory(w, err)
                                   : write_whole_section(w, SECTION_DICTINDEX, &index, err);
        buffer_free(&index);
    }
    if (rc == 0)
        rc = write_whole_section(w, SECTION_DOCINDEX, &w->docindex, err);
    if (rc == 0 && w->insertion_order.length != 0
        && w->insertion_order.length != 4 * (size_t)w->documents)
        rc = error_set(err, COPS_EINVAL, "%s: an insertion order of %zu documents, %u were added",
                       w->path, w->insertion_order.length / 4, w->documents);
    /* the per-document tables, each at the width its largest value needs;
     * a reordered segment's insertion order follows the dates (FORMAT.md 3.7) */
    const byte_buffer *tables[LAYOUT_TABLE_COUNT] = {
        [LAYOUT_TABLE_BODY_LENGTH] = &w->body_lengths, [LAYOUT_TABLE_TITLE_LENGTH] = &w->title_lengths,
        [LAYOUT_TABLE_DATE] = &w->dates, [LAYOUT_TABLE_INSERTION] = &w->insertion_order};
    unsigned widths[LAYOUT_TABLE_COUNT] = {0};
    for (int first = 0; first < LAYOUT_TABLE_COUNT && rc == 0; first += 2) {
        byte_buffer narrow = BUFFER_INIT; /* the section: tables first and first + 1 */
        widths[first] = append_table(&narrow, tables[first], first);
        widths[first + 1] = append_table(&narrow, tables[first + 1], first + 1);
        rc = buffer_failed(&narrow) ? out_of_memory(w, err)
                                    : write_whole_section(w, layout_table_section(first), &narrow, err);
        buffer_free(&narrow);
    }
    if (rc == 0)
        rc = write_whole_section(w, SECTION_CHUNKCRCS, &w->chunk_crcs, err);
    if (rc == 0)
        rc = write_whole_section(w, SECTION_SURFACE, &w->surface, err);
    if (rc == 0) {
        byte_buffer text = BUFFER_INIT;
        if (meta->documents != w->documents)
            rc = error_set(err, COPS_EINVAL, "%s: meta says %llu documents, %u were added",
                           w->path, (unsigned long long)meta->documents, w->documents);
        const uint64_t numbers[LAYOUT_META_LANGUAGE] = {
            [LAYOUT_META_DOCUMENTS] = w->documents,
            [LAYOUT_META_BODY_TOKENS] = meta->body_tokens,
            [LAYOUT_META_TITLE_TOKENS] = meta->title_tokens,
            [LAYOUT_META_TERMS] = meta->terms,
            [LAYOUT_META_POSTINGS] = meta->postings,
            [LAYOUT_META_BODY_LENGTH_BYTES] = widths[LAYOUT_TABLE_BODY_LENGTH],
            [LAYOUT_META_TITLE_LENGTH_BYTES] = widths[LAYOUT_TABLE_TITLE_LENGTH],
            [LAYOUT_META_DATE_BYTES] = widths[LAYOUT_TABLE_DATE],
            [LAYOUT_META_INSERTION_BYTES] = widths[LAYOUT_TABLE_INSERTION],
            [LAYOUT_META_STEM] = (uint64_t)meta->stem};
        for (int k = 0; k < LAYOUT_META_LANGUAGE; k++)
            append_meta(&text, layout_meta_key_name(k), numbers[k]);
        const char *key = layout_meta_key_name(LAYOUT_META_LANGUAGE);
        buffer_append(&text, key, strlen(key));
        buffer_append(&text, " ", 1);
        buffer_append(&text, meta->language, strlen(meta->language));
        buffer_append(&text, "\n", 1);
        if (meta->exact_forms)
            append_meta(&text, LAYOUT_META_EXACT_FORMS_KEY, 1);
        if (meta->pairs.count > 0) {
            char words[PAIR_MAX_WORDS * (PAIR_WORD_MAX_BYTES + 1)];
            size_t length = pair_words_format(&meta->pairs, words);
            buffer_append(&text, LAYOUT_META_PAIR_WORDS_KEY " ", sizeof LAYOUT_META_PAIR_WORDS_KEY);
            buffer_append(&text, words, length);
            buffer_append(&text, "\n", 1);
        }
        if (rc == 0)
            rc = buffer_failed(&text) ? out_of_memory(w, err)
                                      : write_whole_section(w, SECTION_META, &text, err);
        buffer_free(&text);
    }
    if (rc == 0)
        rc = write_toc_and_trailer(w, err);
    if (rc == 0 && fflush(w->file) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "%s: write failed", w->path);
    if (rc == 0 && fsync(fileno(w->file)) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "%s: fsync failed", w->path);
    if (rc != 0) {
        segment_writer_abort(w);
        return rc;
    }
    if (fclose(w->file) != 0) {
        w->file = NULL;
        rc = error_set_errno(err, COPS_EIO, errno, "%s: close failed", w->path);
        unlinkat(w->dir_fd, w->target, 0);
        free_writer(w);
        return rc;
    }
    if (bytes_written)
        *bytes_written = w->offset;
    w->file = NULL;
    free_writer(w);
    return 0;
}

void segment_writer_abort(segment_writer *w)
{
    if (!w)
        return;
    /* The compressor may still be writing to the file: stop it first. */
    stop_compressor(w, NULL);
    if (w->file)
        fclose(w->file);
    unlinkat(w->dir_fd, w->target, 0);
    free_writer(w);
}
