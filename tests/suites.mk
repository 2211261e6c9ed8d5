## One fragment per module suite, so each can be added independently.
include tests/analysis.mk
include tests/codec.mk
include tests/escape.mk
include tests/file.mk
include tests/sources.mk
include tests/charset.mk
include tests/roots.mk
include tests/parser.mk
include tests/engine.mk
include tests/xapian.mk
include tests/cli.mk
include tests/cli-xapian.mk
include tests/fuzz.mk
include tests/evaluate.mk
include tests/check.mk
include tests/updates.mk
include tests/faults.mk
