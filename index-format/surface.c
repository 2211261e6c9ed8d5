/*
 * surface.c — the SURFACE section (surface.h, FORMAT.md 3.10).
 */
#include "config.h"

#include "index-format/surface.h"

#include <string.h>
#include <zlib.h>

#include "base/error.h"
#include "index-format/layout.h"

/* Two lengths (each at most SURFACE_MAX_BYTES) in a head byte of two
 * nibbles, `high` first; a nibble of 15 means 15 or more, and a byte with
 * the rest follows (`high`'s first).  One byte for all but 245 of
 * wiki-dev's 145,625 entries' pairs, where two took two bytes. */
static void put_lengths(byte_buffer *out, size_t high, size_t low)
{
    buffer_append_byte(out, (uint8_t)((high < 15 ? high : 15) << 4 | (low < 15 ? low : 15)));
    if (high >= 15)
        buffer_append_byte(out, (uint8_t)(high - 15));
    if (low >= 15)
        buffer_append_byte(out, (uint8_t)(low - 15));
}

/* put_lengths' pair at `p`: the bytes after it, or NULL when it does not
 * fit before `stop`. */
static const uint8_t *get_lengths(const uint8_t *p, const uint8_t *stop, size_t *high, size_t *low)
{
    if (p >= stop)
        return NULL;
    *high = *p >> 4;
    *low = *p++ & 15;
    if (*high == 15) {
        if (p >= stop)
            return NULL;
        *high += *p++;
    }
    if (*low == 15) {
        if (p >= stop)
            return NULL;
        *low += *p++;
    }
    return p;
}

void surface_encode(const surface_pair *pairs, size_t count, byte_buffer *out)
{
    size_t blocks = (count + SURFACE_BLOCK_FORMS - 1) / SURFACE_BLOCK_FORMS;
    size_t start = out->length;
    buffer_append_u32le(out, (uint32_t)blocks);
    buffer_append_u32le(out, 0); /* the index's CRC, set below */
    size_t index_at = out->length;
    for (size_t k = 0; k < blocks; k++)
        buffer_append_u32le(out, 0);
    for (size_t k = 0; k < blocks && !buffer_failed(out); k++) {
        layout_put_u32(out->data + index_at + 4 * k, (uint32_t)(out->length - start));
        size_t block_at = out->length;
        buffer_append_u32le(out, 0); /* the block's CRC, set below */
        size_t first = k * SURFACE_BLOCK_FORMS;
        size_t n = count - first < SURFACE_BLOCK_FORMS ? count - first : SURFACE_BLOCK_FORMS;
        buffer_append_byte(out, (uint8_t)n);
        for (size_t i = first; i < first + n; i++) {
            const surface_pair *p = &pairs[i];
            size_t shared = 0;
            if (i > first)
                while (shared < p->form_length && shared < pairs[i - 1].form_length
                       && p->form[shared] == pairs[i - 1].form[shared])
                    shared++;
            size_t kept = 0;
            while (kept < p->form_length && kept < p->term_length && p->form[kept] == p->term[kept])
                kept++;
            put_lengths(out, shared, p->form_length - shared);
            buffer_append(out, p->form + shared, p->form_length - shared);
            put_lengths(out, p->form_length - kept, p->term_length - kept);
            buffer_append(out, p->term + kept, p->term_length - kept);
        }
        if (!buffer_failed(out))
            layout_put_u32(out->data + block_at,
                           (uint32_t)crc32(0, out->data + block_at + 4,
                                           (uInt)(out->length - block_at - 4)));
    }
    if (!buffer_failed(out))
        layout_put_u32(out->data + start + 4,
                       (uint32_t)crc32(0, out->data + index_at, (uInt)(4 * blocks)));
}

static int damaged(const surface_section *s, cops_error *err, size_t at, const char *what)
{
    return error_set(err, COPS_ECORRUPT, "%s: damaged index at byte %llu: SURFACE %s", s->path,
                     (unsigned long long)(s->offset + at), what);
}

/* The block count, after checking the header and the index's CRC. */
static int read_index(const surface_section *s, uint32_t *blocks, cops_error *err)
{
    if (s->length < 8)
        return damaged(s, err, 0, "section shorter than its header");
    *blocks = layout_get_u32(s->data);
    if (*blocks == 0 || (uint64_t)*blocks * 4 > s->length - 8)
        return damaged(s, err, 0, "block count out of range");
    if ((uint32_t)crc32(0, s->data + 8, (uInt)(4 * (size_t)*blocks)) != layout_get_u32(s->data + 4))
        return damaged(s, err, 4, "block index checksum mismatch");
    return 0;
}

/* One decoded block: its pairs, the forms spelled out. */
typedef struct surface_block {
    size_t count;
    uint8_t forms[SURFACE_BLOCK_FORMS][SURFACE_MAX_BYTES];
    uint8_t terms[SURFACE_BLOCK_FORMS][SURFACE_MAX_BYTES];
    surface_pair pairs[SURFACE_BLOCK_FORMS];
} surface_block;

/* Decode block k (of `blocks`), checking its CRC and every length; with
 * `first_only`, only its first entry (what a binary search compares). */
static int read_block(const surface_section *s, uint32_t blocks, uint32_t k, int first_only,
                      surface_block *out, cops_error *err)
{
    size_t index_end = 8 + 4 * (size_t)blocks;
    size_t start = layout_get_u32(s->data + 8 + 4 * (size_t)k);
    size_t end = k + 1 < blocks ? layout_get_u32(s->data + 8 + 4 * (size_t)(k + 1)) : s->length;
    if (start < index_end || end > s->length || end < start + 5)
        return damaged(s, err, 8 + 4 * (size_t)k, "block offset out of range");
    const uint8_t *p = s->data + start, *stop = s->data + end;
    if ((uint32_t)crc32(0, p + 4, (uInt)(end - start - 4)) != layout_get_u32(p))
        return damaged(s, err, start, "block checksum mismatch");
    p += 4;
    out->count = *p++;
    if (out->count == 0 || out->count > SURFACE_BLOCK_FORMS)
        return damaged(s, err, start + 4, "block form count out of range");
    size_t previous = 0;
    for (size_t i = 0; i < out->count; i++) {
        size_t at = (size_t)(p - s->data), shared, suffix, dropped, tail;
        if (!(p = get_lengths(p, stop, &shared, &suffix)))
            return damaged(s, err, at, "entry truncated");
        if (shared > previous || shared + suffix == 0 || shared + suffix > SURFACE_MAX_BYTES
            || (size_t)(stop - p) < suffix || (i == 0 && shared != 0))
            return damaged(s, err, at, "form length out of range");
        if (i > 0)
            memcpy(out->forms[i], out->forms[i - 1], shared);
        memcpy(out->forms[i] + shared, p, suffix);
        p += suffix;
        size_t form_length = shared + suffix;
        if (!(p = get_lengths(p, stop, &dropped, &tail)))
            return damaged(s, err, at, "entry truncated");
        size_t kept = form_length - dropped;
        if (dropped > form_length || kept + tail == 0 || kept + tail > SURFACE_MAX_BYTES
            || (size_t)(stop - p) < tail)
            return damaged(s, err, at, "term length out of range");
        memcpy(out->terms[i], out->forms[i], kept);
        memcpy(out->terms[i] + kept, p, tail);
        p += tail;
        out->pairs[i] = (surface_pair){out->forms[i], form_length, out->terms[i], kept + tail};
        previous = form_length;
        if (first_only)
            return 0;
    }
    if (p != stop)
        return damaged(s, err, (size_t)(p - s->data), "bytes after the block's last entry");
    return 0;
}

/* memcmp order, a shorter string first on a tie. */
static int compare_bytes(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length)
{
    int order = memcmp(a, b, a_length < b_length ? a_length : b_length);
    return order ? order : (a_length > b_length) - (a_length < b_length);
}

int surface_scan(const surface_section *s, const uint8_t *prefix, size_t prefix_length,
                 int (*visit)(void *context, const surface_pair *pair), void *context,
                 cops_error *err)
{
    uint32_t blocks;
    int rc = read_index(s, &blocks, err);
    if (rc != 0)
        return rc;
    surface_block block;
    /* The last block whose first form sorts before the prefix (or the
     * first block): the forms starting with it begin there. */
    uint32_t low = 0, high = blocks;
    while (high - low > 1) {
        uint32_t mid = low + (high - low) / 2;
        if ((rc = read_block(s, blocks, mid, 1, &block, err)) != 0)
            return rc;
        const surface_pair *first = &block.pairs[0];
        if (compare_bytes(first->form, first->form_length, prefix, prefix_length) < 0)
            low = mid;
        else
            high = mid;
    }
    for (uint32_t k = low; k < blocks; k++) {
        if ((rc = read_block(s, blocks, k, 0, &block, err)) != 0)
            return rc;
        for (size_t i = 0; i < block.count; i++) {
            const surface_pair *pair = &block.pairs[i];
            if (pair->form_length >= prefix_length
                && memcmp(pair->form, prefix, prefix_length) == 0) {
                if ((rc = visit(context, pair)) != 0)
                    return rc;
            } else if (compare_bytes(pair->form, pair->form_length, prefix, prefix_length) > 0) {
                return 0; /* past every form starting with the prefix */
            }
        }
    }
    return 0;
}

int surface_check(const surface_section *s, uint64_t *forms, cops_error *err)
{
    *forms = 0;
    uint32_t blocks;
    int rc = read_index(s, &blocks, err);
    if (rc != 0)
        return rc;
    uint8_t last[SURFACE_MAX_BYTES];
    size_t last_length = 0;
    surface_block block;
    for (uint32_t k = 0; k < blocks; k++) {
        if ((rc = read_block(s, blocks, k, 0, &block, err)) != 0)
            return rc;
        size_t start = layout_get_u32(s->data + 8 + 4 * (size_t)k);
        if (k + 1 < blocks && block.count != SURFACE_BLOCK_FORMS)
            return damaged(s, err, start, "a block before the last is not full");
        for (size_t i = 0; i < block.count; i++) {
            const surface_pair *pair = &block.pairs[i];
            if (*forms && compare_bytes(last, last_length, pair->form, pair->form_length) >= 0)
                return damaged(s, err, start, "forms out of order");
            if (compare_bytes(pair->form, pair->form_length, pair->term, pair->term_length) == 0)
                return damaged(s, err, start, "a form equal to its term");
            memcpy(last, pair->form, pair->form_length);
            last_length = pair->form_length;
            ++*forms;
        }
    }
    return 0;
}
