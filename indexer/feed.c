/*
 * feed.c — the reader thread and its bounded batch queue (feed.h).
 */
#include "config.h"

#include "indexer/feed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/error.h"

#define BATCH_BYTES ((size_t)1 << 20)
#define BATCH_DOCUMENTS 256
#define FEED_BORROW_BYTES ((size_t)4 << 20)

/* A document inside a batch: offsets of NUL-terminated strings in the
 * batch's storage (offsets, because storage may move while it grows). */
typedef struct stored_document {
    size_t path, id, title, date, text; /* date: SIZE_MAX when absent */
    size_t text_length;
    uint64_t line;
} stored_document;

typedef struct batch {
    struct batch *next;
    byte_buffer storage;
    stored_document *documents;
    size_t count, capacity;
    /* A document of FEED_BORROW_BYTES or more travels alone and is not
     * copied: `borrowed_text` points into the reader's buffer, and the
     * reader waits (owning the batch) until the consumer sets `released`. */
    const char *borrowed_text;
    int released;
} batch;

struct feed {
    const char *const *inputs;
    size_t input_count;
    source_options options;
    pthread_t reader;
    int reader_running;

    pthread_mutex_t lock;
    pthread_cond_t changed;
    batch *head, *tail;          /* queued, oldest first */
    size_t queued_bytes;
    int finished;                /* the reader is done (status below) */
    int cancel;                  /* the consumer gave up */

    batch *filling;              /* reader side */
    batch *current;              /* consumer side */
    size_t current_index;
    source_document view;

    int status;
    cops_error error;
    source_stats stats;
};

static void batch_free(batch *b)
{
    if (b) {
        buffer_free(&b->storage);
        free(b->documents);
        free(b);
    }
}

static size_t store_string(batch *b, const char *text, size_t length)
{
    size_t offset = b->storage.length;
    buffer_append(&b->storage, text, length);
    buffer_append_byte(&b->storage, '\0');
    return offset;
}

/* Queue the filling batch (waiting while the queue is over its bound). */
static int publish(feed *f)
{
    batch *b = f->filling;
    f->filling = NULL;
    if (!b || b->count == 0) {
        batch_free(b);
        return 0;
    }
    pthread_mutex_lock(&f->lock);
    while (f->queued_bytes > 0 && f->queued_bytes + b->storage.length > FEED_QUEUE_BYTES
           && !f->cancel)
        pthread_cond_wait(&f->changed, &f->lock);
    int cancelled = f->cancel;
    if (!cancelled) {
        if (f->tail)
            f->tail->next = b;
        else
            f->head = b;
        f->tail = b;
        f->queued_bytes += b->storage.length;
        pthread_cond_broadcast(&f->changed);
    }
    pthread_mutex_unlock(&f->lock);
    if (cancelled)
        batch_free(b);
    return cancelled;
}

static int copy_document(batch *b, const source_document *d, int borrow);

/* Hand over one big document without copying its text, and wait until
 * the consumer is done with it (the text lives in the reader's buffer). */
static int lend_document(feed *f, const source_document *d)
{
    int rc = publish(f); /* what came before goes first */
    if (rc != 0)
        return rc;
    batch *b = calloc(1, sizeof *b);
    if (!b)
        return COPS_ENOMEM;
    if (copy_document(b, d, 1) != 0) {
        batch_free(b);
        return COPS_ENOMEM;
    }
    b->borrowed_text = d->text;
    pthread_mutex_lock(&f->lock);
    int cancelled = f->cancel;
    if (!cancelled) {
        if (f->tail)
            f->tail->next = b;
        else
            f->head = b;
        f->tail = b;
        pthread_cond_broadcast(&f->changed);
        while (!b->released)
            pthread_cond_wait(&f->changed, &f->lock);
        cancelled = f->cancel;
    }
    pthread_mutex_unlock(&f->lock);
    batch_free(b);
    return cancelled;
}

static int on_document(void *context, const source_document *d)
{
    feed *f = context;
    if (__atomic_load_n(&f->cancel, __ATOMIC_RELAXED))
        return 1;
    if (d->text_length >= FEED_BORROW_BYTES)
        return lend_document(f, d);
    if (!f->filling && !(f->filling = calloc(1, sizeof *f->filling)))
        return COPS_ENOMEM;
    batch *b = f->filling;
    if (copy_document(b, d, 0) != 0)
        return COPS_ENOMEM;
    if (b->storage.length >= BATCH_BYTES || b->count >= BATCH_DOCUMENTS)
        return publish(f);
    return 0;
}

/* Append `d` to `b` (its text too unless `borrow`). */
static int copy_document(batch *b, const source_document *d, int borrow)
{
    if (b->count == b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 64;
        stored_document *grown = realloc(b->documents, capacity * sizeof *grown);
        if (!grown)
            return COPS_ENOMEM;
        b->documents = grown;
        b->capacity = capacity;
    }
    stored_document *s = &b->documents[b->count];
    s->path = store_string(b, d->path, strlen(d->path));
    s->id = store_string(b, d->id, strlen(d->id));
    s->title = store_string(b, d->title, strlen(d->title));
    s->date = d->date ? store_string(b, d->date, strlen(d->date)) : SIZE_MAX;
    s->text = borrow ? 0 : store_string(b, d->text, d->text_length);
    s->text_length = d->text_length;
    s->line = d->line;
    if (buffer_failed(&b->storage))
        return COPS_ENOMEM;
    b->count++;
    return 0;
}

static void *reader_main(void *argument)
{
    feed *f = argument;
    int rc = source_walk(f->inputs, f->input_count, &f->options, on_document, f, &f->stats,
                         &f->error);
    if (rc == 0)
        rc = publish(f);
    else
        batch_free(f->filling), f->filling = NULL;
    if (rc == COPS_ENOMEM && f->error.code == 0)
        error_set(&f->error, COPS_ENOMEM, "out of memory while reading documents");
    pthread_mutex_lock(&f->lock);
    f->status = f->cancel ? 0 : rc;
    f->finished = 1;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

int feed_start(const char *const *inputs, size_t count, const source_options *options, feed **out,
               cops_error *err)
{
    *out = NULL;
    feed *f = calloc(1, sizeof *f);
    if (!f)
        return error_set(err, COPS_ENOMEM, "out of memory");
    f->inputs = inputs;
    f->input_count = count;
    f->options = *options;
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        return error_set(err, COPS_ENOMEM, "cannot create a lock");
    }
    if (pthread_cond_init(&f->changed, NULL) != 0
        || pthread_create(&f->reader, NULL, reader_main, f) != 0) {
        pthread_mutex_destroy(&f->lock);
        free(f);
        return error_set(err, COPS_ENOMEM, "cannot start the reader thread");
    }
    f->reader_running = 1;
    *out = f;
    return 0;
}

/* Done with a batch: free it, or give a lent one back to the reader. */
static void release_batch(feed *f, batch *b)
{
    if (!b)
        return;
    if (!b->borrowed_text) {
        batch_free(b);
        return;
    }
    pthread_mutex_lock(&f->lock);
    b->released = 1;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
}

const source_document *feed_next(feed *f)
{
    if (f->current && f->current_index == f->current->count) {
        release_batch(f, f->current);
        f->current = NULL;
    }
    if (!f->current) {
        pthread_mutex_lock(&f->lock);
        while (!f->head && !f->finished)
            pthread_cond_wait(&f->changed, &f->lock);
        batch *b = f->head;
        if (b) {
            f->head = b->next;
            if (!f->head)
                f->tail = NULL;
            f->queued_bytes -= b->storage.length;
            pthread_cond_broadcast(&f->changed);
        }
        pthread_mutex_unlock(&f->lock);
        if (!b)
            return NULL;
        f->current = b;
        f->current_index = 0;
    }
    const stored_document *s = &f->current->documents[f->current_index++];
    const char *base = (const char *)f->current->storage.data;
    f->view.path = base + s->path;
    f->view.id = base + s->id;
    f->view.title = base + s->title;
    f->view.date = s->date == SIZE_MAX ? NULL : base + s->date;
    f->view.text = f->current->borrowed_text ? f->current->borrowed_text : base + s->text;
    f->view.text_length = s->text_length;
    f->view.line = s->line;
    return &f->view;
}

int feed_finish(feed *f, source_stats *stats, cops_error *err)
{
    if (!f)
        return 0;
    /* Lent batches belong to the reader, which frees them once released:
     * they are handed back here and never touched again. */
    batch *owned = NULL;
    pthread_mutex_lock(&f->lock);
    __atomic_store_n(&f->cancel, !f->finished, __ATOMIC_RELAXED);
    for (batch *b = f->head, *next; b; b = next) {
        next = b->next;
        if (b->borrowed_text) {
            b->released = 1;
        } else {
            b->next = owned;
            owned = b;
        }
    }
    f->head = f->tail = NULL;
    if (f->current) {
        if (f->current->borrowed_text) {
            f->current->released = 1;
        } else {
            f->current->next = owned;
            owned = f->current;
        }
        f->current = NULL;
    }
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
    if (f->reader_running)
        pthread_join(f->reader, NULL);
    for (batch *b = owned, *next; b; b = next) {
        next = b->next;
        batch_free(b);
    }
    int rc = f->status;
    if (rc != 0 && err)
        *err = f->error;
    if (stats)
        *stats = f->stats;
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return rc;
}
