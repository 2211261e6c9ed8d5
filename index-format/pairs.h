/*
 * pairs.h — the documents-only keys of adjacent common words (FORMAT.md
 * 3.4, "Pair keys").
 *
 * A two-word phrase of very common words ("in the") has tens of thousands
 * of candidate documents whose positions must all be read to count it.
 * A segment therefore also holds, for pairs of words of its pair list
 * (META pair_words) that stand at positions p and p + 1 of a document's
 * body, the key SEGMENT_PAIR_KEY, the first word, a space and the second
 * (no term holds a space or begins with that byte), with each such
 * document once, tf 1, position 0: its documents are exactly the body
 * phrase's matches.  A count of the body phrase is then that key's live
 * documents; a longer body phrase, or one whose score is asked, joins its
 * pairs' keys to its words' documents before reading positions.  The
 * keys are the build's own and every merge re-analyses the stored text,
 * so they follow updates, deletions and merges.  The
 * writer keys only some pairs of its list (pair_words_keyed): a query
 * asks the segment's own list and then the key, and where the key is
 * absent reads the positions (query/plan.h plan_pair_key).  They are
 * hidden from the user: META's terms and postings leave them out, and
 * nothing that walks keys by a word's first byte can reach them.
 */
#ifndef COPS_INDEX_FORMAT_PAIRS_H
#define COPS_INDEX_FORMAT_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#define SEGMENT_PAIR_KEY '\x03'

/* At most this many words in a pair list, each of at most
 * PAIR_WORD_MAX_BYTES bytes (the META line is bounded by both). */
#define PAIR_MAX_WORDS 64
#define PAIR_WORD_MAX_BYTES 15

typedef struct pair_words {
    uint32_t count;
    uint8_t length[PAIR_MAX_WORDS];
    char word[PAIR_MAX_WORDS][PAIR_WORD_MAX_BYTES + 1];
    int16_t slot[256];      /* a hash of (length, first byte, last byte) -> word + 1, 0 = none */
} pair_words;

/* The list a build writes (pairs.c says how it was chosen). */
const pair_words *pair_words_built_in(void);

/* Parse a META pair_words value (words separated by single spaces) into
 * `out`: 0, or -1 when it is not a valid list (too many or too long
 * words, an empty word, a byte that is not a lower-case ASCII letter or
 * digit, a word twice). */
int pair_words_parse(const char *text, size_t length, pair_words *out);

/* The list as a META value into `out` (room for PAIR_MAX_WORDS *
 * (PAIR_WORD_MAX_BYTES + 1) bytes); its length. */
size_t pair_words_format(const pair_words *words, char *out);

/* Whether a build writes the key of the pair of the built-in list's
 * words a and b (pairs.c says which). */
int pair_words_keyed(int a, int b);

/* The word's index in the list, or -1. */
int pair_words_find(const pair_words *words, const char *term, size_t length);

/* The pair key of words a and b of the list into `key` (room for
 * 2 + 2 * PAIR_WORD_MAX_BYTES bytes); its length. */
size_t pair_key_make(const pair_words *words, int a, int b, uint8_t *key);

/* Whether a key is a pair key (hidden from term walks). */
static inline int pair_key_is(const uint8_t *key, size_t length)
{
    return length > 0 && key[0] == (uint8_t)SEGMENT_PAIR_KEY;
}

#endif
