#!/bin/sh
# Without its modules (base/module.h), libcops still recognises what needs
# them and says so in one line, exit 2, changing nothing: a copy of the
# build's libcops outside the build tree looks for its modules beside it
# (cops/modules/), where this test puts none, and so does a copy of
# cops-query linked with the engine (configure --enable-static-query),
# where they would be installed relative to it.  A native index needs no
# module.  (tests/install/modules.sh checks the installed layout, with
# the modules in place, at installcheck.)
. "$COPS_SRCDIR/tests/cli/lib.sh"
real_programs

cd "$TMP" || exit 99
copy_seed_corpus "$TMP" || exit 99
mkdir pages bare || exit 99
printf '<html><head><title>Grant page</title></head><body><p>a grant for the city</p></body></html>\n' \
    >pages/page.html
expect_exit 0 "a native index" -- "$INDEX" -q -i idx corpus
with_xapian=no
if [ -f "$COPS_BUILDDIR/xapian/.libs/xapian.so" ]; then
    with_xapian=yes
    expect_exit 0 "a Xapian index" -- "$INDEX" -q --engine xapian -i xap corpus
fi

cp -P "$COPS_BUILDDIR"/.libs/libcops.so* bare/ || exit 99
mkdir bare/bin && cp "$QUERY" bare/bin/ || exit 99
QUERY=$TMP/bare/bin/$(basename "$QUERY")
LD_LIBRARY_PATH=$TMP/bare${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH

expect_exit 0 "without modules, a native index is searched" -- "$QUERY" -i idx grant
expect_stdout_contains "grant"

expect_exit 2 "without the readers module, a build of an HTML page fails" -- \
    "$INDEX" -q -i html-idx pages
expect_stderr_contains "pages/page.html: reading it needs cops's document readers, which are not installed: install it ("
expect_stderr_contains "/bare/cops/modules/readers.so is missing)"
check "and leaves no index" test ! -e html-idx/MANIFEST

# The modules are looked for relative to libcops, so a copy of libcops in a
# folder others can write would load whatever anyone put beside it: a
# module is checked as cops-query's twin is (base/module.c, open_trusted).
mkdir -p bare/cops/modules || exit 99
ln -s "$COPS_BUILDDIR/indexer/.libs/readers.so" bare/cops/modules/readers.so || exit 99
expect_exit 2 "a module that is a symbolic link is not loaded" -- "$INDEX" -q -i html-idx pages
expect_stderr_contains "/bare/cops/modules/readers.so is a symbolic link, which cops does not install"
rm -f bare/cops/modules/readers.so && cp "$COPS_BUILDDIR/indexer/.libs/readers.so" bare/cops/modules/ || exit 99
chmod o+w bare/cops/modules/readers.so || exit 99
expect_exit 2 "a module writable by others is not loaded" -- "$INDEX" -q -i html-idx pages
expect_stderr_contains "readers.so or its folder is writable by others"
chmod o-w bare/cops/modules/readers.so && chmod o+w bare/cops/modules || exit 99
expect_exit 2 "a module in a folder writable by others is not loaded" -- "$INDEX" -q -i html-idx pages
expect_stderr_contains "readers.so or its folder is writable by others"
check "and leaves no index" test ! -e html-idx/MANIFEST
chmod o-w bare/cops/modules || exit 99
expect_exit 0 "a module of the library's owner beside it is loaded" -- "$INDEX" -q -i html-idx pages
rm -rf bare/cops html-idx || exit 99

expect_exit 2 "without the Xapian module, --engine xapian fails" -- \
    "$INDEX" -q --engine xapian -i xap2 corpus
expect_stderr_contains "--engine xapian asks for the Xapian engine, which is not installed"
check "and writes nothing" test ! -e xap2

if [ $with_xapian = yes ]; then
    expect_exit 2 "without the Xapian module, a Xapian index is recognised" -- \
        "$QUERY" -i xap grant
    expect_stderr_contains "xap: this index was built by the Xapian engine, which is not installed: install it ("
    expect_stderr_contains "$TMP/bare/"
    # linked -static-pie, cops-query cannot load the module itself: what
    # it misses then is its twin (configure.ac, "cops-query without a
    # loader"), looked for where it would be installed relative to it
    if [ "$COPS_STATIC_PIE_QUERY" = yes ]; then
        expect_stderr_contains "/cops-query-dynamic is missing)"
    else
        expect_stderr_contains "/xapian.so is missing)"
    fi
    check "in one line" test "$(wc -l <"$ERR")" = 1
else
    skip "without the Xapian module, a Xapian index is recognised" "built without Xapian"
fi

# The twin is looked for relative to wherever cops-query is, so a copy or
# a hard link of it in a folder others can write finds a "twin" anyone
# could have put there: cops-query runs one only when it and its folder
# are its owner's or root's and writable by no one else, never through a
# symbolic link, and never itself (a link back to cops-query handed off to
# itself forever).
if [ $with_xapian = yes ] && [ "$COPS_STATIC_PIE_QUERY" = yes ]; then
    twin=$TMP/bare/libexec/cops/cops-query-dynamic
    mkdir -p "$TMP/bare/libexec/cops" && ln -s ../../bin/cops-query "$twin" || exit 99
    expect_exit 2 "a twin that is a symbolic link to cops-query is not run" -- \
        "$QUERY" -i xap grant
    expect_stderr_contains "cops-query-dynamic is a symbolic link, which cops does not install"
    rm -f "$twin" && ln "$QUERY" "$twin" || exit 99
    expect_exit 2 "a twin that is cops-query itself (a hard link) is not run" -- \
        "$QUERY" -i xap grant
    expect_stderr_contains "cops-query-dynamic is this program itself"
    rm -f "$twin" && cp "$COPS_BUILDDIR/cops-query-dynamic" "$twin" && chmod o+w "$twin" || exit 99
    expect_exit 2 "a twin writable by others is not run" -- "$QUERY" -i xap grant
    expect_stderr_contains "cops-query-dynamic or its folder is writable by others"
    check "in one line" test "$(wc -l <"$ERR")" = 1
    chmod o-w "$twin" && chmod o+w "$TMP/bare/libexec/cops" || exit 99
    expect_exit 2 "a twin in a folder writable by others is not run" -- "$QUERY" -i xap grant
    expect_stderr_contains "cops-query-dynamic or its folder is writable by others"
    chmod o-w "$TMP/bare/libexec/cops" || exit 99
    expect_exit 2 "a twin of its owner in its folder is run (and misses its modules)" -- \
        "$QUERY" -i xap grant
    expect_stderr_contains "/xapian.so is missing)"
else
    skip "cops-query runs only a twin it can trust" "not linked -static-pie, or built without Xapian"
fi

done_testing
