## xapian/: the C binding over libxapian (built with --with-xapian).
##
## cops_xapian.cc is the only C++ in cops.  It lives in its own convenience
## library so its flags stay its own; that library joins libcops-internal.la
## when Xapian was found.  Anything that links the binding's object needs
## the C++ runtime: libcops.la (which takes all of libcops-internal.la)
## links it explicitly, the Xapian test uses the C++ driver.
noinst_HEADERS += xapian/cops_xapian.h xapian/xapian-plan.h xapian/xapian-engine.h \
	xapian/xapian-stub.h

if HAVE_XAPIAN
noinst_LTLIBRARIES += libcops-xapian.la
libcops_xapian_la_SOURCES = xapian/cops_xapian.cc xapian/xapian-plan.c xapian/xapian-engine.c \
	xapian/xapian-stub.c
libcops_xapian_la_CPPFLAGS = $(AM_CPPFLAGS) $(DEPS_CFLAGS) $(XAPIAN_CFLAGS)
libcops_xapian_la_CXXFLAGS = -Wall -Wextra $(PTHREAD_CFLAGS)
libcops_xapian_la_LIBADD = $(XAPIAN_LIBS)
libcops_internal_la_LIBADD += libcops-xapian.la
## libcops.la keeps the C link (libtool applies -export-symbols
## through a version script only for the C tag; its C++ tag would export
## every internal symbol) and names the C++ runtime itself.
libcops_la_LIBADD += -lstdc++
INTERNAL_LIBS += -lstdc++
endif
