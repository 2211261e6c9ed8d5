/*
 * engine.c — the engines behind cops.h, and the public calls that choose
 * one: cops_build, cops_index_open (by what the index directory holds),
 * cops_index_close and cops_search.
 *
 * This is the only file that knows which engines were built in.  Below
 * it, each engine supplies its build (indexer/build-engine.h), its open,
 * search and close; what both engines share (the build driver, the
 * options, the parser, the result list) is called from here or from the
 * engines, never the other way round.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "cops.h"
#include "index-format/manifest.h"
#include "indexer/build-engine.h"
#include "query/index.h"
#include "query/parser.h"
#include "query/results.h"
#include "query/search.h"
#ifdef HAVE_XAPIAN
#include "xapian/xapian-engine.h"
#endif

typedef struct engine_ops {
    cops_engine id;
    /* 1 when the directory holds this engine's index (NULL: the native
     * engine, chosen whenever there is a MANIFEST or no other claims it) */
    int (*detect)(const char *path);
    build_begin_function *build_begin;
    /* Open `path` into `index` (zeroed, engine set); `allow` as
     * cops_index_open_flags.  On failure the caller closes `index`. */
    int (*open)(cops_index *index, const char *path, unsigned allow, cops_error *err);
    int (*search)(cops_index *index, const query_node *query, const cops_search_options *options,
                  cops_results *results, cops_error *err);
    /* Release what open took, but for the analyzer and the handle. */
    void (*close)(cops_index *index);
} engine_ops;

static int native_open(cops_index *index, const char *path, unsigned allow, cops_error *err)
{
    (void)allow; /* a native index names nothing outside it */
    return native_index_open(index, path, err);
}

#ifdef HAVE_XAPIAN
static int xapian_open(cops_index *index, const char *path, unsigned allow, cops_error *err)
{
    return xapian_engine_open(index, path, allow, NULL, 0, err);
}
#endif

static const engine_ops engines[] = {
    {COPS_ENGINE_NATIVE, NULL, native_build_begin, native_open, native_search, native_index_close},
#ifdef HAVE_XAPIAN
    {COPS_ENGINE_XAPIAN, xapian_engine_detect, xapian_build_begin, xapian_open,
     xapian_engine_search, xapian_engine_close},
#endif
};
#define ENGINE_COUNT (sizeof engines / sizeof engines[0])

static const engine_ops *engine_for(cops_engine id)
{
    for (size_t i = 0; i < ENGINE_COUNT; i++)
        if (engines[i].id == id)
            return &engines[i];
    return NULL;
}

static int engine_missing(cops_engine id, cops_error *err)
{
    if (id == COPS_ENGINE_XAPIAN)
        return error_set(err, COPS_EUNSUPPORTED, "the Xapian engine is not built in (configure "
                         "--with-xapian; Debian: libxapian-dev)");
    return error_set(err, COPS_EINVAL, "unknown engine %d", (int)id);
}

/* A MANIFEST makes a native index; else the first engine that recognises
 * the directory; else the native engine, whose open says what is
 * missing. */
static const engine_ops *engine_of_index(const char *index_dir)
{
    char manifest_path[4096];
    snprintf(manifest_path, sizeof manifest_path, "%s/%s", index_dir, MANIFEST_NAME);
    if (access(manifest_path, F_OK) != 0)
        for (size_t i = 0; i < ENGINE_COUNT; i++)
            if (engines[i].detect && engines[i].detect(index_dir))
                return &engines[i];
    return &engines[0];
}

/* ---------------------------------------------------------- building */

int cops_build(const char *index_dir, const char *const *inputs, size_t input_count,
               const cops_build_options *given, cops_build_summary *summary, cops_error *err)
{
    cops_build_options options;
    analyzer_config analysis;
    int rc = build_settle_options(given, input_count, &options, &analysis, err);
    if (rc != 0)
        return rc;
    const engine_ops *engine = engine_for(options.engine);
    if (!engine)
        return engine_missing(options.engine, err);
    build_request request = {index_dir, &options, &analysis};
    return build_run(&request, engine->build_begin, inputs, input_count, summary, err);
}

/* ----------------------------------------------------------- reading */

/* A zeroed handle named `name` for `engine`; free with cops_index_close. */
static int index_new(const char *name, cops_engine engine, cops_index **out, cops_error *err)
{
    cops_index *index = calloc(1, sizeof *index);
    if (!index || !(index->dir = strdup(name))) {
        free(index);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    index->engine = engine;
    *out = index;
    return 0;
}

/* Hand `index` out when `rc` says it opened, else close it. */
static int index_opened(int rc, cops_index *index, cops_index **out)
{
    if (rc != 0)
        cops_index_close(index);
    else
        *out = index;
    return rc;
}

int cops_index_open(const char *index_dir, cops_index **out, cops_error *err)
{
    return cops_index_open_flags(index_dir, 0, out, err);
}

int cops_index_open_flags(const char *index_dir, unsigned flags, cops_index **out,
                          cops_error *err)
{
    *out = NULL;
    const engine_ops *engine = engine_of_index(index_dir);
    cops_index *index = NULL;
    int rc = index_new(index_dir, engine->id, &index, err);
    return rc != 0 ? rc : index_opened(engine->open(index, index_dir, flags, err), index, out);
}

int cops_index_open_remote(const char *const *host_ports, size_t count, cops_index **out,
                           cops_error *err)
{
    *out = NULL;
#ifdef HAVE_XAPIAN
    cops_index *index = NULL;
    int rc = index_new(count ? host_ports[0] : "", COPS_ENGINE_XAPIAN, &index, err);
    if (rc != 0)
        return rc;
    rc = count == 0 ? error_set(err, COPS_EINVAL, "no remote shard given")
                    : xapian_engine_open(index, NULL, 0, host_ports, count, err);
    return index_opened(rc, index, out);
#else
    (void)host_ports;
    (void)count;
    return error_set(err, COPS_EUNSUPPORTED, "remote shards need the Xapian engine: this cops "
                     "was built without Xapian (configure --with-xapian)");
#endif
}

void cops_index_close(cops_index *index)
{
    if (!index)
        return;
    const engine_ops *engine = engine_for(index->engine);
    if (engine)
        engine->close(index);
    analyzer_free(index->analyzer);
    free(index->dir);
    free(index);
}

/* --------------------------------------------------------- searching */

static double now_milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

int cops_search(cops_index *index, const char *query_text, const cops_search_options *given,
                cops_results **out, cops_error *err)
{
    *out = NULL;
    double started = now_milliseconds();
    cops_search_options options;
    int rc = search_settle_options(given, &options, err);
    query_node *query = NULL;
    if (rc == 0)
        rc = search_parse(query_text, &options, &query, err);
    if (rc != 0)
        return rc;
    cops_results *results = results_new(&options);
    if (!results)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc == 0 && options.explain)
        results_set_tree(results, query); /* the contributions are the native engine's */
    const engine_ops *engine = engine_for(index->engine);
    if (rc == 0 && options.feedback_documents && index->engine != COPS_ENGINE_NATIVE)
        rc = error_set(err, COPS_EUNSUPPORTED, "feedback needs a native index (cops-index "
                       "without --engine xapian)");
    if (rc == 0)
        rc = engine ? engine->search(index, query, &options, results, err)
                    : engine_missing(index->engine, err);
    query_free(query);
    if (rc != 0) {
        cops_results_free(results);
        return rc;
    }
    results->milliseconds = now_milliseconds() - started;
    *out = results;
    return 0;
}
