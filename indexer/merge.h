/*
 * merge.h — the live documents of an index's segments into one new
 * segment, in insertion order or reordered (reorder.h), re-analysed from
 * their stored text; the files catalog follows them.
 */
#ifndef COPS_INDEXER_MERGE_H
#define COPS_INDEXER_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "cops.h"
#include "index-format/catalog.h"
#include "index-format/manifest.h"

/* What a merge did besides writing: filled by merge_segments. */
typedef struct merge_result {
    uint64_t bytes;              /* of the new segment */
    uint32_t documents;
    int reordered;               /* as cops_build_summary.reordered */
    double reorder_seconds;
    size_t reorder_memory_bytes;
    double cost_before, cost_after;
} merge_result;

/* All live documents of `current` (whose deletion bitmaps are `dels`)
 * into one new segment `name` in the folder `dir_fd` held open (base/file.h;
 * `dir` names it in messages; the segments are read there too), reordered when `reorder` (every
 * merge of cops-index; 0 keeps insertion order); `files`
 * is remapped to it (entries left with no document dropped).  `budget`
 * bounds the inverter and the reordering's graph, in bytes. */
int merge_segments(int dir_fd, const char *dir, const manifest *current, const deletions *dels,
                   catalog *files, const char *name, analyzer *text_analyzer,
                   const analyzer_config *config, size_t budget, int reorder,
                   merge_result *result, cops_error *err);

#endif
