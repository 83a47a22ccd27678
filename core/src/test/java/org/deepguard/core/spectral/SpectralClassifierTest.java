package org.deepguard.core.spectral;

import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.sample.SampleGenerator;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectralClassifierTest {
    private static final int SIZE = 64;

    private static BufferedImage enlarge2x(BufferedImage small, Object interpolation) {
        BufferedImage out = new BufferedImage(2 * small.getWidth(), 2 * small.getHeight(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
        g.drawImage(small, 0, 0, out.getWidth(), out.getHeight(), null);
        g.dispose();
        return out;
    }

    /** "Fake" i: a half-size texture enlarged 2x by nearest neighbour, bilinear, or a transposed convolution. */
    private static BufferedImage fake(int i, long seed) {
        return switch (i % 3) {
            case 0 -> enlarge2x(TestImages.texture(SIZE / 2, seed), RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            case 1 -> enlarge2x(TestImages.texture(SIZE / 2, seed), RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            default -> SampleGenerator.upsampled(SIZE, new SplittableRandom(seed));
        };
    }

    private record Set(List<BufferedImage> images, boolean[] isFake) {}

    private static Set generate(int perClass, long seed) {
        List<BufferedImage> images = new ArrayList<>();
        boolean[] y = new boolean[2 * perClass];
        for (int i = 0; i < perClass; i++) {
            images.add(TestImages.texture(SIZE, seed + 2L * i));
            images.add(fake(i, seed + 2L * i + 1));
            y[2 * i + 1] = true;
        }
        return new Set(images, y);
    }

    @Test
    void separatesUpsampledFromNativeTexturesOnHeldOutImages() throws Exception {
        Set train = generate(30, 1000);
        Set test = generate(15, 5000);
        SpectralClassifier clf = SpectralClassifier.fit(train.images(), train.isFake(), SpectrumConfig.defaults(),
                SpectralClassifier.DEFAULT_L2);
        double[] scores = clf.logOdds(test.images());
        double auc = BinaryMetrics.rocAuc(test.isFake(), scores);
        assertTrue(auc > 0.9, "held-out AUC " + auc);
        assertEquals(clf.logOdds(test.images().get(3)), scores[3], 0);

        // Bundles store it as JSON: the read-back classifier must give bit-identical scores.
        String json = Json.MAPPER.writeValueAsString(clf);
        SpectralClassifier back = Json.MAPPER.readValue(json, SpectralClassifier.class);
        assertEquals(clf.config(), back.config());
        assertArrayEquals(scores, back.logOdds(test.images()), 0);
        assertEquals(json, Json.MAPPER.writeValueAsString(back));
    }

    @Test
    void resamplingPartAddsItsLogOddsAndRoundTripsThroughJson() throws Exception {
        Set train = generate(30, 1000);
        Set test = generate(10, 7000);
        ResamplingConfig rc = ResamplingConfig.defaults();
        SpectralClassifier both = SpectralClassifier.fit(train.images(), train.isFake(), SpectrumConfig.defaults(),
                rc, SpectralClassifier.DEFAULT_L2);
        SpectralClassifier profileOnly = SpectralClassifier.fit(train.images(), train.isFake(),
                SpectrumConfig.defaults(), SpectralClassifier.DEFAULT_L2);
        // The spectral part is fitted on the same vectors either way; the resampling part is its own regression.
        assertArrayEquals(profileOnly.model().weights(), both.model().weights(), 0);
        assertEquals(profileOnly.model().bias(), both.model().bias(), 0);
        double[][] periodic = new double[train.images().size()][];
        for (int i = 0; i < periodic.length; i++) {
            periodic[i] = ResamplingFeatures.of(train.images().get(i), rc);
        }
        LogisticRegression expectedPart = LogisticRegression.fit(periodic, train.isFake(),
                SpectralClassifier.DEFAULT_L2, LogisticRegression.ClassWeighting.BALANCED);
        BufferedImage img = test.images().get(1);
        double expected = profileOnly.logOdds(img) + expectedPart.logOdds(ResamplingFeatures.of(img, rc));
        assertEquals(expected, both.logOdds(img), 1e-12);
        assertTrue(BinaryMetrics.rocAuc(test.isFake(), both.logOdds(test.images())) > 0.9);

        String json = Json.MAPPER.writeValueAsString(both);
        SpectralClassifier back = Json.MAPPER.readValue(json, SpectralClassifier.class);
        assertEquals(rc, back.resampling());
        assertEquals(both.logOdds(img), back.logOdds(img), 0);
        // Nulls are not written, so a profile-only cue is stored exactly as before the resampling part existed.
        String old = Json.MAPPER.writeValueAsString(profileOnly);
        assertTrue(!old.contains("resampling"), old);
        SpectralClassifier oldBack = Json.MAPPER.readValue(old, SpectralClassifier.class);
        assertEquals(null, oldBack.resampling());
        assertEquals(profileOnly.logOdds(img), oldBack.logOdds(img), 0);
    }

    @Test
    void refusesMismatchedInput() {
        Set train = generate(2, 1);
        assertThrows(IllegalArgumentException.class, () -> SpectralClassifier.fit(train.images(), new boolean[3],
                SpectrumConfig.defaults(), 0.1));
        LogisticRegression three = LogisticRegression.fit(new double[][] {{1, 2, 3}, {3, 1, 2}},
                new boolean[] {true, false}, 1, LogisticRegression.ClassWeighting.NONE);
        assertThrows(IllegalArgumentException.class, () -> new SpectralClassifier(SpectrumConfig.defaults(), three));
        SpectralClassifier ok = SpectralClassifier.fit(generate(4, 9).images(), new boolean[] {false, true, false,
                true, false, true, false, true}, SpectrumConfig.defaults(), 0.1);
        assertThrows(IllegalArgumentException.class, () -> new SpectralClassifier(ok.config(), ok.model(),
                ResamplingConfig.defaults(), null), "half a resampling part");
        assertThrows(IllegalArgumentException.class, () -> new SpectralClassifier(ok.config(), ok.model(),
                ResamplingConfig.defaults(), three), "wrong resampling dimension");
    }
}
