package org.deepguard.detect;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web API in-process: a real server on a free localhost port, real HTTP, a tiny untrained model. */
class DetectServerTest {
    @TempDir
    static Path dir;
    static ModelBundle bundle;
    static Detector detector;
    static DetectServer server;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final BufferedImage IMAGE = TestImages.texture(40, 1);

    /** Stands in for the heatmap engine: a 3x2 image, so the test can tell it came back intact. */
    static final DetectServer.OverlayRenderer STUB_OVERLAY = (rgb, prediction) -> new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);

    @BeforeAll
    static void setUp() throws Exception {
        bundle = TinyModels.tinyBundle(dir.resolve("model"), 32, 1);
        detector = new Detector(bundle);
        server = new DetectServer(detector, STUB_OVERLAY, new DetectServer.Settings(1 << 20, 1_000_000, 1))
                .start("127.0.0.1", 0);
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    record Reply(int status, JsonNode body) {}

    static URI uri(DetectServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    static Reply post(DetectServer s, String path, String field, String filename, byte[] content) throws Exception {
        String boundary = "----deepguardtest" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                + filename + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(uri(s, path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals("application/json", res.headers().firstValue("Content-Type").orElse("").split(";")[0], res.body());
        return new Reply(res.statusCode(), Json.MAPPER.readTree(res.body()));
    }

    static Reply post(String path, byte[] content) throws Exception {
        return post(server, path, "image", "face.png", content);
    }

    static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void pngGetsTheVerdictOfTheDetectorWithTheDocumentedFields() throws Exception {
        Reply r = post("/api/detect", png(IMAGE));
        assertEquals(200, r.status(), r.body().toString());
        JsonNode o = r.body();
        Prediction expected = detector.predict(IMAGE);
        assertEquals(expected.pFake(), o.get("p_fake").asDouble(), 1e-6);
        assertEquals(expected.verdict().label(), o.get("label").asText());
        assertEquals(bundle.metadata().threshold, o.get("threshold").asDouble(), 1e-9);
        assertEquals(bundle.metadata().modelId, o.get("model_id").asText());
        assertEquals(40, o.get("width").asInt());
        assertEquals(40, o.get("height").asInt());
        assertTrue(o.get("ms").asDouble() >= 0, o.toString());
        assertFalse(o.has("overlay"), "overlay only on request: " + o);
    }

    @Test
    void overlayComesBackAsAPngDataUriWhenAskedFor() throws Exception {
        Reply r = post("/api/detect?overlay=true", png(IMAGE));
        assertEquals(200, r.status(), r.body().toString());
        String uri = r.body().get("overlay").asText();
        String prefix = "data:image/png;base64,";
        assertTrue(uri.startsWith(prefix), uri);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(uri.substring(prefix.length()))));
        assertEquals(3, img.getWidth());
        assertEquals(2, img.getHeight());
    }

    @Test
    void realGradCamPlusPlusOverlayIsDrawnAtTheModelInputSize() throws Exception {
        try (DetectServer real = new DetectServer(detector, GradCamOverlay.forBundle(bundle),
                new DetectServer.Settings(1 << 20, 1_000_000, 1)).start("127.0.0.1", 0)) {
            Reply r = post(real, "/api/detect?overlay=1", "image", "face.png", png(IMAGE));
            assertEquals(200, r.status(), r.body().toString());
            String uri = r.body().get("overlay").asText();
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(
                    Base64.getDecoder().decode(uri.substring(uri.indexOf(',') + 1))));
            assertEquals(32, img.getWidth());
            assertEquals(32, img.getHeight());
        }
    }

    @Test
    void theWholeScoreIsExplainedOnlyWhenAskedFor() throws Exception {
        try (DetectServer real = new DetectServer(detector, GradCamOverlay.forDetector(detector),
                new DetectServer.Settings(1 << 20, 1_000_000, 1)).start("127.0.0.1", 0)) {
            Reply plain = post(real, "/api/detect?overlay=1", "image", "face.png", png(IMAGE));
            assertFalse(plain.body().has("explanation"), "explanations cost ~70 scores: only on request");
            Reply r = post(real, "/api/detect?overlay=1&explain=true", "image", "face.png", png(IMAGE));
            assertEquals(200, r.status(), r.body().toString());
            JsonNode e = r.body().get("explanation");
            assertEquals("occlusion", e.get("method").asText());
            assertEquals(50 + 22, e.get("evaluations").asInt());
            BufferedImage map = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                    e.get("overlay").asText().substring(e.get("overlay").asText().indexOf(',') + 1))));
            assertEquals(40, map.getWidth(), "the whole-score map covers the uploaded image, not the model input");
            assertTrue(e.get("contributions_chart").asText().startsWith("data:image/png;base64,"));
            assertEquals(r.body().get("p_fake").asDouble(), e.get("faithfulness").get("deletion_curve").get(0)
                    .asDouble(), 1e-5);
            assertEquals(detector.predict(IMAGE).logOdds(), e.get("contributions").get("log_odds").asDouble(), 1e-6);
        }
    }

    @Test
    void videoUploadGetsAVerdictAndAStripOfScoredFrames() throws Exception {
        Path clip = org.deepguard.core.testing.TestVideos.pngAvi(dir.resolve("clip.avi"), 12, 4.0,
                k -> TestImages.texture(32, 200 + k));
        Reply r = post(server, "/api/detect-video", "video", "clip.avi", Files.readAllBytes(clip));
        assertEquals(200, r.status(), r.body().toString());
        assertEquals(DetectServer.VIDEO_FRAMES, r.body().get("frames").size());
        double meanLogOdds = 0;
        for (JsonNode f : r.body().get("frames")) {
            assertTrue(f.get("thumbnail").asText().startsWith("data:image/png;base64,"));
            double p = f.get("p_fake").asDouble();
            meanLogOdds += Math.log(p / (1 - p)) / DetectServer.VIDEO_FRAMES;
        }
        // the verdict is the calibrated mean of the frame log-odds (temperature 1 in the tiny bundle)
        assertEquals(1 / (1 + Math.exp(-meanLogOdds)), r.body().get("p_fake").asDouble(), 1e-4);
        assertEquals(3.0, r.body().get("duration_s").asDouble(), 0.01);
        try (var tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(tmp.noneMatch(p -> p.getFileName().toString().startsWith("deepguard-upload-")),
                    "uploaded videos are deleted after scoring");
        }

        Reply text = post(server, "/api/detect-video", "video", "notes.mp4", "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(415, text.status(), text.body().toString());
        assertEquals("not_a_video", text.body().get("error").asText());
        assertTrue(text.body().get("message").asText().startsWith("notes.mp4"), text.body().toString());
    }

    @Test
    void textNamedPngIsRefusedByContentNotByName() throws Exception {
        byte[] text = Files.readAllBytes(TestImages.textNamedPng(dir.resolve("text.png")));
        Reply r = post("/api/detect", text);
        assertEquals(415, r.status());
        assertEquals("not_an_image", r.body().get("error").asText());
        assertTrue(r.body().get("message").asText().startsWith("face.png: "), r.body().toString());
    }

    @Test
    void truncatedAndEmptyUploadsAreUnprocessable() throws Exception {
        byte[] cut = Files.readAllBytes(TestImages.truncatedPng(dir.resolve("cut.png"), 64));
        Reply r = post("/api/detect", cut);
        assertEquals(422, r.status(), r.body().toString());
        assertEquals("truncated", r.body().get("error").asText());
        Reply empty = post("/api/detect", new byte[0]);
        assertEquals(422, empty.status(), empty.body().toString());
        assertEquals("zero_byte", empty.body().get("error").asText());
    }

    @Test
    void missingFieldIsABadRequest() throws Exception {
        Reply r = post(server, "/api/detect", "picture", "face.png", png(IMAGE));
        assertEquals(400, r.status());
        assertEquals("missing_field", r.body().get("error").asText());
    }

    @Test
    void uploadsOverTheByteOrPixelLimitGet413() throws Exception {
        byte[] big = png(TestImages.texture(64, 2));
        int limit = 4096;
        assertTrue(big.length > limit, "fixture must exceed the limit: " + big.length);
        try (DetectServer small = new DetectServer(detector, null, new DetectServer.Settings(limit, 1_000_000, 1))
                .start("127.0.0.1", 0)) {
            Reply r = post(small, "/api/detect", "image", "big.png", big);
            assertEquals(413, r.status(), r.body().toString());
            assertEquals("too_large", r.body().get("error").asText());
            // Far over the limit: refused from the declared length, before the body is parsed.
            Reply huge = post(small, "/api/detect", "image", "huge.png", new byte[200_000]);
            assertEquals(413, huge.status(), huge.body().toString());
            assertEquals("too_large", huge.body().get("error").asText());
        }
        try (DetectServer fewPixels = new DetectServer(detector, null, new DetectServer.Settings(1 << 20, 1599, 1))
                .start("127.0.0.1", 0)) {
            Reply r = post(fewPixels, "/api/detect", "image", "40x40.png", png(IMAGE)); // 1600 pixels
            assertEquals(413, r.status(), r.body().toString());
            assertEquals("too_large", r.body().get("error").asText());
            assertTrue(r.body().get("message").asText().contains("40x40 > 1599 pixels"), r.body().toString());
        }
    }

    @Test
    void healthAndPage() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri(server, "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        JsonNode o = Json.MAPPER.readTree(health.body());
        assertEquals("ok", o.get("status").asText());
        assertEquals(bundle.metadata().modelId, o.get("model_id").asText());
        assertTrue(o.get("overlay").asBoolean());
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(uri(server, "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("id=\"file\"") && page.body().contains("api/detect"), page.body());
    }

    @Test
    void serveSubcommandStartsOnAFreePortAndStopsCleanly() throws Exception {
        DetectCommand detect = new DetectCommand();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Cli.commandLine(detect, new PrintWriter(out, true), new PrintWriter(err, true));
        ServeCommand serve = cl.getSubcommands().get("serve").getCommand();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> cl.execute(
                "serve", "--model", dir.resolve("model").toString(), "--port", "0", "--no-overlay", "-q"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (serve.server == null && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertNotNull(serve.server, "server did not start: " + err);
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri(serve.server, "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertFalse(Json.MAPPER.readTree(health.body()).get("overlay").asBoolean(), "--no-overlay");
        int port = serve.server.port();
        serve.stop.countDown();
        assertEquals(ExitCode.OK, run.get(30, TimeUnit.SECONDS), err.toString());
        assertTrue(out.toString().contains("http://127.0.0.1:" + port + "/"), out.toString());
    }

    @Test
    void serveRefusesBadOptionsAndMissingModels() {
        StringWriter err = new StringWriter();
        assertEquals(ExitCode.USAGE, Cli.execute(new DetectCommand(), new String[] {"serve", "-m",
                dir.resolve("model").toString(), "--port", "70000"}, new PrintWriter(new StringWriter()), new PrintWriter(err)));
        assertEquals(ExitCode.MODEL, Cli.execute(new DetectCommand(), new String[] {"serve", "-m",
                dir.resolve("nope").toString(), "--port", "0"}, new PrintWriter(new StringWriter()), new PrintWriter(err)));
    }
}
