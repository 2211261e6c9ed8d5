/*
 * feed.h — documents read on a second thread.
 *
 * Reading inputs (inflating gzip, parsing JSON and HTML, repairing UTF-8)
 * is a fifth of indexing; feed runs source_walk() on its own thread and
 * hands documents over in batches, so the indexing thread only analyses
 * and inverts.  Documents arrive in exactly the order source_walk
 * delivers them.  Memory held by queued batches is bounded (about
 * FEED_QUEUE_BYTES, plus one document larger than that).
 *
 * The warning callback of `options` is called from the reader thread
 * (never concurrently with itself).
 */
#ifndef COPS_INDEXER_FEED_H
#define COPS_INDEXER_FEED_H

#include "cops.h"
#include "indexer/source.h"

#define FEED_QUEUE_BYTES ((size_t)8 << 20)

typedef struct feed feed;

/* Start reading `inputs` (borrowed until feed_finish).  Free with
 * feed_finish(). */
int feed_start(const char *const *inputs, size_t count, const source_options *options, feed **out,
               cops_error *err);

/* The next document, or NULL when there are no more (or the reader
 * failed: feed_finish says).  The document is valid until the next call. */
const source_document *feed_next(feed *f);

/* Stop the reader if it is still going (the consumer gave up), wait for
 * it, free everything.  Returns the walk's status (0, or the error that
 * stopped it, in `err`); `stats` (OUT, may be NULL) gets the reader's
 * counts. */
int feed_finish(feed *f, source_stats *stats, cops_error *err);

#endif
