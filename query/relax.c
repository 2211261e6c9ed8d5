/*
 * relax.c — plain words that match nothing together, relaxed to most of
 * them (relax.h).
 */
#include "config.h"

#include "query/relax.h"

#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/error.h"
#include "query/results.h"

/* 1 when `text` has no explicit operator: no word AND, OR, NOT, NEAR or
 * NEAR/n, and no word starting with '+' or '-' (the tree of "a AND b" is
 * that of "a b"). */
static int without_operators(const char *text)
{
    static const char *const operators[] = {"AND", "OR", "NOT", "NEAR"};
    while (*text) {
        size_t skip = strspn(text, " \t\r\n");
        text += skip;
        size_t length = strcspn(text, " \t\r\n");
        if (length == 0)
            break;
        if (text[0] == '+' || text[0] == '-')
            return 0;
        for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
            size_t op = strlen(operators[i]);
            if (length >= op && memcmp(text, operators[i], op) == 0
                && (length == op || text[op] == '/'))
                return 0;
        }
        text += length;
    }
    return 1;
}

/* n when `query` is an AND of n plain WORDs (relax.h), else 0. */
static size_t plain_word_count(const query_node *query)
{
    if (query->kind != QUERY_AND || query->child_count < 2 || query->child_count > RELAX_MAX_WORDS)
        return 0;
    for (size_t i = 0; i < query->child_count; i++) {
        const query_node *child = query->children[i];
        if (child->kind != QUERY_WORD || child->field != QUERY_FIELD_ANY || !child->text)
            return 0;
    }
    return query->child_count;
}

static query_node *word_copy(const query_node *word)
{
    query_node *copy = calloc(1, sizeof *copy);
    if (copy && !(copy->text = strdup(word->text))) {
        free(copy);
        return NULL;
    }
    if (copy) {
        copy->kind = QUERY_WORD;
        copy->column = word->column;
    }
    return copy;
}

/* An AND or OR node with room for `count` children (none yet). */
static query_node *operator_node(query_kind kind, size_t count)
{
    query_node *node = calloc(1, sizeof *node);
    if (node && !(node->children = calloc(count, sizeof *node->children))) {
        free(node);
        return NULL;
    }
    if (node)
        node->kind = kind;
    return node;
}

/* n choose k, or SIZE_MAX beyond `bound`. */
static size_t choose(size_t n, size_t k, size_t bound)
{
    size_t result = 1;
    for (size_t i = 1; i <= k; i++) {
        result = result * (n - k + i) / i; /* exact: a binomial at every step */
        if (result > bound)
            return SIZE_MAX;
    }
    return result;
}

/* The OR of the ANDs of every k of the words of `query` (k = 1: the OR
 * of the words).  NULL when out of memory. */
static query_node *subsets_query(const query_node *query, size_t k)
{
    size_t n = query->child_count;
    size_t subsets = k == 1 ? n : choose(n, k, QUERY_MAX_NODES);
    query_node *any = operator_node(QUERY_OR, subsets);
    if (!any)
        return NULL;
    size_t chosen[RELAX_MAX_WORDS];
    for (size_t i = 0; i < k; i++)
        chosen[i] = i;
    for (;;) {
        query_node *child = k == 1 ? word_copy(query->children[chosen[0]]) : operator_node(QUERY_AND, k);
        if (child)
            any->children[any->child_count++] = child;
        for (size_t i = 0; child && k > 1 && i < k; i++) {
            query_node *word = word_copy(query->children[chosen[i]]);
            if (word)
                child->children[child->child_count++] = word;
            else
                child = NULL;
        }
        if (!child) {
            query_free(any);
            return NULL;
        }
        /* the next k-subset in lexicographic order */
        size_t i = k;
        while (i > 0 && chosen[i - 1] == n - k + i - 1)
            i--;
        if (i == 0)
            return any;
        chosen[i - 1]++;
        for (size_t j = i; j < k; j++)
            chosen[j] = chosen[j - 1] + 1;
    }
}

/* The words of `query` as typed, joined by spaces; NULL when out of memory. */
static char *joined_words(const query_node *query)
{
    byte_buffer words = BUFFER_INIT;
    for (size_t i = 0; i < query->child_count; i++) {
        if (i)
            buffer_append_byte(&words, ' ');
        buffer_append(&words, query->children[i]->text, strlen(query->children[i]->text));
    }
    buffer_append_byte(&words, '\0');
    if (buffer_failed(&words)) {
        buffer_free(&words);
        return NULL;
    }
    return (char *)words.data;
}

int search_relaxing(cops_index *index, const char *query_text, const query_node *query,
                    const cops_search_options *options, cops_results *results,
                    search_function *search, cops_error *err)
{
    int rc = search(index, query, options, results, err);
    size_t n = plain_word_count(query);
    if (rc != 0 || !options->relax || results->total > 0 || n == 0
        || !(options->literal || without_operators(query_text)))
        return rc;
    for (size_t k = n - 1; k >= 1; k--) {
        size_t subsets = k > 1 ? choose(n, k, QUERY_MAX_NODES) : n;
        if (subsets == SIZE_MAX || subsets * (k + 1) + 1 > QUERY_MAX_NODES)
            k = 1; /* too many subsets: the words ORed */
        query_node *relaxed = subsets_query(query, k);
        if (!relaxed)
            return error_set(err, COPS_ENOMEM, "out of memory relaxing the query");
        results->total = 0;
        results->count = 0;
        results_clear_date_histogram(results);
        rc = search(index, relaxed, options, results, err);
        if (rc == 0 && results->total > 0) {
            if (!(results->relaxed_words = joined_words(query)))
                rc = error_set(err, COPS_ENOMEM, "out of memory relaxing the query");
            results->relaxed_required = k;
            results->relaxed_word_count = n;
            if (options->explain)
                results_set_tree(results, relaxed);
        }
        query_free(relaxed);
        if (rc != 0 || results->total > 0)
            break;
    }
    return rc;
}
