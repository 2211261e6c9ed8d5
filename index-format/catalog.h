/*
 * catalog.h — what an incremental build needs to remember between runs:
 * which input files the index holds (the files catalog) and which
 * documents of an immutable segment are deleted (deletion bitmaps).
 *
 * Both are small files written whole, fsynced, and named by the manifest,
 * so they change only with a manifest commit (FORMAT.md "catalog" and
 * "deletions").  Each starts with magic and version and ends with a CRC32
 * of everything before it; a damaged file is COPS_ECORRUPT.
 */
#ifndef COPS_INDEX_FORMAT_CATALOG_H
#define COPS_INDEX_FORMAT_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "index-format/manifest.h"

/* ------------------------------------------------------ files catalog */

/* One input file and the documents it produced: a contiguous range of
 * one segment (a file is always indexed whole by one build). */
typedef struct catalog_entry {
    char *path;                 /* owned by the catalog */
    uint64_t size;
    int64_t mtime_seconds;
    uint32_t mtime_nanoseconds;
    uint64_t hash;              /* XXH3-64 of the file's bytes */
    char segment[MANIFEST_MAX_NAME];
    uint32_t first_doc;
    uint32_t doc_count;
} catalog_entry;

typedef struct catalog {
    catalog_entry *entries;     /* sorted by path after catalog_sort */
    size_t count, capacity;
} catalog;

/* Add a copy of `entry` (its path is copied).  COPS_ENOMEM on failure. */
int catalog_add(catalog *c, const catalog_entry *entry, cops_error *err);
/* Sort by path (bytewise) so catalog_find can search. */
void catalog_sort(catalog *c);
/* The entry for `path`, or NULL (after catalog_sort). */
catalog_entry *catalog_find(catalog *c, const char *path);
void catalog_free(catalog *c);

/* Read / write `dir`/`name`.  Write fsyncs the file. */
int catalog_read(const char *dir, const char *name, catalog *out, cops_error *err);
int catalog_write(const char *dir, const char *name, const catalog *c, cops_error *err);

/* XXH3-64 of a file's bytes (streamed).  Returns 0, COPS_ENOMEM, or COPS_EIO
 * (the file cannot be read). */
int catalog_hash_file(const char *path, uint64_t *hash, cops_error *err);

/* -------------------------------------------------- deletion bitmaps */

typedef struct deletions {
    uint32_t documents;         /* documents of the segment */
    uint32_t deleted;           /* bits set */
    uint8_t *bits;              /* (documents + 7) / 8 bytes, bit d = document d */
} deletions;

static inline int deletions_test(const deletions *d, uint32_t doc)
{
    return d->bits && (d->bits[doc >> 3] >> (doc & 7)) & 1;
}

/* An empty bitmap for `documents`; COPS_ENOMEM on failure. */
int deletions_init(deletions *d, uint32_t documents, cops_error *err);
/* Mark [first, first + count) deleted (already-deleted bits stay). */
void deletions_mark(deletions *d, uint32_t first, uint32_t count);
void deletions_free(deletions *d);

int deletions_read(const char *dir, const char *name, uint32_t documents, deletions *out,
                   cops_error *err);
int deletions_write(const char *dir, const char *name, const deletions *d, cops_error *err);

#endif
