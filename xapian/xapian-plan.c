/*
 * xapian-plan.c — cops documents and queries over Xapian (xapian-plan.h).
 */
#include "config.h"

#include "xapian/xapian-plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/error.h"
#include "query/fuzzy.h"
#include "query/suggest.h"

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
    /* the terms a native index holds: compounds' joined forms too */
    int rc = analyzer_run(a, text, length, 0, ANALYZE_JOINED, emit_posting, s, NULL, NULL);
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
    if (!*id)
        return error_set(err, COPS_EINVAL, "document id is empty");
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
    char id_term[XAPIAN_PLAN_ID_TERM_MAX + 1], length_form[32];
    xapian_plan_id_term(id, id_length, id_term);
    if (rc == 0)
        rc = cops_xapian_doc_add_boolean_term(doc, id_term, err);
    /* the length form (xapian_plan_stored_id) for an id a newline would cut */
    int head = id[0] == XAPIAN_PLAN_ID_HASHED || strchr(id, '\n')
                   ? snprintf(length_form, sizeof length_form, "%c%zu\n", XAPIAN_PLAN_ID_HASHED,
                              id_length)
                   : 0;
    char *record = NULL;
    if (rc == 0) {
        size_t stored_text = store_text ? text_length : 0;
        size_t size = (size_t)head + id_length + 1 + title_length + 1 + stored_text;
        record = malloc(size + 1);
        if (!record) {
            rc = error_set(err, COPS_ENOMEM, "out of memory storing a document");
        } else {
            char *at = record;
            memcpy(at, length_form, (size_t)head);
            at += head;
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

void xapian_plan_id_term(const char *id, size_t length, char term[XAPIAN_PLAN_ID_TERM_MAX + 1])
{
    const size_t prefix = sizeof XAPIAN_PLAN_ID_PREFIX - 1;
    memcpy(term, XAPIAN_PLAN_ID_PREFIX, prefix);
    if (length <= XAPIAN_PLAN_ID_DIRECT_MAX && (length == 0 || id[0] != XAPIAN_PLAN_ID_HASHED)) {
        memcpy(term + prefix, id, length);
        term[prefix + length] = '\0';
        return;
    }
    XXH128_hash_t hash = XXH3_128bits(id, length);
    snprintf(term + prefix, XAPIAN_PLAN_ID_TERM_MAX + 1 - prefix, "%c%016llx%016llx",
             XAPIAN_PLAN_ID_HASHED, (unsigned long long)hash.high64,
             (unsigned long long)hash.low64);
}

int xapian_plan_stored_id(const char *data, size_t length, const char **id, size_t *id_length,
                          const char **rest)
{
    const char *end = data + length;
    if (length == 0 || data[0] != XAPIAN_PLAN_ID_HASHED) {
        const char *newline = memchr(data, '\n', length);
        *id = data;
        *id_length = newline ? (size_t)(newline - data) : length;
        *rest = newline ? newline + 1 : end;
        return 0;
    }
    size_t n = 0;
    const char *p = data + 1;
    for (; p < end && *p >= '0' && *p <= '9' && p - data <= 19; p++)
        n = n * 10 + (size_t)(*p - '0');
    if (p == data + 1 || p >= end || *p != '\n' || n > (size_t)(end - p - 1)
        || (n < (size_t)(end - p - 1) && p[1 + n] != '\n'))
        return COPS_ECORRUPT;
    *id = p + 1;
    *id_length = n;
    *rest = p + 1 + n < end ? p + 2 + n : end;
    return 0;
}

/* ------------------------------------------------------------ planning */

void xapian_plan_options_init(xapian_plan_options *options)
{
    options->title_weight = 1.0;
    options->max_prefix_terms = 1000;
    options->db = NULL;
    options->max_query_prefix_terms = 10000;
    options->notes = NULL;
}

typedef struct planner {
    const xapian_plan_options *options;
    const lower_plan *plan;
    cops_error *err;
    int rc;
    uint64_t prefix_terms;       /* expansions of every prefix so far */
    size_t fuzzy_comparisons;    /* words every fuzzy word was compared with so far */
} planner;

/* NULL (allocation failure) becomes p->rc = COPS_ENOMEM. */
static cops_xapian_query *checked(planner *p, cops_xapian_query *q)
{
    if (!q && p->rc == 0)
        p->rc = error_set(p->err, COPS_ENOMEM, "out of memory while planning the Xapian query");
    return q;
}

typedef char xapian_key[sizeof XAPIAN_PLAN_TITLE_PREFIX + ANALYZER_MAX_TERM_BYTES + 1];

/* The Xapian term of `term` in `field` (the mapping in xapian-plan.h). */
static void field_key(xapian_key key, const char *term, int field)
{
    snprintf(key, sizeof(xapian_key), "%s%s",
             field == LOWER_FIELD_TITLE ? XAPIAN_PLAN_TITLE_PREFIX : "", term);
}

static cops_xapian_query *field_term(planner *p, const char *term, int field)
{
    xapian_key key;
    field_key(key, term, field);
    return checked(p, cops_xapian_query_term(key));
}

static uint32_t window_of(uint64_t window)
{
    return window > UINT32_MAX ? UINT32_MAX : (uint32_t)window;
}

/* OP_PHRASE, window = span + slop + 1 (xapian-plan.h). */
static cops_xapian_query *plan_phrase(planner *p, const lower_node *node)
{
    cops_xapian_query *terms[LOWER_MAX_PHRASE_TERMS];
    for (size_t i = 0; i < node->term_count; i++) {
        xapian_key key;
        field_key(key, node->terms[i].text, node->field);
        terms[i] = cops_xapian_query_term(key); /* a NULL one makes the phrase NULL */
    }
    uint64_t span = node->terms[node->term_count - 1].offset;
    return checked(p, cops_xapian_query_phrase(terms, node->term_count,
                                               window_of(span + node->slop + 1)));
}

static cops_xapian_query *scaled_title(planner *p, cops_xapian_query *title)
{
    return checked(p, cops_xapian_query_scale(title, p->plan->title_weight));
}

/* The expansions of a fuzzy word or a prefix found in the database
 * (lower.h), in the order found, candidates[i].id indexing keys[]: the
 * ones kept are chosen among them (query/fuzzy.h, keep_expansions). */
typedef struct expansion_scan {
    planner *p;
    const lower_node *node;
    size_t term_length;
    size_t field_prefix;         /* bytes of the field's prefix in the key scanned */
    size_t visits_left;          /* in the bucket being scanned (fuzzy_bucket_limit) */
    fuzzy_candidate *candidates;
    xapian_key *keys;
    size_t count, capacity;
    size_t cap;             /* a prefix's scan stops at this many (prefix_scan_cap) */
    int stopped;            /* ... and did */
} expansion_scan;

/* 0, or COPS_ENOMEM recorded. */
static int add_candidate(expansion_scan *f, const char *key, size_t length, uint64_t documents,
                     size_t distance)
{
    if (length >= sizeof(xapian_key))
        return 0; /* longer than any term cops indexes: not one of its words */
    if (f->count == f->capacity) {
        size_t capacity = f->capacity ? f->capacity * 2 : 16;
        fuzzy_candidate *candidates = realloc(f->candidates, capacity * sizeof *candidates);
        if (candidates)
            f->candidates = candidates;
        xapian_key *keys = candidates ? realloc(f->keys, capacity * sizeof *keys) : NULL;
        if (!keys)
            return f->p->rc = error_set(f->p->err, COPS_ENOMEM, "out of memory expanding '%s'",
                                        f->node->source->text);
        f->keys = keys;
        f->capacity = capacity;
    }
    memcpy(f->keys[f->count], key, length);
    f->keys[f->count][length] = '\0';
    f->candidates[f->count] = (fuzzy_candidate){(uint32_t)distance, documents, f->count};
    f->count++;
    return 0;
}

static int visit_fuzzy(void *context, const char *term, size_t length, uint64_t documents)
{
    expansion_scan *f = context;
    if (f->visits_left-- == 0)
        return 1;
    size_t distance = suggest_edit_distance((const uint8_t *)f->node->terms[0].text,
                                            f->term_length,
                                            (const uint8_t *)term + f->field_prefix,
                                            length - f->field_prefix);
    /* the exact term is looked up on its own, whatever the bucket's bound */
    if (distance == 0 || distance > f->node->distance)
        return 0;
    return add_candidate(f, term, length, documents, distance);
}

/* The exact term and its buckets' neighbours in one field. */
static int scan_fuzzy_field(expansion_scan *f, int field)
{
    xapian_key key;
    const char *text = f->node->terms[0].text;
    field_key(key, text, field);
    uint64_t documents = 0;
    int rc = cops_xapian_term_freq(f->p->options->db, key, &documents, f->p->err);
    if (rc == 0 && documents > 0)
        rc = add_candidate(f, key, strlen(key), documents, 0);
    char buckets[2];
    size_t bucket_count = suggest_buckets(text, f->term_length, buckets);
    f->field_prefix = field == LOWER_FIELD_TITLE ? sizeof XAPIAN_PLAN_TITLE_PREFIX - 1 : 0;
    for (size_t b = 0; b < bucket_count && rc == 0; b++) {
        char bucket[2] = {buckets[b], '\0'};
        field_key(key, bucket, field);
        size_t limit = fuzzy_bucket_limit(f->p->fuzzy_comparisons);
        f->visits_left = limit;
        rc = cops_xapian_each_term(f->p->options->db, key, visit_fuzzy, f, f->p->err);
        fuzzy_bucket_spend(&f->p->fuzzy_comparisons, limit, f->visits_left);
        rc = rc == 1 ? 0 : rc;
    }
    return rc;
}

/* OP_WILDCARD of the prefix in one field, OR its stem (lower.h). */
static cops_xapian_query *prefix_in_field(planner *p, const lower_node *node, int field)
{
    xapian_key key;
    field_key(key, node->terms[0].text, field);
    cops_xapian_query *either[2] = {cops_xapian_query_wildcard(key, node->max_terms), NULL};
    if (node->term_count == 1)
        return checked(p, either[0]);
    field_key(key, node->terms[1].text, field);
    either[1] = cops_xapian_query_term(key);
    return checked(p, cops_xapian_query_or(either, 2));
}

/* OP_WILDCARD in each field, the title's scaled. */
static cops_xapian_query *plan_wildcard(planner *p, const lower_node *node)
{
    cops_xapian_query *title = scaled_title(p, prefix_in_field(p, node, LOWER_FIELD_TITLE));
    if (!(node->field & LOWER_FIELD_BODY))
        return title;
    cops_xapian_query *pair[2] = {prefix_in_field(p, node, LOWER_FIELD_BODY), title};
    return checked(p, cops_xapian_query_or(pair, 2));
}

/* The kept ones (query/fuzzy.h) of the expansions found, at most the
 * node's max_terms, OR-ed in each field (each with its own idf: Xapian
 * 1.4 has no blend), the title's scaled (a note when some are not kept,
 * lower_note_cut); frees what the scan holds.  rc: the scan's. */
static cops_xapian_query *keep_expansions(planner *p, const lower_node *node, expansion_scan *f,
                                          int rc)
{
    size_t kept = rc == 0 ? fuzzy_keep(f->candidates, f->count, node->max_terms) : 0;
    if ((kept < f->count || f->stopped) && rc == 0)
        lower_note_cut(p->plan, node, f->count, f->stopped);
    if (node->kind == LOWER_PREFIX && rc == 0
        && (p->prefix_terms += kept) > p->plan->max_query_prefix_terms)
        rc = p->rc = error_set(p->err, COPS_ELIMIT,
                               "the query's prefixes match more than %zu terms in all; use "
                               "fewer or longer prefixes", p->plan->max_query_prefix_terms);
    cops_xapian_query **terms = kept ? malloc(kept * sizeof *terms) : NULL;
    cops_xapian_query *fields[2];
    size_t field_count = 0;
    for (int title = 0; title <= 1 && (terms || !kept) && rc == 0; title++) {
        size_t count = 0;
        for (size_t i = 0; i < kept; i++) {
            const char *key = f->keys[f->candidates[i].id];
            if ((strncmp(key, XAPIAN_PLAN_TITLE_PREFIX, sizeof XAPIAN_PLAN_TITLE_PREFIX - 1) == 0)
                == title)
                terms[count++] = cops_xapian_query_term(key);
        }
        if (count == 0)
            continue;
        cops_xapian_query *either = count == 1 ? terms[0] : cops_xapian_query_or(terms, count);
        fields[field_count++] = title ? scaled_title(p, either) : either;
    }
    free(terms);
    free(f->candidates);
    free(f->keys);
    if (rc != 0 || (kept && !terms)) {
        for (size_t i = 0; i < field_count; i++)
            cops_xapian_query_free(fields[i]);
        if (p->rc == 0)
            p->rc = rc ? rc : error_set(p->err, COPS_ENOMEM, "out of memory expanding '%s'",
                                        node->source->text);
        return NULL;
    }
    return checked(p, field_count == 0   ? cops_xapian_query_match_nothing()
                      : field_count == 1 ? fields[0]
                                         : cops_xapian_query_or(fields, 2));
}

/* The kept expansions (fuzzy.h) of a fuzzy word. */
static cops_xapian_query *plan_fuzzy(planner *p, const lower_node *node)
{
    if (!p->options->db) {
        p->rc = error_set(p->err, COPS_EINVAL, "a fuzzy word needs the database to expand in");
        return NULL;
    }
    expansion_scan f = {p, node, strlen(node->terms[0].text), 0, 0, NULL, NULL, 0, 0, 0, 0};
    int rc = 0;
    for (int field = LOWER_FIELD_BODY; field <= LOWER_FIELD_TITLE && rc == 0; field <<= 1)
        if (node->field & field)
            rc = scan_fuzzy_field(&f, field);
    if (p->fuzzy_comparisons > FUZZY_MAX_QUERY_COMPARISONS && rc == 0)
        rc = p->rc = error_set(p->err, COPS_ELIMIT, FUZZY_BUDGET_MESSAGE,
                               FUZZY_MAX_QUERY_COMPARISONS);
    return keep_expansions(p, node, &f, rc);
}

static int visit_prefix(void *context, const char *term, size_t length, uint64_t documents)
{
    expansion_scan *f = context;
    if (f->count == f->cap) {
        f->stopped = 1;
        return 1;
    }
    return add_candidate(f, term, length, documents, 0);
}

/* The terms starting with the prefix in one field, then its stem
 * (lower.h), in the order the native engine finds them (query/fuzzy.h). */
static int scan_prefix_field(expansion_scan *f, int field)
{
    xapian_key key;
    field_key(key, f->node->terms[0].text, field);
    int rc = cops_xapian_each_term(f->p->options->db, key, visit_prefix, f, f->p->err);
    if (rc == 1)
        return 0;
    if (rc != 0 || f->node->term_count == 1)
        return rc;
    field_key(key, f->node->terms[1].text, field);
    uint64_t documents = 0;
    rc = cops_xapian_term_freq(f->p->options->db, key, &documents, f->p->err);
    if (rc == 0 && documents > 0)
        rc = visit_prefix(f, key, strlen(key), documents);
    return rc == 1 ? 0 : rc;
}

/* The kept expansions (fuzzy.h) of a prefix in its fields (both together
 * within its bound, lower.h); without the database, OP_WILDCARD in each
 * field, an error beyond the bound. */
static cops_xapian_query *plan_prefix(planner *p, const lower_node *node)
{
    if (!p->options->db)
        return plan_wildcard(p, node);
    expansion_scan f = {p, node, 0, 0, 0, NULL, NULL, 0, 0, 0, 0};
    f.cap = prefix_scan_cap(node->max_terms);
    int rc = 0;
    for (int field = LOWER_FIELD_BODY; field <= LOWER_FIELD_TITLE && rc == 0; field <<= 1)
        if (node->field & field)
            rc = scan_prefix_field(&f, field);
    return keep_expansions(p, node, &f, rc);
}

static cops_xapian_query *plan_date(planner *p, const lower_node *node)
{
    char from[16], to[16];
    snprintf(from, sizeof from, "%08u", node->date_from);
    snprintf(to, sizeof to, "%08u", node->date_to);
    return checked(p, cops_xapian_query_value_range(XAPIAN_PLAN_DATE_SLOT,
                                                    node->date_from ? from : NULL,
                                                    node->date_to ? to : NULL));
}

static void *plan_leaf(void *context, const lower_node *node)
{
    planner *p = context;
    switch (node->kind) {
    case LOWER_TERM:
        return field_term(p, node->terms[0].text, node->field);
    case LOWER_PHRASE:
        return plan_phrase(p, node);
    case LOWER_PREFIX:
        return plan_prefix(p, node);
    case LOWER_FUZZY:
        return plan_fuzzy(p, node);
    case LOWER_DATE:
        return plan_date(p, node);
    case LOWER_ALL:
        return checked(p, cops_xapian_query_match_all());
    default:
        return checked(p, cops_xapian_query_match_nothing());
    }
}

/* OP_NEAR of the operands' terms, window distance + 1; Xapian 1.4's
 * OP_NEAR takes only terms, and a repeated term is one operand (in cops
 * two equal operands may use the same position, so they add no
 * constraint).  Consumes built[]. */
static cops_xapian_query *plan_near(planner *p, const lower_node *node, void **built)
{
    cops_xapian_query *terms[LOWER_MAX_PHRASE_TERMS];
    xapian_key keys[LOWER_MAX_PHRASE_TERMS];
    size_t count = 0;
    for (size_t i = 0; i < node->child_count; i++) {
        const lower_node *operand = node->children[i];
        if (operand->kind != LOWER_TERM && p->rc == 0) {
            const query_node *source = operand->source;
            p->rc = operand->kind == LOWER_PHRASE
                        ? error_set(p->err, COPS_EUNSUPPORTED,
                                    "NEAR operand '%s' (column %zu) is several terms; Xapian's "
                                    "NEAR takes single terms", source->text, source->column)
                        : error_set(p->err, COPS_EUNSUPPORTED,
                                    "NEAR operands must be words or phrases for Xapian");
        }
        int repeated = 0;
        if (p->rc == 0) {
            field_key(keys[count], operand->terms[0].text, operand->field);
            for (size_t k = 0; k < count && !repeated; k++)
                repeated = strcmp(keys[k], keys[count]) == 0;
        }
        if (p->rc != 0 || repeated)
            cops_xapian_query_free(built[i]);
        else
            terms[count++] = built[i];
    }
    if (p->rc != 0) {
        for (size_t k = 0; k < count; k++)
            cops_xapian_query_free(terms[k]);
        return NULL;
    }
    if (count == 1)
        return terms[0];
    return checked(p, cops_xapian_query_near(terms, count, window_of((uint64_t)node->distance + 1)));
}

static void *plan_op(void *context, const lower_node *node, void **built)
{
    planner *p = context;
    size_t n = node->child_count, required = node->required_count;
    if (node->kind == LOWER_TITLE)
        return scaled_title(p, built[0]);
    if (node->kind == LOWER_SCALE) /* OP_SCALE_WEIGHT */
        return checked(p, cops_xapian_query_scale(built[0], node->weight));
    if (node->kind == LOWER_AND_MAYBE)
        return checked(p, cops_xapian_query_and_maybe(built[0], built[1]));
    if (node->kind == LOWER_NEAR)
        return plan_near(p, node, built);
    cops_xapian_query **parts = malloc(n * sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        if (parts)
            parts[i] = built[i];
        else
            cops_xapian_query_free(built[i]);
    }
    cops_xapian_query *q = NULL;
    if (parts && node->kind == LOWER_OR) {
        q = cops_xapian_query_or(parts, n);
    } else if (parts) {
        /* AND: the required ANDed (one: itself), AND_NOT the excluded ORed */
        q = required == 1 ? parts[0] : cops_xapian_query_and(parts, required);
        if (required < n) {
            cops_xapian_query *excluded = n - required == 1
                                              ? parts[required]
                                              : cops_xapian_query_or(parts + required, n - required);
            q = cops_xapian_query_and_not(q, excluded);
        }
    }
    free(parts);
    return checked(p, q);
}

static void discard(void *built) { cops_xapian_query_free(built); }

static const lower_builder xapian_builder = {
    .leaf = plan_leaf,
    .op = plan_op,
    .discard = discard,
};

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
    /* Stop words keep their weight here: Xapian's own BM25 scores them.
     * A Xapian index holds no words as written: =word fails (lower.h). */
    lower_options lowering = {o->title_weight, o->max_prefix_terms ? o->max_prefix_terms : 1000,
                              o->max_query_prefix_terms, 0, LOWER_EXACT_NONE};
    lower_plan *plan = NULL;
    int rc = lower_query(a, tree, &lowering, &plan, err);
    if (rc != 0)
        return rc;
    planner p = {o, plan, err, 0, 0, 0};
    cops_xapian_query *q = lower_build(plan->root, &xapian_builder, &p);
    if (o->notes)
        *o->notes = plan->found;
    lower_plan_free(plan);
    if (p.rc != 0 || !q) {
        cops_xapian_query_free(q);
        return p.rc ? p.rc : error_set(err, COPS_ENOMEM, "out of memory while planning the Xapian query");
    }
    rc = cops_xapian_query_status(q, err);
    if (rc != 0) {
        cops_xapian_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}
