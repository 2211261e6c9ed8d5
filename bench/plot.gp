# bench/plot.gp: latency distributions of bench/run, one panel per query set
# and mode (rows: sets; columns: top10, count), one CDF per engine of the
# per-query median latencies, log-scale milliseconds.
#
#   gnuplot -e "datadir='DIR'; output='latency.png'; sets='and or ...'; \
#               engines='cops xapian fts5 lucene'; title_text='...'" bench/plot.gp
#
# DIR holds ENGINE.SET.MODE.dat: "latency_ms cumulative_fraction" per line.
if (!exists("datadir")) datadir = "plot"
if (!exists("output")) output = "latency.png"
if (!exists("sets")) sets = "term-rare term-medium term-common and or phrase"
if (!exists("engines")) engines = "cops xapian fts5"
if (!exists("title_text")) title_text = ""
modes = "top10 count"

rows = words(sets)
set terminal pngcairo size 1300, 260 * rows + 80 font "Sans,10"
set output output
set multiplot layout rows, 2 title "Query latency CDF (per-query latencies): ".title_text font "Sans,12"
set logscale x 10
set format x "10^{%L}"
set xlabel "ms" offset 0, 0.5
set ylabel "fraction of queries"
set yrange [0:1]
set ytics 0.25
set grid xtics ytics mxtics
set key bottom right
set lmargin 10
set style line 1 lc rgb "#d62728" lw 2
set style line 2 lc rgb "#1f77b4" lw 2
set style line 3 lc rgb "#2ca02c" lw 2
set style line 4 lc rgb "#9467bd" lw 2
label(e) = e eq "cops" ? "cops" : e eq "xapian" ? "Xapian" : e eq "fts5" ? "FTS5" : e eq "lucene" ? "Lucene" : e
style(e) = e eq "cops" ? 1 : e eq "xapian" ? 2 : e eq "fts5" ? 3 : 4

do for [s = 1:rows] {
    do for [m = 1:2] {
        set title word(sets, s)." — ".word(modes, m) offset 0, -0.5
        plot for [e = 1:words(engines)] \
            datadir."/".word(engines, e).".".word(sets, s).".".word(modes, m).".dat" \
            using 1:2 with steps ls style(word(engines, e)) title label(word(engines, e))
    }
}
unset multiplot
