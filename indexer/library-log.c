/*
 * library-log.c — keeping poppler's and GMime's diagnostics off stderr.
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

#include <glib.h>
#include <pthread.h>

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
