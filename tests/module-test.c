/*
 * module-test.c — base/module.h: the folder of the modules relative to the
 * programs' (an installed cops-query linked with the engine finds them
 * there), for the install layouts configure allows, and its refusals.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "base/module.h"

static void expect_relative(const char *from, const char *to, const char *expected)
{
    char out[256];
    memset(out, 'x', sizeof out);
    cr_assert_eq(module_relative_dir(from, to, out, sizeof out), 0, "%s -> %s", from, to);
    cr_assert_str_eq(out, expected, "%s -> %s", from, to);
}

Test(module, relative_dir_of_the_usual_layouts)
{
    expect_relative("/usr/local/bin", "/usr/local/lib/cops/modules", "../lib/cops/modules");
    expect_relative("/usr/bin", "/usr/lib/x86_64-linux-gnu/cops/modules",
                    "../lib/x86_64-linux-gnu/cops/modules");
    expect_relative("/opt/cops/bin", "/var/lib/cops/modules", "../../../var/lib/cops/modules");
    expect_relative("/a/b", "/a/b/c", "c");
    expect_relative("/a/b/c", "/a/b", "..");
    expect_relative("/a/b", "/a/b", ".");
    expect_relative("/", "/lib", "lib");
}

Test(module, relative_dir_reads_slashes_and_dots_as_make_writes_them)
{
    expect_relative("/usr//local/./bin/", "/usr/local/lib//cops/modules/", "../lib/cops/modules");
    /* a component is compared whole, not as a prefix */
    expect_relative("/usr/lib", "/usr/lib64/cops", "../lib64/cops");
}

Test(module, relative_dir_refuses_what_it_cannot_answer)
{
    char out[64];
    cr_assert_eq(module_relative_dir("usr/bin", "/usr/lib", out, sizeof out), -1);
    cr_assert_eq(module_relative_dir("/usr/bin", "lib", out, sizeof out), -1);
    cr_assert_eq(module_relative_dir("/usr/bin/../sbin", "/usr/lib", out, sizeof out), -1);
    cr_assert_eq(module_relative_dir("/usr/bin", "/usr/lib/..", out, sizeof out), -1);
    /* too short for the answer: never cut */
    cr_assert_eq(module_relative_dir("/usr/bin", "/usr/lib/cops/modules", out, 10), -1);
    cr_assert_eq(module_relative_dir("/usr/bin", "/usr/lib", out, 6), -1);
    cr_assert_eq(module_relative_dir("/usr/bin", "/usr/lib", out, 7), 0);
    cr_assert_str_eq(out, "../lib");
    cr_assert_eq(module_relative_dir("/a", "/a", out, 1), -1);
    cr_assert_eq(module_relative_dir("/a", "/a", out, 0), -1);
}
