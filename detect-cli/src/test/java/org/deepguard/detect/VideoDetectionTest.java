package org.deepguard.detect;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.io.Json;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TestVideos;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VideoDetectionTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path stillPng;
    static Path stillAvi;
    static Path moving;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyModels.tinyBundle(dir.resolve("model"), 32, 1).directory();
        BufferedImage still = TestImages.texture(36, 4);
        stillPng = TestImages.png(dir.resolve("still.png"), still);
        stillAvi = TestVideos.pngAvi(dir.resolve("videos/still.avi"), 6, 10, i -> still);
        moving = TestVideos.mp4(dir.resolve("videos/sub/moving.mp4"), 10, 25, i -> TestImages.texture(32, 20 + i));
    }

    record Run(int code, String out, String err) {
        List<JsonNode> json() {
            return out.lines().map(l -> {
                try {
                    return Json.MAPPER.readTree(l);
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            }).toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new DetectCommand(), args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aLosslessStillVideoScoresLikeTheImage() {
        Run image = run("-m", model.toString(), "--image", stillPng.toString(), "--json");
        Run video = run("-m", model.toString(), "--video", stillAvi.toString(), "--json", "--every", "1");
        assertEquals(ExitCode.OK, video.code(), video.err());
        double pImage = image.json().get(0).get("p_fake").asDouble();
        JsonNode v = video.json().get(0);
        assertEquals(pImage, v.get("p_fake").asDouble(), 1e-5);
        assertEquals(image.json().get(0).get("label").asText(), v.get("label").asText());
        assertEquals(6, v.get("frames").size());
        for (JsonNode f : v.get("frames")) {
            assertEquals(pImage, f.get("p_fake").asDouble(), 1e-5);
        }
    }

    @Test
    void jsonCarriesFramesWithTimestampsAndTheAggregate() {
        Run r = run("-m", model.toString(), "--video", moving.toString(), "--json", "--frames", "5",
                "--aggregate", "topk-mean", "--topk", "2");
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode o = r.json().get(0);
        for (String field : List.of("path", "type", "label", "p_fake", "threshold", "rule", "score",
                "frames_scored", "frames_decoded", "sampling", "duration_s", "fps", "model_id", "frames")) {
            assertTrue(o.has(field), field + " in " + o);
        }
        assertEquals("topk-mean(k=2)", o.get("rule").asText());
        assertEquals(5, o.get("frames_scored").asInt());
        assertEquals(10, o.get("frames_decoded").asInt());
        long[] expected = {1, 3, 5, 7, 9};
        for (int j = 0; j < expected.length; j++) {
            JsonNode f = o.get("frames").get(j);
            assertEquals(expected[j], f.get("index").asLong());
            assertEquals(expected[j] * 0.04, f.get("t").asDouble(), 1e-6);
        }
        Run text = run("-m", model.toString(), "--video", moving.toString(), "--every", "5");
        assertTrue(text.out().matches("(?s)(Real|Fake|Uncertain)\\s+p_fake=0\\.\\d{4}\\s+.*moving\\.mp4\\s+"
                + "\\[mean-logit, 2 of 10 frames]\\s*"), text.out());
    }

    @Test
    void badVideosGiveOneLineErrorsAndTheBatchContinues() throws Exception {
        Path cut = TestVideos.firstHalf(moving, dir.resolve("bad/cut.mp4"));
        Path text = Files.writeString(dir.resolve("bad/notes.mp4"), "just text\n");
        Run r = run("-m", model.toString(), "--json", "--video", cut.toString(), "--video", stillAvi.toString(),
                "--video", text.toString(), "--video", dir.resolve("bad/missing.mkv").toString());
        assertEquals(ExitCode.PARTIAL, r.code(), r.err());
        List<JsonNode> lines = r.json();
        assertEquals(4, lines.size(), r.out());
        assertEquals("truncated_video", lines.get(0).get("error").asText());
        assertTrue(lines.get(1).has("p_fake"));
        assertEquals("not_a_video", lines.get(2).get("error").asText());
        assertEquals("missing", lines.get(3).get("error").asText());
        assertEquals(3, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: " + cut + ": video data is truncated"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void foldersPickVideosAndFramesOutWritesTheMostSuspicious() throws Exception {
        Files.writeString(dir.resolve("videos/readme.txt"), "ignored");
        Path frames = dir.resolve("suspicious");
        Run r = run("-m", model.toString(), "--video", dir.resolve("videos").toString(), "--json", "--every", "2",
                "--frames-out", frames.toString(), "--frames-out-count", "2");
        assertEquals(ExitCode.OK, r.code(), r.err());
        assertEquals(2, r.json().size(), r.out());
        try (Stream<Path> files = Files.list(frames)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            // each frame, its Grad-CAM++ overlay, its whole-score map, its contributions chart and their numbers
            assertEquals(20, names.size(), names.toString());
            assertTrue(names.stream().allMatch(n -> n.matches("(still\\.avi|moving\\.mp4)_f\\d{6}_p0\\.\\d{4}"
                    + "((_gradcam|_score|_contributions)?\\.png|_explain\\.json)")), names.toString());
            assertEquals(4, names.stream().filter(n -> n.endsWith("_gradcam.png")).count());
            assertEquals(4, names.stream().filter(n -> n.endsWith("_score.png")).count());
            for (String n : names.stream().filter(n -> n.endsWith("_explain.json")).toList()) {
                JsonNode e = Json.MAPPER.readTree(frames.resolve(n).toFile());
                assertTrue(e.get("faithfulness").has("deletion_auc"), n);
                assertEquals(e.get("contributions").get("log_odds").asDouble(),
                        e.get("contributions").get("network_share").asDouble(), 1e-12, n); // no cue in this model
            }
        }
        // The moving video's top frame is its highest-scoring sampled frame.
        JsonNode mv = r.json().stream().filter(o -> o.get("path").asText().endsWith("moving.mp4")).findFirst()
                .orElseThrow();
        JsonNode best = null;
        for (JsonNode f : mv.get("frames")) {
            if (best == null || f.get("p_fake").asDouble() > best.get("p_fake").asDouble()) {
                best = f;
            }
        }
        assertTrue(Files.exists(frames.resolve(String.format(java.util.Locale.ROOT, "moving.mp4_f%06d_p%.4f.png",
                best.get("index").asLong(), best.get("p_fake").asDouble()))));
    }

    @Test
    void facesAreTrackedAndScored() throws Exception {
        Path face = TestVideos.pngAvi(dir.resolve("faces/face.avi"), 4, 10,
                i -> TestVideos.cartoonFace(128, 20 + 2 * i, 15, 60));
        Run r = run("-m", model.toString(), "--video", face.toString(), "--faces", "--every", "1", "--json");
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode o = r.json().get(0);
        assertEquals(1, o.get("tracks").size(), o.toString());
        JsonNode track = o.get("tracks").get(0);
        assertEquals(4, track.get("frames").asInt());
        assertEquals(0.3, track.get("to_s").asDouble(), 1e-9);
        assertEquals(track.get("p_fake").asDouble(), o.get("p_fake").asDouble(), 0);
        for (JsonNode f : o.get("frames")) {
            assertEquals(0, f.get("track").asInt());
            assertEquals(4, f.get("box").size());
        }
        Run none = run("-m", model.toString(), "--video", stillAvi.toString(), "--faces", "--json");
        assertEquals(ExitCode.PARTIAL, none.code());
        assertEquals("no_face", none.json().get(0).get("error").asText());
    }

    @Test
    void usageErrors() {
        assertEquals(ExitCode.USAGE, run("-m", model.toString(), "--video", stillAvi.toString(), "--every", "2",
                "--fps", "3").code());
        assertEquals(ExitCode.USAGE, run("-m", model.toString(), "--video", stillAvi.toString(), "--aggregate",
                "median").code());
        assertEquals(ExitCode.USAGE, run("-m", model.toString(), "--video", stillAvi.toString(), "--fps", "0").code());
        Run help = run("--help");
        assertTrue(help.out().contains("--video") && help.out().contains("--aggregate"), help.out());
    }
}
