/*
 * ignore.c — gitignore-syntax patterns (ignore.h), matched component by
 * component with fnmatch(3), '**' handled here.
 */
#include "config.h"

#include "indexer/ignore.h"

#include <fnmatch.h>
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
} ignore_pattern;

struct ignore_rules {
    char *base;          /* "" or "dir/sub" relative to the root */
    ignore_pattern *patterns;
    size_t count, capacity;
    size_t stopped_line; /* the first line not read (over the cap), or 0 */
};

void ignore_rules_free(ignore_rules *rules)
{
    if (!rules)
        return;
    for (size_t i = 0; i < rules->count; i++)
        free(rules->patterns[i].text);
    free(rules->patterns);
    free(rules->base);
    free(rules);
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
    ignore_pattern pattern = {NULL, 0, 0, 0};
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
    if (!(pattern.text = strndup(line, length)))
        return COPS_ENOMEM;
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
        if (max_patterns > 0 && rules->count > max_patterns) {
            /* Over the cap: this line's pattern and the rest are dropped
             * (comments and blank lines after the last pattern are not). */
            free(rules->patterns[--rules->count].text);
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
 * both); "**" matches any run of components, tried shortest first. */
static int match_components(char *const *pattern, size_t pattern_count, char *const *path,
                            size_t path_count)
{
    if (pattern_count == 0)
        return path_count == 0;
    if (strcmp(pattern[0], "**") == 0) {
        for (size_t skip = 0; skip <= path_count; skip++)
            if (match_components(pattern + 1, pattern_count - 1, path + skip, path_count - skip))
                return 1;
        return 0;
    }
    return path_count > 0 && fnmatch(pattern[0], path[0], 0) == 0
           && match_components(pattern + 1, pattern_count - 1, path + 1, path_count - 1);
}

/* `pattern` against `path`: anchored, the whole path; else its last
 * component. */
static int pattern_matches(const char *pattern, int anchored, const char *path)
{
    if (!anchored) {
        const char *slash = strrchr(path, '/');
        return fnmatch(pattern, slash ? slash + 1 : path, 0) == 0;
    }
    char *pattern_copy = strdup(pattern), *path_copy = strdup(path);
    char *pattern_parts[IGNORE_MAX_COMPONENTS], *path_parts[IGNORE_MAX_COMPONENTS];
    int matched = 0;
    if (pattern_copy && path_copy) {
        size_t pattern_count = split_components(pattern_copy, pattern_parts);
        size_t path_count = split_components(path_copy, path_parts);
        matched = pattern_count && path_count
                  && match_components(pattern_parts, pattern_count, path_parts, path_count);
    }
    free(pattern_copy);
    free(path_copy);
    return matched;
}

size_t ignore_rules_stopped_line(const ignore_rules *rules)
{
    return rules->stopped_line;
}

int ignore_rules_match(const ignore_rules *rules, const char *path, int is_directory)
{
    size_t base_length = strlen(rules->base);
    if (base_length > 0) {
        if (strncmp(path, rules->base, base_length) != 0 || path[base_length] != '/')
            return 0;
        path += base_length + 1;
    }
    for (size_t i = rules->count; i-- > 0;) {
        const ignore_pattern *pattern = &rules->patterns[i];
        if (pattern->directory_only && !is_directory)
            continue;
        if (pattern_matches(pattern->text, pattern->anchored, path))
            return pattern->negated ? -1 : 1;
    }
    return 0;
}

int ignore_pattern_matches(const char *pattern, const char *path, int is_directory)
{
    ignore_rules *rules;
    if (ignore_rules_parse(pattern, strlen(pattern), "", 0, &rules) != 0)
        return 0;
    int verdict = ignore_rules_match(rules, path, is_directory);
    ignore_rules_free(rules);
    return verdict == 1;
}
