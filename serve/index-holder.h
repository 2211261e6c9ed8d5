/*
 * index-holder.h — the index as each request thread sees it: open, and
 * reopened when a writer commits.
 *
 * The indexes given are opened together (cops_index_open_many: one
 * ranking, each hit naming its index).  cops_index_open reads the
 * manifest once: an open index keeps answering from the commit it opened
 * (its files stay readable after a writer removes them), so a
 * long-running reader must reopen to see new documents.  A watcher thread
 * looks at each index's MANIFEST (inode, size, modification time, never
 * following a symbolic link) every `poll_milliseconds`; when one changed,
 * it opens the indexes once to check the new commit and publishes a new
 * generation number.  A failing reopen (a damaged commit) is reported on
 * standard error and the previous commit stays served.
 *
 * Each request thread has its own handle, opened on its first request and
 * again on its first request after a new generation (an open maps the
 * index files, so handles share their pages).  Not one handle for all:
 * cops.h allows sharing a cops_index between searching threads, and the
 * native engine keeps that promise (its analyzer lends each search its
 * own worker, analysis/analyzer.h), but an index built by the Xapian
 * engine is searched through one Xapian database per cops_index
 * (xapian/xapian-engine.c), and Xapian's objects are not thread-safe
 * (xapian/cops_xapian.h).  No request waits for another or for the
 * watcher: the only lock guards two numbers.
 */
#ifndef COPS_SERVE_INDEX_HOLDER_H
#define COPS_SERVE_INDEX_HOLDER_H

#include <stdint.h>

#include "cops.h"

/* One thread's open commit of the index. */
typedef struct index_handle {
    cops_index *index;      /* this thread's own */
    uint64_t generation;    /* 1 for the first commit served, +1 per new commit */
} index_handle;

typedef struct index_holder index_holder;

/* Open the `index_count` indexes of `index_dirs` (borrowed until
 * index_holder_free) together once to check them and start the watcher.
 * *out (OUT): free with index_holder_free.  Fails as
 * cops_index_open_many does. */
int index_holder_open(const char *const *index_dirs, size_t index_count,
                      unsigned poll_milliseconds, index_holder **out, cops_error *err);
/* Stop the watcher.  The threads' handles are closed as their threads
 * end (libmicrohttpd's stop joins them first).  NULL is accepted. */
void index_holder_free(index_holder *holder);

/* The calling thread's handle of the latest generation, valid until this
 * thread calls index_holder_thread again; NULL with `err` filled when the
 * index cannot be opened and the thread had no handle yet. */
const index_handle *index_holder_thread(index_holder *holder, cops_error *err);

/* Live documents of the latest generation (0 when the engine keeps no
 * statistics) and its number. */
void index_holder_latest(index_holder *holder, uint64_t *documents, uint64_t *generation);

#endif
