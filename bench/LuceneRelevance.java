/*
 * LuceneRelevance.java — Lucene 8 as a third reference for bench/relevance
 * (see bench/RELEVANCE.md).  bench/relevance compiles it with javac when
 * javac and Debian's liblucene8-java jars are present, and runs it on the
 * collection it has read:
 *
 *   java -cp DIR:JARS LuceneRelevance DOCS QUERIES RUN STOP
 *
 * DOCS: "id TAB title TAB text" lines; QUERIES: "qid TAB text" lines (no
 * tab or line break inside a field); RUN receives the top 1000 of each
 * query as a TREC run ("qid Q0 docid rank score lucene").  STOP is "stop"
 * (EnglishAnalyzer as shipped: its stop words removed) or "nostop" (no
 * stop words, as cops and Xapian keep every query word).
 *
 * The model mirrors cops's: the title and the text are two fields, each
 * query word is looked up in both, and the scores add (title weight 1);
 * BM25 k1 = 1.2, b = 0.75 per field.  What differs from cops: Lucene's
 * EnglishAnalyzer (standard tokenizer, possessive and stop filters,
 * Porter stemmer) instead of cops's analyzer, and Lucene's lossy one-byte
 * field lengths.
 */
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;

public class LuceneRelevance {
    private static final int HITS = 1000;

    private static List<String> words(Analyzer a, String field, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = a.tokenStream(field, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken())
                out.add(term.toString());
            ts.end();
        }
        return out;
    }

    /* UTF-8 with bad bytes replaced (documents come from strangers: the
     * BBC set has a few), as cops's analyzer repairs them. */
    private static BufferedReader open(String path) throws IOException {
        return new BufferedReader(new InputStreamReader(
            Files.newInputStream(Paths.get(path)),
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)));
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: LuceneRelevance DOCS QUERIES RUN stop|nostop");
            System.exit(2);
        }
        Analyzer analyzer = args[3].equals("stop") ? new EnglishAnalyzer()
                                                   : new EnglishAnalyzer(CharArraySet.EMPTY_SET);
        BM25Similarity similarity = new BM25Similarity(1.2f, 0.75f);
        Directory dir = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        config.setSimilarity(similarity);
        try (IndexWriter w = new IndexWriter(dir, config);
             BufferedReader r = open(args[0])) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t", -1);
                if (f.length != 3)
                    throw new IOException(args[0] + ": expected id, title, text");
                Document d = new Document();
                d.add(new StringField("id", f[0], Field.Store.YES));
                d.add(new TextField("title", f[1], Field.Store.NO));
                d.add(new TextField("text", f[2], Field.Store.NO));
                w.addDocument(d);
            }
        }
        BooleanQuery.setMaxClauseCount(1 << 16);
        try (DirectoryReader reader = DirectoryReader.open(dir);
             BufferedReader q = open(args[1]);
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(args[2]),
                                                                       StandardCharsets.UTF_8))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(similarity);
            String line;
            while ((line = q.readLine()) != null) {
                String[] f = line.split("\t", -1);
                if (f.length != 2)
                    throw new IOException(args[1] + ": expected qid, text");
                BooleanQuery.Builder b = new BooleanQuery.Builder();
                for (String field : new String[] {"title", "text"})
                    for (String word : words(analyzer, field, f[1]))
                        b.add(new TermQuery(new Term(field, word)), BooleanClause.Occur.SHOULD);
                ScoreDoc[] hits = searcher.search(b.build(), HITS).scoreDocs;
                for (int i = 0; i < hits.length; i++)
                    out.printf("%s Q0 %s %d %.6f lucene%n", f[0],
                               searcher.doc(hits[i].doc).get("id"), i + 1, hits[i].score);
            }
        }
    }
}
