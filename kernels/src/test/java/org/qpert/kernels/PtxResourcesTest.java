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
 * build-ptx.sh), one file per .cu for the one target the loader names, holding every kernel the Java code launches;
 * and where the build ran nvcc (profile "nvcc"), the PTX it put on the class path must equal the committed PTX.
 */
class PtxResourcesTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path COMMITTED = Path.of("src/main/resources/org/qpert/kernels/ptx");
    private static final Path NVCC = Path.of("/usr/local/cuda/bin/nvcc");

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
        actual.put("build-ptx.sh", sha256(Path.of("build-ptx.sh")));  // it rewrites the PTX header: part of the build
        assertEquals(actual, recorded, "the committed PTX is stale: run kernels/build-ptx.sh and commit its output");
    }

    @Test
    void everyLaunchedKernelIsInTheShippedPtx() throws IOException {
        Map<String, TreeSet<String>> launched = launchedKernels();
        assertFalse(launched.isEmpty());
        for (Map.Entry<String, TreeSet<String>> e : launched.entrySet()) {
            String ptx = Files.readString(COMMITTED.resolve(e.getKey() + ".ptx"));
            assertTrue(ptx.contains("\n.target " + CudaContext.PTX_TARGET + "\n"),
                    e.getKey() + ".ptx targets " + CudaContext.PTX_TARGET);
            for (String kernel : e.getValue()) {
                assertTrue(ptx.contains(".entry " + kernel + "("), e.getKey() + ".ptx lacks " + kernel);
            }
        }
        try (Stream<Path> cu = Files.list(SOURCES)) {
            assertEquals(cu.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toCollection(TreeSet::new)),
                    new TreeSet<>(launched.keySet()), "every .cu file is used by the backend, and only those");
        }
        assertEquals(new TreeSet<>(launched.keySet()), shipped().stream().map(p -> p.getFileName().toString()
                .replace(".ptx", "")).collect(Collectors.toCollection(TreeSet::new)),
                "one PTX file per .cu file, and no other (a removed kernel's PTX goes with it)");
    }

    /** The committed PTX files (the folder also holds the manifest and the nvcc version). */
    private static List<Path> shipped() throws IOException {
        try (Stream<Path> files = Files.list(COMMITTED)) {
            return files.filter(p -> p.toString().endsWith(".ptx")).sorted().toList();
        }
    }

    /**
     * A CUDA 12.0 driver (r525) JIT-compiles PTX up to ISA 8.0; nvcc 13 writes 9.0, which needs r580+. Every shipped file
     * must declare an ISA the oldest CUDA 12 driver accepts, and at least what the kernels need (mma.sync on TF32 and
     * BF16: 7.0).
     */
    @Test
    void everyShippedPtxDeclaresAnIsaCuda12DriversLoad() throws IOException {
        Pattern version = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)$");
        List<Path> shipped = shipped();
        for (Path f : shipped) {
            Matcher m = version.matcher(Files.readString(f));
            assertTrue(m.find(), f + " has no .version line");
            int isa = Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2));
            assertTrue(isa <= CUDA_12_0_ISA, f + " declares PTX ISA " + m.group(1) + "." + m.group(2)
                    + ", newer than the 8.0 a CUDA 12.0 driver accepts");
            assertTrue(isa >= 70, f + " declares an ISA below the 7.0 mma.sync on TF32/BF16 needs");
            assertEquals(CudaContext.PTX_ISA, m.group(1) + "." + m.group(2), f + ": the ISA the loader reports");
        }
        assertEquals(launchedKernels().size(), shipped.size(), "PTX files found: " + shipped);
    }

    /**
     * ptxas checks each instruction against the declared ISA ("Feature '.tf32' requires PTX ISA .version 7.0"): the
     * shipped files, as they are, must assemble for their target. Runs where ptxas is on the PATH (nvcc 12 or 13).
     */
    @Test
    void shippedPtxAssemblesAtItsDeclaredIsa() throws IOException, InterruptedException {
        Path ptxas = findOnPath("ptxas");
        Assumptions.assumeTrue(ptxas != null, "ptxas not on the PATH: the declared ISA is checked, not assembled");
        String arch = CudaContext.PTX_TARGET;
        for (Path f : shipped()) {
            Process p = new ProcessBuilder(ptxas.toString(), "-arch=" + arch, "-o", "/dev/null", f.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "ptxas timed out on " + f);
            assertEquals(0, p.exitValue(), "ptxas -arch=" + arch + " " + f + ":\n" + log);
        }
    }

    private static final int CUDA_12_0_ISA = 80;

    private static Path findOnPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The PTX on the class path (target/classes or the jar) is what nvcc built in this build's profile. */
    @Test
    void ptxBuiltByNvccEqualsTheCommittedPtx() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(NVCC), "nvcc not at " + NVCC + ": this build uses the committed PTX");
        for (Path committed : shipped()) {
            String built = CudaContext.readResource(CudaContext.PTX_ROOT + committed.getFileName());
            assertEquals(Files.readString(committed), built,
                    committed + " differs from what nvcc built: run kernels/build-ptx.sh and commit");
        }
    }

    /** (module, kernel) pairs the backend launches: the entries of its typed launch methods. */
    static Map<String, TreeSet<String>> launchedKernels() {
        return KernelSignatureTest.typedEntries();
    }

    private static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
