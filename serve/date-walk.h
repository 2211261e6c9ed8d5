/*
 * date-walk.h — the matches of a query by date, from the library's date:
 * filter alone.
 *
 * A native index counts a query's matches per month in one search
 * (cops_search_options.date_histogram); a Xapian-engine index answers
 * that with COPS_EUNSUPPORTED, so for it only the histogram of /facets
 * is a walk: it narrows a date
 * span step by step — halves of a span of years, then the months of one
 * year, then its days — counting the query's matches in each span and
 * leaving out empty ones, so its cost follows the number of dates that hold
 * matches, not the calendar.  The histogram (per year and per month) is
 * a visitor of this walk (serve/api.c).  Every search
 * spends a `search_budget` (the request's, which its other searches spend
 * too); a walk stops when it is spent.
 */
#ifndef COPS_SERVE_DATE_WALK_H
#define COPS_SERVE_DATE_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cops.h"

/* What one request may spend on searches: a count and a wall-clock deadline. */
typedef struct search_budget {
    unsigned searches_left;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    int spent;                /* 1 once a search was refused */
} search_budget;

void search_budget_init(search_budget *budget, unsigned searches, unsigned milliseconds);
/* 0 and one search less when one more may run; -1 when the budget is spent. */
int search_budget_spend(search_budget *budget);

typedef enum date_level { DATE_YEARS, DATE_MONTHS, DATE_DAYS } date_level;

/* A span of years [low, high], of months [low, high] of `year`, or of days
 * [low, high] of `year`-`month`. */
typedef struct date_span {
    date_level level;
    int year, month;
    int low, high;
} date_span;

/* The span of every year the grammar accepts (0001 .. 9999). */
date_span date_span_all(void);
/* Write "date:FROM..TO" for `span` into `out` (room for 32 bytes). */
void date_span_filter(const date_span *span, char out[32]);

/* What a visitor wants after seeing a span's count. */
typedef enum walk_step { WALK_SKIP, WALK_DESCEND, WALK_STOP } walk_step;

typedef struct date_walk {
    cops_index *index;
    const char *query;          /* the user's query; each span searches "(query) date:..." */
    int newest_first;           /* visit later spans first */
    search_budget *budget;
    /* Called for each span with matches; `filtered` is the span's query.
     * Returns what to do next; a single day cannot be descended into. */
    walk_step (*visit)(void *context, const date_span *span, const char *filtered, uint64_t count);
    void *context;
} date_walk;

/* Walk `span`.  Returns 0 (1 when a visitor stopped it), COPS_ELIMIT when the budget ran out, or the
 * failing search's status (with `err` filled). */
int date_walk_run(const date_walk *walk, const date_span *span, cops_error *err);

/* "(query) FILTER" in a malloc'd string, NULL on no memory. */
char *date_filtered_query(const char *query, const char *filter);

/* The number of matches of `query`, spending one search of `budget`.
 * Returns 0, COPS_ELIMIT when the budget is spent, or the search's status. */
int count_matches(cops_index *index, const char *query, search_budget *budget, uint64_t *count,
                  cops_error *err);

#endif
