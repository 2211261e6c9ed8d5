/*
 * analyzer.h — text analysis shared by indexing, querying and snippets.
 *
 * Turns UTF-8 text into terms with positions and source byte ranges:
 *   1. UTF-8 decoding that survives invalid bytes (each invalid sequence is
 *      a word separator, counted, and the first one's offset reported).
 *      One invalid sequence is: a byte that cannot start a character, a
 *      lead byte with its continuation bytes missing (together with those
 *      present), or a complete overlong, surrogate or > U+10FFFF encoding;
 *   2. word splitting on Unicode categories: letters, marks and digits of
 *      every script form words; an apostrophe (' or U+2019) between two
 *      letters stays inside the word; '.' or ',' between two digits stays
 *      inside a number (3.14, 3,5), but commas grouping thousands (one to
 *      three digits, then each comma before three: 1,000, 1,234,567.89)
 *      are left out of its term (1000, 1234567.89); a zero-width space
 *      between two letters of scripts that space their words (below
 *      U+0E00, Latin and Greek extended) is inside the word, as a soft
 *      hyphen is (a web page's inter<ZWSP>national), elsewhere (Thai,
 *      Khmer ...) a boundary; a hyphen (- U+2010 U+2011) between
 *      two word characters splits the word into parts at consecutive
 *      positions (community-oriented -> community, oriented); each Han,
 *      Hiragana or Katakana code point is a word of its own;
 *      an acronym, two or more single letters each directly followed by
 *      a period (the last one optional when all are ASCII capitals: U.S.A)
 *      and no word character after the last one (U.S.A., e.g., J.R.R.),
 *      is one word of its letters (usa, eg, jrr) at one
 *      position, its token spanning the periods; so is a run of parts of
 *      one or two ASCII letters (a two-letter one capitalised), one of
 *      one letter at least, each with its period (Ph.D., M.Sc., LL.B.:
 *      phd, msc, llb); "J. R. R." (spaces), "Ph.D" (its last period
 *      missing), "co.uk." (no single letter) and "io.h." (a file name
 *      ending a sentence) are not acronyms: j, r, r; ph, d; co, uk; io, h;
 *      with ANALYZE_JOINED, a hyphenated compound of 2 to
 *      ANALYZER_MAX_JOINED_PARTS parts made of letters (e-mail,
 *      well-known, not 1990-1995 nor A-1 nor anti-U.S., a part of
 *      which begins an acronym) also yields its parts joined
 *      (email, wellknown) as an extra token (analyzer_token.joined) at
 *      the first part's position, spanning the whole compound; a hyphen
 *      ending a line (blanks around the line break allowed) whose next
 *      line goes on in lower case is such a hyphen (infor-\nmation:
 *      infor, mation and the joined information), not one before an
 *      upper-case letter ("as follows-\nThe");
 *   3. NFKC normalisation, case folding and diacritic removal (café ->
 *      cafe, ﬁ -> fi, Ｆ -> f), U+2019 folded to '; diacritics are the
 *      generic combining marks (U+0300-036F and kin), so Indic vowel signs
 *      and kana voicing marks survive; default-ignorable characters (soft
 *      hyphen, joiners) are dropped and keep the word whole;
 *   4. Snowball stemming through libstemmer (unless disabled);
 *   5. a bound on term length: a term longer than ANALYZER_MAX_TERM_BYTES
 *      after normalisation is cut at a character boundary and counted.
 *      Only the start of a long word is normalised (at most 4 kB of it),
 *      so the scratch space stays bounded; its token still spans the whole
 *      source word.
 *
 * The configuration is recorded in the index, so queries are analysed
 * exactly as the documents were.
 *
 * Thread safety: an analyzer may be shared by threads.  A run works with
 * a libstemmer stemmer, a stem cache and scratch buffers that only it
 * uses: the analyzer keeps the idle ones and makes another when every one
 * is in use by another thread (so it holds as many as there were
 * concurrent runs, until analyzer_free).
 */
#ifndef COPS_ANALYSIS_ANALYZER_H
#define COPS_ANALYSIS_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"

#define ANALYZER_MAX_TERM_BYTES 64
#define ANALYZER_LANGUAGE_MAX 32

typedef struct analyzer_config {
    char language[ANALYZER_LANGUAGE_MAX]; /* libstemmer algorithm, e.g. "english" */
    int stem;                             /* 1 = stem, 0 = normalised words only */
    int exact_forms;                      /* 1 = the index also holds each word as
                                           * written (cops-index --exact-forms);
                                           * recorded, not used by the analyzer */
} analyzer_config;

/* Defaults: english, stemming on. */
void analyzer_config_init(analyzer_config *config);

typedef struct analyzer analyzer;

/* Create an analyzer; free it with analyzer_free().  Fails with
 * COPS_EINVAL naming the available algorithms when `config->language` is
 * not a libstemmer algorithm (only checked when stem is 1). */
int analyzer_new(const analyzer_config *config, analyzer **out, cops_error *err);
void analyzer_free(analyzer *analyzer);

typedef struct analyzer_token {
    const char *term;    /* NUL-terminated term; borrowed, valid only during the emit call */
    size_t term_length;  /* bytes, <= ANALYZER_MAX_TERM_BYTES */
    const char *form;    /* the word normalised but not stemmed; NUL-terminated, borrowed
                          * like term; the same pointer as term when the word is its own
                          * term (not stemming, or the stem is the word), a different one
                          * otherwise, so a pointer comparison tells them apart */
    size_t form_length;
    int form_seen;       /* 1: this analyzer emitted a token of this same word (so the
                          * same form and term) before, in this run or an earlier one.
                          * 0 says nothing (a word met again after the stem cache
                          * forgot it is 0 again); always 0 for words not stemmed.
                          * Lets a caller collecting the distinct (form, term) pairs of
                          * everything an analyzer emits skip the repeats. */
    int joined;          /* 1: the joined form of a hyphenated compound (ANALYZE_JOINED),
                          * at its first part's position, right after that part's token;
                          * not a word of its own: it takes no position and no count */
    uint32_t position;   /* word position in the document */
    size_t start;        /* byte range [start, end) of the source word in the input */
    size_t end;
} analyzer_token;

typedef struct analyzer_counts {
    uint64_t tokens;            /* words (positions) emitted; joined tokens not counted */
    uint64_t invalid_sequences; /* invalid UTF-8 sequences met */
    size_t first_invalid_offset;/* byte offset of the first one (SIZE_MAX if none) */
    uint64_t long_tokens;       /* terms cut to ANALYZER_MAX_TERM_BYTES */
} analyzer_counts;

/* Flags for analyzer_run (and analyzer_run_stemming). */
enum {
    ANALYZE_NO_STEM = 1,     /* normalise but do not stem (prefix queries) */
    ANALYZE_STEMMED_ONLY = 2, /* analyzer_run_stemming: emit only the words whose first byte
                               * stem_first marks; a word of ASCII bytes whose first byte
                               * (lower-cased) it does not mark takes its position, and
                               * its count in analyzer_counts, but is not emitted */
    ANALYZE_JOINED = 4        /* also emit the joined form of each hyphenated compound
                               * (analyzer_token.joined): what the index holds, so the
                               * indexer, snippets and the query lowering ask for it */
};

/* A hyphenated compound of more parts (state-of-the-art-ish chains,
 * lists) gets no joined token: it is not one word. */
#define ANALYZER_MAX_JOINED_PARTS 4

/* Initialise counts to zero (first_invalid_offset = SIZE_MAX). */
void analyzer_counts_init(analyzer_counts *counts);

/* Analyse text[0, length) (need not be NUL-terminated), numbering words
 * from `first_position`.  `emit` is called for each term in order; it
 * returns 0 to continue, non-zero to stop, and that value is then returned
 * by analyzer_run.  `counts` (IN/OUT, may be NULL) is added to.
 * `next_position` (OUT, may be NULL) receives the position after the last
 * word.  Returns 0, the non-zero value of emit, or COPS_ENOMEM.  Never
 * allocates per token: scratch space lives in the analyzer. */
int analyzer_run(analyzer *analyzer, const char *text, size_t length, uint32_t first_position,
                 int flags, int (*emit)(void *context, const analyzer_token *token),
                 void *context, analyzer_counts *counts, uint32_t *next_position);

/* Which words analyzer_run_stemming stems, by the first two bytes of
 * their normalised form (before stemming).  Fill a zeroed filter with
 * analyzer_stem_filter_add. */
typedef struct analyzer_stem_filter {
    unsigned char first[256];      /* 1: some words of this first byte are stemmed */
    uint64_t second[256];          /* bit b % 64 of second[a]: the words beginning "ab" are
                                    * (with others: a word stemmed for nothing costs time,
                                    * not a match; 2 KiB to clear per query, not 8) */
} analyzer_stem_filter;

/* Mark the words whose stems may begin as term[0, length) does, with a
 * stemmer that keeps its words' starts (analyzer_stem_keeps_start): the
 * words of the same first byte, then of the same second byte, or 'y'
 * where it is 'i' (dying -> die); every word of that first byte when the
 * term is one byte long. */
void analyzer_stem_filter_add(analyzer_stem_filter *filter, const char *term, size_t length);

/* 1 when `filter` marks the normalised word term[0, length). */
static inline int analyzer_stem_filter_marks(const analyzer_stem_filter *filter,
                                             const uint8_t *term, size_t length)
{
    return filter->first[term[0]]
           && (length < 2 || (filter->second[term[0]] >> (term[1] & 63) & 1));
}

/* analyzer_run with no counts, but a word is stemmed only when `filter`
 * marks it (analyzer_stem_filter_marks); the other words are emitted as
 * their normalised form (term == form), or with ANALYZE_STEMMED_ONLY
 * not at all where they are ASCII (ANALYZE_STEMMED_ONLY and
 * ANALYZE_JOINED are the flags taken).  Where
 * analyzer_stem_keeps_start is 1, a caller that only looks for given
 * terms (snippets) marks them and finds exactly what analyzer_run would
 * find, without stemming the other words: stemming is most of the cost
 * of analysing a text (a word is ~2,400 instructions through the english
 * stemmer); and a caller that looks for no word as written (snippets
 * without =word) needs no other word: on wiki-dev nine words of ten, a
 * term and a call each. */
int analyzer_run_stemming(analyzer *analyzer, const char *text, size_t length,
                          uint32_t first_position, const analyzer_stem_filter *filter,
                          int flags, int (*emit)(void *context, const analyzer_token *token),
                          void *context, uint32_t *next_position);

/* 1 when every stem this analyzer makes is empty, or begins with the
 * same byte as its word and then (when both have a second byte) with
 * the same second byte or with 'i' for its 'y' (the suffix-stripping
 * "english" and "porter" stemmers); 0 for the other languages and
 * without stemming. */
int analyzer_stem_keeps_start(const analyzer *analyzer);

/* The NULL-terminated list of libstemmer algorithm names (static). */
const char **analyzer_languages(void);

/* 1 when an analyzer_config with this `stem` and `language` is one
 * analyzer_new accepts and a build records: "none" without stemming, a
 * listed stemmer with it.  The index checker asks this of a segment's
 * META. */
int analyzer_config_known(int stem, const char *language);

/* 0 when `language` is a listed stemmer name, else COPS_EINVAL naming
 * the listed ones.  libstemmer also takes aliases ("en", "eng"), which a
 * build must not record: the checker calls such an index damaged, and
 * an update asking for "english" would find it analysed otherwise. */
int analyzer_language_check(const char *language, cops_error *err);

#endif
