/*
 * catalog.c — files catalog and deletion bitmaps (catalog.h).
 *
 *   catalog   = "COPSCAT\0" version:u32 count:u32 entry* crc:u32
 *   entry     = vint(path_len) path size:u64 mtime_s:u64 mtime_ns:u32 hash:u64
 *               vint(segment_len) segment first_doc:u32 doc_count:u32
 *   deletions = "COPSDEL\0" version:u32 documents:u32 deleted:u32 bits crc:u32
 */
#include "config.h"

#include "index-format/catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "base/array.h"
#include "base/buffer.h"
#include "base/error.h"
#include "index-format/codec.h"
#include "index-format/layout.h"

#define CATALOG_MAGIC "COPSCAT\0"
#define DELETIONS_MAGIC "COPSDEL\0"
#define CATALOG_VERSION 1u

/* ------------------------------------------------------------ files */

static int write_file(const char *dir, const char *name, const byte_buffer *content,
                      cops_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot create %s", path);
    int rc = 0;
    size_t written = 0;
    while (rc == 0 && written < content->length) {
        ssize_t n = write(fd, content->data + written, content->length - written);
        if (n <= 0)
            rc = error_set_errno(err, COPS_EIO, n < 0 ? errno : ENOSPC, "cannot write %s", path);
        else
            written += (size_t)n;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot fsync %s", path);
    if (close(fd) != 0 && rc == 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot close %s", path);
    if (rc != 0)
        unlink(path);
    return rc;
}

/* The whole file, checked: magic, version, trailing CRC. */
static int read_file(const char *dir, const char *name, const char *magic, byte_buffer *out,
                     char *path, size_t path_size, cops_error *err)
{
    snprintf(path, path_size, "%s/%s", dir, name);
    FILE *file = fopen(path, "rb");
    if (!file)
        return error_set_errno(err, errno == ENOENT ? COPS_ECORRUPT : COPS_EIO, errno,
                               "damaged index: cannot read %s", path);
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
        buffer_append(out, chunk, n);
    int failed = ferror(file);
    fclose(file);
    if (failed)
        return error_set(err, COPS_EIO, "cannot read %s", path);
    if (buffer_failed(out))
        return error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
    if (out->length < 16 || memcmp(out->data, magic, 8) != 0)
        return error_set(err, COPS_ECORRUPT, "%s: damaged index: bad magic", path);
    if (layout_get_u32(out->data + 8) != CATALOG_VERSION)
        return error_set(err, COPS_EVERSION, "%s: unsupported version %u", path,
                         layout_get_u32(out->data + 8));
    if ((uint32_t)crc32(0, out->data, (uInt)(out->length - 4))
        != layout_get_u32(out->data + out->length - 4))
        return error_set(err, COPS_ECORRUPT, "%s: damaged index: checksum mismatch", path);
    return 0;
}

/* ---------------------------------------------------------- catalog */

int catalog_add(catalog *c, const catalog_entry *entry, cops_error *err)
{
    if (ARRAY_RESERVE_ONE(c->entries, c->capacity, c->count, 64) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    catalog_entry *copy = &c->entries[c->count];
    *copy = *entry;
    if (!(copy->path = strdup(entry->path)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    c->count++;
    return 0;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const catalog_entry *)a)->path, ((const catalog_entry *)b)->path);
}

void catalog_sort(catalog *c)
{
    if (c->count > 1)
        qsort(c->entries, c->count, sizeof *c->entries, compare_entries);
}

catalog_entry *catalog_find(catalog *c, const char *path)
{
    catalog_entry key;
    key.path = (char *)path;
    return c->count ? bsearch(&key, c->entries, c->count, sizeof *c->entries, compare_entries)
                    : NULL;
}

void catalog_free(catalog *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->entries[i].path);
    free(c->entries);
    memset(c, 0, sizeof *c);
}

int catalog_write(const char *dir, const char *name, const catalog *c, cops_error *err)
{
    byte_buffer out = BUFFER_INIT;
    buffer_append(&out, CATALOG_MAGIC, 8);
    buffer_append_u32le(&out, CATALOG_VERSION);
    buffer_append_u32le(&out, (uint32_t)c->count);
    for (size_t i = 0; i < c->count; i++) {
        const catalog_entry *e = &c->entries[i];
        size_t path_length = strlen(e->path), segment_length = strlen(e->segment);
        buffer_append_varint(&out, path_length);
        buffer_append(&out, e->path, path_length);
        buffer_append_u64le(&out, e->size);
        buffer_append_u64le(&out, (uint64_t)e->mtime_seconds);
        buffer_append_u32le(&out, e->mtime_nanoseconds);
        buffer_append_u64le(&out, e->hash);
        buffer_append_varint(&out, segment_length);
        buffer_append(&out, e->segment, segment_length);
        buffer_append_u32le(&out, e->first_doc);
        buffer_append_u32le(&out, e->doc_count);
    }
    buffer_append_u32le(&out, (uint32_t)crc32(0, out.data, (uInt)out.length));
    int rc = buffer_failed(&out) ? error_set(err, COPS_ENOMEM, "out of memory")
                                 : write_file(dir, name, &out, err);
    buffer_free(&out);
    return rc;
}

int catalog_read(const char *dir, const char *name, catalog *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    byte_buffer content = BUFFER_INIT;
    char path[4096];
    int rc = read_file(dir, name, CATALOG_MAGIC, &content, path, sizeof path, err);
    if (rc != 0) {
        buffer_free(&content);
        return rc;
    }
    const uint8_t *p = content.data + 16, *end = content.data + content.length - 4;
    uint32_t count = layout_get_u32(content.data + 12);
    for (uint32_t i = 0; i < count && rc == 0; i++) {
        uint64_t path_length, segment_length;
        size_t used = codec_varint_decode(p, end, &path_length);
        if (!used || path_length == 0 || path_length > 4095 || path_length > (uint64_t)(end - p - (ptrdiff_t)used))
            goto damaged;
        catalog_entry e;
        memset(&e, 0, sizeof e);
        char entry_path[4096];
        memcpy(entry_path, p + used, path_length);
        entry_path[path_length] = '\0';
        e.path = entry_path;
        p += used + path_length;
        if (end - p < 28)
            goto damaged;
        e.size = layout_get_u64(p);
        e.mtime_seconds = (int64_t)layout_get_u64(p + 8);
        e.mtime_nanoseconds = layout_get_u32(p + 16);
        e.hash = layout_get_u64(p + 20);
        p += 28;
        used = codec_varint_decode(p, end, &segment_length);
        if (!used || segment_length == 0 || segment_length >= MANIFEST_MAX_NAME
            || segment_length + 8 > (uint64_t)(end - p - (ptrdiff_t)used))
            goto damaged;
        memcpy(e.segment, p + used, segment_length);
        e.segment[segment_length] = '\0';
        p += used + segment_length;
        e.first_doc = layout_get_u32(p);
        e.doc_count = layout_get_u32(p + 4);
        p += 8;
        rc = catalog_add(out, &e, err);
    }
    if (rc == 0 && p != end)
        goto damaged;
    buffer_free(&content);
    if (rc == 0)
        catalog_sort(out);
    else
        catalog_free(out);
    return rc;
damaged:
    buffer_free(&content);
    catalog_free(out);
    return error_set(err, COPS_ECORRUPT, "%s: damaged index: catalog entry out of range", path);
}

int catalog_hash_file(const char *path, uint64_t *hash, cops_error *err)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return error_set_errno(err, errno == ENOMEM ? COPS_ENOMEM : COPS_EIO, errno,
                               "cannot read %s", path);
    XXH3_state_t *state = XXH3_createState();
    if (!state) {
        fclose(file);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    XXH3_64bits_reset(state);
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
        XXH3_64bits_update(state, chunk, n);
    int failed = ferror(file);
    fclose(file);
    *hash = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    return failed ? error_set(err, COPS_EIO, "cannot read %s", path) : 0;
}

/* -------------------------------------------------------- deletions */

int deletions_init(deletions *d, uint32_t documents, cops_error *err)
{
    d->documents = documents;
    d->deleted = 0;
    d->bits = calloc((size_t)documents / 8 + 1, 1);
    return d->bits ? 0 : error_set(err, COPS_ENOMEM, "out of memory");
}

void deletions_mark(deletions *d, uint32_t first, uint32_t count)
{
    for (uint32_t doc = first; doc < first + count && doc < d->documents; doc++) {
        if (!deletions_test(d, doc)) {
            d->bits[doc >> 3] |= (uint8_t)(1u << (doc & 7));
            d->deleted++;
        }
    }
}

void deletions_free(deletions *d)
{
    free(d->bits);
    memset(d, 0, sizeof *d);
}

int deletions_write(const char *dir, const char *name, const deletions *d, cops_error *err)
{
    byte_buffer out = BUFFER_INIT;
    buffer_append(&out, DELETIONS_MAGIC, 8);
    buffer_append_u32le(&out, CATALOG_VERSION);
    buffer_append_u32le(&out, d->documents);
    buffer_append_u32le(&out, d->deleted);
    buffer_append(&out, d->bits, ((size_t)d->documents + 7) / 8);
    buffer_append_u32le(&out, (uint32_t)crc32(0, out.data, (uInt)out.length));
    int rc = buffer_failed(&out) ? error_set(err, COPS_ENOMEM, "out of memory")
                                 : write_file(dir, name, &out, err);
    buffer_free(&out);
    return rc;
}

int deletions_read(const char *dir, const char *name, uint32_t documents, deletions *out,
                   cops_error *err)
{
    memset(out, 0, sizeof *out);
    byte_buffer content = BUFFER_INIT;
    char path[4096];
    int rc = read_file(dir, name, DELETIONS_MAGIC, &content, path, sizeof path, err);
    size_t bytes = ((size_t)documents + 7) / 8;
    if (rc == 0 && (content.length != 24 + bytes || layout_get_u32(content.data + 12) != documents))
        rc = error_set(err, COPS_ECORRUPT, "%s: damaged index: deletions of another segment", path);
    if (rc == 0)
        rc = deletions_init(out, documents, err);
    if (rc == 0) {
        memcpy(out->bits, content.data + 20, bytes);
        uint32_t counted = 0;
        for (uint32_t doc = 0; doc < documents; doc++)
            counted += (uint32_t)deletions_test(out, doc);
        if (counted != layout_get_u32(content.data + 16)) {
            deletions_free(out);
            rc = error_set(err, COPS_ECORRUPT, "%s: damaged index: deletion count mismatch", path);
        } else {
            out->deleted = counted;
        }
    }
    buffer_free(&content);
    return rc;
}
