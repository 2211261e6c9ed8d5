#include "config.h"

#include "indexer/source-internal.h"

#include "indexer/json-scan.h"

#include <stdio.h>
#include <string.h>

/* Slots of the scanner's fields; BODY is looked for only when no text
 * field name was given. */
enum { FIELD_ID, FIELD_TITLE, FIELD_TEXT, FIELD_DATE, FIELD_BODY };

typedef struct jsonl_state {
    source_file *file;
    const char *text_name;
    json_scan scan;
    byte_buffer line;
    byte_buffer scratch;
    byte_buffer id;
    byte_buffer title;
} jsonl_state;

/* The record's identifier: a non-empty string or a number (printed as
 * jansson, the previous parser, printed them), else "path:line". */
static void jsonl_identify(jsonl_state *state, uint64_t line_number)
{
    char number[64];
    const json_scan_field *field = &state->scan.fields[FIELD_ID];
    const char *id = NULL;
    size_t id_length = 0;
    if (field->kind == JSON_SCAN_STRING && field->value.length > 0) {
        id = (const char *)field->value.data;
        id_length = field->value.length;
    } else if (field->kind == JSON_SCAN_INTEGER) {
        snprintf(number, sizeof number, "%lld", field->integer);
        id = number;
        id_length = strlen(number);
    } else if (field->kind == JSON_SCAN_REAL) {
        snprintf(number, sizeof number, "%.17g", field->real);
        id = number;
        id_length = strlen(number);
    }
    buffer_reset(&state->id);
    if (id) {
        buffer_append(&state->id, id, id_length);
    } else {
        snprintf(number, sizeof number, ":%llu", (unsigned long long)line_number);
        buffer_append(&state->id, state->file->path, strlen(state->file->path));
        buffer_append(&state->id, number, strlen(number));
    }
    buffer_append_byte(&state->id, 0);
}

/* Turn one non-blank line into a document; `column_base` is the number of
 * bytes removed from the line's start (a BOM), so reported columns are
 * the file's.  Returns 0, the caller's stop value or COPS_ENOMEM. */
static int jsonl_record(jsonl_state *state, uint64_t line_number, size_t column_base)
{
    source_file *file = state->file;
    json_scan *scan = &state->scan;
    int valid = json_scan_text(scan, state->line.data, state->line.length);
    if (valid < 0)
        return COPS_ENOMEM;
    if (!valid) {
        source_skip(file->walker, "%s:%llu: invalid JSON: %s at column %zu", file->path,
                    (unsigned long long)line_number, scan->error_detail,
                    scan->error_offset + 1 + column_base);
        return 0;
    }
    if (!scan->is_object) {
        source_skip(file->walker, "%s:%llu: not a JSON object, skipped", file->path,
                    (unsigned long long)line_number);
        return 0;
    }
    const json_scan_field *text = &scan->fields[FIELD_TEXT];
    if (text->kind == JSON_SCAN_ABSENT && scan->field_count > FIELD_BODY)
        text = &scan->fields[FIELD_BODY];
    if (text->kind != JSON_SCAN_STRING) {
        source_skip(file->walker, "%s:%llu: no string field \"%s\", skipped", file->path,
                    (unsigned long long)line_number, state->text_name);
        return 0;
    }
    const char *body = (const char *)text->value.data;
    size_t body_length = text->value.length;
    if (!source_has_text(body, body_length)) {
        source_skip(file->walker, "%s:%llu: no text, skipped", file->path,
                    (unsigned long long)line_number);
        return 0;
    }

    jsonl_identify(state, line_number);
    const json_scan_field *title = &scan->fields[FIELD_TITLE];
    /* A record without a title has none: deriving one from the first line
     * (as for a .txt file) scored the opening words twice, and a record's
     * first line is often a wrapped fragment, not a heading (NPL, TIME:
     * bench/RELEVANCE.md, "Derived titles"). */
    if (title->kind == JSON_SCAN_STRING)
        source_title_clean((const char *)title->value.data, title->value.length, &state->title);
    else
        source_title_clean("", 0, &state->title);
    char date[11];
    const json_scan_field *date_value = &scan->fields[FIELD_DATE];
    int has_date = date_value->kind == JSON_SCAN_STRING &&
                   source_parse_date((const char *)date_value->value.data,
                                     date_value->value.length, date);
    if (!has_date && date_value->kind == JSON_SCAN_STRING &&
        source_has_text((const char *)date_value->value.data, date_value->value.length))
        source_warn(file->walker, "%s:%llu: cannot read the date '%.*s', indexed without one",
                    file->path, (unsigned long long)line_number,
                    (int)(date_value->value.length < 80 ? date_value->value.length : 80),
                    (const char *)date_value->value.data);
    if (buffer_failed(&state->id) || buffer_failed(&state->title))
        return COPS_ENOMEM;
    source_document document = {
        .path = file->path,
        .line = line_number,
        .id = (const char *)state->id.data,
        .title = (const char *)state->title.data,
        .date = has_date ? date : NULL,
        .text = body,
        .text_length = body_length,
    };
    return source_deliver(file, &document);
}

int source_read_jsonl(source_file *file)
{
    const source_options *options = file->walker->options;
    size_t limit = file->walker->max_document_bytes;
    jsonl_state state;
    memset(&state, 0, sizeof state);
    state.file = file;
    const char *names[] = {
        [FIELD_ID] = options->id_field ? options->id_field : "id",
        [FIELD_TITLE] = options->title_field ? options->title_field : "title",
        [FIELD_TEXT] = options->text_field ? options->text_field : "text",
        [FIELD_DATE] = options->date_field ? options->date_field : "date",
        [FIELD_BODY] = "body",
    };
    state.text_name = names[FIELD_TEXT];
    json_scan_init(&state.scan, names, options->text_field ? FIELD_BODY : FIELD_BODY + 1);

    uint64_t line_number = file->first_line;
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
        size_t column_base = 0;
        if (line_number == 1 && state.line.length >= 3 && state.line.data[0] == 0xEF &&
            state.line.data[1] == 0xBB && state.line.data[2] == 0xBF) {
            memmove(state.line.data, state.line.data + 3, state.line.length - 3);
            state.line.length -= 3;
            offset += 3;
            column_base = 3;
        }
        if (!source_has_text((const char *)state.line.data, state.line.length))
            continue;
        status = source_file_repair(file, &state.line, offset, &state.scratch);
        if (status == 0)
            status = jsonl_record(&state, line_number, column_base);
        if (status != 0)
            break;
    }
    buffer_free(&state.line);
    buffer_free(&state.scratch);
    buffer_free(&state.id);
    buffer_free(&state.title);
    json_scan_free(&state.scan);
    return status;
}
