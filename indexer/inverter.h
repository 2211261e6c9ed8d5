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

#include "base/hash.h"
#include "cops.h"
#include "index-format/segment.h"
#include "indexer/bp-order.h"

typedef struct inverter inverter;

typedef struct inverter_stats {
    uint64_t terms;           /* distinct keys written */
    uint64_t postings;        /* postings written */
    uint64_t pair_terms;      /* of those keys, pair keys (index-format/pairs.h) */
    uint64_t pair_postings;   /* and their postings */
    uint64_t runs;            /* spill runs written */
    size_t peak_bytes;        /* high-water mark of the accounted memory (with a
                               * renumbering's beside the lists at the end) */
    uint64_t renumber_runs;   /* sorted runs a renumbering spilled (inverter_finish) */
    size_t renumber_peak_bytes; /* its arena and run readers, at most */
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
static inline uint32_t inverter_hash(const uint8_t *key, size_t key_length)
{
    return (uint32_t)hash_keyed(key, key_length); /* seeded: keys are strangers' words */
}
/* Hints for keys that will be added soon: the table is far larger than
 * the caches, so a lookup is mostly waiting for memory.  The slot of the
 * key hashed `slot_hash` is fetched; for the key hashed *entry_hash
 * (NULL: none), whose slot was fetched earlier, the slot is read and its
 * entry and key bytes fetched.  One call for both, as it is made for
 * every token.  Only hints: no effect on results. */
void inverter_prefetch(const inverter *inv, uint32_t slot_hash, const uint32_t *entry_hash);

/* Close the current document (may spill a run); the next occurrences
 * belong to the next document number. */
int inverter_end_document(inverter *inv, cops_error *err);

/* The document-term graph of the documents inverted, for reordering
 * them: item d is document d, its terms the keys in `min_df` to
 * `max_df` documents, numbered densely.  Read from the lists in memory,
 * or, when runs were spilled, by one walk over the runs' keys in order
 * (positions skipped; the runs rewound after it), best after
 * inverter_spill_rest.  *row_start and *term_ids (the graph's arrays)
 * are the caller's to free.  Once only: 0, 1 when there is no graph (no
 * document, or taken already) or an error (COPS_ENOMEM, COPS_EIO). */
int inverter_graph(inverter *inv, uint32_t min_df, uint32_t max_df, bp_graph *graph,
                   uint64_t **row_start, uint32_t **term_ids, cops_error *err);
/* The memory inverter_graph takes: 4 bytes a posting, 8 a document and,
 * while it runs, 4 a key (after a spill: 4 a document, and a window a
 * run, instead). */
size_t inverter_graph_bytes(const inverter *inv);
/* The edges and terms inverter_graph would give (0 edges after a spill:
 * they are learnt walking the runs),
 * so a caller can size the bisection first. */
uint64_t inverter_graph_edges(const inverter *inv, uint32_t min_df, uint32_t max_df,
                              uint32_t *terms);
/* 1 when a run was spilled (the lists are not all in memory), else 0. */
int inverter_spilled(const inverter *inv);
/* Once the last document is ended: the lists still in memory written
 * as one more run, and the table's memory freed, so that the graph
 * (inverter_graph, then read from the runs) and its bisection have the
 * budget; no key may be added after.  0 or an error. */
int inverter_spill_rest(inverter *inv, cops_error *err);
/* The memory the inverter accounts for now: its lists and table. */
size_t inverter_memory(const inverter *inv);

/* Once the last document is ended: sort the keys into inverter_finish's
 * order now (when no run was spilled), so that the sort may run on a
 * thread of its own while the caller reorders the documents (the order
 * of the keys does not depend on theirs).  Meanwhile the inverter may
 * only be read, or given to inverter_graph (which touches no key).
 * 0, or COPS_ENOMEM (inverter_finish then sorts again). */
int inverter_sort_keys(inverter *inv);
/* The memory that sort takes: 8 bytes a key. */
size_t inverter_sort_keys_bytes(const inverter *inv);

/* Feed every key and its postings to `writer` in key order.  With
 * `new_of_old` (NULL: as numbered), document d is written as
 * new_of_old[d] (a permutation of the documents), each list sorted
 * again in an arena of an eighth of the budget (4 KiB at least, 1 GiB at
 * most), whatever the list's length or its postings' sizes: a longer
 * list is sorted in runs spilled to a file and merged back through the
 * arena, beside which each run costs under 64 bytes while its key is
 * merged. */
int inverter_finish(inverter *inv, segment_writer *writer, const uint32_t *new_of_old,
                    inverter_stats *stats, cops_error *err);

#endif
