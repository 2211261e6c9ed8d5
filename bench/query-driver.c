/* bench/query-driver: run a list of queries against one engine in one
 * long-lived process and print, per query, the median latency of repeated
 * warm runs, the match count and the top-10 document ids.
 *
 *   query-driver --engine cops|xapian|fts5 --index PATH --class term|and|or|phrase
 *                --mode top10|count [--repeat R] [--warmup W] [--ids FILE] [--exact-total]
 *                [--feedback N] [--feedback-terms T]
 *                < queries.txt
 *
 * Each input line is plain words separated by spaces; --class decides the
 * syntax given to the engine:
 *   term, and   cops / Xapian: the words joined by " AND "; FTS5: each word
 *               quoted ("w") and joined by " AND "
 *   or          the same with " OR "
 *   phrase      cops / Xapian: "w1 w2 ..."; FTS5: "w1 w2 ..."
 *
 * Engines:
 *   cops    cops_index_open + cops_search (cops's ranking defaults: BM25
 *           k1 1.2, b 0.7, feedback for queries of 10 words or more;
 *           snippets off, limit 10; top10:
 *           exact_total = 0, i.e. pruned top-k, the count is a lower bound,
 *           unless --exact-total: every match scored, for checking the
 *           pruning; count: count_only = 1).  Timed: cops_search, which parses,
 *           plans, searches and looks up the hits' ids and titles.
 *   xapian  the Xapian database built by cops-index --engine xapian, through
 *           the project's binding: query_parse + xapian_plan_query (with the
 *           analysis recorded in the database, so the terms are cops's) +
 *           cops_xapian_search with BM25 k1 = 1.2, b = 0.75, k2 = 0, k3 = 1,
 *           min_normlen = 0 (top10: limit 10, exact_count 0; count: limit 0,
 *           exact_count 1).  Timed: parse + plan + search.  The hits' ids
 *           (the first line of the document data) are read outside the
 *           timed region.
 *   fts5    the database built by bench/fts5-index: "SELECT rowid FROM docs
 *           WHERE docs MATCH ?1 ORDER BY rank LIMIT 10" (bm25) or "SELECT
 *           count(*) FROM docs WHERE docs MATCH ?1", each prepared once.
 *           Timed: bind + step to the end + reset.  The rowid (the document's
 *           ordinal in the corpus) is mapped to the corpus id through --ids
 *           (line k = id of rowid k); without it the rowid is printed.
 *
 * Output, one line per input line, tab-separated:
 *   median_us  count  id1 ... id10
 * The median is over the R timed runs (CLOCK_MONOTONIC around the timed
 * region only), after W untimed runs of the same query.  A failing query
 * prints "-1  -1  ERROR: message" and the driver goes on.  A summary goes
 * to stderr. */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cops.h"

#ifdef HAVE_XAPIAN
#include "analysis/analyzer.h"
#include "query/parser.h"
#include "xapian/cops_xapian.h"
#include "xapian/xapian-plan.h"
#endif

#ifdef HAVE_SQLITE
#include <sqlite3.h>
#endif

static const char *program = "query-driver";

enum engine { ENGINE_COPS, ENGINE_XAPIAN, ENGINE_FTS5 };
enum qclass { CLASS_TERM, CLASS_AND, CLASS_OR, CLASS_PHRASE };
enum mode { MODE_TOP10, MODE_COUNT };

#define TOP_K 10
#define ID_MAX 256

typedef struct {
    uint64_t count;
    size_t hits;
    char ids[TOP_K][ID_MAX];
} outcome;

/* Print "query-driver: WHAT ARG" and exit with status 2. */
static void die(const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s%s\n", program, what, arg ? arg : "");
    exit(2);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void copy_id(char dst[ID_MAX], const char *src, size_t len)
{
    if (len >= ID_MAX)
        len = ID_MAX - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (dst[i] == '\t' || dst[i] == '\n')
            dst[i] = ' ';
}

/* ---------------------------------------------------------------- syntax */

/* Build the engine's query text from the words of `line` into `out`. */
static void build_query(enum engine engine, enum qclass qclass, const char *line, char *out,
                        size_t size)
{
    size_t n = 0;
    int first = 1;
    const char *joiner = qclass == CLASS_OR ? " OR " : qclass == CLASS_PHRASE ? " " : " AND ";
    int quote_words = engine == ENGINE_FTS5 && qclass != CLASS_PHRASE;
    out[0] = '\0';
    if (qclass == CLASS_PHRASE && n + 1 < size)
        out[n++] = '"';
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t wl = (size_t)(p - w);
        size_t need = (first ? 0 : strlen(joiner)) + wl + 4;
        if (n + need >= size)
            break;
        if (!first) {
            memcpy(out + n, joiner, strlen(joiner));
            n += strlen(joiner);
        }
        first = 0;
        if (quote_words)
            out[n++] = '"';
        for (size_t i = 0; i < wl; i++)
            if (w[i] != '"') /* never in the generated sets; keep the syntax valid anyway */
                out[n++] = w[i];
        if (quote_words)
            out[n++] = '"';
    }
    if (qclass == CLASS_PHRASE && n + 1 < size)
        out[n++] = '"';
    out[n] = '\0';
}

/* ----------------------------------------------------------------- cops */

typedef struct {
    cops_index *index;
    cops_search_options options;
} cops_engine_state;

/* One timed search; fills `o` when it is not NULL. */
static int cops_run(cops_engine_state *s, const char *query, double *us, outcome *o,
                    char *msg, size_t msg_size)
{
    cops_results *r = NULL;
    cops_error err;
    double t0 = now_us();
    int rc = cops_search(s->index, query, &s->options, &r, &err);
    if (rc == 0 && o) {
        o->count = cops_results_total(r);
        o->hits = cops_results_count(r);
        if (o->hits > TOP_K)
            o->hits = TOP_K;
        for (size_t i = 0; i < o->hits; i++) {
            const cops_hit *h = cops_results_hit(r, i);
            copy_id(o->ids[i], h->id ? h->id : "", h->id ? strlen(h->id) : 0);
        }
    }
    cops_results_free(r);
    *us = now_us() - t0;
    if (rc != 0)
        snprintf(msg, msg_size, "%s", err.message);
    return rc;
}

/* --------------------------------------------------------------- Xapian */

#ifdef HAVE_XAPIAN
typedef struct {
    cops_xapian_db *db;
    analyzer *analyzer;
    cops_xapian_weight weight;
    xapian_plan_options plan;
    int count_mode;
} xapian_engine_state;

static int xapian_open(xapian_engine_state *s, const char *path, int count_mode)
{
    cops_error err;
    char *language = NULL, *stem = NULL;
    analyzer_config config;
    analyzer_config_init(&config);
    if (cops_xapian_db_open(path, COPS_XAPIAN_READ, &s->db, &err) != 0 ||
        cops_xapian_get_metadata(s->db, "cops.language", &language, &err) != 0 ||
        cops_xapian_get_metadata(s->db, "cops.stem", &stem, &err) != 0) {
        fprintf(stderr, "%s: %s: %s\n", program, path, err.message);
        return -1;
    }
    if (*stem) { /* the analysis cops-index --engine xapian recorded */
        config.stem = strcmp(stem, "1") == 0;
        snprintf(config.language, sizeof config.language, "%s", language);
    }
    free(language);
    free(stem);
    if (analyzer_new(&config, &s->analyzer, &err) != 0) {
        fprintf(stderr, "%s: analyzer: %s\n", program, err.message);
        return -1;
    }
    xapian_plan_options_init(&s->plan);
    cops_xapian_weight_init(&s->weight);
    s->weight.k1 = 1.2;
    s->weight.b = 0.75;
    s->weight.k2 = 0;
    s->weight.k3 = 1;
    s->weight.min_normlen = 0;
    s->count_mode = count_mode;
    return 0;
}

static int xapian_run(xapian_engine_state *s, const char *query, double *us, outcome *o,
                      char *msg, size_t msg_size)
{
    cops_error err;
    query_node *tree = NULL;
    cops_xapian_query *q = NULL;
    cops_xapian_results *r = NULL;
    double t0 = now_us();
    int rc = query_parse(query, 0, &tree, &err);
    if (rc == 0)
        rc = xapian_plan_query(tree, s->analyzer, &s->plan, &q, &err);
    if (rc == 0)
        rc = cops_xapian_search(s->db, q, &s->weight, 0, s->count_mode ? 0 : TOP_K,
                                s->count_mode, &r, &err);
    double t1 = now_us();
    *us = t1 - t0;
    if (rc == 0 && o) { /* untimed: the ids from the document data */
        o->count = cops_xapian_results_total(r);
        o->hits = cops_xapian_results_count(r);
        if (o->hits > TOP_K)
            o->hits = TOP_K;
        for (size_t i = 0; rc == 0 && i < o->hits; i++) {
            char *data = NULL;
            size_t len = 0;
            rc = cops_xapian_document_data(s->db, cops_xapian_results_docid(r, i), &data, &len,
                                           &err);
            if (rc == 0) {
                const char *nl = memchr(data, '\n', len);
                copy_id(o->ids[i], data, nl ? (size_t)(nl - data) : len);
            }
            free(data);
        }
    }
    cops_xapian_results_free(r);
    cops_xapian_query_free(q);
    query_free(tree);
    if (rc != 0)
        snprintf(msg, msg_size, "%s", err.message);
    return rc;
}
#endif

/* ----------------------------------------------------------------- FTS5 */

#ifdef HAVE_SQLITE
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int count_mode;
    char **ids;
    size_t id_count;
} fts5_engine_state;

static void load_ids(fts5_engine_state *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open the ids file ", path);
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (s->id_count == cap) {
            cap = cap ? 2 * cap : 65536;
            s->ids = realloc(s->ids, cap * sizeof *s->ids);
            if (!s->ids)
                die("out of memory", NULL);
        }
        s->ids[s->id_count++] = strdup(line);
    }
    free(line);
    fclose(f);
}

static int fts5_open(fts5_engine_state *s, const char *path, int count_mode)
{
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, path, sqlite3_errmsg(s->db));
        return -1;
    }
    const char *sql = count_mode ? "SELECT count(*) FROM docs WHERE docs MATCH ?1"
                                 : "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT 10";
    if (sqlite3_prepare_v2(s->db, sql, -1, &s->stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: prepare: %s\n", program, sqlite3_errmsg(s->db));
        return -1;
    }
    s->count_mode = count_mode;
    return 0;
}

static int fts5_run(fts5_engine_state *s, const char *query, double *us, outcome *o, char *msg,
                    size_t msg_size)
{
    int64_t rows[TOP_K];
    size_t n = 0;
    int64_t count = 0;
    double t0 = now_us();
    sqlite3_bind_text(s->stmt, 1, query, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s->stmt)) == SQLITE_ROW) {
        if (s->count_mode)
            count = sqlite3_column_int64(s->stmt, 0);
        else if (n < TOP_K)
            rows[n++] = sqlite3_column_int64(s->stmt, 0);
    }
    if (rc != SQLITE_DONE)
        snprintf(msg, msg_size, "%s", sqlite3_errmsg(s->db));
    sqlite3_reset(s->stmt);
    *us = now_us() - t0;
    if (rc != SQLITE_DONE)
        return -1;
    if (o) {
        o->count = s->count_mode ? (uint64_t)count : n; /* top10: hits only */
        o->hits = n;
        for (size_t i = 0; i < n; i++) {
            char buf[32];
            const char *id = buf;
            if (rows[i] >= 1 && (size_t)rows[i] <= s->id_count)
                id = s->ids[rows[i] - 1];
            else
                snprintf(buf, sizeof buf, "#%lld", (long long)rows[i]);
            copy_id(o->ids[i], id, strlen(id));
        }
    }
    return 0;
}
#endif

/* ----------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: %s --engine cops|xapian|fts5 --index PATH --class term|and|or|phrase\n"
            "       --mode top10|count [--repeat R] [--warmup W] [--ids FILE] [--exact-total]\n"
            "       [--feedback N] [--feedback-terms T]   (cops: feedback for every query;\n"
            "       default: cops's, queries of 10+ words; 0: off)\n"
            "       < queries\n"
            "Per input line prints: median_us<TAB>count<TAB>top-10 ids (tab-separated).\n",
            program);
}

int main(int argc, char **argv)
{
    const char *engine_name = NULL, *index_path = NULL, *ids_path = NULL;
    enum qclass qclass = CLASS_AND;
    enum mode mode = MODE_TOP10;
    long repeat = 5, warmup = 1;
    int exact_total = 0;
    long feedback = -1, feedback_terms = 0; /* -1, 0: cops's default */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--exact-total")) {
            exact_total = 1;
            continue;
        }
        if (!v) {
            usage(stderr);
            return 2;
        }
        i++;
        if (!strcmp(a, "--engine"))
            engine_name = v;
        else if (!strcmp(a, "--feedback"))
            feedback = atol(v);
        else if (!strcmp(a, "--feedback-terms"))
            feedback_terms = atol(v);
        else if (!strcmp(a, "--index"))
            index_path = v;
        else if (!strcmp(a, "--ids"))
            ids_path = v;
        else if (!strcmp(a, "--repeat"))
            repeat = strtol(v, NULL, 10);
        else if (!strcmp(a, "--warmup"))
            warmup = strtol(v, NULL, 10);
        else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "top10"))
                mode = MODE_TOP10;
            else if (!strcmp(v, "count"))
                mode = MODE_COUNT;
            else
                die("unknown --mode ", v);
        } else if (!strcmp(a, "--class")) {
            if (!strcmp(v, "term"))
                qclass = CLASS_TERM;
            else if (!strcmp(v, "and"))
                qclass = CLASS_AND;
            else if (!strcmp(v, "or"))
                qclass = CLASS_OR;
            else if (!strcmp(v, "phrase"))
                qclass = CLASS_PHRASE;
            else
                die("unknown --class ", v);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!engine_name || !index_path) {
        usage(stderr);
        return 2;
    }
    if (repeat < 1 || warmup < 0)
        die("--repeat must be >= 1 and --warmup >= 0", NULL);

    enum engine engine;
    cops_engine_state cs = {0};
#ifdef HAVE_XAPIAN
    xapian_engine_state xs = {0};
#endif
#ifdef HAVE_SQLITE
    fts5_engine_state fs = {0};
#endif
    if (!strcmp(engine_name, "cops")) {
        engine = ENGINE_COPS;
        cops_error err;
        if (cops_index_open(index_path, &cs.index, &err) != 0)
            die("cannot open the index: ", err.message);
        cops_search_options_init(&cs.options);
        cs.options.snippets = 0;
        cs.options.limit = TOP_K;
        if (feedback >= 0) { /* as cops-query --feedback N: every query */
            cs.options.feedback_documents = (size_t)feedback;
            cs.options.feedback_query_length = 1;
        }
        cs.options.feedback_terms = feedback_terms > 0 ? (size_t)feedback_terms : 0;
        if (mode == MODE_COUNT)
            cs.options.count_only = 1;
        else
            cs.options.exact_total = exact_total;
    } else if (!strcmp(engine_name, "xapian")) {
        engine = ENGINE_XAPIAN;
#ifdef HAVE_XAPIAN
        if (xapian_open(&xs, index_path, mode == MODE_COUNT) != 0)
            return 2;
#else
        die("built without Xapian", NULL);
#endif
    } else if (!strcmp(engine_name, "fts5")) {
        engine = ENGINE_FTS5;
#ifdef HAVE_SQLITE
        if (ids_path)
            load_ids(&fs, ids_path);
        if (fts5_open(&fs, index_path, mode == MODE_COUNT) != 0)
            return 2;
#else
        (void)ids_path; /* only the FTS5 engine maps rowids back to ids */
        die("built without SQLite", NULL);
#endif
    } else {
        die("unknown --engine ", engine_name);
    }

    double *times = malloc((size_t)repeat * sizeof *times);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    char query[4096], msg[COPS_ERROR_MESSAGE_MAX];
    size_t queries = 0, failures = 0;
    double total_us = 0;
    outcome o;
    while ((len = getline(&line, &lcap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        build_query(engine, qclass, line, query, sizeof query);
        queries++;
        int rc = 0;
        memset(&o, 0, sizeof o);
        for (long r = 0; rc == 0 && r < warmup + repeat; r++) {
            double us = 0;
            outcome *want = r == warmup + repeat - 1 ? &o : NULL;
            msg[0] = '\0';
            switch (engine) {
            case ENGINE_COPS:
                rc = cops_run(&cs, query, &us, want, msg, sizeof msg);
                break;
            case ENGINE_XAPIAN:
#ifdef HAVE_XAPIAN
                rc = xapian_run(&xs, query, &us, want, msg, sizeof msg);
#endif
                break;
            case ENGINE_FTS5:
#ifdef HAVE_SQLITE
                rc = fts5_run(&fs, query, &us, want, msg, sizeof msg);
#endif
                break;
            }
            if (r >= warmup)
                times[r - warmup] = us;
        }
        if (rc != 0) {
            failures++;
            for (char *m = msg; *m; m++)
                if (*m == '\t' || *m == '\n')
                    *m = ' ';
            printf("-1\t-1\tERROR: %s\n", msg);
            continue;
        }
        qsort(times, (size_t)repeat, sizeof *times, cmp_double);
        double median = repeat % 2 ? times[repeat / 2]
                                   : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
        total_us += median;
        printf("%.2f\t%llu", median, (unsigned long long)o.count);
        for (size_t i = 0; i < o.hits; i++)
            printf("\t%s", o.ids[i]);
        putchar('\n');
    }
    fflush(stdout);
    fprintf(stderr, "%s: %s %s: %zu queries, %zu failed, sum of medians %.1f ms\n", program,
            engine_name, mode == MODE_COUNT ? "count" : "top10", queries, failures,
            total_us / 1e3);
    free(line);
    free(times);
    cops_index_close(cs.index);
#ifdef HAVE_XAPIAN
    cops_xapian_db_close(xs.db);
    analyzer_free(xs.analyzer);
#endif
#ifdef HAVE_SQLITE
    sqlite3_finalize(fs.stmt);
    sqlite3_close(fs.db);
    for (size_t i = 0; i < fs.id_count; i++)
        free(fs.ids[i]);
    free(fs.ids);
#endif
    return failures ? 1 : 0;
}
