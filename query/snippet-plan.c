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

/* A leaf for a WORD, PHRASE or PREFIX node under NEAR group `near` (or
 * -1).  A word or phrase that analyses to nothing adds no leaf; one
 * longer than a phrase may be (lower_analyze_words refuses it) neither:
 * its search failed before any snippet. */
static int add_leaf(snippet_plan *plan, analyzer *text_analyzer, const query_node *node, long near)
{
    lower_words words;
    int is_prefix = node->kind == QUERY_PREFIX;
    int rc = lower_analyze_words(text_analyzer, node->text, is_prefix ? ANALYZE_NO_STEM : 0, &words,
                                NULL);
    if (rc != 0 || words.count == 0)
        return rc == COPS_ENOMEM ? rc : 0;
    if (is_prefix)
        words.count = 1; /* the prefix is one normalised word */
    if (ARRAY_RESERVE_ONE(plan->leaves, plan->leaf_capacity, plan->leaf_count, 8) != 0)
        return COPS_ENOMEM;
    snippet_leaf leaf = {plan->slot_count, words.count,
                         node->kind == QUERY_PHRASE ? node->distance : 0, near};
    for (size_t i = 0; i < words.count; i++) {
        long term = plan_term(plan, words.terms[i], is_prefix);
        if (term < 0 || ARRAY_RESERVE_ONE(plan->slots, plan->slot_capacity, plan->slot_count, 16))
            return COPS_ENOMEM;
        plan->slots[plan->slot_count++] =
            (snippet_slot){(size_t)term, words.positions[i] - words.positions[0]};
    }
    plan->leaves[plan->leaf_count++] = leaf;
    uint32_t span = plan->slots[plan->slot_count - 1].offset + leaf.slop;
    if (span > plan->max_span)
        plan->max_span = span;
    return 0;
}

static int add_node(snippet_plan *plan, analyzer *text_analyzer, const query_node *node, long near)
{
    if (node->kind == QUERY_NOT)
        return 0; /* excluded words are never what a hit matched */
    /* a fuzzy word shows where it is written as typed: its other
     * expansions are known only to the engine that searched */
    if (node->kind == QUERY_WORD || node->kind == QUERY_PHRASE || node->kind == QUERY_PREFIX
        || node->kind == QUERY_FUZZY)
        return node->text ? add_leaf(plan, text_analyzer, node, near) : 0;
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

int snippet_plan_build(analyzer *text_analyzer, const query_node *query, snippet_plan *plan)
{
    int rc = query ? add_node(plan, text_analyzer, query, -1) : 0;
    if (rc == 0 && plan->term_count) {
        if (!(plan->sorted = malloc(plan->term_count * sizeof *plan->sorted)))
            return COPS_ENOMEM;
        memcpy(plan->sorted, plan->terms, plan->term_count * sizeof *plan->sorted);
        qsort(plan->sorted, plan->term_count, sizeof *plan->sorted, compare_terms);
    }
    for (size_t i = 0; rc == 0 && i < plan->term_count; i++) {
        const char *text = plan->terms[i].text;
        /* the probe is the term's first ASCII letters or digits */
        if (!((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= '0' && text[0] <= '9')))
            plan->probe_all = 1;
    }
    return rc;
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
