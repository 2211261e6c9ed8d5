## bench/codec-speed: decode throughput of the bit-packed blocks.
noinst_PROGRAMS += bench/codec-speed
bench_codec_speed_SOURCES = bench/codec-speed.c
bench_codec_speed_LDADD = $(INTERNAL_LIBS)
## bench/position-bound: the positions' bytes against what other coders of
## them would take (bench/README.md).
noinst_PROGRAMS += bench/position-bound
bench_position_bound_SOURCES = bench/position-bound.c
bench_position_bound_LDADD = $(INTERNAL_LIBS) -lm
EXTRA_DIST += bench/position-bound-log.patch
