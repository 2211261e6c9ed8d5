/*
 * api.c — the JSON API: each endpoint a thin use of cops_search (see
 * api.h and serve/API.md).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/api.h"
#include "serve/date-walk.h"
#include "serve/json-text.h"

/* Bytes of stored text a document view shows at most (API.md, "truncated"
 * beyond): a JSON answer of about this size with its highlights. */
#define DOC_TEXT_BYTES ((size_t)256 << 10)
/* Bytes of a hit's snippet (cops_search_options.snippet_chars). */
#define SNIPPET_CHARS 200

/* The state of one request. */
typedef struct api_call {
    const api_request *request;
    cops_index *index;
    search_budget budget;
    const char *query;          /* q as given */
    const char *date;           /* the date argument, or NULL */
    char *base;                 /* q with the date filter, malloc'd */
    cops_error err;             /* of the failed search */
    unsigned status;            /* 0 until something failed */
    json_t *failure;            /* the error body */
} api_call;

json_t *api_error(unsigned status, const char *message)
{
    return json_pack("{s:{s:I,s:s}}", "error", "status", (json_int_t)status, "message", message);
}

static void fail(api_call *call, unsigned status, const char *message)
{
    if (call->status)
        return;
    call->status = status;
    call->failure = api_error(status, message);
}

static const char *argument(const api_call *call, const char *name)
{
    return call->request->argument(call->request->context, name);
}

/* The optional number argument `name` in [low, high], else `fallback`;
 * fails the call when it is not such a number. */
static size_t number_argument(api_call *call, const char *name, size_t low, size_t high,
                              size_t fallback)
{
    const char *text = argument(call, name);
    if (!text || !*text)
        return fallback;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (*text < '0' || *text > '9' || *end || errno || value < low || value > high) {
        char message[128];
        snprintf(message, sizeof message, "%s: expected a whole number from %zu to %zu", name, low,
                 high);
        fail(call, 400, message);
        return fallback;
    }
    return (size_t)value;
}

/* The date argument: only the characters of a date: value (the grammar
 * then checks it), so nothing else can be slipped into the query. */
static void read_date_argument(api_call *call)
{
    const char *date = argument(call, "date");
    if (!date || !*date)
        return;
    if (strlen(date) > 21 || strspn(date, "0123456789.-") != strlen(date)) {
        fail(call, 400, "date: expected YYYY, YYYY-MM, YYYY-MM-DD or a range FROM..TO");
        return;
    }
    call->date = date;
}

/* q (required, bounded) and date, and the base query they make. */
static void read_query(api_call *call, size_t max_bytes)
{
    call->query = argument(call, "q");
    if (!call->query || !*call->query) {
        fail(call, 400, "q: a query is needed (see the help on the page, or query/GRAMMAR.md)");
        return;
    }
    if (strlen(call->query) > max_bytes) {
        char message[96];
        snprintf(message, sizeof message, "q: a query may hold at most %zu bytes", max_bytes);
        fail(call, 413, message);
        return;
    }
    read_date_argument(call);
    if (call->status)
        return;
    if (call->date) {
        char filter[32];
        snprintf(filter, sizeof filter, "date:%s", call->date);
        call->base = date_filtered_query(call->query, filter);
    } else
        call->base = strdup(call->query);
    if (!call->base)
        fail(call, 503, "out of memory");
}

/* Turn the failure of a search of `failed` into the call's error. */
static void fail_search(api_call *call, int rc, const char *failed)
{
    if (call->status)
        return;
    if (call->budget.spent) {
        char message[160];
        snprintf(message, sizeof message,
                 "the query needs more than one request may spend (%u searches, %u ms): narrow it",
                 call->request->limits->max_searches, call->request->limits->timeout_ms);
        fail(call, 503, message);
    } else if (rc == COPS_ESYNTAX && failed == call->query) {
        call->status = 400;
        call->failure = json_pack("{s:{s:I,s:o,s:I,s:o}}", "error", "status", (json_int_t)400,
                                  "message", json_text(call->err.message), "column",
                                  (json_int_t)call->err.column, "query", json_text(call->query));
    } else if (rc == COPS_ESYNTAX) {
        /* The date filter or the query: the query alone says which. */
        uint64_t count;
        int alone = count_matches(call->index, call->query, &call->budget, &count, &call->err);
        if (alone == COPS_ESYNTAX)
            fail_search(call, alone, call->query);
        else
            fail(call, 400, "date: not a date or a range of dates (YYYY, YYYY-MM, YYYY-MM-DD, FROM..TO)");
    } else if (rc == COPS_ELIMIT || rc == COPS_EINVAL) {
        call->status = 400;
        call->failure = json_pack("{s:{s:I,s:o}}", "error", "status", (json_int_t)400, "message",
                                  json_text(call->err.message));
    } else if (rc == COPS_ENOMEM) {
        fail(call, 503, "out of memory");
    } else {
        /* The message may name index files: for the server's log only. */
        cops_print_error(stderr, "cops-serve", NULL, &call->err);
        fail(call, 500, "the index could not be searched (details are in the server's log)");
    }
}

/* One library search of the user's query, in order `sort`, relaxed and
 * with suggestions as cops-query searches (cops.h's relax and suggest);
 * fails the call on error. */
static cops_results *run_search(api_call *call, const char *query, size_t offset, size_t limit,
                                cops_sort sort)
{
    if (search_budget_spend(&call->budget) != 0) {
        fail_search(call, COPS_ELIMIT, query);
        return NULL;
    }
    cops_search_options options;
    cops_search_options_init(&options);
    options.offset = offset;
    options.limit = limit;
    options.snippet_chars = SNIPPET_CHARS;
    options.sort = sort;
    options.relax = 1;
    options.suggest = 1;
    cops_results *results;
    int rc = cops_search(call->index, query, &options, &results, &call->err);
    if (rc != 0) {
        fail_search(call, rc, query);
        return NULL;
    }
    return results;
}

static uint64_t count_of(api_call *call, const char *query)
{
    uint64_t count = 0;
    int rc = count_matches(call->index, query, &call->budget, &count, &call->err);
    if (rc != 0)
        fail_search(call, rc, query);
    return count;
}

/* A hit as the API shows it; its rank counts the offset. */
static json_t *hit_json(const cops_hit *hit)
{
    json_t *object = json_pack("{s:I,s:o,s:o,s:o,s:f}", "rank", (json_int_t)hit->rank, "id",
                               json_text(hit->id), "title", json_text(hit->title), "date",
                               json_text(hit->date), "score", hit->score);
    if (object && hit->index) /* several indexes are served */
        json_object_set_new(object, "index", json_text(hit->index));
    /* A record's file and line: a stranger's record may take any id, the
     * path of another file's document too, and only its source tells it
     * apart (as cops-query's "from FILE:LINE" does). */
    if (object && hit->source_file)
        json_object_set_new(object, "source",
                            json_pack("{s:o,s:I}", "file", json_text(hit->source_file), "line",
                                      (json_int_t)hit->source_line));
    if (object
        && json_set_highlighted(object, "snippet", hit->snippet, hit->highlights,
                                hit->highlight_count) != 0) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/* Append the hits of `results` to `hits`. */
static void append_hits(api_call *call, json_t *hits, const cops_results *results)
{
    for (size_t i = 0; i < cops_results_count(results); i++) {
        json_t *object = hit_json(cops_results_hit(results, i));
        if (!object || json_array_append_new(hits, object) != 0) {
            fail(call, 503, "out of memory");
            return;
        }
    }
}

/* ------------------------------------------------------------- facets */

typedef struct facet_tally {
    json_t *years, *months;
    uint64_t dated;
} facet_tally;

static walk_step visit_for_facets(void *context, const date_span *span, const char *filtered,
                                  uint64_t count)
{
    (void)filtered;
    facet_tally *tally = context;
    if (span->low != span->high)
        return WALK_DESCEND;
    char label[16];
    if (span->level == DATE_YEARS) {
        snprintf(label, sizeof label, "%04d", span->low);
        json_array_append_new(tally->years, json_pack("{s:s,s:I}", "year", label, "count",
                                                      (json_int_t)count));
        tally->dated += count;
        return WALK_DESCEND;
    }
    snprintf(label, sizeof label, "%04d-%02d", span->year, span->low);
    json_array_append_new(tally->months, json_pack("{s:s,s:I}", "month", label, "count",
                                                   (json_int_t)count));
    return WALK_SKIP;
}

/* The facets by separate counting searches of date spans (date-walk.h),
 * for an index whose engine counts no histogram (a Xapian index):
 * bounded by the request's budget of searches. */
static json_t *walked_facets_json(api_call *call, uint64_t total)
{
    facet_tally tally = {json_array(), json_array(), 0};
    date_walk walk = {call->index, call->base, 0, &call->budget, visit_for_facets, &tally};
    date_span all = date_span_all();
    int rc = date_walk_run(&walk, &all, &call->err);
    if (rc < 0)
        fail_search(call, rc, call->base);
    if (call->status) {
        json_decref(tally.years);
        json_decref(tally.months);
        return NULL;
    }
    return json_pack("{s:o,s:o,s:I}", "years", tally.years, "months", tally.months, "undated",
                     (json_int_t)(total - tally.dated));
}

/* The years and months of a library date histogram, oldest first. */
static json_t *histogram_facets_json(const cops_results *results)
{
    const cops_date_bucket *months;
    uint64_t undated;
    size_t count = cops_results_date_histogram(results, &months, &undated);
    json_t *years = json_array(), *month_list = json_array();
    for (size_t i = 0; i < count;) {
        uint32_t year = months[i].month / 100;
        uint64_t in_year = 0;
        for (; i < count && months[i].month / 100 == year; i++) {
            char label[16];
            snprintf(label, sizeof label, "%04u-%02u", (unsigned)year,
                     (unsigned)(months[i].month % 100));
            in_year += months[i].count;
            json_array_append_new(month_list, json_pack("{s:s,s:I}", "month", label, "count",
                                                        (json_int_t)months[i].count));
        }
        char label[16];
        snprintf(label, sizeof label, "%04u", (unsigned)year);
        json_array_append_new(years, json_pack("{s:s,s:I}", "year", label, "count",
                                               (json_int_t)in_year));
    }
    return json_pack("{s:o,s:o,s:I}", "years", years, "months", month_list, "undated",
                     (json_int_t)undated);
}

/* {"years": [...], "months": [...], "undated": N} for the base query, its
 * number of matches in *total: one library search counting them by month
 * (cops_search_options.date_histogram), or walked for a Xapian index. */
static json_t *facets_json(api_call *call, uint64_t *total)
{
    if (search_budget_spend(&call->budget) != 0) {
        fail_search(call, COPS_ELIMIT, call->base);
        return NULL;
    }
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    options.snippets = 0;
    options.date_histogram = 1;
    cops_results *results;
    int rc = cops_search(call->index, call->base, &options, &results, &call->err);
    if (rc == COPS_EUNSUPPORTED) {
        *total = count_of(call, call->base);
        return call->status ? NULL : walked_facets_json(call, *total);
    }
    if (rc != 0) {
        fail_search(call, rc, call->base);
        return NULL;
    }
    *total = cops_results_total(results);
    json_t *facets = histogram_facets_json(results);
    cops_results_free(results);
    if (!facets)
        fail(call, 503, "out of memory");
    return facets;
}

/* ----------------------------------------------------------- endpoints */

/* {"column", "word"} when a lower-case and/or/not may have been meant as
 * the operator, else NULL. */
static json_t *lookalike_json(const char *query)
{
    char word[4];
    size_t column = cops_query_operator_lookalike(query, 0, word);
    if (column == 0)
        return NULL;
    return json_pack("{s:I,s:s}", "column", (json_int_t)column, "word", word);
}

/* `query` with the first whole-word occurrence of each suggested word
 * replaced by its suggestion (malloc'd, NULL when memory ran out): the
 * query a "did you mean" link runs. */
static char *suggested_query(const char *query, const cops_results *results)
{
    char *text = strdup(query);
    const char *word, *suggested;
    for (size_t i = 0; text && cops_results_suggestion(results, i, &word, &suggested); i++) {
        size_t length = strlen(word);
        for (char *at = length ? strstr(text, word) : NULL; at; at = strstr(at + 1, word)) {
            int starts = at == text || !isalnum((unsigned char)at[-1]);
            if (!starts || isalnum((unsigned char)at[length]))
                continue;
            size_t before = (size_t)(at - text), after = strlen(at + length);
            char *changed = malloc(before + strlen(suggested) + after + 1);
            if (changed)
                sprintf(changed, "%.*s%s%s", (int)before, text, suggested, at + length);
            free(text);
            text = changed;
            break;
        }
    }
    return text;
}

/* {"relaxed": {"words", "required"}, "suggestions": [{"word",
 * "suggestion"}], "did_you_mean": QUERY, "notes": [TEXT]}, each only when
 * the search gave it (cops_results_relaxed, cops_results_suggestion,
 * cops_results_note); NULL for none. */
static json_t *hints_json(const char *query, const cops_results *results)
{
    json_t *hints = json_object();
    size_t required, word_count;
    const char *relaxed = cops_results_relaxed(results, &required, &word_count);
    if (relaxed) {
        json_t *words = json_array();
        for (const char *at = relaxed; *at;) {
            size_t length = strcspn(at, " ");
            char *word = strndup(at, length);
            if (word)
                json_array_append_new(words, json_text(word));
            free(word);
            at += length + (at[length] == ' ');
        }
        json_object_set_new(hints, "relaxed", json_pack("{s:o,s:I}", "words", words, "required",
                                                         (json_int_t)required));
    }
    const char *word, *suggested;
    if (cops_results_suggestion(results, 0, &word, &suggested)) {
        json_t *list = json_array();
        for (size_t i = 0; cops_results_suggestion(results, i, &word, &suggested); i++)
            json_array_append_new(list, json_pack("{s:o,s:o}", "word", json_text(word),
                                                  "suggestion", json_text(suggested)));
        json_object_set_new(hints, "suggestions", list);
        char *corrected = suggested_query(query, results);
        json_object_set_new(hints, "did_you_mean", json_text(corrected));
        free(corrected);
    }
    const char *note = cops_results_note(results, 0);
    if (note) {
        json_t *notes = json_array();
        for (size_t i = 0; (note = cops_results_note(results, i)) != NULL; i++)
            json_array_append_new(notes, json_text(note));
        json_object_set_new(hints, "notes", notes);
    }
    if (json_object_size(hints) == 0) {
        json_decref(hints);
        return NULL;
    }
    return hints;
}

static json_t *api_search(api_call *call)
{
    const api_limits *limits = call->request->limits;
    read_query(call, limits->max_query_bytes);
    size_t n = number_argument(call, "n", 1, limits->max_hits, 10);
    size_t offset = number_argument(call, "offset", 0, limits->max_offset, 0);
    const char *sort = argument(call, "sort");
    if (!sort || !*sort)
        sort = "relevance";
    if (strcmp(sort, "relevance") && strcmp(sort, "date") && strcmp(sort, "-date"))
        fail(call, 400, "sort: expected relevance, date (oldest first) or -date (newest first)");
    if (call->status)
        return NULL;
    cops_sort order = !strcmp(sort, "relevance") ? COPS_SORT_RELEVANCE
                      : sort[0] == '-'            ? COPS_SORT_DATE_NEWEST
                                                  : COPS_SORT_DATE_OLDEST;
    json_t *hits = json_array();
    json_t *hints = NULL;
    uint64_t total = 0;
    cops_results *results =
        run_search(call, call->base, offset, n, order);
    if (results) {
        total = cops_results_total(results);
        append_hits(call, hits, results);
        hints = hints_json(call->query, results);
        cops_results_free(results);
    }
    const char *facets = argument(call, "facets");
    json_t *histogram = NULL;
    uint64_t facets_total;
    if (!call->status && facets && !strcmp(facets, "1"))
        histogram = facets_json(call, &facets_total);
    if (call->status) {
        json_decref(hits);
        json_decref(hints);
        return NULL;
    }
    json_t *body = json_pack("{s:o,s:o,s:s,s:I,s:I,s:I,s:b,s:o}", "query", json_text(call->query),
                             "date", json_text(call->date), "sort", sort, "offset",
                             (json_int_t)offset, "n", (json_int_t)n, "total", (json_int_t)total,
                             "total_exact", 1, "hits", hits);
    if (body && histogram)
        json_object_set_new(body, "facets", histogram);
    if (body && hints)
        json_object_update(body, hints);
    json_decref(hints);
    json_t *lookalike = lookalike_json(call->query);
    if (body && lookalike)
        json_object_set_new(body, "operator_lookalike", lookalike);
    return body;
}

static json_t *api_facets(api_call *call)
{
    read_query(call, call->request->limits->max_query_bytes);
    if (call->status)
        return NULL;
    uint64_t total = 0;
    json_t *facets = facets_json(call, &total);
    if (!facets)
        return NULL;
    json_object_set_new(facets, "query", json_text(call->query));
    json_object_set_new(facets, "date", json_text(call->date));
    json_object_set_new(facets, "total", json_integer((json_int_t)total));
    return facets;
}

/* The document `id` (cops_document_get): its stored text up to
 * DOC_TEXT_BYTES, with the matches of q, when given, highlighted. */
static json_t *api_doc(api_call *call, const char *id)
{
    const char *query = argument(call, "q");
    if (query && !*query)
        query = NULL;
    if (query && strlen(query) > call->request->limits->max_query_bytes) {
        char message[96];
        snprintf(message, sizeof message, "q: a query may hold at most %zu bytes",
                 call->request->limits->max_query_bytes);
        fail(call, 413, message);
        return NULL;
    }
    call->query = query;
    cops_document *document = NULL;
    int rc = cops_document_get(call->index, id, query, DOC_TEXT_BYTES, &document, &call->err);
    if (rc == 1) {
        fail(call, 404, "no such document (the index may have changed since): search again");
        return NULL;
    }
    if (rc != 0) {
        fail_search(call, rc, query);
        return NULL;
    }
    json_t *body = json_pack("{s:o,s:o,s:o,s:o,s:b,s:I}", "id", json_text(document->id), "title",
                             json_text(document->title), "date", json_text(document->date),
                             "query", json_text(query), "truncated", document->truncated,
                             "length", (json_int_t)document->stored_length);
    if (body && document->index)
        json_object_set_new(body, "index", json_text(document->index));
    if (body && json_set_highlighted(body, "text", document->text, document->highlights,
                                     document->highlight_count) != 0) {
        json_decref(body);
        body = NULL;
    }
    cops_document_free(document);
    return body;
}

static json_t *api_health(api_call *call)
{
    uint64_t documents, generation;
    index_holder_latest(call->request->holder, &documents, &generation);
    return json_pack("{s:s,s:s,s:I,s:I}", "status", "ok", "version", COPS_VERSION_STRING,
                     "documents", (json_int_t)documents, "generation", (json_int_t)generation);
}

int api_handles(const char *path)
{
    return !strcmp(path, "/search") || !strcmp(path, "/facets") || !strcmp(path, "/health")
        || !strncmp(path, "/doc/", 5);
}

unsigned api_answer(const api_request *request, json_t **body)
{
    api_call call = {.request = request, .index = request->handle->index};
    search_budget_init(&call.budget, request->limits->max_searches, request->limits->timeout_ms);
    json_t *answer = NULL;
    if (!strcmp(request->path, "/search"))
        answer = api_search(&call);
    else if (!strcmp(request->path, "/facets"))
        answer = api_facets(&call);
    else if (!strncmp(request->path, "/doc/", 5) && request->path[5])
        answer = api_doc(&call, request->path + 5);
    else if (!strcmp(request->path, "/health"))
        answer = api_health(&call);
    else
        fail(&call, 404, "no such endpoint: see /search, /doc/ID, /facets and /health");
    free(call.base);
    if (call.status) {
        json_decref(answer);
        *body = call.failure;
        return call.status;
    }
    if (!answer) {
        *body = api_error(503, "out of memory");
        return 503;
    }
    *body = answer;
    return 200;
}
