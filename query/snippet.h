/*
 * snippet.h — the best window of a stored text, matched words highlighted.
 *
 * The text is analysed with the index's analyzer, so a highlighted word is
 * exactly a word the query matched (stemmed forms included).  The window
 * (about `target_chars` characters) maximises the number of distinct query
 * terms, then the number of matches; whitespace runs become one space, and
 * "…" marks a cut at either end.  Without matches in the text, the snippet
 * is its beginning.
 */
#ifndef COPS_QUERY_SNIPPET_H
#define COPS_QUERY_SNIPPET_H

#include <stddef.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/plan.h"

/* *text_out (OUT, malloc'd, NUL-terminated) and *spans_out (OUT, malloc'd,
 * may be NULL when *span_count is 0) belong to the caller.  Returns 0 or
 * COPS_ENOMEM. */
int snippet_build(analyzer *text_analyzer, const char *text, size_t length,
                  const highlight_terms *terms, size_t target_chars, char **text_out,
                  cops_span **spans_out, size_t *span_count);

#endif
