/*
 * plan.h — from a parsed query tree to a matcher tree over one segment.
 *
 * Words and phrases go through the index's analyzer, exactly as documents
 * did; a word that analyses to several terms (community-oriented) becomes
 * a phrase of them.  A word or phrase without a field matches the body or
 * the title, the title weighted (cops_search_options.title_weight).  BM25
 * constants use collection-wide statistics (all segments).
 */
#ifndef COPS_QUERY_PLAN_H
#define COPS_QUERY_PLAN_H

#include "cops.h"
#include "query/index.h"
#include "query/matcher.h"
#include "query/parser.h"

/* The words of one query word or phrase as the index's analyzer gives
 * them, with their positions (a phrase's offsets).  Shared by every
 * planner (native and Xapian). */
#define PLAN_MAX_PHRASE_TERMS 64
typedef struct plan_words {
    char terms[PLAN_MAX_PHRASE_TERMS][ANALYZER_MAX_TERM_BYTES + 1];
    uint32_t positions[PLAN_MAX_PHRASE_TERMS];
    size_t count;
} plan_words;

/* Analyse `text` into `out`; COPS_ELIMIT (message says so) beyond
 * PLAN_MAX_PHRASE_TERMS words, or the analyzer's error. */
int plan_analyze_words(analyzer *text_analyzer, const char *text, int flags, plan_words *out,
                       cops_error *err);

/* The analysed terms a query looks for, for highlighting snippets. */
typedef struct highlight_terms {
    char **terms;
    unsigned char *is_prefix;
    size_t count, capacity;
} highlight_terms;

void highlight_terms_free(highlight_terms *terms);

/* Add to `terms` the analysed words a hit of `query` can have matched
 * (words, phrases, prefixes; not those under NOT).  Returns 0 or
 * COPS_ENOMEM. */
int plan_highlight_terms(analyzer *text_analyzer, const query_node *query, highlight_terms *terms);

/* Build the matcher of `query` over segment `segment_number` of `index`.
 * *out (OUT) receives the tree (free with matcher_free).  Fails with
 * COPS_ELIMIT for a prefix expanding beyond options->max_prefix_terms or
 * all of them together beyond options->max_query_prefix_terms (both
 * counted in this segment),
 * COPS_ECORRUPT for damage, COPS_ENOMEM. */
int plan_query(cops_index *index, size_t segment_number, const query_node *query,
               const cops_search_options *options, matcher **out, cops_error *err);

#endif
