/* bench/fts5-index: index a JSON Lines corpus (fields id, title, text;
 * optionally gzip-compressed) into an SQLite FTS5 table, so that
 * bench/index-compare can set its time, memory and size beside cops-index.
 *
 *   bench/fts5-index INPUT.jsonl[.gz] DBFILE [--store]
 *
 * The table is docs(title, body) with tokenize = 'porter unicode61'; it is
 * contentless (content='') unless --store, when FTS5 keeps its own copy of
 * the columns.  The rowid is the line's ordinal (the corpus ids are not
 * unique, and a contentless table keeps nothing else).  All inserts run in
 * one transaction through one prepared statement, with journal_mode=OFF and
 * synchronous=OFF: the fastest settings FTS5 has, not crash-safe ones.
 * Prints the document count (SELECT count(*)) and the decompressed input
 * size.  DBFILE is replaced if it exists. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>
#include <zlib.h>

static const char *program = "fts5-index";

/* ------------------------------------------------------------ line reader */

typedef struct {
    gzFile file;
    char buf[1 << 17];
    size_t pos, len;
    int eof;
    unsigned long long bytes; /* decompressed bytes read */
    char *line;               /* the current line, NUL-terminated */
    size_t line_len, line_cap;
} line_reader;

static int line_append(line_reader *r, const char *p, size_t n)
{
    if (r->line_len + n + 1 > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 4096;
        while (cap < r->line_len + n + 1)
            cap *= 2;
        char *grown = realloc(r->line, cap);
        if (!grown)
            return -1;
        r->line = grown;
        r->line_cap = cap;
    }
    memcpy(r->line + r->line_len, p, n);
    r->line_len += n;
    r->line[r->line_len] = '\0';
    return 0;
}

/* 1: a line is in r->line; 0: end of input; -1: error (message printed). */
static int line_next(line_reader *r)
{
    r->line_len = 0;
    if (line_append(r, "", 0) < 0)
        goto nomem;
    for (;;) {
        if (r->pos == r->len) {
            if (r->eof)
                return r->line_len > 0;
            int n = gzread(r->file, r->buf, sizeof r->buf);
            if (n < 0) {
                int code;
                fprintf(stderr, "%s: read error: %s\n", program, gzerror(r->file, &code));
                return -1;
            }
            if (n == 0) {
                r->eof = 1;
                continue;
            }
            r->bytes += (unsigned)n;
            r->pos = 0;
            r->len = (size_t)n;
        }
        const char *start = r->buf + r->pos;
        const char *nl = memchr(start, '\n', r->len - r->pos);
        size_t take = nl ? (size_t)(nl - start) : r->len - r->pos;
        if (line_append(r, start, take) < 0)
            goto nomem;
        r->pos += take;
        if (nl) {
            r->pos++;
            return 1;
        }
    }
nomem:
    fprintf(stderr, "%s: out of memory\n", program);
    return -1;
}

/* ------------------------------------------------------------------ SQLite */

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* A JSON string field as (pointer, length); "" when absent or not a string. */
static const char *string_field(json_t *object, const char *name, size_t *len)
{
    json_t *value = json_object_get(object, name);
    if (json_is_string(value)) {
        *len = json_string_length(value);
        return json_string_value(value);
    }
    *len = 0;
    return "";
}

static int usage(void)
{
    fprintf(stderr, "Usage: %s INPUT.jsonl[.gz] DBFILE [--store]\n", program);
    return 2;
}

int main(int argc, char **argv)
{
    const char *input = NULL, *dbfile = NULL;
    int store = 0;
    if (argc > 0)
        program = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0)
            store = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage();
        else if (!input)
            input = argv[i];
        else if (!dbfile)
            dbfile = argv[i];
        else
            return usage();
    }
    if (!input || !dbfile)
        return usage();

    static line_reader reader;
    reader.file = gzopen(input, "rb");
    if (!reader.file) {
        fprintf(stderr, "%s: %s: %s\n", program, input, strerror(errno ? errno : ENOMEM));
        return 2;
    }
    gzbuffer(reader.file, 1 << 17);

    if (unlink(dbfile) < 0 && errno != ENOENT) {
        fprintf(stderr, "%s: %s: %s\n", program, dbfile, strerror(errno));
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open(dbfile, &db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, dbfile, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return 2;
    }

    int status = 2;
    sqlite3_stmt *insert = NULL, *count = NULL;
    unsigned long long lineno = 0, added = 0, skipped = 0;
    if (exec(db, "PRAGMA journal_mode=OFF") < 0 || exec(db, "PRAGMA synchronous=OFF") < 0)
        goto out;
    if (exec(db, store ? "CREATE VIRTUAL TABLE docs USING fts5(title, body, "
                         "tokenize = 'porter unicode61')"
                       : "CREATE VIRTUAL TABLE docs USING fts5(title, body, "
                         "tokenize = 'porter unicode61', content = '')") < 0)
        goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, title, body) VALUES (?1, ?2, ?3)", -1,
                           &insert, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: prepare: %s\n", program, sqlite3_errmsg(db));
        goto out;
    }
    if (exec(db, "BEGIN") < 0)
        goto out;

    int got;
    while ((got = line_next(&reader)) > 0) {
        lineno++;
        if (strspn(reader.line, " \t\r") == reader.line_len)
            continue;
        json_error_t error;
        json_t *object = json_loadb(reader.line, reader.line_len, 0, &error);
        if (!json_is_object(object)) {
            fprintf(stderr, "%s: %s:%llu: %s\n", program, input, lineno,
                    object ? "not a JSON object" : error.text);
            json_decref(object);
            skipped++;
            continue;
        }
        size_t title_len, text_len;
        const char *title = string_field(object, "title", &title_len);
        const char *text = string_field(object, "text", &text_len);
        added++;
        sqlite3_bind_int64(insert, 1, (sqlite3_int64)added);
        sqlite3_bind_text64(insert, 2, title, title_len, SQLITE_STATIC, SQLITE_UTF8);
        sqlite3_bind_text64(insert, 3, text, text_len, SQLITE_STATIC, SQLITE_UTF8);
        int rc = sqlite3_step(insert);
        sqlite3_reset(insert);
        sqlite3_clear_bindings(insert);
        json_decref(object);
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "%s: %s:%llu: insert: %s\n", program, input, lineno, sqlite3_errmsg(db));
            goto out;
        }
    }
    if (got < 0)
        goto out;
    if (exec(db, "COMMIT") < 0)
        goto out;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM docs", -1, &count, NULL) != SQLITE_OK ||
        sqlite3_step(count) != SQLITE_ROW) {
        fprintf(stderr, "%s: count: %s\n", program, sqlite3_errmsg(db));
        goto out;
    }
    printf("fts5-index: %llu documents (count(*) %lld), %llu input bytes%s, SQLite %s\n", added,
           (long long)sqlite3_column_int64(count, 0), reader.bytes, store ? ", text stored" : "",
           sqlite3_libversion());
    if (skipped)
        fprintf(stderr, "%s: %llu lines skipped\n", program, skipped);
    status = 0;
out:
    sqlite3_finalize(count);
    sqlite3_finalize(insert);
    if (sqlite3_close(db) != SQLITE_OK && status == 0) {
        fprintf(stderr, "%s: close: %s\n", program, sqlite3_errmsg(db));
        status = 2;
    }
    gzclose(reader.file);
    free(reader.line);
    return status;
}
