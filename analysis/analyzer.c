#include "config.h"

#include "analysis/analyzer.h"

#include "base/error.h"
#include "base/short-bytes.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* What a code point is to the word splitter. */
enum char_class {
    CLASS_SEPARATOR = 0,
    CLASS_LETTER,      /* L*: starts and continues words */
    CLASS_DIGIT,       /* N*: starts and continues words */
    CLASS_MARK,        /* M*: continues a word, never starts one */
    CLASS_APOSTROPHE,  /* ' or U+2019: kept between two letters */
    CLASS_NUMBER_JOIN, /* . or ,: kept between two digits */
    CLASS_FORMAT,      /* Cf (soft hyphen, ZWJ...): kept between two word characters */
    CLASS_IDEOGRAPH    /* Han, Hiragana, Katakana: a one-character word */
};

/* Hyphens (- U+2010 U+2011) need no class of their own: positions are
 * consecutive whatever separates two words, so treating a hyphen as a
 * separator is exactly "split into parts at consecutive positions". */

#define CLASS_WORD_START(c) ((c) == CLASS_LETTER || (c) == CLASS_DIGIT)
#define CLASS_WORD_CONTINUE(c) ((c) == CLASS_LETTER || (c) == CLASS_DIGIT || (c) == CLASS_MARK)

static const unsigned char ascii_class[128] = {
    ['\''] = CLASS_APOSTROPHE,
    ['.'] = CLASS_NUMBER_JOIN,
    [','] = CLASS_NUMBER_JOIN,
    ['0'] = CLASS_DIGIT, ['1'] = CLASS_DIGIT, ['2'] = CLASS_DIGIT, ['3'] = CLASS_DIGIT,
    ['4'] = CLASS_DIGIT, ['5'] = CLASS_DIGIT, ['6'] = CLASS_DIGIT, ['7'] = CLASS_DIGIT,
    ['8'] = CLASS_DIGIT, ['9'] = CLASS_DIGIT,
    ['A'] = CLASS_LETTER, ['B'] = CLASS_LETTER, ['C'] = CLASS_LETTER, ['D'] = CLASS_LETTER,
    ['E'] = CLASS_LETTER, ['F'] = CLASS_LETTER, ['G'] = CLASS_LETTER, ['H'] = CLASS_LETTER,
    ['I'] = CLASS_LETTER, ['J'] = CLASS_LETTER, ['K'] = CLASS_LETTER, ['L'] = CLASS_LETTER,
    ['M'] = CLASS_LETTER, ['N'] = CLASS_LETTER, ['O'] = CLASS_LETTER, ['P'] = CLASS_LETTER,
    ['Q'] = CLASS_LETTER, ['R'] = CLASS_LETTER, ['S'] = CLASS_LETTER, ['T'] = CLASS_LETTER,
    ['U'] = CLASS_LETTER, ['V'] = CLASS_LETTER, ['W'] = CLASS_LETTER, ['X'] = CLASS_LETTER,
    ['Y'] = CLASS_LETTER, ['Z'] = CLASS_LETTER,
    ['a'] = CLASS_LETTER, ['b'] = CLASS_LETTER, ['c'] = CLASS_LETTER, ['d'] = CLASS_LETTER,
    ['e'] = CLASS_LETTER, ['f'] = CLASS_LETTER, ['g'] = CLASS_LETTER, ['h'] = CLASS_LETTER,
    ['i'] = CLASS_LETTER, ['j'] = CLASS_LETTER, ['k'] = CLASS_LETTER, ['l'] = CLASS_LETTER,
    ['m'] = CLASS_LETTER, ['n'] = CLASS_LETTER, ['o'] = CLASS_LETTER, ['p'] = CLASS_LETTER,
    ['q'] = CLASS_LETTER, ['r'] = CLASS_LETTER, ['s'] = CLASS_LETTER, ['t'] = CLASS_LETTER,
    ['u'] = CLASS_LETTER, ['v'] = CLASS_LETTER, ['w'] = CLASS_LETTER, ['x'] = CLASS_LETTER,
    ['y'] = CLASS_LETTER, ['z'] = CLASS_LETTER,
};

/* Normalisation of a long word stops reading the source once it has
 * enough output; the source window starts here and doubles. */
#define NORMALIZE_WINDOW_INITIAL 256
/* Past this many source bytes the window stops growing even if the output
 * is still short: only a flood of stripped marks or ignorable characters
 * can get there (stream-safe text, UAX #15, has at most 30 non-starters
 * in a row), and such a word is cut and counted as a long token. */
#define NORMALIZE_WINDOW_MAX 4096
/* The most source bytes an acronym's letters or a compound's parts may
 * take (a longer one is no acronym, nor is any tail of its run, or gets
 * no joined term): bounded
 * scratch, and far past any real word (terms are cut at 64 bytes). */
#define JOINED_MAX_SOURCE_BYTES 256
/* Code points of scratch allocated up front, enough for most words. */
#define SCRATCH_INITIAL 1024

_Static_assert(ANALYZER_MAX_TERM_BYTES % 8 == 0, "analyzer_fold_ascii writes whole windows");

/* Snowball stemming costs several times the rest of the analysis, while
 * word frequencies are so skewed that a table of recent stems answers
 * most words.  Direct-mapped: a colliding word replaces the entry.  32768
 * entries (4 MB, touched as used) took 0.8 s of CPU off indexing wiki-dev
 * against 4096; 65536 gained nothing more.  The table starts small and
 * grows eightfold after each STEM_CACHE_GROW_MISSES misses, so an
 * analyzer that stems a few thousand words (a query and its snippets)
 * does not pay a page fault per word in a 4 MB table: on wiki-dev that
 * was 1.8 ms of a 3.2 ms one-shot query with snippets.  A grown table
 * keeps the stems it had: emptied, and growing only after four times its
 * size in misses, it stemmed 89 % more words indexing 510 BBC articles
 * (callgrind: +9.5 % instructions for the whole build).  It starts at
 * 64 entries (8 KiB), growing after four times its size in misses (at
 * most STEM_CACHE_GROW_MISSES): a one-shot query with snippets stems a
 * few hundred words, and clearing a first table of 512 entries was
 * 68,000 instructions and 17 page faults of it; a query whose feedback
 * stems thousands (a relaxed AND on wiki-dev) costs 1 % more. */
#define STEM_CACHE_SLOTS 32768
#define STEM_CACHE_FIRST_SLOTS 64
#define STEM_CACHE_GROW_MISSES 2048

typedef struct stem_cache_entry {
    uint8_t word_length; /* 0 = empty slot */
    uint8_t stem_length;
    uint8_t stem_is_word; /* the stem equals the word: nothing to copy on a hit */
    uint8_t emitted;      /* a token of this word was emitted (analyzer_token.form_seen) */
    uint8_t word[ANALYZER_MAX_TERM_BYTES];
    uint8_t stem[ANALYZER_MAX_TERM_BYTES];
} stem_cache_entry;

_Static_assert(ANALYZER_MAX_TERM_BYTES <= UINT8_MAX, "stem cache lengths are bytes");
_Static_assert((STEM_CACHE_SLOTS & (STEM_CACHE_SLOTS - 1)) == 0, "slots are a power of two");
_Static_assert((STEM_CACHE_FIRST_SLOTS & (STEM_CACHE_FIRST_SLOTS - 1)) == 0,
               "slots are a power of two");
_Static_assert(STEM_CACHE_SLOTS / STEM_CACHE_FIRST_SLOTS == 8 * 8 * 8,
               "growing eightfold reaches STEM_CACHE_SLOTS exactly");

/* What one analyzer_run works with: the stemmer and the buffers.  An
 * analyzer keeps the idle ones; a run borrows one (making another when
 * every one is in use by another thread) and gives it back. */
typedef struct analyzer_worker analyzer_worker;
struct analyzer_worker {
    analyzer_worker *next_idle;
    struct sb_stemmer *stemmer; /* NULL when stemming is off */
    stem_cache_entry *stem_cache; /* stem_slots entries when stemming */
    size_t stem_slots;            /* STEM_CACHE_FIRST_SLOTS .. STEM_CACHE_SLOTS */
    size_t stem_misses;           /* since the table last grew */
    utf8proc_int32_t *scratch;  /* decomposed code points of the word being normalised */
    size_t scratch_capacity;
    /* The term being built; room for one more encoded character than the
     * bound so encoding never checks for space before writing. */
    uint8_t term[ANALYZER_MAX_TERM_BYTES + 4 + 1];
    uint8_t form[ANALYZER_MAX_TERM_BYTES + 1]; /* the term before stemming */
    /* The letters of an acronym or the parts of a compound, without their
     * periods or hyphens: the word a joined term is made of. */
    uint8_t joined[JOINED_MAX_SOURCE_BYTES];
    /* The term of a compound's first part, which its joined term must
     * differ from (book-s: books stems to book, already at that position). */
    uint8_t first_term[ANALYZER_MAX_TERM_BYTES + 1];
    size_t first_term_length;
};

struct analyzer {
    analyzer_config config;
    pthread_mutex_t lock; /* guards idle */
    analyzer_worker *idle;
};

/* One analyzer_run: the input, the callback and the running figures. */
typedef struct analyzer_pass {
    analyzer_worker *analyzer;
    const uint8_t *text;
    size_t length;
    int stem;
    const analyzer_stem_filter *filter; /* NULL, or which words to stem */
    int stemmed_only;        /* ANALYZE_STEMMED_ONLY: ASCII words the filter does not mark
                              * take their positions only */
    int joined;              /* ANALYZE_JOINED: compounds' joined tokens wanted */
    size_t word_end;         /* where the last word ended (SIZE_MAX: none yet) */
    size_t long_run_end;     /* the end of the last run of letters and periods too long for
                              * an acronym, or of two-letter parts only (Ph.Ph.Ph.), which
                              * no part of starts one either (0: none): no letter before it
                              * starts one, else each letter of a.a.a.a... would rescan
                              * the run */
    int (*emit)(void *context, const analyzer_token *token);
    void *context;
    uint32_t position;
    uint64_t tokens;
    uint64_t invalid_sequences;
    size_t first_invalid_offset;
    uint64_t long_tokens;
} analyzer_pass;

/* Properties of a word found by the splitter, deciding how it is turned
 * into a term. */
enum {
    WORD_NON_ASCII = 1 << 0, /* needs Unicode normalisation */
    WORD_NO_STEM = 1 << 1,   /* has digits or is an ideograph */
    WORD_GROUPED = 1 << 2    /* has a ',' between two digits (1,000) */
};

void analyzer_config_init(analyzer_config *config)
{
    memset(config, 0, sizeof *config);
    strcpy(config->language, "english");
    config->stem = 1;
}

void analyzer_counts_init(analyzer_counts *counts)
{
    counts->tokens = 0;
    counts->invalid_sequences = 0;
    counts->first_invalid_offset = SIZE_MAX;
    counts->long_tokens = 0;
}

const char **analyzer_languages(void)
{
    return sb_stemmer_list();
}

static int analyzer_language_listed(const char *language)
{
    for (const char **name = sb_stemmer_list(); *name; name++)
        if (strcmp(*name, language) == 0)
            return 1;
    return 0;
}

int analyzer_config_known(int stem, const char *language)
{
    return stem ? analyzer_language_listed(language) : strcmp(language, "none") == 0;
}

static int analyzer_unknown_language(const char *language, cops_error *err)
{
    char names[COPS_ERROR_MESSAGE_MAX];
    size_t used = 0;

    names[0] = '\0';
    for (const char **name = sb_stemmer_list(); *name; name++) {
        size_t name_length = strlen(*name);
        if (used + name_length + 3 > sizeof names)
            break;
        if (used > 0) {
            memcpy(names + used, ", ", 2);
            used += 2;
        }
        memcpy(names + used, *name, name_length + 1);
        used += name_length;
    }
    return error_set(err, COPS_EINVAL, "unknown stemming language '%.*s' (available: %.*s)",
                     ANALYZER_LANGUAGE_MAX, language, 400, names);
}

int analyzer_language_check(const char *language, cops_error *err)
{
    return analyzer_language_listed(language) ? 0 : analyzer_unknown_language(language, err);
}

static void worker_free(analyzer_worker *worker)
{
    if (!worker)
        return;
    sb_stemmer_delete(worker->stemmer);
    free(worker->stem_cache);
    free(worker->scratch);
    free(worker);
}

/* A worker for `config` (checked by analyzer_new). */
static int worker_new(const analyzer_config *config, analyzer_worker **out, cops_error *err)
{
    *out = NULL;
    analyzer_worker *created = calloc(1, sizeof *created);
    if (!created)
        return error_set(err, COPS_ENOMEM, "out of memory creating the text analyzer");
    created->scratch = malloc(SCRATCH_INITIAL * sizeof *created->scratch);
    if (!created->scratch) {
        worker_free(created);
        return error_set(err, COPS_ENOMEM, "out of memory creating the text analyzer");
    }
    created->scratch_capacity = SCRATCH_INITIAL;

    if (config->stem) {
        created->stem_slots = STEM_CACHE_FIRST_SLOTS;
        created->stem_cache = calloc(created->stem_slots, sizeof *created->stem_cache);
        if (!created->stem_cache) {
            worker_free(created);
            return error_set(err, COPS_ENOMEM, "out of memory creating the text analyzer");
        }
        created->stemmer = sb_stemmer_new(config->language, "UTF_8");
        if (!created->stemmer) {
            /* libstemmer returns NULL both for an unknown name and for
             * lack of memory; the list tells them apart. */
            int listed = analyzer_language_listed(config->language);
            worker_free(created);
            if (!listed)
                return analyzer_unknown_language(config->language, err);
            return error_set(err, COPS_ENOMEM, "out of memory creating the '%s' stemmer",
                             config->language);
        }
    }
    *out = created;
    return 0;
}

int analyzer_new(const analyzer_config *config, analyzer **out, cops_error *err)
{
    *out = NULL;
    if (!memchr(config->language, '\0', sizeof config->language))
        return error_set(err, COPS_EINVAL, "stemming language name is not NUL-terminated");

    analyzer *created = calloc(1, sizeof *created);
    if (!created)
        return error_set(err, COPS_ENOMEM, "out of memory creating the text analyzer");
    created->config = *config;
    created->config.stem = config->stem ? 1 : 0;
    pthread_mutex_init(&created->lock, NULL);
    /* The first worker now, so that an unknown language is said here. */
    int rc = worker_new(&created->config, &created->idle, err);
    if (rc != 0) {
        analyzer_free(created);
        return rc;
    }
    *out = created;
    return 0;
}

void analyzer_free(analyzer *self)
{
    if (!self)
        return;
    while (self->idle) {
        analyzer_worker *next = self->idle->next_idle;
        worker_free(self->idle);
        self->idle = next;
    }
    pthread_mutex_destroy(&self->lock);
    free(self);
}

/* An idle worker, or a new one when every worker is busy in another
 * thread; NULL when out of memory. */
static analyzer_worker *analyzer_borrow(analyzer *self)
{
    pthread_mutex_lock(&self->lock);
    analyzer_worker *worker = self->idle;
    if (worker)
        self->idle = worker->next_idle;
    pthread_mutex_unlock(&self->lock);
    if (!worker && worker_new(&self->config, &worker, NULL) != 0)
        return NULL;
    return worker;
}

static void analyzer_give_back(analyzer *self, analyzer_worker *worker)
{
    pthread_mutex_lock(&self->lock);
    worker->next_idle = self->idle;
    self->idle = worker;
    pthread_mutex_unlock(&self->lock);
}

/* Decode the code point at text[i] (i < length) into *code_point and
 * return the bytes it takes.  An invalid sequence sets *code_point to -1:
 * a byte that cannot start a sequence, a lead byte whose continuation
 * bytes are missing (the lead and the continuation bytes present form the
 * sequence), or a complete sequence encoding an overlong form, a surrogate
 * or a value past U+10FFFF (the whole sequence is one invalid sequence). */
static inline size_t analyzer_decode(const uint8_t *text, size_t length, size_t i,
                                     int32_t *code_point)
{
    uint8_t lead = text[i];
    if (lead < 0x80) {
        *code_point = lead;
        return 1;
    }

    size_t continuation;
    uint32_t value;
    uint32_t minimum;
    if (lead >= 0xC0 && lead <= 0xDF) {
        continuation = 1;
        value = lead & 0x1F;
        minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        continuation = 2;
        value = lead & 0x0F;
        minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF7) {
        continuation = 3;
        value = lead & 0x07;
        minimum = 0x10000;
    } else {
        *code_point = -1;
        return 1;
    }

    for (size_t k = 1; k <= continuation; k++) {
        if (i + k >= length || (text[i + k] & 0xC0) != 0x80) {
            *code_point = -1;
            return k;
        }
        value = (value << 6) | (text[i + k] & 0x3F);
    }
    if (value < minimum || (value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF)
        *code_point = -1;
    else
        *code_point = (int32_t)value;
    return continuation + 1;
}

static int analyzer_is_ideograph(int32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FDF)      /* CJK and Kangxi radicals */
        || cp == 0x3005 || cp == 0x3007         /* iteration mark, ideographic zero */
        || (cp >= 0x3021 && cp <= 0x3029)       /* Hangzhou numerals */
        || (cp >= 0x3038 && cp <= 0x303B)
        || (cp >= 0x3041 && cp <= 0x3096)       /* Hiragana */
        || (cp >= 0x309D && cp <= 0x30FF)       /* iteration marks, Katakana */
        || (cp >= 0x31F0 && cp <= 0x31FF)       /* Katakana phonetic extensions */
        || (cp >= 0x3400 && cp <= 0x4DBF)       /* Extension A */
        || (cp >= 0x4E00 && cp <= 0x9FFF)       /* unified ideographs */
        || (cp >= 0xF900 && cp <= 0xFAFF)       /* compatibility ideographs */
        || (cp >= 0xFF66 && cp <= 0xFF9D)       /* half-width Katakana */
        || (cp >= 0x1B000 && cp <= 0x1B16F)     /* Kana supplement and extensions */
        || (cp >= 0x20000 && cp <= 0x323AF);    /* Extensions B to H */
}

static enum char_class analyzer_classify(int32_t cp)
{
    if (cp < 0x80)
        return (enum char_class)ascii_class[cp];
    if (cp == 0x2019)
        return CLASS_APOSTROPHE;
    if (analyzer_is_ideograph(cp))
        return CLASS_IDEOGRAPH;
    /* The half-width voicing marks are letters (Lm) but play the part of
     * the combining marks U+3099 and U+309A they normalise to. */
    if (cp == 0xFF9E || cp == 0xFF9F)
        return CLASS_MARK;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return CLASS_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CLASS_MARK;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return CLASS_DIGIT;
    case UTF8PROC_CATEGORY_CF:
        /* A zero-width space too: between two letters of a script that
         * spaces its words it is a line-break hint inside a word (web
         * pages put them in long words), elsewhere a word boundary
         * (analyzer_zwsp_joins). */
        return CLASS_FORMAT;
    default:
        return CLASS_SEPARATOR;
    }
}

static utf8proc_int32_t analyzer_map_apostrophe(utf8proc_int32_t cp, void *unused)
{
    (void)unused;
    return cp == 0x2019 ? '\'' : cp;
}

/* Diacritics are the marks of the generic combining blocks.  Stripping
 * every mark (UTF8PROC_STRIPMARK) would also erase the vowel signs of
 * Indic scripts and the kana voicing marks, changing the words. */
static int analyzer_is_diacritic(utf8proc_int32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF)
        || (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF)
        || (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* Step back from `offset` to the start of the character it falls in. */
static size_t analyzer_character_boundary(const uint8_t *word, size_t offset)
{
    while (offset > 0 && (word[offset] & 0xC0) == 0x80)
        offset--;
    return offset;
}

/* Decompose word[0, window) into the scratch buffer (NFKD, case folded,
 * ignorables dropped, U+2019 as '), strip the diacritics and recompose
 * (NFC).  Returns the code point count or COPS_ENOMEM. */
static long analyzer_compose_window(analyzer_worker *self, const uint8_t *word, size_t window)
{
    const utf8proc_option_t options =
        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
    utf8proc_ssize_t count;

    for (;;) {
        count = utf8proc_decompose_custom(word, (utf8proc_ssize_t)window, self->scratch,
                                          (utf8proc_ssize_t)self->scratch_capacity, options,
                                          analyzer_map_apostrophe, NULL);
        if (count < 0) {
            /* The splitter only hands over valid UTF-8, so the one error
             * left is memory. */
            return COPS_ENOMEM;
        }
        if ((size_t)count <= self->scratch_capacity)
            break;
        utf8proc_int32_t *grown =
            realloc(self->scratch, (size_t)count * sizeof *self->scratch);
        if (!grown)
            return COPS_ENOMEM;
        self->scratch = grown;
        self->scratch_capacity = (size_t)count;
    }

    utf8proc_ssize_t kept = 0;
    for (utf8proc_ssize_t k = 0; k < count; k++)
        if (!analyzer_is_diacritic(self->scratch[k]))
            self->scratch[kept++] = self->scratch[k];
    return (long)utf8proc_normalize_utf32(self->scratch, kept, UTF8PROC_COMPOSE);
}

/* Normalise the non-ASCII word word[0, length) into self->term.
 * Sets *term_length and *cut (1 when the term had to be shortened).
 * Returns 0 or COPS_ENOMEM. */
static int analyzer_normalize(analyzer_worker *self, const uint8_t *word, size_t length,
                              size_t *term_length, int *cut)
{
    size_t limit = NORMALIZE_WINDOW_INITIAL;
    size_t window = length <= limit ? length : analyzer_character_boundary(word, limit);

    for (;;) {
        long count = analyzer_compose_window(self, word, window);
        if (count < 0)
            return (int)count;

        size_t used = 0;
        long k = 0;
        for (; k < count; k++) {
            uint8_t encoded[4];
            size_t size = (size_t)utf8proc_encode_char(self->scratch[k], encoded);
            if (used + size > ANALYZER_MAX_TERM_BYTES)
                break;
            memcpy(self->term + used, encoded, size);
            used += size;
        }

        int overflowed = k < count;
        int final = window == length;
        if (!final && overflowed) {
            /* The term is settled once a starter follows the cut: what
             * comes after it in the source can no longer combine with the
             * characters before it. */
            for (long rest = k; rest < count && !final; rest++)
                final = utf8proc_get_property(self->scratch[rest])->combining_class == 0;
        }
        if (final || limit >= NORMALIZE_WINDOW_MAX) {
            self->term[used] = '\0';
            *term_length = used;
            *cut = overflowed || !final;
            return 0;
        }
        limit *= 2;
        window = length <= limit ? length : analyzer_character_boundary(word, limit);
    }
}

static size_t analyzer_stem_slot(const analyzer_worker *self, const uint8_t *term, size_t length)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (size_t k = 0; k < length; k++)
        hash = (hash ^ term[k]) * 16777619u;
    return hash & (self->stem_slots - 1);
}

/* After a miss: an eightfold table, holding the stems of the old one,
 * once the misses since the last growth reach STEM_CACHE_GROW_MISSES
 * (kept as it is if that cannot be allocated). */
static void analyzer_stem_cache_miss(analyzer_worker *self)
{
    if (self->stem_slots >= STEM_CACHE_SLOTS
        || ++self->stem_misses < (self->stem_slots * 4 < STEM_CACHE_GROW_MISSES
                                      ? self->stem_slots * 4 : STEM_CACHE_GROW_MISSES))
        return;
    stem_cache_entry *old = self->stem_cache;
    size_t old_slots = self->stem_slots;
    stem_cache_entry *grown = calloc(old_slots * 8, sizeof *grown);
    if (!grown)
        return;
    self->stem_cache = grown;
    self->stem_slots = old_slots * 8;
    self->stem_misses = 0;
    for (size_t i = 0; i < old_slots; i++)
        if (old[i].word_length > 0)
            grown[analyzer_stem_slot(self, old[i].word, old[i].word_length)] = old[i];
    free(old);
}

/* Replace the term in self->term by its stem; *cut is set if the stem had
 * to be shortened.  When the stem differs from the word, self->form
 * receives the word and *stem_differs is 1; otherwise self->term is left
 * as it is.  *seen is 1 when a token of this word was emitted before (a
 * hit on an entry already emitted; analyzer_token.form_seen).  Returns 0
 * or COPS_ENOMEM. */
static inline __attribute__((always_inline)) int
analyzer_stem(analyzer_worker *self, size_t *term_length, int *cut, int *stem_differs,
              int *seen)
{
    size_t length = *term_length;
    stem_cache_entry *entry = &self->stem_cache[analyzer_stem_slot(self, self->term, length)];
    if (entry->word_length == length && short_bytes_equal(entry->word, self->term, length)) {
        *seen = entry->emitted;
        entry->emitted = 1;
        /* Most hits are words that are their own stem: no copy at all. */
        *stem_differs = !entry->stem_is_word;
        if (entry->stem_is_word)
            return 0;
        short_bytes_copy(self->form, self->term, length + 1);
        short_bytes_copy(self->term, entry->stem, entry->stem_length);
        self->term[entry->stem_length] = '\0';
        *term_length = entry->stem_length;
        return 0;
    }

    *seen = 0;
    analyzer_stem_cache_miss(self);
    entry = &self->stem_cache[analyzer_stem_slot(self, self->term, length)];
    const sb_symbol *stemmed = sb_stemmer_stem(self->stemmer, self->term, (int)length);
    if (!stemmed)
        return COPS_ENOMEM;
    size_t stemmed_length = (size_t)sb_stemmer_length(self->stemmer);
    if (stemmed_length > ANALYZER_MAX_TERM_BYTES) {
        stemmed_length = analyzer_character_boundary(stemmed, ANALYZER_MAX_TERM_BYTES);
        *cut = 1;
    } else {
        /* Only stems that needed no cut are cached, so a hit never has to
         * report one. */
        entry->word_length = (uint8_t)length;
        memcpy(entry->word, self->term, length);
        entry->stem_length = (uint8_t)stemmed_length;
        memcpy(entry->stem, stemmed, stemmed_length);
        entry->stem_is_word = stemmed_length == length && memcmp(stemmed, self->term, length) == 0;
        entry->emitted = 1;
    }
    *stem_differs = stemmed_length != length || memcmp(stemmed, self->term, length) != 0;
    if (!*stem_differs)
        return 0;
    memcpy(self->form, self->term, length + 1);
    memcpy(self->term, stemmed, stemmed_length);
    self->term[stemmed_length] = '\0';
    *term_length = stemmed_length;
    return 0;
}

/* Lower-case the ASCII word[0, length) into term.  Eight bytes at a time
 * while eight can be read (`readable` bytes from word): every token goes
 * through here.  A window may run past the word; the bytes past it are
 * folded too (whatever they are) and land past term[length], which the
 * caller ends with a NUL: term has room for ANALYZER_MAX_TERM_BYTES
 * rounded up to eight. */
static inline __attribute__((always_inline)) void
analyzer_fold_ascii(uint8_t *term, const uint8_t *word, size_t length,
                    size_t readable)
{
    const uint64_t ones = 0x0101010101010101u;
    size_t k = 0;
    for (; k < length && k + 8 <= readable; k += 8) {
        uint64_t bytes;
        memcpy(&bytes, word + k, 8);
        /* on the low seven bits of each byte, so no sum carries into the
         * next byte: the top bit says >= 'A', then > 'Z' */
        uint64_t low = bytes & ones * 0x7F;
        uint64_t at_least_a = low + ones * (0x80 - 'A');
        uint64_t past_z = low + ones * (0x80 - 'Z' - 1);
        uint64_t upper = at_least_a & ~past_z & ~bytes & ones * 0x80;
        bytes |= upper >> 2; /* 0x80 >> 2 = 0x20, 'a' - 'A' */
        memcpy(term + k, &bytes, 8);
    }
    for (; k < length; k++) {
        uint8_t byte = word[k];
        term[k] = (byte >= 'A' && byte <= 'Z') ? (uint8_t)(byte + ('a' - 'A')) : byte;
    }
}

static uint8_t ascii_lower_byte(uint8_t byte)
{
    return byte >= 'A' && byte <= 'Z' ? (uint8_t)(byte + ('a' - 'A')) : byte;
}

static size_t analyzer_scan_part(analyzer_pass *pass, size_t start, size_t first_size,
                                 enum char_class first, unsigned *word_flags);

/* How analyzer_emit_word emits a word. */
enum emit_kind {
    EMIT_WORD,   /* a word of its own: takes a position */
    EMIT_FIRST,  /* a compound's first part: a word, its term kept for EMIT_JOINED */
    EMIT_JOINED  /* a compound's joined form: at the first part's position, no count,
                  * and not emitted when its term is the first part's */
};

/* Turn the word word[0, length) (`readable` bytes may be read from word),
 * whose source is text[start, end), into a term and emit it.  The word
 * is the source itself but for acronyms and joined compounds, whose
 * periods or hyphens are left out. */
static inline __attribute__((always_inline)) int
analyzer_emit_word(analyzer_pass *pass, const uint8_t *word, size_t length, size_t readable,
                   size_t start, size_t end, unsigned word_flags, enum emit_kind kind)
{
    analyzer_worker *self = pass->analyzer;
    size_t term_length = 0;
    int cut = 0;
    int counted = kind != EMIT_JOINED;

    if (pass->stemmed_only && !(word_flags & WORD_NON_ASCII)
        && !analyzer_stem_filter_marks(pass->filter,
                                       (const uint8_t[2]){ascii_lower_byte(word[0]),
                                                          ascii_lower_byte(word[length > 1])},
                                       length)) {
        /* its term would begin with those bytes (analyzer_fold_ascii) */
        if (kind == EMIT_FIRST)
            self->first_term_length = SIZE_MAX; /* unknown: no joined term equals it */
        if (counted) {
            pass->long_tokens += length > ANALYZER_MAX_TERM_BYTES;
            pass->position++;
            pass->tokens++;
        }
        return 0;
    }
    if (word_flags & WORD_NON_ASCII) {
        int status = analyzer_normalize(self, word, length, &term_length, &cut);
        if (status != 0)
            return status;
        /* Only ignorable characters, say a soft hyphen between marks:
         * nothing to index. */
        if (term_length == 0)
            return 0;
    } else {
        cut = length > ANALYZER_MAX_TERM_BYTES;
        term_length = cut ? ANALYZER_MAX_TERM_BYTES : length;
        analyzer_fold_ascii(self->term, word, term_length, readable);
        self->term[term_length] = '\0';
    }

    const uint8_t *form = self->term;
    size_t form_length = term_length;
    int form_seen = 0;
    if (pass->stem && !(word_flags & WORD_NO_STEM)
        && (!pass->filter || analyzer_stem_filter_marks(pass->filter, self->term, term_length))) {
        int stem_differs = 0;
        int status = analyzer_stem(self, &term_length, &cut, &stem_differs, &form_seen);
        if (status != 0)
            return status;
        if (stem_differs)
            form = self->form;
    }

    if (kind == EMIT_FIRST) {
        memcpy(self->first_term, self->term, term_length + 1);
        self->first_term_length = term_length;
    } else if (kind == EMIT_JOINED && term_length == self->first_term_length
               && memcmp(self->term, self->first_term, term_length) == 0) {
        return 0;
    }
    if (cut && counted)
        pass->long_tokens++;
    analyzer_token token = {
        .term = (const char *)self->term,
        .term_length = term_length,
        .form = (const char *)form,
        .form_length = form_length,
        .form_seen = form_seen,
        .joined = kind == EMIT_JOINED,
        /* a joined term sits at its first part's, emitted just before it */
        .position = counted ? pass->position : pass->position - 1,
        .start = start,
        .end = end,
    };
    if (counted) {
        pass->position++;
        pass->tokens++;
    }
    return pass->emit(pass->context, &token);
}

/* The end of the character at text[at, at + size) with the marks that
 * follow it: a decomposed é is one letter, and an ideograph a word with
 * its marks (kana voicing marks, variation selectors).  An ASCII byte is
 * never a mark. */
static size_t analyzer_skip_marks(const analyzer_pass *pass, size_t at, size_t size)
{
    size_t end = at + size;
    while (end < pass->length && pass->text[end] >= 0x80) {
        int32_t cp;
        size_t next = analyzer_decode(pass->text, pass->length, end, &cp);
        if (cp < 0 || analyzer_classify(cp) != CLASS_MARK)
            break;
        end += next;
    }
    return end;
}

/* 1 when the character at text[at] continues a word (a letter, digit or
 * mark: what an acronym must not run into). */
static int analyzer_word_char_at(const analyzer_pass *pass, size_t at)
{
    if (at >= pass->length)
        return 0;
    int32_t cp;
    analyzer_decode(pass->text, pass->length, at, &cp);
    return cp >= 0 && CLASS_WORD_CONTINUE(analyzer_classify(cp));
}

/* 1 when text[at] begins a part of two ASCII letters, the first a
 * capital, and its period (Ph. of Ph.D., LL. of LL.B.). */
static int analyzer_capital_pair_at(const analyzer_pass *pass, size_t at)
{
    const uint8_t *text = pass->text;
    return at + 2 < pass->length && text[at] >= 'A' && text[at] <= 'Z' && text[at + 1] < 0x80
           && ascii_class[text[at + 1]] == CLASS_LETTER && text[at + 2] == '.';
}

/* An acronym starting with the letter text[start, start + first_size):
 * two or more single letters (with their marks), each directly followed
 * by '.', but that the last period may be missing where every letter is
 * an ASCII capital (U.N.C.L.E, and "U.S ." as some collections tokenise
 * a sentence's end), and no word character after it.  Xapian's
 * TermGenerator joins capitals only, its last period optional; here any
 * case (e.g., i.e.), but a lower-case run writes every period (a.b is
 * two words).  "U.S. The" is the acronym us then The: a sentence ending
 * in one keeps its period.  A part may also be two ASCII letters when
 * one part at least is a single letter and every period is written:
 * the dotted degrees and abbreviations Ph.D., M.Sc., Ed.D. are phd,
 * msc, edd, as people also write them (PhD); two parts of two letters
 * (co.uk.) or a missing last period (Ph.D) are not, nor is a part of
 * two letters in lower case (a file io.h. or fs.c. ending a sentence is
 * the words io h, as the query io.h is: degrees are written with a
 * capital).  Copies the letters
 * to self->joined; returns the end (past the last period), or 0 (no
 * acronym).  Costs a byte compare or two at a word start that is no
 * acronym. */
static size_t analyzer_scan_acronym(analyzer_pass *pass, size_t start, size_t first_size,
                                    size_t *letters_length, unsigned *word_flags)
{
    const uint8_t *text = pass->text;
    size_t at = start, size = first_size, used = 0;
    unsigned flags = 0;
    int letters = 0, capitals = 1, too_long = 0, singles = 0;
    if (start < pass->long_run_end)
        return 0;
    for (;;) {
        size_t letter_end = analyzer_skip_marks(pass, at, size);
        /* a part of two ASCII letters (Ph.D.): its period must follow */
        int pair = letter_end == at + 1 && analyzer_capital_pair_at(pass, at);
        letter_end += pair;
        int period = letter_end < pass->length && text[letter_end] == '.';
        capitals &= !pair && letter_end - at == 1 && text[at] >= 'A' && text[at] <= 'Z';
        if (!period && !(capitals && letters > 0))
            break;
        if (used + (letter_end - at) > JOINED_MAX_SOURCE_BYTES) {
            too_long = 1; /* walk on to the run's end, copying nothing */
            used = 0;
        }
        singles += !pair;
        if (text[at] >= 0x80 || letter_end - at > 1u + pair) /* non-ASCII, or with a mark */
            flags |= WORD_NON_ASCII;
        if (!too_long) {
            memcpy(pass->analyzer->joined + used, text + at, letter_end - at);
            used += letter_end - at;
        }
        letters++;
        at = letter_end + period;
        if (!period)
            break;
        /* the next letter, if one follows the period */
        int32_t cp = -1;
        if (at < pass->length)
            size = analyzer_decode(text, pass->length, at, &cp);
        if (cp < 0 || analyzer_classify(cp) != CLASS_LETTER)
            break;
    }
    /* a run of two-letter parts only is no acronym from any of its parts
     * on: without this, each part rescanned the rest (Ph.Ph.Ph... runs of
     * 80 parts cost 14 times main's analysis, callgrind) */
    if (too_long || singles == 0)
        pass->long_run_end = at;
    if (too_long || letters < 2 || analyzer_word_char_at(pass, at)
        || (singles < letters && (singles == 0 || text[at - 1] != '.')))
        return 0;
    *letters_length = used;
    *word_flags = flags;
    return at;
}

/* 1 when the character at text[at] is a letter. */
static int analyzer_letter_at(const analyzer_pass *pass, size_t at)
{
    int32_t cp;
    analyzer_decode(pass->text, pass->length, at, &cp);
    return cp >= 0 && analyzer_classify(cp) == CLASS_LETTER;
}

/* 1 when the character at text[at] is a lower-case letter: a line that
 * goes on with one continues the word cut at the line before ("as
 * follows-\nThe" is a dash ending a line, not a word cut in two). */
static int analyzer_lower_case_at(const analyzer_pass *pass, size_t at)
{
    if (at >= pass->length)
        return 0;
    int32_t cp;
    analyzer_decode(pass->text, pass->length, at, &cp);
    return cp >= 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

/* The blanks (spaces, tabs) from text[at]: their end. */
static size_t analyzer_skip_blanks(const analyzer_pass *pass, size_t at)
{
    while (at < pass->length && (pass->text[at] == ' ' || pass->text[at] == '\t'))
        at++;
    return at;
}

/* The size of the hyphen (- U+2010 U+2011) at text[at] with the one line
 * break after it, if any, and the blanks around that break: a word cut
 * at a line's end (infor-\n  mation), as plain text from print, PDF and
 * OCR has them, is a compound whose joined form is the word
 * (information), when the next line goes on in lower case; 0 when there
 * is no hyphen. */
static size_t analyzer_hyphen_at(const analyzer_pass *pass, size_t at)
{
    const uint8_t *text = pass->text;
    size_t end = at;
    if (at < pass->length && text[at] == '-')
        end = at + 1;
    /* U+2010 and U+2011 are E2 80 90 and E2 80 91 */
    else if (at + 2 < pass->length && text[at] == 0xE2 && text[at + 1] == 0x80
             && (text[at + 2] == 0x90 || text[at + 2] == 0x91))
        end = at + 3;
    else
        return 0;
    size_t line_end = analyzer_skip_blanks(pass, end);
    if (line_end < pass->length && (text[line_end] == '\n' || text[line_end] == '\r')) {
        line_end += 1 + (text[line_end] == '\r' && line_end + 1 < pass->length
                         && text[line_end + 1] == '\n');
        line_end = analyzer_skip_blanks(pass, line_end);
        if (analyzer_lower_case_at(pass, line_end))
            end = line_end;
    }
    return end - at;
}

/* The compound of hyphenated words whose first part is text[start,
 * first_end) (of flags first_flags): its end, with its parts' bytes
 * joined in self->joined (*joined_length) and their flags; 0 when the
 * first part is followed by no hyphenated word, or the compound may not
 * be joined: a part with a digit (1990-1995, A-1), more than
 * ANALYZER_MAX_JOINED_PARTS parts, or more than JOINED_MAX_SOURCE_BYTES. */
static size_t analyzer_scan_compound(analyzer_pass *pass, size_t start, size_t first_end,
                                     unsigned first_flags, size_t *joined_length,
                                     unsigned *joined_flags)
{
    uint8_t *joined = pass->analyzer->joined;
    size_t end = first_end, used = 0;
    unsigned flags = first_flags;
    int parts = 1, letters_only = !(first_flags & WORD_NO_STEM);
    size_t hyphen;
    for (size_t part = start, part_end = first_end;;) {
        if (used + (part_end - part) <= JOINED_MAX_SOURCE_BYTES)
            memcpy(joined + used, pass->text + part, part_end - part);
        used += part_end - part;
        end = part_end;
        if (!(hyphen = analyzer_hyphen_at(pass, end)) || end + hyphen >= pass->length)
            break;
        int32_t cp;
        size_t size = analyzer_decode(pass->text, pass->length, end + hyphen, &cp);
        if (cp < 0)
            break;
        enum char_class class = analyzer_classify(cp);
        if (!CLASS_WORD_START(class))
            break;
        unsigned part_flags;
        part = end + hyphen;
        part_end = analyzer_scan_part(pass, part, size, class, &part_flags);
        /* a part that may begin an acronym (anti-U.S., pre-Ph.D.) is not
         * joined: the compound would take its first part only (antiu) */
        if (part_end + 1 < pass->length && pass->text[part_end] == '.'
            && (analyzer_skip_marks(pass, part, size) == part_end
                || (part_end - part == 2 && analyzer_capital_pair_at(pass, part)))
            && analyzer_letter_at(pass, part_end + 1))
            return 0;
        flags |= part_flags;
        letters_only &= !(part_flags & WORD_NO_STEM);
        if (++parts > ANALYZER_MAX_JOINED_PARTS)
            return 0;
    }
    if (parts < 2 || !letters_only || used > JOINED_MAX_SOURCE_BYTES)
        return 0;
    *joined_length = used;
    *joined_flags = flags;
    return end;
}

/* analyzer_emit_word, out of line: for the rare words (acronyms,
 * compounds, ideographs); the main loop's call, for every other word, is
 * inlined (analyzer_emit_word and analyzer_scan_word are always inlined:
 * out of line, called from several places, they cost a query word ~100
 * instructions more, callgrind). */
static __attribute__((noinline)) int
analyzer_emit_rare(analyzer_pass *pass, const uint8_t *word, size_t length, size_t readable,
                   size_t start, size_t end, unsigned word_flags, enum emit_kind kind)
{
    return analyzer_emit_word(pass, word, length, readable, start, end, word_flags, kind);
}

/* The word text[start, end) of `flags`, starting with a letter and
 * followed by a hyphen, with ANALYZE_JOINED: when it begins a compound,
 * its first part, the joined form, then (in the main loop) the other
 * parts as words; otherwise the word. */
static __attribute__((noinline)) int analyzer_emit_hyphenated(analyzer_pass *pass, size_t start,
                                                              size_t end, unsigned flags)
{
    size_t joined_length, compound_end = 0;
    unsigned joined_flags;
    /* a later part of a compound (or of a longer chain) starts none */
    size_t hyphen = pass->word_end == SIZE_MAX ? 0 : analyzer_hyphen_at(pass, pass->word_end);
    int later_part = hyphen && pass->word_end + hyphen == start;
    if (!later_part && analyzer_hyphen_at(pass, end))
        compound_end = analyzer_scan_compound(pass, start, end, flags, &joined_length,
                                              &joined_flags);
    if (!compound_end)
        return analyzer_emit_rare(pass, pass->text + start, end - start, pass->length - start,
                                  start, end, flags, EMIT_WORD);
    uint32_t first_position = pass->position;
    int status = analyzer_emit_rare(pass, pass->text + start, end - start,
                                    pass->length - start, start, end, flags, EMIT_FIRST);
    /* a first part of ignorable letters only (a Hangul filler) took no
     * position: there is none for the joined term, whose position - 1
     * would be the word before's, or UINT32_MAX at a field's start */
    if (status == 0 && pass->position != first_position)
        status = analyzer_emit_rare(pass, pass->analyzer->joined, joined_length, joined_length,
                                    start, compound_end, joined_flags, EMIT_JOINED);
    /* the other parts are words the main loop takes as it always did */
    return status;
}

static int ascii_digit(uint8_t byte)
{
    return byte >= '0' && byte <= '9';
}

/* The word text[start, end) of `flags`, a number with a ',' between two
 * digits: when its commas group thousands (1,000 and 1,234,567.89: one
 * to three digits first, then each comma before three digits and no
 * more), its term is the number without them (1000, 1234567.89), as a
 * reader types it; otherwise (3,5 and 12,34) the word as written. */
static __attribute__((noinline)) int analyzer_emit_grouped(analyzer_pass *pass, size_t start,
                                                           size_t end, unsigned flags)
{
    const uint8_t *text = pass->text;
    uint8_t *digits = pass->analyzer->joined;
    size_t at = start, used = 0;
    while (at < end && ascii_digit(text[at]))
        at++;
    int grouped = at > start && at - start <= 3 && end - start <= JOINED_MAX_SOURCE_BYTES;
    /* a word of any length comes here (1 MB of digits, then ,000): copy
     * only what the bounds above let into `digits` */
    if (grouped) {
        memcpy(digits, text + start, at - start);
        used = at - start;
    }
    while (grouped && at < end && text[at] == ',') {
        grouped = at + 3 < end && ascii_digit(text[at + 1]) && ascii_digit(text[at + 2])
                  && ascii_digit(text[at + 3]) && (at + 4 == end || !ascii_digit(text[at + 4]));
        if (!grouped)
            break;
        memcpy(digits + used, text + at + 1, 3);
        used += 3;
        at += 4;
    }
    grouped = grouped && !memchr(text + at, ',', end - at);
    if (!grouped)
        return analyzer_emit_rare(pass, text + start, end - start, pass->length - start, start,
                                  end, flags, EMIT_WORD);
    memcpy(digits + used, text + at, end - at);
    used += end - at;
    return analyzer_emit_rare(pass, digits, used, used, start, end, flags, EMIT_WORD);
}

static void analyzer_note_invalid(analyzer_pass *pass, size_t offset)
{
    if (pass->invalid_sequences == 0)
        pass->first_invalid_offset = offset;
    pass->invalid_sequences++;
}

/* How many of the eight bytes at p, from the first, are ASCII letters
 * (ascii_class's CLASS_LETTER: A-Z, a-z).  On the low seven bits of each
 * byte, as analyzer_fold_ascii, so no sum carries into the next byte:
 * with bit 5 set (lower case), a letter is from 'a' to 'z' and has its
 * top bit clear. */
static inline size_t ascii_letters_ahead(const uint8_t *p)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t bytes;
    memcpy(&bytes, p, 8);
    uint64_t low = (bytes | ones * 0x20) & ones * 0x7F;
    uint64_t at_least_a = low + ones * (0x80 - 'a');
    uint64_t past_z = low + ones * (0x80 - 'z' - 1);
    uint64_t not_letter = ~(at_least_a & ~past_z & ~bytes) & ones * 0x80;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return not_letter ? (size_t)__builtin_ctzll(not_letter) / 8 : 8;
#else
    size_t n = 0;
    while (n < 8 && p[n] < 0x80 && ascii_class[p[n]] == CLASS_LETTER)
        n++;
    return n;
#endif
}

/* 1 when the code point is of a script that separates its words by
 * spaces (Latin, Greek, Cyrillic, ... up to the Indic scripts, and the
 * Latin and Greek extensions): there a zero-width space is no word
 * boundary; Thai, Lao, Tibetan, Myanmar and Khmer (from U+0E00) mark
 * their word boundaries with it. */
static int analyzer_spaced_script(int32_t cp)
{
    return cp < 0x0E00 || (cp >= 0x1E00 && cp <= 0x1FFF);
}

/* Whether the zero-width space at text[at] joins the word characters
 * either side of it (the one after is next_cp): both of a spaced script
 * (analyzer_spaced_script), as in inter<ZWSP>national copied from a web
 * page, where UAX #29 (and Lucene, Xapian) would split the word. */
static int analyzer_zwsp_joins(const analyzer_pass *pass, size_t at, int32_t next_cp)
{
    size_t before = at;
    do
        before--;
    while (before > 0 && (pass->text[before] & 0xC0) == 0x80);
    int32_t previous;
    analyzer_decode(pass->text, pass->length, before, &previous);
    return previous >= 0 && analyzer_spaced_script(previous) && analyzer_spaced_script(next_cp);
}

/* Find the end of the word whose first character, of class `first`,
 * occupies [start, start + first_size).  Sets *word_flags. */
static inline __attribute__((always_inline)) size_t
analyzer_scan_word(analyzer_pass *pass, size_t start, size_t first_size, enum char_class first,
                   unsigned *word_flags)
{
    const uint8_t *text = pass->text;
    size_t length = pass->length;
    enum char_class last = first;
    size_t end = start + first_size;
    unsigned flags = 0;

    if (text[start] >= 0x80)
        flags |= WORD_NON_ASCII;
    if (first == CLASS_DIGIT)
        flags |= WORD_NO_STEM;

    while (end < length) {
        /* ASCII letters and digits make most of every word: taken here
         * without decoding or classifying, exactly as the general path
         * below would take them (an ASCII byte is one character, of its
         * ascii_class, never a mark and never non-ASCII); the letters
         * eight bytes at a time while eight can be read. */
        if (end + 8 <= length) {
            size_t letters = ascii_letters_ahead(text + end);
            if (letters > 0) {
                last = CLASS_LETTER;
                end += letters;
                continue;
            }
        }
        uint8_t byte = text[end];
        if (byte < 0x80 && ascii_class[byte] == CLASS_LETTER) {
            last = CLASS_LETTER;
            end++;
            continue;
        }
        if (byte < 0x80 && ascii_class[byte] == CLASS_DIGIT) {
            flags |= WORD_NO_STEM;
            last = CLASS_DIGIT;
            end++;
            continue;
        }
        if (byte < 0x80 && ascii_class[byte] == CLASS_SEPARATOR)
            break;
        int32_t cp;
        size_t size = analyzer_decode(text, length, end, &cp);
        if (cp < 0)
            break;
        enum char_class class = analyzer_classify(cp);

        if (class == CLASS_APOSTROPHE || class == CLASS_NUMBER_JOIN || class == CLASS_FORMAT) {
            if (end + size >= length)
                break;
            int32_t next_cp;
            size_t next_size = analyzer_decode(text, length, end + size, &next_cp);
            if (next_cp < 0)
                break;
            enum char_class next = analyzer_classify(next_cp);
            int joins;
            if (class == CLASS_APOSTROPHE)
                joins = (last == CLASS_LETTER || last == CLASS_MARK) && next == CLASS_LETTER;
            else if (class == CLASS_NUMBER_JOIN)
                joins = last == CLASS_DIGIT && next == CLASS_DIGIT;
            else
                joins = CLASS_WORD_CONTINUE(next)
                        && (cp != 0x200B || analyzer_zwsp_joins(pass, end, next_cp));
            if (!joins)
                break;
            if (cp >= 0x80 || next_cp >= 0x80)
                flags |= WORD_NON_ASCII;
            if (next == CLASS_DIGIT)
                flags |= WORD_NO_STEM;
            if (cp == ',')
                flags |= WORD_GROUPED;
            last = next;
            end += size + next_size;
            continue;
        }
        if (!CLASS_WORD_CONTINUE(class))
            break;
        if (cp >= 0x80)
            flags |= WORD_NON_ASCII;
        if (class == CLASS_DIGIT)
            flags |= WORD_NO_STEM;
        last = class;
        end += size;
    }
    *word_flags = flags;
    return end;
}

/* analyzer_scan_word for a compound's later parts, out of line (see
 * analyzer_emit_rare). */
static __attribute__((noinline)) size_t analyzer_scan_part(analyzer_pass *pass, size_t start,
                                                           size_t first_size,
                                                           enum char_class first,
                                                           unsigned *word_flags)
{
    return analyzer_scan_word(pass, start, first_size, first, word_flags);
}

/* analyzer_run, stemming only the words `filter` marks (every word when
 * it is NULL). */
static int analyzer_run_pass(analyzer *self, const char *text, size_t length,
                             uint32_t first_position, int flags,
                             const analyzer_stem_filter *filter,
                             int (*emit)(void *context, const analyzer_token *token),
                             void *context, analyzer_counts *counts, uint32_t *next_position)
{
    analyzer_worker *worker = analyzer_borrow(self);
    if (!worker)
        return COPS_ENOMEM;
    analyzer_pass pass = {
        .analyzer = worker,
        .text = (const uint8_t *)text,
        .length = length,
        .stem = worker->stemmer != NULL && !(flags & ANALYZE_NO_STEM),
        .filter = filter,
        .stemmed_only = filter != NULL && (flags & ANALYZE_STEMMED_ONLY),
        .joined = (flags & ANALYZE_JOINED) != 0,
        .word_end = SIZE_MAX,
        .emit = emit,
        .context = context,
        .position = first_position,
        .first_invalid_offset = SIZE_MAX,
    };
    int status = 0;
    size_t i = 0;

    while (i < length) {
        uint8_t byte = pass.text[i];
        /* ASCII separators dominate the gaps between words. */
        if (byte < 0x80 && !CLASS_WORD_START(ascii_class[byte])) {
            i++;
            continue;
        }
        int32_t cp = byte;
        size_t size = 1;
        if (byte >= 0x80) {
            size = analyzer_decode(pass.text, length, i, &cp);
            if (cp < 0) {
                analyzer_note_invalid(&pass, i);
                i += size;
                continue;
            }
        }
        /* an ASCII byte here starts a word: its class without the call */
        enum char_class class = byte < 0x80 ? (enum char_class)ascii_class[byte]
                                            : analyzer_classify(cp);
        size_t end;
        unsigned word_flags;
        size_t letters_length;
        /* an acronym's first letter is followed by '.' (or by a mark) */
        if (class == CLASS_LETTER && i + size < length
            && (pass.text[i + size] == '.' || pass.text[i + size] >= 0x80)
            && (end = analyzer_scan_acronym(&pass, i, size, &letters_length, &word_flags))) {
            status = analyzer_emit_rare(&pass, worker->joined, letters_length, letters_length, i,
                                        end, word_flags, EMIT_WORD);
        } else if (CLASS_WORD_START(class)) {
            end = analyzer_scan_word(&pass, i, size, class, &word_flags);
            /* or its first two letters are (Ph.D.): asked of the word
             * found, one compare for most words, where asking it of
             * every word's third byte before cost 3 instructions a word */
            size_t dotted;
            if (end < length && pass.text[end] == '.' && end - i == 2 && class == CLASS_LETTER
                && (dotted = analyzer_scan_acronym(&pass, i, size, &letters_length, &word_flags))) {
                status = analyzer_emit_rare(&pass, worker->joined, letters_length,
                                            letters_length, i, dotted, word_flags, EMIT_WORD);
                end = dotted;
            }
            /* a hyphen: - or the lead byte of U+2010/U+2011 */
            else if (pass.joined && class == CLASS_LETTER && end < length
                     && (pass.text[end] == '-' || pass.text[end] == 0xE2))
                status = analyzer_emit_hyphenated(&pass, i, end, word_flags);
            else if (word_flags & WORD_GROUPED)
                status = analyzer_emit_grouped(&pass, i, end, word_flags);
            else
                status = analyzer_emit_word(&pass, pass.text + i, end - i, length - i, i, end,
                                            word_flags, EMIT_WORD);
        } else if (class == CLASS_IDEOGRAPH) {
            end = analyzer_skip_marks(&pass, i, size);
            status = analyzer_emit_rare(&pass, pass.text + i, end - i, length - i, i, end,
                                        WORD_NON_ASCII | WORD_NO_STEM, EMIT_WORD);
        } else {
            i += size;
            continue;
        }
        if (status != 0)
            break;
        pass.word_end = end;
        i = end;
    }

    if (counts) {
        counts->tokens += pass.tokens;
        counts->invalid_sequences += pass.invalid_sequences;
        if (counts->first_invalid_offset == SIZE_MAX)
            counts->first_invalid_offset = pass.first_invalid_offset;
        counts->long_tokens += pass.long_tokens;
    }
    if (next_position)
        *next_position = pass.position;
    analyzer_give_back(self, worker);
    return status;
}

int analyzer_run(analyzer *self, const char *text, size_t length, uint32_t first_position,
                 int flags, int (*emit)(void *context, const analyzer_token *token),
                 void *context, analyzer_counts *counts, uint32_t *next_position)
{
    return analyzer_run_pass(self, text, length, first_position, flags, NULL, emit, context,
                             counts, next_position);
}

int analyzer_run_stemming(analyzer *self, const char *text, size_t length,
                          uint32_t first_position, const analyzer_stem_filter *filter,
                          int flags, int (*emit)(void *context, const analyzer_token *token),
                          void *context, uint32_t *next_position)
{
    return analyzer_run_pass(self, text, length, first_position,
                             flags & (ANALYZE_STEMMED_ONLY | ANALYZE_JOINED), filter, emit,
                             context, NULL, next_position);
}

static void stem_filter_mark(analyzer_stem_filter *filter, uint8_t first, uint8_t second)
{
    filter->second[first] |= (uint64_t)1 << (second & 63);
}

void analyzer_stem_filter_add(analyzer_stem_filter *filter, const char *term, size_t length)
{
    const uint8_t *bytes = (const uint8_t *)term;
    uint8_t first = length ? bytes[0] : 0;
    filter->first[first] = 1;
    if (length < 2) {
        filter->second[first] = UINT64_MAX;
        return;
    }
    stem_filter_mark(filter, first, bytes[1]);
    if (bytes[1] == 'i')
        stem_filter_mark(filter, first, 'y');
}

int analyzer_stem_keeps_start(const analyzer *self)
{
    /* Porter's algorithm and Porter2 ("english") only rewrite a word's
     * end: their steps act inside the regions R1 and R2, which begin
     * after a vowel and a consonant (at the third letter at the
     * earliest), or on suffixes that leave at least one letter before
     * them (but Porter's "s", whose stem is empty), so a stem of two
     * letters or more begins with its word's first two; but a 'y'
     * second may become 'i' (the exceptions dying, lying, tying; Porter's
     * "ay" -> "ai"), and the other exceptions (skies, gently...) keep
     * their first two letters.  Every word of wiki-dev (406,364 written
     * forms) keeps its start so; tests/analysis-test.c checks the words
     * that come nearest. */
    return self->config.stem
           && (strcmp(self->config.language, "english") == 0
               || strcmp(self->config.language, "porter") == 0);
}
