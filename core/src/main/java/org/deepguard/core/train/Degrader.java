package org.deepguard.core.train;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * What happens to an example's image after decoding (and simulation), drawn from the example's own random stream:
 * the augmentation's degradation chain, or a fixed downscale for the scale calibration's validation copies.
 */
@FunctionalInterface
public interface Degrader {
    BufferedImage degrade(BufferedImage rgb, SplittableRandom random);
}
