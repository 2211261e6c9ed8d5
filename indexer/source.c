#include "config.h"

#include "indexer/source-internal.h"

#include "indexer/charset.h"

#include "base/array.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/utf8.h"
#include "indexer/ignore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_MEMFD_CREATE
#include <sys/mman.h>
#endif

/* Large enough that gzread is called rarely, small enough to sit in cache. */
#define SOURCE_READ_CHUNK ((size_t)64 << 10)
#define SOURCE_WARNING_MAX 4096

void source_options_init(source_options *options)
{
    memset(options, 0, sizeof *options);
}

/* ------------------------------------------------------------ reporting */

static void source_vwarn(source_walker *walker, const char *format, va_list args)
    COPS_PRINTF(2, 0);

static void source_say(source_walker *walker, const char *message)
{
    if (walker->options->on_warning)
        walker->options->on_warning(walker->options->context, message);
    else
        escape_print_line(stderr, "cops-index: warning: ", message);
}

/* The count of `format`'s kind in the file being read, or NULL (between
 * files, or past the table: then not capped). */
static struct source_warning_kind *warning_kind(source_walker *walker, const char *format)
{
    if (!walker->warning_file)
        return NULL;
    for (size_t i = 0; i < walker->warning_kind_count; i++)
        if (walker->warning_kinds[i].format == format)
            return &walker->warning_kinds[i];
    if (walker->warning_kind_count == SOURCE_WARNING_KINDS)
        return NULL;
    struct source_warning_kind *kind = &walker->warning_kinds[walker->warning_kind_count++];
    memset(kind, 0, sizeof *kind);
    kind->format = format;
    return kind;
}

static uint64_t warnings_per_kind(const source_walker *walker)
{
    uint64_t cap = walker->options->warnings_per_kind;
    return cap ? cap : SOURCE_WARNINGS_PER_KIND;
}

/* `message`, a warning of the kind `format` (the format it was written
 * with: its address tells the kinds apart), printed or counted. */
static void source_note(source_walker *walker, const char *format, const char *message)
{
    walker->stats.warnings++;
    struct source_warning_kind *kind = warning_kind(walker, format);
    if (kind && ++kind->count > warnings_per_kind(walker)) {
        if (!kind->first_unsaid)
            kind->first_unsaid = strdup(message); /* NULL: the line says less */
        return;
    }
    source_say(walker, message);
}

static void source_vwarn(source_walker *walker, const char *format, va_list args)
{
    char message[SOURCE_WARNING_MAX];
    vsnprintf(message, sizeof message, format, args);
    source_note(walker, format, message);
}

/* The file `path` is being read: its warnings are counted by kind. */
static void source_warnings_begin(source_walker *walker, const char *path)
{
    walker->warning_file = path;
    walker->warning_kind_count = 0;
}

/* The file ends: one line per kind past its cap, "FILE: … N more warnings
 * like this in this file (the first: …)", the first of them without the
 * path it starts with (the path first, as every warning: cops-index shows
 * it relative to the current directory). */
static void source_warnings_end(source_walker *walker)
{
    for (size_t i = 0; i < walker->warning_kind_count; i++) {
        struct source_warning_kind *kind = &walker->warning_kinds[i];
        if (kind->count <= warnings_per_kind(walker))
            continue;
        char message[SOURCE_WARNING_MAX];
        const char *path = walker->warning_file, *first = kind->first_unsaid;
        size_t length = strlen(path);
        if (first && strncmp(first, path, length) == 0 && first[length] == ':')
            first += length + 1 + (first[length + 1] == ' ');
        snprintf(message, sizeof message, "%s: \u2026 %llu more warnings like this in this file%s%s%s",
                 path, (unsigned long long)(kind->count - warnings_per_kind(walker)),
                 !first ? "" : first[0] >= '0' && first[0] <= '9' ? " (the first: line " /* a record's */
                                                                  : " (the first: ",
                 first ? first : "", first ? ")" : "");
        source_say(walker, message);
        free(kind->first_unsaid);
    }
    walker->warning_file = NULL;
    walker->warning_kind_count = 0;
}

void source_warn(source_walker *walker, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    source_vwarn(walker, format, args);
    va_end(args);
}

void source_skip(source_walker *walker, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    source_vwarn(walker, format, args);
    va_end(args);
    walker->stats.skipped++;
}

void source_warn_kind(source_walker *walker, const char *format, const char *message)
{
    source_note(walker, format, message);
}

void source_skip_kind(source_walker *walker, const char *format, const char *message)
{
    source_note(walker, format, message);
    walker->stats.skipped++;
}

void source_report_damage(source_file *file)
{
    source_reader *reader = &file->reader;
    if (reader->out_of_memory || reader->bomb)
        return; /* an error (source_read_file), or warned already */
    uint64_t decompressed = reader->offset + (reader->end - reader->start);
    source_warn(file->walker, "%s: damaged compressed data after %llu decompressed bytes: %s",
                file->path, (unsigned long long)decompressed, reader->damage);
    file->walker->stats.skipped++;
}

void source_tally_add(source_tally *tally, const char *name)
{
    size_t slot = 0;
    while (slot < SOURCE_TALLY_MAX && tally[slot].count > 0 && strcmp(tally[slot].name, name) != 0)
        slot++;
    if (slot == SOURCE_TALLY_MAX) {
        slot = SOURCE_TALLY_MAX - 1;
        snprintf(tally[slot].name, sizeof tally[slot].name, "other");
    } else if (tally[slot].count == 0) {
        snprintf(tally[slot].name, sizeof tally[slot].name, "%s", name);
    }
    tally[slot].count++;
}

/* Append "label: 3 a, 1 b" to out[*used..size) when the tally has counts. */
static void describe_tally(const source_tally *tally, const char *label, const char *prefix,
                           char *out, size_t size, size_t *used)
{
    for (size_t i = 0; i < SOURCE_TALLY_MAX && tally[i].count > 0 && *used < size; i++) {
        int wrote = snprintf(out + *used, size - *used, "%s%s%llu %s%s",
                             i == 0 && *used > 0 ? "; " : "", i == 0 ? label : ", ",
                             (unsigned long long)tally[i].count, prefix, tally[i].name);
        *used += wrote > 0 ? (size_t)wrote : 0;
    }
    if (*used >= size)
        *used = size - 1;
}

void source_stats_describe(const source_stats *stats, char *out, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    out[0] = 0;
    describe_tally(stats->formats, "formats: ", "", out, size, &used);
    describe_tally(stats->encodings, "converted: ", "from ", out, size, &used);
    describe_tally(stats->binaries, "binary skipped: ", "", out, size, &used);
}

int source_unreadable(source_walker *walker, const char *path, const char *problem, int errnum)
{
    /* Out of memory is no property of the file: an error, or an update
     * would take the file (and keep its old documents) as unreadable. */
    if (errnum == ENOMEM)
        return error_set(walker->err, COPS_ENOMEM, "out of memory: %s '%s'", problem, path);
    source_skip(walker, "%s: %s: %s, skipped", path, problem, strerror(errnum));
    if (walker->options->on_unreadable)
        walker->options->on_unreadable(walker->options->file_context, path);
    return 0;
}

int source_deliver(source_file *file, const source_document *document)
{
    source_walker *walker = file->walker;
    walker->stats.documents++;
    const char *format = file->format_name ? file->format_name : detect_format_name(file->format);
    source_tally_add(walker->stats.formats, format);
    source_document delivered = *document;
    delivered.format = format;
    /* The text formats are UTF-8 unless the charset layer converted them
     * (JSON Lines and TREC always: invalid bytes are replaced); the
     * others decode their own text. */
    int text_format = file->format == FORMAT_TEXT || file->format == FORMAT_HTML
                      || file->format == FORMAT_JSONL || file->format == FORMAT_TREC
                      || file->format == FORMAT_SNIFF;
    delivered.encoding = file->encoding[0] ? file->encoding : text_format ? "UTF-8" : "";
    /* An archive member: identified by its own name (id), counted against
     * the archive file for updates (path). */
    if (file->disk_path)
        delivered.path = file->disk_path;
    /* The stored position, not the decompressed one: the total it is
     * compared with (source_estimate_bytes) is known only as stored, and a
     * gzip file's decompressed size is not (its ISIZE trailer is modulo
     * 4 GiB and describes only the last member).  A member read from
     * memory has no file (gzoffset says -1). */
    z_off_t position = file->reader.file ? gzoffset(file->reader.file) : -1;
    delivered.input_position = walker->input_done + (position > 0 ? (uint64_t)position : 0);
    return walker->on_document(walker->context, &delivered);
}

/* Add `got` inflated bytes to the file on disk's count: whether they pass
 * its bound (warned the first time).  What the files inflate past the
 * ratio also adds up over the whole walk, bounded by
 * SOURCE_ARCHIVE_WALK_FLOOR: else a folder of many tiny files, each
 * inflating to just below the floor of its own (a 100-byte bzip2 file
 * gives 16 MiB), would inflate without bound. */
int source_inflation_exceeded(source_walker *walker, source_inflation *all, uint64_t got,
                              const char *path)
{
    if (all->exceeded)
        return 1;
    all->inflated += got;
    uint64_t allowed = all->disk_bytes > UINT64_MAX / SOURCE_ARCHIVE_MAX_RATIO
                           ? UINT64_MAX
                           : all->disk_bytes * SOURCE_ARCHIVE_MAX_RATIO;
    if (all->inflated <= allowed)
        return 0;
    walker->inflated_past_ratio += all->inflated - allowed - all->past_ratio;
    all->past_ratio = all->inflated - allowed;
    int walk_bound = walker->inflated_past_ratio > SOURCE_ARCHIVE_WALK_FLOOR;
    if (all->inflated <= SOURCE_ARCHIVE_RATIO_FLOOR && !walk_bound)
        return 0;
    all->exceeded = 1;
    source_skip(walker, "%s: inflates (compressed data, archives and their members, nested ones "
                "included) more than %d times its size%s (a decompression bomb?): the rest is "
                "skipped",
                path, SOURCE_ARCHIVE_MAX_RATIO, walk_bound ? ", past what this walk allows all files together" : "");
    return 1;
}

/* --------------------------------------------------------------- reader */

int source_reader_fill(source_reader *reader)
{
    if (reader->start < reader->end)
        return 1;
    if (reader->at_end)
        return 0;
    reader->start = reader->end = 0;
    int got = gzread(reader->file, reader->data, (unsigned)reader->capacity);
    if (got > 0 && reader->gzip && !gzdirect(reader->file)
        && source_inflation_exceeded(reader->walker, reader->gzip, (uint64_t)got, reader->path)) {
        /* The readers stop as on damage; the bound warned already. */
        reader->at_end = reader->damaged = reader->bomb = 1;
        snprintf(reader->damage, sizeof reader->damage, "a decompression bomb");
        return 0;
    }
    if (got > 0) {
        reader->end = (size_t)got;
        return 1;
    }
    reader->at_end = 1;
    int zerr = Z_OK;
    const char *message = gzerror(reader->file, &zerr);
    if (got < 0 || zerr != Z_OK) {
        reader->damaged = 1; /* the format readers stop as on damage */
        reader->out_of_memory = zerr == Z_MEM_ERROR;
        if (zerr == Z_ERRNO)
            message = strerror(errno);
        snprintf(reader->damage, sizeof reader->damage, "%s",
                 message && *message ? message : "read error");
    }
    return 0;
}

void source_reader_take(source_reader *reader, size_t count, byte_buffer *out)
{
    buffer_append(out, reader->data + reader->start, count);
    reader->start += count;
    reader->offset += count;
}

int source_reader_read_line(source_reader *reader, byte_buffer *line, size_t limit,
                            size_t *length, uint64_t *line_offset)
{
    buffer_reset(line);
    *length = 0;
    *line_offset = reader->offset;
    for (;;) {
        if (!source_reader_fill(reader)) {
            if (reader->damaged)
                return -1;
            return *length > 0 ? 1 : 0;
        }
        const uint8_t *chunk = reader->data + reader->start;
        size_t available = reader->end - reader->start;
        const uint8_t *newline = memchr(chunk, '\n', available);
        size_t count = newline ? (size_t)(newline - chunk) : available;
        if (*length + count <= limit) {
            source_reader_take(reader, count, line);
        } else {
            /* Too long to keep: drop what was gathered and count the rest. */
            buffer_reset(line);
            reader->start += count;
            reader->offset += count;
        }
        *length += count;
        if (newline) {
            reader->start++;
            reader->offset++;
            return 1;
        }
    }
}

int source_read_bytes(source_file *file, byte_buffer *out)
{
    source_reader *reader = &file->reader;
    size_t limit = file->walker->max_document_bytes;
    buffer_reset(out);
    while (source_reader_fill(reader)) {
        size_t available = reader->end - reader->start;
        if (available > limit - out->length) {
            source_skip(file->walker, "%s: document larger than %zu bytes, skipped", file->path,
                        limit);
            return 0;
        }
        source_reader_take(reader, available, out);
        if (buffer_failed(out))
            return COPS_ENOMEM;
    }
    if (reader->damaged) {
        source_report_damage(file);
        return 0;
    }
    if (out->length == 0) {
        source_skip(file->walker, "%s: empty file, skipped", file->path);
        return 0;
    }
    return 1;
}

int source_read_whole(source_file *file, byte_buffer *out)
{
    int status = source_read_bytes(file, out);
    return status == 1 ? source_decode_text(file, out) : status;
}

/* ---------------------------------------------------------------- UTF-8 */

size_t source_utf8_valid_prefix(const uint8_t *data, size_t length)
{
    return charset_utf8_valid_prefix(data, length);
}

size_t source_utf8_repair(const uint8_t *data, size_t length, byte_buffer *out,
                          size_t *first_invalid)
{
    static const uint8_t replacement[3] = {0xEF, 0xBF, 0xBD};
    size_t replaced = 0;
    size_t at = 0;
    while (at < length) {
        size_t valid = source_utf8_valid_prefix(data + at, length - at);
        buffer_append(out, data + at, valid);
        at += valid;
        if (at == length)
            break;
        size_t bad = 1;
        utf8_sequence(data + at, length - at, &bad);
        if (replaced == 0 && first_invalid)
            *first_invalid = at;
        replaced++;
        buffer_append(out, replacement, sizeof replacement);
        at += bad;
    }
    return replaced;
}

int source_file_repair(source_file *file, byte_buffer *text, uint64_t offset,
                       byte_buffer *scratch)
{
    if (source_utf8_valid_prefix(text->data, text->length) < text->length) {
        size_t first_invalid = 0;
        buffer_reset(scratch);
        size_t replaced = source_utf8_repair(text->data, text->length, scratch, &first_invalid);
        if (file->invalid_sequences == 0)
            file->first_invalid_offset = offset + first_invalid;
        file->invalid_sequences += replaced;
        file->walker->stats.invalid_utf8 += replaced;
        byte_buffer swap = *text;
        *text = *scratch;
        *scratch = swap;
    }
    buffer_append_byte(text, 0);
    if (buffer_failed(text))
        return COPS_ENOMEM;
    text->length--;
    return 0;
}

/* ------------------------------------------------------- titles, dates */

int source_is_space(uint8_t byte)
{
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r' || byte == '\f' ||
           byte == '\v';
}

int source_has_text(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (!source_is_space((uint8_t)text[i]))
            return 1;
    return 0;
}

void source_title_clean(const char *text, size_t length, byte_buffer *out)
{
    buffer_reset(out);
    int pending_space = 0;
    /* One byte past the cut is enough to place it: a title is never a
     * copy of a whole one-line document. */
    for (size_t i = 0; i < length && out->length <= SOURCE_TITLE_MAX_BYTES; i++) {
        uint8_t byte = (uint8_t)text[i];
        if (source_is_space(byte)) {
            pending_space = 1;
            continue;
        }
        if (pending_space && out->length > 0)
            buffer_append_byte(out, ' ');
        pending_space = 0;
        buffer_append_byte(out, byte);
    }
    if (out->length > SOURCE_TITLE_MAX_BYTES && !buffer_failed(out)) {
        size_t cut = SOURCE_TITLE_MAX_BYTES;
        if (out->data[cut] != ' ') {
            size_t space = cut;
            while (space > 0 && out->data[space] != ' ')
                space--;
            if (space > 0) {
                cut = space;
            } else {
                while (cut > 0 && (out->data[cut] & 0xC0) == 0x80)
                    cut--;
            }
        }
        out->length = cut;
    }
    buffer_append_byte(out, 0);
    if (!buffer_failed(out))
        out->length--;
}

int source_line_is_headline(const char *line, size_t length)
{
    if (length == 0 || length > SOURCE_TITLE_MAX_BYTES)
        return 0; /* a paragraph, not a headline */
    /* A sentence's full stop; an ellipsis may end a headline. */
    if (line[length - 1] == '.' && !(length >= 3 && line[length - 2] == '.'))
        return 0;
    if (length > 3 && strncmp(line, "By ", 3) == 0)
        return 0;
    char date[11];
    return !source_parse_date(line, length, date);
}

void source_title_from_text(const char *text, size_t length, byte_buffer *out)
{
    size_t at = 0, lines = 0;
    size_t first_start = 0, first_end = 0;
    while (at < length && lines < SOURCE_TITLE_LOOKAHEAD_LINES) {
        const char *newline = memchr(text + at, '\n', length - at);
        size_t end = newline ? (size_t)(newline - text) : length;
        size_t start = at;
        at = end + 1;
        while (start < end && source_is_space((uint8_t)text[start]))
            start++;
        size_t trimmed_end = end;
        while (trimmed_end > start && source_is_space((uint8_t)text[trimmed_end - 1]))
            trimmed_end--;
        if (trimmed_end == start)
            continue;
        if (lines++ == 0) {
            first_start = start;
            first_end = trimmed_end;
        }
        if (source_line_is_headline(text + start, trimmed_end - start)) {
            source_title_clean(text + start, trimmed_end - start, out);
            return;
        }
    }
    source_title_clean(text + first_start, first_end - first_start, out);
}

/* ------------------------------------------------------------- dispatch */

/* The format of standard input ("-"): options->format, else sniffed,
 * where a first '{' means JSON Lines. */
static source_format standard_input_format(source_walker *walker, source_reader *reader)
{
    static const struct {
        const char *name;
        source_format format;
    } names[] = {{"text", FORMAT_TEXT}, {"html", FORMAT_HTML}, {"jsonl", FORMAT_JSONL},
                 {"trec", FORMAT_TREC}};
    const char *wanted = walker->options->format;
    for (size_t i = 0; wanted && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(wanted, names[i].name) == 0)
            return names[i].format;
    source_reader_fill(reader);
    const uint8_t *data = reader->data + reader->start;
    size_t length = reader->end - reader->start;
    while (length > 0 && source_is_space(*data)) {
        data++;
        length--;
    }
    return length > 0 && *data == '{' ? FORMAT_JSONL
                                       : detect_format_from_content(FORMAT_SNIFF, data, length);
}

/* A non-regular input (pipe, FIFO, device) can be read only once, but it
 * must be hashed for change tracking and then parsed: copy it, bounded by
 * the document size limit, into an anonymous in-memory file and read that
 * instead.  Returns the copy's descriptor (and closes `fd`), -1 after a
 * warning (too large, unreadable) or with *status_out = COPS_ENOMEM / an
 * error for a failed copy. */
static int spool_input(source_walker *walker, const char *path, int fd, int *status_out)
{
    *status_out = 0;
#ifdef HAVE_MEMFD_CREATE
    int copy = memfd_create("cops-input", MFD_CLOEXEC);
#else
    FILE *temporary = tmpfile();
    int copy = temporary ? fcntl(fileno(temporary), F_DUPFD_CLOEXEC, 0) : -1;
    if (temporary)
        fclose(temporary);
#endif
    if (copy < 0) {
        *status_out = error_set_errno(walker->err, COPS_EIO, errno,
                                      "cannot make a temporary copy of input '%s'", path);
        close(fd);
        return -1;
    }
    uint8_t *chunk = malloc(SOURCE_READ_CHUNK);
    if (!chunk) {
        *status_out = error_set(walker->err, COPS_ENOMEM, "out of memory reading '%s'", path);
        close(copy);
        close(fd);
        return -1;
    }
    size_t total = 0, limit = walker->max_document_bytes;
    const char *problem = NULL;
    int errnum = 0;
    for (;;) {
        ssize_t got = read(fd, chunk, SOURCE_READ_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got < 0) {
                problem = "cannot read";
                errnum = errno;
            }
            break;
        }
        if ((size_t)got > limit - total) {
            problem = "too large";
            break;
        }
        if (write(copy, chunk, (size_t)got) != got) {
            errnum = errno ? errno : ENOSPC;
            problem = "cannot copy";
            break;
        }
        total += (size_t)got;
    }
    free(chunk);
    close(fd);
    if (problem && strcmp(problem, "too large") == 0) {
        source_skip(walker, "%s: not a regular file and larger than %zu bytes (such inputs "
                    "are read into memory first), skipped", path, limit);
    } else if (problem) {
        source_skip(walker, "%s: %s: %s, skipped", path, problem, strerror(errnum));
    } else if (lseek(copy, 0, SEEK_SET) == 0) {
        return copy;
    } else {
        source_skip(walker, "%s: cannot rewind its copy: %s, skipped", path, strerror(errno));
    }
    close(copy);
    return -1;
}

/* Open `path` for reading (`name` in the folder `dir_fd` when that is
 * not -1), without blocking and without trusting a status taken before
 * the open: the status checked is fstat()'s of the open descriptor.
 * Returns the descriptor of a regular file (a named pipe or device's
 * in-memory copy) with *status filled, or -1 (skipped with a warning, or
 * *result set to a fatal error). */
static int open_input(source_walker *walker, int dir_fd, const char *name, const char *path,
                      int named, struct stat *status, int *result)
{
    *result = 0;
    /* Inside folders, O_NONBLOCK: a file replaced by a FIFO after the
     * listing must not block the open; and, unless links are followed,
     * O_NOFOLLOW: a file replaced by a symbolic link after the listing
     * must not be read through it.  A named FIFO or link is the caller's
     * choice: wait for its writer, as cat would, and follow it. */
    int inside = named ? 0 : O_NONBLOCK | (walker->options->follow_links ? 0 : O_NOFOLLOW);
    int how = O_RDONLY | O_CLOEXEC | O_NOCTTY | inside;
    int fd = strcmp(path, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
             : dir_fd >= 0          ? openat(dir_fd, name, how)
                                    : open(path, how);
    if (fd < 0) {
        *result = source_unreadable(walker, path, "cannot open", errno);
        return -1;
    }
    if (fstat(fd, status) != 0) {
        source_skip(walker, "%s: cannot read its status: %s, skipped", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISREG(status->st_mode)) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0 && (flags & O_NONBLOCK))
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        return fd;
    }
    if (!named || S_ISDIR(status->st_mode)) {
        source_skip(walker, "%s: not a regular file, skipped", path);
        close(fd);
        return -1;
    }
    fd = spool_input(walker, path, fd, result);
    if (fd >= 0 && fstat(fd, status) != 0) {
        source_skip(walker, "%s: cannot read its status: %s, skipped", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int source_read_content(source_file *file, const char *name)
{
    source_format named = detect_format_from_name(name);
    /* The opening can overrule the name, but streamed formats are not
     * looked at (no fill before the reader starts). */
    if (strcmp(file->path, "-") == 0) {
        named = standard_input_format(file->walker, &file->reader);
    } else if (named != FORMAT_JSONL && named != FORMAT_TREC) {
        source_reader_fill(&file->reader);
        named = detect_format_from_content(named, file->reader.data + file->reader.start,
                                           file->reader.end - file->reader.start);
    }
    file->format = named;
    int status;
    switch (named) {
    case FORMAT_HTML: status = source_read_html(file); break;
    case FORMAT_JSONL: status = source_read_jsonl(file); break;
    case FORMAT_TREC: status = source_read_trec(file); break;
    case FORMAT_PDF: status = source_read_pdf(file); break;
    case FORMAT_OFFICE: status = source_read_office(file); break;
    case FORMAT_MAIL:
    case FORMAT_MBOX: status = source_read_mail(file); break;
    case FORMAT_ARCHIVE: status = source_read_archive(file); break;
    default: status = source_read_text(file); break;
    }
    if (file->invalid_sequences > 0)
        source_warn(file->walker, "%s: invalid UTF-8 at byte %llu (%llu sequences replaced)",
                    file->path, (unsigned long long)file->first_invalid_offset,
                    (unsigned long long)file->invalid_sequences);
    return status;
}

/* Read one file, `path`, opened as `name` in the folder `dir_fd` (-1:
 * by its path).  `named` files were given by the caller: a FIFO or
 * device among them is read (once), where inside folders it is skipped. */
static int source_read_file(source_walker *walker, int dir_fd, const char *name,
                            const char *path, int named)
{
    struct stat status;
    int result;
    int fd = open_input(walker, dir_fd, name, path, named, &status, &result);
    if (fd < 0)
        return result;
    const source_options *options = walker->options;
    source_resume resume = {0, 0};
    if (options->on_file) {
        int wanted = options->on_file(options->file_context, path, &status, fd);
        if (wanted <= 0) {
            walker->input_done += (uint64_t)status.st_size;
            close(fd);
            return wanted < 0 ? error_set(walker->err, wanted, "%s: cannot be checked for changes: %s",
                                          path, cops_strerror(wanted))
                              : 0;
        }
        if (wanted == SOURCE_READ_REST && options->resume
            && lseek(fd, (off_t)options->resume->offset, SEEK_SET) >= 0)
            resume = *options->resume;
    }
    source_inflation inflation = {.disk_bytes = (uint64_t)status.st_size};
    source_file file;
    memset(&file, 0, sizeof file);
    file.walker = walker;
    file.path = path;
    file.inflation = &inflation;
    file.reader.capacity = SOURCE_READ_CHUNK;
    file.reader.data = malloc(SOURCE_READ_CHUNK);
    file.reader.file = file.reader.data ? gzdopen(fd, "rb") : NULL;
    if (!file.reader.file) {
        free(file.reader.data);
        close(fd);
        return error_set(walker->err, COPS_ENOMEM, "out of memory opening '%s'", path);
    }
    gzbuffer(file.reader.file, (unsigned)SOURCE_READ_CHUNK);
    /* A single gzip'ed file (notes.txt.gz) has the bound of the other
     * compressed inputs, counted apart from what its archives inflate. */
    source_inflation gzip = {.disk_bytes = (uint64_t)status.st_size};
    file.reader.gzip = &gzip;
    file.reader.walker = walker;
    file.reader.path = path;
    file.reader.offset = resume.offset;
    file.first_line = resume.line;
    walker->stats.files++;

    source_warnings_begin(walker, path);
    int status_code = source_read_content(&file, path);
    source_warnings_end(walker);
    walker->stats.bytes_read += file.reader.offset - resume.offset
                                + (file.reader.end - file.reader.start);
    walker->input_done += (uint64_t)status.st_size;
    gzclose(file.reader.file);
    free(file.reader.data);
    if (file.reader.out_of_memory)
        status_code = COPS_ENOMEM;
    if (status_code == COPS_ENOMEM)
        return error_set(walker->err, COPS_ENOMEM, "out of memory reading '%s'", path);
    return status_code;
}

/* -------------------------------------------------------------- walking */

typedef struct directory_identity {
    dev_t device;
    ino_t inode;
    int fd;      /* the folder open, or -1 while WALK_OPEN_FOLDERS deeper ones are */
} directory_identity;

/* Folders held open at once: the deepest ones of the path walked.  An
 * outer one is closed and, once the walk is back in it, opened again as
 * ".." of the folder left, if that is still the same folder: a tree
 * deeper than the descriptors a process may hold is walked whole. */
#define WALK_OPEN_FOLDERS 32

/* One traversal of the inputs, shared by source_walk (walker set) and
 * source_estimate_bytes (walker NULL: only sizes are summed, problems are
 * ignored). */
typedef struct traversal {
    source_walker *walker;
    directory_identity *ancestors;
    size_t depth;
    size_t ancestors_capacity;
    uint64_t total_bytes;
    cops_error *err;
    int has_excluded;            /* skip the directory (excluded_device, excluded_inode) */
    dev_t excluded_device;
    ino_t excluded_inode;
    const source_options *options; /* follow, hidden, patterns; NULL = defaults */
    size_t root_length;          /* of the input being walked: paths relative to it */
    ignore_rules **rules;        /* --exclude, then each folder's .copsignore, outer first */
    size_t rule_count, rule_capacity;
    size_t ignore_patterns;      /* of the .copsignore files among rules (IGNORE_MAX_WALK_PATTERNS) */
    source_patterns patterns;    /* of the input being walked */
} traversal;

static void traversal_exclude(traversal *walk, const char *directory)
{
    struct stat status;
    if (directory && stat(directory, &status) == 0 && S_ISDIR(status.st_mode)) {
        walk->has_excluded = 1;
        walk->excluded_device = status.st_dev;
        walk->excluded_inode = status.st_ino;
    }
}

static int traverse(traversal *walk, int dir_fd, const char *name, const char *path,
                    const struct stat *status, int named);

static int compare_names(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* The sorted names of the entries of the open folder `fd` (without
 * hidden ones, whose name starts with '.', unless `hidden`); *names is
 * NULL and the result negative when the folder cannot be read. */
static int list_directory(int fd, int hidden, char ***names, size_t *count, int *errnum)
{
    *names = NULL;
    *count = 0;
    int listing = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *directory = listing >= 0 ? fdopendir(listing) : NULL;
    if (!directory) {
        *errnum = errno;
        if (listing >= 0)
            close(listing);
        return COPS_EIO;
    }
    char **list = NULL;
    size_t used = 0, capacity = 0;
    int status = 0;
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(directory);
        if (!entry) {
            if (errno != 0) {
                *errnum = errno;
                status = COPS_EIO;
            }
            break;
        }
        if (entry->d_name[0] == '.'
            && (!hidden || strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0))
            continue;
        if (used == capacity) {
            size_t grown_capacity = capacity ? capacity * 2 : 32;
            char **grown = realloc(list, grown_capacity * sizeof *grown);
            if (!grown) {
                status = COPS_ENOMEM;
                break;
            }
            list = grown;
            capacity = grown_capacity;
        }
        list[used] = strdup(entry->d_name);
        if (!list[used]) {
            status = COPS_ENOMEM;
            break;
        }
        used++;
    }
    closedir(directory);
    if (status != 0) {
        free_names(list, used);
        return status;
    }
    if (used > 1)
        qsort(list, used, sizeof *list, compare_names);
    *names = list;
    *count = used;
    return 0;
}

/* `path` relative to the input being walked ("" for the input itself). */
static const char *relative_path(const traversal *walk, const char *path)
{
    const char *relative = path + walk->root_length;
    return *relative == '/' ? relative + 1 : relative;
}

/* Push the patterns of `folder`/.copsignore, if there is one.  It is
 * read as an index file is (a regular file, a link not followed, at most
 * 1 MiB): a bad one is a warning and is not applied.  Only its first
 * IGNORE_MAX_FILE_PATTERNS patterns are (every pattern is tried on every
 * path below), and no more than the files of the folders above leave
 * room for (IGNORE_MAX_WALK_PATTERNS); past them a warning names the line
 * and the rest is not applied, as a bad file is: the walk then indexes
 * more of the folder's own files rather than skip it, so hostile files
 * cost time bounded by the caps and cannot hide the folder by being
 * large. */
static int load_ignore_file(traversal *walk, int folder_fd, const char *folder)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/.copsignore", folder) >= (int)sizeof path)
        return 0;
    byte_buffer text = BUFFER_INIT;
    cops_error problem;
    int rc = file_read_regular_at(folder_fd, folder, ".copsignore", (size_t)1 << 20, &text,
                                  &problem);
    if (rc == COPS_ENOINDEX) {
        buffer_free(&text);
        return 0;
    }
    ignore_rules *rules = NULL;
    size_t room = IGNORE_MAX_WALK_PATTERNS - walk->ignore_patterns;
    int walk_cap = room < IGNORE_MAX_FILE_PATTERNS;
    if (rc == 0)
        rc = ignore_rules_parse((const char *)text.data, text.length, relative_path(walk, folder),
                                walk_cap ? room : IGNORE_MAX_FILE_PATTERNS, &rules);
    buffer_free(&text);
    if (rc == COPS_ENOMEM
        || (rc == 0 && ARRAY_RESERVE_ONE(walk->rules, walk->rule_capacity, walk->rule_count, 8)))
        rc = COPS_ENOMEM;
    if (rc == COPS_ENOMEM) {
        ignore_rules_free(rules);
        return error_set(walk->err, COPS_ENOMEM, "out of memory reading '%s'", path);
    }
    if (rc != 0) {
        if (walk->walker)
            source_warn(walk->walker, "%s: not applied: %s", path, problem.message);
        return 0;
    }
    if (ignore_rules_stopped_line(rules) > 0 && walk->walker)
        source_warn(walk->walker, "%s:%zu: more than %d patterns%s: this line and the rest not "
                    "applied", path, ignore_rules_stopped_line(rules),
                    walk_cap ? IGNORE_MAX_WALK_PATTERNS : IGNORE_MAX_FILE_PATTERNS,
                    walk_cap ? " with the .copsignore files of the folders above" : "");
    walk->ignore_patterns += ignore_rules_count(rules);
    walk->rules[walk->rule_count++] = rules;
    return 0;
}

/* Whether the patterns leave `path` (met inside a folder) out: the last
 * matching pattern of the innermost rules decides, then --glob for files. */
static int left_out(const traversal *walk, const char *path, int is_directory)
{
    const char *relative = relative_path(walk, path);
    int verdict = 0;
    for (size_t i = 0; i < walk->rule_count; i++) {
        int said = ignore_rules_match(walk->rules[i], relative, is_directory);
        if (said != 0)
            verdict = said;
    }
    if (verdict == 1)
        return 1;
    if (is_directory || walk->patterns.glob_count == 0)
        return 0;
    for (size_t i = 0; i < walk->patterns.glob_count; i++)
        if (ignore_pattern_matches(walk->patterns.globs[i], relative, 0))
            return 0;
    return 1;
}

/* One entry, `name`, met inside the open folder `dir_fd` (`child` is its
 * path): a symbolic link is followed only with options->follow_links (and
 * never seen otherwise, as ripgrep does); what the patterns leave out is
 * not visited, nor a .copsignore (with --hidden too: it is a setting, not
 * a document). */
static int traverse_child(traversal *walk, int dir_fd, const char *name, const char *child)
{
    struct stat child_status;
    int follow = walk->options && walk->options->follow_links;
    if (fstatat(dir_fd, name, &child_status, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
        return walk->walker ? source_unreadable(walk->walker, child, "cannot read", errno) : 0;
    }
    if (S_ISLNK(child_status.st_mode) || strcmp(name, ".copsignore") == 0
        || left_out(walk, child, S_ISDIR(child_status.st_mode)))
        return 0;
    /* A path PATH_MAX long is no identity an update can check
     * (roots_canonical), nor a folder's whose .copsignore's is; and the
     * walk, one stack frame a level through descriptors, would otherwise
     * go as deep as a stranger's tree.  Only its start is shown: a
     * warning is cut at SOURCE_WARNING_MAX. */
    size_t length = strlen(child);
    if (length >= PATH_MAX
        || (S_ISDIR(child_status.st_mode) && length + sizeof "/.copsignore" > PATH_MAX)) {
        if (walk->walker)
            source_skip(walk->walker, "%.200s...: a path of %zu bytes, too long, skipped", child,
                        length);
        return 0;
    }
    return traverse(walk, dir_fd, name, child, &child_status, 0);
}

/* The folder `path` left unread, whole or the rest of it, for `why` (a
 * stranger moved it while it was walked): a warning, and an update keeps
 * the documents it had, as for a folder that cannot be read, rather than
 * take them as deleted. */
static void folder_left_unread(traversal *walk, const char *path, const char *why)
{
    if (!walk->walker)
        return;
    source_skip(walk->walker, "%s: %s", path, why);
    const source_options *options = walk->walker->options;
    if (options->on_unreadable)
        options->on_unreadable(options->file_context, path);
}

/* The folder `path` (`name` in the folder `dir_fd`, or by its path when
 * that is -1) opened, if it is still the one `status` describes: its
 * entries are then looked at and opened through the descriptor, never
 * through `path`, whose folders a stranger sharing the tree may replace
 * by symbolic links while it is walked.  -1 (warned) when it cannot be
 * opened or is another one now. */
static int open_folder(traversal *walk, int dir_fd, const char *name, const char *path,
                       const struct stat *status, int *result)
{
    *result = 0;
    int follow = dir_fd < 0 || (walk->options && walk->options->follow_links);
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
    int fd = dir_fd >= 0 ? openat(dir_fd, name, flags) : open(path, flags);
    if (fd < 0) {
        if (walk->walker)
            *result = source_unreadable(walk->walker, path, "cannot read folder", errno);
        return -1;
    }
    struct stat opened;
    if (fstat(fd, &opened) != 0 || opened.st_dev != status->st_dev
        || opened.st_ino != status->st_ino) {
        folder_left_unread(walk, path, "folder replaced while walked, skipped");
        close(fd);
        return -1;
    }
    return fd;
}

/* The folder `parent` describes opened as ".." of the open folder `fd`,
 * or -1 when that is another folder now (moved while walked). */
static int reopen_parent(int fd, const directory_identity *parent)
{
    if (fd < 0)
        return -1;
    int reopened = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat status;
    if (reopened >= 0 && (fstat(reopened, &status) != 0 || status.st_dev != parent->device
                          || status.st_ino != parent->inode)) {
        close(reopened);
        reopened = -1;
    }
    return reopened;
}

/* The folder at `level` of the walk opened again from the input down,
 * by the names in `path` (a deeper folder's), each one checked against
 * the identity the walk noted when it opened it: for when ".." of the
 * folder left is another folder now (that folder was moved away), so
 * the rest of the tree is walked all the same.  -1 when a folder on the
 * way is another one now. */
static int reopen_by_names(const traversal *walk, size_t level, const char *path)
{
    char root[PATH_MAX];
    if (walk->root_length >= sizeof root)
        return -1;
    memcpy(root, path, walk->root_length);
    root[walk->root_length] = 0;
    int nofollow = walk->options && walk->options->follow_links ? 0 : O_NOFOLLOW;
    /* The input itself is reached by its path, as when it was opened. */
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *rest = relative_path(walk, path);
    for (size_t k = 0; fd >= 0; k++) {
        struct stat status;
        if (fstat(fd, &status) != 0 || status.st_dev != walk->ancestors[k].device
            || status.st_ino != walk->ancestors[k].inode)
            break;
        if (k == level)
            return fd;
        size_t length = strcspn(rest, "/");
        char component[NAME_MAX + 1];
        if (length == 0 || length > NAME_MAX)
            break;
        memcpy(component, rest, length);
        component[length] = 0;
        rest += length + (rest[length] == '/');
        int next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow);
        close(fd);
        fd = next;
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

static int traverse_directory(traversal *walk, int dir_fd, const char *name, const char *path,
                              const struct stat *status)
{
    if (walk->has_excluded && status->st_dev == walk->excluded_device
        && status->st_ino == walk->excluded_inode)
        return 0;
    for (size_t i = 0; i < walk->depth; i++) {
        if (walk->ancestors[i].device == status->st_dev &&
            walk->ancestors[i].inode == status->st_ino) {
            if (walk->walker)
                source_warn(walk->walker, "%s: directory loop (already being walked), skipped",
                            path);
            return 0;
        }
    }
    int opened;
    int folder_fd = open_folder(walk, dir_fd, name, path, status, &opened);
    if (folder_fd < 0)
        return opened;
    char **names;
    size_t count;
    int errnum = 0;
    int hidden = walk->options && walk->options->hidden;
    int listed = list_directory(folder_fd, hidden, &names, &count, &errnum);
    if (listed != 0)
        close(folder_fd);
    if (listed == COPS_ENOMEM)
        return error_set(walk->err, COPS_ENOMEM, "out of memory listing '%s'", path);
    if (listed != 0)
        return walk->walker ? source_unreadable(walk->walker, path, "cannot read folder", errnum)
                            : 0;
    if (walk->depth == walk->ancestors_capacity) {
        size_t grown_capacity = walk->ancestors_capacity ? walk->ancestors_capacity * 2 : 16;
        directory_identity *grown =
            realloc(walk->ancestors, grown_capacity * sizeof *grown);
        if (!grown) {
            free_names(names, count);
            close(folder_fd);
            return error_set(walk->err, COPS_ENOMEM, "out of memory walking '%s'", path);
        }
        walk->ancestors = grown;
        walk->ancestors_capacity = grown_capacity;
    }
    size_t level = walk->depth;
    walk->ancestors[level] = (directory_identity){status->st_dev, status->st_ino, folder_fd};
    walk->depth++;
    if (level >= WALK_OPEN_FOLDERS && walk->ancestors[level - WALK_OPEN_FOLDERS].fd >= 0) {
        close(walk->ancestors[level - WALK_OPEN_FOLDERS].fd);
        walk->ancestors[level - WALK_OPEN_FOLDERS].fd = -1;
    }

    size_t rules_before = walk->rule_count;
    int result = load_ignore_file(walk, folder_fd, path);
    size_t path_length = strlen(path);
    int separator = path_length > 0 && path[path_length - 1] != '/';
    for (size_t i = 0; i < count && result == 0; i++) {
        size_t name_length = strlen(names[i]);
        char *child = malloc(path_length + (size_t)separator + name_length + 1);
        if (!child) {
            result = error_set(walk->err, COPS_ENOMEM, "out of memory walking '%s'", path);
            break;
        }
        memcpy(child, path, path_length);
        if (separator)
            child[path_length] = '/';
        memcpy(child + path_length + (size_t)separator, names[i], name_length + 1);
        if (walk->ancestors[level].fd < 0) {
            /* closed by a deeper folder, and not the same folder once opened again */
            folder_left_unread(walk, path, "folder moved while walked, the rest of it skipped");
            free(child);
            break;
        }
        result = traverse_child(walk, walk->ancestors[level].fd, names[i], child);
        free(child);
    }
    while (walk->rule_count > rules_before) {
        ignore_rules *rules = walk->rules[--walk->rule_count];
        walk->ignore_patterns -= ignore_rules_count(rules);
        ignore_rules_free(rules);
    }
    walk->depth--;
    free_names(names, count);
    if (level > 0 && walk->ancestors[level - 1].fd < 0) {
        int parent = reopen_parent(walk->ancestors[level].fd, &walk->ancestors[level - 1]);
        walk->ancestors[level - 1].fd = parent >= 0 ? parent : reopen_by_names(walk, level - 1, path);
    }
    if (walk->ancestors[level].fd >= 0)
        close(walk->ancestors[level].fd);
    return result;
}

/* Walk `path`: `name` in the open folder `dir_fd`, or an input (-1,
 * `named`) reached by its path. */
static int traverse(traversal *walk, int dir_fd, const char *name, const char *path,
                    const struct stat *status, int named)
{
    if (S_ISDIR(status->st_mode))
        return traverse_directory(walk, dir_fd, name, path, status);
    if (!walk->walker) {
        if (S_ISREG(status->st_mode))
            walk->total_bytes += (uint64_t)status->st_size;
        return 0;
    }
    /* A named FIFO or device is read as asked (think <(zcat ...)); inside
     * folders only regular files are documents, and anything else is
     * never opened: opening a FIFO blocks until a writer comes. */
    if (!named && !S_ISREG(status->st_mode)) {
        source_skip(walk->walker, "%s: not a regular file, skipped", path);
        return 0;
    }
    return source_read_file(walk->walker, dir_fd, name, path, named);
}

/* The --exclude patterns of the input being walked as the first rules
 * set (relative to the input). */
static int push_excludes(traversal *walk)
{
    if (walk->patterns.exclude_count == 0)
        return 0;
    byte_buffer lines = BUFFER_INIT;
    for (size_t i = 0; i < walk->patterns.exclude_count; i++) {
        buffer_append(&lines, walk->patterns.excludes[i], strlen(walk->patterns.excludes[i]));
        buffer_append_byte(&lines, '\n');
    }
    ignore_rules *rules = NULL;
    int result = 0;
    if (buffer_failed(&lines)
        || ignore_rules_parse((const char *)lines.data, lines.length, "", SIZE_MAX, &rules) != 0
        || ARRAY_RESERVE_ONE(walk->rules, walk->rule_capacity, walk->rule_count, 8) != 0) {
        ignore_rules_free(rules);
        result = error_set(walk->err, COPS_ENOMEM, "out of memory");
    } else {
        walk->rules[walk->rule_count++] = rules;
    }
    buffer_free(&lines);
    return result;
}

/* Walk each input in turn (skipping, with a warning when walking, those
 * that cannot be read), each with its patterns. */
static int traverse_inputs(traversal *walk, const char *const *inputs, size_t count)
{
    int result = 0;
    const source_options *options = walk->options;
    source_options own; /* the input's, when each has its own */
    for (size_t i = 0; i < count && result == 0; i++) {
        struct stat status;
        memset(&walk->patterns, 0, sizeof walk->patterns);
        if (options && options->input_patterns) {
            const source_patterns *p = &options->input_patterns[i];
            walk->patterns = *p;
            own = *options;
            own.follow_links = p->follow_links;
            own.hidden = p->hidden;
            own.id_field = p->id_field;
            own.title_field = p->title_field;
            own.text_field = p->text_field;
            own.date_field = p->date_field;
            walk->options = &own;
            if (walk->walker)
                walk->walker->options = &own;
        } else if (options) {
            walk->patterns = (source_patterns){.globs = options->globs,
                                               .glob_count = options->glob_count,
                                               .excludes = options->excludes,
                                               .exclude_count = options->exclude_count};
        }
        result = push_excludes(walk);
        walk->root_length = strlen(inputs[i]);
        if (result != 0)
            break;
        if (strcmp(inputs[i], "-") == 0)
            result = walk->walker ? source_read_file(walk->walker, -1, "-", "-", 1) : 0;
        else if (stat(inputs[i], &status) == 0)
            result = traverse(walk, -1, inputs[i], inputs[i], &status, 1);
        else if (walk->walker)
            result = source_unreadable(walk->walker, inputs[i], "cannot read input", errno);
        while (walk->rule_count > 0)
            ignore_rules_free(walk->rules[--walk->rule_count]);
    }
    while (walk->rule_count > 0)
        ignore_rules_free(walk->rules[--walk->rule_count]);
    free(walk->rules);
    free(walk->ancestors);
    walk->options = options;
    if (walk->walker)
        walk->walker->options = options;
    return result;
}

uint64_t source_estimate_bytes(const char *const *inputs, size_t count)
{
    traversal walk;
    memset(&walk, 0, sizeof walk);
    traverse_inputs(&walk, inputs, count);
    return walk.total_bytes;
}

int source_walk(const char *const *inputs, size_t count, const source_options *options,
                int (*on_document)(void *context, const source_document *document),
                void *context, source_stats *stats, cops_error *err)
{
    source_options defaults;
    if (!options) {
        source_options_init(&defaults);
        options = &defaults;
    }
    source_walker walker;
    memset(&walker, 0, sizeof walker);
    walker.options = options;
    walker.max_document_bytes =
        options->max_document_bytes ? options->max_document_bytes : SOURCE_DEFAULT_MAX_DOCUMENT_BYTES;
    walker.on_document = on_document;
    walker.context = context;
    walker.err = err;

    traversal walk;
    memset(&walk, 0, sizeof walk);
    walk.walker = &walker;
    walk.err = err;
    walk.options = options;
    traversal_exclude(&walk, options->exclude_directory);
    int result = traverse_inputs(&walk, inputs, count);
    detect_magic_close(walker.magic);
    if (stats)
        *stats = walker.stats;
    return result;
}
