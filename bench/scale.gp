# bench/scale.gp: the scale phase of bench/run, log-log: cops's index time
# (left) and top10 median latency per query set (right) against the corpus
# size; the synthetic corpus is circled; dashed grey = linear growth from the
# smallest point.
#
#   gnuplot -e "datafile='scale.dat'; output='scale.png'; sets='and or ...'; \
#               title_text='...'" bench/scale.gp
#
# datafile: "MB synthetic(0|1) index_s latency_ms..." per line, one latency
# column per word of sets, smallest corpus first.
if (!exists("datafile")) datafile = "scale.dat"
if (!exists("output")) output = "scale.png"
if (!exists("sets")) sets = "term-rare term-medium term-common and or phrase"
if (!exists("title_text")) title_text = ""

stats datafile using 1:3 nooutput
x0 = STATS_min_x
y0 = STATS_min_y

set terminal pngcairo size 1300, 520 font "Sans,10"
set output output
set multiplot layout 1, 2 title "Scale: ".title_text font "Sans,12"
set logscale xy 10
set grid xtics ytics mxtics mytics
set xlabel "corpus MB (decompressed)"
set key top left
set style line 1 lc rgb "#d62728" lw 2 pt 7
set style line 9 lc rgb "#888888" lw 1 dt 2

set title "cops index wall time"
set ylabel "s"
plot datafile using 1:3 with linespoints ls 1 title "cops-index", \
     datafile using 1:($2 == 1 ? $3 : 1/0) with points pt 6 ps 3 lc rgb "black" title "synthetic", \
     x0 <= x && x <= 1e9 ? y0 * x / x0 : 1/0 with lines ls 9 title "linear"

set title "cops top10 latency (median of the per-query medians)"
set ylabel "ms"
set key top left
plot for [i = 1:words(sets)] datafile using 1:(column(3 + i)) with linespoints lw 2 pt 7 \
         title word(sets, i), \
     for [i = 1:words(sets)] datafile using 1:($2 == 1 ? column(3 + i) : 1/0) with points \
         pt 6 ps 3 lc rgb "black" notitle
unset multiplot
