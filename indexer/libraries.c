/*
 * libraries.c — the heavy document libraries, opened on first use, and
 * their diagnostics kept off stderr.
 *
 * poppler-glib and GMime are opened with dlopen by the readers that need
 * them (source-pdf.c, source-mail.c) instead of being linked: with what
 * they pull in (cairo, NSS, fontconfig, X11 libraries, gpgme, GIO...)
 * they would cost every process that links libcops about 6 ms to start,
 * cops-query's one-shot queries included.  Their names are configure's
 * (COPS_POPPLER_LIBRARY, COPS_GMIME_LIBRARY); they are never closed
 * (they register GObject types that must outlive them).
 *
 * Both report through GLib's log, whose default handler prints to stderr;
 * cops.h promises that a build reports problems only through on_warning.
 * The readers turn what matters (a document that cannot be read) into
 * their own one-line warning, so these messages — poppler's "Syntax
 * Error" lines for every flaw of a damaged PDF, GMime's notes on
 * malformed headers — are dropped.  GLib's own criticals (programming
 * errors) keep their default handler.
 */
#include "config.h"

#include "indexer/source-internal.h"

#include <dlfcn.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>

int source_library_open(const char *library_name, const char *const *names, size_t count,
                        source_function *functions, char *problem, size_t problem_size)
{
    void *library = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(problem, problem_size, "%s", why ? why : library_name);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        /* Through a union: ISO C has no cast from void * to a function. */
        union {
            void *object;
            source_function function;
        } symbol;
        symbol.object = dlsym(library, names[i]);
        if (!symbol.object) {
            snprintf(problem, problem_size, "%s lacks %s", library_name, names[i]);
            return -1;
        }
        functions[i] = symbol.function;
    }
    return 0;
}

static void drop_message(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer context)
{
    (void)domain;
    (void)level;
    (void)message;
    (void)context;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void quiet_install(void)
{
    static const char *const domains[] = {"Poppler", "poppler", "GMime", "gmime"};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        g_log_set_handler(domains[i], G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                          drop_message, NULL);
}

void source_quiet_libraries(void)
{
    pthread_once(&quiet_once, quiet_install);
}
