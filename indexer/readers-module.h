/*
 * readers-module.h — the document readers that need heavy libraries, as a
 * module libcops loads.
 *
 * HTML (libxml2, which brings ICU and the C++ runtime), PDF (poppler-glib,
 * opened in turn only at the first PDF: libraries.c), DOCX/ODT/EPUB
 * (libarchive + libxml2), e-mail (GMime, likewise opened at the first
 * message), archives and compressed files (libarchive), file types by
 * libmagic (detect-magic.c) and encoding guesses by uchardet
 * (charset-guess.c): linked into libcops, these libraries were mapped by
 * every program, cops-query included, and took most of its start-up.  So
 * they live in one module, readers.so, loaded (once, never unloaded;
 * base/module.h says from where) by readers-load.c the first time a build
 * needs one of them.  Plain UTF-8 text, JSON Lines and TREC never load it.
 *
 * One module rather than one per library: a build that meets one of these
 * files usually meets others, the readers call each other (an archive's
 * members are any format, mail holds HTML, an office file is a zip), and
 * every extra module is another host table to keep in step.
 *
 * As the Xapian engine's (xapian/xapian-module.h), the module reaches
 * libcops only through the table it is handed: linked with -no-undefined,
 * it needs nothing but libc and its libraries, and libcops exports nothing
 * for it.  readers-module.c forwards each function below through the
 * table; a new call from a reader into libcops is a new member here, a new
 * forward there and a new line in readers-load.c.  Readers and walker
 * share struct layouts (source_file, byte_buffer), so both sides compare
 * READERS_MODULE_ABI.
 */
#ifndef COPS_INDEXER_READERS_MODULE_H
#define COPS_INDEXER_READERS_MODULE_H

#include "base/buffer.h"
#include "base/module.h"
#include "base/utf8.h"
#include "indexer/charset.h"
#include "indexer/detect.h"
#include "indexer/source-internal.h"

/* Bump the number when the table or a shared struct changes without a
 * version change (a development build). */
#define READERS_MODULE_ABI "cops " PACKAGE_VERSION " readers-module 6"

/* The one symbol the module exports (a module_entry of base/module.h,
 * handed a readers_module_host, offering a readers_module). */
#define READERS_MODULE_ENTRY "cops_readers_module"

/* What libcops lends the readers (signatures from their own headers). */
typedef struct readers_module_host {
    __typeof__(buffer_append) *buffer_append;
    __typeof__(buffer_append_byte) *buffer_append_byte;
    __typeof__(buffer_reserve) *buffer_reserve;
    __typeof__(buffer_free) *buffer_free;
    __typeof__(utf8_sequence) *utf8_sequence;
    __typeof__(charset_normalize) *charset_normalize;
    __typeof__(charset_whatwg) *charset_whatwg;
    __typeof__(detect_format_from_name) *detect_format_from_name;
    __typeof__(source_warn_kind) *source_warn_kind;
    __typeof__(source_skip_kind) *source_skip_kind;
    __typeof__(source_inflation_exceeded) *source_inflation_exceeded;
    __typeof__(source_deliver) *source_deliver;
    __typeof__(source_file_repair) *source_file_repair;
    __typeof__(source_parse_date) *source_parse_date;
    __typeof__(source_date_prefix) *source_date_prefix;
    __typeof__(source_title_from_text) *source_title_from_text;
    __typeof__(source_title_clean) *source_title_clean;
    __typeof__(source_is_space) *source_is_space;
    __typeof__(source_has_text) *source_has_text;
    __typeof__(source_read_whole) *source_read_whole;
    __typeof__(source_read_bytes) *source_read_bytes;
    __typeof__(source_read_content) *source_read_content;
    __typeof__(source_reader_fill) *source_reader_fill;
    __typeof__(source_utf8_valid_prefix) *source_utf8_valid_prefix;
    __typeof__(source_utf8_repair) *source_utf8_repair;
    __typeof__(source_tally_add) *source_tally_add;
} readers_module_host;

/* What the module offers: the readers and the two detectors. */
typedef struct readers_module {
    __typeof__(source_read_html) *read_html;
    __typeof__(source_read_pdf) *read_pdf;
    __typeof__(source_read_office) *read_office;
    __typeof__(source_read_mail) *read_mail;
    __typeof__(source_read_archive) *read_archive;
    __typeof__(detect_mime) *detect_mime;
    __typeof__(detect_magic_close) *detect_magic_close;
    __typeof__(charset_guess) *charset_guess;
} readers_module;

#endif
