/*
 * The dates and titles the readers derive (indexer/source-date.c,
 * source_title_from_text): table-driven, each row a written form and
 * what it must become.
 */
#include "config.h"

#include "indexer/source-internal.h"
#include "indexer/source.h"

#include <criterion/criterion.h>
#include <string.h>

typedef struct date_case {
    const char *text;
    const char *date; /* NULL: not a date */
} date_case;

Test(dates, forms_newsrooms_write)
{
    static const date_case cases[] = {
        /* ISO 8601, with and without time and zone */
        {"2023-07-15", "2023-07-15"},
        {"2023/07/15", "2023-07-15"},
        {"2023-07-15T10:20", "2023-07-15"},
        {"2023-07-15T10:20:30Z", "2023-07-15"},
        {"2023-07-15T10:20:30.123+02:00", "2023-07-15"},
        {"2023-07-15T23:30:00-0500", "2023-07-15"},
        {"2023-07-15 10:20:30 UTC", "2023-07-15"},
        {"2023-07-15T10:20+05", "2023-07-15"},
        {"  2023-07-15  ", "2023-07-15"},
        /* RFC 2822 (mail) */
        {"Sat, 15 Jul 2023 10:20:30 +0000", "2023-07-15"},
        {"Sat, 15 Jul 2023 10:20:30 +0000 (UTC)", "2023-07-15"},
        {"15 Jul 2023 10:20 GMT", "2023-07-15"},
        {"Tue, 1 Aug 2023 08:00:00 -0400", "2023-08-01"},
        {"Mon, 2 Jan 2006 15:04:05 EST", "2006-01-02"},
        /* written */
        {"15 July 2023", "2023-07-15"},
        {"15 july 2023", "2023-07-15"},
        {"July 15, 2023", "2023-07-15"},
        {"Jul. 15, 2023", "2023-07-15"},
        {"Sept 3 2021", "2021-09-03"},
        {"Saturday, July 15, 2023", "2023-07-15"},
        /* numeric: only when day and month cannot be mistaken */
        {"07/15/2023", "2023-07-15"},
        {"15/07/2023", "2023-07-15"},
        {"15.07.2023", "2023-07-15"},
        {"15-07-2023", "2023-07-15"},
        {"05/05/2023", "2023-05-05"},
        {"07/08/2023", NULL},
        {"13/13/2023", NULL},
        /* calendar checks */
        {"2024-02-29", "2024-02-29"},
        {"2000-02-29", "2000-02-29"},
        {"1900-02-29", NULL},
        {"2023-04-31", NULL},
        {"2023-13-01", NULL},
        {"31 June 2023", NULL},
        {"0000-01-01", NULL},
        /* not dates, or more than a date */
        {"", NULL},
        {"yesterday", NULL},
        {"2023-1-01", NULL},
        {"2023-01-011", NULL},
        {"23-07-15", NULL},
        {"2023-07-15 and more", NULL},
        {"15 Julys 2023", NULL},
        {"Smarch 15, 2023", NULL},
        {"2023-07-15T25:00", NULL},
        {"1690000000", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char date[11] = "";
        int read = source_parse_date(cases[i].text, strlen(cases[i].text), date);
        if (cases[i].date) {
            cr_expect(read, "'%s' should read as %s", cases[i].text, cases[i].date);
            cr_expect_str_eq(date, cases[i].date, "'%s'", cases[i].text);
        } else {
            cr_expect_not(read, "'%s' should not read as a date (got %s)", cases[i].text, date);
        }
    }
}

typedef struct prefix_case {
    const char *text;
    size_t span;      /* bytes of the prefix, 0 = none */
    const char *date;
    int meant_as_date; /* source_date_line_value sees a date line */
} prefix_case;

Test(dates, date_lines_of_text_files)
{
    static const prefix_case cases[] = {
        {"date 2017-11-14 Sanctuary cities", 15, "2017-11-14", 1},
        {"  Date: 2017-11-14 text", 18, "2017-11-14", 1},
        {"Date: Sat, 15 Jul 2023 10:20:30 +0000\nBody", 37, "2023-07-15", 1},
        {"date 15 July 2023\nBody", 17, "2023-07-15", 1},
        {"date 2023-07-15T10:00Z\nBody", 22, "2023-07-15", 1},
        {"date 2017-11-14 10 things to know", 15, "2017-11-14", 1},
        {"dated 2017-11-14", 0, NULL, 0},
        {"date 2017-02-30", 0, NULL, 1},
        {"Date: last Tuesday\nBody", 0, NULL, 1},
        {"date 07/08/2023 text", 0, NULL, 1},
        {"Date night ideas", 0, NULL, 0},
        {"date2017-11-14", 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char date[11] = "";
        size_t length = strlen(cases[i].text);
        size_t span = source_date_prefix(cases[i].text, length, date);
        cr_expect_eq(span, cases[i].span, "'%s': span %zu, not %zu", cases[i].text, span,
                     cases[i].span);
        if (cases[i].date)
            cr_expect_str_eq(date, cases[i].date, "'%s'", cases[i].text);
        size_t value_length = 0;
        size_t value = source_date_line_value(cases[i].text, length, &value_length);
        cr_expect_eq(value > 0, cases[i].meant_as_date, "'%s': meant as a date line?",
                     cases[i].text);
    }
}

Test(dates, numbers_the_engines_store)
{
    cr_expect_eq(source_date_number("2023-07-15"), 20230715u);
    cr_expect_eq(source_date_number(NULL), 0u);
    cr_expect_eq(source_date_number("2023"), 0u);
}

typedef struct title_case {
    const char *text;
    const char *title;
} title_case;

Test(titles, first_line_that_reads_as_a_headline)
{
    static const title_case cases[] = {
        {"This story is over 5 years old.\n\n\nJeff Sessions is asking sanctuary cities\n\nBody.",
         "Jeff Sessions is asking sanctuary cities"},
        {"Zebra\nzebra stripes zebra\n", "Zebra"},
        {"Photo: Reuters.\nCouncil approves the budget\nText.", "Council approves the budget"},
        {"By Jane Doe\nCouncil approves the budget\n", "Council approves the budget"},
        {"15 July 2023\nCouncil approves the budget\n", "Council approves the budget"},
        {"  Is the budget too big?  \nText.", "Is the budget too big?"},
        {"Waiting for the vote...\nText.", "Waiting for the vote..."},
        /* only paragraphs: the first line, as before */
        {"One sentence here.\nAnother one there.", "One sentence here."},
        {"\n\n   \nLone\n", "Lone"},
        {"", ""},
        /* a headline after five boilerplate lines is too far */
        {"A.\nB.\nC.\nD.\nE.\nLate headline here", "A."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        byte_buffer title = BUFFER_INIT;
        source_title_from_text(cases[i].text, strlen(cases[i].text), &title);
        cr_assert(!buffer_failed(&title));
        cr_expect_str_eq((const char *)title.data, cases[i].title, "case %zu", i);
        buffer_free(&title);
    }
}
