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
 * strangers' documents), 8 bytes a slot and at most 3/4 of the slots
 * used: the ids themselves and their numbers live in a temporary file,
 * read back only to tell a collision from a repeat and on growth.  Held
 * in memory (a slot and a string per id, 100 bytes a record), a build
 * of 2,000,000 tiny records with --memory 16 peaked at 205 MB, now at
 * 122 MB: the table is all that grows with the records, 11 to 21 bytes
 * an id (8 bytes a slot; a growth frees the old slots first, the file
 * being the truth), and is released before the commit's reordering
 * (record_ids_forget).
 * A slot holds the hash's top 24 bits and the offset of the id's entry
 * in the file plus one (0: empty); an entry is the number (u32le), the
 * id's length (u32le) and its bytes.  All zero is the empty set; the
 * file is created (unlinked at once, in $TMPDIR or /tmp) at the first
 * id; when none can be made, the entries stay in memory. */
typedef struct record_ids {
    uint64_t *slots;
    size_t count, capacity;      /* capacity: 0 or a power of two */
    int file;                    /* the entries' file descriptor + 1, 0: none yet,
                                  * -1: none could be made (all pending) */
    uint64_t flushed;            /* bytes of the file written */
    byte_buffer pending;         /* entries past `flushed`, not written yet */
    int io_errno;                /* errno of the last failed read or write */
    uint32_t *dropped;           /* documents a later record replaced, in order */
    size_t dropped_count, dropped_capacity;
    uint64_t repeats;            /* ids read twice in this run */
} record_ids;

/* Release what `ids` holds and empty it. */
void record_ids_free(record_ids *ids);

/* Release the table and the file of the ids, once none will be looked up
 * again: `dropped` and `repeats` stay (a build's commit reads them after
 * the reordering, whose arrays would otherwise sit beside the table). */
void record_ids_forget(record_ids *ids);

/* Note `document`, numbered `doc` by the engine.  Only records (line > 0)
 * have an id of their own (a file's id is its path, read once): for
 * others nothing is done.  *replaced (OUT) is 1 when an earlier record
 * of this run had the id: that earlier number is then the last of
 * ids->dropped, and the repeat is warned about through `options`
 * (build_warn, the first RECORD_IDS_WARNINGS of them) and counted.
 * Errors: COPS_ENOMEM, COPS_EIO (the temporary file; record_ids_error). */
int record_ids_note(record_ids *ids, const cops_build_options *options,
                    const source_document *document, uint32_t doc, int *replaced);

/* Note the NUL-terminated `id` numbered `doc`, whatever its origin (a
 * record, or an id given to --delete); *replaced (OUT) is 1 when it was
 * noted before (its earlier number is then the last of ids->dropped, and
 * `doc` takes its place).  Errors: COPS_ENOMEM, COPS_EIO, COPS_ELIMIT (1 TiB
 * of ids, or one id of 4 GiB). */
int record_ids_add(record_ids *ids, const char *id, uint32_t doc, int *replaced);

/* 1 when the id id[0, length) (not NUL-terminated, any length, compared
 * byte for byte in full) was noted, its number then in *doc (when not
 * NULL); else 0; COPS_EIO when the temporary file cannot be read. */
int record_ids_find(const record_ids *ids, const char *id, size_t length, uint32_t *doc);

/* 1 when a record of this run has the id id[0, length): record_ids_find
 * without the number (or COPS_EIO). */
int record_ids_has(const record_ids *ids, const char *id, size_t length);

/* `rc`, an error of the functions above, told in *err: "out of memory",
 * or what the temporary file of the ids failed at. */
int record_ids_error(const record_ids *ids, int rc, cops_error *err);

#endif
