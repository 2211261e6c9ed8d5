/*
 * module.c — finding and loading cops's own modules (module.h).
 */
#include "config.h"

#include "base/module.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

/* Whether `here` (a real path) is code of the build tree: the build's
 * libcops (BUILD/.libs), or a program linked with the internal library
 * (cops-query, a test or a benchmark) anywhere under BUILD.  A copy of
 * the library elsewhere under BUILD is not: it finds its modules beside
 * it. */
static int in_build_tree(const char *here, int main_program)
{
    size_t built = strlen(COPS_ABS_BUILDDIR);
    if (strncmp(here, COPS_ABS_BUILDDIR, built) != 0 || here[built] != '/')
        return 0;
    const char *rest = here + built;
    return main_program || (strncmp(rest, "/.libs/", 7) == 0 && !strchr(rest + 7, '/'));
}

/* Whether `self` (dladdr of this code) is the main program: the object
 * holding the program's entry point.  dladdr names the main program by
 * its argv[0], which may be a bare name found on PATH, or the name of
 * another file of the current folder: /proc/self/exe names it then. */
static int in_main_program(const Dl_info *self)
{
    Dl_info entry;
    unsigned long at = getauxval(AT_ENTRY);
    return at != 0 && dladdr((void *)at, &entry) && entry.dli_fbase == self->dli_fbase;
}

/* The path components of `path` (absolute, as make expands the install
 * folders) into *out, up to `max`: their count, or -1 when the path is not
 * absolute, has a "..", or has more components. */
static int path_components(const char *path, const char *out[], size_t lengths[], int max)
{
    if (path[0] != '/')
        return -1;
    int count = 0;
    for (const char *at = path; *at;) {
        while (*at == '/')
            at++;
        size_t length = strcspn(at, "/");
        if (length == 0 || (length == 1 && at[0] == '.')) {
            at += length;
            continue;
        }
        if ((length == 2 && at[0] == '.' && at[1] == '.') || count == max)
            return -1;
        out[count] = at;
        lengths[count++] = length;
        at += length;
    }
    return count;
}

/* Append text[0, length) to out (size bytes, used of them filled, kept
 * NUL-terminated): -1 when it does not fit. */
static int append(char *out, size_t size, size_t *used, const char *text, size_t length)
{
    if (length >= size - *used)
        return -1;
    memcpy(out + *used, text, length);
    *used += length;
    out[*used] = '\0';
    return 0;
}

int module_relative_dir(const char *from, const char *to, char *out, size_t size)
{
    enum { MAX_COMPONENTS = 64 };
    const char *a[MAX_COMPONENTS], *b[MAX_COMPONENTS];
    size_t a_length[MAX_COMPONENTS], b_length[MAX_COMPONENTS];
    int a_count = path_components(from, a, a_length, MAX_COMPONENTS);
    int b_count = path_components(to, b, b_length, MAX_COMPONENTS);
    if (a_count < 0 || b_count < 0 || size == 0)
        return -1;
    int common = 0;
    while (common < a_count && common < b_count && a_length[common] == b_length[common]
           && memcmp(a[common], b[common], a_length[common]) == 0)
        common++;
    size_t used = 0;
    out[0] = '\0';
    for (int i = common; i < a_count; i++)
        if ((used && append(out, size, &used, "/", 1)) || append(out, size, &used, "..", 2))
            return -1;
    for (int i = common; i < b_count; i++)
        if ((used && append(out, size, &used, "/", 1))
            || append(out, size, &used, b[i], b_length[i]))
            return -1;
    return used == 0 ? append(out, size, &used, ".", 1) : 0;
}

static const char *program_dir = COPS_BINDIR;

void module_set_program_dir(const char *dir) { program_dir = dir; }

/* The one place module NAME of FOLDER may be loaded from (module.h). */
static int module_path(const char *folder, const char *name, char *path, size_t size,
                       struct stat *locator, cops_error *err)
{
    Dl_info self;
    int main_program = 0;
    char *here = NULL;
    if (dladdr((void *)module_path, &self)) {
        main_program = in_main_program(&self);
        if (!main_program && self.dli_fname && *self.dli_fname)
            here = realpath(self.dli_fname, NULL);
    }
    if (main_program || !here) /* a program linked with the internal library */
        here = realpath("/proc/self/exe", NULL);
    if (!here)
        return error_set_errno(err, COPS_EIO, errno, "cannot tell where libcops is");
    if (stat(here, locator) != 0) {
        int saved = errno;
        free(here);
        return error_set_errno(err, COPS_EIO, saved, "cannot tell where libcops is");
    }
    int length;
    char beside[PATH_MAX];
    if (in_build_tree(here, main_program)) {
        length = snprintf(path, size, "%s/%s/.libs/%s.so", COPS_ABS_BUILDDIR, folder, name);
    } else if (main_program) {
        /* an installed program (cops-query): the modules are where they
         * are installed relative to the programs, so that a copy of the
         * installed tree finds its own */
        *strrchr(here, '/') = '\0'; /* realpath's answer is absolute */
        if (module_relative_dir(program_dir, COPS_MODULEDIR, beside, sizeof beside) == 0)
            length = snprintf(path, size, "%s/%s/%s.so", here, beside, name);
        else
            length = snprintf(path, size, "%s/%s.so", COPS_MODULEDIR, name);
    } else {
        *strrchr(here, '/') = '\0';
        length = snprintf(path, size, "%s/cops/modules/%s.so", here, name);
    }
    free(here);
    if (length < 0 || (size_t)length >= size)
        return error_set(err, COPS_ELIMIT, "the path of the module %s is too long", name);
    return 0;
}

int module_program_path(const char *name, char *path, size_t size, cops_error *err)
{
    char *here = realpath("/proc/self/exe", NULL);
    if (!here)
        return error_set_errno(err, COPS_EIO, errno, "cannot tell where this program is");
    int length;
    char beside[PATH_MAX];
    if (in_build_tree(here, 1)) {
        length = snprintf(path, size, "%s/%s", COPS_ABS_BUILDDIR, name);
    } else {
        *strrchr(here, '/') = '\0'; /* realpath's answer is absolute */
        if (module_relative_dir(program_dir, COPS_PKGLIBEXECDIR, beside, sizeof beside) == 0)
            length = snprintf(path, size, "%s/%s/%s", here, beside, name);
        else
            length = snprintf(path, size, "%s/%s", COPS_PKGLIBEXECDIR, name);
    }
    free(here);
    if (length < 0 || (size_t)length >= size)
        return error_set(err, COPS_ELIMIT, "the path of the program %s is too long", name);
    return 0;
}

/* Whether `st` may be trusted by a program whose file is `self`: owned by
 * root or by the program's owner, and not writable by others unless it is
 * a sticky folder (whose files only their owners replace). */
static int trusted(const struct stat *st, const struct stat *self)
{
    return (st->st_uid == 0 || st->st_uid == self->st_uid) &&
           (!(st->st_mode & S_IWOTH) || (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)));
}

/* The file at `path` (absolute), found relative to the file `self` (the
 * running program, or libcops for a module), opened without following a
 * link, or -1 having said why not in *err: it must be a file, not a
 * symbolic link (cops installs none) nor `self` (a program handing off to
 * itself would do so forever), owned by root or by self's owner, and
 * neither it nor its folder writable by others (a copy or a link of
 * cops-query or libcops in a shared folder finds its "twin" or its modules
 * there, which anyone could have put).  `use` says what is done with it. */
static int open_trusted(const char *path, const struct stat *self, const char *use,
                        cops_error *err)
{
    struct stat folder, file;
    int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return error_set(err, COPS_EUNSUPPORTED, "install it (%s is missing)", path), -1;
    if (fd < 0)
        return error_set_errno(err, COPS_EUNSUPPORTED, errno, "%s cannot be %s", path, use), -1;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", slash && slash != path ? (int)(slash - path) : 1, path);
    const char *why = NULL;
    if (fstat(fd, &file) != 0)
        why = "cannot be examined";
    else if (S_ISLNK(file.st_mode)) /* O_PATH | O_NOFOLLOW opens the link itself */
        why = "is a symbolic link, which cops does not install";
    else if (!S_ISREG(file.st_mode))
        why = "is not a file";
    else if (file.st_dev == self->st_dev && file.st_ino == self->st_ino)
        why = "is this program itself, which would run itself forever";
    else if (!trusted(&file, self) || stat(dir, &folder) != 0 || !trusted(&folder, self))
        why = "or its folder is writable by others, or owned by another user than this program";
    if (why) {
        close(fd);
        return error_set(err, COPS_EUNSUPPORTED, "%s %s: reinstall cops", path, why), -1;
    }
    return fd;
}

int module_program_open(const char *path, cops_error *err)
{
    struct stat self;
    if (stat("/proc/self/exe", &self) != 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot tell where this program is"), -1;
    return open_trusted(path, &self, "run", err);
}

static module_handoff *handoff_instead;

void module_set_handoff(module_handoff *handoff) { handoff_instead = handoff; }

int module_load(const char *folder, const char *name, const char *entry_name, const char *abi,
                const void *host, const void **offered, cops_error *err)
{
    char path[PATH_MAX];
    *offered = NULL;
    if (handoff_instead) {
        handoff_instead(err); /* returns only when it could not */
        return COPS_EUNSUPPORTED;
    }
    struct stat locator;
    int rc = module_path(folder, name, path, sizeof path, &locator, err);
    if (rc != 0)
        return rc;
    /* checked as the twin is: dlopen runs the module's constructors */
    int fd = open_trusted(path, &locator, "loaded", err);
    if (fd < 0)
        return COPS_EUNSUPPORTED;
    close(fd); /* nobody but root or its owner can replace it since */
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module)
        return error_set(err, COPS_EUNSUPPORTED, "it cannot be loaded: %s", dlerror());
    module_entry *entry = (module_entry *)dlsym(module, entry_name);
    if (entry)
        *offered = entry(abi, host);
    if (!*offered) {
        dlclose(module);
        return error_set(err, COPS_EUNSUPPORTED, "%s is not the module of this cops (%s): "
                         "reinstall cops", path, abi);
    }
    return 0;
}

const void *module_get(module_slot *slot)
{
    pthread_mutex_lock(&slot->lock);
    if (!slot->tried) {
        slot->tried = 1;
        module_load(slot->folder, slot->name, slot->entry_name, slot->abi, slot->host,
                    &slot->offered, &slot->failure);
    }
    const void *offered = slot->offered;
    pthread_mutex_unlock(&slot->lock);
    return offered;
}
