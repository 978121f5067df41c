package org.qpert.core.model.blip2;

import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.EncodedImage;

/**
 * What the Q-Former needs from one image, computed once and reused for the ITC pass and every ITM pair: the ViT output
 * Z [T, Dv] and, per cross-attention layer, its keys and values [T, H].
 */
public final class ImageContext implements EncodedImage {
    private final Tensor imageEmbeds;
    private final Tensor[] keys;
    private final Tensor[] values;

    ImageContext(Tensor imageEmbeds, Tensor[] keys, Tensor[] values) {
        this.imageEmbeds = imageEmbeds;
        this.keys = keys;
        this.values = values;
    }

    /** Z: the ViT output after post_layernorm, [T, Dv]. */
    @Override
    public Tensor imageEmbeds() {
        return imageEmbeds;
    }

    /** Cross-attention keys K = Z·Wkᵀ + bk of Q-Former layer {@code layer} [T, H]. */
    @Override
    public Tensor keys(int layer) {
        return require(keys, layer, "keys");
    }

    public Tensor values(int layer) {
        return require(values, layer, "values");
    }

    /** Moves Z and every key and value tensor out of {@code scope}, so they live as long as this context. */
    ImageContext keepIn(TensorScope scope) {
        scope.keep(imageEmbeds);
        for (int l = 0; l < keys.length; l++) {
            scope.keep(keys[l]);
            scope.keep(values[l]);
        }
        return this;
    }

    /** Releases Z, the keys and the values now (device memory on a GPU); the context must not be used afterwards. */
    @Override
    public void close() {
        imageEmbeds.close();
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
                values[l].close();
            }
        }
    }

    private static Tensor require(Tensor[] t, int layer, String what) {
        if (layer < 0 || layer >= t.length || t[layer] == null) {
            throw new IllegalArgumentException("Q-Former layer " + layer + " has no cross-attention " + what);
        }
        return t[layer];
    }
}
