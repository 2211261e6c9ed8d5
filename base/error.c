#include "config.h"

#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cops_strerror(int code)
{
    switch (code) {
    case COPS_OK: return "success";
    case COPS_ENOMEM: return "out of memory";
    case COPS_EIO: return "input/output error";
    case COPS_ECORRUPT: return "index is damaged";
    case COPS_EVERSION: return "unsupported index format version";
    case COPS_ENOINDEX: return "no index";
    case COPS_ESYNTAX: return "query syntax error";
    case COPS_ELIMIT: return "limit exceeded";
    case COPS_EINVAL: return "invalid argument";
    case COPS_EINPUT: return "unusable input";
    case COPS_ELOCKED: return "index is locked by another writer";
    case COPS_EUNSUPPORTED: return "not supported by this build";
    default: return "unknown error";
    }
}

static void error_vset(cops_error *err, int code, const char *format, va_list args)
    COPS_PRINTF(3, 0);

static void error_vset(cops_error *err, int code, const char *format, va_list args)
{
    err->code = code;
    err->column = 0;
    vsnprintf(err->message, sizeof err->message, format, args);
}

int error_set(cops_error *err, int code, const char *format, ...)
{
    if (err) {
        va_list args;
        va_start(args, format);
        error_vset(err, code, format, args);
        va_end(args);
    }
    return code;
}

int error_set_errno(cops_error *err, int code, int errnum, const char *format, ...)
{
    if (err) {
        va_list args;
        va_start(args, format);
        error_vset(err, code, format, args);
        va_end(args);
        size_t used = strlen(err->message);
        snprintf(err->message + used, sizeof err->message - used, ": %s", strerror(errnum));
    }
    return code;
}

int error_null_argument(cops_error *err, const char *function, const char *argument)
{
    return error_set(err, COPS_EINVAL, "%s: %s is NULL", function, argument);
}
