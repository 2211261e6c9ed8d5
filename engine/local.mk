## engine/: the engines behind cops.h (native, Xapian): the only place
## that knows which were built in; cops_build, cops_index_open and
## cops_search choose one here (ARCHITECTURE.md).
libcops_internal_la_SOURCES += engine/engine.c
