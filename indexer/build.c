/*
 * build.c — the build driver (build-engine.h), one for both engines;
 * cops_build (engine/engine.c) chooses the engine and runs it.
 *
 * Documents flow source_walk (on the feed's reader thread) -> the
 * engine's stage, if any (a third thread) -> the engine's add (this
 * thread) -> its commit.  What is particular to an engine (the native
 * engine's locking, incremental diff, catalog and merge policy; the
 * Xapian engine's shards and directory swap) stays behind its
 * build_engine.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analysis/analyzer.h"
#include "base/error.h"
#include "base/escape.h"
#include "cops.h"
#include "indexer/build-engine.h"
#include "indexer/feed.h"
#include "indexer/roots.h"
#include "indexer/source.h"

#define DEFAULT_MEMORY_MB 256
#define PROGRESS_SECONDS 1.0

void cops_build_options_init(cops_build_options *options)
{
    memset(options, 0, sizeof *options);
    options->language = "english";
    options->stem = 1;
    options->memory_mb = DEFAULT_MEMORY_MB;
}

const char **cops_stemmer_languages(void) { return analyzer_languages(); }

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int build_settle_options(const cops_build_options *given, size_t input_count,
                         cops_build_options *options, analyzer_config *analysis, cops_error *err)
{
    if (given)
        *options = *given;
    else
        cops_build_options_init(options);
    if (!options->language)
        options->language = "english";
    if (options->memory_mb == 0)
        options->memory_mb = DEFAULT_MEMORY_MB;
    if (options->memory_mb < 16)
        return error_set(err, COPS_EINVAL, "--memory %zu MB is too small (at least 16)",
                         options->memory_mb);
    if (options->delete_by_id && (input_count == 0 || options->remove))
        return error_set(err, COPS_EINVAL, "--delete needs identifiers, and not --remove");
    if (options->engine == COPS_ENGINE_XAPIAN && options->delete_by_id)
        return error_set(err, COPS_EINVAL, "the Xapian engine cannot delete documents by id: "
                         "it rebuilds its database from the files and folders named");
    if (options->engine == COPS_ENGINE_XAPIAN && (input_count == 0 || options->remove))
        return error_set(err, COPS_EINVAL, "the Xapian engine keeps no roots: it rebuilds its "
                         "database from the files and folders named, so %s",
                         options->remove ? "it cannot remove some of them"
                                         : "name the files and folders to index");
    if (options->remove && input_count == 0)
        return error_set(err, COPS_EINVAL, "nothing to remove: name the files or folders");
    if (options->engine == COPS_ENGINE_XAPIAN && options->exact_forms)
        return error_set(err, COPS_EINVAL, "--exact-forms is for the native engine");
    if (options->engine != COPS_ENGINE_XAPIAN && options->shards > 1)
        return error_set(err, COPS_EINVAL, "--shards is for the Xapian engine");
    analyzer_config_init(analysis);
    analysis->stem = options->stem;
    /* without stemming every word is indexed as written already */
    analysis->exact_forms = options->stem && options->exact_forms;
    if (options->stem && analyzer_language_check(options->language, err) != 0)
        return COPS_EINVAL;
    if (strlen(options->language) >= sizeof analysis->language)
        return error_set(err, COPS_EINVAL, "unknown language '%s'", options->language);
    strcpy(analysis->language, options->stem ? options->language : "none");
    return 0;
}

/* Progress of a build, reported about once a second. */
typedef struct progress_clock {
    const cops_build_options *options;
    struct timespec started;
    double last;
    uint64_t documents, bytes_read, bytes_total;
} progress_clock;

static void count_document(progress_clock *clock, const source_document *document)
{
    clock->documents++;
    clock->bytes_read += document->text_length;
    if (!clock->options->on_progress || ((clock->documents - 1) & 63) != 0)
        return;
    double now = seconds_since(&clock->started);
    if (now - clock->last < PROGRESS_SECONDS)
        return;
    clock->last = now;
    cops_build_progress progress = {clock->documents, clock->bytes_read, clock->bytes_total, now,
                                    document->input_position};
    clock->options->on_progress(clock->options->context, &progress);
}

/* Read `inputs` into the engine; `read` gets the reader's counts. */
static int feed_engine(const char *const *inputs, size_t input_count,
                       const source_patterns *patterns, const build_request *request,
                       build_engine *engine,
                       progress_clock *clock, source_stats *read, cops_error *err)
{
    const cops_build_options *options = request->options;
    source_options sources;
    source_options_init(&sources);
    sources.id_field = options->id_field;
    sources.title_field = options->title_field;
    sources.text_field = options->text_field;
    sources.date_field = options->date_field;
    sources.on_warning = options->on_warning; /* without one, source.c prints */
    sources.context = options->context;
    sources.exclude_directory = request->index_dir;
    sources.follow_links = options->follow;
    sources.hidden = options->hidden;
    sources.excludes = options->excludes;
    sources.exclude_count = options->exclude_count;
    sources.globs = options->globs;
    sources.glob_count = options->glob_count;
    sources.input_patterns = patterns;
    sources.format = options->format;
    sources.on_file = engine->on_file;
    sources.on_unreadable = engine->on_unreadable;
    sources.resume = engine->resume;
    sources.file_context = engine->context;
    if (options->on_progress)
        clock->bytes_total = source_estimate_bytes(inputs, input_count);

    feed *reader = NULL;
    const feed_stage *stage = engine->stage.prepare ? &engine->stage : NULL;
    int rc = feed_start(inputs, input_count, &sources, stage, &reader, err);
    const source_document *document;
    while (rc == 0 && (document = feed_next(reader)) != NULL) {
        const uint8_t *prepared = NULL;
        size_t prepared_length = 0;
        feed_prepared(reader, &prepared, &prepared_length);
        rc = engine->add(engine->context, document, prepared, prepared_length, err);
        count_document(clock, document);
    }
    cops_error reader_error = {0};
    int read_rc = reader ? feed_finish(reader, read, &reader_error) : 0;
    if (rc == 0 && read_rc != 0) {
        rc = read_rc;
        if (err)
            *err = reader_error;
    }
    return rc;
}

void build_warn(const cops_build_options *options, const char *format, ...)
{
    char message[4200];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (options->on_warning)
        options->on_warning(options->context, message);
    else
        escape_print_line(stderr, "cops-index: warning: ", message);
}

/* The canonical forms of `inputs` into `roots`.  One that does not exist
 * is a warning (counted in *missing) and left out, so the documents of a
 * root that is not there (a typo, an unmounted disk) stay; for a removal
 * the paths need not exist. */
static int resolve_inputs(const char *const *inputs, size_t input_count,
                          const cops_build_options *options, roots_list *roots, uint64_t *missing,
                          cops_error *err)
{
    for (size_t i = 0; i < input_count; i++) {
        struct stat status;
        if (strcmp(inputs[i], "-") == 0) {
            /* Standard input: a pseudo-path of its own, never a root. */
            if (roots_add(roots, "-") != 0)
                return error_set(err, COPS_ENOMEM, "out of memory");
            continue;
        }
        /* A path is shown by its start, as the walk's warnings do: one
         * PATH_MAX long would fill the terminal. */
        const char *cut = strlen(inputs[i]) > 200 ? "..." : "";
        if (!options->remove && stat(inputs[i], &status) != 0) {
            build_warn(options, "%.200s%s: cannot read input: %s, skipped", inputs[i], cut,
                       strerror(errno));
            (*missing)++;
            continue;
        }
        char *canonical = NULL;
        int rc = roots_canonical(inputs[i], &canonical);
        if (rc == COPS_ENOMEM)
            return error_set(err, COPS_ENOMEM, "out of memory");
        /* Not out of memory: the path (made absolute) is PATH_MAX long
         * or longer, no identity an update could check. */
        if (rc == COPS_EINVAL && !*inputs[i])
            return error_set(err, COPS_EINVAL, "an input path is empty");
        if (rc == COPS_EINVAL)
            return error_set(err, COPS_EINVAL,
                             "%.200s%s: input path too long: made absolute, it is %d bytes or more",
                             inputs[i], cut, PATH_MAX);
        if (rc == 0)
            rc = roots_add(roots, canonical);
        free(canonical);
        if (rc != 0)
            return error_set(err, COPS_ENOMEM, "out of memory");
    }
    return 0;
}

int build_run(const build_request *given, build_begin_function *begin,
              const char *const *inputs, size_t input_count, cops_build_summary *summary,
              cops_error *err)
{
    progress_clock clock;
    memset(&clock, 0, sizeof clock);
    clock.options = given->options;
    clock_gettime(CLOCK_MONOTONIC, &clock.started);
    cops_build_summary figures;
    memset(&figures, 0, sizeof figures);
    if (summary)
        memset(summary, 0, sizeof *summary);

    roots_list roots = {0};
    int by_id = given->options->delete_by_id;
    int rc = by_id ? 0
                   : resolve_inputs(inputs, input_count, given->options, &roots,
                                    &figures.inputs_missing, err);
    build_request request = *given;
    if (by_id) {
        request.ids = inputs;
        request.id_count = input_count;
    }
    request.roots = (const char *const *)roots.paths;
    request.root_count = roots.count;
    request.refresh_all = input_count == 0;
    if (rc == 0 && input_count > 0 && roots.count == 0 && !by_id)
        rc = error_set(err, COPS_EINPUT, "none of the %zu inputs named can be read",
                       input_count);
    build_engine engine;
    memset(&engine, 0, sizeof engine);
    if (rc == 0)
        rc = begin(&request, &engine, err);
    if (rc != 0) {
        roots_free(&roots);
        return rc;
    }
    const char *const *walked = request.roots;
    size_t walked_count = request.root_count;
    /* Each input's reading options, when the engine keeps them per root
     * (one per root of the request, or per known root when it names none). */
    const source_patterns *patterns = engine.known_patterns;
    if (request.refresh_all) {
        walked = engine.known_roots;
        walked_count = engine.known_root_count;
    }
    source_stats read;
    memset(&read, 0, sizeof read);
    if (!given->options->remove && !by_id)
        rc = feed_engine(walked, walked_count, patterns, &request, &engine, &clock, &read, err);
    figures.documents_skipped = read.skipped;
    figures.input_bytes = read.bytes_read;
    figures.warnings = read.warnings + figures.inputs_missing;
    figures.invalid_utf8 = read.invalid_utf8;
    source_stats_describe(&read, figures.formats, sizeof figures.formats);
    if (rc == 0)
        rc = engine.commit(engine.context, &read, &figures, err);
    else
        engine.abort(engine.context);
    roots_free(&roots);
    figures.seconds = seconds_since(&clock.started);
    if (summary)
        *summary = figures;
    return rc;
}
