package org.qpert.loaders.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.qpert.loaders.safetensors.DType;

/**
 * What an embedding store holds and how it was made: settings (model id, perturbation, image size …, compared as
 * strings) and the per-image fields with their shapes (e.g. {@code itc} [Nq, E]). A store is only ever extended with
 * the spec it was created with.
 */
public final class StoreSpec {
    private final Map<String, String> settings;
    private final Map<String, int[]> fields;
    private final Map<String, DType> dtypes;
    private final Map<String, String> implied;

    /** Every field stored as F32. */
    public StoreSpec(Map<String, String> settings, Map<String, int[]> fields) {
        this(settings, fields, Map.of());
    }

    /** {@code dtypes}: F32, F16 or BF16 per field; a field it does not name is F32. */
    public StoreSpec(Map<String, String> settings, Map<String, int[]> fields, Map<String, DType> dtypes) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("an embedding store needs at least one field");
        }
        Map<String, int[]> copy = new LinkedHashMap<>();
        fields.forEach((name, shape) -> {
            if (name.isEmpty() || name.contains("/")) {
                throw new IllegalArgumentException("store field name '" + name + "' must be non-empty without '/'");
            }
            for (int d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("store field '" + name + "' has a non-positive dimension in "
                            + Arrays.toString(shape));
                }
            }
            copy.put(name, shape.clone());
        });
        Map<String, DType> types = new LinkedHashMap<>();
        for (String name : copy.keySet()) {
            types.put(name, dtypes.getOrDefault(name, DType.F32));
        }
        dtypes.forEach((name, t) -> {
            if (!copy.containsKey(name)) {
                throw new IllegalArgumentException("store dtype given for '" + name + "', which is not a field");
            }
            if (t != DType.F32 && t != DType.F16 && t != DType.BF16) {
                throw new IllegalArgumentException("store field '" + name + "' cannot be stored as " + t
                        + " (F32, F16 or BF16)");
            }
        });
        this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
        this.fields = Collections.unmodifiableMap(copy);
        this.dtypes = Collections.unmodifiableMap(types);
        this.implied = Map.of();
    }

    private StoreSpec(StoreSpec spec, Map<String, String> implied) {
        this.settings = spec.settings;
        this.fields = spec.fields;
        this.dtypes = spec.dtypes;
        this.implied = Map.copyOf(implied);
    }

    /**
     * This spec with settings that a store written before they were recorded is taken to have: when a stored spec
     * lacks one of these keys, {@link #differencesFrom} compares against the value given here.
     */
    public StoreSpec withImpliedSettings(Map<String, String> settings) {
        return new StoreSpec(this, settings);
    }

    /** How {@code field} is stored on disk. */
    public DType dtype(String field) {
        shape(field);
        return dtypes.get(field);
    }

    public Map<String, String> settings() {
        return settings;
    }

    /** Field names in the order given. */
    public List<String> fieldNames() {
        return List.copyOf(fields.keySet());
    }

    public int[] shape(String field) {
        int[] s = fields.get(field);
        if (s == null) {
            throw new IllegalArgumentException("store has no field '" + field + "' (fields: " + fields.keySet() + ")");
        }
        return s.clone();
    }

    /** Elements of one image's value of {@code field}. */
    public int size(String field) {
        return Arrays.stream(shape(field)).reduce(1, Math::multiplyExact);
    }

    /** Human-readable differences between this spec (wanted) and {@code stored}; empty when they agree. */
    public List<String> differencesFrom(StoreSpec stored) {
        List<String> out = new ArrayList<>();
        for (String key : new TreeSet<>(union(settings.keySet(), stored.settings.keySet()))) {
            String want = settings.get(key), have = stored.settings.getOrDefault(key, implied.get(key));
            if (want == null ? have != null : !want.equals(have)) {
                out.add(key + ": " + quoted(want) + " requested, " + quoted(have) + " in the store");
            }
        }
        for (String key : new TreeSet<>(union(fields.keySet(), stored.fields.keySet()))) {
            int[] want = fields.get(key), have = stored.fields.get(key);
            if (!Arrays.equals(want, have)) {
                out.add("field " + key + ": " + (want == null ? "absent" : Arrays.toString(want)) + " requested, "
                        + (have == null ? "absent" : Arrays.toString(have)) + " in the store");
            } else if (dtypes.get(key) != stored.dtypes.get(key)) {
                out.add("field " + key + ": stored as " + dtypes.get(key) + " requested, " + stored.dtypes.get(key)
                        + " in the store");
            }
        }
        return out;
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }

    private static String quoted(String s) {
        return s == null ? "absent" : "'" + s + "'";
    }
}
