/*
 * source-date.c — reading the dates documents carry, in the forms
 * newsrooms write them, into the one form the index stores, "YYYY-MM-DD".
 *
 * Accepted (after an optional weekday name and comma, "Sat," or
 * "Saturday,"):
 *   ISO 8601     2023-07-15, 2023/07/15, each optionally followed by a
 *                time ("T" or a space, hh:mm[:ss[.fraction]]) and a zone
 *                (Z, +02:00, -0500, +02, UTC, GMT)
 *   RFC 2822     15 Jul 2023 10:00:00 +0000 (mail; the weekday, the time
 *                and the zone optional, obsolete zone names such as EST
 *                and a "(comment)" after the zone allowed)
 *   written      15 July 2023, July 15, 2023, Jul. 15 2023
 *   numeric      07/15/2023, 15/07/2023, 15.07.2023, 15-07-2023: day and
 *                month are told apart only when one of the two is above
 *                12 (or both are equal); 07/08/2023 is refused as
 *                ambiguous rather than guessed
 * The date is the calendar date as written: a time zone is checked, not
 * applied, since the day a story was published is the day its newsroom
 * printed.  Years have four digits; the date must exist (no 2023-02-29).
 */
#include "config.h"

#include "indexer/source-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longer than any form read, "(comment)" of a mail date included. */
#define DATE_MAX_BYTES 100

/* A cursor over the bytes being read. */
typedef struct date_cursor {
    const char *text;
    size_t length;
    size_t at;
} date_cursor;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int has_digit(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (is_digit(text[i]))
            return 1;
    return 0;
}

static int peek(const date_cursor *c)
{
    return c->at < c->length ? (unsigned char)c->text[c->at] : -1;
}

static int accept(date_cursor *c, char expected)
{
    if (peek(c) != (unsigned char)expected)
        return 0;
    c->at++;
    return 1;
}

static void skip_blanks(date_cursor *c)
{
    while (c->at < c->length && (c->text[c->at] == ' ' || c->text[c->at] == '\t'))
        c->at++;
}

/* Between `min_digits` and `max_digits` digits; -1 when fewer. */
static int read_number(date_cursor *c, size_t min_digits, size_t max_digits)
{
    size_t start = c->at;
    int value = 0;
    while (c->at < c->length && c->at - start < max_digits && is_digit(c->text[c->at]))
        value = value * 10 + (c->text[c->at++] - '0');
    if (c->at - start < min_digits || (c->at < c->length && is_digit(c->text[c->at]))) {
        c->at = start;
        return -1;
    }
    return value;
}

/* The length of the run of letters at the cursor. */
static size_t word_length(const date_cursor *c)
{
    size_t end = c->at;
    while (end < c->length && is_letter(c->text[end]))
        end++;
    return end - c->at;
}

static int word_is(const date_cursor *c, size_t length, const char *word)
{
    return strlen(word) == length && strncasecmp(c->text + c->at, word, length) == 0;
}

/* A month name, full or of three letters ("Sept" too), optionally with a
 * full stop after an abbreviation; 1-12, or 0. */
static int read_month(date_cursor *c)
{
    static const char *const names[12] = {"january", "february", "march", "april",
                                          "may", "june", "july", "august",
                                          "september", "october", "november", "december"};
    size_t length = word_length(c);
    for (int month = 0; month < 12; month++) {
        int full = word_is(c, length, names[month]);
        int abbreviated = length == 3 && strncasecmp(c->text + c->at, names[month], 3) == 0;
        if (!full && !abbreviated && !(month == 8 && word_is(c, length, "sept")))
            continue;
        c->at += length;
        if (!full)
            accept(c, '.');
        return month + 1;
    }
    return 0;
}

static void skip_weekday(date_cursor *c)
{
    static const char *const names[7] = {"monday", "tuesday", "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};
    size_t length = word_length(c);
    for (int day = 0; day < 7; day++) {
        if (word_is(c, length, names[day]) ||
            (length == 3 && strncasecmp(c->text + c->at, names[day], 3) == 0)) {
            size_t before = c->at;
            c->at += length;
            accept(c, '.');
            if (!accept(c, ','))
                c->at = before; /* "Sat 15 Jul" is not a form cops reads */
            skip_blanks(c);
            return;
        }
    }
}

/* An optional time and zone after a date; the cursor moves only over
 * what is well formed. */
static void read_time_and_zone(date_cursor *c, int iso)
{
    size_t before = c->at;
    if (!(iso && accept(c, 'T'))) {
        skip_blanks(c);
        if (iso)
            accept(c, 'T');
    }
    int hours = read_number(c, 1, 2), minutes = -1;
    if (hours < 0 || hours > 24 || !accept(c, ':') || (minutes = read_number(c, 2, 2)) < 0 ||
        minutes > 59) {
        c->at = before;
        return;
    }
    size_t after_minutes = c->at;
    if (accept(c, ':')) {
        int seconds = read_number(c, 2, 2);
        if (seconds < 0 || seconds > 60) {
            c->at = after_minutes;
            return;
        }
        if (accept(c, '.') || accept(c, ',')) {
            if (!is_digit((char)peek(c))) {
                c->at = after_minutes;
                return;
            }
            while (is_digit((char)peek(c)))
                c->at++;
        }
    }
    /* The zone: Z, a numeric offset or a name (checked for its shape). */
    size_t after_time = c->at;
    if (!iso || peek(c) == ' ')
        skip_blanks(c);
    if (accept(c, 'Z'))
        return;
    if (peek(c) == '+' || peek(c) == '-') {
        /* +hh, +hhmm or +hh:mm */
        size_t digits = ++c->at;
        int zone_hours = read_number(c, 2, 4);
        if (c->at - digits == 4) /* "+hhmm" */
            zone_hours /= 100;
        else if (c->at - digits == 3)
            zone_hours = -1;
        else if (zone_hours >= 0 && accept(c, ':') && read_number(c, 2, 2) < 0)
            zone_hours = -1;
        if (zone_hours < 0 || zone_hours > 14) {
            c->at = after_time;
            return;
        }
    } else {
        static const char *const zones[] = {"UTC", "UT", "GMT", "EST", "EDT", "CST", "CDT",
                                            "MST", "MDT", "PST", "PDT"};
        size_t length = word_length(c);
        size_t z = 0;
        while (z < sizeof zones / sizeof *zones && !word_is(c, length, zones[z]))
            z++;
        if (z == sizeof zones / sizeof *zones) {
            c->at = after_time;
            return;
        }
        c->at += length;
    }
    /* Mail: "+0000 (UTC)". */
    size_t after_zone = c->at;
    skip_blanks(c);
    if (accept(c, '(')) {
        while (c->at < c->length && c->text[c->at] != ')' && c->text[c->at] != '\n')
            c->at++;
        if (!accept(c, ')'))
            c->at = after_zone;
    } else {
        c->at = after_zone;
    }
}

static int valid_date(int year, int month, int day)
{
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > month_days[month - 1])
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return !(month == 2 && day == 29 && !leap);
}

/* "YYYY-MM-DD" and a NUL; the readers give at most four-digit years. */
static void write_date(char date[11], int year, int month, int day)
{
    const int fields[3][2] = {{year, 4}, {month, 2}, {day, 2}};
    size_t at = 0;
    for (int f = 0; f < 3; f++) {
        if (f > 0)
            date[at++] = '-';
        for (int digit = fields[f][1] - 1, value = fields[f][0]; digit >= 0; digit--, value /= 10)
            date[at + (size_t)digit] = (char)('0' + value % 10);
        at += (size_t)fields[f][1];
    }
    date[at] = '\0';
}

/* YYYY-MM-DD or YYYY/MM/DD. */
static int read_iso(date_cursor *c, int *year, int *month, int *day)
{
    *year = read_number(c, 4, 4);
    if (*year < 0)
        return 0;
    char separator = (char)peek(c);
    if ((separator != '-' && separator != '/') || !accept(c, separator) ||
        (*month = read_number(c, 2, 2)) < 0 || !accept(c, separator) ||
        (*day = read_number(c, 2, 2)) < 0)
        return 0;
    return 1;
}

/* 15 July 2023 (RFC 2822's order too). */
static int read_day_month_year(date_cursor *c, int *year, int *month, int *day)
{
    if ((*day = read_number(c, 1, 2)) < 0)
        return 0;
    skip_blanks(c);
    if (!(*month = read_month(c)))
        return 0;
    skip_blanks(c);
    return (*year = read_number(c, 4, 4)) >= 0;
}

/* July 15, 2023. */
static int read_month_day_year(date_cursor *c, int *year, int *month, int *day)
{
    if (!(*month = read_month(c)))
        return 0;
    skip_blanks(c);
    if ((*day = read_number(c, 1, 2)) < 0)
        return 0;
    accept(c, ',');
    skip_blanks(c);
    return (*year = read_number(c, 4, 4)) >= 0;
}

/* 07/15/2023, 15.07.2023, 15-07-2023: only when unambiguous. */
static int read_numeric(date_cursor *c, int *year, int *month, int *day)
{
    int first = read_number(c, 1, 2);
    char separator = (char)peek(c);
    if (first < 0 || (separator != '/' && separator != '.' && separator != '-') ||
        !accept(c, separator))
        return 0;
    int second = read_number(c, 1, 2);
    if (second < 0 || !accept(c, separator) || (*year = read_number(c, 4, 4)) < 0)
        return 0;
    if (first > 12 && second <= 12) {
        *day = first;
        *month = second;
    } else if (second > 12 && first <= 12) {
        *month = first;
        *day = second;
    } else if (first == second) {
        *day = *month = first;
    } else {
        return 0; /* 07/08/2023: July 8th or 7 August? Not guessed. */
    }
    return 1;
}

/* Reads a date at the start of `text`; returns the bytes it spans (the
 * time and zone included) and fills date, or 0. */
static size_t date_scan(const char *text, size_t length, char date[11])
{
    typedef int (*form_reader)(date_cursor *, int *, int *, int *);
    static const form_reader forms[] = {read_iso, read_day_month_year, read_month_day_year,
                                        read_numeric};
    date_cursor start = {text, length, 0};
    skip_weekday(&start);
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
        date_cursor c = start;
        int year = 0, month = 0, day = 0;
        if (!forms[f](&c, &year, &month, &day))
            continue;
        if (!valid_date(year, month, day))
            return 0;
        read_time_and_zone(&c, f == 0);
        write_date(date, year, month, day);
        return c.at;
    }
    return 0;
}

int source_parse_date(const char *text, size_t length, char date[11])
{
    while (length > 0 && source_is_space((uint8_t)*text))
        text++, length--;
    while (length > 0 && source_is_space((uint8_t)text[length - 1]))
        length--;
    /* Every headline candidate of a text is tried as a date: turn away
     * cheaply the lines that cannot be one (too long for any form, or
     * without a digit). */
    if (length == 0 || length > DATE_MAX_BYTES || !has_digit(text, length))
        return 0;
    return date_scan(text, length, date) == length;
}

size_t source_date_prefix(const char *text, size_t length, char date[11])
{
    size_t at = 0;
    while (at < length && source_is_space((uint8_t)text[at]))
        at++;
    if (length - at < 4 || strncasecmp(text + at, "date", 4) != 0)
        return 0;
    at += 4;
    if (at < length && text[at] == ':')
        at++;
    size_t blanks = at;
    while (at < length && (text[at] == ' ' || text[at] == '\t'))
        at++;
    if (at == blanks)
        return 0;
    /* The date ends the line or a word: "date 2017-11-14 Sanctuary". */
    size_t span = date_scan(text + at, length - at, date);
    if (span == 0 || (at + span < length && !source_is_space((uint8_t)text[at + span])))
        return 0;
    return at + span;
}

size_t source_date_line_value(const char *text, size_t length, size_t *value_length)
{
    size_t at = 0;
    while (at < length && source_is_space((uint8_t)text[at]))
        at++;
    if (length - at < 5 || strncasecmp(text + at, "date", 4) != 0)
        return 0;
    at += 4;
    int colon = text[at] == ':';
    at += (size_t)colon;
    size_t blanks = at;
    while (at < length && (text[at] == ' ' || text[at] == '\t'))
        at++;
    /* "Date: anything" is a header; "date 12 ..." looks like one; "Date
     * night" is prose. */
    if (at == length || (!colon && (at == blanks || !is_digit(text[at]))))
        return 0;
    const char *newline = memchr(text + at, '\n', length - at);
    size_t end = newline ? (size_t)(newline - text) : length;
    while (end > at && source_is_space((uint8_t)text[end - 1]))
        end--;
    *value_length = end - at;
    return at;
}

size_t source_warn_unread_date(source_file *file, const char *text, size_t length)
{
    size_t value_length;
    size_t value = source_date_line_value(text, length, &value_length);
    if (value == 0)
        return 0;
    source_warn(file->walker, "%s: cannot read the date '%.*s', indexed without one",
                file->path, (int)(value_length < 80 ? value_length : 80), text + value);
    return value + value_length;
}

uint32_t source_date_number(const char *date)
{
    if (!date || strlen(date) < 10)
        return 0;
    return (uint32_t)(atoi(date) * 10000 + atoi(date + 5) * 100 + atoi(date + 8));
}
