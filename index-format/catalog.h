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

/* What a document was read as (catalog_entry.format; one byte on disk,
 * FORMAT.md §5.2).  CATALOG_FORMAT_UNKNOWN: a version 2 catalog's
 * entries, which did not record it. */
enum {
    CATALOG_FORMAT_UNKNOWN,
    CATALOG_FORMAT_TEXT,
    CATALOG_FORMAT_HTML,
    CATALOG_FORMAT_JSONL,   /* one JSON Lines record */
    CATALOG_FORMAT_TREC,    /* one TREC <DOC> */
    CATALOG_FORMAT_PDF,
    CATALOG_FORMAT_DOCX,
    CATALOG_FORMAT_ODT,
    CATALOG_FORMAT_EPUB,
    CATALOG_FORMAT_MAIL,    /* one e-mail file */
    CATALOG_FORMAT_MBOX,    /* one message of an mbox */
    CATALOG_FORMAT_COUNT
};

/* The short name of a format code ("text", "pdf", "jsonl"...; "unknown"
 * for codes out of range), and the code of a reader's format name
 * (indexer/detect.h's names and "docx", "odt", "epub", "mbox";
 * CATALOG_FORMAT_UNKNOWN for any other). */
const char *catalog_format_name(unsigned format);
unsigned catalog_format_code(const char *name);

/* Room for a detected source encoding's name with its NUL ("UTF-8",
 * "WINDOWS-1252", "UTF-16LE"...): at most 31 bytes of [A-Za-z0-9._:()+-]. */
#define CATALOG_ENCODING_MAX 32
/* 1 when `name` may be a catalog entry's encoding (the bytes above). */
int catalog_encoding_valid(const char *name, size_t length);

/* One input file and the documents it produced: a contiguous range of
 * one segment, all of one format and encoding (a file whose documents
 * differ, an archive's members, has one entry per run of alike
 * documents).  A JSON Lines file that only grew has one entry per part
 * indexed (its first lines, then each addition), in the order the parts
 * were indexed; the last one's size, time and hash are the file's. */
typedef struct catalog_entry {
    char *path;                 /* owned by the catalog */
    uint64_t size;
    int64_t mtime_seconds;
    uint32_t mtime_nanoseconds;
    uint64_t hash;              /* XXH3-64 of the file's bytes */
    char segment[MANIFEST_MAX_NAME];
    uint32_t first_doc;
    uint32_t doc_count;
    uint8_t format;             /* CATALOG_FORMAT_* */
    char encoding[CATALOG_ENCODING_MAX]; /* as the charset layer decided;
                                 * "" when the format carries its own (PDF,
                                 * office, mail) or a v2 catalog */
    /* The line of each document in its file (JSON Lines, TREC records),
     * as catalog_lines_encode writes them, owned by the catalog; NULL
     * (0 bytes) for documents that are whole files. */
    uint8_t *lines;
    size_t lines_bytes;
} catalog_entry;

/* The entry's doc_count lines into lines[] (e->lines must be set);
 * COPS_ECORRUPT when they do not decode (catalog_read checked them). */
int catalog_lines_decode(const catalog_entry *e, uint64_t *lines);
/* Encode `count` lines (each >= 1, in any order) as FORMAT.md §5.2 lays
 * them out: a width byte, then each line in that many bytes (the
 * largest line's), so that any one is read directly.  *out (OUT) is
 * malloc'd (NULL for count 0); 0 or COPS_ENOMEM (without `err`: the
 * caller says it). */
int catalog_lines_encode(const uint64_t *lines, size_t count, uint8_t **out, size_t *bytes);
/* The line of the entry's document `doc` (first_doc <= doc < first_doc +
 * doc_count): one read of a few bytes, whatever the order of the
 * documents.  0 when the entry has no lines or `doc` is not one of its
 * documents. */
uint64_t catalog_entry_line(const catalog_entry *e, uint32_t doc);


/* Bound on the roots a catalog holds (the reader refuses more). */
#define CATALOG_MAX_ROOTS 4096
/* Bounds on a root's patterns: each list at most this many, each pattern
 * 1 to 4095 bytes, and all patterns of a catalog together at most
 * CATALOG_MAX_PATTERN_BYTES with the roots' field names (counting their
 * length bytes). */
#define CATALOG_MAX_PATTERNS 256
#define CATALOG_MAX_PATTERN_BYTES 65536

/* A root's reading flags (catalog_patterns.flags). */
#define CATALOG_READ_FOLLOW 1u  /* --follow: symbolic links inside folders followed */
#define CATALOG_READ_HIDDEN 2u  /* --hidden: hidden files and folders read */
#define CATALOG_READ_FLAGS 3u   /* every flag known (a catalog with another is damaged) */
/* Its JSON Lines field names (catalog_patterns.fields), in this order. */
enum { CATALOG_FIELD_ID, CATALOG_FIELD_TITLE, CATALOG_FIELD_TEXT, CATALOG_FIELD_DATE,
       CATALOG_FIELDS };

/* The reading options a root was last walked with (cops-index walks it
 * with them again when a run gives none): its --glob and --exclude
 * patterns, --follow and --hidden, and the JSON Lines field names (NULL:
 * the default); owned by the catalog.  A version 4 or older catalog
 * stored the patterns only. */
typedef struct catalog_patterns {
    char **globs;
    size_t glob_count;
    char **excludes;
    size_t exclude_count;
    unsigned flags;                 /* CATALOG_READ_* */
    char *fields[CATALOG_FIELDS];
} catalog_patterns;

typedef struct catalog {
    catalog_entry *entries;     /* sorted by path after catalog_sort */
    size_t count, capacity;
    /* The roots of the index: canonical absolute paths, in byte order,
     * none inside another (indexer/roots.h); owned by the catalog. */
    char **roots;
    size_t root_count, root_capacity;
    /* NULL (no root has patterns), or CATALOG_MAX_ROOTS of them, one
     * per root (zeroed past root_count). */
    catalog_patterns *root_patterns;
} catalog;

/* The entry holding document `doc` of `segment`, or NULL (a linear scan). */
const catalog_entry *catalog_find_document(const catalog *c, const char *segment, uint32_t doc);
/* Add a copy of `entry` (its path and lines are copied).  COPS_ENOMEM on failure. */
int catalog_add(catalog *c, const catalog_entry *entry, cops_error *err);
/* Append a copy of `root` (the caller keeps the order and the
 * nesting rule above).  COPS_ENOMEM on failure. */
int catalog_add_root(catalog *c, const char *root, cops_error *err);
/* Give root number `root` copies of these patterns (replacing any; its
 * flags and fields stay).  COPS_ELIMIT past CATALOG_MAX_PATTERNS or a
 * pattern of 0 or more than 4095 bytes; COPS_ENOMEM. */
int catalog_set_root_patterns(catalog *c, size_t root, const char *const *globs,
                              size_t glob_count, const char *const *excludes,
                              size_t exclude_count, cops_error *err);
/* Give root number `root` these flags (CATALOG_READ_*) and copies of
 * these field names (fields[CATALOG_FIELDS], each NULL or 1 to 4095
 * bytes; replacing any; its patterns stay).  COPS_ELIMIT, COPS_ENOMEM. */
int catalog_set_root_reading(catalog *c, size_t root, unsigned flags,
                             const char *const *fields, cops_error *err);
/* The reading options of the root `root` (a path equal to one of the
 * roots), or NULL when it has none (all defaults) or is no root. */
const catalog_patterns *catalog_root_patterns(const catalog *c, const char *root);
/* 1 when `path` is `root` or lies below it ("root/..."). */
int catalog_path_in_root(const char *root, const char *path);
/* 1 when `path` is one of `roots` (sorted bytewise, none inside another)
 * or lies below one: its ancestors looked up one by one, so the cost is
 * its depth times log(count), whatever the number of roots. */
int catalog_roots_contain(const char *const *roots, size_t count, const char *path);
/* Remove the entries whose doc_count is 0 (keeping the order). */
void catalog_drop_empty(catalog *c);
/* Sort by path (bytewise) so catalog_find can search. */
void catalog_sort(catalog *c);
/* The last entry for `path` (its latest part), or NULL (after
 * catalog_sort); *first (OUT, may be NULL) receives the index of its
 * first part: the parts are entries [*first, returned]. */
catalog_entry *catalog_find(catalog *c, const char *path, size_t *first);
void catalog_free(catalog *c);

/* Read `dir`/`name` (base/file.h: a regular file, not followed, never
 * blocking).  `documents`: the documents the manifest lists in all; a
 * catalog larger than one of that many entries can be, or with more
 * entries, is COPS_ECORRUPT before it is read.  A missing file is
 * COPS_ECORRUPT too (the manifest names it).  Version 2 catalogs (no
 * format, encoding or lines) are read with every entry's format
 * CATALOG_FORMAT_UNKNOWN, version 3 catalogs with their lines converted
 * to version 4's layout, versions 2 to 4 with no root flags or fields
 * (they stored none); another version (version 1 had no roots) is
 * COPS_EVERSION, whose message says to rebuild. */
int catalog_read(const char *dir, const char *name, uint64_t documents, catalog *out,
                 cops_error *err);
/* The same in the directory `dir_fd` held open (base/file.h; `dir` names
 * it in messages), as a build reads the index it updates. */
int catalog_read_at(int dir_fd, const char *dir, const char *name, uint64_t documents,
                    catalog *out, cops_error *err);
/* What a reader that wants only the records' lines needs, in two steps
 * so that the file is pinned when the index is opened (a later commit
 * removes it) and read only when a hit needs a line: catalog_open opens
 * `dir`/`name` as catalog_read does (*fd, the caller closes it; *size);
 * catalog_read_records reads that descriptor (from its start, so it can
 * be read again) with catalog_read's bounds and checks, keeping only the
 * entries that have lines, in the file's order, and no roots; their
 * lines' layout is checked (their sizes), not each line (a line 0 is
 * read as none).
 * `path` names the file in errors.  A missing file is COPS_ENOINDEX, not
 * COPS_ECORRUPT: a reader that read the manifest just before a commit
 * finds the catalog it names already removed, and reads the manifest
 * again rather than answering without the records' sources. */
int catalog_open(const char *dir, const char *name, int *fd, uint64_t *size, cops_error *err);
/* The same in the directory `dir_fd` held open (base/file.h), as a reader
 * opens every file of the index it read the manifest of. */
int catalog_open_at(int dir_fd, const char *dir, const char *name, int *fd, uint64_t *size,
                    cops_error *err);
int catalog_read_records(int fd, uint64_t size, const char *path, uint64_t documents,
                         catalog *out, cops_error *err);
/* catalog_read_records, or with `records_only` 0 the whole catalog as
 * catalog_read reads it (every entry, the roots): what an open handle
 * lists from the very catalog it pinned (cops_index_kinds_get). */
int catalog_read_descriptor(int fd, uint64_t size, const char *path, uint64_t documents,
                            int records_only, catalog *out, cops_error *err);
/* Write `name` in the directory `dir_fd` (AT_FDCWD: `dir`, which names
 * it in messages) through a fresh temporary, fsynced, renamed over it
 * (base/file.h: a symbolic link or other non-regular file there is left
 * alone and the write fails).  COPS_ELIMIT, nothing written, when the
 * roots' patterns and field names exceed CATALOG_MAX_PATTERN_BYTES. */
int catalog_write(int dir_fd, const char *dir, const char *name, const catalog *c,
                  cops_error *err);

/* XXH3-64 of the bytes of the open file `fd` (streamed with pread from
 * offset 0, so the descriptor's own offset is left where it was: the
 * caller hashes and then reads the same open file, never its path
 * again).  `path` only names the file in the error.  COPS_EIO, COPS_ENOMEM. */
int catalog_hash_descriptor(int fd, const char *path, uint64_t *hash, cops_error *err);

/* What catalog_hash_prefix saw of the first prefix_length bytes. */
typedef struct catalog_prefix {
    int complete;        /* the file holds that many bytes */
    uint64_t hash;       /* XXH3-64 of them (when complete) */
    uint64_t lines;      /* '\n' bytes among them */
    uint8_t last_byte;   /* the last of them */
} catalog_prefix;

/* catalog_hash_descriptor, also describing the prefix of `prefix_length`
 * bytes (when `prefix` is not NULL) in the same single read: whether
 * the file's old bytes are unchanged, and where its new lines start. */
int catalog_hash_prefix(int fd, const char *path, uint64_t prefix_length,
                        catalog_prefix *prefix, uint64_t *hash, cops_error *err);

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

/* The first deleted document at or after `doc`, or d->documents when
 * none is (zero bytes skipped: a walk over the deleted documents costs
 * the bitmap's bytes, not the segment's documents). */
uint32_t deletions_next(const deletions *d, uint32_t doc);

/* An empty bitmap for `documents`; COPS_ENOMEM on failure. */
int deletions_init(deletions *d, uint32_t documents, cops_error *err);
/* Mark [first, first + count) deleted (already-deleted bits stay). */
void deletions_mark(deletions *d, uint32_t first, uint32_t count);
void deletions_free(deletions *d);

/* Read `dir`/`name`, the bitmap of a segment of `documents` documents:
 * exactly 24 + ceil(documents / 8) bytes, opened as catalog_read opens. */
int deletions_read(const char *dir, const char *name, uint32_t documents, deletions *out,
                   cops_error *err);
/* As catalog_read_at. */
int deletions_read_at(int dir_fd, const char *dir, const char *name, uint32_t documents,
                      deletions *out, cops_error *err);
/* As catalog_write. */
int deletions_write(int dir_fd, const char *dir, const char *name, const deletions *d,
                    cops_error *err);

#endif
