/*
 * layout.h — constants and little-endian helpers of the segment file
 * layout, shared by the writer and the reader.  FORMAT.md is the
 * specification; keep the two in step.
 */
#ifndef COPS_INDEX_FORMAT_LAYOUT_H
#define COPS_INDEX_FORMAT_LAYOUT_H

#include <stdint.h>
#include <string.h>

#define LAYOUT_MAGIC "COPSSEG\0"           /* 8 bytes, first in the file */
#define LAYOUT_TRAILER_MAGIC "COPSEND\0"   /* 8 bytes, last in the file */
#define LAYOUT_HEADER_BYTES 16             /* magic, version u32, reserved u32 */
#define LAYOUT_TRAILER_BYTES 24            /* toc offset u64, toc length u32, toc crc u32, magic */
#define LAYOUT_TOC_ENTRY_BYTES 24          /* kind u32, crc u32, offset u64, length u64 */
/* Keys per front-coded dictionary block: a look-up walks half a block on
 * average, about 190 instructions a key (64 before 2026120401: 16 cut a
 * rare-term top 10 on wiki-dev by a sixth for a dictionary 5 % larger). */
#define LAYOUT_DICT_BLOCK_TERMS 16
/* Raw bytes after which the writer closes a stored-document block.  A
 * snippet inflates its hit's whole block: 4 KiB (16 KiB before 2026-12-03)
 * made a one-shot query with snippets 15-30 % cheaper on wiki-dev for a
 * docstore 2 % larger (bench/README.md, "oneshot"). */
#define LAYOUT_DOCSTORE_BLOCK_BYTES 4096
#define LAYOUT_DOCSTORE_BIG_DOCUMENT (1u << 20) /* a text this large gets a block of its own */
#define LAYOUT_DOCINDEX_ENTRY_BYTES 16     /* offset u64, first doc u32, count u32 */
#define LAYOUT_DICTINDEX_ENTRY_BYTES 8     /* offset u32, key offset u32 (FORMAT.md 3.5) */
#define LAYOUT_DICTINDEX_KEY_OFFSET 4      /* where an entry's key offset is */
#define LAYOUT_DOCMETA_CHUNK_DOCUMENTS 128 /* documents per metadata chunk */

/* Section kinds (TOC entry `kind`). */
enum layout_section {
    SECTION_META = 1,      /* "key value\n" lines */
    SECTION_DOCLENGTHS,    /* body length x N, title length x N (narrow, FORMAT.md 3.7) */
    SECTION_DOCDATES,      /* YYYYMMDD x N [insertion position x N] (narrow) */
    SECTION_DOCSTORE,      /* zlib blocks of stored document texts */
    SECTION_DOCINDEX,      /* one entry per DOCSTORE block */
    SECTION_POSTINGS,      /* external postings records */
    SECTION_DICTIONARY,    /* front-coded key blocks */
    SECTION_DICTINDEX,     /* one entry per dictionary block, then first keys */
    SECTION_DOCMETA,       /* chunks of (id, title) records, each with a CRC */
    SECTION_DOCMETAINDEX,  /* u64 offset of each DOCMETA chunk */
    SECTION_CHUNKCRCS,     /* CRC32 of each LAYOUT_CHUNK_BYTES of the chunked sections */
    SECTION_SURFACE,       /* words as written -> their terms (surface.h) */
    SECTION_KIND_COUNT
};

/* The META section's keys, one "key value\n" line each in this order
 * (FORMAT.md 3.8): decimal numbers but for the language's name. */
enum layout_meta_key {
    LAYOUT_META_DOCUMENTS,
    LAYOUT_META_BODY_TOKENS,
    LAYOUT_META_TITLE_TOKENS,
    LAYOUT_META_TERMS,
    LAYOUT_META_POSTINGS,
    LAYOUT_META_BODY_LENGTH_BYTES, /* the widths of the per-document tables */
    LAYOUT_META_TITLE_LENGTH_BYTES,
    LAYOUT_META_DATE_BYTES,
    LAYOUT_META_INSERTION_BYTES,
    LAYOUT_META_STEM,
    LAYOUT_META_LANGUAGE,
    LAYOUT_META_KEY_COUNT
};

/* An optional line after "language": "exact_forms 1" when every word as
 * written is also a key (FORMAT.md 3.8). */
#define LAYOUT_META_EXACT_FORMS_KEY "exact_forms"
/* The last line, when the segment has pair keys (pairs.h): "pair_words"
 * and the words, separated by single spaces. */
#define LAYOUT_META_PAIR_WORDS_KEY "pair_words"

static inline const char *layout_meta_key_name(enum layout_meta_key key)
{
    static const char *const names[LAYOUT_META_KEY_COUNT] = {
        "documents",         "body_tokens",      "title_tokens", "terms",
        "postings",          "body_length_bytes", "title_length_bytes", "date_bytes",
        "insertion_bytes",   "stem",             "language"};
    return names[key];
}

/* The per-document tables of DOCLENGTHS and DOCDATES (FORMAT.md 3.7), in
 * the order of their widths in META.  Each value takes the table's width
 * in bytes (0, 1, 2 or 4: the fewest its largest value needs, 0 when
 * every value is 0, see layout_table_width), so wiki-dev's lengths, dates
 * and insertion positions take 5 bytes a document where they took 16. */
enum layout_doc_table {
    LAYOUT_TABLE_BODY_LENGTH,
    LAYOUT_TABLE_TITLE_LENGTH,
    LAYOUT_TABLE_DATE,
    LAYOUT_TABLE_INSERTION,
    LAYOUT_TABLE_COUNT
};

/* The width the writer gives table `t` whose largest value is `max`.  The
 * body lengths take at least a byte, so DOCLENGTHS holds a byte per
 * document and a reader's per-document arrays stay bounded by the file. */
static inline unsigned layout_table_width(enum layout_doc_table t, uint32_t max)
{
    return max > 0xffff ? 4 : max > 0xff ? 2 : max > 0 || t == LAYOUT_TABLE_BODY_LENGTH ? 1 : 0;
}

static inline int layout_table_width_valid(enum layout_doc_table t, uint64_t width)
{
    return (width == 0 && t != LAYOUT_TABLE_BODY_LENGTH) || width == 1 || width == 2 || width == 4;
}

/* A document identifier that is a number (FORMAT.md 3.2a): decimal
 * digits without a leading zero ("0" itself is one), at most 2^63 - 1,
 * so that DOCMETA keeps it as vint(2 * value + 1) where its text took a
 * byte a digit (wiki-dev's page ids: 0.20 MB less).  1 and its value, or
 * 0 for any other identifier, which is kept as its text. */
static inline int layout_id_number(const char *id, size_t length, uint64_t *value)
{
    if (length == 0 || length > 19 || (id[0] == '0' && length > 1))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < length; i++) {
        if (id[i] < '0' || id[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(id[i] - '0');
    }
    if (v > (UINT64_MAX >> 1))
        return 0;
    *value = v;
    return 1;
}

/* The decimal digits of `value` into out (no terminator); their count. */
static inline size_t layout_id_digits(uint64_t value, char out[20])
{
    char reversed[20];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

/* The sections whose size grows with the index but that a query reads
 * only a little of: checked LAYOUT_CHUNK_BYTES at a time when first read,
 * against SECTION_CHUNKCRCS, which lists their chunks' CRCs in this order
 * (so opening a segment costs the same whatever its size). */
#define LAYOUT_CHUNK_BYTES 4096u
#define LAYOUT_CHUNKED_SECTIONS                                                      \
    { SECTION_DOCMETAINDEX, SECTION_DICTINDEX, SECTION_DOCINDEX, SECTION_DOCLENGTHS, \
      SECTION_DOCDATES }
#define LAYOUT_CHUNKED_SECTION_COUNT 5

static inline uint32_t layout_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A value of a per-document table, `width` (0, 1, 2 or 4) bytes at `p`. */
static inline uint32_t layout_get_uint(const uint8_t *p, unsigned width)
{
    switch (width) {
    case 0: return 0;
    case 1: return p[0];
    case 2: return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    default: return layout_get_u32(p);
    }
}

/* Table `t`'s section, and where it starts there: the second table of a
 * section follows the first's N values of `first_width` bytes. */
static inline uint32_t layout_table_section(enum layout_doc_table t)
{
    return t <= LAYOUT_TABLE_TITLE_LENGTH ? SECTION_DOCLENGTHS : SECTION_DOCDATES;
}

static inline uint64_t layout_table_start(enum layout_doc_table t, uint64_t documents,
                                          unsigned first_width)
{
    return t == LAYOUT_TABLE_TITLE_LENGTH || t == LAYOUT_TABLE_INSERTION ? documents * first_width
                                                                          : 0;
}

static inline uint64_t layout_get_u64(const uint8_t *p)
{
    return (uint64_t)layout_get_u32(p) | (uint64_t)layout_get_u32(p + 4) << 32;
}

static inline void layout_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A postings record's skip entries (FORMAT.md 3.3 "skip entry"): five
 * numbers of 1 to 4 bytes each, the same widths in every entry of the
 * record (its `widths`, two bits a field: width - 1), then the two CRCs
 * as u32.  Since 2026120701; before, seven u32 (28 bytes an entry, where
 * wiki-dev's take 14 to 19, 17.0 on average). */
enum layout_skip_field {
    LAYOUT_SKIP_LAST_DOC,
    LAYOUT_SKIP_BLOCK_OFFSET,
    LAYOUT_SKIP_POSITIONS_OFFSET,
    LAYOUT_SKIP_MAX_TF,
    LAYOUT_SKIP_MIN_LENGTH,
    LAYOUT_SKIP_BLOCK_CRC,
    LAYOUT_SKIP_POSITIONS_CRC,
    LAYOUT_SKIP_FIELDS
};
#define LAYOUT_SKIP_SIZED_FIELDS 5 /* the numbers; the CRCs are always 4 bytes */
#define LAYOUT_SKIP_WIDTHS_BYTES 2 /* the record's widths: u16 */

typedef struct layout_skip {
    uint32_t mask[LAYOUT_SKIP_SIZED_FIELDS]; /* each number's width as a mask */
    uint8_t at[LAYOUT_SKIP_FIELDS];          /* each field's offset in an entry */
    uint8_t stride;                          /* bytes of an entry: 13 to 28 */
} layout_skip;                               /* 28 bytes; a cursor holds one */

/* The bytes a field needs for `value`: 1 to 4. */
static inline unsigned layout_byte_width(uint32_t value)
{
    return value < 1u << 8 ? 1 : value < 1u << 16 ? 2 : value < 1u << 24 ? 3 : 4;
}

/* The entries' layout from a record's widths; -1 when bits 10-15 are set.
 * Straight-line: every external list's opening runs it. */
static inline int layout_skip_from_widths(uint32_t widths, layout_skip *skip)
{
    if (widths >> (2 * LAYOUT_SKIP_SIZED_FIELDS))
        return -1;
    unsigned at = 0;
    for (int f = 0; f < LAYOUT_SKIP_SIZED_FIELDS; f++) {
        unsigned code = (widths >> (2 * f)) & 3; /* width - 1 */
        skip->mask[f] = UINT32_MAX >> (24 - 8 * code);
        skip->at[f] = (uint8_t)at;
        at += code + 1;
    }
    skip->at[LAYOUT_SKIP_BLOCK_CRC] = (uint8_t)at;
    skip->at[LAYOUT_SKIP_POSITIONS_CRC] = (uint8_t)(at + 4);
    skip->stride = (uint8_t)(at + 8);
    return 0;
}

static inline unsigned layout_skip_stride(const layout_skip *skip)
{
    return skip->stride;
}

/* Where field `field` starts in an entry. */
static inline unsigned layout_skip_at(const layout_skip *skip, enum layout_skip_field field)
{
    return field == LAYOUT_SKIP_LAST_DOC ? 0 : skip->at[field]; /* a constant where it is first */
}

/* The width of field `field` in bytes (1 to 4). */
static inline unsigned layout_skip_width(const layout_skip *skip, enum layout_skip_field field)
{
    return (field + 1 < LAYOUT_SKIP_FIELDS ? skip->at[field + 1] : skip->stride) - skip->at[field];
}

/* Field `field` of the entry at `entry`.  Four bytes are read and the
 * width (1 to 4 bytes) kept: the two CRCs (8 bytes) after the numbers
 * keep the read inside the entry. */
static inline uint32_t layout_skip_get(const layout_skip *skip, const uint8_t *entry,
                                       enum layout_skip_field field)
{
    uint32_t value = layout_get_u32(entry + layout_skip_at(skip, field));
    return field < LAYOUT_SKIP_SIZED_FIELDS ? value & skip->mask[field] : value;
}

#endif
