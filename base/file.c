/*
 * file.c — index-directory files as hostile objects (file.h).
 */
#include "config.h"

#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

#define TEMPORARY_CANDIDATES 10 /* "<name>.tmp", then "<name>.1.tmp" .. "<name>.9.tmp" */

static const char *kind_of(mode_t mode)
{
    if (S_ISLNK(mode))
        return "a symbolic link, not followed";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a plain file";
}

static int not_regular(cops_error *err, const char *path, mode_t mode)
{
    return error_set(err, COPS_ECORRUPT, "%s is not a regular file (%s)", path, kind_of(mode));
}

/* The path of `name` in `dir` for messages (`name` alone when `dir` is
 * NULL) in out[size]; 0, or COPS_EINVAL when it does not fit. */
static int path_of(const char *dir, const char *name, char *out, size_t size, cops_error *err)
{
    int length = dir ? snprintf(out, size, "%s/%s", dir, name) : snprintf(out, size, "%s", name);
    if (length < 0 || (size_t)length >= size)
        return error_set(err, COPS_EINVAL, "path too long: %s%s%s", dir ? dir : "",
                         dir ? "/" : "", name);
    return 0;
}

/* What the *at calls take for `name`: the name itself in the folder
 * `dir_fd` held open, the whole path when there is none (AT_FDCWD). */
static const char *operand(int dir_fd, const char *path, const char *name)
{
    return dir_fd == AT_FDCWD ? path : name;
}

/* Open `name` in `dir_fd` (`path` in messages) with `flags` plus the
 * guards, and insist on a regular file (one link when `single_link`);
 * O_NOFOLLOW unless `follow_link`. */
static int open_guarded(int dir_fd, const char *name, const char *path, int flags,
                        int single_link, int follow_link, int *fd_out, uint64_t *size_out,
                        cops_error *err)
{
    int fd = openat(dir_fd, name, flags | (follow_link ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC,
                    0644);
    if (fd < 0) {
        int errnum = errno;
        struct stat st;
        if (errnum == ELOOP && fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
            && S_ISLNK(st.st_mode))
            return not_regular(err, path, st.st_mode);
        return error_set_errno(err, errnum == ENOENT || errnum == ENOTDIR ? COPS_ENOINDEX
                                                                           : COPS_EIO,
                               errnum, "cannot open %s", path);
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot stat %s", path);
    else if (!S_ISREG(st.st_mode))
        rc = not_regular(err, path, st.st_mode);
    else if (single_link && st.st_nlink != 1)
        rc = error_set(err, COPS_ECORRUPT, "%s is not a regular file of its own (%llu links)",
                       path, (unsigned long long)st.st_nlink);
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot open %s", path);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    if (size_out)
        *size_out = (uint64_t)st.st_size;
    return 0;
}

/* Open the directory `path` with `flags` (its symbolic link followed). */
static int open_directory(const char *path, int flags, int *fd_out, cops_error *err)
{
    /* O_DIRECTORY is checked before the open proper: a FIFO there fails
     * at once (ENOTDIR) instead of blocking. */
    int fd = open(path, flags | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return error_set_errno(err, errno == ENOENT || errno == ENOTDIR ? COPS_ENOINDEX
                                                                        : COPS_EIO,
                               errno, "cannot open the directory %s", path);
    *fd_out = fd;
    return 0;
}

int file_open_directory(const char *path, int *fd_out, cops_error *err)
{
    return open_directory(path, O_RDONLY, fd_out, err);
}

int file_hold_directory(const char *path, int *fd_out, cops_error *err)
{
    /* O_PATH asks no permission on the folder itself: a reader opens only
     * names it knows, so a folder it may enter but not list is read as
     * before the folder was held. */
#ifdef O_PATH
    return open_directory(path, O_PATH, fd_out, err);
#else
    return open_directory(path, O_RDONLY, fd_out, err);
#endif
}

int file_open_regular_at(int dir_fd, const char *dir, const char *name, int *fd_out,
                         uint64_t *size_out, cops_error *err)
{
    char path[4096];
    int rc = path_of(dir, name, path, sizeof path, err);
    return rc != 0 ? rc : open_guarded(dir_fd, operand(dir_fd, path, name), path, O_RDONLY, 0, 0,
                                       fd_out, size_out, err);
}

int file_open_regular(const char *path, int *fd_out, uint64_t *size_out, cops_error *err)
{
    return open_guarded(AT_FDCWD, path, path, O_RDONLY, 0, 0, fd_out, size_out, err);
}

int file_open_lock_at(int dir_fd, const char *dir, const char *name, int *fd_out,
                      cops_error *err)
{
    char path[4096];
    int rc = path_of(dir, name, path, sizeof path, err);
    return rc != 0 ? rc : open_guarded(dir_fd, operand(dir_fd, path, name), path,
                                       O_RDWR | O_CREAT, 1, 0, fd_out, NULL, err);
}

int file_open_lock(const char *path, int *fd_out, cops_error *err)
{
    return file_open_lock_at(AT_FDCWD, NULL, path, fd_out, err);
}

int file_read_regular(const char *path, size_t max_bytes, byte_buffer *out, cops_error *err)
{
    return file_read_named(path, 0, max_bytes, out, err);
}

int file_read_regular_at(int dir_fd, const char *dir, const char *name, size_t max_bytes,
                         byte_buffer *out, cops_error *err)
{
    char path[4096];
    int fd;
    uint64_t size;
    int rc = path_of(dir, name, path, sizeof path, err);
    if (rc == 0)
        rc = open_guarded(dir_fd, operand(dir_fd, path, name), path, O_RDONLY, 0, 0, &fd, &size,
                          err);
    if (rc != 0)
        return rc;
    rc = file_read_descriptor(fd, size, path, max_bytes, out, err);
    close(fd);
    return rc;
}

int file_read_descriptor(int fd, uint64_t size, const char *path, size_t max_bytes,
                         byte_buffer *out, cops_error *err)
{
    if (size > max_bytes)
        return error_set(err, COPS_ECORRUPT, "%s is %llu bytes, more than the %zu it may hold",
                         path, (unsigned long long)size, max_bytes);
    size_t limit = max_bytes + 1, taken = 0;
    int rc = 0;
    if (buffer_reserve(out, (size_t)size + 1) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
    while (rc == 0 && taken < limit) {
        if (buffer_reserve(out, 1) != 0) {
            rc = error_set(err, COPS_ENOMEM, "out of memory reading %s", path);
            break;
        }
        size_t room = out->capacity - out->length;
        ssize_t n = pread(fd, out->data + out->length, room < limit - taken ? room : limit - taken,
                          (off_t)taken);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = error_set_errno(err, COPS_EIO, errno, "cannot read %s", path);
        if (n <= 0)
            break;
        out->length += (size_t)n;
        taken += (size_t)n;
    }
    if (rc == 0 && taken > max_bytes)
        rc = error_set(err, COPS_ECORRUPT, "%s grew past the %zu bytes it may hold", path,
                       max_bytes);
    return rc;
}

int file_read_named(const char *path, int follow_link, size_t max_bytes, byte_buffer *out,
                    cops_error *err)
{
    int fd;
    uint64_t size;
    int rc = open_guarded(AT_FDCWD, path, path, O_RDONLY, 0, follow_link, &fd, &size, err);
    if (rc != 0)
        return rc;
    rc = file_read_descriptor(fd, size, path, max_bytes, out, err);
    close(fd);
    return rc;
}

int file_create_new_at(int dir_fd, const char *dir, const char *name, int *fd_out,
                       cops_error *err)
{
    char path[4096];
    int rc = path_of(dir, name, path, sizeof path, err);
    if (rc != 0)
        return rc;
    int fd = openat(dir_fd, operand(dir_fd, path, name),
                    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot create %s", path);
    *fd_out = fd;
    return 0;
}

int file_create_new(const char *path, int *fd_out, cops_error *err)
{
    return file_create_new_at(AT_FDCWD, NULL, path, fd_out, err);
}

int file_is_regular(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int file_remove_leftover_at(int dir_fd, const char *dir, const char *name, cops_error *err)
{
    char path[4096];
    int rc = path_of(dir, name, path, sizeof path, err);
    if (rc != 0)
        return rc;
    const char *target = operand(dir_fd, path, name);
    struct stat st;
    if (fstatat(dir_fd, target, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : error_set_errno(err, COPS_EIO, errno, "cannot stat %s", path);
    if (!S_ISREG(st.st_mode))
        return error_set(err, COPS_EIO, "%s exists and is not a regular file (%s): left alone",
                         path, kind_of(st.st_mode));
    if (unlinkat(dir_fd, target, 0) != 0 && errno != ENOENT)
        return error_set_errno(err, COPS_EIO, errno, "cannot remove %s", path);
    return 0;
}

int file_remove_leftover(const char *path, cops_error *err)
{
    return file_remove_leftover_at(AT_FDCWD, NULL, path, err);
}

size_t file_temporary_base_length(const char *file_name)
{
    size_t length = strlen(file_name);
    if (length <= 4 || strcmp(file_name + length - 4, ".tmp") != 0)
        return 0;
    length -= 4;
    if (length > 2 && file_name[length - 2] == '.' && file_name[length - 1] >= '1'
        && file_name[length - 1] <= '9')
        length -= 2;
    return length;
}

static int write_all(int fd, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC; /* a short write sets no errno */
            return -1;
        }
        bytes += n;
        length -= (size_t)n;
    }
    return 0;
}

/* Create a temporary for dir/name: the first candidate name that holds
 * nothing, or a regular leftover (removed).  `temporary` gets its name. */
static int create_temporary(int dir_fd, const char *dir, const char *name, char *temporary,
                            size_t size, int *fd_out, cops_error *err)
{
    int rc = 0;
    for (int candidate = 0; candidate < TEMPORARY_CANDIDATES; candidate++) {
        int length = candidate == 0 ? snprintf(temporary, size, "%s.tmp", name)
                                    : snprintf(temporary, size, "%s.%d.tmp", name, candidate);
        if (length < 0 || (size_t)length >= size)
            return error_set(err, COPS_EINVAL, "path too long: %s/%s", dir ? dir : ".", name);
        rc = file_remove_leftover_at(dir_fd, dir, temporary, err);
        if (rc == 0)
            return file_create_new_at(dir_fd, dir, temporary, fd_out, err);
    }
    return rc; /* every candidate taken by something that is not ours */
}

/* Unlink our own temporary `name` of `dir` (nothing to report: a failure
 * is being reported already). */
static void remove_temporary(int dir_fd, const char *dir, const char *name)
{
    char path[4096];
    if (path_of(dir, name, path, sizeof path, NULL) == 0)
        unlinkat(dir_fd, operand(dir_fd, path, name), 0);
}

int file_write_temporary(int dir_fd, const char *dir, const char *name, const void *data,
                         size_t length, char *temporary, size_t temporary_size, cops_error *err)
{
    int fd;
    char path[4096];
    int rc = create_temporary(dir_fd, dir, name, temporary, temporary_size, &fd, err);
    if (rc != 0)
        return rc;
    path_of(dir, temporary, path, sizeof path, NULL); /* fits: created by that path */
    if (write_all(fd, data, length) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", path);
    else if (fsync(fd) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot fsync %s", path);
    if (close(fd) != 0 && rc == 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot close %s", path);
    if (rc != 0)
        remove_temporary(dir_fd, dir, temporary);
    return rc;
}

int file_rename_over(int dir_fd, const char *dir, const char *temporary, const char *final,
                     cops_error *err)
{
    char from[4096], to[4096];
    int rc = path_of(dir, temporary, from, sizeof from, err);
    if (rc == 0)
        rc = path_of(dir, final, to, sizeof to, err);
    struct stat st;
    if (rc != 0) {
        /* reported */
    } else if (fstatat(dir_fd, operand(dir_fd, to, final), &st, AT_SYMLINK_NOFOLLOW) == 0
               && !S_ISREG(st.st_mode))
        rc = error_set(err, COPS_EIO, "%s exists and is not a regular file (%s): left alone", to,
                       kind_of(st.st_mode));
    else if (renameat(dir_fd, operand(dir_fd, from, temporary), dir_fd,
                      operand(dir_fd, to, final)) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot rename %s", from);
    if (rc != 0)
        remove_temporary(dir_fd, dir, temporary);
    return rc;
}

int file_replace_at(int dir_fd, const char *dir, const char *name, const void *data,
                    size_t length, cops_error *err)
{
    char temporary[4096];
    int rc = file_write_temporary(dir_fd, dir, name, data, length, temporary, sizeof temporary,
                                  err);
    return rc == 0 ? file_rename_over(dir_fd, dir, temporary, name, err) : rc;
}

int file_replace(const char *dir, const char *name, const void *data, size_t length,
                 cops_error *err)
{
    return file_replace_at(AT_FDCWD, dir, name, data, length, err);
}
