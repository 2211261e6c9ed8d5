## The Xapian engine through the programs (shards, xapian-tcpsrv), and
## hostile Xapian indexes (stubs that would run programs or reach outside).
EXTRA_DIST += tests/cli/xapian.sh tests/cli/xapian-hostile.sh
if HAVE_XAPIAN
TESTS += tests/cli/xapian.sh tests/cli/xapian-hostile.sh
endif
