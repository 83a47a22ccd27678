package org.deepguard.detect;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The server under load, in-process on a free localhost port: the batching worker is paused so that requests pile up
 * in the queue exactly as they would behind a slow forward pass, then released.
 */
class DetectServerQueueTest {
    @TempDir
    static Path dir;
    static ModelBundle bundle;
    static Detector detector;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void setUp() throws Exception {
        bundle = TinyModels.tinyBundle(dir.resolve("model"), 32, 1);
        detector = new Detector(bundle);
    }

    static DetectServer start(int queueSize, long deadlineMs, int maxBatch) {
        return new DetectServer(detector, null, new DetectServer.Settings(1 << 20, 1_000_000, 2, queueSize,
                deadlineMs, maxBatch, 0)).start("127.0.0.1", 0);
    }

    static HttpRequest upload(DetectServer s, String filename, byte[] content) {
        String boundary = "----deepguardqueue" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\""
                + filename + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/detect"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofSeconds(60)).build();
    }

    static HttpResponse<String> post(DetectServer s, String filename, byte[] content) throws Exception {
        return HTTP.send(upload(s, filename, content), HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> postAsync(DetectServer s, byte[] content) {
        return HTTP.sendAsync(upload(s, "face.png", content), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    static byte[] png(long seed) throws Exception {
        return Files.readAllBytes(TestImages.png(dir.resolve("img" + seed + ".png"), TestImages.texture(40, seed)));
    }

    static String metrics(DetectServer s) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        return r.body();
    }

    @Test
    void fullQueueAnswers503WithRetryAfterAndTheQueuedOnesAreStillScored() throws Exception {
        try (DetectServer s = start(2, 60_000, 8)) {
            s.queue().pause();
            List<CompletableFuture<HttpResponse<String>>> queued = List.of(postAsync(s, png(1)), postAsync(s, png(2)));
            waitFor("two queued uploads", () -> s.queue().depth() == 2);
            HttpResponse<String> refused = post(s, "third.png", png(3));
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("queue_full", json(refused).get("error").asText());
            assertTrue(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            s.queue().resume();
            for (var f : queued) {
                assertEquals(200, f.get(60, TimeUnit.SECONDS).statusCode());
            }
            assertEquals(1, s.metrics().requests("image", "queue_full"));
            assertEquals(2, s.metrics().requests("image", "ok"));
        }
    }

    @Test
    void uploadWaitingPastItsDeadlineIsTakenOutAndAnswered503() throws Exception {
        try (DetectServer s = start(4, 300, 8)) {
            s.queue().pause();
            HttpResponse<String> late = post(s, "late.png", png(4));
            assertEquals(503, late.statusCode(), late.body());
            assertEquals("deadline", json(late).get("error").asText());
            assertTrue(late.headers().firstValue("Retry-After").isPresent());
            assertEquals(0, s.queue().depth(), "the expired upload left the queue");
            s.queue().resume();
            assertEquals(200, post(s, "next.png", png(5)).statusCode());
            assertTrue(metrics(s).contains("deepguard_queue_expired_total 1\n"));
        }
    }

    @Test
    void queuedUploadsAreScoredInOneForwardPassWithTheSingleImageScores() throws Exception {
        try (DetectServer s = start(16, 60_000, 8)) {
            s.queue().pause();
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            List<BufferedImage> images = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                images.add(TestImages.texture(40, 10 + i));
                replies.add(postAsync(s, png(10 + i)));
            }
            waitFor("five queued uploads", () -> s.queue().depth() == 5);
            s.queue().resume();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = replies.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                double single = detector.predict(images.get(i)).pFake();
                assertEquals(single, json(r).get("p_fake").asDouble(), 1e-6, "image " + i);
            }
            Map<String, Double> m = parsePrometheus(metrics(s));
            assertEquals(1.0, m.get("deepguard_batch_size_count"), "one forward pass for the five");
            assertEquals(5.0, m.get("deepguard_batch_size_sum"));
            assertEquals(0.0, m.get("deepguard_batch_size_bucket{le=\"4\"}"));
            assertEquals(1.0, m.get("deepguard_batch_size_bucket{le=\"8\"}"));
        }
    }

    @Test
    void badUploadsGetTheir4xxAtOnceWithoutTakingAQueuePlace() throws Exception {
        try (DetectServer s = start(1, 60_000, 8)) {
            s.queue().pause();
            CompletableFuture<HttpResponse<String>> queued = postAsync(s, png(20));
            waitFor("the queue to fill", () -> s.queue().depth() == 1);
            byte[] text = Files.readAllBytes(TestImages.textNamedPng(dir.resolve("text.png")));
            HttpResponse<String> notImage = post(s, "text.png", text);
            assertEquals(415, notImage.statusCode(), notImage.body());
            assertEquals("not_an_image", json(notImage).get("error").asText());
            byte[] cut = Files.readAllBytes(TestImages.truncatedPng(dir.resolve("cut.png"), 64));
            HttpResponse<String> truncated = post(s, "cut.png", cut);
            assertEquals(422, truncated.statusCode(), truncated.body());
            HttpResponse<String> empty = post(s, "empty.png", new byte[0]);
            assertEquals(422, empty.statusCode(), empty.body());
            assertEquals(1, s.queue().depth(), "bad files never entered the queue");
            assertEquals(1.0, parsePrometheus(metrics(s)).get("deepguard_queue_depth"));
            // the queue really was full: a good upload now is refused
            assertEquals(503, post(s, "good.png", png(21)).statusCode());
            s.queue().resume();
            assertEquals(200, queued.get(60, TimeUnit.SECONDS).statusCode());
            assertEquals(3, s.metrics().requests("image", "client_error"));
        }
    }

    @Test
    void metricsAreValidPrometheusText() throws Exception {
        try (DetectServer s = start(8, 60_000, 8)) {
            assertEquals(200, post(s, "a.png", png(30)).statusCode());
            assertEquals(200, post(s, "b.png", png(31)).statusCode());
            assertEquals(415, post(s, "c.png", "not an image".getBytes(StandardCharsets.UTF_8)).statusCode());
            String text = metrics(s);
            Map<String, Double> m = parsePrometheus(text);
            assertEquals(2.0, m.get("deepguard_requests_total{endpoint=\"image\",outcome=\"ok\"}"));
            assertEquals(1.0, m.get("deepguard_requests_total{endpoint=\"image\",outcome=\"client_error\"}"));
            assertEquals(3.0, m.get("deepguard_request_duration_seconds_count"));
            assertEquals(0.0, m.get("deepguard_queue_depth"));
            assertEquals(8.0, m.get("deepguard_queue_capacity"));
            assertEquals(2.0, m.get("deepguard_batch_size_sum"));
            for (String family : List.of("deepguard_requests_total counter", "deepguard_request_duration_seconds histogram",
                    "deepguard_queue_depth gauge", "deepguard_batch_size histogram")) {
                assertTrue(text.contains("# TYPE " + family + "\n"), family);
            }
        }
    }

    @Test
    void closeRefusesNewUploadsAndAnswersEveryQueuedOne() throws Exception {
        DetectServer s = start(8, 60_000, 2);
        int port = s.port();
        s.queue().pause();
        List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(postAsync(s, png(40 + i)));
        }
        waitFor("three queued uploads", () -> s.queue().depth() == 3);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
        waitFor("the server to start stopping", () -> {
            try {
                return json(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .build(), HttpResponse.BodyHandlers.ofString())).get("stopping").asBoolean();
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> late = post(s, "late.png", png(43));
        assertEquals(503, late.statusCode(), late.body());
        assertEquals("shutting_down", json(late).get("error").asText());
        assertFalse(closing.isDone(), "close waits for the queued uploads");
        s.queue().resume();
        closing.get(60, TimeUnit.SECONDS);
        for (var f : queued) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(json(r).has("p_fake"));
        }
        assertThrows(ConnectException.class, () -> HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*\\})? "
                    + "(-?[0-9.eE+-]+|\\+Inf|-Inf|NaN)");

    /**
     * A small reader of the Prometheus text format: every line is a HELP/TYPE comment or a sample; every sample
     * belongs to a declared family (histograms as _bucket/_sum/_count); buckets are cumulative and end in +Inf
     * equal to _count. Returns each sample's value keyed by its name and labels as written.
     */
    static Map<String, Double> parsePrometheus(String text) {
        assertTrue(text.endsWith("\n"), "the exposition ends with a newline");
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new HashMap<>();
        Map<String, Double> lastBucket = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                assertTrue(line.split(" ", 4).length == 4, line);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertEquals(4, p.length, line);
                assertTrue(List.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[3]), line);
                assertFalse(types.containsKey(p[2]), "one TYPE per family: " + line);
                types.put(p[2], p[3]);
                continue;
            }
            Matcher mt = SAMPLE.matcher(line);
            assertTrue(mt.matches(), "not a sample line: '" + line + "'");
            String name = mt.group(1);
            double value = Double.parseDouble(mt.group(3).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
            String family = name.replaceAll("_(bucket|sum|count)$", "");
            String type = types.containsKey(name) ? types.get(name) : types.get(family);
            assertTrue(type != null, "sample before its TYPE: " + line);
            if (!name.equals(family) && types.containsKey(family)) {
                assertEquals("histogram", types.get(family), line);
            }
            if (type.equals("counter") || name.endsWith("_bucket") || name.endsWith("_count")) {
                assertTrue(value >= 0, line);
            }
            if (name.endsWith("_bucket")) {
                assertTrue(mt.group(2) != null && mt.group(2).contains("le=\""), line);
                Double before = lastBucket.get(family);
                assertTrue(before == null || value >= before, "buckets are cumulative: " + line);
                lastBucket.put(family, value);
            }
            assertFalse(samples.containsKey(name + (mt.group(2) == null ? "" : mt.group(2))), "duplicate " + line);
            samples.put(name + (mt.group(2) == null ? "" : mt.group(2)), value);
        }
        types.forEach((family, type) -> {
            if (type.equals("histogram")) {
                assertEquals(samples.get(family + "_count"), samples.get(family + "_bucket{le=\"+Inf\"}"),
                        family + ": the +Inf bucket counts every observation");
            }
        });
        return samples;
    }
}
