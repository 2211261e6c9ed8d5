/*
 * inverter.h — documents' terms to sorted postings, within a memory budget.
 *
 * Each occurrence given to inverter_add() goes straight into its key's
 * in-memory postings list; inverter_end_document() closes the document.
 * When the lists outgrow the budget (checked per occurrence, so also in
 * the middle of one huge document) they are written, sorted by key, to a
 * run file in the spill directory and memory is reset; inverter_finish()
 * merges the runs and what is still in memory into the segment writer,
 * key by key, postings in document order.
 *
 * Documents are numbered 0, 1, 2... in the order they are ended.  Within a
 * document, the positions given for one key must not decrease.
 */
#ifndef COPS_INDEXER_INVERTER_H
#define COPS_INDEXER_INVERTER_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "index-format/segment.h"

typedef struct inverter inverter;

typedef struct inverter_stats {
    uint64_t terms;           /* distinct keys written */
    uint64_t postings;        /* postings written */
    uint64_t runs;            /* spill runs written */
    size_t peak_bytes;        /* high-water mark of the accounted memory */
} inverter_stats;

/* `budget_bytes`: memory the in-memory lists may use before spilling.
 * `spill_fd`: the folder run files go to, held open (base/file.h; AT_FDCWD:
 * the path `spill_dir`, which names it in messages); names.h names_run;
 * each is unlinked as soon as it is created, so none outlives the build,
 * even a killed one).  Free with inverter_free(). */
int inverter_new(size_t budget_bytes, int spill_fd, const char *spill_dir, inverter **out,
                 cops_error *err);
void inverter_free(inverter *inv);

/* One occurrence of `key` at `position` in the current document (may
 * spill a run).  Keys longer than SEGMENT_MAX_KEY_BYTES and a position
 * below the key's previous one in the document are rejected with
 * COPS_EINVAL. */
int inverter_add(inverter *inv, const uint8_t *key, size_t key_length, uint32_t position,
                 cops_error *err);
/* inverter_add with the key's inverter_hash() computed beforehand (on
 * another thread: hashing is pure). */
int inverter_add_hashed(inverter *inv, const uint8_t *key, size_t key_length, uint32_t hash,
                        uint32_t position, cops_error *err);
/* The key's slot hash: seeded per process (base/hash.h), as keys are
 * strangers' words; pure within a process. */
uint32_t inverter_hash(const uint8_t *key, size_t key_length);
/* A hint for a key that will be added soon: the table is far larger than
 * the caches, so a lookup is mostly waiting for memory.  Step 0 fetches
 * the key's slot; step 1, issued later, reads the slot and fetches its
 * entry and key bytes.  Only a hint: no effect on results. */
void inverter_prefetch(const inverter *inv, uint32_t hash, int step);

/* Close the current document (may spill a run); the next occurrences
 * belong to the next document number. */
int inverter_end_document(inverter *inv, cops_error *err);

/* Feed every key and its postings to `writer` in key order. */
int inverter_finish(inverter *inv, segment_writer *writer, inverter_stats *stats, cops_error *err);

#endif
