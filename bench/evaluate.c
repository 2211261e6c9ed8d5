/*
 * evaluate.c — retrieval effectiveness measures (evaluate.h).
 */
#include "config.h"

#include "bench/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double eval_gain(eval_grades grades, int code)
{
    if (grades == EVAL_GRADES_CRANFIELD)
        return code >= 1 && code <= 4 ? (double)(5 - code) : 0.0;
    return code > 0 ? (double)code : 0.0;
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* Grow *items (of `size` bytes each) so one more fits. */
static int reserve(void **items, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return 0;
    size_t grown = *capacity ? *capacity * 2 : 16;
    void *p = realloc(*items, grown * size);
    if (!p)
        return -1;
    *items = p;
    *capacity = grown;
    return 0;
}

/* ---------------------------------------------------------------- qrels */

void eval_qrels_init(eval_qrels *q)
{
    memset(q, 0, sizeof *q);
}

void eval_qrels_free(eval_qrels *q)
{
    for (size_t i = 0; i < q->count; i++) {
        free(q->items[i].qid);
        free(q->items[i].docid);
    }
    free(q->items);
    eval_qrels_init(q);
}

int eval_qrels_add(eval_qrels *q, const char *qid, const char *docid, int code)
{
    void *items = q->items;
    if (reserve(&items, &q->capacity, q->count, sizeof *q->items) < 0)
        return -1;
    q->items = items;
    eval_judgment *j = &q->items[q->count];
    j->qid = copy_string(qid);
    j->docid = copy_string(docid);
    j->code = code;
    if (!j->qid || !j->docid) {
        free(j->qid);
        free(j->docid);
        return -1;
    }
    q->count++;
    q->finished = 0;
    return 0;
}

static int judgment_order(const eval_judgment *a, const eval_judgment *b)
{
    int c = strcmp(a->qid, b->qid);
    return c ? c : strcmp(a->docid, b->docid);
}

/* qsort is not stable, so the index of addition breaks ties; it rides in
 * a parallel array. */
typedef struct numbered_judgment {
    eval_judgment j;
    size_t added;
} numbered_judgment;

static int compare_numbered(const void *a, const void *b)
{
    const numbered_judgment *x = a, *y = b;
    int c = judgment_order(&x->j, &y->j);
    if (c)
        return c;
    return x->added < y->added ? -1 : x->added > y->added;
}

void eval_qrels_finish(eval_qrels *q)
{
    if (q->count > 1) {
        numbered_judgment *n = malloc(q->count * sizeof *n);
        if (n) {
            for (size_t i = 0; i < q->count; i++) {
                n[i].j = q->items[i];
                n[i].added = i;
            }
            qsort(n, q->count, sizeof *n, compare_numbered);
            /* Keep the last of equal pairs. */
            size_t out = 0;
            for (size_t i = 0; i < q->count; i++) {
                if (i + 1 < q->count && judgment_order(&n[i].j, &n[i + 1].j) == 0) {
                    free(n[i].j.qid);
                    free(n[i].j.docid);
                    continue;
                }
                q->items[out++] = n[i].j;
            }
            q->count = out;
            free(n);
        }
    }
    q->finished = 1;
}

void eval_qrels_queries(const eval_qrels *q, void (*each)(void *ctx, const char *qid), void *ctx)
{
    for (size_t i = 0; i < q->count; i++)
        if (i == 0 || strcmp(q->items[i].qid, q->items[i - 1].qid) != 0)
            each(ctx, q->items[i].qid);
}

/* The judgments of `qid`: [*first, *first + *n). */
static void query_range(const eval_qrels *q, const char *qid, size_t *first, size_t *n)
{
    size_t lo = 0, hi = q->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(q->items[mid].qid, qid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < q->count && strcmp(q->items[end].qid, qid) == 0)
        end++;
    *first = lo;
    *n = end - lo;
}

/* The judgment of `docid` among items[0, n) (sorted by docid), or NULL. */
static const eval_judgment *find_judgment(const eval_judgment *items, size_t n, const char *docid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(items[mid].docid, docid);
        if (c == 0)
            return &items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------------ run */

void eval_run_init(eval_run *r)
{
    memset(r, 0, sizeof *r);
}

void eval_run_free(eval_run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        eval_query_run *q = &r->queries[i];
        for (size_t j = 0; j < q->count; j++)
            free(q->docs[j].docid);
        free(q->docs);
        free(q->qid);
    }
    free(r->queries);
    eval_run_init(r);
}

const eval_query_run *eval_run_find(const eval_run *r, const char *qid)
{
    /* Runs are written query after query: look at the last one first. */
    if (r->count && strcmp(r->queries[r->count - 1].qid, qid) == 0)
        return &r->queries[r->count - 1];
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->queries[i].qid, qid) == 0)
            return &r->queries[i];
    return NULL;
}

int eval_run_add(eval_run *r, const char *qid, const char *docid, double score)
{
    eval_query_run *q = (eval_query_run *)eval_run_find(r, qid);
    if (!q) {
        void *items = r->queries;
        if (reserve(&items, &r->capacity, r->count, sizeof *r->queries) < 0)
            return -1;
        r->queries = items;
        q = &r->queries[r->count];
        memset(q, 0, sizeof *q);
        if (!(q->qid = copy_string(qid)))
            return -1;
        r->count++;
    }
    void *docs = q->docs;
    if (reserve(&docs, &q->capacity, q->count, sizeof *q->docs) < 0)
        return -1;
    q->docs = docs;
    if (!(q->docs[q->count].docid = copy_string(docid)))
        return -1;
    q->docs[q->count].score = score;
    q->count++;
    return 0;
}

static int trec_order(const void *a, const void *b)
{
    const eval_ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(y->docid, x->docid);
}

void eval_run_sort_trec(eval_run *r)
{
    for (size_t i = 0; i < r->count; i++)
        qsort(r->queries[i].docs, r->queries[i].count, sizeof(eval_ranked), trec_order);
}

/* ------------------------------------------------------------- measures */

static int compare_gain_decreasing(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* For qsort of rank indices by document id, then rank. */
static const char *const *sorting_docids;

static int compare_by_docid(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(sorting_docids[x], sorting_docids[y]);
    return c ? c : (x < y ? -1 : x > y);
}

/* duplicate[i] = 1 when docids[i] already appeared before rank i. */
static int mark_duplicates(const char *const *docids, size_t n, unsigned char *duplicate)
{
    memset(duplicate, 0, n);
    if (n < 2)
        return 0;
    size_t *order = malloc(n * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sorting_docids = docids;
    qsort(order, n, sizeof *order, compare_by_docid);
    for (size_t i = 1; i < n; i++)
        if (strcmp(docids[order[i]], docids[order[i - 1]]) == 0)
            duplicate[order[i]] = 1;
    free(order);
    return 0;
}

int eval_query(const eval_qrels *qrels, eval_grades grades, const char *qid,
               const char *const *docids, size_t n, eval_scores *out)
{
    size_t first, judged;
    query_range(qrels, qid, &first, &judged);
    const eval_judgment *items = qrels->items + first;
    size_t relevant = 0;
    for (size_t i = 0; i < judged; i++)
        relevant += eval_gain(grades, items[i].code) > 0;
    if (relevant == 0)
        return 1;

    /* Ideal DCG@10 from the judged gains. */
    double *gains = malloc(judged * sizeof *gains);
    if (!gains)
        return -1;
    for (size_t i = 0; i < judged; i++)
        gains[i] = eval_gain(grades, items[i].code);
    qsort(gains, judged, sizeof *gains, compare_gain_decreasing);
    double idcg = 0;
    for (size_t i = 0; i < judged && i < 10; i++)
        idcg += gains[i] / log2((double)i + 2);
    free(gains);

    memset(out, 0, sizeof *out);
    out->relevant = relevant;
    double dcg = 0, precision_sum = 0;
    size_t rank = 0, hits = 0;
    unsigned char *duplicate = malloc(n ? n : 1);
    if (!duplicate || mark_duplicates(docids, n, duplicate) < 0) {
        free(duplicate);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (duplicate[i])
            continue;
        rank++;
        const eval_judgment *j = find_judgment(items, judged, docids[i]);
        double gain = j ? eval_gain(grades, j->code) : 0.0;
        if (rank <= 10)
            dcg += gain / log2((double)rank + 1);
        if (gain > 0) {
            hits++;
            precision_sum += (double)hits / (double)rank;
            if (out->rr == 0)
                out->rr = 1.0 / (double)rank;
            if (rank <= 1)
                out->s1 = 1;
            if (rank <= 10) {
                out->s10 = 1;
                out->p10 += 1;
            }
            if (rank <= 100)
                out->r100 += 1;
        }
    }
    free(duplicate);
    out->retrieved = rank;
    out->ap = precision_sum / (double)relevant;
    out->p10 /= 10.0;
    out->r100 /= (double)relevant;
    out->ndcg10 = dcg / idcg;
    return 0;
}

typedef struct evaluate_state {
    const eval_qrels *qrels;
    eval_grades grades;
    const eval_run *run;
    eval_summary *sum;
    void (*each)(void *ctx, const char *qid, const eval_scores *s);
    void *ctx;
    int failed;
} evaluate_state;

static void evaluate_one(void *context, const char *qid)
{
    evaluate_state *st = context;
    if (st->failed)
        return;
    const eval_query_run *q = eval_run_find(st->run, qid);
    size_t n = q ? q->count : 0;
    const char **docids = malloc((n ? n : 1) * sizeof *docids);
    if (!docids) {
        st->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        docids[i] = q->docs[i].docid;
    eval_scores s;
    int rc = eval_query(st->qrels, st->grades, qid, docids, n, &s);
    free(docids);
    if (rc < 0) {
        st->failed = 1;
        return;
    }
    if (rc == 1) {
        st->sum->excluded++;
        return;
    }
    eval_summary *m = st->sum;
    m->queries++;
    m->map += s.ap;
    m->p10 += s.p10;
    m->r100 += s.r100;
    m->ndcg10 += s.ndcg10;
    m->mrr += s.rr;
    m->s1 += s.s1;
    m->s10 += s.s10;
    if (st->each)
        st->each(st->ctx, qid, &s);
}

int eval_run_evaluate(const eval_qrels *qrels, eval_grades grades, const eval_run *run,
                      eval_summary *out,
                      void (*each)(void *ctx, const char *qid, const eval_scores *s), void *ctx)
{
    memset(out, 0, sizeof *out);
    evaluate_state st = {qrels, grades, run, out, each, ctx, 0};
    eval_qrels_queries(qrels, evaluate_one, &st);
    if (st.failed)
        return -1;
    if (out->queries) {
        double n = (double)out->queries;
        out->map /= n;
        out->p10 /= n;
        out->r100 /= n;
        out->ndcg10 /= n;
        out->mrr /= n;
        out->s1 /= n;
        out->s10 /= n;
    }
    return 0;
}
