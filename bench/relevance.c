/*
 * relevance.c — search quality of cops (and of Xapian, when built) on a
 * test collection with relevance judgments.  See bench/RELEVANCE.md.
 *
 *   bench/relevance [options] DIR...
 *       each DIR holds a test collection as distributed (collections.h:
 *       SMART, NPL, LISA or TIME layouts), or is a folder of them: index
 *       the documents with each engine in a temporary directory, run every
 *       query as a bag of words (literal, OR) for up to 1000 hits and print
 *       MAP, P@10, nDCG@10 and R@100 per collection, their means and the
 *       cops / Xapian BM25 ratios as one Markdown table.
 *   bench/relevance --known-item [options] DIR
 *       DIR holds .txt articles whose first line is the headline (BBC
 *       news): each headline is a query whose answer is its own article
 *       (and any article with the same headline); prints S@1, MRR, S@10
 *       with the headline kept as title and with the headline removed.
 *   bench/relevance --qrels FILE --evaluate RUN
 *       evaluate a TREC run file.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/collections.h"
#include "bench/evaluate.h"
#include "bench/smart.h"
#include "cops.h"

/* The proximity features and the run's summary use the engine's own
 * analyzer, stop list and weighting names, with or without Xapian: a build
 * configured --with-xapian=no failed to compile this file when these stood
 * under HAVE_XAPIAN. */
#include "analysis/analyzer.h"
#include "query/stopwords.h"
#include "query/weight.h"
#ifdef HAVE_XAPIAN
#include "query/parser.h"
#include "xapian/cops_xapian.h"
#include "xapian/xapian-plan.h"
#endif

#define HITS 1000
#define MAX_SYSTEMS 5
#define MAX_COLLECTIONS 64

typedef collection_record document;
typedef test_collection collection;

typedef struct settings {
    cops_search_options search;  /* k1, b, title_weight (defaults unless given) */
    collection_options read;     /* files, SMART fields, query ids, grades */
    int stem;
    int stopwords;
    int xapian;
    int lucene;
    const char *lucene_jars;     /* where liblucene8-java's jars are */
    const char *run_path;
    int lower_operators;         /* --lower-operators: and/or/not read as AND/OR/NOT */
    double proximity;            /* > 0: rerank cops's top hits by BM25TP (prototype) */
    double proximity_window;
} settings;

static void die(const char *what, const cops_error *err)
{
    fprintf(stderr, "relevance: %s%s%s\n", what, err ? ": " : "", err ? err->message : "");
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory", NULL);
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* ------------------------------------------------------------ queries */

/* --stopwords removes from bag-of-words queries, for both engines, the
 * English function words cops's own stop-word handling uses
 * (query/stopwords.h; an experiment, see RELEVANCE.md). */
static int is_stopword(const char *w, size_t n)
{
    char lower[32];
    if (n == 0 || n >= sizeof lower)
        return 0;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)w[i]);
    lower[n] = '\0';
    return stopword_listed(lower);
}

/* The query text sent to the engines: line breaks become spaces; with
 * `stopwords`, words of the list (compared without surrounding
 * punctuation) are dropped. */
static char *query_text(const char *raw, int stopwords)
{
    size_t n = strlen(raw);
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (isspace((unsigned char)raw[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && !isspace((unsigned char)raw[i]))
            i++;
        size_t a = start, b = i;
        while (a < b && ispunct((unsigned char)raw[a]))
            a++;
        while (b > a && ispunct((unsigned char)raw[b - 1]))
            b--;
        if (stopwords && is_stopword(raw + a, b - a))
            continue;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, raw + start, i - start);
        o += i - start;
    }
    out[o] = '\0';
    return out;
}

/* --lower-operators (an experiment, see RELEVANCE.md, "Lower-case
 * and/or/not"): the query as a person typing it would mean it if
 * lower-case and/or/not were operators: those words upper case, every
 * other character the syntax knows ("():*~^ and a leading + or -) made a
 * space.  Returns a new string; *changed tells whether any word was. */
static char *operator_text(const char *text, int *changed)
{
    char *out = xstrdup(text);
    *changed = 0;
    for (char *p = out; *p; p++)
        if (strchr("\"():*~^", *p) || ((*p == '+' || *p == '-') && (p == out || p[-1] == ' ')))
            *p = ' ';
    for (char *p = out; *p;) {
        while (*p == ' ')
            p++;
        char *end = p;
        while (*end && *end != ' ')
            end++;
        size_t n = (size_t)(end - p);
        if ((n == 3 && (!strncmp(p, "and", 3) || !strncmp(p, "not", 3)))
            || (n == 2 && !strncmp(p, "or", 2))) {
            for (char *c = p; c < end; c++)
                *c = (char)toupper((unsigned char)*c);
            *changed = 1;
        }
        p = end;
    }
    return out;
}

/* ------------------------------------------------------------- temp dir */

static char temp_root[] = "/tmp/cops-relevance-XXXXXX";
static int temp_made;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_temp(void)
{
    if (temp_made)
        nftw(temp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *temp_path(const char *name)
{
    static char path[4][600];
    static int next;
    char *p = path[next++ % 4];
    if (!temp_made) {
        if (!mkdtemp(temp_root))
            die("cannot create a temporary directory", NULL);
        temp_made = 1;
        atexit(remove_temp);
    }
    snprintf(p, sizeof path[0], "%s/%s", temp_root, name);
    return p;
}

/* ----------------------------------------------------------------- cops */

static void count_warning(void *context, const char *message)
{
    (void)message;
    (*(size_t *)context)++;
}

static cops_index *cops_engine_build(const char *name, const collection *c, int stem)
{
    char file[64];
    snprintf(file, sizeof file, "%s.jsonl", name);
    const char *jsonl = temp_path(file);
    FILE *f = fopen(jsonl, "w");
    if (!f)
        die("cannot write the documents", NULL);
    for (size_t i = 0; i < c->ndocs; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(c->docs[i].id));
        json_object_set_new(o, "title", json_string(c->docs[i].title));
        json_object_set_new(o, "text", json_string(c->docs[i].text));
        char *line = json_dumps(o, JSON_COMPACT);
        if (!line)
            die("out of memory", NULL);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(o);
    }
    if (fclose(f) != 0)
        die("cannot write the documents", NULL);

    cops_build_options options;
    cops_build_options_init(&options);
    options.stem = stem;
    size_t warnings = 0;
    options.on_warning = count_warning;
    options.context = &warnings;
    snprintf(file, sizeof file, "%s.cops", name);
    const char *dir = xstrdup(temp_path(file));
    const char *inputs[1] = {jsonl};
    cops_error err;
    cops_build_summary summary;
    if (cops_build(dir, inputs, 1, &options, &summary, &err) != COPS_OK)
        die("cops_build", &err);
    cops_index *index;
    if (cops_index_open(dir, &index, &err) != COPS_OK)
        die("cops_index_open", &err);
    if (summary.documents_skipped)
        fprintf(stderr, "relevance: cops skipped %llu empty or unusable documents\n",
                (unsigned long long)summary.documents_skipped);
    free((char *)dir);
    return index;
}


/* ---------------------------------------------------- proximity prototype */

/* A measurement before building it into the engine: cops's top
 * PROX_RERANK hits reranked by BM25 + lambda * the term-proximity part of
 * BM25TP (Rasolofo & Savoy 2003): every pair of distinct query terms (not
 * function words) at distance d <= window adds 1/d^2 to both terms'
 * accumulators, each term adds acc (k1 + 1) / (acc + K), K BM25's length
 * factor.  The document's title and text are analysed as cops does. */
#define PROX_RERANK 100
#define PROX_TERMS 64
#define PROX_POSITIONS 4096

typedef struct prox_doc {
    const char *terms[PROX_TERMS];
    size_t nterms;
    uint32_t pos[PROX_POSITIONS];
    uint8_t which[PROX_POSITIONS];
    size_t npos;
    uint32_t length;
} prox_doc;

static int prox_query_term(void *context, const analyzer_token *t)
{
    prox_doc *d = context;
    if (stopword_listed(t->term) || d->nterms == PROX_TERMS)
        return 0;
    for (size_t i = 0; i < d->nterms; i++)
        if (strcmp(d->terms[i], t->term) == 0)
            return 0;
    d->terms[d->nterms++] = xstrdup(t->term);
    return 0;
}

static int prox_doc_term(void *context, const analyzer_token *t)
{
    prox_doc *d = context;
    d->length++;
    if (d->npos == PROX_POSITIONS)
        return 0;
    for (size_t i = 0; i < d->nterms; i++)
        if (strcmp(d->terms[i], t->term) == 0) {
            d->pos[d->npos] = t->position;
            d->which[d->npos++] = (uint8_t)i;
            break;
        }
    return 0;
}

static double prox_score(prox_doc *d, const settings *s, double average)
{
    double acc[PROX_TERMS] = {0};
    uint32_t window = (uint32_t)s->proximity_window;
    for (size_t i = 0; i < d->npos; i++)
        for (size_t j = i + 1; j < d->npos && d->pos[j] - d->pos[i] <= window; j++)
            if (d->which[i] != d->which[j] && d->pos[j] > d->pos[i]) {
                double dist = (double)(d->pos[j] - d->pos[i]);
                acc[d->which[i]] += 1.0 / (dist * dist);
                acc[d->which[j]] += 1.0 / (dist * dist);
            }
    double k1 = s->search.k1, b = s->search.b;
    double K = k1 * (1.0 - b + b * (double)d->length / average), total = 0;
    for (size_t t = 0; t < d->nterms; t++)
        total += acc[t] * (k1 + 1.0) / (acc[t] + K);
    return total;
}

typedef struct prox_hit {
    const char *id;
    double score;
} prox_hit;

static int prox_compare(const void *a, const void *b)
{
    const prox_hit *x = a, *y = b;
    return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

static const collection_record *prox_find(const collection *c, const char *id)
{
    for (size_t i = 0; i < c->ndocs; i++)
        if (strcmp(c->docs[i].id, id) == 0)
            return &c->docs[i];
    return NULL;
}

static void prox_rerank(analyzer *a, const collection *c, const settings *s, const char *query,
                        prox_hit *hits, size_t n, double average)
{
    static prox_doc d;
    memset(&d, 0, sizeof d);
    analyzer_run(a, query, strlen(query), 0, 0, prox_query_term, &d, NULL, NULL);
    for (size_t i = 0; i < n && i < PROX_RERANK; i++) {
        const collection_record *r = prox_find(c, hits[i].id);
        d.npos = 0;
        d.length = 0;
        uint32_t next = 0;
        analyzer_run(a, r->title, strlen(r->title), 0, 0, prox_doc_term, &d, NULL, &next);
        analyzer_run(a, r->text, strlen(r->text), next + 100, 0, prox_doc_term, &d, NULL, NULL);
        hits[i].score += s->proximity * prox_score(&d, s, average);
    }
    qsort(hits, n < PROX_RERANK ? n : PROX_RERANK, sizeof *hits, prox_compare);
    for (size_t t = 0; t < d.nterms; t++)
        free((char *)d.terms[t]);
}

static int prox_count(void *context, const analyzer_token *t)
{
    (void)t;
    ++*(uint64_t *)context;
    return 0;
}

static void cops_engine_run(cops_index *index, const collection *c, const settings *s,
                            eval_run *run)
{
    cops_search_options o = s->search;
    o.literal = 1;
    o.default_op = COPS_OP_OR;
    o.limit = HITS;
    o.snippets = 0;
    size_t converted = 0, refused = 0;
    analyzer *a = NULL;
    double average = 1;
    if (s->proximity > 0) {
        analyzer_config config;
        analyzer_config_init(&config);
        config.stem = s->stem;
        cops_error aerr;
        if (analyzer_new(&config, &a, &aerr) != COPS_OK)
            die("analyzer_new", &aerr);
        uint64_t tokens = 0;
        for (size_t i = 0; i < c->ndocs; i++) {
            analyzer_run(a, c->docs[i].title, strlen(c->docs[i].title), 0, 0, prox_count, &tokens,
                         NULL, NULL);
            analyzer_run(a, c->docs[i].text, strlen(c->docs[i].text), 0, 0, prox_count, &tokens,
                         NULL, NULL);
        }
        average = c->ndocs ? (double)tokens / (double)c->ndocs : 1;
    }
    for (size_t q = 0; q < c->nqueries; q++) {
        char *text = query_text(c->queries[q].text, s->stopwords);
        cops_results *results;
        cops_error err;
        int changed = 0;
        if (s->lower_operators) {
            char *operators = operator_text(text, &changed);
            o.literal = !changed;
            converted += (size_t)changed;
            if (changed && cops_search(index, operators, &o, &results, &err) != COPS_OK) {
                refused++; /* "a AND" and the like: the words as they are */
                changed = 0;
                o.literal = 1;
            }
            free(operators);
        }
        if (!changed && cops_search(index, text, &o, &results, &err) != COPS_OK)
            die("cops_search", &err);
        size_t n = cops_results_count(results);
        prox_hit *hits = xmalloc(n * sizeof *hits);
        for (size_t i = 0; i < n; i++) {
            hits[i].id = cops_results_hit(results, i)->id;
            hits[i].score = cops_results_hit(results, i)->score;
        }
        if (s->proximity > 0)
            prox_rerank(a, c, s, text, hits, n, average);
        for (size_t i = 0; i < n; i++)
            if (eval_run_add(run, c->queries[q].id, hits[i].id, hits[i].score) < 0)
                die("out of memory", NULL);
        free(hits);
        cops_results_free(results);
        free(text);
    }
    if (s->lower_operators)
        fprintf(stderr, "relevance: %s: %zu of %zu queries hold a lower-case and/or/not, %zu of "
                        "them refused as operators (searched as words)\n",
                c->files, converted, c->nqueries, refused);
    if (a)
        analyzer_free(a);
}

/* --------------------------------------------------------------- xapian */

#ifdef HAVE_XAPIAN
typedef struct xapian_engine {
    cops_xapian_db *db;
    analyzer *a;
    char **ids;      /* ids[docid] */
    size_t nids;
} xapian_engine;

static void xapian_engine_build(const char *name, const collection *c, int stem, xapian_engine *x)
{
    char file[64];
    snprintf(file, sizeof file, "%s.xapian", name);
    cops_error err;
    analyzer_config config;
    analyzer_config_init(&config);
    config.stem = stem;
    if (analyzer_new(&config, &x->a, &err) != COPS_OK)
        die("analyzer_new", &err);
    if (cops_xapian_db_open(temp_path(file), COPS_XAPIAN_CREATE_OR_OVERWRITE, &x->db, &err)
        != COPS_OK)
        die("cops_xapian_db_open", &err);
    x->ids = xmalloc((c->ndocs + 1) * sizeof *x->ids);
    x->nids = c->ndocs + 1;
    memset(x->ids, 0, x->nids * sizeof *x->ids);
    for (size_t i = 0; i < c->ndocs; i++) {
        const document *d = &c->docs[i];
        /* cops skips documents without text; so does the comparison. */
        const char *t = d->text;
        while (*t && isspace((unsigned char)*t))
            t++;
        if (!*t)
            continue;
        uint32_t docid;
        if (xapian_index_document(x->db, x->a, d->id, d->title, d->text, strlen(d->text), 0, 0,
                                  &docid, &err) != COPS_OK)
            die("xapian_index_document", &err);
        if (docid >= x->nids)
            die("unexpected Xapian document id", NULL);
        x->ids[docid] = d->id;
    }
    if (cops_xapian_commit(x->db, &err) != COPS_OK)
        die("cops_xapian_commit", &err);
}

static void xapian_engine_free(xapian_engine *x)
{
    cops_xapian_db_close(x->db);
    analyzer_free(x->a);
    free(x->ids);
}

static void xapian_engine_run(xapian_engine *x, const collection *c, const settings *s,
                              const cops_xapian_weight *w, eval_run *run)
{
    xapian_plan_options plan;
    xapian_plan_options_init(&plan);
    plan.title_weight = s->search.title_weight;
    for (size_t q = 0; q < c->nqueries; q++) {
        char *text = query_text(c->queries[q].text, s->stopwords);
        cops_error err;
        query_node *tree = NULL;
        if (query_parse(text, QUERY_PARSE_LITERAL | QUERY_PARSE_DEFAULT_OR, &tree, &err)
            != COPS_OK) {
            /* An empty query (all stopwords): no hits, as in cops. */
            free(text);
            continue;
        }
        cops_xapian_query *xq;
        if (xapian_plan_query(tree, x->a, &plan, &xq, &err) != COPS_OK)
            die("xapian_plan_query", &err);
        cops_xapian_results *results;
        if (cops_xapian_search(x->db, xq, w, 0, HITS, 0, &results, &err) != COPS_OK)
            die("cops_xapian_search", &err);
        for (size_t i = 0; i < cops_xapian_results_count(results); i++) {
            uint32_t docid = cops_xapian_results_docid(results, i);
            if (docid >= x->nids || !x->ids[docid])
                die("unknown Xapian document id", NULL);
            if (eval_run_add(run, c->queries[q].id, x->ids[docid],
                             cops_xapian_results_score(results, i)) < 0)
                die("out of memory", NULL);
        }
        cops_xapian_results_free(results);
        cops_xapian_query_free(xq);
        query_free(tree);
        free(text);
    }
}
#endif

/* --------------------------------------------------------------- lucene */

/* Lucene 8 (bench/LuceneRelevance.java), when javac, java and the
 * lucene-core and lucene-analyzers-common jars are found: compiled once
 * into the temporary folder, then run on files written from the
 * collection.  Any failure leaves Lucene out with one message. */
static int lucene_state; /* 0 untried, 1 ready, -1 unavailable */
static char lucene_classpath[2048];

/* Run argv (no shell); 1 when it exited with status 0. */
static int run_program(char *const argv[])
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The first jar of `dir` matching `pattern`, or NULL. */
static char *find_jar(const char *dir, const char *pattern)
{
    char spec[1024];
    snprintf(spec, sizeof spec, "%s/%s", dir, pattern);
    glob_t g;
    char *found = NULL;
    if (glob(spec, 0, NULL, &g) == 0 && g.gl_pathc > 0)
        found = xstrdup(g.gl_pathv[0]);
    globfree(&g);
    return found;
}

static int lucene_ready(const settings *s)
{
    if (lucene_state)
        return lucene_state > 0;
    lucene_state = -1;
    char *core = find_jar(s->lucene_jars, "lucene-core-8*.jar");
    char *common = find_jar(s->lucene_jars, "lucene-analyzers-common-8*.jar");
    if (!core || !common) {
        fprintf(stderr, "relevance: Lucene left out: no lucene-core-8 and "
                "lucene-analyzers-common-8 jars in %s (Debian: liblucene8-java)\n",
                s->lucene_jars);
        free(core);
        free(common);
        return 0;
    }
    char classes[600], source[1024];
    snprintf(classes, sizeof classes, "%s", temp_path("lucene-classes"));
    snprintf(source, sizeof source, "%s/LuceneRelevance.java", COPS_BENCH_SRCDIR);
    snprintf(lucene_classpath, sizeof lucene_classpath, "%s:%s", core, common);
    free(core);
    free(common);
    if (mkdir(classes, 0700) != 0)
        die("cannot create a temporary directory", NULL);
    char *javac[] = {"javac", "-nowarn", "-d", classes, "-cp", lucene_classpath, source, NULL};
    if (!run_program(javac)) {
        fprintf(stderr, "relevance: Lucene left out: javac could not compile %s\n", source);
        return 0;
    }
    size_t used = strlen(lucene_classpath);
    snprintf(lucene_classpath + used, sizeof lucene_classpath - used, ":%s", classes);
    lucene_state = 1;
    return 1;
}

/* s without tabs and line breaks (one TSV field). */
static void put_field(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

/* Runs Lucene with (stop = 1) or without EnglishAnalyzer's stop words;
 * 0 when it failed. */
static int lucene_run(const char *name, const collection *c, const settings *s, int stop,
                      eval_run *run)
{
    char file[96];
    snprintf(file, sizeof file, "%s.docs.tsv", name);
    char docs[600], queries[600], out[600];
    snprintf(docs, sizeof docs, "%s", temp_path(file));
    snprintf(file, sizeof file, "%s.queries.tsv", name);
    snprintf(queries, sizeof queries, "%s", temp_path(file));
    snprintf(file, sizeof file, "%s.lucene.run", name);
    snprintf(out, sizeof out, "%s", temp_path(file));
    FILE *d = fopen(docs, "w"), *q = fopen(queries, "w");
    if (!d || !q)
        die("cannot write the Lucene input", NULL);
    for (size_t i = 0; i < c->ndocs; i++) {
        put_field(d, c->docs[i].id);
        fputc('\t', d);
        put_field(d, c->docs[i].title);
        fputc('\t', d);
        put_field(d, c->docs[i].text);
        fputc('\n', d);
    }
    for (size_t i = 0; i < c->nqueries; i++) {
        char *text = query_text(c->queries[i].text, s->stopwords);
        put_field(q, c->queries[i].id);
        fputc('\t', q);
        put_field(q, text);
        fputc('\n', q);
        free(text);
    }
    if (fclose(d) != 0 || fclose(q) != 0)
        die("cannot write the Lucene input", NULL);
    char *java[] = {"java", "-cp", lucene_classpath, "LuceneRelevance", docs, queries, out,
                    stop ? "stop" : "nostop", NULL};
    if (!run_program(java)) {
        fprintf(stderr, "relevance: Lucene failed on %s\n", name);
        return 0;
    }
    cops_error err;
    /* The file is in rank order (ties as Lucene broke them): kept. */
    if (smart_read_run(out, run, &err) != COPS_OK)
        die("reading Lucene's run", &err);
    return 1;
}

/* ---------------------------------------------------------------- report */

typedef struct system_result {
    char label[160];
    char tag[32];
    eval_run run;
    eval_summary summary;
} system_result;

static void write_run(const char *path, const system_result *r)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "relevance: cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    for (size_t q = 0; q < r->run.count; q++) {
        const eval_query_run *qr = &r->run.queries[q];
        for (size_t i = 0; i < qr->count; i++)
            fprintf(f, "%s Q0 %s %zu %.9g %s\n", qr->qid, qr->docs[i].docid, i + 1,
                    qr->docs[i].score, r->tag);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "relevance: cannot write %s\n", path);
        exit(2);
    }
}

/* The systems compared: cops, and Xapian twice when built. */
static size_t run_systems(const char *name, const collection *c, const settings *s,
                          system_result *out)
{
    size_t n = 0;
    memset(out, 0, MAX_SYSTEMS * sizeof *out);
    cops_index *index = cops_engine_build(name, c, s->stem);
    int used = s->search.weight == COPS_WEIGHT_BM25
                   ? snprintf(out[n].label, sizeof out[n].label, "cops BM25 k1=%g b=%g, title weight %g",
                              s->search.k1, s->search.b, s->search.title_weight)
                   : snprintf(out[n].label, sizeof out[n].label,
                              "cops %s(%g) k1=%g b=%g, title weight %g",
                              weight_name(s->search.weight), s->search.weight_parameter,
                              s->search.k1, s->search.b, s->search.title_weight);
    if (used > 0 && (size_t)used < sizeof out[n].label)
        used += snprintf(out[n].label + used, sizeof out[n].label - (size_t)used,
                         ", stop words from %zu words", s->search.stop_word_query_length);
    if (s->search.feedback_documents && s->search.feedback_query_length && used > 0
        && (size_t)used < sizeof out[n].label)
        snprintf(out[n].label + used, sizeof out[n].label - (size_t)used,
                 ", feedback %zu docs %zu terms weight %g from %zu words",
                 s->search.feedback_documents, s->search.feedback_terms,
                 s->search.feedback_weight, s->search.feedback_query_length);
    snprintf(out[n].tag, sizeof out[n].tag, "cops");
    eval_run_init(&out[n].run);
    cops_engine_run(index, c, s, &out[n].run);
    cops_index_close(index);
    n++;
#ifdef HAVE_XAPIAN
    if (s->xapian) {
        xapian_engine x;
        memset(&x, 0, sizeof x);
        xapian_engine_build(name, c, s->stem, &x);
        cops_xapian_weight w;
        cops_xapian_weight_init(&w);
        snprintf(out[n].label, sizeof out[n].label,
                 "Xapian BM25 defaults (k1=%g b=%g min_normlen=%g)", w.k1, w.b, w.min_normlen);
        snprintf(out[n].tag, sizeof out[n].tag, "xapian-default");
        eval_run_init(&out[n].run);
        xapian_engine_run(&x, c, s, &w, &out[n].run);
        n++;
        w.k1 = 1.2;
        w.b = 0.75;
        w.k2 = 0;
        w.k3 = 1;
        w.min_normlen = 0;
        snprintf(out[n].label, sizeof out[n].label, "Xapian BM25 k1=1.2 b=0.75");
        snprintf(out[n].tag, sizeof out[n].tag, "xapian-bm25");
        eval_run_init(&out[n].run);
        xapian_engine_run(&x, c, s, &w, &out[n].run);
        n++;
        xapian_engine_free(&x);
    }
#endif
    for (int stop = 0; s->lucene && stop < 2 && lucene_ready(s); stop++) {
        eval_run_init(&out[n].run);
        if (!lucene_run(name, c, s, stop, &out[n].run)) {
            eval_run_free(&out[n].run);
            break;
        }
        snprintf(out[n].label, sizeof out[n].label,
                 "Lucene 8 BM25 k1=1.2 b=0.75, EnglishAnalyzer%s", stop ? "" : " without stop words");
        snprintf(out[n].tag, sizeof out[n].tag, stop ? "lucene-stop" : "lucene");
        n++;
    }
    for (size_t i = 0; i < n; i++)
        if (eval_run_evaluate(&c->qrels, c->grades, &out[i].run, &out[i].summary, NULL, NULL) < 0)
            die("out of memory", NULL);
    return n;
}

static void print_known_item_rows(const char *variant, const system_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("| %s | %s | %.4f | %.4f | %.4f |\n", variant, r[i].label, r[i].summary.s1,
               r[i].summary.mrr, r[i].summary.s10);
}

static void free_systems(system_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        eval_run_free(&r[i].run);
}

/* ---------------------------------------------------------- collections */

typedef struct measured {
    char name[64];
    system_result results[MAX_SYSTEMS];
    size_t n;
} measured;

static const char *base_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    static char name[64];
    size_t start = n;
    while (start && path[start - 1] != '/')
        start--;
    snprintf(name, sizeof name, "%.*s", (int)(n - start), path + start);
    return name;
}

/* Write the runs of one collection: cops's to FILE (FILE.NAME when there
 * are several collections), each other system's to that plus ".tag". */
static void write_runs(const settings *s, const measured *m, int several)
{
    for (size_t i = 0; i < m->n; i++) {
        size_t len = strlen(s->run_path) + strlen(m->name) + strlen(m->results[i].tag) + 3;
        char *p = xmalloc(len);
        snprintf(p, len, "%s%s%s%s%s", s->run_path, several ? "." : "", several ? m->name : "",
                 i ? "." : "", i ? m->results[i].tag : "");
        write_run(p, &m->results[i]);
        free(p);
    }
}

/* Read, index, run and evaluate the collection in `dir` into *m. */
static void measure(const char *dir, const settings *s, measured *m)
{
    collection c;
    cops_error err;
    if (collection_read(dir, &s->read, &c, &err) != COPS_OK)
        die("reading the collection", &err);
    snprintf(m->name, sizeof m->name, "%s", base_name(dir ? dir : s->read.docs[0]));
    m->n = run_systems(m->name, &c, s, m->results);
    printf("- %s (%s: %s): %zu documents%s, %zu queries%s, %zu judged queries evaluated, "
           "%zu without relevant documents excluded, %s grades\n",
           m->name, c.layout, c.files, c.ndocs, c.duplicates ? " (repeated records dropped)" : "",
           c.nqueries, c.ids_by_position ? " (ids by position)" : "",
           m->results[0].summary.queries, m->results[0].summary.excluded,
           c.grades == EVAL_GRADES_CRANFIELD ? "Cranfield" : "TREC");
    if (c.duplicates)
        printf("  - %zu document records repeat an earlier id and were dropped\n", c.duplicates);
    if (c.note[0])
        printf("  - %s\n", c.note);
    collection_free(&c);
}

static int has_subfolders(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int yes = 0;
    while (!yes && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        yes = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    }
    closedir(d);
    return yes;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The collection folders named by `arg`: itself when it holds files of a
 * known layout, else its subfolders (bench/relevance data/ir). */
static size_t collection_dirs(const char *arg, const collection_options *o, char **out,
                              size_t max)
{
    if (!has_subfolders(arg)) {
        out[0] = xstrdup(arg);
        return 1;
    }
    test_collection probe;
    cops_error err;
    if (collection_read(arg, o, &probe, &err) == COPS_OK) {
        collection_free(&probe);
        out[0] = xstrdup(arg);
        return 1;
    }
    DIR *d = opendir(arg);
    size_t n = 0;
    struct dirent *e;
    while (d && n < max && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(arg) + strlen(e->d_name) + 2;
        char *path = xmalloc(len);
        struct stat st;
        snprintf(path, len, "%s/%s", arg, e->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            out[n++] = path;
        else
            free(path);
    }
    if (d)
        closedir(d);
    qsort(out, n, sizeof *out, compare_names);
    return n;
}

static void print_row(const char *collection_name, const char *system, const eval_summary *m)
{
    printf("| %s | %s | %.4f | %.4f | %.4f | %.4f |\n", collection_name, system, m->map, m->p10,
           m->ndcg10, m->r100);
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static void print_ratio_row(const char *collection_name, const char *label,
                            const eval_summary *a, const eval_summary *b)
{
    printf("| %s | **%s** | %.3fx | %.3fx | %.3fx | %.3fx |\n", collection_name, label,
           ratio(a->map, b->map), ratio(a->p10, b->p10), ratio(a->ndcg10, b->ndcg10),
           ratio(a->r100, b->r100));
}

/* The index of the system tagged `tag`, or -1. */
static int system_index(const measured *m, const char *tag)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->results[i].tag, tag) == 0)
            return (int)i;
    return -1;
}

/* One table: every collection's systems, cops / Xapian BM25, and the
 * means over the collections (each collection weighs the same). */
static void print_collections_table(const measured *m, size_t count)
{
    const char *ratio_label = "cops / Xapian BM25 k1=1.2 b=0.75";
    printf("\n| collection | system | MAP | P@10 | nDCG@10 | R@100 |\n");
    printf("|---|---|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < count; k++) {
        for (size_t i = 0; i < m[k].n; i++)
            print_row(m[k].name, m[k].results[i].label, &m[k].results[i].summary);
        int x = system_index(&m[k], "xapian-bm25");
        if (x >= 0)
            print_ratio_row(m[k].name, ratio_label, &m[k].results[0].summary,
                            &m[k].results[x].summary);
    }
    if (count < 2)
        return;
    char mean_name[32];
    snprintf(mean_name, sizeof mean_name, "mean of %zu", count);
    eval_summary means[MAX_SYSTEMS];
    memset(means, 0, sizeof means);
    for (size_t i = 0; i < m[0].n; i++) {
        int everywhere = 1; /* a system missing on one collection has no mean */
        for (size_t k = 0; k < count; k++)
            everywhere &= i < m[k].n && strcmp(m[k].results[i].tag, m[0].results[i].tag) == 0;
        if (!everywhere)
            continue;
        for (size_t k = 0; k < count; k++) {
            means[i].map += m[k].results[i].summary.map / (double)count;
            means[i].p10 += m[k].results[i].summary.p10 / (double)count;
            means[i].ndcg10 += m[k].results[i].summary.ndcg10 / (double)count;
            means[i].r100 += m[k].results[i].summary.r100 / (double)count;
        }
        print_row(mean_name, m[0].results[i].label, &means[i]);
    }
    int x = system_index(&m[0], "xapian-bm25");
    if (x >= 0)
        print_ratio_row(mean_name, ratio_label, &means[0], &means[x]);
}

static int collections(char **args, size_t nargs, const settings *s)
{
    char *dirs[MAX_COLLECTIONS];
    size_t ndirs = 0;
    for (size_t i = 0; i < nargs && ndirs < MAX_COLLECTIONS; i++)
        ndirs += collection_dirs(args[i], &s->read, dirs + ndirs, MAX_COLLECTIONS - ndirs);
    if (nargs == 0)
        dirs[ndirs++] = NULL; /* every file named by --docs/--queries/--qrels */
    measured *m = xmalloc(ndirs * sizeof *m);
    memset(m, 0, ndirs * sizeof *m);
    printf("Collections (title + text indexed, each query's text as a bag of words, %d hits):\n\n",
           HITS);
    for (size_t k = 0; k < ndirs; k++) {
        measure(dirs[k], s, &m[k]);
        if (s->run_path)
            write_runs(s, &m[k], ndirs > 1);
        free_systems(m[k].results, m[k].n);
        free(dirs[k]);
    }
    print_collections_table(m, ndirs);
    free(m);
    return 0;
}
/* ------------------------------------------------------ known-item check */

typedef struct article {
    char *id, *headline, *lead, *body, *whole;
} article;

typedef struct article_list {
    article *items;
    size_t count, capacity;
    const char *root;
} article_list;

static article_list *walk_list;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = xmalloc(cap);
    size_t got;
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            s = realloc(s, cap);
            if (!s)
                die("out of memory", NULL);
        }
    }
    fclose(f);
    s[n] = '\0';
    return s;
}

static int collect_article(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    size_t len = strlen(path);
    if (flag != FTW_F || len < 4 || strcmp(path + len - 4, ".txt") != 0)
        return 0;
    const char *rel = path + strlen(walk_list->root);
    while (*rel == '/')
        rel++;
    if (strchr(rel, '/') == NULL) /* README.TXT-like files at the top: not articles */
        return 0;
    char *all = read_all(path);
    if (!all)
        return 0;
    /* Headline: line 1; body: the rest; lead: its first non-blank line. */
    char *nl = strchr(all, '\n');
    char *body = nl ? nl + 1 : all + strlen(all);
    size_t hl = (size_t)(body - all);
    while (hl && isspace((unsigned char)all[hl - 1]))
        hl--;
    article a;
    a.id = xstrdup(rel);
    a.headline = xmalloc(hl + 1);
    memcpy(a.headline, all, hl);
    a.headline[hl] = '\0';
    while (*body && isspace((unsigned char)*body))
        body++;
    a.body = xstrdup(body);
    const char *le = strchr(body, '\n');
    size_t ll = le ? (size_t)(le - body) : strlen(body);
    a.lead = xmalloc(ll + 1);
    memcpy(a.lead, body, ll);
    a.lead[ll] = '\0';
    a.whole = all;
    if (walk_list->count == walk_list->capacity) {
        walk_list->capacity = walk_list->capacity ? walk_list->capacity * 2 : 1024;
        walk_list->items = realloc(walk_list->items, walk_list->capacity * sizeof(article));
        if (!walk_list->items)
            die("out of memory", NULL);
    }
    walk_list->items[walk_list->count++] = a;
    return 0;
}

static int compare_articles(const void *a, const void *b)
{
    return strcmp(((const article *)a)->id, ((const article *)b)->id);
}

static int known_item(const char *dir, const settings *s)
{
    article_list list = {NULL, 0, 0, dir};
    walk_list = &list;
    if (nftw(dir, collect_article, 16, FTW_PHYS) != 0 || list.count == 0) {
        fprintf(stderr, "relevance: %s: no articles (*.txt in subfolders)\n", dir);
        return 2;
    }
    qsort(list.items, list.count, sizeof *list.items, compare_articles);

    printf("Known-item check on %s: %zu articles, each headline a query; relevant: the "
           "articles with that headline.\n\n", dir, list.count);
    printf("| variant | system | S@1 | MRR | S@10 |\n");
    printf("|---|---|---:|---:|---:|\n");
    for (int variant = 0; variant < 2; variant++) {
        collection c;
        memset(&c, 0, sizeof c);
        c.grades = EVAL_GRADES_TREC;
        c.ndocs = c.nqueries = list.count;
        c.docs = xmalloc(c.ndocs * sizeof *c.docs);
        c.queries = xmalloc(c.nqueries * sizeof *c.queries);
        eval_qrels_init(&c.qrels);
        for (size_t i = 0; i < list.count; i++) {
            const article *a = &list.items[i];
            c.docs[i].id = a->id;
            /* Variant 0: the file as cops-index reads a .txt (title =
             * headline, text = whole file).  Variant 1: the headline
             * removed; the title is the lead paragraph. */
            c.docs[i].title = variant == 0 ? a->headline : a->lead;
            c.docs[i].text = variant == 0 ? a->whole : a->body;
            c.queries[i].id = a->id;
            c.queries[i].text = a->headline;
        }
        /* Relevant: every article with the same headline (the set has
         * a few duplicated stories). */
        for (size_t i = 0; i < list.count; i++) {
            for (size_t j = 0; j < list.count; j++) {
                if (i != j && strcmp(list.items[i].headline, list.items[j].headline) != 0)
                    continue;
                if (eval_qrels_add(&c.qrels, list.items[i].id, list.items[j].id, 1) < 0)
                    die("out of memory", NULL);
            }
        }
        eval_qrels_finish(&c.qrels);
        system_result results[MAX_SYSTEMS];
        size_t n = run_systems(variant ? "bbc-body" : "bbc", &c, s, results);
        print_known_item_rows(variant == 0 ? "headline kept (title)" : "headline removed",
                              results, n);
        free_systems(results, n);
        free(c.docs);
        free(c.queries);
        eval_qrels_free(&c.qrels);
    }
    for (size_t i = 0; i < list.count; i++) {
        free(list.items[i].id);
        free(list.items[i].headline);
        free(list.items[i].lead);
        free(list.items[i].body);
        free(list.items[i].whole);
    }
    free(list.items);
    return 0;
}

/* ------------------------------------------------------ TREC file mode */

static int evaluate_files(const char *qrels_path, const char *run_path, int grades)
{
    eval_qrels qrels;
    eval_run run;
    cops_error err;
    eval_qrels_init(&qrels);
    eval_run_init(&run);
    if (smart_read_qrels(qrels_path, &qrels, &err) != COPS_OK)
        die("reading the judgments", &err);
    eval_qrels_finish(&qrels);
    if (smart_read_run(run_path, &run, &err) != COPS_OK)
        die("reading the run", &err);
    eval_run_sort_trec(&run);
    eval_summary m;
    if (eval_run_evaluate(&qrels, grades < 0 ? EVAL_GRADES_TREC : (eval_grades)grades, &run, &m,
                          NULL, NULL) < 0)
        die("out of memory", NULL);
    printf("%zu queries evaluated, %zu without relevant documents excluded.\n\n", m.queries,
           m.excluded);
    printf("| run | MAP | P@10 | nDCG@10 | R@100 | MRR |\n|---|---:|---:|---:|---:|---:|\n");
    printf("| %s | %.4f | %.4f | %.4f | %.4f | %.4f |\n", run_path, m.map, m.p10, m.ndcg10,
           m.r100, m.mrr);
    eval_run_free(&run);
    eval_qrels_free(&qrels);
    return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: relevance [options] DIR...          test collections (one table)\n"
            "       relevance [options] [DIR] --docs F [--docs F...] --queries F --qrels F\n"
            "       relevance --known-item [options] DIR  headline known-item check (BBC news)\n"
            "       relevance --qrels FILE --evaluate RUN [--grades G]\n"
            "DIR: a collection folder as distributed (SMART: Cranfield, ADI; NPL; LISA;\n"
            "TIME; see bench/collections.h), or a folder of such folders.\n"
            "options:\n"
            "  --docs F --queries F --qrels F   name a collection's files when detection\n"
            "                         is ambiguous (--docs repeats for several files)\n"
            "  --run FILE             write cops's TREC run to FILE, Xapian's to FILE.<tag>\n"
            "                         (FILE.<collection>[.<tag>] with several collections)\n"
            "  --query-ids auto|position|number\n"
            "                         qrels query ids: the query's position in the file or\n"
            "                         its .I number (auto: position when every qrels id is\n"
            "                         in 1..query count)\n"
            "  --grades auto|trec|cranfield\n"
            "  --k1 X --b X --title-weight X   cops ranking (default: cops's defaults;\n"
            "                         the title weight applies to Xapian too)\n"
            "  --stop-length N        cops's stop_word_query_length (0: every word scores)\n"
            "  --weight SCHEME --weight-parameter X\n"
            "                         cops's weighting scheme (bm25, bm25+, bm25l, inl2,\n"
            "                         lm) and its parameter (0: the scheme's default)\n"
            "  --proximity-rerank L --proximity-window W\n"
            "                         prototype, measurement only: rerank cops's top 100\n"
            "                         by BM25 + L x BM25TP's proximity part, pairs of query\n"
            "                         words within W positions (default 5)\n"
            "  --feedback N --feedback-terms T --feedback-weight W --feedback-length L\n"
            "                         cops's pseudo-relevance feedback (query/feedback.h;\n"
            "                         --feedback 0: off; L 1: every query)\n"
            "  --text FIELDS          SMART fields forming the text (default W)\n"
            "  --title FIELD|none     SMART field of the title (default T)\n"
            "  --no-stem              index and query without stemming\n"
            "  --stopwords            drop a small list of English function words from\n"
            "                         the queries (both engines)\n"
            "  --lower-operators      cops reads lower-case and/or/not as the operators\n"
            "                         AND/OR/NOT (an experiment; the default is words)\n"
            "  --no-xapian            leave Xapian out\n"
            "  --no-lucene            leave Lucene 8 out (it runs when javac, java and the\n"
            "                         lucene-core-8 and lucene-analyzers-common-8 jars are\n"
            "                         found)\n"
            "  --lucene-jars DIR      where the jars are (default /usr/share/java)\n");
}

int main(int argc, char **argv)
{
    settings s;
    memset(&s, 0, sizeof s);
    cops_search_options_init(&s.search);
    collection_options_init(&s.read);
    s.stem = 1;
    s.xapian = 1;
    s.lucene = 1;
    s.lucene_jars = "/usr/share/java";
    s.proximity_window = 5;
    const char *docs[65] = {NULL};
    size_t ndocs = 0;
    int known = 0;
    const char *qrels_path = NULL, *evaluate_path = NULL;
    enum { O_RUN = 256, O_IDS, O_GRADES, O_K1, O_B, O_TW, O_TEXT, O_TITLE, O_NOSTEM, O_STOP,
           O_NOX, O_KNOWN, O_QRELS, O_EVAL, O_DOCS, O_QUERIES, O_NOLUCENE, O_JARS, O_HELP,
           O_FBDOCS, O_FBTERMS, O_FBWEIGHT, O_FBLEN, O_STOPLEN, O_LOWEROPS, O_WEIGHT, O_WPARAM, O_PROX, O_PROXWIN };
    static const struct option longs[] = {
        {"run", required_argument, NULL, O_RUN},
        {"query-ids", required_argument, NULL, O_IDS},
        {"grades", required_argument, NULL, O_GRADES},
        {"k1", required_argument, NULL, O_K1},
        {"b", required_argument, NULL, O_B},
        {"title-weight", required_argument, NULL, O_TW},
        {"feedback", required_argument, NULL, O_FBDOCS},
        {"stop-length", required_argument, NULL, O_STOPLEN},
        {"weight", required_argument, NULL, O_WEIGHT},
        {"weight-parameter", required_argument, NULL, O_WPARAM},
        {"proximity-rerank", required_argument, NULL, O_PROX},
        {"proximity-window", required_argument, NULL, O_PROXWIN},
        {"feedback-terms", required_argument, NULL, O_FBTERMS},
        {"feedback-weight", required_argument, NULL, O_FBWEIGHT},
        {"feedback-length", required_argument, NULL, O_FBLEN},
        {"text", required_argument, NULL, O_TEXT},
        {"title", required_argument, NULL, O_TITLE},
        {"no-stem", no_argument, NULL, O_NOSTEM},
        {"stopwords", no_argument, NULL, O_STOP},
        {"lower-operators", no_argument, NULL, O_LOWEROPS},
        {"no-xapian", no_argument, NULL, O_NOX},
        {"known-item", no_argument, NULL, O_KNOWN},
        {"qrels", required_argument, NULL, O_QRELS},
        {"evaluate", required_argument, NULL, O_EVAL},
        {"docs", required_argument, NULL, O_DOCS},
        {"no-lucene", no_argument, NULL, O_NOLUCENE},
        {"lucene-jars", required_argument, NULL, O_JARS},
        {"queries", required_argument, NULL, O_QUERIES},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (opt) {
        case O_RUN: s.run_path = optarg; break;
        case O_IDS:
            if (strcmp(optarg, "auto") == 0)
                s.read.ids = IDS_AUTO;
            else if (strcmp(optarg, "position") == 0)
                s.read.ids = IDS_POSITION;
            else if (strcmp(optarg, "number") == 0)
                s.read.ids = IDS_NUMBER;
            else {
                usage(stderr);
                return 2;
            }
            break;
        case O_GRADES:
            if (strcmp(optarg, "auto") == 0)
                s.read.grades = -1;
            else if (strcmp(optarg, "trec") == 0)
                s.read.grades = EVAL_GRADES_TREC;
            else if (strcmp(optarg, "cranfield") == 0)
                s.read.grades = EVAL_GRADES_CRANFIELD;
            else {
                usage(stderr);
                return 2;
            }
            break;
        case O_K1: s.search.k1 = atof(optarg); break;
        case O_B: s.search.b = atof(optarg); break;
        case O_TW: s.search.title_weight = atof(optarg); break;
        case O_STOPLEN: s.search.stop_word_query_length = (size_t)atol(optarg); break;
        case O_FBDOCS: s.search.feedback_documents = (size_t)atol(optarg); break;
        case O_FBTERMS: s.search.feedback_terms = (size_t)atol(optarg); break;
        case O_FBWEIGHT: s.search.feedback_weight = atof(optarg); break;
        case O_FBLEN: s.search.feedback_query_length = (size_t)atol(optarg); break;
        case O_WEIGHT:
            if (weight_from_name(optarg) < 0) {
                usage(stderr);
                return 2;
            }
            s.search.weight = (cops_weight)weight_from_name(optarg);
            break;
        case O_WPARAM: s.search.weight_parameter = atof(optarg); break;
        case O_PROX: s.proximity = atof(optarg); break;
        case O_PROXWIN: s.proximity_window = atof(optarg); break;
        case O_TEXT:
            for (const char *p = optarg; *p; p++)
                if (*p < 'A' || *p > 'Z') {
                    usage(stderr);
                    return 2;
                }
            s.read.text_fields = optarg;
            break;
        case O_TITLE:
            if (strcmp(optarg, "none") == 0)
                s.read.title_field = 0;
            else if (strlen(optarg) == 1 && optarg[0] >= 'A' && optarg[0] <= 'Z')
                s.read.title_field = optarg[0];
            else {
                usage(stderr);
                return 2;
            }
            break;
        case O_NOSTEM: s.stem = 0; break;
        case O_STOP: s.stopwords = 1; break;
        case O_LOWEROPS: s.lower_operators = 1; break;
        case O_NOX: s.xapian = 0; break;
        case O_KNOWN: known = 1; break;
        case O_QRELS: qrels_path = optarg; break;
        case O_EVAL: evaluate_path = optarg; break;
        case O_DOCS:
            if (ndocs == 64) {
                fprintf(stderr, "relevance: more than 64 --docs files\n");
                return 2;
            }
            docs[ndocs++] = optarg;
            break;
        case O_QUERIES: s.read.queries = optarg; break;
        case O_NOLUCENE: s.lucene = 0; break;
        case O_JARS: s.lucene_jars = optarg; break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (evaluate_path) {
        if (!qrels_path || optind != argc) {
            usage(stderr);
            return 2;
        }
        return evaluate_files(qrels_path, evaluate_path, s.read.grades);
    }
    if (known) {
        if (optind + 1 != argc) {
            usage(stderr);
            return 2;
        }
        return known_item(argv[optind], &s);
    }
    s.read.qrels = qrels_path;
    s.read.docs = ndocs ? docs : NULL;
    /* Without a folder every file must be named; with named files, one
     * folder at most (the others' roles would be ambiguous). */
    if ((optind == argc && (!ndocs || !s.read.queries || !s.read.qrels))
        || ((ndocs || s.read.queries || s.read.qrels) && argc - optind > 1)) {
        usage(stderr);
        return 2;
    }
    return collections(argv + optind, (size_t)(argc - optind), &s);
}
