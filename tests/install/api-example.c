/*
 * api-example.c — a program written against the installed cops.h and
 * libcops only, as a user of the library would write it.  `make
 * installcheck` (run by distcheck) compiles it with the installed header
 * and library, indexes the installed corpus and searches it.
 *
 * usage: api-example CORPUS_DIR INDEX_DIR
 */
#include <stdio.h>

#include <cops.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR INDEX_DIR\n", argv[0]);
        return 2;
    }
    cops_error err = {0};
    cops_build_options build;
    cops_build_options_init(&build);
    const char *inputs[] = {argv[1]};
    if (cops_build(argv[2], inputs, 1, &build, NULL, &err) != COPS_OK) {
        fprintf(stderr, "build: %s\n", err.message);
        return 2;
    }
    cops_index *index;
    if (cops_index_open(argv[2], &index, &err) != COPS_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 2;
    }
    cops_search_options options;
    cops_search_options_init(&options);
    cops_results *results;
    if (cops_search(index, "sanctuary AND grant", &options, &results, &err) != COPS_OK) {
        fprintf(stderr, "search: %s\n", err.message);
        cops_index_close(index);
        return 2;
    }
    uint64_t total = cops_results_total(results);
    for (size_t i = 0; i < cops_results_count(results); i++)
        printf("%zu %s\n", cops_results_hit(results, i)->rank, cops_results_hit(results, i)->id);
    cops_results_free(results);
    cops_index_close(index);
    return total == 2 ? 0 : 1;
}
