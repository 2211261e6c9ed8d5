/*
 * fuzz-analyzer.c — analyzer_run on hostile bytes, stemmed (english) and
 * with ANALYZE_NO_STEM, checking in the callback what analysis/analyzer.h
 * promises: ranges inside the input and in order, terms non-empty,
 * NUL-terminated, well-formed UTF-8 without bytes below 0x20 and at most
 * ANALYZER_MAX_TERM_BYTES long, positions consecutive from
 * first_position, counts and next_position consistent.
 *
 * Input: byte 0 chooses an early stop (emit returns non-zero after that
 * many tokens when below 64), the rest is the text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static analyzer *the_analyzer;

typedef struct check_state {
    const char *text;
    size_t length;
    uint32_t next_position;
    size_t last_start;
    uint64_t tokens;     /* words */
    uint64_t emitted;    /* words and joined tokens */
    uint64_t stop_after; /* 0 = never */
    int joined;          /* ANALYZE_JOINED given */
} check_state;

static int check_token(void *context, const analyzer_token *token)
{
    check_state *s = context;
    FUZZ_CHECK(token->term != NULL);
    FUZZ_CHECK(token->term_length >= 1);
    FUZZ_CHECK(token->term_length <= ANALYZER_MAX_TERM_BYTES);
    FUZZ_CHECK(token->term[token->term_length] == '\0');
    FUZZ_CHECK(strlen(token->term) == token->term_length);
    FUZZ_CHECK(fuzz_utf8_valid(token->term, token->term_length));
    for (size_t i = 0; i < token->term_length; i++)
        FUZZ_CHECK((unsigned char)token->term[i] >= 0x20);
    FUZZ_CHECK(token->start < token->end);
    FUZZ_CHECK(token->end <= s->length);
    FUZZ_CHECK(token->start >= s->last_start);
    if (token->joined) {
        /* right after its compound's first part: that part's position
         * and start, spanning at least it */
        FUZZ_CHECK(s->joined && s->tokens > 0);
        FUZZ_CHECK(token->position + 1 == s->next_position);
        FUZZ_CHECK(token->start == s->last_start);
    } else {
        FUZZ_CHECK(token->position == s->next_position);
        s->next_position = token->position + 1;
        s->tokens++;
    }
    s->last_start = token->start;
    s->emitted++;
    if (s->stop_after && s->emitted == s->stop_after)
        return 7;
    return 0;
}

static void run_once(const char *text, size_t length, int flags, uint64_t stop_after,
                     uint32_t first_position)
{
    check_state state = {text, length, first_position, 0, 0, 0, stop_after,
                         (flags & ANALYZE_JOINED) != 0};
    analyzer_counts counts;
    analyzer_counts_init(&counts);
    uint32_t next_position = 0xdeadbeef;
    int rc = analyzer_run(the_analyzer, text, length, first_position, flags, check_token,
                          &state, &counts, &next_position);
    if (rc == COPS_ENOMEM)
        return;
    if (rc == 7) {
        FUZZ_CHECK(stop_after && state.emitted == stop_after);
        return;
    }
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(counts.tokens == state.tokens);
    FUZZ_CHECK(next_position == state.next_position);
    if (counts.invalid_sequences)
        FUZZ_CHECK(counts.first_invalid_offset < length);
    else
        FUZZ_CHECK(counts.first_invalid_offset == SIZE_MAX);
    FUZZ_CHECK(counts.long_tokens <= counts.tokens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!the_analyzer) {
        analyzer_config config;
        analyzer_config_init(&config);
        cops_error err;
        if (analyzer_new(&config, &the_analyzer, &err) != 0) {
            fprintf(stderr, "analyzer_new: %s\n", err.message);
            abort();
        }
    }
    if (size == 0)
        return 0;
    uint64_t stop_after = data[0] < 64 ? data[0] : 0;
    /* An exact-size heap copy, so reading past the end is caught. */
    size_t length = size - 1;
    char *text = malloc(length ? length : 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, length);
    run_once(text, length, 0, stop_after, 0);
    run_once(text, length, ANALYZE_NO_STEM, stop_after, 1000);
    run_once(text, length, ANALYZE_JOINED, stop_after, 0);
    free(text);
    return 0;
}
