/*
 * fuzz-sources.c — source_walk on one hostile input file.
 *
 * Input: byte 0 chooses the file name's extension (from 0x80 on, one of
 * the formats read through libraries: PDF, DOCX, ODT, EPUB, mail,
 * archives, compressed and re-encoded text) (and whether the harness
 * gzips the rest first, to reach the inner formats through a valid gzip
 * stream, or hands it over through a pipe named /dev/fd/N, the path of
 * "<(command)", which the walk must read once into memory); the rest is
 * the file's content.  The change-tracking callback hashes the walk's
 * descriptor before the reader reads it, as cops_build does.  Every document delivered is
 * read byte by byte and checked against indexer/source.h: text
 * NUL-terminated and valid UTF-8, title never NULL, date NULL or
 * YYYY-MM-DD, id never NULL.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "index-format/catalog.h"
#include "indexer/source.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Extension; 1 when the harness compresses the content itself, 2 when it
 * passes it through a pipe (its path has no extension then: the format is
 * sniffed). */
static const struct {
    const char *extension;
    int compress;
} kinds[] = {
    {".txt", 0},   {".html", 0},     {".jsonl", 0},   {".trec", 0},
    {".gz", 0},    {"", 0},          {".jsonl.gz", 1}, {".trec.gz", 1},
    {".html.gz", 1}, {".txt.gz", 1}, {"", 2},
};
/* The formats read through libraries, chosen by a byte 0 of 0x80 or more
 * (so the seeds above keep their kinds): PDF, office documents, mail,
 * archives and compressed files, and text in other character sets. */
static const char *const library_kinds[] = {
    ".pdf", ".docx", ".odt", ".epub", ".eml", ".mbox", ".zip", ".tar", ".xz", ".bz2", ".html",
    ".txt",
};

static int hash_file(void *context, const char *path, const struct stat *status, int fd)
{
    (void)context;
    FUZZ_CHECK(S_ISREG(status->st_mode));
    uint64_t hash;
    cops_error err;
    FUZZ_CHECK(catalog_hash_descriptor(fd, path, &hash, &err) == 0);
    return 1;
}

static void discard_warning(void *context, const char *message)
{
    (void)context;
    FUZZ_CHECK(message != NULL);
    volatile size_t n = strlen(message);
    (void)n;
}

static int check_document(void *context, const source_document *doc)
{
    uint64_t *sum = context;
    FUZZ_CHECK(doc->path != NULL && doc->id != NULL && doc->title != NULL);
    FUZZ_CHECK(doc->text != NULL);
    uint64_t s = 0;
    for (size_t i = 0; i < doc->text_length; i++)
        s += (unsigned char)doc->text[i];
    FUZZ_CHECK(doc->text[doc->text_length] == '\0');
    FUZZ_CHECK(fuzz_utf8_valid(doc->text, doc->text_length));
    s += strlen(doc->id) + strlen(doc->title) + strlen(doc->path);
    if (doc->date) {
        const char *d = doc->date;
        FUZZ_CHECK(strlen(d) == 10 && d[4] == '-' && d[7] == '-');
        for (int i = 0; i < 10; i++)
            if (i != 4 && i != 7)
                FUZZ_CHECK(d[i] >= '0' && d[i] <= '9');
    }
    *sum += s;
    return 0;
}

/* gzip `data` into a malloc'ed buffer; NULL on failure. */
static uint8_t *gzip_bytes(const uint8_t *data, size_t size, size_t *out_size)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t capacity = deflateBound(&z, (uLong)size) + 64;
    uint8_t *out = malloc(capacity);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)capacity;
    int rc = deflate(&z, Z_FINISH);
    *out_size = capacity - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *dir = fuzz_scratch();
    size_t kind = data[0] % (sizeof kinds / sizeof kinds[0]);
    char path[4200];
    snprintf(path, sizeof path, "%s/input%s", dir, kinds[kind].extension);
    if (data[0] >= 0x80) {
        const char *extension =
            library_kinds[(data[0] - 0x80) % (sizeof library_kinds / sizeof library_kinds[0])];
        snprintf(path, sizeof path, "%s/input%s", dir, extension);
        kind = 0; /* written as is */
    }

    const uint8_t *content = data + 1;
    size_t content_size = size - 1;
    uint8_t *compressed = NULL;
    if (kinds[kind].compress == 1) {
        compressed = gzip_bytes(content, content_size, &content_size);
        if (!compressed)
            return 0;
        content = compressed;
    }
    /* A pipe holds 64 KiB without a reader: larger contents go to a file. */
    int ends[2] = {-1, -1};
    if (kinds[kind].compress == 2 && content_size <= 65536 && pipe(ends) == 0) {
        FUZZ_CHECK(write(ends[1], content, content_size) == (ssize_t)content_size);
        close(ends[1]);
        snprintf(path, sizeof path, "/dev/fd/%d", ends[0]);
    } else {
        fuzz_write_file(path, content, content_size);
    }
    free(compressed);

    source_options options;
    source_options_init(&options);
    options.on_warning = discard_warning;
    options.max_document_bytes = (size_t)4 << 20; /* bound the work per input */
    options.on_file = hash_file;
    const char *inputs[1] = {path};
    uint64_t sum = 0;
    source_stats stats;
    cops_error err;
    int rc = source_walk(inputs, 1, &options, check_document, &sum, &stats, &err);
    FUZZ_CHECK(rc == 0 || rc == COPS_ENOMEM);
    FUZZ_CHECK(stats.files <= 1);
    if (ends[0] >= 0)
        close(ends[0]);
    else
        unlink(path);
    return 0;
}
