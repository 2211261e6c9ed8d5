/*
 * html-module.c — the entry of the HTML reader module, and the functions
 * of libcops the reader calls, forwarded through the table libcops hands
 * it (html-module.h).  Built only into the module.
 */
#include "config.h"

#include "indexer/html-module.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const html_module_host *host;

module_entry cops_html_module;

const void *cops_html_module(const char *abi, const void *given)
{
    static const html_module reader = {.read = source_read_html};
    if (!abi || strcmp(abi, HTML_MODULE_ABI) != 0)
        return NULL;
    host = given;
    return &reader;
}

/* ------------------------------------------------- libcops, forwarded */

void buffer_append(byte_buffer *buffer, const void *bytes, size_t length)
{
    host->buffer_append(buffer, bytes, length);
}

void buffer_append_byte(byte_buffer *buffer, uint8_t byte) { host->buffer_append_byte(buffer, byte); }

void buffer_free(byte_buffer *buffer) { host->buffer_free(buffer); }

/* The variadic two are formatted here and handed over as one string. */
void source_warn(source_walker *walker, const char *format, ...)
{
    char message[COPS_ERROR_MESSAGE_MAX];
    MODULE_FORMAT(message, format);
    host->source_warn(walker, "%s", message);
}

void source_skip(source_walker *walker, const char *format, ...)
{
    char message[COPS_ERROR_MESSAGE_MAX];
    MODULE_FORMAT(message, format);
    host->source_skip(walker, "%s", message);
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
