package org.deepguard.core.train;

import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training-time degradation chain (resize, blur, noise, JPEG) and the standard sweep it is measured under. */
class DegradationChainTest {
    private static final AugmentationConfig ALWAYS = new AugmentationConfig(0, 0, 1, 1, 2, 1, 50, 0, 1, 0.5, 1, 5);

    static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void theChainIsDeterministicPerSeedEpochAndImage() {
        Augmenter aug = new Augmenter(AugmentationConfig.defaults());
        BufferedImage img = TestImages.texture(48, 5);
        long key = Augmenter.imageKey(Path.of("data/real/a.png"));
        int differentDraws = 0;
        for (int epoch = 0; epoch < 6; epoch++) {
            BufferedImage a = aug.apply(img, Augmenter.streamFor(7, epoch, key));
            BufferedImage b = aug.apply(img, Augmenter.streamFor(7, epoch, key));
            assertEquals(a.getWidth(), b.getWidth());
            assertArrayEquals(pixels(a), pixels(b), "same (seed, epoch, image) -> same image");
            BufferedImage other = aug.apply(img, Augmenter.streamFor(7, epoch,
                    Augmenter.imageKey(Path.of("data/real/b.png"))));
            if (other.getWidth() != a.getWidth() || !Arrays.equals(pixels(other), pixels(a))) {
                differentDraws++;
            }
        }
        assertTrue(differentDraws >= 4, "another image draws another chain in most epochs: " + differentDraws);
        assertNotEquals(Augmenter.imageKey(Path.of("a.png")), Augmenter.imageKey(Path.of("b.png")));
    }

    @Test
    void eachStepDoesWhatItSays() {
        BufferedImage img = TestImages.texture(64, 9);
        // only the resize step: smaller, never larger, at least half the side
        Augmenter resizeOnly = new Augmenter(new AugmentationConfig(0, 0, 1, 0, 0, 0, 100, 0, 1, 0.5, 0, 0));
        for (int s = 0; s < 20; s++) {
            BufferedImage out = resizeOnly.degrade(img, Augmenter.streamFor(1, 0, s));
            assertTrue(out.getWidth() <= 64 && out.getWidth() >= 32, "width " + out.getWidth());
            assertEquals(out.getWidth(), out.getHeight());
        }
        // only JPEG: same size, different pixels
        Augmenter jpegOnly = new Augmenter(new AugmentationConfig(0, 0, 1, 0, 0, 1, 50, 0));
        BufferedImage j = jpegOnly.degrade(img, Augmenter.streamFor(1, 0, 1));
        assertEquals(64, j.getWidth());
        assertFalse(Arrays.equals(pixels(img), pixels(j)));
        // nothing switched on: the image itself
        assertArrayEquals(pixels(img), pixels(new Augmenter(AugmentationConfig.none()).degrade(img,
                Augmenter.streamFor(1, 0, 1))));
        // everything on, every step fires
        BufferedImage all = new Augmenter(ALWAYS).degrade(img, Augmenter.streamFor(3, 2, 1));
        assertTrue(all.getWidth() < 64 || !Arrays.equals(pixels(img), pixels(all)));
    }

    @Test
    void switchingOneStepOffDoesNotMoveTheOthers() {
        BufferedImage img = TestImages.texture(40, 2);
        AugmentationConfig jpegAndBlur = new AugmentationConfig(0, 0, 1, 1, 2, 1, 50, 0, 0, 0.5, 0, 5);
        AugmentationConfig withNoiseOff = new AugmentationConfig(0, 0, 1, 1, 2, 1, 50, 0, 0, 0.5, 0, 0);
        for (int s = 0; s < 5; s++) {
            assertArrayEquals(pixels(new Augmenter(jpegAndBlur).degrade(img, Augmenter.streamFor(4, 1, s))),
                    pixels(new Augmenter(withNoiseOff).degrade(img, Augmenter.streamFor(4, 1, s))));
        }
    }

    @Test
    void standardSweepExpandsToTheDocumentedList() {
        assertEquals(java.util.List.of("jpeg=90", "jpeg=75", "jpeg=50", "resize=0.5", "blur=1", "noise=0.02",
                "resize=0.75+jpeg=75"), Perturbation.parse("standard").stream().map(Perturbation::label).toList());
        assertEquals(Perturbation.standard(), Perturbation.parse(" Standard "));
        assertEquals(java.util.List.of("jpeg75", "resize0.75_jpeg75"), java.util.List.of(
                CrossValidation.conditionKey(new Perturbation(Perturbation.Kind.JPEG, 75)),
                CrossValidation.conditionKey(Perturbation.standard().get(6))));
    }

    @Test
    void aChainAppliesItsStepsInOrder() {
        Perturbation chain = Perturbation.parse("resize=0.5+jpeg=80").get(0);
        assertTrue(chain.isChain());
        assertEquals("chain", chain.groupKey());
        assertEquals("resize=0.5+jpeg=80", chain.label());
        BufferedImage img = TestImages.texture(32, 4);
        BufferedImage byHand = new Perturbation(Perturbation.Kind.JPEG, 80).apply(
                new Perturbation(Perturbation.Kind.RESIZE, 0.5).apply(img, 11), 11 * 0x9E3779B97F4A7C15L + 1);
        assertArrayEquals(pixels(byHand), pixels(chain.apply(img, 11)));
        assertEquals(16, chain.apply(img, 11).getWidth());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Perturbation.parse("resize=0.5,0.7+jpeg=80")).getMessage().contains("one strength"));
    }
}
