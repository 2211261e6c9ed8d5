/*
 * feed.c — the reader thread, the stage thread and their bounded batch
 * queue (feed.h).
 *
 * One queue, oldest first.  The reader appends batches; the stage thread
 * walks the queue in order (stage_next) and fills each batch's `prepared`
 * bytes; the consumer takes the head once it is staged.  A batch belongs
 * to exactly one thread at a time: the stage thread works on stage_next
 * without the lock, and nobody else touches a batch between being queued
 * and being marked staged except to link behind it.
 */
#include "config.h"

#include "indexer/feed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/array.h"
#include "base/buffer.h"
#include "base/error.h"

#define BATCH_BYTES ((size_t)1 << 20)
#define BATCH_DOCUMENTS 256

/* A document inside a batch: offsets of NUL-terminated strings in the
 * batch's storage (offsets, because storage may move while it grows). */
typedef struct stored_document {
    size_t path, id, title, date, text; /* date: SIZE_MAX when absent */
    size_t encoding;                     /* SIZE_MAX when absent */
    const char *format;                  /* lives for the program (source.h) */
    size_t text_length;
    uint64_t line;
    uint64_t input_position;
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
    /* The stage's output: document i's bytes are
     * prepared[prepared_offsets[i], prepared_offsets[i + 1]). */
    int staged;                  /* ready for the consumer */
    byte_buffer prepared;
    size_t *prepared_offsets;
} batch;

struct feed {
    const char *const *inputs;
    size_t input_count;
    source_options options;
    pthread_t reader;
    int reader_running;
    feed_stage stage;
    pthread_t stager;
    int staging;                 /* a stage thread runs */

    pthread_mutex_t lock;
    pthread_cond_t changed;
    batch *head, *tail;          /* queued, oldest first */
    batch *stage_next;           /* first queued batch not staged yet */
    size_t queued_bytes;
    int finished;                /* the reader is done (status below) */
    int cancel;                  /* the consumer gave up, or the stage failed */
    int closing;                 /* feed_finish runs: the stage thread stops */

    batch *filling;              /* reader side */
    batch *current;              /* consumer side */
    size_t current_index;
    source_document view;

    int status;
    cops_error error;
    int stage_status;
    cops_error stage_error;
    source_stats stats;
};

static void batch_free(batch *b)
{
    if (b) {
        buffer_free(&b->storage);
        buffer_free(&b->prepared);
        free(b->prepared_offsets);
        free(b->documents);
        free(b);
    }
}

static size_t batch_bytes(const batch *b) { return b->storage.length + b->prepared.length; }

/* Link `b` at the tail (lock held). */
static void enqueue(feed *f, batch *b)
{
    if (f->tail)
        f->tail->next = b;
    else
        f->head = b;
    f->tail = b;
    if (!b->staged && !f->stage_next)
        f->stage_next = b;
    f->queued_bytes += batch_bytes(b);
    pthread_cond_broadcast(&f->changed);
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
        b->staged = !f->staging;
        enqueue(f, b);
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
    b->staged = 1; /* a document this large is the consumer's to analyse, in bounded memory */
    pthread_mutex_lock(&f->lock);
    int cancelled = f->cancel;
    if (!cancelled) {
        enqueue(f, b);
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
    if (ARRAY_RESERVE_ONE(b->documents, b->capacity, b->count, 64) != 0)
        return COPS_ENOMEM;
    stored_document *s = &b->documents[b->count];
    s->path = store_string(b, d->path, strlen(d->path));
    s->id = store_string(b, d->id, strlen(d->id));
    s->title = store_string(b, d->title, strlen(d->title));
    s->date = d->date ? store_string(b, d->date, strlen(d->date)) : SIZE_MAX;
    s->encoding = d->encoding ? store_string(b, d->encoding, strlen(d->encoding)) : SIZE_MAX;
    s->format = d->format;
    s->text = borrow ? 0 : store_string(b, d->text, d->text_length);
    s->text_length = d->text_length;
    s->line = d->line;
    s->input_position = d->input_position;
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

/* Stage every document of `b` (no lock held: the batch is ours). */
static int stage_batch(feed *f, batch *b)
{
    if (!(b->prepared_offsets = malloc((b->count + 1) * sizeof *b->prepared_offsets)))
        return error_set(&f->stage_error, COPS_ENOMEM, "out of memory while analysing");
    const char *base = (const char *)b->storage.data;
    for (size_t i = 0; i < b->count; i++) {
        const stored_document *s = &b->documents[i];
        source_document d;
        memset(&d, 0, sizeof d);
        d.path = base + s->path;
        d.id = base + s->id;
        d.title = base + s->title;
        d.date = s->date == SIZE_MAX ? NULL : base + s->date;
        d.text = base + s->text;
        d.text_length = s->text_length;
        d.line = s->line;
        d.input_position = s->input_position;
        d.format = s->format;
        d.encoding = s->encoding == SIZE_MAX ? NULL : base + s->encoding;
        b->prepared_offsets[i] = b->prepared.length;
        int rc = f->stage.prepare(f->stage.context, &d, &b->prepared, &f->stage_error);
        if (rc != 0)
            return rc;
        if (buffer_failed(&b->prepared))
            return error_set(&f->stage_error, COPS_ENOMEM, "out of memory while analysing");
    }
    b->prepared_offsets[b->count] = b->prepared.length;
    return 0;
}

static void *stager_main(void *argument)
{
    feed *f = argument;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        /* Wait for work; and while text and analysis together are over
         * twice the reader's bound, stage only the head (the consumer can
         * always take what is staged before stage_next, so this never
         * deadlocks).  Twice, not once: the reader keeps the queue at its
         * bound, and the stage must still run ahead of the consumer. */
        while (!f->cancel && !f->closing
               && (f->stage_next ? f->queued_bytes > 2 * FEED_QUEUE_BYTES
                                       && f->stage_next != f->head
                                 : !f->finished))
            pthread_cond_wait(&f->changed, &f->lock);
        batch *b = f->stage_next;
        if (!b || f->cancel || f->closing)
            break;
        pthread_mutex_unlock(&f->lock);
        int rc = stage_batch(f, b); /* stage_next is never a staged (e.g. lent) batch */
        pthread_mutex_lock(&f->lock);
        if (f->closing)
            break; /* the batch now belongs to feed_finish */
        if (rc != 0) {
            f->stage_status = rc;
            /* the reader stops; the consumer sees no more documents */
            __atomic_store_n(&f->cancel, 1, __ATOMIC_RELAXED);
            pthread_cond_broadcast(&f->changed);
            break;
        }
        b->staged = 1;
        f->queued_bytes += b->prepared.length;
        /* Skip lent batches: they are queued staged, and the consumer may
         * take and free one as soon as nothing unstaged is before it, so
         * stage_next must never point at one.  Reading their links here is
         * safe: until this moment `b`, ahead of them, was unstaged. */
        batch *next = b->next;
        while (next && next->staged)
            next = next->next;
        f->stage_next = next;
        pthread_cond_broadcast(&f->changed);
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

int feed_start(const char *const *inputs, size_t count, const source_options *options,
               const feed_stage *stage, feed **out, cops_error *err)
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
    if (pthread_cond_init(&f->changed, NULL) != 0) {
        pthread_mutex_destroy(&f->lock);
        free(f);
        return error_set(err, COPS_ENOMEM, "cannot create a condition variable");
    }
    /* The stage thread runs before the reader, so no batch is queued
     * unstaged for a stage that never comes; on one core it would only
     * add switching, and the consumer does the work itself. */
    if (stage && stage->prepare && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        f->stage = *stage;
        f->staging = pthread_create(&f->stager, NULL, stager_main, f) == 0;
    }
    int failed = pthread_create(&f->reader, NULL, reader_main, f);
    if (failed != 0) {
        cops_error ignored = {0};
        feed_finish(f, NULL, &ignored);
        return error_set_errno(err, COPS_ENOMEM, failed, "cannot start the reader thread");
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
        while (!(f->head && f->head->staged) && !(f->finished && !f->head) && !f->stage_status)
            pthread_cond_wait(&f->changed, &f->lock);
        batch *b = f->head && f->head->staged ? f->head : NULL;
        if (b) {
            f->head = b->next;
            if (!f->head)
                f->tail = NULL;
            f->queued_bytes -= batch_bytes(b);
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
    f->view.input_position = s->input_position;
    f->view.format = s->format;
    f->view.encoding = s->encoding == SIZE_MAX ? NULL : base + s->encoding;
    return &f->view;
}

int feed_prepared(const feed *f, const uint8_t **bytes, size_t *length)
{
    const batch *b = f->current;
    if (!b || !b->prepared_offsets || f->current_index == 0)
        return 0;
    size_t start = b->prepared_offsets[f->current_index - 1];
    *bytes = b->prepared.data + start;
    *length = b->prepared_offsets[f->current_index] - start;
    return 1;
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
    f->stage_next = NULL;
    f->closing = 1;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
    /* The stage thread may still hold a batch it took before the cancel:
     * join it before freeing anything. */
    if (f->staging)
        pthread_join(f->stager, NULL);
    if (f->reader_running)
        pthread_join(f->reader, NULL);
    for (batch *b = owned, *next; b; b = next) {
        next = b->next;
        batch_free(b);
    }
    int rc = f->status;
    if (rc != 0 && err)
        *err = f->error;
    if (rc == 0 && f->stage_status != 0) {
        rc = f->stage_status;
        if (err)
            *err = f->stage_error;
    }
    if (stats)
        *stats = f->stats;
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return rc;
}
