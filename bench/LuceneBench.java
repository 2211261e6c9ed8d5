/*
 * LuceneBench.java: Lucene 8 as the fourth engine of bench/run (see
 * bench/README.md).  bench/run compiles it with javac when javac, java and
 * Debian's liblucene8-java jars are present (otherwise Lucene is left out
 * with one message), and runs:
 *
 *   java -cp DIR:JARS LuceneBench index CORPUS DIR [THREADS]
 *   java -cp DIR:JARS LuceneBench query DIR CLASS MODE [REPEAT [WARMUP]] < queries
 *
 * index: the JSON Lines corpus (optionally gzip; fields id, title, text, as
 * cops-index reads them) into a new index at DIR: title and text as two
 * fields with positions (TextField, not stored), the id stored (the only
 * stored value, to print the hits), THREADS (default 1) threads adding
 * documents, then forceMerge(1) and commit: one segment, as cops's index
 * after a build.  Prints "documents N seconds S" (wall, parsing included).
 *
 * query: the protocol of bench/query-driver.  Each stdin line is plain
 * words; CLASS and (term, and) = every word must occur (in the title or
 * the text), or = any word, phrase = the words as a PhraseQuery on the
 * text.  MODE top10 = the 10 best by BM25 with totalHitsThreshold 10
 * (block-max WAND, the printed count a lower bound, as cops's pruned
 * top-k); count = IndexSearcher.count.  Output, one line per query:
 * "median_us TAB count TAB id1 ... id10" over REPEAT timed runs after
 * WARMUP untimed ones; the hits' ids are read after the timed region.
 * Before that, whole untimed passes over all the queries warm the JIT
 * until two consecutive passes' summed times differ by less than 5 % and
 * at least 10,000 searches ran (at most 60 s of passes): the first
 * queries would otherwise be timed in the interpreter.
 *
 * Analysis, as close to cops's as Lucene's shipped filters allow:
 * StandardTokenizer (UAX #29 words), lower case, ASCII folding (cops:
 * NFKC, case folding, diacritic removal), English Snowball (Porter2) stems,
 * no stop words; BM25 k1 = 1.2, b = 0.75 per field, the title's and the
 * text's scores added.
 */
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.GZIPInputStream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.tartarus.snowball.ext.EnglishStemmer;

public class LuceneBench {
    private static final int TOP_K = 10;
    private static final double SETTLED = 0.05;
    /* The JIT compiles a method fully after some 10,000 calls: a short
     * query set is passed over until about that many searches ran. */
    private static final int MIN_WARM_SEARCHES = 10000;
    private static final int MAX_SETTLE_PASSES = 10000;
    private static final double MAX_SETTLE_SECONDS = 60;
    private static final String[] FIELDS = {"title", "text"};

    private static Analyzer analyzer() {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer source = new StandardTokenizer();
                TokenStream ts = new LowerCaseFilter(source);
                ts = new ASCIIFoldingFilter(ts);
                ts = new SnowballFilter(ts, new EnglishStemmer());
                return new TokenStreamComponents(source, ts);
            }
        };
    }

    private static void die(String msg) {
        System.err.println("LuceneBench: " + msg);
        System.exit(2);
    }

    /* UTF-8 with bad bytes replaced (documents come from strangers). */
    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 16);
    }

    private static BufferedReader openCorpus(String path) throws IOException {
        InputStream in = Files.newInputStream(Paths.get(path));
        in = new java.io.BufferedInputStream(in, 1 << 16);
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b)
            in = new GZIPInputStream(in, 1 << 16);
        return reader(in);
    }

    /* ------------------------------------------------------------ JSON */

    /* The string members of one JSON object (other values skipped): the
     * JDK has no JSON parser and the corpus lines are flat objects. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) { this.s = s; }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i)))
                i++;
        }

        private char peek() throws IOException {
            ws();
            if (i >= s.length())
                throw new IOException("unexpected end of line");
            return s.charAt(i);
        }

        private void expect(char c) throws IOException {
            if (peek() != c)
                throw new IOException("expected '" + c + "' at column " + (i + 1));
            i++;
        }

        private String string() throws IOException {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"')
                    return b.toString();
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length())
                    break;
                char e = s.charAt(i++);
                switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'r': b.append('\r'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'u':
                    if (i + 4 > s.length())
                        throw new IOException("bad \\u escape");
                    try {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException x) {
                        throw new IOException("bad \\u escape");
                    }
                    i += 4;
                    break;
                default: b.append(e);
                }
            }
            throw new IOException("unterminated string");
        }

        private static final int MAX_DEPTH = 64;

        /* Skip any value, nested at most MAX_DEPTH deep (a hostile line
         * must not exhaust the stack). */
        private void skip(int depth) throws IOException {
            if (depth > MAX_DEPTH)
                throw new IOException("values nested deeper than " + MAX_DEPTH);
            char c = peek();
            if (c == '"') {
                string();
            } else if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                i++;
                if (peek() == close) {
                    i++;
                    return;
                }
                while (true) {
                    if (c == '{') {
                        string();
                        expect(':');
                    }
                    skip(depth + 1);
                    if (peek() == ',') {
                        i++;
                        continue;
                    }
                    expect(close);
                    return;
                }
            } else {
                while (i < s.length() && ",}] \t".indexOf(s.charAt(i)) < 0)
                    i++;
            }
        }

        Map<String, String> object() throws IOException {
            Map<String, String> m = new HashMap<>();
            expect('{');
            if (peek() == '}')
                return m;
            while (true) {
                String key = string();
                expect(':');
                if (peek() == '"')
                    m.put(key, string());
                else
                    skip(1);
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect('}');
                return m;
            }
        }
    }

    /* ----------------------------------------------------------- index */

    private static Document document(Map<String, String> f) {
        Document d = new Document();
        d.add(new StoredField("id", f.getOrDefault("id", "")));
        d.add(new TextField("title", f.getOrDefault("title", ""), Field.Store.NO));
        d.add(new TextField("text", f.getOrDefault("text", ""), Field.Store.NO));
        return d;
    }

    private static final Document END = new Document();

    private static void index(String corpus, String dir, int threads) throws Exception {
        long t0 = System.nanoTime();
        IndexWriterConfig config = new IndexWriterConfig(analyzer());
        config.setSimilarity(new BM25Similarity(1.2f, 0.75f));
        config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        config.setRAMBufferSizeMB(256);
        long documents = 0;
        try (FSDirectory d = FSDirectory.open(Paths.get(dir));
             IndexWriter w = new IndexWriter(d, config);
             BufferedReader r = openCorpus(corpus)) {
            BlockingQueue<Document> queue = new ArrayBlockingQueue<>(1024);
            List<Thread> workers = new ArrayList<>();
            Exception[] failure = new Exception[1];
            for (int t = 0; t < threads; t++) {
                /* After a failure the worker still drains the queue, so
                 * the reader never blocks on a full one. */
                Thread th = new Thread(() -> {
                    try {
                        for (Document doc; (doc = queue.take()) != END; ) {
                            try {
                                w.addDocument(doc);
                            } catch (IOException | RuntimeException x) {
                                synchronized (failure) {
                                    if (failure[0] == null)
                                        failure[0] = x;
                                }
                            }
                        }
                    } catch (InterruptedException x) {
                        synchronized (failure) { failure[0] = x; }
                    }
                });
                th.start();
                workers.add(th);
            }
            String line;
            long lineno = 0;
            while ((line = r.readLine()) != null) {
                lineno++;
                if (line.trim().isEmpty())
                    continue;
                Map<String, String> f;
                try {
                    f = new Json(line).object();
                } catch (IOException x) {
                    throw new IOException(corpus + ":" + lineno + ": " + x.getMessage());
                }
                queue.put(document(f));
                documents++;
                synchronized (failure) {
                    if (failure[0] != null)
                        throw failure[0];
                }
            }
            for (int t = 0; t < threads; t++)
                queue.put(END);
            for (Thread th : workers)
                th.join();
            if (failure[0] != null)
                throw failure[0];
            w.forceMerge(1);
            w.commit();
        }
        System.out.printf("documents %d seconds %.3f%n", documents, (System.nanoTime() - t0) / 1e9);
    }

    /* ----------------------------------------------------------- query */

    private static List<String> words(Analyzer a, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = a.tokenStream("text", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken())
                out.add(term.toString());
            ts.end();
        }
        return out;
    }

    /* A word in either field. */
    private static Query either(String word) {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (String field : FIELDS)
            b.add(new TermQuery(new Term(field, word)), BooleanClause.Occur.SHOULD);
        return b.build();
    }

    private static Query build(Analyzer a, String qclass, String line) throws IOException {
        List<String> w = words(a, line);
        if (qclass.equals("phrase")) {
            PhraseQuery.Builder p = new PhraseQuery.Builder();
            for (int k = 0; k < w.size(); k++)
                p.add(new Term("text", w.get(k)), k);
            return p.build();
        }
        BooleanClause.Occur occur = qclass.equals("or") ? BooleanClause.Occur.SHOULD
                                                        : BooleanClause.Occur.MUST;
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (String word : w)
            b.add(either(word), occur);
        return b.build();
    }

    private static final class Outcome {
        long count;
        ScoreDoc[] hits = new ScoreDoc[0];
    }

    private static Outcome run(IndexSearcher s, Query q, boolean count) throws IOException {
        Outcome o = new Outcome();
        if (count) {
            o.count = s.count(q);
        } else {
            TopScoreDocCollector c = TopScoreDocCollector.create(TOP_K, TOP_K);
            s.search(q, c);
            TopDocs td = c.topDocs();
            o.count = td.totalHits.value;
            o.hits = td.scoreDocs;
        }
        return o;
    }

    private static String clean(String id) {
        return id.replace('\t', ' ').replace('\n', ' ');
    }

    private static void query(String dir, String qclass, String mode, int repeat, int warmup)
        throws IOException {
        if (!Arrays.asList("term", "and", "or", "phrase").contains(qclass))
            die("unknown class " + qclass + " (term, and, or, phrase)");
        if (!mode.equals("top10") && !mode.equals("count"))
            die("unknown mode " + mode + " (top10, count)");
        boolean count = mode.equals("count");
        Analyzer a = analyzer();
        List<String> lines = new ArrayList<>();
        BufferedReader in = reader(System.in);
        for (String l; (l = in.readLine()) != null; )
            lines.add(l);
        Query[] queries = new Query[lines.size()];
        for (int k = 0; k < queries.length; k++)
            queries[k] = build(a, qclass, lines.get(k));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
                                          false, "UTF-8");
        try (DirectoryReader r = DirectoryReader.open(FSDirectory.open(Paths.get(dir)))) {
            IndexSearcher s = new IndexSearcher(r);
            /* No query cache: its default policy caches a costly query
             * (a phrase) once seen twice among the last 256, so with a set
             * of fewer than ~128 queries every pass after the first read
             * counts from the cache (1 us phrase counts on wiki-dev), and
             * cops keeps no results either. */
            s.setQueryCache(null);
            s.setSimilarity(new BM25Similarity(1.2f, 0.75f));
            double previous = -1, warming = 0;
            int passes = 0;
            while (passes < MAX_SETTLE_PASSES && warming < MAX_SETTLE_SECONDS * 1e9) {
                long t0 = System.nanoTime();
                for (Query q : queries)
                    run(s, q, count);
                double t = System.nanoTime() - t0;
                warming += t;
                passes++;
                if (passes >= 2 && (long) passes * queries.length >= MIN_WARM_SEARCHES
                    && Math.abs(t - previous) < SETTLED * previous)
                    break;
                previous = t;
            }
            double[] times = new double[repeat];
            double total = 0;
            for (Query q : queries) {
                Outcome o = null;
                for (int k = 0; k < warmup + repeat; k++) {
                    long t0 = System.nanoTime();
                    o = run(s, q, count);
                    double us = (System.nanoTime() - t0) / 1e3;
                    if (k >= warmup)
                        times[k - warmup] = us;
                }
                Arrays.sort(times);
                double median = repeat % 2 == 1 ? times[repeat / 2]
                                                : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
                total += median;
                StringBuilder b = new StringBuilder();
                b.append(String.format("%.2f\t%d", median, o.count));
                for (ScoreDoc h : o.hits)
                    b.append('\t').append(clean(s.doc(h.doc).get("id")));
                out.println(b);
            }
            out.flush();
            System.err.printf("LuceneBench: %s %s: %d queries, JIT settled after %d passes, "
                              + "sum of medians %.1f ms%n", qclass, mode, queries.length, passes,
                              total / 1e3);
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            if (args.length >= 3 && args[0].equals("index")) {
                int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
                if (threads < 1 || threads > 64)
                    die("threads: 1 to 64");
                index(args[1], args[2], threads);
            } else if (args.length >= 4 && args[0].equals("query")) {
                int repeat = args.length > 4 ? Integer.parseInt(args[4]) : 5;
                int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 1;
                if (repeat < 1 || warmup < 0)
                    die("REPEAT must be >= 1 and WARMUP >= 0");
                query(args[1], args[2], args[3], repeat, warmup);
            } else {
                die("usage: LuceneBench index CORPUS DIR [THREADS] | "
                    + "query DIR CLASS MODE [REPEAT [WARMUP]] < queries");
            }
        } catch (IOException | NumberFormatException x) {
            die(x.toString());
        }
    }
}
