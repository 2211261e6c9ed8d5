/*
 * remove-tree.h — remove a scratch directory and everything below it, for
 * the Criterion tests (testlib.c) and the libFuzzer harnesses
 * (fuzz/fuzz-common.h).  Header-only: a harness links no test library.
 */
#ifndef COPS_TESTS_REMOVE_TREE_H
#define COPS_TESTS_REMOVE_TREE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Remove `path` and everything below it (no symlinks are followed; what
 * cannot be removed is left). */
static inline void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    DIR *dir = opendir(path);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            size_t length = strlen(path) + strlen(entry->d_name) + 2;
            char *child = malloc(length);
            if (!child)
                break;
            snprintf(child, length, "%s/%s", path, entry->d_name);
            remove_tree(child);
            free(child);
        }
        closedir(dir);
    }
    rmdir(path);
}

#endif
