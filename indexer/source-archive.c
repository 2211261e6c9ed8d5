/*
 * source-archive.c — tar, zip, 7-Zip, RAR and cpio archives, and files
 * compressed with bzip2, xz, lzma, zstd, lz4 or compress, through
 * libarchive.  Every regular member is read like a file of its own, named
 * "archive.zip/inner/path"; a compressed single file keeps its own name
 * and is read by the name it has without the compression extension
 * (report.txt.xz is text).  gzip stays with zlib in the reader below
 * (source.c), so a .tar.gz arrives here as a tar (its members counted
 * against the .tar.gz's size on disk; what gzip inflates for a file that
 * is no archive is bounded there, source_inflation_exceeded alike).
 *
 * Memory and work stay bounded:
 *   - a member is read into memory only up to SOURCE_ARCHIVE_MEMBER_MAX
 *     (and max_document_bytes); a larger one is skipped with a warning;
 *   - an archive that inflates to more than SOURCE_ARCHIVE_MAX_RATIO
 *     times the bytes read from it, once past SOURCE_ARCHIVE_RATIO_FLOOR,
 *     is a decompression bomb: one warning, the rest is skipped; so is a
 *     file on disk whose archives, nested ones and compressed members
 *     included, inflate to more than that ratio of its size together
 *     (each nested archive counted alone would have a floor of its own);
 *     and what the files of a walk inflate past that ratio adds up, to at
 *     most SOURCE_ARCHIVE_WALK_FLOOR (each file alone would have a floor
 *     of its own);
 *   - archives inside archives are read SOURCE_ARCHIVE_MAX_DEPTH deep.
 * A member is indexed under a name no other member of its archive has:
 * tar appends a changed file again under the same name, and the copy
 * read first (a deleted passage, say) must stay findable and tell itself
 * apart from the later one, as must "./x" from "x" once both are cleaned.
 * A name met again is warned about and indexed as "NAME;2" (";3", ...:
 * the first free one), as ISO 9660 numbers the versions of one file; the
 * reader is chosen by the name as it was (member_names).
 * Only the formats and filters named in archive_open are enabled: never
 * mtree (whose entries name files on this machine) nor the filters
 * libarchive runs as external programs.  Links, directories and devices
 * inside archives are ignored; nothing is ever written to disk.
 */
#include "config.h"

#include "indexer/source-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int archive_open(struct archive *archive)
{
    int (*const enable[])(struct archive *) = {
        archive_read_support_format_tar,   archive_read_support_format_zip,
        archive_read_support_format_7zip,  archive_read_support_format_rar,
        archive_read_support_format_rar5,  archive_read_support_format_cpio,
        archive_read_support_format_raw,   archive_read_support_filter_bzip2,
        archive_read_support_filter_xz,    archive_read_support_filter_lzma,
        archive_read_support_filter_zstd,  archive_read_support_filter_lz4,
        archive_read_support_filter_compress, archive_read_support_filter_gzip,
    };
    for (size_t i = 0; i < sizeof enable / sizeof enable[0]; i++) {
        /* ARCHIVE_WARN means "through an external program": not that. */
        if (enable[i](archive) != ARCHIVE_OK)
            return -1;
    }
    return 0;
}

size_t source_archive_member_limit(const source_walker *walker)
{
    return walker->max_document_bytes < SOURCE_ARCHIVE_MEMBER_MAX ? walker->max_document_bytes
                                                                  : SOURCE_ARCHIVE_MEMBER_MAX;
}

int source_archive_member(source_file *file, struct archive *archive,
                          struct archive_entry *entry, byte_buffer *out, uint64_t *inflated)
{
    size_t limit = source_archive_member_limit(file->walker);
    const char *name = archive_entry_pathname(entry);
    buffer_reset(out);
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > (la_int64_t)limit) {
        source_skip(file->walker, "%s/%s: archive member larger than %zu bytes, skipped",
                    file->path, name ? name : "?", limit);
        return 0;
    }
    for (;;) {
        if (buffer_reserve(out, (size_t)64 << 10) != 0)
            return COPS_ENOMEM;
        size_t room = out->capacity - out->length;
        la_ssize_t got = archive_read_data(archive, out->data + out->length, room);
        if (got == 0)
            return 1;
        if (got < 0) {
            source_skip(file->walker, "%s/%s: archive member cannot be read (%s), skipped",
                        file->path, name ? name : "?", archive_error_string(archive));
            return got == ARCHIVE_FATAL ? SOURCE_ARCHIVE_STOP : 0;
        }
        out->length += (size_t)got;
        *inflated += (uint64_t)got;
        uint64_t read = (uint64_t)archive_filter_bytes(archive, -1);
        if (*inflated > SOURCE_ARCHIVE_RATIO_FLOOR &&
            *inflated / (read ? read : 1) > SOURCE_ARCHIVE_MAX_RATIO) {
            source_skip(file->walker, "%s: inflates more than %d times its size (a "
                        "decompression bomb?): the rest is skipped", file->path,
                        SOURCE_ARCHIVE_MAX_RATIO);
            return SOURCE_ARCHIVE_STOP;
        }
        if (source_inflation_exceeded(file->walker, file->inflation, (uint64_t)got,
                                      file->disk_path ? file->disk_path : file->path))
            return SOURCE_ARCHIVE_STOP;
        if (out->length > limit) {
            source_skip(file->walker, "%s/%s: archive member larger than %zu bytes, skipped",
                        file->path, name ? name : "?", limit);
            return 0;
        }
    }
}

/* Feed libarchive the (zlib-decompressed) bytes of the file's reader. */
static la_ssize_t archive_feed(struct archive *archive, void *context, const void **buffer)
{
    source_reader *reader = context;
    if (!source_reader_fill(reader)) {
        if (reader->damaged) {
            archive_set_error(archive, EIO, "%s", reader->damage);
            return -1;
        }
        return 0;
    }
    size_t available = reader->end - reader->start;
    *buffer = reader->data + reader->start;
    reader->start = reader->end;
    reader->offset += available;
    return (la_ssize_t)available;
}

/* "archive.zip" + "/inner/path", the member's name cleaned of empty, "."
 * and ".." components (a hostile "../x" must not read as a path beside
 * the archive); the archive's own path for a compressed single file. */
static char *member_path(const char *archive_path, const char *name, int single)
{
    if (single)
        return strdup(archive_path);
    size_t archive_length = strlen(archive_path);
    char *path = malloc(archive_length + strlen(name) + 2);
    if (!path)
        return NULL;
    memcpy(path, archive_path, archive_length);
    size_t used = archive_length;
    while (*name) {
        size_t length = strcspn(name, "/");
        int skip = length == 0 || (length == 1 && name[0] == '.') ||
                   (length == 2 && name[0] == '.' && name[1] == '.');
        if (!skip) {
            path[used++] = '/';
            memcpy(path + used, name, length);
            used += length;
        }
        name += length + (name[length] == '/');
    }
    path[used] = 0;
    return path;
}

/* The name a compressed single file is read by: its own, without the
 * last extension ("notes.txt.xz" -> "notes.txt"). */
static void strip_extension(char *path)
{
    char *dot = strrchr(path, '.');
    char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash + 1))
        *dot = 0;
}

/* The names given to the members of one archive so far: a tree (tsearch,
 * balanced) of taken names.  A name also keeps the last N its own
 * versions ("NAME;N") reached, so that the k-th copy of one name starts
 * there rather than trying ";2" .. ";k" again: an archive of a million
 * members of one name (a few MB of tar.gz) would otherwise cost half a
 * million million lookups.  The search goes on past a ";N" only when
 * another member took that very name, which each name can cause once:
 * no choice of hostile names makes the claims quadratic. */
typedef struct member_names {
    void *root;
} member_names;

typedef struct member_name {
    char *name;
    unsigned long last; /* the last N of "name;N" given, 1 for none */
} member_name;

static int compare_names(const void *a, const void *b)
{
    return strcmp(((const member_name *)a)->name, ((const member_name *)b)->name);
}

static member_name *member_names_find(member_names *names, char *name)
{
    member_name key = {name, 0};
    void *found = tfind(&key, &names->root, compare_names);
    return found ? *(member_name **)found : NULL;
}

static void member_name_free(void *node)
{
    member_name *entry = node;
    if (entry) {
        free(entry->name);
        free(entry);
    }
}

/* Note `*path` as taken.  When an earlier member took it, *path becomes
 * "PATH;N" for the least N >= 2 past the versions of PATH already given
 * that no member took, with a warning.  Returns 0, or COPS_ENOMEM (*path
 * is then still the caller's to free). */
static int member_names_claim(member_names *names, source_file *file, char **path)
{
    char *name = *path;
    size_t length = strlen(name);
    char *versioned = NULL;
    member_name *base = member_names_find(names, name);
    unsigned long n = base ? base->last : 1;
    if (base) {
        if (!(versioned = malloc(length + 24)))
            return COPS_ENOMEM;
        do {
            n++;
            snprintf(versioned, length + 24, "%s;%lu", *path, n);
        } while (member_names_find(names, versioned));
        base->last = n;
        name = versioned;
    }
    member_name *entry = malloc(sizeof *entry);
    char *kept = entry ? strdup(name) : NULL;
    void **slot = NULL;
    if (kept) {
        entry->name = kept;
        entry->last = 1;
        slot = tsearch(entry, &names->root, compare_names);
    }
    if (!slot) {
        free(kept);
        free(entry);
        free(versioned);
        return COPS_ENOMEM;
    }
    if (versioned) {
        source_warn(file->walker, "%s: another member of the archive has this name: this one "
                    "is indexed with \";%lu\" appended", *path, n);
        free(*path);
        *path = versioned;
    }
    return 0;
}

static void member_names_free(member_names *names)
{
    tdestroy(names->root, member_name_free);
    names->root = NULL;
}

/* Read one member as a file of its own (the bytes are in `member`). */
static int archive_read_member(source_file *file, struct archive *archive, const char *name,
                               const byte_buffer *member, member_names *names)
{
    int single = archive_format(archive) == ARCHIVE_FORMAT_RAW;
    char *path = member_path(file->path, name, single);
    char *format_name = path ? strdup(path) : NULL;
    if (!path || !format_name || member_names_claim(names, file, &path) != 0) {
        free(path);
        free(format_name);
        return COPS_ENOMEM;
    }
    if (single)
        strip_extension(format_name);
    source_file inner;
    memset(&inner, 0, sizeof inner);
    inner.walker = file->walker;
    inner.path = path;
    inner.archive_depth = file->archive_depth + 1;
    inner.disk_path = file->disk_path ? file->disk_path : file->path;
    inner.inflation = file->inflation;
    inner.reader.data = member->data;
    inner.reader.end = inner.reader.capacity = member->length;
    inner.reader.at_end = 1;
    int status = source_read_content(&inner, format_name);
    free(path);
    free(format_name);
    return status;
}

/* Read every regular member of an opened archive. */
static int archive_read_members(source_file *file, struct archive *archive)
{
    byte_buffer member = BUFFER_INIT;
    member_names names = {NULL};
    uint64_t inflated = 0, members = 0;
    int status = 0;
    struct archive_entry *entry;
    while (status == 0 && !file->inflation->exceeded) {
        int next = archive_read_next_header(archive, &entry);
        if (next == ARCHIVE_EOF)
            break;
        if (next < ARCHIVE_WARN) {
            source_skip(file->walker, "%s: damaged or unreadable archive after %llu members (%s)",
                        file->path, (unsigned long long)members, archive_error_string(archive));
            break;
        }
        members++;
        const char *name = archive_entry_pathname(entry);
        if (archive_entry_filetype(entry) != AE_IFREG || !name || archive_entry_hardlink(entry))
            continue;
        int read = source_archive_member(file, archive, entry, &member, &inflated);
        if (read == SOURCE_ARCHIVE_STOP)
            break;
        if (read == 1)
            status = archive_read_member(file, archive, name, &member, &names);
        else if (read != 0)
            status = read;
    }
    member_names_free(&names);
    buffer_free(&member);
    return status;
}

/* Open `archive` (from the file's reader, or from `bytes` when not NULL)
 * and read its members. */
static int archive_read_from(source_file *file, const byte_buffer *bytes)
{
    if (file->archive_depth >= SOURCE_ARCHIVE_MAX_DEPTH) {
        source_skip(file->walker, "%s: archive inside %d archives, skipped", file->path,
                    SOURCE_ARCHIVE_MAX_DEPTH);
        return 0;
    }
    struct archive *archive = archive_read_new();
    if (!archive || archive_open(archive) != 0) {
        if (archive)
            archive_read_free(archive);
        return COPS_ENOMEM;
    }
    /* An archive's members are counted (source_archive_member): what gzip
     * inflated for it (a .tar.gz) would be counted twice. */
    if (!bytes)
        file->reader.gzip = NULL;
    int opened = bytes ? archive_read_open_memory(archive, bytes->data, bytes->length)
                       : archive_read_open(archive, &file->reader, NULL, archive_feed, NULL);
    int status = 0;
    if (opened != ARCHIVE_OK)
        source_skip(file->walker, "%s: not a readable archive (%s), skipped", file->path,
                    archive_error_string(archive));
    else
        status = archive_read_members(file, archive);
    archive_read_free(archive);
    if (file->reader.out_of_memory)
        status = COPS_ENOMEM;
    return status;
}

int source_read_archive(source_file *file)
{
    return archive_read_from(file, NULL);
}

int source_read_archive_bytes(source_file *file, const byte_buffer *bytes)
{
    return archive_read_from(file, bytes);
}
