package org.deepguard.gradcam;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.explain.ExplainTestSupport;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gradcam command in-process: files written, JSON content, exit codes. */
class GradcamCommandTest {
    static final int SIZE = 32;

    @TempDir
    static Path tmp;
    static Path model;
    static Path good;

    @BeforeAll
    static void setUp() throws Exception {
        NetworkConfig config = ExplainTestSupport.tinyConfig(SIZE, 3);
        model = tmp.resolve("model");
        ExplainTestSupport.bundle(model, config, ExplainTestSupport.tinyNetwork(config, DataType.FLOAT, 4));
        good = TestImages.png(tmp.resolve("in/face.png"), TestImages.texture(40, 1));
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new GradcamCommand(), args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writesOverlayHeatmapAndJsonForOneImage() throws Exception {
        Path out = tmp.resolve("one");
        Run r = run("--model", model.toString(), "--image", good.toString(), "-o", out.toString(), "-q");
        assertEquals(ExitCode.OK, r.code(), r.err());
        BufferedImage overlay = ImageIO.read(out.resolve("face_gradcam.png").toFile());
        BufferedImage heat = ImageIO.read(out.resolve("face_heatmap.png").toFile());
        assertEquals(SIZE, overlay.getWidth());
        assertEquals(SIZE, heat.getHeight());
        JsonNode j = Json.MAPPER.readTree(out.resolve("face.json").toFile());
        assertEquals("cnn2_relu", j.get("layer").asText());
        assertEquals("gradcampp", j.get("method").asText());
        assertEquals(16, j.get("map_size").get(0).asInt());
        assertEquals(16, j.get("map_size").get(1).asInt());
        double p = j.get("p_fake").asDouble();
        assertTrue(p > 0 && p < 1);
        assertEquals(p >= 0.5 ? "fake" : "real", j.get("class").asText(), "default class is the predicted one");
        assertEquals(11, j.get("faithfulness").get("deletion_curve").size());
        assertEquals(p, j.get("faithfulness").get("deletion_curve").get(0).asDouble(), 1e-6,
                "the untouched image scores as the detector scores it");
        // Normalised to [0, 1] at map resolution; bilinear upsampling (half-pixel centres) keeps the peak near 1.
        int max = 0;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                max = Math.max(max, heat.getRaster().getSample(x, y, 0));
            }
        }
        assertTrue(max > 200, "max grey " + max);
    }

    @Test
    void methodClassAndJsonLinesAreHonoured() throws Exception {
        Path out = tmp.resolve("opts");
        Run r = run("--model", model.toString(), "--image", good.toString(), "-o", out.toString(), "--method",
                "gradcam", "--class", "real", "--alpha", "0.3", "--json", "--no-faithfulness", "-q");
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode line = Json.MAPPER.readTree(r.out().strip());
        assertEquals("real", line.get("class").asText());
        assertEquals("gradcam", line.get("method").asText());
        assertFalse(line.has("faithfulness"));
        assertTrue(Files.exists(out.resolve("face.json")));
    }

    @Test
    void batchSkipsBadImagesAndExitsPartial() throws Exception {
        Path dir = tmp.resolve("batch");
        TestImages.png(dir.resolve("a.png"), TestImages.texture(32, 2));
        TestImages.png(dir.resolve("sub/b.png"), TestImages.texture(48, 3));
        Path bad = TestImages.textNamedPng(dir.resolve("c.png"));
        Path out = tmp.resolve("batch-out");
        Run r = run("--model", model.toString(), "--image", dir.toString(), "--image", good.toString(), "-o",
                out.toString());
        assertEquals(ExitCode.PARTIAL, r.code(), r.err());
        List<String> errors = new ArrayList<>(r.err().lines().filter(l -> l.startsWith("error:")).toList());
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains(bad.toString()));
        for (String n : List.of("a", "b", "face")) {
            assertTrue(Files.exists(out.resolve(n + ".json")), n);
        }
        assertFalse(Files.exists(out.resolve("c.json")));
        assertTrue(Files.readString(bad).startsWith("this is not an image"), "input untouched");
    }

    @Test
    void onlyInputFailingExitsInput() {
        Run r = run("--model", model.toString(), "--image", tmp.resolve("missing.png").toString(), "-o",
                tmp.resolve("none").toString());
        assertEquals(ExitCode.INPUT, r.code(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("error:")).count(), r.err());
    }

    @Test
    void modelProblemsExitModel() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-a-model"));
        Run r = run("--model", empty.toString(), "--image", good.toString(), "-o", tmp.resolve("x").toString());
        assertEquals(ExitCode.MODEL, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void listsLayersWithTheDefaultMarked() {
        Run r = run("--model", model.toString(), "--list-layers");
        assertEquals(ExitCode.OK, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("cnn2_relu") && l.endsWith("(default)")), r.out());
        assertTrue(r.out().contains("cnn1_relu"));
        assertFalse(r.out().contains("cnn1_conv"), "folded convolutions are not offered");
    }

    @Test
    void usageErrors() {
        assertEquals(ExitCode.USAGE, run("--model", model.toString(), "--image", good.toString(), "-o",
                tmp.resolve("u").toString(), "--layer", "nope").code());
        assertEquals(ExitCode.USAGE, run("--model", model.toString(), "--image", good.toString(), "-o",
                tmp.resolve("u").toString(), "--method", "lime").code());
        assertEquals(ExitCode.USAGE, run("--model", model.toString(), "--image", good.toString()).code());
        assertEquals(ExitCode.USAGE, run("--model", model.toString(), "--image", good.toString(), "-o",
                tmp.resolve("u").toString(), "--alpha", "1.5").code());
    }

    @Test
    void sanityWritesRankCorrelations() throws Exception {
        Path out = tmp.resolve("sanity");
        Run r = run("--model", model.toString(), "--image", good.toString(), "-o", out.toString(), "--sanity",
                "--no-faithfulness", "-q");
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(out.resolve("sanity.json").toFile());
        // output, head_bn1 (element-wise), head_dense1, cnn2_conv, cnn1_conv: five weighted layers
        assertEquals(5, j.get("steps").size());
        assertEquals("output", j.get("steps").get(0).get("layer").asText());
    }

    @Test
    void helpShowsExamples() {
        Run r = run("--help");
        assertEquals(ExitCode.OK, r.code());
        assertTrue(r.out().contains("gradcam --model model --image face.png -o heatmaps"));
    }

    @Test
    void aPatchVotingModelGetsAWholeImageMapAndTheImageVerdict() throws Exception {
        Path patchModel = tmp.resolve("patch-model");
        org.deepguard.core.model.ModelBundle plain = org.deepguard.core.model.ModelBundle.load(model);
        org.deepguard.core.model.ModelMetadata meta = plain.metadata();
        meta.modelId = null;
        meta.preprocessing = meta.preprocessing.withResize(org.deepguard.core.preprocess.ResizePolicy.NATIVE_CROP)
                .withPatches(org.deepguard.core.preprocess.PatchVoting.meanOfLogits(3));
        org.deepguard.core.model.ModelBundle.save(patchModel, meta, plain.network());
        Path wide = TestImages.png(tmp.resolve("in/wide.png"), TestImages.texture(60, 2).getSubimage(0, 0, 60, 44));
        Path out = tmp.resolve("patches");
        Run r = run("--model", patchModel.toString(), "--image", wide.toString(), "-o", out.toString(), "-q");
        assertEquals(ExitCode.OK, r.code(), r.err());
        BufferedImage overlay = ImageIO.read(out.resolve("wide_gradcam.png").toFile());
        assertEquals(60, overlay.getWidth()); // the whole image, not one 32 px patch
        assertEquals(44, overlay.getHeight());
        JsonNode j = Json.MAPPER.readTree(out.resolve("wide.json").toFile());
        assertEquals(6, j.get("patches").asInt()); // offsets 0, 14, 28 across (span 28), 0 and 12 down (span 12)
        assertEquals(44, j.get("map_size").get(0).asInt());
        double expected = new org.deepguard.core.model.Detector(org.deepguard.core.model.ModelBundle.load(patchModel))
                .predict(wide).pFake();
        assertEquals(expected, j.get("p_fake").asDouble(), 1e-12); // the verdict detect reports for the image
    }

    /** Single view, patch voting, a patch-voting ensemble and a model fused with the spectral cue. */
    static java.util.Map<String, Path> modelKinds() throws Exception {
        java.util.Map<String, Path> kinds = new java.util.LinkedHashMap<>();
        kinds.put("single", model);
        org.deepguard.core.model.ModelBundle plain = org.deepguard.core.model.ModelBundle.load(model);
        org.deepguard.core.model.ModelMetadata meta = plain.metadata();
        meta.modelId = null;
        meta.preprocessing = meta.preprocessing.withResize(org.deepguard.core.preprocess.ResizePolicy.NATIVE_CROP)
                .withPatches(org.deepguard.core.preprocess.PatchVoting.meanOfLogits(2));
        Path patch = tmp.resolve("kind-patch");
        org.deepguard.core.model.ModelBundle.save(patch, meta, plain.network());
        kinds.put("patch", patch);
        Path ensemble = tmp.resolve("kind-ensemble");
        NetworkConfig config = ExplainTestSupport.tinyConfig(SIZE, 3);
        org.deepguard.core.model.ModelBundle.save(ensemble, meta, List.of(plain.network(),
                ExplainTestSupport.tinyNetwork(config, DataType.FLOAT, 8)));
        kinds.put("ensemble", ensemble);
        List<BufferedImage> images = new ArrayList<>();
        boolean[] fake = new boolean[8];
        for (int i = 0; i < 8; i++) {
            images.add(TestImages.texture(40, 10 + i));
            fake[i] = i % 2 == 0;
        }
        org.deepguard.core.model.ModelMetadata cueMeta = org.deepguard.core.model.ModelBundle.load(model).metadata();
        cueMeta.modelId = null;
        cueMeta.spectral = org.deepguard.core.spectral.SpectralClassifier.fit(images, fake,
                new org.deepguard.core.spectral.SpectrumConfig(32, 16, true, 1.0),
                new org.deepguard.core.spectral.ResamplingConfig(4, 0.01, 64), 0.1);
        cueMeta.fusion = new org.deepguard.core.spectral.ScoreFusion(0.6, 1.4, 0.1);
        Path cue = tmp.resolve("kind-cue");
        org.deepguard.core.model.ModelBundle.save(cue, cueMeta, plain.network());
        kinds.put("cue", cue);
        return kinds;
    }

    @Test
    void everyModelKindGetsFaithfulnessAndContributionsThatAddUp() throws Exception {
        for (var kind : modelKinds().entrySet()) {
            // Grad-CAM++ on every kind; the whole-score map on the two that add most to the score (kept few: CI time)
            for (String method : kind.getKey().equals("ensemble") || kind.getKey().equals("cue")
                    ? List.of("gradcam++", "occlusion") : List.of("gradcam++")) {
                Path out = tmp.resolve("kinds-" + kind.getKey() + "-" + method.replace("+", "p"));
                Run r = run("--model", kind.getValue().toString(), "--image", good.toString(), "-o", out.toString(),
                        "--method", method, "--grid", "3", "-q");
                String what = kind.getKey() + " / " + method;
                assertEquals(ExitCode.OK, r.code(), what + ": " + r.err());
                JsonNode j = Json.MAPPER.readTree(out.resolve("face.json").toFile());
                JsonNode f = j.get("faithfulness");
                assertTrue(f != null, what + ": no faithfulness");
                for (String field : List.of("p_fake_drop_top10", "p_fake_drop_top20", "deletion_auc",
                        "insertion_auc", "scope")) {
                    assertTrue(f.has(field), what + ": faithfulness lacks " + field);
                }
                assertEquals(11, f.get("deletion_curve").size(), what);
                assertEquals(11, f.get("insertion_curve").size(), what);
                assertTrue(f.get("scope").asText().startsWith("whole score"), what);
                // deletion starts at the image's own p_fake under the whole score, as detect reports it
                double detected = new org.deepguard.core.model.Detector(org.deepguard.core.model.ModelBundle.load(
                        kind.getValue())).predict(good).pFake();
                assertEquals(detected, f.get("deletion_curve").get(0).asDouble(), 1e-6, what);
                if (method.equals("gradcam++") && !kind.getKey().equals("patch")
                        && !kind.getKey().equals("ensemble")) {
                    assertEquals(11, j.get("faithfulness_network").get("deletion_curve").size(), what);
                }
                JsonNode c = j.get("contributions");
                double sum = c.get("network_share").asDouble();
                if (kind.getKey().equals("cue")) {
                    assertTrue(c.has("cue_groups"), what);
                    for (JsonNode g : c.get("cue_groups")) {
                        sum += g.get("log_odds").asDouble();
                    }
                    sum += c.get("fusion_bias").asDouble();
                    assertTrue(c.get("cue_groups").toString().contains("resampling period 3"), what);
                }
                assertEquals(c.get("log_odds").asDouble(), sum, 1e-9, what);
                assertTrue(Files.size(out.resolve("face_contributions.png")) > 0, what);
                if (method.equals("occlusion")) {
                    assertEquals(10, j.get("evaluations").asInt(), what); // 3 x 3 windows + the untouched image
                }
                if (kind.getKey().equals("ensemble") && method.equals("gradcam++")) {
                    assertEquals(2, j.get("members").asInt(), what);
                }
            }
        }
    }

    @Test
    void riseIsSeededAndOptionsAreChecked() throws Exception {
        Path a = tmp.resolve("rise-a");
        Path b = tmp.resolve("rise-b");
        for (Path out : List.of(a, b)) {
            Run r = run("--model", model.toString(), "--image", good.toString(), "-o", out.toString(), "--method",
                    "rise", "--masks", "12", "--seed", "5", "--no-faithfulness", "-q");
            assertEquals(ExitCode.OK, r.code(), r.err());
        }
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(a.resolve("face_heatmap.png")),
                Files.readAllBytes(b.resolve("face_heatmap.png"))));
        JsonNode j = Json.MAPPER.readTree(a.resolve("face.json").toFile());
        assertEquals(13, j.get("evaluations").asInt());
        assertEquals("rise", j.get("method").asText());
        assertEquals(ExitCode.USAGE, run("--model", model.toString(), "--image", good.toString(), "-o",
                a.toString(), "--method", "rise", "--baseline", "pink").code());
    }
}
