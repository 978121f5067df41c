package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere: every typed launch method of {@link Kernels} matches its kernel. Three views must agree for each
 * method: its Java parameter types (after the Grid), the types it actually passes (recorded through a stand-in
 * {@link Launcher}), and the entry's {@code .param} list in the shipped PTX, plus the C declaration in the .cu file,
 * which tells pointers from 64-bit integers (the PTX has .u64 for both). And every PTX entry has exactly one typed
 * method.
 */
class KernelSignatureTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path PTX = Path.of("src/main/resources/org/qpert/kernels/ptx");

    private record Launch(String module, String entry, List<String> ptxTypes) {
    }

    @Test
    void everyTypedMethodMatchesItsPtxEntryAndCDeclaration() throws Exception {
        List<Method> methods = typedMethods();
        assertFalse(methods.isEmpty());
        for (Method m : methods) {
            Kernels.Entry e = m.getAnnotation(Kernels.Entry.class);
            String where = "Kernels." + m.getName() + " (" + e.module() + "/" + e.name() + ")";
            List<String> declared = javaTypes(m, where);
            Launch recorded = invoke(m);
            assertEquals(e.module() + "/" + e.name(), recorded.module() + "/" + recorded.entry(),
                    where + " launches another entry than its annotation names");
            assertEquals(declared.stream().map(KernelSignatureTest::ptxType).toList(), recorded.ptxTypes(),
                    where + ": the types passed differ from the method's parameters");
            List<String> params = ptxParams(Files.readString(PTX.resolve(e.module() + ".ptx")), e.name());
            assertNotNull(params, e.module() + ".ptx has no .entry " + e.name());
            assertEquals(params, recorded.ptxTypes(), where + " against the .param list in the PTX");
            List<String> c = cParams(Files.readString(SOURCES.resolve(e.module() + ".cu")), e.name());
            assertNotNull(c, e.module() + ".cu declares no extern \"C\" kernel " + e.name());
            assertEquals(c, declared, where + " against the C declaration in " + e.module() + ".cu");
        }
    }

    @Test
    void everyPtxEntryHasOneTypedMethod() throws IOException {
        Map<String, TreeSet<String>> typed = typedEntries();
        Map<String, TreeSet<String>> shipped = new TreeMap<>();
        Pattern entry = Pattern.compile("\\.entry ([A-Za-z0-9_]+)\\(");
        try (Stream<Path> files = Files.list(PTX)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".ptx")).toList()) {
                Matcher m = entry.matcher(Files.readString(f));
                String module = f.getFileName().toString().replace(".ptx", "");
                while (m.find()) {
                    shipped.computeIfAbsent(module, k -> new TreeSet<>()).add(m.group(1));
                }
            }
        }
        assertEquals(shipped, typed, "PTX entries without a typed method, or methods without an entry");
        long methods = typedMethods().size();
        assertEquals(typed.values().stream().mapToLong(TreeSet::size).sum(), methods, "one method per entry");
    }

    /** The parser itself, on a signature written out here: pointers, int, long long, float. */
    @Test
    void parsersReadParameterLists() {
        String cu = "extern \"C\" __global__ void __launch_bounds__(128) k(float* y, const __nv_bfloat16* b,\n"
                + "    int n, long long s, float eps) {}";
        assertEquals(List.of("ptr", "int", "long", "float"), cParams(cu, "k").stream().distinct().toList());
        assertEquals(5, cParams(cu, "k").size());
        String ptx = ".visible .entry k(\n\t.param .u64 k_param_0,\n\t.param .u32 k_param_1,\n\t.param .f32 k_param_2\n)";
        assertEquals(List.of(".u64", ".u32", ".f32"), ptxParams(ptx, "k"));
    }

    /** (module → entries) of the typed methods: what PtxResourcesTest checks the shipped PTX for. */
    static Map<String, TreeSet<String>> typedEntries() {
        Map<String, TreeSet<String>> out = new TreeMap<>();
        for (Method m : typedMethods()) {
            Kernels.Entry e = m.getAnnotation(Kernels.Entry.class);
            out.computeIfAbsent(e.module(), k -> new TreeSet<>()).add(e.name());
        }
        return out;
    }

    private static List<Method> typedMethods() {
        return Arrays.stream(Kernels.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Kernels.Entry.class))
                .sorted((a, b) -> a.getName().compareTo(b.getName())).toList();
    }

    /** Kernel parameter kinds of a typed method: ptr, int, long, float (after the leading Grid). */
    private static List<String> javaTypes(Method m, String where) {
        Class<?>[] types = m.getParameterTypes();
        assertTrue(types.length > 0 && types[0] == Launcher.Grid.class, where + " must take the Grid first");
        List<String> out = new ArrayList<>();
        for (int i = 1; i < types.length; i++) {
            Class<?> t = types[i];
            out.add(t == CUdeviceptr.class ? "ptr" : t == int.class ? "int" : t == long.class ? "long"
                    : t == float.class ? "float" : "unsupported " + t.getName());
        }
        return out;
    }

    private static String ptxType(String javaKind) {
        return switch (javaKind) {
            case "ptr", "long" -> ".u64";
            case "int" -> ".u32";
            case "float" -> ".f32";
            default -> javaKind;
        };
    }

    /** Calls the method with zero arguments through a recording launcher. */
    private static Launch invoke(Method m) throws IllegalAccessException {
        List<Launch> launches = new ArrayList<>();
        Kernels kernels = new Kernels((module, entry, grid, args) -> launches.add(new Launch(module, entry,
                args.ptxTypes())));
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        args[0] = new Launcher.Grid(1, 1, 32, 0);
        for (int i = 1; i < types.length; i++) {
            args[i] = types[i] == int.class ? (Object) 0 : types[i] == long.class ? (Object) 0L
                    : types[i] == float.class ? (Object) 0f : null;
        }
        m.setAccessible(true);
        try {
            m.invoke(kernels, args);
        } catch (InvocationTargetException e) {
            throw new AssertionError(m.getName() + " failed with zero arguments", e.getCause());
        }
        assertEquals(1, launches.size(), m.getName() + " launches exactly once");
        return launches.get(0);
    }

    /** The .param types of {@code .entry name(...)}, or null when the PTX has no such entry. */
    static List<String> ptxParams(String ptx, String name) {
        Matcher m = Pattern.compile("\\.entry " + Pattern.quote(name) + "\\(([^)]*)\\)").matcher(ptx);
        if (!m.find()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        Matcher p = Pattern.compile("\\.param (\\.[a-z0-9]+) ").matcher(m.group(1));
        while (p.find()) {
            out.add(p.group(1));
        }
        return out;
    }

    /** Parameter kinds (ptr, int, long, float, double) of {@code extern "C" __global__ void [bounds] name(...)}. */
    static List<String> cParams(String cu, String name) {
        Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\(\\d+\\) )?" + Pattern.quote(name)
                + "\\(([^)]*)\\)").matcher(cu);
        if (!m.find()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String p : m.group(1).split(",")) {
            String t = p.trim().replaceAll("\\s+", " ");
            out.add(t.contains("*") ? "ptr" : t.startsWith("long long ") ? "long" : t.startsWith("int ") ? "int"
                    : t.startsWith("float ") ? "float" : t.startsWith("double ") ? "double" : "unknown: " + t);
        }
        return out;
    }
}
