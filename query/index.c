/*
 * index.c — opening an index, statistics, term dumps (cops.h, index.h).
 */
#include "config.h"

#include "query/index.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/array.h"
#include "base/error.h"
#include "base/escape.h"
#include "base/file.h"
#include "index-format/codec.h"
#include "query/results.h"

/* The collection statistics count live documents only: take the lengths
 * of `seg`'s deleted documents off the totals. */
static void subtract_deleted_lengths(segment *seg, const deletions *deleted,
                                     uint64_t *body_tokens, uint64_t *title_tokens)
{
    for (uint32_t doc = deletions_next(deleted, 0); doc < deleted->documents;
         doc = deletions_next(deleted, doc + 1)) {
        *body_tokens -= segment_body_length(seg, doc);
        *title_tokens -= segment_title_length(seg, doc);
    }
}

/* Open the segments named by the manifest, in the directory `dir_fd` it
 * was read from (`index_dir` names it).  COPS_ENOINDEX from a segment
 * means a writer committed and removed it between our two reads. */
static int open_segments(cops_index *index, int dir_fd, const char *index_dir, cops_error *err)
{
    uint64_t body_tokens = 0, title_tokens = 0, stored = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < index->manifest.segment_count; i++) {
        const manifest_segment *listed = &index->manifest.segments[i];
        segment *seg = NULL;
        rc = segment_open_at(dir_fd, index_dir, listed->name, &seg, err);
        if (rc != 0)
            break;
        index->segments[i] = seg;
        index->segment_count++;
        const segment_meta *meta = segment_get_meta(seg);
        if (meta->documents != listed->documents)
            return error_set(err, COPS_ECORRUPT, "%s: damaged index: %s holds %llu documents, "
                             "the manifest says %llu", index_dir, listed->name,
                             (unsigned long long)meta->documents,
                             (unsigned long long)listed->documents);
        if (stored + meta->documents >= UINT32_MAX)
            return error_set(err, COPS_ELIMIT, "%s: more than 2^32 documents", index_dir);
        index->bases[i] = (uint32_t)stored;
        stored += meta->documents;
        body_tokens += meta->body_tokens;
        title_tokens += meta->title_tokens;
        if (listed->deletions[0]) {
            rc = deletions_read_at(dir_fd, index_dir, listed->deletions,
                                   (uint32_t)meta->documents, &index->deleted[i], err);
            if (rc != 0)
                return rc;
            if (index->deleted[i].deleted != listed->deleted)
                return error_set(err, COPS_ECORRUPT, "%s: damaged index: %s marks %u documents, "
                                 "the manifest says %llu", index_dir, listed->deletions,
                                 index->deleted[i].deleted, (unsigned long long)listed->deleted);
            subtract_deleted_lengths(seg, &index->deleted[i], &body_tokens, &title_tokens);
            index->has_deletions |= index->deleted[i].deleted > 0;
        }
        index->documents += meta->documents - index->deleted[i].deleted;
        if (i == 0) {
            analyzer_config_init(&index->analysis);
            index->analysis.stem = meta->stem;
            index->analysis.exact_forms = meta->exact_forms;
            snprintf(index->analysis.language, sizeof index->analysis.language, "%s",
                     meta->language);
        } else if (meta->stem != index->analysis.stem
                   || meta->exact_forms != index->analysis.exact_forms
                   || strcmp(meta->language, index->analysis.language) != 0) {
            return error_set(err, COPS_ECORRUPT, "%s: segments were built with different analysis",
                             index_dir);
        }
    }
    if (rc == 0) {
        double n = index->documents ? (double)index->documents : 1.0;
        index->average_body_length = (double)body_tokens / n;
        index->average_title_length = (double)title_tokens / n;
    }
    return rc;
}

/* Forget what load_records made (the pending catalogs stay). */
static void drop_runs(record_sources *sources)
{
    free(sources->runs);
    sources->runs = NULL;
    sources->run_count = sources->run_capacity = 0;
    catalog_free(&sources->records);
}

static void free_records(cops_index *index)
{
    record_sources *sources = &index->sources;
    for (size_t i = 0; i < sources->pending_count; i++)
        if (sources->pending[i].fd >= 0)
            close(sources->pending[i].fd);
    sources->pending_count = 0;
    drop_runs(sources);
    atomic_store_explicit(&sources->ready, 0, memory_order_relaxed);
}

/* Pin the committed catalog (when the manifest names one): opening it is
 * all a query pays until a hit needs a record's line.  A catalog that
 * cannot be opened only costs the hits their lines, except a missing one:
 * COPS_ENOINDEX, for the caller to read the manifest again (a commit
 * removed it).  0 otherwise. */
static int open_records(cops_index *index, int dir_fd, const char *index_dir)
{
    free_records(index);
    if (!index->manifest.files[0])
        return 0;
    pending_catalog *p = &index->sources.pending[0];
    cops_error ignored;
    int rc = catalog_open_at(dir_fd, index_dir, index->manifest.files, &p->fd, &p->size,
                             &ignored);
    if (rc != 0)
        return rc == COPS_ENOINDEX ? rc : 0;
    p->documents = manifest_documents(&index->manifest);
    p->first_segment = 0;
    p->segment_count = index->segment_count;
    snprintf(p->name, sizeof p->name, "%s", index->manifest.files);
    index->sources.pending_count = 1;
    return 0;
}

void index_take_records(cops_index *index, cops_index *other, size_t first_segment)
{
    record_sources *to = &index->sources, *from = &other->sources;
    /* (a catalog left over, past the room, is closed with `other`) */
    for (size_t i = 0; i < from->pending_count && to->pending_count < MANIFEST_MAX_SEGMENTS; i++) {
        pending_catalog *p = &to->pending[to->pending_count++];
        *p = from->pending[i];
        p->first_segment += first_segment;
        from->pending[i].fd = -1;
    }
}

/* The number of the segment of `p` whose file is named `name`, or
 * SIZE_MAX. */
static size_t segment_named(const cops_index *index, const pending_catalog *p, const char *name)
{
    for (size_t s = p->first_segment; s < p->first_segment + p->segment_count; s++) {
        const char *path = segment_path(index->segments[s]);
        const char *slash = strrchr(path, '/');
        if (strcmp(slash ? slash + 1 : path, name) == 0)
            return s;
    }
    return SIZE_MAX;
}

/* Read pending catalog `p`: its entries of its segments go to the
 * records, each with a run.  Damage leaves the catalog out; 0 or
 * COPS_ENOMEM. */
static int read_pending(cops_index *index, const pending_catalog *p)
{
    record_sources *sources = &index->sources;
    catalog read;
    cops_error ignored;
    int rc = catalog_read_records(p->fd, p->size, p->name, p->documents, &read, &ignored);
    if (rc != 0)
        return rc == COPS_ENOMEM ? rc : 0;
    catalog *records = &sources->records;
    for (size_t i = 0; rc == 0 && i < read.count; i++) {
        catalog_entry *e = &read.entries[i];
        size_t number = segment_named(index, p, e->segment);
        if (number == SIZE_MAX)
            continue;
        rc = ARRAY_RESERVE_ONE(records->entries, records->capacity, records->count, 8);
        if (rc == 0)
            rc = ARRAY_RESERVE_ONE(sources->runs, sources->run_capacity, sources->run_count, 8);
        if (rc != 0)
            break;
        sources->runs[sources->run_count++] = (record_run){
            .entry = records->count, .segment = number, .first_doc = e->first_doc,
            .doc_count = e->doc_count};
        records->entries[records->count++] = *e; /* the path and lines change hands */
        e->path = NULL;
        e->lines = NULL;
    }
    catalog_free(&read);
    return rc != 0 ? COPS_ENOMEM : 0;
}

static int compare_runs(const void *a, const void *b)
{
    const record_run *x = a, *y = b;
    if (x->segment != y->segment)
        return x->segment < y->segment ? -1 : 1;
    return x->first_doc < y->first_doc ? -1 : x->first_doc > y->first_doc;
}

/* Read every pending catalog, then sort the runs for
 * index_record_source's binary search.  Called once, under records_lock;
 * on COPS_ENOMEM what was read is dropped and the descriptors are kept,
 * so a later call tries again. */
static int load_records(cops_index *index)
{
    record_sources *sources = &index->sources;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sources->pending_count; i++)
        rc = read_pending(index, &sources->pending[i]);
    if (rc != 0) {
        drop_runs(sources);
        return rc;
    }
    if (sources->run_count > 1)
        qsort(sources->runs, sources->run_count, sizeof *sources->runs, compare_runs);
    for (size_t i = 0; i < sources->pending_count; i++) {
        close(sources->pending[i].fd);
        sources->pending[i].fd = -1;
    }
    sources->pending_count = 0;
    return 0;
}

/* Taken by the first thread to need an index's records (any index's:
 * that happens once per open index, so one lock for all is enough). */
static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;

int index_record_source(cops_index *index, size_t segment_number, uint32_t local,
                        const char **file, uint64_t *line, cops_error *err)
{
    record_sources *sources = &index->sources;
    *line = 0;
    if (!atomic_load_explicit(&sources->ready, memory_order_acquire)) {
        pthread_mutex_lock(&records_lock);
        int rc = 0;
        if (!atomic_load_explicit(&sources->ready, memory_order_relaxed)
            && (rc = load_records(index)) == 0)
            atomic_store_explicit(&sources->ready, 1, memory_order_release);
        pthread_mutex_unlock(&records_lock);
        if (rc != 0)
            return error_set(err, COPS_ENOMEM, "out of memory");
    }
    /* the last run starting at or before (segment_number, local) */
    size_t low = 0, high = sources->run_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        const record_run *run = &sources->runs[middle];
        if (run->segment < segment_number
            || (run->segment == segment_number && run->first_doc <= local))
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return 0;
    const record_run *run = &sources->runs[low - 1];
    if (run->segment != segment_number || local - run->first_doc >= run->doc_count)
        return 0;
    const catalog_entry *e = &sources->records.entries[run->entry];
    *file = e->path;
    *line = catalog_entry_line(e, local);
    return 0;
}

static void close_segments(cops_index *index)
{
    for (size_t i = 0; i < index->segment_count; i++)
        segment_close(index->segments[i]);
    for (size_t i = 0; i < MANIFEST_MAX_SEGMENTS; i++)
        deletions_free(&index->deleted[i]);
    index->segment_count = 0;
    index->documents = 0;
    index->has_deletions = 0;
}

static int no_index(const char *index_dir, cops_error *err)
{
    return error_set(err, COPS_ENOINDEX,
                     "no index at %s: build one with 'cops-index --index %s FILES...' "
                     "(or 'cops-index' in the source tree to index corpus/)",
                     index_dir, index_dir);
}

/* Every file comes from the directory opened once here (base/file.h:
 * the path named is followed, the folder then held), so a folder swapped
 * for a link to another index between the manifest and a segment cannot
 * make one handle of two indexes' files. */
int native_index_open(cops_index *index, const char *index_dir, cops_error *err)
{
    int dir_fd;
    int rc = file_hold_directory(index_dir, &dir_fd, err);
    if (rc != 0)
        return rc == COPS_ENOINDEX ? no_index(index_dir, err) : rc;
    for (int attempt = 0; attempt < 5; attempt++) {
        close_segments(index);
        rc = manifest_read_at(dir_fd, index_dir, &index->manifest, err);
        if (rc == COPS_ENOINDEX) {
            no_index(index_dir, err);
            break;
        }
        if (rc == 0)
            rc = open_segments(index, dir_fd, index_dir, err);
        /* The catalog is named by the same manifest: gone, a writer has
         * committed since (the segments opened may be its predecessor's,
         * pinned by their maps), so read the manifest again; still gone
         * at the last attempt, the index is answered without it, as a
         * damaged catalog is (hits without their sources). */
        if (rc == 0 && open_records(index, dir_fd, index_dir) == COPS_ENOINDEX && attempt < 4)
            continue;
        if (rc != COPS_ENOINDEX)
            break;
    }
    close(dir_fd); /* the segments are mapped, the catalog held by its own descriptor */
    if (rc == COPS_ENOINDEX && index->manifest.segment_count > 0)
        rc = error_set(err, COPS_ECORRUPT, "%s: damaged index: a segment named by the manifest "
                       "is missing", index_dir);
    if (rc == 0)
        rc = analyzer_new(&index->analysis, &index->analyzer, err);
    return rc;
}

int index_catalog_read(const cops_index *index, catalog *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    if (index->name_count > 0)
        return error_set(err, COPS_EUNSUPPORTED, "several indexes opened as one have no one "
                         "catalog");
    if (!index->manifest.files[0])
        return 0;
    const pending_catalog *p = &index->sources.pending[0];
    if (index->sources.pending_count == 0)
        return error_set(err, COPS_ECORRUPT, "%s: damaged index: cannot read %s", index->dir,
                         index->manifest.files);
    char path[4096 + MANIFEST_MAX_NAME];
    snprintf(path, sizeof path, "%s/%s", index->dir, p->name);
    return catalog_read_descriptor(p->fd, p->size, path, p->documents, 0, out, err);
}

void native_index_close(cops_index *index)
{
    close_segments(index);
    free_records(index);
    for (size_t i = 0; i < index->name_count; i++)
        free(index->names[i]);
    index->name_count = 0;
}

cops_engine cops_index_engine(const cops_index *index) { return index->engine; }

/* Statistics, dumps: native only. */
static int native_only(const cops_index *index, const char *what, cops_error *err)
{
    if (index->engine == COPS_ENGINE_NATIVE)
        return 0;
    return error_set(err, COPS_EUNSUPPORTED, "%s: not available for a Xapian index (use "
                     "xapian-delve or xapian-inspect)", what);
}

/* A list holding more than this many postings per deleted document is
 * probed at the deleted documents rather than walked: a probe skips whole
 * blocks, where a walk pays every posting (callgrind: a common word of
 * wiki-dev's index, which has 8 deleted documents, was walked for every
 * search that named it). */
#define PROBE_DELETIONS_RATIO 32

/* How many of `term`'s postings are deleted documents. */
static uint32_t deleted_postings(segment *seg, const segment_term *term, const deletions *deleted)
{
    postings_cursor cursor;
    postings_open(&cursor, seg, term);
    uint32_t count = 0;
    if ((uint64_t)deleted->deleted * PROBE_DELETIONS_RATIO > term->df) {
        for (uint32_t doc = cursor.doc; doc != POSTINGS_END; doc = postings_next(&cursor))
            count += (uint32_t)deletions_test(deleted, doc);
        return count;
    }
    for (uint32_t doc = deletions_next(deleted, 0); doc < deleted->documents && cursor.doc != POSTINGS_END;
         doc = deletions_next(deleted, doc + 1))
        count += postings_next_geq(&cursor, doc) == doc;
    return count;
}

/* A slot of cops_index.deleted_counts: the postings' address in its 48
 * low bits (user-space addresses on the 64-bit machines cops runs on),
 * the count in the 16 high bits. */
#define DELETED_COUNT_ADDRESS_BITS 48
#define DELETED_COUNT_ADDRESS_MASK ((UINT64_C(1) << DELETED_COUNT_ADDRESS_BITS) - 1)

/* deleted_postings of segment i's `term` into *deleted, remembered in the
 * index's deleted_counts when it fits a slot: 0, or the segment's damage.
 * A hostile dictionary can give two keys one record, each with its own df
 * (the count depends on it): a count remembered for the other key is
 * taken only when it stays within this one's df, so a df never comes out
 * negative (its callers would read it as an error status). */
static int deleted_postings_counted(cops_index *index, size_t i, const segment_term *term,
                                    uint64_t *deleted, cops_error *err)
{
    uint64_t address = (uint64_t)(uintptr_t)term->docs;
    int cacheable = (address & ~DELETED_COUNT_ADDRESS_MASK) == 0 && address != 0;
    _Atomic uint64_t *slot = &index->deleted_counts[(address >> 2) % INDEX_DELETED_COUNT_SLOTS];
    uint64_t entry = atomic_load_explicit(slot, memory_order_relaxed);
    if (cacheable && (entry & DELETED_COUNT_ADDRESS_MASK) == address
        && entry >> DELETED_COUNT_ADDRESS_BITS <= term->df) {
        *deleted = entry >> DELETED_COUNT_ADDRESS_BITS;
        return 0;
    }
    *deleted = deleted_postings(index->segments[i], term, &index->deleted[i]);
    int damaged = segment_damage(index->segments[i], err);
    if (damaged == 0 && cacheable && *deleted < (UINT64_C(1) << (64 - DELETED_COUNT_ADDRESS_BITS)))
        atomic_store_explicit(slot, *deleted << DELETED_COUNT_ADDRESS_BITS | address,
                              memory_order_relaxed);
    return damaged;
}

int index_live_postings(cops_index *index, size_t segment_number, const segment_term *term,
                        uint64_t *live, cops_error *err)
{
    uint64_t deleted = 0;
    int damaged = index->deleted[segment_number].deleted
                      ? deleted_postings_counted(index, segment_number, term, &deleted, err) : 0;
    *live = term->df - deleted;
    return damaged;
}

int64_t index_document_frequency(cops_index *index, const uint8_t *key, size_t key_length,
                                 cops_error *err)
{
    return index_document_frequency_known(index, key, key_length, SIZE_MAX, NULL, err);
}

int64_t index_document_frequency_known(cops_index *index, const uint8_t *key, size_t key_length,
                                       size_t known_segment, const segment_term *known,
                                       cops_error *err)
{
    return index_key_statistics(index, key, key_length, known_segment, known, NULL, err);
}

int64_t index_key_statistics(cops_index *index, const uint8_t *key, size_t key_length,
                             size_t known_segment, const segment_term *known, uint64_t *cf,
                             cops_error *err)
{
    int64_t df = 0;
    double occurrences = 0;
    if (cf)
        *cf = 0;
    for (size_t i = 0; i < index->segment_count; i++) {
        segment_term term;
        int found = 1;
        if (i == known_segment)
            term = *known;
        else
            found = segment_lookup(index->segments[i], key, key_length, &term, err);
        if (found < 0)
            return found;
        if (!found)
            continue;
        uint64_t deleted = 0;
        if (index->deleted[i].deleted) {
            int damaged = deleted_postings_counted(index, i, &term, &deleted, err);
            if (damaged)
                return damaged;
        }
        df += (int64_t)term.df - (int64_t)deleted;
        if (term.df)
            occurrences += (double)term.cf * (double)(term.df - deleted) / (double)term.df;
    }
    if (cf)
        *cf = (uint64_t)(occurrences + 0.5);
    return df;
}

segment *index_locate(cops_index *index, uint32_t doc, uint32_t *local)
{
    size_t i = index->segment_count - 1;
    while (i > 0 && index->bases[i] > doc)
        i--;
    *local = doc - index->bases[i];
    return index->segments[i];
}

int cops_index_stats_get(cops_index *index, cops_index_stats *stats, cops_error *err)
{
    if (!index || !stats)
        return error_null_argument(err, __func__, !stats ? "stats" : "index");
    memset(stats, 0, sizeof *stats);
    int rc = native_only(index, "statistics", err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < index->segment_count; i++) {
        const segment_meta *meta = segment_get_meta(index->segments[i]);
        stats->documents += meta->documents - index->deleted[i].deleted;
        stats->terms += meta->terms; /* keys per segment; equal to distinct keys with one segment */
        stats->postings += meta->postings;
        stats->tokens += meta->body_tokens + meta->title_tokens;
        segment_sizes(index->segments[i], stats);
    }
    stats->segments = index->segment_count;
    snprintf(stats->language, sizeof stats->language, "%s",
             index->analysis.stem ? index->analysis.language : "none");
    stats->format_version = SEGMENT_FORMAT_VERSION;
    return 0;
}

int cops_index_dump_term(cops_index *index, const char *term_text, FILE *out, cops_error *err)
{
    if (!index || !term_text || !out)
        return error_null_argument(err, __func__, "index, term_text or out");
    int unsupported = native_only(index, "term dump", err);
    if (unsupported != 0)
        return unsupported;
    uint8_t key[SEGMENT_MAX_KEY_BYTES + 1];
    size_t key_length = 0;
    const char *text = term_text;
    if (strncmp(text, "title:", 6) == 0) {
        key[key_length++] = (uint8_t)SEGMENT_FIELD_TITLE;
        text += 6;
    }
    size_t text_length = strlen(text);
    if (text_length == 0 || text_length > SEGMENT_MAX_KEY_BYTES - key_length)
        return error_set(err, COPS_EINVAL, "term '%s' is empty or too long", term_text);
    memcpy(key + key_length, text, text_length);
    key_length += text_length;
    int found_any = 0;
    for (size_t i = 0; i < index->segment_count; i++) {
        segment_term term;
        int found = segment_lookup(index->segments[i], key, key_length, &term, err);
        if (found < 0)
            return found;
        if (!found)
            continue;
        found_any = 1;
        const char *path = segment_path(index->segments[i]);
        fputs("term ", out);
        escape_terminal(out, term_text, strlen(term_text), 0);
        fputs(" in ", out);
        escape_terminal(out, path, strlen(path), 0);
        fprintf(out, ": df %u, cf %llu, %s list\n", term.df, (unsigned long long)term.cf,
                term.external ? "blocked" : "inline");
        postings_cursor cursor;
        postings_open(&cursor, index->segments[i], &term);
        for (uint32_t doc = cursor.doc; doc != POSTINGS_END; doc = postings_next(&cursor)) {
            /* positions are printed as they are read: the frequency comes
             * from the index, so it must not size a buffer */
            postings_position_reader reader;
            if (postings_position_reader_open(&cursor, &reader) != 0)
                break;
            fprintf(out, "  doc %u tf %u positions", index->bases[i] + doc, postings_tf(&cursor));
            uint32_t position;
            int more;
            while ((more = postings_position_read(&reader, &position)) > 0)
                fprintf(out, " %u", position);
            fputc('\n', out);
            if (more < 0)
                break;
        }
        int damaged = segment_damage(index->segments[i], err);
        if (damaged)
            return damaged;
    }
    return found_any ? 0 : 1;
}

typedef struct analyze_forward {
    void (*emit)(void *context, const char *term, uint32_t position);
    void *context;
} analyze_forward;

static int forward_token(void *context, const analyzer_token *token)
{
    analyze_forward *f = context;
    f->emit(f->context, token->term, token->position);
    return 0;
}

int cops_index_analyze(cops_index *index, const char *text,
                       void (*emit)(void *context, const char *term, uint32_t position),
                       void *context, cops_error *err)
{
    if (!index || !text || !emit)
        return error_null_argument(err, __func__, "index, text or emit");
    analyze_forward forward = {emit, context};
    int rc = analyzer_run(index->analyzer, text, strlen(text), 0, 0, forward_token, &forward, NULL,
                          NULL);
    return rc < 0 ? error_set(err, rc, "analysis failed") : 0;
}

int native_document_get(cops_index *index, const char *id, size_t max_text,
                        cops_document **out, cops_error *err)
{
    *out = NULL;
    size_t id_length = strlen(id);
    for (size_t s = 0; s < index->segment_count; s++) {
        segment *seg = index->segments[s];
        for (uint32_t local = 0; local < segment_documents(seg); local++) {
            if (index->has_deletions && deletions_test(&index->deleted[s], local))
                continue;
            segment_metadata meta;
            int rc = segment_read_metadata(seg, local, &meta, err);
            if (rc != 0)
                return rc;
            if (meta.id_length != id_length || memcmp(meta.id, id, id_length) != 0)
                continue;
            segment_document stored = {0};
            rc = segment_read_document_prefix(seg, local, max_text, &stored, err);
            if (rc != 0)
                return rc;
            document_parts parts = {meta.id, meta.id_length, meta.title, meta.title_length,
                                    segment_date(seg, local), stored.text, stored.text_length,
                                    stored.stored_length, index_segment_name(index, s)};
            rc = document_new(&parts, max_text, out, err);
            segment_document_free(&stored);
            return rc;
        }
    }
    return 1;
}
