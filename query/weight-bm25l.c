/*
 * weight-bm25l.c — BM25L (Lv & Zhai, "When documents are very long, BM25
 * fails!", SIGIR 2011):
 *
 *   c     = tf / (1 - b + b * len / avglen)
 *   score = w_f * idf * (k1 + 1) * (c + delta) / (k1 + c + delta)
 *
 * delta (default 0.5) shifts the normalised frequency before saturation,
 * so long fields are penalised less.  Pruning (weight.h): c rises with tf
 * and falls with len, and (x + d) / (k1 + x + d) rises with x.  The idf
 * is cops's (bm25.h).
 */
#include "config.h"

#include "query/weight.h"

void bm25l_prepare(bm25_term *term)
{
    if (term->parameter == 0)
        term->parameter = 0.5;
}

double bm25l_score(const bm25_term *term, uint32_t tf, uint32_t length)
{
    if (tf == 0)
        return 0.0;
    /* norm = 1 - b + b * len / avglen, from bm25_prepare's constants; with
     * k1 = 0 (or b = 1 and len = 0) the score is its limit, weight_idf. */
    double norm = term->k1 > 0 ? (term->length_base + term->length_scale * (double)length) / term->k1
                               : 0.0;
    if (!(norm > 0))
        return term->weight_idf;
    double c = (double)tf / norm + term->parameter;
    return term->weight_idf * c / (term->k1 + c);
}
