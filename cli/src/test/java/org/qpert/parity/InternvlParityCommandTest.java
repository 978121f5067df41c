package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qpert parity} on the tiny-internvl folder (recognised by its {@code model_type}), both variants at once: the
 * activations export at the spec's 1e-5 with F32 weights (every stage), the {@code f16w/} and {@code bf16w/} features
 * and logits with 16-bit weights at 1e-5, and the Q-Perturbation case at 1e-4 (the QLLaMA-only variant included).
 */
class InternvlParityCommandTest {
    static final String DIR = TinyInternvl.DIR.toString();
    static final String ACTIVATIONS = TinyInternvl.DIR.resolve("activations.safetensors").toString();

    @Test
    void f32PassesOnEveryStageOfBothVariants() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--activations", ACTIVATIONS,
                "--tolerance", "1e-5");
        assertEquals(0, r.status(), r.out() + r.err());
        for (String key : new String[] {"vision/layer.1.mlp", "c/pooled", "g/qllama.layer.2.cross_attn.k",
            "text/qllama.norm", "logits_per_image/C", "logits_per_image/G"}) {
            assertTrue(r.out().contains(key), key + " in " + r.out());
        }
        assertTrue(!r.out().contains("f16w/"), r.out());
        assertTrue(r.lastLine().matches("max relative error \\S+ over 39 tensors"), r.lastLine());
    }

    @Test
    void sixteenBitWeightsAreComparedWithTheirOwnOutputs() {
        for (String[] w : new String[][] {{"model-f16.safetensors", "f16w/"}, {"model-bf16.safetensors", "bf16w/"}}) {
            ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--weights", w[0],
                    "--activations", ACTIVATIONS, "--tolerance", "1e-5");
            assertEquals(0, r.status(), r.out() + r.err());
            assertTrue(r.out().contains(w[1] + "logits_per_image/G"), r.out());
            assertTrue(r.lastLine().endsWith("over 5 tensors"), r.lastLine());
        }
    }

    @Test
    void thePerturbationCasePassesOnBothVariants() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--qpert", DIR, "--tolerance",
                "1e-4");
        assertEquals(0, r.status(), r.out() + r.err());
        for (String key : new String[] {"objects/k_g", "objects/k_pool", "pbar_g", "c/query_perturbed",
            "logits_per_image/C", "logits_per_image/G_qllama_only"}) {
            assertTrue(r.out().contains(key), key + " in " + r.out());
        }
        assertTrue(r.lastLine().endsWith("over 25 tensors"), r.lastLine());
    }

    @Test
    void bf16WeightsAgainstTheF32PerturbationCaseFailAtItsTolerance() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--weights",
                "model-bf16.safetensors", "--qpert", DIR, "--tolerance", "1e-4");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("F32 results only"), r.out());
    }

    @Test
    void aCaseFolderWithoutItsActivationsIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Files.copy(TinyInternvl.DIR.resolve("qpert.json"), dir.resolve("qpert.json"));
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--qpert", dir.toString());
        assertTrue(r.status() != 0, r.out() + r.err());
        assertTrue(r.err().contains(dir.resolve("activations.safetensors").toString()), r.err());
    }
}
