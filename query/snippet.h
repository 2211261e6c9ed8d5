/*
 * snippet.h — the best window of a stored text, matched words highlighted.
 *
 * The text is analysed with the index's analyzer, so a highlighted word is
 * exactly a word the query matched (stemmed forms included).  The window
 * (about `target_chars` characters) maximises the number of distinct query
 * terms, then the number of matches; whitespace runs become one space, and
 * "…" marks a cut at either end.  Without matches in the text, the snippet
 * is its beginning.
 *
 * The work is bounded: matches are looked for in the first
 * SNIPPET_SCAN_BYTES of the text only (a snippet of a 100 MB document must
 * not cost a re-analysis of it), and within what is left of a budget
 * shared by one result list (SNIPPET_LIST_SCAN_BYTES), after which
 * snippets are the texts' beginnings, without highlights.  A caller reads
 * at most SNIPPET_TEXT_BYTES of a stored text: the scanned part and room
 * for a window around a match near its end.
 */
#ifndef COPS_QUERY_SNIPPET_H
#define COPS_QUERY_SNIPPET_H

#include <stddef.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/plan.h"

#define SNIPPET_SCAN_BYTES ((size_t)1 << 20)
#define SNIPPET_TEXT_BYTES (SNIPPET_SCAN_BYTES + ((size_t)64 << 10))
#define SNIPPET_LIST_SCAN_BYTES ((size_t)8 << 20)

/* `text[0, length)` is the start of a stored text of `full_length` bytes
 * (a cut there is marked with "…").  *scan_budget (IN/OUT, may be NULL for
 * no budget) is decreased by the bytes analysed.  *text_out (OUT,
 * malloc'd, NUL-terminated) and *spans_out (OUT, malloc'd, may be NULL when
 * *span_count is 0) belong to the caller.  Returns 0 or COPS_ENOMEM. */
int snippet_build(analyzer *text_analyzer, const char *text, size_t length, size_t full_length,
                  const highlight_terms *terms, size_t target_chars, size_t *scan_budget,
                  char **text_out, cops_span **spans_out, size_t *span_count);

#endif
