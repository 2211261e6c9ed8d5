/*
 * api.h — the JSON API of cops-serve (serve/API.md is its reference).
 *
 *   GET /search?q=&n=&offset=&sort=relevance|date|-date&date=&facets=1
 *   GET /doc/ID?q=&rank=     GET /facets?q=&date=     GET /health
 *
 * Every answer is one JSON value; an error is {"error": {"status",
 * "message", ...}} with the HTTP status, and its message never holds a
 * path of the server's machine (the full message goes to standard error).
 */
#ifndef COPS_SERVE_API_H
#define COPS_SERVE_API_H

#include <jansson.h>

#include "serve/index-holder.h"

/* Bounds on one request, from the command line. */
typedef struct api_limits {
    size_t max_query_bytes;     /* longest q */
    size_t max_hits;            /* largest n */
    size_t max_offset;          /* largest offset */
    unsigned max_searches;      /* library searches one request may run */
    unsigned timeout_ms;        /* wall time after which no further search starts */
} api_limits;

typedef struct api_request {
    const char *path;           /* the URL path, decoded, starting with "/" */
    /* The decoded query-string argument `name`, or NULL. */
    const char *(*argument)(void *context, const char *name);
    void *context;
    const index_handle *handle;     /* held for the request (index_holder_acquire) */
    index_holder *holder;           /* for /health */
    const api_limits *limits;
} api_request;

/* 1 when `path` is one of the API's (the rest are static files). */
int api_handles(const char *path);

/* Answer `request`: returns the HTTP status and sets *body (OUT, the caller
 * decrefs it; NULL only when memory ran out). */
unsigned api_answer(const api_request *request, json_t **body);

/* {"error": {"status": STATUS, "message": MESSAGE}}. */
json_t *api_error(unsigned status, const char *message);

#endif
