#include "config.h"

#include "indexer/source-internal.h"

/* Plain text: the whole file is one document, stored as read (after UTF-8
 * repair); the title and date are derived from its opening. */
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
    if (!source_has_text(body + skip, length - skip)) {
        source_skip(file->walker, "%s: no text, skipped", file->path);
        goto done;
    }
    char date[11];
    size_t prefix = source_date_prefix(body + skip, length - skip, date);
    source_title_from_text(body + skip + prefix, length - skip - prefix, &title);
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
