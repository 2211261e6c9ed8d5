/*
 * module.c — finding and loading cops's own modules (module.h).
 */
#include "config.h"

#include "base/module.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"

/* Whether `here` (a real path) is code of the build tree: the build's
 * libcops (BUILD/.libs), or a program linked with the internal library
 * (a test or benchmark) anywhere under BUILD.  A copy of the library
 * elsewhere under BUILD is not: it finds its modules beside it. */
static int in_build_tree(const char *here, int main_program)
{
    size_t built = strlen(COPS_ABS_BUILDDIR);
    if (strncmp(here, COPS_ABS_BUILDDIR, built) != 0 || here[built] != '/')
        return 0;
    const char *rest = here + built;
    return main_program || (strncmp(rest, "/.libs/", 7) == 0 && !strchr(rest + 7, '/'));
}

/* The one place module NAME of FOLDER may be loaded from (module.h). */
static int module_path(const char *folder, const char *name, char *path, size_t size,
                       cops_error *err)
{
    Dl_info self;
    char *here = NULL;
    if (dladdr((void *)module_path, &self) && self.dli_fname && *self.dli_fname)
        here = realpath(self.dli_fname, NULL);
    char *program = realpath("/proc/self/exe", NULL);
    if (!here) { /* in the main program: one linked with the internal library */
        here = program;
        program = NULL;
    }
    int main_program = !program || strcmp(program, here) == 0;
    free(program);
    if (!here)
        return error_set_errno(err, COPS_EIO, errno, "cannot tell where libcops is");
    int length;
    if (in_build_tree(here, main_program)) {
        length = snprintf(path, size, "%s/%s/.libs/%s.so", COPS_ABS_BUILDDIR, folder, name);
    } else {
        *strrchr(here, '/') = '\0'; /* realpath's answer is absolute */
        length = snprintf(path, size, "%s/cops/modules/%s.so", here, name);
    }
    free(here);
    if (length < 0 || (size_t)length >= size)
        return error_set(err, COPS_ELIMIT, "the path of the module %s is too long", name);
    return 0;
}

int module_load(const char *folder, const char *name, const char *entry_name, const char *abi,
                const void *host, const void **offered, cops_error *err)
{
    char path[PATH_MAX];
    *offered = NULL;
    int rc = module_path(folder, name, path, sizeof path, err);
    if (rc != 0)
        return rc;
    if (access(path, F_OK) != 0)
        return error_set(err, COPS_EUNSUPPORTED, "install it (%s is missing)", path);
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
