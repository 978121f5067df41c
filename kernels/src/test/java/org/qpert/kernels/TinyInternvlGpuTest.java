package org.qpert.kernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qpert.core.model.internvl.InternvlConfig;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.core.parity.InternvlParityRun;
import org.qpert.loaders.config.InternvlConfigReader;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * GPU: the tiny InternVL, both variants, through the CUDA backend in F32 against the PyTorch export
 * (testdata/parity/tiny-internvl): features and logits within 1e-5 (error max|a − b| / max(1, max|b|), as on the
 * CPU, spec/INTERNVL.md §6). InternVL's RMSNorm, rotary, SwiGLU and layer scale run as the Backend's composed defaults.
 */
class TinyInternvlGpuTest {
    static final Path DIR = Path.of("../testdata/parity/tiny-internvl");

    @Test
    void bothVariantsFeaturesAndLogitsMatchTheExport() throws IOException {
        try (CudaBackend gpu = Gpu.open(Precision.F32, true);
             SafetensorsFile a = SafetensorsFile.open(DIR.resolve("activations.safetensors"))) {
            InternvlConfig cfg = InternvlConfigReader.read(DIR);
            InternvlRetrieval c, g;
            try (SafetensorsWeights w = SafetensorsWeights.open(DIR.resolve("model.safetensors"))) {
                c = InternvlRetrieval.load(cfg, InternvlVariant.C, w, gpu);
                g = InternvlRetrieval.load(cfg, InternvlVariant.G, w, gpu);
            }
            float[] px = a.readFloats("inputs/pixel_values");
            float[][] pixels = {Arrays.copyOf(px, px.length / 2), Arrays.copyOfRange(px, px.length / 2, px.length)};
            long[] shape = a.info("inputs/input_ids").shape();
            long[] flat = a.readLongs("inputs/input_ids");
            int[][] ids = new int[(int) shape[0]][(int) shape[1]];
            for (int t = 0; t < ids.length; t++) {
                for (int j = 0; j < ids[t].length; j++) {
                    ids[t][j] = Math.toIntExact(flat[t * ids[t].length + j]);
                }
            }
            Map<String, float[]> got = InternvlParityRun.compute(c, g, pixels, ids, "");
            for (String key : new String[] {"image_features/C", "image_features/G", "text_features",
                "logits_per_image/C", "logits_per_image/G"}) {
                float[] want = a.readFloats(key), mine = got.get(key);
                double max = 1, err = 0;
                for (int i = 0; i < want.length; i++) {
                    max = Math.max(max, Math.abs(want[i]));
                    err = Math.max(err, Math.abs(want[i] - mine[i]));
                }
                Gpu.check("tiny InternVL " + key, err / max, 1e-5);
            }
        }
    }
}
