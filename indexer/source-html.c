#include "config.h"

#include "indexer/html-memory.h"
#include "indexer/source-internal.h"

#include <gumbo.h>
#include <string.h>
#include <strings.h>

/* Visible text gathered from the tree: white space runs collapse to one
 * space, or to one newline when a block boundary falls inside the run. */
typedef struct html_text {
    byte_buffer *out;
    enum { GAP_NONE, GAP_SPACE, GAP_LINE } gap;
} html_text;

static void html_text_append(html_text *text, const char *data, size_t length)
{
    size_t at = 0;
    while (at < length) {
        if (source_is_space((uint8_t)data[at])) {
            if (text->gap == GAP_NONE)
                text->gap = GAP_SPACE;
            at++;
            continue;
        }
        size_t run = at;
        while (run < length && !source_is_space((uint8_t)data[run]))
            run++;
        if (text->gap != GAP_NONE && text->out->length > 0)
            buffer_append_byte(text->out, text->gap == GAP_LINE ? '\n' : ' ');
        text->gap = GAP_NONE;
        buffer_append(text->out, data + at, run - at);
        at = run;
    }
}

static int html_is_hidden(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
        return 1;
    default:
        return 0;
    }
}

static int html_is_block(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BODY: case GUMBO_TAG_BR:
    case GUMBO_TAG_CAPTION: case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HR: case GUMBO_TAG_HTML: case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN: case GUMBO_TAG_NAV: case GUMBO_TAG_OL:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_P: case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TR: case GUMBO_TAG_UL:
        return 1;
    default:
        return 0;
    }
}

static void html_collect(const GumboNode *node, html_text *text)
{
    const GumboVector *children;
    switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
        children = &node->v.document.children;
        break;
    case GUMBO_NODE_ELEMENT: {
        GumboTag tag = node->v.element.tag;
        if (html_is_hidden(tag))
            return;
        int block = html_is_block(tag);
        /* Table cells sit side by side: keep their words apart. */
        int cell = tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH;
        if (block)
            text->gap = GAP_LINE;
        else if (cell && text->gap == GAP_NONE)
            text->gap = GAP_SPACE;
        for (unsigned i = 0; i < node->v.element.children.length; i++)
            html_collect(node->v.element.children.data[i], text);
        if (block)
            text->gap = GAP_LINE;
        else if (cell && text->gap == GAP_NONE)
            text->gap = GAP_SPACE;
        return;
    }
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
    case GUMBO_NODE_WHITESPACE:
        html_text_append(text, node->v.text.text, strlen(node->v.text.text));
        return;
    default: /* comments, and templates, which are never rendered */
        return;
    }
    for (unsigned i = 0; i < children->length; i++)
        html_collect(children->data[i], text);
}

/* The first element with `tag` in document order, or NULL. */
static const GumboNode *html_find(const GumboNode *node, GumboTag tag)
{
    const GumboVector *children;
    if (node->type == GUMBO_NODE_DOCUMENT) {
        children = &node->v.document.children;
    } else if (node->type == GUMBO_NODE_ELEMENT) {
        if (node->v.element.tag == tag)
            return node;
        children = &node->v.element.children;
    } else {
        return NULL;
    }
    for (unsigned i = 0; i < children->length; i++) {
        const GumboNode *found = html_find(children->data[i], tag);
        if (found)
            return found;
    }
    return NULL;
}

/* The date of <meta name="date" content="YYYY-MM-DD...">, if any. */
static int html_meta_date(const GumboNode *node, char date[11])
{
    const GumboVector *children;
    if (node->type == GUMBO_NODE_DOCUMENT) {
        children = &node->v.document.children;
    } else if (node->type == GUMBO_NODE_ELEMENT) {
        if (node->v.element.tag == GUMBO_TAG_META) {
            const GumboAttribute *name = gumbo_get_attribute(&node->v.element.attributes, "name");
            const GumboAttribute *content =
                gumbo_get_attribute(&node->v.element.attributes, "content");
            if (name && content && strcasecmp(name->value, "date") == 0 &&
                source_parse_date(content->value, strlen(content->value), date))
                return 1;
        }
        children = &node->v.element.children;
    } else {
        return 0;
    }
    for (unsigned i = 0; i < children->length; i++)
        if (html_meta_date(children->data[i], date))
            return 1;
    return 0;
}

/* The collapsed text inside `element` (used for <title> and <h1>). */
static void html_element_title(const GumboNode *element, byte_buffer *title)
{
    byte_buffer gathered = BUFFER_INIT;
    html_text text = {&gathered, GAP_NONE};
    for (unsigned i = 0; i < element->v.element.children.length; i++)
        html_collect(element->v.element.children.data[i], &text);
    if (buffer_failed(&gathered))
        title->failed = 1;
    else
        source_title_clean((const char *)gathered.data, gathered.length, title);
    buffer_free(&gathered);
}

int source_read_html(source_file *file)
{
    byte_buffer raw = BUFFER_INIT;
    byte_buffer scratch = BUFFER_INIT;
    byte_buffer body = BUFFER_INIT;
    byte_buffer title = BUFFER_INIT;
    GumboOutput *output = NULL;
    html_memory memory;
    html_memory_init(&memory);
    int status = source_read_whole(file, &raw);
    if (status != 1)
        goto done;
    status = source_file_repair(file, &raw, 0, &scratch);
    buffer_free(&scratch);
    if (status != 0)
        goto done;

    size_t skip = raw.length >= 3 && raw.data[0] == 0xEF && raw.data[1] == 0xBB &&
                          raw.data[2] == 0xBF
                      ? 3
                      : 0;
    output = html_parse(&memory, (const char *)raw.data + skip, raw.length - skip);
    if (!output) {
        status = COPS_ENOMEM;
        goto done;
    }
    html_text text = {&body, GAP_NONE};
    html_collect(output->document, &text);
    buffer_append_byte(&body, 0);
    if (buffer_failed(&body)) {
        status = COPS_ENOMEM;
        goto done;
    }
    body.length--;
    if (!source_has_text((const char *)body.data, body.length)) {
        source_skip(file->walker, "%s: no text, skipped", file->path);
        goto done;
    }

    char date[11];
    char prefix_date[11];
    int has_date = html_meta_date(output->document, date);
    size_t prefix = source_date_prefix((const char *)body.data, body.length, prefix_date);
    if (!has_date && prefix > 0) {
        memcpy(date, prefix_date, sizeof date);
        has_date = 1;
    }
    const GumboNode *title_element = html_find(output->document, GUMBO_TAG_TITLE);
    if (title_element)
        html_element_title(title_element, &title);
    if (!title.data || title.length == 0) {
        const GumboNode *heading = html_find(output->document, GUMBO_TAG_H1);
        if (heading)
            html_element_title(heading, &title);
    }
    if (!title.data || title.length == 0)
        source_title_from_text((const char *)body.data + prefix, body.length - prefix, &title);
    if (buffer_failed(&title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    source_document document = {
        .path = file->path,
        .line = 0,
        .id = file->path,
        .title = (const char *)title.data,
        .date = has_date ? date : NULL,
        .text = (const char *)body.data,
        .text_length = body.length,
    };
    status = source_deliver(file, &document);

done:
    html_memory_destroy(&memory, output);
    buffer_free(&raw);
    buffer_free(&scratch);
    buffer_free(&body);
    buffer_free(&title);
    return status;
}
