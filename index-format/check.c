/*
 * check.c — full verification of an index: cops_index_check() and
 * `cops-index --check` (see check.h; the format is FORMAT.md).
 *
 * Every segment is mapped and decoded completely, front to back, with the
 * checks ordered so that damage is reported where it is: the small
 * sections' CRCs first (they carry no finer CRC), then each large section
 * block by block (the precise block), and the large sections' whole CRCs
 * last, for what no block CRC covers.  Every decoder is bounded by its
 * section, record or block.  The first problem ends the check.
 */
#include "config.h"

#include "index-format/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "analysis/analyzer.h"
#include "base/buffer.h"
#include "base/error.h"
#include "base/escape.h"
#include "base/file.h"
#include "index-format/codec.h"
#include "index-format/layout.h"
#include "index-format/surface.h"
#include "index-format/catalog.h"
#include "index-format/manifest.h"
#include "index-format/segment.h"

/* A report line starts with the path it is about, escaped: a colleague's
 * index chooses its file names, the user the directory's. */
static void report_start(FILE *report, const char *path)
{
    escape_terminal(report, path, strlen(path), 0);
    fputs(": ", report);
}

static const char *const section_names[SECTION_KIND_COUNT] = {
    "?", "META", "DOCLENGTHS", "DOCDATES", "DOCSTORE", "DOCINDEX",
    "POSTINGS", "DICTIONARY", "DICTINDEX", "DOCMETA", "DOCMETAINDEX", "CHUNKCRCS", "SURFACE"};

/* The order in which the writer emits the sections, which is also the
 * order of the TOC. */
static const uint32_t writer_order[SECTION_KIND_COUNT - 1] = {
    SECTION_DOCSTORE, SECTION_POSTINGS, SECTION_DICTIONARY, SECTION_DOCMETA,
    SECTION_DOCMETAINDEX, SECTION_DICTINDEX, SECTION_DOCINDEX, SECTION_DOCLENGTHS,
    SECTION_DOCDATES, SECTION_CHUNKCRCS, SECTION_SURFACE, SECTION_META};



typedef struct section {
    const uint8_t *data;
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
} section;

typedef struct checker {
    const char *path;
    const uint8_t *map;
    uint64_t size;
    cops_error *err;
    section s[SECTION_KIND_COUNT];
    uint64_t meta[LAYOUT_META_KEY_COUNT];
    uint64_t meta_at[LAYOUT_META_KEY_COUNT];  /* file offset of each META value */
    uint64_t documents;
    /* the key being checked (also the previous key, for ordering) */
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    int have_key;
    int in_key;                        /* messages name the key */
    uint64_t next_record;              /* POSTINGS offset of the next external record */
    uint8_t *raw;                      /* inflated docstore block */
    size_t raw_capacity;
    check_figures fig;
    pair_words pairs;                  /* META pair_words (count 0: none) */
} checker;

/* ------------------------------------------------------------ helpers */

static void format_key(const uint8_t *key, size_t length, char *out, size_t size)
{
    size_t n = 0;
    size_t i = 0;
    if (length > 0 && key[0] == (uint8_t)SEGMENT_FIELD_TITLE) {
        n = (size_t)snprintf(out, size, "title:");
        i = 1;
    }
    for (; i < length && n + 5 < size; i++) {
        uint8_t b = key[i];
        if (b < 0x20 || b == 0x7f || b == '"' || b == '\\')
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", b);
        else
            out[n++] = (char)b;
    }
    out[n < size ? n : size - 1] = '\0';
}

static int damaged(checker *c, uint64_t offset, const char *format, ...) COPS_PRINTF(3, 4);
static int damaged(checker *c, uint64_t offset, const char *format, ...)
{
    char what[256];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    if (c->in_key) {
        char key[128];
        format_key(c->key, c->key_length, key, sizeof key);
        return error_set(c->err, COPS_ECORRUPT, "%s: byte %llu: %s (key \"%s\")", c->path,
                         (unsigned long long)offset, what, key);
    }
    return error_set(c->err, COPS_ECORRUPT, "%s: byte %llu: %s", c->path,
                     (unsigned long long)offset, what);
}

static uint64_t at(const checker *c, const uint8_t *p)
{
    return (uint64_t)(p - c->map);
}

/* zlib's crc32 over any length (uInt is 32 bits). */
static uint32_t crc_of(const uint8_t *data, uint64_t length)
{
    uLong crc = crc32(0, NULL, 0);
    while (length > 0) {
        uInt part = length > (1u << 30) ? (1u << 30) : (uInt)length;
        crc = crc32(crc, data, part);
        data += part;
        length -= part;
    }
    return (uint32_t)crc;
}

/* A varint in the writer's minimal form; bytes used, or 0. */
static size_t varint_minimal(const uint8_t *p, const uint8_t *end, uint64_t *value)
{
    uint8_t again[CODEC_VARINT_MAX_BYTES];
    size_t used = codec_varint_decode(p, end, value);
    if (used == 0 || codec_varint_encode(*value, again) != used)
        return 0;
    return used;
}

/* Take a varint from the mapped file at *p, at most `limit`. */
static int take(checker *c, const uint8_t **p, const uint8_t *end, uint64_t limit, uint64_t *value,
                const char *what)
{
    uint64_t v = 0;
    size_t used = codec_varint_decode(*p, end, &v);
    if (used == 0)
        return damaged(c, at(c, *p), "%s: bad varint", what);
    uint8_t again[CODEC_VARINT_MAX_BYTES];
    if (codec_varint_encode(v, again) != used)
        return damaged(c, at(c, *p), "%s: varint not in minimal form", what);
    if (v > limit)
        return damaged(c, at(c, *p), "%s: %llu is out of range", what, (unsigned long long)v);
    *p += used;
    *value = v;
    return 0;
}

/* Document `doc`'s value in the per-document table `t` (FORMAT.md 3.7),
 * whose widths and sizes check_lengths_and_dates has checked. */
static uint32_t table_value(const checker *c, enum layout_doc_table t, uint64_t doc)
{
    unsigned width = (unsigned)c->meta[LAYOUT_META_BODY_LENGTH_BYTES + t];
    unsigned first = (unsigned)c->meta[LAYOUT_META_BODY_LENGTH_BYTES + (t & ~1)];
    return layout_get_uint(c->s[layout_table_section(t)].data
                               + layout_table_start(t, c->documents, first) + width * doc,
                           width);
}

static uint32_t field_length(const checker *c, uint32_t doc, int title)
{
    return table_value(c, title ? LAYOUT_TABLE_TITLE_LENGTH : LAYOUT_TABLE_BODY_LENGTH, doc);
}

static int valid_date(uint32_t date)
{
    static const uint8_t days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (date == 0)
        return 1;
    uint32_t year = date / 10000, month = date / 100 % 100, day = date % 100;
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > days[month - 1])
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return !(month == 2 && day == 29 && !leap);
}

/* ------------------------------------------------- header, TOC, layout */

static int check_layout(checker *c)
{
    const uint8_t *map = c->map;
    uint64_t size = c->size;
    if (size < LAYOUT_HEADER_BYTES + LAYOUT_TRAILER_BYTES)
        return damaged(c, size, "file too short (%llu bytes) for a header and a trailer",
                       (unsigned long long)size);
    if (memcmp(map, LAYOUT_MAGIC, 8) != 0)
        return damaged(c, 0, "bad magic: not a cops segment");
    uint32_t version = layout_get_u32(map + 8);
    if (version != SEGMENT_FORMAT_VERSION)
        return error_set(c->err, COPS_EVERSION,
                         "%s: byte 8: index format version %u, this cops reads version %u; "
                         "rebuild the index with cops-index", c->path, version,
                         SEGMENT_FORMAT_VERSION);
    uint32_t sections = SECTION_KIND_COUNT - 1;
    if (layout_get_u32(map + 12) != 0)
        return damaged(c, 12, "reserved header field is not zero");

    const uint8_t *trailer = map + size - LAYOUT_TRAILER_BYTES;
    if (memcmp(trailer + 16, LAYOUT_TRAILER_MAGIC, 8) != 0)
        return damaged(c, size - 8, "missing end marker (truncated file?)");
    uint64_t toc_offset = layout_get_u64(trailer);
    uint32_t toc_length = layout_get_u32(trailer + 8);
    if (toc_offset < LAYOUT_HEADER_BYTES || toc_offset > size - LAYOUT_TRAILER_BYTES
        || toc_length != size - LAYOUT_TRAILER_BYTES - toc_offset || toc_length < 4)
        return damaged(c, size - LAYOUT_TRAILER_BYTES, "table of contents out of range");
    if (toc_offset % 8 != 0)
        return damaged(c, size - LAYOUT_TRAILER_BYTES, "table of contents is not 8-aligned");
    const uint8_t *toc = map + toc_offset;
    if (crc_of(toc, toc_length) != layout_get_u32(trailer + 12))
        return damaged(c, toc_offset, "table of contents checksum mismatch");
    uint32_t count = layout_get_u32(toc);
    if (count != sections
        || (uint64_t)count * LAYOUT_TOC_ENTRY_BYTES != (uint64_t)toc_length - 4)
        return damaged(c, toc_offset, "table of contents lists %u sections, expected %u", count,
                       sections);

    uint64_t end = LAYOUT_HEADER_BYTES; /* end of the previous section */
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = toc + 4 + (size_t)i * LAYOUT_TOC_ENTRY_BYTES;
        uint32_t kind = layout_get_u32(e);
        uint64_t offset = layout_get_u64(e + 8), length = layout_get_u64(e + 16);
        uint32_t expected = writer_order[i];
        if (kind != expected)
            return damaged(c, at(c, e), "TOC entry %u is kind %u, expected %s (kind %u)", i, kind,
                           section_names[expected], expected);
        uint64_t aligned = (end + 7) / 8 * 8;
        if (offset != aligned)
            return damaged(c, at(c, e) + 8,
                           "%s starts at byte %llu, expected %llu (sections follow each other, "
                           "8-aligned)", section_names[kind], (unsigned long long)offset,
                           (unsigned long long)aligned);
        if (length > toc_offset - offset)
            return damaged(c, at(c, e) + 16, "%s runs past the table of contents",
                           section_names[kind]);
        for (uint64_t p = end; p < offset; p++)
            if (map[p] != 0)
                return damaged(c, p, "padding byte before %s is not zero", section_names[kind]);
        section *s = &c->s[kind];
        s->data = map + offset;
        s->offset = offset;
        s->length = length;
        s->crc = layout_get_u32(e + 4);
        end = offset + length;
    }
    uint64_t aligned = (end + 7) / 8 * 8;
    if (toc_offset != aligned)
        return damaged(c, size - LAYOUT_TRAILER_BYTES,
                       "table of contents at byte %llu, expected %llu after the last section",
                       (unsigned long long)toc_offset, (unsigned long long)aligned);
    for (uint64_t p = end; p < toc_offset; p++)
        if (map[p] != 0)
            return damaged(c, p, "padding byte before the table of contents is not zero");
    return 0;
}

static int check_section_crc(checker *c, uint32_t kind)
{
    const section *s = &c->s[kind];
    uint32_t crc = crc_of(s->data, s->length);
    if (crc != s->crc)
        return damaged(c, s->offset, "%s section checksum mismatch (TOC %08x, computed %08x)",
                       section_names[kind], (unsigned)s->crc, (unsigned)crc);
    return 0;
}

/* Every chunk of the chunked sections against CHUNKCRCS (FORMAT.md 3.7a),
 * which holds exactly their chunks. */
static int check_chunk_crcs(checker *c)
{
    static const uint32_t chunked[] = LAYOUT_CHUNKED_SECTIONS;
    const section *crcs = &c->s[SECTION_CHUNKCRCS];
    uint64_t at = 0;
    for (size_t i = 0; i < LAYOUT_CHUNKED_SECTION_COUNT; i++) {
        const section *s = &c->s[chunked[i]];
        for (uint64_t start = 0; start < s->length; start += LAYOUT_CHUNK_BYTES, at += 4) {
            uint64_t size = s->length - start < LAYOUT_CHUNK_BYTES ? s->length - start
                                                                   : LAYOUT_CHUNK_BYTES;
            if (at + 4 > crcs->length)
                return damaged(c, crcs->offset, "CHUNKCRCS has fewer entries than the chunked "
                               "sections have chunks");
            uint32_t crc = crc_of(s->data + start, size);
            if (crc != layout_get_u32(crcs->data + at))
                return damaged(c, s->offset + start, "%s chunk %llu checksum mismatch (CHUNKCRCS "
                               "%08x, computed %08x)", section_names[chunked[i]],
                               (unsigned long long)(start / LAYOUT_CHUNK_BYTES),
                               (unsigned)layout_get_u32(crcs->data + at), (unsigned)crc);
        }
    }
    if (at != crcs->length)
        return damaged(c, crcs->offset + at, "CHUNKCRCS has more entries than the chunked sections "
                       "have chunks");
    return 0;
}

/* --------------------------------------------------------------- META */

static int check_meta(checker *c)
{
    const section *s = &c->s[SECTION_META];
    const uint8_t *p = s->data, *end = s->data + s->length;
    for (int k = 0; k < LAYOUT_META_KEY_COUNT; k++) {
        const char *name = layout_meta_key_name(k);
        const uint8_t *line_end = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (!line_end)
            return damaged(c, at(c, p), "META: line \"%s\" missing or not terminated", name);
        size_t key_length = strlen(name);
        if ((size_t)(line_end - p) <= key_length || memcmp(p, name, key_length) != 0
            || p[key_length] != ' ')
            return damaged(c, at(c, p), "META: expected the line \"%s\"", name);
        const uint8_t *value = p + key_length + 1;
        size_t value_length = (size_t)(line_end - value);
        c->meta_at[k] = at(c, value);
        if (k == LAYOUT_META_LANGUAGE) {
            if (value_length == 0 || value_length >= 32)
                return damaged(c, at(c, value), "META: language name of %zu bytes", value_length);
            char language[32];
            memcpy(language, value, value_length);
            language[value_length] = '\0';
            if (!analyzer_config_known(c->meta[LAYOUT_META_STEM] != 0, language))
                return damaged(c, at(c, value), "META: language \"%s\" does not go with stem %llu",
                               language, (unsigned long long)c->meta[LAYOUT_META_STEM]);
        } else {
            uint64_t n = 0;
            if (value_length == 0 || value_length > 20 || (value[0] == '0' && value_length > 1))
                return damaged(c, at(c, value), "META: %s is not a decimal number", name);
            for (size_t i = 0; i < value_length; i++) {
                if (value[i] < '0' || value[i] > '9' || n > (UINT64_MAX - 9) / 10)
                    return damaged(c, at(c, value), "META: %s is not a decimal number", name);
                n = n * 10 + (uint64_t)(value[i] - '0');
            }
            c->meta[k] = n;
        }
        p = line_end + 1;
    }
    static const char exact_line[] = LAYOUT_META_EXACT_FORMS_KEY " 1\n";
    if ((size_t)(end - p) >= sizeof exact_line - 1 && memcmp(p, exact_line, sizeof exact_line - 1) == 0) {
        if (!c->meta[LAYOUT_META_STEM])
            return damaged(c, at(c, p), "META: exact_forms in a segment that is not stemmed");
        p += sizeof exact_line - 1;
    }
    static const char pairs_key[] = LAYOUT_META_PAIR_WORDS_KEY " ";
    const uint8_t *line_end = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    if (line_end && (size_t)(line_end - p) >= sizeof pairs_key - 1
        && memcmp(p, pairs_key, sizeof pairs_key - 1) == 0) {
        const uint8_t *value = p + sizeof pairs_key - 1;
        char text[PAIR_MAX_WORDS * (PAIR_WORD_MAX_BYTES + 1)];
        /* the list as the writer formats it, byte for byte */
        if (pair_words_parse((const char *)value, (size_t)(line_end - value), &c->pairs) != 0
            || c->pairs.count == 0
            || pair_words_format(&c->pairs, text) != (size_t)(line_end - value)
            || memcmp(text, value, (size_t)(line_end - value)) != 0)
            return damaged(c, at(c, value), "META: pair_words is not a list of words");
        p = line_end + 1;
    }
    if (p != end)
        return damaged(c, at(c, p), "META: unexpected line after \"language\"");
    if (c->meta[LAYOUT_META_DOCUMENTS] >= UINT32_MAX)
        return damaged(c, c->meta_at[LAYOUT_META_DOCUMENTS], "META: too many documents");
    if (c->meta[LAYOUT_META_STEM] > 1)
        return damaged(c, c->meta_at[LAYOUT_META_STEM], "META: stem is neither 0 nor 1");
    c->documents = c->meta[LAYOUT_META_DOCUMENTS];
    return 0;
}

/* ------------------------------------------------ lengths and dates */

/* A reordered segment's insertion order (FORMAT.md 3.7): a permutation. */
static int check_insertion_order(checker *c)
{
    uint64_t n = c->documents;
    uint8_t *seen = calloc(n ? n : 1, 1);
    if (!seen)
        return error_set(c->err, COPS_ENOMEM, "out of memory checking the insertion order");
    int rc = 0;
    for (uint64_t d = 0; d < n && rc == 0; d++) {
        uint32_t position = table_value(c, LAYOUT_TABLE_INSERTION, d);
        if (position >= n || seen[position])
            rc = damaged(c, c->s[SECTION_DOCDATES].offset
                                + n * c->meta[LAYOUT_META_DATE_BYTES]
                                + d * c->meta[LAYOUT_META_INSERTION_BYTES],
                         "document %llu has insertion position %u, %s", (unsigned long long)d,
                         position,
                         position >= n ? "beyond the documents" : "already taken");
        else
            seen[position] = 1;
    }
    free(seen);
    return rc;
}

static int check_lengths_and_dates(checker *c)
{
    uint64_t n = c->documents;
    const section *lengths = &c->s[SECTION_DOCLENGTHS], *dates = &c->s[SECTION_DOCDATES];
    uint64_t max[LAYOUT_TABLE_COUNT] = {0}, bytes[2] = {0};
    for (int t = 0; t < LAYOUT_TABLE_COUNT; t++) {
        uint64_t width = c->meta[LAYOUT_META_BODY_LENGTH_BYTES + t];
        if (!layout_table_width_valid(t, width))
            return damaged(c, c->meta_at[LAYOUT_META_BODY_LENGTH_BYTES + t], "META: %s %llu is "
                           "not a table width", layout_meta_key_name(LAYOUT_META_BODY_LENGTH_BYTES + t),
                           (unsigned long long)width);
        bytes[t / 2] += n * width;
    }
    if (lengths->length != bytes[0])
        return damaged(c, lengths->offset, "DOCLENGTHS is %llu bytes, expected %llu for %llu "
                       "documents", (unsigned long long)lengths->length,
                       (unsigned long long)bytes[0], (unsigned long long)n);
    if (dates->length != bytes[1])
        return damaged(c, dates->offset, "DOCDATES is %llu bytes, expected %llu for %llu "
                       "documents", (unsigned long long)dates->length,
                       (unsigned long long)bytes[1], (unsigned long long)n);
    for (int t = 0; t < LAYOUT_TABLE_COUNT; t++)
        for (uint64_t d = 0; d < n; d++)
            if (table_value(c, t, d) > max[t])
                max[t] = table_value(c, t, d);
    for (int t = 0; t < LAYOUT_TABLE_COUNT; t++)
        if (c->meta[LAYOUT_META_BODY_LENGTH_BYTES + t] != layout_table_width(t, (uint32_t)max[t]))
            return damaged(c, c->meta_at[LAYOUT_META_BODY_LENGTH_BYTES + t], "META: %s is %llu, "
                           "the writer's width for a largest value of %llu is %u",
                           layout_meta_key_name(LAYOUT_META_BODY_LENGTH_BYTES + t),
                           (unsigned long long)c->meta[LAYOUT_META_BODY_LENGTH_BYTES + t],
                           (unsigned long long)max[t], layout_table_width(t, (uint32_t)max[t]));
    int rc = c->meta[LAYOUT_META_INSERTION_BYTES] ? check_insertion_order(c) : 0;
    if (rc != 0)
        return rc;
    uint64_t body = 0, title = 0;
    for (uint64_t d = 0; d < n; d++) {
        body += field_length(c, (uint32_t)d, 0);
        title += field_length(c, (uint32_t)d, 1);
        uint32_t date = table_value(c, LAYOUT_TABLE_DATE, d);
        if (!valid_date(date))
            return damaged(c, dates->offset + c->meta[LAYOUT_META_DATE_BYTES] * d,
                           "document %llu has an invalid date %u",
                           (unsigned long long)d, date);
    }
    if (body != c->meta[LAYOUT_META_BODY_TOKENS])
        return damaged(c, c->meta_at[LAYOUT_META_BODY_TOKENS],
                       "META body_tokens is %llu, the body lengths add up to %llu",
                       (unsigned long long)c->meta[LAYOUT_META_BODY_TOKENS],
                       (unsigned long long)body);
    if (title != c->meta[LAYOUT_META_TITLE_TOKENS])
        return damaged(c, c->meta_at[LAYOUT_META_TITLE_TOKENS],
                       "META title_tokens is %llu, the title lengths add up to %llu",
                       (unsigned long long)c->meta[LAYOUT_META_TITLE_TOKENS],
                       (unsigned long long)title);
    return 0;
}

/* ------------------------------------------------ DOCINDEX, DOCSTORE */

static int check_docstore(checker *c)
{
    const section *index = &c->s[SECTION_DOCINDEX], *store = &c->s[SECTION_DOCSTORE];
    if (index->length % LAYOUT_DOCINDEX_ENTRY_BYTES != 0)
        return damaged(c, index->offset, "DOCINDEX length %llu is not a multiple of %d",
                       (unsigned long long)index->length, LAYOUT_DOCINDEX_ENTRY_BYTES);
    uint64_t blocks = index->length / LAYOUT_DOCINDEX_ENTRY_BYTES;
    uint64_t expected_offset = 0, expected_first = 0;
    for (uint64_t b = 0; b < blocks; b++) {
        const uint8_t *e = index->data + b * LAYOUT_DOCINDEX_ENTRY_BYTES;
        uint64_t offset = layout_get_u64(e);
        uint32_t first = layout_get_u32(e + 8), count = layout_get_u32(e + 12);
        if (offset != expected_offset)
            return damaged(c, at(c, e), "DOCINDEX entry %llu: block at %llu, the previous block "
                           "ends at %llu", (unsigned long long)b, (unsigned long long)offset,
                           (unsigned long long)expected_offset);
        if (first != expected_first)
            return damaged(c, at(c, e) + 8, "DOCINDEX entry %llu: first document %u, expected %llu",
                           (unsigned long long)b, first, (unsigned long long)expected_first);
        if (count == 0 || first + (uint64_t)count > c->documents)
            return damaged(c, at(c, e) + 12, "DOCINDEX entry %llu: %u documents from %u, the "
                           "segment has %llu", (unsigned long long)b, count, first,
                           (unsigned long long)c->documents);
        uint64_t block_at = store->offset + offset;
        if (store->length - offset < 12)
            return damaged(c, block_at, "stored-text block header runs past DOCSTORE");
        const uint8_t *block = store->data + offset;
        uint32_t compressed = layout_get_u32(block), raw_length = layout_get_u32(block + 4);
        if (compressed > store->length - offset - 12)
            return damaged(c, block_at, "stored-text block runs past DOCSTORE");
        if (raw_length > (1u << 31))
            return damaged(c, block_at + 4, "stored-text block of %u raw bytes", raw_length);
        if (crc_of(block + 12, compressed) != layout_get_u32(block + 8))
            return damaged(c, block_at, "stored-text block checksum mismatch");
        if ((size_t)raw_length + 1 > c->raw_capacity) {
            uint8_t *bigger = realloc(c->raw, (size_t)raw_length + 1);
            if (!bigger)
                return error_set(c->err, COPS_ENOMEM, "out of memory checking %s", c->path);
            c->raw = bigger;
            c->raw_capacity = (size_t)raw_length + 1;
        }
        uLongf produced = raw_length;
        uLong consumed = compressed;
        if (uncompress2(c->raw, &produced, block + 12, &consumed) != Z_OK || produced != raw_length
            || consumed != compressed)
            return damaged(c, block_at, "stored-text block does not inflate to exactly its %u "
                           "bytes", raw_length);
        const uint8_t *p = c->raw, *end = c->raw + raw_length;
        for (uint32_t d = 0; d < count; d++) {
            uint64_t text_length;
            size_t used = varint_minimal(p, end, &text_length);
            if (used == 0 || text_length > SEGMENT_MAX_DOCUMENT_BYTES
                || text_length > (uint64_t)(end - p) - used)
                return damaged(c, block_at, "stored-text block: record of document %llu out of "
                               "range (raw byte %zu)", (unsigned long long)first + d,
                               (size_t)(p - c->raw));
            p += used + text_length;
        }
        if (p != end)
            return damaged(c, block_at, "stored-text block: %zu bytes after its %u documents",
                           (size_t)(end - p), count);
        expected_offset = offset + 12 + compressed;
        expected_first += count;
    }
    if (expected_first != c->documents)
        return damaged(c, index->offset + index->length, "DOCINDEX covers %llu documents, META "
                       "says %llu", (unsigned long long)expected_first,
                       (unsigned long long)c->documents);
    if (expected_offset != store->length)
        return damaged(c, store->offset + expected_offset,
                       "DOCSTORE bytes after the last stored-text block");
    c->fig.docstore_blocks = blocks;
    return 0;
}

/* ---------------------------------------------- DOCMETAINDEX, DOCMETA */

static int check_docmeta(checker *c)
{
    const section *index = &c->s[SECTION_DOCMETAINDEX], *meta = &c->s[SECTION_DOCMETA];
    uint64_t chunks = (c->documents + LAYOUT_DOCMETA_CHUNK_DOCUMENTS - 1)
                      / LAYOUT_DOCMETA_CHUNK_DOCUMENTS;
    if (index->length != 8 * chunks)
        return damaged(c, index->offset, "DOCMETAINDEX is %llu bytes, expected %llu for %llu "
                       "documents", (unsigned long long)index->length,
                       (unsigned long long)(8 * chunks), (unsigned long long)c->documents);
    uint64_t expected = 0;
    for (uint64_t k = 0; k < chunks; k++) {
        uint64_t start = layout_get_u64(index->data + 8 * k);
        if (start != expected)
            return damaged(c, index->offset + 8 * k, "metadata chunk %llu at %llu, expected %llu",
                           (unsigned long long)k, (unsigned long long)start,
                           (unsigned long long)expected);
        uint64_t end = k + 1 < chunks ? layout_get_u64(index->data + 8 * (k + 1)) : meta->length;
        if (end > meta->length || end < start || end - start < 4)
            return damaged(c, index->offset + 8 * (k + 1 < chunks ? k + 1 : k),
                           "metadata chunk %llu out of range", (unsigned long long)k);
        const uint8_t *chunk = meta->data + start, *stop = meta->data + end;
        if (crc_of(chunk + 4, end - start - 4) != layout_get_u32(chunk))
            return damaged(c, at(c, chunk), "metadata chunk %llu checksum mismatch",
                           (unsigned long long)k);
        uint64_t first = k * LAYOUT_DOCMETA_CHUNK_DOCUMENTS;
        uint64_t count = c->documents - first < LAYOUT_DOCMETA_CHUNK_DOCUMENTS
                             ? c->documents - first : LAYOUT_DOCMETA_CHUNK_DOCUMENTS;
        const uint8_t *p = chunk + 4;
        for (uint64_t d = 0; d < count; d++) {
            /* vint(record length), then the id (vint(2 * length) and its
             * bytes, or vint(2 * number + 1)) and the title (3.2a) */
            uint64_t length, code, number;
            size_t used = varint_minimal(p, stop, &length);
            if (used == 0 || length > (uint64_t)(stop - p) - used)
                return damaged(c, at(c, p), "metadata of document %llu out of range",
                               (unsigned long long)(first + d));
            const uint8_t *record = p + used, *record_end = record + length;
            size_t code_used = varint_minimal(record, record_end, &code);
            if (code_used == 0 || (code % 2 == 0 && code / 2 > (uint64_t)(record_end - record)
                                                                  - code_used))
                return damaged(c, at(c, record), "metadata of document %llu: its id is out of "
                               "its record", (unsigned long long)(first + d));
            if (code % 2 == 0 && code > 0
                && layout_id_number((const char *)record + code_used, (size_t)(code / 2), &number))
                return damaged(c, at(c, record), "metadata of document %llu: the id %llu is kept "
                               "as text, the writer keeps it as a number",
                               (unsigned long long)(first + d), (unsigned long long)number);
            p = record_end;
        }
        if (p != stop)
            return damaged(c, at(c, p), "metadata chunk %llu: bytes after its %llu documents",
                           (unsigned long long)k, (unsigned long long)count);
        expected = end;
    }
    if (expected != meta->length)
        return damaged(c, meta->offset + expected, "DOCMETA bytes after the last chunk");
    c->fig.metadata_chunks = chunks;
    return 0;
}

/* ------------------------------------------------------------ postings */

/* What a codec block holds, which decides the forms the writer may take
 * for it (FORMAT.md 2, 3.3): the unary form only for positions and
 * frequencies, each at its own rule. */
typedef enum block_kind { BLOCK_GAPS, BLOCK_TFS, BLOCK_POSITIONS } block_kind;

/* Whether the codec block of values[0, count) at `block` is the one the
 * writer makes (the smallest; FORMAT.md 2): re-encoded, it is the same
 * bytes. */
static int block_is_canonical(const uint8_t *block, size_t size, const uint32_t *values,
                              uint32_t count, block_kind kind)
{
    byte_buffer again = BUFFER_INIT;
    if (kind == BLOCK_POSITIONS)
        codec_positions_append(&again, values, count);
    else if (kind == BLOCK_TFS)
        codec_tfs_append(&again, values, count);
    else
        codec_block_append(&again, values, count);
    int same = !buffer_failed(&again) && again.length == size && memcmp(again.data, block, size) == 0;
    buffer_free(&again);
    return same;
}

/* A docs-block of `count` postings at *cursor, inside [*cursor, end)
 * (FORMAT.md 3.3), which *cursor is moved past; the first gap continues
 * from `previous` (-1 at the start of a list). */
/* A docs-block of `count` postings at *cursor (advanced past it).  With
 * `implied_tf` > 0 (an inline list without its block of tf - 1,
 * segment_inline_has_tfs) only the gaps are there, and every tf is
 * implied_tf.  With `fixed_ids` (a short inline list, FORMAT.md 3.4
 * "fixed-ids") the documents are their numbers at the segment's width,
 * not a block of gaps. */
static int check_docs_block(checker *c, const uint8_t **cursor, const uint8_t *end,
                            uint32_t count, int64_t previous, uint32_t *docs, uint32_t *tfs,
                            uint64_t implied_tf, int fixed_ids, const char *what)
{
    const uint8_t *p = *cursor;
    uint32_t gaps[SEGMENT_BLOCK_SIZE];
    size_t used;
    int decoded;
    if (fixed_ids) {
        /* increasing, inside the segment, no stray bits; then as gaps,
         * which the loop below wants */
        unsigned width = segment_doc_width(c->documents);
        used = codec_packed_bytes(width, count);
        if (!codec_ids_decode(p, end, count, width, (uint32_t)c->documents, docs))
            return damaged(c, at(c, p), "%s: its %u document numbers of %u bits do not decode",
                           what, count, width);
        for (uint32_t i = 0; i < count; i++)
            gaps[i] = i ? docs[i] - docs[i - 1] - 1 : docs[0];
        decoded = 1;
    } else {
        used = codec_block_decode(p, end, count, gaps);
        decoded = used != 0;
    }
    size_t used_tf = 0;
    if (decoded && implied_tf) {
        if (implied_tf > UINT32_MAX)
            return damaged(c, at(c, p), "%s: a tf of %llu", what, (unsigned long long)implied_tf);
        for (uint32_t i = 0; i < count; i++)
            tfs[i] = (uint32_t)(implied_tf - 1);
    } else if (decoded) {
        used_tf = codec_block_decode(p + used, end, count, tfs);
        decoded = used_tf != 0;
    }
    if (!decoded)
        return damaged(c, at(c, p), "%s does not decode", what);
    *cursor = p + used + used_tf;
    if (!fixed_ids && !block_is_canonical(p, used, gaps, count, BLOCK_GAPS))
        return damaged(c, at(c, p), "%s: its gaps are not in the smallest block", what);
    if (!implied_tf && !block_is_canonical(p + used, used_tf, tfs, count, BLOCK_TFS))
        return damaged(c, at(c, p) + used, "%s: its tf - 1 are not in the smallest block", what);
    for (uint32_t i = 0; i < count; i++) {
        int64_t doc = previous + 1 + (int64_t)gaps[i];
        if ((uint64_t)doc >= c->documents)
            return damaged(c, at(c, p), "%s: posting %u is document %lld, the segment has %llu",
                           what, i, (long long)doc, (unsigned long long)c->documents);
        if (tfs[i] == UINT32_MAX)
            return damaged(c, at(c, p) + used, "%s: posting %u has tf 2^32", what, i);
        docs[i] = (uint32_t)doc;
        tfs[i] += 1;
        previous = doc;
    }
    return 0;
}

/* The positions of `count` postings filling [p, end) exactly (FORMAT.md
 * 3.3): one stream of their tfs' sum of values, in the smallest blocks of
 * up to 128 values; each position inside its document's field. */
static int check_positions(checker *c, const uint8_t *p, const uint8_t *end, uint32_t count,
                           const uint32_t *docs, const uint32_t *tfs, const char *what)
{
    int title = c->key_length > 0 && c->key[0] == (uint8_t)SEGMENT_FIELD_TITLE;
    uint32_t values[SEGMENT_BLOCK_SIZE];
    uint32_t held = 0, next = 0; /* values decoded, and the next one to use */
    for (uint32_t i = 0; i < count; i++) {
        uint32_t limit = field_length(c, docs[i], title);
        uint64_t position = UINT64_MAX;
        for (uint32_t j = 0; j < tfs[i]; j++) {
            if (next == held) {
                uint64_t left = tfs[i] - j;
                for (uint32_t k = i + 1; k < count && left < SEGMENT_BLOCK_SIZE; k++)
                    left += tfs[k];
                held = left < SEGMENT_BLOCK_SIZE ? (uint32_t)left : SEGMENT_BLOCK_SIZE;
                size_t used = codec_block_decode(p, end, held, values);
                if (used == 0)
                    return damaged(c, at(c, p), "%s: positions do not decode", what);
                if (!block_is_canonical(p, used, values, held, BLOCK_POSITIONS))
                    return damaged(c, at(c, p), "%s: positions not in the smallest block", what);
                p += used;
                next = 0;
            }
            position += 1 + (uint64_t)values[next++];
            if (position >= limit)
                return damaged(c, at(c, p), "%s: position %llu of document %u is past its "
                               "%s length %u", what, (unsigned long long)position, docs[i],
                               title ? "title" : "body", limit);
        }
    }
    if (p != end)
        return damaged(c, at(c, p), "%s: bytes after the positions of its %u postings", what,
                       count);
    return 0;
}

/* An external postings record (FORMAT.md 3.3), referred to by the
 * dictionary entry at `entry`. */
static int check_record(checker *c, const uint8_t *entry, uint32_t df, uint64_t *cf_sum,
                        uint64_t record_offset, uint64_t record_length, const uint8_t *bound_at,
                        uint64_t list_max_tf, uint64_t list_min_length)
{
    const section *postings = &c->s[SECTION_POSTINGS];
    if (record_offset != c->next_record)
        return damaged(c, at(c, entry), "postings record at %llu, expected at %llu (records "
                       "follow each other in key order)", (unsigned long long)record_offset,
                       (unsigned long long)c->next_record);
    if (record_length > postings->length - record_offset)
        return damaged(c, at(c, entry), "postings record runs past POSTINGS");
    const uint8_t *record = postings->data + record_offset, *p = record;
    const uint8_t *end = record + record_length;
    uint64_t blocks_length, positions_length;
    if (take(c, &p, end, UINT32_MAX, &blocks_length, "postings record") != 0
        || take(c, &p, end, UINT32_MAX, &positions_length, "postings record") != 0)
        return COPS_ECORRUPT;
    uint32_t block_count = (df + SEGMENT_BLOCK_SIZE - 1) / SEGMENT_BLOCK_SIZE;
    layout_skip layout;
    if (end - p < LAYOUT_SKIP_WIDTHS_BYTES)
        return damaged(c, at(c, p), "postings record ends before its skip widths");
    uint32_t widths = (uint32_t)p[0] | (uint32_t)p[1] << 8;
    if (layout_skip_from_widths(widths, &layout) != 0)
        return damaged(c, at(c, p), "skip widths 0x%04x: bits 10-15 set", widths);
    /* the widths and the entries under one CRC */
    unsigned stride = layout_skip_stride(&layout);
    uint64_t skip_bytes = LAYOUT_SKIP_WIDTHS_BYTES + (uint64_t)block_count * stride;
    if ((uint64_t)(end - p) != skip_bytes + 4 + blocks_length + positions_length)
        return damaged(c, at(c, record), "postings record is %llu bytes, its lengths say %llu",
                       (unsigned long long)record_length,
                       (unsigned long long)((uint64_t)(p - record) + skip_bytes + 4 + blocks_length
                                            + positions_length));
    if (crc_of(p, skip_bytes) != layout_get_u32(p + skip_bytes))
        return damaged(c, at(c, p), "postings skip table checksum mismatch");
    const uint8_t *skip = p + LAYOUT_SKIP_WIDTHS_BYTES;
    const uint8_t *blocks = p + skip_bytes + 4, *positions = blocks + blocks_length;
    uint32_t largest[LAYOUT_SKIP_SIZED_FIELDS] = {0};
    uint64_t block_start = 0, positions_start = 0;
    int64_t previous = -1;
    uint32_t max_of_blocks = 0, min_of_blocks = UINT32_MAX;
    int title = c->key[0] == (uint8_t)SEGMENT_FIELD_TITLE;
    uint32_t docs[SEGMENT_BLOCK_SIZE], tfs[SEGMENT_BLOCK_SIZE];
    for (uint32_t b = 0; b < block_count; b++) {
        const uint8_t *e = skip + (size_t)b * stride;
        const uint8_t *next = e + stride;
        uint32_t field[LAYOUT_SKIP_FIELDS];
        for (int f = 0; f < LAYOUT_SKIP_FIELDS; f++) {
            field[f] = layout_skip_get(&layout, e, (enum layout_skip_field)f);
            if (f < LAYOUT_SKIP_SIZED_FIELDS && field[f] > largest[f])
                largest[f] = field[f];
        }
        const uint8_t *block_offset_at = e + layout_skip_at(&layout, LAYOUT_SKIP_BLOCK_OFFSET);
        const uint8_t *positions_offset_at =
            e + layout_skip_at(&layout, LAYOUT_SKIP_POSITIONS_OFFSET);
        int last = b + 1 == block_count;
        uint32_t count = last ? df - b * SEGMENT_BLOCK_SIZE : SEGMENT_BLOCK_SIZE;
        uint64_t block_end = last ? blocks_length
                                  : layout_skip_get(&layout, next, LAYOUT_SKIP_BLOCK_OFFSET);
        if (field[LAYOUT_SKIP_BLOCK_OFFSET] != block_start)
            return damaged(c, at(c, block_offset_at), "skip entry %u: block offset %u, expected "
                           "%llu", b, field[LAYOUT_SKIP_BLOCK_OFFSET],
                           (unsigned long long)block_start);
        if (block_end < block_start || block_end > blocks_length)
            return damaged(c, at(c, block_offset_at + stride), "skip entry %u: block offset "
                           "out of range", b + 1);
        const uint8_t *data = blocks + block_start, *data_end = blocks + block_end;
        if (crc_of(data, block_end - block_start) != field[LAYOUT_SKIP_BLOCK_CRC])
            return damaged(c, at(c, data), "postings block %u checksum mismatch", b);
        char what[48];
        snprintf(what, sizeof what, "postings block %u", b);
        const uint8_t *after_docs = data;
        if (check_docs_block(c, &after_docs, data_end, count, previous, docs, tfs, 0, 0, what) != 0)
            return COPS_ECORRUPT;
        previous = docs[count - 1];
        uint32_t max_tf = 0, min_length = UINT32_MAX;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t length = field_length(c, docs[i], title);
            if (tfs[i] > max_tf)
                max_tf = tfs[i];
            if (length < min_length)
                min_length = length;
            *cf_sum += tfs[i];
        }
        if (field[LAYOUT_SKIP_LAST_DOC] != docs[count - 1])
            return damaged(c, at(c, e), "skip entry %u: last_doc %u, the block ends with document "
                           "%u", b, field[LAYOUT_SKIP_LAST_DOC], docs[count - 1]);
        if (field[LAYOUT_SKIP_MAX_TF] != max_tf)
            return damaged(c, at(c, e) + layout_skip_at(&layout, LAYOUT_SKIP_MAX_TF),
                           "skip entry %u: max_tf %u, the block's largest tf is %u", b,
                           field[LAYOUT_SKIP_MAX_TF], max_tf);
        if (field[LAYOUT_SKIP_MIN_LENGTH] != min_length)
            return damaged(c, at(c, e) + layout_skip_at(&layout, LAYOUT_SKIP_MIN_LENGTH),
                           "skip entry %u: min_length %u, the block's shortest %s is %u", b,
                           field[LAYOUT_SKIP_MIN_LENGTH], title ? "title" : "body", min_length);
        uint64_t positions_end =
            last ? positions_length : layout_skip_get(&layout, next, LAYOUT_SKIP_POSITIONS_OFFSET);
        if (field[LAYOUT_SKIP_POSITIONS_OFFSET] != positions_start)
            return damaged(c, at(c, positions_offset_at), "skip entry %u: positions offset %u, "
                           "expected %llu", b, field[LAYOUT_SKIP_POSITIONS_OFFSET],
                           (unsigned long long)positions_start);
        if (positions_end < positions_start || positions_end > positions_length)
            return damaged(c, at(c, positions_offset_at + stride), "skip entry %u: positions "
                           "offset out of range", b + 1);
        const uint8_t *pos = positions + positions_start, *pos_end = positions + positions_end;
        if (crc_of(pos, positions_end - positions_start) != field[LAYOUT_SKIP_POSITIONS_CRC])
            return damaged(c, at(c, pos), "positions block %u checksum mismatch", b);
        snprintf(what, sizeof what, "positions block %u", b);
        if (check_positions(c, pos, pos_end, count, docs, tfs, what) != 0)
            return COPS_ECORRUPT;
        if (after_docs != data_end)
            return damaged(c, at(c, after_docs), "postings block %u: bytes after its "
                           "frequencies", b);
        if (max_tf > max_of_blocks)
            max_of_blocks = max_tf;
        if (min_length < min_of_blocks)
            min_of_blocks = min_length;
        block_start = block_end;
        positions_start = positions_end;
    }
    for (int f = 0; f < LAYOUT_SKIP_SIZED_FIELDS; f++)
        if (((widths >> (2 * f)) & 3) + 1 != layout_byte_width(largest[f]))
            return damaged(c, at(c, p), "skip widths 0x%04x: field %d takes %u bytes, its "
                           "largest value %u needs %u", widths, f, ((widths >> (2 * f)) & 3) + 1,
                           largest[f], layout_byte_width(largest[f]));
    if (list_max_tf != max_of_blocks)
        return damaged(c, at(c, bound_at), "dictionary max_tf %llu, the list's largest tf is %u",
                       (unsigned long long)list_max_tf, max_of_blocks);
    if (list_min_length != min_of_blocks)
        return damaged(c, at(c, bound_at), "dictionary min_length %llu, the list's shortest %s "
                       "is %u", (unsigned long long)list_min_length, title ? "title" : "body",
                       min_of_blocks);
    c->next_record = record_offset + record_length;
    c->fig.external_lists++;
    c->fig.postings_blocks += block_count;
    return 0;
}

/* ------------------------------------------------------- dictionary */

static int compare_keys(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length)
{
    size_t common = a_length < b_length ? a_length : b_length;
    int order = memcmp(a, b, common);
    if (order != 0)
        return order;
    return (a_length > b_length) - (a_length < b_length);
}

/* One dictionary entry at *p; the first of its block when `first_key`. */
/* Whether a pair key names two words of META's list and holds each
 * document once (pairs.h): 0, or -1. */
static int check_pair_key(const checker *c, const uint8_t *key, size_t key_length, uint64_t df,
                          uint64_t cf)
{
    const uint8_t *space = memchr(key + 1, ' ', key_length - 1);
    if (!space || cf != df)
        return -1;
    size_t first = (size_t)(space - key - 1);
    int a = pair_words_find(&c->pairs, (const char *)key + 1, first);
    int b = pair_words_find(&c->pairs, (const char *)space + 1, key_length - first - 2);
    if (a < 0 || b < 0)
        return -1;
    uint8_t made[2 + 2 * PAIR_WORD_MAX_BYTES];
    return pair_key_make(&c->pairs, a, b, made) == key_length
                   && memcmp(made, key, key_length) == 0 ? 0 : -1;
}

static int check_entry(checker *c, const uint8_t **cursor, const uint8_t *end,
                       const uint8_t *first_key, size_t first_key_length)
{
    const uint8_t *entry = *cursor, *p = entry;
    uint64_t common = 0, suffix, df, cf, extra;
    c->in_key = 0;
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    if (first_key) { /* not in the block: DICTINDEX holds it (FORMAT.md 3.4) */
        memcpy(key, first_key, first_key_length);
        key_length = first_key_length;
    } else {
        if (p == end)
            return damaged(c, at(c, entry), "dictionary entry: no key head");
        /* the key head (FORMAT.md 3.4): a nibble of 15 is completed by a
         * varint, and only a length of 15 or more takes one */
        common = *p >> 4;
        suffix = *p & 15;
        p++;
        if (common == 15) {
            if (take(c, &p, end, SEGMENT_MAX_KEY_BYTES, &extra, "dictionary entry prefix") != 0)
                return COPS_ECORRUPT;
            common += extra;
        }
        if (suffix == 15) {
            if (take(c, &p, end, SEGMENT_MAX_KEY_BYTES, &extra, "dictionary entry suffix") != 0)
                return COPS_ECORRUPT;
            suffix += extra;
        }
        if (common > c->key_length)
            return damaged(c, at(c, entry), "dictionary entry shares %llu bytes with a key of %zu",
                           (unsigned long long)common, c->key_length);
        if (common + suffix == 0 || common + suffix > SEGMENT_MAX_KEY_BYTES)
            return damaged(c, at(c, entry), "dictionary key of %llu bytes",
                           (unsigned long long)(common + suffix));
        if (suffix > (uint64_t)(end - p))
            return damaged(c, at(c, entry), "dictionary key runs past its block");
        if (common < c->key_length && suffix > 0 && p[0] == c->key[common])
            return damaged(c, at(c, entry),
                           "dictionary entry shares more than its %llu prefix bytes",
                           (unsigned long long)common);
        memcpy(key, c->key, (size_t)common);
        memcpy(key + common, p, (size_t)suffix);
        key_length = (size_t)(common + suffix);
        p += suffix;
    }
    if (c->have_key && compare_keys(c->key, c->key_length, key, key_length) >= 0) {
        c->in_key = 1; /* names the previous key */
        return damaged(c, at(c, entry), "next dictionary key is not greater than this one");
    }
    memcpy(c->key, key, key_length);
    c->key_length = key_length;
    c->have_key = 1;
    c->in_key = 1;

    const uint8_t *df_at = p;
    /* the counts: 2 (df - 1) + (cf > df), then cf - df - 1 when cf > df */
    uint64_t counts;
    if (take(c, &p, end, 2 * (uint64_t)UINT32_MAX, &counts, "dictionary entry df") != 0)
        return COPS_ECORRUPT;
    df = (counts >> 1) + 1;
    cf = df;
    if (counts & 1) {
        if (take(c, &p, end, UINT64_MAX - df - 1, &extra, "dictionary entry cf") != 0)
            return COPS_ECORRUPT;
        cf = df + 1 + extra;
    }
    if (df == 0 || df > c->documents)
        return damaged(c, at(c, df_at), "df %llu, the segment has %llu documents",
                       (unsigned long long)df, (unsigned long long)c->documents);
    if (cf < df)
        return damaged(c, at(c, df_at), "cf %llu is below df %llu", (unsigned long long)cf,
                       (unsigned long long)df);
    uint64_t cf_sum = 0;
    if (df <= SEGMENT_INLINE_MAX_DF) {
        uint32_t docs[SEGMENT_BLOCK_SIZE], tfs[SEGMENT_BLOCK_SIZE];
        /* the docs-block's size comes from its own head bytes, and so does
         * the positions' (cf values) */
        int has_tfs = segment_inline_has_tfs(df, cf);
        uint64_t implied_tf = has_tfs ? 0 : df == 1 ? cf : 1;
        int fixed_ids = segment_inline_fixed(df);
        size_t gaps_size = fixed_ids ? codec_packed_bytes(segment_doc_width(c->documents),
                                                          (size_t)df)
                                     : codec_block_size(p, end, (size_t)df);
        int ids_fit = fixed_ids ? gaps_size <= (size_t)(end - p) : gaps_size != 0;
        size_t tfs_size = ids_fit && has_tfs ? codec_block_size(p + gaps_size, end, (size_t)df)
                                             : 0;
        if (!ids_fit || (has_tfs && tfs_size == 0))
            return damaged(c, at(c, p), "inline postings run past their dictionary block");
        const uint8_t *docs_at = p;
        p += gaps_size + tfs_size;
        size_t positions_length = codec_stream_size(p, end, cf);
        if (positions_length == 0)
            return damaged(c, at(c, p), "inline positions run past their dictionary block");
        if (check_docs_block(c, &docs_at, docs_at + gaps_size + tfs_size, (uint32_t)df, -1, docs,
                             tfs, implied_tf, fixed_ids, "inline postings") != 0
            || check_positions(c, p, p + positions_length, (uint32_t)df, docs, tfs,
                               "inline positions") != 0)
            return COPS_ECORRUPT;
        for (uint32_t i = 0; i < df; i++)
            cf_sum += tfs[i];
        p += positions_length;
    } else {
        uint64_t offset, length, max_tf, min_length;
        if (take(c, &p, end, UINT64_MAX, &offset, "postings record offset") != 0
            || take(c, &p, end, UINT64_MAX, &length, "postings record length") != 0)
            return COPS_ECORRUPT;
        const uint8_t *bound_at = p;
        if (take(c, &p, end, UINT32_MAX, &max_tf, "list max_tf") != 0
            || take(c, &p, end, UINT32_MAX, &min_length, "list min_length") != 0)
            return COPS_ECORRUPT;
        if (check_record(c, entry, (uint32_t)df, &cf_sum, offset, length, bound_at, max_tf,
                         min_length) != 0)
            return COPS_ECORRUPT;
    }
    if (cf_sum != cf)
        return damaged(c, at(c, df_at), "cf %llu, the postings' tf add up to %llu",
                       (unsigned long long)cf, (unsigned long long)cf_sum);
    if (pair_key_is(key, key_length)) {
        /* a documents-only key of two listed words (pairs.h): not one of
         * META's terms */
        if (check_pair_key(c, key, key_length, df, cf) != 0)
            return damaged(c, at(c, entry), "pair key not of two listed words, or with tf above 1");
        c->fig.pair_keys++;
    } else {
        c->fig.keys++;
        c->fig.postings += df;
    }
    c->fig.positions += cf;
    c->in_key = 0;
    *cursor = p;
    return 0;
}

static int check_dictionary(checker *c)
{
    const section *index = &c->s[SECTION_DICTINDEX], *dict = &c->s[SECTION_DICTIONARY];
    if (index->length < 4)
        return damaged(c, index->offset, "DICTINDEX too short");
    uint32_t blocks = layout_get_u32(index->data);
    if ((uint64_t)blocks * LAYOUT_DICTINDEX_ENTRY_BYTES > index->length - 4)
        return damaged(c, index->offset, "DICTINDEX too short for %u blocks", blocks);
    const uint8_t *entries = index->data + 4;
    const uint8_t *keys = entries + (size_t)blocks * LAYOUT_DICTINDEX_ENTRY_BYTES;
    uint64_t keys_length = index->length - 4 - (uint64_t)blocks * LAYOUT_DICTINDEX_ENTRY_BYTES;
    if (blocks == 0 && (keys_length != 0 || dict->length != 0))
        return damaged(c, index->offset, "DICTINDEX has no block but %llu bytes of first keys, "
                       "DICTIONARY %llu bytes", (unsigned long long)keys_length,
                       (unsigned long long)dict->length);
    /* a block's length and its first key's are where the next entry's
     * start, the last ones' where DICTIONARY and first_keys end */
    for (uint32_t b = 0; b < blocks; b++) {
        const uint8_t *e = entries + (size_t)b * LAYOUT_DICTINDEX_ENTRY_BYTES;
        uint64_t offset = layout_get_u32(e), key_offset = layout_get_u32(e + LAYOUT_DICTINDEX_KEY_OFFSET);
        uint64_t end = b + 1 < blocks ? layout_get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES)
                                      : dict->length;
        uint64_t key_end = b + 1 < blocks ? layout_get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES
                                                         + LAYOUT_DICTINDEX_KEY_OFFSET)
                                          : keys_length;
        if (b == 0 && offset != 0)
            return damaged(c, at(c, e), "DICTINDEX entry 0: block at %llu, expected 0",
                           (unsigned long long)offset);
        if (end < offset || end - offset < 4 || end - offset > UINT32_MAX || end > dict->length)
            return damaged(c, at(c, e), "DICTINDEX entry %u: block of %llu bytes out of range", b,
                           (unsigned long long)(end - offset));
        if (b == 0 && key_offset != 0)
            return damaged(c, at(c, e) + LAYOUT_DICTINDEX_KEY_OFFSET, "DICTINDEX entry 0: first key at %llu, expected 0",
                           (unsigned long long)key_offset);
        if (key_end <= key_offset || key_end - key_offset > SEGMENT_MAX_KEY_BYTES
            || key_end > keys_length)
            return damaged(c, at(c, e) + LAYOUT_DICTINDEX_KEY_OFFSET, "DICTINDEX entry %u: first key of %llu bytes out of "
                           "range", b, (unsigned long long)(key_end - key_offset));
    }

    c->have_key = 0;
    c->next_record = 0;
    for (uint32_t b = 0; b < blocks; b++) {
        const uint8_t *e = entries + (size_t)b * LAYOUT_DICTINDEX_ENTRY_BYTES;
        uint64_t offset = layout_get_u32(e);
        uint32_t length = (uint32_t)((b + 1 < blocks ? layout_get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES)
                                                     : dict->length)
                                     - offset); /* checked above */
        const uint8_t *data = dict->data + offset, *end = data + length - 4;
        if (crc_of(data, length - 4) != layout_get_u32(end))
            return damaged(c, at(c, data), "dictionary block %u checksum mismatch", b);
        const uint8_t *first_key = keys + layout_get_u32(e + LAYOUT_DICTINDEX_KEY_OFFSET);
        size_t first_length = (b + 1 < blocks ? layout_get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES
                                                         + LAYOUT_DICTINDEX_KEY_OFFSET)
                                              : keys_length)
                              - layout_get_u32(e + LAYOUT_DICTINDEX_KEY_OFFSET);
        uint32_t count = 0;
        const uint8_t *p = data;
        while (p < end) {
            if (count == LAYOUT_DICT_BLOCK_TERMS)
                return damaged(c, at(c, p), "dictionary block %u holds more than %u keys", b,
                               LAYOUT_DICT_BLOCK_TERMS);
            if (check_entry(c, &p, end, count == 0 ? first_key : NULL, first_length) != 0)
                return COPS_ECORRUPT;
            count++;
        }
        if (count == 0)
            return damaged(c, at(c, data), "dictionary block %u is empty", b);
        if (b + 1 < blocks && count != LAYOUT_DICT_BLOCK_TERMS)
            return damaged(c, at(c, data), "dictionary block %u holds %u keys; only the last "
                           "block may hold fewer than %u", b, count, LAYOUT_DICT_BLOCK_TERMS);
    }
    c->fig.dictionary_blocks = blocks;
    const section *postings = &c->s[SECTION_POSTINGS];
    if (c->next_record != postings->length)
        return damaged(c, postings->offset + c->next_record,
                       "POSTINGS bytes that no dictionary entry refers to");
    if (c->fig.keys != c->meta[LAYOUT_META_TERMS])
        return damaged(c, c->meta_at[LAYOUT_META_TERMS],
                       "META terms is %llu, the dictionary holds %llu keys",
                       (unsigned long long)c->meta[LAYOUT_META_TERMS],
                       (unsigned long long)c->fig.keys);
    if (c->fig.postings != c->meta[LAYOUT_META_POSTINGS])
        return damaged(c, c->meta_at[LAYOUT_META_POSTINGS],
                       "META postings is %llu, the dictionary's df add up to %llu",
                       (unsigned long long)c->meta[LAYOUT_META_POSTINGS],
                       (unsigned long long)c->fig.postings);
    return 0;
}

/* SURFACE (FORMAT.md 3.10): empty when the segment has no dictionary of
 * words as written, else every block. */
static int check_surface(checker *c)
{
    const section *s = &c->s[SECTION_SURFACE];
    if (s->length == 0)
        return 0;
    int rc = check_section_crc(c, SECTION_SURFACE);
    if (rc != 0)
        return rc;
    if (!c->meta[LAYOUT_META_STEM])
        return damaged(c, s->offset, "SURFACE forms in a segment that is not stemmed");
    surface_section view = {s->data, (size_t)s->length, c->path, s->offset};
    uint64_t forms;
    rc = surface_check(&view, &forms, c->err);
    (void)forms;
    return rc;
}

/* ------------------------------------------------------------ segment */

static int check_mapped(checker *c)
{
    static const uint32_t small[] = {SECTION_META, SECTION_CHUNKCRCS, SECTION_DOCLENGTHS,
                                     SECTION_DOCDATES, SECTION_DOCINDEX, SECTION_DICTINDEX,
                                     SECTION_DOCMETAINDEX};
    static const uint32_t large[] = {SECTION_DOCSTORE, SECTION_DOCMETA, SECTION_DICTIONARY,
                                     SECTION_POSTINGS};
    int rc = check_layout(c);
    for (size_t i = 0; rc == 0 && i < sizeof small / sizeof small[0]; i++)
        rc = check_section_crc(c, small[i]);
    if (rc == 0)
        rc = check_chunk_crcs(c);
    if (rc == 0)
        rc = check_meta(c);
    if (rc == 0)
        rc = check_lengths_and_dates(c);
    if (rc == 0)
        rc = check_docstore(c);
    if (rc == 0)
        rc = check_docmeta(c);
    if (rc == 0)
        rc = check_dictionary(c);
    if (rc == 0)
        rc = check_surface(c);
    for (size_t i = 0; rc == 0 && i < sizeof large / sizeof large[0]; i++)
        rc = check_section_crc(c, large[i]);
    return rc;
}

/* ------------------------------------------------------- pair keys */

/* Whether the body positions of the cursors' current document put `b`
 * right after `a` (pairs.h): 1, 0, or a negative status on damage. */
static int adjacent_in_document(postings_cursor *a, postings_cursor *b, uint32_t **buffer,
                                size_t *capacity)
{
    uint32_t ta = postings_tf(a), tb = postings_tf(b);
    if ((size_t)ta + tb > *capacity) {
        uint32_t *grown = realloc(*buffer, ((size_t)ta + tb) * sizeof *grown);
        if (!grown)
            return COPS_ENOMEM;
        *buffer = grown;
        *capacity = (size_t)ta + tb;
    }
    uint32_t *pa = *buffer, *pb = *buffer + ta;
    int na = postings_positions(a, pa), nb = na < 0 ? na : postings_positions(b, pb);
    if (nb < 0)
        return nb;
    for (int i = 0, j = 0; i < na && j < nb;) {
        uint64_t want = (uint64_t)pa[i] + 1;
        if (pb[j] == want)
            return 1;
        if (pb[j] < want)
            j++;
        else
            i++;
    }
    return 0;
}

/* Scratch space of check_pair_keys: cursors on a key and its two words,
 * and room for a document's positions of both. */
typedef struct pair_scratch {
    postings_cursor cur[3];
    uint32_t *positions;
    size_t capacity;
} pair_scratch;

/* Whether the key of words a and b, where present, holds exactly the
 * documents whose body has b right after a: 0, or a status. */
static int check_pair_key_documents(checker *c, segment *seg, pair_scratch *s, uint32_t a,
                                    uint32_t b)
{
    uint8_t key[2 + 2 * PAIR_WORD_MAX_BYTES];
    segment_term pair, first, second;
    int found = segment_lookup(seg, key, pair_key_make(&c->pairs, (int)a, (int)b, key), &pair,
                               c->err);
    if (found <= 0)
        return found;
    int words = segment_lookup(seg, (const uint8_t *)c->pairs.word[a], c->pairs.length[a],
                               &first, c->err);
    if (words > 0)
        words = segment_lookup(seg, (const uint8_t *)c->pairs.word[b], c->pairs.length[b],
                               &second, c->err);
    if (words < 0)
        return words;
    postings_cursor *in_key = &s->cur[0], *left = &s->cur[1], *right = &s->cur[2];
    postings_open(in_key, seg, &pair);
    uint32_t doc = POSTINGS_END;
    if (words > 0) {
        postings_open(left, seg, &first);
        postings_open(right, seg, &second);
        doc = left->doc;
    }
    /* the documents of both words in order, each adjacent one the key's
     * next */
    while (doc != POSTINGS_END) {
        uint32_t other = postings_next_geq(right, doc);
        if (other != doc) {
            doc = other == POSTINGS_END ? other : postings_next_geq(left, other);
            continue;
        }
        int adjacent = adjacent_in_document(left, right, &s->positions, &s->capacity);
        if (adjacent == COPS_ENOMEM)
            return error_set(c->err, COPS_ENOMEM, "out of memory checking the pair keys");
        if (adjacent < 0)
            return damaged(c, c->s[SECTION_POSTINGS].offset,
                           "positions of the words of pair key \"%s %s\" unreadable",
                           c->pairs.word[a], c->pairs.word[b]);
        if (adjacent != (in_key->doc == doc))
            return damaged(c, c->s[SECTION_DICTIONARY].offset,
                           adjacent ? "pair key \"%s %s\" lacks document %u, where its words "
                                      "stand side by side"
                                    : "pair key \"%s %s\" holds document %u, where its words "
                                      "are not side by side",
                           c->pairs.word[a], c->pairs.word[b], doc);
        if (adjacent)
            postings_next(in_key);
        doc = postings_next(left);
    }
    if (in_key->doc != POSTINGS_END)
        return damaged(c, c->s[SECTION_DICTIONARY].offset,
                       "pair key \"%s %s\" holds document %u, where its words are not side by "
                       "side", c->pairs.word[a], c->pairs.word[b], in_key->doc);
    return segment_damage(seg, c->err);
}

/* That each pair key present holds exactly the documents whose body has
 * its two words at consecutive positions (pairs.h): a query takes a key's
 * documents as the phrase's matches without reading positions, so a key
 * that disagrees with them changes answers, which only this can see. */
static int check_pair_keys(checker *c, segment *seg)
{
    pair_scratch *s = malloc(sizeof *s);
    if (!s)
        return error_set(c->err, COPS_ENOMEM, "out of memory checking the pair keys");
    s->positions = NULL;
    s->capacity = 0;
    int rc = 0;
    for (uint32_t a = 0; rc == 0 && a < c->pairs.count; a++)
        for (uint32_t b = 0; rc == 0 && b < c->pairs.count; b++)
            rc = check_pair_key_documents(c, seg, s, a, b);
    free(s->positions);
    free(s);
    return rc;
}

int check_segment(const char *path, uint64_t expected_bytes, check_figures *figures,
                  cops_error *err)
{
    return check_segment_at(AT_FDCWD, NULL, path, expected_bytes, figures, err);
}

int check_segment_at(int dir_fd, const char *dir, const char *name, uint64_t expected_bytes,
                     check_figures *figures, cops_error *err)
{
    char path[4096 + MANIFEST_MAX_NAME];
    snprintf(path, sizeof path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    checker c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.err = err;
    int fd;
    int opened = file_open_regular_at(dir_fd, dir, name, &fd, &c.size, err);
    if (opened != 0)
        return opened;
    int rc = 0;
    if (expected_bytes != UINT64_MAX && c.size != expected_bytes)
        rc = damaged(&c, c.size < expected_bytes ? c.size : expected_bytes,
                     "file is %llu bytes, MANIFEST says %llu%s", (unsigned long long)c.size,
                     (unsigned long long)expected_bytes,
                     c.size < expected_bytes ? " (truncated)" : "");
    else if (c.size > SIZE_MAX || c.size < LAYOUT_HEADER_BYTES + LAYOUT_TRAILER_BYTES)
        rc = damaged(&c, c.size, "file too short (%llu bytes) for a header and a trailer",
                     (unsigned long long)c.size);
    void *map = rc == 0 ? mmap(NULL, (size_t)c.size, PROT_READ, MAP_SHARED, fd, 0) : NULL;
    if (map == MAP_FAILED)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot map %s", path);
    if (rc == 0) {
        c.map = map;
        rc = check_mapped(&c);
        munmap(map, (size_t)c.size);
        free(c.raw);
    }
    if (rc == 0) {
        /* Whatever the checker accepts, the reader must open: the very
         * file checked, even if its name was given to another since. */
        segment *seg;
        rc = segment_open_descriptor(fd, c.size, path, &seg, err);
        if (rc == 0)
            rc = check_pair_keys(&c, seg);
        segment_close(seg);
    }
    close(fd);
    if (rc == 0) {
        c.fig.bytes = c.size;
        c.fig.documents = c.documents;
        if (figures)
            *figures = c.fig;
    }
    return rc;
}

/* ------------------------------------------------------------- index */

static int manifest_damaged(cops_error *err, const char *path, uint64_t offset,
                            const char *format, ...) COPS_PRINTF(4, 5);
static int manifest_damaged(cops_error *err, const char *path, uint64_t offset,
                            const char *format, ...)
{
    char what[256];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    return error_set(err, COPS_ECORRUPT, "%s: byte %llu: %s", path, (unsigned long long)offset,
                     what);
}

/* Checks of the manifest's bytes beyond manifest_read's: where the
 * checksum fails, and that the text is exactly what the writer writes.
 * `line_at` (OUT) receives the offset of each segment line. */
static int check_manifest_text(int dir_fd, const char *dir, const char *path, manifest *m,
                               uint64_t *line_at, cops_error *err)
{
    static char text[MANIFEST_MAX_BYTES + 1], parsed[MANIFEST_MAX_BYTES + 1];
    size_t length;
    int status = manifest_read_text_at(dir_fd, dir, text, &length, err);
    if (status != 0)
        return status;
    if (memchr(text, '\0', length))
        return manifest_damaged(err, path, strlen(text), "NUL byte in the manifest");
    const char *checksum = strstr(text, "checksum ");
    if (!checksum || (checksum != text && checksum[-1] != '\n'))
        return manifest_damaged(err, path, checksum ? (uint64_t)(checksum - text) : length,
                                "no checksum line");
    uint64_t checksum_at = (uint64_t)(checksum - text);
    for (int i = 0; i < 8; i++) {
        char h = checksum[9 + i];
        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f')))
            return manifest_damaged(err, path, checksum_at + 9 + (uint64_t)i,
                                    "checksum is not 8 lowercase hex digits");
    }
    if (checksum[17] != '\n' || checksum[18] != '\0')
        return manifest_damaged(err, path, checksum_at + 17, "bytes after the checksum");
    uint32_t stored = (uint32_t)strtoul(checksum + 9, NULL, 16);
    uint32_t computed = (uint32_t)crc32(0, (const Bytef *)text, (uInt)checksum_at);
    if (stored != computed)
        return manifest_damaged(err, path, checksum_at, "manifest checksum mismatch (stored %08x, "
                                "computed %08x)", (unsigned)stored, (unsigned)computed);
    memcpy(parsed, text, length + 1); /* the bytes checked, not a second read */
    int rc = manifest_parse(parsed, path, m, err);
    if (rc != 0)
        return rc;
    /* The writer's exact text (manifest_format); segment i is line i + 2. */
    byte_buffer canonical = BUFFER_INIT;
    manifest_format(m, &canonical);
    if (buffer_failed(&canonical)) {
        buffer_free(&canonical);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    size_t n = canonical.length, line = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || canonical.data[i - 1] == '\n') {
            if (line >= 2 && line - 2 < m->segment_count)
                line_at[line - 2] = i;
            line++;
        }
    int same = n == checksum_at && memcmp(canonical.data, text, n) == 0;
    size_t differs = 0;
    while (differs < n && differs < checksum_at && canonical.data[differs] == (uint8_t)text[differs])
        differs++;
    buffer_free(&canonical);
    if (!same)
        return manifest_damaged(err, path, differs, "manifest is not in the writer's form");
    uint64_t documents = 0;
    for (size_t i = 0; i < m->segment_count; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->segments[i].name, m->segments[j].name) == 0)
                return manifest_damaged(err, path, line_at[i], "segment %s is listed twice",
                                        m->segments[i].name);
        documents += m->segments[i].documents;
        if (documents >= UINT32_MAX)
            return manifest_damaged(err, path, line_at[i], "too many documents in the index");
    }
    return 0;
}

/* Deletion bitmaps and the files catalog: every bitmap sound and as
 * counted in the manifest; every catalog range inside a listed segment,
 * on live documents only, no two ranges sharing a document, and together
 * covering every live document.  *live (IN/OUT): stored -> live count. */
static int check_updates(int dir_fd, const char *dir, const manifest *m, FILE *report,
                         uint64_t *live, cops_error *err)
{
    deletions *dels = calloc(m->segment_count + 1, sizeof *dels);
    unsigned char **covered = calloc(m->segment_count + 1, sizeof *covered);
    catalog files;
    memset(&files, 0, sizeof files);
    int rc = dels && covered ? 0 : error_set(err, COPS_ENOMEM, "out of memory");
    uint64_t deleted = 0;
    for (size_t s = 0; rc == 0 && s < m->segment_count; s++) {
        const manifest_segment *seg = &m->segments[s];
        rc = seg->deletions[0] ? deletions_read_at(dir_fd, dir, seg->deletions,
                                                   (uint32_t)seg->documents, &dels[s], err)
                               : deletions_init(&dels[s], (uint32_t)seg->documents, err);
        if (rc == 0 && dels[s].deleted != seg->deleted)
            rc = error_set(err, COPS_ECORRUPT, "%s/%s: %u deleted documents, the manifest says "
                           "%llu", dir, seg->deletions, dels[s].deleted,
                           (unsigned long long)seg->deleted);
        if (rc == 0 && !(covered[s] = calloc((size_t)seg->documents + 1, 1)))
            rc = error_set(err, COPS_ENOMEM, "out of memory");
        deleted += dels[s].deleted;
    }
    if (rc == 0 && m->files[0])
        rc = catalog_read_at(dir_fd, dir, m->files, manifest_documents(m), &files, err);
    uint64_t in_files = 0;
    for (size_t i = 0; rc == 0 && i < files.count; i++) {
        const catalog_entry *e = &files.entries[i];
        if (strcmp(e->path, "-") != 0 /* standard input's, in no root */
            && !catalog_roots_contain((const char *const *)files.roots, files.root_count,
                                      e->path)) {
            rc = error_set(err, COPS_ECORRUPT, "%s/%s: %s lies in none of the index's roots", dir,
                           m->files, e->path);
            break;
        }
        size_t s = 0;
        while (s < m->segment_count && strcmp(m->segments[s].name, e->segment) != 0)
            s++;
        if (s == m->segment_count || (uint64_t)e->first_doc + e->doc_count > m->segments[s].documents
            || e->doc_count == 0) {
            rc = error_set(err, COPS_ECORRUPT, "%s/%s: the documents of %s are not in the index",
                           dir, m->files, e->path);
            break;
        }
        /* A range may hold records deleted by id (cops-index --delete);
         * its live documents are the file's. */
        for (uint32_t doc = e->first_doc; rc == 0 && doc < e->first_doc + e->doc_count; doc++) {
            if (deletions_test(&dels[s], doc))
                continue;
            if (covered[s][doc])
                rc = error_set(err, COPS_ECORRUPT, "%s/%s: %s claims document %u of %s, which is "
                               "another file's", dir, m->files, e->path, doc, e->segment);
            covered[s][doc] = 1;
            in_files++;
        }
    }
    if (rc == 0 && m->files[0] && in_files != *live - deleted)
        rc = error_set(err, COPS_ECORRUPT, "%s/%s: files account for %llu documents, the index "
                       "holds %llu live ones", dir, m->files, (unsigned long long)in_files,
                       (unsigned long long)(*live - deleted));
    if (rc == 0 && report && (m->files[0] || deleted)) {
        report_start(report, dir);
        fprintf(report, "%llu deleted documents in bitmaps, %zu files under %zu roots in the "
                "catalog: ok\n", (unsigned long long)deleted, files.count, files.root_count);
    }
    if (rc == 0)
        *live -= deleted;
    for (size_t s = 0; dels && s < m->segment_count; s++)
        deletions_free(&dels[s]);
    for (size_t s = 0; covered && s < m->segment_count; s++)
        free(covered[s]);
    free(dels);
    free(covered);
    catalog_free(&files);
    return rc;
}

int cops_index_check(const char *index_dir, FILE *report, cops_error *err)
{
    if (!index_dir)
        return error_set(err, COPS_EINVAL, "no index directory");
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", index_dir, MANIFEST_NAME) >= sizeof path)
        return error_set(err, COPS_EINVAL, "index path too long: %s", index_dir);
    /* Every file is read from the directory opened once (base/file.h), so
     * the report is of one index even if the folder is swapped meanwhile. */
    int dir_fd;
    int rc = file_hold_directory(index_dir, &dir_fd, err);
    if (rc == COPS_ENOINDEX)
        return error_set_errno(err, COPS_ENOINDEX, ENOENT, "no index at %s: cannot read %s",
                               index_dir, path);
    if (rc != 0)
        return rc;
    manifest *m = malloc(sizeof *m);
    if (!m) {
        close(dir_fd);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    uint64_t line_at[MANIFEST_MAX_SEGMENTS] = {0};
    rc = check_manifest_text(dir_fd, index_dir, path, m, line_at, err);
    if (rc == 0 && report) {
        report_start(report, path);
        fprintf(report, "generation %llu, %zu segment%s, checksum ok\n",
                (unsigned long long)m->generation, m->segment_count,
                m->segment_count == 1 ? "" : "s");
    }
    check_figures total = {0};
    for (size_t i = 0; rc == 0 && i < m->segment_count; i++) {
        const manifest_segment *s = &m->segments[i];
        char segment_path[4096 + MANIFEST_MAX_NAME];
        snprintf(segment_path, sizeof segment_path, "%s/%s", index_dir, s->name);
        check_figures f;
        rc = check_segment_at(dir_fd, index_dir, s->name, s->bytes, &f, err);
        if (rc == COPS_ENOINDEX) {
            rc = manifest_damaged(err, path, line_at[i], "segment %s is missing (%s)", s->name,
                                  err ? err->message : "no such file");
            break;
        }
        if (rc != 0)
            break;
        if (f.documents != s->documents) {
            rc = manifest_damaged(err, path, line_at[i], "segment %s holds %llu documents, the "
                                  "manifest says %llu", s->name,
                                  (unsigned long long)f.documents,
                                  (unsigned long long)s->documents);
            break;
        }
        if (report) {
            report_start(report, segment_path);
            fprintf(report, "%llu bytes, 10 sections: %llu documents (%llu stored-text "
                    "blocks, %llu metadata chunks), %llu keys (%llu dictionary blocks, %llu "
                    "blocked lists of %llu blocks), %llu postings, %llu positions: ok\n",
                    (unsigned long long)f.bytes, (unsigned long long)f.documents,
                    (unsigned long long)f.docstore_blocks, (unsigned long long)f.metadata_chunks,
                    (unsigned long long)f.keys, (unsigned long long)f.dictionary_blocks,
                    (unsigned long long)f.external_lists, (unsigned long long)f.postings_blocks,
                    (unsigned long long)f.postings, (unsigned long long)f.positions);
        }
        total.documents += f.documents;
        total.keys += f.keys;
        total.postings += f.postings;
    }
    if (rc == 0)
        rc = check_updates(dir_fd, index_dir, m, report, &total.documents, err);
    if (rc == 0 && report) {
        report_start(report, index_dir);
        fprintf(report, "no problems found (%llu live documents, %llu keys, %llu postings)\n",
                (unsigned long long)total.documents, (unsigned long long)total.keys,
                (unsigned long long)total.postings);
    }
    free(m);
    close(dir_fd);
    return rc;
}
