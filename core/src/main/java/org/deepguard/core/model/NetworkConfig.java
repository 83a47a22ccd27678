package org.deepguard.core.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * Architecture of the hybrid network; stored in the bundle so a model can be rebuilt exactly.
 *
 * @param inputSize        square input side in pixels
 * @param backbone         the deep branch
 * @param backboneWeights  how the backbone starts
 * @param cnnChannels      output channels of each CNN-branch block (3x3 conv, BN, ReLU, then 2x2 max-pool except
 *                         after the last block); the first block runs at full resolution, where upsampling traces
 *                         live
 * @param headUnits        widths of the dense head layers (seed recipe: 512, 128)
 * @param headDropout      drop probability after each head layer (seed recipe: 0.3, 0.2)
 * @param headL2           L2 on the first head layer (seed recipe: 1e-4)
 * @param seed             weight-initialisation seed
 * @param highPass         feed the CNN branch fixed SRM high-pass residuals (Fridrich and Kodovsky, 2012) beside the
 *                         RGB input: upsampling traces are high-frequency and these filters expose them directly
 * @param residualOnly     with {@code highPass}: the CNN branch sees only the residuals, not the RGB pixels, so it
 *                         cannot learn scene content or colour (what a small training set tempts it to learn)
 */
public record NetworkConfig(int inputSize, Backbone backbone, BackboneWeights backboneWeights, int[] cnnChannels,
                            int[] headUnits, double[] headDropout, double headL2, long seed, boolean highPass,
                            boolean residualOnly) {

    public NetworkConfig(int inputSize, Backbone backbone, BackboneWeights backboneWeights, int[] cnnChannels,
                         int[] headUnits, double[] headDropout, double headL2, long seed, boolean highPass) {
        this(inputSize, backbone, backboneWeights, cnnChannels, headUnits, headDropout, headL2, seed, highPass, false);
    }

    public NetworkConfig(int inputSize, Backbone backbone, BackboneWeights backboneWeights, int[] cnnChannels,
                         int[] headUnits, double[] headDropout, double headL2, long seed) {
        this(inputSize, backbone, backboneWeights, cnnChannels, headUnits, headDropout, headL2, seed, false);
    }

    public NetworkConfig {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(backboneWeights, "backboneWeights");
        if (inputSize < 16) {
            throw new IllegalArgumentException("input size must be at least 16, got " + inputSize);
        }
        if (cnnChannels == null || cnnChannels.length == 0) {
            throw new IllegalArgumentException("the CNN branch needs at least one block");
        }
        if (headUnits == null || headDropout == null || headUnits.length != headDropout.length) {
            throw new IllegalArgumentException("head units and dropouts must pair up");
        }
        if (residualOnly && !highPass) {
            throw new IllegalArgumentException("a residual-only CNN branch needs the high-pass filters");
        }
        cnnChannels = cnnChannels.clone();
        headUnits = headUnits.clone();
        headDropout = headDropout.clone();
    }

    /** The reference recipe: ResNet50 + 4-block CNN branch (32-256), head 512/128 with dropout 0.3/0.2. */
    public static NetworkConfig defaults(int inputSize, long seed) {
        return new NetworkConfig(inputSize, Backbone.RESNET50, BackboneWeights.RANDOM, new int[] {32, 64, 128, 256},
                new int[] {512, 128}, new double[] {0.3, 0.2}, 1e-4, seed, true);
    }

    public NetworkConfig withBackbone(Backbone b, BackboneWeights w) {
        return new NetworkConfig(inputSize, b, w, cnnChannels, headUnits, headDropout, headL2, seed, highPass,
                residualOnly);
    }

    public NetworkConfig withCnnChannels(int... channels) {
        return new NetworkConfig(inputSize, backbone, backboneWeights, channels, headUnits, headDropout, headL2, seed,
                highPass, residualOnly);
    }

    public NetworkConfig withHead(int[] units, double[] dropout) {
        return new NetworkConfig(inputSize, backbone, backboneWeights, cnnChannels, units, dropout, headL2, seed,
                highPass, residualOnly);
    }

    public NetworkConfig withSeed(long newSeed) {
        return new NetworkConfig(inputSize, backbone, backboneWeights, cnnChannels, headUnits, headDropout, headL2,
                newSeed, highPass, residualOnly);
    }

    public NetworkConfig withHighPass(boolean on) {
        return new NetworkConfig(inputSize, backbone, backboneWeights, cnnChannels, headUnits, headDropout, headL2, seed,
                on, on && residualOnly);
    }

    public NetworkConfig withResidualOnly(boolean on) {
        return new NetworkConfig(inputSize, backbone, backboneWeights, cnnChannels, headUnits, headDropout, headL2, seed,
                highPass || on, on);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkConfig c && c.inputSize == inputSize && c.backbone == backbone
                && c.backboneWeights == backboneWeights && Arrays.equals(c.cnnChannels, cnnChannels)
                && Arrays.equals(c.headUnits, headUnits) && Arrays.equals(c.headDropout, headDropout)
                && c.headL2 == headL2 && c.seed == seed && c.highPass == highPass
                && c.residualOnly == residualOnly;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSize, backbone, backboneWeights, Arrays.hashCode(cnnChannels),
                Arrays.hashCode(headUnits), Arrays.hashCode(headDropout), headL2, seed, highPass, residualOnly);
    }

    @Override
    public String toString() {
        return "NetworkConfig[input=" + inputSize + ", backbone=" + backbone + "/" + backboneWeights + ", cnn="
                + Arrays.toString(cnnChannels) + ", head=" + Arrays.toString(headUnits) + ", dropout="
                + Arrays.toString(headDropout) + ", l2=" + headL2 + ", seed=" + seed + ", highPass=" + highPass + ", residualOnly=" + residualOnly + "]";
    }
}
