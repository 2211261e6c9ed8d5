#include "config.h"

#include "query/parser.h"

#include "base/array.h"
#include "base/error.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

/* ------------------------------------------------------------- tokens */

typedef enum token_type {
    TOKEN_END,
    TOKEN_OPEN,
    TOKEN_CLOSE,
    TOKEN_AND,
    TOKEN_OR,
    TOKEN_NOT,
    TOKEN_NEAR,
    TOKEN_REQUIRE, /* leading '+' */
    TOKEN_EXCLUDE, /* leading '-' */
    TOKEN_TERM     /* word, prefix, phrase or date, possibly with a field */
} token_type;

typedef struct token {
    token_type type;
    size_t column;
    /* TOKEN_TERM */
    query_kind kind;
    query_field field;
    size_t text_start, text_end; /* bytes of the text (WORD, PHRASE, PREFIX) */
    uint32_t distance;           /* NEAR distance, PHRASE slop, FUZZY edits */
    uint32_t date_from, date_to;
    double boost;                /* TERM: ^n after it, 0 for none */
} token;

typedef struct parser {
    const char *query;
    size_t length;
    query_kind default_kind; /* QUERY_AND or QUERY_OR: what adjacency means */
    size_t pos;              /* lexer cursor, bytes */
    size_t column;           /* lexer cursor, 1-based characters */
    bool operand_mode;       /* the token after a +/- is always a term or group */
    bool have_token;
    token current;
    size_t depth;
    size_t live_nodes;
    bool limit_nodes;
    cops_error *err;
} parser;

typedef enum mark { MARK_NONE, MARK_REQUIRED, MARK_EXCLUDED } mark;

/* One operand of an implicit sequence, with its +/- (or NOT) marking still
 * unresolved: what it means depends on its siblings. */
typedef struct item {
    query_node *node;
    mark mark;
    size_t column;
} item;

/* The lists below keep their first LIST_INLINE entries in themselves:
 * each word of a query passed through a few one- or two-entry lists, and
 * their reallocs and frees were a fifth of parsing it (callgrind).  A
 * list zero-initialised is empty; it must not be copied while it holds
 * entries (its storage may be inside it). */
#define LIST_INLINE 4

typedef struct item_list {
    item *items;
    size_t count, capacity;
    item inline_items[LIST_INLINE];
} item_list;

typedef struct node_list {
    query_node **nodes;
    size_t count, capacity;
    query_node *inline_nodes[LIST_INLINE];
} node_list;

/* Free a list's storage (not its entries) and leave it empty. */
static void node_list_free_storage(node_list *list)
{
    array_free_inline(list->nodes, list->inline_nodes);
    list->nodes = NULL;
    list->count = list->capacity = 0;
}

static void item_list_free_storage(item_list *list)
{
    array_free_inline(list->items, list->inline_items);
    list->items = NULL;
    list->count = list->capacity = 0;
}

static int syntax_error(parser *p, size_t column, const char *format, ...) COPS_PRINTF(3, 4);

static int syntax_error(parser *p, size_t column, const char *format, ...)
{
    if (p->err) {
        char reason[COPS_ERROR_MESSAGE_MAX - 32];
        va_list args;
        va_start(args, format);
        vsnprintf(reason, sizeof reason, format, args);
        va_end(args);
        error_set(p->err, COPS_ESYNTAX, "%s", reason);
        p->err->column = column;
    }
    return COPS_ESYNTAX;
}

static int out_of_memory(parser *p)
{
    return error_set(p->err, COPS_ENOMEM, "out of memory while parsing the query");
}

/* ---------------------------------------------------------- characters */

/* Byte length of the character at `pos`; an invalid sequence counts as a
 * one-byte character so columns stay defined for any input. */
static size_t char_at(const char *text, size_t length, size_t pos, int32_t *code_point)
{
    utf8proc_int32_t decoded;
    utf8proc_ssize_t used = utf8proc_iterate((const utf8proc_uint8_t *)text + pos,
                                             (utf8proc_ssize_t)(length - pos), &decoded);
    if (used < 1) {
        *code_point = -1;
        return 1;
    }
    *code_point = decoded;
    return (size_t)used;
}

static bool is_space(int32_t code_point)
{
    switch (code_point) {
    case ' ': case '\t': case '\n': case '\r': case '\v': case '\f':
    case 0x85: case 0x2028: case 0x2029:
        return true;
    default:
        return code_point > 0x7f && utf8proc_category(code_point) == UTF8PROC_CATEGORY_ZS;
    }
}

static bool ends_word(int32_t code_point)
{
    return is_space(code_point) || code_point == '"' || code_point == '(' || code_point == ')';
}

/* Column of byte `offset`, counting on from a known (`from`, `column`). */
static size_t column_at(const parser *p, size_t from, size_t column, size_t offset)
{
    int32_t code_point;
    while (from < offset) {
        from += char_at(p->query, p->length, from, &code_point);
        column++;
    }
    return column;
}

static void advance_to(parser *p, size_t offset)
{
    p->column = column_at(p, p->pos, p->column, offset);
    p->pos = offset;
}

static bool span_equals(const parser *p, size_t start, size_t end, const char *literal)
{
    size_t length = strlen(literal);
    return end - start == length && memcmp(p->query + start, literal, length) == 0;
}

static bool span_starts_with(const parser *p, size_t start, size_t end, const char *literal)
{
    size_t length = strlen(literal);
    return end - start >= length && memcmp(p->query + start, literal, length) == 0;
}

/* Decimal digits in [start, end) as a number; false if empty, not all
 * digits, or above `limit` (then *value = limit + 1). */
static bool parse_number(const parser *p, size_t start, size_t end, uint32_t limit,
                         uint32_t *value)
{
    uint32_t number = 0;
    if (start == end)
        return false;
    for (size_t i = start; i < end; i++) {
        char c = p->query[i];
        if (c < '0' || c > '9')
            return false;
        if (number <= limit)
            number = number * 10 + (uint32_t)(c - '0');
    }
    *value = number > limit ? limit + 1 : number;
    return true;
}

/* --------------------------------------------------------------- dates */

static bool is_leap_year(uint32_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static uint32_t days_in_month(uint32_t year, uint32_t month)
{
    static const uint32_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

static bool digits_at(const char *text, size_t count, uint32_t *value)
{
    uint32_t number = 0;
    for (size_t i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        number = number * 10 + (uint32_t)(text[i] - '0');
    }
    *value = number;
    return true;
}

/* One date of a date: value ("2017", "2017-11", "2017-11-14") as the first
 * and last day it covers, YYYYMMDD. */
static int parse_date(parser *p, size_t start, size_t end, size_t column, uint32_t *first,
                      uint32_t *last)
{
    const char *text = p->query + start;
    size_t length = end - start;
    int shown = (int)(length > 40 ? 40 : length);
    uint32_t year, month = 0, day = 0;
    bool shaped = (length == 4 || length == 7 || length == 10) && digits_at(text, 4, &year) &&
                  (length < 7 || (text[4] == '-' && digits_at(text + 5, 2, &month))) &&
                  (length < 10 || (text[7] == '-' && digits_at(text + 8, 2, &day)));
    if (!shaped)
        return syntax_error(p, column,
                            "invalid date '%.*s': expected YYYY, YYYY-MM or YYYY-MM-DD", shown,
                            text);
    if (year == 0)
        return syntax_error(p, column, "invalid date '%.*s': there is no year 0", shown, text);
    if (length >= 7 && (month < 1 || month > 12))
        return syntax_error(p, column, "invalid date '%.*s': month %u does not exist", shown,
                            text, (unsigned)month);
    if (length == 10 && (day < 1 || day > days_in_month(year, month)))
        return syntax_error(p, column, "invalid date '%.*s': %04u-%02u has no day %u", shown,
                            text, (unsigned)year, (unsigned)month, (unsigned)day);
    uint32_t first_month = length >= 7 ? month : 1, last_month = length >= 7 ? month : 12;
    *first = year * 10000 + first_month * 100 + (length == 10 ? day : 1);
    *last = year * 10000 + last_month * 100 +
            (length == 10 ? day : days_in_month(year, last_month));
    return COPS_OK;
}

/* The value of date:, [start, end) at `column`: D, D..D, D.. or ..D. */
static int parse_date_range(parser *p, size_t start, size_t end, size_t column, token *out)
{
    if (start == end)
        return syntax_error(p, column - 5,
                            "date: needs a date right after it (YYYY, YYYY-MM, YYYY-MM-DD "
                            "or a range FROM..TO)");
    size_t dots = start;
    while (dots + 1 < end && !(p->query[dots] == '.' && p->query[dots + 1] == '.'))
        dots++;
    uint32_t ignored;
    int status;
    if (dots + 1 >= end) {
        status = parse_date(p, start, end, column, &out->date_from, &out->date_to);
        return status;
    }
    if (dots == start && dots + 2 == end)
        return syntax_error(p, column, "date range '..' needs a date on at least one side");
    out->date_from = 0;
    out->date_to = 0;
    if (dots > start) {
        status = parse_date(p, start, dots, column, &out->date_from, &ignored);
        if (status != COPS_OK)
            return status;
    }
    if (dots + 2 < end) {
        size_t to_column = column_at(p, start, column, dots + 2);
        status = parse_date(p, dots + 2, end, to_column, &ignored, &out->date_to);
        if (status != COPS_OK)
            return status;
    }
    if (out->date_from && out->date_to && out->date_from > out->date_to)
        return syntax_error(p, column, "date range '%.*s' ends before it starts",
                            (int)(end - start > 60 ? 60 : end - start), p->query + start);
    return COPS_OK;
}

/* ---------------------------------------------------------------- lexer */

static int lex_trailing_boost(parser *p, double *boost);

/* The double quotes of typography that word processors and phones type
 * for '"': English “ ”, German „ “, Swedish ” ”, French « », CJK ＂.  A
 * person pasting “community policing” means a phrase, as with '"'. */
static bool is_typographic_quote(int32_t code_point)
{
    return (code_point >= 0x201C && code_point <= 0x201F) || code_point == 0xAB
           || code_point == 0xBB || code_point == 0xFF02;
}

/* Where a phrase's quotes are: the opening one's bytes, and the closing
 * one's offset and bytes. */
typedef struct quote_span {
    size_t open_length, close, close_length;
} quote_span;

/* Whether a typographic quote at byte `at` opens a phrase: the next
 * typographic quote closes it (any of them, as conventions differ).  One
 * never closed is punctuation of its word, as before such quotes were
 * read (a lone ” in 5” screen); a lone '"' stays an error. */
static bool typographic_phrase_at(const parser *p, size_t at, quote_span *span)
{
    if (at >= p->length || (unsigned char)p->query[at] < 0x80)
        return false; /* every such quote is beyond ASCII: most items end here */
    int32_t code_point;
    size_t used = char_at(p->query, p->length, at, &code_point);
    if (!is_typographic_quote(code_point))
        return false;
    for (size_t i = at + used; i < p->length;) {
        size_t next = char_at(p->query, p->length, i, &code_point);
        if (is_typographic_quote(code_point)) {
            *span = (quote_span){used, i, next};
            return true;
        }
        i += next;
    }
    return false;
}

/* A phrase from the quote at the cursor: '"' (typographic NULL), or the
 * typographic quotes found by typographic_phrase_at. */
static int lex_phrase(parser *p, token *tok, const quote_span *typographic)
{
    size_t quote = p->pos, quote_column = p->column;
    quote_span span = {1, 0, 1};
    if (typographic) {
        span = *typographic;
    } else {
        const char *close = memchr(p->query + quote + 1, '"', p->length - quote - 1);
        if (!close)
            return syntax_error(p, quote_column, "unbalanced quote: '\"' is never closed");
        span.close = (size_t)(close - p->query);
    }
    size_t close_pos = span.close;
    bool blank = true;
    int32_t code_point;
    for (size_t i = quote + span.open_length; i < close_pos && blank;) {
        i += char_at(p->query, p->length, i, &code_point);
        blank = is_space(code_point);
    }
    if (blank)
        return syntax_error(p, quote_column, "empty phrase: nothing between the quotes");
    tok->kind = QUERY_PHRASE;
    tok->text_start = quote + span.open_length;
    tok->text_end = close_pos;
    tok->distance = 0;
    advance_to(p, close_pos + span.close_length);
    if (p->pos < p->length && p->query[p->pos] == '~') {
        size_t tilde_column = p->column, digits = p->pos + 1, digits_end = digits;
        while (digits_end < p->length && p->query[digits_end] >= '0' &&
               p->query[digits_end] <= '9')
            digits_end++;
        if (!parse_number(p, digits, digits_end, QUERY_MAX_DISTANCE, &tok->distance))
            return syntax_error(p, tilde_column, "phrase slop '~' needs a number, as in \"a b\"~2");
        if (tok->distance > QUERY_MAX_DISTANCE)
            return error_set(p->err, COPS_ELIMIT,
                             "phrase slop at column %zu is above the limit of %d", tilde_column,
                             QUERY_MAX_DISTANCE);
        advance_to(p, digits_end);
    }
    return lex_trailing_boost(p, &tok->boost);
}

/* A word is [start, end), already scanned; the cursor is at `end`. */
static void classify_word(parser *p, size_t start, size_t end, query_field field, token *tok)
{
    size_t stem_end = end;
    while (stem_end > start && p->query[stem_end - 1] == '*')
        stem_end--;
    tok->field = field;
    tok->kind = stem_end < end && stem_end > start ? QUERY_PREFIX : QUERY_WORD;
    tok->text_start = start;
    tok->text_end = tok->kind == QUERY_PREFIX ? stem_end : end;
}

/* 1 if [start, end) is only the bytes of `set` (and not empty). */
static bool span_only(const parser *p, size_t start, size_t end, const char *set)
{
    if (start == end)
        return false;
    for (size_t i = start; i < end; i++)
        if (!strchr(set, p->query[i]) || p->query[i] == '\0')
            return false;
    return true;
}

#define ASCII_LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* How many of a word's `length` bytes a message shows: at most `cap`,
 * cut before a character, not inside one (a cut "é" was shown as
 * "\xc3"). */
static int shown_bytes(const char *word, size_t length, size_t cap)
{
    if (length <= cap)
        return (int)length;
    size_t n = cap;
    while (n > 0 && ((unsigned char)word[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* Wildcards of other engines in the word [start, end) (check_foreign_syntax):
 * a '*' anywhere but at the end (budg*t, *cafe: a prefix's stars end it,
 * and there is no search by a word's ending), and a '?' before a letter
 * or digit (c?fe; not in a URL, where it starts the query string, nor a
 * question's final '?').  Both were searched as their letters: budg*t as
 * the phrase "budg t", *cafe as cafe, so a silent zero or another
 * answer.  A word of stars alone (the match-all *) is none. */
static int check_wildcards(parser *p, size_t start, size_t end, size_t column)
{
    const char *word = p->query + start;
    size_t length = end - start;
    size_t at = 0;
    while (at < length && word[at] != '*' && word[at] != '?')
        at++;
    if (at == length)
        return COPS_OK; /* most words */
    int shown = shown_bytes(word, length, 40);
    bool star = false, alphanumeric = false, slash = false, question = false;
    for (size_t i = 0; i < length; i++) {
        star |= word[i] == '*';
        alphanumeric |= isalnum((unsigned char)word[i]) != 0;
        slash |= word[i] == '/';
        question |= word[i] == '?' && i + 1 < length && isalnum((unsigned char)word[i + 1]);
    }
    if (star && alphanumeric)
        return syntax_error(p, column, "'*' stands only at the end of a word, as in budg*: "
                            "'%.*s' (to search the text, put it in quotes)", shown, word);
    if (question && !slash)
        return syntax_error(p, column, "'?' is not a wildcard: '%.*s' (a prefix is word*, a "
                            "word within one edit word~1; to search the text, put it in quotes)",
                            shown, word);
    return COPS_OK;
}

/* Syntax that other engines have and this language has not, in the word
 * [start, end) at `column`: a field other than title: and date: (name:x,
 * Title:x); `|` or `||` between words, and `!word` (Lucene's and
 * Elasticsearch's OR and NOT).  It would otherwise be searched as text,
 * silently matching nothing, or mean the opposite (`a || b` was a AND b,
 * `!b` required b), so it is an error that says what to write
 * (GRAMMAR.md, "Errors"); so are wildcards inside a word
 * (check_wildcards).  A URL's scheme (http://x) and a time (10:30) stay
 * words, as do `&&` (read as AND already) and `Yahoo!`. */
static int check_foreign_syntax(parser *p, size_t start, size_t end, size_t column, bool field_allowed)
{
    int status = check_wildcards(p, start, end, column);
    if (status != COPS_OK)
        return status;
    if (span_equals(p, start, end, "|") || span_equals(p, start, end, "||"))
        return syntax_error(p, column, "'%.*s' is not an operator here: write OR (in upper case)",
                            (int)(end - start), p->query + start);
    /* '!' before a phrase or a group ("!\"a b\"", "!(a b)") is the word
     * "!" alone, dropped, and the phrase or group then required. */
    if (end - start == 1 && p->query[start] == '!' && end < p->length
        && (p->query[end] == '"' || p->query[end] == '('))
        return syntax_error(p, column, "'!' does not exclude here: write - or NOT before the %s",
                            p->query[end] == '"' ? "phrase" : "group");
    /* A letter beyond ASCII (!éclair, !Москва) excludes no less. */
    if (end - start > 1 && p->query[start] == '!'
        && (isalnum((unsigned char)p->query[start + 1]) || (unsigned char)p->query[start + 1] >= 0x80))
        return syntax_error(p, column, "'!' does not exclude here: write -%.*s or NOT %.*s "
                            "(to search the text, put it in quotes)",
                            shown_bytes(p->query + start + 1, end - start - 1, 30), p->query + start + 1,
                            shown_bytes(p->query + start + 1, end - start - 1, 30), p->query + start + 1);
    const char *colon = memchr(p->query + start, ':', end - start);
    size_t name_end = colon ? (size_t)(colon - p->query) : end;
    if (field_allowed && colon && name_end + 1 < end && p->query[name_end + 1] != '/'
        && span_only(p, start, name_end, ASCII_LETTERS)) {
        size_t name_length = name_end - start;
        int shown = (int)(name_length > 30 ? 30 : name_length);
        if ((name_length == 5 && strncasecmp(p->query + start, "title", 5) == 0)
            || (name_length == 4 && strncasecmp(p->query + start, "date", 4) == 0))
            return syntax_error(p, column, "field '%.*s:' is written in lower case: %s:", shown,
                                p->query + start, name_length == 5 ? "title" : "date");
        return syntax_error(p, column,
                            "unknown field '%.*s:': the fields are title: and date: "
                            "(to search the text, put it in quotes)",
                            shown, p->query + start);
    }
    return COPS_OK;
}


/* ---------------------------------------- boosts, fuzzy words, field groups */

/* The number of a boost, digits with at most one '.' ("2", "1.5", ".5");
 * false if it is not one.  Beyond QUERY_MAX_BOOST the value stops
 * growing, which is enough to refuse it. */
static bool boost_number(const char *text, size_t length, double *value)
{
    double number = 0, scale = 1;
    bool dot = false, digit = false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9')
            return false;
        digit = true;
        if (dot) {
            scale /= 10;
            number += (c - '0') * scale;
        } else if (number <= QUERY_MAX_BOOST) {
            number = number * 10 + (c - '0');
        }
    }
    *value = number;
    return digit;
}

/* The boost '^n' at [at, end) (at is the '^'), at `column`, into *boost. */
static int parse_boost(parser *p, size_t at, size_t end, size_t column, double *boost)
{
    int shown = (int)(end - at > 30 ? 30 : end - at);
    if (!boost_number(p->query + at + 1, end - at - 1, boost))
        return syntax_error(p, column, "boost '%.*s' needs a number, as in word^2 or word^1.5",
                            shown, p->query + at);
    if (!(*boost > 0) || *boost > QUERY_MAX_BOOST)
        return syntax_error(p, column,
                            "boost '%.*s' is out of range: it must be above 0 and at most %g",
                            shown, p->query + at, QUERY_MAX_BOOST);
    return COPS_OK;
}

/* The last `sign` in (start, end) when only bytes of `set` follow it (at
 * least one unless `may_end`), else 0: "budget~2" for '~', "x^1.5" for
 * '^'.  The mark is never the first byte: "~2" and "^2" stay words. */
static size_t find_suffix(const parser *p, size_t start, size_t end, char sign, const char *set,
                          bool may_end)
{
    for (size_t at = end; at-- > start + 1;) {
        if (p->query[at] != sign)
            continue;
        if ((may_end && at + 1 == end) || span_only(p, at + 1, end, set))
            return at;
        return 0;
    }
    return 0;
}

/* A '^n' right at the cursor (after a phrase or a closing parenthesis)
 * into *boost, the cursor moved past it; *boost stays 0 when there is
 * none ("a b"^x leaves ^x to be a word, as it was). */
static int lex_trailing_boost(parser *p, double *boost)
{
    *boost = 0;
    if (p->pos >= p->length || p->query[p->pos] != '^')
        return COPS_OK;
    size_t end = p->pos;
    int32_t code_point;
    while (end < p->length) {
        size_t used = char_at(p->query, p->length, end, &code_point);
        if (ends_word(code_point))
            break;
        end += used;
    }
    if (!span_only(p, p->pos + 1, end, "0123456789."))
        return COPS_OK;
    int status = parse_boost(p, p->pos, end, p->column, boost);
    if (status == COPS_OK)
        advance_to(p, end);
    return status;
}

/* A word [start, end) at `column` (the cursor past it) with its suffixes:
 * a boost '^n' last, before it a fuzzy '~n' or '~' (GRAMMAR.md). */
static int lex_word(parser *p, size_t start, size_t end, size_t column, query_field field,
                    token *tok)
{
    size_t caret = find_suffix(p, start, end, '^', "0123456789.", false);
    if (caret) {
        int status = parse_boost(p, caret, end, column_at(p, start, column, caret), &tok->boost);
        if (status != COPS_OK)
            return status;
        end = caret;
    }
    size_t tilde = find_suffix(p, start, end, '~', "0123456789", true);
    classify_word(p, start, tilde ? tilde : end, field, tok);
    if (tilde) {
        size_t tilde_column = column_at(p, start, column, tilde);
        uint32_t edits = QUERY_DEFAULT_FUZZY;
        if (tilde + 1 < end)
            parse_number(p, tilde + 1, end, QUERY_MAX_FUZZY, &edits);
        if (edits > QUERY_MAX_FUZZY)
            return syntax_error(p, tilde_column,
                                "fuzzy '%.*s' is above the limit of %d edits: use ~1 or ~2",
                                (int)(end - tilde > 12 ? 12 : end - tilde), p->query + tilde,
                                QUERY_MAX_FUZZY);
        if (tok->kind == QUERY_PREFIX)
            return syntax_error(p, tilde_column,
                                "fuzzy '~' applies to a word, not to a prefix");
        if (edits > 0)
            tok->kind = QUERY_FUZZY;
        tok->distance = edits;
    }
    return check_foreign_syntax(p, start, tok->text_end, column, field == QUERY_FIELD_ANY);
}

static int lex_operator(parser *p, size_t start, size_t end, token *tok, bool *is_operator)
{
    *is_operator = true;
    if (span_equals(p, start, end, "AND")) {
        tok->type = TOKEN_AND;
    } else if (span_equals(p, start, end, "OR")) {
        tok->type = TOKEN_OR;
    } else if (span_equals(p, start, end, "NOT")) {
        tok->type = TOKEN_NOT;
    } else if (span_equals(p, start, end, "NEAR")) {
        tok->type = TOKEN_NEAR;
        tok->distance = QUERY_NEAR_DEFAULT_DISTANCE;
    } else if (span_starts_with(p, start, end, "NEAR/")) {
        tok->type = TOKEN_NEAR;
        if (!parse_number(p, start + 5, end, QUERY_MAX_DISTANCE, &tok->distance))
            return syntax_error(p, tok->column, "NEAR/ needs a number of words, as in NEAR/5, not '%.*s'",
                                (int)(end - start > 40 ? 40 : end - start), p->query + start);
        if (tok->distance == 0)
            return syntax_error(p, tok->column, "NEAR/0 is empty: the distance must be at least 1");
        if (tok->distance > QUERY_MAX_DISTANCE)
            return error_set(p->err, COPS_ELIMIT,
                             "NEAR distance at column %zu is above the limit of %d", tok->column,
                             QUERY_MAX_DISTANCE);
    } else {
        *is_operator = false;
    }
    return COPS_OK;
}

static int lex(parser *p, token *tok)
{
    bool operand_mode = p->operand_mode;
    int32_t code_point;
    p->operand_mode = false;
    memset(tok, 0, sizeof *tok);
    while (p->pos < p->length) {
        size_t used = char_at(p->query, p->length, p->pos, &code_point);
        if (!is_space(code_point))
            break;
        p->pos += used;
        p->column++;
    }
    tok->column = p->column;
    if (p->pos == p->length) {
        tok->type = TOKEN_END;
        return COPS_OK;
    }
    char first = p->query[p->pos];
    if (first == '(' || first == ')') {
        tok->type = first == '(' ? TOKEN_OPEN : TOKEN_CLOSE;
        advance_to(p, p->pos + 1);
        return COPS_OK;
    }
    tok->type = TOKEN_TERM;
    quote_span typographic;
    if (first == '"')
        return lex_phrase(p, tok, NULL);
    if (typographic_phrase_at(p, p->pos, &typographic))
        return lex_phrase(p, tok, &typographic);
    if (!operand_mode && (first == '+' || first == '-') && p->pos + 1 < p->length) {
        char_at(p->query, p->length, p->pos + 1, &code_point);
        if (!is_space(code_point) && code_point != ')') {
            tok->type = first == '+' ? TOKEN_REQUIRE : TOKEN_EXCLUDE;
            advance_to(p, p->pos + 1);
            p->operand_mode = true;
            return COPS_OK;
        }
    }
    size_t start = p->pos, end = start;
    while (end < p->length) {
        size_t used = char_at(p->query, p->length, end, &code_point);
        if (ends_word(code_point))
            break;
        end += used;
    }
    if (!operand_mode) {
        bool is_operator;
        int status = lex_operator(p, start, end, tok, &is_operator);
        if (status != COPS_OK || is_operator) {
            advance_to(p, end);
            return status;
        }
    }
    if (span_starts_with(p, start, end, "title:")) {
        if (typographic_phrase_at(p, start + 6, &typographic)) {
            advance_to(p, start + 6);
            int status = lex_phrase(p, tok, &typographic);
            tok->field = QUERY_FIELD_TITLE;
            return status;
        }
        advance_to(p, end);
        if (end > start + 6)
            return lex_word(p, start + 6, end, tok->column + 6, QUERY_FIELD_TITLE, tok);
        if (end < p->length && p->query[end] == '"') {
            int status = lex_phrase(p, tok, NULL);
            tok->field = QUERY_FIELD_TITLE;
            return status;
        }
        if (end < p->length && p->query[end] == '(') {
            /* a field group: the field applies to what the parentheses hold */
            tok->type = TOKEN_OPEN;
            tok->field = QUERY_FIELD_TITLE;
            advance_to(p, end + 1);
            return COPS_OK;
        }
        return syntax_error(p, tok->column,
                            "field title: needs a word, a phrase or a group right after it");
    }
    if (span_starts_with(p, start, end, "date:")) {
        tok->kind = QUERY_DATE_RANGE;
        advance_to(p, end);
        return parse_date_range(p, start + 5, end, tok->column + 5, tok);
    }
    advance_to(p, end);
    return lex_word(p, start, end, tok->column, QUERY_FIELD_ANY, tok);
}

static int peek(parser *p, const token **out)
{
    if (!p->have_token) {
        int status = lex(p, &p->current);
        if (status != COPS_OK)
            return status;
        p->have_token = true;
    }
    *out = &p->current;
    return COPS_OK;
}

static void consume(parser *p)
{
    p->have_token = false;
}

static bool starts_item(token_type type)
{
    return type == TOKEN_TERM || type == TOKEN_OPEN || type == TOKEN_NOT ||
           type == TOKEN_REQUIRE || type == TOKEN_EXCLUDE;
}

static const char *operator_name(token_type type)
{
    switch (type) {
    case TOKEN_AND: return "AND";
    case TOKEN_OR: return "OR";
    case TOKEN_NOT: return "NOT";
    case TOKEN_NEAR: return "NEAR";
    default: return "?";
    }
}

/* ---------------------------------------------------------------- nodes */

static size_t tree_size(const query_node *node)
{
    size_t size = 1;
    for (size_t i = 0; i < node->child_count; i++)
        size += tree_size(node->children[i]);
    return size;
}

static void release(parser *p, query_node *node)
{
    if (node) {
        p->live_nodes -= tree_size(node);
        query_free(node);
    }
}

/* Free a node whose children were moved elsewhere. */
static void release_shell(parser *p, query_node *node)
{
    p->live_nodes--;
    free(node->children);
    free(node->text);
    free(node);
}

static int node_new(parser *p, query_kind kind, size_t column, query_node **out)
{
    *out = NULL;
    if (p->limit_nodes && p->live_nodes >= QUERY_MAX_NODES)
        return error_set(p->err, COPS_ELIMIT,
                         "the query has more than %d parts (at column %zu); simplify it",
                         QUERY_MAX_NODES, column);
    query_node *node = calloc(1, sizeof *node);
    if (!node)
        return out_of_memory(p);
    node->kind = kind;
    node->column = column;
    p->live_nodes++;
    *out = node;
    return COPS_OK;
}

static int node_with_text(parser *p, query_kind kind, query_field field, size_t start,
                          size_t end, size_t column, query_node **out)
{
    int status = node_new(p, kind, column, out);
    if (status != COPS_OK)
        return status;
    (*out)->field = field;
    (*out)->text = malloc(end - start + 1);
    if (!(*out)->text) {
        release(p, *out);
        *out = NULL;
        return out_of_memory(p);
    }
    memcpy((*out)->text, p->query + start, end - start);
    (*out)->text[end - start] = '\0';
    return COPS_OK;
}

static int node_from_term(parser *p, const token *tok, query_node **out)
{
    if (tok->kind == QUERY_DATE_RANGE) {
        int status = node_new(p, QUERY_DATE_RANGE, tok->column, out);
        if (status == COPS_OK) {
            (*out)->date_from = tok->date_from;
            (*out)->date_to = tok->date_to;
        }
        return status;
    }
    int status = node_with_text(p, tok->kind, tok->field, tok->text_start, tok->text_end,
                                tok->column, out);
    if (status == COPS_OK)
        (*out)->distance = tok->distance;
    return status;
}

static int node_list_push(parser *p, node_list *list, query_node *node)
{
    if (ARRAY_RESERVE_INLINE(list->nodes, list->capacity, list->count, 1, list->inline_nodes))
        return out_of_memory(p);
    list->nodes[list->count++] = node;
    return COPS_OK;
}

/* Push `node`, or release it if the push fails, so callers own nothing
 * after the call either way. */
static int node_list_take(parser *p, node_list *list, query_node *node)
{
    int status = node_list_push(p, list, node);
    if (status != COPS_OK)
        release(p, node);
    return status;
}

static void node_list_release(parser *p, node_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        release(p, list->nodes[i]);
    node_list_free_storage(list);
}

static int item_list_push(parser *p, item_list *list, item it)
{
    if (ARRAY_RESERVE_INLINE(list->items, list->capacity, list->count, 1, list->inline_items)) {
        release(p, it.node);
        return out_of_memory(p);
    }
    list->items[list->count++] = it;
    return COPS_OK;
}

static void item_list_release(parser *p, item_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        release(p, list->items[i].node);
    item_list_free_storage(list);
}

/* A node of `kind` adopting the nodes of `list` (which is left empty).
 * On failure the list's nodes are released. */
static int node_adopting(parser *p, query_kind kind, size_t column, node_list *list,
                         query_node **out)
{
    query_node **children = list->nodes;
    if (children == list->inline_nodes) { /* the node's own array */
        children = malloc(list->count * sizeof *children);
        if (!children) {
            node_list_release(p, list);
            return out_of_memory(p);
        }
        memcpy(children, list->inline_nodes, list->count * sizeof *children);
    }
    int status = node_new(p, kind, column, out);
    if (status != COPS_OK) {
        if (children != list->nodes)
            free(children);
        node_list_release(p, list);
        return status;
    }
    (*out)->children = children;
    (*out)->child_count = list->count;
    if (children != list->nodes)
        node_list_free_storage(list);
    else
        *list = (node_list){0};
    return COPS_OK;
}

/* The only node of `list` itself, or a node of `kind` adopting them all. */
static int node_collapsing(parser *p, query_kind kind, size_t column, node_list *list,
                           query_node **out)
{
    if (list->count == 1) {
        *out = list->nodes[0];
        node_list_free_storage(list);
        return COPS_OK;
    }
    return node_adopting(p, kind, column, list, out);
}

/* A node of `kind` over `first` and `second`, which are released on failure. */
static int node_pair(parser *p, query_kind kind, size_t column, query_node *first,
                     query_node *second, query_node **out)
{
    node_list pair = {0};
    *out = NULL;
    int status = node_list_take(p, &pair, first);
    if (status != COPS_OK) {
        release(p, second);
        return status;
    }
    status = node_list_take(p, &pair, second);
    if (status != COPS_OK) {
        node_list_release(p, &pair);
        return status;
    }
    return node_adopting(p, kind, column, &pair, out);
}

/* A node of `kind` over the single `child`, which is released on failure. */
static int node_over(parser *p, query_kind kind, size_t column, query_node *child,
                            query_node **out)
{
    node_list single = {0};
    *out = NULL;
    int status = node_list_take(p, &single, child);
    if (status != COPS_OK)
        return status;
    return node_adopting(p, kind, column, &single, out);
}

/* (AND (ALL) (NOT x) ...): everything except some exclusions. */
static bool is_pure_negation(const query_node *node)
{
    return node->kind == QUERY_AND && node->child_count >= 2 &&
           node->children[0]->kind == QUERY_ALL && node->children[1]->kind == QUERY_NOT;
}

static int combine(parser *p, query_kind kind, size_t column, node_list *parts,
                   query_node **out);

/* Append to `positives` / `negatives` the AND-children `node` stands for.
 * ALL is kept aside in *all: it only matters when nothing positive is left. */
static int sort_and_child(parser *p, query_node *node, node_list *positives,
                          node_list *negatives, query_node **all)
{
    if (node->kind == QUERY_ALL) {
        if (*all)
            release(p, node);
        else
            *all = node;
        return COPS_OK;
    }
    return node_list_take(p, node->kind == QUERY_NOT ? negatives : positives, node);
}

static int combine_and(parser *p, size_t column, node_list *parts, query_node **out)
{
    node_list positives = {0}, negatives = {0};
    query_node *all = NULL;
    int status = COPS_OK;
    for (size_t i = 0; i < parts->count; i++) {
        query_node *part = parts->nodes[i];
        parts->nodes[i] = NULL;
        if (status != COPS_OK) {
            release(p, part);
        } else if (part->kind == QUERY_AND) {
            for (size_t j = 0; j < part->child_count; j++) {
                query_node *child = part->children[j];
                if (status == COPS_OK)
                    status = sort_and_child(p, child, &positives, &negatives, &all);
                else
                    release(p, child);
            }
            release_shell(p, part);
        } else {
            status = sort_and_child(p, part, &positives, &negatives, &all);
        }
    }
    node_list_free_storage(parts);
    if (status == COPS_OK && positives.count == 0) {
        if (!all)
            status = node_new(p, QUERY_ALL, column, &all);
        if (status == COPS_OK) {
            status = node_list_push(p, &positives, all);
            if (status == COPS_OK)
                all = NULL;
        }
    }
    for (size_t i = 0; status == COPS_OK && i < negatives.count; i++) {
        status = node_list_push(p, &positives, negatives.nodes[i]);
        if (status == COPS_OK)
            negatives.nodes[i] = NULL;
    }
    release(p, all);
    for (size_t i = 0; i < negatives.count; i++)
        release(p, negatives.nodes[i]);
    node_list_free_storage(&negatives);
    if (status != COPS_OK) {
        node_list_release(p, &positives);
        return status;
    }
    return node_collapsing(p, QUERY_AND, column, &positives, out);
}

static int combine_or(parser *p, size_t column, node_list *parts, query_node **out)
{
    node_list children = {0};
    int status = COPS_OK;
    for (size_t i = 0; i < parts->count; i++) {
        query_node *part = parts->nodes[i];
        parts->nodes[i] = NULL;
        if (status != COPS_OK) {
            release(p, part);
        } else if (part->kind == QUERY_OR) {
            for (size_t j = 0; j < part->child_count; j++) {
                if (status == COPS_OK)
                    status = node_list_take(p, &children, part->children[j]);
                else
                    release(p, part->children[j]);
            }
            release_shell(p, part);
        } else {
            status = node_list_take(p, &children, part);
        }
    }
    node_list_free_storage(parts);
    if (status != COPS_OK) {
        node_list_release(p, &children);
        return status;
    }
    return node_collapsing(p, QUERY_OR, column, &children, out);
}

/* Join `parts` (consumed) under AND or OR, flattening and collapsing. */
static int combine(parser *p, query_kind kind, size_t column, node_list *parts,
                   query_node **out)
{
    *out = NULL;
    return kind == QUERY_AND ? combine_and(p, column, parts, out)
                             : combine_or(p, column, parts, out);
}

/* The negation of a pure negation is the OR of what it excluded. */
static int unwrap_negation(parser *p, query_node *negation, query_node **out)
{
    node_list excluded = {0};
    int status = COPS_OK;
    for (size_t i = 1; i < negation->child_count; i++) {
        query_node *not_node = negation->children[i];
        if (status == COPS_OK)
            status = node_list_take(p, &excluded, not_node->children[0]);
        else
            release(p, not_node->children[0]);
        not_node->child_count = 0;
        release_shell(p, not_node);
    }
    release(p, negation->children[0]);
    negation->child_count = 0;
    size_t column = negation->column;
    release_shell(p, negation);
    if (status != COPS_OK) {
        node_list_release(p, &excluded);
        return status;
    }
    return combine(p, QUERY_OR, column, &excluded, out);
}

/* ---------------------------------------------------------------- parser */

static int parse_level(parser *p, query_kind level, const token *after, item *out);

/* Turn one implicit sequence ("+a -b c") into a node; `items` is consumed.
 * +items are required and, when any exist, unmarked items only add to the
 * score; without +items the unmarked ones are joined by the default
 * operator.  -items exclude.  An excluded pure negation ("-(NOT x)") is a
 * plain constraint: required, but it does not demote unmarked items the
 * way a typed '+' does. */
static int resolve_sequence(parser *p, item_list *items, query_node **out)
{
    node_list required = {0}, plain = {0}, constraints = {0}, parts = {0};
    int status = COPS_OK;
    size_t column = items->items[0].column;
    for (size_t i = 0; i < items->count; i++) {
        item it = items->items[i];
        items->items[i].node = NULL;
        if (status != COPS_OK) {
            release(p, it.node);
        } else if (it.mark == MARK_EXCLUDED && is_pure_negation(it.node)) {
            query_node *kept;
            status = unwrap_negation(p, it.node, &kept);
            if (status == COPS_OK)
                status = node_list_take(p, &constraints, kept);
        } else if (it.mark == MARK_EXCLUDED) {
            query_node *not_node;
            status = node_over(p, QUERY_NOT, it.column, it.node, &not_node);
            if (status == COPS_OK)
                status = node_list_take(p, &constraints, not_node);
        } else {
            status = node_list_take(p, it.mark == MARK_REQUIRED ? &required : &plain, it.node);
        }
    }
    item_list_release(p, items);

    query_node *positive = NULL;
    if (status == COPS_OK && required.count > 0) {
        status = combine(p, QUERY_AND, required.nodes[0]->column, &required, &positive);
        if (status == COPS_OK && plain.count > 0) {
            query_node *optional = NULL;
            status = combine(p, QUERY_OR, plain.nodes[0]->column, &plain, &optional);
            if (status == COPS_OK) {
                status = node_pair(p, QUERY_AND_MAYBE, column, positive, optional, &positive);
            } else {
                release(p, positive);
                positive = NULL;
            }
        }
    } else if (status == COPS_OK && plain.count > 0) {
        status = combine(p, p->default_kind, column, &plain, &positive);
    }
    if (status == COPS_OK && positive)
        status = node_list_take(p, &parts, positive);
    else
        release(p, positive);
    for (size_t i = 0; i < constraints.count; i++) {
        if (status == COPS_OK)
            status = node_list_take(p, &parts, constraints.nodes[i]);
        else
            release(p, constraints.nodes[i]);
    }
    node_list_free_storage(&constraints);
    node_list_release(p, &required);
    node_list_release(p, &plain);
    if (status != COPS_OK) {
        node_list_release(p, &parts);
        return status;
    }
    return combine(p, QUERY_AND, column, &parts, out);
}

static int resolve_item(parser *p, item it, query_node **out)
{
    item_list single = {0};
    int status = item_list_push(p, &single, it);
    if (status != COPS_OK)
        return status;
    return resolve_sequence(p, &single, out);
}

/* Check that an item can start here; `after` is the operator before it,
 * or NULL at the start of the query or of a group. */
static int expect_item(parser *p, const token *after, const token **next)
{
    int status = peek(p, next);
    if (status != COPS_OK)
        return status;
    token_type type = (*next)->type;
    if (starts_item(type))
        return COPS_OK;
    if (after)
        return syntax_error(p, after->column, "operator %s needs something after it",
                            operator_name(after->type));
    if (type == TOKEN_END)
        return syntax_error(p, 1, "empty query");
    if (type == TOKEN_CLOSE)
        return syntax_error(p, (*next)->column,
                            "unbalanced parenthesis: ')' has no matching '('");
    return syntax_error(p, (*next)->column, "operator %s needs something before it",
                        operator_name(type));
}

static bool is_near_operand(const token *tok)
{
    return tok->type == TOKEN_TERM && (tok->kind == QUERY_WORD || tok->kind == QUERY_PHRASE)
           && tok->boost == 0;
}

/* A field group's field on every word, phrase, prefix, fuzzy word and
 * NEAR of `node` (dates keep theirs: they have none). */
static void set_field(query_node *node, query_field field)
{
    if (node->kind == QUERY_WORD || node->kind == QUERY_PHRASE || node->kind == QUERY_PREFIX
        || node->kind == QUERY_FUZZY || node->kind == QUERY_NEAR)
        node->field = field;
    for (size_t i = 0; i < node->child_count; i++)
        set_field(node->children[i], field);
}

/* *node (replaced, released on failure) with its score times `boost`. */
static int boosted(parser *p, double boost, size_t column, query_node **node)
{
    query_node *boost_node;
    int status = node_over(p, QUERY_BOOST, column, *node, &boost_node);
    *node = boost_node;
    if (status == COPS_OK)
        boost_node->boost = boost;
    return status;
}

/* What a closing parenthesis ends: the group (a field group's field set
 * on what it holds) and its boost, if one follows. */
static int close_group(parser *p, query_field field, size_t open_column, query_node **node)
{
    double boost;
    int status = lex_trailing_boost(p, &boost);
    if (status != COPS_OK) {
        release(p, *node);
        *node = NULL;
        return status;
    }
    if (field != QUERY_FIELD_ANY)
        set_field(*node, field);
    return boost > 0 ? boosted(p, boost, open_column, node) : COPS_OK;
}

static int parse_primary(parser *p, query_node **out)
{
    const token *tok;
    int status = peek(p, &tok);
    if (status != COPS_OK)
        return status;
    if (tok->type == TOKEN_TERM) {
        double boost = tok->boost;
        size_t column = tok->column;
        status = node_from_term(p, tok, out);
        consume(p);
        return status == COPS_OK && boost > 0 ? boosted(p, boost, column, out) : status;
    }
    /* Callers only come here on a term or '(' (or a field group's 'title:('). */
    size_t open_column = tok->column;
    query_field group = tok->field;
    const char *opening = group == QUERY_FIELD_TITLE ? "title:(" : "(";
    if (p->depth >= QUERY_MAX_DEPTH)
        return error_set(p->err, COPS_ELIMIT,
                         "parentheses nest deeper than the limit of %d (at column %zu)",
                         QUERY_MAX_DEPTH, open_column);
    consume(p);
    status = peek(p, &tok);
    if (status != COPS_OK)
        return status;
    if (tok->type == TOKEN_CLOSE)
        return group == QUERY_FIELD_TITLE
                   ? syntax_error(p, open_column, "empty field group: 'title:()' holds nothing")
                   : syntax_error(p, open_column, "empty parentheses: '()' holds nothing");
    if (tok->type == TOKEN_END)
        return syntax_error(p, open_column, "unbalanced parenthesis: '%s' is never closed",
                            opening);
    p->depth++;
    item inner;
    status = parse_level(p, QUERY_OR, NULL, &inner);
    p->depth--;
    if (status != COPS_OK)
        return status;
    status = peek(p, &tok);
    if (status == COPS_OK && tok->type != TOKEN_CLOSE)
        status = syntax_error(p, open_column, "unbalanced parenthesis: '%s' is never closed",
                              opening);
    if (status != COPS_OK) {
        release(p, inner.node);
        return status;
    }
    consume(p);
    status = resolve_item(p, inner, out);
    return status == COPS_OK ? close_group(p, group, open_column, out) : status;
}

static int parse_near(parser *p, query_node **out)
{
    const token *tok;
    bool first_is_operand;
    int status = peek(p, &tok);
    if (status != COPS_OK)
        return status;
    first_is_operand = is_near_operand(tok);
    size_t first_column = tok->column;
    query_node *first = NULL; /* set by parse_primary (GCC 12 cannot tell) */
    status = parse_primary(p, &first);
    if (status != COPS_OK)
        return status;
    status = peek(p, &tok);
    if (status != COPS_OK || tok->type != TOKEN_NEAR) {
        if (status == COPS_OK)
            *out = first;
        else
            release(p, first);
        return status;
    }
    if (!first_is_operand) {
        release(p, first);
        return syntax_error(p, first_column, "NEAR joins only words and phrases");
    }
    node_list children = {0};
    status = node_list_take(p, &children, first);
    uint32_t distance = tok->distance;
    while (status == COPS_OK && tok->type == TOKEN_NEAR) {
        token near = *tok;
        if (near.distance != distance) {
            status = syntax_error(p, near.column,
                                  "a NEAR chain needs one distance, not both %u and %u",
                                  (unsigned)distance, (unsigned)near.distance);
            break;
        }
        consume(p);
        status = peek(p, &tok);
        if (status != COPS_OK)
            break;
        if (!starts_item(tok->type)) {
            status = syntax_error(p, near.column, "operator NEAR needs something after it");
            break;
        }
        if (!is_near_operand(tok)) {
            status = syntax_error(p, tok->column, "NEAR joins only words and phrases");
            break;
        }
        query_node *next;
        status = node_from_term(p, tok, &next);
        consume(p);
        if (status == COPS_OK)
            status = node_list_take(p, &children, next);
        if (status == COPS_OK)
            status = peek(p, &tok);
    }
    if (status != COPS_OK) {
        node_list_release(p, &children);
        return status;
    }
    status = node_adopting(p, QUERY_NEAR, first_column, &children, out);
    if (status == COPS_OK)
        (*out)->distance = distance;
    return status;
}

/* [NOT ...] [+|-] near */
static int parse_item(parser *p, const token *after, item *out)
{
    const token *tok;
    int status = expect_item(p, after, &tok);
    if (status != COPS_OK)
        return status;
    out->column = tok->column;
    out->mark = MARK_NONE;
    bool negated = false;
    while (tok->type == TOKEN_NOT) {
        token not_token = *tok;
        negated = !negated;
        consume(p);
        status = expect_item(p, &not_token, &tok);
        if (status != COPS_OK)
            return status;
    }
    if (tok->type == TOKEN_REQUIRE || tok->type == TOKEN_EXCLUDE) {
        out->mark = tok->type == TOKEN_REQUIRE ? MARK_REQUIRED : MARK_EXCLUDED;
        consume(p);
    }
    status = parse_near(p, &out->node);
    if (status != COPS_OK)
        return status;
    if (negated)
        out->mark = out->mark == MARK_EXCLUDED ? MARK_NONE : MARK_EXCLUDED;
    return COPS_OK;
}

/* One precedence level: operands joined by the level's explicit operator
 * (OR or AND) and, at the default operator's level, by adjacency.  Each
 * run of adjacent operands is a sequence with +/- semantics.  A lone
 * operand is handed up with its marking, so "-x" inside "a OR -x" is
 * resolved where its siblings are known. */
static int parse_level(parser *p, query_kind level, const token *after, item *out)
{
    bool implicit = level == p->default_kind;
    token_type explicit_operator = level == QUERY_OR ? TOKEN_OR : TOKEN_AND;
    item_list sequence = {0};
    node_list parts = {0};
    size_t column = 0;
    item operand;
    int status = level == QUERY_OR ? parse_level(p, QUERY_AND, after, &operand)
                                   : parse_item(p, after, &operand);
    if (status != COPS_OK)
        return status;
    column = operand.column;
    status = item_list_push(p, &sequence, operand);
    while (status == COPS_OK) {
        const token *tok;
        token operator_token;
        const token *operand_after = NULL;
        status = peek(p, &tok);
        if (status != COPS_OK)
            break;
        if (tok->type == explicit_operator) {
            operator_token = *tok;
            operand_after = &operator_token;
            consume(p);
            query_node *joined;
            status = resolve_sequence(p, &sequence, &joined);
            if (status == COPS_OK)
                status = node_list_take(p, &parts, joined);
        } else if (!(implicit && starts_item(tok->type))) {
            break;
        }
        if (status != COPS_OK)
            break;
        status = level == QUERY_OR ? parse_level(p, QUERY_AND, operand_after, &operand)
                                   : parse_item(p, operand_after, &operand);
        if (status == COPS_OK)
            status = item_list_push(p, &sequence, operand);
    }
    if (status != COPS_OK) {
        item_list_release(p, &sequence);
        node_list_release(p, &parts);
        return status;
    }
    if (parts.count == 0 && sequence.count == 1) {
        *out = sequence.items[0];
        item_list_free_storage(&sequence);
        return COPS_OK;
    }
    query_node *joined;
    status = resolve_sequence(p, &sequence, &joined);
    if (status == COPS_OK)
        status = node_list_take(p, &parts, joined);
    if (status != COPS_OK) {
        node_list_release(p, &parts);
        return status;
    }
    out->mark = MARK_NONE;
    out->column = column;
    return combine(p, level, column, &parts, &out->node);
}

static int parse_query(parser *p, query_node **out)
{
    item top;
    int status = parse_level(p, QUERY_OR, NULL, &top);
    if (status != COPS_OK)
        return status;
    const token *tok;
    status = peek(p, &tok);
    if (status == COPS_OK && tok->type != TOKEN_END)
        status = syntax_error(p, tok->column,
                              "unbalanced parenthesis: ')' has no matching '('");
    if (status != COPS_OK) {
        release(p, top.node);
        return status;
    }
    return resolve_item(p, top, out);
}

static int parse_literal(parser *p, query_node **out)
{
    node_list words = {0};
    int32_t code_point;
    int status = COPS_OK;
    size_t first_column = 0;
    while (status == COPS_OK && p->pos < p->length) {
        size_t used = char_at(p->query, p->length, p->pos, &code_point);
        if (is_space(code_point)) {
            p->pos += used;
            p->column++;
            continue;
        }
        size_t start = p->pos, column = p->column, end = start;
        while (end < p->length) {
            used = char_at(p->query, p->length, end, &code_point);
            if (is_space(code_point))
                break;
            end += used;
        }
        advance_to(p, end);
        query_node *word;
        status = node_with_text(p, QUERY_WORD, QUERY_FIELD_ANY, start, end, column, &word);
        if (status == COPS_OK) {
            if (words.count == 0)
                first_column = column;
            status = node_list_take(p, &words, word);
        }
    }
    if (status == COPS_OK && words.count == 0)
        status = syntax_error(p, 1, "empty query");
    if (status != COPS_OK) {
        node_list_release(p, &words);
        return status;
    }
    return combine(p, p->default_kind, first_column, &words, out);
}

int query_parse(const char *query, int flags, query_node **out, cops_error *err)
{
    if (out)
        *out = NULL;
    if (!query || !out)
        return error_set(err, COPS_EINVAL, "query_parse: %s is NULL", query ? "out" : "query");
    if (flags & ~(QUERY_PARSE_LITERAL | QUERY_PARSE_DEFAULT_OR))
        return error_set(err, COPS_EINVAL, "query_parse: unknown flags 0x%x", (unsigned)flags);
    size_t length = strnlen(query, QUERY_MAX_BYTES + 1);
    if (length > QUERY_MAX_BYTES)
        return error_set(err, COPS_ELIMIT, "the query is longer than the limit of %d bytes",
                         QUERY_MAX_BYTES);
    parser p = {
        .query = query,
        .length = length,
        .default_kind = (flags & QUERY_PARSE_DEFAULT_OR) ? QUERY_OR : QUERY_AND,
        .column = 1,
        .limit_nodes = !(flags & QUERY_PARSE_LITERAL),
        .err = err,
    };
    query_node *tree = NULL;
    int status = (flags & QUERY_PARSE_LITERAL) ? parse_literal(&p, &tree) : parse_query(&p, &tree);
    if (status != COPS_OK)
        return status;
    *out = tree;
    return COPS_OK;
}

void query_free(query_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->child_count; i++)
        query_free(node->children[i]);
    free(node->children);
    free(node->text);
    free(node);
}

/* ----------------------------------------------------------- formatting */

static void append_string(byte_buffer *out, const char *text)
{
    buffer_append(out, text, strlen(text));
}

static void append_quoted(byte_buffer *out, const char *text)
{
    buffer_append_byte(out, '"');
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\') {
            buffer_append_byte(out, '\\');
            buffer_append_byte(out, *c);
        } else if (*c < 0x20) {
            char escaped[5];
            snprintf(escaped, sizeof escaped, "\\x%02x", *c);
            append_string(out, escaped);
        } else {
            buffer_append_byte(out, *c);
        }
    }
    buffer_append_byte(out, '"');
}

static void append_number(byte_buffer *out, uint32_t value)
{
    char digits[16];
    snprintf(digits, sizeof digits, "%u", (unsigned)value);
    append_string(out, digits);
}

/* "^1.5": the factor as typed, up to 6 significant digits. */
static void append_boost(byte_buffer *out, double boost)
{
    char text[32];
    snprintf(text, sizeof text, "^%g", boost);
    append_string(out, text);
}

const char *query_kind_name(query_kind kind)
{
    switch (kind) {
    case QUERY_WORD: return "WORD";
    case QUERY_PHRASE: return "PHRASE";
    case QUERY_PREFIX: return "PREFIX";
    case QUERY_DATE_RANGE: return "DATE";
    case QUERY_AND: return "AND";
    case QUERY_OR: return "OR";
    case QUERY_NOT: return "NOT";
    case QUERY_AND_MAYBE: return "AND_MAYBE";
    case QUERY_NEAR: return "NEAR";
    case QUERY_ALL: return "ALL";
    case QUERY_FUZZY: return "FUZZY";
    case QUERY_BOOST: return "BOOST";
    }
    return "?";
}

void query_format_sexpr(const query_node *node, byte_buffer *out)
{
    if (!node)
        return;
    buffer_append_byte(out, '(');
    append_string(out, query_kind_name(node->kind));
    switch (node->kind) {
    case QUERY_PHRASE:
        if (node->distance) {
            buffer_append_byte(out, '~');
            append_number(out, node->distance);
        }
        /* fall through */
    case QUERY_WORD:
    case QUERY_PREFIX:
    case QUERY_FUZZY:
        if (node->kind == QUERY_FUZZY) {
            buffer_append_byte(out, '~');
            append_number(out, node->distance);
        }
        if (node->field == QUERY_FIELD_TITLE)
            append_string(out, " title");
        buffer_append_byte(out, ' ');
        append_quoted(out, node->text ? node->text : "");
        break;
    case QUERY_DATE_RANGE:
        buffer_append_byte(out, ' ');
        if (node->date_from)
            append_number(out, node->date_from);
        else
            buffer_append_byte(out, '*');
        buffer_append_byte(out, ' ');
        if (node->date_to)
            append_number(out, node->date_to);
        else
            buffer_append_byte(out, '*');
        break;
    case QUERY_NEAR:
        buffer_append_byte(out, '/');
        append_number(out, node->distance);
        if (node->field == QUERY_FIELD_TITLE)
            append_string(out, " title");
        break;
    case QUERY_BOOST:
        append_boost(out, node->boost);
        break;
    default:
        break;
    }
    for (size_t i = 0; i < node->child_count; i++) {
        buffer_append_byte(out, ' ');
        query_format_sexpr(node->children[i], out);
    }
    buffer_append_byte(out, ')');
}

static void append_date(byte_buffer *out, uint32_t date)
{
    char text[16];
    snprintf(text, sizeof text, "%04u-%02u-%02u", (unsigned)(date / 10000),
             (unsigned)(date / 100 % 100), (unsigned)(date % 100));
    append_string(out, text);
}

static void format_tree_at(const query_node *node, size_t depth, byte_buffer *out)
{
    for (size_t i = 0; i < depth; i++)
        append_string(out, "  ");
    append_string(out, query_kind_name(node->kind));
    switch (node->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
    case QUERY_PREFIX:
    case QUERY_FUZZY:
        buffer_append_byte(out, ' ');
        if (node->field == QUERY_FIELD_TITLE)
            append_string(out, "title:");
        append_quoted(out, node->text ? node->text : "");
        if (node->kind == QUERY_PREFIX)
            append_string(out, "*  (words starting with it)");
        if (node->kind == QUERY_FUZZY) {
            append_string(out, "~");
            append_number(out, node->distance);
            append_string(out, node->distance == 1 ? "  (words within 1 edit)"
                                                   : "  (words within 2 edits)");
        }
        if (node->kind == QUERY_PHRASE && node->distance) {
            append_string(out, "~");
            append_number(out, node->distance);
            append_string(out, "  (words up to ");
            append_number(out, node->distance);
            append_string(out, " positions out of place)");
        }
        break;
    case QUERY_DATE_RANGE:
        buffer_append_byte(out, ' ');
        if (node->date_from)
            append_date(out, node->date_from);
        append_string(out, "..");
        if (node->date_to)
            append_date(out, node->date_to);
        break;
    case QUERY_AND: append_string(out, "  (all of)"); break;
    case QUERY_OR: append_string(out, "  (any of)"); break;
    case QUERY_NOT: append_string(out, "  (must not match)"); break;
    case QUERY_AND_MAYBE:
        append_string(out, "  (the first must match, the second only adds to the score)");
        break;
    case QUERY_NEAR:
        buffer_append_byte(out, '/');
        append_number(out, node->distance);
        append_string(out, "  (all within ");
        append_number(out, node->distance);
        append_string(out, node->distance == 1 ? " word, any order)" : " words, any order)");
        break;
    case QUERY_ALL: append_string(out, "  (every document)"); break;
    case QUERY_BOOST:
        buffer_append_byte(out, ' ');
        append_boost(out, node->boost);
        append_string(out, "  (its score times the factor)");
        break;
    }
    buffer_append_byte(out, '\n');
    for (size_t i = 0; i < node->child_count; i++)
        format_tree_at(node->children[i], depth + 1, out);
}

void query_format_tree(const query_node *node, byte_buffer *out)
{
    if (node)
        format_tree_at(node, 0, out);
}

/* ------------------------------------------------- operator look-alikes */

static bool is_operator_lookalike(const query_node *node)
{
    return node->kind == QUERY_WORD && node->field == QUERY_FIELD_ANY
           && (strcmp(node->text, "and") == 0 || strcmp(node->text, "or") == 0
               || strcmp(node->text, "not") == 0);
}

/* The first look-alike with a sibling item on each side, in query order:
 * an AND's exclusions come after its positive children, so they are not
 * counted as the word's right-hand side. */
static const query_node *find_operator_lookalike(const query_node *node)
{
    if (node->kind == QUERY_AND || node->kind == QUERY_OR) {
        size_t items = 0;
        while (items < node->child_count && node->children[items]->kind != QUERY_NOT)
            items++;
        for (size_t i = 1; i + 1 < items; i++)
            if (is_operator_lookalike(node->children[i]))
                return node->children[i];
    }
    for (size_t i = 0; i < node->child_count; i++) {
        const query_node *found = find_operator_lookalike(node->children[i]);
        if (found)
            return found;
    }
    return NULL;
}

size_t cops_query_operator_lookalike(const char *query, int default_or, char word[4])
{
    query_node *tree;
    word[0] = '\0';
    if (query_parse(query, default_or ? QUERY_PARSE_DEFAULT_OR : 0, &tree, NULL) != COPS_OK)
        return 0;
    const query_node *found = find_operator_lookalike(tree);
    size_t column = found ? found->column : 0;
    if (found)
        snprintf(word, 4, "%s", found->text);
    query_free(tree);
    return column;
}
