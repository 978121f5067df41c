package org.qpert.core.qpert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.backend.ProjectorProblem.EigenPath;

/** P̄ on random keys: T = 37 tokens, 3 heads of d = 16, cross-attention layers 0 and 2. */
class ImagePerturbationBuilderTest {
    private static final int T = 37, HEADS = 3, D = 16, WIDTH = HEADS * D;
    /** P̄ is accumulated in float32: both paths agree to float rounding. */
    private static final float PBAR_TOLERANCE = 1e-5f;

    private final Backend backend = new CpuBackend();
    private final Random random = new Random(20240717);
    private final List<LayerKeys> keys = List.of(randomKeys(0), randomKeys(2));

    @Test
    void gramAndDirectPathsAgree() {
        // Objects of 1, 5 and 15 tokens (all below d, so AUTO takes the Gram path) plus one of 30 tokens.
        List<ImageObject> objects = List.of(object(1, 8), object(5, 8), object(15, 8), object(30, 8));
        for (Perturbation settings : List.of(Perturbation.published(), Perturbation.published().withTau(0.6),
                Perturbation.published().withTau(3))) {
            ImagePerturbation direct = build(settings, EigenPath.DIRECT, objects);
            ImagePerturbation gram = build(settings, EigenPath.GRAM, objects);
            ImagePerturbation auto = build(settings, EigenPath.AUTO, objects);
            for (int layer : new int[] {0, 2}) {
                assertArrayEquals(direct.hostPbar(layer), gram.hostPbar(layer), PBAR_TOLERANCE,
                        "P̄ of layer " + layer + ", tau " + settings.tau());
                assertArrayEquals(direct.hostPbar(layer), auto.hostPbar(layer), PBAR_TOLERANCE);
                for (int j = 0; j < objects.size(); j++) {
                    for (int h = 0; h < HEADS; h++) {
                        assertEquals(direct.basisCount(j, layer, h), gram.basisCount(j, layer, h));
                    }
                }
            }
        }
    }

    @Test
    void perturbationLiesInTheSpanOfTheSelectedEigenvectors() {
        // tau 0.7 keeps few vectors per object, so the union of both objects' subspaces is a proper subspace.
        List<ImageObject> objects = List.of(object(4, 8), object(20, 8));
        ImagePerturbation qp = build(Perturbation.published().withTau(0.7), EigenPath.AUTO, objects);
        float[] q = new float[5 * WIDTH];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        for (int l = 0; l < 2; l++) {
            int layer = keys.get(l).layer();
            float[] out = backend.download(backend.perturbQueries(backend.upload(q, 5, WIDTH), qp.pbar(layer), HEADS));
            for (int h = 0; h < HEADS; h++) {
                List<double[]> basis = new ArrayList<>();
                for (int j = 0; j < objects.size(); j++) {
                    basis.addAll(leadingEigenvectors(objects.get(j), l, h, qp.basisCount(j, layer, h)));
                }
                orthonormalize(basis);
                assertTrue(basis.size() < D, "the test needs a proper subspace, got " + basis.size());
                for (int row = 0; row < 5; row++) {
                    double[] delta = new double[D];
                    for (int c = 0; c < D; c++) {
                        delta[c] = out[row * WIDTH + h * D + c] - q[row * WIDTH + h * D + c];
                    }
                    double norm = norm(delta);
                    assertTrue(norm > 1e-3, "the perturbation must not vanish");
                    for (double[] b : basis) {
                        double dot = dot(b, delta);
                        for (int c = 0; c < D; c++) {
                            delta[c] -= dot * b[c];
                        }
                    }
                    // float32 queries: the residual outside the span is rounding, relative to the change.
                    assertTrue(norm(delta) <= 1e-5 * norm + 1e-5, "residual " + norm(delta) + " of " + norm);
                }
            }
        }
    }

    @Test
    void oneConstantObjectScalesTheParallelComponentByOnePlusAlpha() {
        ImageObject o = object(6, 3);
        ImagePerturbation qp = build(Perturbation.published().withAlpha(3).withTau(2), EigenPath.AUTO, List.of(o));
        float[] pbar = qp.hostPbar(0);
        List<double[]> u = leadingEigenvectors(o, 0, 1, 2);
        for (int r = 0; r < D; r++) {
            for (int c = 0; c < D; c++) {
                double want = 3 * (u.get(0)[r] * u.get(0)[c] + u.get(1)[r] * u.get(1)[c]);
                assertEquals(want, pbar[(D + r) * D + c], 1e-5, "P̄ of head 1 at " + r + ", " + c);
            }
        }
    }

    @Test
    void objectsCoveringNoTokenAreLeftOutOfTheMean() {
        ImageObject a = object(5, 8), b = object(12, 8);
        ImageObject empty = ImageObject.ofTokenWeights(8, new float[T]);
        ImagePerturbation both = build(Perturbation.published(), EigenPath.AUTO, List.of(a, empty, b));
        ImagePerturbation onlyA = build(Perturbation.published(), EigenPath.AUTO, List.of(a));
        ImagePerturbation onlyB = build(Perturbation.published(), EigenPath.AUTO, List.of(b));
        float[] mean = both.hostPbar(2), pa = onlyA.hostPbar(2), pb = onlyB.hostPbar(2);
        for (int i = 0; i < mean.length; i++) {
            assertEquals((pa[i] + pb[i]) / 2, mean[i], 1e-5, "entry " + i);
        }
        assertEquals(0, both.basisCount(1, 2, 0));
        assertTrue(both.basisCount(0, 2, 0) > 0);
        assertTrue(build(Perturbation.published(), EigenPath.AUTO, List.of(empty)).isEmpty());
        assertTrue(build(Perturbation.published(), EigenPath.AUTO, List.of()).isEmpty());
    }

    @Test
    void layerSelectionAndTurningOff() {
        List<ImageObject> objects = List.of(object(5, 8));
        ImagePerturbation only2 = build(Perturbation.published().withLayers(2), EigenPath.AUTO, objects);
        assertFalse(only2.perturbs(0));
        assertTrue(only2.perturbs(2));
        assertArrayEquals(build(Perturbation.published(), EigenPath.AUTO, objects).hostPbar(2), only2.hostPbar(2));
        assertTrue(build(Perturbation.none(), EigenPath.AUTO, objects).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> build(Perturbation.published().withLayers(1), EigenPath.AUTO, objects));
        assertTrue(e.getMessage().contains("no cross-attention"), e.getMessage());
    }

    @Test
    void badTokenWeightsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ImageObject.ofTokenWeights(8, new float[] {0, -1}));
        assertThrows(IllegalArgumentException.class, () -> ImageObject.ofTokenWeights(8, new float[] {0, Float.NaN}));
        assertThrows(IllegalArgumentException.class, () -> ImageObject.ofTokenWeights(Double.NaN, new float[] {0, 1}));
    }

    @Test
    void mismatchedTokenCountIsRejected() {
        ImageObject wrong = ImageObject.ofTokenWeights(8, new float[] {0, 1, 1});
        assertThrows(IllegalArgumentException.class, () -> build(Perturbation.published(), EigenPath.AUTO, List.of(wrong)));
    }

    /** All eigenproblems of an image go to the backend in one call per problem order (spec: batch per image). */
    @Test
    void eigenproblemsAreBatchedPerImage() {
        int[] calls = new int[1];
        Backend counting = new CpuBackend() {
            @Override
            public org.qpert.core.backend.SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
                calls[0]++;
                return super.symmetricEigen(matrices, count, n);
            }
        };
        List<LayerKeys> countingKeys = List.of(
                new LayerKeys(0, counting.upload(backend.download(keys.get(0).keys()), T, WIDTH)),
                new LayerKeys(2, counting.upload(backend.download(keys.get(1).keys()), T, WIDTH)));
        new ImagePerturbationBuilder(counting, Perturbation.published())
                .build(List.of(object(3, 8), object(9, 8), object(12, 8)), countingKeys, HEADS);
        assertEquals(1, calls[0], "small objects only: one Gram batch");
        calls[0] = 0;
        new ImagePerturbationBuilder(counting, Perturbation.published())
                .build(List.of(object(3, 8), object(20, 8), object(30, 8)), countingKeys, HEADS);
        assertEquals(2, calls[0], "small and large objects: one Gram batch and one d x d batch");
    }

    private ImagePerturbation build(Perturbation settings, EigenPath path, List<ImageObject> objects) {
        return new ImagePerturbationBuilder(backend, settings, path).build(objects, keys, HEADS);
    }

    /** An object of weight w covering n random tokens (never CLS) with random soft weights. */
    private ImageObject object(int n, double weight) {
        float[] w = new float[T];
        for (int placed = 0; placed < n; ) {
            int t = 1 + random.nextInt(T - 1);
            if (w[t] == 0) {
                w[t] = random.nextBoolean() ? 1f : 0.05f + 0.9f * random.nextFloat();
                placed++;
            }
        }
        return ImageObject.ofTokenWeights(weight, w);
    }

    private LayerKeys randomKeys(int layer) {
        float[] k = new float[T * WIDTH];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) random.nextGaussian() + 0.3f;
        }
        return new LayerKeys(layer, backend.upload(k, T, WIDTH));
    }

    /** The first k eigenvectors of R = FᵀF, from Commons Math on an independently built R. */
    private List<double[]> leadingEigenvectors(ImageObject o, int layerPosition, int head, int k) {
        float[] kk = backend.download(keys.get(layerPosition).keys());
        double[][] r = new double[D][D];
        for (int t = 0; t < T; t++) {
            double w = o.tokenWeights()[t];
            for (int a = 0; a < D; a++) {
                for (int b = 0; b < D; b++) {
                    r[a][b] += w * w * kk[t * WIDTH + head * D + a] * kk[t * WIDTH + head * D + b];
                }
            }
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(r));
        List<double[]> vectors = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            vectors.add(eig.getEigenvector(i).toArray());
        }
        return vectors;
    }

    private static void orthonormalize(List<double[]> vectors) {
        List<double[]> done = new ArrayList<>();
        for (double[] v : vectors) {
            double[] x = v.clone();
            for (int pass = 0; pass < 2; pass++) {
                for (double[] b : done) {
                    double dot = dot(b, x);
                    for (int c = 0; c < x.length; c++) {
                        x[c] -= dot * b[c];
                    }
                }
            }
            double n = norm(x);
            if (n > 1e-8) {
                for (int c = 0; c < x.length; c++) {
                    x[c] /= n;
                }
                done.add(x);
            }
        }
        vectors.clear();
        vectors.addAll(done);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
