/*
 * weight.h — the weighting schemes behind cops_search_options.weight, one
 * file per scheme (weight-*.c) beside BM25 (bm25.h), as Xapian keeps one
 * class per weight.  query/RANKING.md has the formulas and
 * bench/RELEVANCE.md their measurements.
 *
 * Every scheme keeps the property pruning relies on (bm25.h): for a
 * fixed key the score never falls as tf rises and never rises as the
 * field's length rises, so the score at a block's largest tf and
 * smallest length bounds the block.  Each file says why its formula does.
 *
 * The operators call weight_score: BM25 inline (the default's hot path
 * gains one predictable branch), the others out of line.
 */
#ifndef COPS_QUERY_WEIGHT_H
#define COPS_QUERY_WEIGHT_H

#include <stdint.h>

#include "cops.h"
#include "query/bm25.h"

/* The constants of one key under params->scheme.  cf: the key's
 * occurrences in the collection (only the language model uses it). */
void weight_prepare(bm25_term *term, const bm25_params *params, uint64_t documents, uint32_t df,
                    uint64_t cf, double average_length, double field_weight, int title);

/* The score of a scheme other than BM25 (weight.c dispatches). */
double weight_score_other(const bm25_term *term, uint32_t tf, uint32_t length);

static inline double weight_score(const bm25_term *term, uint32_t tf, uint32_t length)
{
    return term->scheme == COPS_WEIGHT_BM25 ? bm25_score(term, tf, length)
                                            : weight_score_other(term, tf, length);
}

/* One term's line of --explain into line[size] (NUL-terminated, cut to
 * fit), returning its length:
 * "LABEL: SCORE (weight W, idf I, df D, tf T, field length L[, SCHEME])\n",
 * indented by 2 * depth; SCHEME only for a scheme other than BM25, its
 * "idf" the scheme's own (weight-*.c).  query/output.c reads it back. */
size_t weight_explain_line(char *line, size_t size, int depth, const char *label, double score,
                           const bm25_term *term, uint32_t tf, uint32_t length);

/* The name of a scheme ("bm25", "bm25+", "bm25l", "inl2", "lm"), and back
 * (-1 for an unknown name). */
const char *weight_name(cops_weight scheme);
int weight_from_name(const char *name);

/* The schemes, each in its own file: prepare sets term->parameter (the
 * default for 0) and whatever else it needs beyond bm25_prepare's. */
void bm25_plus_prepare(bm25_term *term);
double bm25_plus_score(const bm25_term *term, uint32_t tf, uint32_t length);
void bm25l_prepare(bm25_term *term);
double bm25l_score(const bm25_term *term, uint32_t tf, uint32_t length);
void inl2_prepare(bm25_term *term, uint64_t documents, uint32_t df);
double inl2_score(const bm25_term *term, uint32_t tf, uint32_t length);
void lm_prepare(bm25_term *term, uint64_t documents, uint64_t cf);
double lm_score(const bm25_term *term, uint32_t tf, uint32_t length);

#endif
