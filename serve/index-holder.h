/*
 * index-holder.h — the index the requests search: one handle shared by
 * every request thread, replaced when a writer commits.
 *
 * The indexes given are opened together (cops_index_open_many: one
 * ranking, each hit naming its index).  An open index keeps answering from
 * the commit it opened (its files stay readable after a writer removes
 * them), so a long-running reader must reopen to see new documents.  A
 * watcher thread looks every `poll_milliseconds` at what a commit changes
 * in each index directory, never following a symbolic link: the
 * directory's own identity (a Xapian-engine build swaps in a fresh
 * directory by renames, xapian/xapian-engine.h) and the files a commit
 * replaces by a rename (a native index's MANIFEST; a Xapian database's
 * iamglass and a sharded one's XAPIANDB stub).  When one changed, the
 * watcher opens the indexes and publishes the new handle as the next
 * generation; a failing open (a damaged commit) is reported on standard
 * error and the previous commit stays served.
 *
 * One handle for all requests, as cops.h allows: searching threads may
 * share a cops_index (the native engine lends each search its own
 * analyzer worker, the Xapian engine's searches take turns).  A request
 * holds the generation it started with until it ends: each handle counts
 * its users (the requests holding it, and one while it is the latest), and
 * the last to let go closes it.  No request waits for the watcher's open:
 * the one lock guards a pointer and the counts.
 */
#ifndef COPS_SERVE_INDEX_HOLDER_H
#define COPS_SERVE_INDEX_HOLDER_H

#include <stdint.h>

#include "cops.h"

/* One open commit of the indexes. */
typedef struct index_handle {
    cops_index *index;      /* shared by the requests holding it */
    uint64_t generation;    /* 1 for the first commit served, +1 per new commit */
    uint64_t documents;     /* live documents (0 when the engine keeps no statistics) */
    unsigned users;         /* guarded by the holder's lock */
} index_handle;

typedef struct index_holder index_holder;

/* Open the `index_count` indexes of `index_dirs` (borrowed until
 * index_holder_free) together and start the watcher.  *out (OUT): free
 * with index_holder_free.  Fails as cops_index_open_many does. */
int index_holder_open(const char *const *index_dirs, size_t index_count,
                      unsigned poll_milliseconds, index_holder **out, cops_error *err);
/* Stop the watcher and let go of the latest handle (closed once no
 * request holds it; libmicrohttpd's stop has ended them all first).  NULL
 * is accepted. */
void index_holder_free(index_holder *holder);

/* The latest generation's handle, held until index_holder_release. */
index_handle *index_holder_acquire(index_holder *holder);
void index_holder_release(index_holder *holder, index_handle *handle);

/* Live documents of the latest generation and its number. */
void index_holder_latest(index_holder *holder, uint64_t *documents, uint64_t *generation);

#endif
