/*
 * collections.c — test collections in their distributed layouts
 * (collections.h).
 */
#include "config.h"

#include "bench/collections.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "bench/smart.h"

void collection_options_init(collection_options *o)
{
    memset(o, 0, sizeof *o);
    o->text_fields = "W";
    o->title_field = 'T';
    o->ids = IDS_AUTO;
    o->grades = -1;
}

/* ---------------------------------------------------------------- lines */

/* A whole file split into lines (LF or CRLF, trailing white space
 * removed); v[i] points into data. */
typedef struct lines {
    char *data;
    char **v;
    size_t n;
} lines;

static void lines_free(lines *l)
{
    free(l->data);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int lines_read(const char *path, lines *l, cops_error *err)
{
    memset(l, 0, sizeof *l);
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", path);
    size_t cap = 65536, n = 0, got;
    l->data = malloc(cap);
    while (l->data && (got = fread(l->data + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *p = realloc(l->data, cap * 2);
            if (!p) {
                free(l->data);
                l->data = NULL;
            }
            l->data = p;
            cap *= 2;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (!l->data)
        return error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
    if (failed) {
        lines_free(l);
        return error_set(err, COPS_EIO, "cannot read %s", path);
    }
    l->data[n] = '\0';
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += l->data[i] == '\n';
    l->v = malloc(count * sizeof *l->v);
    if (!l->v) {
        lines_free(l);
        return error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
    }
    char *p = l->data, *end = l->data + n;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        char *t = stop;
        while (t > p && isspace((unsigned char)t[-1]))
            *--t = '\0';
        l->v[l->n++] = p;
        p = stop + 1;
    }
    return 0;
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static int blank(const char *s)
{
    return *skip_space(s) == '\0';
}

/* 1 when s[0, n) is a decimal integer (optionally negative). */
static int integer_token(const char *s, size_t n)
{
    if (n && *s == '-')
        s++, n--;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* 1 when s[0, n) is a decimal number with a fraction ("0.000000"). */
static int decimal_token(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    return dot && integer_token(s, (size_t)(dot - s))
           && (dot + 1 == s + n || integer_token(dot + 1, (size_t)(s + n - dot - 1)));
}

/* Walk the white-space separated tokens of a line: *at advances. */
static int next_token(const char **at, const char **tok, size_t *len)
{
    const char *s = skip_space(*at);
    if (!*s)
        return 0;
    const char *e = s;
    while (*e && !isspace((unsigned char)*e))
        e++;
    *tok = s;
    *len = (size_t)(e - s);
    *at = e;
    return 1;
}

/* 1 when the line is one integer (around white space); its value in *v. */
static int number_line(const char *line, long *v)
{
    const char *at = line, *tok;
    size_t len;
    if (!next_token(&at, &tok, &len) || !integer_token(tok, len) || *skip_space(at))
        return 0;
    if (v)
        *v = strtol(tok, NULL, 10);
    return 1;
}

/* 1 when the line is `word` then one integer (its text in *id, *idlen
 * unless NULL). */
static int header_line(const char *line, const char *word, const char **id, size_t *idlen)
{
    const char *at = line, *tok, *number;
    size_t len, nlen;
    if (!next_token(&at, &tok, &len) || len != strlen(word) || memcmp(tok, word, len) != 0)
        return 0;
    if (!next_token(&at, &number, &nlen) || !integer_token(number, nlen) || *skip_space(at))
        return 0;
    if (id) {
        *id = number;
        *idlen = nlen;
    }
    return 1;
}

static int slash_line(const char *line)
{
    return strcmp(skip_space(line), "/") == 0;
}

static int stars_line(const char *line)
{
    const char *s = skip_space(line);
    size_t n = strspn(s, "*");
    return n >= 3 && s[n] == '\0';
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---------------------------------------------------------------- kinds */

static int smart_marker_i(const char *line)
{
    return line[0] == '.' && line[1] == 'I' && (line[2] == '\0' || isspace((unsigned char)line[2]));
}

/* Every non-blank line: two or more numbers, integers but for the last,
 * which may have a fraction (Glasgow's 0.000000). */
static int columns_file(const lines *l)
{
    size_t seen = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *at = l->v[i], *tok;
        size_t len, count = 0;
        int fraction_seen = 0;
        while (next_token(&at, &tok, &len)) {
            if (fraction_seen)
                return 0;
            if (!integer_token(tok, len)) {
                if (count < 2 || !decimal_token(tok, len))
                    return 0;
                fraction_seen = 1;
            }
            count++;
        }
        if (count == 1)
            return 0;
        seen += count > 0;
    }
    return seen > 0;
}

static collection_file_kind kind_of_lines(const lines *l)
{
    size_t i = 0;
    while (i < l->n && blank(l->v[i]))
        i++;
    if (i == l->n)
        return FILE_OTHER;
    const char *first = l->v[i], *id;
    size_t idlen;
    if (smart_marker_i(first))
        return FILE_SMART;
    if (strncmp(first, "*TEXT", 5) == 0)
        return FILE_TIME_DOCUMENTS;
    if (strncmp(first, "*FIND", 5) == 0)
        return FILE_TIME_QUERIES;
    if (header_line(first, "Document", &id, &idlen))
        return FILE_LISA_DOCUMENTS;
    if (header_line(first, "Query", &id, &idlen))
        return FILE_LISA_JUDGMENTS;
    if (number_line(first, NULL)) {
        /* The first record's end tells NPL ('/') from LISA queries ('#'). */
        for (size_t j = i + 1; j < l->n; j++) {
            size_t len = strlen(l->v[j]);
            if (slash_line(l->v[j])) {
                for (size_t k = i; k < l->n; k++) {
                    const char *at = l->v[k], *tok;
                    size_t tl;
                    if (slash_line(l->v[k]))
                        continue;
                    while (next_token(&at, &tok, &tl))
                        if (!integer_token(tok, tl))
                            return FILE_NPL_RECORDS;
                }
                return FILE_NPL_JUDGMENTS;
            }
            if (len && l->v[j][len - 1] == '#')
                return FILE_LISA_QUERIES;
        }
    }
    return columns_file(l) ? FILE_COLUMNS : FILE_OTHER;
}

collection_file_kind collection_file_kind_of(const char *path)
{
    lines l;
    cops_error err;
    if (lines_read(path, &l, &err) != 0)
        return FILE_OTHER;
    collection_file_kind k = kind_of_lines(&l);
    lines_free(&l);
    return k;
}

/* -------------------------------------------------------------- records */

typedef struct records {
    collection_record *v;
    size_t n, capacity;
} records;

static void records_free(records *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].id);
        free(r->v[i].title);
        free(r->v[i].text);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

static char *copy_n(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* The non-blank lines [a, b) of l, trimmed, joined by `sep`; a trailing
 * `cut` character of the last line (LISA's '#') is dropped. */
static char *join_lines(const lines *l, size_t a, size_t b, char sep, char cut)
{
    size_t total = 1;
    for (size_t i = a; i < b; i++)
        total += strlen(l->v[i]) + 1;
    char *s = malloc(total), *o = s;
    if (!s)
        return NULL;
    for (size_t i = a; i < b; i++) {
        const char *t = skip_space(l->v[i]);
        size_t n = strlen(t);
        if (cut && i + 1 == b && n && t[n - 1] == cut)
            while (n && (t[n - 1] == cut || isspace((unsigned char)t[n - 1])))
                n--;
        if (n == 0)
            continue;
        if (o != s)
            *o++ = sep;
        memcpy(o, t, n);
        o += n;
    }
    *o = '\0';
    return s;
}

/* Room for one more record; -1 when out of memory. */
static int records_reserve(records *r)
{
    if (r->n < r->capacity)
        return 0;
    size_t c = r->capacity ? r->capacity * 2 : 256;
    collection_record *p = realloc(r->v, c * sizeof *p);
    if (!p)
        return -1;
    r->v = p;
    r->capacity = c;
    return 0;
}

/* Append a record: id s[0, idlen), title lines [ta, tb), text [xa, xb). */
static int records_add(records *r, const char *id, size_t idlen, const lines *l, size_t ta,
                       size_t tb, size_t xa, size_t xb, char cut)
{
    if (records_reserve(r) < 0)
        return -1;
    collection_record *rec = &r->v[r->n];
    rec->id = copy_n(id, idlen);
    rec->title = join_lines(l, ta, tb, ' ', 0);
    rec->text = join_lines(l, xa, xb, '\n', cut);
    if (!rec->id || !rec->title || !rec->text) {
        free(rec->id);
        free(rec->title);
        free(rec->text);
        return -1;
    }
    r->n++;
    return 0;
}

#define NOMEM(path) error_set(err, COPS_ENOMEM, "out of memory reading %s", path)

/* NPL doc-text / query-text: a number line, text, a '/' line. */
static int read_npl_records(const char *path, const lines *l, records *out, cops_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        if (blank(l->v[i]))
            continue;
        const char *at = l->v[i], *id;
        size_t idlen;
        if (!number_line(l->v[i], NULL) || !next_token(&at, &id, &idlen))
            return error_set(err, COPS_EINPUT, "%s:%zu: expected a record number", path, i + 1);
        size_t end = i + 1;
        while (end < l->n && !slash_line(l->v[end]))
            end++;
        if (end == l->n)
            return error_set(err, COPS_EINPUT, "%s:%zu: record %.*s has no closing '/' line",
                             path, i + 1, (int)idlen, id);
        if (records_add(out, id, idlen, l, 0, 0, i + 1, end, 0) < 0)
            return NOMEM(path);
        i = end;
    }
    return 0;
}

static int judge(eval_qrels *q, const char *qid, size_t qlen, const char *docid, size_t dlen)
{
    char a[64], b[64];
    if (qlen >= sizeof a || dlen >= sizeof b)
        return -2;
    memcpy(a, qid, qlen);
    a[qlen] = '\0';
    memcpy(b, docid, dlen);
    b[dlen] = '\0';
    return eval_qrels_add(q, a, b, 1);
}

/* Every document number left on line `line_number` (text from `at`) is
 * relevant to query `qid`. */
static int judge_documents(eval_qrels *q, const char *qid, size_t qlen, const char *at,
                           const char *path, size_t line_number, cops_error *err)
{
    const char *tok;
    size_t len;
    while (next_token(&at, &tok, &len)) {
        if (!integer_token(tok, len))
            return error_set(err, COPS_EINPUT, "%s:%zu: expected document numbers", path,
                             line_number);
        int rc = judge(q, qid, qlen, tok, len);
        if (rc == -2)
            return error_set(err, COPS_EINPUT, "%s:%zu: identifier too long", path, line_number);
        if (rc < 0)
            return NOMEM(path);
    }
    return 0;
}

/* NPL rlv-ass: a query number line, document numbers, a '/' line. */
static int read_npl_judgments(const char *path, const lines *l, eval_qrels *q, cops_error *err)
{
    const char *qid = NULL;
    size_t qlen = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *at = l->v[i];
        if (slash_line(l->v[i])) {
            qid = NULL;
            continue;
        }
        if (!qid) {
            if (blank(l->v[i]))
                continue;
            if (!number_line(l->v[i], NULL))
                return error_set(err, COPS_EINPUT, "%s:%zu: expected a query number", path, i + 1);
            next_token(&at, &qid, &qlen);
            continue;
        }
        int rc = judge_documents(q, qid, qlen, at, path, i + 1, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* LISA documents: "Document n", title lines, a blank line, the abstract,
 * a line of '*'. */
static int read_lisa_documents(const char *path, const lines *l, records *out, cops_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *id;
        size_t idlen;
        if (!header_line(l->v[i], "Document", &id, &idlen))
            continue; /* outside a record: skipped (see the header) */
        size_t end = i + 1;
        while (end < l->n && !stars_line(l->v[end]) && !header_line(l->v[end], "Document", NULL, NULL))
            end++;
        size_t title_end = i + 1;
        while (title_end < end && !blank(l->v[title_end]))
            title_end++;
        if (records_add(out, id, idlen, l, i + 1, title_end, title_end, end, 0) < 0)
            return NOMEM(path);
        i = end - 1;
    }
    return 0;
}

/* LISA.QUE: a number line, text whose last line ends in '#'. */
static int read_lisa_queries(const char *path, const lines *l, records *out, cops_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        if (blank(l->v[i]))
            continue;
        const char *at = l->v[i], *id;
        size_t idlen;
        if (!number_line(l->v[i], NULL) || !next_token(&at, &id, &idlen))
            return error_set(err, COPS_EINPUT, "%s:%zu: expected a query number", path, i + 1);
        size_t end = i + 1;
        while (end < l->n && (!*l->v[end] || l->v[end][strlen(l->v[end]) - 1] != '#'))
            end++;
        if (end == l->n)
            return error_set(err, COPS_EINPUT, "%s:%zu: query %.*s does not end in '#'", path,
                             i + 1, (int)idlen, id);
        if (records_add(out, id, idlen, l, 0, 0, i + 1, end + 1, '#') < 0)
            return NOMEM(path);
        i = end;
    }
    return 0;
}

/* The count of a "k Relevant Refs:" line, or -1. */
static long refs_line(const char *line)
{
    long k = -1;
    char words[32] = "";
    if (sscanf(line, "%ld %31[A-Za-z :]", &k, words) != 2 || k < 0
        || strcmp(words, "Relevant Refs:") != 0)
        return -1;
    return k;
}

/* LISA.REL: "Query n", "k Relevant Refs:", k numbers then -1.  The
 * distributed file is spliced: a list stops short where a "k Relevant
 * Refs:" line without its "Query n" begins.  The short list is kept, the
 * headless block is dropped, and `note` says so. */
static int read_lisa_judgments(const char *path, const lines *l, eval_qrels *q, char *note,
                               size_t note_size, cops_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        if (blank(l->v[i]))
            continue;
        const char *qid, *at, *tok;
        size_t qlen, len, head = i;
        if (!header_line(l->v[i], "Query", &qid, &qlen))
            return error_set(err, COPS_EINPUT, "%s:%zu: expected \"Query n\"", path, i + 1);
        i++;
        while (i < l->n && blank(l->v[i]))
            i++;
        long k = i < l->n ? refs_line(l->v[i]) : -1;
        if (k < 0)
            return error_set(err, COPS_EINPUT, "%s:%zu: expected \"k Relevant Refs:\"", path,
                             i < l->n ? i + 1 : i);
        long seen = 0;
        int ended = 0;
        while (!ended && ++i < l->n) {
            at = l->v[i];
            if (refs_line(l->v[i]) >= 0) {
                size_t used = strlen(note);
                snprintf(note + used, note_size - used, "%s%s:%zu: query %.*s cut after %ld of "
                         "%ld documents by a block without \"Query n\" (dropped)",
                         used ? "; " : "", base_name(path), i + 1, (int)qlen, qid, seen, k);
                while (i < l->n && !strstr(l->v[i], "-1"))
                    i++;
                seen = k;
                break;
            }
            while (!ended && next_token(&at, &tok, &len)) {
                if (len == 2 && memcmp(tok, "-1", 2) == 0) {
                    ended = 1;
                    break;
                }
                if (!integer_token(tok, len))
                    return error_set(err, COPS_EINPUT, "%s:%zu: expected document numbers",
                                     path, i + 1);
                int rc = judge(q, qid, qlen, tok, len);
                if (rc == -2)
                    return error_set(err, COPS_EINPUT, "%s:%zu: identifier too long", path,
                                     i + 1);
                if (rc < 0)
                    return NOMEM(path);
                seen++;
            }
        }
        if (!ended && seen != k)
            return error_set(err, COPS_EINPUT, "%s:%zu: query %.*s: no -1 ends its list", path,
                             head + 1, (int)qlen, qid);
        if (seen != k)
            return error_set(err, COPS_EINPUT, "%s:%zu: query %.*s lists %ld documents, not %ld",
                             path, head + 1, (int)qlen, qid, seen, k);
    }
    return 0;
}

/* TIME.ALL / TIME.QUE: records from `header` ("*TEXT", "*FIND") lines,
 * whose second word is the id, to the next line starting with '*'; the
 * file ends at "*STOP". */
static int read_time_records(const char *path, const lines *l, const char *header,
                             records *out, cops_error *err)
{
    size_t hl = strlen(header);
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->v[i], "*STOP", 5) == 0)
            break;
        if (blank(l->v[i]))
            continue;
        int is_header = strncmp(l->v[i], header, hl) == 0;
        const char *at = is_header ? l->v[i] + hl : "", *id;
        size_t idlen;
        if (!is_header || !next_token(&at, &id, &idlen))
            return error_set(err, COPS_EINPUT, "%s:%zu: expected \"%s n\"", path, i + 1, header);
        size_t end = i + 1;
        while (end < l->n && l->v[end][0] != '*')
            end++;
        if (records_add(out, id, idlen, l, 0, 0, i + 1, end, 0) < 0)
            return NOMEM(path);
        i = end - 1;
    }
    return 0;
}

/* TIME.REL: "qid docid docid ..." per line. */
static int read_lists(const char *path, const lines *l, eval_qrels *q, cops_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *at = l->v[i], *qid;
        size_t qlen;
        if (!next_token(&at, &qid, &qlen))
            continue;
        int rc = judge_documents(q, qid, qlen, at, path, i + 1, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------- layouts */

typedef struct layout {
    const char *name;
    collection_file_kind docs, queries, judgments;
    int many_docs;       /* several document files, read in name order */
    int docs_by_position; /* the judgments number documents by position */
} layout;

static const layout layouts[] = {
    {"SMART", FILE_SMART, FILE_SMART, FILE_COLUMNS, 0, 0},
    {"NPL", FILE_NPL_RECORDS, FILE_NPL_RECORDS, FILE_NPL_JUDGMENTS, 0, 0},
    {"LISA", FILE_LISA_DOCUMENTS, FILE_LISA_QUERIES, FILE_LISA_JUDGMENTS, 1, 0},
    /* TIME.REL's 268 is the 268th article of TIME.ALL ("*TEXT 334"):
     * the judged documents by number are off the queries' subjects. */
    {"TIME", FILE_TIME_DOCUMENTS, FILE_TIME_QUERIES, FILE_COLUMNS, 0, 1},
};
#define NLAYOUTS (sizeof layouts / sizeof layouts[0])

static const layout *layout_of_docs(collection_file_kind k)
{
    for (size_t i = 0; i < NLAYOUTS; i++)
        if (layouts[i].docs == k)
            return &layouts[i];
    return NULL;
}

/* A SMART record as a document (title and text fields of `o`) or as a
 * query (text .W). */
static int smart_record_add(records *out, const smart_record *r, int query,
                            const collection_options *o)
{
    size_t total = 1;
    const char *fields = query ? "W" : o->text_fields;
    for (const char *f = fields; *f; f++)
        total += strlen(smart_field(r, *f)) + 1;
    char *text = malloc(total), *title = strdup(query || !o->title_field ? ""
                                                                      : smart_field(r, o->title_field));
    char *id = strdup(r->id);
    if (!text || !title || !id) {
        free(text);
        free(title);
        free(id);
        return -1;
    }
    text[0] = '\0';
    for (const char *f = fields; *f; f++) {
        const char *v = smart_field(r, *f);
        if (*v && text[0])
            strcat(text, "\n");
        strcat(text, v);
    }
    for (char *p = title; *p; p++)
        if (*p == '\n')
            *p = ' ';
    if (records_reserve(out) < 0) {
        free(text);
        free(title);
        free(id);
        return -1;
    }
    out->v[out->n++] = (collection_record){id, title, text};
    return 0;
}

/* Read the records of `path` (of kind k) as documents or queries. */
static int load_records(const char *path, collection_file_kind k, int query,
                        const collection_options *o, records *out, cops_error *err)
{
    if (k == FILE_SMART) {
        smart_file f;
        int rc = smart_read(path, &f, err);
        for (size_t i = 0; rc == 0 && i < f.count; i++)
            if (smart_record_add(out, &f.records[i], query, o) < 0)
                rc = NOMEM(path);
        if (f.count)
            smart_free(&f);
        return rc;
    }
    lines l;
    int rc = lines_read(path, &l, err);
    if (rc)
        return rc;
    switch (k) {
    case FILE_NPL_RECORDS: rc = read_npl_records(path, &l, out, err); break;
    case FILE_LISA_DOCUMENTS: rc = read_lisa_documents(path, &l, out, err); break;
    case FILE_LISA_QUERIES: rc = read_lisa_queries(path, &l, out, err); break;
    case FILE_TIME_DOCUMENTS: rc = read_time_records(path, &l, "*TEXT", out, err); break;
    case FILE_TIME_QUERIES: rc = read_time_records(path, &l, "*FIND", out, err); break;
    default: rc = error_set(err, COPS_EINPUT, "%s: not a file of documents or queries", path);
    }
    lines_free(&l);
    return rc;
}

static int load_judgments(const char *path, collection_file_kind k, const layout *lay,
                          eval_qrels *q, char *note, size_t note_size, cops_error *err)
{
    if (k == FILE_COLUMNS && lay->judgments == FILE_COLUMNS && lay->docs != FILE_TIME_DOCUMENTS)
        return smart_read_qrels(path, q, err);
    lines l;
    int rc = lines_read(path, &l, err);
    if (rc)
        return rc;
    if (k == FILE_COLUMNS)
        rc = read_lists(path, &l, q, err);
    else if (k == FILE_NPL_JUDGMENTS)
        rc = read_npl_judgments(path, &l, q, err);
    else if (k == FILE_LISA_JUDGMENTS)
        rc = read_lisa_judgments(path, &l, q, note, note_size, err);
    else
        rc = error_set(err, COPS_EINPUT, "%s: not a judgment file of a known layout", path);
    lines_free(&l);
    return rc;
}

/* ------------------------------------------------------------ assembly */

typedef struct candidate {
    char *path;
    collection_file_kind kind;
} candidate;

typedef struct candidates {
    candidate *v;
    size_t n;
} candidates;

static void candidates_free(candidates *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int compare_candidates(const void *a, const void *b)
{
    return strcmp(((const candidate *)a)->path, ((const candidate *)b)->path);
}

/* The regular, non-hidden files of dir with their kinds, in name order. */
static int list_candidates(const char *dir, candidates *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", dir);
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        struct stat st;
        if (!path) {
            rc = NOMEM(dir);
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            candidate *p = realloc(out->v, cap * sizeof *p);
            if (!p) {
                free(path);
                rc = NOMEM(dir);
                break;
            }
            out->v = p;
        }
        out->v[out->n].path = path;
        out->v[out->n].kind = collection_file_kind_of(path);
        out->n++;
    }
    closedir(d);
    if (rc)
        candidates_free(out);
    else if (out->n)
        qsort(out->v, out->n, sizeof *out->v, compare_candidates);
    return rc;
}

/* The only candidate of kind k other than `not1`, `not2` (NULL when none;
 * *count receives how many there are). */
static const char *only_of_kind(const candidates *c, collection_file_kind k, const char *not1,
                                const char *not2, size_t *count)
{
    const char *found = NULL;
    *count = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].kind != k || (not1 && strcmp(c->v[i].path, not1) == 0)
            || (not2 && strcmp(c->v[i].path, not2) == 0))
            continue;
        if (!found)
            found = c->v[i].path;
        (*count)++;
    }
    return *count == 1 ? found : NULL;
}

/* Decimal ids lose their leading zeros (in place). */
static void canonical_id(char *id)
{
    size_t n = strlen(id), z = 0;
    if (!integer_token(id, n) || id[0] == '-')
        return;
    while (z + 1 < n && id[z] == '0')
        z++;
    memmove(id, id + z, n - z + 1);
}

static int compare_record_ids(const void *a, const void *b)
{
    const collection_record *const *x = a, *const *y = b;
    int c = strcmp((*x)->id, (*y)->id);
    return c ? c : (*x < *y ? -1 : *x > *y);
}

/* Drop every document record whose id an earlier record has; returns how
 * many, or -1 when out of memory. */
static long drop_duplicates(records *r)
{
    if (r->n < 2)
        return 0;
    collection_record **order = malloc(r->n * sizeof *order);
    unsigned char *drop = calloc(r->n, 1);
    if (!order || !drop) {
        free(order);
        free(drop);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++)
        order[i] = &r->v[i];
    qsort(order, r->n, sizeof *order, compare_record_ids);
    for (size_t i = 1; i < r->n; i++)
        if (strcmp(order[i]->id, order[i - 1]->id) == 0)
            drop[order[i] - r->v] = 1;
    free(order);
    size_t out = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (drop[i]) {
            free(r->v[i].id);
            free(r->v[i].title);
            free(r->v[i].text);
        } else {
            r->v[out++] = r->v[i];
        }
    }
    long dropped = (long)(r->n - out);
    r->n = out;
    free(drop);
    return dropped;
}

/* Query ids: SMART's by position or number (see the header), the others'
 * as numbered. */
static void assign_query_ids(test_collection *c, const collection_options *o)
{
    int position = 0;
    if (strcmp(c->layout, "SMART") == 0) {
        position = o->ids == IDS_POSITION;
        if (o->ids == IDS_AUTO) {
            position = c->qrels.count > 0;
            for (size_t i = 0; position && i < c->qrels.count; i++) {
                const char *qid = c->qrels.items[i].qid;
                char *end;
                long v = strtol(qid, &end, 10);
                if (*qid == '\0' || *end || v < 1 || (size_t)v > c->nqueries)
                    position = 0;
            }
        }
    }
    c->ids_by_position = position;
    for (size_t i = 0; i < c->nqueries; i++)
        canonical_id(c->queries[i].id);
    if (position) {
        for (size_t i = 0; i < c->nqueries; i++) {
            char number[32];
            snprintf(number, sizeof number, "%zu", i + 1);
            char *id = strdup(number);
            if (id) {
                free(c->queries[i].id);
                c->queries[i].id = id;
            }
        }
    }
}

static eval_grades guess_grades(const eval_qrels *q)
{
    int cranfield = 1, minus = 0;
    for (size_t i = 0; i < q->count; i++) {
        int code = q->items[i].code;
        minus |= code == -1;
        if (!(code == -1 || (code >= 1 && code <= 4)))
            cranfield = 0;
    }
    return cranfield && minus ? EVAL_GRADES_CRANFIELD : EVAL_GRADES_TREC;
}

/* Documents named as their layout's judgments name them, and repeated
 * ids dropped; returns how many were, or -1 when out of memory. */
static long settle_document_ids(records *docs, const layout *lay)
{
    for (size_t i = 0; i < docs->n; i++) {
        if (lay->docs_by_position) {
            char number[32];
            snprintf(number, sizeof number, "%zu", i + 1);
            char *id = strdup(number);
            if (!id)
                return -1;
            free(docs->v[i].id);
            docs->v[i].id = id;
        }
        canonical_id(docs->v[i].id);
    }
    return drop_duplicates(docs);
}

void collection_free(test_collection *c)
{
    records d = {c->docs, c->ndocs, c->docs_capacity};
    records q = {c->queries, c->nqueries, c->queries_capacity};
    records_free(&d);
    records_free(&q);
    eval_qrels_free(&c->qrels);
    memset(c, 0, sizeof *c);
}

/* Choose the files of each role; the result points into `c` or `o`. */
typedef struct roles {
    const layout *lay;
    const char *docs[64];
    size_t ndocs;
    const char *queries, *qrels;
    int order_by_size; /* docs[0] and queries: the larger is the documents */
} roles;

static int choose_roles(const char *dir, const candidates *c, const collection_options *o,
                        roles *r, cops_error *err)
{
    memset(r, 0, sizeof *r);
    const char *where = dir ? dir : "the named files";
    if (o->docs && o->docs[0]) {
        r->lay = layout_of_docs(collection_file_kind_of(o->docs[0]));
        if (!r->lay)
            return error_set(err, COPS_EINPUT, "%s: not a document file of a known layout",
                             o->docs[0]);
        for (size_t i = 0; o->docs[i] && r->ndocs < 64; i++)
            r->docs[r->ndocs++] = o->docs[i];
    } else {
        for (size_t i = 0; i < c->n; i++) {
            const layout *lay = layout_of_docs(c->v[i].kind);
            if (!lay || lay == r->lay)
                continue;
            if (r->lay)
                return error_set(err, COPS_EINPUT, "%s: documents of two layouts (%s, %s): "
                                 "name them with --docs", where, r->lay->name, lay->name);
            r->lay = lay;
        }
        if (!r->lay)
            return error_set(err, COPS_EINPUT, "%s: no test collection layout recognised", where);
    }
    const layout *lay = r->lay;
    size_t count;
    if (!r->ndocs) {
        if (lay->docs == lay->queries) {
            /* Two files of one kind: documents and queries. */
            for (size_t i = 0; i < c->n; i++) {
                if (c->v[i].kind != lay->docs || (o->queries && strcmp(c->v[i].path, o->queries) == 0))
                    continue;
                if (r->ndocs == 2 || (o->queries && r->ndocs == 1))
                    return error_set(err, COPS_EINPUT, "%s: more than two %s record files: name "
                                     "them with --docs and --queries", where, lay->name);
                r->docs[r->ndocs++] = c->v[i].path;
            }
            if (!o->queries && r->ndocs == 2) {
                r->queries = r->docs[1];
                r->ndocs = 1;
                r->order_by_size = 1;
            }
        } else {
            for (size_t i = 0; i < c->n && r->ndocs < 64; i++)
                if (c->v[i].kind == lay->docs)
                    r->docs[r->ndocs++] = c->v[i].path;
            if (r->ndocs > 1 && !lay->many_docs)
                return error_set(err, COPS_EINPUT, "%s: %zu %s document files: name one with "
                                 "--docs", where, r->ndocs, lay->name);
        }
        if (!r->ndocs)
            return error_set(err, COPS_EINPUT, "%s: no %s document file", where, lay->name);
    }
    if (o->queries)
        r->queries = o->queries;
    if (!r->queries) {
        r->queries = only_of_kind(c, lay->queries, r->docs[0], NULL, &count);
        if (!r->queries)
            return error_set(err, COPS_EINPUT, "%s: %s %s query files: name one with --queries",
                             where, count ? "several" : "no", lay->name);
    }
    r->qrels = o->qrels;
    if (!r->qrels) {
        r->qrels = only_of_kind(c, lay->judgments, r->docs[0], r->queries, &count);
        if (!r->qrels)
            return error_set(err, COPS_EINPUT, "%s: %s %s judgment files: name one with --qrels",
                             where, count ? "several" : "no", lay->name);
    }
    return 0;
}

int collection_read(const char *dir, const collection_options *o, test_collection *out,
                    cops_error *err)
{
    memset(out, 0, sizeof *out);
    eval_qrels_init(&out->qrels);
    candidates c = {NULL, 0};
    int rc = dir ? list_candidates(dir, &c, err) : 0;
    roles r;
    if (rc == 0)
        rc = choose_roles(dir, &c, o, &r, err);
    records docs = {NULL, 0, 0}, queries = {NULL, 0, 0};
    if (rc == 0 && r.order_by_size) {
        /* SMART and NPL: the file with more records holds the documents. */
        records a = {NULL, 0, 0}, b = {NULL, 0, 0};
        collection_file_kind k = r.lay->docs;
        rc = load_records(r.docs[0], k, 1, o, &a, err);
        if (rc == 0)
            rc = load_records(r.queries, k, 1, o, &b, err);
        if (rc == 0 && a.n < b.n) {
            const char *swap = r.docs[0];
            r.docs[0] = r.queries;
            r.queries = swap;
        }
        records_free(&a);
        records_free(&b);
    }
    for (size_t i = 0; rc == 0 && i < r.ndocs; i++)
        rc = load_records(r.docs[i], collection_file_kind_of(r.docs[i]), 0, o, &docs, err);
    if (rc == 0)
        rc = load_records(r.queries, collection_file_kind_of(r.queries), 1, o, &queries, err);
    if (rc == 0)
        rc = load_judgments(r.qrels, collection_file_kind_of(r.qrels), r.lay, &out->qrels,
                            out->note, sizeof out->note, err);
    long dropped = 0;
    if (rc == 0 && (dropped = settle_document_ids(&docs, r.lay)) < 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc) {
        records_free(&docs);
        records_free(&queries);
        eval_qrels_free(&out->qrels);
        candidates_free(&c);
        return rc;
    }
    out->layout = r.lay->name;
    out->docs = docs.v;
    out->ndocs = docs.n;
    out->docs_capacity = docs.capacity;
    out->queries = queries.v;
    out->nqueries = queries.n;
    out->queries_capacity = queries.capacity;
    out->duplicates = (size_t)dropped;
    for (size_t i = 0; i < out->qrels.count; i++) {
        canonical_id(out->qrels.items[i].qid);
        canonical_id(out->qrels.items[i].docid);
    }
    eval_qrels_finish(&out->qrels);
    assign_query_ids(out, o);
    out->grades = o->grades >= 0 ? (eval_grades)o->grades : guess_grades(&out->qrels);
    size_t used = (size_t)snprintf(out->files, sizeof out->files, "%s", base_name(r.docs[0]));
    if (r.ndocs > 1 && used < sizeof out->files)
        used += (size_t)snprintf(out->files + used, sizeof out->files - used, " .. %s (%zu files)",
                                 base_name(r.docs[r.ndocs - 1]), r.ndocs);
    if (used < sizeof out->files)
        snprintf(out->files + used, sizeof out->files - used, "; %s; %s", base_name(r.queries),
                 base_name(r.qrels));
    candidates_free(&c);
    return 0;
}
