/*
 * postings-pipe.h — a segment writer's postings calls run on a thread of
 * their own.
 *
 * The end of a build has one thread merge and renumber the lists
 * (inverter_finish) while the segment writer encodes and writes them: on
 * one thread the two take turns, and the second core idles (on wiki-dev
 * a third of the build's wall time).  A pipe takes the writer's four
 * postings calls in order, copies them into a few fixed chunks and hands
 * each full chunk to a writer thread, which makes the same calls, in the
 * same order, on the writer: the segment is byte for byte the one the
 * calls would have written directly.
 *
 * Errors: a call that fails on the writer thread makes the next call on
 * the pipe (or postings_pipe_close) return its status and message, and
 * the writer is not called again; the caller then aborts the writer as it
 * would have.  Without a thread (pthread_create failed, or `threaded` 0)
 * every call goes straight to the writer.
 */
#ifndef COPS_INDEXER_POSTINGS_PIPE_H
#define COPS_INDEXER_POSTINGS_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"
#include "index-format/segment.h"

typedef struct postings_pipe postings_pipe;

/* A pipe to `writer`, which the pipe's thread alone may use until
 * postings_pipe_close; `chunk_bytes` (a few KiB at least) sizes each of
 * its POSTINGS_PIPE_CHUNKS chunks. */
#define POSTINGS_PIPE_CHUNKS 4
#define POSTINGS_PIPE_CHUNK_BYTES ((size_t)128 << 10)
int postings_pipe_open(segment_writer *writer, int threaded, size_t chunk_bytes,
                       postings_pipe **out, cops_error *err);
/* The memory a pipe holds: its chunks. */
size_t postings_pipe_bytes(size_t chunk_bytes);

/* segment_writer_begin_term, _add_posting, _extend_posting and _end_term,
 * through the pipe (a failure may be an earlier call's). */
int postings_pipe_begin_term(postings_pipe *p, const uint8_t *key, size_t key_length,
                             cops_error *err);
int postings_pipe_add_posting(postings_pipe *p, uint32_t doc, const uint32_t *positions,
                              uint32_t tf, cops_error *err);
int postings_pipe_extend_posting(postings_pipe *p, const uint32_t *positions, uint32_t count,
                                 cops_error *err);
int postings_pipe_end_term(postings_pipe *p, cops_error *err);

/* Wait until the writer has made every call and free the pipe: 0 or the
 * first failure's status (in `err`).  With `discard` (the caller failed
 * and has its own error; `err` is then left alone) the calls not made yet
 * are dropped.  NULL is a no-op. */
int postings_pipe_close(postings_pipe *p, int discard, cops_error *err);

#endif
