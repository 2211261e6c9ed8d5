/*
 * source-html.c — HTML pages: title, visible text and date, through
 * libxml2's SAX push parser.
 *
 * No tree is built: the parser streams elements and text to the callbacks
 * below, which keep only the text.  Work stays linear in the page's size
 * because the two things that make an HTML parser super-linear are
 * bounded (see source.h and man/cops-index.1):
 *   - nesting: libxml2 searches its stack of open elements for every
 *     stray end tag, so elements deeper than SOURCE_HTML_MAX_DEPTH stop
 *     the parse, and the page keeps the text read until then;
 *   - attributes: libxml2 compares each attribute of a tag with all the
 *     earlier ones, so a tag the parser is waiting on that already holds
 *     more than SOURCE_MAX_ATTRIBUTES attributes stops the parse the
 *     same way.
 * Both are warnings naming the file, the bound and the byte offset.
 */
#include "config.h"

#include "indexer/source-internal.h"

#include <libxml/HTMLparser.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bytes handed to the parser at a time: small, so that one call can add
 * few attributes to a tag the attribute bound has not seen yet. */
#define HTML_FEED_BYTES 512

/* Visible text: white space runs collapse to one space, or to one newline
 * when a block boundary falls inside the run. */
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

typedef enum html_role {
    ROLE_INLINE,
    ROLE_BLOCK,   /* starts and ends a line */
    ROLE_CELL,    /* table cells sit side by side: keep their words apart */
    ROLE_HIDDEN,  /* never rendered: its text is not the page's */
    ROLE_TITLE,
    ROLE_HEADING, /* h1: the title when there is no <title> */
} html_role;

static int compare_role_names(const void *key, const void *entry)
{
    return strcmp(key, *(const char *const *)entry);
}

/* libxml2 hands element names lower-cased. */
static html_role html_role_of(const char *name)
{
    static const char *const blocks[] = {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd",
        "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li",
        "main", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul",
    };
    static const char *const hidden[] = {"head", "noscript", "script", "style", "template"};
    if (strcmp(name, "title") == 0)
        return ROLE_TITLE;
    if (strcmp(name, "h1") == 0)
        return ROLE_HEADING;
    if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
        return ROLE_CELL;
    if (bsearch(name, hidden, sizeof hidden / sizeof hidden[0], sizeof hidden[0],
                compare_role_names))
        return ROLE_HIDDEN;
    if (bsearch(name, blocks, sizeof blocks / sizeof blocks[0], sizeof blocks[0],
                compare_role_names))
        return ROLE_BLOCK;
    return ROLE_INLINE;
}

/* What the callbacks gather from one page. */
typedef struct html_page {
    htmlParserCtxtPtr parser;
    size_t depth;           /* open elements */
    size_t hidden;          /* open hidden elements */
    int title_state;        /* 0 none yet, 1 inside the first <title>, 2 done */
    int heading_state;      /* the same for the first <h1> */
    html_text body, title, heading;
    int has_date;
    char date[11];
    char unread_date[84];   /* a meta date that could not be read, cut */
    byte_buffer *meta_title; /* <meta property="og:title">: the title first */
    char stopped[64];       /* the bound that stopped the parse, or "" */
    size_t stopped_at;      /* byte offset where it stopped, about */
} html_page;

/* The metadata of the page's <meta> elements: its date (name="date" or
 * property="article:published_time", in any form source-date.c reads)
 * and its Open Graph title, which names the story without the site's
 * name that <title> often adds. */
static void html_meta(html_page *page, const xmlChar **attributes)
{
    const char *name = NULL, *content = NULL;
    for (size_t i = 0; attributes && attributes[i]; i += 2) {
        const char *value = (const char *)attributes[i + 1];
        if (strcmp((const char *)attributes[i], "name") == 0 ||
            strcmp((const char *)attributes[i], "property") == 0)
            name = value;
        else if (strcmp((const char *)attributes[i], "content") == 0)
            content = value;
    }
    if (!name || !content)
        return;
    size_t length = strlen(content);
    if (strcasecmp(name, "og:title") == 0 && page->meta_title->length == 0) {
        /* A title is cut to SOURCE_TITLE_MAX_BYTES; keep a little more. */
        buffer_append(page->meta_title, content,
                      length < 2 * SOURCE_TITLE_MAX_BYTES ? length : 2 * SOURCE_TITLE_MAX_BYTES);
    } else if (!page->has_date && (strcasecmp(name, "date") == 0 ||
                                   strcasecmp(name, "article:published_time") == 0)) {
        if (source_parse_date(content, length, page->date))
            page->has_date = 1;
        else if (!page->unread_date[0] && source_has_text(content, length))
            snprintf(page->unread_date, sizeof page->unread_date, "%.80s", content);
    }
}

static void html_gap(html_page *page, html_role role)
{
    if (role == ROLE_BLOCK || role == ROLE_HEADING)
        page->body.gap = GAP_LINE;
    else if (role == ROLE_CELL && page->body.gap == GAP_NONE)
        page->body.gap = GAP_SPACE;
}

static void html_start(void *context, const xmlChar *name, const xmlChar **attributes)
{
    html_page *page = context;
    if (++page->depth > SOURCE_HTML_MAX_DEPTH && !page->stopped[0]) {
        snprintf(page->stopped, sizeof page->stopped, "elements nested deeper than %d",
                 SOURCE_HTML_MAX_DEPTH);
        xmlStopParser(page->parser);
        return;
    }
    html_role role = html_role_of((const char *)name);
    if (role == ROLE_HIDDEN)
        page->hidden++;
    else if (role == ROLE_TITLE && page->title_state == 0)
        page->title_state = 1;
    else if (role == ROLE_HEADING && page->heading_state == 0 && page->hidden == 0)
        page->heading_state = 1;
    if (strcmp((const char *)name, "meta") == 0)
        html_meta(page, attributes);
    html_gap(page, role);
}

static void html_end(void *context, const xmlChar *name)
{
    html_page *page = context;
    if (page->depth > 0)
        page->depth--;
    html_role role = html_role_of((const char *)name);
    if (role == ROLE_HIDDEN && page->hidden > 0)
        page->hidden--;
    else if (role == ROLE_TITLE && page->title_state == 1)
        page->title_state = 2;
    else if (role == ROLE_HEADING && page->heading_state == 1)
        page->heading_state = 2;
    html_gap(page, role);
}

static void html_characters(void *context, const xmlChar *characters, int length)
{
    html_page *page = context;
    const char *text = (const char *)characters;
    if (page->title_state == 1)
        html_text_append(&page->title, text, (size_t)length);
    if (page->hidden > 0)
        return;
    if (page->heading_state == 1)
        html_text_append(&page->heading, text, (size_t)length);
    html_text_append(&page->body, text, (size_t)length);
}

static void html_ignore_message(void *context, const char *message, ...)
{
    (void)context;
    (void)message;
}

static pthread_once_t html_once = PTHREAD_ONCE_INIT;

static void html_init(void)
{
    xmlInitParser();
}

void source_tag_scan_byte(source_tag_scan *scan, uint8_t byte)
{
    int blank = source_is_space(byte);
    if (byte == '>' && scan->state != TAG_SCAN_QUOTED)
        scan->state = TAG_SCAN_DONE;
    switch (scan->state) {
    case TAG_SCAN_DONE:
        break;
    case TAG_SCAN_NAME:
        if (blank)
            scan->state = TAG_SCAN_BLANKS;
        break;
    case TAG_SCAN_BLANKS:
    case TAG_SCAN_AFTER_NAME:
        if (scan->state == TAG_SCAN_AFTER_NAME && byte == '=') {
            scan->state = TAG_SCAN_AFTER_EQUALS;
        } else if (!blank) {
            scan->attributes++;
            scan->state = byte == '=' ? TAG_SCAN_AFTER_EQUALS : TAG_SCAN_ATTRIBUTE;
        }
        break;
    case TAG_SCAN_ATTRIBUTE:
        if (byte == '=')
            scan->state = TAG_SCAN_AFTER_EQUALS;
        else if (blank)
            scan->state = TAG_SCAN_AFTER_NAME;
        break;
    case TAG_SCAN_AFTER_EQUALS:
        if (byte == '"' || byte == '\'') {
            scan->quote = byte;
            scan->state = TAG_SCAN_QUOTED;
        } else if (!blank) {
            scan->state = TAG_SCAN_BARE;
        }
        break;
    case TAG_SCAN_QUOTED:
        if (byte == scan->quote)
            scan->state = TAG_SCAN_BLANKS;
        break;
    case TAG_SCAN_BARE:
        if (blank)
            scan->state = TAG_SCAN_BLANKS;
        break;
    }
}

/* Whether the parser waits on a start tag that already holds more than
 * SOURCE_MAX_ATTRIBUTES attributes: it parses a tag only once the
 * tag's '>' has arrived, so the bytes it holds unparsed, when they start
 * with "<" and a letter, are that tag so far.  The scan is kept across
 * calls while the parser waits on the same tag, so each byte is looked
 * at once. */
static int html_too_many_attributes(htmlParserCtxtPtr parser, source_tag_scan *scan)
{
    xmlParserInputPtr input = parser->input;
    if (!input || !input->cur || !input->end || !input->base || input->end - input->cur < 2)
        return 0;
    const uint8_t *tag = input->cur;
    if (tag[0] != '<' || (tag[1] | 0x20) < 'a' || (tag[1] | 0x20) > 'z')
        return 0;
    uint64_t tag_offset = (uint64_t)input->consumed + (uint64_t)(input->cur - input->base);
    if (scan->tag_offset != tag_offset) {
        scan->tag_offset = tag_offset;
        scan->scanned = tag_offset + 1;
        scan->state = TAG_SCAN_NAME;
        scan->attributes = 0;
    }
    uint64_t end = tag_offset + (uint64_t)(input->end - input->cur);
    for (; scan->scanned < end && scan->state != TAG_SCAN_DONE; scan->scanned++)
        source_tag_scan_byte(scan, tag[scan->scanned - tag_offset]);
    return scan->attributes > SOURCE_MAX_ATTRIBUTES;
}

/* Parse `length` bytes of valid UTF-8 into `page`.  Returns 0 or
 * COPS_ENOMEM. */
static int html_parse(html_page *page, const char *data, size_t length)
{
    pthread_once(&html_once, html_init);
    /* libxml2 reports what happens outside a parser context (running out
     * of memory while creating one, say) through a per-thread generic
     * handler that prints to stderr: the status returned says it here. */
    xmlSetGenericErrorFunc(NULL, html_ignore_message);
    xmlSetStructuredErrorFunc(NULL, NULL);
    htmlSAXHandler handler;
    memset(&handler, 0, sizeof handler);
    handler.startElement = html_start;
    handler.endElement = html_end;
    handler.characters = html_characters;
    handler.ignorableWhitespace = html_characters;
    handler.cdataBlock = html_characters;
    handler.warning = html_ignore_message;
    handler.error = html_ignore_message;
    handler.fatalError = html_ignore_message;
    page->parser = htmlCreatePushParserCtxt(&handler, page, NULL, 0, NULL,
                                            XML_CHAR_ENCODING_UTF8);
    if (!page->parser)
        return COPS_ENOMEM;
    /* The bytes are UTF-8 already (repaired): a <meta charset> must not
     * make the parser decode them again. */
    htmlCtxtUseOptions(page->parser, HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                         HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
    source_tag_scan scan = {.tag_offset = UINT64_MAX};
    size_t at = 0;
    while (at < length && !page->stopped[0]) {
        size_t chunk = length - at < HTML_FEED_BYTES ? length - at : HTML_FEED_BYTES;
        htmlParseChunk(page->parser, data + at, (int)chunk, 0);
        at += chunk;
        if (page->stopped[0]) {
            page->stopped_at = at;
        } else if (html_too_many_attributes(page->parser, &scan)) {
            snprintf(page->stopped, sizeof page->stopped, "a tag with more than %d attributes",
                     SOURCE_MAX_ATTRIBUTES);
            page->stopped_at = (size_t)scan.tag_offset;
        }
    }
    if (!page->stopped[0])
        htmlParseChunk(page->parser, NULL, 0, 1);
    int out_of_memory = page->parser->errNo == XML_ERR_NO_MEMORY;
    htmlFreeParserCtxt(page->parser);
    page->parser = NULL;
    return out_of_memory ? COPS_ENOMEM : 0;
}

int source_html_text(const char *data, size_t length, byte_buffer *body)
{
    byte_buffer title = BUFFER_INIT, heading = BUFFER_INIT;
    html_page page;
    memset(&page, 0, sizeof page);
    page.body.out = body;
    page.title.out = &title;
    page.heading.out = &heading;
    int status = html_parse(&page, data, length);
    if (status == 0 && (buffer_failed(body) || buffer_failed(&title) || buffer_failed(&heading)))
        status = COPS_ENOMEM;
    buffer_free(&title);
    buffer_free(&heading);
    return status;
}

int source_read_html(source_file *file)
{
    byte_buffer raw = BUFFER_INIT;
    byte_buffer scratch = BUFFER_INIT;
    byte_buffer body = BUFFER_INIT, title = BUFFER_INIT, heading = BUFFER_INIT;
    byte_buffer cleaned_title = BUFFER_INIT, meta_title = BUFFER_INIT;
    int status = source_read_whole(file, &raw);
    if (status != 1)
        goto done;
    status = source_file_repair(file, &raw, 0, &scratch);
    if (status != 0)
        goto done;

    size_t skip = raw.length >= 3 && raw.data[0] == 0xEF && raw.data[1] == 0xBB &&
                          raw.data[2] == 0xBF
                      ? 3
                      : 0;
    html_page page;
    memset(&page, 0, sizeof page);
    page.body.out = &body;
    page.title.out = &title;
    page.heading.out = &heading;
    page.meta_title = &meta_title;
    status = html_parse(&page, (const char *)raw.data + skip, raw.length - skip);
    if (status != 0)
        goto done;
    if (page.stopped[0])
        source_warn(file->walker, "%s: HTML with %s at about byte %zu: truncated there",
                    file->path, page.stopped, page.stopped_at + skip);
    buffer_append_byte(&body, 0);
    if (buffer_failed(&body) || buffer_failed(&title) || buffer_failed(&heading) ||
        buffer_failed(&meta_title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    body.length--;
    if (!source_has_text((const char *)body.data, body.length)) {
        source_skip(file->walker, "%s: no text, skipped", file->path);
        goto done;
    }

    char prefix_date[11];
    size_t prefix = source_date_prefix((const char *)body.data, body.length, prefix_date);
    if (!page.has_date && prefix > 0) {
        memcpy(page.date, prefix_date, sizeof page.date);
        page.has_date = 1;
    }
    if (!page.has_date && page.unread_date[0])
        source_warn(file->walker, "%s: cannot read the date '%s' of a <meta>, indexed without one",
                    file->path, page.unread_date);
    source_title_clean((const char *)meta_title.data, meta_title.length, &cleaned_title);
    if (cleaned_title.length == 0)
        source_title_clean((const char *)title.data, title.length, &cleaned_title);
    if (cleaned_title.length == 0)
        source_title_clean((const char *)heading.data, heading.length, &cleaned_title);
    if (cleaned_title.length == 0)
        source_title_from_text((const char *)body.data + prefix, body.length - prefix,
                               &cleaned_title);
    if (buffer_failed(&cleaned_title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    source_document document = {
        .path = file->path,
        .line = 0,
        .id = file->path,
        .title = (const char *)cleaned_title.data,
        .date = page.has_date ? page.date : NULL,
        .text = (const char *)body.data,
        .text_length = body.length,
    };
    status = source_deliver(file, &document);

done:
    buffer_free(&raw);
    buffer_free(&scratch);
    buffer_free(&body);
    buffer_free(&title);
    buffer_free(&heading);
    buffer_free(&cleaned_title);
    buffer_free(&meta_title);
    return status;
}
