#include "config.h"

#include "indexer/source-internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct jsonl_fields {
    const char *id;
    const char *title;
    const char *text;
    const char *date;
    int text_falls_back_to_body;
} jsonl_fields;

typedef struct jsonl_state {
    source_file *file;
    jsonl_fields fields;
    byte_buffer line;
    byte_buffer scratch;
    byte_buffer id;
    byte_buffer title;
} jsonl_state;

/* The record's identifier: a string or number id field, else "path:line". */
static void jsonl_identify(jsonl_state *state, json_t *record, uint64_t line_number)
{
    char number[64];
    const char *id = NULL;
    json_t *value = json_object_get(record, state->fields.id);
    if (json_is_string(value) && json_string_length(value) > 0) {
        id = json_string_value(value);
    } else if (json_is_integer(value)) {
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        id = number;
    } else if (json_is_real(value)) {
        snprintf(number, sizeof number, "%.17g", json_real_value(value));
        id = number;
    }
    buffer_reset(&state->id);
    if (id) {
        buffer_append(&state->id, id, strlen(id));
    } else {
        snprintf(number, sizeof number, ":%llu", (unsigned long long)line_number);
        buffer_append(&state->id, state->file->path, strlen(state->file->path));
        buffer_append(&state->id, number, strlen(number));
    }
    buffer_append_byte(&state->id, 0);
}

/* Turn one non-blank line into a document; returns 0, the caller's stop
 * value or COPS_ENOMEM. */
static int jsonl_record(jsonl_state *state, uint64_t line_number)
{
    source_file *file = state->file;
    json_error_t error;
    json_t *record = json_loadb((const char *)state->line.data, state->line.length, 0, &error);
    if (!record) {
        source_skip(file->walker, "%s:%llu: invalid JSON: %s", file->path,
                    (unsigned long long)line_number, error.text);
        return 0;
    }
    int status = 0;
    if (!json_is_object(record)) {
        source_skip(file->walker, "%s:%llu: not a JSON object, skipped", file->path,
                    (unsigned long long)line_number);
        goto done;
    }
    json_t *text = json_object_get(record, state->fields.text);
    if (!text && state->fields.text_falls_back_to_body)
        text = json_object_get(record, "body");
    if (!json_is_string(text)) {
        source_skip(file->walker, "%s:%llu: no string field \"%s\", skipped", file->path,
                    (unsigned long long)line_number, state->fields.text);
        goto done;
    }
    const char *body = json_string_value(text);
    size_t body_length = json_string_length(text);
    if (!source_has_text(body, body_length)) {
        source_skip(file->walker, "%s:%llu: no text, skipped", file->path,
                    (unsigned long long)line_number);
        goto done;
    }

    jsonl_identify(state, record, line_number);
    json_t *title = json_object_get(record, state->fields.title);
    if (json_is_string(title) && json_string_length(title) > 0)
        source_title_clean(json_string_value(title), json_string_length(title), &state->title);
    else
        source_title_from_text(body, body_length, &state->title);
    char date[11];
    json_t *date_value = json_object_get(record, state->fields.date);
    int has_date = json_is_string(date_value) &&
                   source_parse_date(json_string_value(date_value),
                                     json_string_length(date_value), date);
    if (buffer_failed(&state->id) || buffer_failed(&state->title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    source_document document = {
        .path = file->path,
        .line = line_number,
        .id = (const char *)state->id.data,
        .title = (const char *)state->title.data,
        .date = has_date ? date : NULL,
        .text = body,
        .text_length = body_length,
    };
    status = source_deliver(file, &document);

done:
    json_decref(record);
    return status;
}

int source_read_jsonl(source_file *file)
{
    const source_options *options = file->walker->options;
    size_t limit = file->walker->max_document_bytes;
    jsonl_state state;
    memset(&state, 0, sizeof state);
    state.file = file;
    state.fields.id = options->id_field ? options->id_field : "id";
    state.fields.title = options->title_field ? options->title_field : "title";
    state.fields.text = options->text_field ? options->text_field : "text";
    state.fields.date = options->date_field ? options->date_field : "date";
    state.fields.text_falls_back_to_body = options->text_field == NULL;

    uint64_t line_number = 0;
    int status = 0;
    for (;;) {
        size_t length;
        uint64_t offset;
        int got = source_reader_read_line(&file->reader, &state.line, limit, &length, &offset);
        if (got < 0) {
            source_report_damage(file);
            break;
        }
        if (got == 0)
            break;
        line_number++;
        if (buffer_failed(&state.line)) {
            status = COPS_ENOMEM;
            break;
        }
        if (length > limit) {
            source_skip(file->walker,
                        "%s:%llu: document of %zu bytes larger than %zu bytes, skipped",
                        file->path, (unsigned long long)line_number, length, limit);
            continue;
        }
        if (state.line.length > 0 && state.line.data[state.line.length - 1] == '\r')
            state.line.length--;
        if (line_number == 1 && state.line.length >= 3 && state.line.data[0] == 0xEF &&
            state.line.data[1] == 0xBB && state.line.data[2] == 0xBF) {
            memmove(state.line.data, state.line.data + 3, state.line.length - 3);
            state.line.length -= 3;
            offset += 3;
        }
        if (!source_has_text((const char *)state.line.data, state.line.length))
            continue;
        status = source_file_repair(file, &state.line, offset, &state.scratch);
        if (status == 0)
            status = jsonl_record(&state, line_number);
        if (status != 0)
            break;
    }
    buffer_free(&state.line);
    buffer_free(&state.scratch);
    buffer_free(&state.id);
    buffer_free(&state.title);
    return status;
}
