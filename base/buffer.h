/*
 * buffer.h — a growable byte buffer, the one used for every encoder.
 *
 * Appends never fail silently: on allocation failure the buffer turns
 * `failed` (sticky) and further appends are ignored, so long append chains
 * check once at the end (buffer_failed) instead of after every call.
 * The buffer owns `data`; buffer_free releases it.  Zero-initialised
 * (BUFFER_INIT) is a valid empty buffer.
 */
#ifndef COPS_BASE_BUFFER_H
#define COPS_BASE_BUFFER_H

#include <stddef.h>
#include <stdint.h>

typedef struct byte_buffer {
    uint8_t *data;
    size_t length;
    size_t capacity;
    int failed;
} byte_buffer;

#define BUFFER_INIT {NULL, 0, 0, 0}

/* buffer_reserve when the room is not there yet. */
int buffer_grow(byte_buffer *buffer, size_t extra);

/* Make room for `extra` more bytes; returns 0, or -1 (and sets failed).
 * Inline: a build reserves for every token, and there is room most
 * times. */
static inline int buffer_reserve(byte_buffer *buffer, size_t extra)
{
    if (!buffer->failed && extra <= buffer->capacity - buffer->length)
        return 0;
    return buffer_grow(buffer, extra);
}
void buffer_append(byte_buffer *buffer, const void *bytes, size_t length);
void buffer_append_byte(byte_buffer *buffer, uint8_t byte);
void buffer_append_u32le(byte_buffer *buffer, uint32_t value);
void buffer_append_u64le(byte_buffer *buffer, uint64_t value);
/* LEB128-style unsigned varint (7 bits per byte, low groups first). */
void buffer_append_varint(byte_buffer *buffer, uint64_t value);
static inline int buffer_failed(const byte_buffer *buffer) { return buffer->failed; }
static inline void buffer_reset(byte_buffer *buffer) { buffer->length = 0; }
void buffer_free(byte_buffer *buffer);

#endif
