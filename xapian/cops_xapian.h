/*
 * cops_xapian.h — a C interface to Xapian 1.4 (libxapian), internal to cops.
 *
 * Xapian is a C++ library.  This header is plain C; its implementation
 * (cops_xapian.cc) is one C++ file whose every entry point is extern "C"
 * and catches everything, so no C++ exception ever crosses into C.  It
 * exists so cops can be compared with, and fall back on, a mature engine
 * (see xapian-plan.h for indexing and querying the way cops does).
 *
 * Conventions (those of cops.h, repeated here):
 *  - Fallible functions return COPS_OK (0) or a negative cops_status and,
 *    when `err` is not NULL, fill it with the code and a one-line message.
 *    `err` may always be NULL.
 *  - Every constructor names its destructor; every destructor accepts NULL.
 *  - Strings returned are borrowed unless stated otherwise; bytes said to
 *    be "malloc'd" belong to the caller, who releases them with free().
 *  - A NULL handle or a NULL required pointer fails with COPS_EINVAL; it
 *    never crashes.
 *  - Handles are not thread-safe (neither are Xapian's objects); distinct
 *    handles may be used from distinct threads.
 *
 * Xapian exceptions become statuses as follows (the message is
 * "<context>: <Xapian type>: <Xapian message> (<Xapian context>)"):
 *   DatabaseLockError                        COPS_ELOCKED
 *   DatabaseNotFoundError                    COPS_ENOINDEX
 *   DatabaseOpeningError                     COPS_ENOINDEX if the path does
 *                                            not exist, else COPS_EIO
 *   DatabaseVersionError                     COPS_EVERSION
 *   DatabaseCorruptError, SerialisationError COPS_ECORRUPT
 *   InvalidArgumentError                     COPS_EINVAL
 *   InvalidOperationError, DatabaseClosedError, DocNotFoundError
 *                                            COPS_EINVAL
 *   QueryParserError                         COPS_ESYNTAX
 *   WildcardError (expansion over its bound) COPS_ELIMIT
 *   UnimplementedError, FeatureUnavailableError
 *                                            COPS_EUNSUPPORTED
 *   NetworkError, NetworkTimeoutError, any other Xapian::Error, any other
 *   std::exception                           COPS_EIO
 *   std::bad_alloc                           COPS_ENOMEM
 * A database handle also keeps the message of its last failure
 * (cops_xapian_db_error).
 */
#ifndef COPS_XAPIAN_H
#define COPS_XAPIAN_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cops_xapian_db cops_xapian_db;
typedef struct cops_xapian_doc cops_xapian_doc;
typedef struct cops_xapian_query cops_xapian_query;
typedef struct cops_xapian_results cops_xapian_results;

/* ------------------------------------------------------------ databases */

/* Flags for cops_xapian_db_open (exactly one). */
enum {
    COPS_XAPIAN_READ = 0,                /* read-only; the database must exist */
    COPS_XAPIAN_CREATE_OR_OPEN = 1,      /* writable; created when missing */
    COPS_XAPIAN_CREATE_OR_OVERWRITE = 2  /* writable; any existing database replaced */
};

/* Open the glass database directory at `path`.  Read-only handles open
 * only a glass directory (Xapian's glass backend named explicitly): never a
 * stub file, never a directory's XAPIANDB stub, so opening never follows
 * lines a stranger wrote (stub lines can start programs: see
 * cops_xapian_db_open_shards and xapian-stub.h).  Writable handles create
 * glass databases.  *out (OUT) receives the handle, NULL on failure; free
 * it with cops_xapian_db_close().  Writable handles hold Xapian's write
 * lock until closed.
 * Errors: COPS_EINVAL (NULL path or out, unknown flags), COPS_ENOINDEX
 * (read-only and nothing at `path`), COPS_ELOCKED (another writer holds
 * the database), COPS_EVERSION, COPS_ECORRUPT, COPS_EIO (not a glass
 * database, among others), COPS_ENOMEM. */
int cops_xapian_db_open(const char *path, int flags, cops_xapian_db **out, cops_error *err);

/* One database of a combined read-only handle (cops_xapian_db_open_shards). */
typedef enum cops_xapian_shard_kind {
    COPS_XAPIAN_SHARD_GLASS = 0,  /* `location` is a glass database directory */
    COPS_XAPIAN_SHARD_TCP = 1,    /* `location` is a host served by xapian-tcpsrv on `port` */
    COPS_XAPIAN_SHARD_PROGRAM = 2 /* `location` is a program run with `args`, speaking
                                   * Xapian's remote protocol on its stdin/stdout (as
                                   * xapian-progsrv does): this RUNS the program */
} cops_xapian_shard_kind;

typedef struct cops_xapian_shard {
    cops_xapian_shard_kind kind;
    const char *location; /* path, host (an IPv6 host unbracketed) or program */
    const char *args;     /* PROGRAM: its argument string (Xapian splits it on spaces) */
    unsigned port;        /* TCP: 1..65535 */
} cops_xapian_shard;

/* Open the `count` databases `shards` read-only and combine them into one
 * handle as Xapian::Database::add_database does: searches see the union,
 * with collection statistics (document count, term frequencies, average
 * length) combined, and document ids interleaved (docid d of shard i, of
 * n, becomes (d - 1) * n + i + 1).  The caller decides what it is willing
 * to open: this function runs every PROGRAM it is given.  `timeout_ms`
 * bounds connecting and every remote operation (0 = no bound).  *out (OUT)
 * receives the handle; free it with cops_xapian_db_close().
 * Errors: COPS_EINVAL (NULL arguments, count 0, an unknown kind, port 0 or
 * above 65535), COPS_ENOINDEX (a glass path missing), COPS_EIO (not a
 * glass database, connection refused, timeout, protocol error),
 * COPS_EVERSION, COPS_ECORRUPT, COPS_ENOMEM. */
int cops_xapian_db_open_shards(const cops_xapian_shard *shards, size_t count, unsigned timeout_ms,
                               cops_xapian_db **out, cops_error *err);

/* Open `count` remote read-only databases served by xapian-tcpsrv, each
 * given as "host:port" (the port is the text after the last ':'; an IPv6
 * host may be bracketed, "[::1]:8100"), combined as by
 * cops_xapian_db_open_shards.  `timeout_ms` bounds connecting and every
 * remote operation (0 = no bound).  *out (OUT) receives the handle; free it
 * with cops_xapian_db_close().
 * Errors: COPS_EINVAL (NULL arguments, count 0, malformed "host:port"),
 * COPS_EIO (connection refused, timeout, protocol error), COPS_ENOMEM. */
int cops_xapian_db_open_remote(const char *const *host_ports, size_t count, unsigned timeout_ms,
                               cops_xapian_db **out, cops_error *err);

/* Close and free the handle.  A writable handle first commits changes made
 * outside a transaction (as Xapian does on close); an open transaction is
 * cancelled.  Errors while closing are ignored.  NULL is accepted. */
void cops_xapian_db_close(cops_xapian_db *db);
/* Call release(held) when `db` is closed: what its files are opened
 * through (a held directory, private folders naming pinned files:
 * xapian-stub.h), which Xapian may open more of (lazily, or on reopening)
 * while the handle lives; and refresh(held) (when not NULL) before
 * reopening the database to read a newer revision (a search that met
 * one), which is not reopened unless it returns 0.  One per handle: a
 * second call releases the first at once. */
void cops_xapian_db_hold(cops_xapian_db *db, void (*release)(void *), int (*refresh)(void *),
                         void *held);

/* The message of the last failure on `db` ("" if none yet); borrowed,
 * valid until the next call on `db`.  Never NULL (a NULL db gives ""). */
const char *cops_xapian_db_error(const cops_xapian_db *db);

/* --------------------------------------------------------- transactions */

/* Start a transaction on a writable handle (WritableDatabase::
 * begin_transaction(flushed = true)): changes made until
 * cops_xapian_commit() become visible together, or not at all after
 * cops_xapian_cancel().  Errors: COPS_EINVAL (NULL or read-only handle, a
 * transaction already open), COPS_EIO. */
int cops_xapian_begin(cops_xapian_db *db, cops_error *err);

/* Inside a transaction: commit it (commit_transaction).  Outside: commit
 * the pending changes (WritableDatabase::commit).  Errors: COPS_EINVAL
 * (NULL or read-only handle), COPS_EIO, COPS_ENOMEM. */
int cops_xapian_commit(cops_xapian_db *db, cops_error *err);

/* Discard the changes of the open transaction (cancel_transaction).
 * Errors: COPS_EINVAL (NULL or read-only handle, no transaction open),
 * COPS_EIO. */
int cops_xapian_cancel(cops_xapian_db *db, cops_error *err);

/* ------------------------------------------------------------ documents */

/* A document under construction (Xapian::Document).  *out (OUT) receives
 * it; free it with cops_xapian_doc_free().  Errors: COPS_EINVAL (NULL out),
 * COPS_ENOMEM. */
int cops_xapian_doc_new(cops_xapian_doc **out, cops_error *err);

/* Free a document; NULL is accepted. */
void cops_xapian_doc_free(cops_xapian_doc *doc);

/* Add one occurrence of `term` (NUL-terminated, non-empty, at most 245
 * bytes once stored) at `position` (Xapian positions are 1-based by
 * convention; 0 is stored as given), adding `wdf_increment` to the term's
 * within-document frequency.  Errors: COPS_EINVAL (NULL arguments, empty
 * term), COPS_ENOMEM. */
int cops_xapian_doc_add_posting(cops_xapian_doc *doc, const char *term, uint32_t position,
                                uint32_t wdf_increment, cops_error *err);

/* Add `term` without a position, adding `wdf` to its frequency.  Errors as
 * cops_xapian_doc_add_posting. */
int cops_xapian_doc_add_term(cops_xapian_doc *doc, const char *term, uint32_t wdf,
                             cops_error *err);

/* Add a filter term (wdf 0, no position): it matches but does not change
 * the document length.  Errors as cops_xapian_doc_add_posting. */
int cops_xapian_doc_add_boolean_term(cops_xapian_doc *doc, const char *term, cops_error *err);

/* Replace the document data by bytes[0, length) (copied; may hold NULs;
 * bytes may be NULL when length is 0).  Errors: COPS_EINVAL, COPS_ENOMEM. */
int cops_xapian_doc_set_data(cops_xapian_doc *doc, const void *bytes, size_t length,
                             cops_error *err);

/* Set value slot `slot` to value[0, length) (copied); length 0 removes the
 * value.  Values are compared bytewise by value ranges.  Errors:
 * COPS_EINVAL, COPS_ENOMEM. */
int cops_xapian_doc_set_value(cops_xapian_doc *doc, unsigned slot, const char *value,
                              size_t length, cops_error *err);

/* Add `doc` (copied; the caller still owns and frees it) to the writable
 * database as a new document, whatever terms it shares with others (a
 * document with the same unique id term is not replaced: see
 * cops_xapian_delete_document); *docid_out (OUT, may be NULL) receives its
 * document id (>= 1), above every id the database gave before, deleted
 * or not.
 * Errors: COPS_EINVAL (NULL or read-only handle, a term over Xapian's
 * length limit), COPS_EIO, COPS_ENOMEM. */
int cops_xapian_add_document(cops_xapian_db *db, const cops_xapian_doc *doc, uint32_t *docid_out,
                             cops_error *err);

/* Delete the document numbered `docid` from the writable database.
 * Document ids are never given again, so deleting a document, then adding
 * its replacement, puts the replacement at the end of the id order, as
 * the native engine's upsert does.  By number, not by the id term: a
 * document of another kind may index the same term (a file's id term is
 * its absolute path, which a record may give as its id), and a record's
 * repeat must delete only that record's earlier copy.  Errors:
 * COPS_EINVAL (NULL or read-only handle, docid 0, no such document),
 * COPS_EIO, COPS_ECORRUPT, COPS_ENOMEM. */
int cops_xapian_delete_document(cops_xapian_db *db, uint32_t docid, cops_error *err);

/* ----------------------------------------------------------- statistics */

/* Number of documents.  Errors: COPS_EINVAL (NULL arguments), COPS_EIO,
 * COPS_ECORRUPT. */
int cops_xapian_doc_count(cops_xapian_db *db, uint64_t *out, cops_error *err);

/* Number of documents indexing `term` (0 when absent).  Errors as
 * cops_xapian_doc_count. */
int cops_xapian_term_freq(cops_xapian_db *db, const char *term, uint64_t *out, cops_error *err);
/* Number of terms starting with `prefix`, counted up to `limit` + 1 (so a
 * caller learns that a bound is exceeded without listing them all).
 * Errors as cops_xapian_doc_count. */
int cops_xapian_prefix_terms(cops_xapian_db *db, const char *prefix, uint64_t limit,
                             uint64_t *out, cops_error *err);

/* Each term starting with `prefix`, in byte order, with the number of
 * documents indexing it: visit returns 0 to go on, anything else to stop
 * (then returned, as is).  Errors as cops_xapian_doc_count. */
int cops_xapian_each_term(cops_xapian_db *db, const char *prefix,
                          int (*visit)(void *context, const char *term, size_t length,
                                       uint64_t documents),
                          void *context, cops_error *err);

/* Average document length (sum of wdfs), 0 for an empty database.
 * Errors as cops_xapian_doc_count. */
int cops_xapian_avg_length(cops_xapian_db *db, double *out, cops_error *err);

/* The data of document `docid`: *bytes_out (OUT) receives a malloc'd copy,
 * NUL-terminated for convenience (the terminator is not counted), which
 * the caller frees with free(); *length_out (OUT, may be NULL) its length.
 * Errors: COPS_EINVAL (NULL arguments, no document `docid`), COPS_EIO,
 * COPS_ENOMEM. */
int cops_xapian_document_data(cops_xapian_db *db, uint32_t docid, char **bytes_out,
                              size_t *length_out, cops_error *err);

/* -------------------------------------------------------------- queries */

/*
 * A query tree mirroring Xapian::Query.  Builders take ownership of the
 * subqueries passed to them, whether they succeed or not: the caller must
 * not use or free an argument after passing it.  They return NULL only
 * when memory runs out (a NULL subquery also gives NULL, so a chain of
 * builders needs one check at the end).  An invalid argument (NULL term,
 * negative scale factor, a construction Xapian rejects) does not return
 * NULL: it gives a query in an error state, which its parents inherit and
 * which cops_xapian_search and cops_xapian_query_status report.  Free the
 * result with cops_xapian_query_free().
 */

/* Documents indexing `term` (query frequency 1). */
cops_xapian_query *cops_xapian_query_term(const char *term);
/* Every document (Xapian::Query::MatchAll; no weight). */
cops_xapian_query *cops_xapian_query_match_all(void);
/* No document (Xapian::Query::MatchNothing). */
cops_xapian_query *cops_xapian_query_match_nothing(void);
/* All / any of subqueries[0, n); the array itself stays the caller's.
 * n = 0 matches nothing. */
cops_xapian_query *cops_xapian_query_and(cops_xapian_query **subqueries, size_t n);
cops_xapian_query *cops_xapian_query_or(cops_xapian_query **subqueries, size_t n);
/* Documents matching `a` and not `b`; weight from `a`. */
cops_xapian_query *cops_xapian_query_and_not(cops_xapian_query *a, cops_xapian_query *b);
/* Documents matching `a`; `b` adds weight where it matches too. */
cops_xapian_query *cops_xapian_query_and_maybe(cops_xapian_query *a, cops_xapian_query *b);
/* OP_PHRASE: the subqueries (terms or ORs of terms) at positions in this
 * order with last - first < window; window 0 means n (an exact phrase when
 * the subqueries are n terms). */
cops_xapian_query *cops_xapian_query_phrase(cops_xapian_query **subqueries, size_t n,
                                            uint32_t window);
/* OP_NEAR: the subqueries (terms or ORs of terms) in any order, with
 * max position - min position < window; window 0 means n. */
cops_xapian_query *cops_xapian_query_near(cops_xapian_query **subqueries, size_t n,
                                          uint32_t window);
/* OP_WILDCARD: every term starting with `prefix`, each weighted as its own
 * term (combined with OP_OR).  Expanding to more than `max_expansion`
 * terms (0 = no bound) makes the search fail with COPS_ELIMIT
 * (WILDCARD_LIMIT_ERROR).  The expansion happens per database, so over
 * remote shards the bound applies to each shard. */
cops_xapian_query *cops_xapian_query_wildcard(const char *prefix, size_t max_expansion);
/* Documents whose value in `slot` lies in [from, to], bytewise.  A NULL
 * bound is open (OP_VALUE_GE / OP_VALUE_LE); both NULL gives every
 * document with a value in `slot`.  No weight. */
cops_xapian_query *cops_xapian_query_value_range(unsigned slot, const char *from, const char *to);
/* `q` with its weight multiplied by `factor` (finite, >= 0). */
cops_xapian_query *cops_xapian_query_scale(cops_xapian_query *q, double factor);

/* COPS_OK, or the status of a query in an error state (err, may be NULL,
 * receives its message); COPS_ENOMEM for NULL. */
int cops_xapian_query_status(const cops_xapian_query *q, cops_error *err);

/* Xapian's description of the query ("Query((a AND b))"): a malloc'd
 * string the caller frees, or NULL when out of memory or q is NULL. */
char *cops_xapian_query_describe(const cops_xapian_query *q);

/* Free a query tree; NULL is accepted. */
void cops_xapian_query_free(cops_xapian_query *q);

/* --------------------------------------------------------------- search */

/* Weighting schemes (cops_xapian_weight.scheme). */
typedef enum cops_xapian_scheme {
    /* Xapian::BM25Weight(k1, k2, k3, b, min_normlen), Xapian's own BM25:
     * idf log((N - n + 0.5) / (n + 0.5)), raised to log(1 + x/2) where
     * x = (N - n + 0.5) / (n + 0.5) < 2 so it stays positive. */
    COPS_XAPIAN_BM25 = 0,
    /* cops's BM25 (query/bm25.h), computed by a Xapian::Weight subclass:
     *   w * ln(1 + (N - n + 0.5) / (n + 0.5)) * (k1 + 1) * wdf
     *     / (wdf + k1 * (1 - b + b * doclen / avglen))
     * with N the document count, n the term's document frequency, doclen
     * the whole document's length (sum of wdfs), avglen its mean and w the
     * factor of OP_SCALE_WEIGHT (1 when unscaled).  Only k1 and b are used
     * (k2, k3 and min_normlen are ignored; the query frequency wqf plays no
     * part: a repeated term counts once per occurrence in the query tree,
     * as in cops).  It equals cops's score exactly when each document has
     * a single field (no title terms), where doclen is the field length;
     * see query/RANKING.md.  Local databases only: the scheme is not
     * serialisable, so searching remote shards with it fails with
     * COPS_EUNSUPPORTED (xapian-tcpsrv cannot build it). */
    COPS_XAPIAN_COPS_BM25 = 1
} cops_xapian_scheme;

/* The order of the hits (cops_xapian_weight.order). */
typedef enum cops_xapian_order {
    COPS_XAPIAN_BY_WEIGHT = 0,        /* highest weight first */
    /* By the value in slot order_slot (bytes compared), lowest first /
     * highest first; documents without the value come last either way;
     * equal values in ascending document id order.  The weights are still
     * computed (cops_xapian_results_score). */
    COPS_XAPIAN_BY_VALUE = 1,
    COPS_XAPIAN_BY_VALUE_DESCENDING = 2
} cops_xapian_order;

/* Weighting parameters.  For COPS_XAPIAN_BM25 all five are passed to
 * Xapian::BM25Weight(k1, k2, k3, b, min_normlen); COPS_XAPIAN_COPS_BM25
 * uses only k1 and b. */
typedef struct cops_xapian_weight {
    double k1;          /* term frequency saturation, >= 0 (Xapian default 1) */
    double k2;          /* document length correction, >= 0 (default 0) */
    double k3;          /* query term frequency saturation, >= 0 (default 1) */
    double b;           /* length normalisation, 0 ... 1 (default 0.5) */
    double min_normlen; /* floor of the normalised length, >= 0 (default 0.5) */
    int scheme;         /* a cops_xapian_scheme (default COPS_XAPIAN_BM25) */
    int order;          /* a cops_xapian_order (default COPS_XAPIAN_BY_WEIGHT) */
    unsigned order_slot; /* the value slot of a value order */
} cops_xapian_weight;

/* Fill `weight` with Xapian's BM25 defaults (those of BM25Weight()) and
 * the scheme COPS_XAPIAN_BM25. */
void cops_xapian_weight_init(cops_xapian_weight *weight);

/* Fill `weight` for cops's own scheme with cops's defaults
 * (COPS_XAPIAN_COPS_BM25, k1 1.2, b 0.7; k2 0, k3 1, min_normlen 0,
 * which the scheme ignores). */
void cops_xapian_weight_init_cops(cops_xapian_weight *weight);

/* Run `q` (borrowed) on `db`: hits ranked by the weight of `weight`'s
 * scheme (or in its value order), ties in ascending document id order, skipping `offset` and
 * keeping at most `limit`.  `weight` NULL uses Xapian's BM25 defaults.  With `exact_count` set,
 * Xapian checks every match (check_at_least = document count), so
 * cops_xapian_results_total is exact; otherwise it is Xapian's estimate.
 * A reader that meets DatabaseModifiedError reopens once and retries.
 * *out (OUT) receives the results; free them with cops_xapian_results_free().
 * Errors: COPS_EINVAL (NULL arguments, weight parameters out of range,
 * unknown scheme, query in an error state: its own status is returned
 * then), COPS_EUNSUPPORTED (COPS_XAPIAN_COPS_BM25 over remote shards),
 * COPS_ELIMIT (a wildcard over its bound), COPS_EUNSUPPORTED (a
 * construction Xapian cannot run), COPS_EIO, COPS_ECORRUPT, COPS_ENOMEM. */
int cops_xapian_search(cops_xapian_db *db, const cops_xapian_query *q,
                       const cops_xapian_weight *weight, size_t offset, size_t limit,
                       int exact_count, cops_xapian_results **out, cops_error *err);

/* Hits held (<= limit). */
size_t cops_xapian_results_count(const cops_xapian_results *results);
/* Matching documents in the whole database: exact when the search asked
 * for it (or Xapian knew it anyway), else Xapian's estimate. */
uint64_t cops_xapian_results_total(const cops_xapian_results *results);
/* 1 when cops_xapian_results_total is exact (lower bound = upper bound). */
int cops_xapian_results_total_is_exact(const cops_xapian_results *results);
/* Document id and weight of hit i (0 <= i < count; 0 / 0.0 out of range). */
uint32_t cops_xapian_results_docid(const cops_xapian_results *results, size_t i);
double cops_xapian_results_score(const cops_xapian_results *results, size_t i);
/* Free results; NULL is accepted. */
void cops_xapian_results_free(cops_xapian_results *results);

/* ------------------------------------------- values and metadata */

/* Value `slot` of document `docid` (empty when unset): *bytes_out (OUT)
 * receives a malloc'd, NUL-terminated copy the caller frees, *length_out
 * (OUT, may be NULL) its length.  Errors as cops_xapian_document_data. */
int cops_xapian_document_value(cops_xapian_db *db, uint32_t docid, unsigned slot,
                               char **bytes_out, size_t *length_out, cops_error *err);

/* Database-wide user metadata (Xapian's get/set_metadata): cops records
 * the analysis that built a database under the keys "cops.language" and
 * "cops.stem".  set needs a writable handle; get returns a malloc'd copy
 * in *value_out (empty when the key is unset), freed by the caller. */
int cops_xapian_set_metadata(cops_xapian_db *db, const char *key, const char *value,
                             cops_error *err);
int cops_xapian_get_metadata(cops_xapian_db *db, const char *key, char **value_out,
                             cops_error *err);

#ifdef __cplusplus
}
#endif
#endif /* COPS_XAPIAN_H */
