/*
 * catalog-test.c — the files catalog's roots (index-format/catalog.h,
 * FORMAT.md §5.2): written and read back; roots out of order, nested,
 * relative or too many are damage; every truncation is refused without
 * reading past the end; a version 1 catalog says to rebuild, a version 2
 * one still reads; formats, encodings and lines round-trip and each out
 * of range is damage; a version 3 catalog's lines (varint differences)
 * read as version 4's (one width, any one read directly).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "index-format/catalog.h"

static char dir[] = "/tmp/cops-catalog-test-XXXXXX";

static void setup(void)
{
    cr_assert(mkdtemp(dir), "mkdtemp");
}

static void teardown(void)
{
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    cr_expect_eq(system(command), 0);
}

TestSuite(catalog, .init = setup, .fini = teardown);

/* The line of document `doc` of `e`, as a reader finds it. */
static uint64_t line_of(const catalog_entry *e, uint32_t doc)
{
    return catalog_entry_line(e, doc);
}

/* A catalog of one entry under the given roots. */
static void make_catalog(catalog *c, const char *const *roots, size_t count)
{
    memset(c, 0, sizeof *c);
    catalog_entry e;
    memset(&e, 0, sizeof e);
    e.path = (char *)"/data/a.txt";
    e.size = 5;
    snprintf(e.segment, sizeof e.segment, "seg-000001.cops");
    e.doc_count = 1;
    cr_assert_eq(catalog_add(c, &e, NULL), 0);
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(catalog_add_root(c, roots[i], NULL), 0);
}

static int write_and_read(const char *const *roots, size_t count, catalog *out, cops_error *err)
{
    catalog c;
    make_catalog(&c, roots, count);
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "files-000001.cat", &c, err), 0);
    catalog_free(&c);
    return catalog_read(dir, "files-000001.cat", 10, out, err);
}

Test(catalog, roots_round_trip)
{
    const char *roots[] = {"/data", "/data-b", "/other/x.txt"};
    catalog back;
    cops_error err;
    cr_assert_eq(write_and_read(roots, 3, &back, &err), 0, "%s", err.message);
    cr_assert_eq(back.root_count, 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect_str_eq(back.roots[i], roots[i]);
    cr_assert_eq(back.count, 1);
    cr_expect_str_eq(back.entries[0].path, "/data/a.txt");
    catalog_free(&back);
}

Test(catalog, bad_roots_are_damage)
{
    static const char *const unordered[] = {"/b", "/a"};
    static const char *const nested[] = {"/a", "/a/b"};
    static const char *const relative[] = {"a"};
    static const char *const twice[] = {"/a", "/a"};
    struct {
        const char *const *roots;
        size_t count;
    } cases[] = {{unordered, 2}, {nested, 2}, {relative, 1}, {twice, 2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        catalog back;
        cops_error err;
        cr_expect_eq(write_and_read(cases[i].roots, cases[i].count, &back, &err), COPS_ECORRUPT,
                     "case %zu", i);
        catalog_free(&back);
    }
}

Test(catalog, path_in_root)
{
    cr_expect(catalog_path_in_root("/a", "/a"));
    cr_expect(catalog_path_in_root("/a", "/a/b"));
    cr_expect(!catalog_path_in_root("/a", "/ab"));
    cr_expect(!catalog_path_in_root("/a/b", "/a"));
    cr_expect(catalog_path_in_root("/", "/x"));
    const char *roots[] = {"-", "/a", "/a-b", "/c/d.txt"};
    cr_expect(catalog_roots_contain(roots, 4, "/a/x/y"));
    cr_expect(catalog_roots_contain(roots, 4, "/a-b"));
    cr_expect(catalog_roots_contain(roots, 4, "/c/d.txt"));
    cr_expect(catalog_roots_contain(roots, 4, "-"));
    cr_expect(!catalog_roots_contain(roots, 4, "/ab"));
    cr_expect(!catalog_roots_contain(roots, 4, "/c"));
    cr_expect(!catalog_roots_contain(roots, 4, "/c/d.txt2"));
    const char *top[] = {"/"};
    cr_expect(catalog_roots_contain(top, 1, "/x/y"));
    cr_expect(catalog_roots_contain(top, 1, "/"));
}

/* Every truncation (with its CRC fixed up, so the decoder, not the
 * checksum, meets the short data) is refused, never read past. */
Test(catalog, every_truncation_is_refused)
{
    const char *roots[] = {"/data", "/zeta"};
    catalog c;
    make_catalog(&c, roots, 2);
    cops_error err;
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "whole.cat", &c, &err), 0);
    catalog_free(&c);
    char path[512];
    snprintf(path, sizeof path, "%s/whole.cat", dir);
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    unsigned char bytes[4096];
    size_t length = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    for (size_t cut = 16; cut + 4 < length; cut++) {
        unsigned char copy[4096];
        memcpy(copy, bytes, cut);
        uint32_t crc = (uint32_t)crc32(0, copy, (unsigned)cut);
        for (int k = 0; k < 4; k++)
            copy[cut + (size_t)k] = (unsigned char)(crc >> (8 * k));
        snprintf(path, sizeof path, "%s/cut.cat", dir);
        f = fopen(path, "wb");
        cr_assert(f);
        fwrite(copy, 1, cut + 4, f);
        fclose(f);
        catalog back;
        int rc = catalog_read(dir, "cut.cat", 10, &back, &err);
        cr_expect_eq(rc, COPS_ECORRUPT, "cut at %zu: %d", cut, rc);
        catalog_free(&back);
    }
}

Test(catalog, version_1_says_rebuild)
{
    catalog c;
    make_catalog(&c, NULL, 0);
    cops_error err;
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "old.cat", &c, &err), 0);
    catalog_free(&c);
    char path[512];
    snprintf(path, sizeof path, "%s/old.cat", dir);
    FILE *f = fopen(path, "r+b");
    cr_assert(f);
    fseek(f, 8, SEEK_SET);
    fputc(1, f); /* version 1, CRC left wrong: the version is checked first */
    fclose(f);
    catalog back;
    cr_assert_eq(catalog_read(dir, "old.cat", 10, &back, &err), COPS_EVERSION);
    cr_expect(strstr(err.message, "rebuild"), "%s", err.message);
    catalog_free(&back);
}

/* ---------------------------------------- formats, encodings, lines */

Test(catalog, descriptions_round_trip)
{
    catalog c;
    memset(&c, 0, sizeof c);
    catalog_entry e;
    memset(&e, 0, sizeof e);
    e.path = (char *)"/data/records.jsonl";
    snprintf(e.segment, sizeof e.segment, "seg-000002.cops");
    e.first_doc = 4;
    e.doc_count = 3;
    e.format = CATALOG_FORMAT_JSONL;
    snprintf(e.encoding, sizeof e.encoding, "UTF-8");
    const uint64_t lines[] = {2, 5, 300};
    cr_assert_eq(catalog_lines_encode(lines, 3, &e.lines, &e.lines_bytes), 0);
    cr_assert_eq(catalog_add(&c, &e, NULL), 0);
    free(e.lines);
    catalog_entry plain;
    memset(&plain, 0, sizeof plain);
    plain.path = (char *)"/data/old.txt";
    snprintf(plain.segment, sizeof plain.segment, "seg-000002.cops");
    plain.doc_count = 1;
    plain.format = CATALOG_FORMAT_TEXT;
    snprintf(plain.encoding, sizeof plain.encoding, "WINDOWS-1252");
    cr_assert_eq(catalog_add(&c, &plain, NULL), 0);
    cr_assert_eq(catalog_add_root(&c, "/data", NULL), 0);
    cops_error err;
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "described.cat", &c, &err), 0, "%s", err.message);
    catalog_free(&c);
    catalog back;
    cr_assert_eq(catalog_read(dir, "described.cat", 10, &back, &err), 0, "%s", err.message);
    cr_assert_eq(back.count, 2);
    const catalog_entry *old = &back.entries[0], *records = &back.entries[1];
    cr_expect_str_eq(old->path, "/data/old.txt");
    cr_expect_eq(old->format, CATALOG_FORMAT_TEXT);
    cr_expect_str_eq(old->encoding, "WINDOWS-1252");
    cr_expect_null(old->lines);
    cr_expect_eq(line_of(old, 0), 0);
    cr_expect_eq(records->format, CATALOG_FORMAT_JSONL);
    cr_expect_str_eq(records->encoding, "UTF-8");
    for (uint32_t i = 0; i < 3; i++)
        cr_expect_eq(line_of(records, 4 + i), lines[i], "document %u", 4 + i);
    cr_expect_eq(line_of(records, 7), 0, "past the range");
    cr_expect_eq(line_of(records, 3), 0, "before the range");
    cr_expect_eq(catalog_find_document(&back, "seg-000002.cops", 5), records);
    cr_expect_eq(catalog_find_document(&back, "seg-000002.cops", 0), old);
    cr_expect_null(catalog_find_document(&back, "seg-000001.cops", 5));
    cr_expect_str_eq(catalog_format_name(CATALOG_FORMAT_MBOX), "mbox");
    cr_expect_str_eq(catalog_format_name(200), "unknown");
    cr_expect_eq(catalog_format_code("docx"), CATALOG_FORMAT_DOCX);
    cr_expect_eq(catalog_format_code("archive"), CATALOG_FORMAT_UNKNOWN);
    catalog_free(&back);
}

/* A catalog of `version` with one entry of three documents, whose bytes
 * after doc_count are `tail` (a version 3 description), and one root
 * (whose patterns are `root_tail` when given); written as `name` with a
 * correct CRC. */
static void write_raw_root(const char *name, uint32_t version, const unsigned char *tail,
                           size_t tail_length, const unsigned char *root_tail,
                           size_t root_tail_length);

static void write_raw(const char *name, uint32_t version, const unsigned char *tail,
                      size_t tail_length)
{
    write_raw_root(name, version, tail, tail_length, NULL, 0);
}

static void write_raw_root(const char *name, uint32_t version, const unsigned char *tail,
                           size_t tail_length, const unsigned char *root_tail,
                           size_t root_tail_length)
{
    unsigned char bytes[512];
    size_t n = 0;
    memcpy(bytes, "COPSCAT", 8);
    n = 8;
    for (int k = 0; k < 4; k++)
        bytes[n++] = (unsigned char)(version >> (8 * k));
    bytes[n++] = 1, bytes[n++] = 0, bytes[n++] = 0, bytes[n++] = 0; /* count */
    static const char path[] = "/data/r.jsonl", segment[] = "seg-000001.cops";
    bytes[n++] = sizeof path - 1;
    memcpy(bytes + n, path, sizeof path - 1);
    n += sizeof path - 1;
    memset(bytes + n, 0, 28); /* size, times, hash */
    n += 28;
    bytes[n++] = sizeof segment - 1;
    memcpy(bytes + n, segment, sizeof segment - 1);
    n += sizeof segment - 1;
    memset(bytes + n, 0, 8);
    bytes[n + 4] = 3; /* first_doc 0, doc_count 3 */
    n += 8;
    if (tail_length > 0) /* (memcpy from NULL is undefined even for 0 bytes) */
        memcpy(bytes + n, tail, tail_length);
    n += tail_length;
    bytes[n++] = 1, bytes[n++] = 0, bytes[n++] = 0, bytes[n++] = 0; /* one root */
    bytes[n++] = 5;
    memcpy(bytes + n, "/data", 5);
    n += 5;
    if (root_tail) {
        memcpy(bytes + n, root_tail, root_tail_length);
        n += root_tail_length;
    } else if (version >= 3) {
        bytes[n++] = 0, bytes[n++] = 0; /* no --glob, no --exclude */
        if (version >= 5) /* no flags, four default field names */
            for (int k = 0; k < 5; k++)
                bytes[n++] = 0;
    }
    uint32_t crc = (uint32_t)crc32(0, bytes, (unsigned)n);
    for (int k = 0; k < 4; k++)
        bytes[n++] = (unsigned char)(crc >> (8 * k));
    char file[512];
    snprintf(file, sizeof file, "%s/%s", dir, name);
    FILE *f = fopen(file, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

/* A catalog of the version before (2026-12-03) still opens: its entries
 * have no format (unknown), no encoding and no lines. */
Test(catalog, version_2_still_reads)
{
    write_raw("v2.cat", 2, NULL, 0);
    catalog back;
    cops_error err;
    cr_assert_eq(catalog_read(dir, "v2.cat", 10, &back, &err), 0, "%s", err.message);
    cr_assert_eq(back.count, 1);
    cr_expect_eq(back.entries[0].format, CATALOG_FORMAT_UNKNOWN);
    cr_expect_str_eq(back.entries[0].encoding, "");
    cr_expect_null(back.entries[0].lines);
    cr_expect_eq(back.entries[0].doc_count, 3);
    cr_expect_eq(back.root_count, 1);
    catalog_free(&back);
}

/* Catalog `name` read as the query's reader of records reads it. */
static int read_records(const char *name, catalog *out)
{
    int fd;
    uint64_t size;
    cops_error err;
    cr_assert_eq(catalog_open(dir, name, &fd, &size, &err), 0, "%s", err.message);
    int rc = catalog_read_records(fd, size, name, 10, out, &err);
    close(fd);
    return rc;
}

/* Each field of a version 3 description out of range is damage, never
 * read past: format, encoding length and bytes, lines (count, a line
 * below 1, overflow, length); lines in any order are sound, and read as
 * version 4's. */
Test(catalog, hostile_descriptions_are_damage)
{
    static const struct {
        const char *what;
        unsigned char tail[32];
        size_t length;
        int expected;
    } cases[] = {
        {"sound", {3, 5, 'U', 'T', 'F', '-', '8', 3, 2, 4, 2}, 11, 0},
        {"lines out of order (a reordered entry)", {3, 0, 3, 8, 5, 2}, 6, 0},
        {"no lines", {1, 0, 0}, 3, 0},
        {"format past the last", {CATALOG_FORMAT_COUNT, 0, 0}, 3, COPS_ECORRUPT},
        {"encoding of 32 bytes", {1, 32}, 2, COPS_ECORRUPT},
        {"encoding with a quote", {1, 2, 'a', '"', 0}, 5, COPS_ECORRUPT},
        {"encoding with a NUL", {1, 2, 'a', 0, 0}, 5, COPS_ECORRUPT},
        {"encoding longer than the file", {1, 20, 'a'}, 3, COPS_ECORRUPT},
        {"two lines for three documents", {3, 0, 2, 2, 2}, 5, COPS_ECORRUPT},
        {"four lines for three documents", {3, 0, 4, 2, 2, 2, 2}, 7, COPS_ECORRUPT},
        {"a line 0", {3, 0, 3, 0, 2, 2}, 6, COPS_ECORRUPT},
        {"a line below 1", {3, 0, 3, 2, 3, 2}, 6, COPS_ECORRUPT},
        {"lines that overflow", {3, 0, 21, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1},
         22, COPS_ECORRUPT},
        /* 2^62, then 2^63 - 1 more: the sum overflows an int64_t (UBSan
         * failed here when the reader added before it checked) */
        {"lines whose sum overflows", {3, 0, 21, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0x01, 2},
         24, COPS_ECORRUPT},
        {"lines longer than the file", {3, 0, 40, 2, 2, 2}, 6, COPS_ECORRUPT},
        {"an unfinished varint", {3, 0, 3, 2, 2, 0x80}, 6, COPS_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_raw("hostile.cat", 3, cases[i].tail, cases[i].length);
        catalog back;
        cops_error err;
        int rc = catalog_read(dir, "hostile.cat", 10, &back, &err);
        cr_expect_eq(rc, cases[i].expected, "%s: %d", cases[i].what, rc);
        if (rc == 0 && i == 0)
            cr_expect_eq(line_of(&back.entries[0], 2), 4, "lines 1, 3, 4");
        catalog_free(&back);
        /* the query's reader of records refuses the same (converting
         * a version 3 catalog's lines checks every one) */
        cr_expect_eq(read_records("hostile.cat", &back), cases[i].expected, "records only, %s",
                     cases[i].what);
        catalog_free(&back);
    }
}

/* Version 4 lines (three documents): a width of 1 to 8 and exactly
 * three values of it, or nothing; any other size or width is damage to
 * both readers, checked before any line is read (a hit's line is one
 * read); a line 0 is damage to a whole read (builds, --check) and no
 * line to the records reader, which checks no line. */
Test(catalog, hostile_fixed_width_lines)
{
    static const struct {
        const char *what;
        unsigned char tail[40];
        size_t length;
        int expected, records; /* catalog_read's, catalog_read_records' */
        uint64_t third;        /* document 2's line when read */
    } cases[] = {
        {"one byte each", {3, 0, 4, 1, 9, 1, 250}, 7, 0, 0, 250},
        {"two bytes each, out of order", {3, 0, 7, 2, 0x10, 0x27, 1, 0, 0x34, 0x12}, 10, 0, 0,
         0x1234},
        {"eight bytes each",
         {3, 0, 25, 8, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
          0xff, 0xff, 0xff, 0xff},
         28, 0, 0, UINT64_MAX},
        {"no lines", {3, 0, 0}, 3, 0, 0, 0},
        {"a line 0", {3, 0, 4, 1, 9, 0, 250}, 7, COPS_ECORRUPT, 0, 250},
        {"width 0", {3, 0, 1, 0}, 4, COPS_ECORRUPT, COPS_ECORRUPT, 0},
        {"width 9", {3, 0, 28, 9}, 4, COPS_ECORRUPT, COPS_ECORRUPT, 0},
        {"two lines for three documents", {3, 0, 3, 1, 1, 2}, 6, COPS_ECORRUPT, COPS_ECORRUPT, 0},
        {"four lines for three documents", {3, 0, 5, 1, 1, 2, 3, 4}, 8, COPS_ECORRUPT,
         COPS_ECORRUPT, 0},
        {"a width byte alone", {3, 0, 1, 2}, 4, COPS_ECORRUPT, COPS_ECORRUPT, 0},
        {"lines longer than the file", {3, 0, 40, 2, 1, 0}, 6, COPS_ECORRUPT, COPS_ECORRUPT, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_raw("hostile4.cat", 4, cases[i].tail, cases[i].length);
        catalog back;
        cops_error err;
        int rc = catalog_read(dir, "hostile4.cat", 10, &back, &err);
        cr_expect_eq(rc, cases[i].expected, "%s: %d", cases[i].what, rc);
        if (rc == 0)
            cr_expect_eq(line_of(&back.entries[0], 2), cases[i].third, "%s", cases[i].what);
        catalog_free(&back);
        rc = read_records("hostile4.cat", &back);
        cr_expect_eq(rc, cases[i].records, "records only, %s: %d", cases[i].what, rc);
        if (rc == 0 && back.count > 0)
            cr_expect_eq(line_of(&back.entries[0], 2), cases[i].third, "records, %s",
                         cases[i].what);
        if (rc == 0 && i == 4)
            cr_expect_eq(line_of(&back.entries[0], 1), 0, "a line 0 is none");
        catalog_free(&back);
    }
}

/* Byte `at` of catalog file `name`, which must be `was`, set to 0, the
 * CRC made right. */
static void patch_raw(const char *name, size_t at, unsigned char was)
{
    char file[512];
    snprintf(file, sizeof file, "%s/%s", dir, name);
    FILE *f = fopen(file, "r+b");
    cr_assert(f);
    unsigned char bytes[512];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    cr_assert(n > at + 4);
    cr_assert_eq(bytes[at], was, "byte %zu is '%c', not '%c'", at, bytes[at], was);
    bytes[at] = 0;
    uint32_t crc = (uint32_t)crc32(0, bytes, (unsigned)(n - 4));
    for (int k = 0; k < 4; k++)
        bytes[n - 4 + k] = (unsigned char)(crc >> (8 * k));
    rewind(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

/* A NUL byte inside an entry's path, its segment's name or a root is
 * damage: read as C strings they were shorter than stored ("/data\0..."
 * became "/data", a segment "\0..." the empty name), and the next update
 * wrote a catalog that the reader then refused (found by fuzz-catalog). */
Test(catalog, nul_in_a_name_is_damage)
{
    static const unsigned char no_lines[] = {1, 0, 0};
    /* write_raw's bytes: magic 8, version 4, count 4, length 1, the path
     * "/data/r.jsonl" at 17; 28 fixed bytes, length 1, the segment
     * "seg-000001.cops" at 59; 8 + 3 + root count 4 + length 1: the
     * root "/data" at 90. */
    static const struct {
        const char *what;
        size_t at;
        unsigned char was;
    } cases[] = {{"an entry's path", 22, '/'}, {"an entry's path, first byte", 17, '/'},
                 {"a segment's name, first byte", 59, 's'}, {"a root", 93, 't'}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_raw("nul.cat", 3, no_lines, sizeof no_lines);
        patch_raw("nul.cat", cases[i].at, cases[i].was);
        catalog back;
        cops_error err;
        int rc = catalog_read(dir, "nul.cat", 10, &back, &err);
        cr_expect_eq(rc, COPS_ECORRUPT, "%s: %d", cases[i].what, rc);
        catalog_free(&back);
    }
}

/* A root's --glob and --exclude patterns round-trip; a root without
 * patterns has none. */
Test(catalog, root_patterns_round_trip)
{
    catalog c;
    const char *roots[] = {"/a", "/b"};
    make_catalog(&c, roots, 2);
    const char *globs[] = {"*.txt", "**/*.md"}, *excludes[] = {"drafts/"};
    cops_error err;
    cr_assert_eq(catalog_set_root_patterns(&c, 1, globs, 2, excludes, 1, &err), 0);
    const char *empty[] = {""};
    cr_expect_eq(catalog_set_root_patterns(&c, 0, empty, 1, NULL, 0, &err), COPS_ELIMIT,
                 "an empty pattern is refused");
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "p.cat", &c, &err), 0);
    catalog_free(&c);
    catalog back;
    cr_assert_eq(catalog_read(dir, "p.cat", 10, &back, &err), 0, "%s", err.message);
    cr_expect_null(catalog_root_patterns(&back, "/a"));
    cr_expect_null(catalog_root_patterns(&back, "/c"));
    const catalog_patterns *p = catalog_root_patterns(&back, "/b");
    cr_assert_not_null(p);
    cr_assert_eq(p->glob_count, 2);
    cr_expect_str_eq(p->globs[0], "*.txt");
    cr_expect_str_eq(p->globs[1], "**/*.md");
    cr_assert_eq(p->exclude_count, 1);
    cr_expect_str_eq(p->excludes[0], "drafts/");
    catalog_free(&back);
}

/* A root's reading flags and field names round-trip beside its
 * patterns, setting one leaves the other; defaults are no options. */
Test(catalog, root_reading_round_trip)
{
    catalog c;
    const char *roots[] = {"/a", "/b", "/c"};
    make_catalog(&c, roots, 3);
    cops_error err;
    const char *fields[CATALOG_FIELDS] = {"key", NULL, "body", NULL};
    const char *none[CATALOG_FIELDS] = {NULL, NULL, NULL, NULL};
    cr_assert_eq(catalog_set_root_reading(&c, 1, CATALOG_READ_HIDDEN | CATALOG_READ_FOLLOW,
                                          fields, &err), 0);
    const char *globs[] = {"*.jsonl"};
    cr_assert_eq(catalog_set_root_patterns(&c, 1, globs, 1, NULL, 0, &err), 0);
    cr_assert_eq(catalog_set_root_reading(&c, 2, CATALOG_READ_HIDDEN, none, &err), 0);
    const char *empty[CATALOG_FIELDS] = {"", NULL, NULL, NULL};
    cr_expect_eq(catalog_set_root_reading(&c, 0, 0, empty, &err), COPS_ELIMIT,
                 "an empty field name is refused");
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "r.cat", &c, &err), 0);
    catalog_free(&c);
    catalog back;
    cr_assert_eq(catalog_read(dir, "r.cat", 10, &back, &err), 0, "%s", err.message);
    cr_expect_null(catalog_root_patterns(&back, "/a"));
    const catalog_patterns *p = catalog_root_patterns(&back, "/b");
    cr_assert_not_null(p);
    cr_expect_eq(p->flags, CATALOG_READ_HIDDEN | CATALOG_READ_FOLLOW);
    cr_expect_str_eq(p->fields[CATALOG_FIELD_ID], "key");
    cr_expect_null(p->fields[CATALOG_FIELD_TITLE]);
    cr_expect_str_eq(p->fields[CATALOG_FIELD_TEXT], "body");
    cr_expect_null(p->fields[CATALOG_FIELD_DATE]);
    cr_assert_eq(p->glob_count, 1, "the patterns set after the fields stay");
    cr_expect_str_eq(p->globs[0], "*.jsonl");
    p = catalog_root_patterns(&back, "/c");
    cr_assert_not_null(p, "a flag alone is stored");
    cr_expect_eq(p->flags, CATALOG_READ_HIDDEN);
    catalog_free(&back);
}

/* Patterns and field names over the bytes a reader allows are refused by
 * the writer (a catalog it wrote would be damage to every reader), and
 * nothing is written. */
Test(catalog, reading_options_over_the_budget_are_refused)
{
    enum { ROOTS = 5 };
    catalog c;
    const char *roots[ROOTS] = {"/a", "/b", "/c", "/d", "/e"};
    make_catalog(&c, roots, ROOTS);
    static char name[4][4096];
    const char *fields[CATALOG_FIELDS];
    for (int f = 0; f < CATALOG_FIELDS; f++) {
        memset(name[f], 'a' + f, 4095);
        name[f][4095] = '\0';
        fields[f] = name[f];
    }
    cops_error err;
    for (size_t r = 0; r < 4; r++) /* 4 × 4 × 4097 = 65552 bytes: one root too many */
        cr_assert_eq(catalog_set_root_reading(&c, r, 0, fields, &err), 0);
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "big-fields.cat", &c, &err), COPS_ELIMIT);
    char path[512];
    snprintf(path, sizeof path, "%s/big-fields.cat", dir);
    cr_expect_neq(access(path, F_OK), 0, "nothing is written");
    const char *none[CATALOG_FIELDS] = {NULL, NULL, NULL, NULL};
    cr_assert_eq(catalog_set_root_reading(&c, 3, 0, none, &err), 0);
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "big-fields.cat", &c, &err), 0, "%s",
                 err.message);
    catalog back;
    cr_assert_eq(catalog_read(dir, "big-fields.cat", 10, &back, &err), 0, "%s", err.message);
    catalog_free(&back);
    catalog_free(&c);
}

/* A version 4 catalog (patterns only) is read with no reading options
 * stored; a version 5 root's flags and fields out of range are damage:
 * an unknown flag, a field past the end, with a NUL, a missing field. */
Test(catalog, root_reading_bytes)
{
    static const unsigned char no_lines[] = {1, 0, 0};
    write_raw_root("v4.cat", 4, no_lines, sizeof no_lines, (const unsigned char[]){1, 1, 'x', 0},
                   4);
    catalog back;
    cops_error err;
    cr_assert_eq(catalog_read(dir, "v4.cat", 10, &back, &err), 0, "%s", err.message);
    const catalog_patterns *p = catalog_root_patterns(&back, "/data");
    cr_assert_not_null(p);
    cr_expect_eq(p->glob_count, 1);
    cr_expect_eq(p->flags, 0);
    for (int f = 0; f < CATALOG_FIELDS; f++)
        cr_expect_null(p->fields[f]);
    catalog_free(&back);
    static const struct {
        const char *what;
        unsigned char tail[12];
        size_t length;
        int expected;
    } cases[] = {
        {"sound", {0, 0, 3, 2, 'i', 'd', 0, 0, 0}, 9, 0},
        {"an unknown flag", {0, 0, 4, 0, 0, 0, 0}, 7, COPS_ECORRUPT},
        {"a field past the end", {0, 0, 1, 9, 'x'}, 5, COPS_ECORRUPT},
        {"a field with a NUL", {0, 0, 0, 2, 'x', 0, 0, 0, 0}, 9, COPS_ECORRUPT},
        {"a field missing", {0, 0, 0, 0, 0, 0}, 6, COPS_ECORRUPT},
        {"no flags", {0, 0}, 2, COPS_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_raw_root("hostile5.cat", 5, no_lines, sizeof no_lines, cases[i].tail,
                       cases[i].length);
        int rc = catalog_read(dir, "hostile5.cat", 10, &back, &err);
        cr_expect_eq(rc, cases[i].expected, "%s: %d", cases[i].what, rc);
        if (rc == 0) {
            p = catalog_root_patterns(&back, "/data");
            cr_assert_not_null(p);
            cr_expect_eq(p->flags, CATALOG_READ_FOLLOW | CATALOG_READ_HIDDEN);
            cr_expect_str_eq(p->fields[CATALOG_FIELD_ID], "id");
        }
        catalog_free(&back);
    }
}

/* Patterns out of range are damage: too many, empty, with a NUL, longer
 * than the file, a missing list. */
Test(catalog, hostile_patterns_are_damage)
{
    static const unsigned char no_lines[] = {1, 0, 0};
    static const struct {
        const char *what;
        unsigned char tail[8];
        size_t length;
        int expected;
    } cases[] = {
        {"sound", {1, 1, 'x', 1, 1, 'y'}, 6, 0},
        {"too many globs", {0x81, 0x02, 0}, 3, COPS_ECORRUPT},
        {"an empty pattern", {1, 0, 0}, 3, COPS_ECORRUPT},
        {"a pattern with a NUL", {1, 2, 'x', 0, 0}, 5, COPS_ECORRUPT},
        {"a pattern past the end", {1, 9, 'x'}, 3, COPS_ECORRUPT},
        {"no exclude list", {0}, 1, COPS_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_raw_root("hostile.cat", 3, no_lines, sizeof no_lines, cases[i].tail,
                       cases[i].length);
        catalog back;
        cops_error err;
        int rc = catalog_read(dir, "hostile.cat", 10, &back, &err);
        cr_expect_eq(rc, cases[i].expected, "%s: %d", cases[i].what, rc);
        catalog_free(&back);
    }
}

/* The lines of large entries, in any order, of every width (1 to 8
 * bytes: the largest line's), come back for every document, the first
 * and last included; the records-only reader keeps the entries with
 * lines, in the file's order, and the bytes it reads are those
 * catalog_read reads. */
Test(catalog, lines_of_every_width)
{
    enum { DOCS = 53 };
    enum { ENTRIES = 8 };
    static uint64_t lines[ENTRIES][DOCS];
    uint64_t seed = 7;
    for (int k = 0; k < ENTRIES; k++) {
        /* entry k's largest line takes k + 1 bytes */
        uint64_t largest = k == 7 ? UINT64_MAX : (UINT64_C(1) << (8 * (k + 1))) - 1;
        for (uint32_t i = 0; i < DOCS; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            lines[k][i] = i == DOCS / 2 ? largest : 1 + (seed >> 11) % largest;
        }
    }
    catalog c;
    memset(&c, 0, sizeof c);
    const char *paths[] = {"/data/b.jsonl", "/data/a.jsonl", "/data/c.jsonl", "/data/h.jsonl",
                           "/data/e.jsonl", "/data/f.jsonl", "/data/g.jsonl", "/data/d.jsonl"};
    for (int k = 0; k < ENTRIES; k++) {
        catalog_entry e;
        memset(&e, 0, sizeof e);
        e.path = (char *)paths[k];
        snprintf(e.segment, sizeof e.segment, "seg-000001.cops");
        e.first_doc = 10 + (uint32_t)k * DOCS;
        e.doc_count = DOCS;
        e.format = CATALOG_FORMAT_JSONL;
        cr_assert_eq(catalog_lines_encode(lines[k], DOCS, &e.lines, &e.lines_bytes), 0);
        cr_expect_eq(e.lines_bytes, 1 + DOCS * (size_t)(k + 1), "entry %d: the largest's width", k);
        cr_assert_eq(catalog_add(&c, &e, NULL), 0);
        free(e.lines);
    }
    catalog_entry whole;
    memset(&whole, 0, sizeof whole);
    whole.path = (char *)"/data/c.txt";
    snprintf(whole.segment, sizeof whole.segment, "seg-000001.cops");
    whole.doc_count = 1;
    cr_assert_eq(catalog_add(&c, &whole, NULL), 0);
    cops_error err;
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "big.cat", &c, &err), 0, "%s", err.message);
    catalog_free(&c);
    int fd;
    uint64_t size;
    cr_assert_eq(catalog_open(dir, "big.cat", &fd, &size, &err), 0, "%s", err.message);
    catalog back;
    for (int round = 0; round < 2; round++) { /* the descriptor reads again from its start */
        cr_assert_eq(catalog_read_records(fd, size, "big.cat", 1000, &back, &err), 0, "%s",
                     err.message);
        cr_assert_eq(back.count, ENTRIES, "the whole file is left out");
        for (int k = 0; k < ENTRIES; k++) {
            const catalog_entry *e = &back.entries[k];
            cr_expect_str_eq(e->path, paths[k], "in the file's order");
            for (uint32_t i = 0; i < DOCS; i++)
                cr_expect_eq(catalog_entry_line(e, e->first_doc + i), lines[k][i],
                             "entry %d document %u", k, i);
            cr_expect_eq(catalog_entry_line(e, e->first_doc + DOCS), 0, "past the entry");
            cr_expect_eq(catalog_entry_line(e, e->first_doc - 1), 0, "before it");
            uint64_t decoded[DOCS];
            cr_assert_eq(catalog_lines_decode(e, decoded), 0);
            cr_expect_arr_eq(decoded, lines[k], sizeof decoded);
        }
        catalog_free(&back);
    }
    close(fd);
    cr_expect_eq(catalog_open(dir, "missing.cat", &fd, &size, &err), COPS_ENOINDEX);
    /* an entry claiming more documents than its lines hold does not
     * decode (a merge decodes them) */
    uint8_t three[] = {1, 2, 2};
    catalog_entry claim;
    memset(&claim, 0, sizeof claim);
    claim.doc_count = UINT32_MAX;
    claim.lines = three;
    claim.lines_bytes = sizeof three;
    uint64_t decoded[2];
    cr_expect_eq(catalog_lines_decode(&claim, decoded), COPS_ECORRUPT);
}

/* A deletion bitmap round-trips; deletions_next walks exactly the deleted
 * documents (word and byte edges, the last document); a bit past the
 * last document is not counted; a count that disagrees is damage. */
Test(catalog, deletions_walk_and_count)
{
    enum { DOCS = 150 };
    deletions d;
    cops_error err;
    cr_assert_eq(deletions_init(&d, DOCS, &err), 0);
    deletions_mark(&d, 0, 1);
    deletions_mark(&d, 63, 2);
    deletions_mark(&d, 100, 9);
    deletions_mark(&d, DOCS - 1, 1);
    d.bits[DOCS / 8] |= 0x80; /* document 151: past the end */
    uint32_t expected = 1 + 2 + 9 + 1;
    cr_expect_eq(d.deleted, expected);
    cr_assert_eq(deletions_write(AT_FDCWD, dir, "del.bits", &d, &err), 0, "%s", err.message);
    d.deleted++;
    cr_assert_eq(deletions_write(AT_FDCWD, dir, "miscounted.bits", &d, &err), 0, "%s", err.message);
    deletions_free(&d);
    deletions back;
    cr_assert_eq(deletions_read(dir, "del.bits", DOCS, &back, &err), 0, "%s", err.message);
    cr_expect_eq(back.deleted, expected);
    uint32_t walked = 0, doc = deletions_next(&back, 0);
    for (uint32_t want = 0; want < DOCS; want++) {
        if (!deletions_test(&back, want))
            continue;
        cr_expect_eq(doc, want, "the next deleted document after %u", walked);
        walked++;
        doc = deletions_next(&back, want + 1);
    }
    cr_expect_eq(doc, DOCS, "nothing past the last");
    cr_expect_eq(walked, expected);
    cr_expect_eq(deletions_next(&back, 64), 64);
    cr_expect_eq(deletions_next(&back, 65), 100);
    cr_expect_eq(deletions_next(&back, DOCS + 5), DOCS);
    deletions_free(&back);
    cr_expect_eq(deletions_next(&back, 0), 0, "an empty bitmap has no documents");
    cr_expect_eq(deletions_read(dir, "miscounted.bits", DOCS, &back, &err), COPS_ECORRUPT);
}

/* Every truncation of a catalog with a records entry, read by the
 * records reader: refused, or (cut among the roots, which it does not
 * read) the whole entry with every line right; never read past the end. */
Test(catalog, every_truncation_of_records)
{
    enum { DOCS = 100 };
    uint64_t lines[DOCS];
    for (uint32_t i = 0; i < DOCS; i++)
        lines[i] = i % 9 == 4 ? 100000 + i : i + 1; /* three bytes each */
    catalog c;
    memset(&c, 0, sizeof c);
    catalog_entry e;
    memset(&e, 0, sizeof e);
    e.path = (char *)"/data/r.jsonl";
    snprintf(e.segment, sizeof e.segment, "seg-000001.cops");
    e.doc_count = DOCS;
    e.format = CATALOG_FORMAT_JSONL;
    cr_assert_eq(catalog_lines_encode(lines, DOCS, &e.lines, &e.lines_bytes), 0);
    cr_assert_eq(catalog_add(&c, &e, NULL), 0);
    free(e.lines);
    cr_assert_eq(catalog_add_root(&c, "/data", NULL), 0);
    cops_error err;
    cr_assert_eq(catalog_write(AT_FDCWD, dir, "whole.cat", &c, &err), 0);
    catalog_free(&c);
    char path[512];
    snprintf(path, sizeof path, "%s/whole.cat", dir);
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    unsigned char bytes[4096];
    size_t length = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    size_t accepted = 0;
    for (size_t cut = 16; cut + 4 <= length; cut++) {
        unsigned char *copy = malloc(cut + 4); /* exactly: ASan sees a read past it */
        cr_assert_not_null(copy);
        memcpy(copy, bytes, cut);
        uint32_t crc = (uint32_t)crc32(0, copy, (unsigned)cut);
        for (int k = 0; k < 4; k++)
            copy[cut + (size_t)k] = (unsigned char)(crc >> (8 * k));
        snprintf(path, sizeof path, "%s/cut.cat", dir);
        f = fopen(path, "wb");
        cr_assert(f);
        fwrite(copy, 1, cut + 4, f);
        fclose(f);
        free(copy);
        int fd;
        uint64_t size;
        cr_assert_eq(catalog_open(dir, "cut.cat", &fd, &size, &err), 0);
        catalog back;
        int rc = catalog_read_records(fd, size, "cut.cat", 10 * DOCS, &back, &err);
        close(fd);
        if (rc == 0) {
            accepted++;
            cr_assert_eq(back.count, 1, "cut at %zu", cut);
            for (uint32_t i = 0; i < DOCS; i++)
                cr_expect_eq(catalog_entry_line(&back.entries[0], i), lines[i],
                             "cut at %zu, document %u", cut, i);
        } else {
            cr_expect_eq(rc, COPS_ECORRUPT, "cut at %zu: %d", cut, rc);
        }
        catalog_free(&back);
    }
    cr_expect_gt(accepted, 0, "cuts among the roots are read");
    /* The roots: root_count, "/data" with its length, two empty pattern
     * lists, the flags and four empty field names: 17 bytes. */
    cr_expect_lt(accepted, 17 + 2, "cuts inside the entry are not");
}
