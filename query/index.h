/*
 * index.h — the open index behind the public cops_index handle: the
 * committed manifest's segments and the analyzer the index was built with.
 * Shared by the planner, the search loop and the inspection functions.
 */
#ifndef COPS_QUERY_INDEX_H
#define COPS_QUERY_INDEX_H

#include <stdint.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "index-format/catalog.h"
#include "index-format/manifest.h"
#include "index-format/segment.h"

struct cops_xapian_db;

/* A catalog opened with its index but not read yet: it describes the
 * records of segments [first_segment, first_segment + segment_count).
 * The descriptor pins the committed file, which a later commit removes. */
typedef struct pending_catalog {
    int fd;
    uint64_t size;
    uint64_t documents;            /* the manifest's, bounding the catalog */
    size_t first_segment, segment_count;
    char name[MANIFEST_MAX_NAME];
} pending_catalog;

/* One catalog entry whose documents are records (JSON Lines, TREC: they
 * have lines), with the number of its segment. */
typedef struct record_run {
    size_t entry;                  /* in record_sources.records */
    size_t segment;
    uint32_t first_doc, doc_count; /* the entry's */
} record_run;

/* An index's record runs, made once by the first thread that needs them
 * (index.c's load_records, under a lock) and published by `ready`
 * (release); a reader that sees ready (acquire) reads them without the
 * lock, as they never change until the index is closed. */
typedef struct record_sources {
    _Atomic int ready;
    pending_catalog pending[MANIFEST_MAX_SEGMENTS];
    size_t pending_count;
    catalog records;               /* the entries of every pending catalog */
    record_run *runs;              /* by segment, then first document */
    size_t run_count, run_capacity;
} record_sources;

#define INDEX_DELETED_COUNT_SLOTS 4096

struct cops_index {
    cops_engine engine;
    struct cops_xapian_db *xapian; /* COPS_ENGINE_XAPIAN */
    char *dir;
    manifest manifest;
    segment *segments[MANIFEST_MAX_SEGMENTS];
    uint32_t bases[MANIFEST_MAX_SEGMENTS]; /* first global document number of each segment */
    deletions deleted[MANIFEST_MAX_SEGMENTS]; /* documents replaced or removed by updates */
    int has_deletions;
    size_t segment_count;
    uint64_t documents;            /* live documents (BM25's N) */
    double average_body_length;
    double average_title_length;
    analyzer_config analysis;
    analyzer *analyzer;
    /* Several indexes searched as one (cops_index_open_many): the name of
     * each, and which one each segment came from; 0 names for one index. */
    char *names[MANIFEST_MAX_SEGMENTS];
    size_t name_count;
    uint8_t segment_source[MANIFEST_MAX_SEGMENTS];
    /* Where a hit's record came from (cops_hit.source_*), read only when
     * a hit first needs it (index_record_source): a query that shows no
     * record (--count, a collection of whole files) never reads the
     * catalog. */
    record_sources sources;
    /* How many of a key's postings are deleted, by the address of its
     * postings (index_key_statistics): a deletion-aware df costs a probe
     * of every deleted document, paid once per key rather than per search.
     * A slot is 0 or the address and the count in one word (index.c), so
     * two threads filling one each store a whole entry. */
    _Atomic uint64_t deleted_counts[INDEX_DELETED_COUNT_SLOTS];
};

/* Open the native index at `index_dir` into `index` (zeroed, engine
 * native): its committed manifest's segments, retried when a writer
 * commits meanwhile, and the analyzer they were built with.  On failure
 * the caller still closes `index` (native_index_close, then frees the
 * analyzer). */
int native_index_open(cops_index *index, const char *index_dir, cops_error *err);
/* The whole catalog (catalog_read_descriptor) that the native `index`
 * pinned when it opened, so that what is listed of it is of the index
 * searched: empty when its manifest names none; COPS_ECORRUPT when it
 * could not be opened then, COPS_EUNSUPPORTED for several indexes opened
 * as one (cops_index_open_many). */
int index_catalog_read(const cops_index *index, catalog *out, cops_error *err);
/* Close the segments and deletion bitmaps (not the analyzer). */
void native_index_close(cops_index *index);

/* A key's document frequency over the live documents of all segments
 * (BM25 uses the collection-wide figure, so scores do not depend on how
 * the index is split into segments or on deleted documents).  Negative
 * status on damage. */
int64_t index_document_frequency(cops_index *index, const uint8_t *key, size_t key_length,
                                 cops_error *err);
/* The same with the key's entry in segment `known_segment` already looked
 * up (`known`), which is not looked up again. */
int64_t index_document_frequency_known(cops_index *index, const uint8_t *key, size_t key_length,
                                       size_t known_segment, const segment_term *known,
                                       cops_error *err);
/* index_document_frequency_known, and in *cf the key's occurrences over
 * all segments (the language model's background, so that its scores do
 * not depend on how the index is split into segments either): each
 * segment's occurrences times the share of its documents holding the key
 * that are live (exact without deletions). */
int64_t index_key_statistics(cops_index *index, const uint8_t *key, size_t key_length,
                             size_t known_segment, const segment_term *known, uint64_t *cf,
                             cops_error *err);

/* How many of the postings of `term` (an entry of segment
 * `segment_number`) are of live documents, into *live: its df less its
 * deleted documents, which are counted once per key and remembered
 * (deleted_counts).  0, or the segment's damage. */
int index_live_postings(cops_index *index, size_t segment_number, const segment_term *term,
                        uint64_t *live, cops_error *err);

/* The name of the index segment `segment_number` came from when several
 * are searched as one (index-many.c); NULL for one index. */
const char *index_segment_name(const cops_index *index, size_t segment_number);

/* The file and line record `local` of segment `segment_number` came
 * from (the file as the catalog holds it: a canonical path) into *file
 * and *line, *line 0 when it is no record or the catalog could not be
 * read (damage there only costs hits their line; --check reports it).
 * The first call reads the catalogs; any thread may call it on a shared
 * handle.  0, or COPS_ENOMEM (with `err`; a later call tries again).
 * Cost: the catalogs' size once (read and checksummed, not walked), then
 * a binary search over the record runs and one read of a line per hit,
 * whatever the order of the documents (FORMAT.md §5.2). */
int index_record_source(cops_index *index, size_t segment_number, uint32_t local,
                        const char **file, uint64_t *line, cops_error *err);
/* Take `other`'s catalog (its segments now numbered from
 * `first_segment`) into `index`'s, before either showed a hit. */
void index_take_records(cops_index *index, cops_index *other, size_t first_segment);
/* cops_document_get's look-up for a native index (no highlights):
 * every live document's metadata is read until the identifier is `id`;
 * 0 with *out, 1 when none has it, or an error. */
int native_document_get(cops_index *index, const char *id, size_t max_text,
                        cops_document **out, cops_error *err);

/* The segment holding global document `doc`, and its local number. */
segment *index_locate(cops_index *index, uint32_t doc, uint32_t *local);

#endif
