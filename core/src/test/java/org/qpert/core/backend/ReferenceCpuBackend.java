package org.qpert.core.backend;

/**
 * The plain scalar backend every other backend is checked against. It shares nothing with the fast backends but
 * the argument checks ({@link BackendChecks}) and the scalar activations ({@link Gelu}, {@link QuickGelu}): its own tensors, its own data
 * movement, straightforward loops, no packing, no threads. Weights are widened to float32 with the exact
 * conversions of {@link WeightData#get}. Sums that decide parity (layer-norm statistics, softmax denominators, the
 * perturbation's dot products) use double.
 */
public final class ReferenceCpuBackend implements Backend {

    /** A row-major float32 matrix; {@code stored} is the type a weight came in (its values are widened exactly). */
    private record RefTensor(float[] data, int rows, int cols, DType stored) implements Tensor {
        @Override
        public DType dtype() {
            return stored;
        }
    }

    private static float[] data(Tensor t) {
        if (t instanceof RefTensor r) {
            return r.data;
        }
        throw new IllegalArgumentException("tensor " + t + " does not belong to the reference backend");
    }

    private static Tensor tensor(float[] data, int rows, int cols) {
        return new RefTensor(data, rows, cols, DType.F32);
    }

    @Override
    public String name() {
        return "cpu-reference";
    }

    @Override
    public Tensor upload(float[] data, int rows, int cols) {
        BackendChecks.upload(data, rows, cols);
        return tensor(data.clone(), rows, cols);
    }

    @Override
    public Tensor weight(WeightData w) {
        float[] values = new float[Math.toIntExact(w.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = w.get(i);
        }
        return new RefTensor(values, w.rows(), w.cols(), w.dtype());
    }

    @Override
    public float[] download(Tensor t) {
        return data(t).clone();
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        BackendChecks.linear(x, w, b, null);
        int n = x.rows(), in = x.cols(), out = w.rows();
        float[] xs = data(x), ws = data(w), bs = b == null ? null : data(b);
        float[] y = new float[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                float s = 0f;
                for (int k = 0; k < in; k++) {
                    s = Math.fma(xs[i * in + k], ws[o * in + k], s);
                }
                y[i * out + o] = bs == null ? s : s + bs[o];
            }
        }
        return tensor(y, n, out);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        BackendChecks.add(a, b);
        float[] x = data(a), z = data(b), y = new float[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = x[i] + z[i];
        }
        return tensor(y, a.rows(), a.cols());
    }

    @Override
    public Tensor addRow(Tensor x, Tensor row) {
        BackendChecks.addRow(x, row);
        int n = x.rows(), c = x.cols();
        float[] xs = data(x), r = data(row), y = new float[xs.length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                y[i * c + k] = xs[i * c + k] + r[k];
            }
        }
        return tensor(y, n, c);
    }

    @Override
    public Tensor gelu(Tensor x) {
        float[] xs = data(x), y = new float[xs.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = Gelu.apply(xs[i]);
        }
        return tensor(y, x.rows(), x.cols());
    }

    @Override
    public Tensor quickGelu(Tensor x) {
        float[] xs = data(x), y = new float[xs.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = QuickGelu.apply(xs[i]);
        }
        return tensor(y, x.rows(), x.cols());
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        BackendChecks.layerNorm(x, null, gamma, beta);
        int n = x.rows(), d = x.cols();
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
        return tensor(y, n, d);
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
        return tensor(y, nq, width);
    }

    @Override
    public Tensor l2Normalize(Tensor x) {
        int n = x.rows(), d = x.cols();
        float[] xs = data(x), y = new float[xs.length];
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int k = 0; k < d; k++) {
                ss += (double) xs[i * d + k] * xs[i * d + k];
            }
            double norm = Math.max(Math.sqrt(ss), 1e-12);
            for (int k = 0; k < d; k++) {
                y[i * d + k] = (float) (xs[i * d + k] / norm);
            }
        }
        return tensor(y, n, d);
    }

    @Override
    public Tensor sliceRows(Tensor x, int from, int to) {
        BackendChecks.sliceRows(x, from, to);
        int c = x.cols();
        float[] xs = data(x), y = new float[(to - from) * c];
        for (int i = from; i < to; i++) {
            for (int k = 0; k < c; k++) {
                y[(i - from) * c + k] = xs[i * c + k];
            }
        }
        return tensor(y, to - from, c);
    }

    @Override
    public Tensor sliceCols(Tensor x, int from, int to) {
        BackendChecks.sliceCols(x, from, to);
        int n = x.rows(), c = x.cols(), w = to - from;
        float[] xs = data(x), y = new float[n * w];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < w; k++) {
                y[i * w + k] = xs[i * c + from + k];
            }
        }
        return tensor(y, n, w);
    }

    @Override
    public Tensor concatRows(Tensor a, Tensor b) {
        BackendChecks.concatRows(a, b);
        float[] x = data(a), z = data(b), y = new float[x.length + z.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        for (int i = 0; i < z.length; i++) {
            y[x.length + i] = z[i];
        }
        return tensor(y, a.rows() + b.rows(), a.cols());
    }

    @Override
    public Tensor gatherRows(Tensor table, int[] ids) {
        BackendChecks.gatherRows(table, ids);
        int c = table.cols();
        float[] t = data(table), y = new float[ids.length * c];
        for (int i = 0; i < ids.length; i++) {
            for (int k = 0; k < c; k++) {
                y[i * c + k] = t[ids[i] * c + k];
            }
        }
        return tensor(y, ids.length, c);
    }

    @Override
    public Tensor meanRows(Tensor x) {
        BackendChecks.meanRows(x);
        int n = x.rows(), c = x.cols();
        float[] xs = data(x), y = new float[c];
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += xs[i * c + k];
            }
            y[k] = (float) (s / n);
        }
        return tensor(y, 1, c);
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
        return tensor(y, segments.count(), c);
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
        return tensor(y, q.rows(), width);
    }

    /** Cyclic Jacobi: a different algorithm from the fast backends' tridiagonal QL. */
    @Override
    public SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
        BackendChecks.symmetricEigen(matrices, count, n);
        return JacobiEigen.solveBatch(matrices, count, n);
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        BackendChecks.rmsNorm(x, gamma);
        int n = x.rows(), d = x.cols();
        float[] xs = data(x), g = data(gamma), y = new float[xs.length];
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int k = 0; k < d; k++) {
                ss += (double) xs[i * d + k] * xs[i * d + k];
            }
            double inv = 1.0 / Math.sqrt(ss / d + eps);
            for (int k = 0; k < d; k++) {
                y[i * d + k] = (float) (g[k] * (xs[i * d + k] * inv));
            }
        }
        return tensor(y, n, d);
    }

    /** cos/sin in double of the float32 angle; rot(u) = [−u₂, u₁] written out per element. */
    @Override
    public Tensor rotary(Tensor x, int heads, int[] positions, double base) {
        int d = BackendChecks.rotary(x, heads, positions), n = x.rows(), c = x.cols(), half = d / 2;
        float[] xs = data(x), y = new float[xs.length];
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                for (int e = 0; e < d; e++) {
                    int j = e % half;
                    float inv = (float) (1.0 / (float) Math.pow(base, (float) (2 * j) / d));
                    double angle = (float) positions[i] * inv;
                    double rotated = e < half ? -xs[i * c + h * d + e + half] : xs[i * c + h * d + e - half];
                    y[i * c + h * d + e] = (float) (xs[i * c + h * d + e] * Math.cos(angle)
                            + rotated * Math.sin(angle));
                }
            }
        }
        return tensor(y, n, c);
    }

    @Override
    public Tensor swiGlu(Tensor gateUp) {
        BackendChecks.swiGlu(gateUp);
        int n = gateUp.rows(), f = gateUp.cols() / 2;
        float[] xs = data(gateUp), y = new float[n * f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double g = xs[i * 2 * f + j];
                y[i * f + j] = (float) (g / (1 + Math.exp(-g)) * xs[i * 2 * f + f + j]);
            }
        }
        return tensor(y, n, f);
    }

    @Override
    public Tensor scaledResidual(Tensor x, Tensor scale, Tensor residual) {
        BackendChecks.scaledResidual(x, scale, residual);
        float[] xs = data(x), s = data(scale), r = data(residual), y = new float[xs.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) ((double) xs[i] * s[i % x.cols()] + r[i]);
        }
        return tensor(y, x.rows(), x.cols());
    }
}
