/*
 * output.c — results as text for people and JSON Lines for programs
 * (cops.h, "output").  Uses only the public accessors.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cops.h"

#define BOLD "\033[1m"
#define PLAIN "\033[0m"

static void print_json_string(FILE *out, const char *text, size_t length)
{
    fputc('"', out);
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static void print_json_text(FILE *out, const char *text)
{
    if (text)
        print_json_string(out, text, strlen(text));
    else
        fputs("null", out);
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
        fwrite(hit->snippet + at, 1, span->start - at, out);
        fputs(open, out);
        fwrite(hit->snippet + span->start, 1, span->length, out);
        fputs(close, out);
        at = span->start + span->length;
    }
    fputs(hit->snippet + at, out);
}

int cops_results_print_text(const cops_results *results, const char *query, FILE *out, int flags)
{
    uint64_t total = cops_results_total(results);
    size_t count = cops_results_count(results);
    fprintf(out, "%s%llu %s for \"%s\"", cops_results_total_is_exact(results) ? "" : "at least ",
            (unsigned long long)total, total == 1 ? "match" : "matches", query);
    if (count > 0) {
        const cops_hit *first = cops_results_hit(results, 0);
        fprintf(out, " (showing %zu-%zu)", first->rank, first->rank + count - 1);
    }
    fputc('\n', out);
    const char *tree = cops_results_query_tree(results);
    if ((flags & COPS_PRINT_EXPLAIN) && tree)
        fprintf(out, "query:\n%s", tree);
    const char *bold = (flags & COPS_PRINT_COLOR) ? BOLD : "";
    const char *plain = (flags & COPS_PRINT_COLOR) ? PLAIN : "";
    for (size_t i = 0; i < count; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        fprintf(out, "\n%zu. %s%s%s  [%.4f]\n", hit->rank, bold,
                hit->title[0] ? hit->title : "(untitled)", plain, hit->score);
        fprintf(out, "   %s", hit->id);
        if (hit->date)
            fprintf(out, "  %s", hit->date);
        fputc('\n', out);
        if (hit->snippet && hit->snippet[0]) {
            fputs("   ", out);
            print_snippet(out, hit, flags);
            fputc('\n', out);
        }
        if ((flags & COPS_PRINT_EXPLAIN) && hit->explanation)
            fprintf(out, "   score %.6f:\n%s", hit->score, hit->explanation);
    }
    return ferror(out) ? COPS_EIO : 0;
}

int cops_results_print_json(const cops_results *results, const char *query, FILE *out, int flags)
{
    size_t count = cops_results_count(results);
    for (size_t i = 0; i < count; i++) {
        const cops_hit *hit = cops_results_hit(results, i);
        fprintf(out, "{\"rank\":%zu,\"id\":", hit->rank);
        print_json_text(out, hit->id);
        fputs(",\"title\":", out);
        print_json_text(out, hit->title);
        fputs(",\"path\":", out);
        print_json_text(out, hit->id);
        fputs(",\"date\":", out);
        print_json_text(out, hit->date);
        fprintf(out, ",\"score\":%.17g", hit->score);
        if (hit->snippet) {
            fputs(",\"snippet\":", out);
            print_json_text(out, hit->snippet);
            fputs(",\"matches\":[", out);
            for (size_t k = 0; k < hit->highlight_count; k++)
                fprintf(out, "%s[%zu,%zu]", k ? "," : "", hit->highlights[k].start,
                        hit->highlights[k].length);
            fputc(']', out);
        }
        if ((flags & COPS_PRINT_EXPLAIN) && hit->explanation) {
            fputs(",\"explanation\":", out);
            print_json_text(out, hit->explanation);
        }
        fputs("}\n", out);
    }
    fputs("{\"summary\":{\"query\":", out);
    print_json_text(out, query);
    const cops_search_options *options = cops_results_options(results);
    fprintf(out, ",\"total\":%llu,\"total_exact\":%s,\"returned\":%zu,\"offset\":%zu,\"limit\":%zu,\"milliseconds\":%.3f",
            (unsigned long long)cops_results_total(results),
            cops_results_total_is_exact(results) ? "true" : "false", count, options->offset,
            options->limit, cops_results_milliseconds(results));
    const char *tree = cops_results_query_tree(results);
    if ((flags & COPS_PRINT_EXPLAIN) && tree) {
        fputs(",\"tree\":", out);
        print_json_text(out, tree);
    }
    fputs("}}\n", out);
    return ferror(out) ? COPS_EIO : 0;
}
