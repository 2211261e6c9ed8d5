/*
 * names.h — the names the writer gives the files of an index directory
 * (FORMAT.md §1), in one place: the writer makes them here, and clean-up
 * and the "is this directory ours?" test recognise exactly these.
 *
 * A name is recognised only in the precise form the writer produces
 * (`seg-%06llu.cops`: "seg-000012.cops" and "seg-1234567.cops", never
 * "seg-12.cops", "seg-report.txt" or "seg-000012.cops.bak"), so a file of
 * the user's whose name merely starts like one of ours is never touched.
 */
#ifndef COPS_INDEX_FORMAT_NAMES_H
#define COPS_INDEX_FORMAT_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "index-format/manifest.h"

#define NAMES_LOCK "LOCK"

/* The segment of generation `generation`: "seg-NNNNNN.cops". */
void names_segment(char out[MANIFEST_MAX_NAME], uint64_t generation);
/* The deletion bitmap of segment `segment` written at `generation`:
 * "del-SSSSSS-NNNNNN.bits", SSSSSS the first six digits of a
 * names_segment name (fewer, and a name clean-up never removes, for a
 * segment named otherwise by a manifest from elsewhere). */
void names_deletions(char out[MANIFEST_MAX_NAME], const char *segment, uint64_t generation);
/* The files catalog of `generation`: "files-NNNNNN.cat". */
void names_catalog(char out[MANIFEST_MAX_NAME], uint64_t generation);
/* Spill run `number` of a build: "run-NNNNNN.tmp". */
void names_run(char out[MANIFEST_MAX_NAME], size_t number);

/* 1 when `name` is exactly a name the writer creates and clean-up may
 * remove: a segment, deletion bitmap, catalog or spill run, or a
 * temporary of a bitmap, a catalog or MANIFEST (base/file.h).  MANIFEST
 * and LOCK themselves are not: they are never removed. */
int names_generated(const char *name);

/* 1 when `name` may be in an index directory that has no MANIFEST yet
 * (what an interrupted first build leaves): LOCK or names_generated. */
int names_writer_made(const char *name);

#endif
