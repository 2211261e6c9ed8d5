/*
 * plan.c — a lowered query to a matcher tree over one segment (plan.h).
 */
#include "config.h"

#include "query/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/error.h"
#include "index-format/surface.h"
#include "query/fuzzy.h"
#include "query/suggest.h"
#include "query/weight.h"

typedef struct planner {
    cops_index *index;
    size_t segment_number;
    segment *seg;
    const lower_plan *plan;
    bm25_params params;
    cops_error *err;
    int rc;
    size_t prefix_terms;         /* expansions of every prefix so far */
    int counting;                /* no score will be asked (a count): terms unscored */
    size_t fuzzy_comparisons;    /* words every fuzzy word was compared with so far */
    double word_factor;          /* the weight of the TERM being planned (lower_node.weight) */
    plan_cache *cache;           /* or NULL */
    int by_pairs;                /* a count whose phrases may be read from pair keys
                                  * (plan_pair_key): none is a NEAR's operand */
    int pair_filters;            /* phrases may be filtered by pair keys (filter_by_pairs):
                                  * none is a NEAR's operand; -1 not known yet */
} planner;

static matcher *checked(planner *p, matcher *m)
{
    if (!m && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory while planning the query");
    return m;
}

static size_t make_key(uint8_t *key, const char *term, int title)
{
    size_t length = 0;
    if (title)
        key[length++] = (uint8_t)SEGMENT_FIELD_TITLE;
    size_t term_length = strlen(term);
    memcpy(key + length, term, term_length);
    return length + term_length;
}

/* The key's document frequency in the whole index (its entry in this
 * segment known), or a negative status (set in p->rc). */
static int64_t key_df(planner *p, const uint8_t *key, size_t key_length, const segment_term *term)
{
    int64_t df = index_document_frequency_known(p->index, key, key_length, p->segment_number,
                                                term, p->err);
    if (df < 0)
        p->rc = (int)df;
    return df;
}

/* cf: the key's occurrences in the collection (the language model's
 * background; the other schemes ignore it). */
static void prepare_scorer(planner *p, bm25_term *scorer, int64_t df, uint64_t cf, int title)
{
    weight_prepare(scorer, &p->params, p->index->documents, (uint32_t)df, cf,
                 title ? p->index->average_title_length : p->index->average_body_length,
                 (title ? p->plan->title_weight : 1.0) * p->word_factor, title);
}

/* A term matcher over an existing key (its dictionary entry and its df
 * known). */
static matcher *term_matcher_with(planner *p, const uint8_t *key, size_t key_length,
                                  const segment_term *term, int64_t df)
{
    int title = key[0] == (uint8_t)SEGMENT_FIELD_TITLE;
    /* Only the language model reads the collection's occurrences (one more
     * dictionary look-up per segment, so not for the other schemes). */
    uint64_t cf = 0;
    if (p->params.scheme == COPS_WEIGHT_LM) {
        int64_t status = index_key_statistics(p->index, key, key_length, p->segment_number, term,
                                              &cf, p->err);
        if (status < 0) {
            p->rc = (int)status;
            return NULL;
        }
    }
    bm25_term scorer;
    prepare_scorer(p, &scorer, df, cf, title);
    /* "title:" and the word, or the word (put together without snprintf,
     * which cost a rare-word query two thousand instructions) */
    static const char title_label[] = "title:";
    char label[SEGMENT_MAX_KEY_BYTES + sizeof title_label];
    size_t at = title ? sizeof title_label - 1 : 0;
    memcpy(label, title_label, at);
    memcpy(label + at, key + title, key_length - (size_t)title);
    label[at + key_length - (size_t)title] = '\0';
    return checked(p, matcher_term(p->seg, term, &scorer, !p->counting, label));
}

void plan_cache_free(plan_cache *cache)
{
    array_free_inline(cache->entries, cache->first);
    cache->entries = NULL;
    cache->count = cache->capacity = 0;
}

/* The key's entry in p's cache, or NULL. */
static plan_cache_entry *cached_word(const planner *p, const uint8_t *key, size_t key_length)
{
    for (size_t i = 0; p->cache && i < p->cache->count; i++) {
        plan_cache_entry *e = &p->cache->entries[i];
        if (e->segment_number == p->segment_number && e->key_length == key_length
            && memcmp(e->key, key, key_length) == 0)
            return e;
    }
    return NULL;
}

/* The cache's array doubles from its inline words to PLAN_CACHE_WORDS exactly. */
_Static_assert(PLAN_CACHE_WORDS % PLAN_CACHE_INLINE_WORDS == 0
                   && ((PLAN_CACHE_WORDS / PLAN_CACHE_INLINE_WORDS)
                       & (PLAN_CACHE_WORDS / PLAN_CACHE_INLINE_WORDS - 1)) == 0,
               "PLAN_CACHE_WORDS is PLAN_CACHE_INLINE_WORDS times a power of two");

/* Keep a looked-up word (when there is room: the cache only saves work). */
static void cache_word(planner *p, const uint8_t *key, size_t key_length, int found,
                       const segment_term *term, int64_t df)
{
    plan_cache *cache = p->cache;
    if (!cache || cache->count == PLAN_CACHE_WORDS
        || ARRAY_RESERVE_INLINE(cache->entries, cache->capacity, cache->count, 1, cache->first))
        return;
    plan_cache_entry *e = &cache->entries[cache->count++];
    e->segment_number = p->segment_number;
    memcpy(e->key, key, key_length);
    e->key_length = key_length;
    e->found = found;
    e->term = *term;
    e->df = df;
}

/* A count scores nothing, so its terms need no collection-wide df, which
 * with deletions costs a probe of every deleted document: the cache then
 * keeps DF_UNKNOWN until a scored plan of the same search asks. */
#define DF_UNKNOWN INT64_MIN /* never a status */

/* A term matcher over a key of p's segment (an empty one when absent),
 * through p's cache. */
static matcher *key_matcher(planner *p, const uint8_t *key, size_t key_length)
{
    plan_cache_entry *cached = cached_word(p, key, key_length);
    if (cached && cached->found && cached->df == DF_UNKNOWN && !p->counting) {
        int64_t df = key_df(p, key, key_length, &cached->term);
        if (df < 0)
            return NULL;
        cached->df = df;
    }
    if (cached)
        return cached->found ? term_matcher_with(p, key, key_length, &cached->term,
                                                 cached->df == DF_UNKNOWN ? cached->term.df
                                                                          : cached->df)
                             : checked(p, matcher_empty());
    segment_term term = {0};
    int found = segment_lookup(p->seg, key, key_length, &term, p->err);
    if (found < 0) {
        p->rc = found;
        return NULL;
    }
    int64_t df = !found ? 0 : p->counting ? DF_UNKNOWN : key_df(p, key, key_length, &term);
    if (df < 0 && df != DF_UNKNOWN)
        return NULL;
    cache_word(p, key, key_length, found, &term, df);
    if (!found)
        return checked(p, matcher_empty());
    return term_matcher_with(p, key, key_length, &term, df == DF_UNKNOWN ? term.df : df);
}

static matcher *term_in_field(planner *p, const char *text, int title)
{
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    size_t key_length = make_key(key, text, title);
    return key_matcher(p, key, key_length);
}

/* The pair key of node's words `first` and first + 1 in `seg`: 1 and
 * *term, 0 when there is none (the words not side by side, not both in
 * the segment's list, or their pair not keyed), or a negative status. */
static int pair_key_at(segment *seg, const lower_node *node, size_t first, segment_term *term,
                       cops_error *err)
{
    const lower_term *left = &node->terms[first], *right = &node->terms[first + 1];
    if (right->offset != left->offset + 1)
        return 0;
    const pair_words *words = &segment_get_meta(seg)->pairs;
    int a = pair_words_find(words, left->text, strlen(left->text));
    int b = a < 0 ? -1 : pair_words_find(words, right->text, strlen(right->text));
    if (b < 0)
        return 0;
    uint8_t key[2 + 2 * PAIR_WORD_MAX_BYTES];
    return segment_lookup(seg, key, pair_key_make(words, a, b, key), term, err);
}

int plan_pair_key(segment *seg, const lower_node *node, int any_field, segment_term *term,
                  cops_error *err)
{
    if (node->kind != LOWER_PHRASE || (node->field != LOWER_FIELD_BODY && !any_field)
        || node->slop != 0 || node->term_count != 2)
        return 0;
    return pair_key_at(seg, node, 0, term, err);
}

/* A node as far as which documents it matches goes: under SCALE and
 * TITLE wrappers of one child (a boost or a field's weight changes the
 * scores only). */
static const lower_node *matching_node(const lower_node *node)
{
    while ((node->kind == LOWER_SCALE || node->kind == LOWER_TITLE) && node->child_count == 1)
        node = node->children[0];
    return node;
}

int plan_is_two_terms(const lower_plan *plan)
{
    const lower_node *root = matching_node(plan->root);
    return root->kind == LOWER_OR && root->child_count == 2
           && matching_node(root->children[0])->kind == LOWER_TERM
           && matching_node(root->children[1])->kind == LOWER_TERM;
}

/* The entry of `node`'s key (a TERM) in p's segment: 1 with *term, 0 when
 * absent, or a negative status; from p's cache when it holds the key
 * (an earlier plan of the search), else looked up and kept there, its df
 * unknown as a count's is. */
static int find_term(planner *p, const lower_node *node, segment_term *term)
{
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    size_t key_length = make_key(key, node->terms[0].text, node->field == LOWER_FIELD_TITLE);
    const plan_cache_entry *cached = cached_word(p, key, key_length);
    if (cached) {
        *term = cached->term;
        return cached->found;
    }
    int found = segment_lookup(p->seg, key, key_length, term, p->err);
    if (found >= 0)
        cache_word(p, key, key_length, found, term, found ? DF_UNKNOWN : 0);
    return found;
}

/* plan_count_two_terms counts through the shorter key's postings only
 * when the longer has at least this many times as many: each of its
 * postings then costs a skip in the longer (about 25 instructions and,
 * at worst, a block of the longer decoded), against some 5 a posting of
 * either counted by windows (search.c).  A word's title key is tens of
 * times shorter than its body key (wiki-dev: homes 30 in 5,297, a 388 in
 * 35,602). */
#define TWO_TERMS_MIN_RATIO 4

int plan_count_two_terms(cops_index *index, size_t segment_number, const lower_plan *plan,
                         plan_cache *cache, uint64_t *total, cops_error *err)
{
    if (!plan_is_two_terms(plan))
        return 0;
    planner p = {.index = index, .segment_number = segment_number,
                 .seg = index->segments[segment_number], .plan = plan, .err = err,
                 .counting = 1, .word_factor = 1.0, .cache = cache};
    const lower_node *root = matching_node(plan->root);
    segment_term terms[2] = {{0}, {0}}; /* an absent key is cached zeroed, as term_in_field caches it */
    for (size_t i = 0; i < 2; i++) {
        int found = find_term(&p, matching_node(root->children[i]), &terms[i]);
        if (found < 0)
            return found;
        if (!found)
            terms[i].df = 0; /* no postings: only the other key's are looked at */
    }
    const segment_term *longer = &terms[terms[1].df > terms[0].df];
    const segment_term *shorter = &terms[terms[1].df <= terms[0].df];
    if (longer->df == 0) {
        *total = 0;
        return 1;
    }
    if ((uint64_t)shorter->df * TWO_TERMS_MIN_RATIO > longer->df)
        return 0;
    int rc = index_live_postings(index, segment_number, longer, total, err);
    if (rc != 0 || shorter->df == 0)
        return rc == 0 ? 1 : rc;
    /* the live documents of the shorter key's that the longer lacks (a
     * damaged list ends its cursor: the search then asks segment_damage) */
    const deletions *deleted = &index->deleted[segment_number];
    postings_cursor in_shorter, in_longer;
    postings_open(&in_shorter, p.seg, shorter);
    postings_open(&in_longer, p.seg, longer);
    for (uint32_t doc = in_shorter.doc; doc != POSTINGS_END; doc = postings_next(&in_shorter))
        *total += !deletions_test(deleted, doc) && postings_next_geq(&in_longer, doc) != doc;
    return 1;
}

/* Whether a NEAR is in the plan: its operands' positions are read, so
 * none of its phrases is planned as a pair key (which has none). */
static int holds_near(const lower_node *node)
{
    if (node->kind == LOWER_NEAR)
        return 1;
    for (size_t i = 0; i < node->child_count; i++)
        if (holds_near(node->children[i]))
            return 1;
    return 0;
}

/* An exact body phrase with the pair keys of its adjacent words as
 * filters (matcher_phrase_filter): a document without one of its pairs
 * side by side is left before the positions of its words are read (the
 * common words' are most of a phrase's cost).  The keys are documents
 * only, and hold exactly their pairs' documents, so a phrase of two words
 * with a key needs no positions at all. */
static matcher *filter_by_pairs(planner *p, const lower_node *node, matcher *phrase)
{
    if (node->field != LOWER_FIELD_BODY || node->slop != 0)
        return phrase;
    if (p->pair_filters < 0) /* the plan's first phrase */
        p->pair_filters = !holds_near(p->plan->root);
    if (!p->pair_filters)
        return phrase;
    matcher *filters[LOWER_MAX_PHRASE_TERMS];
    size_t count = 0;
    for (size_t i = 0; i + 1 < node->term_count; i++) {
        segment_term pair;
        int found = pair_key_at(p->seg, node, i, &pair, p->err);
        if (found < 0) {
            p->rc = found;
            break;
        }
        bm25_term unscored; /* never asked for a score */
        memset(&unscored, 0, sizeof unscored);
        if (found && !(filters[count] = checked(p, matcher_term(p->seg, &pair, &unscored, 0,
                                                                "pair"))))
            break;
        count += (size_t)found;
    }
    if (p->rc != 0) {
        for (size_t i = 0; i < count; i++)
            matcher_free(filters[i]);
        matcher_free(phrase);
        return NULL;
    }
    return count ? matcher_phrase_filter(phrase, filters, count, node->term_count == 2) : phrase;
}

static matcher *plan_phrase(planner *p, const lower_node *node)
{
    /* a count of a body phrase of two listed words: its pair key's
     * documents are exactly the phrase's matches */
    segment_term pair;
    int found = p->by_pairs ? plan_pair_key(p->seg, node, 0, &pair, p->err) : 0;
    if (found < 0) {
        p->rc = found;
        return NULL;
    }
    if (found) {
        bm25_term unscored; /* a body key's, never asked for a score */
        memset(&unscored, 0, sizeof unscored);
        return checked(p, matcher_term(p->seg, &pair, &unscored, 0, "pair"));
    }
    matcher *children[LOWER_MAX_PHRASE_TERMS];
    uint32_t offsets[LOWER_MAX_PHRASE_TERMS];
    for (size_t i = 0; i < node->term_count; i++) {
        children[i] = term_in_field(p, node->terms[i].text, node->field == LOWER_FIELD_TITLE);
        offsets[i] = node->terms[i].offset;
        if (!children[i]) {
            for (size_t k = 0; k < i; k++)
                matcher_free(children[k]);
            return NULL;
        }
    }
    matcher *phrase = checked(p, matcher_positional(children, offsets, node->term_count,
                                                    node->slop, 0, 0));
    return phrase ? filter_by_pairs(p, node, phrase) : phrase;
}

/* The expansions of a prefix or a fuzzy word found in one segment, in
 * the order found, candidates[i].id indexing terms[] and titles[]: the
 * ones kept are chosen among them (query/fuzzy.h, keep_expansions). */
typedef struct expansion_scan {
    planner *p;
    const lower_node *node;
    size_t term_length;
    int title;                   /* the field being scanned */
    size_t visits_left;          /* in the bucket being scanned (fuzzy_bucket_limit) */
    fuzzy_candidate *candidates;
    segment_term *terms;
    uint8_t *titles;
    size_t count, capacity;
    size_t cap;                  /* a prefix's scan stops at this many (prefix_scan_cap) */
    int stopped;                 /* ... and did */
    int failed;
    suggest_distance *distance;  /* a fuzzy word's: to its term */
} expansion_scan;

static int add_candidate(expansion_scan *f, const uint8_t *key, size_t key_length,
                     const segment_term *term, size_t distance)
{
    if (f->count == f->capacity) {
        size_t capacity = f->capacity ? f->capacity * 2 : 16;
        fuzzy_candidate *candidates = realloc(f->candidates, capacity * sizeof *candidates);
        if (candidates)
            f->candidates = candidates;
        segment_term *terms = candidates ? realloc(f->terms, capacity * sizeof *terms) : NULL;
        if (terms)
            f->terms = terms;
        uint8_t *titles = terms ? realloc(f->titles, capacity) : NULL;
        if (!titles) {
            f->failed = 1;
            return 1;
        }
        f->titles = titles;
        f->capacity = capacity;
    }
    int64_t df = key_df(f->p, key, key_length, term);
    if (df < 0)
        return (int)df;
    f->candidates[f->count] = (fuzzy_candidate){(uint32_t)distance, (uint64_t)df, f->count};
    f->terms[f->count] = *term;
    f->titles[f->count] = (uint8_t)f->title;
    f->count++;
    return 0;
}

/* A prefix's expansions in one field, gathered for one blended term. */
typedef struct field_expansion {
    segment_term *terms;
    size_t count, capacity;
    int64_t largest_df;          /* the blend's df (lower.h) */
} field_expansion;

/* The prefix's expansion found (lower.h, "Prefixes"): 2 at the scan's
 * cap, stopping it. */
static int add_expansion(void *context, const uint8_t *key, size_t key_length,
                         const segment_term *term)
{
    expansion_scan *e = context;
    if (e->count == e->cap) {
        e->stopped = 1;
        return 2;
    }
    e->title = key[0] == (uint8_t)SEGMENT_FIELD_TITLE;
    return add_candidate(e, key, key_length, term, 0);
}

/* One field's expansions as one blended term (NULL when there are none,
 * or out of memory: p->rc says which); `label` as --explain shows it
 * after the field. */
static matcher *blend_field(planner *p, const char *label, const field_expansion *f, int title)
{
    if (f->count == 0)
        return NULL;
    uint64_t cf = 0; /* the expansions' occurrences in this segment, summed as their tf is */
    for (size_t i = 0; i < f->count; i++)
        cf += f->terms[i].cf;
    bm25_term scorer;
    prepare_scorer(p, &scorer, f->largest_df, cf, title);
    char shown[2 * ANALYZER_MAX_TERM_BYTES + 24];
    snprintf(shown, sizeof shown, "%s%s", title ? "title:" : "", label);
    return checked(p, matcher_blend(p->seg, f->terms, f->count, &scorer, shown));
}

/* Each field's blended term, the two OR-ed (an empty matcher when
 * neither has any); frees the expansions' arrays. */
static matcher *blend_fields(planner *p, const char *label, field_expansion fields[2])
{
    matcher *blended[2];
    size_t count = 0;
    for (int title = 0; title <= 1 && p->rc == 0; title++) {
        matcher *m = blend_field(p, label, &fields[title], title);
        if (m)
            blended[count++] = m;
    }
    matcher *expanded = NULL;
    if (p->rc != 0) {
        for (size_t i = 0; i < count; i++)
            matcher_free(blended[i]);
    } else {
        expanded = checked(p, count == 0   ? matcher_empty()
                              : count == 1 ? blended[0]
                                           : matcher_or(blended, count));
    }
    free(fields[0].terms);
    free(fields[1].terms);
    return expanded;
}

/* The terms that words as written starting with the prefix were indexed
 * as (segment_scan_surface), but for those the term scan finds itself:
 * distinct, at most `cap` of them (prefix_scan_cap: else the scan stops
 * with 2, keeping those). */
typedef struct surface_terms {
    const lower_node *node;
    char (*terms)[ANALYZER_MAX_TERM_BYTES + 1];
    size_t count, capacity, cap;
    int failed;
} surface_terms;

static int compare_names(const void *a, const void *b) { return strcmp(a, b); }

/* Sort and drop repeats; 2 when more than `cap` are left (the first
 * `cap` kept). */
static int unique_surface_terms(surface_terms *t)
{
    if (t->count == 0)
        return 0;
    qsort(t->terms, t->count, sizeof t->terms[0], compare_names);
    size_t kept = 0;
    for (size_t i = 0; i < t->count; i++)
        if (kept == 0 || strcmp(t->terms[kept - 1], t->terms[i]) != 0)
            memmove(t->terms[kept++], t->terms[i], sizeof t->terms[0]);
    t->count = kept > t->cap ? t->cap : kept;
    return kept > t->cap ? 2 : 0;
}

static int add_surface_term(void *context, const surface_pair *pair)
{
    surface_terms *t = context;
    const lower_node *node = t->node;
    size_t prefix_length = strlen(node->terms[0].text);
    if (pair->term_length > ANALYZER_MAX_TERM_BYTES
        || (pair->term_length >= prefix_length
            && memcmp(pair->term, node->terms[0].text, prefix_length) == 0)
        || (node->term_count > 1 && strlen(node->terms[1].text) == pair->term_length
            && memcmp(pair->term, node->terms[1].text, pair->term_length) == 0))
        return 0; /* found by the term scan, or the stem */
    if (t->count == t->capacity) {
        int rc = t->capacity ? unique_surface_terms(t) : 0;
        if (rc != 0)
            return rc;
        if (t->count * 2 >= t->capacity) {
            size_t capacity = t->capacity ? t->capacity * 2 : 16;
            void *grown = realloc(t->terms, capacity * sizeof t->terms[0]);
            if (!grown) {
                t->failed = 1;
                return 1;
            }
            t->terms = grown;
            t->capacity = capacity;
        }
    }
    memcpy(t->terms[t->count], pair->term, pair->term_length);
    t->terms[t->count++][pair->term_length] = '\0';
    return 0;
}

/* The prefix's expansions in one field: the terms starting with it, its
 * stem, and the terms of the words as written starting with it. */
static int expand_field(planner *p, const lower_node *node, int title,
                        expansion_scan *expansion, const surface_terms *surface)
{
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    size_t key_length = make_key(key, node->terms[0].text, title);
    int rc = segment_scan_prefix(p->seg, key, key_length, add_expansion, expansion, p->err);
    for (size_t i = 0; rc == 0 && i < surface->count + (node->term_count > 1); i++) {
        /* the stem, then the terms of words as written: exact terms */
        segment_term term;
        key_length = make_key(key, i < surface->count ? surface->terms[i] : node->terms[1].text,
                              title);
        rc = segment_lookup(p->seg, key, key_length, &term, p->err);
        rc = rc <= 0 ? rc : add_expansion(expansion, key, key_length, &term);
    }
    return rc;
}

/* The kept ones (query/fuzzy.h) of the expansions found, at most the
 * node's max_terms, one blended term per field, the two OR-ed (a note
 * when some are not kept, lower_note_cut); frees what the scan holds. */
static matcher *keep_expansions(planner *p, const lower_node *node, expansion_scan *f,
                                const char *label)
{
    field_expansion fields[2] = {{NULL, 0, 0, 0}, {NULL, 0, 0, 0}};
    size_t kept = fuzzy_keep(f->candidates, f->count, node->max_terms);
    if (kept < f->count || f->stopped)
        lower_note_cut(p->plan, node, f->count, f->stopped);
    if (node->kind == LOWER_PREFIX && p->rc == 0 && !f->failed
        && (p->prefix_terms += kept) > p->plan->max_query_prefix_terms)
        p->rc = error_set(p->err, COPS_ELIMIT,
                          "the query's prefixes match more than %zu terms in all; use fewer or "
                          "longer prefixes", p->plan->max_query_prefix_terms);
    for (size_t i = 0; i < kept && p->rc == 0 && !f->failed; i++) {
        size_t id = f->candidates[i].id;
        field_expansion *field = &fields[f->titles[id]];
        if (!field->terms && !(field->terms = malloc(kept * sizeof *field->terms))) {
            f->failed = 1;
            break;
        }
        field->terms[field->count++] = f->terms[id];
        if ((int64_t)f->candidates[i].df > field->largest_df)
            field->largest_df = (int64_t)f->candidates[i].df;
    }
    if (f->failed && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory expanding '%s'", label);
    free(f->candidates);
    free(f->terms);
    free(f->titles);
    return blend_fields(p, label, fields);
}

/* The segment's expansions of the prefix (lower.h) in its fields (both
 * together within its bound: the ones in most documents), one blended
 * term per field (lower.h), the two OR-ed. */
static matcher *plan_prefix(planner *p, const lower_node *node)
{
    expansion_scan found = {p, node, 0, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL};
    found.cap = prefix_scan_cap(node->max_terms);
    surface_terms surface = {node, NULL, 0, 0, found.cap, 0};
    int present;
    const char *prefix = node->terms[0].text;
    int rc = segment_scan_surface(p->seg, (const uint8_t *)prefix, strlen(prefix),
                                  add_surface_term, &surface, &present, p->err);
    if (rc == 0 || rc == 2)
        rc = unique_surface_terms(&surface);
    found.stopped = rc == 2;
    found.failed = surface.failed;
    for (int title = 0; title <= 1 && (rc == 0 || rc == 2) && !found.failed; title++)
        if (node->field & (title ? LOWER_FIELD_TITLE : LOWER_FIELD_BODY))
            rc = expand_field(p, node, title, &found, &surface);
    free(surface.terms);
    if (rc < 0 && p->rc == 0)
        p->rc = rc;
    char label[2 * ANALYZER_MAX_TERM_BYTES + 16];
    snprintf(label, sizeof label, "%s*%s%s", node->terms[0].text, node->term_count > 1 ? "|" : "",
             node->term_count > 1 ? node->terms[1].text : "");
    return keep_expansions(p, node, &found, label);
}

static int visit_fuzzy(void *context, const uint8_t *key, size_t key_length,
                       const segment_term *term)
{
    expansion_scan *f = context;
    if (f->visits_left-- == 0)
        return 1;
    size_t distance = suggest_distance_to(f->distance, key + f->title,
                                          key_length - (size_t)f->title);
    /* the exact term is looked up on its own, whatever the bucket's bound */
    if (distance == 0 || distance > f->node->distance)
        return 0;
    return add_candidate(f, key, key_length, term, distance);
}

/* The exact term and its buckets' neighbours in one field. */
static int scan_fuzzy_field(expansion_scan *f, int title)
{
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    const char *text = f->node->terms[0].text;
    size_t key_length = make_key(key, text, title);
    segment_term exact;
    f->title = title;
    int rc = segment_lookup(f->p->seg, key, key_length, &exact, f->p->err);
    rc = rc <= 0 ? rc : add_candidate(f, key, key_length, &exact, 0);
    char buckets[2];
    size_t bucket_count = suggest_buckets(text, f->term_length, buckets);
    for (size_t b = 0; b < bucket_count && rc >= 0 && !f->failed; b++) {
        key_length = make_key(key, "", title);
        key[key_length++] = (uint8_t)buckets[b];
        size_t limit = fuzzy_bucket_limit(f->p->fuzzy_comparisons);
        f->visits_left = limit;
        rc = segment_scan_prefix(f->p->seg, key, key_length, visit_fuzzy, f, f->p->err);
        fuzzy_bucket_spend(&f->p->fuzzy_comparisons, limit, f->visits_left);
    }
    return rc < 0 ? rc : 0;
}

/* The kept expansions (fuzzy.h) of a fuzzy word, one blended term per
 * field, the two OR-ed. */
static matcher *plan_fuzzy(planner *p, const lower_node *node)
{
    expansion_scan f = {p, node, strlen(node->terms[0].text), 0, 0, NULL, NULL, NULL,
                        0, 0, 0, 0, 0, NULL};
    suggest_distance distance;
    suggest_distance_begin(&distance, (const uint8_t *)node->terms[0].text, f.term_length);
    f.distance = &distance;
    int rc = 0;
    for (int title = 0; title <= 1 && rc == 0 && !f.failed; title++)
        if (node->field & (title ? LOWER_FIELD_TITLE : LOWER_FIELD_BODY))
            rc = scan_fuzzy_field(&f, title);
    if (rc < 0 && p->rc == 0)
        p->rc = rc;
    if (p->fuzzy_comparisons > FUZZY_MAX_QUERY_COMPARISONS && p->rc == 0)
        p->rc = error_set(p->err, COPS_ELIMIT, FUZZY_BUDGET_MESSAGE, FUZZY_MAX_QUERY_COMPARISONS);
    char label[ANALYZER_MAX_TERM_BYTES + 16];
    snprintf(label, sizeof label, "%s~%u", node->terms[0].text, (unsigned)node->distance);
    return keep_expansions(p, node, &f, label);
}

static void *plan_leaf(void *context, const lower_node *node)
{
    planner *p = context;
    switch (node->kind) {
    case LOWER_TERM: {
        p->word_factor = node->weight;
        matcher *m = term_in_field(p, node->terms[0].text, node->field == LOWER_FIELD_TITLE);
        p->word_factor = 1.0;
        return m;
    }
    case LOWER_PHRASE:
        return plan_phrase(p, node);
    case LOWER_PREFIX:
        return plan_prefix(p, node);
    case LOWER_FUZZY:
        return plan_fuzzy(p, node);
    case LOWER_DATE:
        return checked(p, matcher_date(p->seg, node->date_from, node->date_to));
    case LOWER_ALL:
        return checked(p, matcher_all(segment_documents(p->seg)));
    default:
        return checked(p, matcher_empty());
    }
}

static void discard(void *built) { matcher_free(built); }

static void *plan_op(void *context, const lower_node *node, void **built)
{
    planner *p = context;
    size_t n = node->child_count, required = node->required_count;
    if (node->kind == LOWER_TITLE)
        return built[0]; /* the title terms carry the title weight */
    if (node->kind == LOWER_SCALE) {
        char label[48];
        snprintf(label, sizeof label, "boost ^%g", node->weight);
        return checked(p, matcher_scale(built[0], node->weight, label));
    }
    /* matchers, not void pointers, for the constructors; on the stack
     * for the usual few operands */
    matcher *few[8];
    matcher **children = n <= sizeof few / sizeof few[0] ? few : malloc(n * sizeof *children);
    if (!children) {
        for (size_t i = 0; i < n; i++)
            matcher_free(built[i]);
        return checked(p, NULL);
    }
    for (size_t i = 0; i < n; i++)
        children[i] = built[i];
    matcher *m;
    if (node->kind == LOWER_AND)
        m = matcher_and(children, required, children + required, n - required, NULL, 0);
    else if (node->kind == LOWER_AND_MAYBE)
        m = matcher_and(children, 1, NULL, 0, children + 1, 1);
    else if (node->kind == LOWER_NEAR)
        m = matcher_positional(children, NULL, n, 0, 1, node->distance);
    else
        m = matcher_or(children, n);
    if (children != few)
        free(children);
    return checked(p, m);
}

static const lower_builder native_builder = {
    .leaf = plan_leaf,
    .op = plan_op,
    .discard = discard,
};

int plan_query(cops_index *index, size_t segment_number, const lower_plan *plan,
               const cops_search_options *options, plan_cache *cache, matcher **out,
               cops_error *err)
{
    planner p = {index, segment_number, index->segments[segment_number], plan, {options->k1, options->b, (int)options->weight, options->weight_parameter}, err, 0,
                 0, options->count_only || options->date_histogram, 0, 1.0, cache, 0, 0};
    p.by_pairs = p.counting && !holds_near(plan->root);
    /* else asked at the first phrase: most plans have none */
    p.pair_filters = p.counting ? p.by_pairs : -1;
    *out = lower_build(plan->root, &native_builder, &p);
    if (!*out && p.rc == 0)
        p.rc = error_set(err, COPS_ENOMEM, "out of memory while planning the query");
    return p.rc;
}
