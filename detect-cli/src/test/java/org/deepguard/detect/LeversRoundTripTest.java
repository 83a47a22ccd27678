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

    @Test
    void detectAppliesThePatchesFiltersMembersAndSpectralCueOfTraining() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 10, 32);
        Manifest manifest = DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {});
        Path manifestFile = dir.resolve("m.csv");
        manifest.write(manifestFile);
        manifest = Manifest.read(manifestFile);
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
        // the hand-crafted cue: the spectral profile's regression plus the resampling regression, on the whole image
        double zCue = meta.spectral.model().logOdds(SpectrumFeatures.of(img, meta.spectral.config()))
                + meta.spectral.resamplingModel().logOdds(ResamplingFeatures.of(img, meta.spectral.resampling()));
        double z = meta.fusion.fuse(zNet, zCue);
        assertEquals(Scores.calibrated(z, meta.temperature), line.get("p_fake").asDouble(), 2e-6);
    }
}
