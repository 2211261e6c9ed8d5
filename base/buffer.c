#include "config.h"

#include "base/buffer.h"

#include <stdlib.h>
#include <string.h>

int buffer_grow(byte_buffer *buffer, size_t extra)
{
    if (buffer->failed)
        return -1;
    if (extra <= buffer->capacity - buffer->length)
        return 0;
    if (extra > SIZE_MAX / 2 - buffer->length) {
        buffer->failed = 1;
        return -1;
    }
    size_t wanted = buffer->length + extra;
    size_t capacity = buffer->capacity ? buffer->capacity : 64;
    while (capacity < wanted)
        capacity *= 2;
    uint8_t *grown = realloc(buffer->data, capacity);
    if (!grown) {
        buffer->failed = 1;
        return -1;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return 0;
}

void buffer_append(byte_buffer *buffer, const void *bytes, size_t length)
{
    if (length == 0 || buffer_reserve(buffer, length) != 0)
        return;
    memcpy(buffer->data + buffer->length, bytes, length);
    buffer->length += length;
}

void buffer_append_byte(byte_buffer *buffer, uint8_t byte)
{
    if (buffer_reserve(buffer, 1) != 0)
        return;
    buffer->data[buffer->length++] = byte;
}

void buffer_append_u32le(byte_buffer *buffer, uint32_t value)
{
    uint8_t bytes[4];
    for (int i = 0; i < 4; i++)
        bytes[i] = (uint8_t)(value >> (8 * i));
    buffer_append(buffer, bytes, 4);
}

void buffer_append_u64le(byte_buffer *buffer, uint64_t value)
{
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(value >> (8 * i));
    buffer_append(buffer, bytes, 8);
}

void buffer_append_varint(byte_buffer *buffer, uint64_t value)
{
    if (buffer_reserve(buffer, 10) != 0)
        return;
    uint8_t *out = buffer->data + buffer->length;
    while (value >= 0x80) {
        *out++ = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    *out++ = (uint8_t)value;
    buffer->length = (size_t)(out - buffer->data);
}

void buffer_free(byte_buffer *buffer)
{
    free(buffer->data);
    buffer->data = NULL;
    buffer->length = buffer->capacity = 0;
    buffer->failed = 0;
}
