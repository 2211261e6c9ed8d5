/*
 * search.h — the native engine's search, and what cops_search
 * (engine/engine.c) does for every engine before it: the options settled
 * and the query parsed.
 */
#ifndef COPS_QUERY_SEARCH_H
#define COPS_QUERY_SEARCH_H

#include "cops.h"
#include "query/parser.h"

/* The caller's options (`given`, may be NULL) with the defaults filled
 * in, checked (COPS_EINVAL, COPS_ELIMIT), into `options`. */
int search_settle_options(const cops_search_options *given, cops_search_options *options,
                          cops_error *err);

/* Parse `query_text` as `options` say (literal, default operator); free
 * *out with query_free. */
int search_parse(const char *query_text, const cops_search_options *options, query_node **out,
                 cops_error *err);

/* Search a native index: fills `results` (made by results_new with
 * `options`): the total, the hits asked for with their snippets and
 * explanations. */
int native_search(cops_index *index, const query_node *query, const cops_search_options *options,
                  cops_results *results, cops_error *err);

#endif
