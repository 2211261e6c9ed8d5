/*
 * op-common.c — what the operators share (matcher.h, "Shared by the
 * operators"): freeing a tree, the out-of-memory flag of an iteration,
 * the leapfrog of a conjunction and the sums of the children's bounds.
 */
#include "config.h"

#include "query/matcher.h"

void matcher_free(matcher *m)
{
    if (m)
        m->ops->free(m);
}

static _Thread_local int ran_out_of_memory;

void matcher_out_of_memory(void) { ran_out_of_memory = 1; }

int matcher_ran_out_of_memory(void)
{
    int ran_out = ran_out_of_memory;
    ran_out_of_memory = 0;
    return ran_out;
}

uint32_t matcher_conjunction_next(matcher **children, size_t count, size_t leader, uint32_t target)
{
    matcher *lead = children[leader];
    uint32_t candidate = matcher_next_geq(lead, target);
    size_t agreed = 1;
    while (candidate != MATCHER_END && agreed < count) {
        agreed = 1;
        for (size_t i = 0; i < count; i++) {
            if (i == leader)
                continue;
            uint32_t doc = matcher_next_geq(children[i], candidate);
            if (doc != candidate) {
                candidate = doc == MATCHER_END ? MATCHER_END : matcher_next_geq(lead, doc);
                break;
            }
            agreed++;
        }
    }
    return candidate;
}

void matcher_fill_window(matcher *m, uint64_t *window, uint32_t first, uint32_t end)
{
    if (m->ops->fill_window) {
        m->ops->fill_window(m, window, first, end);
        return;
    }
    /* m->doc may already stand at or past `first` (a lower bound left by
     * the last window): next_geq then returns at once. */
    for (uint32_t doc = matcher_next_geq(m, first); doc < end; doc = matcher_next_geq(m, doc + 1))
        window[(doc - first) >> 6] |= (uint64_t)1 << ((doc - first) & 63);
}

/* A portable build has no -mpopcnt, so __builtin_popcountll is a call
 * of libgcc's ~20 instructions: where the processor has the instruction
 * (asked at run time, as the codec asks for AVX2) a loop compiled for it
 * counts instead, and elsewhere the empty words are skipped. */
static uint64_t count_bits_portable(const uint64_t *words, size_t count)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        if (words[i])
            total += (uint64_t)__builtin_popcountll(words[i]);
    return total;
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("popcnt"))) static uint64_t count_bits_popcnt(const uint64_t *words,
                                                                   size_t count)
{
    /* four words a step in two sums: the loop's own instructions were
     * half of a window's count */
    uint64_t even = 0, odd = 0;
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        even += (uint64_t)__builtin_popcountll(words[i]) + (uint64_t)__builtin_popcountll(words[i + 2]);
        odd += (uint64_t)__builtin_popcountll(words[i + 1]) + (uint64_t)__builtin_popcountll(words[i + 3]);
    }
    for (; i < count; i++)
        even += (uint64_t)__builtin_popcountll(words[i]);
    return even + odd;
}

uint64_t matcher_count_bits(const uint64_t *words, size_t count)
{
    return __builtin_cpu_supports("popcnt") ? count_bits_popcnt(words, count)
                                            : count_bits_portable(words, count);
}
#else
uint64_t matcher_count_bits(const uint64_t *words, size_t count)
{
    return count_bits_portable(words, count);
}
#endif

double matcher_sum_max_scores(matcher **children, size_t count)
{
    double bound = 0.0;
    for (size_t i = 0; i < count; i++)
        bound += children[i]->ops->max_score(children[i]);
    return bound;
}

double matcher_sum_block_bounds(matcher **children, size_t count, uint32_t target, uint32_t *last)
{
    double bound = 0.0;
    *last = MATCHER_END;
    for (size_t i = 0; i < count; i++) {
        uint32_t child_last;
        bound += children[i]->ops->block_bound(children[i], target, &child_last);
        if (child_last < *last)
            *last = child_last;
    }
    return bound;
}
