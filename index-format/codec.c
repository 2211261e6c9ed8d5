#include "config.h"

#include "index-format/codec.h"

#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CODEC_HAVE_AVX2 1
#if defined(__SSE2__)
#define CODEC_HAVE_SSE2 1 /* x86-64's baseline */
#endif
#endif

/*
 * The unpack hot path is one routine per width, each decoding groups of 32
 * values.  32 values of W bits are exactly W 32-bit words, so every group
 * starts on a byte (indeed word) boundary, a full block is four groups,
 * and a group reads precisely its own 4*W bytes: no over-read, no
 * per-value bound check.  Each routine is the same generic loop with the
 * width fixed at compile time, fully unrolled so every shift and mask
 * becomes a constant.  Where the processor has AVX2 (asked at run time),
 * widths up to 25 go through one gather per eight values instead
 * (unpack_octets_avx2); codec_unpack_scalar keeps the scalar path callable
 * so tests and the fuzz harness compare the two.
 */

#if defined(__GNUC__) || defined(__clang__)
#define CODEC_ALWAYS_INLINE inline __attribute__((always_inline))
#define CODEC_NOINLINE __attribute__((noinline))
#else
#define CODEC_ALWAYS_INLINE inline
#define CODEC_NOINLINE
#endif

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define CODEC_UNROLL_32 _Pragma("GCC unroll 32")
#else
#define CODEC_UNROLL_32
#endif

#define CODEC_GROUP 32

/* Compilers turn this byte assembly into a single load on little-endian
 * hosts, and it stays correct on big-endian ones. */
static inline uint32_t load_u32le(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

static inline uint64_t load_u64le(const uint8_t *bytes)
{
    return (uint64_t)load_u32le(bytes) | (uint64_t)load_u32le(bytes + 4) << 32;
}

static inline uint32_t width_mask(unsigned width)
{
    return width >= 32 ? UINT32_MAX : ((uint32_t)1 << width) - 1;
}

/* ------------------------------------------------------------ varints */

size_t codec_varint_encode(uint64_t value, uint8_t out[CODEC_VARINT_MAX_BYTES])
{
    size_t length = 0;
    while (value >= 0x80) {
        out[length++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[length++] = (uint8_t)value;
    return length;
}

size_t codec_varint_decode(const uint8_t *in, const uint8_t *end, uint64_t *value)
{
    size_t available = in < end ? (size_t)(end - in) : 0;
    size_t limit = available < CODEC_VARINT_MAX_BYTES ? available : CODEC_VARINT_MAX_BYTES;

    /* Most varints in postings are one byte. */
    if (limit > 0 && in[0] < 0x80) {
        *value = in[0];
        return 1;
    }

    uint64_t result = 0;
    for (size_t i = 0; i < limit; i++) {
        uint64_t byte = in[i];
        if (i == CODEC_VARINT_MAX_BYTES - 1) {
            /* The 10th byte holds bit 63 only: anything more is overflow,
             * a continuation bit means an 11th byte. */
            if (byte > 1)
                return 0;
            *value = result | byte << 63;
            return CODEC_VARINT_MAX_BYTES;
        }
        result |= (byte & 0x7f) << (7 * i);
        if (byte < 0x80) {
            *value = result;
            return i + 1;
        }
    }
    return 0;
}

size_t codec_varint_decode32(const uint8_t *in, const uint8_t *end, uint32_t *value)
{
    uint64_t wide;
    size_t length = codec_varint_decode(in, end, &wide);
    if (length == 0 || wide > UINT32_MAX)
        return 0;
    *value = (uint32_t)wide;
    return length;
}

/* ------------------------------------------------------- bit widths */

unsigned codec_bit_width(uint32_t max_value)
{
    if (max_value == 0)
        return 0;
#if defined(__GNUC__) || defined(__clang__)
    return 32u - (unsigned)__builtin_clz(max_value);
#else
    unsigned width = 0;
    while (max_value) {
        width++;
        max_value >>= 1;
    }
    return width;
#endif
}

unsigned codec_max_bit_width(const uint32_t *values, size_t count)
{
    /* The OR of the values has the same highest bit as their maximum, and
     * vectorises without a compare. */
    uint32_t all_bits = 0;
    for (size_t i = 0; i < count; i++)
        all_bits |= values[i];
    return codec_bit_width(all_bits);
}


/* ---------------------------------------------------------- packing */

void codec_pack(const uint32_t *values, size_t count, unsigned width, uint8_t *out)
{
    if (width == 0)
        return;
    const uint64_t mask = width_mask(width);
    uint64_t pending = 0;   /* bits not yet written, lowest first */
    unsigned pending_bits = 0;
    for (size_t i = 0; i < count; i++) {
        pending |= (values[i] & mask) << pending_bits;
        pending_bits += width;
        while (pending_bits >= 8) {
            *out++ = (uint8_t)pending;
            pending >>= 8;
            pending_bits -= 8;
        }
    }
    if (pending_bits > 0)
        *out = (uint8_t)pending;
}

/* --------------------------------------------------------- unpacking */

static CODEC_ALWAYS_INLINE void unpack_group(const uint8_t *restrict in, uint32_t *restrict out,
                                             unsigned width)
{
    const uint32_t mask = width_mask(width);
    CODEC_UNROLL_32
    for (unsigned i = 0; i < CODEC_GROUP; i++) {
        unsigned bit = i * width;
        unsigned word = bit / 32;
        unsigned shift = bit % 32;
        uint32_t value = load_u32le(in + 4 * word) >> shift;
        if (shift + width > 32)
            value |= load_u32le(in + 4 * word + 4) << (32 - shift);
        out[i] = value & mask;
    }
}

typedef void group_unpacker(const uint8_t *restrict in, uint32_t *restrict out, size_t groups);

#define DEFINE_GROUP_UNPACKER(width)                                                     \
    static void unpack_groups_##width(const uint8_t *restrict in, uint32_t *restrict out,      \
                                      size_t groups)                                      \
    {                                                                                    \
        for (size_t g = 0; g < groups; g++) {                                            \
            unpack_group(in, out, width);                                                \
            in += 4 * (width);                                                           \
            out += CODEC_GROUP;                                                          \
        }                                                                                \
    }

DEFINE_GROUP_UNPACKER(1)
DEFINE_GROUP_UNPACKER(2)
DEFINE_GROUP_UNPACKER(3)
DEFINE_GROUP_UNPACKER(4)
DEFINE_GROUP_UNPACKER(5)
DEFINE_GROUP_UNPACKER(6)
DEFINE_GROUP_UNPACKER(7)
DEFINE_GROUP_UNPACKER(8)
DEFINE_GROUP_UNPACKER(9)
DEFINE_GROUP_UNPACKER(10)
DEFINE_GROUP_UNPACKER(11)
DEFINE_GROUP_UNPACKER(12)
DEFINE_GROUP_UNPACKER(13)
DEFINE_GROUP_UNPACKER(14)
DEFINE_GROUP_UNPACKER(15)
DEFINE_GROUP_UNPACKER(16)
DEFINE_GROUP_UNPACKER(17)
DEFINE_GROUP_UNPACKER(18)
DEFINE_GROUP_UNPACKER(19)
DEFINE_GROUP_UNPACKER(20)
DEFINE_GROUP_UNPACKER(21)
DEFINE_GROUP_UNPACKER(22)
DEFINE_GROUP_UNPACKER(23)
DEFINE_GROUP_UNPACKER(24)
DEFINE_GROUP_UNPACKER(25)
DEFINE_GROUP_UNPACKER(26)
DEFINE_GROUP_UNPACKER(27)
DEFINE_GROUP_UNPACKER(28)
DEFINE_GROUP_UNPACKER(29)
DEFINE_GROUP_UNPACKER(30)
DEFINE_GROUP_UNPACKER(31)
DEFINE_GROUP_UNPACKER(32)

/* Indexed by width; width 0 is handled before dispatch. */
static group_unpacker *const group_unpackers[CODEC_MAX_WIDTH + 1] = {
    NULL,
    unpack_groups_1,  unpack_groups_2,  unpack_groups_3,  unpack_groups_4,
    unpack_groups_5,  unpack_groups_6,  unpack_groups_7,  unpack_groups_8,
    unpack_groups_9,  unpack_groups_10, unpack_groups_11, unpack_groups_12,
    unpack_groups_13, unpack_groups_14, unpack_groups_15, unpack_groups_16,
    unpack_groups_17, unpack_groups_18, unpack_groups_19, unpack_groups_20,
    unpack_groups_21, unpack_groups_22, unpack_groups_23, unpack_groups_24,
    unpack_groups_25, unpack_groups_26, unpack_groups_27, unpack_groups_28,
    unpack_groups_29, unpack_groups_30, unpack_groups_31, unpack_groups_32,
};

/* The fewer-than-32 values after the last whole group (or octet), from
 * their ceil(count * width / 8) bytes alone: copied into a zeroed buffer
 * long enough for an 8-byte load at every value, so each value is one
 * load, a shift and a mask instead of a byte-at-a-time refill. */
#define TAIL_BUFFER (4 * CODEC_MAX_WIDTH + 8)
static void unpack_tail(const uint8_t *in, size_t count, unsigned width, uint32_t *out)
{
    uint8_t padded[TAIL_BUFFER] = {0};
    memcpy(padded, in, codec_packed_bytes(width, count));
    const uint64_t mask = width_mask(width);
    size_t bit = 0;
    for (size_t i = 0; i < count; i++, bit += width)
        out[i] = (uint32_t)((load_u64le(padded + bit / 8) >> (bit % 8)) & mask);
}

/* The widest values the AVX2 routine takes: a value then lies within
 * the 4 bytes loaded at its first byte (shift <= 7, 7 + 25 = 32). */
#define AVX2_MAX_WIDTH 25

#ifdef CODEC_HAVE_AVX2
/* Eight values of `width` bits are exactly `width` bytes, so each octet of
 * values starts on a byte and value j of an octet lies at the same byte
 * offset and shift in every octet: one gather of eight 4-byte loads, a
 * per-lane shift and a mask decode eight values.  Decodes whole octets
 * while their loads stay before `limit` and returns how many values. */
__attribute__((target("avx2"))) static size_t unpack_octets_avx2(const uint8_t *in,
                                                                 const uint8_t *limit,
                                                                 size_t count, unsigned width,
                                                                 uint32_t *out)
{
    const __m256i bits = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                            _mm256_set1_epi32((int)width));
    const __m256i offset_lanes = _mm256_srli_epi32(bits, 3);
    const __m256i shift_lanes = _mm256_and_si256(bits, _mm256_set1_epi32(7));
    const __m256i mask = _mm256_set1_epi32((int)width_mask(width));
    size_t reach = 7 * width / 8 + 4, octets = count / 8, done = 0;
    if ((size_t)(limit - in) < reach)
        return 0;
    /* the octets whose loads fit: all of them but near `limit` (the
     * division only then), so that the loops test a count alone (three
     * tests a step were more than half of the loop's instructions) */
    size_t room = (size_t)(limit - in) - reach; /* the last octet start whose loads fit */
    if (octets > 0 && room < (octets - 1) * width)
        octets = room / width + 1;
#define UNPACK_OCTET(k)                                                                         \
    _mm256_storeu_si256(                                                                       \
        (__m256i *)(void *)(out + 8 * (k)),                                                    \
        _mm256_and_si256(_mm256_srlv_epi32(_mm256_i32gather_epi32(                             \
                                               (const int *)(const void *)(in + (k) * width), \
                                               offset_lanes, 1),                               \
                                           shift_lanes),                                       \
                         mask))
    for (; done + 4 <= octets; done += 4, in += 4 * width, out += 32) {
        UNPACK_OCTET(0);
        UNPACK_OCTET(1);
        UNPACK_OCTET(2);
        UNPACK_OCTET(3);
    }
    for (; done < octets; done++, in += width, out += 8)
        UNPACK_OCTET(0);
#undef UNPACK_OCTET
    return done * 8;
}

/* The last values (fewer than 32, as unpack_octets_avx2 leaves: its loads
 * reach at most width + 3 bytes past an octet's start) through the same
 * gathers, over their bytes copied into a zeroed buffer. */
__attribute__((target("avx2"))) static void unpack_tail_avx2(const uint8_t *in, size_t count,
                                                             unsigned width, uint32_t *out)
{
    uint8_t padded[TAIL_BUFFER] = {0};
    uint32_t values[CODEC_GROUP];
    memcpy(padded, in, codec_packed_bytes(width, count));
    size_t octets = (count + 7) / 8;
    unpack_octets_avx2(padded, padded + sizeof padded, octets * 8, width, values);
    memcpy(out, values, count * sizeof *out);
}
#endif

/* In line where a block is decoded: a call each was ~10 instructions a
 * block (callgrind). */
static int scalar_forced; /* codec_force_scalar */

void codec_force_scalar(int on) { scalar_forced = on; }

static inline int simd_available(void)
{
#ifdef CODEC_HAVE_AVX2
    return !scalar_forced && __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

int codec_unpack_simd_available(void)
{
    return simd_available();
}

/* The values after the whole octets or groups: where [in, end) has 8
 * bytes past the last of them, each is one load in place; otherwise from
 * a zeroed copy of their bytes (the AVX2 copy takes up to 31 values). */
static CODEC_ALWAYS_INLINE void unpack_rest(const uint8_t *in, const uint8_t *end, size_t count,
                                            unsigned width, uint32_t *out, int simd)
{
    if ((size_t)(end - in) >= codec_packed_bytes(width, count) + 8) {
        const uint64_t mask = width_mask(width);
        size_t bit = 0;
        for (size_t i = 0; i < count; i++, bit += width)
            out[i] = (uint32_t)((load_u64le(in + bit / 8) >> (bit % 8)) & mask);
        return;
    }
#ifdef CODEC_HAVE_AVX2
    if (simd && width <= AVX2_MAX_WIDTH && count < CODEC_GROUP) {
        unpack_tail_avx2(in, count, width, out);
        return;
    }
#else
    (void)simd;
#endif
    unpack_tail(in, count, width, out);
}

/* Both paths decode whole groups first where they can; `simd` chooses
 * the AVX2 one (when the width allows it). */
static CODEC_ALWAYS_INLINE size_t unpack_with(const uint8_t *in, const uint8_t *end,
                                              size_t count, unsigned width, uint32_t *out,
                                              int simd)
{
    if (width > CODEC_MAX_WIDTH)
        return 0;
    size_t needed = codec_packed_bytes(width, count);
    size_t available = in < end ? (size_t)(end - in) : 0;
    if (needed > available)
        return 0;
    if (width == 0) {
        if (count > 0)
            memset(out, 0, count * sizeof *out);
        return 0;
    }
    size_t done = 0;
#ifdef CODEC_HAVE_AVX2
    if (simd && width <= AVX2_MAX_WIDTH) {
        /* the gathers may load bytes after the values' own, up to `end`
         * (never at or past it): they are masked off */
        done = unpack_octets_avx2(in, in + available, count, width, out);
    } else
#else
    (void)simd;
#endif
    {
        size_t groups = count / CODEC_GROUP;
        if (groups > 0)
            group_unpackers[width](in, out, groups);
        done = groups * CODEC_GROUP;
    }
    if (done < count) /* done is a multiple of 8: a byte boundary */
        unpack_rest(in + done / 8 * width, in + available, count - done, width, out + done,
                    simd);
    return needed;
}

size_t codec_unpack(const uint8_t *in, const uint8_t *end, size_t count, unsigned width,
                    uint32_t *out)
{
    return unpack_with(in, end, count, width, out, simd_available());
}

size_t codec_unpack_scalar(const uint8_t *in, const uint8_t *end, size_t count, unsigned width,
                           uint32_t *out)
{
    return unpack_with(in, end, count, width, out, 0);
}

/* ------------------------------------------------------------ blocks */

#define HEAD_WIDTH_BITS 0x3fu
#define HEAD_BITMAP 0x40u /* with HEAD_EXCEPTIONS: their places as a bitmap */
#define HEAD_EXCEPTIONS 0x80u
#define RICE_MAX_K 31u /* head bits 0-4 in the unary form */

/* The bytes that say which values are exceptions: E:u8 and one index
 * byte each, or a bitmap of one bit per value. */
static size_t list_bytes(size_t exceptions)
{
    return 1 + exceptions;
}
static size_t bitmap_bytes(size_t count)
{
    return (count + 7) / 8;
}

/* Whether the bitmap says where `exceptions` of `count` values are more
 * cheaply than a list of their indexes (a tie keeps the list). */
static int places_as_bitmap(size_t count, size_t exceptions)
{
    return bitmap_bytes(count) < list_bytes(exceptions);
}

/* The bytes of a block of `count` values at `width` bits of which
 * `exceptions` (0: none) carry a high part of `high_width` bits. */
static size_t block_bytes(unsigned width, size_t count, size_t exceptions, unsigned high_width)
{
    size_t size = 1 + codec_packed_bytes(width, count);
    if (exceptions > 0)
        size += (places_as_bitmap(count, exceptions) ? bitmap_bytes(count) : list_bytes(exceptions))
              + 1 + codec_packed_bytes(high_width, exceptions);
    return size;
}

/* What the writer minimises, in quarters of a byte: the block's size,
 * and a quarter byte for each exception a bitmap places.  Patching an
 * exception costs a decoder about as much as unpacking a dozen values,
 * and the bitmap makes exceptions cheap enough in bytes that, left to
 * size alone, the writer takes four times as many (wiki-dev: 13 a chunk
 * against 3.3 listed), for 1.5 % of the index and 14 % more instructions
 * in a phrase's search (FORMAT.md 10).  A listed exception pays no
 * charge, so where the bitmap does not pay, the block is the smallest. */
#define BITMAP_EXCEPTION_QUARTERS 1
static size_t block_cost(size_t size, size_t count, size_t exceptions)
{
    size_t charge = exceptions > 0 && places_as_bitmap(count, exceptions)
                        ? exceptions * BITMAP_EXCEPTION_QUARTERS : 0;
    return 4 * size + charge;
}

/* The unary form (codec.h "block", head bit 6 without bit 7): each
 * value's low `k` bits packed, then its high part (value >> k) in unary,
 * that many 0 bits and a 1.  Gaps between the positions of a word in a
 * document are near-geometric with a long tail, which this fits better
 * than frame of reference with exceptions: on wiki-dev, allowed from
 * k = 0, it took 1.83 MB (5.5 %) off the positions.  But finding the 1s
 * costs a decoder about four times what unpacking does (~400
 * instructions a chunk), and the chunks of frequent words, of small
 * gaps, are the ones a phrase decodes most: from k = 0 a phrase's
 * search took 19 % more instructions counting, from k = 7 3.6 % for
 * 1.21 MB, from k = RICE_MIN_K = 8 2.0 % for 0.99 MB (FORMAT.md 10,
 * 2026120802).  Its size in quarter bytes is charged RICE_VALUE_SIXTEENTHS
 * sixteenths of a quarter byte a value more (2 bytes a chunk of 128).
 * RICE_MAX_UNARY_BYTES: the unary part's length is one byte. */
#define RICE_MIN_K 8u
#define RICE_VALUE_SIXTEENTHS 1
#define RICE_MAX_UNARY_BYTES 255u

/* The unary form in a block of frequencies, tf - 1 (since 2026121001).
 * Most frequencies are 1 with a geometric tail, which the unary form fits
 * better than a frame of reference: allowed from k = 0 at the positions'
 * charge it took 0.45 MB (18 %) off the blocked lists' frequencies on
 * wiki-dev.  But a term's top hits decode the frequencies of every block
 * they score (a count never does), at about four times the unpacking's
 * instructions, and a common term's search took 3.1 % more; charged
 * TFS_RICE_VALUE_SIXTEENTHS sixteenths of a quarter byte a value (10 bytes
 * a block of 128) it keeps 0.31 MB of the 0.49 (inline lists' included)
 * for 1.4 % (FORMAT.md 10, 2026121001).  A block of document gaps never takes it:
 * every search decodes them, and even at 12 bytes a block a count took
 * 4 % more. */
#define TFS_RICE_MIN_K 0u
#define TFS_RICE_VALUE_SIXTEENTHS 5

/* The unary form's best `k` (from min_k, below `max_width`: from
 * there it is larger than the plain block) for values[0, count), and its
 * size; 0 when none is allowed.  On a tie, the smaller `k`. */
static size_t rice_choose(const uint32_t *values, size_t count, unsigned max_width,
                          unsigned min_k, unsigned *best_k)
{
    size_t best = 0;
    for (unsigned k = min_k; k < max_width; k++) {
        uint64_t high = 0;
        for (size_t i = 0; i < count; i++)
            high += values[i] >> k;
        uint64_t unary = (count + high + 7) / 8;
        if (unary > RICE_MAX_UNARY_BYTES)
            continue;
        size_t size = 2 + codec_packed_bytes(k, count) + (size_t)unary;
        if (best == 0 || size < best) {
            best = size;
            *best_k = k;
        }
    }
    return best;
}

static void rice_write(byte_buffer *out, const uint32_t *values, size_t count, unsigned k,
                       size_t size)
{
    if (buffer_reserve(out, size) != 0)
        return;
    uint8_t *block = out->data + out->length;
    size_t packed = codec_packed_bytes(k, count), unary = size - 2 - packed;
    block[0] = (uint8_t)(HEAD_BITMAP | k);
    block[1] = (uint8_t)unary;
    codec_pack(values, count, k, block + 2);
    uint8_t *bits = block + 2 + packed;
    memset(bits, 0, unary);
    uint64_t at = 0;
    for (size_t i = 0; i < count; i++) {
        at += values[i] >> k;
        bits[at / 8] |= (uint8_t)(1u << (at % 8));
        at++;
    }
    out->length += size;
}

/* Which unary forms a block may take: from k = min_k, at a charge of
 * `sixteenths` a value (see block_append); min_k NO_UNARY: none. */
typedef struct unary_rule {
    unsigned min_k;
    unsigned sixteenths;
} unary_rule;
#define NO_UNARY (RICE_MAX_K + 1)
static void block_append(byte_buffer *out, const uint32_t *values, size_t count,
                         unary_rule unary);

void codec_block_append(byte_buffer *out, const uint32_t *values, size_t count)
{
    block_append(out, values, count, (unary_rule){NO_UNARY, 0});
}

void codec_positions_append(byte_buffer *out, const uint32_t *values, size_t count)
{
    block_append(out, values, count, (unary_rule){RICE_MIN_K, RICE_VALUE_SIXTEENTHS});
}

void codec_tfs_append(byte_buffer *out, const uint32_t *values, size_t count)
{
    block_append(out, values, count, (unary_rule){TFS_RICE_MIN_K, TFS_RICE_VALUE_SIXTEENTHS});
}

static void block_append(byte_buffer *out, const uint32_t *values, size_t count,
                         unary_rule unary)
{
    if (count == 1) { /* a varint: no head byte (codec.h "block") */
        buffer_append_varint(out, values[0]);
        return;
    }
    /* How many values need each bit width decides every candidate width's
     * size at once: the values above a width W are its exceptions, and the
     * widest high part is (widest value - W) bits. */
    size_t of_width[CODEC_MAX_WIDTH + 1] = {0};
    for (size_t i = 0; i < count; i++)
        of_width[codec_bit_width(values[i])]++;
    unsigned max_width = CODEC_MAX_WIDTH;
    while (max_width > 0 && of_width[max_width] == 0)
        max_width--;
    unsigned width = max_width;
    size_t exceptions = 0, size = block_bytes(max_width, count, 0, 0);
    size_t cost = block_cost(size, count, 0);
    if (count <= CODEC_MAX_EXCEPTIONS) {
        size_t above = 0;
        for (unsigned candidate = max_width; candidate-- > 0;) {
            above += of_width[candidate + 1];
            size_t candidate_size = block_bytes(candidate, count, above, max_width - candidate);
            size_t candidate_cost = block_cost(candidate_size, count, above);
            if (candidate_cost < cost) { /* ties keep the wider, simpler block */
                width = candidate;
                exceptions = above;
                size = candidate_size;
                cost = candidate_cost;
            }
        }
    }
    if (unary.min_k != NO_UNARY && count <= CODEC_MAX_EXCEPTIONS) {
        unsigned k = 0;
        size_t rice = rice_choose(values, count, max_width, unary.min_k, &k);
        if (rice && 16 * 4 * rice + count * unary.sixteenths < 16 * cost) {
            rice_write(out, values, count, k, rice);
            return;
        }
    }
    if (buffer_reserve(out, size) != 0)
        return;
    uint8_t *block = out->data + out->length;
    int bitmap = exceptions > 0 && places_as_bitmap(count, exceptions);
    block[0] = (uint8_t)(width | (exceptions ? HEAD_EXCEPTIONS : 0) | (bitmap ? HEAD_BITMAP : 0));
    codec_pack(values, count, width, block + 1); /* keeps the low `width` bits */
    if (exceptions > 0) {
        uint8_t *places = block + 1 + codec_packed_bytes(width, count);
        size_t places_size = bitmap ? bitmap_bytes(count) : list_bytes(exceptions);
        uint32_t high[CODEC_MAX_EXCEPTIONS];
        size_t n = 0;
        memset(places, 0, places_size);
        if (!bitmap)
            places[0] = (uint8_t)exceptions;
        for (size_t i = 0; i < count; i++)
            if (codec_bit_width(values[i]) > width) {
                if (bitmap)
                    places[i / 8] |= (uint8_t)(1u << (i % 8));
                else
                    places[1 + n] = (uint8_t)i;
                high[n++] = values[i] >> width;
            }
        places[places_size] = (uint8_t)(max_width - width);
        codec_pack(high, n, max_width - width, places + places_size + 1);
    }
    out->length += size;
}

/* A block's layout, from its head and exception header. */
typedef struct block_layout {
    size_t size;           /* the whole block's bytes */
    unsigned width;
    size_t exceptions;     /* 0: none */
    unsigned high_width;
    const uint8_t *places; /* the index list (after E) or the bitmap */
    int bitmap;
} block_layout;

static inline uint64_t popcount64(uint64_t bits)
{
#if defined(__GNUC__) || defined(__clang__)
    return (uint64_t)__builtin_popcountll(bits);
#else
    uint64_t n = 0;
    for (; bits; bits &= bits - 1)
        n++;
    return n;
#endif
}

static inline unsigned lowest_bit(uint64_t bits) /* bits != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(bits);
#else
    unsigned n = 0;
    for (; !(bits & 1); bits >>= 1)
        n++;
    return n;
#endif
}

/* The `bytes` (up to 8) bitmap bytes at `in` as one little-endian word. */
static inline uint64_t load_bitmap_word(const uint8_t *in, size_t bytes)
{
    if (bytes >= 8)
        return load_u64le(in);
    uint64_t bits = 0;
    for (size_t i = 0; i < bytes; i++)
        bits |= (uint64_t)in[i] << (8 * i);
    return bits;
}

/* The exceptions a bitmap of `count` values marks, or 0 when a bit at or
 * past `count` is set (none at all is rejected by the caller). */
static CODEC_ALWAYS_INLINE size_t count_marked(const uint8_t *bitmap, size_t count)
{
    size_t bytes = bitmap_bytes(count), marked = 0;
    if (count % 8 && bitmap[bytes - 1] >> (count % 8))
        return 0;
    for (size_t at = 0; at < bytes; at += 8)
        marked += popcount64(load_bitmap_word(bitmap + at, bytes - at));
    return marked;
}

#ifdef CODEC_HAVE_AVX2
/* The same with the processor's population count (every processor with
 * AVX2 has it), where the generic one is a dozen instructions a word. */
__attribute__((target("popcnt"))) static size_t count_marked_popcnt(const uint8_t *bitmap,
                                                                     size_t count)
{
    return count_marked(bitmap, count);
}
#endif

static size_t bitmap_exceptions(const uint8_t *bitmap, size_t count)
{
#ifdef CODEC_HAVE_AVX2
    if (simd_available())
        return count_marked_popcnt(bitmap, count);
#endif
    return count_marked(bitmap, count);
}

/* The block's layout, checked against [in, end): its size, or 0.  In
 * locals until the end: a store through `b` may alias in[] for the
 * compiler, which read the head again after each.  `bitmaps` 0 (a
 * constant) says the caller has seen head bit 6 clear: no call then
 * (to count the marks), so none of the registers a call keeps. */
static CODEC_ALWAYS_INLINE size_t block_shape(const uint8_t *in, const uint8_t *end, size_t count,
                                              block_layout *b, int bitmaps)
{
    if (in >= end)
        return 0;
    unsigned head = in[0], width = head & HEAD_WIDTH_BITS;
    size_t available = (size_t)(end - in), size = 1 + codec_packed_bytes(width, count);
    if (width > CODEC_MAX_WIDTH || size > available)
        return 0;
    b->width = width;
    b->exceptions = 0;
    b->high_width = 0;
    if (!(head & HEAD_EXCEPTIONS))
        return head & HEAD_BITMAP ? 0 : (b->size = size);
    const uint8_t *places = in + size;
    size_t left = available - size, places_size, exceptions;
    int bitmap = bitmaps && (head & HEAD_BITMAP) != 0;
    if (bitmap) {
        places_size = bitmap_bytes(count);
        if (left < places_size + 1)
            return 0;
        exceptions = bitmap_exceptions(places, count);
    } else {
        if (left < 2)
            return 0;
        exceptions = places[0];
        places_size = list_bytes(exceptions);
        if (left < places_size + 1)
            return 0;
    }
    /* none (0 wraps), more than `count`, or (a bitmap may mark more than
     * a list's byte can count, in a block longer than the writer gives
     * exceptions) more than high_parts holds */
    if (exceptions - 1 >= count || exceptions > CODEC_MAX_EXCEPTIONS)
        return 0;
    unsigned high_width = places[places_size];
    if (high_width - 1 >= CODEC_MAX_WIDTH - width) /* 1 <= H <= 32 - W; 0 wraps */
        return 0;
    size += places_size + 1 + codec_packed_bytes(high_width, exceptions);
    if (size > available)
        return 0;
    b->exceptions = exceptions;
    b->high_width = high_width;
    b->bitmap = bitmap;
    b->places = bitmap ? places : places + 1;
    return b->size = size;
}

/* The unary form's size, checked against [in, end) (head bit 6 without
 * bit 7 and bit 5 clear: k <= 31; at least one unary byte), or 0. */
static CODEC_ALWAYS_INLINE size_t rice_size(const uint8_t *in, const uint8_t *end, size_t count)
{
    size_t available = (size_t)(end - in);
    if (available < 2 || (in[0] & 0x20u) || in[1] == 0 || count > CODEC_MAX_EXCEPTIONS)
        return 0;
    size_t size = 2 + codec_packed_bytes(in[0] & RICE_MAX_K, count) + in[1];
    return size <= available ? size : 0;
}

static CODEC_ALWAYS_INLINE int is_rice(unsigned head)
{
    return (head & (HEAD_EXCEPTIONS | HEAD_BITMAP)) == HEAD_BITMAP;
}

static CODEC_NOINLINE size_t any_block_size(const uint8_t *in, const uint8_t *end, size_t count)
{
    uint32_t value;
    if (count == 1)
        return codec_varint_decode32(in, end, &value);
    if (in < end && is_rice(in[0]))
        return rice_size(in, end, count);
    block_layout b;
    return block_shape(in, end, count, &b, 1);
}

size_t codec_patched_block_size(const uint8_t *in, const uint8_t *end, size_t count)
{
    /* A chunk walk sizes full blocks of positions, nearly all of them
     * with listed exceptions: those apart, with the count a constant
     * (dividing by 8 and rounding cost a fifth of the walk) and no call
     * (~15 instructions a block saving and restoring registers; the
     * rest is a tail call). */
    if (count == CODEC_BLOCK_SIZE && in < end && !(in[0] & HEAD_BITMAP)) {
        block_layout b;
        return block_shape(in, end, CODEC_BLOCK_SIZE, &b, 0);
    }
    return any_block_size(in, end, count);
}

size_t codec_full_blocks_size(const uint8_t *in, const uint8_t *end, size_t blocks)
{
    /* One call for the run (a phrase's common word steps over two or
     * three chunks an opening), each block's shape in line with the
     * count a constant: a call a block was about a third of a step. */
    const uint8_t *p = in;
    for (size_t i = 0; i < blocks; i++) {
        size_t size;
        if (p < end && !(p[0] & HEAD_BITMAP)) {
            block_layout b;
            size = block_shape(p, end, CODEC_BLOCK_SIZE, &b, 0);
        } else {
            size = any_block_size(p, end, CODEC_BLOCK_SIZE);
        }
        if (size == 0)
            return 0;
        p += size;
    }
    return (size_t)(p - in);
}

/* The high parts of a block's exceptions, in order.  Nearly all blocks
 * have few parts of few bits (wiki-dev positions: 6.6 listed exceptions
 * of 1.5 bits a chunk; E·H <= 64 in 99.9 % of them), which one 64-bit
 * word holds: each part is then a mask and a shift of that word, where
 * reading each at its bit offset cost ~7 instructions a part (callgrind,
 * a phrase of stop words).  Longer ones are unpacked into high[] (the
 * AVX2 unpacker where there is one). */
typedef struct high_parts {
    uint64_t word;                       /* the parts, when they fit in it */
    uint32_t high[CODEC_MAX_EXCEPTIONS]; /* else the parts unpacked */
} high_parts;

/* Whether the parts are in h->word (else in h->values). */
static CODEC_ALWAYS_INLINE int high_parts_open(high_parts *h, const uint8_t *bits,
                                               const uint8_t *end, size_t exceptions,
                                               unsigned high_width, int simd)
{
    size_t bytes = codec_packed_bytes(high_width, exceptions); /* block_shape: they fit */
    if (bytes <= 8) {
        /* an 8-byte load where [bits, end) has them (the bytes after
         * the parts' own are shifted out past the last part) */
        h->word = (size_t)(end - bits) >= 8 ? load_u64le(bits) : load_bitmap_word(bits, bytes);
        return 1;
    }
    unpack_with(bits, end, exceptions, high_width, h->high, simd);
    return 0;
}

/* Patch the listed exceptions, last first: each index must then be below
 * the one after it (the last below `count`), one compare that bounds the
 * write too.  Returns 0 for an index out of order or range. */
static CODEC_ALWAYS_INLINE int patch_listed(uint32_t *out, size_t count, const uint8_t *index,
                                            size_t exceptions, unsigned width,
                                            unsigned high_width, uint64_t word,
                                            const uint32_t *values)
{
    size_t bound = count;
    int in_word = values == NULL;
    if (in_word) {
        const uint64_t mask = width_mask(high_width);
        unsigned shift = (unsigned)(exceptions - 1) * high_width; /* <= 64 - high_width */
        for (size_t i = exceptions; i-- > 0; shift -= high_width) {
            size_t at = index[i];
            if (at >= bound)
                return 0;
            bound = at;
            out[at] |= (uint32_t)(word >> shift & mask) << width;
        }
        return 1;
    }
    for (size_t i = exceptions; i-- > 0;) {
        size_t at = index[i];
        if (at >= bound)
            return 0;
        bound = at;
        out[at] |= values[i] << width;
    }
    return 1;
}

/* Patch the exceptions a bitmap marks, in order of the marks (block_shape
 * counted them and checked none is at or past `count`): the bitmap walked
 * a 64-bit word at a time, each mark found by counting trailing zeros. */
static CODEC_ALWAYS_INLINE void patch_marked(uint32_t *out, size_t count, const uint8_t *bitmap,
                                             unsigned width, unsigned high_width, uint64_t word,
                                             const uint32_t *values)
{
    size_t bytes = bitmap_bytes(count), i = 0;
    const uint64_t mask = width_mask(high_width);
    int in_word = values == NULL;
    for (size_t at = 0; at < bytes; at += 8, out += 64) {
        uint64_t marks = load_bitmap_word(bitmap + at, bytes - at);
        if (in_word)
            for (; marks; marks &= marks - 1, word >>= high_width)
                out[lowest_bit(marks)] |= (uint32_t)(word & mask) << width;
        else
            for (; marks; marks &= marks - 1, i++)
                out[lowest_bit(marks)] |= values[i] << width;
    }
}

#ifdef CODEC_HAVE_AVX2
/* The places of the 1 bits of each byte value, lowest first, one a byte
 * (the lanes after the last unused): the AVX2 walk widens one byte's
 * eight lanes and stores them at once. */
static const uint64_t rice_one_places[256] = {
    0x0u, 0x0u, 0x1u, 0x100u,
    0x2u, 0x200u, 0x201u, 0x20100u,
    0x3u, 0x300u, 0x301u, 0x30100u,
    0x302u, 0x30200u, 0x30201u, 0x3020100u,
    0x4u, 0x400u, 0x401u, 0x40100u,
    0x402u, 0x40200u, 0x40201u, 0x4020100u,
    0x403u, 0x40300u, 0x40301u, 0x4030100u,
    0x40302u, 0x4030200u, 0x4030201u, 0x403020100ull,
    0x5u, 0x500u, 0x501u, 0x50100u,
    0x502u, 0x50200u, 0x50201u, 0x5020100u,
    0x503u, 0x50300u, 0x50301u, 0x5030100u,
    0x50302u, 0x5030200u, 0x5030201u, 0x503020100ull,
    0x504u, 0x50400u, 0x50401u, 0x5040100u,
    0x50402u, 0x5040200u, 0x5040201u, 0x504020100ull,
    0x50403u, 0x5040300u, 0x5040301u, 0x504030100ull,
    0x5040302u, 0x504030200ull, 0x504030201ull, 0x50403020100ull,
    0x6u, 0x600u, 0x601u, 0x60100u,
    0x602u, 0x60200u, 0x60201u, 0x6020100u,
    0x603u, 0x60300u, 0x60301u, 0x6030100u,
    0x60302u, 0x6030200u, 0x6030201u, 0x603020100ull,
    0x604u, 0x60400u, 0x60401u, 0x6040100u,
    0x60402u, 0x6040200u, 0x6040201u, 0x604020100ull,
    0x60403u, 0x6040300u, 0x6040301u, 0x604030100ull,
    0x6040302u, 0x604030200ull, 0x604030201ull, 0x60403020100ull,
    0x605u, 0x60500u, 0x60501u, 0x6050100u,
    0x60502u, 0x6050200u, 0x6050201u, 0x605020100ull,
    0x60503u, 0x6050300u, 0x6050301u, 0x605030100ull,
    0x6050302u, 0x605030200ull, 0x605030201ull, 0x60503020100ull,
    0x60504u, 0x6050400u, 0x6050401u, 0x605040100ull,
    0x6050402u, 0x605040200ull, 0x605040201ull, 0x60504020100ull,
    0x6050403u, 0x605040300ull, 0x605040301ull, 0x60504030100ull,
    0x605040302ull, 0x60504030200ull, 0x60504030201ull, 0x6050403020100ull,
    0x7u, 0x700u, 0x701u, 0x70100u,
    0x702u, 0x70200u, 0x70201u, 0x7020100u,
    0x703u, 0x70300u, 0x70301u, 0x7030100u,
    0x70302u, 0x7030200u, 0x7030201u, 0x703020100ull,
    0x704u, 0x70400u, 0x70401u, 0x7040100u,
    0x70402u, 0x7040200u, 0x7040201u, 0x704020100ull,
    0x70403u, 0x7040300u, 0x7040301u, 0x704030100ull,
    0x7040302u, 0x704030200ull, 0x704030201ull, 0x70403020100ull,
    0x705u, 0x70500u, 0x70501u, 0x7050100u,
    0x70502u, 0x7050200u, 0x7050201u, 0x705020100ull,
    0x70503u, 0x7050300u, 0x7050301u, 0x705030100ull,
    0x7050302u, 0x705030200ull, 0x705030201ull, 0x70503020100ull,
    0x70504u, 0x7050400u, 0x7050401u, 0x705040100ull,
    0x7050402u, 0x705040200ull, 0x705040201ull, 0x70504020100ull,
    0x7050403u, 0x705040300ull, 0x705040301ull, 0x70504030100ull,
    0x705040302ull, 0x70504030200ull, 0x70504030201ull, 0x7050403020100ull,
    0x706u, 0x70600u, 0x70601u, 0x7060100u,
    0x70602u, 0x7060200u, 0x7060201u, 0x706020100ull,
    0x70603u, 0x7060300u, 0x7060301u, 0x706030100ull,
    0x7060302u, 0x706030200ull, 0x706030201ull, 0x70603020100ull,
    0x70604u, 0x7060400u, 0x7060401u, 0x706040100ull,
    0x7060402u, 0x706040200ull, 0x706040201ull, 0x70604020100ull,
    0x7060403u, 0x706040300ull, 0x706040301ull, 0x70604030100ull,
    0x706040302ull, 0x70604030200ull, 0x70604030201ull, 0x7060403020100ull,
    0x70605u, 0x7060500u, 0x7060501u, 0x706050100ull,
    0x7060502u, 0x706050200ull, 0x706050201ull, 0x70605020100ull,
    0x7060503u, 0x706050300ull, 0x706050301ull, 0x70605030100ull,
    0x706050302ull, 0x70605030200ull, 0x70605030201ull, 0x7060503020100ull,
    0x7060504u, 0x706050400ull, 0x706050401ull, 0x70605040100ull,
    0x706050402ull, 0x70605040200ull, 0x70605040201ull, 0x7060504020100ull,
    0x706050403ull, 0x70605040300ull, 0x70605040301ull, 0x7060504030100ull,
    0x70605040302ull, 0x7060504030200ull, 0x7060504030201ull, 0x706050403020100ull,
};

/* The places of the 1s of bits[0, bytes) into places[0, their count),
 * which has room for 8 more (the ones counted beforehand): a byte's eight
 * lanes stored at once, the count then moved on by its 1s (about ten
 * instructions a byte where finding each 1 took seven). */
__attribute__((target("avx2,popcnt"))) static void rice_places_avx2(const uint8_t *bits,
                                                                    size_t bytes,
                                                                    int32_t *places)
{
    size_t n = 0;
    __m256i base = _mm256_setzero_si256();
    const __m256i eight = _mm256_set1_epi32(8);
    for (size_t i = 0; i < bytes; i++, base = _mm256_add_epi32(base, eight)) {
        __m256i lanes =
            _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)rice_one_places[bits[i]]));
        _mm256_storeu_si256((__m256i *)(places + n), _mm256_add_epi32(lanes, base));
        n += (size_t)__builtin_popcount(bits[i]);
    }
}

/* out[i] |= (ones[i + 1] - ones[i] - 1) << k for i < count, eight at a
 * time; returns the OR of the high parts. */
__attribute__((target("avx2"))) static uint32_t rice_patch_avx2(const int32_t *ones, size_t count,
                                                                unsigned k, uint32_t *out)
{
    __m256i highs = _mm256_setzero_si256();
    const __m256i one = _mm256_set1_epi32(1);
    const __m128i shift = _mm_cvtsi32_si128((int)k);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256i next = _mm256_loadu_si256((const __m256i *)(ones + i + 1));
        __m256i here = _mm256_loadu_si256((const __m256i *)(ones + i));
        __m256i high = _mm256_sub_epi32(_mm256_sub_epi32(next, here), one);
        highs = _mm256_or_si256(highs, high);
        __m256i low = _mm256_loadu_si256((const __m256i *)(out + i));
        _mm256_storeu_si256((__m256i *)(out + i),
                            _mm256_or_si256(low, _mm256_sll_epi32(high, shift)));
    }
    __m128i half = _mm_or_si128(_mm256_castsi256_si128(highs), _mm256_extracti128_si256(highs, 1));
    half = _mm_or_si128(half, _mm_srli_si128(half, 8));
    half = _mm_or_si128(half, _mm_srli_si128(half, 4));
    uint32_t all = (uint32_t)_mm_cvtsi128_si32(half);
    for (; i < count; i++) {
        uint32_t high = (uint32_t)(ones[i + 1] - ones[i] - 1);
        all |= high;
        out[i] |= high << k;
    }
    return all;
}
#endif

/* Decode the unary form (its size checked by rice_size): the low bits
 * unpacked, then each 1 of the unary bits ends a value's high part.
 * Exactly `count` ones (counted first, so the walks need no bound), the
 * last in the last byte (so the writer's size is the only one), and no
 * value beyond 32 bits.  The ones' places are gathered first and the
 * parts taken as their differences after: the loops then carry no test
 * each. */
static CODEC_ALWAYS_INLINE size_t rice_decode(const uint8_t *in, const uint8_t *end,
                                              size_t count, uint32_t *out, unsigned *widest,
                                              int simd)
{
    size_t size = rice_size(in, end, count);
    if (size == 0)
        return 0;
    unsigned k = in[0] & RICE_MAX_K;
    size_t packed = codec_packed_bytes(k, count), bytes = in[1];
    const uint8_t *bits = in + 2 + packed;
    if (count_marked(bits, 8 * bytes) != count || bits[bytes - 1] == 0)
        return 0;
    int32_t ones[1 + CODEC_MAX_EXCEPTIONS + 8]; /* -1, then the places (8 lanes of room) */
    ones[0] = -1;
    unpack_with(in + 2, end, count, k, out, simd);
    uint32_t highs = 0;
#ifdef CODEC_HAVE_AVX2
    if (simd) {
        rice_places_avx2(bits, bytes, ones + 1);
        highs = rice_patch_avx2(ones, count, k, out);
    } else
#endif
    {
        size_t n = 1;
        for (size_t at = 0; at < bytes; at += 8)
            for (uint64_t marks = load_bitmap_word(bits + at, bytes - at); marks;
                 marks &= marks - 1)
                ones[n++] = (int32_t)(8 * at + lowest_bit(marks));
        for (size_t i = 0; i < count; i++) {
            uint32_t high = (uint32_t)(ones[i + 1] - ones[i] - 1);
            highs |= high;
            out[i] |= high << k;
        }
    }
    unsigned high_width = codec_bit_width(highs);
    if (k + high_width > CODEC_MAX_WIDTH)
        return 0;
    *widest = k + high_width;
    return size;
}

/* codec_block_decode, and the bits of its widest value (*widest; for one
 * value at least its bits: the gaps decoder needs a bound); `simd`
 * chooses the unpacker (a constant: see block_decode). */
static CODEC_ALWAYS_INLINE size_t block_decode_with(const uint8_t *in, const uint8_t *end,
                                                    size_t count, uint32_t *out,
                                                    unsigned *widest, int simd)
{
    if (count == 1) { /* a varint: up to 3 bytes here (all but huge values) */
        size_t available = in < end ? (size_t)(end - in) : 0;
        uint32_t value = 0;
        for (size_t i = 0; i < 3 && i < available; i++) {
            value |= (uint32_t)(in[i] & 0x7f) << (7 * i);
            if (in[i] < 0x80) {
                out[0] = value;
                *widest = 7 * (unsigned)(i + 1); /* at least its bits */
                return i + 1;
            }
        }
        size_t used = codec_varint_decode32(in, end, out);
        *widest = used ? codec_bit_width(out[0]) : 0;
        return used;
    }
    if (in < end && is_rice(in[0]))
        return rice_decode(in, end, count, out, widest, simd);
    block_layout b;
    size_t size = block_shape(in, end, count, &b, 1);
    if (size == 0)
        return 0;
    *widest = b.width + (b.exceptions ? b.high_width : 0);
    unpack_with(in + 1, end, count, b.width, out, simd);
    if (b.exceptions == 0)
        return size;
    high_parts h;
    /* the parts follow the places and H (block_shape: they fit) */
    if (b.bitmap) {
        if (high_parts_open(&h, b.places + bitmap_bytes(count) + 1, end, b.exceptions,
                            b.high_width, simd))
            patch_marked(out, count, b.places, b.width, b.high_width, h.word, NULL);
        else
            patch_marked(out, count, b.places, b.width, b.high_width, 0, h.high);
        return size;
    }
    int in_word = high_parts_open(&h, b.places + b.exceptions + 1, end, b.exceptions,
                                  b.high_width, simd);
    int ok = in_word ? patch_listed(out, count, b.places, b.exceptions, b.width, b.high_width,
                                    h.word, NULL)
                     : patch_listed(out, count, b.places, b.exceptions, b.width, b.high_width,
                                    0, h.high);
    return ok ? size : 0;
}

/* The decoder compiled twice, chosen once a block: with the AVX2
 * unpacker in line and the processor's BMI2 shifts and population count
 * (every processor with AVX2 has them; without them each variable shift
 * of a patch moved its count through one register, callgrind), and
 * without.  Each has a full block apart, its sizes then constants (as
 * codec_patched_block_size). */
static CODEC_NOINLINE size_t block_decode_scalar(const uint8_t *in, const uint8_t *end,
                                                 size_t count, uint32_t *out, unsigned *widest)
{
    if (count == CODEC_BLOCK_SIZE)
        return block_decode_with(in, end, CODEC_BLOCK_SIZE, out, widest, 0);
    return block_decode_with(in, end, count, out, widest, 0);
}

#ifdef CODEC_HAVE_AVX2
__attribute__((target("avx2,bmi,bmi2,popcnt"))) static size_t
block_decode_avx2(const uint8_t *in, const uint8_t *end, size_t count, uint32_t *out,
                  unsigned *widest)
{
    if (count == CODEC_BLOCK_SIZE)
        return block_decode_with(in, end, CODEC_BLOCK_SIZE, out, widest, 1);
    return block_decode_with(in, end, count, out, widest, 1);
}
#endif

static CODEC_ALWAYS_INLINE size_t block_decode(const uint8_t *in, const uint8_t *end, size_t count,
                                               uint32_t *out, unsigned *widest)
{
#ifdef CODEC_HAVE_AVX2
    if (simd_available())
        return block_decode_avx2(in, end, count, out, widest);
#endif
    return block_decode_scalar(in, end, count, out, widest);
}

size_t codec_block_decode(const uint8_t *in, const uint8_t *end, size_t count, uint32_t *out)
{
    unsigned widest;
    return block_decode(in, end, count, out, &widest);
}

size_t codec_block_decode_scalar(const uint8_t *in, const uint8_t *end, size_t count,
                                 uint32_t *out)
{
    unsigned widest;
    if (count == 1) /* a varint: no unpacker */
        return block_decode(in, end, count, out, &widest);
    return block_decode_scalar(in, end, count, out, &widest);
}

/* ------------------------------------------------------------- deltas */

void codec_delta_encode(uint32_t *values, size_t count, uint32_t base)
{
    if (count == 0)
        return;
    /* Back to front so each value still sees its original predecessor;
     * the iterations are independent and vectorise. */
    for (size_t i = count - 1; i > 0; i--)
        values[i] -= values[i - 1];
    values[0] -= base;
}

void codec_delta_decode(uint32_t *values, size_t count, uint32_t base)
{
    uint32_t running = base;
    for (size_t i = 0; i < count; i++) {
        running += values[i];
        values[i] = running;
    }
}

/* CODEC_BLOCK_SIZE gaps of at most this many bits, plus one each, sum to
 * at most 2^31, so the 32-bit sums of the vector path wrap at most once,
 * which the last value shows. */
#define NARROW_GAP_BITS 24

#ifdef CODEC_HAVE_AVX2
/* out[i] = previous + (out[0] + 1) + ... + (out[i] + 1) for the first
 * count / 8 * 8 values, eight a step (each half's four sums as the SSE2
 * loop's, the low half's last added to the high half, then the carry):
 * a third fewer instructions than four a step.  Returns the last sum
 * (previous when there is none). */
__attribute__((target("avx2"))) static uint32_t gap_sums_avx2(uint32_t *out, size_t count,
                                                              uint32_t previous)
{
    const __m256i one = _mm256_set1_epi32(1), zero = _mm256_setzero_si256();
    const __m256i third = _mm256_set1_epi32(3), seventh = _mm256_set1_epi32(7);
    __m256i carry = _mm256_set1_epi32((int)previous);
    for (size_t i = 0; i + 8 <= count; i += 8) {
        __m256i *at = (__m256i *)(void *)(out + i);
        __m256i x = _mm256_add_epi32(_mm256_loadu_si256(at), one);
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
        x = _mm256_add_epi32(x, _mm256_blend_epi32(zero, _mm256_permutevar8x32_epi32(x, third),
                                                   0xf0));
        x = _mm256_add_epi32(x, carry);
        _mm256_storeu_si256(at, x);
        carry = _mm256_permutevar8x32_epi32(x, seventh);
    }
    return (uint32_t)_mm256_cvtsi256_si32(carry);
}
#endif

size_t codec_gaps_block_decode(const uint8_t *in, const uint8_t *end, size_t count,
                               uint32_t previous, uint32_t *out)
{
    unsigned widest;
    size_t size = block_decode(in, end, count, out, &widest);
    if (size == 0)
        return 0;
#if defined(CODEC_HAVE_SSE2)
    if (count <= CODEC_BLOCK_SIZE && widest <= NARROW_GAP_BITS) {
        /* Four prefix sums at a time (two shifts, two adds and the carry
         * of the four before), where the scalar loop's chain of dependent
         * adds cost ~6 instructions a value (callgrind: a sixth of a
         * conjunction's block decoding). */
        const __m128i one = _mm_set1_epi32(1);
        __m128i carry = _mm_set1_epi32((int)previous);
        size_t vectors = count / 4, v = 0;
#ifdef CODEC_HAVE_AVX2
        if (simd_available()) {
            v = count / 8 * 2;
            carry = _mm_set1_epi32((int)gap_sums_avx2(out, count, previous));
        }
#endif
        for (; v < vectors; v++) {
            __m128i *at = (__m128i *)(out + 4 * v);
            __m128i x = _mm_add_epi32(_mm_loadu_si128(at), one);
            x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
            x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
            x = _mm_add_epi32(x, carry);
            _mm_storeu_si128(at, x);
            carry = _mm_shuffle_epi32(x, _MM_SHUFFLE(3, 3, 3, 3));
        }
        uint32_t value = (uint32_t)_mm_cvtsi128_si32(carry);
        for (size_t i = 4 * vectors; i < count; i++)
            out[i] = value += out[i] + 1;
        /* The sum of the gaps plus one is at most 2^31: from no previous
         * value (UINT32_MAX, so 0 - 1) nothing wraps, and after one the
         * last value wrapped exactly when it is not above it. */
        int wrapped = count > 0 && previous != UINT32_MAX && out[count - 1] <= previous;
        return wrapped ? 0 : size;
    }
#endif
    /* in 64 bits, where no sum of 2^32 gaps wraps */
    uint64_t value = previous == UINT32_MAX ? 0 : (uint64_t)previous + 1;
    for (size_t i = 0; i < count; i++) {
        value += out[i];
        if (value > UINT32_MAX)
            return 0;
        out[i] = (uint32_t)value;
        value++;
    }
    return size;
}

void codec_ids_append(byte_buffer *out, const uint32_t *ids, size_t count, unsigned width)
{
    size_t size = codec_packed_bytes(width, count);
    uint8_t packed[CODEC_BLOCK_SIZE * 4];
    if (count > CODEC_BLOCK_SIZE || width > CODEC_MAX_WIDTH) {
        out->failed = 1; /* a caller's error, reported as the buffer's */
        return;
    }
    codec_pack(ids, count, width, packed);
    buffer_append(out, packed, size);
}

int codec_ids_decode(const uint8_t *in, const uint8_t *end, size_t count, unsigned width,
                     uint32_t limit, uint32_t *out)
{
    if (count == 0 || count > CODEC_BLOCK_SIZE || width > CODEC_MAX_WIDTH)
        return 0;
    size_t size = codec_packed_bytes(width, count);
    if (size > (size_t)(end - in))
        return 0;
    if (size == 0) { /* width 0: every id is 0, so one id at most */
        out[0] = 0;
        return count == 1 && limit > 0;
    }
    if (codec_unpack(in, end, count, width, out) != size)
        return 0;
    unsigned used_bits = (unsigned)((count % 8) * width % 8);
    if (used_bits != 0 && (in[size - 1] >> used_bits) != 0)
        return 0;
    for (size_t i = 1; i < count; i++)
        if (out[i] <= out[i - 1])
            return 0;
    return out[count - 1] < limit;
}

#ifdef CODEC_HAVE_AVX2
__attribute__((target("avx2"))) static void add_one_avx2(uint32_t *values, size_t count)
{
    const __m256i one = _mm256_set1_epi32(1);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256i *at = (__m256i *)(void *)(values + i);
        _mm256_storeu_si256(at, _mm256_add_epi32(_mm256_loadu_si256(at), one));
    }
    for (; i < count; i++)
        values[i] += 1;
}
#endif

size_t codec_tfs_block_decode(const uint8_t *in, const uint8_t *end, size_t count, uint32_t *out)
{
    unsigned widest;
    size_t size = block_decode(in, end, count, out, &widest);
    if (size == 0)
        return 0;
    if (widest >= 32) /* a value may be UINT32_MAX: checked each */
        return codec_increment(out, count) ? size : 0;
    /* none can wrap: no compare a value (a third of codec_increment's
     * instructions) and eight at a time where AVX2 is */
#ifdef CODEC_HAVE_AVX2
    if (simd_available()) {
        add_one_avx2(out, count);
        return size;
    }
#endif
    codec_increment(out, count);
    return size;
}

#ifdef CODEC_HAVE_AVX2
/* Four sums a step in 64-bit lanes: each lane plus the one before, then
 * plus the two before, then the carry of the steps before. */
__attribute__((target("avx2"))) static uint64_t running_sums_avx2(const uint32_t *values,
                                                                   size_t count, uint64_t *sums)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i carry = zero;
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        __m256i x = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(values + i)));
        x = _mm256_add_epi64(x, _mm256_blend_epi32(_mm256_permute4x64_epi64(x, 0x90), zero, 0x03));
        x = _mm256_add_epi64(x, _mm256_blend_epi32(_mm256_permute4x64_epi64(x, 0x40), zero, 0x0f));
        x = _mm256_add_epi64(x, carry);
        _mm256_storeu_si256((__m256i *)(void *)(sums + i + 1), x);
        carry = _mm256_permute4x64_epi64(x, 0xff);
    }
    uint64_t sum = (uint64_t)_mm256_extract_epi64(carry, 0);
    for (; i < count; i++)
        sums[i + 1] = sum += values[i];
    return sum;
}
#endif

uint64_t codec_running_sums(const uint32_t *values, size_t count, uint64_t *sums)
{
    sums[0] = 0;
#ifdef CODEC_HAVE_AVX2
    if (simd_available())
        return running_sums_avx2(values, count, sums);
#endif
    /* in a local, four a step: through the caller's cursor, each store
     * made the compiler read the length and the arrays back */
    uint64_t sum = 0;
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        sums[i + 1] = sum += values[i];
        sums[i + 2] = sum += values[i + 1];
        sums[i + 3] = sum += values[i + 2];
        sums[i + 4] = sum += values[i + 3];
    }
    for (; i < count; i++)
        sums[i + 1] = sum += values[i];
    return sum;
}

int codec_increment(uint32_t *values, size_t count)
{
    /* No branch in the loop, so that it vectorises (-O2's cheap model
     * does not, so SSE2 by hand where there is): an early return for a
     * wrapped value cost ~8 instructions a value. */
    size_t i = 0;
    uint32_t wrapped = 0;
#if defined(CODEC_HAVE_SSE2)
    const __m128i one = _mm_set1_epi32(1), zero = _mm_setzero_si128();
    __m128i zeros = zero;
    for (; i + 4 <= count; i += 4) {
        __m128i *at = (__m128i *)(values + i);
        __m128i x = _mm_add_epi32(_mm_loadu_si128(at), one);
        zeros = _mm_or_si128(zeros, _mm_cmpeq_epi32(x, zero));
        _mm_storeu_si128(at, x);
    }
    wrapped = (uint32_t)_mm_movemask_epi8(zeros);
#endif
    for (; i < count; i++) {
        values[i] += 1;
        wrapped |= values[i] == 0;
    }
    return wrapped == 0;
}
