/*
 * snippet.c — snippet selection and highlighting (snippet.h): scan a
 * bounded part of the text for the plan's terms, find the leaves'
 * occurrences, choose the window, copy it with its highlights.
 */
#include "config.h"

#include "query/snippet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/buffer.h"
#include "base/error.h"
#include "query/plan.h"

/* Bounds on what one snippet keeps: analysed words matching a term, and
 * leaf occurrences. */
#define SNIPPET_MAX_MATCHES 20000
#define MATCH_MAX_TERMS 4      /* terms one word can match: the same word, prefixes of it */
/* Before the first occurrence, matches further back than a phrase can
 * span are forgotten (a phrase has at most 64 words and a slop of 1000). */
#define PHRASE_MAX_SPAN (QUERY_MAX_DISTANCE + 64)

typedef struct match {
    size_t start, end;       /* bytes in the text */
    uint32_t position;
    unsigned term_count;
    size_t terms[MATCH_MAX_TERMS];
} match;

typedef struct occurrence {
    size_t start, end;       /* bytes: its first word's start, its last word's end */
    uint32_t first_position, last_position;
    size_t leaf;
    size_t first_member, member_count; /* its words, in scan.members */
    int dropped;             /* under NEAR, without its partners near */
} occurrence;

/* Where the terms of one kind (snippet_term.is_prefix) are in
 * snippet_plan.sorted, which is ordered by kind first, and their shortest
 * and longest text: a word is looked up only among the terms of a kind
 * that has some, and a prefix only at lengths that some prefix has (on
 * wiki-dev two thirds of a snippet's instructions were binary searches
 * for prefixes of every length of every word, in plans with no prefix). */
typedef struct term_kind {
    size_t first, count;
    size_t shortest, longest;
} term_kind;

typedef struct scan {
    const snippet_plan *plan;
    term_kind kinds[SNIPPET_EXACT + 1];
    size_t offset;           /* of the chunk being analysed, in the text */
    size_t next_at;          /* where the scan goes on (a chunk boundary) */
    uint32_t next_position;  /* the position of the next word there */
    size_t first_start;      /* of the first occurrence, SIZE_MAX while none */
    size_t around;           /* bytes scanned past the first occurrence, at most */
    size_t width;            /* of the window */
    match *matches;
    size_t match_count, match_capacity;
    occurrence *occurrences;
    size_t occurrence_count, occurrence_capacity;
    size_t *members;         /* match indices */
    size_t member_count, member_capacity;
    size_t occurrences_to;   /* occurrences are known for the matches before */
    unsigned char leaves_seen[64]; /* leaves (modulo 64) with an occurrence */
    int whole;               /* scan to the end: every occurrence, not one window's */
    int stem_some;           /* stem only the words plan->stem_filter marks */
    int failed;              /* out of memory */
} scan;

static int compare_term_to(const snippet_term *t, int is_prefix, const char *text, size_t length)
{
    if (t->is_prefix != is_prefix)
        return t->is_prefix - is_prefix;
    size_t common = t->length < length ? t->length : length;
    int order = memcmp(t->text, text, common);
    return order != 0 ? order : (t->length > length) - (t->length < length);
}

/* Begin a scan of `plan`: no occurrence yet, the kinds of its terms, and
 * whether words need stemming only when they may match. */
static void scan_begin(scan *s, const snippet_plan *plan, analyzer *text_analyzer)
{
    s->plan = plan;
    s->first_start = SIZE_MAX;
    s->stem_some = analyzer_stem_keeps_start(text_analyzer);
    for (size_t i = 0; i < s->plan->term_count; i++) {
        const snippet_term *t = &s->plan->sorted[i];
        term_kind *kind = &s->kinds[t->is_prefix];
        if (kind->count++ == 0) {
            kind->first = i;
            kind->shortest = kind->longest = t->length;
        }
        if (t->length < kind->shortest)
            kind->shortest = t->length;
        if (t->length > kind->longest)
            kind->longest = t->length;
    }
}

/* The index of the term (is_prefix, text), or -1. */
static long find_term(const scan *s, int is_prefix, const char *text, size_t length)
{
    const term_kind *kind = &s->kinds[is_prefix];
    if (kind->count == 0 || length < kind->shortest || length > kind->longest)
        return -1;
    const snippet_term *sorted = s->plan->sorted;
    size_t low = kind->first, high = kind->first + kind->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (compare_term_to(&sorted[mid], is_prefix, text, length) < 0)
            low = mid + 1;
        else
            high = mid;
    }
    if (low < kind->first + kind->count
        && compare_term_to(&sorted[low], is_prefix, text, length) == 0)
        return (long)sorted[low].index;
    return -1;
}

/* Add `term` to the match's terms unless it is there (or no room is left). */
static void add_match_term(match *m, size_t term)
{
    for (unsigned i = 0; i < m->term_count; i++)
        if (m->terms[i] == term)
            return;
    if (m->term_count < MATCH_MAX_TERMS)
        m->terms[m->term_count++] = term;
}

static int collect_match(void *context, const analyzer_token *token)
{
    scan *s = context;
    match m = {token->start + s->offset, token->end + s->offset, token->position, 0, {0}};
    /* Every term but the exact words begins with a byte of
     * plan->stem_filter.first: most words need no look-up at all (an
     * empty term begins with NUL, which no term does); a word the
     * filter does not mark was not stemmed, and its form begins as no
     * such term does. */
    int term_may = s->plan->stem_filter.first[(unsigned char)token->term[0]];
    int form_may = s->plan->stem_filter.first[(unsigned char)token->form[0]];
    long found = term_may ? find_term(s, SNIPPET_WORD, token->term, token->term_length) : -1;
    if (found >= 0)
        m.terms[m.term_count++] = (size_t)found;
    /* a joined form (e-mail: email) is no word as written (=email) */
    if (!token->joined
        && (found = find_term(s, SNIPPET_EXACT, token->form, token->form_length)) >= 0)
        add_match_term(&m, (size_t)found);
    /* the prefixes the word starts with, as its term or as written, and
     * the prefixes whose stem it has (lower.h, "Prefixes") */
    if (term_may && (found = find_term(s, SNIPPET_ALIAS, token->term, token->term_length)) >= 0)
        add_match_term(&m, (size_t)found);
    const term_kind *prefixes = &s->kinds[SNIPPET_PREFIX];
    size_t shortest = prefixes->shortest > 1 ? prefixes->shortest : 1;
    for (size_t l = shortest; term_may && prefixes->count && l <= token->term_length
                              && l <= prefixes->longest && m.term_count < MATCH_MAX_TERMS; l++)
        if ((found = find_term(s, SNIPPET_PREFIX, token->term, l)) >= 0)
            add_match_term(&m, (size_t)found);
    for (size_t l = shortest; form_may && prefixes->count && l <= token->form_length
                              && l <= prefixes->longest && m.term_count < MATCH_MAX_TERMS; l++)
        if ((found = find_term(s, SNIPPET_PREFIX, token->form, l)) >= 0)
            add_match_term(&m, (size_t)found);
    if (m.term_count == 0)
        return 0;
    if (s->match_count == SNIPPET_MAX_MATCHES)
        return 1; /* enough to choose a window */
    if (ARRAY_RESERVE_ONE(s->matches, s->match_capacity, s->match_count, 64) != 0) {
        s->failed = 1;
        return 1;
    }
    s->matches[s->match_count++] = m;
    return 0;
}

static int match_has(const match *m, size_t term)
{
    for (unsigned i = 0; i < m->term_count; i++)
        if (m->terms[i] == term)
            return 1;
    return 0;
}

/* The first match from `from` on at or after `position`. */
static size_t match_at_or_after(const scan *s, size_t from, uint32_t position)
{
    size_t low = from, high = s->match_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (s->matches[mid].position < position)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

/* 1 when `leaf` occurs starting at match `first`: each next word at its
 * offset (with slop: after the previous word, at most `slop` later than
 * its offset says); its matches go to members[0, slot_count). */
static int leaf_occurs_at(const scan *s, const snippet_leaf *leaf, size_t first, size_t *members)
{
    const snippet_slot *slots = &s->plan->slots[leaf->first_slot];
    const match *head = &s->matches[first];
    if (!match_has(head, slots[0].term))
        return 0;
    members[0] = first;
    for (size_t k = 1; k < leaf->slot_count; k++) {
        uint64_t want = (uint64_t)head->position + slots[k].offset;
        uint64_t low = leaf->slop ? (uint64_t)s->matches[members[k - 1]].position + 1 : want;
        uint64_t high = want + leaf->slop;
        if (low > UINT32_MAX)
            return 0;
        size_t j = match_at_or_after(s, members[k - 1] + 1, (uint32_t)low);
        while (j < s->match_count && s->matches[j].position <= high
               && !match_has(&s->matches[j], slots[k].term))
            j++;
        if (j == s->match_count || s->matches[j].position > high)
            return 0;
        members[k] = j;
    }
    return 1;
}

static int add_occurrence(scan *s, size_t leaf_index, const size_t *members)
{
    const snippet_leaf *leaf = &s->plan->leaves[leaf_index];
    for (size_t k = 0; k < leaf->slot_count; k++) {
        if (ARRAY_RESERVE_ONE(s->members, s->member_capacity, s->member_count, 64) != 0)
            return -1;
        s->members[s->member_count++] = members[k];
    }
    if (ARRAY_RESERVE_ONE(s->occurrences, s->occurrence_capacity, s->occurrence_count, 32) != 0)
        return -1;
    const match *first = &s->matches[members[0]];
    const match *last = &s->matches[members[leaf->slot_count - 1]];
    s->occurrences[s->occurrence_count++] =
        (occurrence){first->start, last->end, first->position, last->position, leaf_index,
                     s->member_count - leaf->slot_count, leaf->slot_count, 0};
    return 0;
}

/* The occurrences of every leaf starting at matches [from, to), in text
 * order; with `first_only`, stop at the first (none kept).  Returns the
 * start of the first occurrence found, or SIZE_MAX. */
static size_t find_occurrences(scan *s, size_t from, size_t to, int first_only)
{
    size_t members[LOWER_MAX_PHRASE_TERMS];
    size_t first_start = SIZE_MAX;
    for (size_t i = from; i < to; i++)
        for (size_t l = 0; l < s->plan->leaf_count; l++) {
            if (!leaf_occurs_at(s, &s->plan->leaves[l], i, members))
                continue;
            if (first_start == SIZE_MAX)
                first_start = s->matches[i].start;
            if (first_only)
                return first_start;
            if (s->occurrence_count == SNIPPET_MAX_MATCHES)
                return first_start;
            if (add_occurrence(s, l, members) != 0) {
                s->failed = 1;
                return first_start;
            }
            s->leaves_seen[l % 64] = 1;
        }
    return first_start;
}

/* Under NEAR, an occurrence stands only with an occurrence of each other
 * leaf of its NEAR at most the distance away (as op-positional.c counts
 * it: the later start at most distance + 1 after the earlier end). */
static void drop_lonely_near(scan *s)
{
    const snippet_plan *plan = s->plan;
    for (size_t i = 0; i < s->occurrence_count; i++) {
        occurrence *o = &s->occurrences[i];
        long near = plan->leaves[o->leaf].near;
        if (near < 0)
            continue;
        uint64_t distance = (uint64_t)plan->near_distance[near] + 1;
        for (size_t l = 0; l < plan->leaf_count && !o->dropped; l++) {
            if (l == o->leaf || plan->leaves[l].near != near)
                continue;
            int partnered = 0;
            for (size_t j = 0; j < s->occurrence_count && !partnered; j++) {
                const occurrence *p = &s->occurrences[j];
                if (p->leaf != l)
                    continue;
                partnered = p->first_position > o->last_position
                                ? p->first_position - o->last_position <= distance
                                : o->first_position <= p->last_position
                                      || o->first_position - p->last_position <= distance;
            }
            o->dropped = !partnered;
        }
    }
}

/* Forget the matches too far back to be part of an occurrence (called
 * while none was found, so only a phrase's start can be among them). */
static void forget_old_matches(scan *s)
{
    if (s->match_count == 0)
        return;
    uint32_t last = s->matches[s->match_count - 1].position;
    size_t keep = last > PHRASE_MAX_SPAN ? match_at_or_after(s, 0, last - PHRASE_MAX_SPAN) : 0;
    if (keep == 0)
        return;
    memmove(s->matches, s->matches + keep, (s->match_count - keep) * sizeof *s->matches);
    s->match_count -= keep;
}

static int is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static unsigned char ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* What a chunk's probes say (chunk_may_match). */
enum {
    PROBE_NONE = 0,          /* no probe: no word there can match */
    PROBE_IN_WORD = 1,       /* probes only inside words ("rom" in "from"): none can
                              * match either, but the chunk is where the scan would
                              * have looked before, so it may stop after it */
    PROBE_AT_WORD = 2        /* a probe begins a word: analyse the chunk */
};

static int is_ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* probe_scan: how many times (up to `enough`) text[0, length) holds
 * `probe` (probe_length bytes) at a word's start, *inside set when it
 * was seen inside a word; probe_occurs: what that says of the chunk.
 * The probe's letters are matched in either ASCII case: PROBE_AT_WORD
 * when one begins a word,
 * else PROBE_IN_WORD when one is inside a word, else PROBE_NONE.  A word
 * beginning with the probe's first letter whose next letters are not
 * ASCII (Jón for "jon") counts as the probe at a word: they may fold to
 * it; so does one where a period, an ASCII hyphen or a comma follows its
 * first letters (U.S.A. for "usa", e-mail for "email", 1,000 for "1000":
 * analyzer.h).  A word the analyzer finds never begins right after an ASCII letter
 * or digit (it would have taken them into the word before) and a chunk
 * begins at whitespace, so a probe inside a word cannot start a word
 * matching its term: analysing the chunks where the probes were only
 * inside words was half the analysis of a wiki-dev snippet ('rome
 * climate': "from").  Only where the probe's first byte is (memchr, each
 * case in turn) is the rest compared: the byte-by-byte comparison at
 * every offset of every chunk was a fifth of a default query's
 * instructions on wiki-dev. */
static size_t probe_scan(const char *text, size_t length, const char *probe, size_t probe_length,
                         size_t enough, int *inside)
{
    size_t count = 0;
    *inside = 0;
    if (length < probe_length)
        return 0;
    unsigned char first = (unsigned char)probe[0];
    if (first >= 'A' && first <= 'Z')
        return 0; /* a folded byte is never upper case */
    unsigned char forms[2] = {first, first >= 'a' && first <= 'z' ? first - 32 : first};
    size_t starts = length - probe_length + 1; /* offsets where the probe fits */
    for (int form = 0; form < (forms[1] != first ? 2 : 1); form++) {
        const char *at = text, *stop = text + starts;
        while (at < stop && (at = memchr(at, forms[form], (size_t)(stop - at))) != NULL) {
            int word_start = at == text || !is_ascii_alnum((unsigned char)at[-1]);
            size_t k = 1;
            while (k < probe_length && ascii_lower((unsigned char)at[k]) == (unsigned char)probe[k])
                k++;
            /* U.S.A. may be usa, e-mail email and 1,000 1000: a period,
             * hyphen or comma inside a word's first letters may be left
             * out of its term */
            if (word_start && (k == probe_length || (unsigned char)at[k] >= 0x80
                               || at[k] == '.' || at[k] == '-' || at[k] == ',')) {
                if (++count == enough)
                    return count;
            } else if (k == probe_length)
                *inside = 1;
            at++;
        }
    }
    return count;
}

static int probe_occurs(const char *text, size_t length, const char *probe, size_t probe_length)
{
    int inside;
    return probe_scan(text, length, probe, probe_length, 1, &inside) ? PROBE_AT_WORD
           : inside                                              ? PROBE_IN_WORD
                                                                 : PROBE_NONE;
}

/* The length of the probe of `term` (chunk_may_match): its first ASCII
 * letters or digits, at most SNIPPET_PROBE_BYTES, at least one byte. */
static size_t term_probe_bytes(const snippet_term *term)
{
    size_t probe = 1;
    while (probe < term->length && probe < SNIPPET_PROBE_BYTES
           && ((term->text[probe] >= 'a' && term->text[probe] <= 'z')
               || (term->text[probe] >= '0' && term->text[probe] <= '9')))
        probe++;
    return probe;
}

/* The most any plan term's first letters (ASCII case-folded) say of
 * text[0, length) (probe_occurs; snippet.h: the cheap filter before
 * analysis). */
static int chunk_may_match(const snippet_plan *plan, const char *text, size_t length)
{
    if (plan->probe_all)
        return PROBE_AT_WORD;
    int found = PROBE_NONE;
    for (size_t t = 0; t < plan->term_count && found != PROBE_AT_WORD; t++) {
        const snippet_term *term = &plan->terms[t];
        int here = probe_occurs(text, length, term->text, term_probe_bytes(term));
        if (here > found)
            found = here;
    }
    return found;
}

/* 1 when text[from, end) ends with a hyphen (- U+2010 U+2011). */
static int ends_with_hyphen(const char *text, size_t from, size_t end)
{
    const unsigned char *u = (const unsigned char *)text;
    if (end > from && u[end - 1] == '-')
        return 1;
    return end - from >= 3 && u[end - 3] == 0xE2 && u[end - 2] == 0x80
           && (u[end - 1] == 0x90 || u[end - 1] == 0x91);
}

/* The end of the chunk starting at `at`: about SNIPPET_CHUNK_BYTES on, at
 * whitespace (a word is never cut), or `limit`.  Whitespace after a
 * hyphen may be inside a word cut at a line's end (infor-\nmation is
 * information: analyzer.h), so the chunk goes on past it, for the parts
 * of one compound at most (a run of such hyphens is cut after them). */
static size_t chunk_end(const char *text, size_t at, size_t limit)
{
    if (limit - at <= SNIPPET_CHUNK_BYTES)
        return limit;
    size_t end = at + SNIPPET_CHUNK_BYTES;
    for (int parts = 1;; parts++) {
        while (end < limit && !is_space((unsigned char)text[end]))
            end++;
        if (end == limit || parts > ANALYZER_MAX_JOINED_PARTS || !ends_with_hyphen(text, at, end))
            return end;
        while (end < limit && is_space((unsigned char)text[end]))
            end++;
    }
}

static size_t best_window(const scan *s, size_t width, size_t *distinct_out, size_t *count_out);

/* Find the occurrences starting at the matches that can be complete
 * (their first word at least a leaf's span before the last word
 * analysed). */
static void find_complete_occurrences(scan *s)
{
    uint64_t complete = (uint64_t)s->plan->max_span + 1;
    size_t to = s->next_position > complete
                    ? match_at_or_after(s, 0, (uint32_t)(s->next_position - complete)) : 0;
    if (to > s->occurrences_to) {
        find_occurrences(s, s->occurrences_to, to, 0);
        s->occurrences_to = to;
    }
}

/* 1 when, among the occurrences that can be complete, a window holds
 * every leaf (NEAR aside): the scan can stop. */
static int window_holds_every_leaf(scan *s)
{
    find_complete_occurrences(s);
    size_t leaves = s->plan->leaf_count < 64 ? s->plan->leaf_count : 64;
    for (size_t l = 0; l < leaves; l++)
        if (!s->leaves_seen[l])
            return 0;
    size_t distinct = 0, count = 0;
    best_window(s, s->width, &distinct, &count);
    return distinct == leaves;
}

/* 1 when the character at p (its lead byte; `left` bytes readable)
 * may be a letter or digit: not one of the spaces and punctuation of
 * U+00A0..U+00BF (but ª ² ³ µ ¹ º ¼ ½ ¾, which fold to letters and
 * digits) and U+2000..U+206F (dashes, quotes, bullets, format), most
 * of the non-ASCII characters between the words of an English text. */
static int may_be_alnum(const unsigned char *p, size_t left)
{
    if (left >= 2 && p[0] == 0xC2 && p[1] >= 0xA0 && p[1] <= 0xBF)
        return p[1] == 0xAA || p[1] == 0xB2 || p[1] == 0xB3 || p[1] == 0xB5 || p[1] == 0xB9
               || p[1] == 0xBA || p[1] >= 0xBC;
    if (left >= 3 && p[0] == 0xE2 && (p[1] == 0x80 || (p[1] == 0x81 && p[2] < 0xB0)))
        return 0;
    return 1;
}

/* 1 when text[0, length) holds a non-ASCII character that may begin a
 * word (a lead byte not after an ASCII letter or digit, of a character
 * that may_be_alnum): such a word may fold to any term (Émile to
 * "emile", ｃａｔ to "cat"), so the probes cannot bound the occurrences
 * there. */
static int may_start_non_ascii_word(const char *text, size_t length)
{
    const unsigned char *bytes = (const unsigned char *)text;
    const uint64_t high = UINT64_C(0x8080808080808080);
    for (size_t i = 0; i < length; i++) {
        uint64_t eight;
        /* eight ASCII bytes at a time */
        while (length - i >= 8 && (memcpy(&eight, bytes + i, 8), !(eight & high)))
            i += 8;
        if (i < length && bytes[i] >= 0xC0 && (i == 0 || !is_ascii_alnum(bytes[i - 1]))
            && may_be_alnum(bytes + i, length - i))
            return 1;
    }
    return 0;
}

/* The letters a stem's letter `letter` (its second or third, `at` 1 or
 * 2) may stand for in its word: itself, and with the english and porter
 * stemmers 'y' for an 'i' (dying, crying), 'i' for a 'y' (skies), 'i'
 * for a third 'e' (using is "use"): so stem every word of 1 to 4 letters,
 * every 2 or 3 letters followed by one of 80 suffixes (1.9 million words
 * in all) and wiki-dev's 337,999 ASCII written forms, by libstemmer.
 * Returns how many, into `letters`. */
static size_t stem_letter_sources(unsigned char letter, int at, unsigned char letters[3])
{
    size_t n = 0;
    letters[n++] = letter;
    if (letter == 'i')
        letters[n++] = 'y';
    if (letter == 'y' || (at == 2 && letter == 'e'))
        letters[n++] = 'i';
    return n;
}

/* A bound on the words of text[0, length) that may be occurrences of
 * `term` once analysed (counted up to about `enough`), for a stemmer
 * that keeps its words' starts (analyzer_stem_keeps_start) and a text
 * without non-ASCII words (may_start_non_ascii_word): the words that
 * begin with the term's probe or with a letter a stem may change there
 * (stem_letter_sources): the chunk filter's probes alone missed crying
 * for "cri", dying for "die", skies for "sky", using for "use". */
static size_t occurrences_bound(const char *text, size_t length, const snippet_term *term,
                                size_t enough)
{
    size_t probe = term_probe_bytes(term);
    unsigned char second[3] = {0}, third[3] = {0};
    size_t seconds = probe > 1 ? stem_letter_sources((unsigned char)term->text[1], 1, second) : 1;
    size_t thirds = probe > 2 ? stem_letter_sources((unsigned char)term->text[2], 2, third) : 1;
    size_t count = 0;
    for (size_t a = 0; a < seconds && count < enough; a++)
        for (size_t b = 0; b < thirds && count < enough; b++) {
            char variant[SNIPPET_PROBE_BYTES];
            memcpy(variant, term->text, probe);
            if (probe > 1)
                variant[1] = (char)second[a];
            if (probe > 2)
                variant[2] = (char)third[b];
            int inside;
            count += probe_scan(text, length, variant, probe, enough - count, &inside);
        }
    return count;
}

/* 1 when analysing the chunk text[at, end) cannot change the window
 * chosen, so the scan may pass over it as over a chunk without probes.
 * A window that would hold an occurrence with a word in the chunk lies
 * within `width` bytes of it, and each of its occurrences begins with a
 * word occurrences_bound counts (but where a word may begin with a
 * non-ASCII character: then the chunk is analysed), so the leaves and
 * those words there bound its distinct leaves and its occurrences:
 * when that bound is below the best window of what was
 * analysed (or equal to it, and that window starts before any such
 * window could: the first of equals is chosen), the chunk is passed
 * over.  On wiki-dev, an AND query whose words are never near each
 * other in a long article analysed 32 KiB after the first match, where
 * most chunks held one word's probe alone.  Only for plans of single
 * words without NEAR (a skipped chunk would cut a phrase or part a NEAR)
 * and without prefixes (whose aliases have other probes). */
static int chunk_cannot_win(scan *s, const char *text, size_t at, size_t end, size_t limit)
{
    const snippet_plan *plan = s->plan;
    if (!s->stem_some || plan->near_count || plan->max_span || plan->probe_all
        || plan->leaf_count > 64 || s->kinds[SNIPPET_PREFIX].count
        || s->kinds[SNIPPET_ALIAS].count)
        return 0;
    find_complete_occurrences(s);
    size_t best_distinct = 0, best_count = 0;
    size_t best = best_window(s, s->width, &best_distinct, &best_count);
    if (best == SIZE_MAX)
        return 0;
    size_t from = at > s->width ? at - s->width : 0;
    size_t to = limit - end > s->width ? end + s->width : limit;
    int ties_lose = s->occurrences[best].start + s->width < at;
    size_t distinct = 0, count = 0;
    for (size_t l = 0; l < plan->leaf_count; l++) {
        const snippet_term *term = &plan->terms[plan->slots[plan->leaves[l].first_slot].term];
        size_t here = occurrences_bound(text + from, to - from, term, best_count + 1);
        distinct += here > 0;
        count += here;
        if (distinct > best_distinct || (distinct == best_distinct && count > best_count)
            || (distinct == best_distinct && count == best_count && !ties_lose))
            return 0;
    }
    /* last: the probes end most calls first */
    return !may_start_non_ascii_word(text + from, to - from);
}

/* Analyse text[s->next_at, limit) chunk by chunk into s's matches, until
 * a window holds every leaf or s->around bytes past the first
 * occurrence.  Returns the bytes analysed,
 * or SIZE_MAX when out of memory. */
static size_t scan_text(analyzer *text_analyzer, const char *text, size_t limit, scan *s)
{
    size_t analysed = 0;
    size_t at = s->next_at;
    while (at < limit) {
        if (!s->whole && s->first_start != SIZE_MAX && at - s->first_start >= s->around)
            break;
        size_t end = chunk_end(text, at, limit);
        int probes = chunk_may_match(s->plan, text + at, end - at);
        if (probes == PROBE_AT_WORD && !s->whole && s->first_start != SIZE_MAX
            && chunk_cannot_win(s, text, at, end, limit))
            probes = PROBE_IN_WORD; /* passed over as such a chunk is */
        if (probes == PROBE_AT_WORD) {
            size_t before = s->match_count;
            s->offset = at;
            /* collect_match compares a word's stem only with terms
             * beginning as plan->stem_filter marks, and any other word
             * only with the exact words (=word): without them, it needs
             * no other word */
            int only = s->kinds[SNIPPET_EXACT].count == 0 ? ANALYZE_STEMMED_ONLY : 0;
            /* the compounds' joined forms are indexed: email is found in e-mail */
            only |= ANALYZE_JOINED;
            int rc = s->stem_some
                         ? analyzer_run_stemming(text_analyzer, text + at, end - at,
                                                 s->next_position, &s->plan->stem_filter, only,
                                                 collect_match, s, &s->next_position)
                         : analyzer_run(text_analyzer, text + at, end - at, s->next_position,
                                        ANALYZE_JOINED, collect_match, s, NULL,
                                        &s->next_position);
            analysed += end - at;
            if (rc == COPS_ENOMEM || s->failed)
                return SIZE_MAX;
            if (rc != 0) {
                at = limit; /* as many matches as a window needs */
                break;
            }
            if (s->first_start == SIZE_MAX) {
                s->first_start = find_occurrences(s, before > 64 ? before - 64 : 0,
                                                  s->match_count, 1);
                if (s->first_start == SIZE_MAX)
                    forget_old_matches(s);
            }
            if (!s->whole && s->first_start != SIZE_MAX && window_holds_every_leaf(s))
                break;
        } else {
            /* one position per byte: more than the words skipped */
            uint64_t next = (uint64_t)s->next_position + (end - at);
            s->next_position = next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
            /* Where the probes are only inside words, the scan stops (and
             * counts the bytes) as when such a chunk was analysed for no
             * match: the same window is chosen. */
            if (probes == PROBE_IN_WORD) {
                analysed += end - at;
                if (!s->whole && s->first_start != SIZE_MAX && window_holds_every_leaf(s))
                    break;
            }
        }
        at = end;
    }
    s->next_at = at;
    return analysed;
}

static size_t char_start(const char *text, size_t at)
{
    while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

/* The first occurrence (kept, in text order) of the best window of
 * `width` bytes: the most distinct leaves (*distinct_out), then the most
 * occurrences; SIZE_MAX when none is kept. */
static size_t best_window(const scan *s, size_t width, size_t *distinct_out, size_t *count_out)
{
    size_t best = SIZE_MAX, best_distinct = 0, best_count = 0;
    unsigned char seen[64];
    for (size_t i = 0; i < s->occurrence_count; i++) {
        if (s->occurrences[i].dropped)
            continue;
        memset(seen, 0, sizeof seen);
        size_t distinct = 0, count = 0;
        for (size_t j = i; j < s->occurrence_count
                           && s->occurrences[j].end - s->occurrences[i].start <= width; j++) {
            if (s->occurrences[j].dropped)
                continue;
            size_t leaf = s->occurrences[j].leaf % 64;
            distinct += !seen[leaf];
            seen[leaf] = 1;
            count++;
        }
        if (best == SIZE_MAX || distinct > best_distinct
            || (distinct == best_distinct && count > best_count)) {
            best = i;
            best_distinct = distinct;
            best_count = count;
        }
    }
    *distinct_out = best_distinct;
    *count_out = best_count;
    return best;
}

/* Choose [start, end) of about `width` bytes around occurrence `anchor`
 * (or the beginning). */
static void choose_window(const char *text, size_t length, size_t full_length, const scan *s,
                          size_t anchor_index, size_t width, size_t *start_out, size_t *end_out)
{
    size_t start = 0;
    if (anchor_index != SIZE_MAX) {
        /* Leave some context before the first match, from a word start. */
        size_t anchor = s->occurrences[anchor_index].start;
        size_t lead = width / 4;
        start = anchor > lead ? anchor - lead : 0;
        if (start > 0) {
            while (start < anchor && !is_space((unsigned char)text[start - 1]))
                start++;
        }
    }
    size_t end = start + width < length ? start + width : length;
    if (end < full_length) {
        /* at a space; past the text read, what follows is unknown */
        size_t cut = end;
        while (cut > start && !(cut < length && is_space((unsigned char)text[cut])))
            cut--;
        if (cut > start)
            end = cut;
        else
            end = char_start(text, end);
    }
    *start_out = char_start(text, start);
    *end_out = end;
}

typedef struct byte_range {
    size_t start, end;
} byte_range;

static int compare_ranges(const void *a, const void *b)
{
    const byte_range *x = a, *y = b;
    /* at one start the longest first: a compound's joined term (e-mail)
     * is kept over its first part (e), which starts there too */
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->end < y->end) - (x->end > y->end);
}

/* The words to highlight in [start, end): those of the occurrences kept
 * there, sorted, each once.  *out (malloc'd) is NULL when there are none;
 * returns -1 when out of memory. */
static int highlighted_words(const scan *s, size_t start, size_t end, byte_range **out,
                             size_t *count)
{
    *out = NULL;
    *count = 0;
    byte_range *ranges = NULL;
    size_t used = 0, capacity = 0;
    for (size_t i = 0; i < s->occurrence_count; i++) {
        const occurrence *o = &s->occurrences[i];
        if (o->dropped || o->start < start || o->end > end)
            continue;
        for (size_t k = 0; k < o->member_count; k++) {
            if (ARRAY_RESERVE_ONE(ranges, capacity, used, 16) != 0) {
                free(ranges);
                return -1;
            }
            const match *m = &s->matches[s->members[o->first_member + k]];
            ranges[used++] = (byte_range){m->start, m->end};
        }
    }
    if (used)
        qsort(ranges, used, sizeof *ranges, compare_ranges);
    size_t unique = 0;
    for (size_t i = 0; i < used; i++)
        if (unique == 0 || ranges[i].start != ranges[unique - 1].start)
            ranges[unique++] = ranges[i];
    *out = ranges;
    *count = unique;
    return 0;
}

/* Copy text[start, end) into `out`, whitespace runs as one space (none
 * inside a word), with a span for each of `words` (sorted; those overlapping a word already
 * copied are skipped).  Returns the spans (malloc'd) or NULL, and their
 * count; out->failed when out of memory. */
static cops_span *copy_window(const char *text, size_t start, size_t end, const byte_range *words,
                              size_t word_count, byte_buffer *out, size_t *span_count)
{
    cops_span *spans = NULL;
    size_t used = 0, capacity = 0, next = 0;
    int previous_space = 1;
    for (size_t at = start; at < end;) {
        while (next < word_count && words[next].start < at)
            next++; /* overlapped by a hyphen part already copied */
        if (next < word_count && words[next].start == at) {
            const byte_range *w = &words[next++];
            if (ARRAY_RESERVE_ONE(spans, capacity, used, 16) != 0) {
                out->failed = 1; /* reported as the buffer's failures are */
                break;
            }
            /* a word cut at a line's end (infor-\nmation, one match:
             * analyzer.h) is shown without its line break */
            size_t span_start = out->length;
            for (size_t k = w->start; k < w->end; k++)
                if (!is_space((unsigned char)text[k]))
                    buffer_append_byte(out, text[k]);
            spans[used++] = (cops_span){span_start, out->length - span_start};
            at = w->end;
            previous_space = 0;
            continue;
        }
        unsigned char c = (unsigned char)text[at];
        if (is_space(c)) {
            if (!previous_space)
                buffer_append_byte(out, ' ');
            previous_space = 1;
        } else {
            buffer_append_byte(out, c);
            previous_space = 0;
        }
        at++;
    }
    while (out->length > 0 && out->data[out->length - 1] == ' ')
        out->length--;
    *span_count = used;
    return spans;
}

static void scan_free(scan *s)
{
    free(s->matches);
    free(s->occurrences);
    free(s->members);
    memset(s, 0, sizeof *s);
}

/* Where the scan of text[0, length) must stop: `length`, or when the
 * stored text goes on past it, the last whitespace before it (a word cut
 * by the read is not analysed until more is read). */
static size_t scan_limit(const snippet_source *source, size_t from)
{
    size_t limit = source->length;
    if (limit < source->stored_length) {
        while (limit > from && !is_space((unsigned char)source->text[limit - 1]))
            limit--;
    }
    return limit;
}

/* Scan what `source` holds, reading more of it (eight times as much each
 * time, up to SNIPPET_TEXT_BYTES) while nothing occurs, then find and
 * filter the occurrences.  0, COPS_ENOMEM or the error of read_more. */
static int scan_source(analyzer *text_analyzer, snippet_source *source, size_t *scan_budget,
                       scan *s, cops_error *err)
{
    for (;;) {
        size_t limit = scan_limit(source, s->next_at);
        size_t cap = SNIPPET_SCAN_BYTES;
        if (scan_budget && *scan_budget < cap - s->next_at)
            cap = s->next_at + *scan_budget; /* skipped chunks count too: a bound */
        int capped = limit > cap;
        if (capped)
            limit = cap;
        if (s->plan->leaf_count == 0)
            break;
        size_t analysed = scan_text(text_analyzer, source->text, limit, s);
        if (analysed == SIZE_MAX)
            return COPS_ENOMEM;
        if (scan_budget)
            *scan_budget -= analysed < *scan_budget ? analysed : *scan_budget;
        if (s->first_start != SIZE_MAX || capped || s->next_at < limit || !source->read_more
            || source->length >= source->stored_length || source->length >= SNIPPET_TEXT_BYTES)
            break;
        size_t more = source->length * 8 < SNIPPET_TEXT_BYTES ? source->length * 8
                                                               : SNIPPET_TEXT_BYTES;
        int rc = source->read_more(source->context, more, &source->text, &source->length, err);
        if (rc != 0)
            return rc;
    }
    find_occurrences(s, s->occurrences_to, s->match_count, 0);
    if (s->failed)
        return COPS_ENOMEM;
    drop_lonely_near(s);
    return 0; /* the occurrences are in text order: by their first match */
}

int snippet_build(analyzer *text_analyzer, snippet_source *source, const snippet_plan *plan,
                  size_t target_chars, size_t *scan_budget, char **text_out,
                  cops_span **spans_out, size_t *span_count, cops_error *err)
{
    *text_out = NULL;
    *spans_out = NULL;
    *span_count = 0;
    size_t width = target_chars ? target_chars : SNIPPET_DEFAULT_CHARS;
    scan s = {0};
    scan_begin(&s, plan, text_analyzer);
    s.width = width;
    s.around = width * 8 > SNIPPET_AROUND_BYTES ? width * 8 : SNIPPET_AROUND_BYTES;
    int rc = scan_source(text_analyzer, source, scan_budget, &s, err);
    if (rc != 0) {
        scan_free(&s);
        return rc == COPS_ENOMEM ? error_set(err, COPS_ENOMEM, "out of memory making a snippet") : rc;
    }
    size_t full_length = source->stored_length < source->length ? source->length
                                                                : source->stored_length;
    size_t start, end;
    size_t distinct, count;
    choose_window(source->text, source->length, full_length, &s,
                  best_window(&s, width, &distinct, &count), width, &start, &end);
    byte_range *words = NULL;
    size_t word_count = 0;
    byte_buffer out = BUFFER_INIT;
    cops_span *spans = NULL;
    if (highlighted_words(&s, start, end, &words, &word_count) != 0)
        out.failed = 1;
    else {
        if (start > 0)
            buffer_append(&out, "\xe2\x80\xa6", 3);
        spans = copy_window(source->text, start, end, words, word_count, &out, span_count);
        if (end < full_length)
            buffer_append(&out, "\xe2\x80\xa6", 3);
        buffer_append_byte(&out, '\0');
    }
    free(words);
    scan_free(&s);
    if (buffer_failed(&out)) {
        buffer_free(&out);
        free(spans);
        *span_count = 0;
        return error_set(err, COPS_ENOMEM, "out of memory making a snippet");
    }
    *text_out = (char *)out.data;
    *spans_out = spans;
    return 0;
}

int snippet_highlight(analyzer *text_analyzer, const char *text, size_t length,
                      const snippet_plan *plan, cops_span **spans_out, size_t *span_count,
                      cops_error *err)
{
    *spans_out = NULL;
    *span_count = 0;
    scan s = {0};
    scan_begin(&s, plan, text_analyzer);
    s.whole = 1;
    if (plan->leaf_count > 0 && scan_text(text_analyzer, text, length, &s) == SIZE_MAX)
        s.failed = 1;
    if (!s.failed)
        find_occurrences(&s, 0, s.match_count, 0);
    drop_lonely_near(&s);
    byte_range *words = NULL;
    size_t word_count = 0;
    cops_span *spans = NULL;
    if (!s.failed && highlighted_words(&s, 0, length, &words, &word_count) != 0)
        s.failed = 1;
    if (!s.failed && word_count && !(spans = malloc(word_count * sizeof *spans)))
        s.failed = 1;
    for (size_t i = 0; spans && i < word_count; i++)
        spans[i] = (cops_span){words[i].start, words[i].end - words[i].start};
    int failed = s.failed;
    free(words);
    scan_free(&s);
    if (failed) {
        free(spans);
        return error_set(err, COPS_ENOMEM, "out of memory highlighting a document");
    }
    *spans_out = spans;
    *span_count = spans ? word_count : 0;
    return 0;
}
