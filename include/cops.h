/*
 * cops.h — the public interface of libcops, a full-text search engine.
 *
 * libcops builds an on-disk index from documents (cops_build) and answers
 * queries from it (cops_index_open, cops_search).  The cops-index and
 * cops-query programs are thin command-line front ends over this header.
 *
 * Conventions, stated once for the whole API:
 *  - Functions that can fail return 0 (COPS_OK) or a negative cops_status,
 *    and, when `err` is not NULL, fill it with the code and a one-line
 *    message that names what failed and where (file, byte offset, query
 *    column).  `err` may always be NULL.
 *  - A NULL where a function asks for an object, a string or an OUT
 *    pointer (unless it says NULL is accepted) fails with COPS_EINVAL
 *    naming the argument; functions returning something other than a
 *    status (cops_results_total, cops_results_hit, ...) need the object
 *    they read from.
 *  - Every constructor names its destructor; destructors accept NULL.
 *  - Strings returned by the library are borrowed: they stay valid until
 *    the object they were obtained from is freed, unless stated otherwise.
 *  - All text is UTF-8.
 *  - Objects are not thread-safe; distinct objects may be used from
 *    distinct threads.  A cops_index may be shared by threads that only
 *    call cops_search on it (on an index of the Xapian engine, whose
 *    database handles are not thread-safe, those searches take turns).
 */
#ifndef COPS_H
#define COPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COPS_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------ errors */

typedef enum cops_status {
    COPS_OK = 0,
    COPS_ENOMEM = -1,      /* allocation failed */
    COPS_EIO = -2,         /* read/write/open failed; message carries errno text */
    COPS_ECORRUPT = -3,    /* index bytes fail a checksum or an invariant */
    COPS_EVERSION = -4,    /* index written by an unsupported format version */
    COPS_ENOINDEX = -5,    /* no index at the given location */
    COPS_ESYNTAX = -6,     /* query syntax error; see cops_error.column */
    COPS_ELIMIT = -7,      /* a documented bound was exceeded */
    COPS_EINVAL = -8,      /* invalid argument or option value */
    COPS_EINPUT = -9,      /* an input document could not be used */
    COPS_ELOCKED = -10,    /* another writer holds the index */
    COPS_EUNSUPPORTED = -11 /* feature not available in this build */
} cops_status;

#define COPS_ERROR_MESSAGE_MAX 512

/* Filled by a failing call.  `column` is the 1-based query column of a
 * COPS_ESYNTAX error (0 otherwise).  `message` quotes file names, query
 * text and index contents as they are: print it with cops_print_error. */
typedef struct cops_error {
    int code;
    size_t column;
    char message[COPS_ERROR_MESSAGE_MAX];
} cops_error;

/* Static text for a status code ("index is corrupt", ...); never NULL. */
const char *cops_strerror(int code);

/* ---------------------------------------------------------- building */

typedef struct cops_build_progress {
    uint64_t documents;     /* documents indexed so far */
    uint64_t bytes_read;    /* input bytes consumed (after decompression) */
    uint64_t bytes_total;   /* input bytes expected, as stored (compressed
                             * sizes of gzip files), 0 if unknown */
    double seconds;         /* wall time since the build started */
    uint64_t bytes_position; /* input bytes consumed, as stored: the share
                              * done is bytes_position / bytes_total */
} cops_build_progress;

#define COPS_FORMATS_MAX 320

typedef struct cops_build_summary {
    uint64_t documents;         /* documents indexed by this build */
    uint64_t documents_skipped; /* inputs or records rejected (see warnings) */
    uint64_t documents_deleted; /* documents of changed or vanished files removed */
    uint64_t documents_total;   /* live documents in the index afterwards */
    uint64_t files_unchanged;   /* input files found unchanged and not read */
    uint64_t segments;          /* segments in the index afterwards */
    int up_to_date;             /* 1 when nothing changed and nothing was written */
    int merged;                 /* 1 when the segments were merged into one */
    uint64_t terms;             /* distinct terms */
    uint64_t postings;          /* (term, document) pairs */
    uint64_t tokens;            /* term occurrences (positions) */
    uint64_t input_bytes;       /* bytes of input text read */
    uint64_t index_bytes;       /* bytes of the final index */
    uint64_t warnings;          /* warnings reported through on_warning */
    uint64_t invalid_utf8;      /* invalid byte sequences replaced */
    uint64_t long_tokens;       /* tokens cut to the maximum token length */
    double seconds;             /* wall time */
    size_t peak_memory_bytes;   /* high-water mark of the in-memory inverter
                                 * (its lists, and a reordering's
                                 * renumbering of them at the end) */
    /* What was read, as one line: documents per format, files converted
     * per character set, binary files skipped per type ("formats: 40
     * text, 2 pdf; converted: 3 from WINDOWS-1252; binary skipped: 1
     * image/png"); "" when nothing was read. */
    char formats[COPS_FORMATS_MAX];
    /* Documents taken out for good: their file vanished from a root this
     * run refreshed, or options.remove named them (a changed file's old
     * documents are replaced, counted in documents_deleted only). */
    uint64_t documents_removed;
    uint64_t documents_before;  /* live documents before this run */
    uint64_t inputs_missing;    /* inputs named that do not exist or cannot be
                                 * read (each a warning; the run goes on) */
    uint64_t files_grown;       /* JSON Lines files that only grew: only their
                                 * new lines were read */
    /* Records (JSON Lines, TREC) whose id an earlier record of the same
     * run had: one document per id, the last one read (both engines; in
     * a native index a record also replaces the index's document of its
     * id from an earlier run, counted in documents_deleted). */
    uint64_t ids_repeated;
    /* 1 when the segment written was reordered: the build's new one
     * (native engine), or a merge's (any: options.reorder, options.merge
     * or the merge policy; the last one written counts), 2 when the
     * document graph did not fit memory_mb (order kept; a build's also
     * when its postings spilled to disk), else 0; the time, the memory
     * of the graph and the bisection, and the log-gap cost of the
     * postings (bits) before and after (a merge's; 0 for a build's, which
     * saves the two passes). */
    int reordered;
    double reorder_seconds;
    size_t reorder_memory_bytes;
    double reorder_cost_before, reorder_cost_after;
} cops_build_summary;

/* The engine behind an index: cops's own format, or a Xapian database
 * (when cops was configured with Xapian: the engine is a module, loaded
 * only when an index or a build needs it; without it, COPS_EUNSUPPORTED
 * saying that it is not installed).  A Xapian build replaces
 * only an empty directory or a Xapian index cops built: a file, a
 * symlink, a stub or any other directory at `index_dir` fails with
 * COPS_EINVAL and is left as it was. */
typedef enum cops_engine { COPS_ENGINE_NATIVE = 0, COPS_ENGINE_XAPIAN = 1 } cops_engine;

typedef struct cops_build_options {
    cops_engine engine;     /* default COPS_ENGINE_NATIVE */
    unsigned shards;        /* Xapian engine: split into this many shard databases (0 or 1 = one) */
    int rebuild;            /* 1 = ignore the existing index and index everything */
    int merge;              /* 1 = merge all segments into one after updating */
    int wait;               /* 1 = wait for another writer instead of failing with COPS_ELOCKED */
    /* 1 = take the documents whose path is one of `inputs` or lies below
     * one out of the index, and forget the roots among them, instead of
     * indexing (native engine; the paths need not exist any more). */
    int remove;
    /* 1 = `inputs` are document identifiers (a record's id field, or a
     * file document's canonical path): delete those documents (native
     * engine; an identifier found nowhere is a warning counted in
     * summary->inputs_missing).  A record deleted so stays out until its
     * file changes or its root is rebuilt. */
    int delete_by_id;
    /* What a walk visits inside folders (the paths named are always
     * read): symbolic links are skipped unless `follow` (then the
     * identity is the path through the link, and a link back to a folder
     * being walked is skipped); hidden entries (name starting with '.')
     * unless `hidden`; an entry that a pattern of `excludes` or of a
     * .copsignore file in its folder or above leaves out is skipped
     * (gitignore syntax: '*', '**', '!', trailing '/', anchoring '/',
     * '#' comments; see man cops-index); with glob_count > 0 a file must
     * match one of `globs` (same syntax).  Patterns are relative to the
     * path named.  A native index remembers them with each root walked,
     * with the JSON Lines field names below (its reading options): a
     * build that gives none of them (follow and hidden 0, no pattern, the
     * field names NULL) walks each root with its own, as if they were
     * given again; one that gives any walks the roots it walks with
     * exactly those and keeps them for those roots
     * (cops_index_root_patterns, cops_index_root_options_get). */
    int follow;
    int hidden;
    const char *const *excludes;
    size_t exclude_count;
    const char *const *globs;
    size_t glob_count;
    /* An input "-" is standard input, read once, whose documents have
     * the path "-" (a later build reading "-" replaces them; it is no
     * root).  Its format: "text", "html", "jsonl" or "trec"; NULL =
     * sniffed (a first '{' is JSON Lines). */
    const char *format;
    const char *language;   /* a name of cops_stemmer_languages() (no alias such
                             * as "en": COPS_EINVAL); NULL = "english" */
    int stem;               /* 1 = stem (default), 0 = index words as normalised */
    int exact_forms;        /* 1 = also index every word as written (normalised,
                             * not stemmed), so a query can ask for =word; an
                             * index built so keeps them on later updates.
                             * An update (not `rebuild`) with an analysis
                             * other than the index's fails with
                             * COPS_EINVAL and changes nothing.
                             * Native engine only.  Default 0 */
    size_t memory_mb;       /* inverter budget in MB; 0 = default (256) */
    int threads;            /* analysis threads; 0 = number of cores */
    /* JSON Lines field names; NULL = defaults ("id", "title", "text" then
     * "body", "date").  Reading options, remembered with the roots as
     * `follow` says. */
    const char *id_field;
    const char *title_field;
    const char *text_field;
    const char *date_field;
    /* Called for each recoverable problem with a message that names the
     * file and line or byte offset.  The file name is quoted as it is (it
     * may hold newlines and escape sequences): show the message with
     * cops_print_escaped.  NULL = print it so to stderr, one line per
     * warning.  Called from the build's reader thread, never
     * concurrently. */
    void (*on_warning)(void *context, const char *message);
    /* Called about once a second while building; NULL = silent. */
    void (*on_progress)(void *context, const cops_build_progress *progress);
    void *context;
    /* 1 = merge into one segment (as `merge`, even an index already of
     * one segment that is not reordered yet; native engine; cops-index
     * --optimize).  Every segment written whole is reordered by
     * recursive graph bisection, so that documents sharing words get
     * near numbers and the postings compress better: every merge's, and
     * a build's new segment when its postings were not spilled to disk
     * and its graph (read from them, 4 bytes a posting) and the
     * bisection fit the inverter's share of memory_mb beside them (the
     * stored text stays in the order read); so this matters for an index
     * of several segments, or a build too large to be reordered as
     * written.  Answers do not change: ties rank by insertion order.
     * Bounded by memory_mb, whatever the documents' shape (the postings
     * are renumbered in runs of a fixed share of it); a graph larger
     * than that leaves the order as it is. */
    int reorder;
} cops_build_options;

/* Fill `options` with the defaults. */
void cops_build_options_init(cops_build_options *options);

/* The NULL-terminated list of stemmer algorithm names accepted as
 * cops_build_options.language (static storage). */
const char **cops_stemmer_languages(void);

/* Index the files and folders in `inputs` (folders walked recursively,
 * hidden entries and symlink loops skipped) into the index directory
 * `index_dir`, created if missing.
 *
 * Identity and roots: a file document's identifier is the canonical
 * absolute path of its file (realpath(3) of the input named, then the
 * names below it), so naming a folder as ".", absolutely or as "../x"
 * gives the same identifiers.  The native index remembers its roots, the
 * canonical paths it was asked to index (cops_index_roots).  A build
 * refreshes only the roots in `inputs`: documents under other roots are
 * untouched, and a file that vanished from under a refreshed root is
 * removed.  With `input_count` 0, every known root is refreshed
 * (COPS_EINVAL when the index has none, or with the Xapian engine, which
 * keeps no roots).  An input that does not exist or cannot be read is a
 * warning (counted in summary->inputs_missing), not an error, and the
 * documents of a root that cannot be read are kept.
 *
 * When `index_dir` already holds an index built with the same analysis,
 * only what changed is indexed: new files are added, changed files (size
 * or modification time, then content hash) replaced and vanished files
 * removed, in a new segment plus deletion bitmaps; a merge policy keeps
 * the number of segments bounded (options.merge forces one segment).
 * The index always answers as a fresh build of the same roots would.  An
 * update of a native index analysed otherwise than `options` ask, or
 * whose catalog another version of cops wrote, fails (COPS_EINVAL,
 * COPS_EVERSION) unless options.rebuild.  The Xapian engine rebuilds its database
 * from `inputs` every time.  The new index becomes visible atomically
 * when the call succeeds; on any failure the previous index at
 * `index_dir`, if any, is left untouched, and a first build that fails
 * removes the directory it created.  Bad documents are reported
 * through on_warning and skipped; they do not fail the build.
 * `index_dir` must be missing, empty, or hold a cops index
 * (COPS_EINVAL for a directory with other files and no MANIFEST, COPS_EIO
 * for a path that is a file); inside it the build creates, replaces and
 * removes only regular files under the names it generates
 * (index-format/FORMAT.md §1), never following a symbolic link there.
 * `options` may be NULL (the defaults of cops_build_options_init).
 * `summary` (OUT, may be NULL) receives the figures of the build. */
int cops_build(const char *index_dir, const char *const *inputs, size_t input_count,
               const cops_build_options *options, cops_build_summary *summary,
               cops_error *err);

/* The roots of the native index at `index_dir` (see cops_build): *roots
 * (OUT) receives a NULL-terminated array of canonical absolute paths in
 * byte order, *count (OUT, may be NULL) their number; free it with
 * cops_strings_free.  COPS_ENOINDEX when there is no index there,
 * COPS_EUNSUPPORTED for a Xapian index (it keeps no roots),
 * COPS_EVERSION / COPS_ECORRUPT for an unusable catalog. */
int cops_index_roots(const char *index_dir, char ***roots, size_t *count, cops_error *err);
/* The --glob and --exclude patterns (cops_build_options.globs, excludes)
 * the root `root` of the native index at `index_dir` was last walked
 * with, which a build giving no reading option walks it with (its other
 * reading options: cops_index_root_options_get): *globs and *excludes (OUT)
 * receive NULL-terminated arrays, empty when it has none or `root` is no
 * root; free each with cops_strings_free.  Errors as cops_index_roots. */
int cops_index_root_patterns(const char *index_dir, const char *root, char ***globs,
                             char ***excludes, cops_error *err);
/* A name and how many documents it applies to (cops_index_kinds). */
typedef struct cops_count {
    char name[32];
    uint64_t documents;
} cops_count;
/* The live documents of the native index at `index_dir` per format and
 * per detected source encoding, from its catalog (index-format/FORMAT.md
 * §5.2), most documents first.  Format names: "text", "html", "jsonl"
 * (a JSON Lines record), "trec" (a TREC record), "pdf", "docx", "odt",
 * "epub", "mail" (an e-mail file), "mbox" (a message of an mbox);
 * "unknown" for documents indexed by a cops whose catalog did not record
 * it (version 2).  An archive member counts as its own format.  Encoding
 * names are those the character-set layer decided ("UTF-8",
 * "WINDOWS-1252", "UTF-16LE"...), "" for formats that carry their own
 * (PDF, office documents, mail) and for an older catalog's documents.
 * *formats and *encodings (OUT): free each with cops_counts_free.
 * Errors as cops_index_roots. */
int cops_index_kinds(const char *index_dir, cops_count **formats, size_t *format_count,
                     cops_count **encodings, size_t *encoding_count, cops_error *err);
void cops_counts_free(cops_count *counts);
/* Free a NULL-terminated array of strings from cops_index_roots or
 * cops_index_root_patterns; NULL is allowed. */
void cops_strings_free(char **strings);

/* ----------------------------------------------------------- reading */

typedef struct cops_index cops_index;

/* cops_index_roots, cops_index_root_patterns and cops_index_kinds of the
 * native index `index` opened by cops_index_open: from the catalog it
 * pinned then, so that what a program lists along with the handle's
 * statistics (or lists in several calls) is of the one index opened,
 * even if its folder is swapped for another meanwhile.  Errors as
 * theirs; COPS_ECORRUPT when the catalog could not be opened with the
 * index, COPS_EUNSUPPORTED for a Xapian index or several indexes opened
 * as one (cops_index_open_many). */
int cops_index_roots_get(const cops_index *index, char ***roots, size_t *count,
                         cops_error *err);
int cops_index_root_patterns_get(const cops_index *index, const char *root, char ***globs,
                                 char ***excludes, cops_error *err);
int cops_index_kinds_get(const cops_index *index, cops_count **formats, size_t *format_count,
                         cops_count **encodings, size_t *encoding_count, cops_error *err);
/* The reading options besides its patterns that the root `root` of the
 * native index `index` was last walked with, which a build giving no
 * reading option walks it with again (cops_build_options: follow,
 * hidden, the JSON Lines field names): *options (OUT) receives a
 * NULL-terminated array of them as cops-index takes them, "--follow",
 * "--hidden", or a field option, a space and the field name
 * ("--text-field body"); empty when it has none or `root` is no root;
 * free it with cops_strings_free.  Errors as cops_index_roots_get. */
int cops_index_root_options_get(const cops_index *index, const char *root, char ***options,
                                cops_error *err);

/* Open the index at `index_dir` for searching: a cops index, or a Xapian
 * database (a glass directory, a directory holding a XAPIANDB stub, or a
 * stub file) when the Xapian engine is installed (a Xapian index is
 * recognised without it: COPS_EUNSUPPORTED, saying so).  *out (OUT)
 * receives the handle; free it with cops_index_close().  Fails with COPS_ENOINDEX when there is no
 * index, COPS_EVERSION / COPS_ECORRUPT for unusable bytes, and
 * COPS_ECORRUPT for an index file that is not a regular file (a symbolic
 * link is not followed, a FIFO not waited for) or is larger than the
 * manifest or the format allows.  `index_dir` (a symbolic link there is
 * followed) is opened once and every file is read through that
 * directory, so one swapped for a link meanwhile never mixes two indexes;
 * nothing in it is written.  Statistics, term dumps and --explain
 * contributions are native-only (COPS_EUNSUPPORTED on a Xapian index).
 * Opening is read-only and inert: cops reads a Xapian stub itself and
 * opens only glass databases inside the stub's directory (no absolute
 * path, no "..", no symlink); a stub line naming a remote database fails
 * with COPS_EINVAL, as cops_index_open_flags(index_dir, 0, ...) does. */
int cops_index_open(const char *index_dir, cops_index **out, cops_error *err);

/* Flags for cops_index_open_flags: the Xapian stub lines a caller trusts.
 * Index directories often come from others; a stub is part of them. */
enum {
    /* "remote :PROG ARGS": RUN the program PROG, chosen by whoever wrote
     * the stub, with the user's rights (xapian-progsrv is the intended
     * one; any program will do for an attacker). */
    COPS_OPEN_ALLOW_REMOTE_PROGRAMS = 1u << 0,
    /* "remote HOST:PORT": connect to xapian-tcpsrv at HOST, which then
     * receives every query (a leak to a host the stub's author chose). */
    COPS_OPEN_ALLOW_REMOTE_HOSTS = 1u << 1
};

/* cops_index_open, with the stub lines `flags` (COPS_OPEN_ALLOW_*, or 0)
 * allows.  Flags are ignored for a cops index. */
int cops_index_open_flags(const char *index_dir, unsigned flags, cops_index **out,
                          cops_error *err);
/* Open shards served by xapian-tcpsrv, each given as "host:port", as one
 * index (collection statistics combined, so scores equal those of a
 * single database).  COPS_EUNSUPPORTED without Xapian. */
int cops_index_open_remote(const char *const *host_ports, size_t count, cops_index **out,
                           cops_error *err);
/* Open several native indexes (`index_dirs`, 1 to 64 of them) as one
 * collection: a search ranks their documents together with statistics
 * over all of them (document count, average lengths, document
 * frequencies), so a score is the one the documents would get in one
 * index holding them all, and each hit names its index (cops_hit.index,
 * the directory as given).  The indexes must have been built with the
 * same analysis (COPS_EINVAL otherwise) and hold at most 64 segments
 * together (COPS_ELIMIT: merge them); a Xapian index among them fails with
 * COPS_EUNSUPPORTED.  One directory is cops_index_open.  *out (OUT): free
 * with cops_index_close; statistics and term dumps cover all of them. */
int cops_index_open_many(const char *const *index_dirs, size_t count, cops_index **out,
                         cops_error *err);
void cops_index_close(cops_index *index);
/* The engine behind an open index. */
cops_engine cops_index_engine(const cops_index *index);

typedef struct cops_index_stats {
    uint64_t documents;
    uint64_t terms;
    uint64_t postings;
    uint64_t tokens;
    uint64_t segments;
    uint64_t bytes_total;       /* all index files */
    uint64_t bytes_dictionary;
    uint64_t bytes_postings;    /* document ids and frequencies */
    uint64_t bytes_positions;
    uint64_t bytes_documents;   /* stored text (compressed) */
    uint64_t bytes_metadata;    /* identifiers and titles */
    uint64_t bytes_other;
    char language[32];          /* stemmer, or "none" */
    uint32_t format_version;
} cops_index_stats;

int cops_index_stats_get(cops_index *index, cops_index_stats *stats, cops_error *err);

/* Write a human-readable account of one term's postings (document id,
 * frequency, positions) to `out`, like xapian-delve.  The term is given
 * as it appears in the index (already analysed); a "title:" prefix selects
 * the title field.  Returns COPS_OK, or 1 when the term is absent. */
int cops_index_dump_term(cops_index *index, const char *term, FILE *out, cops_error *err);

/* Verify the whole index at `index_dir`, like xapian-check: the manifest
 * (checksum, segment files present, sizes and document counts as listed)
 * and, for every segment, every checksum (whole sections and each block)
 * and every structural invariant of the format, including those a search
 * never checks (index-format/FORMAT.md).  Reads every byte; the index
 * need not be open.  Returns 0 when the index is sound, COPS_ECORRUPT when
 * it is damaged (the message names the first problem, with its file and
 * byte offset: "<file>: byte <n>: <what>"), COPS_EVERSION for another
 * format version, COPS_ENOINDEX when there is no index there, COPS_EIO
 * when a file cannot be read.  When `report` is not NULL, a short summary
 * of what was checked is written to it. */
int cops_index_check(const char *index_dir, FILE *report, cops_error *err);

/* Analyse `text` exactly as the index analyses documents and call `emit`
 * for each resulting term. */
int cops_index_analyze(cops_index *index, const char *text,
                       void (*emit)(void *context, const char *term, uint32_t position),
                       void *context, cops_error *err);

/* ---------------------------------------------------------- searching */

typedef enum cops_default_op { COPS_OP_AND = 0, COPS_OP_OR = 1 } cops_default_op;

/* The order of the hits: by score, or by the documents' dates (undated
 * documents last, ties by document number), for both engines. */
typedef enum cops_sort {
    COPS_SORT_RELEVANCE = 0,   /* highest score first (default) */
    COPS_SORT_DATE_OLDEST = 1, /* earliest date first (cops-query --sort date) */
    COPS_SORT_DATE_NEWEST = 2  /* latest date first (cops-query --sort -date) */
} cops_sort;

/* The weighting scheme of a term in a document (query/RANKING.md has the
 * formulas).  BM25 is the default; the others are options, measured in
 * bench/RELEVANCE.md.  Native engine only: a Xapian index fails with
 * COPS_EUNSUPPORTED for any but BM25.  Every scheme's score rises with
 * the term's frequency and falls with the field's length, so top-k
 * pruning stays exact with each. */
typedef enum cops_weight {
    COPS_WEIGHT_BM25 = 0,      /* BM25 (k1, b), the default */
    COPS_WEIGHT_BM25_PLUS = 1, /* BM25+ (Lv & Zhai 2011): BM25 + delta * idf, delta default 1 */
    COPS_WEIGHT_BM25L = 2,     /* BM25L (Lv & Zhai 2011): length-normalised tf shifted by
                                * delta before saturation, delta default 0.5 */
    COPS_WEIGHT_INL2 = 3,      /* DFR InL2 (Amati & van Rijsbergen 2002), c default 1 */
    COPS_WEIGHT_LM = 4         /* query likelihood, Dirichlet smoothing (Zhai & Lafferty
                                * 2001), mu default 2000 */
} cops_weight;

typedef struct cops_search_options {
    double k1;              /* BM25 k1, default 1.2 */
    double b;               /* BM25 b, default 0.7 */
    double title_weight;    /* weight of a title match relative to body, default 1.0 */
    size_t limit;           /* hits wanted, default 10 */
    size_t offset;          /* hits skipped before the first returned, default 0 */
    cops_default_op default_op; /* operator between adjacent words, default AND */
    int literal;            /* 1 = the query is plain words, no syntax */
    int count_only;         /* 1 = count matches, return no hits */
    int snippets;           /* 1 = build snippets for the returned hits (default) */
    size_t snippet_chars;   /* target snippet length in bytes of text, default 200
                             * (0 = the default); 20 to 10000, else
                             * COPS_ELIMIT.  A snippet shows the words that
                             * matched: a phrase or NEAR as a whole, where
                             * its words stand together */
    int explain;            /* 1 = keep per-term score contributions */
    size_t max_prefix_terms;/* bound on a prefix expansion, default 1000:
                             * beyond, the terms in the most documents are
                             * kept and cops_results_note says so
                             * (query/GRAMMAR.md, "Bounds") */
    size_t max_query_prefix_terms; /* bound on all of a query's prefix expansions
                             * kept together, default 10000 (beyond it the
                             * search fails with COPS_ELIMIT) */
    int exact_total;        /* 1 (default) = count every match exactly; 0 = only
                             * the top hits matter, so documents that cannot
                             * enter them are skipped (block-max pruning) and
                             * the total is a lower bound */
    int relax;              /* 1 = a query of plain words (no operator, phrase,
                             * prefix, field or date) that no document matches
                             * as a whole is relaxed: the documents with all
                             * but one of the words, else all but two, ...,
                             * ranked by BM25 over the subsets they hold (see
                             * cops_results_relaxed); default 0, cops-query
                             * sets it unless --strict */
    cops_sort sort;         /* order of the hits, default COPS_SORT_RELEVANCE;
                             * with a date order, --top-only's pruning is off */
    int suggest;            /* 1 = "did you mean": for query words that fewer
                             * than 3 documents have, look for the likeliest
                             * indexed word within 2 edits, 1 for words of
                             * 3 to 5 letters (none for shorter words and
                             * numbers: cops_results_suggestion; native
                             * engine only: a Xapian index gives none; at
                             * most 16 such words, compared with at most
                             * 2,000,000 indexed words in all, past which
                             * none is suggested); default 0, cops-query
                             * sets it */
    size_t stop_word_query_length; /* in an index analysed as English (or
                             * unstemmed), a query
                             * of at least this many words ignores its
                             * function words ("the", "of", "what", ...) in
                             * the score: they still match, phrases keep
                             * them (query/stopwords.h); default 10, 0 =
                             * every word scores */
    size_t feedback_documents; /* pseudo-relevance feedback: add to a query
                             * of at least feedback_query_length words
                             * words of its best N hits, weighted; the
                             * matches stay the query's own, only their order
                             * changes (query/feedback.h; default 5, 0 =
                             * off, at most 1000; native indexes only) */
    size_t feedback_terms;  /* words added by feedback, default (and 0) 40, at most 1000 */
    double feedback_weight; /* the original query's share against the added
                             * words, 0 < w <= 1, default (and 0) 0.85 */
    size_t feedback_query_length; /* feedback applies to queries of at
                             * least this many words: default 10, 1 = every
                             * query, 0 = none */
    cops_weight weight;     /* the weighting scheme, default COPS_WEIGHT_BM25 */
    double weight_parameter; /* the scheme's parameter (delta, c or mu; see
                             * cops_weight), 0 = its default; k1 and b apply
                             * to BM25, BM25+ and BM25L */
    int date_histogram;     /* 1 = count every match (undeleted, of all the
                             * indexes opened together) per month of its date,
                             * in the one walk over the matches that counts
                             * them (cops_results_date_histogram); no hits are
                             * returned, as with count_only, and the total is
                             * exact.  Native engine only: a Xapian index
                             * fails with COPS_EUNSUPPORTED.  Default 0 */
} cops_search_options;

void cops_search_options_init(cops_search_options *options);

typedef struct cops_results cops_results;

/* A span of a snippet to highlight: bytes [start, start+length). */
typedef struct cops_span {
    size_t start;
    size_t length;
} cops_span;

typedef struct cops_hit {
    size_t rank;            /* 1-based, counting the offset */
    double score;
    uint32_t doc;           /* internal document number */
    const char *id;         /* identifier: path or id field */
    const char *title;
    const char *date;       /* "YYYY-MM-DD" or NULL */
    const char *snippet;    /* NULL when snippets are off */
    const cops_span *highlights; /* spans inside snippet */
    size_t highlight_count;
    const char *explanation; /* per-term contributions, NULL unless explain */
    const char *index;      /* the index the hit is from, as given to
                             * cops_index_open_many; NULL for one index */
    /* A record's source (JSON Lines, TREC; native indexes): the file it
     * came from, a canonical path (an archive's, for a record inside
     * one), and its 1-based line (of the <DOC> line for TREC); NULL and 0
     * for a document that is a whole file. */
    const char *source_file;
    uint64_t source_line;
} cops_hit;

/* Run `query` against `index`.  *out (OUT) receives the results; free them
 * with cops_results_free().  `options` may be NULL (the defaults of
 * cops_search_options_init).  A syntax error fails with COPS_ESYNTAX and
 * err->column set; so does a query with nothing to search, whose every
 * word is punctuation or symbols ("!!!", "NOT ?"), at its first word.
 * Outside literal mode, a `*` standing alone matches every document: "*"
 * lists them all (in options.sort's order), "* date:2017" is "date:2017",
 * "* -x" is "-x". */
int cops_search(cops_index *index, const char *query, const cops_search_options *options,
                cops_results **out, cops_error *err);
void cops_results_free(cops_results *results);

/* A lower-case "and", "or" or "not" between two words of `query` is
 * searched as a word (the operators are upper case only, see
 * query/GRAMMAR.md), though a person may have meant the operator: the
 * 1-based column (in characters) of the first such word, copied into
 * `word` (room for 4 bytes, "" when none), or 0 when there is none or the
 * query does not parse.  `default_or`: 1 when adjacent words are ORed
 * (options.default_op).  Only for queries with syntax: a literal query has
 * no operators to mistake. */
size_t cops_query_operator_lookalike(const char *query, int default_or, char word[4]);

/* The number of matches: exact unless options.exact_total was 0 (see
 * cops_results_total_is_exact), then a lower bound. */
uint64_t cops_results_total(const cops_results *results);
int cops_results_total_is_exact(const cops_results *results);
size_t cops_results_count(const cops_results *results);    /* hits held */
const cops_hit *cops_results_hit(const cops_results *results, size_t i);
/* The parsed query as an indented tree (for --explain); borrowed; NULL
 * unless options.explain was set. */
const char *cops_results_query_tree(const cops_results *results);
/* The same tree as one JSON value (the "tree" of --json --explain): each
 * node {"op":KIND, ...} with KIND one of WORD PHRASE PREFIX FUZZY DATE AND
 * OR NOT AND_MAYBE NEAR ALL BOOST; a WORD, PHRASE, PREFIX or FUZZY has
 * "field" ("any" or "title") and "text", a PHRASE "slop", a FUZZY "edits"
 * (1 or 2), a NEAR "distance", a BOOST "boost" (the factor) and one
 * child, a DATE "from" and "to" ("YYYY-MM-DD" or null for an open end),
 * an operator "children".  Borrowed; NULL unless options.explain was set. */
const char *cops_results_query_json(const cops_results *results);
/* The options the search ran with (defaults filled in); borrowed. */
const cops_search_options *cops_results_options(const cops_results *results);
/* One month of a date histogram: the matches dated in it. */
typedef struct cops_date_bucket {
    uint32_t month;         /* YYYYMM */
    uint64_t count;
} cops_date_bucket;

/* At most this many months in a histogram (every month of the years 1 to
 * 9999 fits: a date's year has four digits); a search that would need
 * more, only possible with a damaged index, fails with COPS_ELIMIT. */
#define COPS_DATE_HISTOGRAM_MAX_MONTHS 120000

/* The date histogram of options.date_histogram: the months holding
 * matches, oldest first, in *months (borrowed; NULL when none), and the
 * matches without a date in *undated; returns how many months.  The
 * counts and *undated add up to cops_results_total.  0 months and 0
 * undated when the option was not set. */
size_t cops_results_date_histogram(const cops_results *results,
                                   const cops_date_bucket **months, uint64_t *undated);

/* Did you mean (options.suggest): the i-th query word (from 0) that no
 * document or fewer than 3 have, in *word as typed, and the indexed word
 * within two edits (insertions, deletions, substitutions, swaps of
 * neighbours; one for a word of 3 to 5 letters, and no suggestion for a
 * shorter word or one with a digit) in the most documents, at least 20
 * times as many, in
 * *suggested (both borrowed).  Candidates start with the word's first or
 * second letter, and at most 200000 are compared per letter and segment.
 * Returns 1, or 0 past the last (the outputs unchanged). */
int cops_results_suggestion(const cops_results *results, size_t i, const char **word,
                            const char **suggested);
/* When options.relax was 1 and no document had every word of a query of
 * plain words: the hits are the documents with at least *required (OUT,
 * may be NULL) of the *word_count (OUT, may be NULL) words, and the
 * return value lists the query's words as typed, separated by single
 * spaces (borrowed).  NULL (and both 0) when the search was not
 * relaxed. */
const char *cops_results_relaxed(const cops_results *results, size_t *required,
                                 size_t *word_count);
/* The i-th note (from 0) on how the query was searched, or NULL past the
 * last: one line of text, e.g. that a fuzzy word (query/GRAMMAR.md) is
 * within its edits of more indexed words than the 50 it searches, or
 * that a prefix matches more terms than max_prefix_terms.
 * Borrowed. */
const char *cops_results_note(const cops_results *results, size_t i);
/* Wall time of cops_search, in milliseconds. */
double cops_results_milliseconds(const cops_results *results);

/* ------------------------------------------------- a document by id */

/* A document's stored text shown whole (a document view), at most this
 * many bytes of it unless the caller asks for less. */
#define COPS_DOCUMENT_TEXT_MAX ((size_t)1 << 20)

typedef struct cops_document {
    const char *id;
    const char *title;          /* "" when untitled */
    const char *date;           /* "YYYY-MM-DD" or NULL */
    const char *text;           /* the stored text's first text_length bytes,
                                 * NUL-terminated, cut before a whole UTF-8
                                 * character when capped */
    size_t text_length;
    size_t stored_length;       /* bytes of the whole stored text */
    int truncated;              /* 1 when text_length < stored_length */
    const cops_span *highlights; /* the query's matches in text, in text
                                 * order: exactly the words a snippet of a hit
                                 * highlights (phrases and NEAR as a whole),
                                 * over all of text, at most 20000 */
    size_t highlight_count;
    const char *index;          /* the index it is from, as given to
                                 * cops_index_open_many; NULL for one index */
} cops_document;

/* The live document whose identifier is `id` (cops_hit.id), with at most
 * `max_text` bytes of its stored text (0 or more than
 * COPS_DOCUMENT_TEXT_MAX: COPS_DOCUMENT_TEXT_MAX).  With `query` (may be
 * NULL), the words of the text the query matches are in highlights; a
 * query that does not parse fails with COPS_ESYNTAX.  A native index
 * finds the identifier by reading every document's metadata (no stored
 * text is inflated but the one returned), a Xapian index by its unique id
 * term.  Returns 0 with *out (OUT; free with cops_document_free), 1 when
 * no live document has that identifier (*out NULL), or an error.  Threads
 * may share `index` as for cops_search. */
int cops_document_get(cops_index *index, const char *id, const char *query, size_t max_text,
                      cops_document **out, cops_error *err);
void cops_document_free(cops_document *document);

/* ------------------------------------------------------------ output */

enum {
    COPS_PRINT_COLOR = 1 << 0,   /* ANSI bold for highlights */
    COPS_PRINT_MARKERS = 1 << 1, /* ** around highlights when not colouring */
    COPS_PRINT_EXPLAIN = 1 << 2, /* include the per-term score explanation */
    COPS_PRINT_IDS = 1 << 3      /* JSON: hits as rank and identifier only */
};

/* Titles, identifiers, snippets and queries come from strangers, so both
 * printers show them safely.  The text printer never writes a control
 * character, an ill-formed UTF-8 byte, a C1 or bidi control, or a line
 * separator from them: each is shown as a backslash escape (\n, \t, \r,
 * \xHH per byte; see cops_print_escaped), so a hit, an identifier or a
 * message is always one line and cannot act on a terminal.  Identifiers
 * are escaped losslessly (COPS_ESCAPE_LOSSLESS). */
/* Human-readable hit list with a header line giving the exact match count
 * (`query` may be NULL: shown as ""). */
int cops_results_print_text(const cops_results *results, const char *query, FILE *out, int flags);
/* JSON Lines: one object per hit (with "index" when the hit names one,
 * cops_hit.index), then one summary object ("summary":
 * {"query", "total", "total_exact", "returned", "offset", "limit",
 * "milliseconds"}; "relaxed": {"words": [...], "required": K} when the
 * search was relaxed, cops_results_relaxed; "suggestions": [{"word",
 * "suggestion"}] when there are some, cops_results_suggestion).  With
 * COPS_PRINT_EXPLAIN a hit has "explanation": {"score", "terms": [{"term",
 * "field" ("any" or "title"), "score", "weight", "idf", "df", "tf",
 * "field_length"}]} and the summary "tree" (cops_results_query_json).
 * With COPS_PRINT_IDS a hit is {"rank","id"} (and "id_base64").  Always valid
 * JSON (RFC 8259) in valid UTF-8: controls escaped, C1 and bidi controls
 * as \uXXXX, ill-formed UTF-8 replaced by U+FFFD; when an identifier held
 * ill-formed bytes, its exact bytes follow in "id_base64". */
int cops_results_print_json(const cops_results *results, const char *query, FILE *out, int flags);

/* An identifier as the printers show it: a file document's identifier
 * (its canonical absolute path) relative to the current directory when
 * it lies below it ("/home/a/notes/x.txt" in /home/a: "notes/x.txt"),
 * else `id` itself (a record's id field, a path elsewhere).  Returns a
 * pointer into `id`. */
const char *cops_shown_id(const char *id); /* NULL for NULL */

enum {
    COPS_ESCAPE_LOSSLESS = 1 << 0 /* also write '\' as "\\", so the form can be read back */
};

/* Write the NUL-terminated `text` (a file name, a query, a message quoting
 * either) to `out` as one line's worth of terminal-safe text: valid UTF-8
 * that draws glyphs as it is; newline, carriage return and tab as \n, \r,
 * \t; every byte of any other C0 control, DEL, C1 control (U+0080..U+009F),
 * bidi control (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069),
 * U+2028, U+2029 or ill-formed UTF-8 sequence as \xHH.  `flags`: 0 or
 * COPS_ESCAPE_LOSSLESS.  Returns 0, or COPS_EIO if `out` has an error. */
int cops_print_escaped(FILE *out, const char *text, int flags);

/* cops_print_escaped of the `length` bytes at `text`, NUL bytes included
 * (written \x00): a line read from a stranger, shown whole. */
int cops_print_escaped_bytes(FILE *out, const char *text, size_t length, int flags);

/* Write `err` to `out` as "PROGRAM: message", the message escaped as by
 * cops_print_escaped (it may quote file names, documents or a colleague's
 * index), on one line.  For a syntax error (COPS_ESYNTAX, err->column set)
 * with `query` given, three lines instead: "PROGRAM: syntax error in
 * query:", the query escaped, and a caret under the column (placed by the
 * columns a terminal draws: wide East Asian and fullwidth characters two,
 * combining marks none, by Unicode's tables, not the locale; a grapheme
 * cluster such as an emoji ZWJ sequence or a flag as one glyph) followed by the
 * message.  `query` may be NULL.  Returns 0, or COPS_EIO if `out` has an
 * error. */
int cops_print_error(FILE *out, const char *program, const char *query, const cops_error *err);

/* Write `err` to `out` as one record of a batch (cops-query --batch):
 * with `json`, the line {"error":{"query":QUERY,"message":MESSAGE,
 * "column":N or null}}; otherwise the line "error: MESSAGE", the message
 * escaped as by cops_print_escaped.  `query` may be NULL.  Returns 0, or
 * COPS_EIO if `out` has an error. */
int cops_print_error_record(FILE *out, const char *query, const cops_error *err, int json);

/* cops_print_error_record of the query `length` bytes at `query`, NUL
 * bytes included (\u0000 in JSON): a batch line refused for its NUL byte
 * is shown whole, not cut there.  `query` may be NULL when `length` is 0. */
int cops_print_error_record_bytes(FILE *out, const char *query, size_t length,
                                  const cops_error *err, int json);

#ifdef __cplusplus
}
#endif
#endif /* COPS_H */
