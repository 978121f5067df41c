package org.qpert.loaders.pickle;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import org.qpert.core.retrieval.Progress;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsWriter;

/**
 * A PyTorch checkpoint in {@code torch.save}'s zip format ({@code ARCHIVE/data.pkl} + one {@code ARCHIVE/data/KEY}
 * entry per storage), read without executing its pickle ({@link StateDictUnpickler}) and written as safetensors.
 * The state dict is the pickle's top-level dict, or its {@code "state_dict"} entry when it has one (open_clip's
 * training checkpoints); a {@code module.} prefix on every name is dropped, as open_clip's loader drops it, so the
 * file has the names the model reads. Each tensor is copied out of its storage as a contiguous little-endian array
 * of the storage's dtype (strided views and offsets into shared storages resolved; no dtype conversion). Entries
 * that are not tensors are refused. The legacy pre-1.6 format (a bare pickle stream) is refused with a message.
 */
public final class TorchCheckpoint implements Closeable {

    private static final System.Logger LOG = System.getLogger(TorchCheckpoint.class.getName());
    /** A state dict's pickle is kilobytes to a few MB (names and shapes only); more is not a state dict. */
    static final long MAX_PICKLE_BYTES = 256L << 20;
    private static final String MODULE_PREFIX = "module.";

    /** One tensor of the state dict: where its elements are in which storage. */
    public record Tensor(String name, DType dtype, long[] shape, long[] stride, long offset, String storageKey,
                         long storageNumel) {
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final List<Tensor> tensors;

    private TorchCheckpoint(Path file, ZipFile zip, String prefix, List<Tensor> tensors) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = tensors;
    }

    /** Opens and checks {@code file}: every tensor's view must lie inside a storage entry of the right size. */
    public static TorchCheckpoint open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("checkpoint not found: " + file);
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + ": " + notZipReason(file));
        }
        try {
            String pkl = dataPkl(zip, file);
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            Object root = StateDictUnpickler.read(readEntry(zip, zip.getEntry(pkl), MAX_PICKLE_BYTES, file),
                    file + ": " + pkl);
            List<Tensor> tensors = tensors(root, file);
            long fileSize = Files.size(file);
            for (Tensor t : tensors) {
                check(t, zip.getEntry(prefix + "data/" + t.storageKey()), fileSize, file);
            }
            return new TorchCheckpoint(file, zip, prefix, tensors);
        } catch (RuntimeException | IOException e) {
            zip.close();
            throw e;
        }
    }

    private static String notZipReason(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(2);
            if (head.length == 2 && (head[0] & 0xFF) == 0x80 && head[1] <= 5) {
                return "a PyTorch checkpoint in the legacy (pre-1.6) format, which qpert does not read; re-save it "
                        + "with torch.save from PyTorch >= 1.6 (the zip format) and convert that";
            }
        } catch (IOException e) {
            return "cannot read it: " + e.getMessage();
        }
        return "not a torch.save zip archive (truncated or not a PyTorch checkpoint)";
    }

    private static String dataPkl(ZipFile zip, Path file) {
        List<String> pickles = new ArrayList<>();
        for (ZipEntry e : Collections.list(zip.entries())) {
            String n = e.getName();
            if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                pickles.add(n);
            }
        }
        if (pickles.size() != 1) {
            throw new IllegalArgumentException(file + ": expected one ARCHIVE/data.pkl entry, found "
                    + (pickles.isEmpty() ? "none" : pickles) + " (not a torch.save checkpoint)");
        }
        return pickles.get(0);
    }

    /** An entry's bytes, refused above {@code limit} before more than that is read. */
    private static byte[] readEntry(ZipFile zip, ZipEntry entry, long limit, Path file) throws IOException {
        if (entry.getSize() > limit) {
            throw new IllegalArgumentException(file + ": " + entry.getName() + " declares " + entry.getSize()
                    + " bytes, more than the " + limit + " allowed");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] b = in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8) + 1);
            if (b.length > limit) {
                throw new IllegalArgumentException(file + ": " + entry.getName() + " is larger than the " + limit
                        + " bytes allowed");
            }
            return b;
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + ": " + entry.getName() + " is corrupt: " + e.getMessage(), e);
        }
    }

    private static List<Tensor> tensors(Object root, Path file) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new IllegalArgumentException(file + ": the pickle holds no dict, not a state dict");
        }
        if (dict.get("state_dict") instanceof Map<?, ?> inner) {
            dict = inner;
        }
        boolean strip = !dict.isEmpty() && dict.keySet().stream()
                .allMatch(k -> k instanceof String s && s.startsWith(MODULE_PREFIX));
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new IllegalArgumentException(file + ": state dict key " + e.getKey() + " is not a name");
            }
            if (!(e.getValue() instanceof StateDictUnpickler.Tensor t)) {
                throw new IllegalArgumentException(file + ": state dict entry '" + name + "' is not a tensor");
            }
            String key = strip ? name.substring(MODULE_PREFIX.length()) : name;
            out.add(new Tensor(key, t.storage().type().dtype, t.shape(), t.stride(), t.offset(), t.storage().key(),
                    t.storage().numel()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": the state dict holds no tensors");
        }
        return List.copyOf(out);
    }

    private static void check(Tensor t, ZipEntry entry, long fileSize, Path file) {
        String what = file + ": tensor '" + t.name() + "'";
        if (entry == null) {
            throw new IllegalArgumentException(what + ": its storage entry data/" + t.storageKey()
                    + " is missing from the archive");
        }
        int es = t.dtype().size();
        long bytes;
        try {
            bytes = Math.multiplyExact(t.storageNumel(), es);
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (entry.getSize() != bytes || bytes > fileSize || bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": storage data/" + t.storageKey() + " holds "
                    + entry.getSize() + " bytes, the pickle says " + t.storageNumel() + " x " + es
                    + (bytes > Integer.MAX_VALUE - 8 && entry.getSize() == bytes ? " (over 2 GiB in one storage)" : ""));
        }
        long last = t.offset();
        long numel = 1;
        for (int i = 0; i < t.shape().length; i++) {
            if (t.shape()[i] < 0 || t.stride()[i] < 0) {
                throw new IllegalArgumentException(what + ": negative size or stride " + Arrays.toString(t.shape())
                        + " / " + Arrays.toString(t.stride()));
            }
            if (t.shape()[i] == 0) {
                numel = 0;
            }
        }
        if (t.offset() < 0) {
            throw new IllegalArgumentException(what + ": negative storage offset " + t.offset());
        }
        if (numel == 0) {
            return;
        }
        try {
            numel = 1;
            for (int i = 0; i < t.shape().length; i++) {
                last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
                numel = Math.multiplyExact(numel, t.shape()[i]);
            }
        } catch (ArithmeticException e) {
            last = Long.MAX_VALUE;
        }
        if (last >= t.storageNumel() || numel > t.storageNumel()) {
            throw new IllegalArgumentException(what + ": view of size " + Arrays.toString(t.shape()) + ", stride "
                    + Arrays.toString(t.stride()) + " at offset " + t.offset() + " does not fit its storage of "
                    + t.storageNumel() + " elements");
        }
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor's elements, contiguous (row-major), little-endian. */
    public ByteBuffer contiguousBytes(Tensor t) throws IOException {
        int es = t.dtype().size();
        long numel = t.numel();
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(numel * es));
        if (numel == 0) {
            return out;
        }
        byte[] storage = readEntry(zip, zip.getEntry(prefix + "data/" + t.storageKey()), t.storageNumel() * es,
                file);
        if (storage.length != t.storageNumel() * es) {
            throw new IllegalArgumentException(file + ": storage data/" + t.storageKey() + " is shorter than declared");
        }
        int rank = t.shape().length;
        if (isContiguous(t)) {
            out.put(storage, Math.toIntExact(t.offset() * es), out.capacity());
            return out.flip();
        }
        long[] index = new long[rank];
        for (long n = 0; n < numel; n++) {
            long element = t.offset();
            for (int d = 0; d < rank; d++) {
                element += index[d] * t.stride()[d];
            }
            out.put(storage, (int) (element * es), es);
            for (int d = rank - 1; d >= 0 && ++index[d] == t.shape()[d]; d--) {
                index[d] = 0;
            }
        }
        return out.flip();
    }

    private static boolean isContiguous(Tensor t) {
        long expected = 1;
        for (int d = t.shape().length - 1; d >= 0; d--) {
            if (t.shape()[d] != 1 && t.stride()[d] != expected) {
                return false;
            }
            expected *= t.shape()[d];
        }
        return true;
    }

    /** Writes every tensor to {@code out} as safetensors, one tensor in memory at a time, with progress in MiB. */
    public void writeSafetensors(Path out) throws IOException {
        long totalBytes = tensors.stream().mapToLong(t -> t.numel() * t.dtype().size()).sum();
        Progress progress = Progress.logging("convert " + file.getFileName(), Math.max(1, totalBytes >> 20), "MiB");
        long[] written = {0};
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException(file + ": tensor name '" + t.name() + "' occurs twice");
            }
            writer.addStreamed(t.name(), t.dtype(), t.shape(), () -> {
                ByteBuffer b = contiguousBytes(t);
                long before = written[0] >> 20;
                written[0] += b.remaining();
                progress.advance((written[0] >> 20) - before);
                return b;
            });
        }
        writer.write(out);
        progress.finish();
        LOG.log(System.Logger.Level.INFO, "{0}: {1} tensors written to {2}", file, tensors.size(), out);
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
