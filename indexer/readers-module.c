/*
 * readers-module.c — the entry of the readers module, and the functions
 * of libcops the readers call, forwarded through the table libcops hands
 * it (readers-module.h).  Built only into the module.
 */
#include "config.h"

#include "indexer/readers-module.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const readers_module_host *host;

module_entry cops_readers_module;

const void *cops_readers_module(const char *abi, const void *given)
{
    static const readers_module readers = {
        .read_html = source_read_html,
        .read_pdf = source_read_pdf,
        .read_office = source_read_office,
        .read_mail = source_read_mail,
        .read_archive = source_read_archive,
        .detect_mime = detect_mime,
        .detect_magic_close = detect_magic_close,
        .charset_guess = charset_guess,
    };
    if (!abi || strcmp(abi, READERS_MODULE_ABI) != 0)
        return NULL;
    host = given;
    return &readers;
}

/* ------------------------------------------------- libcops, forwarded */

void buffer_append(byte_buffer *buffer, const void *bytes, size_t length)
{
    host->buffer_append(buffer, bytes, length);
}

void buffer_append_byte(byte_buffer *buffer, uint8_t byte) { host->buffer_append_byte(buffer, byte); }

/* (buffer_reserve is inline, calling this when there is no room) */
int buffer_grow(byte_buffer *buffer, size_t more) { return host->buffer_reserve(buffer, more); }

void buffer_free(byte_buffer *buffer) { host->buffer_free(buffer); }

size_t utf8_sequence(const uint8_t *bytes, size_t available, size_t *bad_length)
{
    return host->utf8_sequence(bytes, available, bad_length);
}

void charset_normalize(char name[CHARSET_NAME_MAX]) { host->charset_normalize(name); }
const char *charset_whatwg(const char *label) { return host->charset_whatwg(label); }

source_format detect_format_from_name(const char *path)
{
    return host->detect_format_from_name(path);
}

/* The variadic two are formatted here and handed over as one string,
 * with their format: the kind of warning the host caps per file. */
void source_warn(source_walker *walker, const char *format, ...)
{
    char message[COPS_ERROR_MESSAGE_MAX];
    MODULE_FORMAT(message, format);
    host->source_warn_kind(walker, format, message);
}

void source_skip(source_walker *walker, const char *format, ...)
{
    char message[COPS_ERROR_MESSAGE_MAX];
    MODULE_FORMAT(message, format);
    host->source_skip_kind(walker, format, message);
}

int source_inflation_exceeded(source_walker *walker, source_inflation *all, uint64_t got,
                              const char *path)
{
    return host->source_inflation_exceeded(walker, all, got, path);
}

int source_deliver(source_file *file, const source_document *document)
{
    return host->source_deliver(file, document);
}

int source_file_repair(source_file *file, byte_buffer *text, uint64_t offset,
                       byte_buffer *scratch)
{
    return host->source_file_repair(file, text, offset, scratch);
}

int source_parse_date(const char *text, size_t length, char date[11])
{
    return host->source_parse_date(text, length, date);
}

size_t source_date_prefix(const char *text, size_t length, char date[11])
{
    return host->source_date_prefix(text, length, date);
}

void source_title_from_text(const char *text, size_t length, byte_buffer *out)
{
    host->source_title_from_text(text, length, out);
}

void source_title_clean(const char *text, size_t length, byte_buffer *out)
{
    host->source_title_clean(text, length, out);
}

int source_is_space(uint8_t byte) { return host->source_is_space(byte); }

int source_has_text(const char *text, size_t length) { return host->source_has_text(text, length); }

int source_read_whole(source_file *file, byte_buffer *out)
{
    return host->source_read_whole(file, out);
}

int source_read_bytes(source_file *file, byte_buffer *out)
{
    return host->source_read_bytes(file, out);
}

int source_read_content(source_file *file, const char *name)
{
    return host->source_read_content(file, name);
}

int source_reader_fill(source_reader *reader) { return host->source_reader_fill(reader); }

size_t source_utf8_valid_prefix(const uint8_t *data, size_t length)
{
    return host->source_utf8_valid_prefix(data, length);
}

size_t source_utf8_repair(const uint8_t *data, size_t length, byte_buffer *out,
                          size_t *first_invalid)
{
    return host->source_utf8_repair(data, length, out, first_invalid);
}

void source_tally_add(source_tally *tally, const char *name) { host->source_tally_add(tally, name); }
