/*
 * source-epub.h — an EPUB's reading order.
 *
 * META-INF/container.xml names the package (the .opf); the package's
 * manifest maps ids to files and its spine lists ids in reading order.
 * source-office.c parses the parts with libxml2 and hands the elements
 * that matter here (rootfile, item, itemref) and the place of each
 * chapter's text in the body it gathers; epub_order_apply then rewrites
 * the body in spine order.  Everything kept is bounded (EPUB_MAX_ITEMS
 * entries of at most EPUB_MAX_NAME bytes each), and a manifest path that
 * is absolute, a URL, or climbs above the archive's top names nothing.
 */
#ifndef COPS_INDEXER_SOURCE_EPUB_H
#define COPS_INDEXER_SOURCE_EPUB_H

#include "base/buffer.h"

#include <stddef.h>

#define EPUB_MAX_ITEMS 10000
#define EPUB_MAX_NAME 1024

typedef struct epub_entry {
    char *key;    /* manifest: id; spine: idref; chapter: member name */
    char *value;  /* manifest: href as written */
    size_t start, end; /* chapter: its text in the body */
} epub_entry;

typedef struct epub_list {
    epub_entry *entries;
    size_t count, capacity;
} epub_list;

typedef struct epub_order {
    char *package;      /* the package path META-INF/container.xml names */
    char *package_read; /* the package whose manifest and spine were read */
    int in_container;   /* parsing META-INF/container.xml */
    int in_package;     /* parsing the package read */
    epub_list manifest, spine, chapters;
    int overflow;       /* a list or a name past its bound */
    int failed;         /* out of memory */
} epub_order;

/* Before a member of the zip is parsed: whether it is the container or
 * the (first) package. */
void epub_order_part(epub_order *order, const char *name);
/* An element of the part being parsed, with libxml2's SAX2 attributes
 * (localname, prefix, URI, value, end: five pointers each). */
void epub_order_element(epub_order *order, const char *localname, int attribute_count,
                        const unsigned char **attributes);
/* The text of chapter `name` is body[start, end). */
void epub_order_chapter(epub_order *order, const char *name, size_t start, size_t end);
/* Rewrite `body` as its chapters in spine order (chapters the spine does
 * not list, such as a navigation page, are left out).  Returns 1 when
 * done, 0 when the order cannot be known (*problem says why; `body` is
 * untouched), or COPS_ENOMEM. */
int epub_order_apply(epub_order *order, byte_buffer *body, const char **problem);
void epub_order_free(epub_order *order);

#endif
