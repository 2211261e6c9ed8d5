/*
 * catalog-test.c — the files catalog's roots (index-format/catalog.h,
 * FORMAT.md §5.2): written and read back; roots out of order, nested,
 * relative or too many are damage; every truncation is refused without
 * reading past the end; a version 1 catalog says to rebuild.
 */
#include <criterion/criterion.h>
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
    cr_assert_eq(catalog_write(dir, "files-000001.cat", &c, err), 0);
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
    cr_assert_eq(catalog_write(dir, "whole.cat", &c, &err), 0);
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
    cr_assert_eq(catalog_write(dir, "old.cat", &c, &err), 0);
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
