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

#include "cops.h"
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
