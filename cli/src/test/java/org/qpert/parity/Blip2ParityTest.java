package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.qpert.cli.ActivationsFile;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.ParityRun;
import org.qpert.core.parity.ReferenceTensor;

/**
 * Every stage of the tiny BLIP-2 against the PyTorch export: one test per reference tensor (embeddings, each vision
 * layer, each Q-Former layer of the ITC image, ITC text and ITM passes, projections, logits), relative error
 * max|a−b| / max|b| ≤ 1e-5 with F32 weights; the end results with F16 and BF16 weights under f16w/ and bf16w/.
 */
class Blip2ParityTest {
    static final double TOLERANCE = 1e-5;
    static final ActivationsFile ACTIVATIONS = TinyBlip2.activations();

    @TestFactory
    Stream<DynamicTest> f32StageByStage() {
        return stages("model.safetensors", "");
    }

    @TestFactory
    Stream<DynamicTest> f16WeightsEndResults() {
        return stages("model-f16.safetensors", "f16w/");
    }

    @TestFactory
    Stream<DynamicTest> bf16WeightsEndResults() {
        return stages("model-bf16.safetensors", "bf16w/");
    }

    private Stream<DynamicTest> stages(String weights, String prefix) {
        Blip2Retrieval model = TinyBlip2.load(weights, new CpuBackend());
        Map<String, float[]> computed = ParityRun.compute(model, ACTIVATIONS.inputs(), prefix);
        List<Comparison> results = ParityRun.compare(computed, ACTIVATIONS.reference());
        return results.stream().map(c -> DynamicTest.dynamicTest(c.key(), () -> assertTrue(c.within(TOLERANCE),
                c.key() + " " + c.shape() + ": relative error " + c.relativeError() + " > " + TOLERANCE)));
    }

    /** Every reference key of the export is computed (none silently skipped), per weight variant. */
    @Test
    void everyReferenceKeyIsComputed() {
        Blip2Retrieval model = TinyBlip2.load("model.safetensors", new CpuBackend());
        Set<String> computed = ParityRun.compute(model, ACTIVATIONS.inputs(), "").keySet();
        long expected = ACTIVATIONS.reference().keySet().stream()
                .filter(k -> !k.startsWith("f16w/") && !k.startsWith("bf16w/")).count();
        long missing = ACTIVATIONS.reference().keySet().stream()
                .filter(k -> !k.startsWith("f16w/") && !k.startsWith("bf16w/"))
                .filter(k -> !computed.contains(k)).peek(k -> System.out.println("not computed: " + k)).count();
        assertEquals(0, missing, "reference keys not computed out of " + expected);
    }

    /** The F16 results differ from the F32 ones by more than the tolerance, so the f16w/ comparison means something. */
    @Test
    void roundedWeightsChangeTheResult() {
        ReferenceTensor f32 = ACTIVATIONS.reference().get("itc/logits_per_image");
        ReferenceTensor f16 = ACTIVATIONS.reference().get("f16w/itc/logits_per_image");
        assertTrue(Comparison.of("x", f16.values(), f32).relativeError() > TOLERANCE);
    }
}
