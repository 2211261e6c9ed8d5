/*
 * plan.c — a lowered query to a matcher tree over one segment (plan.h).
 */
#include "config.h"

#include "query/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

typedef struct planner {
    cops_index *index;
    segment *seg;
    const lower_plan *plan;
    bm25_params params;
    cops_error *err;
    int rc;
    size_t prefix_terms;         /* expansions of every prefix so far */
    double word_factor;          /* the weight of the TERM being planned (lower_node.weight) */
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

/* A term matcher over an existing key (its dictionary entry known). */
static matcher *term_matcher_for(planner *p, const uint8_t *key, size_t key_length,
                                 const segment_term *term)
{
    int title = key[0] == (uint8_t)SEGMENT_FIELD_TITLE;
    int64_t df = p->index->segment_count == 1 && !p->index->has_deletions
                     ? term->df
                     : index_document_frequency(p->index, key, key_length, p->err);
    if (df < 0) {
        p->rc = (int)df;
        return NULL;
    }
    bm25_term scorer;
    bm25_prepare(&scorer, &p->params, p->index->documents, (uint32_t)df,
                 title ? p->index->average_title_length : p->index->average_body_length,
                 (title ? p->plan->title_weight : 1.0) * p->word_factor, title);
    char label[SEGMENT_MAX_KEY_BYTES + 8];
    snprintf(label, sizeof label, "%s%.*s", title ? "title:" : "", (int)(key_length - (size_t)title),
             (const char *)key + title);
    return checked(p, matcher_term(p->seg, term, &scorer, label));
}

static matcher *term_in_field(planner *p, const char *text, int title)
{
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    size_t key_length = make_key(key, text, title);
    segment_term term;
    int found = segment_lookup(p->seg, key, key_length, &term, p->err);
    if (found < 0) {
        p->rc = found;
        return NULL;
    }
    if (!found)
        return checked(p, matcher_empty());
    return term_matcher_for(p, key, key_length, &term);
}

static matcher *plan_phrase(planner *p, const lower_node *node)
{
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
    return checked(p, matcher_positional(children, offsets, node->term_count, node->slop, 0, 0));
}

typedef struct prefix_expansion {
    planner *p;
    size_t max_terms;
    matcher **children;
    size_t count, capacity;
    int failed;
} prefix_expansion;

static int add_expansion(void *context, const uint8_t *key, size_t key_length,
                         const segment_term *term)
{
    prefix_expansion *e = context;
    if (e->count == e->max_terms)
        return 2; /* over the bound */
    if (e->p->prefix_terms == e->p->plan->max_query_prefix_terms)
        return 3; /* over the query's bound */
    if (e->count == e->capacity) {
        size_t capacity = e->capacity ? e->capacity * 2 : 16;
        matcher **grown = realloc(e->children, capacity * sizeof *grown);
        if (!grown) {
            e->failed = 1;
            return 1;
        }
        e->children = grown;
        e->capacity = capacity;
    }
    matcher *m = term_matcher_for(e->p, key, key_length, term);
    if (!m) {
        e->failed = 1;
        return 1;
    }
    e->children[e->count++] = m;
    e->p->prefix_terms++;
    return 0;
}

/* The OR of the segment's terms that start with one of the prefix's
 * starts (lower.h: disjoint), in its fields (all together within its
 * bound). */
static matcher *plan_prefix(planner *p, const lower_node *node)
{
    prefix_expansion expansion = {p, node->max_terms, NULL, 0, 0, 0};
    int rc = 0;
    for (int title = 0; title <= 1 && rc == 0; title++) {
        if (!(node->field & (title ? LOWER_FIELD_TITLE : LOWER_FIELD_BODY)))
            continue;
        for (size_t i = 0; i < node->term_count && rc == 0; i++) {
            uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
            size_t key_length = make_key(key, node->terms[i].text, title);
            rc = segment_scan_prefix(p->seg, key, key_length, add_expansion, &expansion, p->err);
        }
    }
    if (rc == 2)
        p->rc = error_set(p->err, COPS_ELIMIT,
                          "prefix '%s*' matches more than %zu terms; use a longer prefix",
                          node->source->text, node->max_terms);
    else if (rc == 3)
        p->rc = error_set(p->err, COPS_ELIMIT,
                          "the query's prefixes match more than %zu terms in all; use fewer or "
                          "longer prefixes", p->plan->max_query_prefix_terms);
    else if (rc < 0)
        p->rc = rc;
    else if (expansion.failed && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory expanding '%s*'",
                          node->source->text);
    matcher *expanded = NULL;
    if (p->rc != 0) {
        for (size_t i = 0; i < expansion.count; i++)
            matcher_free(expansion.children[i]);
    } else {
        expanded = checked(p, expansion.count ? matcher_or(expansion.children, expansion.count)
                                              : matcher_empty());
    }
    free(expansion.children);
    return expanded;
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
               const cops_search_options *options, matcher **out, cops_error *err)
{
    planner p = {index, index->segments[segment_number], plan, {options->k1, options->b}, err, 0,
                 0, 1.0};
    *out = lower_build(plan->root, &native_builder, &p);
    if (!*out && p.rc == 0)
        p.rc = error_set(err, COPS_ENOMEM, "out of memory while planning the query");
    return p.rc;
}
