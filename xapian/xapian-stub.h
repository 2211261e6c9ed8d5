/*
 * xapian-stub.h — Xapian stub database files, read without trusting them.
 *
 * A stub is a text file listing databases to open as one (Xapian's
 * "auto"/"glass"/"chert"/"remote"/"inmemory" lines).  Handed to Xapian, a
 * stub is obeyed: "remote :PROG ARGS" runs PROG, "auto PATH" follows any
 * path (absolute, "..", symlinks) and nested stubs, "remote HOST:PORT"
 * sends the queries to HOST.  Index directories come from strangers, so
 * cops never hands a stub to Xapian: it reads the stub here, checks every
 * line, and opens the databases itself (cops_xapian_db_open_shards).
 *
 * The lines cops accepts (a subset of Xapian 1.4's stub format; anything
 * else fails with the line number, never the line's text, as Xapian does):
 *   # comment           ('#' in the first column) and empty lines: ignored
 *   auto PATH           a glass database directory
 *   glass PATH          the same
 *   remote :PROG ARGS   runs PROG: refused unless allowed
 *                       (COPS_OPEN_ALLOW_REMOTE_PROGRAMS)
 *   remote HOST:PORT    a xapian-tcpsrv: refused unless allowed
 *                       (COPS_OPEN_ALLOW_REMOTE_HOSTS), as it sends the
 *                       user's queries to a host the stub's author chose
 * PATH is relative to the stub's directory and stays inside it: no
 * absolute path, no ".." component, no symlink on the way (checked by
 * xapian_stub_check), and names a glass directory (never another stub).
 * Words are separated by one space, as Xapian splits them; a control
 * character anywhere (tab, CR, escape) makes the line bad.  "chert" and
 * "inmemory" lines (cops never writes them) are refused as unsupported.
 * A stub is at most XAPIAN_STUB_MAX_BYTES and lists at most
 * XAPIAN_STUB_MAX_SHARDS databases.
 */
#ifndef COPS_XAPIAN_STUB_H
#define COPS_XAPIAN_STUB_H

#include <stddef.h>

#include "cops.h"
#include "xapian/cops_xapian.h"

#define XAPIAN_STUB_MAX_BYTES 65536
#define XAPIAN_STUB_MAX_SHARDS 1024

/* The databases a stub lists, in order.  Glass locations are joined to
 * the stub's directory ("DIR/PATH"); every string is owned by the stub. */
typedef struct xapian_stub {
    cops_xapian_shard *shards;
    unsigned *lines;    /* the stub line of each shard, for messages */
    size_t count;
    size_t base_length; /* glass locations: bytes of "DIR/" before PATH */
    char *strings;      /* the stub's bytes, cut into host/program/args strings */
} xapian_stub;

/* Read and parse the stub file `stub_path` into *out (OUT; release it with
 * xapian_stub_free, also after a failure).  The file must be a regular
 * file (a symlink only when `follow_symlink`), read as base/file.h reads
 * index files; nothing is checked on disk beyond it and nothing is run.
 * Errors: COPS_ENOINDEX (no such file), COPS_EIO (unreadable),
 * COPS_ELIMIT (over the database bound), COPS_ECORRUPT (not a regular
 * file, over the byte bound, "PATH:LINE: ..." for a line that is not one
 * of the accepted forms, or no database listed), COPS_EUNSUPPORTED (chert,
 * inmemory), COPS_ENOMEM. */
int xapian_stub_read(const char *stub_path, int follow_symlink, xapian_stub *out,
                     cops_error *err);

/* Whether a stub's lines may be obeyed: remote programs and remote hosts
 * are refused unless `allow` (COPS_OPEN_ALLOW_* of cops.h) says otherwise,
 * and every glass location is checked with xapian_glass_check, after
 * walking its PATH from the stub's directory without following a symlink.
 * `stub_path` names the stub in messages ("STUB:LINE: ...").
 * Errors: COPS_EINVAL (a refused remote line, naming the flag that allows
 * it), those of xapian_glass_check. */
int xapian_stub_check(const xapian_stub *stub, const char *stub_path, unsigned allow,
                      cops_error *err);

/* 0 when `dir` is a glass database directory that Xapian can open without
 * following a link or blocking on a special file: a directory holding
 * "iamglass" and only regular files (no symlink, FIFO, device or
 * subdirectory among them).  Errors: COPS_ENOINDEX (no iamglass),
 * COPS_EIO (anything else, naming the entry). */
int xapian_glass_check(const char *dir, cops_error *err);

void xapian_stub_free(xapian_stub *stub);

/* Xapian opens a glass database's files by name, following a symbolic
 * link: a file of a shared folder swapped for a link between
 * xapian_glass_check and Xapian's open (or before Xapian opens a table
 * later) would be read in its place.  A pin closes that window: each file
 * Xapian may open ("iamglass" and the *.glass tables) is opened here,
 * never through a link (O_NOFOLLOW, O_NONBLOCK) and checked to be a
 * regular file, and a private folder (mode 0700: no one else may add or
 * swap an entry; in a parent where no one else may rename it; where, and
 * how killed processes' folders are swept: xapian-pin-folder.h) names each
 * through a link to "/proc/self/fd/N", which the system resolves to the very file
 * opened here, whatever is done to the shared folder meanwhile.  Xapian is
 * handed the private folder, which must live as long as the handle, and
 * refreshed (xapian_pin_refresh) before Xapian reopens it.
 * What a pin cannot do: keep a file's bytes from being changed in place
 * by whoever may write it (Xapian reads them as untrusted index bytes), or
 * work where /proc is not mounted (xapian_pin_glass then fails). */
typedef struct xapian_pin xapian_pin;

/* Pin the glass database held open as `dir_fd` (named `shown` in
 * messages).  *out (OUT) receives the pin; xapian_pin_dir names the folder
 * to hand Xapian.  Errors: COPS_EIO (a file that is not a regular one, or
 * cannot be opened; no private folder), COPS_ENOMEM. */
int xapian_pin_glass(int dir_fd, const char *shown, xapian_pin **out, cops_error *err);

/* Open and check the files again and name those instead (a writer that
 * updated the database in place has renamed a new "iamglass" over the
 * old one): before Xapian reopens the database.  On an error, the
 * files that failed keep their previous names.  Errors as
 * xapian_pin_glass. */
int xapian_pin_refresh(xapian_pin *pin, cops_error *err);

/* The private folder of `pin` (absolute). */
const char *xapian_pin_dir(const xapian_pin *pin);

/* Remove the private folder and close the files.  NULL is accepted. */
void xapian_pin_free(xapian_pin *pin);

/* 1 when `path` looks like a Xapian database: a directory holding a
 * regular "iamglass" or "XAPIANDB" file, or a regular file that reads as a
 * stub (any other file is not an index).  Runs nothing and needs no
 * libxapian: libcops detects a Xapian index before it loads the engine
 * (engine/engine.c). */
int xapian_detect(const char *path);

/* 1 when `name` inside `dir` is a regular file (a symlink is not). */
int xapian_has_regular_file(const char *dir, const char *name);

#endif
