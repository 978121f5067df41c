package org.qpert.core.backend;

/** Scalar conversions between float32 and the 16-bit weight types (Java 17 has no {@code Float.float16ToFloat}). */
public final class Half {
    private Half() {
    }

    /** bfloat16 bits (low 16 bits of {@code bits}) to float: the high half of a float32. */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** IEEE binary16 bits to float, exact: subnormals, signed zeros, infinities and NaN payloads kept. */
    public static float f16ToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal or zero: mant·2^-24, exact in float32
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13)); // rebias the exponent 15 → 127
    }

    /**
     * The CPU kernels' F16 widening (the vector kernels do the same per lane): the exponent and mantissa bits moved to
     * their float32 places, then a multiply by 2^112 rebiases the exponent, which also makes subnormals exact. Equal to
     * {@link #f16ToFloat} for every finite value; infinities and NaN are refused when a weight is packed.
     */
    public static float f16ToFloatFinite(short bits) {
        return Float.intBitsToFloat((bits << 13) & 0x8fffe000) * 0x1p112f;
    }

    /**
     * float to IEEE binary16 bits, rounding to nearest even (Java 17 has no {@code Float.floatToFloat16}): values
     * beyond the F16 range become infinities, tiny ones subnormals or zero, NaN stays NaN.
     */
    public static short floatToF16(float x) {
        int bits = Float.floatToRawIntBits(x);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int m = mant | 0x800000; // the implicit bit, then shift into the subnormal range, rounding to nearest even
            int shift = 14 - e;
            int half = 1 << (shift - 1);
            int rounded = (m + half - 1 + ((m >>> shift) & 1)) >>> shift;
            return (short) (sign | rounded);
        }
        // Normal: round the 23-bit mantissa to 10 bits; a carry out of the mantissa correctly bumps the exponent
        // (up to infinity).
        int h = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || rest == 0x1000 && (h & 1) != 0) {
            h++;
        }
        return (short) (sign | h);
    }

    /** float to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
    public static short floatToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
