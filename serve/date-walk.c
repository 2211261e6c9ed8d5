/*
 * date-walk.c — counting matches by date span (see date-walk.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/date-walk.h"

void search_budget_init(search_budget *budget, unsigned searches, unsigned milliseconds)
{
    budget->searches_left = searches;
    budget->spent = 0;
    clock_gettime(CLOCK_MONOTONIC, &budget->deadline);
    uint64_t ns = (uint64_t)budget->deadline.tv_nsec + (uint64_t)milliseconds * 1000000u;
    budget->deadline.tv_sec += (time_t)(ns / 1000000000u);
    budget->deadline.tv_nsec = (long)(ns % 1000000000u);
}

int search_budget_spend(search_budget *budget)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (budget->searches_left == 0 || now.tv_sec > budget->deadline.tv_sec
        || (now.tv_sec == budget->deadline.tv_sec && now.tv_nsec >= budget->deadline.tv_nsec)) {
        budget->spent = 1;
        return -1;
    }
    budget->searches_left--;
    return 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

date_span date_span_all(void)
{
    return (date_span){DATE_YEARS, 0, 0, 1, 9999};
}

void date_span_filter(const date_span *span, char out[32])
{
    switch (span->level) {
    case DATE_YEARS:
        snprintf(out, 32, "date:%04d..%04d", span->low, span->high);
        break;
    case DATE_MONTHS:
        snprintf(out, 32, "date:%04d-%02d..%04d-%02d", span->year, span->low, span->year,
                 span->high);
        break;
    case DATE_DAYS:
        snprintf(out, 32, "date:%04d-%02d-%02d..%04d-%02d-%02d", span->year, span->month,
                 span->low, span->year, span->month, span->high);
        break;
    }
}

/* The two halves of a span, or its parts one level down, in date order;
 * returns how many (0 for a single day). */
static size_t split(const date_span *span, date_span parts[2])
{
    if (span->low < span->high) {
        int middle = span->low + (span->high - span->low) / 2;
        parts[0] = *span;
        parts[1] = *span;
        parts[0].high = middle;
        parts[1].low = middle + 1;
        return 2;
    }
    if (span->level == DATE_YEARS) {
        parts[0] = (date_span){DATE_MONTHS, span->low, 0, 1, 12};
        return 1;
    }
    if (span->level == DATE_MONTHS) {
        int days = days_in_month(span->year, span->low);
        parts[0] = (date_span){DATE_DAYS, span->year, span->low, 1, days};
        return 1;
    }
    return 0;
}

char *date_filtered_query(const char *query, const char *filter)
{
    size_t length = strlen(query) + strlen(filter) + 4;
    char *text = malloc(length);
    if (text)
        snprintf(text, length, "(%s) %s", query, filter);
    return text;
}

int count_matches(cops_index *index, const char *query, search_budget *budget, uint64_t *count,
                  cops_error *err)
{
    if (search_budget_spend(budget) != 0)
        return COPS_ELIMIT;
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    options.snippets = 0;
    cops_results *results;
    int rc = cops_search(index, query, &options, &results, err);
    if (rc != 0)
        return rc;
    *count = cops_results_total(results);
    cops_results_free(results);
    return 0;
}

int date_walk_run(const date_walk *walk, const date_span *span, cops_error *err)
{
    char filter[32];
    date_span_filter(span, filter);
    char *filtered = date_filtered_query(walk->query, filter);
    if (!filtered)
        return COPS_ENOMEM;
    uint64_t count;
    int rc = count_matches(walk->index, filtered, walk->budget, &count, err);
    walk_step step = WALK_SKIP;
    if (rc == 0 && count > 0)
        step = walk->visit(walk->context, span, filtered, count);
    free(filtered);
    if (rc != 0)
        return rc;
    if (step == WALK_STOP)
        return 1;
    date_span parts[2];
    size_t n = step == WALK_DESCEND ? split(span, parts) : 0;
    for (size_t i = 0; i < n; i++) {
        size_t which = walk->newest_first ? n - 1 - i : i;
        rc = date_walk_run(walk, &parts[which], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}
