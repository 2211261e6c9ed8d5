/*
 * position-bound — how small can a cops index's positions get?
 *
 * Reads every key's postings of an index through the engine's own
 * readers (segment_scan_prefix, postings cursors) and prints, next to
 * the bytes its positions take (FORMAT.md 3.3, 3.4: chunks of 128
 * values per postings block, each a `block` of §2), what other coders
 * of the same values would take:
 *
 *   bound    Σ over (key, document) of log2 C(L, tf): the bits that
 *            pick tf positions out of a field of L, every choice equally
 *            likely; no coder that knows only L and tf (the reader has
 *            both, from DOCLENGTHS and the frequencies) does better on
 *            average.  Not a bound for coders that learn a word's habits.
 *   bic      binary interpolative coding of each document's positions
 *            within [0, L), truncated binary codes (whole bits).
 *   rice-L   each document's values (its first position, then the gaps
 *            less one) Rice-coded with k from L and tf, no parameter
 *            stored; a chunk of 128 values rounded up to bytes.
 *   rice-L1  rice-L with the first position in truncated binary against
 *            L - tf + 1 (it is at most L - tf).
 *   adapt    rice-L1 where each gap's k comes from the span and the
 *            values left (a division a value for the reader).
 *   rice-tf  rice-L with the field's mean length for L: no length read,
 *            but k far from the document's own.
 *   choice   per chunk the smaller of its bytes now and a head byte plus
 *            its rice-L bytes (choice1: rice-L1, choicetf: rice-tf), as
 *            a writer choosing per chunk would.
 *
 * by field (body, title; the pair keys' one position apart), by the
 * form of the chunks now (a value alone, plain packed, patched: packed
 * part and exceptions, unary: low bits and unary part), and by bands of
 * the keys' collection frequency (the 100 most frequent keys, …).
 * With `--decoded LOG` (the file offsets of the chunks a query run
 * decoded, one a line, from a build logging them) it also counts, for
 * the trade table, the logged chunks a choice would move; with
 * `--decode now|rice` as well, it decodes each moved logged chunk as
 * often as the run did, as stored or as rice-L, so that callgrind's
 * counts of decode_now_times and rice_decode (inclusive) give what the
 * run would spend on them either way.
 *
 * `--bytes` prints bytes instead of MB (a small index, a test).
 *
 *   usage: position-bound [--bytes] [--decoded LOG [--decode now|rice]] INDEX
 */
#include "config.h"

#include "index-format/codec.h"
#include "index-format/manifest.h"
#include "index-format/pairs.h"
#include "index-format/segment.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field { FIELD_BODY, FIELD_TITLE, FIELD_PAIR, FIELDS };
static const char *const field_names[FIELDS] = {"body", "title", "pair keys"};

enum form { FORM_ONE, FORM_PLAIN, FORM_PATCHED_PACKED, FORM_PATCHED_EXCEPTIONS, FORM_UNARY_LOW,
            FORM_UNARY_HIGH, FORMS };
static const char *const form_names[FORMS] = {
    "one value (vint)", "plain packed", "patched: head, packed", "patched: exceptions",
    "unary: head, U, low bits", "unary: unary part"};

/* The measures, all in bytes (the bound and BIC as fractions of a byte). */
enum measure { M_NOW, M_BOUND, M_BIC, M_RICE, M_RICE1, M_ADAPT, M_RICE_TF, M_CHOICE, M_CHOICE1,
               M_CHOICE_TF, MEASURES };
static const char *const measure_names[MEASURES] = {
    "now (bytes as stored)", "bound: log2 C(L, tf)", "BIC, L known", "rice-L (k from L, tf)",
    "rice-L1 (first vs L)", "adaptive rice (k from span left)",
    "rice-tf: rice-L with the field's mean length for L (no length read)",
    "choice now | rice-L", "choice now | rice-L1", "choice now | rice-tf"};

typedef struct totals {
    double m[MEASURES];          /* bytes */
    uint64_t values, chunks, moved_chunks, moved_values; /* moved: choice1 took rice-L1 */
} totals;

/* The figures' unit: MB (10^6 bytes), or bytes (--bytes: a small index's
 * figures, which a test compares with ones worked by hand). */
static double scale = 1e-6;

/* A writer choosing rice-L1 for a chunk only where it saves more than a
 * charge of this many bytes a chunk of 128 values: the trade table. */
#define CHARGES 7
static const double charges[CHARGES] = {0, 4, 8, 12, 16, 24, 32};

/* Chunks of a logged query run (weighted by how often it decoded each),
 * their values and the documents whose values they hold. */
typedef struct decoded_figures {
    uint64_t chunks, values, docs;
} decoded_figures;

/* A chunk of the log: its offset in the segment file, and how many times
 * the run decoded it. */
typedef struct logged {
    uint64_t offset, times;
} logged;

static int by_offset(const void *a, const void *b)
{
    uint64_t x = ((const logged *)a)->offset, y = ((const logged *)b)->offset;
    return x < y ? -1 : x > y;
}

/* One key's figures, for the frequency bands. */
typedef struct key_figures {
    uint64_t cf;
    totals t;
} key_figures;

typedef struct measurer {
    segment *seg;
    postings_cursor *cursor;
    /* the current block's postings: documents, tfs, their values' stream */
    uint32_t *docs, *tfs, *lengths;
    size_t postings, postings_room;
    uint32_t *values;          /* the stream: first position, gaps less one */
    uint32_t *positions;       /* the same as positions */
    size_t value_count, value_room;
    totals field[FIELDS];
    double form_bytes[FORMS];
    uint64_t form_chunks[FORMS];
    key_figures *keys;
    size_t key_count, key_room;
    uint64_t beyond_length;    /* positions at or past their field's length (none expected) */
    const char *decode;        /* --decode: which chunks to decode, NULL: measure */
    /* --decoded LOG: the file offsets of the chunks a query run decoded,
     * sorted, with how many times each was */
    logged *log;
    size_t log_count;
    const uint8_t *map_base;   /* where the segment's file starts in memory */
    decoded_figures decoded_all, decoded_moved[CHARGES];
    double charged_saving[CHARGES];
    uint64_t checksum;
    int failed;
} measurer;

static void *grow(void *array, size_t *room, size_t need, size_t size)
{
    if (need <= *room)
        return array;
    size_t room2 = *room ? *room : 1024;
    while (room2 < need)
        room2 *= 2;
    void *bigger = realloc(array, room2 * size);
    if (bigger == NULL) {
        fprintf(stderr, "position-bound: out of memory\n");
        exit(1);
    }
    *room = room2;
    return bigger;
}

static unsigned bit_length(uint64_t v)
{
    unsigned n = 0;
    while (v) {
        n++;
        v >>= 1;
    }
    return n;
}

/* Bits of a truncated binary code of a value among r (r >= 1). */
static unsigned truncated_bits(uint64_t value, uint64_t r)
{
    if (r <= 1)
        return 0;
    unsigned b = bit_length(r) - 1; /* 2^b <= r */
    uint64_t shorter = ((uint64_t)2 << b) - r;
    return value < shorter ? b : b + 1;
}

/* Rice parameter for gaps of tf positions among L: the gap mean is about
 * L / tf, and Rice is best near k = log2(mean · ln 2) (Gallager and van
 * Voorhis); in integers, 177/256 ≈ ln 2. */
static unsigned rice_k(uint64_t span, uint64_t count)
{
    if (count == 0)
        return 0;
    uint64_t t = span * 177 / (256 * count);
    return t ? bit_length(t) - 1 : 0;
}

static double bic_bits(const uint32_t *p, size_t i, size_t j, uint64_t lo, uint64_t hi)
{
    /* p[i..j] (inclusive, i <= j) all in [lo, hi] */
    double bits = 0;
    while (i <= j) {
        size_t n = j - i + 1;
        if (hi - lo + 1 == n)
            return bits;
        size_t m = i + (j - i) / 2;
        uint64_t least = lo + (m - i), most = hi - (j - m);
        bits += truncated_bits(p[m] - least, most - least + 1);
        if (m > i)
            bits += bic_bits(p, i, m - 1, lo, (uint64_t)p[m] - 1);
        i = m + 1;
        lo = (uint64_t)p[m] + 1;
    }
    return bits;
}

static double log2_choose(uint64_t n, uint64_t k)
{
    return (lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1)) / log(2.0);
}

/* The size of the chunk of `count` values at p now, its bytes put by form. */
static size_t chunk_forms(measurer *m, const uint8_t *p, const uint8_t *end, size_t count)
{
    size_t size = codec_block_size(p, end, count);
    if (size == 0)
        return 0;
    if (count == 1) {
        m->form_bytes[FORM_ONE] += size;
        m->form_chunks[FORM_ONE]++;
    } else if (p[0] <= CODEC_MAX_WIDTH) {
        m->form_bytes[FORM_PLAIN] += size;
        m->form_chunks[FORM_PLAIN]++;
    } else if (p[0] & 0x80) {
        size_t packed = 1 + codec_packed_bytes(p[0] & 0x3f, count);
        m->form_bytes[FORM_PATCHED_PACKED] += packed;
        m->form_bytes[FORM_PATCHED_EXCEPTIONS] += size - packed;
        m->form_chunks[FORM_PATCHED_PACKED]++;
    } else {
        m->form_bytes[FORM_UNARY_LOW] += size - p[1];
        m->form_bytes[FORM_UNARY_HIGH] += p[1];
        m->form_chunks[FORM_UNARY_LOW]++;
    }
    return size;
}

/* Rice-decodes `count` values with per-value parameters `ks` from a bit
 * stream (each value's high part in unary, 0s and a 1, then its k low
 * bits), as a scalar reader of rice-L would: a 64-bit window, the 1 found
 * by counting trailing zeros.  For --decode rice; returns the values'
 * sum so nothing is optimised away.  `bits` has 8 readable bytes past
 * the stream. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline)) /* callgrind counts it apart */
#endif
static uint64_t rice_decode(const uint8_t *bits, size_t bit_count, const uint8_t *ks, size_t count)
{
    uint64_t sum = 0;
    size_t at = 0;
    for (size_t i = 0; i < count && at < bit_count; i++) {
        uint64_t window;
        memcpy(&window, bits + (at >> 3), 8);
        window >>= at & 7;
        uint32_t high = 0;
        while (window == 0) { /* a run of 0s past the window: rare */
            high += 56 - (unsigned)(at & 7);
            at += 56 - (at & 7);
            memcpy(&window, bits + (at >> 3), 8);
        }
        unsigned zeros = (unsigned)__builtin_ctzll(window);
        high += zeros;
        at += zeros + 1;
        memcpy(&window, bits + (at >> 3), 8);
        uint32_t low = (uint32_t)(window >> (at & 7)) & (uint32_t)((1ull << ks[i]) - 1);
        at += ks[i];
        sum += ((uint64_t)high << ks[i]) + low;
    }
    return sum;
}

static void put_bits(uint8_t *bits, size_t *at, uint64_t value, unsigned width)
{
    for (unsigned b = 0; b < width; b++, (*at)++)
        if (value >> b & 1)
            bits[*at >> 3] |= (uint8_t)(1u << (*at & 7));
}

/* How many times the phrases logged (--decoded) decoded the chunk at p:
 * its offset in the segment file looked up among the logged ones. */
static uint64_t decode_count(const measurer *m, const uint8_t *p)
{
    if (m->log_count == 0)
        return 0;
    logged key = {(uint64_t)(p - m->map_base), 0};
    const logged *found = bsearch(&key, m->log, m->log_count, sizeof *m->log, by_offset);
    return found ? found->times : 0;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline)) /* callgrind counts it apart */
#endif
static uint64_t decode_now_times(const uint8_t *p, const uint8_t *end, size_t count, uint64_t times)
{
    uint32_t out[CODEC_BLOCK_SIZE];
    uint64_t sum = 0;
    for (uint64_t t = 0; t < times; t++)
        if (codec_block_decode(p, end, count, out) != 0)
            sum += out[count - 1];
    return sum;
}

/* Encode the chunk's values as rice-L (each value's high part in unary,
 * then its k low bits; the first position's truncated code of rice-L1
 * left out, as it costs about what a value does) and decode it `times`
 * times. */
static uint64_t decode_rice_times(const uint32_t *values, const uint8_t *ks, size_t count,
                                  uint64_t times)
{
    static uint8_t buffer[CODEC_BLOCK_SIZE * 64 + 64];
    static size_t dirty = sizeof buffer; /* bytes the last chunk may have set */
    memset(buffer, 0, dirty);
    size_t at = 0, encoded = 0;
    for (; encoded < count; encoded++) {
        uint64_t high = values[encoded] >> ks[encoded];
        if (at + high + 1 + ks[encoded] >= 8 * (sizeof buffer - 16))
            break; /* a gap of thousands (rare): the rest not timed */
        at += high;
        put_bits(buffer, &at, 1, 1);
        put_bits(buffer, &at, values[encoded] & ((1ull << ks[encoded]) - 1), ks[encoded]);
    }
    dirty = at / 8 + 1;
    uint64_t sum = 0;
    for (uint64_t t = 0; t < times; t++)
        sum += rice_decode(buffer, at, ks, encoded);
    return sum;
}

/* Per value of the current block's stream: its bits under each Rice
 * coder (in the order of enum coder), its rice-L parameter, and whether it
 * is a document's first. */
enum coder { C_RICE, C_RICE1, C_ADAPT, C_RICE_TF, CODERS };
typedef struct value_bits {
    double *bits[CODERS];
    uint8_t *ks, *starts;
    size_t room;
} value_bits;

/* The bound and BIC of the block's documents into t, and every value's
 * bits under the Rice coders into vb. */
static void code_documents(measurer *m, enum field field, totals *t, value_bits *vb)
{
    size_t n = m->value_count;
    if (n > vb->room) {
        for (int c = 0; c < CODERS; c++) {
            size_t r = vb->room;
            vb->bits[c] = grow(vb->bits[c], &r, n, sizeof **vb->bits);
        }
        size_t r = vb->room;
        vb->starts = grow(vb->starts, &r, n, 1);
        vb->ks = grow(vb->ks, &vb->room, n, 1);
    }
    const segment_meta *meta = segment_get_meta(m->seg);
    uint64_t tokens = field == FIELD_TITLE ? meta->title_tokens : meta->body_tokens;
    uint64_t mean_length = meta->documents ? tokens / meta->documents : 0;
    double **bits = vb->bits;
    size_t v = 0;
    for (size_t d = 0; d < m->postings; d++) {
        uint64_t L = m->lengths[d], tf = m->tfs[d];
        const uint32_t *pos = m->positions + v;
        if (pos[tf - 1] >= L) {
            m->beyond_length++;
            L = (uint64_t)pos[tf - 1] + 1;
        }
        if (field != FIELD_PAIR && m->decode == NULL) { /* --decode: only the decoding counts */
            t->m[M_BOUND] += log2_choose(L, tf) / 8;
            t->m[M_BIC] += bic_bits(pos, 0, tf - 1, 0, L - 1) / 8;
        }
        unsigned k = rice_k(L, tf), k_tf = rice_k(mean_length, tf);
        for (uint64_t i = 0; i < tf; i++) {
            uint32_t value = m->values[v + i];
            vb->ks[v + i] = (uint8_t)k;
            vb->starts[v + i] = i == 0;
            bits[C_RICE][v + i] = k + 1 + (double)(value >> k);
            bits[C_RICE_TF][v + i] = k_tf + 1 + (double)(value >> k_tf);
            if (i == 0) {
                bits[C_RICE1][v] = bits[C_ADAPT][v] = truncated_bits(value, L - tf + 1);
            } else {
                bits[C_RICE1][v + i] = bits[C_RICE][v + i];
                /* the span after the previous position, and the values left */
                unsigned ka = rice_k(L - pos[i - 1] - 1, tf - i);
                bits[C_ADAPT][v + i] = ka + 1 + (double)(value >> ka);
            }
        }
        v += tf;
    }
}

/* The logged decodings of a chunk of `count` values from `first` that
 * cost `size` bytes now and `rice1` as rice-L1: which charges move it,
 * with its documents. */
static void weigh_decoded(measurer *m, const value_bits *vb, uint64_t decoded, size_t first,
                          size_t count, double size, double rice1)
{
    size_t docs = 0;
    for (size_t i = first; i < first + count; i++)
        docs += i == first || vb->starts[i];
    decoded_figures *to[CHARGES + 1];
    int n = 0;
    to[n++] = &m->decoded_all;
    for (int c = 0; c < CHARGES; c++)
        if (1 + rice1 + charges[c] * (double)count / CODEC_BLOCK_SIZE < size)
            to[n++] = &m->decoded_moved[c];
    for (int i = 0; i < n; i++) {
        to[i]->chunks += decoded;
        to[i]->values += decoded * count;
        to[i]->docs += decoded * docs;
    }
}

/* The current block's stream, its stored bytes [p, end): every measure,
 * chunk by chunk as the stream is stored. */
static void measure_block(measurer *m, enum field field, key_figures *key, const uint8_t *p,
                          const uint8_t *end)
{
    static value_bits vb;
    totals *t = &key->t;
    size_t n = m->value_count;
    code_documents(m, field, t, &vb);
    for (size_t first = 0; first < n; first += CODEC_BLOCK_SIZE) {
        size_t count = n - first < CODEC_BLOCK_SIZE ? n - first : CODEC_BLOCK_SIZE;
        size_t stored = chunk_forms(m, p, end, count);
        if (stored == 0) {
            fprintf(stderr, "position-bound: a positions chunk does not decode\n");
            m->failed = 1;
            return;
        }
        double size = (double)stored, bytes[CODERS];
        for (int c = 0; c < CODERS; c++) {
            double sum = 0;
            for (size_t i = first; i < first + count; i++)
                sum += vb.bits[c][i];
            /* the pair keys' positions are all 0: a coder keeps them as they are */
            bytes[c] = field == FIELD_PAIR ? size : ceil(sum / 8);
        }
        t->m[M_NOW] += size;
        t->m[M_RICE] += bytes[C_RICE];
        t->m[M_RICE1] += bytes[C_RICE1];
        t->m[M_ADAPT] += bytes[C_ADAPT];
        t->m[M_RICE_TF] += bytes[C_RICE_TF];
        t->m[M_CHOICE] += fmin(size, 1 + bytes[C_RICE]);
        t->m[M_CHOICE1] += fmin(size, 1 + bytes[C_RICE1]);
        t->m[M_CHOICE_TF] += fmin(size, 1 + bytes[C_RICE_TF]);
        int moved = 1 + bytes[C_RICE1] < size;
        t->chunks++;
        t->values += count;
        if (moved) {
            t->moved_chunks++;
            t->moved_values += count;
        }
        for (int c = 0; c < CHARGES; c++)
            if (1 + bytes[C_RICE1] + charges[c] * (double)count / CODEC_BLOCK_SIZE < size)
                m->charged_saving[c] += size - 1 - bytes[C_RICE1];
        uint64_t decoded = decode_count(m, p);
        if (decoded)
            weigh_decoded(m, &vb, decoded, first, count, size, bytes[C_RICE1]);
        if (m->decode != NULL && moved) {
            uint64_t times = m->log_count ? decoded : 1;
            if (strcmp(m->decode, "rice") == 0)
                m->checksum += decode_rice_times(m->values + first, vb.ks + first, count, times);
            else
                m->checksum += decode_now_times(p, end, count, times);
        }
        p += stored;
    }
    if (p != end) {
        fprintf(stderr, "position-bound: positions end before their block does\n");
        m->failed = 1;
    }
}

static void add_totals(totals *to, const totals *from)
{
    for (int i = 0; i < MEASURES; i++)
        to->m[i] += from->m[i];
    to->values += from->values;
    to->chunks += from->chunks;
    to->moved_chunks += from->moved_chunks;
    to->moved_values += from->moved_values;
}

static int visit_key(void *context, const uint8_t *key, size_t key_length,
                     const segment_term *term)
{
    measurer *m = context;
    enum field field = key_length && key[0] == SEGMENT_PAIR_KEY ? FIELD_PAIR
                       : key_length && key[0] == SEGMENT_FIELD_TITLE ? FIELD_TITLE
                                                                     : FIELD_BODY;
    m->keys = grow(m->keys, &m->key_room, m->key_count + 1, sizeof *m->keys);
    key_figures *figures = &m->keys[m->key_count++];
    memset(figures, 0, sizeof *figures);
    figures->cf = field == FIELD_PAIR ? 0 : term->cf;
    postings_cursor *c = m->cursor;
    postings_open(c, m->seg, term);
    /* A block's stored positions are [start, end) of the cursor's
     * positions: read from the cursor's own fields (private to the
     * reader, which has no call for them) once the block is loaded. */
    uint32_t block = UINT32_MAX;
    const uint8_t *start = NULL, *end = NULL;
    m->postings = m->value_count = 0;
    for (uint32_t doc = c->doc; doc != POSTINGS_END; doc = postings_next(c)) {
        if (c->block != block) {
            if (block != UINT32_MAX)
                measure_block(m, field, figures, start, end);
            block = c->block;
            start = c->positions_base + c->block_positions_start;
            end = c->positions_base + c->block_positions_end;
            m->postings = m->value_count = 0;
        }
        uint32_t tf = postings_tf(c);
        if (m->postings == m->postings_room) {
            size_t room = m->postings_room;
            m->docs = grow(m->docs, &room, m->postings + 1, sizeof *m->docs);
            room = m->postings_room;
            m->tfs = grow(m->tfs, &room, m->postings + 1, sizeof *m->tfs);
            m->lengths = grow(m->lengths, &m->postings_room, m->postings + 1, sizeof *m->lengths);
        }
        if (m->value_count + tf > m->value_room) {
            size_t room = m->value_room;
            m->values = grow(m->values, &room, m->value_count + tf, sizeof *m->values);
            m->positions = grow(m->positions, &m->value_room, m->value_count + tf,
                                sizeof *m->positions);
        }
        uint32_t *pos = m->positions + m->value_count;
        int got = postings_positions(c, pos);
        if (got != (int)tf) {
            fprintf(stderr, "position-bound: a posting's positions do not read\n");
            m->failed = 1;
            return 1;
        }
        for (uint32_t i = 0; i < tf; i++)
            m->values[m->value_count + i] = i == 0 ? pos[0] : pos[i] - pos[i - 1] - 1;
        m->docs[m->postings] = doc;
        m->tfs[m->postings] = tf;
        m->lengths[m->postings] = field == FIELD_TITLE ? segment_title_length(m->seg, doc)
                                                       : segment_body_length(m->seg, doc);
        m->postings++;
        m->value_count += tf;
    }
    if (c->status != 0) {
        fprintf(stderr, "position-bound: damaged postings\n");
        m->failed = 1;
        return 1;
    }
    if (block != UINT32_MAX)
        measure_block(m, field, figures, start, end);
    add_totals(&m->field[field], &figures->t);
    return m->failed;
}

static int by_cf_descending(const void *a, const void *b)
{
    const key_figures *x = a, *y = b;
    return x->cf < y->cf ? 1 : x->cf > y->cf ? -1 : 0;
}

static void print_row(const char *name, const totals *t)
{
    printf("%-24s", name);
    for (int i = 0; i < MEASURES; i++)
        printf(" %8.3f", t->m[i] * scale);
    printf("  %6.2f M %6.2f M\n", (double)t->values / 1e6, (double)t->moved_values / 1e6);
}

static void print_header(const char *what)
{
    printf("\n%-24s", what);
    static const char *const short_names[MEASURES] = {
        "now", "bound", "bic", "rice-L", "rice-L1", "adapt", "rice-tf", "choice", "choice1", "choicetf"};
    for (int i = 0; i < MEASURES; i++)
        printf(" %8s", short_names[i]);
    printf("  %8s %8s\n", "values", "moved");
}

static void report(measurer *m)
{
    printf("positions of the index, %s; values in millions; moved: the values\n"
           "of the chunks choice1 writes as rice-L1\n", scale == 1 ? "bytes" : "MB (10^6 bytes)");
    for (int i = 0; i < MEASURES; i++)
        printf("  %-8s %s\n", (const char *[]){"now", "bound", "bic", "rice-L", "rice-L1", "adapt",
                                               "rice-tf", "choice", "choice1", "choicetf"}[i],
               measure_names[i]);
    print_header("by field");
    totals all;
    memset(&all, 0, sizeof all);
    for (int f = 0; f < FIELDS; f++) {
        print_row(field_names[f], &m->field[f]);
        add_totals(&all, &m->field[f]);
    }
    print_row("all", &all);
    printf("\nnow by form (chunks, %s)\n", scale == 1 ? "bytes" : "MB");
    for (int f = 0; f < FORMS; f++) {
        /* a patched or unary chunk's second part is counted with its first */
        char chunks[32] = "";
        if (f != FORM_PATCHED_EXCEPTIONS && f != FORM_UNARY_HIGH)
            snprintf(chunks, sizeof chunks, "%llu", (unsigned long long)m->form_chunks[f]);
        printf("  %-28s %9s %8.3f\n", form_names[f], chunks, m->form_bytes[f] * scale);
    }
    qsort(m->keys, m->key_count, sizeof *m->keys, by_cf_descending);
    print_header("by key frequency rank");
    static const size_t bands[] = {100, 1000, 10000, 100000, SIZE_MAX};
    size_t from = 0;
    for (size_t b = 0; b < sizeof bands / sizeof *bands && from < m->key_count; b++) {
        totals t;
        memset(&t, 0, sizeof t);
        size_t to = bands[b] < m->key_count ? bands[b] : m->key_count;
        for (size_t i = from; i < to; i++)
            add_totals(&t, &m->keys[i].t);
        char name[64];
        snprintf(name, sizeof name, "keys %zu-%zu", from + 1, to);
        print_row(name, &t);
        from = to;
    }
    printf("\ntrade: choice1 where it saves more than a charge (bytes a chunk of 128)\n");
    printf("%-8s %9s", "charge", scale == 1 ? "saved B" : "saved MB");
    if (m->log_count)
        printf(" %14s %14s %14s", "logged chunks", "their values", "their docs");
    printf("\n");
    for (int c = 0; c < CHARGES; c++) {
        printf("%-8.0f %9.3f", charges[c], m->charged_saving[c] * scale);
        if (m->log_count)
            printf(" %14llu %14llu %14llu", (unsigned long long)m->decoded_moved[c].chunks,
                   (unsigned long long)m->decoded_moved[c].values,
                   (unsigned long long)m->decoded_moved[c].docs);
        printf("\n");
    }
    if (m->log_count)
        printf("%-18s %14llu %14llu %14llu\n", "logged, all", (unsigned long long)m->decoded_all.chunks,
               (unsigned long long)m->decoded_all.values, (unsigned long long)m->decoded_all.docs);
    if (m->beyond_length)
        printf("\n%llu positions at or past their field's length (taken as the length)\n",
               (unsigned long long)m->beyond_length);
}

/* LOG: one decimal file offset a line, a chunk each time it was decoded. */
static int read_log(measurer *m, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    size_t room = 0;
    unsigned long long offset;
    while (fscanf(f, "%llu", &offset) == 1) {
        m->log = grow(m->log, &room, m->log_count + 1, sizeof *m->log);
        m->log[m->log_count++] = (logged){offset, 1};
    }
    fclose(f);
    qsort(m->log, m->log_count, sizeof *m->log, by_offset);
    /* one entry an offset, with its count */
    size_t kept = 0;
    for (size_t i = 0; i < m->log_count; i++) {
        if (kept > 0 && m->log[kept - 1].offset == m->log[i].offset)
            m->log[kept - 1].times++;
        else
            m->log[kept++] = m->log[i];
    }
    m->log_count = kept;
    return 0;
}

/* Where the file `path` is mapped from its start (the segment reader maps
 * it whole; it has no call that says where). */
static const uint8_t *map_base(const char *path)
{
    char real[PATH_MAX], line[PATH_MAX + 256];
    if (realpath(path, real) == NULL)
        return NULL;
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return NULL;
    const uint8_t *base = NULL;
    while (base == NULL && fgets(line, sizeof line, f) != NULL) {
        unsigned long long start, file_offset;
        int name_at = 0;
        if (sscanf(line, "%llx-%*x %*s %llx %*s %*s %n", &start, &file_offset, &name_at) >= 2
            && name_at > 0 && file_offset == 0) {
            line[strcspn(line, "\n")] = 0;
            if (strcmp(line + name_at, real) == 0)
                base = (const uint8_t *)(uintptr_t)start;
        }
    }
    fclose(f);
    return base;
}

/* Everything a measurer allocated (grow's arrays, the log, the cursor). */
static void measurer_free(measurer *m)
{
    free(m->docs);
    free(m->tfs);
    free(m->lengths);
    free(m->values);
    free(m->positions);
    free(m->keys);
    free(m->log);
    free(m->cursor);
}

int main(int argc, char **argv)
{
    measurer m;
    memset(&m, 0, sizeof m);
    int a = 1;
    const char *log_path = NULL;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--decode") == 0
            && (strcmp(argv[a + 1], "now") == 0 || strcmp(argv[a + 1], "rice") == 0))
            m.decode = argv[a + 1];
        else if (strcmp(argv[a], "--decoded") == 0)
            log_path = argv[a + 1];
        else if (strcmp(argv[a], "--bytes") == 0) {
            scale = 1;
            a--; /* takes no argument */
        } else
            break;
    }
    if (a + 1 != argc || argv[a][0] == '-') {
        fprintf(stderr, "usage: position-bound [--bytes] [--decoded LOG [--decode now|rice]] INDEX\n");
        return 2;
    }
    if (log_path != NULL && read_log(&m, log_path) != 0) {
        measurer_free(&m);
        return 1;
    }
    const char *dir = argv[a];
    manifest man;
    cops_error err;
    if (manifest_read(dir, &man, &err) != 0) {
        fprintf(stderr, "position-bound: %s\n", err.message);
        measurer_free(&m);
        return 1;
    }
    m.cursor = malloc(sizeof *m.cursor);
    m.failed = m.cursor == NULL;
    for (size_t s = 0; s < man.segment_count && !m.failed; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, man.segments[s].name);
        if (segment_open(path, &m.seg, &err) != 0) {
            fprintf(stderr, "position-bound: %s\n", err.message);
            m.failed = 1;
            break;
        }
        if (m.log_count && (m.map_base = map_base(path)) == NULL) {
            fprintf(stderr, "position-bound: %s not found mapped in /proc/self/maps\n", path);
            m.failed = 1;
        } else if (segment_scan_prefix(m.seg, (const uint8_t *)"", 0, visit_key, &m, &err) < 0) {
            fprintf(stderr, "position-bound: %s\n", err.message);
            m.failed = 1;
        }
        segment_close(m.seg);
    }
    int status = m.failed;
    if (!m.failed && m.decode != NULL)
        printf("decoded (checksum %llu)\n", (unsigned long long)m.checksum);
    else if (!m.failed)
        report(&m);
    measurer_free(&m);
    return status;
}
