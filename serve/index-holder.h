/*
 * index-holder.h — one open index shared by the request threads, swapped
 * for a fresh one when a writer commits.
 *
 * cops_index_open reads the manifest once: an open index keeps answering
 * from the commit it opened (its files stay readable after a writer
 * removes them), so a long-running reader must reopen to see new
 * documents.  A watcher thread looks at the index's MANIFEST (inode, size,
 * modification time, never following a symbolic link) every
 * `poll_milliseconds`; when it changed, it opens the index again and
 * publishes the new handle.  Requests take a reference to the current
 * handle under a mutex held for a pointer copy only (never during I/O),
 * so a reopen never blocks a reader; the old handle is closed when its
 * last request releases it.  A reopen that fails (a commit caught half
 * way is impossible, the manifest is renamed atomically; a damaged index
 * is not) is reported on standard error and the previous handle is kept.
 */
#ifndef COPS_SERVE_INDEX_HOLDER_H
#define COPS_SERVE_INDEX_HOLDER_H

#include <stdint.h>

#include "cops.h"

/* One opened commit of the index. */
typedef struct index_handle {
    cops_index *index;      /* shared: only cops_search is called on it */
    uint64_t documents;     /* live documents (0 when the engine has no statistics) */
    uint64_t generation;    /* 1 for the first open, +1 per reopen */
} index_handle;

typedef struct index_holder index_holder;

/* Open `index_dir` and start the watcher.  *out (OUT): free with
 * index_holder_free.  Fails as cops_index_open does. */
int index_holder_open(const char *index_dir, unsigned poll_milliseconds, index_holder **out,
                      cops_error *err);
/* Stop the watcher and close the index; every handle must have been
 * released.  NULL is accepted. */
void index_holder_free(index_holder *holder);

/* The current handle, valid until index_holder_release. */
const index_handle *index_holder_acquire(index_holder *holder);
void index_holder_release(index_holder *holder, const index_handle *handle);

#endif
