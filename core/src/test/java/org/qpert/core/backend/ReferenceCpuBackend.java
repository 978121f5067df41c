package org.qpert.core.backend;

import java.util.Arrays;

/**
 * The plain scalar CPU backend the fast {@link CpuBackend} is checked against: straightforward loops, no packing, no
 * threads, for every op that the fast backend runs on its kernels (data movement such as slicing and gathering is
 * inherited). Sums that decide parity (layer-norm statistics, softmax denominators) use double.
 */
class ReferenceCpuBackend extends CpuBackend {

    @Override
    public String name() {
        return "cpu-reference";
    }

    /** Unpacked: the reference linear reads W row by row. */
    @Override
    public Tensor weight(float[] data, int out, int in) {
        return upload(data, out, in);
    }

    @Override
    public Tensor linearGelu(Tensor x, Tensor w, Tensor b) {
        return gelu(linear(x, w, b));
    }

    @Override
    public Tensor linearQuickGelu(Tensor x, Tensor w, Tensor b) {
        return quickGelu(linear(x, w, b));
    }

    @Override
    public Tensor quickGelu(Tensor x) {
        float[] xs = data(x), y = new float[xs.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = QuickGelu.apply(xs[i]);
        }
        return new CpuTensor(y, x.rows(), x.cols());
    }

    @Override
    public Tensor linearResidual(Tensor x, Tensor w, Tensor b, Tensor residual) {
        return add(linear(x, w, b), residual);
    }

    @Override
    public Tensor addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        return layerNorm(add(x, residual), gamma, beta, eps);
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        int n = x.rows(), in = x.cols(), out = w.rows();
        requireCols("linear input", x, w.cols());
        if (b != null) {
            requireShape("linear bias", b, 1, out);
        }
        float[] xs = data(x), ws = data(w), bs = b == null ? null : data(b);
        float[] y = new float[n * out];
        for (int i = 0; i < n; i++) {
            int xo = i * in;
            for (int o = 0; o < out; o++) {
                int wo = o * in;
                float s = 0f;
                for (int k = 0; k < in; k++) {
                    s = Math.fma(xs[xo + k], ws[wo + k], s);
                }
                y[i * out + o] = bs == null ? s : s + bs[o];
            }
        }
        return new CpuTensor(y, n, out);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        requireShape("add operand", b, a.rows(), a.cols());
        float[] x = data(a), z = data(b), y = new float[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = x[i] + z[i];
        }
        return new CpuTensor(y, a.rows(), a.cols());
    }

    @Override
    public Tensor gelu(Tensor x) {
        float[] xs = data(x), y = new float[xs.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = Gelu.apply(xs[i]);
        }
        return new CpuTensor(y, x.rows(), x.cols());
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int n = x.rows(), d = x.cols();
        requireShape("layer norm weight", gamma, 1, d);
        requireShape("layer norm bias", beta, 1, d);
        float[] xs = data(x), g = data(gamma), b = data(beta), y = new float[xs.length];
        for (int i = 0; i < n; i++) {
            int o = i * d;
            double mean = 0;
            for (int k = 0; k < d; k++) {
                mean += xs[o + k];
            }
            mean /= d;
            double var = 0;
            for (int k = 0; k < d; k++) {
                double c = xs[o + k] - mean;
                var += c * c;
            }
            var /= d;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int k = 0; k < d; k++) {
                y[o + k] = (float) ((xs[o + k] - mean) * inv) * g[k] + b[k];
            }
        }
        return new CpuTensor(y, n, d);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Segments querySegments,
                            Segments keySegments, Tensor keyBias) {
        int d = BatchShapes.attention(q, k, v, heads, querySegments, keySegments, keyBias);
        int nq = q.rows(), width = q.cols();
        float[] qs = data(q), ks = data(k), vs = data(v), y = new float[nq * width];
        float[] bias = keyBias == null ? null : data(keyBias);
        double[] p = new double[k.rows()];
        for (int seg = 0; seg < querySegments.count(); seg++) {
            int k0 = keySegments.start(seg), k1 = keySegments.end(seg);
            for (int h = 0; h < heads; h++) {
                int ho = h * d;
                for (int i = querySegments.start(seg); i < querySegments.end(seg); i++) {
                    int qo = i * width + ho;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = k0; j < k1; j++) {
                        int ko = j * width + ho;
                        float s = 0f;
                        for (int c = 0; c < d; c++) {
                            s = Math.fma(qs[qo + c], ks[ko + c], s);
                        }
                        double score = s * scale + (bias == null ? 0f : bias[j]);
                        p[j] = score;
                        max = Math.max(max, score);
                    }
                    double sum = 0;
                    for (int j = k0; j < k1; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double acc = 0;
                        for (int j = k0; j < k1; j++) {
                            acc += p[j] * vs[j * width + ho + c];
                        }
                        y[i * width + ho + c] = (float) (acc / sum);
                    }
                }
            }
        }
        return new CpuTensor(y, nq, width);
    }

    @Override
    public Tensor meanRows(Tensor x, Segments segments) {
        BatchShapes.meanRows(x, segments);
        int c = x.cols();
        float[] xs = data(x), y = new float[segments.count() * c];
        for (int seg = 0; seg < segments.count(); seg++) {
            for (int k = 0; k < c; k++) {
                double s = 0;
                for (int i = segments.start(seg); i < segments.end(seg); i++) {
                    s += xs[i * c + k];
                }
                y[seg * c + k] = (float) (s / segments.length(seg));
            }
        }
        return new CpuTensor(y, segments.count(), c);
    }

    @Override
    public Tensor perturbQueries(Tensor q, Segments segments, Tensor[] pbar, int heads) {
        int d = BatchShapes.perturbQueries(q, segments, pbar, heads), width = q.cols();
        float[] qs = data(q), y = qs.clone();
        for (int seg = 0; seg < segments.count(); seg++) {
            if (pbar[seg] == null) {
                continue;
            }
            float[] p = data(pbar[seg]);
            for (int i = segments.start(seg); i < segments.end(seg); i++) {
                for (int h = 0; h < heads; h++) {
                    int qo = i * width + h * d;
                    for (int r = 0; r < d; r++) {
                        int po = (h * d + r) * d;
                        double s = qs[qo + r];
                        for (int c = 0; c < d; c++) {
                            s += (double) p[po + c] * qs[qo + c];
                        }
                        y[qo + r] = (float) s;
                    }
                }
            }
        }
        return new CpuTensor(y, q.rows(), width);
    }

    @Override
    public SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
        return JacobiEigen.solveBatch(matrices, count, n);
    }
}
