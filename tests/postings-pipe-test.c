/*
 * postings-pipe-test.c — a segment writer's postings calls through a
 * postings pipe (indexer/postings-pipe.h): replayed on the pipe's thread,
 * in order, whole, with the writer's failures reported to the caller.
 *
 * The chunks are the smallest the pipe takes, so lists of positions are
 * cut into ADD and EXTEND records across chunks and the caller waits for
 * the writer thread many times.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index-format/segment.h"
#include "indexer/postings-pipe.h"
#include "testlib.h"

#define DOCUMENTS 40
#define TERMS 300
#define MAX_TF 5000               /* positions of one posting, far over a chunk */

/* A writer of `path` with DOCUMENTS documents added. */
static segment_writer *open_writer(const char *path)
{
    cops_error err = {0};
    segment_writer *w = NULL;
    cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        char id[32];
        snprintf(id, sizeof id, "doc%u", d);
        cr_assert_eq(segment_writer_add_document(w, id, id, 0, id, strlen(id), MAX_TF * 2, 0,
                                                 &err), 0, "%s", err.message);
    }
    return w;
}

/* TERMS keys with postings of every size, some of them handed over in
 * two parts (an add, then an extend), written through a pipe (threaded
 * or not) to `path`. */
static void write_through(const char *path, int threaded)
{
    static uint32_t positions[2 * MAX_TF];
    for (uint32_t i = 0; i < 2 * MAX_TF; i++)
        positions[i] = i * 2;
    cops_error err = {0};
    segment_writer *w = open_writer(path);
    postings_pipe *p = NULL;
    cr_assert_eq(postings_pipe_open(w, threaded, 0, &p, &err), 0, "%s", err.message);
    testlib_rng rng;
    testlib_rng_seed(&rng, 7);
    uint64_t postings = 0;
    for (uint32_t t = 0; t < TERMS; t++) {
        char key[300];
        /* keys of every length a record holds, in increasing order */
        int length = snprintf(key, sizeof key, "k%05u", t);
        while (length < (int)(t % SEGMENT_MAX_KEY_BYTES) + 1)
            key[length++] = 'z';
        cr_assert_eq(postings_pipe_begin_term(p, (const uint8_t *)key, (size_t)length, &err), 0,
                     "%s", err.message);
        for (uint32_t d = 0; d < DOCUMENTS; d++) {
            if (testlib_rng_below(&rng, 3) == 0)
                continue;
            uint32_t tf = 1 + (uint32_t)testlib_rng_below(&rng, t % 7 == 0 ? MAX_TF : 8);
            uint32_t first = tf > 1 && testlib_rng_below(&rng, 2) ? tf / 2 : tf;
            cr_assert_eq(postings_pipe_add_posting(p, d, positions, first, &err), 0, "%s",
                         err.message);
            if (first < tf)
                cr_assert_eq(postings_pipe_extend_posting(p, positions + first, tf - first, &err),
                             0, "%s", err.message);
            postings++;
        }
        cr_assert_eq(postings_pipe_end_term(p, &err), 0, "%s", err.message);
    }
    cr_assert_eq(postings_pipe_close(p, 0, &err), 0, "%s", err.message);
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = DOCUMENTS;
    meta.terms = TERMS;
    meta.postings = postings;
    snprintf(meta.language, sizeof meta.language, "none");
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
}

Test(postings_pipe, a_thread_writes_the_same_segment_as_direct_calls, .timeout = 120)
{
    char *dir = testlib_tempdir("postings-pipe");
    char direct[512], threaded[512];
    snprintf(direct, sizeof direct, "%s/direct.seg", dir);
    snprintf(threaded, sizeof threaded, "%s/threaded.seg", dir);
    write_through(direct, 0);
    write_through(threaded, 1);
    size_t a_length, b_length;
    uint8_t *a = testlib_read_file(direct, &a_length);
    uint8_t *b = testlib_read_file(threaded, &b_length);
    cr_assert_eq(a_length, b_length);
    cr_assert_eq(memcmp(a, b, a_length), 0, "the pipe's thread wrote another segment");
    free(a);
    free(b);
    testlib_remove_tree(dir);
}

/* A threaded pipe into a new segment NAME.seg of a temporary folder,
 * a term begun: the two failure tests' start. */
static postings_pipe *pipe_with_a_term(const char *name, char **dir, segment_writer **w)
{
    *dir = testlib_tempdir("postings-pipe");
    char path[512];
    snprintf(path, sizeof path, "%s/%s.seg", *dir, name);
    *w = open_writer(path);
    postings_pipe *p = NULL;
    cops_error err = {0};
    cr_assert_eq(postings_pipe_open(*w, 1, 0, &p, &err), 0, "%s", err.message);
    cr_assert_eq(postings_pipe_begin_term(p, (const uint8_t *)"k", 1, &err), 0);
    return p;
}

/* A call the writer refuses on the pipe's thread (a document beyond the
 * segment's) fails a later call on the pipe, with the writer's message,
 * and every later one; close reports it again. */
Test(postings_pipe, a_failure_on_the_thread_reaches_the_caller, .timeout = 60)
{
    char *dir;
    segment_writer *w;
    postings_pipe *p = pipe_with_a_term("failed", &dir, &w);
    cops_error err = {0};
    uint32_t one = 1;
    cr_assert_eq(postings_pipe_add_posting(p, DOCUMENTS + 5, &one, 1, &err), 0,
                 "queued, not made yet");
    int rc = 0;
    for (uint32_t i = 0; i < 100000 && rc == 0; i++)
        rc = postings_pipe_add_posting(p, DOCUMENTS - 1, &one, 1, &err);
    cr_assert_eq(rc, COPS_EINVAL);
    cr_assert(strstr(err.message, "out of order"), "%s", err.message);
    cr_assert_null(strchr(err.message, '\n'));
    cr_assert_neq(postings_pipe_end_term(p, &err), 0, "a broken pipe takes no more calls");
    cops_error closed = {0};
    cr_assert_eq(postings_pipe_close(p, 0, &closed), COPS_EINVAL);
    cr_assert(strstr(closed.message, "out of order"), "%s", closed.message);
    segment_writer_abort(w);
    testlib_remove_tree(dir);
}

/* The caller's own failure: close drops what is queued and leaves the
 * caller's error alone, even when the writer failed too. */
Test(postings_pipe, a_discarding_close_keeps_the_callers_error, .timeout = 60)
{
    char *dir;
    segment_writer *w;
    postings_pipe *p = pipe_with_a_term("discarded", &dir, &w);
    cops_error err = {0};
    uint32_t one = 1;
    cr_assert_eq(postings_pipe_add_posting(p, DOCUMENTS + 5, &one, 1, &err), 0);
    snprintf(err.message, sizeof err.message, "the caller's");
    cr_assert_eq(postings_pipe_close(p, 1, &err), 0);
    cr_assert_str_eq(err.message, "the caller's");
    segment_writer_abort(w);
    testlib_remove_tree(dir);
}
