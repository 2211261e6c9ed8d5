/*
 * file.h — opening, creating and replacing the files of an index
 * directory as hostile file-system objects.
 *
 * An index directory may come from someone else (a shared drive, a
 * tarball): any name in it may be a symbolic link to the user's files, a
 * FIFO that blocks open() forever, or a device that never ends.  So:
 *
 *   - Readers open an existing file without following a symbolic link at
 *     the last component (O_NOFOLLOW), without blocking in open
 *     (O_NONBLOCK, cleared once open), accept only a regular file, and
 *     read at most the number of bytes the caller says the file may hold.
 *   - Writers create files only where nothing exists (O_CREAT | O_EXCL,
 *     which never follows a symbolic link either), and replace a file only
 *     by renaming a fresh temporary over it; a name taken by anything but a
 *     regular file is left alone.
 *
 * Paths are "<index directory>/<name>": the directory the user names may
 * itself be a symbolic link (the user's choice), and the names the index
 * format uses never contain '/' (manifest.c refuses them), so guarding the
 * last component guards every file inside.  The *_at forms take the
 * directory as a descriptor held open (`dir_fd`; `dir` only names it in
 * messages; file_open_directory opens it): a writer holds its index
 * directory from the start, so that someone who may write the
 * directory's parent and swaps it for a symbolic link (to another index
 * of the user's) meanwhile does not make the build replace that index's
 * MANIFEST or read its segments; a reader holds it from before the
 * MANIFEST to the last file that names, so it never reads one index's
 * MANIFEST with another's segments, deletions or catalog.  With
 * dir_fd AT_FDCWD, `dir`/`name` is opened by path (`dir` NULL: `name` is
 * the whole path).
 *
 * Every function returns 0 or a negative cops_status and fills `err`
 * (which may be NULL) with a one-line message naming the path.
 */
#ifndef COPS_BASE_FILE_H
#define COPS_BASE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "cops.h"

/* Open the index directory `path` the user named, to hold while reading
 * or writing the files inside it with the *_at functions: a symbolic
 * link at `path` itself is followed (the user's choice, as for any path
 * given on the command line), and the directory is held from then on,
 * so a swap of it (or of a folder above it) for a link meanwhile changes
 * nothing for the holder.  *fd_out (OUT): close-on-exec, the caller
 * closes it.  Errors: COPS_ENOINDEX when nothing is at `path`, it is not
 * a directory, or a folder above it is missing; COPS_EIO otherwise
 * ("cannot open the directory <path>"). */
int file_open_directory(const char *path, int *fd_out, cops_error *err);

/* The same for a reader, which only opens (openat) and stats (fstatat)
 * names it knows in it, never lists, locks or syncs it: the descriptor
 * is O_PATH where the system has it, so a folder the user may enter (x)
 * but not list (r) can be read, as it could before readers held it. */
int file_hold_directory(const char *path, int *fd_out, cops_error *err);

/* Open the existing file `path` read-only (see above).  *fd_out (OUT):
 * the descriptor, blocking, close-on-exec, the caller closes it;
 * *size_out (OUT, may be NULL): its size.
 * Errors: COPS_ENOINDEX when nothing is at `path` (or a folder above it is
 * missing); COPS_ECORRUPT when it is not a regular file ("<path> is not a
 * regular file (a FIFO)", a symbolic link, a directory, a device...);
 * COPS_EIO otherwise. */
int file_open_regular(const char *path, int *fd_out, uint64_t *size_out, cops_error *err);
/* The same for `name` in the directory `dir_fd` (see above). */
int file_open_regular_at(int dir_fd, const char *dir, const char *name, int *fd_out,
                         uint64_t *size_out, cops_error *err);

/* Append the whole regular file `path` (opened as file_open_regular does)
 * to `out`, refusing one larger than `max_bytes` with COPS_ECORRUPT before
 * reading it ("<path> is N bytes, more than the M it may hold"); a file
 * that grows while being read stops at max_bytes + 1 and is refused too.
 * Errors as file_open_regular, and COPS_ENOMEM. */
int file_read_regular(const char *path, size_t max_bytes, byte_buffer *out, cops_error *err);
int file_read_regular_at(int dir_fd, const char *dir, const char *name, size_t max_bytes,
                         byte_buffer *out, cops_error *err);

/* file_read_regular's reading, of the open file `fd` of `size` bytes
 * (file_open_regular's): from offset 0 with pread, so the descriptor can
 * be read again (its own offset is left alone); it is not closed.
 * `path` only names the file in errors. */
int file_read_descriptor(int fd, uint64_t size, const char *path, size_t max_bytes,
                         byte_buffer *out, cops_error *err);

/* As file_read_regular, but a symbolic link at `path` itself is followed
 * when `follow_link` is non-zero: for a file the user named on the command
 * line (a link the user made), never for a name found inside an index. */
int file_read_named(const char *path, int follow_link, size_t max_bytes, byte_buffer *out,
                    cops_error *err);

/* Create `path` read-write (mode 0644 before umask), failing when any
 * object is already there.  *fd_out (OUT): the caller closes it.
 * Errors: COPS_EIO ("cannot create <path>: File exists", ...). */
int file_create_new(const char *path, int *fd_out, cops_error *err);
int file_create_new_at(int dir_fd, const char *dir, const char *name, int *fd_out,
                       cops_error *err);

/* Make room for a file the caller will create at `path`, a name the
 * caller's format generates: a regular file there is a leftover of an
 * interrupted run and is removed; anything else is not ours and stays.
 * Returns 0 when nothing is at `path` any more; COPS_EIO ("<path> exists
 * and is not a regular file: left alone") otherwise. */
int file_remove_leftover(const char *path, cops_error *err);
int file_remove_leftover_at(int dir_fd, const char *dir, const char *name, cops_error *err);

/* 1 when `path` is a regular file itself (not followed), 0 when it is
 * anything else or nothing. */
int file_is_regular(const char *path);

/* A temporary for `name` is "<name>.tmp", or "<name>.<d>.tmp" (d = 1..9)
 * when the earlier ones are taken by something that is not a regular file.
 * Returns the length of <name> when `file_name` is such a temporary,
 * 0 otherwise. */
size_t file_temporary_base_length(const char *file_name);

/* Write `length` bytes to a fresh temporary for `name` in the directory
 * `dir_fd` (see file_temporary_base_length; a regular leftover of that
 * name is replaced) and fsync it.  `temporary` (OUT, `temporary_size`
 * bytes) gets its name in that directory; the caller renames it
 * (file_rename_over) or unlinks it.  On failure nothing is left behind.
 * Errors: COPS_EIO, COPS_EINVAL (path too long). */
int file_write_temporary(int dir_fd, const char *dir, const char *name, const void *data,
                         size_t length, char *temporary, size_t temporary_size, cops_error *err);

/* Rename `temporary` over `final`, both names in the directory `dir_fd`,
 * unless something that is not a regular file is at `final` (COPS_EIO,
 * "... is not a regular file: left alone", the temporary removed).  On
 * any failure the temporary is removed. */
int file_rename_over(int dir_fd, const char *dir, const char *temporary, const char *final,
                     cops_error *err);

/* Write `length` bytes to `name` in the directory `dir_fd` through a
 * temporary renamed over it (file_write_temporary, then
 * file_rename_over); file_replace by path. */
int file_replace_at(int dir_fd, const char *dir, const char *name, const void *data,
                    size_t length, cops_error *err);
int file_replace(const char *dir, const char *name, const void *data, size_t length,
                 cops_error *err);

/* Open or create the lock file `path` read-write: not following a
 * symbolic link, not blocking on a FIFO, and only a regular file with one
 * link (the writer truncates it to write its pid, so it must not be a
 * name for anyone else's file).  Errors: COPS_EIO, COPS_ECORRUPT ("<path>
 * is not a regular file ..."). */
int file_open_lock(const char *path, int *fd_out, cops_error *err);
int file_open_lock_at(int dir_fd, const char *dir, const char *name, int *fd_out,
                      cops_error *err);

#endif
