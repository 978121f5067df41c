package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.qpert.cli.ActivationsFile;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.Owlv2ParityRun;
import org.qpert.core.parity.ReferenceTensor;

/**
 * Every stage of the tiny OWLv2 detector against the PyTorch export (vision embeddings, pre-LN, each layer,
 * post-LN, merged image features, box head, box bias, boxes, objectness, text tower, query embeddings, class
 * embeddings and logits): relative error max|a−b| / max|b| ≤ 1e-5 with F32 weights. The export has no F16 reference,
 * so the F16 weights are compared with the same F32 reference at {@value #F16_TOLERANCE}: the weights themselves are
 * rounded to 11 significant bits (relative 2^-11 ≈ 4.9e-4), and that error passes through the layers.
 */
class Owlv2ParityTest {
    static final double TOLERANCE = 1e-5;
    static final double F16_TOLERANCE = 1e-2;
    static final ActivationsFile ACTIVATIONS = TinyOwlv2.activations();

    @TestFactory
    Stream<DynamicTest> f32StageByStage() {
        return stages("model.safetensors", TOLERANCE);
    }

    @TestFactory
    Stream<DynamicTest> f16WeightsStageByStage() {
        return stages("model-f16.safetensors", F16_TOLERANCE);
    }

    private Stream<DynamicTest> stages(String weights, double tolerance) {
        List<Comparison> results = compare(weights);
        return results.stream().map(c -> DynamicTest.dynamicTest(c.key(), () -> assertTrue(c.within(tolerance),
                c.key() + " " + c.shape() + ": relative error " + c.relativeError() + " > " + tolerance)));
    }

    private static List<Comparison> compare(String weights) {
        Owlv2Detector model = TinyOwlv2.load(weights, new CpuBackend());
        Map<String, float[]> computed = Owlv2ParityRun.compute(model, ACTIVATIONS.inputs());
        return org.qpert.core.parity.ParityRun.compare(computed, ACTIVATIONS.reference());
    }

    @Test
    void everyReferenceKeyIsComputed() {
        Owlv2Detector model = TinyOwlv2.load("model.safetensors", new CpuBackend());
        Map<String, float[]> computed = Owlv2ParityRun.compute(model, ACTIVATIONS.inputs());
        List<String> missing = ACTIVATIONS.reference().keySet().stream().filter(k -> !computed.containsKey(k)).toList();
        assertEquals(List.of(), missing, "reference keys not computed");
        assertEquals(15, ACTIVATIONS.reference().size());
    }

    /**
     * The absent query's float32-minimum logits must be reproduced exactly and must not dominate max|b| of
     * detector/logits: the stage's error is that of the real queries' logits, relative to their own magnitude.
     */
    @Test
    void classLogitsOfPresentQueries() {
        Owlv2Detector model = TinyOwlv2.load("model.safetensors", new CpuBackend());
        float[] mine = Owlv2ParityRun.compute(model, ACTIVATIONS.inputs()).get("detector/logits");
        float[] ref = ACTIVATIONS.reference().get("detector/logits").values();
        int present = 0;
        float[] a = new float[ref.length], b = new float[ref.length];
        for (int i = 0; i < ref.length; i++) {
            if (ref[i] == -Float.MAX_VALUE) {
                assertEquals(-Float.MAX_VALUE, mine[i], "absent query at " + i);
            } else {
                a[present] = mine[i];
                b[present++] = ref[i];
            }
        }
        assertEquals(2 * 36 * 3 - 36, present, "one absent query on image 1");
        Comparison c = Comparison.of("present logits", Arrays.copyOf(a, present),
                new ReferenceTensor(new long[] {present}, Arrays.copyOf(b, present)));
        assertTrue(c.within(TOLERANCE), "relative error " + c.relativeError());
        Comparison whole = compare("model.safetensors").stream().filter(x -> x.key().equals("detector/logits"))
                .findFirst().orElseThrow();
        assertEquals(c.relativeError(), whole.relativeError(), 1e-12 * c.relativeError(),
                "the whole tensor's error is the present queries' (the -FLT_MAX cells compared exactly, not a 1e-44)");
    }

    /** The F16 weights really are different weights: their results are off the F32 reference by more than 1e-5. */
    @Test
    void f16WeightsChangeTheResult() {
        double worst = compare("model-f16.safetensors").stream().mapToDouble(Comparison::relativeError).max()
                .orElseThrow();
        assertTrue(worst > TOLERANCE, "worst F16 error " + worst);
    }
}
