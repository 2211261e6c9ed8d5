/*
 * html-module.h — the HTML reader as a module libcops loads.
 *
 * The HTML reader (source-html.c) needs libxml2, which brings ICU, its
 * 30 MB data file and the C++ runtime: linked into libcops, they were
 * mapped by every program, cops-query included, and took most of its
 * start-up.  So the reader is a module of its own, html.so, loaded (once,
 * never unloaded; base/module.h says from where) by source-html-load.c
 * the first time a build meets an HTML page.
 *
 * As the Xapian engine's (xapian/xapian-module.h), the module reaches
 * libcops only through the table it is handed: linked with --no-undefined
 * (MODULE_LDFLAGS, where the toolchain allows it),
 * it needs nothing but libc and libxml2, and libcops exports nothing for
 * it.  html-module.c forwards each function below through the table; a
 * new call from source-html.c into libcops is a new member here and a new
 * forward there.  Reader and walker share struct layouts (source_file,
 * byte_buffer), so both sides compare HTML_MODULE_ABI.
 */
#ifndef COPS_INDEXER_HTML_MODULE_H
#define COPS_INDEXER_HTML_MODULE_H

#include "base/buffer.h"
#include "base/module.h"
#include "indexer/source-internal.h"

/* Bump the number when the table or a shared struct changes without a
 * version change (a development build). */
#define HTML_MODULE_ABI "cops " PACKAGE_VERSION " html-module 1"

/* The one symbol the module exports (a module_entry of base/module.h,
 * handed an html_module_host, offering an html_module). */
#define HTML_MODULE_ENTRY "cops_html_module"

/* What libcops lends the reader (signatures from their own headers). */
typedef struct html_module_host {
    __typeof__(buffer_append) *buffer_append;
    __typeof__(buffer_append_byte) *buffer_append_byte;
    __typeof__(buffer_free) *buffer_free;
    __typeof__(source_warn) *source_warn;
    __typeof__(source_skip) *source_skip;
    __typeof__(source_deliver) *source_deliver;
    __typeof__(source_file_repair) *source_file_repair;
    __typeof__(source_parse_date) *source_parse_date;
    __typeof__(source_date_prefix) *source_date_prefix;
    __typeof__(source_title_from_text) *source_title_from_text;
    __typeof__(source_title_clean) *source_title_clean;
    __typeof__(source_is_space) *source_is_space;
    __typeof__(source_has_text) *source_has_text;
    __typeof__(source_read_whole) *source_read_whole;
} html_module_host;

/* What the module offers: the reader of source-html.c. */
typedef struct html_module {
    __typeof__(source_read_html) *read;
} html_module;

#endif
