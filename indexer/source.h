/*
 * source.h — document sources: walking the inputs of a build and reading
 * the document formats found there.
 *
 * cops-index hands its inputs (files and folders) to source_walk(), which
 * turns every file into zero or more source_documents and passes each to a
 * callback.  The format of a file is chosen by its extension (after a
 * trailing ".gz" is stripped), else sniffed from its first bytes:
 *
 *   plain text   .txt .md .text, no extension, unknown extensions whose
 *                content looks like text            one document per file
 *   HTML         .html .htm, "<!doctype html" / "<html"   one per file
 *   JSON Lines   .jsonl .ndjson                        one per line
 *   TREC         .trec, "<DOC>"                        one per <DOC>
 *
 *   PDF          .pdf, "%PDF-"                         one per file
 *   DOCX ODT EPUB .docx .odt .epub, a zip of their parts   one per file
 *   e-mail       .eml, .mbox .mbx, mail headers        one per message
 *   archives     .zip .tar .7z .rar .cpio ..., and .bz2 .xz .zst ...
 *                compressed files: every member is read as a file
 *                named "archive/inner/path"
 *
 * (indexer/detect.h: a binary signature overrules a text extension.)
 * Whole-file readers get UTF-8 from the charset layer (charset.h); files
 * libmagic calls binary are skipped and counted by type.
 *
 * Any of them may be gzip-compressed (".gz" or the 1f 8b magic).  Large
 * files are streamed: JSON Lines and TREC never hold more than one record
 * in memory.  HTML is parsed with bounded work: a page nesting elements
 * deeper than 512, or with a tag of more than 256 attributes, is
 * truncated there with a warning (source-internal.h, source-html.c).
 *
 * Problems inside the inputs (unreadable or binary files, bad records,
 * damaged gzip data, oversized documents) are warnings: they are reported
 * through source_options.on_warning with the file and the line or byte
 * offset, counted in source_stats, and the walk goes on, also for an
 * input named by the caller that cannot be read.  Only running out of
 * memory fails the walk.
 */
#ifndef COPS_INDEXER_SOURCE_H
#define COPS_INDEXER_SOURCE_H

#include "cops.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* One document.  All pointers are borrowed: they are valid only during the
 * on_document callback that receives the document. */
typedef struct source_document {
    const char *path;   /* file the document came from (for an archive
                         * member, the archive file; its id names the
                         * member: "archive.zip/inner/path") */
    uint64_t line;      /* 1-based line (JSON Lines) or line of the <DOC>
                         * (TREC); 0 for one-document files */
    const char *id;     /* path for one-document files; the id field or
                         * DOCNO otherwise (fallback "path:line") */
    const char *title;  /* never NULL, "" if none */
    const char *date;   /* "YYYY-MM-DD" or NULL */
    const char *text;   /* body text, valid UTF-8, NUL-terminated */
    size_t text_length; /* bytes of text, without the NUL */
    /* Input bytes the walk had consumed as stored (compressed, for gzip
     * files) when the document was delivered, counted as
     * source_estimate_bytes counts: the share of the inputs done. */
    uint64_t input_position;
    /* Set by the walk: what the document was read as, one of
     * detect_format_name's names or "docx", "odt", "epub", "mbox" (a
     * string that lives for the program, or NULL), and the source
     * encoding the charset layer decided ("UTF-8", "WINDOWS-1252"...;
     * "" when the format carries its own, as PDF, office documents and
     * mail do). */
    const char *format;
    const char *encoding;
} source_document;

/* A document's date as the number both engines store: "YYYY-MM-DD" ->
 * YYYYMMDD (the readers validated it); NULL -> 0. */
uint32_t source_date_number(const char *date);

#define SOURCE_DEFAULT_MAX_DOCUMENT_BYTES ((size_t)256 << 20)

/* How one input is read when each has its own (source_options
 * input_patterns: an index's roots, each with the reading options it was
 * last walked with): what its walk leaves out, whether it follows links
 * and reads hidden entries, and its JSON Lines field names (as in
 * source_options). */
typedef struct source_patterns {
    const char *const *globs;
    size_t glob_count;
    const char *const *excludes;
    size_t exclude_count;
    int follow_links;
    int hidden;
    const char *id_field;
    const char *title_field;
    const char *text_field;
    const char *date_field;
} source_patterns;

/* Where to read a file from (on_file returning SOURCE_READ_REST). */
typedef struct source_resume {
    uint64_t offset;     /* first byte to read */
    uint64_t line;       /* lines before it: JSON Lines numbering goes on */
} source_resume;

/* on_file's verdict: read the file from options->resume, which on_file
 * has just filled (a JSON Lines file that only grew). */
#define SOURCE_READ_REST 2

typedef struct source_options {
    /* JSON Lines field names; NULL = "id", "title", "text" (then "body"
     * when the record has no "text"), "date". */
    const char *id_field;
    const char *title_field;
    const char *text_field;
    const char *date_field;
    /* Documents larger than this are skipped with a warning; 0 = default
     * (SOURCE_DEFAULT_MAX_DOCUMENT_BYTES). */
    size_t max_document_bytes;
    /* Receives each warning as one line naming the file and the line or
     * byte offset.  NULL = print "cops-index: warning: <message>" to
     * stderr. */
    void (*on_warning)(void *context, const char *message);
    void *context;      /* passed to on_warning */
    /* Warnings of one kind in one file passed on before the rest are only
     * counted (one line at the file's end); 0 = SOURCE_WARNINGS_PER_KIND,
     * UINT64_MAX = every one (a caller that wants each bad line). */
    uint64_t warnings_per_kind;
    /* A directory never walked into, silently (the index being built, when
     * it lies inside an input folder); NULL = none. */
    const char *exclude_directory;
    /* Called for each file once it is open and before it is read, with
     * its status from fstat() of the open descriptor `fd` (so what is
     * checked is what will be read, whatever happens to the path): return
     * 1 to read it, SOURCE_READ_REST to read it from *resume (an
     * uncompressed file whose earlier lines are indexed), 0 to skip it
     * silently (an incremental build that
     * knows it unchanged), or a negative cops_status to stop the walk
     * with that error.  `fd` is always a regular file: a pipe, FIFO or
     * device named in `inputs` is first read once into an anonymous
     * in-memory file (at most max_document_bytes, else it is skipped with
     * a warning), and `fd` and `status` are that copy's.  The callback
     * may read `fd` with pread() only, and must not close it.  NULL =
     * read every file.  Called on the walking thread. */
    int (*on_file)(void *context, const char *path, const struct stat *status, int fd);
    /* Called (with file_context) for each file or folder, named or met
     * in a walk, that cannot be read, after its warning; NULL = none. */
    void (*on_unreadable)(void *context, const char *path);
    source_resume *resume;  /* filled by on_file for SOURCE_READ_REST */
    void *file_context;  /* passed to on_file and on_unreadable */
    /* What a walk visits inside folders (inputs named are always read):
     * symbolic links are skipped unless follow_links; hidden entries
     * (names starting with '.') unless hidden; entries that the patterns
     * of `excludes` or of a .copsignore file leave out are skipped
     * (gitignore syntax, indexer/ignore.h); with glob_count > 0, a file
     * must match one of `globs`.  Patterns are relative to the input
     * being walked.  All borrowed for the walk. */
    int follow_links;
    int hidden;
    const char *const *excludes;
    size_t exclude_count;
    const char *const *globs;
    size_t glob_count;
    /* NULL: the options above apply to every input; else one set per
     * input (an index's roots, each walked with the reading options it
     * was last walked with), which replaces the patterns, follow_links,
     * hidden and the field names above for that input. */
    const source_patterns *input_patterns;
    /* The input "-" is standard input, read once (into memory unless it
     * is a regular file), whose documents have the path "-".  Its format:
     * "text", "html", "jsonl" or "trec"; NULL = sniffed (a first '{' is
     * JSON Lines, then as for files without an extension). */
    const char *format;
} source_options;

/* Fill `options` with the defaults (all names NULL, limits 0). */
void source_options_init(source_options *options);

/* Counts by name: documents per format, files per encoding converted
 * from, binary files per MIME type. */
#define SOURCE_TALLY_MAX 12
typedef struct source_tally {
    char name[48];
    uint64_t count;
} source_tally;

typedef struct source_stats {
    uint64_t files;        /* files opened */
    uint64_t documents;    /* documents delivered to on_document */
    uint64_t skipped;      /* files or records rejected */
    uint64_t warnings;     /* warnings reported */
    uint64_t bytes_read;   /* input bytes, after decompression */
    uint64_t invalid_utf8; /* invalid byte sequences replaced by U+FFFD */
    source_tally formats[SOURCE_TALLY_MAX];   /* documents per format */
    source_tally encodings[SOURCE_TALLY_MAX]; /* files converted, per encoding */
    source_tally binaries[SOURCE_TALLY_MAX];  /* binary files skipped, per type */
} source_stats;

/* One line for a build summary: "formats: 3 text, 1 pdf; converted: 2
 * from WINDOWS-1252; binary skipped: 1 image/png" (the parts that have
 * counts), cut to `size` bytes; "" when nothing was read. */
void source_stats_describe(const source_stats *stats, char *out, size_t size);

/* Sum of the sizes of the regular files source_walk would visit under
 * `inputs` with the default options (links not followed, hidden entries
 * and .copsignore patterns left out; compressed sizes for gzip files),
 * for progress reports.
 * Unreadable entries count as 0; never fails. */
uint64_t source_estimate_bytes(const char *const *inputs, size_t count);

/* Deliver every document under `inputs` (files and folders) to
 * on_document.  Folders are walked recursively in byte-wise sorted name
 * order so builds are deterministic; entries whose name starts with '.'
 * are skipped (unless options->hidden), and so are symbolic links
 * (unless options->follow_links: then a link back to a folder being
 * walked, detected by st_dev and st_ino, is skipped with a warning) and
 * what the patterns leave out (see source_options).
 * Inside folders only regular files are read: FIFOs, sockets and devices
 * met there are skipped with a warning and never opened (opening a FIFO
 * can block forever), and a file that turns into one between the listing
 * and the open is caught by fstat() on a non-blocking descriptor.  A
 * FIFO, pipe (/dev/fd/N, "<(command)") or device named in `inputs` is
 * the caller's choice: it is opened (waiting for a writer, as cat would)
 * and read exactly once, into memory, bounded by max_document_bytes.
 *
 * on_document returns 0 to continue; any other value stops the walk and
 * is returned by source_walk.  Otherwise source_walk returns 0, or a
 * negative cops_status for fatal problems only (COPS_ENOMEM): an input
 * named in `inputs` that does not exist or cannot be read is a warning
 * like any other unreadable file (on_unreadable).  `options` may be NULL (defaults); `stats` (OUT, may
 * be NULL) receives the counts, also when the walk fails or stops. */
int source_walk(const char *const *inputs, size_t count, const source_options *options,
                int (*on_document)(void *context, const source_document *document),
                void *context, source_stats *stats, cops_error *err);

#endif
