/*
 * plan.c — parsed query to matcher tree (plan.h).
 */
#include "config.h"

#include "query/plan.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "query/stopwords.h"

#define MAX_PHRASE_TERMS PLAN_MAX_PHRASE_TERMS

typedef struct planner {
    cops_index *index;
    segment *seg;
    const cops_search_options *options;
    bm25_params params;
    cops_error *err;
    int rc;
    size_t prefix_terms;         /* expansions of every prefix so far */
    int stop_words;              /* the query's stop words score nothing (stopwords.h) */
    double word_factor;          /* 0 while planning such a stop word, else 1 */
} planner;

/* A sub-query that analysed to nothing (only punctuation): it constrains
 * nothing and is left out of its parent. */
static matcher dropped_sentinel;
#define DROPPED (&dropped_sentinel)

typedef struct word_collector {
    plan_words *words;
    int overflow;
} word_collector;

static int collect_word(void *context, const analyzer_token *token)
{
    word_collector *c = context;
    plan_words *list = c->words;
    if (list->count == PLAN_MAX_PHRASE_TERMS) {
        c->overflow = 1;
        return 1;
    }
    memcpy(list->terms[list->count], token->term, token->term_length + 1);
    list->positions[list->count] = token->position;
    list->count++;
    return 0;
}

int plan_analyze_words(analyzer *text_analyzer, const char *text, int flags, plan_words *out,
                       cops_error *err)
{
    out->count = 0;
    word_collector c = {out, 0};
    int rc = analyzer_run(text_analyzer, text, strlen(text), 0, flags, collect_word, &c, NULL,
                          NULL);
    if (c.overflow)
        return error_set(err, COPS_ELIMIT, "'%s' has more than %d words; a phrase is limited to %d",
                         text, PLAN_MAX_PHRASE_TERMS, PLAN_MAX_PHRASE_TERMS);
    if (rc < 0)
        return error_set(err, rc, "analysis of the query failed");
    return 0;
}

static int analyze(planner *p, const char *text, int flags, plan_words *out)
{
    int rc = plan_analyze_words(p->index->analyzer, text, flags, out, p->err);
    if (rc != 0)
        p->rc = rc;
    return rc;
}

static matcher *checked(planner *p, matcher *m)
{
    if (!m && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory while planning the query");
    return m;
}

/* Returns 0, or COPS_ENOMEM (results without their highlights would be
 * wrong answers, not a fallback). */
static int remember_highlight(highlight_terms *h, const char *term, int is_prefix)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcmp(h->terms[i], term) == 0 && h->is_prefix[i] == is_prefix)
            return 0;
    if (h->count == h->capacity) {
        size_t capacity = h->capacity ? h->capacity * 2 : 16;
        char **terms = realloc(h->terms, capacity * sizeof *terms);
        if (terms)
            h->terms = terms;
        unsigned char *flags = terms ? realloc(h->is_prefix, capacity) : NULL;
        if (!flags)
            return COPS_ENOMEM;
        h->is_prefix = flags;
        h->capacity = capacity;
    }
    if ((h->terms[h->count] = strdup(term)) == NULL)
        return COPS_ENOMEM;
    h->is_prefix[h->count++] = (unsigned char)is_prefix;
    return 0;
}

typedef struct highlight_walk {
    highlight_terms *terms;
    int is_prefix;
} highlight_walk;

static int highlight_token(void *context, const analyzer_token *token)
{
    highlight_walk *walk = context;
    return remember_highlight(walk->terms, token->term, walk->is_prefix);
}

int plan_highlight_terms(analyzer *text_analyzer, const query_node *node, highlight_terms *terms)
{
    if (node->kind == QUERY_NOT)
        return 0; /* excluded words are never what a hit matched */
    int rc = 0;
    if (node->text && (node->kind == QUERY_WORD || node->kind == QUERY_PHRASE
                       || node->kind == QUERY_PREFIX)) {
        highlight_walk walk = {terms, node->kind == QUERY_PREFIX};
        rc = analyzer_run(text_analyzer, node->text, strlen(node->text), 0,
                          walk.is_prefix ? ANALYZE_NO_STEM : 0, highlight_token, &walk, NULL, NULL);
    }
    for (size_t i = 0; rc == 0 && i < node->child_count; i++)
        rc = plan_highlight_terms(text_analyzer, node->children[i], terms);
    return rc;
}

void highlight_terms_free(highlight_terms *terms)
{
    for (size_t i = 0; i < terms->count; i++)
        free(terms->terms[i]);
    free(terms->terms);
    free(terms->is_prefix);
    memset(terms, 0, sizeof *terms);
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
                 (title ? p->options->title_weight : 1.0) * p->word_factor, title);
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

/* Analysed words of one field: a term, or a phrase of terms. */
static matcher *words_in_field(planner *p, const plan_words *tokens, uint32_t slop, int title)
{
    if (tokens->count == 1)
        return term_in_field(p, tokens->terms[0], title);
    matcher *children[MAX_PHRASE_TERMS];
    uint32_t offsets[MAX_PHRASE_TERMS];
    for (size_t i = 0; i < tokens->count; i++) {
        children[i] = term_in_field(p, tokens->terms[i], title);
        offsets[i] = tokens->positions[i] - tokens->positions[0];
        if (!children[i]) {
            for (size_t k = 0; k < i; k++)
                matcher_free(children[k]);
            return NULL;
        }
    }
    return checked(p, matcher_positional(children, offsets, tokens->count, slop, 0, 0));
}

static matcher *either_field(planner *p, matcher *body, matcher *title)
{
    if (!body || !title) {
        matcher_free(body);
        matcher_free(title);
        return NULL;
    }
    matcher *pair[2] = {body, title};
    return checked(p, matcher_or(pair, 2));
}

static matcher *plan_text(planner *p, const query_node *node)
{
    plan_words tokens;
    if (analyze(p, node->text, 0, &tokens) != 0)
        return NULL;
    if (tokens.count == 0)
        return DROPPED;
    uint32_t slop = node->kind == QUERY_PHRASE ? node->distance : 0;
    if (node->field == QUERY_FIELD_TITLE)
        return words_in_field(p, &tokens, slop, 1);
    matcher *body = words_in_field(p, &tokens, slop, 0);
    matcher *title = body ? words_in_field(p, &tokens, slop, 1) : NULL;
    return either_field(p, body, title);
}

typedef struct prefix_expansion {
    planner *p;
    matcher **children;
    size_t count, capacity;
    int failed;
} prefix_expansion;

static int add_expansion(void *context, const uint8_t *key, size_t key_length,
                         const segment_term *term)
{
    prefix_expansion *e = context;
    if (e->count == e->p->options->max_prefix_terms)
        return 2; /* over the bound */
    if (e->p->prefix_terms == e->p->options->max_query_prefix_terms)
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

static matcher *plan_prefix(planner *p, const query_node *node)
{
    plan_words tokens;
    if (analyze(p, node->text, ANALYZE_NO_STEM, &tokens) != 0)
        return NULL;
    if (tokens.count == 0)
        return DROPPED;
    /* A prefix that analyses to several words (e-mai*): the last one is the
     * prefix, the others must match as words. */
    const char *prefix = tokens.terms[tokens.count - 1];
    prefix_expansion expansion = {p, NULL, 0, 0, 0};
    int rc = 0;
    for (int title = 0; title <= 1 && rc == 0; title++) {
        if (title != (node->field == QUERY_FIELD_TITLE) && node->field == QUERY_FIELD_TITLE)
            continue;
        uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
        size_t key_length = make_key(key, prefix, title);
        rc = segment_scan_prefix(p->seg, key, key_length, add_expansion, &expansion, p->err);
    }
    if (rc == 2)
        p->rc = error_set(p->err, COPS_ELIMIT,
                          "prefix '%s*' matches more than %zu terms; use a longer prefix",
                          node->text, p->options->max_prefix_terms);
    else if (rc == 3)
        p->rc = error_set(p->err, COPS_ELIMIT,
                          "the query's prefixes match more than %zu terms in all; use fewer or "
                          "longer prefixes", p->options->max_query_prefix_terms);
    else if (rc < 0)
        p->rc = rc;
    else if (expansion.failed && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory expanding '%s*'", node->text);
    if (p->rc != 0) {
        for (size_t i = 0; i < expansion.count; i++)
            matcher_free(expansion.children[i]);
        free(expansion.children);
        return NULL;
    }
    matcher *expanded = checked(p, expansion.count ? matcher_or(expansion.children, expansion.count)
                                                   : matcher_empty());
    free(expansion.children);
    if (!expanded || tokens.count == 1)
        return expanded;
    matcher *required[MAX_PHRASE_TERMS];
    size_t count = 0;
    required[count++] = expanded;
    for (size_t i = 0; i + 1 < tokens.count; i++) {
        matcher *body = term_in_field(p, tokens.terms[i], 0);
        matcher *title = body ? term_in_field(p, tokens.terms[i], 1) : NULL;
        matcher *word = either_field(p, body, title);
        if (!word) {
            for (size_t k = 0; k < count; k++)
                matcher_free(required[k]);
            return NULL;
        }
        required[count++] = word;
    }
    return checked(p, matcher_and(required, count, NULL, 0, NULL, 0));
}

static matcher *plan_node(planner *p, const query_node *node);

static void free_list(matcher **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        matcher_free(list[i]);
    free(list);
}

static matcher *plan_and(planner *p, const query_node *node)
{
    size_t n = node->child_count;
    matcher **required = calloc(n + 1, sizeof *required);
    matcher **excluded = calloc(n + 1, sizeof *excluded);
    size_t required_count = 0, excluded_count = 0;
    if (!required || !excluded) {
        free(required);
        free(excluded);
        return checked(p, NULL);
    }
    for (size_t i = 0; i < n && p->rc == 0; i++) {
        const query_node *child = node->children[i];
        int exclusion = child->kind == QUERY_NOT && child->child_count == 1;
        matcher *m = plan_node(p, exclusion ? child->children[0] : child);
        if (!m || m == DROPPED)
            continue;
        if (exclusion)
            excluded[excluded_count++] = m;
        else
            required[required_count++] = m;
    }
    matcher *result = NULL;
    if (p->rc != 0) {
        free_list(required, required_count);
        free_list(excluded, excluded_count);
        return NULL;
    }
    if (required_count == 0 && excluded_count == 0) {
        result = DROPPED;
    } else {
        if (required_count == 0)
            required[required_count++] = checked(p, matcher_all(segment_documents(p->seg)));
        if (required_count == 1 && !required[0]) {
            free_list(excluded, excluded_count);
            free(required);
            return NULL;
        }
        if (required_count == 1 && excluded_count == 0)
            result = required[0];
        else
            result = checked(p, matcher_and(required, required_count, excluded, excluded_count,
                                            NULL, 0));
    }
    free(required);
    free(excluded);
    return result;
}

static matcher *plan_or(planner *p, const query_node *node)
{
    matcher **children = calloc(node->child_count + 1, sizeof *children);
    if (!children)
        return checked(p, NULL);
    size_t count = 0;
    for (size_t i = 0; i < node->child_count && p->rc == 0; i++) {
        matcher *m = plan_node(p, node->children[i]);
        if (m && m != DROPPED)
            children[count++] = m;
    }
    matcher *result;
    if (p->rc != 0) {
        free_list(children, count);
        return NULL;
    }
    if (count == 0)
        result = DROPPED;
    else if (count == 1)
        result = children[0];
    else
        result = checked(p, matcher_or(children, count));
    free(children);
    return result;
}

static matcher *plan_and_maybe(planner *p, const query_node *node)
{
    if (node->child_count != 2)
        return plan_and(p, node);
    matcher *required = plan_node(p, node->children[0]);
    if (!required)
        return NULL;
    matcher *optional = plan_node(p, node->children[1]);
    if (!optional) {
        if (required != DROPPED)
            matcher_free(required);
        return NULL;
    }
    if (required == DROPPED)
        return optional;
    if (optional == DROPPED)
        return required;
    return checked(p, matcher_and(&required, 1, NULL, 0, &optional, 1));
}

/* One NEAR operand restricted to one field. */
static matcher *near_operand(planner *p, const query_node *node, int title)
{
    plan_words tokens;
    if (analyze(p, node->text, 0, &tokens) != 0)
        return NULL;
    if (tokens.count == 0)
        return DROPPED;
    return words_in_field(p, &tokens, node->kind == QUERY_PHRASE ? node->distance : 0, title);
}

static matcher *near_in_field(planner *p, const query_node *node, int title)
{
    matcher *children[MAX_PHRASE_TERMS];
    size_t count = 0;
    if (node->child_count > MAX_PHRASE_TERMS) {
        p->rc = error_set(p->err, COPS_ELIMIT, "NEAR takes at most %d operands", MAX_PHRASE_TERMS);
        return NULL;
    }
    for (size_t i = 0; i < node->child_count; i++) {
        const query_node *child = node->children[i];
        matcher *m = child->text ? near_operand(p, child, title || child->field == QUERY_FIELD_TITLE)
                                 : plan_node(p, child);
        if (!m) {
            for (size_t k = 0; k < count; k++)
                matcher_free(children[k]);
            return NULL;
        }
        if (m != DROPPED)
            children[count++] = m;
    }
    if (count == 0)
        return DROPPED;
    if (count == 1)
        return children[0];
    return checked(p, matcher_positional(children, NULL, count, 0, 1, node->distance));
}

static matcher *plan_near(planner *p, const query_node *node)
{
    if (node->field == QUERY_FIELD_TITLE)
        return near_in_field(p, node, 1);
    matcher *body = near_in_field(p, node, 0);
    if (!body || body == DROPPED)
        return body;
    matcher *title = near_in_field(p, node, 1);
    if (title == DROPPED)
        return body;
    return either_field(p, body, title);
}

/* A word or phrase; a stop word of a query whose stop words score
 * nothing gets weight 0 (stopwords.h). */
static matcher *plan_word(planner *p, const query_node *node)
{
    if (!p->stop_words || !stopword_node(p->index->analyzer, node))
        return plan_text(p, node);
    p->word_factor = 0.0;
    matcher *m = plan_text(p, node);
    p->word_factor = 1.0;
    return m;
}

static matcher *plan_node(planner *p, const query_node *node)
{
    if (p->rc != 0)
        return NULL;
    switch (node->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
        return plan_word(p, node);
    case QUERY_PREFIX:
        return plan_prefix(p, node);
    case QUERY_DATE_RANGE:
        return checked(p, matcher_date(p->seg, node->date_from, node->date_to));
    case QUERY_AND:
        return plan_and(p, node);
    case QUERY_OR:
        return plan_or(p, node);
    case QUERY_NOT: {
        /* Outside an AND (the parser does not produce it, but the planner
         * stays total): every document without the child. */
        query_node all = {.kind = QUERY_ALL};
        const query_node *pair[2] = {&all, node};
        query_node conjunction = {.kind = QUERY_AND, .children = (query_node **)pair,
                                  .child_count = 2};
        return plan_and(p, &conjunction);
    }
    case QUERY_AND_MAYBE:
        return plan_and_maybe(p, node);
    case QUERY_NEAR:
        return plan_near(p, node);
    case QUERY_ALL:
        return checked(p, matcher_all(segment_documents(p->seg)));
    }
    p->rc = error_set(p->err, COPS_EINVAL, "unknown query node");
    return NULL;
}

int plan_query(cops_index *index, size_t segment_number, const query_node *query,
               const cops_search_options *options, matcher **out,
               cops_error *err)
{
    planner p = {index, index->segments[segment_number], options, {options->k1, options->b},
                 err, 0, 0,
                 stopwords_apply(index->analyzer, index->analysis.language, query, options), 1.0};
    matcher *m = plan_node(&p, query);
    if (p.rc != 0) {
        if (m && m != DROPPED)
            matcher_free(m);
        *out = NULL;
        return p.rc;
    }
    if (m == DROPPED)
        m = checked(&p, matcher_empty());
    *out = m;
    return p.rc;
}
