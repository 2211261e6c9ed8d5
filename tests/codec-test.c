#include "config.h"

#include "index-format/codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Decoders are always fed a heap copy of exactly the bytes under test, so
 * a read at or past `end` is a heap overflow that AddressSanitizer
 * (--enable-asan) reports. */
static uint8_t *exact_copy(const uint8_t *bytes, size_t length)
{
    uint8_t *copy = malloc(length ? length : 1);
    cr_assert_not_null(copy);
    if (length)
        memcpy(copy, bytes, length);
    return copy;
}

/* splitmix64: a fixed seed keeps every run identical. */
static uint64_t random_state = 0x9e3779b97f4a7c15u;

static uint64_t random_next(void)
{
    uint64_t z = (random_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint32_t random_below_width(unsigned width)
{
    uint32_t value = (uint32_t)random_next();
    return width >= 32 ? value : value & (((uint32_t)1 << width) - 1);
}

static uint32_t max_for_width(unsigned width)
{
    return width >= 32 ? UINT32_MAX : ((uint32_t)1 << width) - 1;
}

/* An independent, bit-at-a-time statement of the packed layout. */
static void reference_pack(const uint32_t *values, size_t count, unsigned width, uint8_t *out)
{
    memset(out, 0, codec_packed_bytes(width, count));
    for (size_t i = 0; i < count; i++)
        for (unsigned b = 0; b < width; b++)
            if ((values[i] >> b) & 1) {
                size_t bit = i * width + b;
                out[bit / 8] |= (uint8_t)(1u << (bit % 8));
            }
}

/* ------------------------------------------------------------ varints */

static const struct {
    uint64_t value;
    size_t length;
} varint_cases[] = {
    {0, 1},
    {1, 1},
    {127, 1},
    {128, 2},
    {300, 2},
    {16383, 2},
    {16384, 3},
    {(1u << 21) - 1, 3},
    {1u << 21, 4},
    {(1u << 28) - 1, 4},
    {1u << 28, 5},
    {UINT32_MAX, 5},
    {(uint64_t)UINT32_MAX + 1, 5},
    {((uint64_t)1 << 35) - 1, 5},
    {(uint64_t)1 << 35, 6},
    {((uint64_t)1 << 63) - 1, 9},
    {(uint64_t)1 << 63, 10},
    {UINT64_MAX, 10},
};

Test(varint, boundaries_round_trip_at_the_expected_length)
{
    for (size_t c = 0; c < sizeof varint_cases / sizeof varint_cases[0]; c++) {
        uint64_t value = varint_cases[c].value;
        uint8_t bytes[CODEC_VARINT_MAX_BYTES];
        size_t length = codec_varint_encode(value, bytes);
        cr_assert_eq(length, varint_cases[c].length, "value %llu: length %zu",
                     (unsigned long long)value, length);

        uint8_t *copy = exact_copy(bytes, length);
        uint64_t decoded = ~value;
        cr_assert_eq(codec_varint_decode(copy, copy + length, &decoded), length);
        cr_assert_eq(decoded, value, "value %llu", (unsigned long long)value);

        uint32_t decoded32 = 0;
        size_t consumed32 = codec_varint_decode32(copy, copy + length, &decoded32);
        if (value <= UINT32_MAX) {
            cr_assert_eq(consumed32, length);
            cr_assert_eq(decoded32, (uint32_t)value);
        } else {
            cr_assert_eq(consumed32, 0, "value %llu must not fit 32 bits",
                         (unsigned long long)value);
        }
        free(copy);
    }
}

Test(varint, known_bytes_and_agreement_with_the_buffer_encoder)
{
    uint8_t bytes[CODEC_VARINT_MAX_BYTES];
    cr_assert_eq(codec_varint_encode(300, bytes), 2);
    cr_assert_eq(bytes[0], 0xac);
    cr_assert_eq(bytes[1], 0x02);

    cr_assert_eq(codec_varint_encode(UINT64_MAX, bytes), 10);
    for (int i = 0; i < 9; i++)
        cr_assert_eq(bytes[i], 0xff);
    cr_assert_eq(bytes[9], 0x01);

    for (size_t c = 0; c < sizeof varint_cases / sizeof varint_cases[0]; c++) {
        byte_buffer buffer = BUFFER_INIT;
        buffer_append_varint(&buffer, varint_cases[c].value);
        size_t length = codec_varint_encode(varint_cases[c].value, bytes);
        cr_assert_not(buffer_failed(&buffer));
        cr_assert_eq(buffer.length, length);
        cr_assert_arr_eq(buffer.data, bytes, length);
        buffer_free(&buffer);
    }
}

Test(varint, every_truncation_is_rejected)
{
    for (size_t c = 0; c < sizeof varint_cases / sizeof varint_cases[0]; c++) {
        uint8_t bytes[CODEC_VARINT_MAX_BYTES];
        size_t length = codec_varint_encode(varint_cases[c].value, bytes);
        for (size_t cut = 0; cut < length; cut++) {
            uint8_t *copy = exact_copy(bytes, cut);
            uint64_t value;
            uint32_t value32;
            cr_assert_eq(codec_varint_decode(copy, copy + cut, &value), 0,
                         "value %llu cut to %zu bytes",
                         (unsigned long long)varint_cases[c].value, cut);
            cr_assert_eq(codec_varint_decode32(copy, copy + cut, &value32), 0);
            free(copy);
        }
    }
}

Test(varint, decoding_stops_at_the_last_byte_of_the_value)
{
    const uint8_t bytes[] = {0x96, 0x01, 0xff, 0xff};
    uint64_t value;
    cr_assert_eq(codec_varint_decode(bytes, bytes + sizeof bytes, &value), 2);
    cr_assert_eq(value, 150);
    /* An empty or inverted range has nothing to decode. */
    cr_assert_eq(codec_varint_decode(bytes, bytes, &value), 0);
    cr_assert_eq(codec_varint_decode(bytes + 1, bytes, &value), 0);
}

Test(varint, longer_than_ten_bytes_is_rejected)
{
    uint8_t bytes[16];
    memset(bytes, 0x80, sizeof bytes);
    bytes[10] = 0x00; /* an 11-byte encoding of 0 */
    uint8_t *copy = exact_copy(bytes, 11);
    uint64_t value;
    cr_assert_eq(codec_varint_decode(copy, copy + 11, &value), 0);
    free(copy);

    /* Continuation on the 10th byte with nothing after: still rejected,
     * and the 11th byte is never looked at. */
    copy = exact_copy(bytes, 10);
    cr_assert_eq(codec_varint_decode(copy, copy + 10, &value), 0);
    free(copy);
}

Test(varint, values_beyond_64_bits_are_rejected)
{
    uint8_t bytes[CODEC_VARINT_MAX_BYTES];
    memset(bytes, 0xff, 9);
    for (unsigned last = 2; last < 0x80; last++) {
        bytes[9] = (uint8_t)last;
        uint64_t value;
        cr_assert_eq(codec_varint_decode(bytes, bytes + 10, &value), 0, "10th byte %u", last);
    }
    bytes[9] = 0x01;
    uint64_t value;
    cr_assert_eq(codec_varint_decode(bytes, bytes + 10, &value), 10);
    cr_assert_eq(value, UINT64_MAX);
}

Test(varint, non_minimal_encodings_within_ten_bytes_are_accepted)
{
    const uint8_t zero[] = {0x80, 0x00};
    uint64_t value = 1;
    cr_assert_eq(codec_varint_decode(zero, zero + 2, &value), 2);
    cr_assert_eq(value, 0);

    uint8_t padded_one[CODEC_VARINT_MAX_BYTES];
    memset(padded_one, 0x80, sizeof padded_one);
    padded_one[0] = 0x81;
    padded_one[9] = 0x00;
    cr_assert_eq(codec_varint_decode(padded_one, padded_one + 10, &value), 10);
    cr_assert_eq(value, 1);
    uint32_t value32 = 0;
    cr_assert_eq(codec_varint_decode32(padded_one, padded_one + 10, &value32), 10);
    cr_assert_eq(value32, 1);
}

Test(varint, decode32_rejects_values_above_uint32_max_and_keeps_the_output)
{
    uint8_t bytes[CODEC_VARINT_MAX_BYTES];
    size_t length = codec_varint_encode((uint64_t)UINT32_MAX + 1, bytes);
    uint32_t value = 1234;
    cr_assert_eq(codec_varint_decode32(bytes, bytes + length, &value), 0);
    cr_assert_eq(value, 1234);
}

Test(varint, a_random_stream_decodes_in_sequence)
{
    enum { COUNT = 20000 };
    uint64_t *values = malloc(COUNT * sizeof *values);
    cr_assert_not_null(values);
    byte_buffer buffer = BUFFER_INIT;
    for (size_t i = 0; i < COUNT; i++) {
        /* Spread the lengths evenly over 1..10 bytes. */
        values[i] = random_next() >> (random_next() % 64);
        uint8_t bytes[CODEC_VARINT_MAX_BYTES];
        buffer_append(&buffer, bytes, codec_varint_encode(values[i], bytes));
    }
    cr_assert_not(buffer_failed(&buffer));
    uint8_t *copy = exact_copy(buffer.data, buffer.length);
    const uint8_t *at = copy, *end = copy + buffer.length;
    for (size_t i = 0; i < COUNT; i++) {
        uint64_t value;
        size_t length = codec_varint_decode(at, end, &value);
        cr_assert_neq(length, 0, "varint %zu", i);
        cr_assert_eq(value, values[i], "varint %zu", i);
        at += length;
    }
    cr_assert_eq(at, end);
    free(copy);
    free(values);
    buffer_free(&buffer);
}

/* ------------------------------------------------------- bit widths */

Test(bit_width, every_power_of_two_boundary)
{
    cr_assert_eq(codec_bit_width(0), 0);
    cr_assert_eq(codec_bit_width(UINT32_MAX), 32);
    for (unsigned k = 0; k < 32; k++) {
        uint32_t power = (uint32_t)1 << k;
        cr_assert_eq(codec_bit_width(power), k + 1, "2^%u", k);
        cr_assert_eq(codec_bit_width(power - 1), k, "2^%u - 1", k);
        cr_assert_eq(codec_bit_width(power | (power - 1)), k + 1, "2^(%u+1) - 1", k);
    }
}

Test(bit_width, maximum_over_a_list)
{
    const uint32_t values[] = {3, 0, 17, 1, 255, 9};
    cr_assert_eq(codec_max_bit_width(values, 0), 0);
    cr_assert_eq(codec_max_bit_width(values, 2), 2);
    cr_assert_eq(codec_max_bit_width(values, 3), 5);
    cr_assert_eq(codec_max_bit_width(values, 6), 8);
    const uint32_t zeros[4] = {0};
    cr_assert_eq(codec_max_bit_width(zeros, 4), 0);
    const uint32_t top[] = {1, UINT32_MAX};
    cr_assert_eq(codec_max_bit_width(top, 2), 32);
}

Test(packed_bytes, rounds_up_to_whole_bytes_without_overflow)
{
    for (unsigned width = 0; width <= CODEC_MAX_WIDTH; width++)
        for (size_t count = 0; count < 300; count++)
            cr_assert_eq(codec_packed_bytes(width, count), (width * count + 7) / 8,
                         "width %u count %zu", width, count);
    cr_assert_eq(codec_packed_bytes(1, SIZE_MAX), SIZE_MAX / 8 + 1);
    cr_assert_eq(codec_packed_bytes(32, SIZE_MAX / 4), (SIZE_MAX / 4) * 4);
    cr_assert_eq(codec_packed_bytes(7, SIZE_MAX / 8), (SIZE_MAX / 8) / 8 * 7 +
                                                          ((SIZE_MAX / 8) % 8 * 7 + 7) / 8);
    cr_assert_eq(codec_packed_bytes(32, CODEC_BLOCK_SIZE), 512);
    cr_assert_eq(codec_packed_bytes(0, CODEC_BLOCK_SIZE), 0);
}

/* ------------------------------------------------------- bit packing */

Test(pack, pins_the_little_endian_bit_order)
{
    const uint32_t values[] = {1, 2, 3, 4, 5, 6, 7, 0};
    uint8_t out[3];
    codec_pack(values, 8, 3, out);
    const uint8_t expected[] = {0xd1, 0x58, 0x1f};
    cr_assert_arr_eq(out, expected, 3);

    const uint32_t wide[] = {0x12345678, 0x9abcdef0};
    uint8_t wide_out[8];
    codec_pack(wide, 2, 32, wide_out);
    const uint8_t wide_expected[] = {0x78, 0x56, 0x34, 0x12, 0xf0, 0xde, 0xbc, 0x9a};
    cr_assert_arr_eq(wide_out, wide_expected, 8);

    /* Unused high bits of the last byte are zero. */
    const uint32_t ones[] = {1, 1, 1};
    uint8_t ones_out[1] = {0xff};
    codec_pack(ones, 3, 1, ones_out);
    cr_assert_eq(ones_out[0], 0x07);
}

Test(pack, drops_bits_above_the_width)
{
    const uint32_t values[] = {0xff, 0x00, 0xff};
    uint8_t out[2];
    codec_pack(values, 3, 4, out);
    cr_assert_eq(out[0], 0x0f);
    cr_assert_eq(out[1], 0x0f);
}

static const size_t round_trip_counts[] = {1, 7, 8, 31, 32, 33, 127, 128, 129, 1000};

enum { PATTERN_RANDOM, PATTERN_ZEROS, PATTERN_MAX, PATTERN_ALTERNATING, PATTERN_COUNT };

static void fill_pattern(uint32_t *values, size_t count, unsigned width, int pattern)
{
    for (size_t i = 0; i < count; i++) {
        switch (pattern) {
        case PATTERN_RANDOM: values[i] = random_below_width(width); break;
        case PATTERN_ZEROS: values[i] = 0; break;
        case PATTERN_MAX: values[i] = max_for_width(width); break;
        default: values[i] = i % 2 ? max_for_width(width) : 0; break;
        }
    }
}

Test(pack, round_trips_every_width_and_count)
{
    enum { CANARY = 0xa5a5a5a5u };
    uint32_t values[1000], decoded[1001];
    uint8_t packed[4000], expected[4000];

    for (unsigned width = 0; width <= CODEC_MAX_WIDTH; width++) {
        for (size_t c = 0; c < sizeof round_trip_counts / sizeof round_trip_counts[0]; c++) {
            size_t count = round_trip_counts[c];
            for (int pattern = 0; pattern < PATTERN_COUNT; pattern++) {
                fill_pattern(values, count, width, pattern);
                size_t bytes = codec_packed_bytes(width, count);
                codec_pack(values, count, width, packed);
                reference_pack(values, count, width, expected);
                cr_assert_arr_eq(packed, expected, bytes, "width %u count %zu pattern %d",
                                 width, count, pattern);

                uint8_t *copy = exact_copy(packed, bytes);
                memset(decoded, 0x5a, sizeof decoded);
                decoded[count] = CANARY;
                size_t consumed = codec_unpack(copy, copy + bytes, count, width, decoded);
                cr_assert_eq(consumed, bytes, "width %u count %zu", width, count);
                cr_assert_arr_eq(decoded, values, count * sizeof *values,
                                 "width %u count %zu pattern %d", width, count, pattern);
                cr_assert_eq(decoded[count], CANARY, "wrote past out[count]");
                free(copy);
            }
        }
    }
}

Test(unpack, reads_nothing_beyond_its_own_bytes)
{
    /* Trailing bytes after the packed values neither count as consumed nor
     * change the result. */
    uint32_t values[CODEC_BLOCK_SIZE], decoded[CODEC_BLOCK_SIZE];
    uint8_t packed[4 * CODEC_BLOCK_SIZE + 16];
    for (unsigned width = 1; width <= CODEC_MAX_WIDTH; width++) {
        fill_pattern(values, CODEC_BLOCK_SIZE, width, PATTERN_RANDOM);
        memset(packed, 0xff, sizeof packed);
        codec_pack(values, 100, width, packed);
        size_t bytes = codec_packed_bytes(width, 100);
        cr_assert_eq(codec_unpack(packed, packed + sizeof packed, 100, width, decoded), bytes);
        cr_assert_arr_eq(decoded, values, 100 * sizeof *values, "width %u", width);
    }
}

/* A copy of bytes[0, length) ending where an unreadable page begins, so
 * that any load at or past its end faults.  An address sanitizer does not
 * see the AVX2 gathers' loads (it instruments plain loads only), so a
 * guard page is what catches them.  Release with release_guarded. */
static uint8_t *guarded_copy(const uint8_t *bytes, size_t length, uint8_t **mapping,
                             size_t *mapping_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (length + page - 1) / page + 1;
    *mapping_size = (pages + 1) * page;
    *mapping = mmap(NULL, *mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
    cr_assert_neq(*mapping, MAP_FAILED);
    uint8_t *guard = *mapping + pages * page;
    cr_assert_eq(mprotect(guard, page, PROT_NONE), 0);
    uint8_t *copy = guard - length;
    if (length)
        memcpy(copy, bytes, length);
    return copy;
}

Test(unpack, simd_and_scalar_paths_agree_and_read_nothing_past_the_range)
{
    /* codec_unpack takes AVX2 where the processor has it; every width and
     * count (short tails, odd octets, whole groups) must give the scalar
     * path's values and write nothing past the count.  The range [in, end)
     * ends exactly at the values or 1 to 9 bytes after them, and an
     * unreadable page starts at `end`: the AVX2 gathers and the tail's
     * in-place loads may use bytes up to `end`, never at or past it (a
     * buffer longer than the range would not show it). */
    uint32_t values[300], simd[301], scalar[301];
    uint8_t packed[4 * 300 + 16];
    for (unsigned width = 0; width <= CODEC_MAX_WIDTH; width++) {
        for (size_t count = 0; count <= 300; count += count < 70 ? 1 : 23) {
            fill_pattern(values, count, width, PATTERN_RANDOM);
            memset(packed, 0xa5, sizeof packed);
            codec_pack(values, count, width, packed);
            size_t bytes = codec_packed_bytes(width, count);
            for (size_t slack = 0; slack <= 9; slack++) {
                uint8_t *mapping;
                size_t mapping_size;
                uint8_t *range = guarded_copy(packed, bytes + slack, &mapping, &mapping_size);
                const uint8_t *end = range + bytes + slack;
                simd[count] = scalar[count] = 0x5a5a5a5au;
                cr_assert_eq(codec_unpack(range, end, count, width, simd), bytes);
                cr_assert_eq(codec_unpack_scalar(range, end, count, width, scalar), bytes);
                cr_assert_arr_eq(simd, values, count * sizeof *values, "width %u count %zu",
                                 width, count);
                cr_assert_arr_eq(scalar, values, count * sizeof *values, "width %u count %zu",
                                 width, count);
                cr_assert_eq(simd[count], 0x5a5a5a5au, "wrote past the count");
                cr_assert_eq(scalar[count], 0x5a5a5a5au, "wrote past the count");
                munmap(mapping, mapping_size);
            }
        }
    }
}

Test(unpack, every_truncation_is_rejected_without_writing)
{
    uint32_t values[200], decoded[200];
    uint8_t packed[800];
    const size_t counts[] = {1, 5, 32, 100, 128, 129};
    for (unsigned width = 1; width <= CODEC_MAX_WIDTH; width++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t count = counts[c];
            fill_pattern(values, count, width, PATTERN_MAX);
            codec_pack(values, count, width, packed);
            size_t bytes = codec_packed_bytes(width, count);
            for (size_t cut = 0; cut < bytes; cut++) {
                uint8_t *copy = exact_copy(packed, cut);
                memset(decoded, 0x5a, count * sizeof *decoded);
                cr_assert_eq(codec_unpack(copy, copy + cut, count, width, decoded), 0,
                             "width %u count %zu cut %zu", width, count, cut);
                for (size_t i = 0; i < count; i++)
                    cr_assert_eq(decoded[i], 0x5a5a5a5au, "output written on failure");
                free(copy);
            }
        }
    }
}

Test(unpack, width_zero_reads_nothing_and_zeroes_the_output)
{
    uint32_t decoded[CODEC_BLOCK_SIZE];
    memset(decoded, 0xff, sizeof decoded);
    cr_assert_eq(codec_unpack(NULL, NULL, CODEC_BLOCK_SIZE, 0, decoded), 0);
    for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++)
        cr_assert_eq(decoded[i], 0);
}

Test(unpack, widths_above_32_are_rejected)
{
    uint8_t bytes[1024] = {0};
    uint32_t decoded[CODEC_BLOCK_SIZE];
    for (unsigned width = 33; width < 300; width++)
        cr_assert_eq(codec_unpack(bytes, bytes + sizeof bytes, 4, width, decoded), 0);
}

/* ------------------------------------------------------------ blocks */

/* Round-trips values[0, count) through a block and returns the block's
 * size; codec_block_size must agree with the decoder. */
static size_t block_round_trip(const uint32_t *values, size_t count)
{
    byte_buffer buffer = BUFFER_INIT;
    buffer_append_byte(&buffer, 0xee); /* the block need not start the buffer */
    codec_block_append(&buffer, values, count);
    cr_assert_not(buffer_failed(&buffer));

    size_t size = buffer.length - 1;
    uint8_t *copy = exact_copy(buffer.data + 1, size);
    uint32_t *decoded = malloc((count + 1) * sizeof *decoded);
    cr_assert_not_null(decoded);
    decoded[count] = 0xc0ffee;
    cr_assert_eq(codec_block_size(copy, copy + size, count), size, "count %zu", count);
    cr_assert_eq(codec_block_decode(copy, copy + size, count, decoded), size, "count %zu", count);
    cr_assert_arr_eq(decoded, values, count * sizeof *values, "count %zu", count);
    cr_assert_eq(decoded[count], 0xc0ffee);
    /* never larger than the plain block of the widest value */
    cr_assert_leq(size, 1 + codec_packed_bytes(codec_max_bit_width(values, count), count));
    free(decoded);
    free(copy);
    buffer_free(&buffer);
    return size;
}

/* A block whose values all have the same width has no exceptions: it is
 * exactly the head byte (the width) and the packed values. */
static void check_plain_block(const uint32_t *values, size_t count, unsigned width)
{
    cr_assert_eq(block_round_trip(values, count), 1 + codec_packed_bytes(width, count),
                 "width %u count %zu", width, count);
    byte_buffer buffer = BUFFER_INIT;
    codec_block_append(&buffer, values, count);
    cr_assert_eq(buffer.data[0], width);
    buffer_free(&buffer);
}

Test(block, adversarial_patterns_round_trip)
{
    uint32_t values[CODEC_BLOCK_SIZE];

    fill_pattern(values, CODEC_BLOCK_SIZE, 32, PATTERN_ZEROS);
    check_plain_block(values, CODEC_BLOCK_SIZE, 0);

    fill_pattern(values, CODEC_BLOCK_SIZE, 32, PATTERN_MAX);
    check_plain_block(values, CODEC_BLOCK_SIZE, 32);

    fill_pattern(values, CODEC_BLOCK_SIZE, 32, PATTERN_ALTERNATING);
    block_round_trip(values, CODEC_BLOCK_SIZE);

    for (unsigned width = 0; width <= CODEC_MAX_WIDTH; width++) {
        fill_pattern(values, CODEC_BLOCK_SIZE, width, PATTERN_MAX);
        check_plain_block(values, CODEC_BLOCK_SIZE, width);
        check_plain_block(values, 5, width);
        fill_pattern(values, CODEC_BLOCK_SIZE, width, PATTERN_ALTERNATING);
        block_round_trip(values, CODEC_BLOCK_SIZE);
        block_round_trip(values, 5);
    }
}

Test(block, one_huge_value_becomes_an_exception)
{
    /* Before exceptions, one huge gap dragged the whole block to 32 bits
     * (513 bytes).  Now: head 0x82, 128 values at 2 bits (32 bytes), then
     * E = 1, index 77, H = 30, and the 30-bit high part (4 bytes). */
    uint32_t values[CODEC_BLOCK_SIZE];
    for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++)
        values[i] = 1 + (uint32_t)(i % 3);
    values[77] = 3000000000u;
    cr_assert_eq(block_round_trip(values, CODEC_BLOCK_SIZE), 1 + 32 + 3 + 4);
    byte_buffer buffer = BUFFER_INIT;
    codec_block_append(&buffer, values, CODEC_BLOCK_SIZE);
    cr_assert_eq(buffer.data[0], 0x82);
    cr_assert_eq(buffer.data[33], 1);
    cr_assert_eq(buffer.data[34], 77);
    cr_assert_eq(buffer.data[35], 30);
    buffer_free(&buffer);
}

/* A block of one value (an inline list's one document, a lone position)
 * is that value as a varint, without a head byte (FORMAT.md 2): a byte
 * less than the head and packed bits from 1 to 127 and from 256 to 16383,
 * never more; it sizes and decodes as any block, and anything but a
 * varint of at most 2^32 - 1 is refused. */
Test(block, one_value_is_a_varint)
{
    const struct {
        uint32_t value;
        size_t bytes;
    } cases[] = {{0, 1}, {1, 1}, {127, 1}, {128, 2}, {255, 2}, {256, 2}, {16383, 2},
                 {16384, 3}, {65535, 3}, {1u << 21, 4}, {UINT32_MAX, 5}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cr_assert_eq(block_round_trip(&cases[c].value, 1), cases[c].bytes, "%u",
                     cases[c].value);
        uint8_t varint[CODEC_VARINT_MAX_BYTES];
        byte_buffer buffer = BUFFER_INIT;
        codec_block_append(&buffer, &cases[c].value, 1);
        cr_assert_eq(codec_varint_encode(cases[c].value, varint), buffer.length);
        cr_assert_arr_eq(buffer.data, varint, buffer.length);
        uint32_t gap;
        cr_assert_eq(codec_gaps_block_decode(buffer.data, buffer.data + buffer.length, 1, 9,
                                             &gap),
                     cases[c].value <= UINT32_MAX - 10 ? buffer.length : 0);
        buffer_free(&buffer);
    }
    /* 2^32: a varint, but not a value; truncated; and the head of a block
     * of width 1 is no varint of one value's block either way */
    const uint8_t too_wide[] = {0x80, 0x80, 0x80, 0x80, 0x10}, cut[] = {0x80};
    uint32_t out;
    cr_assert_eq(codec_block_size(too_wide, too_wide + sizeof too_wide, 1), 0);
    cr_assert_eq(codec_block_decode(too_wide, too_wide + sizeof too_wide, 1, &out), 0);
    cr_assert_eq(codec_block_size(cut, cut + 1, 1), 0);
    cr_assert_eq(codec_block_decode(cut, cut + 1, 1, &out), 0);
    const uint8_t head_then_bits[] = {0x01, 0x01};
    cr_assert_eq(codec_block_size(head_then_bits, head_then_bits + 2, 1), 1);
    cr_assert_eq(codec_block_decode(head_then_bits, head_then_bits + 2, 1, &out), 1);
    cr_assert_eq(out, 1);
}

Test(block, exceptions_are_chosen_only_when_smaller)
{
    /* Random mixes of narrow values and a few wide ones: the block is the
     * cheapest of all the widths it could have used, and the smallest of
     * those whose exceptions are listed. */
    uint32_t values[CODEC_BLOCK_SIZE];
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 2000; round++) {
        /* (from 2: a block of one value is a varint, below) */
        size_t count = 2 + (size_t)(round % (CODEC_BLOCK_SIZE - 1));
        unsigned narrow = (unsigned)(round % 9), wide_every = 1 + (unsigned)(round % 17);
        for (size_t i = 0; i < count; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t r = (uint32_t)(state >> 32);
            values[i] = (i % wide_every == 0) ? r >> (round % 32) : r & ((1u << narrow) - 1);
        }
        size_t size = block_round_trip(values, count);
        unsigned max_width = codec_max_bit_width(values, count);
        byte_buffer chosen = BUFFER_INIT;
        codec_block_append(&chosen, values, count);
        size_t chosen_charge = 0; /* the exceptions the chosen block's bitmap places */
        if ((chosen.data[0] & 0xc0) == 0xc0)
            for (size_t i = 0; i < count; i++)
                chosen_charge += codec_bit_width(values[i]) > (chosen.data[0] & 0x3fu);
        buffer_free(&chosen);
        for (unsigned w = 0; w <= max_width; w++) {
            size_t e = 0;
            uint32_t high = 0;
            for (size_t i = 0; i < count; i++)
                if (codec_bit_width(values[i]) > w) {
                    e++;
                    if ((values[i] >> w) > high)
                        high = values[i] >> w;
                }
            /* the exceptions' places: E and an index byte each, or a
             * bitmap of a bit per value, whichever is smaller; the writer
             * minimises the size in quarter bytes plus one for each
             * exception a bitmap places */
            int bitmap = (count + 7) / 8 < 1 + e;
            size_t places = bitmap ? (count + 7) / 8 : 1 + e;
            size_t candidate = 1 + codec_packed_bytes(w, count)
                + (e ? places + 1 + codec_packed_bytes(codec_bit_width(high), e) : 0);
            cr_assert_leq(4 * size + chosen_charge, 4 * candidate + (bitmap && e ? e : 0),
                          "round %d width %u", round, w);
            if (!bitmap || e == 0)
                cr_assert_leq(size, candidate, "round %d width %u", round, w);
        }
    }
}

/* Where exceptions are many (a common word's positions: each document's
 * first position is wide among narrow gaps), a bitmap of one bit per value
 * says where they are in fewer bytes than a list of their indexes. */
Test(block, many_exceptions_are_placed_by_a_bitmap)
{
    /* 128 values of 3 bits, every fourth of 10: at W = 3, 32 exceptions
     * with 7-bit high parts.  Listed: 1 + 32 index bytes; as a bitmap: 16
     * bytes.  Head 0xc3, 48 packed bytes, the bitmap 0x11 x 16, H = 7,
     * then 28 bytes of high parts: 1 + 48 + 16 + 1 + 28 = 94 bytes. */
    uint32_t values[CODEC_BLOCK_SIZE];
    for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++)
        values[i] = i % 4 == 0 ? 1000u : (uint32_t)(i % 8);
    cr_assert_eq(block_round_trip(values, CODEC_BLOCK_SIZE), 94);
    byte_buffer buffer = BUFFER_INIT;
    codec_block_append(&buffer, values, CODEC_BLOCK_SIZE);
    cr_assert_eq(buffer.data[0], 0xc3);
    for (size_t i = 0; i < 16; i++)
        cr_assert_eq(buffer.data[49 + i], 0x11, "bitmap byte %zu", i);
    cr_assert_eq(buffer.data[65], 7);
    buffer_free(&buffer);

    /* A few exceptions keep the list: one wide value in 128 is E = 1 and
     * its index (2 bytes), not a 16-byte bitmap. */
    for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++)
        values[i] = (uint32_t)(i % 8);
    values[5] = 1000;
    codec_block_append(&buffer, values, CODEC_BLOCK_SIZE);
    cr_assert_eq(buffer.data[0], 0x83);
    cr_assert_eq(buffer.data[49], 1);
    cr_assert_eq(buffer.data[50], 5);
    buffer_free(&buffer);

    /* every count, and exceptions at the bitmap's first and last bits */
    for (size_t count = 1; count <= CODEC_BLOCK_SIZE; count++) {
        for (size_t i = 0; i < count; i++)
            values[i] = i % 2 == 0 || i + 1 == count ? 70000u + (uint32_t)i : 1;
        block_round_trip(values, count);
    }
}

/* Patching an exception costs a decoder about a dozen values' unpacking,
 * so the writer charges a quarter byte for each exception a bitmap places
 * (FORMAT.md 2): 128 values of 1 with 29 of 7 (every fourth) would be 42
 * bytes at width 1 with the 29 placed by a bitmap (1 + 16 + 16 + 1 + 8),
 * 168 quarters + 29, against the plain block at width 3: 49 bytes, 196. */
Test(block, exceptions_placed_by_a_bitmap_are_charged_a_quarter_byte)
{
    uint32_t values[CODEC_BLOCK_SIZE];
    for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++)
        values[i] = i % 4 == 0 && i / 4 < 29 ? 7 : 1;
    cr_assert_eq(block_round_trip(values, CODEC_BLOCK_SIZE), 49);
    byte_buffer buffer = BUFFER_INIT;
    codec_block_append(&buffer, values, CODEC_BLOCK_SIZE);
    cr_assert_eq(buffer.data[0], 3);
    buffer_free(&buffer);
    /* with one exception fewer (28: 41 bytes, 164 + 28 = 192 quarters), the
     * bitmap's block is the cheaper */
    values[4 * 28] = 1;
    cr_assert_eq(block_round_trip(values, CODEC_BLOCK_SIZE), 41);
    codec_block_append(&buffer, values, CODEC_BLOCK_SIZE);
    cr_assert_eq(buffer.data[0], 0xc1);
    buffer_free(&buffer);
}

Test(block, empty_block_is_just_a_width_byte)
{
    byte_buffer buffer = BUFFER_INIT;
    codec_block_append(&buffer, NULL, 0);
    cr_assert_eq(buffer.length, 1);
    cr_assert_eq(buffer.data[0], 0);
    uint32_t unused;
    cr_assert_eq(codec_block_decode(buffer.data, buffer.data + 1, 0, &unused), 1);
    buffer_free(&buffer);
}

Test(block, every_truncation_is_rejected)
{
    uint32_t values[CODEC_BLOCK_SIZE + 1], decoded[CODEC_BLOCK_SIZE + 1];
    const size_t counts[] = {1, 5, CODEC_BLOCK_SIZE, CODEC_BLOCK_SIZE + 1};
    for (unsigned width = 0; width <= CODEC_MAX_WIDTH; width++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t count = counts[c];
            fill_pattern(values, count, width, PATTERN_MAX);
            if (width == CODEC_MAX_WIDTH) /* exceptions everywhere: placed by a bitmap */
                for (size_t i = 0; i < count; i++)
                    values[i] = i % 3 ? 1 : UINT32_MAX;
            byte_buffer buffer = BUFFER_INIT;
            codec_block_append(&buffer, values, count);
            cr_assert_not(buffer_failed(&buffer));
            if (width == CODEC_MAX_WIDTH && count >= 5)
                cr_assert_eq(buffer.data[0] & 0xc0, 0xc0, "count %zu", count);
            for (size_t cut = 0; cut < buffer.length; cut++) {
                uint8_t *copy = exact_copy(buffer.data, cut);
                cr_assert_eq(codec_block_decode(copy, copy + cut, count, decoded), 0,
                             "width %u count %zu cut %zu of %zu", width, count, cut,
                             buffer.length);
                free(copy);
            }
            buffer_free(&buffer);
        }
    }
}

/* A stream of values in blocks of 128 (positions, FORMAT.md 3.3) is
 * sized from its heads: exactly its bytes, and 0 when cut anywhere. */
Test(stream, size_is_its_blocks_and_every_truncation_is_rejected)
{
    const uint64_t counts[] = {1, 127, 128, 129, 300};
    uint32_t values[CODEC_BLOCK_SIZE];
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        byte_buffer buffer = BUFFER_INIT;
        for (uint64_t done = 0; done < counts[c]; done += CODEC_BLOCK_SIZE) {
            size_t n = counts[c] - done < CODEC_BLOCK_SIZE ? counts[c] - done : CODEC_BLOCK_SIZE;
            fill_pattern(values, n, (unsigned)(done / CODEC_BLOCK_SIZE * 7 + 3), PATTERN_MAX);
            values[n / 2] = 3000000000u; /* an exception in every block */
            codec_block_append(&buffer, values, n);
        }
        cr_assert_not(buffer_failed(&buffer));
        cr_expect_eq(codec_stream_size(buffer.data, buffer.data + buffer.length, counts[c]),
                     buffer.length, "count %llu", (unsigned long long)counts[c]);
        for (size_t cut = 0; cut < buffer.length; cut++) {
            uint8_t *copy = exact_copy(buffer.data, cut);
            cr_assert_eq(codec_stream_size(copy, copy + cut, counts[c]), 0,
                         "count %llu cut %zu of %zu", (unsigned long long)counts[c], cut,
                         buffer.length);
            free(copy);
        }
        buffer_free(&buffer);
    }
}

Test(block, invalid_heads_are_rejected)
{
    uint8_t block[1 + 4 * 255 * CODEC_BLOCK_SIZE / 8];
    memset(block, 0, sizeof block);
    uint32_t decoded[CODEC_BLOCK_SIZE];
    for (unsigned head = 0; head <= 255; head++) {
        if ((head & 0x40) == 0 && (head & 0x3f) <= 32)
            continue;
        block[0] = (uint8_t)head;
        cr_assert_eq(codec_block_decode(block, block + sizeof block, CODEC_BLOCK_SIZE, decoded),
                     0, "head byte %u", head);
        cr_assert_eq(codec_block_size(block, block + sizeof block, CODEC_BLOCK_SIZE), 0);
    }
}

Test(block, invalid_exceptions_are_rejected)
{
    /* head 0x81: 4 values at 1 bit (1 byte), then E, indexes, H, highs */
    uint32_t decoded[4];
    const uint8_t good[] = {0x81, 0x0f, 2, 1, 3, 2, 0x0e};
    cr_assert_eq(codec_block_decode(good, good + sizeof good, 4, decoded), sizeof good);
    cr_assert_eq(decoded[0], 1);
    cr_assert_eq(decoded[1], 1 + (2u << 1));
    cr_assert_eq(decoded[2], 1);
    cr_assert_eq(decoded[3], 1 + (3u << 1));
    const struct {
        uint8_t bytes[8];
        size_t length;
        const char *why;
    } bad[] = {
        {{0x81, 0x0f, 0, 2, 0x00}, 5, "no exceptions"},
        {{0x81, 0x0f, 5, 0, 1, 2, 3, 4}, 8, "more exceptions than values"},
        {{0x81, 0x0f, 2, 1, 4, 2, 0x0e}, 7, "index past the block"},
        {{0x81, 0x0f, 2, 3, 1, 2, 0x0e}, 7, "indexes not increasing"},
        {{0x81, 0x0f, 2, 1, 1, 2, 0x0e}, 7, "index repeated"},
        {{0x81, 0x0f, 2, 1, 3, 0, 0x00}, 7, "high parts of 0 bits"},
        {{0x81, 0x0f, 1, 1, 32, 0xff, 0xff, 0xff}, 8, "high part past bit 31"},
        {{0x81, 0x0f, 2, 1, 3, 9}, 6, "high parts truncated"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(codec_block_decode(bad[i].bytes, bad[i].bytes + bad[i].length, 4, decoded), 0,
                     "%s", bad[i].why);
}

Test(block, invalid_exception_bitmaps_are_rejected)
{
    /* head 0xc1: 4 values at 1 bit (1 byte), then the bitmap (1 byte:
     * values 1 and 3), H, the high parts */
    uint32_t decoded[4];
    const uint8_t good[] = {0xc1, 0x0f, 0x0a, 2, 0x0e};
    cr_assert_eq(codec_block_decode(good, good + sizeof good, 4, decoded), sizeof good);
    cr_assert_eq(codec_block_size(good, good + sizeof good, 4), sizeof good);
    cr_assert_eq(decoded[0], 1);
    cr_assert_eq(decoded[1], 1 + (2u << 1));
    cr_assert_eq(decoded[2], 1);
    cr_assert_eq(decoded[3], 1 + (3u << 1));
    const struct {
        uint8_t bytes[6];
        size_t length;
        const char *why;
    } bad[] = {
        {{0x41, 0x0f}, 2, "a bitmap without exceptions"},
        {{0xc1, 0x0f, 0x00, 2}, 4, "no bit set"},
        {{0xc1, 0x0f, 0x12, 2, 0x0e}, 5, "a bit past the block"},
        {{0xc1, 0x0f, 0x80, 2, 0x03}, 5, "the last bit of the byte, past the block"},
        {{0xc1, 0x0f, 0x0a, 0, 0x00}, 5, "high parts of 0 bits"},
        {{0xc1, 0x0f, 0x02, 32, 0xff, 0xff}, 6, "high part past bit 31"},
        {{0xc1, 0x0f, 0x0a, 9}, 4, "high parts truncated"},
        {{0xc1, 0x0f, 0x0a}, 3, "no high width"},
        {{0xc1, 0x0f}, 2, "no bitmap"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const uint8_t *end = bad[i].bytes + bad[i].length;
        cr_assert_eq(codec_block_decode(bad[i].bytes, end, 4, decoded), 0, "%s", bad[i].why);
        cr_assert_eq(codec_block_size(bad[i].bytes, end, 4), 0, "%s", bad[i].why);
    }
    /* a 128-value block's bitmap is two words: a bit in the second */
    uint8_t wide[1 + 16 + 1 + 1] = {0xc0};
    wide[1 + 15] = 0x80; /* value 127 */
    wide[17] = 5;
    wide[18] = 0x1f;
    uint32_t values[CODEC_BLOCK_SIZE];
    cr_assert_eq(codec_block_decode(wide, wide + sizeof wide, CODEC_BLOCK_SIZE, values), sizeof wide);
    cr_assert_eq(values[127], 31);
    cr_assert_eq(values[0] + values[63] + values[64] + values[126], 0);
    /* ... which for 127 values is past the block */
    cr_assert_eq(codec_block_decode(wide, wide + sizeof wide, CODEC_BLOCK_SIZE - 1, values), 0);
}

/* The high parts are loaded 8 bytes at once where they fit in 8 (the
 * bytes themselves when 8 are left before `end`, else those left), or
 * unpacked as codec_unpack does (its gathers load past the parts' bytes
 * where there is room): with 0 to 9 bytes after the block and an
 * unreadable page right after those, every way decodes the same values
 * and loads nothing past `end` (a plain load past it would fault here). */
Test(block, high_parts_load_nothing_past_the_range)
{
    static const size_t counts[] = {1, 7, 40, CODEC_BLOCK_SIZE};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (unsigned high = 1; high <= CODEC_MAX_WIDTH; high++)
            for (size_t every = 1; every <= 9; every += 8) { /* a bitmap, then a list */
                size_t count = counts[c];
                uint32_t values[CODEC_BLOCK_SIZE], decoded[CODEC_BLOCK_SIZE];
                for (size_t i = 0; i < count; i++)
                    values[i] = i % every == 0 ? (uint32_t)(UINT64_MAX >> (64 - high)) - (uint32_t)i
                                               : (uint32_t)(i & 1);
                byte_buffer block = BUFFER_INIT;
                codec_block_append(&block, values, count);
                cr_assert_not(buffer_failed(&block));
                for (size_t slack = 0; slack <= 9; slack++) {
                    uint8_t bytes[1200];
                    cr_assert_leq(block.length + slack, sizeof bytes);
                    memcpy(bytes, block.data, block.length);
                    memset(bytes + block.length, 0xff, slack);
                    uint8_t *mapping;
                    size_t mapping_size;
                    uint8_t *in = guarded_copy(bytes, block.length + slack, &mapping, &mapping_size);
                    memset(decoded, 0, sizeof decoded);
                    cr_assert_eq(codec_block_decode(in, in + block.length + slack, count, decoded),
                                 block.length, "count %zu, high %u, every %zu, slack %zu", count,
                                 high, every, slack);
                    cr_assert_arr_eq(decoded, values, count * sizeof *values);
                    munmap(mapping, mapping_size);
                }
                buffer_free(&block);
            }
}

/* The writer places exceptions only in blocks of at most
 * CODEC_MAX_EXCEPTIONS values, and the decoder holds the high parts of at
 * most that many (a list's E is a byte; a bitmap's could say more): a
 * bitmap marking more, in a longer block, is refused rather than copying
 * its high parts past the decoder's room (the copy it makes when the
 * block ends less than 8 bytes before `end`, here at a guard page). */
Test(block, a_bitmap_of_more_exceptions_than_the_decoder_holds_is_refused)
{
    enum { COUNT = 300, HIGH = 31 };
    size_t bitmap = (COUNT + 7) / 8, high = codec_packed_bytes(HIGH, COUNT);
    size_t length = 1 + bitmap + 1 + high;
    uint8_t *bytes = calloc(1, length);
    cr_assert_not_null(bytes);
    bytes[0] = 0xc0; /* width 0, exceptions placed by a bitmap */
    memset(bytes + 1, 0xff, bitmap - 1);
    bytes[bitmap] = 0x0f; /* values 296..299: every value an exception */
    bytes[1 + bitmap] = HIGH;
    memset(bytes + 2 + bitmap, 0x5a, high);
    uint8_t *mapping;
    size_t mapping_size;
    uint8_t *block = guarded_copy(bytes, length, &mapping, &mapping_size);
    static uint32_t out[COUNT];
    cr_assert_eq(codec_block_decode(block, block + length, COUNT, out), 0);
    cr_assert_eq(codec_block_size(block, block + length, COUNT), 0);
    munmap(mapping, mapping_size);
    /* as many as it holds still decode: 31 full bytes and 7 bits */
    memset(bytes + 1 + 31, 0, bitmap - 31);
    bytes[1 + 31] = 0x7f;
    size_t fits = 1 + bitmap + 1 + codec_packed_bytes(HIGH, CODEC_MAX_EXCEPTIONS);
    block = guarded_copy(bytes, fits, &mapping, &mapping_size);
    cr_assert_eq(codec_block_decode(block, block + fits, COUNT, out), fits);
    cr_assert_eq(out[0], 0x5a5a5a5au & 0x7fffffffu);
    munmap(mapping, mapping_size);
    free(bytes);
}

/* Blocks built by hand, not by the writer: every width, high width and
 * count, few exceptions and many (all of a block's values), placed by a
 * list or by a bitmap whichever is smaller, the high parts in one 64-bit
 * word or longer (the decoder patches the two ways apart): each decodes
 * to low | high << W, the reference's values, at a guard page and with
 * room after it, by both decoders (AVX2 and scalar), and a list whose two
 * last indexes are swapped or whose last reaches the count is refused. */
Test(block, hand_built_exceptions_decode_as_the_reference_in_both_placements)
{
    static const size_t counts[] = {2, 9, 63, 64, 65, 127, CODEC_BLOCK_SIZE, 255};
    enum { ROUNDS = 40 };
    static uint8_t bytes[1 + 4 * 255 + 1 + 255 + 1 + 4 * 255 + 16];
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (unsigned width = 0; width < CODEC_MAX_WIDTH; width++)
            for (unsigned round = 0; round < ROUNDS; round++) {
                size_t count = counts[c];
                unsigned high_width = 1 + (unsigned)(random_next() % (CODEC_MAX_WIDTH - width));
                /* half the rounds few enough for one word of high parts */
                size_t few = 64 / high_width < count ? 64 / high_width : count;
                size_t exceptions = 1 + (size_t)(random_next() % (round % 2 ? count : few));
                int bitmap = (count + 7) / 8 < 1 + exceptions;
                uint32_t low[255], high[255], expected[255], decoded[255];
                uint8_t index[255], marked[255] = {0};
                for (size_t i = 0; i < count; i++) {
                    low[i] = random_below_width(width);
                    expected[i] = low[i];
                }
                /* `exceptions` distinct places, in order */
                for (size_t n = 0; n < exceptions;) {
                    size_t at = (size_t)(random_next() % count);
                    n += !marked[at];
                    marked[at] = 1;
                }
                size_t n = 0;
                for (size_t i = 0; i < count; i++)
                    if (marked[i]) {
                        index[n] = (uint8_t)i;
                        high[n] = random_below_width(high_width) | 1; /* not 0: it shows */
                        expected[i] |= high[n] << width;
                        n++;
                    }
                size_t length = 0;
                bytes[length++] = (uint8_t)(width | 0x80 | (bitmap ? 0x40 : 0));
                reference_pack(low, count, width, bytes + length);
                length += codec_packed_bytes(width, count);
                size_t places = length;
                if (bitmap) {
                    memset(bytes + length, 0, (count + 7) / 8);
                    for (size_t e = 0; e < exceptions; e++)
                        bytes[length + index[e] / 8] |= (uint8_t)(1u << (index[e] % 8));
                    length += (count + 7) / 8;
                } else {
                    bytes[length++] = (uint8_t)exceptions;
                    memcpy(bytes + length, index, exceptions);
                    length += exceptions;
                }
                bytes[length++] = (uint8_t)high_width;
                reference_pack(high, exceptions, high_width, bytes + length);
                length += codec_packed_bytes(high_width, exceptions);
                for (size_t slack = 0; slack <= 16; slack += 16) {
                    memset(bytes + length, 0xff, slack);
                    uint8_t *mapping;
                    size_t mapping_size;
                    uint8_t *in = guarded_copy(bytes, length + slack, &mapping, &mapping_size);
                    cr_assert_eq(codec_block_decode(in, in + length + slack, count, decoded), length,
                                 "count %zu, W %u, H %u, E %zu, bitmap %d", count, width,
                                 high_width, exceptions, bitmap);
                    cr_assert_arr_eq(decoded, expected, count * sizeof *expected,
                                     "count %zu, W %u, H %u, E %zu, bitmap %d", count, width,
                                     high_width, exceptions, bitmap);
                    cr_assert_eq(codec_block_size(in, in + length + slack, count), length);
                    memset(decoded, 0, sizeof decoded);
                    cr_assert_eq(codec_block_decode_scalar(in, in + length + slack, count, decoded),
                                 length);
                    cr_assert_arr_eq(decoded, expected, count * sizeof *expected);
                    munmap(mapping, mapping_size);
                }
                if (bitmap)
                    continue;
                uint8_t *last = bytes + places + exceptions; /* the last index */
                uint8_t kept = *last;
                *last = (uint8_t)count;
                cr_assert_eq(codec_block_decode(bytes, bytes + length, count, decoded), 0,
                             "an index at the count");
                cr_assert_eq(codec_block_decode_scalar(bytes, bytes + length, count, decoded), 0);
                if (exceptions >= 2) {
                    *last = last[-1];
                    last[-1] = kept;
                    cr_assert_eq(codec_block_decode(bytes, bytes + length, count, decoded), 0,
                                 "indexes swapped");
                    cr_assert_eq(codec_block_decode_scalar(bytes, bytes + length, count, decoded),
                                 0);
                }
            }
}

Test(block, append_to_a_failed_buffer_changes_nothing)
{
    byte_buffer buffer = BUFFER_INIT;
    buffer.failed = 1;
    const uint32_t values[] = {1, 2, 3};
    codec_block_append(&buffer, values, 3);
    cr_assert_eq(buffer.length, 0);
    cr_assert(buffer_failed(&buffer));
    buffer_free(&buffer);
}

/* ------------------------------------------------------------- deltas */

Test(delta, known_gaps_and_inverse)
{
    uint32_t values[] = {10, 11, 15, 15, 100};
    codec_delta_encode(values, 5, 7);
    const uint32_t gaps[] = {3, 1, 4, 0, 85};
    cr_assert_arr_eq(values, gaps, sizeof gaps);
    codec_delta_decode(values, 5, 7);
    const uint32_t original[] = {10, 11, 15, 15, 100};
    cr_assert_arr_eq(values, original, sizeof original);

    codec_delta_encode(NULL, 0, 5);
    codec_delta_decode(NULL, 0, 5);
}

Test(delta, any_input_round_trips_modulo_2_32)
{
    uint32_t values[1000], copy[1000];
    for (size_t i = 0; i < 1000; i++)
        values[i] = (uint32_t)random_next();
    memcpy(copy, values, sizeof values);
    codec_delta_encode(values, 1000, 0xfffffff0u);
    codec_delta_decode(values, 1000, 0xfffffff0u);
    cr_assert_arr_eq(values, copy, sizeof values);

    uint32_t wrap[] = {5};
    codec_delta_decode(wrap, 1, UINT32_MAX);
    cr_assert_eq(wrap[0], 4);
}

/* A test run twice: as this machine decodes, and with the SIMD paths off
 * (codec_force_scalar), so that the scalar loops of the decoders without a
 * `_scalar` twin are checked on an AVX2 machine too.  (Criterion runs each
 * test in its own process: the switch stays in it.) */
static void scalar_path(void) { codec_force_scalar(1); }
#define ON_BOTH_PATHS(suite, name)                                                        \
    static void name(void);                                                               \
    Test(suite, name) { name(); }                                                         \
    Test(suite, name##_on_the_scalar_path, .init = scalar_path) { name(); }               \
    static void name(void)

/* codec_gaps_block_decode against codec_block_decode and a 64-bit
 * reference: narrow gaps (the vector path), wide ones and narrow ones
 * with a few wide exceptions (the scalar path), every length up to a
 * block (the vector path's scalar tail), with and without a previous
 * value, and sums that pass UINT32_MAX by one or by much, which both
 * paths must refuse. */
static int gaps_reference(uint32_t *values, size_t count, uint32_t previous)
{
    uint64_t value = previous == UINT32_MAX ? 0 : (uint64_t)previous + 1;
    for (size_t i = 0; i < count; i++, value++) {
        value += values[i];
        if (value > UINT32_MAX)
            return 0;
        values[i] = (uint32_t)value;
    }
    return 1;
}

ON_BOTH_PATHS(gaps, decode_matches_a_wide_reference)
{
    static const uint32_t previous[] = {UINT32_MAX, 0, 1000, UINT32_MAX - 3000000000u,
                                        UINT32_MAX - 200, UINT32_MAX - 1};
    static const uint32_t widest[] = {1, 255, (1u << 24) - 1, 1u << 24, UINT32_MAX, 0};
    size_t refused = 0, vector_refused = 0;
    for (size_t p = 0; p < sizeof previous / sizeof *previous; p++)
        for (size_t w = 0; w < sizeof widest / sizeof *widest; w++)
            for (size_t count = 0; count <= CODEC_BLOCK_SIZE; count++) {
                uint32_t gaps[CODEC_BLOCK_SIZE] = {0}, expected[CODEC_BLOCK_SIZE];
                uint32_t out[CODEC_BLOCK_SIZE];
                for (size_t i = 0; i < count; i++)
                    gaps[i] = widest[w] ? (uint32_t)(random_next() % ((uint64_t)widest[w] + 1))
                              : i % 50 == 7 ? 1u << 30 : (uint32_t)(random_next() % 16);
                byte_buffer block = BUFFER_INIT;
                codec_block_append(&block, gaps, count);
                cr_assert_not(buffer_failed(&block));
                memcpy(expected, gaps, sizeof gaps);
                int ok = gaps_reference(expected, count, previous[p]);
                size_t size = codec_gaps_block_decode(block.data, block.data + block.length, count,
                                                      previous[p], out);
                cr_assert_eq(size, ok ? block.length : 0, "previous %u, gaps up to %u, %zu values",
                             previous[p], widest[w], count);
                if (ok)
                    cr_assert_arr_eq(out, expected, count * sizeof *out);
                refused += !ok;
                vector_refused += !ok && widest[w] && widest[w] < (1u << 24);
                buffer_free(&block);
            }
    cr_expect_gt(vector_refused, 0, "no narrow sum passed UINT32_MAX");
    cr_expect_gt(refused, vector_refused);
    const uint8_t bad[] = {0x45};
    uint32_t out[4];
    cr_assert_eq(codec_gaps_block_decode(bad, bad + 1, 4, UINT32_MAX, out), 0, "a bad head");
}

Test(gaps, increment_refuses_a_wrapped_value)
{
    for (size_t count = 0; count <= CODEC_BLOCK_SIZE + 1; count++)
        for (size_t at = 0; at <= count; at++) {
            uint32_t values[CODEC_BLOCK_SIZE + 1];
            for (size_t i = 0; i < count; i++)
                values[i] = (uint32_t)(i * 7);
            if (at < count)
                values[at] = UINT32_MAX;
            cr_assert_eq(codec_increment(values, count), at == count, "%zu values, wrap at %zu",
                         count, at);
            for (size_t i = 0; at == count && i < count; i++)
                cr_assert_eq(values[i], (uint32_t)(i * 7) + 1);
        }
}

/* Frequencies decoded and incremented in one call: each value plus one
 * whatever the block's form and width (the narrow ones add without a
 * check), and a block holding UINT32_MAX (32 bits: only then may one
 * wrap) refused, wherever it stands. */
ON_BOTH_PATHS(gaps, tfs_block_decode_increments_and_refuses_a_wrap)
{
    static const size_t counts[] = {1, 3, 8, 31, 100, CODEC_BLOCK_SIZE};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (unsigned width = 0; width <= 32; width += 4) {
            size_t count = counts[c];
            for (size_t at = 0; at <= count; at++) {
                uint32_t values[CODEC_BLOCK_SIZE], decoded[CODEC_BLOCK_SIZE + 1];
                for (size_t i = 0; i < count; i++)
                    values[i] = (uint32_t)(i * 2654435761u) >> (32 - (width ? width : 1))
                                >> (width ? 0 : 1);
                if (at < count)
                    values[at] = UINT32_MAX; /* 32 bits wide: checked */
                byte_buffer buffer = BUFFER_INIT;
                codec_tfs_append(&buffer, values, count);
                cr_assert_not(buffer_failed(&buffer));
                decoded[count] = 0xc0ffee;
                size_t used = codec_tfs_block_decode(buffer.data, buffer.data + buffer.length,
                                                     count, decoded);
                if (at < count) {
                    cr_assert_eq(used, 0, "count %zu width %u wrap at %zu", count, width, at);
                } else {
                    cr_assert_eq(used, buffer.length, "count %zu width %u", count, width);
                    for (size_t i = 0; i < count; i++)
                        cr_assert_eq(decoded[i], values[i] + 1, "count %zu width %u at %zu",
                                     count, width, i);
                }
                cr_assert_eq(decoded[count], 0xc0ffee);
                buffer_free(&buffer);
                if (at < count && count > 8)
                    at += count / 8; /* a few places are enough */
            }
        }
}

/* Each running sum is the one before plus a value, in 64 bits (large
 * values do not wrap), for every count around the four-a-step vector
 * path's multiples. */
ON_BOTH_PATHS(gaps, running_sums_are_exact)
{
    for (size_t count = 0; count <= CODEC_BLOCK_SIZE + 1; count++) {
        uint32_t values[CODEC_BLOCK_SIZE + 1];
        uint64_t sums[CODEC_BLOCK_SIZE + 3];
        for (size_t i = 0; i < count; i++)
            values[i] = i % 3 == 0 ? UINT32_MAX - (uint32_t)i : (uint32_t)(i * 2654435761u) >> (i % 32);
        sums[count + 1] = 0xc0ffee;
        uint64_t expected = 0;
        uint64_t total = codec_running_sums(values, count, sums);
        for (size_t i = 0; i <= count; i++) {
            cr_assert_eq(sums[i], expected, "count %zu, sum %zu", count, i);
            if (i < count)
                expected += values[i];
        }
        cr_assert_eq(total, sums[count], "count %zu", count);
        cr_assert_eq(sums[count + 1], 0xc0ffee, "count %zu: written past the total", count);
    }
}

/* A posting list as the postings writer stores it: document ids in blocks
 * of 128, each block delta-coded against the last id of the previous one,
 * the final block short. */
Test(postings, a_million_document_ids_round_trip)
{
    enum { COUNT = 1000003 };
    uint32_t *ids = malloc(COUNT * sizeof *ids);
    cr_assert_not_null(ids);
    uint32_t doc = 0;
    for (size_t i = 0; i < COUNT; i++) {
        uint64_t r = random_next();
        uint32_t gap;
        if (i == COUNT / 2)
            gap = 2000000000u; /* one huge gap */
        else if (r % 100 < 90)
            gap = 1 + (uint32_t)(r >> 32) % 8; /* dense runs */
        else
            gap = 1 + (uint32_t)(r >> 32) % 5000;
        doc += gap;
        ids[i] = doc;
    }

    byte_buffer encoded = BUFFER_INIT;
    uint32_t block[CODEC_BLOCK_SIZE];
    uint32_t base = 0;
    for (size_t start = 0; start < COUNT; start += CODEC_BLOCK_SIZE) {
        size_t n = COUNT - start < CODEC_BLOCK_SIZE ? COUNT - start : CODEC_BLOCK_SIZE;
        memcpy(block, ids + start, n * sizeof *block);
        codec_delta_encode(block, n, base);
        codec_block_append(&encoded, block, n);
        base = ids[start + n - 1];
    }
    cr_assert_not(buffer_failed(&encoded));
    /* Mostly 3- and 13-bit gaps: far below 4 bytes per id. */
    cr_assert_lt(encoded.length, (size_t)COUNT * 2);

    uint8_t *copy = exact_copy(encoded.data, encoded.length);
    const uint8_t *at = copy, *end = copy + encoded.length;
    base = 0;
    for (size_t start = 0; start < COUNT; start += CODEC_BLOCK_SIZE) {
        size_t n = COUNT - start < CODEC_BLOCK_SIZE ? COUNT - start : CODEC_BLOCK_SIZE;
        size_t size = codec_block_decode(at, end, n, block);
        cr_assert_neq(size, 0, "block at %zu", start);
        codec_delta_decode(block, n, base);
        cr_assert_arr_eq(block, ids + start, n * sizeof *block, "block at %zu", start);
        base = block[n - 1];
        at += size;
    }
    cr_assert_eq(at, end);

    free(copy);
    free(ids);
    buffer_free(&encoded);
}

/* ------------------------------------------------------ unary form */

/* Gaps as a word's positions in long documents leave them: near-geometric
 * around `mean`, a few far larger. */
static void fill_geometric(uint32_t *values, size_t count, uint32_t mean)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t v = (uint32_t)(random_next() % mean);
        while (random_next() % 3 == 0)
            v += mean;
        values[i] = v;
    }
}

/* A block of CODEC_BLOCK_SIZE values, copied to exactly its bytes, is
 * sized by its heads and decodes to `values` by both decoders, and no
 * shorter range decodes. */
static void expect_full_block_reads_back(const byte_buffer *block, const uint32_t *values)
{
    uint32_t decoded[CODEC_BLOCK_SIZE];
    uint8_t *copy = exact_copy(block->data, block->length);
    const uint8_t *end = copy + block->length;
    cr_assert_eq(codec_block_size(copy, end, CODEC_BLOCK_SIZE), block->length);
    cr_assert_eq(codec_stream_size(copy, end, CODEC_BLOCK_SIZE), block->length);
    cr_assert_eq(codec_block_decode(copy, end, CODEC_BLOCK_SIZE, decoded), block->length);
    cr_assert_arr_eq(decoded, values, sizeof decoded);
    memset(decoded, 0xff, sizeof decoded);
    cr_assert_eq(codec_block_decode_scalar(copy, end, CODEC_BLOCK_SIZE, decoded), block->length);
    cr_assert_arr_eq(decoded, values, sizeof decoded);
    for (size_t cut = 0; cut < block->length; cut++)
        cr_assert_eq(codec_block_decode(copy, copy + cut, CODEC_BLOCK_SIZE, decoded), 0, "cut %zu",
                     cut);
    free(copy);
}

/* The unary form (FORMAT.md 2, head bit 6 without bit 7) is a positions
 * chunk's when smaller by more than its charge and `k` is at least 8: such
 * gaps take it through codec_positions_append, never through
 * codec_block_append, and every decoder and sizer reads it back. */
Test(unary, geometric_gaps_take_it_in_positions_only)
{
    uint32_t values[CODEC_BLOCK_SIZE];
    fill_geometric(values, CODEC_BLOCK_SIZE, 700);
    byte_buffer unary = BUFFER_INIT, patched = BUFFER_INIT;
    codec_positions_append(&unary, values, CODEC_BLOCK_SIZE);
    codec_block_append(&patched, values, CODEC_BLOCK_SIZE);
    cr_assert_not(buffer_failed(&unary) || buffer_failed(&patched));
    cr_assert_eq(unary.data[0] & 0xe0, 0x40, "head 0x%02x", unary.data[0]);
    cr_assert_geq(unary.data[0] & 0x1f, 8);
    cr_assert_neq(patched.data[0] & 0xc0, 0x40, "head 0x%02x", patched.data[0]);
    cr_assert_lt(unary.length, patched.length);
    cr_assert_eq(unary.length, 2 + codec_packed_bytes(unary.data[0] & 0x1f, CODEC_BLOCK_SIZE)
                                   + unary.data[1]);
    expect_full_block_reads_back(&unary, values);
    /* small gaps (a frequent word's) keep frame of reference */
    fill_geometric(values, CODEC_BLOCK_SIZE, 40);
    buffer_reset(&unary);
    codec_positions_append(&unary, values, CODEC_BLOCK_SIZE);
    cr_assert_neq(unary.data[0] & 0xc0, 0x40, "head 0x%02x", unary.data[0]);
    buffer_free(&unary);
    buffer_free(&patched);
}

/* A block of tf - 1 (FORMAT.md 3.3) may take the unary form from k = 0
 * (2026121001): frequencies mostly 1 with a geometric tail, as
 * codec_tfs_append writes them, are smaller so than any frame of
 * reference, which is what codec_positions_append (k >= 8) and
 * codec_block_append (document gaps) write; they read back. */
Test(unary, frequencies_take_it_from_k_0)
{
    uint32_t values[CODEC_BLOCK_SIZE];
    for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++) {
        uint32_t v = 0;
        if (random_next() % 3 == 0)
            for (v = 1; random_next() % 2 == 0;)
                v++;
        values[i] = v;
    }
    values[CODEC_BLOCK_SIZE / 2] = 7; /* at least 3 bits: k = 0 is below them */
    byte_buffer tfs = BUFFER_INIT, positions = BUFFER_INIT, patched = BUFFER_INIT;
    codec_tfs_append(&tfs, values, CODEC_BLOCK_SIZE);
    codec_positions_append(&positions, values, CODEC_BLOCK_SIZE);
    codec_block_append(&patched, values, CODEC_BLOCK_SIZE);
    cr_assert_not(buffer_failed(&tfs) || buffer_failed(&positions) || buffer_failed(&patched));
    cr_assert_eq(tfs.data[0] & 0xe0, 0x40, "head 0x%02x", tfs.data[0]);
    cr_assert_lt(tfs.data[0] & 0x1f, 2, "k %u", tfs.data[0] & 0x1f);
    cr_assert_neq(positions.data[0] & 0xc0, 0x40, "head 0x%02x", positions.data[0]);
    cr_assert_eq(positions.length, patched.length);
    cr_assert_lt(tfs.length + 10, patched.length, "%zu against %zu bytes", tfs.length,
                 patched.length); /* by more than the charge, 10 bytes a block */
    expect_full_block_reads_back(&tfs, values);
    /* a saving below the charge keeps frame of reference: every tf 1 but
     * one of 2 is a head byte and a list of one exception (5 bytes), the
     * unary form 18 */
    memset(values, 0, sizeof values);
    values[3] = 1;
    buffer_reset(&tfs);
    codec_tfs_append(&tfs, values, CODEC_BLOCK_SIZE);
    cr_assert_neq(tfs.data[0] & 0xc0, 0x40, "head 0x%02x", tfs.data[0]);
    /* one value is a varint whatever the form allowed */
    buffer_reset(&tfs);
    codec_tfs_append(&tfs, (const uint32_t[]){7}, 1);
    cr_assert_eq(tfs.length, 1);
    cr_assert_eq(tfs.data[0], 7);
    buffer_free(&tfs);
    buffer_free(&positions);
    buffer_free(&patched);
}

/* k = 8, values 5, 300, 1000, 775: low bytes 05 2c e8 07, high parts 0,
 * 1, 3, 3 as 1 01 0001 0001 = the 1s at bits 0, 2, 6, 10: 0x45 0x04. */
Test(unary, hand_built_block_decodes_and_hostile_ones_are_rejected)
{
    const uint8_t good[] = {0x48, 2, 0x05, 0x2c, 0xe8, 0x07, 0x45, 0x04};
    const uint32_t expected[] = {5, 300, 1000, 775};
    uint32_t decoded[4];
    cr_assert_eq(codec_block_size(good, good + sizeof good, 4), sizeof good);
    cr_assert_eq(codec_block_decode(good, good + sizeof good, 4, decoded), sizeof good);
    cr_assert_arr_eq(decoded, expected, sizeof expected);
    cr_assert_eq(codec_block_decode_scalar(good, good + sizeof good, 4, decoded), sizeof good);
    cr_assert_arr_eq(decoded, expected, sizeof expected);
    const struct {
        uint8_t bytes[11];
        size_t length;
        int sized; /* codec_block_size accepts it (the 1s are only counted decoding) */
        const char *why;
    } bad[] = {
        {{0x48, 0, 0x05, 0x2c, 0xe8, 0x07}, 6, 0, "no unary bytes"},
        {{0x68, 2, 0x05, 0x2c, 0xe8, 0x07, 0x45, 0x04}, 8, 0, "k above 31 (head bit 5)"},
        {{0x48, 2, 0x05, 0x2c, 0xe8, 0x07, 0x45, 0x00}, 8, 1, "three 1s for four values"},
        {{0x48, 2, 0x05, 0x2c, 0xe8, 0x07, 0x45, 0x0c}, 8, 1, "five 1s for four values"},
        {{0x48, 3, 0x05, 0x2c, 0xe8, 0x07, 0x45, 0x04, 0x00}, 9, 1, "a byte after the last 1"},
        {{0x48, 2, 0x05, 0x2c, 0xe8, 0x07, 0x45}, 7, 0, "truncated"},
        {{0x5f, 1, 0, 0, 0, 0x80, 0, 0, 0, 0x40, 0x0c}, 11, 1, "a value above 32 bits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t count = bad[i].bytes[0] == 0x5f ? 2 : 4;
        const uint8_t *end = bad[i].bytes + bad[i].length;
        cr_assert_eq(codec_block_decode(bad[i].bytes, end, count, decoded), 0, "%s", bad[i].why);
        cr_assert_eq(codec_block_decode_scalar(bad[i].bytes, end, count, decoded), 0, "%s",
                     bad[i].why);
        cr_assert_eq(codec_block_size(bad[i].bytes, end, count) != 0, bad[i].sized, "%s",
                     bad[i].why);
    }
}

/* A short inline list's document numbers (FORMAT.md 3.4 "fixed-ids"):
 * packed at the segment's width with no head, so their size follows from
 * the count and the width (none at width 0), and they read back from a
 * range that ends where they do. */
Test(ids, round_trip_at_every_width_in_exactly_their_bytes)
{
    for (unsigned width = 0; width <= 32; width++)
        for (size_t count = 1; count <= 5; count++) {
            uint64_t top = ((uint64_t)1 << width) - 1; /* the limit: ids below it */
            if (width == 0 ? count > 1 : top < count)
                continue; /* no room for `count` increasing numbers */
            uint32_t ids[5], back[5];
            for (size_t i = 0; i < count; i++) /* up to top - 1: all bits but bit 0 */
                ids[i] = width ? (uint32_t)(top - (count - i)) : 0;
            uint32_t limit = width ? (uint32_t)top : 1;
            byte_buffer out = BUFFER_INIT;
            codec_ids_append(&out, ids, count, width);
            cr_assert_not(buffer_failed(&out));
            cr_assert_eq(out.length, codec_packed_bytes(width, count), "width %u", width);
            uint8_t *exact = malloc(out.length + 1); /* + 1: malloc(0) may be NULL */
            if (out.length) /* width 0 wrote nothing: out.data may be NULL */
                memcpy(exact, out.data, out.length);
            cr_assert(codec_ids_decode(exact, exact + out.length, count, width, limit, back),
                      "width %u count %zu", width, count);
            cr_assert_arr_eq(back, ids, count * sizeof *ids);
            free(exact);
            buffer_free(&out);
        }
}

/* Hostile numbers are refused: not increasing, at or past the limit, bits
 * set past the last number, bytes missing, two numbers of no bits, a width
 * past 32 or a count past a block. */
Test(ids, hostile_numbers_are_refused)
{
    uint32_t back[CODEC_BLOCK_SIZE + 1];
    const uint32_t ok[3] = {3, 9, 500};
    byte_buffer out = BUFFER_INIT;
    codec_ids_append(&out, ok, 3, 10); /* 30 bits: 4 bytes, the top 2 bits unused */
    cr_assert_eq(out.length, 4);
    const uint8_t *p = out.data, *end = p + 4;
    cr_assert(codec_ids_decode(p, end, 3, 10, 501, back));
    cr_assert_arr_eq(back, ok, sizeof ok);
    cr_assert_not(codec_ids_decode(p, end, 3, 10, 500, back), "500 is not below 500");
    for (size_t cut = 0; cut < 4; cut++)
        cr_assert_not(codec_ids_decode(p, p + cut, 3, 10, 1000, back), "cut at %zu", cut);
    uint8_t stray[4];
    memcpy(stray, p, 4);
    stray[3] |= 0x40; /* bit 30: past the third number */
    cr_assert_not(codec_ids_decode(stray, stray + 4, 3, 10, 1000, back));
    const uint32_t equal[2] = {7, 7}, down[2] = {8, 7};
    byte_buffer bad = BUFFER_INIT;
    codec_ids_append(&bad, equal, 2, 4);
    cr_assert_not(codec_ids_decode(bad.data, bad.data + bad.length, 2, 4, 16, back));
    buffer_reset(&bad);
    codec_ids_append(&bad, down, 2, 4);
    cr_assert_not(codec_ids_decode(bad.data, bad.data + bad.length, 2, 4, 16, back));
    /* width 0: one number, 0, in no bytes; two cannot increase */
    cr_assert(codec_ids_decode(p, p, 1, 0, 1, back));
    cr_assert_eq(back[0], 0);
    cr_assert_not(codec_ids_decode(p, p, 2, 0, 1, back));
    cr_assert_not(codec_ids_decode(p, p, 1, 0, 0, back), "no document to be");
    cr_assert_not(codec_ids_decode(p, end, 1, 33, UINT32_MAX, back));
    cr_assert_not(codec_ids_decode(p, end, 0, 10, 1000, back));
    cr_assert_not(codec_ids_decode(p, end, CODEC_BLOCK_SIZE + 1, 0, 1000, back));
    /* a caller's error fails the buffer rather than write past it */
    byte_buffer wrong = BUFFER_INIT;
    codec_ids_append(&wrong, ok, 3, 33);
    cr_assert(buffer_failed(&wrong));
    buffer_free(&wrong);
    buffer_free(&bad);
    buffer_free(&out);
}

/* The size of a run of full blocks (as an opening steps over a common
 * word's chunks) is the sum of their sizes, whatever their forms (plain,
 * listed exceptions, a bitmap, the unary form), and 0 when the run is cut
 * anywhere inside its last block or a head is invalid. */
Test(block, full_blocks_size_sums_the_blocks)
{
    byte_buffer buffer = BUFFER_INIT;
    size_t ends[8], at = 0;
    uint64_t state = 20261205;
    for (size_t b = 0; b < 8; b++) {
        uint32_t values[CODEC_BLOCK_SIZE];
        for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            uint64_t r = (state >> 33) % 100;
            /* b % 4: equal widths, rare wide values (listed), many
             * (a bitmap); geometric below (the unary form) */
            values[i] = b % 4 == 0   ? 5
                        : b % 4 == 1 ? (r < 4 ? 70000 : (uint32_t)r % 8)
                                     : (r < 30 ? 900 : (uint32_t)r % 4);
        }
        if (b % 4 == 3)
            fill_geometric(values, CODEC_BLOCK_SIZE, 700);
        codec_positions_append(&buffer, values, CODEC_BLOCK_SIZE);
        cr_assert_not(buffer_failed(&buffer));
        ends[b] = buffer.length;
        static const uint8_t forms[4] = {0x00, 0x80, 0xc0, 0x40}; /* head bits 7 and 6 */
        cr_assert_eq(buffer.data[at] & 0xc0, forms[b % 4], "block %zu's form", b);
        cr_assert_eq(codec_block_size(buffer.data + at, buffer.data + buffer.length,
                                      CODEC_BLOCK_SIZE),
                     ends[b] - at);
        at = ends[b];
    }
    const uint8_t *data = buffer.data, *end = data + buffer.length;
    cr_assert_eq(codec_full_blocks_size(data, end, 0), 0);
    for (size_t n = 1; n <= 8; n++) {
        cr_assert_eq(codec_full_blocks_size(data, end, n), ends[n - 1], "%zu blocks", n);
        size_t start = n > 1 ? ends[n - 2] : 0;
        for (size_t cut = start; cut < ends[n - 1]; cut++)
            cr_assert_eq(codec_full_blocks_size(data, data + cut, n), 0, "%zu blocks cut at %zu",
                         n, cut);
    }
    cr_assert_eq(codec_full_blocks_size(data, end, 9), 0, "past the last block");
    uint8_t bad[2 + 16 * 33] = {33}; /* width 33 */
    cr_assert_eq(codec_full_blocks_size(bad, bad + sizeof bad, 1), 0);
    buffer_free(&buffer);
}

/* codec_tfs_block_decode, which skips the wrap check where the block's
 * widest value is under 32 bits, against codec_block_decode and
 * codec_increment on hostile bytes: blocks of every form (plain, listed,
 * bitmap, unary, a varint for one value) with values up to UINT32_MAX,
 * then one byte changed or the range cut, for counts 1, 127 and 128.  Both
 * must accept the same bytes and give the same frequencies. */
ON_BOTH_PATHS(gaps, tfs_block_decode_matches_decode_and_increment_on_hostile_bytes)
{
    static const size_t counts[] = {1, 2, 127, CODEC_BLOCK_SIZE};
    static const uint32_t tops[] = {3, 1u << 20, (1u << 31) - 1, 1u << 31, UINT32_MAX - 1,
                                    UINT32_MAX};
    size_t accepted = 0, refused = 0;
    for (int round = 0; round < 400; round++) {
        size_t count = counts[round % 4];
        uint32_t values[CODEC_BLOCK_SIZE];
        uint32_t top = tops[(round / 4) % 6];
        if (round % 3 == 0) {
            fill_geometric(values, count, 5);
        } else {
            for (size_t i = 0; i < count; i++)
                values[i] = (uint32_t)(random_next() % 8);
        }
        /* a few wide ones, at the first and the last index among them */
        values[round % 2 ? count - 1 : 0] = top;
        if (count > 2)
            values[random_next() % count] = (uint32_t)(random_next() % ((uint64_t)top + 1));
        byte_buffer block = BUFFER_INIT;
        if (round % 5 == 0)
            codec_positions_append(&block, values, count);
        else
            codec_tfs_append(&block, values, count);
        cr_assert_not(buffer_failed(&block));
        for (int variant = 0; variant < 3; variant++) {
            size_t length = block.length;
            uint8_t bytes[8 + CODEC_BLOCK_SIZE * 5 + 64];
            cr_assert_leq(length, sizeof bytes);
            memcpy(bytes, block.data, length);
            if (variant == 1)
                bytes[random_next() % length] ^= (uint8_t)(1u << (random_next() % 8));
            if (variant == 2)
                length = (size_t)(random_next() % length);
            uint32_t fast[CODEC_BLOCK_SIZE + 1], slow[CODEC_BLOCK_SIZE + 1];
            fast[count] = slow[count] = 0xc0ffee;
            size_t used = codec_tfs_block_decode(bytes, bytes + length, count, fast);
            size_t expected = codec_block_decode(bytes, bytes + length, count, slow);
            if (expected && !codec_increment(slow, count))
                expected = 0;
            cr_assert_eq(used, expected, "round %d variant %d count %zu", round, variant, count);
            if (used)
                cr_assert_arr_eq(fast, slow, count * sizeof *fast, "round %d variant %d", round,
                                 variant);
            cr_assert_eq(fast[count], 0xc0ffee, "written past the count");
            accepted += used != 0;
            refused += used == 0;
        }
        buffer_free(&block);
    }
    cr_expect_gt(accepted, 0);
    cr_expect_gt(refused, 0);
}

/* codec_full_blocks_size against codec_block_size block by block (what
 * an opening did before) on hostile bytes: a run of eight full blocks of
 * every form with one bit flipped or the range cut; the same size, or 0
 * from both. */
Test(block, full_blocks_size_matches_block_by_block_on_hostile_bytes)
{
    byte_buffer run = BUFFER_INIT;
    for (size_t b = 0; b < 8; b++) {
        uint32_t values[CODEC_BLOCK_SIZE];
        if (b % 2)
            fill_geometric(values, CODEC_BLOCK_SIZE, 700);
        else
            for (size_t i = 0; i < CODEC_BLOCK_SIZE; i++)
                values[i] = random_next() % 100 < 5 * b ? 90000 : (uint32_t)(random_next() % 8);
        codec_positions_append(&run, values, CODEC_BLOCK_SIZE);
        cr_assert_not(buffer_failed(&run));
    }
    uint8_t *bytes = malloc(run.length);
    cr_assert_not_null(bytes);
    size_t agreed = 0, refused = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(bytes, run.data, run.length);
        size_t length = run.length;
        if (round % 4 == 3)
            length = (size_t)(random_next() % run.length);
        else
            bytes[random_next() % length] ^= (uint8_t)(1u << (random_next() % 8));
        const uint8_t *end = bytes + length;
        size_t blocks = 1 + (size_t)(random_next() % 8), expected = 0;
        for (size_t b = 0; b < blocks; b++) {
            size_t size = codec_block_size(bytes + expected, end, CODEC_BLOCK_SIZE);
            if (size == 0) {
                expected = 0;
                break;
            }
            expected += size;
        }
        cr_assert_eq(codec_full_blocks_size(bytes, end, blocks), expected, "round %d", round);
        agreed += expected != 0;
        refused += expected == 0;
    }
    cr_expect_gt(agreed, 0);
    cr_expect_gt(refused, 0);
    free(bytes);
    buffer_free(&run);
}
