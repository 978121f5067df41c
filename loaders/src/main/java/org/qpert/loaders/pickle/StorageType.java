package org.qpert.loaders.pickle;

import org.qpert.loaders.safetensors.DType;

/**
 * The torch storage classes a state dict's pickle names ({@code torch.FloatStorage}, ...), with the safetensors
 * dtype their bytes are copied to unchanged.
 */
enum StorageType {
    FLOAT("FloatStorage", DType.F32),
    HALF("HalfStorage", DType.F16),
    BFLOAT16("BFloat16Storage", DType.BF16),
    DOUBLE("DoubleStorage", DType.F64),
    LONG("LongStorage", DType.I64),
    INT("IntStorage", DType.I32),
    SHORT("ShortStorage", DType.I16),
    CHAR("CharStorage", DType.I8),
    BYTE("ByteStorage", DType.U8),
    BOOL("BoolStorage", DType.BOOL);

    final String className;
    final DType dtype;

    StorageType(String className, DType dtype) {
        this.className = className;
        this.dtype = dtype;
    }

    /** The type of {@code torch.NAME}, or null when NAME is no storage class we read. */
    static StorageType byClassName(String name) {
        for (StorageType t : values()) {
            if (t.className.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
