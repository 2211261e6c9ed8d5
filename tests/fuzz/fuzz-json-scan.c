/*
 * fuzz-json-scan.c — json_scan_text against jansson on one hostile line.
 *
 * Input: the JSON text (made valid UTF-8 first, as the JSON Lines reader
 * does).  The scanner must accept exactly what json_loadb accepts with
 * JSON_DECODE_ANY, except texts holding a NUL byte, which it must reject
 * (jansson loses a NUL read as a number's or a word's look-ahead); for an
 * accepted object, every wanted member must have jansson's kind and value.
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "indexer/json-scan.h"
#include "indexer/source-internal.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"id", "title", "text", "date", "body", "text"};
#define NAME_COUNT (sizeof names / sizeof names[0])

static void check_field(const json_scan_field *field, json_t *value)
{
    if (!value) {
        FUZZ_CHECK(field->kind == JSON_SCAN_ABSENT);
    } else if (json_is_string(value)) {
        FUZZ_CHECK(field->kind == JSON_SCAN_STRING);
        FUZZ_CHECK(field->value.length == json_string_length(value));
        FUZZ_CHECK(memcmp(field->value.data, json_string_value(value), field->value.length) == 0);
        FUZZ_CHECK(field->value.data[field->value.length] == 0);
    } else if (json_is_integer(value)) {
        FUZZ_CHECK(field->kind == JSON_SCAN_INTEGER);
        FUZZ_CHECK(field->integer == json_integer_value(value));
    } else if (json_is_real(value)) {
        FUZZ_CHECK(field->kind == JSON_SCAN_REAL);
        FUZZ_CHECK(memcmp(&field->real, &(double){json_real_value(value)}, sizeof(double)) == 0);
    } else {
        FUZZ_CHECK(field->kind == JSON_SCAN_OTHER);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    byte_buffer text = BUFFER_INIT;
    source_utf8_repair(data, size, &text, NULL);
    if (buffer_failed(&text))
        return 0;
    json_scan scan;
    json_scan_init(&scan, names, NAME_COUNT);
    int valid = json_scan_text(&scan, text.data, text.length);
    FUZZ_CHECK(valid == 0 || valid == 1);
    json_error_t error;
    json_t *root = json_loadb((const char *)text.data, text.length, JSON_DECODE_ANY, &error);
    int has_nul = text.length > 0 && memchr(text.data, 0, text.length) != NULL;
    if (has_nul) {
        FUZZ_CHECK(!valid);
    } else {
        FUZZ_CHECK(valid == (root != NULL));
    }
    if (valid) {
        FUZZ_CHECK(scan.is_object == json_is_object(root));
        for (size_t i = 0; i < NAME_COUNT; i++)
            check_field(&scan.fields[i], json_object_get(root, names[i]));
    } else {
        FUZZ_CHECK(scan.error_detail[0] != 0 && scan.error_offset <= text.length);
    }
    json_decref(root);
    json_scan_free(&scan);
    buffer_free(&text);
    return 0;
}
