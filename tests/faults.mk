## Fault injection for the write-failure and crash tests: an LD_PRELOAD
## shim (never installed) that fails writes with ENOSPC after a byte
## budget, fails the N-th fsync or rename, or slows them down.  Built by
## 'make check' as tests/faults/.libs/libenospc.so.
check_LTLIBRARIES = tests/faults/libenospc.la
tests_faults_libenospc_la_SOURCES = tests/faults/enospc.c
tests_faults_libenospc_la_CFLAGS = $(AM_CFLAGS)
tests_faults_libenospc_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_faults_libenospc_la_LIBADD = -ldl

## The allocation-failure shim: fails the N-th allocation (or every one from
## the N-th on) after main() starts.  Built as
## tests/faults/.libs/libfailalloc.so.
check_LTLIBRARIES += tests/faults/libfailalloc.la
tests_faults_libfailalloc_la_SOURCES = tests/faults/failalloc.c
tests_faults_libfailalloc_la_CFLAGS = $(AM_CFLAGS)
tests_faults_libfailalloc_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_faults_libfailalloc_la_LIBADD = -ldl

## The tests that use it, and the other crash-safety tests.
FAULT_TESTS = \
	tests/cli/crash.sh \
	tests/cli/crash-modes.sh \
	tests/cli/disk-full.sh \
	tests/cli/hostile-readers.sh \
	tests/cli/big-document.sh \
	tests/cli/alloc-faults.sh
TESTS += $(FAULT_TESTS)
EXTRA_DIST += $(FAULT_TESTS)
