/*
 * segment-reader.c — maps a segment file and decodes it (layout: FORMAT.md).
 *
 * Nothing is parsed eagerly beyond the table of contents and the small
 * fixed sections, so opening costs the same for any index size; dictionary
 * blocks, postings blocks and stored documents are checked (CRC32) and
 * decoded when a query first touches them.
 */
#include "config.h"

#include "index-format/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <libdeflate.h>

#include "base/error.h"
#include "base/file.h"
#include "index-format/codec.h"
#include "index-format/layout.h"
#include "index-format/surface.h"

typedef struct section_view {
    const uint8_t *data;
    size_t length;
    uint64_t offset;
    uint32_t crc;
    int present;
    /* chunked sections (LAYOUT_CHUNKED_SECTIONS): */
    const uint8_t *chunk_crcs;        /* u32 per chunk, inside CHUNKCRCS */
    _Atomic uint64_t *chunks_checked; /* bit per chunk: its CRC matched */
} section_view;

struct segment {
    char *path;
    const uint8_t *map;
    size_t size;
    segment_meta meta;
    section_view sections[SECTION_KIND_COUNT];
    uint32_t dict_blocks;
    const uint8_t *dict_index;     /* dict_blocks entries */
    const uint8_t *dict_keys;
    size_t dict_keys_length;
    unsigned doc_width;           /* segment_doc_width: a short inline list's ids */
    uint32_t doc_blocks;
    uint32_t meta_chunks;
    /* The per-document tables (FORMAT.md 3.7): their widths from META
     * (checked at open) and where each starts in its section. */
    uint64_t table_width[LAYOUT_TABLE_COUNT];
    uint64_t table_start[LAYOUT_TABLE_COUNT];
    cops_error damage;
    /* Bit per 4 bytes of the file: a CRC stored there already matched
     * (crc_matches); NULL when it could not be allocated.  Large ones are
     * mapped lazily by calloc, so only the pages of the blocks a process
     * reads are ever touched. */
    _Atomic uint64_t *crc_checked;
    /* Per document, 1 + where its metadata record starts in DOCMETA, or 0
     * when no read has stepped over it yet (segment_read_metadata); NULL
     * when it could not be allocated.  A hit then costs one record, not
     * the walk over the records before it in its chunk. */
    _Atomic uint32_t *metadata_starts;
    /* A libdeflate decompressor kept between reads of stored texts
     * (allocating one costs ~12,000 instructions, a tenth of inflating a
     * hit's block): a read takes it, or allocates its own when another
     * thread has it, and leaves its own here after (inflate_whole_block);
     * freed by segment_close. */
    _Atomic(struct libdeflate_decompressor *) spare_inflater;
};

/* The CRC-32 of zlib and gzip (the one FORMAT.md stores).  libdeflate's
 * picks a carry-less multiply (PCLMULQDQ) version at run time where the
 * processor has one: a fresh process checks every block it reads, and
 * zlib's table-driven loop was a fifth of a cold count's instructions. */
static uint32_t checksum(const uint8_t *data, size_t length)
{
    return (uint32_t)libdeflate_crc32(0, data, length);
}

static int corrupt_at(const segment *seg, cops_error *err, uint64_t offset, const char *what)
{
    return error_set(err, COPS_ECORRUPT, "%s: damaged index: %s at byte %llu", seg->path, what,
                     (unsigned long long)offset);
}

/* Record the first damage met by a lazy decoder. */
static void note_damage(segment *seg, const uint8_t *where, const char *what)
{
    if (seg->damage.code == 0)
        corrupt_at(seg, &seg->damage, (uint64_t)(where - seg->map), what);
}

int segment_damage(const segment *seg, cops_error *err)
{
    if (seg->damage.code == 0)
        return 0;
    if (err)
        *err = seg->damage;
    return COPS_ECORRUPT;
}

/* -------------------------------------------------------------- open */

static int parse_meta(segment *seg, cops_error *err)
{
    const section_view *s = &seg->sections[SECTION_META];
    const char *p = (const char *)s->data, *end = p + s->length;
    int have_documents = 0;
    uint64_t *numbers[LAYOUT_META_KEY_COUNT] = {
        [LAYOUT_META_DOCUMENTS] = &seg->meta.documents,
        [LAYOUT_META_BODY_TOKENS] = &seg->meta.body_tokens,
        [LAYOUT_META_TITLE_TOKENS] = &seg->meta.title_tokens,
        [LAYOUT_META_TERMS] = &seg->meta.terms,
        [LAYOUT_META_POSTINGS] = &seg->meta.postings,
        [LAYOUT_META_BODY_LENGTH_BYTES] = &seg->table_width[LAYOUT_TABLE_BODY_LENGTH],
        [LAYOUT_META_TITLE_LENGTH_BYTES] = &seg->table_width[LAYOUT_TABLE_TITLE_LENGTH],
        [LAYOUT_META_DATE_BYTES] = &seg->table_width[LAYOUT_TABLE_DATE],
        [LAYOUT_META_INSERTION_BYTES] = &seg->table_width[LAYOUT_TABLE_INSERTION]};
    while (p < end) {
        const char *line_end = memchr(p, '\n', (size_t)(end - p));
        if (!line_end)
            return corrupt_at(seg, err, s->offset, "META section is not line-terminated");
        const char *space = memchr(p, ' ', (size_t)(line_end - p));
        if (!space)
            return corrupt_at(seg, err, s->offset + (uint64_t)(p - (const char *)s->data),
                              "META line without a value");
        size_t key_length = (size_t)(space - p);
        const char *value = space + 1;
        size_t value_length = (size_t)(line_end - value);
        char number[32];
        unsigned long long n = 0;
        if (value_length < sizeof number) {
            memcpy(number, value, value_length);
            number[value_length] = '\0';
            n = strtoull(number, NULL, 10);
        }
        int key = 0;
        while (key < LAYOUT_META_KEY_COUNT
               && !(strlen(layout_meta_key_name(key)) == key_length
                    && memcmp(p, layout_meta_key_name(key), key_length) == 0))
            key++;
        /* unknown keys are ignored (FORMAT.md 3.8) */
        if (key_length == strlen(LAYOUT_META_EXACT_FORMS_KEY)
            && memcmp(p, LAYOUT_META_EXACT_FORMS_KEY, key_length) == 0) {
            seg->meta.exact_forms = n == 1;
        } else if (key_length == strlen(LAYOUT_META_PAIR_WORDS_KEY)
                   && memcmp(p, LAYOUT_META_PAIR_WORDS_KEY, key_length) == 0) {
            if (pair_words_parse(value, value_length, &seg->meta.pairs) != 0)
                return corrupt_at(seg, err, s->offset, "META pair_words is not a word list");
        } else if (key == LAYOUT_META_LANGUAGE) {
            if (value_length >= sizeof seg->meta.language)
                return corrupt_at(seg, err, s->offset, "META language too long");
            memcpy(seg->meta.language, value, value_length);
            seg->meta.language[value_length] = '\0';
        } else if (key == LAYOUT_META_STEM) {
            seg->meta.stem = n != 0;
        } else if (key < LAYOUT_META_KEY_COUNT) {
            *numbers[key] = n;
            have_documents |= key == LAYOUT_META_DOCUMENTS;
        }
        p = line_end + 1;
    }
    if (!have_documents || seg->meta.documents >= UINT32_MAX)
        return corrupt_at(seg, err, s->offset, "META without a valid document count");
    seg->doc_width = segment_doc_width(seg->meta.documents);
    return 0;
}

/* Whether bytes [offset, offset + length) of the chunked section `kind`
 * are intact: each LAYOUT_CHUNK_BYTES chunk they touch is checked against
 * its CRC the first time and remembered in a bitmap (two threads may both
 * check a chunk; the result is the same).  A range outside the section,
 * or a mismatch, is recorded as damage (segment_damage) and gives 0. */
static int section_intact_slow(segment *seg, uint32_t kind, uint64_t offset, uint64_t length)
{
    section_view *s = &seg->sections[kind];
    if (offset > s->length || length > s->length - offset) {
        note_damage(seg, s->data, "index entry points outside its section");
        return 0;
    }
    if (length == 0)
        return 1;
    for (uint64_t chunk = offset / LAYOUT_CHUNK_BYTES; chunk <= (offset + length - 1) / LAYOUT_CHUNK_BYTES;
         chunk++) {
        uint64_t bit = 1ull << (chunk % 64);
        if (atomic_load_explicit(&s->chunks_checked[chunk / 64], memory_order_relaxed) & bit)
            continue;
        uint64_t start = chunk * LAYOUT_CHUNK_BYTES;
        uint64_t size = s->length - start < LAYOUT_CHUNK_BYTES ? s->length - start : LAYOUT_CHUNK_BYTES;
        if (checksum(s->data + start, (size_t)size) != layout_get_u32(s->chunk_crcs + 4 * chunk)) {
            note_damage(seg, s->data + start, "section chunk checksum mismatch");
            return 0;
        }
        atomic_fetch_or_explicit(&s->chunks_checked[chunk / 64], bit, memory_order_relaxed);
    }
    return 1;
}

/* section_intact's common case made in line: a range inside one chunk
 * already checked is one bit test (a dictionary look-up asks about a dozen
 * index entries, a hit about its metadata index entry). */
static inline int section_intact(segment *seg, uint32_t kind, uint64_t offset, uint64_t length)
{
    const section_view *s = &seg->sections[kind];
    uint64_t chunk = offset / LAYOUT_CHUNK_BYTES;
    if (offset <= s->length && length <= s->length - offset && length > 0
        && chunk == (offset + length - 1) / LAYOUT_CHUNK_BYTES
        && (atomic_load_explicit(&s->chunks_checked[chunk / 64], memory_order_relaxed)
            & (UINT64_C(1) << (chunk % 64))))
        return 1;
    return section_intact_slow(seg, kind, offset, length);
}

/* The chunked sections' CRCs (CHUNKCRCS, checked whole with the small
 * sections) and the checks that cost the same whatever the index size:
 * the sections' sizes.  Their contents are checked when read. */
static int check_fixed_sections(segment *seg, cops_error *err)
{
    static const uint32_t chunked[] = LAYOUT_CHUNKED_SECTIONS;
    const section_view *crcs = &seg->sections[SECTION_CHUNKCRCS];
    uint64_t chunks = 0;
    for (size_t i = 0; i < LAYOUT_CHUNKED_SECTION_COUNT; i++) {
        section_view *s = &seg->sections[chunked[i]];
        uint64_t count = (s->length + LAYOUT_CHUNK_BYTES - 1) / LAYOUT_CHUNK_BYTES;
        if ((chunks + count) * 4 > crcs->length)
            break;
        s->chunk_crcs = crcs->data + 4 * chunks;
        s->chunks_checked = calloc((size_t)(count + 63) / 64 + 1, sizeof *s->chunks_checked);
        if (!s->chunks_checked)
            return error_set(err, COPS_ENOMEM, "%s: out of memory opening the segment", seg->path);
        chunks += count;
    }
    if (chunks * 4 != crcs->length)
        return corrupt_at(seg, err, crcs->offset, "chunk checksum table has the wrong size");

    uint64_t n = seg->meta.documents;
    const uint64_t *width = seg->table_width;
    for (int t = 0; t < LAYOUT_TABLE_COUNT; t++)
        if (!layout_table_width_valid(t, width[t]))
            return corrupt_at(seg, err, seg->sections[SECTION_META].offset,
                              "META: a document table's width is not 1, 2 or 4 (or 0 but for "
                              "the body lengths)");
    const section_view *lengths = &seg->sections[SECTION_DOCLENGTHS];
    const section_view *dates = &seg->sections[SECTION_DOCDATES];
    if (lengths->length != n * (width[LAYOUT_TABLE_BODY_LENGTH] + width[LAYOUT_TABLE_TITLE_LENGTH]))
        return corrupt_at(seg, err, lengths->offset, "document length table has the wrong size");
    if (dates->length != n * (width[LAYOUT_TABLE_DATE] + width[LAYOUT_TABLE_INSERTION]))
        return corrupt_at(seg, err, dates->offset, "document date table has the wrong size");
    for (int t = 0; t < LAYOUT_TABLE_COUNT; t++)
        seg->table_start[t] = layout_table_start(t, n, (unsigned)width[t & ~1]);

    const section_view *docindex = &seg->sections[SECTION_DOCINDEX];
    if (docindex->length % LAYOUT_DOCINDEX_ENTRY_BYTES != 0 || (n > 0) != (docindex->length > 0)
        || docindex->length / LAYOUT_DOCINDEX_ENTRY_BYTES > n)
        return corrupt_at(seg, err, docindex->offset, "document index has the wrong size");
    seg->doc_blocks = (uint32_t)(docindex->length / LAYOUT_DOCINDEX_ENTRY_BYTES);

    const section_view *metaindex = &seg->sections[SECTION_DOCMETAINDEX];
    seg->meta_chunks = (uint32_t)((n + LAYOUT_DOCMETA_CHUNK_DOCUMENTS - 1) / LAYOUT_DOCMETA_CHUNK_DOCUMENTS);
    if (metaindex->length != 8 * (uint64_t)seg->meta_chunks)
        return corrupt_at(seg, err, metaindex->offset, "metadata index has the wrong size");

    const section_view *dictindex = &seg->sections[SECTION_DICTINDEX];
    if (dictindex->length < 4 || !section_intact(seg, SECTION_DICTINDEX, 0, 4))
        return corrupt_at(seg, err, dictindex->offset, "dictionary index damaged");
    seg->dict_blocks = layout_get_u32(dictindex->data);
    if ((uint64_t)seg->dict_blocks * LAYOUT_DICTINDEX_ENTRY_BYTES > dictindex->length - 4
        || (seg->dict_blocks == 0) != (seg->sections[SECTION_DICTIONARY].length == 0))
        return corrupt_at(seg, err, dictindex->offset, "dictionary index has the wrong size");
    seg->dict_index = dictindex->data + 4;
    seg->dict_keys = seg->dict_index + (size_t)seg->dict_blocks * LAYOUT_DICTINDEX_ENTRY_BYTES;
    seg->dict_keys_length = dictindex->length - 4
                            - (size_t)seg->dict_blocks * LAYOUT_DICTINDEX_ENTRY_BYTES;
    return 0;
}

static int read_table_of_contents(segment *seg, cops_error *err)
{
    const uint8_t *map = seg->map;
    size_t size = seg->size;
    if (size < LAYOUT_HEADER_BYTES + LAYOUT_TRAILER_BYTES || memcmp(map, LAYOUT_MAGIC, 8) != 0)
        return error_set(err, COPS_ECORRUPT, "%s: not a cops segment (bad magic)", seg->path);
    uint32_t version = layout_get_u32(map + 8);
    if (version != SEGMENT_FORMAT_VERSION)
        return error_set(err, COPS_EVERSION,
                         "%s: index format version %u, this cops reads version %u; "
                         "rebuild the index with cops-index", seg->path, version,
                         SEGMENT_FORMAT_VERSION);
    const uint8_t *trailer = map + size - LAYOUT_TRAILER_BYTES;
    if (memcmp(trailer + 16, LAYOUT_TRAILER_MAGIC, 8) != 0)
        return corrupt_at(seg, err, size - 8, "missing end marker (truncated file?)");
    uint64_t toc_offset = layout_get_u64(trailer);
    uint32_t toc_length = layout_get_u32(trailer + 8);
    if (toc_offset < LAYOUT_HEADER_BYTES || toc_offset > size - LAYOUT_TRAILER_BYTES
        || toc_length != size - LAYOUT_TRAILER_BYTES - toc_offset || toc_length < 4)
        return corrupt_at(seg, err, size - LAYOUT_TRAILER_BYTES, "table of contents out of range");
    const uint8_t *toc = map + toc_offset;
    if (checksum(toc, toc_length) != layout_get_u32(trailer + 12))
        return corrupt_at(seg, err, toc_offset, "table of contents checksum mismatch");
    uint32_t count = layout_get_u32(toc);
    if ((uint64_t)count * LAYOUT_TOC_ENTRY_BYTES != toc_length - 4)
        return corrupt_at(seg, err, toc_offset, "table of contents has the wrong size");
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = toc + 4 + (size_t)i * LAYOUT_TOC_ENTRY_BYTES;
        uint32_t kind = layout_get_u32(e);
        uint64_t offset = layout_get_u64(e + 8), length = layout_get_u64(e + 16);
        if (kind == 0 || kind >= SECTION_KIND_COUNT || seg->sections[kind].present
            || offset < LAYOUT_HEADER_BYTES || offset > toc_offset || length > toc_offset - offset)
            return corrupt_at(seg, err, toc_offset + 4 + (uint64_t)i * LAYOUT_TOC_ENTRY_BYTES,
                              "bad table of contents entry");
        section_view *s = &seg->sections[kind];
        s->data = map + offset;
        s->length = (size_t)length;
        s->offset = offset;
        s->crc = layout_get_u32(e + 4);
        s->present = 1;
    }
    for (uint32_t kind = 1; kind < SECTION_KIND_COUNT; kind++)
        if (!seg->sections[kind].present)
            return corrupt_at(seg, err, toc_offset, "a required section is missing");
    /* The small sections are checked whole now; the large ones block by
     * block or chunk by chunk when read. */
    static const uint32_t checked_on_open[] = {SECTION_META, SECTION_CHUNKCRCS};
    for (size_t i = 0; i < sizeof checked_on_open / sizeof checked_on_open[0]; i++) {
        const section_view *s = &seg->sections[checked_on_open[i]];
        if (checksum(s->data, s->length) != s->crc)
            return corrupt_at(seg, err, s->offset, "section checksum mismatch");
    }
    return 0;
}

int segment_open(const char *path, segment **out, cops_error *err)
{
    return segment_open_at(AT_FDCWD, NULL, path, out, err);
}

/* A segment named `dir`/`name` (`name` alone when `dir` is NULL), not
 * yet mapped. */
static int segment_new(const char *dir, const char *name, segment **out, cops_error *err)
{
    segment *seg = calloc(1, sizeof *seg);
    size_t length = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    if (!seg || !(seg->path = malloc(length))) {
        free(seg);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    snprintf(seg->path, length, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    *out = seg;
    return 0;
}

/* Map the open file `fd` of `size` bytes into `seg` and check what an
 * open checks; `fd` stays open.  On failure the caller closes `seg`. */
static int segment_map(segment *seg, int fd, uint64_t size, cops_error *err)
{
    int rc = 0;
    if (size > SIZE_MAX || size < LAYOUT_HEADER_BYTES + LAYOUT_TRAILER_BYTES)
        rc = error_set(err, COPS_ECORRUPT, "%s: damaged index: file too short (%llu bytes)",
                       seg->path, (unsigned long long)size);
    if (rc == 0) {
        seg->size = (size_t)size;
        void *map = mmap(NULL, seg->size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            rc = error_set_errno(err, COPS_EIO, errno, "cannot map %s", seg->path);
        else
            seg->map = map;
    }
    if (rc == 0) /* without it (out of memory) every CRC is checked each time */
        seg->crc_checked = calloc(seg->size / 256 + 1, sizeof *seg->crc_checked);
    if (rc == 0)
        rc = read_table_of_contents(seg, err);
    if (rc == 0)
        rc = parse_meta(seg, err);
    if (rc == 0)
        rc = check_fixed_sections(seg, err);
    /* bounded by the file: DOCLENGTHS holds at least a byte per document */
    if (rc == 0 && seg->meta.documents > 0)
        seg->metadata_starts = calloc((size_t)seg->meta.documents, sizeof *seg->metadata_starts);
    return rc;
}

int segment_open_at(int dir_fd, const char *dir, const char *name, segment **out,
                    cops_error *err)
{
    *out = NULL;
    segment *seg = NULL;
    int rc = segment_new(dir, name, &seg, err);
    if (rc != 0)
        return rc;
    int fd = -1;
    uint64_t size = 0;
    rc = file_open_regular_at(dir_fd, dir, name, &fd, &size, err);
    if (rc == 0)
        rc = segment_map(seg, fd, size, err);
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        segment_close(seg);
        return rc;
    }
    *out = seg;
    return 0;
}

int segment_open_descriptor(int fd, uint64_t size, const char *path, segment **out,
                            cops_error *err)
{
    *out = NULL;
    segment *seg = NULL;
    int rc = segment_new(NULL, path, &seg, err);
    if (rc == 0 && (rc = segment_map(seg, fd, size, err)) != 0)
        segment_close(seg);
    if (rc == 0)
        *out = seg;
    return rc;
}

void segment_close(segment *seg)
{
    if (!seg)
        return;
    for (uint32_t kind = 0; kind < SECTION_KIND_COUNT; kind++)
        free(seg->sections[kind].chunks_checked);
    if (seg->map)
        munmap((void *)seg->map, seg->size);
    free(seg->crc_checked);
    free((void *)seg->metadata_starts);
    libdeflate_free_decompressor(atomic_load(&seg->spare_inflater));
    free(seg->path);
    free(seg);
}

const segment_meta *segment_get_meta(const segment *seg) { return &seg->meta; }
uint32_t segment_documents(const segment *seg) { return (uint32_t)seg->meta.documents; }
const char *segment_path(const segment *seg) { return seg->path; }

/* Document `doc`'s value in the per-document table `t` (0 when damaged,
 * recorded).  A value of 1, 2 or 4 bytes in one chunk already checked
 * (most of them) is one bit test. */
static uint32_t table_value(segment *seg, enum layout_doc_table t, uint32_t doc)
{
    uint64_t width = seg->table_width[t];
    if (width == 0)
        return 0;
    uint32_t kind = layout_table_section(t);
    uint64_t offset = seg->table_start[t] + width * doc;
    if (!section_intact(seg, kind, offset, width))
        return 0;
    return layout_get_uint(seg->sections[kind].data + offset, (unsigned)width);
}

uint32_t segment_body_length(segment *seg, uint32_t doc)
{
    return table_value(seg, LAYOUT_TABLE_BODY_LENGTH, doc);
}

uint32_t segment_title_length(segment *seg, uint32_t doc)
{
    return table_value(seg, LAYOUT_TABLE_TITLE_LENGTH, doc);
}

uint32_t segment_date(segment *seg, uint32_t doc)
{
    return table_value(seg, LAYOUT_TABLE_DATE, doc);
}

int segment_is_reordered(const segment *seg)
{
    return seg->meta.documents != 0 && seg->table_width[LAYOUT_TABLE_INSERTION] != 0;
}

uint32_t segment_insertion_order(segment *seg, uint32_t doc)
{
    if (!segment_is_reordered(seg))
        return doc;
    return table_value(seg, LAYOUT_TABLE_INSERTION, doc);
}

void segment_sizes(const segment *seg, cops_index_stats *stats)
{
    stats->bytes_dictionary += seg->sections[SECTION_DICTIONARY].length
                               + seg->sections[SECTION_DICTINDEX].length;
    stats->bytes_postings += seg->sections[SECTION_POSTINGS].length;
    stats->bytes_documents += seg->sections[SECTION_DOCSTORE].length
                              + seg->sections[SECTION_DOCINDEX].length;
    stats->bytes_metadata += seg->sections[SECTION_DOCMETA].length
                             + seg->sections[SECTION_DOCMETAINDEX].length;
    uint64_t known = seg->sections[SECTION_DICTIONARY].length + seg->sections[SECTION_DICTINDEX].length
                     + seg->sections[SECTION_POSTINGS].length + seg->sections[SECTION_DOCSTORE].length
                     + seg->sections[SECTION_DOCINDEX].length + seg->sections[SECTION_DOCMETA].length
                     + seg->sections[SECTION_DOCMETAINDEX].length;
    stats->bytes_other += seg->size - known;
    stats->bytes_total += seg->size;
}

/* ------------------------------------------- verified blocks (cache) */

/* Whether data[0, length) has the CRC32 stored in the 4 bytes at `stored`
 * (inside the mapping).  A stored CRC that matched once is remembered for
 * as long as the segment is open by one bit for its position, so a
 * long-lived process pays each block's CRC once, and a block met again
 * costs one bit test, without a lock (two threads may both compute a CRC;
 * the result is the same).  Each CRC covers one fixed range in a segment
 * the writer made, so its position names that range.  Only a crafted file
 * could give one stored CRC two ranges, and a crafted file can carry right
 * CRCs anyway: what keeps such files harmless is that every decoder behind
 * a CRC is bounded by its range (fuzz-segment re-seals the CRCs to test
 * that).  The CRCs are there to turn accidental damage into an error, and
 * every range is still checked the first time it is read. */
static int crc_matches(segment *seg, const uint8_t *data, size_t length, const uint8_t *stored)
{
    if (!seg->crc_checked)
        return checksum(data, length) == layout_get_u32(stored);
    size_t word = (size_t)(stored - seg->map) / 4;
    _Atomic uint64_t *bits = &seg->crc_checked[word / 64];
    uint64_t bit = (uint64_t)1 << (word % 64);
    if (atomic_load_explicit(bits, memory_order_relaxed) & bit)
        return 1;
    if (checksum(data, length) != layout_get_u32(stored))
        return 0;
    atomic_fetch_or_explicit(bits, bit, memory_order_relaxed);
    return 1;
}

/* --------------------------------------------------------- documents */

/* A metadata record (a varint length, then that many bytes) at *p, inside
 * [*p, stop): 1 and *p moved past it, or 0 when it does not fit. */
static inline int metadata_field(const uint8_t **p, const uint8_t *stop, const uint8_t **field,
                                 size_t *field_length)
{
    const uint8_t *at = *p;
    uint64_t length;
    if (at < stop && *at < 0x80) { /* one byte: most records */
        length = *at++;
    } else {
        size_t used = codec_varint_decode(at, stop, &length);
        if (used == 0)
            return 0;
        at += used;
    }
    if (length > (uint64_t)(stop - at))
        return 0;
    *field = at;
    *field_length = (size_t)length;
    *p = at + length;
    return 1;
}

/* A metadata record's identifier and title (FORMAT.md 3.2a), its bytes
 * [record, end): the id's varint, 2 * its length (its bytes follow) or 2
 * * a number + 1 (spelled out into `digits`), then the title to the end.
 * 1, or 0 when the id does not fit. */
static int metadata_parts(const uint8_t *record, const uint8_t *end, char digits[20],
                          segment_metadata *out)
{
    uint64_t code;
    size_t used = codec_varint_decode(record, end, &code);
    if (used == 0)
        return 0;
    const uint8_t *at = record + used;
    if (code & 1) {
        out->id_length = layout_id_digits(code >> 1, digits);
        out->id = digits;
    } else {
        if (code / 2 > (uint64_t)(end - at))
            return 0;
        out->id = (const char *)at;
        out->id_length = (size_t)(code / 2);
        at += code / 2;
    }
    out->title = (const char *)at;
    out->title_length = (size_t)(end - at);
    return 1;
}

/* Where document `doc`'s metadata record starts, remembered by an earlier
 * read, or NULL.  The record must lie in this chunk's [first, stop). */
static const uint8_t *remembered_metadata(const segment *seg, uint32_t doc, const uint8_t *first,
                                          const uint8_t *stop)
{
    if (!seg->metadata_starts)
        return NULL;
    uint32_t start = atomic_load_explicit(&seg->metadata_starts[doc], memory_order_relaxed);
    if (start == 0) /* not known yet (and data - 1 is no pointer to form) */
        return NULL;
    const uint8_t *at = seg->sections[SECTION_DOCMETA].data + (start - 1);
    return at >= first && at < stop ? at : NULL;
}

static void remember_metadata(segment *seg, uint32_t doc, const uint8_t *at)
{
    uint64_t start = (uint64_t)(at - seg->sections[SECTION_DOCMETA].data) + 1;
    if (seg->metadata_starts && start <= UINT32_MAX)
        atomic_store_explicit(&seg->metadata_starts[doc], (uint32_t)start, memory_order_relaxed);
}

/* The record of document `doc` in DOCSTORE, which keeps insertion order
 * in a reordered segment (FORMAT.md 3.2): `doc` itself otherwise.  A damaged position (>= documents) is COPS_ECORRUPT. */
static int stored_record(segment *seg, uint32_t doc, uint32_t *record, cops_error *err)
{
    if (doc >= seg->meta.documents)
        return error_set(err, COPS_EINVAL, "%s: no document %u", seg->path, doc);
    *record = doc;
    if (!segment_is_reordered(seg))
        return 0;
    uint64_t width = seg->table_width[LAYOUT_TABLE_INSERTION];
    uint64_t at = seg->table_start[LAYOUT_TABLE_INSERTION] + width * doc;
    if (!section_intact(seg, SECTION_DOCDATES, at, width))
        return segment_damage(seg, err);
    *record = layout_get_uint(seg->sections[SECTION_DOCDATES].data + at, (unsigned)width);
    if (*record >= seg->meta.documents)
        return corrupt_at(seg, err, seg->sections[SECTION_DOCDATES].offset + at,
                          "insertion position out of range");
    return 0;
}

int segment_read_metadata(segment *seg, uint32_t doc, segment_metadata *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    if (doc >= seg->meta.documents)
        return error_set(err, COPS_EINVAL, "%s: no document %u", seg->path, doc);
    const section_view *meta = &seg->sections[SECTION_DOCMETA];
    const uint8_t *index = seg->sections[SECTION_DOCMETAINDEX].data;
    uint32_t chunk = doc / LAYOUT_DOCMETA_CHUNK_DOCUMENTS;
    int last = chunk + 1 == seg->meta_chunks;
    if (!section_intact(seg, SECTION_DOCMETAINDEX, 8 * (uint64_t)chunk, last ? 8 : 16))
        return segment_damage(seg, err);
    uint64_t start = layout_get_u64(index + 8 * (size_t)chunk);
    uint64_t end = last ? meta->length : layout_get_u64(index + 8 * (size_t)(chunk + 1));
    if (start > end || end > meta->length || end - start < 4)
        return corrupt_at(seg, err, seg->sections[SECTION_DOCMETAINDEX].offset + 8 * (uint64_t)chunk,
                          "metadata index entry out of range");
    const uint8_t *p = meta->data + start + 4, *stop = meta->data + end;
    if (!crc_matches(seg, p, (size_t)(stop - p), meta->data + start))
        return corrupt_at(seg, err, meta->offset + start, "document metadata checksum mismatch");
    /* a hit steps over half a chunk's documents on average, the first time:
     * each step is one metadata_field call made in line (a record is its
     * length, then its bytes), and every record stepped over is remembered */
    const uint8_t *record = NULL;
    size_t record_length = 0;
    uint32_t d = chunk * LAYOUT_DOCMETA_CHUNK_DOCUMENTS;
    const uint8_t *remembered = remembered_metadata(seg, doc, p, stop);
    if (remembered)
        p = remembered, d = doc;
    for (; d <= doc; d++) {
        if (!remembered)
            remember_metadata(seg, d, p);
        if (!metadata_field(&p, stop, &record, &record_length))
            return corrupt_at(seg, err, meta->offset + start, "document metadata out of range");
    }
    if (!metadata_parts(record, record + record_length, out->id_digits, out))
        return corrupt_at(seg, err, meta->offset + start, "document identifier out of range");
    return 0;
}

int segment_read_document(segment *seg, uint32_t doc, segment_document *out, cops_error *err)
{
    return segment_read_document_prefix(seg, doc, SIZE_MAX, out, err);
}

/* Inflate the ds-block `z` until `raw` holds `wanted` bytes (or the stream
 * ends).  *produced (IN/OUT) counts the bytes in `raw`.  Returns 1 when the
 * stream ended, 0 when it goes on, -1 on damage. */
#define INFLATE_NO_MEMORY (-2) /* zlib could not allocate its window: not damage */

static int inflate_until(z_stream *z, uint8_t *raw, size_t wanted, size_t *produced)
{
    while (*produced < wanted) {
        z->next_out = raw + *produced;
        size_t room = wanted - *produced;
        z->avail_out = room < (1u << 30) ? (uInt)room : (1u << 30);
        int status = inflate(z, Z_NO_FLUSH);
        *produced = (size_t)(z->next_out - raw);
        if (status == Z_STREAM_END)
            return 1;
        if (status != Z_OK)
            return status == Z_MEM_ERROR ? INFLATE_NO_MEMORY : -1;
    }
    /* Whether the stream ends here (its check value is only read then). */
    z->next_out = raw + *produced;
    z->avail_out = 0;
    int status = inflate(z, Z_NO_FLUSH);
    return status == Z_STREAM_END                      ? 1
           : status == Z_OK || status == Z_BUF_ERROR ? 0
           : status == Z_MEM_ERROR                   ? INFLATE_NO_MEMORY
                                                     : -1;
}

/* Blocks of at most this many raw bytes (the writer's blocks but those
 * ending with a big document) are inflated whole by libdeflate: a hit's
 * snippet on wiki-dev inflated about 60 % of its ~18 KiB block through
 * zlib's stream for 255,000 instructions; the whole block in one call
 * costs ~4x fewer and needs no window. */
#define STORE_WHOLE_BLOCK_BYTES (64u << 10) /* 4x the blocks of writers before 2026-12-03 */

/* Whether a read of `max_text` bytes of `doc`'s text, in the block of
 * DOCINDEX `entry` holding `raw_length` bytes, inflates the block whole
 * (segment.h).  The prefix of a block's first document is streamed when
 * shorter than half the block: on wiki-dev the top hits are mostly long
 * articles alone in their blocks (12-46 KiB), whose snippet reads 4 KiB,
 * and zlib's stream costs under twice libdeflate's instructions a byte
 * (a fresh 'port magic' inflated 214 KiB whole for 2.9 M instructions). */
static int inflates_whole(uint32_t doc, const uint8_t *entry, uint32_t raw_length,
                          size_t max_text)
{
    if (max_text == SIZE_MAX)
        return 1;
    if (raw_length > STORE_WHOLE_BLOCK_BYTES)
        return 0;
    return layout_get_u32(entry + 8) != doc || max_text >= raw_length / 2;
}

/* Inflate the zlib stream `compressed` (`compressed_length` bytes) into
 * `raw`, which it must fill exactly (its Adler-32 checked).  0,
 * COPS_ENOMEM, or COPS_ECORRUPT with `err` left for the caller to set. */
static int inflate_whole_block(segment *seg, const uint8_t *compressed, size_t compressed_length,
                               uint8_t *raw, size_t raw_length, cops_error *err)
{
    struct libdeflate_decompressor *inflater = atomic_exchange(&seg->spare_inflater, NULL);
    if (!inflater && !(inflater = libdeflate_alloc_decompressor()))
        return error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
    enum libdeflate_result result = libdeflate_zlib_decompress(inflater, compressed,
                                                               compressed_length, raw,
                                                               raw_length, NULL);
    /* one left by another thread meanwhile is freed: one is kept */
    libdeflate_free_decompressor(atomic_exchange(&seg->spare_inflater, inflater));
    return result == LIBDEFLATE_SUCCESS ? 0 : COPS_ECORRUPT;
}

/* Whether the `length` bytes at `stream` begin with a zlib header (RFC
 * 1950) of deflate data without a preset dictionary. */
static int zlib_header_ok(const uint8_t *stream, size_t length)
{
    return length >= 2 && (stream[0] & 0x0f) == 8 && (stream[0] >> 4) <= 7
           && ((unsigned)stream[0] << 8 | stream[1]) % 31 == 0 && !(stream[1] & 0x20);
}

/* The error for a stored block inflate_until could not take further. */
static int inflate_failed(segment *seg, cops_error *err, int status, uint64_t at)
{
    return status == INFLATE_NO_MEMORY
               ? error_set(err, COPS_ENOMEM, "out of memory reading a stored document")
               : corrupt_at(seg, err, at, "stored-document block does not inflate");
}

/* *entry: the DOCINDEX entry of the stored-document block holding `doc`
 * (the last block whose first document is <= doc), checked to hold it
 * and to point inside DOCSTORE. */
static int find_document_block(segment *seg, uint32_t doc, const uint8_t **entry,
                               cops_error *err)
{
    const section_view *docindex = &seg->sections[SECTION_DOCINDEX];
    const uint8_t *index = docindex->data;
    uint32_t low = 0, high = seg->doc_blocks;
    while (high - low > 1) {
        uint32_t mid = low + (high - low) / 2;
        uint64_t at = (uint64_t)mid * LAYOUT_DOCINDEX_ENTRY_BYTES + 8;
        if (!section_intact(seg, SECTION_DOCINDEX, at, 4))
            return segment_damage(seg, err);
        if (layout_get_u32(index + at) <= doc)
            low = mid;
        else
            high = mid;
    }
    if (!section_intact(seg, SECTION_DOCINDEX, (uint64_t)low * LAYOUT_DOCINDEX_ENTRY_BYTES,
                        LAYOUT_DOCINDEX_ENTRY_BYTES))
        return segment_damage(seg, err);
    *entry = index + (size_t)low * LAYOUT_DOCINDEX_ENTRY_BYTES;
    uint64_t offset = layout_get_u64(*entry);
    uint64_t first_doc = layout_get_u32(*entry + 8), count = layout_get_u32(*entry + 12);
    if (first_doc > doc || doc - first_doc >= count
        || offset > seg->sections[SECTION_DOCSTORE].length)
        return corrupt_at(seg, err, docindex->offset + (uint64_t)(*entry - index),
                          "document index entry out of range");
    return 0;
}

/* A streamed read's inflation, kept with its segment_document while its
 * text was cut, so that segment_document_extend goes on from there
 * rather than inflating the block's start again (a snippet that found
 * nothing in a long article's first 4 KiB inflated them twice, its first
 * 32 KiB three times).  The z_stream stays where inflateInit2 set it
 * up: zlib refuses a moved one. */
struct segment_text_stream {
    z_stream z;
    size_t produced;         /* bytes of the block inflated into text_storage_ */
    size_t capacity;         /* text_storage_ holds capacity + 1 bytes */
    size_t text_at;          /* where the document's text starts there */
    uint64_t text_length;    /* of the whole text */
    uint32_t raw_length;     /* of the whole block */
    uint64_t block_at;       /* the block's offset in the file, for errors */
    uint8_t held;            /* the inflated byte under the text's NUL, if any */
};

int segment_read_document_prefix(segment *seg, uint32_t doc, size_t max_text,
                                 segment_document *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    uint32_t asked = doc; /* the metadata's number; the text's is its record */
    int found = stored_record(seg, doc, &doc, err);
    if (found != 0)
        return found;
    const uint8_t *entry = NULL;
    found = find_document_block(seg, doc, &entry, err);
    if (found != 0)
        return found;
    const section_view *store = &seg->sections[SECTION_DOCSTORE];
    uint64_t offset = layout_get_u64(entry);
    const uint8_t *block = store->data + offset;
    if (store->length - offset < 12)
        return corrupt_at(seg, err, store->offset + offset, "stored-document block header truncated");
    uint32_t compressed = layout_get_u32(block), raw_length = layout_get_u32(block + 4);
    /* Deflate expands at most 1032:1, so a damaged header cannot make the
     * reader allocate gigabytes for a few compressed bytes. */
    if (compressed > store->length - offset - 12 || raw_length > (1u << 31)
        || raw_length > (uint64_t)compressed * 1032 + 64)
        return corrupt_at(seg, err, store->offset + offset, "stored-document block out of range");
    if (checksum(block + 12, compressed) != layout_get_u32(block + 8))
        return corrupt_at(seg, err, store->offset + offset, "stored-document block checksum mismatch");
    /* A whole read, or a block of ordinary size, is inflated in one call
     * (inflate_whole_block).  A bigger block is streamed, and only what is
     * needed is inflated: the records before the document (under 16 KiB
     * unless the writer put a big one first) and at most `max_text` bytes
     * of its text, so a snippet of a 1 GB document costs a small buffer,
     * not a copy of the document. */
    int whole = inflates_whole(doc, entry, raw_length, max_text);
    struct segment_text_stream *stream = NULL;
    z_stream *z = NULL;
    if (!whole) {
        /* The deflate data after the zlib header, inflated raw: the
         * block's CRC (checked above) covers every byte, so the Adler-32
         * zlib would keep of each byte inflated (an eighth of streaming
         * a hit's 4 KiB) checks nothing more. */
        if (!zlib_header_ok(block + 12, compressed))
            return corrupt_at(seg, err, store->offset + offset,
                              "stored-document block does not inflate");
        if (!(stream = calloc(1, sizeof *stream)))
            return error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
        z = &stream->z;
        z->next_in = (Bytef *)(uintptr_t)(block + 14);
        z->avail_in = compressed - 2;
        if (inflateInit2(z, -15) != Z_OK) {
            free(stream);
            return error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
        }
    }
    size_t capacity = whole || raw_length < (1u << 16) ? raw_length : (1u << 16);
    uint8_t *raw = malloc(capacity + 1);
    size_t produced = 0, at = 0;
    const uint8_t *text = NULL;
    uint64_t text_length = 0;
    int rc = raw ? 0 : error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
    if (rc == 0 && whole) {
        rc = inflate_whole_block(seg, block + 12, compressed, raw, raw_length, err);
        if (rc == COPS_ECORRUPT)
            rc = corrupt_at(seg, err, store->offset + offset, "stored-document block does not inflate");
        produced = raw_length;
    }
    for (uint32_t d = layout_get_u32(entry + 8); rc == 0 && d <= doc;) {
        /* the next record's header, then (for `doc`) its text's prefix */
        size_t used = codec_varint_decode(raw + at, raw + produced, &text_length);
        uint64_t needed = used == 0 ? 10
                          : d < doc || text_length < max_text ? text_length : max_text;
        size_t wanted = needed > raw_length - at - used ? raw_length : at + used + (size_t)needed;
        if (used == 0 || wanted > produced) {
            if (wanted <= produced) { /* the block ends inside the record */
                rc = corrupt_at(seg, err, store->offset + offset,
                                "stored-document record out of range");
                break;
            }
            if (wanted > capacity) {
                size_t grown_capacity = capacity * 2 > wanted ? capacity * 2 : wanted;
                if (grown_capacity > raw_length)
                    grown_capacity = raw_length;
                uint8_t *grown = realloc(raw, grown_capacity + 1);
                if (!grown) {
                    rc = error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
                    break;
                }
                raw = grown;
                capacity = grown_capacity;
            }
            size_t before = produced;
            int status = inflate_until(z, raw, wanted, &produced);
            if (status < 0 || produced == before)
                rc = inflate_failed(seg, err, status, store->offset + offset);
            continue; /* decode the header again with more bytes */
        }
        if (text_length > raw_length - at - used) {
            rc = corrupt_at(seg, err, store->offset + offset, "stored-document record out of range");
            break;
        }
        text = raw + at + used;
        at += used + (size_t)text_length;
        d++;
    }
    size_t kept = text_length < max_text ? (size_t)text_length : max_text;
    segment_metadata meta;
    if (rc == 0)
        rc = segment_read_metadata(seg, asked, &meta, err);
    char *storage = rc == 0 ? malloc(meta.id_length + meta.title_length + 2) : NULL;
    if (!storage) {
        free(raw);
        if (stream) {
            inflateEnd(z);
            free(stream);
        }
        return rc ? rc : error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
    }
    if (stream && kept == text_length) {
        inflateEnd(z); /* the whole text is there: nothing to go on with */
        free(stream);
        stream = NULL;
    }
    const void *sources[2] = {meta.id, meta.title};
    size_t lengths[2] = {meta.id_length, meta.title_length};
    const char **targets[2] = {&out->id, &out->title};
    char *cursor = storage;
    for (int f = 0; f < 2; f++) {
        memcpy(cursor, sources[f], lengths[f]);
        cursor[lengths[f]] = '\0';
        *targets[f] = cursor;
        cursor += lengths[f] + 1;
    }
    /* The text stays where it was inflated, ended in place (the records
     * after it are not needed any more, and `raw` has a byte beyond what
     * was inflated): a hit's snippet copied up to its whole block, the
     * memory and the page faults twice. */
    size_t text_at = (size_t)(text - raw);
    /* what lies past the text (or past what a kept stream inflated) goes
     * back, in place, for the next read */
    size_t keep = stream && produced > text_at + kept ? produced : text_at + kept;
    if (keep < capacity) {
        uint8_t *shrunk = realloc(raw, keep + 1);
        if (shrunk) {
            raw = shrunk;
            capacity = keep;
        }
    }
    if (stream) {
        stream->produced = produced;
        stream->capacity = capacity;
        stream->text_at = text_at;
        stream->text_length = text_length;
        stream->raw_length = raw_length;
        stream->block_at = store->offset + offset;
        stream->held = produced > text_at + kept ? raw[text_at + kept] : 0;
    }
    raw[text_at + kept] = '\0';
    out->text = (const char *)raw + text_at;
    out->text_length = kept;
    out->stored_length = (size_t)text_length;
    out->storage_ = storage;
    out->text_storage_ = raw;
    out->stream_ = stream;
    return 0;
}

int segment_document_extend(segment *seg, uint32_t doc, size_t max_text,
                            segment_document *document, cops_error *err)
{
    struct segment_text_stream *stream = document->stream_;
    /* A block a fresh read would inflate whole (inflates_whole) is read
     * again: libdeflate's one call costs about half of zlib's stream a
     * byte, so going on streaming the rest of a 20 KiB block cost more
     * than inflating it all again. */
    if (!stream || (stream->raw_length <= STORE_WHOLE_BLOCK_BYTES
                    && max_text >= stream->raw_length / 2)) {
        if (document->text_length >= max_text || document->text_length == document->stored_length)
            return 0;
        segment_document longer;
        int rc = segment_read_document_prefix(seg, doc, max_text, &longer, err);
        if (rc != 0)
            return rc;
        segment_document_free(document);
        *document = longer;
        return 0;
    }
    size_t needed = stream->text_length < max_text ? (size_t)stream->text_length : max_text;
    if (needed <= document->text_length)
        return 0;
    uint8_t *raw = document->text_storage_;
    size_t end = stream->text_at + document->text_length; /* the NUL */
    if (stream->produced > end)
        raw[end] = stream->held;
    size_t wanted = stream->text_at + needed;
    int rc = 0;
    if (wanted > stream->capacity) {
        size_t grown_capacity = stream->capacity * 2 > wanted ? stream->capacity * 2 : wanted;
        if (grown_capacity > stream->raw_length)
            grown_capacity = stream->raw_length;
        uint8_t *grown = realloc(raw, grown_capacity + 1);
        if (grown) {
            document->text_storage_ = raw = grown;
            stream->capacity = grown_capacity;
        } else {
            rc = error_set(err, COPS_ENOMEM, "out of memory reading a stored document");
        }
    }
    if (rc == 0 && wanted > stream->produced) {
        size_t before = stream->produced;
        int status = inflate_until(&stream->z, raw, wanted, &stream->produced);
        if (status < 0 || stream->produced < wanted)
            rc = status < 0 || stream->produced == before
                     ? inflate_failed(seg, err, status, stream->block_at)
                     : corrupt_at(seg, err, stream->block_at, "stored-document record out of range");
    }
    if (rc == 0) {
        document->text_length = needed;
        end = wanted;
    }
    /* the text (longer, or as it was after an error) ended again */
    stream->held = stream->produced > end ? raw[end] : 0;
    raw[end] = '\0';
    document->text = (const char *)raw + stream->text_at;
    if (rc == 0 && needed == stream->text_length) {
        inflateEnd(&stream->z);
        free(stream);
        document->stream_ = NULL;
    }
    return rc;
}

int segment_document_inflated_whole(segment *seg, uint32_t doc, size_t max_text)
{
    const uint8_t *entry = NULL;
    if (doc >= seg->meta.documents || stored_record(seg, doc, &doc, NULL) != 0
        || find_document_block(seg, doc, &entry, NULL) != 0)
        return 0;
    const section_view *store = &seg->sections[SECTION_DOCSTORE];
    uint64_t offset = layout_get_u64(entry);
    return store->length - offset >= 12
           && inflates_whole(doc, entry, layout_get_u32(store->data + offset + 4), max_text);
}

void segment_document_free(segment_document *document)
{
    if (document) {
        free(document->storage_);
        free(document->text_storage_);
        if (document->stream_) {
            inflateEnd(&document->stream_->z);
            free(document->stream_);
        }
        memset(document, 0, sizeof *document);
    }
}

/* -------------------------------------------------------- dictionary */

/* Keys are a few bytes and mostly differ in their first: a loop in line
 * costs less than a call to memcmp (a look-up compares ~17 keys). */
static inline int compare_keys(const uint8_t *a, size_t a_length, const uint8_t *b,
                               size_t b_length)
{
    size_t common = a_length < b_length ? a_length : b_length;
    for (size_t i = 0; i < common; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return (a_length > b_length) - (a_length < b_length);
}

/* Walks the entries of one dictionary block, reconstructing each key. */
typedef struct dict_walk {
    segment *seg;
    uint32_t block;
    int first_entry;
    const uint8_t *p, *end;
    const uint8_t *block_start;
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    size_t common;              /* bytes the key shares with the previous one */
    const uint8_t *first_key;   /* the block's first key, from DICTINDEX */
    size_t first_key_length;
    segment_term term;
} dict_walk;

/* DICTINDEX entry `block` (FORMAT.md 3.5) and its first key, checked
 * (chunk CRCs, key inside first_keys): the entry, or NULL on damage.  A
 * key's length and a block's are where the next entry's start (the last
 * ones: where first_keys and DICTIONARY end), so the next entry is checked
 * and read too.
 * In line: a look-up's binary search asks ~15 of them, and the call's
 * saved registers were half of each one's ~85 instructions. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline const uint8_t *dict_index_entry(segment *seg, uint32_t block, const uint8_t **key,
                                       size_t *key_length, cops_error *err)
{
    uint64_t at = 4 + (uint64_t)block * LAYOUT_DICTINDEX_ENTRY_BYTES;
    const uint8_t *e = seg->dict_index + (size_t)block * LAYOUT_DICTINDEX_ENTRY_BYTES;
    int last = block + 1 >= seg->dict_blocks;
    if (!section_intact(seg, SECTION_DICTINDEX, at,
                        (last ? 1 : 2) * (uint64_t)LAYOUT_DICTINDEX_ENTRY_BYTES)) {
        segment_damage(seg, err);
        return NULL;
    }
    uint64_t key_offset = layout_get_u32(e + LAYOUT_DICTINDEX_KEY_OFFSET);
    uint64_t key_end = last ? seg->dict_keys_length
                            : layout_get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES + LAYOUT_DICTINDEX_KEY_OFFSET);
    uint64_t length = key_end - key_offset;
    uint64_t keys_at = 4 + (uint64_t)seg->dict_blocks * LAYOUT_DICTINDEX_ENTRY_BYTES;
    if (key_end <= key_offset || key_end > seg->dict_keys_length
        || length > SEGMENT_MAX_KEY_BYTES) {
        corrupt_at(seg, err, seg->sections[SECTION_DICTINDEX].offset + at,
                   "dictionary index entry out of range");
        return NULL;
    }
    if (!section_intact(seg, SECTION_DICTINDEX, keys_at + key_offset, length)) {
        segment_damage(seg, err);
        return NULL;
    }
    *key = seg->dict_keys + key_offset;
    *key_length = (size_t)length;
    return e;
}

static int dict_walk_begin(dict_walk *walk, segment *seg, uint32_t block, cops_error *err)
{
    const uint8_t *e = dict_index_entry(seg, block, &walk->first_key, &walk->first_key_length, err);
    if (!e)
        return COPS_ECORRUPT;
    const section_view *dict = &seg->sections[SECTION_DICTIONARY];
    uint64_t offset = layout_get_u32(e);
    uint64_t end = block + 1 < seg->dict_blocks ? layout_get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES)
                                                : dict->length; /* dict_index_entry checked it */
    uint64_t length = end - offset;
    if (end < offset || end > dict->length || length < 4 || length > UINT32_MAX)
        return corrupt_at(seg, err, seg->sections[SECTION_DICTINDEX].offset + 4
                                        + (uint64_t)block * LAYOUT_DICTINDEX_ENTRY_BYTES,
                          "dictionary index entry out of range");
    const uint8_t *data = dict->data + offset;
    if (!crc_matches(seg, data, length - 4, data + length - 4))
        return corrupt_at(seg, err, dict->offset + offset, "dictionary block checksum mismatch");
    walk->seg = seg;
    walk->block = block;
    walk->first_entry = 1;
    walk->p = data;
    walk->end = data + length - 4;
    walk->block_start = data;
    walk->key_length = 0;
    return 0;
}

/* Decode the next entry: 1 = an entry, 0 = end of block, <0 = damage. */
static int dict_walk_next(dict_walk *walk, cops_error *err)
{
    if (walk->p == walk->end)
        return 0;
    const uint8_t *p = walk->p, *end = walk->end;
    uint64_t common, suffix, df, cf, extra;
    size_t used;
    /* one-byte varints (most of a dictionary entry's) decoded in line */
#define TAKE_VARINT(var) \
    if (p < end && *p < 0x80) \
        used = 1, (var) = *p; \
    else if ((used = codec_varint_decode(p, end, &(var))) == 0) \
        goto damaged; \
    p += used;
    if (walk->first_entry) {
        /* A block's first key is not in the block: DICTINDEX holds it
         * (checked there: 1 to 255 bytes). */
        walk->first_entry = 0;
        walk->common = 0;
        memcpy(walk->key, walk->first_key, walk->first_key_length);
        walk->key_length = walk->first_key_length;
    } else {
        /* the key head (FORMAT.md 3.4): two nibbles, 15 = a varint adds to it */
        if (p == end)
            goto damaged;
        common = *p >> 4;
        suffix = *p & 15;
        p++;
        if (common == 15) {
            TAKE_VARINT(extra);
            if (extra > SEGMENT_MAX_KEY_BYTES)
                goto damaged;
            common += extra;
        }
        if (suffix == 15) {
            TAKE_VARINT(extra);
            if (extra > SEGMENT_MAX_KEY_BYTES)
                goto damaged;
            suffix += extra;
        }
        if (common > walk->key_length || suffix > SEGMENT_MAX_KEY_BYTES - common
            || suffix > (uint64_t)(end - p))
            goto damaged;
        /* Keys strictly increase: past the shared prefix the new key has a
         * greater byte, or it extends the previous key. */
        int increases = common < walk->key_length ? suffix > 0 && p[0] > walk->key[common]
                                                  : suffix > 0;
        if (!increases)
            goto damaged;
        walk->common = (size_t)common;
        /* suffixes are a few bytes: a loop costs less than a call to memcpy */
        for (uint8_t *to = walk->key + common, *stop = to + suffix; to < stop;)
            *to++ = *p++;
        walk->key_length = common + suffix;
    }
    /* the counts: 2 (df - 1) + (cf > df), then cf - df - 1 when cf > df */
    TAKE_VARINT(df);
    int more = (int)(df & 1);
    df = (df >> 1) + 1;
    cf = df;
    if (more) {
        TAKE_VARINT(extra);
        if (extra > UINT64_MAX - df - 1)
            goto damaged;
        cf = df + 1 + extra;
    }
    if (df == 0 || df > walk->seg->meta.documents || cf < df)
        goto damaged;
    segment_term *term = &walk->term;
    *term = (segment_term){.df = (uint32_t)df, .cf = cf};
    if (df <= SEGMENT_INLINE_MAX_DF) {
        /* the ids' size: a short list's from df and the segment's width
         * (which may make it 0), a longer one's from its block's head */
        size_t gaps;
        if (segment_inline_fixed(df)) {
            gaps = codec_packed_bytes(walk->seg->doc_width, (size_t)df);
            if (gaps > (size_t)(end - p))
                goto damaged;
        } else if ((gaps = codec_block_size(p, end, (size_t)df)) == 0) {
            goto damaged;
        }
        size_t tfs = 0;
        if (segment_inline_has_tfs(df, cf) && (tfs = codec_block_size(p + gaps, end, (size_t)df)) == 0)
            goto damaged;
        term->docs = p;
        term->docs_length = gaps + tfs;
        p += gaps + tfs;
        /* the positions' length follows from their heads: cf values */
        size_t length = codec_stream_size(p, end, cf);
        if (length == 0)
            goto damaged;
        term->positions = p;
        term->positions_length = length;
        p += length;
    } else {
        uint64_t offset, length, max_tf, min_length;
        TAKE_VARINT(offset);
        TAKE_VARINT(length);
        TAKE_VARINT(max_tf);
        TAKE_VARINT(min_length);
        const section_view *postings = &walk->seg->sections[SECTION_POSTINGS];
        if (offset > postings->length || length > postings->length - offset || max_tf == 0
            || max_tf > UINT32_MAX || min_length > UINT32_MAX)
            goto damaged;
        term->external = 1;
        term->docs = postings->data + offset;
        term->docs_length = (size_t)length;
        term->max_tf = (uint32_t)max_tf;
        term->min_length = (uint32_t)min_length;
    }
#undef TAKE_VARINT
    walk->p = p;
    return 1;
damaged:
    return corrupt_at(walk->seg, err,
                      walk->seg->sections[SECTION_DICTIONARY].offset
                          + (uint64_t)(walk->p - walk->seg->sections[SECTION_DICTIONARY].data),
                      "dictionary entry out of range");
}

/* The last block whose first key is <= key (0 when key precedes all)
 * into *block: 0, or COPS_ECORRUPT. */
static int find_dict_block(segment *seg, const uint8_t *key, size_t key_length, uint32_t *block,
                           cops_error *err)
{
    uint32_t low = 0, high = seg->dict_blocks;
    while (high - low > 1) {
        uint32_t mid = low + (high - low) / 2;
        const uint8_t *first;
        size_t first_length;
        if (!dict_index_entry(seg, mid, &first, &first_length, err))
            return COPS_ECORRUPT;
        if (compare_keys(first, first_length, key, key_length) <= 0)
            low = mid;
        else
            high = mid;
    }
    *block = low;
    return 0;
}

int segment_lookup(segment *seg, const uint8_t *key, size_t key_length, segment_term *term,
                   cops_error *err)
{
    if (seg->dict_blocks == 0 || key_length == 0 || key_length > SEGMENT_MAX_KEY_BYTES)
        return 0;
    dict_walk walk;
    uint32_t block;
    int rc = find_dict_block(seg, key, key_length, &block, err);
    if (rc == 0)
        rc = dict_walk_begin(&walk, seg, block, err);
    /* Keys increase and share prefixes (front coding), so the bytes of the
     * sought key matched so far carry over from entry to entry: a key that
     * keeps fewer of the previous key's bytes than matched is past it, one
     * that keeps more is still before it, and only the rest is compared. */
    size_t matched = 0;
    while (rc == 0 && (rc = dict_walk_next(&walk, err)) == 1) {
        rc = 0;
        if (walk.common < matched)
            return 0;
        if (walk.common > matched)
            continue;
        while (matched < walk.key_length && matched < key_length && walk.key[matched] == key[matched])
            matched++;
        if (matched == key_length && matched == walk.key_length) {
            *term = walk.term;
            return 1;
        }
        if (matched == key_length || (matched < walk.key_length && walk.key[matched] > key[matched]))
            return 0; /* the sought key is a prefix of this one, or smaller */
    }
    return rc;
}

int segment_scan_prefix(segment *seg, const uint8_t *prefix, size_t prefix_length,
                        int (*visit)(void *context, const uint8_t *key, size_t key_length,
                                     const segment_term *term),
                        void *context, cops_error *err)
{
    if (seg->dict_blocks == 0)
        return 0;
    uint32_t first_block;
    int found = find_dict_block(seg, prefix, prefix_length, &first_block, err);
    if (found != 0)
        return found;
    for (uint32_t block = first_block; block < seg->dict_blocks; block++) {
        dict_walk walk;
        int rc = dict_walk_begin(&walk, seg, block, err);
        if (rc != 0)
            return rc;
        while ((rc = dict_walk_next(&walk, err)) == 1) {
            int order = compare_keys(walk.key, walk.key_length < prefix_length ? walk.key_length
                                                                                : prefix_length,
                                     prefix, prefix_length);
            if (order > 0 || (order == 0 && walk.key_length < prefix_length
                              && compare_keys(walk.key, walk.key_length, prefix, prefix_length) > 0))
                return 0;
            if (order == 0 && walk.key_length >= prefix_length) {
                int stop = visit(context, walk.key, walk.key_length, &walk.term);
                if (stop)
                    return stop;
            }
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int segment_scan_surface(segment *seg, const uint8_t *prefix, size_t prefix_length,
                         int (*visit)(void *context, const surface_pair *pair), void *context,
                         int *present, cops_error *err)
{
    const section_view *v = &seg->sections[SECTION_SURFACE];
    *present = v->present && v->length > 0;
    if (!*present)
        return 0;
    surface_section section = {v->data, v->length, seg->path, v->offset};
    return surface_scan(&section, prefix, prefix_length, visit, context, err);
}

/* ---------------------------------------------------- postings cursor */

static void cursor_fail(postings_cursor *c, const uint8_t *where, const char *what)
{
    note_damage(c->seg, where, what);
    c->status = COPS_ECORRUPT;
    c->doc = POSTINGS_END;
    c->block_length = 0;
}

void postings_mark_damaged(postings_cursor *c, const char *what)
{
    const uint8_t *where = c->term.external ? c->blocks : c->term.docs;
    cursor_fail(c, where ? where : c->seg->map, what);
}

/* Decode the document numbers of a docs-block of `count` postings
 * (FORMAT.md 3.3) at p into the cursor's docs; returns their size, or 0
 * when they do not decode inside [p, end) or leave the segment. */
static size_t decode_doc_numbers(postings_cursor *c, const uint8_t *p, const uint8_t *end,
                                 uint32_t count, uint32_t previous_doc)
{
    size_t used = codec_gaps_block_decode(p, end, count, previous_doc, c->docs);
    if (used == 0)
        return 0;
    /* The numbers increase, so only the last needs checking against the
     * segment. */
    return count == 0 || c->docs[count - 1] < c->seg->meta.documents ? used : 0;
}

/* Decode the frequencies of a docs-block (the part after its document
 * numbers) at p into the cursor's tfs; returns their size, or 0. */
static size_t decode_frequencies(postings_cursor *c, const uint8_t *p, const uint8_t *end,
                                 uint32_t count)
{
    c->tfs[count] = 0; /* postings_tf once the cursor has passed the block's end */
    return codec_tfs_block_decode(p, end, count, c->tfs);
}

/* The frequencies of an inline list that has no block of them
 * (segment_inline_has_tfs): all 1, or its one posting's cf.  Returns the
 * bytes read, 0, or SIZE_MAX when cf does not fit a tf. */
static size_t implied_frequencies(postings_cursor *c, uint32_t count, uint64_t cf)
{
    uint64_t tf = count == 1 ? cf : 1;
    if (tf > UINT32_MAX)
        return SIZE_MAX;
    for (uint32_t i = 0; i < count; i++)
        c->tfs[i] = (uint32_t)tf;
    c->tfs[count] = 0; /* as decode_frequencies */
    return 0;
}

static inline const uint8_t *skip_entry(const postings_cursor *c, uint32_t block)
{
    return c->skip + (size_t)block * layout_skip_stride(&c->skip_layout);
}

/* Field `field` of block `block`'s skip entry.  In line (as each caller
 * names a constant field, its width is one load and shift): out of line,
 * a count of a common word over the deleted documents' probes took 4 %
 * more instructions than with the fixed entries of 2026120601. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline uint32_t skip_field(const postings_cursor *c, uint32_t block,
                                  enum layout_skip_field field)
{
    return layout_skip_get(&c->skip_layout, skip_entry(c, block), field);
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline uint32_t skip_last_doc(const postings_cursor *c, uint32_t block)
{
    return skip_field(c, block, LAYOUT_SKIP_LAST_DOC);
}

/* The skip entries' last docs, as a search over them reads them: the
 * stride and width in locals (registers), not reloaded from the cursor at
 * each probe. */
typedef struct {
    const uint8_t *entries;
    size_t stride;
    uint32_t mask;
} last_docs;

static inline last_docs skip_last_docs(const postings_cursor *c)
{
    last_docs d = {c->skip, layout_skip_stride(&c->skip_layout),
                   c->skip_layout.mask[LAYOUT_SKIP_LAST_DOC]};
    return d;
}

static inline uint32_t last_doc_of(const last_docs *d, uint32_t block)
{
    return layout_get_u32(d->entries + block * d->stride) & d->mask;
}

/* Where block `block` of an external list ends in `blocks` (its skip
 * entry and the next one's must have been checked in range). */
static uint32_t block_data_end(const postings_cursor *c, uint32_t block)
{
    return block + 1 < c->block_count ? skip_field(c, block + 1, LAYOUT_SKIP_BLOCK_OFFSET)
                                      : (uint32_t)c->blocks_length;
}

/* The block's positions stream is not read yet: its first chunk is next. */
static void start_block_positions(postings_cursor *c)
{
    c->block_values = UINT64_MAX;
    c->chunk_at = c->block_positions_start;
    c->chunk_first = 0;
    c->values_first = 0;
    c->values_count = 0;
}

/* Decode block `block` of an external list and sit on its first posting. */
static void load_block(postings_cursor *c, uint32_t block)
{
    /* the entry's fields and the next one's read before any call, so the
     * layout is loaded once */
    const layout_skip *layout = &c->skip_layout;
    const uint8_t *entry = skip_entry(c, block);
    int last = block + 1 == c->block_count;
    uint32_t start = layout_skip_get(layout, entry, LAYOUT_SKIP_BLOCK_OFFSET);
    uint32_t end = last ? (uint32_t)c->blocks_length
                        : layout_skip_get(layout, entry + layout_skip_stride(layout),
                                          LAYOUT_SKIP_BLOCK_OFFSET);
    size_t position_start = layout_skip_get(layout, entry, LAYOUT_SKIP_POSITIONS_OFFSET);
    size_t position_end = last ? c->positions_length
                               : layout_skip_get(layout, entry + layout_skip_stride(layout),
                                                 LAYOUT_SKIP_POSITIONS_OFFSET);
    uint32_t last_doc = layout_skip_get(layout, entry, LAYOUT_SKIP_LAST_DOC);
    uint32_t previous_doc = block == 0 ? UINT32_MAX : skip_last_doc(c, block - 1);
    const uint8_t *block_crc = entry + layout_skip_at(layout, LAYOUT_SKIP_BLOCK_CRC);
    if (start > end || end > c->blocks_length) {
        cursor_fail(c, entry, "postings skip entry out of range");
        return;
    }
    const uint8_t *data = c->blocks + start;
    if (!crc_matches(c->seg, data, end - start, block_crc)) {
        cursor_fail(c, data, "postings block checksum mismatch");
        return;
    }
    uint32_t count = last ? c->term.df - block * SEGMENT_BLOCK_SIZE : SEGMENT_BLOCK_SIZE;
    /* Frequencies are decoded when first asked for (postings_tf), and
     * only sized here: a count never asks, and a conjunction's common
     * word, probed at its rarer partners' candidates, asks in few of the
     * blocks it loads (callgrind, wiki-dev's AND queries, top 10: decoding
     * every block's frequencies with its numbers was an eighth of the
     * instructions; sizing costs a few dozen). */
    size_t doc_bytes = decode_doc_numbers(c, data, c->blocks + end, count, previous_doc);
    size_t tf_bytes = 0;
    if (doc_bytes)
        tf_bytes = codec_block_size(data + doc_bytes, c->blocks + end, count);
    if (tf_bytes == 0) {
        cursor_fail(c, data, "postings block does not decode");
        return;
    }
    size_t used = doc_bytes + tf_bytes;
    c->block_positions_end = position_end;
    if (position_start > position_end || position_end > c->positions_length) {
        cursor_fail(c, entry, "positions block out of range");
        return;
    }
    if (start + used != end) {
        cursor_fail(c, data + used, "postings block does not decode to exactly its bytes");
        return;
    }
    c->block_positions_start = position_start;
    if (c->docs[count - 1] != last_doc) {
        cursor_fail(c, entry, "postings block disagrees with its skip entry");
        return;
    }
    c->block = block;
    c->block_length = count;
    c->in_block = 0;
    c->doc = c->docs[0];
    c->tfs_at = start + (uint32_t)doc_bytes;
    start_block_positions(c);
    c->positions_checked = 0;
}

uint32_t postings_tf_slow(postings_cursor *c)
{
    if (c->tfs_at != 0 && c->in_block < c->block_length) {
        const uint8_t *p = c->blocks + c->tfs_at;
        c->tfs_at = 0;
        if (decode_frequencies(c, p, c->blocks + block_data_end(c, c->block), c->block_length) == 0) {
            cursor_fail(c, p, "postings block frequencies do not decode");
            return 0;
        }
    }
    return c->in_block < c->block_length ? c->tfs[c->in_block] : 0;
}

void postings_open(postings_cursor *c, segment *seg, const segment_term *term)
{
    memset(c, 0, POSTINGS_CURSOR_HEAD);
    c->skip = NULL;
    c->block_count = 0;
    c->seg = seg;
    c->term = *term;
    c->status = 0;
    c->block = 0;
    c->in_block = 0;
    c->block_length = 0;
    c->positions_checked = 1; /* inline lists are covered by the dictionary block CRC */
    c->tfs_at = 0;
    c->doc = POSTINGS_END;
    if (!term->external) {
        c->block_count = 1;
        c->positions_base = term->positions;
        c->positions_length = term->positions_length;
        c->block_positions_start = 0;
        c->block_positions_end = term->positions_length;
        start_block_positions(c);
        const uint8_t *end = term->docs + term->docs_length;
        size_t doc_bytes = 0;
        int docs_decode;
        if (segment_inline_fixed(term->df)) { /* FORMAT.md 3.4 "fixed-ids" */
            doc_bytes = codec_packed_bytes(seg->doc_width, term->df);
            docs_decode = codec_ids_decode(term->docs, end, term->df, seg->doc_width,
                                           (uint32_t)seg->meta.documents, c->docs);
        } else {
            docs_decode = (doc_bytes = decode_doc_numbers(c, term->docs, end, term->df,
                                                          UINT32_MAX)) != 0;
        }
        if (!docs_decode
            || (segment_inline_has_tfs(term->df, term->cf)
                    ? decode_frequencies(c, term->docs + doc_bytes, end, term->df)
                    : implied_frequencies(c, term->df, term->cf))
                   != term->docs_length - doc_bytes) {
            cursor_fail(c, term->docs, "inline postings do not decode");
            return;
        }
        c->block_length = term->df;
        c->doc = c->docs[0];
        /* the list bound, asked for every candidate of a ranked
         * conjunction: computed once (the dictionary has none for an
         * inline list) */
        c->term.max_tf = 0;
        for (uint32_t i = 0; i < c->block_length; i++)
            if (c->tfs[i] > c->term.max_tf)
                c->term.max_tf = c->tfs[i];
        return;
    }
    const uint8_t *p = term->docs, *end = term->docs + term->docs_length;
    uint64_t blocks_length, positions_length;
    size_t used = codec_varint_decode(p, end, &blocks_length);
    size_t used2 = used ? codec_varint_decode(p + used, end, &positions_length) : 0;
    if (!used2) {
        cursor_fail(c, p, "postings record header out of range");
        return;
    }
    p += used + used2;
    c->block_count = (term->df + SEGMENT_BLOCK_SIZE - 1) / SEGMENT_BLOCK_SIZE;
    if (end - p < LAYOUT_SKIP_WIDTHS_BYTES
        || layout_skip_from_widths((uint32_t)p[0] | (uint32_t)p[1] << 8, &c->skip_layout) != 0) {
        cursor_fail(c, p, "postings skip widths out of range");
        return;
    }
    /* the widths and the entries under one CRC */
    size_t skip_bytes = LAYOUT_SKIP_WIDTHS_BYTES
                        + (size_t)c->block_count * layout_skip_stride(&c->skip_layout);
    if ((uint64_t)(end - p) < skip_bytes + 4
        || blocks_length > (uint64_t)(end - p) - skip_bytes - 4
        || positions_length != (uint64_t)(end - p) - skip_bytes - 4 - blocks_length) {
        cursor_fail(c, p, "postings record lengths disagree");
        return;
    }
    if (!crc_matches(seg, p, skip_bytes, p + skip_bytes)) {
        cursor_fail(c, p, "postings skip table checksum mismatch");
        return;
    }
    c->skip = p + LAYOUT_SKIP_WIDTHS_BYTES;
    c->blocks = p + skip_bytes + 4;
    c->blocks_length = (size_t)blocks_length;
    c->positions_base = c->blocks + blocks_length;
    c->positions_length = (size_t)positions_length;
    load_block(c, 0);
}

uint32_t postings_next(postings_cursor *c)
{
    if (c->doc == POSTINGS_END)
        return POSTINGS_END;
    if (++c->in_block < c->block_length) {
        c->doc = c->docs[c->in_block];
        return c->doc;
    }
    if (c->term.external && c->block + 1 < c->block_count)
        load_block(c, c->block + 1);
    else
        c->doc = POSTINGS_END;
    return c->doc;
}

/* The first block from `from` on whose last document is `target` or
 * later (block_count when none is): a gallop over the skip table, then a
 * binary search, so a target a few blocks ahead (a conjunction's common
 * word bounded window by window) reads a few entries, not log2 of the
 * whole list's (postings_block_bound_at searched to the end: 173
 * instructions a call, "parts of a plant" in wiki-dev x4). */
static uint32_t skip_find_block(const postings_cursor *c, uint32_t from, uint32_t target)
{
    last_docs d = skip_last_docs(c);
    uint32_t low = from, step = 1, high = low;
    while (high < c->block_count && last_doc_of(&d, high) < target) {
        low = high + 1;
        high += step;
        step *= 2;
    }
    if (high >= c->block_count)
        high = c->block_count;
    while (low < high) {
        uint32_t mid = low + (high - low) / 2;
        if (last_doc_of(&d, mid) < target)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

uint32_t postings_next_geq_slow(postings_cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return c->doc;
    if (c->term.external && target > skip_last_doc(c, c->block)) {
        /* the blocks in between are never decoded */
        uint32_t low = skip_find_block(c, c->block + 1, target);
        if (low >= c->block_count) {
            c->doc = POSTINGS_END;
            return POSTINGS_END;
        }
        load_block(c, low);
        if (c->doc == POSTINGS_END)
            return POSTINGS_END;
    }
    /* four at a time first: a dense list probed at sparse targets (a
     * conjunction's common word) passes dozens of postings each time */
    while (c->in_block + 4 < c->block_length && c->docs[c->in_block + 3] < target)
        c->in_block += 4;
    while (c->in_block < c->block_length && c->docs[c->in_block] < target)
        c->in_block++;
    if (c->in_block < c->block_length) {
        c->doc = c->docs[c->in_block];
        return c->doc;
    }
    c->in_block = c->block_length - 1;
    return postings_next(c);
}

uint32_t postings_next_frequent(postings_cursor *c, uint32_t target, uint32_t last,
                                uint32_t min_tf)
{
    postings_next_geq(c, target);
    while (c->doc <= last && postings_tf(c) < min_tf && c->doc != POSTINGS_END) {
        if (c->tfs_at == 0) {
            /* the rest of the decoded block straight from its arrays */
            uint32_t i = c->in_block + 1, n = c->block_length;
            while (i < n && c->docs[i] <= last && c->tfs[i] < min_tf)
                i++;
            if (i < n) {
                c->in_block = i;
                return c->doc = c->docs[i];
            }
            c->in_block = n - 1;
        }
        postings_next(c);
    }
    return c->doc;
}

static inline void set_window_bit(uint64_t *window, uint32_t bit)
{
    window[bit >> 6] |= (uint64_t)1 << (bit & 63);
}

uint32_t postings_fill_window(postings_cursor *c, uint64_t *window, uint32_t first, uint32_t end)
{
    uint32_t doc = postings_next_geq(c, first);
    while (doc < end) {
        /* the block's numbers straight from its array (a posting on the
         * cursor is inside its block): no call and no frequency each */
        uint32_t i = c->in_block, n = c->block_length;
        if (c->docs[n - 1] >= end) {
            for (; c->docs[i] < end; i++)
                set_window_bit(window, c->docs[i] - first);
            c->in_block = i;
            c->doc = c->docs[i];
            return c->doc;
        }
        for (; i < n; i++)
            set_window_bit(window, c->docs[i] - first);
        c->in_block = n - 1;
        doc = postings_next(c);
    }
    return doc;
}

/* Decode the block's next chunk of positions values (FORMAT.md 3.3) into
 * the cursor's position_values.  The stream's last chunk must end exactly
 * where the block's positions end. */
static int decode_next_chunk(postings_cursor *c)
{
    const uint8_t *base = c->positions_base, *end = base + c->block_positions_end;
    const uint8_t *p = base + c->chunk_at;
    uint64_t left = c->block_values - c->chunk_first;
    uint32_t count = left < SEGMENT_BLOCK_SIZE ? (uint32_t)left : SEGMENT_BLOCK_SIZE;
    size_t used = count ? codec_block_decode(p, end, count, c->position_values) : 0;
    if (used == 0) {
        cursor_fail(c, p, "positions do not decode");
        return COPS_ECORRUPT;
    }
    c->values_first = c->chunk_first;
    c->values_count = count;
    c->chunk_at += used;
    c->chunk_first += count;
    if (c->chunk_first == c->block_values && c->chunk_at != c->block_positions_end) {
        cursor_fail(c, p + used, "positions do not end where their block ends");
        return COPS_ECORRUPT;
    }
    return 0;
}

/* Make the decoded chunk the one holding value `target` of the block's
 * stream, stepping over the chunks before it by their sizes alone.
 * Tried and not kept (wiki-dev phrase count, callgrind): unpacking the
 * chunk only from the octet holding `target` (+1.8 %: the range an
 * opening then checks cost more than the octets saved), and a stepper
 * of its own for listed exceptions (-0.15 %, a second block_shape). */
static int seek_chunk(postings_cursor *c, uint64_t target)
{
    if (target >= c->values_first && target - c->values_first < c->values_count)
        return 0;
    if (target < c->chunk_first) {
        /* the document's positions are read again after reading went on
         * into a later chunk (a phrase inside a proximity): from the
         * block's first chunk */
        c->chunk_at = c->block_positions_start;
        c->chunk_first = 0;
    }
    /* every chunk before the one holding `target` is a full one (only
     * the stream's last is shorter, and target is inside the stream) */
    uint64_t skipped = (target - c->chunk_first) / SEGMENT_BLOCK_SIZE;
    if (skipped > 0) {
        const uint8_t *base = c->positions_base, *end = base + c->block_positions_end;
        size_t size = codec_full_blocks_size(base + c->chunk_at, end, (size_t)skipped);
        if (size == 0) {
            /* damage: name the chunk that does not decode, as stepping
             * one chunk at a time did, not the first one stepped over */
            const uint8_t *at = base + c->chunk_at;
            for (size_t one; skipped > 0 && (one = codec_block_size(at, end, SEGMENT_BLOCK_SIZE));
                 skipped--)
                at += one;
            cursor_fail(c, at, "positions do not decode");
            return COPS_ECORRUPT;
        }
        c->chunk_at += size;
        c->chunk_first += skipped * SEGMENT_BLOCK_SIZE;
    }
    return decode_next_chunk(c);
}

/* The first document of the block whose positions are read: check the
 * block's positions CRC (once per open segment) and count its values.
 * Out of line: the later documents of the block skip it. */
static int start_reading_block_positions(postings_cursor *c)
{
    if (!c->positions_checked) {
        const uint8_t *entry = skip_entry(c, c->block);
        size_t start = c->block_positions_start; /* in range: load_block checked it */
        if (!crc_matches(c->seg, c->positions_base + start, c->block_positions_end - start,
                         entry + layout_skip_at(&c->skip_layout, LAYOUT_SKIP_POSITIONS_CRC))) {
            cursor_fail(c, entry, "positions block checksum mismatch");
            return COPS_ECORRUPT;
        }
        c->positions_checked = 1;
    }
    /* each document's start once per block: an opening then reads it
     * rather than summing the frequencies since the last one opened (a
     * phrase's rarer word skips dozens of documents between openings) */
    c->block_values = codec_running_sums(c->tfs, c->block_length, c->value_starts);
    return 0;
}

int postings_position_reader_open_slow(postings_cursor *c, postings_position_reader *r)
{
    r->cursor = c;
    r->later = 0;
    r->position = UINT64_MAX;
    r->value = r->limit = NULL;
    if (c->doc == POSTINGS_END)
        return c->status ? c->status : COPS_EINVAL;
    uint32_t tf = postings_tf(c); /* decodes the block's frequencies */
    if (c->status != 0)
        return c->status;
    if (c->block_values == UINT64_MAX && start_reading_block_positions(c) != 0)
        return COPS_ECORRUPT;
    uint64_t first = c->value_starts[c->in_block];
    if (first - c->values_first >= c->values_count && seek_chunk(c, first) != 0)
        return COPS_ECORRUPT;
    r->value = c->position_values + (first - c->values_first);
    size_t here = (size_t)(c->position_values + c->values_count - r->value);
    if (here > tf)
        here = tf;
    r->limit = r->value + here;
    r->later = tf - (uint32_t)here;
    return 0;
}

int postings_position_out_of_range(postings_position_reader *r)
{
    postings_cursor *c = r->cursor;
    cursor_fail(c, c->positions_base + c->chunk_at, "positions out of range");
    return COPS_ECORRUPT;
}

int postings_position_read_slow(postings_position_reader *r, uint32_t *out)
{
    postings_cursor *c = r->cursor;
    if (r->value == r->limit) {
        if (r->later == 0)
            return 0;
        /* the document's values go on in the next chunk */
        if (c->status != 0 || decode_next_chunk(c) != 0)
            return COPS_ECORRUPT;
        uint32_t here = c->values_count < r->later ? c->values_count : r->later;
        r->value = c->position_values;
        r->limit = r->value + here;
        r->later -= here;
    }
    uint64_t next = r->position + 1 + *r->value;
    if (next > UINT32_MAX)
        return postings_position_out_of_range(r);
    r->value++;
    r->position = next;
    *out = (uint32_t)next;
    return 1;
}

int postings_positions(postings_cursor *c, uint32_t *out)
{
    postings_position_reader reader;
    int rc = postings_position_reader_open(c, &reader);
    if (rc != 0)
        return rc;
    uint32_t n = 0;
    while ((rc = postings_position_read(&reader, out + n)) > 0)
        n++;
    return rc < 0 ? rc : (int)n;
}

int postings_block_bound_at(const postings_cursor *c, uint32_t target, postings_block_bound *bound)
{
    return postings_block_bound_from(c, target, 0, bound);
}

int postings_block_bound_from(const postings_cursor *c, uint32_t target, uint32_t hint,
                              postings_block_bound *bound)
{
    if (c->doc == POSTINGS_END || c->status != 0)
        return 1;
    if (!c->term.external) {
        postings_list_bound(c, bound);
        bound->block = 0;
        return target > bound->last_doc;
    }
    uint32_t block = c->block;
    if (hint > block && hint < c->block_count && skip_last_doc(c, hint - 1) < target)
        block = hint; /* every block before it ends before target */
    if (target > skip_last_doc(c, block)) {
        block = skip_find_block(c, block + 1, target);
        if (block >= c->block_count)
            return 1;
    }
    bound->block = block;
    bound->last_doc = skip_last_doc(c, block);
    bound->max_tf = skip_field(c, block, LAYOUT_SKIP_MAX_TF);
    bound->min_length = skip_field(c, block, LAYOUT_SKIP_MIN_LENGTH);
    return 0;
}

void postings_list_bound(const postings_cursor *c, postings_block_bound *bound)
{
    if (c->status != 0 || (c->term.external && !c->skip)) {
        /* a damaged list matches nothing; its cursor already says so */
        bound->last_doc = 0;
        bound->max_tf = 0;
        bound->min_length = 0;
        return;
    }
    if (c->term.external) {
        bound->max_tf = c->term.max_tf;
        bound->min_length = c->term.min_length;
        bound->last_doc = c->block_count ? skip_last_doc(c, c->block_count - 1) : 0;
        return;
    }
    bound->max_tf = c->term.max_tf; /* computed by postings_open */
    bound->min_length = 0; /* lengths are per field; 0 is a safe (loose) bound */
    bound->last_doc = c->block_length ? c->docs[c->block_length - 1] : 0;
}
