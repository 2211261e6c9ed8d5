/*
 * feedback.h — pseudo-relevance feedback (cops_search_options.
 * feedback_documents): the query's best hits lend it words.
 *
 * 0. Only a query of at least feedback_query_length words (default 10,
 *    as query/stopwords.h counts them, phrases and prefixes included; 1:
 *    every query, 0: none) gets feedback (its words outside NOT, those of
 *    phrases and prefixes included, function words too): long queries are sentences
 *    describing a topic, where the words of its best documents help on
 *    every collection measured, while a short query (a name, a headline,
 *    a few keywords) is precise and feedback pulls in the neighbours of
 *    its one right answer (bench/RELEVANCE.md).  It also keeps the cost
 *    off the short queries that make most of a search engine's load.
 * 1. The query runs as given; its top D hits (ties by document number,
 *    as every ranking) are the feedback documents (feedback_documents,
 *    default 5).
 * 2. Each feedback document d's stored text (its first
 *    FEEDBACK_TEXT_BYTES) is analysed as the index was; d weighs
 *    s(d) / sum of the D scores, and each term t gets
 *        p(t) = sum over d of weight(d) * tf(t, d) / length(d)
 *    (relevance model RM1), then w(t) = p(t) * idf(t), the idf of
 *    query/bm25.h over the body key, so that words common everywhere
 *    (function words) do not lead.
 * 3. The T terms with the largest w (ties by term bytes), leaving out
 *    the function words of query/stopwords.h, are the expansion; term t
 *    is added with the factor
 *        (1 - L) / L * Q * w(t) / sum of the T weights
 *    where L is feedback_weight (the original query's share, RM3's
 *    interpolation; default 0.85) and Q the number of words of the query,
 *    so the expansion weighs (1 - L) / L times as much as the query.
 *    T is feedback_terms (default 40).  D, T, L and the length threshold
 *    were chosen leave-one-collection-out (bench/RELEVANCE.md).
 * 4. The query then runs again as `query AND-MAYBE (t1 OR t2 ...)`, each
 *    ti an unfielded word scaled by its factor (op-scale.c): the matches
 *    and their count are the query's own, feedback only reorders them.
 *
 * Deterministic: the same index and query give the same expansion and
 * the same ranking (no dependence on time, threads or hash order).
 */
#ifndef COPS_QUERY_FEEDBACK_H
#define COPS_QUERY_FEEDBACK_H

#include "cops.h"
#include "query/index.h"
#include "query/matcher.h"
#include "query/lower.h"
#include "query/parser.h"
#include "query/plan.h"

#define FEEDBACK_TEXT_BYTES ((size_t)64 << 10)
#define FEEDBACK_MAX_DOCUMENTS 1000
#define FEEDBACK_MAX_TERMS 1000

typedef struct feedback_term {
    char *word;     /* a word of a feedback document that analyses to the term */
    double factor;  /* its weight in the expanded query */
} feedback_term;

typedef struct feedback_query {
    feedback_term *terms;
    lower_plan **plans; /* plans[i]: terms[i].word lowered (lower.h) */
    size_t count;
} feedback_query;

/* Steps 0-3 for a native index: *out receives the expansion (empty when
 * options->feedback_documents is 0, the query is shorter than
 * options->feedback_query_length or has no hit).  Returns 0,
 * COPS_ENOMEM or a damage status. */
int feedback_prepare(cops_index *index, const query_node *query,
                     const cops_search_options *options, feedback_query *out, cops_error *err);

void feedback_free(feedback_query *expansion);

/* The slot hash of step 2's table of terms: the per-process keyed hash
 * (base/hash.h), as the indexer's tables: the terms are those of
 * strangers' documents, and with FNV-1a terms built offline to share its
 * low bits took one run of slots, each new term probing all of it.  The
 * expansion does not depend on it (ties go by term bytes). */
uint64_t feedback_term_hash(const char *term, size_t length);

/* plan_query (plan.h) of `plan` for segment `segment_number`, with
 * `expansion` added as step 4 says (NULL or empty: plan_query's own
 * matcher); `cache` (or NULL) serves the query's own words. */
int feedback_plan_query(cops_index *index, size_t segment_number, const lower_plan *plan,
                        const feedback_query *expansion, const cops_search_options *options,
                        plan_cache *cache, matcher **out, cops_error *err);

#endif
