# Writes `mb` MiB of "a a a ..." on one line to standard output: a
# token-dense document (one term repeated), for dense-document.sh and
# big-document.sh.  Usage: awk -v mb=20 -f dense-text.awk > FILE
BEGIN {
    s = "a "
    while (length(s) < 1048576)
        s = s s
    for (i = 0; i < mb; i++)
        printf "%s", s
}
