package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qpert.core.parity.ParityInputs;
import org.qpert.core.parity.PerturbationInputs;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;

/**
 * A Q-Perturbation reference export (testdata/parity/tiny-blip2/qpert-*): {@code qpert.json} (alpha, tau, weight,
 * cross_attention_layers, per image height, width and boxes_xyxy) and {@code qpert.safetensors} (inputs/*, the ITM
 * pairs, and the reference tensors; {@code objects/k} is I64 and compared as floats, so any difference fails).
 */
public record PerturbationFixture(PerturbationInputs inputs, Map<String, ReferenceTensor> reference) {
    public static final String SETTINGS = PerturbationCase.SETTINGS;
    public static final String TENSORS = "qpert.safetensors";

    public static PerturbationFixture read(Path dir) throws IOException {
        PerturbationCase c = PerturbationCase.read(dir);
        Path tensors = dir.resolve(TENSORS);
        try (SafetensorsFile f = SafetensorsFile.open(tensors)) {
            ParityInputs model = new ParityInputs(ActivationsFile.images(f, "inputs/pixel_values"),
                    ActivationsFile.rows(f, "inputs/input_ids"), ActivationsFile.rows(f, "inputs/attention_mask"),
                    ActivationsFile.ints(f, "itm/pair_image"), ActivationsFile.ints(f, "itm/pair_text"));
            Map<String, ReferenceTensor> reference = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors()) {
                String name = t.name();
                if (name.startsWith("inputs/") || name.startsWith("itm/pair_") || name.equals("objects/image_index")) {
                    continue;
                }
                if (t.dtype() == DType.F32) {
                    reference.put(name, new ReferenceTensor(t.shape(), f.readFloats(name)));
                } else if (t.dtype() == DType.I64) {
                    reference.put(name, new ReferenceTensor(t.shape(), asFloats(f.readLongs(name))));
                }
            }
            return new PerturbationFixture(new PerturbationInputs(model, c.sizes(), c.boxes(), c.settings()),
                    reference);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tensors + ": " + e.getMessage(), e);
        }
    }

    private static float[] asFloats(long[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
