/*
 * inverter.c — in-memory inversion with sorted spill runs (inverter.h).
 *
 * Keys live in an open-addressing hash table; each key owns a growable
 * byte list of postings encoded as
 *     varint(doc - previous_doc - 1) varint(tf) tf x varint(position delta)
 * with previous_doc starting at "-1" (UINT32_MAX) in every run, so a run is
 * self-contained.  Runs cover increasing document ranges, so merging them
 * per key in run order yields postings in document order.
 */
#include "config.h"

#include "indexer/inverter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/buffer.h"
#include "base/error.h"
#include "index-format/codec.h"

typedef struct term_entry {
    uint32_t key_offset;       /* in inv->keys */
    uint16_t key_length;
    uint32_t hash;
    uint32_t last_doc;         /* UINT32_MAX = none in this run */
    uint32_t df;
    byte_buffer postings;
} term_entry;

typedef struct occurrence {
    uint32_t term;             /* index in inv->terms */
    uint32_t position;
} occurrence;

typedef struct run_file {
    FILE *file;
    char *path;
} run_file;

struct inverter {
    size_t budget;
    char *spill_dir;
    uint32_t *slots;            /* term index + 1, 0 = empty */
    size_t slot_count;
    term_entry *terms;
    size_t term_count, term_capacity;
    byte_buffer keys;
    occurrence *occurrences;    /* of the current document */
    size_t occurrence_count, occurrence_capacity;
    size_t postings_bytes;      /* capacity held by postings lists */
    size_t peak_bytes;
    run_file *runs;
    size_t run_count;
    uint64_t postings_total;
    int failed;
};

static size_t accounted_bytes(const inverter *inv)
{
    return inv->postings_bytes + inv->keys.capacity + inv->slot_count * sizeof(uint32_t)
           + inv->term_capacity * sizeof(term_entry)
           + inv->occurrence_capacity * sizeof(occurrence);
}

int inverter_new(size_t budget_bytes, const char *spill_dir, inverter **out, cops_error *err)
{
    *out = NULL;
    inverter *inv = calloc(1, sizeof *inv);
    if (!inv || !(inv->spill_dir = strdup(spill_dir))) {
        free(inv);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    inv->budget = budget_bytes;
    inv->slot_count = 1 << 16;
    inv->slots = calloc(inv->slot_count, sizeof *inv->slots);
    if (!inv->slots) {
        inverter_free(inv);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    *out = inv;
    return 0;
}

static void reset_terms(inverter *inv)
{
    for (size_t i = 0; i < inv->term_count; i++)
        buffer_free(&inv->terms[i].postings);
    inv->term_count = 0;
    inv->postings_bytes = 0;
    buffer_reset(&inv->keys);
    memset(inv->slots, 0, inv->slot_count * sizeof *inv->slots);
}

void inverter_free(inverter *inv)
{
    if (!inv)
        return;
    reset_terms(inv);
    for (size_t i = 0; i < inv->run_count; i++) {
        if (inv->runs[i].file)
            fclose(inv->runs[i].file);
        unlink(inv->runs[i].path);
        free(inv->runs[i].path);
    }
    free(inv->runs);
    free(inv->terms);
    free(inv->slots);
    free(inv->occurrences);
    buffer_free(&inv->keys);
    free(inv->spill_dir);
    free(inv);
}

static int grow_slots(inverter *inv)
{
    size_t count = inv->slot_count * 2;
    uint32_t *slots = calloc(count, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t t = 0; t < inv->term_count; t++) {
        size_t s = inv->terms[t].hash & (count - 1);
        while (slots[s])
            s = (s + 1) & (count - 1);
        slots[s] = (uint32_t)t + 1;
    }
    free(inv->slots);
    inv->slots = slots;
    inv->slot_count = count;
    return 0;
}

/* The index of `key`'s entry, created when new; -1 on allocation failure. */
static long intern(inverter *inv, const uint8_t *key, size_t key_length)
{
    uint32_t hash = (uint32_t)XXH3_64bits(key, key_length);
    size_t mask = inv->slot_count - 1;
    for (size_t s = hash & mask;; s = (s + 1) & mask) {
        uint32_t slot = inv->slots[s];
        if (slot == 0) {
            if (inv->term_count == inv->term_capacity) {
                size_t capacity = inv->term_capacity ? inv->term_capacity * 2 : 4096;
                term_entry *terms = realloc(inv->terms, capacity * sizeof *terms);
                if (!terms)
                    return -1;
                inv->terms = terms;
                inv->term_capacity = capacity;
            }
            term_entry *t = &inv->terms[inv->term_count];
            memset(t, 0, sizeof *t);
            t->key_offset = (uint32_t)inv->keys.length;
            t->key_length = (uint16_t)key_length;
            t->hash = hash;
            t->last_doc = UINT32_MAX;
            buffer_append(&inv->keys, key, key_length);
            if (buffer_failed(&inv->keys) || inv->keys.length > UINT32_MAX)
                return -1;
            inv->slots[s] = (uint32_t)++inv->term_count;
            if (inv->term_count * 2 > inv->slot_count && grow_slots(inv) != 0)
                return -1;
            return (long)inv->term_count - 1;
        }
        term_entry *t = &inv->terms[slot - 1];
        if (t->hash == hash && t->key_length == key_length
            && memcmp(inv->keys.data + t->key_offset, key, key_length) == 0)
            return (long)slot - 1;
    }
}

int inverter_add(inverter *inv, const uint8_t *key, size_t key_length, uint32_t position,
                 cops_error *err)
{
    if (key_length == 0 || key_length > SEGMENT_MAX_KEY_BYTES)
        return error_set(err, COPS_EINVAL, "term key of %zu bytes", key_length);
    long term = intern(inv, key, key_length);
    if (term < 0)
        return error_set(err, COPS_ENOMEM, "out of memory while inverting");
    if (inv->occurrence_count == inv->occurrence_capacity) {
        size_t capacity = inv->occurrence_capacity ? inv->occurrence_capacity * 2 : 4096;
        occurrence *grown = realloc(inv->occurrences, capacity * sizeof *grown);
        if (!grown)
            return error_set(err, COPS_ENOMEM, "out of memory while inverting");
        inv->occurrences = grown;
        inv->occurrence_capacity = capacity;
    }
    inv->occurrences[inv->occurrence_count++] = (occurrence){(uint32_t)term, position};
    return 0;
}

static int compare_occurrences(const void *a, const void *b)
{
    const occurrence *x = a, *y = b;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    return (x->position > y->position) - (x->position < y->position);
}

/* Sort keys bytewise (index order for the run file / the segment). */
static const inverter *sort_context;
static int compare_term_keys(const void *a, const void *b)
{
    const term_entry *x = &sort_context->terms[*(const uint32_t *)a];
    const term_entry *y = &sort_context->terms[*(const uint32_t *)b];
    size_t common = x->key_length < y->key_length ? x->key_length : y->key_length;
    int order = memcmp(sort_context->keys.data + x->key_offset,
                       sort_context->keys.data + y->key_offset, common);
    if (order != 0)
        return order;
    return (x->key_length > y->key_length) - (x->key_length < y->key_length);
}

static uint32_t *sorted_term_order(inverter *inv)
{
    uint32_t *order = malloc((inv->term_count ? inv->term_count : 1) * sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < inv->term_count; i++)
        order[i] = (uint32_t)i;
    sort_context = inv;
    qsort(order, inv->term_count, sizeof *order, compare_term_keys);
    sort_context = NULL;
    return order;
}

static int spill_run(inverter *inv, cops_error *err)
{
    run_file *grown = realloc(inv->runs, (inv->run_count + 1) * sizeof *grown);
    if (!grown)
        return error_set(err, COPS_ENOMEM, "out of memory while spilling");
    inv->runs = grown;
    run_file *run = &inv->runs[inv->run_count];
    size_t path_length = strlen(inv->spill_dir) + 32;
    run->path = malloc(path_length);
    if (!run->path)
        return error_set(err, COPS_ENOMEM, "out of memory while spilling");
    snprintf(run->path, path_length, "%s/run-%06zu.tmp", inv->spill_dir, inv->run_count);
    run->file = fopen(run->path, "w+b");
    if (!run->file) {
        int rc = error_set_errno(err, COPS_EIO, errno, "cannot create %s", run->path);
        free(run->path);
        return rc;
    }
    inv->run_count++;
    uint32_t *order = sorted_term_order(inv);
    if (!order)
        return error_set(err, COPS_ENOMEM, "out of memory while spilling");
    byte_buffer head = BUFFER_INIT;
    int rc = 0;
    for (size_t i = 0; i < inv->term_count && rc == 0; i++) {
        term_entry *t = &inv->terms[order[i]];
        buffer_reset(&head);
        buffer_append_varint(&head, t->key_length);
        buffer_append(&head, inv->keys.data + t->key_offset, t->key_length);
        buffer_append_varint(&head, t->df);
        buffer_append_varint(&head, t->postings.length);
        if (buffer_failed(&head))
            rc = error_set(err, COPS_ENOMEM, "out of memory while spilling");
        else if (fwrite(head.data, 1, head.length, run->file) != head.length
                 || fwrite(t->postings.data, 1, t->postings.length, run->file) != t->postings.length)
            rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", run->path);
    }
    buffer_free(&head);
    free(order);
    if (rc == 0 && (fflush(run->file) != 0 || fseek(run->file, 0, SEEK_SET) != 0))
        rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", run->path);
    reset_terms(inv);
    return rc;
}

int inverter_end_document(inverter *inv, uint32_t doc, cops_error *err)
{
    qsort(inv->occurrences, inv->occurrence_count, sizeof *inv->occurrences, compare_occurrences);
    size_t i = 0;
    while (i < inv->occurrence_count) {
        size_t j = i;
        while (j < inv->occurrence_count && inv->occurrences[j].term == inv->occurrences[i].term)
            j++;
        term_entry *t = &inv->terms[inv->occurrences[i].term];
        size_t before = t->postings.capacity;
        buffer_append_varint(&t->postings, doc - t->last_doc - 1);
        buffer_append_varint(&t->postings, j - i);
        uint32_t previous = 0;
        for (size_t k = i; k < j; k++) {
            buffer_append_varint(&t->postings, inv->occurrences[k].position - previous);
            previous = inv->occurrences[k].position;
        }
        if (buffer_failed(&t->postings))
            return error_set(err, COPS_ENOMEM, "out of memory while inverting");
        inv->postings_bytes += t->postings.capacity - before;
        t->last_doc = doc;
        t->df++;
        inv->postings_total++;
        i = j;
    }
    inv->occurrence_count = 0;
    size_t used = accounted_bytes(inv);
    if (used > inv->peak_bytes)
        inv->peak_bytes = used;
    if (used > inv->budget && inv->term_count > 0)
        return spill_run(inv, err);
    return 0;
}

/* ------------------------------------------------------------- merge */

/* A source of (key, postings) in key order: a run file or memory. */
typedef struct merge_source {
    FILE *file;                  /* NULL for the in-memory source */
    const char *name;
    uint32_t *order;             /* in-memory: sorted term indexes */
    size_t next_index;
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    uint32_t df;
    byte_buffer bytes;           /* run: the current key's postings */
    const uint8_t *postings;
    size_t postings_length;
    int done;
} merge_source;

static int read_varint_file(FILE *file, uint64_t *value)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        int c = getc(file);
        if (c == EOF)
            return shift == 0 ? 1 : -1; /* 1 = clean end */
        result |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *value = result;
            return 0;
        }
    }
    return -1;
}

static int source_advance(merge_source *s, inverter *inv, cops_error *err)
{
    if (!s->file) {
        if (s->next_index >= inv->term_count) {
            s->done = 1;
            return 0;
        }
        term_entry *t = &inv->terms[s->order[s->next_index++]];
        memcpy(s->key, inv->keys.data + t->key_offset, t->key_length);
        s->key_length = t->key_length;
        s->df = t->df;
        s->postings = t->postings.data;
        s->postings_length = t->postings.length;
        return 0;
    }
    uint64_t key_length, df, length;
    int status = read_varint_file(s->file, &key_length);
    if (status == 1) {
        s->done = 1;
        return 0;
    }
    if (status != 0 || key_length == 0 || key_length > SEGMENT_MAX_KEY_BYTES
        || fread(s->key, 1, key_length, s->file) != key_length
        || read_varint_file(s->file, &df) != 0 || read_varint_file(s->file, &length) != 0
        || df == 0 || df > UINT32_MAX)
        return error_set(err, COPS_EIO, "%s: spill run unreadable", s->name);
    s->key_length = (size_t)key_length;
    s->df = (uint32_t)df;
    buffer_reset(&s->bytes);
    if (buffer_reserve(&s->bytes, (size_t)length) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory while merging");
    if (fread(s->bytes.data, 1, (size_t)length, s->file) != length)
        return error_set(err, COPS_EIO, "%s: spill run unreadable", s->name);
    s->bytes.length = (size_t)length;
    s->postings = s->bytes.data;
    s->postings_length = (size_t)length;
    return 0;
}

static int compare_source_keys(const merge_source *a, const merge_source *b)
{
    size_t common = a->key_length < b->key_length ? a->key_length : b->key_length;
    int order = memcmp(a->key, b->key, common);
    if (order != 0)
        return order;
    return (a->key_length > b->key_length) - (a->key_length < b->key_length);
}

/* Decode one source's postings for the current key into the writer. */
static int emit_postings(const merge_source *s, segment_writer *writer, byte_buffer *positions,
                         cops_error *err)
{
    const uint8_t *p = s->postings, *end = p + s->postings_length;
    uint32_t previous_doc = UINT32_MAX;
    for (uint32_t n = 0; n < s->df; n++) {
        uint64_t gap, tf;
        size_t used = codec_varint_decode(p, end, &gap);
        size_t used_tf = used ? codec_varint_decode(p + used, end, &tf) : 0;
        if (!used_tf || tf == 0 || tf > UINT32_MAX)
            return error_set(err, COPS_EIO, "%s: postings unreadable while merging", s->name);
        p += used + used_tf;
        buffer_reset(positions);
        if (buffer_reserve(positions, (size_t)tf * sizeof(uint32_t)) != 0)
            return error_set(err, COPS_ENOMEM, "out of memory while merging");
        uint32_t *out = (uint32_t *)(void *)positions->data;
        uint32_t position = 0;
        for (uint64_t i = 0; i < tf; i++) {
            uint64_t delta;
            if (!(used = codec_varint_decode(p, end, &delta)))
                return error_set(err, COPS_EIO, "%s: positions unreadable while merging", s->name);
            p += used;
            position += (uint32_t)delta;
            out[i] = position;
        }
        uint32_t doc = previous_doc + (uint32_t)gap + 1;
        int rc = segment_writer_add_posting(writer, doc, out, (uint32_t)tf, err);
        if (rc != 0)
            return rc;
        previous_doc = doc;
    }
    return 0;
}

int inverter_finish(inverter *inv, segment_writer *writer, inverter_stats *stats, cops_error *err)
{
    size_t source_count = inv->run_count + 1;
    merge_source *sources = calloc(source_count, sizeof *sources);
    if (!sources)
        return error_set(err, COPS_ENOMEM, "out of memory while merging");
    int rc = 0;
    for (size_t i = 0; i < inv->run_count; i++) {
        sources[i].file = inv->runs[i].file;
        sources[i].name = inv->runs[i].path;
    }
    merge_source *memory = &sources[inv->run_count];
    memory->name = "memory";
    if (!(memory->order = sorted_term_order(inv)))
        rc = error_set(err, COPS_ENOMEM, "out of memory while merging");
    for (size_t i = 0; i < source_count && rc == 0; i++)
        rc = source_advance(&sources[i], inv, err);

    byte_buffer positions = BUFFER_INIT;
    uint64_t terms = 0;
    while (rc == 0) {
        merge_source *smallest = NULL;
        for (size_t i = 0; i < source_count; i++)
            if (!sources[i].done && (!smallest || compare_source_keys(&sources[i], smallest) < 0))
                smallest = &sources[i];
        if (!smallest)
            break;
        merge_source current = *smallest;
        rc = segment_writer_begin_term(writer, current.key, current.key_length, err);
        /* Sources are in run order = document order; every source holding
         * this key contributes, then moves on. */
        for (size_t i = 0; i < source_count && rc == 0; i++) {
            if (sources[i].done || compare_source_keys(&sources[i], &current) != 0)
                continue;
            rc = emit_postings(&sources[i], writer, &positions, err);
            if (rc == 0)
                rc = source_advance(&sources[i], inv, err);
        }
        if (rc == 0)
            rc = segment_writer_end_term(writer, err);
        terms++;
    }
    buffer_free(&positions);
    for (size_t i = 0; i < source_count; i++)
        buffer_free(&sources[i].bytes);
    free(memory->order);
    free(sources);
    if (stats) {
        stats->terms = terms;
        stats->postings = inv->postings_total;
        stats->runs = inv->run_count;
        stats->peak_bytes = inv->peak_bytes;
    }
    return rc;
}
