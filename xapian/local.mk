## xapian/: the Xapian engine, a module libcops loads when an index or an
## option needs it (xapian/xapian-module.h), so that programs on native
## indexes map neither libxapian nor the C++ runtime.
noinst_HEADERS += xapian/cops_xapian.h xapian/xapian-plan.h xapian/xapian-engine.h \
	xapian/xapian-stub.h xapian/xapian-pin-folder.h xapian/xapian-module.h

## Recognising a Xapian index (stub files read without trusting them) is
## libcops's own and needs no libxapian: a Xapian index is detected, and
## explained when the module is missing, in every build.
libcops_internal_la_SOURCES += xapian/xapian-stub.c xapian/xapian-pin-folder.c

if HAVE_XAPIAN
## The C binding over libxapian (cops_xapian.cc, the only C++ in cops) and
## the query mapping, in a convenience library of their own so their flags
## stay their own: the module takes it whole, and the tests and benchmarks
## that call the binding directly link it beside the internal library
## (the C++ runtime named by each: libtool drops it from a C++
## convenience library, and they link with the C driver, whose
## -export-symbols the module needs).
noinst_LTLIBRARIES += libcops-xapian.la
libcops_xapian_la_SOURCES = xapian/cops_xapian.cc xapian/xapian-plan.c
libcops_xapian_la_CPPFLAGS = $(AM_CPPFLAGS) $(DEPS_CFLAGS) $(XAPIAN_CFLAGS)
libcops_xapian_la_CXXFLAGS = -Wall -Wextra $(PTHREAD_CFLAGS)
libcops_xapian_la_LIBADD = $(XAPIAN_LIBS) $(XXHASH_LIBS)
INTERNAL_LIBS += libcops-xapian.la -lstdc++

## The module, installed in $(moduledir) (base/module.h: looked for
## there, beside libcops, or in this build tree).  It reaches
## libcops only through the table it is handed: --no-undefined
## ($(MODULE_LDFLAGS), where the toolchain allows it) proves it
## needs nothing else, and it exports only its entry.
module_LTLIBRARIES += xapian/xapian.la
xapian_xapian_la_SOURCES = xapian/xapian-engine.c xapian/xapian-module.c
xapian_xapian_la_CPPFLAGS = $(AM_CPPFLAGS) $(DEPS_CFLAGS)
xapian_xapian_la_LIBADD = libcops-xapian.la -lstdc++
xapian_xapian_la_LDFLAGS = -module -avoid-version -no-undefined -shared $(MODULE_LDFLAGS) \
	-export-symbols-regex '^cops_xapian_module$$'
endif
