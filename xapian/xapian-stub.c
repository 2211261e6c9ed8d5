/*
 * xapian-stub.c — Xapian stub files, read without trusting them
 * (xapian-stub.h).
 */
#include "config.h"

#include "xapian/xapian-stub.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buffer.h"
#include "base/error.h"
#include "base/file.h"
#include "xapian/xapian-pin-folder.h"

/* ------------------------------------------------------------- reading */

/* The whole file, NUL-terminated, in *out (malloc'd): read as every index
 * file is (base/file.h: never blocking on a FIFO, regular files only,
 * bounded), following a link only at a stub the user named. */
static int read_bounded(const char *path, int follow_symlink, char **out, size_t *length,
                        cops_error *err)
{
    byte_buffer bytes = {0};
    int rc = file_read_named(path, follow_symlink, XAPIAN_STUB_MAX_BYTES, &bytes, err);
    if (rc == 0 && buffer_reserve(&bytes, 1) != 0)
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    if (rc != 0) {
        buffer_free(&bytes);
        *out = NULL;
        return rc;
    }
    bytes.data[bytes.length] = '\0';
    *out = (char *)bytes.data;
    *length = bytes.length;
    return 0;
}

/* ------------------------------------------------------------- parsing */

typedef struct stub_line {
    const char *stub_path;
    unsigned number;
} stub_line;

static int bad_line(cops_error *err, const stub_line *line, const char *why)
{
    return error_set(err, COPS_ECORRUPT, "%s:%u: not a Xapian stub line cops accepts (%s)",
                     line->stub_path, line->number, why);
}

/* A relative path that stays below the stub's directory. */
static const char *path_problem(const char *path)
{
    if (!*path)
        return "an empty path";
    if (*path == '/')
        return "an absolute path";
    for (const char *part = path; part; part = strchr(part, '/') ? strchr(part, '/') + 1 : NULL)
        if (strncmp(part, "..", 2) == 0 && (part[2] == '/' || part[2] == '\0'))
            return "a path with '..'";
    return NULL;
}

/* "HOST:PORT" (the port after the last ':', an IPv6 host bracketed) cut in
 * place; the host may hold letters, digits, '.', '-', ':' (inside
 * brackets), nothing else. */
static int parse_host_port(char *text, cops_xapian_shard *shard)
{
    char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || port == 0 || port > 65535)
        return -1;
    *colon = '\0';
    size_t length = strlen(text);
    if (length >= 2 && text[0] == '[' && text[length - 1] == ']') {
        text[length - 1] = '\0';
        text++;
    } else if (strchr(text, ':')) {
        return -1;
    }
    for (const char *c = text; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:", *c))
            return -1;
    shard->kind = COPS_XAPIAN_SHARD_TCP;
    shard->location = text;
    shard->port = (unsigned)port;
    return *text ? 0 : -1;
}

/* "remote :PROG ARGS" or "remote HOST:PORT", `rest` after "remote ". */
static int parse_remote(char *rest, const stub_line *line, cops_xapian_shard *shard,
                        cops_error *err)
{
    if (*rest == ':') {
        char *program = rest + 1;
        char *space = strchr(program, ' ');
        if (space)
            *space = '\0';
        if (!*program)
            return bad_line(err, line, "remote : without a program");
        shard->kind = COPS_XAPIAN_SHARD_PROGRAM;
        shard->location = program;
        shard->args = space ? space + 1 : "";
        return 0;
    }
    return parse_host_port(rest, shard) == 0 ? 0 : bad_line(err, line, "remote without :PROGRAM or HOST:PORT");
}

static int parse_line(char *text, const stub_line *line, const char *base, size_t base_length,
                      cops_xapian_shard *shard, cops_error *err)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return bad_line(err, line, "a control character");
    char *space = strchr(text, ' ');
    char *rest = space ? space + 1 : text + strlen(text);
    if (space)
        *space = '\0';
    memset(shard, 0, sizeof *shard);
    if (strcmp(text, "remote") == 0)
        return parse_remote(rest, line, shard, err);
    if (strcmp(text, "chert") == 0 || strcmp(text, "inmemory") == 0)
        return error_set(err, COPS_EUNSUPPORTED, "%s:%u: %s databases are not supported (cops "
                         "opens glass databases)", line->stub_path, line->number, text);
    if (strcmp(text, "auto") != 0 && strcmp(text, "glass") != 0)
        return bad_line(err, line, "an unknown database type");
    const char *problem = path_problem(rest);
    if (problem)
        return error_set(err, COPS_ECORRUPT, "%s:%u: %s: a stub names databases inside its own "
                         "directory", line->stub_path, line->number, problem);
    char *joined = malloc(base_length + strlen(rest) + 1);
    if (!joined)
        return error_set(err, COPS_ENOMEM, "out of memory");
    memcpy(joined, base, base_length);
    strcpy(joined + base_length, rest);
    shard->kind = COPS_XAPIAN_SHARD_GLASS;
    shard->location = joined;
    return 0;
}

/* "DIR/" of "DIR/STUB" ("" when the stub has no directory part). */
static size_t directory_length(const char *stub_path)
{
    const char *slash = strrchr(stub_path, '/');
    return slash ? (size_t)(slash - stub_path) + 1 : 0;
}

int xapian_stub_read(const char *stub_path, int follow_symlink, xapian_stub *out,
                     cops_error *err)
{
    memset(out, 0, sizeof *out);
    size_t length = 0;
    int rc = read_bounded(stub_path, follow_symlink, &out->strings, &length, err);
    if (rc != 0)
        return rc;
    if (memchr(out->strings, '\0', length))
        return error_set(err, COPS_ECORRUPT, "%s: a NUL byte: not a Xapian stub", stub_path);
    out->base_length = directory_length(stub_path);
    stub_line line = {stub_path, 0};
    for (char *text = out->strings; rc == 0 && text; ) {
        char *newline = strchr(text, '\n');
        if (newline)
            *newline = '\0';
        line.number++;
        if (*text && *text != '#') {
            if (out->count == XAPIAN_STUB_MAX_SHARDS)
                return error_set(err, COPS_ELIMIT, "%s: more than %d databases", stub_path,
                                 XAPIAN_STUB_MAX_SHARDS);
            if (out->count % 16 == 0) {
                cops_xapian_shard *shards = realloc(out->shards, (out->count + 16) * sizeof *shards);
                unsigned *lines = shards ? realloc(out->lines, (out->count + 16) * sizeof *lines) : NULL;
                if (shards)
                    out->shards = shards;
                if (lines)
                    out->lines = lines;
                if (!lines)
                    return error_set(err, COPS_ENOMEM, "out of memory");
            }
            out->lines[out->count] = line.number;
            rc = parse_line(text, &line, stub_path, out->base_length, &out->shards[out->count], err);
            if (rc == 0)
                out->count++;
        }
        text = newline ? newline + 1 : NULL;
    }
    if (rc == 0 && out->count == 0)
        rc = error_set(err, COPS_ECORRUPT, "%s: no database listed: not a Xapian stub", stub_path);
    return rc;
}

void xapian_stub_free(xapian_stub *stub)
{
    if (!stub)
        return;
    for (size_t i = 0; i < stub->count; i++)
        if (stub->shards[i].kind == COPS_XAPIAN_SHARD_GLASS)
            free((char *)stub->shards[i].location);
    free(stub->shards);
    free(stub->lines);
    free(stub->strings);
    memset(stub, 0, sizeof *stub);
}

/* ------------------------------------------------------------ checking */

int xapian_glass_check(const char *dir, cops_error *err)
{
    DIR *listing = opendir(dir);
    if (!listing)
        return error_set_errno(err, errno == ENOENT ? COPS_ENOINDEX : COPS_EIO, errno,
                               "cannot open the Xapian database %s", dir);
    int rc = 0, glass = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        struct stat status;
        if (fstatat(dirfd(listing), entry->d_name, &status, AT_SYMLINK_NOFOLLOW) != 0)
            rc = error_set_errno(err, COPS_EIO, errno, "cannot examine %s/%s", dir, entry->d_name);
        else if (!S_ISREG(status.st_mode))
            rc = error_set(err, COPS_EIO, "%s/%s: not a regular file (a Xapian database holds "
                           "only regular files; symlinks and special files are refused)", dir,
                           entry->d_name);
        glass |= strcmp(entry->d_name, "iamglass") == 0;
    }
    closedir(listing);
    if (rc == 0 && !glass)
        rc = error_set(err, COPS_ENOINDEX, "%s: not a glass database (no iamglass)", dir);
    return rc;
}

/* Every component of `path` after its first `base_length` bytes is a real
 * directory, not a symlink. */
static int walk_without_links(const char *path, size_t base_length, const char *stub_path,
                              unsigned line, cops_error *err)
{
    char prefix[PATH_MAX];
    size_t length = strlen(path);
    if (length >= sizeof prefix)
        return error_set(err, COPS_ELIMIT, "%s:%u: path too long", stub_path, line);
    for (size_t end = base_length; end <= length; end++) {
        if (end < length && path[end] != '/')
            continue;
        if (end == base_length)
            continue;
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        struct stat status;
        if (lstat(prefix, &status) != 0)
            return error_set_errno(err, errno == ENOENT ? COPS_ENOINDEX : COPS_EIO, errno,
                                   "%s:%u: cannot open the database %s", stub_path, line, prefix);
        if (!S_ISDIR(status.st_mode))
            return error_set(err, COPS_EIO, "%s:%u: %s is %s, not a database directory",
                             stub_path, line, prefix,
                             S_ISLNK(status.st_mode) ? "a symlink" : "not a directory");
    }
    return 0;
}

int xapian_stub_check(const xapian_stub *stub, const char *stub_path, unsigned allow,
                      cops_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < stub->count; i++) {
        const cops_xapian_shard *shard = &stub->shards[i];
        if (shard->kind == COPS_XAPIAN_SHARD_PROGRAM && !(allow & COPS_OPEN_ALLOW_REMOTE_PROGRAMS))
            rc = error_set(err, COPS_EINVAL, "%s:%u: refused: the stub would run a program "
                           "(remote :PROGRAM); --allow-remote-programs allows it if you trust "
                           "whoever wrote %s", stub_path, stub->lines[i], stub_path);
        else if (shard->kind == COPS_XAPIAN_SHARD_TCP && !(allow & COPS_OPEN_ALLOW_REMOTE_HOSTS))
            rc = error_set(err, COPS_EINVAL, "%s:%u: refused: the stub would send your queries to "
                           "%s:%u (remote HOST:PORT); --allow-remote-hosts allows it, or search "
                           "it with --remote", stub_path, stub->lines[i], shard->location,
                           shard->port);
        else if (shard->kind == COPS_XAPIAN_SHARD_GLASS) {
            rc = walk_without_links(shard->location, stub->base_length, stub_path,
                                    stub->lines[i], err);
            if (rc == 0)
                rc = xapian_glass_check(shard->location, err);
        }
    }
    return rc;
}

/* ----------------------------------------------------------- detecting */

int xapian_has_regular_file(const char *dir, const char *name)
{
    char joined[4096];
    struct stat status;
    if ((size_t)snprintf(joined, sizeof joined, "%s/%s", dir, name) >= sizeof joined)
        return 0;
    return lstat(joined, &status) == 0 && S_ISREG(status.st_mode);
}

int xapian_detect(const char *path)
{
    struct stat status;
    if (stat(path, &status) != 0)
        return 0;
    if (S_ISDIR(status.st_mode))
        return xapian_has_regular_file(path, "iamglass") ||
               xapian_has_regular_file(path, "XAPIANDB");
    if (!S_ISREG(status.st_mode))
        return 0;
    /* A file is a stub only when it reads as one: any other file given as
     * --index is not an index (and is never replaced by one). */
    xapian_stub stub;
    int rc = xapian_stub_read(path, 1, &stub, NULL);
    xapian_stub_free(&stub);
    return rc == 0 || rc == COPS_EUNSUPPORTED;
}

/* ------------------------------------------------------------- pinning */

struct xapian_pin {
    char dir[PATH_MAX];
    int dir_fd;           /* the private folder */
    int source_fd;        /* the database's folder */
    int fds[XAPIAN_GLASS_FILES]; /* -1: absent from the database */
};

const char *xapian_pin_dir(const xapian_pin *pin)
{
    return pin->dir;
}

void xapian_pin_free(xapian_pin *pin)
{
    if (!pin)
        return;
    for (size_t i = 0; i < XAPIAN_GLASS_FILES; i++) {
        if (pin->fds[i] >= 0) {
            unlinkat(pin->dir_fd, xapian_glass_files[i], 0);
            close(pin->fds[i]);
        }
    }
    if (pin->dir_fd >= 0) {
        close(pin->dir_fd);
        rmdir(pin->dir);
    }
    if (pin->source_fd >= 0)
        close(pin->source_fd);
    free(pin);
}

/* Open xapian_glass_files[i] of the database into *fd: never through a link,
 * never waiting on a FIFO, a regular file only.  -1 in *fd when absent. */
static int open_regular(const xapian_pin *pin, size_t i, const char *shown, int *fd,
                        cops_error *err)
{
    const char *name = xapian_glass_files[i];
    *fd = openat(pin->source_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0 && errno == ENOENT)
        return 0; /* an optional table Xapian finds absent */
    if (*fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "%s/%s: cannot open it%s", shown, name,
                               errno == ELOOP ? " (a symlink: refused)" : "");
    struct stat status;
    if (fstat(*fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        close(*fd);
        *fd = -1;
        return error_set(err, COPS_EIO, "%s/%s: not a regular file (a Xapian database holds "
                         "only regular files; symlinks and special files are refused)",
                         shown, name);
    }
    return 0;
}

/* Name `fd` (or nothing, when -1) as xapian_glass_files[i] in the private
 * folder, in place of the file named so before (closed): a link made
 * aside and renamed over the old one, so that Xapian never finds the
 * name missing meanwhile. */
static int place(xapian_pin *pin, size_t i, int fd, cops_error *err)
{
    const char *name = xapian_glass_files[i];
    int rc = 0;
    if (fd < 0) {
        if (pin->fds[i] >= 0)
            unlinkat(pin->dir_fd, name, 0);
    } else {
        char target[64];
        snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
        if (symlinkat(target, pin->dir_fd, XAPIAN_PIN_NEW) != 0
            || renameat(pin->dir_fd, XAPIAN_PIN_NEW, pin->dir_fd, name) != 0) {
            rc = error_set_errno(err, COPS_EIO, errno, "cannot name %s in %s", name, pin->dir);
            unlinkat(pin->dir_fd, XAPIAN_PIN_NEW, 0);
            close(fd);
            return rc;
        }
    }
    if (pin->fds[i] >= 0)
        close(pin->fds[i]);
    pin->fds[i] = fd;
    return 0;
}

/* Open and name every file Xapian may open (again). */
static int pin_files(xapian_pin *pin, const char *shown, cops_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < XAPIAN_GLASS_FILES; i++) {
        int fd;
        rc = open_regular(pin, i, shown, &fd, err);
        if (rc == 0)
            rc = place(pin, i, fd, err);
    }
    if (rc == 0 && pin->fds[0] < 0)
        rc = error_set(err, COPS_ENOINDEX, "%s: not a glass database (no iamglass)", shown);
    return rc;
}

int xapian_pin_refresh(xapian_pin *pin, cops_error *err)
{
    return pin_files(pin, pin->dir, err);
}

int xapian_pin_glass(int dir_fd, const char *shown, xapian_pin **out, cops_error *err)
{
    *out = NULL;
    xapian_pin *pin = malloc(sizeof *pin);
    if (!pin)
        return error_set(err, COPS_ENOMEM, "out of memory");
    pin->dir_fd = pin->source_fd = -1;
    for (size_t i = 0; i < XAPIAN_GLASS_FILES; i++)
        pin->fds[i] = -1;
    int rc = xapian_pin_folder_make(pin->dir, sizeof pin->dir, &pin->dir_fd, err);
    if (rc == 0 && (pin->source_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0)) < 0)
        rc = error_set_errno(err, COPS_EIO, errno, "cannot hold %s", shown);
    if (rc == 0)
        rc = pin_files(pin, shown, err);
    if (rc != 0) {
        xapian_pin_free(pin);
        return rc;
    }
    *out = pin;
    return 0;
}
