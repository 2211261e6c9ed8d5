## libFuzzer harnesses for the hostile-input parts of the engine (query
## parser, analyzer, document sources, the JSON scanner against jansson,
## segment, index and catalog readers).  They
## need clang and are not part of make check: `make fuzz` (or
## tests/fuzz/run) builds them in their own build directory and runs each
## for $FUZZ_SECONDS seconds (default 60).  See tests/fuzz/README.md.
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/run tests/fuzz/query.dict \
	tests/fuzz/fuzz-common.h tests/fuzz/fuzz-query-parser.c tests/fuzz/fuzz-analyzer.c \
	tests/fuzz/fuzz-sources.c tests/fuzz/fuzz-json-scan.c tests/fuzz/fuzz-segment.c \
	tests/fuzz/fuzz-index.c tests/fuzz/fuzz-catalog.c \
	tests/fuzz/seeds/fuzz-query-parser/and tests/fuzz/seeds/fuzz-query-parser/mixed \
	tests/fuzz/seeds/fuzz-query-parser/fields tests/fuzz/seeds/fuzz-query-parser/default-or \
	tests/fuzz/seeds/fuzz-query-parser/literal \
	tests/fuzz/seeds/fuzz-analyzer/english tests/fuzz/seeds/fuzz-analyzer/unicode \
	tests/fuzz/seeds/fuzz-analyzer/user3-forms \
	tests/fuzz/seeds/fuzz-sources/txt tests/fuzz/seeds/fuzz-sources/html \
	tests/fuzz/seeds/fuzz-sources/jsonl tests/fuzz/seeds/fuzz-sources/trec \
	tests/fuzz/seeds/fuzz-sources/jsonl-gz tests/fuzz/seeds/fuzz-sources/gz \
	tests/fuzz/seeds/fuzz-sources/jsonl-strict tests/fuzz/seeds/fuzz-json-scan/record \
	tests/fuzz/seeds/fuzz-sources/lib-pdf tests/fuzz/seeds/fuzz-sources/lib-docx \
	tests/fuzz/seeds/fuzz-sources/lib-odt tests/fuzz/seeds/fuzz-sources/lib-epub \
	tests/fuzz/seeds/fuzz-sources/lib-eml tests/fuzz/seeds/fuzz-sources/lib-mbox \
	tests/fuzz/seeds/fuzz-sources/lib-zip tests/fuzz/seeds/fuzz-sources/lib-tar \
	tests/fuzz/seeds/fuzz-sources/lib-xz tests/fuzz/seeds/fuzz-sources/lib-html-latin1 \
	tests/fuzz/seeds/fuzz-sources/lib-utf16 tests/fuzz/seeds/fuzz-sources/lib-epub-spine \
	tests/fuzz/seeds/fuzz-json-scan/escapes \
	tests/fuzz/seeds/fuzz-segment/unchanged tests/fuzz/seeds/fuzz-segment/resealed-edit \
	tests/fuzz/seeds/fuzz-segment/truncated \
	tests/fuzz/seeds/fuzz-segment/resealed-skip-widths \
	tests/fuzz/seeds/fuzz-segment/resealed-skip-widths-reserved \
	tests/fuzz/seeds/fuzz-index/one tests/fuzz/seeds/fuzz-index/three \
	tests/fuzz/seeds/fuzz-index/half tests/fuzz/seeds/fuzz-index/raw \
	tests/fuzz/seeds/fuzz-catalog/v5 tests/fuzz/seeds/fuzz-catalog/v4 tests/fuzz/seeds/fuzz-catalog/v3 \
	tests/fuzz/seeds/fuzz-catalog/v3-overflow \
	tests/fuzz/seeds/fuzz-catalog/v2 \
	tests/fuzz/seeds/fuzz-catalog/raw tests/fuzz/seeds/fuzz-catalog/nul-in-path \
	tests/fuzz/crashes/fuzz-segment-list-bound-after-damage \
	tests/fuzz/crashes/fuzz-segment-stored-block-huge-raw-length \
	tests/fuzz/crashes/fuzz-sources-trec-null-offset

.PHONY: fuzz
fuzz:
	$(SHELL) $(srcdir)/tests/fuzz/run --seconds $${FUZZ_SECONDS:-60}
