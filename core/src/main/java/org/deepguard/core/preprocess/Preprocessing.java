package org.deepguard.core.preprocess;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The ONE preprocessing definition. It is stored in the model bundle and rebuilt from it by training, evaluation,
 * detection and explanation, so no two stages can disagree about what a pixel means.
 *
 * <p>Steps, in order: decode (content-sniffed) - EXIF orientation - 8-bit RGB (alpha dropped) - resize policy to
 * {@code inputSize} (anti-aliased bilinear), or, with {@code patches}, input-size patches cut at native resolution -
 * scale to [0,1] - per-channel (x - mean) / std - NCHW float32.
 *
 * @param inputSize side of the square network input in pixels
 * @param resize    how non-square or differently sized images become square
 * @param mean      per-channel mean (RGB) subtracted after scaling to [0,1]
 * @param std       per-channel standard deviation (RGB) divided after subtracting the mean
 * @param patches   patch training and patch-vote inference instead of one resized view (null: off)
 * @param channels  channel order of the tensor: "bgr" for Keras caffe-style models ({@code mean}/{@code std} are then
 *                  given in BGR order); null means RGB (every bundle before format 3)
 * @param layout    tensor layout: "nhwc" for graphs imported from Keras; null means NCHW
 */
public record Preprocessing(int inputSize, ResizePolicy resize, float[] mean, float[] std, PatchVoting patches,
                            String channels, String layout) {

    /** ImageNet statistics: what an ImageNet-pretrained backbone expects, and harmless for a random one. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public static final String BGR = "bgr";
    public static final String NHWC = "nhwc";

    public Preprocessing(int inputSize, ResizePolicy resize, float[] mean, float[] std) {
        this(inputSize, resize, mean, std, null);
    }

    public Preprocessing(int inputSize, ResizePolicy resize, float[] mean, float[] std, PatchVoting patches) {
        this(inputSize, resize, mean, std, patches, null, null);
    }

    public Preprocessing {
        if (inputSize < 8) {
            throw new IllegalArgumentException("input size must be at least 8, got " + inputSize);
        }
        Objects.requireNonNull(resize, "resize");
        if (mean == null || mean.length != 3 || std == null || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (RGB)");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std values must be positive");
            }
        }
        mean = mean.clone();
        std = std.clone();
        channels = channels == null || channels.equalsIgnoreCase("rgb") ? null : channels.toLowerCase(java.util.Locale.ROOT);
        layout = layout == null || layout.equalsIgnoreCase("nchw") ? null : layout.toLowerCase(java.util.Locale.ROOT);
        if (channels != null && !channels.equals(BGR)) {
            throw new IllegalArgumentException("channel order must be rgb or bgr, got " + channels);
        }
        if (layout != null && !layout.equals(NHWC)) {
            throw new IllegalArgumentException("layout must be nchw or nhwc, got " + layout);
        }
    }

    /** True when the tensor's channels are blue, green, red (Keras caffe-style models). */
    @JsonIgnore
    public boolean bgr() {
        return BGR.equals(channels);
    }

    /** True when batches are [n, height, width, channels] (graphs imported from Keras). */
    @JsonIgnore
    public boolean channelsLast() {
        return NHWC.equals(layout);
    }

    /**
     * The preprocessing of a Keras model: {@code mode} is unit (x/255), tf (x/127.5 - 1), caffe (BGR, minus the
     * ImageNet mean in 0-255 units), torch (x/255, ImageNet mean and std) or raw (0-255, for a model that rescales
     * inside itself); the layout is NHWC.
     */
    public static Preprocessing keras(int inputSize, ResizePolicy resize, String mode) {
        float[] one = {1f, 1f, 1f};
        float inv255 = 1f / 255f;
        return switch (mode.toLowerCase(java.util.Locale.ROOT)) {
            case "unit" -> new Preprocessing(inputSize, resize, new float[3], one, null, null, NHWC);
            case "tf" -> new Preprocessing(inputSize, resize, new float[] {0.5f, 0.5f, 0.5f},
                    new float[] {0.5f, 0.5f, 0.5f}, null, null, NHWC);
            case "torch" -> new Preprocessing(inputSize, resize, IMAGENET_MEAN, IMAGENET_STD, null, null, NHWC);
            case "caffe" -> new Preprocessing(inputSize, resize, new float[] {103.939f / 255f, 116.779f / 255f,
                    123.68f / 255f}, new float[] {inv255, inv255, inv255}, null, BGR, NHWC);
            case "raw" -> new Preprocessing(inputSize, resize, new float[3], new float[] {inv255, inv255, inv255},
                    null, null, NHWC);
            default -> throw new IllegalArgumentException("preprocessing mode must be unit, tf, caffe, torch or raw, "
                    + "got '" + mode + "'");
        };
    }

    public static Preprocessing defaults(int inputSize) {
        return new Preprocessing(inputSize, ResizePolicy.CENTER_CROP, IMAGENET_MEAN, IMAGENET_STD);
    }

    public Preprocessing withResize(ResizePolicy policy) {
        return new Preprocessing(inputSize, policy, mean, std, patches, channels, layout);
    }

    public Preprocessing withPatches(PatchVoting voting) {
        return new Preprocessing(inputSize, resize, mean, std, voting, channels, layout);
    }

    /** Human-readable step list, for logs and reports. */
    @JsonIgnore
    public List<String> steps() {
        String geometry = patches != null
                ? patches.describe().replace("patches(", "patches(" + inputSize + "x" + inputSize + ",")
                : "resize(" + resize.name().toLowerCase() + "," + inputSize + "x" + inputSize + ",bilinear-antialias)";
        List<String> steps = new java.util.ArrayList<>(List.of("decode(sniffed)", "exif-orientation",
                "rgb8(drop-alpha)", geometry, "scale(1/255)"));
        if (bgr()) {
            steps.add("channels(BGR)");
        }
        steps.add("normalize(mean=" + Arrays.toString(mean) + ",std=" + Arrays.toString(std) + ")");
        steps.add(channelsLast() ? "layout(NHWC,float32)" : "layout(NCHW,float32)");
        return List.copyOf(steps);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.inputSize == inputSize && p.resize == resize
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std)
                && Objects.equals(p.patches, patches) && Objects.equals(p.channels, channels)
                && Objects.equals(p.layout, layout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSize, resize, Arrays.hashCode(mean), Arrays.hashCode(std), patches, channels, layout);
    }

    @Override
    public String toString() {
        return String.join(" -> ", steps());
    }
}
