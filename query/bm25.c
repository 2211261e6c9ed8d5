#include "config.h"

#include "query/bm25.h"

#include <math.h>

void bm25_prepare(bm25_term *term, const bm25_params *params, uint64_t documents, uint32_t df,
                  double average_length, double field_weight, int title)
{
    double n = (double)documents, d = (double)df;
    term->idf = log(1.0 + (n - d + 0.5) / (d + 0.5));
    term->field_weight = field_weight;
    term->weight_idf = field_weight * term->idf * (params->k1 + 1.0);
    term->k1 = params->k1;
    term->length_base = params->k1 * (1.0 - params->b);
    term->length_scale = average_length > 0 ? params->k1 * params->b / average_length : 0.0;
    term->df = df;
    term->title = title;
    term->scheme = 0;
    term->parameter = 0;
    term->average_length = average_length;
    term->background = 0;
}
