#include "config.h"

#include "indexer/source-internal.h"

/* Plain text: the whole file is one document, stored as read (after UTF-8
 * repair) except for an opening "date ..." line, which becomes the
 * document's date and is kept out of its text, snippets and title.  A
 * date line whose date cannot be read stays in the text (nothing is
 * lost) but is no title. */
int source_read_text(source_file *file)
{
    byte_buffer text = BUFFER_INIT;
    byte_buffer scratch = BUFFER_INIT;
    byte_buffer title = BUFFER_INIT;
    int status = source_read_whole(file, &text);
    if (status != 1)
        goto done;
    status = source_file_repair(file, &text, 0, &scratch);
    buffer_free(&scratch);
    if (status != 0)
        goto done;

    const char *body = (const char *)text.data;
    size_t length = text.length;
    /* A byte order mark is part of the file, not of its first line. */
    size_t skip = length >= 3 && (uint8_t)body[0] == 0xEF && (uint8_t)body[1] == 0xBB &&
                          (uint8_t)body[2] == 0xBF
                      ? 3
                      : 0;
    char date[11];
    size_t prefix = source_date_prefix(body + skip, length - skip, date);
    size_t unread_date_line = prefix ? 0 : source_warn_unread_date(file, body + skip, length - skip);
    body += skip + prefix;
    length -= skip + prefix;
    if (!source_has_text(body, length)) {
        source_skip(file->walker, "%s: no text, skipped", file->path);
        goto done;
    }
    source_title_from_text(body + unread_date_line, length - unread_date_line, &title);
    if (buffer_failed(&title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    source_document document = {
        .path = file->path,
        .line = 0,
        .id = file->path,
        .title = (const char *)title.data,
        .date = prefix ? date : NULL,
        .text = body,
        .text_length = length,
    };
    status = source_deliver(file, &document);

done:
    buffer_free(&text);
    buffer_free(&scratch);
    buffer_free(&title);
    return status;
}
