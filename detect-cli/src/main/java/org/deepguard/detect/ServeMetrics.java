package org.deepguard.detect;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The server's counters in the Prometheus text exposition format (version 0.0.4), written by hand: a handful of
 * counters, gauges and two histograms do not justify a metrics library. Names follow Prometheus conventions
 * (base units, {@code _total} for counters, cumulative {@code _bucket{le=...}} plus {@code _sum} and {@code _count}).
 */
final class ServeMetrics {
    /** Request latency buckets in seconds, from a cached small image to a slow video. */
    static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    /** Batch size buckets. */
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64};

    /** A fixed-bucket histogram; {@code synchronized} because a scrape must see counts and sum agree. */
    static final class Histogram {
        private final double[] bounds;
        private final long[] counts; // per bucket, not cumulative; the last one is +Inf
        private double sum;
        private long count;

        Histogram(double[] bounds) {
            this.bounds = bounds.clone();
            this.counts = new long[bounds.length + 1];
        }

        synchronized void observe(double v) {
            int i = 0;
            while (i < bounds.length && v > bounds[i]) {
                i++;
            }
            counts[i]++;
            sum += v;
            count++;
        }

        synchronized void write(StringBuilder out, String name) {
            long cumulative = 0;
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += counts[i];
                String le = i < bounds.length ? number(bounds[i]) : "+Inf";
                out.append(name).append("_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
            }
            out.append(name).append("_sum ").append(number(sum)).append('\n');
            out.append(name).append("_count ").append(count).append('\n');
        }

        synchronized long count() {
            return count;
        }
    }

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>(); // "endpoint\0outcome"
    private final Histogram latency = new Histogram(LATENCY_BUCKETS);
    private final Histogram batchSizes = new Histogram(BATCH_BUCKETS);
    private final LongAdder expired = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final IntSupplier queueDepth;
    private final int queueCapacity;

    ServeMetrics(IntSupplier queueDepth, int queueCapacity) {
        this.queueDepth = queueDepth;
        this.queueCapacity = queueCapacity;
    }

    void request(String endpoint, String outcome, double seconds) {
        requests.computeIfAbsent(endpoint + '\0' + outcome, k -> new LongAdder()).increment();
        latency.observe(seconds);
    }

    void batch(int size) {
        batchSizes.observe(size);
    }

    void expired() {
        expired.increment();
    }

    void enter() {
        inFlight.increment();
    }

    void leave() {
        inFlight.decrement();
    }

    long requests(String endpoint, String outcome) {
        LongAdder a = requests.get(endpoint + '\0' + outcome);
        return a == null ? 0 : a.sum();
    }

    /** The exposition text, {@code text/plain; version=0.0.4}. */
    String scrape() {
        StringBuilder out = new StringBuilder(2048);
        header(out, "deepguard_requests_total", "counter", "Upload requests answered, by endpoint and outcome.");
        Map<String, Long> sorted = new TreeMap<>();
        requests.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> {
            String[] parts = k.split("\0", 2);
            out.append("deepguard_requests_total{endpoint=\"").append(label(parts[0])).append("\",outcome=\"")
                    .append(label(parts[1])).append("\"} ").append(v).append('\n');
        });
        header(out, "deepguard_request_duration_seconds", "histogram",
                "Time from admitting an upload to its answer.");
        latency.write(out, "deepguard_request_duration_seconds");
        header(out, "deepguard_queue_depth", "gauge", "Requests waiting for the batching worker.");
        out.append("deepguard_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        header(out, "deepguard_queue_capacity", "gauge", "Requests that may wait before new ones get 503.");
        out.append("deepguard_queue_capacity ").append(queueCapacity).append('\n');
        header(out, "deepguard_requests_in_flight", "gauge", "Upload requests being handled now.");
        out.append("deepguard_requests_in_flight ").append(inFlight.sum()).append('\n');
        header(out, "deepguard_queue_expired_total", "counter", "Requests whose deadline passed while queued.");
        out.append("deepguard_queue_expired_total ").append(expired.sum()).append('\n');
        header(out, "deepguard_batch_size", "histogram", "Items per forward pass of the batching worker.");
        batchSizes.write(out, "deepguard_batch_size");
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
