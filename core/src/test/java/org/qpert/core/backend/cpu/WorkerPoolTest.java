package org.qpert.core.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void runsEveryIndexExactlyOnceWithWorkerIdsInRange() {
        WorkerPool pool = new WorkerPool(3);
        for (int round = 0; round < 200; round++) {
            int n = 1 + round % 37;
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            AtomicIntegerArray badWorker = new AtomicIntegerArray(1);
            pool.parallelFor(n, (w, i) -> {
                hits.incrementAndGet(i);
                if (w < 0 || w >= 3) {
                    badWorker.incrementAndGet(0);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "index " + i + " of " + n);
            }
            assertEquals(0, badWorker.get(0));
        }
    }

    @Test
    void rethrowsAFailureAndStaysUsable() {
        WorkerPool pool = new WorkerPool(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(50, (w, i) -> {
            if (i == 17) {
                throw new IllegalStateException("boom at 17");
            }
        }));
        assertEquals("boom at 17", e.getMessage());
        AtomicIntegerArray hits = new AtomicIntegerArray(10);
        pool.parallelFor(10, (w, i) -> hits.incrementAndGet(i));
        for (int i = 0; i < 10; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @Test
    void concurrentCallersGetExclusiveWorkerIds() throws InterruptedException {
        WorkerPool pool = new WorkerPool(2);
        AtomicIntegerArray inUse = new AtomicIntegerArray(2);
        AtomicIntegerArray clashes = new AtomicIntegerArray(1);
        Runnable caller = () -> {
            for (int r = 0; r < 300; r++) {
                pool.parallelFor(4, (w, i) -> {
                    if (inUse.incrementAndGet(w) != 1) {
                        clashes.incrementAndGet(0);
                    }
                    inUse.decrementAndGet(w);
                });
            }
        };
        Thread a = new Thread(caller), b = new Thread(caller);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(0, clashes.get(0));
    }

    @Test
    void threadsPropertyIsValidated() {
        String old = System.getProperty("qpert.threads");
        try {
            System.setProperty("qpert.threads", "0");
            assertThrows(IllegalArgumentException.class, WorkerPool::configuredThreads);
            System.setProperty("qpert.threads", "x");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, WorkerPool::configuredThreads);
            assertTrue(e.getMessage().contains("qpert.threads"));
            System.setProperty("qpert.threads", "3");
            assertEquals(3, WorkerPool.configuredThreads());
        } finally {
            if (old == null) {
                System.clearProperty("qpert.threads");
            } else {
                System.setProperty("qpert.threads", old);
            }
        }
    }
}
