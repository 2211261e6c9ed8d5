/*
 * fuzz-catalog.c — the files catalog (index-format/catalog.h, FORMAT.md
 * §5.2) read from hostile bytes: entries with their format, encoding and
 * record lines (fixed-width, or version 3's zigzag varints), roots with
 * their --glob/--exclude lists and (version 5) reading flags and fields.
 *
 * Each input becomes a catalog file in a scratch directory, read by
 * catalog_read for an index of FUZZ_DOCUMENTS documents.  When it is
 * accepted, every entry's lines are decoded and each document's line is
 * looked up (catalog_entry_line must agree with catalog_lines_decode, and
 * no line is 0), every entry path is found again (catalog_find)
 * and tested against the roots, every root's patterns are fetched; then
 * the catalog is written and read back: the same entries, roots and
 * patterns, and writing that copy gives the same bytes.  Every input is
 * also read by the records reader of a search (check_records).
 *
 * Input: byte 0 bit 0 set = the harness frames the rest: "COPSCAT\0",
 * version 4 (bits 1 and 2 clear), 2 (bit 1 set, bit 2 clear), 3 (bit 2
 * set, bit 1 clear) or 5 (both set), the rest, then the right CRC
 * (so the parser behind the checksum is reached); clear = the rest is the
 * whole file as is.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cops.h"
#include "fuzz-common.h"
#include "index-format/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DOCUMENTS 64

/* Trap with a message: an invariant of the catalog failed. */
#define fuzz_fail(what)                                                                   \
    do {                                                                                  \
        fprintf(stderr, "cops fuzz: %s\n", what);                                         \
        __builtin_trap();                                                                 \
    } while (0)

static void put_u32(uint8_t *at, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        at[i] = (uint8_t)(value >> (8 * i));
}

/* The file the input stands for (framed or as is). */
static uint8_t *catalog_bytes(const uint8_t *data, size_t size, size_t *length)
{
    if (size == 0 || !(data[0] & 1)) {
        uint8_t *copy = malloc(size ? size - 1 : 1);
        if (!copy)
            abort();
        if (size > 1)
            memcpy(copy, data + 1, size - 1);
        *length = size ? size - 1 : 0;
        return copy;
    }
    *length = 12 + (size - 1) + 4;
    uint8_t *file = malloc(*length);
    if (!file)
        abort();
    memcpy(file, "COPSCAT\0", 8);
    put_u32(file + 8, data[0] & 2 ? (data[0] & 4 ? 5 : 2) : data[0] & 4 ? 3 : 4);
    memcpy(file + 12, data + 1, size - 1);
    put_u32(file + *length - 4, (uint32_t)crc32(0, file, (uInt)(*length - 4)));
    return file;
}

/* An entry's lines: decoded, looked up one by one.  Both readers
 * check their layout (a width and exactly doc_count values of it), so
 * they decode; `checked`: the reader checked every line too
 * (catalog_read), so none is 0 (the records reader reads a 0 as none). */
static void check_entry_lines(const catalog_entry *e, int checked)
{
    /* a line takes a byte at least: the array is bounded by the file */
    if (e->lines_bytes <= e->doc_count)
        fuzz_fail("lines smaller than their documents were accepted");
    uint64_t *lines = malloc(((size_t)e->doc_count + 1) * sizeof *lines);
    if (!lines)
        abort();
    if (catalog_lines_decode(e, lines) != 0)
        fuzz_fail("lines that were accepted do not decode");
    for (uint32_t k = 0; k < e->doc_count; k++) {
        if (checked && lines[k] == 0)
            fuzz_fail("a line 0 was accepted");
        /* (a range past 2^32 - 1, which only a damaged catalog has,
         * names documents from first_doc up to the largest) */
        if ((uint64_t)e->first_doc + k <= UINT32_MAX
            && catalog_entry_line(e, e->first_doc + k) != lines[k])
            fuzz_fail("catalog_entry_line disagrees with catalog_lines_decode");
    }
    free(lines);
}

/* Every entry's format, encoding and lines. */
static void check_lines(const catalog *c)
{
    for (size_t i = 0; i < c->count; i++) {
        const catalog_entry *e = &c->entries[i];
        if (e->format >= CATALOG_FORMAT_COUNT
            || !catalog_encoding_valid(e->encoding, strlen(e->encoding)))
            fuzz_fail("an entry's format or encoding out of range was accepted");
        if (!e->lines) {
            if (catalog_entry_line(e, e->first_doc) != 0)
                fuzz_fail("an entry without lines has a line");
            continue;
        }
        check_entry_lines(e, 1);
    }
}

/* The records reader (a search's, on the first hit that needs a line:
 * catalog_open, then catalog_read_records, which skips the roots and
 * checks the lines' layout, not each line) on the same file: it accepts
 * what catalog_read accepts (`full`, or NULL when refused), with the
 * same entries that have lines; whatever it accepts keeps only entries
 * with lines, which decode and agree. */
static void check_records(const char *dir, const catalog *full)
{
    int fd;
    uint64_t size;
    cops_error err;
    memset(&err, 0, sizeof err);
    if (catalog_open(dir, "FILES", &fd, &size, &err) != 0)
        fuzz_fail("the catalog written cannot be opened");
    catalog records;
    int rc = catalog_read_records(fd, size, "FILES", FUZZ_DOCUMENTS, &records, &err);
    close(fd);
    if (rc == COPS_ENOMEM)
        abort();
    if (rc != 0) {
        if (full)
            fuzz_fail("the records reader refuses a catalog catalog_read accepts");
        return;
    }
    size_t with_lines = 0;
    for (size_t i = 0; full && i < full->count; i++)
        with_lines += full->entries[i].lines != NULL;
    if (full && records.count != with_lines)
        fuzz_fail("the records reader keeps other entries than those with lines");
    for (size_t i = 0; i < records.count; i++) {
        if (!records.entries[i].lines)
            fuzz_fail("the records reader keeps an entry without lines");
        check_entry_lines(&records.entries[i], full != NULL);
    }
    catalog_free(&records);
}

static void check_lookups(catalog *c)
{
    for (size_t i = 0; i < c->count; i++) {
        const char *path = c->entries[i].path;
        size_t first = 0;
        catalog_entry *last = catalog_find(c, path, &first);
        if (!last || first > i || last < &c->entries[i] || strcmp(last->path, path) != 0)
            fuzz_fail("catalog_find misses an entry's path");
        (void)catalog_roots_contain((const char *const *)c->roots, c->root_count, path);
        (void)catalog_find_document(c, c->entries[i].segment, c->entries[i].first_doc);
    }
    for (size_t r = 0; r < c->root_count; r++) {
        const catalog_patterns *p = catalog_root_patterns(c, c->roots[r]);
        for (size_t k = 0; p && k < p->glob_count; k++)
            if (!p->globs[k][0])
                fuzz_fail("an empty --glob pattern was accepted");
        for (size_t k = 0; p && k < p->exclude_count; k++)
            if (!p->excludes[k][0])
                fuzz_fail("an empty --exclude pattern was accepted");
    }
}

static int same_patterns(char *const *a, size_t a_count, char *const *b, size_t b_count)
{
    if (a_count != b_count)
        return 0;
    for (size_t k = 0; k < a_count; k++)
        if (strcmp(a[k], b[k]) != 0)
            return 0;
    return 1;
}

static uint8_t *read_back(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        abort();
    fseek(file, 0, SEEK_END);
    *length = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *bytes = malloc(*length ? *length : 1);
    if (!bytes || fread(bytes, 1, *length, file) != *length)
        abort();
    fclose(file);
    return bytes;
}

/* Written and read back, the catalog is the same, and so are its bytes
 * written again. */
static void check_round_trip(const char *dir, const catalog *c)
{
    cops_error err;
    memset(&err, 0, sizeof err);
    catalog copy;
    if (catalog_write(AT_FDCWD, dir, "again", c, &err) != 0)
        fuzz_fail("an accepted catalog cannot be written");
    if (catalog_read(dir, "again", FUZZ_DOCUMENTS, &copy, &err) != 0)
        fuzz_fail(err.message);
    if (copy.count != c->count || copy.root_count != c->root_count)
        fuzz_fail("the catalog read back has other entries or roots");
    for (size_t i = 0; i < c->count; i++) {
        const catalog_entry *x = &c->entries[i], *y = &copy.entries[i];
        if (strcmp(x->path, y->path) != 0 || x->lines_bytes != y->lines_bytes
            || (x->lines_bytes && memcmp(x->lines, y->lines, x->lines_bytes) != 0))
            fuzz_fail("an entry read back differs");
    }
    for (size_t r = 0; r < c->root_count; r++) {
        const catalog_patterns *p = catalog_root_patterns(c, c->roots[r]),
                               *q = catalog_root_patterns(&copy, copy.roots[r]);
        if (strcmp(c->roots[r], copy.roots[r]) != 0 || !p != !q
            || (p && (!same_patterns(p->globs, p->glob_count, q->globs, q->glob_count)
                      || !same_patterns(p->excludes, p->exclude_count, q->excludes,
                                        q->exclude_count)
                      || p->flags != q->flags)))
            fuzz_fail("a root or its patterns read back differ");
        for (size_t f = 0; p && f < CATALOG_FIELDS; f++)
            if (!p->fields[f] != !q->fields[f]
                || (p->fields[f] && strcmp(p->fields[f], q->fields[f]) != 0))
                fuzz_fail("a root's field names read back differ");
    }
    if (catalog_write(AT_FDCWD, dir, "third", &copy, &err) != 0)
        fuzz_fail("a catalog read back cannot be written");
    catalog_free(&copy);
    char path[4200];
    size_t first_length, second_length;
    snprintf(path, sizeof path, "%s/again", dir);
    uint8_t *first = read_back(path, &first_length);
    snprintf(path, sizeof path, "%s/third", dir);
    uint8_t *second = read_back(path, &second_length);
    if (first_length != second_length || memcmp(first, second, first_length) != 0)
        fuzz_fail("writing a catalog read back changes its bytes");
    free(first);
    free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch();
    char path[4200];
    snprintf(path, sizeof path, "%s/FILES", dir);
    size_t length;
    uint8_t *bytes = catalog_bytes(data, size, &length);
    fuzz_write_file(path, bytes, length);
    free(bytes);
    catalog c;
    cops_error err;
    memset(&err, 0, sizeof err);
    if (catalog_read(dir, "FILES", FUZZ_DOCUMENTS, &c, &err) != 0) {
        check_records(dir, NULL);
        return 0;
    }
    check_records(dir, &c);
    if (c.count > FUZZ_DOCUMENTS)
        fuzz_fail("more entries than documents were accepted");
    check_lines(&c);
    check_lookups(&c);
    check_round_trip(dir, &c);
    catalog_free(&c);
    return 0;
}
