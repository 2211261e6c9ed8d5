/*
 * index-holder.c — per-thread index handles and the reopening watcher (see
 * index-holder.h).
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

/* What identifies one commit: the manifest is replaced by a rename. */
typedef struct manifest_stamp {
    int present;
    dev_t device;
    ino_t inode;
    off_t size;
    struct timespec modified;
} manifest_stamp;

struct index_holder {
    const char *const *index_dirs;  /* the caller's, opened together */
    size_t index_count;
    unsigned poll_milliseconds;
    pthread_key_t thread_handle;    /* index_handle * of each thread */
    pthread_mutex_t lock;           /* guards the two numbers below */
    uint64_t generation, documents;
    manifest_stamp *stamps;         /* one per index, of the latest generation; the watcher's own */
    pthread_t watcher;
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

static void read_stamp(const char *index_dir, manifest_stamp *stamp)
{
    memset(stamp, 0, sizeof *stamp);
    struct stat st;
    int dir = open(index_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return;
    if (fstatat(dir, "MANIFEST", &st, AT_SYMLINK_NOFOLLOW) == 0) {
        stamp->present = 1;
        stamp->device = st.st_dev;
        stamp->inode = st.st_ino;
        stamp->size = st.st_size;
        stamp->modified = st.st_mtim;
    }
    close(dir);
}

static int same_stamp(const manifest_stamp *a, const manifest_stamp *b)
{
    return a->present == b->present && a->device == b->device && a->inode == b->inode
        && a->size == b->size && a->modified.tv_sec == b->modified.tv_sec
        && a->modified.tv_nsec == b->modified.tv_nsec;
}

/* The indexes as one handle (cops_index_open_many). */
static int open_indexes(const index_holder *holder, cops_index **out, cops_error *err)
{
    return cops_index_open_many(holder->index_dirs, holder->index_count, out, err);
}

/* Open the indexes to check a commit; their live documents in *documents. */
static int check_commit(const index_holder *holder, uint64_t *documents, cops_error *err)
{
    cops_index *index;
    int rc = open_indexes(holder, &index, err);
    if (rc != 0)
        return rc;
    cops_index_stats stats;
    *documents = cops_index_stats_get(index, &stats, NULL) == 0 ? stats.documents : 0;
    cops_index_close(index);
    return 0;
}

/* A new commit in any of the indexes makes a new generation of them all. */
static void reopen_if_committed(index_holder *holder)
{
    int changed = 0;
    for (size_t i = 0; i < holder->index_count; i++) {
        manifest_stamp now;
        read_stamp(holder->index_dirs[i], &now);
        if (!now.present || same_stamp(&now, &holder->stamps[i]))
            continue;
        holder->stamps[i] = now; /* a damaged commit is reported once, not every poll */
        changed = 1;
    }
    if (!changed)
        return;
    uint64_t documents;
    cops_error err;
    if (check_commit(holder, &documents, &err) != 0) {
        cops_print_error(stderr, "cops-serve: a new commit of the index cannot be opened; the "
                                 "previous one stays served",
                         NULL, &err);
        return;
    }
    pthread_mutex_lock(&holder->lock);
    holder->generation++;
    holder->documents = documents;
    pthread_mutex_unlock(&holder->lock);
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

static void close_thread_handle(void *value)
{
    index_handle *handle = value;
    cops_index_close(handle->index);
    free(handle);
}

int index_holder_open(const char *const *index_dirs, size_t index_count,
                      unsigned poll_milliseconds, index_holder **out, cops_error *err)
{
    index_holder *holder = calloc(1, sizeof *holder);
    manifest_stamp *stamps = calloc(index_count ? index_count : 1, sizeof *stamps);
    if (!holder || !stamps) {
        free(holder);
        free(stamps);
        return fail(err, COPS_ENOMEM, "out of memory");
    }
    holder->index_dirs = index_dirs;
    holder->index_count = index_count;
    holder->stamps = stamps;
    holder->poll_milliseconds = poll_milliseconds ? poll_milliseconds : 1;
    holder->generation = 1;
    for (size_t i = 0; i < index_count; i++)
        read_stamp(index_dirs[i], &stamps[i]);
    int rc = check_commit(holder, &holder->documents, err);
    if (rc == 0 && pthread_key_create(&holder->thread_handle, close_thread_handle) != 0)
        rc = fail(err, COPS_ENOMEM, "cannot create a thread-specific key");
    if (rc != 0) {
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
    if (holder->watcher)
        pthread_join(holder->watcher, NULL);
    index_handle *own = pthread_getspecific(holder->thread_handle);
    if (own)
        close_thread_handle(own);
    pthread_key_delete(holder->thread_handle);
    pthread_mutex_destroy(&holder->lock);
    pthread_mutex_destroy(&holder->stop_lock);
    pthread_cond_destroy(&holder->stop_signal);
    free(holder->stamps);
    free(holder);
}

void index_holder_latest(index_holder *holder, uint64_t *documents, uint64_t *generation)
{
    pthread_mutex_lock(&holder->lock);
    *documents = holder->documents;
    *generation = holder->generation;
    pthread_mutex_unlock(&holder->lock);
}

const index_handle *index_holder_thread(index_holder *holder, cops_error *err)
{
    uint64_t documents, generation;
    index_holder_latest(holder, &documents, &generation);
    index_handle *handle = pthread_getspecific(holder->thread_handle);
    if (handle && handle->generation == generation)
        return handle;
    index_handle *fresh = calloc(1, sizeof *fresh);
    if (!fresh) {
        fail(err, COPS_ENOMEM, "out of memory");
        return handle;
    }
    if (open_indexes(holder, &fresh->index, err) != 0) {
        free(fresh);
        if (handle) /* keep answering from the commit this thread has */
            cops_print_error(stderr, "cops-serve", NULL, err);
        return handle;
    }
    fresh->generation = generation;
    if (pthread_setspecific(holder->thread_handle, fresh) != 0) {
        close_thread_handle(fresh);
        fail(err, COPS_ENOMEM, "out of memory");
        return handle;
    }
    if (handle)
        close_thread_handle(handle);
    return fresh;
}
