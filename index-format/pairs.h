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

#include "index-format/layout.h"

#define SEGMENT_PAIR_KEY '\x03'

/* At most this many words in a pair list, each of at most
 * PAIR_WORD_MAX_BYTES bytes (the META line is bounded by both). */
#define PAIR_MAX_WORDS 64
#define PAIR_WORD_MAX_BYTES 15
#define PAIR_SLOTS 256 /* a power of two, four times PAIR_MAX_WORDS */

typedef struct pair_words {
    uint32_t count;
    uint8_t length[PAIR_MAX_WORDS];
    char word[PAIR_MAX_WORDS][PAIR_WORD_MAX_BYTES + 1];
    /* An open-addressing table of the words, each as its bytes packed
     * with its length into two words (pair_words_find): a build asks it
     * for every body token, so the lookup reads no byte twice and calls
     * nothing.  Slot s holds word number[s] (-1: empty). */
    uint64_t packed_low[PAIR_SLOTS], packed_high[PAIR_SLOTS];
    int8_t number[PAIR_SLOTS];
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

/* (pair_words_find's parts, inline: a build asks for every body token.)
 * term[0, length) (1 to PAIR_WORD_MAX_BYTES bytes) packed as two words:
 * its bytes in order from the low byte of *low on, the length in the top
 * byte of *high (which no byte reaches), so two terms are equal exactly
 * when their packings are.  The loads may overlap but never pass the
 * term's end: an overlapped byte lands on the same place twice. */
static inline void pair_words_pack(const char *term, size_t length, uint64_t *low, uint64_t *high)
{
    const uint8_t *p = (const uint8_t *)term;
    uint64_t lo, hi = 0;
    if (length >= 8) {
        lo = layout_get_u64(p);
        if (length > 8) /* bytes 8 to length - 1, from the last eight */
            hi = layout_get_u64(p + length - 8) >> (8 * (16 - length));
    } else if (length >= 4) {
        lo = (uint64_t)layout_get_u32(p) | (uint64_t)layout_get_u32(p + length - 4) << (8 * (length - 4));
    } else {
        lo = (uint64_t)p[0] | (uint64_t)p[length / 2] << (8 * (length / 2))
             | (uint64_t)p[length - 1] << (8 * (length - 1));
    }
    *low = lo;
    *high = hi | (uint64_t)length << 56;
}

_Static_assert(PAIR_WORD_MAX_BYTES <= 15, "pack: a word's bytes stay below the length's byte");
_Static_assert(PAIR_MAX_WORDS <= 127, "a slot's word number is an int8_t");
_Static_assert((PAIR_SLOTS & (PAIR_SLOTS - 1)) == 0 && PAIR_SLOTS > PAIR_MAX_WORDS,
               "slots are a power of two, never all taken, so a probe meets an empty one");

static inline unsigned pair_words_slot(uint64_t low, uint64_t high)
{
    return (unsigned)(((low ^ high * 0xC2B2AE3D27D4EB4Full) * 0x9E3779B97F4A7C15ull) >> 56)
           & (PAIR_SLOTS - 1);
}

/* The word's index in the list, or -1. */
static inline int pair_words_find(const pair_words *words, const char *term, size_t length)
{
    if (length == 0 || length > PAIR_WORD_MAX_BYTES)
        return -1;
    uint64_t low, high;
    pair_words_pack(term, length, &low, &high);
    for (unsigned s = pair_words_slot(low, high); words->packed_high[s] != 0;
         s = (s + 1) & (PAIR_SLOTS - 1))
        if (words->packed_low[s] == low && words->packed_high[s] == high)
            return words->number[s];
    return -1;
}

/* The pair key of words a and b of the list into `key` (room for
 * 2 + 2 * PAIR_WORD_MAX_BYTES bytes); its length. */
size_t pair_key_make(const pair_words *words, int a, int b, uint8_t *key);

/* Whether a key is a pair key (hidden from term walks). */
static inline int pair_key_is(const uint8_t *key, size_t length)
{
    return length > 0 && key[0] == (uint8_t)SEGMENT_PAIR_KEY;
}

#endif
