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

/* Open `path` with `flags` plus the guards, and insist on a regular file
 * (one link when `single_link`); O_NOFOLLOW unless `follow_link`. */
static int open_guarded(const char *path, int flags, int single_link, int follow_link,
                        int *fd_out, uint64_t *size_out, cops_error *err)
{
    int fd = open(path, flags | (follow_link ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) {
        int errnum = errno;
        struct stat st;
        if (errnum == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
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

int file_open_regular(const char *path, int *fd_out, uint64_t *size_out, cops_error *err)
{
    return open_guarded(path, O_RDONLY, 0, 0, fd_out, size_out, err);
}

int file_open_lock(const char *path, int *fd_out, cops_error *err)
{
    return open_guarded(path, O_RDWR | O_CREAT, 1, 0, fd_out, NULL, err);
}

int file_read_regular(const char *path, size_t max_bytes, byte_buffer *out, cops_error *err)
{
    return file_read_named(path, 0, max_bytes, out, err);
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
    int rc = open_guarded(path, O_RDONLY, 0, follow_link, &fd, &size, err);
    if (rc != 0)
        return rc;
    rc = file_read_descriptor(fd, size, path, max_bytes, out, err);
    close(fd);
    return rc;
}

int file_create_new(const char *path, int *fd_out, cops_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot create %s", path);
    *fd_out = fd;
    return 0;
}

int file_is_regular(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int file_remove_leftover(const char *path, cops_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : error_set_errno(err, COPS_EIO, errno, "cannot stat %s", path);
    if (!S_ISREG(st.st_mode))
        return error_set(err, COPS_EIO, "%s exists and is not a regular file (%s): left alone",
                         path, kind_of(st.st_mode));
    if (unlink(path) != 0 && errno != ENOENT)
        return error_set_errno(err, COPS_EIO, errno, "cannot remove %s", path);
    return 0;
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
 * nothing, or a regular leftover (removed). */
static int create_temporary(const char *dir, const char *name, char *temporary, size_t size,
                            int *fd_out, cops_error *err)
{
    int rc = 0;
    for (int candidate = 0; candidate < TEMPORARY_CANDIDATES; candidate++) {
        int length = candidate == 0 ? snprintf(temporary, size, "%s/%s.tmp", dir, name)
                                    : snprintf(temporary, size, "%s/%s.%d.tmp", dir, name,
                                               candidate);
        if (length < 0 || (size_t)length >= size)
            return error_set(err, COPS_EINVAL, "path too long: %s/%s", dir, name);
        rc = file_remove_leftover(temporary, err);
        if (rc == 0)
            return file_create_new(temporary, fd_out, err);
    }
    return rc; /* every candidate taken by something that is not ours */
}

int file_write_temporary(const char *dir, const char *name, const void *data, size_t length,
                         char *temporary, size_t temporary_size, cops_error *err)
{
    int fd;
    int rc = create_temporary(dir, name, temporary, temporary_size, &fd, err);
    if (rc != 0)
        return rc;
    if (write_all(fd, data, length) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot write %s", temporary);
    else if (fsync(fd) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot fsync %s", temporary);
    if (close(fd) != 0 && rc == 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot close %s", temporary);
    if (rc != 0)
        unlink(temporary);
    return rc;
}

int file_rename_over(const char *temporary, const char *final, cops_error *err)
{
    struct stat st;
    int rc = 0;
    if (lstat(final, &st) == 0 && !S_ISREG(st.st_mode))
        rc = error_set(err, COPS_EIO, "%s exists and is not a regular file (%s): left alone",
                       final, kind_of(st.st_mode));
    else if (rename(temporary, final) != 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot rename %s", temporary);
    if (rc != 0)
        unlink(temporary);
    return rc;
}

int file_replace(const char *dir, const char *name, const void *data, size_t length,
                 cops_error *err)
{
    char temporary[4096], final[4096];
    if ((size_t)snprintf(final, sizeof final, "%s/%s", dir, name) >= sizeof final)
        return error_set(err, COPS_EINVAL, "path too long: %s/%s", dir, name);
    int rc = file_write_temporary(dir, name, data, length, temporary, sizeof temporary, err);
    return rc == 0 ? file_rename_over(temporary, final, err) : rc;
}
