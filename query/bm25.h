/*
 * bm25.h — the BM25 scoring scheme, per-key constants precomputed.
 *
 * For a key t of field f (body or title) in a document d:
 *
 *   idf(t)   = ln(1 + (N - df + 0.5) / (df + 0.5))
 *   score    = w_f * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len_f(d) / avglen_f))
 *
 * N documents, df documents containing t, tf occurrences of t in field f of
 * d, len_f(d) the field's length in tokens, avglen_f its mean over the
 * collection, w_f the field weight (1 for body, the title weight for
 * title; 0 for a stop word of a long query).  This is the Lucene form of idf (never negative);
 * query/RANKING.md compares it with Xapian's.
 *
 * What pruning relies on: for k1 >= 0 and 0 <= b <= 1 (cops_search
 * checks them) the score never falls as tf rises and never rises as
 * len_f(d) rises, so the largest tf at the smallest length bounds a
 * key's score over a block of documents (the block-max bounds of the
 * operators, CopsBM25Weight's get_maxpart).  A new scheme must keep this
 * or give up those bounds.  w_f may be 0 (the function words of a long
 * query, query/stopwords.h): the score is then 0 everywhere and so is its
 * bound.  Pseudo-relevance feedback multiplies whole sub-queries by
 * factors > 0 (query/op-scale.c), which keeps both properties.
 *
 * This is the one statement of the formula: the Xapian engine's exact
 * weighting (CopsBM25Weight in xapian/cops_xapian.cc) calls bm25_prepare
 * and bm25_score too.
 */
#ifndef COPS_QUERY_BM25_H
#define COPS_QUERY_BM25_H

#include <stdint.h>

typedef struct bm25_params {
    double k1;
    double b;
    int scheme;          /* cops_weight (query/weight.h); 0: BM25 */
    double parameter;    /* the scheme's own parameter (weight.h); 0: its default */
} bm25_params;

typedef struct bm25_term {
    double weight_idf;   /* w_f * idf * (k1 + 1) */
    double k1;
    double length_base;  /* k1 * (1 - b) */
    double length_scale; /* k1 * b / avglen_f */
    double idf;          /* kept for --explain */
    double field_weight;
    uint32_t df;
    int title;           /* 1 when the key is a title key */
    /* Other schemes (query/weight.h); BM25 leaves them 0. */
    int scheme;          /* cops_weight */
    double parameter;    /* delta (BM25+, BM25L), c (InL2), mu (LM) */
    double average_length;
    double background;   /* LM: mu times the key's collection probability */
} bm25_term;

/* Precompute the constants of one key. */
void bm25_prepare(bm25_term *term, const bm25_params *params, uint64_t documents, uint32_t df,
                  double average_length, double field_weight, int title);

static inline double bm25_score(const bm25_term *term, uint32_t tf, uint32_t length)
{
    double f = (double)tf;
    return term->weight_idf * f / (f + term->length_base + term->length_scale * (double)length);
}

#endif
