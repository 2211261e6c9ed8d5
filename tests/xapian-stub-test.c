/*
 * xapian-stub-test.c — reading Xapian stub files without trusting them
 * (xapian/xapian-stub.h): a table of stub texts with what each must give,
 * then the policy check (remote lines refused unless allowed, paths that
 * leave the stub's directory or pass a symlink refused), then pins: the
 * files they keep, and their private folders (made only where no one else
 * may swap them, swept once their process is gone).
 */
#include "config.h"

#include "xapian/xapian-stub.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xapian/xapian-pin-folder.h"

static char temp_root[] = "/tmp/cops-xapian-stub-XXXXXX";

static void make_root(void)
{
    cr_assert_not_null(mkdtemp(temp_root));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_root(void)
{
    nftw(temp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(xapian_stub, .init = make_root, .fini = remove_root);

/* Write `text` (`length` bytes) to ROOT/`name`; the path, static. */
static const char *write_stub(const char *name, const char *text, size_t length)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", temp_root, name);
    FILE *file = fopen(path, "wb");
    cr_assert_not_null(file);
    cr_assert_eq(fwrite(text, 1, length, file), length);
    cr_assert_eq(fclose(file), 0);
    return path;
}

typedef struct stub_case {
    const char *text;
    int rc;                     /* from xapian_stub_read */
    size_t count;               /* databases when rc is 0 */
    cops_xapian_shard_kind kind; /* of the last database */
    const char *location;       /* of the last database, glass ones after "ROOT/" */
    const char *args;           /* of a program */
    unsigned port;              /* of a host */
} stub_case;

static const stub_case cases[] = {
    {"auto shard-000\n", 0, 1, COPS_XAPIAN_SHARD_GLASS, "shard-000", NULL, 0},
    {"auto a\nglass b/c\n", 0, 2, COPS_XAPIAN_SHARD_GLASS, "b/c", NULL, 0},
    {"# comment\n\nauto a", 0, 1, COPS_XAPIAN_SHARD_GLASS, "a", NULL, 0},
    {"remote :/bin/sh -c id>x\n", 0, 1, COPS_XAPIAN_SHARD_PROGRAM, "/bin/sh", "-c id>x", 0},
    {"remote :xapian-progsrv\n", 0, 1, COPS_XAPIAN_SHARD_PROGRAM, "xapian-progsrv", "", 0},
    {"remote host.example:8100\n", 0, 1, COPS_XAPIAN_SHARD_TCP, "host.example", NULL, 8100},
    {"remote [::1]:8100\n", 0, 1, COPS_XAPIAN_SHARD_TCP, "::1", NULL, 8100},
    /* not stub lines cops accepts */
    {"remote :\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"remote ssh host xapian-progsrv db\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"remote host:0\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"remote host:65536\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"remote a b:80\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"remote\t:/bin/sh\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {" remote :/bin/sh\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"remote :/bin/sh\r\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"auto a\033]0;x\007\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"auto\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"auto /etc\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"auto ..\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"auto a/../../b\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"glass ../b\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"flint a\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"important notes\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"# only a comment\n", COPS_ECORRUPT, 0, 0, NULL, NULL, 0},
    {"chert a\n", COPS_EUNSUPPORTED, 0, 0, NULL, NULL, 0},
    {"inmemory\n", COPS_EUNSUPPORTED, 0, 0, NULL, NULL, 0},
};

Test(xapian_stub, table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const stub_case *c = &cases[i];
        const char *path = write_stub("XAPIANDB", c->text, strlen(c->text));
        xapian_stub stub;
        cops_error err = {0};
        int rc = xapian_stub_read(path, 0, &stub, &err);
        cr_expect_eq(rc, c->rc, "case %zu (%s): rc %d, %s", i, c->text, rc, err.message);
        if (rc == 0 && c->rc == 0) {
            cr_assert_eq(stub.count, c->count, "case %zu", i);
            const cops_xapian_shard *last = &stub.shards[stub.count - 1];
            cr_expect_eq(last->kind, c->kind, "case %zu", i);
            const char *location = last->location;
            if (c->kind == COPS_XAPIAN_SHARD_GLASS) {
                cr_assert_eq(strncmp(location, temp_root, strlen(temp_root)), 0, "%s", location);
                location += strlen(temp_root) + 1;
            }
            cr_expect_str_eq(location, c->location, "case %zu", i);
            if (c->args)
                cr_expect_str_eq(last->args, c->args, "case %zu", i);
            cr_expect_eq(last->port, c->port, "case %zu", i);
        }
        if (rc != 0)
            cr_expect(strstr(err.message, "XAPIANDB") != NULL, "case %zu names the stub: %s", i,
                      err.message);
        xapian_stub_free(&stub);
    }
}

Test(xapian_stub, a_message_never_quotes_the_line)
{
    const char *path = write_stub("XAPIANDB", "secret words here\n", 18);
    xapian_stub stub;
    cops_error err = {0};
    cr_assert_eq(xapian_stub_read(path, 0, &stub, &err), COPS_ECORRUPT);
    cr_expect(strstr(err.message, "XAPIANDB:1") != NULL, "%s", err.message);
    cr_expect(strstr(err.message, "secret") == NULL, "%s", err.message);
    xapian_stub_free(&stub);
}

Test(xapian_stub, nul_byte_oversize_and_special_files)
{
    xapian_stub stub;
    cops_error err = {0};
    cr_expect_eq(xapian_stub_read(write_stub("XAPIANDB", "auto a\0b\n", 9), 0, &stub, &err),
                 COPS_ECORRUPT, "%s", err.message);
    xapian_stub_free(&stub);
    static char big[XAPIAN_STUB_MAX_BYTES + 2];
    memset(big, '#', sizeof big);
    cr_expect_eq(xapian_stub_read(write_stub("XAPIANDB", big, sizeof big), 0, &stub, &err),
                 COPS_ECORRUPT, "%s", err.message);
    xapian_stub_free(&stub);
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/fifo", temp_root);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_expect_eq(xapian_stub_read(fifo, 1, &stub, &err), COPS_ECORRUPT, "%s", err.message);
    xapian_stub_free(&stub);
    char link[600];
    snprintf(link, sizeof link, "%s/link", temp_root);
    cr_assert_eq(symlink("XAPIANDB", link), 0);
    cr_expect_eq(xapian_stub_read(link, 0, &stub, &err), COPS_ECORRUPT, "a symlinked XAPIANDB: %s",
                 err.message);
    xapian_stub_free(&stub);
    cr_expect_eq(xapian_stub_read(link, 1, &stub, &err), COPS_ECORRUPT,
                 "a stub the user named through a symlink is followed");
    xapian_stub_free(&stub);
}

Test(xapian_stub, remote_lines_need_their_flag)
{
    const char *path = write_stub("XAPIANDB", "remote :prog a b\nremote h:1\n", 28);
    xapian_stub stub;
    cops_error err = {0};
    cr_assert_eq(xapian_stub_read(path, 0, &stub, &err), 0, "%s", err.message);
    cr_expect_eq(xapian_stub_check(&stub, path, 0, &err), COPS_EINVAL);
    cr_expect(strstr(err.message, "--allow-remote-programs") != NULL, "%s", err.message);
    cr_expect_eq(xapian_stub_check(&stub, path, COPS_OPEN_ALLOW_REMOTE_PROGRAMS, &err), COPS_EINVAL);
    cr_expect(strstr(err.message, "--allow-remote-hosts") != NULL, "%s", err.message);
    cr_expect_eq(xapian_stub_check(&stub, path, COPS_OPEN_ALLOW_REMOTE_HOSTS, &err), COPS_EINVAL);
    cr_expect_eq(xapian_stub_check(&stub, path,
                                   COPS_OPEN_ALLOW_REMOTE_PROGRAMS | COPS_OPEN_ALLOW_REMOTE_HOSTS,
                                   &err),
                 0, "%s", err.message);
    xapian_stub_free(&stub);
}

Test(xapian_stub, glass_paths_stay_inside_without_links)
{
    char dir[600], outside[600];
    snprintf(dir, sizeof dir, "%s/shard", temp_root);
    snprintf(outside, sizeof outside, "%s/outside", temp_root);
    cr_assert_eq(mkdir(dir, 0755), 0);
    cr_assert_eq(mkdir(outside, 0755), 0);
    write_stub("shard/iamglass", "x", 1);
    write_stub("outside/iamglass", "x", 1);
    char link[600];
    snprintf(link, sizeof link, "%s/link", temp_root);
    cr_assert_eq(symlink("outside", link), 0);

    xapian_stub stub;
    cops_error err = {0};
    const char *path = write_stub("XAPIANDB", "auto shard\n", 11);
    cr_assert_eq(xapian_stub_read(path, 0, &stub, &err), 0, "%s", err.message);
    cr_expect_eq(xapian_stub_check(&stub, path, 0, &err), 0, "%s", err.message);
    xapian_stub_free(&stub);

    path = write_stub("XAPIANDB", "auto link\n", 10);
    cr_assert_eq(xapian_stub_read(path, 0, &stub, &err), 0, "%s", err.message);
    cr_expect_eq(xapian_stub_check(&stub, path, 0, &err), COPS_EIO);
    cr_expect(strstr(err.message, "symlink") != NULL, "%s", err.message);
    xapian_stub_free(&stub);

    /* a glass table that is a symlink or a FIFO would make Xapian read
     * outside or block */
    char table[700];
    snprintf(table, sizeof table, "%s/postlist.glass", dir);
    cr_assert_eq(symlink("/dev/zero", table), 0);
    cr_expect_eq(xapian_glass_check(dir, &err), COPS_EIO);
    cr_expect(strstr(err.message, "postlist.glass") != NULL, "%s", err.message);
    cr_assert_eq(unlink(table), 0);
    cr_assert_eq(mkfifo(table, 0600), 0);
    cr_expect_eq(xapian_glass_check(dir, &err), COPS_EIO);
    cr_assert_eq(unlink(table), 0);
    cr_expect_eq(xapian_glass_check(dir, &err), 0, "%s", err.message);
    cr_expect_neq(xapian_glass_check(temp_root, &err), 0, "the stub's directory is no database");
}

/* Write `text` to ROOT/`name` (a path of the test's). */
static void write_file(const char *name, const char *text)
{
    write_stub(name, text, strlen(text));
}

/* The first bytes of `path` (NUL-terminated in out[size]); "" if unreadable. */
static const char *read_start(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *file = fopen(path, "rb");
    if (file) {
        size_t n = fread(out, 1, size - 1, file);
        out[n] = '\0';
        fclose(file);
    }
    return out;
}

/* A table swapped for a link after the pin, as someone sharing the folder
 * could between cops's checks and Xapian's open (or before a table Xapian
 * opens later): Xapian, opening through the pin, still reads the file
 * checked.  A link or a FIFO there at pin time is refused, without
 * blocking; the private folder goes with the pin. */
Test(xapian_stub, a_pin_keeps_the_files_checked)
{
    char dir[700], path[800], bytes[64];
    snprintf(dir, sizeof dir, "%s/db", temp_root);
    cr_assert_eq(mkdir(dir, 0700), 0);
    write_file("db/iamglass", "version");
    write_file("db/postlist.glass", "the table checked");
    write_file("secret", "a private file");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(fd, 0);

    xapian_pin *pin = NULL;
    cops_error err = {0};
    cr_assert_eq(xapian_pin_glass(fd, dir, &pin, &err), 0, "%s", err.message);
    char private_dir[700];
    snprintf(private_dir, sizeof private_dir, "%s", xapian_pin_dir(pin));
    snprintf(path, sizeof path, "%s/postlist.glass", dir);
    cr_assert_eq(unlink(path), 0);
    char secret[700];
    snprintf(secret, sizeof secret, "%s/secret", temp_root);
    cr_assert_eq(symlink(secret, path), 0);
    snprintf(path, sizeof path, "%s/postlist.glass", private_dir);
    cr_expect_str_eq(read_start(path, bytes, sizeof bytes), "the table checked");
    snprintf(path, sizeof path, "%s/termlist.glass", private_dir);
    cr_expect_neq(access(path, F_OK), 0, "an absent table stays absent");

    /* A writer renames a new version file over the old one: a refresh
     * names it, a link in its place is refused and the old one stays. */
    write_file("db/iamglass.new", "version 2");
    char from[800], to[800];
    snprintf(from, sizeof from, "%s/iamglass.new", dir);
    snprintf(to, sizeof to, "%s/iamglass", dir);
    cr_assert_eq(rename(from, to), 0);
    cr_expect_eq(xapian_pin_refresh(pin, &err), COPS_EIO, "postlist.glass is a link now");
    snprintf(path, sizeof path, "%s/postlist.glass", private_dir);
    cr_expect_str_eq(read_start(path, bytes, sizeof bytes), "the table checked");
    snprintf(path, sizeof path, "%s/iamglass", private_dir);
    cr_expect_str_eq(read_start(path, bytes, sizeof bytes), "version 2");
    cr_assert_eq(unlink(to), 0);
    cr_assert_eq(symlink(secret, to), 0);
    cr_expect_eq(xapian_pin_refresh(pin, &err), COPS_EIO);
    cr_expect_str_eq(read_start(path, bytes, sizeof bytes), "version 2");
    cr_assert_eq(unlink(to), 0);
    write_file("db/iamglass", "version");
    xapian_pin_free(pin);
    cr_expect_neq(access(private_dir, F_OK), 0, "the private folder is removed");

    /* now a link at pin time: refused */
    cr_expect_eq(xapian_pin_glass(fd, dir, &pin, &err), COPS_EIO);
    cr_expect(strstr(err.message, "postlist.glass") != NULL, "%s", err.message);
    snprintf(path, sizeof path, "%s/postlist.glass", dir);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_expect_eq(xapian_pin_glass(fd, dir, &pin, &err), COPS_EIO);
    cr_assert_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/iamglass", dir);
    cr_assert_eq(unlink(path), 0);
    cr_expect_eq(xapian_pin_glass(fd, dir, &pin, &err), COPS_ENOINDEX);
    close(fd);
}

/* ROOT/`name` as a folder of mode `mode` (set whatever the umask); the
 * path in out[size]. */
static const char *make_folder(const char *name, mode_t mode, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", temp_root, name);
    cr_assert_eq(mkdir(out, 0700), 0, "%s", out);
    cr_assert_eq(chmod(out, mode), 0);
    return out;
}

/* 1 when `path` names a folder directly inside `parent`. */
static int inside(const char *path, const char *parent)
{
    size_t length = strlen(parent);
    return strncmp(path, parent, length) == 0 && path[length] == '/'
           && !strchr(path + length + 1, '/');
}

/* A $TMPDIR that others may write without the sticky bit (or a folder
 * above it they may) would let them rename the private folder Xapian is
 * handed by path and put their own in its place: it is passed over for
 * the next candidate, and with none left the error names it and says
 * what to do.  A sticky one is fine. */
Test(xapian_stub, a_pin_folder_is_made_only_where_no_one_else_may_swap_it)
{
    char open_dir[700], safe_dir[700], inner[700], dir[PATH_MAX];
    make_folder("open", 0777, open_dir, sizeof open_dir);
    make_folder("safe", 0700, safe_dir, sizeof safe_dir);
    make_folder("open/inner", 0700, inner, sizeof inner);
    int fd = -1;
    cops_error err = {0};
    const char *only_open[] = {open_dir}, *only_inner[] = {inner}, *both[] = {open_dir, safe_dir};
    cr_expect_eq(xapian_pin_folder_make_in(only_open, 1, dir, sizeof dir, &fd, &err), COPS_EIO);
    cr_expect(strstr(err.message, open_dir) && strstr(err.message, "set TMPDIR"), "%s",
              err.message);
    cr_expect_eq(fd, -1);
    cr_expect_eq(xapian_pin_folder_make_in(only_inner, 1, dir, sizeof dir, &fd, &err), COPS_EIO,
                 "a folder above that others may write is as unsafe");
    cr_expect(strstr(err.message, open_dir) && !strstr(err.message, inner), "%s", err.message);

    cr_assert_eq(xapian_pin_folder_make_in(both, 2, dir, sizeof dir, &fd, &err), 0, "%s",
                 err.message);
    cr_expect(inside(dir, safe_dir), "%s", dir);
    struct stat status;
    cr_expect(fstat(fd, &status) == 0 && (status.st_mode & 07777) == 0700);
    close(fd);
    cr_assert_eq(rmdir(dir), 0);

    cr_assert_eq(chmod(open_dir, 01777), 0);
    cr_assert_eq(xapian_pin_folder_make_in(only_open, 1, dir, sizeof dir, &fd, &err), 0,
                 "sticky, as /tmp: %s", err.message);
    cr_expect(inside(dir, open_dir), "%s", dir);
    close(fd);
    cr_assert_eq(rmdir(dir), 0);

    /* through a pin: $TMPDIR passed over for $XDG_RUNTIME_DIR */
    cr_assert_eq(chmod(open_dir, 0777), 0);
    char db[700];
    make_folder("db", 0700, db, sizeof db);
    write_file("db/iamglass", "version");
    int db_fd = open(db, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(db_fd, 0);
    setenv("TMPDIR", open_dir, 1);
    setenv("XDG_RUNTIME_DIR", safe_dir, 1);
    xapian_pin *pin = NULL;
    cr_assert_eq(xapian_pin_glass(db_fd, db, &pin, &err), 0, "%s", err.message);
    cr_expect(inside(xapian_pin_dir(pin), safe_dir), "%s", xapian_pin_dir(pin));
    xapian_pin_free(pin);
    close(db_fd);
}

/* The entry of `parent` whose name starts with `prefix`, as a path in
 * out[size]; 1 if found. */
static int find_entry(const char *parent, const char *prefix, char *out, size_t size)
{
    DIR *d = opendir(parent);
    cr_assert_not_null(d);
    struct dirent *entry;
    int found = 0;
    while (!found && (entry = readdir(d)) != NULL) {
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(out, size, "%s/%s", parent, entry->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* ROOT/`name`: a symbolic link to `target`. */
static void make_link(const char *target, const char *name)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s", temp_root, name);
    cr_assert_eq(symlink(target, path), 0, "%s", path);
}

static int exists(const char *name)
{
    char path[800];
    struct stat status;
    snprintf(path, sizeof path, "%s/%s", temp_root, name);
    return lstat(path, &status) == 0;
}

/* The name (in OUT) of REST under a lookalike of the folder of GONE, a
 * process that is gone: pins/cops-xapian-GONE-0-REST. */
static const char *gone_entry(char *out, size_t size, long gone, const char *rest)
{
    snprintf(out, size, "pins/cops-xapian-%ld-0-%s", gone, rest);
    return out;
}

/* A process killed while it held a pin left its private folder of dead
 * links for ever.  The next pin made sweeps the folders of processes that
 * are gone (the pid, and its start time against a reused pid), and only
 * those: never a live one, never anything of another shape, mode or
 * content, never through a link. */
Test(xapian_stub, pin_folders_of_killed_processes_are_swept)
{
    char pins[700], db[700], found[PATH_MAX], name[128];
    make_folder("pins", 0700, pins, sizeof pins);
    make_folder("db", 0700, db, sizeof db);
    write_file("db/iamglass", "version");
    write_file("secret", "a private file");
    setenv("TMPDIR", pins, 1);
    unsetenv("XDG_RUNTIME_DIR");
    int db_fd = open(db, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(db_fd, 0);

    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        xapian_pin *pin;
        if (xapian_pin_glass(db_fd, db, &pin, NULL) == 0 && write(ready[1], "x", 1) == 1)
            pause();
        _exit(1);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1, "the child pinned the database");
    snprintf(name, sizeof name, "cops-xapian-%ld-", (long)child);
    cr_assert(find_entry(pins, name, found, sizeof found), "the child's folder is there");
    xapian_pin_folder_sweep(pins);
    cr_expect_eq(access(found, F_OK), 0, "a live process's folder stays");
    cr_assert_eq(kill(child, SIGKILL), 0);
    cr_assert_eq(waitpid(child, NULL, 0), child);
    cr_expect_eq(access(found, F_OK), 0, "killed, it left its folder");

    /* lookalikes of a gone process's folder that are not a pin's, and one
     * named with a live pid (this process's) but another start time */
    char path[800], secret[700];
    snprintf(secret, sizeof secret, "%s/secret", temp_root);
    long gone = (long)child;
    /* another mode */
    make_folder(gone_entry(name, sizeof name, gone, "mode75"), 0755, path, sizeof path);
    make_link("/proc/self/fd/3", gone_entry(name, sizeof name, gone, "mode75/iamglass"));
    /* a file cops never makes */
    make_folder(gone_entry(name, sizeof name, gone, "fileIn"), 0700, path, sizeof path);
    write_file(gone_entry(name, sizeof name, gone, "fileIn/iamglass"), "someone's");
    /* a link elsewhere */
    make_folder(gone_entry(name, sizeof name, gone, "otherL"), 0700, path, sizeof path);
    make_link(secret, gone_entry(name, sizeof name, gone, "otherL/iamglass"));
    make_folder("elsewhere", 0700, path, sizeof path); /* through a link */
    make_link("/proc/self/fd/3", "elsewhere/iamglass");
    make_link(path, gone_entry(name, sizeof name, gone, "LinkTo"));
    make_folder("pins/cops-xapian-Ab12Cd", 0700, path, sizeof path); /* the old pattern */
    /* a pin's link beside a file cops never makes, and a link to a
     * descriptor under a name no pin gives: the folder is left whole (the
     * sweep removed those links, then left the folder) */
    make_folder(gone_entry(name, sizeof name, gone, "mixedA"), 0700, path, sizeof path);
    make_link("/proc/self/fd/3", gone_entry(name, sizeof name, gone, "mixedA/iamglass"));
    write_file(gone_entry(name, sizeof name, gone, "mixedA/notes.txt"), "someone's notes");
    make_folder(gone_entry(name, sizeof name, gone, "nameXY"), 0700, path, sizeof path);
    make_link("/proc/self/fd/3", gone_entry(name, sizeof name, gone, "nameXY/my-fd"));
    make_folder(gone_entry(name, sizeof name, gone, "sevenCh"), 0700, path, sizeof path);

    /* the next pin made sweeps (once a process) */
    xapian_pin *pin = NULL;
    cops_error err = {0};
    cr_assert_eq(xapian_pin_glass(db_fd, db, &pin, &err), 0, "%s", err.message);
    cr_expect_neq(access(found, F_OK), 0, "the killed process's folder is swept");
    const char *mine = xapian_pin_dir(pin);
    long me;
    unsigned long long start;
    cr_assert_eq(sscanf(strrchr(mine, '/') + 1, "cops-xapian-%ld-%llu-", &me, &start), 2, "%s",
                 mine);
    cr_expect_eq(me, (long)getpid());
    snprintf(name, sizeof name, "pins/cops-xapian-%ld-%llu-Reused", (long)getpid(), start + 1);
    make_folder(name, 0700, path, sizeof path);
    snprintf(name, sizeof name, "pins/cops-xapian-%ld-%llu-Reused/postlist.glass",
             (long)getpid(), start + 1);
    make_link("/proc/self/fd/3", name);
    xapian_pin_folder_sweep(pins);
    snprintf(name, sizeof name, "pins/cops-xapian-%ld-%llu-Reused", (long)getpid(), start + 1);
    cr_expect(!exists(name), "a reused pid's older folder is swept");
    cr_expect_eq(access(mine, F_OK), 0, "a live pin's folder stays");
    static const struct {
        const char *rest, *why;
    } left[] = {
        {"mode75/iamglass", "another mode"},
        {"fileIn/iamglass", "a file cops never makes"},
        {"otherL/iamglass", "a link elsewhere"},
        {"LinkTo", "a link"},
        {"mixedA/iamglass", "a pin's link beside a file cops never makes"},
        {"nameXY/my-fd", "a link under a name no pin gives"},
        {"sevenCh", "another name"},
    };
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++)
        cr_expect(exists(gone_entry(name, sizeof name, gone, left[i].rest)), "%s: left",
                  left[i].why);
    cr_expect(exists("secret") && exists("elsewhere/iamglass"), "nothing through a link");
    cr_expect(exists("pins/cops-xapian-Ab12Cd"), "the old pattern: left");
    xapian_pin_free(pin);
    close(db_fd);
}
