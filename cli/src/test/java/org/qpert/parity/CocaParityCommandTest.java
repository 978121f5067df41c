package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code qpert parity} on the tiny-coca folder (recognised by its open_clip_config.json): the activations export at
 * the spec's 1e-5 with F32 weights (every retrieval stage, the text mask exactly, the e2e image files), the f16w/
 * features with F16 weights, and both Q-Perturbation cases at 1e-4.
 */
class CocaParityCommandTest {
    static final String DIR = TinyCoca.DIR.toString();
    static final String ACTIVATIONS = TinyCoca.DIR.resolve("activations.safetensors").toString();

    @Test
    void f32PassesOnEveryRetrievalKey() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--activations", ACTIVATIONS,
                "--tolerance", "1e-5");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.lastLine().matches("max relative error \\S+ over 27 tensors"), r.lastLine());
        for (String key : new String[] {"pooler/keys", "text/attn_mask", "logits_per_image",
            "e2e/palette_120x90/image_features"}) {
            assertTrue(r.out().contains(key), key + " in " + r.out());
        }
    }

    @Test
    void f16WeightsAreComparedWithTheirOwnFeatures() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--weights", "model-f16.safetensors",
                "--activations", ACTIVATIONS, "--tolerance", "1e-5");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("f16w/image_features"), r.out());
        assertTrue(r.lastLine().endsWith("over 2 tensors"), r.lastLine());
    }

    @Test
    void bothPerturbationCasesPass() {
        for (String name : new String[] {"qpert-constant-a8-t0.99", "qpert-normarea-a4-k2"}) {
            ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--qpert",
                    TinyCoca.DIR.resolve(name).toString(), "--tolerance", "1e-4");
            assertEquals(0, r.status(), name + ": " + r.out() + r.err());
            assertTrue(r.out().contains("perturbed/logits_per_image"), r.out());
            assertTrue(r.lastLine().endsWith("over 11 tensors"), r.lastLine());
        }
    }

    @Test
    void aWrongModelFailsTheComparison() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--weights", "model-bf16.safetensors",
                "--qpert", TinyCoca.DIR.resolve("qpert-constant-a8-t0.99").toString(), "--tolerance", "1e-5");
        assertEquals(1, r.status(), r.out() + r.err());
    }
}
