#include "config.h"

#include "indexer/json-scan.h"
#include "indexer/source-internal.h"
#include "indexer/source.h"
#include "tests/testlib.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------ helpers */

typedef struct collected_document {
    char *path;
    char *id;
    char *title;
    char *date;
    char *text;
    size_t text_length;
    uint64_t line;
} collected_document;

/* Grows without bound: the JSON differential test collects thousands. */
typedef struct collector {
    collected_document *documents;
    size_t document_count;
    size_t document_capacity;
    char **warnings;
    size_t warning_count;
    size_t warning_capacity;
    size_t stop_after; /* 0 = never stop */
} collector;

static collector collected;
static char temp_root[64];

static char *duplicate(const char *text)
{
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    return copy;
}

static int collect_document(void *context, const source_document *document)
{
    collector *into = context;
    if (into->document_count == into->document_capacity) {
        into->document_capacity = into->document_capacity ? 2 * into->document_capacity : 64;
        into->documents =
            realloc(into->documents, into->document_capacity * sizeof *into->documents);
        cr_assert_not_null(into->documents);
    }
    cr_assert_not_null(document->title);
    cr_assert_eq(strlen(document->text), document->text_length,
                 "text of %s must be NUL-terminated at text_length", document->id);
    cr_assert_eq(source_utf8_valid_prefix((const uint8_t *)document->text,
                                          document->text_length),
                 document->text_length, "text of %s must be valid UTF-8", document->id);
    collected_document *copy = &into->documents[into->document_count++];
    copy->path = duplicate(document->path);
    copy->id = duplicate(document->id);
    copy->title = duplicate(document->title);
    copy->date = document->date ? duplicate(document->date) : NULL;
    copy->text = duplicate(document->text);
    copy->text_length = document->text_length;
    copy->line = document->line;
    if (into->stop_after && into->document_count == into->stop_after)
        return 7;
    return 0;
}

static void collect_warning(void *context, const char *message)
{
    collector *into = context;
    if (into->warning_count == into->warning_capacity) {
        into->warning_capacity = into->warning_capacity ? 2 * into->warning_capacity : 64;
        into->warnings = realloc(into->warnings, into->warning_capacity * sizeof *into->warnings);
        cr_assert_not_null(into->warnings);
    }
    into->warnings[into->warning_count++] = duplicate(message);
}

static void collector_clear(collector *into)
{
    for (size_t i = 0; i < into->document_count; i++) {
        collected_document *document = &into->documents[i];
        free(document->path);
        free(document->id);
        free(document->title);
        free(document->date);
        free(document->text);
    }
    for (size_t i = 0; i < into->warning_count; i++)
        free(into->warnings[i]);
    free(into->documents);
    free(into->warnings);
    memset(into, 0, sizeof *into);
}

static int walk_with(const source_options *base, const char *const *inputs, size_t count,
                     source_stats *stats, cops_error *err)
{
    source_options options = *base;
    options.on_warning = collect_warning;
    options.context = &collected;
    options.warnings_per_kind = UINT64_MAX; /* each bad line's warning is checked */
    return source_walk(inputs, count, &options, collect_document, &collected, stats, err);
}

static int walk(const char *const *inputs, size_t count, source_stats *stats, cops_error *err)
{
    source_options options;
    source_options_init(&options);
    return walk_with(&options, inputs, count, stats, err);
}

static int walk_one(const char *input, source_stats *stats)
{
    cops_error err;
    int status = walk(&input, 1, stats, &err);
    cr_assert_eq(status, 0, "walking %s: %d %s", input, status, err.message);
    return status;
}

/* The index of the one warning containing `needle`; fails when absent. */
static size_t expect_warning(const char *needle)
{
    for (size_t i = 0; i < collected.warning_count; i++)
        if (strstr(collected.warnings[i], needle))
            return i;
    cr_assert_fail("no warning contains \"%s\" (%zu warnings, first: %s)", needle,
                   collected.warning_count,
                   collected.warning_count ? collected.warnings[0] : "none");
    return 0;
}

static char *path_join(const char *directory, const char *name)
{
    size_t length = strlen(directory) + strlen(name) + 2;
    char *path = malloc(length);
    cr_assert_not_null(path);
    snprintf(path, length, "%s/%s", directory, name);
    return path;
}

static char *fixture(const char *name)
{
    const char *source_dir = getenv("COPS_SRCDIR");
    cr_assert_not_null(source_dir, "COPS_SRCDIR must be set");
    char *data_dir = path_join(source_dir, "tests/data/sources");
    char *path = path_join(data_dir, name);
    free(data_dir);
    return path;
}

/* Write `length` bytes to temp_root/name (creating it); returns the path. */
static char *write_file(const char *name, const void *bytes, size_t length)
{
    char *path = path_join(temp_root, name);
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out, "create %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(bytes, 1, length, out), length);
    cr_assert_eq(fclose(out), 0);
    return path;
}

static char *write_text(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

static char *make_directory(const char *name)
{
    char *path = path_join(temp_root, name);
    cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s: %s", path, strerror(errno));
    return path;
}

static char *read_file(const char *path, size_t *length)
{
    FILE *in = fopen(path, "rb");
    cr_assert_not_null(in, "open %s", path);
    char *data = NULL;
    size_t used = 0, capacity = 0;
    for (;;) {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            data = realloc(data, capacity + 1);
            cr_assert_not_null(data);
        }
        size_t got = fread(data + used, 1, capacity - used, in);
        if (got == 0)
            break;
        used += got;
    }
    fclose(in);
    data[used] = '\0';
    *length = used;
    return data;
}

/* Compress `source` into temp_root/name; when `flush_after` is non-zero a
 * full flush follows that many bytes, so everything before it can be
 * decompressed even if the file is cut later.  Returns the path and, in
 * *flushed_size, the compressed size at the flush. */
static char *gzip_to(const char *source, const char *name, size_t flush_after,
                     long *flushed_size)
{
    size_t length;
    char *data = read_file(source, &length);
    char *path = path_join(temp_root, name);
    gzFile out = gzopen(path, "wb");
    cr_assert_not_null(out);
    size_t first = flush_after && flush_after < length ? flush_after : length;
    cr_assert_eq(gzwrite(out, data, (unsigned)first), (int)first);
    if (flush_after) {
        cr_assert_eq(gzflush(out, Z_FULL_FLUSH), Z_OK);
        struct stat status;
        cr_assert_eq(stat(path, &status), 0);
        *flushed_size = (long)status.st_size;
    }
    if (length > first)
        cr_assert_eq(gzwrite(out, data + first, (unsigned)(length - first)),
                     (int)(length - first));
    cr_assert_eq(gzclose(out), Z_OK);
    free(data);
    return path;
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *ftw)
{
    (void)status;
    (void)type;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static void setup(void)
{
    memset(&collected, 0, sizeof collected);
    snprintf(temp_root, sizeof temp_root, "/tmp/cops-sources-XXXXXX");
    cr_assert_not_null(mkdtemp(temp_root));
}

static void teardown(void)
{
    collector_clear(&collected);
    nftw(temp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(sources, .init = setup, .fini = teardown);

/* ------------------------------------------------------------- formats */

Test(sources, plain_text_seed_article)
{
    char *path = fixture("article.txt");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 1);
    collected_document *document = &collected.documents[0];
    cr_assert_str_eq(document->id, path);
    cr_assert_str_eq(document->path, path);
    cr_assert_eq(document->line, 0);
    cr_assert_not_null(document->date);
    cr_assert_str_eq(document->date, "2017-11-14");
    cr_assert_str_eq(document->title,
                     "\xe2\x80\x9c" "Cities and states that cooperate with federal law "
                     "enforcement make all of us safer,\xe2\x80\x9d Sessions said.");
    size_t length;
    char *bytes = read_file(path, &length);
    /* The text is the file, byte for byte, after its date line (the
     * document's date, not part of its text or snippets). */
    static const char date_line[] = " date 2017-11-14";
    cr_assert_eq(memcmp(bytes, date_line, strlen(date_line)), 0);
    cr_assert_eq(document->text_length, length - strlen(date_line));
    cr_assert_eq(memcmp(document->text, bytes + strlen(date_line), document->text_length), 0,
                 "text is the file after the date line, byte for byte");
    cr_assert_eq(stats.files, 1);
    cr_assert_eq(stats.documents, 1);
    cr_assert_eq(stats.skipped, 0);
    cr_assert_eq(stats.warnings, 0);
    cr_assert_eq(stats.bytes_read, length);
    cr_assert_eq(collected.warning_count, 0);
    free(bytes);
    free(path);
}

Test(sources, plain_text_without_date_takes_first_line_as_title)
{
    char *path = write_text("notes", "\n\n   A   plain\tnote  \nsecond line\n");
    walk_one(path, NULL);
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].title, "A plain note");
    cr_assert_null(collected.documents[0].date);
    free(path);
}

Test(sources, html_page)
{
    char *path = fixture("page.html");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 1);
    collected_document *document = &collected.documents[0];
    cr_assert_str_eq(document->id, path);
    cr_assert_str_eq(document->title, "Budget & Taxes");
    cr_assert_str_eq(document->date, "2019-03-08");
    cr_assert_str_eq(document->text, "Council votes\n"
                                     "The council approved the budget\xc2\xa0on Friday.\n"
                                     "Roads\n"
                                     "Schools <new>\n"
                                     "Total 42\n"
                                     "Line one\n"
                                     "Line two");
    cr_assert_eq(stats.warnings, 0);
    free(path);
}

Test(sources, html_title_falls_back_to_h1_then_first_line)
{
    char *with_heading = write_text(
        "a.html", "<html><body><p>intro</p><h1> Main  heading </h1><p>more</p></body></html>");
    char *without = write_text("b.htm", "<p>date 2001-02-03 First words</p><p>later</p>");
    const char *inputs[] = {with_heading, without};
    cr_assert_eq(walk(inputs, 2, NULL, NULL), 0);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[0].title, "Main heading");
    cr_assert_null(collected.documents[0].date);
    cr_assert_str_eq(collected.documents[1].title, "First words");
    cr_assert_str_eq(collected.documents[1].date, "2001-02-03");
    free(with_heading);
    free(without);
}

Test(sources, html_sniffed_without_extension)
{
    char *path = write_text("page", "  <!DOCTYPE html><title>Sniffed</title><p>body</p>");
    walk_one(path, NULL);
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].title, "Sniffed");
    cr_assert_str_eq(collected.documents[0].text, "body");
    free(path);
}

/* A page of `prefix`, `count` copies of `unit`, then `suffix`. */
static char *write_repeated(const char *name, const char *prefix, const char *unit,
                            size_t count, const char *suffix)
{
    byte_buffer page = BUFFER_INIT;
    buffer_append(&page, prefix, strlen(prefix));
    for (size_t i = 0; i < count; i++)
        buffer_append(&page, unit, strlen(unit));
    buffer_append(&page, suffix, strlen(suffix) + 1);
    cr_assert(!buffer_failed(&page));
    char *path = write_text(name, (const char *)page.data);
    buffer_free(&page);
    return path;
}

/* Pages whose nesting or attributes would make the parser's work grow
 * with the square of their size are cut at the bound, and keep the text
 * read until then. */
Test(sources, html_beyond_a_bound_is_truncated_with_a_warning, .timeout = 20)
{
    static const struct {
        const char *name, *unit, *bound;
    } cases[] = {
        {"deep.html", "<div>", "elements nested deeper than 512"},
        {"formatting.html", "<b><i>", "elements nested deeper than 512"},
        {"attributes.html", " a", "a tag with more than 256 attributes"},
        {"squeezed.html", "a=\"1\"", "a tag with more than 256 attributes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int attributes = strstr(cases[i].bound, "attributes") != NULL;
        char *path = write_repeated(cases[i].name, attributes ? "<p>kept words</p><p " :
                                    "<p>kept words</p>", cases[i].unit, 100000,
                                    attributes ? ">lost words</p>" : "lost words");
        walk_one(path, NULL);
        cr_assert_eq(collected.document_count, 1, "%s", cases[i].name);
        cr_assert_str_eq(collected.documents[0].text, "kept words", "%s", cases[i].name);
        size_t at = expect_warning(cases[i].bound);
        cr_assert(strstr(collected.warnings[at], path) == collected.warnings[at],
                  "the warning names the file: %s", collected.warnings[at]);
        cr_assert(strstr(collected.warnings[at], "truncated"), "%s", collected.warnings[at]);
        collector_clear(&collected);
        free(path);
    }
}

Test(sources, html_below_the_bounds_is_whole)
{
    char *path = write_repeated("nested.html", "<title>Nested</title><meta name=date "
                                "content=2020-01-02>", "<div><span a=1 b='2 > 3' c=\"4\">",
                                250, "deep <img alt='many spaced words in one value'> last");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].title, "Nested");
    cr_assert_str_eq(collected.documents[0].date, "2020-01-02");
    cr_assert_str_eq(collected.documents[0].text, "deep last");
    cr_assert_eq(stats.warnings, 0);
    free(path);
}

/* The change-tracking callback: the descriptor it gets holds exactly the
 * bytes the reader then parses. */
static int check_descriptor(void *context, const char *path, const struct stat *status, int fd)
{
    (void)path;
    cr_assert(S_ISREG(status->st_mode), "on_file sees a regular file");
    char *seen = context;
    ssize_t got = pread(fd, seen, 63, 0);
    cr_assert_geq(got, 0);
    seen[got] = '\0';
    return 1;
}

Test(sources, named_pipe_is_read_once, .timeout = 20)
{
    int ends[2];
    cr_assert_eq(pipe(ends), 0);
    static const char content[] = "hello grant from a pipe\n";
    cr_assert_eq(write(ends[1], content, strlen(content)), (ssize_t)strlen(content));
    close(ends[1]);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", ends[0]);
    char seen[64] = "";
    source_options options;
    source_options_init(&options);
    options.on_file = check_descriptor;
    options.file_context = seen;
    const char *inputs[] = {path};
    cops_error err;
    cr_assert_eq(walk_with(&options, inputs, 1, NULL, &err), 0, "%s", err.message);
    close(ends[0]);
    cr_assert_str_eq(seen, content, "on_file hashes what was in the pipe");
    cr_assert_eq(collected.document_count, 1, "and the reader still gets it");
    cr_assert_str_eq(collected.documents[0].text, content);
}

Test(sources, special_files_in_folders_are_never_opened, .timeout = 20)
{
    char *folder = make_directory("specials");
    char *regular = path_join(folder, "regular.txt");
    char *fifo = path_join(folder, "waiting.fifo");
    free(write_text("specials/regular.txt", "regular words"));
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    walk_one(folder, NULL); /* opening the FIFO would block: the timeout fails it */
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].id, regular);
    expect_warning("waiting.fifo: not a regular file, skipped");
    free(folder);
    free(regular);
    free(fifo);
}

/* The paths of the folder swap test: the folder walked, where it is moved
 * to, and the folder outside the tree its link then points to. */
typedef struct folder_swap {
    const char *folder, *moved, *outside;
    int swapped;
} folder_swap;

/* on_file of the folder's first file: the folder is replaced by a link
 * to a folder outside the tree while the walk is inside it. */
static int swap_folder(void *context, const char *path, const struct stat *status, int fd)
{
    (void)status;
    (void)fd;
    folder_swap *swap = context;
    if (!swap->swapped && strstr(path, "/1.txt")) {
        cr_assert_eq(rename(swap->folder, swap->moved), 0);
        cr_assert_eq(symlink(swap->outside, swap->folder), 0);
        swap->swapped = 1;
    }
    return 1;
}

/* A folder of the tree replaced by a symbolic link while it is walked
 * (by a stranger sharing the tree): the files it listed are read from the
 * folder listed, never through the link (a path-based open followed it:
 * O_NOFOLLOW guards only the last component). */
Test(sources, folder_replaced_by_a_link_is_not_followed, .timeout = 20)
{
    char *tree = make_directory("tree");
    char *folder = make_directory("tree/a");
    char *outside = make_directory("outside");
    free(write_text("tree/a/1.txt", "first words"));
    free(write_text("tree/a/2.txt", "second words"));
    free(write_text("outside/2.txt", "secret words"));
    char *moved = path_join(temp_root, "moved");
    folder_swap swap = {folder, moved, outside, 0};
    source_options options;
    source_options_init(&options);
    options.on_file = swap_folder;
    options.file_context = &swap;
    const char *inputs[] = {tree};
    cops_error err;
    cr_assert_eq(walk_with(&options, inputs, 1, NULL, &err), 0, "%s", err.message);
    cr_assert(swap.swapped);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[0].text, "first words");
    cr_assert_str_eq(collected.documents[1].text, "second words",
                     "the file of the folder listed, not of the link's target");
    free(tree);
    free(folder);
    free(outside);
    free(moved);
}

/* Folders are walked through descriptors, but a tree deeper than the
 * descriptors the process may hold is walked whole (the outer ones are
 * closed, and opened again on the way back). */
Test(sources, tree_deeper_than_the_descriptor_limit, .timeout = 60)
{
    enum { DEPTH = 300 };
    char *root = make_directory("deep");
    cr_assert_eq(chdir(root), 0);
    for (int i = 0; i < DEPTH; i++)
        cr_assert_eq(mkdir("d", 0755) == 0 && chdir("d") == 0, 1, "level %d", i);
    FILE *out = fopen("bottom.txt", "w");
    cr_assert_not_null(out);
    fputs("bottom words", out);
    cr_assert_eq(fclose(out), 0);
    cr_assert_eq(chdir(temp_root), 0);
    free(write_text("deep/top.txt", "top words")); /* after the deep folder, by name */
    struct rlimit limit = {100, 100};
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
    walk_one(root, NULL);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[0].text, "bottom words");
    cr_assert_str_eq(collected.documents[1].text, "top words");
    free(root);
}

/* The deep folder test: the folder a stranger moves out of the tree when
 * the walk reads the bottom file, and the folders the walk said it left
 * unread. */
typedef struct deep_move {
    const char *folder, *moved;
    int done;
    char unread[8][4096];
    int unread_count;
} deep_move;

static int move_deep_folder(void *context, const char *path, const struct stat *status, int fd)
{
    (void)status;
    (void)fd;
    deep_move *move = context;
    if (!move->done && strstr(path, "/bottom.txt")) {
        cr_assert_eq(rename(move->folder, move->moved), 0, "%s", strerror(errno));
        move->done = 1;
    }
    return 1;
}

static void note_unread(void *context, const char *path)
{
    deep_move *move = context;
    if (move->unread_count < 8)
        snprintf(move->unread[move->unread_count++], sizeof move->unread[0], "%s", path);
}

/* "tree/x/d/.../d" with `levels` d's (made), and the path of its `at`th. */
static char *make_deep_tree(int levels, int at, char **folder_at)
{
    char name[512] = "tree";
    free(make_directory(name));
    strcat(name, "/x");
    free(make_directory(name));
    for (int i = 1; i <= levels; i++) {
        strcat(name, "/d");
        char *made = make_directory(name);
        if (i == at)
            *folder_at = made;
        else
            free(made);
    }
    strcat(name, "/bottom.txt");
    free(write_text(name, "bottom words"));
    free(write_text("tree/x/z.txt", "after words"));
    free(write_text("tree/y.txt", "last words"));
    return path_join(temp_root, "tree");
}

/* Walks make_deep_tree(40, 5)'s tree while a stranger moves its deep
 * folder away (move_deep_folder), noting what is left unread; returns the
 * tree's path, *move says what happened.  Free with free_deep_move. */
static char *walk_moving_the_deep_folder(deep_move *move)
{
    char *folder = NULL;
    char *tree = make_deep_tree(40, 5, &folder);
    *move = (deep_move){folder, path_join(temp_root, "moved"), 0, {{0}}, 0};
    source_options options;
    source_options_init(&options);
    options.on_file = move_deep_folder;
    options.on_unreadable = note_unread;
    options.file_context = move;
    const char *inputs[] = {tree};
    cops_error err;
    cr_assert_eq(walk_with(&options, inputs, 1, NULL, &err), 0, "%s", err.message);
    cr_assert(move->done);
    return tree;
}

static void free_deep_move(deep_move *move, char *tree)
{
    free((char *)move->folder);
    free((char *)move->moved);
    free(tree);
}

/* A folder deep in the tree moved elsewhere (by a stranger) while the walk
 * is below it, once the folders above it were closed: the walk cannot go
 * back up through it, and what it has not read of the folders above is
 * left unread; an update must keep their documents (on_unreadable), not
 * take them as deleted. */
Test(sources, folders_left_unread_after_a_move_keep_their_documents, .timeout = 20)
{
    deep_move move;
    char *tree = walk_moving_the_deep_folder(&move);
    int after_kept = 0, last_kept = 0, after_read = 0, last_read = 0;
    for (int i = 0; i < move.unread_count; i++) {
        size_t length = strlen(move.unread[i]);
        char *z = path_join(tree, "x/z.txt"), *y = path_join(tree, "y.txt");
        after_kept |= strncmp(move.unread[i], z, length) == 0 && z[length] == '/';
        last_kept |= strncmp(move.unread[i], y, length) == 0 && y[length] == '/';
        free(z);
        free(y);
    }
    for (size_t i = 0; i < collected.document_count; i++) {
        after_read |= strcmp(collected.documents[i].text, "after words") == 0;
        last_read |= strcmp(collected.documents[i].text, "last words") == 0;
    }
    cr_assert(after_read || after_kept, "x/z.txt neither read nor left unread");
    cr_assert(last_read || last_kept, "y.txt neither read nor left unread");
    free_deep_move(&move, tree);
}

/* The same move: the folders above are opened again from the input down,
 * by their names (each checked to be the folder it was), and the rest of
 * the tree is read. */
Test(sources, a_folder_moved_away_does_not_stop_the_walk_above_it, .timeout = 20)
{
    deep_move move;
    char *tree = walk_moving_the_deep_folder(&move);
    cr_assert_eq(move.unread_count, 0, "left unread: %s", move.unread[0]);
    cr_assert_eq(collected.document_count, 3);
    cr_assert_str_eq(collected.documents[0].text, "bottom words");
    cr_assert_str_eq(collected.documents[1].text, "after words");
    cr_assert_str_eq(collected.documents[2].text, "last words");
    free_deep_move(&move, tree);
}

Test(sources, json_lines)
{
    char *path = fixture("docs.jsonl");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 3);
    collected_document *first = &collected.documents[0];
    cr_assert_str_eq(first->id, "first");
    cr_assert_eq(first->line, 1);
    cr_assert_str_eq(first->title, "First record");
    cr_assert_str_eq(first->date, "2020-02-29");
    cr_assert_str_eq(first->text, "Alpha bravo charlie.");
    collected_document *second = &collected.documents[1];
    cr_assert_str_eq(second->id, "42");
    cr_assert_eq(second->line, 3);
    cr_assert_str_eq(second->text, "Body field used when text is missing.");
    cr_assert_str_eq(second->title, "", "no title field: no title, none derived");
    cr_assert_null(second->date);
    collected_document *third = &collected.documents[2];
    char *fallback_id = malloc(strlen(path) + 3);
    cr_assert_not_null(fallback_id);
    sprintf(fallback_id, "%s:4", path);
    cr_assert_str_eq(third->id, fallback_id);
    cr_assert_eq(third->line, 4);
    cr_assert_str_eq(third->title, "No id");
    cr_assert_str_eq(third->text, "Delta echo.\nSecond line.");
    cr_assert_null(third->date, "2021-02-29 is not a calendar date");
    cr_assert_eq(stats.documents, 3);
    cr_assert_eq(stats.skipped, 0);
    cr_assert_eq(stats.warnings, 1, "the date that cannot be read");
    cr_assert(strstr(collected.warnings[0], ":4: cannot read the date '2021-02-29'"), "%s",
              collected.warnings[0]);
    free(fallback_id);
    free(path);
}

Test(sources, json_lines_custom_fields)
{
    char *path = write_text("custom.ndjson",
                            "{\"key\": \"k1\", \"head\": \"Head\", \"content\": \"words\", "
                            "\"when\": \"1999-12-31\", \"text\": \"ignored\"}\r\n"
                            "{\"key\": \"k2\", \"body\": \"no fallback for a named field\"}\n");
    source_options options;
    source_options_init(&options);
    options.id_field = "key";
    options.title_field = "head";
    options.text_field = "content";
    options.date_field = "when";
    source_stats stats;
    cr_assert_eq(walk_with(&options, (const char *const *)&path, 1, &stats, NULL), 0);
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].id, "k1");
    cr_assert_str_eq(collected.documents[0].title, "Head");
    cr_assert_str_eq(collected.documents[0].text, "words");
    cr_assert_str_eq(collected.documents[0].date, "1999-12-31");
    expect_warning(":2: no string field \"content\", skipped");
    cr_assert_eq(stats.skipped, 1);
    free(path);
}

Test(sources, trec_collection)
{
    char *path = fixture("collection.trec");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 3);
    collected_document *first = &collected.documents[0];
    cr_assert_str_eq(first->id, "FT911-1");
    cr_assert_eq(first->line, 1);
    cr_assert_str_eq(first->title, "Markets rally");
    cr_assert_str_eq(first->text, "Markets  rally\n\nShares rose and bonds fell.");
    cr_assert_null(first->date);
    collected_document *second = &collected.documents[1];
    cr_assert_str_eq(second->id, "FT911-2");
    cr_assert_eq(second->line, 8);
    cr_assert_str_eq(second->title, "Second story first line.");
    cr_assert_str_eq(second->date, "1991-05-02");
    collected_document *third = &collected.documents[2];
    cr_assert_str_eq(third->id, "FT911-3");
    cr_assert_eq(third->line, 15);
    cr_assert_str_eq(third->title, "One line");
    cr_assert_str_eq(third->text, "One line Inline document.");
    cr_assert_eq(stats.warnings, 0);
    free(path);
}

Test(sources, trec_sniffed_and_split_across_reads)
{
    /* Documents larger than one read chunk make the tag search cross the
     * boundary between reads. */
    size_t filler = 150000;
    size_t capacity = 2 * filler + 256;
    char *data = malloc(capacity);
    cr_assert_not_null(data);
    size_t used = 0;
    for (int doc = 0; doc < 2; doc++) {
        used += (size_t)sprintf(data + used, "<DOC>\n<DOCNO>big-%d</DOCNO>\n<TEXT>\n", doc);
        for (size_t i = 0; i < filler / 6; i++) {
            memcpy(data + used, "words ", 6);
            used += 6;
        }
        used += (size_t)sprintf(data + used, "\n</TEXT>\n</DOC>\n");
    }
    char *path = write_file("bigcollection", data, used);
    walk_one(path, NULL);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[0].id, "big-0");
    cr_assert_str_eq(collected.documents[1].id, "big-1");
    cr_assert_eq(collected.documents[1].line, 7);
    cr_assert_eq(collected.documents[0].text_length, (filler / 6) * 6 - 1);
    free(data);
    free(path);
}

/* --------------------------------------------------------------- gzip */

static void expect_same_documents(const collector *plain, size_t offset, size_t count,
                                  int one_document_files)
{
    for (size_t i = 0; i < count; i++) {
        const collected_document *expected = &plain->documents[i];
        const collected_document *got = &collected.documents[offset + i];
        /* Ids derived from the path differ with the file name. */
        if (!one_document_files && strncmp(expected->id, expected->path, strlen(expected->path)))
            cr_assert_str_eq(got->id, expected->id);
        cr_assert_str_eq(got->title, expected->title);
        cr_assert_str_eq(got->text, expected->text);
        cr_assert_eq(got->line, expected->line);
        if (expected->date)
            cr_assert_str_eq(got->date, expected->date);
        else
            cr_assert_null(got->date);
    }
}

Test(sources, gzip_of_each_format)
{
    static const char *const names[] = {"article.txt", "page.html", "docs.jsonl",
                                        "collection.trec"};
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        char *plain_path = fixture(names[n]);
        walk_one(plain_path, NULL);
        collector plain = collected;
        memset(&collected, 0, sizeof collected);

        char gz_name[64];
        snprintf(gz_name, sizeof gz_name, "%s.gz", names[n]);
        char *gz_path = gzip_to(plain_path, gz_name, 0, NULL);
        source_stats stats;
        walk_one(gz_path, &stats);
        cr_assert_eq(collected.document_count, plain.document_count, "%s", gz_name);
        int one_document = n < 2;
        expect_same_documents(&plain, 0, plain.document_count, one_document);
        if (one_document)
            cr_assert_str_eq(collected.documents[0].id, gz_path);
        size_t length;
        free(read_file(plain_path, &length));
        cr_assert_eq(stats.bytes_read, length, "bytes_read counts decompressed bytes");
        cr_assert_eq(collected.warning_count, plain.warning_count, "%s", gz_name);

        collector_clear(&collected);
        collector_clear(&plain);
        free(gz_path);
        free(plain_path);
    }
}

Test(sources, gzip_detected_by_magic)
{
    char *plain_path = fixture("collection.trec");
    char *gz_path = gzip_to(plain_path, "collection-without-extension", 0, NULL);
    walk_one(gz_path, NULL);
    cr_assert_eq(collected.document_count, 3);
    cr_assert_str_eq(collected.documents[2].id, "FT911-3");
    free(gz_path);
    free(plain_path);
}

Test(sources, truncated_gzip_keeps_earlier_documents)
{
    char *source = write_text("source.jsonl",
                              "{\"id\": \"a\", \"text\": \"kept one\"}\n"
                              "{\"id\": \"b\", \"text\": \"kept two\"}\n"
                              "{\"id\": \"c\", \"text\": \"lost in the damaged tail of the "
                              "file, long enough to need a few compressed bytes\"}\n");
    size_t first_two = strlen("{\"id\": \"a\", \"text\": \"kept one\"}\n"
                              "{\"id\": \"b\", \"text\": \"kept two\"}\n");
    long flushed = 0;
    char *gz_path = gzip_to(source, "cut.jsonl.gz", first_two, &flushed);
    cr_assert_eq(truncate(gz_path, flushed + 8), 0);
    source_stats stats;
    walk_one(gz_path, &stats);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[0].id, "a");
    cr_assert_str_eq(collected.documents[1].id, "b");
    size_t at = expect_warning("damaged compressed data after");
    cr_assert(strstr(collected.warnings[at], gz_path) == collected.warnings[at],
              "warning names the file: %s", collected.warnings[at]);
    char offset_text[64];
    snprintf(offset_text, sizeof offset_text, "after %llu decompressed bytes",
             (unsigned long long)stats.bytes_read);
    cr_assert(strstr(collected.warnings[at], offset_text), "%s", collected.warnings[at]);
    cr_assert_geq(stats.bytes_read, first_two);
    cr_assert_eq(stats.skipped, 1, "the damaged tail is counted as skipped");
    cr_assert_eq(stats.warnings, 1);
    free(gz_path);
    free(source);
}

Test(sources, corrupt_gzip_text_is_skipped)
{
    char *plain_path = fixture("article.txt");
    char *gz_path = gzip_to(plain_path, "article.txt.gz", 0, NULL);
    size_t length;
    char *bytes = read_file(gz_path, &length);
    for (size_t i = 12; i < length - 8; i++)
        bytes[i] = (char)0xFF;
    free(write_file("article.txt.gz", bytes, length));
    source_stats stats;
    walk_one(gz_path, &stats);
    cr_assert_eq(collected.document_count, 0);
    expect_warning("damaged compressed data after");
    cr_assert_eq(stats.skipped, 1);
    free(bytes);
    free(gz_path);
    free(plain_path);
}

/* ------------------------------------------------------------ walking */

Test(sources, walk_is_sorted_and_skips_hidden_entries)
{
    char *root = make_directory("tree");
    const char *files[] = {"tree/b.txt", "tree/a.txt", "tree/B.txt", "tree/.hidden.txt",
                           "tree/a.md"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        free(write_text(files[i], files[i]));
    free(make_directory("tree/sub"));
    free(make_directory("tree/.git"));
    free(write_text("tree/sub/c.txt", "c"));
    free(write_text("tree/.git/config", "hidden folder"));

    const char *expected[] = {"B.txt", "a.md", "a.txt", "b.txt", "sub/c.txt"};
    for (int round = 0; round < 2; round++) {
        source_stats stats;
        walk_one(root, &stats);
        cr_assert_eq(collected.document_count, 5);
        for (size_t i = 0; i < 5; i++) {
            char *want = path_join(root, expected[i]);
            cr_assert_str_eq(collected.documents[i].id, want, "position %zu", i);
            free(want);
        }
        cr_assert_eq(stats.files, 5);
        cr_assert_eq(stats.warnings, 0);
        collector_clear(&collected);
    }
    free(root);
}

Test(sources, estimate_counts_visited_regular_files)
{
    char *root = make_directory("tree");
    free(write_text("tree/one.txt", "12345"));
    free(write_text("tree/.hidden", "1234567890"));
    free(make_directory("tree/sub"));
    free(write_text("tree/sub/two.txt", "123"));
    char *single = write_text("single.txt", "1234567");
    const char *inputs[] = {root, single, "/nonexistent/cops/input"};
    cr_assert_eq(source_estimate_bytes(inputs, 3), 15);
    free(single);
    free(root);
}

Test(sources, symlink_loop_is_skipped_with_warning)
{
    char *root = make_directory("loop");
    free(write_text("loop/a.txt", "alpha"));
    free(make_directory("loop/sub"));
    char *loop = path_join(root, "sub/back");
    cr_assert_eq(symlink("..", loop), 0);
    char *link = path_join(root, "sub/link.txt");
    cr_assert_eq(symlink("../a.txt", link), 0);
    /* By default links inside folders are not followed at all. */
    source_stats stats;
    walk_one(root, &stats);
    cr_assert_eq(collected.document_count, 1, "a.txt only");
    cr_assert_eq(stats.warnings, 0);
    /* Followed: the link to a file is read, the loop skipped. */
    collector_clear(&collected);
    source_options options;
    source_options_init(&options);
    options.follow_links = 1;
    cops_error err;
    const char *input = root;
    cr_assert_eq(walk_with(&options, &input, 1, &stats, &err), 0);
    cr_assert_eq(collected.document_count, 2, "a.txt, and again through sub/link.txt");
    cr_assert_str_eq(collected.documents[1].id, link);
    size_t at = expect_warning("directory loop");
    cr_assert(strstr(collected.warnings[at], loop), "%s", collected.warnings[at]);
    cr_assert_eq(stats.warnings, 1);
    free(link);
    free(loop);
    free(root);
}

Test(sources, unreadable_file_is_skipped_inside_a_folder)
{
    if (geteuid() == 0) {
        /* Criterion skips the suite's .fini after cr_skip_test: without
         * this, every run as root left an empty /tmp/cops-sources-*. */
        teardown();
        cr_skip_test("root can read any file");
    }
    char *root = make_directory("perm");
    char *locked = write_text("perm/locked.txt", "secret");
    free(write_text("perm/open.txt", "open"));
    cr_assert_eq(chmod(locked, 0), 0);
    source_stats stats;
    walk_one(root, &stats);
    cr_assert_eq(collected.document_count, 1);
    size_t at = expect_warning("cannot open: Permission denied");
    cr_assert(strstr(collected.warnings[at], locked), "%s", collected.warnings[at]);
    cr_assert_eq(stats.skipped, 1);

    cops_error err;
    const char *named = locked;
    cr_assert_eq(walk(&named, 1, NULL, &err), COPS_EIO, "a named input must be readable");
    cr_assert(strstr(err.message, locked), "%s", err.message);
    free(locked);
    free(root);
}

/* A missing input is a warning like any unreadable file (the build
 * driver makes it exit 1), and the other inputs are read. */
Test(sources, nonexistent_input_is_a_warning)
{
    char *present = write_text("present.txt", "here");
    const char *inputs[] = {"/nonexistent/cops/input.txt", present};
    cops_error err;
    source_stats stats;
    cr_assert_eq(walk(inputs, 2, &stats, &err), 0);
    size_t i = expect_warning("/nonexistent/cops/input.txt");
    cr_assert(strstr(collected.warnings[i], "No such file"), "%s", collected.warnings[i]);
    cr_assert_eq(stats.documents, 1, "the present input is read");
    cr_assert_eq(stats.skipped, 1);
    free(present);
}

Test(sources, callback_stops_the_walk)
{
    char *path = fixture("docs.jsonl");
    collected.stop_after = 2;
    source_stats stats;
    cops_error err;
    const char *input = path;
    cr_assert_eq(walk(&input, 1, &stats, &err), 7);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_eq(stats.documents, 2);
    free(path);
}

/* ---------------------------------------------------------- bad input */

Test(sources, binary_file_is_skipped)
{
    char *path = write_file("image.txt", "GIF\0\x01\x02 rest", 11);
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 0);
    size_t at = expect_warning("NUL byte at byte 3), skipped");
    cr_assert(strstr(collected.warnings[at], path), "%s", collected.warnings[at]);
    cr_assert(strstr(collected.warnings[at], "binary file ("), "%s", collected.warnings[at]);
    cr_assert_eq(stats.skipped, 1);
    cr_assert_eq(stats.binaries[0].count, 1);
    free(path);
}

Test(sources, empty_and_blank_files_are_skipped)
{
    char *empty = write_text("empty.txt", "");
    char *blank = write_text("blank.md", " \n\t\n");
    const char *inputs[] = {empty, blank};
    source_stats stats;
    cr_assert_eq(walk(inputs, 2, &stats, NULL), 0);
    cr_assert_eq(collected.document_count, 0);
    char expected[512];
    snprintf(expected, sizeof expected, "%s: empty file, skipped", empty);
    cr_assert_str_eq(collected.warnings[expect_warning("empty file")], expected);
    snprintf(expected, sizeof expected, "%s: no text, skipped", blank);
    cr_assert_str_eq(collected.warnings[expect_warning("no text")], expected);
    cr_assert_eq(stats.skipped, 2);
    cr_assert_eq(stats.files, 2);
    free(empty);
    free(blank);
}

Test(sources, latin1_file_is_converted_without_warning)
{
    char *path = write_text("latin1.txt", "caf\xe9 cr\xe8me br\xfbl\xe9\x65 in M\xfcnchen\n");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].text, "café crème brûlée in München\n");
    cr_assert_eq(collected.warning_count, 0);
    cr_assert_eq(stats.invalid_utf8, 0);
    cr_assert_eq(stats.skipped, 0);
    cr_assert_eq(stats.encodings[0].count, 1);
    cr_assert_eq(stats.encodings[1].count, 0);
    free(path);
}

Test(sources, latin1_in_json_lines_reports_file_offset)
{
    char *path = write_text("latin.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"caf\xe9\"}\n");
    walk_one(path, NULL);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[1].text, "caf\xef\xbf\xbd");
    char expected[512];
    snprintf(expected, sizeof expected, "%s: invalid UTF-8 at byte 30 (1 sequences replaced)",
             path);
    cr_assert_str_eq(collected.warnings[expect_warning("invalid UTF-8")], expected);
    free(path);
}

Test(sources, bad_json_lines_are_skipped_with_line_numbers)
{
    char *path = write_text("bad.jsonl", "{\"id\": \"ok1\", \"text\": \"first\"}\n"
                                         "{\"id\": \"broken\", \"text\": \n"
                                         "{\"id\": \"notext\", \"title\": \"t\"}\n"
                                         "\n"
                                         "[1, 2]\n"
                                         "{\"id\": \"num\", \"text\": 5}\n"
                                         "{\"id\": \"blank\", \"text\": \"  \"}\n"
                                         "{\"id\": \"ok2\", \"text\": \"last\"}");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 2);
    cr_assert_str_eq(collected.documents[0].id, "ok1");
    cr_assert_str_eq(collected.documents[1].id, "ok2");
    cr_assert_eq(collected.documents[1].line, 8, "a last line without newline counts");
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s:2: invalid JSON: ", path);
    size_t at = expect_warning(":2: invalid JSON: ");
    cr_assert(strncmp(collected.warnings[at], prefix, strlen(prefix)) == 0, "%s",
              collected.warnings[at]);
    cr_assert_gt(strlen(collected.warnings[at]), strlen(prefix), "carries the reason");
    expect_warning(":3: no string field \"text\", skipped");
    expect_warning(":5: not a JSON object, skipped");
    expect_warning(":6: no string field \"text\", skipped");
    expect_warning(":7: no text, skipped");
    cr_assert_eq(stats.skipped, 5);
    cr_assert_eq(stats.warnings, 5);
    free(path);
}

Test(sources, oversized_documents_are_skipped)
{
    char *jsonl = write_text("big.jsonl", "{\"text\": \"small\"}\n"
                                          "{\"text\": \"this line is far too long to keep\"}\n"
                                          "{\"text\": \"tiny\"}\n");
    char *text = write_text("big.txt", "more than thirty-two bytes of plain text here");
    char *trec = write_text("big.trec", "<DOC><DOCNO>1</DOCNO>short</DOC>\n"
                                        "<DOC><DOCNO>2</DOCNO>far too long for the limit</DOC>\n"
                                        "<DOC><DOCNO>3</DOCNO>ok</DOC>\n");
    source_options options;
    source_options_init(&options);
    options.max_document_bytes = 32;
    const char *inputs[] = {jsonl, text, trec};
    source_stats stats;
    cr_assert_eq(walk_with(&options, inputs, 3, &stats, NULL), 0);
    cr_assert_eq(collected.document_count, 4);
    cr_assert_str_eq(collected.documents[0].text, "small");
    cr_assert_str_eq(collected.documents[1].text, "tiny");
    cr_assert_str_eq(collected.documents[2].id, "1");
    cr_assert_str_eq(collected.documents[3].id, "3");
    expect_warning("big.jsonl:2: document of 45 bytes larger than 32 bytes, skipped");
    expect_warning("big.txt: document larger than 32 bytes, skipped");
    expect_warning("big.trec:2: document larger than 32 bytes, skipped");
    cr_assert_eq(stats.skipped, 3);
    free(jsonl);
    free(text);
    free(trec);
}

Test(sources, trec_records_without_docno_or_end_are_skipped)
{
    char *path = write_text("bad.trec", "<DOC>\n<TEXT>no number</TEXT>\n</DOC>\n"
                                        "<DOC>\n<DOCNO>good</DOCNO>\nkept\n</DOC>\n"
                                        "<DOC>\n<DOCNO>open</DOCNO>\nnever closed\n"
                                        "<DOC>\n<DOCNO>tail</DOCNO>\ncut off\n");
    source_stats stats;
    walk_one(path, &stats);
    cr_assert_eq(collected.document_count, 1);
    cr_assert_str_eq(collected.documents[0].id, "good");
    cr_assert_str_eq(collected.documents[0].text, "kept");
    cr_assert_eq(collected.documents[0].line, 4);
    char expected[512];
    snprintf(expected, sizeof expected, "%s:1: <DOC> without <DOCNO>, skipped", path);
    cr_assert_str_eq(collected.warnings[expect_warning("without <DOCNO>")], expected);
    snprintf(expected, sizeof expected, "%s:8: <DOC> without </DOC>, skipped", path);
    expect_warning(expected);
    snprintf(expected, sizeof expected, "%s:11: <DOC> without </DOC>, skipped", path);
    expect_warning(expected);
    cr_assert_eq(stats.skipped, 3);
    free(path);
}

/* ------------------------------------------------------------ helpers */

Test(sources, utf8_repair_replaces_maximal_subparts)
{
    static const struct {
        const char *input;
        size_t length;
        const char *output;
        size_t replaced;
        size_t first;
    } cases[] = {
        {"plain", 5, "plain", 0, 0},
        {"\xf0\x9f\x98\x80 ok", 7, "\xf0\x9f\x98\x80 ok", 0, 0},
        {"a\xc0\x80z", 4, "a\xef\xbf\xbd\xef\xbf\xbdz", 2, 1},      /* overlong */
        {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3, 0}, /* surrogate */
        {"x\xe2\x82", 3, "x\xef\xbf\xbd", 1, 1},                    /* cut short */
        {"\xf4\x90\x80\x80", 4,
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4, 0}, /* above U+10FFFF */
        {"\xe2\x82x", 3, "\xef\xbf\xbdx", 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        byte_buffer out = BUFFER_INIT;
        size_t first = 99;
        size_t replaced = source_utf8_repair((const uint8_t *)cases[i].input, cases[i].length,
                                             &out, &first);
        cr_assert_eq(replaced, cases[i].replaced, "case %zu", i);
        cr_assert_eq(out.length, strlen(cases[i].output), "case %zu", i);
        cr_assert_eq(memcmp(out.data, cases[i].output, out.length), 0, "case %zu", i);
        if (replaced)
            cr_assert_eq(first, cases[i].first, "case %zu", i);
        buffer_free(&out);
    }
}

Test(sources, dates_must_be_calendar_dates)
{
    char date[11];
    cr_assert(source_parse_date("2024-02-29", 10, date));
    cr_assert_str_eq(date, "2024-02-29");
    cr_assert(source_parse_date("2000-02-29T00:00", 16, date));
    cr_assert_not(source_parse_date("1900-02-29", 10, date));
    cr_assert_not(source_parse_date("2023-04-31", 10, date));
    cr_assert_not(source_parse_date("2023-13-01", 10, date));
    cr_assert_not(source_parse_date("2023-01-011", 11, date));
    cr_assert_not(source_parse_date("2023-1-01", 9, date));
    cr_assert_eq(source_date_prefix("  Date: 2017-11-14 text", 23, date), 18);
    cr_assert_str_eq(date, "2017-11-14");
    cr_assert_eq(source_date_prefix("dated 2017-11-14", 16, date), 0);
    cr_assert_eq(source_date_prefix("date 2017-02-30", 15, date), 0);
}

Test(sources, long_titles_are_cut_at_a_word_boundary)
{
    char text[600];
    size_t used = 0;
    while (used + 7 < sizeof text - 1) {
        memcpy(text + used, "\xc3\xa9word ", 7);
        used += 7;
    }
    text[used] = '\0';
    byte_buffer title = BUFFER_INIT;
    source_title_from_text(text, used, &title);
    cr_assert_leq(title.length, SOURCE_TITLE_MAX_BYTES);
    cr_assert_gt(title.length, SOURCE_TITLE_MAX_BYTES - 7);
    cr_assert_eq(title.length % 7, 6, "ends after a whole word: %s", (char *)title.data);
    cr_assert_eq(title.data[title.length], '\0');

    char unbroken[400];
    for (size_t i = 0; i + 2 <= 300; i += 2)
        memcpy(unbroken + i, "\xc3\xa9", 2);
    source_title_clean(unbroken, 300, &title);
    cr_assert_eq(title.length, SOURCE_TITLE_MAX_BYTES, "cut between characters");
    cr_assert_eq(source_utf8_valid_prefix(title.data, title.length), title.length);
    buffer_free(&title);
}

/* ------------------------------------------ JSON Lines: strict scanning */

/* One line of a JSON Lines file and what the reader must make of it: a
 * document when `text` is set (id NULL = "path:line"; title NULL = not
 * checked; date NULL = no date), else a warning containing `warning`.
 * `length` is for lines holding a NUL byte (0 = strlen). */
typedef struct jsonl_case {
    const char *line;
    const char *text;
    const char *id;
    const char *title;
    const char *date;
    const char *warning;
    size_t length;
} jsonl_case;

#define NOT_OBJECT "not a JSON object, skipped"
#define NO_TEXT_FIELD "no string field \"text\", skipped"

static const jsonl_case jsonl_accepted[] = {
    {.line = "{\"id\":\"a1\",\"text\":\"plain\"}", .text = "plain", .id = "a1", .title = ""},
    {.line = "{\"text\":\"q\\\"b\\\\s\\/e\"}", .text = "q\"b\\s/e"},
    {.line = "{\"text\":\"x\\ny\\tz\\rw\\bv\\fu\"}", .text = "x\ny\tz\rw\bv\fu", .title = ""},
    {.line = "{\"text\":\"\\u0041\\u00e9\\u20AC\"}", .text = "A\xc3\xa9\xe2\x82\xac"},
    {.line = "{\"text\":\"\\uD83D\\uDE00 smile\"}", .text = "\xf0\x9f\x98\x80 smile"},
    {.line = "{\"text\":\"\\ud800\\udc00\"}", .text = "\xf0\x90\x80\x80"},
    {.line = "{\"text\":\"\\uDBFF\\uDFFF\"}", .text = "\xf4\x8f\xbf\xbf"},
    {.line = "{\"text\":\"\\u007f\\u0080\\u07FF\\u0800\\uFFFF\"}",
     .text = "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"},
    {.line = "{\"text\":\"\xe6\x97\xa5\xe6\x9c\xac raw \x7f\"}",
     .text = "\xe6\x97\xa5\xe6\x9c\xac raw \x7f"},
    {.line = "{\"id\":42,\"text\":\"int id\"}", .text = "int id", .id = "42"},
    {.line = "{\"id\":-0,\"text\":\"x\"}", .text = "x", .id = "0"},
    {.line = "{\"id\":9223372036854775807,\"text\":\"x\"}",
     .text = "x",
     .id = "9223372036854775807"},
    {.line = "{\"id\":-9223372036854775808,\"text\":\"x\"}",
     .text = "x",
     .id = "-9223372036854775808"},
    {.line = "{\"id\":1.5,\"text\":\"x\"}", .text = "x", .id = "1.5"},
    {.line = "{\"id\":0.1,\"text\":\"x\"}", .text = "x", .id = "0.10000000000000001"},
    {.line = "{\"id\":1E+2,\"text\":\"x\"}", .text = "x", .id = "100"},
    {.line = "{\"id\":-0.0,\"text\":\"x\"}", .text = "x", .id = "-0"},
    {.line = "{\"id\":1e-999,\"text\":\"x\"}", .text = "x", .id = "0"},
    {.line = "{\"id\":1.7976931348623157e308,\"text\":\"x\"}",
     .text = "x",
     .id = "1.7976931348623157e+308"},
    {.line = "{\"id\":\"\",\"text\":\"empty id\"}", .text = "empty id"},
    {.line = "{\"id\":true,\"text\":\"x\"}", .text = "x"},
    {.line = "{\"id\":{\"id\":\"inner\"},\"text\":\"x\"}", .text = "x"},
    {.line = "{\"id\":[1],\"text\":\"x\",\"id\":null}", .text = "x"},
    {.line = "{\"text\":\"first\",\"text\":\"second\"}", .text = "second"},
    {.line = "{\"id\":\"a\",\"id\":\"b\",\"text\":\"x\"}", .text = "x", .id = "b"},
    {.line = "{\"text\":5,\"text\":\"last wins\"}", .text = "last wins"},
    {.line = "{\"body\":\"from body\"}", .text = "from body"},
    {.line = "{\"body\":\"b\",\"text\":\"t\"}", .text = "t"},
    {.line = "{\"\\u0074ext\":\"escaped key\"}", .text = "escaped key"},
    {.line = "{\"text\":\"a\",\"te\\u0078t\":\"b\"}", .text = "b"},
    {.line = "{\"meta\":{\"text\":\"inner\",\"id\":\"no\"},\"text\":\"outer\"}", .text = "outer"},
    {.line = "  {  \"text\" : \"spaced\" ,\t\"id\" : 7 }  ", .text = "spaced", .id = "7"},
    {.line = "{\r\"text\":\"cr inside\"\r}", .text = "cr inside"},
    {.line = "{\"a\":[1,2.5,-3e-2,true,false,null,{},[]],\"b\":{\"c\":{\"d\":[[]]}},"
             "\"text\":\"types\"}",
     .text = "types"},
    {.line = "{\"n\":1e308,\"m\":1e0005,\"o\":-0.0e-0,\"p\":123456789012345678901234567890.5,"
     "\"text\":\"reals\"}", .text = "reals"},
    {.line = "{\"n\":-9223372036854775808,\"m\":9223372036854775807,\"text\":\"limits\"}",
     .text = "limits"},
    {.line = "{\"text\":\"x\",\"date\":\"2020-02-29\"}", .text = "x", .date = "2020-02-29"},
    /* an empty date is none (one that cannot be read is a warning as
     * well: sources::json_lines) */
    {.line = "{\"text\":\"x\",\"date\":\"\"}", .text = "x"},
    {.line = "{\"text\":\"x\",\"date\":\"2020\\u002d01-02T10:00\"}",
     .text = "x",
     .date = "2020-01-02"},
    {.line = "{\"text\":\"x\",\"date\":20200101}", .text = "x"},
    {.line = "{\"title\":\"  Spaced   title \",\"text\":\"x\"}",
     .text = "x",
     .title = "Spaced title"},
    {.line = "{\"title\":\"\",\"text\":\"Body line\\nsecond\"}",
     .text = "Body line\nsecond",
     .title = ""},
    {.line = "{\"title\":[\"t\"],\"text\":\"from text\"}",
     .text = "from text",
     .title = ""},
    {.line = "{\"\":1,\"text\":\"empty key\"}", .text = "empty key"},
    {.line = "{\"text\":\"\\/\\/ not a comment\"}", .text = "// not a comment"},
    {.line = "{\"text\":\"x\",\"body\":\"b\",\"id\":null}", .text = "x"},
    {.line = "[1,2]", .warning = NOT_OBJECT},
    {.line = "\"just a string\"", .warning = NOT_OBJECT},
    {.line = " 5 ", .warning = NOT_OBJECT},
    {.line = "null", .warning = NOT_OBJECT},
    {.line = "{}", .warning = NO_TEXT_FIELD},
    {.line = "{\"text\":\"a\",\"text\":5}", .warning = NO_TEXT_FIELD},
    {.line = "{\"text\":null,\"body\":\"b\"}", .warning = NO_TEXT_FIELD},
    {.line = "{\"meta\":{\"text\":\"inner\"}}", .warning = NO_TEXT_FIELD},
    {.line = "{\"text \":\"a key with a space\"}", .warning = NO_TEXT_FIELD},
    {.line = "{\"text\":\"   \"}", .warning = "no text, skipped"},
    {.line = "{\"text\":\"\\n\\t \"}", .warning = "no text, skipped"},
};

static const jsonl_case jsonl_rejected[] = {
    {"{\"text\":\"a\",}", .warning = "trailing comma before '}' at column 13"},
    {"{\"text\":\"a\",\"l\":[1,2,]}", .warning = "trailing comma before ']' at column 22"},
    {"{\"text\":\"a\"} // comment", .warning = "'/' after the end of the JSON value at column 14"},
    {"/* c */ {\"text\":\"a\"}", .warning = "'/' where a value was expected at column 1"},
    {"{\"n\":NaN,\"text\":\"a\"}", .warning = "unknown word 'NaN' at column 6"},
    {"{\"n\":Infinity,\"text\":\"a\"}", .warning = "unknown word 'Infinity'"},
    {"{\"n\":-Infinity,\"text\":\"a\"}", .warning = "a digit must follow '-', not 'I' at column 7"},
    {"{\"n\":01,\"text\":\"a\"}", .warning = "leading zero in a number at column 6"},
    {"{\"n\":-00,\"text\":\"a\"}", .warning = "leading zero in a number at column 7"},
    {"{'text':'a'}", .warning = "a member name (a string) expected, not ''' at column 2"},
    {"{\"text\":'a'}", .warning = "''' where a value was expected at column 9"},
    {"{\"text\":\"a\tb\"}", .warning = "control character 0x09 in a string at column 11"},
    {"{\"text\":\"a\x01\"}", .warning = "control character 0x01 in a string"},
    {"{\"text\":\"a\x1f\"}", .warning = "control character 0x1F in a string"},
    {"{\"text\":\"\\x\"}", .warning = "invalid escape: backslash followed by 'x' at column 10"},
    {"{\"text\":\"\\'\"}", .warning = "invalid escape: backslash followed by '''"},
    {"{\"text\":\"\\U0041\"}", .warning = "invalid escape: backslash followed by 'U'"},
    {"{\"text\":\"\\u12\"}", .warning = "\\u not followed by four hex digits at column 10"},
    {"{\"text\":\"\\u12G4\"}", .warning = "\\u not followed by four hex digits"},
    {"{\"text\":\"\\ud800\"}", .warning = "high surrogate \\uD800 without a low surrogate"},
    {"{\"text\":\"\\udc00 x\"}", .warning = "lone low surrogate \\uDC00 at column 10"},
    {"{\"text\":\"\\ud800\\u0041\"}",
     .warning = "high surrogate \\uD800 followed by \\u0041, not a low one"},
    {"{\"text\":\"\\uD800\\uD800\"}", .warning = "followed by \\uD800, not a low one"},
    {"{\"text\":\"\\u00e9\\uDFFF\"}", .warning = "lone low surrogate \\uDFFF at column 16"},
    {"{\"text\":\"\\u0000\"}", .warning = "\\u0000 is not allowed at column 10"},
    {"{\"\\u0000\":1,\"text\":\"a\"}", .warning = "\\u0000 is not allowed at column 3"},
    {"{\"a\":{\"\\u0000\":1},\"text\":\"a\"}", .warning = "\\u0000 is not allowed"},
    {"{\"text\":\"a\"} x", .warning = "'x' after the end of the JSON value at column 14"},
    {"{\"text\":\"a\"}{\"text\":\"b\"}", .warning = "'{' after the end of the JSON value"},
    {"{\"text\":\"a\"",
     .warning = "',' or '}' expected after an object member, not the end of the line"},
    {"{\"text\":\"a", .warning = "string not closed before the end of the line at column 9"},
    {"{\"text\"}", .warning = "':' expected after a member name, not '}' at column 8"},
    {"{\"text\" \"a\"}", .warning = "':' expected after a member name, not '\"'"},
    {"{\"text\":}", .warning = "'}' where a value was expected at column 9"},
    {"{,\"text\":\"a\"}", .warning = "a member name (a string) expected, not ','"},
    {"{\"n\":1.,\"text\":\"a\"}", .warning = "a digit must follow the decimal point, not ','"},
    {"{\"n\":.5,\"text\":\"a\"}", .warning = "'.' where a value was expected"},
    {"{\"n\":1e,\"text\":\"a\"}", .warning = "a digit must follow the exponent's 'e', not ','"},
    {"{\"n\":1E+,\"text\":\"a\"}", .warning = "a digit must follow the exponent's 'e'"},
    {"{\"n\":+1,\"text\":\"a\"}", .warning = "'+' where a value was expected"},
    {"{\"n\":9223372036854775808,\"text\":\"a\"}", .warning = "too big integer at column 6"},
    {"{\"n\":-9223372036854775809,\"text\":\"a\"}", .warning = "too big negative integer"},
    {"{\"id\":123456789012345678901234567890,\"text\":\"a\"}", .warning = "too big integer"},
    {"{\"n\":1e309,\"text\":\"a\"}", .warning = "real number overflow at column 6"},
    {"{\"n\":-1.8e308,\"text\":\"a\"}", .warning = "real number overflow"},
    {"{\"id\":1.7976931348623159e308,\"text\":\"a\"}", .warning = "real number overflow"},
    {"{\"n\":tru,\"text\":\"a\"}", .warning = "unknown word 'tru'"},
    {"{\"n\":True,\"text\":\"a\"}", .warning = "unknown word 'True'"},
    {"{\"n\":nulls,\"text\":\"a\"}", .warning = "unknown word 'nulls'"},
    {"{\"n\":[1 2],\"text\":\"a\"}",
     .warning = "',' or ']' expected after an array element, not '2' at column 9"},
    {"{\"a\":1 \"text\":\"a\"}", .warning = "',' or '}' expected after an object member"},
    {"{\"n\":0x10,\"text\":\"a\"}",
     .warning = "',' or '}' expected after an object member, not 'x'"},
    {"{\"text\":\"a\"]", .warning = "',' or '}' expected after an object member, not ']'"},
    {"[\"a\"}", .warning = "',' or ']' expected after an array element, not '}'"},
    {"}", .warning = "'}' where a value was expected"},
    {"{\"n\":-,\"text\":\"a\"}", .warning = "a digit must follow '-', not ','"},
    {"{\"n\":1.5.2,\"text\":\"a\"}",
     .warning = "',' or '}' expected after an object member, not '.'"},
    {"\xc3\xa9", .warning = "byte 0xC3 where a value was expected"},
    /* jansson accepts this one: it loses a NUL byte read as a number's
     * look-ahead. */
    {"{\"n\":1\0,\"text\":\"a\"}", .warning = "not byte 0x00 at column 7", .length = 19},
    {"{\"text\":\"a\"}\0", .warning = "byte 0x00 after the end of the JSON value", .length = 13},
    {"{\"text\":\"a\0b\"}", .warning = "control character 0x00 in a string", .length = 14},
};

/* Write the cases as one file, walk it and check every line's outcome. */
static void check_jsonl_cases(const jsonl_case *cases, size_t count, const char *name)
{
    byte_buffer content = BUFFER_INIT;
    for (size_t i = 0; i < count; i++) {
        size_t length = cases[i].length ? cases[i].length : strlen(cases[i].line);
        buffer_append(&content, cases[i].line, length);
        buffer_append_byte(&content, '\n');
    }
    cr_assert(!buffer_failed(&content));
    char *path = write_file(name, content.data, content.length);
    buffer_free(&content);
    source_stats stats;
    walk_one(path, &stats);

    size_t next_document = 0;
    size_t next_warning = 0;
    for (size_t i = 0; i < count; i++) {
        const jsonl_case *c = &cases[i];
        size_t line = i + 1;
        if (c->text) {
            cr_assert_lt(next_document, collected.document_count, "line %zu: %s", line, c->line);
            const collected_document *got = &collected.documents[next_document++];
            cr_assert_eq(got->line, line, "line %zu (%s) gave no document", line, c->line);
            cr_assert_str_eq(got->text, c->text, "line %zu: %s", line, c->line);
            char fallback[600];
            snprintf(fallback, sizeof fallback, "%s:%zu", path, line);
            cr_assert_str_eq(got->id, c->id ? c->id : fallback, "line %zu: %s", line, c->line);
            if (c->title)
                cr_assert_str_eq(got->title, c->title, "line %zu: %s", line, c->line);
            if (c->date)
                cr_assert_str_eq(got->date, c->date, "line %zu: %s", line, c->line);
            else
                cr_assert_null(got->date, "line %zu: %s", line, c->line);
        } else {
            char prefix[600];
            snprintf(prefix, sizeof prefix, "%s:%zu: ", path, line);
            cr_assert_lt(next_warning, collected.warning_count, "line %zu: %s", line, c->line);
            const char *warning = collected.warnings[next_warning++];
            cr_assert(strncmp(warning, prefix, strlen(prefix)) == 0, "line %zu: %s gave %s",
                      line, c->line, warning);
            cr_assert(strstr(warning, c->warning), "line %zu: %s\n  got: %s\n  want: %s", line,
                      c->line, warning, c->warning);
        }
    }
    cr_assert_eq(next_document, collected.document_count);
    cr_assert_eq(next_warning, collected.warning_count);
    free(path);
}

Test(sources, json_lines_strict_accepts)
{
    size_t count = sizeof jsonl_accepted / sizeof jsonl_accepted[0];
    size_t documents = 0;
    for (size_t i = 0; i < count; i++)
        documents += jsonl_accepted[i].text != NULL;
    cr_assert_geq(count, 40);
    check_jsonl_cases(jsonl_accepted, count, "accepted.jsonl");
    cr_assert_eq(collected.document_count, documents);
}

Test(sources, json_lines_strict_rejects)
{
    size_t count = sizeof jsonl_rejected / sizeof jsonl_rejected[0];
    cr_assert_geq(count, 40);
    check_jsonl_cases(jsonl_rejected, count, "rejected.jsonl");
    cr_assert_eq(collected.document_count, 0);
    for (size_t i = 0; i < collected.warning_count; i++)
        cr_assert(strstr(collected.warnings[i], ": invalid JSON: "), "%s", collected.warnings[i]);
}

/* `opening` repeated `times`, then `inner`, then the closings. */
static char *nested(const char *prefix, const char *opening, const char *closing, size_t times,
                    const char *inner, const char *suffix)
{
    byte_buffer out = BUFFER_INIT;
    buffer_append(&out, prefix, strlen(prefix));
    for (size_t i = 0; i < times; i++)
        buffer_append(&out, opening, strlen(opening));
    buffer_append(&out, inner, strlen(inner));
    for (size_t i = 0; i < times; i++)
        buffer_append(&out, closing, strlen(closing));
    buffer_append(&out, suffix, strlen(suffix));
    buffer_append_byte(&out, 0);
    cr_assert(!buffer_failed(&out));
    return (char *)out.data;
}

/* jansson counts every value, the record itself being depth 1: 2047 arrays
 * inside the record may be empty but hold nothing, 2048 are too deep. */
Test(sources, json_lines_nesting_limit)
{
    char *lines[] = {
        nested("{\"deep\":", "[", "]", 2047, "", ",\"text\":\"arrays at the limit\"}"),
        nested("{\"deep\":", "[", "]", 2046, "1", ",\"text\":\"scalar at the limit\"}"),
        nested("{\"deep\":", "{\"a\":", "}", 2046, "{}", ",\"text\":\"objects at the limit\"}"),
        nested("{\"deep\":", "[", "]", 2048, "", ",\"text\":\"too deep\"}"),
        nested("{\"deep\":", "[", "]", 2047, "1", ",\"text\":\"scalar too deep\"}"),
        nested("{\"deep\":", "{\"a\":", "}", 2047, "1", ",\"text\":\"objects too deep\"}"),
        nested("", "[", "]", 100000, "", ""),
    };
    jsonl_case cases[] = {
        {.line = lines[0], .text = "arrays at the limit"},
        {.line = lines[1], .text = "scalar at the limit"},
        {.line = lines[2], .text = "objects at the limit"},
        {lines[3], .warning = "nested deeper than 2048 levels at column 2056"},
        {lines[4], .warning = "nested deeper than 2048 levels at column 2056"},
        {lines[5], .warning = "nested deeper than 2048 levels"},
        {lines[6], .warning = "nested deeper than 2048 levels at column 2049"},
    };
    check_jsonl_cases(cases, sizeof cases / sizeof cases[0], "deep.jsonl");
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        free(lines[i]);
}

Test(sources, json_lines_error_column_counts_the_byte_order_mark)
{
    char *path = write_text("bom.jsonl", "\xef\xbb\xbf{\"n\":01}\n{\"n\":01}\n");
    walk_one(path, NULL);
    expect_warning(":1: invalid JSON: leading zero in a number at column 9");
    expect_warning(":2: invalid JSON: leading zero in a number at column 6");
    free(path);
}

/* ------------------------------- JSON Lines: differential against jansson */

/* Random JSON Lines records, valid and damaged, read through source_walk
 * and compared line by line with what the previous reader built on
 * jansson's DOM would deliver.  jansson decides validity with
 * JSON_DECODE_ANY (a top-level scalar is valid JSON, just not a record),
 * except for lines holding a NUL byte: jansson drops a NUL read as the
 * look-ahead after a number or a word ("[1\0]" passes), which RFC 8259 does
 * not allow, so those lines are expected rejected and counted. */

#define DIFFERENTIAL_LINES 20000
#define DIFFERENTIAL_SEED 20261123

static void random_space(testlib_rng *rng, byte_buffer *out)
{
    static const char spaces[] = " \t\r";
    while (testlib_rng_below(rng, 5) == 0)
        buffer_append_byte(out, (uint8_t)spaces[testlib_rng_below(rng, 3)]);
}

static void random_string(testlib_rng *rng, byte_buffer *out, size_t most)
{
    static const char *const pieces[] = {
        "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9",
        "\\u20AC", "\\uD83D\\uDE00", "\\udbff\\udfff", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "2020-02-29", "1999-12-31", " ", "  ", "\\u0020",
    };
    buffer_append_byte(out, '"');
    size_t count = testlib_rng_below(rng, most + 1);
    for (size_t i = 0; i < count; i++) {
        if (testlib_rng_below(rng, 4) == 0) {
            const char *piece = pieces[testlib_rng_below(rng, sizeof pieces / sizeof pieces[0])];
            buffer_append(out, piece, strlen(piece));
        } else {
            buffer_append_byte(out, (uint8_t)("abcdefghij xyz.,-0123"[testlib_rng_below(rng, 21)]));
        }
    }
    /* Rarely, forms that are invalid whole rather than by a damaged byte. */
    if (testlib_rng_below(rng, 300) == 0)
        buffer_append(out, "\\u0000", 6);
    buffer_append_byte(out, '"');
}

static void random_number(testlib_rng *rng, byte_buffer *out)
{
    static const char *const edges[] = {
        "0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "1e308", "1.7976931348623157e308", "1.7976931348623159e308",
        "1e309", "-1e400", "1e-400", "0.1", "-0.0", "1E+2", "2.5e-3", "123456789012345678",
        "1234567890123456789012", "0e0",
    };
    char number[64];
    switch (testlib_rng_below(rng, 4)) {
    case 0: {
        const char *edge = edges[testlib_rng_below(rng, sizeof edges / sizeof edges[0])];
        buffer_append(out, edge, strlen(edge));
        return;
    }
    case 1:
        snprintf(number, sizeof number, "%.6g", (testlib_rng_unit(rng) - 0.5) * 1e6);
        break;
    case 2:
        snprintf(number, sizeof number, "%de%d", (int)testlib_rng_below(rng, 100),
                 (int)testlib_rng_below(rng, 700) - 350);
        break;
    default:
        snprintf(number, sizeof number, "%lld", (long long)testlib_rng_next(rng) >>
                                                    testlib_rng_below(rng, 64));
        break;
    }
    buffer_append(out, number, strlen(number));
}

static void random_value(testlib_rng *rng, byte_buffer *out, int depth)
{
    static const char *const words[] = {"true", "false", "null"};
    uint64_t choice = testlib_rng_below(rng, depth > 3 ? 3 : 5);
    random_space(rng, out);
    if (choice == 0) {
        random_string(rng, out, 12);
    } else if (choice == 1) {
        random_number(rng, out);
    } else if (choice == 2) {
        const char *word = words[testlib_rng_below(rng, 3)];
        buffer_append(out, word, strlen(word));
    } else {
        int object = choice == 3;
        buffer_append_byte(out, object ? '{' : '[');
        size_t count = testlib_rng_below(rng, 4);
        for (size_t i = 0; i < count; i++) {
            if (i > 0)
                buffer_append_byte(out, ',');
            if (object) {
                random_space(rng, out);
                random_string(rng, out, 4);
                random_space(rng, out);
                buffer_append_byte(out, ':');
            }
            random_value(rng, out, depth + 1);
        }
        if (count > 0 && testlib_rng_below(rng, 30) == 0)
            buffer_append_byte(out, ',');
        random_space(rng, out);
        buffer_append_byte(out, object ? '}' : ']');
    }
    random_space(rng, out);
}

/* A record: mostly objects with the wanted members (as strings, numbers
 * or other values, sometimes twice, sometimes with an escaped name) among
 * others, sometimes an array or a scalar, rarely nested near the limit. */
static void random_record(testlib_rng *rng, byte_buffer *out)
{
    static const char *const names[] = {
        "\"id\"", "\"title\"", "\"text\"", "\"body\"", "\"date\"", "\"\\u0074ext\"",
        "\"i\\u0064\"", "\"other\"", "\"\"", "\"text \"",
    };
    if (testlib_rng_below(rng, 20) == 0) {
        random_value(rng, out, 0);
        return;
    }
    random_space(rng, out);
    buffer_append_byte(out, '{');
    size_t count = testlib_rng_below(rng, 7);
    /* Most records carry a text member, or few would become documents. */
    size_t text_at = testlib_rng_below(rng, 4) ? testlib_rng_below(rng, count + 1) : count + 1;
    if (text_at == count)
        count++;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            buffer_append_byte(out, ',');
        random_space(rng, out);
        const char *name = i == text_at
                               ? "\"text\""
                               : names[testlib_rng_below(rng, sizeof names / sizeof names[0])];
        buffer_append(out, name, strlen(name));
        random_space(rng, out);
        buffer_append_byte(out, ':');
        uint64_t kind = testlib_rng_below(rng, 200);
        if (kind < 120) {
            random_space(rng, out);
            random_string(rng, out, 40);
        } else if (kind < 199) {
            random_value(rng, out, 1);
        } else {
            size_t levels = 2044 + testlib_rng_below(rng, 6);
            for (size_t level = 0; level < levels; level++)
                buffer_append_byte(out, '[');
            if (testlib_rng_below(rng, 2))
                buffer_append_byte(out, '7');
            for (size_t level = 0; level < levels; level++)
                buffer_append_byte(out, ']');
        }
    }
    random_space(rng, out);
    buffer_append_byte(out, '}');
    random_space(rng, out);
}

/* Damage: insert, delete or replace a byte, or cut the line; never a
 * newline, which would split it. */
static void mutate(testlib_rng *rng, byte_buffer *line)
{
    static const char interesting[] = "{}[]:,\"\\/ \t\r0123456789-+.eEutrfalsnx'\x01\x1f\x7f"
                                      "\xc3\xa9\xed\xa0\x80\xff";
    size_t at = line->length ? testlib_rng_below(rng, line->length + 1) : 0;
    uint8_t byte;
    if (testlib_rng_below(rng, 8) == 0)
        byte = 0;
    else if (testlib_rng_below(rng, 2))
        byte = (uint8_t)interesting[testlib_rng_below(rng, sizeof interesting - 1)];
    else
        byte = (uint8_t)testlib_rng_below(rng, 256);
    if (byte == '\n')
        byte = ' ';
    switch (testlib_rng_below(rng, 4)) {
    case 0:
        buffer_append_byte(line, 0);
        memmove(line->data + at + 1, line->data + at, line->length - 1 - at);
        line->data[at] = byte;
        break;
    case 1:
        if (at < line->length) {
            memmove(line->data + at, line->data + at + 1, line->length - at - 1);
            line->length--;
        }
        break;
    case 2:
        if (at < line->length)
            line->data[at] = byte;
        break;
    default:
        line->length = at;
        break;
    }
}

typedef enum { EXPECT_NOTHING, EXPECT_INVALID, EXPECT_SKIP, EXPECT_DOCUMENT } expect_kind;

typedef struct expected_line {
    expect_kind kind;
    const char *warning; /* EXPECT_SKIP: what the warning says */
    char *id;
    char *title;
    char *text;
    char *date;
} expected_line;

/* What the jansson-based reader made of one line (after the reader's own
 * CR, blank-line and UTF-8 handling, which did not change). */
static void jansson_expectation(const uint8_t *bytes, size_t length, const char *path,
                                size_t line_number, expected_line *expected,
                                size_t *nul_accepted_by_jansson)
{
    memset(expected, 0, sizeof *expected);
    if (length > 0 && bytes[length - 1] == '\r')
        length--;
    if (!source_has_text((const char *)bytes, length))
        return;
    byte_buffer repaired = BUFFER_INIT;
    source_utf8_repair(bytes, length, &repaired, NULL);
    cr_assert(!buffer_failed(&repaired));
    json_error_t error;
    json_t *record = json_loadb((const char *)repaired.data, repaired.length, JSON_DECODE_ANY,
                               &error);
    if (repaired.length && memchr(repaired.data, 0, repaired.length)) {
        if (record)
            ++*nul_accepted_by_jansson;
        json_decref(record);
        record = NULL;
    }
    buffer_free(&repaired);
    if (!record) {
        expected->kind = EXPECT_INVALID;
        return;
    }
    expected->kind = EXPECT_SKIP;
    json_t *text = json_object_get(record, "text");
    if (!text)
        text = json_object_get(record, "body");
    if (!json_is_object(record))
        expected->warning = NOT_OBJECT;
    else if (!json_is_string(text))
        expected->warning = NO_TEXT_FIELD;
    else if (!source_has_text(json_string_value(text), json_string_length(text)))
        expected->warning = "no text, skipped";
    if (expected->warning) {
        json_decref(record);
        return;
    }
    expected->kind = EXPECT_DOCUMENT;
    const char *body = json_string_value(text);
    expected->text = duplicate(body);
    char number[600];
    json_t *id = json_object_get(record, "id");
    if (json_is_string(id) && json_string_length(id) > 0)
        snprintf(number, sizeof number, "%s", json_string_value(id));
    else if (json_is_integer(id))
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    else if (json_is_real(id))
        snprintf(number, sizeof number, "%.17g", json_real_value(id));
    else
        snprintf(number, sizeof number, "%s:%zu", path, line_number);
    expected->id = json_is_string(id) && json_string_length(id) > 0
                       ? duplicate(json_string_value(id))
                       : duplicate(number);
    byte_buffer title = BUFFER_INIT;
    json_t *title_value = json_object_get(record, "title");
    /* No title field: no title (none is derived from the first line). */
    if (json_is_string(title_value))
        source_title_clean(json_string_value(title_value), json_string_length(title_value),
                           &title);
    else
        source_title_clean("", 0, &title);
    cr_assert(!buffer_failed(&title));
    expected->title = duplicate((const char *)title.data);
    buffer_free(&title);
    char date[11];
    json_t *date_value = json_object_get(record, "date");
    if (json_is_string(date_value) &&
        source_parse_date(json_string_value(date_value), json_string_length(date_value), date))
        expected->date = duplicate(date);
    json_decref(record);
}

/* The line number of a per-line warning "path:N: ...", 0 for others. */
static size_t warning_line(const char *warning, const char *path)
{
    size_t path_length = strlen(path);
    if (strncmp(warning, path, path_length) != 0 || warning[path_length] != ':')
        return 0;
    char *end;
    unsigned long long line = strtoull(warning + path_length + 1, &end, 10);
    return *end == ':' ? (size_t)line : 0;
}

Test(sources, json_lines_agree_with_jansson)
{
    testlib_rng rng;
    testlib_rng_seed(&rng, DIFFERENTIAL_SEED);
    byte_buffer file = BUFFER_INIT;
    byte_buffer line = BUFFER_INIT;
    size_t *line_starts = malloc((DIFFERENTIAL_LINES + 1) * sizeof *line_starts);
    cr_assert_not_null(line_starts);
    for (size_t i = 0; i < DIFFERENTIAL_LINES; i++) {
        buffer_reset(&line);
        random_record(&rng, &line);
        /* The first line stays intact: damage there could forge a BOM. */
        if (i > 0 && testlib_rng_below(&rng, 2)) {
            size_t mutations = 1 + testlib_rng_below(&rng, 3);
            for (size_t m = 0; m < mutations; m++)
                mutate(&rng, &line);
        }
        line_starts[i] = file.length;
        buffer_append(&file, line.data, line.length);
        buffer_append_byte(&file, '\n');
    }
    line_starts[DIFFERENTIAL_LINES] = file.length;
    cr_assert(!buffer_failed(&file) && !buffer_failed(&line));
    char *path = write_file("random.jsonl", file.data, file.length);

    expected_line *expected = calloc(DIFFERENTIAL_LINES + 1, sizeof *expected);
    cr_assert_not_null(expected);
    size_t nul_accepted_by_jansson = 0;
    size_t counts[4] = {0};
    for (size_t i = 0; i < DIFFERENTIAL_LINES; i++) {
        jansson_expectation(file.data + line_starts[i], line_starts[i + 1] - line_starts[i] - 1,
                            path, i + 1, &expected[i + 1], &nul_accepted_by_jansson);
        counts[expected[i + 1].kind]++;
    }
    cr_log_info("%zu lines: %zu blank, %zu invalid, %zu skipped, %zu documents; jansson "
                "accepted %zu lines holding a NUL byte",
                (size_t)DIFFERENTIAL_LINES, counts[EXPECT_NOTHING], counts[EXPECT_INVALID],
                counts[EXPECT_SKIP], counts[EXPECT_DOCUMENT], nul_accepted_by_jansson);
    /* Enough of each outcome for the comparison to mean something. */
    cr_assert_gt(counts[EXPECT_INVALID], DIFFERENTIAL_LINES / 10);
    cr_assert_gt(counts[EXPECT_DOCUMENT], DIFFERENTIAL_LINES / 4);
    cr_assert_gt(counts[EXPECT_SKIP], DIFFERENTIAL_LINES / 20);

    source_stats stats;
    walk_one(path, &stats);
    char *seen = calloc(DIFFERENTIAL_LINES + 1, 1);
    cr_assert_not_null(seen);
    for (size_t i = 0; i < collected.warning_count; i++) {
        const char *warning = collected.warnings[i];
        size_t number = warning_line(warning, path);
        if (number == 0)
            continue; /* the file's invalid UTF-8 summary */
        if (strstr(warning, ": cannot read the date '"))
            continue; /* a record jansson delivers too, without its date */
        cr_assert(number <= DIFFERENTIAL_LINES && !seen[number], "%s", warning);
        seen[number] = 1;
        const expected_line *want = &expected[number];
        const uint8_t *bytes = file.data + line_starts[number - 1];
        int length = (int)(line_starts[number] - line_starts[number - 1] - 1);
        if (want->kind == EXPECT_INVALID)
            cr_assert(strstr(warning, ": invalid JSON: "),
                      "line %zu <%.*s>: jansson rejects, got %s", number, length, bytes, warning);
        else if (want->kind == EXPECT_SKIP)
            cr_assert(strstr(warning, want->warning), "line %zu <%.*s>: want %s, got %s", number,
                      length, bytes, want->warning, warning);
        else
            cr_assert_fail("line %zu <%.*s>: jansson %s, got %s", number, length, bytes,
                           want->kind == EXPECT_DOCUMENT ? "delivers it" : "skips it silently",
                           warning);
    }
    for (size_t i = 0; i < collected.document_count; i++) {
        const collected_document *got = &collected.documents[i];
        size_t number = (size_t)got->line;
        cr_assert(number >= 1 && number <= DIFFERENTIAL_LINES && !seen[number]);
        seen[number] = 1;
        const expected_line *want = &expected[number];
        const uint8_t *bytes = file.data + line_starts[number - 1];
        int length = (int)(line_starts[number] - line_starts[number - 1] - 1);
        cr_assert_eq(want->kind, EXPECT_DOCUMENT, "line %zu <%.*s>: delivered, jansson: kind %d",
                     number, length, bytes, (int)want->kind);
        cr_assert_str_eq(got->text, want->text, "line %zu <%.*s>", number, length, bytes);
        cr_assert_str_eq(got->id, want->id, "line %zu <%.*s>", number, length, bytes);
        cr_assert_str_eq(got->title, want->title, "line %zu <%.*s>", number, length, bytes);
        if (want->date)
            cr_assert_str_eq(got->date, want->date, "line %zu <%.*s>", number, length, bytes);
        else
            cr_assert_null(got->date, "line %zu <%.*s>", number, length, bytes);
    }
    for (size_t number = 1; number <= DIFFERENTIAL_LINES; number++)
        cr_assert(seen[number] == (expected[number].kind != EXPECT_NOTHING),
                  "line %zu: nothing reported, jansson kind %d", number,
                  (int)expected[number].kind);
    cr_assert_eq(stats.documents, counts[EXPECT_DOCUMENT]);

    for (size_t i = 0; i <= DIFFERENTIAL_LINES; i++) {
        free(expected[i].id);
        free(expected[i].title);
        free(expected[i].text);
        free(expected[i].date);
    }
    free(expected);
    free(seen);
    free(line_starts);
    buffer_free(&file);
    buffer_free(&line);
    free(path);
}

/* Found by fuzz-json-scan: an empty buffer may be NULL. */
Test(sources, json_scan_of_nothing_is_invalid)
{
    static const char *const names[] = {"text"};
    json_scan scan;
    json_scan_init(&scan, names, 1);
    cr_assert_eq(json_scan_text(&scan, NULL, 0), 0);
    cr_assert_str_eq(scan.error_detail, "a value expected, found the end of the line");
    cr_assert_eq(scan.error_offset, 0);
    json_scan_free(&scan);
}
