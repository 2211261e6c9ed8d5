## bench/codec-speed: decode throughput of the bit-packed blocks.
noinst_PROGRAMS += bench/codec-speed
bench_codec_speed_SOURCES = bench/codec-speed.c
bench_codec_speed_LDADD = $(INTERNAL_LIBS)
