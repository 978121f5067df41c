package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Workers run, the queue waits, anything beyond is refused with 503 without waiting. */
@Timeout(60)
class AdmissionTest {

    @Test
    void twoWorkersTwoQueuedTheFifthIsRefused() throws Exception {
        Admission admission = new Admission(2, 2);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        // Own threads: the common pool may have a single worker on a small machine.
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CompletableFuture<?>[] admitted = new CompletableFuture<?>[4];
        for (int i = 0; i < 4; i++) {
            admitted[i] = CompletableFuture.runAsync(() -> {
                try {
                    admission.run(() -> {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        release.await(30, TimeUnit.SECONDS);
                        running.decrementAndGet();
                        return null;
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
        }
        for (int i = 0; i < 200 && admission.admitted() < 4; i++) {
            Thread.sleep(10);
        }
        assertEquals(4, admission.admitted());
        HttpError refused = assertThrows(HttpError.class, () -> admission.run(() -> 1));
        assertEquals(503, refused.status);
        release.countDown();
        CompletableFuture.allOf(admitted).get(30, TimeUnit.SECONDS);
        assertEquals(2, most.get(), "never more than the workers at once");
        assertEquals(0, admission.admitted());
        assertTrue(admission.run(() -> true));
        threads.shutdownNow();
    }
}
