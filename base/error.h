/*
 * error.h — the one error space of libcops (see cops_status in cops.h).
 *
 * Internal code reports failure by returning a negative cops_status and
 * filling the caller's cops_error (which may be NULL) through error_set(),
 * so the message the user finally sees carries the context (file, offset,
 * term) of the place that failed.
 */
#ifndef COPS_BASE_ERROR_H
#define COPS_BASE_ERROR_H

#include "cops.h"

#if defined(__GNUC__)
#define COPS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define COPS_PRINTF(f, a)
#endif

/* Record `code` and a printf-formatted message in `err` (if not NULL) and
 * return `code`, so failures read `return error_set(err, COPS_EIO, ...)`. */
int error_set(cops_error *err, int code, const char *format, ...) COPS_PRINTF(3, 4);

/* COPS_EINVAL for a public function (`function`) handed NULL where
 * cops.h asks for `argument` (an object, a string or an OUT pointer):
 * an embedding program's mistake is an error, not a crash. */
int error_null_argument(cops_error *err, const char *function, const char *argument);

/* As error_set, with ": <strerror(errnum)>" appended. */
int error_set_errno(cops_error *err, int code, int errnum, const char *format, ...)
    COPS_PRINTF(4, 5);

#endif
