/*
 * stopwords.c — English function words in queries (stopwords.h).
 */
#include "config.h"

#include "query/stopwords.h"

#include <stdlib.h>
#include <string.h>

/* Sorted (strcmp) for bsearch. */
static const char *const stopword_list[] = {
    "a",     "about", "an",    "and",   "any",   "are",   "as",    "at",    "be",    "been",
    "by",    "can",   "do",    "does",  "for",   "from",  "has",   "have",  "how",   "if",
    "in",    "into",  "is",    "it",    "its",   "of",    "on",    "or",    "such",  "that",
    "the",   "their", "there", "these", "this",  "to",    "was",   "were",  "what",  "when",
    "where", "which", "who",   "why",   "will",  "with",
};

static int compare_word(const void *key, const void *entry)
{
    return strcmp(key, *(const char *const *)entry);
}

int stopword_listed(const char *term)
{
    return bsearch(term, stopword_list, sizeof stopword_list / sizeof stopword_list[0],
                   sizeof stopword_list[0], compare_word) != NULL;
}

typedef struct single_word {
    int count, listed;
} single_word;

static int check_word(void *context, const analyzer_token *token)
{
    single_word *w = context;
    w->count++;
    w->listed = stopword_listed(token->term);
    return w->count > 1; /* a second word: not a single stop word */
}

/* A text's words counted, and whether its first is listed (asked only
 * of a QUERY_WORD): one analysis where counting, then word_kind, took two
 * (~1.5k instructions of a three-word query). */
typedef struct word_tally {
    size_t count;
    int want_listed, first_listed;
} word_tally;

static int tally_word(void *context, const analyzer_token *token)
{
    word_tally *t = context;
    if (t->count++ == 0 && t->want_listed)
        t->first_listed = stopword_listed(token->term);
    return 0;
}

/* What `text` analyses to: 0 nothing, 1 one listed word, 2 anything else. */
static int word_kind(analyzer *a, const char *text)
{
    single_word w = {0, 0};
    int rc = analyzer_run(a, text, strlen(text), 0, ANALYZE_NO_STEM, check_word, &w, NULL, NULL);
    if (rc < 0)
        return 2;
    return w.count == 0 ? 0 : w.count == 1 && w.listed ? 1 : 2;
}

int stopword_node(analyzer *a, const query_node *node)
{
    return node->kind == QUERY_WORD && node->text && word_kind(a, node->text) == 1;
}

/* Counts the words of the tree's words, phrases and prefixes, and those
 * that are not a lone stop word. */
static void count_words(analyzer *a, const query_node *node, size_t *words, size_t *others)
{
    if (node->text && (node->kind == QUERY_PHRASE || node->kind == QUERY_PREFIX
                       || node->kind == QUERY_WORD || node->kind == QUERY_FUZZY)) {
        word_tally t = {0, node->kind == QUERY_WORD, 0};
        int rc = analyzer_run(a, node->text, strlen(node->text), 0, ANALYZE_NO_STEM, tally_word,
                              &t, NULL, NULL);
        *words += t.count;
        /* a lone stop word as word_kind says it (a failed analysis is not one) */
        if (t.count && !(rc >= 0 && t.count == 1 && t.first_listed))
            *others += t.count;
    }
    for (size_t i = 0; i < node->child_count; i++)
        count_words(a, node->children[i], words, others);
}

int stopwords_apply(analyzer *a, const char *language, const query_node *query,
                    const cops_search_options *options)
{
    if (options->stop_word_query_length == 0
        || (strcmp(language, "english") != 0 && strcmp(language, "none") != 0))
        return 0;
    size_t words = 0, others = 0;
    count_words(a, query, &words, &others);
    return others > 0 && words >= options->stop_word_query_length;
}
