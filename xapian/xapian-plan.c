/*
 * xapian-plan.c — cops documents and queries over Xapian (xapian-plan.h).
 */
#include "config.h"

#include "xapian/xapian-plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* ------------------------------------------------------------ indexing */

typedef struct index_state {
    cops_xapian_doc *doc;
    const char *prefix;     /* "" for the body, "S" for the title */
    cops_error *err;
    int rc;
} index_state;

static int emit_posting(void *context, const analyzer_token *token)
{
    index_state *s = context;
    char term[sizeof XAPIAN_PLAN_TITLE_PREFIX + ANALYZER_MAX_TERM_BYTES + 1];
    if (token->position == UINT32_MAX) {
        s->rc = error_set(s->err, COPS_ELIMIT, "document position %u is beyond Xapian's range",
                          token->position);
        return 1;
    }
    snprintf(term, sizeof term, "%s%s", s->prefix, token->term);
    s->rc = cops_xapian_doc_add_posting(s->doc, term, token->position + 1, 1, s->err);
    return s->rc != 0;
}

static int analyze_field(analyzer *a, const char *text, size_t length, index_state *s)
{
    s->rc = 0;
    int rc = analyzer_run(a, text, length, 0, 0, emit_posting, s, NULL, NULL);
    if (s->rc != 0)
        return s->rc;
    if (rc != 0)
        return error_set(s->err, rc < 0 ? rc : COPS_ENOMEM, "analysis of the document failed");
    return 0;
}

int xapian_index_document(cops_xapian_db *db, analyzer *a, const char *id, const char *title,
                          const char *text, size_t text_length, uint32_t date, int store_text,
                          uint32_t *docid_out, cops_error *err)
{
    if (!db || !a || !id || (!text && text_length > 0))
        return error_set(err, COPS_EINVAL, "xapian_index_document: NULL %s",
                         !db ? "database" : !a ? "analyzer" : !id ? "id" : "text");
    if (!*id || strchr(id, '\n'))
        return error_set(err, COPS_EINVAL, "document id '%s' is empty or holds a newline", id);
    if (date != 0 && (date < 10000101u || date > 99991231u))
        return error_set(err, COPS_EINVAL, "document date %u is not YYYYMMDD", date);
    if (!title)
        title = "";
    if (!text)
        text = "";

    cops_xapian_doc *doc = NULL;
    int rc = cops_xapian_doc_new(&doc, err);
    if (rc != 0)
        return rc;
    index_state state = {doc, XAPIAN_PLAN_TITLE_PREFIX, err, 0};
    rc = analyze_field(a, title, strlen(title), &state);
    if (rc == 0) {
        state.prefix = "";
        rc = analyze_field(a, text, text_length, &state);
    }

    size_t id_length = strlen(id), title_length = strlen(title);
    char *record = NULL;
    if (rc == 0) {
        size_t id_term_length = sizeof XAPIAN_PLAN_ID_PREFIX - 1 + id_length;
        size_t stored_text = store_text ? text_length : 0;
        size_t size = id_length + 1 + title_length + 1 + stored_text;
        record = malloc((size > id_term_length ? size : id_term_length) + 1);
        if (!record) {
            rc = error_set(err, COPS_ENOMEM, "out of memory storing document '%s'", id);
        } else {
            memcpy(record, XAPIAN_PLAN_ID_PREFIX, sizeof XAPIAN_PLAN_ID_PREFIX - 1);
            memcpy(record + sizeof XAPIAN_PLAN_ID_PREFIX - 1, id, id_length + 1);
            rc = cops_xapian_doc_add_boolean_term(doc, record, err);
            if (rc == 0) {
                char *at = record;
                memcpy(at, id, id_length);
                at += id_length;
                *at++ = '\n';
                for (size_t i = 0; i < title_length; i++)
                    *at++ = title[i] == '\n' || title[i] == '\r' ? ' ' : title[i];
                *at++ = '\n';
                memcpy(at, text, stored_text);
                rc = cops_xapian_doc_set_data(doc, record, size, err);
            }
        }
    }
    if (rc == 0 && date != 0) {
        char value[16];
        snprintf(value, sizeof value, "%08u", date);
        rc = cops_xapian_doc_set_value(doc, XAPIAN_PLAN_DATE_SLOT, value, 8, err);
    }
    if (rc == 0)
        rc = cops_xapian_add_document(db, doc, docid_out, err);
    free(record);
    cops_xapian_doc_free(doc);
    return rc;
}

/* ------------------------------------------------------------ planning */

void xapian_plan_options_init(xapian_plan_options *options)
{
    options->title_weight = 1.0;
    options->max_prefix_terms = 1000;
    options->db = NULL;
    options->max_query_prefix_terms = 10000;
}

typedef struct planner {
    analyzer *analyzer;
    const xapian_plan_options *options;
    cops_error *err;
    int rc;
    uint64_t prefix_terms;       /* expansions of every prefix so far */
} planner;

/* A sub-query that analysed to nothing: left out of its parent. */
static char dropped_sentinel;
#define DROPPED ((cops_xapian_query *)&dropped_sentinel)

static int analyze(planner *p, const char *text, int flags, plan_words *out)
{
    int rc = plan_analyze_words(p->analyzer, text, flags, out, p->err);
    if (rc != 0)
        p->rc = rc;
    return rc;
}

/* NULL (allocation failure) becomes p->rc = COPS_ENOMEM. */
static cops_xapian_query *checked(planner *p, cops_xapian_query *q)
{
    if (!q && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory while planning the Xapian query");
    return q;
}

static cops_xapian_query *field_term(planner *p, const char *term, int title)
{
    char key[sizeof XAPIAN_PLAN_TITLE_PREFIX + ANALYZER_MAX_TERM_BYTES + 1];
    snprintf(key, sizeof key, "%s%s", title ? XAPIAN_PLAN_TITLE_PREFIX : "", term);
    return checked(p, cops_xapian_query_term(key));
}

/* Analysed words of one field: a term, or a phrase of terms. */
static cops_xapian_query *words_in_field(planner *p, const plan_words *tokens, uint32_t slop,
                                         int title)
{
    if (tokens->count == 1)
        return field_term(p, tokens->terms[0], title);
    cops_xapian_query *terms[XAPIAN_PLAN_MAX_PHRASE_TERMS];
    for (size_t i = 0; i < tokens->count; i++) {
        terms[i] = field_term(p, tokens->terms[i], title);
        if (!terms[i]) {
            for (size_t k = 0; k < i; k++)
                cops_xapian_query_free(terms[k]);
            return NULL;
        }
    }
    uint64_t span = (uint64_t)tokens->positions[tokens->count - 1] - tokens->positions[0];
    uint64_t window = span + slop + 1;
    if (window > UINT32_MAX)
        window = UINT32_MAX;
    return checked(p, cops_xapian_query_phrase(terms, tokens->count, (uint32_t)window));
}

static cops_xapian_query *scaled_title(planner *p, cops_xapian_query *title)
{
    return title ? checked(p, cops_xapian_query_scale(title, p->options->title_weight)) : NULL;
}

/* body OR scaled title; consumes both (either may be NULL). */
static cops_xapian_query *either_field(planner *p, cops_xapian_query *body,
                                       cops_xapian_query *title)
{
    title = scaled_title(p, title);
    if (!body || !title) {
        cops_xapian_query_free(body);
        cops_xapian_query_free(title);
        return NULL;
    }
    cops_xapian_query *pair[2] = {body, title};
    return checked(p, cops_xapian_query_or(pair, 2));
}

static cops_xapian_query *plan_text(planner *p, const query_node *node)
{
    plan_words tokens;
    if (analyze(p, node->text, 0, &tokens) != 0)
        return NULL;
    if (tokens.count == 0)
        return DROPPED;
    uint32_t slop = node->kind == QUERY_PHRASE ? node->distance : 0;
    if (node->field == QUERY_FIELD_TITLE)
        return scaled_title(p, words_in_field(p, &tokens, slop, 1));
    cops_xapian_query *body = words_in_field(p, &tokens, slop, 0);
    cops_xapian_query *title = body ? words_in_field(p, &tokens, slop, 1) : NULL;
    return either_field(p, body, title);
}

/* Add the prefix's expansions to the query's total (query/plan.c's bound). */
static int count_prefix_terms(planner *p, const query_node *node, const char *prefix,
                              const char *title_prefix)
{
    size_t bound = p->options->max_query_prefix_terms;
    for (int title = 0; p->options->db && title <= 1; title++) {
        if (!title && node->field == QUERY_FIELD_TITLE)
            continue;
        uint64_t count = 0;
        int rc = cops_xapian_prefix_terms(p->options->db, title ? title_prefix : prefix,
                                          bound - p->prefix_terms, &count, p->err);
        if (rc != 0)
            return p->rc = rc;
        p->prefix_terms += count;
        if (p->prefix_terms > bound)
            return p->rc = error_set(p->err, COPS_ELIMIT,
                                     "the query's prefixes match more than %zu terms in all; use "
                                     "fewer or longer prefixes", bound);
    }
    return 0;
}

static cops_xapian_query *plan_prefix(planner *p, const query_node *node)
{
    plan_words tokens;
    if (analyze(p, node->text, ANALYZE_NO_STEM, &tokens) != 0)
        return NULL;
    if (tokens.count == 0)
        return DROPPED;
    const char *prefix = tokens.terms[tokens.count - 1];
    char title_prefix[sizeof XAPIAN_PLAN_TITLE_PREFIX + ANALYZER_MAX_TERM_BYTES + 1];
    snprintf(title_prefix, sizeof title_prefix, "%s%s", XAPIAN_PLAN_TITLE_PREFIX, prefix);
    size_t bound = p->options->max_prefix_terms ? p->options->max_prefix_terms : 1000;
    if (count_prefix_terms(p, node, prefix, title_prefix) != 0)
        return NULL;
    cops_xapian_query *title =
        checked(p, cops_xapian_query_wildcard(title_prefix, bound));
    cops_xapian_query *expanded;
    if (node->field == QUERY_FIELD_TITLE) {
        expanded = scaled_title(p, title);
    } else {
        cops_xapian_query *body =
            title ? checked(p, cops_xapian_query_wildcard(prefix, bound)) : NULL;
        expanded = either_field(p, body, title);
    }
    if (!expanded || tokens.count == 1)
        return expanded;
    cops_xapian_query *required[XAPIAN_PLAN_MAX_PHRASE_TERMS];
    size_t count = 0;
    required[count++] = expanded;
    for (size_t i = 0; i + 1 < tokens.count; i++) {
        cops_xapian_query *body = field_term(p, tokens.terms[i], 0);
        cops_xapian_query *word = body ? either_field(p, body, field_term(p, tokens.terms[i], 1))
                                       : NULL;
        if (!word) {
            for (size_t k = 0; k < count; k++)
                cops_xapian_query_free(required[k]);
            return NULL;
        }
        required[count++] = word;
    }
    return checked(p, cops_xapian_query_and(required, count));
}

static cops_xapian_query *plan_node(planner *p, const query_node *node);

static void free_list(cops_xapian_query **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        cops_xapian_query_free(list[i]);
    free(list);
}

/* One query of `count` (>= 1) parts: the part itself or their OR/AND. */
static cops_xapian_query *join(planner *p, cops_xapian_query **parts, size_t count, int and)
{
    if (count == 1)
        return parts[0];
    return checked(p, and ? cops_xapian_query_and(parts, count)
                          : cops_xapian_query_or(parts, count));
}

static cops_xapian_query *plan_and(planner *p, const query_node *node)
{
    size_t n = node->child_count;
    cops_xapian_query **required = calloc(n + 1, sizeof *required);
    cops_xapian_query **excluded = calloc(n + 1, sizeof *excluded);
    size_t required_count = 0, excluded_count = 0;
    if (!required || !excluded) {
        free(required);
        free(excluded);
        return checked(p, NULL);
    }
    for (size_t i = 0; i < n && p->rc == 0; i++) {
        const query_node *child = node->children[i];
        int exclusion = child->kind == QUERY_NOT && child->child_count == 1;
        cops_xapian_query *q = plan_node(p, exclusion ? child->children[0] : child);
        if (!q || q == DROPPED)
            continue;
        if (exclusion)
            excluded[excluded_count++] = q;
        else
            required[required_count++] = q;
    }
    if (p->rc != 0) {
        free_list(required, required_count);
        free_list(excluded, excluded_count);
        return NULL;
    }
    cops_xapian_query *result = DROPPED;
    if (required_count > 0 || excluded_count > 0) {
        cops_xapian_query *positive =
            required_count ? join(p, required, required_count, 1)
                           : checked(p, cops_xapian_query_match_all());
        if (excluded_count == 0) {
            result = positive;
        } else {
            cops_xapian_query *negative = join(p, excluded, excluded_count, 0);
            result = checked(p, positive && negative ? cops_xapian_query_and_not(positive, negative)
                                                     : NULL);
            if (!positive || !negative) {
                cops_xapian_query_free(positive);
                cops_xapian_query_free(negative);
            }
        }
    }
    free(required);
    free(excluded);
    return result;
}

static cops_xapian_query *plan_or(planner *p, const query_node *node)
{
    cops_xapian_query **children = calloc(node->child_count + 1, sizeof *children);
    if (!children)
        return checked(p, NULL);
    size_t count = 0;
    for (size_t i = 0; i < node->child_count && p->rc == 0; i++) {
        cops_xapian_query *q = plan_node(p, node->children[i]);
        if (q && q != DROPPED)
            children[count++] = q;
    }
    if (p->rc != 0) {
        free_list(children, count);
        return NULL;
    }
    cops_xapian_query *result = count == 0 ? DROPPED : join(p, children, count, 0);
    free(children);
    return result;
}

static cops_xapian_query *plan_and_maybe(planner *p, const query_node *node)
{
    if (node->child_count != 2)
        return plan_and(p, node);
    cops_xapian_query *required = plan_node(p, node->children[0]);
    if (!required)
        return NULL;
    cops_xapian_query *optional = plan_node(p, node->children[1]);
    if (!optional) {
        if (required != DROPPED)
            cops_xapian_query_free(required);
        return NULL;
    }
    if (required == DROPPED)
        return optional;
    if (optional == DROPPED)
        return required;
    return checked(p, cops_xapian_query_and_maybe(required, optional));
}

/* NEAR restricted to one field (title: operands always use the title). */
static cops_xapian_query *near_in_field(planner *p, const query_node *node, int title)
{
    char keys[XAPIAN_PLAN_MAX_PHRASE_TERMS][sizeof XAPIAN_PLAN_TITLE_PREFIX +
                                            ANALYZER_MAX_TERM_BYTES + 1];
    size_t count = 0;
    if (node->child_count > XAPIAN_PLAN_MAX_PHRASE_TERMS) {
        p->rc = error_set(p->err, COPS_ELIMIT, "NEAR takes at most %d operands",
                          XAPIAN_PLAN_MAX_PHRASE_TERMS);
        return NULL;
    }
    for (size_t i = 0; i < node->child_count; i++) {
        const query_node *child = node->children[i];
        if (!child->text) {
            p->rc = error_set(p->err, COPS_EUNSUPPORTED,
                              "NEAR operands must be words or phrases for Xapian");
            return NULL;
        }
        plan_words tokens;
        if (analyze(p, child->text, 0, &tokens) != 0)
            return NULL;
        if (tokens.count == 0)
            continue;
        if (tokens.count > 1) {
            p->rc = error_set(p->err, COPS_EUNSUPPORTED,
                              "NEAR operand '%s' (column %zu) is several terms; Xapian's NEAR "
                              "takes single terms", child->text, child->column);
            return NULL;
        }
        int in_title = title || child->field == QUERY_FIELD_TITLE;
        char key[sizeof keys[0]];
        snprintf(key, sizeof key, "%s%s", in_title ? XAPIAN_PLAN_TITLE_PREFIX : "",
                 tokens.terms[0]);
        int repeated = 0;
        for (size_t k = 0; k < count && !repeated; k++)
            repeated = strcmp(keys[k], key) == 0;
        if (!repeated)
            memcpy(keys[count++], key, sizeof key);
    }
    if (count == 0)
        return DROPPED;
    cops_xapian_query *terms[XAPIAN_PLAN_MAX_PHRASE_TERMS];
    for (size_t i = 0; i < count; i++) {
        terms[i] = checked(p, cops_xapian_query_term(keys[i]));
        if (!terms[i]) {
            for (size_t k = 0; k < i; k++)
                cops_xapian_query_free(terms[k]);
            return NULL;
        }
    }
    if (count == 1)
        return terms[0];
    uint64_t window = (uint64_t)node->distance + 1;
    return checked(p, cops_xapian_query_near(terms, count,
                                             window > UINT32_MAX ? UINT32_MAX : (uint32_t)window));
}

static cops_xapian_query *plan_near(planner *p, const query_node *node)
{
    if (node->field == QUERY_FIELD_TITLE)
        return near_in_field(p, node, 1);
    cops_xapian_query *body = near_in_field(p, node, 0);
    if (!body || body == DROPPED)
        return body;
    cops_xapian_query *title = near_in_field(p, node, 1);
    if (!title) {
        cops_xapian_query_free(body);
        return NULL;
    }
    return either_field(p, body, title);
}

static cops_xapian_query *plan_date(planner *p, const query_node *node)
{
    char from[16], to[16];
    snprintf(from, sizeof from, "%08u", node->date_from);
    snprintf(to, sizeof to, "%08u", node->date_to);
    return checked(p, cops_xapian_query_value_range(XAPIAN_PLAN_DATE_SLOT,
                                                    node->date_from ? from : NULL,
                                                    node->date_to ? to : NULL));
}

static cops_xapian_query *plan_node(planner *p, const query_node *node)
{
    if (p->rc != 0)
        return NULL;
    switch (node->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
        return plan_text(p, node);
    case QUERY_PREFIX:
        return plan_prefix(p, node);
    case QUERY_DATE_RANGE:
        return plan_date(p, node);
    case QUERY_AND:
        return plan_and(p, node);
    case QUERY_OR:
        return plan_or(p, node);
    case QUERY_NOT: {
        /* Outside an AND (the parser never produces it): all but the child. */
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
        return checked(p, cops_xapian_query_match_all());
    }
    p->rc = error_set(p->err, COPS_EINVAL, "unknown query node kind %d", (int)node->kind);
    return NULL;
}

int xapian_plan_query(const query_node *tree, analyzer *a, const xapian_plan_options *o,
                      cops_xapian_query **out, cops_error *err)
{
    if (out)
        *out = NULL;
    if (!tree || !a || !out)
        return error_set(err, COPS_EINVAL, "xapian_plan_query: NULL %s",
                         !tree ? "query" : !a ? "analyzer" : "out");
    xapian_plan_options defaults;
    xapian_plan_options_init(&defaults);
    if (!o)
        o = &defaults;
    if (!(o->title_weight >= 0))
        return error_set(err, COPS_EINVAL, "title weight %g is not >= 0", o->title_weight);
    planner p = {a, o, err, 0, 0};
    cops_xapian_query *q = plan_node(&p, tree);
    if (p.rc != 0) {
        if (q && q != DROPPED)
            cops_xapian_query_free(q);
        return p.rc;
    }
    if (q == DROPPED)
        q = checked(&p, cops_xapian_query_match_nothing());
    if (!q)
        return p.rc;
    int rc = cops_xapian_query_status(q, err);
    if (rc != 0) {
        cops_xapian_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}
