/*
 * engine.c — the engines behind cops.h, and the public calls that choose
 * one: cops_build, cops_index_open (by what the index directory holds),
 * cops_index_close and cops_search.
 *
 * This is the only file that knows which engines exist.  Below it, each
 * engine supplies its build (indexer/build-engine.h), its open, search
 * and close; what both engines share (the build driver, the options, the
 * parser, the result list) is called from here or from the engines, never
 * the other way round.  The native engine is part of libcops; the Xapian
 * engine is a module (xapian/xapian-module.h) loaded here the first time
 * it is needed, so that a program that never meets a Xapian index maps
 * neither libxapian nor the C++ runtime.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/module.h"
#include "cops.h"
#include "index-format/manifest.h"
#include "indexer/build-engine.h"
#include "query/index.h"
#include "query/lower.h"
#include "query/parser.h"
#include "query/relax.h"
#include "query/results.h"
#include "query/search.h"
#include "query/snippet.h"
#include "xapian/xapian-module.h"

/* Searches of indexes of other engines than the native one (cops_search). */
static pthread_mutex_t foreign_search_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct engine_ops {
    cops_engine id;
    /* 1 when the directory holds this engine's index (NULL: the native
     * engine, chosen whenever there is a MANIFEST or no other claims it) */
    int (*detect)(const char *path);
    /* Make the calls below usable (NULL: always are).  `why` says who
     * asked, for the message when the engine is not installed. */
    int (*load)(const char *why, cops_error *err);
    build_begin_function *build_begin;
    /* Open `path` into `index` (zeroed, engine set); `allow` as
     * cops_index_open_flags.  On failure the caller closes `index`. */
    int (*open)(cops_index *index, const char *path, unsigned allow, cops_error *err);
    int (*search)(cops_index *index, const query_node *query, const cops_search_options *options,
                  cops_results *results, cops_error *err);
    /* Release what open took, but for the analyzer and the handle. */
    void (*close)(cops_index *index);
    /* The document of an identifier, without highlights (cops_document_get). */
    int (*document)(cops_index *index, const char *id, size_t max_text, cops_document **out,
                    cops_error *err);
} engine_ops;

static int native_open(cops_index *index, const char *path, unsigned allow, cops_error *err)
{
    (void)allow; /* a native index names nothing outside it */
    return native_index_open(index, path, err);
}

/* ------------------------------------------------ the Xapian module */

/* What the module may call in libcops (xapian-module.h). */
static const xapian_module_host xapian_host = {
    .error_set = error_set,
    .error_set_errno = error_set_errno,
    .analyzer_config_init = analyzer_config_init,
    .analyzer_new = analyzer_new,
    .analyzer_free = analyzer_free,
    .analyzer_run = analyzer_run,
    .lower_query = lower_query,
    .lower_plan_free = lower_plan_free,
    .lower_build = lower_build,
    .lower_note_cut = lower_note_cut,
    .snippet_plan_build = snippet_plan_build,
    .snippet_plan_free = snippet_plan_free,
    .results_reserve = results_reserve,
    .results_add_hit = results_add_hit,
    .results_add_notes = results_add_notes,
    .document_new = document_new,
    .source_date_number = source_date_number,
    .record_ids_note = record_ids_note,
    .record_ids_error = record_ids_error,
    .record_ids_free = record_ids_free,
    .bm25_prepare = bm25_prepare,
    .suggest_edit_distance = suggest_edit_distance,
    .suggest_buckets = suggest_buckets,
    .fuzzy_keep = fuzzy_keep,
    .prefix_scan_cap = prefix_scan_cap,
    .xapian_stub_read = xapian_stub_read,
    .xapian_stub_check = xapian_stub_check,
    .xapian_stub_free = xapian_stub_free,
    .xapian_glass_check = xapian_glass_check,
    .xapian_has_regular_file = xapian_has_regular_file,
    .xapian_pin_glass = xapian_pin_glass,
    .xapian_pin_dir = xapian_pin_dir,
    .xapian_pin_free = xapian_pin_free,
    .xapian_pin_refresh = xapian_pin_refresh,
};

static module_slot xapian_slot =
    MODULE_SLOT("xapian", "xapian", XAPIAN_MODULE_ENTRY, XAPIAN_MODULE_ABI, &xapian_host);

/* The loaded engine: called only once xapian_load succeeded (by this
 * thread, or by the one that opened the index it was handed). */
static const xapian_module *xapian(void) { return xapian_slot.offered; }

static int xapian_load(const char *why, cops_error *err)
{
#ifdef HAVE_XAPIAN
    if (module_get(&xapian_slot))
        return 0;
    return error_set(err, xapian_slot.failure.code, "%s, which is not installed: %s", why,
                     xapian_slot.failure.message);
#else
    (void)xapian_slot;
    return error_set(err, COPS_EUNSUPPORTED, "%s, which is not installed: this cops was built "
                     "without it (configure --with-xapian; Debian: libxapian-dev)", why);
#endif
}

/* The engine's calls, once loaded. */
static int xapian_build_begin_loaded(const build_request *request, build_engine *engine,
                                     cops_error *err)
{
    return xapian()->build_begin(request, engine, err);
}

static int xapian_open(cops_index *index, const char *path, unsigned allow, cops_error *err)
{
    return xapian()->open(index, path, allow, NULL, 0, err);
}

static int xapian_search(cops_index *index, const query_node *query,
                         const cops_search_options *options, cops_results *results,
                         cops_error *err)
{
    return xapian()->search(index, query, options, results, err);
}

static void xapian_close(cops_index *index) { xapian()->close(index); }

static int xapian_document(cops_index *index, const char *id, size_t max_text,
                           cops_document **out, cops_error *err)
{
    return xapian()->document(index, id, max_text, out, err);
}

/* ------------------------------------------------------ the table */

static const engine_ops engines[] = {
    {COPS_ENGINE_NATIVE, NULL, NULL, native_build_begin, native_open, native_search,
     native_index_close, native_document_get},
    {COPS_ENGINE_XAPIAN, xapian_detect, xapian_load, xapian_build_begin_loaded, xapian_open,
     xapian_search, xapian_close, xapian_document},
};
#define ENGINE_COUNT (sizeof engines / sizeof engines[0])

static const engine_ops *engine_row(cops_engine id)
{
    for (size_t i = 0; i < ENGINE_COUNT; i++)
        if (engines[i].id == id)
            return &engines[i];
    return NULL;
}

/* The engine `id` in *out, loaded; `why` as engine_ops.load. */
static int engine_ready(cops_engine id, const char *why, const engine_ops **out, cops_error *err)
{
    const engine_ops *engine = engine_row(id);
    if (!engine)
        return error_set(err, COPS_EINVAL, "unknown engine %d", (int)id);
    int rc = engine->load ? engine->load(why, err) : 0;
    *out = rc == 0 ? engine : NULL;
    return rc;
}

/* A MANIFEST makes a native index; else the first engine that recognises
 * the directory; else the native engine, whose open says what is
 * missing. */
static cops_engine engine_of_index(const char *index_dir)
{
    char manifest_path[4096];
    snprintf(manifest_path, sizeof manifest_path, "%s/%s", index_dir, MANIFEST_NAME);
    if (access(manifest_path, F_OK) != 0)
        for (size_t i = 0; i < ENGINE_COUNT; i++)
            if (engines[i].detect && engines[i].detect(index_dir))
                return engines[i].id;
    return COPS_ENGINE_NATIVE;
}

/* ---------------------------------------------------------- building */

int cops_build(const char *index_dir, const char *const *inputs, size_t input_count,
               const cops_build_options *given, cops_build_summary *summary, cops_error *err)
{
    if (!index_dir)
        return error_null_argument(err, __func__, "index_dir");
    if (!inputs && input_count > 0)
        return error_null_argument(err, __func__, "inputs");
    for (size_t i = 0; i < input_count; i++)
        if (!inputs[i])
            return error_set(err, COPS_EINVAL, "%s: inputs[%zu] is NULL", __func__, i);
    cops_build_options options;
    analyzer_config analysis;
    int rc = build_settle_options(given, input_count, &options, &analysis, err);
    if (rc != 0)
        return rc;
    const engine_ops *engine = NULL;
    rc = engine_ready(options.engine, "--engine xapian asks for the Xapian engine", &engine, err);
    if (rc != 0)
        return rc;
    build_request request = {index_dir, &options, &analysis, NULL, 0, 0, NULL, 0};
    return build_run(&request, engine->build_begin, inputs, input_count, summary, err);
}

int cops_index_roots(const char *index_dir, char ***roots, size_t *count, cops_error *err)
{
    if (!index_dir || !roots)
        return error_null_argument(err, __func__, !roots ? "roots" : "index_dir");
    size_t counted = 0;
    *roots = NULL;
    if (count)
        *count = 0;
    if (engine_of_index(index_dir) != COPS_ENGINE_NATIVE)
        return error_set(err, COPS_EUNSUPPORTED, "%s is a Xapian index, which keeps no roots",
                         index_dir);
    int rc = native_index_roots(index_dir, roots, &counted, err);
    if (rc == 0 && count)
        *count = counted;
    return rc;
}

/* `rc`, with the patterns freed (NULL) when it says they failed. */
static int patterns_given(int rc, char ***globs, char ***excludes)
{
    if (rc != 0) {
        cops_strings_free(*globs);
        cops_strings_free(*excludes);
        *globs = *excludes = NULL;
    }
    return rc;
}

int cops_index_root_patterns(const char *index_dir, const char *root, char ***globs,
                             char ***excludes, cops_error *err)
{
    if (!index_dir || !root || !globs || !excludes)
        return error_null_argument(err, __func__, "index_dir, root, globs or excludes");
    *globs = *excludes = NULL;
    if (engine_of_index(index_dir) != COPS_ENGINE_NATIVE)
        return error_set(err, COPS_EUNSUPPORTED, "%s is a Xapian index, which keeps no roots",
                         index_dir);
    int rc = native_index_root_patterns(index_dir, root, globs, excludes, err);
    return patterns_given(rc, globs, excludes);
}

int cops_index_kinds(const char *index_dir, cops_count **formats, size_t *format_count,
                     cops_count **encodings, size_t *encoding_count, cops_error *err)
{
    if (!index_dir || !formats || !format_count || !encodings || !encoding_count)
        return error_null_argument(err, __func__, "index_dir or an OUT pointer");
    *formats = *encodings = NULL;
    *format_count = *encoding_count = 0;
    if (engine_of_index(index_dir) != COPS_ENGINE_NATIVE)
        return error_set(err, COPS_EUNSUPPORTED, "%s is a Xapian index, which keeps no catalog",
                         index_dir);
    int rc = native_index_kinds(index_dir, formats, format_count, encodings, encoding_count, err);
    if (rc != 0) {
        free(*formats);
        free(*encodings);
        *formats = *encodings = NULL;
        *format_count = *encoding_count = 0;
    }
    return rc;
}

/* The catalog a native `index` pinned (index_catalog_read); `what` says
 * what a Xapian index does not keep. */
static int handle_catalog(const cops_index *index, const char *what, catalog *files,
                          cops_error *err)
{
    memset(files, 0, sizeof *files);
    if (index->engine != COPS_ENGINE_NATIVE)
        return error_set(err, COPS_EUNSUPPORTED, "%s is a Xapian index, which keeps no %s",
                         index->dir, what);
    return index_catalog_read(index, files, err);
}

int cops_index_roots_get(const cops_index *index, char ***roots, size_t *count, cops_error *err)
{
    if (!index || !roots)
        return error_null_argument(err, __func__, !roots ? "roots" : "index");
    size_t counted = 0;
    *roots = NULL;
    if (count)
        *count = 0;
    catalog files;
    int rc = handle_catalog(index, "roots", &files, err);
    if (rc == 0)
        rc = native_roots_of(&files, roots, &counted, err);
    catalog_free(&files);
    if (rc == 0 && count)
        *count = counted;
    return rc;
}

int cops_index_root_patterns_get(const cops_index *index, const char *root, char ***globs,
                                 char ***excludes, cops_error *err)
{
    if (!index || !root || !globs || !excludes)
        return error_null_argument(err, __func__, "index, root, globs or excludes");
    *globs = *excludes = NULL;
    catalog files;
    int rc = handle_catalog(index, "roots", &files, err);
    if (rc == 0)
        rc = native_root_patterns_of(&files, root, globs, excludes, err);
    catalog_free(&files);
    return patterns_given(rc, globs, excludes);
}

int cops_index_root_options_get(const cops_index *index, const char *root, char ***options,
                                cops_error *err)
{
    if (!index || !root || !options)
        return error_null_argument(err, __func__, "index, root or options");
    *options = NULL;
    catalog files;
    int rc = handle_catalog(index, "roots", &files, err);
    if (rc == 0)
        rc = native_root_options_of(&files, root, options, err);
    catalog_free(&files);
    return rc;
}

int cops_index_kinds_get(const cops_index *index, cops_count **formats, size_t *format_count,
                         cops_count **encodings, size_t *encoding_count, cops_error *err)
{
    if (!index || !formats || !format_count || !encodings || !encoding_count)
        return error_null_argument(err, __func__, "index or an OUT pointer");
    *formats = *encodings = NULL;
    *format_count = *encoding_count = 0;
    catalog files;
    int rc = handle_catalog(index, "catalog", &files, err);
    const manifest *m = &index->manifest;
    deletions *dels = rc == 0 ? calloc(m->segment_count + 1, sizeof *dels) : NULL;
    if (rc == 0 && !dels)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    /* the handle's bitmaps, borrowed; a segment without one has none deleted */
    for (size_t s = 0; rc == 0 && s < m->segment_count; s++)
        dels[s] = index->deleted[s].bits ? index->deleted[s]
                                         : (deletions){.documents = (uint32_t)m->segments[s].documents};
    if (rc == 0)
        rc = native_kinds_of(m, dels, &files, formats, format_count, encodings, encoding_count,
                             err);
    free(dels);
    catalog_free(&files);
    if (rc != 0) {
        free(*formats);
        free(*encodings);
        *formats = *encodings = NULL;
        *format_count = *encoding_count = 0;
    }
    return rc;
}

void cops_counts_free(cops_count *counts) { free(counts); }

void cops_strings_free(char **strings)
{
    for (size_t i = 0; strings && strings[i]; i++)
        free(strings[i]);
    free(strings);
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
    if (!out)
        return error_null_argument(err, __func__, "out");
    *out = NULL;
    if (!index_dir)
        return error_null_argument(err, __func__, "index_dir");
    char why[COPS_ERROR_MESSAGE_MAX];
    snprintf(why, sizeof why, "%s: this index was built by the Xapian engine", index_dir);
    const engine_ops *engine = NULL;
    int rc = engine_ready(engine_of_index(index_dir), why, &engine, err);
    cops_index *index = NULL;
    if (rc == 0)
        rc = index_new(index_dir, engine->id, &index, err);
    return rc != 0 ? rc : index_opened(engine->open(index, index_dir, flags, err), index, out);
}

int cops_index_open_remote(const char *const *host_ports, size_t count, cops_index **out,
                           cops_error *err)
{
    if (!out)
        return error_null_argument(err, __func__, "out");
    *out = NULL;
    for (size_t i = 0; host_ports && i < count; i++)
        if (!host_ports[i])
            return error_set(err, COPS_EINVAL, "%s: host_ports[%zu] is NULL", __func__, i);
    if (!host_ports && count > 0)
        return error_null_argument(err, __func__, "host_ports");
    const engine_ops *engine = NULL;
    int rc = count == 0 ? error_set(err, COPS_EINVAL, "no remote shard given")
                        : engine_ready(COPS_ENGINE_XAPIAN, "remote shards need the Xapian engine",
                                       &engine, err);
    cops_index *index = NULL;
    if (rc == 0)
        rc = index_new(host_ports[0], COPS_ENGINE_XAPIAN, &index, err);
    return rc != 0 ? rc
                   : index_opened(xapian()->open(index, NULL, 0, host_ports, count, err),
                                  index, out);
}

void cops_index_close(cops_index *index)
{
    if (!index)
        return;
    /* an index exists only once its engine is loaded */
    const engine_ops *engine = engine_row(index->engine);
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
    if (!out)
        return error_null_argument(err, __func__, "out");
    *out = NULL;
    if (!index)
        return error_null_argument(err, __func__, "index");
    double started = now_milliseconds();
    cops_search_options options;
    int rc = search_settle_options(given, &options, err);
    query_node *query = NULL;
    if (rc == 0)
        rc = search_parse(query_text, &options, &query, err);
    if (rc == 0)
        rc = lower_check_searchable(index->analyzer, query, err);
    if (rc != 0) {
        query_free(query);
        return rc;
    }
    cops_results *results = results_new(&options);
    if (!results)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc == 0 && options.explain)
        results_set_tree(results, query); /* the contributions are the native engine's */
    const engine_ops *engine = engine_row(index->engine);
    /* Feedback for long queries is a default the Xapian engine goes
     * without; asked for every query (--feedback) it is an error there. */
    if (rc == 0 && options.feedback_documents && options.feedback_query_length == 1
        && index->engine != COPS_ENGINE_NATIVE)
        rc = error_set(err, COPS_EUNSUPPORTED, "feedback needs a native index (cops-index "
                       "without --engine xapian)");
    if (rc == 0 && options.date_histogram && index->engine != COPS_ENGINE_NATIVE)
        rc = error_set(err, COPS_EUNSUPPORTED, "a date histogram needs a native index "
                       "(cops-index without --engine xapian)");
    if (rc == 0 && options.weight != COPS_WEIGHT_BM25 && index->engine != COPS_ENGINE_NATIVE)
        rc = error_set(err, COPS_EUNSUPPORTED, "--weight other than bm25 needs a native index "
                       "(cops-index without --engine xapian)");
    /* A native search shares nothing mutable (the analyzer lends each run
     * its own worker); a Xapian handle searches through one Xapian
     * database, which is not thread-safe: its searches take turns. */
    int take_turns = index->engine != COPS_ENGINE_NATIVE;
    if (take_turns)
        pthread_mutex_lock(&foreign_search_lock);
    if (rc == 0)
        rc = engine ? search_relaxing(index, query_text, query, &options, results,
                                      engine->search, err)
                    : error_set(err, COPS_EINVAL, "unknown engine %d", (int)index->engine);
    if (take_turns)
        pthread_mutex_unlock(&foreign_search_lock);
    query_free(query);
    if (rc != 0) {
        cops_results_free(results);
        return rc;
    }
    results->milliseconds = now_milliseconds() - started;
    *out = results;
    return 0;
}

/* ------------------------------------------------- a document by id */

/* Highlight in `document` the words `query_text` matches, as a hit's
 * snippet would (snippet_highlight). */
static int highlight_document(cops_index *index, const char *query_text, cops_document *document,
                              cops_error *err)
{
    cops_search_options options;
    cops_search_options_init(&options);
    query_node *query = NULL;
    int rc = search_parse(query_text, &options, &query, err);
    snippet_plan plan = {0};
    if (rc == 0 && snippet_plan_build(index->analyzer, query, &plan) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    cops_span *spans = NULL;
    size_t count = 0;
    if (rc == 0)
        rc = snippet_highlight(index->analyzer, document->text, document->text_length, &plan,
                               &spans, &count, err);
    if (rc == 0)
        document_set_highlights(document, spans, count);
    snippet_plan_free(&plan);
    query_free(query);
    return rc;
}

int cops_document_get(cops_index *index, const char *id, const char *query, size_t max_text,
                      cops_document **out, cops_error *err)
{
    if (!out)
        return error_null_argument(err, __func__, "out");
    *out = NULL;
    if (!index || !id)
        return error_set(err, COPS_EINVAL, "cops_document_get: no index or no identifier");
    if (max_text == 0 || max_text > COPS_DOCUMENT_TEXT_MAX)
        max_text = COPS_DOCUMENT_TEXT_MAX;
    const engine_ops *engine = engine_row(index->engine);
    if (!engine)
        return error_set(err, COPS_EINVAL, "unknown engine %d", (int)index->engine);
    /* A Xapian database is not thread-safe: as cops_search, take turns. */
    int take_turns = index->engine != COPS_ENGINE_NATIVE;
    if (take_turns)
        pthread_mutex_lock(&foreign_search_lock);
    cops_document *document = NULL;
    int rc = engine->document(index, id, max_text, &document, err);
    if (take_turns)
        pthread_mutex_unlock(&foreign_search_lock);
    if (rc == 0 && query)
        rc = highlight_document(index, query, document, err);
    if (rc != 0) {
        cops_document_free(document);
        return rc;
    }
    *out = document;
    return 0;
}
