/*
 * module.h — finding and loading cops's own modules (dlopen).
 *
 * Parts of cops that need a heavy library only some runs use (the Xapian
 * engine: libxapian and the C++ runtime; the HTML reader: libxml2, which
 * brings ICU and the C++ runtime) are built as modules, so that a program
 * that does not need them does not map them (a native query starts as fast
 * as the process can).  A module is looked for in exactly one place:
 *   - in the build tree, FOLDER/.libs/NAME.so, when the code asking runs
 *     from the build tree (COPS_ABS_BUILDDIR): the build's own libcops
 *     (.libs/libcops.so, which the uninstalled programs use), or a test
 *     or benchmark program linked with the internal library;
 *   - else, for the code of a shared libcops, beside it, in
 *     cops/modules/NAME.so ($(pkglibdir)/modules, where make install puts
 *     them);
 *   - else, for the code of an installed program linked with the internal
 *     library (cops-query: configure --enable-static-query), where
 *     $(moduledir) is from $(bindir), from the program's folder: a copy
 *     of the installed tree finds its own modules, a lone copy of the
 *     program none.
 * Neither an index directory nor the environment can name a library to
 * load (an absolute path: no LD_LIBRARY_PATH search for the module
 * itself).  A loaded module is never unloaded: its code may run until the
 * process ends, and LeakSanitizer reports through its symbols.
 */
#ifndef COPS_BASE_MODULE_H
#define COPS_BASE_MODULE_H

#include <pthread.h>
#include <stddef.h>

#include "cops.h"

/* Every module exports one function of this type, named in its header:
 * given the ABI string libcops was built with and the table of libcops
 * functions the module may call (borrowed for the life of the process), it
 * returns what the module offers, or NULL when `abi` is not its own (the
 * module and the library share struct layouts, so they must come from
 * one build). */
typedef const void *module_entry(const char *abi, const void *host);

/* Load the module NAME built in FOLDER, call its `entry_name` with `abi`
 * and `host`, and return what it offers in *offered.  Errors (a message
 * without its subject, to follow "..., which is not installed: "):
 * COPS_EUNSUPPORTED when the file is missing ("install it (PATH is
 * missing)"), is not to be trusted (as module_program_open's twin: a
 * symbolic link, not a file, owned by another user than the program or
 * libcops that looks for it, it or its folder writable by others),
 * cannot be loaded (the loader's reason), lacks the entry or is of
 * another build; COPS_ELIMIT, COPS_EIO when the path cannot be made. */
int module_load(const char *folder, const char *name, const char *entry_name, const char *abi,
                const void *host, const void **offered, cops_error *err);

/* The path that leads from folder `from` to folder `to` (both absolute,
 * without "..": make's install folders), relative ("../lib/cops/modules"
 * from /usr/bin to /usr/lib/cops/modules; "." for the same folder), into
 * out[0, size): 0, or -1 when a path is not of that kind or out is too
 * short. */
int module_relative_dir(const char *from, const char *to, char *out, size_t size);

/* A program that cannot load modules (cops-query linked -static-pie:
 * configure.ac, "cops-query without a loader") names what runs in place
 * of the first load: `handoff` replaces the process (fexecve of a twin that
 * can load them), or returns having said why it could not in *err, which
 * the load then reports.  Set once, before any module is wanted. */
typedef void module_handoff(cops_error *err);
void module_set_handoff(module_handoff *handoff);

/* Where the running program is installed, `dir` (as make expands it;
 * borrowed for the life of the process): $(bindir) unless the program
 * says otherwise before it wants a module (cops-query-dynamic lives in
 * $(pkglibexecdir)), for the rule "where $(moduledir) is from it". */
void module_set_program_dir(const char *dir);

/* The path of cops's program NAME installed in $(pkglibexecdir) (the
 * twin of module_set_handoff), found as the modules are: in the build
 * tree, BUILD/NAME, for a program of the build tree; else where
 * $(pkglibexecdir) is installed relative to $(bindir), from the running
 * program's folder.  Errors as module_load's. */
int module_program_path(const char *name, char *path, size_t size, cops_error *err);

/* The program at `path` (module_program_path's answer) opened to be run
 * with fexecve, or -1 having said why not in *err: it must be a file, not
 * a symbolic link (cops installs none) nor this very program (which would
 * hand off to itself forever), owned by root or by this program's owner,
 * and neither it nor its folder writable by others (a copy or a link of
 * cops-query in a shared folder finds its "twin" there, which anyone could
 * have put). */
int module_program_open(const char *path, cops_error *err);

/* One module as a caller needs it: loaded by the first module_get (one
 * attempt per process, under the lock), never unloaded. */
typedef struct module_slot {
    pthread_mutex_t lock;
    const char *folder, *name, *entry_name, *abi; /* as module_load's */
    const void *host;
    int tried;
    const void *offered; /* what the module offers, once loaded */
    cops_error failure;  /* else why it did not load (as module_load's) */
} module_slot;

#define MODULE_SLOT(folder, name, entry_name, abi, host)                                         \
    {PTHREAD_MUTEX_INITIALIZER, folder, name, entry_name, abi, host, 0, NULL, {0, 0, ""}}

/* What the slot's module offers, loaded the first time; NULL when it
 * cannot be loaded (slot->failure says why). */
const void *module_get(module_slot *slot);

/* In a module's forward of a printf-like function of libcops: format the
 * arguments after `format` into the char array `message`, to be handed on
 * as "%s". */
#define MODULE_FORMAT(message, format)                                                           \
    do {                                                                                         \
        va_list module_args_;                                                                    \
        va_start(module_args_, format);                                                          \
        vsnprintf(message, sizeof message, format, module_args_);                                \
        va_end(module_args_);                                                                    \
    } while (0)

#endif
