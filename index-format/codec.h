/*
 * codec.h — the integer codecs of the index format: unsigned LEB128
 * varints, frame-of-reference bit packing in blocks of CODEC_BLOCK_SIZE
 * values, and delta (gap) coding of increasing sequences.
 *
 * Posting lists (document-id gaps, term frequencies, positions) are cut
 * into blocks of CODEC_BLOCK_SIZE values; a shorter final block is
 * allowed.  The number of values in a block is never stored by these
 * codecs: the posting list header records it, and the reader passes it
 * back as `count`.
 *
 * Byte layouts (every multi-byte quantity is little-endian):
 *
 *   varint   7 value bits per byte, least significant group first; the
 *            high bit (0x80) of a byte is set when another byte follows.
 *            A uint64_t takes 1 to 10 bytes; the 10th byte may only
 *            carry bit 63 of the value, so it is 0x00 or 0x01.
 *
 *   packed   `count` values of `width` bits (0..32) as one bit stream:
 *            value i occupies stream bits [i*width, (i+1)*width), value
 *            bit 0 first, and stream bit k is bit (k % 8) of byte k / 8.
 *            The stream takes codec_packed_bytes(width, count) bytes;
 *            unused high bits of the last byte are written as zero.
 *            Width 0 takes no bytes at all: every value is 0.
 *
 *   block    a head byte, then `count` values packed at width W, then,
 *            when the head says so, exceptions ("patched" frame of
 *            reference, PFor): the few values wider than W keep their low
 *            W bits in the packed area and add a high part.
 *              head        bits 0-5: W (0..32); bit 7: exceptions;
 *                          bit 6 (only with bit 7): placed by a bitmap
 *              exceptions  the places, H:u8 (1..32-W), packed(H, E) of
 *                          high parts; the i-th exception in value order
 *                          gets high[i] << W added
 *              places      bit 6 clear: E:u8 (1..count), index:u8 x E
 *                          (strictly increasing, < count); bit 6 set:
 *                          ceil(count / 8) bytes, bit i (of byte i / 8,
 *                          bit i % 8) set when value i is an exception,
 *                          E = the bits set (>= 1, none from count on)
 *            The writer places exceptions by the bitmap when it is smaller
 *            than the list (a tie keeps the list), and picks the W of the
 *            least cost: the size in quarter bytes, plus one for each
 *            exception a bitmap places (on a tie, the wider W); a block
 *            of 128 values without exceptions is 1 + 16 * W bytes.
 *            Exceptions are only written for blocks of at most
 *            CODEC_MAX_EXCEPTIONS values.  A block of one value is that
 *            value as a varint (of at most UINT32_MAX), with
 *            no head: a head byte and the packed bits take a byte more for
 *            the values from 1 to 127 and from 256 to 16383 (an inline
 *            list's one document, its one position).
 *            The unary form (Rice coding; written only by
 *            codec_positions_append and codec_tfs_append): head 0x40 | k (k <= 31: bit 7 and
 *            bit 5 clear), U:u8 (>= 1), the values' low k bits packed,
 *            then U bytes of their high parts (value >> k) in unary,
 *            that many 0 bits and a 1, LSB-first: exactly `count` 1s, the
 *            last in the last byte, and every value below 2^32.
 *
 * Decoding reads untrusted bytes.  Every decoder takes the readable range
 * as [in, end), reads only bytes inside it, and never reads more than the
 * bytes of the one item it decodes (listed with each function), so the
 * range may end exactly where the item ends.  Decoders reject rather than
 * guess: a return of 0 means the bytes are not a valid item, and the
 * caller reports COPS_ECORRUPT.  Decoders never allocate and never write
 * outside out[0, count).  Output arrays must not overlap the input bytes.
 *
 * All functions are pure (no global state) and safe to call from any
 * number of threads.
 */
#ifndef COPS_INDEX_FORMAT_CODEC_H
#define COPS_INDEX_FORMAT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"

#define CODEC_BLOCK_SIZE 128

/* The longest varint: ceil(64 / 7) bytes. */
#define CODEC_VARINT_MAX_BYTES 10

/* The largest bit width of a packed value. */
#define CODEC_MAX_WIDTH 32

/* The most exceptions in a block (an exception's index is one byte). */
#define CODEC_MAX_EXCEPTIONS 255

/* ------------------------------------------------------------ varints */

/* Write `value` as a varint of minimal length to out[0, n) and return n
 * (1..10).  Same bytes as buffer_append_varint. */
size_t codec_varint_encode(uint64_t value, uint8_t out[CODEC_VARINT_MAX_BYTES]);

/* Decode one varint starting at `in` into *value and return the number of
 * bytes it took (1..10).  Reads in[0] up to the byte without the
 * continuation bit, and never at or past `end` nor beyond in[9].
 * Returns 0, leaving *value unspecified, when [in, end) ends before the
 * last byte (truncated), when the 10th byte still has the continuation bit
 * (longer than 10 bytes), or when the 10th byte is above 1 (value beyond
 * 64 bits).  Non-minimal encodings that fit in 10 bytes (0x80 0x00 for 0)
 * are accepted. */
size_t codec_varint_decode(const uint8_t *in, const uint8_t *end, uint64_t *value);

/* As codec_varint_decode, and also returns 0 when the value exceeds
 * UINT32_MAX; *value is only written on success. */
size_t codec_varint_decode32(const uint8_t *in, const uint8_t *end, uint32_t *value);

/* ------------------------------------------------------- bit packing */

/* The bits needed for `max_value`: 0 for 0, otherwise the position of the
 * highest set bit plus one (1 -> 1, 255 -> 8, UINT32_MAX -> 32). */
unsigned codec_bit_width(uint32_t max_value);

/* codec_bit_width of the largest of values[0, count); 0 when count is 0. */
unsigned codec_max_bit_width(const uint32_t *values, size_t count);

/* The bytes of `count` values packed at `width` bits: ceil(width*count/8),
 * computed without intermediate overflow.  `width` must be 0..32. */
static inline size_t codec_packed_bytes(unsigned width, size_t count)
{
    /* Whole octets of values pack into exactly `width` bytes each; split
     * them off so width*count is never formed. */
    return (count / 8) * width + ((count % 8) * width + 7) / 8;
}

/* Pack values[0, count) at `width` bits (0..32) into
 * out[0, codec_packed_bytes(width, count)), in the "packed" layout above.
 * Every value should be below 2^width; bits above `width` are dropped so
 * an out-of-range value cannot spill into its neighbours. */
void codec_pack(const uint32_t *values, size_t count, unsigned width, uint8_t *out);

/* Unpack `count` values of `width` bits from `in` into out[0, count) and
 * return the bytes consumed, codec_packed_bytes(width, count).  Reads
 * nothing at or past `end`; the AVX2 path may load a few bytes after
 * in[0, consumed) when [in, end) has them, which never changes a value.
 * Returns 0 without writing `out` when [in, end) holds fewer bytes than
 * that, or when width > 32.  When codec_packed_bytes(width, count) is 0
 * (width 0, or count 0) nothing is read, out[0, count) is zeroed and the 0
 * returned is not a failure; callers tell the two apart by computing the
 * expected size first, as codec_block_decode does. */
size_t codec_unpack(const uint8_t *in, const uint8_t *end, size_t count, unsigned width,
                    uint32_t *out);

/* codec_unpack decodes with AVX2 where the processor has it (checked at
 * run time) and the width allows (up to 25 bits), else with the scalar
 * routines; both give the same values and read the same bytes.
 * codec_unpack_scalar always takes the scalar path, so tests and the fuzz
 * harness can hold the two against each other; codec_unpack_simd_available
 * says whether codec_unpack uses AVX2 on this processor. */
/* Every decoder of this module takes its scalar path from now on in this
 * process (on = 1) or again the SIMD one where the processor has it
 * (0): for the tests, which check both on an AVX2 machine, where the
 * functions without a `_scalar` twin (the gaps' and frequencies' block
 * decoders, the running sums) would otherwise never run their scalar
 * loops.  Not for concurrent use with decoding. */
void codec_force_scalar(int on);

size_t codec_unpack_scalar(const uint8_t *in, const uint8_t *end, size_t count, unsigned width,
                           uint32_t *out);
int codec_unpack_simd_available(void);

/* ------------------------------------------------------------ blocks */

/* Append values[0, count) to `out` as the least-cost block (head byte,
 * packed values, exceptions if they pay; see "block" above).  `count` is normally
 * CODEC_BLOCK_SIZE, fewer for the last block of a list.  On allocation
 * failure the buffer turns failed (see buffer.h). */
void codec_block_append(byte_buffer *out, const uint32_t *values, size_t count);

/* codec_block_append, where the unary form (head bit 6 without bit 7)
 * may be chosen too: the chunks of a positions stream (FORMAT.md 3.3). */
void codec_positions_append(byte_buffer *out, const uint32_t *values, size_t count);

/* codec_block_append, where the unary form may be chosen from k = 0 (at a
 * larger charge than a positions chunk's): a docs-block's tf - 1
 * (FORMAT.md 3.3). */
void codec_tfs_append(byte_buffer *out, const uint32_t *values, size_t count);

/* The size in bytes of the block of `count` values at `in` (at least 1),
 * from its head and exception header alone, without decoding the values.
 * Returns 0 when the block is not well formed or does not fit before
 * `end` (the exception indexes are only checked by codec_block_decode). */
size_t codec_patched_block_size(const uint8_t *in, const uint8_t *end, size_t count);
static inline size_t codec_block_size(const uint8_t *in, const uint8_t *end, size_t count)
{
    /* in line: a block without exceptions (a dictionary walk sizes two
     * per entry it passes), and one value's varint of up to 3 bytes (an
     * inline list's one document, its one position: most entries of a
     * dictionary block, so a call each cost a term look-up 3 % more
     * instructions, callgrind) */
    if (count == 1) {
        size_t available = in < end ? (size_t)(end - in) : 0;
        for (size_t i = 0; i < 3 && i < available; i++)
            if (in[i] < 0x80)
                return i + 1;
        return codec_patched_block_size(in, end, count);
    }
    if (in < end && in[0] <= CODEC_MAX_WIDTH) {
        size_t size = 1 + codec_packed_bytes(in[0], count);
        return size <= (size_t)(end - in) ? size : 0;
    }
    return codec_patched_block_size(in, end, count);
}

/* The size in bytes of `blocks` consecutive blocks of CODEC_BLOCK_SIZE
 * values each at `in` (0 blocks: 0 bytes), from their heads alone as
 * codec_block_size; 0 when one is not well formed or does not fit
 * before `end` (so 0 is an error only where blocks > 0). */
size_t codec_full_blocks_size(const uint8_t *in, const uint8_t *end, size_t blocks);

/* The size in bytes of a stream of `count` values (at least 1) cut into
 * blocks of CODEC_BLOCK_SIZE, the last one shorter (FORMAT.md 3.3
 * "block-positions"), at `in`: the blocks' sizes from their heads alone.
 * Returns 0 when a block is not well formed or the stream does not fit
 * before `end`.  Reads one head (and exception header) per block. */
static inline size_t codec_stream_size(const uint8_t *in, const uint8_t *end, uint64_t count)
{
    /* in line, as codec_block_size: a dictionary walk sizes the positions
     * of every inline list it passes, most of them one short chunk */
    const uint8_t *p = in;
    for (; count > CODEC_BLOCK_SIZE; count -= CODEC_BLOCK_SIZE) {
        size_t size = codec_block_size(p, end, CODEC_BLOCK_SIZE);
        if (size == 0)
            return 0;
        p += size;
    }
    size_t last = codec_block_size(p, end, (size_t)count);
    return last ? (size_t)(p - in) + last : 0;
}

/* Decode a block of `count` values from `in` into out[0, count) and
 * return its size in bytes (at least 1).  Reads the block's bytes,
 * in[0, size), and nothing at or past `end` (the exceptions' high parts
 * are loaded 8 bytes at once, or unpacked as codec_unpack does, so a few
 * bytes after the block, before `end`, may be loaded and ignored).
 * Returns 0 when [in, end) is empty,
 * when the head byte is invalid (width above 32, the unary form's k above
 * 31), when a unary form's bits are not exactly `count` 1s with the last
 * in the last byte, or a value would pass 32 bits,
 * when the exception header is invalid (no exceptions, more than `count`
 * or than CODEC_MAX_EXCEPTIONS, a bitmap bit at or past `count`, high
 * parts of 0 bits or reaching past bit 31), when a listed exception index
 * is not below `count` or not above the one before it, or when the bytes
 * do not fit before `end`; out[0, count) is then unspecified. */
size_t codec_block_decode(const uint8_t *in, const uint8_t *end, size_t count, uint32_t *out);

/* codec_block_decode without AVX2 (nor BMI2) where the processor has
 * them, as codec_unpack_scalar: the two decoders are compiled apart, so
 * tests and the fuzz harness hold them against each other. */
size_t codec_block_decode_scalar(const uint8_t *in, const uint8_t *end, size_t count,
                                 uint32_t *out);

/* --------------------------------------------------- fixed-width ids */

/* Append ids[0, count) as packed(width, count) (FORMAT.md 3.4
 * "fixed-ids": no head, so its size, codec_packed_bytes(width, count),
 * follows from the count and the width alone; 0 bytes at width 0). */
void codec_ids_append(byte_buffer *out, const uint32_t *ids, size_t count, unsigned width);

/* Decode `count` ids (1..CODEC_BLOCK_SIZE) of `width` bits (0..32) from
 * in[0, codec_packed_bytes(width, count)) into out[0, count).  Returns 1
 * when those bytes lie inside [in, end), the unused high bits of the last
 * byte are 0, and the ids strictly increase and are below `limit`; else 0,
 * with out[0, count) unspecified.  Reads nothing outside those bytes but
 * what codec_unpack may (before `end`). */
int codec_ids_decode(const uint8_t *in, const uint8_t *end, size_t count, unsigned width,
                     uint32_t limit, uint32_t *out);

/* ------------------------------------------------------------- deltas */

/* Replace each value by its difference from the value before it, the first
 * by its difference from `base` (the last value of the previous block, or
 * 0), so an increasing sequence becomes small gaps.  Arithmetic is modulo
 * 2^32: any input is allowed, and codec_delta_decode restores it. */
void codec_delta_encode(uint32_t *values, size_t count, uint32_t base);

/* The inverse of codec_delta_encode: values[i] becomes base + values[0] +
 * ... + values[i], modulo 2^32 (so corrupt gaps wrap instead of invoking
 * undefined behaviour; the postings reader checks monotonicity itself). */
void codec_delta_decode(uint32_t *values, size_t count, uint32_t base);

/* codec_block_decode of a block of gaps, each a value's difference from
 * the one before less one (FORMAT.md 3.3), then the values: out[i] =
 * previous + (gap[0] + 1) + ... + (gap[i] + 1), the value before the first
 * being `previous` (UINT32_MAX: none, the first is its own gap).  Returns
 * the block's size, or 0 when it does not decode or a value passes
 * UINT32_MAX (damaged gaps). */
size_t codec_gaps_block_decode(const uint8_t *in, const uint8_t *end, size_t count,
                               uint32_t previous, uint32_t *out);

/* Each of `count` values plus one (frequencies stored as tf - 1): 1, or 0
 * when one was UINT32_MAX (the values are then meaningless). */
int codec_increment(uint32_t *values, size_t count);

/* sums[i] = values[0] + ... + values[i - 1] for i <= count (sums[0] = 0,
 * sums[count] the total, returned); in 64 bits, where no sum of 2^32
 * values wraps.  Where each document's positions start in a block's
 * stream, from its frequencies: four at a time with AVX2. */
uint64_t codec_running_sums(const uint32_t *values, size_t count, uint64_t *sums);

/* codec_block_decode of a block of frequencies stored as tf - 1, each
 * then plus one (codec_increment); 0 as codec_block_decode's, or when a
 * value was UINT32_MAX.  The values' width bounds them: where it is under
 * 32 bits none can wrap, and none is checked. */
size_t codec_tfs_block_decode(const uint8_t *in, const uint8_t *end, size_t count, uint32_t *out);

#endif
