/*
 * collections.h — classic test collections read as they were distributed.
 *
 * A collection is a folder holding documents, queries and relevance
 * judgments in one of four families of layouts.  Each file's kind is told
 * by its content (never by the folder's name); files of no known kind
 * (READMEs, SHA256SUMS, stop lists, ADI.BLN's Boolean queries) are ignored.
 *
 *   SMART  (Cranfield, ADI, CACM, ...): two files of ".I" records
 *          (smart.h), the one with more records holds the documents
 *          (title .T, text .W unless told otherwise), the other the queries
 *          (.W); judgments "qid docid rel", TREC "qid iter docid rel" or
 *          Glasgow "qid docid 0 0.000000" (every pair listed is relevant).
 *   NPL    two files of records "a line holding a number, text lines, a
 *          line '/'" (doc-text, query-text; more records = documents, no
 *          title), and judgments in the same shape whose text lines are
 *          document numbers (rlv-ass).
 *   LISA   document files whose records start "Document n": title lines up
 *          to the first blank line, then the abstract, up to a line of '*'
 *          (lines between a '*' line and the next header belong to no
 *          document and are skipped); queries "a number line, text ending
 *          in '#'" (LISA.QUE); judgments "Query n", "k Relevant Refs:", the
 *          k document numbers ending in -1 (LISA.REL; where a list stops
 *          short at a "k Relevant Refs:" line without its "Query n", as in
 *          the distributed file after query 21, the short list is kept, the
 *          headless block dropped and `note` says so).  Several document
 *          files are read in name order.  LISARJ.NUM, the same judgments in
 *          columns, is ignored.
 *   TIME   documents "*TEXT nnn date PAGE nnn" then text; queries
 *          "*FIND n" then text; both end at the next header or at "*STOP"
 *          (what follows is ignored); judgments "qid docid docid ..." lines
 *          whose document numbers are positions in TIME.ALL (the 268th
 *          record is "*TEXT 334"): a TIME document's id is its position.
 *
 * Every layout: lines end in LF or CRLF; blank lines inside a text are
 * dropped; a text keeps its lines joined by '\n', trimmed (SMART texts as
 * smart.h keeps them: spaces and blank lines inside are kept); a title is one
 * line (line breaks become spaces); case is kept.  Identifiers that are
 * decimal numbers lose their leading zeros (TIME's "*TEXT 017" is judged
 * as 17), in documents, queries and judgments alike.  A document id seen
 * twice keeps its first record (LISA repeats 1998-2001); the later ones
 * are counted in `duplicates`.
 *
 * SMART query ids: the judgments name a query by its position in the
 * query file (Cranfield: .I numbers 001..365 with gaps, judgments 1..225)
 * or by its .I number; `ids` chooses (auto: position when every judged
 * query id is an integer in 1..query count).  The other layouts number
 * their queries themselves.
 *
 * Grades (evaluate.h): Cranfield when every code is -1 or 1..4 and -1
 * occurs, else TREC; layouts without codes judge with code 1.
 */
#ifndef COPS_BENCH_COLLECTIONS_H
#define COPS_BENCH_COLLECTIONS_H

#include <stddef.h>

#include "bench/evaluate.h"
#include "cops.h"

/* The kind of one file, by its content. */
typedef enum collection_file_kind {
    FILE_OTHER = 0,
    FILE_SMART,          /* ".I" records */
    FILE_NPL_RECORDS,    /* number, text, "/" */
    FILE_NPL_JUDGMENTS,  /* number, document numbers, "/" */
    FILE_LISA_DOCUMENTS, /* "Document n" */
    FILE_LISA_QUERIES,   /* number, text ending in '#' */
    FILE_LISA_JUDGMENTS, /* "Query n" */
    FILE_TIME_DOCUMENTS, /* "*TEXT" */
    FILE_TIME_QUERIES,   /* "*FIND" */
    FILE_COLUMNS,        /* lines of numbers (judgments in columns) */
} collection_file_kind;

/* Errors are not a kind: an unreadable file is FILE_OTHER. */
collection_file_kind collection_file_kind_of(const char *path);

typedef enum collection_ids { IDS_AUTO, IDS_POSITION, IDS_NUMBER } collection_ids;

typedef struct collection_options {
    const char *const *docs; /* files named by the caller (NULL-terminated), or NULL */
    const char *queries;     /* or NULL: detected */
    const char *qrels;       /* or NULL: detected */
    const char *text_fields; /* SMART fields joined into the text ("W") */
    char title_field;        /* SMART field of the title ('T'), 0 = none */
    collection_ids ids;
    int grades;              /* -1 auto, else an eval_grades */
} collection_options;

void collection_options_init(collection_options *o);

typedef struct collection_record {
    char *id, *title, *text; /* title "" for queries and untitled layouts */
} collection_record;

typedef struct test_collection {
    const char *layout;          /* "SMART", "NPL", "LISA" or "TIME" */
    collection_record *docs;
    size_t ndocs, docs_capacity;
    collection_record *queries;
    size_t nqueries, queries_capacity;
    eval_qrels qrels;            /* finished */
    eval_grades grades;
    size_t duplicates;           /* document records dropped as repeated ids */
    int ids_by_position;         /* SMART: query ids are positions */
    char files[1024];            /* "docs; queries; judgments" (names, for reports) */
    char note[512];              /* damage read around (LISA.REL's splice), or "" */
} test_collection;

/* Read the collection in folder `dir` (may be NULL when every file is
 * named in `o`).  Errors: COPS_EINPUT (no layout found, two candidates for
 * one role, or a malformed file: the message names the file and line),
 * COPS_EIO, COPS_ENOMEM.  On error *out is left empty. */
int collection_read(const char *dir, const collection_options *o, test_collection *out,
                    cops_error *err);
void collection_free(test_collection *c);

#endif
