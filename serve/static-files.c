/*
 * static-files.c — one flat folder of page files, opened safely (see
 * static-files.h).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/static-files.h"

static const struct {
    const char *extension;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* The Content-Type of an acceptable file name, or NULL. */
static const char *type_of(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length > 64 || name[0] == '.'
        || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
               != length)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t e = strlen(types[i].extension);
        if (length > e && !strcmp(name + length - e, types[i].extension))
            return types[i].type;
    }
    return NULL;
}

static unsigned read_all(int fd, size_t size, static_file *out)
{
    char *bytes = malloc(size + 1);
    if (!bytes)
        return 500;
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, bytes + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    out->bytes = bytes;
    out->length = done;
    return 200;
}

unsigned static_file_read(int www_fd, const char *path, static_file *out)
{
    memset(out, 0, sizeof *out);
    if (path[0] != '/')
        return 404;
    const char *name = path[1] ? path + 1 : "index.html";
    const char *type = type_of(name);
    if (!type)
        return 404;
    int fd = openat(www_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 404;
    struct stat st;
    unsigned status = 404;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= STATIC_FILE_MAX_BYTES
        && fcntl(fd, F_SETFL, 0) == 0) {
        status = read_all(fd, (size_t)st.st_size, out);
        out->type = type;
    }
    close(fd);
    return status;
}
