/*
 * record-ids.c — the ids a build read (record-ids.h).
 */
#include "config.h"

#include "indexer/record-ids.h"

#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/hash.h"
#include "indexer/build-engine.h"

void record_ids_free(record_ids *ids)
{
    free(ids->hashes);
    free(ids->docs);
    free(ids->names);
    buffer_free(&ids->text);
    free(ids->dropped);
    memset(ids, 0, sizeof *ids);
}

/* The slot of id[0, length) (its hash `hash`): where it is, or the empty
 * slot it would take.  The kept ids are NUL-terminated; the one asked for
 * need not be (an older segment's metadata), so its length is compared
 * through strnlen, which reads no further than the kept id's end. */
static size_t record_ids_slot(const record_ids *ids, const char *id, size_t length,
                              uint64_t hash)
{
    size_t slot = hash & (ids->capacity - 1);
    while (ids->hashes[slot]) {
        const char *kept = (const char *)ids->text.data + ids->names[slot];
        if (ids->hashes[slot] == hash && strnlen(kept, length + 1) == length
            && memcmp(kept, id, length) == 0)
            break;
        slot = (slot + 1) & (ids->capacity - 1);
    }
    return slot;
}

static int record_ids_grow(record_ids *ids)
{
    record_ids grown = *ids;
    grown.capacity = ids->capacity ? ids->capacity * 2 : 1024;
    grown.hashes = calloc(grown.capacity, sizeof *grown.hashes);
    grown.docs = malloc(grown.capacity * sizeof *grown.docs);
    grown.names = malloc(grown.capacity * sizeof *grown.names);
    if (!grown.hashes || !grown.docs || !grown.names) {
        free(grown.hashes);
        free(grown.docs);
        free(grown.names);
        return COPS_ENOMEM;
    }
    for (size_t i = 0; i < ids->capacity; i++) {
        if (!ids->hashes[i])
            continue;
        size_t slot = ids->hashes[i] & (grown.capacity - 1);
        while (grown.hashes[slot])
            slot = (slot + 1) & (grown.capacity - 1);
        grown.hashes[slot] = ids->hashes[i];
        grown.docs[slot] = ids->docs[i];
        grown.names[slot] = ids->names[i];
    }
    free(ids->hashes);
    free(ids->docs);
    free(ids->names);
    *ids = grown;
    return 0;
}

int record_ids_add(record_ids *ids, const char *id, uint32_t doc, int *replaced)
{
    if ((ids->count + 1) * 2 > ids->capacity && record_ids_grow(ids) != 0)
        return COPS_ENOMEM;
    size_t length = strlen(id);
    uint64_t hash = hash_keyed(id, length) | 1;
    size_t slot = record_ids_slot(ids, id, length, hash);
    if (ids->hashes[slot]) {
        if (ARRAY_RESERVE_ONE(ids->dropped, ids->dropped_capacity, ids->dropped_count, 16) != 0)
            return COPS_ENOMEM;
        ids->dropped[ids->dropped_count++] = ids->docs[slot];
        ids->docs[slot] = doc;
        ids->repeats++;
        *replaced = 1;
        return 0;
    }
    ids->hashes[slot] = hash;
    ids->docs[slot] = doc;
    ids->names[slot] = ids->text.length;
    buffer_append(&ids->text, id, length + 1);
    ids->count++;
    return buffer_failed(&ids->text) ? COPS_ENOMEM : 0;
}

int record_ids_note(record_ids *ids, const cops_build_options *options,
                    const source_document *document, uint32_t doc, int *replaced)
{
    *replaced = 0;
    if (document->line == 0)
        return 0;
    if (record_ids_add(ids, document->id, doc, replaced) != 0)
        return COPS_ENOMEM;
    if (*replaced && ids->repeats <= RECORD_IDS_WARNINGS)
        build_warn(options, "%s: line %llu: the id '%s' was read before in this run: this "
                   "record replaces that one", cops_shown_id(document->path),
                   (unsigned long long)document->line, document->id);
    return 0;
}

/* Any `length`, and compared in full: a cap here left an older document
 * of a long id beside its replacement, and a comparison up to a NUL could
 * take a hand-made index's "a\0b" for "a". */
int record_ids_find(const record_ids *ids, const char *id, size_t length, uint32_t *doc)
{
    if (ids->count == 0)
        return 0;
    uint64_t hash = hash_keyed(id, length) | 1;
    size_t slot = record_ids_slot(ids, id, length, hash);
    if (!ids->hashes[slot])
        return 0;
    if (doc)
        *doc = ids->docs[slot];
    return 1;
}

int record_ids_has(const record_ids *ids, const char *id, size_t length)
{
    return record_ids_find(ids, id, length, NULL);
}
