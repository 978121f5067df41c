package org.qpert.core.model;

import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

/**
 * Projections stored [in, out] and used as x·P (open_clip's {@code visual.proj} and {@code text.text_projection},
 * InternVL's {@code text_projection}); the Linear weights of the backend are [out, in]. This transposes one once at
 * load, widened to float32 (the values a 16-bit file holds are kept exactly; the matrix is small beside the towers).
 */
public final class Transposed {
    private Transposed() {
    }

    /** The weight [out, in] of x·P for P = {@code name} stored [in, out]. */
    public static Tensor weight(ModelWeights w, String name, int in, int out) {
        float[] p = w.floats(name, in, out);
        float[] t = new float[p.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[o * in + i] = p[i * out + o];
            }
        }
        return w.backend().weight(WeightData.f32(t, out, in));
    }
}
