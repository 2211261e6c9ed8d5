/*
 * pairs.c — the pair keys' word list (pairs.h).
 */
#include "config.h"

#include "index-format/pairs.h"

#include <pthread.h>
#include <string.h>

/* The words whose adjacent pairs get keys: the body's commonest terms on
 * wiki-dev (documents containing them, 41,247 documents), as the English
 * stemmer leaves them, kept to the ones whose pairs paid their bytes
 * (FORMAT.md 10, 2026120901).  Changing the list changes only which
 * phrases count through keys: each segment records its own. */
static const char *const built_in_words[] = {
    "the", "in", "a", "of", "and", "is", "to", "was", "on", "at", "for", "as", "by", "with",
    "from", "an", "it", "that", "he", "also", "first", "which", "his", "after", "one", "were",
    "who", "this", "two", "has", "had", "are", "born", "be", "their", "but", "been", "dure",
    "new", "or", "they", "not", "time", "other", "may", "when", "all", "have", "where", "three",
    "into", "later", "year", "up", "made", "there", "over", "between", "while", "then",
};

/* A pair of the list's words a and b (0-based, the commonest first) has
 * its key when (a + 1)(b + 1) is at most this: each key saves about as
 * many position checks per phrase counted as its words are common, and
 * costs about as many bytes as the pair occurs; a phrase is asked about
 * as often as it occurs, so the pairs of the commonest words pay best.
 * On wiki-dev, 400 keeps 1,200 of the 3,304 pairs that occur (1.03 M of
 * their 1.37 M postings, 0.70 of their 1.07 MB) and 16 of the 17 two-word
 * bench phrases of listed words (FORMAT.md 10, 2026120901). */
#define PAIR_PRODUCT_LIMIT 400

int pair_words_keyed(int a, int b)
{
    return (a + 1) * (b + 1) <= PAIR_PRODUCT_LIMIT;
}

static int add_word(pair_words *words, const char *word, size_t length)
{
    if (length == 0 || length > PAIR_WORD_MAX_BYTES || words->count == PAIR_MAX_WORDS
        || pair_words_find(words, word, length) >= 0)
        return -1;
    for (size_t i = 0; i < length; i++)
        if (!((word[i] >= 'a' && word[i] <= 'z') || (word[i] >= '0' && word[i] <= '9')))
            return -1;
    uint32_t n = words->count++;
    memcpy(words->word[n], word, length);
    words->word[n][length] = '\0';
    words->length[n] = (uint8_t)length;
    uint64_t low, high;
    pair_words_pack(word, length, &low, &high);
    unsigned s = pair_words_slot(low, high);
    while (words->packed_high[s] != 0) /* (the length makes a word's nonzero) */
        s = (s + 1) & (PAIR_SLOTS - 1);
    words->packed_low[s] = low;
    words->packed_high[s] = high;
    words->number[s] = (int8_t)n;
    return 0;
}

static pair_words built_in;
static pthread_once_t built_in_once = PTHREAD_ONCE_INIT;

static void make_built_in(void)
{
    for (size_t i = 0; i < sizeof built_in_words / sizeof *built_in_words; i++)
        add_word(&built_in, built_in_words[i], strlen(built_in_words[i]));
}

const pair_words *pair_words_built_in(void)
{
    pthread_once(&built_in_once, make_built_in);
    return &built_in;
}

int pair_words_parse(const char *text, size_t length, pair_words *out)
{
    memset(out, 0, sizeof *out);
    size_t start = 0;
    for (size_t i = 0; i <= length; i++)
        if (i == length || text[i] == ' ') {
            if (add_word(out, text + start, i - start) != 0)
                return -1;
            start = i + 1;
        }
    return 0;
}

size_t pair_words_format(const pair_words *words, char *out)
{
    size_t at = 0;
    for (uint32_t i = 0; i < words->count; i++) {
        if (i > 0)
            out[at++] = ' ';
        memcpy(out + at, words->word[i], words->length[i]);
        at += words->length[i];
    }
    return at;
}

size_t pair_key_make(const pair_words *words, int a, int b, uint8_t *key)
{
    size_t at = 0;
    key[at++] = (uint8_t)SEGMENT_PAIR_KEY;
    memcpy(key + at, words->word[a], words->length[a]);
    at += words->length[a];
    key[at++] = ' ';
    memcpy(key + at, words->word[b], words->length[b]);
    return at + words->length[b];
}
