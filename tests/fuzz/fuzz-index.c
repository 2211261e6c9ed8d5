/*
 * fuzz-index.c — a whole index directory opened through the public API
 * with a hostile MANIFEST.
 *
 * Two small indexes are built once with cops_build (one stemmed, one not);
 * their segments, plus an empty file, a truncated copy, a directory and a
 * copy under another name, sit in one scratch directory.  Each input
 * becomes that directory's MANIFEST; cops_index_open then runs, and on
 * success the index statistics, its formats and roots, a few searches (with snippets, both
 * output formats) and cops_index_dump_term.
 *
 * Input: byte 0 bit 0 set = the harness appends the right "checksum" line
 * to the rest (so the parser behind the CRC is reached); clear = the rest
 * is the whole file as is.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cops.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char index_dir[4200];
static char manifest_path[4300];
static FILE *sink;

static void discard_warning(void *context, const char *message)
{
    (void)context;
    (void)message;
}

static uint8_t *read_whole(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    fseek(file, 0, SEEK_END);
    *size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *bytes = malloc(*size ? *size : 1);
    if (!bytes || fread(bytes, 1, *size, file) != *size)
        abort();
    fclose(file);
    return bytes;
}

static void build(const char *dir, const char *name, int stem, const char *target)
{
    char inputs_dir[4200], index[4200], path[4300];
    snprintf(inputs_dir, sizeof inputs_dir, "%s/in-%s", dir, name);
    snprintf(index, sizeof index, "%s/idx-%s", dir, name);
    mkdir(inputs_dir, 0700);
    static const char *const texts[] = {
        "Sanctuary cities and the federal grant programme: common ground.",
        "A common alpha text, with grants and gamma rays; the common case.",
        "Beta testing of the sanctuary grant.  Alpha, beta, gamma.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        snprintf(path, sizeof path, "%s/doc%zu.txt", inputs_dir, i);
        fuzz_write_file(path, texts[i], strlen(texts[i]));
    }
    static const char jsonl[] =
        "{\"id\":\"j1\",\"title\":\"Common title\",\"text\":\"alpha gamma common\","
        "\"date\":\"2017-03-04\"}\n"
        "{\"id\":\"j2\",\"title\":\"Grant\",\"text\":\"sanctuary near the common grant\","
        "\"date\":\"2018-11-14\"}\n";
    snprintf(path, sizeof path, "%s/docs.jsonl", inputs_dir);
    fuzz_write_file(path, jsonl, sizeof jsonl - 1);

    cops_build_options options;
    cops_build_options_init(&options);
    options.stem = stem;
    options.threads = 1;
    options.on_warning = discard_warning;
    const char *inputs[1] = {inputs_dir};
    cops_error err;
    if (cops_build(index, inputs, 1, &options, NULL, &err) != 0) {
        fprintf(stderr, "fuzz-index: cops_build: %s\n", err.message);
        abort();
    }
    snprintf(path, sizeof path, "%s/seg-000001.cops", index);
    size_t length;
    uint8_t *bytes = read_whole(path, &length);
    if (!bytes) {
        fprintf(stderr, "fuzz-index: %s missing (naming changed?)\n", path);
        abort();
    }
    snprintf(path, sizeof path, "%s/%s", index_dir, target);
    fuzz_write_file(path, bytes, length);
    if (stem) {
        snprintf(path, sizeof path, "%s/copy.cops", index_dir);
        fuzz_write_file(path, bytes, length);
        snprintf(path, sizeof path, "%s/half.cops", index_dir);
        fuzz_write_file(path, bytes, length / 2);
    }
    free(bytes);
    remove_tree(index);
    remove_tree(inputs_dir);
}

static void setup(void)
{
    const char *dir = fuzz_scratch();
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    snprintf(manifest_path, sizeof manifest_path, "%s/MANIFEST", index_dir);
    mkdir(index_dir, 0700);
    build(dir, "stem", 1, "seg-000001.cops");
    build(dir, "nostem", 0, "seg-000002.cops");
    char path[4300];
    snprintf(path, sizeof path, "%s/empty.cops", index_dir);
    fuzz_write_file(path, "", 0);
    snprintf(path, sizeof path, "%s/dir.cops", index_dir);
    mkdir(path, 0700);
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
}

static void search_all(cops_index *index)
{
    static const char *const queries[] = {
        "common",          "alpha OR beta",       "\"common grant\"",  "gam*",
        "title:grant",     "common NEAR/3 grant", "-alpha",            "date:2017..2018",
        "+sanctuary grant", "\"alpha gamma\"~2",  "zzz OR common",     "*",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        cops_search_options options;
        cops_search_options_init(&options);
        options.explain = (int)(i & 1);
        cops_results *results = NULL;
        cops_error err;
        if (cops_search(index, queries[i], &options, &results, &err) != 0) {
            FUZZ_CHECK(results == NULL);
            continue;
        }
        size_t count = cops_results_count(results);
        FUZZ_CHECK(count <= cops_results_total(results));
        for (size_t k = 0; k < count; k++) {
            const cops_hit *hit = cops_results_hit(results, k);
            uint64_t sum = strlen(hit->id) + strlen(hit->title);
            if (hit->snippet) {
                size_t snippet_length = strlen(hit->snippet);
                for (size_t h = 0; h < hit->highlight_count; h++)
                    FUZZ_CHECK(hit->highlights[h].start + hit->highlights[h].length
                               <= snippet_length);
            }
            volatile uint64_t keep = sum;
            (void)keep;
        }
        cops_results_print_text(results, queries[i], sink, COPS_PRINT_MARKERS | COPS_PRINT_EXPLAIN);
        cops_results_print_json(results, queries[i], sink, 0);
        cops_results_free(results);
    }
    cops_error err;
    cops_index_dump_term(index, "common", sink, &err);
    cops_index_dump_term(index, "title:grant", sink, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sink)
        setup();
    if (size == 0)
        return 0;
    size_t body_length = size - 1;
    if (body_length > 8000)
        body_length = 8000;
    char *text = malloc(body_length + 32);
    if (!text)
        return 0;
    memcpy(text, data + 1, body_length);
    size_t length = body_length;
    if (data[0] & 1)
        length += (size_t)snprintf(text + body_length, 32, "checksum %08x\n",
                                   (unsigned)crc32(0, (const Bytef *)text, (uInt)body_length));
    fuzz_write_file(manifest_path, text, length);
    free(text);

    cops_index *index = NULL;
    cops_error err;
    if (cops_index_open(index_dir, &index, &err) == 0) {
        cops_index_stats stats;
        (void)cops_index_stats_get(index, &stats, &err);
        /* what cops-index --stats and --roots list of the handle */
        cops_count *formats, *encodings;
        size_t format_count, encoding_count;
        if (cops_index_kinds_get(index, &formats, &format_count, &encodings, &encoding_count,
                                 &err) == 0) {
            cops_counts_free(formats);
            cops_counts_free(encodings);
        }
        char **roots;
        if (cops_index_roots_get(index, &roots, NULL, &err) == 0)
            cops_strings_free(roots);
        search_all(index);
        cops_index_close(index);
    } else {
        FUZZ_CHECK(index == NULL);
    }
    return 0;
}
