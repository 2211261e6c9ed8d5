/*
 * postings-pipe.c — the writer's postings calls replayed on a thread
 * (postings-pipe.h).
 *
 * A ring of POSTINGS_PIPE_CHUNKS chunks of 32-bit words.  The caller
 * fills chunk `fill` with records, one a call:
 *     BEGIN | key_length << 8, the key's bytes (padded to a word)
 *     ADD, doc, count, count positions
 *     EXTEND, count, count positions
 *     END
 * and queues it when the next record does not fit; the writer thread
 * replays the queued chunks oldest first, and a chunk is the caller's
 * again once replayed.  A list of positions longer than the room left is
 * cut: ADD with those that fit, then EXTEND records (the writer ends with
 * the same posting, as a posting's parts join).  A chunk belongs to one
 * thread at a time: `queued` chunks from `head` on are the writer
 * thread's, the others the caller's.
 */
#include "config.h"

#include "indexer/postings-pipe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

enum { OP_BEGIN = 1, OP_ADD, OP_EXTEND, OP_END };

#define WORDS_OF(bytes) (((bytes) + 3) / 4)
/* The smallest chunk: the longest BEGIN record and an ADD with a few
 * positions. */
#define MIN_CHUNK_WORDS (1 + WORDS_OF(SEGMENT_MAX_KEY_BYTES) + 3 + 16)

struct postings_pipe {
    segment_writer *writer;
    int threaded;                /* 0: calls go straight to the writer */
    pthread_t thread;
    uint32_t *chunks[POSTINGS_PIPE_CHUNKS];
    size_t used[POSTINGS_PIPE_CHUNKS]; /* words of a queued chunk */
    size_t chunk_words;
    size_t fill;                 /* the chunk being filled (caller side) */
    size_t filled;               /* its words so far */
    int broken;                  /* caller side: a failure was reported */

    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t head, queued;         /* the writer thread's chunks */
    int closing, discard;
    int status;                  /* the writer's first failure */
    cops_error error;
};

size_t postings_pipe_bytes(size_t chunk_bytes)
{
    size_t words = chunk_bytes / 4 < MIN_CHUNK_WORDS ? MIN_CHUNK_WORDS : chunk_bytes / 4;
    return POSTINGS_PIPE_CHUNKS * words * 4;
}

/* The calls recorded in `words` made on the writer: 0 or the first error. */
static int replay(segment_writer *writer, const uint32_t *at, size_t words, cops_error *err)
{
    const uint32_t *end = at + words;
    int rc = 0;
    while (rc == 0 && at < end) {
        uint32_t head = *at++;
        switch (head & 0xff) {
        case OP_BEGIN:
            rc = segment_writer_begin_term(writer, (const uint8_t *)at, head >> 8, err);
            at += WORDS_OF(head >> 8);
            break;
        case OP_ADD:
            rc = segment_writer_add_posting(writer, at[0], at + 2, at[1], err);
            at += 2 + at[1];
            break;
        case OP_EXTEND:
            rc = segment_writer_extend_posting(writer, at + 1, at[0], err);
            at += 1 + at[0];
            break;
        default:
            rc = segment_writer_end_term(writer, err);
            break;
        }
    }
    return rc;
}

static void *writer_main(void *argument)
{
    postings_pipe *p = argument;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->queued == 0 && !p->closing)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->queued == 0)
            break;
        size_t chunk = p->head;
        int skip = p->status != 0 || p->discard;
        pthread_mutex_unlock(&p->lock);
        cops_error error = {0};
        int rc = skip ? 0 : replay(p->writer, p->chunks[chunk], p->used[chunk], &error);
        pthread_mutex_lock(&p->lock);
        if (rc != 0 && p->status == 0) {
            p->status = rc;
            p->error = error;
        }
        p->head = (p->head + 1) % POSTINGS_PIPE_CHUNKS;
        p->queued--;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void free_pipe(postings_pipe *p)
{
    for (int i = 0; i < POSTINGS_PIPE_CHUNKS; i++)
        free(p->chunks[i]);
    free(p);
}

int postings_pipe_open(segment_writer *writer, int threaded, size_t chunk_bytes,
                       postings_pipe **out, cops_error *err)
{
    *out = NULL;
    postings_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return error_set(err, COPS_ENOMEM, "out of memory");
    p->writer = writer;
    if (!threaded) {
        *out = p;
        return 0;
    }
    p->chunk_words = postings_pipe_bytes(chunk_bytes) / POSTINGS_PIPE_CHUNKS / 4;
    for (int i = 0; i < POSTINGS_PIPE_CHUNKS; i++)
        if (!(p->chunks[i] = malloc(p->chunk_words * 4))) {
            free_pipe(p);
            return error_set(err, COPS_ENOMEM, "out of memory");
        }
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free_pipe(p);
        return error_set(err, COPS_ENOMEM, "cannot create a lock");
    }
    if (pthread_cond_init(&p->changed, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free_pipe(p);
        return error_set(err, COPS_ENOMEM, "cannot create a condition variable");
    }
    /* no thread: the calls are made here, as they would be without a pipe */
    p->threaded = pthread_create(&p->thread, NULL, writer_main, p) == 0;
    if (!p->threaded) {
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->lock);
    }
    *out = p;
    return 0;
}

/* Queue the chunk being filled and take the next free one: 0, or the
 * writer's failure (reported once; the pipe is broken after it). */
static int queue_chunk(postings_pipe *p, cops_error *err)
{
    pthread_mutex_lock(&p->lock);
    p->used[p->fill] = p->filled;
    p->queued++;
    pthread_cond_broadcast(&p->changed);
    while (p->queued == POSTINGS_PIPE_CHUNKS && p->status == 0)
        pthread_cond_wait(&p->changed, &p->lock);
    int rc = p->status;
    if (rc != 0) {
        p->broken = 1;
        if (err)
            *err = p->error;
    }
    p->fill = (p->head + p->queued) % POSTINGS_PIPE_CHUNKS;
    p->filled = 0;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* Room for `words` in the chunk being filled (queuing it when full). */
static int make_room(postings_pipe *p, size_t words, cops_error *err)
{
    if (p->broken)
        return error_set(err, COPS_EINVAL, "postings given after a failure");
    return p->chunk_words - p->filled >= words ? 0 : queue_chunk(p, err);
}

int postings_pipe_begin_term(postings_pipe *p, const uint8_t *key, size_t key_length,
                             cops_error *err)
{
    if (!p->threaded)
        return segment_writer_begin_term(p->writer, key, key_length, err);
    if (key_length > SEGMENT_MAX_KEY_BYTES) /* what a record can hold; the writer checks the rest */
        return error_set(err, COPS_EINVAL, "term key of %zu bytes", key_length);
    int rc = make_room(p, 1 + WORDS_OF(key_length), err);
    if (rc != 0)
        return rc;
    uint32_t *at = p->chunks[p->fill] + p->filled;
    at[0] = OP_BEGIN | (uint32_t)key_length << 8;
    at[WORDS_OF(key_length)] = 0; /* the padding, so no byte is left unset */
    memcpy(at + 1, key, key_length);
    p->filled += 1 + WORDS_OF(key_length);
    return 0;
}

/* An ADD (with doc) or EXTEND record of `count` positions, cut into an
 * EXTEND record per further chunk when it does not fit in the room left. */
static int put_positions(postings_pipe *p, int op, uint32_t doc, const uint32_t *positions,
                         uint32_t count, cops_error *err)
{
    do {
        size_t head = op == OP_ADD ? 3 : 2;
        int rc = make_room(p, head + (count ? 1 : 0), err);
        if (rc != 0)
            return rc;
        size_t room = p->chunk_words - p->filled - head;
        uint32_t part = count < room ? count : (uint32_t)room;
        uint32_t *at = p->chunks[p->fill] + p->filled;
        *at++ = (uint32_t)op;
        if (op == OP_ADD)
            *at++ = doc;
        *at++ = part;
        memcpy(at, positions, (size_t)part * sizeof *positions);
        p->filled += head + part;
        positions += part;
        count -= part;
        op = OP_EXTEND;
    } while (count > 0);
    return 0;
}

int postings_pipe_add_posting(postings_pipe *p, uint32_t doc, const uint32_t *positions,
                              uint32_t tf, cops_error *err)
{
    if (!p->threaded)
        return segment_writer_add_posting(p->writer, doc, positions, tf, err);
    return put_positions(p, OP_ADD, doc, positions, tf, err);
}

int postings_pipe_extend_posting(postings_pipe *p, const uint32_t *positions, uint32_t count,
                                 cops_error *err)
{
    if (!p->threaded)
        return segment_writer_extend_posting(p->writer, positions, count, err);
    return put_positions(p, OP_EXTEND, 0, positions, count, err);
}

int postings_pipe_end_term(postings_pipe *p, cops_error *err)
{
    if (!p->threaded)
        return segment_writer_end_term(p->writer, err);
    int rc = make_room(p, 1, err);
    if (rc == 0)
        p->chunks[p->fill][p->filled++] = OP_END;
    return rc;
}

int postings_pipe_close(postings_pipe *p, int discard, cops_error *err)
{
    if (!p)
        return 0;
    if (!p->threaded) {
        free_pipe(p);
        return 0;
    }
    pthread_mutex_lock(&p->lock);
    if (!discard && !p->broken && p->filled > 0) { /* the last chunk: there is room for it */
        p->used[p->fill] = p->filled;
        p->queued++;
    }
    p->closing = 1;
    p->discard = discard;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    int rc = discard ? 0 : p->status;
    if (rc != 0 && err)
        *err = p->error;
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free_pipe(p);
    return rc;
}
