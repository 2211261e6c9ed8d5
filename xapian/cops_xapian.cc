/*
 * cops_xapian.cc — the C interface of cops_xapian.h over Xapian 1.4.
 *
 * Every extern "C" function is noexcept in effect: its body runs inside
 * try { ... } catch (...) and the handler turns the exception in flight
 * into a cops_status through translate_current(), which rethrows it once
 * to dispatch on its type.  The handler itself only formats into fixed
 * buffers, so it cannot throw.
 */
#include "config.h"

#include "xapian/cops_xapian.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <xapian.h>

extern "C" {
#include "query/bm25.h"
}

struct cops_xapian_db {
    Xapian::Database *database;  /* a Xapian::WritableDatabase when writable */
    bool writable;
    bool in_transaction;
    std::string path;            /* for messages; empty for remote handles */
    void (*release)(void *) = nullptr; /* cops_xapian_db_hold's, called at close */
    int (*refresh)(void *) = nullptr;  /* and before a reopen */
    void *held = nullptr;
    char message[COPS_ERROR_MESSAGE_MAX];
};

struct cops_xapian_doc {
    Xapian::Document document;
};

struct cops_xapian_query {
    Xapian::Query query;
    int status;                  /* COPS_OK, or the error state */
    char message[COPS_ERROR_MESSAGE_MAX];
};

struct cops_xapian_results {
    size_t count;
    uint64_t total;
    int exact;
    uint32_t *docids;
    double *scores;
};

namespace {

/* Where a failure is recorded: the handle's slot (may be NULL) and the
 * caller's cops_error (may be NULL). */
struct sink {
    char *slot;
    cops_error *err;
};

void vrecord(const sink &s, int code, const char *format, va_list args)
{
    char text[COPS_ERROR_MESSAGE_MAX];
    vsnprintf(text, sizeof text, format, args);
    if (s.slot)
        memcpy(s.slot, text, sizeof text);
    if (s.err) {
        s.err->code = code;
        s.err->column = 0;
        memcpy(s.err->message, text, sizeof text);
    }
}

int record(const sink &s, int code, const char *format, ...) __attribute__((format(printf, 3, 4)));

int record(const sink &s, int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vrecord(s, code, format, args);
    va_end(args);
    return code;
}

void clear(const sink &s)
{
    if (s.slot)
        s.slot[0] = '\0';
    if (s.err) {
        s.err->code = COPS_OK;
        s.err->column = 0;
        s.err->message[0] = '\0';
    }
}

bool path_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

/* Record "<what>: <type>: <message> (<context>): <errno text>". */
int describe(const sink &s, int code, const char *what, const Xapian::Error &e) noexcept
{
    const char *detail = nullptr;
    try {
        detail = e.get_error_string(); /* errno text, may be NULL */
    } catch (...) {
        detail = nullptr;
    }
    const std::string &context = e.get_context();
    return record(s, code, "%s: %s: %s%s%s%s%s%s", what, e.get_type(), e.get_msg().c_str(),
                  context.empty() ? "" : " (", context.c_str(), context.empty() ? "" : ")",
                  detail ? ": " : "", detail ? detail : "");
}

/* Call only from a catch block: classify the exception in flight (see the
 * table in cops_xapian.h), record its message and return its status.
 * Xapian::Error has no virtual functions, so the dispatch is by catch
 * clauses, most derived first.  `path`, when not NULL, decides whether a
 * DatabaseOpeningError means "no index". */
int translate_current(const sink &s, const char *what, const char *path = nullptr) noexcept
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        return describe(s, COPS_ELOCKED, what, e);
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return describe(s, COPS_ENOINDEX, what, e);
    } catch (const Xapian::DatabaseVersionError &e) {
        return describe(s, COPS_EVERSION, what, e);
    } catch (const Xapian::DatabaseOpeningError &e) {
        return describe(s, path && !path_exists(path) ? COPS_ENOINDEX : COPS_EIO, what, e);
    } catch (const Xapian::DatabaseCorruptError &e) {
        return describe(s, COPS_ECORRUPT, what, e);
    } catch (const Xapian::SerialisationError &e) {
        return describe(s, COPS_ECORRUPT, what, e);
    } catch (const Xapian::DatabaseClosedError &e) {
        return describe(s, COPS_EINVAL, what, e);
    } catch (const Xapian::InvalidArgumentError &e) {
        return describe(s, COPS_EINVAL, what, e);
    } catch (const Xapian::InvalidOperationError &e) {
        return describe(s, COPS_EINVAL, what, e);
    } catch (const Xapian::DocNotFoundError &e) {
        return describe(s, COPS_EINVAL, what, e);
    } catch (const Xapian::QueryParserError &e) {
        return describe(s, COPS_ESYNTAX, what, e);
    } catch (const Xapian::WildcardError &e) {
        return describe(s, COPS_ELIMIT, what, e);
    } catch (const Xapian::UnimplementedError &e) {
        return describe(s, COPS_EUNSUPPORTED, what, e);
    } catch (const Xapian::FeatureUnavailableError &e) {
        return describe(s, COPS_EUNSUPPORTED, what, e);
    } catch (const Xapian::Error &e) {
        return describe(s, COPS_EIO, what, e); /* NetworkError and the rest */
    } catch (const std::bad_alloc &) {
        return record(s, COPS_ENOMEM, "%s: out of memory", what);
    } catch (const std::exception &e) {
        return record(s, COPS_EIO, "%s: %s", what, e.what());
    } catch (...) {
        return record(s, COPS_EIO, "%s: unknown C++ exception", what);
    }
}

sink db_sink(cops_xapian_db *db, cops_error *err)
{
    return sink{db ? db->message : nullptr, err};
}

Xapian::WritableDatabase *writable(cops_xapian_db *db)
{
    return static_cast<Xapian::WritableDatabase *>(db->database);
}

/* Shared checks of a writing call. */
int check_writable(cops_xapian_db *db, cops_error *err, const char *what)
{
    if (!db)
        return record(sink{nullptr, err}, COPS_EINVAL, "%s: NULL database handle", what);
    if (!db->writable)
        return record(db_sink(db, err), COPS_EINVAL, "%s: the database %s is open read-only", what,
                      db->path.c_str());
    clear(db_sink(db, err));
    return COPS_OK;
}

int check_db(cops_xapian_db *db, cops_error *err, const char *what)
{
    if (!db)
        return record(sink{nullptr, err}, COPS_EINVAL, "%s: NULL database handle", what);
    clear(db_sink(db, err));
    return COPS_OK;
}

/* ---- queries ---- */

cops_xapian_query *new_query() noexcept
{
    cops_xapian_query *q = new (std::nothrow) cops_xapian_query;
    if (q) {
        q->status = COPS_OK;
        q->message[0] = '\0';
    }
    return q;
}

cops_xapian_query *query_error(int code, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

cops_xapian_query *query_error(int code, const char *format, ...)
{
    cops_xapian_query *q = new_query();
    if (!q)
        return nullptr;
    q->status = code;
    va_list args;
    va_start(args, format);
    vrecord(sink{q->message, nullptr}, code, format, args);
    va_end(args);
    return q;
}

/* Turn an exception during construction into an error-state query (NULL
 * for bad_alloc).  Call only from a catch block. */
cops_xapian_query *query_from_exception(const char *what) noexcept
{
    char message[COPS_ERROR_MESSAGE_MAX];
    int code = translate_current(sink{message, nullptr}, what);
    if (code == COPS_ENOMEM)
        return nullptr;
    return query_error(code, "%s", message);
}

void free_all(cops_xapian_query **subqueries, size_t n)
{
    if (!subqueries)
        return;
    for (size_t i = 0; i < n; i++)
        delete subqueries[i];
}

/* Check and consume the operands of a combinator: NULL result (and the
 * operands freed) when one is NULL; an error-state operand is moved out
 * as the result; otherwise *ok is set and the caller builds the node. */
cops_xapian_query *inherit(cops_xapian_query **subqueries, size_t n, bool *ok)
{
    *ok = false;
    for (size_t i = 0; i < n; i++)
        if (!subqueries[i]) {
            free_all(subqueries, n);
            return nullptr;
        }
    for (size_t i = 0; i < n; i++)
        if (subqueries[i]->status != COPS_OK) {
            cops_xapian_query *failed = subqueries[i];
            subqueries[i] = nullptr;
            free_all(subqueries, n);
            return failed;
        }
    *ok = true;
    return nullptr;
}

cops_xapian_query *combine(Xapian::Query::op op, cops_xapian_query **subqueries, size_t n,
                           uint32_t window, const char *what) noexcept
{
    if (!subqueries && n > 0)
        return query_error(COPS_EINVAL, "%s: NULL subquery array", what);
    bool ok;
    cops_xapian_query *inherited = inherit(subqueries, n, &ok);
    if (!ok)
        return inherited;
    cops_xapian_query *result = new_query();
    if (result) {
        try {
            std::vector<Xapian::Query> parts;
            parts.reserve(n);
            for (size_t i = 0; i < n; i++)
                parts.push_back(subqueries[i]->query);
            result->query = Xapian::Query(op, parts.begin(), parts.end(), window);
        } catch (...) {
            delete result;
            result = query_from_exception(what);
        }
    }
    free_all(subqueries, n);
    return result;
}

cops_xapian_query *combine_pair(Xapian::Query::op op, cops_xapian_query *a, cops_xapian_query *b,
                                const char *what) noexcept
{
    cops_xapian_query *pair[2] = {a, b};
    return combine(op, pair, 2, 0, what);
}

/* ---- cops's BM25 as a Xapian weighting scheme ---- */

/*
 * cops's BM25 (query/bm25.h: its formula, constants and grouping are used
 * here as they are, through bm25_prepare and bm25_score) over Xapian's
 * statistics: N = get_collection_size(), df = get_termfreq(), avglen =
 * get_average_length(), length the document length Xapian passes (the
 * sum of its wdfs), the field weight the OP_SCALE_WEIGHT factor given to
 * init().  With one field per document the result is cops's to the last
 * bit or so.  No term-independent part (get_sumextra() is 0).
 *
 * Local only: name() is given but serialise() keeps the base class's
 * UnimplementedError, so a remote search with it fails cleanly.
 */
class CopsBM25Weight : public Xapian::Weight {
    bm25_params params_;
    bm25_term term_ = {}; /* set by init() */

    double score(Xapian::termcount wdf, Xapian::termcount doclen) const
    {
        if (wdf == 0)
            return 0.0; /* wdf 0 (a boolean term) would give 0 / 0 when k1 = 0 */
        return bm25_score(&term_, wdf, doclen);
    }

  public:
    CopsBM25Weight(double k1, double b) : params_{k1, b, 0, 0.0}
    {
        need_stat(COLLECTION_SIZE);
        need_stat(TERMFREQ);
        need_stat(AVERAGE_LENGTH);
        need_stat(WDF);
        need_stat(DOC_LENGTH);
        need_stat(WDF_MAX);       /* for get_maxpart() */
        need_stat(DOC_LENGTH_MIN);
    }

    CopsBM25Weight *clone() const override { return new CopsBM25Weight(params_.k1, params_.b); }

    void init(double factor) override
    {
        bm25_prepare(&term_, &params_, get_collection_size(), get_termfreq(),
                     get_average_length(), factor, 0);
    }

    std::string name() const override { return "cops::CopsBM25Weight"; }

    double get_sumpart(Xapian::termcount wdf, Xapian::termcount doclen,
                       Xapian::termcount) const override
    {
        return score(wdf, doclen);
    }

    /* The score rises with wdf and falls with length (bm25.h), and a
     * document's length is at least the wdf of each of its terms and at
     * least the lower bound on (non-zero) lengths: the largest wdf at the
     * smallest length it allows bounds every document.  A relative margin
     * of 1e-12 covers rounding (the bound is used for pruning only). */
    double get_maxpart() const override
    {
        Xapian::termcount wdf_max = get_wdf_upper_bound();
        Xapian::termcount length_min = get_doclength_lower_bound();
        return score(wdf_max, wdf_max > length_min ? wdf_max : length_min) * (1.0 + 1e-12);
    }

    double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0.0; }
    double get_maxextra() const override { return 0.0; }
};

} /* namespace */


namespace {

/* One shard as a Xapian::Database (throws as Xapian does). */
Xapian::Database open_shard(const cops_xapian_shard &shard, unsigned timeout_ms)
{
    switch (shard.kind) {
    case COPS_XAPIAN_SHARD_GLASS:
        return Xapian::Database(shard.location, Xapian::DB_BACKEND_GLASS);
    case COPS_XAPIAN_SHARD_TCP:
        return Xapian::Remote::open(shard.location, shard.port, timeout_ms, timeout_ms);
    case COPS_XAPIAN_SHARD_PROGRAM:
        return Xapian::Remote::open(shard.location, shard.args ? shard.args : "", timeout_ms);
    }
    throw Xapian::InvalidArgumentError("unknown shard kind");
}

const char *shard_name(const cops_xapian_shard &shard)
{
    return shard.location ? shard.location : "(null)";
}

} /* namespace */

/* ====================================================================== */

extern "C" {

int cops_xapian_db_open(const char *path, int flags, cops_xapian_db **out, cops_error *err)
{
    const sink none{nullptr, err};
    if (out)
        *out = nullptr;
    if (!path || !out)
        return record(none, COPS_EINVAL, "cops_xapian_db_open: NULL %s", path ? "out" : "path");
    if (flags != COPS_XAPIAN_READ && flags != COPS_XAPIAN_CREATE_OR_OPEN &&
        flags != COPS_XAPIAN_CREATE_OR_OVERWRITE)
        return record(none, COPS_EINVAL, "cops_xapian_db_open: unknown flags %d", flags);
    cops_xapian_db *db = new (std::nothrow) cops_xapian_db;
    if (!db)
        return record(none, COPS_ENOMEM, "opening %s: out of memory", path);
    db->database = nullptr;
    db->writable = flags != COPS_XAPIAN_READ;
    db->in_transaction = false;
    db->message[0] = '\0';
    try {
        db->path = path;
        /* The backend is named: without it Xapian reads a stub file or a
         * directory's XAPIANDB, whose lines can start programs. */
        if (flags == COPS_XAPIAN_READ)
            db->database = new Xapian::Database(db->path, Xapian::DB_BACKEND_GLASS);
        else
            db->database = new Xapian::WritableDatabase(
                db->path, Xapian::DB_BACKEND_GLASS |
                              (flags == COPS_XAPIAN_CREATE_OR_OPEN ? Xapian::DB_CREATE_OR_OPEN
                                                                   : Xapian::DB_CREATE_OR_OVERWRITE));
    } catch (...) {
        char what[COPS_ERROR_MESSAGE_MAX];
        snprintf(what, sizeof what, "opening Xapian database %s", path);
        int code = translate_current(none, what, path);
        delete db;
        return code;
    }
    clear(none);
    *out = db;
    return COPS_OK;
}

int cops_xapian_db_open_shards(const cops_xapian_shard *shards, size_t count, unsigned timeout_ms,
                               cops_xapian_db **out, cops_error *err)
{
    const sink none{nullptr, err};
    if (out)
        *out = nullptr;
    if (!shards || !out || count == 0)
        return record(none, COPS_EINVAL, "cops_xapian_db_open_shards: %s",
                      !out ? "NULL out" : "no database given");
    for (size_t i = 0; i < count; i++)
        if (!shards[i].location ||
            (shards[i].kind == COPS_XAPIAN_SHARD_TCP && (shards[i].port == 0 || shards[i].port > 65535)))
            return record(none, COPS_EINVAL, "database %zu of %zu: %s", i + 1, count,
                          shards[i].location ? "port out of 1-65535" : "NULL location");
    cops_xapian_db *db = new (std::nothrow) cops_xapian_db;
    if (!db)
        return record(none, COPS_ENOMEM, "opening databases: out of memory");
    db->database = nullptr;
    db->writable = false;
    db->in_transaction = false;
    db->message[0] = '\0';
    size_t current = 0;
    try {
        db->database = new Xapian::Database();
        for (current = 0; current < count; current++)
            db->database->add_database(open_shard(shards[current], timeout_ms));
        db->path = count == 1 ? shard_name(shards[0]) : "shards";
    } catch (...) {
        const cops_xapian_shard &failed = shards[current < count ? current : 0];
        char what[COPS_ERROR_MESSAGE_MAX];
        if (failed.kind == COPS_XAPIAN_SHARD_GLASS)
            snprintf(what, sizeof what, "opening Xapian database %s", shard_name(failed));
        else if (failed.kind == COPS_XAPIAN_SHARD_TCP)
            snprintf(what, sizeof what, "opening remote Xapian database %s:%u",
                     shard_name(failed), failed.port);
        else
            snprintf(what, sizeof what, "opening remote Xapian database through program %s",
                     shard_name(failed));
        int code = translate_current(none, what,
                                     failed.kind == COPS_XAPIAN_SHARD_GLASS ? failed.location
                                                                            : nullptr);
        delete db->database;
        delete db;
        return code;
    }
    clear(none);
    *out = db;
    return COPS_OK;
}

int cops_xapian_db_open_remote(const char *const *host_ports, size_t count, unsigned timeout_ms,
                               cops_xapian_db **out, cops_error *err)
{
    const sink none{nullptr, err};
    if (out)
        *out = nullptr;
    if (!host_ports || !out || count == 0)
        return record(none, COPS_EINVAL, "cops_xapian_db_open_remote: %s",
                      !out ? "NULL out" : "no remote database given");
    try {
        std::vector<std::string> hosts(count);
        std::vector<cops_xapian_shard> shards(count);
        for (size_t i = 0; i < count; i++) {
            const char *current = host_ports[i] ? host_ports[i] : "(null)";
            const char *colon = host_ports[i] ? strrchr(host_ports[i], ':') : nullptr;
            char *end = nullptr;
            errno = 0;
            unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
            if (!colon || colon == host_ports[i] || !colon[1] || *end || errno || port == 0 ||
                port > 65535)
                return record(none, COPS_EINVAL, "remote database '%s': expected host:port",
                              current);
            hosts[i].assign(host_ports[i], static_cast<size_t>(colon - host_ports[i]));
            if (hosts[i].size() >= 2 && hosts[i].front() == '[' && hosts[i].back() == ']')
                hosts[i] = hosts[i].substr(1, hosts[i].size() - 2);
            shards[i].kind = COPS_XAPIAN_SHARD_TCP;
            shards[i].port = static_cast<unsigned>(port);
            shards[i].args = nullptr;
        }
        for (size_t i = 0; i < count; i++)
            shards[i].location = hosts[i].c_str();
        int code = cops_xapian_db_open_shards(shards.data(), count, timeout_ms, out, err);
        if (code == COPS_OK && count == 1)
            (*out)->path = host_ports[0];
        else if (code == COPS_OK)
            (*out)->path = "remote shards";
        return code;
    } catch (...) {
        return translate_current(none, "opening remote databases");
    }
}

void cops_xapian_db_close(cops_xapian_db *db)
{
    if (!db)
        return;
    try {
        if (db->writable && db->in_transaction)
            writable(db)->cancel_transaction();
        if (db->database)
            db->database->close();
    } catch (...) {
        /* Documented: errors while closing are ignored. */
    }
    try {
        delete db->database; /* Xapian destructors do not throw */
    } catch (...) {
    }
    if (db->release)
        db->release(db->held);
    delete db;
}

void cops_xapian_db_hold(cops_xapian_db *db, void (*release)(void *), int (*refresh)(void *),
                         void *held)
{
    if (db->release)
        db->release(db->held);
    db->release = release;
    db->refresh = refresh;
    db->held = held;
}

const char *cops_xapian_db_error(const cops_xapian_db *db)
{
    return db ? db->message : "";
}

int cops_xapian_begin(cops_xapian_db *db, cops_error *err)
{
    int rc = check_writable(db, err, "begin transaction");
    if (rc != COPS_OK)
        return rc;
    try {
        writable(db)->begin_transaction(true);
        db->in_transaction = true;
    } catch (...) {
        return translate_current(db_sink(db, err), "begin transaction");
    }
    return COPS_OK;
}

int cops_xapian_commit(cops_xapian_db *db, cops_error *err)
{
    int rc = check_writable(db, err, "commit");
    if (rc != COPS_OK)
        return rc;
    try {
        if (db->in_transaction) {
            db->in_transaction = false; /* over whether the commit works or not */
            writable(db)->commit_transaction();
        } else {
            writable(db)->commit();
        }
    } catch (...) {
        return translate_current(db_sink(db, err), "commit");
    }
    return COPS_OK;
}

int cops_xapian_cancel(cops_xapian_db *db, cops_error *err)
{
    int rc = check_writable(db, err, "cancel transaction");
    if (rc != COPS_OK)
        return rc;
    try {
        db->in_transaction = false;
        writable(db)->cancel_transaction();
    } catch (...) {
        return translate_current(db_sink(db, err), "cancel transaction");
    }
    return COPS_OK;
}

/* ---------------------------------------------------------- documents */

int cops_xapian_doc_new(cops_xapian_doc **out, cops_error *err)
{
    const sink none{nullptr, err};
    if (!out)
        return record(none, COPS_EINVAL, "cops_xapian_doc_new: NULL out");
    *out = nullptr;
    try {
        *out = new cops_xapian_doc;
    } catch (...) {
        return translate_current(none, "new document");
    }
    return COPS_OK;
}

void cops_xapian_doc_free(cops_xapian_doc *doc)
{
    delete doc;
}

int cops_xapian_doc_add_posting(cops_xapian_doc *doc, const char *term, uint32_t position,
                                uint32_t wdf_increment, cops_error *err)
{
    const sink none{nullptr, err};
    if (!doc || !term || !*term)
        return record(none, COPS_EINVAL, "add posting: %s",
                      !doc ? "NULL document" : "empty or NULL term");
    try {
        doc->document.add_posting(term, position, wdf_increment);
    } catch (...) {
        return translate_current(none, "add posting");
    }
    return COPS_OK;
}

int cops_xapian_doc_add_term(cops_xapian_doc *doc, const char *term, uint32_t wdf, cops_error *err)
{
    const sink none{nullptr, err};
    if (!doc || !term || !*term)
        return record(none, COPS_EINVAL, "add term: %s",
                      !doc ? "NULL document" : "empty or NULL term");
    try {
        doc->document.add_term(term, wdf);
    } catch (...) {
        return translate_current(none, "add term");
    }
    return COPS_OK;
}

int cops_xapian_doc_add_boolean_term(cops_xapian_doc *doc, const char *term, cops_error *err)
{
    const sink none{nullptr, err};
    if (!doc || !term || !*term)
        return record(none, COPS_EINVAL, "add boolean term: %s",
                      !doc ? "NULL document" : "empty or NULL term");
    try {
        doc->document.add_boolean_term(term);
    } catch (...) {
        return translate_current(none, "add boolean term");
    }
    return COPS_OK;
}

int cops_xapian_doc_set_data(cops_xapian_doc *doc, const void *bytes, size_t length,
                             cops_error *err)
{
    const sink none{nullptr, err};
    if (!doc || (!bytes && length > 0))
        return record(none, COPS_EINVAL, "set document data: NULL %s", doc ? "bytes" : "document");
    try {
        doc->document.set_data(length ? std::string(static_cast<const char *>(bytes), length)
                                      : std::string());
    } catch (...) {
        return translate_current(none, "set document data");
    }
    return COPS_OK;
}

int cops_xapian_doc_set_value(cops_xapian_doc *doc, unsigned slot, const char *value,
                              size_t length, cops_error *err)
{
    const sink none{nullptr, err};
    if (!doc || (!value && length > 0))
        return record(none, COPS_EINVAL, "set value: NULL %s", doc ? "value" : "document");
    if (slot == Xapian::BAD_VALUENO)
        return record(none, COPS_EINVAL, "set value: slot %u is reserved", slot);
    try {
        if (length == 0)
            doc->document.remove_value(slot);
        else
            doc->document.add_value(slot, std::string(value, length));
    } catch (...) {
        return translate_current(none, "set value");
    }
    return COPS_OK;
}

int cops_xapian_add_document(cops_xapian_db *db, const cops_xapian_doc *doc, uint32_t *docid_out,
                             cops_error *err)
{
    int rc = check_writable(db, err, "add document");
    if (rc != COPS_OK)
        return rc;
    if (!doc)
        return record(db_sink(db, err), COPS_EINVAL, "add document: NULL document");
    try {
        Xapian::docid id = writable(db)->add_document(doc->document);
        if (docid_out)
            *docid_out = id;
    } catch (...) {
        char what[COPS_ERROR_MESSAGE_MAX];
        snprintf(what, sizeof what, "adding a document to %s", db->path.c_str());
        return translate_current(db_sink(db, err), what);
    }
    return COPS_OK;
}

int cops_xapian_delete_document(cops_xapian_db *db, uint32_t docid, cops_error *err)
{
    int rc = check_writable(db, err, "delete a document");
    if (rc != COPS_OK)
        return rc;
    if (docid == 0)
        return record(db_sink(db, err), COPS_EINVAL, "delete a document: document id 0");
    try {
        writable(db)->delete_document(docid);
    } catch (...) {
        char what[COPS_ERROR_MESSAGE_MAX];
        snprintf(what, sizeof what, "deleting document %u from %s", docid, db->path.c_str());
        return translate_current(db_sink(db, err), what);
    }
    return COPS_OK;
}

/* --------------------------------------------------------- statistics */

int cops_xapian_doc_count(cops_xapian_db *db, uint64_t *out, cops_error *err)
{
    int rc = check_db(db, err, "document count");
    if (rc != COPS_OK)
        return rc;
    if (!out)
        return record(db_sink(db, err), COPS_EINVAL, "document count: NULL out");
    try {
        *out = db->database->get_doccount();
    } catch (...) {
        return translate_current(db_sink(db, err), "document count");
    }
    return COPS_OK;
}

int cops_xapian_term_freq(cops_xapian_db *db, const char *term, uint64_t *out, cops_error *err)
{
    int rc = check_db(db, err, "term frequency");
    if (rc != COPS_OK)
        return rc;
    if (!out || !term)
        return record(db_sink(db, err), COPS_EINVAL, "term frequency: NULL %s",
                      term ? "out" : "term");
    try {
        *out = db->database->get_termfreq(term);
    } catch (...) {
        return translate_current(db_sink(db, err), "term frequency");
    }
    return COPS_OK;
}

int cops_xapian_prefix_terms(cops_xapian_db *db, const char *prefix, uint64_t limit,
                             uint64_t *out, cops_error *err)
{
    int rc = check_db(db, err, "prefix terms");
    if (rc != COPS_OK)
        return rc;
    if (!out || !prefix)
        return record(db_sink(db, err), COPS_EINVAL, "prefix terms: NULL %s",
                      prefix ? "out" : "prefix");
    try {
        uint64_t count = 0;
        for (auto t = db->database->allterms_begin(prefix);
             t != db->database->allterms_end(prefix) && count <= limit; ++t)
            count++;
        *out = count;
    } catch (...) {
        return translate_current(db_sink(db, err), "prefix terms");
    }
    return COPS_OK;
}

int cops_xapian_each_term(cops_xapian_db *db, const char *prefix,
                          int (*visit)(void *context, const char *term, size_t length,
                                       uint64_t documents),
                          void *context, cops_error *err)
{
    int rc = check_db(db, err, "listing terms");
    if (rc != COPS_OK)
        return rc;
    if (!visit || !prefix)
        return record(db_sink(db, err), COPS_EINVAL, "listing terms: NULL %s",
                      prefix ? "visit" : "prefix");
    try {
        for (auto t = db->database->allterms_begin(prefix);
             t != db->database->allterms_end(prefix); ++t) {
            std::string term = *t;
            int stop = visit(context, term.data(), term.size(), t.get_termfreq());
            if (stop != 0)
                return stop;
        }
    } catch (...) {
        return translate_current(db_sink(db, err), "listing terms");
    }
    return COPS_OK;
}

int cops_xapian_avg_length(cops_xapian_db *db, double *out, cops_error *err)
{
    int rc = check_db(db, err, "average length");
    if (rc != COPS_OK)
        return rc;
    if (!out)
        return record(db_sink(db, err), COPS_EINVAL, "average length: NULL out");
    try {
        *out = db->database->get_avlength();
    } catch (...) {
        return translate_current(db_sink(db, err), "average length");
    }
    return COPS_OK;
}

int cops_xapian_document_data(cops_xapian_db *db, uint32_t docid, char **bytes_out,
                              size_t *length_out, cops_error *err)
{
    int rc = check_db(db, err, "document data");
    if (rc != COPS_OK)
        return rc;
    if (!bytes_out)
        return record(db_sink(db, err), COPS_EINVAL, "document data: NULL bytes_out");
    *bytes_out = nullptr;
    if (docid == 0)
        return record(db_sink(db, err), COPS_EINVAL, "document data: document ids start at 1");
    try {
        std::string data = db->database->get_document(docid).get_data();
        char *copy = static_cast<char *>(malloc(data.size() + 1));
        if (!copy)
            return record(db_sink(db, err), COPS_ENOMEM, "document data: out of memory");
        memcpy(copy, data.data(), data.size());
        copy[data.size()] = '\0';
        *bytes_out = copy;
        if (length_out)
            *length_out = data.size();
    } catch (...) {
        char what[64];
        snprintf(what, sizeof what, "data of document %u", docid);
        return translate_current(db_sink(db, err), what);
    }
    return COPS_OK;
}

/* ------------------------------------------------------------ queries */

cops_xapian_query *cops_xapian_query_term(const char *term)
{
    if (!term)
        return query_error(COPS_EINVAL, "term query: NULL term");
    cops_xapian_query *q = new_query();
    if (!q)
        return nullptr;
    try {
        q->query = Xapian::Query(term);
    } catch (...) {
        delete q;
        return query_from_exception("term query");
    }
    return q;
}

cops_xapian_query *cops_xapian_query_match_all(void)
{
    cops_xapian_query *q = new_query();
    if (!q)
        return nullptr;
    try {
        q->query = Xapian::Query::MatchAll;
    } catch (...) {
        delete q;
        return query_from_exception("match-all query");
    }
    return q;
}

cops_xapian_query *cops_xapian_query_match_nothing(void)
{
    return new_query(); /* a default Xapian::Query matches nothing */
}

cops_xapian_query *cops_xapian_query_and(cops_xapian_query **subqueries, size_t n)
{
    return combine(Xapian::Query::OP_AND, subqueries, n, 0, "AND query");
}

cops_xapian_query *cops_xapian_query_or(cops_xapian_query **subqueries, size_t n)
{
    return combine(Xapian::Query::OP_OR, subqueries, n, 0, "OR query");
}

cops_xapian_query *cops_xapian_query_and_not(cops_xapian_query *a, cops_xapian_query *b)
{
    return combine_pair(Xapian::Query::OP_AND_NOT, a, b, "AND_NOT query");
}

cops_xapian_query *cops_xapian_query_and_maybe(cops_xapian_query *a, cops_xapian_query *b)
{
    return combine_pair(Xapian::Query::OP_AND_MAYBE, a, b, "AND_MAYBE query");
}

cops_xapian_query *cops_xapian_query_phrase(cops_xapian_query **subqueries, size_t n,
                                            uint32_t window)
{
    return combine(Xapian::Query::OP_PHRASE, subqueries, n, window, "phrase query");
}

cops_xapian_query *cops_xapian_query_near(cops_xapian_query **subqueries, size_t n,
                                          uint32_t window)
{
    return combine(Xapian::Query::OP_NEAR, subqueries, n, window, "NEAR query");
}

cops_xapian_query *cops_xapian_query_wildcard(const char *prefix, size_t max_expansion)
{
    if (!prefix)
        return query_error(COPS_EINVAL, "wildcard query: NULL prefix");
    if (max_expansion > 0xffffffffu)
        max_expansion = 0xffffffffu; /* Xapian::termcount is 32 bits; beyond is no bound */
    cops_xapian_query *q = new_query();
    if (!q)
        return nullptr;
    try {
        q->query = Xapian::Query(Xapian::Query::OP_WILDCARD, std::string(prefix),
                                 static_cast<Xapian::termcount>(max_expansion),
                                 Xapian::Query::WILDCARD_LIMIT_ERROR, Xapian::Query::OP_OR);
    } catch (...) {
        delete q;
        return query_from_exception("wildcard query");
    }
    return q;
}

cops_xapian_query *cops_xapian_query_value_range(unsigned slot, const char *from, const char *to)
{
    if (slot == Xapian::BAD_VALUENO)
        return query_error(COPS_EINVAL, "value range: slot %u is reserved", slot);
    cops_xapian_query *q = new_query();
    if (!q)
        return nullptr;
    try {
        if (from && to)
            q->query = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, from, to);
        else if (to)
            q->query = Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, to);
        else if (from)
            q->query = Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, from);
        else /* stored values are never empty, so all are >= "\0"; "" would match all */
            q->query = Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, std::string(1, '\0'));
    } catch (...) {
        delete q;
        return query_from_exception("value range query");
    }
    return q;
}

cops_xapian_query *cops_xapian_query_scale(cops_xapian_query *q, double factor)
{
    if (!q)
        return nullptr;
    if (q->status != COPS_OK)
        return q;
    if (!std::isfinite(factor) || factor < 0) {
        delete q;
        return query_error(COPS_EINVAL, "scaled query: factor %g is not a finite number >= 0",
                           factor);
    }
    try {
        q->query = Xapian::Query(factor, q->query);
    } catch (...) {
        delete q;
        return query_from_exception("scaled query");
    }
    return q;
}

int cops_xapian_query_status(const cops_xapian_query *q, cops_error *err)
{
    if (!q)
        return record(sink{nullptr, err}, COPS_ENOMEM, "query: out of memory while building it");
    if (q->status != COPS_OK)
        return record(sink{nullptr, err}, q->status, "%s", q->message);
    clear(sink{nullptr, err});
    return COPS_OK;
}

char *cops_xapian_query_describe(const cops_xapian_query *q)
{
    if (!q)
        return nullptr;
    try {
        std::string text = q->status == COPS_OK ? q->query.get_description()
                                                : std::string("error: ") + q->message;
        return strdup(text.c_str());
    } catch (...) {
        return nullptr;
    }
}

void cops_xapian_query_free(cops_xapian_query *q)
{
    delete q;
}

/* ------------------------------------------------------------- search */

void cops_xapian_weight_init(cops_xapian_weight *weight)
{
    if (!weight)
        return;
    /* The values of Xapian::BM25Weight() in Xapian 1.4. */
    weight->k1 = 1.0;
    weight->k2 = 0.0;
    weight->k3 = 1.0;
    weight->b = 0.5;
    weight->min_normlen = 0.5;
    weight->scheme = COPS_XAPIAN_BM25;
    weight->order = COPS_XAPIAN_BY_WEIGHT;
    weight->order_slot = 0;
}

void cops_xapian_weight_init_cops(cops_xapian_weight *weight)
{
    if (!weight)
        return;
    /* The defaults of cops_search_options_init(). */
    weight->k1 = 1.2;
    weight->k2 = 0.0;
    weight->k3 = 1.0;
    weight->b = 0.7;
    weight->min_normlen = 0.0;
    weight->scheme = COPS_XAPIAN_COPS_BM25;
    weight->order = COPS_XAPIAN_BY_WEIGHT;
    weight->order_slot = 0;
}

int cops_xapian_search(cops_xapian_db *db, const cops_xapian_query *q,
                       const cops_xapian_weight *weight, size_t offset, size_t limit,
                       int exact_count, cops_xapian_results **out, cops_error *err)
{
    if (out)
        *out = nullptr;
    int rc = check_db(db, err, "search");
    if (rc != COPS_OK)
        return rc;
    const sink s = db_sink(db, err);
    if (!q || !out)
        return record(s, COPS_EINVAL, "search: NULL %s", q ? "out" : "query");
    if (q->status != COPS_OK)
        return record(s, q->status, "%s", q->message);
    cops_xapian_weight w;
    cops_xapian_weight_init(&w);
    if (weight)
        w = *weight;
    if (w.scheme != COPS_XAPIAN_BM25 && w.scheme != COPS_XAPIAN_COPS_BM25)
        return record(s, COPS_EINVAL, "search: unknown weighting scheme %d", w.scheme);
    if (w.order != COPS_XAPIAN_BY_WEIGHT && w.order != COPS_XAPIAN_BY_VALUE
        && w.order != COPS_XAPIAN_BY_VALUE_DESCENDING)
        return record(s, COPS_EINVAL, "search: unknown order %d", w.order);
    if (!(w.k1 >= 0 && w.k2 >= 0 && w.k3 >= 0 && w.b >= 0 && w.b <= 1 && w.min_normlen >= 0) ||
        !std::isfinite(w.k1) || !std::isfinite(w.k2) || !std::isfinite(w.k3) ||
        !std::isfinite(w.min_normlen))
        return record(s, COPS_EINVAL,
                      "search: BM25 parameters out of range (k1 %g, k2 %g, k3 %g >= 0; "
                      "0 <= b %g <= 1; min_normlen %g >= 0)",
                      w.k1, w.k2, w.k3, w.b, w.min_normlen);
    const Xapian::doccount cap = 0xffffffffu;
    Xapian::doccount first = offset > cap ? cap : static_cast<Xapian::doccount>(offset);
    Xapian::doccount wanted = limit > cap ? cap : static_cast<Xapian::doccount>(limit);
    cops_xapian_results *r = static_cast<cops_xapian_results *>(calloc(1, sizeof *r));
    if (!r)
        return record(s, COPS_ENOMEM, "search: out of memory");
    for (int attempt = 0;; attempt++) {
        try {
            Xapian::Enquire enquire(*db->database);
            enquire.set_query(q->query);
            if (w.scheme == COPS_XAPIAN_COPS_BM25)
                enquire.set_weighting_scheme(CopsBM25Weight(w.k1, w.b));
            else
                enquire.set_weighting_scheme(
                    Xapian::BM25Weight(w.k1, w.k2, w.k3, w.b, w.min_normlen));
            enquire.set_docid_order(Xapian::Enquire::ASCENDING);
            /* Declared here, it outlives get_mset (the Enquire borrows it). */
            Xapian::MultiValueKeyMaker by_value;
            if (w.order != COPS_XAPIAN_BY_WEIGHT) {
                /* A missing value sorts as the default: after every value
                 * ascending (no value begins with 0xff bytes here: dates
                 * are digits), before every one descending ("" is least). */
                bool descending = w.order == COPS_XAPIAN_BY_VALUE_DESCENDING;
                by_value.add_value(w.order_slot, descending,
                                   descending ? std::string() : std::string(16, '\xff'));
                enquire.set_sort_by_key(&by_value, false);
            }
            Xapian::doccount check = exact_count ? db->database->get_doccount() : 0;
            Xapian::MSet mset = enquire.get_mset(first, wanted, check);
            size_t n = mset.size();
            r->docids = static_cast<uint32_t *>(malloc((n ? n : 1) * sizeof *r->docids));
            r->scores = static_cast<double *>(malloc((n ? n : 1) * sizeof *r->scores));
            if (!r->docids || !r->scores) {
                cops_xapian_results_free(r);
                return record(s, COPS_ENOMEM, "search: out of memory for %zu hits", n);
            }
            size_t i = 0;
            for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it, ++i) {
                r->docids[i] = *it;
                r->scores[i] = it.get_weight();
            }
            r->count = i;
            r->total = mset.get_matches_estimated();
            r->exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
            break;
        } catch (const Xapian::DatabaseModifiedError &) {
            free(r->docids);
            free(r->scores);
            r->docids = nullptr;
            r->scores = nullptr;
            bool retried = false;
            if (attempt == 0) {
                try {
                    if (!db->refresh || db->refresh(db->held) == 0) {
                        db->database->reopen();
                        retried = true;
                    }
                } catch (...) {
                    retried = false;
                }
            }
            if (!retried) {
                cops_xapian_results_free(r);
                return translate_current(s, "search");
            }
        } catch (...) {
            cops_xapian_results_free(r);
            return translate_current(s, "search");
        }
    }
    *out = r;
    return COPS_OK;
}

size_t cops_xapian_results_count(const cops_xapian_results *results)
{
    return results ? results->count : 0;
}

uint64_t cops_xapian_results_total(const cops_xapian_results *results)
{
    return results ? results->total : 0;
}

int cops_xapian_results_total_is_exact(const cops_xapian_results *results)
{
    return results ? results->exact : 0;
}

uint32_t cops_xapian_results_docid(const cops_xapian_results *results, size_t i)
{
    return results && i < results->count ? results->docids[i] : 0;
}

double cops_xapian_results_score(const cops_xapian_results *results, size_t i)
{
    return results && i < results->count ? results->scores[i] : 0.0;
}

void cops_xapian_results_free(cops_xapian_results *results)
{
    if (!results)
        return;
    free(results->docids);
    free(results->scores);
    free(results);
}

/* ------------------------------------------- values and metadata */

static int copy_out(const std::string &bytes, char **bytes_out, size_t *length_out)
{
    char *copy = static_cast<char *>(malloc(bytes.size() + 1));
    if (!copy)
        return COPS_ENOMEM;
    memcpy(copy, bytes.data(), bytes.size());
    copy[bytes.size()] = '\0';
    *bytes_out = copy;
    if (length_out)
        *length_out = bytes.size();
    return COPS_OK;
}

int cops_xapian_document_value(cops_xapian_db *db, uint32_t docid, unsigned slot,
                               char **bytes_out, size_t *length_out, cops_error *err)
{
    int rc = check_db(db, err, "document value");
    if (rc != COPS_OK)
        return rc;
    if (!bytes_out || docid == 0)
        return record(db_sink(db, err), COPS_EINVAL, "document value: %s",
                      !bytes_out ? "NULL bytes_out" : "document ids start at 1");
    *bytes_out = nullptr;
    try {
        std::string value = db->database->get_document(docid).get_value(slot);
        if (copy_out(value, bytes_out, length_out) != COPS_OK)
            return record(db_sink(db, err), COPS_ENOMEM, "document value: out of memory");
    } catch (...) {
        char what[64];
        snprintf(what, sizeof what, "value %u of document %u", slot, docid);
        return translate_current(db_sink(db, err), what);
    }
    return COPS_OK;
}

int cops_xapian_set_metadata(cops_xapian_db *db, const char *key, const char *value,
                             cops_error *err)
{
    int rc = check_writable(db, err, "set metadata");
    if (rc != COPS_OK)
        return rc;
    if (!key || !*key || !value)
        return record(db_sink(db, err), COPS_EINVAL, "set metadata: NULL or empty key or value");
    try {
        writable(db)->set_metadata(key, value);
    } catch (...) {
        return translate_current(db_sink(db, err), "set metadata");
    }
    return COPS_OK;
}

int cops_xapian_get_metadata(cops_xapian_db *db, const char *key, char **value_out,
                             cops_error *err)
{
    int rc = check_db(db, err, "get metadata");
    if (rc != COPS_OK)
        return rc;
    if (!key || !*key || !value_out)
        return record(db_sink(db, err), COPS_EINVAL, "get metadata: NULL or empty key");
    *value_out = nullptr;
    try {
        if (copy_out(db->database->get_metadata(key), value_out, nullptr) != COPS_OK)
            return record(db_sink(db, err), COPS_ENOMEM, "get metadata: out of memory");
    } catch (...) {
        return translate_current(db_sink(db, err), "get metadata");
    }
    return COPS_OK;
}

} /* extern "C" */
