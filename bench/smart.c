/*
 * smart.c — SMART collection, qrels and TREC run readers (smart.h).
 */
#include "config.h"

#include "bench/smart.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* A growing text buffer. */
typedef struct text {
    char *data;
    size_t length, capacity;
    int failed;
} text;

static void text_append(text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->length + n + 1 > t->capacity) {
        size_t c = t->capacity ? t->capacity : 256;
        while (c < t->length + n + 1)
            c *= 2;
        char *p = realloc(t->data, c);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->data = p;
        t->capacity = c;
    }
    memcpy(t->data + t->length, s, n);
    t->length += n;
    t->data[t->length] = '\0';
}

/* A malloc'd copy of s[0, n) without leading and trailing white space. */
static char *trimmed_copy(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* Read one line into *line (without its LF and CR); 0 at end of file. */
static int read_line(FILE *f, char **line, size_t *cap, size_t *length)
{
    ssize_t n = getline(line, cap, f);
    if (n < 0)
        return 0;
    size_t l = (size_t)n;
    while (l && ((*line)[l - 1] == '\n' || (*line)[l - 1] == '\r'))
        l--;
    (*line)[l] = '\0';
    *length = l;
    return 1;
}

/* The field letter of a marker line ".X" or ".X text", else 0. */
static char marker(const char *line, size_t length)
{
    if (length >= 2 && line[0] == '.' && line[1] >= 'A' && line[1] <= 'Z'
        && (length == 2 || line[2] == ' ' || line[2] == '\t'))
        return line[1];
    return 0;
}

void smart_free(smart_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->records[i].id);
        for (int k = 0; k < SMART_FIELDS; k++)
            free(f->records[i].fields[k]);
    }
    free(f->records);
    memset(f, 0, sizeof *f);
}

const char *smart_field(const smart_record *r, char letter)
{
    if (letter < 'A' || letter > 'Z')
        return "";
    const char *s = r->fields[letter - 'A'];
    return s ? s : "";
}

int smart_looks_like(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, length = 0;
    int yes = 0;
    while (read_line(f, &line, &cap, &length)) {
        if (length == 0)
            continue;
        yes = marker(line, length) == 'I';
        break;
    }
    free(line);
    fclose(f);
    return yes;
}

/* Store the pending field text of the last record. */
static int close_field(smart_file *out, char field, text *t)
{
    if (!field || out->count == 0) {
        t->length = 0;
        return 0;
    }
    smart_record *r = &out->records[out->count - 1];
    char *value = trimmed_copy(t->data ? t->data : "", t->length);
    t->length = 0;
    if (!value)
        return -1;
    char **slot = &r->fields[field - 'A'];
    if (*slot) {
        /* A repeated marker: join the two texts. */
        size_t a = strlen(*slot), b = strlen(value);
        char *joined = realloc(*slot, a + b + 2);
        if (!joined) {
            free(value);
            return -1;
        }
        joined[a] = '\n';
        memcpy(joined + a + 1, value, b + 1);
        *slot = joined;
        free(value);
    } else {
        *slot = value;
    }
    return 0;
}

int smart_read(const char *path, smart_file *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0, length = 0;
    text t = {0};
    char field = 0;
    int rc = 0;
    while (rc == 0 && read_line(f, &line, &cap, &length)) {
        char m = marker(line, length);
        if (!m) {
            if (field) {
                text_append(&t, line, length);
                text_append(&t, "\n", 1);
            }
            continue;
        }
        if (close_field(out, field, &t) < 0) {
            rc = COPS_ENOMEM;
            break;
        }
        field = 0;
        if (m == 'I') {
            if (out->count == out->capacity) {
                size_t c = out->capacity ? out->capacity * 2 : 256;
                smart_record *p = realloc(out->records, c * sizeof *p);
                if (!p) {
                    rc = COPS_ENOMEM;
                    break;
                }
                out->records = p;
                out->capacity = c;
            }
            smart_record *r = &out->records[out->count];
            memset(r, 0, sizeof *r);
            r->id = trimmed_copy(line + 2, length - 2);
            if (!r->id) {
                rc = COPS_ENOMEM;
                break;
            }
            out->count++;
            r->position = out->count;
        } else if (out->count > 0) {
            field = m;
            if (length > 3)
                text_append(&t, line + 3, length - 3), text_append(&t, "\n", 1);
        }
    }
    if (rc == 0 && close_field(out, field, &t) < 0)
        rc = COPS_ENOMEM;
    if (rc == 0 && t.failed)
        rc = COPS_ENOMEM;
    int read_error = ferror(f);
    free(line);
    free(t.data);
    fclose(f);
    if (rc == 0 && read_error)
        rc = error_set(err, COPS_EIO, "cannot read %s", path);
    else if (rc == COPS_ENOMEM)
        error_set(err, rc, "out of memory reading %s", path);
    else if (rc == 0 && out->count == 0)
        rc = error_set(err, COPS_EINPUT, "%s: no \".I\" record", path);
    if (rc)
        smart_free(out);
    return rc;
}

/* Split line into at most `max` whitespace-separated columns (in place). */
static size_t split(char *line, char **columns, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        columns[n++] = tok;
    }
    return n;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -1000000 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

/* Glasgow's fourth column: a number with a fraction ("0.000000"). */
static int glasgow_score(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot || dot == s || !dot[1])
        return 0;
    return strspn(s, "0123456789") == (size_t)(dot - s) && strspn(dot + 1, "0123456789") == strlen(dot + 1);
}

int smart_read_qrels(const char *path, eval_qrels *qrels, cops_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0, length = 0;
    unsigned long number = 0;
    int rc = 0;
    while (rc == 0 && read_line(f, &line, &cap, &length)) {
        number++;
        char *col[5];
        size_t n = split(line, col, 4);
        int code;
        if (n == 0)
            continue;
        int glasgow = n == 4 && parse_int(col[2], &code) == 0 && glasgow_score(col[3]);
        if (glasgow)
            code = 1;
        else if ((n != 3 && n != 4) || parse_int(col[n - 1], &code) < 0) {
            rc = error_set(err, COPS_EINPUT, "%s:%lu: expected \"qid docid rel\", "
                           "\"qid iter docid rel\" with an integer rel, or \"qid docid 0 "
                           "0.000000\"", path, number);
            break;
        }
        if (eval_qrels_add(qrels, col[0], glasgow ? col[1] : col[n - 2], code) < 0)
            rc = error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
    }
    free(line);
    fclose(f);
    return rc;
}

int smart_looks_like_qrels(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, length = 0;
    int lines = 0, ok = 1;
    while (ok && lines < 50 && read_line(f, &line, &cap, &length)) {
        char *col[5];
        size_t n = split(line, col, 4);
        int code;
        if (n == 0)
            continue;
        lines++;
        ok = (n == 3 || n == 4) && (parse_int(col[n - 1], &code) == 0
                                    || (n == 4 && glasgow_score(col[3])));
    }
    free(line);
    fclose(f);
    return ok && lines > 0;
}

int smart_read_run(const char *path, eval_run *run, cops_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0, length = 0;
    unsigned long number = 0;
    int rc = 0;
    while (rc == 0 && read_line(f, &line, &cap, &length)) {
        number++;
        char *col[7];
        size_t n = split(line, col, 6);
        if (n == 0)
            continue;
        char *end = NULL;
        double score = n == 6 ? strtod(col[4], &end) : 0;
        if (n != 6 || end == col[4] || *end) {
            rc = error_set(err, COPS_EINPUT, "%s:%lu: expected \"qid Q0 docid rank score tag\"",
                           path, number);
            break;
        }
        if (eval_run_add(run, col[0], col[2], score) < 0)
            rc = error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
    }
    free(line);
    fclose(f);
    return rc;
}
