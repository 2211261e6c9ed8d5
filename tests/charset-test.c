/* The charset layer (indexer/charset.h): byte-order marks, the UTF-8
 * check, HTML declarations, labels, guesses and conversions, table-driven
 * where it fits. */
#include "config.h"

#include "indexer/charset.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define BYTES(literal) (const uint8_t *)(literal), sizeof(literal) - 1

Test(charset, byte_order_marks)
{
    static const struct {
        const char *bytes;
        size_t length;
        const char *name;
        size_t mark;
    } cases[] = {
        {"\xEF\xBB\xBFhi", 5, "UTF-8", 3},   {"\xFF\xFEh\0", 4, "UTF-16LE", 2},
        {"\xFE\xFF\0h", 4, "UTF-16BE", 2},   {"\xFF\xFE\0\0h\0\0\0", 8, "UTF-32LE", 4},
        {"\0\0\xFE\xFF\0\0\0h", 8, "UTF-32BE", 4}, {"plain", 5, NULL, 0},
        {"\xFF", 1, NULL, 0},                {"", 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t mark = 99;
        const char *name = charset_from_bom((const uint8_t *)cases[i].bytes, cases[i].length, &mark);
        if (cases[i].name)
            cr_assert_str_eq(name, cases[i].name, "case %zu", i);
        else
            cr_assert_null(name, "case %zu", i);
        cr_assert_eq(mark, cases[i].mark, "case %zu", i);
    }
}

Test(charset, utf8_validity_across_word_boundaries)
{
    cr_assert(charset_is_utf8(BYTES("")));
    cr_assert(charset_is_utf8(BYTES("pure ascii, longer than one word of eight")));
    cr_assert(charset_is_utf8(BYTES("abcdefgh\xC3\xA9ijklmnop\xE2\x80\x9C")));
    cr_assert_not(charset_is_utf8(BYTES("abcdefghijklmno\xE9")));
    cr_assert_not(charset_is_utf8(BYTES("abcdefg\xC3")));           /* cut short */
    cr_assert_not(charset_is_utf8(BYTES("\xED\xA0\x80 surrogate")));
    cr_assert_eq(charset_utf8_valid_prefix(BYTES("abcdefghij\xFF")), 10);
}

Test(charset, html_declarations)
{
    static const struct {
        const char *page;
        const char *name; /* NULL: none */
    } cases[] = {
        {"<html><head><meta charset=\"iso-8859-1\">", "WINDOWS-1252"},
        {"<META CHARSET=koi8-r>", "KOI8-R"},
        {"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-15\">",
         "ISO-8859-15"},
        {"<meta name=\"description\" content=\"no charset\"><p>charset=utf-16", NULL},
        {"<metadata charset=x>", NULL},
        {"<meta charset='utf-8' />", "UTF-8"},
        {"<p>no meta at all</p>", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[CHARSET_NAME_MAX];
        int found = charset_from_html((const uint8_t *)cases[i].page, strlen(cases[i].page), name);
        if (cases[i].name) {
            cr_assert(found, "case %zu", i);
            cr_assert_str_eq(name, cases[i].name, "case %zu", i);
        } else {
            cr_assert_not(found, "case %zu: %s", i, name);
        }
    }
}

Test(charset, declaration_past_the_prescan_is_ignored)
{
    char page[CHARSET_HTML_PRESCAN_BYTES + 64];
    memset(page, ' ', sizeof page);
    memcpy(page + CHARSET_HTML_PRESCAN_BYTES, "<meta charset=koi8-r>", 21);
    char name[CHARSET_NAME_MAX];
    cr_assert_not(charset_from_html((const uint8_t *)page, sizeof page, name));
}

Test(charset, labels_follow_the_encoding_standard)
{
    static const struct {
        const char *label, *name;
    } cases[] = {
        {"latin1", "WINDOWS-1252"},  {" \"ISO-8859-1\" ", "WINDOWS-1252"},
        {"us-ascii", "WINDOWS-1252"}, {"utf-16le", "UTF-16LE"},
        {"Shift_JIS", "SHIFT_JIS"},  {"iso-8859-2", "ISO-8859-2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[CHARSET_NAME_MAX];
        snprintf(name, sizeof name, "%s", cases[i].label);
        charset_normalize(name);
        cr_assert_str_eq(name, cases[i].name, "case %zu", i);
    }
    cr_assert(charset_is_utf8_name("utf-8"));
    cr_assert_not(charset_is_utf8_name("WINDOWS-1252"));
}

Test(charset, unmarked_utf16_by_its_zero_bytes)
{
    cr_assert_str_eq(charset_utf16_unmarked(BYTES("h\0e\0l\0l\0o\0")), "UTF-16LE");
    cr_assert_str_eq(charset_utf16_unmarked(BYTES("\0h\0e\0l\0l\0o")), "UTF-16BE");
    cr_assert_null(charset_utf16_unmarked(BYTES("\0\0\0\0\0\0\0\0")));  /* zeros: binary */
    cr_assert_null(charset_utf16_unmarked(BYTES("GIF89a\0\x01\x02\0")));
    cr_assert_null(charset_utf16_unmarked(BYTES("ab")));
}

Test(charset, guess_falls_on_a_latin_encoding)
{
    char name[CHARSET_NAME_MAX];
    const char *text = "Die Stadt M\xFCnchen liegt in Bayern. La cr\xE8me br\xFBl\xE9" "e.\n";
    cr_assert_eq(charset_guess((const uint8_t *)text, strlen(text), name), 0);
    byte_buffer out = BUFFER_INIT;
    cr_assert_eq(charset_convert(name, (const uint8_t *)text, strlen(text), &out, NULL), 0);
    buffer_append_byte(&out, 0);
    cr_assert_str_eq((const char *)out.data,
                     "Die Stadt München liegt in Bayern. La crème brûlée.\n", "guessed %s", name);
    buffer_free(&out);
}

Test(charset, conversion_replaces_what_it_cannot_convert)
{
    byte_buffer out = BUFFER_INIT;
    size_t replaced = 0;
    /* 0x81 is undefined in windows-1252. */
    cr_assert_eq(charset_convert("WINDOWS-1252", BYTES("a\x81" "b\x93q\x94"), &out, &replaced), 0);
    buffer_append_byte(&out, 0);
    cr_assert_str_eq((const char *)out.data, "a\xEF\xBF\xBD" "b\xE2\x80\x9Cq\xE2\x80\x9D");
    cr_assert_eq(replaced, 1);
    buffer_reset(&out);
    /* An odd byte at the end of UTF-16: one replacement. */
    cr_assert_eq(charset_convert("UTF-16LE", BYTES("h\0i\0!"), &out, &replaced), 0);
    buffer_append_byte(&out, 0);
    cr_assert_str_eq((const char *)out.data, "hi\xEF\xBF\xBD");
    cr_assert_eq(replaced, 1);
    buffer_reset(&out);
    cr_assert_eq(charset_convert("NO-SUCH-CHARSET", BYTES("x"), &out, &replaced), -1);
    cr_assert_eq(out.length, 0);
    buffer_free(&out);
}
