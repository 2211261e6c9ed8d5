/*
 * weight-bm25plus.c — BM25+ (Lv & Zhai, "Lower-bounding term frequency
 * normalization", CIKM 2011):
 *
 *   score = w_f * idf * ((k1 + 1) * tf / (tf + k1 * (1 - b + b * len / avglen)) + delta)
 *
 * BM25's score of a match in a long field tends to 0, below what a short
 * field without the term would deserve; delta (default 1) is the least a
 * match adds.  Pruning (weight.h): BM25 plus a constant, so still rising
 * with tf and falling with length.  The idf is cops's (bm25.h).
 */
#include "config.h"

#include "query/weight.h"

void bm25_plus_prepare(bm25_term *term)
{
    if (term->parameter == 0)
        term->parameter = 1.0;
}

double bm25_plus_score(const bm25_term *term, uint32_t tf, uint32_t length)
{
    if (tf == 0)
        return 0.0;
    return bm25_score(term, tf, length) + term->field_weight * term->idf * term->parameter;
}
