/*
 * relax.h — a query of plain words that nothing matches, relaxed
 * (cops_search_options.relax): for either engine, cops_search runs the
 * engine's search through search_relaxing.
 *
 * A query is plain words when it is an AND of two to RELAX_MAX_WORDS
 * WORD leaves without a field and its text names no operator (AND, OR,
 * NOT, NEAR, +word, -word; any text in literal mode): the shape "what did
 * Sessions say about sanctuary cities?" takes, not "a AND b AND c".  When no document has them all, the documents
 * with all but one are looked for, then all but two, and so on: the
 * relaxed query for k of the n words is the OR of the ANDs of every k of
 * them, so BM25 ranks a document higher the more of the subsets (and so
 * of the words) it has and the rarer they are.  When that OR would have
 * more than QUERY_MAX_NODES parts, the next step is the OR of the words
 * (k = 1).  The first k with a match is kept.
 */
#ifndef COPS_QUERY_RELAX_H
#define COPS_QUERY_RELAX_H

#include "cops.h"
#include "query/parser.h"

#define RELAX_MAX_WORDS 32

/* An engine's search (engine.c's table). */
typedef int search_function(cops_index *index, const query_node *query,
                            const cops_search_options *options, cops_results *results,
                            cops_error *err);

/* Run `query` (parsed from `query_text`) with `search`, relaxed as above
 * when options->relax is 1 and it is plain words that match nothing; the relaxation is then
 * recorded in `results` (cops_results_relaxed) and, with
 * options->explain, the tree is the relaxed query's.  Returns what
 * `search` returns, or COPS_ENOMEM. */
int search_relaxing(cops_index *index, const char *query_text, const query_node *query,
                    const cops_search_options *options, cops_results *results,
                    search_function *search, cops_error *err);

#endif
