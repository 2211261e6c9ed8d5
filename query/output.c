/*
 * output.c — results as text for people and JSON Lines for programs
 * (cops.h, "output").  Uses only the public accessors; every string from
 * the index goes out through base/escape.h.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/escape.h"
#include "cops.h"

#define BOLD "\033[1m"
#define PLAIN "\033[0m"

const char *cops_shown_id(const char *id)
{
    char cwd[PATH_MAX];
    if (!id || id[0] != '/' || !getcwd(cwd, sizeof cwd))
        return id;
    size_t length = strlen(cwd);
    if (length == 1)
        return id + 1; /* "/": every path is below it */
    return strncmp(id, cwd, length) == 0 && id[length] == '/' && id[length + 1] ? id + length + 1
                                                                                : id;
}

static void print_text(FILE *out, const char *text, int flags)
{
    escape_terminal(out, text, strlen(text), flags);
}

int cops_print_escaped(FILE *out, const char *text, int flags)
{
    if (!out || !text)
        return COPS_EINVAL;
    return cops_print_escaped_bytes(out, text, strlen(text), flags);
}

int cops_print_escaped_bytes(FILE *out, const char *text, size_t length, int flags)
{
    if (!out || (!text && length))
        return COPS_EINVAL;
    escape_terminal(out, text ? text : "", length, flags & ESCAPE_LOSSLESS);
    return ferror(out) ? COPS_EIO : 0;
}

static const char *error_message(const cops_error *err)
{
    return err->message[0] ? err->message : cops_strerror(err->code);
}

int cops_print_error(FILE *out, const char *program, const char *query, const cops_error *err)
{
    if (!out || !program || !err)
        return COPS_EINVAL;
    const char *message = error_message(err);
    fprintf(out, "%s: ", program);
    if (query && err->code == COPS_ESYNTAX && err->column > 0) {
        /* The caret counts the columns of the query as shown, escapes
         * included. */
        size_t columns = escape_terminal_columns(query, strlen(query), err->column - 1, 0);
        fputs("syntax error in query:\n  ", out);
        print_text(out, query, 0);
        fprintf(out, "\n  %*s^ ", (int)columns, "");
    }
    print_text(out, message, 0);
    fputc('\n', out);
    return ferror(out) ? COPS_EIO : 0;
}

/* The snippet with its highlights: bold, markers, or plain. */
static void print_snippet(FILE *out, const cops_hit *hit, int flags)
{
    const char *open = "", *close = "";
    if (flags & COPS_PRINT_COLOR) {
        open = BOLD;
        close = PLAIN;
    } else if (flags & COPS_PRINT_MARKERS) {
        open = "**";
        close = "**";
    }
    size_t at = 0;
    for (size_t i = 0; i < hit->highlight_count; i++) {
        const cops_span *span = &hit->highlights[i];
        escape_terminal(out, hit->snippet + at, span->start - at, 0);
        fputs(open, out);
        escape_terminal(out, hit->snippet + span->start, span->length, 0);
        fputs(close, out);
        at = span->start + span->length;
    }
    print_text(out, hit->snippet + at, 0);
}

int cops_results_print_text(const cops_results *results, const char *query, FILE *out, int flags)
{
    if (!results || !out)
        return COPS_EINVAL;
    if (!query)
        query = ""; /* as cops_print_error and the JSON printer, NULL is allowed */
    uint64_t total = cops_results_total(results);
    size_t count = cops_results_count(results);
    fprintf(out, "%s%llu %s for \"", cops_results_total_is_exact(results) ? "" : "at least ",
            (unsigned long long)total, total == 1 ? "match" : "matches");
    print_text(out, query, 0);
    fputc('"', out);
    if (count > 0) {
        const cops_hit *first = cops_results_hit(results, 0);
        fprintf(out, " (showing %zu-%zu)", first->rank, first->rank + count - 1);
    }
    fputc('\n', out);
    const char *tree = cops_results_query_tree(results);
    if ((flags & COPS_PRINT_EXPLAIN) && tree) {
        fputs("query:\n", out);
        print_text(out, tree, ESCAPE_KEEP_NEWLINES);
    }
    const char *bold = (flags & COPS_PRINT_COLOR) ? BOLD : "";
    const char *plain = (flags & COPS_PRINT_COLOR) ? PLAIN : "";
    for (size_t i = 0; i < count; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        fprintf(out, "\n%zu. %s", hit->rank, bold);
        print_text(out, hit->title[0] ? hit->title : "(untitled)", 0);
        fprintf(out, "%s  [%.4f]\n   ", plain, hit->score);
        print_text(out, cops_shown_id(hit->id), ESCAPE_LOSSLESS);
        if (hit->date) {
            fputs("  ", out);
            print_text(out, hit->date, 0);
        }
        if (hit->index) {
            fputs("  (index ", out);
            print_text(out, hit->index, 0);
            fputc(')', out);
        }
        if (hit->source_file) {
            fputs("  from ", out);
            print_text(out, cops_shown_id(hit->source_file), ESCAPE_LOSSLESS);
            fprintf(out, ":%llu", (unsigned long long)hit->source_line);
        }
        fputc('\n', out);
        if (hit->snippet && hit->snippet[0]) {
            fputs("   ", out);
            print_snippet(out, hit, flags);
            fputc('\n', out);
        }
        if ((flags & COPS_PRINT_EXPLAIN) && hit->explanation) {
            fprintf(out, "   score %.6f:\n", hit->score);
            print_text(out, hit->explanation, ESCAPE_KEEP_NEWLINES);
        }
    }
    return ferror(out) ? COPS_EIO : 0;
}

static void print_json_text(FILE *out, const char *text)
{
    if (text)
        escape_json_string(out, text, strlen(text));
    else
        fputs("null", out);
}

int cops_print_error_record(FILE *out, const char *query, const cops_error *err, int json)
{
    return cops_print_error_record_bytes(out, query, query ? strlen(query) : 0, err, json);
}

int cops_print_error_record_bytes(FILE *out, const char *query, size_t length,
                                  const cops_error *err, int json)
{
    if (!out || !err || (!query && length))
        return COPS_EINVAL;
    const char *message = error_message(err);
    if (json) {
        fputs("{\"error\":{\"query\":", out);
        if (query) /* NUL bytes too, as \u0000 */
            escape_json_string(out, query, length);
        else
            fputs("null", out);
        fputs(",\"message\":", out);
        print_json_text(out, message);
        if (err->code == COPS_ESYNTAX && err->column > 0)
            fprintf(out, ",\"column\":%zu}}\n", err->column);
        else
            fputs(",\"column\":null}}\n", out);
    } else {
        fputs("error: ", out);
        print_text(out, message, 0);
        fputc('\n', out);
    }
    return ferror(out) ? COPS_EIO : 0;
}

/* The snippet and its highlights as byte ranges of the string a JSON
 * parser decodes (which moved if ill-formed bytes were replaced). */
static void print_json_snippet(FILE *out, const cops_hit *hit)
{
    size_t length = strlen(hit->snippet);
    fputs(",\"snippet\":", out);
    int replaced = escape_json_string(out, hit->snippet, length);
    fputs(",\"matches\":[", out);
    for (size_t k = 0; k < hit->highlight_count; k++) {
        size_t start = hit->highlights[k].start, end = start + hit->highlights[k].length;
        if (replaced) {
            start = escape_json_offset(hit->snippet, length, start);
            end = escape_json_offset(hit->snippet, length, end);
        }
        fprintf(out, "%s[%zu,%zu]", k ? "," : "", start, end - start);
    }
    fputc(']', out);
}

/* One line of a hit's explanation as weight_explain_line writes it
 * (query/weight.h): "LABEL: SCORE (weight W, idf I, df D, tf T, field
 * length L[, SCHEME])", LABEL being TERM or title:TERM.  A line of another
 * shape is kept as "text". */
static void print_json_contribution(FILE *out, const char *line, size_t length)
{
    char copy[512];
    const char *open = NULL, *label_end = NULL;
    double score, weight, idf;
    unsigned df, tf, field_length;
    char scheme[16] = "";
    if (length < sizeof copy) {
        memcpy(copy, line, length);
        copy[length] = '\0';
        for (const char *at = strstr(copy, " (weight "); at; at = strstr(at + 1, " (weight "))
            open = at;
        for (const char *at = copy; open && (at = strstr(at, ": ")) && at < open; at++)
            label_end = at;
    }
    if (!label_end || sscanf(label_end + 2, "%lf", &score) != 1
        || sscanf(open, " (weight %lf, idf %lf, df %u, tf %u, field length %u, %15[a-z0-9+])",
                  &weight, &idf, &df, &tf, &field_length, scheme) < 5) {
        fputs("{\"text\":", out);
        escape_json_string(out, line, length);
        fputc('}', out);
        return;
    }
    const char *label = copy + strspn(copy, " ");
    int title = strncmp(label, "title:", 6) == 0;
    if (title)
        label += 6;
    fputs("{\"term\":", out);
    escape_json_string(out, label, (size_t)(label_end - label));
    fprintf(out, ",\"field\":\"%s\",\"score\":%.17g,\"weight\":%.17g,\"idf\":%.17g,"
                 "\"df\":%u,\"tf\":%u,\"field_length\":%u",
            title ? "title" : "any", score, weight, idf, df, tf, field_length);
    if (scheme[0]) /* a weighting scheme other than BM25 (letters, digits and +) */
        fprintf(out, ",\"scheme\":\"%s\"", scheme);
    fputc('}', out);
}

/* A hit's score and its terms' contributions as one JSON object. */
static void print_json_explanation(FILE *out, const cops_hit *hit)
{
    fprintf(out, ",\"explanation\":{\"score\":%.17g,\"terms\":[", hit->score);
    const char *line = hit->explanation;
    for (int first = 1; *line; first = 0) {
        size_t length = strcspn(line, "\n");
        if (!first)
            fputc(',', out);
        print_json_contribution(out, line, length);
        line += length + (line[length] == '\n');
    }
    fputs("]}", out);
}

int cops_results_print_json(const cops_results *results, const char *query, FILE *out, int flags)
{
    if (!results || !out)
        return COPS_EINVAL;
    size_t count = cops_results_count(results);
    for (size_t i = 0; i < count; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        const char *id = cops_shown_id(hit->id);
        size_t id_length = strlen(id);
        fprintf(out, "{\"rank\":%zu,\"id\":", hit->rank);
        int replaced = escape_json_string(out, id, id_length);
        if (!(flags & COPS_PRINT_IDS)) {
            fputs(",\"title\":", out);
            print_json_text(out, hit->title);
            fputs(",\"path\":", out);
            print_json_text(out, id);
        }
        if (replaced) {
            /* A file name need not be UTF-8: its exact bytes, for whoever
             * must open it. */
            fputs(",\"id_base64\":\"", out);
            escape_base64(out, id, id_length);
            fputc('"', out);
        }
        if (hit->index) {
            fputs(",\"index\":", out);
            print_json_text(out, hit->index);
        }
        if (flags & COPS_PRINT_IDS) {
            fputs("}\n", out);
            continue;
        }
        fputs(",\"date\":", out);
        print_json_text(out, hit->date);
        if (hit->source_file) {
            fputs(",\"source\":{\"file\":", out);
            print_json_text(out, cops_shown_id(hit->source_file));
            fprintf(out, ",\"line\":%llu}", (unsigned long long)hit->source_line);
        }
        fprintf(out, ",\"score\":%.17g", hit->score);
        if (hit->snippet)
            print_json_snippet(out, hit);
        if ((flags & COPS_PRINT_EXPLAIN) && hit->explanation)
            print_json_explanation(out, hit);
        fputs("}\n", out);
    }
    fputs("{\"summary\":{\"query\":", out);
    print_json_text(out, query);
    const cops_search_options *options = cops_results_options(results);
    fprintf(out, ",\"total\":%llu,\"total_exact\":%s,\"returned\":%zu,\"offset\":%zu,\"limit\":%zu,\"milliseconds\":%.3f",
            (unsigned long long)cops_results_total(results),
            cops_results_total_is_exact(results) ? "true" : "false", count, options->offset,
            options->limit, cops_results_milliseconds(results));
    size_t required = 0;
    const char *relaxed = cops_results_relaxed(results, &required, NULL);
    if (relaxed) {
        fputs(",\"relaxed\":{\"words\":[", out);
        for (const char *word = relaxed; *word;) {
            size_t length = strcspn(word, " ");
            if (word != relaxed)
                fputc(',', out);
            escape_json_string(out, word, length);
            word += length + (word[length] == ' ');
        }
        fprintf(out, "],\"required\":%zu}", required);
    }
    const char *note;
    for (size_t i = 0; (note = cops_results_note(results, i)) != NULL; i++) {
        fputs(i ? "," : ",\"notes\":[", out);
        print_json_text(out, note);
        if (!cops_results_note(results, i + 1))
            fputc(']', out);
    }
    const char *word, *suggested;
    for (size_t i = 0; cops_results_suggestion(results, i, &word, &suggested); i++) {
        fputs(i ? ",{\"word\":" : ",\"suggestions\":[{\"word\":", out);
        print_json_text(out, word);
        fputs(",\"suggestion\":", out);
        print_json_text(out, suggested);
        fputc('}', out);
    }
    if (cops_results_suggestion(results, 0, &word, &suggested))
        fputc(']', out);
    const char *tree = cops_results_query_json(results);
    if ((flags & COPS_PRINT_EXPLAIN) && tree)
        fprintf(out, ",\"tree\":%s", tree);
    fputs("}}\n", out);
    return ferror(out) ? COPS_EIO : 0;
}
