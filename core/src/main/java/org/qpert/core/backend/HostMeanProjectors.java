package org.qpert.core.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.cpu.Kernels;

/**
 * {@link Backend#meanProjectors} on the host, the reference the device implementations are tested against: the keys
 * are downloaded, the second moments or Gram matrices filled from float32 products (summed in float32 for the d × d
 * second moment, in double for the Gram dot products), all problems of one kind solved in double through
 * {@link Backend#symmetricEigen} in one call (Gram problems zero-padded to the largest n: the padding only adds zero
 * eigenvalues, which are never kept), so an image costs at most two calls unless its batch exceeds
 * {@link #MAX_BATCH_DOUBLES}; the kept eigenvectors are summed into P̄ in float32 and P̄ uploaded. The float loops
 * are {@link Kernels}: the CPU backend passes its Vector API kernels, every other backend gets the scalar ones.
 */
public final class HostMeanProjectors {
    /** Upper bound on one eigen batch (64 MiB of matrices): many large boxes are split over several calls. */
    static final int MAX_BATCH_DOUBLES = 1 << 23;

    final int layers;
    final int heads;
    final int d;
    private final int width;
    private final Kernels kernels;
    private final float[][] keys;
    private final float[][] pbar;
    private final int[][][] basisCounts;
    private final int included;

    private HostMeanProjectors(Kernels kernels, float[][] keys, int heads, int d, int objects) {
        this.kernels = kernels;
        this.keys = keys;
        this.layers = keys.length;
        this.heads = heads;
        this.d = d;
        this.width = heads * d;
        this.pbar = new float[layers][heads * d * d];
        this.basisCounts = new int[objects][layers][heads];
        this.included = objects;
    }

    /** Solves {@code problem} with {@code backend}'s eigensolver and the scalar float loops; P̄ is uploaded. */
    public static MeanProjectors solve(Backend backend, ProjectorProblem problem) {
        return solve(backend, problem, Kernels.scalar());
    }

    /** Solves {@code problem} with {@code backend}'s eigensolver and {@code kernels}; P̄ is uploaded to backend. */
    public static MeanProjectors solve(Backend backend, ProjectorProblem problem, Kernels kernels) {
        float[][] k = new float[problem.layers()][];
        for (int l = 0; l < k.length; l++) {
            k[l] = backend.download(problem.keys().get(l));
        }
        List<CoveredTokens> objects = problem.objects();
        HostMeanProjectors acc = new HostMeanProjectors(kernels, k, problem.heads(), problem.headDim(),
                objects.size());
        List<Integer> gram = new ArrayList<>(), direct = new ArrayList<>();
        for (int j = 0; j < objects.size(); j++) {
            (problem.usesGram(objects.get(j)) ? gram : direct).add(j);
        }
        acc.solve(backend, problem, direct, acc.d, false);
        acc.solve(backend, problem, gram, gram.stream().mapToInt(j -> objects.get(j).count()).max().orElse(0), true);
        List<Tensor> tensors = new ArrayList<>();
        for (int l = 0; l < acc.layers; l++) {
            tensors.add(backend.upload(acc.pbar[l], acc.width, acc.d));
        }
        return new MeanProjectors(tensors, acc.basisCounts);
    }

    /** Solves every (object, layer, head) problem of one kind, in as few backend calls as the batch bound allows. */
    private void solve(Backend backend, ProjectorProblem problem, List<Integer> group, int order, boolean gram) {
        if (group.isEmpty()) {
            return;
        }
        List<CoveredTokens> objects = problem.objects();
        int perObject = layers * heads;
        int total = group.size() * perObject;
        int perCall = Math.max(1, MAX_BATCH_DOUBLES / (order * order));
        int maxTokens = group.stream().mapToInt(j -> objects.get(j).count()).max().orElse(0);
        for (int first = 0; first < total; first += perCall) {
            int count = Math.min(perCall, total - first);
            double[] matrices = new double[count * order * order];
            int start = first;
            int chunks = Math.min(count, 2 * ForkJoinPool.getCommonPoolParallelism() + 2);
            IntStream.range(0, chunks).parallel().forEach(chunk -> {
                Scratch scratch = new Scratch(maxTokens, gram ? 0 : d, d);
                for (int p = chunk * count / chunks; p < (chunk + 1) * count / chunks; p++) {
                    int problemIndex = start + p;
                    CoveredTokens o = objects.get(group.get(problemIndex / perObject));
                    int layer = problemIndex % perObject / heads, head = problemIndex % heads;
                    if (gram) {
                        fillGram(o, layer, head, matrices, p * order * order, order);
                    } else {
                        fillSecondMoment(o, layer, head, matrices, p * order * order, scratch);
                    }
                }
            });
            SymmetricEigen eig = backend.symmetricEigen(matrices, count, order);
            // Problems of one (layer, head) add into the same P̄ block: split the work by block, not by problem.
            int vectorsPerProblem = Math.min(order, d);
            IntStream.range(0, perObject).parallel().forEach(block -> {
                int problems = (count + perObject - 1) / perObject;
                Scratch scratch = new Scratch(maxTokens, problems * vectorsPerProblem, d);
                int vectors = 0;
                for (int p = Math.floorMod(block - start, perObject); p < count; p += perObject) {
                    int problemIndex = start + p;
                    int j = group.get(problemIndex / perObject);
                    int kept = problem.basis().keep(eig.values(), p * order, order);
                    basisCounts[j][block / heads][block % heads] = kept;
                    vectors = addVectors(objects.get(j), block / heads, block % heads, eig, p, kept, gram, scratch,
                            vectors);
                }
                kernels.addOuterProducts(scratch.vectors, scratch.vectorRows, scratch.vectorWeights, vectors, d,
                        pbar[block / heads], block % heads * d * d);
            });
        }
    }

    /** Per-task buffers, so the loops over problems allocate nothing. */
    private static final class Scratch {
        final int[] tokenRows;
        final float[] tokenWeights;
        final float[] vectors;
        final int[] vectorRows;
        final float[] vectorWeights;

        /** Room for {@code tokens} covered tokens and {@code vectors} vectors of d floats (or one d × d matrix). */
        Scratch(int tokens, int vectors, int d) {
            tokenRows = new int[tokens];
            tokenWeights = new float[tokens];
            this.vectors = new float[vectors * d];
            vectorRows = new int[vectors];
            vectorWeights = new float[vectors];
        }
    }

    /** R = Σ_a w_a² k_a k_aᵀ over the object's covered tokens, head slice only, d × d at {@code off}. */
    void fillSecondMoment(CoveredTokens o, int layer, int head, double[] m, int off, Scratch scratch) {
        for (int a = 0; a < o.count(); a++) {
            scratch.tokenRows[a] = o.tokens()[a] * width + head * d;
            scratch.tokenWeights[a] = (float) (o.weights()[a] * o.weights()[a]);
        }
        float[] r = scratch.vectors;
        Arrays.fill(r, 0f);
        kernels.addOuterProducts(keys[layer], scratch.tokenRows, scratch.tokenWeights, o.count(), d, r, 0);
        // The float sums of (r, c) and (c, r) may round differently; the eigensolver gets an exactly symmetric matrix.
        for (int row = 0; row < d; row++) {
            for (int c = row; c < d; c++) {
                m[off + row * d + c] = r[row * d + c];
                m[off + c * d + row] = r[row * d + c];
            }
        }
    }

    /** G_ab = w_a w_b ⟨k_a, k_b⟩ (head slice), n × n in the top-left corner of an order × order block at off. */
    void fillGram(CoveredTokens o, int layer, int head, double[] m, int off, int order) {
        float[] k = keys[layer];
        for (int a = 0; a < o.count(); a++) {
            int ra = o.tokens()[a] * width + head * d;
            for (int b = a; b < o.count(); b++) {
                double s = kernels.dot(k, ra, k, o.tokens()[b] * width + head * d, d);
                m[off + a * order + b] = o.weights()[a] * o.weights()[b] * s;
            }
        }
        mirrorUpper(m, off, order);
    }

    /**
     * Appends the {@code kept} leading eigenvectors of problem {@code p} (mapped back through Fᵀ on the Gram path) to
     * the scratch's vectors from index {@code vectors} on, each weighted w_j / N; returns the new vector count.
     */
    private int addVectors(CoveredTokens o, int layer, int head, SymmetricEigen eig, int p, int kept, boolean gram,
            Scratch scratch, int vectors) {
        float scale = (float) (o.weight() / included);
        int n = eig.n();
        for (int i = 0; i < kept; i++, vectors++) {
            int at = vectors * d;
            if (gram) {
                for (int a = 0; a < o.count(); a++) {
                    scratch.tokenRows[a] = o.tokens()[a] * width + head * d;
                    scratch.tokenWeights[a] = (float) (eig.vector(p, i, a) * o.weights()[a]);
                }
                // u = Fᵀv / ‖Fᵀv‖
                kernels.combineRows(keys[layer], scratch.tokenRows, scratch.tokenWeights, o.count(), d,
                        scratch.vectors, at);
                float inverse = (float) (1 / Math.sqrt(kernels.dot(scratch.vectors, at, scratch.vectors, at, d)));
                for (int c = 0; c < d; c++) {
                    scratch.vectors[at + c] *= inverse;
                }
            } else {
                for (int c = 0; c < d; c++) {
                    scratch.vectors[at + c] = (float) eig.vectors()[(p * n + i) * n + c];
                }
            }
            scratch.vectorRows[vectors] = at;
            scratch.vectorWeights[vectors] = scale;
        }
        return vectors;
    }

    private static void mirrorUpper(double[] m, int off, int n) {
        for (int r = 1; r < n; r++) {
            for (int c = 0; c < r; c++) {
                m[off + r * n + c] = m[off + c * n + r];
            }
        }
    }

    /** R = FᵀF (d × d) of one object and head from the host keys [T, H·d] of one layer: the spec's second moment. */
    public static double[] secondMoment(float[] keys, int heads, int d, CoveredTokens o, int head) {
        double[] r = new double[d * d];
        HostMeanProjectors one = new HostMeanProjectors(Kernels.scalar(), new float[][] {keys}, heads, d, 1);
        one.fillSecondMoment(o, 0, head, r, 0, new Scratch(o.count(), d, d));
        return r;
    }
}
