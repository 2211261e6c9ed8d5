/*
 * weight-lm.c — query likelihood with Dirichlet smoothing (Zhai & Lafferty,
 * SIGIR 2001), summed over the matching terms as Lucene's
 * LMDirichletSimilarity does:
 *
 *   p     = cf / (N * avglen)                      the collection model
 *   score = w_f * max(0, ln(1 + tf / (mu * p)) + ln(mu / (len + mu)))
 *
 * mu defaults to 2000.  The document-length part is charged per matching
 * term, not once per query term, and a negative sum counts as 0 (scores
 * must not fall when a term matches).  Pruning (weight.h): the first
 * logarithm rises with tf, the second falls with len, and max(0, x)
 * keeps both.  The idf slot keeps ln(1 + 1 / (mu * p)) for --explain.
 */
#include "config.h"

#include "query/weight.h"

#include <math.h>

void lm_prepare(bm25_term *term, uint64_t documents, uint64_t cf)
{
    if (term->parameter == 0)
        term->parameter = 2000.0;
    double tokens = (double)documents * term->average_length;
    double p = tokens > 0 && cf > 0 ? (double)cf / tokens : 1.0;
    if (p > 1.0)
        p = 1.0;
    term->background = term->parameter * p;
    term->idf = log1p(1.0 / term->background);
}

double lm_score(const bm25_term *term, uint32_t tf, uint32_t length)
{
    if (tf == 0)
        return 0.0;
    double s = log1p((double)tf / term->background)
               + log(term->parameter / ((double)length + term->parameter));
    return s > 0 ? term->field_weight * s : 0.0;
}
