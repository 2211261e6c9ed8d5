/*
 * fuzz-segment.c — the segment decoders on hostile bytes.
 *
 * A small valid segment is built once (130 short documents, two dictionary
 * blocks, inline lists, title keys, and one key in every document so an
 * external list with two postings blocks exists).  Each input edits a copy
 * of its bytes, the edited file is opened, and on success every reader
 * entry point is driven over it: lookups of every original key, full
 * postings iteration with positions, next_geq jumps, prefix scans, scans
 * of the SURFACE dictionary (three blocks of words as written), every
 * document and its metadata, segment_damage.
 *
 * Input layout:
 *   byte 0      flags: bit 0 truncate, bit 1 re-seal the checksums after
 *               the edits (so the decoders behind the CRCs see the damage),
 *               bits 2-7 the next_geq stride
 *   bytes 1-3   truncation length (little endian, modulo the file size)
 *   then        edits of 4 bytes: offset (3 bytes, little endian, modulo
 *               the size) and a byte XORed in there
 * Re-sealing recomputes, from the layout of the original file, every block
 * CRC (dictionary, stored documents, skip table, postings and positions
 * blocks, SURFACE blocks and its block index), the chunk CRCs of
 * CHUNKCRCS, the section CRCs in the TOC and
 * the TOC CRC in the trailer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "index-format/check.h"
#include "index-format/codec.h"
#include "index-format/layout.h"
#include "index-format/segment.h"
#include "index-format/surface.h"
#include "query/bm25.h"
#include "query/matcher.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DOCS 130 /* > 128: the key in every document gets two postings blocks */
#define MAX_KEYS 160
#define MAX_SEALS 96
#define SURFACE_FORMS 150 /* three SURFACE blocks */
/* Each document's body and title lengths: past the last position add_term
 * writes (3 (tf - 1) + doc % 5, tf up to 7 in the body, 1 in the title),
 * so that the seed passes check_segment, which then meets only the edits. */
#define BODY_TOKENS 23
#define TITLE_TOKENS 5

static uint8_t *original;
static size_t original_size;
static char keys[MAX_KEYS][16];
static size_t key_count;
static char segment_file[4200];

/* A CRC field at `at` covering [start, start + length). */
typedef struct seal {
    size_t at, start, length;
} seal;
static seal seals[MAX_SEALS];
static size_t seal_count;

/* Where each dictionary block of the original lies, to find the key an
 * edit falls in. */
#define MAX_DICT_BLOCKS 4
static size_t dict_block_start[MAX_DICT_BLOCKS], dict_block_length[MAX_DICT_BLOCKS];
static size_t dict_block_count;

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint64_t get_vint(const uint8_t **p)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

static void add_seal(size_t at, size_t start, size_t length)
{
    if (seal_count == MAX_SEALS || at + 4 > original_size || start + length > original_size) {
        fprintf(stderr, "fuzz-segment: unexpected layout of the seed segment\n");
        abort();
    }
    seals[seal_count++] = (seal){at, start, length};
}

/* Record where the CRCs of the original segment are (FORMAT.md §3),
 * innermost first so re-sealing in order leaves every CRC right. */
static void find_seals(void)
{
    const uint8_t *b = original;
    const uint8_t *trailer = b + original_size - 24;
    uint64_t toc_offset = get_u64(trailer);
    uint32_t toc_length = get_u32(trailer + 8);
    uint32_t count = get_u32(b + toc_offset);
    uint64_t section_offset[SECTION_KIND_COUNT] = {0}, section_length[SECTION_KIND_COUNT] = {0};
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = b + toc_offset + 4 + 24 * (size_t)i;
        uint32_t kind = get_u32(e);
        if (kind >= 1 && kind < SECTION_KIND_COUNT) {
            section_offset[kind] = get_u64(e + 8);
            section_length[kind] = get_u64(e + 16);
        }
    }
    /* DOCSTORE blocks, through DOCINDEX (kind 5 -> kind 4). */
    for (uint64_t i = 0; i + 16 <= section_length[5]; i += 16) {
        size_t at = (size_t)(section_offset[4] + get_u64(b + section_offset[5] + i));
        add_seal(at + 8, at + 12, get_u32(b + at));
    }
    /* Dictionary blocks, through DICTINDEX (kind 8 -> kind 7). */
    const uint8_t *di = b + section_offset[8];
    uint32_t blocks = get_u32(di);
    for (uint32_t i = 0; i < blocks; i++) {
        const uint8_t *e = di + 4 + LAYOUT_DICTINDEX_ENTRY_BYTES * (size_t)i;
        size_t at = (size_t)(section_offset[7] + get_u32(e));
        /* a block ends where the next one starts (FORMAT.md 3.5) */
        uint32_t length = (uint32_t)((i + 1 < blocks ? get_u32(e + LAYOUT_DICTINDEX_ENTRY_BYTES)
                                                     : section_length[7])
                                     - get_u32(e));
        add_seal(at + length - 4, at, length - 4);
        if (dict_block_count < MAX_DICT_BLOCKS) {
            dict_block_start[dict_block_count] = at;
            dict_block_length[dict_block_count++] = length;
        }
    }
    /* The one postings record (kind 6): two blocks of the DOCS-doc key. */
    if (section_length[6]) {
        const uint8_t *p = b + section_offset[6];
        uint64_t blocks_length = get_vint(&p);
        uint64_t positions_length = get_vint(&p);
        size_t widths_at = (size_t)(p - b);
        layout_skip layout;
        if (layout_skip_from_widths((uint32_t)p[0] | (uint32_t)p[1] << 8, &layout) != 0)
            abort(); /* the unedited segment's own widths */
        size_t skip = widths_at + LAYOUT_SKIP_WIDTHS_BYTES;
        size_t stride = layout_skip_stride(&layout);
        const uint32_t skip_entries = (DOCS + 127) / 128;
        size_t blocks_at = skip + stride * skip_entries + 4;
        size_t positions_at = blocks_at + (size_t)blocks_length;
        for (uint32_t i = 0; i < skip_entries; i++) {
            const uint8_t *e = b + skip + stride * i;
            uint32_t block_start = layout_skip_get(&layout, e, LAYOUT_SKIP_BLOCK_OFFSET);
            uint32_t positions_start = layout_skip_get(&layout, e, LAYOUT_SKIP_POSITIONS_OFFSET);
            uint32_t block_end =
                i + 1 < skip_entries ? layout_skip_get(&layout, e + stride, LAYOUT_SKIP_BLOCK_OFFSET)
                                     : (uint32_t)blocks_length;
            uint32_t positions_end =
                i + 1 < skip_entries
                    ? layout_skip_get(&layout, e + stride, LAYOUT_SKIP_POSITIONS_OFFSET)
                    : (uint32_t)positions_length;
            add_seal(skip + stride * i + layout_skip_at(&layout, LAYOUT_SKIP_BLOCK_CRC),
                     blocks_at + block_start, block_end - block_start);
            add_seal(skip + stride * i + layout_skip_at(&layout, LAYOUT_SKIP_POSITIONS_CRC),
                     positions_at + positions_start, positions_end - positions_start);
        }
        /* the widths and the entries under one CRC */
        add_seal(blocks_at - 4, widths_at, blocks_at - 4 - widths_at);
    }
    /* SURFACE (kind 12): each block's CRC, then the block index's. */
    if (section_length[SECTION_SURFACE]) {
        size_t start = (size_t)section_offset[SECTION_SURFACE];
        size_t end = start + (size_t)section_length[SECTION_SURFACE];
        uint32_t surface_blocks = get_u32(b + start);
        for (uint32_t i = 0; i < surface_blocks; i++) {
            size_t at = start + get_u32(b + start + 8 + 4 * (size_t)i);
            size_t stop = i + 1 < surface_blocks
                              ? start + get_u32(b + start + 8 + 4 * (size_t)(i + 1)) : end;
            add_seal(at, at + 4, stop - at - 4);
        }
        add_seal(start + 4, start + 8, 4 * (size_t)surface_blocks);
    }
    /* The chunked sections, each a single chunk here, through CHUNKCRCS. */
    static const uint32_t chunked[] = LAYOUT_CHUNKED_SECTIONS;
    size_t crc_at = (size_t)section_offset[SECTION_CHUNKCRCS];
    for (size_t i = 0; i < LAYOUT_CHUNKED_SECTION_COUNT; i++) {
        uint64_t length = section_length[chunked[i]];
        if (length == 0)
            continue;
        if (length > LAYOUT_CHUNK_BYTES) {
            fprintf(stderr, "fuzz-segment: unexpected layout of the seed segment\n");
            abort();
        }
        add_seal(crc_at, (size_t)section_offset[chunked[i]], (size_t)length);
        crc_at += 4;
    }
    for (uint32_t i = 0; i < count; i++) {
        size_t e = (size_t)toc_offset + 4 + 24 * (size_t)i;
        add_seal(e + 4, (size_t)get_u64(b + e + 8), (size_t)get_u64(b + e + 16));
    }
    add_seal(original_size - 12, (size_t)toc_offset, toc_length);
}

static void find_walked_docs(void);

static uint64_t postings_written;

/* A posting's tf: 1 + doc % max_tf, or with max_tf 0 mostly 1 with a few
 * of 2, 3 and 7, which the writer keeps in the unary form (FORMAT.md 2,
 * 2026121001), so its decoding and the checker's choice meet the edits. */
static uint32_t term_tf(uint32_t doc, uint32_t max_tf)
{
    if (max_tf > 0)
        return 1 + doc % max_tf;
    return doc % 3 ? 1 : (doc % 6 == 0 ? 2 : 3) + (doc % 27 == 0) * 4;
}

/* The postings of `key`: documents first, first + step, ... below end,
 * tf term_tf(doc, max_tf), positions shift + doc % 5 + 3i. */
static void add_term_at(segment_writer *w, const char *key, uint32_t step, uint32_t first,
                        uint32_t end, uint32_t max_tf, uint32_t shift)
{
    cops_error err;
    if (segment_writer_begin_term(w, (const uint8_t *)key, strlen(key), &err) != 0)
        goto fail;
    for (uint32_t doc = first; doc < end; doc += step) {
        postings_written++;
        uint32_t tf = term_tf(doc, max_tf), positions[8];
        for (uint32_t i = 0; i < tf; i++)
            positions[i] = shift + i * 3 + doc % 5;
        if (segment_writer_add_posting(w, doc, positions, tf, &err) != 0)
            goto fail;
    }
    if (segment_writer_end_term(w, &err) != 0)
        goto fail;
    snprintf(keys[key_count++], sizeof keys[0], "%s", key);
    return;
fail:
    fprintf(stderr, "fuzz-segment: building the seed segment: %s\n", err.message);
    abort();
}

static void add_term(segment_writer *w, const char *key, uint32_t step, uint32_t first,
                     uint32_t end, uint32_t max_tf)
{
    add_term_at(w, key, step, first, end, max_tf, 0);
}

static void build_original(void)
{
    const char *dir = fuzz_scratch();
    char path[4200];
    snprintf(path, sizeof path, "%s/original.cops", dir);
    snprintf(segment_file, sizeof segment_file, "%s/mutated.cops", dir);
    segment_writer *w;
    cops_error err;
    if (segment_writer_open(path, &w, &err) != 0)
        goto fail;
    /* Records are added in insertion order; the insertion order set below
     * (reversed) makes record r document DOCS - 1 - r, whose metadata and
     * lengths the writer files by document number: the titles go to the
     * records that become documents 0..9, which the title key's postings
     * name (check_segment holds title positions to title lengths). */
    for (uint32_t record = 0; record < DOCS; record++) {
        uint32_t doc = DOCS - 1 - record;
        char id[32], title[32], text[128];
        snprintf(id, sizeof id, "doc-%03u", (unsigned)doc);
        title[0] = '\0';
        if (doc < 10)
            snprintf(title, sizeof title, "Title %u of the seed", (unsigned)doc);
        int n = snprintf(text, sizeof text, "common w%03u %u", (unsigned)(doc % 100),
                         (unsigned)doc);
        if (segment_writer_add_document(w, id, title, doc % 3 ? 20170100 + doc % 28 + 1 : 0,
                                        text, (size_t)n, BODY_TOKENS, doc < 10 ? TITLE_TOKENS : 0, &err) != 0)
            goto fail;
    }
    /* a reordered segment (FORMAT.md 3.7), so the insertion order is read too;
     * the writer takes it before the first term */
    uint32_t insertion[DOCS];
    for (uint32_t doc = 0; doc < DOCS; doc++)
        insertion[doc] = DOCS - 1 - doc;
    if (segment_writer_set_insertion_order(w, insertion, DOCS, &err) != 0)
        goto fail;
    add_term(w, "\x01title", 1, 0, 10, 1);
    /* a pair key (index-format/pairs.h, META pair_words below): the
     * checker's and the reader's pair paths see the edits too; tf 1, and
     * left out of META's terms and postings */
    uint64_t before_pair = postings_written;
    add_term(w, "\x03" "alpha common", 3, 0, DOCS, 1);
    uint64_t pair_postings = postings_written - before_pair;
    add_term(w, "alpha", 3, 0, DOCS, 2);
    add_term(w, "beta", 7, 1, DOCS, 3);
    /* right after alpha in each of alpha's documents, which are the pair
     * key's: check_segment holds a key to its words' positions */
    add_term_at(w, "common", 1, 0, DOCS, 4, 1);
    add_term(w, "gamma", 50, 5, DOCS, 1);
    add_term(w, "gammaray", 199, 3, DOCS, 2);
    for (unsigned i = 0; i < 100; i++) {
        char key[16];
        snprintf(key, sizeof key, "w%03u", i);
        add_term(w, key, 100, i, DOCS, 2);
    }
    add_term(w, "zeta", 1, 0, DOCS, 0); /* frequencies in the unary form */
    /* words as written: w000s -> w000 ... (sorted: the forms of the keys
     * w000..w149 in order) */
    static char forms[SURFACE_FORMS][8], terms[SURFACE_FORMS][8];
    surface_pair pairs[SURFACE_FORMS];
    for (unsigned i = 0; i < SURFACE_FORMS; i++) {
        snprintf(terms[i], sizeof terms[i], "w%03u", i);
        snprintf(forms[i], sizeof forms[i], "w%03uy", i);
        pairs[i] = (surface_pair){(const uint8_t *)forms[i], strlen(forms[i]),
                                  (const uint8_t *)terms[i], strlen(terms[i])};
    }
    if (segment_writer_set_surface(w, pairs, SURFACE_FORMS, &err) != 0)
        goto fail;
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = DOCS;
    meta.body_tokens = BODY_TOKENS * DOCS;
    meta.title_tokens = TITLE_TOKENS * 10;
    meta.terms = key_count - 1;
    meta.postings = postings_written - pair_postings;
    static const char pair_list[] = "alpha common";
    if (pair_words_parse(pair_list, sizeof pair_list - 1, &meta.pairs) != 0)
        abort();
    meta.stem = 1;
    snprintf(meta.language, sizeof meta.language, "english");
    if (segment_writer_finish(w, &meta, NULL, &err) != 0)
        goto fail;
    /* The seed passes the full check: else every input stops at the
     * seed's own fault and the checker's later code is never fuzzed. */
    if (check_segment(path, UINT64_MAX, NULL, &err) != 0)
        goto fail;
    FILE *file = fopen(path, "rb");
    if (!file)
        abort();
    fseek(file, 0, SEEK_END);
    original_size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    original = malloc(original_size);
    if (!original || fread(original, 1, original_size, file) != original_size)
        abort();
    fclose(file);
    unlink(path);
    find_seals();
    find_walked_docs();
    return;
fail:
    fprintf(stderr, "fuzz-segment: building the seed segment: %s\n", err.message);
    abort();
}

static uint32_t positions_buffer[4096];

/* The document's positions read again (its chunk may already be behind
 * the cursor's) through postings_position_advance, as a phrase's join
 * reads them: each target, spaced by the stride, must give the first of
 * positions_buffer[0, n) at or after it, or 0 past the last. */
static void check_position_advance(postings_cursor *cursor, uint32_t n, uint32_t stride)
{
    postings_position_reader reader;
    if (postings_position_reader_open(cursor, &reader) != 0)
        return;
    uint64_t target = 0;
    uint32_t next = 0; /* the first of positions_buffer >= target */
    for (;;) {
        uint32_t position;
        int rc = postings_position_advance(&reader, target, &position);
        if (rc < 0)
            return;
        while (next < n && positions_buffer[next] < target)
            next++;
        if (next == n) {
            FUZZ_CHECK(rc == 0);
            return;
        }
        FUZZ_CHECK(rc == 1 && position == positions_buffer[next]);
        target = (uint64_t)position + 1 + stride * 7u;
    }
}

/* Walk a key's postings: the documents in order, and unless `skim` also
 * every position, the block and list bounds and next_geq jumps. */
static void walk_postings(segment *seg, const segment_term *term, uint32_t stride, int skim)
{
    postings_cursor cursor;
    postings_open(&cursor, seg, term);
    uint32_t previous = 0, hint = 0;
    int first = 1;
    for (uint32_t doc = cursor.doc; doc != POSTINGS_END; doc = postings_next(&cursor)) {
        FUZZ_CHECK(doc < segment_documents(seg));
        FUZZ_CHECK(first || doc > previous);
        first = 0;
        previous = doc;
        if (skim)
            continue; /* document numbers only, as a count reads them */
        uint32_t tf = postings_tf(&cursor);
        FUZZ_CHECK(tf >= 1 || cursor.status != 0);
        postings_block_bound bound;
        postings_block_bound_at(&cursor, cursor.doc, &bound);
        /* a search from a hint (op-term.c's last bound), stale or wild */
        uint32_t hints[] = {hint, hint + stride, cursor.block_count, UINT32_MAX};
        for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++)
            if (postings_block_bound_from(&cursor, cursor.doc + stride, hints[h], &bound) == 0) {
                FUZZ_CHECK(bound.block < cursor.block_count || !cursor.term.external);
                /* or a window would end before it begins (op-and.c) */
                FUZZ_CHECK(bound.last_doc >= cursor.doc + stride);
                hint = bound.block;
            }
        if (tf <= sizeof positions_buffer / sizeof positions_buffer[0]) {
            int n = postings_positions(&cursor, positions_buffer);
            if (n >= 0) {
                FUZZ_CHECK((uint32_t)n == tf);
                for (int i = 1; i < n; i++)
                    FUZZ_CHECK(positions_buffer[i] > positions_buffer[i - 1]);
                check_position_advance(&cursor, (uint32_t)n, stride);
            }
        }
    }
    if (skim)
        return;
    postings_block_bound bound;
#ifdef COPS_FUZZ_AVOID_KNOWN_BUGS
    /* Local runs only: step around crashes/fuzz-segment-list-bound-after-damage
     * to keep fuzzing what lies behind it. */
    if (cursor.status == 0)
#endif
        postings_list_bound(&cursor, &bound);

    /* Jumps, with and without positions read in between. */
    postings_open(&cursor, seg, term);
    uint32_t target = 0;
    while (cursor.doc != POSTINGS_END) {
        target += stride;
        uint32_t doc = postings_next_geq(&cursor, target);
        FUZZ_CHECK(doc == POSTINGS_END || doc >= target);
        if (doc != POSTINGS_END && (doc & 1) && postings_tf(&cursor) <= 4096)
            (void)postings_positions(&cursor, positions_buffer);
    }
}

typedef struct scan_state {
    segment *seg;
    uint32_t stride;
    size_t visited;
    size_t walks; /* how many of the visited keys get their postings walked */
    int skim;     /* the others: their documents only (no positions, no jumps) */
} scan_state;

static int visit_key(void *context, const uint8_t *key, size_t key_length,
                     const segment_term *term)
{
    scan_state *s = context;
    FUZZ_CHECK(key_length >= 1 && key_length <= SEGMENT_MAX_KEY_BYTES);
    volatile uint8_t touch = key[key_length - 1];
    (void)touch;
    int full = s->visited++ < s->walks;
    if (full || s->skim)
        walk_postings(s->seg, term, s->stride, !full);
    return 0;
}

/* The documents worth reading.  The reader walks a metadata chunk and a
 * stored-document block from its start up to the document asked for, so
 * reading the last document of each takes every record of it through the
 * decoders; reading every document, as this harness once did, repeated
 * those walks 130 times per input.  The seed's short texts share one
 * stored block, so its last document is the seed's last. */
static uint32_t walked_docs[DOCS];
static size_t walked_doc_count;

static void find_walked_docs(void)
{
    walked_docs[walked_doc_count++] = 0;
    for (uint32_t doc = 1; doc < DOCS; doc++)
        if ((doc + 1) % LAYOUT_DOCMETA_CHUNK_DOCUMENTS == 0 || doc + 1 == DOCS)
            walked_docs[walked_doc_count++] = doc;
}

/* Read document `doc` and its metadata, touching every byte returned. */
static void read_document(segment *seg, uint32_t doc)
{
    cops_error err;
    volatile uint32_t figures =
        segment_body_length(seg, doc) + segment_title_length(seg, doc) + segment_date(seg, doc)
        + segment_insertion_order(seg, doc);
    (void)figures;
    segment_metadata metadata;
    if (segment_read_metadata(seg, doc, &metadata, &err) == 0) {
        uint64_t sum = 0;
        for (size_t k = 0; k < metadata.id_length; k++)
            sum += (unsigned char)metadata.id[k];
        for (size_t k = 0; k < metadata.title_length; k++)
            sum += (unsigned char)metadata.title[k];
        volatile uint64_t keep = sum;
        (void)keep;
    }
    /* whole, then as a snippet reads it (a prefix, inflated no further),
     * then extended as a snippet that wants more does
     * (segment_document_extend, which goes on with a streamed read):
     * where the whole read also succeeds, every stage is its prefix */
    segment_document whole;
    int whole_rc = segment_read_document(seg, doc, &whole, &err);
    if (whole_rc == 0) {
        uint64_t sum = strlen(whole.id) + strlen(whole.title);
        for (size_t k = 0; k < whole.text_length; k++)
            sum += (unsigned char)whole.text[k];
        volatile uint64_t keep = sum + whole.stored_length;
        (void)keep;
    }
    segment_document document;
    if (segment_read_document_prefix(seg, doc, 7, &document, &err) == 0) {
        static const size_t steps[] = {7, 40, 3, 200, SIZE_MAX};
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            if (s > 0 && segment_document_extend(seg, doc, steps[s], &document, &err) != 0)
                break;
            uint64_t sum = strlen(document.id) + strlen(document.title);
            for (size_t k = 0; k < document.text_length; k++)
                sum += (unsigned char)document.text[k];
            volatile uint64_t keep = sum + document.stored_length;
            (void)keep;
            FUZZ_CHECK(document.text[document.text_length] == '\0'
                       && document.text_length <= document.stored_length
                       && (s == 0 || document.text_length >= (steps[s] < document.stored_length
                                                                  ? steps[s] : document.stored_length)
                           || steps[s] < steps[s - 1]));
            FUZZ_CHECK(whole_rc != 0
                       || (document.stored_length == whole.text_length
                           && memcmp(document.text, whole.text, document.text_length) == 0));
        }
        segment_document_free(&document);
    }
    if (whole_rc == 0)
        segment_document_free(&whole);
}

/* Keys looked up one by one: those with external or long lists, and the
 * last key of each dictionary block (its lookup walks the whole block).
 * One scan of the whole dictionary visits every key in a single pass and
 * skims its documents; the full walk (positions, bounds, jumps) is for the
 * keys looked up and the first key of each prefix scan. */
static const size_t looked_up[] = {0, 1, 2, 3, 4, 5, LAYOUT_DICT_BLOCK_TERMS - 1,
                                   2 * LAYOUT_DICT_BLOCK_TERMS - 1};
#define LOOKED_UP_COUNT (sizeof looked_up / sizeof looked_up[0])

/* The key whose entry holds byte `at` of the original, or nearly: the
 * keys of a dictionary block are spread evenly over its bytes. */
static size_t key_at(size_t at)
{
    for (size_t b = 0; b < dict_block_count; b++)
        if (at >= dict_block_start[b] && at - dict_block_start[b] < dict_block_length[b]) {
            size_t k = b * LAYOUT_DICT_BLOCK_TERMS
                       + (at - dict_block_start[b]) * LAYOUT_DICT_BLOCK_TERMS / dict_block_length[b];
            return k < key_count ? k : key_count - 1;
        }
    return at % key_count;
}

/* A pair the SURFACE decoder gives is within its bounds. */
static int visit_surface(void *context, const surface_pair *pair)
{
    (void)context;
    FUZZ_CHECK(pair->form_length >= 1 && pair->form_length <= SURFACE_MAX_BYTES);
    FUZZ_CHECK(pair->term_length >= 1 && pair->term_length <= SURFACE_MAX_BYTES);
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < pair->form_length; i++)
        sum ^= pair->form[i];
    for (size_t i = 0; i < pair->term_length; i++)
        sum ^= pair->term[i];
    return 0;
}

/* A matcher over `key` (BM25 with the defaults), or NULL when the key is
 * not found. */
static matcher *key_matcher(segment *seg, const char *key)
{
    segment_term term;
    cops_error err;
    if (segment_lookup(seg, (const uint8_t *)key, strlen(key), &term, &err) != 1)
        return NULL;
    bm25_params params = {1.2, 0.7, 0, 0};
    bm25_term scorer;
    bm25_prepare(&scorer, &params, DOCS, term.df, 8.0, 1.0, 0);
    return matcher_term(seg, &term, &scorer, 1, key);
}

/* key_matcher of each of `count` (at most 3) `keys` into children: 1, or
 * 0 when one is missing (the others freed). */
static int key_matchers(segment *seg, const char *const *keys, size_t count, matcher **children)
{
    int missing = 0;
    for (size_t k = 0; k < count; k++)
        missing |= !(children[k] = key_matcher(seg, keys[k]));
    for (size_t k = 0; missing && k < count; k++)
        if (children[k])
            matcher_free(children[k]);
    return !missing;
}

/* The matcher `combine` makes of `count` (at most 3) keys' matchers, once
 * without a threshold and once pruned at `threshold`: documents in order
 * and in range; on an undamaged segment the pruned ones are some of the
 * others, and when `pristine` (the unedited segment, whose bounds do not
 * lie) every unpruned document scoring above the threshold is among the
 * pruned (a skipped window must not hold one). */
static void drive_pruned(segment *seg, const char *const *keys, size_t count, double threshold,
                         int pristine, matcher *(*combine)(matcher **children, size_t count))
{
    uint32_t found[DOCS];
    double scores[DOCS];
    unsigned char kept[DOCS] = {0};
    size_t found_count = 0;
    for (int pruned = 0; pruned < 2; pruned++) {
        matcher *children[3];
        if (!key_matchers(seg, keys, count, children))
            return;
        matcher *m = combine(children, count);
        if (!m)
            return;
        if (pruned && m->ops->set_threshold)
            m->ops->set_threshold(m, threshold);
        size_t at = 0;
        int subset = 1;
        uint32_t previous = 0;
        for (uint32_t doc = matcher_next_geq(m, 0); doc != MATCHER_END;
             doc = matcher_next_geq(m, doc + 1)) {
            FUZZ_CHECK(doc < segment_documents(seg) && (doc > previous || doc == 0));
            previous = doc;
            double score = pristine ? m->ops->score(m) : 0;
            if (!pruned) {
                FUZZ_CHECK(found_count < DOCS);
                scores[found_count] = score;
                found[found_count++] = doc;
                continue;
            }
            while (at < found_count && found[at] < doc)
                at++;
            subset &= at < found_count && found[at] == doc;
            if (at < found_count && found[at] == doc)
                kept[at] = 1;
        }
        cops_error err;
        if (pruned && segment_damage(seg, &err) == 0) {
            FUZZ_CHECK(subset);
            for (size_t i = 0; pristine && i < found_count; i++)
                FUZZ_CHECK(kept[i] || scores[i] <= threshold * (1 + 1e-9) + 1e-9);
        }
        matcher_free(m);
    }
}

/* The exact phrase of 2 or 3 words, each 3 positions after the one
 * before (as the seed segment's positions step), through the streamed
 * join that opens each word's positions only when asked
 * (query/op-positional.c; three words take their own walk). */
static matcher *phrase_of(matcher **children, size_t count)
{
    static const uint32_t offsets[3] = {0, 3, 6};
    return matcher_positional(children, offsets, count, 0, 0, 0);
}

static void drive_phrase(segment *seg, const char *const *words, size_t count, double threshold)
{
    drive_pruned(seg, words, count, threshold, 0, phrase_of);
}

/* A ranked conjunction (query/op-and.c: the leapfrog, and the windows a
 * far more common child passes over by block bounds, and_pass_windows). */
static matcher *conjunction_of(matcher **children, size_t count)
{
    return matcher_and(children, count, NULL, 0, NULL, 0);
}

static void drive_and(segment *seg, const char *const *keys, size_t count, double threshold,
                      int pristine)
{
    drive_pruned(seg, keys, count, threshold, pristine, conjunction_of);
}

/* A disjunction's pruned pass over `key` (matcher_ops.approximate_above:
 * block bounds from the skip table, least_winning_tf, postings_next_frequent)
 * at the score of the posting the stride picks, over spans of `span`
 * documents: each answer is at or after its target and in range, and when
 * no damage was met an answer inside the span is a posting of the key; on
 * the unedited segment (`pristine`), whose bounds do not lie, every
 * posting passed over in the span cannot exceed the threshold. */
static void drive_term_above(segment *seg, const char *key, uint32_t stride, uint32_t span,
                             int pristine)
{
    uint32_t docs[DOCS];
    double scores[DOCS];
    size_t count = 0;
    matcher *all = key_matcher(seg, key), *above = key_matcher(seg, key);
    if (!all || !above || !above->ops->approximate_above)
        goto done;
    for (uint32_t doc = matcher_next_geq(all, 0); doc != MATCHER_END && count < DOCS;
         doc = matcher_next_geq(all, doc + 1)) {
        docs[count] = doc;
        scores[count++] = all->ops->score(all);
    }
    double threshold = count ? scores[stride % count] : 0.5;
    int agrees = 1, passed_over_lose = 1;
    size_t at = 0;
    /* each round moves past a posting or a span: the bytes bound them */
    for (uint32_t target = 0, rounds = 0; target < MATCHER_END; rounds++) {
        FUZZ_CHECK(rounds <= (1u << 20));
        uint32_t last = target + span - 1;
        uint32_t doc = above->ops->approximate_above(above, target, threshold, last);
        FUZZ_CHECK(doc >= target && (doc == MATCHER_END || doc < segment_documents(seg)));
        for (; at < count && docs[at] < target; at++)
            ;
        for (; at < count && docs[at] < doc && docs[at] <= last; at++)
            passed_over_lose &= matcher_cannot_exceed(scores[at], threshold);
        if (doc <= last)
            agrees &= at < count && docs[at] == doc;
        target = doc <= last ? doc + 1 : doc;
    }
    cops_error err;
    if (segment_damage(seg, &err) == 0)
        FUZZ_CHECK(agrees && (passed_over_lose || !pristine));
done:
    if (all)
        matcher_free(all);
    if (above)
        matcher_free(above);
}

static void drive(segment *seg, uint32_t stride, size_t first_edit, int pristine)
{
    cops_error err;
    const segment_meta *meta = segment_get_meta(seg);
    FUZZ_CHECK(meta != NULL);
    cops_index_stats stats;
    memset(&stats, 0, sizeof stats);
    segment_sizes(seg, &stats);
    for (size_t i = 0; i <= LOOKED_UP_COUNT; i++) {
        size_t k = i < LOOKED_UP_COUNT ? looked_up[i] : key_at(first_edit);
        k = k < key_count ? k : key_count - 1;
        segment_term term;
        int rc = segment_lookup(seg, (const uint8_t *)keys[k], strlen(keys[k]), &term, &err);
        if (rc == 1)
            walk_postings(seg, &term, stride, 0);
    }
    static const char *const alpha_common[] = {"alpha", "common"},
                             *const common_common[] = {"common", "common"},
                             *const alpha_common_common[] = {"alpha", "common", "common"},
                             *const beta_alpha_common[] = {"beta", "alpha", "common"};
    drive_phrase(seg, alpha_common, 2, 0.05 * (double)(stride % 16));
    drive_phrase(seg, common_common, 2, 0.1 * (double)(stride % 16));
    drive_phrase(seg, alpha_common_common, 3, 0.1 * (double)(stride % 16));
    drive_phrase(seg, beta_alpha_common, 3, 0.05 * (double)(stride % 16));
    static const char *const gamma_common[] = {"gamma", "common"};
    static const char *const alpha_beta_common[] = {"alpha", "beta", "common"};
    drive_and(seg, gamma_common, 2, 0.2 * (double)(stride % 16), pristine);
    drive_and(seg, alpha_beta_common, 3, 0.2 * (double)(stride % 16), pristine);
    drive_term_above(seg, "common", stride, 1 + stride % 48, pristine);
    drive_term_above(seg, "alpha", stride, 1 + stride % 48, pristine);
    scan_state whole = {seg, stride, 0, 0, 1};
    (void)segment_scan_prefix(seg, (const uint8_t *)"", 0, visit_key, &whole, &err);
    static const char *const prefixes[] = {"\x01", "w0", "gam", "common", "zz", "a"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        scan_state state = {seg, stride, 0, 0, 0}; /* their keys are looked up above */
        (void)segment_scan_prefix(seg, (const uint8_t *)prefixes[i], strlen(prefixes[i]),
                                  visit_key, &state, &err);
    }
    static const char *const surface_prefixes[] = {"", "w", "w07", "w149y", "w2", "a", "zz"};
    for (size_t i = 0; i < sizeof surface_prefixes / sizeof surface_prefixes[0]; i++) {
        int present;
        (void)segment_scan_surface(seg, (const uint8_t *)surface_prefixes[i],
                                   strlen(surface_prefixes[i]), visit_surface, NULL, &present,
                                   &err);
    }
    /* The walked documents, one the input chose, and the last one the
     * (possibly damaged) metadata claims. */
    uint32_t documents = segment_documents(seg);
    for (size_t i = 0; i < walked_doc_count; i++)
        if (walked_docs[i] < documents)
            read_document(seg, walked_docs[i]);
    if (documents > 0) {
        read_document(seg, (uint32_t)(first_edit % documents));
        read_document(seg, documents - 1);
    }
    (void)segment_damage(seg, &err);
}

/* The input's bytes as packed values of every width and a count it
 * chooses, decoded by codec_unpack (AVX2 on a processor that has it) and
 * by the scalar path: the two must agree, value for value and in the
 * bytes they take, and neither may write past its count.  The bytes end
 * where an unreadable page begins: the sanitizer does not see the AVX2
 * gathers' loads, the page does.  Then the same bytes as a block. */
#define GUARDED_BYTES 65536 /* run's -max_len */
static void compare_unpack_paths(const uint8_t *data, size_t size)
{
    static uint8_t *guard;
    if (!guard) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t room = (GUARDED_BYTES + page - 1) / page * page;
        uint8_t *mapping = mmap(NULL, room + page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapping == MAP_FAILED || mprotect(mapping + room, page, PROT_NONE) != 0)
            abort();
        guard = mapping + room;
    }
    if (size > GUARDED_BYTES)
        size = GUARDED_BYTES;
    uint8_t *in = guard - size;
    memcpy(in, data, size);
    uint32_t simd[CODEC_BLOCK_SIZE + 1], scalar[CODEC_BLOCK_SIZE + 1];
    size_t count = 1 + in[1] % CODEC_BLOCK_SIZE;
    for (unsigned width = 0; width <= CODEC_MAX_WIDTH; width++) {
        simd[count] = scalar[count] = 0xa5a5a5a5u;
        size_t a = codec_unpack(in, guard, count, width, simd);
        size_t b = codec_unpack_scalar(in, guard, count, width, scalar);
        FUZZ_CHECK(a == b);
        FUZZ_CHECK(simd[count] == 0xa5a5a5a5u && scalar[count] == 0xa5a5a5a5u);
        if (a > 0 || codec_packed_bytes(width, count) == 0)
            FUZZ_CHECK(memcmp(simd, scalar, count * sizeof *simd) == 0);
    }
    /* the same bytes as a block of `count` values (exceptions listed or
     * placed by a bitmap, or the unary form): sized as decoded, and the values it gives,
     * written as the writer would, decode to the same values */
    size_t used = codec_block_decode(in, guard, count, simd);
    FUZZ_CHECK(codec_block_size(in, guard, count) == used || used == 0);
    /* the scalar decoder, compiled apart, agrees byte for byte */
    FUZZ_CHECK(codec_block_decode_scalar(in, guard, count, scalar) == used);
    FUZZ_CHECK(used == 0 || memcmp(simd, scalar, count * sizeof *simd) == 0);
    if (used > 0) {
        /* as the writer writes a docs-block, and a positions chunk (the
         * unary form allowed) */
        for (int positions = 0; positions <= 1; positions++) {
            byte_buffer again = BUFFER_INIT;
            if (positions)
                codec_positions_append(&again, simd, count);
            else
                codec_block_append(&again, simd, count);
            if (!buffer_failed(&again)) {
                size_t size =
                    codec_block_decode(again.data, again.data + again.length, count, scalar);
                FUZZ_CHECK(size == again.length
                           && memcmp(simd, scalar, count * sizeof *simd) == 0);
                FUZZ_CHECK(codec_block_size(again.data, again.data + again.length, count)
                           == again.length);
            }
            buffer_free(&again);
        }
        /* and as a block of gaps after a previous value the input picks
         * (none, or one near the top, so that sums wrap): the vector path
         * must agree with a 64-bit sum, refusing exactly the wrapped ones */
        uint32_t previous = in[0] & 1 ? UINT32_MAX : UINT32_MAX - ((uint32_t)in[0] << 23);
        uint64_t value = previous == UINT32_MAX ? 0 : (uint64_t)previous + 1;
        int wraps = 0;
        for (size_t i = 0; i < count; i++) {
            value += simd[i];
            wraps |= value > UINT32_MAX;
            simd[i] = (uint32_t)value++;
        }
        size_t gaps = codec_gaps_block_decode(in, guard, count, previous, scalar);
        FUZZ_CHECK(gaps == (wraps ? 0 : used));
        FUZZ_CHECK(wraps || memcmp(simd, scalar, count * sizeof *simd) == 0);
    }
    /* the same bytes as a short inline list's numbers (FORMAT.md 3.4
     * "fixed-ids") at a width and below a limit the input picks: when
     * taken, they increase, stay below the limit and are written again as
     * the same bytes */
    unsigned width = in[0] % (CODEC_MAX_WIDTH + 1);
    size_t few = 1 + in[2] % SEGMENT_INLINE_FIXED_MAX_DF;
    uint32_t limit = size >= 8 ? (uint32_t)in[4] | (uint32_t)in[5] << 8 | (uint32_t)in[6] << 16
                                     | (uint32_t)in[7] << 24
                               : UINT32_MAX;
    if (codec_ids_decode(in, guard, few, width, limit, scalar)) {
        for (size_t i = 0; i < few; i++)
            FUZZ_CHECK(scalar[i] < limit && (i == 0 || scalar[i] > scalar[i - 1]));
        byte_buffer again = BUFFER_INIT;
        codec_ids_append(&again, scalar, few, width);
        FUZZ_CHECK(!buffer_failed(&again) && again.length == codec_packed_bytes(width, few)
                   && (again.length == 0 || memcmp(again.data, in, again.length) == 0));
        buffer_free(&again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!original)
        build_original();
    if (size < 4)
        return 0;
    compare_unpack_paths(data, size);
    uint8_t *copy = malloc(original_size);
    if (!copy)
        return 0;
    memcpy(copy, original, original_size);
    size_t length = original_size;
    for (size_t i = 4; i + 4 <= size; i += 4) {
        size_t at = ((size_t)data[i] | (size_t)data[i + 1] << 8 | (size_t)data[i + 2] << 16)
                    % original_size;
        copy[at] ^= data[i + 3];
    }
    if (data[0] & 2) {
        for (size_t i = 0; i < seal_count; i++)
            put_u32(copy + seals[i].at, (uint32_t)crc32(0, copy + seals[i].start,
                                                      (uInt)seals[i].length));
    }
    if (data[0] & 1)
        length = ((size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16)
                 % (original_size + 1);
    uint32_t stride = 1 + (data[0] >> 2);
    /* The key and document read besides the fixed ones follow the first
     * edit, so the fuzzer can aim at any of them. */
    size_t first_edit = size >= 8 ? ((size_t)data[4] | (size_t)data[5] << 8 | (size_t)data[6] << 16)
                                        % original_size
                                  : 0;
    int pristine = length == original_size && memcmp(copy, original, length) == 0;
    fuzz_write_file(segment_file, copy, length);
    free(copy);

    /* The full check (cops-index --check) on the same bytes: it must
     * pass the unedited seed, and what it passes the reader must open
     * and read without meeting damage. */
    cops_error err;
    int checked = check_segment(segment_file, UINT64_MAX, NULL, &err);
    FUZZ_CHECK(checked == 0 || !pristine);
    segment *seg = NULL;
    int opened = segment_open(segment_file, &seg, &err);
    FUZZ_CHECK(opened == 0 || checked != 0);
    if (opened == 0) {
        FUZZ_CHECK(seg != NULL);
        drive(seg, stride, first_edit, pristine);
        FUZZ_CHECK(checked != 0 || segment_damage(seg, &err) == 0);
        segment_close(seg);
    }
    return 0;
}
