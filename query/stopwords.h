/*
 * stopwords.h — English function words score nothing in a query that has
 * other words (cops_search_options.stop_words, on by default).
 *
 * Verbose queries ("what similarity laws must be obeyed when ...") carry
 * function words whose small idf still adds up over thousands of
 * documents and favours long texts full of them.  So, in a native index
 * analysed as English (analyzer language "english") or without stemming
 * ("none": cops's default language is English, and only the listed words
 * are affected):
 *
 *  - a stop word is a QUERY_WORD node whose text analyses, unstemmed, to
 *    exactly one term of the list in stopwords.c (46 words: articles,
 *    auxiliaries, pronouns, prepositions and question words);
 *  - when the query holds at least stop_word_query_length words (all of
 *    its words, phrases, prefixes and fuzzy words analysed unstemmed, stop
 *    words included) and one of them is not a stop word, every stop word's keys
 *    (body and title) get weight 0:
 *    they still match (an AND still requires them, the count is
 *    unchanged), they add nothing to a score;
 *  - phrases are never touched: "the who" and "state of the art" keep
 *    every word, for matching and for the score.
 *
 * The weight is 0 rather than the word dropped so that the matches and
 * the explanation stay the query's own (--explain shows weight 0.00).
 * bench/RELEVANCE.md has the measurements.
 */
#ifndef COPS_QUERY_STOPWORDS_H
#define COPS_QUERY_STOPWORDS_H

#include "analysis/analyzer.h"
#include "cops.h"
#include "query/parser.h"

/* 1 when the lower-case `term` is on the list. */
int stopword_listed(const char *term);

/* 1 when `node` is a stop word as above (analysed by `a`). */
int stopword_node(analyzer *a, const query_node *node);

/* 1 when the stop words of `query` score nothing: an index language of
 * "english" or "none", at least `options->stop_word_query_length` words (0: never),
 * one of them not a stop word. */
int stopwords_apply(analyzer *a, const char *language, const query_node *query,
                    const cops_search_options *options);

#endif
