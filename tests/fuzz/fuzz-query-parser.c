/*
 * fuzz-query-parser.c — query_parse on hostile query strings.
 *
 * Input: byte 0 selects the flags (bit 0 literal, bit 1 default OR), the
 * rest is the query (cut at the first NUL, as a C string would be).  A
 * successful parse is checked against the canonical shapes promised by
 * query/parser.h, then formatted both ways and freed.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "query/parser.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t check_node(const query_node *node, const query_node *parent, int literal)
{
    FUZZ_CHECK(node != NULL);
    size_t nodes = 1;
    switch (node->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
    case QUERY_PREFIX:
        FUZZ_CHECK(node->text != NULL && node->text[0] != '\0');
        FUZZ_CHECK(node->child_count == 0);
        break;
    case QUERY_DATE_RANGE:
        FUZZ_CHECK(node->date_from != 0 || node->date_to != 0);
        FUZZ_CHECK(!node->date_from || !node->date_to || node->date_from <= node->date_to);
        FUZZ_CHECK(node->child_count == 0);
        break;
    case QUERY_AND:
    case QUERY_OR: {
        FUZZ_CHECK(node->child_count >= 2);
        size_t positive = 0;
        int seen_not = 0;
        for (size_t i = 0; i < node->child_count; i++) {
            const query_node *child = node->children[i];
            FUZZ_CHECK(child->kind != node->kind);
            if (node->kind == QUERY_AND) {
                if (child->kind == QUERY_NOT)
                    seen_not = 1;
                else {
                    FUZZ_CHECK(!seen_not); /* positives first, then exclusions */
                    positive++;
                }
            }
        }
        if (node->kind == QUERY_AND)
            FUZZ_CHECK(positive >= 1);
        break;
    }
    case QUERY_NOT:
        FUZZ_CHECK(node->child_count == 1);
        FUZZ_CHECK(parent != NULL && parent->kind == QUERY_AND);
        break;
    case QUERY_AND_MAYBE:
        FUZZ_CHECK(node->child_count == 2);
        break;
    case QUERY_NEAR:
        FUZZ_CHECK(node->child_count >= 2);
        FUZZ_CHECK(node->distance <= QUERY_MAX_DISTANCE);
        for (size_t i = 0; i < node->child_count; i++)
            FUZZ_CHECK(node->children[i]->kind == QUERY_WORD
                       || node->children[i]->kind == QUERY_PHRASE);
        break;
    case QUERY_ALL:
        FUZZ_CHECK(node->child_count == 0);
        FUZZ_CHECK(parent != NULL && parent->kind == QUERY_AND);
        break;
    case QUERY_FUZZY:
        FUZZ_CHECK(node->text != NULL && node->text[0] != '\0');
        FUZZ_CHECK(node->child_count == 0);
        FUZZ_CHECK(node->distance >= 1 && node->distance <= QUERY_MAX_FUZZY);
        break;
    case QUERY_BOOST:
        FUZZ_CHECK(node->child_count == 1);
        FUZZ_CHECK(node->boost > 0 && node->boost <= QUERY_MAX_BOOST);
        FUZZ_CHECK(node->children[0]->kind != QUERY_NOT && node->children[0]->kind != QUERY_ALL);
        break;
    default:
        FUZZ_CHECK(!"unknown node kind");
    }
    if (node->kind == QUERY_PHRASE)
        FUZZ_CHECK(node->distance <= QUERY_MAX_DISTANCE);
    for (size_t i = 0; i < node->child_count; i++)
        nodes += check_node(node->children[i], node, literal);
    return nodes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int flags = 0;
    if (data[0] & 1)
        flags |= QUERY_PARSE_LITERAL;
    if (data[0] & 2)
        flags |= QUERY_PARSE_DEFAULT_OR;
    char *query = malloc(size);
    if (!query)
        return 0;
    memcpy(query, data + 1, size - 1);
    query[size - 1] = '\0';

    query_node *tree = (query_node *)&tree; /* must be overwritten */
    cops_error err;
    memset(&err, 0, sizeof err);
    int rc = query_parse(query, flags, &tree, &err);
    if (rc != 0) {
        FUZZ_CHECK(tree == NULL);
        FUZZ_CHECK(rc == COPS_ESYNTAX || rc == COPS_ELIMIT || rc == COPS_ENOMEM);
        FUZZ_CHECK(err.code == rc);
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        if (rc == COPS_ESYNTAX)
            FUZZ_CHECK(err.column >= 1);
        else
            FUZZ_CHECK(err.column == 0);
        /* Literal mode fails only on an empty or blank query (GRAMMAR.md). */
        if ((flags & QUERY_PARSE_LITERAL) && rc == COPS_ESYNTAX)
            FUZZ_CHECK(err.column == 1 && strstr(err.message, "empty query") != NULL);
    } else {
        FUZZ_CHECK(tree != NULL);
        size_t nodes = check_node(tree, NULL, flags & QUERY_PARSE_LITERAL);
        if (!(flags & QUERY_PARSE_LITERAL))
            FUZZ_CHECK(nodes <= QUERY_MAX_NODES);

        byte_buffer out = BUFFER_INIT;
        query_format_sexpr(tree, &out);
        FUZZ_CHECK(!buffer_failed(&out));
        FUZZ_CHECK(out.length > 0);
        for (size_t i = 0; i < out.length; i++)
            FUZZ_CHECK(out.data[i] >= 0x20); /* control bytes are escaped */
        buffer_reset(&out);
        query_format_tree(tree, &out);
        FUZZ_CHECK(!buffer_failed(&out));
        buffer_free(&out);
        query_free(tree);
    }
    free(query);
    return 0;
}
