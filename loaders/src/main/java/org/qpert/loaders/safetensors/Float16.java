package org.qpert.loaders.safetensors;

/** Bit-exact upcasts of IEEE binary16 (F16) and bfloat16 (BF16) to float32 (Java 17 has no Float.float16ToFloat). */
public final class Float16 {
    private Float16() {
    }

    /** F16 bits (low 16 bits of {@code bits}) to float: subnormals, signed zeros, infinities and NaN payloads kept. */
    public static float halfToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // Subnormal (or zero): mant x 2^-24, exact in float32.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        // Rebias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** BF16 is the high half of a float32. */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
