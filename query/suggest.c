/*
 * suggest.c — did you mean (suggest.h).
 */
#include "config.h"

#include "query/suggest.h"

#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/error.h"
#include "query/index.h"
#include "query/plan.h"

#define MAX_DISTANCE SUGGEST_MAX_DISTANCE

size_t suggest_buckets(const char *term, size_t length, char buckets[2])
{
    size_t count = 0;
    if (length > 0)
        buckets[count++] = term[0];
    if (length > 1 && term[1] != term[0])
        buckets[count++] = term[1];
    return count;
}

/* Only the cells within MAX_DISTANCE of the diagonal are computed (any
 * other is above the bound): a fuzzy word scans up to 200,000 words per
 * bucket, and the whole table of two 60-byte words sharing a long prefix
 * (no early stop) made one `w~2` cost a second and a query of a hundred
 * of them minutes.  A cell outside the band reads as MAX_DISTANCE + 1. */
#define BEYOND (MAX_DISTANCE + 1)

void suggest_distance_begin(suggest_distance *d, const uint8_t *term, size_t term_length)
{
    d->term_length = term_length;
    d->rows_known = 0;
    d->last_row_beyond = 0;
    if (term_length > ANALYZER_MAX_TERM_BYTES)
        return;
    memcpy(d->term, term, term_length);
    for (size_t j = 0; j <= term_length + 1; j++)
        d->rows[0][j] = j <= MAX_DISTANCE && j <= term_length ? (uint8_t)j : BEYOND;
}

/* Row i (the word's first i bytes, word[0, i) in d->word) from the rows
 * before it; 1 when every cell of the band is beyond. */
static int distance_row(suggest_distance *d, size_t i)
{
    const uint8_t *term = d->term, *word = d->word;
    size_t m = d->term_length;
    const uint8_t *previous = d->rows[i - 1], *before = i > 1 ? d->rows[i - 2] : NULL;
    uint8_t *current = d->rows[i];
    size_t low = i > MAX_DISTANCE ? i - MAX_DISTANCE : 1;
    size_t high = i + MAX_DISTANCE < m ? i + MAX_DISTANCE : m;
    current[low - 1] = low == 1 && i <= MAX_DISTANCE ? (uint8_t)i : BEYOND;
    current[high + 1] = BEYOND;
    unsigned row_least = current[low - 1]; /* column 0 is a cell of the band */
    for (size_t j = low; j <= high; j++) {
        unsigned best = previous[j - 1] + (word[i - 1] != term[j - 1]);
        if (previous[j] + 1u < best)
            best = previous[j] + 1u;
        if (current[j - 1] + 1u < best)
            best = current[j - 1] + 1u;
        if (i > 1 && j > 1 && word[i - 1] == term[j - 2] && word[i - 2] == term[j - 1]
            && before[j - 2] + 1u < best)
            best = before[j - 2] + 1u;
        current[j] = (uint8_t)(best < BEYOND ? best : BEYOND);
        if (best < row_least)
            row_least = best;
    }
    return row_least > MAX_DISTANCE;
}

size_t suggest_distance_to(suggest_distance *d, const uint8_t *word, size_t word_length)
{
    size_t m = d->term_length;
    if (m > ANALYZER_MAX_TERM_BYTES || word_length > ANALYZER_MAX_TERM_BYTES
        || (m > word_length ? m - word_length : word_length - m) > MAX_DISTANCE)
        return BEYOND;
    size_t shared = 0;
    while (shared < d->rows_known && shared < word_length && d->word[shared] == word[shared])
        shared++;
    if (d->last_row_beyond && shared == d->rows_known)
        return BEYOND; /* it begins with the bytes no alignment comes back from */
    memcpy(d->word + shared, word + shared, word_length - shared);
    d->last_row_beyond = 0;
    for (size_t i = shared + 1; i <= word_length; i++)
        if (distance_row(d, i)) {
            d->rows_known = i;
            d->last_row_beyond = 1;
            return BEYOND;
        }
    d->rows_known = word_length;
    return d->rows[word_length][m];
}

size_t suggest_edit_distance(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length)
{
    suggest_distance d;
    suggest_distance_begin(&d, a, a_length);
    return suggest_distance_to(&d, b, b_length);
}

typedef struct candidate_search {
    const char *term;
    size_t term_length;
    size_t visits_left;      /* in the bucket being scanned (suggest_bucket_limit) */
    suggest_distance distance; /* to the term */
    char best[ANALYZER_MAX_TERM_BYTES + 1];
    size_t best_distance;    /* MAX_DISTANCE + 1 while none */
    uint32_t best_df;        /* in the segment scanned (a guide; the chosen one is recounted) */
} candidate_search;

static int visit_candidate(void *context, const uint8_t *key, size_t key_length,
                           const segment_term *term)
{
    candidate_search *search = context;
    if (search->visits_left-- == 0)
        return 1;
    if (key_length == search->term_length && memcmp(key, search->term, key_length) == 0)
        return 0;
    size_t distance = suggest_distance_to(&search->distance, key, key_length);
    if (distance > MAX_DISTANCE || distance > search->best_distance
        || (distance == search->best_distance && term->df <= search->best_df))
        return 0;
    memcpy(search->best, key, key_length);
    search->best[key_length] = '\0';
    search->best_distance = distance;
    search->best_df = term->df;
    return 0;
}

/* What the suggestions of one query have spent (suggest.h). */
typedef struct suggest_budget {
    size_t words;            /* rare words looked at */
    size_t comparisons;      /* above SUGGEST_MAX_QUERY_COMPARISONS: spent */
} suggest_budget;

static int budget_spent(const suggest_budget *budget)
{
    return budget->words >= SUGGEST_MAX_WORDS
           || budget->comparisons > SUGGEST_MAX_QUERY_COMPARISONS;
}

/* The nearest, most frequent term to `term` over the segments' buckets
 * (suggest.h) into search->best, from what is left of `budget` (a scan
 * cut by it leaves the budget spent); 0 or a negative status. */
static int nearest_term(cops_index *index, candidate_search *search, suggest_budget *budget,
                        cops_error *err)
{
    char buckets[2];
    size_t bucket_count = suggest_buckets(search->term, search->term_length, buckets);
    for (size_t s = 0; s < index->segment_count; s++)
        for (size_t b = 0; b < bucket_count; b++) {
            size_t limit = suggest_bucket_limit(budget->comparisons, SUGGEST_MAX_QUERY_COMPARISONS);
            search->visits_left = limit;
            int rc = segment_scan_prefix(index->segments[s], (const uint8_t *)&buckets[b], 1,
                                         visit_candidate, search, err);
            suggest_bucket_spend(&budget->comparisons, SUGGEST_MAX_QUERY_COMPARISONS, limit,
                                 search->visits_left);
            if (rc < 0 || budget_spent(budget))
                return rc < 0 ? rc : 0;
        }
    return 0;
}

typedef struct stem_check {
    const char *wanted;
    int same;
    size_t terms;
} stem_check;

static int check_stem(void *context, const analyzer_token *token)
{
    stem_check *check = context;
    check->terms++;
    check->same = strcmp(token->term, check->wanted) == 0;
    return 0;
}

/* 1 when `text` analyses to the one term `wanted`. */
static int analyses_to(analyzer *text_analyzer, const char *text, const char *wanted)
{
    stem_check check = {wanted, 0, 0};
    if (analyzer_run(text_analyzer, text, strlen(text), 0, 0, check_stem, &check, NULL, NULL) != 0)
        return 0;
    return check.terms == 1 && check.same;
}

/* The suggestion as a word (suggest.h): the first of the candidate with
 * the typed word's ending past its stem, the candidate with a final i as
 * y (stemmers write "sanctuary" as "sanctuari"), and the candidate
 * itself that analyses to the candidate.  malloc'd, or NULL. */
static char *shown_word(analyzer *text_analyzer, const char *typed, const char *stem,
                        const char *candidate)
{
    char forms[3][2 * ANALYZER_MAX_TERM_BYTES + 2] = {"", "", ""};
    lower_words normalised;
    size_t stem_length = strlen(stem), length = strlen(candidate);
    if (lower_analyze_words(text_analyzer, typed, ANALYZE_NO_STEM, &normalised, NULL) == 0
        && normalised.count == 1 && strncmp(normalised.terms[0], stem, stem_length) == 0
        && normalised.terms[0][stem_length])
        snprintf(forms[0], sizeof forms[0], "%s%s", candidate, normalised.terms[0] + stem_length);
    if (length > 1 && candidate[length - 1] == 'i')
        snprintf(forms[1], sizeof forms[1], "%.*sy", (int)(length - 1), candidate);
    for (size_t i = 0; i < 2; i++)
        if (forms[i][0] && analyses_to(text_analyzer, forms[i], candidate))
            return strdup(forms[i]);
    return strdup(candidate);
}

/* The most edits a suggestion for `term` may be away: none for a term
 * with a digit (2016 -> 2015, 1,000 -> 100 change what was asked, they
 * correct no spelling) or of one or two characters (any short word is
 * within two edits of "c": C++ -> com), one for three to five
 * characters, two from six (as Elasticsearch's AUTO fuzziness). */
static size_t suggest_max_edits(const char *term)
{
    size_t characters = 0;
    for (const char *c = term; *c; c++) {
        if (*c >= '0' && *c <= '9')
            return 0;
        characters += ((unsigned char)*c & 0xC0) != 0x80;
    }
    return characters < SUGGEST_ONE_EDIT_CHARS ? 0
           : characters < SUGGEST_TWO_EDITS_CHARS ? 1 : MAX_DISTANCE;
}

/* The suggestion for one WORD, added to the list when there is one. */
static int suggest_word(cops_index *index, const query_node *word, suggest_budget *budget,
                        suggestion **list, size_t *count, size_t *capacity, cops_error *err)
{
    lower_words terms;
    if (lower_analyze_words(index->analyzer, word->text, 0, &terms, NULL) != 0 || terms.count != 1)
        return 0;
    const char *term = terms.terms[0];
    int64_t df = index_document_frequency(index, (const uint8_t *)term, strlen(term), err);
    if (df < 0)
        return (int)df;
    size_t max_edits = suggest_max_edits(term);
    if (df >= SUGGEST_RARE_DF || max_edits == 0)
        return 0;
    candidate_search search = {.term = term, .term_length = strlen(term),
                               .best_distance = MAX_DISTANCE + 1};
    suggest_distance_begin(&search.distance, (const uint8_t *)term, search.term_length);
    int rc = nearest_term(index, &search, budget, err);
    budget->words++;
    /* a word whose scan the budget cut gets nothing: its nearest so far
     * would depend on where the scan stopped */
    if (rc != 0 || search.best_distance > max_edits
        || budget->comparisons > SUGGEST_MAX_QUERY_COMPARISONS)
        return rc;
    int64_t best_df = index_document_frequency(index, (const uint8_t *)search.best,
                                               strlen(search.best), err);
    if (best_df < 0)
        return (int)best_df;
    if (best_df == 0 || best_df < SUGGEST_MIN_RATIO * df)
        return 0;
    if (ARRAY_RESERVE_ONE(*list, *capacity, *count, 4) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory suggesting words");
    suggestion *added = &(*list)[*count];
    added->word = strdup(word->text);
    added->suggested = shown_word(index->analyzer, word->text, term, search.best);
    ++*count;
    if (!added->word || !added->suggested)
        return error_set(err, COPS_ENOMEM, "out of memory suggesting words");
    return 0;
}

static int suggest_node(cops_index *index, const query_node *node, suggest_budget *budget,
                        suggestion **list, size_t *count, size_t *capacity, cops_error *err)
{
    if (node->kind == QUERY_NOT || budget_spent(budget))
        return 0;
    if (node->kind == QUERY_WORD && node->text)
        return suggest_word(index, node, budget, list, count, capacity, err);
    for (size_t i = 0; i < node->child_count; i++) {
        int rc = suggest_node(index, node->children[i], budget, list, count, capacity, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int suggest_words(cops_index *index, const query_node *query, suggestion **out, size_t *count,
                  cops_error *err)
{
    *out = NULL;
    *count = 0;
    size_t capacity = 0;
    suggest_budget budget = {0, 0};
    int rc = suggest_node(index, query, &budget, out, count, &capacity, err);
    if (rc != 0) {
        suggestions_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

void suggestions_free(suggestion *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].word);
        free(list[i].suggested);
    }
    free(list);
}
