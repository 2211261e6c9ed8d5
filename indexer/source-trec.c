#include "config.h"

#include "indexer/source-internal.h"

#include <string.h>
#include <strings.h>

#define TREC_NOT_FOUND ((size_t)-1)

typedef enum trec_position {
    TREC_OUTSIDE,  /* between documents */
    TREC_INSIDE,   /* after a <DOC>, gathering its body */
    TREC_OVERSIZE  /* in a document too large to keep, looking for its end */
} trec_position;

typedef struct trec_state {
    source_file *file;
    trec_position position;
    /* Unprocessed input is pending.data[head, length). */
    byte_buffer pending;
    size_t head;
    uint64_t head_line;   /* 1-based line of pending.data[head] */
    uint64_t head_offset; /* file offset of pending.data[head] */
    uint64_t document_line;
    size_t search_from;   /* bytes after head already searched for tags */
    byte_buffer body;
    byte_buffer scratch;
    byte_buffer text;
    byte_buffer title;
    byte_buffer id;
} trec_state;

/* Offset of the first case-insensitive `tag` in data[from, length). */
static size_t trec_find(const uint8_t *data, size_t length, size_t from, const char *tag)
{
    size_t tag_length = strlen(tag);
    while (from + tag_length <= length) {
        const uint8_t *open = memchr(data + from, '<', length - from);
        if (!open)
            return TREC_NOT_FOUND;
        size_t at = (size_t)(open - data);
        if (at + tag_length > length)
            return TREC_NOT_FOUND;
        if (strncasecmp((const char *)data + at, tag, tag_length) == 0)
            return at;
        from = at + 1;
    }
    return TREC_NOT_FOUND;
}

static void trec_advance(trec_state *state, size_t count)
{
    if (count == 0)
        return;
    const uint8_t *at = state->pending.data + state->head;
    const uint8_t *end = at + count;
    while ((at = memchr(at, '\n', (size_t)(end - at))) != NULL) {
        state->head_line++;
        at++;
    }
    state->head += count;
    state->head_offset += count;
}

/* Append more input to pending; returns 1, or 0 at the end of the data. */
static int trec_refill(trec_state *state)
{
    source_reader *reader = &state->file->reader;
    if (!source_reader_fill(reader))
        return 0;
    if (state->head > 0) {
        size_t kept = state->pending.length - state->head;
        memmove(state->pending.data, state->pending.data + state->head, kept);
        state->pending.length = kept;
        state->head = 0;
    }
    source_reader_take(reader, reader->end - reader->start, &state->pending);
    return 1;
}

/* Whether `data` opens a tag rather than being a lone '<'. */
static int trec_is_tag(const uint8_t *data, size_t length)
{
    if (length < 2 || data[0] != '<')
        return 0;
    uint8_t next = data[1];
    return next == '/' || next == '!' || next == '?' || (next >= 'A' && next <= 'Z') ||
           (next >= 'a' && next <= 'z');
}

/* Append data[start, end) without its tags to `out`; a tag between two
 * words keeps them apart. */
static void trec_strip_tags(const uint8_t *data, size_t start, size_t end, byte_buffer *out,
                            int *pending_gap)
{
    size_t at = start;
    while (at < end) {
        if (trec_is_tag(data + at, end - at)) {
            const uint8_t *close = memchr(data + at, '>', end - at);
            if (close) {
                *pending_gap = 1;
                at = (size_t)(close - data) + 1;
                continue;
            }
        }
        uint8_t byte = data[at++];
        if (*pending_gap && !source_is_space(byte) && out->length > 0 &&
            !source_is_space(out->data[out->length - 1]))
            buffer_append_byte(out, ' ');
        *pending_gap = 0;
        buffer_append_byte(out, byte);
    }
}

/* The content of the first <tag>…</tag> element, as [*start, *end). */
static int trec_element(const uint8_t *data, size_t length, const char *open_tag,
                        const char *close_tag, size_t *start, size_t *end)
{
    size_t open = trec_find(data, length, 0, open_tag);
    if (open == TREC_NOT_FOUND)
        return 0;
    size_t content = open + strlen(open_tag);
    size_t close = trec_find(data, length, content, close_tag);
    if (close == TREC_NOT_FOUND)
        return 0;
    *start = content;
    *end = close;
    return 1;
}

static void trec_title(trec_state *state, const uint8_t *data, size_t length)
{
    size_t start, end;
    buffer_reset(&state->title);
    if (!trec_element(data, length, "<HEADLINE>", "</HEADLINE>", &start, &end) &&
        !trec_element(data, length, "<TITLE>", "</TITLE>", &start, &end))
        return;
    byte_buffer stripped = BUFFER_INIT;
    int gap = 0;
    trec_strip_tags(data, start, end, &stripped, &gap);
    if (buffer_failed(&stripped))
        state->title.failed = 1;
    else
        source_title_clean((const char *)stripped.data, stripped.length, &state->title);
    buffer_free(&stripped);
}

/* A part of a record kept out of its text: an element such as <DOCNO>,
 * as [open, close) including its tags. */
typedef struct trec_span {
    size_t open, close;
} trec_span;

/* The element `name` (its content as [*start, *end)) with its tags as
 * *span, or 0 when the record has none. */
static int trec_tagged(const uint8_t *data, size_t length, const char *name, size_t *start,
                       size_t *end, trec_span *span)
{
    char open_tag[32], close_tag[32];
    snprintf(open_tag, sizeof open_tag, "<%s>", name);
    snprintf(close_tag, sizeof close_tag, "</%s>", name);
    if (!trec_element(data, length, open_tag, close_tag, start, end))
        return 0;
    span->open = *start - strlen(open_tag);
    span->close = *end + strlen(close_tag);
    return 1;
}

/* The record's <DATE> or <DATE_TIME> element as *span: 0 when it has
 * none, else 1 with *dated saying whether `date` was read from it (if
 * not, a warning names the file, line and value; the element stays out
 * of the text either way). */
static int trec_date_element(trec_state *state, const uint8_t *body, size_t length,
                             trec_span *span, char date[11], int *dated)
{
    size_t start, end;
    if (!trec_tagged(body, length, "DATE", &start, &end, span) &&
        !trec_tagged(body, length, "DATE_TIME", &start, &end, span))
        return 0;
    byte_buffer value = BUFFER_INIT;
    int gap = 0;
    trec_strip_tags(body, start, end, &value, &gap);
    int read = !buffer_failed(&value) &&
               source_parse_date((const char *)value.data, value.length, date);
    if (!read && !buffer_failed(&value)) {
        size_t from = 0, to = value.length;
        while (from < to && source_is_space(value.data[from]))
            from++;
        while (to > from && source_is_space(value.data[to - 1]))
            to--;
        source_warn(state->file->walker, "%s:%llu: cannot read the date '%.*s', indexed without one",
                    state->file->path, (unsigned long long)state->document_line,
                    (int)(to - from < 80 ? to - from : 80), (const char *)value.data + from);
    }
    buffer_free(&value);
    *dated = read;
    return 1;
}

/* The record's text into state->text: body[0, length) without its tags
 * and without the spans `skip` (sorted, not overlapping).  Returns the
 * text with the white space around it trimmed, NUL-terminated, or NULL
 * when out of memory. */
static char *trec_text(trec_state *state, const uint8_t *body, size_t length,
                       const trec_span *skip, size_t skip_count, size_t *text_length)
{
    buffer_reset(&state->text);
    int gap = 0;
    size_t from = 0;
    for (size_t i = 0; i < skip_count; i++) {
        trec_strip_tags(body, from, skip[i].open, &state->text, &gap);
        gap = 1;
        from = skip[i].close;
    }
    trec_strip_tags(body, from, length, &state->text, &gap);
    buffer_append_byte(&state->text, 0);
    if (buffer_failed(&state->text))
        return NULL;
    state->text.length--;
    char *text = (char *)state->text.data;
    size_t trimmed = state->text.length;
    while (trimmed > 0 && source_is_space((uint8_t)*text)) {
        text++;
        trimmed--;
    }
    while (trimmed > 0 && source_is_space((uint8_t)text[trimmed - 1]))
        trimmed--;
    text[trimmed] = '\0';
    *text_length = trimmed;
    return text;
}

/* Deliver the document whose body (between <DOC> and </DOC>) is
 * data[0, length), found at file offset `offset`.  Its <DOCNO> names it
 * and its date (a <DATE> or <DATE_TIME> element, else an opening "date
 * ..." line) dates it: neither is part of its text, title or snippets. */
static int trec_document(trec_state *state, const uint8_t *data, size_t length, uint64_t offset)
{
    source_file *file = state->file;
    unsigned long long line = (unsigned long long)state->document_line;
    buffer_reset(&state->body);
    buffer_append(&state->body, data, length);
    int status = source_file_repair(file, &state->body, offset, &state->scratch);
    if (status != 0)
        return status;
    const uint8_t *body = state->body.data;
    length = state->body.length;

    size_t id_start, id_end;
    trec_span skip[2];
    if (!trec_tagged(body, length, "DOCNO", &id_start, &id_end, &skip[0])) {
        source_skip(file->walker, "%s:%llu: <DOC> without <DOCNO>, skipped", file->path, line);
        return 0;
    }
    while (id_start < id_end && source_is_space(body[id_start]))
        id_start++;
    while (id_end > id_start && source_is_space(body[id_end - 1]))
        id_end--;
    if (id_start == id_end) {
        source_skip(file->walker, "%s:%llu: empty <DOCNO>, skipped", file->path, line);
        return 0;
    }
    buffer_reset(&state->id);
    buffer_append(&state->id, body + id_start, id_end - id_start);
    buffer_append_byte(&state->id, 0);
    if (buffer_failed(&state->id))
        return COPS_ENOMEM;

    char date[11];
    size_t skip_count = 1;
    int dated = 0;
    if (trec_date_element(state, body, length, &skip[1], date, &dated)) {
        if (skip[1].open < skip[0].open) {
            trec_span first = skip[1];
            skip[1] = skip[0];
            skip[0] = first;
        }
        /* Elements inside one another (a <DATE> in the <DOCNO>): the
         * outer one alone is left out. */
        skip_count = skip[0].close <= skip[1].open ? 2 : 1;
    }
    size_t text_length;
    char *text = trec_text(state, body, length, skip, skip_count, &text_length);
    if (!text)
        return COPS_ENOMEM;
    size_t prefix = 0;
    if (!dated && (prefix = source_date_prefix(text, text_length, date)) > 0) {
        dated = 1;
        text += prefix;
        text_length -= prefix;
        while (text_length > 0 && source_is_space((uint8_t)*text))
            text++, text_length--;
    }
    if (text_length == 0) {
        source_skip(file->walker, "%s:%llu: document %s has no text, skipped", file->path, line,
                    (const char *)state->id.data);
        return 0;
    }

    trec_title(state, body, length);
    if (!buffer_failed(&state->title) && state->title.length == 0)
        source_title_from_text(text, text_length, &state->title);
    if (buffer_failed(&state->title))
        return COPS_ENOMEM;

    source_document document = {
        .path = file->path,
        .line = state->document_line,
        .id = (const char *)state->id.data,
        .title = (const char *)state->title.data,
        .date = dated ? date : NULL,
        .text = text,
        .text_length = text_length,
    };
    return source_deliver(file, &document);
}

static int trec_scan(trec_state *state)
{
    source_file *file = state->file;
    size_t limit = file->walker->max_document_bytes;
    for (;;) {
        /* An empty buffer has no data pointer: no arithmetic on NULL. */
        const uint8_t *data = state->pending.data ? state->pending.data + state->head
                                                  : (const uint8_t *)"";
        size_t available = state->pending.length - state->head;
        if (state->position == TREC_OUTSIDE) {
            size_t open = trec_find(data, available, 0, "<DOC>");
            if (open != TREC_NOT_FOUND) {
                trec_advance(state, open);
                state->document_line = state->head_line;
                trec_advance(state, strlen("<DOC>"));
                state->position = TREC_INSIDE;
                state->search_from = 0;
                continue;
            }
            /* Keep a tail that may be the start of a split "<DOC>". */
            size_t keep = available < 4 ? available : 4;
            trec_advance(state, available - keep);
        } else {
            size_t close = trec_find(data, available, state->search_from, "</DOC>");
            size_t open = trec_find(data, available, state->search_from, "<DOC>");
            if (open != TREC_NOT_FOUND && (close == TREC_NOT_FOUND || open < close)) {
                if (state->position == TREC_INSIDE)
                    source_skip(file->walker, "%s:%llu: <DOC> without </DOC>, skipped",
                                file->path, (unsigned long long)state->document_line);
                trec_advance(state, open);
                state->position = TREC_OUTSIDE;
                continue;
            }
            if (close != TREC_NOT_FOUND) {
                int status = 0;
                if (state->position == TREC_INSIDE && close > limit)
                    source_skip(file->walker, "%s:%llu: document larger than %zu bytes, skipped",
                                file->path, (unsigned long long)state->document_line, limit);
                else if (state->position == TREC_INSIDE)
                    status = trec_document(state, data, close, state->head_offset);
                trec_advance(state, close + strlen("</DOC>"));
                state->position = TREC_OUTSIDE;
                if (status != 0)
                    return status;
                continue;
            }
            if (state->position == TREC_INSIDE && available > limit) {
                source_skip(file->walker, "%s:%llu: document larger than %zu bytes, skipped",
                            file->path, (unsigned long long)state->document_line, limit);
                state->position = TREC_OVERSIZE;
            }
            if (state->position == TREC_OVERSIZE) {
                size_t keep = available < 5 ? available : 5;
                trec_advance(state, available - keep);
                state->search_from = 0;
            } else {
                state->search_from = available < 5 ? 0 : available - 5;
            }
        }
        if (!trec_refill(state))
            break;
        if (buffer_failed(&state->pending))
            return COPS_ENOMEM;
    }
    if (file->reader.damaged)
        source_report_damage(file);
    else if (state->position == TREC_INSIDE)
        source_skip(file->walker, "%s:%llu: <DOC> without </DOC>, skipped", file->path,
                    (unsigned long long)state->document_line);
    return 0;
}

/* TREC collections: many <DOC>…</DOC> records per file, streamed so only
 * one document is held at a time. */
int source_read_trec(source_file *file)
{
    trec_state state;
    memset(&state, 0, sizeof state);
    state.file = file;
    state.head_line = 1;
    int status = trec_scan(&state);
    buffer_free(&state.pending);
    buffer_free(&state.body);
    buffer_free(&state.scratch);
    buffer_free(&state.text);
    buffer_free(&state.title);
    buffer_free(&state.id);
    return status;
}
