package org.qpert.server;

import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

/**
 * The bounded worker pool in front of the model: at most {@code workers} requests run, at most {@code queue} more wait
 * (in arrival order); any other is refused at once with 503, so a burst never piles up threads or memory.
 */
final class Admission {
    private final Semaphore slots;
    private final Semaphore running;

    private final int capacity;

    Admission(int workers, int queue) {
        this.capacity = workers + queue;
        this.slots = new Semaphore(workers + queue);
        this.running = new Semaphore(workers, true);
    }

    /** Requests running or waiting now. */
    int admitted() {
        return capacity - slots.availablePermits();
    }

    <T> T run(Callable<T> work) throws Exception {
        if (!slots.tryAcquire()) {
            throw new HttpError(503, "server busy: all workers and queue places are taken, retry later");
        }
        try {
            running.acquire();
            try {
                return work.call();
            } finally {
                running.release();
            }
        } finally {
            slots.release();
        }
    }
}
