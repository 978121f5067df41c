package org.qpert.loaders.hub;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that fails when no byte arrives for {@code idle}. java.net.http's request timeout ends when the
 * headers arrive, so a server that stops sending mid-body would otherwise block {@code read} for ever. A watchdog
 * interrupts the thread blocked in {@code read} (the JDK's body stream turns that into an IOException) and closes the
 * body, which releases the connection; the caller sees an IOException naming the stall and can resume with Range.
 */
final class IdleTimeoutInputStream extends FilterInputStream {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qpert-hub-stall-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long idleNanos;
    private final ScheduledFuture<?> check;
    private Thread reader;
    private long lastProgress = System.nanoTime();
    private boolean stalled;

    IdleTimeoutInputStream(InputStream body, Duration idle) {
        super(body);
        this.idleNanos = idle.toNanos();
        long period = Math.max(1, idle.toMillis() / 4);
        this.check = WATCHDOG.scheduleAtFixedRate(this::cutIfStalled, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        synchronized (this) {
            reader = Thread.currentThread();
            lastProgress = System.nanoTime();
        }
        int n;
        try {
            n = super.read(b, off, len);
        } catch (IOException e) {
            throw endRead(e);
        }
        IOException cut = endRead(null);
        if (cut != null) {
            throw cut;
        }
        return n;
    }

    /** Ends a read: after this, the watchdog no longer interrupts the caller. */
    private IOException endRead(IOException failure) {
        boolean wasStalled;
        synchronized (this) {
            reader = null;
            wasStalled = stalled;
        }
        if (!wasStalled) {
            return failure;
        }
        Thread.interrupted(); // the watchdog's interrupt, not the caller's: clear it so a retry can proceed
        return new IOException("no data for " + Duration.ofNanos(idleNanos).toMillis() + " ms; the transfer stalled",
                failure);
    }

    private void cutIfStalled() {
        synchronized (this) {
            if (reader == null || stalled || System.nanoTime() - lastProgress < idleNanos) {
                return;
            }
            stalled = true;
            reader.interrupt();
        }
        check.cancel(false);
        try {
            in.close();
        } catch (IOException ignored) {
            // The read already failed through the interrupt; closing only releases the connection.
        }
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        super.close();
    }
}
