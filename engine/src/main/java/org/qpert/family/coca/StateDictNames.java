package org.qpert.family.coca;

import java.util.Set;
import java.util.stream.Collectors;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.WeightSource;

/**
 * A checkpoint's tensors under the names open_clip's loader uses: a leading {@code module.} (left by a model saved
 * from DistributedDataParallel) is dropped, as open_clip drops it.
 */
final class StateDictNames implements WeightSource {
    private static final String PREFIX = "module.";
    private final WeightSource inner;
    private final boolean prefixed;

    StateDictNames(WeightSource inner) {
        this.inner = inner;
        this.prefixed = !inner.names().isEmpty() && inner.names().stream().allMatch(n -> n.startsWith(PREFIX));
    }

    private String stored(String name) {
        return prefixed ? PREFIX + name : name;
    }

    @Override
    public Set<String> names() {
        return prefixed ? inner.names().stream().map(n -> n.substring(PREFIX.length())).collect(Collectors.toSet())
                : inner.names();
    }

    @Override
    public long[] shape(String name) {
        return inner.shape(stored(name));
    }

    @Override
    public WeightData tensor(String name, long... expectedShape) {
        return inner.tensor(stored(name), expectedShape);
    }

    @Override
    public String describe() {
        return inner.describe();
    }
}
