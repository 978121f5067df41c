package org.qpert.core.model.coca;

import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.ModelWeights;

/**
 * open_clip's projections ({@code visual.proj}, {@code text.text_projection}) are stored [in, out] and used as x·P; the
 * Linear weights of the backend are [out, in]. This transposes one once at load, widened to float32 (the values a
 * 16-bit file holds are kept exactly; the matrix is E × E, small beside the towers).
 */
final class Transposed {
    private Transposed() {
    }

    /** The weight [out, in] of x·P for P = {@code name} stored [in, out]. */
    static Tensor weight(ModelWeights w, String name, int in, int out) {
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
