/*
 * static-files.h — the page's files, from one flat folder (serve/www).
 *
 * A URL names a file of that folder only: "/" is index.html, otherwise
 * one name of letters, digits, '.', '_' and '-' not starting with '.', with
 * an extension of the short list below — so no "..", no '/', no encoded
 * anything (the URL arrives decoded) reaches the file system.  The file is
 * opened relative to the folder's descriptor without following a symbolic
 * link (O_NOFOLLOW) or waiting on a FIFO, must be a regular file, and is
 * read whole up to STATIC_FILE_MAX_BYTES.
 */
#ifndef COPS_SERVE_STATIC_FILES_H
#define COPS_SERVE_STATIC_FILES_H

#include <stddef.h>

#define STATIC_FILE_MAX_BYTES ((size_t)4 << 20)

typedef struct static_file {
    char *bytes;            /* malloc'd, the caller frees it */
    size_t length;
    const char *type;       /* Content-Type, static storage */
} static_file;

/* Read the file the URL path `path` names from the folder open at
 * `www_fd`.  Returns 200 with *out filled, 404 when no file of the folder
 * answers to `path` (a name refused, missing, a link, not a regular file,
 * too large), 500 when reading failed. */
unsigned static_file_read(int www_fd, const char *path, static_file *out);

#endif
