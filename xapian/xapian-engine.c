/*
 * xapian-engine.c — the Xapian engine (xapian-engine.h).
 */
#include "config.h"

#include "xapian/xapian-engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "indexer/record-ids.h"
#include "query/results.h"
#include "xapian/cops_xapian.h"
#include "xapian/xapian-stub.h"
#include "xapian/xapian-plan.h"

#define MAX_SHARDS 1024
#define COMMIT_EVERY 10000 /* documents between flushes: bounds Xapian's buffers */
#define REMOTE_TIMEOUT_MS 10000

/* ------------------------------------------------------------- files */

/* Remove everything in the folder `dir_fd`, never following a symbolic
 * link: each folder is opened relative to its parent's descriptor with
 * O_NOFOLLOW, and each entry unlinked relative to its folder's, so that
 * a folder renamed or swapped for a link meanwhile redirects nothing.
 * What cannot be removed (or opened: the descriptors bound the depth) is
 * left. */
static void remove_entry(int parent, const char *name);

static void remove_below(int dir_fd)
{
    int copy = dup(dir_fd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        if (copy >= 0)
            close(copy);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            remove_entry(dir_fd, name);
    }
    closedir(d);
}

/* Remove `name` of the folder `parent`: a folder with what it holds, or
 * a file or link (never followed). */
static void remove_entry(int parent, const char *name)
{
    int child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (child >= 0) {
        remove_below(child);
        close(child);
        unlinkat(parent, name, AT_REMOVEDIR);
    } else {
        unlinkat(parent, name, 0); /* a file or link, never a folder */
    }
}

/* Remove `path` and everything below it, as rm -r would but never
 * through a symbolic link, even one swapped in for a folder while the
 * removal runs (by someone who may write the tree: the old index a
 * rebuild replaces is such a tree): each folder is held open and its
 * entries removed relative to it.  A link at `path` itself is removed,
 * not followed.  nftw, even with FTW_PHYS, removed by path: a folder
 * swapped for a link between its listing and its entries' removal sent
 * the removals into the link's target. */
static void remove_tree(const char *path)
{
    char parent_path[4096];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!slash)
        snprintf(parent_path, sizeof parent_path, ".");
    else if ((size_t)(slash - path) >= sizeof parent_path)
        return;
    else
        snprintf(parent_path, sizeof parent_path, "%.*s", slash == path ? 1 : (int)(slash - path),
                 path);
    if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return;
    int parent = open(parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0)
        return;
    remove_entry(parent, name);
    close(parent);
}

/* The name to give Xapian, which opens files by path, for the folder
 * `fd` held open (named `path`): "/proc/self/fd/N" in out[size] where
 * the system resolves it to that very folder, else `path` itself.
 * Through the held folder, someone who may write its parent and swaps it
 * for a symbolic link (to another Xapian index of the user's) redirects
 * nothing. */
static const char *held_name(int fd, const char *path, char *out, size_t size)
{
    snprintf(out, size, "/proc/self/fd/%d", fd);
    struct stat held, named;
    return fstat(fd, &held) == 0 && stat(out, &named) == 0 && held.st_dev == named.st_dev
                   && held.st_ino == named.st_ino
               ? out
               : path;
}

/* A message that names the folder as Xapian was handed it (`root`)
 * names it as the user gave it (`path`) instead, wherever it does. */
static int name_as_given(int rc, cops_error *err, const char *root, const char *path)
{
    if (!err || root == path)
        return rc;
    char given[sizeof err->message];
    size_t length = 0, root_length = strlen(root);
    for (const char *from = err->message, *at; length < sizeof given - 1; from = at + root_length) {
        at = strstr(from, root);
        int n = at ? snprintf(given + length, sizeof given - length, "%.*s%s", (int)(at - from),
                              from, path)
                   : snprintf(given + length, sizeof given - length, "%s", from);
        length += n < 0 ? 0 : (size_t)n;
        if (!at || n < 0)
            break;
    }
    memcpy(err->message, given, sizeof given);
    return rc;
}

/* What a read handle keeps until it is closed (cops_xapian_db_hold):
 * the folder it was opened through, and the pins of its glass databases
 * (xapian-stub.h), whose private folders Xapian opens files from. */
typedef struct held_files {
    int dir_fd; /* -1: none (a stub file the user named) */
    size_t count;
    xapian_pin **pins;
    char **shown; /* per pin: the folder it pins, as named in messages */
} held_files;

static void release_held(void *context)
{
    held_files *h = context;
    for (size_t i = 0; i < h->count; i++) {
        xapian_pin_free(h->pins[i]);
        free(h->shown[i]);
    }
    free(h->pins);
    free(h->shown);
    if (h->dir_fd >= 0)
        close(h->dir_fd);
    free(h);
}

/* Before a reopen: every pin names the database's files of now. */
static int refresh_held(void *context)
{
    const held_files *h = context;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < h->count; i++)
        rc = xapian_pin_refresh(h->pins[i], NULL);
    return rc;
}

/* Pin the glass database held open as `dir_fd` into h; *dir (OUT) names
 * the private folder to hand Xapian. */
static int pin_into(held_files *h, int dir_fd, const char *shown, const char **dir, cops_error *err)
{
    xapian_pin **grown = realloc(h->pins, (h->count + 1) * sizeof *grown);
    if (grown)
        h->pins = grown;
    char **names = grown ? realloc(h->shown, (h->count + 1) * sizeof *names) : NULL;
    if (names)
        h->shown = names;
    char *name = names ? strdup(shown) : NULL;
    if (!name)
        return error_set(err, COPS_ENOMEM, "out of memory");
    int rc = xapian_pin_glass(dir_fd, shown, &h->pins[h->count], err);
    if (rc != 0) {
        free(name);
        return rc;
    }
    h->shown[h->count] = name;
    *dir = xapian_pin_dir(h->pins[h->count++]);
    return 0;
}

/* A message naming a pin's private folder names what it pins instead. */
static int name_pinned(int rc, cops_error *err, const held_files *h)
{
    for (size_t i = 0; rc != 0 && i < h->count; i++)
        name_as_given(rc, err, xapian_pin_dir(h->pins[i]), h->shown[i]);
    return rc;
}

/* Descriptors a search of `shards` glass databases may hold: each pin's
 * folder, source and seven files, and Xapian's own opens of the same
 * files through the links (about 7 a shard then, against 4 before the
 * pins).  The soft limit of open files is raised toward the hard one to
 * make room, as a process that needs more than the usual 1,024 should:
 * else a --shards 150 index that opened before the pins would fail with
 * "Too many open files" at the default soft limit.  Nothing is lowered,
 * and a limit that cannot be raised is left for the open to report. */
#define SHARD_DESCRIPTORS 16
#define OTHER_DESCRIPTORS 256

static void make_room_for_shards(size_t shards)
{
    struct rlimit limit;
    if (shards > ((rlim_t)-1 - OTHER_DESCRIPTORS) / SHARD_DESCRIPTORS
        || getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t wanted = (rlim_t)shards * SHARD_DESCRIPTORS + OTHER_DESCRIPTORS;
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted)
        return;
    limit.rlim_cur = limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted ? limit.rlim_max
                                                                                : wanted;
    setrlimit(RLIMIT_NOFILE, &limit);
}

/* The databases of the stub `stub_path` (read as a file the user named
 * when `named`: a symbolic link there is followed), each line checked
 * against what `allow` permits (xapian-stub.h), each glass database
 * pinned into `h`. */
static int open_stub(const char *stub_path, int named, unsigned allow, held_files *h,
                     cops_xapian_db **out, cops_error *err)
{
    xapian_stub stub;
    int rc = xapian_stub_read(stub_path, named, &stub, err);
    if (rc == 0)
        rc = xapian_stub_check(&stub, stub_path, allow, err);
    if (rc == 0)
        make_room_for_shards(stub.count);
    for (size_t i = 0; rc == 0 && i < stub.count; i++) {
        cops_xapian_shard *shard = &stub.shards[i];
        if (shard->kind != COPS_XAPIAN_SHARD_GLASS)
            continue;
        /* checked without links on its way by xapian_stub_check */
        int fd = open(shard->location, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const char *pinned = NULL;
        rc = fd < 0 ? error_set_errno(err, COPS_EIO, errno, "cannot open the Xapian database %s",
                                      shard->location)
                    : pin_into(h, fd, shard->location, &pinned, err);
        if (fd >= 0)
            close(fd);
        /* the stub owns its glass locations (xapian_stub_free) */
        char *location = rc == 0 ? strdup(pinned) : NULL;
        if (rc == 0 && !location)
            rc = error_set(err, COPS_ENOMEM, "out of memory");
        if (location) {
            free((char *)shard->location);
            shard->location = location;
        }
    }
    if (rc == 0)
        rc = cops_xapian_db_open_shards(stub.shards, stub.count, REMOTE_TIMEOUT_MS, out, err);
    xapian_stub_free(&stub);
    return name_pinned(rc, err, h);
}

/* The database at `path` (a glass directory, a directory holding a
 * XAPIANDB stub, or a stub file), opened read-only by cops itself so
 * that only what `allow` permits is obeyed (xapian-stub.h).  A directory
 * is held open from before its checks (only regular files in a glass
 * database, only real folders inside it on a stub's paths) until the
 * handle is closed, and Xapian is handed it as held_name says; each glass
 * database's files are pinned (xapian_pin_glass): what was checked is
 * what Xapian opens, even if the directory is swapped for a link, or a
 * file in it for a link, meanwhile or later. */
static int open_local(const char *path, unsigned allow, cops_xapian_db **out, cops_error *err)
{
    held_files *h = calloc(1, sizeof *h);
    if (!h)
        return error_set(err, COPS_ENOMEM, "out of memory");
    h->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = h->dir_fd;
    char name[64], stub_path[4096];
    const char *root = fd >= 0 ? held_name(fd, path, name, sizeof name) : path;
    const char *pinned;
    int rc = 0;
    if (fd < 0 && errno == ENOTDIR) { /* a stub file the user named */
        rc = open_stub(path, 1, allow, h, out, err);
    } else if (fd < 0) {
        rc = error_set_errno(err, errno == ENOENT ? COPS_ENOINDEX : COPS_EIO, errno,
                             "cannot open the Xapian database %s", path);
    } else if (xapian_has_regular_file(root, "iamglass")) {
        rc = xapian_glass_check(root, err);
        if (rc == 0)
            rc = pin_into(h, fd, root, &pinned, err);
        if (rc == 0)
            rc = name_pinned(cops_xapian_db_open(pinned, COPS_XAPIAN_READ, out, err), err, h);
    } else if ((size_t)snprintf(stub_path, sizeof stub_path, "%s/XAPIANDB", root)
               >= sizeof stub_path) {
        rc = error_set(err, COPS_ELIMIT, "index path too long");
    } else {
        rc = open_stub(stub_path, 0, allow, h, out, err); /* the directory's own stub */
    }
    if (rc == 0)
        cops_xapian_db_hold(*out, release_held, refresh_held, h);
    else
        release_held(h);
    return name_as_given(rc, err, root, path);
}

/* 1 when `path` is a Xapian index cops built: a real directory (not a
 * symlink) that opens with nothing allowed and records cops's analysis. */
static int built_by_cops(const char *path)
{
    struct stat status;
    if (lstat(path, &status) != 0 || !S_ISDIR(status.st_mode))
        return 0;
    cops_xapian_db *db = NULL;
    char *stem = NULL;
    int rc = open_local(path, 0, &db, NULL);
    if (rc == 0)
        rc = cops_xapian_get_metadata(db, "cops.stem", &stem, NULL);
    int built = rc == 0 && stem && *stem;
    free(stem);
    cops_xapian_db_close(db);
    return built;
}

/* 0 when a build may put its index at `index_dir`: nothing there, an
 * empty directory (removed), or a Xapian index cops built.  Anything else
 * (a file, a symlink, a native index, someone's directory) is refused:
 * a build replaces only what cops made. */
static int check_replaceable(const char *index_dir, cops_error *err)
{
    struct stat status;
    if (lstat(index_dir, &status) != 0)
        return 0;
    if (S_ISDIR(status.st_mode) && rmdir(index_dir) == 0)
        return 0; /* an empty directory */
    if (built_by_cops(index_dir))
        return 0;
    return error_set(err, COPS_EINVAL, "%s exists and is not a Xapian index built by cops: "
                     "choose another --index for the Xapian engine (it replaces only an empty "
                     "directory or a Xapian index cops built)", index_dir);
}

static uint64_t tree_bytes_total;
static int add_bytes(const char *path, const struct stat *status, int flag, struct FTW *walk)
{
    (void)path;
    (void)walk;
    if (flag == FTW_F)
        tree_bytes_total += (uint64_t)status->st_size;
    return 0;
}

static uint64_t tree_bytes(const char *path)
{
    tree_bytes_total = 0;
    nftw(path, add_bytes, 16, FTW_PHYS);
    return tree_bytes_total;
}

/* ------------------------------------------------------------- build */

static int record_analysis(cops_xapian_db *db, const analyzer_config *config, cops_error *err)
{
    int rc = cops_xapian_set_metadata(db, "cops.language", config->language, err);
    if (rc == 0)
        rc = cops_xapian_set_metadata(db, "cops.stem", config->stem ? "1" : "0", err);
    return rc;
}

/* Replace `target` by the complete `built` directory; the previous index
 * is checked again (it may have changed during the build), moved aside
 * and removed only when it is a Xapian index cops built. */
static int swap_in(const char *built, const char *target, cops_error *err)
{
    int rc = check_replaceable(target, err);
    if (rc != 0)
        return rc;
    struct stat status;
    if (lstat(target, &status) != 0)
        return rename(built, target) == 0
                   ? 0
                   : error_set_errno(err, COPS_EIO, errno, "cannot rename %s to %s", built, target);
    char old[4096];
    snprintf(old, sizeof old, "%s.old-%ld", target, (long)getpid());
    if (lstat(old, &status) == 0)
        return error_set(err, COPS_EIO, "%s exists: cannot move the previous index aside", old);
    if (rename(target, old) != 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot move the previous index %s aside",
                               target);
    if (rename(built, target) != 0) {
        int saved = errno;
        rename(old, target);
        return error_set_errno(err, COPS_EIO, saved, "cannot rename %s to %s", built, target);
    }
    remove_tree(old);
    return 0;
}

typedef struct xapian_build {
    char target[4000];           /* the index directory, without trailing '/' */
    char built[4032];            /* the fresh directory the build writes */
    int made;                    /* `built` exists */
    int built_fd;                /* `built`, held open from its creation, or -1 */
    char written[64];            /* how Xapian is given it (see create_databases) */
    unsigned shards;
    cops_xapian_db **dbs;
    analyzer *text_analyzer;
    const cops_build_options *options;
    uint64_t documents;          /* records added, replaced ones included */
    record_ids ids;              /* of the records this build read */
} xapian_build;

/* Close everything; remove the fresh directory unless it was swapped in. */
static void xapian_build_free(xapian_build *b, int keep)
{
    for (unsigned i = 0; b->dbs && i < b->shards; i++)
        cops_xapian_db_close(b->dbs[i]);
    free(b->dbs);
    analyzer_free(b->text_analyzer);
    record_ids_free(&b->ids);
    if (b->made && !keep)
        remove_tree(b->built);
    if (b->built_fd >= 0)
        close(b->built_fd);
    free(b);
}

/* The fresh directory: one database, or `shards` of them and a stub. */
static int create_databases(xapian_build *b, const analyzer_config *config, cops_error *err)
{
    /* mkdtemp: never an existing name */
    snprintf(b->built, sizeof b->built, "%s.building-XXXXXX", b->target);
    b->made = mkdtemp(b->built) != NULL;
    if (!b->made)
        return error_set_errno(err, COPS_EIO, errno, "cannot create %s", b->built);
    /* Held open, and handed to Xapian as /proc/self/fd/N where the system
     * has it: Xapian opens its files by path, and someone who may write
     * the index's parent could otherwise swap the fresh directory for a
     * symbolic link (to another Xapian index of the user's, which the
     * build would then overwrite). */
    b->built_fd = open(b->built, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (b->built_fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s, just created", b->built);
    const char *root = held_name(b->built_fd, b->built, b->written, sizeof b->written);
    if (!(b->dbs = calloc(b->shards, sizeof *b->dbs)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    int rc = 0;
    if (b->shards > 1) {
        char stub_path[4096];
        snprintf(stub_path, sizeof stub_path, "%s/XAPIANDB", b->built);
        int fd = openat(b->built_fd, "XAPIANDB",
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        FILE *stub = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!stub && fd >= 0)
            close(fd);
        for (unsigned i = 0; stub && i < b->shards; i++)
            fprintf(stub, "auto shard-%03u\n", i);
        if (!stub || fclose(stub) != 0)
            rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", stub_path);
    }
    for (unsigned i = 0; rc == 0 && i < b->shards; i++) {
        char path[4096];
        if (b->shards > 1)
            snprintf(path, sizeof path, "%s/shard-%03u", root, i);
        else
            snprintf(path, sizeof path, "%s", root);
        rc = cops_xapian_db_open(path, COPS_XAPIAN_CREATE_OR_OVERWRITE, &b->dbs[i], err);
        if (rc == 0)
            rc = record_analysis(b->dbs[i], config, err);
    }
    return rc;
}

static int commit_all(xapian_build *b, cops_error *err)
{
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < b->shards; i++)
        rc = cops_xapian_commit(b->dbs[i], err);
    return rc;
}

/* Upsert by id, as the native engine: a record whose id an earlier
 * record of this run had replaces it.  The earlier copy is deleted from
 * the shard its number says it went to, and the record is added like any
 * other, at the end: so document i still goes to shard i mod N, the
 * combined ids still equal the single-database ids, and the survivor
 * sits where it was read.  The copy is deleted by its number (document i
 * is the shard's (i / N + 1)-th, xapian_build_add checks it), not by its
 * id term: a file's id term is its absolute path, which a record may give
 * as its id, and that file is no earlier copy. */
static int drop_earlier_copy(xapian_build *b, cops_error *err)
{
    uint32_t earlier = b->ids.dropped[b->ids.dropped_count - 1];
    return cops_xapian_delete_document(b->dbs[earlier % b->shards], earlier / b->shards + 1, err);
}

/* Document i goes to shard i mod N (xapian-engine.h). */
static int xapian_build_add(void *context, const source_document *document,
                            const uint8_t *prepared, size_t prepared_length, cops_error *err)
{
    (void)prepared; /* no stage: analysed here */
    (void)prepared_length;
    xapian_build *b = context;
    if (b->documents >= UINT32_MAX)
        return error_set(err, COPS_ELIMIT, "more than %u documents: beyond Xapian's document "
                         "ids", UINT32_MAX - 1);
    int replaced = 0;
    int rc = record_ids_note(&b->ids, b->options, document, (uint32_t)b->documents, &replaced);
    if (rc != 0)
        return record_ids_error(&b->ids, rc, err); /* what the file failed at, or the limit */
    if (replaced && (rc = drop_earlier_copy(b, err)) != 0)
        return rc;
    cops_xapian_db *db = b->dbs[b->documents % b->shards];
    uint32_t docid = 0, expected = (uint32_t)(b->documents / b->shards + 1);
    rc = xapian_index_document(db, b->text_analyzer, document->id, document->title,
                               document->text, document->text_length,
                               source_date_number(document->date), 1, &docid, err);
    if (rc == 0 && docid != expected) /* drop_earlier_copy counts on it */
        rc = error_set(err, COPS_EIO, "Xapian numbered a document %u, not %u", docid, expected);
    b->documents++;
    if (rc == 0 && b->documents % COMMIT_EVERY == 0)
        rc = commit_all(b, err);
    return rc;
}

static int xapian_build_commit(void *context, const source_stats *read,
                               cops_build_summary *summary, cops_error *err)
{
    xapian_build *b = context;
    int rc = b->documents == 0
                 ? error_set(err, COPS_EINPUT, "no documents to index in the given inputs (%llu "
                             "skipped)", (unsigned long long)read->skipped)
                 : commit_all(b, err);
    for (unsigned i = 0; i < b->shards; i++) {
        cops_xapian_db_close(b->dbs[i]);
        b->dbs[i] = NULL;
    }
    struct stat held, named;
    if (rc == 0 && (fstat(b->built_fd, &held) != 0 || lstat(b->built, &named) != 0
                    || held.st_dev != named.st_dev || held.st_ino != named.st_ino))
        rc = error_set(err, COPS_EIO, "%s was moved or replaced during the build: the index is "
                       "left as it was", b->built);
    if (rc == 0)
        rc = swap_in(b->built, b->target, err);
    summary->documents = b->documents;
    summary->ids_repeated = b->ids.repeats;
    summary->documents_total = b->documents - b->ids.repeats;
    summary->index_bytes = rc == 0 ? tree_bytes(b->target) : 0;
    xapian_build_free(b, rc == 0);
    return rc;
}

static void xapian_build_abort(void *context) { xapian_build_free(context, 0); }

int xapian_build_begin(const build_request *request, build_engine *engine, cops_error *err)
{
    unsigned shards = request->options->shards ? request->options->shards : 1;
    if (shards > MAX_SHARDS)
        return error_set(err, COPS_ELIMIT, "--shards %u: at most %d", shards, MAX_SHARDS);
    if (strlen(request->index_dir) > 3900)
        return error_set(err, COPS_EINVAL, "index path too long");
    xapian_build *b = calloc(1, sizeof *b);
    if (!b)
        return error_set(err, COPS_ENOMEM, "out of memory");
    b->built_fd = -1;
    b->shards = shards;
    b->options = request->options;
    /* "idx/" names idx: the fresh directory goes beside it, not inside */
    snprintf(b->target, sizeof b->target, "%s", request->index_dir);
    for (size_t end = strlen(b->target); end > 1 && b->target[end - 1] == '/'; end--)
        b->target[end - 1] = '\0';
    int rc = check_replaceable(b->target, err);
    if (rc == 0)
        rc = analyzer_new(request->analysis, &b->text_analyzer, err);
    if (rc == 0)
        rc = create_databases(b, request->analysis, err);
    if (rc != 0) {
        xapian_build_free(b, 0);
        return rc;
    }
    memset(engine, 0, sizeof *engine);
    engine->context = b;
    engine->add = xapian_build_add;
    engine->commit = xapian_build_commit;
    engine->abort = xapian_build_abort;
    return 0;
}

/* -------------------------------------------------------------- open */

static int read_analysis(cops_index *index, cops_error *err)
{
    char *language = NULL, *stem = NULL;
    int rc = cops_xapian_get_metadata(index->xapian, "cops.language", &language, err);
    if (rc == 0)
        rc = cops_xapian_get_metadata(index->xapian, "cops.stem", &stem, err);
    if (rc == 0) {
        analyzer_config_init(&index->analysis);
        if (*stem) {
            index->analysis.stem = strcmp(stem, "1") == 0;
            snprintf(index->analysis.language, sizeof index->analysis.language, "%s", language);
        } /* a database cops did not build: the default analysis */
    }
    free(language);
    free(stem);
    return rc;
}

int xapian_engine_open(cops_index *index, const char *path, unsigned allow,
                       const char *const *host_ports, size_t count, cops_error *err)
{
    int rc = count > 0
                 ? cops_xapian_db_open_remote(host_ports, count, REMOTE_TIMEOUT_MS, &index->xapian, err)
                 : open_local(path, allow, &index->xapian, err);
    index->engine = COPS_ENGINE_XAPIAN;
    if (rc == 0)
        rc = cops_xapian_doc_count(index->xapian, &index->documents, err);
    if (rc == 0)
        rc = read_analysis(index, err);
    if (rc == 0)
        rc = analyzer_new(&index->analysis, &index->analyzer, err);
    return rc;
}

void xapian_engine_close(cops_index *index)
{
    cops_xapian_db_close(index->xapian);
    index->xapian = NULL;
}

/* ------------------------------------------------------------ search */

/* A document's stored record "id\ntitle\ntext" (xapian-plan.c) and date
 * value, split; `data` and `date_text` malloc'd, freed by the caller. */
typedef struct stored_record {
    char *data, *date_text;
    const char *id, *title, *text;
    size_t id_length, title_length, text_length;
    uint32_t date;
} stored_record;

/* The documents xapian_engine_document reads at most for one id term. */
#define ID_TERM_SHARERS 16

static int read_record(cops_index *index, uint32_t docid, stored_record *record, cops_error *err)
{
    size_t length = 0;
    int rc = cops_xapian_document_data(index->xapian, docid, &record->data, &length, err);
    if (rc == 0)
        rc = cops_xapian_document_value(index->xapian, docid, XAPIAN_PLAN_DATE_SLOT,
                                        &record->date_text, NULL, err);
    if (rc != 0)
        return rc;
    const char *end = record->data + length, *title;
    if (xapian_plan_stored_id(record->data, length, &record->id, &record->id_length, &title) != 0)
        return error_set(err, COPS_ECORRUPT, "damaged index: the data of Xapian document %u "
                         "gives a wrong id length", docid);
    const char *title_end = memchr(title, '\n', (size_t)(end - title));
    const char *text = title_end ? title_end + 1 : end;
    if (!title_end)
        title_end = end;
    record->title = title;
    record->title_length = (size_t)(title_end - title);
    record->text = text;
    record->text_length = (size_t)(end - text);
    record->date = strlen(record->date_text) == 8 ? (uint32_t)strtoul(record->date_text, NULL, 10)
                                                  : 0;
    return 0;
}

static int add_xapian_hit(cops_index *index, const snippet_plan *highlights,
                          cops_results *results, uint32_t docid, double score, cops_error *err)
{
    stored_record record = {0};
    int rc = read_record(index, docid, &record, err);
    if (rc == 0) {
        snippet_source source = {record.text, record.text_length, record.text_length, NULL, NULL};
        rc = results_add_hit(results, index->analyzer, highlights, docid - 1, score, record.id,
                             record.id_length, record.title, record.title_length, record.date,
                             &source, err);
    }
    free(record.data);
    free(record.date_text);
    return rc;
}

int xapian_engine_document(cops_index *index, const char *id, size_t max_text,
                           cops_document **out, cops_error *err)
{
    *out = NULL;
    char term[XAPIAN_PLAN_ID_TERM_MAX + 1];
    size_t id_length = strlen(id);
    xapian_plan_id_term(id, id_length, term);
    cops_xapian_query *q = cops_xapian_query_term(term);
    if (!q)
        return error_set(err, COPS_ENOMEM, "out of memory");
    /* A hashed id term may be shared (xapian-plan.h): the document is the
     * one whose stored id is `id`, byte for byte. */
    cops_xapian_results *found = NULL;
    int rc = cops_xapian_search(index->xapian, q, NULL, 0, ID_TERM_SHARERS, 0, &found, err);
    cops_xapian_query_free(q);
    if (rc != 0)
        return rc;
    stored_record record = {0};
    int matched = 0;
    for (size_t i = 0; rc == 0 && !matched && i < cops_xapian_results_count(found); i++) {
        free(record.data);
        free(record.date_text);
        memset(&record, 0, sizeof record);
        rc = read_record(index, cops_xapian_results_docid(found, i), &record, err);
        matched = rc == 0 && record.id_length == id_length
                  && memcmp(record.id, id, id_length) == 0;
    }
    cops_xapian_results_free(found);
    if (rc == 0 && !matched)
        rc = 1;
    if (rc == 0) {
        document_parts parts = {record.id, record.id_length, record.title, record.title_length,
                                record.date, record.text, record.text_length, record.text_length,
                                NULL};
        rc = document_new(&parts, max_text, out, err);
    }
    free(record.data);
    free(record.date_text);
    return rc;
}

int xapian_engine_search(cops_index *index, const query_node *query,
                         const cops_search_options *options, cops_results *results,
                         cops_error *err)
{
    xapian_plan_options plan;
    xapian_plan_options_init(&plan);
    plan.title_weight = options->title_weight;
    plan.max_prefix_terms = options->max_prefix_terms;
    plan.db = index->xapian;
    plan.max_query_prefix_terms = options->max_query_prefix_terms;
    lower_notes notes = {{NULL, 0, 0, 0}, {NULL, 0, 0, 0}};
    plan.notes = &notes;
    cops_xapian_query *q = NULL;
    int rc = xapian_plan_query(query, index->analyzer, &plan, &q, err);
    if (rc == 0)
        rc = results_add_notes(results, &notes, err);
    if (rc != 0) {
        cops_xapian_query_free(q);
        return rc;
    }
    /* Plain BM25 with cops's parameters: k2 = 0, k3 = 1, no length floor
     * (query/RANKING.md compares the formulas; cops's exact scheme cannot
     * be serialised to remote shards, so the Xapian engine uses Xapian's
     * own BM25 everywhere and remote scores equal local ones). */
    cops_xapian_weight weight;
    cops_xapian_weight_init(&weight);
    weight.k1 = options->k1;
    weight.b = options->b;
    weight.k2 = 0;
    weight.k3 = 1;
    weight.min_normlen = 0;
    /* Dates are stored as YYYYMMDD (xapian-plan.c): bytes compare as dates. */
    weight.order_slot = XAPIAN_PLAN_DATE_SLOT;
    weight.order = options->sort == COPS_SORT_DATE_OLDEST   ? COPS_XAPIAN_BY_VALUE
                   : options->sort == COPS_SORT_DATE_NEWEST ? COPS_XAPIAN_BY_VALUE_DESCENDING
                                                            : COPS_XAPIAN_BY_WEIGHT;
    size_t limit = options->count_only ? 0 : options->limit;
    int exact = options->exact_total || options->count_only;
    cops_xapian_results *found = NULL;
    rc = cops_xapian_search(index->xapian, q, &weight, options->offset, limit, exact, &found, err);
    cops_xapian_query_free(q);
    if (rc != 0)
        return rc;
    results->total = cops_xapian_results_total(found);
    results->total_exact = cops_xapian_results_total_is_exact(found);
    size_t count = cops_xapian_results_count(found);
    snippet_plan highlights = {0};
    if (options->snippets && count && snippet_plan_build(index->analyzer, query, &highlights) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = results_reserve(results, count, err);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = add_xapian_hit(index, &highlights, results, cops_xapian_results_docid(found, i),
                            cops_xapian_results_score(found, i), err);
    snippet_plan_free(&highlights);
    cops_xapian_results_free(found);
    return rc;
}
