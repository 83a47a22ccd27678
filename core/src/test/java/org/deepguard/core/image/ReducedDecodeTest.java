package org.deepguard.core.image;

import org.deepguard.core.data.PerceptualHash;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reduced-size decode the scan uses for hashing: same verdicts as a full decode, full size reported. */
class ReducedDecodeTest {
    private static byte[] jpeg(int w, int h, long seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(TestImages.texture(64, seed), 0, 0, w, h, null);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    @Test
    void largeJpegKeepsFewerPixelsButReportsItsFullSizeAndNearlyTheSameHash() throws Exception {
        byte[] bytes = jpeg(1100, 780, 3);
        DecodedImage full = ImageLoader.decode(bytes, "a.jpg", ImageLoader.Limits.DEFAULT);
        ImageLoader.Checked reduced = ImageLoader.decode(bytes, "a.jpg", ImageLoader.Limits.DEFAULT, 256);
        assertEquals(1100, reduced.width());
        assertEquals(780, reduced.height());
        assertTrue(reduced.image().width() < 600 && reduced.image().height() >= 256,
                reduced.image().width() + "x" + reduced.image().height());
        int bits = PerceptualHash.distance(PerceptualHash.of(full.rgb()), PerceptualHash.of(reduced.image().rgb()));
        assertTrue(bits <= 2, bits + " bits apart");
        // a small one is decoded whole
        byte[] small = jpeg(300, 300, 4);
        assertEquals(300, ImageLoader.decode(small, "b.jpg", ImageLoader.Limits.DEFAULT, 256).image().width());
    }

    @Test
    void truncatedAndDamagedJpegsGetTheSameVerdictAsAFullDecode() throws Exception {
        byte[] bytes = jpeg(1030, 700, 5);
        int[] cuts = {bytes.length / 3, bytes.length * 9 / 10, bytes.length - 40, bytes.length - 2};
        for (int cut : cuts) {
            byte[] cutBytes = Arrays.copyOf(bytes, cut);
            ImageProblem fullVerdict = verdict(() -> ImageLoader.decode(cutBytes, "c.jpg", ImageLoader.Limits.DEFAULT));
            ImageProblem reducedVerdict = verdict(() -> ImageLoader.decode(cutBytes, "c.jpg",
                    ImageLoader.Limits.DEFAULT, 256));
            assertEquals(fullVerdict, reducedVerdict, "cut at " + cut + " of " + bytes.length);
            if (cut < bytes.length - 2) {
                assertEquals(ImageProblem.TRUNCATED, reducedVerdict, "cut at " + cut);
            }
        }
        byte[] damaged = bytes.clone();
        Arrays.fill(damaged, damaged.length / 2, damaged.length / 2 + 64, (byte) 0xFF);
        assertEquals(verdict(() -> ImageLoader.decode(damaged, "d.jpg", ImageLoader.Limits.DEFAULT)),
                verdict(() -> ImageLoader.decode(damaged, "d.jpg", ImageLoader.Limits.DEFAULT, 256)));
        // the pixel limit is checked before any pixel is decoded, reduced or not
        ImageLoadException e = assertThrows(ImageLoadException.class, () -> ImageLoader.decode(bytes, "e.jpg",
                new ImageLoader.Limits(256L << 20, 1000), 256));
        assertEquals(ImageProblem.TOO_LARGE, e.problem());
    }

    private interface Decode {
        Object run() throws ImageLoadException;
    }

    /** The problem a decode reports, or null when it succeeds. */
    private static ImageProblem verdict(Decode d) {
        try {
            d.run();
            return null;
        } catch (ImageLoadException e) {
            return e.problem();
        }
    }
}
