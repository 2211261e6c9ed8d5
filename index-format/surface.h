/*
 * surface.h — the SURFACE section of a segment (FORMAT.md 3.10): the
 * distinct words as written (normalised and case-folded, not stemmed)
 * whose indexed term differs from them, each with that term, so a prefix
 * can reach the terms of every word that starts with it (studies* ->
 * studi) although the index holds only stems.
 *
 * The section is a sorted list of (form, term) pairs in front-coded
 * blocks of at most SURFACE_BLOCK_FORMS, each with its own CRC32, behind
 * an index of block offsets with a CRC32 of its own.  Every read is
 * bounded by the section and checks the CRC of each block it decodes, so
 * a hostile section gives COPS_ECORRUPT (with the byte offset), never a
 * read outside it.
 */
#ifndef COPS_INDEX_FORMAT_SURFACE_H
#define COPS_INDEX_FORMAT_SURFACE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "cops.h"

#define SURFACE_BLOCK_FORMS 64
#define SURFACE_MAX_BYTES 64        /* of a form or a term (ANALYZER_MAX_TERM_BYTES) */
/* A segment records at most this many forms; one with more has an empty
 * SURFACE section and its prefixes expand as without one (FORMAT.md 3.10),
 * so the index-time table stays bounded (about 30 bytes a form). */
#define SURFACE_MAX_FORMS ((size_t)1 << 20)

typedef struct surface_pair {
    const uint8_t *form;
    size_t form_length;
    const uint8_t *term;
    size_t term_length;
} surface_pair;

/* Append the section's bytes for `pairs` (sorted bytewise by form, forms
 * distinct, each 1..SURFACE_MAX_BYTES bytes) to `out`; the caller checks
 * buffer_failed. */
void surface_encode(const surface_pair *pairs, size_t count, byte_buffer *out);

/* Where the section lies, for messages: the segment's path and the
 * section's byte offset in it. */
typedef struct surface_section {
    const uint8_t *data;
    size_t length;
    const char *path;
    uint64_t offset;
} surface_section;

/* Call `visit` for every pair whose form starts with `prefix`, in form
 * order, until it returns non-zero (which is then returned).  The
 * section must not be empty (an empty one means "no dictionary").
 * Returns 0, visit's value, or COPS_ECORRUPT. */
int surface_scan(const surface_section *section, const uint8_t *prefix, size_t prefix_length,
                 int (*visit)(void *context, const surface_pair *pair), void *context,
                 cops_error *err);

/* Check the whole section (the index checker): every block's CRC,
 * forms strictly increasing, each term different from its form.
 * *forms (OUT) receives the number of pairs. */
int surface_check(const surface_section *section, uint64_t *forms, cops_error *err);

#endif
