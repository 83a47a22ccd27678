package org.deepguard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evaluate command in-process, on a tiny untrained network and a handful of 32 px images. */
class EvaluateCommandTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path manifest;
    static Path manifestClean;

    @BeforeAll
    static void fixtures() throws Exception {
        NetworkConfig config = new NetworkConfig(32, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 8},
                new int[] {8}, new double[] {0.0}, 0, 7);
        ModelMetadata meta = new ModelMetadata();
        meta.preprocessing = Preprocessing.defaults(32);
        meta.network = config;
        meta.history = List.of(Map.of("epoch", 1, "loss", 0.7, "val_loss", 0.69, "val_auc", 0.55),
                Map.of("epoch", 2, "loss", 0.6, "val_loss", 0.65, "val_auc", 0.61));
        model = tmp.resolve("model");
        ModelBundle.save(model, meta, HybridNetwork.build(config));

        Path data = tmp.resolve("data");
        List<ManifestEntry> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TestImages.png(data.resolve("real/r" + i + ".png"), TestImages.texture(32 + 8 * i, i));
            rows.add(entry("real/r" + i + ".png", Label.REAL, Split.TEST, Map.of("generator", "")));
            TestImages.jpeg(data.resolve("fake/f" + i + ".jpg"), TestImages.texture(40, 100 + i));
            rows.add(entry("fake/f" + i + ".jpg", Label.FAKE, Split.TEST, Map.of("generator", i < 2 ? "gan" : "diff")));
        }
        TestImages.png(data.resolve("real/train.png"), TestImages.texture(32, 50));
        rows.add(entry("real/train.png", Label.REAL, Split.TRAIN, Map.of("generator", "")));
        manifestClean = data.resolve("clean.csv");
        new Manifest(rows, data).write(manifestClean);
        TestImages.textNamedPng(data.resolve("fake/bad.png"));
        rows.add(entry("fake/bad.png", Label.FAKE, Split.TEST, Map.of("generator", "gan")));
        manifest = data.resolve("manifest.csv");
        new Manifest(rows, data).write(manifest);
    }

    private static ManifestEntry entry(String path, Label label, Split split, Map<String, String> extra) {
        return new ManifestEntry(path, label, split, "", 0, 0, ManifestEntry.Status.OK, "", "", extra);
    }

    record Run(int code, String out, String err) {}

    @Test
    void videosInTheManifestAreScoredWholeWithFrameLevelMetricsBeside() throws Exception {
        Path data = tmp.resolve("video-data");
        List<ManifestEntry> rows = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int seed = i;
            org.deepguard.core.testing.TestVideos.pngAvi(data.resolve("real/v" + i + ".avi"), 6, 2.0,
                    k -> TestImages.texture(32, 10 * seed + k));
            rows.add(entry("real/v" + i + ".avi", Label.REAL, Split.TEST, Map.of()));
            org.deepguard.core.testing.TestVideos.pngAvi(data.resolve("fake/v" + i + ".avi"), 6, 2.0,
                    k -> TestImages.texture(32, 500 + 10 * seed + k));
            rows.add(entry("fake/v" + i + ".avi", Label.FAKE, Split.TEST, Map.of()));
        }
        TestImages.png(data.resolve("real/still.png"), TestImages.texture(32, 77));
        rows.add(entry("real/still.png", Label.REAL, Split.TEST, Map.of()));
        Files.writeString(data.resolve("fake/broken.mp4"), "not a video");
        rows.add(entry("fake/broken.mp4", Label.FAKE, Split.TEST, Map.of()));
        Path m = data.resolve("m.csv");
        new Manifest(rows, data).write(m);
        Path out = tmp.resolve("video-report");
        Run r = run("--model", model.toString(), "--manifest", m.toString(), "-o", out.toString(), "-q");
        assertEquals(1, r.code(), r.err()); // partial: the broken video is listed, the rest evaluated
        JsonNode metrics = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        assertEquals(5, metrics.get("n").asInt()); // 4 videos (one score each) + 1 image
        JsonNode frames = metrics.get("video_frames");
        assertEquals(4, frames.get("videos").asInt());
        assertEquals(4 * 6, frames.get("n").asInt()); // 6 frames at 2 fps, sampled at the default 2 fps: all of them
        assertTrue(Files.readString(out.resolve("errors.csv")).contains("broken.mp4"));
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new EvaluateCommand(), args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writesTheFullReportAndListsUnreadableImages() throws Exception {
        Path out = tmp.resolve("report");
        Run r = run("--model", model.toString(), "--manifest", manifest.toString(), "-o", out.toString(),
                "--batch-size", "3", "--bootstrap", "200", "--threshold", "0.4", "-q");
        assertEquals(1, r.code(), r.err()); // one unreadable image: partial
        for (String f : List.of("metrics.json", "predictions.csv", "errors.csv", "report.html",
                "confusion_matrix.png", "confusion_matrix.svg", "confusion_matrix_bundle.png", "roc.png", "roc.svg",
                "pr.png", "score_histogram.png", "reliability.png", "training_loss.png", "training_metrics.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        String errors = Files.readString(out.resolve("errors.csv"));
        assertTrue(errors.contains("fake/bad.png") && errors.contains("not_an_image"), errors);

        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        assertEquals(8, m.get("n").asInt()); // the train row and the unreadable row are not scored
        assertEquals(4, m.get("n_fake").asInt());
        assertEquals(0.4, m.get("threshold").asDouble(), 1e-12);
        assertEquals(0.5, m.get("bundle_threshold").asDouble(), 1e-12);
        for (String k : List.of("accuracy", "precision", "recall", "f1", "auc", "ap", "balanced_accuracy", "eer",
                "tpr_at_fpr_1pct", "tpr_at_fpr_5pct", "log_loss", "brier", "ece")) {
            assertTrue(m.get(k).isNumber(), k);
        }
        assertTrue(m.at("/per_class/real/f1").isNumber());
        assertTrue(m.at("/confusion/bundle/tp").isNumber() && m.at("/confusion/cli/tp").isNumber());
        assertTrue(m.at("/ci/auc/low").asDouble() <= m.at("/ci/auc/high").asDouble());
        assertTrue(m.at("/shortcuts/file_size/auc").isNumber() && m.at("/shortcuts/sharpness/auc").isNumber());
        assertEquals(1, m.at("/errors/count").asInt());
        assertEquals(1, m.at("/errors/by_reason/not_an_image").asInt());
        assertEquals(2, m.at("/breakdown/generator/gan/n").asInt());
        assertTrue(m.at("/breakdown/generator/gan/auc_vs_all_real").isNumber());

        // predictions.csv agrees with detect (same Detector) and with the AUC in metrics.json.
        List<String> lines = Files.readAllLines(out.resolve("predictions.csv"));
        assertEquals("path,label,p_fake,predicted,log_odds", lines.get(0));
        assertEquals(9, lines.size());
        Detector detector = new Detector(ModelBundle.load(model));
        boolean[] y = new boolean[8];
        double[] p = new double[8];
        for (int i = 1; i < lines.size(); i++) {
            String[] c = lines.get(i).split(",");
            y[i - 1] = c[1].equals("fake");
            p[i - 1] = Double.parseDouble(c[2]);
            assertEquals(p[i - 1] >= 0.4 ? "fake" : "real", c[3]);
            double direct = detector.predict(manifest.getParent().resolve(c[0])).pFake();
            assertEquals(direct, p[i - 1], 1e-5, c[0]);
        }
        assertEquals(BinaryMetrics.rocAuc(y, p), m.get("auc").asDouble(), 1e-5);

        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,"));
        assertFalse(html.contains("src=\"http") || html.contains("src=\"file") || html.contains(".png\""),
                "report.html must be self-contained");
        assertTrue(html.contains("Shortcut baselines") && html.contains("Worst false"));
        // one contested image explained: the one closest to the threshold, with its shares and faithfulness
        assertTrue(html.contains("An explained example") && html.contains("whole score (occlusion)"));
        JsonNode ex = Json.MAPPER.readTree(out.resolve("explained_example.json").toFile());
        double closest = Double.POSITIVE_INFINITY;
        for (double v : p) {
            closest = Math.min(closest, Math.abs(v - 0.4));
        }
        assertEquals(closest, Math.abs(ex.get("p_fake").asDouble() - 0.4), 1e-5);
        assertEquals(ex.get("contributions").get("log_odds").asDouble(),
                ex.get("contributions").get("network_share").asDouble(), 1e-12);
        assertTrue(ex.get("faithfulness").has("insertion_auc"));
    }

    @Test
    void failUnderGatesTheExitCode() throws Exception {
        Run pass = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("gate-pass").toString(), "--fail-under", "auc=0", "--fail-under", "ece=1", "-q",
                "--bootstrap", "0");
        assertEquals(0, pass.code(), pass.err());
        Run fail = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("gate-fail").toString(), "--fail-under", "auc=1.01", "-q", "--bootstrap", "0");
        assertEquals(1, fail.code());
        assertTrue(fail.err().contains("fail-under: auc"), fail.err());
        JsonNode m = Json.MAPPER.readTree(tmp.resolve("gate-fail/metrics.json").toFile());
        assertTrue(m.at("/fail_under/0/passed").isBoolean(), m.toString());
        assertFalse(m.at("/fail_under/0/passed").asBoolean());
        assertEquals("auc", m.at("/fail_under/0/metric").asText());
        JsonNode ok = Json.MAPPER.readTree(tmp.resolve("gate-pass/metrics.json").toFile());
        assertTrue(ok.at("/fail_under/1/passed").asBoolean()); // ece <= 1 always holds
    }

    @Test
    void robustnessSweepAddsRowsAndPlots() throws Exception {
        Path out = tmp.resolve("sweep");
        Run r = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o", out.toString(),
                "--perturb", "jpeg=90,50", "--perturb", "blur=1", "--perturb", "resize=0.5", "--perturb",
                "noise=0.05", "--format-check", "-q", "--bootstrap", "0");
        assertEquals(0, r.code(), r.err());
        JsonNode rows = Json.MAPPER.readTree(out.resolve("metrics.json").toFile()).get("perturbations");
        assertEquals(6, rows.size()); // 5 requested + jpeg=95 from --format-check
        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        assertEquals(rows.get(5).get("delta_auc").asDouble(), m.at("/format_check/delta_auc").asDouble(), 0);
        assertEquals("jpeg", rows.get(0).get("kind").asText());
        assertEquals(90, rows.get(0).get("strength").asDouble(), 0);
        assertEquals(8, rows.get(0).get("n").asInt());
        assertTrue(rows.get(0).get("auc").isNumber() && rows.get(0).get("delta_auc").isNumber());
        for (String k : List.of("jpeg", "blur", "resize", "noise")) {
            assertTrue(Files.exists(out.resolve("robustness_" + k + ".png")), k);
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("Robustness"));
    }

    @Test
    void standardSweepRunsTheDocumentedConditionsWithTheWorstCase() throws Exception {
        Path out = tmp.resolve("standard");
        Run r = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o", out.toString(),
                "--perturb", "standard", "-q", "--bootstrap", "0");
        assertEquals(0, r.code(), r.err());
        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        JsonNode rows = m.get("perturbations");
        List<String> conditions = new java.util.ArrayList<>();
        rows.forEach(row -> conditions.add(row.get("condition").asText()));
        assertEquals(List.of("jpeg=90", "jpeg=75", "jpeg=50", "resize=0.5", "blur=1", "noise=0.02",
                "resize=0.75+jpeg=75"), conditions);
        assertEquals("chain", rows.get(6).get("kind").asText());
        double worstAuc = m.get("auc").asDouble();
        double worstBacc = m.get("balanced_accuracy").asDouble();
        for (JsonNode row : rows) {
            assertTrue(row.get("balanced_accuracy").isNumber());
            worstAuc = Math.min(worstAuc, row.get("auc").asDouble());
            worstBacc = Math.min(worstBacc, row.get("balanced_accuracy").asDouble());
        }
        assertEquals(worstAuc, m.at("/perturbations_worst/auc").asDouble(), 1e-12);
        assertEquals(worstBacc, m.at("/perturbations_worst/balanced_accuracy").asDouble(), 1e-12);
        assertTrue(Files.exists(out.resolve("robustness_jpeg.png")));
        assertTrue(!Files.exists(out.resolve("robustness_chain.png")), "a chain has no strength axis");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("resize=0.75+jpeg=75") && html.contains("worst case"));
    }

    @Test
    void comparesTwoModels() throws Exception {
        Path out = tmp.resolve("compare");
        Run r = run("-m", model.toString(), "-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                out.toString(), "-q", "--bootstrap", "0");
        assertEquals(0, r.code(), r.err());
        JsonNode c = Json.MAPPER.readTree(out.resolve("comparison.json").toFile());
        assertEquals(2, c.get("models").size());
        assertEquals(c.at("/models/0/auc").asDouble(), c.at("/models/1/auc").asDouble(), 0);
        assertTrue(Files.exists(out.resolve("1-model/metrics.json")) && Files.exists(out.resolve("2-model/report.html")));
    }

    @Test
    void usageModelAndInputErrorsHaveTheirExitCodes() {
        Run badMetric = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("x").toString(), "--fail-under", "accuracyy=0.9");
        assertEquals(2, badMetric.code());
        assertTrue(badMetric.err().contains("unknown metric 'accuracyy'"), badMetric.err());
        Run badPerturb = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("x").toString(), "--perturb", "jpeg=0");
        assertEquals(2, badPerturb.code());
        Run noModel = run("-m", tmp.resolve("nope").toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("x").toString());
        assertEquals(3, noModel.code());
        assertEquals(1, noModel.err().strip().lines().count(), noModel.err());
        Run noManifest = run("-m", model.toString(), "--manifest", tmp.resolve("nope.csv").toString(), "-o",
                tmp.resolve("x").toString());
        assertEquals(4, noManifest.code());
        Run emptySplit = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("x").toString(), "--split", "val");
        assertEquals(4, emptySplit.code());
        assertTrue(emptySplit.err().contains("no usable rows in split 'val'"), emptySplit.err());
        Run badSplit = run("-m", model.toString(), "--manifest", manifestClean.toString(), "-o",
                tmp.resolve("x").toString(), "--split", "holdout");
        assertEquals(2, badSplit.code(), badSplit.err());
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Examples:") && help.out().contains("--perturb"));
    }
}
