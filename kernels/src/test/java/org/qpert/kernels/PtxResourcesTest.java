package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere: the committed PTX must be built from the current CUDA sources (a SHA-256 manifest written by
 * build-ptx.sh), hold every kernel the Java code launches, for both targets; and where the build ran nvcc (profile
 * "nvcc"), the PTX it put on the class path must equal the committed PTX.
 */
class PtxResourcesTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path COMMITTED = Path.of("src/main/resources/org/qpert/kernels/ptx");
    private static final Path NVCC = Path.of("/usr/local/cuda/bin/nvcc");
    private static final List<String> ARCHS = List.of("sm_80", "sm_90");

    @Test
    void manifestMatchesTheSources() throws IOException {
        Map<String, String> recorded = new TreeMap<>();
        for (String line : Files.readAllLines(COMMITTED.resolve("sources.sha256"))) {
            String[] parts = line.trim().split("\\s+");
            recorded.put(parts[1], parts[0]);
        }
        Map<String, String> actual = new TreeMap<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cu") || p.toString().endsWith(".cuh")).toList()) {
                actual.put(f.getFileName().toString(), sha256(f));
            }
        }
        assertEquals(actual, recorded, "the committed PTX is stale: run kernels/build-ptx.sh and commit its output");
    }

    @Test
    void everyLaunchedKernelIsInThePtxOfBothTargets() throws IOException {
        Map<String, TreeSet<String>> launched = launchedKernels();
        assertFalse(launched.isEmpty());
        for (String arch : ARCHS) {
            for (Map.Entry<String, TreeSet<String>> e : launched.entrySet()) {
                String ptx = Files.readString(COMMITTED.resolve(arch).resolve(e.getKey() + ".ptx"));
                assertTrue(ptx.contains(".target " + arch), e.getKey() + ".ptx targets " + arch);
                for (String kernel : e.getValue()) {
                    assertTrue(ptx.contains(".entry " + kernel + "("), arch + "/" + e.getKey() + ".ptx lacks " + kernel);
                }
            }
        }
        try (Stream<Path> cu = Files.list(SOURCES)) {
            assertEquals(cu.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toCollection(TreeSet::new)),
                    new TreeSet<>(launched.keySet()), "every .cu file is used by the backend, and only those");
        }
    }

    /** The PTX on the class path (target/classes or the jar) is what nvcc built in this build's profile. */
    @Test
    void ptxBuiltByNvccEqualsTheCommittedPtx() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(NVCC), "nvcc not at " + NVCC + ": this build uses the committed PTX");
        for (String arch : ARCHS) {
            try (Stream<Path> files = Files.list(COMMITTED.resolve(arch))) {
                for (Path committed : files.toList()) {
                    String built = CudaContext.readResource(CudaContext.PTX_ROOT + arch + "/" + committed.getFileName());
                    assertEquals(Files.readString(committed), built,
                            committed + " differs from what nvcc built: run kernels/build-ptx.sh and commit");
                }
            }
        }
    }

    /** (module, kernel) pairs named in the backend's launch and function calls. */
    static Map<String, TreeSet<String>> launchedKernels() throws IOException {
        Pattern call = Pattern.compile("(?:launch|function)\\(\"([a-z0-9_]+)\",\\s*\"([a-z0-9_]+)\"");
        Map<String, TreeSet<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = call.matcher(Files.readString(f));
                while (m.find()) {
                    out.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
                }
            }
        }
        return out;
    }

    private static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
