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
    /* The catalog entries whose documents are records (JSON Lines, TREC:
     * they have lines), each with the number of its segment in
     * record_segments: where a hit's record came from (cops_hit.source_*). */
    catalog records;
    uint8_t *record_segments;
};

/* Open the native index at `index_dir` into `index` (zeroed, engine
 * native): its committed manifest's segments, retried when a writer
 * commits meanwhile, and the analyzer they were built with.  On failure
 * the caller still closes `index` (native_index_close, then frees the
 * analyzer). */
int native_index_open(cops_index *index, const char *index_dir, cops_error *err);
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

/* The name of the index segment `segment_number` came from when several
 * are searched as one (index-many.c); NULL for one index. */
const char *index_segment_name(const cops_index *index, size_t segment_number);

/* The file and line record `local` of segment `segment_number` came
 * from (the file as the catalog holds it: a canonical path), or 0 when it
 * is no record or the catalog could not be read. */
uint64_t index_record_source(const cops_index *index, size_t segment_number, uint32_t local,
                             const char **file);
/* Take `other`'s records (its segments now numbered from `first_segment`)
 * into `index`'s; COPS_ENOMEM (`other` keeps what was not taken). */
int index_take_records(cops_index *index, cops_index *other, size_t first_segment);
/* cops_document_get's look-up for a native index (no highlights):
 * every live document's metadata is read until the identifier is `id`;
 * 0 with *out, 1 when none has it, or an error. */
int native_document_get(cops_index *index, const char *id, size_t max_text,
                        cops_document **out, cops_error *err);

/* The segment holding global document `doc`, and its local number. */
segment *index_locate(cops_index *index, uint32_t doc, uint32_t *local);

#endif
