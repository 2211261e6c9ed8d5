/*
 * xapian-stub-test.c — reading Xapian stub files without trusting them
 * (xapian/xapian-stub.h): a table of stub texts with what each must give,
 * then the policy check (remote lines refused unless allowed, paths that
 * leave the stub's directory or pass a symlink refused).
 */
#include "config.h"

#include "xapian/xapian-stub.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
