/*
 * manifest.h — the small file that says which segments form the index.
 *
 * An index directory holds immutable segment files and one MANIFEST.  A
 * build writes its segments under fresh names, then commits by writing
 * MANIFEST.tmp, fsyncing it, renaming it over MANIFEST and fsyncing the
 * directory: readers see either the old or the new index, never a mix,
 * and a crash or full disk before the rename leaves the old one intact.
 * Format (text, FORMAT.md "manifest"):
 *     cops-manifest 1
 *     generation <n>
 *     segment <file name> <bytes> <documents> [deletions <file name> <count>]
 *     files <catalog file name>                    (optional)
 *     checksum <crc32 of the lines above, 8 hex digits>
 */
#ifndef COPS_INDEX_FORMAT_MANIFEST_H
#define COPS_INDEX_FORMAT_MANIFEST_H

#include <stdint.h>

#include "cops.h"

#define MANIFEST_NAME "MANIFEST"
/* The first word of every manifest of any version: a MANIFEST that does
 * not begin so is someone else's file (a Perl distribution's list). */
#define MANIFEST_MAGIC "cops-manifest "
#define MANIFEST_MAX_SEGMENTS 64
#define MANIFEST_MAX_NAME 64
#define MANIFEST_MAX_BYTES 8191     /* a longer file is refused unread */

typedef struct manifest_segment {
    char name[MANIFEST_MAX_NAME];   /* file name inside the index directory */
    uint64_t bytes;
    uint64_t documents;
    char deletions[MANIFEST_MAX_NAME]; /* deletion bitmap file, "" when none */
    uint64_t deleted;               /* documents marked deleted in it */
} manifest_segment;

typedef struct manifest {
    uint64_t generation;
    size_t segment_count;
    manifest_segment segments[MANIFEST_MAX_SEGMENTS];
    char files[MANIFEST_MAX_NAME];  /* files catalog (catalog.h), "" when none */
} manifest;

/* The documents of all its segments, deleted ones included. */
uint64_t manifest_documents(const manifest *m);

/* Append the text of `m` without its checksum line (what the checksum
 * covers): the one writer of the format, used by commit and by --check. */
struct byte_buffer;
void manifest_format(const manifest *m, struct byte_buffer *out);

/* Read `dir`/MANIFEST (base/file.h: a regular file, not followed, never
 * blocking, at most MANIFEST_MAX_BYTES).  COPS_ENOINDEX when the
 * directory or the manifest does not exist, COPS_ECORRUPT when it is not a
 * regular file, is too long, does not parse or its checksum fails. */
int manifest_read(const char *dir, manifest *out, cops_error *err);
/* The same in the directory `dir_fd` held open (base/file.h; `dir` names
 * it in messages), as a build reads the index it updates. */
int manifest_read_at(int dir_fd, const char *dir, manifest *out, cops_error *err);

/* The bytes of MANIFEST in the directory `dir_fd` held open (`dir` names
 * it), opened and bounded as manifest_read does, unparsed: `text` (OUT)
 * NUL-terminated, *length (OUT) its bytes (a NUL inside is possible).
 * Errors as manifest_read's before parsing. */
int manifest_read_text_at(int dir_fd, const char *dir, char text[MANIFEST_MAX_BYTES + 1],
                          size_t *length, cops_error *err);
/* Parse `text` (manifest_read_text_at's; cut up in place) into *out, as
 * manifest_read does after reading: a checker parses the very bytes it
 * checked.  `path` names the file in errors. */
int manifest_parse(char *text, const char *path, manifest *out, cops_error *err);

/* Atomically replace MANIFEST in the directory `dir_fd` (AT_FDCWD: by
 * the path `dir`, which names it in messages) with `m` (see above).  *committed
 * (OUT) is 1 once the rename happened: a failure after it (the final
 * directory fsync) leaves the new manifest in place, so the caller must
 * then neither remove the new segments nor the old ones. */
int manifest_commit(int dir_fd, const char *dir, const manifest *m, int *committed,
                    cops_error *err);

#endif
