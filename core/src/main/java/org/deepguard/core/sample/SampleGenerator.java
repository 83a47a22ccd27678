package org.deepguard.core.sample;

import org.deepguard.core.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a small SYNTHETIC labelled sample: smooth, natural-looking colour textures as "real", and textures made at
 * half resolution then enlarged by a stride-2 transposed convolution as "fake". The transposed convolution's uneven
 * kernel overlap leaves the checkerboard pattern typical of GAN generators (Odena et al., 2016). It exists only to
 * show the pipeline end to end on any machine; it says nothing about real deepfakes.
 */
public final class SampleGenerator {
    private SampleGenerator() {}

    /** Writes {@code perClass} PNGs into {@code dir/real} and {@code dir/fake}; returns the number written. */
    public static int write(Path dir, int perClass, int size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < perClass; i++) {
            save(texture(size, size, random.split()), dir.resolve("real").resolve(String.format("real_%04d.png", i)));
            save(upsampled(size, random.split()), dir.resolve("fake").resolve(String.format("fake_%04d.png", i)));
        }
        return 2 * perClass;
    }

    /** A smooth colour field: a few octaves of bilinearly interpolated value noise plus soft stripes. */
    public static BufferedImage texture(int w, int h, SplittableRandom random) {
        float[][] rgb = new float[3][w * h];
        double[] base = {random.nextDouble(60, 200), random.nextDouble(60, 200), random.nextDouble(60, 200)};
        for (int c = 0; c < 3; c++) {
            java.util.Arrays.fill(rgb[c], (float) base[c]);
        }
        int cells = 2 + random.nextInt(3);
        double amplitude = 60;
        for (int octave = 0; octave < 4; octave++) {
            for (int c = 0; c < 3; c++) {
                addValueNoise(rgb[c], w, h, cells, amplitude * random.nextDouble(0.6, 1.0), random);
            }
            cells *= 2;
            amplitude *= 0.45;
        }
        double angle = random.nextDouble(Math.PI);
        double freq = random.nextDouble(0.02, 0.12);
        double stripe = random.nextDouble(5, 20);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = stripe * Math.sin((x * Math.cos(angle) + y * Math.sin(angle)) * freq * 2 * Math.PI);
                for (int c = 0; c < 3; c++) {
                    rgb[c][y * w + x] += (float) s;
                }
            }
        }
        return toImage(rgb, w, h);
    }

    /** A half-size texture enlarged 2x by zero insertion and a fixed 3x3 kernel (a transposed convolution). */
    public static BufferedImage upsampled(int size, SplittableRandom random) {
        int half = size / 2;
        BufferedImage small = texture(half, half, random);
        // Kernel weights per output parity: (even,even) pixels get 1 tap, odd rows/cols 2, odd-odd 4 taps; with
        // these weights the sums differ by parity, which is exactly the checkerboard artifact.
        double a = random.nextDouble(0.18, 0.24);
        double b = random.nextDouble(0.40, 0.48);
        double c = 1.0;
        double[][] k = {{a, b, a}, {b, c, b}, {a, b, a}};
        float[][] out = new float[3][size * size];
        for (int ch = 0; ch < 3; ch++) {
            int shift = 16 - 8 * ch;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double sum = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int sy = y + dy;
                            int sx = x + dx;
                            if (sy < 0 || sx < 0 || sy >= size || sx >= size || (sy & 1) != 0 || (sx & 1) != 0) {
                                continue; // inserted zero
                            }
                            int px = small.getRGB(Math.min(sx / 2, half - 1), Math.min(sy / 2, half - 1));
                            sum += k[dy + 1][dx + 1] * ((px >> shift) & 0xFF);
                        }
                    }
                    out[ch][y * size + x] = (float) sum;
                }
            }
        }
        return toImage(out, size, size);
    }

    private static void addValueNoise(float[] plane, int w, int h, int cells, double amplitude,
                                      SplittableRandom random) {
        double[] grid = new double[(cells + 1) * (cells + 1)];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = random.nextDouble(-1, 1) * amplitude;
        }
        for (int y = 0; y < h; y++) {
            double gy = (double) y / h * cells;
            int y0 = (int) gy;
            double fy = smooth(gy - y0);
            for (int x = 0; x < w; x++) {
                double gx = (double) x / w * cells;
                int x0 = (int) gx;
                double fx = smooth(gx - x0);
                double v00 = grid[y0 * (cells + 1) + x0];
                double v01 = grid[y0 * (cells + 1) + x0 + 1];
                double v10 = grid[(y0 + 1) * (cells + 1) + x0];
                double v11 = grid[(y0 + 1) * (cells + 1) + x0 + 1];
                plane[y * w + x] += (float) ((v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy);
            }
        }
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }

    private static BufferedImage toImage(float[][] rgb, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < w * h; i++) {
            int r = clamp(rgb[0][i]);
            int g = clamp(rgb[1][i]);
            int b = clamp(rgb[2][i]);
            img.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    private static void save(BufferedImage img, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer");
            }
        });
    }
}
