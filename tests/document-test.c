/*
 * document-test.c — a document by its identifier (cops.h
 * cops_document_get) on both engines: the whole stored text (not a
 * snippet's window), title and date, the query's matches highlighted over
 * all of it (a phrase as a whole, stemmed forms), the cap with its
 * "truncated" flag cut before a whole character, an unknown identifier,
 * a query that does not parse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cops.h"
#include "tests/testlib.h"

/* Words before the last paragraph: far past a snippet's window (at most
 * 10,000 characters) and its scan around the first match. */
#define FILLER_WORDS 8000

typedef struct corpus {
    char *dir;
    char index_dir[512];
    cops_index *index;
} corpus;

/* Three records: "long" (grant early and after FILLER_WORDS words, "state
 * of the art" once at the end among other "of"s), "accents" (é at every
 * other byte so any cut may fall inside a character), "other". */
static void build(corpus *c, cops_engine engine)
{
    c->dir = testlib_tempdir("document");
    char input[512];
    snprintf(input, sizeof input, "%s/input.jsonl", c->dir);
    FILE *f = fopen(input, "w");
    cr_assert_not_null(f);
    fputs("{\"id\":\"long\",\"title\":\"Council <b>report</b>\",\"date\":\"2017-11-14\","
          "\"text\":\"The grant began. ", f);
    for (int i = 0; i < FILLER_WORDS; i++)
        fputs("filler ", f);
    fputs("Two of the grants were state of the art, of course.\"}\n", f);
    fputs("{\"id\":\"accents\",\"title\":\"Caf\\u00e9\",\"text\":\"", f);
    for (int i = 0; i < 200; i++)
        fputs("\\u00e9", f);
    fputs("\"}\n{\"id\":\"other\",\"title\":\"Other\",\"text\":\"nothing here\"}\n", f);
    cr_assert_eq(fclose(f), 0);
    snprintf(c->index_dir, sizeof c->index_dir, "%s/index", c->dir);
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    options.engine = engine;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {input};
    int rc = cops_build(c->index_dir, inputs, 1, &options, &summary, &err);
    if (rc == COPS_EUNSUPPORTED)
        cr_skip_test("this cops has no such engine: %s", err.message);
    cr_assert_eq(rc, 0, "%s", err.message);
    cr_assert_eq(cops_index_open(c->index_dir, &c->index, &err), 0, "%s", err.message);
}

static void release(corpus *c)
{
    cops_index_close(c->index);
    testlib_remove_tree(c->dir);
}

/* The highlighted words of `d`, each followed by '|'. */
static char *highlighted(const cops_document *d)
{
    char *out = calloc(1, 4096);
    cr_assert_not_null(out);
    for (size_t i = 0; i < d->highlight_count; i++) {
        const cops_span *s = &d->highlights[i];
        cr_assert(s->start + s->length <= d->text_length);
        strncat(out, d->text + s->start, s->length < 100 ? s->length : 100);
        strcat(out, "|");
    }
    return out;
}

static void check_document_view(cops_engine engine)
{
    corpus c = {0};
    build(&c, engine);
    cops_error err = {0};
    cops_document *d = NULL;

    /* The whole text, title and date; grant and its stemmed plural
     * highlighted at both ends; only the phrase's "of", not the others. */
    cr_assert_eq(cops_document_get(c.index, "long", "grant OR \"state of the art\"", 0, &d, &err),
                 0, "%s", err.message);
    cr_assert_str_eq(d->id, "long");
    cr_assert_str_eq(d->title, "Council <b>report</b>");
    cr_assert_str_eq(d->date, "2017-11-14");
    cr_assert_eq(d->truncated, 0);
    cr_assert_eq(d->text_length, d->stored_length);
    cr_assert_eq(d->text_length, strlen(d->text));
    cr_assert_gt(d->text_length, (size_t)FILLER_WORDS * 7);
    cr_assert(strstr(d->text, "of course.") != NULL, "the text's end is missing");
    char *words = highlighted(d);
    cr_assert_str_eq(words, "grant|grants|state|of|the|art|", "highlighted: %s", words);
    cr_assert_gt(d->highlights[1].start, (size_t)FILLER_WORDS * 7);
    free(words);
    cops_document_free(d);

    /* Without a query: no highlights. */
    cr_assert_eq(cops_document_get(c.index, "other", NULL, 0, &d, &err), 0, "%s", err.message);
    cr_assert_str_eq(d->text, "nothing here");
    cr_assert_eq(d->highlight_count, 0);
    cr_assert_null(d->date);
    cops_document_free(d);

    /* Capped: cut before a whole character, flagged. */
    for (size_t cap = 51; cap <= 52; cap++) {
        cr_assert_eq(cops_document_get(c.index, "accents", NULL, cap, &d, &err), 0, "%s",
                     err.message);
        cr_assert_eq(d->truncated, 1);
        cr_assert_eq(d->stored_length, 400);
        size_t whole = cap / 2 * 2; /* é is two bytes */
        cr_assert_eq(d->text_length, whole, "cap %zu kept %zu bytes", cap, d->text_length);
        cr_assert_eq(strlen(d->text), whole);
        cops_document_free(d);
    }

    /* An identifier no document has; a query that does not parse. */
    cr_assert_eq(cops_document_get(c.index, "missing", "grant", 0, &d, &err), 1);
    cr_assert_null(d);
    cr_assert_eq(cops_document_get(c.index, "lon", NULL, 0, &d, &err), 1);
    cr_assert_eq(cops_document_get(c.index, "long", "grant AND (", 0, &d, &err), COPS_ESYNTAX);
    cr_assert_null(d);
    release(&c);
}

Test(document, native_index) { check_document_view(COPS_ENGINE_NATIVE); }

Test(document, xapian_index) { check_document_view(COPS_ENGINE_XAPIAN); }

Test(document, a_replaced_document_is_its_new_version)
{
    /* An update marks the old version deleted (native engine) in a segment
     * that lives on (the other file's document is there): the look-up
     * skips it and finds the new version in the new segment. */
    char *dir = testlib_tempdir("document-update");
    char changed[512], kept[512], index_dir[512];
    snprintf(changed, sizeof changed, "%s/changed.jsonl", dir);
    snprintf(kept, sizeof kept, "%s/kept.jsonl", dir);
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    static const char kept_record[] = "{\"id\":\"b\",\"text\":\"b\"}\n";
    free(testlib_write_file(dir, "kept.jsonl", kept_record, strlen(kept_record)));
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {changed, kept};
    static const char *const versions[] = {"first version", "second version"};
    for (int v = 0; v < 2; v++) {
        FILE *f = fopen(changed, "w");
        cr_assert_not_null(f);
        fprintf(f, "{\"id\":\"a\",\"text\":\"%s\"}\n", versions[v]);
        cr_assert_eq(fclose(f), 0);
        cr_assert_eq(cops_build(index_dir, inputs, 2, &options, &summary, &err), 0, "%s",
                     err.message);
    }
    cops_index *index = NULL;
    cr_assert_eq(cops_index_open(index_dir, &index, &err), 0, "%s", err.message);
    cops_index_stats stats;
    cr_assert_eq(cops_index_stats_get(index, &stats, &err), 0, "%s", err.message);
    cr_assert_eq(stats.segments, 2, "the old version's segment lives on");
    cops_document *d = NULL;
    cr_assert_eq(cops_document_get(index, "a", "version", 0, &d, &err), 0, "%s", err.message);
    cr_assert_str_eq(d->text, "second version");
    cr_assert_eq(d->highlight_count, 1);
    cr_assert_eq(d->highlights[0].start, 7);
    cops_document_free(d);
    cops_index_close(index);
    testlib_remove_tree(dir);
}
