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

/* The slot hash of a form: the per-process keyed hash (base/hash.h), as
 * the inverter's: with FNV-1a, 32,768 forms built offline to share its
 * low 22 bits (15 four-letter blocks, each a pair of blocks whose hashes
 * meet, plus an "s" for the stemmer to take off; a 2 MB document) took
 * one run of slots, each new form probing all of it: 12 times the CPU of
 * indexing as many random forms, quadratic in their number.  The forms
 * are written sorted, so the segment does not depend on it. */
uint32_t surface_forms_hash(const uint8_t *form, size_t length);

/* Sort the forms for surface_forms_write now, so that the sort may run
 * on a thread of its own while the segment's postings are made (nothing
 * else may touch the table meanwhile).  0, or COPS_ENOMEM. */
int surface_forms_sort(surface_forms *forms);
/* The memory that sort takes. */
size_t surface_forms_sort_bytes(const surface_forms *forms);

/* Hand the forms, sorted, to the writer (nothing when the table
 * overflowed or is empty). */
int surface_forms_write(surface_forms *forms, segment_writer *writer, cops_error *err);

#endif
