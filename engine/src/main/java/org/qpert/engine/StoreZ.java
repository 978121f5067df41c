package org.qpert.engine;

import java.util.Locale;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.store.StoreSpec;

/**
 * How a store keeps each image's ViT output Z, which only ITM re-ranking reads (ITC search needs the query features
 * alone): float32, 16 bits (half the store; the ITM logits move by the rounding, measured in bench/RESULTS.md), or
 * not at all (about 1/20 of the store at blip2-itm-vit-g sizes; searches then rank by ITC only). Recorded in the
 * store's spec as the dtype of field {@code z}, or by its absence.
 */
public enum StoreZ {
    F32(DType.F32), F16(DType.F16), BF16(DType.BF16), NONE(null);

    private final DType dtype;

    StoreZ(DType dtype) {
        this.dtype = dtype;
    }

    /** The safetensors dtype of the Z tensors; null for {@link #NONE}. */
    public DType dtype() {
        return dtype;
    }

    public static StoreZ parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "f32" -> F32;
            case "f16" -> F16;
            case "bf16" -> BF16;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("--store-z must be f32, f16, bf16 or none, got '" + s + "'");
        };
    }

    /** What a store with this spec keeps. */
    public static StoreZ of(StoreSpec spec) {
        if (!spec.fieldNames().contains(StoredImage.Z)) {
            return NONE;
        }
        return switch (spec.dtype(StoredImage.Z)) {
            case F16 -> F16;
            case BF16 -> BF16;
            default -> F32;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
