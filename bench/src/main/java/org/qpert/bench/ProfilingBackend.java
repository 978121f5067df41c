package org.qpert.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

/** Wraps a backend and adds up wall time per op, to see where an end-to-end pass spends it. Not thread-safe. */
final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> totals = new TreeMap<>();

    ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    private <T> T time(String op, Supplier<T> call) {
        long t = System.nanoTime();
        T result = call.get();
        long[] acc = totals.computeIfAbsent(op, k -> new long[2]);
        acc[0] += System.nanoTime() - t;
        acc[1]++;
        return result;
    }

    private static String shape(Tensor x, Tensor w) {
        return x.rows() + "x" + x.cols() + "x" + w.rows();
    }

    void reset() {
        totals.clear();
    }

    void printAndReset(String title) {
        System.out.println("# profile " + title);
        totals.forEach((op, acc) -> System.out.printf("#   %-28s %6d calls %9.1f ms%n", op, acc[1], acc[0] / 1e6));
        totals.clear();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Tensor upload(float[] data, int rows, int cols) {
        return inner.upload(data, rows, cols);
    }

    @Override
    public Tensor weight(WeightData w) {
        return inner.weight(w);
    }

    @Override
    public float[] download(Tensor t) {
        return time("download", () -> inner.download(t));
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        return time("linear " + shape(x, w), () -> inner.linear(x, w, b));
    }

    @Override
    public Tensor linearGelu(Tensor x, Tensor w, Tensor b) {
        return time("linearGelu " + shape(x, w), () -> inner.linearGelu(x, w, b));
    }

    @Override
    public Tensor linearResidual(Tensor x, Tensor w, Tensor b, Tensor residual) {
        return time("linearResidual " + shape(x, w), () -> inner.linearResidual(x, w, b, residual));
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return time("add", () -> inner.add(a, b));
    }

    @Override
    public Tensor addRow(Tensor x, Tensor row) {
        return time("addRow", () -> inner.addRow(x, row));
    }

    @Override
    public Tensor gelu(Tensor x) {
        return time("gelu", () -> inner.gelu(x));
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        return time("layerNorm", () -> inner.layerNorm(x, gamma, beta, eps));
    }

    @Override
    public Tensor addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        return time("addLayerNorm", () -> inner.addLayerNorm(x, residual, gamma, beta, eps));
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Segments querySegments,
                            Segments keySegments, Tensor keyBias) {
        return time("attention " + q.rows() + "x" + k.rows() + "x" + q.cols(),
                () -> inner.attention(q, k, v, heads, scale, querySegments, keySegments, keyBias));
    }

    @Override
    public Tensor l2Normalize(Tensor x) {
        return time("l2Normalize", () -> inner.l2Normalize(x));
    }

    @Override
    public Tensor sliceRows(Tensor x, int from, int to) {
        return time("sliceRows", () -> inner.sliceRows(x, from, to));
    }

    @Override
    public Tensor sliceCols(Tensor x, int from, int to) {
        return time("sliceCols", () -> inner.sliceCols(x, from, to));
    }

    @Override
    public Tensor concatRows(Tensor a, Tensor b) {
        return time("concatRows", () -> inner.concatRows(a, b));
    }

    @Override
    public Tensor gatherRows(Tensor table, int[] ids) {
        return time("gatherRows", () -> inner.gatherRows(table, ids));
    }

    @Override
    public Tensor meanRows(Tensor x, Segments segments) {
        return time("meanRows", () -> inner.meanRows(x, segments));
    }

    @Override
    public Tensor perturbQueries(Tensor q, Segments segments, Tensor[] pbar, int heads) {
        return time("perturbQueries", () -> inner.perturbQueries(q, segments, pbar, heads));
    }

    @Override
    public SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
        return time("symmetricEigen", () -> inner.symmetricEigen(matrices, count, n));
    }
}
