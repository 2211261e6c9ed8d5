/*
 * check-test.c — cops_index_check: a fresh index is sound; a flipped byte
 * in any section, a truncated or missing segment and a damaged manifest
 * are reported as COPS_ECORRUPT naming the file and a byte offset in the
 * damaged part; damage that keeps every CRC consistent is still found by
 * the structural checks.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cops.h"
#include "index-format/check.h"
#include "index-format/codec.h"
#include "index-format/layout.h"
#include "index-format/segment.h"
#include "query/matcher.h"
#include "query/weight.h"
#include "tests/testlib.h"

#define DOCUMENTS 300

static char root[64];
static char index_dir[128];
static char seg_file[256];
static char manifest_path[256];

/* ------------------------------------------------------------ helpers */

static void write_file(const char *path, const void *bytes, size_t length)
{
    FILE *file = fopen(path, "wb");
    cr_assert_not_null(file, "cannot create %s", path);
    cr_assert_eq(fwrite(bytes, 1, length, file), length);
    cr_assert_eq(fclose(file), 0);
}

static uint8_t *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "cannot open %s", path);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)size + 1);
    cr_assert_not_null(bytes);
    cr_assert_eq(fread(bytes, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    bytes[size] = 0;
    *length = (size_t)size;
    return bytes;
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *ftw)
{
    (void)status;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void quiet_warning(void *context, const char *message)
{
    (void)context;
    (void)message;
}

/* DOCUMENTS text files with dates and titles: every document contains
 * "grant" in its body and "report" in its title (df 300: blocked lists
 * with a tail block), the first 256 contain "budget" (df 256: full blocks
 * only), and tf and lengths vary. */
/* seg_file: the segment the manifest names (one segment). */
static void find_segment_path(void)
{
    size_t length;
    char *manifest = (char *)read_file(manifest_path, &length);
    char *line = strstr(manifest, "\nsegment ");
    cr_assert_not_null(line);
    char name[64];
    cr_assert_eq(sscanf(line + 9, "%63s", name), 1);
    snprintf(seg_file, sizeof seg_file, "%s/%s", index_dir, name);
    free(manifest);
}

static void setup(void)
{
    static const char *const words[] = {"river", "stone", "garden", "winter", "copper",
                                        "lantern", "harbor", "meadow", "signal", "orchard",
                                        "thunder", "velvet", "quarry", "saddle", "beacon"};
    snprintf(root, sizeof root, "/tmp/cops-check-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    char docs[128];
    snprintf(docs, sizeof docs, "%s/docs", root);
    cr_assert_eq(mkdir(docs, 0755), 0);
    for (int i = 0; i < DOCUMENTS; i++) {
        char path[192], text[4096];
        snprintf(path, sizeof path, "%s/d%03d.txt", docs, i);
        int n = 0;
        if (i % 4 != 0)
            n += snprintf(text + n, sizeof text - n, "date 20%02d-%02d-%02d\n", 10 + i % 15,
                          1 + i % 12, 1 + i % 28);
        n += snprintf(text + n, sizeof text - n, "Report %d on the %s\n\n", i, words[i % 15]);
        for (int w = 0; w < 5 + (i * 7) % 60; w++)
            n += snprintf(text + n, sizeof text - n, "%s ", words[(i * 3 + w * w) % 15]);
        for (int t = 0; t <= i % 4; t++)
            n += snprintf(text + n, sizeof text - n, "grant ");
        if (i < 256)
            n += snprintf(text + n, sizeof text - n, "budget");
        n += snprintf(text + n, sizeof text - n, "\n");
        write_file(path, text, (size_t)n);
    }
    snprintf(index_dir, sizeof index_dir, "%s/index", root);
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    options.on_warning = quiet_warning;
    const char *inputs[1] = {docs};
    cops_error err = {0};
    cops_build_summary summary;
    cr_assert_eq(cops_build(index_dir, inputs, 1, &options, &summary, &err), 0, "%s",
                 err.message);
    cr_assert_eq(summary.documents, DOCUMENTS);

    snprintf(manifest_path, sizeof manifest_path, "%s/MANIFEST", index_dir);
    find_segment_path();
}

static void teardown(void)
{
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(check, .init = setup, .fini = teardown, .timeout = 60);

typedef struct toc_entry {
    uint32_t kind;
    uint64_t offset;
    uint64_t length;
    size_t at; /* file offset of the TOC entry */
} toc_entry;

/* The TOC of a segment, parsed from its trailer; returns the count. */
static size_t parse_toc(const uint8_t *bytes, size_t size, toc_entry *out, size_t max,
                        uint64_t *toc_offset)
{
    cr_assert_geq(size, 40);
    cr_assert_eq(memcmp(bytes + size - 8, "COPSEND", 8), 0);
    *toc_offset = layout_get_u64(bytes + size - 24);
    uint32_t count = layout_get_u32(bytes + *toc_offset);
    cr_assert_leq(count, max);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = bytes + *toc_offset + 4 + 24 * (size_t)i;
        out[i].kind = layout_get_u32(e);
        out[i].offset = layout_get_u64(e + 8);
        out[i].length = layout_get_u64(e + 16);
        out[i].at = (size_t)(e - bytes);
    }
    return count;
}

static const toc_entry *find_section(const toc_entry *toc, size_t count, uint32_t kind)
{
    for (size_t i = 0; i < count; i++)
        if (toc[i].kind == kind)
            return &toc[i];
    cr_assert_fail("section %u not in the TOC", kind);
    return NULL;
}

/* The TOC entry of section `kind` in a segment file's bytes. */
static toc_entry section_in(const uint8_t *bytes, size_t size, uint32_t kind)
{
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(bytes, size, toc, 16, &toc_offset);
    return *find_section(toc, count, kind);
}

/* After editing section `kind`, make its TOC CRC, its chunk CRCs (if it
 * is a chunked section) and the TOC's CRC agree again, so that only the
 * structural checks can see the edit. */
static void reseal(uint8_t *bytes, size_t size, uint32_t kind)
{
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(bytes, size, toc, 16, &toc_offset);
    static const uint32_t chunked[] = LAYOUT_CHUNKED_SECTIONS;
    const toc_entry *crcs = find_section(toc, count, SECTION_CHUNKCRCS);
    uint64_t at = crcs->offset;
    for (size_t i = 0; i < LAYOUT_CHUNKED_SECTION_COUNT; i++) {
        const toc_entry *c = find_section(toc, count, chunked[i]);
        for (uint64_t start = 0; start < c->length; start += LAYOUT_CHUNK_BYTES, at += 4) {
            uint64_t n = c->length - start < LAYOUT_CHUNK_BYTES ? c->length - start
                                                                : LAYOUT_CHUNK_BYTES;
            layout_put_u32(bytes + at, (uint32_t)crc32(0, bytes + c->offset + start, (uInt)n));
        }
    }
    cr_assert_eq(at, crcs->offset + crcs->length);
    layout_put_u32(bytes + crcs->at + 4,
                   (uint32_t)crc32(0, bytes + crcs->offset, (uInt)crcs->length));
    const toc_entry *s = find_section(toc, count, kind);
    layout_put_u32(bytes + s->at + 4,
                   (uint32_t)crc32(0, bytes + s->offset, (uInt)s->length));
    uint32_t toc_length = layout_get_u32(bytes + size - 16);
    layout_put_u32(bytes + size - 12, (uint32_t)crc32(0, bytes + toc_offset, toc_length));
}

/* Check the index; expect COPS_ECORRUPT naming `file` and an offset in
 * [low, high).  Returns the offset. */
/* The number on META's line `key` (FORMAT.md 3.8). */
static uint64_t meta_value(const uint8_t *bytes, const toc_entry *toc, size_t count, const char *key)
{
    const toc_entry *meta = find_section(toc, count, SECTION_META);
    const char *text = (const char *)bytes + meta->offset, *end = text + meta->length;
    size_t key_length = strlen(key);
    for (const char *line = text; line < end;) {
        const char *line_end = memchr(line, '\n', (size_t)(end - line));
        cr_assert_not_null(line_end);
        if ((size_t)(line_end - line) > key_length && memcmp(line, key, key_length) == 0
            && line[key_length] == ' ')
            return strtoull(line + key_length + 1, NULL, 10);
        line = line_end + 1;
    }
    cr_assert_fail("META has no line %s", key);
    return 0;
}

static uint64_t expect_damage(const char *file, uint64_t low, uint64_t high, const char *context)
{
    cops_error err = {0};
    int rc = cops_index_check(index_dir, NULL, &err);
    cr_assert_eq(rc, COPS_ECORRUPT, "%s: expected COPS_ECORRUPT, got %d (%s)", context, rc,
                 err.message);
    cr_assert_eq(err.code, COPS_ECORRUPT);
    cr_assert_not_null(strstr(err.message, file), "%s: message does not name %s: %s", context,
                       file, err.message);
    const char *byte = strstr(err.message, ": byte ");
    cr_assert_not_null(byte, "%s: message has no byte offset: %s", context, err.message);
    unsigned long long offset = strtoull(byte + 7, NULL, 10);
    cr_assert(offset >= low && offset < high, "%s: offset %llu not in [%llu, %llu): %s", context,
              offset, (unsigned long long)low, (unsigned long long)high, err.message);
    return offset;
}

/* -------------------------------------------------------------- tests */

Test(check, fresh_index_is_sound)
{
    char *text = NULL;
    size_t length = 0;
    FILE *report = open_memstream(&text, &length);
    cr_assert_not_null(report);
    cops_error err = {0};
    int rc = cops_index_check(index_dir, report, &err);
    fclose(report);
    cr_assert_eq(rc, 0, "%s", err.message);
    cr_assert_not_null(strstr(text, "no problems found"), "report: %s", text);
    cr_assert_not_null(strstr(text, "300 documents"), "report: %s", text);
    /* Both blocked-list shapes exist: a tail block (df 300) and full
     * blocks only (df 256). */
    cr_assert_not_null(strstr(text, "blocked lists"), "report: %s", text);
    cr_assert_null(strstr(text, " 0 blocked lists"), "report: %s", text);
    free(text);
    cr_assert_eq(cops_index_check(index_dir, NULL, NULL), 0);
}

Test(check, flipped_byte_in_every_section)
{
    size_t size;
    uint8_t *pristine = read_file(seg_file, &size);
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(pristine, size, toc, 16, &toc_offset);
    cr_assert_eq(count, SECTION_KIND_COUNT - 1);
    uint8_t *bytes = malloc(size);
    cr_assert_not_null(bytes);
    for (size_t i = 0; i < count; i++) {
        const toc_entry *s = &toc[i];
        cr_assert_gt(s->length, 0, "section %u is empty in the test index", s->kind);
        uint64_t spots[] = {s->offset, s->offset + s->length / 3, s->offset + s->length / 2,
                            s->offset + s->length - 1};
        for (size_t k = 0; k < sizeof spots / sizeof spots[0]; k++) {
            memcpy(bytes, pristine, size);
            bytes[spots[k]] ^= 0x10;
            write_file(seg_file, bytes, size);
            char context[96];
            snprintf(context, sizeof context, "section kind %u, byte %llu", s->kind,
                     (unsigned long long)spots[k]);
            expect_damage(seg_file, s->offset, s->offset + s->length, context);
        }
    }
    /* The header, the padding, the TOC and the trailer. */
    uint64_t others[] = {3, 8, 12, toc_offset + 1, toc_offset + 30, size - 20, size - 9, size - 3};
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
        memcpy(bytes, pristine, size);
        bytes[others[k]] ^= 0x01;
        write_file(seg_file, bytes, size);
        cops_error err = {0};
        int rc = cops_index_check(index_dir, NULL, &err);
        cr_assert(rc == COPS_ECORRUPT || (others[k] == 8 && rc == COPS_EVERSION),
                  "byte %llu: rc %d (%s)", (unsigned long long)others[k], rc, err.message);
        cr_assert_not_null(strstr(err.message, seg_file), "%s", err.message);
    }
    for (size_t i = 0; i + 1 < count; i++) {
        uint64_t end = toc[i].offset + toc[i].length;
        if (end < toc[i + 1].offset) { /* padding */
            memcpy(bytes, pristine, size);
            bytes[end] = 0xff;
            write_file(seg_file, bytes, size);
            cr_assert_eq(expect_damage(seg_file, end, end + 1, "padding"), end);
            break;
        }
    }
    write_file(seg_file, pristine, size);
    cr_assert_eq(cops_index_check(index_dir, NULL, NULL), 0);
    free(bytes);
    free(pristine);
}

Test(check, truncated_segment)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    write_file(seg_file, bytes, size - 100);
    cr_assert_eq(expect_damage(seg_file, 0, size, "truncated"), size - 100);
    cops_error err = {0};
    cops_index_check(index_dir, NULL, &err);
    cr_assert_not_null(strstr(err.message, "truncated"), "%s", err.message);
    free(bytes);
}

Test(check, missing_segment)
{
    cr_assert_eq(unlink(seg_file), 0);
    size_t length;
    uint8_t *manifest = read_file(manifest_path, &length);
    uint64_t offset = expect_damage(manifest_path, 0, length, "missing segment");
    cr_assert_eq(memcmp(manifest + offset, "segment ", 8), 0, "offset %llu is not the segment "
                 "line", (unsigned long long)offset);
    cops_error err = {0};
    cops_index_check(index_dir, NULL, &err);
    cr_assert_not_null(strstr(err.message, "missing"), "%s", err.message);
    free(manifest);
}

Test(check, damaged_manifest)
{
    size_t length;
    uint8_t *pristine = read_file(manifest_path, &length);
    uint8_t *bytes = malloc(length);
    cr_assert_not_null(bytes);
    /* A flipped digit in the generation: the checksum fails. */
    memcpy(bytes, pristine, length);
    char *generation = strstr((char *)bytes, "generation ");
    cr_assert_not_null(generation);
    generation[11] ^= 0x01;
    write_file(manifest_path, bytes, length);
    expect_damage(manifest_path, 0, length, "manifest generation");
    /* The checksum itself. */
    memcpy(bytes, pristine, length);
    bytes[length - 2] = bytes[length - 2] == '0' ? '1' : '0';
    write_file(manifest_path, bytes, length);
    expect_damage(manifest_path, 0, length, "manifest checksum");
    /* The size of the segment, with a consistent checksum: the manifest
     * disagrees with the file. */
    char *text = (char *)pristine;
    char *line = strstr(text, "\nsegment ");
    char name[64];
    unsigned long long bytes_listed, documents;
    cr_assert_eq(sscanf(line + 1, "segment %63s %llu %llu", name, &bytes_listed, &documents), 3);
    char rewritten[512];
    int n = snprintf(rewritten, sizeof rewritten, "%.*ssegment %s %llu %llu\n",
                     (int)(line + 1 - text), text, name, bytes_listed + 8, documents);
    n += snprintf(rewritten + n, sizeof rewritten - (size_t)n, "checksum %08x\n",
                  (unsigned)crc32(0, (const Bytef *)rewritten, (uInt)n));
    write_file(manifest_path, rewritten, (size_t)n);
    cr_assert_eq(expect_damage(seg_file, 0, bytes_listed + 8, "manifest size"), bytes_listed);
    /* The document count, with a consistent checksum. */
    n = snprintf(rewritten, sizeof rewritten, "%.*ssegment %s %llu %llu\n",
                 (int)(line + 1 - text), text, name, bytes_listed, documents + 1);
    n += snprintf(rewritten + n, sizeof rewritten - (size_t)n, "checksum %08x\n",
                  (unsigned)crc32(0, (const Bytef *)rewritten, (uInt)n));
    write_file(manifest_path, rewritten, (size_t)n);
    expect_damage(manifest_path, 0, (uint64_t)n, "manifest documents");
    /* Gone altogether: no index. */
    cr_assert_eq(unlink(manifest_path), 0);
    cops_error err = {0};
    cr_assert_eq(cops_index_check(index_dir, NULL, &err), COPS_ENOINDEX, "%s", err.message);
    free(bytes);
    free(pristine);
}

Test(check, no_index)
{
    char path[192];
    snprintf(path, sizeof path, "%s/nothing-here", root);
    cops_error err = {0};
    cr_assert_eq(cops_index_check(path, NULL, &err), COPS_ENOINDEX, "%s", err.message);
    cr_assert_not_null(strstr(err.message, path), "%s", err.message);
}

/* A postings record's skip table (FORMAT.md 3.3): its widths, entries and
 * block count, found by the CRC after the entries. */
typedef struct {
    uint8_t *widths;  /* the record's widths, where the CRC starts */
    uint8_t *entries;
    layout_skip layout;
    uint32_t blocks;
    uint8_t *blocks_area; /* the record's blocks, then its positions */
    uint64_t blocks_length;
    uint8_t *next_record;
} skip_table;

static uint64_t take_vint(uint8_t **p)
{
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
        value |= (uint64_t)(**p & 0x7f) << shift;
        if (!(*(*p)++ & 0x80))
            return value;
    }
}

static skip_table skip_table_at(uint8_t *record)
{
    skip_table t = {0};
    uint8_t *p = record;
    t.blocks_length = take_vint(&p);
    uint64_t positions_length = take_vint(&p);
    t.widths = p;
    cr_assert_eq(layout_skip_from_widths((uint32_t)p[0] | (uint32_t)p[1] << 8, &t.layout), 0);
    t.entries = p + LAYOUT_SKIP_WIDTHS_BYTES;
    for (uint32_t b = 1; b < 64; b++) {
        size_t covered = LAYOUT_SKIP_WIDTHS_BYTES + (size_t)layout_skip_stride(&t.layout) * b;
        if ((uint32_t)crc32(0, p, (uInt)covered) == layout_get_u32(p + covered)) {
            t.blocks = b;
            t.blocks_area = p + covered + 4;
            t.next_record = t.blocks_area + t.blocks_length + positions_length;
            return t;
        }
    }
    cr_assert_fail("no skip table found");
    return t;
}

/* The first external postings record's. */
static skip_table first_skip_table(uint8_t *bytes, size_t size)
{
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(bytes, size, toc, 16, &toc_offset);
    const toc_entry *postings = find_section(toc, count, SECTION_POSTINGS);
    cr_assert_gt(postings->length, 0);
    return skip_table_at(bytes + postings->offset);
}

static uint8_t *skip_field_at(const skip_table *t, uint32_t block, enum layout_skip_field field)
{
    return t->entries + (size_t)block * layout_skip_stride(&t->layout)
           + layout_skip_at(&t->layout, field);
}

static uint32_t skip_get(const skip_table *t, uint32_t block, enum layout_skip_field field)
{
    const uint8_t *entry = t->entries + (size_t)block * layout_skip_stride(&t->layout);
    return layout_skip_get(&t->layout, entry, field);
}

/* Rewrite a field in its own width (the value must fit it). */
static void skip_put(const skip_table *t, uint32_t block, enum layout_skip_field field,
                     uint32_t value)
{
    unsigned width = layout_skip_width(&t->layout, field);
    cr_assert(width == 4 || value >> (8 * width) == 0, "%u fits field %d", value, field);
    uint8_t *p = skip_field_at(t, block, field);
    for (unsigned i = 0; i < width; i++, value >>= 8)
        p[i] = (uint8_t)value;
}

static void reseal_skip_table(uint8_t *bytes, size_t size, const skip_table *t)
{
    size_t covered = LAYOUT_SKIP_WIDTHS_BYTES + (size_t)layout_skip_stride(&t->layout) * t->blocks;
    layout_put_u32(t->widths + covered, (uint32_t)crc32(0, t->widths, (uInt)covered));
    reseal(bytes, size, SECTION_POSTINGS);
}

Test(check, crc_consistent_skip_bounds)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    skip_table t = first_skip_table(bytes, size);
    cr_assert_geq(t.blocks, 2);
    uint32_t max_tf = skip_get(&t, 0, LAYOUT_SKIP_MAX_TF);

    /* max_tf of block 0 one higher: still a valid bound for a search, but
     * not the truth.  The reader opens and searches the index happily. */
    skip_put(&t, 0, LAYOUT_SKIP_MAX_TF, max_tf + 1);
    reseal_skip_table(bytes, size, &t);
    write_file(seg_file, bytes, size);
    cops_index *index;
    cops_error err = {0};
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    cops_index_close(index);
    uint64_t offset = expect_damage(seg_file, 0, size, "skip max_tf");
    cr_assert_eq(offset, (uint64_t)(skip_field_at(&t, 0, LAYOUT_SKIP_MAX_TF) - bytes));
    cops_index_check(index_dir, NULL, &err);
    cr_assert_not_null(strstr(err.message, "max_tf"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "(key \""), "%s", err.message);

    /* min_length of block 1 lowered. */
    skip_put(&t, 0, LAYOUT_SKIP_MAX_TF, max_tf);
    uint32_t min_length = skip_get(&t, 1, LAYOUT_SKIP_MIN_LENGTH);
    cr_assert_gt(min_length, 0);
    skip_put(&t, 1, LAYOUT_SKIP_MIN_LENGTH, min_length - 1);
    reseal_skip_table(bytes, size, &t);
    write_file(seg_file, bytes, size);
    offset = expect_damage(seg_file, 0, size, "skip min_length");
    cr_assert_eq(offset, (uint64_t)(skip_field_at(&t, 1, LAYOUT_SKIP_MIN_LENGTH) - bytes));
    free(bytes);
}

/* `pristine` into `bytes` with byte `at` of META's line starting with
 * `start` set to `value`, META resealed, written over the segment. */
static void rewrite_meta_byte(uint8_t *bytes, const uint8_t *pristine, size_t size,
                              const toc_entry *meta, const char *start, size_t at, char value)
{
    memcpy(bytes, pristine, size);
    char *line = memmem(bytes + meta->offset, meta->length, start, strlen(start));
    cr_assert_not_null(line, "META has a line \"%s\"", start);
    line[at] = value;
    reseal(bytes, size, SECTION_META);
    write_file(seg_file, bytes, size);
}

/* The index refused at open, for a reason the message names with `word`. */
static void expect_refused_at_open(const char *word)
{
    cops_index *index = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_index_open(index_dir, &index, &err), COPS_ECORRUPT);
    cr_assert_not_null(strstr(err.message, word), "%s", err.message);
}

Test(check, crc_consistent_dates_and_meta)
{
    size_t size;
    uint8_t *pristine = read_file(seg_file, &size);
    uint8_t *bytes = malloc(size);
    cr_assert_not_null(bytes);
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(pristine, size, toc, 16, &toc_offset);

    /* 31 November for document 5. */
    memcpy(bytes, pristine, size);
    const toc_entry *dates = find_section(toc, count, SECTION_DOCDATES);
    layout_put_u32(bytes + dates->offset + 4 * 5, 20231131);
    reseal(bytes, size, SECTION_DOCDATES);
    write_file(seg_file, bytes, size);
    cr_assert_eq(expect_damage(seg_file, dates->offset, dates->offset + dates->length,
                               "date"), dates->offset + 20);

    /* META body_tokens off by one (same length, CRC resealed). */
    memcpy(bytes, pristine, size);
    const toc_entry *meta = find_section(toc, count, SECTION_META);
    char *line = memmem(bytes + meta->offset, meta->length, "body_tokens ", 12);
    cr_assert_not_null(line);
    char *digit = strchr(line, '\n') - 1;
    *digit = *digit == '9' ? '8' : (char)(*digit + 1);
    reseal(bytes, size, SECTION_META);
    write_file(seg_file, bytes, size);
    expect_damage(seg_file, meta->offset, meta->offset + meta->length, "META body_tokens");

    /* A table width of 3 bytes (FORMAT.md 3.7: 0, 1, 2 or 4): the checker
     * names the META line, and the reader refuses the segment at open. */
    rewrite_meta_byte(bytes, pristine, size, meta, "title_length_bytes ", 19, '3');
    expect_damage(seg_file, meta->offset, meta->offset + meta->length, "META title_length_bytes");
    expect_refused_at_open("width");

    /* The pair keys' word list (FORMAT.md 3.8; the corpus's "on the" has
     * its key, 3.4).  A list that is not one of words is refused by the
     * reader as well; a key of a word the list lacks only by the checker
     * (a reader never asks for it).  An upper-case letter in the list: */
    rewrite_meta_byte(bytes, pristine, size, meta, "pair_words the ", 13, 'E');
    expect_damage(seg_file, meta->offset, meta->offset + meta->length, "META pair_words");
    expect_refused_at_open("pair_words");
    /* "tha" for "the": the key of "on the" names a word the list lacks */
    rewrite_meta_byte(bytes, pristine, size, meta, "pair_words the ", 13, 'a');
    const toc_entry *dictionary = find_section(toc, count, SECTION_DICTIONARY);
    expect_damage(seg_file, dictionary->offset, dictionary->offset + dictionary->length,
                  "a pair key of an unlisted word");

    write_file(seg_file, pristine, size);
    cr_assert_eq(cops_index_check(index_dir, NULL, NULL), 0);
    free(bytes);
    free(pristine);
}

/* segment_scan_prefix visitor: the first key with an external record. */
static int first_external(void *context, const uint8_t *key, size_t key_length,
                          const segment_term *term)
{
    (void)key, (void)key_length;
    if (term->df <= SEGMENT_INLINE_MAX_DF)
        return 0;
    *(segment_term *)context = *term;
    return 1;
}

/* Reseal the edited skip table `t` of `bytes`, write them as the segment,
 * and open it and a cursor on its first title key with an external
 * record. */
static void open_first_external(uint8_t *bytes, size_t size, const skip_table *t, segment **seg,
                                postings_cursor *cursor)
{
    reseal_skip_table(bytes, size, t);
    write_file(seg_file, bytes, size);
    segment_term term;
    cops_error err = {0};
    cr_assert_eq(segment_open(seg_file, seg, &err), 0, "%s", err.message);
    cr_assert_eq(segment_scan_prefix(*seg, (const uint8_t *)"\x01", 1, first_external, &term,
                                     &err), 1);
    postings_open(cursor, *seg, &term);
}

/* Hostile skip widths (FORMAT.md 3.3), the skip CRC made consistent: a
 * reserved bit set, and two fields' widths swapped (the same stride, so
 * the record's lengths still agree, but every entry misread).  The index
 * opens; reading the list reports damage, and so does the check, at the
 * widths or in the entries. */
Test(check, crc_consistent_skip_widths)
{
    size_t size;
    uint8_t *pristine = read_file(seg_file, &size);
    for (int variant = 0; variant < 2; variant++) {
        uint8_t *bytes = malloc(size);
        cr_assert_not_null(bytes);
        memcpy(bytes, pristine, size);
        skip_table t = first_skip_table(bytes, size);
        uint32_t widths = (uint32_t)t.widths[0] | (uint32_t)t.widths[1] << 8;
        if (variant == 0) {
            widths |= 1u << 10;
        } else {
            int a = -1, b = -1;
            for (int f = 0; f < LAYOUT_SKIP_SIZED_FIELDS && b < 0; f++)
                for (int g = f + 1; g < LAYOUT_SKIP_SIZED_FIELDS && b < 0; g++)
                    if (((widths >> (2 * f)) & 3) != ((widths >> (2 * g)) & 3))
                        a = f, b = g;
            cr_assert_geq(b, 0, "two fields of different widths");
            uint32_t wa = (widths >> (2 * a)) & 3, wb = (widths >> (2 * b)) & 3;
            widths &= ~(3u << (2 * a) | 3u << (2 * b));
            widths |= wb << (2 * a) | wa << (2 * b);
        }
        t.widths[0] = (uint8_t)widths;
        t.widths[1] = (uint8_t)(widths >> 8);
        segment *seg;
        postings_cursor cursor;
        cops_error err = {0};
        open_first_external(bytes, size, &t, &seg, &cursor);
        while (cursor.status == 0 && postings_next(&cursor) != POSTINGS_END)
            ;
        cr_assert_eq(cursor.status, COPS_ECORRUPT, "widths 0x%04x", widths);
        cr_assert_eq(segment_damage(seg, &err), COPS_ECORRUPT);
        segment_close(seg);
        uint64_t table = (uint64_t)(t.widths - bytes);
        uint64_t offset = expect_damage(seg_file, table,
                                        (uint64_t)(t.blocks_area - bytes) + t.blocks_length,
                                        "skip widths");
        if (variant == 0)
            cr_assert_eq(offset, table);
        free(bytes);
    }
    write_file(seg_file, pristine, size);
    cr_assert_eq(cops_index_check(index_dir, NULL, NULL), 0);
    free(pristine);
}

/* Hostile heads of a positions chunk (FORMAT.md 3.3, 4): a width above 32,
 * the reserved bit, exceptions that do not fit, each with every CRC made
 * consistent.  The index opens; reading the positions reports damage at
 * the chunk, and so does the check. */
Test(check, crc_consistent_positions_chunk_head)
{
    static const uint8_t heads[] = {0x21, 0x3f, 0x40, 0x80, 0x81};
    size_t size;
    uint8_t *pristine = read_file(seg_file, &size);
    for (size_t h = 0; h < sizeof heads; h++) {
        uint8_t *bytes = malloc(size);
        cr_assert_not_null(bytes);
        memcpy(bytes, pristine, size);
        skip_table t = first_skip_table(bytes, size);
        cr_assert_eq(t.blocks, 3); /* a title word in every document, df 300 */
        uint8_t *positions = t.blocks_area + t.blocks_length;
        uint32_t start = skip_get(&t, 0, LAYOUT_SKIP_POSITIONS_OFFSET);
        uint32_t end = skip_get(&t, 1, LAYOUT_SKIP_POSITIONS_OFFSET);
        /* tf 1 everywhere: block 0's 128 values are one chunk, without
         * exceptions (the same position in every title) */
        cr_assert_gt(end, start);
        cr_assert_leq(positions[start], 32);
        positions[start] = heads[h];
        skip_put(&t, 0, LAYOUT_SKIP_POSITIONS_CRC,
                 (uint32_t)crc32(0, positions + start, end - start));
        segment *seg;
        postings_cursor cursor;
        cops_error err = {0};
        open_first_external(bytes, size, &t, &seg, &cursor);
        cr_assert_eq(cursor.status, 0, "the documents and frequencies are sound");
        uint32_t out[4];
        cr_assert_eq(postings_positions(&cursor, out), COPS_ECORRUPT, "head 0x%02x", heads[h]);
        cr_assert_eq(segment_damage(seg, &err), COPS_ECORRUPT);
        cr_assert_not_null(strstr(err.message, "positions"), "%s", err.message);
        segment_close(seg);
        expect_damage(seg_file, (uint64_t)(positions + start - bytes),
                      (uint64_t)(positions + start - bytes) + 2, "positions chunk head");
        free(bytes);
    }
    write_file(seg_file, pristine, size);
    cr_assert_eq(cops_index_check(index_dir, NULL, NULL), 0);
    free(pristine);
}

/* The skip table of "grant" (df 300, tf i % 4 + 1: last docs 127, 255,
 * 299, max_tf 4 in each) in `bytes`. */
static skip_table grant_table(uint8_t *bytes, size_t size)
{
    toc_entry postings_entry = section_in(bytes, size, SECTION_POSTINGS);
    const toc_entry *postings = &postings_entry;
    skip_table t = {0};
    for (uint8_t *p = bytes + postings->offset; p < bytes + postings->offset + postings->length;) {
        skip_table here = skip_table_at(p);
        if (here.blocks == 3 && skip_get(&here, 0, LAYOUT_SKIP_LAST_DOC) == 127
            && skip_get(&here, 1, LAYOUT_SKIP_LAST_DOC) == 255
            && skip_get(&here, 2, LAYOUT_SKIP_LAST_DOC) == 299
            && skip_get(&here, 0, LAYOUT_SKIP_MAX_TF) == 4
            && skip_get(&here, 1, LAYOUT_SKIP_MAX_TF) == 4
            && skip_get(&here, 2, LAYOUT_SKIP_MAX_TF) == 4) {
            cr_assert_null(t.entries, "one such list");
            t = here;
        }
        p = here.next_record;
    }
    cr_assert_not_null(t.entries);
    return t;
}

/* Open the (edited) segment and look "grant" up in it. */
static void open_grant(segment **seg, segment_term *term)
{
    cops_error err = {0};
    cr_assert_eq(segment_open(seg_file, seg, &err), 0, "%s", err.message);
    cr_assert_eq(segment_lookup(*seg, (const uint8_t *)"grant", 5, term, &err), 1);
}

/* Rewrite the tf-1 values of "grant"'s first block in `bytes` to
 * `values`, which must take the same 33 bytes (gaps in 1 byte, tf-1 of
 * width 2), every CRC of the postings resealed. */
static void rewrite_grant_first_tfs(uint8_t *bytes, size_t size, const uint32_t values[128])
{
    skip_table t = grant_table(bytes, size);
    uint8_t *blocks = t.blocks_area;
    cr_assert_eq(skip_get(&t, 0, LAYOUT_SKIP_BLOCK_OFFSET), 0);
    cr_assert_eq(skip_get(&t, 1, LAYOUT_SKIP_BLOCK_OFFSET), 34, "gaps in 1 byte, tf-1 in 33");
    cr_assert_eq(blocks[0], 0x00, "documents 0-127: every gap 0");
    cr_assert_eq(blocks[1], 0x02, "tf-1 in 0..3: width 2");
    byte_buffer block = {0};
    codec_block_append(&block, values, 128);
    cr_assert_eq(block.length, 33);
    memcpy(blocks + 1, block.data, 33);
    buffer_free(&block);
    skip_put(&t, 0, LAYOUT_SKIP_BLOCK_CRC, (uint32_t)crc32(0, blocks, 34));
    reseal_skip_table(bytes, size, &t);
}

/* A frequency is bounded only by its field's length, both read from the
 * index: damage that claims a posting of 2^32-1 positions in a field of as
 * many words must be reported as damage, without sizing memory by it
 * (positions are read, never allocated by tf).  "grant" (df 300, tf
 * i % 4 + 1) has its first block's tf-1 values rewritten to six of
 * 2^32-2 (the same 33 bytes: no exceptions of width 2 become six of 32
 * bits), the six documents' lengths set to 2^32-1, every CRC resealed.
 * Under a 1 GiB address space the 16 GiB the old code asked for failed as
 * COPS_ENOMEM; now the positions run out and it is COPS_ECORRUPT. */
Test(check, crc_consistent_huge_frequency_sizes_nothing)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    toc_entry lengths_entry = section_in(bytes, size, SECTION_DOCLENGTHS);
    uint32_t values[128] = {0};
    for (int i = 0; i < 6; i++)
        values[i] = UINT32_MAX - 1;
    rewrite_grant_first_tfs(bytes, size, values);
    const toc_entry *lengths = &lengths_entry;
    for (int doc = 0; doc < 6; doc++)
        layout_put_u32(bytes + lengths->offset + 4 * doc, UINT32_MAX);
    reseal(bytes, size, SECTION_DOCLENGTHS);
    write_file(seg_file, bytes, size);
    free(bytes);

#if !TESTLIB_ASAN
    /* AddressSanitizer reserves terabytes of shadow address space, so the
     * cap is the plain build's: there a 16 GiB request fails the test */
    struct rlimit limit = {1u << 30, 1u << 30};
    cr_assert_eq(setrlimit(RLIMIT_AS, &limit), 0);
#endif
    cops_index *index;
    cops_error err = {0};
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    FILE *out = fopen("/dev/null", "w");
    cr_assert_not_null(out);
    cr_assert_eq(cops_index_dump_term(index, "grant", out, &err), COPS_ECORRUPT, "%d: %s",
                 err.code, err.message);
    fclose(out);
    cops_index_close(index);
    static const char *const queries[] = {"grant NEAR river", "\"grant grant\"",
                                          "\"grant grant grant\""};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
        cops_search_options options;
        cops_search_options_init(&options);
        cops_results *results = NULL;
        int rc = cops_search(index, queries[q], &options, &results, &err);
        cr_assert_eq(rc, COPS_ECORRUPT, "%s: %d: %s", queries[q], rc, err.message);
        cops_results_free(results);
        cops_index_close(index);
    }
}

/* A frequency above its field's length and its block's shortest one is
 * damage, whether the document's positions start in the chunk an earlier
 * opening decoded (the in-line opening, bounded by the block's shortest
 * field) or not (open_positions_checked): "grant"'s first block has tf 1
 * in document 0 and 2^32-1 in documents 1-6 (same 33 bytes), the lengths
 * untouched.  Document 0's opening decodes the chunk; document 1's, in
 * it, must fail as on the general path, with the message of check_tf. */
Test(check, crc_consistent_frequency_over_its_field_in_the_decoded_chunk)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    uint32_t values[128] = {0};
    for (int i = 1; i <= 6; i++)
        values[i] = UINT32_MAX - 1;
    rewrite_grant_first_tfs(bytes, size, values);
    write_file(seg_file, bytes, size);
    free(bytes);

    segment *seg;
    segment_term term;
    cops_error err = {0};
    open_grant(&seg, &term);
    bm25_term unscored; /* the body's field */
    memset(&unscored, 0, sizeof unscored);
    matcher *m = matcher_term(seg, &term, &unscored, 0, "grant");
    cr_assert_not_null(m);
    postings_position_reader reader;
    uint32_t position;
    cr_assert_eq(matcher_next_geq(m, 0), 0);
    cr_assert_eq(m->ops->open_positions(m, &reader), 0, "document 0: tf 1");
    cr_assert_eq(postings_position_read(&reader, &position), 1);
    cr_assert_eq(matcher_next_geq(m, 1), 1);
    cr_assert_eq(m->ops->open_positions(m, &reader), COPS_ECORRUPT, "document 1: tf 2^32-1");
    cr_assert_eq(segment_damage(seg, &err), COPS_ECORRUPT);
    cr_assert_not_null(strstr(err.message, "a posting's frequency exceeds its field's length"),
                       "%s", err.message);
    matcher_free(m);
    segment_close(seg);

    /* and through a search: a phrase opens both words' positions */
    cops_index *index;
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results = NULL;
    int rc = cops_search(index, "\"grant budget\"", &options, &results, &err);
    cr_assert_eq(rc, COPS_ECORRUPT, "%d: %s", rc, err.message);
    cr_assert_not_null(strstr(err.message, "a posting's frequency exceeds its field's length"),
                       "%s", err.message);
    cops_results_free(results);
    cops_index_close(index);
}

/* An opening that steps over several chunks of positions to reach its
 * document's names the chunk that does not decode, not the first one
 * stepped over: "grant"'s first block holds 128 documents of tf 1-4 (three
 * chunks); its second chunk's head is made invalid (width 33, the CRC
 * resealed), and the first opening of a document whose values start in
 * the third chunk reports damage at that second chunk's head. */
Test(check, crc_consistent_positions_chunk_stepped_over_is_named)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    skip_table t = grant_table(bytes, size);
    uint8_t *positions = t.blocks_area + t.blocks_length;
    uint32_t start = skip_get(&t, 0, LAYOUT_SKIP_POSITIONS_OFFSET);
    uint32_t end = skip_get(&t, 1, LAYOUT_SKIP_POSITIONS_OFFSET);
    size_t first = codec_block_size(positions + start, positions + end, CODEC_BLOCK_SIZE);
    cr_assert_gt(first, 0);
    uint8_t *second = positions + start + first;
    size_t second_size = codec_block_size(second, positions + end, CODEC_BLOCK_SIZE);
    cr_assert(second_size > 0 && second + second_size < positions + end, "three chunks");
    *second = 0x21; /* width 33 */
    skip_put(&t, 0, LAYOUT_SKIP_POSITIONS_CRC, (uint32_t)crc32(0, positions + start, end - start));
    reseal_skip_table(bytes, size, &t);
    write_file(seg_file, bytes, size);
    uint64_t at = (uint64_t)(second - bytes);
    free(bytes);

    segment *seg;
    segment_term term;
    cops_error err = {0};
    open_grant(&seg, &term);
    postings_cursor c, *cursor = &c;
    postings_open(cursor, seg, &term);
    /* to the first document whose values start past two chunks */
    uint64_t values = 0;
    while (values < 2 * CODEC_BLOCK_SIZE) {
        cr_assert_lt(cursor->doc, 128, "in the first block");
        values += postings_tf(cursor);
        cr_assert_neq(postings_next(cursor), POSTINGS_END);
    }
    uint32_t out[4];
    cr_assert_eq(postings_positions(cursor, out), COPS_ECORRUPT);
    cr_assert_eq(segment_damage(seg, &err), COPS_ECORRUPT);
    const char *byte = strstr(err.message, " at byte ");
    cr_assert_not_null(byte, "%s", err.message);
    cr_assert_eq(strtoull(byte + 9, NULL, 10), at, "expected byte %llu: %s",
                 (unsigned long long)at, err.message);
    segment_close(seg);
}

/* --delete compares a stored id in full, by its length: a hand-made
 * segment whose document 5 has the id ".../d005\0txt" (a NUL where the
 * '.' was, every CRC resealed) is not deleted by the id ".../d005", which
 * the old comparison (strcmp, up to the NUL) took for it. */
Test(check, delete_by_id_compares_past_a_nul)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(bytes, size, toc, 16, &toc_offset);
    const toc_entry *meta = find_section(toc, count, SECTION_DOCMETA);
    const toc_entry *meta_index = find_section(toc, count, SECTION_DOCMETAINDEX);
    uint8_t *name = memmem(bytes + meta->offset, meta->length, "/d005.txt", 9);
    cr_assert_not_null(name);
    uint64_t chunk_end = layout_get_u64(bytes + meta_index->offset + 8); /* chunk 1's offset */
    cr_assert_lt((uint64_t)(name - bytes), meta->offset + chunk_end, "in chunk 0");
    name[5] = '\0';
    layout_put_u32(bytes + meta->offset,
                   (uint32_t)crc32(0, bytes + meta->offset + 4, (uInt)(chunk_end - 4)));
    reseal(bytes, size, SECTION_DOCMETA);
    write_file(seg_file, bytes, size);
    free(bytes);

    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/docs/d005", root);
    const char *ids[1] = {prefix};
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    options.on_warning = quiet_warning;
    options.delete_by_id = 1;
    cops_build_summary summary;
    cops_error err = {0};
    int rc = cops_build(index_dir, ids, 1, &options, &summary, &err);
    cr_assert(rc == 0 || rc == 1, "%d: %s", rc, err.message);
    cr_assert_eq(summary.inputs_missing, 1, "the prefix of an id is not that id");
    cops_index *index;
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    cops_index_stats stats;
    cr_assert_eq(cops_index_stats_get(index, &stats, &err), 0, "%s", err.message);
    cr_assert_eq(stats.documents, DOCUMENTS, "nothing was deleted");
    cops_index_close(index);
}

/* A reordered segment's insertion order (FORMAT.md 3.7) must be a
 * permutation: one position given to two documents is found, at its byte. */
Test(check, crc_consistent_insertion_order)
{
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    options.reorder = 1;
    options.on_warning = quiet_warning;
    char docs[128];
    snprintf(docs, sizeof docs, "%s/docs", root);
    const char *inputs[1] = {docs};
    cops_error err = {0};
    cops_build_summary summary;
    /* the fixture's build reordered its segment already (then this one
     * has nothing to do), or this one merges and reorders */
    cr_assert_eq(cops_build(index_dir, inputs, 1, &options, &summary, &err), 0, "%s",
                 err.message);
    cr_assert_eq(cops_index_check(index_dir, NULL, NULL), 0);
    find_segment_path();

    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    toc_entry toc[16];
    uint64_t toc_offset;
    size_t count = parse_toc(bytes, size, toc, 16, &toc_offset);
    const toc_entry *dates = find_section(toc, count, SECTION_DOCDATES);
    /* the insertion order follows the dates, 2 bytes a position for 300
     * documents (FORMAT.md 3.7) */
    uint64_t date_width = meta_value(bytes, toc, count, "date_bytes");
    cr_assert_eq(meta_value(bytes, toc, count, "insertion_bytes"), 2);
    cr_assert_eq(dates->length, (date_width + 2) * DOCUMENTS, "the insertion order follows the dates");
    uint64_t order = dates->offset + date_width * DOCUMENTS;
    memcpy(bytes + order + 2 * 7, bytes + order + 2 * 3, 2);
    reseal(bytes, size, SECTION_DOCDATES);
    write_file(seg_file, bytes, size);
    uint64_t at = expect_damage(seg_file, order, order + 2 * DOCUMENTS, "insertion order");
    cr_assert(at == order + 2 * 3 || at == order + 2 * 7, "offset %llu", (unsigned long long)at);
    free(bytes);
}

/* A block of frequencies mostly 1 with a few of 2, 3 and 7 is smaller in
 * the unary form (FORMAT.md 2, 2026121001): the writer takes it for the
 * first block of a list in all 130 documents, and the check, which
 * insists on the writer's choice of every block, takes it as the
 * writer's, where a checker holding tf blocks to the frame of reference
 * refuses it (and a writer keeping to that, this test's head). */
Test(check, frequencies_in_the_unary_form_are_the_writers)
{
    char path[192];
    snprintf(path, sizeof path, "%s/unary.cops", root);
    segment_writer *w;
    cops_error err = {0};
    cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
    enum { DOCS = 130, LENGTH = 23 }; /* past the last position: 3·6 + 4 */
    for (uint32_t doc = 0; doc < DOCS; doc++)
        cr_assert_eq(segment_writer_add_document(w, "id", "", 0, "zeta", 4, LENGTH, 0, &err), 0,
                     "%s", err.message);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"zeta", 4, &err), 0);
    uint64_t cf = 0;
    for (uint32_t doc = 0; doc < DOCS; doc++) {
        uint32_t tf = doc % 3 ? 1 : (doc % 6 == 0 ? 2 : 3) + (doc % 27 == 0) * 4, positions[8];
        for (uint32_t i = 0; i < tf; i++)
            positions[i] = 3 * i + doc % 5;
        cf += tf;
        cr_assert_eq(segment_writer_add_posting(w, doc, positions, tf, &err), 0, "%s",
                     err.message);
    }
    cr_assert_eq(segment_writer_end_term(w, &err), 0, "%s", err.message);
    segment_meta meta = {.documents = DOCS, .body_tokens = (uint64_t)LENGTH * DOCS, .terms = 1,
                         .postings = DOCS, .language = "none"};
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), 0, "%s", err.message);
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    skip_table t = first_skip_table(bytes, size);
    cr_assert_eq(t.blocks, 2);
    cr_assert_eq(t.blocks_area[0], 0x00, "every gap 0: width 0");
    cr_assert_eq(t.blocks_area[1] & 0xe0, 0x40, "tf-1 head 0x%02x: not the unary form",
                 t.blocks_area[1]);
    cr_assert_gt(cf, DOCS);
    free(bytes);
    unlink(path);
}

/* A segment of the versions before is refused, by the search and by the
 * check alike, with "rebuild the index": 2026120302's inline lists store a
 * length and frequencies this version's reader would take for other
 * fields (FORMAT.md 3.4), so reading it would not be an error but wrong
 * answers; 2026120401's blocks never place exceptions by a bitmap;
 * 2026120501's dictionary entries start with two varints where this
 * version has a key head byte and df and cf in one varint (FORMAT.md 3.4);
 * a reordered 2026120601 segment holds its stored text in the new order,
 * which this reader would read through the insertion positions;
 * 2026120701's positions chunks never take the unary form;
 * 2026120802's DICTINDEX offsets are u64 and its shortest inline lists
 * hold gaps where this version reads fixed-width numbers; 2026120901's
 * blocks of frequencies never take the unary form, which this version's
 * check insists on where it is smaller; 2026121001's terms are the
 * analysis before (Ph.D. was ph d, where a query PhD looks for phd);
 * and one version is read (FORMAT.md 10). */
Test(check, previous_version_is_refused_by_search_and_check)
{
    cops_index *index = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    cops_index_close(index);
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    const uint32_t earlier[] = {2026120302u, 2026120401u, 2026120501u, 2026120601u,
                               2026120701u, 2026120802u, 2026120901u, 2026121001u};
    for (size_t v = 0; v < sizeof earlier / sizeof earlier[0]; v++) {
        layout_put_u32(bytes + 8, earlier[v]);
        write_file(seg_file, bytes, size);
        index = NULL;
        cr_assert_eq(cops_index_open(index_dir, &index, &err), COPS_EVERSION, "%s", err.message);
        cr_assert_null(index);
        cr_assert_not_null(strstr(err.message, "rebuild the index"), "%s", err.message);
        cr_assert_eq(cops_index_check(index_dir, NULL, &err), COPS_EVERSION, "%s", err.message);
    }
    free(bytes);
}

/* A DICTINDEX entry is a block's offset and its first key's (FORMAT.md
 * 3.5): the lengths are where the next entry's start, so a first key
 * offset that does not increase is a key of no bytes, refused by the check
 * and by a look-up, even with every CRC made to agree. */
Test(check, dictindex_lengths_come_from_the_next_entry)
{
    size_t size;
    uint8_t *bytes = read_file(seg_file, &size);
    toc_entry dictindex = section_in(bytes, size, SECTION_DICTINDEX), *index = &dictindex;
    uint32_t blocks = layout_get_u32(bytes + index->offset);
    cr_assert_geq(blocks, 2);
    uint8_t *second = bytes + index->offset + 4 + LAYOUT_DICTINDEX_ENTRY_BYTES;
    uint32_t key_offset = layout_get_u32(second + LAYOUT_DICTINDEX_KEY_OFFSET);
    cr_assert_gt(key_offset, 0);
    layout_put_u32(second + LAYOUT_DICTINDEX_KEY_OFFSET, 0); /* the first block's key ends where it starts */
    reseal(bytes, size, SECTION_DICTINDEX);
    write_file(seg_file, bytes, size);
    uint64_t at = expect_damage(seg_file, index->offset, index->offset + index->length,
                                "first key offsets");
    cr_assert_eq(at, index->offset + 4 + LAYOUT_DICTINDEX_KEY_OFFSET, "offset %llu",
                 (unsigned long long)at);
    cops_index *opened = NULL;
    cops_error err = {0};
    cr_assert_eq(cops_index_open(index_dir, &opened, &err), 0, "%s", err.message);
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    int rc = cops_index_dump_term(opened, "title:0", sink, &err); /* a key of block 0 */
    fclose(sink);
    cr_assert_eq(rc, COPS_ECORRUPT, "%d %s", rc, err.message);
    cr_assert_not_null(strstr(err.message, "dictionary index entry out of range"), "%s",
                       err.message);
    cops_index_close(opened);
    free(bytes);
}
