package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qpert.core.parity.ParityInputs;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;

/**
 * A reference export in the tiny-blip2 {@code activations.safetensors} format: {@code inputs/pixel_values} [B, 3, S, S],
 * {@code inputs/input_ids} and {@code inputs/attention_mask} [Bt, L], optional {@code itm/pair_image_index} and
 * {@code itm/pair_text_index}, and every other float tensor as a reference activation.
 */
public record ActivationsFile(ParityInputs inputs, Map<String, ReferenceTensor> reference) {

    public static ActivationsFile read(Path path) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            ParityInputs inputs = new ParityInputs(
                    images(f, "inputs/pixel_values"),
                    rows(f, "inputs/input_ids"),
                    rows(f, "inputs/attention_mask"),
                    f.contains("itm/pair_image_index") ? ints(f, "itm/pair_image_index") : new int[0],
                    f.contains("itm/pair_text_index") ? ints(f, "itm/pair_text_index") : new int[0]);
            Map<String, ReferenceTensor> reference = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors()) {
                if (!t.name().startsWith("inputs/") && t.dtype() == DType.F32) {
                    reference.put(t.name(), new ReferenceTensor(t.shape(), f.readFloats(t.name())));
                }
            }
            return new ActivationsFile(inputs, reference);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    static float[][] images(SafetensorsFile f, String name) {
        long[] s = require(f, name, 4);
        if (s[1] != 3 || s[2] != s[3]) {
            throw new IllegalArgumentException(name + " has shape " + java.util.Arrays.toString(s)
                    + ", expected [B, 3, S, S]");
        }
        float[] all = f.readFloats(name);
        int per = (int) (3 * s[2] * s[3]);
        float[][] out = new float[(int) s[0]][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per);
        }
        return out;
    }

    static int[][] rows(SafetensorsFile f, String name) {
        long[] s = require(f, name, 2);
        int[] all = ints(f, name);
        int n = (int) s[0], len = (int) s[1];
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(all, i * len, (i + 1) * len);
        }
        return out;
    }

    static int[] ints(SafetensorsFile f, String name) {
        long[] v = f.readLongs(name);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " does not fit an int");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    private static long[] require(SafetensorsFile f, String name, int rank) {
        if (!f.contains(name)) {
            throw new IllegalArgumentException("missing tensor " + name);
        }
        long[] s = f.info(name).shape();
        if (s.length != rank) {
            throw new IllegalArgumentException(name + " has rank " + s.length + ", expected " + rank);
        }
        return s;
    }
}
