package org.deepguard.core.preprocess;

import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Applies a {@link Preprocessing} definition: file or image in, CHW float tensor out. The network never sees a file;
 * this class never sees the network.
 */
public final class Preprocessor {
    private final Preprocessing spec;
    private final ImageLoader.Limits limits;

    public Preprocessor(Preprocessing spec) {
        this(spec, ImageLoader.Limits.DEFAULT);
    }

    public Preprocessor(Preprocessing spec, ImageLoader.Limits limits) {
        this.spec = spec;
        this.limits = limits;
    }

    public Preprocessing spec() {
        return spec;
    }

    public float[] load(Path file) throws ImageLoadException {
        return toTensor(ImageLoader.load(file, limits).rgb());
    }

    public DecodedImage decode(Path file) throws ImageLoadException {
        return ImageLoader.load(file, limits);
    }

    /**
     * The views the network scores for one image at inference: one resized view, or with patch voting the grid of
     * native-resolution patches (see {@link PatchVoting}); the image score aggregates over them.
     */
    public List<float[]> views(BufferedImage image) {
        if (spec.patches() == null) {
            return List.of(toTensor(image));
        }
        return patchGrid(image).patches().stream().map(Patch::tensor).toList();
    }

    /** One inference patch: its origin in the (possibly enlarged) native image and its tensor. */
    public record Patch(int x, int y, float[] tensor) {}

    /** The inference patches of a patch-voting definition, over an image of {@code width} x {@code height}. */
    public record PatchGrid(int width, int height, List<Patch> patches) {}

    /** The patches {@link #views} scores, with where they lie (for explanations stitched over the whole image). */
    public PatchGrid patchGrid(BufferedImage image) {
        PatchVoting voting = spec.patches();
        if (voting == null) {
            throw new IllegalStateException("this preprocessing has no patch voting");
        }
        int size = spec.inputSize();
        BufferedImage rgb = ImageLoader.toRgb(image);
        List<Patch> out = new ArrayList<>();
        if (Math.min(rgb.getWidth(), rgb.getHeight()) >= size) {
            // no enlargement: each patch reads its own pixels, so a 40-megapixel photo is never copied into planes
            for (int y : voting.offsets(rgb.getHeight(), size)) {
                for (int x : voting.offsets(rgb.getWidth(), size)) {
                    out.add(new Patch(x, y, normalise(planes(rgb.getSubimage(x, y, size, size)), size, 0, 0)));
                }
            }
            return new PatchGrid(rgb.getWidth(), rgb.getHeight(), out);
        }
        Native n = nativePlanes(rgb);
        for (int y : voting.offsets(n.height, size)) {
            for (int x : voting.offsets(n.width, size)) {
                out.add(new Patch(x, y, normalise(n.planes, n.width, x, y)));
            }
        }
        return new PatchGrid(n.width, n.height, out);
    }

    public List<float[]> views(Path file) throws ImageLoadException {
        return views(ImageLoader.load(file, limits).rgb());
    }

    /**
     * The view training sees: the resized image, or with patch voting one native-resolution patch at a position
     * drawn from {@code random} (the caller's per-image stream keeps runs reproducible).
     */
    public float[] trainingView(BufferedImage image, SplittableRandom random) {
        if (spec.patches() == null) {
            return toTensor(image);
        }
        int size = spec.inputSize();
        BufferedImage rgb = ImageLoader.toRgb(image);
        if (Math.min(rgb.getWidth(), rgb.getHeight()) >= size) { // read only the patch (same draws as below)
            int x = random.nextInt(rgb.getWidth() - size + 1);
            int y = random.nextInt(rgb.getHeight() - size + 1);
            return normalise(planes(rgb.getSubimage(x, y, size, size)), size, 0, 0);
        }
        Native n = nativePlanes(rgb);
        return normalise(n.planes, n.width, random.nextInt(n.width - size + 1), random.nextInt(n.height - size + 1));
    }

    private record Native(float[][] planes, int width, int height) {}

    /** RGB planes at native resolution, enlarged (aspect kept) only when the shorter side is below the input. */
    private Native nativePlanes(BufferedImage image) {
        BufferedImage rgb = ImageLoader.toRgb(image);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        float[][] planes = planes(rgb);
        int size = spec.inputSize();
        if (Math.min(w, h) >= size) {
            return new Native(planes, w, h);
        }
        double scale = (double) size / Math.min(w, h);
        int outW = Math.max(size, (int) Math.round(w * scale));
        int outH = Math.max(size, (int) Math.round(h * scale));
        return new Native(Resampler.resize(planes, w, h, 0, 0, w, h, outW, outH), outW, outH);
    }

    /** The size x size window at (x0, y0) of 0-255 planes of width {@code w}, scaled and normalised. */
    private float[] normalise(float[][] planes, int w, int x0, int y0) {
        int size = spec.inputSize();
        return normalise(planes, w, x0, y0, size, size, 0, 0);
    }

    /**
     * Scales to [0,1] and normalises the {@code width} x {@code height} window at (x0, y0) of 0-255 planes (row
     * stride {@code w}) into an input-size CHW tensor at (dstX, dstY). Anything outside stays 0: the mean colour
     * after normalisation, which is what PAD's border should be.
     */
    private float[] normalise(float[][] planes, int w, int x0, int y0, int width, int height, int dstX, int dstY) {
        int size = spec.inputSize();
        float[] mean = spec.mean();
        float[] std = spec.std();
        float[] out = new float[3 * size * size];
        boolean bgr = spec.bgr();
        for (int c = 0; c < 3; c++) {
            int base = c * size * size;
            float m = mean[c];
            float s = std[c];
            float[] plane = planes[bgr ? 2 - c : c]; // mean and std are in the tensor's channel order
            for (int y = 0; y < height; y++) {
                int row = (y + y0) * w + x0;
                int dst = base + (y + dstY) * size + dstX;
                for (int x = 0; x < width; x++) {
                    out[dst + x] = (plane[row + x] / 255f - m) / s;
                }
            }
        }
        return out;
    }

    /** RGB image (any size) to a normalised CHW tensor of 3 x inputSize x inputSize by the resize policy. */
    public float[] toTensor(BufferedImage image) {
        BufferedImage rgb = ImageLoader.toRgb(image);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        float[][] planes = planes(rgb);
        int size = spec.inputSize();
        Resized r = resize(planes, w, h, size, spec.resize());
        return normalise(r.planes(), r.width(), 0, 0, r.width(), r.height(), r.offsetX(), r.offsetY());
    }

    /**
     * RGB planes (0-255) resized by a policy into a size x size canvas: {@code planes} hold width x height values
     * placed at (offsetX, offsetY); only PAD leaves a border. The one definition of each policy's geometry, shared by
     * the tensors here and by {@code dataset export}'s resized copies.
     */
    public record Resized(float[][] planes, int width, int height, int offsetX, int offsetY) {}

    public static Resized resize(float[][] planes, int w, int h, int size, ResizePolicy policy) {
        return switch (policy) {
            case STRETCH -> new Resized(Resampler.resize(planes, w, h, 0, 0, w, h, size, size), size, size, 0, 0);
            case CENTER_CROP -> {
                int side = Math.min(w, h);
                // Integral crop origin keeps a same-size input untouched (no half-pixel shift).
                yield new Resized(Resampler.resize(planes, w, h, Math.floor((w - side) / 2.0),
                        Math.floor((h - side) / 2.0), side, side, size, size), size, size, 0, 0);
            }
            case NATIVE_CROP -> {
                int side = Math.min(w, h);
                float[][] r = side >= size
                        ? Resampler.resize(planes, w, h, (w - size) / 2, (h - size) / 2, size, size, size, size) // 1:1
                        : Resampler.resize(planes, w, h, Math.floor((w - side) / 2.0), Math.floor((h - side) / 2.0),
                                side, side, size, size);
                yield new Resized(r, size, size, 0, 0);
            }
            case PAD -> {
                double scale = (double) size / Math.max(w, h);
                int outW = Math.max(1, (int) Math.round(w * scale));
                int outH = Math.max(1, (int) Math.round(h * scale));
                yield new Resized(Resampler.resize(planes, w, h, 0, 0, w, h, outW, outH), outW, outH,
                        (size - outW) / 2, (size - outH) / 2);
            }
        };
    }

    /** Stacks CHW tensors into one NCHW batch (NHWC when the definition says so: graphs imported from Keras). */
    public INDArray batch(List<float[]> tensors) {
        int size = spec.inputSize();
        int per = 3 * size * size;
        float[] flat = new float[tensors.size() * per];
        for (int i = 0; i < tensors.size(); i++) {
            float[] t = tensors.get(i);
            if (t.length != per) {
                throw new IllegalArgumentException("tensor " + i + " has " + t.length + " values, expected " + per);
            }
            System.arraycopy(t, 0, flat, i * per, per);
        }
        INDArray nchw = Nd4j.create(flat, new long[] {tensors.size(), 3, size, size}, 'c');
        return spec.channelsLast() ? nchw.permute(0, 2, 3, 1).dup('c') : nchw;
    }

    private static float[][] planes(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        float[][] planes = new float[3][w * h];
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            planes[0][i] = (p >> 16) & 0xFF;
            planes[1][i] = (p >> 8) & 0xFF;
            planes[2][i] = p & 0xFF;
        }
        return planes;
    }
}
