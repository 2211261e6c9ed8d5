/*
 * feed-test.c — the reader and stage threads against a consumer.
 *
 * A slow stage makes the reader queue batches, and lend a big document,
 * while earlier batches are still being staged: every document must
 * arrive once, in order, with its own staged bytes (a lent one with none),
 * and a failing stage must stop the feed with its error.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "indexer/feed.h"
#include "testlib.h"

typedef struct stage_context {
    const char *fail_at; /* id whose staging fails, or NULL */
    useconds_t delay;
} stage_context;

static int prepare_id(void *context, const source_document *d, byte_buffer *out, cops_error *err)
{
    stage_context *s = context;
    usleep(s->delay);
    if (s->fail_at && strcmp(d->id, s->fail_at) == 0)
        return error_set(err, COPS_EIO, "stage failed at %s", d->id);
    buffer_append(out, "id:", 3);
    buffer_append(out, d->id, strlen(d->id));
    return 0;
}

/* small documents s0..s(before-1), one lent document "big", then more. */
static char *write_corpus(const char *dir, int before, int after)
{
    size_t big = FEED_BORROW_BYTES + 1000;
    byte_buffer text = BUFFER_INIT;
    for (int i = 0; i < before + after; i++) {
        if (i == before) {
            buffer_append(&text, "{\"id\":\"big\",\"text\":\"", 20);
            for (size_t k = 0; k < big / 2; k++)
                buffer_append(&text, "x ", 2);
            buffer_append(&text, "\"}\n", 3);
        }
        char line[64];
        snprintf(line, sizeof line, "{\"id\":\"s%d\",\"text\":\"hello world\"}\n", i);
        buffer_append(&text, line, strlen(line));
    }
    cr_assert(!buffer_failed(&text));
    char *path = testlib_write_file(dir, "corpus.jsonl", text.data, text.length);
    buffer_free(&text);
    return path;
}

/* A feed over inputs[0] (borrowed by the feed until feed_finish), staged
 * through prepare_id. */
static feed *start_feed(const char *const *inputs, stage_context *context)
{
    feed_stage stage = {prepare_id, context};
    source_options options;
    source_options_init(&options);
    feed *f = NULL;
    cops_error err = {0};
    cr_assert_eq(feed_start(inputs, 1, &options, &stage, &f, &err), 0, "%s", err.message);
    return f;
}

Test(feed, staged_and_lent_documents_arrive_in_order, .timeout = 60)
{
    char *dir = testlib_tempdir("feed");
    char *path = write_corpus(dir, 3, 3);
    for (int round = 0; round < 16; round++) { /* the race it guards against needs luck */
        stage_context context = {NULL, round % 2 ? 20000 : 0};
        const char *inputs[] = {path};
        feed *f = start_feed(inputs, &context);
        cops_error err = {0};
        const char *expected[] = {"s0", "s1", "s2", "big", "s3", "s4", "s5"};
        size_t n = 0;
        const source_document *d;
        while ((d = feed_next(f)) != NULL) {
            cr_assert_lt(n, 7);
            cr_assert_str_eq(d->id, expected[n]);
            const uint8_t *bytes = NULL;
            size_t length = 0;
            int staged = feed_prepared(f, &bytes, &length);
            if (strcmp(d->id, "big") == 0) {
                cr_assert_eq(staged, 0, "a lent document is the consumer's to analyse");
                cr_assert_geq(d->text_length, FEED_BORROW_BYTES);
            } else if (staged) {
                /* no stage thread on a one-core machine: then nothing is staged */
                cr_assert_eq(length, 3 + strlen(d->id));
                cr_assert_eq(memcmp(bytes, "id:", 3), 0);
                cr_assert_eq(memcmp(bytes + 3, d->id, strlen(d->id)), 0);
            }
            n++;
        }
        cr_assert_eq(n, 7);
        cr_assert_eq(feed_finish(f, NULL, &err), 0, "%s", err.message);
    }
    free(path);
    testlib_remove_tree(dir);
}

Test(feed, a_failing_stage_stops_the_feed_with_its_error, .timeout = 60)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        cr_skip_test("no stage thread on one core");
    char *dir = testlib_tempdir("feed");
    char *path = write_corpus(dir, 3, 3);
    stage_context context = {"s1", 1000};
    const char *inputs[] = {path};
    feed *f = start_feed(inputs, &context);
    cops_error err = {0};
    size_t n = 0;
    while (feed_next(f) != NULL)
        n++;
    cr_assert_lt(n, 2, "documents of the failed batch must not arrive (%zu did)", n);
    cr_assert_eq(feed_finish(f, NULL, &err), COPS_EIO);
    cr_assert(strstr(err.message, "stage failed at s1"), "%s", err.message);
    free(path);
    testlib_remove_tree(dir);
}
