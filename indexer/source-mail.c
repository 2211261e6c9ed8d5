/*
 * source-mail.c — e-mail through GMime: one message (.eml) or every
 * message of an mbox file.
 *
 * Each message is a document: the subject is its title, its Date header
 * its date, and its text is the sender and recipients (From, To, Cc, as
 * lines, so they are searchable) followed by its text parts — text/plain
 * ones, or the visible text of text/html ones when a message has no
 * plain text.  GMime decodes headers (RFC 2047, and raw 8-bit headers by
 * trying UTF-8 then windows-1252) and converts each part from the
 * charset its Content-Type names.  A single message's identity is its
 * path; an mbox message's is "path:line", line being that of its "From "
 * separator, as for JSON Lines records without an id.
 *
 * The file is read whole (max_document_bytes) into the memory stream
 * GMime parses, up to a message with more than MAIL_MAX_HEADER_FIELDS
 * header fields or MAIL_MAX_NESTING multiparts open (mail_cut).  GMime
 * is opened on the first message, not linked, and its log messages are
 * dropped (both: libraries.c).
 */
#include "config.h"

#include "indexer/source-internal.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

/* The GMime functions used, found once (libraries.c: GMime is opened on
 * the first message, not linked). */
static struct {
    void (*init)(void);
    GMimeParser *(*parser_new_with_stream)(GMimeStream *stream);
    GMimeParserOptions *(*options_new)(void);
    void (*options_set_fallback_charsets)(GMimeParserOptions *options, const char **charsets);
    void (*options_free)(GMimeParserOptions *options);
    void (*parser_set_format)(GMimeParser *parser, GMimeFormat format);
    gboolean (*parser_eos)(GMimeParser *parser);
    GMimeMessage *(*construct_message)(GMimeParser *parser, GMimeParserOptions *options);
    gint64 (*mbox_marker_offset)(GMimeParser *parser);
    GMimeStream *(*stream_with_byte_array)(GByteArray *array);
    const char *(*get_subject)(GMimeMessage *message);
    GDateTime *(*get_date)(GMimeMessage *message);
    InternetAddressList *(*get_from)(GMimeMessage *message);
    InternetAddressList *(*get_to)(GMimeMessage *message);
    InternetAddressList *(*get_cc)(GMimeMessage *message);
    int (*list_length)(InternetAddressList *list);
    char *(*list_to_string)(InternetAddressList *list, GMimeFormatOptions *options,
                            gboolean encode);
    void (*foreach)(GMimeMessage *message, GMimeObjectForeachFunc callback, gpointer context);
    GMimeContentType *(*get_content_type)(GMimeObject *object);
    gboolean (*content_type_is_type)(GMimeContentType *type, const char *major,
                                     const char *minor);
    char *(*text_part_get_text)(GMimeTextPart *part);
    GType (*text_part_type)(void);
    const char *(*text_part_get_charset)(GMimeTextPart *part);
    void (*text_part_set_charset)(GMimeTextPart *part, const char *charset);
    char problem[256];  /* why GMime could not be opened, "" when it was */
} gmime;

static pthread_once_t mail_once = PTHREAD_ONCE_INIT;

static void mail_init(void)
{
    static const char *const names[] = {
        "g_mime_init", "g_mime_parser_new_with_stream", "g_mime_parser_options_new",
        "g_mime_parser_options_set_fallback_charsets", "g_mime_parser_options_free",
        "g_mime_parser_set_format", "g_mime_parser_eos", "g_mime_parser_construct_message",
        "g_mime_parser_get_mbox_marker_offset", "g_mime_stream_mem_new_with_byte_array",
        "g_mime_message_get_subject", "g_mime_message_get_date", "g_mime_message_get_from",
        "g_mime_message_get_to", "g_mime_message_get_cc", "internet_address_list_length",
        "internet_address_list_to_string", "g_mime_message_foreach",
        "g_mime_object_get_content_type", "g_mime_content_type_is_type",
        "g_mime_text_part_get_text", "g_mime_text_part_get_type",
        "g_mime_text_part_get_charset", "g_mime_text_part_set_charset",
    };
    source_function f[sizeof names / sizeof names[0]];
    if (source_library_open(COPS_GMIME_LIBRARY, names, sizeof names / sizeof names[0], f,
                            gmime.problem, sizeof gmime.problem) != 0)
        return;
    gmime.init = (void (*)(void))f[0];
    gmime.parser_new_with_stream = (GMimeParser * (*)(GMimeStream *))f[1];
    gmime.options_new = (GMimeParserOptions * (*)(void))f[2];
    gmime.options_set_fallback_charsets = (void (*)(GMimeParserOptions *, const char **))f[3];
    gmime.options_free = (void (*)(GMimeParserOptions *))f[4];
    gmime.parser_set_format = (void (*)(GMimeParser *, GMimeFormat))f[5];
    gmime.parser_eos = (gboolean(*)(GMimeParser *))f[6];
    gmime.construct_message = (GMimeMessage * (*)(GMimeParser *, GMimeParserOptions *))f[7];
    gmime.mbox_marker_offset = (gint64(*)(GMimeParser *))f[8];
    gmime.stream_with_byte_array = (GMimeStream * (*)(GByteArray *))f[9];
    gmime.get_subject = (const char *(*)(GMimeMessage *))f[10];
    gmime.get_date = (GDateTime * (*)(GMimeMessage *))f[11];
    gmime.get_from = (InternetAddressList * (*)(GMimeMessage *))f[12];
    gmime.get_to = (InternetAddressList * (*)(GMimeMessage *))f[13];
    gmime.get_cc = (InternetAddressList * (*)(GMimeMessage *))f[14];
    gmime.list_length = (int (*)(InternetAddressList *))f[15];
    gmime.list_to_string = (char *(*)(InternetAddressList *, GMimeFormatOptions *, gboolean))f[16];
    gmime.foreach = (void (*)(GMimeMessage *, GMimeObjectForeachFunc, gpointer))f[17];
    gmime.get_content_type = (GMimeContentType * (*)(GMimeObject *))f[18];
    gmime.content_type_is_type =
        (gboolean(*)(GMimeContentType *, const char *, const char *))f[19];
    gmime.text_part_get_text = (char *(*)(GMimeTextPart *))f[20];
    gmime.text_part_type = (GType(*)(void))f[21];
    gmime.text_part_get_charset = (const char *(*)(GMimeTextPart *))f[22];
    gmime.text_part_set_charset = (void (*)(GMimeTextPart *, const char *))f[23];
    gmime.init();
}

/* What the part walk gathers from one message. */
typedef struct mail_parts {
    byte_buffer plain;
    byte_buffer html;
    source_file *file; /* whose warnings */
} mail_parts;

/* A part's charset chooses the iconv decoder GMime converts it with: only
 * the WHATWG Encoding Standard's (charset_whatwg) are taken; any other
 * (UTF-7, a made-up or exotic stateful one) is the default of a part
 * without charset, US-ASCII read as windows-1252, with a warning. */
static void mail_check_charset(mail_parts *parts, GMimeTextPart *part)
{
    const char *charset = gmime.text_part_get_charset(part);
    if (!charset || charset_whatwg(charset))
        return;
    source_warn(parts->file->walker, "%s: a mail part's charset '%s' is not an encoding of the "
                "WHATWG Encoding Standard: read as windows-1252", parts->file->path, charset);
    gmime.text_part_set_charset(part, "WINDOWS-1252");
}

static void mail_collect(GMimeObject *parent, GMimeObject *part, gpointer context)
{
    (void)parent;
    mail_parts *parts = context;
    if (!g_type_check_instance_is_a((GTypeInstance *)part, gmime.text_part_type()))
        return;
    GMimeContentType *type = gmime.get_content_type(part);
    int html = type && gmime.content_type_is_type(type, "text", "html");
    mail_check_charset(parts, (GMimeTextPart *)part);
    char *text = gmime.text_part_get_text((GMimeTextPart *)part);
    if (!text)
        return;
    byte_buffer *into = html ? &parts->html : &parts->plain;
    if (into->length > 0)
        buffer_append(into, "\n\n", 2);
    buffer_append(into, text, strlen(text));
    g_free(text);
}

/* Append "Label: addresses\n" for a non-empty address list. */
static void mail_addresses(byte_buffer *out, const char *label, InternetAddressList *list)
{
    if (!list || gmime.list_length(list) == 0)
        return;
    char *text = gmime.list_to_string(list, NULL, FALSE);
    if (!text)
        return;
    buffer_append(out, label, strlen(label));
    buffer_append(out, text, strlen(text));
    buffer_append_byte(out, '\n');
    g_free(text);
}

/* The text of a message: addresses, then its plain (else HTML) parts. */
static int mail_text(source_file *file, GMimeMessage *message, byte_buffer *text)
{
    mail_addresses(text, "From: ", gmime.get_from(message));
    mail_addresses(text, "To: ", gmime.get_to(message));
    mail_addresses(text, "Cc: ", gmime.get_cc(message));
    if (text->length > 0)
        buffer_append_byte(text, '\n');
    mail_parts parts = {BUFFER_INIT, BUFFER_INIT, file};
    gmime.foreach(message, mail_collect, &parts);
    int status = 0;
    if (parts.plain.length > 0) {
        buffer_append(text, parts.plain.data, parts.plain.length);
    } else if (parts.html.length > 0) {
        byte_buffer scratch = BUFFER_INIT;
        source_utf8_repair(parts.html.data, parts.html.length, &scratch, NULL);
        status = buffer_failed(&scratch)
                     ? COPS_ENOMEM
                     : source_html_text((const char *)scratch.data, scratch.length, text);
        buffer_free(&scratch);
    }
    if (buffer_failed(&parts.plain) || buffer_failed(&parts.html) || buffer_failed(text))
        status = COPS_ENOMEM;
    buffer_free(&parts.plain);
    buffer_free(&parts.html);
    return status;
}

/* Deliver one message; `line` is 0 for a single message. */
static int mail_deliver(source_file *file, GMimeMessage *message, uint64_t line)
{
    byte_buffer text = BUFFER_INIT, scratch = BUFFER_INIT, title = BUFFER_INIT;
    char id[32 + 4096];
    int status = mail_text(file, message, &text);
    if (status == 0)
        status = source_file_repair(file, &text, 0, &scratch);
    if (status != 0)
        goto done;
    const char *subject = gmime.get_subject(message);
    if (subject && source_utf8_valid_prefix((const uint8_t *)subject, strlen(subject)) ==
                       strlen(subject))
        source_title_clean(subject, strlen(subject), &title);
    if (title.length == 0)
        source_title_from_text((const char *)text.data, text.length, &title);
    char date[11];
    int has_date = 0;
    GDateTime *when = gmime.get_date(message);
    if (when) {
        gchar *formatted = g_date_time_format(when, "%Y-%m-%d");
        has_date = formatted && source_parse_date(formatted, strlen(formatted), date);
        g_free(formatted);
    }
    if (buffer_failed(&title)) {
        status = COPS_ENOMEM;
        goto done;
    }
    snprintf(id, sizeof id, "%s:%llu", file->path, (unsigned long long)line);
    source_document document = {
        .path = file->path,
        .line = line,
        .id = line ? id : file->path,
        .title = (const char *)title.data,
        .date = has_date ? date : NULL,
        .text = (const char *)text.data,
        .text_length = text.length,
    };
    status = source_deliver(file, &document);
done:
    buffer_free(&text);
    buffer_free(&scratch);
    buffer_free(&title);
    return status;
}

/* Lines of data[*counted..offset) added to *line (offsets only grow). */
static void count_lines(const uint8_t *data, size_t length, size_t offset, size_t *counted,
                        uint64_t *line)
{
    if (offset > length)
        offset = length;
    for (; *counted < offset; (*counted)++)
        *line += data[*counted] == '\n';
}

static int mail_parse(source_file *file, GMimeStream *stream, const uint8_t *data, size_t length)
{
    static const char *fallback[] = {"UTF-8", "WINDOWS-1252", NULL};
    int mbox = file->format == FORMAT_MBOX;
    GMimeParser *parser = gmime.parser_new_with_stream(stream);
    GMimeParserOptions *options = gmime.options_new();
    gmime.options_set_fallback_charsets(options, fallback);
    gmime.parser_set_format(parser, mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
    int status = 0;
    uint64_t messages = 0, line = 1;
    size_t counted = 0;
    while (status == 0 && !gmime.parser_eos(parser)) {
        GMimeMessage *message = gmime.construct_message(parser, options);
        if (!message)
            break;
        messages++;
        if (mbox)
            count_lines(data, length, (size_t)gmime.mbox_marker_offset(parser),
                        &counted, &line);
        status = mail_deliver(file, message, mbox ? line : 0);
        g_object_unref(message);
        if (!mbox)
            break;
    }
    if (messages == 0)
        source_skip(file->walker, "%s: no e-mail message could be read, skipped", file->path);
    gmime.options_free(options);
    g_object_unref(parser);
    return status;
}

/* The header fields GMime keeps for one message, its parts' included:
 * each costs it about 500 bytes whatever its size, so 14 MB of short
 * fields took 1 GB, a file of max_document_bytes would take 18 GB. */
#define MAIL_MAX_HEADER_FIELDS 20000

/* Whether the line data[0..length) may open a header field: a name of
 * bytes other than blanks and controls (8-bit ones too, which GMime may
 * take), then a colon (blanks allowed before it, as GMime does). */
static int mail_field_line(const uint8_t *data, size_t length)
{
    size_t at = 0;
    while (at < length && data[at] > ' ' && data[at] != 0x7f && data[at] != ':')
        at++;
    if (at == 0)
        return 0;
    while (at < length && (data[at] == ' ' || data[at] == '\t'))
        at++;
    return at < length && data[at] == ':';
}

/* Multiparts open at once in one message: GMime compares every line
 * starting "--" with the boundary of each (a 5 MB message of such lines
 * took 11 s inside 250 multiparts, 48 s inside 2,000).  Real mail nests a
 * few deep. */
#define MAIL_MAX_NESTING 32
/* Longer boundaries (RFC 2046 allows 70 bytes) are never matched. */
#define MAIL_BOUNDARY_MAX 200

/* What mail_cut follows in the message being scanned. */
typedef struct mail_scan {
    size_t refused;                     /* encoded words left undecoded */
    char first_refused[CHARSET_NAME_MAX]; /* the charset of the first */
    size_t fields;
    size_t open;     /* multipart boundaries open, innermost last */
    int content_type; /* the field being read is a Content-Type with no boundary yet */
    size_t boundary_length[MAIL_MAX_NESTING]; /* SIZE_MAX: one never matched */
    uint8_t boundary_whole[MAIL_MAX_NESTING]; /* 0: a prefix, never closed */
    uint8_t boundary[MAIL_MAX_NESTING][MAIL_BOUNDARY_MAX];
} mail_scan;

/* Whether the line opens a Content-Type field: GMime takes a boundary
 * from no other (a Subject or a paragraph naming a "boundary" opens no
 * multipart, so a digest of 33 such messages is not cut). */
static int mail_content_type(const uint8_t *line, size_t length)
{
    static const char name[] = "content-type";
    size_t at = sizeof name - 1;
    if (length < at || strncasecmp((const char *)line, name, at) != 0)
        return 0;
    while (at < length && (line[at] == ' ' || line[at] == '\t'))
        at++;
    return at < length && line[at] == ':';
}

/* Whether the line declares a boundary (holds "boundary", in any case,
 * as a Content-Type field or its continuation does); its value, quoted
 * or not, in [*value, *value + *value_length), empty when unreadable. */
static int mail_boundary(const uint8_t *line, size_t length, const uint8_t **value,
                         size_t *value_length, int *whole)
{
    static const char key[] = "boundary";
    size_t at = 0;
    while (at + sizeof key - 1 <= length &&
           strncasecmp((const char *)line + at, key, sizeof key - 1) != 0)
        at++;
    if (at + sizeof key - 1 > length)
        return 0;
    at += sizeof key - 1;
    while (at < length && (line[at] == ' ' || line[at] == '\t'))
        at++;
    *value_length = 0;
    if (at >= length || line[at++] != '=')
        return 1;
    while (at < length && (line[at] == ' ' || line[at] == '\t'))
        at++;
    int quoted = at < length && line[at] == '"';
    size_t end = at += quoted;
    /* Up to an escape or a special byte, so the value kept is at most a
     * prefix of GMime's (mail_boundary_line matches every line it does). */
    while (end < length && (quoted ? line[end] != '"' && line[end] != '\\'
                                   : !source_is_space(line[end]) &&
                                         !strchr("()<>@,;:\\\"/[]?=", line[end])))
        end++;
    *value = line + at;
    *value_length = end - at;
    /* A prefix cut at an escape or a special byte closes nothing: GMime's
     * boundary goes on ("--a--" does not close boundary="a\"b"), as an
     * unclosed quote may on a folded line. */
    *whole = quoted ? end < length && line[end] == '"'
                    : end == length || source_is_space(line[end]) || line[end] == ';';
    if (memmem(*value, *value_length, "=?", 2)) /* an encoded word GMime may decode */
        *value_length = 0;
    return 1;
}

/* Whether the line closes the innermost boundary open ("--BOUNDARY--",
 * blanks after it allowed).  Only the innermost: GMime may close more at
 * once, which only leaves more counted. */
static int mail_closes(const mail_scan *scan, const uint8_t *line, size_t length)
{
    while (length > 0 && source_is_space(line[length - 1]))
        length--;
    if (scan->open == 0)
        return 0;
    size_t size = scan->boundary_length[scan->open - 1];
    const uint8_t *boundary = scan->boundary[scan->open - 1];
    return size != SIZE_MAX && scan->boundary_whole[scan->open - 1] && length == size + 4 &&
           memcmp(line, "--", 2) == 0 && memcmp(line + 2, boundary, size) == 0 &&
           memcmp(line + 2 + size, "--", 2) == 0;
}

/* Whether GMime may take the line as a boundary of a multipart open,
 * after which a part's headers follow: it starts "--" and an open
 * boundary (GMime matches a prefix), or a boundary open is unreadable.
 * Any other line starting "--" (a signature, a patch's "--- a/file") is
 * text, whose lines count as no header fields. */
static int mail_boundary_line(const mail_scan *scan, const uint8_t *line, size_t length)
{
    for (size_t i = 0; i < scan->open; i++) {
        size_t size = scan->boundary_length[i];
        if (size == SIZE_MAX ||
            (length >= size + 2 && memcmp(line + 2, scan->boundary[i], size) == 0))
            return 1;
    }
    return 0;
}

/* An RFC 2047 encoded word ("=?charset?Q?...?=", "=?charset*lang?B?...")
 * names the iconv decoder GMime decodes it with: one whose charset the
 * WHATWG Encoding Standard does not list (UTF-7, a made-up or stateful
 * one) is left undecoded, its "=?" made "=_" and its closing "?=" "_="
 * in the bytes GMime parses, so that no part of it pairs with a word
 * around it (counted in the scan, for one warning per file). */
static void mail_refuse_encoded_words(mail_scan *scan, uint8_t *line, size_t length)
{
    const uint8_t *end = line + length;
    /* No "?=" starts in [clear_from, clear_to): the close of a refused
     * word is looked for past what is known, so that a line of refused
     * words never closed is read once, not once a word (a Subject of
     * 150,000 "=?x?Q? " took two minutes). */
    const uint8_t *clear_from = end, *clear_to = end;
    for (uint8_t *at = line; (at = memmem(at, length - (size_t)(at - line), "=?", 2)) != NULL;
         at += 2) {
        const uint8_t *name = at + 2;
        size_t size = 0;
        /* the whole name, however long: cut at CHARSET_NAME_MAX, a name
         * of 39 bytes and more ("UTF-7//XXX...") was let through, and
         * iconv took it for UTF-7 */
        while (name + size < end && name[size] != '?' && name[size] != '*'
               && !source_is_space(name[size]))
            size++;
        if (name + size >= end || (name[size] != '?' && name[size] != '*'))
            continue;
        char charset[CHARSET_NAME_MAX];
        size_t kept = size < sizeof charset ? size : sizeof charset - 1;
        memcpy(charset, name, kept);
        charset[kept] = 0;
        if (size < sizeof charset && charset_whatwg(charset))
            continue;
        if (scan->refused++ == 0)
            snprintf(scan->first_refused, sizeof scan->first_refused, "%s", charset);
        at[1] = '_';
        /* the close: after "?E?" (E the encoding), the next "?=" */
        const uint8_t *text = name + size;
        text = memchr(text + 1, '?', (size_t)(end - text - 1));
        if (!text)
            continue;
        const uint8_t *from = text + 1;
        if (from < clear_from || from > clear_to)
            clear_from = clear_to = from; /* nothing known there */
        uint8_t *close = clear_to < end ? memmem(clear_to, (size_t)(end - clear_to), "?=", 2) : NULL;
        clear_to = close ? close + 1 : end; /* the close found is broken just below */
        if (close)
            close[0] = '_';
    }
}

/* Count a line of a block that may be headers; 0, or -1 when it passes a
 * bound (`why` says which). */
static int mail_header_line(mail_scan *scan, uint8_t *line, size_t length, char why[64])
{
    mail_refuse_encoded_words(scan, line, length);
    const uint8_t *value;
    size_t value_length;
    int whole = 0;
    if (!source_is_space(line[0])) {
        scan->fields++;
        scan->content_type = mail_content_type(line, length);
    }
    if (scan->fields > MAIL_MAX_HEADER_FIELDS) {
        snprintf(why, 64, "more than %d header fields", MAIL_MAX_HEADER_FIELDS);
        return -1;
    }
    if (!scan->content_type || !mail_boundary(line, length, &value, &value_length, &whole))
        return 0;
    scan->content_type = 0; /* one multipart per field, as GMime opens */
    if (scan->open == MAIL_MAX_NESTING) {
        snprintf(why, 64, "multiparts nested deeper than %d", MAIL_MAX_NESTING);
        return -1;
    }
    int usable = value_length > 0 && value_length <= MAIL_BOUNDARY_MAX;
    scan->boundary_length[scan->open] = usable ? value_length : SIZE_MAX;
    scan->boundary_whole[scan->open] = (uint8_t)whole;
    if (usable)
        memcpy(scan->boundary[scan->open], value, value_length);
    scan->open++;
    return 0;
}

/* The offset of the first line at which a message of `data` passes a
 * bound on what GMime keeps or compares (more than MAIL_MAX_HEADER_FIELDS
 * header fields, more than MAIL_MAX_NESTING multiparts open), else
 * `length`.  One pass, counting at least what GMime parses: the lines
 * not starting with a blank in every block of lines that may be headers,
 * until a blank line, and the boundaries their Content-Type fields
 * declare.  Such a block starts a message, follows a line starting "--"
 * and an open boundary (a part's) or starts with a field after a blank
 * line (a message/rfc822 part's, after its part's headers; also a
 * paragraph of a text that looks so, which only counts more).  In an mbox the counts
 * start again at each "From " line outside a block (the next message). */
static size_t mail_cut(uint8_t *data, size_t length, int mbox, char why[64], mail_scan *counts)
{
    mail_scan scan = {0};
    size_t next;
    int in_block = 1;
    for (size_t at = 0; at < length; at = next) {
        const uint8_t *newline = memchr(data + at, '\n', length - at);
        next = newline ? (size_t)(newline - data) + 1 : length;
        uint8_t *line = data + at;
        size_t size = next - at;
        int blank = line[0] == '\n' || (size >= 2 && line[0] == '\r' && line[1] == '\n');
        if (in_block && blank) {
            in_block = 0;
            scan.content_type = 0;
            continue;
        }
        if (!in_block && mbox && size >= 5 && memcmp(line, "From ", 5) == 0) {
            scan.fields = scan.open = 0;
            in_block = 1;
            continue;
        }
        if (!in_block && size >= 2 && line[0] == '-' && line[1] == '-' &&
            mail_boundary_line(&scan, line, size)) {
            scan.open -= mail_closes(&scan, line, size);
            in_block = 1;
            continue;
        }
        if (in_block || mail_field_line(line, size)) {
            in_block = 1;
            if (mail_header_line(&scan, line, size, why) != 0)
                length = at;
        }
    }
    counts->refused = scan.refused;
    memcpy(counts->first_refused, scan.first_refused, sizeof scan.first_refused);
    return length;
}

int source_read_mail(source_file *file)
{
    byte_buffer raw = BUFFER_INIT;
    int status = source_read_bytes(file, &raw);
    if (status != 1) {
        buffer_free(&raw);
        return status;
    }
    pthread_once(&mail_once, mail_init);
    source_quiet_libraries();
    if (gmime.problem[0]) {
        buffer_free(&raw);
        source_skip(file->walker, "%s: e-mail not read: GMime cannot be loaded (%s), skipped",
                    file->path, gmime.problem);
        return 0;
    }
    file->format_name = file->format == FORMAT_MBOX ? "mbox" : "mail";
    /* The stream takes the bytes (GLib frees with the system allocator). */
    const uint8_t *data = raw.data;
    char why[64] = "";
    mail_scan counts;
    size_t length = mail_cut(raw.data, raw.length, file->format == FORMAT_MBOX, why, &counts);
    if (length < raw.length)
        source_warn(file->walker, "%s: a message with %s at byte %zu: read up to there",
                    file->path, why, length);
    if (counts.refused > 0)
        source_warn(file->walker, "%s: %zu encoded words of the headers name a charset not of the "
                    "WHATWG Encoding Standard (the first '%s'): left undecoded", file->path,
                    counts.refused, counts.first_refused);
    GByteArray *array = g_byte_array_new_take(raw.data, length);
    GMimeStream *stream = gmime.stream_with_byte_array(array);
    status = mail_parse(file, stream, data, length);
    g_object_unref(stream);
    return status;
}
