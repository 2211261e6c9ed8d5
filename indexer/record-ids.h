/*
 * record-ids.h — upsert by id: one document per record id in a build.
 *
 * A JSON Lines or TREC record's identity is its id (man cops-index): a
 * record replaces the document of the same id read before it.  Every
 * engine keeps this set of the ids its run read, so that within a run
 * the last record read wins and each repeat is warned about the same way;
 * the native engine also deletes the index's older documents of these
 * ids at commit (record_ids_has).
 */
#ifndef COPS_INDEXER_RECORD_IDS_H
#define COPS_INDEXER_RECORD_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "cops.h"
#include "indexer/source.h"

/* Warnings about an id read twice in one run, before they are only
 * counted (the summary gives the total). */
#define RECORD_IDS_WARNINGS 10

/* Open addressing on the id's hash_keyed (base/hash.h: ids come from
 * strangers' documents); the ids themselves are kept to tell
 * a collision from a repeat.  All zero is the empty set. */
typedef struct record_ids {
    uint64_t *hashes;            /* per slot: hash | 1, 0 = empty */
    uint32_t *docs;              /* per slot: the engine's number of the record */
    size_t *names;               /* per slot: offset of the id in `text` */
    size_t count, capacity;      /* capacity: 0 or a power of two */
    byte_buffer text;            /* the ids, each NUL-terminated */
    uint32_t *dropped;           /* documents a later record replaced, in order */
    size_t dropped_count, dropped_capacity;
    uint64_t repeats;            /* ids read twice in this run */
} record_ids;

/* Release what `ids` holds and empty it. */
void record_ids_free(record_ids *ids);

/* Note `document`, numbered `doc` by the engine.  Only records (line > 0)
 * have an id of their own (a file's id is its path, read once): for
 * others nothing is done.  *replaced (OUT) is 1 when an earlier record
 * of this run had the id: that earlier number is then the last of
 * ids->dropped, and the repeat is warned about through `options`
 * (build_warn, the first RECORD_IDS_WARNINGS of them) and counted.
 * Errors: COPS_ENOMEM. */
int record_ids_note(record_ids *ids, const cops_build_options *options,
                    const source_document *document, uint32_t doc, int *replaced);

/* Note the NUL-terminated `id` numbered `doc`, whatever its origin (a
 * record, or an id given to --delete); *replaced (OUT) is 1 when it was
 * noted before (its earlier number is then the last of ids->dropped, and
 * `doc` takes its place).  Errors: COPS_ENOMEM. */
int record_ids_add(record_ids *ids, const char *id, uint32_t doc, int *replaced);

/* 1 when the id id[0, length) (not NUL-terminated, any length, compared
 * byte for byte in full) was noted, its number then in *doc (when not
 * NULL); else 0. */
int record_ids_find(const record_ids *ids, const char *id, size_t length, uint32_t *doc);

/* 1 when a record of this run has the id id[0, length): record_ids_find
 * without the number. */
int record_ids_has(const record_ids *ids, const char *id, size_t length);

#endif
