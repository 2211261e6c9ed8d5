/*
 * segment-build.c — documents to one segment (segment-build.h).
 */
#include "config.h"

#include "indexer/segment-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "index-format/segment.h"
#include "indexer/inverter.h"

struct segment_build {
    char *path;
    analyzer *analyzer;
    analyzer_config config;
    inverter *inverter;
    segment_writer *writer;
    cops_error *err;             /* of the add in progress */
    uint32_t documents;
    uint64_t body_tokens, title_tokens;
    uint8_t key[ANALYZER_MAX_TERM_BYTES + 1];
    int title_field;
    analyzer_counts counts;
};

int segment_build_begin(const char *dir, const char *name, analyzer *text_analyzer,
                        const analyzer_config *config, size_t budget_bytes, segment_build **out,
                        cops_error *err)
{
    *out = NULL;
    segment_build *b = calloc(1, sizeof *b);
    size_t length = strlen(dir) + strlen(name) + 2;
    if (!b || !(b->path = malloc(length))) {
        free(b);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    snprintf(b->path, length, "%s/%s", dir, name);
    b->analyzer = text_analyzer;
    b->config = *config;
    analyzer_counts_init(&b->counts);
    unlink(b->path); /* a leftover of a build that never committed */
    int rc = segment_writer_open(b->path, &b->writer, err);
    if (rc == 0)
        rc = inverter_new(budget_bytes, dir, &b->inverter, err);
    if (rc != 0) {
        segment_build_abort(b);
        return rc;
    }
    *out = b;
    return 0;
}

static int emit_term(void *context, const analyzer_token *token)
{
    segment_build *b = context;
    size_t offset = 0;
    if (b->title_field)
        b->key[offset++] = (uint8_t)SEGMENT_FIELD_TITLE;
    memcpy(b->key + offset, token->term, token->term_length);
    return inverter_add(b->inverter, b->key, offset + token->term_length, token->position, b->err);
}

/* YYYY-MM-DD -> YYYYMMDD (the source module validated it). */
static uint32_t date_number(const char *date)
{
    if (!date || strlen(date) < 10)
        return 0;
    return (uint32_t)(atoi(date) * 10000 + atoi(date + 5) * 100 + atoi(date + 8));
}

int segment_build_add(segment_build *b, const source_document *document, cops_error *err)
{
    uint32_t title_length = 0, body_length = 0;
    b->err = err;
    b->title_field = 1;
    int rc = analyzer_run(b->analyzer, document->title, strlen(document->title), 0, 0, emit_term,
                          b, &b->counts, &title_length);
    if (rc == 0) {
        b->title_field = 0;
        rc = analyzer_run(b->analyzer, document->text, document->text_length, 0, 0, emit_term, b,
                          &b->counts, &body_length);
    }
    if (rc == 0)
        rc = segment_writer_add_document(b->writer, document->id, document->title,
                                         date_number(document->date), document->text,
                                         document->text_length, body_length, title_length, err);
    if (rc == 0)
        rc = inverter_end_document(b->inverter, b->documents, err);
    if (rc != 0)
        return rc < 0 ? rc : error_set(err, COPS_ENOMEM, "analysis failed");
    b->documents++;
    b->body_tokens += body_length;
    b->title_tokens += title_length;
    return 0;
}

uint32_t segment_build_documents(const segment_build *b) { return b->documents; }

static void free_build(segment_build *b)
{
    inverter_free(b->inverter);
    free(b->path);
    free(b);
}

int segment_build_finish(segment_build *b, segment_build_result *result, cops_error *err)
{
    memset(result, 0, sizeof *result);
    result->counts = b->counts;
    if (b->documents == 0) {
        segment_build_abort(b);
        return 0;
    }
    inverter_stats inverted;
    memset(&inverted, 0, sizeof inverted);
    int rc = inverter_finish(b->inverter, b->writer, &inverted, err);
    if (rc == 0) {
        segment_meta meta;
        memset(&meta, 0, sizeof meta);
        meta.documents = b->documents;
        meta.body_tokens = b->body_tokens;
        meta.title_tokens = b->title_tokens;
        meta.terms = inverted.terms;
        meta.postings = inverted.postings;
        meta.stem = b->config.stem;
        snprintf(meta.language, sizeof meta.language, "%s", b->config.language);
        rc = segment_writer_finish(b->writer, &meta, &result->bytes, err);
        b->writer = NULL; /* finish frees it either way */
    }
    if (rc != 0) {
        segment_build_abort(b);
        return rc;
    }
    result->documents = b->documents;
    result->terms = inverted.terms;
    result->postings = inverted.postings;
    result->tokens = b->body_tokens + b->title_tokens;
    result->peak_memory_bytes = inverted.peak_bytes;
    free_build(b);
    return 0;
}

void segment_build_abort(segment_build *b)
{
    if (!b)
        return;
    segment_writer_abort(b->writer); /* removes the file */
    free_build(b);
}
