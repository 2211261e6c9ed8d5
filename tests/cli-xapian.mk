## The Xapian engine through the programs (shards, xapian-tcpsrv).
EXTRA_DIST += tests/cli/xapian.sh
if HAVE_XAPIAN
TESTS += tests/cli/xapian.sh
endif
