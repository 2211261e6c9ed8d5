/*
 * index-holder.c — the shared, reference-counted index handle and the
 * reopening watcher (see index-holder.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serve/index-holder.h"

/* The files a commit replaces by a rename: a native index's manifest, a
 * Xapian glass database's version file, a sharded Xapian index's stub. */
static const char *const commit_files[] = {"MANIFEST", "iamglass", "XAPIANDB"};
#define COMMIT_FILE_COUNT (sizeof commit_files / sizeof commit_files[0])

/* A file's identity and version, all zero when it is absent. */
typedef struct file_stamp {
    dev_t device;
    ino_t inode;
    off_t size;
    struct timespec modified;
} file_stamp;

/* What identifies one commit of an index directory. */
typedef struct commit_stamp {
    int present;                          /* the directory could be opened */
    file_stamp directory;
    file_stamp files[COMMIT_FILE_COUNT];
} commit_stamp;

struct index_holder {
    const char *const *index_dirs;  /* the caller's, opened together */
    size_t index_count;
    unsigned poll_milliseconds;
    pthread_mutex_t lock;           /* guards current and every handle's users */
    index_handle *current;
    commit_stamp *stamps;           /* one per index, of the latest generation; the watcher's own */
    pthread_t watcher;
    int watching;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_signal;
    int stopping;
};

static int fail(cops_error *err, int code, const char *message)
{
    if (err) {
        err->code = code;
        err->column = 0;
        snprintf(err->message, sizeof err->message, "%s", message);
    }
    return code;
}

static void stamp_of(const struct stat *st, file_stamp *stamp)
{
    stamp->device = st->st_dev;
    stamp->inode = st->st_ino;
    stamp->size = st->st_size;
    stamp->modified = st->st_mtim;
}

static void read_stamp(const char *index_dir, commit_stamp *stamp)
{
    memset(stamp, 0, sizeof *stamp);
    int dir = open(index_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return;
    struct stat st;
    if (fstat(dir, &st) == 0) {
        /* its identity only: its time and size change with every file a
         * native commit writes and removes */
        stamp->present = 1;
        stamp->directory.device = st.st_dev;
        stamp->directory.inode = st.st_ino;
    }
    for (size_t i = 0; i < COMMIT_FILE_COUNT; i++)
        if (fstatat(dir, commit_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
            stamp_of(&st, &stamp->files[i]);
    close(dir);
}

static int same_file(const file_stamp *a, const file_stamp *b)
{
    return a->device == b->device && a->inode == b->inode && a->size == b->size
        && a->modified.tv_sec == b->modified.tv_sec && a->modified.tv_nsec == b->modified.tv_nsec;
}

static int same_stamp(const commit_stamp *a, const commit_stamp *b)
{
    if (a->present != b->present || !same_file(&a->directory, &b->directory))
        return 0;
    for (size_t i = 0; i < COMMIT_FILE_COUNT; i++)
        if (!same_file(&a->files[i], &b->files[i]))
            return 0;
    return 1;
}

/* The indexes opened as one new handle of `generation`, held once (as the
 * latest); NULL with `err` filled. */
static index_handle *open_handle(const index_holder *holder, uint64_t generation, cops_error *err)
{
    index_handle *handle = calloc(1, sizeof *handle);
    if (!handle) {
        fail(err, COPS_ENOMEM, "out of memory");
        return NULL;
    }
    if (cops_index_open_many(holder->index_dirs, holder->index_count, &handle->index, err) != 0) {
        free(handle);
        return NULL;
    }
    cops_index_stats stats;
    handle->documents = cops_index_stats_get(handle->index, &stats, NULL) == 0 ? stats.documents : 0;
    handle->generation = generation;
    handle->users = 1;
    return handle;
}

static void close_handle(index_handle *handle)
{
    cops_index_close(handle->index);
    free(handle);
}

/* A new commit in any of the indexes makes a new generation of them all. */
static void reopen_if_committed(index_holder *holder)
{
    int changed = 0;
    for (size_t i = 0; i < holder->index_count; i++) {
        commit_stamp now;
        read_stamp(holder->index_dirs[i], &now);
        if (!now.present || same_stamp(&now, &holder->stamps[i]))
            continue; /* absent: between a Xapian build's two renames */
        holder->stamps[i] = now; /* a damaged commit is reported once, not every poll */
        changed = 1;
    }
    if (!changed)
        return;
    /* Only the watcher replaces current: reading its generation unlocked is safe. */
    cops_error err;
    index_handle *fresh = open_handle(holder, holder->current->generation + 1, &err);
    if (!fresh) {
        cops_print_error(stderr, "cops-serve: a new commit of the index cannot be opened; the "
                                 "previous one stays served",
                         NULL, &err);
        return;
    }
    pthread_mutex_lock(&holder->lock);
    index_handle *old = holder->current;
    holder->current = fresh;
    int unused = --old->users == 0;
    pthread_mutex_unlock(&holder->lock);
    if (unused)
        close_handle(old);
}

static void *watch(void *argument)
{
    index_holder *holder = argument;
    pthread_mutex_lock(&holder->stop_lock);
    while (!holder->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (uint64_t)holder->poll_milliseconds * 1000000u;
        until.tv_sec += (time_t)(ns / 1000000000u);
        until.tv_nsec = (long)(ns % 1000000000u);
        if (pthread_cond_timedwait(&holder->stop_signal, &holder->stop_lock, &until) == ETIMEDOUT
            && !holder->stopping) {
            pthread_mutex_unlock(&holder->stop_lock);
            reopen_if_committed(holder);
            pthread_mutex_lock(&holder->stop_lock);
        }
    }
    pthread_mutex_unlock(&holder->stop_lock);
    return NULL;
}

int index_holder_open(const char *const *index_dirs, size_t index_count,
                      unsigned poll_milliseconds, index_holder **out, cops_error *err)
{
    index_holder *holder = calloc(1, sizeof *holder);
    commit_stamp *stamps = calloc(index_count ? index_count : 1, sizeof *stamps);
    if (!holder || !stamps) {
        free(holder);
        free(stamps);
        return fail(err, COPS_ENOMEM, "out of memory");
    }
    holder->index_dirs = index_dirs;
    holder->index_count = index_count;
    holder->stamps = stamps;
    holder->poll_milliseconds = poll_milliseconds ? poll_milliseconds : 1;
    /* Stamps first: a commit between the two is then seen as a change. */
    for (size_t i = 0; i < index_count; i++)
        read_stamp(index_dirs[i], &stamps[i]);
    holder->current = open_handle(holder, 1, err);
    if (!holder->current) {
        int rc = err ? err->code : COPS_ENOMEM;
        free(stamps);
        free(holder);
        return rc;
    }
    pthread_mutex_init(&holder->lock, NULL);
    pthread_mutex_init(&holder->stop_lock, NULL);
    pthread_cond_init(&holder->stop_signal, NULL);
    if (pthread_create(&holder->watcher, NULL, watch, holder) != 0) {
        index_holder_free(holder);
        return fail(err, COPS_ENOMEM, "cannot start the index watcher thread");
    }
    holder->watching = 1;
    *out = holder;
    return 0;
}

void index_holder_free(index_holder *holder)
{
    if (!holder)
        return;
    pthread_mutex_lock(&holder->stop_lock);
    holder->stopping = 1;
    pthread_cond_signal(&holder->stop_signal);
    pthread_mutex_unlock(&holder->stop_lock);
    if (holder->watching)
        pthread_join(holder->watcher, NULL);
    index_holder_release(holder, holder->current);
    pthread_mutex_destroy(&holder->lock);
    pthread_mutex_destroy(&holder->stop_lock);
    pthread_cond_destroy(&holder->stop_signal);
    free(holder->stamps);
    free(holder);
}

index_handle *index_holder_acquire(index_holder *holder)
{
    pthread_mutex_lock(&holder->lock);
    index_handle *handle = holder->current;
    handle->users++;
    pthread_mutex_unlock(&holder->lock);
    return handle;
}

void index_holder_release(index_holder *holder, index_handle *handle)
{
    pthread_mutex_lock(&holder->lock);
    int unused = --handle->users == 0;
    pthread_mutex_unlock(&holder->lock);
    if (unused)
        close_handle(handle);
}

void index_holder_latest(index_holder *holder, uint64_t *documents, uint64_t *generation)
{
    pthread_mutex_lock(&holder->lock);
    *documents = holder->current->documents;
    *generation = holder->current->generation;
    pthread_mutex_unlock(&holder->lock);
}
