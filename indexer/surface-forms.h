/*
 * surface-forms.h — the distinct words as written, with their terms, met
 * while a segment is built: what its SURFACE section records
 * (index-format/surface.h).
 *
 * Only words whose term differs from them are kept (a word equal to its
 * term is found among the terms themselves).  Bounded: past
 * SURFACE_MAX_FORMS distinct words the table is dropped and the segment
 * gets no dictionary (its prefixes then expand as without one).
 */
#ifndef COPS_INDEXER_SURFACE_FORMS_H
#define COPS_INDEXER_SURFACE_FORMS_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "index-format/segment.h"

typedef struct surface_forms surface_forms;

/* NULL when out of memory. */
surface_forms *surface_forms_new(void);
void surface_forms_free(surface_forms *forms);

/* Note that `form` (1..SURFACE_MAX_BYTES bytes) was indexed as `term`.
 * Returns 0, or COPS_ENOMEM. */
int surface_forms_add(surface_forms *forms, const uint8_t *form, size_t form_length,
                      const uint8_t *term, size_t term_length);

/* Hand the forms, sorted, to the writer (nothing when the table
 * overflowed or is empty). */
int surface_forms_write(surface_forms *forms, segment_writer *writer, cops_error *err);

#endif
