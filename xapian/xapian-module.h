/*
 * xapian-module.h — the Xapian engine as a module libcops loads.
 *
 * The Xapian engine (xapian-engine.c, xapian-plan.c and the binding
 * cops_xapian.cc) is built as a library of its own, xapian.so, linked
 * against libxapian and the C++ runtime, so that a program that never
 * meets a Xapian index maps neither.  engine/engine.c loads it (dlopen,
 * once, never unloaded) the first time an index directory is detected as
 * Xapian (xapian_detect in xapian-stub.h, which stays in libcops and needs
 * no libxapian), a build asks for --engine xapian, or remote shards are
 * opened.  Where the module is looked for is base/module.h's:
 * nothing an index directory or the environment holds can name a library.
 *
 * The module reaches libcops only through the table it is handed
 * (xapian_module_host): it is linked with --no-undefined (MODULE_LDFLAGS,
 * where the toolchain allows it: not under clang's sanitizers), so it needs no
 * symbol but libc's, libxapian's and the C++ runtime's.  libcops exports
 * nothing for it (libcops.sym stays the public API), and it works the same
 * under the shared libcops and under a program linked with the internal
 * library (the tests).  xapian-module.c defines each host function the
 * engine calls as a one-line forward through the table; a new call from
 * the engine into the layers below is a new member here and a new
 * forward there (the module's link fails until it has one).
 *
 * Module and library share struct layouts (cops_index, cops_results,
 * query_node, build_request), so a module works only with the libcops of
 * its own build: both sides compare XAPIAN_MODULE_ABI.
 */
#ifndef COPS_XAPIAN_MODULE_H
#define COPS_XAPIAN_MODULE_H

#include "analysis/analyzer.h"
#include "base/error.h"
#include "base/module.h"
#include "indexer/record-ids.h"
#include "indexer/source.h"
#include "query/bm25.h"
#include "query/fuzzy.h"
#include "query/lower.h"
#include "query/plan.h"
#include "query/results.h"
#include "query/snippet.h"
#include "query/suggest.h"
#include "xapian/xapian-engine.h"
#include "xapian/xapian-stub.h"

/* Bump the number when the table or a shared struct changes without a
 * version change (a development build). */
#define XAPIAN_MODULE_ABI "cops " PACKAGE_VERSION " xapian-module 7"

/* The one symbol the module exports (a module_entry of base/module.h,
 * handed a xapian_module_host, offering a xapian_module). */
#define XAPIAN_MODULE_ENTRY "cops_xapian_module"

/* What libcops lends the module: the functions of the layers below that
 * the engine calls, with their own signatures (__typeof__ keeps the
 * table and the headers one truth). */
typedef struct xapian_module_host {
    __typeof__(error_set) *error_set;
    __typeof__(error_set_errno) *error_set_errno;
    __typeof__(analyzer_config_init) *analyzer_config_init;
    __typeof__(analyzer_new) *analyzer_new;
    __typeof__(analyzer_free) *analyzer_free;
    __typeof__(analyzer_run) *analyzer_run;
    __typeof__(lower_query) *lower_query;
    __typeof__(lower_plan_free) *lower_plan_free;
    __typeof__(lower_build) *lower_build;
    __typeof__(lower_note_cut) *lower_note_cut;
    __typeof__(snippet_plan_build) *snippet_plan_build;
    __typeof__(snippet_plan_free) *snippet_plan_free;
    __typeof__(results_reserve) *results_reserve;
    __typeof__(results_add_hit) *results_add_hit;
    __typeof__(results_add_notes) *results_add_notes;
    __typeof__(document_new) *document_new;
    __typeof__(source_date_number) *source_date_number;
    __typeof__(record_ids_note) *record_ids_note;
    __typeof__(record_ids_free) *record_ids_free;
    __typeof__(record_ids_error) *record_ids_error;
    __typeof__(bm25_prepare) *bm25_prepare;
    __typeof__(suggest_edit_distance) *suggest_edit_distance;
    __typeof__(suggest_buckets) *suggest_buckets;
    __typeof__(fuzzy_keep) *fuzzy_keep;
    __typeof__(prefix_scan_cap) *prefix_scan_cap;
    __typeof__(xapian_stub_read) *xapian_stub_read;
    __typeof__(xapian_stub_check) *xapian_stub_check;
    __typeof__(xapian_stub_free) *xapian_stub_free;
    __typeof__(xapian_glass_check) *xapian_glass_check;
    __typeof__(xapian_has_regular_file) *xapian_has_regular_file;
    __typeof__(xapian_pin_glass) *xapian_pin_glass;
    __typeof__(xapian_pin_dir) *xapian_pin_dir;
    __typeof__(xapian_pin_free) *xapian_pin_free;
    __typeof__(xapian_pin_refresh) *xapian_pin_refresh;
} xapian_module_host;

/* What the module gives: the engine of xapian-engine.h. */
typedef struct xapian_module {
    build_begin_function *build_begin;
    __typeof__(xapian_engine_open) *open;
    __typeof__(xapian_engine_search) *search;
    __typeof__(xapian_engine_close) *close;
    __typeof__(xapian_engine_document) *document;
} xapian_module;

#endif
