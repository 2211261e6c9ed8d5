/*
 * build-engine.h — what an engine supplies to cops_build.
 *
 * cops_build (build.c) is one driver for every engine: it checks the
 * options, settles the analysis, reads the inputs (feed.h, warnings to
 * the caller's on_warning), reports progress, and fills the summary's
 * reading figures and time.  An engine supplies only how analysed
 * documents become an index: `add` for each document in input order,
 * then exactly one of `commit` (all documents were read) or `abort` (the
 * reader or `add` failed).  Both end the build: they release everything
 * the engine holds, `abort` removing what the build wrote.
 *
 * The native engine (native-build.c) also watches the input files
 * (on_file: its incremental builds) and analyses on the feed's stage
 * thread; the Xapian engine (xapian/xapian-engine.h) does neither.
 */
#ifndef COPS_INDEXER_BUILD_ENGINE_H
#define COPS_INDEXER_BUILD_ENGINE_H

#include <stdint.h>
#include <sys/stat.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "indexer/feed.h"
#include "indexer/source.h"

/* What every engine is given, checked and settled by cops_build; all
 * borrowed for the whole build. */
typedef struct build_request {
    const char *index_dir;
    const cops_build_options *options; /* defaults filled in */
    const analyzer_config *analysis;   /* language "none" when not stemming */
} build_request;

typedef struct build_engine {
    void *context;               /* passed to every function below */
    feed_stage stage;            /* optional ({NULL, NULL}): analysis on the stage thread */
    /* Optional: source_options.on_file (called with `context`). */
    int (*on_file)(void *context, const char *path, const struct stat *status, int fd);
    /* Add the next document; `prepared` (may be NULL) is the stage's
     * output for it (feed_prepared). */
    int (*add)(void *context, const source_document *document, const uint8_t *prepared,
               size_t prepared_length, cops_error *err);
    /* Make the documents added the index.  `read` holds the reader's
     * counts; `summary` (never NULL) has the reading figures filled in,
     * and gets the engine's own (documents, terms, index size, ...). */
    int (*commit)(void *context, const source_stats *read, cops_build_summary *summary,
                  cops_error *err);
    void (*abort)(void *context);
} build_engine;

/* The native engine (native-build.c): fills `engine` or returns an error
 * with nothing left behind. */
int native_build_begin(const build_request *request, build_engine *engine, cops_error *err);

#endif
