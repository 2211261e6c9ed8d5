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

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "query/parser.h"

#define SUGGEST_RARE_DF 3
#define SUGGEST_MIN_RATIO 20
#define SUGGEST_MAX_VISITS 200000
#define SUGGEST_MAX_WORDS 16   /* words of one query looked at */
#define SUGGEST_MAX_DISTANCE 2

/* The optimal-string-alignment (Damerau-Levenshtein) distance of the
 * bytes a and b when at most SUGGEST_MAX_DISTANCE, else
 * SUGGEST_MAX_DISTANCE + 1 (work bounded by the term length, and cut
 * short once every alignment is further).  Fuzzy words (lower.h) use it
 * too. */
size_t suggest_edit_distance(const uint8_t *a, size_t a_length, const uint8_t *b,
                             size_t b_length);

/* The dictionary buckets a word's neighbours are looked for in: the
 * terms starting with its first byte, and with its second when that
 * differs.  Writes them to buckets[] and returns how many (0 to 2). */
size_t suggest_buckets(const char *term, size_t length, char buckets[2]);

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
