/*
 * evaluate.h — retrieval effectiveness of a ranked run against judgments.
 *
 * The project's own evaluator (bench/relevance uses it; tests/evaluate-test.c
 * checks it against hand-computed cases).  It follows trec_eval's
 * definitions so its figures can be compared with published ones:
 *
 *   R        the number of relevant documents judged for the query
 *   AP       (sum over ranks i holding a relevant document of P@i) / R;
 *            MAP is its mean
 *   P@n      relevant documents in the first n / n (n even when fewer
 *            documents were retrieved)
 *   R@n      relevant documents in the first n / R
 *   nDCG@n   DCG@n / IDCG@n with DCG@n = sum_{i=1..n} gain(d_i) / log2(i + 1)
 *            (linear gain, as trec_eval's ndcg_cut); IDCG@n is the DCG of the
 *            judged gains sorted in decreasing order
 *   RR       1 / rank of the first relevant document, 0 if none (MRR: mean)
 *   S@n      1 when a relevant document is among the first n, else 0
 *
 * Relevance.  A judgment carries an integer code.  Two grade schemes map it
 * to a gain (used by nDCG) and to binary relevance (gain > 0, used by every
 * other measure):
 *   EVAL_GRADES_TREC       gain = code when code > 0, else 0 (rel <= 0 is
 *                          not relevant), as TREC qrels are written;
 *   EVAL_GRADES_CRANFIELD  Cleverdon's codes 1 (complete answer) .. 4
 *                          (minimum interest): gain = 5 - code, so 1 -> 4,
 *                          2 -> 3, 3 -> 2, 4 -> 1; every other code (-1,
 *                          and 5 = no interest) has gain 0.
 * Unjudged documents are not relevant.
 *
 * Averaging.  A query is evaluated when the judgments hold at least one
 * relevant document for it; queries without any are excluded from every
 * mean (as trec_eval does, since AP, R@n and nDCG are undefined for them)
 * and counted in eval_summary.excluded.  A judged query absent from the run
 * is evaluated with an empty ranking (all its figures 0), as trec_eval -c.
 * Run queries without judgments are ignored.
 *
 * Rankings.  A document repeated within one query's ranking counts at its
 * first rank only; the later copies are dropped.  A run read from a file
 * (eval_run_sort_trec) is ordered as trec_eval orders it: score decreasing,
 * then document id decreasing (byte order); the rank column is ignored.
 * Rankings added in memory keep the order they were added in.
 */
#ifndef COPS_BENCH_EVALUATE_H
#define COPS_BENCH_EVALUATE_H

#include <stddef.h>

typedef enum eval_grades { EVAL_GRADES_TREC = 0, EVAL_GRADES_CRANFIELD = 1 } eval_grades;

/* Gain of a relevance code under `grades` (0 = not relevant). */
double eval_gain(eval_grades grades, int code);

typedef struct eval_judgment {
    char *qid;
    char *docid;
    int code;
} eval_judgment;

/* Judgments; after eval_qrels_finish they are sorted by (qid, docid). */
typedef struct eval_qrels {
    eval_judgment *items;
    size_t count, capacity;
    int finished;
} eval_qrels;

void eval_qrels_init(eval_qrels *q);
void eval_qrels_free(eval_qrels *q);
/* Add one judgment (strings copied).  Returns 0, or -1 when out of memory. */
int eval_qrels_add(eval_qrels *q, const char *qid, const char *docid, int code);
/* Sort; a (qid, docid) pair judged twice keeps the last code added. */
void eval_qrels_finish(eval_qrels *q);
/* Distinct query ids, in sorted order, through `each`. */
void eval_qrels_queries(const eval_qrels *q, void (*each)(void *ctx, const char *qid), void *ctx);

typedef struct eval_ranked {
    char *docid;
    double score;
} eval_ranked;

typedef struct eval_query_run {
    char *qid;
    eval_ranked *docs;
    size_t count, capacity;
} eval_query_run;

/* Rankings of several queries. */
typedef struct eval_run {
    eval_query_run *queries;
    size_t count, capacity;
} eval_run;

void eval_run_init(eval_run *r);
void eval_run_free(eval_run *r);
/* Append `docid` to the ranking of `qid` (created on first use).  Returns
 * 0, or -1 when out of memory. */
int eval_run_add(eval_run *r, const char *qid, const char *docid, double score);
/* Order every ranking as trec_eval does (see above). */
void eval_run_sort_trec(eval_run *r);
/* The ranking of `qid`, or NULL. */
const eval_query_run *eval_run_find(const eval_run *r, const char *qid);

typedef struct eval_scores {
    double ap, p10, r100, ndcg10, rr, s1, s10;
    size_t relevant;   /* R */
    size_t retrieved;  /* distinct documents in the ranking */
} eval_scores;

/* Evaluate one ranking (docids[0, n) in rank order; may be NULL when n is
 * 0) of query `qid`.  Returns 1 when the query has no relevant judgment
 * (nothing computed: excluded), 0 when *out was filled, -1 when out of
 * memory.  `qrels` must be finished. */
int eval_query(const eval_qrels *qrels, eval_grades grades, const char *qid,
               const char *const *docids, size_t n, eval_scores *out);

typedef struct eval_summary {
    size_t queries;   /* queries evaluated (the means' denominator) */
    size_t excluded;  /* judged queries without any relevant document */
    double map, p10, r100, ndcg10, mrr, s1, s10;
} eval_summary;

/* Evaluate `run` over every query of `qrels` (finished).  `each` (may be
 * NULL) sees the scores of every evaluated query.  Returns 0 or -1 (out of
 * memory). */
int eval_run_evaluate(const eval_qrels *qrels, eval_grades grades, const eval_run *run,
                      eval_summary *out,
                      void (*each)(void *ctx, const char *qid, const eval_scores *s), void *ctx);

#endif
