# bench/scale.gp: the scale phase of bench/run, log-log against the corpus
# size, one curve per engine at the points where it ran: index wall time,
# index size, and the top10 median latency of each query set; synthetic
# corpora are circled; dashed grey = linear growth from cops's smallest
# point.
#
#   gnuplot -e "datadir='plot'; output='scale.png'; sets='and or ...'; \
#               engines='cops xapian fts5 lucene'; title_text='...'" bench/scale.gp
#
# DIR/scale.ENGINE.dat: "MB synthetic(0|1) index_s index_MB latency_ms..."
# per line, one latency column per word of sets, smallest corpus first.
if (!exists("datadir")) datadir = "plot"
if (!exists("output")) output = "scale.png"
if (!exists("sets")) sets = "term-rare term-medium term-common and or phrase"
if (!exists("engines")) engines = "cops"
if (!exists("title_text")) title_text = ""

file(e) = datadir."/scale.".e.".dat"
label(e) = e eq "cops" ? "cops" : e eq "xapian" ? "Xapian" : e eq "fts5" ? "FTS5" : e eq "lucene" ? "Lucene" : e
colour(e) = e eq "cops" ? "#d62728" : e eq "xapian" ? "#1f77b4" : e eq "fts5" ? "#2ca02c" : "#9467bd"

stats file("cops") using 1:3 nooutput
x0 = STATS_min_x
t0 = STATS_min_y
stats file("cops") using 1:4 nooutput
s0 = STATS_min_y

panels = 2 + words(sets)
cols = 4
rows = int((panels + cols - 1) / cols)
set terminal pngcairo size 1600, 420 * rows + 60 font "Sans,10"
set output output
set multiplot layout rows, cols title "Scale: ".title_text font "Sans,12"
set logscale xy 10
set grid xtics ytics mxtics mytics
set xlabel "corpus MB (decompressed)"
set key top left
set style line 9 lc rgb "#888888" lw 1 dt 2

set title "index wall time"
set ylabel "s"
plot for [i = 1:words(engines)] file(word(engines, i)) using 1:3 with linespoints lw 2 pt 7 \
         lc rgb colour(word(engines, i)) title label(word(engines, i)), \
     for [i = 1:words(engines)] file(word(engines, i)) using 1:($2 == 1 ? $3 : 1/0) \
         with points pt 6 ps 2.5 lc rgb "black" notitle, \
     x0 <= x && x <= 1e9 ? t0 * x / x0 : 1/0 with lines ls 9 title "linear"

set title "index size"
set ylabel "MB"
plot for [i = 1:words(engines)] file(word(engines, i)) using 1:4 with linespoints lw 2 pt 7 \
         lc rgb colour(word(engines, i)) title label(word(engines, i)), \
     x0 <= x && x <= 1e9 ? s0 * x / x0 : 1/0 with lines ls 9 title "linear"

set ylabel "ms"
do for [k = 1:words(sets)] {
    set title word(sets, k)." top10 median"
    plot for [i = 1:words(engines)] file(word(engines, i)) using 1:(column(4 + k)) \
             with linespoints lw 2 pt 7 lc rgb colour(word(engines, i)) \
             title label(word(engines, i)), \
         for [i = 1:words(engines)] file(word(engines, i)) using 1:($2 == 1 ? column(4 + k) : 1/0) \
             with points pt 6 ps 2.5 lc rgb "black" notitle
}
unset multiplot
