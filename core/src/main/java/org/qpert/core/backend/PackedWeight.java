package org.qpert.core.backend;

import java.nio.ShortBuffer;
import org.qpert.core.backend.cpu.Packing;
import org.qpert.core.backend.cpu.WorkerPool;

/**
 * A Linear weight [out, in] held by the CPU backend in the matrix kernel's panel layout ({@link Packing}), packed once
 * at load so every product streams it forward, in the type it was stored in: float32 panels, or the 16-bit bits of an
 * F16/BF16 checkpoint copied into {@code short} panels, which stay 16-bit on the heap: the matrix kernel widens each
 * panel to float32 per task ({@link org.qpert.core.backend.cpu.Kernels#panel16}). The row-major original is not kept.
 */
final class PackedWeight implements Tensor {
    private final DType dtype;
    /** F32 panels, or null. */
    final float[] packed;
    /** F16/BF16 panels from {@link #offset16} (a slice of a {@link WeightArena} chunk), or null. */
    final short[] packed16;
    final int offset16;
    final int panelWidth;
    private final int out;
    private final int in;

    private PackedWeight(DType dtype, float[] packed, short[] packed16, int offset16, int out, int in, int panelWidth) {
        this.dtype = dtype;
        this.packed = packed;
        this.packed16 = packed16;
        this.offset16 = offset16;
        this.out = out;
        this.in = in;
        this.panelWidth = panelWidth;
    }

    /** Packs a float32 weight. */
    static PackedWeight of(float[] weight, int out, int in, int panelWidth) {
        requireShape(weight.length, out, in);
        float[] packed = new float[Packing.packedSize(in, out, panelWidth)];
        Packing.packTransposed(weight, 0, in, out, in, panelWidth, packed);
        return new PackedWeight(DType.F32, packed, null, 0, out, in, panelWidth);
    }

    /**
     * Packs a weight in its stored type; the panels of a 16-bit weight go into a slice of {@code arena} and are packed
     * in parallel on {@code pool}.
     */
    static PackedWeight of(WeightData w, int panelWidth, WorkerPool pool, WeightArena arena) {
        int out = w.rows(), in = w.cols();
        requireShape(w.size(), out, in);
        if (w.dtype() == DType.F32) {
            return of(w.toFloats(), out, in, panelWidth);
        }
        boolean f16 = w.dtype() == DType.F16;
        WeightArena.Slice slice = arena.allocate(Packing.packedSize(in, out, panelWidth));
        short[] packed = slice.array();
        int offset = slice.offset();
        short[][] rows = new short[pool.threads()][in];
        boolean[] nonFinite = new boolean[pool.threads()];
        ShortBuffer src = w.bytes().asShortBuffer();
        pool.parallelFor(Packing.panels(out, panelWidth), (worker, pn) -> nonFinite[worker] |=
                Packing.packPanel16(src, out, in, panelWidth, pn, f16, rows[worker], packed, offset));
        for (boolean b : nonFinite) {
            if (b) {
                throw new IllegalArgumentException("F16 weight [" + out + ", " + in + "] holds an infinity or NaN");
            }
        }
        return new PackedWeight(w.dtype(), null, packed, offset, out, in, panelWidth);
    }

    private static void requireShape(long length, int out, int in) {
        if (out <= 0 || in <= 0 || length != (long) out * in) {
            throw new IllegalArgumentException("weight data of length " + length + " does not fit [" + out + ", " + in
                    + "]");
        }
    }

    /** The weight row-major as float32, for the rare op that needs it as a plain matrix. */
    float[] unpack() {
        if (packed != null) {
            return Packing.unpackTransposed(packed, out, in, panelWidth);
        }
        short[] bits = Packing.unpackTransposed16(packed16, offset16, out, in, panelWidth);
        float[] w = new float[bits.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = dtype == DType.F16 ? Half.f16ToFloat(bits[i]) : Half.bf16ToFloat(bits[i]);
        }
        return w;
    }

    /** Heap bytes of the panels. */
    long bytes() {
        return packed != null ? 4L * packed.length : 2L * Packing.packedSize(in, out, panelWidth);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int rows() {
        return out;
    }

    @Override
    public int cols() {
        return in;
    }

    @Override
    public String toString() {
        return "PackedWeight" + shape() + " " + dtype;
    }
}
