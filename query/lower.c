/*
 * lower.c — a parsed query to its engine-neutral plan (lower.h).
 */
#include "config.h"

#include "query/lower.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "query/stopwords.h"

/* ------------------------------------------------------------ analysis */

typedef struct word_collector {
    lower_words *words;
    int overflow;
} word_collector;

static int collect_word(void *context, const analyzer_token *token)
{
    word_collector *c = context;
    lower_words *list = c->words;
    if (list->count == LOWER_MAX_PHRASE_TERMS) {
        c->overflow = 1;
        return 1;
    }
    memcpy(list->terms[list->count], token->term, token->term_length + 1);
    list->positions[list->count] = token->position;
    list->count++;
    return 0;
}

typedef struct lowering {
    analyzer *analyzer;
    const lower_options *options;
    cops_error *err;
    double word_weight; /* the weight of the TERM nodes made now (1, or 0 for a stop word) */
} lowering;

int lower_analyze_words(analyzer *text_analyzer, const char *text, int flags, lower_words *out,
                        cops_error *err)
{
    out->count = 0;
    word_collector c = {out, 0};
    int rc = analyzer_run(text_analyzer, text, strlen(text), 0, flags, collect_word, &c, NULL, NULL);
    if (c.overflow)
        return error_set(err, COPS_ELIMIT,
                         "'%s' has more than %d words; a phrase is limited to %d", text,
                         LOWER_MAX_PHRASE_TERMS, LOWER_MAX_PHRASE_TERMS);
    if (rc < 0)
        return error_set(err, rc, "analysis of the query failed");
    return 0;
}

static int analyze(lowering *l, const char *text, int flags, lower_words *out)
{
    return lower_analyze_words(l->analyzer, text, flags, out, l->err);
}

/* What lower_joined_term sees of a text's tokens. */
typedef struct joined_finder {
    size_t words_start, words_end; /* the source bytes of its words */
    size_t joined_count, joined_start, joined_end;
    char *joined;
} joined_finder;

static int find_joined(void *context, const analyzer_token *token)
{
    joined_finder *f = context;
    if (token->joined) {
        if (f->joined_count++ == 0) {
            memcpy(f->joined, token->term, token->term_length + 1);
            f->joined_start = token->start;
            f->joined_end = token->end;
        }
        return 0;
    }
    if (f->words_start == SIZE_MAX)
        f->words_start = token->start;
    f->words_end = token->end;
    return 0;
}

int lower_joined_term(analyzer *text_analyzer, const char *text,
                      char joined[LOWER_MAX_TERM_BYTES + 1])
{
    joined_finder f = {SIZE_MAX, 0, 0, 0, 0, joined};
    int rc = analyzer_run(text_analyzer, text, strlen(text), 0, ANALYZE_JOINED, find_joined, &f,
                          NULL, NULL);
    if (rc != 0)
        return rc < 0 ? rc : COPS_ENOMEM;
    return f.joined_count == 1 && f.joined_start == f.words_start && f.joined_end == f.words_end;
}

/* --------------------------------------------------------------- nodes */

/* Where new_parent keeps a node's children: right after it (a parent
 * has no terms). */
static lower_node **own_children(lower_node *node)
{
    return (lower_node **)(void *)(node + 1);
}

static void free_node(lower_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->child_count; i++)
        free_node(node->children[i]);
    if (node->children != own_children(node))
        free(node->children);
    free(node);
}

static void free_nodes(lower_node **nodes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free_node(nodes[i]);
}

static int out_of_memory(lowering *l)
{
    return error_set(l->err, COPS_ENOMEM, "out of memory while planning the query");
}

/* A node of `kind` with room for `term_count` terms, or for
 * `child_count` children after it (own_children; a parent has no terms);
 * NULL when out of memory (the error set). */
static lower_node *new_node_with(lowering *l, lower_kind kind, const query_node *source,
                                 size_t term_count, size_t child_count)
{
    lower_node *node = calloc(1, sizeof *node + term_count * sizeof node->terms[0]
                                     + child_count * sizeof node->children[0]);
    if (!node) {
        out_of_memory(l);
        return NULL;
    }
    node->kind = kind;
    node->source = source;
    node->term_count = term_count;
    node->weight = l->word_weight;
    return node;
}

static lower_node *new_node(lowering *l, lower_kind kind, const query_node *source,
                            size_t term_count)
{
    return new_node_with(l, kind, source, term_count, 0);
}

/* A node of `kind` over `child_count` children (to be set), their array
 * allocated with the node (one allocation where there were two, for each
 * word of a query). */
static lower_node *new_parent(lowering *l, lower_kind kind, const query_node *source,
                              size_t child_count)
{
    lower_node *node = new_node_with(l, kind, source, 0, child_count);
    if (node) {
        node->children = own_children(node);
        node->child_count = child_count;
    }
    return node;
}

/* An operator over `children` (ownership taken, freed on failure):
 * none is nothing (*out NULL); one is itself for OR, NEAR and an AND of
 * one required child. */
static int join(lowering *l, lower_kind kind, const query_node *source, lower_node **children,
                size_t count, size_t required_count, lower_node **out)
{
    *out = NULL;
    if (count == 0)
        return 0;
    if (count == 1 && kind != LOWER_SCALE && (kind != LOWER_AND || required_count == 1)) {
        *out = children[0];
        return 0;
    }
    lower_node *node = new_parent(l, kind, source, count);
    if (!node) {
        free_nodes(children, count);
        return COPS_ENOMEM;
    }
    memcpy(node->children, children, count * sizeof *children);
    node->required_count = required_count;
    *out = node;
    return 0;
}

/* words->terms[first, first + count) (count >= 1) in `field`: a TERM or a
 * PHRASE within `slop`. */
static lower_node *words_node(lowering *l, const query_node *source, const lower_words *words,
                              size_t first, size_t count, uint32_t slop, int field)
{
    lower_node *node = new_node(l, count == 1 ? LOWER_TERM : LOWER_PHRASE, source, count);
    if (!node)
        return NULL;
    node->field = field;
    node->slop = slop;
    for (size_t i = 0; i < count; i++) {
        memcpy(node->terms[i].text, words->terms[first + i], sizeof node->terms[i].text);
        node->terms[i].offset = words->positions[first + i] - words->positions[first];
    }
    return node;
}

/* TITLE(title), or body OR TITLE(title) when there is a body version;
 * takes ownership of both (a NULL title: out of memory, already said). */
static int either_field(lowering *l, lower_node *body, lower_node *title, lower_node **out)
{
    lower_node *marked = title ? new_parent(l, LOWER_TITLE, title->source, 1) : NULL;
    if (!marked) {
        free_node(body);
        free_node(title);
        return COPS_ENOMEM;
    }
    marked->children[0] = title;
    if (!body) {
        *out = marked;
        return 0;
    }
    lower_node *pair[2] = {body, marked};
    return join(l, LOWER_OR, body->source, pair, 2, 0, out);
}

/* ------------------------------------------------------------ lowering */

static int lower_node_of(lowering *l, const query_node *q, lower_node **out);

/* Analysed words in the fields `q` asks for (title: or either). */
static int words_in_fields(lowering *l, const query_node *q, const lower_words *words,
                           size_t first, size_t count, uint32_t slop, query_field field,
                           lower_node **out)
{
    lower_node *body = NULL;
    if (field != QUERY_FIELD_TITLE
        && !(body = words_node(l, q, words, first, count, slop, LOWER_FIELD_BODY)))
        return COPS_ENOMEM;
    lower_node *title = words_node(l, q, words, first, count, slop, LOWER_FIELD_TITLE);
    return either_field(l, body, title, out);
}

static int exact_word(const query_node *q);
static int analyze_exact(lowering *l, const query_node *q, lower_words *words);

/* A hyphenated word's phrase `*parts` OR its joined term, when it has one
 * (lower.h, "Hyphenated words"); takes ownership of *parts. */
static int or_joined(lowering *l, const query_node *q, lower_node **parts)
{
    lower_words joined = {.count = 1, .positions = {0}};
    int rc = lower_joined_term(l->analyzer, q->text, joined.terms[0]);
    if (rc <= 0) {
        if (rc < 0) {
            free_node(*parts);
            *parts = NULL;
            return error_set(l->err, rc, "analysis of the query failed");
        }
        return 0;
    }
    lower_node *either[2] = {*parts, NULL};
    *parts = NULL;
    rc = words_in_fields(l, q, &joined, 0, 1, 0, q->field, &either[1]);
    if (rc != 0) {
        free_node(either[0]);
        return rc;
    }
    return join(l, LOWER_OR, q, either, 2, 0, parts);
}

static int lower_text(lowering *l, const query_node *q, lower_node **out)
{
    lower_words words;
    int rc = exact_word(q) ? analyze_exact(l, q, &words) : analyze(l, q->text, 0, &words);
    if (rc != 0 || words.count == 0)
        return rc;
    uint32_t slop = q->kind == QUERY_PHRASE ? q->distance : 0;
    /* A stop word of a long query matches but scores nothing (stopwords.h). */
    int silent = l->options->stop_words_score_nothing && q->kind == QUERY_WORD
                 && stopword_node(l->analyzer, q);
    if (silent)
        l->word_weight = 0.0;
    rc = words_in_fields(l, q, &words, 0, words.count, slop, q->field, out);
    l->word_weight = 1.0;
    if (rc == 0 && q->kind == QUERY_WORD && words.count > 1 && !exact_word(q))
        rc = or_joined(l, q, out);
    return rc;
}

/* The starts of a typed prefix (lower.h, "Prefixes"): `typed` (unstemmed)
 * and, unless it is among typed's expansions already, its own stem `stem`
 * as an exact term.  Returns the count (1 or 2) written to terms[]. */
static size_t prefix_starts(const char *typed, const char *stem, lower_term *terms)
{
    memcpy(terms[0].text, typed, strlen(typed) + 1);
    if (stem[0] == '\0' || strncmp(stem, typed, strlen(typed)) == 0)
        return 1;
    memcpy(terms[1].text, stem, strlen(stem) + 1);
    return 2;
}

/* A PREFIX node of `q` for the typed start `typed` and its stem `stem`
 * (prefix_starts), in q's fields; NULL when out of memory. */
static lower_node *prefix_node(lowering *l, const query_node *q, const char *typed,
                               const char *stem)
{
    lower_term starts[2] = {{"", 0}, {"", 0}};
    size_t start_count = prefix_starts(typed, stem, starts);
    lower_node *prefix = new_node(l, LOWER_PREFIX, q, start_count);
    if (!prefix)
        return NULL;
    memcpy(prefix->terms, starts, start_count * sizeof starts[0]);
    prefix->field = q->field == QUERY_FIELD_TITLE ? LOWER_FIELD_TITLE
                                                  : LOWER_FIELD_BODY | LOWER_FIELD_TITLE;
    prefix->max_terms = l->options->max_prefix_terms;
    return prefix;
}

int lower_joined_prefix(analyzer *text_analyzer, const char *text,
                        char typed[LOWER_MAX_TERM_BYTES + 1], char stem[LOWER_MAX_TERM_BYTES + 1])
{
    int rc = lower_joined_term(text_analyzer, text, stem);
    if (rc <= 0)
        return rc;
    lower_words words;
    rc = lower_analyze_words(text_analyzer, text, ANALYZE_NO_STEM, &words, NULL);
    if (rc != 0)
        return rc < 0 ? rc : COPS_ENOMEM;
    size_t used = 0;
    for (size_t i = 0; i < words.count; i++) {
        size_t length = strlen(words.terms[i]);
        if (used + length > ANALYZER_MAX_TERM_BYTES)
            return 0; /* a joined form longer than any term: no key holds it */
        memcpy(typed + used, words.terms[i], length);
        used += length;
    }
    typed[used] = '\0';
    return 1;
}

/* A prefix typed as a hyphenated compound (e-mail*): *parts (its words
 * and its last part's prefix) OR the prefix of its joined form (email*),
 * when the analyzer joins it (lower.h, "Prefixes"), so e-mail* finds the
 * email... that e-mail finds; takes ownership of *parts. */
static int or_joined_prefix(lowering *l, const query_node *q, lower_node **parts)
{
    char stem[LOWER_MAX_TERM_BYTES + 1], typed[LOWER_MAX_TERM_BYTES + 1];
    int rc = lower_joined_prefix(l->analyzer, q->text, typed, stem);
    if (rc <= 0) {
        if (rc < 0) {
            free_node(*parts);
            *parts = NULL;
            return error_set(l->err, rc, "analysis of the query failed");
        }
        return 0;
    }
    lower_node *either[2] = {*parts, prefix_node(l, q, typed, stem)};
    *parts = NULL;
    if (!either[1]) {
        free_node(either[0]);
        return COPS_ENOMEM;
    }
    return join(l, LOWER_OR, q, either, 2, 0, parts);
}

static int lower_prefix(lowering *l, const query_node *q, lower_node **out)
{
    lower_words words, stemmed;
    int rc = analyze(l, q->text, ANALYZE_NO_STEM, &words);
    if (rc != 0 || words.count == 0)
        return rc;
    rc = analyze(l, q->text, 0, &stemmed);
    if (rc != 0)
        return rc;
    /* A prefix that analyses to several words (e-mai*): the last one is the
     * prefix, the others must match as words (in either field). */
    const char *typed = words.terms[words.count - 1];
    const char *stem = stemmed.count == words.count ? stemmed.terms[stemmed.count - 1] : "";
    lower_node *parts[LOWER_MAX_PHRASE_TERMS];
    size_t count = 0;
    lower_node *prefix = prefix_node(l, q, typed, stem);
    if (!prefix)
        return COPS_ENOMEM;
    parts[count++] = prefix;
    for (size_t i = 0; i + 1 < words.count; i++) {
        rc = words_in_fields(l, q, &words, i, 1, 0, QUERY_FIELD_ANY, &parts[count]);
        if (rc != 0) {
            free_nodes(parts, count);
            return rc;
        }
        count++;
    }
    rc = join(l, LOWER_AND, q, parts, count, count, out);
    if (rc == 0 && words.count > 1)
        rc = or_joined_prefix(l, q, out);
    return rc;
}

/* FUZZY of each analysed term of a fuzzy word, ANDed (lower.h). */
static int lower_fuzzy(lowering *l, const query_node *q, lower_node **out)
{
    lower_words words;
    int rc = analyze(l, q->text, 0, &words);
    if (rc != 0 || words.count == 0)
        return rc;
    lower_node *parts[LOWER_MAX_PHRASE_TERMS];
    for (size_t i = 0; i < words.count; i++) {
        parts[i] = new_node(l, LOWER_FUZZY, q, 1);
        if (!parts[i]) {
            free_nodes(parts, i);
            return COPS_ENOMEM;
        }
        memcpy(parts[i]->terms[0].text, words.terms[i], sizeof parts[i]->terms[0].text);
        parts[i]->field = q->field == QUERY_FIELD_TITLE ? LOWER_FIELD_TITLE
                                                        : LOWER_FIELD_BODY | LOWER_FIELD_TITLE;
        parts[i]->distance = q->distance;
        parts[i]->max_terms = LOWER_MAX_FUZZY_TERMS;
    }
    return join(l, LOWER_AND, q, parts, words.count, words.count, out);
}

/* SCALE of the boosted child (lower.h); dropped with it. */
static int lower_boost(lowering *l, const query_node *q, lower_node **out)
{
    if (q->child_count != 1)
        return error_set(l->err, COPS_EINVAL, "a boost takes one operand");
    lower_node *child = NULL;
    int rc = lower_node_of(l, q->children[0], &child);
    if (rc != 0 || !child)
        return rc;
    rc = join(l, LOWER_SCALE, q, &child, 1, 1, out);
    if (rc == 0)
        (*out)->weight = q->boost;
    return rc;
}

/* The children of `q` lowered into `parts` (room for all), dropped ones
 * left out; with `exclusions`, NOT children go to excluded[] instead. */
static int lower_children(lowering *l, const query_node *q, lower_node **parts, size_t *count,
                          lower_node **excluded, size_t *excluded_count)
{
    for (size_t i = 0; i < q->child_count; i++) {
        const query_node *child = q->children[i];
        int exclusion = excluded && child->kind == QUERY_NOT && child->child_count == 1;
        lower_node *m = NULL;
        int rc = lower_node_of(l, exclusion ? child->children[0] : child, &m);
        if (rc != 0)
            return rc;
        if (m && exclusion)
            excluded[(*excluded_count)++] = m;
        else if (m)
            parts[(*count)++] = m;
    }
    return 0;
}

static int lower_and(lowering *l, const query_node *q, lower_node **out)
{
    size_t n = q->child_count;
    lower_node **parts = calloc(2 * n + 1, sizeof *parts);
    if (!parts)
        return out_of_memory(l);
    lower_node **excluded = parts + n + 1;
    size_t required_count = 0, excluded_count = 0;
    int rc = lower_children(l, q, parts, &required_count, excluded, &excluded_count);
    if (rc == 0 && required_count == 0 && excluded_count > 0
        && !(parts[required_count++] = new_node(l, LOWER_ALL, q, 0)))
        rc = COPS_ENOMEM;
    if (rc == 0) {
        memmove(parts + required_count, excluded, excluded_count * sizeof *parts);
        rc = join(l, LOWER_AND, q, parts, required_count + excluded_count, required_count, out);
    } else {
        free_nodes(parts, required_count);
        free_nodes(excluded, excluded_count);
    }
    free(parts);
    return rc;
}

static int lower_or(lowering *l, const query_node *q, lower_node **out)
{
    lower_node **parts = calloc(q->child_count + 1, sizeof *parts);
    if (!parts)
        return out_of_memory(l);
    size_t count = 0;
    int rc = lower_children(l, q, parts, &count, NULL, NULL);
    if (rc == 0)
        rc = join(l, LOWER_OR, q, parts, count, 0, out);
    else
        free_nodes(parts, count);
    free(parts);
    return rc;
}

static int lower_and_maybe(lowering *l, const query_node *q, lower_node **out)
{
    if (q->child_count != 2)
        return lower_and(l, q, out);
    lower_node *pair[2] = {NULL, NULL};
    size_t count = 0;
    int rc = lower_children(l, q, pair, &count, NULL, NULL);
    if (rc != 0 || count < 2) {
        /* a dropped side leaves the other alone */
        if (rc == 0)
            *out = pair[0];
        else
            free_nodes(pair, count);
        return rc;
    }
    return join(l, LOWER_AND_MAYBE, q, pair, 2, 1, out);
}

/* NEAR in one field (a title: operand always in the title). */
static int near_in_field(lowering *l, const query_node *q, int field, lower_node **out)
{
    if (q->child_count > LOWER_MAX_PHRASE_TERMS)
        return error_set(l->err, COPS_ELIMIT, "NEAR takes at most %d operands",
                         LOWER_MAX_PHRASE_TERMS);
    lower_node *operands[LOWER_MAX_PHRASE_TERMS];
    size_t count = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < q->child_count; i++) {
        const query_node *child = q->children[i];
        lower_node *m = NULL;
        if (!child->text) {
            rc = lower_node_of(l, child, &m);
        } else {
            lower_words words;
            rc = analyze(l, child->text, 0, &words);
            int in = field == LOWER_FIELD_TITLE || child->field == QUERY_FIELD_TITLE
                         ? LOWER_FIELD_TITLE : LOWER_FIELD_BODY;
            if (rc == 0 && words.count > 0
                && !(m = words_node(l, child, &words, 0, words.count,
                                    child->kind == QUERY_PHRASE ? child->distance : 0, in)))
                rc = COPS_ENOMEM;
        }
        if (m)
            operands[count++] = m;
    }
    if (rc != 0) {
        free_nodes(operands, count);
        return rc;
    }
    rc = join(l, LOWER_NEAR, q, operands, count, 0, out);
    if (rc == 0 && *out && (*out)->kind == LOWER_NEAR)
        (*out)->distance = q->distance;
    return rc;
}

static int lower_near(lowering *l, const query_node *q, lower_node **out)
{
    lower_node *body = NULL, *title = NULL;
    int rc = 0;
    if (q->field != QUERY_FIELD_TITLE) {
        rc = near_in_field(l, q, LOWER_FIELD_BODY, &body);
        if (rc != 0 || !body)
            return rc; /* the title version drops with the body's */
    }
    rc = near_in_field(l, q, LOWER_FIELD_TITLE, &title);
    if (rc != 0 || !title) {
        free_node(body);
        *out = NULL;
        return rc;
    }
    return either_field(l, body, title, out);
}

/* A node without children or terms. */
static int leaf(lowering *l, lower_kind kind, const query_node *q, lower_node **out)
{
    *out = new_node(l, kind, q, 0);
    if (!*out)
        return COPS_ENOMEM;
    (*out)->date_from = q->date_from;
    (*out)->date_to = q->date_to;
    return 0;
}

/* A NOT outside an AND (the parser does not produce it, but lowering
 * stays total): every document without the child. */
static int lower_lone_not(lowering *l, const query_node *q, lower_node **out)
{
    if (q->child_count != 1)
        return error_set(l->err, COPS_EINVAL, "NOT takes one operand");
    lower_node *parts[2] = {NULL, NULL};
    int rc = lower_node_of(l, q->children[0], &parts[1]);
    if (rc == 0 && !(parts[0] = new_node(l, LOWER_ALL, q, 0)))
        rc = COPS_ENOMEM;
    if (rc != 0) {
        free_node(parts[1]);
        return rc;
    }
    return join(l, LOWER_AND, q, parts, parts[1] ? 2 : 1, 1, out);
}

/* *out: the plan of `q`, or NULL when it constrains nothing (dropped). */
static int lower_node_of(lowering *l, const query_node *q, lower_node **out)
{
    *out = NULL;
    switch (q->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
        return lower_text(l, q, out);
    case QUERY_PREFIX:
        return lower_prefix(l, q, out);
    case QUERY_DATE_RANGE:
        return leaf(l, LOWER_DATE, q, out);
    case QUERY_AND:
        return lower_and(l, q, out);
    case QUERY_OR:
        return lower_or(l, q, out);
    case QUERY_NOT:
        return lower_lone_not(l, q, out);
    case QUERY_AND_MAYBE:
        return lower_and_maybe(l, q, out);
    case QUERY_NEAR:
        return lower_near(l, q, out);
    case QUERY_ALL:
        return leaf(l, LOWER_ALL, q, out);
    case QUERY_FUZZY:
        return lower_fuzzy(l, q, out);
    case QUERY_BOOST:
        return lower_boost(l, q, out);
    }
    return error_set(l->err, COPS_EINVAL, "unknown query node kind %d", (int)q->kind);
}

lower_options lower_options_from(const cops_search_options *options)
{
    lower_options made = {options->title_weight, options->max_prefix_terms,
                          options->max_query_prefix_terms, 0, LOWER_EXACT_NONE};
    return made;
}

int lower_exact_forms_of(const analyzer_config *analysis)
{
    return !analysis->stem          ? LOWER_EXACT_PLAIN
           : analysis->exact_forms ? LOWER_EXACT_KEYS
                                   : LOWER_EXACT_NONE;
}

/* 1 when `q` is a word typed as =word (lower.h, "Exact forms"). */
static int exact_word(const query_node *q)
{
    return q->kind == QUERY_WORD && q->text[0] == '=' && q->text[1] != '\0';
}

/* The words of =word: its words as written, marked as the index marks them. */
static int analyze_exact(lowering *l, const query_node *q, lower_words *words)
{
    if (l->options->exact_forms == LOWER_EXACT_NONE)
        return error_set(l->err, COPS_EINVAL,
                         "'%s': this index does not hold the words as written (a native index "
                         "built with 'cops-index --exact-forms' does)", q->text);
    int rc = analyze(l, q->text + 1, ANALYZE_NO_STEM, words);
    for (size_t i = 0; rc == 0 && i < words->count && l->options->exact_forms == LOWER_EXACT_KEYS;
         i++) {
        memmove(words->terms[i] + 1, words->terms[i], strlen(words->terms[i]) + 1);
        words->terms[i][0] = LOWER_EXACT_MARK;
    }
    return rc;
}

static int stop_at_first_term(void *context, const analyzer_token *token)
{
    (void)context;
    (void)token;
    return 1;
}

/* 1 when `text` analyses to at least one term.  A letter or digit of
 * ASCII always makes one (the analyzer cuts a long word, never drops it:
 * analyzer.h), so only the rest, rare in a query, is analysed. */
static int has_term(analyzer *text_analyzer, const char *text)
{
    for (const char *c = text; *c; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
            return 1;
    int rc = analyzer_run(text_analyzer, text, strlen(text), 0, ANALYZE_NO_STEM,
                          stop_at_first_term, NULL, NULL, NULL);
    return rc < 0 ? rc : rc == 1;
}

/* 1 when `q` (under the top of the query) holds a word with a term or a
 * date; 0 with *first the first word without a term met; or an error. */
static int holds_something(analyzer *text_analyzer, const query_node *q,
                           const query_node **first)
{
    if (q->kind == QUERY_DATE_RANGE)
        return 1;
    if (q->text) {
        int rc = has_term(text_analyzer, q->text);
        if (rc == 0 && !*first)
            *first = q;
        return rc;
    }
    for (size_t i = 0; i < q->child_count; i++) {
        int rc = holds_something(text_analyzer, q->children[i], first);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int lower_check_searchable(analyzer *text_analyzer, const query_node *tree, cops_error *err)
{
    if (tree->kind == QUERY_ALL)
        return 0; /* `*` alone */
    const query_node *first = NULL;
    int rc = holds_something(text_analyzer, tree, &first);
    if (rc < 0)
        return error_set(err, rc, "analysis of the query failed");
    if (rc == 1 || !first)
        return 0;
    error_set(err, COPS_ESYNTAX, "nothing to search: '%s' has no letters or digits "
              "(punctuation and symbols are not indexed)", first->text);
    if (err)
        err->column = first->column;
    return COPS_ESYNTAX;
}

int lower_query(analyzer *text_analyzer, const query_node *tree, const lower_options *options,
                lower_plan **out, cops_error *err)
{
    *out = NULL;
    lowering l = {text_analyzer, options, err, 1.0};
    lower_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return out_of_memory(&l);
    plan->notes = &plan->found;
    plan->title_weight = options->title_weight;
    plan->max_query_prefix_terms = options->max_query_prefix_terms;
    int rc = lower_node_of(&l, tree, &plan->root);
    if (rc == 0 && !plan->root)
        rc = leaf(&l, LOWER_NOTHING, tree, &plan->root);
    if (rc != 0) {
        lower_plan_free(plan);
        return rc;
    }
    *out = plan;
    return 0;
}

void lower_note_cut(const lower_plan *plan, const lower_node *node, size_t found, int stopped)
{
    lower_cut *cut = node->kind == LOWER_PREFIX ? &plan->notes->prefix : &plan->notes->fuzzy;
    if (!cut->word)
        cut->word = node->source;
    if (cut->word == node->source && found > cut->found) {
        cut->found = found;
        cut->kept = node->max_terms;
        cut->stopped = stopped;
    }
}

void lower_plan_free(lower_plan *plan)
{
    if (!plan)
        return;
    free_node(plan->root);
    free(plan);
}

/* ------------------------------------------------------------- mapping */

#define LOWER_FEW_CHILDREN 8

void *lower_build(const lower_node *node, const lower_builder *builder, void *engine)
{
    if (node->child_count == 0)
        return builder->leaf(engine, node);
    /* most operators have few operands: no allocation for them */
    void *few[LOWER_FEW_CHILDREN];
    void **built = node->child_count <= LOWER_FEW_CHILDREN ? few
                                                           : malloc(node->child_count * sizeof *built);
    if (!built)
        return NULL;
    for (size_t i = 0; i < node->child_count; i++) {
        if (!(built[i] = lower_build(node->children[i], builder, engine))) {
            for (size_t k = 0; k < i; k++)
                builder->discard(built[k]);
            if (built != few)
                free(built);
            return NULL;
        }
    }
    void *result = builder->op(engine, node, built);
    if (built != few)
        free(built);
    return result;
}
