/*
 * build-engine.h — the build driver, and what an engine supplies to it.
 *
 * The driver (build.c, run by cops_build in engine/engine.c) is one for
 * every engine: it checks the options, settles the analysis, reads the
 * inputs (feed.h, warnings to the caller's on_warning), reports progress,
 * and fills the summary's reading figures and time.  An engine supplies only how analysed
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
#include "base/error.h"
#include "cops.h"
#include "index-format/catalog.h"
#include "index-format/manifest.h"
#include "indexer/feed.h"
#include "indexer/source.h"

/* What every engine is given, settled by build_settle_options; all
 * borrowed for the whole build. */
typedef struct build_request {
    const char *index_dir;
    const cops_build_options *options; /* defaults filled in */
    const analyzer_config *analysis;   /* language "none" when not stemming */
    /* The roots this run refreshes (or removes, options->remove):
     * canonical (roots.h), the inputs that exist; set by build_run.
     * `refresh_all`: no input was named, so every root the index knows. */
    const char *const *roots;
    size_t root_count;
    int refresh_all;
    /* options->delete_by_id: the identifiers to delete (the inputs as
     * given); nothing is walked. */
    const char *const *ids;
    size_t id_count;
} build_request;

typedef struct build_engine {
    void *context;               /* passed to every function below */
    feed_stage stage;            /* optional ({NULL, NULL}): analysis on the stage thread */
    /* Optional: source_options.on_file (called with `context`). */
    int (*on_file)(void *context, const char *path, const struct stat *status, int fd);
    /* Optional: source_options.resume. */
    source_resume *resume;
    /* Optional: source_options.on_unreadable (called with `context`). */
    void (*on_unreadable)(void *context, const char *path);
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
    /* Set by an engine that keeps roots, when request->refresh_all: the
     * roots to walk (borrowed until commit or abort). */
    const char *const *known_roots;
    size_t known_root_count;
    /* The reading options each input is walked with: one per root of
     * request->roots, or with refresh_all per known root; NULL for the
     * build's options. */
    const source_patterns *known_patterns;
    int keeps_roots;             /* 1: the engine can refresh or remove roots */
} build_engine;

/* An engine's constructor: fills `engine` or returns an error with
 * nothing left behind. */
typedef int build_begin_function(const build_request *request, build_engine *engine,
                                 cops_error *err);

/* The native engine (native-build.c). */
build_begin_function native_build_begin;
/* cops_index_roots for a native index (*count must not be NULL). */
int native_index_roots(const char *dir, char ***roots, size_t *count, cops_error *err);
/* cops_index_root_patterns for a native index. */
int native_index_root_patterns(const char *dir, const char *root, char ***globs,
                               char ***excludes, cops_error *err);
/* cops_index_kinds for a native index (the arrays and counts start
 * NULL and 0; on failure what they hold is the caller's to free). */
int native_index_kinds(const char *dir, cops_count **formats, size_t *format_count,
                       cops_count **encodings, size_t *encoding_count, cops_error *err);
/* The same three from a manifest `m`, its segments' deletion bitmaps
 * `dels` (one per segment; bits NULL: none deleted) and the catalog
 * `files` it names, already read (from one directory opened once, or by
 * an open handle: cops_index_kinds_get), so that one answer is of one
 * index. */
int native_roots_of(const catalog *files, char ***roots, size_t *count, cops_error *err);
int native_root_patterns_of(const catalog *files, const char *root, char ***globs,
                            char ***excludes, cops_error *err);
/* cops_index_root_options_get's list from `files`. */
int native_root_options_of(const catalog *files, const char *root, char ***options,
                           cops_error *err);
int native_kinds_of(const manifest *m, const deletions *dels, const catalog *files,
                    cops_count **formats, size_t *format_count, cops_count **encodings,
                    size_t *encoding_count, cops_error *err);

/* cops_build's first step: the caller's options (`given`, may be NULL)
 * with the defaults filled in, checked, into `options`; the analysis they
 * ask for into `analysis`. */
int build_settle_options(const cops_build_options *given, size_t input_count,
                         cops_build_options *options, analyzer_config *analysis, cops_error *err);

/* One warning line to options->on_warning (else stderr, escaped, as
 * "cops-index: warning: ..."), as the readers report theirs. */
void build_warn(const cops_build_options *options, const char *format, ...) COPS_PRINTF(2, 3);

/* Run a build: `begin` the engine, feed it `inputs`, commit (or abort on
 * failure); `summary` (OUT, may be NULL) as cops_build's. */
int build_run(const build_request *request, build_begin_function *begin,
              const char *const *inputs, size_t input_count, cops_build_summary *summary,
              cops_error *err);

#endif
