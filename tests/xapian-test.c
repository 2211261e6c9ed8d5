/*
 * xapian-test.c — the Xapian binding (xapian/cops_xapian.h) and the cops
 * mapping over it (xapian/xapian-plan.h): error paths, operators,
 * transactions, BM25 parameters, a remote server, and the same match sets
 * and counts as cops on the same documents.
 */
#include "config.h"

#include "xapian/cops_xapian.h"
#include "xapian/xapian-plan.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "query/parser.h"

extern char **environ;

/* ------------------------------------------------------------ helpers */

static char temp_root[] = "/tmp/cops-xapian-XXXXXX";

static void make_root(void)
{
    cr_assert_not_null(mkdtemp(temp_root));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_root(void)
{
    nftw(temp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(xapian, .init = make_root, .fini = remove_root);

static char *path_in_root(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", temp_root, name);
    return p;
}

static cops_xapian_db *open_db(const char *name, int flags)
{
    cops_xapian_db *db = NULL;
    cops_error err = {0};
    int rc = cops_xapian_db_open(path_in_root(name), flags, &db, &err);
    cr_assert_eq(rc, COPS_OK, "open %s: %s", name, err.message);
    cr_assert_not_null(db);
    return db;
}

/* Add a document whose words (space-separated) get positions 1, 2, ... */
static uint32_t add_words(cops_xapian_db *db, const char *words, const char *date)
{
    cops_xapian_doc *doc = NULL;
    cr_assert_eq(cops_xapian_doc_new(&doc, NULL), COPS_OK);
    char copy[512];
    snprintf(copy, sizeof copy, "%s", words);
    uint32_t position = 1;
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        cr_assert_eq(cops_xapian_doc_add_posting(doc, w, position++, 1, NULL), COPS_OK);
    cr_assert_eq(cops_xapian_doc_set_data(doc, words, strlen(words), NULL), COPS_OK);
    if (date)
        cr_assert_eq(cops_xapian_doc_set_value(doc, 0, date, strlen(date), NULL), COPS_OK);
    uint32_t docid = 0;
    cops_error err = {0};
    cr_assert_eq(cops_xapian_add_document(db, doc, &docid, &err), COPS_OK, "%s", err.message);
    cops_xapian_doc_free(doc);
    return docid;
}

/* The docids matched by q (consumed), ascending, as "1 3 4", with the
 * exact total checked against the hit count. */
static char *match_set(cops_xapian_db *db, cops_xapian_query *q)
{
    cops_xapian_results *r = NULL;
    cops_error err = {0};
    cr_assert_not_null(q);
    int rc = cops_xapian_search(db, q, NULL, 0, 1000, 1, &r, &err);
    cr_assert_eq(rc, COPS_OK, "search: %s", err.message);
    size_t n = cops_xapian_results_count(r);
    cr_assert_eq(cops_xapian_results_total(r), n);
    cr_assert(cops_xapian_results_total_is_exact(r));
    uint32_t ids[1000];
    for (size_t i = 0; i < n; i++)
        ids[i] = cops_xapian_results_docid(r, i);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && ids[k - 1] > ids[k]; k--) {
            uint32_t t = ids[k];
            ids[k] = ids[k - 1];
            ids[k - 1] = t;
        }
    char *text = calloc(1, 8 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(text + strlen(text), "%s%u", i ? " " : "", ids[i]);
    cops_xapian_results_free(r);
    cops_xapian_query_free(q);
    return text;
}

#define assert_matches(db, q, expected)                                                      \
    do {                                                                                     \
        char *got_ = match_set(db, q);                                                       \
        cr_assert_str_eq(got_, expected, "%s: got '%s', expected '%s'", #q, got_, expected); \
        free(got_);                                                                          \
    } while (0)

static cops_xapian_query *term(const char *t)
{
    return cops_xapian_query_term(t);
}

static cops_xapian_query *positional(cops_xapian_query *(*op)(cops_xapian_query **, size_t,
                                                               uint32_t),
                                     uint32_t window, cops_xapian_query *a, cops_xapian_query *b)
{
    cops_xapian_query *pair[2] = {a, b};
    return op(pair, 2, window);
}

static cops_xapian_query *two(cops_xapian_query *(*op)(cops_xapian_query **, size_t),
                              cops_xapian_query *a, cops_xapian_query *b)
{
    cops_xapian_query *pair[2] = {a, b};
    return op(pair, 2);
}

/* ----------------------------------------------------- error handling */

Test(xapian, missing_database_is_enoindex)
{
    cops_xapian_db *db = (cops_xapian_db *)1;
    cops_error err = {0};
    const char *path = path_in_root("nothing-here");
    int rc = cops_xapian_db_open(path, COPS_XAPIAN_READ, &db, &err);
    cr_assert_eq(rc, COPS_ENOINDEX, "rc %d: %s", rc, err.message);
    cr_assert_eq(err.code, COPS_ENOINDEX);
    cr_assert_null(db);
    cr_assert(strstr(err.message, "nothing-here") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "Database") != NULL, "%s", err.message);
}

Test(xapian, second_writer_is_elocked)
{
    cops_xapian_db *first = open_db("locked", COPS_XAPIAN_CREATE_OR_OPEN);
    cops_xapian_db *second = NULL;
    cops_error err = {0};
    int rc = cops_xapian_db_open(path_in_root("locked"), COPS_XAPIAN_CREATE_OR_OPEN, &second, &err);
    cr_assert_eq(rc, COPS_ELOCKED, "rc %d: %s", rc, err.message);
    cr_assert_null(second);
    cr_assert(strstr(err.message, "DatabaseLockError") != NULL, "%s", err.message);
    /* A reader is not blocked by the writer. */
    cops_xapian_db *reader = NULL;
    cr_assert_eq(cops_xapian_db_open(path_in_root("locked"), COPS_XAPIAN_READ, &reader, &err),
                 COPS_OK, "%s", err.message);
    cops_xapian_db_close(reader);
    cops_xapian_db_close(first);
    /* Released on close. */
    cr_assert_eq(cops_xapian_db_open(path_in_root("locked"), COPS_XAPIAN_CREATE_OR_OPEN, &second,
                                     &err), COPS_OK, "%s", err.message);
    cops_xapian_db_close(second);
}

Test(xapian, wildcard_over_its_bound_is_elimit)
{
    cops_xapian_db *db = open_db("wild", COPS_XAPIAN_CREATE_OR_OVERWRITE);
    add_words(db, "grant granted granting grants", NULL);
    cops_xapian_query *q = cops_xapian_query_wildcard("gran", 3);
    cr_assert_eq(cops_xapian_query_status(q, NULL), COPS_OK);
    cops_xapian_results *r = (cops_xapian_results *)1;
    cops_error err = {0};
    int rc = cops_xapian_search(db, q, NULL, 0, 10, 1, &r, &err);
    cr_assert_eq(rc, COPS_ELIMIT, "rc %d: %s", rc, err.message);
    cr_assert_null(r);
    cr_assert(strstr(err.message, "WildcardError") != NULL, "%s", err.message);
    cr_assert_str_eq(cops_xapian_db_error(db), err.message);
    cops_xapian_query_free(q);
    /* Within the bound (and unbounded) it expands. */
    assert_matches(db, cops_xapian_query_wildcard("gran", 4), "1");
    assert_matches(db, cops_xapian_query_wildcard("gran", 0), "1");
    assert_matches(db, cops_xapian_query_wildcard("grantz", 1), "");
    cops_xapian_db_close(db);
}

Test(xapian, null_handles_and_arguments_fail_cleanly)
{
    cops_error err = {0};
    cops_xapian_results *r = NULL;
    cops_xapian_query *q = term("a");
    cr_assert_eq(cops_xapian_search(NULL, q, NULL, 0, 10, 0, &r, &err), COPS_EINVAL);
    cr_assert_null(r);
    cr_assert(err.message[0] != '\0');
    cops_xapian_query_free(q);
    uint64_t n = 0;
    double avg = 0;
    char *data = NULL;
    cr_assert_eq(cops_xapian_doc_count(NULL, &n, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_term_freq(NULL, "a", &n, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_avg_length(NULL, &avg, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_document_data(NULL, 1, &data, NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_begin(NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_commit(NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_cancel(NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_add_document(NULL, NULL, NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_doc_add_posting(NULL, "a", 1, 1, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_db_open(NULL, 0, NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_db_open("x", 99, NULL, NULL), COPS_EINVAL);
    cr_assert_eq(cops_xapian_db_open_remote(NULL, 0, 0, NULL, NULL), COPS_EINVAL);
    cr_assert_str_eq(cops_xapian_db_error(NULL), "");

    cops_xapian_db *db = open_db("nulls", COPS_XAPIAN_CREATE_OR_OVERWRITE);
    cr_assert_eq(cops_xapian_search(db, NULL, NULL, 0, 10, 0, &r, &err), COPS_EINVAL);
    cops_xapian_doc *doc = NULL;
    cr_assert_eq(cops_xapian_doc_new(&doc, NULL), COPS_OK);
    cr_assert_eq(cops_xapian_doc_add_posting(doc, "", 1, 1, &err), COPS_EINVAL);
    cr_assert_eq(cops_xapian_doc_add_term(doc, NULL, 1, &err), COPS_EINVAL);
    /* Xapian's own InvalidArgumentError: a term beyond the backend limit. */
    char long_term[400];
    memset(long_term, 'x', sizeof long_term - 1);
    long_term[sizeof long_term - 1] = '\0';
    cr_assert_eq(cops_xapian_doc_add_term(doc, long_term, 1, NULL), COPS_OK);
    int rc = cops_xapian_add_document(db, doc, NULL, &err);
    cr_assert_eq(rc, COPS_EINVAL, "rc %d: %s", rc, err.message);
    cr_assert(strstr(err.message, "InvalidArgumentError") != NULL, "%s", err.message);
    cops_xapian_doc_free(doc);
    /* Missing document. */
    rc = cops_xapian_document_data(db, 42, &data, NULL, &err);
    cr_assert_eq(rc, COPS_EINVAL, "rc %d: %s", rc, err.message);
    cr_assert_null(data);
    cr_assert(strstr(err.message, "DocNotFoundError") != NULL, "%s", err.message);
    /* Bad BM25 parameters. */
    cops_xapian_weight w;
    cops_xapian_weight_init(&w);
    w.b = 2;
    q = term("a");
    cr_assert_eq(cops_xapian_search(db, q, &w, 0, 10, 0, &r, &err), COPS_EINVAL);
    cops_xapian_query_free(q);
    cops_xapian_db_close(db);

    /* A read-only handle refuses writes. */
    db = open_db("nulls", COPS_XAPIAN_READ);
    cr_assert_eq(cops_xapian_begin(db, &err), COPS_EINVAL);
    cr_assert(strstr(cops_xapian_db_error(db), "read-only") != NULL);
    cops_xapian_db_close(db);

    /* A refused connection is COPS_EIO, not an escaped exception. */
    const char *nowhere[] = {"127.0.0.1:1"};
    rc = cops_xapian_db_open_remote(nowhere, 1, 2000, &db, &err);
    cr_assert_eq(rc, COPS_EIO, "rc %d: %s", rc, err.message);
    cr_assert(strstr(err.message, "NetworkError") != NULL, "%s", err.message);
    const char *malformed[] = {"localhost"};
    cr_assert_eq(cops_xapian_db_open_remote(malformed, 1, 100, &db, &err), COPS_EINVAL);
}

Test(xapian, free_functions_accept_null)
{
    cops_xapian_db_close(NULL);
    cops_xapian_doc_free(NULL);
    cops_xapian_query_free(NULL);
    cops_xapian_results_free(NULL);
    cr_assert_eq(cops_xapian_results_count(NULL), 0);
    cr_assert_eq(cops_xapian_results_total(NULL), 0);
    cr_assert_eq(cops_xapian_results_docid(NULL, 0), 0);
    cr_assert_null(cops_xapian_query_describe(NULL));
}

Test(xapian, query_error_states_propagate)
{
    /* NULL subquery (allocation failure) gives NULL and frees the others. */
    cr_assert_null(two(cops_xapian_query_and, term("a"), NULL));
    cr_assert_null(cops_xapian_query_and_not(NULL, term("b")));
    cr_assert_null(cops_xapian_query_scale(NULL, 2));
    /* Invalid arguments give an error state that parents inherit. */
    cops_xapian_query *bad = cops_xapian_query_scale(term("a"), -1);
    cr_assert_not_null(bad);
    cops_error err = {0};
    cr_assert_eq(cops_xapian_query_status(bad, &err), COPS_EINVAL);
    cops_xapian_query *parent = two(cops_xapian_query_or, term("b"), bad);
    cr_assert_eq(cops_xapian_query_status(parent, &err), COPS_EINVAL);
    cr_assert(strstr(err.message, "factor") != NULL, "%s", err.message);
    cops_xapian_db *db = open_db("states", COPS_XAPIAN_CREATE_OR_OVERWRITE);
    cops_xapian_results *r = NULL;
    cr_assert_eq(cops_xapian_search(db, parent, NULL, 0, 10, 1, &r, &err), COPS_EINVAL);
    cops_xapian_query_free(parent);
    cops_xapian_query *null_term = cops_xapian_query_term(NULL);
    cr_assert_eq(cops_xapian_query_status(null_term, NULL), COPS_EINVAL);
    cops_xapian_query_free(null_term);
    /* Xapian 1.4 rejects a phrase over a non-term subquery. */
    cops_xapian_query *inner = two(cops_xapian_query_and, term("a"), term("b"));
    cops_xapian_query *phrase_parts[2] = {inner, term("c")};
    cops_xapian_query *phrase = cops_xapian_query_phrase(phrase_parts, 2, 0);
    cr_assert_not_null(phrase);
    int rc = cops_xapian_query_status(phrase, &err);
    if (rc == COPS_OK) /* or only when run */
        rc = cops_xapian_search(db, phrase, NULL, 0, 10, 1, &r, &err);
    cr_assert_eq(rc, COPS_EUNSUPPORTED, "rc %d: %s", rc, err.message);
    cops_xapian_query_free(phrase);
    cops_xapian_query *live = two(cops_xapian_query_and, term("a"), term("b"));
    char *text = cops_xapian_query_describe(live);
    cr_assert(text && strstr(text, "a AND b"), "%s", text ? text : "(null)");
    free(text);
    cops_xapian_query_free(live);
    cops_xapian_db_close(db);
}

/* --------------------------------------------------------- operations */

Test(xapian, transactions_cancel_and_commit)
{
    cops_xapian_db *db = open_db("tx", COPS_XAPIAN_CREATE_OR_OVERWRITE);
    cops_error err = {0};
    uint64_t n = 99;
    cr_assert_eq(cops_xapian_cancel(db, &err), COPS_EINVAL, "cancel without a transaction");
    cr_assert_eq(cops_xapian_begin(db, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(cops_xapian_begin(db, &err), COPS_EINVAL, "nested begin");
    add_words(db, "one two", NULL);
    cr_assert_eq(cops_xapian_cancel(db, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(cops_xapian_doc_count(db, &n, NULL), COPS_OK);
    cr_assert_eq(n, 0);

    cr_assert_eq(cops_xapian_begin(db, &err), COPS_OK, "%s", err.message);
    uint32_t id = add_words(db, "three four", NULL);
    cr_assert_eq(cops_xapian_commit(db, &err), COPS_OK, "%s", err.message);
    cops_xapian_db *reader = open_db("tx", COPS_XAPIAN_READ);
    cr_assert_eq(cops_xapian_doc_count(reader, &n, NULL), COPS_OK);
    cr_assert_eq(n, 1);
    char *data = NULL;
    size_t length = 0;
    cr_assert_eq(cops_xapian_document_data(reader, id, &data, &length, NULL), COPS_OK);
    cr_assert_eq(length, strlen("three four"));
    cr_assert_str_eq(data, "three four");
    free(data);
    cops_xapian_db_close(reader);

    /* Outside a transaction, commit flushes; close commits too. */
    add_words(db, "five", NULL);
    cr_assert_eq(cops_xapian_commit(db, &err), COPS_OK, "%s", err.message);
    add_words(db, "six", NULL);
    cops_xapian_db_close(db);
    reader = open_db("tx", COPS_XAPIAN_READ);
    cr_assert_eq(cops_xapian_doc_count(reader, &n, NULL), COPS_OK);
    cr_assert_eq(n, 3);
    cops_xapian_db_close(reader);
}

/* cops_xapian_delete_document: only the document of that number goes,
 * even when another has the same id term (so a record's repeat deletes
 * its own earlier copy, never a file whose id term it shares), and an
 * added document takes a fresh id after the deleted ones (so deleting
 * then adding moves a replaced document to the end). */
Test(xapian, delete_document_then_add_replaces_at_the_end)
{
    cops_xapian_db *db = open_db("delete", COPS_XAPIAN_CREATE_OR_OVERWRITE);
    cops_error err = {0};
    cr_assert_eq(add_words(db, "Qone first", NULL), 1);
    cr_assert_eq(add_words(db, "Qtwo second", NULL), 2);
    cr_assert_eq(add_words(db, "Qone again", NULL), 3);
    cr_assert_eq(cops_xapian_delete_document(db, 3, &err), COPS_OK, "%s", err.message);
    assert_matches(db, term("Qone"), "1");
    cr_assert_eq(cops_xapian_delete_document(db, 3, &err), COPS_EINVAL);
    cr_assert_eq(add_words(db, "Qone last", NULL), 4);
    uint64_t n = 0;
    cr_assert_eq(cops_xapian_doc_count(db, &n, NULL), COPS_OK);
    cr_assert_eq(n, 3);
    assert_matches(db, term("Qone"), "1 4");
    assert_matches(db, term("again"), "");
    cr_assert_eq(cops_xapian_delete_document(db, 0, &err), COPS_EINVAL);
    cr_assert_eq(cops_xapian_delete_document(NULL, 1, &err), COPS_EINVAL);
    cops_xapian_db_close(db);
    db = open_db("delete", COPS_XAPIAN_READ);
    cr_assert_eq(cops_xapian_delete_document(db, 1, &err), COPS_EINVAL);
    cr_assert(strstr(err.message, "read-only") != NULL, "%s", err.message);
    cops_xapian_db_close(db);
}

/* Every id has a term Xapian takes (xapian-plan.h): a short one is the id
 * itself, a long one or one beginning with the hashed mark a fixed-length
 * hash; the stored id is read back whole, and a damaged length form is
 * refused, not read past. */
Test(xapian, id_terms_and_stored_ids)
{
    char term[XAPIAN_PLAN_ID_TERM_MAX + 1], other[XAPIAN_PLAN_ID_TERM_MAX + 1];
    xapian_plan_id_term("rec-1", 5, term);
    cr_assert_str_eq(term, "Qrec-1");
    char long_id[5001];
    memset(long_id, 'L', 5000);
    long_id[5000] = '\0';
    xapian_plan_id_term(long_id, 5000, term);
    cr_assert_eq(strlen(term), 34, "%s", term);
    cr_assert_eq(term[1], XAPIAN_PLAN_ID_HASHED);
    xapian_plan_id_term(long_id, 4999, other);
    cr_assert_str_neq(term, other);
    xapian_plan_id_term("\x01x", 2, other);
    cr_assert_eq(strlen(other), 34, "a direct term never begins with the mark");

    const char *id, *rest;
    size_t id_length;
    static const char plain[] = "rec-1\ntitle\ntext";
    cr_assert_eq(xapian_plan_stored_id(plain, sizeof plain - 1, &id, &id_length, &rest), 0);
    cr_assert_eq(id_length, 5);
    cr_assert_str_eq(rest, "title\ntext");
    static const char framed[] = "\x01" "10\nline\nbreak\ntitle\ntext";
    cr_assert_eq(xapian_plan_stored_id(framed, sizeof framed - 1, &id, &id_length, &rest), 0);
    cr_assert_eq(id_length, 10);
    cr_assert_eq(memcmp(id, "line\nbreak", 10), 0);
    cr_assert_str_eq(rest, "title\ntext");
    static const char *const damaged[] = {"\x01", "\x01\n", "\x01" "99\nshort\n",
                                          "\x01" "2\nabc\n", "\x01x\nab\n",
                                          "\x01" "99999999999999999999999\nab"};
    for (size_t i = 0; i < sizeof damaged / sizeof *damaged; i++)
        cr_assert_eq(xapian_plan_stored_id(damaged[i], strlen(damaged[i]), &id, &id_length,
                                           &rest),
                     COPS_ECORRUPT, "case %zu", i);
}

static cops_xapian_db *small_corpus(void)
{
    cops_xapian_db *db = open_db("ops", COPS_XAPIAN_CREATE_OR_OVERWRITE);
    cr_assert_eq(add_words(db, "a b c", "20170101"), 1);
    cr_assert_eq(add_words(db, "b a d", "20170615"), 2);
    cr_assert_eq(add_words(db, "a x x x b", "20180101"), 3);
    cr_assert_eq(add_words(db, "c d e grant", NULL), 4);
    cr_assert_eq(add_words(db, "granted grants b", "20161231"), 5);
    cr_assert_eq(cops_xapian_commit(db, NULL), COPS_OK);
    return db;
}

Test(xapian, operators_match_the_expected_documents)
{
    cops_xapian_db *db = small_corpus();
    uint64_t n = 0;
    double avg = 0;
    cr_assert_eq(cops_xapian_doc_count(db, &n, NULL), COPS_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(cops_xapian_term_freq(db, "b", &n, NULL), COPS_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(cops_xapian_term_freq(db, "zzz", &n, NULL), COPS_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(cops_xapian_avg_length(db, &avg, NULL), COPS_OK);
    cr_assert_float_eq(avg, (3 + 3 + 5 + 4 + 3) / 5.0, 1e-9);

    assert_matches(db, term("a"), "1 2 3");
    assert_matches(db, term("nothing"), "");
    assert_matches(db, two(cops_xapian_query_and, term("a"), term("c")), "1");
    assert_matches(db, two(cops_xapian_query_or, term("c"), term("d")), "1 2 4");
    assert_matches(db, cops_xapian_query_and_not(term("b"), term("a")), "5");
    assert_matches(db, cops_xapian_query_and_maybe(term("a"), term("c")), "1 2 3");
    assert_matches(db, cops_xapian_query_match_all(), "1 2 3 4 5");
    assert_matches(db, cops_xapian_query_match_nothing(), "");
    assert_matches(db, cops_xapian_query_and(NULL, 0), "");
    /* Phrases: in order; window 0 = adjacent, a wider window allows gaps. */
    assert_matches(db, positional(cops_xapian_query_phrase, 0, term("a"), term("b")), "1");
    assert_matches(db, positional(cops_xapian_query_phrase, 5, term("a"), term("b")), "1 3");
    assert_matches(db, positional(cops_xapian_query_phrase, 4, term("a"), term("b")), "1");
    /* NEAR: any order, max - min < window. */
    assert_matches(db, positional(cops_xapian_query_near, 2, term("a"), term("b")), "1 2");
    assert_matches(db, positional(cops_xapian_query_near, 5, term("a"), term("b")), "1 2 3");
    /* Wildcards and value ranges. */
    assert_matches(db, cops_xapian_query_wildcard("gran", 10), "4 5");
    assert_matches(db, cops_xapian_query_wildcard("granted", 10), "5");
    assert_matches(db, cops_xapian_query_value_range(0, "20170101", "20171231"), "1 2");
    assert_matches(db, cops_xapian_query_value_range(0, "20170615", NULL), "2 3");
    assert_matches(db, cops_xapian_query_value_range(0, NULL, "20170101"), "1 5");
    assert_matches(db, cops_xapian_query_value_range(0, NULL, NULL), "1 2 3 5");
    assert_matches(db, cops_xapian_query_value_range(1, NULL, NULL), "");
    /* Filtering by a value range keeps the ranking of the rest. */
    assert_matches(db, two(cops_xapian_query_and, term("b"),
                           cops_xapian_query_value_range(0, "2017", "2018")), "1 2");

    /* Offset and limit page through the ranked hits; the total stays. */
    cops_xapian_query *q = term("b");
    cops_xapian_results *all = NULL, *page = NULL;
    cr_assert_eq(cops_xapian_search(db, q, NULL, 0, 10, 1, &all, NULL), COPS_OK);
    cr_assert_eq(cops_xapian_search(db, q, NULL, 1, 2, 1, &page, NULL), COPS_OK);
    cr_assert_eq(cops_xapian_results_count(page), 2);
    cr_assert_eq(cops_xapian_results_total(page), 4);
    cr_assert_eq(cops_xapian_results_docid(page, 0), cops_xapian_results_docid(all, 1));
    cr_assert_eq(cops_xapian_results_docid(page, 1), cops_xapian_results_docid(all, 2));
    cr_assert_eq(cops_xapian_results_docid(page, 2), 0);
    for (size_t i = 1; i < cops_xapian_results_count(all); i++)
        cr_assert(cops_xapian_results_score(all, i - 1) >= cops_xapian_results_score(all, i));
    cops_xapian_results_free(all);
    cops_xapian_results_free(page);
    cops_xapian_query_free(q);
    cops_xapian_db_close(db);
}

Test(xapian, bm25_parameters_change_scores)
{
    cops_xapian_db *db = small_corpus();
    cops_xapian_query *q = two(cops_xapian_query_or, term("x"), term("b"));
    cops_xapian_weight w;
    cops_xapian_weight_init(&w);
    cr_assert_float_eq(w.k1, 1.0, 1e-12);
    cr_assert_float_eq(w.b, 0.5, 1e-12);
    double scores[3][6] = {{0}};
    cops_xapian_weight settings[3] = {w, w, w};
    settings[1].k1 = 2.0;
    settings[2].b = 0.0;
    for (int s = 0; s < 3; s++) {
        cops_xapian_results *r = NULL;
        cops_error err = {0};
        const cops_xapian_weight *param = s == 0 ? NULL : &settings[s];
        cr_assert_eq(cops_xapian_search(db, q, param, 0, 10, 1, &r, &err), COPS_OK, "%s",
                     err.message);
        for (size_t i = 0; i < cops_xapian_results_count(r); i++)
            scores[s][cops_xapian_results_docid(r, i)] = cops_xapian_results_score(r, i);
        cops_xapian_results_free(r);
    }
    /* NULL = the defaults; document 3 has x three times, so k1 matters. */
    cr_assert(scores[0][3] > 0);
    cr_assert(scores[1][3] != scores[0][3], "k1 did not change the score");
    /* b = 0: no length normalisation, so b in a 3-word and a 5-word... */
    cr_assert(scores[2][1] != scores[0][1], "b did not change the score");
    cops_xapian_results *r = NULL;
    cops_xapian_query *scaled = cops_xapian_query_scale(term("a"), 0);
    cr_assert_eq(cops_xapian_search(db, scaled, NULL, 0, 10, 1, &r, NULL), COPS_OK);
    cr_assert_eq(cops_xapian_results_count(r), 3);
    cr_assert_float_eq(cops_xapian_results_score(r, 0), 0.0, 1e-12);
    /* Equal weights rank by ascending docid. */
    cr_assert_eq(cops_xapian_results_docid(r, 0), 1);
    cr_assert_eq(cops_xapian_results_docid(r, 2), 3);
    cops_xapian_results_free(r);
    cops_xapian_query_free(scaled);
    cops_xapian_query_free(q);
    cops_xapian_db_close(db);
}

/* ------------------------------------------------------------- remote */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    cr_assert_eq(bind(fd, (struct sockaddr *)&address, sizeof address), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&address, &length), 0);
    close(fd);
    return ntohs(address.sin_port);
}

static int on_path(const char *program)
{
    const char *path = getenv("PATH");
    char copy[4096], candidate[4200];
    snprintf(copy, sizeof copy, "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        snprintf(candidate, sizeof candidate, "%s/%s", dir, program);
        if (access(candidate, X_OK) == 0)
            return 1;
    }
    return 0;
}

Test(xapian, remote_server)
{
    if (!on_path("xapian-tcpsrv")) {
        remove_root(); /* cr_skip_test skips the suite's .fini */
        cr_skip_test("xapian-tcpsrv is not on PATH (Debian package xapian-tools)");
    }
    cops_xapian_db *db = small_corpus();
    cops_xapian_db_close(db);
    char port[16], address[64];
    snprintf(port, sizeof port, "%d", free_port());
    char *argv[] = {"xapian-tcpsrv", "--interface", "127.0.0.1", "--port", port,
                    path_in_root("ops"), NULL};
    pid_t server;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    /* Its own process group: on SIGTERM xapian-tcpsrv signals its whole
     * group (to stop its per-connection children), which must not be ours. */
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    cr_assert_eq(posix_spawnp(&server, "xapian-tcpsrv", &actions, &attributes, argv, environ), 0);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    snprintf(address, sizeof address, "127.0.0.1:%s", port);
    const char *shards[] = {address, address};
    cops_error err = {0};
    int rc = COPS_EIO;
    for (int attempt = 0; attempt < 100 && rc == COPS_EIO; attempt++) {
        rc = cops_xapian_db_open_remote(shards, 1, 5000, &db, &err);
        if (rc == COPS_EIO)
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    if (rc != COPS_OK) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
        cr_assert_fail("remote open: %s", err.message);
    }
    uint64_t n = 0;
    cr_assert_eq(cops_xapian_doc_count(db, &n, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(n, 5);
    assert_matches(db, two(cops_xapian_query_and, term("a"), term("c")), "1");
    assert_matches(db, positional(cops_xapian_query_phrase, 0, term("a"), term("b")), "1");
    char *data = NULL;
    cr_assert_eq(cops_xapian_document_data(db, 3, &data, NULL, &err), COPS_OK, "%s", err.message);
    cr_assert_str_eq(data, "a x x x b");
    free(data);
    cops_xapian_db_close(db);

    /* Two shards (the same server twice): statistics are combined. */
    rc = cops_xapian_db_open_remote(shards, 2, 5000, &db, &err);
    cr_assert_eq(rc, COPS_OK, "%s", err.message);
    cr_assert_eq(cops_xapian_doc_count(db, &n, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(n, 10);
    cr_assert_eq(cops_xapian_term_freq(db, "a", &n, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(n, 6);
    /* Interleaved ids: docid 1 of shard 0 is 1, of shard 1 is 2. */
    assert_matches(db, two(cops_xapian_query_and, term("a"), term("c")), "1 2");
    cops_xapian_db_close(db);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
}

/* ------------------------------------------- the same answers as cops */

static const char *const vocabulary[] = {
    "grant", "granted", "granting", "sanctuary", "wildlife", "river", "forest", "fox", "dog",
    "cat", "running", "runs", "community-oriented", "e-mail", "bird", "mountain"};
#define VOCABULARY_SIZE (sizeof vocabulary / sizeof vocabulary[0])

/* Words with distinct stems first, for the random corpora. */
static const char *const distinct_words[] = {
    "fox", "dog", "cat", "bird", "river", "forest", "grant", "wildlife", "granting", "mountain",
    "e-mail", "runs"};
#define DISTINCT_WORDS (sizeof distinct_words / sizeof distinct_words[0])

static const char *const *words_in_use = vocabulary;

typedef struct corpus {
    size_t documents;
    char ids[200][16];
    char titles[200][128];
    char texts[200][1024];
    uint32_t dates[200];
} corpus;

static uint64_t rng_state;

static uint32_t rng(uint32_t bound)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 33) % bound;
}

static void append_words(char *out, size_t size, size_t count, size_t words)
{
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? " " : "", words_in_use[rng((uint32_t)words)]);
    }
}

/* `documents` random documents of 3 ... max_length + 2 words over the
 * first `words` of `list`; every fourth one undated. */
static void make_corpus(corpus *c, size_t documents, const char *const *list, size_t words,
                        uint32_t max_length, uint64_t seed)
{
    rng_state = seed;
    words_in_use = list;
    c->documents = documents;
    cr_assert_lt(documents, 1000, "ids are doc-NNN");
    for (size_t i = 0; i < documents; i++) {
        snprintf(c->ids[i], sizeof c->ids[i], "doc-%03u", (unsigned)i);
        append_words(c->titles[i], sizeof c->titles[i], 1 + rng(3), words);
        append_words(c->texts[i], sizeof c->texts[i], 3 + rng(max_length), words);
        c->dates[i] = i % 4 == 3 ? 0 : (2015 + rng(4)) * 10000 + (1 + rng(12)) * 100 + 1 + rng(28);
    }
}

typedef struct engines {
    cops_index *cops;
    cops_xapian_db *xapian;
    analyzer *analyzer;
    const corpus *corpus;
} engines;

/* Index `c` with cops (through a JSON Lines file) and with Xapian. */
static void build_both(const corpus *c, const char *name, engines *e)
{
    char jsonl[512], cops_dir[512], xapian_dir[512];
    snprintf(jsonl, sizeof jsonl, "%s/%s.jsonl", temp_root, name);
    snprintf(cops_dir, sizeof cops_dir, "%s/%s.cops", temp_root, name);
    snprintf(xapian_dir, sizeof xapian_dir, "%s/%s.xapian", temp_root, name);
    FILE *f = fopen(jsonl, "w");
    cr_assert_not_null(f);
    for (size_t i = 0; i < c->documents; i++) {
        fprintf(f, "{\"id\": \"%s\", \"title\": \"%s\", \"text\": \"%s\"", c->ids[i],
                c->titles[i], c->texts[i]);
        if (c->dates[i])
            fprintf(f, ", \"date\": \"%04u-%02u-%02u\"", c->dates[i] / 10000,
                    c->dates[i] / 100 % 100, c->dates[i] % 100);
        fprintf(f, "}\n");
    }
    cr_assert_eq(fclose(f), 0);

    cops_build_options options;
    cops_build_options_init(&options);
    options.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {jsonl};
    cr_assert_eq(cops_build(cops_dir, inputs, 1, &options, &summary, &err), COPS_OK, "%s",
                 err.message);
    cr_assert_eq(summary.documents, c->documents);
    cr_assert_eq(cops_index_open(cops_dir, &e->cops, &err), COPS_OK, "%s", err.message);

    analyzer_config config;
    analyzer_config_init(&config);
    cr_assert_eq(analyzer_new(&config, &e->analyzer, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(cops_xapian_db_open(xapian_dir, COPS_XAPIAN_CREATE_OR_OVERWRITE, &e->xapian,
                                     &err), COPS_OK, "%s", err.message);
    for (size_t i = 0; i < c->documents; i++) {
        uint32_t docid = 0;
        cr_assert_eq(xapian_index_document(e->xapian, e->analyzer, c->ids[i], c->titles[i],
                                           c->texts[i], strlen(c->texts[i]), c->dates[i], 1,
                                           &docid, &err), COPS_OK, "%s", err.message);
        cr_assert_eq(docid, i + 1);
    }
    cr_assert_eq(cops_xapian_commit(e->xapian, &err), COPS_OK, "%s", err.message);
    e->corpus = c;
}

static void close_both(engines *e)
{
    cops_index_close(e->cops);
    cops_xapian_db_close(e->xapian);
    analyzer_free(e->analyzer);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted ids joined by spaces; `ids` is sorted in place. */
static void join_ids(const char **ids, size_t n, char *out, size_t size)
{
    qsort(ids, n, sizeof *ids, compare_strings);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? " " : "", ids[i]);
    }
}

/* Run `query` through both engines; 1 when compared, 0 when Xapian
 * cannot express it (COPS_EUNSUPPORTED) or cops rejects it. */
static int same_answers(engines *e, const char *query)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.limit = 1000;
    options.snippets = 0;
    cops_results *cops_hits = NULL;
    cops_error err = {0};
    int rc = cops_search(e->cops, query, &options, &cops_hits, &err);
    if (rc != COPS_OK)
        return 0;
    query_node *tree = NULL;
    cr_assert_eq(query_parse(query, 0, &tree, &err), COPS_OK, "%s: %s", query, err.message);
    cops_xapian_query *q = NULL;
    xapian_plan_options plan_options;
    xapian_plan_options_init(&plan_options);
    rc = xapian_plan_query(tree, e->analyzer, &plan_options, &q, &err);
    query_free(tree);
    if (rc == COPS_EUNSUPPORTED) {
        cops_results_free(cops_hits);
        return 0;
    }
    cr_assert_eq(rc, COPS_OK, "plan %s: %s", query, err.message);
    cops_xapian_results *xapian_hits = NULL;
    rc = cops_xapian_search(e->xapian, q, NULL, 0, 1000, 1, &xapian_hits, &err);
    cr_assert_eq(rc, COPS_OK, "search %s: %s", query, err.message);

    static const char *left[1000], *right[1000];
    static char left_text[20000], right_text[20000];
    size_t n_cops = cops_results_count(cops_hits), n_xapian = cops_xapian_results_count(xapian_hits);
    for (size_t i = 0; i < n_cops; i++)
        left[i] = cops_results_hit(cops_hits, i)->id;
    for (size_t i = 0; i < n_xapian; i++)
        right[i] = e->corpus->ids[cops_xapian_results_docid(xapian_hits, i) - 1];
    join_ids(left, n_cops, left_text, sizeof left_text);
    join_ids(right, n_xapian, right_text, sizeof right_text);
    char *description = cops_xapian_query_describe(q);
    if (getenv("COPS_XAPIAN_TRACE"))
        fprintf(stderr, "%zu hits: %s\n", n_cops, query);
    cr_assert_str_eq(right_text, left_text, "%s\n  Xapian %s\n  got    %s\n  cops   %s", query,
                     description, right_text, left_text);
    cr_assert_eq(cops_xapian_results_total(xapian_hits), cops_results_total(cops_hits), "%s",
                 query);
    cr_assert_eq(cops_results_total(cops_hits), n_cops, "%s", query);
    free(description);
    cops_xapian_results_free(xapian_hits);
    cops_xapian_query_free(q);
    cops_results_free(cops_hits);
    return 1;
}

Test(xapian, same_answers_as_cops_on_a_fixed_corpus, .timeout = 60)
{
    static corpus c;
    make_corpus(&c, 30, vocabulary, VOCABULARY_SIZE, 40, 42);
    engines e;
    build_both(&c, "fixed", &e);
    static const char *const queries[] = {
        "grant",
        "grant AND river",
        "grant OR fox",
        "grant -river",
        "\"grant river\"",
        "\"fox dog\"~2",
        "fox NEAR/3 dog",
        "fox NEAR/1 dog NEAR/1 cat",
        "gra*",
        "run*",
        "title:forest",
        "title:\"forest river\"",
        "date:2017",
        "date:..2016-06",
        "date:2016-03..2017-09 AND wildlife",
        "+grant fox",
        "NOT grant",
        "(grant OR fox) AND NOT dog",
        "running",
        "e-mail",
        "community-oriented OR sanctuary",
        "e-ma*",
        "riv* AND NOT title:fox",
        "title:fox NEAR/5 dog",
        "fox NEAR fox",
        "\"sanctuary wildlife river\"~3 OR title:bird",
        "!!! OR bird",
    };
    size_t compared = 0;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        compared += (size_t)same_answers(&e, queries[i]);
    cr_assert_eq(compared, sizeof queries / sizeof queries[0]);
    close_both(&e);
}

/* Random queries from a small grammar over few words, so that phrases,
 * NEAR windows and exclusions often meet their edge cases. */
static void random_query(char *out, size_t size, int depth, size_t words)
{
    const char *a = words_in_use[rng((uint32_t)words)], *b = words_in_use[rng((uint32_t)words)];
    char left[512], right[512];
    switch (depth > 2 ? rng(6) : rng(11)) {
    case 0: snprintf(out, size, "%s", a); break;
    case 1: snprintf(out, size, "\"%s %s\"", a, b); break;
    case 2: snprintf(out, size, "\"%s %s %s\"~%u", a, b, words_in_use[rng((uint32_t)words)], rng(4));
        break;
    case 3: snprintf(out, size, "%s NEAR/%u %s", a, 1 + rng(5), b); break;
    case 4: snprintf(out, size, "%.*s*", (int)(1 + rng(3)), a); break;
    case 5: snprintf(out, size, "title:%s", a); break;
    case 6:
    case 7:
    case 8:
    case 9:
        random_query(left, sizeof left, depth + 1, words);
        random_query(right, sizeof right, depth + 1, words);
        static const char *const joins[][3] = {{"(", " AND ", ")"}, {"(", " OR ", ")"},
                                              {"(", " -", ")"}, {"(+", " ", ")"}};
        const char *const *form = joins[rng(4)];
        snprintf(out, size, "%s%s%s%s%s", form[0], left, form[1], right, form[2]);
        break;
    default: snprintf(out, size, "date:%u", 2015 + rng(4)); break;
    }
}

Test(xapian, same_answers_as_cops_on_random_corpora, .timeout = 120)
{
    static corpus c;
    size_t compared = 0;
    for (int round = 0; round < 4; round++) {
        size_t words = 4 + (size_t)round * 2;
        make_corpus(&c, 60, distinct_words, words, 4 + 4 * (uint32_t)round, 1000 + (uint64_t)round);
        char name[32];
        snprintf(name, sizeof name, "random%d", round);
        engines e;
        build_both(&c, name, &e);
        rng_state = 77 + (uint64_t)round;
        for (int i = 0; i < 150; i++) {
            char query[2048];
            random_query(query, sizeof query, 0, words);
            compared += (size_t)same_answers(&e, query);
        }
        close_both(&e);
    }
    cr_assert(compared > 400, "only %zu queries compared", compared);
}

/* ---- one Xapian-engine index shared by searching threads (cops.h) */

typedef struct shared_search {
    cops_index *index;
    uint64_t expected[4];
    int wrong;
} shared_search;

static const char *const shared_queries[4] = {"alpha", "beta OR gamma", "alpha delta",
                                              "\"gamma delta\""};

static uint64_t count_of(cops_index *index, const char *query)
{
    cops_search_options options;
    cops_search_options_init(&options);
    options.count_only = 1;
    cops_results *results = NULL;
    cops_error err = {0};
    if (cops_search(index, query, &options, &results, &err) != COPS_OK)
        return UINT64_MAX;
    uint64_t total = cops_results_total(results);
    cops_results_free(results);
    return total;
}

static void *search_shared(void *context)
{
    shared_search *s = context;
    for (int round = 0; round < 150; round++)
        for (int q = 0; q < 4; q++)
            if (count_of(s->index, shared_queries[q]) != s->expected[q])
                __atomic_fetch_add(&s->wrong, 1, __ATOMIC_RELAXED);
    return NULL;
}

Test(xapian, searches_may_share_an_index_handle, .timeout = 120)
{
    /* cops.h: a cops_index may be shared by threads that only search.  A
     * Xapian-engine handle searches one Xapian database, which is not
     * thread-safe, so the library makes its searches take turns. */
    char jsonl[512], dir[512];
    snprintf(jsonl, sizeof jsonl, "%s/shared.jsonl", temp_root);
    snprintf(dir, sizeof dir, "%s/shared.idx", temp_root);
    FILE *f = fopen(jsonl, "w");
    cr_assert_not_null(f);
    static const char *const words[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    for (int i = 0; i < 400; i++)
        fprintf(f, "{\"id\":\"d%d\",\"text\":\"%s %s %s %s\"}\n", i, words[i % 5],
                words[(i / 5) % 5], words[(i / 25) % 5], words[(i * 7) % 5]);
    cr_assert_eq(fclose(f), 0);
    cops_build_options build;
    cops_build_options_init(&build);
    build.engine = COPS_ENGINE_XAPIAN;
    build.threads = 1;
    cops_build_summary summary;
    cops_error err = {0};
    const char *inputs[] = {jsonl};
    cr_assert_eq(cops_build(dir, inputs, 1, &build, &summary, &err), COPS_OK, "%s", err.message);
    shared_search s = {0};
    cr_assert_eq(cops_index_open(dir, &s.index, &err), COPS_OK, "%s", err.message);
    for (int q = 0; q < 4; q++) {
        s.expected[q] = count_of(s.index, shared_queries[q]);
        cr_assert_neq(s.expected[q], UINT64_MAX, "%s", shared_queries[q]);
    }
    pthread_t threads[4];
    for (int t = 0; t < 4; t++)
        cr_assert_eq(pthread_create(&threads[t], NULL, search_shared, &s), 0);
    for (int t = 0; t < 4; t++)
        pthread_join(threads[t], NULL);
    cr_expect_eq(s.wrong, 0, "%d searches answered differently", s.wrong);
    cops_index_close(s.index);
}
