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
 *   - else beside the library holding this code, in cops/modules/NAME.so
 *     ($(pkglibdir)/modules, where make install puts them).
 * Neither an index directory nor the environment can name a library to
 * load (an absolute path: no LD_LIBRARY_PATH search for the module
 * itself).  A loaded module is never unloaded: its code may run until the
 * process ends, and LeakSanitizer reports through its symbols.
 */
#ifndef COPS_BASE_MODULE_H
#define COPS_BASE_MODULE_H

#include <stddef.h>

#include "cops.h"

/* Load the module NAME built in FOLDER and return its symbol `entry_name`
 * in *entry.  Errors (message without the subject, to follow "..., which
 * is not installed: "): COPS_EUNSUPPORTED when the file is missing ("install
 * it (PATH is missing)"), cannot be loaded (the loader's reason) or lacks
 * the entry; COPS_ELIMIT, COPS_EIO when the path cannot be made. */
int module_load(const char *folder, const char *name, const char *entry_name, void **entry,
                cops_error *err);

#endif
