/*
 * roots.h — document identity and the roots of an index.
 *
 * A file document's identity is its canonical absolute path: what
 * realpath(3) gives for the path named on the command line, then the
 * names met walking down from there (links inside folders are not
 * followed by default, so those names are canonical too).  The same
 * folder named as ".", as an absolute path or as "../x" therefore gives
 * the same identities, and a file is the same document whatever the
 * working directory of the run that indexed it.
 *
 * The roots of an index are the canonical paths it was asked to index;
 * the native catalog keeps them (index-format/FORMAT.md §5.2).  A run
 * refreshes only the roots it names: a document lies in a root when its
 * path equals the root or continues it after a '/'.
 */
#ifndef COPS_INDEXER_ROOTS_H
#define COPS_INDEXER_ROOTS_H

#include <stddef.h>

#include "cops.h"

/* The canonical absolute form of `path` into *out (malloc'd, the caller
 * frees it): realpath(3) when `path` exists and resolves to a file or
 * folder; else `path` made absolute (against the current directory) with
 * ".", ".." and repeated '/' resolved lexically, its longest existing
 * prefix resolved by realpath(3) (a removed file of a linked folder still
 * gets the identity it had).  A pipe such as /dev/fd/63 or /dev/stdin,
 * which realpath cannot name, keeps its lexical absolute form.
 * Returns 0, COPS_ENOMEM, or COPS_EINVAL for an empty path or one
 * longer than PATH_MAX. */
int roots_canonical(const char *path, char **out);

/* 1 when `path` is `root` or lies below it ("root/..."); both canonical. */
int roots_contains(const char *root, const char *path);

/* A list of roots, each malloc'd; roots_free frees them and the array. */
typedef struct roots_list {
    char **paths;
    size_t count, capacity;
} roots_list;

/* Add a copy of `path` unless a root already contains it; roots it
 * contains are dropped (a folder named after one of its files replaces
 * it).  Kept sorted.  COPS_ENOMEM on failure. */
int roots_add(roots_list *list, const char *path);
/* Drop every root that `path` contains (equal or below it). */
void roots_remove_under(roots_list *list, const char *path);
/* 1 when one of `list` contains `path`. */
int roots_any_contains(const roots_list *list, const char *path);
void roots_free(roots_list *list);

#endif
