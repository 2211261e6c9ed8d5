/*
 * ignore.c — gitignore-syntax patterns (ignore.h), matched component by
 * component with fnmatch(3), '**' handled here.
 */
#include "config.h"

#include "indexer/ignore.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"

/* Bounds: a pattern file is small; these keep a hostile one cheap. */
#define IGNORE_MAX_COMPONENTS 64

typedef struct ignore_pattern {
    char *text;          /* the pattern, without '!', leading or trailing '/' */
    int negated;
    int directory_only;
    int anchored;        /* matched against the whole relative path */
    /* An anchored pattern split at '/' once, when read (into a copy of
     * text), not at every path: part_count is 0 when it has too many. */
    char *split_text;
    char **parts;
    size_t part_count;
    int first_literal;   /* parts[0] has no wildcard: a strcmp rules most paths out */
} ignore_pattern;

struct ignore_rules {
    char *base;          /* "" or "dir/sub" relative to the root */
    ignore_pattern *patterns;
    size_t count, capacity;
    size_t stopped_line; /* the first line not read (over the cap), or 0 */
};

static void pattern_free(ignore_pattern *pattern)
{
    free(pattern->text);
    free(pattern->split_text);
    free(pattern->parts);
}

void ignore_rules_free(ignore_rules *rules)
{
    if (!rules)
        return;
    for (size_t i = 0; i < rules->count; i++)
        pattern_free(&rules->patterns[i]);
    free(rules->patterns);
    free(rules->base);
    free(rules);
}

static size_t split_components(char *text, char **parts);

/* Split an anchored `pattern`'s text into its parts (ignore_pattern). */
static int split_pattern(ignore_pattern *pattern)
{
    char *parts[IGNORE_MAX_COMPONENTS];
    if (!(pattern->split_text = strdup(pattern->text)))
        return COPS_ENOMEM;
    pattern->part_count = split_components(pattern->split_text, parts);
    if (pattern->part_count == 0)
        return 0;
    if (!(pattern->parts = malloc(pattern->part_count * sizeof *pattern->parts)))
        return COPS_ENOMEM;
    memcpy(pattern->parts, parts, pattern->part_count * sizeof *pattern->parts);
    pattern->first_literal = strpbrk(parts[0], "*?[\\") == NULL;
    return 0;
}

/* One line into `rules` (blank lines and comments add nothing). */
static int parse_line(ignore_rules *rules, const char *line, size_t length)
{
    /* Trailing spaces go, unless the last is escaped. */
    while (length > 0 && line[length - 1] == ' '
           && !(length > 1 && line[length - 2] == '\\'))
        length--;
    if (length > 0 && line[length - 1] == '\r')
        length--;
    if (length == 0 || line[0] == '#')
        return 0;
    ignore_pattern pattern = {NULL, 0, 0, 0, NULL, NULL, 0, 0};
    if (line[0] == '!') {
        pattern.negated = 1;
        line++;
        length--;
    }
    if (length > 0 && line[length - 1] == '/') {
        pattern.directory_only = 1;
        length--;
    }
    if (length > 0 && line[0] == '/') {
        pattern.anchored = 1;
        line++;
        length--;
    }
    if (length == 0)
        return 0;
    if (memchr(line, '/', length))
        pattern.anchored = 1; /* a '/' in the middle anchors too */
    if (ARRAY_RESERVE_ONE(rules->patterns, rules->capacity, rules->count, 8) != 0)
        return COPS_ENOMEM;
    if (!(pattern.text = strndup(line, length))
        || (pattern.anchored && split_pattern(&pattern) != 0)) {
        pattern_free(&pattern);
        return COPS_ENOMEM;
    }
    rules->patterns[rules->count++] = pattern;
    return 0;
}

int ignore_rules_parse(const char *text, size_t length, const char *base, size_t max_patterns,
                       ignore_rules **out)
{
    *out = NULL;
    ignore_rules *rules = calloc(1, sizeof *rules);
    if (!rules || !(rules->base = strdup(base))) {
        free(rules);
        return COPS_ENOMEM;
    }
    size_t at = 0;
    for (size_t line = 1; at < length; line++) {
        const char *newline = memchr(text + at, '\n', length - at);
        size_t end = newline ? (size_t)(newline - text) : length;
        if (memchr(text + at, '\0', end - at) == NULL && parse_line(rules, text + at, end - at) != 0) {
            ignore_rules_free(rules);
            return COPS_ENOMEM;
        }
        if (rules->count > max_patterns) {
            /* Over the cap: this line's pattern and the rest are dropped
             * (comments and blank lines after the last pattern are not). */
            pattern_free(&rules->patterns[--rules->count]);
            rules->stopped_line = line;
            break;
        }
        at = end + 1;
    }
    *out = rules;
    return 0;
}

/* Split `text` (modified) at '/' into at most IGNORE_MAX_COMPONENTS parts;
 * returns the count, or 0 when there are more. */
static size_t split_components(char *text, char **parts)
{
    size_t count = 0;
    for (char *at = text;;) {
        if (count == IGNORE_MAX_COMPONENTS)
            return 0;
        parts[count++] = at;
        char *slash = strchr(at, '/');
        if (!slash)
            return count;
        *slash = '\0';
        at = slash + 1;
    }
}

/* Whether pattern components match path components exactly (all of
 * both); "**" matches any run of components.  Greedy with one step back
 * to the last "**" (as for '*' in a string): a pattern component matches
 * exactly one path component, so a later "**" can absorb whatever an
 * earlier one would have, and trying every split (exponential in the
 * "**" count: a hostile .copsignore of 20 hung the walk) is never needed.
 * At most pattern_count * path_count fnmatch calls. */
static int match_components(char *const *pattern, size_t pattern_count, char *const *path,
                            size_t path_count)
{
    size_t p = 0, s = 0, star = SIZE_MAX, star_s = 0;
    while (s < path_count) {
        if (p < pattern_count && strcmp(pattern[p], "**") == 0) {
            star = p++;
            star_s = s;
        } else if (p < pattern_count && fnmatch(pattern[p], path[s], 0) == 0) {
            p++;
            s++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            s = ++star_s;
        } else {
            return 0;
        }
    }
    while (p < pattern_count && strcmp(pattern[p], "**") == 0)
        p++;
    return p == pattern_count;
}

/* A path split once for all the patterns tried on it. */
typedef struct split_path {
    const char *name;    /* the last component */
    char *parts[IGNORE_MAX_COMPONENTS];
    size_t count;        /* 0: too deep (or no memory) for anchored patterns */
} split_path;

/* `pattern` against `path`: anchored, the whole path; else its last
 * component. */
static int pattern_matches(const ignore_pattern *pattern, const split_path *path)
{
    if (!pattern->anchored)
        return fnmatch(pattern->text, path->name, 0) == 0;
    if (pattern->part_count == 0 || path->count == 0
        || (pattern->first_literal && strcmp(pattern->parts[0], path->parts[0]) != 0))
        return 0;
    return match_components(pattern->parts, pattern->part_count, path->parts, path->count);
}

size_t ignore_rules_stopped_line(const ignore_rules *rules)
{
    return rules->stopped_line;
}

size_t ignore_rules_count(const ignore_rules *rules)
{
    return rules->count;
}

int ignore_rules_match(const ignore_rules *rules, const char *path, int is_directory)
{
    size_t base_length = strlen(rules->base);
    if (base_length > 0) {
        if (strncmp(path, rules->base, base_length) != 0 || path[base_length] != '/')
            return 0;
        path += base_length + 1;
    }
    split_path split;
    const char *slash = strrchr(path, '/');
    split.name = slash ? slash + 1 : path;
    char *path_copy = strdup(path);
    split.count = path_copy ? split_components(path_copy, split.parts) : 0;
    int verdict = 0;
    for (size_t i = rules->count; i-- > 0;) {
        const ignore_pattern *pattern = &rules->patterns[i];
        if (pattern->directory_only && !is_directory)
            continue;
        if (pattern_matches(pattern, &split)) {
            verdict = pattern->negated ? -1 : 1;
            break;
        }
    }
    free(path_copy);
    return verdict;
}

int ignore_pattern_matches(const char *pattern, const char *path, int is_directory)
{
    ignore_rules *rules;
    if (ignore_rules_parse(pattern, strlen(pattern), "", SIZE_MAX, &rules) != 0)
        return 0;
    int verdict = ignore_rules_match(rules, path, is_directory);
    ignore_rules_free(rules);
    return verdict == 1;
}
