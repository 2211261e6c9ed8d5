/*
 * roots.c — canonical paths and root lists (roots.h).
 */
#include "config.h"

#include "indexer/roots.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "index-format/catalog.h"

/* `path` made absolute and resolved lexically into `out` (PATH_MAX
 * bytes): "." and empty components dropped, ".." removes the component
 * before it (never above "/").  Returns 0 or COPS_EINVAL (too long). */
static int lexical_absolute(const char *path, char *out)
{
    size_t length = 0;
    if (path[0] != '/') {
        if (!getcwd(out, PATH_MAX))
            return COPS_EINVAL;
        length = strlen(out);
        if (length == 1)
            length = 0; /* "/": components append their own '/' */
    }
    out[length] = '\0';
    const char *at = path;
    while (*at) {
        while (*at == '/')
            at++;
        size_t part = strcspn(at, "/");
        if (part == 0)
            break;
        if (part == 2 && at[0] == '.' && at[1] == '.') {
            while (length > 0 && out[length - 1] != '/')
                length--;
            if (length > 0)
                length--; /* the '/' before the dropped component */
        } else if (!(part == 1 && at[0] == '.')) {
            if (length + 1 + part >= PATH_MAX)
                return COPS_EINVAL;
            out[length++] = '/';
            memcpy(out + length, at, part);
            length += part;
        }
        out[length] = '\0';
        at += part;
    }
    if (length == 0)
        strcpy(out, "/");
    return 0;
}

/* `absolute` (lexical form, PATH_MAX bytes) with its longest existing
 * prefix resolved by realpath.  0, COPS_EINVAL (too long), COPS_ENOMEM. */
static int resolve_existing_prefix(char *absolute)
{
    size_t length = strlen(absolute);
    char resolved[PATH_MAX];
    for (size_t cut = length; cut > 0; cut--) {
        if (absolute[cut] != '/' && absolute[cut] != '\0')
            continue;
        char saved = absolute[cut];
        absolute[cut] = '\0';
        char *real = realpath(absolute, resolved);
        absolute[cut] = saved;
        if (!real && errno == ENOMEM)
            return COPS_ENOMEM;
        if (!real)
            continue;
        size_t real_length = strlen(resolved);
        if (real_length == 1)
            real_length = 0;
        if (real_length + (length - cut) >= PATH_MAX)
            return COPS_EINVAL;
        memmove(absolute + real_length, absolute + cut, length - cut + 1);
        memcpy(absolute, resolved, real_length);
        if (absolute[0] == '\0')
            strcpy(absolute, "/");
        return 0;
    }
    return 0;
}

int roots_canonical(const char *path, char **out)
{
    *out = NULL;
    if (!path || !*path || strlen(path) >= PATH_MAX)
        return COPS_EINVAL;
    char buffer[PATH_MAX];
    struct stat status;
    if (stat(path, &status) == 0) {
        if (realpath(path, buffer))
            ;
        else if (errno == ENOMEM)
            return COPS_ENOMEM; /* not a different identity */
        else if (lexical_absolute(path, buffer) != 0)
            return COPS_EINVAL; /* a pipe realpath cannot name: as given, absolute */
    } else {
        int rc = lexical_absolute(path, buffer);
        if (rc == 0)
            rc = resolve_existing_prefix(buffer);
        if (rc != 0)
            return rc;
    }
    *out = strdup(buffer);
    return *out ? 0 : COPS_ENOMEM;
}

int roots_contains(const char *root, const char *path)
{
    return catalog_path_in_root(root, path);
}

int roots_any_contains(const roots_list *list, const char *path)
{
    return catalog_roots_contain((const char *const *)list->paths, list->count, path);
}

void roots_remove_under(roots_list *list, const char *path)
{
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (roots_contains(path, list->paths[i]))
            free(list->paths[i]);
        else
            list->paths[kept++] = list->paths[i];
    }
    list->count = kept;
}

int roots_add(roots_list *list, const char *path)
{
    if (roots_any_contains(list, path))
        return 0;
    roots_remove_under(list, path);
    if (ARRAY_RESERVE_ONE(list->paths, list->capacity, list->count, 8) != 0)
        return COPS_ENOMEM;
    char *copy = strdup(path);
    if (!copy)
        return COPS_ENOMEM;
    size_t at = list->count;
    while (at > 0 && strcmp(list->paths[at - 1], copy) > 0) {
        list->paths[at] = list->paths[at - 1];
        at--;
    }
    list->paths[at] = copy;
    list->count++;
    return 0;
}

void roots_free(roots_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->paths[i]);
    free(list->paths);
    memset(list, 0, sizeof *list);
}
