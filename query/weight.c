/*
 * weight.c — preparing and dispatching the weighting schemes (weight.h).
 */
#include "config.h"

#include "query/weight.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {"bm25", "bm25+", "bm25l", "inl2", "lm"};

const char *weight_name(cops_weight scheme)
{
    return (unsigned)scheme < sizeof names / sizeof names[0] ? names[scheme] : "?";
}

int weight_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

void weight_prepare(bm25_term *term, const bm25_params *params, uint64_t documents, uint32_t df,
                    uint64_t cf, double average_length, double field_weight, int title)
{
    bm25_prepare(term, params, documents, df, average_length, field_weight, title);
    term->scheme = params->scheme;
    term->parameter = params->parameter;
    switch (params->scheme) {
    case COPS_WEIGHT_BM25_PLUS:
        bm25_plus_prepare(term);
        break;
    case COPS_WEIGHT_BM25L:
        bm25l_prepare(term);
        break;
    case COPS_WEIGHT_INL2:
        inl2_prepare(term, documents, df);
        break;
    case COPS_WEIGHT_LM:
        lm_prepare(term, documents, cf);
        break;
    default:
        term->scheme = COPS_WEIGHT_BM25;
        break;
    }
}

double weight_score_other(const bm25_term *term, uint32_t tf, uint32_t length)
{
    switch (term->scheme) {
    case COPS_WEIGHT_BM25_PLUS:
        return bm25_plus_score(term, tf, length);
    case COPS_WEIGHT_BM25L:
        return bm25l_score(term, tf, length);
    case COPS_WEIGHT_INL2:
        return inl2_score(term, tf, length);
    case COPS_WEIGHT_LM:
        return lm_score(term, tf, length);
    default:
        return bm25_score(term, tf, length);
    }
}

size_t weight_explain_line(char *line, size_t size, int depth, const char *label, double score,
                           const bm25_term *term, uint32_t tf, uint32_t length)
{
    int bm25 = term->scheme == COPS_WEIGHT_BM25;
    int n = snprintf(line, size, "%*s%s: %.6f (weight %.2f, idf %.4f, df %u, tf %u, field length %u%s%s)\n",
                     depth * 2, "", label, score, term->field_weight, term->idf, term->df, tf, length,
                     bm25 ? "" : ", ", bm25 ? "" : weight_name((cops_weight)term->scheme));
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
