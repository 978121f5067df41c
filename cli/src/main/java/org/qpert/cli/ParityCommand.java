package org.qpert.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.Owlv2ParityRun;
import org.qpert.core.parity.ParityRun;
import org.qpert.core.parity.PerturbationParityRun;
import org.qpert.loaders.safetensors.DType;
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
                description = "A Q-Perturbation export folder (qpert.json and qpert.safetensors, as tiny-blip2/qpert-*).")
        Path qpert;
    }

    @Option(names = "--tolerance", defaultValue = "1e-4", paramLabel = "REL",
            description = "Largest relative error (max|a-b| / max|b|) that passes (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
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
            throw new IllegalArgumentException("--qpert needs a BLIP-2 checkpoint; --model " + modelOptions.model
                    + " is an OWLv2 detector (use --activations)");
        }
        ModelOptions.LoadedDetector loaded = modelOptions.loadDetector();
        ActivationsFile file = ActivationsFile.read(reference.activations);
        Map<String, float[]> computed = Owlv2ParityRun.compute(loaded.detector(), file.inputs());
        return ParityReport.print(spec.commandLine().getOut(), ParityRun.compare(computed, file.reference()), tolerance);
    }
}
