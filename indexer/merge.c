/*
 * merge.c — merging segments (merge.h).
 *
 * The merged documents are listed in insertion order first: segment by
 * segment, and inside a reordered segment by its recorded insertion
 * order.  A list position is then the document's tie-break key in the
 * new segment (FORMAT.md 3.7), whatever order the documents are written
 * in, so reordering never changes which of two equally scored documents
 * ranks first.  A catalog entry names a contiguous range of documents:
 * its documents are one unit of the reordering, kept together.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "index-format/segment.h"
#include "indexer/merge.h"
#include "indexer/reorder.h"
#include "indexer/segment-build.h"
#include "indexer/source.h"

#define NO_ENTRY UINT32_MAX

typedef struct merge_list {
    segment **segments;
    size_t segment_count;
    uint32_t **position_of;      /* per segment, per doc: list index, or NO_ENTRY if deleted */
    merge_document *documents;   /* live documents in insertion order */
    uint32_t *entry_of;          /* per list index: its catalog entry, or NO_ENTRY */
    uint32_t *rank_in_entry;     /* per list index: its rank among its entry's live
                                  * documents by number (the index of its line) */
    uint32_t count;
    uint32_t *unit_start;
    uint32_t units;
} merge_list;

static void merge_list_free(merge_list *l)
{
    for (size_t s = 0; s < l->segment_count; s++) {
        segment_close(l->segments[s]);
        if (l->position_of)
            free(l->position_of[s]);
    }
    free(l->segments);
    free(l->position_of);
    free(l->documents);
    free(l->entry_of);
    free(l->rank_in_entry);
    free(l->unit_start);
}

/* Segment s's live documents, in insertion order, onto the list. */
static int list_segment(merge_list *l, size_t s, const deletions *deleted, cops_error *err)
{
    segment *seg = l->segments[s];
    uint32_t n = segment_documents(seg);
    uint32_t *by_insertion = malloc(((size_t)n + 1) * sizeof *by_insertion);
    l->position_of[s] = malloc(((size_t)n + 1) * sizeof *l->position_of[s]);
    if (!by_insertion || !l->position_of[s]) {
        free(by_insertion);
        return error_set(err, COPS_ENOMEM, "out of memory merging %u documents", n);
    }
    for (uint32_t d = 0; d < n; d++)
        by_insertion[d] = NO_ENTRY;
    for (uint32_t d = 0; d < n; d++) {
        uint32_t at = segment_insertion_order(seg, d);
        if (at >= n || by_insertion[at] != NO_ENTRY) {
            free(by_insertion);
            return error_set(err, COPS_ECORRUPT, "%s: damaged index: the insertion order is not "
                             "a permutation (document %u)", segment_path(seg), d);
        }
        by_insertion[at] = d;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t d = by_insertion[k];
        l->position_of[s][d] = NO_ENTRY;
        if (deletions_test(deleted, d))
            continue;
        l->position_of[s][d] = l->count;
        l->documents[l->count++] = (merge_document){(uint32_t)s, d};
    }
    free(by_insertion);
    return segment_damage(seg, err);
}

/* The lines of the entry's live documents only (before a merge drops
 * the others).  0 or COPS_ENOMEM. */
static int keep_live_lines(catalog_entry *e, const deletions *dels)
{
    uint64_t *kept = malloc(((size_t)e->doc_count + 1) * sizeof *kept);
    if (!kept)
        return COPS_ENOMEM;
    int rc = catalog_lines_decode(e, kept);
    size_t count = 0;
    for (uint32_t d = e->first_doc; rc == 0 && d - e->first_doc < e->doc_count; d++)
        if (!deletions_test(dels, d))
            kept[count++] = kept[d - e->first_doc];
    uint8_t *lines = NULL;
    size_t bytes = 0;
    if (rc == 0)
        rc = catalog_lines_encode(kept, count, &lines, &bytes);
    free(kept);
    if (rc == 0) {
        free(e->lines);
        e->lines = lines;
        e->lines_bytes = bytes;
    }
    return rc;
}

/* Which catalog entry holds each listed document (entries keep only
 * their live documents' count), and the units: runs of one entry. */
static int assign_entries(merge_list *l, const manifest *current, catalog *files,
                          const deletions *dels, cops_error *err)
{
    l->entry_of = malloc(((size_t)l->count + 1) * sizeof *l->entry_of);
    l->rank_in_entry = malloc(((size_t)l->count + 1) * sizeof *l->rank_in_entry);
    l->unit_start = malloc(((size_t)l->count + 1) * sizeof *l->unit_start);
    if (!l->entry_of || !l->rank_in_entry || !l->unit_start)
        return error_set(err, COPS_ENOMEM, "out of memory merging");
    for (uint32_t i = 0; i < l->count; i++)
        l->entry_of[i] = NO_ENTRY;
    for (size_t i = 0; i < files->count; i++) {
        catalog_entry *e = &files->entries[i];
        size_t s = 0;
        while (s < current->segment_count && strcmp(current->segments[s].name, e->segment) != 0)
            s++;
        /* A range may hold records deleted by id (--delete): it keeps its
         * live documents only, and goes when none is left. */
        uint32_t live = 0;
        for (uint32_t d = e->first_doc; s < current->segment_count
                                        && d < e->first_doc + e->doc_count
                                        && d < dels[s].documents; d++)
            if (!deletions_test(&dels[s], d) && l->position_of[s][d] != NO_ENTRY) {
                l->entry_of[l->position_of[s][d]] = (uint32_t)i;
                l->rank_in_entry[l->position_of[s][d]] = live;
                live++;
            }
        if (live < e->doc_count && live > 0 && e->lines
            && keep_live_lines(e, &dels[s]) != 0)
            return error_set(err, COPS_ENOMEM, "out of memory merging");
        e->doc_count = live;
    }
    l->units = 0;
    for (uint32_t i = 0; i < l->count; i++)
        if (i == 0 || l->entry_of[i] == NO_ENTRY || l->entry_of[i] != l->entry_of[i - 1])
            l->unit_start[l->units++] = i;
    return 0;
}

static int open_and_list(int dir_fd, const char *dir, const manifest *current, const deletions *dels,
                         merge_list *l, cops_error *err)
{
    size_t count = current->segment_count;
    uint64_t documents = 0;
    for (size_t s = 0; s < count; s++)
        documents += dels[s].documents;
    l->segments = calloc(count + 1, sizeof *l->segments);
    l->position_of = calloc(count + 1, sizeof *l->position_of);
    l->documents = malloc((documents + 1) * sizeof *l->documents);
    if (!l->segments || !l->position_of || !l->documents)
        return error_set(err, COPS_ENOMEM, "out of memory merging");
    int rc = 0;
    for (size_t s = 0; rc == 0 && s < count; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, current->segments[s].name);
        rc = segment_open_at(dir_fd, dir, current->segments[s].name, &l->segments[s], err);
        if (rc == 0)
            l->segment_count = s + 1;
        if (rc == 0 && segment_documents(l->segments[s]) != dels[s].documents)
            rc = error_set(err, COPS_ECORRUPT, "%s: damaged index: %u documents, the manifest "
                           "says %u", path, segment_documents(l->segments[s]), dels[s].documents);
        if (rc == 0)
            rc = list_segment(l, s, &dels[s], err);
    }
    return rc;
}

/* A records entry's lines in the order its documents are written
 * (order[0 .. e->doc_count), list positions): a reordered entry's
 * documents keep their lines.  0 or COPS_ENOMEM. */
static int permute_lines(catalog_entry *e, const merge_list *l, const uint32_t *order)
{
    if (!e->lines || e->doc_count == 0)
        return 0;
    uint64_t *old = malloc((size_t)e->doc_count * sizeof *old);
    uint64_t *now = malloc((size_t)e->doc_count * sizeof *now);
    int rc = old && now ? catalog_lines_decode(e, old) : COPS_ENOMEM;
    for (uint32_t k = 0; rc == 0 && k < e->doc_count; k++)
        now[k] = old[l->rank_in_entry[order[k]]];
    uint8_t *lines = NULL;
    size_t bytes = 0;
    if (rc == 0)
        rc = catalog_lines_encode(now, e->doc_count, &lines, &bytes);
    if (rc == 0) {
        free(e->lines);
        e->lines = lines;
        e->lines_bytes = bytes;
    }
    free(old);
    free(now);
    return rc;
}

/* The catalog remapped to the documents' places in `order`. */
static int remap_entries(const merge_list *l, const uint32_t *order, catalog *files,
                         const char *name, cops_error *err)
{
    for (uint32_t p = 0; p < l->count; p++) {
        uint32_t e = l->entry_of[order[p]];
        if (e != NO_ENTRY && (p == 0 || l->entry_of[order[p - 1]] != e)) {
            files->entries[e].first_doc = p;
            snprintf(files->entries[e].segment, MANIFEST_MAX_NAME, "%s", name);
            if (permute_lines(&files->entries[e], l, order + p) != 0)
                return error_set(err, COPS_ENOMEM, "out of memory merging");
        }
    }
    return 0;
}

/* Add the listed documents in insertion order (the list's): their
 * stored text stays in it, the postings take `order` at the end. */
static int write_documents(segment_build *builder, const merge_list *l, cops_error *err)
{
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < l->count; i++) {
        merge_document where = l->documents[i];
        segment *seg = l->segments[where.segment];
        segment_document stored;
        rc = segment_read_document(seg, where.doc, &stored, err);
        if (rc != 0)
            break;
        char date[16] = "";
        uint32_t day = segment_date(seg, where.doc);
        if (day)
            snprintf(date, sizeof date, "%04u-%02u-%02u", day / 10000, day / 100 % 100, day % 100);
        source_document document = {"", 0, stored.id, stored.title, day ? date : NULL,
                                    stored.text, stored.text_length, 0, NULL, NULL};
        rc = segment_build_add(builder, &document, NULL, 0, err);
        segment_document_free(&stored);
    }
    return rc;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The order to write the list in: reordered, or the list's own. */
static int merge_order(const merge_list *l, int reorder, size_t budget, uint32_t *order,
                       merge_result *result, cops_error *err)
{
    if (!reorder || l->count == 0) {
        for (uint32_t i = 0; i < l->count; i++)
            order[i] = i;
        return 0;
    }
    double start = seconds_now();
    reorder_stats stats;
    int rc = reorder_merge(l->segments, l->segment_count, l->documents, l->count, l->unit_start,
                           l->units, budget, order, &stats, err);
    result->reordered = stats.skipped ? 2 : 1;
    result->reorder_seconds = seconds_now() - start;
    result->reorder_memory_bytes = stats.peak_memory_bytes;
    result->cost_before = stats.cost_before;
    result->cost_after = stats.cost_after;
    return rc;
}

int merge_segments(int dir_fd, const char *dir, const manifest *current, const deletions *dels,
                   catalog *files, const char *name, analyzer *text_analyzer,
                   const analyzer_config *config, size_t budget, int reorder,
                   merge_result *result, cops_error *err)
{
    memset(result, 0, sizeof *result);
    merge_list list;
    memset(&list, 0, sizeof list);
    int rc = open_and_list(dir_fd, dir, current, dels, &list, err);
    if (rc == 0)
        rc = assign_entries(&list, current, files, dels, err);
    uint32_t *order = rc == 0 ? malloc(((size_t)list.count + 1) * sizeof *order) : NULL;
    if (rc == 0 && !order)
        rc = error_set(err, COPS_ENOMEM, "out of memory merging");
    if (rc == 0)
        rc = merge_order(&list, reorder, budget, order, result, err);
    segment_build *builder = NULL;
    if (rc == 0)
        rc = segment_build_begin(dir_fd, dir, name, text_analyzer, config, budget, &builder, err);
    if (rc == 0)
        rc = remap_entries(&list, order, files, name, err);
    if (rc == 0)
        rc = write_documents(builder, &list, err);
    /* order[p], the list position of the document placed p-th, is that
     * document's insertion position: what the writer records. */
    if (rc == 0 && result->reordered == 1 && list.count > 0)
        rc = segment_build_set_insertion_order(builder, order, err);
    free(order);
    merge_list_free(&list);
    /* A file whose records were all deleted by id leaves the catalog
     * (entries never outnumber documents: catalog.h); its root's next
     * refresh reads it again. */
    catalog_drop_empty(files);
    if (rc != 0) {
        segment_build_abort(builder);
        return rc;
    }
    segment_build_result built;
    rc = segment_build_finish(builder, &built, err);
    result->bytes = built.bytes;
    result->documents = built.documents;
    return rc;
}
