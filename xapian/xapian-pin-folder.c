/*
 * xapian-pin-folder.c — the private folders of pins: where they are made,
 * and the sweep of those a killed process left (xapian-pin-folder.h).
 */
#include "config.h"

#include "xapian/xapian-pin-folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

#define PREFIX "cops-xapian-"
#define FD_LINK "/proc/self/fd/" /* what every link of a pin points to */

const char *const xapian_glass_files[XAPIAN_GLASS_FILES] = {
    "iamglass",      "postlist.glass", "docdata.glass", "termlist.glass",
    "position.glass", "spelling.glass", "synonym.glass",
};

/* ------------------------------------------------------------ processes */

/* The start time (clock ticks after boot) of the process `pid` ("self" or
 * its number) in *start, and its number as /proc gives it in *number
 * (may be NULL): 1; 0 when it is gone; -1 when it cannot be told (an
 * unreadable or unexpected /proc entry: it may be alive). */
static int process_start(const char *pid, unsigned long long *start, unsigned long long *number)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH ? 0 : -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    /* "PID (COMM) STATE ...": COMM may hold spaces and parentheses, the
     * fields after its last ')' do not; START is the 22nd field. */
    const char *at = strrchr(text, ')');
    for (int field = 3; at && field <= 22; field++)
        at = strchr(at + 1, ' ');
    char *end;
    errno = 0;
    *start = at ? strtoull(at + 1, &end, 10) : 0;
    if (!at || end == at + 1 || errno != 0)
        return -1;
    if (number)
        *number = strtoull(text, NULL, 10);
    return 1;
}

/* ---------------------------------------------------------------- sweep */

/* 1 when `name` is PREFIX "PID-START-XXXXXX" (decimal PID and START, then
 * six of mkdtemp's letters and digits, nothing else), with PID and START
 * in fields[0] and fields[1]. */
static int parse_name(const char *name, unsigned long long fields[2])
{
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
        return 0;
    const char *at = name + strlen(PREFIX);
    for (int i = 0; i < 2; i++) {
        size_t digits = strspn(at, "0123456789");
        if (digits == 0 || digits > 20 || at[digits] != '-')
            return 0;
        errno = 0;
        fields[i] = strtoull(at, NULL, 10);
        if (errno != 0)
            return 0;
        at += digits + 1;
    }
    return strlen(at) == 6 && strspn(at, letters) == 6;
}

/* 1 when `target` is FD_LINK followed by a descriptor's number only. */
static int is_fd_link(const char *target)
{
    size_t length = strlen(FD_LINK);
    if (strncmp(target, FD_LINK, length) != 0)
        return 0;
    size_t digits = strspn(target + length, "0123456789");
    return digits > 0 && digits <= 10 && target[length + digits] == '\0';
}

/* Call visit(dir_fd, NAME, data) for each entry of the folder `dir_fd` but
 * "." and "..", which it may remove, until it returns 0: 1 when every
 * call returned 1.  (xapian-engine.c's remove_below walks the same way, in
 * the module, which cannot call into libcops.) */
static int each_entry(int dir_fd, int (*visit)(int, const char *, void *), void *data)
{
    int copy = dir_fd >= 0 ? fcntl(dir_fd, F_DUPFD_CLOEXEC, 0) : -1;
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        if (copy >= 0)
            close(copy);
        return 0;
    }
    rewinddir(d); /* the copy shares the offset of a folder walked before */
    int all = 1;
    struct dirent *entry;
    while (all && (entry = readdir(d)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            all = visit(dir_fd, entry->d_name, data);
    closedir(d);
    return all;
}

/* 1 when `name` is one a pin names a link (xapian-pin-folder.h). */
static int is_pin_name(const char *name)
{
    for (size_t i = 0; i < XAPIAN_GLASS_FILES; i++)
        if (strcmp(name, xapian_glass_files[i]) == 0)
            return 1;
    return strcmp(name, XAPIAN_PIN_NEW) == 0;
}

/* 1 when `name` of the folder `dir_fd` is a link a pin makes: one of its
 * names, a symbolic link (never followed) to FD_LINK N.  With `data`
 * non-NULL, it is then removed. */
static int pin_link(int dir_fd, const char *name, void *data)
{
    char target[64];
    if (!is_pin_name(name))
        return 0;
    ssize_t n = readlinkat(dir_fd, name, target, sizeof target - 1);
    if (n <= 0 || (size_t)n >= sizeof target - 1)
        return 0; /* not a link (EINVAL), or too long to be one of a pin's */
    target[n] = '\0';
    if (!is_fd_link(target))
        return 0;
    if (data)
        unlinkat(dir_fd, name, 0);
    return 1;
}

/* Sweep the entry `name` of the folder `parent_fd` if it is the folder of
 * a pin whose process is gone (xapian-pin-folder.h); 1, the walk goes on. */
static int sweep_entry(int parent_fd, const char *name, void *data)
{
    (void)data;
    unsigned long long fields[2], now;
    char pid[24];
    if (!parse_name(name, fields))
        return 1;
    /* owner and mode first: the entries others made (as many as they
     * like) cost one fstatat each, not a read of /proc too */
    struct stat named, held;
    if (fstatat(parent_fd, name, &named, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(named.st_mode)
        || named.st_uid != geteuid() || (named.st_mode & 07777) != 0700)
        return 1;
    snprintf(pid, sizeof pid, "%llu", fields[0]);
    int alive = process_start(pid, &now, NULL);
    if (alive < 0 || (alive == 1 && now == fields[1]))
        return 1;
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 1;
    /* the folder checked, and no live pin's (a process in another pid
     * namespace still holds its lock) */
    if (fstat(fd, &held) == 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino
        && flock(fd, LOCK_EX | LOCK_NB) == 0) {
        /* a folder holding anything a pin does not make is left whole */
        int removing = 1;
        if (each_entry(fd, pin_link, NULL) && each_entry(fd, pin_link, &removing))
            unlinkat(parent_fd, name, AT_REMOVEDIR);
    }
    close(fd);
    return 1;
}

void xapian_pin_folder_sweep(const char *parent)
{
    int parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    each_entry(parent_fd, sweep_entry, NULL);
    if (parent_fd >= 0)
        close(parent_fd);
}

/* --------------------------------------------------------------- making */

/* 1 when `mode` and `uid` of a folder leave it to root and the user. */
static int only_ours(const struct stat *status, uid_t uid)
{
    return S_ISDIR(status->st_mode) && (status->st_uid == 0 || status->st_uid == uid)
           && (!(status->st_mode & (S_IWGRP | S_IWOTH)) || (status->st_mode & S_ISVTX));
}

/* `path` resolved in resolved[PATH_MAX]: 1 when it and every folder above
 * it are only_ours; 0 with the first that is not in unsafe[size]; -1
 * when it cannot be resolved (gone). */
static int resolve_safe(const char *path, char *resolved, char *unsafe, size_t size)
{
    if (!realpath(path, resolved))
        return -1;
    size_t length = strlen(resolved);
    for (size_t end = 0; end <= length; end++) {
        if (end < length && resolved[end] != '/')
            continue;
        char prefix[PATH_MAX];
        snprintf(prefix, sizeof prefix, "%.*s", end ? (int)end : 1, resolved);
        struct stat status;
        if (lstat(prefix, &status) != 0 || !only_ours(&status, geteuid())) {
            snprintf(unsafe, size, "%s", prefix);
            return 0;
        }
    }
    return 1;
}

/* mkdtemp of PREFIX "PID-START-XXXXXX" in `parent` into dir[size], held
 * open and flocked shared in *dir_fd: 0, or -1 with errno set. */
static int make_folder(const char *parent, char *dir, size_t size, int *dir_fd)
{
    unsigned long long start, pid;
    if (process_start("self", &start, &pid) != 1) {
        errno = ENOENT; /* no /proc: no pin either (xapian-stub.h) */
        return -1;
    }
    /* Between mkdtemp and the lock, a sweeper in another pid namespace
     * (to which this pid means nothing) may take the new folder for a
     * dead one: lock it, then remove it.  Then another is made. */
    for (int tries = 0; tries < 4; tries++) {
        if ((size_t)snprintf(dir, size, "%s/" PREFIX "%llu-%llu-XXXXXX", parent, pid, start)
            >= size) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (!mkdtemp(dir))
            return -1;
        *dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*dir_fd < 0 && errno == ENOENT)
            continue; /* removed already */
        if (*dir_fd < 0) {
            int saved = errno;
            rmdir(dir);
            errno = saved;
            return -1;
        }
        /* where locks are not kept (some network file systems: an error
         * other than EWOULDBLOCK), the pid and start time alone tell a
         * live pin's folder */
        struct stat status;
        int taken = flock(*dir_fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        if (!taken && fstat(*dir_fd, &status) == 0 && status.st_nlink > 0)
            return 0;
        close(*dir_fd); /* the sweeper holding it removes it */
        *dir_fd = -1;
    }
    errno = EAGAIN;
    return -1;
}

static atomic_flag swept = ATOMIC_FLAG_INIT;

int xapian_pin_folder_make_in(const char *const *parents, size_t count, char *dir, size_t size,
                              int *dir_fd, cops_error *err)
{
    char resolved[PATH_MAX], unsafe[PATH_MAX] = "", failed[PATH_MAX] = "";
    int errnum = ENOENT;
    *dir_fd = -1;
    for (size_t i = 0; i < count; i++) {
        if (!parents[i] || parents[i][0] != '/')
            continue;
        char why[PATH_MAX];
        int safe = resolve_safe(parents[i], resolved, why, sizeof why);
        if (safe == 0 && !unsafe[0])
            snprintf(unsafe, sizeof unsafe, "%s", why);
        if (safe != 1)
            continue;
        if (!atomic_flag_test_and_set(&swept))
            xapian_pin_folder_sweep(resolved);
        if (make_folder(resolved, dir, size, dir_fd) == 0)
            return 0;
        errnum = errno;
        snprintf(failed, sizeof failed, "%s", resolved);
    }
    if (unsafe[0] && !failed[0])
        return error_set(err, COPS_EIO, "cannot make a private folder for Xapian's files: %s may "
                         "be written by others (no sticky bit) or is not yours, so the folder "
                         "could be swapped; set TMPDIR to a folder only you may write", unsafe);
    return error_set_errno(err, COPS_EIO, errnum, "cannot make a private folder in %s",
                           failed[0] ? failed : "/tmp");
}

int xapian_pin_folder_make(char *dir, size_t size, int *dir_fd, cops_error *err)
{
    const char *const parents[] = {getenv("TMPDIR"), getenv("XDG_RUNTIME_DIR"), "/tmp"};
    return xapian_pin_folder_make_in(parents, sizeof parents / sizeof parents[0], dir, size,
                                     dir_fd, err);
}
