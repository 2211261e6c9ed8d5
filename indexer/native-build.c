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
#include <time.h>
#include <dirent.h>
#include <unistd.h>
#include <xxhash.h>

#include "analysis/analyzer.h"
#include "base/array.h"
#include "base/error.h"
#include "base/file.h"
#include "base/hash.h"
#include "cops.h"
#include "index-format/catalog.h"
#include "index-format/codec.h"
#include "index-format/manifest.h"
#include "index-format/names.h"
#include "index-format/segment.h"
#include "indexer/build-engine.h"
#include "indexer/merge.h"
#include "indexer/record-ids.h"
#include "indexer/roots.h"
#include "indexer/segment-build.h"
#include "indexer/source.h"

#define MERGE_ABOVE_SEGMENTS 8       /* more segments than this: merge */
#define MERGE_ABOVE_DELETED_PERCENT 40 /* more deleted documents than this: merge */

/* Exclusive writer lock on dir/LOCK, holding our pid for the message a
 * second writer gets.  Released when the descriptor closes.  LOCK is
 * truncated and written, so it must be a regular file of its own
 * (file_open_lock), never a link to someone's file. */
static int lock_index(int dir_fd, const char *dir, int wait, int *fd_out, cops_error *err)
{
    int fd;
    int rc = file_open_lock_at(dir_fd, dir, NAMES_LOCK, &fd, err);
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
        return error_set_errno(err, COPS_EIO, errnum, "cannot write %s/%s", dir, NAMES_LOCK);
    }
    *fd_out = fd;
    return 0;
}

/* The index directory, held open from the start of a build, and the
 * folders the build created on the way to it: each made with mkdirat in
 * its parent held open and opened again with O_NOFOLLOW, so that a
 * failed first build removes exactly these (folder_remove_created)
 * through descriptors, whatever someone with write access to a parent
 * renames or swaps for a symbolic link meanwhile. */
typedef struct created_folder {
    char *name;       /* its name in its parent */
    int fd;           /* the folder itself */
    dev_t device;     /* what it is, to check before rmdir */
    ino_t inode;
} created_folder;

typedef struct index_folder {
    int fd;                   /* the index directory, or -1 */
    int top_parent;           /* the folder the outermost created one is in, or -1 */
    created_folder *created;  /* outermost first */
    size_t created_count;
} index_folder;

/* mkdirat(parent, name); 1 when made (and then recorded, its descriptor
 * the next parent), 0 when something is there, or an error. */
static int make_folder_at(index_folder *folder, int parent, const char *name, const char *path,
                          cops_error *err)
{
    if (mkdirat(parent, name, 0755) != 0)
        return errno == EEXIST ? 0
                               : error_set_errno(err, COPS_EIO, errno, "cannot create %s", path);
    created_folder *grown = realloc(folder->created,
                                    (folder->created_count + 1) * sizeof *folder->created);
    if (!grown)
        return error_set(err, COPS_ENOMEM, "out of memory");
    folder->created = grown;
    created_folder *made = &grown[folder->created_count];
    struct stat st;
    made->fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (made->fd < 0 || fstat(made->fd, &st) != 0) {
        int errnum = errno;
        if (made->fd >= 0)
            close(made->fd);
        return error_set_errno(err, COPS_EIO, errnum, "cannot open %s, just created", path);
    }
    if (!(made->name = strdup(name))) {
        close(made->fd);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    made->device = st.st_dev;
    made->inode = st.st_ino;
    folder->created_count++;
    return 1;
}

/* Make path[0, end) (path[end] is '/' or the end) unless it is there:
 * its parent is opened by path (the user's own folders may be links)
 * until this build has created a folder, then it is the last one made. */
static int make_folder(index_folder *folder, char *path, size_t end, cops_error *err)
{
    char saved = path[end];
    path[end] = '\0';
    char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    int rc = 0;
    if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        /* "a//b", "/" or a dot: nothing to make */
    } else if (folder->created_count > 0) {
        rc = make_folder_at(folder, folder->created[folder->created_count - 1].fd, name, path, err);
        rc = rc == 0 ? error_set(err, COPS_EIO, "%s appeared while being created", path)
                     : rc < 0 ? rc : 0;
    } else {
        if (slash)
            *slash = '\0';
        const char *parent_path = !slash ? "." : slash == path ? "/" : path;
        int parent = open(parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (slash)
            *slash = '/';
        if (parent < 0)
            rc = errno == ENOENT || errno == ENOTDIR
                     ? 0 /* a missing parent: mkdir -p reports the real failure below */
                     : error_set_errno(err, COPS_EIO, errno, "cannot open the folder of %s", path);
        else if ((rc = make_folder_at(folder, parent, name, path, err)) == 1)
            folder->top_parent = parent, rc = 0;
        else
            close(parent);
    }
    path[end] = saved;
    return rc;
}

/* mkdir -p `dir`, then hold it open in folder->fd. */
static int folder_open(index_folder *folder, const char *dir, cops_error *err)
{
    char path[4096];
    if (strlen(dir) >= sizeof path)
        return error_set(err, COPS_EINVAL, "index path too long");
    strcpy(path, dir);
    size_t length = strlen(path);
    int rc = 0;
    for (size_t at = 1; rc == 0 && at <= length; at++)
        if (at == length || path[at] == '/')
            rc = make_folder(folder, path, at, err);
    if (rc != 0)
        return rc;
    folder->fd = folder->created_count > 0
                     ? dup(folder->created[folder->created_count - 1].fd)
                     : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder->fd < 0)
        return errno == ENOTDIR || errno == EEXIST
                   ? error_set(err, COPS_EIO, "%s exists and is not a directory", dir)
                   : error_set_errno(err, COPS_EIO, errno, "cannot open the directory %s", dir);
    return 0;
}

/* The entries of the folder `fd` as a stream from its start (its own
 * descriptor: closedir leaves `fd` open). */
static DIR *folder_list(int fd)
{
    int copy = dup(fd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d && copy >= 0)
        close(copy);
    if (d)
        rewinddir(d);
    return d;
}

/* Unlink the regular file `name` of folder `fd`, never following a link. */
static void folder_unlink(int fd, const char *name)
{
    struct stat st;
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
        unlinkat(fd, name, 0);
}

/* A first build that fails leaves nothing behind: the files it wrote in
 * the directory it created, and the folders it created.  Only names the
 * writer makes (names.h) are removed, so rmdir fails, leaving the
 * folder, if anything else appeared there meanwhile; a folder is removed
 * only while its parent still holds the very folder this build made. */
static void folder_remove_created(index_folder *folder)
{
    if (folder->created_count == 0)
        return;
    int fd = folder->created[folder->created_count - 1].fd;
    DIR *d = folder_list(fd);
    if (d) {
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL)
            if (names_writer_made(entry->d_name))
                folder_unlink(fd, entry->d_name);
        closedir(d);
    }
    for (size_t i = folder->created_count; i-- > 0;) {
        const created_folder *made = &folder->created[i];
        int parent = i > 0 ? folder->created[i - 1].fd : folder->top_parent;
        struct stat st;
        if (fstatat(parent, made->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
            st.st_dev != made->device || st.st_ino != made->inode ||
            unlinkat(parent, made->name, AT_REMOVEDIR) != 0)
            break;
    }
}

static void folder_close(index_folder *folder)
{
    if (folder->fd >= 0)
        close(folder->fd);
    if (folder->top_parent >= 0)
        close(folder->top_parent);
    for (size_t i = 0; i < folder->created_count; i++) {
        close(folder->created[i].fd);
        free(folder->created[i].name);
    }
    free(folder->created);
}

/* 1 when the MANIFEST of `dir_fd` begins as every manifest of cops does,
 * 0 when not, or an error. */
static int manifest_is_ours(const char *dir, int dir_fd, cops_error *err)
{
    int fd;
    int rc = file_open_regular_at(dir_fd, dir, MANIFEST_NAME, &fd, NULL, err);
    if (rc != 0)
        return rc;
    char start[sizeof MANIFEST_MAGIC - 1];
    ssize_t got = pread(fd, start, sizeof start, 0);
    int errnum = errno;
    close(fd);
    if (got < 0)
        return error_set_errno(err, COPS_EIO, errnum, "cannot read %s/%s", dir, MANIFEST_NAME);
    return got == (ssize_t)sizeof start && memcmp(start, MANIFEST_MAGIC, sizeof start) == 0;
}

/* An index directory must hold a MANIFEST of ours, or nothing but what a
 * build of ours leaves (names_writer_made): a build never mixes its files
 * with the user's, nor later removes or replaces theirs.  A MANIFEST that
 * does not begin as ours is someone else's (a Perl distribution lists its
 * files in one), unless everything else there is ours and a segment,
 * catalog or bitmap among it: then it is our index's, damaged. */
static int check_directory_ours(const char *dir, int dir_fd, cops_error *err)
{
    int ours = manifest_is_ours(dir, dir_fd, err);
    if (ours == 1)
        return 0;
    if (ours < 0 && ours != COPS_ENOINDEX)
        return ours;
    int has_manifest = ours == 0;
    DIR *d = folder_list(dir_fd);
    if (!d)
        return error_set_errno(err, COPS_EIO, errno, "cannot read the directory %s", dir);
    const char *foreign = NULL;
    int generated = 0;
    struct dirent *entry;
    while (!foreign && (entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        generated |= names_generated(name);
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !names_writer_made(name)
            && !(has_manifest && strcmp(name, MANIFEST_NAME) == 0))
            foreign = name;
    }
    int rc = 0;
    if (foreign)
        rc = error_set(err, COPS_EINVAL, "%s is not empty and holds no cops index (it has "
                       "%s/%s%s): give a new or empty directory to --index", dir, dir, foreign,
                       has_manifest ? ", and a MANIFEST that is not a cops manifest" : "");
    else if (has_manifest && !generated)
        rc = error_set(err, COPS_EINVAL, "%s/%s is not a cops manifest: give a new or empty "
                       "directory to --index", dir, MANIFEST_NAME);
    closedir(d);
    return rc;
}

/* Remove files of earlier builds that the committed manifest no longer
 * names: old segments, deletion bitmaps and catalogs, and leftovers of
 * interrupted builds.  Only the writer's exact names (names.h) and only
 * regular files: whatever else is in the directory is not ours. */
static void remove_unreferenced(int dir_fd, const manifest *current)
{
    DIR *d = folder_list(dir_fd);
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
        if (!referenced)
            folder_unlink(dir_fd, name);
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

/* Documents one file produced in the new segment (this thread), all of
 * one format and encoding, with their lines when they are records. */
typedef struct file_range {
    char *path;
    uint32_t first, count;
    uint8_t format;                       /* CATALOG_FORMAT_* */
    char encoding[CATALOG_ENCODING_MAX];
    uint64_t *lines;                      /* `count` of them, or NULL */
    size_t line_capacity;
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
    uint64_t hash = hash_keyed(path, strlen(path)); /* paths are a stranger's names */
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

/* The catalog's name for a document's encoding: a name the catalog
 * would refuse (too long, odd bytes from a page's <meta charset>) is
 * "other". */
static void catalog_encoding(const char *encoding, char out[CATALOG_ENCODING_MAX])
{
    const char *name = encoding ? encoding : "";
    snprintf(out, CATALOG_ENCODING_MAX, "%s",
             catalog_encoding_valid(name, strlen(name)) ? name : "other");
}

/* Whether `document` continues the last range: same file, format and
 * encoding, and (for records) a later line. */
static int continues_range(const file_range *r, const source_document *document,
                           unsigned format, const char *encoding)
{
    if (strcmp(r->path, document->path) != 0 || r->format != format
        || strcmp(r->encoding, encoding) != 0 || (r->lines != NULL) != (document->line > 0))
        return 0;
    return !r->lines || document->line > r->lines[r->count - 1];
}

/* Count document `doc` of the new segment as coming from its file. */
static int note_document(changes *c, const source_document *document, uint32_t doc)
{
    unsigned format = catalog_format_code(document->format);
    char encoding[CATALOG_ENCODING_MAX];
    catalog_encoding(document->encoding, encoding);
    file_range *r = c->range_count > 0 ? &c->ranges[c->range_count - 1] : NULL;
    if (!r || !continues_range(r, document, format, encoding)) {
        if (ARRAY_RESERVE_ONE(c->ranges, c->range_capacity, c->range_count, 64) != 0)
            return COPS_ENOMEM;
        r = &c->ranges[c->range_count];
        memset(r, 0, sizeof *r);
        if (!(r->path = strdup(document->path)))
            return COPS_ENOMEM;
        c->range_count++;
        r->first = doc;
        r->format = (uint8_t)format;
        memcpy(r->encoding, encoding, sizeof encoding);
    }
    if (document->line > 0
        && ARRAY_RESERVE_ONE(r->lines, r->line_capacity, r->count, 64) != 0)
        return COPS_ENOMEM;
    if (document->line > 0)
        r->lines[r->count] = document->line;
    r->count++;
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
    for (size_t i = 0; i < c->range_count; i++) {
        free(c->ranges[i].path);
        free(c->ranges[i].lines);
    }
    free(c->ranges);
}

/* ------------------------------------------------------------- build */

typedef struct previous_index {
    manifest manifest;
    deletions dels[MANIFEST_MAX_SEGMENTS];
    int dels_changed[MANIFEST_MAX_SEGMENTS];
    int usable;                  /* same analysis, catalog present */
    int other_analysis;          /* a segment was analysed otherwise, as `built` says */
    analyzer_config built;
} previous_index;

/* Every catalog entry's documents lie in the segment it names: the build
 * walks them with the segment's deletion bitmap, which is not bounds
 * checked (a catalog of a colleague's index naming document 4,000,000,000
 * of a two-document segment made the next run crash). */
static int check_catalog_ranges(const char *dir, const previous_index *p, const catalog *files,
                                cops_error *err)
{
    for (size_t i = 0; i < files->count; i++) {
        const catalog_entry *e = &files->entries[i];
        for (size_t s = 0; s < p->manifest.segment_count; s++)
            if (strcmp(p->manifest.segments[s].name, e->segment) == 0
                && (uint64_t)e->first_doc + e->doc_count > p->dels[s].documents)
                return error_set(err, COPS_ECORRUPT, "%s/%s: damaged index: the documents of "
                                 "%s are not in %s", dir, p->manifest.files, e->path, e->segment);
    }
    return 0;
}

/* Load what an incremental build needs; `usable` stays 0 when the index
 * must be rebuilt (none, other analysis, no catalog). */
static int load_previous(int dir_fd, const char *dir, analyzer_config *config,
                         previous_index *p, changes *c, cops_error *err)
{
    cops_error damage;
    int read = manifest_read_at(dir_fd, dir, &p->manifest, &damage);
    if (read != 0 && read != COPS_ENOINDEX)
        /* A damaged MANIFEST: starting over from the paths named deleted
         * every segment it had named, sound as they may be, the other
         * roots' documents with them (and a restore of the MANIFEST would
         * have brought them back).  A rebuild is the user's call, and
         * names the paths: the roots are known only through the MANIFEST
         * (a --rebuild naming none finds no roots). */
        return error_set(err, read, "%s; restore it, or --rebuild naming every file and folder to "
                         "index to start the index over", damage.message);
    if (read != 0 || !p->manifest.files[0])
        return 0;
    for (size_t s = 0; s < p->manifest.segment_count; s++) {
        segment *seg = NULL;
        int rc = segment_open_at(dir_fd, dir, p->manifest.segments[s].name, &seg, err);
        if (rc != 0)
            return rc; /* damage: a rebuild is the user's call (--rebuild) */
        const segment_meta *meta = segment_get_meta(seg);
        int same = meta->stem == config->stem && strcmp(meta->language, config->language) == 0;
        /* An index built with exact forms keeps them (the option need not
         * be repeated); asking for them on one without starts over. */
        if (same && s == 0 && meta->exact_forms)
            config->exact_forms = 1;
        same = same && meta->exact_forms == config->exact_forms;
        uint32_t documents = segment_documents(seg);
        if (!same) {
            p->other_analysis = 1;
            p->built.stem = meta->stem;
            p->built.exact_forms = meta->exact_forms;
            snprintf(p->built.language, sizeof p->built.language, "%s", meta->language);
        }
        segment_close(seg);
        if (!same)
            return 0;
        rc = p->manifest.segments[s].deletions[0]
                 ? deletions_read_at(dir_fd, dir, p->manifest.segments[s].deletions, documents,
                                     &p->dels[s], err)
                 : deletions_init(&p->dels[s], documents, err);
        if (rc != 0)
            return rc;
    }
    int rc = catalog_read_at(dir_fd, dir, p->manifest.files, manifest_documents(&p->manifest),
                             &c->previous, err);
    if (rc != 0)
        return rc; /* another version's catalog too: starting over from the
                    * paths named dropped every other root (--rebuild) */
    if ((rc = check_catalog_ranges(dir, p, &c->previous, err)) != 0)
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
    record_ids ids;              /* of the records this build read */
    source_patterns *refreshed_patterns; /* refreshing all roots: each one's */
    const build_request *request; /* until commit or abort */
    index_folder folder;         /* the index directory, and the folders this build created */
    const build_request *request_ids; /* a --delete build: its request, else NULL */
    int committed;               /* a manifest of this build is in place */
    int lock_was_missing;        /* LOCK had to be created */
} native_build;

static void native_free(native_build *b)
{
    segment_build_abort(b->builder);
    segment_build_stage_free(b->analysis);
    if (b->lock_fd >= 0)
        close(b->lock_fd);
    if (!b->committed)
        folder_remove_created(&b->folder);
    folder_close(&b->folder);
    roots_free(&b->roots);
    roots_free(&b->refreshed);
    free(b->refreshed_patterns);
    record_ids_free(&b->ids);
    for (size_t s = 0; s < MANIFEST_MAX_SEGMENTS; s++)
        deletions_free(&b->previous.dels[s]);
    changes_free(&b->tracked);
    analyzer_free(b->text_analyzer);
    free(b);
}

/* An update (or --delete, --remove) of an index analysed otherwise than
 * this run asks: the options it was built with, and the way out. */
static int refuse_other_analysis(const native_build *b, cops_error *err)
{
    const analyzer_config *built = &b->previous.built;
    /* An earlier cops recorded libstemmer's aliases as given ("en"),
     * which cannot be given again: only a rebuild is left. */
    cops_error ignored;
    int again = !built->stem || analyzer_language_check(built->language, &ignored) == 0;
    return error_set(err, COPS_EINVAL, "%s was built with other analysis options (%s%s%s): "
                     "%s--rebuild naming no path to index every root anew with these "
                     "(documents read from standard input are then dropped)",
                     b->index_dir, built->stem ? "--language " : "--no-stem",
                     built->stem ? built->language : "",
                     built->exact_forms ? " --exact-forms"
                     : b->config.exact_forms ? ", without --exact-forms" : "",
                     again ? "give them again to update it, or " : "a name cops no longer takes: ");
}

/* An index whose LOCK is gone (LOCK is never removed: someone took it
 * for a stale lock file) may have a writer at work, holding the lock of
 * the LOCK it opened: the segment it writes is the one this build would
 * remove as a leftover and write again, and both commits would name it
 * (the index was left naming one writer's segment with the other's
 * bytes, damaged).  A segment of the next generation not committed yet
 * says so; a writer killed earlier leaves one too, but also its LOCK. */
static int check_no_writer_left(const native_build *b, cops_error *err)
{
    struct stat st;
    if (b->previous.manifest.generation == 0
        || fstatat(b->folder.fd, b->segment_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return 0;
    return error_set(err, COPS_ELOCKED, "%s/%s was removed while %s/%s is there: another "
                     "cops-index may be updating the index (LOCK is never removed: its lock is how "
                     "writers take turns); if none is, remove %s/%s", b->index_dir, NAMES_LOCK,
                     b->index_dir, b->segment_name, b->index_dir, b->segment_name);
}

/* 1 when LOCK in the index directory is the file `fd` has open. */
static int lock_still_named(int dir_fd, int fd)
{
    struct stat held, named;
    return fstat(fd, &held) == 0 && fstatat(dir_fd, NAMES_LOCK, &named, AT_SYMLINK_NOFOLLOW) == 0
           && held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

/* Takes the lock of the file named LOCK, noting whether LOCK had to be
 * created (check_no_writer_left).  A lock taken on a LOCK removed while
 * this run waited for it (--wait) guards nothing: another writer may
 * have created a new one and be at work, so it is taken again. */
static int lock_named_index(native_build *b, cops_error *err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        struct stat status;
        b->lock_was_missing = fstatat(b->folder.fd, NAMES_LOCK, &status, AT_SYMLINK_NOFOLLOW) != 0
                              && errno == ENOENT;
        int rc = lock_index(b->folder.fd, b->index_dir, b->options.wait, &b->lock_fd, err);
        if (rc != 0 || lock_still_named(b->folder.fd, b->lock_fd))
            return rc;
        close(b->lock_fd);
        b->lock_fd = -1;
    }
    return error_set(err, COPS_ELOCKED, "%s/%s keeps being removed: cannot lock the index",
                     b->index_dir, NAMES_LOCK);
}

/* A run that found LOCK missing and stops before writing removes the
 * LOCK it created, while it still holds its lock: left in place, it made
 * the next writer take the index for unguarded no more, and remove the
 * running writer's segment as a leftover (check_no_writer_left stopped
 * the first writer after the removal only).  Only the LOCK this run
 * opened is removed, never one another writer has made since. */
static void forget_created_lock(const native_build *b)
{
    if (b->lock_was_missing && b->lock_fd >= 0 && lock_still_named(b->folder.fd, b->lock_fd))
        unlinkat(b->folder.fd, NAMES_LOCK, 0);
}

/* What this build starts from: the last commit when it can be updated,
 * else nothing but its generation number. */
static int open_previous(native_build *b, cops_error *err)
{
    previous_index *previous = &b->previous;
    int rc = 0;
    if (!b->options.rebuild) {
        rc = load_previous(b->folder.fd, b->index_dir, &b->config, previous, &b->tracked, err);
    } else {
        /* Starting over still continues the generations: the new segment
         * must never take the name of a segment readers are using. */
        cops_error ignored;
        manifest_read_at(b->folder.fd, b->index_dir, &previous->manifest, &ignored);
    }
    if (rc == 0 && previous->other_analysis && !b->options.rebuild)
        /* Starting over would keep only what this run reads: the
         * documents of the roots not named, of standard input and the
         * records deleted by id would be lost or come back, and a
         * forgotten --no-stem would analyse a whole index anew. */
        return refuse_other_analysis(b, err);
    if (rc == 0 && !previous->usable && !b->options.rebuild
        && previous->manifest.segment_count > 0)
        /* (A manifest naming no catalog, which the format allows.)
         * Starting over would keep only what this run reads: the
         * documents of the segments, readers' answers until now, would
         * be dropped (all of them for --delete or --remove). */
        return error_set(err, COPS_EINVAL, "%s has no catalog of its files, so it cannot be "
                         "updated: --rebuild naming every file and folder to index",
                         b->index_dir);
    if (rc == 0 && !previous->usable) {
        /* Start over: nothing of the old index is kept but its roots,
         * which a run naming no path refreshes. */
        catalog_free(&b->tracked.previous);
        catalog old;
        cops_error ignored;
        if (previous->manifest.files[0]
            && catalog_read_at(b->folder.fd, b->index_dir, previous->manifest.files,
                               manifest_documents(&previous->manifest), &old, &ignored) == 0) {
            catalog *kept = &b->tracked.previous;
            kept->roots = old.roots;
            kept->root_count = old.root_count;
            kept->root_capacity = old.root_capacity;
            kept->root_patterns = old.root_patterns;
            old.root_patterns = NULL;
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
            return error_set(err, COPS_EINVAL, "nothing to index: %s has no roots; name the "
                             "files and folders to index", b->index_dir);
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

/* The run's reading options (those that decide which files of a root
 * are read and how their records become documents), and whether it
 * gives any. */
static source_patterns run_reading(const cops_build_options *o, int *given)
{
    source_patterns p = {o->globs, o->glob_count, o->excludes, o->exclude_count,
                         o->follow != 0, o->hidden != 0, o->id_field, o->title_field,
                         o->text_field, o->date_field};
    *given = p.glob_count > 0 || p.exclude_count > 0 || p.follow_links || p.hidden
             || p.id_field || p.title_field || p.text_field || p.date_field;
    return p;
}

/* The reading options stored with the root of the index that is `path`
 * or holds it (all defaults when none are, or no root does); borrowed
 * from the catalog.  A path inside a root is read as its root is. */
static source_patterns stored_reading(const catalog *files, const char *path)
{
    source_patterns p;
    memset(&p, 0, sizeof p);
    const char *root = NULL;
    for (size_t i = 0; !root && i < files->root_count; i++)
        if (catalog_path_in_root(files->roots[i], path))
            root = files->roots[i];
    const catalog_patterns *known = root ? catalog_root_patterns(files, root) : NULL;
    if (!known)
        return p;
    p = (source_patterns){(const char *const *)known->globs, known->glob_count,
                          (const char *const *)known->excludes, known->exclude_count,
                          (known->flags & CATALOG_READ_FOLLOW) != 0,
                          (known->flags & CATALOG_READ_HIDDEN) != 0,
                          known->fields[CATALOG_FIELD_ID], known->fields[CATALOG_FIELD_TITLE],
                          known->fields[CATALOG_FIELD_TEXT], known->fields[CATALOG_FIELD_DATE]};
    return p;
}

/* 1 when this build walks `root` (a path of the request, or every root
 * when it names none). */
static int walks_root(const native_build *b, const char *root)
{
    const build_request *request = b->request;
    if (b->options.remove || request->id_count > 0)
        return 0;
    if (request->refresh_all)
        return 1;
    for (size_t i = 0; i < request->root_count; i++)
        if (strcmp(request->roots[i], root) == 0)
            return 1;
    return 0;
}

/* The reading options root `root` has after this build: the run's own
 * when it gives any and walks the root (as a rebuild of that root would
 * read it), else those it had, which a walk that gives none repeats (an
 * update forgetting --hidden would remove the hidden files' documents). */
static source_patterns patterns_after(const native_build *b, const char *root)
{
    int given;
    source_patterns p = run_reading(&b->options, &given);
    if (given && walks_root(b, root))
        return p;
    return stored_reading(&b->tracked.previous, root);
}

static int same_strings(const char *const *a, size_t a_count, const char *const *b, size_t b_count)
{
    if (a_count != b_count)
        return 0;
    for (size_t i = 0; i < a_count; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

static int same_field(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_reading(const source_patterns *a, const source_patterns *b)
{
    return same_strings(a->globs, a->glob_count, b->globs, b->glob_count)
           && same_strings(a->excludes, a->exclude_count, b->excludes, b->exclude_count)
           && a->follow_links == b->follow_links && a->hidden == b->hidden
           && same_field(a->id_field, b->id_field) && same_field(a->title_field, b->title_field)
           && same_field(a->text_field, b->text_field) && same_field(a->date_field, b->date_field);
}

/* Give each root of `files` (this build's) its reading options; *changed
 * is set when one differs from what the index had. */
static int settle_patterns(const native_build *b, catalog *files, int *changed, cops_error *err)
{
    for (size_t i = 0; i < files->root_count; i++) {
        source_patterns p = patterns_after(b, files->roots[i]);
        source_patterns known = stored_reading(&b->tracked.previous, files->roots[i]);
        if (!same_reading(&p, &known))
            *changed = 1;
        const char *fields[CATALOG_FIELDS] = {p.id_field, p.title_field, p.text_field,
                                              p.date_field};
        int rc = catalog_set_root_patterns(files, i, p.globs, p.glob_count, p.excludes,
                                           p.exclude_count, err);
        if (rc == 0)
            rc = catalog_set_root_reading(files, i,
                                          (p.follow_links ? CATALOG_READ_FOLLOW : 0)
                                              | (p.hidden ? CATALOG_READ_HIDDEN : 0),
                                          fields, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* " --hidden --text-field body"...: the options `p` stands for, as a
 * run would give them (the patterns counted), into `out`. */
static void describe_reading(const source_patterns *p, char *out, size_t size)
{
    const char *names[] = {"--id-field", "--title-field", "--text-field", "--date-field"};
    const char *fields[] = {p->id_field, p->title_field, p->text_field, p->date_field};
    size_t used = 0;
    out[0] = '\0';
#define DESCRIBE(...) \
    (used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__), \
     used = used < size ? used : size)
    if (p->follow_links)
        DESCRIBE(" --follow");
    if (p->hidden)
        DESCRIBE(" --hidden");
    for (size_t f = 0; f < 4; f++)
        if (fields[f])
            DESCRIBE(" %s %.100s", names[f], fields[f]);
    if (p->glob_count)
        DESCRIBE(" %zu --glob", p->glob_count);
    if (p->exclude_count)
        DESCRIBE(" %zu --exclude", p->exclude_count);
#undef DESCRIBE
}

/* The reading options of each input this build walks (the walk's
 * input_patterns, borrowed from the options and the previous catalog):
 * the roots of the request, or every root when it names none.  A run
 * that gives none walks a root that has some with them; naming the root,
 * it says so once (the user who left the options out learns why hidden
 * files are still read; a run naming no path has always read each root
 * with its own, and a nightly refresh would repeat the line). */
static int refresh_patterns(native_build *b, cops_error *err)
{
    const build_request *request = b->request;
    const char *const *walked = request->refresh_all ? (const char *const *)b->refreshed.paths
                                                     : request->roots;
    size_t count = request->refresh_all ? b->refreshed.count : request->root_count;
    b->refreshed_patterns = calloc(count + 1, sizeof *b->refreshed_patterns);
    if (!b->refreshed_patterns)
        return error_set(err, COPS_ENOMEM, "out of memory");
    int given, told = 0;
    source_patterns run = run_reading(&b->options, &given);
    for (size_t i = 0; i < count; i++) {
        b->refreshed_patterns[i] = strcmp(walked[i], "-") == 0 ? run
                                                               : patterns_after(b, walked[i]);
        source_patterns none;
        memset(&none, 0, sizeof none);
        if (!given && !told && !request->refresh_all
            && !same_reading(&b->refreshed_patterns[i], &none)) {
            char described[512];
            describe_reading(&b->refreshed_patterns[i], described, sizeof described);
            build_warn(&b->options, "%.200s%s: read with the reading options its root was "
                       "last indexed with (%s); give reading options to change them", walked[i],
                       strlen(walked[i]) > 200 ? "..." : "", described + 1);
            told = 1;
        }
    }
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
    /* The walk's paths are canonical already (its inputs are the roots,
     * made canonical) and are the identities on_file is given: resolved
     * again, a path through a link --follow followed, or through a folder
     * a stranger replaced by a link, would name the link's target and the
     * documents of the path walked would be taken as deleted.  Another
     * path is canonicalised as the roots were. */
    int rc = path[0] == '/' ? ((canonical = strdup(path)) ? 0 : COPS_ENOMEM)
                            : roots_canonical(path, &canonical);
    /* A path too long to make canonical (COPS_EINVAL) is no identity the
     * index holds: nothing of it to keep, and no allocation failed. */
    if (rc == COPS_ENOMEM || (rc == 0 && roots_add(&tracked->unreadable, canonical) != 0))
        tracked->out_of_memory = 1;
    free(canonical);
}

static int native_add(void *context, const source_document *document, const uint8_t *prepared,
                      size_t prepared_length, cops_error *err)
{
    native_build *b = context;
    uint32_t doc = segment_build_documents(b->builder);
    int rc = segment_build_add(b->builder, document, prepared, prepared_length, err);
    if (rc == 0 && note_document(&b->tracked, document, doc) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    /* A record (its id is its identity, not its file) replaces the one
     * read before it with the same id: dropped at commit. */
    int replaced = 0;
    int noted = rc == 0 ? record_ids_note(&b->ids, &b->options, document, doc, &replaced) : 0;
    if (noted != 0)
        rc = record_ids_error(&b->ids, noted, err);
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

/* Where the new segment's documents go (segment_build_reorder): each
 * file's range of documents is a unit, kept together as the catalog
 * names it by a range; the ranges, their lines and the records a later
 * one replaced follow their documents. */
static int reorder_new_documents(native_build *b, cops_build_summary *summary, cops_error *err)
{
    uint32_t n = segment_build_documents(b->builder);
    changes *tracked = &b->tracked;
    uint32_t *unit_start = malloc(((size_t)n + 1) * sizeof *unit_start);
    uint32_t *order = malloc(((size_t)n + 1) * sizeof *order);
    uint32_t *place = malloc(((size_t)n + 1) * sizeof *place); /* range, then new number */
    int rc = unit_start && order && place ? 0 : error_set(err, COPS_ENOMEM, "out of memory");
    uint32_t units = 0;
    for (uint32_t d = 0; rc == 0 && d < n; d++)
        place[d] = UINT32_MAX;
    for (size_t i = 0; rc == 0 && i < tracked->range_count; i++)
        for (uint32_t k = 0; k < tracked->ranges[i].count; k++)
            place[tracked->ranges[i].first + k] = (uint32_t)i;
    for (uint32_t d = 0; rc == 0 && d < n; d++)
        if (d == 0 || place[d] == UINT32_MAX || place[d] != place[d - 1])
            unit_start[units++] = d;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    reorder_stats stats;
    memset(&stats, 0, sizeof stats);
    if (rc == 0)
        rc = segment_build_reorder(b->builder, unit_start, units, order, &stats, err);
    clock_gettime(CLOCK_MONOTONIC, &end);
    summary->reordered = stats.skipped ? 2 : 1;
    summary->reorder_seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    summary->reorder_memory_bytes = stats.peak_memory_bytes;
    summary->reorder_cost_before = stats.cost_before;
    summary->reorder_cost_after = stats.cost_after;
    for (uint32_t p = 0; rc == 0 && p < n; p++)
        place[order[p]] = p;
    for (size_t i = 0; rc == 0 && !stats.skipped && i < tracked->range_count; i++) {
        file_range *range = &tracked->ranges[i];
        uint32_t first = UINT32_MAX;
        for (uint32_t k = 0; k < range->count; k++)
            if (place[range->first + k] < first)
                first = place[range->first + k];
        uint64_t *lines = range->lines ? malloc(range->count * sizeof *lines) : NULL;
        if (range->lines && !lines) {
            rc = error_set(err, COPS_ENOMEM, "out of memory");
            break;
        }
        for (uint32_t k = 0; lines && k < range->count; k++)
            lines[k] = range->lines[order[first + k] - range->first];
        if (lines) {
            free(range->lines);
            range->lines = lines;
            range->line_capacity = range->count;
        }
        range->first = first;
    }
    for (size_t i = 0; rc == 0 && !stats.skipped && i < b->ids.dropped_count; i++)
        b->ids.dropped[i] = place[b->ids.dropped[i]];
    free(unit_start);
    free(order);
    free(place);
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
        const file_range *range = &tracked->ranges[i];
        e.first_doc = range->first;
        e.doc_count = range->count;
        e.format = range->format;
        memcpy(e.encoding, range->encoding, sizeof e.encoding);
        if (range->lines
            && catalog_lines_encode(range->lines, range->count, &e.lines, &e.lines_bytes) != 0)
            return error_set(err, COPS_ENOMEM, "out of memory");
        rc = catalog_add(files, &e, err);
        free(e.lines);
    }
    return rc;
}

/* The previous index's live records whose id a record of this run has:
 * deleted (the run's record replaces them), counted in *deleted.  Only
 * record entries are read (a file's id is its path), and only when this
 * run read records. */
static int replace_previous_records(native_build *b, uint64_t *deleted, cops_error *err)
{
    previous_index *previous = &b->previous;
    const catalog *known = &b->tracked.previous;
    int rc = 0;
    for (size_t s = 0; rc == 0 && b->ids.count > 0 && s < previous->manifest.segment_count; s++) {
        const char *name = previous->manifest.segments[s].name;
        segment *seg = NULL;
        for (size_t i = 0; rc == 0 && i < known->count; i++) {
            const catalog_entry *e = &known->entries[i];
            if (!e->lines || strcmp(e->segment, name) != 0)
                continue;
            if (!seg)
                rc = segment_open_at(b->folder.fd, b->index_dir, name, &seg, err);
            for (uint32_t d = e->first_doc; rc == 0 && d - e->first_doc < e->doc_count; d++) {
                segment_metadata meta;
                if (deletions_test(&previous->dels[s], d))
                    continue;
                rc = segment_read_metadata(seg, d, &meta, err);
                int has = rc == 0 ? record_ids_has(&b->ids, meta.id, meta.id_length) : 0;
                if (has < 0)
                    rc = record_ids_error(&b->ids, has, err);
                if (has > 0) {
                    deletions_mark(&previous->dels[s], d, 1);
                    previous->dels_changed[s] = 1;
                    (*deleted)++;
                }
            }
        }
        segment_close(seg);
    }
    return rc;
}

/* The deletion bitmap of the new segment (`seg`, just written): the
 * records of this run that a later one with the same id replaced. */
static int write_new_deletions(native_build *b, manifest_segment *seg, cops_error *err)
{
    if (b->ids.dropped_count == 0)
        return 0;
    deletions dropped;
    int rc = deletions_init(&dropped, (uint32_t)seg->documents, err);
    for (size_t i = 0; rc == 0 && i < b->ids.dropped_count; i++)
        deletions_mark(&dropped, b->ids.dropped[i], 1);
    if (rc == 0) {
        names_deletions(seg->deletions, seg->name, b->generation);
        seg->deleted = dropped.deleted;
        rc = deletions_write(b->folder.fd, b->index_dir, seg->deletions, &dropped, err);
    }
    deletions_free(&dropped);
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
            rc = deletions_write(b->folder.fd, b->index_dir, seg.deletions, &previous->dels[s],
                                 err);
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
            rc = write_new_deletions(b, seg, err);
        }
    }
    names_catalog(next->files, b->generation);
    if (rc == 0) {
        catalog_sort(files);
        rc = catalog_write(b->folder.fd, b->index_dir, next->files, files, err);
    }
    int committed = 0;
    if (rc == 0)
        rc = manifest_commit(b->folder.fd, b->index_dir, next, &committed, err);
    b->committed |= committed;
    if (rc != 0 && !committed)
        folder_unlink(b->folder.fd, b->segment_name);
    return rc;
}

/* One segment, reordered, nothing deleted: what --optimize makes, so
 * --optimize again has nothing to do. */
static int already_optimized(int dir_fd, const char *dir, const manifest *next)
{
    if (next->segment_count != 1 || next->segments[0].deleted != 0)
        return 0;
    segment *seg = NULL;
    int reordered = segment_open_at(dir_fd, dir, next->segments[0].name, &seg, NULL) == 0
                    && segment_is_reordered(seg);
    segment_close(seg);
    return reordered;
}

/* The merge policy: bounded segments, bounded deleted documents (or the
 * caller's --merge, or --optimize unless done already). */
static int merge_wanted(int dir_fd, const char *dir, const cops_build_options *options,
                        const manifest *next)
{
    uint64_t live = 0, stored = 0;
    for (size_t s = 0; s < next->segment_count; s++) {
        live += next->segments[s].documents - next->segments[s].deleted;
        stored += next->segments[s].documents;
    }
    return next->segment_count > 0
           && ((options->merge && (next->segment_count > 1 || live < stored))
               || (options->reorder && !already_optimized(dir_fd, dir, next))
               || next->segment_count > MERGE_ABOVE_SEGMENTS
               || (stored > 0 && (stored - live) * 100 > stored * MERGE_ABOVE_DELETED_PERCENT));
}

/* All live documents of `next` into one segment, committed as the
 * generation after it; `next` becomes that commit (and *merged 1) when it
 * was made.  Every merge reorders the documents (within the budget): the
 * bisection adds about 5 % to a merge, which re-analyses every document
 * (on wiki-dev, 1.3 s of CPU, on two threads, to about 9 s), and the
 * merged segment is the one that lasts. */
static int commit_merge(native_build *b, manifest *next, int *merged,
                        cops_build_summary *summary, cops_error *err)
{
    size_t merged_count = next->segment_count; /* `next` changes on commit */
    deletions *dels = calloc(merged_count, sizeof *dels);
    catalog current_files;
    memset(&current_files, 0, sizeof current_files);
    int rc = dels ? catalog_read_at(b->folder.fd, b->index_dir, next->files,
                                    manifest_documents(next), &current_files, err)
                  : error_set(err, COPS_ENOMEM, "out of memory");
    for (size_t s = 0; rc == 0 && s < next->segment_count; s++)
        rc = next->segments[s].deletions[0]
                 ? deletions_read_at(b->folder.fd, b->index_dir, next->segments[s].deletions,
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
        rc = merge_segments(b->folder.fd, b->index_dir, next, dels, &current_files, seg->name,
                            b->text_analyzer, &b->config, b->budget, 1, &result, err);
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
        rc = catalog_write(b->folder.fd, b->index_dir, merged_manifest.files, &current_files,
                           err);
    }
    int committed = 0;
    if (rc == 0)
        rc = manifest_commit(b->folder.fd, b->index_dir, &merged_manifest, &committed, err);
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

/* Mark deleted the live documents of the previous index whose identifier
 * (a record's id field, or a file's path) `request` names; every document
 * is read (its metadata only).  The ids are compared in full, by their
 * stored length, through the id set of record-ids.h: an id of any length,
 * and one with an embedded NUL is not taken for its prefix.  An id found
 * nowhere is a warning, counted in *missing. */
static int delete_by_id(native_build *b, const build_request *request, uint64_t *deleted,
                        uint64_t *missing, cops_error *err)
{
    previous_index *previous = &b->previous;
    size_t count = request->id_count;
    record_ids wanted;
    memset(&wanted, 0, sizeof wanted);
    unsigned char *found = calloc(count + 1, 1);
    int rc = found ? 0 : error_set(err, COPS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < count; i++) {
        int repeated;
        int added = record_ids_add(&wanted, request->ids[i], (uint32_t)i, &repeated);
        if (added != 0)
            rc = record_ids_error(&wanted, added, err);
    }
    for (size_t s = 0; rc == 0 && s < previous->manifest.segment_count; s++) {
        segment *seg = NULL;
        rc = segment_open_at(b->folder.fd, b->index_dir, previous->manifest.segments[s].name,
                             &seg, err);
        for (uint32_t doc = 0; rc == 0 && doc < segment_documents(seg); doc++) {
            segment_metadata meta;
            if (deletions_test(&previous->dels[s], doc))
                continue;
            rc = segment_read_metadata(seg, doc, &meta, err);
            uint32_t asked;
            int known = rc == 0 ? record_ids_find(&wanted, meta.id, meta.id_length, &asked) : 0;
            if (known < 0)
                rc = record_ids_error(&wanted, known, err);
            if (known <= 0)
                continue;
            found[asked] = 1;
            deletions_mark(&previous->dels[s], doc, 1);
            previous->dels_changed[s] = 1;
            (*deleted)++;
        }
        segment_close(seg);
    }
    for (size_t i = 0; rc == 0 && i < count; i++) {
        /* an id given twice is the set's entry of its last mention: once */
        uint32_t asked;
        const char *id = request->ids[i];
        int known = record_ids_find(&wanted, id, strlen(id), &asked);
        if (known < 0)
            rc = record_ids_error(&wanted, known, err);
        if (known <= 0 || asked != i || found[i])
            continue;
        build_warn(&b->options, "no document has the id '%s'", id);
        (*missing)++;
    }
    record_ids_free(&wanted);
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
    if (rc == 0) {
        uint64_t replaced = 0;
        rc = replace_previous_records(b, &replaced, err);
        deleted_now += replaced;
    }
    record_ids_forget(&b->ids); /* no id is looked up after: its table out of the reordering's way */
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
    /* A manifest naming no segment is no index to any reader (nor to
     * --check): --remove or --delete of every document, or either run on
     * a directory that holds no index yet, would leave one. */
    if (rc == 0 && new_documents == 0 && live_kept == 0 && (b->options.remove || b->request_ids))
        rc = live_before == 0
                 ? error_set(err, COPS_EINVAL, "%s holds no index: nothing to %s", b->index_dir,
                             b->options.remove ? "remove" : "delete")
                 : error_set(err, COPS_EINVAL, "this would take every document out of %s, and "
                             "an index holds at least one: to drop the index, remove the "
                             "directory", b->index_dir);
    int changed = new_documents > 0 || deleted_now > 0 || b->tracked.catalog_touched
                  || !previous->usable || roots_changed(b, &b->tracked.previous);
    files.roots = b->roots.paths;
    files.root_count = b->roots.count;
    files.root_capacity = b->roots.capacity;
    memset(&b->roots, 0, sizeof b->roots);
    if (rc == 0)
        rc = settle_patterns(b, &files, &changed, err);
    if (rc == 0 && changed && new_documents > 0)
        rc = reorder_new_documents(b, summary, err);
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
    if (rc == 0 && merge_wanted(b->folder.fd, b->index_dir, &b->options, &next))
        rc = commit_merge(b, &next, &merged, summary, err);
    if (rc == 0)
        remove_unreferenced(b->folder.fd, &next);

    summary->documents = built.documents;
    summary->documents_deleted = deleted_now;
    summary->documents_removed = removed_now;
    summary->documents_before = live_before;
    summary->files_unchanged = b->tracked.unchanged;
    summary->files_grown = b->tracked.grown;
    summary->ids_repeated = b->ids.repeats;
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
    b->folder.fd = b->folder.top_parent = -1;
    b->index_dir = request->index_dir;
    b->request = request;
    b->options = *request->options;
    if (request->id_count > 0)
        b->request_ids = request;
    b->config = *request->analysis;
    b->budget = b->options.memory_mb * 1024 * 1024 / 10 * 7; /* the rest: analysis, I/O */
    int rc = analyzer_new(&b->config, &b->text_analyzer, err);
    if (rc == 0)
        rc = folder_open(&b->folder, b->index_dir, err);
    if (rc == 0)
        rc = check_directory_ours(b->index_dir, b->folder.fd, err);
    if (rc == 0)
        rc = lock_named_index(b, err);
    if (rc == 0)
        rc = open_previous(b, err);
    if (rc == 0)
        rc = settle_roots(b, request, err);
    if (rc == 0 && !b->options.remove && request->id_count == 0)
        rc = refresh_patterns(b, err);
    b->generation = b->previous.manifest.generation + 1;
    names_segment(b->segment_name, b->generation);
    if (rc == 0 && b->lock_was_missing)
        rc = check_no_writer_left(b, err);
    if (rc == 0)
        rc = segment_build_begin(b->folder.fd, b->index_dir, b->segment_name, b->text_analyzer,
                                 &b->config, b->budget, &b->builder, err);
    /* Three threads besides the compressor: reading, analysis (the
     * stage), and the driver's inverting. */
    if (rc == 0)
        rc = segment_build_stage_new(&b->config, &b->analysis, err);
    if (rc != 0) {
        forget_created_lock(b);
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
    engine->known_patterns = b->refreshed_patterns;
    engine->keeps_roots = 1;
    engine->add = native_add;
    engine->commit = native_commit;
    engine->abort = native_abort;
    return 0;
}

/* The manifest of the index `dir` and the catalog it names (none: empty),
 * both read from the directory opened once (base/file.h), as every reader
 * does; *dir_fd (OUT): that directory, -1 when it could not be opened,
 * for the caller to read more from and close. */
static int read_listing(const char *dir, int *dir_fd, manifest *m, catalog *files,
                        cops_error *err)
{
    memset(files, 0, sizeof *files);
    memset(m, 0, sizeof *m);
    *dir_fd = -1;
    int rc = file_open_directory(dir, dir_fd, err);
    if (rc == 0)
        rc = manifest_read_at(*dir_fd, dir, m, err);
    if (rc == 0 && m->files[0])
        rc = catalog_read_at(*dir_fd, dir, m->files, manifest_documents(m), files, err);
    return rc;
}

static void close_listing(int dir_fd, catalog *files)
{
    if (dir_fd >= 0)
        close(dir_fd);
    catalog_free(files);
}

/* A NULL-terminated copy of `count` strings into *out. */
static int copy_string_list(char *const *strings, size_t count, char ***out)
{
    char **list = calloc(count + 1, sizeof *list);
    for (size_t i = 0; list && i < count; i++)
        if (!(list[i] = strdup(strings[i]))) {
            for (size_t j = 0; j < i; j++)
                free(list[j]);
            free(list);
            list = NULL;
        }
    *out = list;
    return list ? 0 : COPS_ENOMEM;
}

int native_roots_of(const catalog *files, char ***roots, size_t *count, cops_error *err)
{
    *roots = NULL;
    if (copy_string_list(files->roots, files->root_count, roots) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    *count = files->root_count;
    return 0;
}

int native_index_roots(const char *dir, char ***roots, size_t *count, cops_error *err)
{
    *roots = NULL;
    manifest m;
    catalog files;
    int dir_fd;
    int rc = read_listing(dir, &dir_fd, &m, &files, err);
    if (rc == 0)
        rc = native_roots_of(&files, roots, count, err);
    close_listing(dir_fd, &files);
    return rc;
}

/* Add `documents` to the count named `name` of `*counts` (a few names:
 * a linear search). */
static int count_kind(cops_count **counts, size_t *count, size_t *capacity, const char *name,
                      uint64_t documents)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp((*counts)[i].name, name) == 0) {
            (*counts)[i].documents += documents;
            return 0;
        }
    if (ARRAY_RESERVE_ONE(*counts, *capacity, *count, 16) != 0)
        return COPS_ENOMEM;
    cops_count *slot = &(*counts)[(*count)++];
    memset(slot, 0, sizeof *slot);
    snprintf(slot->name, sizeof slot->name, "%s", name);
    slot->documents = documents;
    return 0;
}

/* Most documents first, then by name. */
static int compare_counts(const void *a, const void *b)
{
    const cops_count *x = a, *y = b;
    if (x->documents != y->documents)
        return x->documents > y->documents ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The live documents of entry `e`: its range less the deleted ones of
 * its segment (`m`'s segment s, bitmap dels[s]). */
static uint64_t entry_live_documents(const catalog_entry *e, const manifest *m,
                                     const deletions *dels)
{
    for (size_t s = 0; s < m->segment_count; s++) {
        if (strcmp(m->segments[s].name, e->segment) != 0)
            continue;
        uint64_t live = 0;
        for (uint32_t d = e->first_doc; d - e->first_doc < e->doc_count; d++)
            live += d < dels[s].documents && !deletions_test(&dels[s], d);
        return live;
    }
    return 0;
}

int native_kinds_of(const manifest *m, const deletions *dels, const catalog *files,
                    cops_count **formats, size_t *format_count, cops_count **encodings,
                    size_t *encoding_count, cops_error *err)
{
    size_t format_capacity = 0, encoding_capacity = 0;
    for (size_t i = 0; i < files->count; i++) {
        const catalog_entry *e = &files->entries[i];
        uint64_t live = entry_live_documents(e, m, dels);
        if (live > 0
            && (count_kind(formats, format_count, &format_capacity,
                           catalog_format_name(e->format), live) != 0
                || count_kind(encodings, encoding_count, &encoding_capacity, e->encoding, live)
                       != 0))
            return error_set(err, COPS_ENOMEM, "out of memory");
    }
    if (*format_count > 1)
        qsort(*formats, *format_count, sizeof **formats, compare_counts);
    if (*encoding_count > 1)
        qsort(*encodings, *encoding_count, sizeof **encodings, compare_counts);
    return 0;
}

int native_index_kinds(const char *dir, cops_count **formats, size_t *format_count,
                       cops_count **encodings, size_t *encoding_count, cops_error *err)
{
    manifest m;
    catalog files;
    deletions *dels = NULL;
    int dir_fd;
    int rc = read_listing(dir, &dir_fd, &m, &files, err);
    if (rc == 0 && !(dels = calloc(m.segment_count + 1, sizeof *dels)))
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    for (size_t s = 0; rc == 0 && s < m.segment_count; s++)
        rc = m.segments[s].deletions[0]
                 ? deletions_read_at(dir_fd, dir, m.segments[s].deletions,
                                     (uint32_t)m.segments[s].documents, &dels[s], err)
                 : deletions_init(&dels[s], (uint32_t)m.segments[s].documents, err);
    if (rc == 0)
        rc = native_kinds_of(&m, dels, &files, formats, format_count, encodings, encoding_count,
                             err);
    for (size_t s = 0; dels && s < m.segment_count; s++)
        deletions_free(&dels[s]);
    free(dels);
    close_listing(dir_fd, &files);
    return rc;
}

int native_root_patterns_of(const catalog *files, const char *root, char ***globs,
                            char ***excludes, cops_error *err)
{
    const catalog_patterns *p = catalog_root_patterns(files, root);
    if (copy_string_list(p ? p->globs : NULL, p ? p->glob_count : 0, globs) != 0
        || copy_string_list(p ? p->excludes : NULL, p ? p->exclude_count : 0, excludes) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory");
    return 0;
}

int native_root_options_of(const catalog *files, const char *root, char ***options,
                           cops_error *err)
{
    static const char *const names[CATALOG_FIELDS] = {"--id-field", "--title-field",
                                                      "--text-field", "--date-field"};
    const catalog_patterns *p = catalog_root_patterns(files, root);
    char *words[2 + CATALOG_FIELDS] = {0};
    size_t count = 0;
    int failed = 0;
    if (p && (p->flags & CATALOG_READ_FOLLOW))
        failed |= !(words[count++] = strdup("--follow"));
    if (p && (p->flags & CATALOG_READ_HIDDEN))
        failed |= !(words[count++] = strdup("--hidden"));
    for (size_t f = 0; p && f < CATALOG_FIELDS; f++) {
        if (!p->fields[f])
            continue;
        size_t size = strlen(names[f]) + 1 + strlen(p->fields[f]) + 1;
        if ((words[count++] = malloc(size)))
            snprintf(words[count - 1], size, "%s %s", names[f], p->fields[f]);
        else
            failed = 1;
    }
    *options = NULL;
    if (!failed && copy_string_list(words, count, options) != 0)
        failed = 1;
    for (size_t i = 0; i < count; i++)
        free(words[i]);
    return failed ? error_set(err, COPS_ENOMEM, "out of memory") : 0;
}

int native_index_root_patterns(const char *dir, const char *root, char ***globs,
                               char ***excludes, cops_error *err)
{
    manifest m;
    catalog files;
    int dir_fd;
    int rc = read_listing(dir, &dir_fd, &m, &files, err);
    if (rc == 0)
        rc = native_root_patterns_of(&files, root, globs, excludes, err);
    close_listing(dir_fd, &files);
    return rc;
}
