#include "config.h"

#include "query/parser.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OR_DEFAULT QUERY_PARSE_DEFAULT_OR
#define LITERAL QUERY_PARSE_LITERAL

/* The S-expression of `query`, or "ERROR <code>: <message>"; caller frees. */
static char *parse_to_sexpr(const char *query, int flags)
{
    query_node *tree = NULL;
    cops_error err = {0};
    byte_buffer out = BUFFER_INIT;
    int status = query_parse(query, flags, &tree, &err);
    if (status != COPS_OK) {
        char line[COPS_ERROR_MESSAGE_MAX + 32];
        snprintf(line, sizeof line, "ERROR %d: %s", status, err.message);
        cr_assert_null(tree);
        return strdup(line);
    }
    cr_assert_not_null(tree);
    query_format_sexpr(tree, &out);
    buffer_append_byte(&out, '\0');
    cr_assert(!buffer_failed(&out));
    query_free(tree);
    return (char *)out.data;
}

typedef struct parse_case {
    const char *query;
    int flags;
    const char *expected;
} parse_case;

static const parse_case parse_cases[] = {
    /* words and the default operator */
    {"sanctuary", 0, "(WORD \"sanctuary\")"},
    {"sanctuary grant", 0, "(AND (WORD \"sanctuary\") (WORD \"grant\"))"},
    {"sanctuary grant", OR_DEFAULT, "(OR (WORD \"sanctuary\") (WORD \"grant\"))"},
    {"  spaced \t out\n ", 0, "(AND (WORD \"spaced\") (WORD \"out\"))"},
    {"a\xc2\xa0" "b", 0, "(AND (WORD \"a\") (WORD \"b\"))"}, /* no-break space separates */
    {"U.S. don't e-mail $98", 0,
     "(AND (WORD \"U.S.\") (WORD \"don't\") (WORD \"e-mail\") (WORD \"$98\"))"},
    {"café naïve 東京", 0, "(AND (WORD \"café\") (WORD \"naïve\") (WORD \"東京\"))"},
    {"http://x 10:30 a1:b :b a:", 0,
     "(AND (WORD \"http://x\") (WORD \"10:30\") (WORD \"a1:b\") (WORD \":b\") (WORD \"a:\"))"},
    {"a~b ~2 x^y x/y", 0,
     "(AND (WORD \"a~b\") (WORD \"~2\") (WORD \"x^y\") (WORD \"x/y\"))"},
    {"\"a:b\" \"a~2\" \"a^2\"", 0,
     "(AND (PHRASE \"a:b\") (PHRASE \"a~2\") (PHRASE \"a^2\"))"},
    {"a:b", LITERAL, "(WORD \"a:b\")"},
    {"é:x", 0, "(WORD \"é:x\")"}, /* only ASCII letters make a field name */
    {"back\\slash", 0, "(WORD \"back\\\\slash\")"},
    /* operators are upper case only */
    {"and or not near", 0,
     "(AND (WORD \"and\") (WORD \"or\") (WORD \"not\") (WORD \"near\"))"},
    {"And Or", 0, "(AND (WORD \"And\") (WORD \"Or\"))"},
    {"ANDROID NOTE ORACLE NEARBY", 0,
     "(AND (WORD \"ANDROID\") (WORD \"NOTE\") (WORD \"ORACLE\") (WORD \"NEARBY\"))"},
    {"sanctuary AND grant", 0, "(AND (WORD \"sanctuary\") (WORD \"grant\"))"},
    {"sanctuary AND grant", OR_DEFAULT, "(AND (WORD \"sanctuary\") (WORD \"grant\"))"},
    {"a OR b", 0, "(OR (WORD \"a\") (WORD \"b\"))"},
    {"a OR b OR c", 0, "(OR (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"a AND b AND c", 0, "(AND (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"a AND(b)", 0, "(AND (WORD \"a\") (WORD \"b\"))"},
    /* precedence: NOT > AND > OR; adjacency has the default operator's */
    {"a OR b AND c", 0, "(OR (WORD \"a\") (AND (WORD \"b\") (WORD \"c\")))"},
    {"a AND b OR c", 0, "(OR (AND (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"a b OR c", 0, "(OR (AND (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"a b OR c", OR_DEFAULT, "(OR (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"a b AND c", OR_DEFAULT, "(OR (WORD \"a\") (AND (WORD \"b\") (WORD \"c\")))"},
    {"a b AND c", 0, "(AND (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"(a OR b) c", 0, "(AND (OR (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"(a OR b) AND (c OR d)", 0,
     "(AND (OR (WORD \"a\") (WORD \"b\")) (OR (WORD \"c\") (WORD \"d\")))"},
    {"((a))", 0, "(WORD \"a\")"},
    {"(a (b (c)))", 0, "(AND (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"a OR (b OR c)", 0, "(OR (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"NOT a AND b", 0, "(AND (WORD \"b\") (NOT (WORD \"a\")))"},
    {"NOT a OR b", 0, "(OR (AND (ALL) (NOT (WORD \"a\"))) (WORD \"b\"))"},
    /* NOT and pure negative queries */
    {"NOT x", 0, "(AND (ALL) (NOT (WORD \"x\")))"},
    {"-x", 0, "(AND (ALL) (NOT (WORD \"x\")))"},
    {"-x -y", 0, "(AND (ALL) (NOT (WORD \"x\")) (NOT (WORD \"y\")))"},
    {"NOT a AND NOT b", 0, "(AND (ALL) (NOT (WORD \"a\")) (NOT (WORD \"b\")))"},
    {"a AND NOT b", 0, "(AND (WORD \"a\") (NOT (WORD \"b\")))"},
    {"a NOT b", 0, "(AND (WORD \"a\") (NOT (WORD \"b\")))"},
    {"a NOT b", OR_DEFAULT, "(AND (WORD \"a\") (NOT (WORD \"b\")))"},
    {"a OR NOT b", 0, "(OR (WORD \"a\") (AND (ALL) (NOT (WORD \"b\"))))"},
    {"a OR -b", 0, "(OR (WORD \"a\") (AND (ALL) (NOT (WORD \"b\"))))"},
    {"a AND -b", OR_DEFAULT, "(AND (WORD \"a\") (NOT (WORD \"b\")))"},
    {"NOT (a OR b) c", 0, "(AND (WORD \"c\") (NOT (OR (WORD \"a\") (WORD \"b\"))))"},
    {"NOT NOT x", 0, "(WORD \"x\")"},
    {"NOT NOT NOT x", 0, "(AND (ALL) (NOT (WORD \"x\")))"},
    {"NOT -x", 0, "(WORD \"x\")"},
    {"-(NOT x) y", 0, "(AND (WORD \"y\") (WORD \"x\"))"},
    {"+a -(NOT x) y", 0, "(AND (AND_MAYBE (WORD \"a\") (WORD \"y\")) (WORD \"x\"))"},
    {"NOT (-a -b)", 0, "(OR (WORD \"a\") (WORD \"b\"))"},
    {"a (-b)", 0, "(AND (WORD \"a\") (NOT (WORD \"b\")))"},
    {"-(a b) c", 0, "(AND (WORD \"c\") (NOT (AND (WORD \"a\") (WORD \"b\"))))"},
    /* +required -excluded optional */
    {"+a -b c", 0, "(AND (AND_MAYBE (WORD \"a\") (WORD \"c\")) (NOT (WORD \"b\")))"},
    {"+a -b c", OR_DEFAULT, "(AND (AND_MAYBE (WORD \"a\") (WORD \"c\")) (NOT (WORD \"b\")))"},
    {"+a c d", 0, "(AND_MAYBE (WORD \"a\") (OR (WORD \"c\") (WORD \"d\")))"},
    {"+a +b c", 0, "(AND_MAYBE (AND (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"+a +b", 0, "(AND (WORD \"a\") (WORD \"b\"))"},
    {"+a +b", OR_DEFAULT, "(AND (WORD \"a\") (WORD \"b\"))"},
    {"+a", 0, "(WORD \"a\")"},
    {"c -b d", OR_DEFAULT, "(AND (OR (WORD \"c\") (WORD \"d\")) (NOT (WORD \"b\")))"},
    {"c -b d", 0, "(AND (WORD \"c\") (WORD \"d\") (NOT (WORD \"b\")))"},
    {"+a b OR c", 0, "(OR (AND_MAYBE (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"+a b AND c", 0, "(AND (AND_MAYBE (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"+(a OR b) c", 0,
     "(AND_MAYBE (OR (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"+\"a b\" -title:c", 0,
     "(AND (PHRASE \"a b\") (NOT (WORD title \"c\")))"},
    {"e-mail -spam", 0, "(AND (WORD \"e-mail\") (NOT (WORD \"spam\")))"},
    {"a - b + c", 0, "(AND (WORD \"a\") (WORD \"-\") (WORD \"b\") (WORD \"+\") (WORD \"c\"))"},
    {"(a -)", 0, "(AND (WORD \"a\") (WORD \"-\"))"},
    {"+-a", 0, "(WORD \"-a\")"},
    {"-AND", 0, "(AND (ALL) (NOT (WORD \"AND\")))"},
    {"+NEAR x", 0, "(AND_MAYBE (WORD \"NEAR\") (WORD \"x\"))"},
    {"\"a\"-b", 0, "(AND (PHRASE \"a\") (NOT (WORD \"b\")))"},
    /* phrases and slop */
    {"\"exact phrase\"", 0, "(PHRASE \"exact phrase\")"},
    {"\"a b\"~2", 0, "(PHRASE~2 \"a b\")"},
    {"\"a b\"~0", 0, "(PHRASE \"a b\")"},
    {"\"a  (b) AND c*\"", 0, "(PHRASE \"a  (b) AND c*\")"},
    {"x\"a b\"y", 0, "(AND (WORD \"x\") (PHRASE \"a b\") (WORD \"y\"))"},
    {"\"a b\"~2x", 0, "(AND (PHRASE~2 \"a b\") (WORD \"x\"))"},
    {"\"sanctuary grant\" wildlife", 0,
     "(AND (PHRASE \"sanctuary grant\") (WORD \"wildlife\"))"},
    /* typographic quotes (word processors, phones) make phrases too; one
     * never closed is punctuation of its word, as before */
    {"\u201Ccommunity policing\u201D", 0, "(PHRASE \"community policing\")"},
    {"\u201Ea b\u201C c", 0, "(AND (PHRASE \"a b\") (WORD \"c\"))"},
    {"\u00ABa b\u00BB -\u201Dc d\u201D", 0,
     "(AND (PHRASE \"a b\") (NOT (PHRASE \"c d\")))"},
    {"title:\u201Ca b\u201D~2", 0, "(PHRASE~2 title \"a b\")"},
    {"(\uFF02a b\uFF02 OR c)", 0, "(OR (PHRASE \"a b\") (WORD \"c\"))"},
    {"why? http://x/?q=a a** *", 0,
     "(AND (WORD \"why?\") (WORD \"http://x/?q=a\") (PREFIX \"a\") (WORD \"*\"))"},
    {"a && b Yahoo! !!", 0,
     "(AND (WORD \"a\") (WORD \"&&\") (WORD \"b\") (WORD \"Yahoo!\") (WORD \"!!\"))"},
    {"5\u201D screen", 0, "(AND (WORD \"5\u201D\") (WORD \"screen\"))"},
    {"\u201Cunclosed a", 0, "(AND (WORD \"\u201Cunclosed\") (WORD \"a\"))"},
    /* prefixes */
    {"grant*", 0, "(PREFIX \"grant\")"},
    {"grant**", 0, "(PREFIX \"grant\")"},
    {"*", 0, "(WORD \"*\")"},
    {"-grant*", 0, "(AND (ALL) (NOT (PREFIX \"grant\")))"},
    {"AND*", 0, "(PREFIX \"AND\")"},
    /* the title field */
    {"title:word", 0, "(WORD title \"word\")"},
    {"title:\"a phrase\"", 0, "(PHRASE title \"a phrase\")"},
    {"title:\"a phrase\"~3", 0, "(PHRASE~3 title \"a phrase\")"},
    {"title:grant*", 0, "(PREFIX title \"grant\")"},
    {"title:AND", 0, "(WORD title \"AND\")"},
    {"title:date:2017", 0, "(WORD title \"date:2017\")"},
    /* dates */
    {"date:2017-01-01..2017-12-31", 0, "(DATE 20170101 20171231)"},
    {"date:2017-01-01..", 0, "(DATE 20170101 *)"},
    {"date:..2017-12-31", 0, "(DATE * 20171231)"},
    {"date:2017-11-14", 0, "(DATE 20171114 20171114)"},
    {"date:2017-11", 0, "(DATE 20171101 20171130)"},
    {"date:2017-02", 0, "(DATE 20170201 20170228)"},
    {"date:2016-02", 0, "(DATE 20160201 20160229)"},
    {"date:2000-02-29", 0, "(DATE 20000229 20000229)"},
    {"date:2017", 0, "(DATE 20170101 20171231)"},
    {"date:2017..2018-06", 0, "(DATE 20170101 20180630)"},
    {"date:2017-12-31..2017-12-31", 0, "(DATE 20171231 20171231)"},
    {"grant date:2017 -date:2017-06", 0,
     "(AND (WORD \"grant\") (DATE 20170101 20171231) (NOT (DATE 20170601 20170630)))"},
    /* NEAR */
    {"a NEAR b", 0, "(NEAR/10 (WORD \"a\") (WORD \"b\"))"},
    {"a NEAR/3 b", 0, "(NEAR/3 (WORD \"a\") (WORD \"b\"))"},
    {"a NEAR/3 b NEAR/3 c", 0, "(NEAR/3 (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"a NEAR b NEAR/10 c", 0, "(NEAR/10 (WORD \"a\") (WORD \"b\") (WORD \"c\"))"},
    {"\"a b\" NEAR/2 title:c", 0, "(NEAR/2 (PHRASE \"a b\") (WORD title \"c\"))"},
    {"x a NEAR/3 b y", 0,
     "(AND (WORD \"x\") (NEAR/3 (WORD \"a\") (WORD \"b\")) (WORD \"y\"))"},
    {"NOT a NEAR b", 0, "(AND (ALL) (NOT (NEAR/10 (WORD \"a\") (WORD \"b\"))))"},
    {"a NEAR b OR c", 0, "(OR (NEAR/10 (WORD \"a\") (WORD \"b\")) (WORD \"c\"))"},
    {"-a NEAR b c", 0, "(AND (WORD \"c\") (NOT (NEAR/10 (WORD \"a\") (WORD \"b\"))))"},
    {"near/3", 0, "(WORD \"near/3\")"},
    /* literal mode: no syntax at all */
    {"a AND (b OR \"c", LITERAL,
     "(AND (WORD \"a\") (WORD \"AND\") (WORD \"(b\") (WORD \"OR\") (WORD \"\\\"c\"))"},
    {"-x title:y* NEAR/q", LITERAL,
     "(AND (WORD \"-x\") (WORD \"title:y*\") (WORD \"NEAR/q\"))"},
    {"date:2017-02-30 ()", LITERAL, "(AND (WORD \"date:2017-02-30\") (WORD \"()\"))"},
    {"a b", LITERAL | OR_DEFAULT, "(OR (WORD \"a\") (WORD \"b\"))"},
    {"  lone  ", LITERAL, "(WORD \"lone\")"},
    /* control characters are escaped in the S-expression */
    {"a\x01" "b", 0, "(WORD \"a\\x01b\")"},
};

/* Field groups, boosts and fuzzy words (GRAMMAR.md). */
static const parse_case syntax_cases[] = {
    {"title:(a OR b)", 0, "(OR (WORD title \"a\") (WORD title \"b\"))"},
    {"title:(a b)", 0, "(AND (WORD title \"a\") (WORD title \"b\"))"},
    {"title:(a -b)", 0, "(AND (WORD title \"a\") (NOT (WORD title \"b\")))"},
    {"title:(\"a b\" c*)", 0, "(AND (PHRASE title \"a b\") (PREFIX title \"c\"))"},
    {"title:(a (b OR (c d~1)) date:2017) e", 0,
     "(AND (WORD title \"a\") (OR (WORD title \"b\") (AND (WORD title \"c\") "
     "(FUZZY~1 title \"d\"))) (DATE 20170101 20171231) (WORD \"e\"))"},
    {"title:(a NEAR/2 b)", 0, "(NEAR/2 title (WORD title \"a\") (WORD title \"b\"))"},
    {"-title:(a b) c", 0,
     "(AND (WORD \"c\") (NOT (AND (WORD title \"a\") (WORD title \"b\"))))"},
    {"x title:(y)", 0, "(AND (WORD \"x\") (WORD title \"y\"))"},
    {"budget~1", 0, "(FUZZY~1 \"budget\")"},
    {"budget~2", 0, "(FUZZY~2 \"budget\")"},
    {"budget~", 0, "(FUZZY~2 \"budget\")"},
    {"budget~0", 0, "(WORD \"budget\")"},
    {"title:budget~1", 0, "(FUZZY~1 title \"budget\")"},
    {"a~b x~y~ ~2 ^2 x^y", 0,
     "(AND (WORD \"a~b\") (FUZZY~2 \"x~y\") (WORD \"~2\") (WORD \"^2\") (WORD \"x^y\"))"},
    {"police^2", 0, "(BOOST^2 (WORD \"police\"))"},
    {"police^1.5 x^.25", 0,
     "(AND (BOOST^1.5 (WORD \"police\")) (BOOST^0.25 (WORD \"x\")))"},
    {"\"a phrase\"^1.5", 0, "(BOOST^1.5 (PHRASE \"a phrase\"))"},
    {"\"a phrase\"~2^3", 0, "(BOOST^3 (PHRASE~2 \"a phrase\"))"},
    {"(a OR b)^3 OR c", 0,
     "(OR (BOOST^3 (OR (WORD \"a\") (WORD \"b\"))) (WORD \"c\"))"},
    {"title:x^2", 0, "(BOOST^2 (WORD title \"x\"))"},
    {"title:(a b)^2", 0, "(BOOST^2 (AND (WORD title \"a\") (WORD title \"b\")))"},
    {"gra*^2 budget~1^1000", 0,
     "(AND (BOOST^2 (PREFIX \"gra\")) (BOOST^1000 (FUZZY~1 \"budget\")))"},
    {"-a^2 b", 0, "(AND (WORD \"b\") (NOT (BOOST^2 (WORD \"a\"))))"},
    {"\"a b\"^x", 0, "(AND (PHRASE \"a b\") (WORD \"^x\"))"},
    {"title:(x)", LITERAL, "(WORD \"title:(x)\")"},
    {"x^2 y~1", LITERAL, "(AND (WORD \"x^2\") (WORD \"y~1\"))"},
};

Test(parser, field_groups_boosts_and_fuzzy_words)
{
    for (size_t i = 0; i < sizeof syntax_cases / sizeof syntax_cases[0]; i++) {
        const parse_case *c = &syntax_cases[i];
        char *got = parse_to_sexpr(c->query, c->flags);
        cr_expect_str_eq(got, c->expected, "query [%s] flags %d", c->query, c->flags);
        free(got);
    }
}

Test(parser, table_of_trees)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case *c = &parse_cases[i];
        char *got = parse_to_sexpr(c->query, c->flags);
        cr_expect_str_eq(got, c->expected, "query [%s] flags %d", c->query, c->flags);
        free(got);
    }
}

typedef struct error_case {
    const char *query;
    int flags;
    int code;
    size_t column;
    const char *reason;
} error_case;

static const error_case error_cases[] = {
    {"", 0, COPS_ESYNTAX, 1, "empty query"},
    {"   \t", 0, COPS_ESYNTAX, 1, "empty query"},
    {"", LITERAL, COPS_ESYNTAX, 1, "empty query"},
    {"  ", LITERAL, COPS_ESYNTAX, 1, "empty query"},
    {"(a", 0, COPS_ESYNTAX, 1, "'(' is never closed"},
    {"x ((a) b", 0, COPS_ESYNTAX, 3, "'(' is never closed"},
    {"a)", 0, COPS_ESYNTAX, 2, "')' has no matching '('"},
    {") a", 0, COPS_ESYNTAX, 1, "')' has no matching '('"},
    {"(a)) b", 0, COPS_ESYNTAX, 4, "')' has no matching '('"},
    {"a \"b c", 0, COPS_ESYNTAX, 3, "unbalanced quote"},
    {"\"\"", 0, COPS_ESYNTAX, 1, "empty phrase"},
    {"a \"  \"", 0, COPS_ESYNTAX, 3, "empty phrase"},
    {"a \u201C \u201D", 0, COPS_ESYNTAX, 3, "empty phrase"},
    {"a || b", 0, COPS_ESYNTAX, 3, "'||' is not an operator here: write OR (in upper case)"},
    {"a | b", 0, COPS_ESYNTAX, 3, "'|' is not an operator here: write OR (in upper case)"},
    {"budg*t", 0, COPS_ESYNTAX, 1, "'*' stands only at the end of a word, as in budg*: 'budg*t'"},
    {"a *b", 0, COPS_ESYNTAX, 3, "'*' stands only at the end of a word"},
    {"a c*d*", 0, COPS_ESYNTAX, 3, "'c*d'"},
    {"c?fe", 0, COPS_ESYNTAX, 1, "'?' is not a wildcard: 'c?fe'"},
    {"a !b", 0, COPS_ESYNTAX, 3,
     "'!' does not exclude here: write -b or NOT b (to search the text, put it in quotes)"},
    /* '!' before a phrase, a group or a letter beyond ASCII excludes as
     * much in other engines: the phrase, group or word was required */
    {"a !\"b c\"", 0, COPS_ESYNTAX, 3, "'!' does not exclude here: write - or NOT before the phrase"},
    {"!(a b)", 0, COPS_ESYNTAX, 1, "'!' does not exclude here: write - or NOT before the group"},
    {"x !\u00E9clair", 0, COPS_ESYNTAX, 3, "write -\u00E9clair or NOT \u00E9clair"},
    /* a long word is shown cut before a character, not inside one */
    {"!a\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9", 0,
     COPS_ESYNTAX, 1, "write -a\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9\u00E9 or NOT"},
    {"sanctuary AND", 0, COPS_ESYNTAX, 11, "operator AND needs something after it"},
    {"a OR", 0, COPS_ESYNTAX, 3, "operator OR needs something after it"},
    {"a NOT", 0, COPS_ESYNTAX, 3, "operator NOT needs something after it"},
    {"NOT", 0, COPS_ESYNTAX, 1, "operator NOT needs something after it"},
    {"NOT NOT", 0, COPS_ESYNTAX, 5, "operator NOT needs something after it"},
    {"a AND OR b", 0, COPS_ESYNTAX, 3, "operator AND needs something after it"},
    {"(a AND) b", 0, COPS_ESYNTAX, 4, "operator AND needs something after it"},
    {"AND x", 0, COPS_ESYNTAX, 1, "operator AND needs something before it"},
    {"(OR x)", 0, COPS_ESYNTAX, 2, "operator OR needs something before it"},
    {"NEAR a", 0, COPS_ESYNTAX, 1, "operator NEAR needs something before it"},
    {"a NEAR", 0, COPS_ESYNTAX, 3, "operator NEAR needs something after it"},
    {"a NEAR AND b", 0, COPS_ESYNTAX, 3, "operator NEAR needs something after it"},
    {"()", 0, COPS_ESYNTAX, 1, "empty parentheses"},
    {"a ( ) b", 0, COPS_ESYNTAX, 3, "empty parentheses"},
    {"a NEAR/x b", 0, COPS_ESYNTAX, 3, "NEAR/ needs a number"},
    {"a NEAR/ b", 0, COPS_ESYNTAX, 3, "NEAR/ needs a number"},
    {"a NEAR/3x b", 0, COPS_ESYNTAX, 3, "NEAR/ needs a number"},
    {"a NEAR/0 b", 0, COPS_ESYNTAX, 3, "at least 1"},
    {"a NEAR/3 b NEAR/4 c", 0, COPS_ESYNTAX, 12, "one distance"},
    {"a* NEAR b", 0, COPS_ESYNTAX, 1, "NEAR joins only words and phrases"},
    {"a NEAR b*", 0, COPS_ESYNTAX, 8, "NEAR joins only words and phrases"},
    {"(a) NEAR b", 0, COPS_ESYNTAX, 1, "NEAR joins only words and phrases"},
    {"a NEAR (b)", 0, COPS_ESYNTAX, 8, "NEAR joins only words and phrases"},
    {"a NEAR -b", 0, COPS_ESYNTAX, 8, "NEAR joins only words and phrases"},
    {"a NEAR date:2017", 0, COPS_ESYNTAX, 8, "NEAR joins only words and phrases"},
    {"\"a b\"~", 0, COPS_ESYNTAX, 6, "slop '~' needs a number"},
    {"\"a b\"~x", 0, COPS_ESYNTAX, 6, "slop '~' needs a number"},
    {"title:", 0, COPS_ESYNTAX, 1, "title: needs a word, a phrase or a group"},
    {"a title: b", 0, COPS_ESYNTAX, 3, "title: needs a word, a phrase or a group"},
    {"title:\"a", 0, COPS_ESYNTAX, 7, "unbalanced quote"},
    {"date:", 0, COPS_ESYNTAX, 1, "date: needs a date"},
    {"x date:2017-02-30", 0, COPS_ESYNTAX, 8, "invalid date '2017-02-30'"},
    {"date:2017-02-29", 0, COPS_ESYNTAX, 6, "has no day 29"},
    {"date:1900-02-29", 0, COPS_ESYNTAX, 6, "has no day 29"},
    {"date:2017-04-31", 0, COPS_ESYNTAX, 6, "has no day 31"},
    {"date:2017-13", 0, COPS_ESYNTAX, 6, "month 13"},
    {"date:2017-00-10", 0, COPS_ESYNTAX, 6, "month 0"},
    {"date:0000", 0, COPS_ESYNTAX, 6, "no year 0"},
    {"date:17", 0, COPS_ESYNTAX, 6, "expected YYYY, YYYY-MM or YYYY-MM-DD"},
    {"date:2017-1-1", 0, COPS_ESYNTAX, 6, "expected YYYY"},
    {"date:2017/01/01", 0, COPS_ESYNTAX, 6, "expected YYYY"},
    {"date:abc", 0, COPS_ESYNTAX, 6, "invalid date 'abc'"},
    {"date:..", 0, COPS_ESYNTAX, 6, "needs a date on at least one side"},
    {"date:2017..2017-02-30", 0, COPS_ESYNTAX, 12, "invalid date '2017-02-30'"},
    {"date:2017..2018..2019", 0, COPS_ESYNTAX, 12, "invalid date '2018..2019'"},
    {"date:2018..2017", 0, COPS_ESYNTAX, 6, "ends before it starts"},
    /* an open parenthesis at the end is named, at its column */
    {"budget(", 0, COPS_ESYNTAX, 7, "unbalanced parenthesis: '(' is never closed"},
    {"a AND (", 0, COPS_ESYNTAX, 7, "'(' is never closed"},
    {"a ( ", 0, COPS_ESYNTAX, 3, "'(' is never closed"},
    /* syntax of other engines: a clear error, never a silent zero */
    {"author:smith", 0, COPS_ESYNTAX, 1, "unknown field 'author:'"},
    {"grant subtitle:x", 0, COPS_ESYNTAX, 7, "unknown field 'subtitle:'"},
    {"update:2017", 0, COPS_ESYNTAX, 1, "unknown field 'update:'"},
    {"x dates:x", 0, COPS_ESYNTAX, 3, "unknown field 'dates:'"},
    {"Title:rand", 0, COPS_ESYNTAX, 1, "field 'Title:' is written in lower case: title:"},
    {"TITLE:y", 0, COPS_ESYNTAX, 1, "lower case: title:"},
    {"Date:2017", 0, COPS_ESYNTAX, 1, "lower case: date:"},
    /* fuzzy words, boosts and field groups out of bounds or malformed */
    {"budget~3", 0, COPS_ESYNTAX, 7, "fuzzy '~3' is above the limit of 2 edits"},
    {"a title:budget~12", 0, COPS_ESYNTAX, 15, "above the limit of 2 edits"},
    {"bud*~1", 0, COPS_ESYNTAX, 5, "applies to a word, not to a prefix"},
    {"budget^0", 0, COPS_ESYNTAX, 7, "boost '^0' is out of range"},
    {"budget^0.0", 0, COPS_ESYNTAX, 7, "out of range: it must be above 0 and at most 1000"},
    {"budget^1000.5", 0, COPS_ESYNTAX, 7, "out of range"},
    {"budget^99999999999999999999", 0, COPS_ESYNTAX, 7, "out of range"},
    {"budget^1.2.3", 0, COPS_ESYNTAX, 7, "boost '^1.2.3' needs a number"},
    {"budget^.", 0, COPS_ESYNTAX, 7, "needs a number"},
    {"\"a b\"^0", 0, COPS_ESYNTAX, 6, "out of range"},
    {"(a b)^0", 0, COPS_ESYNTAX, 6, "out of range"},
    {"title:()", 0, COPS_ESYNTAX, 1, "empty field group: 'title:()' holds nothing"},
    {"x title:( )", 0, COPS_ESYNTAX, 3, "empty field group"},
    {"title:(a", 0, COPS_ESYNTAX, 1, "unbalanced parenthesis: 'title:(' is never closed"},
    {"x title:(a (b)", 0, COPS_ESYNTAX, 3, "'title:(' is never closed"},
    {"title:(a))", 0, COPS_ESYNTAX, 10, "')' has no matching '('"},
    {"a^2 NEAR b", 0, COPS_ESYNTAX, 1, "NEAR joins only words and phrases"},
    {"a NEAR b~1", 0, COPS_ESYNTAX, 8, "NEAR joins only words and phrases"},
    /* columns count characters, not bytes */
    {"é (ü", 0, COPS_ESYNTAX, 3, "'(' is never closed"},
    {"ünïcödé AND", 0, COPS_ESYNTAX, 9, "operator AND needs something after it"},
    {"東京 date:2017-02-30", 0, COPS_ESYNTAX, 9, "invalid date"},
    {"\xff\xfe )", 0, COPS_ESYNTAX, 4, "')' has no matching '('"},
    /* bounds that are not syntax */
    {"a NEAR/1001 b", 0, COPS_ELIMIT, 0, "above the limit of 1000"},
    {"a NEAR/99999999999999999999 b", 0, COPS_ELIMIT, 0, "above the limit of 1000"},
    {"\"a b\"~1001", 0, COPS_ELIMIT, 0, "above the limit of 1000"},
};

Test(parser, table_of_errors)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case *c = &error_cases[i];
        query_node *tree = (query_node *)&tree; /* must be reset to NULL */
        cops_error err = {0};
        int status = query_parse(c->query, c->flags, &tree, &err);
        cr_expect_eq(status, c->code, "query [%s]: status %d, expected %d (%s)", c->query,
                     status, c->code, err.message);
        cr_expect_eq(err.code, c->code, "query [%s]: err.code", c->query);
        cr_expect_eq(err.column, c->column, "query [%s]: column %zu, expected %zu (%s)",
                     c->query, err.column, c->column, err.message);
        cr_expect_not_null(strstr(err.message, c->reason), "query [%s]: message [%s] lacks [%s]",
                           c->query, err.message, c->reason);
        cr_expect_null(tree, "query [%s]: *out not reset", c->query);
        cr_expect_null(strchr(err.message, '\n'), "query [%s]: message spans lines", c->query);
        query_free(status == COPS_OK ? tree : NULL);
    }
}

/* Lower-case operators between words: the column noted, 0 when none. */
Test(parser, operator_lookalikes)
{
    static const struct {
        const char *query;
        int default_or;
        size_t column;
        const char *word;
    } cases[] = {
        {"attorney or lawyer", 0, 10, "or"},
        {"a and b", 0, 3, "and"},
        {"a not b", 0, 3, "not"},
        {"a b or c", 1, 5, "or"},
        {"x (a or b) y", 0, 6, "or"},
        {"é or b", 0, 3, "or"},
        {"a OR b", 0, 0, ""},
        {"or b", 0, 0, ""},
        {"a or", 0, 0, ""},
        {"a or -b", 0, 0, ""},     /* the exclusion is no word on its right */
        {"a -or b", 0, 0, ""},
        {"\"a or b\"", 0, 0, ""},
        {"title:or a b", 0, 0, ""},
        {"a Or b", 0, 0, ""},      /* only the lower-case words */
        {"a oregon b", 0, 0, ""},
        {"a or (b", 0, 0, ""},     /* a query that does not parse */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char word[4] = "xyz";
        size_t column = cops_query_operator_lookalike(cases[i].query, cases[i].default_or, word);
        cr_expect_eq(column, cases[i].column, "[%s]: column %zu, expected %zu", cases[i].query,
                     column, cases[i].column);
        cr_expect_str_eq(word, cases[i].word, "[%s]: word", cases[i].query);
    }
}

Test(parser, errors_without_an_error_record)
{
    query_node *tree;
    cr_expect_eq(query_parse("(a", 0, &tree, NULL), COPS_ESYNTAX);
    cr_expect_null(tree);
    cr_expect_eq(query_parse("a", 0, &tree, NULL), COPS_OK);
    query_free(tree);
}

Test(parser, invalid_arguments)
{
    query_node *tree;
    cops_error err = {0};
    cr_expect_eq(query_parse(NULL, 0, &tree, &err), COPS_EINVAL);
    cr_expect_null(tree);
    cr_expect_eq(query_parse("a", 0, NULL, &err), COPS_EINVAL);
    cr_expect_eq(query_parse("a", 4, &tree, &err), COPS_EINVAL);
    cr_expect_not_null(strstr(err.message, "unknown flags"));
    query_free(NULL);
}

Test(parser, node_columns_count_characters)
{
    query_node *tree;
    cops_error err = {0};
    cr_assert_eq(query_parse("é -\"ü x\" title:東*", 0, &tree, &err), COPS_OK, "%s", err.message);
    cr_assert_eq(tree->kind, QUERY_AND);
    cr_assert_eq(tree->child_count, 3);
    cr_expect_eq(tree->column, 1);
    cr_expect_eq(tree->children[0]->column, 1);
    cr_expect_eq(tree->children[1]->kind, QUERY_PREFIX);
    cr_expect_eq(tree->children[1]->column, 10);
    cr_expect_eq(tree->children[1]->field, QUERY_FIELD_TITLE);
    cr_expect_str_eq(tree->children[1]->text, "東");
    cr_expect_eq(tree->children[2]->kind, QUERY_NOT);
    cr_expect_eq(tree->children[2]->column, 3);
    cr_expect_eq(tree->children[2]->children[0]->column, 4);
    cr_expect_str_eq(tree->children[2]->children[0]->text, "ü x");
    query_free(tree);
}

Test(parser, human_readable_tree)
{
    query_node *tree;
    byte_buffer out = BUFFER_INIT;
    cr_assert_eq(query_parse("+a -\"b c\"~2 d* date:2017.. e NEAR/1 f", 0, &tree, NULL),
                 COPS_OK);
    query_format_tree(tree, &out);
    buffer_append_byte(&out, '\0');
    cr_expect_str_eq((const char *)out.data,
                     "AND  (all of)\n"
                     "  AND_MAYBE  (the first must match, the second only adds to the score)\n"
                     "    WORD \"a\"\n"
                     "    OR  (any of)\n"
                     "      PREFIX \"d\"*  (words starting with it)\n"
                     "      DATE 2017-01-01..\n"
                     "      NEAR/1  (all within 1 word, any order)\n"
                     "        WORD \"e\"\n"
                     "        WORD \"f\"\n"
                     "  NOT  (must not match)\n"
                     "    PHRASE \"b c\"~2  (words up to 2 positions out of place)\n");
    buffer_free(&out);
    query_free(tree);

    cr_assert_eq(query_parse("-title:x", 0, &tree, NULL), COPS_OK);
    query_format_tree(tree, &out);
    buffer_append_byte(&out, '\0');
    cr_expect_str_eq((const char *)out.data, "AND  (all of)\n"
                                             "  ALL  (every document)\n"
                                             "  NOT  (must not match)\n"
                                             "    WORD title:\"x\"\n");
    buffer_free(&out);
    query_free(tree);
}

/* ------------------------------------------------------------- bounds */

static char *repeat(const char *unit, size_t times, const char *middle)
{
    size_t unit_length = strlen(unit), middle_length = strlen(middle);
    char *text = malloc(unit_length * times + middle_length + 1);
    cr_assert_not_null(text);
    for (size_t i = 0; i < times; i++)
        memcpy(text + i * unit_length, unit, unit_length);
    memcpy(text + unit_length * times, middle, middle_length + 1);
    return text;
}

static int parse_status(const char *query, int flags, cops_error *err)
{
    query_node *tree = NULL;
    int status = query_parse(query, flags, &tree, err);
    query_free(tree);
    return status;
}

/* "((((a))))" nested `depth` deep. */
static char *nested(size_t depth)
{
    char *text = malloc(2 * depth + 2);
    cr_assert_not_null(text);
    memset(text, '(', depth);
    text[depth] = 'a';
    memset(text + depth + 1, ')', depth);
    text[2 * depth + 1] = '\0';
    return text;
}

Test(parser, nesting_depth)
{
    cops_error err = {0};
    char *ok = nested(QUERY_MAX_DEPTH);
    cr_expect_eq(parse_status(ok, 0, &err), COPS_OK, "%s", err.message);
    free(ok);

    char *too_deep = nested(QUERY_MAX_DEPTH + 1);
    cr_expect_eq(parse_status(too_deep, 0, &err), COPS_ELIMIT);
    cr_expect_not_null(strstr(err.message, "nest deeper than the limit of 32"), "%s",
                       err.message);
    free(too_deep);

    /* Deepest nesting that fits the length bound: refused while descending. */
    char *deep = repeat("(", QUERY_MAX_BYTES - 1, "a");
    cr_expect_eq(parse_status(deep, 0, &err), COPS_ELIMIT);
    cr_expect_not_null(strstr(err.message, "nest deeper"), "%s", err.message);
    free(deep);

    char *huge = nested(100000);
    cr_expect_eq(parse_status(huge, 0, &err), COPS_ELIMIT);
    cr_expect_eq(parse_status(huge, LITERAL, &err), COPS_ELIMIT);
    free(huge);

    /* NOT chains do not recurse and are not nesting. */
    char *nots = repeat("NOT ", (QUERY_MAX_BYTES - 1) / 4, "x");
    cr_expect_eq(parse_status(nots, 0, &err), COPS_OK, "%s", err.message);
    free(nots);
}

Test(parser, query_length)
{
    cops_error err = {0};
    char *longest = repeat("a", QUERY_MAX_BYTES, "");
    cr_expect_eq(parse_status(longest, 0, &err), COPS_OK, "%s", err.message);
    cr_expect_eq(parse_status(longest, LITERAL, &err), COPS_OK, "%s", err.message);
    free(longest);

    char *too_long = repeat("a", QUERY_MAX_BYTES + 1, "");
    cr_expect_eq(parse_status(too_long, 0, &err), COPS_ELIMIT);
    cr_expect_eq(err.column, 0);
    cr_expect_not_null(strstr(err.message, "longer than the limit of 8192 bytes"), "%s",
                       err.message);
    cr_expect_eq(parse_status(too_long, LITERAL, &err), COPS_ELIMIT);
    free(too_long);
}

Test(parser, node_count)
{
    cops_error err = {0};
    /* n words joined by AND make n + 1 nodes. */
    char *fits = repeat("a ", QUERY_MAX_NODES - 1, "");
    cr_expect_eq(parse_status(fits, 0, &err), COPS_OK, "%s", err.message);
    free(fits);

    char *too_many = repeat("a ", QUERY_MAX_NODES, "");
    cr_expect_eq(parse_status(too_many, 0, &err), COPS_ELIMIT);
    cr_expect_not_null(strstr(err.message, "more than 1024 parts"), "%s", err.message);
    cr_expect_eq(parse_status(too_many, OR_DEFAULT, &err), COPS_ELIMIT);
    /* Literal mode fails only on length. */
    cr_expect_eq(parse_status(too_many, LITERAL, &err), COPS_OK, "%s", err.message);
    free(too_many);

    char *exclusions = repeat("-a ", QUERY_MAX_NODES, "");
    cr_expect_eq(parse_status(exclusions, 0, &err), COPS_ELIMIT);
    free(exclusions);

    char *literal = repeat("a ", QUERY_MAX_BYTES / 2, "");
    query_node *tree;
    cr_assert_eq(query_parse(literal, LITERAL, &tree, &err), COPS_OK, "%s", err.message);
    cr_expect_eq(tree->child_count, QUERY_MAX_BYTES / 2);
    query_free(tree);
    free(literal);
}

/* ------------------------------------------- invariants and fuzzing */

static size_t utf8_characters(const char *text)
{
    size_t count = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        count += (*c & 0xc0) != 0x80;
    return count;
}

static bool is_leaf(query_kind kind)
{
    return kind == QUERY_WORD || kind == QUERY_PHRASE || kind == QUERY_PREFIX || kind == QUERY_FUZZY;
}

/* Check the canonical shapes promised in parser.h; returns the node count. */
static size_t check_shape(const query_node *node, const query_node *parent, size_t max_column,
                          const char *query)
{
    cr_assert(node->column >= 1 && node->column <= max_column, "[%s]: column %zu", query,
              node->column);
    size_t count = 1, positives = 0, negatives = 0;
    for (size_t i = 0; i < node->child_count; i++) {
        const query_node *child = node->children[i];
        if (child->kind == QUERY_NOT)
            negatives++;
        else
            positives++;
        if (node->kind == QUERY_AND && child->kind != QUERY_NOT)
            cr_assert_eq(negatives, 0, "[%s]: AND lists a positive after a NOT", query);
        cr_assert(child->kind != node->kind || node->kind == QUERY_NOT ||
                      node->kind == QUERY_AND_MAYBE,
                  "[%s]: %d nested in itself", query, node->kind);
        count += check_shape(child, node, max_column, query);
    }
    switch (node->kind) {
    case QUERY_WORD:
    case QUERY_PHRASE:
    case QUERY_PREFIX:
        cr_assert(node->text && node->text[0], "[%s]: empty leaf text", query);
        cr_assert_eq(node->child_count, 0);
        break;
    case QUERY_DATE_RANGE:
        cr_assert(node->date_from || node->date_to, "[%s]: unbounded date", query);
        cr_assert(!node->date_from || !node->date_to || node->date_from <= node->date_to);
        cr_assert_eq(node->child_count, 0);
        break;
    case QUERY_AND:
        cr_assert(node->child_count >= 2, "[%s]: AND with %zu children", query,
                  node->child_count);
        cr_assert(positives >= 1, "[%s]: AND without a positive child", query);
        for (size_t i = 1; i < node->child_count; i++)
            cr_assert_neq(node->children[i]->kind, QUERY_ALL, "[%s]: ALL not first", query);
        if (node->children[0]->kind == QUERY_ALL)
            cr_assert_eq(positives, 1, "[%s]: ALL beside another positive", query);
        break;
    case QUERY_OR:
        cr_assert(node->child_count >= 2, "[%s]: OR with %zu children", query,
                  node->child_count);
        cr_assert_eq(negatives, 0, "[%s]: NOT under OR", query);
        break;
    case QUERY_NOT:
        cr_assert_eq(node->child_count, 1);
        cr_assert(parent && parent->kind == QUERY_AND, "[%s]: NOT outside AND", query);
        cr_assert_neq(node->children[0]->kind, QUERY_NOT);
        break;
    case QUERY_AND_MAYBE:
        cr_assert_eq(node->child_count, 2, "[%s]", query);
        cr_assert_eq(negatives, 0, "[%s]: NOT under AND_MAYBE", query);
        break;
    case QUERY_NEAR:
        cr_assert(node->child_count >= 2);
        cr_assert(node->distance >= 1 && node->distance <= QUERY_MAX_DISTANCE);
        for (size_t i = 0; i < node->child_count; i++)
            cr_assert(node->children[i]->kind == QUERY_WORD ||
                          node->children[i]->kind == QUERY_PHRASE,
                      "[%s]: NEAR over a %d", query, node->children[i]->kind);
        break;
    case QUERY_ALL:
        cr_assert(parent && parent->kind == QUERY_AND, "[%s]: ALL outside AND", query);
        cr_assert_eq(node->child_count, 0);
        break;
    case QUERY_FUZZY:
        cr_assert(node->text && node->text[0], "[%s]: empty fuzzy word", query);
        cr_assert(node->distance >= 1 && node->distance <= QUERY_MAX_FUZZY);
        cr_assert_eq(node->child_count, 0);
        break;
    case QUERY_BOOST:
        cr_assert_eq(node->child_count, 1, "[%s]", query);
        cr_assert(node->boost > 0 && node->boost <= QUERY_MAX_BOOST, "[%s]", query);
        cr_assert_eq(negatives, 0, "[%s]: NOT under BOOST", query);
        break;
    }
    if (is_leaf(node->kind) || node->kind == QUERY_DATE_RANGE || node->kind == QUERY_ALL)
        cr_assert_null(node->children);
    return count;
}

static uint64_t random_state = 0x9e3779b97f4a7c15u;

static uint32_t random_below(uint32_t bound)
{
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return (uint32_t)(random_state % bound);
}

Test(parser, random_queries_parse_or_fail_cleanly)
{
    static const char *const pieces[] = {
        "(", ")", "\"", "*", "+", "-", ":", "~", "/", " ", " ", " ", "AND", "OR", "NOT",
        "NEAR", "NEAR/3", "NEAR/", "title:", "date:", "2017", "-11", "-30", "..", "a", "bé",
        "東", "7", "x", "\xff", "~2", "\t",
    };
    const size_t piece_count = sizeof pieces / sizeof pieces[0];
    char query[512];
    size_t successes = 0, failures = 0;
    for (int round = 0; round < 20000; round++) {
        size_t length = 0, wanted = 1 + random_below(24);
        for (size_t i = 0; i < wanted; i++) {
            const char *piece = pieces[random_below((uint32_t)piece_count)];
            size_t piece_length = strlen(piece);
            memcpy(query + length, piece, piece_length);
            length += piece_length;
        }
        query[length] = '\0';
        int flags = (int)random_below(4);
        query_node *tree = NULL;
        cops_error err = {0};
        int status = query_parse(query, flags, &tree, &err);
        size_t max_column = utf8_characters(query) + 1;
        if (status == COPS_OK) {
            successes++;
            cr_assert_not_null(tree);
            size_t nodes = check_shape(tree, NULL, max_column, query);
            cr_assert(flags & LITERAL || nodes <= QUERY_MAX_NODES);
            byte_buffer out = BUFFER_INIT;
            query_format_sexpr(tree, &out);
            query_format_tree(tree, &out);
            cr_assert(out.length > 0 && !buffer_failed(&out));
            buffer_free(&out);
            query_free(tree);
        } else {
            failures++;
            cr_assert_null(tree);
            cr_assert(status == COPS_ESYNTAX || status == COPS_ELIMIT, "[%s]: status %d", query,
                      status);
            cr_assert(!(flags & LITERAL) || strcmp(err.message, "empty query") == 0,
                      "[%s]: literal mode failed: %s", query, err.message);
            cr_assert_eq(err.code, status);
            cr_assert(err.message[0] != '\0');
            if (status == COPS_ESYNTAX)
                cr_assert(err.column >= 1 && err.column <= max_column,
                          "[%s]: column %zu outside 1..%zu (%s)", query, err.column, max_column,
                          err.message);
        }
    }
    /* Both outcomes must actually be exercised for the test to mean anything. */
    cr_expect_gt(successes, 1000);
    cr_expect_gt(failures, 1000);
}
