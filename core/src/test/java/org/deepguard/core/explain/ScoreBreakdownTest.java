package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.spectral.ResamplingConfig;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreBreakdownTest {
    @TempDir
    Path dir;

    /** A patch-voting ensemble of two tiny networks fused with a spectral + resampling cue, as `train` ships. */
    static Detector fusedEnsemble(Path dir) throws Exception {
        return fusedEnsemble(dir, new ScoreFusion(0.8, 1.7, -0.3));
    }

    static Detector fusedEnsemble(Path dir, ScoreFusion fusion) throws Exception {
        List<BufferedImage> images = new ArrayList<>();
        boolean[] fake = new boolean[10];
        for (int i = 0; i < 10; i++) {
            images.add(TestImages.texture(40, i));
            fake[i] = i % 2 == 1;
        }
        ModelMetadata meta = new ModelMetadata();
        meta.network = TinyModels.tinyConfig(16, 3);
        meta.preprocessing = Preprocessing.defaults(16).withResize(ResizePolicy.NATIVE_CROP)
                .withPatches(PatchVoting.meanOfLogits(3));
        meta.spectral = SpectralClassifier.fit(images, fake, new SpectrumConfig(32, 16, true, 1.0),
                new ResamplingConfig(5, 0.01, 64), 0.1);
        meta.fusion = fusion;
        return new Detector(ModelBundle.save(dir, meta, List.of(HybridNetwork.build(TinyModels.tinyConfig(16, 3)),
                HybridNetwork.build(TinyModels.tinyConfig(16, 4)))));
    }

    @Test
    void sharesAddUpExactlyToTheFusedLogOddsDetectReports() throws Exception {
        Detector detector = fusedEnsemble(dir.resolve("m"));
        for (int seed = 50; seed < 53; seed++) {
            BufferedImage img = TestImages.texture(40, seed);
            double z = detector.imageLogOdds(List.of(detector.prepare(img)))[0];
            ScoreBreakdown b = ScoreBreakdown.of(detector, img);
            assertEquals(z, b.logOdds(), 1e-9);
            assertEquals(z, b.sum(), 1e-9);
            assertEquals(0.8 * b.networkLogOdds(), b.network(), 1e-12);
            assertEquals(1.7 * b.cueLogOdds(), b.cue(), 1e-12);
            assertEquals(-0.3, b.bias(), 0);
            double parts = b.parts().stream().mapToDouble(ScoreBreakdown.Part::logOdds).sum();
            assertEquals(b.cue(), parts, 1e-9);
            List<String> groups = b.parts().stream().map(ScoreBreakdown.Part::group).toList();
            assertEquals(List.of("spectrum: low frequencies (< 1/3 Nyquist)", "spectrum: mid frequencies (1/3-2/3 "
                    + "Nyquist)", "spectrum: high frequencies (> 2/3 Nyquist)", "spectrum intercept",
                    "resampling period 2", "resampling period 3", "resampling period 4", "resampling period 5",
                    "resampling intercept"), groups);
        }
        // the chart draws
        BufferedImage chart = ScoreBreakdown.of(detector, TestImages.texture(40, 1)).chartImage(480, 300);
        assertEquals(480, chart.getWidth());
    }

    @Test
    void withACueCapTheSharesStillAddUpAndTheCueKeepsItsCappedShare() throws Exception {
        Detector detector = fusedEnsemble(dir.resolve("capped"), new ScoreFusion(0.8, 1.7, -0.3, 0.5));
        for (int seed = 50; seed < 53; seed++) {
            BufferedImage img = TestImages.texture(40, seed);
            double z = detector.imageLogOdds(List.of(detector.prepare(img)))[0];
            ScoreBreakdown b = ScoreBreakdown.of(detector, img);
            assertEquals(z, b.sum(), 1e-9);
            assertEquals(0.5 * Math.tanh(1.7 * b.cueLogOdds() / 0.5), b.cue(), 1e-12);
            assertTrue(Math.abs(b.cue()) <= 0.5);
            double parts = b.parts().stream().mapToDouble(ScoreBreakdown.Part::logOdds).sum();
            assertEquals(b.cue(), parts, 1e-9);
        }
    }

    @Test
    void withoutACueTheNetworkIsTheWholeScore() throws Exception {
        Detector detector = new Detector(TinyModels.tinyBundle(dir.resolve("plain"), 16, 3));
        BufferedImage img = TestImages.texture(24, 2);
        ScoreBreakdown b = ScoreBreakdown.of(detector, img);
        assertEquals(detector.imageLogOdds(List.of(detector.prepare(img)))[0], b.logOdds(), 1e-12);
        assertEquals(b.logOdds(), b.network(), 0);
        assertTrue(b.parts().isEmpty());
        assertTrue(!b.toJson().containsKey("cue_groups"));
    }

    @Test
    void bandsFollowTheRingRadius() {
        assertEquals("spectrum: low frequencies (< 1/3 Nyquist)", ScoreBreakdown.band(0.2));
        assertEquals("spectrum: mid frequencies (1/3-2/3 Nyquist)", ScoreBreakdown.band(0.5));
        assertEquals("spectrum: high frequencies (> 2/3 Nyquist)", ScoreBreakdown.band(1.0));
        assertEquals("spectrum: corners (beyond Nyquist)", ScoreBreakdown.band(1.2));
    }
}
