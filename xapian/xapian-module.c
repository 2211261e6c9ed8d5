/*
 * xapian-module.c — the entry of the Xapian engine module, and the
 * functions of libcops it calls, forwarded through the table libcops hands
 * it (xapian-module.h).  Built only into the module: programs linked with
 * the internal library (tests, bench) get the real functions instead.
 */
#include "config.h"

#include "xapian/xapian-module.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const xapian_module_host *host;

module_entry cops_xapian_module;

const void *cops_xapian_module(const char *abi, const void *given)
{
    static const xapian_module engine = {
        .build_begin = xapian_build_begin,
        .open = xapian_engine_open,
        .search = xapian_engine_search,
        .close = xapian_engine_close,
        .document = xapian_engine_document,
    };
    if (!abi || strcmp(abi, XAPIAN_MODULE_ABI) != 0)
        return NULL;
    host = given;
    return &engine;
}

/* ------------------------------------------------- libcops, forwarded */

/* The variadic two are formatted here and handed over as one string. */
int error_set(cops_error *err, int code, const char *format, ...)
{
    char message[COPS_ERROR_MESSAGE_MAX];
    MODULE_FORMAT(message, format);
    return host->error_set(err, code, "%s", message);
}

int error_set_errno(cops_error *err, int code, int errnum, const char *format, ...)
{
    char message[COPS_ERROR_MESSAGE_MAX];
    MODULE_FORMAT(message, format);
    return host->error_set_errno(err, code, errnum, "%s", message);
}

void analyzer_config_init(analyzer_config *config) { host->analyzer_config_init(config); }

int analyzer_new(const analyzer_config *config, analyzer **out, cops_error *err)
{
    return host->analyzer_new(config, out, err);
}

void analyzer_free(analyzer *text_analyzer) { host->analyzer_free(text_analyzer); }

int analyzer_run(analyzer *text_analyzer, const char *text, size_t length,
                 uint32_t first_position, int flags,
                 int (*emit)(void *context, const analyzer_token *token), void *context,
                 analyzer_counts *counts, uint32_t *next_position)
{
    return host->analyzer_run(text_analyzer, text, length, first_position, flags, emit, context,
                              counts, next_position);
}

int lower_query(analyzer *text_analyzer, const query_node *tree, const lower_options *options,
                lower_plan **out, cops_error *err)
{
    return host->lower_query(text_analyzer, tree, options, out, err);
}

void lower_plan_free(lower_plan *plan) { host->lower_plan_free(plan); }

void *lower_build(const lower_node *node, const lower_builder *builder, void *engine)
{
    return host->lower_build(node, builder, engine);
}

int snippet_plan_build(analyzer *text_analyzer, const query_node *query, snippet_plan *plan)
{
    return host->snippet_plan_build(text_analyzer, query, plan);
}

void snippet_plan_free(snippet_plan *plan) { host->snippet_plan_free(plan); }

int results_reserve(cops_results *results, size_t count, cops_error *err)
{
    return host->results_reserve(results, count, err);
}

int results_add_hit(cops_results *results, analyzer *text_analyzer, const snippet_plan *plan,
                    uint32_t doc, double score, const char *id, size_t id_length,
                    const char *title, size_t title_length, uint32_t date, snippet_source *text,
                    cops_error *err)
{
    return host->results_add_hit(results, text_analyzer, plan, doc, score, id, id_length, title,
                                 title_length, date, text, err);
}

int document_new(const document_parts *parts, size_t max_text, cops_document **out,
                 cops_error *err)
{
    return host->document_new(parts, max_text, out, err);
}

uint32_t source_date_number(const char *date) { return host->source_date_number(date); }

int record_ids_note(record_ids *ids, const cops_build_options *options,
                    const source_document *document, uint32_t doc, int *replaced)
{
    return host->record_ids_note(ids, options, document, doc, replaced);
}

void record_ids_free(record_ids *ids) { host->record_ids_free(ids); }

int record_ids_error(const record_ids *ids, int rc, cops_error *err)
{
    return host->record_ids_error(ids, rc, err);
}

void bm25_prepare(bm25_term *term, const bm25_params *params, uint64_t documents, uint32_t df,
                  double average_length, double field_weight, int title)
{
    host->bm25_prepare(term, params, documents, df, average_length, field_weight, title);
}

void lower_note_cut(const lower_plan *plan, const lower_node *node, size_t found, int stopped)
{
    host->lower_note_cut(plan, node, found, stopped);
}

int results_add_notes(cops_results *results, const lower_notes *notes, cops_error *err)
{
    return host->results_add_notes(results, notes, err);
}

size_t suggest_edit_distance(const uint8_t *a, size_t a_length, const uint8_t *b,
                             size_t b_length)
{
    return host->suggest_edit_distance(a, a_length, b, b_length);
}

size_t suggest_buckets(const char *term, size_t length, char buckets[2])
{
    return host->suggest_buckets(term, length, buckets);
}

size_t fuzzy_keep(fuzzy_candidate *candidates, size_t count, size_t limit)
{
    return host->fuzzy_keep(candidates, count, limit);
}

size_t prefix_scan_cap(size_t max_terms) { return host->prefix_scan_cap(max_terms); }

int xapian_stub_read(const char *stub_path, int follow_symlink, xapian_stub *out,
                     cops_error *err)
{
    return host->xapian_stub_read(stub_path, follow_symlink, out, err);
}

int xapian_stub_check(const xapian_stub *stub, const char *stub_path, unsigned allow,
                      cops_error *err)
{
    return host->xapian_stub_check(stub, stub_path, allow, err);
}

void xapian_stub_free(xapian_stub *stub) { host->xapian_stub_free(stub); }

int xapian_glass_check(const char *dir, cops_error *err)
{
    return host->xapian_glass_check(dir, err);
}

int xapian_has_regular_file(const char *dir, const char *name)
{
    return host->xapian_has_regular_file(dir, name);
}

int xapian_pin_glass(int dir_fd, const char *shown, xapian_pin **out, cops_error *err)
{
    return host->xapian_pin_glass(dir_fd, shown, out, err);
}

const char *xapian_pin_dir(const xapian_pin *pin) { return host->xapian_pin_dir(pin); }

void xapian_pin_free(xapian_pin *pin) { host->xapian_pin_free(pin); }

int xapian_pin_refresh(xapian_pin *pin, cops_error *err)
{
    return host->xapian_pin_refresh(pin, err);
}
