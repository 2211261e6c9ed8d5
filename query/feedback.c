/*
 * feedback.c — pseudo-relevance feedback (feedback.h has the method).
 */
#include "config.h"

#include "query/feedback.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "query/plan.h"
#include "query/results.h"
#include "query/search.h"
#include "query/stopwords.h"

/* A surface word longer than this is not offered as an expansion. */
#define FEEDBACK_MAX_WORD_BYTES 128

typedef struct feedback_entry {
    char *term;
    char *word;      /* its first surface form */
    double p;        /* relevance model weight (step 2) */
    double w;        /* p * idf */
    uint32_t tf;     /* in the document being read */
    size_t last;     /* 1 + the document that counted tf */
} feedback_entry;

/* The feedback documents' terms: an open-addressing table (power of two
 * slots of entry indices + 1) over a growing array of entries. */
typedef struct feedback_table {
    feedback_entry *entries;
    size_t count, capacity;
    uint32_t *slots;
    size_t slot_count;
    size_t *touched;        /* entries counted in the current document */
    size_t touched_count;
    size_t document;        /* 1 + the document being read */
    const char *text;       /* its text (for the surface forms) */
    uint64_t length;        /* its token count */
    int failed;
} feedback_table;

uint64_t feedback_term_hash(const char *term, size_t length)
{
    return hash_keyed(term, length); /* seeded: terms of strangers' documents */
}

static int table_grow(feedback_table *t)
{
    size_t slot_count = t->slot_count ? t->slot_count * 2 : 1024;
    uint32_t *slots = calloc(slot_count, sizeof *slots);
    feedback_entry *entries = realloc(t->entries, slot_count / 2 * sizeof *entries);
    if (entries)
        t->entries = entries;
    size_t *touched = entries ? realloc(t->touched, slot_count / 2 * sizeof *touched) : NULL;
    if (touched)
        t->touched = touched;
    if (!slots || !entries || !touched) {
        free(slots);
        return -1;
    }
    for (size_t i = 0; i < t->count; i++) {
        size_t at = feedback_term_hash(t->entries[i].term, strlen(t->entries[i].term)) & (slot_count - 1);
        while (slots[at])
            at = (at + 1) & (slot_count - 1);
        slots[at] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->slot_count = slot_count;
    t->capacity = slot_count / 2;
    return 0;
}

static feedback_entry *table_find(feedback_table *t, const analyzer_token *token)
{
    if (t->count == t->capacity && table_grow(t) != 0)
        return NULL;
    size_t at = feedback_term_hash(token->term, token->term_length) & (t->slot_count - 1);
    for (; t->slots[at]; at = (at + 1) & (t->slot_count - 1)) {
        feedback_entry *e = &t->entries[t->slots[at] - 1];
        if (strcmp(e->term, token->term) == 0)
            return e;
    }
    size_t word_length = token->end - token->start;
    feedback_entry *e = &t->entries[t->count];
    memset(e, 0, sizeof *e);
    e->term = strdup(token->term);
    e->word = word_length <= FEEDBACK_MAX_WORD_BYTES ? strndup(t->text + token->start, word_length)
                                                     : NULL;
    if (!e->term || (word_length <= FEEDBACK_MAX_WORD_BYTES && !e->word)) {
        free(e->term);
        free(e->word);
        return NULL;
    }
    t->slots[at] = (uint32_t)(++t->count);
    return e;
}

static int count_token(void *context, const analyzer_token *token)
{
    feedback_table *t = context;
    feedback_entry *e = table_find(t, token);
    if (!e) {
        t->failed = 1;
        return 1;
    }
    if (e->last != t->document) {
        e->last = t->document;
        e->tf = 0;
        t->touched[t->touched_count++] = (size_t)(e - t->entries);
    }
    e->tf++;
    t->length++;
    return 0;
}

static void table_free(feedback_table *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->entries[i].term);
        free(t->entries[i].word);
    }
    free(t->entries);
    free(t->slots);
    free(t->touched);
}

/* Step 2 for one feedback document of relevance weight `weight`. */
static int read_document(cops_index *index, uint32_t doc, double weight, feedback_table *t,
                         cops_error *err)
{
    uint32_t local;
    segment *seg = index_locate(index, doc, &local);
    segment_document document = {0};
    int rc = segment_read_document_prefix(seg, local, FEEDBACK_TEXT_BYTES, &document, err);
    if (rc != 0)
        return rc;
    t->document++;
    t->touched_count = 0;
    t->length = 0;
    t->text = document.text;
    rc = analyzer_run(index->analyzer, document.text, document.text_length, 0, 0, count_token, t,
                      NULL, NULL);
    for (size_t i = 0; i < t->touched_count && t->length; i++) {
        feedback_entry *e = &t->entries[t->touched[i]];
        e->p += weight * (double)e->tf / (double)t->length;
    }
    segment_document_free(&document);
    if (t->failed || rc != 0)
        return error_set(err, COPS_ENOMEM, "out of memory reading the feedback documents");
    return 0;
}

/* Larger w first, then term bytes. */
static int compare_weight(const void *a, const void *b)
{
    const feedback_entry *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return strcmp(x->term, y->term);
}

typedef struct single_term {
    const char *expected;
    int tokens, same;
} single_term;

static int check_token(void *context, const analyzer_token *token)
{
    single_term *s = context;
    s->tokens++;
    s->same = strcmp(token->term, s->expected) == 0;
    return 0;
}

/* Whether `word` analyses to exactly `term`, as the planner will see it. */
static int word_gives_term(analyzer *a, const char *word, const char *term)
{
    single_term s = {term, 0, 0};
    if (analyzer_run(a, word, strlen(word), 0, 0, check_token, &s, NULL, NULL) != 0)
        return 0;
    return s.tokens == 1 && s.same;
}

static int count_words(void *context, const analyzer_token *token)
{
    (void)token;
    (*(size_t *)context)++;
    return 0;
}

/* Q of step 3: analysed words of the query's words and phrases, not
 * counting excluded ones. */
static size_t query_words(analyzer *a, const query_node *node)
{
    if (node->kind == QUERY_NOT)
        return 0;
    size_t count = 0;
    if (node->text && (node->kind == QUERY_WORD || node->kind == QUERY_PHRASE
                       || node->kind == QUERY_PREFIX || node->kind == QUERY_FUZZY))
        analyzer_run(a, node->text, strlen(node->text), 0, 0, count_words, &count, NULL, NULL);
    for (size_t i = 0; i < node->child_count; i++)
        count += query_words(a, node->children[i]);
    return count;
}

/* Larger p first, then term bytes. */
static int compare_p(const void *a, const void *b)
{
    const feedback_entry *x = a, *y = b;
    if (x->p != y->p)
        return x->p > y->p ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* Step 3: w for the terms that can be among the best `wanted`, the best
 * into *out.  In decreasing p, a term whose p times the largest idf (df
 * 1) is below the wanted-th w so far cannot enter, nor can any after it:
 * the idf, a dictionary lookup per term, is computed only for the others. */
static int choose_terms(cops_index *index, const query_node *query,
                        const cops_search_options *options, feedback_table *t,
                        feedback_query *out, cops_error *err)
{
    double n = (double)index->documents;
    double idf_max = log(1.0 + (n - 1.0 + 0.5) / 1.5);
    size_t wanted = options->feedback_terms;
    qsort(t->entries, t->count, sizeof *t->entries, compare_p);
    double *best = calloc(wanted, sizeof *best); /* the largest w so far, decreasing */
    out->terms = calloc(wanted, sizeof *out->terms);
    if (!best || !out->terms) {
        free(best);
        return error_set(err, COPS_ENOMEM, "out of memory choosing the feedback terms");
    }
    size_t scored = 0;
    for (; scored < t->count; scored++) {
        feedback_entry *e = &t->entries[scored];
        if (e->p * idf_max < best[wanted - 1])
            break;
        int64_t df = index_document_frequency(index, (const uint8_t *)e->term, strlen(e->term),
                                              err);
        if (df < 0) {
            free(best);
            return (int)df;
        }
        e->w = e->p * log(1.0 + (n - (double)df + 0.5) / ((double)df + 0.5));
        if (!e->word || !word_gives_term(index->analyzer, e->word, e->term)
            || stopword_listed(e->term))
            e->w = 0; /* cannot be asked for as a word, or a function word */
        size_t at = wanted;
        while (at > 0 && e->w > best[at - 1])
            at--;
        if (at < wanted) {
            memmove(best + at + 1, best + at, (wanted - at - 1) * sizeof *best);
            best[at] = e->w;
        }
    }
    free(best);
    qsort(t->entries, scored, sizeof *t->entries, compare_weight);
    double sum = 0;
    for (size_t i = 0; i < scored && out->count < wanted && t->entries[i].w > 0; i++) {
        feedback_entry *e = &t->entries[i];
        out->terms[out->count].word = e->word;
        out->terms[out->count++].factor = e->w;
        e->word = NULL; /* now owned by out */
        sum += e->w;
    }
    double share = (1.0 - options->feedback_weight) / options->feedback_weight;
    double words = (double)query_words(index->analyzer, query);
    for (size_t i = 0; i < out->count; i++)
        out->terms[i].factor = share * (words > 0 ? words : 1.0) * out->terms[i].factor / sum;
    return 0;
}

/* Each chosen word lowered once, for every segment's plan. */
static int lower_words_of(cops_index *index, const cops_search_options *options,
                          feedback_query *out, cops_error *err)
{
    if (!(out->plans = calloc(out->count, sizeof *out->plans)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    lower_options lowering = lower_options_from(options);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < out->count; i++) {
        query_node word = {.kind = QUERY_WORD, .text = out->terms[i].word};
        rc = lower_query(index->analyzer, &word, &lowering, &out->plans[i], err);
    }
    return rc;
}

int feedback_prepare(cops_index *index, const query_node *query,
                     const cops_search_options *options, feedback_query *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    if (options->feedback_documents == 0 || options->feedback_terms == 0
        || !(options->feedback_weight < 1.0) || options->feedback_query_length == 0
        || query_words(index->analyzer, query) < options->feedback_query_length)
        return 0;
    cops_search_options first = *options;
    first.feedback_documents = 0;
    first.limit = options->feedback_documents;
    first.offset = 0;
    first.count_only = 0;
    first.snippets = 0;
    first.explain = 0;
    first.exact_total = 0;
    first.suggest = 0; /* the query's own search suggests, once */
    first.sort = COPS_SORT_RELEVANCE; /* the best hits lend their words, whatever order shows them */
    cops_results *results = results_new(&first);
    if (!results)
        return error_set(err, COPS_ENOMEM, "out of memory");
    int rc = native_search(index, query, &first, results, err);
    double sum = 0;
    for (size_t i = 0; rc == 0 && i < results->count; i++)
        sum += results->hits[i].score;
    feedback_table table = {0};
    for (size_t i = 0; rc == 0 && i < results->count; i++) {
        double weight = sum > 0 ? results->hits[i].score / sum : 1.0 / (double)results->count;
        rc = read_document(index, results->hits[i].doc, weight, &table, err);
    }
    if (rc == 0 && table.count)
        rc = choose_terms(index, query, options, &table, out, err);
    if (rc == 0 && out->count)
        rc = lower_words_of(index, options, out, err);
    table_free(&table);
    cops_results_free(results);
    if (rc != 0)
        feedback_free(out);
    return rc;
}

void feedback_free(feedback_query *expansion)
{
    for (size_t i = 0; i < expansion->count; i++) {
        free(expansion->terms[i].word);
        if (expansion->plans)
            lower_plan_free(expansion->plans[i]);
    }
    free(expansion->terms);
    free(expansion->plans);
    memset(expansion, 0, sizeof *expansion);
}

int feedback_plan_query(cops_index *index, size_t segment_number, const lower_plan *plan,
                        const feedback_query *expansion, const cops_search_options *options,
                        plan_cache *cache, matcher **out, cops_error *err)
{
    int rc = plan_query(index, segment_number, plan, options, cache, out, err);
    if (rc != 0 || !expansion || expansion->count == 0)
        return rc;
    matcher **words = calloc(expansion->count, sizeof *words);
    if (!words) {
        matcher_free(*out);
        *out = NULL;
        return error_set(err, COPS_ENOMEM, "out of memory while planning the query");
    }
    size_t count = 0;
    for (size_t i = 0; rc == 0 && i < expansion->count; i++) {
        matcher *m = NULL;
        rc = plan_query(index, segment_number, expansion->plans[i], options, NULL, &m, err);
        char label[FEEDBACK_MAX_WORD_BYTES + 16];
        snprintf(label, sizeof label, "feedback %s", expansion->terms[i].word);
        if (rc == 0 && !(words[count++] = matcher_scale(m, expansion->terms[i].factor, label)))
            rc = error_set(err, COPS_ENOMEM, "out of memory while planning the query");
    }
    matcher *optional = rc == 0 ? matcher_or(words, count) : NULL;
    if (rc != 0) {
        for (size_t i = 0; i < count; i++)
            matcher_free(words[i]);
    } else if (!optional) {
        rc = error_set(err, COPS_ENOMEM, "out of memory while planning the query");
    }
    free(words);
    matcher *combined = NULL;
    if (rc == 0 && !(combined = matcher_and(out, 1, NULL, 0, &optional, 1)))
        rc = error_set(err, COPS_ENOMEM, "out of memory while planning the query");
    if (rc != 0) {
        if (!optional) /* matcher_and frees its arguments on failure */
            matcher_free(*out);
        *out = NULL;
        return rc;
    }
    *out = combined;
    return 0;
}
