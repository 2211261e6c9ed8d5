/*
 * record-ids.c — the ids a build read (record-ids.h).
 */
#include "config.h"

#include "indexer/record-ids.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "base/error.h"
#include "base/hash.h"
#include "indexer/build-engine.h"

enum {
    ENTRY_HEAD = 8,                       /* number u32le, length u32le */
    OFFSET_BITS = 40,                     /* a slot: 24 bits of hash, 40 of offset + 1 */
    PENDING_BYTES = 64 * 1024,            /* entries gathered before a write */
    SCAN_BYTES = 1024 * 1024              /* the window a growth reads the file through */
};
#define OFFSET_MASK ((UINT64_C(1) << OFFSET_BITS) - 1)

static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32le(uint8_t *p, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(value >> (8 * i));
}

void record_ids_forget(record_ids *ids)
{
    free(ids->slots);
    ids->slots = NULL;
    ids->count = ids->capacity = 0;
    if (ids->file > 0)
        close(ids->file - 1);
    ids->file = 0;
    ids->flushed = 0;
    buffer_free(&ids->pending);
}

void record_ids_free(record_ids *ids)
{
    record_ids_forget(ids);
    free(ids->dropped);
    memset(ids, 0, sizeof *ids);
}

/* length bytes of the file from `offset`: from the pending entries, or
 * read (an entry is never split between the two). */
static int read_at(const record_ids *ids, uint64_t offset, void *out, size_t length)
{
    if (offset >= ids->flushed) {
        memcpy(out, ids->pending.data + (offset - ids->flushed), length);
        return 0;
    }
    for (size_t done = 0; done < length;) {
        ssize_t n = pread(ids->file - 1, (uint8_t *)out + done, length - done,
                          (off_t)(offset + done));
        if (n <= 0) {
            ((record_ids *)ids)->io_errno = n < 0 ? errno : EIO; /* what failed, for record_ids_error */
            return COPS_EIO;
        }
        done += (size_t)n;
    }
    return 0;
}

/* 1 when the entry at `offset` holds id[0, length), else 0, or COPS_EIO. */
static int entry_is(const record_ids *ids, uint64_t offset, const char *id, size_t length)
{
    uint8_t head[ENTRY_HEAD], chunk[4096];
    int rc = read_at(ids, offset, head, sizeof head);
    if (rc != 0)
        return rc;
    if (get_u32le(head + 4) != length)
        return 0;
    for (size_t done = 0; done < length;) {
        size_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
        if ((rc = read_at(ids, offset + ENTRY_HEAD + done, chunk, n)) != 0)
            return rc;
        if (memcmp(chunk, id + done, n) != 0)
            return 0;
        done += n;
    }
    return 1;
}

/* The slot of id[0, length) (its hash `hash`): where it is, or the empty
 * slot it would take; COPS_EIO as a negative.  Only a slot whose 24 bits
 * of hash agree has its entry read: one in 16 million of the others. */
static int64_t record_ids_slot(const record_ids *ids, const char *id, size_t length, uint64_t hash)
{
    size_t slot = hash & (ids->capacity - 1);
    while (ids->slots[slot]) {
        if (ids->slots[slot] >> OFFSET_BITS == hash >> OFFSET_BITS) {
            int is = entry_is(ids, (ids->slots[slot] & OFFSET_MASK) - 1, id, length);
            if (is < 0)
                return is;
            if (is)
                break;
        }
        slot = (slot + 1) & (ids->capacity - 1);
    }
    return (int64_t)slot;
}

static void place(uint64_t *slots, size_t capacity, uint64_t hash, uint64_t offset)
{
    size_t slot = hash & (capacity - 1);
    while (slots[slot])
        slot = (slot + 1) & (capacity - 1);
    slots[slot] = (hash >> OFFSET_BITS << OFFSET_BITS) | (offset + 1);
}

static int write_pending(record_ids *ids)
{
    if (ids->file < 0)
        return 0; /* no file could be made: all of it stays pending */
    for (size_t done = 0; done < ids->pending.length;) {
        ssize_t n = pwrite(ids->file - 1, ids->pending.data + done, ids->pending.length - done,
                           (off_t)(ids->flushed + done));
        if (n <= 0) {
            ids->io_errno = n < 0 ? errno : EIO;
            return COPS_EIO;
        }
        done += (size_t)n;
    }
    ids->flushed += ids->pending.length;
    buffer_reset(&ids->pending);
    return 0;
}

/* A new unlinked file in $TMPDIR (else /tmp) for the entries.  When
 * none can be made (TMPDIR names no folder, a read-only /tmp) the entries
 * stay in memory, as they all were before (file -1): a build is not
 * refused for want of a temporary file. */
static int create_file(record_ids *ids)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t size = strlen(dir) + sizeof "/cops-ids-XXXXXX";
    char *path = malloc(size);
    if (!path)
        return COPS_ENOMEM;
    /* O_TMPFILE: the file never has a name, so nothing in a folder others
     * may write can be swapped in for it; where the file system has no
     * such files, a name made by mkstemp is removed at once, but only
     * while it still names the file made (a folder without the sticky bit
     * lets another user replace it, and cops removes no file of theirs) */
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(path, size, "%s/cops-ids-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        struct stat made, named;
        if (fd >= 0 && fstat(fd, &made) == 0 && lstat(path, &named) == 0
            && made.st_dev == named.st_dev && made.st_ino == named.st_ino)
            unlink(path);
    }
    free(path);
    ids->file = fd < 0 ? -1 : fd + 1;
    return 0;
}

/* Twice the slots, each entry's place found again from its hash: the
 * slots keep only 24 bits of it, so the file is read through.  The old
 * slots are freed first (nothing needs them), so that the peak is the new
 * table alone, not both; a failure here ends the build anyway. */
static int record_ids_grow(record_ids *ids)
{
    if (!ids->file) {
        int rc = create_file(ids);
        if (rc != 0)
            return rc;
    }
    /* Room for one more entry than the file holds (ids->count, kept
     * through a failed growth, whose table is then 0 slots). */
    size_t capacity = ids->capacity ? ids->capacity * 2 : 1024;
    while ((ids->count + 1) * 4 > capacity * 3)
        capacity *= 2;
    free(ids->slots);
    ids->slots = NULL;
    ids->capacity = 0; /* until the table is whole again: record_ids_find finds nothing */
    uint64_t *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return COPS_ENOMEM;
    int rc = write_pending(ids);
    /* what was written, or (no file) what is pending */
    uint64_t total = ids->flushed + ids->pending.length;
    size_t count = 0;
    byte_buffer window = {0};
    for (uint64_t offset = 0; rc == 0 && offset < total;) {
        size_t want = total - offset < SCAN_BYTES ? (size_t)(total - offset) : SCAN_BYTES;
        buffer_reset(&window);
        if (buffer_reserve(&window, want) != 0) {
            rc = COPS_ENOMEM;
            break;
        }
        if ((rc = read_at(ids, offset, window.data, want)) != 0)
            break;
        size_t at = 0;
        while (at + ENTRY_HEAD <= want && get_u32le(window.data + at + 4) <= want - at - ENTRY_HEAD) {
            size_t length = get_u32le(window.data + at + 4);
            place(slots, capacity, hash_keyed(window.data + at + ENTRY_HEAD, length) | 1,
                  offset + at);
            count++;
            at += ENTRY_HEAD + length;
        }
        if (at == 0) { /* one entry longer than the window: read it whole */
            uint8_t head[ENTRY_HEAD];
            memcpy(head, window.data, want < ENTRY_HEAD ? 0 : ENTRY_HEAD);
            if (want < ENTRY_HEAD && (rc = read_at(ids, offset, head, sizeof head)) != 0)
                break;
            size_t length = get_u32le(head + 4);
            buffer_reset(&window);
            if (buffer_reserve(&window, length) != 0) {
                rc = COPS_ENOMEM;
                break;
            }
            if ((rc = read_at(ids, offset + ENTRY_HEAD, window.data, length)) != 0)
                break;
            place(slots, capacity, hash_keyed(window.data, length) | 1, offset);
            count++;
            at = ENTRY_HEAD + length;
        }
        offset += at;
    }
    buffer_free(&window);
    if (rc != 0) {
        free(slots);
        return rc;
    }
    ids->slots = slots;
    ids->capacity = capacity;
    ids->count = count; /* the same, read again */
    return 0;
}

int record_ids_add(record_ids *ids, const char *id, uint32_t doc, int *replaced)
{
    *replaced = 0;
    int rc;
    if ((ids->count + 1) * 4 > ids->capacity * 3 && (rc = record_ids_grow(ids)) != 0)
        return rc;
    size_t length = strlen(id);
    uint64_t offset = ids->flushed + ids->pending.length;
    if (length > UINT32_MAX || offset + ENTRY_HEAD + length >= OFFSET_MASK)
        return COPS_ELIMIT;
    uint64_t hash = hash_keyed(id, length) | 1;
    int64_t slot = record_ids_slot(ids, id, length, hash);
    if (slot < 0)
        return (int)slot;
    if (ids->slots[slot]) {
        if (ARRAY_RESERVE_ONE(ids->dropped, ids->dropped_capacity, ids->dropped_count, 16) != 0)
            return COPS_ENOMEM;
        uint64_t at = (ids->slots[slot] & OFFSET_MASK) - 1;
        uint8_t number[4];
        if ((rc = read_at(ids, at, number, sizeof number)) != 0)
            return rc;
        ids->dropped[ids->dropped_count++] = get_u32le(number);
        put_u32le(number, doc);
        if (at >= ids->flushed) {
            memcpy(ids->pending.data + (at - ids->flushed), number, sizeof number);
        } else if (pwrite(ids->file - 1, number, sizeof number, (off_t)at) != sizeof number) {
            ids->io_errno = errno ? errno : EIO;
            return COPS_EIO;
        }
        ids->repeats++;
        *replaced = 1;
        return 0;
    }
    buffer_append_u32le(&ids->pending, doc);
    buffer_append_u32le(&ids->pending, (uint32_t)length);
    buffer_append(&ids->pending, id, length);
    if (buffer_failed(&ids->pending))
        return COPS_ENOMEM;
    ids->slots[slot] = (hash >> OFFSET_BITS << OFFSET_BITS) | (offset + 1);
    ids->count++;
    return ids->pending.length >= PENDING_BYTES ? write_pending(ids) : 0;
}

int record_ids_note(record_ids *ids, const cops_build_options *options,
                    const source_document *document, uint32_t doc, int *replaced)
{
    *replaced = 0;
    if (document->line == 0)
        return 0;
    int rc = record_ids_add(ids, document->id, doc, replaced);
    if (rc != 0)
        return rc;
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
    if (ids->count == 0 || ids->capacity == 0)
        return 0;
    uint64_t hash = hash_keyed(id, length) | 1;
    int64_t slot = record_ids_slot(ids, id, length, hash);
    if (slot < 0)
        return (int)slot;
    if (!ids->slots[slot])
        return 0;
    if (doc) {
        uint8_t number[4];
        int rc = read_at(ids, (ids->slots[slot] & OFFSET_MASK) - 1, number, sizeof number);
        if (rc != 0)
            return rc;
        *doc = get_u32le(number);
    }
    return 1;
}

int record_ids_has(const record_ids *ids, const char *id, size_t length)
{
    return record_ids_find(ids, id, length, NULL);
}

int record_ids_error(const record_ids *ids, int rc, cops_error *err)
{
    if (rc == COPS_ENOMEM)
        return error_set(err, rc, "out of memory");
    if (rc == COPS_ELIMIT)
        return error_set(err, rc, "the ids of the records read pass 1 TiB");
    return error_set(err, rc, "the temporary file of the records' ids failed: %s",
                     strerror(ids->io_errno));
}
