## The Xapian engine through the programs (shards, xapian-tcpsrv), and
## hostile Xapian indexes (stubs that would run programs or reach outside),
## upsert by id as the native engine's.
EXTRA_DIST += tests/cli/xapian.sh tests/cli/xapian-hostile.sh tests/cli/xapian-upsert.sh
if HAVE_XAPIAN
TESTS += tests/cli/xapian.sh tests/cli/xapian-hostile.sh tests/cli/xapian-upsert.sh
endif
