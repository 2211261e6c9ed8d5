#!/bin/sh
# What a program maps is what it needs: the Xapian engine and the
# document readers are modules (base/module.h), so a query on a native
# index maps neither libxapian, nor the readers' libraries (libxml2 and
# ICU, libarchive, libmagic, uchardet, GLib, poppler, GMime), nor the C++
# runtime, and a build of plain UTF-8 text maps none of them either.  The dynamic loader says what
# it loads (LD_DEBUG=files: "file=NAME [0];  needed by WHO"); a library
# needed only by a sanitizer runtime (libubsan needs the C++ runtime) is
# not the program's.  Positive controls: an HTML build maps libxml2, and
# a query on a Xapian index (when the engine is built) maps libxapian,
# so the check sees a library when one is loaded.
. "$COPS_SRCDIR/tests/cli/lib.sh"
real_programs

cd "$TMP" || exit 99
copy_seed_corpus "$TMP" || exit 99
mkdir pages || exit 99
printf '<html><head><title>Grant page</title></head><body><p>a grant for the city</p></body></html>\n' \
    >pages/page.html

# The libraries the last run loaded, but for those only a sanitizer
# runtime needs, one "NAME needed by WHO" a line.
loaded()
{
    sed -n 's/.*file=\([^ ]*\) \[[0-9]*\];  needed by \([^ ]*\).*/\1 needed by \2/p' "$ERR" |
        grep -v -e 'needed by [^ ]*lib[a-z]*san\.so' -e 'needed by [^ ]*libubsan\.so'
}

# check_maps DESC yes|no ERE: whether the last run loaded a library
# whose name matches ERE.
check_maps()
{
    if loaded | grep -q -E "^($3)"; then _found=yes; else _found=no; fi
    if [ "$_found" = "$2" ]; then
        pass "$1"
    else
        fail "$1" "loaded:" "$(loaded)"
    fi
}

CXX_RUNTIME='libstdc\+\+|libxapian|libxml2|libicu|libarchive|libmagic|libuchardet|libglib|libgobject|libpoppler|libgmime'

LD_DEBUG=files expect_exit 0 "a build of plain text" -- "$INDEX" -q -i idx corpus
check_maps "a build of plain text maps no reader library, libxapian or C++ runtime" no "$CXX_RUNTIME"

LD_DEBUG=files expect_exit 0 "cops-query --version" -- "$QUERY" --version
check_maps "cops-query --version maps none of them" no "$CXX_RUNTIME"

# Linked with the engine (configure --enable-static-query: cops-query is
# then no libtool wrapper), cops-query maps no libcops and none of the
# libraries whose archives it took in (each mapped library costs page
# faults at every start).  It stays position-independent: its ELF type
# (bytes 16-17, little-endian) is ET_DYN (3), not ET_EXEC (2), so the
# loader randomises where its code lies, as it should for a program that
# reads strangers' bytes.
if [ "$QUERY" = "$COPS_BUILDDIR/cops-query" ]; then
    check_maps "cops-query linked with the engine maps neither libcops nor its libraries" no \
        'libcops|libstemmer|libz\.|libdeflate|libutf8proc|libxxhash|libjansson'
    elf_type=$(od -An -tu2 -j16 -N2 "$QUERY" | tr -d ' ')
    if [ "$elf_type" = 3 ]; then
        pass "cops-query linked with the engine is position-independent"
    else
        fail "cops-query linked with the engine is position-independent" "ELF type $elf_type, not 3 (ET_DYN)"
    fi
else
    skip "cops-query linked with the engine maps neither libcops nor its libraries" \
        "configured --disable-static-query (or the archives are missing)"
    skip "cops-query linked with the engine is position-independent" \
        "configured --disable-static-query (or the archives are missing)"
fi

# Linked -static-pie (configure --enable-static-pie-query), cops-query
# starts without the dynamic loader: it maps no library at all, not even
# the C library, and the loader has nothing to report.
if [ "$COPS_STATIC_PIE_QUERY" = yes ]; then
    LD_DEBUG=files expect_exit 0 "cops-query -static-pie --version" -- "$QUERY" --version
    check_maps "cops-query linked -static-pie maps no library, not even libc" no \
        '[^ ]* needed by [^ ]*/cops-query$'
else
    skip "cops-query linked -static-pie maps no library, not even libc" \
        "configured --disable-static-pie-query (or it does not link)"
fi

LD_DEBUG=files expect_exit 0 "a query on the native index" -- "$QUERY" -i idx grant
expect_stdout_contains "grant"
check_maps "a query on a native index maps no libxapian, reader library or C++ runtime" no \
    "$CXX_RUNTIME"

LD_DEBUG=files expect_exit 0 "a build of an HTML page" -- "$INDEX" -q -i html-idx pages
check_maps "an HTML page loads the readers' libxml2" yes 'libxml2'
expect_exit 0 "the page is found" -- "$QUERY" -i html-idx city
expect_stdout_contains "Grant page"

if [ -f "$COPS_BUILDDIR/xapian/.libs/xapian.so" ]; then
    expect_exit 0 "a Xapian index" -- "$INDEX" -q --engine xapian -i xap corpus
    LD_DEBUG=files expect_exit 0 "a query on the Xapian index" -- "$QUERY" -i xap grant
    check_maps "a query on a Xapian index loads libxapian" yes 'libxapian'
    expect_stdout_contains "grant"
    # A program without the loader cannot load the engine's module: it
    # hands the run to its twin, linked as before, which the loader starts
    # under the same argv[0], so the C library is then mapped for
    # "cops-query" (glibc's dlopen in the static program would map it for
    # the module only, a second C library in the process).
    if [ "$COPS_STATIC_PIE_QUERY" = yes ]; then
        check_maps "a query on a Xapian index is handed to cops-query-dynamic" yes \
            'libc\.so\.6 needed by [^ ]*/cops-query$'
    else
        skip "a query on a Xapian index is handed to cops-query-dynamic" \
            "configured --disable-static-pie-query (or it does not link)"
    fi
else
    skip "a query on a Xapian index loads libxapian" "built without Xapian"
    skip "a query on a Xapian index is handed to cops-query-dynamic" "built without Xapian"
fi

done_testing
