## bench/: the benchmark suite (not built by default; see README).
include bench/codec.mk
