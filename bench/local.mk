## bench/: the benchmark suite (see README).
include bench/codec.mk
include bench/relevance.mk
