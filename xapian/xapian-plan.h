/*
 * xapian-plan.h — index and query a Xapian database the way cops does.
 *
 * Documents go through cops's analyzer and their terms are stored so that
 * a parsed cops query (query/parser.h), lowered as for cops
 * (query/lower.h) and mapped here, matches in Xapian exactly the documents
 * cops matches.
 *
 * The mapping, which both functions rely on:
 *   body term t at cops position p    term "t",       Xapian position p + 1
 *   title term t at cops position p   term "S" + t,   Xapian position p + 1
 *   document identifier id            boolean term "Q" + id (wdf 0)
 *   date YYYYMMDD (not 0)             value slot XAPIAN_PLAN_DATE_SLOT,
 *                                     8 ASCII digits (bytewise = numeric order)
 *   document data                     id '\n' title '\n' text (text only when
 *                                     stored; CR/LF in the title become spaces)
 * cops positions are 0-based and Xapian's are 1-based by convention (its
 * TermGenerator starts at 1), hence p + 1; only differences of positions
 * matter to phrases and NEAR, so the shift changes no match.  Analysed
 * terms are case-folded, so they never start with an ASCII capital and
 * cannot collide with the "S" and "Q" prefixes.  Title and body positions
 * are both numbered from the start of their field, as in cops, so a NEAR
 * mixing a title: operand with body operands compares the same numbers.
 *
 * Queries: the parsed tree is lowered by query/lower.h, which settles what
 * it means (analysis, fields, dropped words, NOT and match-all, NEAR
 * operands, prefix policy) for both engines; this planner maps each plan
 * node onto Xapian's operators only:
 *   TERM           its term ("t" or "S" t);
 *   PHRASE         OP_PHRASE of its terms, window = span + slop + 1, where
 *                  span = the last term's offset (so n terms at
 *                  consecutive positions and slop s give window n + s:
 *                  cops allows last - first <= n - 1 + s, Xapian
 *                  last - first < window);
 *   TITLE          its child under OP_SCALE_WEIGHT(title_weight) (Xapian
 *                  cannot weight a term inside a phrase, so the weight of
 *                  title terms goes on the whole title sub-query);
 *   PREFIX         OP_WILDCARD(prefix) in the body OR scaled
 *                  OP_WILDCARD(S prefix) in the title, for the fields it has;
 *   DATE           value range on the date slot; an open end is OP_VALUE_GE /
 *                  OP_VALUE_LE; undated documents never match (as in cops);
 *   AND            the required children ANDed, AND_NOT the OR of the
 *                  excluded ones;
 *   OR, AND_MAYBE  OP_OR, OP_AND_MAYBE;
 *   NEAR           OP_NEAR of the operands' terms, window distance + 1
 *                  (cops: max - min <= n; Xapian: max - min < window);
 *                  repeated operands are merged (in cops two equal
 *                  operands may use the same position, so they add no
 *                  constraint);
 *   ALL, NOTHING   MatchAll, MatchNothing.
 *
 * Known differences from cops, all limited to error cases:
 *  - a NEAR operand that analyses to several terms (a phrase, or a word
 *    like e-mail) fails with COPS_EUNSUPPORTED: Xapian 1.4's OP_NEAR takes
 *    only terms, and cops measures from the phrase's first position;
 *  - the prefix bound (max_prefix_terms) applies to the body and to the
 *    title expansion separately, where cops counts both together, and it
 *    is checked when the search runs (COPS_ELIMIT from cops_xapian_search);
 *  - the bound on all prefixes together (max_query_prefix_terms) counts the
 *    terms of the whole database (of all shards together), where cops
 *    counts each segment's; so does the bound on the words all fuzzy words
 *    are compared with (FUZZY_MAX_QUERY_COMPARISONS, query/fuzzy.h).
 * Scores differ (Xapian's BM25 uses one document length over both fields;
 * a title: operand of a NEAR outside a TITLE is not weighted, being one
 * term of an OP_NEAR, where cops gives its term the title weight).
 */
#ifndef COPS_XAPIAN_PLAN_H
#define COPS_XAPIAN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/parser.h"
#include "query/lower.h"
#include "xapian/cops_xapian.h"

/* The value slot of the document date. */
#define XAPIAN_PLAN_DATE_SLOT 0u
/* Prefixes of title terms and identifiers. */
#define XAPIAN_PLAN_TITLE_PREFIX "S"
#define XAPIAN_PLAN_ID_PREFIX "Q"

/* A document's unique id term (xapian_plan_id_term) is the prefix and the
 * id itself for an id of at most XAPIAN_PLAN_ID_DIRECT_MAX bytes that does
 * not begin with the byte XAPIAN_PLAN_ID_HASHED (Xapian refuses a term of
 * more than 245 bytes); for any other id it is the prefix, that byte and
 * 32 hex digits of the id's XXH3-128, so every id the native engine
 * accepts has a term.  A hashed term may be shared by two ids: whoever
 * looks an id up by its term compares the full id kept in the document's
 * data (xapian_plan_stored_id). */
#define XAPIAN_PLAN_ID_DIRECT_MAX 200
#define XAPIAN_PLAN_ID_HASHED '\x01'
#define XAPIAN_PLAN_ID_TERM_MAX (sizeof XAPIAN_PLAN_ID_PREFIX - 1 + XAPIAN_PLAN_ID_DIRECT_MAX)

/* The id term of id[0, length) into term[0, XAPIAN_PLAN_ID_TERM_MAX],
 * NUL-terminated. */
void xapian_plan_id_term(const char *id, size_t length, char term[XAPIAN_PLAN_ID_TERM_MAX + 1]);

/* A document's data is "id\ntitle\ntext"; an id holding a newline or
 * beginning with XAPIAN_PLAN_ID_HASHED is written "\x01<length>\n<id>\n"
 * instead of "id\n".  Split data[0, length) into the id (*id, *id_length)
 * and what follows the id's newline (*rest): 0, or COPS_ECORRUPT when the
 * length form is damaged.  Without a newline the whole data is the id. */
int xapian_plan_stored_id(const char *data, size_t length, const char **id, size_t *id_length,
                          const char **rest);
/* Words in one phrase, as in cops (query/lower.h). */
#define XAPIAN_PLAN_MAX_PHRASE_TERMS LOWER_MAX_PHRASE_TERMS

/* Index `text[0, text_length)` (need not be NUL-terminated) with title
 * `title` (NUL-terminated; NULL = no title) and identifier `id`
 * (NUL-terminated, non-empty, of any length) into the writable `db`, analysed by
 * `a` as cops_build does, with the mapping above.  `date` is YYYYMMDD or 0
 * (no date).  With `store_text` 0 the stored record has an empty text.
 * *docid_out (OUT, may be NULL) receives the Xapian document id.  The
 * document is added, not committed (see cops_xapian_commit), even when
 * a document with the same id is there already: replacing it is the
 * caller's (cops_xapian_delete_document on the earlier copy's number).
 * Errors: COPS_EINVAL (NULL db, a or id, an empty id, a date that is not 0
 * or 8 digits), COPS_ELIMIT (a position beyond Xapian's range),
 * errors of cops_xapian_add_document, COPS_ENOMEM. */
int xapian_index_document(cops_xapian_db *db, analyzer *a, const char *id, const char *title,
                          const char *text, size_t text_length, uint32_t date, int store_text,
                          uint32_t *docid_out, cops_error *err);

typedef struct xapian_plan_options {
    double title_weight;      /* scale of title matches, >= 0; default 1.0 as in cops */
    size_t max_prefix_terms;  /* bound on each prefix expansion; 0 or default: 1000 */
    /* The database a prefix expands in (its terms in the most documents
     * kept within max_prefix_terms, query/fuzzy.h) and the bound on all
     * prefixes' kept terms together, as cops does; NULL db: a prefix is
     * OP_WILDCARD, an error beyond max_prefix_terms, no query-wide bound. */
    cops_xapian_db *db;
    size_t max_query_prefix_terms;
    /* When not NULL, receives what planning found to tell (lower.h: a
     * fuzzy word's or a prefix's expansions cut); its query_node pointers are the
     * tree's. */
    lower_notes *notes;
} xapian_plan_options;

/* Fill `options` with the defaults (those of cops_search_options_init). */
void xapian_plan_options_init(xapian_plan_options *options);

/* Build the Xapian query equivalent to the cops query `tree` (borrowed),
 * analysing its words with `a`.  `o` NULL uses the defaults.  *out (OUT)
 * receives the query; free it with cops_xapian_query_free().  Errors:
 * COPS_EINVAL (NULL arguments, negative title weight, unknown node),
 * COPS_ELIMIT (a phrase of more than XAPIAN_PLAN_MAX_PHRASE_TERMS words),
 * COPS_EUNSUPPORTED (a NEAR operand of several terms, see above),
 * COPS_ENOMEM; *out is NULL then. */
int xapian_plan_query(const query_node *tree, analyzer *a, const xapian_plan_options *o,
                      cops_xapian_query **out, cops_error *err);

#endif
