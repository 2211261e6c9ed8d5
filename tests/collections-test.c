/*
 * collections-test.c — the test-collection readers (bench/collections.h):
 * a hand-made miniature of each distributed layout is written to a
 * temporary folder, read back, and every document, query and judgment is
 * compared with what the layout says it holds.  The folders carry the
 * distributions' extra files (Boolean queries, READMEs, checksums, stop
 * lists, LISA's column judgments), which must be ignored.
 */
#include "config.h"

#include "bench/collections.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testlib.h"

typedef struct file_spec {
    const char *name, *content;
} file_spec;

/* A temporary folder holding `files` (up to a {NULL} entry). */
static char *make_folder(const char *tag, const file_spec *files)
{
    char *dir = testlib_tempdir(tag);
    for (size_t i = 0; files[i].name; i++)
        free(testlib_write_file(dir, files[i].name, files[i].content, strlen(files[i].content)));
    return dir;
}

static void read_ok(const char *dir, const collection_options *o, test_collection *c)
{
    collection_options defaults;
    collection_options_init(&defaults);
    cops_error err;
    err.message[0] = '\0';
    int rc = collection_read(dir, o ? o : &defaults, c, &err);
    cr_assert_eq(rc, COPS_OK, "%s", err.message);
}

static void record_is(const collection_record *r, const char *id, const char *title,
                      const char *text)
{
    cr_assert_str_eq(r->id, id);
    cr_assert_str_eq(r->title, title, "record %s: title [%s]", id, r->title);
    cr_assert_str_eq(r->text, text, "record %s: text [%s]", id, r->text);
}

typedef struct judgment_spec {
    const char *qid, *docid;
    int code;
} judgment_spec;

/* The judgments are exactly `want` (in (qid, docid) byte order). */
static void judgments_are(const eval_qrels *q, const judgment_spec *want, size_t n)
{
    cr_assert_eq(q->count, n, "%zu judgments, expected %zu", q->count, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(q->items[i].qid, want[i].qid, "judgment %zu", i);
        cr_assert_str_eq(q->items[i].docid, want[i].docid, "judgment %zu", i);
        cr_assert_eq(q->items[i].code, want[i].code, "judgment %zu", i);
    }
}

static char *path_in(const char *dir, const char *name)
{
    static char p[4][512];
    static int next;
    char *s = p[next++ % 4];
    snprintf(s, sizeof p[0], "%s/%s", dir, name);
    return s;
}

/* ADI: SMART records and Glasgow judgments, all CRLF, with ADI.BLN. */
static const file_spec adi[] = {
    {"ADI.ALL", ".I 1\r\n.T\r\nthe ibm center - a total\r\nsystems approach\r\n.A\r\n"
                "H. S. WHITE\r\n.W\r\nthe ibm data systems division\r\n"
                " provides a developmental system.\r\n"
                ".I 2\r\n.T\r\nindexing by computer\r\n.W\r\ncomputers index words.\r\n"
                ".I 3\r\n.T\r\nno abstract\r\n.W\r\nshort text\r\n"},
    {"ADI.QRY", ".I 1\r\n.W\r\nWhat problems  \r\nare there?\r\n.I 2\r\n.W\r\n"
                "How can data be retrieved?\r\n"},
    {"ADI.REL", "1   2   0   0.000000   \r\n1   3   0   0.000000   \r\n"
                "2   1   0   0.000000   \r\n"},
    {"ADI.BLN", "#default_ct= 3;\r\n#q1= #and ('titles', #or ('ibm',\r\n 'center'));\r\n"},
    {"README", "The ADI collection.\n"},
    {NULL, NULL},
};

Test(collections, smart_crlf_glasgow)
{
    char *dir = make_folder("adi", adi);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "ADI.REL")), FILE_COLUMNS);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "ADI.BLN")), FILE_OTHER);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "README")), FILE_OTHER);
    test_collection c;
    read_ok(dir, NULL, &c);
    cr_assert_str_eq(c.layout, "SMART");
    cr_assert_str_eq(c.files, "ADI.ALL; ADI.QRY; ADI.REL");
    cr_assert_eq(c.ndocs, 3);
    /* .A is not part of the text; CR is gone; inner lines keep their
     * leading space (SMART text is kept as written). */
    record_is(&c.docs[0], "1", "the ibm center - a total systems approach",
              "the ibm data systems division\n provides a developmental system.");
    record_is(&c.docs[1], "2", "indexing by computer", "computers index words.");
    record_is(&c.docs[2], "3", "no abstract", "short text");
    cr_assert_eq(c.nqueries, 2);
    cr_assert(c.ids_by_position);
    /* SMART text keeps the spaces inside it (smart.h). */
    record_is(&c.queries[0], "1", "", "What problems  \nare there?");
    record_is(&c.queries[1], "2", "", "How can data be retrieved?");
    static const judgment_spec want[] = {{"1", "2", 1}, {"1", "3", 1}, {"2", "1", 1}};
    judgments_are(&c.qrels, want, 3);
    cr_assert_eq(c.grades, EVAL_GRADES_TREC);
    cr_assert_eq(c.duplicates, 0);
    cr_assert_str_eq(c.note, "");
    collection_free(&c);
    testlib_remove_tree(dir);
}

Test(collections, smart_cranfield_positions)
{
    /* Cranfield: .I numbers with gaps and zeros, judgments by position,
     * codes 1..4 and -1; the folder's README, readme and SHA256SUMS are
     * not collection files. */
    static const file_spec cran[] = {
        {"cran.all.1400", ".I 1\n.T\nflow past a plate\n.A\nbrenckman,m.\n.B\nj. ae. sci.\n.W\n"
                          "flow past a plate .\n.I 2\n.T\nheat\n.W\nheat transfer .\n"
                          ".I 3\n.T\nshock\n.W\nshock waves .\n"},
        {"cran.qry", ".I 001\r\n.W\r\nwhat similarity laws\r\nmust be obeyed .\r\n"
                     ".I 004\r\n.W\r\nheat conduction\r\n"},
        {"cranqrel", "1 2 2 \n1 1 -1 \n2 3 4 \n"},
        {"cranqrel.readme", "Relevance codes:\n1. References which are a complete answer\n"},
        {"SHA256SUMS", "8c48a8412e4a7e6e0dd5af99c959f8d75fdf88135602adc1a56aa22770652d64  "
                       "cranqrel\n"},
        {"README.txt", "Cranfield collection\n============\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("cran", cran);
    test_collection c;
    read_ok(dir, NULL, &c);
    cr_assert_str_eq(c.layout, "SMART");
    cr_assert_eq(c.ndocs, 3);
    record_is(&c.docs[0], "1", "flow past a plate", "flow past a plate .");
    cr_assert(c.ids_by_position);
    record_is(&c.queries[0], "1", "", "what similarity laws\nmust be obeyed .");
    record_is(&c.queries[1], "2", "", "heat conduction");
    static const judgment_spec want[] = {{"1", "1", -1}, {"1", "2", 2}, {"2", "3", 4}};
    judgments_are(&c.qrels, want, 3);
    cr_assert_eq(c.grades, EVAL_GRADES_CRANFIELD);
    collection_free(&c);

    /* --text A+W, --title none, --query-ids number. */
    collection_options o;
    collection_options_init(&o);
    o.text_fields = "AW";
    o.title_field = 0;
    o.ids = IDS_NUMBER;
    read_ok(dir, &o, &c);
    record_is(&c.docs[0], "1", "", "brenckman,m.\nflow past a plate .");
    cr_assert(!c.ids_by_position);
    record_is(&c.queries[1], "4", "", "heat conduction");
    collection_free(&c);
    testlib_remove_tree(dir);
}

Test(collections, smart_trec_qrels_by_number)
{
    /* TREC qrels name queries by .I number (not positions: 5 and 9 are
     * beyond 2 queries); leading zeros go on every side. */
    static const file_spec trec[] = {
        {"docs.all", ".I 001\n.T\nalpha\n.W\nalpha text\n.I 002\n.W\nbeta text\n"
                     ".I 010\n.W\ngamma text\n"},
        {"topics", ".I 005\n.W\nalpha\n.I 9\n.W\nbeta\n"},
        {"qrels.txt", "5 0 001 2\n9 0 2 1\n9 0 010 0\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("trec", trec);
    test_collection c;
    read_ok(dir, NULL, &c);
    cr_assert_eq(c.ndocs, 3);
    record_is(&c.docs[0], "1", "alpha", "alpha text");
    record_is(&c.docs[1], "2", "", "beta text");
    record_is(&c.docs[2], "10", "", "gamma text");
    cr_assert(!c.ids_by_position);
    record_is(&c.queries[0], "5", "", "alpha");
    record_is(&c.queries[1], "9", "", "beta");
    static const judgment_spec want[] = {{"5", "1", 2}, {"9", "10", 0}, {"9", "2", 1}};
    judgments_are(&c.qrels, want, 3);
    cr_assert_eq(c.grades, EVAL_GRADES_TREC);
    collection_free(&c);
    testlib_remove_tree(dir);
}

Test(collections, npl)
{
    static const file_spec npl[] = {
        {"doc-text", "1\ncompact memories have flexible capacities  a digital data storage\n"
                     "system with capacity\n   /\n2\nan electronic analogue computer\n   /\n"
                     "3\nelectronic coordinate transformer\n   /\n"},
        {"query-text", "1\nMEASUREMENT OF DIELECTRIC CONSTANT\n/\n2\nDATA CODING\nFOR TRANSFER\n/\n"},
        {"rlv-ass", "1\n    1     3\n   /\n2\n    2\n   /\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("npl", npl);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "doc-text")), FILE_NPL_RECORDS);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "query-text")), FILE_NPL_RECORDS);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "rlv-ass")), FILE_NPL_JUDGMENTS);
    test_collection c;
    read_ok(dir, NULL, &c);
    cr_assert_str_eq(c.layout, "NPL");
    cr_assert_str_eq(c.files, "doc-text; query-text; rlv-ass");
    cr_assert_eq(c.ndocs, 3);
    record_is(&c.docs[0], "1", "",
              "compact memories have flexible capacities  a digital data storage\n"
              "system with capacity");
    record_is(&c.docs[1], "2", "", "an electronic analogue computer");
    record_is(&c.docs[2], "3", "", "electronic coordinate transformer");
    cr_assert_eq(c.nqueries, 2);
    record_is(&c.queries[0], "1", "", "MEASUREMENT OF DIELECTRIC CONSTANT");
    record_is(&c.queries[1], "2", "", "DATA CODING\nFOR TRANSFER");
    static const judgment_spec want[] = {{"1", "1", 1}, {"1", "3", 1}, {"2", "2", 1}};
    judgments_are(&c.qrels, want, 3);
    collection_free(&c);
    testlib_remove_tree(dir);
}

Test(collections, lisa)
{
    /* Two document files (read in name order); whitespace-only lines end
     * titles; lines between a '*' line and the next "Document" belong to
     * no document; a repeated id keeps its first record.  LISA.REL's lists
     * end in -1 and run over lines; query 2's list is cut by a headless
     * block, as in the distributed file.  LISARJ.NUM is ignored. */
    static const file_spec lisa[] = {
        {"LISA0.001", "\nDocument    1\nTHE INDIAN COUNCIL OF LIBRARY:\nA PROPOSAL.\n\n"
                      "CRITICALLY EXAMINES THE SCENE.\nMORE TEXT.\n"
                      "********************************************\n"
                      "Document    2\nTHE LINGERING FRAGRANCE.\n     \nPAPERS AND PROCEEDINGS.\n"
                      "********************************************\n"},
        {"LISA0.501", "Document    3\nXXV CONFERENCE.\n     \nPAPERS OF THE CONFERENCE.\n"
                      "********************************************\n"
                      "ORPHAN LINES OF A REPEATED BLOCK.\n"
                      "********************************************\n"
                      "Document 2\nREPEATED TITLE.\n\nREPEATED TEXT.\n"
                      "********************************************\n"},
        {"LISA.QUE", "1\nI AM INTERESTED IN NOVEL\nCOMPUTER ARCHITECTURES. #\n"
                     "2\nNON-USERS OF LIBRARIES.\nNON-USE, LIBRARY USE. #\n"},
        {"LISA.REL", "Query 1\n2 Relevant Refs:\n1 3 -1\n \nQuery 2\n3 Relevant Refs:\n2\n"
                     "1 Relevant Refs:\n3 -1\n\nQuery 3\n1 Relevant Refs:\n1\n-1\n"},
        {"LISARJ.NUM", "           1           2           1           3\n"
                       "           2           1           2\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("lisa", lisa);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "LISA0.501")), FILE_LISA_DOCUMENTS);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "LISA.QUE")), FILE_LISA_QUERIES);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "LISA.REL")), FILE_LISA_JUDGMENTS);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "LISARJ.NUM")), FILE_COLUMNS);
    test_collection c;
    read_ok(dir, NULL, &c);
    cr_assert_str_eq(c.layout, "LISA");
    cr_assert_str_eq(c.files, "LISA0.001 .. LISA0.501 (2 files); LISA.QUE; LISA.REL");
    cr_assert_eq(c.ndocs, 3);
    record_is(&c.docs[0], "1", "THE INDIAN COUNCIL OF LIBRARY: A PROPOSAL.",
              "CRITICALLY EXAMINES THE SCENE.\nMORE TEXT.");
    record_is(&c.docs[1], "2", "THE LINGERING FRAGRANCE.", "PAPERS AND PROCEEDINGS.");
    record_is(&c.docs[2], "3", "XXV CONFERENCE.", "PAPERS OF THE CONFERENCE.");
    cr_assert_eq(c.duplicates, 1);
    cr_assert_eq(c.nqueries, 2);
    record_is(&c.queries[0], "1", "", "I AM INTERESTED IN NOVEL\nCOMPUTER ARCHITECTURES.");
    record_is(&c.queries[1], "2", "", "NON-USERS OF LIBRARIES.\nNON-USE, LIBRARY USE.");
    static const judgment_spec want[] = {
        {"1", "1", 1}, {"1", "3", 1}, {"2", "2", 1}, {"3", "1", 1}};
    judgments_are(&c.qrels, want, 4);
    cr_assert(strstr(c.note, "LISA.REL:8: query 2 cut after 1 of 3 documents") != NULL, "%s",
              c.note);
    collection_free(&c);
    testlib_remove_tree(dir);
}

Test(collections, lisa_bad_count)
{
    /* A list whose length differs from its header, with no splice: an
     * error naming the file and line. */
    static const file_spec lisa[] = {
        {"LISA0.001", "Document 1\nT.\n\nA.\n*****\n"},
        {"LISA.QUE", "1\nQ. #\n"},
        {"LISA.REL", "Query 1\n2 Relevant Refs:\n1 -1\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("lisabad", lisa);
    collection_options o;
    collection_options_init(&o);
    test_collection c;
    cops_error err;
    cr_assert_eq(collection_read(dir, &o, &c, &err), COPS_EINPUT);
    cr_assert(strstr(err.message, "LISA.REL:1: query 1 lists 1 documents, not 2") != NULL, "%s",
              err.message);
    testlib_remove_tree(dir);
}

Test(collections, time)
{
    /* Blank lines between text lines (dropped), "*STOP" ends each file,
     * upper case kept; TIME.REL numbers documents by position (*TEXT 017
     * is document 1); TIME.STP is a stop list, not a collection file. */
    static const file_spec time_files[] = {
        {"TIME.ALL", "*TEXT 017 01/04/63 PAGE 020\n\nTHE ALLIES AFTER NASSAU IN DECEMBER 1960, "
                     "THE U.S . FIRST\n\nPROPOSED TO HELP NATO .\n\n"
                     "*TEXT 020 01/04/63 PAGE 022\n\nSOUTH VIET NAM DIEM .\n\n*STOP\n\n"
                     "TRAILING TEXT AFTER STOP\n"},
        {"TIME.QUE", "*FIND      1\n\n KENNEDY PRESSURE ON DIEM .\n\n*FIND      2\n\n"
                     " NATO NUCLEAR\n\nFORCE .\n\n*STOP\n"},
        {"TIME.REL", "1  2\n\n2  1 2\n\n"},
        {"TIME.STP", "A\n\nABOUT\n\nABOVE\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("time", time_files);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "TIME.ALL")), FILE_TIME_DOCUMENTS);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "TIME.QUE")), FILE_TIME_QUERIES);
    cr_assert_eq(collection_file_kind_of(path_in(dir, "TIME.STP")), FILE_OTHER);
    test_collection c;
    read_ok(dir, NULL, &c);
    cr_assert_str_eq(c.layout, "TIME");
    cr_assert_eq(c.ndocs, 2);
    record_is(&c.docs[0], "1", "",
              "THE ALLIES AFTER NASSAU IN DECEMBER 1960, THE U.S . FIRST\nPROPOSED TO HELP NATO .");
    record_is(&c.docs[1], "2", "", "SOUTH VIET NAM DIEM .");
    cr_assert_eq(c.nqueries, 2);
    record_is(&c.queries[0], "1", "", "KENNEDY PRESSURE ON DIEM .");
    record_is(&c.queries[1], "2", "", "NATO NUCLEAR\nFORCE .");
    static const judgment_spec want[] = {{"1", "2", 1}, {"2", "1", 1}, {"2", "2", 1}};
    judgments_are(&c.qrels, want, 3);
    collection_free(&c);
    testlib_remove_tree(dir);
}

Test(collections, ambiguous_then_named)
{
    /* Two judgment files: detection refuses and says which option names
     * one; --qrels (and --docs/--queries, even outside the folder) picks. */
    static const file_spec two[] = {
        {"a.all", ".I 1\n.W\none\n.I 2\n.W\ntwo\n.I 3\n.W\nthree\n"},
        {"a.qry", ".I 1\n.W\none\n"},
        {"a.rel", "1 1 1\n"},
        {"b.rel", "1 2 1\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("ambiguous", two);
    collection_options o;
    collection_options_init(&o);
    test_collection c;
    cops_error err;
    cr_assert_eq(collection_read(dir, &o, &c, &err), COPS_EINPUT);
    cr_assert(strstr(err.message, "several SMART judgment files") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "--qrels") != NULL, "%s", err.message);
    o.qrels = path_in(dir, "b.rel");
    read_ok(dir, &o, &c);
    static const judgment_spec want[] = {{"1", "2", 1}};
    judgments_are(&c.qrels, want, 1);
    collection_free(&c);

    /* Every file named, no folder: the queries file is the larger one
     * here, and naming overrides the record-count rule. */
    const char *docs[] = {path_in(dir, "a.qry"), NULL};
    o.docs = docs;
    o.queries = path_in(dir, "a.all");
    o.qrels = path_in(dir, "a.rel");
    read_ok(NULL, &o, &c);
    cr_assert_eq(c.ndocs, 1);
    cr_assert_eq(c.nqueries, 3);
    collection_free(&c);

    /* A folder with nothing of a known layout. */
    static const file_spec none[] = {{"README", "nothing here\n"}, {NULL, NULL}};
    char *empty = make_folder("none", none);
    collection_options_init(&o);
    cr_assert_eq(collection_read(empty, &o, &c, &err), COPS_EINPUT);
    cr_assert(strstr(err.message, "no test collection layout recognised") != NULL, "%s",
              err.message);
    testlib_remove_tree(empty);
    testlib_remove_tree(dir);
}

Test(collections, npl_unclosed_record)
{
    /* The last record never closed: an error naming the file and line,
     * not a document holding the rest of the file. */
    static const file_spec npl[] = {
        {"doc-text", "1\nfirst text\n   /\n2\nsecond text\n3\nthird\n"},
        {"query-text", "1\nQUERY\n/\n"},
        {"rlv-ass", "1\n 1\n /\n"},
        {NULL, NULL},
    };
    char *dir = make_folder("nplbad", npl);
    collection_options o;
    collection_options_init(&o);
    test_collection c;
    cops_error err;
    cr_assert_eq(collection_read(dir, &o, &c, &err), COPS_EINPUT);
    cr_assert(strstr(err.message, "doc-text:4: record 2 has no closing '/' line") != NULL, "%s",
              err.message);
    testlib_remove_tree(dir);
}
