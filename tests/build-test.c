/*
 * build-test.c — cops_build through the public API, the same for each
 * engine: a warning reaches the caller's on_warning callback (cops.h) and
 * nothing is printed, and the summary counts it; early failures return
 * their code and leave nothing beside the index.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "cops.h"
#include "index-format/segment.h"
#include "indexer/record-ids.h"
#include "indexer/reorder.h"
#include "tests/testlib.h"

typedef struct heard {
    int calls;
    char last[512];
} heard;

static void on_warning(void *context, const char *message)
{
    heard *h = context;
    h->calls++;
    snprintf(h->last, sizeof h->last, "%s", message);
}

/* Build an empty file and a one-word file with `engine`, stderr sent to a
 * file: the empty file's warning must come to the callback only. */
static void expect_warning_to_callback(cops_engine engine)
{
    char *dir = testlib_tempdir("build");
    char *empty = testlib_write_file(dir, "empty.txt", "", 0);
    char *word = testlib_write_file(dir, "word.txt", "hello\n", 6);
    char index_dir[4096], stderr_path[4096];
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    snprintf(stderr_path, sizeof stderr_path, "%s/stderr", dir);

    cops_build_options options;
    cops_build_options_init(&options);
    options.engine = engine;
    heard h = {0};
    options.on_warning = on_warning;
    options.context = &h;
    const char *inputs[] = {empty, word};
    cops_build_summary summary;
    cops_error err = {0};

    fflush(stderr);
    int saved = dup(2);
    int captured = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(saved >= 0 && captured >= 0);
    dup2(captured, 2);
    int rc = cops_build(index_dir, inputs, 2, &options, &summary, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(captured);

    cr_assert_eq(rc, COPS_OK, "%s", err.message);
    cr_expect_eq(summary.documents, 1);
    cr_expect_eq(summary.warnings, 1);
    cr_expect_eq(h.calls, 1, "the callback heard %d warnings", h.calls);
    cr_expect(strstr(h.last, "empty") != NULL, "warning: %s", h.last);
    struct stat status;
    cr_assert_eq(stat(stderr_path, &status), 0);
    cr_expect_eq(status.st_size, 0, "the library wrote %lld bytes to stderr",
                 (long long)status.st_size);
    free(empty);
    free(word);
    testlib_remove_tree(dir);
}

Test(build, native_warning_reaches_the_callback)
{
    expect_warning_to_callback(COPS_ENGINE_NATIVE);
}

#ifdef HAVE_XAPIAN
Test(build, xapian_warning_reaches_the_callback)
{
    expect_warning_to_callback(COPS_ENGINE_XAPIAN);
}
#endif

/* Each early failure of a build returns its code and leaves nothing
 * behind in the directory around the index (tests/cli/build-failures.sh
 * runs the same cases through cops-index, where ASan sees leaks). */
static void expect_failures_leave_nothing(cops_engine engine)
{
    char *dir = testlib_tempdir("build-fail");
    char *empty = testlib_write_file(dir, "empty.txt", "", 0);
    char *word = testlib_write_file(dir, "word.txt", "hello\n", 6);
    char *file = testlib_write_file(dir, "file", "not an index\n", 13);
    char index_dir[4096], long_dir[4000];
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    int n = snprintf(long_dir, sizeof long_dir, "%s/", dir);
    memset(long_dir + n, 'd', sizeof long_dir - (size_t)n - 1);
    long_dir[sizeof long_dir - 1] = '\0';

    struct {
        const char *index;
        const char *input;
        const char *language;
        int code;
    } cases[] = {
        {long_dir, word, "english", engine == COPS_ENGINE_XAPIAN ? COPS_EINVAL : COPS_EIO},
        {index_dir, word, "klingon", COPS_EINVAL},
        {index_dir, empty, "english", COPS_EINPUT},
        {file, word, "english", engine == COPS_ENGINE_XAPIAN ? COPS_EINVAL : COPS_EIO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cops_build_options options;
        cops_build_options_init(&options);
        options.engine = engine;
        options.language = cases[i].language;
        options.on_warning = on_warning;
        heard h = {0};
        options.context = &h;
        const char *inputs[] = {cases[i].input};
        cops_error err = {0};
        int rc = cops_build(cases[i].index, inputs, 1, &options, NULL, &err);
        cr_expect_eq(rc, cases[i].code, "case %zu: %d (%s), expected %d", i, rc, err.message,
                     cases[i].code);
        char listing[4096];
        snprintf(listing, sizeof listing, "ls -A '%s' | grep -v -x -e empty.txt -e word.txt "
                 "-e file -e index", dir);
        FILE *rest = popen(listing, "r");
        char line[256] = "";
        cr_assert_not_null(rest);
        int extra = fgets(line, sizeof line, rest) != NULL;
        pclose(rest);
        cr_expect(!extra, "case %zu left %s", i, line);
    }
    free(empty);
    free(word);
    free(file);
    testlib_remove_tree(dir);
}

Test(build, native_failures_leave_nothing)
{
    expect_failures_leave_nothing(COPS_ENGINE_NATIVE);
}

#ifdef HAVE_XAPIAN
Test(build, xapian_failures_leave_nothing)
{
    expect_failures_leave_nothing(COPS_ENGINE_XAPIAN);
}
#endif

/* One id is one document across runs however long the id: a record of a
 * later run deletes the index's older document of its id.  The look-up
 * of an older document's id copied it into 4,096 bytes and found no id
 * that long, so a 5,000-byte id kept both documents (the live count 2).
 * Two ids equal in their first 4,096 bytes stay two documents. */
Test(build, a_long_record_id_is_replaced_by_a_later_run)
{
    char *dir = testlib_tempdir("build");
    char index_dir[4096];
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    enum { ID = 5000 };
    char *record = malloc(ID + 256);
    cr_assert_not_null(record);
    static const char *const runs[][2] = {{"a", "first"}, {"a", "second"}, {"b", "third"}};
    const uint64_t live[] = {1, 1, 2};
    for (size_t r = 0; r < 3; r++) {
        int n = snprintf(record, ID + 256, "{\"id\":\"%0*d%s\",\"text\":\"%s\"}\n", ID - 1, 0,
                         runs[r][0], runs[r][1]);
        char name[32];
        snprintf(name, sizeof name, "run%zu.jsonl", r);
        char *input = testlib_write_file(dir, name, record, (size_t)n);
        cops_build_options options;
        cops_build_options_init(&options);
        cops_build_summary summary;
        cops_error err = {0};
        const char *inputs[] = {input};
        cr_assert_eq(cops_build(index_dir, inputs, 1, &options, &summary, &err), COPS_OK, "%s",
                     err.message);
        cr_expect_eq(summary.documents_total, live[r], "run %zu: %llu live documents", r + 1,
                     (unsigned long long)summary.documents_total);
        free(input);
    }
    free(record);
    testlib_remove_tree(dir);
}

/* Ids come from strangers' documents: ones chosen offline so that the
 * unseeded XXH3 of every one ends in the same 12 bits must not all fall
 * into one run of the id table's slots (each insertion then probed the
 * whole run: quadratic, 20,000 such ids cost a build ten times the CPU).
 * 2,000 ids fill 4,096 slots under half: a seeded hash leaves runs of a
 * few dozen at most. */
Test(build, chosen_ids_do_not_fall_into_one_run_of_slots, .timeout = 60)
{
    enum { IDS = 2000, SLOT_BITS = 12 };
    record_ids ids = {0};
    char id[32];
    uint32_t found = 0;
    for (uint64_t k = 0; found < IDS; k++) {
        int length = snprintf(id, sizeof id, "x%llx", (unsigned long long)k);
        if (((XXH3_64bits(id, (size_t)length) | 1) & ((1u << SLOT_BITS) - 1)) != 1)
            continue;
        int replaced = 0;
        cr_assert_eq(record_ids_add(&ids, id, found++, &replaced), 0);
        cr_assert_eq(replaced, 0);
    }
    cr_assert_eq(ids.capacity, (size_t)1 << SLOT_BITS);
    size_t longest = 0, run = 0;
    for (size_t i = 0; i < 2 * ids.capacity; i++) { /* twice round: a run may wrap */
        run = ids.slots[i % ids.capacity] ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    cr_expect_lt(longest, 200, "a run of %zu occupied slots", longest);
    uint32_t doc = 0;
    cr_expect(record_ids_find(&ids, id, strlen(id), &doc) && doc == IDS - 1);
    record_ids_free(&ids);
}

/* The id set keeps 8 bytes a slot in memory (3/4 full at most) and the
 * ids in its file: 200,000 ids of 40 bytes held in memory took 100 bytes
 * an id.  Repeats are told apart exactly whether their first copy is
 * still pending or written, after growths, and for an id longer than the
 * window a growth reads the file through. */
static void record_ids_compact_and_exact(void)
{
    enum { IDS = 200000 };
    record_ids ids = {0};
    char id[64];
    int replaced;
    for (uint32_t k = 0; k < IDS; k++) {
        snprintf(id, sizeof id, "record-%033u", k);
        cr_assert_eq(record_ids_add(&ids, id, k, &replaced), 0);
        cr_assert_eq(replaced, 0);
    }
    size_t held = ids.capacity * sizeof *ids.slots + ids.pending.capacity;
    if (ids.file > 0) /* with a file: only the table in memory */
        cr_expect_leq(held, (size_t)IDS * 24, "%zu bytes for %d ids", held, IDS);
    size_t long_length = 3 * 1024 * 1024;
    char *long_id = malloc(long_length + 1);
    cr_assert(long_id);
    memset(long_id, 'x', long_length);
    long_id[long_length] = 0;
    cr_assert_eq(record_ids_add(&ids, long_id, IDS, &replaced), 0);
    for (uint32_t k = 0; k < IDS; k += 997) { /* repeats of written and pending ids */
        snprintf(id, sizeof id, "record-%033u", k);
        cr_assert_eq(record_ids_add(&ids, id, IDS + 1 + k, &replaced), 0);
        cr_assert_eq(replaced, 1);
        cr_assert_eq(ids.dropped[ids.dropped_count - 1], k);
    }
    for (uint32_t k = IDS; k < 2 * IDS; k++) { /* growths past the long id */
        snprintf(id, sizeof id, "record-%033u", k);
        cr_assert_eq(record_ids_add(&ids, id, IDS + 1 + k, &replaced), 0);
    }
    uint32_t doc = 0;
    for (uint32_t k = 0; k < IDS; k += 331) {
        snprintf(id, sizeof id, "record-%033u", k);
        cr_assert_eq(record_ids_find(&ids, id, strlen(id), &doc), 1);
        cr_expect_eq(doc, k % 997 == 0 ? IDS + 1 + k : k, "%s: %u", id, doc);
    }
    cr_expect_eq(record_ids_find(&ids, long_id, long_length, &doc), 1);
    cr_expect_eq(doc, IDS);
    cr_expect_eq(record_ids_find(&ids, long_id, long_length - 1, &doc), 0);
    cr_expect_eq(record_ids_find(&ids, "record-", 7, &doc), 0);
    cr_expect_eq(ids.count, 2 * IDS + 1);
    free(long_id);
    record_ids_free(&ids);
}

Test(build, record_ids_stay_compact_and_exact, .timeout = 60)
{
    record_ids_compact_and_exact();
}

/* No temporary file can be made: the entries stay in memory, and a growth
 * reads them there (it read only the file's part: every id before the
 * first growth was forgotten). */
Test(build, record_ids_without_a_temporary_file, .timeout = 60)
{
    cr_assert_eq(setenv("TMPDIR", "/nonexistent/cops-record-ids", 1), 0);
    record_ids_compact_and_exact();
}

/* `documents` JSON Lines records into dir/docs.jsonl (the path is the
 * caller's to free): record d has id r<d> and `words` words w0 ..
 * w<vocabulary - 1> drawn at random (seeded), then `repeats` times "zq". */
static char *write_records(const char *dir, int documents, int words, int vocabulary, int repeats)
{
    size_t capacity = (size_t)documents * ((size_t)words * 8 + (size_t)repeats * 3 + 64), length = 0;
    char *text = malloc(capacity);
    cr_assert_not_null(text);
    testlib_rng rng;
    testlib_rng_seed(&rng, 20261204);
    for (int d = 0; d < documents; d++) {
        length += (size_t)snprintf(text + length, capacity - length, "{\"id\":\"r%d\",\"text\":\"", d);
        for (int w = 0; w < words; w++)
            length += (size_t)snprintf(text + length, capacity - length, "w%llu ",
                                       (unsigned long long)testlib_rng_below(&rng, (uint64_t)vocabulary));
        for (int r = 0; r < repeats; r++) {
            memcpy(text + length, "zq ", 3);
            length += 3;
        }
        length += (size_t)snprintf(text + length, capacity - length, "\"}\n");
    }
    char *input = testlib_write_file(dir, "docs.jsonl", text, length);
    free(text);
    return input;
}

/* A merge's reordering is bounded by its budget (merge.h): under any
 * budget it either declines (stats.skipped) or reports no more than the
 * budget.  Documents in units of two (a catalog entry each, as files of
 * two records) that share few words make the units' graph as large as
 * the documents' own: the check left it out, and passed budgets that the
 * reordering then exceeded by about that graph. */
Test(build, reordering_stays_within_its_budget, .timeout = 120)
{
    enum { DOCUMENTS = 600, WORDS = 60, VOCABULARY = 2000 };
    char *dir = testlib_tempdir("reorder-budget");
    char *input = write_records(dir, DOCUMENTS, WORDS, VOCABULARY, 0);
    char index[4096], path[4200];
    snprintf(index, sizeof index, "%s/index", dir);
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    const char *inputs[1] = {input};
    cops_error err;
    cr_assert_eq(cops_build(index, inputs, 1, &options, NULL, &err), 0, "%s", err.message);
    snprintf(path, sizeof path, "%s/seg-000001.cops", index);
    segment *seg = NULL;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);

    merge_document documents[DOCUMENTS];
    uint32_t unit_start[DOCUMENTS / 2], order[DOCUMENTS];
    for (uint32_t i = 0; i < DOCUMENTS; i++)
        documents[i] = (merge_document){0, i};
    for (uint32_t u = 0; u < DOCUMENTS / 2; u++)
        unit_start[u] = 2 * u;
    size_t reordered = 0;
    for (size_t budget = 64 << 10; budget <= (4 << 20); budget += 16 << 10) {
        reorder_stats stats;
        cr_assert_eq(reorder_merge(&seg, 1, documents, DOCUMENTS, unit_start, DOCUMENTS / 2, budget,
                                   order, &stats, &err), 0, "%s", err.message);
        if (stats.skipped)
            continue;
        reordered++;
        cr_assert_leq(stats.peak_memory_bytes, budget,
                      "a budget of %zu bytes: the reordering reports %zu", budget,
                      stats.peak_memory_bytes);
    }
    cr_expect_gt(reordered, 0, "no budget up to 4 MiB reordered");
    segment_close(seg);
    testlib_remove_tree(dir);
}

/* A build's own reordering keeps to its budget whatever the documents'
 * shape (segment-build.h, inverter.h): under --memory 16 (an inverter
 * budget of 11.7 MB), 600 documents each holding one word 11,000 times
 * give that word a list of about 6.6 MB, all in memory (no run spilled),
 * so the segment is reordered; renumbering the list whole beside the
 * lists (as it once did) would take about 15 MB, more than the budget.
 * The build's peak, the renumbering's arena beside the lists included,
 * stays within it, and every document keeps its postings. */
Test(build, a_build_reorders_within_its_budget_whatever_the_shape, .timeout = 180)
{
    enum { DOCUMENTS = 600, REPEATS = 11000, WORDS = 6, VOCABULARY = 200 };
    char *dir = testlib_tempdir("reorder-shape");
    char *input = write_records(dir, DOCUMENTS, WORDS, VOCABULARY, REPEATS);
    char index[4096], path[4200];
    snprintf(index, sizeof index, "%s/index", dir);
    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    options.memory_mb = 16;
    const char *inputs[1] = {input};
    cops_error err;
    cops_build_summary summary;
    cr_assert_eq(cops_build(index, inputs, 1, &options, &summary, &err), 0, "%s", err.message);
    size_t budget = (size_t)16 * 1024 * 1024 / 10 * 7; /* native-build.c: the inverter's share */
    cr_assert_eq(summary.reordered, 1);
    cr_assert_leq(summary.reorder_memory_bytes, budget);
    cr_assert_leq(summary.peak_memory_bytes, budget, "a peak of %zu bytes",
                  summary.peak_memory_bytes);
    snprintf(path, sizeof path, "%s/seg-000001.cops", index);
    segment *seg = NULL;
    cr_assert_eq(segment_open(path, &seg, &err), 0, "%s", err.message);
    cr_assert(segment_is_reordered(seg), "the order found was the identity");
    segment_term term;
    cr_assert_eq(segment_lookup(seg, (const uint8_t *)"zq", 2, &term, &err), 1);
    cr_assert_eq(term.df, DOCUMENTS);
    cr_assert_eq(term.cf, (uint64_t)DOCUMENTS * REPEATS);
    segment_close(seg);
    testlib_remove_tree(dir);
}
