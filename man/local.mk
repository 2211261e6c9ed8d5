## man/: manual pages for the two programs.
dist_man_MANS = man/cops-index.1 man/cops-query.1
