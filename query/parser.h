/*
 * parser.h — the query language: a query string to a tree of raw parts.
 *
 * The parser knows nothing about analysis: a WORD holds the word exactly
 * as typed ("Grant's", "U.S.", "e-mail") and the evaluator later runs it
 * through the index's analyzer, where it may become zero, one or several
 * terms.  query/GRAMMAR.md is the user-facing description of the
 * language, its precedence, bounds and error messages.
 *
 * Canonical shapes.  query_parse always returns a normalised tree:
 *  - AND and OR have at least two children and never a child of their
 *    own kind (nested AND/AND and OR/OR are flattened);
 *  - NOT has exactly one child and appears only as a child of AND; an AND
 *    lists its positive children first (in query order), then its NOT
 *    children (in query order);
 *  - every AND has at least one positive child: a query whose only
 *    conditions are exclusions gets an ALL child, e.g. "NOT x" and "-x"
 *    give (AND (ALL) (NOT x)), "a OR NOT b" gives
 *    (OR (WORD "a") (AND (ALL) (NOT (WORD "b")))); ALL appears nowhere else;
 *  - AND_MAYBE has exactly two children, the required part and the
 *    optional part, as produced by "+a c" (see GRAMMAR.md for +/-);
 *  - NEAR has at least two children, each a WORD or a PHRASE;
 *  - DATE_RANGE has at least one bound, and date_from <= date_to when
 *    both are set;
 *  - BOOST has exactly one child, never a NOT nor an ALL, and is never
 *    flattened into its parent: (a OR b)^3 OR c keeps its inner OR;
 *  - a field group title:(...) leaves no node of its own: each WORD,
 *    PHRASE, PREFIX, FUZZY and NEAR inside gets field title.
 * Leaves (WORD, PHRASE, PREFIX, FUZZY) always have non-empty text.  A PHRASE's
 * text is the raw text between the quotes.
 *
 * Bounds, all checked before the work they guard:
 *  - QUERY_MAX_BYTES: longer queries fail with COPS_ELIMIT;
 *  - QUERY_MAX_DEPTH: parentheses nested deeper fail with COPS_ELIMIT
 *    while descending, so the parser's recursion is bounded;
 *  - QUERY_MAX_NODES: a parse that would hold more nodes at once fails
 *    with COPS_ELIMIT, so a returned tree has at most that many nodes.
 *    Literal mode is exempt: its tree is one AND/OR over at most
 *    QUERY_MAX_BYTES / 2 + 1 words, and it never fails but for length;
 *  - QUERY_MAX_DISTANCE: NEAR/n and ~n above it fail with COPS_ELIMIT.
 * A COPS_ELIMIT message names the column; err->column stays 0 as the
 * public API reserves it for syntax errors.
 */
#ifndef COPS_QUERY_PARSER_H
#define COPS_QUERY_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "base/buffer.h"

#define QUERY_MAX_BYTES 8192
#define QUERY_MAX_DEPTH 32
#define QUERY_MAX_NODES 1024
#define QUERY_MAX_DISTANCE 1000
/* Edits of a fuzzy word: word~1, word~2, word~ (= 2). */
#define QUERY_MAX_FUZZY 2
#define QUERY_DEFAULT_FUZZY 2
/* A boost x^n: 0 < n <= QUERY_MAX_BOOST. */
#define QUERY_MAX_BOOST 1000.0
/* Distance of a bare NEAR (no /n). */
#define QUERY_NEAR_DEFAULT_DISTANCE 10

typedef enum query_kind {
    QUERY_WORD,        /* text: one word as typed (may analyse to 0, 1 or several terms) */
    QUERY_PHRASE,      /* text: the words between the quotes; distance = slop ~n (0 = exact) */
    QUERY_PREFIX,      /* text: the word before '*' */
    QUERY_DATE_RANGE,  /* date_from, date_to: inclusive YYYYMMDD integers, 0 = open end */
    QUERY_AND,         /* all children must match; a child of kind QUERY_NOT is an exclusion */
    QUERY_OR,          /* any child */
    QUERY_NOT,         /* one child; only ever appears as a child of QUERY_AND */
    QUERY_AND_MAYBE,   /* children[0] required, children[1] optional (scores only): from +a c */
    QUERY_NEAR,        /* children (WORD or PHRASE) within `distance` words of each other, any order */
    QUERY_ALL,         /* every document (pure negative queries become (AND (ALL) (NOT x))) */
    QUERY_FUZZY,       /* text: a word; distance = the most edits (1 or 2), from word~n */
    QUERY_BOOST        /* one child, whose score is multiplied by `boost`, from x^n */
} query_kind;

typedef enum query_field { QUERY_FIELD_ANY = 0, QUERY_FIELD_TITLE = 1 } query_field;

typedef struct query_node {
    query_kind kind;
    query_field field;           /* WORD, PHRASE, PREFIX, FUZZY, NEAR: title: restricts to
                                  * the title (a field group title:(...) sets it on each) */
    char *text;                  /* WORD, PHRASE, PREFIX; owned by the node, NUL-terminated */
    uint32_t distance;           /* NEAR: n; PHRASE: slop; FUZZY: edits */
    double boost;                /* BOOST: the factor, QUERY_MIN_BOOST ... QUERY_MAX_BOOST */
    uint32_t date_from, date_to; /* DATE_RANGE */
    struct query_node **children;
    size_t child_count;
    size_t column;               /* 1-based column (characters) of the node's first character */
} query_node;

/* Flags for query_parse. */
enum {
    QUERY_PARSE_LITERAL = 1,   /* no syntax: whitespace-separated words, default operator */
    QUERY_PARSE_DEFAULT_OR = 2 /* adjacent items are ORed (default: ANDed) */
};

/* Parse the NUL-terminated UTF-8 `query`.  On success *out (OUT) receives
 * the tree; free it with query_free().  Fails with COPS_ESYNTAX (err->column
 * = 1-based column, in characters, of the offending token), COPS_ELIMIT
 * (a bound above), COPS_EINVAL (NULL query or out, unknown flag) or
 * COPS_ENOMEM; *out is then NULL. */
int query_parse(const char *query, int flags, query_node **out, cops_error *err);

/* Free a tree from query_parse; NULL is accepted. */
void query_free(query_node *node);

/* Append the tree as an S-expression: (AND (WORD "sanctuary") (WORD "grant")),
 * (PHRASE~2 "a b"), (WORD title "x"), (PREFIX "gra"), (NEAR/3 ...),
 * (FUZZY~2 "budget"), (BOOST^1.5 (WORD "x")),
 * (DATE 20170101 20171231) with * for an open end, (AND_MAYBE a b),
 * (NOT x), (ALL).  In text, '"' and '\' are escaped with '\' and bytes
 * below 0x20 written as \xHH.  Tests and debugging rely on this form. */
void query_format_sexpr(const query_node *node, byte_buffer *out);

/* The upper-case name of a node kind as the S-expression writes it
 * (WORD, PHRASE, PREFIX, DATE, AND, OR, NOT, AND_MAYBE, NEAR, ALL, FUZZY,
 * BOOST). */
const char *query_kind_name(query_kind kind);

/* Append an indented, human-readable tree (one node per line, two spaces
 * per level) for --explain. */
void query_format_tree(const query_node *node, byte_buffer *out);

#endif
