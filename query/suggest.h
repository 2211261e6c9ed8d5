/*
 * suggest.h — "did you mean": for a query word the native index lacks or
 * barely has, the likeliest indexed word.
 *
 * A word (a WORD leaf outside NOT that analyses to one term) is looked at
 * when fewer than SUGGEST_RARE_DF documents have its term.  Candidates are
 * the dictionary's body terms that start with the term's first letter or
 * with its second (so a letter added or swapped at the front is still
 * found; a wrong first letter is not), at most SUGGEST_MAX_VISITS of
 * each, within a Damerau-Levenshtein distance (optimal string alignment,
 * over bytes) of 2 of the term.  The nearest wins, then the one in most
 * documents, which must be at least SUGGEST_MIN_RATIO times as many as
 * the word's own.  The suggestion is shown as a word, not a stem: the
 * candidate with the word's ending after its stem, when that analyses to
 * the candidate ("cittes" -> stem "citt" -> "citi" -> "cities"), else the
 * candidate as indexed.
 */
#ifndef COPS_QUERY_SUGGEST_H
#define COPS_QUERY_SUGGEST_H

#include "cops.h"
#include "query/parser.h"

#define SUGGEST_RARE_DF 3
#define SUGGEST_MIN_RATIO 20
#define SUGGEST_MAX_VISITS 200000
#define SUGGEST_MAX_WORDS 16   /* words of one query looked at */

typedef struct suggestion {
    char *word;              /* as typed */
    char *suggested;
} suggestion;

/* Suggestions for the words of `query` over the native `index`: *out
 * (OUT, malloc'd, free with suggestions_free) and *count.  Returns 0,
 * COPS_ENOMEM, or COPS_ECORRUPT for a damaged dictionary. */
int suggest_words(cops_index *index, const query_node *query, suggestion **out, size_t *count,
                  cops_error *err);
void suggestions_free(suggestion *list, size_t count);

#endif
