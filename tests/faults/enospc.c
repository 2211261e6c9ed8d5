/*
 * enospc.c - an LD_PRELOAD fault shim for the write-failure tests
 * (tests/cli/disk-full.sh, tests/cli/crash.sh).  Test-only: it is never
 * installed and never linked into a program.
 *
 * It wraps the calls through which cops-index puts bytes on disk and
 * makes them durable, and fails them on request.  All settings are
 * environment variables, read once when the shim is loaded:
 *
 *   COPS_FAULT_AFTER_BYTES=N  Once N bytes in all have been written to
 *                             files (descriptors above 2; standard
 *                             output and error are never counted or
 *                             failed), writes fail with ENOSPC, as on a
 *                             full disk: the write that crosses the limit
 *                             is short, the ones after it fail outright,
 *                             and flushing or closing a stdio stream that
 *                             still holds unwritten bytes fails too.
 *   COPS_FAULT_FSYNC=N        The N-th fsync/fdatasync (1-based) fails
 *                             with EIO.
 *   COPS_FAULT_RENAME=N       The N-th rename or renameat fails with EIO.
 *   COPS_FAULT_DELAY_MS=N     Sleep N ms before each fsync, fdatasync and
 *                             rename: widens the commit window so that a
 *                             SIGKILL lands inside it (crash.sh).
 *   COPS_FAULT_MISSING_ONCE=SUFFIX  The first open() or openat() of a
 *                             path ending in
 *                             SUFFIX fails with ENOENT, as when a writer
 *                             removed the file between a reader's reading
 *                             of the manifest and its opening of the file
 *                             (a commit in between); later opens succeed.
 *   COPS_FAULT_SWAP_FOLDER=PATTERN  COPS_FAULT_SWAP_TARGET=PATH
 *                             The first open, remove or unlink (or their
 *                             *at forms) of an entry of a folder whose
 *                             path matches PATTERN (fnmatch, '*' matching
 *                             '/' too; a folder named by a descriptor or
 *                             through /proc/self/fd is resolved first)
 *                             renames that folder to <it>.moved and puts
 *                             a symbolic link to PATH in its place:
 *                             someone who may write the folder's parent
 *                             swaps it for a link at the worst moment.
 *   COPS_FAULT_SWAP_NAME=PATTERN  With COPS_FAULT_SWAP_FOLDER: only an
 *                             entry whose name matches PATTERN (fnmatch)
 *                             triggers the swap, e.g. 'seg-*' to swap a
 *                             reader's folder between its MANIFEST and
 *                             its first segment.
 *   COPS_FAULT_REPORT=FILE    At exit, append to FILE one line
 *                             "bytes B fsyncs F renames R failed W" (what
 *                             was counted), so a test can size its
 *                             budgets from a real run.
 *
 * glibc's stdio writes through internal aliases of write() that an
 * LD_PRELOAD library cannot interpose, so fwrite, fflush and fclose are
 * wrapped as well; bytes are counted once, where the program hands them
 * over (fwrite, or write/pwrite/writev).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t write_fn(int, const void *, size_t);
typedef ssize_t pwrite_fn(int, const void *, size_t, off_t);
typedef ssize_t writev_fn(int, const struct iovec *, int);
typedef size_t fwrite_fn(const void *, size_t, size_t, FILE *);
typedef int stream_fn(FILE *);
typedef int fd_fn(int);
typedef int rename_fn(const char *, const char *);
typedef int renameat_fn(int, const char *, int, const char *);
typedef int path_fn(const char *);
typedef int unlinkat_fn(int, const char *, int);
typedef int open_fn(const char *, int, ...);
typedef int openat_fn(int, const char *, int, ...);

static write_fn *real_write;
static pwrite_fn *real_pwrite;
static pwrite_fn *real_pwrite64;
static writev_fn *real_writev;
static fwrite_fn *real_fwrite;
static stream_fn *real_fflush;
static stream_fn *real_fclose;
static fd_fn *real_fsync;
static fd_fn *real_fdatasync;
static rename_fn *real_rename;
static open_fn *real_open;
static open_fn *real_open64;
static renameat_fn *real_renameat;
static path_fn *real_remove;
static path_fn *real_unlink;
static unlinkat_fn *real_unlinkat;
static const char *swap_folder, *swap_target, *swap_name; /* COPS_FAULT_SWAP_* */
static atomic_int swap_done;
static openat_fn *real_openat;
static openat_fn *real_openat64;
static const char *missing_once; /* COPS_FAULT_MISSING_ONCE */
static atomic_int missing_done;

static long long byte_limit = -1; /* -1: no limit */
static long fsync_to_fail;        /* 0: none */
static long rename_to_fail;
static long delay_ms;
static const char *report_path;

static atomic_llong bytes_used;
static atomic_long fsync_calls;
static atomic_long rename_calls;
static atomic_long failures;
static atomic_int disk_full;

static void *next_symbol(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        /* Straight to the kernel: the wrappers are not set up. */
        static const char message[] = "enospc shim: a libc symbol is missing\n";
        (void)!syscall(SYS_write, 2, message, sizeof message - 1);
        abort();
    }
    return p;
}

static long long env_number(const char *name, long long fallback)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return fallback;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end == '\0' && v >= 0 ? v : fallback;
}

__attribute__((constructor)) static void shim_init(void)
{
    real_write = (write_fn *)next_symbol("write");
    real_pwrite = (pwrite_fn *)next_symbol("pwrite");
    real_pwrite64 = (pwrite_fn *)next_symbol("pwrite64");
    real_writev = (writev_fn *)next_symbol("writev");
    real_fwrite = (fwrite_fn *)next_symbol("fwrite");
    real_fflush = (stream_fn *)next_symbol("fflush");
    real_fclose = (stream_fn *)next_symbol("fclose");
    real_fsync = (fd_fn *)next_symbol("fsync");
    real_fdatasync = (fd_fn *)next_symbol("fdatasync");
    real_rename = (rename_fn *)next_symbol("rename");
    real_open = (open_fn *)next_symbol("open");
    real_open64 = (open_fn *)next_symbol("open64");
    real_renameat = (renameat_fn *)next_symbol("renameat");
    real_remove = (path_fn *)next_symbol("remove");
    real_unlink = (path_fn *)next_symbol("unlink");
    real_unlinkat = (unlinkat_fn *)next_symbol("unlinkat");
    swap_folder = getenv("COPS_FAULT_SWAP_FOLDER");
    swap_target = getenv("COPS_FAULT_SWAP_TARGET");
    swap_name = getenv("COPS_FAULT_SWAP_NAME");
    real_openat = (openat_fn *)next_symbol("openat");
    real_openat64 = (openat_fn *)dlsym(RTLD_NEXT, "openat64");
    missing_once = getenv("COPS_FAULT_MISSING_ONCE");
    byte_limit = env_number("COPS_FAULT_AFTER_BYTES", -1);
    fsync_to_fail = (long)env_number("COPS_FAULT_FSYNC", 0);
    rename_to_fail = (long)env_number("COPS_FAULT_RENAME", 0);
    delay_ms = (long)env_number("COPS_FAULT_DELAY_MS", 0);
    report_path = getenv("COPS_FAULT_REPORT");
}

__attribute__((destructor)) static void shim_report(void)
{
    if (!report_path || !*report_path)
        return;
    FILE *f = fopen(report_path, "a");
    if (!f)
        return;
    fprintf(f, "bytes %lld fsyncs %ld renames %ld failed %ld\n", (long long)bytes_used,
            (long)fsync_calls, (long)rename_calls, (long)failures);
    real_fclose(f);
}

/* How many of `wanted` bytes may still be written (and count them). */
static size_t take(size_t wanted)
{
    if (byte_limit < 0) {
        atomic_fetch_add(&bytes_used, (long long)wanted);
        return wanted;
    }
    long long used = atomic_load(&bytes_used);
    for (;;) {
        long long left = byte_limit - used;
        size_t granted = left <= 0 ? 0 : (unsigned long long)left < wanted ? (size_t)left : wanted;
        if (atomic_compare_exchange_weak(&bytes_used, &used, used + (long long)granted)) {
            if (granted < wanted) {
                atomic_store(&disk_full, 1);
                atomic_fetch_add(&failures, 1);
            }
            return granted;
        }
    }
}

static void pause_a_little(void)
{
    if (delay_ms > 0) {
        struct timespec t = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR)
            continue;
    }
}

static int is_console(FILE *stream)
{
    return stream == stdout || stream == stderr || fileno(stream) <= 2;
}

ssize_t write(int fd, const void *buffer, size_t length)
{
    if (fd <= 2 || length == 0)
        return real_write(fd, buffer, length);
    size_t granted = take(length);
    if (granted == 0) {
        errno = ENOSPC;
        return -1;
    }
    return real_write(fd, buffer, granted);
}

static ssize_t positioned(pwrite_fn *real, int fd, const void *buffer, size_t length, off_t at)
{
    if (fd <= 2 || length == 0)
        return real(fd, buffer, length, at);
    size_t granted = take(length);
    if (granted == 0) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buffer, granted, at);
}

ssize_t pwrite(int fd, const void *buffer, size_t length, off_t at)
{
    return positioned(real_pwrite, fd, buffer, length, at);
}

ssize_t pwrite64(int fd, const void *buffer, size_t length, off_t at)
{
    return positioned(real_pwrite64, fd, buffer, length, at);
}

ssize_t writev(int fd, const struct iovec *vector, int count)
{
    if (fd <= 2 || byte_limit < 0) {
        if (fd > 2)
            for (int i = 0; i < count; i++)
                take(vector[i].iov_len);
        return real_writev(fd, vector, count);
    }
    /* Under a limit: write piece by piece so a short write is exact. */
    ssize_t done = 0;
    for (int i = 0; i < count; i++) {
        ssize_t n = write(fd, vector[i].iov_base, vector[i].iov_len);
        if (n < 0)
            return done > 0 ? done : -1;
        done += n;
        if ((size_t)n < vector[i].iov_len)
            break;
    }
    return done;
}

size_t fwrite(const void *buffer, size_t size, size_t count, FILE *stream)
{
    if (size == 0 || count == 0 || is_console(stream))
        return real_fwrite(buffer, size, count, stream);
    size_t wanted = size * count;
    size_t granted = take(wanted);
    if (granted == wanted)
        return real_fwrite(buffer, size, count, stream);
    if (granted > 0)
        real_fwrite(buffer, 1, granted, stream);
    errno = ENOSPC;
    return granted / size;
}

/* On a full disk, bytes still in a stream's buffer cannot be written. */
static int lost_on_flush(FILE *stream)
{
    return stream && atomic_load(&disk_full) && !is_console(stream) && __fwriting(stream)
           && __fpending(stream) > 0;
}

int fflush(FILE *stream)
{
    if (lost_on_flush(stream)) {
        __fpurge(stream);
        atomic_fetch_add(&failures, 1);
        errno = ENOSPC;
        return EOF;
    }
    return real_fflush(stream);
}

int fclose(FILE *stream)
{
    if (lost_on_flush(stream)) {
        __fpurge(stream);
        atomic_fetch_add(&failures, 1);
        real_fclose(stream);
        errno = ENOSPC;
        return EOF;
    }
    return real_fclose(stream);
}

static int synced(fd_fn *real, int fd)
{
    pause_a_little();
    long n = atomic_fetch_add(&fsync_calls, 1) + 1;
    if (fsync_to_fail > 0 && n == fsync_to_fail) {
        atomic_fetch_add(&failures, 1);
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fsync(int fd)
{
    return synced(real_fsync, fd);
}

int fdatasync(int fd)
{
    return synced(real_fdatasync, fd);
}

/* 0 when the rename may go ahead, else -1 with errno set. */
static int rename_allowed(void)
{
    pause_a_little();
    long n = atomic_fetch_add(&rename_calls, 1) + 1;
    if (rename_to_fail > 0 && n == rename_to_fail) {
        atomic_fetch_add(&failures, 1);
        errno = EIO;
        return -1;
    }
    return 0;
}

int rename(const char *from, const char *to)
{
    return rename_allowed() != 0 ? -1 : real_rename(from, to);
}

/* the index directory's files are replaced relative to its descriptor */
int renameat(int from_dir, const char *from, int to_dir, const char *to)
{
    return rename_allowed() != 0 ? -1 : real_renameat(from_dir, from, to_dir, to);
}

/* COPS_FAULT_SWAP_FOLDER: before the first opening or removal of an
 * entry `name` (COPS_FAULT_SWAP_NAME matches it, when set) of the folder
 * `folder` (a path) it matches, that folder is moved aside and a link to
 * COPS_FAULT_SWAP_TARGET put in its place. */
static void swap_before_entry(const char *folder, const char *name)
{
    if (!swap_folder || !*swap_folder || !swap_target || !folder)
        return;
    if (swap_name && *swap_name) {
        const char *slash = name ? strrchr(name, '/') : NULL;
        if (!name || fnmatch(swap_name, slash ? slash + 1 : name, 0) != 0)
            return;
    }
    if (fnmatch(swap_folder, folder, 0) != 0 || atomic_exchange(&swap_done, 1) != 0)
        return;
    char moved[4096];
    snprintf(moved, sizeof moved, "%s.moved", folder);
    if (real_rename(folder, moved) == 0 && symlink(swap_target, folder) == 0)
        atomic_fetch_add(&failures, 1);
}

/* The folder the descriptor `dir` is open on, in out[size]. */
static const char *folder_held(int dir, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dir);
    ssize_t n = readlink(link, out, size - 1);
    if (n <= 0)
        return NULL;
    out[n] = '\0';
    return out;
}

/* The folder of `path` (a copy in out[size]), a /proc/self/fd/N one
 * resolved. */
static const char *folder_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) >= size)
        return NULL;
    memcpy(out, path, (size_t)(slash - path));
    out[slash - path] = '\0';
    if (strncmp(out, "/proc/self/fd/", 14) == 0)
        return folder_held(atoi(out + 14), out, size);
    return out;
}

/* The folder of `name` relative to the descriptor `dir`. */
static const char *folder_at(int dir, const char *name, char *out, size_t size)
{
    if (dir == AT_FDCWD || name[0] == '/')
        return folder_of(name, out, size);
    return strchr(name, '/') ? NULL : folder_held(dir, out, size);
}

int remove(const char *path)
{
    char folder[4096];
    swap_before_entry(folder_of(path, folder, sizeof folder), path);
    return real_remove(path);
}

int unlink(const char *path)
{
    char folder[4096];
    swap_before_entry(folder_of(path, folder, sizeof folder), path);
    return real_unlink(path);
}

int unlinkat(int dir, const char *name, int flags)
{
    char folder[4096];
    swap_before_entry(folder_at(dir, name, folder, sizeof folder), name);
    return real_unlinkat(dir, name, flags);
}

/* The first open of a path ending in COPS_FAULT_MISSING_ONCE: ENOENT. */
static int missing_now(const char *path)
{
    if (!missing_once || !*missing_once || !path)
        return 0;
    size_t length = strlen(path), suffix = strlen(missing_once);
    if (length < suffix || strcmp(path + length - suffix, missing_once) != 0)
        return 0;
    return atomic_exchange(&missing_done, 1) == 0;
}

/* open or openat (`real_at`, relative to `dir`) of `path`. */
static int opened(open_fn *real, openat_fn *real_at, int dir, const char *path, int flags,
                  va_list modes)
{
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(modes, int) : 0;
    if (swap_folder && path) {
        char folder[4096];
        swap_before_entry(folder_at(dir, path, folder, sizeof folder), path);
    }
    if (missing_now(path)) {
        atomic_fetch_add(&failures, 1);
        errno = ENOENT;
        return -1;
    }
    return real_at ? real_at(dir, path, flags, mode) : real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
    va_list modes;
    va_start(modes, flags);
    int fd = opened(real_open, NULL, AT_FDCWD, path, flags, modes);
    va_end(modes);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    va_list modes;
    va_start(modes, flags);
    int fd = opened(real_open64 ? real_open64 : real_open, NULL, AT_FDCWD, path, flags, modes);
    va_end(modes);
    return fd;
}

/* the index files are opened relative to a directory's descriptor, or
 * to AT_FDCWD by path (base/file.c) */
int openat(int dir, const char *path, int flags, ...)
{
    va_list modes;
    va_start(modes, flags);
    int fd = opened(NULL, real_openat, dir, path, flags, modes);
    va_end(modes);
    return fd;
}

int openat64(int dir, const char *path, int flags, ...)
{
    va_list modes;
    va_start(modes, flags);
    int fd = opened(NULL, real_openat64 ? real_openat64 : real_openat, dir, path, flags, modes);
    va_end(modes);
    return fd;
}
