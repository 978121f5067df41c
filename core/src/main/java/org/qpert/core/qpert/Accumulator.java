package org.qpert.core.qpert;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;
import org.qpert.core.qpert.ImagePerturbationBuilder.ObjectTokens;

/**
 * The per-image state of {@link ImagePerturbationBuilder}: the keys of the perturbed layers (host copies), the
 * eigenproblem matrices built from them, and the running sum P̄_{l,h} = (1/N') Σ_j w_j U_k U_kᵀ in double.
 */
final class Accumulator {
    final int layers;
    final int heads;
    final int d;
    private final int width;
    private final float[][] keys;
    private final double[][] pbar;
    private final int[][][] basisCounts;
    private final int included;

    Accumulator(float[][] keys, int layers, int heads, int d, int objects, int included) {
        this.keys = keys;
        this.layers = layers;
        this.heads = heads;
        this.d = d;
        this.width = heads * d;
        this.pbar = new double[layers][heads * d * d];
        this.basisCounts = new int[objects][layers][heads];
        this.included = included;
    }

    /** R = Σ_a w_a² k_a k_aᵀ over the object's covered tokens, head slice only, d × d at {@code off}. */
    void fillSecondMoment(ObjectTokens o, int layer, int head, double[] m, int off) {
        float[] k = keys[layer];
        for (int a = 0; a < o.n; a++) {
            double w2 = o.weights[a] * o.weights[a];
            int ro = o.tokens[a] * width + head * d;
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
    void fillGram(ObjectTokens o, int layer, int head, double[] m, int off, int order) {
        float[] k = keys[layer];
        for (int a = 0; a < o.n; a++) {
            int ra = o.tokens[a] * width + head * d;
            for (int b = a; b < o.n; b++) {
                int rb = o.tokens[b] * width + head * d;
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += (double) k[ra + c] * k[rb + c];
                }
                m[off + a * order + b] = o.weights[a] * o.weights[b] * s;
            }
        }
        mirrorUpper(m, off, order);
    }

    /**
     * Adds (w_j / N') U_k U_kᵀ of problem {@code p} of {@code eig} to P̄ of (layer, head) and records k. Only the
     * upper triangle is accumulated (P̄ is symmetric); {@link #result} mirrors it. Calls for different (layer, head)
     * blocks may run concurrently; {@code u} is the caller's scratch of length d.
     */
    void addProjector(ObjectTokens o, int layer, int head, SymmetricEigen eig, int p, int kept, boolean gram,
            double[] u) {
        basisCounts[o.index][layer][head] = kept;
        double scale = o.objectWeight / included;
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
    private void gramVector(ObjectTokens o, int layer, int head, SymmetricEigen eig, int p, int i, double[] u) {
        float[] k = keys[layer];
        java.util.Arrays.fill(u, 0);
        for (int a = 0; a < o.n; a++) {
            double va = eig.vector(p, i, a) * o.weights[a];
            int ro = o.tokens[a] * width + head * d;
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

    ImagePerturbation result(int[] layerIndices, Backend backend) {
        Tensor[] tensors = new Tensor[layers];
        float[][] host = new float[layers][];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                mirrorUpper(pbar[l], h * d * d, d);
            }
            host[l] = new float[pbar[l].length];
            for (int i = 0; i < host[l].length; i++) {
                host[l][i] = (float) pbar[l][i];
            }
            tensors[l] = backend.upload(host[l], width, d);
        }
        return new ImagePerturbation(layerIndices.clone(), tensors, host, basisCounts, heads, d);
    }

    private static void mirrorUpper(double[] m, int off, int n) {
        for (int r = 1; r < n; r++) {
            for (int c = 0; c < r; c++) {
                m[off + r * n + c] = m[off + c * n + r];
            }
        }
    }
}
