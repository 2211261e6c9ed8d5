/*
 * names.c — the writer's file names (names.h).
 */
#include "config.h"

#include "index-format/names.h"

#include <stdio.h>
#include <string.h>

#include "base/file.h"

void names_segment(char out[MANIFEST_MAX_NAME], uint64_t generation)
{
    snprintf(out, MANIFEST_MAX_NAME, "seg-%06llu.cops", (unsigned long long)generation);
}

void names_deletions(char out[MANIFEST_MAX_NAME], const char *segment, uint64_t generation)
{
    /* The segment's number: only its digits (a manifest from elsewhere
     * may name a segment otherwise), so the name stays a plain one. */
    const char *number = strncmp(segment, "seg-", 4) == 0 ? segment + 4 : "";
    size_t digits = strspn(number, "0123456789");
    snprintf(out, MANIFEST_MAX_NAME, "del-%.*s-%06llu.bits", (int)(digits < 6 ? digits : 6), number,
             (unsigned long long)generation);
}

void names_catalog(char out[MANIFEST_MAX_NAME], uint64_t generation)
{
    snprintf(out, MANIFEST_MAX_NAME, "files-%06llu.cat", (unsigned long long)generation);
}

void names_run(char out[MANIFEST_MAX_NAME], size_t number)
{
    snprintf(out, MANIFEST_MAX_NAME, "run-%06zu.tmp", number);
}

/* Consume a number exactly as "%06llu" prints one: at least six digits,
 * and no leading zero beyond those six.  `exactly_six`: what "%.6s" of
 * such a number leaves. */
static int take_number(const char **p, int exactly_six)
{
    size_t digits = 0;
    while ((*p)[digits] >= '0' && (*p)[digits] <= '9')
        digits++;
    int ok = exactly_six ? digits == 6 : digits >= 6 && digits <= 20 && (digits == 6 || **p != '0');
    *p += digits;
    return ok;
}

/* `name` is `prefix` number `suffix` (number as take_number). */
static int matches(const char *name, const char *prefix, const char *suffix)
{
    size_t prefix_length = strlen(prefix);
    if (strncmp(name, prefix, prefix_length) != 0)
        return 0;
    const char *p = name + prefix_length;
    return take_number(&p, 0) && strcmp(p, suffix) == 0;
}

static int is_deletions(const char *name)
{
    const char *p = name + 4;
    return strncmp(name, "del-", 4) == 0 && take_number(&p, 1) && *p++ == '-'
           && take_number(&p, 0) && strcmp(p, ".bits") == 0;
}

int names_generated(const char *name)
{
    if (matches(name, "seg-", ".cops") || matches(name, "files-", ".cat")
        || matches(name, "run-", ".tmp") || is_deletions(name))
        return 1;
    size_t base = file_temporary_base_length(name);
    if (base == 0 || base >= MANIFEST_MAX_NAME)
        return 0;
    char replaced[MANIFEST_MAX_NAME];
    memcpy(replaced, name, base);
    replaced[base] = '\0';
    return strcmp(replaced, MANIFEST_NAME) == 0 || matches(replaced, "files-", ".cat")
           || is_deletions(replaced);
}

int names_writer_made(const char *name)
{
    return strcmp(name, NAMES_LOCK) == 0 || names_generated(name);
}
