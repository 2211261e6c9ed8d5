/*
 * json-text.h — library strings (titles, identifiers, snippets: bytes from
 * strangers) as JSON values.
 *
 * jansson accepts only valid UTF-8, and a document may hold any bytes: an
 * ill-formed sequence becomes U+FFFD, one per byte, as cops-query --json
 * does.  Highlight spans come from the library as byte ranges of the
 * snippet; a browser indexes strings differently, so they are given as
 * [start, end) in Unicode code points of the string actually sent.
 */
#ifndef COPS_SERVE_JSON_TEXT_H
#define COPS_SERVE_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>

#include "cops.h"

/* `text` (may be NULL: JSON null) as a JSON string.  NULL on no memory. */
json_t *json_text(const char *text);

/* Set in `object` "KEY": the string `text` and "highlights": [[start,
 * end], ...] in code points, from `spans` (byte ranges, in order, as
 * cops_hit gives them).  Returns 0, or -1 on no memory. */
int json_set_highlighted(json_t *object, const char *key, const char *text, const cops_span *spans,
                         size_t span_count);

#endif
