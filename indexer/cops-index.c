/*
 * cops-index — build a search index (see man/cops-index.1).
 * A thin front end over cops_build() and the inspection calls of cops.h.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cops.h"

#define EXIT_NOT_FOUND 1
#define EXIT_TROUBLE 2

static const char *program = "cops-index";

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTION]... [FILE|DIR]...\n"
            "Build or update a search index from files and folders (text, HTML, JSON\n"
            "Lines, TREC, optionally gzip-compressed).  The index remembers the paths\n"
            "it was given (its roots): naming some refreshes those only, indexing what\n"
            "changed below them; with no FILE, every root is refreshed (corpus/ when\n"
            "there is no index yet).  A document's identity is its file's canonical\n"
            "absolute path, or a record's id field.\n"
            "\n"
            "  -i, --index DIR        index directory, new, empty or an index of cops\n"
            "                         (default: $COPS_INDEX, else .cops)\n"
            "  -l, --language NAME    Snowball stemmer (default: english)\n"
            "      --list-languages   print the stemmer names and exit\n"
            "      --no-stem          index words without stemming\n"
            "      --exact-forms      also index each word as written, for =word queries\n"
            "                         (the postings double: +46%% on wiki-dev; kept by updates)\n"
            "  -m, --memory MB        memory budget of the inverter (default: 256)\n"
            "      --rebuild          index everything again instead of only what changed\n"
            "                         (the roots named, else all; others are forgotten)\n"
            "      --remove           take the documents under the FILEs and DIRs named\n"
            "                         out of the index, and forget those roots\n"
            "      --delete ID...     delete the documents with these identifiers (record\n"
            "                         ids; they stay out until their file changes)\n"
            "      --roots            print the roots of the index (and the reading options\n"
            "                         each is refreshed with) and exit\n"
            "  -L, --follow           follow symbolic links inside folders (default: skip)\n"
            "      --hidden           index hidden files and folders (names starting '.')\n"
            "  -g, --glob PATTERN     index only files matching PATTERN (repeatable)\n"
            "      --exclude PATTERN  skip files and folders matching PATTERN (repeatable);\n"
            "                         patterns as in .copsignore files (gitignore syntax);\n"
            "                         --follow, --hidden, --glob, --exclude and the field\n"
            "                         options are each root's reading options, kept with\n"
            "                         it: a run giving none reads a root with its own\n"
            "      --format NAME      format of standard input, FILE '-': text, html,\n"
            "                         jsonl or trec (default: sniffed; '{' = jsonl)\n"
            "      --merge            merge the index into one segment (every segment\n"
            "                         written whole, a merge's or a build's, has its\n"
            "                         documents reordered so that the postings\n"
            "                         compress better)\n"
            "      --optimize         as --merge, also on one segment not reordered yet\n"
            "      --wait             wait for another cops-index updating the index\n"
            "      --engine NAME      native (default) or xapian: write a Xapian database\n"
            "      --shards N         with --engine xapian: split into N shard databases\n"
            "      --allow-remote-programs\n"
            "                         with --stats, --dump: obey a Xapian stub's 'remote\n"
            "                         :PROGRAM' lines: RUNS the program the stub names\n"
            "      --allow-remote-hosts\n"
            "                         with --stats, --dump: obey a Xapian stub's 'remote\n"
            "                         HOST:PORT' lines: sends queries to the host named\n"
            "      --id-field NAME    JSON Lines field names (defaults: id, title,\n"
            "      --title-field NAME   text then body, date)\n"
            "      --text-field NAME\n"
            "      --date-field NAME\n"
            "      --stats            print the statistics of the index (with documents per\n"
            "                         format and per detected encoding) and exit\n"
            "      --dump TERM        print the postings of an analysed TERM (title:TERM\n"
            "                         for the title field) and exit\n"
            "      --check            verify every checksum and invariant of the index\n"
            "                         and exit (0 sound, 2 damaged)\n"
            "  -q, --quiet            no progress line and no summary\n"
            "  -h, --help             show this help and exit\n"
            "  -V, --version          show the version and exit\n"
            "\n"
            "Exit status: 0 success, 1 an input named could not be read (the others were\n"
            "indexed) or --dump term absent, 2 error (or --check found damage).\n",
            program);
}

/* One line on stderr: "cops-index: " and `message`, escaped, since it may
 * quote a file name, a document or a colleague's index. */
static void complain(const char *message)
{
    fprintf(stderr, "%s: ", program);
    cops_print_escaped(stderr, message, 0);
    fputc('\n', stderr);
}

static void fail(const cops_error *err)
{
    cops_print_error(stderr, program, NULL, err);
}

/* complain() with a printf format. */
static void complainf(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void complainf(const char *format, ...)
{
    char message[8192];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    complain(message);
}

static int parse_size(const char *text, const char *option, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || value > (1ull << 30)) {
        fprintf(stderr, "%s: %s needs a positive number, not '%s'\n", program, option, text);
        return -1;
    }
    *out = (size_t)value;
    return 0;
}

/* The progress line on the terminal, kept so that a warning, printed on
 * its own line above it, can draw it again.  Written by the progress
 * callback (the caller's thread) and read by the warning callback (the
 * reader thread), both under stderr's lock. */
static char progress_line[160];

/* "42 s", "7 min", "3 h 20 min": an estimate needs no more precision. */
static void format_duration(char *out, size_t size, double seconds)
{
    if (seconds > 1e9)
        seconds = 1e9; /* at the very start; and the conversion below stays defined */
    unsigned long long minutes = (unsigned long long)(seconds / 60 + 0.5);
    if (seconds < 100)
        snprintf(out, size, "%.0f s", seconds);
    else if (minutes < 100)
        snprintf(out, size, "%llu min", minutes);
    else
        snprintf(out, size, "%llu h %llu min", minutes / 60, minutes % 60);
}

static void on_progress(void *context, const cops_build_progress *p)
{
    (void)context;
    double mb = (double)p->bytes_read / 1e6;
    double rate = p->seconds > 0 ? mb / p->seconds : 0;
    flockfile(stderr);
    int length = snprintf(progress_line, sizeof progress_line, "%s: %llu documents, %.1f MB, %.1f MB/s",
                          program, (unsigned long long)p->documents, mb, rate);
    /* The share done compares stored bytes with stored bytes: bytes_read
     * counts decompressed text, and a gzip file's stored size is a
     * fraction of that (dividing one by the other once said "ETA 0 s" at
     * 7 % of a gzipped file). */
    if (p->bytes_total > 0 && p->bytes_position > 0 && p->seconds > 0 && length > 0
        && (size_t)length < sizeof progress_line) {
        double done = (double)p->bytes_position / (double)p->bytes_total;
        if (done > 1)
            done = 1;
        char eta[32];
        format_duration(eta, sizeof eta, p->seconds * (1 - done) / done);
        snprintf(progress_line + length, sizeof progress_line - (size_t)length,
                 ", %.0f%%, ETA %s", 100 * done, eta);
    }
    /* \033[K clears what a longer previous line left to the right. */
    fprintf(stderr, "\r%s\033[K", progress_line);
    fflush(stderr);
    funlockfile(stderr);
}

/* A warning while the progress line is shown: clear the line, print the
 * warning on a line of its own, and draw the progress line again below. */
static void on_warning_above_progress(void *context, const char *message)
{
    (void)context;
    flockfile(stderr);
    fprintf(stderr, "\r\033[K%s: warning: ", program);
    /* A warning starts with the file's identity, its canonical path: shown
     * relative to the current directory as the ids are (cops_shown_id). */
    cops_print_escaped(stderr, cops_shown_id(message), 0);
    fputc('\n', stderr);
    fputs(progress_line, stderr);
    fflush(stderr);
    funlockfile(stderr);
}

/* A warning without a progress line: on a line of its own. */
static void on_warning_plain(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "%s: warning: ", program);
    cops_print_escaped(stderr, cops_shown_id(message), 0);
    fputc('\n', stderr);
}

/* The formats line of the summary ("formats: 3 text, 1 pdf; converted: 2
 * from WINDOWS-1252; binary skipped: ..."), one line per part so that each
 * stays within 80 columns for the usual handful of names. */
static void print_formats(const char *formats)
{
    while (*formats) {
        size_t part = strcspn(formats, ";");
        fprintf(stderr, "%s: %.*s\n", program, (int)part, formats);
        formats += part;
        while (*formats == ';' || *formats == ' ')
            formats++;
    }
}

/* The end-of-build summary on stderr, in lines of at most 80 columns
 * (unless the index directory's name alone is longer), each starting with
 * "cops-index: " like every line the program writes there, so that no
 * line a file name could forge passes for one of its own. */
static void print_summary(const char *index_dir, const cops_build_summary *summary)
{
    if (summary->up_to_date) {
        complainf("%s is up to date: %llu documents, %llu files unchanged", index_dir,
                  (unsigned long long)summary->documents_total,
                  (unsigned long long)summary->files_unchanged);
        return;
    }
    double input_mb = (double)summary->input_bytes / 1e6;
    fprintf(stderr, "%s: indexed %llu documents into ", program,
            (unsigned long long)summary->documents);
    cops_print_escaped(stderr, index_dir, 0);
    fprintf(stderr, "\n%s: read %.2f MB in %.2f s (%.1f MB/s); index %.2f MB (%.0f%%)\n",
            program, input_mb, summary->seconds,
            summary->seconds > 0 ? input_mb / summary->seconds : 0.0,
            (double)summary->index_bytes / 1e6,
            input_mb > 0 ? 100.0 * (double)summary->index_bytes / (double)summary->input_bytes
                         : 0.0);
    fprintf(stderr, "%s: %llu terms, %llu postings\n", program,
            (unsigned long long)summary->terms, (unsigned long long)summary->postings);
    if (summary->warnings || summary->documents_skipped || summary->long_tokens)
        fprintf(stderr, "%s: %llu warnings, %llu skipped, %llu long tokens cut\n", program,
                (unsigned long long)summary->warnings,
                (unsigned long long)summary->documents_skipped,
                (unsigned long long)summary->long_tokens);
    print_formats(summary->formats);
    if (summary->ids_repeated)
        fprintf(stderr, "%s: %llu record ids repeated: the last record read with an id is "
                "kept\n", program, (unsigned long long)summary->ids_repeated);
    if (summary->files_unchanged || summary->documents_deleted || summary->segments > 1
        || summary->merged)
        fprintf(stderr, "%s: update: %llu files unchanged, %llu grown; %llu documents "
                "replaced, %llu removed\n"
                "%s: now %llu documents in %llu segment%s%s\n", program,
                (unsigned long long)summary->files_unchanged,
                (unsigned long long)summary->files_grown,
                (unsigned long long)(summary->documents_deleted - summary->documents_removed),
                (unsigned long long)summary->documents_removed, program,
                (unsigned long long)summary->documents_total,
                (unsigned long long)summary->segments, summary->segments == 1 ? "" : "s",
                summary->merged ? " (merged)" : "");
    if (summary->reordered == 1 && summary->reorder_cost_before <= 0) /* a build's */
        fprintf(stderr, "%s: reordered in %.2f s, %.1f MB\n", program, summary->reorder_seconds,
                (double)summary->reorder_memory_bytes / 1e6);
    else if (summary->reordered == 1)
        fprintf(stderr, "%s: reordered in %.2f s, %.1f MB: postings log-gap cost %.4g -> %.4g "
                "Mbit (%.1f%%)\n", program, summary->reorder_seconds,
                (double)summary->reorder_memory_bytes / 1e6, summary->reorder_cost_before / 1e6,
                summary->reorder_cost_after / 1e6,
                summary->reorder_cost_before > 0
                    ? 100.0 * summary->reorder_cost_after / summary->reorder_cost_before : 100.0);
    else if (summary->reordered == 2 && summary->reorder_memory_bytes > 0)
        fprintf(stderr, "%s: not reordered: the document graph needs %.1f MB, more than "
                "--memory allows\n", program, (double)summary->reorder_memory_bytes / 1e6);
    else if (summary->reordered == 2)
        fprintf(stderr, "%s: not reordered as written (--optimize reorders them)\n", program);
    /* A run that takes out more than a tenth of the index says so. */
    if (summary->documents_removed * 10 > summary->documents_before
        && summary->documents_before > 0)
        fprintf(stderr, "%s: note: %llu of the %llu documents the index held were removed "
                "(%.0f%%)\n", program, (unsigned long long)summary->documents_removed,
                (unsigned long long)summary->documents_before,
                100.0 * (double)summary->documents_removed / (double)summary->documents_before);
}

static int directory_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* COPS_OPEN_ALLOW_*: what a Xapian stub may do when --stats or --dump opens it. */
static unsigned open_flags;

/* "3 text, 1 pdf" after `label`; an empty name is `empty`. */
static void print_counts(const char *label, const cops_count *counts, size_t count,
                         const char *empty)
{
    fputs(label, stdout);
    for (size_t i = 0; i < count; i++) {
        printf("%s%llu ", i ? ", " : "", (unsigned long long)counts[i].documents);
        cops_print_escaped(stdout, counts[i].name[0] ? counts[i].name : empty, 0);
    }
    putchar('\n');
}

/* Documents per format and per detected encoding (native indexes: the
 * catalog records them; a Xapian index has none, and says nothing), of
 * the very index `index` whose statistics are printed. */
static int print_kinds(const cops_index *index)
{
    cops_count *formats, *encodings;
    size_t format_count, encoding_count;
    cops_error err = {0};
    int rc = cops_index_kinds_get(index, &formats, &format_count, &encodings, &encoding_count,
                                  &err);
    if (rc == COPS_EUNSUPPORTED)
        return 0;
    if (rc != 0) {
        fail(&err);
        return EXIT_TROUBLE;
    }
    print_counts("formats        ", formats, format_count, "unknown");
    print_counts("encodings      ", encodings, encoding_count, "none");
    cops_counts_free(formats);
    cops_counts_free(encodings);
    return 0;
}

static int print_stats(const char *index_dir)
{
    cops_index *index;
    cops_error err = {0};
    if (cops_index_open_flags(index_dir, open_flags, &index, &err) != 0) {
        fail(&err);
        return EXIT_TROUBLE;
    }
    cops_index_stats s;
    if (cops_index_stats_get(index, &s, &err) != 0) { /* a Xapian index has none */
        cops_index_close(index);
        fail(&err);
        return EXIT_TROUBLE;
    }
    double postings = s.postings ? (double)s.postings : 1.0;
    uint64_t inverted = s.bytes_dictionary + s.bytes_postings;
    fputs("index          ", stdout);
    cops_print_escaped(stdout, index_dir, 0);
    printf("\nformat         %u\n", s.format_version);
    fputs("analysis       ", stdout); /* as a colleague's index names it */
    cops_print_escaped(stdout, s.language, 0);
    putchar('\n');
    printf("segments       %llu\n", (unsigned long long)s.segments);
    printf("documents      %llu\n", (unsigned long long)s.documents);
    printf("terms          %llu\n", (unsigned long long)s.terms);
    printf("postings       %llu\n", (unsigned long long)s.postings);
    printf("positions      %llu\n", (unsigned long long)s.tokens);
    printf("size           %.2f MB\n", (double)s.bytes_total / 1e6);
    printf("  dictionary   %.2f MB\n", (double)s.bytes_dictionary / 1e6);
    printf("  postings     %.2f MB (blocked lists: document ids, frequencies, positions)\n",
           (double)s.bytes_postings / 1e6);
    printf("  stored text  %.2f MB (compressed)\n", (double)s.bytes_documents / 1e6);
    printf("  metadata     %.2f MB (identifiers, titles)\n", (double)s.bytes_metadata / 1e6);
    printf("  other        %.2f MB\n", (double)s.bytes_other / 1e6);
    /* The pair keys' bytes are in the dictionary and postings figures but
     * their postings are not in s.postings (they are not the words'): say so. */
    printf("inverted index %.2f MB: %.2f bits per posting (dictionary with its inline short lists,\n"
           "               blocked lists and all positions, and the common pairs' keys)\n",
           (double)inverted / 1e6, 8.0 * (double)inverted / postings);
    int rc = print_kinds(index);
    cops_index_close(index);
    return rc;
}

static int check_index(const char *index_dir)
{
    cops_error err = {0};
    int rc = cops_index_check(index_dir, stdout, &err);
    fflush(stdout);
    if (rc != 0) {
        fail(&err);
        return EXIT_TROUBLE;
    }
    return 0;
}

/* The roots of the index at `index_dir`, each with its patterns, all of
 * the one index opened (its folder swapped meanwhile changes nothing). */
static int print_roots(const char *index_dir)
{
    char **roots;
    cops_index *index;
    cops_error err = {0};
    if (cops_index_open_flags(index_dir, open_flags, &index, &err) != 0) {
        fail(&err);
        return EXIT_TROUBLE;
    }
    if (cops_index_roots_get(index, &roots, NULL, &err) != 0) {
        cops_index_close(index);
        fail(&err);
        return EXIT_TROUBLE;
    }
    int rc = 0;
    for (size_t i = 0; roots[i] && rc == 0; i++) {
        cops_print_escaped(stdout, roots[i], COPS_ESCAPE_LOSSLESS);
        putchar('\n');
        /* The patterns it is refreshed with, one per line below it. */
        char **globs, **excludes;
        if (cops_index_root_patterns_get(index, roots[i], &globs, &excludes, &err) != 0) {
            fail(&err);
            rc = EXIT_TROUBLE;
            break;
        }
        for (size_t g = 0; globs[g]; g++) {
            fputs("  --glob ", stdout);
            cops_print_escaped(stdout, globs[g], COPS_ESCAPE_LOSSLESS);
            putchar('\n');
        }
        for (size_t x = 0; excludes[x]; x++) {
            fputs("  --exclude ", stdout);
            cops_print_escaped(stdout, excludes[x], COPS_ESCAPE_LOSSLESS);
            putchar('\n');
        }
        cops_strings_free(globs);
        cops_strings_free(excludes);
        char **options;
        if (cops_index_root_options_get(index, roots[i], &options, &err) != 0) {
            fail(&err);
            rc = EXIT_TROUBLE;
            break;
        }
        for (size_t o = 0; options[o]; o++) {
            fputs("  ", stdout);
            cops_print_escaped(stdout, options[o], COPS_ESCAPE_LOSSLESS);
            putchar('\n');
        }
        cops_strings_free(options);
    }
    cops_strings_free(roots);
    cops_index_close(index);
    return rc;
}

/* The inputs of a run that names none: every root of the index (0
 * inputs: cops_build refuses it for a Xapian index, which keeps no
 * roots), or the bundled corpus when there is no index yet. */
static size_t default_inputs(const char *index_dir, const cops_build_options *build,
                             const char **corpus)
{
    char **roots;
    cops_error err = {0};
    if (build->remove || build->delete_by_id)
        return 0; /* cops_build says there is nothing to remove */
    int rc = cops_index_roots(index_dir, &roots, NULL, &err);
    if (rc == 0)
        cops_strings_free(roots);
    if (rc != COPS_ENOINDEX)
        return 0; /* cops_build refreshes the roots, or says what is wrong */
    *corpus = directory_exists("corpus") ? "corpus" : COPS_DATADIR "/corpus";
    return 1;
}

static int dump_term(const char *index_dir, const char *term)
{
    cops_index *index;
    cops_error err = {0};
    if (cops_index_open_flags(index_dir, open_flags, &index, &err) != 0) {
        fail(&err);
        return EXIT_TROUBLE;
    }
    int rc = cops_index_dump_term(index, term, stdout, &err);
    cops_index_close(index);
    if (rc < 0) {
        fail(&err);
        return EXIT_TROUBLE;
    }
    if (rc == 1)
        complainf("term '%s' is not in the index", term);
    return rc == 1 ? EXIT_NOT_FOUND : 0;
}

int main(int argc, char **argv)
{
    enum { OPT_NO_STEM = 256, OPT_LIST, OPT_ID, OPT_TITLE, OPT_TEXT, OPT_DATE, OPT_STATS, OPT_DUMP,
           OPT_ENGINE, OPT_SHARDS, OPT_REBUILD, OPT_MERGE, OPT_OPTIMIZE, OPT_CHECK, OPT_WAIT,
           OPT_ALLOW_REMOTE_PROGRAMS, OPT_ALLOW_REMOTE_HOSTS, OPT_REMOVE, OPT_ROOTS, OPT_HIDDEN,
           OPT_EXCLUDE, OPT_FORMAT, OPT_DELETE, OPT_EXACT_FORMS };
    static const struct option options[] = {
        {"index", required_argument, NULL, 'i'},   {"language", required_argument, NULL, 'l'},
        {"list-languages", no_argument, NULL, OPT_LIST},
        {"no-stem", no_argument, NULL, OPT_NO_STEM}, {"memory", required_argument, NULL, 'm'},
        {"exact-forms", no_argument, NULL, OPT_EXACT_FORMS},
        {"id-field", required_argument, NULL, OPT_ID},
        {"title-field", required_argument, NULL, OPT_TITLE},
        {"text-field", required_argument, NULL, OPT_TEXT},
        {"date-field", required_argument, NULL, OPT_DATE},
        {"stats", no_argument, NULL, OPT_STATS},  {"dump", required_argument, NULL, OPT_DUMP},
        {"check", no_argument, NULL, OPT_CHECK},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"shards", required_argument, NULL, OPT_SHARDS},
        {"allow-remote-programs", no_argument, NULL, OPT_ALLOW_REMOTE_PROGRAMS},
        {"allow-remote-hosts", no_argument, NULL, OPT_ALLOW_REMOTE_HOSTS},
        {"rebuild", no_argument, NULL, OPT_REBUILD},
        {"remove", no_argument, NULL, OPT_REMOVE},
        {"roots", no_argument, NULL, OPT_ROOTS},
        {"follow", no_argument, NULL, 'L'},     {"hidden", no_argument, NULL, OPT_HIDDEN},
        {"glob", required_argument, NULL, 'g'}, {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"delete", no_argument, NULL, OPT_DELETE},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"merge", no_argument, NULL, OPT_MERGE},
        {"optimize", no_argument, NULL, OPT_OPTIMIZE},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0}};
    cops_build_options build;
    cops_build_options_init(&build);
    const char *index_dir = getenv("COPS_INDEX");
    if (!index_dir || !*index_dir)
        index_dir = ".cops";
    int quiet = 0, stats = 0, check = 0, roots = 0;
    /* At most one pattern per argument; static: they live until exit. */
    static const char **globs, **excludes;
    globs = calloc((size_t)argc + 1, sizeof *globs);
    excludes = calloc((size_t)argc + 1, sizeof *excludes);
    if (!globs || !excludes) {
        complain("out of memory");
        return EXIT_TROUBLE;
    }
    build.globs = globs;
    build.excludes = excludes;
    const char *dump = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "i:l:m:qhVLg:", options, NULL)) != -1) {
        switch (c) {
        case 'i': index_dir = optarg; break;
        case 'l': build.language = optarg; break;
        case OPT_NO_STEM: build.stem = 0; break;
        case OPT_EXACT_FORMS: build.exact_forms = 1; break;
        case 'm':
            if (parse_size(optarg, "--memory", &build.memory_mb) != 0)
                return EXIT_TROUBLE;
            if (build.memory_mb == 0) {
                fprintf(stderr, "%s: --memory needs a positive number of MB\n", program);
                return EXIT_TROUBLE;
            }
            break;
        case OPT_ID: build.id_field = optarg; break;
        case OPT_TITLE: build.title_field = optarg; break;
        case OPT_TEXT: build.text_field = optarg; break;
        case OPT_DATE: build.date_field = optarg; break;
        case OPT_STATS: stats = 1; break;
        case OPT_DUMP: dump = optarg; break;
        case OPT_REBUILD: build.rebuild = 1; break;
        case OPT_REMOVE: build.remove = 1; break;
        case OPT_DELETE: build.delete_by_id = 1; break;
        case OPT_ROOTS: roots = 1; break;
        case 'L': build.follow = 1; break;
        case OPT_HIDDEN: build.hidden = 1; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "html") != 0
                && strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "trec") != 0) {
                fprintf(stderr, "%s: --format takes text, html, jsonl or trec, not '%s'\n",
                        program, optarg);
                return EXIT_TROUBLE;
            }
            build.format = optarg;
            break;
        case 'g':
        case OPT_EXCLUDE:
            /* argv outlives the build: the patterns point into it. */
            if (c == 'g')
                globs[build.glob_count++] = optarg;
            else
                excludes[build.exclude_count++] = optarg;
            break;
        case OPT_WAIT: build.wait = 1; break;
        case OPT_MERGE: build.merge = 1; break;
        case OPT_OPTIMIZE: build.merge = build.reorder = 1; break;
        case OPT_ENGINE:
            if (strcmp(optarg, "native") == 0)
                build.engine = COPS_ENGINE_NATIVE;
            else if (strcmp(optarg, "xapian") == 0)
                build.engine = COPS_ENGINE_XAPIAN;
            else {
                fprintf(stderr, "%s: --engine takes 'native' or 'xapian', not '%s'\n", program,
                        optarg);
                return EXIT_TROUBLE;
            }
            break;
        case OPT_SHARDS: {
            size_t shards;
            if (parse_size(optarg, "--shards", &shards) != 0 || shards == 0 || shards > 1024) {
                fprintf(stderr, "%s: --shards takes 1 to 1024\n", program);
                return EXIT_TROUBLE;
            }
            build.shards = (unsigned)shards;
            break;
        }
        case OPT_CHECK: check = 1; break;
        case OPT_ALLOW_REMOTE_PROGRAMS: open_flags |= COPS_OPEN_ALLOW_REMOTE_PROGRAMS; break;
        case OPT_ALLOW_REMOTE_HOSTS: open_flags |= COPS_OPEN_ALLOW_REMOTE_HOSTS; break;
        case 'q': quiet = 1; break;
        case OPT_LIST:
            for (const char **name = cops_stemmer_languages(); *name; name++)
                puts(*name);
            return 0;
        case 'h': usage(stdout); return 0;
        case 'V': printf("%s (cops) %s\n", program, COPS_VERSION_STRING); return 0;
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n", program);
            return EXIT_TROUBLE;
        }
    }
    if (check)
        return check_index(index_dir);
    if (stats)
        return print_stats(index_dir);
    if (dump)
        return dump_term(index_dir, dump);
    if (roots)
        return print_roots(index_dir);

    const char *default_input[1];
    const char *const *inputs = (const char *const *)argv + optind;
    size_t input_count = (size_t)(argc - optind);
    if (input_count == 0) {
        input_count = default_inputs(index_dir, &build, &default_input[0]);
        inputs = default_input;
    }
    if (!quiet && isatty(STDERR_FILENO)) {
        build.on_progress = on_progress;
        build.on_warning = on_warning_above_progress;
    } else {
        build.on_warning = on_warning_plain;
    }

    cops_build_summary summary;
    cops_error err = {0};
    int rc = cops_build(index_dir, inputs, input_count, &build, &summary, &err);
    if (build.on_progress)
        fputs("\r\033[K", stderr);
    if (rc != 0) {
        fail(&err);
        complainf("the index at %s was not changed", index_dir);
        return EXIT_TROUBLE;
    }
    if (!quiet)
        print_summary(index_dir, &summary);
    return summary.inputs_missing ? EXIT_NOT_FOUND : 0;
}
