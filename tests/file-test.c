/*
 * file-test.c — base/file.h and index-format/names.h: index-directory
 * files as hostile objects.  Readers refuse a symbolic link, a FIFO (at
 * once, not blocking), a directory and a device, and a file larger than
 * its bound before reading it; writers never write through a link, take a
 * fresh temporary name when one is taken by something not theirs, and
 * remove only regular leftovers; the lock is never a second name of
 * another file; the writer's names are recognised exactly, not by prefix.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buffer.h"
#include "base/file.h"
#include "index-format/names.h"

static char dir[64];
static char victim[128];

static void setup(void)
{
    strcpy(dir, "/tmp/cops-file-test.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(victim, sizeof victim, "%s/victim", dir);
    FILE *file = fopen(victim, "w");
    cr_assert_not_null(file);
    fputs("victim", file);
    fclose(file);
}

static void teardown(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    cr_expect_eq(system(command), 0);
}

static const char *at(const char *name)
{
    static char path[4][256];
    static int next;
    next = (next + 1) % 4;
    snprintf(path[next], sizeof path[next], "%s/%s", dir, name);
    return path[next];
}

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file, "%s", path);
    fputs(text, file);
    fclose(file);
}

static void expect_victim_intact(void)
{
    char text[32] = "";
    FILE *file = fopen(victim, "r");
    cr_assert_not_null(file);
    cr_expect_not_null(fgets(text, sizeof text, file));
    fclose(file);
    cr_expect_str_eq(text, "victim");
}

TestSuite(file, .init = setup, .fini = teardown, .timeout = 10);

/* ------------------------------------------------------------ readers */

Test(file, open_regular_accepts_a_regular_file_and_gives_its_size)
{
    write_text(at("a"), "12345");
    int fd = -1;
    uint64_t size = 0;
    cops_error err = {0};
    cr_assert_eq(file_open_regular(at("a"), &fd, &size, &err), 0, "%s", err.message);
    cr_expect_eq(size, 5);
    cr_expect_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "O_NONBLOCK is cleared once open");
    close(fd);
}

Test(file, open_regular_refuses_what_is_not_a_regular_file)
{
    cr_assert_eq(symlink(victim, at("link")), 0);
    cr_assert_eq(mkfifo(at("fifo"), 0644), 0);
    cr_assert_eq(mkdir(at("folder"), 0755), 0);
    static const struct {
        const char *name, *says;
    } cases[] = {
        {"link", "is not a regular file (a symbolic link, not followed)"},
        {"fifo", "is not a regular file (a FIFO)"},
        {"folder", "is not a regular file (a directory)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = -1;
        cops_error err = {0};
        cr_expect_eq(file_open_regular(at(cases[i].name), &fd, NULL, &err), COPS_ECORRUPT, "%s",
                     cases[i].name);
        cr_expect_not_null(strstr(err.message, cases[i].says), "%s: %s", cases[i].name,
                           err.message);
        cr_expect_eq(fd, -1);
    }
    cops_error err = {0};
    int fd = -1;
    cr_expect_eq(file_open_regular("/dev/zero", &fd, NULL, &err), COPS_ECORRUPT);
    cr_expect_not_null(strstr(err.message, "(a device)"), "%s", err.message);
    cr_expect_eq(file_open_regular(at("missing"), &fd, NULL, &err), COPS_ENOINDEX);
    cr_expect_eq(file_open_regular(at("missing/below"), &fd, NULL, &err), COPS_ENOINDEX);
}

Test(file, read_regular_is_bounded)
{
    write_text(at("a"), "0123456789");
    byte_buffer content = BUFFER_INIT;
    cops_error err = {0};
    cr_assert_eq(file_read_regular(at("a"), 10, &content, &err), 0, "%s", err.message);
    cr_expect_eq(content.length, 10);
    cr_expect_eq(memcmp(content.data, "0123456789", 10), 0);
    buffer_reset(&content);
    cr_expect_eq(file_read_regular(at("a"), 9, &content, &err), COPS_ECORRUPT);
    cr_expect_not_null(strstr(err.message, "is 10 bytes, more than the 9 it may hold"), "%s",
                       err.message);
    cr_expect_eq(content.length, 0, "nothing is read from a file over its bound");
    cr_assert_eq(symlink("/dev/zero", at("zero")), 0);
    cr_expect_eq(file_read_regular(at("zero"), 1 << 20, &content, &err), COPS_ECORRUPT);
    cr_expect_eq(content.length, 0);
    buffer_free(&content);
}

/* ------------------------------------------------------------ writers */

Test(file, create_new_never_writes_through_a_link)
{
    cr_assert_eq(symlink(victim, at("link")), 0);
    int fd = -1;
    cops_error err = {0};
    cr_expect_eq(file_create_new(at("link"), &fd, &err), COPS_EIO);
    cr_expect_eq(fd, -1);
    expect_victim_intact();
    cr_assert_eq(file_create_new(at("new"), &fd, &err), 0, "%s", err.message);
    close(fd);
    cr_expect_eq(file_create_new(at("new"), &fd, &err), COPS_EIO, "an existing file is kept");
}

Test(file, remove_leftover_removes_regular_files_only)
{
    write_text(at("leftover"), "old");
    cr_assert_eq(symlink(victim, at("link")), 0);
    cr_assert_eq(mkfifo(at("fifo"), 0644), 0);
    cops_error err = {0};
    cr_expect_eq(file_remove_leftover(at("leftover"), &err), 0);
    cr_expect_eq(access(at("leftover"), F_OK), -1);
    cr_expect_eq(file_remove_leftover(at("absent"), &err), 0);
    cr_expect_eq(file_remove_leftover(at("link"), &err), COPS_EIO);
    cr_expect_not_null(strstr(err.message, "left alone"), "%s", err.message);
    cr_expect_eq(file_remove_leftover(at("fifo"), &err), COPS_EIO);
    struct stat st;
    cr_expect_eq(lstat(at("link"), &st), 0);
    cr_expect(S_ISLNK(st.st_mode));
    cr_expect_eq(lstat(at("fifo"), &st), 0);
    cr_expect(S_ISFIFO(st.st_mode));
    cr_expect(file_is_regular(victim));
    cr_expect(!file_is_regular(at("link")));
    expect_victim_intact();
}

Test(file, replace_goes_around_a_linked_temporary)
{
    cr_assert_eq(symlink(victim, at("name.tmp")), 0);
    write_text(at("name.1.tmp"), "a regular leftover");
    cops_error err = {0};
    cr_assert_eq(file_replace(dir, "name", "new", 3, &err), 0, "%s", err.message);
    byte_buffer content = BUFFER_INIT;
    cr_assert_eq(file_read_regular(at("name"), 3, &content, &err), 0, "%s", err.message);
    cr_expect_eq(memcmp(content.data, "new", 3), 0);
    buffer_free(&content);
    cr_expect_eq(access(at("name.1.tmp"), F_OK), -1, "the leftover was used and renamed");
    struct stat st;
    cr_expect_eq(lstat(at("name.tmp"), &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "the link is left alone");
    expect_victim_intact();
}

Test(file, replace_refuses_a_final_name_that_is_not_a_regular_file)
{
    cr_assert_eq(symlink(victim, at("name")), 0);
    cops_error err = {0};
    cr_expect_eq(file_replace(dir, "name", "new", 3, &err), COPS_EIO);
    cr_expect_not_null(strstr(err.message, "is not a regular file"), "%s", err.message);
    struct stat st;
    cr_expect_eq(lstat(at("name"), &st), 0);
    cr_expect(S_ISLNK(st.st_mode));
    cr_expect_eq(access(at("name.tmp"), F_OK), -1, "the temporary is removed");
    expect_victim_intact();
}

Test(file, replace_gives_up_when_every_temporary_name_is_taken)
{
    cr_assert_eq(symlink(victim, at("name.tmp")), 0);
    for (int i = 1; i <= 9; i++) {
        char name[32];
        snprintf(name, sizeof name, "name.%d.tmp", i);
        cr_assert_eq(mkfifo(at(name), 0644), 0);
    }
    cops_error err = {0};
    cr_expect_eq(file_replace(dir, "name", "new", 3, &err), COPS_EIO);
    cr_expect_not_null(strstr(err.message, "name.9.tmp exists and is not a regular file"), "%s",
                       err.message);
    cr_expect_eq(access(at("name"), F_OK), -1);
    expect_victim_intact();
}

Test(file, lock_is_a_regular_file_of_its_own)
{
    int fd = -1;
    cops_error err = {0};
    cr_assert_eq(file_open_lock(at("LOCK"), &fd, &err), 0, "%s", err.message);
    close(fd);
    cr_assert_eq(file_open_lock(at("LOCK"), &fd, &err), 0, "an existing lock opens again");
    close(fd);
    cr_assert_eq(link(victim, at("LOCK2")), 0);
    cr_expect_eq(file_open_lock(at("LOCK2"), &fd, &err), COPS_ECORRUPT);
    cr_expect_not_null(strstr(err.message, "not a regular file of its own (2 links)"), "%s",
                       err.message);
    cr_assert_eq(symlink(victim, at("LOCK3")), 0);
    cr_expect_eq(file_open_lock(at("LOCK3"), &fd, &err), COPS_ECORRUPT);
    cr_assert_eq(mkfifo(at("LOCK4"), 0644), 0);
    cr_expect_eq(file_open_lock(at("LOCK4"), &fd, &err), COPS_ECORRUPT);
    expect_victim_intact();
}

Test(file, the_at_forms_stay_in_the_held_directory)
{
    /* a folder held open, then swapped for a link to another (the
     * victims'): creating, replacing, locking and reading through the
     * descriptor all stay in the folder held */
    char held[256], moved[256], victims[256];
    snprintf(held, sizeof held, "%s", at("held"));
    snprintf(moved, sizeof moved, "%s", at("moved"));
    snprintf(victims, sizeof victims, "%s", at("victims"));
    cr_assert_eq(mkdir(held, 0755), 0);
    cr_assert_eq(mkdir(victims, 0755), 0);
    int dir_fd = open(held, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(dir_fd, 0);
    cr_assert_eq(rename(held, moved), 0);
    cr_assert_eq(symlink(victims, held), 0);
    cops_error err = {0};
    cr_assert_eq(file_replace_at(dir_fd, held, "name", "new", 3, &err), 0, "%s", err.message);
    int fd = -1;
    cr_assert_eq(file_create_new_at(dir_fd, held, "created", &fd, &err), 0, "%s", err.message);
    close(fd);
    cr_assert_eq(file_open_lock_at(dir_fd, held, "LOCK", &fd, &err), 0, "%s", err.message);
    close(fd);
    byte_buffer content = BUFFER_INIT;
    cr_assert_eq(file_read_regular_at(dir_fd, held, "name", 3, &content, &err), 0, "%s",
                 err.message);
    cr_expect_eq(memcmp(content.data, "new", 3), 0);
    buffer_free(&content);
    cr_expect_eq(file_remove_leftover_at(dir_fd, held, "created", &err), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/name", moved);
    cr_expect(file_is_regular(path), "written in the folder held");
    snprintf(path, sizeof path, "%s/LOCK", moved);
    cr_expect(file_is_regular(path));
    DIR *d = opendir(victims);
    cr_assert_not_null(d);
    struct dirent *entry;
    int entries = 0;
    while ((entry = readdir(d)) != NULL)
        entries += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(d);
    cr_expect_eq(entries, 0, "nothing went through the link");
    close(dir_fd);
    expect_victim_intact();
}

Test(file, open_directory_follows_the_named_link_and_holds_the_folder)
{
    /* the path the user names may be a link (followed); once held, the
     * folder stays the one opened when its name is swapped for a link to
     * another: a reader's files all come from one folder */
    char real[256], named[256], moved[256], other[256];
    snprintf(real, sizeof real, "%s", at("real"));
    snprintf(named, sizeof named, "%s", at("named"));
    snprintf(moved, sizeof moved, "%s", at("moved"));
    snprintf(other, sizeof other, "%s", at("other"));
    cr_assert_eq(mkdir(real, 0755), 0);
    cr_assert_eq(mkdir(other, 0755), 0);
    char file[300];
    snprintf(file, sizeof file, "%s/MANIFEST", real);
    write_text(file, "real");
    snprintf(file, sizeof file, "%s/MANIFEST", other);
    write_text(file, "other");
    cr_assert_eq(symlink(real, named), 0);
    int dir_fd = -1;
    cops_error err = {0};
    cr_assert_eq(file_open_directory(named, &dir_fd, &err), 0, "%s", err.message);
    cr_expect_neq(fcntl(dir_fd, F_GETFD) & FD_CLOEXEC, 0, "close-on-exec");
    int held_fd = -1;
    cr_assert_eq(file_hold_directory(named, &held_fd, &err), 0, "%s", err.message);
    cr_expect_neq(fcntl(held_fd, F_GETFD) & FD_CLOEXEC, 0, "close-on-exec");
    cr_assert_eq(rename(real, moved), 0);
    cr_assert_eq(unlink(named), 0);
    cr_assert_eq(symlink(other, named), 0);
    byte_buffer content = BUFFER_INIT;
    cr_assert_eq(file_read_regular_at(dir_fd, named, "MANIFEST", 16, &content, &err), 0, "%s",
                 err.message);
    cr_expect(content.length == 4 && memcmp(content.data, "real", 4) == 0,
              "read from the folder held, not through the link swapped in");
    buffer_free(&content);
    cr_assert_eq(file_read_regular_at(held_fd, named, "MANIFEST", 16, &content, &err), 0, "%s",
                 err.message);
    cr_expect(content.length == 4 && memcmp(content.data, "real", 4) == 0,
              "a reader's hold too");
    buffer_free(&content);
    close(held_fd);
    close(dir_fd);
}

Test(file, open_directory_refuses_what_is_not_a_directory)
{
    cr_assert_eq(mkfifo(at("fifo"), 0644), 0);
    write_text(at("plain"), "x");
    static const struct {
        const char *name;
        int code;
    } cases[] = {
        {"missing", COPS_ENOINDEX},
        {"missing/below", COPS_ENOINDEX},
        {"plain", COPS_ENOINDEX},
        {"fifo", COPS_ENOINDEX}, /* at once: the suite's timeout catches a hang */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = -1;
        cops_error err = {0};
        cr_expect_eq(file_open_directory(at(cases[i].name), &fd, &err), cases[i].code, "%s",
                     cases[i].name);
        cops_error held = {0};
        cr_expect_eq(file_hold_directory(at(cases[i].name), &fd, &held), cases[i].code, "%s",
                     cases[i].name);
        cr_expect_str_eq(held.message, err.message);
        cr_expect_not_null(strstr(err.message, "cannot open the directory"), "%s: %s",
                           cases[i].name, err.message);
        cr_expect_not_null(strstr(err.message, at(cases[i].name)), "%s", err.message);
        cr_expect_eq(fd, -1);
    }
}

/* A reader holds the index folder without reading it (base/file.h): one
 * the user may enter but not list (mode 0111) is read, as before readers
 * held it.  Root passes any permission, so as root the reader runs in a
 * child that became nobody (the test is skipped where it cannot). */
Test(file, a_reader_holds_a_folder_it_may_enter_but_not_list)
{
    char held[300];
    snprintf(held, sizeof held, "%s", at("held"));
    cr_assert_eq(mkdir(held, 0755), 0);
    char file[320];
    snprintf(file, sizeof file, "%s/MANIFEST", held);
    write_text(file, "held");
    cr_assert_eq(chmod(held, 0111), 0);
    cr_assert_eq(chmod(dir, 0711), 0); /* nobody may pass through it */
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        if (geteuid() == 0
            && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(77);
        int listed = open(held, O_RDONLY | O_DIRECTORY);
        if (listed >= 0)
            _exit(3); /* the permission is not missing: no test */
        int dir_fd = -1;
        cops_error err = {0};
        if (file_hold_directory(held, &dir_fd, &err) != 0)
            _exit(1);
        byte_buffer content = BUFFER_INIT;
        if (file_read_regular_at(dir_fd, held, "MANIFEST", 16, &content, &err) != 0
            || content.length != 4)
            _exit(2);
        _exit(0);
    }
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert_eq(chmod(held, 0755), 0); /* for the teardown */
    cr_assert(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        cr_skip_test("root could not become nobody");
    cr_expect_eq(WEXITSTATUS(status), 0,
                 "1: the folder was not opened, 2: its file not read, 3: it could be listed");
}

/* -------------------------------------------------------------- names */

Test(file, the_writers_names_are_recognised_exactly)
{
    static const struct {
        const char *name;
        int generated;
    } cases[] = {
        {"seg-000001.cops", 1},         {"seg-1234567.cops", 1},
        {"files-000012.cat", 1},        {"del-000001-000002.bits", 1},
        {"del-123456-1234567.bits", 1}, {"run-000000.tmp", 1},
        {"MANIFEST.tmp", 1},            {"MANIFEST.3.tmp", 1},
        {"files-000012.cat.tmp", 1},    {"del-000001-000002.bits.9.tmp", 1},
        {"seg-report.txt", 0},          {"files-2024-notes.txt", 0},
        {"seg-12.cops", 0},             {"seg-0000001.cops", 0},
        {"seg-000001.cops.bak", 0},     {"seg-000001.cops.tmp", 0},
        {"run-1.tmp", 0},               {"run-000001.tmp.old", 0},
        {"del-x.bits", 0},              {"del-000001-2.bits", 0},
        {"del-00001-000002.bits", 0},   {"files-000001.cat.old", 0},
        {"MANIFEST", 0},                {"LOCK", 0},
        {"MANIFEST.0.tmp", 0},          {"MANIFEST.10.tmp", 0},
        {"notes.tmp", 0},               {"seg-000001.cops.", 0},
        {"seg-123456789012345678901.cops", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(names_generated(cases[i].name), cases[i].generated, "%s", cases[i].name);
    cr_expect(names_writer_made("LOCK"));
    cr_expect(!names_writer_made("MANIFEST"));
    cr_expect(!names_writer_made("notes.txt"));
}

Test(file, the_writers_names_round_trip)
{
    char name[MANIFEST_MAX_NAME];
    names_segment(name, 7);
    cr_expect_str_eq(name, "seg-000007.cops");
    cr_expect(names_generated(name));
    char deletions[MANIFEST_MAX_NAME];
    names_deletions(deletions, name, 12);
    cr_expect_str_eq(deletions, "del-000007-000012.bits");
    cr_expect(names_generated(deletions));
    names_deletions(deletions, "a", 12);
    cr_expect_str_eq(deletions, "del--000012.bits", "a segment named otherwise");
    names_deletions(deletions, "seg-1/../x", 12);
    cr_expect_str_eq(deletions, "del-1-000012.bits");
    names_catalog(name, 1234567);
    cr_expect_str_eq(name, "files-1234567.cat");
    cr_expect(names_generated(name));
    names_run(name, 3);
    cr_expect_str_eq(name, "run-000003.tmp");
    cr_expect(names_generated(name));
}
