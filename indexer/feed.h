/*
 * feed.h — documents read on a second thread.
 *
 * Reading inputs (inflating gzip, parsing JSON and HTML, repairing UTF-8)
 * is a fifth of indexing; feed runs source_walk() on its own thread and
 * hands documents over in batches.  An optional stage (feed_stage) runs
 * on a third thread between the two: it turns each document into bytes
 * the consumer wants (the indexer: its analysed terms), so the consuming
 * thread only inverts.  Documents arrive in exactly the order source_walk
 * delivers them.  Memory held by queued batches, their text and the
 * stage's output together, is bounded: the reader waits above
 * FEED_QUEUE_BYTES, the stage above twice that (plus one batch and its
 * staged form, plus one document of FEED_BORROW_BYTES or more, which is
 * lent without copying and never staged).
 *
 * The warning callback of `options` is called from the reader thread
 * (never concurrently with itself); the stage from the stage thread.
 */
#ifndef COPS_INDEXER_FEED_H
#define COPS_INDEXER_FEED_H

#include "cops.h"
#include "indexer/source.h"

#include "base/buffer.h"

#define FEED_QUEUE_BYTES ((size_t)8 << 20)
#define FEED_BORROW_BYTES ((size_t)4 << 20)

typedef struct feed feed;

/* Work done per document on the stage thread: append the document's
 * prepared form to `out` and return 0, or return a cops_status to stop
 * the feed (feed_finish then reports `err`). */
typedef struct feed_stage {
    int (*prepare)(void *context, const source_document *document, byte_buffer *out,
                   cops_error *err);
    void *context;               /* used by the stage thread only */
} feed_stage;

/* Start reading `inputs` (borrowed until feed_finish).  `stage` (may be
 * NULL) is copied; without it, or when the machine has one core, no
 * stage thread runs and feed_prepared() says so.  Free with
 * feed_finish(). */
int feed_start(const char *const *inputs, size_t count, const source_options *options,
               const feed_stage *stage, feed **out, cops_error *err);

/* The next document, or NULL when there are no more (or the reader or
 * the stage failed: feed_finish says).  The document is valid until the
 * next call. */
const source_document *feed_next(feed *f);

/* The stage's output for the document feed_next returned last: 1 with
 * `bytes` and `length` set (valid until the next feed_next), or 0 when it was
 * not staged (no stage thread, or a lent document) and the consumer must
 * do the work itself. */
int feed_prepared(const feed *f, const uint8_t **bytes, size_t *length);

/* Stop the reader if it is still going (the consumer gave up), wait for
 * it, free everything.  Returns the walk's status (0, or the error that
 * stopped it, in `err`); `stats` (OUT, may be NULL) gets the reader's
 * counts. */
int feed_finish(feed *f, source_stats *stats, cops_error *err);

#endif
