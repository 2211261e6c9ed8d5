## serve/: cops-serve, the search page and JSON API over libcops (a thin
## program: it includes only cops.h and its own files, and links libcops).
bin_PROGRAMS += cops-serve
cops_serve_SOURCES = serve/cops-serve.c serve/api.c serve/date-walk.c serve/index-holder.c \
	serve/json-text.c serve/static-files.c serve/head-deadline.c
noinst_HEADERS += serve/api.h serve/date-walk.h serve/index-holder.h serve/json-text.h \
	serve/static-files.h serve/head-deadline.h
## The page of a cops-serve run from the build tree: the source tree's.
cops_serve_CPPFLAGS = $(AM_CPPFLAGS) $(MICROHTTPD_CFLAGS) $(JANSSON_CFLAGS) \
	-DCOPS_SOURCE_WWW='"$(abs_top_srcdir)/serve/www"'
cops_serve_LDADD = libcops.la $(MICROHTTPD_LIBS) $(JANSSON_LIBS) $(PTHREAD_LIBS)
## The page: installed beside the corpus, found there by an installed cops-serve.
wwwdir = $(pkgdatadir)/www
dist_www_DATA = serve/www/index.html serve/www/style.css serve/www/app.js serve/www/favicon.svg
EXTRA_DIST += serve/API.md serve/screenshot.png bench/serve-load bench/SERVE.md
dist_man1_MANS = man/cops-serve.1
include tests/serve.mk
