/*
 * catalog.c — files catalog and deletion bitmaps (catalog.h).
 *
 *   catalog   = "COPSCAT\0" version:u32 count:u32 entry* root_count:u32 root* crc:u32
 *   entry     = vint(path_len) path size:u64 mtime_s:u64 mtime_ns:u32 hash:u64
 *               vint(segment_len) segment first_doc:u32 doc_count:u32
 *               format:u8 vint(encoding_len) encoding vint(lines_len) lines   (version 3 on)
 *   lines     = nothing, or width:u8 (1..8) line × doc_count, each `width` bytes little-endian
 *               (version 4; version 3: vint(zigzag(line - previous line, the first's previous 0))*)
 *   root      = vint(path_len) path
 *               vint(glob_count) pattern* vint(exclude_count) pattern*   (version 3)
 *               flags:u8 field × 4                                   (version 5)
 *   pattern   = vint(length) bytes
 *   field     = vint(length) bytes (length 0: the default field name)
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
#include <libdeflate.h>

#include "base/array.h"
#include "base/buffer.h"
#include "base/error.h"
#include "base/file.h"
#include "index-format/codec.h"
#include "index-format/layout.h"

#define CATALOG_MAGIC "COPSCAT\0"
#define DELETIONS_MAGIC "COPSDEL\0"
/* 5: each root's reading options besides its patterns (--follow,
 * --hidden, the JSON Lines field names), which an update that gives
 * none walks it with; versions 2 to 4 are read with none stored (the
 * defaults), which is what they were built with unless the build gave
 * them, and refusing them would force a rebuild that drops the documents
 * read from standard input.  4: record lines of one width, a hit's line one read in any document
 * order (FORMAT.md §10); version 3 catalogs are still read (their lines
 * converted).  3: each entry's format, encoding and record lines;
 * version 2 catalogs are still read (format unknown, no encoding, no
 * lines).  2: the roots; version 1 catalogs held paths as given, which
 * canonical paths would never match, so they are refused (catalog_read)
 * and the build starts over. */
#define CATALOG_VERSION 5u
#define CATALOG_OLDEST_VERSION 2u
#define DELETIONS_VERSION 1u

/* ------------------------------------------------------------ files */

/* The CRC-32 of zlib (what FORMAT.md stores), by libdeflate, which uses
 * a carry-less multiply where there is one: zlib's table loop took 180,000
 * instructions of the first hit's line on wiki-dev (a 41 KB catalog). */
static uint32_t checksum(const uint8_t *data, size_t length)
{
    return (uint32_t)libdeflate_crc32(0, data, length);
}

/* Magic, version and trailing CRC of a file read whole into `content`. */
static int check_file(const byte_buffer *content, const char *path, const char *magic,
                      uint32_t oldest, uint32_t version, cops_error *err)
{
    if (content->length < 16 || memcmp(content->data, magic, 8) != 0)
        return error_set(err, COPS_ECORRUPT, "%s: damaged index: bad magic", path);
    uint32_t found = layout_get_u32(content->data + 8);
    if (found < oldest || found > version)
        return error_set(err, COPS_EVERSION, "%s: version %u, not %u: made by another version "
                         "of cops; rebuild the index (cops-index --rebuild)", path, found,
                         version);
    if (checksum(content->data, content->length - 4)
        != layout_get_u32(content->data + content->length - 4))
        return error_set(err, COPS_ECORRUPT, "%s: damaged index: checksum mismatch", path);
    return 0;
}

/* The whole file, at most `max_bytes`, checked.  A file that is missing
 * is damage: the manifest names it. */
static int read_file(int dir_fd, const char *dir, const char *name, const char *magic,
                     uint32_t oldest, uint32_t version, size_t max_bytes, byte_buffer *out,
                     char *path, size_t path_size, cops_error *err)
{
    snprintf(path, path_size, "%s/%s", dir, name);
    int rc = file_read_regular_at(dir_fd, dir, name, max_bytes, out, err);
    if (rc == COPS_ENOINDEX)
        return error_set_errno(err, COPS_ECORRUPT, ENOENT, "damaged index: cannot read %s", path);
    if (rc != 0)
        return rc;
    return check_file(out, path, magic, oldest, version, err);
}

/* ---------------------------------------------------------- catalog */

int catalog_add(catalog *c, const catalog_entry *entry, cops_error *err)
{
    if (ARRAY_RESERVE_ONE(c->entries, c->capacity, c->count, 64) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    catalog_entry *copy = &c->entries[c->count];
    *copy = *entry;
    copy->lines = NULL;
    copy->lines_bytes = 0;
    if (!(copy->path = strdup(entry->path)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    c->count++; /* from here catalog_free frees it */
    if (entry->lines_bytes > 0) {
        if (!(copy->lines = malloc(entry->lines_bytes)))
            return error_set(err, COPS_ENOMEM, "out of memory");
        memcpy(copy->lines, entry->lines, entry->lines_bytes);
        copy->lines_bytes = entry->lines_bytes;
    }
    return 0;
}

/* ------------------------------------------- formats, encodings, lines */

static const char *const format_names[CATALOG_FORMAT_COUNT] = {
    [CATALOG_FORMAT_UNKNOWN] = "unknown", [CATALOG_FORMAT_TEXT] = "text",
    [CATALOG_FORMAT_HTML] = "html",       [CATALOG_FORMAT_JSONL] = "jsonl",
    [CATALOG_FORMAT_TREC] = "trec",       [CATALOG_FORMAT_PDF] = "pdf",
    [CATALOG_FORMAT_DOCX] = "docx",       [CATALOG_FORMAT_ODT] = "odt",
    [CATALOG_FORMAT_EPUB] = "epub",       [CATALOG_FORMAT_MAIL] = "mail",
    [CATALOG_FORMAT_MBOX] = "mbox",
};

const char *catalog_format_name(unsigned format)
{
    return format < CATALOG_FORMAT_COUNT ? format_names[format] : "unknown";
}

unsigned catalog_format_code(const char *name)
{
    for (unsigned code = 1; name && code < CATALOG_FORMAT_COUNT; code++)
        if (strcmp(format_names[code], name) == 0)
            return code;
    return CATALOG_FORMAT_UNKNOWN;
}

int catalog_encoding_valid(const char *name, size_t length)
{
    if (length >= CATALOG_ENCODING_MAX)
        return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || strchr("._:()+-", c) != NULL) || c == '\0')
            return 0;
    }
    return 1;
}

/* Lines are fixed-width little-endian values in the entry's document
 * order (FORMAT.md §5.2), so a hit's line is one read whatever the order
 * a merge left the documents in.  The width is that of the entry's
 * largest line (1 to 8 bytes). */
static unsigned line_width(uint64_t largest)
{
    unsigned width = 1;
    while (width < 8 && largest >> (8 * width))
        width++;
    return width;
}

/* Line number `k` of `lines` (a sound layout: lines_sound). */
static inline uint64_t line_at(const uint8_t *lines, uint32_t k)
{
    unsigned width = lines[0];
    const uint8_t *p = lines + 1 + (size_t)k * width;
    uint64_t line = 0;
    for (unsigned b = 0; b < width; b++)
        line |= (uint64_t)p[b] << (8 * b);
    return line;
}

/* Whether `bytes` bytes of lines are none, or a width of 1 to 8 and
 * `count` values of it: all a reader checks before a hit reads one. */
static int lines_sound(const uint8_t *lines, size_t bytes, uint32_t count)
{
    return bytes == 0
           || (lines[0] >= 1 && lines[0] <= 8 && bytes - 1 == (uint64_t)count * lines[0]);
}

/* lines_sound, and every line at least 1 (a whole read checks it). */
static int lines_valid(const uint8_t *lines, size_t bytes, uint32_t count)
{
    if (!lines_sound(lines, bytes, count))
        return 0;
    for (uint32_t k = 0; bytes > 0 && k < count; k++)
        if (line_at(lines, k) == 0)
            return 0;
    return 1;
}

/* `count` (>= 1) lines of `width` bytes each into *out (malloc'd, 7
 * bytes to spare: each line is stored as 8 bytes, the next overwriting
 * the ones past its width, one store on a little-endian host: a version
 * 3 catalog is converted by every process that reads it, and byte by
 * byte that was 63 instructions a line, callgrind). */
static int encode_lines(const uint64_t *lines, size_t count, unsigned width, uint8_t **out,
                        size_t *bytes)
{
    uint8_t *made = malloc(1 + count * width + 7);
    if (!made)
        return COPS_ENOMEM;
    made[0] = (uint8_t)width;
    uint8_t *at = made + 1;
    for (size_t i = 0; i < count; i++, at += width) {
        uint64_t line = lines[i];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(at, &line, 8);
#else
        for (unsigned b = 0; b < 8; b++)
            at[b] = (uint8_t)(line >> (8 * b));
#endif
    }
    *out = made;
    *bytes = 1 + count * width;
    return 0;
}

int catalog_lines_encode(const uint64_t *lines, size_t count, uint8_t **out, size_t *bytes)
{
    *out = NULL;
    *bytes = 0;
    if (count == 0)
        return 0;
    uint64_t largest = 0;
    for (size_t i = 0; i < count; i++)
        largest = lines[i] > largest ? lines[i] : largest;
    return encode_lines(lines, count, line_width(largest), out, bytes);
}

int catalog_lines_decode(const catalog_entry *e, uint64_t *lines)
{
    if (!e->lines || !lines_sound(e->lines, e->lines_bytes, e->doc_count))
        return COPS_ECORRUPT;
    for (uint32_t i = 0; i < e->doc_count; i++)
        lines[i] = line_at(e->lines, i);
    return 0;
}

uint64_t catalog_entry_line(const catalog_entry *e, uint32_t doc)
{
    if (!e->lines || doc < e->first_doc || doc - e->first_doc >= e->doc_count)
        return 0;
    return line_at(e->lines, doc - e->first_doc);
}

/* Version 3 lines: zigzag varints of each line's difference from the
 * previous one (the first's from 0), each line within 1 .. 2^62.  Read
 * into the layout above (*out malloc'd, NULL for none); 0 when they are
 * not `count` such lines, or on COPS_ENOMEM (*out NULL, *failed set). */
static int convert_version3_lines(const uint8_t *p, size_t length, uint32_t count,
                                  uint8_t **out, size_t *bytes, int *failed)
{
    const uint64_t max_line = UINT64_C(1) << 62;
    *out = NULL;
    *bytes = 0;
    if (length == 0)
        return 1;
    if (length < count) /* a line takes a byte at least: bounded by the file */
        return 0;
    uint64_t *lines = malloc(((size_t)count + 1) * sizeof *lines);
    if (!lines) {
        *failed = 1;
        return 0;
    }
    const uint8_t *end = p + length;
    int64_t line = 0, largest = 0;
    int ok = 1;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t step;
        /* most differences are one byte (|difference| < 64): no call
         * and no bound on the difference for them */
        if (p < end && *p < 0x80) {
            step = *p++;
        } else {
            size_t used = codec_varint_decode(p, end, &step);
            /* unzigzagged below ±2^62 (a sum past 2^62 is refused
             * anyway), so that the sum cannot wrap */
            if (!used || step >> 1 >= max_line) {
                ok = 0;
                break;
            }
            p += used;
        }
        int64_t next = line + ((int64_t)(step >> 1) ^ -(int64_t)(step & 1));
        if (next < 1 || next > (int64_t)max_line) {
            ok = 0;
            break;
        }
        lines[i] = (uint64_t)(line = next);
        largest = next > largest ? next : largest;
    }
    ok = ok && p == end;
    if (ok && count > 0 && encode_lines(lines, count, line_width((uint64_t)largest), out, bytes) != 0) {
        *failed = 1;
        ok = 0;
    }
    free(lines);
    return ok;
}

const catalog_entry *catalog_find_document(const catalog *c, const char *segment, uint32_t doc)
{
    for (size_t i = 0; i < c->count; i++) {
        const catalog_entry *e = &c->entries[i];
        if (doc >= e->first_doc && doc - e->first_doc < e->doc_count
            && strcmp(e->segment, segment) == 0)
            return e;
    }
    return NULL;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const catalog_entry *)a)->path, ((const catalog_entry *)b)->path);
}

/* Path, then the parts of a grown file in the order they were indexed:
 * segment names grow with the generation, and within a segment the
 * documents were added in order. */
static int compare_entries(const void *a, const void *b)
{
    const catalog_entry *x = a, *y = b;
    int by_path = strcmp(x->path, y->path);
    if (by_path != 0)
        return by_path;
    int by_segment = strcmp(x->segment, y->segment);
    if (by_segment != 0)
        return by_segment;
    return (x->first_doc > y->first_doc) - (x->first_doc < y->first_doc);
}

void catalog_sort(catalog *c)
{
    if (c->count > 1)
        qsort(c->entries, c->count, sizeof *c->entries, compare_entries);
}

catalog_entry *catalog_find(catalog *c, const char *path, size_t *first)
{
    catalog_entry key;
    key.path = (char *)path;
    catalog_entry *hit = c->count ? bsearch(&key, c->entries, c->count, sizeof *c->entries,
                                            compare_paths)
                                  : NULL;
    if (!hit)
        return NULL;
    size_t low = (size_t)(hit - c->entries), high = low;
    while (low > 0 && strcmp(c->entries[low - 1].path, path) == 0)
        low--;
    while (high + 1 < c->count && strcmp(c->entries[high + 1].path, path) == 0)
        high++;
    if (first)
        *first = low;
    return &c->entries[high];
}

int catalog_path_in_root(const char *root, const char *path)
{
    size_t length = strlen(root);
    if (length == 1 && root[0] == '/')
        return path[0] == '/';
    return strncmp(root, path, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

static int compare_root(const void *key, const void *root)
{
    return strcmp(key, *(char *const *)root);
}

int catalog_roots_contain(const char *const *roots, size_t count, const char *path)
{
    char prefix[4096];
    size_t length = strlen(path);
    if (count == 0 || length >= sizeof prefix)
        return 0;
    memcpy(prefix, path, length + 1);
    /* `path` itself, then each of its ancestors. */
    for (;;) {
        if (bsearch(prefix, roots, count, sizeof *roots, compare_root))
            return 1;
        char *slash = strrchr(prefix, '/');
        if (!slash)
            return 0;
        if (slash == prefix) /* the root "/" */
            return prefix[1] != '\0'
                   && bsearch("/", roots, count, sizeof *roots, compare_root) != NULL;
        *slash = '\0';
    }
}

void catalog_drop_empty(catalog *c)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->count; i++) {
        if (c->entries[i].doc_count == 0) {
            free(c->entries[i].path);
            free(c->entries[i].lines);
        } else
            c->entries[kept++] = c->entries[i];
    }
    c->count = kept;
}

static void free_strings(char **strings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

static void free_patterns(catalog_patterns *p)
{
    free_strings(p->globs, p->glob_count);
    free_strings(p->excludes, p->exclude_count);
    for (size_t f = 0; f < CATALOG_FIELDS; f++)
        free(p->fields[f]);
    memset(p, 0, sizeof *p);
}

/* 1 when `p` holds nothing but defaults. */
static int patterns_empty(const catalog_patterns *p)
{
    int empty = p->glob_count == 0 && p->exclude_count == 0 && p->flags == 0;
    for (size_t f = 0; f < CATALOG_FIELDS; f++)
        empty = empty && !p->fields[f];
    return empty;
}

/* Room for every root a catalog may hold (catalog_add_root may grow the
 * roots after a root's options are set); 0 or COPS_ENOMEM. */
static int reserve_root_patterns(catalog *c)
{
    if (!c->root_patterns && !(c->root_patterns = calloc(CATALOG_MAX_ROOTS,
                                                          sizeof *c->root_patterns)))
        return COPS_ENOMEM;
    return 0;
}

/* Copies of `count` patterns into *out; 0, COPS_ELIMIT, COPS_ENOMEM. */
static int copy_patterns(const char *const *patterns, size_t count, char ***out)
{
    *out = NULL;
    if (count == 0)
        return 0;
    if (count > CATALOG_MAX_PATTERNS)
        return COPS_ELIMIT;
    for (size_t i = 0; i < count; i++)
        if (patterns[i][0] == '\0' || strlen(patterns[i]) > 4095)
            return COPS_ELIMIT;
    char **copy = calloc(count, sizeof *copy);
    for (size_t i = 0; copy && i < count; i++)
        if (!(copy[i] = strdup(patterns[i]))) {
            free_strings(copy, i);
            return COPS_ENOMEM;
        }
    if (!copy)
        return COPS_ENOMEM;
    *out = copy;
    return 0;
}

int catalog_set_root_patterns(catalog *c, size_t root, const char *const *globs,
                              size_t glob_count, const char *const *excludes,
                              size_t exclude_count, cops_error *err)
{
    if (root >= CATALOG_MAX_ROOTS)
        return error_set(err, COPS_ELIMIT, "more than %d roots", CATALOG_MAX_ROOTS);
    if ((glob_count > 0 || exclude_count > 0) && reserve_root_patterns(c) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    if (!c->root_patterns)
        return 0;
    catalog_patterns fresh;
    memset(&fresh, 0, sizeof fresh);
    int rc = copy_patterns(globs, glob_count, &fresh.globs);
    fresh.glob_count = fresh.globs ? glob_count : 0;
    if (rc == 0)
        rc = copy_patterns(excludes, exclude_count, &fresh.excludes);
    fresh.exclude_count = fresh.excludes ? exclude_count : 0;
    if (rc != 0) {
        free_patterns(&fresh);
        return rc == COPS_ENOMEM ? error_set(err, COPS_ENOMEM, "out of memory")
                                 : error_set(err, COPS_ELIMIT, "at most %d --glob and %d "
                                             "--exclude patterns of 1 to 4095 bytes",
                                             CATALOG_MAX_PATTERNS, CATALOG_MAX_PATTERNS);
    }
    catalog_patterns *slot = &c->root_patterns[root];
    free_strings(slot->globs, slot->glob_count);
    free_strings(slot->excludes, slot->exclude_count);
    slot->globs = fresh.globs;
    slot->glob_count = fresh.glob_count;
    slot->excludes = fresh.excludes;
    slot->exclude_count = fresh.exclude_count;
    return 0;
}

int catalog_set_root_reading(catalog *c, size_t root, unsigned flags,
                             const char *const *fields, cops_error *err)
{
    if (root >= CATALOG_MAX_ROOTS)
        return error_set(err, COPS_ELIMIT, "more than %d roots", CATALOG_MAX_ROOTS);
    int any = flags != 0;
    for (size_t f = 0; f < CATALOG_FIELDS; f++) {
        if (fields[f] && (!fields[f][0] || strlen(fields[f]) > 4095))
            return error_set(err, COPS_ELIMIT, "a JSON Lines field name takes 1 to 4095 bytes");
        any = any || fields[f];
    }
    if (flags & ~CATALOG_READ_FLAGS)
        return error_set(err, COPS_EINVAL, "unknown reading flags %#x", flags);
    if (any && reserve_root_patterns(c) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    if (!c->root_patterns)
        return 0;
    char *copies[CATALOG_FIELDS] = {0};
    for (size_t f = 0; f < CATALOG_FIELDS; f++)
        if (fields[f] && !(copies[f] = strdup(fields[f]))) {
            for (size_t g = 0; g < f; g++)
                free(copies[g]);
            return error_set(err, COPS_ENOMEM, "out of memory");
        }
    catalog_patterns *slot = &c->root_patterns[root];
    slot->flags = flags;
    for (size_t f = 0; f < CATALOG_FIELDS; f++) {
        free(slot->fields[f]);
        slot->fields[f] = copies[f];
    }
    return 0;
}

const catalog_patterns *catalog_root_patterns(const catalog *c, const char *root)
{
    if (!c->root_patterns || c->root_count == 0)
        return NULL;
    char *const *hit = bsearch(root, c->roots, c->root_count, sizeof *c->roots, compare_root);
    if (!hit)
        return NULL;
    const catalog_patterns *p = &c->root_patterns[hit - c->roots];
    return patterns_empty(p) ? NULL : p;
}

void catalog_free(catalog *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->entries[i].path);
        free(c->entries[i].lines);
    }
    free(c->entries);
    for (size_t i = 0; i < c->root_count; i++)
        free(c->roots[i]);
    /* All of them: a caller taking the roots (root_count 0) leaves their
     * patterns here. */
    for (size_t i = 0; c->root_patterns && i < CATALOG_MAX_ROOTS; i++)
        free_patterns(&c->root_patterns[i]);
    free(c->roots);
    free(c->root_patterns);
    memset(c, 0, sizeof *c);
}

/* Append the length varint and bytes of `text` (`length` bytes) and
 * count them in *budgeted (what the reader bounds by
 * CATALOG_MAX_PATTERN_BYTES). */
static void append_budgeted(byte_buffer *out, const char *text, size_t length,
                            uint64_t *budgeted)
{
    size_t before = out->length;
    buffer_append_varint(out, length);
    buffer_append(out, text, length);
    *budgeted += out->length - before;
}

static void append_patterns(byte_buffer *out, char *const *patterns, size_t count,
                            uint64_t *budgeted)
{
    buffer_append_varint(out, count);
    for (size_t i = 0; i < count; i++)
        append_budgeted(out, patterns[i], strlen(patterns[i]), budgeted);
}

int catalog_write(int dir_fd, const char *dir, const char *name, const catalog *c,
                  cops_error *err)
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
        size_t encoding_length = strlen(e->encoding);
        buffer_append_byte(&out, e->format);
        buffer_append_varint(&out, encoding_length);
        buffer_append(&out, e->encoding, encoding_length);
        buffer_append_varint(&out, e->lines_bytes);
        buffer_append(&out, e->lines, e->lines_bytes);
    }
    buffer_append_u32le(&out, (uint32_t)c->root_count);
    uint64_t budgeted = 0;
    for (size_t i = 0; i < c->root_count; i++) {
        size_t length = strlen(c->roots[i]);
        buffer_append_varint(&out, length);
        buffer_append(&out, c->roots[i], length);
        const catalog_patterns *p = c->root_patterns ? &c->root_patterns[i] : NULL;
        append_patterns(&out, p ? p->globs : NULL, p ? p->glob_count : 0, &budgeted);
        append_patterns(&out, p ? p->excludes : NULL, p ? p->exclude_count : 0, &budgeted);
        buffer_append_byte(&out, (uint8_t)(p ? p->flags : 0));
        for (size_t f = 0; f < CATALOG_FIELDS; f++) {
            if (p && p->fields[f])
                append_budgeted(&out, p->fields[f], strlen(p->fields[f]), &budgeted);
            else
                buffer_append_varint(&out, 0); /* the default, not charged */
        }
    }
    /* The reader would call such a catalog damaged (the index then
     * unusable for updates): refused before it is written. */
    if (budgeted > CATALOG_MAX_PATTERN_BYTES) {
        buffer_free(&out);
        return error_set(err, COPS_ELIMIT, "the roots' --glob and --exclude patterns and field "
                         "names take %llu bytes, more than the %d a catalog holds",
                         (unsigned long long)budgeted, CATALOG_MAX_PATTERN_BYTES);
    }
    buffer_append_u32le(&out, checksum(out.data, out.length));
    int rc = buffer_failed(&out) ? error_set(err, COPS_ENOMEM, "out of memory")
                                 : file_replace_at(dir_fd, dir, name, out.data, out.length, err);
    buffer_free(&out);
    return rc;
}

/* The largest catalog of `documents` documents: every entry covers at
 * least one, and an entry is at most a 4095-byte path and a 63-byte
 * segment name with their lengths and fixed fields, a format byte, a
 * 31-byte encoding and the lines of its documents (at most 10 bytes each,
 * counted per document); then at most CATALOG_MAX_ROOTS roots of at most
 * 4095 bytes.  The CRC covers at most 4 GiB. */
static size_t catalog_max_bytes(uint64_t documents)
{
    const uint64_t entry_max = 2 + 4095 + 28 + 1 + (MANIFEST_MAX_NAME - 1) + 8
                               + 1 + 1 + (CATALOG_ENCODING_MAX - 1) + 2 + 10,
                   limit = UINT32_MAX;
    const uint64_t fixed = 24 + (uint64_t)CATALOG_MAX_ROOTS * (2 + 4095 + 2 + 2 + 1
                                                               + CATALOG_FIELDS)
                           + CATALOG_MAX_PATTERN_BYTES;
    return (size_t)(documents >= (limit - fixed) / entry_max ? limit
                                                             : fixed + documents * entry_max);
}

/* One length-prefixed path (1 to 4095 bytes, no NUL: a string read
 * shorter than stored would be written back shorter, or empty) at *p
 * into `path` (4096 bytes); 0 when it does not fit before `end`. */
static int read_path(const uint8_t **p, const uint8_t *end, char *path)
{
    uint64_t length;
    size_t used = codec_varint_decode(*p, end, &length);
    if (!used || length == 0 || length > 4095 || length > (uint64_t)(end - *p - (ptrdiff_t)used)
        || memchr(*p + used, '\0', (size_t)length))
        return 0;
    memcpy(path, *p + used, length);
    path[length] = '\0';
    *p += used + length;
    return 1;
}

int catalog_add_root(catalog *c, const char *root, cops_error *err)
{
    if (ARRAY_RESERVE_ONE(c->roots, c->root_capacity, c->root_count, 8) != 0
        || !(c->roots[c->root_count] = strdup(root)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    c->root_count++;
    return 0;
}

/* The roots after the entries: absolute, in byte order, none inside
 * another (the order puts a root's insides right after it). */
/* A root's list of patterns at *p (version 3) into *list; *budget is
 * what the catalog's patterns may still take.  0 when out of range,
 * COPS_ENOMEM. */
static int read_patterns(const uint8_t **p, const uint8_t *end, char ***list, size_t *count,
                         uint64_t *budget)
{
    uint64_t n;
    size_t used = codec_varint_decode(*p, end, &n);
    if (!used || n > CATALOG_MAX_PATTERNS)
        return COPS_ECORRUPT;
    *p += used;
    if (n == 0)
        return 0;
    if (!(*list = calloc((size_t)n, sizeof **list)))
        return COPS_ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t length;
        used = codec_varint_decode(*p, end, &length);
        if (!used || length == 0 || length > 4095 || length > (uint64_t)(end - *p - (ptrdiff_t)used)
            || used + length > *budget || memchr(*p + used, '\0', (size_t)length))
            return COPS_ECORRUPT;
        *budget -= used + length;
        if (!((*list)[i] = malloc((size_t)length + 1)))
            return COPS_ENOMEM;
        memcpy((*list)[i], *p + used, (size_t)length);
        (*list)[i][length] = '\0';
        (*count)++;
        *p += used + length;
    }
    return 0;
}

/* A root's flags and field names at *p (version 5) into `read`, the
 * fields' bytes taken from *budget like patterns'.  0 when out of range,
 * COPS_ENOMEM. */
static int read_root_reading(const uint8_t **p, const uint8_t *end, catalog_patterns *read,
                             uint64_t *budget)
{
    if (*p >= end || (**p & ~CATALOG_READ_FLAGS))
        return COPS_ECORRUPT;
    read->flags = *(*p)++;
    for (size_t f = 0; f < CATALOG_FIELDS; f++) {
        uint64_t length;
        size_t used = codec_varint_decode(*p, end, &length);
        /* (a default field, one zero byte per root, is not charged) */
        if (!used || length > 4095 || length > (uint64_t)(end - *p - (ptrdiff_t)used)
            || (length > 0 && used + length > *budget) || memchr(*p + used, '\0', (size_t)length))
            return COPS_ECORRUPT;
        if (length > 0) {
            *budget -= used + length;
            if (!(read->fields[f] = malloc((size_t)length + 1)))
                return COPS_ENOMEM;
            memcpy(read->fields[f], *p + used, (size_t)length);
            read->fields[f][length] = '\0';
        }
        *p += used + length;
    }
    return 0;
}

/* Root number `root`'s patterns (version 3), and from version 5 its
 * flags and fields. */
static int read_root_patterns(catalog *out, size_t root, const uint8_t **p, const uint8_t *end,
                              uint32_t version, uint64_t *budget, cops_error *err)
{
    catalog_patterns read;
    memset(&read, 0, sizeof read);
    int rc = read_patterns(p, end, &read.globs, &read.glob_count, budget);
    if (rc == 0)
        rc = read_patterns(p, end, &read.excludes, &read.exclude_count, budget);
    if (rc == 0 && version >= 5)
        rc = read_root_reading(p, end, &read, budget);
    if (rc == 0 && !patterns_empty(&read)) {
        if (reserve_root_patterns(out) != 0)
            rc = COPS_ENOMEM;
        else
            out->root_patterns[root] = read, memset(&read, 0, sizeof read);
    }
    free_patterns(&read);
    return rc == COPS_ENOMEM ? error_set(err, COPS_ENOMEM, "out of memory") : rc;
}

static int read_roots(catalog *out, const uint8_t **p, const uint8_t *end, uint32_t version,
                      cops_error *err)
{
    uint64_t budget = CATALOG_MAX_PATTERN_BYTES;
    if (end - *p < 4)
        return COPS_ECORRUPT;
    uint32_t count = layout_get_u32(*p);
    *p += 4;
    if (count > CATALOG_MAX_ROOTS)
        return COPS_ECORRUPT;
    for (uint32_t i = 0; i < count; i++) {
        char root[4096];
        if (!read_path(p, end, root) || root[0] != '/')
            return COPS_ECORRUPT;
        if (i > 0 && (strcmp(out->roots[i - 1], root) >= 0
                      || catalog_path_in_root(out->roots[i - 1], root)))
            return COPS_ECORRUPT;
        int rc = catalog_add_root(out, root, err);
        if (rc == 0 && version >= 3)
            rc = read_root_patterns(out, i, p, end, version, &budget, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* An entry's format, encoding and lines at *p into `e` (version 3 or
 * later): 0, COPS_ECORRUPT when any is out of range, or COPS_ENOMEM.
 * Version 4 lines are borrowed from the buffer, their layout checked
 * (and every line only when `check_lines`: a hit's line is one read,
 * and a line 0 is none); version 3 lines are converted into *owned
 * (malloc'd, the caller frees it). */
static int read_description(const uint8_t **p, const uint8_t *end, uint32_t version,
                            int check_lines, catalog_entry *e, uint8_t **owned)
{
    uint64_t length;
    if (*p >= end || **p >= CATALOG_FORMAT_COUNT)
        return COPS_ECORRUPT;
    e->format = **p;
    *p += 1;
    size_t used = codec_varint_decode(*p, end, &length);
    if (!used || length >= CATALOG_ENCODING_MAX || length > (uint64_t)(end - *p - (ptrdiff_t)used)
        || !catalog_encoding_valid((const char *)*p + used, (size_t)length))
        return COPS_ECORRUPT;
    memcpy(e->encoding, *p + used, (size_t)length);
    e->encoding[length] = '\0';
    *p += used + length;
    used = codec_varint_decode(*p, end, &length);
    if (!used || length > (uint64_t)(end - *p - (ptrdiff_t)used))
        return COPS_ECORRUPT;
    *p += used;
    e->lines = length > 0 ? (uint8_t *)*p : NULL;
    e->lines_bytes = (size_t)length;
    *p += length;
    if (version == 3) {
        int failed = 0;
        if (!convert_version3_lines(e->lines, e->lines_bytes, e->doc_count, owned,
                                    &e->lines_bytes, &failed))
            return failed ? COPS_ENOMEM : COPS_ECORRUPT;
        e->lines = *owned;
        return 0;
    }
    if (check_lines ? !lines_valid(e->lines, e->lines_bytes, e->doc_count)
                    : !lines_sound(e->lines, e->lines_bytes, e->doc_count))
        return COPS_ECORRUPT;
    return 0;
}

/* The catalog in `content` (checked by check_file) into `out`; all of
 * it, or with `records_only` the entries that have lines, in the file's
 * order, and no roots. */
static int parse_catalog(const byte_buffer *content, const char *path, uint64_t documents,
                         int records_only, catalog *out, cops_error *err)
{
    int rc = 0;
    const uint8_t *p = content->data + 16, *end = content->data + content->length - 4;
    uint32_t count = layout_get_u32(content->data + 12);
    uint32_t version = layout_get_u32(content->data + 8);
    int described = version >= 3;
    if (count > documents)
        goto damaged;
    for (uint32_t i = 0; i < count && rc == 0; i++) {
        uint64_t segment_length;
        catalog_entry e;
        memset(&e, 0, sizeof e);
        char entry_path[4096];
        if (!read_path(&p, end, entry_path))
            goto damaged;
        e.path = entry_path;
        if (end - p < 28)
            goto damaged;
        e.size = layout_get_u64(p);
        e.mtime_seconds = (int64_t)layout_get_u64(p + 8);
        e.mtime_nanoseconds = layout_get_u32(p + 16);
        e.hash = layout_get_u64(p + 20);
        p += 28;
        size_t used = codec_varint_decode(p, end, &segment_length);
        if (!used || segment_length == 0 || segment_length >= MANIFEST_MAX_NAME
            || segment_length + 8 > (uint64_t)(end - p - (ptrdiff_t)used)
            || memchr(p + used, '\0', (size_t)segment_length))
            goto damaged;
        memcpy(e.segment, p + used, segment_length);
        e.segment[segment_length] = '\0';
        p += used + segment_length;
        e.first_doc = layout_get_u32(p);
        e.doc_count = layout_get_u32(p + 4);
        p += 8;
        uint8_t *owned = NULL;
        if (described) {
            rc = read_description(&p, end, version, !records_only, &e, &owned);
            if (rc == COPS_ECORRUPT)
                goto damaged;
            if (rc != 0)
                return error_set(err, rc, "out of memory");
        }
        if (!records_only || e.lines)
            rc = catalog_add(out, &e, err);
        free(owned);
    }
    if (records_only)
        return rc;
    if (rc == 0) {
        rc = read_roots(out, &p, end, version, err);
        if (rc == COPS_ECORRUPT)
            goto damaged;
    }
    if (rc == 0 && p != end)
        goto damaged;
    if (rc == 0)
        catalog_sort(out);
    return rc;
damaged:
    return error_set(err, COPS_ECORRUPT, "%s: damaged index: catalog entry or root out of range", path);
}

int catalog_read(const char *dir, const char *name, uint64_t documents, catalog *out,
                 cops_error *err)
{
    return catalog_read_at(AT_FDCWD, dir, name, documents, out, err);
}

int catalog_read_at(int dir_fd, const char *dir, const char *name, uint64_t documents,
                    catalog *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    byte_buffer content = BUFFER_INIT;
    char path[4096];
    int rc = read_file(dir_fd, dir, name, CATALOG_MAGIC, CATALOG_OLDEST_VERSION, CATALOG_VERSION,
                       catalog_max_bytes(documents), &content, path, sizeof path, err);
    if (rc == 0)
        rc = parse_catalog(&content, path, documents, 0, out, err);
    buffer_free(&content);
    if (rc != 0)
        catalog_free(out);
    return rc;
}

int catalog_open(const char *dir, const char *name, int *fd, uint64_t *size, cops_error *err)
{
    return catalog_open_at(AT_FDCWD, dir, name, fd, size, err);
}

int catalog_open_at(int dir_fd, const char *dir, const char *name, int *fd, uint64_t *size,
                    cops_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = file_open_regular_at(dir_fd, dir, name, fd, size, err);
    if (rc == COPS_ENOINDEX) /* kept apart from damage: see catalog.h */
        error_set_errno(err, COPS_ENOINDEX, ENOENT, "damaged index: cannot read %s", path);
    return rc;
}

int catalog_read_records(int fd, uint64_t size, const char *path, uint64_t documents,
                         catalog *out, cops_error *err)
{
    return catalog_read_descriptor(fd, size, path, documents, 1, out, err);
}

int catalog_read_descriptor(int fd, uint64_t size, const char *path, uint64_t documents,
                            int records_only, catalog *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    byte_buffer content = BUFFER_INIT;
    int rc = file_read_descriptor(fd, size, path, catalog_max_bytes(documents), &content, err);
    if (rc == 0)
        rc = check_file(&content, path, CATALOG_MAGIC, CATALOG_OLDEST_VERSION, CATALOG_VERSION,
                        err);
    if (rc == 0)
        rc = parse_catalog(&content, path, documents, records_only, out, err);
    buffer_free(&content);
    if (rc != 0)
        catalog_free(out);
    return rc;
}

int catalog_hash_prefix(int fd, const char *path, uint64_t prefix_length,
                        catalog_prefix *prefix, uint64_t *hash, cops_error *err)
{
    XXH3_state_t *state = XXH3_createState();
    if (!state)
        return error_set(err, COPS_ENOMEM, "out of memory");
    XXH3_64bits_reset(state);
    if (prefix)
        memset(prefix, 0, sizeof *prefix);
    uint8_t chunk[65536];
    uint64_t offset = 0;
    ssize_t n;
    for (;;) {
        /* Stop reading at the prefix's end once, to take its digest there. */
        size_t want = sizeof chunk;
        if (prefix && offset < prefix_length && prefix_length - offset < want)
            want = (size_t)(prefix_length - offset);
        n = pread(fd, chunk, want, (off_t)offset);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int errnum = errno;
            XXH3_freeState(state);
            return error_set_errno(err, COPS_EIO, errnum, "cannot read %s", path);
        }
        XXH3_64bits_update(state, chunk, (size_t)n);
        if (prefix && offset < prefix_length) {
            for (const uint8_t *at = chunk, *end = chunk + n;
                 (at = memchr(at, '\n', (size_t)(end - at))) != NULL; at++)
                prefix->lines++;
            prefix->last_byte = chunk[n - 1];
        }
        offset += (uint64_t)n;
        if (prefix && offset == prefix_length) {
            prefix->hash = XXH3_64bits_digest(state);
            prefix->complete = 1;
        }
    }
    *hash = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    return 0;
}

int catalog_hash_descriptor(int fd, const char *path, uint64_t *hash, cops_error *err)
{
    return catalog_hash_prefix(fd, path, 0, NULL, hash, err);
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

int deletions_write(int dir_fd, const char *dir, const char *name, const deletions *d,
                    cops_error *err)
{
    byte_buffer out = BUFFER_INIT;
    buffer_append(&out, DELETIONS_MAGIC, 8);
    buffer_append_u32le(&out, DELETIONS_VERSION);
    buffer_append_u32le(&out, d->documents);
    buffer_append_u32le(&out, d->deleted);
    buffer_append(&out, d->bits, ((size_t)d->documents + 7) / 8);
    buffer_append_u32le(&out, checksum(out.data, out.length));
    int rc = buffer_failed(&out) ? error_set(err, COPS_ENOMEM, "out of memory")
                                 : file_replace_at(dir_fd, dir, name, out.data, out.length, err);
    buffer_free(&out);
    return rc;
}

/* The bits set for documents below d->documents (a word at a time:
 * this is part of opening an index). */
static uint32_t count_deleted(const deletions *d)
{
    size_t bytes = ((size_t)d->documents + 7) / 8, whole = d->documents / 8;
    uint32_t counted = 0;
    size_t at = 0;
    for (; at + 8 <= whole; at += 8) {
        uint64_t word;
        memcpy(&word, d->bits + at, 8);
        counted += (uint32_t)__builtin_popcountll(word);
    }
    for (; at < whole; at++)
        counted += (uint32_t)__builtin_popcount(d->bits[at]);
    if (bytes > whole) /* the bits past the last document do not count */
        counted += (uint32_t)__builtin_popcount(d->bits[whole] & ((1u << (d->documents & 7)) - 1));
    return counted;
}

uint32_t deletions_next(const deletions *d, uint32_t doc)
{
    size_t bytes = ((size_t)d->documents + 7) / 8, at = doc >> 3;
    if (!d->bits || doc >= d->documents)
        return d->documents;
    unsigned byte = d->bits[at] & (0xffu << (doc & 7));
    while (byte == 0) {
        if (++at >= bytes)
            return d->documents;
        /* zero bytes eight at a time: testing every document cost 600,000
         * instructions of each one-shot query on wiki-dev (8 deleted) */
        uint64_t word;
        while (at + 8 <= bytes && (memcpy(&word, d->bits + at, 8), word == 0))
            at += 8;
        if (at >= bytes)
            return d->documents;
        byte = d->bits[at];
    }
    uint32_t found = (uint32_t)(at * 8) + (uint32_t)__builtin_ctz(byte);
    return found < d->documents ? found : d->documents;
}

int deletions_read(const char *dir, const char *name, uint32_t documents, deletions *out,
                   cops_error *err)
{
    return deletions_read_at(AT_FDCWD, dir, name, documents, out, err);
}

int deletions_read_at(int dir_fd, const char *dir, const char *name, uint32_t documents,
                      deletions *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    byte_buffer content = BUFFER_INIT;
    char path[4096];
    size_t bytes = ((size_t)documents + 7) / 8;
    int rc = read_file(dir_fd, dir, name, DELETIONS_MAGIC, DELETIONS_VERSION, DELETIONS_VERSION, 24 + bytes, &content, path, sizeof path, err);
    if (rc == 0 && (content.length != 24 + bytes || layout_get_u32(content.data + 12) != documents))
        rc = error_set(err, COPS_ECORRUPT, "%s: damaged index: deletions of another segment", path);
    if (rc == 0)
        rc = deletions_init(out, documents, err);
    if (rc == 0) {
        memcpy(out->bits, content.data + 20, bytes);
        uint32_t counted = count_deleted(out);
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
