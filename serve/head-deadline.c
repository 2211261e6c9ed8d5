/*
 * head-deadline.c — see head-deadline.h.
 */
#include "config.h"

#include "serve/head-deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* One open connection, linked into its head_deadline's list. */
typedef struct watched {
    struct watched *prev, *next;
    head_deadline *owner;
    int fd;
    int waiting;           /* for a head: its deadline runs */
    struct timespec since; /* CLOCK_MONOTONIC: when the head could start */
} watched;

struct head_deadline {
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* signalled to stop */
    watched *first;
    unsigned seconds;
    int stopping;
    pthread_t thread;
};

/* How often the watcher looks: a late head is cut at most this late. */
#define LOOK_MILLISECONDS 200

static void now(struct timespec *at)
{
    clock_gettime(CLOCK_MONOTONIC, at);
}

static void *watch(void *context)
{
    head_deadline *d = context;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        struct timespec until;
        now(&until);
        long ns = until.tv_nsec + LOOK_MILLISECONDS * 1000000L;
        until.tv_sec += ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&d->wake, &d->lock, &until);
        struct timespec at;
        now(&at);
        for (watched *w = d->first; w; w = w->next) {
            long long waited = (long long)(at.tv_sec - w->since.tv_sec) * 1000
                               + (at.tv_nsec - w->since.tv_nsec) / 1000000;
            if (w->waiting && waited >= (long long)d->seconds * 1000) {
                /* Under the lock: the connection has not been reported
                 * closed, so its socket is still open and still its own. */
                shutdown(w->fd, SHUT_RDWR);
                w->waiting = 0;
            }
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

head_deadline *head_deadline_start(unsigned seconds)
{
    head_deadline *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->seconds = seconds;
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    int rc = pthread_create(&d->thread, NULL, watch, d);
    if (rc != 0) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        errno = rc;
        return NULL;
    }
    return d;
}

void head_deadline_stop(head_deadline *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    while (d->first) {
        watched *w = d->first;
        d->first = w->next;
        free(w);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

void head_deadline_notify(void *context, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    head_deadline *d = context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        watched *w = info ? calloc(1, sizeof *w) : NULL;
        *socket_context = w;
        if (!w)
            return; /* out of memory: the idle timeout alone bounds it */
        w->owner = d;
        w->fd = info->connect_fd;
        w->waiting = 1;
        now(&w->since);
        pthread_mutex_lock(&d->lock);
        w->next = d->first;
        if (d->first)
            d->first->prev = w;
        d->first = w;
        pthread_mutex_unlock(&d->lock);
        return;
    }
    watched *w = *socket_context;
    if (!w)
        return;
    pthread_mutex_lock(&d->lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        d->first = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&d->lock);
    free(w);
    *socket_context = NULL;
}

/* Mark the connection's head as waited for (`waiting`), or not. */
static void set_waiting(struct MHD_Connection *connection, int waiting)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    watched *w = info ? info->socket_context : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&w->owner->lock);
    w->waiting = waiting;
    now(&w->since);
    pthread_mutex_unlock(&w->owner->lock);
}

void head_deadline_complete(struct MHD_Connection *connection)
{
    set_waiting(connection, 0);
}

void head_deadline_restart(void *context, struct MHD_Connection *connection, void **request_state,
                           enum MHD_RequestTerminationCode code)
{
    (void)context;
    (void)request_state;
    (void)code;
    set_waiting(connection, 1);
}
