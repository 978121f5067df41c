package org.qpert.core.backend;

import org.qpert.core.backend.cpu.Packing;

/**
 * A Linear weight [out, in] held by the CPU backend in the matrix kernel's panel layout ({@link Packing}), packed once
 * at load so every product streams it forward. The row-major original is not kept.
 */
final class PackedWeight implements Tensor {
    final float[] packed;
    final int panelWidth;
    private final int out;
    private final int in;

    PackedWeight(float[] weight, int out, int in, int panelWidth) {
        if (out <= 0 || in <= 0 || weight.length != (long) out * in) {
            throw new IllegalArgumentException("weight data of length " + weight.length + " does not fit [" + out
                    + ", " + in + "]");
        }
        this.out = out;
        this.in = in;
        this.panelWidth = panelWidth;
        this.packed = new float[Packing.packedSize(in, out, panelWidth)];
        Packing.packTransposed(weight, 0, in, out, in, panelWidth, packed);
    }

    /** The weight row-major again, for the rare op that needs it as a plain matrix. */
    float[] unpack() {
        return Packing.unpackTransposed(packed, out, in, panelWidth);
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
        return "PackedWeight" + shape();
    }
}
