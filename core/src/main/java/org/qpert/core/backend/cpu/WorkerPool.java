package org.qpert.core.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One daemon thread per core (minus the caller, which works too) running index-parallel loops. Built for many short
 * parallel regions (a text pass is ~100 of them): workers spin briefly before parking so a region costs microseconds,
 * not an executor round trip. Regions from concurrent callers run one after the other; the cores are busy anyway.
 */
public final class WorkerPool {

    /** Body of a parallel loop: called once per index, with the id (0..threads-1) of the worker running it. */
    @FunctionalInterface
    public interface Body {
        void run(int worker, int index);
    }

    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] helpers;
    private final ReentrantLock regionLock = new ReentrantLock();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile int generation;
    private volatile Body body;
    private volatile int count;
    private volatile Thread caller;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("worker pool needs at least one thread, got " + threads);
        }
        this.threads = threads;
        this.helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            int id = i + 1;
            Thread t = new Thread(() -> helperLoop(id), "qpert-cpu-" + id);
            t.setDaemon(true);
            helpers[i] = t;
            t.start();
        }
    }

    /** Threads from system property {@code qpert.threads}, else the number of available processors. */
    public static int configuredThreads() {
        String s = System.getProperty("qpert.threads");
        if (s == null || s.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("system property qpert.threads must be 1..1024, got " + s);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property qpert.threads is not a number: " + s, e);
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} for indices 0..count-1 across the pool and returns when all are done. Worker ids are exclusive
     * for the duration of the call (even when it runs on the caller alone), so bodies may use per-worker scratch.
     * Bodies must not call parallelFor themselves.
     */
    public void parallelFor(int count, Body body) {
        if (count <= 0) {
            return;
        }
        regionLock.lock();
        try {
            if (threads == 1 || count == 1) {
                for (int i = 0; i < count; i++) {
                    body.run(0, i);
                }
                return;
            }
            this.body = body;
            this.count = count;
            this.failure = null;
            this.caller = Thread.currentThread();
            next.set(0);
            running.set(helpers.length);
            generation++;
            for (Thread t : helpers) {
                LockSupport.unpark(t);
            }
            try {
                work(0, body, count);
            } catch (Throwable t) {
                failure = t;
                next.set(Integer.MAX_VALUE / 2);
            }
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (running.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 100_000);
                }
            }
            this.body = null;
            Throwable f = failure;
            if (f instanceof RuntimeException r) {
                throw r;
            } else if (f instanceof Error e) {
                throw e;
            } else if (f != null) {
                throw new IllegalStateException(f);
            }
        } finally {
            regionLock.unlock();
        }
    }

    private void work(int worker, Body b, int n) {
        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            b.run(worker, i);
        }
    }

    private void helperLoop(int id) {
        int seen = 0;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = generation;
            try {
                work(id, body, count);
            } catch (Throwable t) {
                failure = t;
                next.set(Integer.MAX_VALUE / 2);
            } finally {
                if (running.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }
}
