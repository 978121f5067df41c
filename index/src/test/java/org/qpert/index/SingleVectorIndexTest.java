package org.qpert.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.Progress;

/**
 * A single-vector model's gallery (one vector per image, as CoCa's): each image is one document holding its vector, and
 * both search modes rank as the in-memory ITC (its one cosine) does.
 */
class SingleVectorIndexTest {
    static final int DIM = 64;

    @TempDir
    Path dir;

    static float[] gallery(int n, long seed) {
        Random r = new Random(seed);
        float[] out = new float[n * DIM];
        for (int i = 0; i < n; i++) {
            System.arraycopy(unit(r, DIM), 0, out, i * DIM, DIM);
        }
        System.arraycopy(out, 3 * DIM, out, 11 * DIM, DIM); // a tie: image 11 is image 3
        return out;
    }

    static float[] unit(Random r, int dim) {
        float[] v = new float[dim];
        double norm = 0;
        for (int k = 0; k < dim; k++) {
            v[k] = (float) r.nextGaussian();
            norm += v[k] * v[k];
        }
        for (int k = 0; k < dim; k++) {
            v[k] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    static List<Integer> itcRanking(float[] feats, int n, float[] text) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = ItcScores.itc(Arrays.copyOfRange(feats, i * DIM, (i + 1) * DIM), text);
        }
        return IntStream.range(0, n).boxed().sorted((a, b) -> Float.compare(s[b], s[a])).toList();
    }

    @Test
    void oneDocumentPerImageAndBothModesRankAsTheInMemoryItc() throws IOException {
        int n = 200;
        float[] plain = gallery(n, 1), perturbed = gallery(n, 2);
        Path index = dir.resolve("lucene");
        List<String> ids = IntStream.range(0, n).mapToObj(i -> "img" + i).toList();
        VectorIndex.build(index, ids, plain, perturbed, 1, DIM, false, Progress.silent(n));
        try (FSDirectory d = FSDirectory.open(index); DirectoryReader r = DirectoryReader.open(d)) {
            assertEquals(n, r.numDocs(), "no child documents: the vector is on the image's document");
        }
        Random rnd = new Random(3);
        try (VectorIndex vi = VectorIndex.open(index)) {
            assertEquals(n, vi.size());
            for (int t = 0; t < 6; t++) {
                float[] text = t == 0 ? Arrays.copyOfRange(plain, 3 * DIM, 4 * DIM) : unit(rnd, DIM);
                for (boolean pert : new boolean[] {false, true}) {
                    List<Integer> expected = itcRanking(pert ? perturbed : plain, n, text).subList(0, 20);
                    assertEquals(expected, vi.search(text, 20, pert, VectorIndex.Mode.EXACT).stream()
                            .map(VectorIndex.Hit::ord).toList(), "exact, query " + t);
                    // as many HNSW candidates as images: the walk reaches all of them
                    List<VectorIndex.Hit> hnsw = vi.search(text, 20, pert, VectorIndex.Mode.HNSW, n);
                    assertEquals(expected, hnsw.stream().map(VectorIndex.Hit::ord).toList(), "hnsw, query " + t);
                    // Lucene's (1 + cos) / 2 turned back into the cosine: within float rounding of the dot product
                    assertEquals(ItcScores.itc(Arrays.copyOfRange(pert ? perturbed : plain, expected.get(0) * DIM,
                            (expected.get(0) + 1) * DIM), text), hnsw.get(0).itc(), 1e-6f);
                }
                if (t == 0) {
                    assertEquals(List.of(3, 11), vi.search(text, 2, false, VectorIndex.Mode.EXACT).stream()
                            .map(VectorIndex.Hit::ord).toList());
                }
            }
        }
    }
}
