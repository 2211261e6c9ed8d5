/*
 * segment-build.h — documents to one new segment file: analysis, inversion
 * within the memory budget, stored text.  Used by fresh builds, by
 * incremental builds (the new documents) and by merges (the live documents
 * of older segments, re-analysed from their stored text).
 */
#ifndef COPS_INDEXER_SEGMENT_BUILD_H
#define COPS_INDEXER_SEGMENT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "base/buffer.h"
#include "cops.h"
#include "indexer/reorder.h"
#include "indexer/source.h"

typedef struct segment_build segment_build;

typedef struct segment_build_result {
    uint32_t documents;
    uint64_t terms, postings, tokens;
    uint64_t bytes;              /* size of the segment file */
    size_t peak_memory_bytes;
    analyzer_counts counts;      /* invalid UTF-8, long tokens */
} segment_build_result;

/* Start `name` in the folder `dir_fd` held open (base/file.h; `dir`
 * names it in messages), removed first if a crashed build left it.  The
 * analyzer is borrowed; `budget_bytes` bounds the inverter.  Free with
 * segment_build_finish or segment_build_abort. */
int segment_build_begin(int dir_fd, const char *dir, const char *name, analyzer *text_analyzer,
                        const analyzer_config *config, size_t budget_bytes, segment_build **out,
                        cops_error *err);

/* Add one document (numbered in call order from 0).  `prepared` (may be
 * NULL) is the document's analysis made by segment_build_prepare on
 * another thread with the same configuration; without it the document is
 * analysed here. */
int segment_build_add(segment_build *b, const source_document *document, const uint8_t *prepared,
                      size_t prepared_length, cops_error *err);
uint32_t segment_build_documents(const segment_build *b);

/* Analysis on another thread (a feed_stage): each stage has its own
 * analyzer, so it is used by one thread at a time.  Free with
 * segment_build_stage_free (NULL is a no-op). */
typedef struct segment_build_stage segment_build_stage;
int segment_build_stage_new(const analyzer_config *config, segment_build_stage **out,
                            cops_error *err);
void segment_build_stage_free(segment_build_stage *stage);
/* feed_stage.prepare with a segment_build_stage as context: append the
 * document's analysed terms to `out`. */
int segment_build_prepare(void *context, const source_document *document, byte_buffer *out,
                          cops_error *err);

/* Merge, write and fsync the segment; the builder is freed either way and
 * the file removed on failure.  With no document added, nothing is
 * written and result->documents is 0. */
int segment_build_finish(segment_build *b, segment_build_result *result, cops_error *err);
/* Number the documents in another order than they were added in: the
 * document added insertion[doc]-th becomes document `doc` (its stored
 * text stays in insertion order: segment_writer_set_insertion_order).
 * Call after the last segment_build_add, at most once. */
int segment_build_set_insertion_order(segment_build *b, const uint32_t *insertion,
                                      cops_error *err);
/* Reorder the documents added by their document-term graph, read from
 * the inverter's lists (reorder.h: the runs starting at
 * unit_start[0 .. units) stay together), and set that order
 * (segment_build_set_insertion_order): order (OUT, one entry a
 * document) receives order[p] = the number (in adding order) of the
 * document placed at position p; the identity is not set (the segment
 * stays in insertion order); stats->cost_before and cost_after are left
 * 0.  When the inverter spilled a run, or the lists, the graph and the
 * bisection together would pass the budget, the order is the identity
 * and stats->skipped is 1 (stats->peak_memory_bytes then what they would
 * take, 0 after a spill).  0 or COPS_ENOMEM. */
int segment_build_reorder(segment_build *b, const uint32_t *unit_start, uint32_t units,
                          uint32_t *order, reorder_stats *stats, cops_error *err);
/* Discard (removes the file).  NULL is a no-op. */
void segment_build_abort(segment_build *b);

#endif
