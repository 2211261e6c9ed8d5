#!/bin/sh
# tests/install/modules.sh BINDIR LIBDIR CORPUS WITH_XAPIAN(yes|no) TMPDIR
# Run by installcheck (and so by distcheck): the installed programs load
# the installed modules from beside the installed libcops (base/module.h;
# cops-query linked with the engine, configure --enable-static-query, from
# where they are installed relative to it; linked -static-pie, it hands a
# Xapian query to cops-query-dynamic in $(pkglibexecdir), which finds them
# relative to itself), and a copy of the library or of cops-query without
# the modules (or without its twin) says what is missing in one line and
# exits 2.
set -u
bindir=$1 libdir=$2 corpus=$3 with_xapian=$4 tmp=$5
fail() { echo "installcheck: $*" >&2; exit 1; }
LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH

mkdir "$tmp/pages" || exit 1
printf '<html><head><title>Installed page</title></head><body><p>grant city</p></body></html>\n' \
    >"$tmp/pages/page.html"
"$bindir/cops-index" -q -i "$tmp/html" "$tmp/pages" || fail "the installed readers module"
"$bindir/cops-query" -i "$tmp/html" city | grep -q 'Installed page' ||
    fail "the page indexed by the installed readers module is not found"
if [ "$with_xapian" = yes ]; then
    "$bindir/cops-index" -q --engine xapian -i "$tmp/xapian" "$corpus" ||
        fail "the installed Xapian engine cannot build"
    "$bindir/cops-query" -i "$tmp/xapian" grant >/dev/null ||
        fail "the installed Xapian engine cannot search"
fi

# The same library, copied without its modules (out of the build tree,
# where the build's own modules would be found: base/module.h).
bare=$(mktemp -d "${TMPDIR:-/tmp}/cops-installcheck.XXXXXX") || exit 1
trap 'rm -rf "$bare"' EXIT
cp -P "$libdir"/libcops.so* "$bare/" || exit 1
# and cops-query copied alone (linked with the engine, configure
# --enable-static-query, it looks where the modules would be installed
# relative to it)
mkdir "$bare/bin" && cp "$bindir/cops-query" "$bare/bin/" || exit 1
LD_LIBRARY_PATH=$bare
"$bindir/cops-index" -q -i "$tmp/html-again" "$tmp/pages" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 2 ] &&
    grep -q "reading it needs cops's document readers, which are not installed: install it" "$tmp/err" ||
    fail "without the readers module: $(cat "$tmp/err")"
if [ "$with_xapian" = yes ]; then
    "$bare/bin/cops-query" -i "$tmp/xapian" grant >/dev/null 2>"$tmp/err"
    [ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
        grep -q "this index was built by the Xapian engine, which is not installed: install it" \
            "$tmp/err" ||
        fail "without the Xapian module: $(cat "$tmp/err")"
fi
# A native index needs no module at all.
"$bindir/cops-query" -i "$tmp/index" grant >/dev/null || fail "a native query without modules"
exit 0
