/*
 * format-test.c — segment files and the manifest (index-format/).
 *
 * Segments are written directly with segment_writer and read back with
 * segment_open, segment_lookup, segment_scan_prefix and the postings
 * cursor, against the data kept in memory: every document, tf and
 * position; next_geq to many targets against a linear reference; block
 * bounds; prefix scans; stored documents byte for byte; META.  Writer
 * misuse returns COPS_EINVAL.  Single-byte flips and truncations of a
 * small segment never crash the reader and are reported as damage
 * whenever they change what is read.  The manifest round-trips, and a
 * damaged or missing one is reported.
 */
#include "config.h"

#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <criterion/criterion.h>

#include "index-format/check.h"
#include "index-format/codec.h"
#include "index-format/layout.h"
#include "index-format/manifest.h"
#include "index-format/segment.h"
#include "tests/testlib.h"

/* ============================================================ test data */

typedef struct term_spec {
    const char *key;       /* may start with SEGMENT_FIELD_TITLE */
    uint32_t df;
    uint32_t max_tf;
    int sparse;            /* documents spread over the whole range */
    int far_positions;     /* positions up to about 4e9 */
} term_spec;

typedef struct term_data {
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    uint32_t df;
    uint64_t cf;
    uint32_t *docs, *tfs;
    uint64_t *position_start; /* index into positions for posting i */
    uint32_t *positions;
} term_data;

typedef struct doc_data {
    char id[32];
    char title[64];
    char *text;
    size_t text_length;
    uint32_t date, body_length, title_length;
} doc_data;

typedef struct segment_data {
    doc_data *docs;
    uint32_t doc_count;
    term_data *terms;
    size_t term_count;
    segment_meta meta;
} segment_data;

static int compare_term_keys(const void *a, const void *b)
{
    const term_data *x = a, *y = b;
    size_t n = x->key_length < y->key_length ? x->key_length : y->key_length;
    int order = memcmp(x->key, y->key, n);
    if (order)
        return order;
    return (x->key_length > y->key_length) - (x->key_length < y->key_length);
}

/* `count` distinct sorted documents below `documents`. */
static void choose_docs(testlib_rng *rng, uint32_t documents, uint32_t count, int sparse,
                        uint32_t *out)
{
    if (sparse && count >= 2) {
        /* the extremes and a few random ones: gaps of nearly the whole range */
        out[0] = 0;
        out[count - 1] = documents - 1;
        for (uint32_t i = 1; i + 1 < count; i++)
            out[i] = (uint32_t)((uint64_t)documents * i / count);
        return;
    }
    if (count * 2 >= documents) {
        /* dense: a random subset by selection sampling */
        uint32_t needed = count, left = documents, k = 0;
        for (uint32_t d = 0; d < documents && needed; d++, left--)
            if (testlib_rng_below(rng, left) < needed) {
                out[k++] = d;
                needed--;
            }
        return;
    }
    /* random gaps, mostly small, some large */
    uint32_t k = 0;
    uint64_t doc = testlib_rng_below(rng, 3);
    while (k < count) {
        uint32_t remaining = count - k;
        if (doc + remaining > documents)
            doc = documents - remaining;
        out[k++] = (uint32_t)doc;
        uint64_t room = documents - doc - 1;
        uint64_t gap = testlib_rng_below(rng, 8) == 0 ? 1 + testlib_rng_below(rng, room / 4 + 1)
                                                      : 1 + testlib_rng_below(rng, 3);
        doc += gap;
    }
}

static void make_term(testlib_rng *rng, const term_spec *spec, uint32_t documents, term_data *t)
{
    memset(t, 0, sizeof *t);
    t->key_length = strlen(spec->key);
    memcpy(t->key, spec->key, t->key_length);
    t->df = spec->df;
    t->docs = malloc(spec->df * sizeof *t->docs);
    t->tfs = malloc(spec->df * sizeof *t->tfs);
    t->position_start = malloc((spec->df + 1) * sizeof *t->position_start);
    cr_assert(t->docs && t->tfs && t->position_start);
    choose_docs(rng, documents, spec->df, spec->sparse, t->docs);
    for (uint32_t i = 0; i < spec->df; i++) {
        uint32_t tf = 1 + (uint32_t)testlib_rng_below(rng, 3);
        if (testlib_rng_below(rng, 50) == 0 || i == spec->df / 2)
            tf = 1 + (uint32_t)testlib_rng_below(rng, spec->max_tf);
        t->tfs[i] = tf;
        t->position_start[i] = t->cf;
        t->cf += tf;
    }
    t->position_start[spec->df] = t->cf;
    t->positions = malloc((t->cf + 1) * sizeof *t->positions);
    cr_assert_not_null(t->positions);
    for (uint32_t i = 0; i < spec->df; i++) {
        uint64_t position = testlib_rng_below(rng, 4);
        for (uint32_t k = 0; k < t->tfs[i]; k++) {
            t->positions[t->position_start[i] + k] = (uint32_t)position;
            uint64_t step = 1 + testlib_rng_below(rng, 5);
            if (spec->far_positions && testlib_rng_below(rng, 3) == 0)
                step = 1 + testlib_rng_below(rng, 400000000);
            if (position + step + (t->tfs[i] - k) >= UINT32_MAX)
                step = 1;
            position += step;
        }
    }
}

static void make_data(segment_data *data, uint64_t seed, uint32_t documents, const term_spec *specs,
                      size_t spec_count)
{
    memset(data, 0, sizeof *data);
    testlib_rng rng;
    testlib_rng_seed(&rng, seed);
    data->doc_count = documents;
    data->docs = calloc(documents, sizeof *data->docs);
    cr_assert_not_null(data->docs);
    for (uint32_t d = 0; d < documents; d++) {
        doc_data *doc = &data->docs[d];
        snprintf(doc->id, sizeof doc->id, "doc-%u", d);
        snprintf(doc->title, sizeof doc->title, d % 3 ? "Title %u caf\xc3\xa9" : "", d);
        size_t length = testlib_rng_below(&rng, 8) == 0 ? testlib_rng_below(&rng, 3000)
                                                        : testlib_rng_below(&rng, 40);
        doc->text = malloc(length + 1);
        cr_assert_not_null(doc->text);
        for (size_t i = 0; i < length; i++)
            doc->text[i] = (char)(testlib_rng_below(&rng, 4) ? 'a' + testlib_rng_below(&rng, 26)
                                                             : testlib_rng_below(&rng, 256));
        doc->text[length] = 0;
        doc->text_length = length;
        doc->date = d % 4 ? 0 : 20000101 + (uint32_t)testlib_rng_below(&rng, 20) * 10000;
        doc->body_length = (uint32_t)testlib_rng_below(&rng, 5000);
        doc->title_length = (uint32_t)testlib_rng_below(&rng, 12);
        data->meta.body_tokens += doc->body_length;
        data->meta.title_tokens += doc->title_length;
    }
    data->term_count = spec_count;
    data->terms = calloc(spec_count, sizeof *data->terms);
    cr_assert_not_null(data->terms);
    for (size_t i = 0; i < spec_count; i++) {
        make_term(&rng, &specs[i], documents, &data->terms[i]);
        data->meta.postings += data->terms[i].df;
    }
    qsort(data->terms, spec_count, sizeof *data->terms, compare_term_keys);
    data->meta.documents = documents;
    data->meta.terms = spec_count;
    snprintf(data->meta.language, sizeof data->meta.language, "english");
    data->meta.stem = 1;
}

static void free_data(segment_data *data)
{
    for (uint32_t d = 0; d < data->doc_count; d++)
        free(data->docs[d].text);
    free(data->docs);
    for (size_t i = 0; i < data->term_count; i++) {
        free(data->terms[i].docs);
        free(data->terms[i].tfs);
        free(data->terms[i].position_start);
        free(data->terms[i].positions);
    }
    free(data->terms);
}

static void write_segment(const segment_data *data, const char *path)
{
    segment_writer *w = NULL;
    cops_error err = {0};
    cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
    for (uint32_t d = 0; d < data->doc_count; d++) {
        const doc_data *doc = &data->docs[d];
        cr_assert_eq(segment_writer_add_document(w, doc->id, doc->title, doc->date, doc->text,
                                                 doc->text_length, doc->body_length,
                                                 doc->title_length, &err), 0, "%s", err.message);
    }
    for (size_t i = 0; i < data->term_count; i++) {
        const term_data *t = &data->terms[i];
        cr_assert_eq(segment_writer_begin_term(w, t->key, t->key_length, &err), 0, "%s",
                     err.message);
        for (uint32_t k = 0; k < t->df; k++)
            cr_assert_eq(segment_writer_add_posting(w, t->docs[k], t->positions + t->position_start[k],
                                                    t->tfs[k], &err), 0, "%s", err.message);
        cr_assert_eq(segment_writer_end_term(w, &err), 0, "%s", err.message);
    }
    uint64_t bytes = 0;
    cr_assert_eq(segment_writer_finish(w, &data->meta, &bytes, &err), 0, "%s", err.message);
    cr_assert_gt(bytes, 0);
}

/* ========================================================= round trip */

static const term_spec round_trip_terms[] = {
    {"\x01" "alpha", 1, 3, 0, 0},
    {"\x01" "beta", 127, 40, 0, 0},
    {"\x01" "gamma", 300, 9, 0, 0},
    {"a", 1, 1, 0, 0},
    {"df127", 127, 50, 0, 0},
    {"df128", 128, 50, 0, 0},
    {"df129", 129, 50, 0, 0},
    {"df1000", 1000, 3000, 0, 1},
    {"df100000", 100000, 20, 0, 0},
    {"far", 5, 2, 1, 1},
    {"farblocks", 400, 4, 1, 0},
    {"pre", 3, 2, 0, 0},
    {"prefix", 2, 2, 0, 0},
    {"prefixa", 130, 2, 0, 0},
    {"prefixb", 1, 70000, 0, 1},
    {"prf", 1, 1, 0, 0},
    {"zz", 256, 5, 0, 0},
};

#define ROUND_TRIP_DOCUMENTS 150000u

typedef struct fixture {
    char *dir;
    char path[512];
    segment_data data;
    segment *seg;
} fixture;

static void open_round_trip(fixture *f)
{
    f->dir = testlib_tempdir("format");
    snprintf(f->path, sizeof f->path, "%s/seg.cops", f->dir);
    make_data(&f->data, 42, ROUND_TRIP_DOCUMENTS, round_trip_terms,
              sizeof round_trip_terms / sizeof round_trip_terms[0]);
    write_segment(&f->data, f->path);
    cops_error err = {0};
    cr_assert_eq(segment_open(f->path, &f->seg, &err), 0, "%s", err.message);
}

/* The round trip's term k, found in the segment (its entry in *term). */
static const term_data *round_trip_term(const fixture *f, size_t k, segment_term *term)
{
    const term_data *t = &f->data.terms[k];
    cr_assert_eq(segment_lookup(f->seg, t->key, t->key_length, term, NULL), 1);
    return t;
}

static void close_fixture(fixture *f)
{
    segment_close(f->seg);
    free_data(&f->data);
    testlib_remove_tree(f->dir);
}

static uint32_t field_length(const fixture *f, const term_data *t, uint32_t doc)
{
    return t->key[0] == (uint8_t)SEGMENT_FIELD_TITLE ? f->data.docs[doc].title_length
                                                     : f->data.docs[doc].body_length;
}

static void check_positions(postings_cursor *c, const term_data *t, uint32_t i, uint32_t *buffer)
{
    int n = postings_positions(c, buffer);
    cr_assert_eq(n, (int)t->tfs[i], "key %.*s doc %u: %d positions", (int)t->key_length, t->key,
                 t->docs[i], n);
    cr_assert_eq(memcmp(buffer, t->positions + t->position_start[i], (size_t)n * sizeof *buffer), 0,
                 "key %.*s doc %u: positions differ", (int)t->key_length, t->key, t->docs[i]);
}

/* Two block bounds of the same target are the same bound. */
static void expect_same_bound(const postings_block_bound *x, const postings_block_bound *y,
                              const term_data *t, uint32_t target)
{
    cr_assert_eq(x->last_doc, y->last_doc, "key %.*s target %u", (int)t->key_length, t->key, target);
    cr_assert_eq(x->max_tf, y->max_tf);
    cr_assert_eq(x->min_length, y->min_length);
    cr_assert_eq(x->block, y->block);
}

/* postings_block_bound_from, its cursor left on the first posting as a
 * conjunction's dense word is: searching from the block the last bound
 * came from (targets rising), or from any hint at all (a block past the
 * target's, past the list's end), finds the bound the search from the
 * cursor's block finds. */
Test(format, a_block_bound_searched_from_a_hint_is_the_same_bound)
{
    fixture f;
    open_round_trip(&f);
    size_t external = 0;
    for (size_t k = 0; k < f.data.term_count; k++) {
        const term_data *t = &f.data.terms[k];
        segment_term term;
        cops_error err = {0};
        cr_assert_eq(segment_lookup(f.seg, t->key, t->key_length, &term, &err), 1);
        external += term.external;
        postings_cursor c;
        postings_open(&c, f.seg, &term);
        uint32_t hint = 0;
        for (uint32_t i = 0; i < t->df; i += 7) {
            uint32_t target = t->docs[i];
            postings_block_bound plain, hinted, stale, wild;
            cr_assert_eq(postings_block_bound_at(&c, target, &plain), 0);
            cr_assert_eq(postings_block_bound_from(&c, target, hint, &hinted), 0);
            expect_same_bound(&plain, &hinted, t, target);
            cr_assert_eq(postings_block_bound_from(&c, target, plain.block + 1, &stale), 0);
            expect_same_bound(&plain, &stale, t, target);
            cr_assert_eq(postings_block_bound_from(&c, target, UINT32_MAX, &wild), 0);
            expect_same_bound(&plain, &wild, t, target);
            if (term.external)
                cr_assert_eq(plain.block, i / SEGMENT_BLOCK_SIZE);
            hint = hinted.block;
        }
        postings_block_bound past;
        cr_assert_eq(postings_block_bound_from(&c, t->docs[t->df - 1] + 1, hint, &past), 1);
    }
    cr_assert_gt(external, 0, "not vacuous: lists with a skip table");
    close_fixture(&f);
}

/* postings_block_bound_from and postings_next_geq against the generated
 * lists, not against each other (both search with skip_find_block): the
 * cursor left at several postings, targets on every kind of spot (a
 * posting, the gap before and after it, a block's first and last, past
 * the list), hints anywhere (0, the cursor's block, the block before the
 * answer, the answer, after it, the last block, past the end). */
Test(format, block_bounds_and_next_geq_match_the_generated_lists, .timeout = 120)
{
    fixture f;
    open_round_trip(&f);
    for (size_t k = 0; k < f.data.term_count; k++) {
        segment_term term;
        const term_data *t = round_trip_term(&f, k, &term);
        uint32_t blocks = term.external ? (t->df + SEGMENT_BLOCK_SIZE - 1) / SEGMENT_BLOCK_SIZE : 1;
        uint32_t step = t->df > 5000 ? 97 : 1;
        for (uint32_t from = 0; from < t->df; from += t->df / 5 + 1) {
            postings_cursor c;
            postings_open(&c, f.seg, &term);
            cr_assert_eq(postings_next_geq(&c, t->docs[from]), t->docs[from]);
            for (uint32_t i = from; i <= t->df; i += step) {
                uint32_t at = i < t->df ? t->docs[i] : t->docs[t->df - 1];
                uint32_t targets[] = {at, at + 1, at > t->docs[from] ? at - 1 : at};
                for (size_t n = 0; n < 3; n++) {
                    uint32_t target = targets[n];
                    uint32_t p = (uint32_t)testlib_lower_bound(t->docs, t->df, target);
                    uint32_t block = p / SEGMENT_BLOCK_SIZE;
                    uint32_t hints[] = {0, c.block, block ? block - 1 : 0, block, block + 1,
                                        blocks - 1, blocks, UINT32_MAX};
                    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
                        postings_block_bound b;
                        int rc = postings_block_bound_from(&c, target, hints[h], &b);
                        if (p == t->df) {
                            cr_assert_eq(rc, 1, "key %.*s target %u past the list, hint %u",
                                         (int)t->key_length, t->key, target, hints[h]);
                            continue;
                        }
                        cr_assert_eq(rc, 0, "key %.*s target %u hint %u", (int)t->key_length,
                                     t->key, target, hints[h]);
                        if (!term.external) {
                            cr_assert_geq(b.last_doc, target);
                            continue;
                        }
                        uint32_t last = block * SEGMENT_BLOCK_SIZE + SEGMENT_BLOCK_SIZE - 1;
                        cr_assert_eq(b.block, block, "key %.*s target %u hint %u: block %u, not %u",
                                     (int)t->key_length, t->key, target, hints[h], b.block, block);
                        cr_assert_eq(b.last_doc, t->docs[last < t->df ? last : t->df - 1]);
                    }
                    /* next_geq on a second cursor, so this one stays for the bounds */
                    postings_cursor moved;
                    postings_open(&moved, f.seg, &term);
                    postings_next_geq(&moved, t->docs[from]);
                    uint32_t doc = postings_next_geq(&moved, target);
                    uint32_t expected = p < t->df ? t->docs[p] : POSTINGS_END;
                    if (target < c.doc)
                        expected = c.doc;
                    cr_assert_eq(doc, expected, "key %.*s next_geq(%u) from %u: %u, not %u",
                                 (int)t->key_length, t->key, target, c.doc, doc, expected);
                }
            }
        }
    }
    close_fixture(&f);
}

Test(format, postings_round_trip, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    uint32_t *buffer = malloc(100000 * sizeof *buffer);
    cr_assert_not_null(buffer);
    for (size_t k = 0; k < f.data.term_count; k++) {
        const term_data *t = &f.data.terms[k];
        segment_term term;
        cops_error err = {0};
        cr_assert_eq(segment_lookup(f.seg, t->key, t->key_length, &term, &err), 1);
        cr_assert_eq(term.df, t->df);
        cr_assert_eq(term.cf, t->cf);
        cr_expect_eq(term.external, t->df > SEGMENT_INLINE_MAX_DF, "df %u", t->df);
        postings_cursor c;
        postings_open(&c, f.seg, &term);
        postings_block_bound whole;
        postings_list_bound(&c, &whole);
        uint32_t list_max_tf = 0;
        for (uint32_t i = 0; i < t->df; i++) {
            cr_assert_eq(c.doc, t->docs[i], "key %.*s posting %u", (int)t->key_length, t->key, i);
            cr_assert_eq(postings_tf(&c), t->tfs[i]);
            /* positions of every other posting: the skipped ones must be stepped over */
            if (i % 2 == 0 || t->df < 200)
                check_positions(&c, t, i, buffer);
            postings_block_bound bound;
            cr_assert_eq(postings_block_bound_at(&c, c.doc, &bound), 0);
            uint32_t block_first = i - i % SEGMENT_BLOCK_SIZE;
            uint32_t block_last = term.external ? block_first + SEGMENT_BLOCK_SIZE - 1 : t->df - 1;
            if (block_last >= t->df)
                block_last = t->df - 1;
            if (term.external) {
                cr_assert_eq(bound.last_doc, t->docs[block_last]);
                uint32_t max_tf = 0, min_length = UINT32_MAX;
                for (uint32_t j = block_first; j <= block_last; j++) {
                    if (t->tfs[j] > max_tf)
                        max_tf = t->tfs[j];
                    uint32_t length = field_length(&f, t, t->docs[j]);
                    if (length < min_length)
                        min_length = length;
                }
                cr_assert_eq(bound.max_tf, max_tf, "key %.*s block max tf", (int)t->key_length,
                             t->key);
                cr_assert_leq(bound.min_length, min_length, "key %.*s block min length %u > %u",
                              (int)t->key_length, t->key, bound.min_length, min_length);
            } else {
                cr_assert_geq(bound.max_tf, t->tfs[i]);
                cr_assert_leq(bound.min_length, field_length(&f, t, t->docs[i]));
                cr_assert_geq(bound.last_doc, t->docs[i]);
            }
            if (t->tfs[i] > list_max_tf)
                list_max_tf = t->tfs[i];
            postings_next(&c);
        }
        cr_assert_eq(c.doc, POSTINGS_END);
        cr_assert_eq(postings_next(&c), POSTINGS_END);
        cr_assert_eq(c.status, 0);
        cr_assert_eq(whole.max_tf, list_max_tf, "key %.*s list max tf", (int)t->key_length, t->key);
        cr_assert_eq(whole.last_doc, t->docs[t->df - 1]);
        cr_assert_eq(segment_damage(f.seg, NULL), 0);
    }
    /* absent keys */
    segment_term term;
    static const char *absent[] = {"", "b", "df12", "df1280", "pref", "\x01", "\x01" "alph", "zzz",
                                   "\x7f"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        cr_expect_eq(segment_lookup(f.seg, (const uint8_t *)absent[i], strlen(absent[i]), &term, NULL),
                     0, "'%s'", absent[i]);
    free(buffer);
    close_fixture(&f);
}

/* First index i with docs[i] >= target, or df. */
static uint32_t linear_geq(const term_data *t, uint32_t target)
{
    uint32_t i = 0;
    while (i < t->df && t->docs[i] < target)
        i++;
    return i;
}

/* postings_position_advance against a linear scan: targets that fall on a
 * position, between two, far ahead (stepping over runs of one-byte
 * deltas eight at a time) and past the end, on every posting of lists
 * with small, large (multi-byte) and far (near 2^32) positions, inline and
 * in full and last (shorter) blocks. */
Test(format, position_reader_advances_like_linear_scan, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    testlib_rng rng;
    testlib_rng_seed(&rng, 7);
    for (size_t k = 0; k < f.data.term_count; k++) {
        const term_data *t = &f.data.terms[k];
        if (t->df > 5000)
            continue; /* the long list adds nothing but time */
        segment_term term;
        cops_error err = {0};
        cr_assert_eq(segment_lookup(f.seg, t->key, t->key_length, &term, &err), 1);
        postings_cursor c;
        postings_open(&c, f.seg, &term);
        for (uint32_t i = 0; i < t->df; i++, postings_next(&c)) {
            const uint32_t *expected = t->positions + t->position_start[i];
            uint32_t tf = t->tfs[i];
            postings_position_reader reader;
            cr_assert_eq(postings_position_reader_open(&c, &reader), 0);
            uint64_t target = testlib_rng_below(&rng, 3);
            size_t next = 0; /* first expected position not yet passed */
            for (;;) {
                while (next < tf && expected[next] < target)
                    next++;
                uint32_t got = 0;
                int rc = postings_position_advance(&reader, target, &got);
                if (next == tf) {
                    cr_assert_eq(rc, 0, "key %.*s doc %u target %llu: %d", (int)t->key_length,
                                 t->key, t->docs[i], (unsigned long long)target, rc);
                    break;
                }
                cr_assert_eq(rc, 1, "key %.*s doc %u: %d", (int)t->key_length, t->key, t->docs[i],
                             rc);
                cr_assert_eq(got, expected[next], "key %.*s doc %u target %llu: %u, expected %u",
                             (int)t->key_length, t->key, t->docs[i], (unsigned long long)target,
                             got, expected[next]);
                next++;
                /* the next target: the next position itself, just after it, or a jump */
                switch (testlib_rng_below(&rng, 4)) {
                case 0:
                    target = next < tf ? expected[next] : (uint64_t)got + 1;
                    break;
                case 1:
                    target = (uint64_t)got + 1;
                    break;
                case 2:
                    target = (uint64_t)got + 1 + testlib_rng_below(&rng, 200);
                    break;
                default:
                    target = next + 12 < tf ? expected[next + 12] - testlib_rng_below(&rng, 2)
                                            : (uint64_t)UINT32_MAX + 1;
                }
            }
        }
        cr_assert_eq(c.doc, POSTINGS_END);
    }
    close_fixture(&f);
}

/* Whether sorted `values` holds `value`. */
static int holds(const uint32_t *values, uint32_t count, uint64_t value)
{
    size_t at = testlib_lower_bound(values, count, value);
    return at < count && values[at] == value;
}

/* postings_position_meet against a search of every pair: on each document
 * of every two lists, for words next to each other either way round, the
 * same and further apart, it finds a pair exactly when one exists, and
 * the first (a walk that steps over a pair fails here), over positions in
 * one chunk and across chunks, small and near 2^32. */
Test(format, position_meet_finds_first_pair, .timeout = 120)
{
    fixture f;
    open_round_trip(&f);
    static const uint32_t offsets[][2] = {{0, 1}, {1, 0}, {0, 0}, {2, 0}, {0, 3}};
    unsigned long met = 0, missed = 0;
    for (size_t x = 0; x < f.data.term_count; x++)
        for (size_t y = 0; y < f.data.term_count; y++) {
            const term_data *tx = &f.data.terms[x], *ty = &f.data.terms[y];
            if (x == y || (uint64_t)tx->df * ty->df > 150000000u)
                continue;
            segment_term term_x, term_y;
            cr_assert_eq(segment_lookup(f.seg, tx->key, tx->key_length, &term_x, NULL), 1);
            cr_assert_eq(segment_lookup(f.seg, ty->key, ty->key_length, &term_y, NULL), 1);
            for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
                uint32_t a_offset = offsets[o][0], b_offset = offsets[o][1];
                postings_cursor cx, cy;
                postings_open(&cx, f.seg, &term_x);
                postings_open(&cy, f.seg, &term_y);
                uint32_t j = 0;
                for (uint32_t i = 0; i < tx->df; i++, postings_next(&cx)) {
                    while (j < ty->df && ty->docs[j] < tx->docs[i])
                        j++;
                    if (j == ty->df || ty->docs[j] != tx->docs[i])
                        continue;
                    cr_assert_eq(postings_next_geq(&cy, tx->docs[i]), tx->docs[i]);
                    const uint32_t *pa = tx->positions + tx->position_start[i];
                    const uint32_t *pb = ty->positions + ty->position_start[j];
                    uint64_t first = UINT64_MAX; /* the first start of a pair */
                    for (uint32_t k = 0; k < tx->tfs[i] && first == UINT64_MAX; k++)
                        if (pa[k] >= a_offset
                            && holds(pb, ty->tfs[j], (uint64_t)pa[k] - a_offset + b_offset))
                            first = pa[k] - a_offset;
                    postings_position_reader a, b;
                    uint32_t a_at;
                    cr_assert_eq(postings_position_reader_open(&cx, &a), 0);
                    int rc = postings_position_advance(&a, a_offset, &a_at);
                    if (rc == 1) {
                        cr_assert_eq(postings_position_reader_open(&cy, &b), 0);
                        rc = postings_position_meet(&a, a_offset, &b, b_offset);
                    }
                    cr_assert_eq(rc, first != UINT64_MAX, "%.*s %.*s doc %u offsets %u %u: %d",
                                 (int)tx->key_length, tx->key, (int)ty->key_length, ty->key,
                                 tx->docs[i], a_offset, b_offset, rc);
                    if (rc == 1) {
                        cr_assert_eq(a.position, first + a_offset, "%.*s %.*s doc %u",
                                     (int)tx->key_length, tx->key, (int)ty->key_length, ty->key,
                                     tx->docs[i]);
                        cr_assert_eq(b.position, first + b_offset);
                        met++;
                    } else {
                        missed++;
                    }
                }
                cr_assert_eq(cx.status, 0);
                cr_assert_eq(cy.status, 0);
            }
        }
    cr_assert_gt(met, 1000, "%lu pairs met", met);
    cr_assert_gt(missed, 1000, "%lu documents without a pair", missed);
    close_fixture(&f);
}

/* Positions read after jumps of 1 to 80 postings (next_geq), so that the
 * reader steps over chunks of the block's positions stream without
 * decoding them, lands inside the chunk it decoded last, and reads across
 * chunk boundaries (FORMAT.md 3.3), in blocks of one chunk and of many. */
Test(format, positions_after_jumps, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    testlib_rng rng;
    testlib_rng_seed(&rng, 31);
    uint32_t *buffer = malloc(100000 * sizeof *buffer);
    cr_assert_not_null(buffer);
    int saw_many_chunks = 0, saw_one_chunk = 0;
    for (size_t k = 0; k < f.data.term_count; k++) {
        const term_data *t = &f.data.terms[k];
        if (t->df <= SEGMENT_INLINE_MAX_DF || t->df > 5000)
            continue;
        for (int pass = 0; pass < 4; pass++) {
            segment_term term;
            cops_error err = {0};
            cr_assert_eq(segment_lookup(f.seg, t->key, t->key_length, &term, &err), 1);
            postings_cursor c;
            postings_open(&c, f.seg, &term);
            uint32_t longest = pass == 0 ? 2 : pass == 1 ? 9 : pass == 2 ? 40 : 80;
            for (uint32_t i = (uint32_t)testlib_rng_below(&rng, longest); i < t->df;
                 i += 1 + (uint32_t)testlib_rng_below(&rng, longest)) {
                cr_assert_eq(postings_next_geq(&c, t->docs[i]), t->docs[i]);
                check_positions(&c, t, i, buffer);
                if (pass == 3) /* read again, after reading went on into later chunks */
                    check_positions(&c, t, i, buffer);
                if (c.block_values > SEGMENT_BLOCK_SIZE)
                    saw_many_chunks = 1;
                else
                    saw_one_chunk = 1;
            }
            cr_assert_eq(c.status, 0);
        }
    }
    /* the fixture has both kinds of block, or this test proves little */
    cr_assert(saw_many_chunks);
    cr_assert(saw_one_chunk);
    free(buffer);
    close_fixture(&f);
}

/* postings_next_frequent against a linear scan: the first posting at or
 * after the target whose frequency reaches min_tf or that lies after
 * `last`, with ascending targets on one cursor, `last` inside a block, at
 * its end and beyond it, on a cursor whose first block's frequencies were
 * decoded before (read from the block's arrays) and on one untouched. */
Test(format, next_frequent_matches_linear_reference, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    testlib_rng rng;
    testlib_rng_seed(&rng, 11);
    size_t passed_over = 0;
    for (size_t k = 0; k < f.data.term_count; k++) {
        segment_term term;
        const term_data *t = round_trip_term(&f, k, &term);
        for (int round = 0; round < 4; round++) {
            postings_cursor c;
            postings_open(&c, f.seg, &term);
            if (round % 2)
                (void)postings_tf(&c); /* the first block's frequencies decoded at once */
            uint32_t min_tf = 1 + (uint32_t)testlib_rng_below(&rng, 4);
            uint64_t target = 0;
            uint32_t expected = 0;
            while (target < UINT32_MAX) {
                uint32_t last = (uint32_t)(target + testlib_rng_below(&rng, round < 2 ? 300 : 5000));
                while (expected < t->df && t->docs[expected] < target)
                    expected++;
                uint32_t from = expected;
                while (expected < t->df && t->docs[expected] <= last && t->tfs[expected] < min_tf)
                    expected++;
                passed_over += expected - from;
                uint32_t got = postings_next_frequent(&c, (uint32_t)target, last, min_tf);
                cr_assert_eq(got, expected < t->df ? t->docs[expected] : POSTINGS_END,
                             "key %.*s next_frequent(%llu, %u, tf %u)", (int)t->key_length,
                             t->key, (unsigned long long)target, last, min_tf);
                if (got == POSTINGS_END)
                    break;
                cr_assert_eq(postings_tf(&c), t->tfs[expected]);
                target = (uint64_t)got + 1 + testlib_rng_below(&rng, 3);
            }
        }
        cr_assert_eq(segment_damage(f.seg, NULL), 0);
    }
    cr_expect_gt(passed_over, 1000, "postings passed over: %zu", passed_over);
    close_fixture(&f);
}

Test(format, next_geq_matches_linear_reference, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    testlib_rng rng;
    testlib_rng_seed(&rng, 7);
    uint32_t *buffer = malloc(100000 * sizeof *buffer);
    cr_assert_not_null(buffer);
    for (size_t k = 0; k < f.data.term_count; k++) {
        segment_term term;
        const term_data *t = round_trip_term(&f, k, &term);
        /* targets: boundaries of every block, random, past the end */
        uint32_t targets[2048];
        size_t n = 0;
        targets[n++] = 0;
        targets[n++] = t->docs[0];
        targets[n++] = t->docs[t->df - 1];
        targets[n++] = t->docs[t->df - 1] + 1;
        targets[n++] = ROUND_TRIP_DOCUMENTS;
        targets[n++] = UINT32_MAX - 1;
        for (uint32_t b = 0; b < t->df && n + 6 < 1024; b += SEGMENT_BLOCK_SIZE) {
            uint32_t last = b + SEGMENT_BLOCK_SIZE - 1 < t->df ? b + SEGMENT_BLOCK_SIZE - 1 : t->df - 1;
            targets[n++] = t->docs[b];
            targets[n++] = t->docs[b] - (t->docs[b] > 0);
            targets[n++] = t->docs[last];
            targets[n++] = t->docs[last] + 1;
            targets[n++] = t->docs[(b + last) / 2];
        }
        while (n < 1200)
            targets[n++] = (uint32_t)testlib_rng_below(&rng, ROUND_TRIP_DOCUMENTS + 10);
        /* each target from a fresh cursor */
        for (size_t i = 0; i < n; i++) {
            postings_cursor c;
            postings_open(&c, f.seg, &term);
            uint32_t expected = linear_geq(t, targets[i]);
            uint32_t got = postings_next_geq(&c, targets[i]);
            cr_assert_eq(got, expected < t->df ? t->docs[expected] : POSTINGS_END,
                         "key %.*s next_geq(%u)", (int)t->key_length, t->key, targets[i]);
            if (expected < t->df) {
                cr_assert_eq(postings_tf(&c), t->tfs[expected]);
                check_positions(&c, t, expected, buffer);
                /* and on from there */
                uint32_t next = postings_next(&c);
                cr_assert_eq(next, expected + 1 < t->df ? t->docs[expected + 1] : POSTINGS_END);
            }
        }
        /* increasing targets on one cursor, as the query engine uses it */
        for (int round = 0; round < 4; round++) {
            postings_cursor c;
            postings_open(&c, f.seg, &term);
            uint64_t target = 0;
            uint32_t expected = 0;
            for (;;) {
                while (expected < t->df && t->docs[expected] < target)
                    expected++; /* the linear reference, walked along */
                uint32_t got = postings_next_geq(&c, (uint32_t)target);
                cr_assert_eq(got, expected < t->df ? t->docs[expected] : POSTINGS_END,
                             "key %.*s ascending next_geq(%llu)", (int)t->key_length, t->key,
                             (unsigned long long)target);
                if (got == POSTINGS_END)
                    break;
                if (round % 2 == 0)
                    check_positions(&c, t, expected, buffer);
                /* targets at or before the current document stay put */
                cr_assert_eq(postings_next_geq(&c, got), got);
                uint64_t step = round == 0 ? 1 : round == 1 ? 1 + testlib_rng_below(&rng, 50)
                                : round == 2 ? 1 + testlib_rng_below(&rng, 2000)
                                             : 1 + testlib_rng_below(&rng, 40000);
                target = (uint64_t)got + step;
                if (target >= UINT32_MAX)
                    break;
            }
        }
        cr_assert_eq(segment_damage(f.seg, NULL), 0);
    }
    free(buffer);
    close_fixture(&f);
}

/* postings_fill_window against the written lists: windows of random
 * sizes (inside one block, across several, starting past the cursor or
 * behind it) mark exactly the postings in [first, end) and leave the
 * cursor on the first at or past `end`; a frequency asked for after
 * windows that read document numbers only is still the written one. */
Test(format, fill_window_marks_exactly_the_postings_in_it, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    testlib_rng rng;
    testlib_rng_seed(&rng, 11);
    enum { MOST = 8192 };
    uint64_t window[MOST / 64];
    for (size_t k = 0; k < f.data.term_count; k++) {
        segment_term term;
        const term_data *t = round_trip_term(&f, k, &term);
        for (int round = 0; round < 3; round++) {
            postings_cursor c;
            postings_open(&c, f.seg, &term);
            uint32_t first = 0, next = 0; /* next: index of the first posting not yet passed */
            while (first < ROUND_TRIP_DOCUMENTS) {
                uint32_t size = round == 0 ? 64 : 1 + (uint32_t)testlib_rng_below(&rng, MOST);
                uint32_t end = first + size;
                memset(window, 0, sizeof window);
                uint32_t got = postings_fill_window(&c, window, first, end);
                while (next < t->df && t->docs[next] < first)
                    next++;
                for (uint32_t bit = 0; bit < size; bit++) {
                    int want = next < t->df && t->docs[next] == first + bit;
                    cr_assert_eq((window[bit / 64] >> (bit % 64)) & 1, (uint64_t)want,
                                 "key %.*s window [%u, %u) bit %u", (int)t->key_length, t->key,
                                 first, end, bit);
                    next += (uint32_t)want;
                }
                cr_assert_eq(got, next < t->df ? t->docs[next] : POSTINGS_END);
                if (got != POSTINGS_END && round == 2 && testlib_rng_below(&rng, 4) == 0)
                    cr_assert_eq(postings_tf(&c), t->tfs[next]);
                /* the next window from the cursor's posting or right after this one */
                first = round == 1 && got != POSTINGS_END ? got : end;
            }
        }
        cr_assert_eq(segment_damage(f.seg, NULL), 0);
    }
    close_fixture(&f);
}

typedef struct key_list {
    uint8_t keys[64][SEGMENT_MAX_KEY_BYTES];
    size_t lengths[64];
    uint32_t dfs[64];
    size_t count;
    size_t stop_after;
} key_list;

static int collect_key(void *context, const uint8_t *key, size_t key_length, const segment_term *term)
{
    key_list *list = context;
    cr_assert_lt(list->count, 64);
    memcpy(list->keys[list->count], key, key_length);
    list->lengths[list->count] = key_length;
    list->dfs[list->count] = term->df;
    list->count++;
    return list->stop_after && list->count == list->stop_after ? 77 : 0;
}

Test(format, prefix_scans, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    static const char *prefixes[] = {"", "p", "pre", "pref", "prefix", "prefixa", "prefixaa", "d",
                                     "df1", "df12", "df128", "\x01", "\x01" "b", "z", "zz", "zzz",
                                     "0", "\x7f", "a", "q"};
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        const char *prefix = prefixes[p];
        size_t length = strlen(prefix);
        key_list got;
        memset(&got, 0, sizeof got);
        cops_error err = {0};
        int rc = segment_scan_prefix(f.seg, (const uint8_t *)prefix, length, collect_key, &got, &err);
        cr_assert_eq(rc, 0, "prefix '%s': %s", prefix, err.message);
        size_t expected = 0;
        for (size_t k = 0; k < f.data.term_count; k++) {
            const term_data *t = &f.data.terms[k];
            if (t->key_length < length || memcmp(t->key, prefix, length) != 0)
                continue;
            cr_assert_lt(expected, got.count, "prefix '%s': key %.*s missing", prefix,
                         (int)t->key_length, t->key);
            cr_assert_eq(got.lengths[expected], t->key_length);
            cr_assert_eq(memcmp(got.keys[expected], t->key, t->key_length), 0,
                         "prefix '%s': key %zu", prefix, expected);
            cr_assert_eq(got.dfs[expected], t->df);
            expected++;
        }
        cr_assert_eq(got.count, expected, "prefix '%s': %zu keys, expected %zu", prefix, got.count,
                     expected);
        /* body prefixes never list title keys */
        if (length > 0 && prefix[0] != SEGMENT_FIELD_TITLE)
            for (size_t k = 0; k < got.count; k++)
                cr_assert_neq(got.keys[k][0], (uint8_t)SEGMENT_FIELD_TITLE);
    }
    /* a visitor's non-zero value stops the scan and is returned */
    key_list got;
    memset(&got, 0, sizeof got);
    got.stop_after = 2;
    cr_assert_eq(segment_scan_prefix(f.seg, (const uint8_t *)"pre", 3, collect_key, &got, NULL), 77);
    cr_assert_eq(got.count, 2);
    close_fixture(&f);
}

Test(format, documents_and_meta, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    const segment_meta *meta = segment_get_meta(f.seg);
    cr_assert_eq(meta->documents, f.data.meta.documents);
    cr_assert_eq(meta->body_tokens, f.data.meta.body_tokens);
    cr_assert_eq(meta->title_tokens, f.data.meta.title_tokens);
    cr_assert_eq(meta->terms, f.data.meta.terms);
    cr_assert_eq(meta->postings, f.data.meta.postings);
    cr_assert_str_eq(meta->language, "english");
    cr_assert_eq(meta->stem, 1);
    cr_assert_eq(segment_documents(f.seg), ROUND_TRIP_DOCUMENTS);
    for (uint32_t d = 0; d < f.data.doc_count; d++) {
        const doc_data *doc = &f.data.docs[d];
        cr_assert_eq(segment_body_length(f.seg, d), doc->body_length);
        cr_assert_eq(segment_title_length(f.seg, d), doc->title_length);
        cr_assert_eq(segment_date(f.seg, d), doc->date);
        if (d % 7 != 0 && d + 3 < f.data.doc_count)
            continue; /* stored text: a sample, and the last documents */
        segment_document stored;
        cops_error err = {0};
        cr_assert_eq(segment_read_document(f.seg, d, &stored, &err), 0, "%s", err.message);
        cr_assert_str_eq(stored.id, doc->id);
        cr_assert_str_eq(stored.title, doc->title);
        cr_assert_eq(stored.text_length, doc->text_length);
        cr_assert_eq(memcmp(stored.text, doc->text, doc->text_length), 0, "document %u text", d);
        cr_assert_eq(stored.text[stored.text_length], 0);
        segment_document_free(&stored);
    }
    segment_document stored;
    cr_assert_eq(segment_read_document(f.seg, ROUND_TRIP_DOCUMENTS, &stored, NULL), COPS_EINVAL);
    cops_index_stats stats;
    memset(&stats, 0, sizeof stats);
    segment_sizes(f.seg, &stats);
    cr_assert_gt(stats.bytes_postings + stats.bytes_positions + stats.bytes_dictionary, 0);
    cr_assert_gt(stats.bytes_documents, 0);
    close_fixture(&f);
}

/* A hit's metadata read in any order, and read again, is the document's:
 * the reader remembers where the records it stepped over start, so the
 * first read of a chunk (from its end, its middle, its start) and every
 * later one take different paths to the same record. */
static void assert_metadata(segment *seg, const segment_data *data, uint32_t d)
{
    segment_metadata meta;
    cops_error err = {0};
    cr_assert_eq(segment_read_metadata(seg, d, &meta, &err), 0, "%s", err.message);
    const doc_data *doc = &data->docs[d];
    cr_assert_eq(meta.id_length, strlen(doc->id), "document %u id", d);
    cr_assert_eq(memcmp(meta.id, doc->id, meta.id_length), 0, "document %u id", d);
    cr_assert_eq(meta.title_length, strlen(doc->title), "document %u title", d);
    cr_assert_eq(memcmp(meta.title, doc->title, meta.title_length), 0, "document %u title", d);
}

Test(format, metadata_in_any_order_is_the_documents, .timeout = 60)
{
    fixture f;
    open_round_trip(&f);
    uint32_t n = f.data.doc_count, chunk = LAYOUT_DOCMETA_CHUNK_DOCUMENTS;
    cr_assert_gt(n, 4 * chunk);
    /* chunk 1 from its last document down, chunk 2 from its middle out,
     * chunk 3 from its first up; then all of them again */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t d = 2 * chunk; d-- > chunk;)
            assert_metadata(f.seg, &f.data, d);
        for (uint32_t i = 0; i < chunk; i++)
            assert_metadata(f.seg, &f.data, 2 * chunk + (chunk / 2 + i * 37) % chunk);
        for (uint32_t d = 3 * chunk; d < 4 * chunk; d++)
            assert_metadata(f.seg, &f.data, d);
    }
    /* a sample of the rest, by a stride that crosses chunks both ways */
    for (uint32_t i = 0, d = 0; i < 4000; i++, d = (d + 7919) % n)
        assert_metadata(f.seg, &f.data, d);
    assert_metadata(f.seg, &f.data, n - 1);
    segment_metadata meta;
    cr_assert_eq(segment_read_metadata(f.seg, n, &meta, NULL), COPS_EINVAL);
    close_fixture(&f);
}

/* ========================================================= writer misuse */

/* A writer holding `documents` documents of `body_length` body words. */
static segment_writer *writer_with_bodies(const char *path, uint32_t documents,
                                          uint32_t body_length)
{
    segment_writer *w = NULL;
    cr_assert_eq(segment_writer_open(path, &w, NULL), 0);
    for (uint32_t d = 0; d < documents; d++)
        cr_assert_eq(segment_writer_add_document(w, "id", "title", 0, "text", 4, body_length, 1,
                                                 NULL),
                     0);
    return w;
}

/* A writer in a new temporary directory (*dir, to remove) at dir/seg.cops
 * (`path`), holding `documents` documents of `body_length` body words. */
static segment_writer *temp_writer(const char *tag, uint32_t documents, uint32_t body_length,
                                   char **dir, char path[512])
{
    *dir = testlib_tempdir(tag);
    snprintf(path, 512, "%s/seg.cops", *dir);
    return writer_with_bodies(path, documents, body_length);
}

static segment_writer *writer_with_documents(const char *path, uint32_t documents)
{
    return writer_with_bodies(path, documents, 1);
}

Test(format, writer_misuse_is_einval)
{
    char *dir = testlib_tempdir("misuse");
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    uint32_t one = 1;
    cops_error err = {0};

    /* the path must not exist */
    segment_writer *w = writer_with_documents(path, 3);
    segment_writer *second = NULL;
    cr_expect_neq(segment_writer_open(path, &second, &err), 0);
    segment_writer_abort(w);
    cr_expect_neq(access(path, F_OK), 0, "abort removes the file");

    static const struct {
        const char *first, *second;
    } out_of_order[] = {{"b", "a"}, {"b", "b"}, {"ba", "b"}, {"b", "\x01" "z"}};
    for (size_t i = 0; i < sizeof out_of_order / sizeof out_of_order[0]; i++) {
        w = writer_with_documents(path, 3);
        cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)out_of_order[i].first,
                                               strlen(out_of_order[i].first), &err), 0);
        cr_assert_eq(segment_writer_add_posting(w, 0, &one, 1, &err), 0);
        cr_assert_eq(segment_writer_end_term(w, &err), 0);
        cr_expect_eq(segment_writer_begin_term(w, (const uint8_t *)out_of_order[i].second,
                                               strlen(out_of_order[i].second), &err),
                     COPS_EINVAL, "key '%s' after '%s'", out_of_order[i].second,
                     out_of_order[i].first);
        segment_writer_abort(w);
    }

    w = writer_with_documents(path, 3);
    cr_expect_eq(segment_writer_begin_term(w, (const uint8_t *)"", 0, &err), COPS_EINVAL);
    uint8_t long_key[SEGMENT_MAX_KEY_BYTES + 1];
    memset(long_key, 'k', sizeof long_key);
    cr_expect_eq(segment_writer_begin_term(w, long_key, sizeof long_key, &err), COPS_EINVAL);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"k", 1, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 1, &one, 1, &err), 0);
    cr_expect_eq(segment_writer_add_posting(w, 1, &one, 1, &err), COPS_EINVAL, "same document");
    cr_expect_eq(segment_writer_add_posting(w, 0, &one, 1, &err), COPS_EINVAL, "earlier document");
    cr_expect_eq(segment_writer_add_posting(w, 3, &one, 1, &err), COPS_EINVAL, "beyond the count");
    cr_expect_eq(segment_writer_add_posting(w, UINT32_MAX, &one, 1, &err), COPS_EINVAL);
    cr_expect_eq(segment_writer_add_posting(w, 2, &one, 0, &err), COPS_EINVAL, "tf 0");
    cr_expect_eq(err.code, COPS_EINVAL);
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = 3;
    snprintf(meta.language, sizeof meta.language, "none");
    cr_expect_eq(segment_writer_finish(w, &meta, NULL, &err), COPS_EINVAL, "finish inside a term");
    cr_expect_neq(access(path, F_OK), 0, "a failed finish removes the file");

    w = writer_with_documents(path, 2);
    cr_expect_eq(segment_writer_end_term(w, &err), COPS_EINVAL, "end without begin");
    cr_expect_eq(segment_writer_add_posting(w, 0, &one, 1, &err), COPS_EINVAL, "posting outside a term");
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"k", 1, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 0, &one, 1, &err), 0);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    cr_expect_eq(segment_writer_add_document(w, "late", "", 0, "x", 1, 1, 0, &err), COPS_EINVAL,
                 "document after postings");
    meta.documents = 5;
    cr_expect_eq(segment_writer_finish(w, &meta, NULL, &err), COPS_EINVAL, "meta count mismatch");
    cr_expect_neq(access(path, F_OK), 0);

    /* positions must increase inside a posting */
    w = writer_with_documents(path, 2);
    uint32_t backwards[2] = {5, 3};
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"k", 1, &err), 0);
    cr_expect_eq(segment_writer_add_posting(w, 0, backwards, 2, &err), COPS_EINVAL);
    segment_writer_abort(w);
    segment_writer_abort(NULL);
    testlib_remove_tree(dir);
}

/* Finish `w` as an unstemmed segment with these META figures; every
 * document of these tests has a one-word title. */
static void finish_unstemmed(segment_writer *w, uint64_t documents, uint64_t body_tokens,
                             uint64_t terms, uint64_t postings)
{
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = documents;
    meta.body_tokens = body_tokens;
    meta.title_tokens = documents;
    meta.terms = terms;
    meta.postings = postings;
    snprintf(meta.language, sizeof meta.language, "none");
    cops_error err = {0};
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
}

/* A position given twice for one term (in one call, or across the call
 * that extends a posting) is kept once, and tf counts the distinct ones:
 * the positions stream cannot hold a zero gap (FORMAT.md 3.3). */
Test(format, repeated_position_is_kept_once)
{
    char *dir = testlib_tempdir("repeat");
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    cops_error err = {0};
    segment_writer *w = writer_with_documents(path, 2);
    uint32_t first[3] = {3, 3, 5}, more[2] = {5, 7}, other[2] = {0, 0};
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"k", 1, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 0, first, 3, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_extend_posting(w, more, 2, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_add_posting(w, 1, other, 2, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    finish_unstemmed(w, 2, 0, 1, 2);

    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)"k", 1, &term, &err), 1);
    cr_expect_eq(term.cf, 4);
    postings_cursor c;
    postings_open(&c, seg, &term);
    uint32_t positions[8];
    cr_assert_eq(postings_tf(&c), 3);
    cr_assert_eq(postings_positions(&c, positions), 3);
    cr_expect(positions[0] == 3 && positions[1] == 5 && positions[2] == 7);
    cr_assert_eq(postings_next(&c), 1);
    cr_assert_eq(postings_positions(&c, positions), 1);
    cr_expect_eq(positions[0], 0);
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* Stored texts for the prefix reads: a block of one 20,000-byte
 * document, then a block of five short ones (the writer closes a block
 * past 4 KiB). */
enum { PREFIX_LONG = 20000, PREFIX_DOCUMENTS = 6 };
static char prefix_texts[PREFIX_DOCUMENTS][PREFIX_LONG + 1];
static size_t prefix_lengths[PREFIX_DOCUMENTS];

static segment *open_prefix_segment(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    cops_error err = {0};
    segment_writer *w = NULL;
    cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
    for (uint32_t d = 0; d < PREFIX_DOCUMENTS; d++) {
        prefix_lengths[d] = d == 0 ? PREFIX_LONG : 700 + 100 * d;
        for (size_t i = 0; i < prefix_lengths[d]; i++)
            prefix_texts[d][i] = (char)('a' + (i * 7 + d + i / 13) % 26);
        char id[16];
        snprintf(id, sizeof id, "doc%u", d);
        cr_assert_eq(segment_writer_add_document(w, id, "title", 0, prefix_texts[d],
                                                 prefix_lengths[d], 1, 1, &err), 0, "%s",
                     err.message);
    }
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = PREFIX_DOCUMENTS;
    snprintf(meta.language, sizeof meta.language, "none");
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    return seg;
}

/* 1 when document d's read of `max_text` bytes is its identifier, title,
 * lengths and the written text's first bytes. */
static int prefix_read_is_right(segment *seg, uint32_t d, size_t max_text)
{
    segment_document stored;
    if (segment_read_document_prefix(seg, d, max_text, &stored, NULL) != 0)
        return 0;
    size_t want = max_text < prefix_lengths[d] ? max_text : prefix_lengths[d];
    char id[16];
    snprintf(id, sizeof id, "doc%u", d);
    int right = strcmp(stored.id, id) == 0 && strcmp(stored.title, "title") == 0
                && stored.text_length == want && stored.stored_length == prefix_lengths[d]
                && memcmp(stored.text, prefix_texts[d], want) == 0 && stored.text[want] == 0;
    segment_document_free(&stored);
    return right;
}

/* segment_read_document_prefix: a prefix of less than half of the first
 * document's block is streamed (segment_document_inflated_whole says 0),
 * a longer one and any prefix of another document come from the whole
 * block; every read is the written text's beginning. */
Test(format, document_prefixes_streamed_or_whole)
{
    char *dir = testlib_tempdir("prefix");
    segment *seg = open_prefix_segment(dir);
    cr_expect_eq(segment_document_inflated_whole(seg, 0, 4096), 0);
    /* the block: the text's 3-byte length, then the text */
    cr_expect_eq(segment_document_inflated_whole(seg, 0, PREFIX_LONG / 2 + 2), 1);
    cr_expect_eq(segment_document_inflated_whole(seg, 1, 10), 0);
    cr_expect_eq(segment_document_inflated_whole(seg, 1, 3000), 1);
    cr_expect_eq(segment_document_inflated_whole(seg, 2, 10), 1, "not the block's first");
    static const size_t prefixes[] = {1, 100, 4096, 9999, 10000, PREFIX_LONG - 1, PREFIX_LONG,
                                      PREFIX_LONG + 5, SIZE_MAX};
    for (uint32_t d = 0; d < PREFIX_DOCUMENTS; d++)
        for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++)
            cr_expect(prefix_read_is_right(seg, d, prefixes[p]), "document %u, prefix %zu", d,
                      prefixes[p]);
    cr_expect_eq(segment_damage(seg, NULL), 0);
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* segment_document_extend: a read cut from a block over 64 KiB (streamed)
 * goes on where it stopped, step by step to the whole text, every step
 * the written text's beginning, ended by a NUL; one from a smaller block
 * (which a fresh read inflates whole) and a whole text are read as they
 * would be afresh. */
Test(format, document_reads_extended)
{
    enum { LONG = 150000 };
    static char long_text[LONG];
    for (size_t i = 0; i < LONG; i++)
        long_text[i] = (char)('a' + (i * 7 + i / 13 + i / 1000) % 26);
    char *dir = testlib_tempdir("extend");
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    cops_error err = {0};
    segment_writer *w = NULL;
    cr_assert_eq(segment_writer_open(path, &w, &err), 0, "%s", err.message);
    static const size_t lengths[] = {LONG, 20000, 300};
    for (uint32_t d = 0; d < 3; d++)
        cr_assert_eq(segment_writer_add_document(w, d == 0 ? "long" : d == 1 ? "mid" : "short",
                                                 "title", 0, long_text, lengths[d], 1, 1, &err),
                     0, "%s", err.message);
    segment_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.documents = 3;
    snprintf(meta.language, sizeof meta.language, "none");
    cr_assert_eq(segment_writer_finish(w, &meta, NULL, &err), 0, "%s", err.message);
    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    static const size_t steps[] = {4096, 4000, 4097, 32768, 70000, 70001, SIZE_MAX, 10};
    for (uint32_t d = 0; d < 3; d++) {
        segment_document stored;
        cr_assert_eq(segment_read_document_prefix(seg, d, 100, &stored, &err), 0, "%s",
                     err.message);
        size_t have = lengths[d] < 100 ? lengths[d] : 100;
        /* each begins its block, and 100 bytes are less than half of it:
         * streamed, the inflation kept to go on with */
        cr_expect_not_null(stored.stream_, "document %u", d);
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            cr_assert_eq(segment_document_extend(seg, d, steps[k], &stored, &err), 0, "%s",
                         err.message);
            if (steps[k] > have)
                have = steps[k] < lengths[d] ? steps[k] : lengths[d];
            cr_expect_eq(stored.text_length, have, "document %u, step %zu", d, steps[k]);
            cr_expect_eq(stored.stored_length, lengths[d]);
            cr_expect_eq(memcmp(stored.text, long_text, have), 0, "document %u, step %zu", d,
                         steps[k]);
            cr_expect_eq(stored.text[have], 0, "document %u, step %zu", d, steps[k]);
            cr_expect_str_eq(stored.title, "title");
        }
        cr_expect_null(stored.stream_, "document %u: its whole text is read", d);
        segment_document_free(&stored);
    }
    cr_expect_eq(segment_damage(seg, NULL), 0);
    segment_close(seg);
    testlib_remove_tree(dir);
}

static void *read_prefixes(void *context)
{
    segment *seg = context;
    size_t wrong = 0;
    for (int round = 0; round < 200; round++)
        for (uint32_t d = 0; d < PREFIX_DOCUMENTS; d++)
            wrong += !prefix_read_is_right(seg, d, round % 2 ? SIZE_MAX : 100);
    return (void *)wrong;
}

/* Threads reading one segment's texts at once share its kept
 * decompressor (taken by one, allocated afresh by another meanwhile, one
 * kept after): every read is right (and the sanitizer builds see no race
 * or leak). */
Test(format, document_reads_in_threads, .timeout = 60)
{
    char *dir = testlib_tempdir("prefix-threads");
    segment *seg = open_prefix_segment(dir);
    pthread_t threads[4];
    for (int t = 0; t < 4; t++)
        cr_assert_eq(pthread_create(&threads[t], NULL, read_prefixes, seg), 0);
    for (int t = 0; t < 4; t++) {
        void *wrong = NULL;
        pthread_join(threads[t], &wrong);
        cr_expect_eq((size_t)wrong, 0, "thread %d: %zu wrong reads", t, (size_t)wrong);
    }
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* An inline list stores its block of tf - 1 only when df and cf do not
 * imply it (FORMAT.md 3.4), and the length of its positions nowhere: the
 * three shapes read back, the implied ones take only their gaps' block,
 * and the checker accepts the segment. */
Test(format, inline_lists_store_only_the_frequencies_df_and_cf_leave_open)
{
    char *dir, path[512];
    cops_error err = {0};
    segment_writer *w = temp_writer("inline-tf", 3, 300, &dir, path);
    /* "all": every tf 1; "many": one posting holding 200 positions (two
     * chunks); "mixed": tf 1 then 3 */
    static uint32_t many[200];
    for (uint32_t i = 0; i < 200; i++)
        many[i] = i + 50;
    const uint32_t one[1] = {7}, three[3] = {2, 9, 40};
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"all", 3, &err), 0);
    for (uint32_t d = 0; d < 3; d++)
        cr_assert_eq(segment_writer_add_posting(w, d, one, 1, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"many", 4, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 2, many, 200, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"mixed", 5, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 0, one, 1, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_add_posting(w, 1, three, 3, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    finish_unstemmed(w, 3, 900, 3, 6);
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), 0, "%s", err.message);

    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    const struct {
        const char *key;
        uint32_t df, tfs[3];
        int tfs_stored;
    } expected[] = {{"all", 3, {1, 1, 1}, 0}, {"many", 1, {200}, 0}, {"mixed", 2, {1, 3}, 1}};
    for (size_t k = 0; k < 3; k++) {
        segment_term term;
        cr_assert_eq(segment_lookup(seg, (const uint8_t *)expected[k].key,
                                    strlen(expected[k].key), &term, &err),
                     1, "%s", expected[k].key);
        cr_assert_eq(term.df, expected[k].df);
        /* so few documents are numbers of 2 bits (FORMAT.md 3.4 "fixed-ids") */
        size_t gaps = codec_packed_bytes(segment_doc_width(3), term.df);
        cr_expect_eq(term.docs_length > gaps, expected[k].tfs_stored, "%s", expected[k].key);
        postings_cursor c;
        postings_open(&c, seg, &term);
        uint32_t positions[200];
        for (uint32_t i = 0; i < term.df; i++) {
            cr_assert_eq(postings_tf(&c), expected[k].tfs[i], "%s posting %u", expected[k].key, i);
            cr_assert_eq(postings_positions(&c, positions), expected[k].tfs[i]);
            const uint32_t *written = expected[k].tfs[i] == 200 ? many
                                      : expected[k].tfs[i] == 3 ? three : one;
            cr_expect_arr_eq(positions, written, expected[k].tfs[i] * sizeof *positions);
            cr_assert_eq(postings_next(&c) != POSTINGS_END, i + 1 < term.df, "%s", expected[k].key);
        }
    }
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* ========================================================== corruption */

static const term_spec small_terms[] = {
    {"\x01" "head", 40, 3, 0, 0},
    {"alpha", 3, 4, 0, 0},
    {"beta", 60, 6, 0, 0},
    {"blocked", 200, 5, 0, 0},
    {"gamma", 150, 300, 0, 1},
};

#define SMALL_DOCUMENTS 260u

static uint64_t fnv(uint64_t h, const void *data, size_t length)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < length; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int count_key(void *context, const uint8_t *key, size_t key_length, const segment_term *term)
{
    uint64_t *h = context;
    *h = fnv(*h, key, key_length);
    *h = fnv(*h, &term->df, sizeof term->df);
    return 0;
}

/* Open `path` and read everything through every reader entry point.
 * Returns 0 with a digest of what was read, or the first error met
 * (open failure, failing call, or recorded damage). */
static int read_everything(const char *path, const segment_data *data, uint64_t *digest)
{
    segment *seg = NULL;
    cops_error err = {0};
    int rc = segment_open(path, &seg, &err);
    if (rc != 0) {
        cr_assert(rc == COPS_ECORRUPT || rc == COPS_EVERSION, "open: %d %s", rc, err.message);
        cr_assert_eq(seg, NULL);
        return rc;
    }
    uint64_t h = 1469598103934665603ull;
    const segment_meta *meta = segment_get_meta(seg);
    h = fnv(h, meta, sizeof *meta);
    uint32_t documents = segment_documents(seg);
    int failed = 0;
    uint32_t positions[4096];
    for (uint32_t d = 0; d < documents && d < SMALL_DOCUMENTS + 5; d++) {
        uint32_t v[3] = {segment_body_length(seg, d), segment_title_length(seg, d),
                         segment_date(seg, d)};
        h = fnv(h, v, sizeof v);
        if (d % 4 != 0 && d + 1 != documents)
            continue; /* over four per stored-document block (4 KiB): every block is
                       * decoded, or a flip in DOCSTORE goes unnoticed and the test fails */
        segment_document stored;
        int r = segment_read_document(seg, d, &stored, &err);
        if (r != 0) {
            cr_assert(r == COPS_ECORRUPT, "read_document: %d", r);
            failed = r;
            continue;
        }
        h = fnv(h, stored.id, strlen(stored.id) + 1);
        h = fnv(h, stored.title, strlen(stored.title) + 1);
        h = fnv(h, stored.text, stored.text_length);
        segment_document_free(&stored);
    }
    for (size_t k = 0; k < data->term_count; k++) {
        const term_data *t = &data->terms[k];
        segment_term term;
        int found = segment_lookup(seg, t->key, t->key_length, &term, &err);
        h = fnv(h, &found, sizeof found);
        if (found < 0) {
            cr_assert_eq(found, COPS_ECORRUPT);
            failed = found;
            continue;
        }
        if (!found)
            continue;
        h = fnv(h, &term.df, sizeof term.df);
        h = fnv(h, &term.cf, sizeof term.cf);
        postings_cursor c;
        postings_open(&c, seg, &term);
        uint32_t steps = 0;
        for (uint32_t doc = c.doc; doc != POSTINGS_END && steps < 100000; doc = postings_next(&c), steps++) {
            h = fnv(h, &doc, sizeof doc);
            uint32_t tf = postings_tf(&c);
            h = fnv(h, &tf, sizeof tf);
            if (tf <= 4096) {
                int n = postings_positions(&c, positions);
                if (n > 0)
                    h = fnv(h, positions, (size_t)n * sizeof *positions);
                else
                    h = fnv(h, &n, sizeof n);
            }
            postings_block_bound bound;
            postings_block_bound_at(&c, c.doc, &bound); /* damaged: must not crash */
        }
        /* skipping through the skip table */
        postings_open(&c, seg, &term);
        for (uint32_t target = 0; target < SMALL_DOCUMENTS + 2; target += 37) {
            uint32_t doc = postings_next_geq(&c, target);
            h = fnv(h, &doc, sizeof doc);
        }
    }
    uint8_t empty = 0;
    int scanned = segment_scan_prefix(seg, &empty, 0, count_key, &h, &err);
    if (scanned < 0)
        failed = scanned;
    int damage = segment_damage(seg, &err);
    if (damage)
        failed = damage;
    segment_close(seg);
    *digest = h;
    return failed;
}

typedef struct section_range {
    uint32_t kind;
    uint64_t offset, length;
} section_range;

static size_t parse_sections(const uint8_t *file, size_t size, section_range *out, size_t capacity,
                             uint64_t *toc_offset, uint64_t *toc_length)
{
    const uint8_t *trailer = file + size - LAYOUT_TRAILER_BYTES;
    *toc_offset = layout_get_u64(trailer);
    *toc_length = layout_get_u32(trailer + 8);
    const uint8_t *toc = file + *toc_offset;
    uint32_t count = layout_get_u32(toc);
    cr_assert_leq(count, capacity);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = toc + 4 + (size_t)i * LAYOUT_TOC_ENTRY_BYTES;
        out[i].kind = layout_get_u32(e);
        out[i].offset = layout_get_u64(e + 8);
        out[i].length = layout_get_u64(e + 16);
    }
    return count;
}

static const char *section_name(uint32_t kind)
{
    static const char *names[] = {"?", "META", "DOCLENGTHS", "DOCDATES", "DOCSTORE",
                                  "DOCINDEX", "POSTINGS", "DICTIONARY", "DICTINDEX",
                                  "DOCMETA", "DOCMETAINDEX", "CHUNKCRCS"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* A segment written to a new temporary directory, with its bytes and its
 * sections, for tests that damage a copy. */
typedef struct damage_fixture {
    char *dir;
    segment_data data;
    uint8_t *original;
    size_t size;
    section_range sections[16];
    size_t count;
} damage_fixture;

static void open_damage_fixture(damage_fixture *f, const char *name, uint64_t seed,
                                uint32_t documents, const term_spec *terms, size_t term_count)
{
    f->dir = testlib_tempdir(name);
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", f->dir);
    make_data(&f->data, seed, documents, terms, term_count);
    write_segment(&f->data, path);
    f->original = testlib_read_file(path, &f->size);
    uint64_t toc_offset, toc_length;
    f->count = parse_sections(f->original, f->size, f->sections, 16, &toc_offset, &toc_length);
}

static void close_damage_fixture(damage_fixture *f)
{
    free(f->original);
    free_data(&f->data);
    testlib_remove_tree(f->dir);
}

Test(format, corruption_is_detected_and_never_crashes, .timeout = 120)
{
    char *dir = testlib_tempdir("corrupt");
    char path[512], damaged[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    snprintf(damaged, sizeof damaged, "%s/damaged.cops", dir);
    segment_data data;
    make_data(&data, 9, SMALL_DOCUMENTS, small_terms, sizeof small_terms / sizeof small_terms[0]);
    write_segment(&data, path);
    size_t size;
    uint8_t *original = testlib_read_file(path, &size);
    cr_assert_not_null(original);
    uint64_t clean_digest;
    cr_assert_eq(read_everything(path, &data, &clean_digest), 0);

    section_range sections[16];
    uint64_t toc_offset, toc_length;
    size_t section_count = parse_sections(original, size, sections, 16, &toc_offset, &toc_length);
    cr_assert_eq(section_count, SECTION_KIND_COUNT - 1);

    uint8_t *copy = malloc(size);
    cr_assert_not_null(copy);
    size_t flips = 0, detected = 0, harmless = 0;
    size_t stride = size > 1500 ? size / 1500 : 1;
    for (size_t offset = 0; offset < size; offset += (offset < 64 || offset + 64 > size) ? 1 : stride) {
        static const uint8_t masks[] = {0x01, 0x80, 0xff};
        uint8_t mask = masks[offset % 3];
        memcpy(copy, original, size);
        copy[offset] ^= mask;
        unlink(damaged);
        free(testlib_write_file(dir, "damaged.cops", copy, size));
        uint64_t digest = 0;
        int rc = read_everything(damaged, &data, &digest);
        flips++;
        const char *where = "header/trailer";
        uint32_t kind = 0;
        for (size_t s = 0; s < section_count; s++)
            if (offset >= sections[s].offset && offset < sections[s].offset + sections[s].length) {
                kind = sections[s].kind;
                where = section_name(kind);
            }
        if (offset >= toc_offset && offset < toc_offset + toc_length)
            where = "table of contents";
        if (rc != 0) {
            detected++;
            continue;
        }
        /* undetected: allowed only when nothing read changed */
        cr_expect_eq(digest, clean_digest,
                     "flipping byte %zu (^0x%02x, in %s) changed what is read without any "
                     "COPS_ECORRUPT", offset, mask, where);
        harmless++;
        /* these areas are always checked */
        cr_expect(!(offset < 8), "a flip in the magic (byte %zu) went unnoticed", offset);
        cr_expect(!(offset >= toc_offset && offset < toc_offset + toc_length),
                  "a flip in the table of contents (byte %zu) went unnoticed", offset);
        cr_expect(kind != SECTION_META && kind != SECTION_DOCSTORE && kind != SECTION_DOCLENGTHS
                      && kind != SECTION_DOCDATES && kind != SECTION_DOCINDEX
                      && kind != SECTION_DICTINDEX,
                  "a flip in %s (byte %zu) went unnoticed", where, offset);
    }
    fprintf(stderr, "# corruption: %zu-byte segment, %zu single-byte flips, %zu detected, %zu "
            "harmless\n", size, flips, detected, harmless);

    /* truncation at many lengths: never opens as a whole segment */
    size_t truncations = 0;
    for (size_t length = 0; length < size; length += length < 64 ? 1 : (size / 300 + 1)) {
        unlink(damaged);
        free(testlib_write_file(dir, "damaged.cops", original, length));
        uint64_t digest;
        int rc = read_everything(damaged, &data, &digest);
        cr_expect_neq(rc, 0, "a segment truncated to %zu of %zu bytes opened", length, size);
        truncations++;
    }
    fprintf(stderr, "# corruption: %zu truncations rejected\n", truncations);

    /* the untouched file still reads back whole */
    uint64_t digest;
    cr_assert_eq(read_everything(path, &data, &digest), 0);
    cr_assert_eq(digest, clean_digest);
    free(copy);
    free(original);
    free_data(&data);
    testlib_remove_tree(dir);
}

Test(format, targeted_damage_is_ecorrupt)
{
    damage_fixture f;
    open_damage_fixture(&f, "damage", 11, SMALL_DOCUMENTS, small_terms,
                        sizeof small_terms / sizeof small_terms[0]);
    char *dir = f.dir;
    segment_data data = f.data;
    uint8_t *original = f.original;
    size_t size = f.size, count = f.count;
    const section_range *sections = f.sections;
    /* the middle byte of every section */
    for (size_t s = 0; s < count; s++) {
        if (sections[s].length == 0)
            continue;
        uint8_t *copy = malloc(size);
        memcpy(copy, original, size);
        copy[sections[s].offset + sections[s].length / 2] ^= 0x10;
        char name[32];
        snprintf(name, sizeof name, "s%zu.cops", s);
        char *damaged = testlib_write_file(dir, name, copy, size);
        uint64_t digest;
        int rc = read_everything(damaged, &data, &digest);
        cr_expect_eq(rc, COPS_ECORRUPT, "damage in the middle of %s not reported",
                     section_name(sections[s].kind));
        free(damaged);
        free(copy);
    }
    /* version bytes: COPS_EVERSION */
    uint8_t *copy = malloc(size);
    memcpy(copy, original, size);
    copy[8] ^= 1;
    char *damaged = testlib_write_file(dir, "version.cops", copy, size);
    segment *seg = NULL;
    cops_error err = {0};
    cr_expect_eq(segment_open(damaged, &seg, &err), COPS_EVERSION);
    cr_expect_null(seg);
    free(damaged);
    /* a missing file */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.cops", dir);
    cr_expect_neq(segment_open(missing, &seg, &err), 0);
    cr_expect_null(seg);
    free(copy);
    close_damage_fixture(&f);
}

/* The per-document tables are checked 4 KiB at a time when read, not at
 * open (FORMAT.md 3.7a): damage in one chunk of DOCLENGTHS or DOCDATES
 * lets the segment open and the other chunks read, and is reported, with
 * its chunk's offset, by the first read inside it. */
Test(format, document_tables_are_checked_chunk_by_chunk, .timeout = 60)
{
    damage_fixture f;
    open_damage_fixture(&f, "chunks", 5, ROUND_TRIP_DOCUMENTS, round_trip_terms, 3);
    char *dir = f.dir;
    const segment_data data = f.data;
    uint8_t *original = f.original;
    size_t size = f.size, count = f.count;
    const section_range *sections = f.sections;
    const uint32_t kinds[] = {SECTION_DOCLENGTHS, SECTION_DOCDATES};
    for (size_t k = 0; k < 2; k++) {
        const section_range *s = NULL;
        for (size_t i = 0; i < count; i++)
            if (sections[i].kind == kinds[k])
                s = &sections[i];
        cr_assert_not_null(s);
        cr_assert_gt(s->length, 3 * LAYOUT_CHUNK_BYTES, "the table spans several chunks");
        uint8_t *copy = malloc(size);
        memcpy(copy, original, size);
        /* the fixture's widths (FORMAT.md 3.7): body lengths below 5000, dates */
        const char *width_line = kinds[k] == SECTION_DOCDATES ? "date_bytes 4\n"
                                                              : "body_length_bytes 2\n";
        cr_assert_not_null(memmem(original, size, width_line, strlen(width_line)), "%s", width_line);
        uint32_t width = kinds[k] == SECTION_DOCDATES ? 4 : 2;
        uint64_t damaged_at = s->offset + 2 * LAYOUT_CHUNK_BYTES + 100;
        copy[damaged_at] ^= 0x01;
        char *damaged = testlib_write_file(dir, "chunk.cops", copy, size);
        segment *seg = NULL;
        cops_error err = {0};
        cr_assert_eq(segment_open(damaged, &seg, &err), 0, "%s", err.message);
        /* a document whose entry lies in chunk 0, then one in chunk 2 */
        uint32_t intact_doc = 7, damaged_doc = (uint32_t)((2 * LAYOUT_CHUNK_BYTES + 100) / width);
        uint32_t expected = kinds[k] == SECTION_DOCDATES ? data.docs[intact_doc].date
                                                         : data.docs[intact_doc].body_length;
        uint32_t got = kinds[k] == SECTION_DOCDATES ? segment_date(seg, intact_doc)
                                                    : segment_body_length(seg, intact_doc);
        cr_assert_eq(got, expected);
        cr_assert_eq(segment_damage(seg, NULL), 0, "nothing damaged read yet");
        got = kinds[k] == SECTION_DOCDATES ? segment_date(seg, damaged_doc)
                                           : segment_body_length(seg, damaged_doc);
        cr_assert_eq(got, 0, "a damaged chunk reads as 0");
        cr_assert_eq(segment_damage(seg, &err), COPS_ECORRUPT, "%s", section_name(kinds[k]));
        char where[64];
        snprintf(where, sizeof where, "at byte %llu",
                 (unsigned long long)(s->offset + 2 * LAYOUT_CHUNK_BYTES));
        cr_assert_not_null(strstr(err.message, where), "%s: %s", where, err.message);
        segment_close(seg);
        free(damaged);
        free(copy);
    }
    close_damage_fixture(&f);
}

/* `data` written to <a new temporary folder>/<tag>.cops (its path into
 * `path`), which the checker passes; returns the folder. */
static char *write_checked_segment(const segment_data *data, const char *tag, char path[512])
{
    char *dir = testlib_tempdir(tag);
    snprintf(path, 512, "%s/%s.cops", dir, tag);
    write_segment(data, path);
    cops_error err = {0};
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), 0, "%s", err.message);
    return dir;
}

/* The per-document tables take the bytes their largest value needs
 * (FORMAT.md 3.7): body lengths below 256 take one byte, title lengths up
 * to 1000 two, no date none.  With an odd document count the title table
 * starts at an odd offset, so one title length straddles two 4 KiB chunks:
 * it reads whole, and as 0 (recorded) when either chunk is damaged. */
Test(format, document_tables_are_narrow)
{
    static const term_spec terms[] = {{"a", 1, 1, 0, 0}};
    enum { DOCUMENTS = 5001, STRADDLING = (2 * LAYOUT_CHUNK_BYTES - 1 - DOCUMENTS) / 2 };
    segment_data data;
    make_data(&data, 11, DOCUMENTS, terms, 1);
    data.meta.body_tokens = data.meta.title_tokens = 0;
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        data.docs[d].date = 0;
        data.docs[d].body_length = 10 + d % 240; /* past the term's positions */
        data.docs[d].title_length = d % 1001;
        data.meta.body_tokens += 10 + d % 240;
        data.meta.title_tokens += d % 1001;
    }
    char path[512];
    char *dir = write_checked_segment(&data, "narrow", path);
    cops_error err = {0};
    size_t size = 0;
    uint8_t *bytes = testlib_read_file(path, &size);
    section_range sections[16];
    uint64_t toc_offset, toc_length;
    size_t count = parse_sections(bytes, size, sections, 16, &toc_offset, &toc_length);
    const section_range *lengths = NULL, *dates = NULL;
    for (size_t i = 0; i < count; i++) {
        if (sections[i].kind == SECTION_DOCLENGTHS)
            lengths = &sections[i];
        if (sections[i].kind == SECTION_DOCDATES)
            dates = &sections[i];
    }
    cr_assert(lengths && dates);
    cr_assert_eq(lengths->length, 3 * DOCUMENTS, "a byte a body length, two a title length");
    cr_assert_eq(dates->length, 0, "no date, not reordered");
    segment *seg = NULL;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    for (uint32_t d = 0; d < DOCUMENTS; d++) {
        cr_assert_eq(segment_body_length(seg, d), 10 + d % 240);
        cr_assert_eq(segment_title_length(seg, d), d % 1001);
        cr_assert_eq(segment_date(seg, d), 0);
        cr_assert_eq(segment_insertion_order(seg, d), d);
    }
    cr_assert_not(segment_is_reordered(seg));
    segment_close(seg);
    uint64_t straddle = lengths->offset + DOCUMENTS + 2 * (uint64_t)STRADDLING;
    cr_assert_eq((straddle - lengths->offset) / LAYOUT_CHUNK_BYTES + 1,
                 (straddle + 1 - lengths->offset) / LAYOUT_CHUNK_BYTES, "it straddles two chunks");
    bytes[straddle + 1 + 100] ^= 0x01; /* the second chunk */
    char *damaged = testlib_write_file(dir, "damaged.cops", bytes, size);
    cr_assert_eq(segment_open(damaged, &seg, &err), 0, "%s", err.message);
    cr_assert_eq(segment_title_length(seg, 0), 0);
    cr_assert_eq(segment_title_length(seg, STRADDLING - 1), (STRADDLING - 1) % 1001);
    cr_assert_eq(segment_damage(seg, NULL), 0, "nothing damaged read yet");
    cr_assert_eq(segment_title_length(seg, STRADDLING), 0, "a damaged chunk reads as 0");
    cr_assert_eq(segment_damage(seg, &err), COPS_ECORRUPT);
    segment_close(seg);
    free(damaged);
    free(bytes);
    free_data(&data);
    free(dir);
}

/* An identifier that is a decimal number is kept as one (FORMAT.md
 * 3.2a), and reads back as it was given; any other stays text: leading
 * zeros, signs, 2^63 and beyond, the empty one. */
Test(format, numeric_identifiers_round_trip)
{
    static const char *const ids[] = {"339",  "0",   "007", "-5", "12a", "", "9223372036854775807",
                                      "9223372036854775808", "18446744073709551616", "56640763"};
    enum { DOCUMENTS = sizeof ids / sizeof ids[0] };
    static const term_spec terms[] = {{"a", 1, 1, 0, 0}};
    segment_data data;
    make_data(&data, 12, DOCUMENTS, terms, 1);
    for (uint32_t d = 0; d < DOCUMENTS; d++)
        snprintf(data.docs[d].id, sizeof data.docs[d].id, "%s", ids[d]);
    char path[512];
    char *dir = write_checked_segment(&data, "ids", path);
    cops_error err = {0};
    segment *seg = NULL;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    for (uint32_t d = DOCUMENTS; d-- > 0;) { /* backwards: no remembered record helps */
        segment_metadata meta;
        cr_assert_eq(segment_read_metadata(seg, d, &meta, &err), 0, "%s", err.message);
        cr_assert_eq(meta.id_length, strlen(ids[d]), "%s", ids[d]);
        cr_assert_eq(memcmp(meta.id, ids[d], meta.id_length), 0, "%s", ids[d]);
        cr_assert_eq(meta.title_length, strlen(data.docs[d].title));
    }
    segment_close(seg);
    /* the record's length 2, then "339" as 2·339 + 1 = 679, the varint
     * a7 05, then the empty title */
    size_t size = 0;
    uint8_t *bytes = testlib_read_file(path, &size);
    static const uint8_t first[] = {0x02, 0xa7, 0x05};
    cr_assert_not_null(memmem(bytes, size, first, sizeof first), "339 kept as a number");
    free(bytes);
    free_data(&data);
    free(dir);
}

/* ============================================================ manifest */

Test(format, manifest_round_trip_and_damage)
{
    char *dir = testlib_tempdir("manifest");
    manifest m;
    memset(&m, 0, sizeof m);
    cops_error err = {0};
    cr_expect_eq(manifest_read(dir, &m, &err), COPS_ENOINDEX);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nothing/here", dir);
    cr_expect_eq(manifest_read(missing, &m, &err), COPS_ENOINDEX);

    m.generation = 12345678901ull;
    m.segment_count = 3;
    for (size_t i = 0; i < m.segment_count; i++) {
        snprintf(m.segments[i].name, sizeof m.segments[i].name, "seg-%06zu.cops", i + 1);
        m.segments[i].bytes = 1000000007ull * (i + 1);
        m.segments[i].documents = 4000000000ull + i;
    }
    int committed = 0;
    cr_assert_eq(manifest_commit(AT_FDCWD, dir, &m, &committed, &err), 0, "%s", err.message);
    cr_assert_eq(committed, 1, "a successful commit reports the rename");
    manifest back;
    memset(&back, 0xff, sizeof back);
    cr_assert_eq(manifest_read(dir, &back, &err), 0, "%s", err.message);
    cr_expect_eq(back.generation, m.generation);
    cr_assert_eq(back.segment_count, m.segment_count);
    for (size_t i = 0; i < m.segment_count; i++) {
        cr_expect_str_eq(back.segments[i].name, m.segments[i].name);
        cr_expect_eq(back.segments[i].bytes, m.segments[i].bytes);
        cr_expect_eq(back.segments[i].documents, m.segments[i].documents);
    }
    /* a second commit replaces the first */
    m.generation++;
    m.segment_count = 1;
    cr_assert_eq(manifest_commit(AT_FDCWD, dir, &m, &committed, &err), 0);
    cr_assert_eq(manifest_read(dir, &back, &err), 0);
    cr_expect_eq(back.generation, m.generation);
    cr_expect_eq(back.segment_count, 1);

    char path[600];
    snprintf(path, sizeof path, "%s/" MANIFEST_NAME, dir);
    size_t size;
    uint8_t *text = testlib_read_file(path, &size);
    cr_assert_not_null(text);
    /* change one digit of a line above the checksum */
    uint8_t *copy = malloc(size + 1);
    char *generation = strstr((char *)text, "generation ");
    cr_assert_not_null(generation);
    size_t at = (size_t)(generation - (char *)text) + strlen("generation ");
    memcpy(copy, text, size);
    copy[at] = copy[at] == '1' ? '2' : '1';
    unlink(path);
    free(testlib_write_file(dir, MANIFEST_NAME, copy, size));
    cr_expect_eq(manifest_read(dir, &back, &err), COPS_ECORRUPT, "edited generation");
    cr_expect_eq(err.code, COPS_ECORRUPT);
    /* a damaged checksum */
    memcpy(copy, text, size);
    char *checksum = strstr((char *)copy, "checksum ");
    cr_assert_not_null(checksum);
    checksum += strlen("checksum ");
    *checksum = *checksum == '0' ? '1' : '0';
    unlink(path);
    free(testlib_write_file(dir, MANIFEST_NAME, copy, size));
    cr_expect_eq(manifest_read(dir, &back, &err), COPS_ECORRUPT, "damaged checksum");
    /* truncated (dropping only the final newline may be accepted) */
    for (size_t length = 0; length + 1 < size; length++) {
        unlink(path);
        free(testlib_write_file(dir, MANIFEST_NAME, text, length));
        int rc = manifest_read(dir, &back, &err);
        cr_expect(rc == COPS_ECORRUPT, "manifest truncated to %zu bytes: %d", length, rc);
    }
    free(copy);
    free(text);
    testlib_remove_tree(dir);
}

/* Where section `kind` of the segment file's bytes starts. */
static const uint8_t *section_start(const uint8_t *file, size_t size, uint32_t kind)
{
    section_range sections[16];
    uint64_t toc_offset, toc_length;
    size_t count = parse_sections(file, size, sections, 16, &toc_offset, &toc_length);
    for (size_t i = 0; i < count; i++)
        if (sections[i].kind == kind)
            return file + sections[i].offset;
    cr_assert_fail("no section of kind %u", kind);
    return NULL;
}

/* A dictionary entry (FORMAT.md 3.4): a block's first entry has no key
 * (DICTINDEX holds it), a later one a head byte of two nibbles (15: a
 * varint adds the rest), then one varint of 2 (df - 1) + (cf > df) and cf's
 * excess only when there is one; a block of one value is a varint.  The
 * bytes, then every key read back and the checker content. */
Test(format, dictionary_entries_take_a_key_head_and_counts)
{
    char *dir = testlib_tempdir("dict-entry");
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    cops_error err = {0};
    segment_writer *w = writer_with_bodies(path, 3, 400); /* position 300 fits */
    const char *keys[] = {"a", "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0"};
    const uint32_t seven[1] = {7}, far[1] = {300}, some[4] = {1, 2, 3, 4};
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)keys[0], 1, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 0, seven, 1, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)keys[1], 26, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 2, far, 1, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)keys[2], 27, &err), 0);
    cr_assert_eq(segment_writer_add_posting(w, 0, seven, 1, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_add_posting(w, 1, some, 4, &err), 0, "%s", err.message);
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    finish_unstemmed(w, 3, 1200, 3, 4);
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), 0, "%s", err.message);

    size_t size;
    uint8_t *file = testlib_read_file(path, &size);
    const uint8_t *dict = section_start(file, size, SECTION_DICTIONARY);
    const uint8_t expected[] = {
        0x00, 0x00, 0x07,          /* "a": counts df = cf = 1, doc 0, position 7 */
        0x1f, 0x0a,                /* common 1, suffix 15 + 10 */
        'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n',
        'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
        0x00, 0x02, 0xac, 0x02,    /* df = cf = 1, doc 2, position 300 */
        0xf1, 0x0b, '0',           /* common 15 + 11, suffix 1 */
        0x03, 0x02,                /* 2 (2 - 1) + 1: df 2, cf > df; cf - 2 - 1 = 2 */
    };
    cr_assert_arr_eq(dict, expected, sizeof expected);
    free(file);

    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    const uint32_t dfs[] = {1, 1, 2};
    const uint64_t cfs[] = {1, 1, 5};
    for (size_t k = 0; k < 3; k++) {
        segment_term term;
        cr_assert_eq(segment_lookup(seg, (const uint8_t *)keys[k], strlen(keys[k]), &term, &err),
                     1, "%s", keys[k]);
        cr_assert_eq(term.df, dfs[k]);
        cr_assert_eq(term.cf, cfs[k]);
    }
    postings_cursor c;
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)keys[1], 26, &term, &err), 1);
    postings_open(&c, seg, &term);
    cr_assert_eq(c.doc, 2);
    uint32_t positions[4];
    cr_assert_eq(postings_positions(&c, positions), 1);
    cr_assert_eq(positions[0], 300);
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* A postings record's skip table (FORMAT.md 3.3): each number in the fewest
 * bytes its largest value in the record needs, the same in every entry,
 * and the widths first under the skip CRC.  One key in 300 documents of
 * 70,000 words, at position 3·doc: last docs 127, 255, 299 (2 bytes), block
 * offsets 0, 2, 4 (1), positions offsets 0, 145, 306 (2), max_tf 1 (1),
 * min_length 70,000 (3): widths 1 | 0 << 2 | 1 << 4 | 0 << 6 | 2 << 8. */
Test(format, skip_entries_take_the_bytes_their_numbers_need)
{
    char *dir = testlib_tempdir("skip-widths");
    char path[512];
    snprintf(path, sizeof path, "%s/seg.cops", dir);
    cops_error err = {0};
    segment_writer *w = writer_with_bodies(path, 300, 70000);
    cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)"k", 1, &err), 0);
    for (uint32_t d = 0; d < 300; d++) {
        uint32_t position = 3 * d;
        cr_assert_eq(segment_writer_add_posting(w, d, &position, 1, &err), 0, "%s", err.message);
    }
    cr_assert_eq(segment_writer_end_term(w, &err), 0);
    finish_unstemmed(w, 300, 300 * 70000, 1, 300);
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), 0, "%s", err.message);

    size_t size;
    uint8_t *file = testlib_read_file(path, &size);
    const uint8_t *record = section_start(file, size, SECTION_POSTINGS);
    /* blocks: three of gaps and tf-1 at width 0 (2 bytes each); positions:
     * 128 values < 2^9 (1 + 144 bytes), 128 < 2^10 (1 + 160), 44 < 2^10
     * (1 + 55) */
    const uint8_t head[] = {0x06, 0xea, 0x02, 0x11, 0x02};
    cr_assert_arr_eq(record, head, sizeof head);
    const uint8_t *entries = record + sizeof head, *blocks = entries + 3 * 17 + 4;
    const uint8_t *positions = blocks + 6;
    const uint8_t numbers[3][9] = {
        {0x7f, 0x00, 0x00, 0x00, 0x00, 0x01, 0x70, 0x11, 0x01},
        {0xff, 0x00, 0x02, 0x91, 0x00, 0x01, 0x70, 0x11, 0x01},
        {0x2b, 0x01, 0x04, 0x32, 0x01, 0x01, 0x70, 0x11, 0x01},
    };
    const uint32_t block_at[4] = {0, 2, 4, 6}, positions_at[4] = {0, 145, 306, 362};
    for (int b = 0; b < 3; b++) {
        const uint8_t *e = entries + 17 * b;
        cr_assert_arr_eq(e, numbers[b], 9, "entry %d", b);
        cr_assert_eq(layout_get_u32(e + 9),
                     (uint32_t)crc32(0, blocks + block_at[b], block_at[b + 1] - block_at[b]));
        cr_assert_eq(layout_get_u32(e + 13),
                     (uint32_t)crc32(0, positions + positions_at[b],
                                     positions_at[b + 1] - positions_at[b]));
    }
    cr_assert_eq(layout_get_u32(entries + 3 * 17), (uint32_t)crc32(0, record + 3, 2 + 3 * 17),
                 "the widths and the entries under the skip CRC");
    free(file);

    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)"k", 1, &term, &err), 1);
    postings_cursor c;
    postings_open(&c, seg, &term);
    cr_assert_eq(postings_next_geq(&c, 200), 200);
    uint32_t position;
    cr_assert_eq(postings_positions(&c, &position), 1);
    cr_assert_eq(position, 600);
    postings_block_bound bound;
    cr_assert_eq(postings_block_bound_at(&c, 290, &bound), 0);
    cr_assert_eq(bound.last_doc, 299);
    cr_assert_eq(bound.max_tf, 1);
    cr_assert_eq(bound.min_length, 70000);
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* The TOC CRC of section `kind` and the TOC's own CRC made to agree with
 * the file's bytes again after an edit. */
static void reseal_section(uint8_t *file, size_t size, uint32_t kind)
{
    section_range sections[16];
    uint64_t toc_offset, toc_length;
    size_t count = parse_sections(file, size, sections, 16, &toc_offset, &toc_length);
    for (size_t i = 0; i < count; i++)
        if (sections[i].kind == kind)
            layout_put_u32(file + toc_offset + 4 + i * LAYOUT_TOC_ENTRY_BYTES + 4,
                           (uint32_t)crc32(0, file + sections[i].offset, sections[i].length));
    layout_put_u32(file + size - LAYOUT_TRAILER_BYTES + 12,
                   (uint32_t)crc32(0, file + toc_offset, toc_length));
}

/* An inline list of up to 4 documents keeps their numbers at the width of
 * the segment's largest (FORMAT.md 3.4 "fixed-ids": 9 bits in a segment of
 * 300 documents), a longer one a block of gaps; all read back and the
 * checker accepts them.  Numbers that do not increase, even under CRCs made
 * to agree, are damage to the reader and to the checker. */
Test(format, the_shortest_inline_lists_keep_their_numbers_at_the_segment_width)
{
    char *dir, path[512];
    cops_error err = {0};
    segment_writer *w = temp_writer("fixed-ids", 300, 300, &dir, path);
    static const uint32_t docs[5][5] = {
        {299}, {5, 6}, {0, 17, 255}, {1, 2, 3, 299}, {10, 20, 30, 40, 50}};
    const char *keys[5] = {"a", "b", "c", "d", "e"};
    const uint32_t position[1] = {7};
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq(segment_writer_begin_term(w, (const uint8_t *)keys[k], 1, &err), 0);
        for (size_t i = 0; i <= k; i++)
            cr_assert_eq(segment_writer_add_posting(w, docs[k][i], position, 1, &err), 0, "%s",
                         err.message);
        cr_assert_eq(segment_writer_end_term(w, &err), 0);
    }
    finish_unstemmed(w, 300, 90000, 5, 15);
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(segment_doc_width(300), 9);
    cr_assert_eq(segment_doc_width(1), 0);
    cr_assert_eq(segment_doc_width(2), 1);

    segment *seg;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    for (size_t k = 0; k < 5; k++) {
        segment_term term;
        cr_assert_eq(segment_lookup(seg, (const uint8_t *)keys[k], 1, &term, &err), 1);
        cr_assert_eq(term.df, k + 1);
        size_t ids = codec_packed_bytes(9, k + 1); /* 2, 3, 4, 5 bytes */
        if (k < 4)
            cr_expect_eq(term.docs_length, ids, "%s", keys[k]);
        else
            cr_expect_eq(term.docs_length,
                         codec_block_size(term.docs, term.docs + term.docs_length, k + 1));
        postings_cursor c;
        postings_open(&c, seg, &term);
        for (size_t i = 0; i <= k; i++) {
            cr_assert_eq(c.doc, docs[k][i], "%s posting %zu", keys[k], i);
            cr_assert_eq(postings_tf(&c), 1);
            postings_next(&c);
        }
        cr_assert_eq(c.doc, POSTINGS_END);
    }
    segment_close(seg);

    /* "b": 5 and 6, 5 | 6 << 9 in 18 bits after its key and counts (df 2,
     * cf 2): `62 02 05 0c 00`; made 6 then 5 */
    size_t size;
    uint8_t *file = testlib_read_file(path, &size);
    cr_assert_not_null(file);
    static const uint8_t entry[] = {0x62, 0x02, 0x05, 0x0c, 0x00};
    uint8_t *at = memmem(file, size, entry, sizeof entry);
    cr_assert_not_null(at);
    at[2] = 0x06;
    at[3] = 0x0a;
    section_range sections[16];
    uint64_t toc_offset, toc_length;
    size_t count = parse_sections(file, size, sections, 16, &toc_offset, &toc_length);
    for (size_t i = 0; i < count; i++)
        if (sections[i].kind == SECTION_DICTIONARY) { /* one block: its CRC last */
            uint8_t *dict = file + sections[i].offset;
            size_t n = (size_t)sections[i].length - 4;
            layout_put_u32(dict + n, (uint32_t)crc32(0, dict, n));
        }
    reseal_section(file, size, SECTION_DICTIONARY);
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out);
    cr_assert_eq(fwrite(file, 1, size, out), size);
    fclose(out);
    free(file);
    cr_assert_eq(check_segment(path, UINT64_MAX, NULL, &err), COPS_ECORRUPT);
    cr_assert_not_null(strstr(err.message, "document numbers"), "%s", err.message);
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)"b", 1, &term, &err), 1, "%s", err.message);
    postings_cursor c;
    postings_open(&c, seg, &term);
    cr_assert_eq(c.doc, POSTINGS_END);
    cr_assert_eq(c.status, COPS_ECORRUPT);
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* pair_words_find (pairs.c packs a word's bytes in loads that overlap):
 * a list of words of every length finds each of them, and no word that
 * differs from one in a single byte anywhere, nor its prefixes, nor
 * longer words. */
Test(format, pair_words_find_every_length_and_byte)
{
    char text[16 * 16 + 1];
    size_t at = 0;
    for (size_t length = 1; length <= PAIR_WORD_MAX_BYTES; length++) {
        if (at > 0)
            text[at++] = ' ';
        for (size_t i = 0; i < length; i++) /* "a", "bc", "cde", ... */
            text[at++] = (char)('a' + (length - 1 + i) % 26);
    }
    pair_words words;
    cr_assert_eq(pair_words_parse(text, at, &words), 0);
    cr_assert_eq(words.count, PAIR_WORD_MAX_BYTES);
    for (uint32_t n = 0; n < words.count; n++) {
        char word[PAIR_WORD_MAX_BYTES + 2];
        size_t length = words.length[n];
        memcpy(word, words.word[n], length);
        cr_assert_eq(pair_words_find(&words, word, length), (int)n, "%.*s", (int)length, word);
        for (size_t i = 0; i < length; i++) {
            char kept = word[i];
            word[i] = kept == 'z' ? '0' : (char)(kept + 1);
            cr_assert_eq(pair_words_find(&words, word, length), -1, "%.*s", (int)length, word);
            word[i] = kept;
        }
        for (size_t shorter = 1; shorter < length; shorter++) /* the list holds no prefix */
            cr_assert_eq(pair_words_find(&words, word, shorter), -1);
        word[length] = word[length - 1];
        cr_assert_eq(pair_words_find(&words, word, length + 1), -1);
    }
    cr_assert_eq(pair_words_find(&words, "", 0), -1);
}
