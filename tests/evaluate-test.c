/*
 * evaluate-test.c — the search-quality evaluator (bench/evaluate.h) and the
 * SMART / TREC readers (bench/smart.h), against figures computed by hand
 * (the arithmetic is in the comments) and with an independent script.
 */
#include "config.h"

#include "bench/evaluate.h"
#include "bench/smart.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-6

static const char *fixture(const char *name)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    const char *src = getenv("COPS_SRCDIR");
    snprintf(p, sizeof path[0], "%s/tests/data/trec-eval/%s", src ? src : ".", name);
    return p;
}

static void add(eval_qrels *q, const char *qid, const char *docid, int code)
{
    cr_assert_eq(eval_qrels_add(q, qid, docid, code), 0);
}

Test(evaluate, gains)
{
    /* TREC: rel <= 0 is not relevant, gain = rel.  Cranfield: 1..4 ->
     * 5 - code, -1 and 5 -> 0. */
    cr_assert_float_eq(eval_gain(EVAL_GRADES_TREC, 2), 2.0, EPS);
    cr_assert_float_eq(eval_gain(EVAL_GRADES_TREC, 0), 0.0, EPS);
    cr_assert_float_eq(eval_gain(EVAL_GRADES_TREC, -1), 0.0, EPS);
    cr_assert_float_eq(eval_gain(EVAL_GRADES_CRANFIELD, 1), 4.0, EPS);
    cr_assert_float_eq(eval_gain(EVAL_GRADES_CRANFIELD, 4), 1.0, EPS);
    cr_assert_float_eq(eval_gain(EVAL_GRADES_CRANFIELD, -1), 0.0, EPS);
    cr_assert_float_eq(eval_gain(EVAL_GRADES_CRANFIELD, 5), 0.0, EPS);
}

Test(evaluate, binary_by_hand)
{
    /* R = 2 (a, c); ranking a x c y (x, y unjudged or judged 0).
     * AP = (1/1 + 2/3) / 2 = 0.833333; P@10 = 2/10; R@100 = 2/2;
     * RR = 1; S@1 = 1.  nDCG@10 with gains 1: DCG = 1/log2(2) + 1/log2(4)
     * = 1 + 0.5 = 1.5; IDCG = 1 + 1/log2(3) = 1.630930; nDCG = 0.919721. */
    eval_qrels q;
    eval_qrels_init(&q);
    add(&q, "1", "a", 1);
    add(&q, "1", "c", 1);
    add(&q, "1", "x", 0);
    eval_qrels_finish(&q);
    const char *ranking[] = {"a", "x", "c", "y"};
    eval_scores s;
    cr_assert_eq(eval_query(&q, EVAL_GRADES_TREC, "1", ranking, 4, &s), 0);
    cr_assert_float_eq(s.ap, (1.0 + 2.0 / 3.0) / 2.0, EPS);
    cr_assert_float_eq(s.p10, 0.2, EPS);
    cr_assert_float_eq(s.r100, 1.0, EPS);
    cr_assert_float_eq(s.rr, 1.0, EPS);
    cr_assert_float_eq(s.s1, 1.0, EPS);
    cr_assert_float_eq(s.ndcg10, 1.5 / (1.0 + 1.0 / log2(3.0)), EPS);
    cr_assert_float_eq(s.ndcg10, 0.919721, EPS);
    cr_assert_eq(s.relevant, 2);
    cr_assert_eq(s.retrieved, 4);
    /* A query without judgments is excluded (1), not scored. */
    cr_assert_eq(eval_query(&q, EVAL_GRADES_TREC, "2", ranking, 4, &s), 1);
    eval_qrels_free(&q);
}

Test(evaluate, cranfield_grades_by_hand)
{
    /* Codes: 10 -> 1 (gain 4), 11 -> 4 (gain 1), 13 -> 3 (gain 2), 12 ->
     * -1 (not relevant).  R = 3.  Ranking 12 11 10.
     * AP = (1/2 + 2/3) / 3 = 0.388889; P@10 = 0.2; R@100 = 2/3; RR = 1/2;
     * S@1 = 0, S@10 = 1.
     * DCG = 0/log2(2) + 1/log2(3) + 4/log2(4) = 0.630930 + 2 = 2.630930;
     * IDCG = 4/log2(2) + 2/log2(3) + 1/log2(4) = 4 + 1.261860 + 0.5
     * = 5.761860; nDCG@10 = 0.456612. */
    eval_qrels q;
    eval_qrels_init(&q);
    add(&q, "1", "10", 1);
    add(&q, "1", "11", 4);
    add(&q, "1", "12", -1);
    add(&q, "1", "13", 3);
    eval_qrels_finish(&q);
    const char *ranking[] = {"12", "11", "10"};
    eval_scores s;
    cr_assert_eq(eval_query(&q, EVAL_GRADES_CRANFIELD, "1", ranking, 3, &s), 0);
    cr_assert_float_eq(s.ap, (0.5 + 2.0 / 3.0) / 3.0, EPS);
    cr_assert_float_eq(s.p10, 0.2, EPS);
    cr_assert_float_eq(s.r100, 2.0 / 3.0, EPS);
    cr_assert_float_eq(s.rr, 0.5, EPS);
    cr_assert_float_eq(s.s1, 0.0, EPS);
    cr_assert_float_eq(s.s10, 1.0, EPS);
    cr_assert_float_eq(s.ndcg10, 0.456612, EPS);
    /* The same codes read as TREC grades: -1 still not relevant, gains
     * 1, 4, 3: DCG = 4/log2(3) + 1/log2(4) = 2.523719 + 0.5 = 3.023719;
     * IDCG = 4 + 3/log2(3) + 1/log2(4) = 4 + 1.892789 + 0.5 = 6.392789;
     * nDCG = 0.472989. */
    cr_assert_eq(eval_query(&q, EVAL_GRADES_TREC, "1", ranking, 3, &s), 0);
    cr_assert_float_eq(s.ndcg10, 0.472989, EPS);
    eval_qrels_free(&q);
}

Test(evaluate, duplicates_and_rejudged)
{
    /* A document repeated in a ranking counts once, at its first rank:
     * ranking a a b, R = {b} -> b at rank 2, AP = 1/2.  A pair judged
     * twice keeps the last code: a 1 then a 0 -> a is not relevant. */
    eval_qrels q;
    eval_qrels_init(&q);
    add(&q, "7", "a", 1);
    add(&q, "7", "b", 1);
    add(&q, "7", "a", 0);
    eval_qrels_finish(&q);
    cr_assert_eq(q.count, 2);
    const char *ranking[] = {"a", "a", "b"};
    eval_scores s;
    cr_assert_eq(eval_query(&q, EVAL_GRADES_TREC, "7", ranking, 3, &s), 0);
    cr_assert_float_eq(s.ap, 0.5, EPS);
    cr_assert_eq(s.retrieved, 2);
    cr_assert_eq(s.relevant, 1);
    eval_qrels_free(&q);
}

/*
 * The TREC fixture (tests/data/trec-eval, see its README).  Expected
 * values computed with this independent script (python3, run in that
 * folder), which printed
 *   q1 ['d3', 'd2', 'd1', 'd5', 'd4'] ap 0.566667 p10 0.3 r100 0.75
 *      ndcg 0.56931 rr 1.0
 *   q2 ['d6', 'd5'] ap 0.5 p10 0.1 r100 1.0 ndcg 0.63093 rr 0.5
 *   q4 [] all 0
 *   3 queries: map 0.355556 p10 0.133333 r100 0.583333 ndcg 0.40008 mrr 0.5
 *
 *   import math, collections
 *   qrels = collections.defaultdict(dict)
 *   for l in open('qrels.txt'):
 *       q, _, d, r = l.split(); qrels[q][d] = int(r)
 *   run = collections.defaultdict(list)
 *   for l in open('run.txt'):
 *       q, _, d, rank, s, t = l.split(); run[q].append((float(s), d))
 *   m = collections.defaultdict(float); n = 0
 *   for q in sorted(qrels):
 *       rel = {d for d, r in qrels[q].items() if r > 0}
 *       if not rel: continue
 *       n += 1
 *       ranked = [d for s, d in sorted(run.get(q, []),
 *                 key=lambda x: (-x[0], [-ord(c) for c in x[1]]))]
 *       hits = 0; ap = 0; rr = 0
 *       for i, d in enumerate(ranked, 1):
 *           if d in rel:
 *               hits += 1; ap += hits / i
 *               if not rr: rr = 1 / i
 *       dcg = sum(max(qrels[q].get(d, 0), 0) / math.log2(i + 1)
 *                 for i, d in enumerate(ranked[:10], 1))
 *       ideal = sorted((max(r, 0) for r in qrels[q].values()), reverse=True)[:10]
 *       idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
 *       v = dict(ap=ap / len(rel), p10=sum(d in rel for d in ranked[:10]) / 10,
 *                r100=sum(d in rel for d in ranked[:100]) / len(rel),
 *                ndcg=dcg / idcg, rr=rr)
 *       print(q, ranked, v)
 *       for k, x in v.items(): m[k] += x
 *   print(n, {k: x / n for k, x in m.items()})
 *
 * By hand, q1: ranking d3 (rel 1), d2 (0; tie with d1 at 8.0, docid
 * decreasing puts d2 first), d1 (rel 2), d5 (unjudged), d4 (rel 1); d9
 * (rel 2) not retrieved; R = 4.  AP = (1/1 + 2/3 + 3/5) / 4 = 0.566667;
 * DCG = 1 + 2/log2(4) + 1/log2(6) = 2.386853; IDCG (2 2 1 1) = 2 +
 * 2/log2(3) + 1/2 + 1/log2(5) = 4.192537; nDCG = 0.569307.  q2: the
 * scores put d6 (5.0) before d5 (4.0) whatever the rank column says: AP =
 * 1/2, nDCG = 1/log2(3) = 0.630930.  q3 has no relevant document
 * (excluded); q4 is judged but absent from the run (all 0); q5 has no
 * judgments (ignored).
 */
Test(evaluate, trec_fixture)
{
    eval_qrels q;
    eval_run r;
    cops_error err;
    eval_qrels_init(&q);
    eval_run_init(&r);
    cr_assert_eq(smart_read_qrels(fixture("qrels.txt"), &q, &err), 0, "%s", err.message);
    eval_qrels_finish(&q);
    cr_assert_eq(smart_read_run(fixture("run.txt"), &r, &err), 0, "%s", err.message);
    eval_run_sort_trec(&r);
    const eval_query_run *q1 = eval_run_find(&r, "q1");
    cr_assert_not_null(q1);
    cr_assert_str_eq(q1->docs[1].docid, "d2");
    cr_assert_str_eq(q1->docs[2].docid, "d1");

    eval_summary m;
    cr_assert_eq(eval_run_evaluate(&q, EVAL_GRADES_TREC, &r, &m, NULL, NULL), 0);
    cr_assert_eq(m.queries, 3);
    cr_assert_eq(m.excluded, 1);
    cr_assert_float_eq(m.map, 0.355556, EPS);
    cr_assert_float_eq(m.p10, 0.133333, EPS);
    cr_assert_float_eq(m.r100, 0.583333, EPS);
    cr_assert_float_eq(m.ndcg10, 0.400079, 2e-6);
    cr_assert_float_eq(m.mrr, 0.5, EPS);
    eval_run_free(&r);
    eval_qrels_free(&q);
}

Test(smart, crlf_queries)
{
    /* .I numbers are kept as written (001, 004), positions count from 1,
     * CR is removed and the text trimmed. */
    smart_file f;
    cops_error err;
    cr_assert_eq(smart_read(fixture("smart.qry"), &f, &err), 0, "%s", err.message);
    cr_assert_eq(f.count, 2);
    cr_assert_str_eq(f.records[0].id, "001");
    cr_assert_str_eq(f.records[1].id, "004");
    cr_assert_eq(f.records[1].position, 2);
    cr_assert_str_eq(smart_field(&f.records[0], 'W'), "what similarity laws\nmust be obeyed .");
    cr_assert_str_eq(smart_field(&f.records[1], 'W'), "heat conduction");
    cr_assert_str_eq(smart_field(&f.records[1], 'T'), "");
    cr_assert(smart_looks_like(fixture("smart.qry")));
    cr_assert(!smart_looks_like_qrels(fixture("smart.qry")));
    cr_assert(smart_looks_like_qrels(fixture("qrels.txt")));
    smart_free(&f);
}

Test(smart, bad_lines)
{
    eval_qrels q;
    eval_run r;
    cops_error err;
    eval_qrels_init(&q);
    eval_run_init(&r);
    /* The run is not a qrels (6 columns) and vice versa. */
    cr_assert_eq(smart_read_qrels(fixture("run.txt"), &q, &err), COPS_EINPUT);
    cr_assert(strstr(err.message, ":1:") != NULL, "%s", err.message);
    cr_assert_eq(smart_read_run(fixture("qrels.txt"), &r, &err), COPS_EINPUT);
    cr_assert_eq(smart_read_qrels(fixture("missing"), &q, &err), COPS_EIO);
    eval_run_free(&r);
    eval_qrels_free(&q);
}
