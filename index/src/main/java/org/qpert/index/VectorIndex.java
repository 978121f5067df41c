package org.qpert.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.DiversifyingChildrenFloatKnnVectorQuery;
import org.apache.lucene.search.join.QueryBitSetProducer;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BitSet;
import org.qpert.core.retrieval.Progress;

/**
 * A Lucene index of a gallery's ITC query embeddings: per image a block of Nq child documents, each with its query
 * vector ({@link KnnFloatVectorField}, cosine) in {@value #PLAIN} and, when perturbed features exist, {@value #PERTURBED},
 * followed by the parent document (image id, gallery position). An image's ITC score is the best of its Nq cosines,
 * which is what {@link DiversifyingChildrenFloatKnnVectorQuery} ranks parents by (Lucene's cosine score (1 + cos) / 2 is
 * monotone in the cosine). A single-vector model's image (Nq = 1) is one document holding its vector beside the id, so
 * any vector query ranks it ({@link KnnFloatVectorQuery}) and the index holds no join. Two ways to search: {@link Mode#EXACT} scans every vector (the same ranking as the
 * in-memory ITC), {@link Mode#HNSW} walks the graph (approximate, sub-linear).
 */
public final class VectorIndex implements AutoCloseable {
    /** Folder of the index inside a store. */
    public static final String DIR_NAME = "lucene";
    public static final String PLAIN = "itc";
    public static final String PERTURBED = "itc_qpert";
    private static final String TYPE = "type";
    private static final String IMAGE = "image";
    private static final String ORD = "ord";
    private static final String ID = "id";
    private static final int MIN_CANDIDATES = 100;
    static final String IMAGES_KEY = "qpert.images";
    static final String IDS_KEY = "qpert.ids";
    static final String INT8_KEY = "qpert.int8";

    static {
        LuceneNotice.install();
    }

    /** How to search. */
    public enum Mode {
        EXACT, HNSW;

        public static Mode parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "exact" -> EXACT;
                case "hnsw" -> HNSW;
                default -> throw new IllegalArgumentException("unknown index mode '" + s + "' (use exact or hnsw)");
            };
        }
    }

    /**
     * One image found.
     *
     * @param ord gallery position (store order)
     * @param itc best cosine of its query vectors with the text
     */
    public record Hit(int ord, String id, float itc) {
    }

    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final BitSetProducer parents;
    private final FSDirectory directory;

    /** A view of {@code reader}; {@code directory} (null for a view whose reader someone else owns) closes with it. */
    VectorIndex(FSDirectory directory, DirectoryReader reader, BitSetProducer parents) {
        this.directory = directory;
        this.reader = reader;
        this.searcher = new IndexSearcher(reader);
        this.parents = parents;
    }

    /** Parent documents (one per image); shared by the views of one index, as it caches per segment. */
    static BitSetProducer parentFilter() {
        return new QueryBitSetProducer(new TermQuery(new Term(TYPE, IMAGE)));
    }

    /**
     * Where {@link #build} reads an image's query vectors, one image at a time, so that a gallery need not fit in
     * memory (a million images hold 33 GB of them). Called from several threads at once.
     */
    public interface ImageVectors {
        /** Image {@code ord}'s plain vectors, [nq, dim] L2-normalized. */
        float[] plain(int ord);

        /** Image {@code ord}'s Q-Perturbation vectors, [nq, dim], or null when the gallery has none. */
        float[] perturbed(int ord);
    }

    /**
     * Writes an index of {@code ids.size()} images; {@code plain} and {@code perturbed} (null when absent) hold
     * [n, nq, dim] L2-normalized features in gallery order. {@code int8} stores the vectors scalar-quantized.
     */
    public static void build(Path dir, List<String> ids, float[] plain, float[] perturbed, int nq, int dim,
            boolean int8, Progress progress) throws IOException {
        int n = ids.size();
        if (plain.length != (long) n * nq * dim || perturbed != null && perturbed.length != plain.length) {
            throw new IllegalArgumentException("features hold " + plain.length + " values, expected " + n + " x " + nq
                    + " x " + dim);
        }
        int size = nq * dim;
        build(dir, ids, new ImageVectors() {
            @Override
            public float[] plain(int ord) {
                return Arrays.copyOfRange(plain, ord * size, ord * size + size);
            }

            @Override
            public float[] perturbed(int ord) {
                return perturbed == null ? null : Arrays.copyOfRange(perturbed, ord * size, ord * size + size);
            }
        }, nq, dim, int8, progress);
    }

    /**
     * Writes an index of {@code ids.size()} images whose vectors {@code vectors} hands out image by image (every image
     * has perturbed vectors or none does). {@code int8} stores the vectors scalar-quantized.
     */
    public static void build(Path dir, List<String> ids, ImageVectors vectors, int nq, int dim, boolean int8,
            Progress progress) throws IOException {
        int n = ids.size();
        Files.createDirectories(dir);
        // Graph building is the cost (Lucene inserts every vector into an HNSW graph as it is added, and again when
        // segments merge): every core adds blocks (one segment per thread, graphs built in parallel), and the final
        // merge inserts with every core too. Block order in the index does not matter: ORD keeps the gallery order.
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), n));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "qpert-index-build");
            t.setDaemon(true);
            return t;
        });
        IndexWriterConfig config = new IndexWriterConfig().setCodec(codec(int8, threads, pool))
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE).setRAMBufferSizeMB(256);
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, config)) {
            AtomicInteger next = new AtomicInteger();
            boolean withPerturbed = n > 0 && vectors.perturbed(0) != null;
            List<Future<?>> adders = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                adders.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < n; ) {
                        float[] plain = vectors.plain(i);
                        float[] perturbed = withPerturbed ? vectors.perturbed(i) : null;
                        requireLength(plain, nq, dim, i, "plain");
                        if (withPerturbed) {
                            requireLength(perturbed, nq, dim, i, "perturbed");
                        }
                        w.addDocuments(block(ids.get(i), i, plain, perturbed, 0, nq, dim));
                        progress.advance(1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : adders) {
                await(f);
            }
            w.forceMerge(1);
            commit(w, n, IdChain.of(ids), int8);
        } finally {
            pool.shutdownNow();
        }
        progress.finish();
    }

    private static void requireLength(float[] v, int nq, int dim, int ord, String what) {
        if (v == null || v.length != nq * dim) {
            throw new IllegalArgumentException("image " + ord + ": " + what + " vectors hold "
                    + (v == null ? "nothing" : v.length + " values") + ", expected " + nq + " x " + dim);
        }
    }

    /** The configuration of a writer that adds blocks from one thread (a store's writer, {@link StoreIndex}). */
    static IndexWriterConfig writerConfig(boolean int8, IndexWriterConfig.OpenMode mode) {
        return new IndexWriterConfig().setCodec(codec(int8, 1, null)).setOpenMode(mode).setRAMBufferSizeMB(256);
    }

    /**
     * Image {@code ord}'s block: its {@code nq} query vectors (taken from {@code plain} and {@code perturbed} at
     * {@code from}) as children, then the parent (id, gallery position); a single vector goes on the parent itself.
     */
    static List<Document> block(String id, int ord, float[] plain, float[] perturbed, long from, int nq, int dim) {
        List<Document> block = new ArrayList<>(nq + 1);
        Document parent = new Document();
        for (int q = 0; q < nq; q++) {
            Document child = nq == 1 ? parent : new Document();
            int at = Math.toIntExact(from + (long) q * dim);
            child.add(new KnnFloatVectorField(PLAIN, Arrays.copyOfRange(plain, at, at + dim),
                    VectorSimilarityFunction.COSINE));
            if (perturbed != null) {
                child.add(new KnnFloatVectorField(PERTURBED, Arrays.copyOfRange(perturbed, at, at + dim),
                        VectorSimilarityFunction.COSINE));
            }
            if (child != parent) {
                block.add(child);
            }
        }
        parent.add(new StringField(TYPE, IMAGE, Field.Store.NO));
        parent.add(new NumericDocValuesField(ORD, ord));
        parent.add(new StoredField(ID, id));
        block.add(parent);
        return block;
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the index", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }

    /**
     * Commits with what the index holds recorded in the commit: the number of images, the {@link IdChain} of their
     * ids in gallery order and the vector format, so that a reader can tell whether it is in step with a store.
     */
    static void commit(IndexWriter w, int images, String idChain, boolean int8) throws IOException {
        w.setLiveCommitData(Map.of(IMAGES_KEY, Integer.toString(images), IDS_KEY, idChain, INT8_KEY,
                Boolean.toString(int8)).entrySet());
        w.commit();
    }

    /**
     * The per-field vector format: HNSW graph over float32 vectors, or over int8 scalar-quantized ones (Lucene's
     * defaults: 16 connections, beam 100), merging with {@code mergeWorkers} threads of {@code mergePool} (1 and null:
     * on the merging thread).
     */
    static Codec codec(boolean int8, int mergeWorkers, ExecutorService mergePool) {
        int maxConn = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
        int beam = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;
        KnnVectorsFormat format = int8
                ? new Lucene99HnswScalarQuantizedVectorsFormat(maxConn, beam, mergeWorkers, 7, false, null, mergePool)
                : new Lucene99HnswVectorsFormat(maxConn, beam, mergeWorkers, mergePool);
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    public static VectorIndex open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no index at " + dir + " (build it with qpert index STORE)");
        }
        FSDirectory d = FSDirectory.open(dir);
        try {
            return new VectorIndex(d, DirectoryReader.open(d), parentFilter());
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /**
     * Whether this index holds exactly the images {@code storeIds} lists, in that order: the count and {@link IdChain}
     * recorded with its commit must match (an index written before they were recorded: the count alone).
     */
    public boolean inStepWith(List<String> storeIds) throws IOException {
        Map<String, String> data = reader.getIndexCommit().getUserData();
        if (!data.containsKey(IDS_KEY)) {
            return size() == storeIds.size();
        }
        return Integer.toString(storeIds.size()).equals(data.get(IMAGES_KEY))
                && IdChain.of(storeIds).equals(data.get(IDS_KEY));
    }

    /** Number of images. */
    public int size() throws IOException {
        return searcher.count(new TermQuery(new Term(TYPE, IMAGE)));
    }

    public boolean hasPerturbed() throws IOException {
        for (LeafReaderContext leaf : reader.leaves()) {
            if (leaf.reader().getFloatVectorValues(PERTURBED) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The best {@code k} images for a text feature (L2-normalized), best first; ties by gallery order.
     * {@code perturbed} searches the Q-Perturbation vectors.
     */
    public List<Hit> search(float[] text, int k, boolean perturbed, Mode mode) throws IOException {
        return search(text, k, perturbed, mode, defaultCandidates(k));
    }

    /**
     * As {@link #search(float[], int, boolean, Mode)}, with the HNSW walk keeping {@code candidates} (at least k)
     * images: more finds more of the true top k and takes longer (bench/RESULTS.md, index recall).
     */
    public List<Hit> search(float[] text, int k, boolean perturbed, Mode mode, int candidates) throws IOException {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (candidates < k) {
            throw new IllegalArgumentException("HNSW candidates (" + candidates + ") must be at least k (" + k + ")");
        }
        String field = perturbed ? PERTURBED : PLAIN;
        if (perturbed && !hasPerturbed()) {
            throw new IllegalArgumentException("this index holds no Q-Perturbation vectors (store made with --no-qpert)");
        }
        return mode == Mode.EXACT ? exact(text, k, field) : hnsw(text, k, candidates, field);
    }

    /** Every vector scanned: best cosine per image, then the top k (ties by gallery order). */
    private List<Hit> exact(float[] text, int k, String field) throws IOException {
        int n = size();
        float[] best = new float[n];
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        int[] parentDoc = new int[n];
        int[] parentLeaf = new int[n];
        for (LeafReaderContext leaf : reader.leaves()) {
            FloatVectorValues vectors = leaf.reader().getFloatVectorValues(field);
            BitSet parentBits = parents.getBitSet(leaf);
            NumericDocValues ords = leaf.reader().getNumericDocValues(ORD);
            if (vectors == null || parentBits == null || ords == null) {
                continue;
            }
            for (int doc = vectors.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = vectors.nextDoc()) {
                int parent = parentBits.nextSetBit(doc);
                if (!ords.advanceExact(parent)) {
                    throw new IllegalStateException("index: parent document " + parent + " has no gallery position");
                }
                int ord = (int) ords.longValue();
                float s = dot(text, vectors.vectorValue());
                if (s > best[ord]) {
                    best[ord] = s;
                    parentDoc[ord] = parent;
                    parentLeaf[ord] = leaf.ord;
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Stable sort, descending: equal scores keep gallery order, as the in-memory ranking does.
        Arrays.sort(order, (a, b) -> Float.compare(best[b], best[a]));
        List<Hit> out = new ArrayList<>();
        for (int r = 0; r < Math.min(k, n); r++) {
            int ord = order[r];
            LeafReaderContext leaf = reader.leaves().get(parentLeaf[ord]);
            out.add(new Hit(ord, leaf.reader().storedFields().document(parentDoc[ord]).get(ID), best[ord]));
        }
        return out;
    }

    /** The HNSW candidates kept for a top k when none are asked for: {@code max(4k, 100)}. */
    public static int defaultCandidates(int k) {
        return Math.max(4 * k, MIN_CANDIDATES);
    }

    /**
     * The HNSW graph walk with one result per image; Lucene's score (1 + cos) / 2 turned back into the cosine. The
     * walk keeps {@code candidates} images (Lucene's k is also its beam width): k alone finds barely half of the true
     * top 10 on clustered galleries.
     */
    private List<Hit> hnsw(float[] text, int k, int candidates, String field) throws IOException {
        Query query = vectorsOnImages() ? new KnnFloatVectorQuery(field, text, candidates)
                : new DiversifyingChildrenFloatKnnVectorQuery(field, text, null, candidates, parents);
        TopDocs top = searcher.search(query, candidates);
        List<Hit> out = new ArrayList<>();
        for (ScoreDoc sd : top.scoreDocs) {
            LeafReaderContext leaf = reader.leaves().get(org.apache.lucene.index.ReaderUtil.subIndex(sd.doc,
                    reader.leaves()));
            int parent = parents.getBitSet(leaf).nextSetBit(sd.doc - leaf.docBase);
            NumericDocValues ords = leaf.reader().getNumericDocValues(ORD);
            if (!ords.advanceExact(parent)) {
                throw new IllegalStateException("index: parent document " + parent + " has no gallery position");
            }
            out.add(new Hit((int) ords.longValue(), leaf.reader().storedFields().document(parent).get(ID),
                    2 * sd.score - 1));
        }
        out.sort((a, b) -> a.itc() != b.itc() ? Float.compare(b.itc(), a.itc()) : Integer.compare(a.ord(), b.ord()));
        return out.subList(0, Math.min(k, out.size()));
    }

    /** Whether each image is one document holding its vector (a single-vector model), not a block of children. */
    private boolean vectorsOnImages() throws IOException {
        return reader.numDocs() == size();
    }

    private static float dot(float[] a, float[] b) {
        float s = 0f;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Override
    public void close() throws IOException {
        if (directory != null) {
            reader.close();
            directory.close();
        }
    }
}
