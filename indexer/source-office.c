/*
 * source-office.c — DOCX, ODT and EPUB: zips of XML, opened with
 * libarchive and read with libxml2's SAX parser (no tree is built).
 *
 *   DOCX  word/document.xml (text), docProps/core.xml (dc:title,
 *         dcterms:created)
 *   ODT   content.xml (text), meta.xml (dc:title, meta:creation-date)
 *   EPUB  its XHTML chapters in the order of the spine of the package
 *         META-INF/container.xml names (source-epub.c; in the zip's
 *         order, with a warning, when that cannot be known), the
 *         package .opf (dc:title, dc:date)
 *
 * The container is read whole (max_document_bytes) and so is each member
 * it uses, each capped at max_document_bytes, and the text gathered stops
 * there too.  XML entities are never expanded (no DTD is loaded, no
 * network), a document type's attribute defaults are dropped
 * (office_document_type), and a part is read up to where its attributes
 * or namespaces would make libxml2's work quadratic (office_markup_cut).
 * A zip holding none of these parts, found by its content rather than its
 * extension, is an archive and goes to source-archive.c.
 */
#include "config.h"

#include "indexer/source-epub.h"
#include "indexer/source-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

/* What the SAX callbacks gather from the XML parts of one document. */
typedef struct office_text {
    byte_buffer *body;      /* visible text */
    byte_buffer *title;     /* the first title element of a metadata part */
    int gap;                /* 0 none, 1 space, 2 newline pending */
    size_t hidden;          /* open elements whose text is not the document's */
    int metadata;           /* parsing a metadata part */
    int in_title;           /* inside the first title (metadata) */
    int in_date;            /* inside a date element (metadata) */
    byte_buffer date_text;
    int has_date;
    char date[11];
    size_t limit;           /* body text bound */
    int cut;
    epub_order epub;        /* an EPUB's package and where each chapter's text is */
    xmlParserCtxtPtr parser; /* of the part being parsed */
} office_text;

static int name_in(const char *name, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* Elements ending a line (paragraphs, headings, list items, breaks) in
 * WordprocessingML (w:), OpenDocument (text:) and XHTML, by local name. */
static int office_block(const char *name)
{
    static const char *const blocks[] = {"p", "h", "h1", "h2", "h3", "h4", "h5", "h6", "li",
                                         "div", "br", "tr", "list-item", "line-break", "blockquote",
                                         "section", "table", "td", "th", "cr"};
    return name_in(name, blocks, sizeof blocks / sizeof blocks[0]);
}

/* Elements whose text is not shown: an XHTML head, scripts and styles;
 * Word's field instructions and deleted text. */
static int office_hidden(const char *name)
{
    static const char *const hidden[] = {"head", "script", "style", "instrText", "delText"};
    return name_in(name, hidden, sizeof hidden / sizeof hidden[0]);
}

static void office_start(void *context, const xmlChar *localname, const xmlChar *prefix,
                         const xmlChar *uri, int namespaces_count, const xmlChar **namespaces,
                         int attributes_count, int defaulted, const xmlChar **attributes)
{
    (void)prefix, (void)uri, (void)namespaces_count, (void)namespaces, (void)defaulted;
    office_text *text = context;
    const char *name = (const char *)localname;
    if (text->metadata) {
        epub_order_element(&text->epub, name, attributes_count, attributes);
        if (strcmp(name, "title") == 0 && text->title->length == 0)
            text->in_title = 1;
        else if (!text->has_date && (strcmp(name, "created") == 0 ||
                                     strcmp(name, "creation-date") == 0 ||
                                     strcmp(name, "date") == 0))
            text->in_date = 1;
        return;
    }
    if (office_hidden(name))
        text->hidden++;
    else if (office_block(name))
        text->gap = 2;
    else if ((strcmp(name, "tab") == 0 || strcmp(name, "s") == 0) && text->gap == 0)
        text->gap = 1;
}

static void office_end(void *context, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri)
{
    (void)prefix, (void)uri;
    office_text *text = context;
    const char *name = (const char *)localname;
    if (text->metadata) {
        if (text->in_date && !text->has_date &&
            source_parse_date((const char *)text->date_text.data, text->date_text.length,
                              text->date))
            text->has_date = 1;
        text->in_title = text->in_date = 0;
        buffer_reset(&text->date_text);
        return;
    }
    if (office_hidden(name) && text->hidden > 0)
        text->hidden--;
    else if (office_block(name))
        text->gap = 2;
}

static void office_characters(void *context, const xmlChar *characters, int length)
{
    office_text *text = context;
    if (text->metadata) {
        if (text->in_title)
            buffer_append(text->title, characters, (size_t)length);
        else if (text->in_date && text->date_text.length < 64)
            buffer_append(&text->date_text, characters, (size_t)length);
        return;
    }
    if (text->hidden > 0 || text->cut)
        return;
    if ((size_t)length + 1 > text->limit - text->body->length) {
        text->cut = 1;
        return;
    }
    if (text->gap && text->body->length > 0)
        buffer_append_byte(text->body, text->gap == 2 ? '\n' : ' ');
    text->gap = 0;
    buffer_append(text->body, characters, (size_t)length);
}

static pthread_once_t office_once = PTHREAD_ONCE_INIT;

static void office_init(void)
{
    xmlInitParser();
}

/* Called once the document type declaration is read: the attribute
 * defaults its <!ATTLIST> declarations made are dropped, since libxml2
 * adds every default to every element of that name, comparing each with
 * all the attributes before it (a DOCX of 52 KB declaring 20,000 defaults
 * for 1,000 elements ran for hours).  The parts' text never depends on
 * them. */
static void office_document_type(void *context, const xmlChar *name, const xmlChar *public_id,
                                 const xmlChar *system_id)
{
    (void)name, (void)public_id, (void)system_id;
    office_text *text = context;
    if (text->parser->attsDefault) {
        xmlHashFree(text->parser->attsDefault, xmlHashDefaultDeallocator);
        text->parser->attsDefault = NULL;
    }
}

static void office_ignore_message(void *context, const char *message, ...)
{
    (void)context;
    (void)message;
}

/* The end of the markup construct (comment, CDATA section, processing
 * instruction) starting at data[at], whose text may hold a '<' that
 * starts no tag, else `length`.  Anything else starting "<!" (a document
 * type) ends at its '<' plus one: its declarations start "<!" too. */
static size_t office_markup_end(const uint8_t *data, size_t length, size_t at)
{
    static const struct { const char *open, *close; } markup[] = {
        {"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (size_t i = 0; i < sizeof markup / sizeof markup[0]; i++) {
        size_t open = strlen(markup[i].open);
        if (length - at < open || memcmp(data + at, markup[i].open, open) != 0)
            continue;
        const uint8_t *close = memmem(data + at + open, length - at - open, markup[i].close,
                                      strlen(markup[i].close));
        return close ? (size_t)(close - data) + strlen(markup[i].close) : length;
    }
    return at + 1;
}

/* Namespace declarations in scope at once: libxml2 looks every prefixed
 * name up through all of them, one by one (a DOCX of 168 KB declaring
 * 62,500 around 200,000 elements took 18 s).  Real parts declare a few
 * dozen, on their root. */
#define OFFICE_MAX_NAMESPACES 256
/* Open elements whose declarations the scan remembers: those of deeper
 * ones stay counted until the part ends (libxml2's push parser sets no
 * bound on nesting; its work stays linear in it). */
#define OFFICE_MAX_DEPTH 512

/* Occurrences of "xmlns" in data[0, length): at least the namespace
 * declarations of a tag spanning it. */
static size_t office_declarations(const uint8_t *data, size_t length)
{
    size_t count = 0;
    for (const uint8_t *at = data, *end = data + length;
         (at = memmem(at, (size_t)(end - at), "xmlns", 5)) != NULL; at += 5)
        count++;
    return count;
}

static int office_blank(uint8_t byte)
{
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
}

/* The end of the ASCII XML name starting at tag[at], or `at` when none
 * starts there. */
static size_t office_name_end(const uint8_t *tag, size_t length, size_t at)
{
    size_t end = at;
    for (; end < length; end++) {
        uint8_t byte = tag[end] | 0x20; /* ASCII letters in lower case */
        int start = (byte >= 'a' && byte <= 'z') || tag[end] == '_' || tag[end] == ':';
        int more = (tag[end] >= '0' && tag[end] <= '9') || tag[end] == '-' || tag[end] == '.';
        if (!start && !(end > at && more))
            break;
    }
    return end;
}

/* The end of the reference at tag[at] ("&amp;", "&#38;", "&#x26;": those
 * libxml2 reads without a document type), else `at`. */
static size_t office_reference_end(const uint8_t *tag, size_t length, size_t at)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t size = strlen(named[i]);
        if (length - at >= size && memcmp(tag + at, named[i], size) == 0)
            return at + size;
    }
    size_t end = at + 1;
    if (end < length && tag[end] == '#') {
        int hex = ++end < length && tag[end] == 'x';
        size_t digits = end += hex;
        while (end < length && ((tag[end] >= '0' && tag[end] <= '9') ||
                                (hex && ((tag[end] | 0x20) >= 'a' && (tag[end] | 0x20) <= 'f'))))
            end++;
        if (end > digits && end < length && tag[end] == ';')
            return end + 1;
    }
    return at;
}

/* Whether libxml2 surely reads tag[0, length), "<" up to "/>", as an
 * empty element: a name, then attributes each a name, "=" and a value
 * quoted without '<', control bytes or references but the predefined and
 * numeric ones.  At an attribute it cannot read it stops before the "/>"
 * and its push parser keeps the element open, with the namespaces it
 * declared in scope ("<a xmlns:p='u' &/>" nested stayed uncounted; even
 * declaring none, "<b &/>" left the next end tag to end the element
 * holding them); such a tag counts as open, which only counts more. */
static int office_empty_tag(const uint8_t *tag, size_t length)
{
    size_t at = office_name_end(tag, length - 2, 1);
    if (at == 1)
        return 0;
    for (;;) {
        size_t name = at;
        while (at < length - 2 && office_blank(tag[at]))
            at++;
        if (at == length - 2)
            return 1;
        size_t end = at > name ? office_name_end(tag, length - 2, at) : at;
        if (end == at)
            return 0;
        for (at = end; at < length - 2 && office_blank(tag[at]); at++)
            ;
        if (at == length - 2 || tag[at++] != '=')
            return 0;
        while (at < length - 2 && office_blank(tag[at]))
            at++;
        if (at == length - 2 || (tag[at] != '"' && tag[at] != '\''))
            return 0;
        uint8_t quote = tag[at++];
        while (at < length - 2 && tag[at] != quote) {
            size_t step = tag[at] == '&' ? office_reference_end(tag, length - 2, at) : at + 1;
            if (step == at || tag[at] == '<' || (tag[at] < ' ' && !office_blank(tag[at])))
                return 0;
            at = step;
        }
        if (at == length - 2 || tag[at++] != quote)
            return 0;
    }
}

/* Where an XML part must end for libxml2's work to stay linear, else
 * `length`, with *why the bound met there: a start tag with more than
 * SOURCE_MAX_ATTRIBUTES attributes (libxml2 compares each with every
 * earlier one, as it does in HTML, source-html.c: a DOCX of 200,000 in
 * 460 KB took 26 s), or more than OFFICE_MAX_NAMESPACES declarations in
 * scope.  One pass over the bytes.  A '<' always starts a new tag: XML
 * allows none inside a tag, and libxml2 ends the tag there, so counts
 * restarted at each '<' are never below the parser's. */
static size_t office_markup_cut(const uint8_t *data, size_t length, char why[64])
{
    size_t declared[OFFICE_MAX_DEPTH]; /* by each open element */
    size_t depth = 0, deeper = 0, in_scope = 0, at = 0;
    while (at < length) {
        const uint8_t *open = memchr(data + at, '<', length - at);
        if (!open)
            break;
        at = (size_t)(open - data);
        if (at + 1 < length && (data[at + 1] == '!' || data[at + 1] == '?')) {
            at = office_markup_end(data, length, at);
            continue;
        }
        source_tag_scan scan = {.tag_offset = at, .state = TAG_SCAN_NAME};
        size_t next = at + 1;
        for (; next < length && data[next] != '<' && scan.state != TAG_SCAN_DONE; next++) {
            source_tag_scan_byte(&scan, data[next]);
            if (scan.attributes > SOURCE_MAX_ATTRIBUTES) {
                snprintf(why, 64, "a tag with more than %d attributes", SOURCE_MAX_ATTRIBUTES);
                return at;
            }
        }
        if (at + 1 < length && data[at + 1] == '/') {
            if (deeper > 0)
                deeper--;
            else if (depth > 0)
                in_scope -= declared[--depth];
        } else {
            size_t count = office_declarations(data + at, next - at);
            int empty = scan.state == TAG_SCAN_DONE && data[next - 2] == '/' &&
                        office_empty_tag(data + at, next - at);
            if (in_scope + count > OFFICE_MAX_NAMESPACES) {
                snprintf(why, 64, "more than %d namespace declarations in scope",
                         OFFICE_MAX_NAMESPACES);
                return at;
            }
            if (!empty && depth < OFFICE_MAX_DEPTH) {
                declared[depth++] = count;
                in_scope += count;
            } else if (!empty) {
                deeper++;
                in_scope += count;
            }
        }
        at = next;
    }
    return length;
}

/* Parse one XML part into `text`, up to office_markup_cut's bound (*cut_at
 * is then where, and *why which, else *cut_at is `length`).  Damage is
 * not an error: what was read until then is kept (the parser recovers
 * where it can). */
static int office_parse(office_text *text, const uint8_t *data, size_t length, size_t *cut_at,
                        char why[64], int ignore_encoding)
{
    length = *cut_at = office_markup_cut(data, length, why);
    pthread_once(&office_once, office_init);
    xmlSAXHandler handler;
    memset(&handler, 0, sizeof handler);
    handler.initialized = XML_SAX2_MAGIC;
    handler.startElementNs = office_start;
    handler.endElementNs = office_end;
    handler.characters = office_characters;
    handler.cdataBlock = office_characters;
    handler.externalSubset = office_document_type;
    handler.warning = office_ignore_message;
    handler.error = office_ignore_message;
    handler.fatalError = office_ignore_message;
    xmlSetGenericErrorFunc(NULL, office_ignore_message);
    xmlParserCtxtPtr parser = xmlCreatePushParserCtxt(&handler, text, NULL, 0, NULL);
    if (!parser)
        return COPS_ENOMEM;
    text->parser = parser;
    xmlCtxtUseOptions(parser, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_RECOVER | XML_PARSE_NOCDATA |
                                  (ignore_encoding ? XML_PARSE_IGNORE_ENC : 0));
    const size_t chunk = (size_t)1 << 20;
    for (size_t at = 0; at < length; at += chunk)
        xmlParseChunk(parser, (const char *)data + at,
                      (int)(length - at < chunk ? length - at : chunk), 0);
    xmlParseChunk(parser, NULL, 0, 1);
    int out_of_memory = parser->errNo == XML_ERR_NO_MEMORY;
    xmlFreeParserCtxt(parser);
    return out_of_memory || buffer_failed(text->body) || buffer_failed(text->title)
               ? COPS_ENOMEM
               : 0;
}

/* The encoding an XML declaration at data[0, length) names, into
 * name[CHARSET_NAME_MAX] (cut there): 1, else 0 (no declaration, or one
 * without an encoding).  Only an ASCII-compatible start is looked at: a
 * UTF-16 byte order mark or a wide "<?" libxml2 detects itself. */
static int xml_declared_encoding(const uint8_t *data, size_t length, char name[CHARSET_NAME_MAX])
{
    static const char key[] = "encoding";
    size_t at = length >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (length - at < 5 || memcmp(data + at, "<?xml", 5) != 0)
        return 0;
    const uint8_t *end = memmem(data + at, length - at < 512 ? length - at : 512, "?>", 2);
    if (!end)
        return 0;
    const uint8_t *found = memmem(data + at, (size_t)(end - data) - at, key, sizeof key - 1);
    if (!found)
        return 0;
    const uint8_t *value = found + sizeof key - 1;
    while (value < end && (*value == ' ' || *value == '=' || *value == '\t' || *value == '\r' ||
                           *value == '\n'))
        value++;
    if (value >= end || (*value != '"' && *value != '\''))
        return 0;
    uint8_t quote = *value++;
    size_t used = 0;
    while (value < end && *value != quote && used + 1 < CHARSET_NAME_MAX)
        name[used++] = (char)*value++;
    name[used] = 0;
    return 1;
}

typedef enum office_part { PART_NONE, PART_BODY, PART_METADATA } office_part;

/* office_read_parts' answer for a zip that cannot be read: a document
 * skipped, never COPS_ENOMEM (-1), which ends the run (it was -1, so a
 * truncated DOCX or a decompression bomb stopped every build that met
 * one, "out of memory"). */
#define OFFICE_UNREADABLE (-2)
_Static_assert(OFFICE_UNREADABLE != COPS_ENOMEM, "an unreadable zip is not out of memory");

static int has_suffix(const char *name, const char *suffix)
{
    size_t length = strlen(name), suffix_length = strlen(suffix);
    return length >= suffix_length && strcasecmp(name + length - suffix_length, suffix) == 0;
}

/* An e-book's chapter (an XHTML page). */
static int office_chapter(const char *name)
{
    return has_suffix(name, ".xhtml") || has_suffix(name, ".html") || has_suffix(name, ".htm");
}

/* What a member is to the document; *kind is set when the member names
 * the kind of document. */
static office_part office_part_of(const char *name, const char **kind)
{
    if (strcmp(name, "word/document.xml") == 0) {
        *kind = "docx";
        return PART_BODY;
    }
    if (strcmp(name, "content.xml") == 0) {
        *kind = "odt";
        return PART_BODY;
    }
    if (strcmp(name, "docProps/core.xml") == 0 || strcmp(name, "meta.xml") == 0 ||
        strcmp(name, "META-INF/container.xml") == 0)
        return PART_METADATA;
    if (has_suffix(name, ".opf")) {
        *kind = "epub";
        return PART_METADATA;
    }
    return office_chapter(name) ? PART_BODY : PART_NONE;
}

/* Read the members of the zip in `bytes` that make the document into
 * `text`.  Returns the number of body parts read, OFFICE_UNREADABLE when
 * the zip cannot be read (*problem says why, or is "" when warned
 * already), or COPS_ENOMEM. */
static int office_read_parts(source_file *file, const byte_buffer *bytes, office_text *text,
                             const char **kind, char *problem, size_t problem_size)
{
    struct archive *zip = archive_read_new();
    if (!zip)
        return COPS_ENOMEM;
    archive_read_support_format_zip(zip);
    int parts = 0, status = 0;
    uint64_t inflated = 0;
    byte_buffer member = BUFFER_INIT;
    if (archive_read_open_memory(zip, bytes->data, bytes->length) != ARCHIVE_OK) {
        snprintf(problem, problem_size, "%s", archive_error_string(zip));
        status = OFFICE_UNREADABLE;
    }
    struct archive_entry *entry;
    while (status == 0) {
        int next = archive_read_next_header(zip, &entry);
        if (next == ARCHIVE_EOF)
            break;
        if (next < ARCHIVE_WARN) {
            snprintf(problem, problem_size, "%s", archive_error_string(zip));
            status = parts > 0 ? 0 : OFFICE_UNREADABLE;
            break;
        }
        const char *name = archive_entry_pathname(entry);
        office_part part = name ? office_part_of(name, kind) : PART_NONE;
        if (part == PART_NONE)
            continue;
        int read = source_archive_member(file, zip, entry, &member, &inflated);
        if (read == COPS_ENOMEM || read == SOURCE_ARCHIVE_STOP) {
            status = read == COPS_ENOMEM ? COPS_ENOMEM : OFFICE_UNREADABLE;
            problem[0] = 0; /* warned already */
            break;
        }
        if (read != 1)
            continue;
        text->metadata = part == PART_METADATA;
        text->gap = 2;
        epub_order_part(&text->epub, name);
        size_t start = text->body->length, cut_at;
        char why[64] = "", encoding[CHARSET_NAME_MAX];
        /* "<?xm" in EBCDIC: libxml2 reads such a declaration itself, before
         * any option, and opens the iconv decoder it names (IBM1047, the
         * stateful IBM939), none of the WHATWG Encoding Standard's. */
        if (member.length >= 4 && memcmp(member.data, "\x4C\x6F\xA7\x94", 4) == 0) {
            source_warn(file->walker, "%s: %s is EBCDIC, not an encoding of the WHATWG Encoding "
                        "Standard: not read", file->path, name);
            continue;
        }
        /* libxml2 would open any iconv decoder the declaration names: it
         * is obeyed only when seen here and of the WHATWG list (a
         * declaration padded past what is looked at, 512 bytes, was read
         * by libxml2 alone, UTF-7 included). */
        int declared = xml_declared_encoding(member.data, member.length, encoding);
        int ignore = !declared || !charset_whatwg(encoding);
        if (declared && ignore)
            source_warn(file->walker, "%s: %s declares the encoding '%s', not one of the WHATWG "
                        "Encoding Standard: read as UTF-8", file->path, name, encoding);
        status = office_parse(text, member.data, member.length, &cut_at, why, ignore);
        if (cut_at < member.length)
            source_warn(file->walker, "%s: %s has %s at byte %zu: read up to there", file->path,
                        name, why, cut_at);
        parts += part == PART_BODY;
        if (part == PART_BODY && office_chapter(name))
            epub_order_chapter(&text->epub, name, start, text->body->length);
    }
    buffer_free(&member);
    archive_read_free(zip);
    return status == 0 ? parts : status;
}

/* The document, once its parts are read. */
static int office_deliver(source_file *file, office_text *text, byte_buffer *body,
                          byte_buffer *raw_title)
{
    byte_buffer scratch = BUFFER_INIT, title = BUFFER_INIT;
    int status = source_file_repair(file, body, 0, &scratch);
    if (status == 0 && !source_has_text((const char *)body->data, body->length)) {
        source_skip(file->walker, "%s: no text, skipped", file->path);
        goto done;
    }
    if (status != 0)
        goto done;
    if (raw_title->length > 0 && source_utf8_valid_prefix(raw_title->data, raw_title->length) ==
                                     raw_title->length)
        source_title_clean((const char *)raw_title->data, raw_title->length, &title);
    if (title.length == 0)
        source_title_from_text((const char *)body->data, body->length, &title);
    if (buffer_failed(&title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    if (text->cut)
        source_warn(file->walker, "%s: text longer than %zu bytes, cut there", file->path,
                    text->limit);
    source_document document = {
        .path = file->path,
        .id = file->path,
        .title = (const char *)title.data,
        .date = text->has_date ? text->date : NULL,
        .text = (const char *)body->data,
        .text_length = body->length,
    };
    status = source_deliver(file, &document);
done:
    buffer_free(&scratch);
    buffer_free(&title);
    return status;
}

/* An e-book's chapters in its spine's order, or as the zip holds them
 * (a warning says why) when its package cannot give the order. */
static int office_epub_order(source_file *file, office_text *text)
{
    const char *problem;
    int ordered = epub_order_apply(&text->epub, text->body, &problem);
    if (ordered == 0)
        source_warn(file->walker, "%s: %s: chapters read in the zip's order", file->path,
                    problem);
    return ordered == COPS_ENOMEM ? COPS_ENOMEM : 0;
}

int source_read_office(source_file *file)
{
    byte_buffer bytes = BUFFER_INIT, body = BUFFER_INIT, title = BUFFER_INIT;
    office_text text;
    memset(&text, 0, sizeof text);
    text.body = &body;
    text.title = &title;
    text.limit = file->walker->max_document_bytes;
    int status = source_read_bytes(file, &bytes);
    if (status != 1)
        goto done;
    const char *kind = NULL;
    char problem[256] = "";
    int parts = office_read_parts(file, &bytes, &text, &kind, problem, sizeof problem);
    if (parts == COPS_ENOMEM) {
        status = COPS_ENOMEM;
    } else if (parts == 0 && detect_format_from_name(file->path) != FORMAT_OFFICE) {
        /* A zip found by its content that is no document: an archive. */
        status = source_read_archive_bytes(file, &bytes);
    } else if (parts == OFFICE_UNREADABLE && !problem[0]) {
        status = 0;
    } else if (parts <= 0) {
        source_skip(file->walker, "%s: not a readable DOCX, ODT or EPUB (%s), skipped",
                    file->path, parts == OFFICE_UNREADABLE ? problem : "no document part");
        status = 0;
    } else {
        file->format_name = kind ? kind : "epub";
        status = strcmp(file->format_name, "epub") == 0 ? office_epub_order(file, &text) : 0;
        if (status == 0)
            status = office_deliver(file, &text, &body, &title);
    }
done:
    buffer_free(&bytes);
    buffer_free(&body);
    buffer_free(&title);
    buffer_free(&text.date_text);
    epub_order_free(&text.epub);
    return status;
}
