package org.qpert.core.model.owlv2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;

/**
 * {@code Owlv2ClassPredictionHead}: e = dense0(feats) / (‖·‖ + 1e-6), q = query / (‖·‖ + 1e-6),
 * logit = (e·q + logit_shift(feats)) · (ELU(logit_scale(feats)) + 1); an absent query scores float32's minimum.
 * The per-patch dot products are small (g² × Q × P) and run on the host, in float32 as PyTorch does.
 */
final class Owlv2ClassPredictionHead {
    private final int width;
    private final Linear dense0; // [P, D]
    private final Linear shiftScale; // [2, D]: rows logit_shift, logit_scale

    Owlv2ClassPredictionHead(ModelWeights w, int visionWidth, int queryWidth) {
        this.width = queryWidth;
        this.dense0 = Linear.load(w, "class_head.dense0", queryWidth, visionWidth);
        Tensor weight = w.stacked(new String[] {"class_head.logit_shift.weight", "class_head.logit_scale.weight"},
                visionWidth, 1, visionWidth);
        float[] bias = {w.floats("class_head.logit_shift.bias", 1)[0], w.floats("class_head.logit_scale.bias", 1)[0]};
        this.shiftScale = new Linear(weight, w.backend().upload(bias, 1, 2));
    }

    /** The normalized class embeddings e [g², P], row-major. */
    float[] classEmbeddings(Backend b, Tensor feats) {
        float[] e = b.download(dense0.apply(b, feats));
        for (int j = 0; j < feats.rows(); j++) {
            scaleByNorm(e, j * width, width);
        }
        return e;
    }

    /**
     * logits [g², Q] row-major for class embeddings e (from {@link #classEmbeddings}) and queries [Q][P] (a null query is
     * absent).
     */
    float[] logits(Backend b, Tensor feats, float[] e, float[][] queries) {
        int patches = feats.rows(), nq = queries.length;
        float[] ss = b.download(shiftScale.apply(b, feats)); // [g², 2]
        float[][] q = new float[nq][];
        for (int k = 0; k < nq; k++) {
            if (queries[k] != null) {
                if (queries[k].length != width) {
                    throw new IllegalArgumentException("query " + k + " has " + queries[k].length
                            + " values, expected the projection width " + width);
                }
                q[k] = queries[k].clone();
                scaleByNorm(q[k], 0, width);
            }
        }
        float[] out = new float[patches * nq];
        for (int j = 0; j < patches; j++) {
            float shift = ss[2 * j], s = ss[2 * j + 1];
            float scale = (s > 0 ? s : (float) Math.expm1(s)) + 1f;
            for (int k = 0; k < nq; k++) {
                if (q[k] == null) {
                    out[j * nq + k] = -Float.MAX_VALUE;
                    continue;
                }
                float dot = 0f;
                for (int c = 0; c < width; c++) {
                    dot = Math.fma(e[j * width + c], q[k][c], dot);
                }
                out[j * nq + k] = (dot + shift) * scale;
            }
        }
        return out;
    }

    /** x / (‖x‖ + 1e-6) in place (HF's epsilon, unlike F.normalize's max(‖x‖, ε)). */
    private static void scaleByNorm(float[] x, int off, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[off + i] * x[off + i];
        }
        float denom = (float) Math.sqrt(ss) + 1e-6f;
        for (int i = 0; i < n; i++) {
            x[off + i] /= denom;
        }
    }
}
