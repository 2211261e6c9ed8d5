/*
 * html-memory.c — memory for gumbo that survives running out
 * (html-memory.h).
 */
#include "config.h"

#include "indexer/html-memory.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

/* A block's header; the padding keeps gumbo's memory aligned for any
 * type, as malloc's is. */
struct html_block {
    alignas(max_align_t) html_block *previous;
    html_block *next;
};

static void *html_allocate(void *userdata, size_t size)
{
    html_memory *memory = userdata;
    html_block *block = size <= SIZE_MAX - sizeof *block ? malloc(sizeof *block + size) : NULL;
    if (!block)
        longjmp(memory->out_of_memory, 1);
    block->previous = NULL;
    block->next = memory->blocks;
    if (block->next)
        block->next->previous = block;
    memory->blocks = block;
    return block + 1;
}

static void html_deallocate(void *userdata, void *pointer)
{
    html_memory *memory = userdata;
    if (!pointer)
        return;
    html_block *block = (html_block *)pointer - 1;
    if (block->previous)
        block->previous->next = block->next;
    else
        memory->blocks = block->next;
    if (block->next)
        block->next->previous = block->previous;
    free(block);
}

void html_memory_init(html_memory *memory)
{
    memory->options = kGumboDefaultOptions;
    memory->options.allocator = html_allocate;
    memory->options.deallocator = html_deallocate;
    memory->options.userdata = memory;
    memory->blocks = NULL;
}

static void release_all(html_memory *memory)
{
    while (memory->blocks) {
        html_block *next = memory->blocks->next;
        free(memory->blocks);
        memory->blocks = next;
    }
}

GumboOutput *html_parse(html_memory *memory, const char *data, size_t length)
{
    if (setjmp(memory->out_of_memory) != 0) {
        release_all(memory);
        return NULL;
    }
    return gumbo_parse_with_options(&memory->options, data, length);
}

void html_memory_destroy(html_memory *memory, GumboOutput *output)
{
    if (output)
        gumbo_destroy_output(&memory->options, output);
    release_all(memory);
}
