/*
 * search.c — the native engine's search (search.h): plan per segment,
 * collect the exact match count and the top hits, then fetch stored
 * documents, snippets and explanations for the hits shown only; and the
 * options and parsing cops_search (engine/engine.c) does for every
 * engine.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/error.h"
#include "cops.h"
#include "query/index.h"
#include "query/parser.h"
#include "query/feedback.h"
#include "query/plan.h"
#include "query/results.h"
#include "query/search.h"
#include "query/snippet.h"
#include "query/stopwords.h"
#include "query/suggest.h"

#define DEFAULT_MAX_PREFIX_TERMS 1000
#define DEFAULT_MAX_QUERY_PREFIX_TERMS 10000
#define MAX_LIMIT 100000000u
#define DEFAULT_STOP_WORD_QUERY_LENGTH 10
#define DEFAULT_FEEDBACK_DOCUMENTS 5
#define DEFAULT_FEEDBACK_TERMS 40
#define DEFAULT_FEEDBACK_QUERY_LENGTH 10
#define DEFAULT_FEEDBACK_WEIGHT 0.85

void cops_search_options_init(cops_search_options *options)
{
    memset(options, 0, sizeof *options);
    options->k1 = 1.2;
    options->b = 0.7;
    options->title_weight = 1.0;
    options->limit = 10;
    options->snippets = 1;
    options->snippet_chars = SNIPPET_DEFAULT_CHARS;
    options->max_prefix_terms = DEFAULT_MAX_PREFIX_TERMS;
    options->max_query_prefix_terms = DEFAULT_MAX_QUERY_PREFIX_TERMS;
    options->exact_total = 1;
    options->stop_word_query_length = DEFAULT_STOP_WORD_QUERY_LENGTH;
    options->feedback_documents = DEFAULT_FEEDBACK_DOCUMENTS;
    options->feedback_terms = DEFAULT_FEEDBACK_TERMS;
    options->feedback_weight = DEFAULT_FEEDBACK_WEIGHT;
    options->feedback_query_length = DEFAULT_FEEDBACK_QUERY_LENGTH;
}

/* ------------------------------------------------------------ top-k */

typedef struct scored_doc {
    double key;              /* what the hits are ordered by (sort_key) */
    double score;
    uint32_t doc;
    uint64_t insertion;      /* the tie-break: where the document stands in insertion
                              * order (segment base + segment_insertion_order), so a
                              * reordered segment ranks ties as it did before */
} scored_doc;

/* a ranks before b: higher key, then earlier inserted. */
static int ranks_before(const scored_doc *a, const scored_doc *b)
{
    return a->key > b->key || (a->key == b->key && a->insertion < b->insertion);
}

/* The key a hit is ranked by (options.sort): its score, or its date
 * (YYYYMMDD; negated for oldest first), undated documents last. */
static double sort_key(cops_sort sort, double score, uint32_t date)
{
    if (sort == COPS_SORT_RELEVANCE)
        return score;
    if (date == 0)
        return -HUGE_VAL;
    return sort == COPS_SORT_DATE_NEWEST ? (double)date : -(double)date;
}

/* A min-heap (the worst kept hit on top) of at most `capacity` hits. */
typedef struct top_heap {
    scored_doc *items;
    size_t count, capacity;
} top_heap;

static void heap_offer(top_heap *h, scored_doc candidate)
{
    if (h->capacity == 0)
        return;
    if (h->count < h->capacity) {
        size_t i = h->count++;
        while (i > 0) {
            size_t parent = (i - 1) / 2;
            if (!ranks_before(&h->items[parent], &candidate))
                break;
            h->items[i] = h->items[parent];
            i = parent;
        }
        h->items[i] = candidate;
        return;
    }
    if (!ranks_before(&candidate, &h->items[0]))
        return;
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && ranks_before(&h->items[child], &h->items[child + 1]))
            child++;
        if (!ranks_before(&candidate, &h->items[child]))
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    h->items[i] = candidate;
}

static int compare_rank(const void *a, const void *b)
{
    const scored_doc *x = a, *y = b;
    if (ranks_before(x, y))
        return -1;
    if (ranks_before(y, x))
        return 1;
    return 0;
}

/* The kept hits in rank order.  A top 10 is sorted in line: qsort's calls
 * through a function pointer cost 1.8k instructions of a rare-word query
 * (ranks_before is a total order, so both sorts give one order). */
#define INSERTION_SORT_MAX 32
static void sort_by_rank(scored_doc *items, size_t count)
{
    if (count > INSERTION_SORT_MAX) {
        qsort(items, count, sizeof *items, compare_rank);
        return;
    }
    for (size_t i = 1; i < count; i++) {
        scored_doc item = items[i];
        size_t at = i;
        for (; at > 0 && ranks_before(&item, &items[at - 1]); at--)
            items[at] = items[at - 1];
        items[at] = item;
    }
}

/* A document to step to, and which of the caller's it is. */
typedef struct document_visit {
    uint32_t doc;
    size_t item;
} document_visit;

static int compare_visit(const void *a, const void *b)
{
    const document_visit *x = a, *y = b;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* What visit_documents steps to: `count` items, item i at document
 * doc(context, i), visited by visit(m, i, context) on the matcher
 * standing there. */
typedef struct document_visitor {
    size_t count;
    uint32_t (*doc)(void *context, size_t item);
    void (*visit)(matcher *m, size_t item, void *context);
    void *context;
} document_visitor;

/* Step a fresh matcher of each segment holding one of the visitor's
 * documents (planned without a threshold, so it scores as the exhaustive
 * search sums) to each of them in document order, and visit it there. */
static int visit_documents(cops_index *index, const lower_plan *plan,
                           const feedback_query *expansion, const cops_search_options *options,
                           plan_cache *cache, const document_visitor *visitor, cops_error *err)
{
    size_t count = visitor->count;
    document_visit *order = count ? malloc(count * sizeof *order) : NULL;
    if (count && !order)
        return error_set(err, COPS_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++)
        order[i] = (document_visit){visitor->doc(visitor->context, i), i};
    qsort(order, count, sizeof *order, compare_visit);
    int rc = 0;
    size_t at = 0;
    for (size_t s = 0; rc == 0 && s < index->segment_count && at < count; s++) {
        uint32_t low = index->bases[s];
        uint32_t high = low + segment_documents(index->segments[s]);
        if (order[at].doc >= high)
            continue;
        matcher *m = NULL;
        rc = feedback_plan_query(index, s, plan, expansion, options, cache, &m, err);
        for (; rc == 0 && at < count && order[at].doc < high; at++) {
            uint32_t local = order[at].doc - low;
            if (matcher_next_geq(m, local) == local)
                visitor->visit(m, order[at].item, visitor->context);
        }
        matcher_free(m);
    }
    free(order);
    return rc;
}

static uint32_t hit_document(void *context, size_t item)
{
    return ((cops_results *)context)->hits[item].doc;
}

static void explain_hit(matcher *m, size_t item, void *context)
{
    cops_hit *hit = &((cops_results *)context)->hits[item];
    byte_buffer text = BUFFER_INIT;
    m->ops->explain(m, &text, 1);
    buffer_append_byte(&text, '\0');
    hit->explanation = buffer_failed(&text) ? NULL : (char *)text.data;
}

/* The per-term contributions to each hit's score. */
static int explain_hits(cops_index *index, const lower_plan *plan,
                        const feedback_query *expansion, const cops_search_options *options,
                        plan_cache *cache, cops_results *results, cops_error *err)
{
    document_visitor visitor = {results->count, hit_document, explain_hit, results};
    return visit_documents(index, plan, expansion, options, cache, &visitor, err);
}

/* The stored text of a hit, read as far as its snippet needs
 * (snippet_source.read_more). */
typedef struct stored_text {
    segment *seg;
    uint32_t local;
    segment_document document;
} stored_text;

static int read_more_text(void *context, size_t max, const char **text, size_t *length,
                          cops_error *err)
{
    stored_text *stored = context;
    int rc = segment_document_extend(stored->seg, stored->local, max, &stored->document, err);
    if (rc != 0)
        return rc;
    /* read already (add_native_hit): the same prefix as a new read */
    *text = stored->document.text;
    *length = stored->document.text_length < max ? stored->document.text_length : max;
    return 0;
}

/* A hit's identifier and title come from the uncompressed metadata; the
 * stored text is inflated only when a snippet is wanted, and only as far
 * as a snippet reads (SNIPPET_FIRST_READ_BYTES, more when nothing matched
 * there). */
static int add_native_hit(cops_index *index, const snippet_plan *highlights,
                          cops_results *results, const scored_doc *found, cops_error *err)
{
    stored_text stored = {0};
    stored.seg = index_locate(index, found->doc, &stored.local);
    segment_metadata meta;
    int rc = segment_read_metadata(stored.seg, stored.local, &meta, err);
    if (rc != 0)
        return rc;
    snippet_source source = {0};
    if (results->options.snippets) {
        /* A block inflated whole for the first read anyway (most are) is
         * read as far as a snippet may ever read, once: a snippet that
         * reads more then costs no second inflation.  The snippet still
         * sees only the first SNIPPET_FIRST_READ_BYTES before it asks. */
        size_t first = segment_document_inflated_whole(stored.seg, stored.local,
                                                       SNIPPET_FIRST_READ_BYTES)
                           ? SNIPPET_TEXT_BYTES : SNIPPET_FIRST_READ_BYTES;
        rc = segment_read_document_prefix(stored.seg, stored.local, first, &stored.document, err);
        if (rc != 0)
            return rc;
        size_t shown = stored.document.text_length < SNIPPET_FIRST_READ_BYTES
                           ? stored.document.text_length : SNIPPET_FIRST_READ_BYTES;
        source = (snippet_source){stored.document.text, shown, stored.document.stored_length,
                                  read_more_text, &stored};
    }
    rc = results_add_hit(results, index->analyzer, highlights, found->doc, found->score, meta.id,
                         meta.id_length, meta.title, meta.title_length,
                         segment_date(stored.seg, stored.local), &source, err);
    segment_document_free(&stored.document);
    for (size_t s = 0; rc == 0 && s < index->segment_count; s++) {
        if (index->segments[s] != stored.seg)
            continue;
        if (index_segment_name(index, s))
            rc = results_set_index_name(results, index_segment_name(index, s), err);
        const char *file = NULL;
        uint64_t line = 0;
        if (rc == 0)
            rc = index_record_source(index, s, stored.local, &file, &line, err);
        if (rc == 0 && line > 0)
            rc = results_set_source(results, file, line, err);
    }
    return rc;
}

int search_settle_options(const cops_search_options *given, cops_search_options *options,
                          cops_error *err)
{
    if (given)
        *options = *given;
    else
        cops_search_options_init(options);
    if (!(options->k1 >= 0 && options->k1 < 1e6) || !(options->b >= 0 && options->b <= 1)
        || !(options->title_weight >= 0 && options->title_weight < 1e6))
        return error_set(err, COPS_EINVAL, "ranking parameters out of range (k1 >= 0, 0 <= b <= 1, "
                         "title weight >= 0)");
    if ((unsigned)options->weight > COPS_WEIGHT_LM
        || !(options->weight_parameter >= 0 && options->weight_parameter < 1e9))
        return error_set(err, COPS_EINVAL, "weighting scheme out of range (bm25, bm25+, bm25l, "
                         "inl2 or lm; parameter >= 0)");
    if (options->feedback_terms == 0)
        options->feedback_terms = DEFAULT_FEEDBACK_TERMS;
    if (options->feedback_weight == 0)
        options->feedback_weight = DEFAULT_FEEDBACK_WEIGHT;
    if (options->feedback_documents > FEEDBACK_MAX_DOCUMENTS
        || options->feedback_terms > FEEDBACK_MAX_TERMS
        || !(options->feedback_weight > 0 && options->feedback_weight <= 1))
        return error_set(err, COPS_EINVAL, "feedback parameters out of range (at most %d documents "
                         "and %d terms, 0 < weight <= 1)", FEEDBACK_MAX_DOCUMENTS,
                         FEEDBACK_MAX_TERMS);
    if (options->limit > MAX_LIMIT || options->offset > MAX_LIMIT)
        return error_set(err, COPS_ELIMIT, "--limit and --offset are bounded by %u", MAX_LIMIT);
    if (options->sort != COPS_SORT_RELEVANCE && options->sort != COPS_SORT_DATE_OLDEST
        && options->sort != COPS_SORT_DATE_NEWEST)
        return error_set(err, COPS_EINVAL, "unknown sort order %d", (int)options->sort);
    if (options->snippet_chars == 0)
        options->snippet_chars = SNIPPET_DEFAULT_CHARS;
    if (options->snippet_chars < SNIPPET_MIN_CHARS || options->snippet_chars > SNIPPET_MAX_CHARS)
        return error_set(err, COPS_ELIMIT, "--snippet-chars: the snippet length is %d to %d bytes",
                         SNIPPET_MIN_CHARS, SNIPPET_MAX_CHARS);
    if (options->max_prefix_terms == 0)
        options->max_prefix_terms = DEFAULT_MAX_PREFIX_TERMS;
    if (options->max_query_prefix_terms == 0)
        options->max_query_prefix_terms = DEFAULT_MAX_QUERY_PREFIX_TERMS;
    return 0;
}

static int is_star(const query_node *node)
{
    return node->kind == QUERY_WORD && node->field == QUERY_FIELD_ANY && node->text
           && strcmp(node->text, "*") == 0;
}

/* `*` matches every document (cops.h): alone it is ALL; among the parts
 * of the top AND it adds nothing and is dropped, one kept as ALL when
 * only exclusions remain ("* -x" = "-x" = (AND (ALL) (NOT x))). */
static void match_all_star(query_node **root)
{
    query_node *node = *root;
    if (is_star(node)) {
        free(node->text);
        node->text = NULL;
        node->kind = QUERY_ALL;
        return;
    }
    if (node->kind != QUERY_AND)
        return;
    query_node *star = NULL;
    size_t kept = 0, positives = 0;
    for (size_t i = 0; i < node->child_count; i++) {
        query_node *child = node->children[i];
        if (!is_star(child)) {
            positives += child->kind != QUERY_NOT;
            node->children[kept++] = child;
        } else if (!star) {
            star = child;
        } else {
            query_free(child);
        }
    }
    node->child_count = kept;
    if (star && positives == 0) {
        /* ALL first, as the parser puts it (parser.h, canonical shapes) */
        memmove(node->children + 1, node->children, kept * sizeof *node->children);
        free(star->text);
        star->text = NULL;
        star->kind = QUERY_ALL;
        node->children[0] = star;
        node->child_count = kept + 1;
    } else if (star) {
        query_free(star);
    }
    if (node->child_count == 1) {
        *root = node->children[0];
        node->child_count = 0;
        query_free(node);
    }
}

int search_parse(const char *query_text, const cops_search_options *options, query_node **out,
                 cops_error *err)
{
    int flags = (options->literal ? QUERY_PARSE_LITERAL : 0)
                | (options->default_op == COPS_OP_OR ? QUERY_PARSE_DEFAULT_OR : 0);
    int rc = query_parse(query_text, flags, out, err);
    if (rc == 0 && !options->literal)
        match_all_star(out);
    return rc;
}

/* A count only: whether to count by bitset windows (matcher.h,
 * matcher_fill_window) rather than document by document.  A window costs
 * a clear and a popcount of MATCHER_WINDOW / 64 words whatever it holds
 * (empty stretches between matches are skipped), so windows pay once the
 * matcher averages a few postings per window: at least one per
 * COUNT_WINDOW_DENSITY documents (callgrind: a union of two keys of 248
 * postings in 17,824 documents already costs 9 % fewer instructions by
 * windows, a key of 16 postings 1 % more). */
#define COUNT_WINDOW_DENSITY 512
static int counts_by_windows(const matcher *m, uint32_t documents)
{
    return m->ops->fill_window != NULL && m->cost >= documents / COUNT_WINDOW_DENSITY;
}

/* Bits first_bit .. first_bit + 63 of a deletion bitmap (0 past its end;
 * first_bit a multiple of 8).  Inside the bitmap, one load on a
 * little-endian machine: assembled byte by byte, the word cost a common
 * word's exact total 55k instructions (callgrind, wiki-dev), a fifth of
 * its count. */
static uint64_t deletion_word(const deletions *deleted, uint32_t first_bit)
{
    uint64_t word = 0;
    size_t bytes = ((size_t)deleted->documents + 7) / 8;
    size_t at = first_bit / 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (at + 8 <= bytes) {
        memcpy(&word, deleted->bits + at, 8);
        return word;
    }
#endif
    for (size_t i = 0; i < 8 && at + i < bytes; i++)
        word |= (uint64_t)deleted->bits[at + i] << (8 * i);
    return word;
}

/* The number of undeleted documents `m` matches, one window of
 * MATCHER_WINDOW documents at a time from document 0 (not from m's first
 * match: finding it may move a child past a document the first window
 * needs, an exclusion's for one); later windows start where the matcher
 * says its next match may be, rounded down to a multiple of 64 (whole
 * deletion bytes) but never below the last window's end, which every
 * child has reached. */
static uint64_t count_by_windows(matcher *m, const deletions *deleted, uint32_t documents)
{
    uint64_t window[MATCHER_WINDOW / 64] = {0};
    uint64_t total = 0;
    uint32_t first = 0;
    while (first < documents) {
        uint32_t end = documents - first > MATCHER_WINDOW ? first + MATCHER_WINDOW : documents;
        matcher_fill_window(m, window, first, end);
        size_t words = (end - first + 63) / 64;
        for (size_t w = 0; deleted->bits && w < words; w++)
            if (window[w])
                window[w] &= ~deletion_word(deleted, first + 64 * (uint32_t)w);
        total += matcher_count_bits(window, words);
        memset(window, 0, words * sizeof *window);
        first = m->doc > end ? m->doc & ~(uint32_t)63 : end;
    }
    return total;
}

/* The date histogram (cops_search_options.date_histogram): each
 * undeleted match of `m` counted in `results`' total and in its month. */
static int count_by_months(matcher *m, const deletions *deleted, segment *seg,
                           cops_results *results, cops_error *err)
{
    int rc = 0;
    for (uint32_t doc = matcher_next_geq(m, 0); rc == 0 && doc != MATCHER_END;
         doc = matcher_next_geq(m, doc + 1)) {
        if (deletions_test(deleted, doc))
            continue;
        results->total++;
        rc = results_count_date(results, segment_date(seg, doc), err);
    }
    return rc;
}

/* Whether a plan holds a node whose matches are costly to confirm or to
 * plan in segment `seg`: a phrase or NEAR (a count must read the
 * positions of every candidate, so scoring them as well adds little) or a
 * fuzzy word (its bucket scan would run twice).  Not a phrase of two words
 * the segment has a pair key for (plan_pair_key: a count of its body
 * version reads that key's documents, and its title version's words have
 * short title lists). */
static int costly_to_count_apart(segment *seg, const lower_node *node)
{
    segment_term pair;
    /* damage met here is met again by the count's own plan */
    if (node->kind == LOWER_PHRASE && plan_pair_key(seg, node, 1, &pair, NULL) > 0)
        return 0;
    if (node->kind == LOWER_PHRASE || node->kind == LOWER_NEAR || node->kind == LOWER_FUZZY)
        return 1;
    for (size_t i = 0; i < node->child_count; i++)
        if (costly_to_count_apart(seg, node->children[i]))
            return 1;
    return 0;
}

/* The top hits with an exact total (the command line's default): rather
 * than scoring every match, the top hits come from the pruned search and
 * the total from a second matcher of the same plan that counts (by
 * windows where they pay: document numbers only, no frequency or score),
 * or for a word from its keys' postings (plan_count_two_terms).
 * Only for a disjunction, where MaxScore skips most of the matches: of
 * any size (callgrind on wiki-dev's 300 disjunctions of 2 to 5 words,
 * exact total over pruned top 10: 1.59 counted apart from 4,096
 * postings, 1.35 from 1,024, 1.347 always; the words' plans are
 * cached, so a count's plan costs little); a conjunction
 * scores few more matches than its ranked form visits.  A phrase's plan is
 * the OR of its body and title versions: counted apart when a pair key
 * counts it (wiki-dev's 300 bench phrases, exact total over pruned top
 * 10: 2.98 without pair keys, 2.29 with them; 2.35 once their keys also
 * filter the other phrases, which makes both cheaper: 788 M over 336 M
 * where it was 817 M over 357 M).  Not when the plan
 * is costly to count apart (above), when the hits are ranked by date, or
 * when the operators do not prune. */
static int count_apart(segment *seg, const lower_plan *plan, const cops_search_options *options,
                       size_t wanted, const matcher *m)
{
    const lower_node *root = plan->root;
    while ((root->kind == LOWER_SCALE || root->kind == LOWER_TITLE) && root->child_count == 1)
        root = root->children[0];
    return options->exact_total && wanted && !options->date_histogram
           && options->sort == COPS_SORT_RELEVANCE && m->ops->set_threshold
           && root->kind == LOWER_OR && !costly_to_count_apart(seg, plan->root);
}

/* The number of undeleted documents `m` matches. */
static uint64_t count_matches(matcher *m, const deletions *deleted, uint32_t documents)
{
    if (counts_by_windows(m, documents))
        return count_by_windows(m, deleted, documents);
    uint64_t total = 0;
    for (uint32_t doc = matcher_next_geq(m, 0); doc != MATCHER_END;
         doc = matcher_next_geq(m, doc + 1))
        total += !deletions_test(deleted, doc);
    return total;
}

/* Top-k seeding: a pruned search raises its threshold only as good
 * documents turn up in document order, so a common word's body key, whose
 * documents all score below its title key's, is scored document by
 * document until ten title matches have been met.  Scoring first the few
 * documents of a disjunction's strongest short child (matcher_ops.
 * seed_next_geq), on a second matcher of the same plan, gives at once a
 * threshold the k-th best of them reaches (or a part of each score that
 * is at most the score: op-or.c, or_seed_score): k documents score at
 * least that, so nothing below it can enter the top k, and a document that
 * equals it is still not skipped (matcher_cannot_exceed).  Worth a second
 * plan only for a matcher of many postings. */
#define SEED_MIN_POSTINGS 256
#define SEED_MAX_WANTED 100
#define SEED_MAX_DOCUMENTS 1024

/* Whether planning `node` again would do its costly part again: a
 * prefix's or a fuzzy word's scan of the dictionary (the plan cache keeps
 * words, not expansions). */
static int costly_to_plan_twice(const lower_node *node)
{
    if (node->kind == LOWER_PREFIX || node->kind == LOWER_FUZZY)
        return 1;
    for (size_t i = 0; i < node->child_count; i++)
        if (costly_to_plan_twice(node->children[i]))
            return 1;
    return 0;
}

/* The threshold seeded for segment `s` (its matcher `m` not yet moved)
 * into *threshold: 1, or 0 when there is none. */
static int seed_threshold(cops_index *index, size_t s, const lower_plan *plan,
                          const feedback_query *expansion, const cops_search_options *options,
                          plan_cache *cache, const matcher *m, size_t wanted, double *threshold)
{
    if (!m->ops->seed_next_geq || m->cost < SEED_MIN_POSTINGS || wanted > SEED_MAX_WANTED
        || costly_to_plan_twice(plan->root))
        return 0;
    /* the flag may already hold this segment's count apart (count_matches):
     * kept, while a failure in the seeder only loses the seed */
    int earlier = matcher_ran_out_of_memory();
    matcher *seeder = NULL;
    cops_error ignored; /* seeding only saves work: without it the search goes on unseeded */
    if (feedback_plan_query(index, s, plan, expansion, options, cache, &seeder, &ignored) != 0) {
        if (earlier)
            matcher_out_of_memory();
        return 0;
    }
    const deletions *deleted = &index->deleted[s];
    double best[SEED_MAX_WANTED]; /* the best scores met, in decreasing order */
    size_t kept = 0, met = 0;
    for (uint32_t doc = seeder->ops->seed_next_geq(seeder, 0);
         doc != MATCHER_END && met < SEED_MAX_DOCUMENTS;
         doc = seeder->ops->seed_next_geq(seeder, doc + 1), met++) {
        if (deletions_test(deleted, doc))
            continue;
        double score = seeder->ops->score(seeder);
        if (kept == wanted && !(score > best[kept - 1]))
            continue;
        size_t at = kept < wanted ? kept++ : kept - 1;
        while (at > 0 && best[at - 1] < score) {
            best[at] = best[at - 1];
            at--;
        }
        best[at] = score;
    }
    matcher_free(seeder);
    matcher_ran_out_of_memory(); /* a failure in the seeder is not the search's */
    if (earlier)
        matcher_out_of_memory();
    if (kept < wanted)
        return 0;
    *threshold = best[wanted - 1];
    return 1;
}

/* The exact total's pass scores only the matches that may enter the top
 * hits: every match is counted, but once the heap is full one whose score
 * bound cannot exceed the worst kept hit is not scored (nor offered).
 * The bound is the matcher's over a window of documents (block_bound,
 * from the skip data, nothing decoded or moved), asked again once a match
 * lies past the window.  For a phrase, where each candidate's positions
 * are read anyway, scoring every match (its words' BM25 at the field's
 * length, a random read of the lengths each) was a tenth of the default
 * mode (callgrind, wiki-dev's 300 phrases: 146M of 1,409M over the
 * count).  A bound that cannot exceed the threshold is below it, so no
 * tie the stable key would break is passed over. */
typedef struct bound_window {
    uint32_t last; /* the bound holds for the documents up to here */
    double bound;
    int known;
} bound_window;

static int cannot_enter(matcher *m, uint32_t doc, const top_heap *heap, bound_window *window)
{
    if (heap->count < heap->capacity)
        return 0;
    if (!window->known || doc > window->last) {
        window->bound = m->ops->block_bound(m, doc, &window->last);
        window->known = 1;
    }
    return matcher_cannot_exceed(window->bound, heap->items[0].key);
}

/* Every segment's matches: the exact count, and the top `wanted` in
 * `heap`.  A segment counted apart (count_apart) takes its hits from the
 * pruned search, whose scores equal the exhaustive ones to the bit: a
 * pruned disjunction sums a document that can enter the top hits in
 * build order (op-or.c). */
static int match_segments(cops_index *index, const lower_plan *plan,
                          const feedback_query *expansion, const cops_search_options *options,
                          plan_cache *cache, size_t wanted, top_heap *heap,
                          cops_results *results, cops_error *err)
{
    int rc = 0;
    matcher_ran_out_of_memory(); /* forget an earlier search's */
    for (size_t s = 0; rc == 0 && s < index->segment_count; s++) {
        /* A count from a word's keys' postings needs no matcher: it is
         * tried before one is planned (the matcher planned for nothing
         * was 7 to 14 % of a word's count, callgrind on wiki-dev). */
        uint64_t counted = 0;
        int by_terms = !wanted && !options->date_histogram
                           ? plan_count_two_terms(index, s, plan, cache, &counted, err) : 0;
        matcher *m = NULL;
        rc = by_terms < 0 ? by_terms
             : by_terms  ? 0
                         : feedback_plan_query(index, s, plan, expansion, options, cache, &m, err);
        if (rc != 0)
            break;
        uint32_t base = index->bases[s];
        const deletions *deleted = &index->deleted[s];
        segment *seg = index->segments[s];
        uint32_t documents = segment_documents(seg);
        int apart = m && count_apart(seg, plan, options, wanted, m);
        if (apart)
            by_terms = plan_count_two_terms(index, s, plan, cache, &counted, err);
        if (by_terms < 0) {
            rc = by_terms;
            matcher_free(m);
            break;
        }
        results->total += counted;
        if (apart && !by_terms) {
            matcher *counter = NULL;
            cops_search_options counting = *options;
            counting.count_only = 1; /* unscored terms (plan.h) */
            rc = plan_query(index, s, plan, &counting, cache, &counter, err);
            if (rc != 0) {
                matcher_free(m);
                break;
            }
            results->total += count_matches(counter, deleted, documents);
            matcher_free(counter);
        }
        /* Without an exact total (or with it counted apart), the worst
         * kept score is a threshold the operators use to skip what cannot
         * enter the top hits (when the hits are ranked by score). */
        int prune = (!options->exact_total || apart) && wanted && m->ops->set_threshold
                    && options->sort == COPS_SORT_RELEVANCE;
        double threshold = -1.0, seeded;
        int known = prune && heap->count == heap->capacity;
        if (known)
            threshold = heap->items[0].key;
        if (prune && seed_threshold(index, s, plan, expansion, options, cache, m, wanted, &seeded)
            && (!known || seeded > threshold)) {
            threshold = seeded;
            known = 1;
        }
        if (known)
            m->ops->set_threshold(m, threshold);
        /* the exact total's pass over a matcher whose bounds prune */
        int bounded = !prune && wanted && m->ops->set_threshold && m->ops->block_bound
                      && options->sort == COPS_SORT_RELEVANCE;
        bound_window window = {0, 0.0, 0};
        int reordered = segment_is_reordered(seg);
        if (options->date_histogram) {
            rc = count_by_months(m, deleted, seg, results, err);
        } else if (!wanted) {
            if (!by_terms)
                results->total += count_matches(m, deleted, documents);
        } else {
            for (uint32_t doc = matcher_next_geq(m, 0); doc != MATCHER_END;
                 doc = matcher_next_geq(m, doc + 1)) {
                if (deletions_test(deleted, doc))
                    continue; /* replaced or removed by an update */
                results->total += !apart;
                if (bounded && cannot_enter(m, doc, heap, &window))
                    continue;
                double score = m->ops->score(m);
                uint32_t date = options->sort == COPS_SORT_RELEVANCE
                                    ? 0 : segment_date(seg, doc);
                uint32_t insertion = reordered ? segment_insertion_order(seg, doc) : doc;
                heap_offer(heap, (scored_doc){sort_key(options->sort, score, date), score,
                                              base + doc, base + (uint64_t)insertion});
                if (prune && heap->count == heap->capacity && heap->items[0].key > threshold) {
                    threshold = heap->items[0].key;
                    m->ops->set_threshold(m, threshold);
                }
            }
        }
        matcher_free(m);
        if (rc == 0)
            rc = segment_damage(index->segments[s], err);
        if (rc == 0 && matcher_ran_out_of_memory())
            rc = error_set(err, COPS_ENOMEM, "out of memory while matching");
    }
    return rc;
}

int native_search(cops_index *index, const query_node *query, const cops_search_options *options,
                  cops_results *results, cops_error *err)
{
    int rc = 0;
    snippet_plan highlights = {0};
    top_heap heap = {0};
    size_t wanted = options->count_only || options->date_histogram
                        ? 0 : options->offset + options->limit;
    if (wanted && !(heap.items = malloc(wanted * sizeof *heap.items)))
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    heap.capacity = wanted;
    if (rc == 0 && options->snippets && wanted
        && (snippet_plan_build(index->analyzer, query, &highlights) != 0
            || snippet_plan_add_surface(&highlights, index->segments, index->segment_count) != 0))
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    /* The query's meaning, settled once for every segment (lower.h). */
    lower_options lowering = lower_options_from(options);
    lowering.exact_forms = lower_exact_forms_of(&index->analysis);
    lowering.stop_words_score_nothing =
        stopwords_apply(index->analyzer, index->analysis.language, query, options);
    lower_plan *plan = NULL;
    if (rc == 0)
        rc = lower_query(index->analyzer, query, &lowering, &plan, err);
    feedback_query expansion = {0};
    if (rc == 0 && wanted && options->feedback_documents && options->feedback_query_length)
        rc = feedback_prepare(index, query, options, &expansion, err);
    plan_cache words = {0}; /* for the segments planned more than once */
    if (rc == 0)
        rc = match_segments(index, plan, &expansion, options, &words, wanted, &heap, results, err);
    if (rc == 0 && options->date_histogram)
        rc = results_sort_date_histogram(results, err);
    if (rc == 0)
        rc = results_add_notes(results, plan->notes, err);
    if (rc == 0 && options->suggest && !results->suggested) {
        results->suggested = 1;
        rc = suggest_words(index, query, &results->suggestions, &results->suggestion_count, err);
    }
    if (rc == 0 && heap.count > options->offset) {
        sort_by_rank(heap.items, heap.count);
        size_t shown = heap.count - options->offset;
        rc = results_reserve(results, shown, err);
        for (size_t i = 0; rc == 0 && i < shown; i++)
            rc = add_native_hit(index, &highlights, results, &heap.items[options->offset + i], err);
    }
    if (rc == 0 && options->explain && results->count > 0)
        rc = explain_hits(index, plan, &expansion, options, &words, results, err);
    if (rc == 0)
        results->total_exact = options->exact_total || options->count_only || !wanted;
    lower_plan_free(plan);
    plan_cache_free(&words);
    free(heap.items);
    snippet_plan_free(&highlights);
    feedback_free(&expansion);
    return rc;
}
