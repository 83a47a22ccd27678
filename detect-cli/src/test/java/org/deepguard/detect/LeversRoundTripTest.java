package org.deepguard.detect;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.HighPassFilters;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.model.Scores;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Preprocessor;
import org.deepguard.core.spectral.ResamplingFeatures;
import org.deepguard.core.spectral.SpectrumFeatures;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.deepguard.core.train.AugmentationConfig;
import org.deepguard.core.train.Trainer;
import org.deepguard.core.train.TrainingConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method lever a training run can switch on (SRM high-pass filters feeding a residual-only branch, patch
 * voting, a seed ensemble, the spectral cue) is stored in the bundle and applied by `detect` exactly as training defined it: the score `detect` prints
 * equals one recomputed by hand from the bundle's parts.
 */
class LeversRoundTripTest {
    @TempDir
    Path dir;

    /** A sample set of 10 images per class at {@code size} px, scanned into a manifest file. */
    private Path sampleManifest(int size) throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 10, size);
        Path manifestFile = dir.resolve("m.csv");
        DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {}).write(manifestFile);
        return manifestFile;
    }

    @Test
    void detectAppliesThePatchesFiltersMembersAndSpectralCueOfTraining() throws Exception {
        Path manifestFile = sampleManifest(32);
        Manifest manifest = Manifest.read(manifestFile);
        NetworkConfig net = TinyModels.tinyConfig(16, 5).withResidualOnly(true); // implies the high-pass filters
        TrainingConfig config = new TrainingConfig(net, 1, 8, 3e-3, 1e-5, 0.5, 1e-5, 0, AugmentationConfig.defaults(),
                true, 1, 3, 0.1, 0.0, 2, 2, 5, null, PatchVoting.meanOfLogits(2), 2, true, true);
        new Trainer(config, null).train(manifest, manifestFile, dir.resolve("model"), false);

        ModelBundle bundle = ModelBundle.load(dir.resolve("model"));
        ModelMetadata meta = bundle.metadata();
        assertEquals(config.patches(), meta.preprocessing.patches());
        assertEquals(2, bundle.networks().size());
        assertTrue(meta.network.highPass() && meta.network.residualOnly());
        assertTrue(meta.spectral != null && meta.fusion != null);
        for (ComputationGraph member : bundle.networks()) { // the fixed filters are what was trained with
            assertEquals(HighPassFilters.weights(), member.getLayer(HybridNetwork.HIGH_PASS).getParam("W"));
        }

        BufferedImage img = TestImages.texture(40, 77);
        Path file = TestImages.png(dir.resolve("probe.png"), img);
        DetectCommandTest.Run r = DetectCommandTest.run("-m", dir.resolve("model").toString(), "--json",
                file.toString());
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode line = Json.MAPPER.readTree(r.out().lines().findFirst().orElseThrow());

        // by hand: patches at offsets 0 and 24 on each axis (40 px image, 16 px patches, grid 2), each scored by
        // both members, averaged; then the spectral fusion and the temperature
        Preprocessor single = new Preprocessor(Preprocessing.defaults(16));
        double sum = 0;
        int patches = 0;
        for (int y : List.of(0, 24)) {
            for (int x : List.of(0, 24)) {
                float[] t = single.toTensor(img.getSubimage(x, y, 16, 16));
                for (ComputationGraph member : bundle.networks()) {
                    sum += Scores.logOdds(member.outputSingle(false, single.batch(List.of(t))))[0] / 2;
                }
                patches++;
            }
        }
        double zNet = sum / patches;
        // the hand-crafted cue: the spectral profile's regression plus the resampling regression, on the whole image;
        // the profile is the high band's shape (the default band start): the whole profile from a quarter of
        // Nyquist up, minus its mean, zero below
        assertEquals(org.deepguard.core.spectral.SpectrumConfig.DEFAULT_BAND_START, meta.spectral.config().bandStart());
        double[] profile = SpectrumFeatures.of(img, meta.spectral.config().withBandStart(0));
        double bandSum = 0;
        int bandBins = 0;
        for (int j = 0; j < profile.length; j++) {
            if ((j + 1.0) / profile.length >= meta.spectral.config().bandStart()) {
                bandSum += profile[j];
                bandBins++;
            }
        }
        for (int j = 0; j < profile.length; j++) {
            profile[j] = (j + 1.0) / profile.length >= meta.spectral.config().bandStart()
                    ? profile[j] - bandSum / bandBins : 0;
        }
        double zCue = meta.spectral.model().logOdds(profile)
                + meta.spectral.resamplingModel().logOdds(ResamplingFeatures.of(img, meta.spectral.resampling()));
        double z = meta.fusion.fuse(zNet, zCue);
        assertEquals(Scores.calibrated(z, meta.temperature), line.get("p_fake").asDouble(), 2e-6);
    }

    /**
     * The robustness levers (issue 16: degradation chain, cue fitted on degraded copies, calibration and band on a
     * mix of conditions; issue 22: simulated fakes with a held-out family) are training-time levers whose whole
     * effect at inference is what the bundle stores: the provenance names them, and detect prints the p_fake and
     * the verdict that the stored cue, fusion, temperature, threshold and band define.
     */
    @Test
    void detectAppliesWhatTheRobustnessLeversStored() throws Exception {
        Path manifestFile = sampleManifest(32);
        Manifest manifest = Manifest.read(manifestFile);
        org.deepguard.core.train.SimulationConfig sim = new org.deepguard.core.train.SimulationConfig(
                org.deepguard.core.train.SimulationConfig.parseFamilies("all"), 1, true,
                org.deepguard.core.train.ArtifactSimulator.Family.SPECTRAL_PEAKS, true);
        TrainingConfig config = new TrainingConfig(TinyModels.tinyConfig(32, 5), 1, 8, 3e-3, 1e-5, 0.5, 1e-5, 0,
                AugmentationConfig.defaults(), true, 1, 3, 0.1, 0.0, 2, 2, 5, null, null, 1, true, true, sim, 2);
        new Trainer(config, null).train(manifest, manifestFile, dir.resolve("model"), false);

        ModelBundle bundle = ModelBundle.load(dir.resolve("model"));
        ModelMetadata meta = bundle.metadata();
        JsonNode stored = Json.MAPPER.valueToTree(meta.provenance.trainingConfig);
        assertEquals(2, stored.get("degradedCopies").asInt());
        assertEquals("SPECTRAL_PEAKS", stored.at("/simulation/holdOut").asText());
        assertTrue(stored.at("/simulation/only").asBoolean());
        assertTrue(stored.at("/simulation/matchDetail").asBoolean());
        assertEquals(6, stored.at("/simulation/families").size());
        assertEquals(0.3, stored.at("/augmentation/resize").asDouble(), 0);
        assertTrue(meta.thresholdRule.contains("2 degraded copies"), meta.thresholdRule);
        assertEquals(meta.uncertainBand, meta.metrics.get("val_uncertain_band"), 0);

        Preprocessor single = new Preprocessor(meta.preprocessing);
        for (long seed : new long[] {77, 78, 79}) {
            BufferedImage img = TestImages.texture(32, seed);
            Path file = TestImages.png(dir.resolve("probe-" + seed + ".png"), img);
            DetectCommandTest.Run r = DetectCommandTest.run("-m", dir.resolve("model").toString(), "--json",
                    file.toString());
            assertEquals(ExitCode.OK, r.code(), r.err());
            JsonNode line = Json.MAPPER.readTree(r.out().lines().findFirst().orElseThrow());
            double zNet = Scores.logOdds(bundle.network().outputSingle(false,
                    single.batch(List.of(single.toTensor(img)))))[0];
            double p = Scores.calibrated(meta.fusion.fuse(zNet, meta.spectral.logOdds(img)), meta.temperature);
            assertEquals(p, line.get("p_fake").asDouble(), 2e-6);
            String verdict = meta.uncertainBand > 0 && Math.abs(p - meta.threshold) < meta.uncertainBand ? "uncertain"
                    : p >= meta.threshold ? "fake" : "real";
            assertEquals(verdict, line.get("label").asText().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * The scale calibration (issue 16): an input smaller than the training images gets z -> s z + o before the
     * temperature, with (s, o) interpolated in log size between the knots fitted on downscaled validation images;
     * at or above 0.9 of the training size the score is unchanged.
     */
    @Test
    void detectAppliesTheScaleCalibrationToSmallInputs() throws Exception {
        Path manifestFile = sampleManifest(48);
        Manifest manifest = Manifest.read(manifestFile);
        TrainingConfig config = new TrainingConfig(TinyModels.tinyConfig(32, 5), 1, 8, 3e-3, 1e-5, 0.5, 1e-5, 0,
                AugmentationConfig.defaults(), true, 1, 3, 0.1, 0.0, 2, 2, 5, null, null, 1, true, true, null, 0,
                List.of(0.75, 0.5));
        new Trainer(config, null).train(manifest, manifestFile, dir.resolve("model"), false);

        ModelBundle bundle = ModelBundle.load(dir.resolve("model"));
        ModelMetadata meta = bundle.metadata();
        org.deepguard.core.metrics.ScaleCalibration sc = meta.scaleCalibration;
        assertTrue(sc != null, "the bundle stores the scale calibration");
        assertEquals(48, sc.referenceSide());
        assertEquals(4, meta.formatVersion);
        assertEquals(List.of(0.75, 0.5), Json.MAPPER.convertValue(meta.provenance.trainingConfig.get(
                "scaleCalibration"), List.class));
        assertTrue(meta.metrics.containsKey("val_scale0.50_balanced_accuracy_at_threshold"));

        // the 24 px knot must move scores, or the comparison below could not tell a calibrated input from a plain one
        assertTrue(Math.abs(sc.offsets()[1]) > 1e-6, "offsets " + java.util.Arrays.toString(sc.offsets()));

        Preprocessor single = new Preprocessor(meta.preprocessing);
        double[] knotsLog = {Math.log(0.75), Math.log(0.5)};
        for (int side : new int[] {48, 44, 36, 30, 24, 20}) {
            BufferedImage img = TestImages.texture(side, 90 + side);
            Path file = TestImages.png(dir.resolve("probe-" + side + ".png"), img);
            DetectCommandTest.Run r = DetectCommandTest.run("-m", dir.resolve("model").toString(), "--json",
                    file.toString());
            assertEquals(ExitCode.OK, r.code(), r.err());
            JsonNode line = Json.MAPPER.readTree(r.out().lines().findFirst().orElseThrow());
            double zNet = Scores.logOdds(bundle.network().outputSingle(false,
                    single.batch(List.of(single.toTensor(img)))))[0];
            double z = meta.fusion.fuse(zNet, meta.spectral.logOdds(img));
            // by hand: no shift from 0.9 x 48 = 43.2 px up, knots at 36 and 24 px, held below 24 px
            double logR = Math.log(side / 48.0);
            double o;
            if (side >= 44) {
                o = 0;
            } else if (side >= 36) {
                o = (Math.log(0.9) - logR) / (Math.log(0.9) - knotsLog[0]) * sc.offsets()[0];
            } else if (side >= 24) {
                double t = (knotsLog[0] - logR) / (knotsLog[0] - knotsLog[1]);
                o = sc.offsets()[0] + t * (sc.offsets()[1] - sc.offsets()[0]);
            } else {
                o = sc.offsets()[1];
            }
            assertEquals(Scores.calibrated(z + o, meta.temperature), line.get("p_fake").asDouble(), 2e-6,
                    side + " px");
        }
    }
}
