/*
 * check.h — the full, offline verification of an index (cops_index_check,
 * `cops-index --check`), in the manner of xapian-check.
 *
 * The reader checks what it must to stay safe, and mostly lazily (see
 * FORMAT.md §4).  The checker decodes every byte of every segment the
 * manifest names and checks every checksum and every invariant the
 * format states, including those the reader never checks: whole-section
 * CRCs of the large sections, alignment and zero padding, contiguity of
 * blocks and records, cf = Σ tf, the skip entries' max_tf / min_length
 * against the data, the META totals, dates, and the manifest's sizes.
 *
 * The first problem is reported as COPS_ECORRUPT with the message
 *     <file path>: byte <absolute offset>: <what> [(key "<key>")]
 */
#ifndef COPS_INDEX_FORMAT_CHECK_H
#define COPS_INDEX_FORMAT_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "cops.h"

/* What one segment held, for the summary. */
typedef struct check_figures {
    uint64_t bytes;
    uint64_t documents;
    uint64_t docstore_blocks;
    uint64_t metadata_chunks;
    uint64_t keys;
    uint64_t dictionary_blocks;
    uint64_t external_lists;
    uint64_t postings_blocks;
    uint64_t postings;
    uint64_t positions;
    uint64_t pair_keys;        /* documents-only keys of word pairs (pairs.h), not in `keys` */
} check_figures;

/* Check the segment file at `path` completely.  `expected_bytes` is its
 * size according to the manifest (UINT64_MAX: not checked).  Fills
 * *figures (may be NULL) when sound.
 * Returns 0, COPS_ECORRUPT (first problem, with file and offset),
 * COPS_EVERSION, COPS_ENOINDEX (file missing), COPS_EIO or COPS_ENOMEM. */
int check_segment(const char *path, uint64_t expected_bytes, check_figures *figures,
                  cops_error *err);
/* The same for `name` in the directory `dir_fd` held open (base/file.h;
 * `dir` names it in messages), as cops_index_check reads every file. */
int check_segment_at(int dir_fd, const char *dir, const char *name, uint64_t expected_bytes,
                     check_figures *figures, cops_error *err);

#endif
