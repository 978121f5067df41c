package org.qpert.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.parity.CocaParityRun;
import org.qpert.core.parity.CocaPerturbationParityRun;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.InternvlParityRun;
import org.qpert.core.parity.InternvlPerturbationParityRun;
import org.qpert.core.parity.Owlv2ParityRun;
import org.qpert.core.parity.ParityRun;
import org.qpert.core.parity.PerturbationParityRun;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpert parity}: runs a checkpoint on the inputs stored in a reference export and compares every tensor it can
 * compute. Models loaded from F16 / BF16 weights are compared with the export's {@code f16w/} / {@code bf16w/} keys.
 */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Compare the Java forward pass with activations or a Q-Perturbation run exported from PyTorch.")
public final class ParityCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Reference reference;

    static final class Reference {
        @Option(names = "--activations", paramLabel = "FILE",
                description = "An activations.safetensors export (inputs/* and hooked activations).")
        Path activations;

        @Option(names = "--qpert", paramLabel = "DIR",
                description = "A Q-Perturbation export folder (qpert.json and qpert.safetensors, as tiny-blip2/qpert-*"
                        + " or tiny-coca/qpert-*; a CoCa case takes its texts from ../activations.safetensors, an"
                        + " InternVL case, as tiny-internvl, its images and texts from activations.safetensors in DIR).")
        Path qpert;
    }

    @Option(names = "--tolerance", defaultValue = "1e-4", paramLabel = "REL",
            description = "Largest relative error (max|a-b| / max|b|) that passes (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (modelOptions.isCoca()) {
            return cocaParity();
        }
        if (modelOptions.isInternvl()) {
            return internvlParity();
        }
        if (modelOptions.config() instanceof Owlv2Config) {
            return detectorParity();
        }
        ModelOptions.Loaded loaded = modelOptions.load();
        if (reference.qpert != null) {
            PerturbationFixture fixture = PerturbationFixture.read(reference.qpert);
            Map<String, float[]> computed = PerturbationParityRun.compute(loaded.model(), fixture.inputs());
            return ParityReport.print(spec.commandLine().getOut(), ParityRun.compare(computed, fixture.reference()),
                    tolerance);
        }
        ActivationsFile file = ActivationsFile.read(reference.activations);
        String prefix = sixteenBitPrefix(loaded.storedAs(), file.reference().keySet());
        Map<String, float[]> computed = ParityRun.compute(loaded.model(), file.inputs(), prefix);
        List<Comparison> comparisons = ParityRun.compare(computed, file.reference());
        return ParityReport.print(spec.commandLine().getOut(), comparisons, tolerance);
    }

    /**
     * {@code f16w/} or {@code bf16w/} for a checkpoint stored in that dtype when the export holds results of the
     * rounded weights; otherwise the plain keys (an export of the user's own 16-bit checkpoint, run as stored, has
     * only those): a note says so, since the tolerance must then allow for the rounding.
     */
    String sixteenBitPrefix(DType storedAs, java.util.Set<String> keys) {
        String prefix = storedAs == DType.F16 ? "f16w/" : storedAs == DType.BF16 ? "bf16w/" : "";
        if (prefix.isEmpty() || keys.stream().anyMatch(k -> k.startsWith(prefix))) {
            return prefix;
        }
        spec.commandLine().getOut().println("note: the checkpoint is stored in " + storedAs + " and the export has no "
                + prefix + " keys: comparing with its plain keys");
        return "";
    }

    /**
     * An OWLv2 checkpoint against a tiny-owlv2 style export. That export holds F32 results only, so F16 / BF16 weights
     * are compared with them too (pass a --tolerance that allows for the rounded weights).
     */
    private int detectorParity() throws Exception {
        if (reference.qpert != null) {
            throw new IllegalArgumentException("--qpert needs a BLIP-2, CoCa or InternVL checkpoint; --model "
                    + modelOptions.model.given() + " is an OWLv2 detector (use --activations)");
        }
        ModelOptions.LoadedDetector loaded = modelOptions.loadDetector();
        ActivationsFile file = ActivationsFile.read(reference.activations);
        Map<String, float[]> computed = Owlv2ParityRun.compute(loaded.detector(), file.inputs());
        return ParityReport.print(spec.commandLine().getOut(), ParityRun.compare(computed, file.reference()), tolerance);
    }

    /**
     * A CoCa checkpoint against a tiny-coca style export: every retrieval stage and the e2e image files of
     * {@code activations.safetensors} (the caption decoder's keys are not computed: retrieval does not use it), or a
     * {@code qpert-*} case, whose texts are those of the {@code activations.safetensors} beside it.
     */
    private int cocaParity() throws Exception {
        ModelOptions.LoadedCoca loaded = modelOptions.loadCoca();
        if (reference.qpert != null) {
            return cocaPerturbationParity(loaded, reference.qpert);
        }
        try (SafetensorsFile f = SafetensorsFile.open(reference.activations)) {
            float[][] pixels = ActivationsFile.images(f, "inputs/pixel_values");
            int[][] texts = ActivationsFile.rows(f, "inputs/text");
            String prefix = sixteenBitPrefix(loaded.storedAs(), f.tensors().stream().map(TensorInfo::name)
                    .collect(java.util.stream.Collectors.toSet()));
            Map<String, float[]> computed = new java.util.LinkedHashMap<>(
                    CocaParityRun.compute(loaded.model(), pixels, texts, prefix));
            if (prefix.isEmpty()) {
                Map<String, float[]> e2e = new java.util.LinkedHashMap<>();
                for (TensorInfo t : f.tensors()) {
                    String name = t.name();
                    if (name.startsWith("e2e/") && name.endsWith("/pixel_values")) {
                        e2e.put(name.substring(4, name.length() - "/pixel_values".length()), f.readFloats(name));
                    }
                }
                computed.putAll(CocaParityRun.endToEnd(loaded.model(), e2e));
            }
            return ParityReport.print(spec.commandLine().getOut(), ParityRun.compare(computed, references(f)),
                    tolerance);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(reference.activations + ": " + e.getMessage(), e);
        }
    }

    private int cocaPerturbationParity(ModelOptions.LoadedCoca loaded, Path dir) throws Exception {
        PerturbationCase c = PerturbationCase.read(dir);
        Path activations = dir.toAbsolutePath().getParent().resolve("activations.safetensors");
        if (!java.nio.file.Files.isRegularFile(activations)) {
            throw new IllegalArgumentException(dir + ": a CoCa Q-Perturbation case takes its texts from "
                    + activations + ", which does not exist");
        }
        int[][] texts;
        try (SafetensorsFile a = SafetensorsFile.open(activations)) {
            texts = ActivationsFile.rows(a, "inputs/text");
        }
        Path file = dir.resolve("qpert.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[][] pixels = ActivationsFile.images(f, "inputs/pixel_values");
            if (pixels.length != c.sizes().length) {
                throw new IllegalArgumentException(pixels.length + " images but " + c.sizes().length + " in "
                        + PerturbationCase.SETTINGS);
            }
            Map<String, float[]> computed = CocaPerturbationParityRun.compute(loaded.model(), pixels, c.sizes(),
                    c.boxes(), c.settings(), texts);
            return ParityReport.print(spec.commandLine().getOut(),
                    ParityRun.compare(computed, perturbationReferences(f)), tolerance);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * An InternVL checkpoint against a tiny-internvl style export, both variants: every stage of
     * {@code activations.safetensors} (F16 / BF16 weights against its {@code f16w/} / {@code bf16w/} keys), or the
     * Q-Perturbation case of a folder holding {@code qpert.json}, {@code qpert.safetensors} and the
     * {@code activations.safetensors} its images and texts come from.
     */
    private int internvlParity() throws Exception {
        ModelOptions.LoadedInternvl loaded = modelOptions.loadInternvl();
        if (reference.qpert == null) {
            try (SafetensorsFile f = SafetensorsFile.open(reference.activations)) {
                String prefix = sixteenBitPrefix(loaded.storedAs(), f.tensors().stream().map(TensorInfo::name)
                        .collect(java.util.stream.Collectors.toSet()));
                Map<String, float[]> computed = InternvlParityRun.compute(loaded.c(), loaded.g(),
                        ActivationsFile.images(f, "inputs/pixel_values"), ActivationsFile.rows(f, "inputs/input_ids"),
                        prefix);
                return ParityReport.print(spec.commandLine().getOut(), ParityRun.compare(computed, references(f)),
                        tolerance);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(reference.activations + ": " + e.getMessage(), e);
            }
        }
        Path dir = reference.qpert;
        PerturbationCase c = PerturbationCase.read(dir);
        Path activations = dir.resolve("activations.safetensors");
        if (!java.nio.file.Files.isRegularFile(activations)) {
            throw new IllegalArgumentException(dir + ": an InternVL Q-Perturbation case takes its images and texts from "
                    + activations + ", which does not exist");
        }
        float[][] pixels;
        int[][] texts;
        try (SafetensorsFile a = SafetensorsFile.open(activations)) {
            pixels = ActivationsFile.images(a, "inputs/pixel_values");
            texts = ActivationsFile.rows(a, "inputs/input_ids");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(activations + ": " + e.getMessage(), e);
        }
        if (pixels.length != c.sizes().length) {
            throw new IllegalArgumentException(activations + ": " + pixels.length + " images but " + c.sizes().length
                    + " in " + dir.resolve(PerturbationCase.SETTINGS));
        }
        if (loaded.storedAs() != DType.F32) {
            spec.commandLine().getOut().println("note: the checkpoint is stored in " + loaded.storedAs() + " and a"
                    + " Q-Perturbation export holds F32 results only: the tolerance must allow for the rounding");
        }
        Path file = dir.resolve("qpert.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, float[]> computed = InternvlPerturbationParityRun.compute(loaded.c(), loaded.g(), pixels,
                    c.sizes(), c.boxes(), c.settings(), texts);
            return ParityReport.print(spec.commandLine().getOut(),
                    ParityRun.compare(computed, perturbationReferences(f)), tolerance);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Every tensor of a Q-Perturbation export but its inputs, counts (I64) as floats. */
    private static Map<String, ReferenceTensor> perturbationReferences(SafetensorsFile f) {
        Map<String, ReferenceTensor> reference = new java.util.LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) {
            String name = t.name();
            if (name.startsWith("inputs/") || name.equals("objects/image_index")) {
                continue;
            }
            float[] values = t.dtype() == DType.I64 ? asFloats(f.readLongs(name)) : f.readFloats(name);
            reference.put(name, new ReferenceTensor(t.shape(), values));
        }
        return reference;
    }

    /** Every float tensor of an export but its inputs, as references. */
    private static Map<String, ReferenceTensor> references(SafetensorsFile f) {
        Map<String, ReferenceTensor> out = new java.util.LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) {
            if (!t.name().startsWith("inputs/") && !t.name().endsWith("/pixel_values") && t.dtype() == DType.F32) {
                out.put(t.name(), new ReferenceTensor(t.shape(), f.readFloats(t.name())));
            }
        }
        return out;
    }

    private static float[] asFloats(long[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
