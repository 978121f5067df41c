package org.qpert.core.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.qpert.core.backend.ProjectorProblem.CoveredTokens;

/**
 * {@link Backend#meanProjectors} on the host, the reference the device implementations are tested against: the keys
 * are downloaded, the matrices filled in double, all problems of one kind solved through
 * {@link Backend#symmetricEigen} in one call (Gram problems zero-padded to the largest n: the padding only adds zero
 * eigenvalues, which are never kept), so an image costs at most two calls unless its batch exceeds
 * {@link #MAX_BATCH_DOUBLES}; the projectors are summed in double and P̄ uploaded.
 */
public final class HostMeanProjectors {
    /** Upper bound on one eigen batch (64 MiB of matrices): many large boxes are split over several calls. */
    static final int MAX_BATCH_DOUBLES = 1 << 23;

    final int layers;
    final int heads;
    final int d;
    private final int width;
    private final float[][] keys;
    private final double[][] pbar;
    private final int[][][] basisCounts;
    private final int included;

    private HostMeanProjectors(float[][] keys, int heads, int d, int objects) {
        this.keys = keys;
        this.layers = keys.length;
        this.heads = heads;
        this.d = d;
        this.width = heads * d;
        this.pbar = new double[layers][heads * d * d];
        this.basisCounts = new int[objects][layers][heads];
        this.included = objects;
    }

    /** Solves {@code problem} with {@code backend}'s eigensolver; P̄ is uploaded to {@code backend}. */
    public static MeanProjectors solve(Backend backend, ProjectorProblem problem) {
        float[][] k = new float[problem.layers()][];
        for (int l = 0; l < k.length; l++) {
            k[l] = backend.download(problem.keys().get(l));
        }
        List<CoveredTokens> objects = problem.objects();
        HostMeanProjectors acc = new HostMeanProjectors(k, problem.heads(), problem.headDim(), objects.size());
        List<Integer> gram = new ArrayList<>(), direct = new ArrayList<>();
        for (int j = 0; j < objects.size(); j++) {
            (problem.usesGram(objects.get(j)) ? gram : direct).add(j);
        }
        acc.solve(backend, problem, direct, acc.d, false);
        acc.solve(backend, problem, gram, gram.stream().mapToInt(j -> objects.get(j).count()).max().orElse(0), true);
        List<Tensor> tensors = new ArrayList<>();
        for (int l = 0; l < acc.layers; l++) {
            tensors.add(backend.upload(acc.pbar(l), acc.width, acc.d));
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
        for (int first = 0; first < total; first += perCall) {
            int count = Math.min(perCall, total - first);
            double[] matrices = new double[count * order * order];
            int start = first;
            IntStream.range(0, count).parallel().forEach(p -> {
                int problemIndex = start + p;
                CoveredTokens o = objects.get(group.get(problemIndex / perObject));
                int layer = problemIndex % perObject / heads, head = problemIndex % heads;
                if (gram) {
                    fillGram(o, layer, head, matrices, p * order * order, order);
                } else {
                    fillSecondMoment(o, layer, head, matrices, p * order * order);
                }
            });
            SymmetricEigen eig = backend.symmetricEigen(matrices, count, order);
            // Problems of one (layer, head) add into the same P̄ block: split the work by block, not by problem.
            IntStream.range(0, perObject).parallel().forEach(block -> {
                double[] u = new double[d];
                for (int p = Math.floorMod(block - start, perObject); p < count; p += perObject) {
                    int problemIndex = start + p;
                    int j = group.get(problemIndex / perObject);
                    int kept = problem.basis().keep(eig.values(), p * order, order);
                    addProjector(objects.get(j), j, block / heads, block % heads, eig, p, kept, gram, u);
                }
            });
        }
    }

    /** R = Σ_a w_a² k_a k_aᵀ over the object's covered tokens, head slice only, d × d at {@code off}. */
    void fillSecondMoment(CoveredTokens o, int layer, int head, double[] m, int off) {
        float[] k = keys[layer];
        for (int a = 0; a < o.count(); a++) {
            double w2 = o.weights()[a] * o.weights()[a];
            int ro = o.tokens()[a] * width + head * d;
            for (int r = 0; r < d; r++) {
                double fr = w2 * k[ro + r];
                int mo = off + r * d;
                for (int c = r; c < d; c++) {
                    m[mo + c] += fr * k[ro + c];
                }
            }
        }
        mirrorUpper(m, off, d);
    }

    /** G_ab = w_a w_b ⟨k_a, k_b⟩ (head slice), n × n in the top-left corner of an order × order block at off. */
    void fillGram(CoveredTokens o, int layer, int head, double[] m, int off, int order) {
        float[] k = keys[layer];
        for (int a = 0; a < o.count(); a++) {
            int ra = o.tokens()[a] * width + head * d;
            for (int b = a; b < o.count(); b++) {
                int rb = o.tokens()[b] * width + head * d;
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += (double) k[ra + c] * k[rb + c];
                }
                m[off + a * order + b] = o.weights()[a] * o.weights()[b] * s;
            }
        }
        mirrorUpper(m, off, order);
    }

    /**
     * Adds (w_j / N) U_k U_kᵀ of problem {@code p} of {@code eig} to P̄ of (layer, head) and records k. Only the
     * upper triangle is accumulated (P̄ is symmetric); {@link #pbar} mirrors it. Calls for different (layer, head)
     * blocks may run concurrently; {@code u} is the caller's scratch of length d.
     */
    private void addProjector(CoveredTokens o, int j, int layer, int head, SymmetricEigen eig, int p, int kept,
            boolean gram, double[] u) {
        basisCounts[j][layer][head] = kept;
        double scale = o.weight() / included;
        double[] target = pbar[layer];
        int po = head * d * d;
        for (int i = 0; i < kept; i++) {
            if (gram) {
                gramVector(o, layer, head, eig, p, i, u);
            } else {
                System.arraycopy(eig.vectors(), (p * d + i) * d, u, 0, d);
            }
            for (int r = 0; r < d; r++) {
                double ur = scale * u[r];
                int ro = po + r * d;
                for (int c = r; c < d; c++) {
                    target[ro + c] += ur * u[c];
                }
            }
        }
    }

    /** u = Fᵀv / ‖Fᵀv‖ for Gram eigenvector i, into {@code u}. */
    private void gramVector(CoveredTokens o, int layer, int head, SymmetricEigen eig, int p, int i, double[] u) {
        float[] k = keys[layer];
        Arrays.fill(u, 0);
        for (int a = 0; a < o.count(); a++) {
            double va = eig.vector(p, i, a) * o.weights()[a];
            int ro = o.tokens()[a] * width + head * d;
            for (int c = 0; c < d; c++) {
                u[c] += va * k[ro + c];
            }
        }
        double norm = 0;
        for (int c = 0; c < d; c++) {
            norm += u[c] * u[c];
        }
        norm = Math.sqrt(norm);
        for (int c = 0; c < d; c++) {
            u[c] /= norm;
        }
    }

    /** P̄ of one layer as float32, mirrored: [H·d, d]. */
    private float[] pbar(int layer) {
        float[] out = new float[pbar[layer].length];
        for (int h = 0; h < heads; h++) {
            mirrorUpper(pbar[layer], h * d * d, d);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) pbar[layer][i];
        }
        return out;
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
        new HostMeanProjectors(new float[][] {keys}, heads, d, 1).fillSecondMoment(o, 0, head, r, 0);
        return r;
    }
}
