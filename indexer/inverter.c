/*
 * inverter.c — in-memory inversion with sorted spill runs (inverter.h).
 *
 * Keys live in an open-addressing hash table; each key owns a growable
 * byte list of postings, written as occurrences arrive (no per-document
 * sort, no per-document occurrence array, so one huge document costs no
 * more than the postings it adds):
 *     posting = varint(doc - previous_doc - 1) 1*varint(position delta + 1) 0x00
 * with previous_doc starting at "-1" (UINT32_MAX) in every run, so a run is
 * self-contained, and the first delta taken from position 0.  The 0x00
 * closes the posting (a delta + 1 is never 0), so the term frequency is the
 * number of deltas and need not be known before the positions are.
 *
 * Runs cover increasing document ranges, so merging them per key in run
 * order yields postings in document order.  A run may end inside a
 * document (the budget ran out mid-document): the document's posting for a
 * key is then split over consecutive runs, and the merge joins the parts.
 */
#include "config.h"

#include "indexer/inverter.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/array.h"
#include "base/buffer.h"
#include "base/error.h"
#include "base/file.h"
#include "base/hash.h"
#include "base/short-bytes.h"
#include "index-format/codec.h"
#include "index-format/names.h"
#include "index-format/pairs.h"
#include "indexer/postings-pipe.h"

typedef struct term_entry {
    uint32_t key_offset;       /* in inv->keys */
    uint16_t key_length;
    uint32_t hash;
    uint32_t last_doc;         /* of the newest posting; UINT32_MAX = none in this run */
    uint32_t last_position;    /* in that posting */
    uint32_t df;               /* postings in this run (inverter_graph) */
    byte_buffer postings;
} term_entry;

typedef struct run_file {
    FILE *file;
    char *path;
} run_file;

struct inverter {
    size_t budget;
    char *spill_dir;
    int spill_fd; /* the folder spill_dir held open, or AT_FDCWD */
    uint32_t *slots;            /* term index + 1, 0 = empty */
    size_t slot_count;
    term_entry *terms;
    size_t term_count, term_capacity;
    byte_buffer keys;
    uint32_t document;          /* the current document's number */
    uint32_t *open;             /* terms with a posting open in the current document */
    size_t open_count, open_capacity;
    size_t postings_bytes;      /* capacity held by postings lists */
    size_t peak_bytes;
    run_file *runs;
    size_t run_count;
    uint32_t *doc_keys;         /* per document: its distinct keys (inverter_graph's rows),
                                 * at most: a document split over runs counts its keys per run */
    uint32_t split_keys;        /* the current document's keys in runs already spilled */
    size_t doc_keys_capacity;
    int graph_taken;            /* inverter_graph has used doc_keys up */
    uint32_t *sorted;           /* inverter_sort_keys's order, or NULL */
};

static size_t accounted_bytes(const inverter *inv)
{
    return inv->postings_bytes + inv->keys.capacity + inv->slot_count * sizeof(uint32_t)
           + inv->term_capacity * sizeof(term_entry) + inv->open_capacity * sizeof(uint32_t)
           + inv->doc_keys_capacity * sizeof *inv->doc_keys;
}

size_t inverter_memory(const inverter *inv)
{
    return accounted_bytes(inv);
}

int inverter_new(size_t budget_bytes, int spill_fd, const char *spill_dir, inverter **out,
                 cops_error *err)
{
    *out = NULL;
    inverter *inv = calloc(1, sizeof *inv);
    if (!inv || !(inv->spill_dir = strdup(spill_dir))) {
        free(inv);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    inv->spill_fd = spill_fd;
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
    inv->open_count = 0;
    inv->postings_bytes = 0;
    buffer_reset(&inv->keys);
    if (inv->slots) /* NULL when inverter_new ran out of memory */
        memset(inv->slots, 0, inv->slot_count * sizeof *inv->slots);
}

void inverter_free(inverter *inv)
{
    if (!inv)
        return;
    free(inv->sorted);
    reset_terms(inv);
    for (size_t i = 0; i < inv->run_count; i++) {
        if (inv->runs[i].file)
            fclose(inv->runs[i].file);
        free(inv->runs[i].path);
    }
    free(inv->runs);
    free(inv->doc_keys);
    free(inv->terms);
    free(inv->slots);
    free(inv->open);
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

void inverter_prefetch(const inverter *inv, uint32_t slot_hash, const uint32_t *entry_hash)
{
    size_t mask = inv->slot_count - 1;
    __builtin_prefetch(&inv->slots[slot_hash & mask]);
    uint32_t slot = entry_hash ? inv->slots[*entry_hash & mask] : 0;
    if (slot) {
        /* The first probe's entry; a hit is most often there. */
        const term_entry *t = &inv->terms[slot - 1];
        __builtin_prefetch(t);
        __builtin_prefetch(inv->keys.data + t->key_offset);
    }
}

/* The index of `key`'s entry, created when new; -1 on allocation failure. */
static long intern(inverter *inv, const uint8_t *key, size_t key_length, uint32_t hash)
{
    size_t mask = inv->slot_count - 1;
    for (size_t s = hash & mask;; s = (s + 1) & mask) {
        uint32_t slot = inv->slots[s];
        if (slot == 0) {
            if (ARRAY_RESERVE_ONE(inv->terms, inv->term_capacity, inv->term_count, 4096) != 0)
                return -1;
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
            && short_bytes_equal(inv->keys.data + t->key_offset, key, key_length))
            return (long)slot - 1;
    }
}

/* Append up to two varints (at most 10 bytes) to a term's list, keeping the
 * memory account; the common case is a store into spare capacity. */
static inline int append_varint(inverter *inv, byte_buffer *list, uint32_t value)
{
    if (list->capacity - list->length < 5) {
        size_t before = list->capacity;
        if (buffer_reserve(list, 5) != 0)
            return -1;
        inv->postings_bytes += list->capacity - before;
    }
    uint8_t *out = list->data + list->length;
    while (value >= 0x80) {
        *out++ = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    *out++ = (uint8_t)value;
    list->length = (size_t)(out - list->data);
    return 0;
}

/* Close every posting open in the current document. */
static int close_open_postings(inverter *inv)
{
    for (size_t i = 0; i < inv->open_count; i++)
        if (append_varint(inv, &inv->terms[inv->open[i]].postings, 0) != 0)
            return -1;
    inv->open_count = 0;
    return 0;
}

static int spill_when_over_budget(inverter *inv, cops_error *err);

/* Each posting of the graph's keys (number[t] != UINT32_MAX) as an
 * edge of row `doc`, placed after the row's kept[doc] edges so far. */
static void fill_edges(const inverter *inv, const uint32_t *number, const uint64_t *rows,
                       uint32_t *kept, uint32_t *term_ids)
{
    for (size_t t = 0; t < inv->term_count; t++) {
        if (number[t] == UINT32_MAX)
            continue;
        const byte_buffer *list = &inv->terms[t].postings;
        const uint8_t *p = list->data, *end = list->data + list->length;
        uint32_t doc = UINT32_MAX;
        while (p < end) {
            uint64_t gap = 0;
            p += codec_varint_decode(p, end, &gap);
            doc += (uint32_t)gap + 1;
            term_ids[rows[doc] + kept[doc]++] = number[t];
            /* the positions: varints of a delta + 1, never 0, whose last
             * byte is never 0 either, so the first 0 byte closes them */
            const uint8_t *stop = memchr(p, 0, (size_t)(end - p));
            p = stop ? stop + 1 : end;
        }
    }
}

int inverter_spilled(const inverter *inv)
{
    return inv->run_count > 0;
}

/* Whether term t is a key of the reordering's graph: a pair key
 * (index-format/pairs.h) repeats what its words' lists say about which
 * documents are alike, and is left out, so the order is the one the
 * words alone give. */
static int in_graph(const inverter *inv, size_t t, uint32_t min_df, uint32_t max_df)
{
    const term_entry *e = &inv->terms[t];
    return e->df >= min_df && e->df <= max_df
           && !pair_key_is(inv->keys.data + e->key_offset, e->key_length);
}

uint64_t inverter_graph_edges(const inverter *inv, uint32_t min_df, uint32_t max_df,
                              uint32_t *terms)
{
    uint64_t edges = 0;
    *terms = 0;
    for (size_t t = 0; inv->run_count == 0 && t < inv->term_count; t++)
        if (in_graph(inv, t, min_df, max_df)) {
            edges += inv->terms[t].df;
            ++*terms;
        }
    return edges;
}

static int spilled_graph(inverter *inv, uint32_t min_df, uint32_t max_df, bp_graph *graph,
                         uint64_t **row_start, uint32_t **term_ids, cops_error *err);
static size_t spilled_graph_bytes(const inverter *inv);

/* Rows with room for each document's keys, holding kept[d] of them
 * first, closed up. */
static void close_rows(uint64_t *rows, uint32_t *ids, const uint32_t *kept, uint32_t documents)
{
    uint64_t out = 0;
    for (uint32_t d = 0; d < documents; d++) {
        uint64_t start = rows[d];
        memmove(ids + out, ids + start, (size_t)kept[d] * sizeof *ids);
        rows[d] = out;
        out += kept[d];
    }
    rows[documents] = out;
}

size_t inverter_graph_bytes(const inverter *inv)
{
    if (inv->run_count != 0)
        return spilled_graph_bytes(inv);
    uint64_t postings = 0;
    for (size_t t = 0; t < inv->term_count; t++)
        postings += inv->terms[t].df;
    return (size_t)postings * 4 + ((size_t)inv->document + 1) * 8 + inv->term_count * 4;
}

int inverter_graph(inverter *inv, uint32_t min_df, uint32_t max_df, bp_graph *graph,
                   uint64_t **row_start, uint32_t **term_ids, cops_error *err)
{
    if (inv->document == 0 || inv->graph_taken)
        return 1;
    if (inv->run_count != 0)
        return spilled_graph(inv, min_df, max_df, graph, row_start, term_ids, err);
    uint64_t postings = 0;
    for (size_t t = 0; t < inv->term_count; t++)
        postings += inv->terms[t].df;
    uint32_t *number = malloc((inv->term_count + 1) * sizeof *number);
    uint64_t *rows = malloc(((size_t)inv->document + 1) * sizeof *rows);
    uint32_t *ids = malloc((postings + 1) * sizeof *ids);
    if (!number || !rows || !ids) {
        free(number);
        free(rows);
        free(ids);
        return error_set(err, COPS_ENOMEM, "out of memory reading the document graph");
    }
    uint32_t terms = 0;
    for (size_t t = 0; t < inv->term_count; t++)
        number[t] = in_graph(inv, t, min_df, max_df) ? terms++ : UINT32_MAX;
    /* One pass over the lists: each row has room for all its document's
     * keys (doc_keys), holds the kept ones first, and the rows are then
     * closed up (doc_keys counting the kept ones). */
    uint32_t *kept = inv->doc_keys;
    rows[0] = 0;
    for (uint32_t d = 0; d < inv->document; d++) {
        rows[d + 1] = rows[d] + kept[d];
        kept[d] = 0;
    }
    inv->graph_taken = 1;
    fill_edges(inv, number, rows, kept, ids);
    close_rows(rows, ids, kept, inv->document);
    free(number);
    *graph = (bp_graph){inv->document, terms, rows, ids};
    *row_start = rows;
    *term_ids = ids;
    return 0;
}

int inverter_add(inverter *inv, const uint8_t *key, size_t key_length, uint32_t position,
                 cops_error *err)
{
    return inverter_add_hashed(inv, key, key_length, inverter_hash(key, key_length), position, err);
}

int inverter_add_hashed(inverter *inv, const uint8_t *key, size_t key_length, uint32_t hash,
                        uint32_t position, cops_error *err)
{
    if (key_length == 0 || key_length > SEGMENT_MAX_KEY_BYTES)
        return error_set(err, COPS_EINVAL, "term key of %zu bytes", key_length);
    long index = intern(inv, key, key_length, hash);
    if (index < 0)
        return error_set(err, COPS_ENOMEM, "out of memory while inverting");
    term_entry *t = &inv->terms[index];
    int rc;
    if (t->last_doc == inv->document) {
        if (position < t->last_position)
            return error_set(err, COPS_EINVAL, "positions of a term must not decrease in a document");
        rc = append_varint(inv, &t->postings, position - t->last_position + 1);
    } else {
        if (ARRAY_RESERVE_ONE(inv->open, inv->open_capacity, inv->open_count, 1024) != 0)
            return error_set(err, COPS_ENOMEM, "out of memory while inverting");
        inv->open[inv->open_count++] = (uint32_t)index;
        t->df++;
        rc = append_varint(inv, &t->postings, inv->document - t->last_doc - 1);
        if (rc == 0)
            rc = append_varint(inv, &t->postings, position + 1);
        t->last_doc = inv->document;
    }
    if (rc != 0)
        return error_set(err, COPS_ENOMEM, "out of memory while inverting");
    t->last_position = position;
    /* Checked per occurrence, not per document, so one document larger than
     * the budget spills in the middle instead of overrunning it. */
    if (inv->postings_bytes > inv->budget / 2)
        return spill_when_over_budget(inv, err);
    return 0;
}
/* Sort keys bytewise (index order for the run file / the segment).  A
 * merge sort of the key numbers with the inverter passed along (no
 * global: the keys may be sorted on a thread, inverter_sort_keys_early);
 * the keys are distinct, so the order is the same whatever the sort. */
static int compare_term_keys(const inverter *inv, uint32_t a, uint32_t b)
{
    const term_entry *x = &inv->terms[a], *y = &inv->terms[b];
    size_t common = x->key_length < y->key_length ? x->key_length : y->key_length;
    int order = memcmp(inv->keys.data + x->key_offset, inv->keys.data + y->key_offset, common);
    if (order != 0)
        return order;
    return (x->key_length > y->key_length) - (x->key_length < y->key_length);
}

/* Sort items[0, count) using spare[0, count); the result in items. */
static void merge_sort_keys(const inverter *inv, uint32_t *items, uint32_t *spare, size_t count)
{
    if (count < 16) {
        for (size_t i = 1; i < count; i++) {
            uint32_t v = items[i];
            size_t j = i;
            for (; j > 0 && compare_term_keys(inv, items[j - 1], v) > 0; j--)
                items[j] = items[j - 1];
            items[j] = v;
        }
        return;
    }
    size_t half = count / 2;
    merge_sort_keys(inv, items, spare, half);
    merge_sort_keys(inv, items + half, spare + half, count - half);
    memcpy(spare, items, count * sizeof *items);
    size_t i = 0, j = half, out = 0;
    while (i < half && j < count)
        items[out++] = compare_term_keys(inv, spare[j], spare[i]) < 0 ? spare[j++] : spare[i++];
    while (i < half)
        items[out++] = spare[i++];
    while (j < count)
        items[out++] = spare[j++];
}

static uint32_t *sorted_term_order(const inverter *inv)
{
    uint32_t *order = malloc((inv->term_count ? inv->term_count : 1) * sizeof *order);
    uint32_t *spare = malloc((inv->term_count ? inv->term_count : 1) * sizeof *spare);
    if (!order || !spare) {
        free(order);
        free(spare);
        return NULL;
    }
    for (size_t i = 0; i < inv->term_count; i++)
        order[i] = (uint32_t)i;
    merge_sort_keys(inv, order, spare, inv->term_count);
    free(spare);
    return order;
}

size_t inverter_sort_keys_bytes(const inverter *inv)
{
    return 2 * (inv->term_count + 1) * sizeof(uint32_t);
}

int inverter_sort_keys(inverter *inv)
{
    if (inv->run_count == 0 && !inv->sorted)
        inv->sorted = sorted_term_order(inv);
    return inv->run_count != 0 || inv->sorted ? 0 : COPS_ENOMEM;
}

/* The key order: inverter_sort_keys's, else sorted now; NULL when out of memory. */
static uint32_t *take_sorted_order(inverter *inv)
{
    uint32_t *order = inv->sorted;
    inv->sorted = NULL;
    return order ? order : sorted_term_order(inv);
}

/* Create spill run number run_count: a new file (nothing already at its
 * name is followed, truncated or removed unless it is a regular leftover
 * of ours), unlinked at once, so no run outlives the build however it
 * ends.  run->path stays for messages. */
static int create_run(inverter *inv, run_file *run, cops_error *err)
{
    char name[MANIFEST_MAX_NAME];
    names_run(name, inv->run_count);
    size_t path_length = strlen(inv->spill_dir) + sizeof name + 1;
    if (!(run->path = malloc(path_length)))
        return error_set(err, COPS_ENOMEM, "out of memory while spilling");
    snprintf(run->path, path_length, "%s/%s", inv->spill_dir, name);
    int fd = -1;
    int rc = file_remove_leftover_at(inv->spill_fd, inv->spill_dir, name, err);
    if (rc == 0)
        rc = file_create_new_at(inv->spill_fd, inv->spill_dir, name, &fd, err);
    if (rc == 0) {
        unlinkat(inv->spill_fd, inv->spill_fd == AT_FDCWD ? run->path : name, 0);
        if (!(run->file = fdopen(fd, "w+b"))) {
            rc = error_set_errno(err, COPS_EIO, errno, "cannot create %s", run->path);
            close(fd);
        }
    }
    if (rc != 0)
        free(run->path);
    return rc;
}

/* Write the lists to a run file (key order) and empty memory.  Postings
 * open in the current document are closed first; the document's later
 * occurrences open new postings in the next run. */
static int spill_run(inverter *inv, cops_error *err)
{
    inv->split_keys += (uint32_t)inv->open_count; /* its row's room (inverter_graph) */
    if (close_open_postings(inv) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory while spilling");
    run_file *grown = realloc(inv->runs, (inv->run_count + 1) * sizeof *grown);
    if (!grown)
        return error_set(err, COPS_ENOMEM, "out of memory while spilling");
    inv->runs = grown;
    run_file *run = &inv->runs[inv->run_count];
    int created = create_run(inv, run, err);
    if (created != 0)
        return created;
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

static int spill_when_over_budget(inverter *inv, cops_error *err)
{
    size_t used = accounted_bytes(inv);
    if (used > inv->peak_bytes)
        inv->peak_bytes = used;
    /* The table's own arrays do not shrink on a spill; a run is written
     * only when the lists are a real share of the budget, so a budget
     * smaller than that floor cannot cause a spill per occurrence. */
    if (used > inv->budget && inv->postings_bytes + inv->keys.length >= inv->budget / 4)
        return spill_run(inv, err);
    return 0;
}

int inverter_end_document(inverter *inv, cops_error *err)
{
    if (ARRAY_RESERVE_ONE(inv->doc_keys, inv->doc_keys_capacity, inv->document, 4096) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory while inverting");
    inv->doc_keys[inv->document] = (uint32_t)inv->open_count + inv->split_keys;
    inv->split_keys = 0;
    if (close_open_postings(inv) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory while inverting");
    inv->document++;
    return spill_when_over_budget(inv, err);
}

/* ------------------------------------------------------------- merge */

/* A source of (key, postings) in key order: a run file or memory.  A run's
 * postings for a key are read through a small window, never whole: one
 * key's list in a run is as large as the run. */
#define MERGE_WINDOW_BYTES 4096
/* How far ahead the in-memory source fetches a key's entry, and its key and list. */
#define MERGE_PREFETCH_ENTRY 16
#define MERGE_PREFETCH_LIST 8
/* A renumbering's arena (renumbered): an eighth of the inverter's budget,
 * which the analysis threads, done by then, had beside it. */
#define RENUMBER_MIN_BYTES 4096
#define RENUMBER_MAX_BYTES ((size_t)1 << 30) /* positions' offsets are 32-bit */
typedef struct merge_source {
    FILE *file;                  /* NULL for the in-memory source */
    const char *name;
    uint32_t *order;             /* in-memory: sorted term indexes */
    size_t next_index;
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    size_t key_length;
    const uint8_t *postings, *postings_end; /* the current key's, still to decode */
    uint64_t unread;             /* run: bytes of them still in the file */
    uint8_t *window;             /* run: MERGE_WINDOW_BYTES */
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
        /* The keys come in byte order, their entries and lists from all
         * over memory: fetch a later key's entry, and a nearer one's key
         * and list, meanwhile (a hint only). */
        if (s->next_index + MERGE_PREFETCH_ENTRY < inv->term_count)
            __builtin_prefetch(&inv->terms[s->order[s->next_index + MERGE_PREFETCH_ENTRY]]);
        if (s->next_index + MERGE_PREFETCH_LIST < inv->term_count) {
            const term_entry *later = &inv->terms[s->order[s->next_index + MERGE_PREFETCH_LIST]];
            __builtin_prefetch(inv->keys.data + later->key_offset);
            __builtin_prefetch(later->postings.data);
        }
        term_entry *t = &inv->terms[s->order[s->next_index++]];
        memcpy(s->key, inv->keys.data + t->key_offset, t->key_length);
        s->key_length = t->key_length;
        s->postings = t->postings.data;
        s->postings_end = t->postings.data + t->postings.length;
        return 0;
    }
    uint64_t key_length, length;
    int status = read_varint_file(s->file, &key_length);
    if (status == 1) {
        s->done = 1;
        return 0;
    }
    if (status != 0 || key_length == 0 || key_length > SEGMENT_MAX_KEY_BYTES
        || fread(s->key, 1, key_length, s->file) != key_length
        || read_varint_file(s->file, &length) != 0 || length == 0)
        return error_set(err, COPS_EIO, "%s: spill run unreadable", s->name);
    s->key_length = (size_t)key_length;
    s->unread = length;
    s->postings = s->postings_end = s->window;
    return 0;
}

/* Make the next varint readable at s->postings (up to 10 bytes, fewer
 * only at the end of the key's postings). */
static int source_fill(merge_source *s, cops_error *err)
{
    size_t left = (size_t)(s->postings_end - s->postings);
    if (left >= 10 || s->unread == 0)
        return 0;
    memmove(s->window, s->postings, left);
    size_t wanted = MERGE_WINDOW_BYTES - left;
    if (wanted > s->unread)
        wanted = (size_t)s->unread;
    if (fread(s->window + left, 1, wanted, s->file) != wanted)
        return error_set(err, COPS_EIO, "%s: spill run unreadable", s->name);
    s->unread -= wanted;
    s->postings = s->window;
    s->postings_end = s->window + left + wanted;
    return 0;
}

/* The next varint of the source's postings; 0 when they are damaged. */
static size_t source_varint(merge_source *s, uint64_t *value, cops_error *err)
{
    /* Most are one or two bytes (a position's delta, a gap): taken as
     * they are when in view, with no refill and no call. */
    const uint8_t *at = s->postings;
    if (at < s->postings_end && at[0] < 0x80) {
        *value = at[0];
        s->postings = at + 1;
        return 1;
    }
    if (s->postings_end - at >= 2 && at[1] < 0x80) {
        *value = (uint64_t)(at[0] & 0x7f) | (uint64_t)at[1] << 7;
        s->postings = at + 2;
        return 2;
    }
    if (source_fill(s, err) != 0)
        return 0;
    size_t used = codec_varint_decode(s->postings, s->postings_end, value);
    s->postings += used;
    if (!used || *value > UINT32_MAX) {
        error_set(err, COPS_EIO, "%s: postings unreadable while merging", s->name);
        return 0;
    }
    return used;
}

static int compare_source_keys(const merge_source *a, const merge_source *b)
{
    size_t common = a->key_length < b->key_length ? a->key_length : b->key_length;
    int order = memcmp(a->key, b->key, common);
    if (order != 0)
        return order;
    return (a->key_length > b->key_length) - (a->key_length < b->key_length);
}

/* The sources of a merge, each advanced to its first key: the runs in
 * run order (= document order), then memory, its keys sorted. */
static int open_sources(inverter *inv, merge_source **out, cops_error *err)
{
    merge_source *sources = calloc(inv->run_count + 1, sizeof *sources);
    *out = sources;
    if (!sources)
        return error_set(err, COPS_ENOMEM, "out of memory while merging");
    int rc = 0;
    for (size_t i = 0; i < inv->run_count && rc == 0; i++) {
        sources[i].file = inv->runs[i].file;
        sources[i].name = inv->runs[i].path;
        if (!(sources[i].window = malloc(MERGE_WINDOW_BYTES)))
            rc = error_set(err, COPS_ENOMEM, "out of memory while merging");
    }
    merge_source *memory = &sources[inv->run_count];
    memory->name = "memory";
    if (rc == 0 && !(memory->order = take_sorted_order(inv)))
        rc = error_set(err, COPS_ENOMEM, "out of memory while merging");
    for (size_t i = 0; i <= inv->run_count && rc == 0; i++)
        rc = source_advance(&sources[i], inv, err);
    return rc;
}

static void close_sources(const inverter *inv, merge_source *sources)
{
    if (!sources)
        return;
    for (size_t i = 0; i <= inv->run_count; i++)
        free(sources[i].window);
    free(sources[inv->run_count].order);
    free(sources);
}

/* The source with the least key, or NULL when all are done. */
static merge_source *least_source(merge_source *sources, size_t count)
{
    merge_source *least = NULL;
    for (size_t i = 0; i < count; i++)
        if (!sources[i].done && (!least || compare_source_keys(&sources[i], least) < 0))
            least = &sources[i];
    return least;
}

/* ------------------------------------------- the graph from spilled runs */

/* One posting's positions passed over, up to and past their 0. */
static int skip_positions(merge_source *s, cops_error *err)
{
    for (;;) {
        size_t in_view = (size_t)(s->postings_end - s->postings);
        const uint8_t *stop = in_view ? memchr(s->postings, 0, in_view) : NULL;
        if (stop) {
            s->postings = stop + 1;
            return 0;
        }
        s->postings = s->postings_end;
        if (s->unread == 0)
            return error_set(err, COPS_EIO, "%s: postings unreadable while merging", s->name);
        if (source_fill(s, err) != 0)
            return COPS_EIO;
    }
}

/* The documents holding the least key of the sources, each once and in
 * order (a document split over two runs is in both), into docs[0 ..
 * *df), and whether that key is a pair key (*pair); the sources holding
 * the key move past it.  1 when no key is left, else 0 or an error. */
static int key_documents(inverter *inv, merge_source *sources, uint32_t *docs, uint32_t *df,
                         int *pair, cops_error *err)
{
    merge_source *least = least_source(sources, inv->run_count + 1);
    if (!least)
        return 1;
    merge_source current = *least;
    *pair = pair_key_is(current.key, current.key_length);
    *df = 0;
    for (size_t i = 0; i <= inv->run_count; i++) {
        merge_source *s = &sources[i];
        if (s->done || compare_source_keys(s, &current) != 0)
            continue;
        uint64_t next = 0; /* the least number the next posting may have */
        while (s->postings < s->postings_end || s->unread > 0) {
            uint64_t gap;
            if (!source_varint(s, &gap, err))
                return COPS_EIO;
            uint64_t doc = next + gap;
            if (doc >= inv->document || (*df > 0 && doc < docs[*df - 1]))
                return error_set(err, COPS_EIO, "%s: postings unreadable while merging", s->name);
            if (*df == 0 || docs[*df - 1] != doc)
                docs[(*df)++] = (uint32_t)doc;
            next = doc + 1;
            int rc = skip_positions(s, err);
            if (rc != 0)
                return rc;
        }
        int rc = source_advance(s, inv, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static size_t spilled_graph_bytes(const inverter *inv)
{
    uint64_t room = 0;
    for (uint32_t d = 0; d < inv->document; d++)
        room += inv->doc_keys[d];
    /* the rows' room, their starts, one key's documents, the sources */
    return (size_t)room * 4 + ((size_t)inv->document + 1) * (8 + 4)
           + (inv->run_count + 1) * (sizeof(merge_source) + MERGE_WINDOW_BYTES)
           + inverter_sort_keys_bytes(inv);
}

/* inverter_graph from the runs (and what memory holds): one walk over
 * their keys in order, each key's documents gathered to learn its
 * document frequency, then added to their rows when the key is kept.
 * The runs are rewound for inverter_finish, and memory's key order kept
 * for it. */
static int spilled_graph(inverter *inv, uint32_t min_df, uint32_t max_df, bp_graph *graph,
                         uint64_t **row_start, uint32_t **term_ids, cops_error *err)
{
    uint32_t documents = inv->document;
    uint64_t room = 0;
    for (uint32_t d = 0; d < documents; d++)
        room += inv->doc_keys[d];
    uint64_t *rows = malloc(((size_t)documents + 1) * sizeof *rows);
    uint32_t *ids = malloc(((size_t)room + 1) * sizeof *ids);
    uint32_t *docs = malloc(((size_t)documents + 1) * sizeof *docs);
    merge_source *sources = NULL;
    int rc = rows && ids && docs
                 ? 0
                 : error_set(err, COPS_ENOMEM, "out of memory reading the document graph");
    uint32_t *kept = inv->doc_keys;
    for (uint32_t d = 0; rc == 0 && d <= documents; d++) {
        rows[d] = d == 0 ? 0 : rows[d - 1] + kept[d - 1];
        if (d > 0)
            kept[d - 1] = 0;
    }
    if (rc == 0)
        inv->graph_taken = 1;
    if (rc == 0)
        rc = open_sources(inv, &sources, err);
    uint32_t terms = 0, df = 0;
    int pair = 0;
    while (rc == 0 && (rc = key_documents(inv, sources, docs, &df, &pair, err)) == 0) {
        if (df < min_df || df > max_df || pair) /* as in_graph: the words alone */
            continue;
        for (uint32_t k = 0; k < df && rc == 0; k++) {
            uint32_t d = docs[k];
            if (rows[d] + kept[d] >= rows[d + 1])
                rc = error_set(err, COPS_EIO, "the spill runs hold more keys than were inverted");
            else
                ids[rows[d] + kept[d]++] = terms;
        }
        terms++;
    }
    if (rc == 1)
        rc = 0;
    if (sources) { /* memory's order for inverter_finish */
        free(inv->sorted);
        inv->sorted = sources[inv->run_count].order;
        sources[inv->run_count].order = NULL;
    }
    for (size_t i = 0; rc == 0 && i < inv->run_count; i++)
        if (fseek(inv->runs[i].file, 0, SEEK_SET) != 0)
            rc = error_set_errno(err, COPS_EIO, errno, "cannot read %s", inv->runs[i].path);
    close_sources(inv, sources);
    free(docs);
    if (rc != 0) {
        free(rows);
        free(ids);
        return rc;
    }
    close_rows(rows, ids, kept, documents);
    *graph = (bp_graph){documents, terms, rows, ids};
    *row_start = rows;
    *term_ids = ids;
    return 0;
}

int inverter_spill_rest(inverter *inv, cops_error *err)
{
    int rc = inv->term_count > 0 ? spill_run(inv, err) : 0;
    if (rc != 0)
        return rc;
    /* the table's arrays, which a spill keeps for the documents to come */
    free(inv->terms);
    inv->terms = NULL;
    inv->term_capacity = 0;
    free(inv->slots);
    inv->slots = NULL;
    inv->slot_count = 0;
    buffer_free(&inv->keys);
    free(inv->sorted);
    inv->sorted = NULL;
#ifdef __GLIBC__
    /* The lists were many small blocks, which free() keeps in the heap
     * for later ones: handed back, so the graph (as large as a third of
     * the budget) takes their place in the process's memory instead of
     * adding to it (on the x4 corpus 330 -> 243 MB resident at most). */
    malloc_trim(0);
#endif
    return 0;
}

/* The posting being assembled for the current key: a document's positions
 * may come from several runs (a run that ended mid-document), and are
 * handed to the writer PENDING_POSITIONS at a time, so one term's
 * occurrences in one document (125 M in 250 MB of "a a a") cost no memory
 * here beyond this buffer. */
#define PENDING_POSITIONS 4096
typedef struct pending_posting {
    uint32_t doc;
    uint32_t positions[PENDING_POSITIONS]; /* not handed over yet */
    uint32_t count;
    uint32_t tf;                 /* of the whole posting; 0 = nothing pending */
    uint64_t written;            /* postings handed to the writer */
} pending_posting;

/* Hand the buffered positions over: the first part (all of the posting so
 * far, tf == count) opens the posting, later parts extend it. */
static int hand_over(pending_posting *pending, postings_pipe *writer, cops_error *err)
{
    if (pending->count == 0)
        return 0;
    int rc;
    if (pending->tf == pending->count) {
        rc = postings_pipe_add_posting(writer, pending->doc, pending->positions, pending->count,
                                       err);
        pending->written++;
    } else {
        rc = postings_pipe_extend_posting(writer, pending->positions, pending->count, err);
    }
    pending->count = 0;
    return rc;
}

static int flush_posting(pending_posting *pending, postings_pipe *writer, cops_error *err)
{
    int rc = hand_over(pending, writer, err);
    pending->tf = 0;
    return rc;
}

/* Open the posting of `doc` in `pending`: the one pending is handed over
 * first unless it is the same document's (continued from another run). */
static int pending_open(pending_posting *pending, postings_pipe *writer, uint32_t doc,
                        cops_error *err)
{
    int rc = pending->tf != 0 && doc != pending->doc ? flush_posting(pending, writer, err) : 0;
    pending->doc = doc;
    return rc;
}

static int pending_push(pending_posting *pending, postings_pipe *writer, uint32_t position,
                        cops_error *err)
{
    if (pending->tf == UINT32_MAX)
        return error_set(err, COPS_EINVAL, "term frequency overflow");
    if (pending->count == PENDING_POSITIONS) {
        int rc = hand_over(pending, writer, err);
        if (rc != 0)
            return rc;
    }
    pending->positions[pending->count++] = position;
    pending->tf++;
    return 0;
}

/* One posting's positions (0-ended varints from `read`) to the writer. */
static int push_positions(pending_posting *pending, postings_pipe *writer, uint32_t doc,
                          merge_source *read, cops_error *err)
{
    int rc = pending_open(pending, writer, doc, err);
    uint32_t position = 0;
    while (rc == 0) {
        uint64_t delta;
        if (!source_varint(read, &delta, err))
            return COPS_EIO;
        if (delta == 0)
            break;
        position += (uint32_t)(delta - 1);
        rc = pending_push(pending, writer, position, err);
    }
    return rc;
}

/* Decode one source's postings for the current key into `pending`/the writer. */
static int merge_postings(merge_source *s, pending_posting *pending, postings_pipe *writer,
                          cops_error *err)
{
    uint32_t previous_doc = UINT32_MAX;
    while (s->postings < s->postings_end || s->unread > 0) {
        uint64_t gap;
        if (!source_varint(s, &gap, err))
            return COPS_EIO;
        uint32_t doc = previous_doc + (uint32_t)gap + 1;
        int rc = push_positions(pending, writer, doc, s, err);
        if (rc != 0)
            return rc;
        previous_doc = doc;
    }
    return 0;
}

/* The postings of one key renumbered (inverter_finish with new_of_old),
 * in a fixed arena of `limit` bytes however long the list: half holds
 * the parts' positions (as in a run: delta + 1 varints, 0-ended), half
 * the entries (new document << 32 | where its positions start) and
 * their sorting space.  A full arena is sorted and spilled as a run to
 * one file, and a key with runs is merged from them (each read through
 * an equal share of the arena).  A posting too large for the arena
 * (one word repeated through a huge document) is cut into parts of the
 * same document, which stay in order and join again (pending_open). */
typedef struct renumbered {
    uint8_t *bytes;
    size_t length, bytes_capacity;
    uint64_t *entries, *spare;
    size_t count, entry_capacity;
    unsigned doc_bits;           /* of the largest new number, a multiple of 8 */
    inverter *inv;               /* for the spill file's name and place */
    run_file spill;              /* created at the first run; its file NULL before */
    uint64_t *run_end;           /* this key's runs: where each ends in the file */
    size_t runs, run_capacity;
    uint64_t written;            /* the file's bytes of this key's runs */
    uint64_t runs_total;         /* runs spilled over all keys (inverter_stats) */
    size_t peak_bytes;
} renumbered;

static int renumbered_init(renumbered *r, inverter *inv, uint32_t documents)
{
    memset(r, 0, sizeof *r);
    r->inv = inv;
    while (r->doc_bits < 32 && ((uint64_t)1 << r->doc_bits) < documents)
        r->doc_bits += 8;
    size_t limit = inv->budget / 8 < RENUMBER_MIN_BYTES ? RENUMBER_MIN_BYTES : inv->budget / 8;
    if (limit > RENUMBER_MAX_BYTES)
        limit = RENUMBER_MAX_BYTES; /* positions' offsets are 32-bit */
    r->bytes_capacity = limit / 2;
    r->entry_capacity = limit / 2 / (2 * sizeof *r->entries);
    r->bytes = malloc(r->bytes_capacity);
    r->entries = malloc(r->entry_capacity * sizeof *r->entries);
    r->spare = malloc(r->entry_capacity * sizeof *r->spare);
    r->peak_bytes = limit;
    return r->bytes && r->entries && r->spare ? 0 : COPS_ENOMEM;
}

static void renumbered_free(renumbered *r)
{
    free(r->bytes);
    free(r->entries);
    free(r->spare);
    free(r->run_end);
    if (r->spill.file) {
        fclose(r->spill.file);
        free(r->spill.path);
    }
}

/* Sort by the document (the high half), stably: least significant byte
 * first, and the lists of a few postings, most of them, by insertion. */
static void sort_renumbered(renumbered *r)
{
    uint64_t *a = r->entries, *b = r->spare;
    if (r->count < 64) {
        for (size_t i = 1; i < r->count; i++) {
            uint64_t v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] >> 32 > v >> 32; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    for (unsigned shift = 32; shift < 32 + r->doc_bits; shift += 8) {
        size_t counts[257] = {0};
        for (size_t i = 0; i < r->count; i++)
            counts[((a[i] >> shift) & 0xff) + 1]++;
        for (int k = 0; k < 256; k++)
            counts[k + 1] += counts[k];
        for (size_t i = 0; i < r->count; i++)
            b[counts[(a[i] >> shift) & 0xff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    r->entries = a;
    r->spare = b;
}

/* The positions of part `i` (sorted), with their length up to the 0. */
static const uint8_t *part_positions(const renumbered *r, size_t i, size_t *length)
{
    const uint8_t *at = r->bytes + (uint32_t)r->entries[i];
    *length = (size_t)((const uint8_t *)memchr(at, 0, r->length - (uint32_t)r->entries[i]) - at) + 1;
    return at;
}

/* The arena sorted and appended to the spill file as one run:
 * varint(new document) and the part's positions, part after part. */
static int spill_renumbered(renumbered *r, cops_error *err)
{
    if (!r->spill.file) {
        int rc = create_run(r->inv, &r->spill, err);
        if (rc != 0)
            return rc;
    }
    if (r->runs == r->run_capacity) {
        size_t capacity = r->run_capacity ? 2 * r->run_capacity : 16;
        uint64_t *grown = realloc(r->run_end, capacity * sizeof *grown);
        if (!grown)
            return error_set(err, COPS_ENOMEM, "out of memory while renumbering");
        r->run_end = grown;
        r->run_capacity = capacity;
    }
    sort_renumbered(r);
    for (size_t i = 0; i < r->count; i++) {
        uint8_t head[CODEC_VARINT_MAX_BYTES];
        size_t head_length = codec_varint_encode(r->entries[i] >> 32, head), length;
        const uint8_t *positions = part_positions(r, i, &length);
        if (fwrite(head, 1, head_length, r->spill.file) != head_length
            || fwrite(positions, 1, length, r->spill.file) != length)
            return error_set_errno(err, COPS_EIO, errno, "cannot write %s", r->spill.path);
        r->written += head_length + length;
    }
    r->run_end[r->runs++] = r->written;
    r->runs_total++;
    size_t held = r->bytes_capacity + 2 * r->entry_capacity * sizeof *r->entries
                  + r->run_capacity * sizeof *r->run_end;
    if (held > r->peak_bytes)
        r->peak_bytes = held;
    r->count = r->length = 0;
    return 0;
}

/* Room for a new part of document `doc` and `bytes` of its positions,
 * spilling the arena when it is full: 0 or an error. */
static int open_part(renumbered *r, uint32_t doc, size_t bytes, cops_error *err)
{
    int rc = 0;
    if (r->count == r->entry_capacity || r->length + bytes > r->bytes_capacity)
        rc = spill_renumbered(r, err);
    if (rc == 0)
        r->entries[r->count++] = (uint64_t)doc << 32 | r->length;
    return rc;
}

/* One posting's positions (its gap read) into the arena as part(s) of
 * `doc`: copied whole when they are in view and fit, else varint by
 * varint, a new part each time the arena fills. */
static int collect_posting(merge_source *s, renumbered *r, uint32_t doc, cops_error *err)
{
    size_t in_view = (size_t)(s->postings_end - s->postings);
    const uint8_t *stop = memchr(s->postings, 0, in_view);
    if (stop && (size_t)(stop - s->postings) < r->bytes_capacity) {
        size_t length = (size_t)(stop - s->postings) + 1;
        int rc = open_part(r, doc, length, err);
        if (rc == 0) {
            memcpy(r->bytes + r->length, s->postings, length);
            r->length += length;
            s->postings = stop + 1;
        }
        return rc;
    }
    uint32_t position = 0, previous = 0;
    int open = 0;
    for (;;) {
        uint64_t delta;
        if (!source_varint(s, &delta, err))
            return COPS_EIO;
        if (delta == 0)
            break;
        position += (uint32_t)(delta - 1);
        /* a varint and the part's closing 0 must fit */
        if (!open || r->length + CODEC_VARINT_MAX_BYTES + 1 > r->bytes_capacity) {
            if (open)
                r->bytes[r->length++] = 0;
            int rc = open_part(r, doc, CODEC_VARINT_MAX_BYTES + 1, err);
            if (rc != 0)
                return rc;
            open = 1;
            previous = 0;
        }
        r->length += codec_varint_encode((uint64_t)(position - previous) + 1, r->bytes + r->length);
        previous = position;
    }
    if (open)
        r->bytes[r->length++] = 0;
    return 0;
}

/* The source's postings for the current key into the arena, renumbered. */
static int collect_renumbered(merge_source *s, const uint32_t *new_of_old, uint32_t documents,
                              renumbered *r, cops_error *err)
{
    uint32_t doc = UINT32_MAX;
    while (s->postings < s->postings_end || s->unread > 0) {
        uint64_t gap;
        if (!source_varint(s, &gap, err))
            return COPS_EIO;
        doc += (uint32_t)gap + 1;
        /* (a run's window refilled, for the positions' first bytes) */
        if (doc >= documents || (s->unread > 0 && source_fill(s, err) != 0))
            return error_set(err, COPS_EIO, "%s: postings unreadable while merging", s->name);
        int rc = collect_posting(s, r, new_of_old[doc], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A spilled run read back through its share of the arena (a lean
 * reader: a key's runs may be many). */
typedef struct run_reader {
    const uint8_t *at, *end;     /* the window's bytes still to decode */
    uint8_t *window;
    uint64_t next, unread;       /* the run's bytes not in the window yet: from `next` */
    uint32_t doc;                /* of the part to come */
    int ready;                   /* 1: `doc` read */
} run_reader;

/* The run's next varint, the window refilled first when it holds less
 * than a whole one: 1, 0 at the run's end, or an error. */
static int reader_varint(run_reader *rd, size_t window, FILE *file, uint64_t *value,
                         cops_error *err)
{
    size_t left = (size_t)(rd->end - rd->at);
    if (left < CODEC_VARINT_MAX_BYTES && rd->unread > 0) {
        memmove(rd->window, rd->at, left);
        size_t wanted = window - left < rd->unread ? window - left : (size_t)rd->unread;
        if (pread(fileno(file), rd->window + left, wanted, (off_t)rd->next) != (ssize_t)wanted)
            return error_set(err, COPS_EIO, "renumbering run unreadable");
        rd->next += wanted;
        rd->unread -= wanted;
        rd->at = rd->window;
        rd->end = rd->window + left + wanted;
    }
    if (rd->at == rd->end)
        return 0;
    size_t used = codec_varint_decode(rd->at, rd->end, value);
    if (!used || *value > UINT32_MAX)
        return error_set(err, COPS_EIO, "renumbering run unreadable");
    rd->at += used;
    return 1;
}

/* The next part's document of every run not ready: the run with the
 * least (the first such run on a tie), or NULL when all are read. */
static run_reader *least_reader(run_reader *readers, size_t runs, size_t window, FILE *file,
                                int *rc, cops_error *err)
{
    run_reader *least = NULL;
    for (size_t k = 0; k < runs && *rc == 0; k++) {
        run_reader *rd = &readers[k];
        if (!rd->ready) {
            uint64_t doc = 0;
            int got = reader_varint(rd, window, file, &doc, err);
            if (got < 0)
                *rc = got;
            rd->doc = (uint32_t)doc;
            rd->ready = got == 1 ? 1 : -1; /* -1: the run is over */
        }
        if (rd->ready == 1 && (!least || rd->doc < least->doc))
            least = rd;
    }
    return *rc == 0 ? least : NULL;
}

/* The key's runs merged into the writer by new document; a document's
 * parts in two runs come in run order. */
static int merge_renumbered_runs(renumbered *r, pending_posting *pending, postings_pipe *writer,
                                 cops_error *err)
{
    if (fflush(r->spill.file) != 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot write %s", r->spill.path);
    run_reader *readers = calloc(r->runs, sizeof *readers);
    size_t window = r->bytes_capacity / r->runs;
    if (window < 2 * CODEC_VARINT_MAX_BYTES)
        window = 2 * CODEC_VARINT_MAX_BYTES;
    /* the arena's positions half is the windows, unless they outgrow it */
    uint8_t *windows = window * r->runs <= r->bytes_capacity ? r->bytes : malloc(window * r->runs);
    if (!readers || !windows) {
        free(readers);
        return error_set(err, COPS_ENOMEM, "out of memory while renumbering");
    }
    size_t held = r->bytes_capacity + 2 * r->entry_capacity * sizeof *r->entries
                  + r->run_capacity * sizeof *r->run_end + r->runs * sizeof *readers
                  + (windows == r->bytes ? 0 : window * r->runs);
    if (held > r->peak_bytes)
        r->peak_bytes = held;
    for (size_t k = 0; k < r->runs; k++) {
        run_reader *rd = &readers[k];
        rd->next = k ? r->run_end[k - 1] : 0;
        rd->unread = r->run_end[k] - rd->next;
        rd->window = windows + k * window;
        rd->at = rd->end = rd->window;
    }
    int rc = 0;
    run_reader *least;
    while ((least = least_reader(readers, r->runs, window, r->spill.file, &rc, err)) != NULL) {
        rc = pending_open(pending, writer, least->doc, err);
        uint32_t position = 0;
        uint64_t delta = 0;
        int got = 1;
        while (rc == 0 && (got = reader_varint(least, window, r->spill.file, &delta, err)) == 1
               && delta != 0) {
            position += (uint32_t)(delta - 1);
            rc = pending_push(pending, writer, position, err);
        }
        if (rc == 0 && got != 1)
            rc = got < 0 ? got : error_set(err, COPS_EIO, "renumbering run unreadable");
        least->ready = 0;
        if (rc != 0)
            break;
    }
    if (windows != r->bytes)
        free(windows);
    free(readers);
    r->runs = 0;
    r->written = 0;
    if (rc == 0 && fseek(r->spill.file, 0, SEEK_SET) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", r->spill.path);
    return rc;
}

/* The collected postings of the key in the new order (a document's parts
 * from two runs stay in run order, and join). */
static int write_renumbered(renumbered *r, pending_posting *pending, postings_pipe *writer,
                            cops_error *err)
{
    if (r->runs > 0) {
        int rc = r->count > 0 ? spill_renumbered(r, err) : 0;
        return rc == 0 ? merge_renumbered_runs(r, pending, writer, err) : rc;
    }
    sort_renumbered(r);
    int rc = 0;
    for (size_t i = 0; i < r->count && rc == 0; i++) {
        /* read up to its 0 (the arena's end bounds a damaged one) */
        merge_source part = {.name = "memory", .postings = r->bytes + (uint32_t)r->entries[i],
                             .postings_end = r->bytes + r->length};
        rc = push_positions(pending, writer, (uint32_t)(r->entries[i] >> 32), &part, err);
    }
    r->count = r->length = 0;
    return rc;
}

int inverter_finish(inverter *inv, segment_writer *segment_out, const uint32_t *new_of_old,
                    inverter_stats *stats, cops_error *err)
{
    renumbered renumber;
    memset(&renumber, 0, sizeof renumber);
    size_t source_count = inv->run_count + 1;
    merge_source *sources = NULL;
    /* The lists are merged here while the writer encodes them on a thread
     * of its own (postings-pipe.h). */
    postings_pipe *writer = NULL;
    int rc = postings_pipe_open(segment_out, sysconf(_SC_NPROCESSORS_ONLN) > 1,
                                POSTINGS_PIPE_CHUNK_BYTES, &writer, err);
    if (rc != 0)
        return rc;
    if (close_open_postings(inv) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory while merging");
    if (rc == 0 && new_of_old && renumbered_init(&renumber, inv, inv->document) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory while renumbering");
    if (rc == 0)
        rc = open_sources(inv, &sources, err);

    pending_posting *pending = calloc(1, sizeof *pending);
    if (!pending && rc == 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory while merging");
    uint64_t terms = 0, pair_terms = 0, pair_postings = 0;
    while (rc == 0) {
        merge_source *smallest = least_source(sources, source_count);
        if (!smallest)
            break;
        merge_source current = *smallest;
        int pair = pair_key_is(current.key, current.key_length);
        uint64_t written_before = pending ? pending->written : 0;
        rc = postings_pipe_begin_term(writer, current.key, current.key_length, err);
        /* Sources are in run order = document order; every source holding
         * this key contributes, then moves on. */
        for (size_t i = 0; i < source_count && rc == 0; i++) {
            if (sources[i].done || compare_source_keys(&sources[i], &current) != 0)
                continue;
            rc = new_of_old ? collect_renumbered(&sources[i], new_of_old, inv->document, &renumber,
                                                 err)
                            : merge_postings(&sources[i], pending, writer, err);
            if (rc == 0)
                rc = source_advance(&sources[i], inv, err);
        }
        if (rc == 0 && new_of_old)
            rc = write_renumbered(&renumber, pending, writer, err);
        if (rc == 0)
            rc = flush_posting(pending, writer, err);
        if (rc == 0)
            rc = postings_pipe_end_term(writer, err);
        terms++;
        pair_terms += pair;
        if (pair && pending)
            pair_postings += pending->written - written_before;
    }
    /* the writer's own failure, or its calls dropped after ours */
    int closed = postings_pipe_close(writer, rc != 0, err);
    if (rc == 0)
        rc = closed;
    close_sources(inv, sources);
    renumbered_free(&renumber);
    if (stats) {
        stats->renumber_runs = renumber.runs_total;
        stats->renumber_peak_bytes = renumber.peak_bytes;
        stats->terms = terms;
        stats->postings = pending ? pending->written : 0;
        stats->pair_terms = pair_terms;
        stats->pair_postings = pair_postings;
        stats->runs = inv->run_count;
        /* a renumbering's arena beside the lists still held */
        size_t renumbering = new_of_old ? accounted_bytes(inv) + renumber.peak_bytes
                                              + postings_pipe_bytes(POSTINGS_PIPE_CHUNK_BYTES)
                                        : 0;
        stats->peak_bytes = inv->peak_bytes > renumbering ? inv->peak_bytes : renumbering;
    }
    free(pending);
    return rc;
}
