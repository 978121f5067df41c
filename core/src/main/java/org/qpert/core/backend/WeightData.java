package org.qpert.core.backend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A weight as its checkpoint stores it: element type, a 2-D shape and the raw little-endian bytes (typically a view
 * of a memory-mapped file, so nothing is converted or copied on the way to the backend). The bytes are only valid
 * while the source they came from is open: a backend copies, in whatever layout it streams best, what it keeps.
 */
public record WeightData(DType dtype, int rows, int cols, ByteBuffer bytes) {

    public WeightData {
        if (dtype == null || rows < 0 || cols < 0) {
            throw new IllegalArgumentException("weight of type " + dtype + " has an invalid shape [" + rows + ", " + cols
                    + "]");
        }
        long want = (long) rows * cols * dtype.bytes();
        if (bytes.remaining() != want) {
            throw new IllegalArgumentException(dtype + " weight [" + rows + ", " + cols + "] needs " + want
                    + " bytes, got " + bytes.remaining());
        }
        bytes = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 weight from a heap array (tests, benchmarks, weights computed at run time). */
    public static WeightData f32(float[] data, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return new WeightData(DType.F32, rows, cols, b);
    }

    /** A 16-bit weight from its bit patterns. */
    public static WeightData of16(DType dtype, short[] bits, int rows, int cols) {
        if (dtype.bytes() != 2) {
            throw new IllegalArgumentException(dtype + " is not a 16-bit type");
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(bits.length, 2)).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(bits);
        return new WeightData(dtype, rows, cols, b);
    }

    /** {@code data} rounded to bfloat16 (nearest even). */
    public static WeightData bf16(float[] data, int rows, int cols) {
        short[] bits = new short[data.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Half.floatToBf16(data[i]);
        }
        return of16(DType.BF16, bits, rows, cols);
    }

    /** The same bytes seen as [rows, cols] (e.g. a conv kernel [D, 3, p, p] as the matrix [D, 3·p·p]). */
    public WeightData reshape(int rows, int cols) {
        if ((long) rows * cols != (long) this.rows * this.cols) {
            throw new IllegalArgumentException("cannot view weight [" + this.rows + ", " + this.cols + "] as [" + rows
                    + ", " + cols + "]");
        }
        return new WeightData(dtype, rows, cols, bytes);
    }

    public long size() {
        return (long) rows * cols;
    }

    /** Element i widened to float32 (exact for every type). */
    public float get(int i) {
        return switch (dtype) {
            case F32 -> bytes.getFloat(4 * i);
            case F16 -> Half.f16ToFloat(bytes.getShort(2 * i));
            case BF16 -> Half.bf16ToFloat(bytes.getShort(2 * i));
        };
    }

    /** All elements widened to float32, row-major: for vectors and tables, which are used as activations are. */
    public float[] toFloats() {
        float[] out = new float[Math.toIntExact(size())];
        if (dtype == DType.F32) {
            bytes.asFloatBuffer().get(0, out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = get(i);
            }
        }
        return out;
    }
}
