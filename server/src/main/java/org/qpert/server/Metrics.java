package org.qpert.server;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.IntSupplier;

/**
 * Request counts by route, method and status, and latency histograms by route, in the Prometheus text format (0.0.4).
 * Routes are the fixed names of the API (unknown paths count as "other"), so the label sets stay bounded.
 */
final class Metrics {
    /** Upper bounds of the latency buckets in seconds: 1 ms to 60 s. */
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();

    private static final class Histogram {
        final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length + 1);
        final DoubleAdder sum = new DoubleAdder();
        final AtomicLong count = new AtomicLong();

        void observe(double seconds) {
            int b = 0;
            while (b < BUCKETS.length && seconds > BUCKETS[b]) {
                b++;
            }
            counts.incrementAndGet(b);
            sum.add(seconds);
            count.incrementAndGet();
        }
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(String route, String method, int status, long nanos) {
        inFlight.decrementAndGet();
        requests.computeIfAbsent(route + "\u0000" + method + "\u0000" + status, k -> new AtomicLong())
                .incrementAndGet();
        latency.computeIfAbsent(route, k -> new Histogram()).observe(nanos / 1e9);
    }

    String prometheus(IntSupplier galleryImages) {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP qpert_http_requests_total HTTP requests by route, method and status.\n")
                .append("# TYPE qpert_http_requests_total counter\n");
        new java.util.TreeMap<>(requests).forEach((k, v) -> {
            String[] p = k.split("\u0000");
            sb.append("qpert_http_requests_total{route=\"").append(p[0]).append("\",method=\"").append(p[1])
                    .append("\",status=\"").append(p[2]).append("\"} ").append(v.get()).append('\n');
        });
        sb.append("# HELP qpert_http_request_duration_seconds Time from request to response by route.\n")
                .append("# TYPE qpert_http_request_duration_seconds histogram\n");
        new java.util.TreeMap<>(latency).forEach((route, h) -> {
            long cumulative = 0;
            for (int b = 0; b <= BUCKETS.length; b++) {
                cumulative += h.counts.get(b);
                String le = b < BUCKETS.length ? format(BUCKETS[b]) : "+Inf";
                sb.append("qpert_http_request_duration_seconds_bucket{route=\"").append(route).append("\",le=\"")
                        .append(le).append("\"} ").append(cumulative).append('\n');
            }
            sb.append("qpert_http_request_duration_seconds_sum{route=\"").append(route).append("\"} ")
                    .append(format(h.sum.sum())).append('\n');
            sb.append("qpert_http_request_duration_seconds_count{route=\"").append(route).append("\"} ")
                    .append(h.count.get()).append('\n');
        });
        sb.append("# HELP qpert_http_requests_in_flight Requests being handled now.\n")
                .append("# TYPE qpert_http_requests_in_flight gauge\n")
                .append("qpert_http_requests_in_flight ").append(inFlight.get()).append('\n');
        sb.append("# HELP qpert_gallery_images Images in the store being served.\n")
                .append("# TYPE qpert_gallery_images gauge\n")
                .append("qpert_gallery_images ").append(galleryImages.getAsInt()).append('\n');
        return sb.toString();
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
