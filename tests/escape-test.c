#include "config.h"

#include "base/escape.h"
#include "base/utf8.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a printer wrote, as a NUL-terminated string the test frees. */
typedef struct captured {
    char *text;
    size_t size;
    FILE *stream;
} captured;

static void capture_start(captured *c)
{
    c->text = NULL;
    c->size = 0;
    c->stream = open_memstream(&c->text, &c->size);
    cr_assert_not_null(c->stream);
}

static char *capture_end(captured *c)
{
    cr_assert_eq(fclose(c->stream), 0);
    return c->text;
}

/* Inputs are given with their length, so they may hold NUL bytes. */
typedef struct terminal_case {
    const char *input;
    size_t length;
    int flags;
    const char *shown;
} terminal_case;

#define CASE(literal, flags, shown) {literal, sizeof literal - 1, flags, shown}

static const terminal_case terminal_cases[] = {
    CASE("plain words", 0, "plain words"),
    CASE("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 0,
         "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
    CASE("a\nb\tc\rd", 0, "a\\nb\\tc\\rd"),
    CASE("\033]0;pwned\007", 0, "\\x1b]0;pwned\\x07"),
    CASE("\033[2J", 0, "\\x1b[2J"),
    CASE("nul\0byte", 0, "nul\\x00byte"),
    CASE("del\x7f", 0, "del\\x7f"),
    CASE("c1 \xc2\x85 \xc2\x9b" "31m", 0, "c1 \\xc2\\x85 \\xc2\\x9b31m"),
    CASE("\xc2\xa0nbsp stays", 0, "\xc2\xa0nbsp stays"),
    CASE("bidi \xe2\x80\xae" "txt.exe", 0, "bidi \\xe2\\x80\\xaetxt.exe"),
    CASE("iso \xe2\x81\xa6x\xe2\x81\xa9", 0, "iso \\xe2\\x81\\xa6x\\xe2\\x81\\xa9"),
    CASE("lrm \xe2\x80\x8e", 0, "lrm \\xe2\\x80\\x8e"),
    CASE("alm \xd8\x9c", 0, "alm \\xd8\\x9c"),
    CASE("ls \xe2\x80\xa8 ps \xe2\x80\xa9", 0, "ls \\xe2\\x80\\xa8 ps \\xe2\\x80\\xa9"),
    CASE("bad \xff byte", 0, "bad \\xff byte"),
    CASE("overlong \xc0\xaf", 0, "overlong \\xc0\\xaf"),
    CASE("overlong3 \xe0\x80\xaf", 0, "overlong3 \\xe0\\x80\\xaf"),
    CASE("surrogate \xed\xa0\x80", 0, "surrogate \\xed\\xa0\\x80"),
    CASE("past max \xf4\x90\x80\x80", 0, "past max \\xf4\\x90\\x80\\x80"),
    CASE("cut \xe6\x97", 0, "cut \\xe6\\x97"),
    CASE("lone cont \x80", 0, "lone cont \\x80"),
    CASE("C:\\dir", 0, "C:\\dir"),
    CASE("C:\\dir", ESCAPE_LOSSLESS, "C:\\\\dir"),
    CASE("a\\x1b", ESCAPE_LOSSLESS, "a\\\\x1b"),
    CASE("tree\n  leaf\033\n", ESCAPE_KEEP_NEWLINES, "tree\n  leaf\\x1b\n"),
    CASE("", 0, ""),
};

Test(escape, terminal)
{
    for (size_t i = 0; i < sizeof terminal_cases / sizeof terminal_cases[0]; i++) {
        const terminal_case *c = &terminal_cases[i];
        captured out;
        capture_start(&out);
        escape_terminal(out.stream, c->input, c->length, c->flags);
        char *text = capture_end(&out);
        cr_expect_str_eq(text, c->shown, "case %zu", i);
        cr_expect_eq(escape_terminal_needed(c->input, c->length, c->flags),
                     strcmp(text, c->input) != 0 || strlen(c->input) != c->length, "case %zu", i);
        free(text);
    }
}

/* Whatever the bytes, terminal text holds no control byte, no DEL, no C1
 * and is valid UTF-8. */
Test(escape, terminal_of_every_byte_pair_is_inert)
{
    for (unsigned first = 0; first < 256; first++) {
        for (unsigned second = 0; second < 256; second++) {
            char input[3] = {(char)first, (char)second, 'z'};
            captured out;
            capture_start(&out);
            escape_terminal(out.stream, input, sizeof input, 0);
            char *text = capture_end(&out);
            size_t length = strlen(text);
            for (size_t i = 0; i < length;) {
                unsigned char byte = (unsigned char)text[i];
                cr_assert(byte >= 0x20 && byte != 0x7f, "byte %02x in output of %02x %02x", byte,
                          first, second);
                size_t bad = 0;
                size_t size = utf8_sequence((const uint8_t *)text + i, length - i, &bad);
                cr_assert(size > 0, "ill-formed output for %02x %02x", first, second);
                uint32_t cp = utf8_decode((const uint8_t *)text + i, size);
                cr_assert(cp < 0x80 || cp > 0x9f, "C1 in output of %02x %02x", first, second);
                i += size;
            }
            free(text);
        }
    }
}

/* The caret under a query's error column counts the escapes' width. */
Test(escape, terminal_columns)
{
    static const struct {
        const char *text;
        size_t characters;
        int flags;
        size_t columns;
    } cases[] = {
        {"sanctuary AND", 10, 0, 10},
        {"caf\xe9 AND", 5, 0, 8},       /* an ill-formed byte: one character, \xe9 */
        {"caf\xc3\xa9 AND", 5, 0, 5},  /* a well-formed e-acute: one column */
        {"a\nb\033c", 4, 0, 8},        /* \n and \x1b */
        {"\xc2\x85x", 1, 0, 8},        /* a C1 control: \xc2\x85 */
        {"\xe6\x97x", 2, 0, 8},        /* a cut sequence: two one-byte characters */
        {"a\\b", 3, 0, 3},
        {"a\\b", 3, ESCAPE_LOSSLESS, 4},
        {"ab", 10, 0, 2},                /* past the end */
        {"\xe4\xb8\xad\xe6\x96\x87 x", 3, 0, 5}, /* two wide CJK characters, a space */
        {"e\xcc\x81t\xc3\xa9", 3, 0, 2},  /* e, a combining acute (no column), t */
        {"\xef\xbc\xa1" "b", 2, 0, 3},        /* a fullwidth A, then b */
        {"\xf0\x9f\x98\x80!", 2, 0, 3},    /* an emoji drawn wide */
        {"a\xe2\x80\x8b" "b", 3, 0, 2},       /* a zero width space */
        /* Grapheme clusters, drawn as one glyph: a family (man ZWJ woman
         * ZWJ girl: five code points, 2 columns, not 6), a flag (two
         * regional indicators: 2, not 1 + 1), a heart with U+FE0F (2),
         * a keycap (1 U+FE0F U+20E3: 2), a thumb with a skin tone (2). */
        {"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 )", 6, 0, 3},
        {"\xf0\x9f\x87\xab\xf0\x9f\x87\xb7\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa )", 5, 0, 5},
        {"\xe2\x9d\xa4\xef\xb8\x8f )", 3, 0, 3},
        {"1\xef\xb8\x8f\xe2\x83\xa3 )", 4, 0, 3},
        {"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd )", 3, 0, 3},
        /* a fault inside a cluster: under the cluster's start */
        {"x\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", 2, 0, 1},
        /* an escape is never part of a cluster: e, \x01, combining acute */
        {"e\x01\xcc\x81)", 3, 0, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(escape_terminal_columns(cases[i].text, strlen(cases[i].text),
                                             cases[i].characters, cases[i].flags),
                     cases[i].columns, "case %zu", i);
}

typedef struct json_case {
    const char *input;
    size_t length;
    const char *json;
    int replaced;
} json_case;

#define JSON(literal, json, replaced) {literal, sizeof literal - 1, json, replaced}

static const json_case json_cases[] = {
    JSON("plain", "\"plain\"", 0),
    JSON("q\"b\\s/", "\"q\\\"b\\\\s/\"", 0),
    JSON("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", 0),
    JSON("\033]0;pwned\007", "\"\\u001b]0;pwned\\u0007\"", 0),
    JSON("nul\0", "\"nul\\u0000\"", 0),
    JSON("\x7f", "\"\\u007f\"", 0),
    JSON("\xc2\x85\xc2\x9b", "\"\\u0085\\u009b\"", 0),
    JSON("\xe2\x80\xae\xe2\x80\xa8", "\"\\u202e\\u2028\"", 0),
    JSON("caf\xc3\xa9", "\"caf\xc3\xa9\"", 0),
    JSON("a\xff" "b", "\"a\xef\xbf\xbd" "b\"", 1),
    JSON("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 1),
    JSON("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 1),
    JSON("\xe6\x97x", "\"\xef\xbf\xbdx\"", 1),
    JSON("", "\"\"", 0),
};

Test(escape, json)
{
    for (size_t i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
        const json_case *c = &json_cases[i];
        captured out;
        capture_start(&out);
        int replaced = escape_json_string(out.stream, c->input, c->length);
        char *text = capture_end(&out);
        cr_expect_str_eq(text, c->json, "case %zu", i);
        cr_expect_eq(replaced, c->replaced, "case %zu", i);
        free(text);
    }
}

Test(escape, json_offsets_follow_replacements)
{
    /* "a" FF "bc" E6 97 "d": FF and the cut E6 97 each become 3 bytes. */
    static const char text[] = "a\xff" "bc\xe6\x97" "d";
    size_t length = sizeof text - 1;
    static const size_t from[] = {0, 1, 2, 4, 5, 6, 7, 8};
    static const size_t to[] = {0, 1, 4, 6, 6, 9, 10, 11};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
        cr_expect_eq(escape_json_offset(text, length, from[i]), to[i], "offset %zu", from[i]);
    cr_expect_eq(escape_json_offset("caf\xc3\xa9", 5, 5), 5);
}

typedef struct base64_case {
    const char *input;
    const char *encoded;
} base64_case;

Test(escape, base64)
{
    static const base64_case cases[] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
        {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}, {"\xff\xfe", "//4="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        captured out;
        capture_start(&out);
        escape_base64(out.stream, cases[i].input, strlen(cases[i].input));
        char *text = capture_end(&out);
        cr_expect_str_eq(text, cases[i].encoded);
        free(text);
    }
}

Test(escape, print_line_is_one_line)
{
    captured out;
    capture_start(&out);
    escape_print_line(out.stream, "cops-index: warning: ", "x\ncops-index: error: forged");
    char *text = capture_end(&out);
    cr_expect_str_eq(text, "cops-index: warning: x\\ncops-index: error: forged\n");
    free(text);
}
