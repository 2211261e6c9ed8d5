/*
 * readers-load.c — the readers module's functions in libcops: each loads
 * the module (readers-module.h) the first time a build needs it and
 * forwards to it.
 */
#include "config.h"

#include <stdio.h>

#include "base/error.h"
#include "base/module.h"
#include "indexer/readers-module.h"

/* What the readers may call in libcops (readers-module.h). */
static const readers_module_host readers_host = {
    .buffer_append = buffer_append,
    .buffer_append_byte = buffer_append_byte,
    .buffer_reserve = buffer_reserve,
    .buffer_free = buffer_free,
    .utf8_sequence = utf8_sequence,
    .charset_normalize = charset_normalize,
    .charset_whatwg = charset_whatwg,
    .detect_format_from_name = detect_format_from_name,
    .source_warn_kind = source_warn_kind,
    .source_skip_kind = source_skip_kind,
    .source_inflation_exceeded = source_inflation_exceeded,
    .source_deliver = source_deliver,
    .source_file_repair = source_file_repair,
    .source_parse_date = source_parse_date,
    .source_date_prefix = source_date_prefix,
    .source_title_from_text = source_title_from_text,
    .source_title_clean = source_title_clean,
    .source_is_space = source_is_space,
    .source_has_text = source_has_text,
    .source_read_whole = source_read_whole,
    .source_read_bytes = source_read_bytes,
    .source_read_content = source_read_content,
    .source_reader_fill = source_reader_fill,
    .source_utf8_valid_prefix = source_utf8_valid_prefix,
    .source_utf8_repair = source_utf8_repair,
    .source_tally_add = source_tally_add,
};

static module_slot readers_slot =
    MODULE_SLOT("indexer", "readers", READERS_MODULE_ENTRY, READERS_MODULE_ABI, &readers_host);

static const readers_module *readers_get(void) { return module_get(&readers_slot); }

/* A file whose reader cannot be loaded ends the build: its documents would
 * otherwise be silently missing from the index. */
static int readers_missing(source_file *file)
{
    return error_set(file->walker->err, readers_slot.failure.code,
                     "%s: reading it needs cops's document readers, which are not installed: %s",
                     file->path, readers_slot.failure.message);
}

#define READERS_FORWARD(function, member)                                                        \
    int function(source_file *file)                                                              \
    {                                                                                            \
        const readers_module *loaded = readers_get();                                            \
        return loaded ? loaded->member(file) : readers_missing(file);                           \
    }

READERS_FORWARD(source_read_html, read_html)
READERS_FORWARD(source_read_pdf, read_pdf)
READERS_FORWARD(source_read_office, read_office)
READERS_FORWARD(source_read_mail, read_mail)
READERS_FORWARD(source_read_archive, read_archive)

/* Without the module there is no libmagic: detect_mime's failure, which
 * charset.c reports once and then treats the bytes as text to guess. */
int detect_mime(detect_magic **magic, const uint8_t *data, size_t length, char *out,
                size_t out_size)
{
    const readers_module *loaded = readers_get();
    if (!loaded) {
        snprintf(out, out_size, "cops's document readers are not installed: %s",
                 readers_slot.failure.message);
        return -1;
    }
    return loaded->detect_mime(magic, data, length, out, out_size);
}

/* Only what detect_mime opened is closed: a walk that never needed
 * libmagic does not load the module to close nothing. */
void detect_magic_close(detect_magic *magic)
{
    if (magic) /* detect_mime made it, so the module is loaded */
        readers_get()->detect_magic_close(magic);
}

/* Without the module (out of memory to load it, or not installed) the
 * guess is the fallback charset_guess itself gives when uchardet has none. */
int charset_guess(const uint8_t *data, size_t length, char name[CHARSET_NAME_MAX])
{
    const readers_module *loaded = readers_get();
    if (loaded)
        return loaded->charset_guess(data, length, name);
    snprintf(name, CHARSET_NAME_MAX, "WINDOWS-1252");
    return 0;
}
