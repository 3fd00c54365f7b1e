// Our team's research baseline, copied from shared/research/percolator-baseline/Perc.java so that
// bench/percolator.sh needs nothing outside the repository.
// Luwak/Lucene-Monitor-style percolator baseline on Lucene 8.7 (Debian liblucene8-java).
// Own code (not Lucene Monitor's source): TermFilteredPresearcher-like design:
//   queries -> extracted "anchor" terms -> Lucene query index (ByteBuffersDirectory)
//   doc -> MemoryIndex -> TermInSetQuery(doc terms + __ANY__) over query index -> candidates
//   each candidate verified with MemoryIndex.search(query)
// Modes: presearch (default) | brute (every query run against MemoryIndex, pre-ES5 style)
import java.io.*;
import java.nio.file.*;
import java.util.*;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.index.memory.MemoryIndex;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

public class Perc {
  static Map<String, Integer> df = new HashMap<>();
  static final String ANY = "__ANY__";

  static int dfOf(String t) { Integer c = df.get(t); return c == null ? 0 : c; }

  // returns a set S of terms such that any matching doc contains >=1 of S; null = cannot extract
  static Set<String> extract(Query q) {
    if (q instanceof TermQuery) {
      return new HashSet<>(List.of(((TermQuery) q).getTerm().text()));
    }
    if (q instanceof PhraseQuery) {
      String best = null;
      for (Term t : ((PhraseQuery) q).getTerms())
        if (best == null || dfOf(t.text()) < dfOf(best)) best = t.text();
      return new HashSet<>(List.of(best));
    }
    if (q instanceof BooleanQuery) {
      List<Set<String>> req = new ArrayList<>(), opt = new ArrayList<>();
      boolean optFail = false;
      for (BooleanClause c : ((BooleanQuery) q).clauses()) {
        if (c.getOccur() == BooleanClause.Occur.MUST_NOT) continue;
        Set<String> s = extract(c.getQuery());
        if (c.isRequired()) { if (s != null) req.add(s); }
        else { if (s == null) optFail = true; else opt.add(s); }
      }
      if (!req.isEmpty()) {
        Set<String> best = null; long bc = Long.MAX_VALUE;
        for (Set<String> s : req) {
          long c = 0; for (String t : s) c += dfOf(t);
          if (c < bc) { bc = c; best = s; }
        }
        return best;
      }
      if (optFail || opt.isEmpty()) return null;
      Set<String> u = new HashSet<>(); for (Set<String> s : opt) u.addAll(s); return u;
    }
    return null;
  }

  public static void main(String[] a) throws Exception {
    String dir = a[0]; int nq = Integer.parseInt(a[1]); String mode = a.length > 2 ? a[2] : "presearch";
    int ndocs = a.length > 3 ? Integer.parseInt(a[3]) : 5000; int warm = a.length > 4 ? Integer.parseInt(a[4]) : 1000;
    BooleanQuery.setMaxClauseCount(100000);
    for (String l : Files.readAllLines(Paths.get(dir, "termfreq.tsv"))) {
      int i = l.indexOf('\t'); df.put(l.substring(0, i), Integer.parseInt(l.substring(i + 1)));
    }
    Analyzer an = new WhitespaceAnalyzer();
    QueryParser qp = new QueryParser("body", an);
    List<String> qlines = new ArrayList<>();
    try (BufferedReader br = Files.newBufferedReader(Paths.get(dir, "queries.txt"))) {
      String l; while (qlines.size() < nq && (l = br.readLine()) != null) qlines.add(l);
    }
    long t0 = System.nanoTime();
    Query[] qs = new Query[qlines.size()];
    ByteBuffersDirectory bbd = new ByteBuffersDirectory();
    IndexWriterConfig iwc = new IndexWriterConfig(an);
    iwc.setRAMBufferSizeMB(512);
    IndexWriter iw = new IndexWriter(bbd, iwc);
    int anyCount = 0;
    for (int i = 0; i < qs.length; i++) {
      qs[i] = qp.parse(qlines.get(i));
      Set<String> ex = extract(qs[i]);
      Document d = new Document();
      d.add(new NumericDocValuesField("qid", i));
      if (ex == null) { d.add(new StringField("t", ANY, Field.Store.NO)); anyCount++; }
      else for (String t : ex) d.add(new StringField("t", t, Field.Store.NO));
      iw.addDocument(d);
    }
    iw.forceMerge(1); iw.close();
    DirectoryReader qr = DirectoryReader.open(bbd);
    IndexSearcher qsearch = new IndexSearcher(qr);
    qsearch.setQueryCache(null);
    long t1 = System.nanoTime();
    System.out.printf("queries=%d build_ms=%.0f anyToken=%d%n", qs.length, (t1 - t0) / 1e6, anyCount);

    List<String> docs = new ArrayList<>();
    try (BufferedReader br = Files.newBufferedReader(Paths.get(dir, "docs.txt"))) {
      String l; while (docs.size() < ndocs + warm && (l = br.readLine()) != null) docs.add(l);
    }
    MemoryIndex mi = new MemoryIndex();
    long cands = 0, matches = 0; long tStart = 0;
    final int[] buf = new int[qs.length]; final int[] n = new int[1];
    for (int di = 0; di < docs.size(); di++) {
      if (di == warm) { tStart = System.nanoTime(); cands = 0; matches = 0; }
      mi.reset();
      mi.addField("body", docs.get(di), an);
      if (mode.equals("brute")) {
        for (Query q : qs) if (mi.search(q) > 0.0f) matches++;
        cands += qs.length;
        continue;
      }
      IndexSearcher ms = mi.createSearcher();
      if (mode.equals("mionly")) { LeafReader lr0 = (LeafReader) ms.getIndexReader().leaves().get(0).reader(); TermsEnum te0 = lr0.terms("body").iterator(); while (te0.next() != null) cands++; continue; }
      LeafReader lr = (LeafReader) ms.getIndexReader().leaves().get(0).reader();
      List<BytesRef> dt = new ArrayList<>();
      TermsEnum te = lr.terms("body").iterator(); BytesRef br;
      while ((br = te.next()) != null) dt.add(BytesRef.deepCopyOf(br));
      dt.add(new BytesRef(ANY));
      n[0] = 0;
      qsearch.search(new TermInSetQuery("t", dt), new SimpleCollector() {
        NumericDocValues dv;
        @Override protected void doSetNextReader(LeafReaderContext ctx) throws IOException { dv = DocValues.getNumeric(ctx.reader(), "qid"); }
        @Override public void collect(int doc) throws IOException { dv.advanceExact(doc); buf[n[0]++] = (int) dv.longValue(); }
        @Override public ScoreMode scoreMode() { return ScoreMode.COMPLETE_NO_SCORES; }
      });
      cands += n[0];
      if (mode.equals("nover")) continue;
      for (int k = 0; k < n[0]; k++) if (mi.search(qs[buf[k]]) > 0.0f) matches++;
    }
    double secs = (System.nanoTime() - tStart) / 1e9; int measured = docs.size() - warm;
    System.out.printf("mode=%s queries=%d docs=%d secs=%.2f docs_per_s=%.1f cand_per_doc=%.1f match_per_doc=%.2f total_matches=%d%n",
        mode, qs.length, measured, secs, measured / secs, (double) cands / measured, (double) matches / measured, matches);
  }
}
