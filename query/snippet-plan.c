/*
 * snippet-plan.c — what a query's hits are highlighted for (snippet.h):
 * the leaves outside NOT, their analysed terms, their NEAR groups.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "query/plan.h"
#include "query/snippet.h"
#include "index-format/segment.h"
#include "index-format/surface.h"

/* The index of (text, is_prefix) among the plan's terms, added if new;
 * -1 when out of memory. */
static long plan_term(snippet_plan *plan, const char *text, int is_prefix)
{
    for (size_t i = 0; i < plan->term_count; i++)
        if (plan->terms[i].is_prefix == is_prefix && strcmp(plan->terms[i].text, text) == 0)
            return (long)i;
    if (ARRAY_RESERVE_ONE(plan->terms, plan->term_capacity, plan->term_count, 8) != 0)
        return -1;
    char *copy = strdup(text);
    if (!copy)
        return -1;
    plan->terms[plan->term_count] = (snippet_term){copy, strlen(copy), is_prefix, plan->term_count};
    return (long)plan->term_count++;
}

/* Make `text` an alias of the prefix term `prefix` (its stem: lower.h);
 * a text that starts with the prefix needs none. */
static int add_alias(snippet_plan *plan, size_t prefix, const char *text)
{
    const snippet_term *p = &plan->terms[prefix];
    if (strncmp(text, p->text, p->length) == 0)
        return 0;
    for (size_t i = 0; i < plan->term_count; i++)
        if (plan->terms[i].is_prefix == SNIPPET_ALIAS && plan->terms[i].index == prefix
            && strcmp(plan->terms[i].text, text) == 0)
            return 0;
    long alias = plan_term(plan, text, SNIPPET_ALIAS);
    if (alias < 0)
        return COPS_ENOMEM;
    plan->terms[alias].index = prefix;
    return 0;
}

/* The prefix's own stem: the last word of `text` analysed with stemming. */
static int add_prefix_stem(snippet_plan *plan, analyzer *text_analyzer, const char *text,
                           size_t prefix)
{
    lower_words stemmed;
    int rc = lower_analyze_words(text_analyzer, text, 0, &stemmed, NULL);
    if (rc != 0 || stemmed.count == 0)
        return rc == COPS_ENOMEM ? rc : 0;
    return add_alias(plan, prefix, stemmed.terms[stemmed.count - 1]);
}

/* A leaf for a WORD, PHRASE or PREFIX node under NEAR group `near` (or
 * -1).  A word or phrase that analyses to nothing adds no leaf; one
 * longer than a phrase may be (lower_analyze_words refuses it) neither:
 * its search failed before any snippet. */
static int add_leaf(snippet_plan *plan, analyzer *text_analyzer, const query_node *node, long near)
{
    lower_words words;
    int is_prefix = node->kind == QUERY_PREFIX;
    int exact = node->kind == QUERY_WORD && node->text[0] == '=' && node->text[1];
    int rc = lower_analyze_words(text_analyzer, node->text + exact,
                                 is_prefix || exact ? ANALYZE_NO_STEM : 0, &words, NULL);
    if (rc != 0 || words.count == 0)
        return rc == COPS_ENOMEM ? rc : 0;
    if (is_prefix) {
        /* the prefix is its last normalised word (lower.h) */
        memmove(words.terms[0], words.terms[words.count - 1], sizeof words.terms[0]);
        words.count = 1;
    }
    if (ARRAY_RESERVE_ONE(plan->leaves, plan->leaf_capacity, plan->leaf_count, 8) != 0)
        return COPS_ENOMEM;
    snippet_leaf leaf = {plan->slot_count, words.count,
                         node->kind == QUERY_PHRASE ? node->distance : 0, near};
    for (size_t i = 0; i < words.count; i++) {
        long term = plan_term(plan, words.terms[i], exact ? SNIPPET_EXACT : is_prefix);
        if (term < 0 || ARRAY_RESERVE_ONE(plan->slots, plan->slot_capacity, plan->slot_count, 16))
            return COPS_ENOMEM;
        plan->slots[plan->slot_count++] =
            (snippet_slot){(size_t)term, words.positions[i] - words.positions[0]};
        if (is_prefix && (rc = add_prefix_stem(plan, text_analyzer, node->text, (size_t)term)))
            return rc;
    }
    plan->leaves[plan->leaf_count++] = leaf;
    uint32_t span = plan->slots[plan->slot_count - 1].offset + leaf.slop;
    if (span > plan->max_span)
        plan->max_span = span;
    return 0;
}

/* A hyphenated word is its parts' phrase or its joined term (lower.h,
 * "Hyphenated words"), a hyphenated prefix also its joined prefix; the snippet scan finds the joined term wherever a
 * document wrote either (e-mail or email, the whole compound marked); the
 * word's leaf is that one term and its parts' phrase (1 when it added the
 * term; 0 when the word is no compound, or a negative error).  Not under
 * NEAR, which takes a word's parts. */
static int add_joined_leaf(snippet_plan *plan, analyzer *text_analyzer, const query_node *node,
                           long near)
{
    const char *text = node->text;
    /* most words have no hyphen (-, or U+2010/U+2011 of lead byte E2) */
    if (near >= 0 || text[0] == '=' || (!strchr(text, '-') && !strchr(text, '\xE2')))
        return 0;
    /* a prefix's (e-mail*): the joined form's prefix (email*), lower.h */
    int is_prefix = node->kind == QUERY_PREFIX;
    char joined[LOWER_MAX_TERM_BYTES + 1], stem[LOWER_MAX_TERM_BYTES + 1];
    int rc = is_prefix ? lower_joined_prefix(text_analyzer, text, joined, stem)
                       : lower_joined_term(text_analyzer, text, joined);
    if (rc <= 0)
        return rc;
    long term = plan_term(plan, joined, is_prefix ? SNIPPET_PREFIX : SNIPPET_WORD);
    if (term < 0 || ARRAY_RESERVE_ONE(plan->leaves, plan->leaf_capacity, plan->leaf_count, 8)
        || ARRAY_RESERVE_ONE(plan->slots, plan->slot_capacity, plan->slot_count, 16)
        || (is_prefix && add_alias(plan, (size_t)term, stem) != 0))
        return COPS_ENOMEM;
    plan->leaves[plan->leaf_count++] = (snippet_leaf){plan->slot_count, 1, 0, near};
    plan->slots[plan->slot_count++] = (snippet_slot){(size_t)term, 0};
    return 1;
}

static int add_node(snippet_plan *plan, analyzer *text_analyzer, const query_node *node, long near)
{
    if (node->kind == QUERY_NOT)
        return 0; /* excluded words are never what a hit matched */
    /* a fuzzy word shows where it is written as typed: its other
     * expansions are known only to the engine that searched */
    if (node->kind == QUERY_WORD || node->kind == QUERY_PHRASE || node->kind == QUERY_PREFIX
        || node->kind == QUERY_FUZZY) {
        if (!node->text)
            return 0;
        /* a hyphenated word also keeps its parts' leaf: the phrase
         * finds what has no joined term (e–mail, a chain of five parts),
         * and where both match the joined term's longer range wins */
        int rc = node->kind == QUERY_WORD || node->kind == QUERY_PREFIX
                     ? add_joined_leaf(plan, text_analyzer, node, near) : 0;
        return rc < 0 ? rc : add_leaf(plan, text_analyzer, node, near);
    }
    if (node->kind == QUERY_NEAR) {
        if (ARRAY_RESERVE_ONE(plan->near_distance, plan->near_capacity, plan->near_count, 4) != 0)
            return COPS_ENOMEM;
        plan->near_distance[plan->near_count] = node->distance;
        near = (long)plan->near_count++;
    }
    for (size_t i = 0; i < node->child_count; i++) {
        int rc = add_node(plan, text_analyzer, node->children[i], near);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int compare_terms(const void *a, const void *b)
{
    const snippet_term *x = a, *y = b;
    if (x->is_prefix != y->is_prefix)
        return x->is_prefix - y->is_prefix;
    return strcmp(x->text, y->text);
}

/* The lookup order (plan->sorted) and whether every chunk must be
 * analysed. */
static int sort_terms(snippet_plan *plan)
{
    if (plan->term_count) {
        if (!(plan->sorted = malloc(plan->term_count * sizeof *plan->sorted)))
            return COPS_ENOMEM;
        memcpy(plan->sorted, plan->terms, plan->term_count * sizeof *plan->sorted);
        qsort(plan->sorted, plan->term_count, sizeof *plan->sorted, compare_terms);
    }
    memset(&plan->stem_filter, 0, sizeof plan->stem_filter);
    for (size_t i = 0; i < plan->term_count; i++) {
        const char *text = plan->terms[i].text;
        /* the probe is the term's first ASCII letters or digits */
        if (!((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= '0' && text[0] <= '9')))
            plan->probe_all = 1;
        /* an exact word is compared with the word as written only */
        if (plan->terms[i].is_prefix != SNIPPET_EXACT)
            analyzer_stem_filter_add(&plan->stem_filter, text, plan->terms[i].length);
    }
    return 0;
}

int snippet_plan_build(analyzer *text_analyzer, const query_node *query, snippet_plan *plan)
{
    int rc = query ? add_node(plan, text_analyzer, query, -1) : 0;
    return rc == 0 ? sort_terms(plan) : rc;
}

/* Surface aliases of one prefix, while a segment's dictionary is read. */
typedef struct surface_aliases {
    snippet_plan *plan;
    size_t prefix;
    size_t added;
    int rc;
} surface_aliases;

static int add_surface_alias(void *context, const surface_pair *pair)
{
    surface_aliases *a = context;
    if (a->added == SNIPPET_MAX_SURFACE_ALIASES)
        return 1;
    char term[SURFACE_MAX_BYTES + 1];
    memcpy(term, pair->term, pair->term_length);
    term[pair->term_length] = '\0';
    size_t before = a->plan->term_count;
    if ((a->rc = add_alias(a->plan, a->prefix, term)) != 0)
        return 1;
    a->added += a->plan->term_count > before;
    return 0;
}

int snippet_plan_add_surface(snippet_plan *plan, segment *const *segments, size_t segment_count)
{
    size_t prefixes = plan->term_count; /* the aliases added below are not prefixes */
    for (size_t t = 0; t < prefixes; t++) {
        if (plan->terms[t].is_prefix != SNIPPET_PREFIX)
            continue;
        surface_aliases aliases = {plan, t, 0, 0};
        for (size_t s = 0; s < segment_count && aliases.added < SNIPPET_MAX_SURFACE_ALIASES; s++) {
            int present;
            /* a damaged dictionary is the search's to report; here it
             * only leaves words unhighlighted */
            segment_scan_surface(segments[s], (const uint8_t *)plan->terms[t].text,
                                 plan->terms[t].length, add_surface_alias, &aliases, &present,
                                 NULL);
            if (aliases.rc != 0)
                return aliases.rc;
        }
    }
    free(plan->sorted);
    plan->sorted = NULL;
    return sort_terms(plan);
}

void snippet_plan_free(snippet_plan *plan)
{
    for (size_t i = 0; i < plan->term_count; i++)
        free(plan->terms[i].text);
    free(plan->terms);
    free(plan->sorted);
    free(plan->slots);
    free(plan->leaves);
    free(plan->near_distance);
    memset(plan, 0, sizeof *plan);
}
