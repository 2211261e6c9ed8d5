/*
 * source-pdf.c — PDF documents through poppler-glib: the text of every
 * page (pages apart by a blank line), the title and creation date from
 * the document's metadata.
 *
 * The file is read whole (max_document_bytes) and handed to poppler from
 * memory; the text gathered stops at max_document_bytes too, so a small
 * PDF whose streams inflate to much more text is cut there with a
 * warning.  A PDF poppler rejects (damaged, encrypted) is one warning and
 * is skipped.  Poppler's own diagnostics (through GLib's log) are not
 * printed.  poppler-glib is opened on the first PDF, not linked (both:
 * libraries.c); when it cannot be, PDFs are skipped with a warning each.
 */
#include "config.h"

#include "indexer/source-internal.h"

#include <poppler.h>
#include <pthread.h>
#include <string.h>

/* The poppler-glib functions used, found once (libraries.c). */
static struct {
    PopplerDocument *(*new_from_bytes)(GBytes *bytes, const char *password, GError **error);
    int (*get_n_pages)(PopplerDocument *document);
    PopplerPage *(*get_page)(PopplerDocument *document, int index);
    char *(*page_get_text)(PopplerPage *page);
    gchar *(*get_title)(PopplerDocument *document);
    GDateTime *(*get_creation_date_time)(PopplerDocument *document);
    GDateTime *(*get_modification_date_time)(PopplerDocument *document);
    char problem[256];  /* why it could not be opened, "" when it was */
} poppler;

static pthread_once_t poppler_once = PTHREAD_ONCE_INIT;

static void poppler_open(void)
{
    static const char *const names[] = {
        "poppler_document_new_from_bytes", "poppler_document_get_n_pages",
        "poppler_document_get_page",       "poppler_page_get_text",
        "poppler_document_get_title",      "poppler_document_get_creation_date_time",
        "poppler_document_get_modification_date_time",
    };
    source_function found[sizeof names / sizeof names[0]];
    if (source_library_open(COPS_POPPLER_LIBRARY, names, sizeof names / sizeof names[0], found,
                            poppler.problem, sizeof poppler.problem) != 0)
        return;
    poppler.new_from_bytes = (PopplerDocument * (*)(GBytes *, const char *, GError **))found[0];
    poppler.get_n_pages = (int (*)(PopplerDocument *))found[1];
    poppler.get_page = (PopplerPage * (*)(PopplerDocument *, int))found[2];
    poppler.page_get_text = (char *(*)(PopplerPage *))found[3];
    poppler.get_title = (gchar * (*)(PopplerDocument *))found[4];
    poppler.get_creation_date_time = (GDateTime * (*)(PopplerDocument *))found[5];
    poppler.get_modification_date_time = (GDateTime * (*)(PopplerDocument *))found[6];
}

/* The creation date (else the modification date) as YYYY-MM-DD. */
static int pdf_date(PopplerDocument *document, char date[11])
{
    GDateTime *when = poppler.get_creation_date_time(document);
    if (!when)
        when = poppler.get_modification_date_time(document);
    if (!when)
        return 0;
    gchar *text = g_date_time_format(when, "%Y-%m-%d");
    g_date_time_unref(when);
    int parsed = text && source_parse_date(text, strlen(text), date);
    g_free(text);
    return parsed;
}

/* Append the text of every page to `text`, cut at `limit` bytes.
 * Returns 1 when it was cut. */
static int pdf_pages(PopplerDocument *document, byte_buffer *text, size_t limit)
{
    int pages = poppler.get_n_pages(document);
    for (int i = 0; i < pages; i++) {
        PopplerPage *page = poppler.get_page(document, i);
        if (!page)
            continue;
        gchar *page_text = poppler.page_get_text(page);
        g_object_unref(page);
        size_t length = page_text ? strlen(page_text) : 0;
        int cut = length + 2 > limit - text->length;
        if (!cut && length > 0) {
            if (text->length > 0)
                buffer_append(text, "\n\n", 2);
            buffer_append(text, page_text, length);
        }
        g_free(page_text);
        if (cut)
            return 1;
    }
    return 0;
}

int source_read_pdf(source_file *file)
{
    byte_buffer raw = BUFFER_INIT, text = BUFFER_INIT, scratch = BUFFER_INIT;
    byte_buffer title = BUFFER_INIT;
    int status = source_read_bytes(file, &raw);
    if (status != 1)
        goto done;
    source_quiet_libraries();
    pthread_once(&poppler_once, poppler_open);
    if (poppler.problem[0]) {
        source_skip(file->walker, "%s: PDF not read: poppler cannot be loaded (%s), skipped",
                    file->path, poppler.problem);
        status = 0;
        goto done;
    }
    GBytes *bytes = g_bytes_new_static(raw.data, raw.length);
    GError *error = NULL;
    PopplerDocument *document = poppler.new_from_bytes(bytes, NULL, &error);
    g_bytes_unref(bytes);
    if (!document) {
        source_skip(file->walker, "%s: PDF that poppler cannot read (%s), skipped", file->path,
                    error && error->message ? error->message : "no reason given");
        g_clear_error(&error);
        status = 0;
        goto done;
    }
    size_t limit = file->walker->max_document_bytes;
    if (pdf_pages(document, &text, limit))
        source_warn(file->walker, "%s: PDF text longer than %zu bytes, cut there", file->path,
                    limit);
    gchar *metadata_title = poppler.get_title(document);
    char date[11];
    int has_date = pdf_date(document, date);
    g_object_unref(document);
    status = source_file_repair(file, &text, 0, &scratch);
    if (status == 0 && !source_has_text((const char *)text.data, text.length)) {
        source_skip(file->walker, "%s: PDF without text (scanned pages?), skipped", file->path);
        g_free(metadata_title);
        goto done;
    }
    if (status == 0) {
        if (metadata_title && source_utf8_valid_prefix((const uint8_t *)metadata_title,
                                                       strlen(metadata_title)) ==
                                  strlen(metadata_title))
            source_title_clean(metadata_title, strlen(metadata_title), &title);
        if (title.length == 0)
            source_title_from_text((const char *)text.data, text.length, &title);
        if (buffer_failed(&title))
            status = COPS_ENOMEM;
    }
    g_free(metadata_title);
    if (status != 0)
        goto done;
    source_document document_out = {
        .path = file->path,
        .id = file->path,
        .title = (const char *)title.data,
        .date = has_date ? date : NULL,
        .text = (const char *)text.data,
        .text_length = text.length,
    };
    status = source_deliver(file, &document_out);

done:
    buffer_free(&raw);
    buffer_free(&text);
    buffer_free(&scratch);
    buffer_free(&title);
    return status;
}
