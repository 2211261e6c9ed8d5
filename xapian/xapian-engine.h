/*
 * xapian-engine.h — Xapian as a second engine behind cops.h.
 *
 * cops_build (options.engine = COPS_ENGINE_XAPIAN), cops_index_open on a
 * Xapian database, cops_index_open_remote and cops_search on such an index
 * all land here.  Documents are read and analysed exactly as for the
 * native engine (the feed, cops's analyzer; terms mapped as in
 * xapian-plan.h), so both engines see identical terms.
 *
 * One id is one document, as in the native engine: a record whose id an
 * earlier record of the run had replaces it (record-ids.h; the earlier
 * copy is deleted by its document number, the record added at the end).
 * Every id the native engine accepts is accepted (xapian_plan_id_term:
 * a long id's term is a hash; the full id is kept in the data).
 *
 * On disk, an index built with N > 1 shards is a directory holding
 * shard-000 ... shard-(N-1) (each a Xapian database; the i-th document
 * added goes to shard i mod N, so Xapian's interleaved document ids of
 * the combined shards equal the single-database ids, replaced documents
 * leaving the same gaps in both) and a Xapian stub file XAPIANDB
 * listing them, which cops reads and opens as one database (xapian-stub.h:
 * cops never hands a stub to Xapian).  A build writes into a fresh
 * directory and swaps it in by renames when complete, so a failed build
 * leaves the previous index in place; it replaces only an empty directory
 * or a Xapian index cops built, never a file, a symlink or someone else's
 * directory.  The analysis is recorded in
 * the database metadata ("cops.language", "cops.stem").
 */
#ifndef COPS_XAPIAN_ENGINE_H
#define COPS_XAPIAN_ENGINE_H

#include "cops.h"
#include "indexer/build-engine.h"
#include "query/index.h"
#include "query/parser.h"

/* The Xapian engine of cops_build (build-engine.h): each document is
 * analysed on the driver's thread and added to shard i mod N, after
 * deleting the earlier copy of a repeated record id from its shard;
 * commit swaps the complete directory in (the summary's documents count
 * the records added, documents_total the distinct ones).  Fills `engine` or returns an error
 * with nothing left behind. */
int xapian_build_begin(const build_request *request, build_engine *engine, cops_error *err);

/* Open the Xapian database at `path`, or the remote shards `host_ports`
 * (when count > 0), into `index` (its engine fields and analyzer).  A stub
 * at `path` is read and checked by cops (xapian-stub.h), and its remote
 * lines are obeyed only as `allow` (COPS_OPEN_ALLOW_*) permits. */
int xapian_engine_open(cops_index *index, const char *path, unsigned allow,
                       const char *const *host_ports, size_t count, cops_error *err);
void xapian_engine_close(cops_index *index);
/* cops_document_get's look-up (no highlights): a document holding the id
 * term of `id` (xapian_plan_id_term) whose stored id is `id` in full; 0
 * with *out, 1 when none, or an error. */
int xapian_engine_document(cops_index *index, const char *id, size_t max_text,
                           cops_document **out, cops_error *err);

/* Search (see cops_search); fills `results`. */
int xapian_engine_search(cops_index *index, const query_node *query,
                         const cops_search_options *options, cops_results *results,
                         cops_error *err);

#endif
