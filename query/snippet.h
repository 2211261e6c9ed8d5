/*
 * snippet.h — the best window of a stored text, the matched words
 * highlighted.
 *
 * What a hit matched is described by a snippet plan made once per query
 * (snippet_plan_build): its leaves are the words, phrases and prefixes
 * outside NOT, each analysed with the index's analyzer (so a highlighted
 * word is exactly a word the query matched, stemmed forms included), and
 * the NEAR groups they belong to.  In a text, an occurrence of a leaf is
 * one word (a word or prefix), or the phrase's words at their positions
 * (slop allowed); a leaf under NEAR counts only where every other leaf of
 * its NEAR is within the distance.  Only the words of these occurrences
 * are highlighted: for "state of the art" the phrase, not every "of".
 *
 * The window (about `target_chars` bytes) maximises the number of distinct
 * leaves it shows, then the number of occurrences; whitespace runs become
 * one space and "…" marks a cut at either end.  Without an occurrence in
 * the text (a title-only match), the snippet is its beginning.
 *
 * The cost follows the window, not the document:
 *  - the text is analysed in chunks of about SNIPPET_CHUNK_BYTES (cut at
 *    whitespace), and a chunk where no word begins with a query term's
 *    first letters (SNIPPET_PROBE_BYTES of ASCII letters or digits,
 *    case-folded; or with the first of them followed by a non-ASCII
 *    letter: Jón for "jon") is skipped without analysis.  A word whose
 *    first letter is written with a diacritic or in a compatibility form
 *    (Ärt, ａrt) is not seen by this filter: its snippet may show a later
 *    occurrence or the beginning; the search itself is unaffected.  A
 *    skipped chunk counts as one position per byte, more than its words,
 *    so no phrase or NEAR is seen across it where there is none.  The
 *    scan may stop after a chunk where the letters appear only inside
 *    words ("rom" in "from"), as after an analysed chunk: the filter once
 *    analysed those, and stopping there keeps the windows it chose;
 *  - in an analysed chunk, a word whose first two bytes begin no term of
 *    the plan (but the exact words; a 'y' second counts as 'i') is looked
 *    up only among the exact words, and with the english and porter
 *    stemmers, whose stems keep their words' starts, it is not stemmed
 *    either (analyzer_run_stemming): what is found is what stemming
 *    every word finds;
 *  - after the first occurrence, in a plan of single words without NEAR
 *    or prefixes, with the english or porter stemmer, a chunk is passed
 *    over (as one without probes) where the words within a window's
 *    width of it that begin with a term's probe, or with the letters a
 *    stem changes there ('y' for 'i', 'i' for 'y', a third 'i' for 'e':
 *    dying, skies, using; and no word there begins with a non-ASCII
 *    letter, which may fold to any) bound every window that could hold
 *    a word of it below the best window found, or equal to it and
 *    later: the window chosen is the same;
 *  - the scan stops as soon as a window holds an occurrence of every leaf
 *    (for one word: at its first occurrence), else SNIPPET_AROUND_BYTES
 *    (or eight windows, if more) after the first occurrence: the best
 *    window near the first match, not in the whole text;
 *  - at most SNIPPET_SCAN_BYTES of a text are looked at, and a result list
 *    analyses at most SNIPPET_LIST_SCAN_BYTES in all, after which snippets
 *    are the texts' beginnings without highlights;
 *  - a caller first reads SNIPPET_FIRST_READ_BYTES of a stored text; while
 *    no occurrence is found in what was read, eight times as much is read
 *    (snippet_source.read_more), up to SNIPPET_TEXT_BYTES, and the scan
 *    goes on where it stopped.
 */
#ifndef COPS_QUERY_SNIPPET_H
#define COPS_QUERY_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/parser.h"

#define SNIPPET_SCAN_BYTES ((size_t)1 << 20)
#define SNIPPET_TEXT_BYTES (SNIPPET_SCAN_BYTES + ((size_t)64 << 10))
#define SNIPPET_FIRST_READ_BYTES ((size_t)4 << 10)
#define SNIPPET_LIST_SCAN_BYTES ((size_t)8 << 20)
#define SNIPPET_CHUNK_BYTES ((size_t)512)
#define SNIPPET_AROUND_BYTES ((size_t)32 << 10)
#define SNIPPET_PROBE_BYTES 3
/* cops_search_options.snippet_chars: default and bounds */
#define SNIPPET_DEFAULT_CHARS 200
#define SNIPPET_MIN_CHARS 20
#define SNIPPET_MAX_CHARS 10000

/* snippet_term.is_prefix */
enum {
    SNIPPET_WORD = 0,        /* a word's term */
    SNIPPET_PREFIX = 1,      /* a prefix, matched by a word that starts with it, as written
                              * or as its term */
    SNIPPET_ALIAS = 2,       /* a term that a prefix also matches (its stem, the terms of
                              * the words as written that start with it: lower.h) */
    SNIPPET_EXACT = 3        /* =word: matched by the word as written only */
};

typedef struct snippet_term {
    char *text;              /* analysed term (a prefix: normalised, unstemmed) */
    size_t length;
    int is_prefix;           /* SNIPPET_WORD, SNIPPET_PREFIX or SNIPPET_ALIAS */
    size_t index;            /* in snippet_plan.terms; an alias: its prefix's */
} snippet_term;

/* One analysed word of a leaf: which term, at which offset in the phrase. */
typedef struct snippet_slot {
    size_t term;
    uint32_t offset;
} snippet_slot;

typedef struct snippet_leaf {
    size_t first_slot, slot_count;
    uint32_t slop;           /* phrase ~n */
    long near;               /* index in near_distance, or -1 */
} snippet_leaf;

typedef struct snippet_plan {
    snippet_term *terms;     /* distinct (text, is_prefix) */
    size_t term_count, term_capacity;
    snippet_term *sorted;    /* the terms by (is_prefix, text), for lookup; texts borrowed */
    snippet_slot *slots;
    size_t slot_count, slot_capacity;
    snippet_leaf *leaves;
    size_t leaf_count, leaf_capacity;
    uint32_t *near_distance;
    size_t near_count, near_capacity;
    int probe_all;           /* 1 when a term has no ASCII probe: analyse every chunk */
    analyzer_stem_filter stem_filter; /* the words a term other than an exact word may
                              * be the stem of (the starts of those terms: words,
                              * aliases, prefixes): a word it does not mark is looked
                              * up only among the exact words, and needs no stemming
                              * where the stemmer keeps its words' starts
                              * (analyzer_run_stemming) */
    uint32_t max_span;       /* positions from a leaf's first word to its last, at most */
} snippet_plan;

/* Fill the zeroed `plan` from `query` (terms analysed by `text_analyzer`).
 * Returns 0, or COPS_ENOMEM; free with snippet_plan_free either way. */
int snippet_plan_build(analyzer *text_analyzer, const query_node *query, snippet_plan *plan);
void snippet_plan_free(snippet_plan *plan);

/* On a native index: make the terms of the words as written that start
 * with each prefix of the plan aliases of it (lower.h, "Prefixes"), from
 * the SURFACE dictionaries of `segments` (index-format/surface.h), at most
 * SNIPPET_MAX_SURFACE_ALIASES per prefix (beyond, those words are
 * matched but not highlighted).  Returns 0, or COPS_ENOMEM. */
#define SNIPPET_MAX_SURFACE_ALIASES 256
struct segment;
int snippet_plan_add_surface(snippet_plan *plan, struct segment *const *segments,
                             size_t segment_count);

/* The start of a stored text, and how to read more of it. */
typedef struct snippet_source {
    const char *text;        /* text[0, length): the start of the stored text */
    size_t length;
    size_t stored_length;    /* of the whole stored text (a cut there is marked "…") */
    /* NULL, or read the first `max` bytes of the same text, replacing
     * text and length (the old text is then no longer valid);
     * returns 0 or an error (filled in `err`). */
    int (*read_more)(void *context, size_t max, const char **text, size_t *length,
                     cops_error *err);
    void *context;
} snippet_source;

/* The snippet of `source` for `plan`.  *scan_budget (IN/OUT, may be NULL
 * for no budget) is decreased by the bytes analysed.  *text_out (OUT,
 * malloc'd, NUL-terminated) and *spans_out (OUT, malloc'd, may be NULL
 * when *span_count is 0) belong to the caller.  Returns 0, COPS_ENOMEM, or
 * the error of read_more. */
int snippet_build(analyzer *text_analyzer, snippet_source *source, const snippet_plan *plan,
                  size_t target_chars, size_t *scan_budget, char **text_out,
                  cops_span **spans_out, size_t *span_count, cops_error *err);

/* The words of text[0, length) that `plan` highlights, over the whole
 * text (the scan does not stop at a window; at most the first 20,000
 * words matching a term are looked at): *spans_out (OUT, malloc'd, NULL
 * when *span_count is 0) holds byte ranges of `text`, in text order.
 * Returns 0 or COPS_ENOMEM. */
int snippet_highlight(analyzer *text_analyzer, const char *text, size_t length,
                      const snippet_plan *plan, cops_span **spans_out, size_t *span_count,
                      cops_error *err);

#endif
