/*
 * source-html-load.c — source_read_html in libcops: the HTML reader lives
 * in a module (html-module.h), loaded the first time a page is read.
 */
#include "config.h"

#include "base/error.h"
#include "base/module.h"
#include "indexer/html-module.h"

/* What the reader may call in libcops (html-module.h). */
static const html_module_host html_host = {
    .buffer_append = buffer_append,
    .buffer_append_byte = buffer_append_byte,
    .buffer_free = buffer_free,
    .source_warn = source_warn,
    .source_skip = source_skip,
    .source_deliver = source_deliver,
    .source_file_repair = source_file_repair,
    .source_parse_date = source_parse_date,
    .source_date_prefix = source_date_prefix,
    .source_title_from_text = source_title_from_text,
    .source_title_clean = source_title_clean,
    .source_is_space = source_is_space,
    .source_has_text = source_has_text,
    .source_read_whole = source_read_whole,
};

static module_slot html_slot =
    MODULE_SLOT("indexer", "html", HTML_MODULE_ENTRY, HTML_MODULE_ABI, &html_host);

/* A page when the reader cannot be loaded ends the build: its documents
 * would otherwise be silently missing from the index. */
int source_read_html(source_file *file)
{
    const html_module *reader = module_get(&html_slot);
    if (reader)
        return reader->read(file);
    return error_set(file->walker->err, html_slot.failure.code,
                     "%s: HTML pages need cops's HTML reader, which is not installed: %s",
                     file->path, html_slot.failure.message);
}
