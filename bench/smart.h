/*
 * smart.h — readers for classic test collections.
 *
 * SMART layout (Cranfield, CACM, CISI, MED, ...): records start with a line
 * ".I <id>"; a line holding only a field marker ".X" (a '.' and one capital
 * letter, optionally followed by text on the same line) starts field X of
 * the record, and the lines up to the next marker are its text.  Lines may
 * end in LF or CRLF (Cranfield's cran.qry is CRLF).  Documents use .T
 * (title), .A (authors), .B (bibliographic source), .W (text) and others;
 * queries use .W.  Text before the first ".I" is ignored.
 *
 * Judgments ("qrels") come in three shapes, one per line, whitespace
 * separated, blank lines ignored:
 *   qid docid code            SMART (cranqrel)
 *   qid iteration docid code  TREC (CACM-style "qid docid 0 0" lines are
 *                             not supported: they would read as TREC)
 *   qid docid 0 0.000000      Glasgow (ADI.REL): every pair listed is
 *                             relevant, code 1
 * A 3-column line is read as SMART, a 4-column line whose last column has
 * a fraction as Glasgow, another 4-column line as TREC.  Codes are
 * integers; see evaluate.h for their meaning.
 *
 * TREC run files: "qid Q0 docid rank score tag" per line (6 columns).
 */
#ifndef COPS_BENCH_SMART_H
#define COPS_BENCH_SMART_H

#include <stddef.h>

#include "bench/evaluate.h"
#include "cops.h"

#define SMART_FIELDS 26

typedef struct smart_record {
    char *id;                   /* text after ".I", trimmed */
    char *fields[SMART_FIELDS]; /* fields['W' - 'A'] ...; NULL when absent */
    size_t position;            /* 1-based position in the file */
} smart_record;

typedef struct smart_file {
    smart_record *records;
    size_t count, capacity;
} smart_file;

/* Read the SMART file at `path` into *out (which the call initialises).
 * Field text keeps the file's line breaks as '\n' (CR removed) and loses
 * leading and trailing white space.  Errors: COPS_EIO (unreadable file),
 * COPS_EINPUT (no ".I" record), COPS_ENOMEM. */
int smart_read(const char *path, smart_file *out, cops_error *err);
void smart_free(smart_file *f);

/* Field `letter` ('A'..'Z') of record r, or "" when absent. */
const char *smart_field(const smart_record *r, char letter);

/* 1 when the file at `path` starts (after blank lines) with ".I". */
int smart_looks_like(const char *path);

/* Append the judgments in `path` to `qrels` (not finished).  Errors:
 * COPS_EIO, COPS_EINPUT (a line of another shape or a non-integer code,
 * with its line number), COPS_ENOMEM. */
int smart_read_qrels(const char *path, eval_qrels *qrels, cops_error *err);

/* 1 when every non-blank line among the first ones of `path` has 3 or 4
 * columns and ends in an integer (or is a Glasgow line). */
int smart_looks_like_qrels(const char *path);

/* Append the TREC run in `path` to `run` (then order it with
 * eval_run_sort_trec).  Errors: COPS_EIO, COPS_EINPUT (a line without 6
 * columns or a bad score, with its line number), COPS_ENOMEM. */
int smart_read_run(const char *path, eval_run *run, cops_error *err);

#endif
