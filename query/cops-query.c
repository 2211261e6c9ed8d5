/*
 * cops-query — search an index (see man/cops-query.1).
 * A thin front end over cops_search() and the printers of cops.h.
 * Exit status as grep: 0 matches, 1 no match, 2 error.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cops.h"
#if defined COPS_QUERY_HANDOFF || defined COPS_QUERY_TWIN
#include <limits.h>

#include "base/error.h"
#include "base/module.h"
#endif

#define EXIT_MATCH 0
#define EXIT_NO_MATCH 1
#define EXIT_TROUBLE 2

static const char *program = "cops-query";

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTION]... QUERY...\n"
            "       %s --batch [OPTION]... < QUERIES\n"
            "Search an index built by cops-index.  QUERY: words, \"phrases\", AND OR NOT,\n"
            "+required -excluded, (groups), a NEAR/5 b, \"a b\"~2, prefix*, title:word,\n"
            "title:(a OR b), fuzzy word~1 / word~2, boost word^2 or (a b)^1.5,\n"
            "date:2017-01-01..2017-12-31.  Several arguments are joined with spaces; a\n"
            "word such as -trump is a query word unless it reads as options (-c, -n5,\n"
            "-i DIR); after -- every argument is a query word.  Operators are upper\n"
            "case: a lower-case and/or/not between words is noted on standard error.\n"
            "\n"
            "  -i, --index DIR          index directory (default: $COPS_INDEX, else .cops);\n"
            "                           several -i: searched as one collection, each hit\n"
            "                           naming its index (--ids: DIR, a tab, the id)\n"
            "  -n, --limit N            show N hits (default: 10)\n"
            "      --offset N           skip the first N hits\n"
            "  -c, --count              print only the number of matches\n"
            "      --ids                print only the identifiers of the hits\n"
            "      --json               JSON Lines: one object per hit, then a summary\n"
            "                           (also with --count, --ids and --explain)\n"
            "      --explain            show the parsed query and each term's score\n"
            "      --batch              one query per line from standard input, one\n"
            "                           record per line (errors and blank lines too)\n"
            "      --literal            the query is plain words, no operators\n"
            "      --strict             no relaxing: plain words that no document has\n"
            "                           all of find nothing (by default the documents\n"
            "                           with most of them are shown, and a note says so)\n"
            "      --default-op and|or  operator between adjacent words (default: and)\n"
            "      --k1 X, --b X        BM25 parameters (default: 1.2, 0.7)\n"
            "      --weight SCHEME      bm25 (default), bm25+, bm25l, inl2 or lm\n"
            "                           (language model, Dirichlet); see RANKING\n"
            "      --weight-parameter X the scheme's parameter: delta of bm25+ (1) and\n"
            "                           bm25l (0.5), c of inl2 (1), mu of lm (2000)\n"
            "      --title-weight X     weight of a title match (default: 1)\n"
            "      --stop-length N      a query of N words or more ignores its English\n"
            "                           function words in the score (default: 10; 0: never)\n"
            "      --feedback N         reorder the matches of every query with words of\n"
            "                           its top N hits (pseudo-relevance feedback; slower;\n"
            "                           0: off; default: 5 hits, queries of 10+ words)\n"
            "      --feedback-length L  feedback for queries of L words or more (default:\n"
            "                           10; with --feedback N: 1; 0: never)\n"
            "      --feedback-terms T   words added by feedback (default: 40)\n"
            "      --no-snippets        omit snippets\n"
            "      --sort ORDER         relevance (default), date (oldest first) or\n"
            "                           -date (newest first); * alone matches everything\n"
            "      --snippet-chars N    snippet length in bytes (default: 200; 20 to 10000)\n"
            "      --engine NAME        auto (default: what the index is), native or xapian\n"
            "      --remote HOST:PORT[,HOST:PORT...]\n"
            "                           search Xapian shards served by xapian-tcpsrv\n"
            "      --allow-remote-programs\n"
            "                           obey a Xapian stub's 'remote :PROGRAM' lines: RUNS\n"
            "                           the program the stub names (trusted stubs only)\n"
            "      --allow-remote-hosts obey a Xapian stub's 'remote HOST:PORT' lines:\n"
            "                           sends your queries to the host the stub names\n"
            "      --top-only           skip what cannot enter the top hits (faster;\n"
            "                           the match count is then a lower bound)\n"
            "      --color[=WHEN]       highlight matches: auto (default: bold on a\n"
            "                           terminal, else **word**), always (bold), never\n"
            "      --no-color           no highlighting (--color=never)\n"
            "  -h, --help               show this help and exit\n"
            "  -V, --version            show the version and exit\n"
            "\n"
            "Exit status: 0 if something matched, 1 if nothing did, 2 on error.\n",
            program, program);
}

typedef struct settings {
    cops_search_options search;
    int count, ids, json, explain, print_flags;
    int feedback_length_given; /* --feedback-length seen: --feedback keeps it */
} settings;

static int parse_number(const char *text, const char *option, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || *end) {
        fprintf(stderr, "%s: %s needs a number, not '%s'\n", program, option, text);
        return -1;
    }
    *out = value;
    return 0;
}

static int parse_count(const char *text, const char *option, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        fprintf(stderr, "%s: %s needs a non-negative whole number, not '%s'\n", program, option,
                text);
        return -1;
    }
    *out = (size_t)value;
    return 0;
}

/* A note on standard error when a lower-case and/or/not stands between
 * words: it is searched as a word, and the operator may have been meant. */
static void note_operator_lookalike(const char *query, const settings *s)
{
    char word[4];
    if (s->search.literal)
        return;
    size_t column = cops_query_operator_lookalike(query, s->search.default_op == COPS_OP_OR, word);
    if (column == 0)
        return;
    char upper[4];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)toupper((unsigned char)word[i]);
    fprintf(stderr, "%s: note: '%s' at column %zu is searched as a word; the operator is %s "
                    "(operators are upper case)\n", program, word, column, upper);
}

/* A note on standard error when the query was relaxed (cops.h,
 * cops_results_relaxed). */
static void note_relaxed(const cops_results *results)
{
    size_t required, word_count;
    const char *words = cops_results_relaxed(results, &required, &word_count);
    if (!words)
        return;
    fprintf(stderr, "%s: note: no document has all of: ", program);
    cops_print_escaped(stderr, words, 0);
    fprintf(stderr, "; showing documents with %zu of the %zu words (--strict: none)\n", required,
            word_count);
}

/* The search's notes on standard error (cops.h, cops_results_note). */
static void note_search(const cops_results *results)
{
    const char *note;
    for (size_t i = 0; (note = cops_results_note(results, i)) != NULL; i++) {
        fprintf(stderr, "%s: note: ", program);
        cops_print_escaped(stderr, note, 0);
        fputc('\n', stderr);
    }
}

/* "did you mean: WORD -> SUGGESTION, ..." on standard error when a
 * query word is absent or rare (cops_results_suggestion). */
static void note_suggestions(const cops_results *results)
{
    const char *word, *suggested;
    for (size_t i = 0; cops_results_suggestion(results, i, &word, &suggested); i++) {
        fprintf(stderr, i ? ", " : "%s: did you mean: ", program);
        cops_print_escaped(stderr, word, 0);
        fputs(" -> ", stderr);
        cops_print_escaped(stderr, suggested, 0);
    }
    if (cops_results_suggestion(results, 0, &word, &suggested))
        fputc('\n', stderr);
}

/* Answer one query; returns an exit status.  In a batch, a failure also
 * writes an error record to standard output (run_batch). */
static int answer(cops_index *index, const char *query, const settings *s, int batch)
{
    cops_results *results;
    cops_error err = {0};
    note_operator_lookalike(query, s);
    if (cops_search(index, query, &s->search, &results, &err) != 0) {
        cops_print_error(stderr, program, query, &err);
        if (err.code == COPS_ESYNTAX && !s->search.literal && strpbrk(query, "\"():*~^"))
            fprintf(stderr, "%s: to search text with quotes, brackets or colons as plain "
                            "words, use --literal\n", program);
        if (batch)
            cops_print_error_record(stdout, query, &err, s->json);
        return EXIT_TROUBLE;
    }
    int status = cops_results_total(results) > 0 ? EXIT_MATCH : EXIT_NO_MATCH;
    note_relaxed(results);
    note_search(results);
    note_suggestions(results);
    if (s->json) {
        cops_results_print_json(results, query, stdout, s->print_flags);
    } else if (s->count) {
        printf("%llu\n", (unsigned long long)cops_results_total(results));
    } else if (s->ids) {
        for (size_t i = 0; i < cops_results_count(results); i++) {
            const cops_hit *hit = cops_results_hit(results, i);
            if (hit->index) {
                /* a tab cannot be in either: both are escaped (\t) */
                cops_print_escaped(stdout, hit->index, COPS_ESCAPE_LOSSLESS);
                putchar('\t');
            }
            cops_print_escaped(stdout, cops_shown_id(hit->id), COPS_ESCAPE_LOSSLESS);
            putchar('\n');
        }
    } else {
        cops_results_print_text(results, query, stdout, s->print_flags);
    }
    cops_results_free(results);
    return status;
}

/* A batch line is kept up to this many bytes, more than any query
 * cops_search accepts (which then fails on what was kept, saying the
 * query is too long); the rest of the line is read past, not stored: a
 * line without end (a query file from elsewhere, a stream) cannot take
 * all memory. */
#define BATCH_LINE_MAX 65536

/* The next line of `in`, without its newline, in line[BATCH_LINE_MAX + 1]
 * (NUL-terminated, cut at BATCH_LINE_MAX bytes); its kept length, or -1
 * at the end of the input.  *nul_at (OUT) is the 1-based byte of the
 * line's first NUL byte, 0 when it has none: a query is a C string, and
 * a NUL inside the line would otherwise cut it there silently. */
static long read_batch_line(FILE *in, char *line, size_t *nul_at)
{
    size_t kept = 0, seen = 0;
    int c, any = 0;
    *nul_at = 0;
    while ((c = getc(in)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        seen++;
        if (c == '\0' && *nul_at == 0)
            *nul_at = seen;
        if (kept < BATCH_LINE_MAX)
            line[kept++] = (char)c;
    }
    line[kept] = '\0';
    return any ? (long)kept : -1;
}

/* "message: LINE" and a newline, the line escaped whole. */
static void print_refusal(FILE *out, const char *message, const char *line, size_t length)
{
    cops_print_escaped(out, message, 0);
    fputs(": ", out);
    cops_print_escaped_bytes(out, line, length, 0);
    fputc('\n', out);
}

/* The error record of batch line `number`, `length` bytes at `line`,
 * which holds a NUL byte at byte `nul_at`: the line is not searched
 * (what precedes the NUL is not the query that was written), and the
 * batch goes on as after any failing line.  The line is shown whole,
 * escaped (\x00, \u0000 in JSON), not cut at its NUL. */
static int refuse_nul_line(unsigned long long number, size_t nul_at, const char *line,
                           size_t length, const settings *s)
{
    cops_error err = {0};
    snprintf(err.message, sizeof err.message, "line %llu: a NUL byte at byte %zu: a query is "
             "text without NUL bytes; the line is not searched", number, nul_at);
    err.code = COPS_EINVAL;
    fprintf(stderr, "%s: ", program);
    print_refusal(stderr, err.message, line, length);
    if (s->json)
        cops_print_error_record_bytes(stdout, line, length, &err, 1);
    else
        fputs("error: ", stdout), print_refusal(stdout, err.message, line, length);
    return EXIT_TROUBLE;
}

/* One record per input line, blank or failing lines included, so the
 * n-th record answers the n-th line (man cops-query, BATCH OUTPUT):
 * --count and --json records end with their count or summary line (or
 * are one error line); --ids and text records end with an empty line. */
static int run_batch(cops_index *index, const settings *s)
{
    int matched = 0, failed = 0;
    char *line = malloc(BATCH_LINE_MAX + 1);
    if (!line) {
        fprintf(stderr, "%s: out of memory\n", program);
        return EXIT_TROUBLE;
    }
    long length;
    size_t nul_at;
    unsigned long long number = 0;
    while ((length = read_batch_line(stdin, line, &nul_at)) != -1) {
        number++;
        while (length > 0 && line[length - 1] == '\r')
            line[--length] = '\0';
        int status = nul_at ? refuse_nul_line(number, nul_at, line, (size_t)length, s)
                            : answer(index, line, s, 1);
        matched |= status == EXIT_MATCH;
        failed |= status == EXIT_TROUBLE;
        if (!s->json && !s->count)
            putchar('\n');
        fflush(stdout);
    }
    free(line);
    if (failed)
        return EXIT_TROUBLE;
    return matched ? EXIT_MATCH : EXIT_NO_MATCH;
}

enum { OPT_OFFSET = 256, OPT_IDS, OPT_JSON, OPT_EXPLAIN, OPT_BATCH, OPT_LITERAL, OPT_DEFAULT_OP,
       OPT_K1, OPT_B, OPT_TITLE_WEIGHT, OPT_NO_SNIPPETS, OPT_NO_COLOR, OPT_COLOR, OPT_TOP_ONLY,
       OPT_ENGINE, OPT_REMOTE, OPT_ALLOW_REMOTE_PROGRAMS, OPT_ALLOW_REMOTE_HOSTS, OPT_SNIPPET_CHARS,
       OPT_STRICT, OPT_SORT, OPT_STOP_LENGTH, OPT_FEEDBACK, OPT_FEEDBACK_TERMS, OPT_FEEDBACK_LENGTH, OPT_WEIGHT, OPT_WEIGHT_PARAMETER };
static const struct option options[] = {
    {"index", required_argument, NULL, 'i'},      {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, OPT_OFFSET}, {"count", no_argument, NULL, 'c'},
    {"ids", no_argument, NULL, OPT_IDS},           {"json", no_argument, NULL, OPT_JSON},
    {"explain", no_argument, NULL, OPT_EXPLAIN},   {"batch", no_argument, NULL, OPT_BATCH},
    {"literal", no_argument, NULL, OPT_LITERAL},   {"strict", no_argument, NULL, OPT_STRICT},
    {"default-op", required_argument, NULL, OPT_DEFAULT_OP},
    {"k1", required_argument, NULL, OPT_K1},       {"b", required_argument, NULL, OPT_B},
    {"title-weight", required_argument, NULL, OPT_TITLE_WEIGHT},
    {"weight", required_argument, NULL, OPT_WEIGHT},
    {"weight-parameter", required_argument, NULL, OPT_WEIGHT_PARAMETER},
    {"stop-length", required_argument, NULL, OPT_STOP_LENGTH},
    {"feedback", required_argument, NULL, OPT_FEEDBACK},
    {"feedback-terms", required_argument, NULL, OPT_FEEDBACK_TERMS},
    {"feedback-length", required_argument, NULL, OPT_FEEDBACK_LENGTH},
    {"no-snippets", no_argument, NULL, OPT_NO_SNIPPETS},
    {"snippet-chars", required_argument, NULL, OPT_SNIPPET_CHARS},
    {"sort", required_argument, NULL, OPT_SORT},
    {"no-color", no_argument, NULL, OPT_NO_COLOR}, {"help", no_argument, NULL, 'h'},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"top-only", no_argument, NULL, OPT_TOP_ONLY},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"remote", required_argument, NULL, OPT_REMOTE},
    {"allow-remote-programs", no_argument, NULL, OPT_ALLOW_REMOTE_PROGRAMS},
    {"allow-remote-hosts", no_argument, NULL, OPT_ALLOW_REMOTE_HOSTS},
    {"version", no_argument, NULL, 'V'},           {NULL, 0, NULL, 0}};

#define SHORT_OPTIONS "i:n:chV"

/* 1 if `arg`, which starts with one '-', reads as short options: a
 * cluster of the flags, ending perhaps in -n with digits or -i with a
 * path ('/', '.' or '~' first) or with nothing (the value is the next
 * argument, *takes_next set).  Anything else, such as "-trump", is a
 * query word (an exclusion). */
static int reads_as_short_options(const char *arg, int *takes_next)
{
    *takes_next = 0;
    if (strpbrk(arg, " \t\n"))
        return 0;
    for (const char *at = arg + 1; *at; at++) {
        const char *known = strchr(SHORT_OPTIONS, *at);
        if (!known || *at == ':')
            return 0;
        if (known[1] != ':')
            continue;
        const char *value = at + 1;
        if (!*value)
            *takes_next = 1;
        else if (*at == 'n')
            return strspn(value, "0123456789") == strlen(value);
        else
            return strchr("/.~", *value) != NULL;
        return 1;
    }
    return arg[1] != '\0';
}

/* The long option `arg` ("--name" or "--name=value") names, by its
 * name or a prefix of one name only (as getopt_long takes it); NULL if
 * none. */
static const struct option *long_option(const char *arg)
{
    size_t length = strcspn(arg + 2, "=");
    const struct option *found = NULL;
    for (const struct option *o = options; o->name; o++) {
        if (strncmp(o->name, arg + 2, length) != 0)
            continue;
        if (strlen(o->name) == length)
            return o;
        if (found)
            return NULL;
        found = o;
    }
    return found;
}

/* Split the arguments into the options with their values (`sorted`, from
 * argv[0] on, for getopt_long) and the query words (`words`, in order),
 * so that a query word may start with '-' (man cops-query, "Arguments"):
 * after "--", or when it does not read as short options.  Both arrays
 * have room for argc pointers; returns the number put in `sorted`, and
 * *word_count the number in `words`. */
static int sort_arguments(int argc, char **argv, char **sorted, char **words, int *word_count)
{
    int count = 0;
    *word_count = 0;
    sorted[count++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int takes_next = 0, is_option = 0;
        if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                words[(*word_count)++] = argv[i];
            break;
        }
        if (strncmp(arg, "--", 2) == 0) {
            const struct option *o = long_option(arg);
            is_option = 1; /* an unknown one is getopt_long's to report */
            takes_next = o && o->has_arg == required_argument && !strchr(arg, '=');
        } else if (arg[0] == '-') {
            is_option = reads_as_short_options(arg, &takes_next);
        }
        if (!is_option) {
            words[(*word_count)++] = argv[i];
            continue;
        }
        sorted[count++] = argv[i];
        if (takes_next && i + 1 < argc)
            sorted[count++] = argv[++i];
    }
    return count;
}

/* The query words joined by single spaces, as recollq does; NULL when
 * out of memory. */
static char *join_words(char **words, int count)
{
    size_t length = 1;
    for (int i = 0; i < count; i++)
        length += strlen(words[i]) + 1;
    char *query = malloc(length);
    if (!query)
        return NULL;
    query[0] = '\0';
    for (int i = 0; i < count; i++) {
        if (i)
            strcat(query, " ");
        strcat(query, words[i]);
    }
    return query;
}

/* The index in `names` (NULL-terminated) of `value`, or -1 after saying
 * on standard error what `option` takes. */
static int keyword(const char *value, const char *option, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(value, names[i]) == 0)
            return i;
    fprintf(stderr, "%s: %s takes ", program, option);
    for (int i = 0; names[i]; i++)
        fprintf(stderr, "%s%s", i == 0 ? "" : names[i + 1] ? ", " : " or ", names[i]);
    fprintf(stderr, ", not '%s'\n", value);
    return -1;
}

/* --color: auto (bold on a terminal, else ** markers; NO_COLOR set means
 * never), always (bold), never (plain). */
enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* What the options ask for, beyond the search settings. */
typedef struct command {
    settings s;
    const char *index_dirs[64]; /* -i, in order */
    size_t index_count;
    const char *index_dir;      /* the last -i, else $COPS_INDEX, else .cops */
    int batch, color;
    const char *engine;
    char *remote;
    unsigned open_flags;        /* COPS_OPEN_ALLOW_*: what a Xapian stub may do */
} command;

static int color_auto(void)
{
    const char *no_color = getenv("NO_COLOR");
    return no_color && *no_color ? COLOR_NEVER : COLOR_AUTO;
}

/* Take option `option` (getopt_long's answer, its value in optarg).
 * Returns 0, 1 when it is bad (already said), or -1 after --help or
 * --version. */
static int take_option(command *cmd, int option)
{
    static const char *const sorts[] = {"relevance", "date", "-date", NULL};
    static const char *const colors[] = {"auto", "always", "never", NULL};
    static const char *const engines[] = {"auto", "native", "xapian", NULL};
    /* the names in cops_weight's order */
    static const char *const weights[] = {"bm25", "bm25+", "bm25l", "inl2", "lm", NULL};
    settings *s = &cmd->s;
    int chosen;
    switch (option) {
    case 'i':
        cmd->index_dir = optarg;
        if (cmd->index_count == sizeof cmd->index_dirs / sizeof cmd->index_dirs[0]) {
            fprintf(stderr, "%s: at most 64 indexes (-i)\n", program);
            return 1;
        }
        cmd->index_dirs[cmd->index_count++] = optarg;
        return 0;
    case 'n': return parse_count(optarg, "--limit", &s->search.limit) != 0;
    case OPT_OFFSET: return parse_count(optarg, "--offset", &s->search.offset) != 0;
    case 'c': s->count = 1; return 0;
    case OPT_IDS: s->ids = 1; return 0;
    case OPT_JSON: s->json = 1; return 0;
    case OPT_EXPLAIN: s->explain = 1; return 0;
    case OPT_BATCH: cmd->batch = 1; return 0;
    case OPT_LITERAL: s->search.literal = 1; return 0;
    case OPT_STRICT: s->search.relax = 0; return 0;
    case OPT_SORT:
        /* the names in cops_sort's order */
        chosen = keyword(optarg, "--sort", sorts);
        s->search.sort = (cops_sort)chosen;
        return chosen < 0;
    case OPT_DEFAULT_OP:
        if (strcmp(optarg, "and") == 0 || strcmp(optarg, "AND") == 0)
            s->search.default_op = COPS_OP_AND;
        else if (strcmp(optarg, "or") == 0 || strcmp(optarg, "OR") == 0)
            s->search.default_op = COPS_OP_OR;
        else {
            fprintf(stderr, "%s: --default-op takes 'and' or 'or', not '%s'\n", program, optarg);
            return 1;
        }
        return 0;
    case OPT_K1: return parse_number(optarg, "--k1", &s->search.k1) != 0;
    case OPT_B: return parse_number(optarg, "--b", &s->search.b) != 0;
    case OPT_TITLE_WEIGHT: return parse_number(optarg, "--title-weight", &s->search.title_weight) != 0;
    case OPT_WEIGHT:
        chosen = keyword(optarg, "--weight", weights);
        s->search.weight = (cops_weight)chosen;
        return chosen < 0;
    case OPT_WEIGHT_PARAMETER:
        return parse_number(optarg, "--weight-parameter", &s->search.weight_parameter) != 0;
    case OPT_STOP_LENGTH:
        return parse_count(optarg, "--stop-length", &s->search.stop_word_query_length) != 0;
    case OPT_FEEDBACK: /* N documents for every query, unless --feedback-length says */
        if (!s->feedback_length_given)
            s->search.feedback_query_length = 1;
        return parse_count(optarg, "--feedback", &s->search.feedback_documents) != 0;
    case OPT_FEEDBACK_LENGTH:
        s->feedback_length_given = 1;
        return parse_count(optarg, "--feedback-length", &s->search.feedback_query_length) != 0;
    case OPT_FEEDBACK_TERMS:
        return parse_count(optarg, "--feedback-terms", &s->search.feedback_terms) != 0;
    case OPT_NO_SNIPPETS: s->search.snippets = 0; return 0;
    case OPT_SNIPPET_CHARS: /* the bounds are cops_search's to check */
        return parse_count(optarg, "--snippet-chars", &s->search.snippet_chars) != 0;
    case OPT_NO_COLOR: cmd->color = COLOR_NEVER; return 0;
    case OPT_COLOR:
        chosen = optarg ? keyword(optarg, "--color", colors) : COLOR_AUTO;
        cmd->color = chosen == COLOR_AUTO ? color_auto() : chosen;
        return chosen < 0;
    case OPT_TOP_ONLY: s->search.exact_total = 0; return 0;
    case OPT_ENGINE:
        cmd->engine = optarg;
        return keyword(optarg, "--engine", engines) < 0;
    case OPT_REMOTE:
        free(cmd->remote);
        cmd->remote = strdup(optarg);
        return 0;
    case OPT_ALLOW_REMOTE_PROGRAMS: cmd->open_flags |= COPS_OPEN_ALLOW_REMOTE_PROGRAMS; return 0;
    case OPT_ALLOW_REMOTE_HOSTS: cmd->open_flags |= COPS_OPEN_ALLOW_REMOTE_HOSTS; return 0;
    case 'h': usage(stdout); return -1;
    case 'V': printf("%s (cops) %s\n", program, COPS_VERSION_STRING); return -1;
    default:
        fprintf(stderr, "%s: a query that starts with '-' goes after '--': %s -- -word ...\n",
                program, program);
        return 1;
    }
}

/* Everything after the arguments are sorted: `argc` and `argv` hold the
 * options, `words` the query's words. */
static int run(int argc, char **argv, char **words, int word_count)
{
    command cmd;
    memset(&cmd, 0, sizeof cmd);
    settings s;
    cops_search_options_init(&cmd.s.search);
    cmd.s.search.relax = 1;
    cmd.s.search.suggest = 1;
    cmd.index_dir = getenv("COPS_INDEX");
    if (!cmd.index_dir || !*cmd.index_dir)
        cmd.index_dir = ".cops";
    cmd.color = color_auto();
    cmd.engine = "auto";
    int c;
    while ((c = getopt_long(argc, argv, SHORT_OPTIONS, options, NULL)) != -1) {
        int taken = take_option(&cmd, c);
        if (taken < 0) {
            free(cmd.remote);
            return 0;
        }
        if (taken > 0) {
            free(cmd.remote);
            fprintf(stderr, "Try '%s --help' for more information.\n", program);
            return EXIT_TROUBLE;
        }
    }
    s = cmd.s;
    int batch = cmd.batch, color = cmd.color;
    const char *index_dir = cmd.index_dir, *engine = cmd.engine;
    char *remote = cmd.remote;
    if (!batch && word_count == 0) {
        fprintf(stderr, "%s: no query given\nTry '%s --help' for more information.\n", program,
                program);
        free(remote);
        return EXIT_TROUBLE;
    }
    if (batch && word_count != 0) {
        fprintf(stderr, "%s: --batch reads queries from standard input, not arguments\n", program);
        free(remote);
        return EXIT_TROUBLE;
    }
    s.search.count_only = s.count;
    s.search.explain = s.explain;
    if (s.ids || s.count)
        s.search.snippets = 0;
    if (color == COLOR_ALWAYS || (color == COLOR_AUTO && isatty(STDOUT_FILENO)))
        s.print_flags |= COPS_PRINT_COLOR;
    else if (color == COLOR_AUTO)
        s.print_flags |= COPS_PRINT_MARKERS;
    if (s.explain)
        s.print_flags |= COPS_PRINT_EXPLAIN;
    if (s.ids)
        s.print_flags |= COPS_PRINT_IDS;

    cops_index *index;
    cops_error err = {0};
    int opened;
    if (remote) {
        /* host:port[,host:port...] */
        const char *shards[256];
        size_t count = 0;
        for (char *save = NULL, *part = strtok_r(remote, ",", &save); part && count < 256;
             part = strtok_r(NULL, ",", &save))
            shards[count++] = part;
        opened = cops_index_open_remote(shards, count, &index, &err);
    } else if (cmd.index_count > 1) {
        opened = cops_index_open_many(cmd.index_dirs, cmd.index_count, &index, &err);
    } else {
        opened = cops_index_open_flags(index_dir, cmd.open_flags, &index, &err);
    }
    free(remote);
    if (opened != 0) {
        cops_print_error(stderr, program, NULL, &err);
        return EXIT_TROUBLE;
    }
    int wanted = strcmp(engine, "native") == 0 ? COPS_ENGINE_NATIVE
                 : strcmp(engine, "xapian") == 0 ? COPS_ENGINE_XAPIAN : -1;
    if (wanted >= 0 && (int)cops_index_engine(index) != wanted) {
        cops_error mismatch = {0};
        snprintf(mismatch.message, sizeof mismatch.message, "%s is a %s index, not %s",
                 remote ? "--remote" : index_dir,
                 cops_index_engine(index) == COPS_ENGINE_XAPIAN ? "Xapian" : "native cops", engine);
        cops_print_error(stderr, program, NULL, &mismatch);
        cops_index_close(index);
        return EXIT_TROUBLE;
    }
    int status;
    if (batch) {
        status = run_batch(index, &s);
    } else {
        char *query = join_words(words, word_count);
        status = query ? answer(index, query, &s, 0) : EXIT_TROUBLE;
        if (!query)
            fprintf(stderr, "%s: out of memory\n", program);
        free(query);
    }
    cops_index_close(index);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error: %s\n", program, strerror(errno));
        return EXIT_TROUBLE;
    }
    return status;
}

#ifdef COPS_QUERY_HANDOFF
/* Linked -static-pie (configure.ac, "cops-query without a loader"), this
 * program cannot load a module; the run that needs one (a Xapian index,
 * --remote) is handed whole to the twin linked as before, which can: the
 * same arguments, the same environment, nothing yet read or written. */
static char **arguments;

static void hand_off(cops_error *err)
{
    char path[PATH_MAX];
    if (module_program_path("cops-query-dynamic", path, sizeof path, err) != 0)
        return;
    /* run the file that was checked, not whatever the path names then */
    int twin = module_program_open(path, err);
    if (twin < 0)
        return;
    fexecve(twin, arguments, environ);
    error_set_errno(err, COPS_EUNSUPPORTED, errno, "%s cannot be run", path);
    close(twin);
}
#endif

int main(int argc, char **argv)
{
#ifdef COPS_QUERY_HANDOFF
    arguments = argv;
    module_set_handoff(hand_off);
#endif
#ifdef COPS_QUERY_TWIN
    module_set_program_dir(COPS_PKGLIBEXECDIR); /* where it is installed */
#endif
    char **sorted = calloc((size_t)argc + 1, sizeof *sorted);
    char **words = calloc((size_t)argc + 1, sizeof *words);
    int status = EXIT_TROUBLE;
    if (sorted && words) {
        int word_count;
        int count = sort_arguments(argc, argv, sorted, words, &word_count);
        status = run(count, sorted, words, word_count);
    } else {
        fprintf(stderr, "%s: out of memory\n", program);
    }
    free(sorted);
    free(words);
    return status;
}
