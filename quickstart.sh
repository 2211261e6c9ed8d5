#!/bin/sh
# cops quick start on Debian 12 (as root, or a user with sudo).
#
#   ./quickstart.sh         install missing packages, build, index corpus/,
#                           run cops-query "sanctuary AND grant"
#   ./quickstart.sh check   the same set-up when needed, then the whole
#                           test suite (make check)
#
# Safe to re-run: packages already installed are not touched, and an
# existing build is only brought up to date.  Each step prints one line;
# what apt, configure, make and the tests print goes to quickstart.log,
# whose last lines are shown when a step fails.
set -eu
cd "$(dirname "$0")"
log=$(pwd)/quickstart.log

mode=${1:-run}
case $mode in
run | check) ;;
*) echo "usage: $0 [check]" >&2; exit 2 ;;
esac
: >"$log"
echo "quickstart: details in $log"

# step DESCRIPTION COMMAND...: one line, the command's output in the log;
# on failure the log's last lines, and exit 1.
step()
{
    echo "quickstart: $1"
    shift
    printf '\n== %s\n' "$*" >>"$log"
    if ! "$@" >>"$log" 2>&1; then
        echo "quickstart: failed: $*; the last lines of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
}

# Build and library dependencies; the tests also use python3 (JSON checks)
# and util-linux's flock (lock tests); xapian-core enables the Xapian binding,
# xapian-tools's xapian-tcpsrv the tests of searching shards on other machines;
# time's /usr/bin/time measures peak memory in the hostile-input tests;
# libmagic, uchardet, poppler-glib, GMime and libarchive read the inputs'
# file types, character sets, PDF, e-mail, archives and office documents;
# libmicrohttpd-dev builds cops-serve, whose page is tested in chromium
# driven by playwright-core from npm (nodejs, npm: `npm ci` in tests/browser).
packages="build-essential autoconf automake libtool pkg-config zlib1g-dev libdeflate-dev libutf8proc-dev
libstemmer-dev libjansson-dev libxml2-dev libxxhash-dev libcriterion-dev libxapian-dev
xapian-tools python3 util-linux gzip time
libmagic-dev libuchardet-dev libpoppler-glib-dev libgmime-3.0-dev libarchive-dev
libmicrohttpd-dev chromium nodejs"
# npm comes with NodeSource's nodejs; Debian's own nodejs needs Debian's npm
# (which NodeSource's nodejs conflicts with, so ask for it only when missing).
command -v npm >/dev/null 2>&1 || packages="$packages npm"

missing=
count=0
for package in $packages; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q 'install ok installed' ||
        { missing="$missing $package"; count=$((count + 1)); }
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        as_root=
    elif command -v sudo >/dev/null 2>&1; then
        as_root=sudo
    else
        echo "quickstart: these packages are missing and installing them needs root:$missing" >&2
        exit 1
    fi
    step "updating the package lists" $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    step "installing $count packages:$missing" \
        $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    step "generating configure (autoreconf)" autoreconf -fi
fi
if [ ! -f Makefile ]; then
    step "configuring" ./configure
fi
jobs=$(nproc 2>/dev/null || echo 2)
step "building (make -j$jobs)" make -j"$jobs"
warnings=$(grep -c ': warning: ' "$log" || true)
[ "$warnings" = 0 ] || echo "quickstart: the build printed $warnings compiler warnings (see $log)" >&2

if [ "$mode" = check ]; then
    # The browser test's playwright-core, as tests/browser/package-lock.json pins it.
    if [ ! -d tests/browser/node_modules/playwright-core ]; then
        echo "quickstart: installing the browser test's playwright-core (npm ci)"
        (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) >>"$log" 2>&1 ||
            echo "quickstart: npm ci failed in tests/browser (see $log): the browser test will be skipped" >&2
    fi
    echo "quickstart: running the test suite (make -j$jobs check, a few minutes)"
    printf '\n== make -j%s check\n' "$jobs" >>"$log"
    rm -f test-suite.log # a stale one must not speak for this run
    passed=yes
    make -j"$jobs" check >>"$log" 2>&1 || passed=no
    # The totals of Automake's test-suite.log: "# PASS:  12" and so on.
    total()
    {
        _count=$(sed -n "s/^# $1: *\([0-9]*\)\$/\1/p" test-suite.log 2>/dev/null | head -n 1)
        echo "${_count:-0}"
    }
    failed=$(($(total FAIL) + $(total ERROR) + $(total XPASS)))
    if [ "$passed" = no ]; then
        if [ -s test-suite.log ]; then
            cat test-suite.log # the logs of the failing tests, for CI
        else
            tail -n 30 "$log"
        fi
    fi
    echo "quickstart: tests: $(total PASS) passed, $failed failed," \
        "$(total SKIP) skipped, $(total XFAIL) expected failures (log: $log)"
    [ "$passed" = yes ] || exit 1
else
    step "indexing corpus/ into .cops" ./cops-index
    ./cops-query "sanctuary AND grant"
fi
