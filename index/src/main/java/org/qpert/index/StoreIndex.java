package org.qpert.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.ReaderManager;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.qpert.core.retrieval.Progress;
import org.qpert.engine.StoreListener;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * The Lucene index of a store ({@code STORE/lucene}) kept in step with it by the store's writer. Opening it catches
 * up with the store: the images the store holds beyond those indexed are appended, and an index that no longer
 * matches the start of the store's image list (a repaired store dropped a shard, the store was made again in the same
 * folder, the index was written without a record of its images or in the other vector format) is rebuilt. Then each
 * {@link #committed} appends the store's new images and commits. The index is always committed after the store, so an
 * interrupted run leaves it behind the store, never ahead of it, and the next open catches up. Thread-safe.
 */
public final class StoreIndex implements StoreListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StoreIndex.class.getName());

    static {
        LuceneNotice.install();
    }

    /** Images appended between two commits while catching up: an interrupted rebuild keeps what it committed. */
    private static final int COMMIT_EVERY = 4096;

    private final EmbeddingStore store;
    private final FSDirectory directory;
    private final IndexWriter writer;
    private final ReaderManager readers;
    private final BitSetProducer parents = VectorIndex.parentFilter();
    private final boolean int8;
    private final boolean perturbed;
    private final int nq;
    private final int dim;
    private int count;
    private IdChain chain;
    private String lastId;

    private StoreIndex(EmbeddingStore store, FSDirectory directory, IndexWriter writer, boolean int8, int count,
                       IdChain chain) throws IOException {
        this.store = store;
        this.directory = directory;
        this.writer = writer;
        this.int8 = int8;
        this.perturbed = store.spec().fieldNames().contains(StoredImage.ITC_QPERT);
        int[] shape = store.spec().shape(StoredImage.ITC);
        this.nq = shape[0];
        this.dim = shape[1];
        this.count = count;
        this.chain = chain;
        this.lastId = count == 0 ? null : store.ids().get(count - 1);
        append(store.ids(), true);
        this.readers = new ReaderManager(writer);
    }

    /** {@code STORE/lucene}. */
    public static Path dir(EmbeddingStore store) {
        return store.dir().resolve(VectorIndex.DIR_NAME);
    }

    /** Opens (or creates) the store's index in the vector format it has (float32 when new), in step with the store. */
    public static StoreIndex open(EmbeddingStore store) throws IOException {
        return open(store, null);
    }

    /**
     * Opens (or creates) the store's index and brings it in step with the store; {@code int8} (null: keep the
     * index's format, float32 when new) asks for int8 scalar-quantized vectors, and an index in the other format is
     * rebuilt.
     */
    public static StoreIndex open(EmbeddingStore store, Boolean int8) throws IOException {
        Path dir = dir(store);
        Files.createDirectories(dir);
        FSDirectory d = FSDirectory.open(dir);
        try {
            Map<String, String> data = DirectoryReader.indexExists(d) ? SegmentInfos.readLatestCommit(d).getUserData()
                    : null;
            boolean hadInt8 = data != null && Boolean.parseBoolean(data.get(VectorIndex.INT8_KEY));
            boolean want = int8 != null ? int8 : hadInt8;
            String rebuild = null;
            int count = 0;
            IdChain chain = new IdChain();
            if (data != null) {
                List<String> ids = store.ids();
                int n = parseCount(data.get(VectorIndex.IMAGES_KEY));
                if (!data.containsKey(VectorIndex.IDS_KEY) || n < 0) {
                    rebuild = "it was written without a record of its images";
                } else if (want != hadInt8) {
                    rebuild = "its vectors are " + format(hadInt8) + ", " + format(want) + " asked for";
                } else if (n > ids.size() || !IdChain.of(ids.subList(0, n)).equals(data.get(VectorIndex.IDS_KEY))) {
                    rebuild = "its " + n + " images are not the first " + n + " of the store's " + ids.size()
                            + " (the store was repaired or made again)";
                } else {
                    count = n;
                    chain = IdChain.resume(data.get(VectorIndex.IDS_KEY));
                }
                if (rebuild != null) {
                    LOG.log(System.Logger.Level.WARNING, "index " + dir + ": rebuilding it, " + rebuild);
                }
            }
            IndexWriter w;
            try {
                w = new IndexWriter(d, VectorIndex.writerConfig(want, rebuild != null
                        ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
            } catch (LockObtainFailedException e) {
                throw new IllegalStateException("index " + dir + " is being written by another process (qpert "
                        + "embed --index, serve or index on this store)", e);
            }
            try {
                return new StoreIndex(store, d, w, want, count, chain);
            } catch (IOException | RuntimeException e) {
                w.rollback();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private static int parseCount(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String format(boolean int8) {
        return int8 ? "int8" : "float32";
    }

    /** Appends the images the store holds now beyond those indexed (it has just committed them). */
    @Override
    public synchronized void committed(EmbeddingStore s) throws IOException {
        if (s != store) {
            throw new IllegalArgumentException("index of store " + store.dir() + " told about store " + s.dir());
        }
        List<String> ids = store.ids();
        if (ids.size() < count || count > 0 && !ids.get(count - 1).equals(lastId)) {
            throw new IllegalStateException("store " + store.dir() + " changed under its index: it lists "
                    + ids.size() + " images, the index holds " + count + " ending with '" + lastId + "'");
        }
        append(ids, false);
        readers.maybeRefreshBlocking();
    }

    /** Adds {@code ids[count..]} and commits (also when nothing is new at open, to record a new or rebuilt index). */
    private void append(List<String> ids, boolean opening) throws IOException {
        int from = count;
        if (from == ids.size() && !opening) {
            return;
        }
        Progress progress = ids.size() - from > COMMIT_EVERY ? Progress.logging("index", ids.size() - from, "images")
                : Progress.silent(ids.size() - from);
        if (opening && from < ids.size()) {
            LOG.log(System.Logger.Level.INFO, "index " + dir(store) + ": adding " + (ids.size() - from)
                    + " images the store holds and the index does not");
        }
        for (int i = from; i < ids.size(); i++) {
            String id = ids.get(i);
            writer.addDocuments(VectorIndex.block(id, i, store.read(id, StoredImage.ITC),
                    perturbed ? store.read(id, StoredImage.ITC_QPERT) : null, 0, nq, dim));
            chain.add(id);
            count = i + 1;
            lastId = id;
            progress.advance(1);
            if ((i + 1 - from) % COMMIT_EVERY == 0) {
                VectorIndex.commit(writer, count, chain.hex(), int8);
            }
        }
        VectorIndex.commit(writer, count, chain.hex(), int8);
        progress.finish();
    }

    /** Number of images indexed. */
    public synchronized int size() {
        return count;
    }

    public boolean int8() {
        return int8;
    }

    /**
     * The best {@code k} images (see {@link VectorIndex#search(float[], int, boolean, VectorIndex.Mode, int)}) in what
     * is committed now.
     */
    public List<VectorIndex.Hit> search(float[] text, int k, boolean perturbed, VectorIndex.Mode mode, int candidates)
            throws IOException {
        DirectoryReader r = readers.acquire();
        try {
            return new VectorIndex(null, r, parents).search(text, k, perturbed, mode, candidates);
        } finally {
            readers.release(r);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            readers.close();
            writer.close();
        } finally {
            directory.close();
        }
    }
}
