/*
 * html-memory.h — memory for gumbo that survives running out.
 *
 * gumbo assumes its allocator never fails: it writes through the NULL it
 * gets back and crashes, or trips an assertion.  html_parse() hands gumbo
 * an allocator that keeps every block on a list and, when malloc fails,
 * jumps back out of the parse, frees every block gumbo held and returns
 * NULL.  gumbo holds nothing but memory, so leaving it in the middle loses
 * nothing else.
 *
 * Not thread-safe per html_memory; each parse has its own.
 */
#ifndef COPS_INDEXER_HTML_MEMORY_H
#define COPS_INDEXER_HTML_MEMORY_H

#include <gumbo.h>
#include <setjmp.h>
#include <stddef.h>

typedef struct html_block html_block;

typedef struct html_memory {
    GumboOptions options; /* kGumboDefaultOptions, with the allocator below */
    html_block *blocks;   /* every block gumbo holds */
    jmp_buf out_of_memory;
} html_memory;

/* Set `memory` up (nothing to free until a parse). */
void html_memory_init(html_memory *memory);

/* gumbo_parse_with_options(&memory->options, data, length), or NULL when
 * an allocation failed (nothing is then held).  The output is freed with
 * html_memory_destroy. */
GumboOutput *html_parse(html_memory *memory, const char *data, size_t length);

/* Free `output` (NULL is fine) and anything gumbo still holds. */
void html_memory_destroy(html_memory *memory, GumboOutput *output);

#endif
