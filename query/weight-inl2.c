/*
 * weight-inl2.c — InL2, a divergence-from-randomness scheme (Amati & van
 * Rijsbergen, TOIS 2002; Terrier's InL2):
 *
 *   tfn   = tf * log2(1 + c * avglen / len)       (normalisation 2)
 *   score = w_f * log2((N + 1) / (df + 0.5)) * tfn / (tfn + 1)
 *
 * c defaults to 1.  Pruning (weight.h): tfn rises with tf and falls with
 * len, and x / (x + 1) rises with x.  A length of 0 (a bound over a block
 * whose shortest field is empty) counts as 1, which only raises a bound.
 */
#include "config.h"

#include "query/weight.h"

#include <math.h>

void inl2_prepare(bm25_term *term, uint64_t documents, uint32_t df)
{
    if (term->parameter == 0)
        term->parameter = 1.0;
    term->idf = log2(((double)documents + 1.0) / ((double)df + 0.5));
}

double inl2_score(const bm25_term *term, uint32_t tf, uint32_t length)
{
    if (tf == 0)
        return 0.0;
    double len = length ? (double)length : 1.0;
    double tfn = (double)tf * log2(1.0 + term->parameter * term->average_length / len);
    return term->field_weight * term->idf * tfn / (tfn + 1.0);
}
