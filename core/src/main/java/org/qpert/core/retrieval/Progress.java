package org.qpert.core.retrieval;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of a long job as a text line: count, percentage, rate and ETA, e.g.
 * {@code embed: 120/1000 images (12.0%), 3.2 images/s, ETA 4m35s}. Lines go to a sink at most once per interval and
 * once at the end, so a log stays readable on a terminal and in CI output alike. Work done before a resume counts
 * toward the total but not toward the rate. Thread-safe.
 *
 * <p>Why a log line and not a terminal progress bar library (e.g. me.tongfei:progressbar): the project logs through
 * System.Logger only; a bar redrawn with carriage returns turns into thousands of lines in CI logs and redirected
 * output, and the library would pull jline into the jar. A throttled line says the same (count, rate, ETA) everywhere.
 */
public final class Progress {
    private static final System.Logger LOG = System.getLogger(Progress.class.getName());
    private static final long DEFAULT_INTERVAL_NANOS = 2_000_000_000L;

    private final String task;
    private final String unit;
    private final long total;
    private final LongSupplier nanoClock;
    private final Consumer<String> sink;
    private final long intervalNanos;
    private final long start;
    private long resumed;
    private long done;
    private long lastReport;

    public Progress(String task, long total, String unit, LongSupplier nanoClock, Consumer<String> sink,
                    long intervalNanos) {
        if (total < 0) {
            throw new IllegalArgumentException("progress total must be non-negative, got " + total);
        }
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.nanoClock = nanoClock;
        this.sink = sink;
        this.intervalNanos = intervalNanos;
        this.start = nanoClock.getAsLong();
        this.lastReport = start;
    }

    /** Progress reported through System.Logger at INFO every two seconds. */
    public static Progress logging(String task, long total, String unit) {
        return new Progress(task, total, unit, System::nanoTime, line -> LOG.log(System.Logger.Level.INFO, line),
                DEFAULT_INTERVAL_NANOS);
    }

    /** A progress that reports nothing. */
    public static Progress silent(long total) {
        return new Progress("", total, "", System::nanoTime, line -> { }, Long.MAX_VALUE);
    }

    /** Counts items finished by an earlier run; they are excluded from the rate. */
    public synchronized void resumedFrom(long alreadyDone) {
        resumed += alreadyDone;
        done += alreadyDone;
    }

    /** Counts n more finished items and reports when the interval has passed. */
    public synchronized void advance(long n) {
        done += n;
        long now = nanoClock.getAsLong();
        if (now - lastReport >= intervalNanos) {
            lastReport = now;
            sink.accept(line(now));
        }
    }

    /** Reports the final line. */
    public synchronized void finish() {
        sink.accept(line(nanoClock.getAsLong()));
    }

    public synchronized long done() {
        return done;
    }

    synchronized String line(long now) {
        double seconds = (now - start) / 1e9;
        long fresh = done - resumed;
        double rate = seconds > 0 ? fresh / seconds : 0;
        StringBuilder sb = new StringBuilder();
        sb.append(task).append(": ").append(done).append('/').append(total).append(' ').append(unit);
        if (total > 0) {
            sb.append(String.format(Locale.ROOT, " (%.1f%%)", 100.0 * done / total));
        }
        sb.append(String.format(Locale.ROOT, ", %.1f %s/s", rate, unit));
        if (done >= total) {
            sb.append(", done in ").append(duration(seconds));
        } else if (rate > 0) {
            sb.append(", ETA ").append(duration((total - done) / rate));
        } else {
            sb.append(", ETA unknown");
        }
        return sb.toString();
    }

    /** e.g. 45s, 4m35s, 2h05m. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
