/*
 * results.c — the result list both engines fill (results.h) and its
 * public accessors (cops.h).
 */
#include "config.h"

#include "query/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/escape.h"
#include "base/error.h"
#include "query/snippet.h"

cops_results *results_new(const cops_search_options *options)
{
    cops_results *results = calloc(1, sizeof *results);
    if (results) {
        results->options = *options;
        results->total_exact = 1;
        results->snippet_scan_left = SNIPPET_LIST_SCAN_BYTES;
    }
    return results;
}

int results_reserve(cops_results *results, size_t count, cops_error *err)
{
    if (count == 0)
        return 0;
    cops_hit *hits = calloc(count, sizeof *hits);
    if (!hits)
        return error_set(err, COPS_ENOMEM, "out of memory preparing results");
    free(results->hits);
    results->hits = hits;
    results->count = 0;
    return 0;
}

/* The short strings of the hits are kept in chunks freed with the list:
 * three allocations and three frees per hit were a tenth of a rare-word
 * top 10 (callgrind).  A chunk is RESULTS_TEXT_BYTES, or one string's
 * length when longer. */
typedef struct results_text {
    struct results_text *next;
    size_t used, size;
    char bytes[];
} results_text;

#define RESULTS_TEXT_BYTES 4096

/* A NUL-terminated copy of text[0, length) that lives as long as
 * `results`, or NULL when out of memory. */
static char *keep_text(cops_results *results, const char *text, size_t length)
{
    results_text *chunk = results->texts;
    if (length >= SIZE_MAX / 2)
        return NULL;
    if (!chunk || chunk->size - chunk->used < length + 1) {
        size_t size = length + 1 > RESULTS_TEXT_BYTES ? length + 1 : RESULTS_TEXT_BYTES;
        results_text *fresh = malloc(sizeof *fresh + size);
        if (!fresh)
            return NULL;
        fresh->next = chunk;
        fresh->used = 0;
        fresh->size = size;
        results->texts = chunk = fresh;
    }
    char *copy = chunk->bytes + chunk->used;
    if (length)
        memcpy(copy, text, length);
    copy[length] = '\0';
    chunk->used += length + 1;
    return copy;
}

static char *copy_text(const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy) {
        if (length)
            memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

#define DATE_TEXT_LENGTH 10 /* YYYY-MM-DD */

/* `date` (YYYYMMDD, not 0) as YYYY-MM-DD in text, NUL-terminated. */
static void format_date(uint32_t date, char text[DATE_TEXT_LENGTH + 1])
{
    snprintf(text, DATE_TEXT_LENGTH + 1, "%04u-%02u-%02u", (date / 10000) % 10000,
             (date / 100) % 100, date % 100);
}

int results_add_hit(cops_results *results, analyzer *text_analyzer, const snippet_plan *plan,
                    uint32_t doc, double score, const char *id, size_t id_length,
                    const char *title, size_t title_length, uint32_t date, snippet_source *text,
                    cops_error *err)
{
    cops_hit *hit = &results->hits[results->count];
    results->count++; /* counted now, so a failure below still frees what was set */
    hit->rank = results->options.offset + results->count;
    hit->score = score;
    hit->doc = doc;
    hit->id = keep_text(results, id, id_length);
    hit->title = keep_text(results, title, title_length);
    char day[DATE_TEXT_LENGTH + 1];
    if (date)
        format_date(date, day);
    hit->date = date ? keep_text(results, day, DATE_TEXT_LENGTH) : NULL;
    int rc = (!hit->id || !hit->title || (date && !hit->date)) ? COPS_ENOMEM : 0;
    if (rc != 0)
        return error_set(err, rc, "out of memory preparing results");
    if (results->options.snippets) {
        char *snippet = NULL;
        cops_span *spans = NULL;
        size_t span_count = 0;
        snippet_source empty = {"", 0, 0, NULL, NULL};
        rc = snippet_build(text_analyzer, text ? text : &empty, plan,
                           results->options.snippet_chars, &results->snippet_scan_left, &snippet,
                           &spans, &span_count, err);
        hit->snippet = snippet;
        hit->highlights = spans;
        hit->highlight_count = span_count;
    }
    return rc;
}

int results_set_index_name(cops_results *results, const char *name, cops_error *err)
{
    cops_hit *hit = &results->hits[results->count - 1];
    if (!(hit->index = keep_text(results, name, strlen(name))))
        return error_set(err, COPS_ENOMEM, "out of memory preparing results");
    return 0;
}

int results_set_source(cops_results *results, const char *file, uint64_t line, cops_error *err)
{
    cops_hit *hit = &results->hits[results->count - 1];
    if (!(hit->source_file = keep_text(results, file, strlen(file))))
        return error_set(err, COPS_ENOMEM, "out of memory preparing results");
    hit->source_line = line;
    return 0;
}

static void print_json_date(FILE *out, uint32_t date)
{
    if (date)
        fprintf(out, "\"%04u-%02u-%02u\"", (unsigned)(date / 10000 % 10000),
                (unsigned)(date / 100 % 100), (unsigned)(date % 100));
    else
        fputs("null", out);
}

/* One node and its children as cops.h describes cops_results_query_json;
 * the parser bounds the depth (QUERY_MAX_DEPTH). */
static void print_query_json(FILE *out, const query_node *node)
{
    fprintf(out, "{\"op\":\"%s\"", query_kind_name(node->kind));
    switch (node->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
    case QUERY_PREFIX:
    case QUERY_FUZZY:
        fprintf(out, ",\"field\":\"%s\",\"text\":",
                node->field == QUERY_FIELD_TITLE ? "title" : "any");
        escape_json_string(out, node->text ? node->text : "", node->text ? strlen(node->text) : 0);
        if (node->kind == QUERY_PHRASE)
            fprintf(out, ",\"slop\":%u", (unsigned)node->distance);
        if (node->kind == QUERY_FUZZY)
            fprintf(out, ",\"edits\":%u", (unsigned)node->distance);
        break;
    case QUERY_BOOST: fprintf(out, ",\"boost\":%g", node->boost); break;
    case QUERY_NEAR: fprintf(out, ",\"distance\":%u", (unsigned)node->distance); break;
    case QUERY_DATE_RANGE:
        fputs(",\"from\":", out);
        print_json_date(out, node->date_from);
        fputs(",\"to\":", out);
        print_json_date(out, node->date_to);
        break;
    default: break;
    }
    if (node->child_count) {
        fputs(",\"children\":[", out);
        for (size_t i = 0; i < node->child_count; i++) {
            if (i)
                fputc(',', out);
            print_query_json(out, node->children[i]);
        }
        fputc(']', out);
    }
    fputc('}', out);
}

/* The JSON form, NULL when out of memory (--explain then omits it). */
static char *query_json(const query_node *query)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    if (!out)
        return NULL;
    if (query)
        print_query_json(out, query);
    else
        fputs("null", out);
    int failed = ferror(out);
    if (fclose(out) != 0 || failed) {
        free(text);
        return NULL;
    }
    return text;
}

void results_set_tree(cops_results *results, const query_node *query)
{
    free(results->tree_json);
    results->tree_json = query_json(query);
    byte_buffer tree = BUFFER_INIT;
    query_format_tree(query, &tree);
    buffer_append_byte(&tree, '\0');
    free(results->tree);
    results->tree = buffer_failed(&tree) ? NULL : (char *)tree.data;
    if (!results->tree)
        buffer_free(&tree);
}

void cops_results_free(cops_results *results)
{
    if (!results)
        return;
    for (size_t i = 0; i < results->count; i++) {
        cops_hit *hit = &results->hits[i];
        free((char *)hit->snippet);
        free((cops_span *)hit->highlights);
        free((char *)hit->explanation);
    }
    for (results_text *chunk = results->texts, *next; chunk; chunk = next) {
        next = chunk->next;
        free(chunk);
    }
    free(results->hits);
    free(results->tree);
    free(results->tree_json);
    free(results->relaxed_words);
    suggestions_free(results->suggestions, results->suggestion_count);
    for (size_t i = 0; i < results->note_count; i++)
        free(results->notes[i]);
    free(results->notes);
    free(results->months);
    free(results->month_slots);
    free(results);
}

/* The months are counted in the order first met, found through an
 * open-addressed table of their positions (month_slots, position + 1,
 * 0 empty, at least twice as many slots as months), and sorted once when
 * the search is done (results_sort_date_histogram).  Keeping them sorted
 * while counting moved the whole array for each new month met before
 * the others: 120,000 months met newest first (a feed of records dated
 * over 10,000 years) took 11 s per histogram. */
static size_t *month_slot(const cops_results *results, uint32_t month)
{
    size_t mask = results->month_slot_count - 1;
    for (size_t at = (month * UINT64_C(0x9E3779B97F4A7C15)) >> 40 & mask;;
         at = (at + 1) & mask) {
        size_t *slot = &results->month_slots[at];
        if (*slot == 0 || results->months[*slot - 1].month == month)
            return slot;
    }
}

/* Slots for `capacity` months, filled from months[0, month_count). */
static int month_slots_rebuild(cops_results *results, size_t capacity)
{
    size_t count = 64;
    while (count < 2 * capacity)
        count *= 2;
    size_t *slots = calloc(count, sizeof *slots);
    if (!slots)
        return COPS_ENOMEM;
    free(results->month_slots);
    results->month_slots = slots;
    results->month_slot_count = count;
    for (size_t i = 0; i < results->month_count; i++)
        *month_slot(results, results->months[i].month) = i + 1;
    return 0;
}

int results_count_date(cops_results *results, uint32_t date, cops_error *err)
{
    if (date == 0) {
        results->undated++;
        return 0;
    }
    uint32_t month = date / 100;
    /* Matches come in document order, often dated alike: the last month
     * found first. */
    size_t last = results->month_last;
    if (last < results->month_count && results->months[last].month == month) {
        results->months[last].count++;
        return 0;
    }
    size_t *slot = results->month_slots ? month_slot(results, month) : NULL;
    if (slot && *slot) {
        results->month_last = *slot - 1;
        results->months[*slot - 1].count++;
        return 0;
    }
    if (results->month_count == COPS_DATE_HISTOGRAM_MAX_MONTHS)
        return error_set(err, COPS_ELIMIT, "the matches are dated in more than %d months",
                         COPS_DATE_HISTOGRAM_MAX_MONTHS);
    if (results->month_count == results->month_capacity) {
        size_t capacity = results->month_capacity ? 2 * results->month_capacity : 64;
        if (capacity > COPS_DATE_HISTOGRAM_MAX_MONTHS)
            capacity = COPS_DATE_HISTOGRAM_MAX_MONTHS;
        cops_date_bucket *grown = realloc(results->months, capacity * sizeof *grown);
        if (!grown)
            return error_set(err, COPS_ENOMEM, "out of memory counting matches by month");
        results->months = grown;
        results->month_capacity = capacity;
        if (month_slots_rebuild(results, capacity) != 0)
            return error_set(err, COPS_ENOMEM, "out of memory counting matches by month");
        slot = month_slot(results, month);
    }
    results->months[results->month_count] = (cops_date_bucket){month, 1};
    *slot = ++results->month_count;
    results->month_last = results->month_count - 1;
    return 0;
}

static int by_month(const void *a, const void *b)
{
    uint32_t x = ((const cops_date_bucket *)a)->month, y = ((const cops_date_bucket *)b)->month;
    return (x > y) - (x < y);
}

int results_sort_date_histogram(cops_results *results, cops_error *err)
{
    if (results->month_count < 2)
        return 0;
    qsort(results->months, results->month_count, sizeof *results->months, by_month);
    results->month_last = 0;
    return month_slots_rebuild(results, results->month_capacity) == 0
               ? 0
               : error_set(err, COPS_ENOMEM, "out of memory counting matches by month");
}

void results_clear_date_histogram(cops_results *results)
{
    if (results->month_slots)
        memset(results->month_slots, 0, results->month_slot_count * sizeof *results->month_slots);
    results->month_count = 0;
    results->month_last = 0;
    results->undated = 0;
}

size_t cops_results_date_histogram(const cops_results *results,
                                   const cops_date_bucket **months, uint64_t *undated)
{
    *months = results->month_count ? results->months : NULL;
    *undated = results->undated;
    return results->month_count;
}

uint64_t cops_results_total(const cops_results *results) { return results->total; }
int cops_results_total_is_exact(const cops_results *results) { return results->total_exact; }
size_t cops_results_count(const cops_results *results) { return results->count; }
const char *cops_results_query_tree(const cops_results *results) { return results->tree; }
const char *cops_results_query_json(const cops_results *results) { return results->tree_json; }
const cops_search_options *cops_results_options(const cops_results *results) { return &results->options; }
double cops_results_milliseconds(const cops_results *results) { return results->milliseconds; }

int cops_results_suggestion(const cops_results *results, size_t i, const char **word,
                            const char **suggested)
{
    if (i >= results->suggestion_count)
        return 0;
    *word = results->suggestions[i].word;
    *suggested = results->suggestions[i].suggested;
    return 1;
}

/* Add `note` unless the results hold it already (each segment notes its own). */
static int add_note(cops_results *results, const char *note, cops_error *err)
{
    for (size_t i = 0; i < results->note_count; i++)
        if (strcmp(results->notes[i], note) == 0)
            return 0;
    char *copy = strdup(note);
    char **grown = copy ? realloc(results->notes, (results->note_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(copy);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    results->notes = grown;
    results->notes[results->note_count++] = copy;
    return 0;
}

int results_add_notes(cops_results *results, const lower_notes *notes, cops_error *err)
{
    char note[COPS_ERROR_MESSAGE_MAX];
    const query_node *fuzzy = notes->fuzzy.word;
    if (fuzzy) {
        snprintf(note, sizeof note,
                 "'%.*s~%u': %zu indexed words are within %u edit%s; the %zu nearest (then most "
                 "frequent) are searched", 100, fuzzy->text, (unsigned)fuzzy->distance,
                 notes->fuzzy.found, (unsigned)fuzzy->distance, fuzzy->distance == 1 ? "" : "s",
                 notes->fuzzy.kept);
        int rc = add_note(results, note, err);
        if (rc != 0)
            return rc;
    }
    const lower_cut *prefix = &notes->prefix;
    if (!prefix->word)
        return 0;
    snprintf(note, sizeof note, "'%.*s*' matches %s%zu terms%s; the %zu in the most documents "
             "are searched", 100, prefix->word->text, prefix->stopped ? "more than " : "",
             prefix->found, prefix->stopped ? " (the scan stops there)" : "", prefix->kept);
    return add_note(results, note, err);
}

const char *cops_results_note(const cops_results *results, size_t i)
{
    return i < results->note_count ? results->notes[i] : NULL;
}

const char *cops_results_relaxed(const cops_results *results, size_t *required, size_t *word_count)
{
    if (required)
        *required = results->relaxed_required;
    if (word_count)
        *word_count = results->relaxed_word_count;
    return results->relaxed_words;
}

const cops_hit *cops_results_hit(const cops_results *results, size_t i)
{
    return i < results->count ? &results->hits[i] : NULL;
}

/* ----------------------------------------------------- a document by id */

/* The cops_document and the strings it owns (cops.h's fields point into
 * the strings). */
typedef struct owned_document {
    cops_document public;
    char *id, *title, *date, *text, *index;
    cops_span *highlights;
} owned_document;

/* The end of text[0, length) cut to at most `max` bytes before a whole
 * UTF-8 character: a last character whose lead byte says it goes on past
 * the cut is left out (the bytes after the cut may not have been read). */
static size_t whole_characters(const char *text, size_t length, size_t max)
{
    if (length <= max)
        return length;
    size_t lead = max;
    while (lead > 0 && max - lead < 4 && ((unsigned char)text[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return 0;
    unsigned char c = (unsigned char)text[lead - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return lead - 1 + need <= max ? max : lead - 1;
}

int document_new(const document_parts *parts, size_t max_text, cops_document **out,
                 cops_error *err)
{
    *out = NULL;
    owned_document *document = calloc(1, sizeof *document);
    if (!document)
        return error_set(err, COPS_ENOMEM, "out of memory reading a document");
    size_t known = parts->stored_length > parts->text_length ? parts->stored_length
                                                             : parts->text_length;
    size_t kept = whole_characters(parts->text, known, max_text);
    if (kept > parts->text_length)
        kept = parts->text_length;
    document->id = copy_text(parts->id, parts->id_length);
    document->title = copy_text(parts->title, parts->title_length);
    char day[DATE_TEXT_LENGTH + 1];
    if (parts->date)
        format_date(parts->date, day);
    document->date = parts->date ? copy_text(day, DATE_TEXT_LENGTH) : NULL;
    document->text = copy_text(parts->text, kept);
    document->index = parts->index ? strdup(parts->index) : NULL;
    cops_document *shown = &document->public;
    *shown = (cops_document){document->id, document->title, document->date, document->text, kept,
                             parts->stored_length > kept ? parts->stored_length : kept, 0, NULL,
                             0, document->index};
    shown->truncated = shown->text_length < shown->stored_length;
    if (!document->id || !document->title || (parts->date && !document->date) || !document->text
        || (parts->index && !document->index)) {
        cops_document_free(shown);
        return error_set(err, COPS_ENOMEM, "out of memory reading a document");
    }
    *out = shown;
    return 0;
}

void document_set_highlights(cops_document *document, cops_span *spans, size_t count)
{
    owned_document *owned = (owned_document *)document;
    free(owned->highlights);
    owned->highlights = spans;
    document->highlights = spans;
    document->highlight_count = count;
}

void cops_document_free(cops_document *document)
{
    if (!document)
        return;
    owned_document *owned = (owned_document *)document;
    free(owned->id);
    free(owned->title);
    free(owned->date);
    free(owned->text);
    free(owned->index);
    free(owned->highlights);
    free(owned);
}
