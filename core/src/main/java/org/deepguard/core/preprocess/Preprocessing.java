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
 */
public record Preprocessing(int inputSize, ResizePolicy resize, float[] mean, float[] std, PatchVoting patches) {

    /** ImageNet statistics: what an ImageNet-pretrained backbone expects, and harmless for a random one. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public Preprocessing(int inputSize, ResizePolicy resize, float[] mean, float[] std) {
        this(inputSize, resize, mean, std, null);
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
    }

    public static Preprocessing defaults(int inputSize) {
        return new Preprocessing(inputSize, ResizePolicy.CENTER_CROP, IMAGENET_MEAN, IMAGENET_STD);
    }

    public Preprocessing withResize(ResizePolicy policy) {
        return new Preprocessing(inputSize, policy, mean, std, patches);
    }

    public Preprocessing withPatches(PatchVoting voting) {
        return new Preprocessing(inputSize, resize, mean, std, voting);
    }

    /** Human-readable step list, for logs and reports. */
    @JsonIgnore
    public List<String> steps() {
        String geometry = patches != null
                ? patches.describe().replace("patches(", "patches(" + inputSize + "x" + inputSize + ",")
                : "resize(" + resize.name().toLowerCase() + "," + inputSize + "x" + inputSize + ",bilinear-antialias)";
        return List.of("decode(sniffed)", "exif-orientation", "rgb8(drop-alpha)", geometry, "scale(1/255)", "normalize(mean=" + Arrays.toString(mean) + ",std=" + Arrays.toString(std) + ")",
                "layout(NCHW,float32)");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.inputSize == inputSize && p.resize == resize
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std)
                && Objects.equals(p.patches, patches);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSize, resize, Arrays.hashCode(mean), Arrays.hashCode(std), patches);
    }

    @Override
    public String toString() {
        return String.join(" -> ", steps());
    }
}
