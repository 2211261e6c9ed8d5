/*
 * ignore-test.c — the gitignore-syntax matcher (indexer/ignore.h): one
 * table of (patterns, path, folder?, verdict) rows, each checked alone.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "indexer/ignore.h"

typedef struct ignore_case {
    const char *patterns; /* a .copsignore's text */
    const char *base;     /* its folder, relative to the root */
    const char *path;     /* relative to the root */
    int is_directory;
    int verdict;          /* 1 ignored, -1 re-included, 0 no match */
} ignore_case;

static const ignore_case cases[] = {
    /* plain names match at any depth, files and folders */
    {"notes.txt\n", "", "notes.txt", 0, 1},
    {"notes.txt\n", "", "a/b/notes.txt", 0, 1},
    {"notes.txt\n", "", "notes.txt.bak", 0, 0},
    {"build\n", "", "x/build", 1, 1},
    /* wildcards stay inside one component */
    {"*.log\n", "", "a/b/c.log", 0, 1},
    {"*.log\n", "", "c.log/inner.txt", 0, 0},
    {"a*c\n", "", "abc", 0, 1},
    {"a?c\n", "", "abbc", 0, 0},
    {"[ab].txt\n", "", "b.txt", 0, 1},
    {"[ab].txt\n", "", "c.txt", 0, 0},
    /* a trailing '/' matches folders only */
    {"tmp/\n", "", "tmp", 1, 1},
    {"tmp/\n", "", "tmp", 0, 0},
    /* a leading '/' anchors to the ignore file's folder */
    {"/top.txt\n", "", "top.txt", 0, 1},
    {"/top.txt\n", "", "sub/top.txt", 0, 0},
    /* so does a '/' in the middle */
    {"doc/tmp\n", "", "doc/tmp", 1, 1},
    {"doc/tmp\n", "", "x/doc/tmp", 1, 0},
    {"doc/tmp\n", "", "docs/tmp", 1, 0},
    {"d[o]c/tmp\n", "", "doc/tmp", 1, 1},
    {"\\doc/tmp\n", "", "doc/tmp", 1, 1},
    /* '**' */
    {"**/cache\n", "", "cache", 1, 1},
    {"**/cache\n", "", "a/b/cache", 1, 1},
    {"a/**/b\n", "", "a/b", 0, 1},
    {"a/**/b\n", "", "a/x/y/b", 0, 1},
    {"a/**/b\n", "", "a/x/y/c", 0, 0},
    {"logs/**\n", "", "logs/2024/x.txt", 0, 1},
    /* negation: the last match decides */
    {"*.log\n!keep.log\n", "", "keep.log", 0, -1},
    {"*.log\n!keep.log\n", "", "drop.log", 0, 1},
    {"!keep.log\n*.log\n", "", "keep.log", 0, 1},
    /* comments, blank lines, trailing spaces, an escaped '#' */
    {"# a comment\n\n*.tmp   \n", "", "x.tmp", 0, 1},
    {"# a comment\n", "", "# a comment", 0, 0},
    {"\\#hash\n", "", "#hash", 0, 1},
    {"*.txt\r\n", "", "crlf.txt", 0, 1},
    /* the rules of a folder apply below it only, relative to it */
    {"/x.txt\n", "sub", "sub/x.txt", 0, 1},
    {"/x.txt\n", "sub", "x.txt", 0, 0},
    {"/x.txt\n", "sub", "subway/x.txt", 0, 0},
    {"*.md\n", "sub", "sub/deep/y.md", 0, 1},
    /* nothing matches nothing */
    {"", "", "any", 0, 0},
    {"/\n", "", "any", 0, 0},
    {"!\n", "", "any", 0, 0},
};

Test(ignore, table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ignore_case *c = &cases[i];
        ignore_rules *rules = NULL;
        cr_assert_eq(ignore_rules_parse(c->patterns, strlen(c->patterns), c->base, SIZE_MAX, &rules), 0);
        int verdict = ignore_rules_match(rules, c->path, c->is_directory);
        cr_expect_eq(verdict, c->verdict, "case %zu: patterns \"%s\" in \"%s\" on %s%s: %d, want %d",
                     i, c->patterns, c->base, c->path, c->is_directory ? "/" : "", verdict,
                     c->verdict);
        ignore_rules_free(rules);
    }
}

Test(ignore, glob_patterns)
{
    cr_expect(ignore_pattern_matches("*.md", "a/b/readme.md", 0));
    cr_expect(!ignore_pattern_matches("*.md", "a/b/readme.txt", 0));
    cr_expect(ignore_pattern_matches("docs/**", "docs/x/y.txt", 0));
    cr_expect(!ignore_pattern_matches("docs/**", "src/docs.txt", 0));
}

Test(ignore, hostile_depth_is_bounded)
{
    /* More components than the matcher splits: no match, no overrun. */
    char path[2 * 100 + 1];
    for (size_t i = 0; i < 100; i++) {
        path[2 * i] = 'a';
        path[2 * i + 1] = '/';
    }
    path[199] = '\0';
    cr_expect(!ignore_pattern_matches("**/a", path, 0));
    cr_expect(ignore_pattern_matches("a", path, 0), "an unanchored name still matches");
}

/* A pattern of many "**" against a deep path: tried split by split, 20
 * of them against 40 folders took hours (a stranger's .copsignore hung
 * the walk); the matcher must answer at once, and still rightly. */
Test(ignore, many_double_stars_are_linear, .timeout = 10)
{
    char pattern[20 * 3 + 2] = "", path[40 * 2 + 2] = "";
    for (size_t i = 0; i < 20; i++)
        strcat(pattern, "**/");
    strcat(pattern, "x");
    for (size_t i = 0; i < 40; i++)
        strcat(path, "d/");
    strcat(path, "y");
    cr_expect(!ignore_pattern_matches(pattern, path, 0));
    path[strlen(path) - 1] = 'x';
    cr_expect(ignore_pattern_matches(pattern, path, 0));
    cr_expect(ignore_pattern_matches("**/d/**/d/**/x", path, 0));
    cr_expect(!ignore_pattern_matches("**/d/**/e/**/x", path, 0));
    cr_expect(ignore_pattern_matches("d/**/d/x", path, 0));
    cr_expect(!ignore_pattern_matches("d/**/e", path, 0));
}

Test(ignore, pattern_cap_stops_at_a_line)
{
    /* A comment, then cap + 1 patterns "p0".."pN", then a comment: the
     * patterns past the cap are not read and the line of the first one
     * is reported; at the cap exactly, nothing is. */
    char text[16 * (IGNORE_MAX_FILE_PATTERNS + 4)];
    size_t length = (size_t)snprintf(text, sizeof text, "# head\n");
    for (size_t i = 0; i <= IGNORE_MAX_FILE_PATTERNS; i++)
        length += (size_t)snprintf(text + length, sizeof text - length, "p%zu\n", i);
    length += (size_t)snprintf(text + length, sizeof text - length, "# tail\n");
    ignore_rules *rules = NULL;
    cr_assert_eq(ignore_rules_parse(text, length, "", IGNORE_MAX_FILE_PATTERNS, &rules), 0);
    cr_expect_eq(ignore_rules_stopped_line(rules), (size_t)IGNORE_MAX_FILE_PATTERNS + 2);
    cr_expect_eq(ignore_rules_match(rules, "p0", 0), 1, "the first pattern is applied");
    char last_kept[32], first_dropped[32];
    snprintf(last_kept, sizeof last_kept, "p%d", IGNORE_MAX_FILE_PATTERNS - 1);
    snprintf(first_dropped, sizeof first_dropped, "p%d", IGNORE_MAX_FILE_PATTERNS);
    cr_expect_eq(ignore_rules_match(rules, last_kept, 0), 1, "the last pattern within the cap is");
    cr_expect_eq(ignore_rules_match(rules, first_dropped, 0), 0, "the one over the cap is not");
    ignore_rules_free(rules);

    /* Exactly the cap (the last pattern dropped from the text): all read. */
    const char *over = strstr(text, first_dropped);
    cr_assert(over);
    size_t at_cap = (size_t)(over - text);
    cr_assert_eq(ignore_rules_parse(text, at_cap, "", IGNORE_MAX_FILE_PATTERNS, &rules), 0);
    cr_expect_eq(ignore_rules_stopped_line(rules), 0);
    ignore_rules_free(rules);

    /* No cap: everything. */
    cr_assert_eq(ignore_rules_parse(text, length, "", SIZE_MAX, &rules), 0);
    cr_expect_eq(ignore_rules_stopped_line(rules), 0);
    cr_expect_eq(ignore_rules_match(rules, first_dropped, 0), 1);
    ignore_rules_free(rules);
}

Test(ignore, anchored_pattern_over_the_cap)
{
    /* The pattern past the cap is anchored ("d/pN": split when read, in
     * memory of its own): dropping it frees all of it (LeakSanitizer,
     * CI's sanitizer build, reported the split copy lost) and it is not
     * applied, while the last one within the cap is. */
    char text[16 * (IGNORE_MAX_FILE_PATTERNS + 4)];
    size_t length = 0;
    for (size_t i = 0; i <= IGNORE_MAX_FILE_PATTERNS; i++)
        length += (size_t)snprintf(text + length, sizeof text - length, "d/p%zu\n", i);
    ignore_rules *rules = NULL;
    cr_assert_eq(ignore_rules_parse(text, length, "", IGNORE_MAX_FILE_PATTERNS, &rules), 0);
    cr_expect_eq(ignore_rules_stopped_line(rules), (size_t)IGNORE_MAX_FILE_PATTERNS + 1);
    char last_kept[32], first_dropped[32];
    snprintf(last_kept, sizeof last_kept, "d/p%d", IGNORE_MAX_FILE_PATTERNS - 1);
    snprintf(first_dropped, sizeof first_dropped, "d/p%d", IGNORE_MAX_FILE_PATTERNS);
    cr_expect_eq(ignore_rules_match(rules, last_kept, 0), 1);
    cr_expect_eq(ignore_rules_match(rules, first_dropped, 0), 0);
    ignore_rules_free(rules);
}
