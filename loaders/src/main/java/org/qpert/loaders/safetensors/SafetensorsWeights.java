package org.qpert.loaders.safetensors;

import org.qpert.core.backend.WeightData;
import org.qpert.core.model.WeightSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link WeightSource} over one {@code .safetensors} file or a checkpoint folder ({@code model.safetensors}, else
 * the shards listed by {@code model.safetensors.index.json}). Also the general accessor for tests and the CLI:
 * listing and typed reads. Closing unmaps every file.
 */
public final class SafetensorsWeights implements WeightSource, AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";

    private final String description;
    private final Map<String, SafetensorsFile> fileOf;
    private final List<SafetensorsFile> files;

    private SafetensorsWeights(String description, Map<String, SafetensorsFile> fileOf, List<SafetensorsFile> files) {
        this.description = description;
        this.fileOf = Collections.unmodifiableMap(fileOf);
        this.files = List.copyOf(files);
    }

    /**
     * Opens a {@code .safetensors} file, or a folder holding {@code model.safetensors} or
     * {@code model.safetensors.index.json} (the single file wins when both exist, as in HF).
     */
    public static SafetensorsWeights open(Path fileOrDir) throws IOException {
        if (Files.isDirectory(fileOrDir)) {
            Path single = fileOrDir.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) {
                return single(single);
            }
            Path index = fileOrDir.resolve(ShardIndex.FILE_NAME);
            if (Files.isRegularFile(index)) {
                return sharded(ShardIndex.read(index));
            }
            throw new SafetensorsException(fileOrDir + ": checkpoint folder has neither " + SINGLE_FILE + " nor "
                    + ShardIndex.FILE_NAME);
        }
        if (!Files.exists(fileOrDir)) {
            throw new SafetensorsException(fileOrDir + ": no such file or folder");
        }
        return single(fileOrDir);
    }

    private static SafetensorsWeights single(Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) {
            fileOf.put(t.name(), f);
        }
        return new SafetensorsWeights(file.toString(), fileOf, List.of(f));
    }

    private static SafetensorsWeights sharded(ShardIndex index) throws IOException {
        Path dir = index.indexFile().toAbsolutePath().getParent();
        Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                SafetensorsFile shard = byShard.get(e.getValue());
                if (shard == null) {
                    Path p = dir.resolve(e.getValue());
                    if (!Files.isRegularFile(p)) {
                        throw new SafetensorsException(index.indexFile() + ": shard '" + e.getValue()
                                + "' (holding tensor '" + e.getKey() + "') does not exist in " + dir);
                    }
                    shard = SafetensorsFile.open(p);
                    byShard.put(e.getValue(), shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new SafetensorsException(shard.path() + ": tensor '" + e.getKey() + "' is listed in "
                            + index.indexFile() + " but absent from this shard");
                }
                fileOf.put(e.getKey(), shard);
            }
            return new SafetensorsWeights(index.indexFile().toString(), fileOf, new ArrayList<>(byShard.values()));
        } catch (IOException | RuntimeException e) {
            byShard.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    @Override
    public Set<String> names() {
        return fileOf.keySet();
    }

    @Override
    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    /** Header entry of a tensor (dtype, shape); throws {@link SafetensorsException} when absent. */
    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    /** Every tensor, in header (single file) or index (sharded) order. */
    public List<TensorInfo> tensors() {
        List<TensorInfo> out = new ArrayList<>(fileOf.size());
        fileOf.forEach((name, f) -> out.add(f.info(name)));
        return out;
    }

    /** The opened files (one, or the shards). */
    public List<SafetensorsFile> files() {
        return files;
    }

    @Override
    public long[] shape(String name) {
        return info(name).shape();
    }

    /** Float32 values; the stored shape must equal {@code expectedShape} exactly. */
    public float[] floats(String name, long... expectedShape) {
        requireShape(name, expectedShape);
        return fileOf(name).readFloats(name);
    }

    /** The stored bytes (a view of the mapping, valid until {@link #close()}); the shape must equal the expected. */
    @Override
    public WeightData tensor(String name, long... expectedShape) {
        TensorInfo t = requireShape(name, expectedShape);
        org.qpert.core.backend.DType type = switch (t.dtype()) {
            case F32 -> org.qpert.core.backend.DType.F32;
            case F16 -> org.qpert.core.backend.DType.F16;
            case BF16 -> org.qpert.core.backend.DType.BF16;
            default -> throw new SafetensorsException(fileOf(name).path() + ": tensor '" + name + "' is " + t.dtype()
                    + ", not a float type (F32, F16, BF16)");
        };
        long[] shape = t.shape();
        long rows = shape.length == 0 ? 1 : shape.length == 1 ? 1 : shape[0];
        long cols = t.numel() / Math.max(1, rows);
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new SafetensorsException(fileOf(name).path() + ": tensor '" + name + "' of shape "
                    + Arrays.toString(shape) + " is too large for one matrix");
        }
        return new WeightData(type, (int) rows, (int) cols, fileOf(name).bytes(name));
    }

    private TensorInfo requireShape(String name, long[] expectedShape) {
        SafetensorsFile f = fileOf(name);
        TensorInfo t = f.info(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new SafetensorsException(f.path() + ": tensor '" + name + "' has shape " + t.describeType()
                    + ", expected " + Arrays.toString(expectedShape));
        }
        return t;
    }

    public float[] readFloats(String name) {
        return fileOf(name).readFloats(name);
    }

    public long[] readLongs(String name) {
        return fileOf(name).readLongs(name);
    }

    public int[] readInts(String name) {
        return fileOf(name).readInts(name);
    }

    public byte[] readBytes(String name) {
        return fileOf(name).readBytes(name);
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new SafetensorsException(description + ": no tensor '" + name + "'");
        }
        return f;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
