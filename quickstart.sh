#!/bin/sh
# cops quick start on Debian 12 (as root, or a user with sudo).
#
#   ./quickstart.sh         install missing packages, build, index corpus/,
#                           run cops-query "sanctuary AND grant"
#   ./quickstart.sh check   the same set-up when needed, then the whole
#                           test suite (make check)
#
# Safe to re-run: packages already installed are not touched, and an
# existing build is only brought up to date.
set -eu
cd "$(dirname "$0")"

mode=${1:-run}
case $mode in
run | check) ;;
*) echo "usage: $0 [check]" >&2; exit 2 ;;
esac

# Build and library dependencies; the tests also use python3 (JSON checks)
# and util-linux's flock (lock tests); xapian-core enables the Xapian binding,
# xapian-tools's xapian-tcpsrv the tests of searching shards on other machines;
# time's /usr/bin/time measures peak memory in the hostile-input tests;
# libmicrohttpd-dev builds cops-serve, whose page is tested in chromium
# driven by playwright-core from npm (nodejs, npm: `npm ci` in tests/browser).
packages="build-essential autoconf automake libtool pkg-config zlib1g-dev libdeflate-dev libutf8proc-dev
libstemmer-dev libjansson-dev libxml2-dev libxxhash-dev libcriterion-dev libxapian-dev
xapian-tools python3 util-linux gzip time libmicrohttpd-dev chromium nodejs"
# npm comes with NodeSource's nodejs; Debian's own nodejs needs Debian's npm
# (which NodeSource's nodejs conflicts with, so ask for it only when missing).
command -v npm >/dev/null 2>&1 || packages="$packages npm"

missing=
for package in $packages; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $package"
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
    echo "quickstart: installing$missing"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    autoreconf -fi
fi
if [ ! -f Makefile ]; then
    ./configure
fi
jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs"

if [ "$mode" = check ]; then
    # The browser test's playwright-core, as tests/browser/package-lock.json pins it.
    if [ ! -d tests/browser/node_modules/playwright-core ]; then
        (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) ||
            echo "quickstart: npm ci failed in tests/browser: the browser test will be skipped" >&2
    fi
    make -j"$jobs" check || { cat test-suite.log; exit 1; }
else
    ./cops-index
    ./cops-query "sanctuary AND grant"
fi
