package org.qpert.loaders.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingStoreTest {
    private static final StoreSpec SPEC = new StoreSpec(Map.of("model", "tiny", "qpert", "CONSTANT a=8 t=0.99"),
            Map.of("itc", new int[] {2, 3}, "z", new int[] {4}));

    private static Map<String, float[]> values(int seed) {
        float[] itc = new float[6], z = new float[4];
        for (int i = 0; i < itc.length; i++) {
            itc[i] = seed * 10 + i;
        }
        for (int i = 0; i < z.length; i++) {
            z[i] = -seed - i / 4f;
        }
        return Map.of("itc", itc, "z", z);
    }

    @Test
    void writesShardsAndReadsEveryValueBack(@TempDir Path dir) throws Exception {
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 2)) {
            for (int i = 0; i < 5; i++) {
                s.add("img" + i, values(i), "{\"height\": " + (100 + i) + ", \"boxes\": [[1, 2, 3, 4]]}");
            }
            assertEquals("{\"height\":104,\"boxes\":[[1,2,3,4]]}", s.meta("img4"));
            assertEquals(4, s.storedCount(), "two full shards written, one image buffered");
            assertArrayEquals(values(4).get("z"), s.read("img4", "z"), "buffered values are readable");
        }
        assertTrue(Files.exists(dir.resolve("shard-000002.safetensors")));
        try (EmbeddingStore s = EmbeddingStore.openExisting(dir)) {
            assertEquals(List.of("img0", "img1", "img2", "img3", "img4"), s.ids());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(values(i).get("itc"), s.read("img" + i, "itc"), 0f);
                assertArrayEquals(values(i).get("z"), s.read("img" + i, "z"), 0f);
            }
            assertEquals("{\"height\":103,\"boxes\":[[1,2,3,4]]}", s.meta("img3"));
            float[] all = s.readAll("itc");
            assertEquals(30, all.length);
            assertEquals(42f, all[4 * 6 + 2], 0f);
        }
    }

    /** A field kept in 16 bits: written as F16 / BF16 tensors, read back rounded, recorded in the index. */
    @Test
    void sixteenBitFieldsAreStoredRoundedAndRecorded(@TempDir Path dir) throws Exception {
        float[] z = {1f, 1f + 0x1p-11f, 1f + 3 * 0x1p-9f, -3.14159f, 1e-6f, 70000f, 0.1f, -0f};
        for (org.qpert.loaders.safetensors.DType dtype : new org.qpert.loaders.safetensors.DType[] {
                org.qpert.loaders.safetensors.DType.F16, org.qpert.loaders.safetensors.DType.BF16}) {
            Path d = dir.resolve(dtype.name());
            StoreSpec spec = new StoreSpec(Map.of("model", "tiny"), Map.of("itc", new int[] {2}, "z", new int[] {8}),
                    Map.of("z", dtype));
            try (EmbeddingStore s = EmbeddingStore.open(d, spec, 1)) {
                s.add("a", Map.of("itc", new float[] {0.5f, 0.25f}, "z", z));
            }
            try (org.qpert.loaders.safetensors.SafetensorsFile f = org.qpert.loaders.safetensors.SafetensorsFile
                    .open(d.resolve("shard-000000.safetensors"))) {
                assertEquals(dtype, f.info("0/z").dtype(), "stored in 16 bits");
                assertEquals(org.qpert.loaders.safetensors.DType.F32, f.info("0/itc").dtype(), "other fields F32");
            }
            assertTrue(Files.readString(d.resolve(EmbeddingStore.INDEX)).contains("\"z\": \"" + dtype.name() + "\""));
            try (EmbeddingStore s = EmbeddingStore.openExisting(d)) {
                assertEquals(dtype, s.spec().dtype("z"), "a reader learns the dtype from the index");
                float[] back = s.read("a", "z");
                for (int i = 0; i < z.length; i++) {
                    float expected = dtype == org.qpert.loaders.safetensors.DType.F16
                            ? org.qpert.core.backend.Half.f16ToFloat(org.qpert.core.backend.Half.floatToF16(z[i]))
                            : org.qpert.core.backend.Half.bf16ToFloat(org.qpert.core.backend.Half.floatToBf16(z[i]));
                    assertEquals(expected, back[i], 0f, "value " + i);
                    // Rounding to nearest: within half an ulp of 16-bit precision (2^-11 F16, 2^-8 BF16, relative).
                    if (Math.abs(z[i]) > 1e-4 && Math.abs(z[i]) < 60000) {
                        assertEquals(z[i], back[i], Math.abs(z[i]) * (dtype == org.qpert.loaders.safetensors.DType.F16
                                ? 0x1p-11 : 0x1p-8));
                    }
                }
                assertArrayEquals(new float[] {0.5f, 0.25f}, s.read("a", "itc"), 0f);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingStore.open(d,
                    new StoreSpec(Map.of("model", "tiny"), Map.of("itc", new int[] {2}, "z", new int[] {8})), 1));
            assertTrue(e.getMessage().contains("field z: stored as F32 requested, " + dtype.name() + " in the store"),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new StoreSpec(Map.of(), Map.of("z", new int[] {1}),
                Map.of("z", org.qpert.loaders.safetensors.DType.I32)));
        assertThrows(IllegalArgumentException.class, () -> new StoreSpec(Map.of(), Map.of("z", new int[] {1}),
                Map.of("y", org.qpert.loaders.safetensors.DType.F16)));
    }

    /** A run that stops without closing keeps its finished shards; the next run adds only what is missing. */
    @Test
    void interruptedRunResumes(@TempDir Path dir) throws Exception {
        EmbeddingStore crashed = EmbeddingStore.open(dir, SPEC, 2);
        for (int i = 0; i < 3; i++) {
            crashed.add("img" + i, values(i));
        }
        // no close(): img2 was only buffered and is lost, img0 and img1 are on disk; the OS drops a killed run's lock
        crashed.abandonForTest();
        Files.writeString(dir.resolve("shard-000001.safetensors"), "half-written shard from the crash");
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 2)) {
            assertEquals(List.of("img0", "img1"), s.ids());
            assertTrue(s.contains("img1"));
            assertFalse(s.contains("img2"));
            for (int i = 2; i < 5; i++) {
                s.add("img" + i, values(i));
            }
        }
        try (EmbeddingStore s = EmbeddingStore.openExisting(dir)) {
            assertEquals(5, s.ids().size());
            assertArrayEquals(values(2).get("itc"), s.read("img2", "itc"), 0f);
        }
    }

    @Test
    void storeWithOtherSettingsIsRefused(@TempDir Path dir) throws Exception {
        EmbeddingStore.open(dir, SPEC, 2).close();
        StoreSpec otherModel = new StoreSpec(Map.of("model", "blip2-itm-vit-g", "qpert", "CONSTANT a=8 t=0.99"),
                Map.of("itc", new int[] {2, 3}, "z", new int[] {4}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingStore.open(dir, otherModel, 2));
        assertEquals("store " + dir + " was built with other settings (model: 'blip2-itm-vit-g' requested, 'tiny' "
                + "in the store); use another store directory or delete this one", e.getMessage());
        StoreSpec otherShape = new StoreSpec(SPEC.settings(), Map.of("itc", new int[] {2, 3}, "z", new int[] {5}));
        e = assertThrows(IllegalArgumentException.class, () -> EmbeddingStore.open(dir, otherShape, 2));
        assertTrue(e.getMessage().contains("field z: [5] requested, [4] in the store"), e.getMessage());
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws Exception {
        try (EmbeddingStore s = EmbeddingStore.open(dir.resolve("a"), SPEC, 2)) {
            s.add("x", values(1));
            assertThrows(IllegalArgumentException.class, () -> s.add("x", values(1)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.add("y", Map.of("itc", new float[5], "z", new float[4])));
            assertEquals("image 'y', field 'itc': 5 values, expected 6", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.read("nope", "itc"));
            assertThrows(IllegalArgumentException.class, () -> s.add("z", values(2), "[1, 2]"));
        }
        Path broken = dir.resolve("b");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve(EmbeddingStore.INDEX), "{not json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingStore.openExisting(broken));
        assertTrue(e.getMessage().startsWith(broken.resolve(EmbeddingStore.INDEX) + ": malformed store index"),
                e.getMessage());
        Path missing = dir.resolve("c");
        try (EmbeddingStore s = EmbeddingStore.open(missing, SPEC, 1)) {
            s.add("x", values(1));
        }
        Files.delete(missing.resolve("shard-000000.safetensors"));
        e = assertThrows(IllegalArgumentException.class, () -> EmbeddingStore.openExisting(missing));
        assertTrue(e.getMessage().contains("shard 'shard-000000.safetensors' is missing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbeddingStore.openExisting(dir.resolve("none")));
    }

    @Test
    void secondWriterIsRefusedNamingTheHolderAndReadersStillRead(@TempDir Path dir) throws Exception {
        try (EmbeddingStore first = EmbeddingStore.open(dir, SPEC, 1)) {
            first.add("img0", values(0));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EmbeddingStore.open(dir, SPEC, 1));
            assertTrue(e.getMessage().startsWith("store " + dir + " is being written by pid "
                    + ProcessHandle.current().pid() + " on "), e.getMessage());
            assertTrue(e.getMessage().contains(" since "), e.getMessage());
            try (EmbeddingStore reader = EmbeddingStore.openExisting(dir)) {
                assertEquals(List.of("img0"), reader.ids());
            }
        }
        try (EmbeddingStore again = EmbeddingStore.open(dir, SPEC, 1)) {
            assertEquals(List.of("img0"), again.ids(), "the lock is released on close");
        }
    }

    @Test
    void staleLockFileOfADeadProcessIsTakenOver(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(StoreLock.FILE), "999999999 " + java.net.InetAddress.getLocalHost().getHostName()
                + " 2026-01-01T00:00:00Z\n");
        assertTrue(StoreLock.describe(Files.readString(dir.resolve(StoreLock.FILE)).trim()).endsWith("(not running)"));
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 1)) {
            s.add("img0", values(0));
            assertTrue(Files.readString(dir.resolve(StoreLock.FILE)).startsWith(ProcessHandle.current().pid() + " "));
        }
        assertEquals("", Files.readString(dir.resolve(StoreLock.FILE)), "a clean close leaves no holder behind");
    }

    @Test
    void verifyFindsMissingCorruptAndOrphanedShardsAndTheWriterReembedsOnlyThose(@TempDir Path dir) throws Exception {
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 2)) {
            for (int i = 0; i < 6; i++) {
                s.add("img" + i, values(i));
            }
        }
        StoreCheck ok = EmbeddingStore.verify(dir);
        assertTrue(ok.intact());
        assertEquals(3, ok.shards());
        assertEquals(6, ok.images());
        assertEquals(List.of(), ok.orphaned());

        Files.delete(dir.resolve("shard-000000.safetensors"));
        Path corrupt = dir.resolve("shard-000002.safetensors");
        byte[] bytes = Files.readAllBytes(corrupt);
        bytes[bytes.length - 3] ^= 0x10; // one bit of a value: same size, same header
        Files.write(corrupt, bytes);
        Files.writeString(dir.resolve("shard-000007.safetensors.tmp"), "left by a crash");
        StoreCheck bad = EmbeddingStore.verify(dir);
        assertFalse(bad.intact());
        assertEquals(List.of("shard-000000.safetensors"), bad.missing());
        assertEquals(1, bad.corrupt().size());
        assertTrue(bad.corrupt().get(0).startsWith("shard-000002.safetensors is corrupt (CRC32C "), bad.corrupt().get(0));
        assertEquals(List.of("shard-000007.safetensors.tmp"), bad.orphaned());
        assertEquals(4, bad.lost());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingStore.openExisting(dir));
        assertTrue(e.getMessage().contains("shard 'shard-000000.safetensors' is missing"), e.getMessage());
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 2)) {
            assertEquals(List.of("img2", "img3"), s.ids(), "only the intact shard's images are kept");
            assertEquals(2, s.repaired().size());
            for (String id : List.of("img0", "img1", "img4", "img5")) {
                s.add(id, values(Integer.parseInt(id.substring(3))));
            }
        }
        assertTrue(EmbeddingStore.verify(dir).intact());
        try (EmbeddingStore s = EmbeddingStore.openExisting(dir)) {
            assertEquals(6, s.ids().size());
            assertArrayEquals(values(5).get("itc"), s.read("img5", "itc"), 0f);
            assertArrayEquals(values(0).get("z"), s.read("img0", "z"), 0f);
        }
        assertTrue(Files.exists(dir.resolve("shard-000004.safetensors")), "new shards take new numbers");
    }

    /** A reader checks each shard's CRC32C: a shard with a flipped bit is left out with one line, never read. */
    @Test
    void readerLeavesOutACorruptShardWithOneWarning(@TempDir Path dir) throws Exception {
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 2)) {
            for (int i = 0; i < 6; i++) {
                s.add("img" + i, values(i));
            }
        }
        Path corrupt = dir.resolve("shard-000001.safetensors");
        byte[] bytes = Files.readAllBytes(corrupt);
        bytes[bytes.length - 2] ^= 0x40; // an exponent bit of img3's last value: same size, same header
        Files.write(corrupt, bytes);
        try (EmbeddingStore s = EmbeddingStore.openExisting(dir)) {
            assertEquals(List.of("img0", "img1", "img4", "img5"), s.ids());
            assertThrows(IllegalArgumentException.class, () -> s.read("img3", "z"));
            assertEquals(1, s.leftOut().size(), s.leftOut().toString());
            String line = s.leftOut().get(0);
            assertTrue(line.startsWith("shard shard-000001.safetensors is corrupt (CRC32C "), line);
            assertTrue(line.contains("its 2 images are left out") && line.contains("qpert store verify " + dir)
                    && line.contains("qpert embed"), line);
            assertArrayEquals(values(4).get("z"), s.read("img4", "z"), 0f);
        }
    }

    @Test
    void failuresAreKeptUntilTheImageIsStored(@TempDir Path dir) throws Exception {
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 1)) {
            s.add("img0", values(0));
            s.recordFailure("bad.png", "bad.png: not a PNG or JPEG");
        }
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 1)) {
            assertEquals(Map.of("bad.png", "bad.png: not a PNG or JPEG"), s.failures());
            assertEquals(Map.of("bad.png", "bad.png: not a PNG or JPEG"), EmbeddingStore.verify(dir).failed());
            s.add("bad.png", values(1));
        }
        try (EmbeddingStore s = EmbeddingStore.open(dir, SPEC, 1)) {
            assertEquals(Map.of(), s.failures());
        }
    }

    /** Parts written by separate writers (one per Spark partition) merge into one store; merging again adds nothing. */
    @Test
    void adoptsTheShardsOfPartsOnceEach(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("part-a"), b = dir.resolve("part-b"), target = dir.resolve("store");
        try (EmbeddingStore s = EmbeddingStore.open(a, SPEC, 2)) {
            for (int i = 0; i < 3; i++) {
                s.add("img" + i, values(i), "{\"n\": " + i + "}");
            }
        }
        try (EmbeddingStore s = EmbeddingStore.open(b, SPEC, 2)) {
            s.add("img3", values(3));
            s.recordFailure("broken.jpg", "not an image");
        }
        try (EmbeddingStore s = EmbeddingStore.open(target, SPEC, 2)) {
            assertEquals(4, s.adoptShards(List.of(a, b)));
            assertEquals(List.of("img0", "img1", "img2", "img3"), s.ids());
            assertEquals(Map.of("broken.jpg", "not an image"), s.failures());
        }
        Path index = target.resolve(EmbeddingStore.INDEX);
        String merged = Files.readString(index);
        StoreCheck check = EmbeddingStore.verify(target);
        assertTrue(check.intact() && check.orphaned().isEmpty(), "every adopted shard is listed with its CRC32C");
        assertEquals(3, check.shards());
        try (EmbeddingStore s = EmbeddingStore.openExisting(target)) {
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(values(i).get("itc"), s.read("img" + i, "itc"), 0f);
            }
            assertEquals("{\"n\":2}", s.meta("img2"));
        }
        try (EmbeddingStore s = EmbeddingStore.open(target, SPEC, 2)) {
            assertEquals(0, s.adoptShards(List.of(a, b)), "a second merge of the same parts adds nothing");
        }
        assertEquals(merged, Files.readString(index));

        // A part that grew since (a resumed partition) adds only its new shard.
        try (EmbeddingStore s = EmbeddingStore.open(b, SPEC, 2)) {
            s.add("broken.jpg", values(9));
        }
        try (EmbeddingStore s = EmbeddingStore.open(target, SPEC, 2)) {
            assertEquals(1, s.adoptShards(List.of(a, b)));
            assertEquals(5, s.storedCount());
            assertEquals(Map.of(), s.failures(), "the retried image is stored now");
        }
    }

    @Test
    void refusesPartsOfAnotherSpecOrOverlappingTheStore(@TempDir Path dir) throws Exception {
        Path other = dir.resolve("other"), overlap = dir.resolve("overlap"), target = dir.resolve("store");
        StoreSpec otherSpec = new StoreSpec(Map.of("model", "big", "qpert", "CONSTANT a=8 t=0.99"),
                Map.of("itc", new int[] {2, 3}, "z", new int[] {4}));
        try (EmbeddingStore s = EmbeddingStore.open(other, otherSpec, 2)) {
            s.add("x", values(1));
        }
        try (EmbeddingStore s = EmbeddingStore.open(overlap, SPEC, 2)) {
            s.add("img0", values(0));
            s.add("new", values(5));
        }
        try (EmbeddingStore s = EmbeddingStore.open(target, SPEC, 2)) {
            s.add("img0", values(0));
            s.flush();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.adoptShards(List.of(other)));
            assertTrue(e.getMessage().contains(other.toString()) && e.getMessage().contains("model"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.adoptShards(List.of(overlap)));
            assertTrue(e.getMessage().contains("1 of its 2 images already"), e.getMessage());
            assertEquals(List.of("img0"), s.ids(), "a refused merge changes nothing");
        }
    }
}
