/*
 * detect.h — what a file is: by its name, by its first bytes, and, only
 * when neither decides, by libmagic (indexer/detect.c).
 *
 * The cheap tests come first so that plain text costs nothing: a known
 * extension, or an opening that is a known signature (%PDF-, PK\3\4,
 * bzip2, xz, zstd, 7-Zip, RAR, ustar, "<!doctype html", "<DOC>", mail
 * headers).  A signature wins over a text extension (a PDF named .txt is
 * a PDF).  libmagic is asked only about bytes that are not UTF-8 text
 * (charset.h) and about a zip of unknown kind (DOCX, ODT, EPUB or a plain
 * archive), with one database loaded per walk, on the walking thread.
 */
#ifndef COPS_INDEXER_DETECT_H
#define COPS_INDEXER_DETECT_H

#include <stddef.h>
#include <stdint.h>

typedef enum source_format {
    FORMAT_SNIFF,      /* the name does not say: look at the content */
    FORMAT_TEXT,
    FORMAT_HTML,
    FORMAT_JSONL,
    FORMAT_TREC,
    FORMAT_PDF,
    FORMAT_OFFICE,     /* DOCX, ODT, EPUB: XML in a zip */
    FORMAT_MAIL,       /* one message (.eml) */
    FORMAT_MBOX,       /* messages after "From " lines */
    FORMAT_ARCHIVE,    /* tar, zip, 7-Zip, RAR, cpio; bzip2, xz, zstd, lzma... */
} source_format;

/* The lower-case name of a format, for summaries and --stats. */
const char *detect_format_name(source_format format);

/* The format an extension names (after a trailing ".gz" is stripped),
 * FORMAT_SNIFF when it names none. */
source_format detect_format_from_name(const char *path);

/* The format a file's first bytes show, given what its name said:
 * signatures of binary formats override `named`; FORMAT_SNIFF names fall
 * back to HTML, TREC, mail or text by the opening. */
source_format detect_format_from_content(source_format named, const uint8_t *data,
                                         size_t length);

/* libmagic, loaded once per walk (NULL until first used). */
typedef struct detect_magic detect_magic;

/* The MIME type and encoding libmagic gives `data` ("text/plain;
 * charset=utf-16le", "application/pdf; charset=binary"...), copied into
 * `out` (at most out_size bytes, NUL-terminated).  *magic is opened on
 * first use.  Returns 0, -1 when libmagic cannot be loaded or answer
 * (`out` then says why), -2 when memory ran out. */
int detect_mime(detect_magic **magic, const uint8_t *data, size_t length, char *out,
                size_t out_size);

/* Close what detect_mime opened; NULL is safe. */
void detect_magic_close(detect_magic *magic);

#endif
