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
 * over bytes) of 2 of the term, of 1 when the term has 3 to 5 characters;
 * a term of 1 or 2 characters, or with a digit, gets none.  At most SUGGEST_MAX_WORDS words of a
 * query are looked at, and all of them together are compared with at
 * most SUGGEST_MAX_QUERY_COMPARISONS indexed words (every segment's
 * visits counted): a word whose scan would go past that gets no
 * suggestion, nor does any word after it.  A count, not a time, so what
 * is suggested depends only on the query and the index, and a query of
 * hundreds of rare words over buckets of 200,000 words (a stranger's
 * index) costs a bounded number of comparisons, not minutes.  The nearest wins, then the one in most
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

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/parser.h"

#define SUGGEST_RARE_DF 3
#define SUGGEST_MIN_RATIO 20
#define SUGGEST_MAX_VISITS 200000
#define SUGGEST_MAX_WORDS 16   /* rare words of one query looked at */
#define SUGGEST_MAX_QUERY_COMPARISONS 2000000
#define SUGGEST_MAX_DISTANCE 2
/* A term of fewer characters gets no suggestion; of fewer than
 * SUGGEST_TWO_EDITS_CHARS, one within a single edit; a term with a digit
 * none (a number is not misspelt). */
#define SUGGEST_ONE_EDIT_CHARS 3
#define SUGGEST_TWO_EDITS_CHARS 6

/* The optimal-string-alignment (Damerau-Levenshtein) distance of the
 * bytes a and b when at most SUGGEST_MAX_DISTANCE, else
 * SUGGEST_MAX_DISTANCE + 1 (work bounded by the term length, and cut
 * short once every alignment is further); so too when either is longer
 * than ANALYZER_MAX_TERM_BYTES.  Fuzzy words (lower.h) use it too. */
size_t suggest_edit_distance(const uint8_t *a, size_t a_length, const uint8_t *b,
                             size_t b_length);

/* The same distance from one term to many words, for a dictionary's
 * bucket walked in byte order: the table's rows are kept per byte of the
 * last word, so a word costs only the rows past the bytes it shares with
 * the word before, and a word beginning with bytes whose row is already
 * beyond SUGGEST_MAX_DISTANCE (every word sharing them is) costs none.
 * On wiki-dev a rare word's two buckets (20,000 words) cost 590
 * instructions a word compared afresh.  Words may come in any order; the
 * answers are suggest_edit_distance's.  A caller-owned value (4.5 kB),
 * nothing to free. */
typedef struct suggest_distance {
    uint8_t term[ANALYZER_MAX_TERM_BYTES];
    size_t term_length;      /* > ANALYZER_MAX_TERM_BYTES: every word is beyond */
    uint8_t word[ANALYZER_MAX_TERM_BYTES]; /* the bytes the rows are of */
    size_t rows_known;       /* rows[0 .. rows_known] hold word[0, rows_known) */
    int last_row_beyond;     /* rows[rows_known] is beyond everywhere */
    /* rows[i][j]: the distance of word[0, i) to term[0, j), within
     * SUGGEST_MAX_DISTANCE of the diagonal (and the cell either side) */
    uint8_t rows[ANALYZER_MAX_TERM_BYTES + 1][ANALYZER_MAX_TERM_BYTES + 2];
} suggest_distance;

/* Begin comparing words with term[0, term_length) (copied). */
void suggest_distance_begin(suggest_distance *d, const uint8_t *term, size_t term_length);

/* suggest_edit_distance(term, term_length, word, word_length). */
size_t suggest_distance_to(suggest_distance *d, const uint8_t *word, size_t word_length);

/* The dictionary buckets a word's neighbours are looked for in: the
 * terms starting with its first byte, and with its second when that
 * differs.  Writes them to buckets[] and returns how many (0 to 2). */
size_t suggest_buckets(const char *term, size_t length, char buckets[2]);

/* A query-wide budget of comparisons spent bucket by bucket (the fuzzy
 * words' too, query/fuzzy.h): the visits the scan of one bucket may make
 * when `spent` of `budget` are spent, at most SUGGEST_MAX_VISITS.  The
 * scan counts them down, a visit with none left stopping it (leaving
 * SIZE_MAX), so the budget is checked once per bucket, not per visit. */
static inline size_t suggest_bucket_limit(size_t spent, size_t budget)
{
    size_t left = spent < budget ? budget - spent : 0;
    return left < SUGGEST_MAX_VISITS ? left : SUGGEST_MAX_VISITS;
}

/* Adds to *spent the comparisons of a bucket's scan allowed `limit`
 * visits that left `left` of them; one stopped by the budget, not by
 * SUGGEST_MAX_VISITS, leaves *spent above `budget`. */
static inline void suggest_bucket_spend(size_t *spent, size_t budget, size_t limit, size_t left)
{
    if (left == SIZE_MAX && limit < SUGGEST_MAX_VISITS)
        *spent = budget + 1;
    else
        *spent += left == SIZE_MAX ? limit : limit - left;
}

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
