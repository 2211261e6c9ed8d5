/*
 * native-build.c — the native engine's side of cops_build (build-engine.h):
 * analysed documents to a committed index directory.
 *
 * Documents come from the driver (build.c), analysed on the feed's stage
 * thread, and go to the inverter and segment writer (segment-build.c) ->
 * a new segment, fsynced; then the manifest is replaced atomically.
 * Until that rename nothing a reader sees changes, and every failure
 * path removes what this build wrote.
 *
 * Incremental builds: the files catalog of the last commit says which
 * file produced which documents.  Files whose size and modification time
 * are unchanged are not read; a changed file (its content hash differs)
 * and a file no longer among the inputs have their documents marked in
 * their segment's deletion bitmap; new and changed files go to the new
 * segment.  Too many segments, or too many deleted documents, and all
 * live documents are merged into one segment (re-analysed from their
 * stored text), committed as the next generation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>
#include <xxhash.h>

#include "analysis/analyzer.h"
#include "base/array.h"
#include "base/error.h"
#include "base/file.h"
#include "cops.h"
#include "index-format/catalog.h"
#include "index-format/manifest.h"
#include "index-format/names.h"
#include "index-format/segment.h"
#include "indexer/build-engine.h"
#include "indexer/merge.h"
#include "indexer/roots.h"
#include "indexer/segment-build.h"
#include "indexer/source.h"

#define MERGE_ABOVE_SEGMENTS 8       /* more segments than this: merge */
#define MERGE_ABOVE_DELETED_PERCENT 40 /* more deleted documents than this: merge */

/* Exclusive writer lock on dir/LOCK, holding our pid for the message a
 * second writer gets.  Released when the descriptor closes.  LOCK is
 * truncated and written, so it must be a regular file of its own
 * (file_open_lock), never a link to someone's file. */
static int lock_index(const char *dir, int wait, int *fd_out, cops_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, NAMES_LOCK);
    int fd;
    int rc = file_open_lock(path, &fd, err);
    if (rc != 0)
        return rc;
    int locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (!locked && wait && errno == EWOULDBLOCK) {
        int status;
        while ((status = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
            continue;
        locked = status == 0;
    }
    if (!locked) {
        char holder[32] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        return error_set(err, COPS_ELOCKED, "index %s is being updated by pid %s", dir,
                         holder[0] ? holder : "?");
    }
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    ssize_t written = ftruncate(fd, 0) == 0 ? pwrite(fd, pid, (size_t)length, 0) : -1;
    if (written != length) {
        int errnum = written < 0 ? errno : ENOSPC; /* a short write sets no errno */
        close(fd);
        return error_set_errno(err, COPS_EIO, errnum, "cannot write %s", path);
    }
    *fd_out = fd;
    return 0;
}

/* mkdir `path`, noting in *created (when NULL) a copy of it when made. */
static int make_one_directory(const char *path, char **created, cops_error *err)
{
    if (mkdir(path, 0755) != 0)
        return errno == EEXIST ? 0
                               : error_set_errno(err, COPS_EIO, errno, "cannot create %s", path);
    if (!*created && !(*created = strdup(path)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    return 0;
}

/* mkdir -p `dir`; *created (OUT) receives a copy of the outermost folder
 * it made, or NULL when `dir` was there. */
static int make_directory(const char *dir, char **created, cops_error *err)
{
    char path[4096];
    *created = NULL;
    if (strlen(dir) >= sizeof path)
        return error_set(err, COPS_EINVAL, "index path too long");
    strcpy(path, dir);
    int rc = 0;
    for (char *p = path + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        rc = make_one_directory(path, created, err);
        *p = '/';
    }
    if (rc == 0)
        rc = make_one_directory(path, created, err);
    if (rc != 0)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return error_set(err, COPS_EIO, "%s exists and is not a directory", path);
    return 0;
}

/* An index directory that has no MANIFEST must hold nothing but what an
 * interrupted first build of ours leaves (names_writer_made): a build
 * never mixes its files with the user's, nor later removes theirs. */
static int check_directory_ours(const char *dir, cops_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_NAME);
    int fd;
    int rc = file_open_regular(path, &fd, NULL, err);
    if (rc == 0)
        close(fd);
    if (rc != COPS_ENOINDEX)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return error_set_errno(err, COPS_EIO, errno, "cannot read the directory %s", dir);
    rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !names_writer_made(name))
            rc = error_set(err, COPS_EINVAL, "%s is not empty and holds no cops index (it has "
                           "%s/%s): give a new or empty directory to --index", dir, dir, name);
    }
    closedir(d);
    return rc;
}

/* Remove files of earlier builds that the committed manifest no longer
 * names: old segments, deletion bitmaps and catalogs, and leftovers of
 * interrupted builds.  Only the writer's exact names (names.h) and only
 * regular files: whatever else is in the directory is not ours. */
static void remove_unreferenced(const char *dir, const manifest *current)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (!names_generated(name))
            continue;
        int referenced = strcmp(current->files, name) == 0;
        for (size_t i = 0; i < current->segment_count; i++)
            referenced |= strcmp(current->segments[i].name, name) == 0
                          || strcmp(current->segments[i].deletions, name) == 0;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (!referenced && file_is_regular(path))
            unlink(path);
    }
    closedir(d);
}

/* ---------------------------------------------------- change tracking */

/* A file the walk reads: new, or changed since the last commit.  Filled
 * on the reader thread (on_file), read by this one after the walk. */
typedef struct file_read {
    char *path;
    uint64_t size;
    int64_t mtime_seconds;
    uint32_t mtime_nanoseconds;
    uint64_t hash;
} file_read;

/* Documents one file produced in the new segment (this thread). */
typedef struct file_range {
    char *path;
    uint32_t first, count;
} file_range;

typedef struct changes {
    catalog previous;            /* of the last commit, sorted */
    unsigned char *visited;      /* per previous entry: still among the inputs */
    unsigned char *replaced;     /* per previous entry: content changed */
    int catalog_touched;         /* unchanged content, new modification time */
    uint64_t unchanged;
    file_read *reads;
    size_t read_count, read_capacity;
    file_range *ranges;
    size_t range_count, range_capacity;
    uint64_t *seen;              /* hashes of the paths met in this run */
    size_t seen_count, seen_capacity;
    roots_list unreadable;       /* files and folders the walk could not read */
    source_resume resume;        /* where the walk reads a grown file from */
    uint64_t grown;              /* files read from where they ended */
    int out_of_memory;           /* noting one of them failed */
    cops_error error;            /* of on_file */
} changes;

/* 1 when `path` was already handed to the reader in this run (a file
 * named directly and through its folder is indexed once). */
static int already_read(changes *c, const char *path)
{
    uint64_t hash = XXH3_64bits(path, strlen(path));
    if (c->seen_count * 2 >= c->seen_capacity) {
        size_t capacity = c->seen_capacity ? c->seen_capacity * 2 : 1024;
        uint64_t *grown = calloc(capacity, sizeof *grown);
        if (!grown)
            return 0; /* at worst a duplicate document, as before */
        for (size_t i = 0; i < c->seen_capacity; i++)
            if (c->seen[i]) {
                size_t slot = c->seen[i] & (capacity - 1);
                while (grown[slot])
                    slot = (slot + 1) & (capacity - 1);
                grown[slot] = c->seen[i];
            }
        free(c->seen);
        c->seen = grown;
        c->seen_capacity = capacity;
    }
    hash |= 1; /* 0 marks an empty slot */
    size_t slot = hash & (c->seen_capacity - 1);
    while (c->seen[slot]) {
        if (c->seen[slot] == hash) {
            for (size_t i = 0; i < c->read_count; i++) /* a hash collision is not a repeat */
                if (strcmp(c->reads[i].path, path) == 0)
                    return 1;
        }
        slot = (slot + 1) & (c->seen_capacity - 1);
    }
    c->seen[slot] = hash;
    c->seen_count++;
    return 0;
}

/* Whether a file may be read from where it last ended when it only grew:
 * JSON Lines, not compressed (a gzip stream's old bytes change when it
 * grows, and its hash is of the compressed bytes). */
static int may_grow(const char *path)
{
    size_t length = strlen(path);
    return (length > 6 && strcasecmp(path + length - 6, ".jsonl") == 0)
           || (length > 7 && strcasecmp(path + length - 7, ".ndjson") == 0);
}

/* The file's size and time into `e`. */
static void note_status(catalog_entry *e, const struct stat *status, uint64_t hash)
{
    e->size = (uint64_t)status->st_size;
    e->mtime_seconds = (int64_t)status->st_mtim.tv_sec;
    e->mtime_nanoseconds = (uint32_t)status->st_mtim.tv_nsec;
    e->hash = hash;
}

static int on_file(void *context, const char *path, const struct stat *status, int fd)
{
    changes *c = context;
    if (already_read(c, path))
        return 0;
    size_t first = 0;
    catalog_entry *known = catalog_find(&c->previous, path, &first);
    size_t last = known ? (size_t)(known - c->previous.entries) : 0;
    if (known) {
        memset(c->visited + first, 1, last - first + 1);
        if (known->size == (uint64_t)status->st_size
            && known->mtime_seconds == (int64_t)status->st_mtim.tv_sec
            && known->mtime_nanoseconds == (uint32_t)status->st_mtim.tv_nsec) {
            c->unchanged++;
            return 0;
        }
    }
    uint64_t hash;
    catalog_prefix prefix;
    int grows = known && known->size > 0 && (uint64_t)status->st_size > known->size
                && may_grow(path);
    /* The walk's own descriptor: the bytes hashed are the bytes it reads
     * next (a pipe was already read into memory by the walk). */
    int hashed = catalog_hash_prefix(fd, path, grows ? known->size : 0, grows ? &prefix : NULL,
                                     &hash, &c->error);
    if (hashed == COPS_ENOMEM)
        return COPS_ENOMEM; /* not "unreadable": its old documents would stay */
    if (hashed != 0)
        return 1; /* unreadable: let the reader report it as usual */
    if (known && known->hash == hash) {
        note_status(known, status, hash);
        c->catalog_touched = 1;
        c->unchanged++;
        return 0;
    }
    /* Grown: the old bytes are those indexed, ending a line; only the new
     * lines are read, numbered on from the old ones. */
    int grown = grows && prefix.complete && prefix.hash == known->hash && prefix.last_byte == '\n';
    if (known && !grown)
        memset(c->replaced + first, 1, last - first + 1);
    if (ARRAY_RESERVE_ONE(c->reads, c->read_capacity, c->read_count, 64) != 0)
        return COPS_ENOMEM;
    file_read *r = &c->reads[c->read_count];
    if (!(r->path = strdup(path)))
        return COPS_ENOMEM;
    r->size = (uint64_t)status->st_size;
    r->mtime_seconds = (int64_t)status->st_mtim.tv_sec;
    r->mtime_nanoseconds = (uint32_t)status->st_mtim.tv_nsec;
    r->hash = hash;
    c->read_count++;
    if (!grown)
        return 1;
    /* The file's latest part carries its status, also when the new lines
     * hold no document. */
    c->resume.offset = known->size;
    c->resume.line = prefix.lines;
    note_status(known, status, hash);
    c->catalog_touched = 1;
    c->grown++;
    return SOURCE_READ_REST;
}

/* Count document `doc` of the new segment as coming from `path`. */
static int note_document(changes *c, const char *path, uint32_t doc)
{
    if (c->range_count > 0 && strcmp(c->ranges[c->range_count - 1].path, path) == 0) {
        c->ranges[c->range_count - 1].count++;
        return 0;
    }
    if (ARRAY_RESERVE_ONE(c->ranges, c->range_capacity, c->range_count, 64) != 0)
        return COPS_ENOMEM;
    file_range *r = &c->ranges[c->range_count];
    if (!(r->path = strdup(path)))
        return COPS_ENOMEM;
    r->first = doc;
    r->count = 1;
    c->range_count++;
    return 0;
}

static int compare_reads(const void *a, const void *b)
{
    return strcmp(((const file_read *)a)->path, ((const file_read *)b)->path);
}

static void changes_free(changes *c)
{
    roots_free(&c->unreadable);
    free(c->seen);
    catalog_free(&c->previous);
    free(c->visited);
    free(c->replaced);
    for (size_t i = 0; i < c->read_count; i++)
        free(c->reads[i].path);
    free(c->reads);
    for (size_t i = 0; i < c->range_count; i++)
        free(c->ranges[i].path);
    free(c->ranges);
}

/* ------------------------------------------------------------- build */

typedef struct previous_index {
    manifest manifest;
    deletions dels[MANIFEST_MAX_SEGMENTS];
    int dels_changed[MANIFEST_MAX_SEGMENTS];
    int usable;                  /* same analysis, catalog present */
    int older_catalog;           /* the catalog is of an older version */
} previous_index;

/* Load what an incremental build needs; `usable` stays 0 when the index
 * must be rebuilt (none, other analysis, no catalog). */
static int load_previous(const char *dir, const analyzer_config *config, previous_index *p,
                         changes *c, cops_error *err)
{
    cops_error ignored;
    if (manifest_read(dir, &p->manifest, &ignored) != 0 || !p->manifest.files[0])
        return 0;
    for (size_t s = 0; s < p->manifest.segment_count; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, p->manifest.segments[s].name);
        segment *seg = NULL;
        int rc = segment_open(path, &seg, err);
        if (rc != 0)
            return rc; /* damage: a rebuild is the user's call (--rebuild) */
        const segment_meta *meta = segment_get_meta(seg);
        int same = meta->stem == config->stem && strcmp(meta->language, config->language) == 0;
        uint32_t documents = segment_documents(seg);
        segment_close(seg);
        if (!same)
            return 0;
        rc = p->manifest.segments[s].deletions[0]
                 ? deletions_read(dir, p->manifest.segments[s].deletions, documents, &p->dels[s], err)
                 : deletions_init(&p->dels[s], documents, err);
        if (rc != 0)
            return rc;
    }
    int rc = catalog_read(dir, p->manifest.files, manifest_documents(&p->manifest), &c->previous,
                          err);
    if (rc == COPS_EVERSION) {
        /* An older cops's catalog: its paths are not identities, so
         * nothing of it can be matched; start over from the inputs. */
        p->older_catalog = 1;
        return 0;
    }
    if (rc != 0)
        return rc;
    c->visited = calloc(c->previous.count + 1, 1);
    c->replaced = calloc(c->previous.count + 1, 1);
    if (!c->visited || !c->replaced)
        return error_set(err, COPS_ENOMEM, "out of memory");
    p->usable = 1;
    return 0;
}

/* ------------------------------------------------------------ the engine */

typedef struct native_build {
    const char *index_dir;
    cops_build_options options;
    analyzer_config config;
    size_t budget;               /* of the inverter, in bytes */
    analyzer *text_analyzer;
    int lock_fd;
    previous_index previous;
    changes tracked;
    uint64_t generation;         /* of the commit this build makes */
    char segment_name[MANIFEST_MAX_NAME];
    segment_build *builder;
    segment_build_stage *analysis; /* the feed's stage */
    roots_list roots;            /* of the index once this build commits */
    roots_list refreshed;        /* walked (or removed) by this build */
    char *created;               /* the outermost folder this build created, or NULL */
    const build_request *request_ids; /* a --delete build: its request, else NULL */
    int committed;               /* a manifest of this build is in place */
} native_build;

/* A first build that fails leaves nothing behind: the files it wrote in
 * the directory it created, and the folders it created.  Only names the
 * writer makes (names.h) are removed, so rmdir fails, leaving the
 * folder, if anything else appeared there meanwhile. */
static void remove_created_directory(native_build *b)
{
    DIR *d = opendir(b->index_dir);
    if (d) {
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", b->index_dir, entry->d_name);
            if (names_writer_made(entry->d_name) && file_is_regular(path))
                unlink(path);
        }
        closedir(d);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s", b->index_dir);
    size_t top = strlen(b->created);
    for (;;) {
        size_t length = strlen(path);
        while (length > 1 && path[length - 1] == '/')
            path[--length] = '\0';
        if (rmdir(path) != 0 || length <= top)
            break;
        char *slash = strrchr(path, '/');
        if (!slash || slash == path)
            break;
        *slash = '\0';
    }
}

static void native_free(native_build *b)
{
    segment_build_abort(b->builder);
    segment_build_stage_free(b->analysis);
    if (b->lock_fd >= 0)
        close(b->lock_fd);
    if (b->created && !b->committed)
        remove_created_directory(b);
    free(b->created);
    roots_free(&b->roots);
    roots_free(&b->refreshed);
    for (size_t s = 0; s < MANIFEST_MAX_SEGMENTS; s++)
        deletions_free(&b->previous.dels[s]);
    changes_free(&b->tracked);
    analyzer_free(b->text_analyzer);
    free(b);
}

/* What this build starts from: the last commit when it can be updated,
 * else nothing but its generation number. */
static int open_previous(native_build *b, cops_error *err)
{
    previous_index *previous = &b->previous;
    int rc = 0;
    if (!b->options.rebuild) {
        rc = load_previous(b->index_dir, &b->config, previous, &b->tracked, err);
    } else {
        /* Starting over still continues the generations: the new segment
         * must never take the name of a segment readers are using. */
        cops_error ignored;
        manifest_read(b->index_dir, &previous->manifest, &ignored);
    }
    if (rc == 0 && !previous->usable) {
        /* Start over: nothing of the old index is kept but its roots,
         * which a run naming no path refreshes. */
        catalog_free(&b->tracked.previous);
        catalog old;
        cops_error ignored;
        if (previous->manifest.files[0]
            && catalog_read(b->index_dir, previous->manifest.files,
                            manifest_documents(&previous->manifest), &old, &ignored) == 0) {
            catalog *kept = &b->tracked.previous;
            kept->roots = old.roots;
            kept->root_count = old.root_count;
            kept->root_capacity = old.root_capacity;
            old.roots = NULL;
            old.root_count = 0;
            catalog_free(&old);
        }
        for (size_t s = 0; s < previous->manifest.segment_count; s++)
            deletions_free(&previous->dels[s]);
        uint64_t generation = previous->manifest.generation;
        memset(&previous->manifest, 0, sizeof previous->manifest);
        previous->manifest.generation = generation;
    }
    return rc;
}

/* The roots after this build (b->roots) and the ones it walks or removes
 * (b->refreshed), from the roots the index had and the request. */
static int settle_roots(native_build *b, const build_request *request, cops_error *err)
{
    const catalog *known = &b->tracked.previous;
    int keep_known = request->refresh_all || !b->options.rebuild || b->options.remove;
    int rc = 0;
    for (size_t i = 0; rc == 0 && keep_known && i < known->root_count; i++)
        rc = roots_add(&b->roots, known->roots[i]);
    if (request->refresh_all) {
        for (size_t i = 0; rc == 0 && i < known->root_count; i++)
            rc = roots_add(&b->refreshed, known->roots[i]);
        if (rc == 0 && known->root_count == 0)
            return error_set(err, COPS_EINVAL, "nothing to index: %s has no roots%s; name the "
                             "files and folders to index", b->index_dir,
                             b->previous.older_catalog ? " (an older cops built it)" : "");
    } else {
        for (size_t i = 0; rc == 0 && i < request->root_count; i++) {
            rc = roots_add(&b->refreshed, request->roots[i]);
            if (b->options.remove)
                roots_remove_under(&b->roots, request->roots[i]);
            else if (rc == 0 && strcmp(request->roots[i], "-") != 0)
                rc = roots_add(&b->roots, request->roots[i]); /* stdin is no root */
        }
    }
    if (rc != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    if (b->roots.count > CATALOG_MAX_ROOTS)
        return error_set(err, COPS_ELIMIT, "more than %d roots: index the folders that hold "
                         "these files instead", CATALOG_MAX_ROOTS);
    return 0;
}

/* 1 when the roots after this build differ from those it started with. */
static int roots_changed(const native_build *b, const catalog *before)
{
    if (b->roots.count != before->root_count)
        return 1;
    for (size_t i = 0; i < before->root_count; i++)
        if (strcmp(b->roots.paths[i], before->roots[i]) != 0)
            return 1;
    return 0;
}

static int native_on_file(void *context, const char *path, const struct stat *status, int fd)
{
    return on_file(&((native_build *)context)->tracked, path, status, fd);
}

static void native_on_unreadable(void *context, const char *path)
{
    changes *tracked = &((native_build *)context)->tracked;
    char *canonical = NULL;
    /* The walk's paths are canonical already, but a named pipe's is not
     * worth trusting: canonicalise as the roots were. */
    if (roots_canonical(path, &canonical) != 0 || roots_add(&tracked->unreadable, canonical) != 0)
        tracked->out_of_memory = 1;
    free(canonical);
}

static int native_add(void *context, const source_document *document, const uint8_t *prepared,
                      size_t prepared_length, cops_error *err)
{
    native_build *b = context;
    uint32_t doc = segment_build_documents(b->builder);
    int rc = segment_build_add(b->builder, document, prepared, prepared_length, err);
    if (rc == 0 && note_document(&b->tracked, document->path, doc) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    return rc;
}

/* Whether a previous file's documents stay: it was read unchanged, or
 * lies outside the roots this build refreshes, or could not be read
 * (an unreadable file or folder keeps what it had).  A removal keeps
 * only what lies outside the paths it names. */
static int previous_kept(const native_build *b, size_t i)
{
    const changes *tracked = &b->tracked;
    const char *path = tracked->previous.entries[i].path;
    if (!roots_any_contains(&b->refreshed, path))
        return 1;
    if (b->options.remove || tracked->replaced[i])
        return 0;
    return tracked->visited[i] || roots_any_contains(&tracked->unreadable, path);
}

/* What the previous documents became: kept in `files`, or deleted (in
 * their segment's bitmap, counted in *deleted, and in *removed unless
 * their file changed and is read again). */
static int settle_previous(native_build *b, catalog *files, uint64_t *deleted,
                           uint64_t *removed, cops_error *err)
{
    previous_index *previous = &b->previous;
    const changes *tracked = &b->tracked;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < tracked->previous.count; i++) {
        catalog_entry *e = &tracked->previous.entries[i];
        if (previous_kept(b, i)) {
            rc = catalog_add(files, e, err);
            continue;
        }
        for (size_t s = 0; s < previous->manifest.segment_count; s++) {
            if (strcmp(previous->manifest.segments[s].name, e->segment) != 0)
                continue;
            uint32_t before = previous->dels[s].deleted;
            deletions_mark(&previous->dels[s], e->first_doc, e->doc_count);
            *deleted += previous->dels[s].deleted - before;
            if (!tracked->replaced[i])
                *removed += previous->dels[s].deleted - before;
            previous->dels_changed[s] = 1;
        }
    }
    return rc;
}

/* The files read by this build, each with its documents in the new
 * segment, into `files`. */
static int catalog_new_files(native_build *b, catalog *files, cops_error *err)
{
    changes *tracked = &b->tracked;
    if (tracked->read_count > 1)
        qsort(tracked->reads, tracked->read_count, sizeof *tracked->reads, compare_reads);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < tracked->range_count; i++) {
        file_read key = {tracked->ranges[i].path, 0, 0, 0, 0};
        file_read *r = tracked->read_count ? bsearch(&key, tracked->reads, tracked->read_count,
                                                     sizeof *tracked->reads, compare_reads)
                                           : NULL;
        catalog_entry e;
        memset(&e, 0, sizeof e);
        e.path = tracked->ranges[i].path;
        if (r) {
            e.size = r->size;
            e.mtime_seconds = r->mtime_seconds;
            e.mtime_nanoseconds = r->mtime_nanoseconds;
            e.hash = r->hash;
        }
        snprintf(e.segment, sizeof e.segment, "%s", b->segment_name);
        e.first_doc = tracked->ranges[i].first;
        e.doc_count = tracked->ranges[i].count;
        rc = catalog_add(files, &e, err);
    }
    return rc;
}

/* Write the new segment, the changed deletion bitmaps and `files`, and
 * commit them as generation `next`.  Older segments with live documents
 * keep their place; changed bitmaps get new files (the old ones stay
 * valid for readers of the previous generation). */
static int commit_generation(native_build *b, catalog *files, segment_build_result *built,
                             manifest *next, cops_error *err)
{
    const previous_index *previous = &b->previous;
    int rc = segment_build_finish(b->builder, built, err);
    b->builder = NULL;
    for (size_t s = 0; rc == 0 && s < previous->manifest.segment_count; s++) {
        manifest_segment seg = previous->manifest.segments[s];
        if (previous->dels[s].deleted == seg.documents) {
            /* The segment goes: a file still listed there had all its
             * records deleted by id, and leaves the catalog. */
            for (size_t i = 0; i < files->count; i++)
                if (strcmp(files->entries[i].segment, seg.name) == 0)
                    files->entries[i].doc_count = 0;
            catalog_drop_empty(files);
            continue;
        }
        if (previous->dels_changed[s]) {
            names_deletions(seg.deletions, seg.name, b->generation);
            seg.deleted = previous->dels[s].deleted;
            rc = deletions_write(b->index_dir, seg.deletions, &previous->dels[s], err);
        }
        next->segments[next->segment_count++] = seg;
    }
    if (rc == 0 && built->documents > 0) {
        if (next->segment_count == MANIFEST_MAX_SEGMENTS)
            rc = error_set(err, COPS_ELIMIT, "too many segments: run cops-index --merge");
        else {
            manifest_segment *seg = &next->segments[next->segment_count++];
            snprintf(seg->name, sizeof seg->name, "%s", b->segment_name);
            seg->bytes = built->bytes;
            seg->documents = built->documents;
        }
    }
    names_catalog(next->files, b->generation);
    if (rc == 0) {
        catalog_sort(files);
        rc = catalog_write(b->index_dir, next->files, files, err);
    }
    int committed = 0;
    if (rc == 0)
        rc = manifest_commit(b->index_dir, next, &committed, err);
    b->committed |= committed;
    if (rc != 0 && !committed) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", b->index_dir, b->segment_name);
        unlink(path);
    }
    return rc;
}

/* One segment, reordered, nothing deleted: what --optimize makes, so
 * --optimize again has nothing to do. */
static int already_optimized(const char *dir, const manifest *next)
{
    if (next->segment_count != 1 || next->segments[0].deleted != 0)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, next->segments[0].name);
    segment *seg = NULL;
    int reordered = segment_open(path, &seg, NULL) == 0 && segment_is_reordered(seg);
    segment_close(seg);
    return reordered;
}

/* The merge policy: bounded segments, bounded deleted documents (or the
 * caller's --merge, or --optimize unless done already). */
static int merge_wanted(const char *dir, const cops_build_options *options, const manifest *next)
{
    uint64_t live = 0, stored = 0;
    for (size_t s = 0; s < next->segment_count; s++) {
        live += next->segments[s].documents - next->segments[s].deleted;
        stored += next->segments[s].documents;
    }
    return next->segment_count > 0
           && ((options->merge && (next->segment_count > 1 || live < stored))
               || (options->reorder && !already_optimized(dir, next))
               || next->segment_count > MERGE_ABOVE_SEGMENTS
               || (stored > 0 && (stored - live) * 100 > stored * MERGE_ABOVE_DELETED_PERCENT));
}

/* All live documents of `next` into one segment, committed as the
 * generation after it; `next` becomes that commit (and *merged 1) when it
 * was made. */
static int commit_merge(native_build *b, manifest *next, int *merged,
                        cops_build_summary *summary, cops_error *err)
{
    size_t merged_count = next->segment_count; /* `next` changes on commit */
    deletions *dels = calloc(merged_count, sizeof *dels);
    catalog current_files;
    memset(&current_files, 0, sizeof current_files);
    int rc = dels ? catalog_read(b->index_dir, next->files, manifest_documents(next),
                                 &current_files, err)
                  : error_set(err, COPS_ENOMEM, "out of memory");
    for (size_t s = 0; rc == 0 && s < next->segment_count; s++)
        rc = next->segments[s].deletions[0]
                 ? deletions_read(b->index_dir, next->segments[s].deletions,
                                  (uint32_t)next->segments[s].documents, &dels[s], err)
                 : deletions_init(&dels[s], (uint32_t)next->segments[s].documents, err);
    manifest merged_manifest;
    memset(&merged_manifest, 0, sizeof merged_manifest);
    merged_manifest.generation = next->generation + 1;
    manifest_segment *seg = &merged_manifest.segments[0];
    names_segment(seg->name, merged_manifest.generation);
    merge_result result;
    memset(&result, 0, sizeof result);
    if (rc == 0)
        rc = merge_segments(b->index_dir, next, dels, &current_files, seg->name, b->text_analyzer,
                            &b->config, b->budget, b->options.reorder, &result, err);
    seg->bytes = result.bytes;
    seg->documents = result.documents;
    summary->reordered = result.reordered;
    summary->reorder_seconds = result.reorder_seconds;
    summary->reorder_memory_bytes = result.reorder_memory_bytes;
    summary->reorder_cost_before = result.cost_before;
    summary->reorder_cost_after = result.cost_after;
    merged_manifest.segment_count = 1;
    names_catalog(merged_manifest.files, merged_manifest.generation);
    if (rc == 0) {
        catalog_sort(&current_files);
        rc = catalog_write(b->index_dir, merged_manifest.files, &current_files, err);
    }
    int committed = 0;
    if (rc == 0)
        rc = manifest_commit(b->index_dir, &merged_manifest, &committed, err);
    if (committed) {
        *next = merged_manifest;
        *merged = 1;
    }
    for (size_t s = 0; dels && s < merged_count; s++)
        deletions_free(&dels[s]);
    free(dels);
    catalog_free(&current_files);
    return rc;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The live document of the previous index whose identifier is one of
 * `ids` (options.delete_ids: a record's id field, or a file's path),
 * marked deleted; every document is read (its metadata only).  An id
 * found nowhere is a warning, counted in *missing. */
static int delete_by_id(native_build *b, const build_request *request, uint64_t *deleted,
                        uint64_t *missing, cops_error *err)
{
    previous_index *previous = &b->previous;
    size_t count = request->id_count;
    char **sorted = calloc(count + 1, sizeof *sorted);
    unsigned char *found = calloc(count + 1, 1);
    int rc = sorted && found ? 0 : error_set(err, COPS_ENOMEM, "out of memory");
    if (rc == 0) {
        memcpy(sorted, request->ids, count * sizeof *sorted);
        qsort(sorted, count, sizeof *sorted, compare_strings);
        size_t unique = 0;
        for (size_t i = 0; i < count; i++)
            if (unique == 0 || strcmp(sorted[unique - 1], sorted[i]) != 0)
                sorted[unique++] = sorted[i];
        count = unique;
    }
    for (size_t s = 0; rc == 0 && s < previous->manifest.segment_count; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", b->index_dir, previous->manifest.segments[s].name);
        segment *seg = NULL;
        rc = segment_open(path, &seg, err);
        for (uint32_t doc = 0; rc == 0 && doc < segment_documents(seg); doc++) {
            segment_metadata meta;
            if (deletions_test(&previous->dels[s], doc))
                continue;
            rc = segment_read_metadata(seg, doc, &meta, err);
            char id[4096];
            if (rc != 0 || meta.id_length >= sizeof id)
                continue;
            memcpy(id, meta.id, meta.id_length);
            id[meta.id_length] = '\0';
            const char *key = id;
            char **hit = bsearch(&key, sorted, count, sizeof *sorted, compare_strings);
            if (!hit)
                continue;
            found[hit - sorted] = 1;
            deletions_mark(&previous->dels[s], doc, 1);
            previous->dels_changed[s] = 1;
            (*deleted)++;
        }
        segment_close(seg);
    }
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (found[i])
            continue;
        build_warn(&b->options, "no document has the id '%s'", sorted[i]);
        (*missing)++;
    }
    free(sorted);
    free(found);
    return rc;
}

static int native_commit(void *context, const source_stats *read, cops_build_summary *summary,
                         cops_error *err)
{
    native_build *b = context;
    const previous_index *previous = &b->previous;
    uint64_t deleted_now = 0, removed_now = 0;
    catalog files;
    memset(&files, 0, sizeof files);
    int rc = b->tracked.out_of_memory ? error_set(err, COPS_ENOMEM, "out of memory") : 0;
    if (rc == 0)
        rc = settle_previous(b, &files, &deleted_now, &removed_now, err);
    if (rc == 0 && b->request_ids) {
        uint64_t by_id = 0;
        rc = delete_by_id(b, b->request_ids, &by_id, &summary->inputs_missing, err);
        deleted_now += by_id;
        removed_now += by_id;
    }
    uint32_t new_documents = segment_build_documents(b->builder);
    uint64_t live_before = 0, live_kept = 0;
    for (size_t s = 0; s < previous->manifest.segment_count; s++) {
        live_before += previous->manifest.segments[s].documents
                       - previous->manifest.segments[s].deleted;
        live_kept += previous->manifest.segments[s].documents - previous->dels[s].deleted;
    }
    /* Nothing found where the run looked, and nothing was there before
     * (or the index would be empty): a mistake worth an error. */
    size_t in_scope = 0;
    for (size_t i = 0; i < b->tracked.previous.count; i++)
        in_scope += (size_t)roots_any_contains(&b->refreshed, b->tracked.previous.entries[i].path);
    if (rc == 0 && new_documents == 0 && !b->options.remove && !b->request_ids
        && (live_kept == 0 || in_scope == 0))
        rc = error_set(err, COPS_EINPUT, "no documents to index in the given inputs (%llu skipped)",
                       (unsigned long long)read->skipped);
    int changed = new_documents > 0 || deleted_now > 0 || b->tracked.catalog_touched
                  || !previous->usable || roots_changed(b, &b->tracked.previous);
    files.roots = b->roots.paths;
    files.root_count = b->roots.count;
    files.root_capacity = b->roots.capacity;
    memset(&b->roots, 0, sizeof b->roots);
    if (rc == 0)
        rc = catalog_new_files(b, &files, err);

    segment_build_result built;
    memset(&built, 0, sizeof built);
    manifest next;
    memset(&next, 0, sizeof next);
    next.generation = b->generation;
    if (!changed)
        next = previous->manifest; /* up to date: nothing written */
    else if (rc == 0)
        rc = commit_generation(b, &files, &built, &next, err);
    /* before a merge, which may take the unused segment's name */
    segment_build_abort(b->builder);
    b->builder = NULL;
    int merged = 0;
    if (rc == 0 && merge_wanted(b->index_dir, &b->options, &next))
        rc = commit_merge(b, &next, &merged, summary, err);
    if (rc == 0)
        remove_unreferenced(b->index_dir, &next);

    summary->documents = built.documents;
    summary->documents_deleted = deleted_now;
    summary->documents_removed = removed_now;
    summary->documents_before = live_before;
    summary->files_unchanged = b->tracked.unchanged;
    summary->files_grown = b->tracked.grown;
    summary->terms = built.terms;
    summary->postings = built.postings;
    summary->tokens = built.tokens;
    summary->index_bytes = built.bytes;
    summary->invalid_utf8 += built.counts.invalid_sequences;
    summary->long_tokens = built.counts.long_tokens;
    summary->peak_memory_bytes = built.peak_memory_bytes;
    summary->up_to_date = rc == 0 && !changed && !merged;
    summary->merged = merged;
    summary->segments = next.segment_count;
    for (size_t s = 0; s < next.segment_count; s++)
        summary->documents_total += next.segments[s].documents - next.segments[s].deleted;
    catalog_free(&files);
    native_free(b);
    return rc;
}

static void native_abort(void *context) { native_free(context); }

int native_build_begin(const build_request *request, build_engine *engine, cops_error *err)
{
    native_build *b = calloc(1, sizeof *b);
    if (!b)
        return error_set(err, COPS_ENOMEM, "out of memory");
    b->lock_fd = -1;
    b->index_dir = request->index_dir;
    b->options = *request->options;
    if (request->id_count > 0)
        b->request_ids = request;
    b->config = *request->analysis;
    b->budget = b->options.memory_mb * 1024 * 1024 / 10 * 7; /* the rest: analysis, I/O */
    int rc = analyzer_new(&b->config, &b->text_analyzer, err);
    if (rc == 0)
        rc = make_directory(b->index_dir, &b->created, err);
    if (rc == 0)
        rc = check_directory_ours(b->index_dir, err);
    if (rc == 0)
        rc = lock_index(b->index_dir, b->options.wait, &b->lock_fd, err);
    if (rc == 0)
        rc = open_previous(b, err);
    if (rc == 0)
        rc = settle_roots(b, request, err);
    if (rc == 0 && b->previous.older_catalog && !request->refresh_all)
        build_warn(&b->options, "%s was built by an older cops, whose catalog has no roots: indexing "
                    "the paths given from scratch", b->index_dir);
    b->generation = b->previous.manifest.generation + 1;
    names_segment(b->segment_name, b->generation);
    if (rc == 0)
        rc = segment_build_begin(b->index_dir, b->segment_name, b->text_analyzer, &b->config,
                                 b->budget, &b->builder, err);
    /* Three threads besides the compressor: reading, analysis (the
     * stage), and the driver's inverting. */
    if (rc == 0)
        rc = segment_build_stage_new(&b->config, &b->analysis, err);
    if (rc != 0) {
        native_free(b);
        return rc;
    }
    engine->context = b;
    engine->stage.prepare = segment_build_prepare;
    engine->stage.context = b->analysis;
    engine->on_file = native_on_file;
    engine->on_unreadable = native_on_unreadable;
    engine->resume = &b->tracked.resume;
    engine->known_roots = (const char *const *)b->refreshed.paths;
    engine->known_root_count = b->refreshed.count;
    engine->keeps_roots = 1;
    engine->add = native_add;
    engine->commit = native_commit;
    engine->abort = native_abort;
    return 0;
}

int native_index_roots(const char *dir, char ***roots, size_t *count, cops_error *err)
{
    *roots = NULL;
    manifest m;
    int rc = manifest_read(dir, &m, err);
    catalog files;
    memset(&files, 0, sizeof files);
    if (rc == 0 && m.files[0])
        rc = catalog_read(dir, m.files, manifest_documents(&m), &files, err);
    char **list = rc == 0 ? calloc(files.root_count + 1, sizeof *list) : NULL;
    if (rc == 0 && !list)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc == 0) {
        /* The catalog's strings change hands. */
        memcpy(list, files.roots, files.root_count * sizeof *list);
        *count = files.root_count;
        files.root_count = 0;
        *roots = list;
    }
    catalog_free(&files);
    return rc;
}
