/*
 * snippet.c — snippet selection and highlighting (snippet.h).
 */
#include "config.h"

#include "query/snippet.h"

#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"

typedef struct match {
    size_t start, end;   /* bytes in the stored text */
    size_t term;         /* index in the highlight terms */
} match;

/* The highlight terms sorted (exact words, then prefixes, each bytewise),
 * so a token is looked up in O(log n) per prefix length instead of being
 * compared with every term: a query of 1,000 prefixes must not make each
 * analysed word cost 1,000 comparisons. */
typedef struct term_entry {
    const char *text;
    size_t length;
    int is_prefix;
    size_t index;                /* in the highlight terms */
} term_entry;

typedef struct match_list {
    term_entry *sorted;
    size_t sorted_count;
    match *items;
    size_t count, capacity;
    int failed;
} match_list;

#define SNIPPET_MAX_MATCHES 100000

static int compare_entry_to(const term_entry *e, int is_prefix, const char *text, size_t length)
{
    if (e->is_prefix != is_prefix)
        return e->is_prefix - is_prefix;
    size_t common = e->length < length ? e->length : length;
    int order = memcmp(e->text, text, common);
    if (order != 0)
        return order;
    return (e->length > length) - (e->length < length);
}

static int compare_entries(const void *a, const void *b)
{
    const term_entry *x = a, *y = b;
    int order = compare_entry_to(x, y->is_prefix, y->text, y->length);
    return order != 0 ? order : (x->index > y->index) - (x->index < y->index);
}

/* The first (lowest index) entry equal to (is_prefix, text), or -1. */
static long find_entry(const match_list *list, int is_prefix, const char *text, size_t length)
{
    size_t low = 0, high = list->sorted_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (compare_entry_to(&list->sorted[mid], is_prefix, text, length) < 0)
            low = mid + 1;
        else
            high = mid;
    }
    if (low < list->sorted_count && compare_entry_to(&list->sorted[low], is_prefix, text, length) == 0)
        return (long)list->sorted[low].index;
    return -1;
}

/* The lowest index of a term matching the token: the same word, or a
 * prefix of it. */
static long term_index(const match_list *list, const char *term, size_t length)
{
    long best = find_entry(list, 0, term, length);
    for (size_t l = 0; l <= length; l++) {
        long found = find_entry(list, 1, term, l);
        if (found >= 0 && (best < 0 || found < best))
            best = found;
    }
    return best;
}

static int sort_terms(match_list *list, const highlight_terms *terms)
{
    if (!terms || terms->count == 0)
        return 0;
    if (!(list->sorted = malloc(terms->count * sizeof *list->sorted)))
        return -1;
    for (size_t i = 0; i < terms->count; i++)
        list->sorted[i] = (term_entry){terms->terms[i], strlen(terms->terms[i]),
                                       terms->is_prefix[i] != 0, i};
    list->sorted_count = terms->count;
    qsort(list->sorted, list->sorted_count, sizeof *list->sorted, compare_entries);
    return 0;
}

static int collect_match(void *context, const analyzer_token *token)
{
    match_list *list = context;
    long found = term_index(list, token->term, token->term_length);
    if (found < 0)
        return 0;
    if (list->count == SNIPPET_MAX_MATCHES)
        return 1; /* enough to choose a window */
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        match *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown) {
            list->failed = 1;
            return 1;
        }
        list->items = grown;
        list->capacity = capacity;
    }
    list->items[list->count++] = (match){token->start, token->end, (size_t)found};
    return 0;
}

static int is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static size_t char_start(const char *text, size_t at)
{
    while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

/* Choose [start, end) of about `width` bytes around the best cluster. */
static void choose_window(const char *text, size_t length, size_t full_length,
                          const match_list *matches, size_t width, size_t *start_out,
                          size_t *end_out)
{
    size_t best_first = 0, best_distinct = 0, best_count = 0;
    int seen[64];
    for (size_t i = 0; i < matches->count; i++) {
        memset(seen, 0, sizeof seen);
        size_t distinct = 0, count = 0;
        for (size_t j = i; j < matches->count && matches->items[j].end - matches->items[i].start <= width; j++) {
            size_t t = matches->items[j].term % 64;
            if (!seen[t]) {
                seen[t] = 1;
                distinct++;
            }
            count++;
        }
        if (distinct > best_distinct || (distinct == best_distinct && count > best_count)) {
            best_distinct = distinct;
            best_count = count;
            best_first = i;
        }
    }
    size_t start = 0;
    if (matches->count > 0) {
        /* Leave some context before the first match, from a word start. */
        size_t anchor = matches->items[best_first].start;
        size_t lead = width / 4;
        start = anchor > lead ? anchor - lead : 0;
        if (start > 0) {
            while (start < anchor && !is_space((unsigned char)text[start - 1]))
                start++;
        }
    }
    size_t end = start + width < length ? start + width : length;
    if (end < full_length) {
        /* at a space; past the text read, what follows is unknown */
        size_t cut = end;
        while (cut > start && !(cut < length && is_space((unsigned char)text[cut])))
            cut--;
        if (cut > start)
            end = cut;
        else
            end = char_start(text, end);
    }
    *start_out = char_start(text, start);
    *end_out = end;
}

int snippet_build(analyzer *text_analyzer, const char *text, size_t length, size_t full_length,
                  const highlight_terms *terms, size_t target_chars, size_t *scan_budget,
                  char **text_out, cops_span **spans_out, size_t *span_count)
{
    *text_out = NULL;
    *spans_out = NULL;
    *span_count = 0;
    match_list matches = {0};
    size_t scan = length < SNIPPET_SCAN_BYTES ? length : SNIPPET_SCAN_BYTES;
    if (scan_budget && scan > *scan_budget)
        scan = *scan_budget;
    if (!terms || terms->count == 0)
        scan = 0;
    if (scan > 0 && sort_terms(&matches, terms) != 0)
        return COPS_ENOMEM;
    if (scan > 0) {
        if (analyzer_run(text_analyzer, text, scan, 0, 0, collect_match, &matches, NULL, NULL)
            == COPS_ENOMEM)
            matches.failed = 1; /* not a snippet without its highlights */
        if (scan_budget)
            *scan_budget -= scan;
    }
    free(matches.sorted);
    if (matches.failed) {
        free(matches.items);
        return COPS_ENOMEM;
    }
    if (full_length < length)
        full_length = length;
    size_t width = target_chars ? target_chars : 200;
    size_t start, end;
    choose_window(text, length, full_length, &matches, width, &start, &end);

    byte_buffer out = BUFFER_INIT;
    cops_span *spans = NULL;
    size_t spans_used = 0, spans_capacity = 0;
    if (start > 0)
        buffer_append(&out, "\xe2\x80\xa6", 3);
    size_t next_match = 0;
    while (next_match < matches.count && matches.items[next_match].start < start)
        next_match++;
    int previous_space = 1;
    for (size_t at = start; at < end;) {
        if (next_match < matches.count && matches.items[next_match].start == at
            && matches.items[next_match].end <= end) {
            const match *m = &matches.items[next_match++];
            if (spans_used == spans_capacity) {
                size_t capacity = spans_capacity ? spans_capacity * 2 : 16;
                cops_span *grown = realloc(spans, capacity * sizeof *grown);
                if (!grown) {
                    out.failed = 1; /* reported below, as the buffer's failures are */
                    break;
                }
                spans = grown;
                spans_capacity = capacity;
            }
            spans[spans_used++] = (cops_span){out.length, m->end - m->start};
            buffer_append(&out, text + m->start, m->end - m->start);
            at = m->end;
            previous_space = 0;
            continue;
        }
        while (next_match < matches.count && matches.items[next_match].start < at)
            next_match++; /* overlapped by a hyphen part already copied */
        unsigned char c = (unsigned char)text[at];
        if (is_space(c)) {
            if (!previous_space)
                buffer_append_byte(&out, ' ');
            previous_space = 1;
        } else {
            buffer_append_byte(&out, c);
            previous_space = 0;
        }
        at++;
    }
    while (out.length > 0 && out.data[out.length - 1] == ' ')
        out.length--;
    if (end < full_length)
        buffer_append(&out, "\xe2\x80\xa6", 3);
    buffer_append_byte(&out, '\0');
    free(matches.items);
    if (buffer_failed(&out)) {
        buffer_free(&out);
        free(spans);
        return COPS_ENOMEM;
    }
    *text_out = (char *)out.data;
    *spans_out = spans;
    *span_count = spans_used;
    return 0;
}
