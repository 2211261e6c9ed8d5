/*
 * segment-build.c — documents to one segment (segment-build.h).
 */
#include "config.h"

#include "indexer/segment-build.h"

#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file.h"
#include "base/short-bytes.h"
#include "index-format/segment.h"
#include "indexer/inverter.h"
#include "indexer/reorder.h"
#include "indexer/surface-forms.h"

/* The pair keys of one document's body (index-format/pairs.h): each
 * pair of listed words at consecutive positions, once a document. */
typedef struct pair_tracker {
    const pair_words *words;
    int previous;                /* the previous body token's word, or -1 */
    uint32_t previous_position;
    uint64_t seen[PAIR_MAX_WORDS * PAIR_MAX_WORDS / 64]; /* pairs met in this document */
} pair_tracker;

static void pair_tracker_start(pair_tracker *t)
{
    t->words = pair_words_built_in();
    t->previous = -1;
    memset(t->seen, 0, sizeof t->seen);
}

/* The key of the pair `token` closes, when it is the first of its kind
 * in the document, into `key` (room for SEGMENT_MAX_KEY_BYTES): its
 * length, or 0.  Title tokens make none. */
__attribute__((always_inline)) /* into record_term: it runs for every token */
static inline size_t pair_tracker_token(pair_tracker *t, int title_field, const analyzer_token *token,
                                        uint8_t *key)
{
    /* a compound's joined term is no word between its neighbours */
    if (title_field || token->joined)
        return 0;
    int word = pair_words_find(t->words, token->term, token->term_length);
    int previous = t->previous;
    int adjacent = previous >= 0 && token->position == t->previous_position + 1;
    t->previous = word;
    t->previous_position = token->position;
    if (word < 0 || !adjacent)
        return 0;
    size_t bit = (size_t)previous * PAIR_MAX_WORDS + (size_t)word;
    if (!pair_words_keyed(previous, word) || (t->seen[bit / 64] & (1ull << (bit % 64))))
        return 0;
    t->seen[bit / 64] |= 1ull << (bit % 64);
    return pair_key_make(t->words, previous, word, key);
}

struct segment_build {
    char *path;
    analyzer *analyzer;
    analyzer_config config;
    inverter *inverter;
    surface_forms *forms;        /* words as written, when stemming */
    segment_writer *writer;
    cops_error *err;             /* of the add in progress */
    uint32_t documents;
    uint64_t body_tokens, title_tokens;
    uint8_t key[SEGMENT_MAX_KEY_BYTES];
    int title_field;
    pair_tracker pairs;
    analyzer_counts counts;
    uint32_t *insertion;         /* segment_build_set_insertion_order's, or NULL */
    size_t budget;               /* the inverter's, which a reordering keeps to as well */
    pthread_t sorter;            /* start_sorting's thread */
    int sorting;                 /* 1: `sorter` was started and is not joined yet */
};

int segment_build_begin(int dir_fd, const char *dir, const char *name, analyzer *text_analyzer,
                        const analyzer_config *config, size_t budget_bytes, segment_build **out,
                        cops_error *err)
{
    *out = NULL;
    segment_build *b = calloc(1, sizeof *b);
    size_t length = strlen(dir) + strlen(name) + 2;
    if (!b || !(b->path = malloc(length))) {
        free(b);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    snprintf(b->path, length, "%s/%s", dir, name);
    b->analyzer = text_analyzer;
    b->config = *config;
    analyzer_counts_init(&b->counts);
    /* A regular file of this name is a leftover of a build that never
     * committed; anything else is not ours and makes the build fail. */
    int rc = file_remove_leftover_at(dir_fd, dir, name, err);
    if (rc == 0)
        rc = segment_writer_open_at(dir_fd, dir, name, &b->writer, err);
    if (rc == 0)
        rc = inverter_new(budget_bytes, dir_fd, dir, &b->inverter, err);
    b->budget = budget_bytes;
    if (rc == 0 && config->stem && !(b->forms = surface_forms_new()))
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc != 0) {
        segment_build_abort(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* The index key of a term: title terms carry the field byte first. */
static size_t make_key(uint8_t *key, int title_field, const analyzer_token *token)
{
    size_t offset = 0;
    if (title_field)
        key[offset++] = (uint8_t)SEGMENT_FIELD_TITLE;
    short_bytes_copy(key + offset, token->term, token->term_length);
    return offset + token->term_length;
}

/* Whether the token's word as written is not its term (what SURFACE
 * records): the analyzer points form at term exactly when they are
 * equal. */
static int form_differs(const analyzer_token *token)
{
    return token->form != token->term;
}

/* The key of the token's word as written (--exact-forms; none for a
 * joined token, which is no word as written). */
static size_t make_exact_key(uint8_t *key, int title_field, const analyzer_token *token)
{
    size_t offset = 0;
    if (title_field)
        key[offset++] = (uint8_t)SEGMENT_FIELD_TITLE;
    key[offset++] = (uint8_t)SEGMENT_EXACT_FORM;
    memcpy(key + offset, token->form, token->form_length);
    return offset + token->form_length;
}

static int emit_term(void *context, const analyzer_token *token)
{
    segment_build *b = context;
    if (b->config.exact_forms && !token->joined) {
        size_t exact_length = make_exact_key(b->key, b->title_field, token);
        int rc = inverter_add(b->inverter, b->key, exact_length, token->position, b->err);
        if (rc != 0)
            return rc;
    }
    if (b->forms && form_differs(token)) {
        int rc = surface_forms_add(b->forms, (const uint8_t *)token->form, token->form_length,
                                   (const uint8_t *)token->term, token->term_length);
        if (rc != 0)
            return error_set(b->err, rc, "out of memory");
    }
    size_t length = make_key(b->key, b->title_field, token);
    int rc = inverter_add(b->inverter, b->key, length, token->position, b->err);
    size_t pair_length = rc == 0 ? pair_tracker_token(&b->pairs, b->title_field, token, b->key) : 0;
    /* position 0: the key says which documents, not where */
    return pair_length ? inverter_add(b->inverter, b->key, pair_length, 0, b->err) : rc;
}

/* A document's analysis, as made by segment_build_prepare:
 *     analysed_head  then  *([u8 0, u8 form_length, form] u8 key_length, key,
 *                            u32 position, u32 hash)
 * in the order the analyzer emitted the terms (title first); the hash is
 * the key's inverter_hash, computed on the analysis thread; the word as
 * written comes before a key when stemming changed it, the first time the
 * stage's analyzer emits it (record_term). */
typedef struct analysed_head {
    uint32_t title_length, body_length;
    analyzer_counts counts;
} analysed_head;

struct segment_build_stage {
    analyzer *analyzer;
    int exact_forms;
    byte_buffer *out;
    int title_field;
    pair_tracker pairs;
};

int segment_build_stage_new(const analyzer_config *config, segment_build_stage **out,
                            cops_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return error_set(err, COPS_ENOMEM, "out of memory");
    (*out)->exact_forms = config->exact_forms;
    int rc = analyzer_new(config, &(*out)->analyzer, err);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void segment_build_stage_free(segment_build_stage *stage)
{
    if (stage) {
        analyzer_free(stage->analyzer);
        free(stage);
    }
}

/* The most one token records: its word as written, its key and its exact
 * key (SEGMENT_MAX_KEY_BYTES bounds both keys). */
#define RECORD_MAX_BYTES (2 + ANALYZER_MAX_TERM_BYTES + 3 * (1 + SEGMENT_MAX_KEY_BYTES + 8))

/* One key record at `at` (length, key, position, hash); past its end. */
static uint8_t *record_key(uint8_t *at, size_t length, uint32_t position)
{
    at[0] = (uint8_t)length;
    uint32_t hash = inverter_hash(at + 1, length);
    memcpy(at + 1 + length, &position, 4);
    memcpy(at + 1 + length + 4, &hash, 4);
    return at + 1 + length + 8;
}

static int record_term(void *context, const analyzer_token *token)
{
    segment_build_stage *stage = context;
    byte_buffer *out = stage->out;
    /* One reservation, then the bytes written in place: this runs for
     * every token, and appending piece by piece cost more than the rest
     * of the recording. */
    if (buffer_reserve(out, RECORD_MAX_BYTES) != 0)
        return COPS_ENOMEM;
    uint8_t *at = out->data + out->length;
    /* A form the stage's analyzer emitted before is already in an earlier
     * record of this build (the stage and its analyzer serve one build,
     * and every document it prepares is inverted in order, or the build
     * fails), so it is recorded only the first time: SURFACE is the set of
     * distinct forms, and most tokens are repeats. */
    if (form_differs(token) && !token->form_seen) {
        at[0] = 0;
        at[1] = (uint8_t)token->form_length;
        memcpy(at + 2, token->form, token->form_length);
        at += 2 + token->form_length;
    }
    /* a compound's joined form (e-mail: email) is no word as written:
     * =email matches email, not e-mail (query/lower.h, "Exact forms") */
    int exact_forms = stage->exact_forms && !token->joined;
    for (int exact = 0; exact <= exact_forms; exact++) {
        /* the term (right after its word as written, if recorded), then
         * the word as written as a key of its own (--exact-forms) */
        size_t length = exact ? make_exact_key(at + 1, stage->title_field, token)
                              : make_key(at + 1, stage->title_field, token);
        at = record_key(at, length, token->position);
    }
    size_t pair_length = pair_tracker_token(&stage->pairs, stage->title_field, token, at + 1);
    if (pair_length) /* position 0: the key says which documents, not where */
        at = record_key(at, pair_length, 0);
    out->length = (size_t)(at - out->data);
    return 0;
}

/* Analyse title then body with `emit`; the lengths go to the head. */
static int analyse_document(analyzer *a, const source_document *document,
                            int (*emit)(void *context, const analyzer_token *token),
                            void *context, int *title_field, pair_tracker *pairs,
                            analysed_head *head)
{
    pair_tracker_start(pairs);
    *title_field = 1;
    /* the joined forms of compounds too (e-mail: email), so that a
     * query of either finds both (query/lower.h, "Hyphenated words") */
    int rc = analyzer_run(a, document->title, strlen(document->title), 0, ANALYZE_JOINED, emit,
                          context, &head->counts, &head->title_length);
    if (rc == 0) {
        *title_field = 0;
        rc = analyzer_run(a, document->text, document->text_length, 0, ANALYZE_JOINED, emit,
                          context, &head->counts, &head->body_length);
    }
    return rc;
}

int segment_build_prepare(void *context, const source_document *document, byte_buffer *out,
                          cops_error *err)
{
    segment_build_stage *stage = context;
    size_t head_at = out->length;
    analysed_head head;
    memset(&head, 0, sizeof head);
    analyzer_counts_init(&head.counts);
    buffer_append(out, &head, sizeof head);
    stage->out = out;
    int rc = analyse_document(stage->analyzer, document, record_term, stage, &stage->title_field,
                              &stage->pairs, &head);
    if (rc != 0 || buffer_failed(out))
        return error_set(err, COPS_ENOMEM, "out of memory while analysing");
    memcpy(out->data + head_at, &head, sizeof head);
    return 0;
}

/* Add `part`'s counts to `total`. */
static void add_counts(analyzer_counts *total, const analyzer_counts *part)
{
    total->tokens += part->tokens;
    total->invalid_sequences += part->invalid_sequences;
    total->long_tokens += part->long_tokens;
    if (total->first_invalid_offset == SIZE_MAX)
        total->first_invalid_offset = part->first_invalid_offset;
}

/* The word as written at *p (a prepared record: 0, length, form) and the
 * term of the key after it; *p moves to that key. */
static int note_prepared_form(segment_build *b, const uint8_t **p, const uint8_t *end,
                              cops_error *err)
{
    const uint8_t *form = *p + 2;
    if (end - *p < 3 || (size_t)(end - form) < (size_t)(*p)[1] + 1)
        return error_set(err, COPS_EINVAL, "analysed document truncated");
    size_t form_length = (*p)[1];
    const uint8_t *key = form + form_length;
    size_t key_length = key[0];
    if (key_length == 0 || (size_t)(end - key) < 1 + key_length)
        return error_set(err, COPS_EINVAL, "analysed document truncated");
    *p = key;
    int title = key[1] == (uint8_t)SEGMENT_FIELD_TITLE;
    int rc = b->forms ? surface_forms_add(b->forms, form, form_length, key + 1 + title,
                                          key_length - (size_t)title)
                      : 0;
    return rc ? error_set(err, rc, "out of memory") : 0;
}

/* Invert what segment_build_prepare recorded.  Lookups are software
 * pipelined: a record's slot is fetched PREFETCH_AHEAD records before it
 * is added and its entry half way, so the misses overlap. */
#define PREFETCH_AHEAD 8
static int invert_prepared(segment_build *b, const uint8_t *p, size_t length,
                           analysed_head *head, cops_error *err)
{
    const uint8_t *end = p + length;
    if (length < sizeof *head)
        return error_set(err, COPS_EINVAL, "analysed document truncated");
    memcpy(head, p, sizeof *head);
    p += sizeof *head;
    const uint8_t *ring[PREFETCH_AHEAD]; /* records fetched but not added yet */
    uint32_t hashes[PREFETCH_AHEAD];
    size_t queued = 0, next = 0;
    for (;;) {
        if (p < end && *p == 0) { /* a word as written, then its key */
            int rc = note_prepared_form(b, &p, end, err);
            if (rc != 0)
                return rc;
            continue;
        }
        if (p < end) {
            size_t key_length = *p;
            if (key_length == 0 || (size_t)(end - p) < 1 + key_length + 8)
                return error_set(err, COPS_EINVAL, "analysed document truncated");
            size_t at = (next + queued) % PREFETCH_AHEAD;
            ring[at] = p;
            memcpy(&hashes[at], p + 1 + key_length + 4, 4);
            inverter_prefetch(b->inverter, hashes[at],
                              queued >= PREFETCH_AHEAD / 2
                                  ? &hashes[(next + queued - PREFETCH_AHEAD / 2) % PREFETCH_AHEAD]
                                  : NULL);
            p += 1 + key_length + 8;
            if (++queued < PREFETCH_AHEAD)
                continue;
        }
        if (queued == 0)
            return 0;
        const uint8_t *record = ring[next];
        size_t key_length = record[0];
        uint32_t position;
        memcpy(&position, record + 1 + key_length, 4);
        int rc = inverter_add_hashed(b->inverter, record + 1, key_length, hashes[next], position,
                                     err);
        if (rc != 0)
            return rc;
        next = (next + 1) % PREFETCH_AHEAD;
        queued--;
    }
}

int segment_build_add(segment_build *b, const source_document *document, const uint8_t *prepared,
                      size_t prepared_length, cops_error *err)
{
    analysed_head head;
    memset(&head, 0, sizeof head);
    analyzer_counts_init(&head.counts);
    b->err = err;
    int rc = prepared ? invert_prepared(b, prepared, prepared_length, &head, err)
                      : analyse_document(b->analyzer, document, emit_term, b, &b->title_field,
                                         &b->pairs, &head);
    if (!prepared && rc == COPS_ENOMEM) /* the analyzer's own failures carry no message */
        rc = error_set(err, COPS_ENOMEM, "out of memory while analysing");
    add_counts(&b->counts, &head.counts);
    uint32_t title_length = head.title_length, body_length = head.body_length;
    if (rc == 0)
        rc = segment_writer_add_document(b->writer, document->id, document->title,
                                         source_date_number(document->date), document->text,
                                         document->text_length, body_length, title_length, err);
    if (rc == 0)
        rc = inverter_end_document(b->inverter, err);
    if (rc != 0)
        return rc < 0 ? rc : error_set(err, COPS_ENOMEM, "analysis failed");
    b->documents++;
    b->body_tokens += body_length;
    b->title_tokens += title_length;
    return 0;
}

uint32_t segment_build_documents(const segment_build *b) { return b->documents; }

/* What needs no document order, done on a thread of its own while the
 * documents are reordered: the keys and the words as written sorted for
 * writing (on wiki-dev 0.6 s of processor time on a loaded machine, on
 * the processor that the graph and the bisection's first level leave
 * idle).  The order of the keys and of the words is fixed by their
 * bytes, so the segment is the same whichever thread sorts; what this
 * thread could not sort for want of memory is sorted when written. */
static void *sort_early(void *argument)
{
    segment_build *b = argument;
    inverter_sort_keys(b->inverter);
    if (b->forms)
        surface_forms_sort(b->forms);
    return NULL;
}

static size_t sorting_bytes(const segment_build *b)
{
    return inverter_sort_keys_bytes(b->inverter) + (b->forms ? surface_forms_sort_bytes(b->forms) : 0);
}

static void start_sorting(segment_build *b)
{
    if (!b->sorting)
        b->sorting = pthread_create(&b->sorter, NULL, sort_early, b) == 0;
}

static void join_sorting(segment_build *b)
{
    if (b->sorting)
        pthread_join(b->sorter, NULL);
    b->sorting = 0;
}

static void free_build(segment_build *b)
{
    join_sorting(b); /* it reads the tables freed next */
    free(b->insertion);
    inverter_free(b->inverter);
    surface_forms_free(b->forms);
    free(b->path);
    free(b);
}

int segment_build_finish(segment_build *b, segment_build_result *result, cops_error *err)
{
    memset(result, 0, sizeof *result);
    result->counts = b->counts;
    if (b->documents == 0) {
        segment_build_abort(b);
        return 0;
    }
    join_sorting(b);
    inverter_stats inverted;
    memset(&inverted, 0, sizeof inverted);
    /* the postings renumbered: the document added k-th is new_of_old[k] */
    uint32_t *new_of_old = b->insertion ? malloc((size_t)b->documents * sizeof *new_of_old) : NULL;
    int rc = b->insertion && !new_of_old ? error_set(err, COPS_ENOMEM, "out of memory") : 0;
    for (uint32_t d = 0; new_of_old && d < b->documents; d++)
        new_of_old[b->insertion[d]] = d;
    if (rc == 0)
        rc = inverter_finish(b->inverter, b->writer, new_of_old, &inverted, err);
    free(new_of_old);
    if (rc == 0 && b->forms)
        rc = surface_forms_write(b->forms, b->writer, err);
    if (rc == 0) {
        segment_meta meta;
        memset(&meta, 0, sizeof meta);
        meta.documents = b->documents;
        meta.body_tokens = b->body_tokens;
        meta.title_tokens = b->title_tokens;
        /* META's figures are the user's keys' (pair keys are hidden) */
        meta.terms = inverted.terms - inverted.pair_terms;
        meta.postings = inverted.postings - inverted.pair_postings;
        /* the list only with a key of it: without, a phrase is counted
         * by its positions, which gives the same number */
        if (inverted.pair_terms > 0)
            meta.pairs = *pair_words_built_in();
        meta.stem = b->config.stem;
        meta.exact_forms = b->config.stem && b->config.exact_forms;
        snprintf(meta.language, sizeof meta.language, "%s", b->config.language);
        rc = segment_writer_finish(b->writer, &meta, &result->bytes, err);
        b->writer = NULL; /* finish frees it either way */
    }
    if (rc != 0) {
        segment_build_abort(b);
        return rc;
    }
    result->documents = b->documents;
    result->terms = inverted.terms - inverted.pair_terms;
    result->postings = inverted.postings - inverted.pair_postings;
    result->tokens = b->body_tokens + b->title_tokens;
    result->peak_memory_bytes = inverted.peak_bytes;
    free_build(b);
    return 0;
}

int segment_build_set_insertion_order(segment_build *b, const uint32_t *insertion,
                                      cops_error *err)
{
    if (b->insertion)
        return error_set(err, COPS_EINVAL, "the documents were reordered twice");
    int rc = segment_writer_set_insertion_order(b->writer, insertion, b->documents, err);
    if (rc == 0 && !(b->insertion = malloc(((size_t)b->documents + 1) * sizeof *b->insertion)))
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc == 0)
        memcpy(b->insertion, insertion, (size_t)b->documents * sizeof *insertion);
    return rc;
}

/* The build's bisection (bp-order.h), cheaper than a merge's, so that a
 * build stays within its throughput targets (indexing at least 1.5x
 * SQLite FTS5's speed): two rounds a level, not five; parts of under 128
 * documents not split; and only the keys in 4 documents or more in the
 * graph, and in a collection of over 10,240 documents in a tenth of them
 * at most (such keys say little about which documents belong together,
 * and hold most of the edges; in a small collection every shared word
 * may be that common).  On wiki-dev (41,239 documents; 8.4 M edges of
 * 8.6 M postings with every key in two documents or more) the
 * bisection's processor time goes 0.82 -> 0.47 s with 5.8 M edges, and
 * the index without stored text 47.13 -> 47.22 MB (48.74 MB not
 * reordered).  For the same reason the log-gap costs are not computed
 * (two passes over the graph, a tenth of a second). */
#define BUILD_REORDER_ROUNDS 2
#define BUILD_REORDER_MIN_PART 128
#define BUILD_REORDER_MIN_DF 4
#define BUILD_REORDER_MAX_DF_SHARE 10
#define BUILD_REORDER_MAX_DF_FROM 1024 /* a tenth of 10,240 documents */

/* An order that changes nothing is not recorded: the segment stays one
 * in insertion order, 4 bytes a document smaller. */
static int record_order(segment_build *b, const uint32_t *order, cops_error *err)
{
    uint32_t moved = 0;
    while (moved < b->documents && order[moved] == moved)
        moved++;
    return moved < b->documents ? segment_build_set_insertion_order(b, order, err) : 0;
}

/* The largest document frequency up to `most` whose terms (df[t]
 * documents each) make a graph that fits in `room` bytes with its
 * bisection: the commonest keys are left out first (4 bytes an edge),
 * the rarer ones saying more about which documents belong together.  0
 * when none fits. */
static uint32_t fitting_cap(const bp_graph *g, const uint32_t *df, uint32_t units,
                            const bp_options *options, size_t room, uint32_t most)
{
    uint32_t fits = 0, low = 1, high = most;
    while (low <= high && low != 0) {
        uint32_t cap = low + (high - low) / 2;
        uint64_t edges = 0;
        uint32_t terms = 0;
        for (uint32_t t = 0; t < g->terms; t++)
            if (df[t] <= cap) {
                edges += df[t];
                terms++;
            }
        size_t needed = (size_t)edges * 4 + reorder_ordering_bytes(g->items, units, edges, terms,
                                                                   options);
        if (needed <= room) {
            fits = cap;
            if (cap == UINT32_MAX)
                break;
            low = cap + 1;
        } else {
            high = cap - 1;
        }
    }
    return fits;
}

/* The graph's terms in `cap` documents at most kept, numbered anew in
 * their order, the rows closed up. */
static void keep_terms_up_to(bp_graph *g, uint64_t *rows, uint32_t *term_ids, const uint32_t *df,
                             uint32_t cap, uint32_t *number)
{
    uint32_t terms = 0;
    for (uint32_t t = 0; t < g->terms; t++)
        number[t] = df[t] <= cap ? terms++ : UINT32_MAX;
    if (terms == g->terms)
        return;
    uint64_t out = 0;
    for (uint32_t d = 0; d < g->items; d++) {
        uint64_t start = rows[d], end = rows[d + 1];
        rows[d] = out;
        for (uint64_t e = start; e < end; e++)
            if (number[term_ids[e]] != UINT32_MAX)
                term_ids[out++] = number[term_ids[e]];
    }
    rows[g->items] = out;
    g->terms = terms;
}

/* The graph cut to fit `budget` with its bisection beside `held` bytes
 * (fitting_cap), its term list shrunk to its edges; *whole what the
 * graph uncut would take.  0 or COPS_ENOMEM. */
static int cap_graph(bp_graph *graph, uint64_t *rows, uint32_t **terms, size_t budget,
                     size_t held, uint32_t units, uint32_t max_df, const bp_options *options,
                     size_t *whole, cops_error *err)
{
    uint64_t edges = rows[graph->items];
    *whole = held + (size_t)edges * sizeof **terms
             + reorder_ordering_bytes(graph->items, units, edges, graph->terms, options);
    uint32_t *df = calloc((size_t)graph->terms + 1, sizeof *df);
    uint32_t *number = malloc(((size_t)graph->terms + 1) * sizeof *number);
    int rc = df && number ? 0 : error_set(err, COPS_ENOMEM, "out of memory reordering the documents");
    /* the two tables beside the graph while it is cut */
    size_t tables = 2 * ((size_t)graph->terms + 1) * sizeof *df;
    size_t room = budget > held + tables ? budget - held - tables : 0;
    for (uint64_t e = 0; rc == 0 && e < edges; e++)
        df[(*terms)[e]]++;
    if (rc == 0)
        keep_terms_up_to(graph, rows, *terms, df,
                         fitting_cap(graph, df, units, options, room, max_df), number);
    free(df);
    free(number);
    uint32_t *fit = realloc(*terms, ((size_t)rows[graph->items] + 1) * sizeof **terms);
    if (fit)
        graph->term_ids = *terms = fit;
    return rc;
}

/* segment_build_reorder when the lists outgrew the budget and were
 * spilled to runs, or when the graph and bisection do not fit beside
 * them: the lists in memory are spilled (too), so the graph (read from
 * the runs, 4 bytes a posting) and the bisection have the budget the
 * lists had; the keys of the graph are the same as in memory, but for
 * the commonest left out when the graph and bisection would not fit
 * (fitting_cap).  The walk reads the runs once more, positions skipped,
 * before the merge reads them again: on the 684 MB x4 corpus under the
 * default 256 MB budget, 0.3 s of processor time to spill the last
 * lists, 0.8 s for the walk and 3.7 s for the bisection, beside a build
 * of 29 s. */
static int reorder_spilled(segment_build *b, const uint32_t *unit_start, uint32_t units,
                           uint32_t max_df, const bp_options *options, uint32_t *order,
                           reorder_stats *stats, cops_error *err)
{
    int rc = inverter_spill_rest(b->inverter, err);
    if (rc != 0)
        return rc;
    stats->peak_memory_bytes = inverter_memory(b->inverter) + inverter_graph_bytes(b->inverter);
    if (stats->peak_memory_bytes > b->budget) {
        stats->skipped = 1;
        return 0;
    }
    bp_graph graph;
    uint64_t *rows = NULL;
    uint32_t *terms = NULL;
    rc = inverter_graph(b->inverter, BUILD_REORDER_MIN_DF, max_df, &graph, &rows, &terms, err);
    if (rc != 0) {
        stats->skipped = rc == 1;
        return rc == 1 ? 0 : rc;
    }
    size_t walked = stats->peak_memory_bytes, whole = 0;
    size_t held = inverter_memory(b->inverter) + ((size_t)b->documents + 1) * sizeof *rows;
    rc = cap_graph(&graph, rows, &terms, b->budget, held, units, max_df, options, &whole, err);
    stats->edges = rows[graph.items];
    stats->terms = graph.terms;
    /* the graph held (not the walk's room), then the bisection beside it */
    stats->peak_memory_bytes = held + (size_t)stats->edges * sizeof *terms;
    size_t needed = stats->peak_memory_bytes
                    + reorder_ordering_bytes(b->documents, units, stats->edges, graph.terms,
                                             options);
    if (rc != 0 || graph.terms == 0) {
        stats->skipped = rc == 0;
        stats->peak_memory_bytes = whole;
    } else if (needed > b->budget) { /* (not even the graph's rows) */
        stats->skipped = 1;
        stats->peak_memory_bytes = needed;
    } else {
        if (needed + sorting_bytes(b) <= b->budget) {
            stats->peak_memory_bytes += sorting_bytes(b);
            start_sorting(b); /* the words as written: the graph walk is done with the keys */
        }
        rc = reorder_units(&graph, unit_start, units, options, order, &stats->peak_memory_bytes,
                           err);
        if (walked > stats->peak_memory_bytes)
            stats->peak_memory_bytes = walked;
    }
    free(rows);
    free(terms);
    return rc == 0 && !stats->skipped ? record_order(b, order, err) : rc;
}

int segment_build_reorder(segment_build *b, const uint32_t *unit_start, uint32_t units,
                          uint32_t *order, reorder_stats *stats, cops_error *err)
{
    memset(stats, 0, sizeof *stats);
    for (uint32_t d = 0; d < b->documents; d++)
        order[d] = d;
    uint32_t max_df = b->documents / BUILD_REORDER_MAX_DF_SHARE >= BUILD_REORDER_MAX_DF_FROM
                          ? b->documents / BUILD_REORDER_MAX_DF_SHARE
                          : UINT32_MAX;
    uint32_t graph_terms = 0;
    stats->edges = inverter_graph_edges(b->inverter, BUILD_REORDER_MIN_DF, max_df, &graph_terms);
    stats->terms = graph_terms;
    bp_options options = {0, BUILD_REORDER_ROUNDS, BUILD_REORDER_MIN_PART, 0};
    if (inverter_spilled(b->inverter))
        return reorder_spilled(b, unit_start, units, max_df, &options, order, stats, err);
    /* the graph, read from the lists, which stay in memory beside it and
     * the bisection: all within the budget, or the segment keeps
     * insertion order */
    stats->peak_memory_bytes = inverter_graph_bytes(b->inverter);
    size_t needed = inverter_memory(b->inverter) + stats->peak_memory_bytes
                    + reorder_ordering_bytes(b->documents, units, stats->edges, graph_terms,
                                             &options);
    if (needed > b->budget) /* the lists on disk make room for it */
        return reorder_spilled(b, unit_start, units, max_df, &options, order, stats, err);
    /* the keys and words sorted meanwhile (sort_early), when that fits too */
    if (needed + sorting_bytes(b) <= b->budget) {
        stats->peak_memory_bytes += sorting_bytes(b);
        start_sorting(b);
    }
    bp_graph graph;
    uint64_t *rows = NULL;
    uint32_t *terms = NULL;
    int rc = inverter_graph(b->inverter, BUILD_REORDER_MIN_DF, max_df, &graph, &rows, &terms, err);
    if (rc != 0) {
        stats->skipped = rc == 1;
        return rc == 1 ? 0 : rc;
    }
    rc = reorder_units(&graph, unit_start, units, &options, order, &stats->peak_memory_bytes, err);
    free(rows);
    free(terms);
    return rc == 0 ? record_order(b, order, err) : rc;
}

void segment_build_abort(segment_build *b)
{
    if (!b)
        return;
    segment_writer_abort(b->writer); /* removes the file */
    free_build(b);
}
