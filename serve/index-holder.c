/*
 * index-holder.c — the shared index handle and its reopening watcher (see
 * index-holder.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
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

typedef struct counted_handle {
    index_handle public;
    atomic_uint references;
} counted_handle;

struct index_holder {
    char *index_dir;
    unsigned poll_milliseconds;
    pthread_mutex_t lock;       /* guards `current` and its reference count's increments */
    counted_handle *current;
    manifest_stamp stamp;       /* of `current`; touched by the watcher only */
    pthread_t watcher;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_signal;
    int stopping;
};

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

static int fail(cops_error *err, int code, const char *message)
{
    if (err) {
        err->code = code;
        err->column = 0;
        snprintf(err->message, sizeof err->message, "%s", message);
    }
    return code;
}

static int open_handle(const char *index_dir, uint64_t generation, counted_handle **out,
                       cops_error *err)
{
    counted_handle *handle = calloc(1, sizeof *handle);
    if (!handle)
        return fail(err, COPS_ENOMEM, "out of memory");
    int rc = cops_index_open(index_dir, &handle->public.index, err);
    if (rc != 0) {
        free(handle);
        return rc;
    }
    cops_index_stats stats;
    /* Before the handle is shared: statistics are not a search. */
    if (cops_index_stats_get(handle->public.index, &stats, NULL) == 0)
        handle->public.documents = stats.documents;
    handle->public.generation = generation;
    atomic_init(&handle->references, 1); /* the holder's own */
    *out = handle;
    return 0;
}

static void drop_reference(counted_handle *handle)
{
    if (atomic_fetch_sub(&handle->references, 1) == 1) {
        cops_index_close(handle->public.index);
        free(handle);
    }
}

/* Publish a fresh handle if the manifest changed since the current one. */
static void reopen_if_committed(index_holder *holder)
{
    manifest_stamp now;
    read_stamp(holder->index_dir, &now);
    if (!now.present || same_stamp(&now, &holder->stamp))
        return;
    counted_handle *fresh;
    cops_error err;
    uint64_t generation = holder->current->public.generation + 1;
    if (open_handle(holder->index_dir, generation, &fresh, &err) != 0) {
        cops_print_error(stderr, "cops-serve: reopening the index (the previous commit stays served)",
                         NULL, &err);
        holder->stamp = now; /* do not retry the same damaged commit every poll */
        return;
    }
    pthread_mutex_lock(&holder->lock);
    counted_handle *old = holder->current;
    holder->current = fresh;
    pthread_mutex_unlock(&holder->lock);
    holder->stamp = now;
    drop_reference(old);
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

int index_holder_open(const char *index_dir, unsigned poll_milliseconds, index_holder **out,
                      cops_error *err)
{
    index_holder *holder = calloc(1, sizeof *holder);
    char *dir = strdup(index_dir);
    if (!holder || !dir) {
        free(holder);
        free(dir);
        return fail(err, COPS_ENOMEM, "out of memory");
    }
    holder->index_dir = dir;
    holder->poll_milliseconds = poll_milliseconds ? poll_milliseconds : 1;
    read_stamp(index_dir, &holder->stamp);
    int rc = open_handle(index_dir, 1, &holder->current, err);
    if (rc != 0) {
        free(dir);
        free(holder);
        return rc;
    }
    pthread_mutex_init(&holder->lock, NULL);
    pthread_mutex_init(&holder->stop_lock, NULL);
    pthread_cond_init(&holder->stop_signal, NULL);
    if (pthread_create(&holder->watcher, NULL, watch, holder) != 0) {
        drop_reference(holder->current);
        free(dir);
        free(holder);
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
    pthread_join(holder->watcher, NULL);
    drop_reference(holder->current);
    pthread_mutex_destroy(&holder->lock);
    pthread_mutex_destroy(&holder->stop_lock);
    pthread_cond_destroy(&holder->stop_signal);
    free(holder->index_dir);
    free(holder);
}

const index_handle *index_holder_acquire(index_holder *holder)
{
    pthread_mutex_lock(&holder->lock);
    counted_handle *handle = holder->current;
    atomic_fetch_add(&handle->references, 1);
    pthread_mutex_unlock(&holder->lock);
    return &handle->public;
}

void index_holder_release(index_holder *holder, const index_handle *handle)
{
    (void)holder;
    drop_reference((counted_handle *)(void *)handle);
}
