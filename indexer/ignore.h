/*
 * ignore.h — what a walk leaves out: gitignore-syntax patterns from
 * .copsignore files and from the command line (--exclude), and the
 * --glob patterns a file must match.
 *
 * Pattern syntax (gitignore(5), matched with fnmatch(3) per component):
 *
 *   # comment       a line starting with '#' (write "\#" for a literal one)
 *   name            any file or folder called `name`, at any depth
 *   *.log           '*', '?' and [...] do not cross a '/'
 *   dir/            a trailing '/' matches folders only
 *   /build          a leading '/' anchors to the ignore file's folder (or
 *                   the root, for --exclude); so does a '/' in the middle:
 *                   "doc/tmp" is "/doc/tmp"
 *   a/STARSTAR/b    (STARSTAR standing for two '*', which a C comment
 *                   cannot hold before a '/') '**' as a whole component
 *                   matches zero or more folders: "STARSTAR/x" is x at
 *                   any depth, "x/STARSTAR" everything inside x
 *   !pattern        negation: re-include what an earlier pattern left out
 *                   (not below a folder that is itself left out: the walk
 *                   never enters it)
 *
 * Trailing spaces are dropped (unless escaped with '\'); blank lines are
 * ignored.  The last pattern that matches decides; a .copsignore in a
 * folder applies below it, after those of the folders above it, and the
 * --exclude patterns come before all of them.
 */
#ifndef COPS_INDEXER_IGNORE_H
#define COPS_INDEXER_IGNORE_H

#include <stddef.h>
#include <stdint.h>

#include "cops.h"

/* One file of patterns (or the command line's), relative to `base`. */
typedef struct ignore_rules ignore_rules;

/* The most patterns a .copsignore is read for: matching costs patterns x
 * paths, and the file is written by whoever wrote the documents. */
#define IGNORE_MAX_FILE_PATTERNS 1000

/* The most patterns of .copsignore files in effect at once (a folder's
 * and those of the folders above it), each file read for at most the
 * room they leave: every path is tried against all of them, so capping
 * each file alone let a tree of nested folders, each with a full file,
 * cost its depth x 1000 per path (1000 folders deep, 5 files each: 44 s
 * of CPU for 5000 files). */
#define IGNORE_MAX_WALK_PATTERNS 10000

/* Parse `text` (`length` bytes, one pattern per line) into *out (OUT,
 * free with ignore_rules_free).  `base`: the folder the patterns are
 * relative to, as a path relative to the walk's root ("" for the root).
 * At most `max_patterns` patterns are kept (SIZE_MAX: no cap); the line where
 * reading stopped is then ignore_rules_stopped_line's.
 * Returns 0 or COPS_ENOMEM. */
int ignore_rules_parse(const char *text, size_t length, const char *base, size_t max_patterns,
                       ignore_rules **out);
void ignore_rules_free(ignore_rules *rules);

/* The line (from 1) of the first pattern over the cap, which and every
 * line after it were not read; 0 when the whole text was. */
size_t ignore_rules_stopped_line(const ignore_rules *rules);
/* The number of patterns kept. */
size_t ignore_rules_count(const ignore_rules *rules);

/* The verdict of `rules` on `path` (relative to the walk's root, no
 * leading '/'), a folder when `is_directory`: 1 ignored, -1 re-included
 * by a negation, 0 no pattern matched.  The last matching pattern
 * decides.  A path outside the rules' base never matches. */
int ignore_rules_match(const ignore_rules *rules, const char *path, int is_directory);

/* 1 when the single pattern `pattern` (gitignore syntax, no negation)
 * matches `path` relative to the root: the --glob test. */
int ignore_pattern_matches(const char *pattern, const char *path, int is_directory);

#endif
