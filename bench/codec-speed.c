/*
 * codec-speed — decode throughput of the integer codecs.
 *
 * For each value distribution, encodes about ten million values as
 * 128-value blocks (codec_block_append) and times decoding them all back
 * (codec_block_decode, then codec_delta_decode for the document-id lists),
 * reporting the best of several passes in billions of integers per second.
 * Also times varint decoding of the same values for comparison.
 *
 *   usage: codec-speed [values [passes]]
 */
#include "config.h"

#include "index-format/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_VALUES (10u * 1000u * 1000u)
#define DEFAULT_PASSES 7

static uint64_t random_state = 0x2545f4914f6cdd1du;

static uint64_t random_next(void)
{
    uint64_t z = (random_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef enum distribution {
    UNIFORM_BITS,   /* uniform in [0, 2^parameter) */
    GEOMETRIC_GAPS, /* doc-id gaps of a term in one document out of `parameter` */
    WIDE_ONE_IN,    /* positions: 4-bit gaps, and one value in `parameter` of 12 bits
                     * (a document's first position): many exceptions a block */
} distribution;

typedef struct workload {
    const char *name;
    distribution kind;
    unsigned parameter;
    int delta; /* values are increasing ids: decode with a prefix sum */
} workload;

static const workload workloads[] = {
    {"uniform 1-bit", UNIFORM_BITS, 1, 0},
    {"uniform 4-bit", UNIFORM_BITS, 4, 0},
    {"uniform 8-bit", UNIFORM_BITS, 8, 0},
    {"uniform 12-bit", UNIFORM_BITS, 12, 0},
    {"uniform 16-bit", UNIFORM_BITS, 16, 0},
    {"uniform 20-bit", UNIFORM_BITS, 20, 0},
    {"uniform 27-bit", UNIFORM_BITS, 27, 0},
    {"uniform 32-bit", UNIFORM_BITS, 32, 0},
    {"doc ids, density 1/2", GEOMETRIC_GAPS, 2, 1},
    {"doc ids, density 1/50", GEOMETRIC_GAPS, 50, 1},
    {"doc ids, density 1/300", GEOMETRIC_GAPS, 300, 1},
    {"positions, 1 in 4 wide", WIDE_ONE_IN, 4, 0},
    {"positions, 1 in 12 wide", WIDE_ONE_IN, 12, 0},
};

static uint32_t geometric_gap(unsigned one_in)
{
    /* Inverse-CDF sampling would need libm; a capped loop of coin flips in
     * 64-bit batches is exact and fast enough for setup. */
    uint32_t gap = 1;
    for (;;) {
        uint64_t r = random_next();
        for (int i = 0; i < 64; i += 16) {
            if ((uint32_t)((r >> i) & 0xffff) % one_in == 0)
                return gap;
            gap++;
        }
        if (gap > 100000000u)
            return gap;
    }
}

static void generate(const workload *load, uint32_t *values, size_t count)
{
    uint32_t doc = 0;
    for (size_t i = 0; i < count; i++) {
        if (load->kind == UNIFORM_BITS) {
            uint32_t r = (uint32_t)random_next();
            values[i] = load->parameter >= 32 ? r : r & (((uint32_t)1 << load->parameter) - 1);
        } else if (load->kind == WIDE_ONE_IN) {
            uint64_t r = random_next();
            values[i] = (uint32_t)(r >> 32) % load->parameter == 0 ? (uint32_t)r & 0xfff
                                                                    : (uint32_t)r & 0xf;
        } else {
            doc += geometric_gap(load->parameter);
            values[i] = doc;
        }
    }
}

static void encode_blocks(const workload *load, const uint32_t *values, size_t count,
                          byte_buffer *out)
{
    uint32_t block[CODEC_BLOCK_SIZE];
    uint32_t base = 0;
    for (size_t start = 0; start < count; start += CODEC_BLOCK_SIZE) {
        memcpy(block, values + start, sizeof block);
        if (load->delta) {
            codec_delta_encode(block, CODEC_BLOCK_SIZE, base);
            base = values[start + CODEC_BLOCK_SIZE - 1];
        }
        codec_block_append(out, block, CODEC_BLOCK_SIZE);
    }
}

/* Decodes every block into one 128-value scratch array, as the postings
 * reader does, folding the values into a checksum so none of the work can
 * be optimised away.  Returns the checksum, or 0 on a decode failure. */
static uint64_t decode_blocks(const workload *load, const byte_buffer *encoded, size_t count)
{
    uint32_t block[CODEC_BLOCK_SIZE];
    const uint8_t *at = encoded->data, *end = encoded->data + encoded->length;
    uint64_t checksum = 1;
    uint32_t base = 0;
    for (size_t start = 0; start < count; start += CODEC_BLOCK_SIZE) {
        size_t size = codec_block_decode(at, end, CODEC_BLOCK_SIZE, block);
        if (size == 0)
            return 0;
        at += size;
        if (load->delta) {
            codec_delta_decode(block, CODEC_BLOCK_SIZE, base);
            base = block[CODEC_BLOCK_SIZE - 1];
        }
        checksum += block[start / CODEC_BLOCK_SIZE % CODEC_BLOCK_SIZE];
    }
    return checksum;
}

static uint64_t decode_varints(const byte_buffer *encoded, size_t count)
{
    const uint8_t *at = encoded->data, *end = encoded->data + encoded->length;
    uint64_t checksum = 1;
    for (size_t i = 0; i < count; i++) {
        uint32_t value;
        size_t size = codec_varint_decode32(at, end, &value);
        if (size == 0)
            return 0;
        at += size;
        checksum += value;
    }
    return checksum;
}

static size_t parse_count(const char *text, const char *what)
{
    char *stop;
    unsigned long long value = strtoull(text, &stop, 10);
    if (*stop != '\0' || value == 0 || value > 1000000000ull) {
        fprintf(stderr, "codec-speed: bad %s '%s'\n", what, text);
        exit(2);
    }
    return (size_t)value;
}

int main(int argc, char **argv)
{
    if (argc > 3) {
        fprintf(stderr, "usage: codec-speed [values [passes]]\n");
        return 2;
    }
    size_t count = argc > 1 ? parse_count(argv[1], "value count") : DEFAULT_VALUES;
    int passes = argc > 2 ? (int)parse_count(argv[2], "pass count") : DEFAULT_PASSES;
    count = (count + CODEC_BLOCK_SIZE - 1) / CODEC_BLOCK_SIZE * CODEC_BLOCK_SIZE;

    uint32_t *values = malloc(count * sizeof *values);
    if (!values) {
        fprintf(stderr, "codec-speed: out of memory\n");
        return 1;
    }

    printf("%zu values per workload, best of %d passes, in billions of integers per second\n",
           count, passes);
    printf("%-24s %9s %12s %12s\n", "workload", "bits/int", "blocks", "varints");

    int status = 0;
    for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
        const workload *load = &workloads[w];
        generate(load, values, count);

        byte_buffer blocks = BUFFER_INIT, varints = BUFFER_INIT;
        encode_blocks(load, values, count, &blocks);
        /* The varint baseline stores what the blocks store: gaps or values. */
        uint32_t previous = 0;
        for (size_t i = 0; i < count; i++) {
            uint32_t stored = load->delta ? values[i] - previous : values[i];
            previous = values[i];
            buffer_append_varint(&varints, stored);
        }
        if (buffer_failed(&blocks) || buffer_failed(&varints)) {
            fprintf(stderr, "codec-speed: out of memory\n");
            status = 1;
            buffer_free(&blocks);
            buffer_free(&varints);
            break;
        }

        double best_blocks = 1e30, best_varints = 1e30;
        uint64_t sink = 0;
        for (int pass = 0; pass < passes; pass++) {
            double start = now_seconds();
            uint64_t sum = decode_blocks(load, &blocks, count);
            double elapsed = now_seconds() - start;
            if (sum == 0) {
                fprintf(stderr, "codec-speed: %s: block decode failed\n", load->name);
                status = 1;
            }
            sink += sum;
            if (elapsed < best_blocks)
                best_blocks = elapsed;

            start = now_seconds();
            sum = decode_varints(&varints, count);
            elapsed = now_seconds() - start;
            if (sum == 0) {
                fprintf(stderr, "codec-speed: %s: varint decode failed\n", load->name);
                status = 1;
            }
            sink += sum;
            if (elapsed < best_varints)
                best_varints = elapsed;
        }

        printf("%-24s %9.2f %12.2f %12.2f   (checksum %llx)\n", load->name,
               8.0 * (double)blocks.length / (double)count, (double)count / best_blocks / 1e9,
               (double)count / best_varints / 1e9, (unsigned long long)(sink & 0xffff));
        buffer_free(&blocks);
        buffer_free(&varints);
    }
    free(values);
    return status;
}
