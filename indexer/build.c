/*
 * build.c — cops_build(): inputs to a committed index directory.
 *
 * Documents flow source_walk (on the feed's reader thread) -> analyzer ->
 * inverter (postings) and segment writer (stored text, lengths, dates,
 * compressed on the writer's thread); at the end the inverter
 * merges into the segment, the segment is fsynced, and the manifest is
 * replaced atomically.  Until that rename nothing a reader sees changes,
 * and every failure path removes what this build wrote.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "analysis/analyzer.h"
#include "base/error.h"
#include "cops.h"
#include "index-format/manifest.h"
#include "index-format/segment.h"
#include "indexer/feed.h"
#include "indexer/inverter.h"
#include "indexer/source.h"
#ifdef HAVE_XAPIAN
#include "xapian/xapian-engine.h"
#endif

#define DEFAULT_MEMORY_MB 256

void cops_build_options_init(cops_build_options *options)
{
    memset(options, 0, sizeof *options);
    options->language = "english";
    options->stem = 1;
    options->memory_mb = DEFAULT_MEMORY_MB;
}

typedef struct build_state {
    const cops_build_options *options;
    analyzer *analyzer;
    inverter *inverter;
    segment_writer *writer;
    cops_error *err;
    uint32_t documents;
    uint64_t body_tokens, title_tokens;
    uint8_t key[ANALYZER_MAX_TERM_BYTES + 1];
    int title_field;
    analyzer_counts counts;
    uint64_t bytes_total;
    uint64_t bytes_read;
    struct timespec started;
    double last_progress;
} build_state;

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int emit_term(void *context, const analyzer_token *token)
{
    build_state *s = context;
    size_t offset = 0;
    if (s->title_field)
        s->key[offset++] = (uint8_t)SEGMENT_FIELD_TITLE;
    memcpy(s->key + offset, token->term, token->term_length);
    return inverter_add(s->inverter, s->key, offset + token->term_length, token->position, s->err);
}

/* YYYY-MM-DD -> YYYYMMDD (the source module already validated it). */
static uint32_t date_number(const char *date)
{
    if (!date || strlen(date) < 10)
        return 0;
    return (uint32_t)(atoi(date) * 10000 + atoi(date + 5) * 100 + atoi(date + 8));
}

static int index_document(build_state *s, const source_document *document)
{
    uint32_t title_length = 0, body_length = 0;
    s->title_field = 1;
    int rc = analyzer_run(s->analyzer, document->title, strlen(document->title), 0, 0, emit_term, s,
                          &s->counts, &title_length);
    if (rc == 0) {
        s->title_field = 0;
        rc = analyzer_run(s->analyzer, document->text, document->text_length, 0, 0, emit_term, s,
                          &s->counts, &body_length);
    }
    if (rc == 0)
        rc = segment_writer_add_document(s->writer, document->id, document->title,
                                         date_number(document->date), document->text,
                                         document->text_length, body_length, title_length, s->err);
    if (rc == 0)
        rc = inverter_end_document(s->inverter, s->documents, s->err);
    if (rc != 0)
        return rc < 0 ? rc : error_set(s->err, COPS_ENOMEM, "analysis failed");
    s->documents++;
    s->body_tokens += body_length;
    s->title_tokens += title_length;
    s->bytes_read += document->text_length;
    if (s->options->on_progress && (s->documents & 63) == 0) {
        double now = seconds_since(&s->started);
        if (now - s->last_progress >= 1.0) {
            s->last_progress = now;
            cops_build_progress progress = {s->documents, s->bytes_read, s->bytes_total, now};
            s->options->on_progress(s->options->context, &progress);
        }
    }
    return 0;
}

/* Exclusive writer lock on dir/LOCK, holding our pid for the message a
 * second writer gets.  Released when the descriptor closes. */
static int lock_index(const char *dir, int *fd_out, cops_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[32] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        return error_set(err, COPS_ELOCKED, "index %s is being updated by pid %s", dir,
                         holder[0] ? holder : "?");
    }
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)length, 0) != length) {
        close(fd);
        return error_set_errno(err, COPS_EIO, errno, "cannot write %s", path);
    }
    *fd_out = fd;
    return 0;
}

static int make_directory(const char *dir, cops_error *err)
{
    char path[4096];
    if (strlen(dir) >= sizeof path)
        return error_set(err, COPS_EINVAL, "index path too long");
    strcpy(path, dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return error_set_errno(err, COPS_EIO, errno, "cannot create %s", path);
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return error_set_errno(err, COPS_EIO, errno, "cannot create index directory %s", path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return error_set(err, COPS_EIO, "%s exists and is not a directory", path);
    return 0;
}

/* Remove files of earlier builds that the committed manifest no longer
 * names: old segments and leftovers of interrupted builds. */
static void remove_unreferenced(const char *dir, const manifest *current)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        int ours = (strncmp(name, "seg-", 4) == 0) || (strncmp(name, "run-", 4) == 0);
        if (!ours)
            continue;
        int referenced = 0;
        for (size_t i = 0; i < current->segment_count; i++)
            referenced |= strcmp(current->segments[i].name, name) == 0;
        if (!referenced) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            unlink(path);
        }
    }
    closedir(d);
}

static void forward_warning(void *context, const char *message)
{
    const cops_build_options *options = context;
    if (options->on_warning)
        options->on_warning(options->context, message);
    else
        fprintf(stderr, "cops-index: warning: %s\n", message);
}

int cops_build(const char *index_dir, const char *const *inputs, size_t input_count,
               const cops_build_options *user_options, cops_build_summary *summary, cops_error *err)
{
    cops_build_options options;
    if (user_options)
        options = *user_options;
    else
        cops_build_options_init(&options);
    if (!options.language)
        options.language = "english";
    if (options.memory_mb == 0)
        options.memory_mb = DEFAULT_MEMORY_MB;
    if (options.memory_mb < 16)
        return error_set(err, COPS_EINVAL, "--memory %zu MB is too small (at least 16)",
                         options.memory_mb);
    if (input_count == 0)
        return error_set(err, COPS_EINVAL, "nothing to index: no input files or folders");
    if (options.engine == COPS_ENGINE_XAPIAN) {
#ifdef HAVE_XAPIAN
        return xapian_engine_build(index_dir, inputs, input_count, &options, summary, err);
#else
        return error_set(err, COPS_EUNSUPPORTED, "the Xapian engine is not built in (configure "
                         "--with-xapian; Debian: libxapian-dev)");
#endif
    }
    if (options.shards > 1)
        return error_set(err, COPS_EINVAL, "--shards is for the Xapian engine");

    build_state state;
    memset(&state, 0, sizeof state);
    state.options = &options;
    state.err = err;
    clock_gettime(CLOCK_MONOTONIC, &state.started);
    analyzer_counts_init(&state.counts);

    analyzer_config config;
    analyzer_config_init(&config);
    config.stem = options.stem;
    if (strlen(options.language) >= sizeof config.language)
        return error_set(err, COPS_EINVAL, "unknown language '%s'", options.language);
    strcpy(config.language, options.stem ? options.language : "none");

    int lock_fd = -1;
    int rc = analyzer_new(&config, &state.analyzer, err);
    if (rc == 0)
        rc = make_directory(index_dir, err);
    if (rc == 0)
        rc = lock_index(index_dir, &lock_fd, err);

    manifest previous;
    int have_previous = 0;
    if (rc == 0) {
        cops_error ignored;
        have_previous = manifest_read(index_dir, &previous, &ignored) == 0;
    }
    manifest next;
    memset(&next, 0, sizeof next);
    next.generation = have_previous ? previous.generation + 1 : 1;
    snprintf(next.segments[0].name, sizeof next.segments[0].name, "seg-%06llu.cops",
             (unsigned long long)next.generation);
    next.segment_count = 1;
    char segment_path_buffer[4096];
    snprintf(segment_path_buffer, sizeof segment_path_buffer, "%s/%s", index_dir,
             next.segments[0].name);

    if (rc == 0) {
        unlink(segment_path_buffer); /* a leftover of a build that never committed */
        rc = segment_writer_open(segment_path_buffer, &state.writer, err);
    }
    if (rc == 0) {
        size_t budget = options.memory_mb * 1024 * 1024 / 10 * 7; /* the rest: analysis, I/O */
        rc = inverter_new(budget, index_dir, &state.inverter, err);
    }

    source_options sources;
    source_options_init(&sources);
    sources.id_field = options.id_field;
    sources.title_field = options.title_field;
    sources.text_field = options.text_field;
    sources.date_field = options.date_field;
    sources.exclude_directory = index_dir;
    sources.on_warning = forward_warning;
    sources.context = &options;
    source_stats source_counts;
    memset(&source_counts, 0, sizeof source_counts);
    if (rc == 0) {
        state.bytes_total = options.on_progress ? source_estimate_bytes(inputs, input_count) : 0;
        feed *reader = NULL;
        rc = feed_start(inputs, input_count, &sources, &reader, err);
        const source_document *document;
        while (rc == 0 && (document = feed_next(reader)) != NULL)
            rc = index_document(&state, document);
        cops_error reader_error = {0};
        int read_rc = feed_finish(reader, &source_counts, &reader_error);
        if (rc == 0 && read_rc != 0) {
            rc = read_rc;
            if (err)
                *err = reader_error;
        }
    }
    if (rc == 0 && state.documents == 0)
        rc = error_set(err, COPS_EINPUT, "no documents to index in the given inputs (%llu skipped)",
                       (unsigned long long)source_counts.skipped);

    inverter_stats inverted;
    memset(&inverted, 0, sizeof inverted);
    uint64_t segment_bytes = 0;
    if (rc == 0)
        rc = inverter_finish(state.inverter, state.writer, &inverted, err);
    if (rc == 0) {
        segment_meta meta;
        memset(&meta, 0, sizeof meta);
        meta.documents = state.documents;
        meta.body_tokens = state.body_tokens;
        meta.title_tokens = state.title_tokens;
        meta.terms = inverted.terms;
        meta.postings = inverted.postings;
        meta.stem = config.stem;
        snprintf(meta.language, sizeof meta.language, "%s", config.language);
        rc = segment_writer_finish(state.writer, &meta, &segment_bytes, err);
        state.writer = NULL; /* finish frees it either way */
    }
    int committed = 0;
    if (rc == 0) {
        next.segments[0].bytes = segment_bytes;
        next.segments[0].documents = state.documents;
        rc = manifest_commit(index_dir, &next, &committed, err);
    }
    segment_writer_abort(state.writer);
    if (rc != 0 && !committed)
        unlink(segment_path_buffer);
    inverter_free(state.inverter);
    analyzer_free(state.analyzer);
    if (rc == 0)
        remove_unreferenced(index_dir, &next);
    if (lock_fd >= 0)
        close(lock_fd);

    if (summary) {
        memset(summary, 0, sizeof *summary);
        summary->documents = state.documents;
        summary->documents_skipped = source_counts.skipped;
        summary->terms = inverted.terms;
        summary->postings = inverted.postings;
        summary->tokens = state.body_tokens + state.title_tokens;
        summary->input_bytes = source_counts.bytes_read;
        summary->index_bytes = segment_bytes;
        summary->warnings = source_counts.warnings;
        summary->invalid_utf8 = source_counts.invalid_utf8 + state.counts.invalid_sequences;
        summary->long_tokens = state.counts.long_tokens;
        summary->seconds = seconds_since(&state.started);
        summary->peak_memory_bytes = inverted.peak_bytes;
    }
    return rc;
}

const char **cops_stemmer_languages(void) { return analyzer_languages(); }
