package org.deepguard.train;

import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.testing.TestImages;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path manifest;

    @BeforeAll
    static void data() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 16, 32);
        manifest = dir.resolve("manifest.csv");
        DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {}).write(manifest);
    }

    static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--manifest", manifest.toString(), "-o", out.toString(),
                "--image-size", "32", "--backbone", "none", "--cnn-channels", "4,8", "--batch-size", "4",
                "--patience", "0", "--workers", "1", "--ensemble", "1", "-q"));
        a.addAll(List.of(extra));
        return a;
    }

    static int run(List<String> args, StringWriter out, StringWriter err) {
        return Cli.execute(new TrainCommand(), args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void trainsAndWritesBundleLogAndCurves() throws Exception {
        Path out = dir.resolve("m1");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, run(args(out, "--epochs", "2"), o, e), e.toString());
        ModelBundle b = ModelBundle.load(out);
        assertEquals(2, b.metadata().history.size());
        assertEquals(2, Files.readAllLines(out.resolve("train-log.jsonl")).size());
        assertTrue(Files.exists(out.resolve("curves-loss.png")));
        assertTrue(o.toString().contains("model written to"));
        // a second run into the same folder must not silently clobber the first one's checkpoints
        assertEquals(ExitCode.USAGE, run(args(out, "--epochs", "2"), new StringWriter(), e));
    }

    @Test
    void autoBackboneWithoutImagenetWeightsTrainsTheCnnBranchAloneAndSaysSo() throws Exception {
        Path out = dir.resolve("auto");
        StringWriter e = new StringWriter();
        int code = Cli.execute(new TrainCommand(), new String[] {"--manifest", manifest.toString(), "-o",
                out.toString(), "--image-size", "32", "--cnn-channels", "4,8", "--epochs", "1", "--batch-size", "8",
                "--ensemble", "1"},
                new PrintWriter(new StringWriter()), new PrintWriter(e));
        assertEquals(ExitCode.OK, code, e.toString());
        assertEquals(org.deepguard.core.model.Backbone.NONE, ModelBundle.readMetadata(out).network.backbone());
        assertTrue(ModelBundle.readMetadata(out).network.highPass());
        assertTrue(ModelBundle.readMetadata(out).network.residualOnly(), "the branch sees residuals by default");
        assertTrue(e.toString().contains("backbone auto"), e.toString());
        assertEquals(ExitCode.USAGE, Cli.execute(new TrainCommand(), new String[] {"--manifest", manifest.toString(),
                "-o", dir.resolve("x").toString(), "--backbone", "vgg"}, new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())));
    }

    @Test
    void branchInputSelectsWhatTheCnnBranchSeesAndOldFlagsStillWork() throws Exception {
        StringWriter e = new StringWriter();
        Path rgb = dir.resolve("rgb");
        assertEquals(ExitCode.OK, run(args(rgb, "--epochs", "1", "--branch-input", "rgb", "--no-spectral"),
                new StringWriter(), e), e.toString());
        NetworkConfig n = ModelBundle.readMetadata(rgb).network;
        assertTrue(!n.highPass() && !n.residualOnly());
        Path both = dir.resolve("both");
        assertEquals(ExitCode.OK, run(args(both, "--epochs", "1", "--branch-input", "RGB+residuals",
                "--no-spectral"), new StringWriter(), e), e.toString());
        n = ModelBundle.readMetadata(both).network;
        assertTrue(n.highPass() && !n.residualOnly());
        Path legacy = dir.resolve("legacy");
        assertEquals(ExitCode.OK, run(args(legacy, "--epochs", "1", "--no-high-pass", "--no-spectral"),
                new StringWriter(), e), e.toString());
        assertTrue(!ModelBundle.readMetadata(legacy).network.highPass());
        Path legacyBoth = dir.resolve("legacy-both");
        assertEquals(ExitCode.OK, run(args(legacyBoth, "--epochs", "1", "--no-residual-only", "--no-spectral"),
                new StringWriter(), e), e.toString());
        n = ModelBundle.readMetadata(legacyBoth).network;
        assertTrue(n.highPass() && !n.residualOnly(), "--no-residual-only gives the earlier default");

        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad"), "--branch-input", "pixels"), new StringWriter(),
                bad));
        assertTrue(bad.toString().contains("--branch-input must be"), bad.toString());
        StringWriter clash = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("clash"), "--branch-input", "residuals",
                "--no-high-pass"), new StringWriter(), clash));
        assertTrue(clash.toString().contains("contradicts --no-high-pass"), clash.toString());
        for (String factors : new String[] {"0.5,0.75", "0.95", "half"}) { // increasing, too large, not a number
            StringWriter scale = new StringWriter();
            assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-scale"), "--scale-calibration", factors),
                    new StringWriter(), scale), factors);
            assertTrue(scale.toString().contains("--scale-calibration"), scale.toString());
        }
    }

    @Test
    void noResamplingKeepsTheSpectralProfileAloneAndNoSpectralDropsTheCue() throws Exception {
        Path profile = dir.resolve("profile-only");
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, run(args(profile, "--epochs", "1", "--no-resampling"), new StringWriter(), e),
                e.toString());
        ModelBundle b = ModelBundle.load(profile);
        assertTrue(b.metadata().spectral != null && b.metadata().spectral.resampling() == null);
        assertEquals(Boolean.FALSE, b.metadata().provenance.trainingConfig.get("resampling"));

        Path none = dir.resolve("no-cue");
        assertEquals(ExitCode.OK, run(args(none, "--epochs", "1", "--no-spectral"), new StringWriter(), e),
                e.toString());
        ModelBundle n = ModelBundle.load(none);
        assertTrue(n.metadata().spectral == null && n.metadata().fusion == null);
        assertTrue(!n.metadata().provenance.trainingConfig.containsKey("cueCap"), "no cue, no cap");
        assertEquals(Boolean.FALSE, n.metadata().provenance.trainingConfig.get("resampling"));
    }

    @Test
    void aCueCapIsStoredAndDetectScoresWithItsDefinition() throws Exception {
        Path out = dir.resolve("capped");
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, run(args(out, "--epochs", "1", "--cue-cap", "1.5"), new StringWriter(), e),
                e.toString());
        ModelBundle b = ModelBundle.load(out);
        var meta = b.metadata();
        assertEquals(1.5, meta.fusion.cueCap(), 0);
        assertEquals(1.5, ((Number) meta.provenance.trainingConfig.get("cueCap")).doubleValue(), 0);
        // p_fake as detect computes it equals the cap's definition, recomputed by hand from the parts:
        // z = a z_net + C tanh(b z_cue / C) + c, p = sigmoid(z / T)
        org.deepguard.core.model.Detector detector = new org.deepguard.core.model.Detector(b);
        for (int seed = 0; seed < 3; seed++) {
            java.awt.image.BufferedImage img = TestImages.texture(32, 70 + seed);
            var prepared = detector.prepare(img);
            double[] perView = detector.logOdds(detector.preprocessor().batch(prepared.views()));
            double zNet = org.deepguard.core.model.Detector.aggregateViews(perView, new int[] {perView.length},
                    detector.preprocessor().spec().patches())[0];
            double zCue = meta.spectral.logOdds(img);
            double z = meta.fusion.a() * zNet + 1.5 * Math.tanh(meta.fusion.b() * zCue / 1.5) + meta.fusion.c();
            double p = 1 / (1 + Math.exp(-z / meta.temperature));
            assertEquals(p, detector.predict(img).pFake(), 1e-5, "image " + seed);
        }
        // --cue-cap 0 leaves the cue uncapped; the cap acts after the fusion is fitted, so the weights are the same
        Path uncapped = dir.resolve("uncapped");
        assertEquals(ExitCode.OK, run(args(uncapped, "--epochs", "1", "--cue-cap", "0"), new StringWriter(), e),
                e.toString());
        var u = ModelBundle.load(uncapped).metadata();
        assertEquals(0, u.fusion.cueCap(), 0);
        assertTrue(!u.provenance.trainingConfig.containsKey("cueCap"), "no cap stored");
        assertEquals(meta.fusion.a(), u.fusion.a(), 1e-12);
        assertEquals(meta.fusion.b(), u.fusion.b(), 1e-12);
        // a negative cap is a usage error, before any work
        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-cap"), "--epochs", "1", "--cue-cap", "-1"),
                new StringWriter(), bad));
        assertTrue(bad.toString().contains("--cue-cap"), bad.toString());
    }

    /**
     * The cue's band start is stored in the bundle's cue definition and provenance (detect applying it is checked by
     * hand in LeversRoundTripTest); 0 gives the whole profile, as bundles before the option; out of range is a usage
     * error, before any work.
     */
    @Test
    void aCueBandIsStoredAndValidated() throws Exception {
        Path band = dir.resolve("band");
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, run(args(band, "--epochs", "1", "--cue-band", "0.25"), new StringWriter(), e),
                e.toString());
        var meta = ModelBundle.load(band).metadata();
        assertEquals(0.25, meta.spectral.config().bandStart(), 0);
        assertEquals(0.25, ((Number) meta.provenance.trainingConfig.get("cueBand")).doubleValue(), 0);

        Path whole = dir.resolve("whole");
        assertEquals(ExitCode.OK, run(args(whole, "--epochs", "1", "--cue-band", "0"), new StringWriter(),
                new StringWriter()));
        var w = ModelBundle.load(whole).metadata();
        assertEquals(0, w.spectral.config().bandStart(), 0);
        java.awt.image.BufferedImage img = TestImages.texture(32, 80);
        assertTrue(Math.abs(meta.spectral.logOdds(img) - w.spectral.logOdds(img)) > 1e-6, "the band changes the cue");

        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-band"), "--epochs", "1", "--cue-band", "1"),
                new StringWriter(), bad));
        assertTrue(bad.toString().contains("--cue-band"), bad.toString());
        assertFalse(java.nio.file.Files.exists(dir.resolve("bad-band")));
    }

    /**
     * The threshold rule: equal-cost by default, youden on request (the rule before it existed); the other rule's
     * threshold is kept beside it for comparison, and the provenance names the rule.
     */
    @Test
    void theThresholdRuleIsChosenStoredAndValidated() throws Exception {
        Path equalCost = dir.resolve("equal-cost");
        assertEquals(ExitCode.OK, run(args(equalCost, "--epochs", "1"), new StringWriter(), new StringWriter()));
        var meta = ModelBundle.load(equalCost).metadata();
        assertEquals("equal-cost", meta.provenance.trainingConfig.get("thresholdRule"));
        assertTrue(meta.thresholdRule.startsWith("equal-cost cut"), meta.thresholdRule);
        assertTrue(meta.metrics.containsKey("val_youden_threshold"));

        Path youden = dir.resolve("youden");
        assertEquals(ExitCode.OK, run(args(youden, "--epochs", "1", "--threshold-rule", "youden"),
                new StringWriter(), new StringWriter()));
        var y = ModelBundle.load(youden).metadata();
        assertEquals("youden", y.provenance.trainingConfig.get("thresholdRule"));
        assertTrue(y.thresholdRule.contains("Youden"), y.thresholdRule);
        assertEquals(y.metrics.get("val_youden_threshold"), y.threshold, 0);
        // same networks (same seed), so only the cut differs
        assertEquals(meta.temperature, y.temperature, 0);

        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-rule"), "--epochs", "1", "--threshold-rule", "best"),
                new StringWriter(), bad));
        assertTrue(bad.toString().contains("--threshold-rule"), bad.toString());
    }

    @Test
    void theFusionRuleIsChosenStoredAndValidated() throws Exception {
        Path bounded = dir.resolve("bounded");
        assertEquals(ExitCode.OK, run(args(bounded, "--epochs", "1"), new StringWriter(), new StringWriter()));
        var b = ModelBundle.load(bounded).metadata();
        assertEquals("bounded", b.provenance.trainingConfig.get("fusionRule"));
        // the default caps the cue's share at 2 (session 9), in the fusion detect applies and in the provenance
        assertEquals(2.0, b.fusion.cueCap(), 0);
        assertEquals(2.0, ((Number) b.provenance.trainingConfig.get("cueCap")).doubleValue(), 0);

        Path fitted = dir.resolve("fitted");
        assertEquals(ExitCode.OK, run(args(fitted, "--epochs", "1", "--fusion", "fitted"), new StringWriter(),
                new StringWriter()));
        var f = ModelBundle.load(fitted).metadata();
        assertEquals("fitted", f.provenance.trainingConfig.get("fusionRule"));
        // same networks (same seed) and the same cue: the rule can only lower the cue's weight against the network's
        assertTrue(b.fusion.b() / b.fusion.a() <= f.fusion.b() / f.fusion.a() + 1e-12, b.fusion + " vs " + f.fusion);

        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-fusion"), "--epochs", "1", "--fusion", "equal"),
                new StringWriter(), bad));
        assertTrue(bad.toString().contains("--fusion"), bad.toString());
    }

    @Test
    void cuePseudoFakesAreStoredAndValidated() throws Exception {
        Path out = dir.resolve("cue-sim");
        assertEquals(ExitCode.OK, run(args(out, "--epochs", "1", "--cue-simulate", "2"), new StringWriter(),
                new StringWriter()));
        assertEquals(2, ModelBundle.load(out).metadata().provenance.trainingConfig.get("cueSimulated"));
        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-cue-sim"), "--epochs", "1", "--cue-simulate", "-1"),
                new StringWriter(), bad));
        assertTrue(bad.toString().contains("--cue-simulate"), bad.toString());
    }

    @Test
    void crossFittedValidationIsChosenStoredAndValidated() throws Exception {
        Path out = dir.resolve("cross-fit");
        List<String> a = args(out, "--epochs", "1", "--validation", "cross-fit");
        a.set(a.indexOf("--ensemble") + 1, "2");
        assertEquals(ExitCode.OK, run(a, new StringWriter(), new StringWriter()));
        var meta = ModelBundle.load(out).metadata();
        assertEquals(true, meta.provenance.trainingConfig.get("crossFit"));
        assertEquals(2, meta.provenance.dataCounts.get("cross_fit_members"));
        assertTrue(Files.exists(out.resolve("members/member-1/manifest.csv")));

        Path split = dir.resolve("split");
        assertEquals(ExitCode.OK, run(args(split, "--epochs", "1"), new StringWriter(), new StringWriter()));
        assertEquals(false, ModelBundle.load(split).metadata().provenance.trainingConfig.get("crossFit"));

        StringWriter bad = new StringWriter();
        assertEquals(ExitCode.USAGE, run(args(dir.resolve("bad-validation"), "--epochs", "1", "--validation", "oof"),
                new StringWriter(), bad));
        assertTrue(bad.toString().contains("--validation"), bad.toString());
    }

    @Test
    void defaultEnsembleWritesMembersAndARerunDoesNotClobberThem() throws Exception {
        Path out = dir.resolve("ens");
        List<String> a = args(out, "--epochs", "1");
        a.set(a.indexOf("--ensemble") + 1, "2");
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, run(a, new StringWriter(), e), e.toString());
        ModelBundle b = ModelBundle.load(out);
        assertEquals(2, b.networks().size());
        assertTrue(b.metadata().spectral != null, "the spectral cue is on by default");
        assertTrue(b.metadata().spectral.resampling() != null, "with its resampling part");
        assertEquals(3, b.metadata().preprocessing.patches().grid(), "patch voting is on by default");
        assertTrue(Files.exists(out.resolve("members/member-1/model.json")));
        StringWriter again = new StringWriter();
        assertEquals(ExitCode.USAGE, run(a, new StringWriter(), again));
        assertTrue(again.toString().contains("--resume"), again.toString());
    }

    @Test
    void badManifestIsAnInputError() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "path,label\nx.png,maybe\n");
        StringWriter e = new StringWriter();
        int code = Cli.execute(new TrainCommand(), new String[] {"--manifest", bad.toString(), "-o",
                dir.resolve("m-bad").toString()}, new PrintWriter(new StringWriter()), new PrintWriter(e));
        assertEquals(ExitCode.INPUT, code);
        assertTrue(e.toString().contains("bad.csv:2"), e.toString());
    }

    @Test
    void killedWithSigkillMidEpochResumesFromTheLastCheckpoint() throws Exception {
        Path out = dir.resolve("killed");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", TrainCommand.class.getName()));
        cmd.addAll(args(out, "--epochs", "6"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile())
                .start();
        Path state = out.resolve("checkpoints/state.json");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive() && !epochsDone(state, 1)) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the child must still be training when killed: " + Files.readString(dir.resolve("child.log")));
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
        p.waitFor();
        // whatever instant it died at, the checkpoint on disk is complete and loadable
        ModelSerializer.restoreComputationGraph(out.resolve("checkpoints/last.zip").toFile(), true);
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, run(args(out, "--epochs", "6", "--resume"), new StringWriter(), e), e.toString());
        ModelBundle b = ModelBundle.load(out);
        assertEquals(6, b.metadata().history.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1, ((Number) b.metadata().history.get(i).get("epoch")).intValue());
        }
        try (var files = Files.list(out.resolve("checkpoints"))) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "no half-written files remain");
        }
    }

    @SuppressWarnings("unchecked")
    private static boolean epochsDone(Path state, int n) {
        try {
            return Files.exists(state) && ((Number) Json.MAPPER.readValue(state.toFile(), Map.class)
                    .get("epochsDone")).intValue() >= n;
        } catch (Exception e) {
            return false;
        }
    }
}
