/*
 * results.h — building a cops_results (the public result list) from any
 * engine: the native search and the Xapian engine fill it the same way,
 * so the printers and the accessors of cops.h serve both.
 */
#ifndef COPS_QUERY_RESULTS_H
#define COPS_QUERY_RESULTS_H

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/lower.h"
#include "query/snippet.h"
#include "query/suggest.h"

struct cops_results {
    cops_search_options options;
    double milliseconds;
    uint64_t total;
    int total_exact;
    cops_hit *hits;
    size_t count;
    char *tree;
    char *tree_json;             /* the tree as JSON (cops_results_query_json) */
    size_t snippet_scan_left;    /* bytes the snippets may still analyse */
    char *relaxed_words;         /* cops_results_relaxed: NULL unless relaxed */
    size_t relaxed_required, relaxed_word_count;
    suggestion *suggestions;     /* cops_results_suggestion */
    size_t suggestion_count;
    int suggested;               /* 1 once looked for (a relaxed search runs again) */
    char **notes;                /* cops_results_note */
    size_t note_count;
    cops_date_bucket *months;    /* cops_results_date_histogram, sorted when
                                  * the search is done (in the order met before) */
    size_t month_count, month_capacity, month_last;
    size_t *month_slots;         /* months' positions + 1 by month (results.c) */
    size_t month_slot_count;
    uint64_t undated;
    struct results_text *texts;  /* the hits' ids, titles, dates, index names and
                                  * source files (results.c, keep_text) */
};

/* A new, empty result list for `options`; NULL when out of memory. */
cops_results *results_new(const cops_search_options *options);

/* The last hit's source: a record's file and line (copied). */
int results_set_source(cops_results *results, const char *file, uint64_t line, cops_error *err);

/* Count one match dated `date` (YYYYMMDD, 0 = undated) in the date
 * histogram; COPS_ENOMEM, or COPS_ELIMIT past
 * COPS_DATE_HISTOGRAM_MAX_MONTHS months. */
int results_count_date(cops_results *results, uint32_t date, cops_error *err);

/* Sort the months counted (results_count_date keeps them in the order
 * met); 0 or COPS_ENOMEM. */
int results_sort_date_histogram(cops_results *results, cops_error *err);

/* Forget the date histogram (a relaxed search counts again). */
void results_clear_date_histogram(cops_results *results);

/* Make room for `count` hits (zeroed); COPS_ENOMEM on failure. */
int results_reserve(cops_results *results, size_t count, cops_error *err);

/* Fill hit `results->count` (then count it) from borrowed document fields;
 * `text` is only read for the snippet (options.snippets, see
 * snippet_build; NULL: an empty text).  `date` is YYYYMMDD or 0.
 * COPS_ENOMEM on failure, or the error of text->read_more. */
int results_add_hit(cops_results *results, analyzer *text_analyzer, const snippet_plan *plan,
                    uint32_t doc, double score, const char *id, size_t id_length,
                    const char *title, size_t title_length, uint32_t date, snippet_source *text,
                    cops_error *err);

/* Name the index the last hit added came from (cops_hit.index, copied);
 * COPS_ENOMEM on failure. */
int results_set_index_name(cops_results *results, const char *name, cops_error *err);

/* Add the notes of planning (lower.h) to cops_results_note's, each at
 * most once (a relaxed search plans again).  COPS_ENOMEM on failure. */
int results_add_notes(cops_results *results, const lower_notes *notes, cops_error *err);

/* Keep the parsed query as an --explain tree, as text and as JSON. */
void results_set_tree(cops_results *results, const query_node *query);

/* What an engine found of a document looked up by id (cops_document_get):
 * borrowed bytes, copied by document_new. */
typedef struct document_parts {
    const char *id;
    size_t id_length;
    const char *title;
    size_t title_length;
    uint32_t date;              /* YYYYMMDD, 0 when undated */
    const char *text;           /* at least the first max_text bytes read, when there are */
    size_t text_length;
    size_t stored_length;       /* of the whole stored text */
    const char *index;          /* its index's name, or NULL */
} document_parts;

/* A cops_document holding copies of `parts`, its text cut to `max_text`
 * bytes before a whole character; *out (OUT) is freed with
 * cops_document_free.  0 or COPS_ENOMEM. */
int document_new(const document_parts *parts, size_t max_text, cops_document **out,
                 cops_error *err);
/* Give `document` the highlight spans `spans` (malloc'd; it owns them now). */
void document_set_highlights(cops_document *document, cops_span *spans, size_t count);

#endif
