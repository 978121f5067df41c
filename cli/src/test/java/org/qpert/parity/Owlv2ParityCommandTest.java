package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code qpert parity --activations} on the OWLv2 fixture: same table, last line and exit status as for BLIP-2. */
class Owlv2ParityCommandTest {
    static final String DIR = TinyOwlv2.DIR.toString();
    static final String ACTIVATIONS = TinyOwlv2.DIR.resolve("activations.safetensors").toString();

    @Test
    void f32PassesOnEveryKey() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--activations", ACTIVATIONS,
                "--tolerance", "1e-5");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.lastLine().matches("max relative error \\S+ over 15 tensors"), r.lastLine());
        assertTrue(r.out().contains("detector/objectness_logits"), r.out());
    }

    @Test
    void f16WeightsFailTheF32ToleranceAndPassALooserOne() {
        ParityCommandTest.Run strict = ParityCommandTest.run("parity", "--model", DIR, "--weights",
                "model-f16.safetensors", "--activations", ACTIVATIONS, "--tolerance", "1e-5");
        assertEquals(1, strict.status(), strict.out() + strict.err());
        assertTrue(strict.lastLine().endsWith("over 15 tensors"), strict.lastLine());
        ParityCommandTest.Run loose = ParityCommandTest.run("parity", "--model", DIR, "--weights",
                "model-f16.safetensors", "--activations", ACTIVATIONS, "--tolerance", "1e-2");
        assertEquals(0, loose.status(), loose.out() + loose.err());
    }

    @Test
    void qpertExportNeedsABlip2Checkpoint() {
        ParityCommandTest.Run r = ParityCommandTest.run("parity", "--model", DIR, "--qpert", DIR);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("OWLv2"), r.err());
    }
}
