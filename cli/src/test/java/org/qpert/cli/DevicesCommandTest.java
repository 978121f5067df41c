package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import org.junit.jupiter.api.Test;
import org.qpert.kernels.CudaAvailability;

class DevicesCommandTest {

    private static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int status = Main.run(args);
            return new String[] {String.valueOf(status), o.toString(), e.toString()};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void reportsCudaAvailabilityWithItsReason() {
        String[] r = run("devices");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("cpu: available"), r[1]);
        assertTrue(r[1].contains("cuda: ") && r[1].contains(CudaAvailability.probe().reason()), r[1]);
    }

    @Test
    void deviceCudaOpensTheGpuOrFailsWithOneLine() {
        String[] r = run("devices", "--device", "cuda");
        CudaAvailability cuda = CudaAvailability.probe();
        if (cuda.available()) {
            assertEquals("0", r[0], r[2]);
            assertTrue(r[1].contains("opened cuda:0: GEMM: "), r[1]);
        } else {
            assertEquals("2", r[0]);
            assertEquals("qpert devices: CUDA backend unavailable: " + cuda.reason(), r[2].strip());
        }
    }

    @Test
    void unknownDeviceIsRejected() {
        String[] r = run("devices", "--device", "tpu");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("device tpu is not known (available: cpu, cuda)"), r[2]);
    }
}
