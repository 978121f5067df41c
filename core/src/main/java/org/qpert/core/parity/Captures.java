package org.qpert.core.parity;

import java.util.LinkedHashMap;
import java.util.Map;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;

/**
 * Collects captured activations per batch item and stacks them in item order, the way PyTorch hooks see a batch.
 * Item tensors of one key must have equal sizes.
 */
public final class Captures {
    private final Map<String, Map<Integer, float[]>> byKey = new LinkedHashMap<>();
    private final Backend backend;

    public Captures(Backend backend) {
        this.backend = backend;
    }

    /** A sink that files captures under item {@code item}, renamed by {@code naming} (null: not kept). */
    public ActivationSink sink(int item, java.util.function.UnaryOperator<String> naming) {
        return (name, t) -> {
            String key = naming.apply(name);
            if (key != null) {
                put(key, item, backend.download(t));
            }
        };
    }

    public void put(String key, int item, float[] values) {
        byKey.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(item, values);
    }

    public void put(String key, int item, Tensor t) {
        put(key, item, backend.download(t));
    }

    /** All keys, each stacked over items 0..n-1; a key missing an item is left out. */
    public Map<String, float[]> stacked() {
        Map<String, float[]> out = new LinkedHashMap<>();
        byKey.forEach((key, items) -> {
            int n = items.size();
            float[] first = items.get(0);
            if (first == null) {
                return;
            }
            float[] all = new float[first.length * n];
            for (int i = 0; i < n; i++) {
                float[] v = items.get(i);
                if (v == null || v.length != first.length) {
                    return;
                }
                System.arraycopy(v, 0, all, i * first.length, v.length);
            }
            out.put(key, all);
        });
        return out;
    }
}
