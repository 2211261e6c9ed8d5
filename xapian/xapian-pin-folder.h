/*
 * xapian-pin-folder.h — where a pin's private folder (xapian-stub.h,
 * xapian_pin_glass) is made, and how the folders of processes that died
 * without removing theirs (SIGKILL, a crash) are swept.
 *
 * The parent: Xapian is handed the folder by path, so no one else may be
 * able to rename or swap it or any folder above it.  The candidates are
 * $TMPDIR, $XDG_RUNTIME_DIR and /tmp, in that order; the first whose
 * every folder from / down (links resolved) is owned by root or the user
 * and, when writable by group or others, has the sticky bit, and where a
 * folder can be made, is taken.  A candidate that is unset, gone or
 * unsafe is passed over; when none is left the error names the first
 * unsafe folder met and says to set TMPDIR to a folder only the user may
 * write.
 *
 * The sweep: a folder is named "cops-xapian-PID-START-XXXXXX" (PID and
 * START, the process's start time in clock ticks since boot, from
 * /proc/PID/stat, so that a reused pid is told apart) and holds a shared
 * flock while its pin lives.  Once per process, before its first folder
 * is made, the parent is swept: a folder of that exact name pattern, a
 * real folder (never a link followed) owned by the user with mode 0700,
 * whose process is gone (no /proc/PID, or another start time), whose
 * lock can be taken and which holds nothing but links a pin makes
 * (xapian_glass_files and XAPIAN_PIN_NEW, symbolic links to
 * /proc/self/fd/N) is removed with them.  Anything else is left whole:
 * another name, owner or mode, a folder holding an entry cops did not
 * make, a process that may be alive (its /proc entry unreadable, or
 * in another pid namespace: its lock is still held).  Folders of the old
 * pattern "cops-xapian-XXXXXX" carry no pid and are left.
 * Why not remove the folder once Xapian has opened the files: Xapian
 * opens the optional tables lazily and reads "iamglass" again by name at
 * every reopen, so the names must live as long as the handle.
 */
#ifndef COPS_XAPIAN_PIN_FOLDER_H
#define COPS_XAPIAN_PIN_FOLDER_H

#include <stddef.h>

#include "cops.h"

/* The files of a glass database Xapian 1.4 opens for reading (the version
 * file and the tables; nothing else of the folder is reachable through a
 * pin), each named in a pin's folder by a link (xapian_pin_glass); and
 * the name a link is made under before it is renamed over one.  The
 * sweep removes a folder holding nothing else. */
#define XAPIAN_GLASS_FILES 7
extern const char *const xapian_glass_files[XAPIAN_GLASS_FILES];
#define XAPIAN_PIN_NEW ".new"

/* Make a private folder (mode 0700) in the first safe candidate among
 * `parents[0..count)` (absolute paths; NULL, empty or relative ones are
 * passed over): its absolute path in dir[size], its descriptor (held
 * open, O_CLOEXEC, flocked shared) in *dir_fd.  The parent is swept
 * first, once per process.  Errors: COPS_EIO (naming the unsafe folder
 * or the last failure). */
int xapian_pin_folder_make_in(const char *const *parents, size_t count, char *dir, size_t size,
                              int *dir_fd, cops_error *err);

/* As xapian_pin_folder_make_in with $TMPDIR, $XDG_RUNTIME_DIR, /tmp. */
int xapian_pin_folder_make(char *dir, size_t size, int *dir_fd, cops_error *err);

/* Sweep the folder `parent` now (the once-per-process guard aside). */
void xapian_pin_folder_sweep(const char *parent);

#endif
