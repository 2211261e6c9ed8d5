/*
 * detect.c — file types by name, signature and libmagic: see detect.h.
 */
#include "config.h"

#include "indexer/detect.h"

#include <errno.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct detect_magic {
    magic_t cookie;
};

const char *detect_format_name(source_format format)
{
    static const char *const names[] = {
        [FORMAT_SNIFF] = "text", [FORMAT_TEXT] = "text",   [FORMAT_HTML] = "html",
        [FORMAT_JSONL] = "jsonl", [FORMAT_TREC] = "trec",  [FORMAT_PDF] = "pdf",
        [FORMAT_OFFICE] = "office", [FORMAT_MAIL] = "mail", [FORMAT_MBOX] = "mbox",
        [FORMAT_ARCHIVE] = "archive",
    };
    return names[format];
}

static int has_suffix_ci(const char *name, size_t length, const char *suffix)
{
    size_t suffix_length = strlen(suffix);
    return length > suffix_length &&
           strncasecmp(name + length - suffix_length, suffix, suffix_length) == 0;
}

source_format detect_format_from_name(const char *path)
{
    static const struct {
        const char *extension;
        source_format format;
    } known[] = {
        {"txt", FORMAT_TEXT},     {"md", FORMAT_TEXT},       {"text", FORMAT_TEXT},
        {"html", FORMAT_HTML},    {"htm", FORMAT_HTML},      {"xhtml", FORMAT_HTML},
        {"jsonl", FORMAT_JSONL},  {"ndjson", FORMAT_JSONL},  {"trec", FORMAT_TREC},
        {"pdf", FORMAT_PDF},      {"docx", FORMAT_OFFICE},   {"odt", FORMAT_OFFICE},
        {"epub", FORMAT_OFFICE},  {"eml", FORMAT_MAIL},      {"mbox", FORMAT_MBOX},
        {"mbx", FORMAT_MBOX},     {"zip", FORMAT_ARCHIVE},   {"tar", FORMAT_ARCHIVE},
        {"tgz", FORMAT_ARCHIVE},  {"tbz2", FORMAT_ARCHIVE},  {"tbz", FORMAT_ARCHIVE},
        {"txz", FORMAT_ARCHIVE},  {"tzst", FORMAT_ARCHIVE},  {"bz2", FORMAT_ARCHIVE},
        {"xz", FORMAT_ARCHIVE},   {"zst", FORMAT_ARCHIVE},   {"lzma", FORMAT_ARCHIVE},
        {"7z", FORMAT_ARCHIVE},   {"rar", FORMAT_ARCHIVE},   {"cpio", FORMAT_ARCHIVE},
    };
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t length = strlen(name);
    if (has_suffix_ci(name, length, ".gz"))
        length -= 3;
    size_t dot = length;
    while (dot > 0 && name[dot - 1] != '.')
        dot--;
    /* No dot, or only a leading one (".profile"): no extension. */
    if (dot <= 1)
        return FORMAT_SNIFF;
    const char *extension = name + dot;
    size_t extension_length = length - dot;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].extension) == extension_length &&
            strncasecmp(extension, known[i].extension, extension_length) == 0)
            return known[i].format;
    return FORMAT_SNIFF;
}

static int starts_with_ci(const uint8_t *data, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && strncasecmp((const char *)data, prefix, prefix_length) == 0;
}

/* Signatures of the binary formats read by a library. */
static source_format format_from_signature(const uint8_t *data, size_t length)
{
    static const struct {
        const char *bytes;
        size_t length;
        source_format format;
    } signatures[] = {
        {"%PDF-", 5, FORMAT_PDF},
        {"PK\3\4", 4, FORMAT_OFFICE},        /* zip: office or archive, see below */
        {"BZh", 3, FORMAT_ARCHIVE},
        {"\xFD" "7zXZ\0", 6, FORMAT_ARCHIVE},
        {"\x28\xB5\x2F\xFD", 4, FORMAT_ARCHIVE},
        {"7z\xBC\xAF\x27\x1C", 6, FORMAT_ARCHIVE},
        {"Rar!\x1A\x07", 6, FORMAT_ARCHIVE},
    };
    for (size_t i = 0; i < sizeof signatures / sizeof signatures[0]; i++)
        if (length >= signatures[i].length &&
            memcmp(data, signatures[i].bytes, signatures[i].length) == 0)
            return signatures[i].format;
    if (length >= 262 && memcmp(data + 257, "ustar", 5) == 0)
        return FORMAT_ARCHIVE;
    return FORMAT_SNIFF;
}

/* Whether the line at `data` is a mail header field this opening often
 * starts with; returns the length of the line with its '\n', 0 if not. */
static size_t mail_header_line(const uint8_t *data, size_t length)
{
    static const char *const fields[] = {
        "Return-Path:", "Received:", "Delivered-To:", "Message-ID:", "MIME-Version:",
        "From:", "To:", "Cc:", "Subject:", "Date:", "Reply-To:", "Content-Type:", "X-",
    };
    const uint8_t *newline = memchr(data, '\n', length);
    if (!newline)
        return 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (starts_with_ci(data, (size_t)(newline - data), fields[i]))
            return (size_t)(newline - data) + 1;
    return 0;
}

/* A message: two header fields in a row; an mbox: a "From " line then a
 * header field. */
static source_format format_of_mail(const uint8_t *data, size_t length)
{
    if (starts_with_ci(data, length, "From ")) {
        const uint8_t *newline = memchr(data, '\n', length);
        size_t first = newline ? (size_t)(newline - data) + 1 : length;
        return mail_header_line(data + first, length - first) ? FORMAT_MBOX : FORMAT_SNIFF;
    }
    size_t first = mail_header_line(data, length);
    if (first && mail_header_line(data + first, length - first))
        return FORMAT_MAIL;
    return FORMAT_SNIFF;
}

source_format detect_format_from_content(source_format named, const uint8_t *data,
                                         size_t length)
{
    source_format signed_format = format_from_signature(data, length);
    if (signed_format != FORMAT_SNIFF) {
        /* A zip named as an archive is one; else it may be a document. */
        if (signed_format == FORMAT_OFFICE && named == FORMAT_ARCHIVE)
            return FORMAT_ARCHIVE;
        return signed_format;
    }
    if (named != FORMAT_SNIFF)
        return named;
    if (length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        data += 3;
        length -= 3;
    }
    while (length > 0 && (*data == ' ' || (*data >= '\t' && *data <= '\r'))) {
        data++;
        length--;
    }
    if (starts_with_ci(data, length, "<!doctype html") || starts_with_ci(data, length, "<html"))
        return FORMAT_HTML;
    if (starts_with_ci(data, length, "<DOC>"))
        return FORMAT_TREC;
    source_format mail = format_of_mail(data, length);
    return mail != FORMAT_SNIFF ? mail : FORMAT_TEXT;
}

int detect_mime(detect_magic **magic, const uint8_t *data, size_t length, char *out,
                size_t out_size)
{
    if (!*magic) {
        detect_magic *opened = calloc(1, sizeof *opened);
        if (!opened)
            return -2;
        /* No decompression (the walker does that), no looking inside
         * ELF or tar beyond what names the type. */
        opened->cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_NO_CHECK_COMPRESS |
                                    MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
        if (!opened->cookie || magic_load(opened->cookie, NULL) != 0) {
            int out_of_memory = errno == ENOMEM;
            snprintf(out, out_size, "libmagic cannot load its database: %s",
                     opened->cookie && magic_error(opened->cookie) ? magic_error(opened->cookie)
                                                                   : "out of memory");
            if (opened->cookie)
                magic_close(opened->cookie);
            free(opened);
            return out_of_memory ? -2 : -1;
        }
        *magic = opened;
    }
    const char *answer = magic_buffer((*magic)->cookie, data, length);
    if (!answer) {
        if (errno == ENOMEM)
            return -2;
        const char *why = magic_error((*magic)->cookie);
        snprintf(out, out_size, "libmagic: %s", why ? why : "no answer");
        return -1;
    }
    snprintf(out, out_size, "%s", answer);
    return 0;
}

void detect_magic_close(detect_magic *magic)
{
    if (!magic)
        return;
    magic_close(magic->cookie);
    free(magic);
}
