/*
 * source-epub.c — an EPUB's reading order (source-epub.h): the package
 * META-INF/container.xml names, that package's manifest (id → file) and
 * spine (ids in reading order), and the chapters' text put in that order.
 */
#include "config.h"

#include "indexer/source-epub.h"

#include "cops.h"

#include <stdlib.h>
#include <string.h>

/* A copy of value[0, length) as a string, or NULL (order->overflow or
 * order->failed says why). */
static char *epub_copy(epub_order *order, const char *value, size_t length)
{
    if (length > EPUB_MAX_NAME) {
        order->overflow = 1;
        return NULL;
    }
    char *copy = malloc(length + 1);
    if (!copy) {
        order->failed = 1;
        return NULL;
    }
    memcpy(copy, value, length);
    copy[length] = '\0';
    return copy;
}

/* Append an entry taking `key` and `value` (freed when it cannot). */
static epub_entry *epub_add(epub_order *order, epub_list *list, char *key, char *value)
{
    if (key && list->count == list->capacity && list->count < EPUB_MAX_ITEMS) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        epub_entry *grown = realloc(list->entries, capacity * sizeof *grown);
        if (grown) {
            list->entries = grown;
            list->capacity = capacity;
        } else {
            order->failed = 1;
        }
    }
    if (!key || list->count == list->capacity) {
        order->overflow |= key != NULL && !order->failed;
        free(key);
        free(value);
        return NULL;
    }
    epub_entry *entry = &list->entries[list->count++];
    *entry = (epub_entry){.key = key, .value = value};
    return entry;
}

void epub_order_part(epub_order *order, const char *name)
{
    order->in_container = strcmp(name, "META-INF/container.xml") == 0;
    size_t length = strlen(name);
    order->in_package = 0;
    if (length > 4 && strcmp(name + length - 4, ".opf") == 0 && !order->package_read) {
        order->package_read = epub_copy(order, name, length);
        order->in_package = order->package_read != NULL;
    }
}

/* The value of attribute `name` (no namespace) as [*value, *length). */
static int epub_attribute(int count, const unsigned char **attributes, const char *name,
                          const char **value, size_t *length)
{
    for (int i = 0; i < count; i++) {
        const unsigned char **attribute = attributes + 5 * i;
        if (attribute[2] == NULL && strcmp((const char *)attribute[0], name) == 0) {
            *value = (const char *)attribute[3];
            *length = (size_t)(attribute[4] - attribute[3]);
            return 1;
        }
    }
    return 0;
}

void epub_order_element(epub_order *order, const char *localname, int attribute_count,
                        const unsigned char **attributes)
{
    const char *value, *href;
    size_t length, href_length;
    if (order->in_container && strcmp(localname, "rootfile") == 0 && !order->package &&
        epub_attribute(attribute_count, attributes, "full-path", &value, &length))
        order->package = epub_copy(order, value, length);
    if (!order->in_package)
        return;
    if (strcmp(localname, "item") == 0 &&
        epub_attribute(attribute_count, attributes, "id", &value, &length) &&
        epub_attribute(attribute_count, attributes, "href", &href, &href_length)) {
        char *id = epub_copy(order, value, length);
        epub_add(order, &order->manifest, id, id ? epub_copy(order, href, href_length) : NULL);
    } else if (strcmp(localname, "itemref") == 0 &&
               epub_attribute(attribute_count, attributes, "idref", &value, &length)) {
        epub_add(order, &order->spine, epub_copy(order, value, length), NULL);
    }
}

void epub_order_chapter(epub_order *order, const char *name, size_t start, size_t end)
{
    epub_entry *chapter = epub_add(order, &order->chapters, epub_copy(order, name, strlen(name)),
                                   NULL);
    if (chapter) {
        chapter->start = start;
        chapter->end = end;
    }
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The member name `href` (relative to the package's folder, as a URL
 * path) designates, into out[EPUB_MAX_NAME * 2 + 2]: percent escapes
 * decoded, the fragment dropped, "." and ".." resolved.  0 when it
 * leaves the archive (absolute, a URL with a scheme, ".." above the
 * top), decodes to a NUL byte or names no file. */
static int epub_resolve(const char *package, const char *href, char *out)
{
    if (href[0] == '/' || strchr(href, ':'))
        return 0;
    char decoded[EPUB_MAX_NAME + 1]; /* hrefs are at most EPUB_MAX_NAME bytes */
    size_t decoded_length = 0;
    for (const char *at = href; *at && *at != '#' && *at != '?'; at++) {
        char c = *at;
        if (c == '%' && hex_digit(at[1]) >= 0 && hex_digit(at[2]) >= 0) {
            c = (char)(hex_digit(at[1]) * 16 + hex_digit(at[2]));
            at += 2;
        }
        if (c == '\0')
            return 0;
        decoded[decoded_length++] = c;
    }
    decoded[decoded_length] = '\0';
    const char *slash = strrchr(package, '/');
    size_t length = slash ? (size_t)(slash - package) : 0; /* the folder, no final '/' */
    memcpy(out, package, length);
    for (char *segment = decoded; segment;) {
        char *next = strchr(segment, '/');
        if (next)
            *next++ = '\0';
        if (strcmp(segment, "..") == 0) {
            if (length == 0)
                return 0;
            while (length > 0 && out[length - 1] != '/')
                length--;
            length -= length > 0;
        } else if (segment[0] && strcmp(segment, ".") != 0) {
            size_t segment_length = strlen(segment);
            if (length > 0)
                out[length++] = '/';
            memcpy(out + length, segment, segment_length);
            length += segment_length;
        }
        segment = next;
    }
    out[length] = '\0';
    return length > 0;
}

static int entry_by_key(const void *a, const void *b)
{
    return strcmp(((const epub_entry *)a)->key, ((const epub_entry *)b)->key);
}

static epub_entry *epub_find(epub_list *list, const char *key)
{
    epub_entry wanted = {.key = (char *)key};
    return bsearch(&wanted, list->entries, list->count, sizeof wanted, entry_by_key);
}

/* Append the chapter's text (without the line break that opened it) to
 * `out`, a line break apart from what is there. */
static void epub_append_chapter(byte_buffer *out, const byte_buffer *body, epub_entry *chapter)
{
    size_t start = chapter->start;
    if (start < chapter->end && body->data[start] == '\n')
        start++;
    if (start == chapter->end)
        return;
    if (out->length > 0)
        buffer_append_byte(out, '\n');
    buffer_append(out, body->data + start, chapter->end - start);
}

int epub_order_apply(epub_order *order, byte_buffer *body, const char **problem)
{
    if (order->failed)
        return COPS_ENOMEM;
    *problem = !order->package ? "no package named by META-INF/container.xml"
               : !order->package_read || strcmp(order->package, order->package_read) != 0
                   ? "its package (.opf) is missing or not the one its container names"
               : order->overflow ? "more manifest items, spine entries or chapters than read"
               : order->spine.count == 0 ? "its package has no spine"
                                         : NULL;
    if (*problem)
        return 0;
    qsort(order->manifest.entries, order->manifest.count, sizeof(epub_entry), entry_by_key);
    qsort(order->chapters.entries, order->chapters.count, sizeof(epub_entry), entry_by_key);
    byte_buffer ordered = BUFFER_INIT;
    char path[EPUB_MAX_NAME * 2 + 2];
    size_t found = 0;
    for (size_t i = 0; i < order->spine.count; i++) {
        epub_entry *item = epub_find(&order->manifest, order->spine.entries[i].key);
        epub_entry *chapter = item && epub_resolve(order->package, item->value, path)
                                  ? epub_find(&order->chapters, path)
                                  : NULL;
        if (!chapter || chapter->start == (size_t)-1)
            continue; /* not a chapter read, or listed twice */
        epub_append_chapter(&ordered, body, chapter);
        chapter->start = (size_t)-1;
        found++;
    }
    if (buffer_failed(&ordered)) {
        buffer_free(&ordered);
        return COPS_ENOMEM;
    }
    if (found == 0) {
        buffer_free(&ordered);
        *problem = "its spine names none of its chapters";
        return 0;
    }
    buffer_free(body);
    *body = ordered;
    return 1;
}

static void epub_list_free(epub_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->entries[i].key);
        free(list->entries[i].value);
    }
    free(list->entries);
}

void epub_order_free(epub_order *order)
{
    free(order->package);
    free(order->package_read);
    epub_list_free(&order->manifest);
    epub_list_free(&order->spine);
    epub_list_free(&order->chapters);
}
