package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tensors made inside a scope are closed with it unless kept; kept ones move to the enclosing scope. */
class TensorScopeTest {
    private final CpuBackend cpu = new CpuBackend();

    @Test
    void closesWhatItDidNotKeep() {
        Tensor kept;
        Tensor dropped;
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = cpu.upload(new float[] {1, 2}, 1, 2);
            dropped = cpu.add(x, x);
            kept = scope.keep(cpu.add(dropped, x));
        }
        assertArrayEquals(new float[] {3, 6}, cpu.download(kept));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.download(dropped));
        assertTrue(e.getMessage().contains("after it was closed"), e.getMessage());
    }

    @Test
    void keptTensorsMoveToTheEnclosingScope() {
        Tensor inner;
        try (TensorScope outer = TensorScope.open()) {
            try (TensorScope scope = TensorScope.open()) {
                inner = scope.keep(cpu.upload(new float[] {5}, 1, 1));
            }
            assertArrayEquals(new float[] {5}, cpu.download(inner));
        }
        assertThrows(IllegalStateException.class, () -> cpu.download(inner));
    }

    @Test
    void tensorsMadeOutsideAnyScopeBelongToTheCaller() {
        Tensor t = cpu.upload(new float[] {7}, 1, 1);
        try (TensorScope scope = TensorScope.open()) {
            cpu.add(t, t);
        }
        assertArrayEquals(new float[] {7}, cpu.download(t));
    }

    @Test
    void scopesCloseInnermostFirst() {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }
}
