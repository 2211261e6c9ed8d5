## corpus/: the bundled seed corpus, installed so cops-index finds it
## when run outside the source tree.
corpusdir = $(pkgdatadir)/corpus
dist_corpus_DATA = corpus/000_4e5969b0988905d5.txt corpus/004_031d097c15b01f4d.txt
