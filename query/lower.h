/*
 * lower.h — the meaning of a parsed query, stated once for every engine.
 *
 * query_parse (parser.h) gives the query as typed; lower_query turns that
 * tree, once per search, into a plan in the index's terms, which each
 * engine only maps onto its own operators: the native planner (plan.h)
 * into matchers per segment, the Xapian planner (xapian/xapian-plan.h)
 * into a Xapian query.  Every decision about what a query means is taken
 * here; a planner decides only how its engine does it.
 *
 * What lowering decides:
 *  - Analysis.  Words and phrases go through the index's analyzer exactly
 *    as documents did (prefixes without stemming).  A word or phrase of
 *    one term is a TERM; of several (a phrase, or a word like
 *    community-oriented) a PHRASE with each term's offset from the first
 *    (the analyzer's positions, so a dropped stop word leaves its gap)
 *    and the phrase's slop (~n; 0 for a word).  More than
 *    LOWER_MAX_PHRASE_TERMS terms: COPS_ELIMIT.
 *  - Hyphenated words.  A word (not a phrase) that is one hyphenated
 *    compound the analyzer joins (analyzer.h, ANALYZE_JOINED: e-mail,
 *    well-known) is OR(PHRASE of its parts, TERM of its joined form):
 *    the index holds the joined form at each such compound's first part,
 *    so e-mail matches what wrote e-mail, e mail or email, and email
 *    matches e-mail too.  Inside a phrase a compound is its parts only:
 *    "e-mail address" matches e-mail address and e mail address, and
 *    "email address" matches email address only (the joined term sits
 *    at e, two words before address), while "send email" matches send
 *    e-mail.
 *  - Fields.  Every term is in one field, body or title.  A word, phrase
 *    or NEAR without title: matches in the body or in the title:
 *    OR(body version, TITLE(title version)); with title: only
 *    TITLE(title version).  A term in the title scores with weight
 *    plan->title_weight; TITLE marks a sub-plan wholly in the title, for
 *    an engine that weights a whole sub-query rather than each term.
 *  - Dropped words.  A word, phrase or prefix that analyses to no term
 *    (only punctuation, only stop words) constrains nothing: it is left
 *    out of its parent, an operator left without operands is left out in
 *    turn, and a plan left with nothing is NOTHING (matches no document;
 *    cops_search refuses such a query first: lower_check_searchable).
 *    An AND or OR of one operand is that operand; a NEAR of one operand
 *    is that operand.
 *  - NOT and match-all.  An AND lists its required children first
 *    (required_count of them), then its exclusions; an AND of exclusions
 *    only requires ALL.  An AND of one required child and no exclusion is
 *    that child.  A NOT outside an AND (the parser makes none) is
 *    AND(ALL, NOT child).  AND_MAYBE has exactly two children, required
 *    and optional (a dropped side leaves the other alone).
 *  - NEAR.  Its operands (at least two) are TERMs or PHRASEs, each in the
 *    field of the NEAR's version or in the title for a title: operand,
 *    within `distance` positions of each other in any order; at most
 *    LOWER_MAX_PHRASE_TERMS operands (COPS_ELIMIT).
 *  - Prefixes.  A PREFIX carries the analysed, unstemmed prefix terms[0]
 *    (the last word of what was typed: e-mai* is AND(PREFIX mai, the
 *    word e in either field), and, as the analyzer joins e-mai, that OR
 *    PREFIX emai, so e-mail* finds email as e-mail does), the fields it
 *    expands in, and the
 *    expansion policy.  The index holds stems, not the words typed, so it
 *    matches the terms that begin with terms[0], also, as an exact
 *    term, the prefix's own stem terms[1] (term_count 2) unless that
 *    stem begins with terms[0] already: study* is study... or studi,
 *    universe* universe... or univers, so a prefix matches at least what
 *    the word matches; and, where a native segment records the words as
 *    written (its SURFACE section, index-format/surface.h), the terms of
 *    every word that starts with terms[0] (universit* reaches univers
 *    through university, happin* happi through happiness).  So a prefix
 *    matches what the OR of every word of the index starting with it
 *    matches (and the prefix as a word).  The Xapian engine's index holds
 *    no words as written: there a prefix expands without them (a subset
 *    of the native match set; documented in cops-query(1)).  The stem is one exact term, not a second prefix:
 *    stemming a partial word can cut it short (aed -> a), and a* would
 *    match nearly everything.  The stem counts as one expansion against
 *    the bounds below.  Scoring: the expansions in one field are
 *    one blended term, their tf in the document summed and scored with
 *    the idf of the largest df among them (the whole index's df of each
 *    expansion found in the segment), so a rare expansion does not
 *    outweigh the word meant; the two fields are OR-ed like a word's.
 *    The Xapian engine ORs the same expansions, each with its own idf
 *    (it cannot express this df: query/RANKING.md).  The policy:
 *    at most max_terms terms for this prefix (both fields together): when
 *    more start with it, the max_terms in the most documents are kept
 *    (query/fuzzy.h: ties in the order found, each field's terms in byte
 *    order, then its stem and words as written, the body's first) and
 *    the search says so (lower_note_cut, a note of the results).  The
 *    scan collects at most prefix_scan_cap(max_terms) terms (100 times
 *    max_terms, at most PREFIX_SCAN_MAX) before choosing: beyond, the
 *    first ones in that order are the candidates, and the note says the
 *    count is a lower bound.  All prefixes of the query together keep at
 *    most plan->max_query_prefix_terms terms, else the search fails
 *    (COPS_ELIMIT: a query of many short prefixes is refused, not cut).
 *    Each engine expands it against its own term dictionary, which is
 *    only known there (a segment's, or Xapian's); the native engine
 *    chooses in each segment (with the whole index's df), so with
 *    several segments the kept sets can differ between segments, as a
 *    fuzzy word's do.
 *  - Boosts.  x^n is SCALE(x) with weight n (the parser bounds it: 0 < n
 *    <= QUERY_MAX_BOOST); a boosted part that is dropped drops its SCALE.
 *    Scores of everything under it are multiplied by n, title weights
 *    included; exclusions under it score nothing either way.
 *  - Fuzzy words.  word~n is a FUZZY of the word's analysed term (case
 *    folded and stemmed, as the index holds it) in the fields it asks
 *    for: the term itself and every indexed term within n edits of it
 *    (optimal string alignment over bytes, query/suggest.h's distance)
 *    among the terms that start with the term's first or its second byte
 *    (so a wrong first letter is reached only through the second),
 *    reading at most SUGGEST_MAX_VISITS terms of each.  When more than
 *    max_terms (LOWER_MAX_FUZZY_TERMS) are that near, the nearest are
 *    kept, then the ones in most documents (query/fuzzy.h).  The kept
 *    terms of one field score as one blended term, as a prefix's do, so
 *    a rare misspelling does not outrank the word.  A word that analyses
 *    to several terms (e-mail~1) is the AND of each term's FUZZY; a stop
 *    word or punctuation is dropped like a word.  The Xapian engine ORs
 *    (OP_OR) the same expansions, each with its own idf.
 *
 * Exact forms.  A WORD typed with a leading '=' (=Sessions) matches the
 * word as written only (normalised and case-folded, not stemmed): with
 * LOWER_EXACT_KEYS (a native index built with --exact-forms) its terms
 * are LOWER_EXACT_MARK followed by the unstemmed word, the keys that
 * index holds for every word as written; with LOWER_EXACT_PLAIN (an index
 * without stemming) the word itself; with LOWER_EXACT_NONE the search
 * fails (COPS_EINVAL, naming the option), never falling back to the stem.
 *
 * The plan borrows the parse tree (each leaf's `source`, for messages):
 * free the plan before the tree.
 */
#ifndef COPS_QUERY_LOWER_H
#define COPS_QUERY_LOWER_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/parser.h"

/* Expansions of one fuzzy word (both fields together). */
#define LOWER_MAX_FUZZY_TERMS 50

/* Terms in one phrase, operands of one NEAR. */
#define LOWER_MAX_PHRASE_TERMS 64
/* A term's bytes: an analysed term, or SEGMENT_EXACT_FORM and a word as
 * written ("Exact forms" above). */
#define LOWER_MAX_TERM_BYTES (ANALYZER_MAX_TERM_BYTES + 1)
#define LOWER_EXACT_MARK '\x02' /* = SEGMENT_EXACT_FORM (index-format/segment.h) */

typedef enum lower_kind {
    LOWER_TERM,      /* terms[0] in `field` */
    LOWER_PHRASE,    /* terms[0..term_count) in `field` at their offsets, within `slop` */
    LOWER_PREFIX,    /* terms[0..term_count) (1 or 2 starts) expanded in `fields`,
                      * at most `max_terms` terms */
    LOWER_NEAR,      /* children (TERM or PHRASE) within `distance` of each other */
    LOWER_TITLE,     /* children[0], every term of which is in the title */
    LOWER_AND,       /* children[0..required_count) all, none of the others */
    LOWER_OR,        /* any child */
    LOWER_AND_MAYBE, /* children[0] required; children[1] adds its score when it matches too */
    LOWER_DATE,      /* date_from..date_to inclusive, YYYYMMDD, 0 = open; undated never */
    LOWER_ALL,       /* every document, score 0 */
    LOWER_NOTHING,   /* no document */
    LOWER_FUZZY,     /* terms[0] and the terms within `distance` edits of it in `fields`,
                      * at most `max_terms` of them */
    LOWER_SCALE      /* children[0], its score times `weight` */
} lower_kind;

/* Fields, as bits (a PREFIX may expand in both). */
enum { LOWER_FIELD_BODY = 1, LOWER_FIELD_TITLE = 2 };

typedef struct lower_term {
    char text[LOWER_MAX_TERM_BYTES + 1];
    uint32_t offset;             /* PHRASE: analyser position minus the first term's */
} lower_term;

typedef struct lower_node {
    lower_kind kind;
    int field;                   /* TERM, PHRASE: one field; PREFIX: the fields */
    uint32_t slop;               /* PHRASE */
    uint32_t distance;           /* NEAR; FUZZY: the most edits */
    size_t max_terms;            /* PREFIX, FUZZY */
    uint32_t date_from, date_to; /* DATE */
    struct lower_node **children;
    size_t child_count;
    size_t required_count;       /* AND */
    double weight;               /* TERM: the factor on its score, 1; 0 for a function
                                  * word of a long query (lower_options); SCALE: the
                                  * boost */
    const query_node *source;    /* the parse node it comes from (borrowed), for messages */
    size_t term_count;
    lower_term terms[];          /* TERM (1), PHRASE (>= 2), PREFIX (1 or 2 starts) */
} lower_node;

/* What an engine's planner found that the person should be told: filled
 * while planning (through the plan's pointer, the plan itself being
 * const there), read by the search into its results (results.h). */
/* One word whose expansions were cut to its max_terms (lower_note_cut). */
typedef struct lower_cut {
    const query_node *word;         /* the first such word, or NULL */
    size_t found;                   /* terms it matched (in one segment: the most of any) */
    size_t kept;                    /* its max_terms */
    int stopped;                    /* a prefix's scan stopped at prefix_scan_cap
                                     * (query/fuzzy.h): `found` is a lower bound */
} lower_cut;

typedef struct lower_notes {
    lower_cut fuzzy;                /* a fuzzy word's */
    lower_cut prefix;               /* a prefix's */
} lower_notes;

typedef struct lower_plan {
    lower_node *root;
    lower_notes *notes;             /* points to the plan's own `found` */
    lower_notes found;
    double title_weight;            /* the weight of a term in the title */
    size_t max_query_prefix_terms;  /* all prefix expansions of the query together */
} lower_plan;

/* The expansion policy and the title weight (cops_search_options's). */
/* lower_options.exact_forms: what =word can mean on the index. */
enum { LOWER_EXACT_NONE = 0, LOWER_EXACT_KEYS, LOWER_EXACT_PLAIN };

typedef struct lower_options {
    double title_weight;
    size_t max_prefix_terms;
    size_t max_query_prefix_terms;
    int stop_words_score_nothing; /* the query's stop words get weight 0
                                   * (stopwords_apply, query/stopwords.h) */
    int exact_forms;              /* LOWER_EXACT_*, "Exact forms" above */
} lower_options;

/* What =word means on an index of this analysis (LOWER_EXACT_*). */
int lower_exact_forms_of(const analyzer_config *analysis);

/* The lowering's options of a search's (stop words still scoring). */
lower_options lower_options_from(const cops_search_options *options);

/* Lower `tree` (borrowed; must outlive the plan), analysing with
 * `text_analyzer`.  *out (OUT) receives the plan; free it with
 * lower_plan_free.  Errors: COPS_ELIMIT (a phrase or NEAR beyond
 * LOWER_MAX_PHRASE_TERMS, the message says which), the analyzer's error,
 * COPS_EINVAL (an unknown node kind), COPS_ENOMEM; *out is NULL then. */
int lower_query(analyzer *text_analyzer, const query_node *tree, const lower_options *options,
                lower_plan **out, cops_error *err);

/* Whether `tree` searches for anything: a query whose every word, phrase
 * or prefix analyses to no term (only punctuation or symbols: "!!!",
 * "-", "NOT ???") would be lowered to nothing, or with only exclusions
 * to every document, though what was typed may well be in them; it
 * fails instead with COPS_ESYNTAX, err->column at its first word.  A
 * query with one word that has a term, a date, or `*` alone passes (0),
 * its empty words dropped as above. */
int lower_check_searchable(analyzer *text_analyzer, const query_node *tree, cops_error *err);

/* NULL is accepted. */
void lower_plan_free(lower_plan *plan);

/* Record in plan->notes that the FUZZY or PREFIX `node` had `found`
 * terms within its edits or starting with it, more than its max_terms
 * (the first such word of each kind is named); `stopped`: the prefix's
 * scan stopped there (query/fuzzy.h, prefix_scan_cap). */
void lower_note_cut(const lower_plan *plan, const lower_node *node, size_t found, int stopped);

/* How an engine makes its query of a plan, one node at a time (its
 * planner fills this table; lower_build walks the plan).  Each callback
 * returns the engine's query (a matcher, a Xapian query), or NULL having
 * recorded the error in `engine`:
 *  - leaf: TERM, PHRASE, PREFIX, DATE, ALL, NOTHING;
 *  - op: NEAR, TITLE, AND, OR, AND_MAYBE, with built[i] made of
 *    node->children[i]; it takes ownership of every built[i] (not of the
 *    array), freeing them when it fails;
 *  - discard frees a query made by the others. */
typedef struct lower_builder {
    void *(*leaf)(void *engine, const lower_node *node);
    void *(*op)(void *engine, const lower_node *node, void **built);
    void (*discard)(void *built);
} lower_builder;

/* The engine's query of `node`, built bottom-up with `builder` (children
 * before their parent, in order); NULL on failure, every part built so
 * far freed: the engine has recorded the error, or nothing when lowering
 * ran out of memory itself (COPS_ENOMEM). */
void *lower_build(const lower_node *node, const lower_builder *builder, void *engine);

/* The words of one query word or phrase as the index's analyzer gives
 * them, with their positions (a phrase's offsets). */
typedef struct lower_words {
    char terms[LOWER_MAX_PHRASE_TERMS][LOWER_MAX_TERM_BYTES + 1];
    uint32_t positions[LOWER_MAX_PHRASE_TERMS];
    size_t count;
} lower_words;

/* Analyse `text` into `out` (flags: analyzer_run's, e.g. ANALYZE_NO_STEM
 * for a prefix).  Errors: COPS_ELIMIT (the message says so) beyond
 * LOWER_MAX_PHRASE_TERMS words, or the analyzer's; `err` may be NULL.
 * The lowering analyses every word through this; the snippet plan and
 * the suggestions use it to see words as the index does. */
int lower_analyze_words(analyzer *text_analyzer, const char *text, int flags, lower_words *out,
                        cops_error *err);

/* When `text` is one hyphenated compound the analyzer joins (its words
 * are exactly the compound's parts): 1 and its joined term (stemmed) in
 * `joined`; 0 when it is not; a negative cops error when the analysis
 * failed.  The lowering and the snippet plan ask it of each word of
 * several terms ("Hyphenated words" above). */
int lower_joined_term(analyzer *text_analyzer, const char *text,
                      char joined[LOWER_MAX_TERM_BYTES + 1]);

/* lower_joined_term for the text of a prefix (e-mail of e-mail*): 1 with
 * the joined form as typed, not stemmed (email), in `typed` and its stem
 * in `stem`; 0 when it is no such compound or its joined form is longer
 * than a term; a negative cops error.  The lowering ORs a compound's
 * prefix with typed* ("Prefixes" above), the snippet plan marks it. */
int lower_joined_prefix(analyzer *text_analyzer, const char *text,
                        char typed[LOWER_MAX_TERM_BYTES + 1], char stem[LOWER_MAX_TERM_BYTES + 1]);

#endif
