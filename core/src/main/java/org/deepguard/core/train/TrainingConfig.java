package org.deepguard.core.train;

import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.ResizePolicy;

/**
 * Everything that determines a training run; recorded in the bundle's provenance and checked on --resume.
 *
 * @param network          architecture
 * @param epochs           maximum epochs in all
 * @param batchSize        images per step
 * @param learningRate     peak learning rate (Adam)
 * @param minLearningRate  floor of the cosine decay
 * @param warmupEpochs     linear warm-up length, in epochs (fractional allowed)
 * @param weightDecay      L2 on all weights
 * @param patience         epochs without validation-loss improvement before stopping (0 disables)
 * @param augmentation     training-only augmentation
 * @param classWeights     weight the loss by inverse class frequency of the training split
 * @param freezeEpochs     with a pretrained backbone: epochs of phase 1 (backbone frozen) before fine-tuning
 * @param unfreezeLast     phase 2 trains the last N backbone layers (the reference recipe: 20)
 * @param finetuneLrFactor phase 2 peak learning rate = learningRate * this
 * @param plateauFactor    multiply the learning rate by this when validation loss stalls (0 disables)
 * @param plateauPatience  epochs without improvement before a plateau reduction
 * @param workers          decoding threads of the input pipeline (not part of the result)
 * @param seed             seed for initialisation, shuffling, augmentation and dropout
 * @param resize           how images become the square input (stored in the bundle's preprocessing)
 * @param patches          patch training and patch-vote inference at native resolution (null: whole image)
 * @param ensemble         members of a seed ensemble (seeds seed, seed+1, ...); 1 = a single network
 * @param spectral         fuse the network score with the hand-crafted cue (spectral-profile classifier) fitted on
 *                         the train split
 * @param resampling       with {@code spectral}: add the resampling-periodicity classifier to the hand-crafted cue
 *                         (late fusion: the two log-odds are summed); ignored without {@code spectral}
 * @param simulation       simulated fakes (issue 22); null: none
 * @param degradedCopies   degraded copies of each train/validation image for the cue and calibration
 * @param scaleCalibration downscale factors (decreasing, each below 0.9) at which the fused log-odds of smaller
 *                         inputs are recalibrated on downscaled validation images ({@link
 *                         org.deepguard.core.metrics.ScaleCalibration}); empty: none
 */
public record TrainingConfig(NetworkConfig network, int epochs, int batchSize, double learningRate,
                             double minLearningRate, double warmupEpochs, double weightDecay, int patience,
                             AugmentationConfig augmentation, boolean classWeights, int freezeEpochs,
                             int unfreezeLast, double finetuneLrFactor, double plateauFactor, int plateauPatience,
                             int workers, long seed, ResizePolicy resize, PatchVoting patches, int ensemble,
                             boolean spectral, boolean resampling, SimulationConfig simulation,
                             int degradedCopies, java.util.List<Double> scaleCalibration) {

    /** Keys of the stored configuration that only change what is fitted after the network(s) are trained. */
    static final java.util.Set<String> POST_TRAINING_KEYS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("resampling", "degradedCopies", "scaleCalibration"),
            PostTraining.KEYS.stream()).collect(java.util.stream.Collectors.toUnmodifiableSet());

    public TrainingConfig(NetworkConfig network, int epochs, int batchSize, double learningRate,
                          double minLearningRate, double warmupEpochs, double weightDecay, int patience,
                          AugmentationConfig augmentation, boolean classWeights, int freezeEpochs,
                          int unfreezeLast, double finetuneLrFactor, double plateauFactor, int plateauPatience,
                          int workers, long seed, ResizePolicy resize) {
        this(network, epochs, batchSize, learningRate, minLearningRate, warmupEpochs, weightDecay, patience,
                augmentation, classWeights, freezeEpochs, unfreezeLast, finetuneLrFactor, plateauFactor,
                plateauPatience, workers, seed, resize, null, 1, false, false);
    }

    /** Without simulated fakes and degraded copies (the configuration before they existed). */
    public TrainingConfig(NetworkConfig network, int epochs, int batchSize, double learningRate,
                          double minLearningRate, double warmupEpochs, double weightDecay, int patience,
                          AugmentationConfig augmentation, boolean classWeights, int freezeEpochs,
                          int unfreezeLast, double finetuneLrFactor, double plateauFactor, int plateauPatience,
                          int workers, long seed, ResizePolicy resize, PatchVoting patches, int ensemble,
                          boolean spectral, boolean resampling) {
        this(network, epochs, batchSize, learningRate, minLearningRate, warmupEpochs, weightDecay, patience,
                augmentation, classWeights, freezeEpochs, unfreezeLast, finetuneLrFactor, plateauFactor,
                plateauPatience, workers, seed, resize, patches, ensemble, spectral, resampling, null, 0);
    }

    /** Without the scale calibration (the configuration before it existed). */
    public TrainingConfig(NetworkConfig network, int epochs, int batchSize, double learningRate,
                          double minLearningRate, double warmupEpochs, double weightDecay, int patience,
                          AugmentationConfig augmentation, boolean classWeights, int freezeEpochs,
                          int unfreezeLast, double finetuneLrFactor, double plateauFactor, int plateauPatience,
                          int workers, long seed, ResizePolicy resize, PatchVoting patches, int ensemble,
                          boolean spectral, boolean resampling, SimulationConfig simulation, int degradedCopies) {
        this(network, epochs, batchSize, learningRate, minLearningRate, warmupEpochs, weightDecay, patience,
                augmentation, classWeights, freezeEpochs, unfreezeLast, finetuneLrFactor, plateauFactor,
                plateauPatience, workers, seed, resize, patches, ensemble, spectral, resampling, simulation,
                degradedCopies, java.util.List.of());
    }

    /** Two configuration maps hold the same values (key order aside), compared as JSON. */
    static boolean sameJson(java.util.Map<String, Object> a, java.util.Map<String, Object> b) {
        try {
            return org.deepguard.core.io.Json.MAPPER.readTree(org.deepguard.core.io.Json.line(a))
                    .equals(org.deepguard.core.io.Json.MAPPER.readTree(org.deepguard.core.io.Json.line(b)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A stored configuration (JSON map) as this version writes it: keys added since it was written get the value
     * that reproduces the old behaviour (no resize/noise degradations, no simulation, no degraded copies).
     */
    @SuppressWarnings("unchecked")
    static java.util.Map<String, Object> upgraded(java.util.Map<String, Object> stored) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>(stored);
        out.putIfAbsent("resampling", false);
        out.putIfAbsent("simulation", null);
        out.putIfAbsent("degradedCopies", 0);
        out.putIfAbsent("scaleCalibration", java.util.List.of());
        PostTraining.upgrade(out);
        Object aug = out.get("augmentation");
        if (aug instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> a = new java.util.LinkedHashMap<>((java.util.Map<String, Object>) m);
            a.putIfAbsent("resize", 0.0);
            a.putIfAbsent("resizeMinFactor", 1.0);
            a.putIfAbsent("noise", 0.0);
            a.putIfAbsent("noiseMaxSigma", 0.0);
            out.put("augmentation", a);
        }
        if (out.get("simulation") instanceof java.util.Map<?, ?> m) { // issue 22, session 3: detail matching
            java.util.Map<String, Object> sim = new java.util.LinkedHashMap<>((java.util.Map<String, Object>) m);
            sim.putIfAbsent("matchDetail", false);
            out.put("simulation", sim);
        }
        return out;
    }

    public TrainingConfig {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be positive");
        }
        if (!(learningRate > 0) || !(finetuneLrFactor > 0)) {
            throw new IllegalArgumentException("learning rates must be positive");
        }
        if (plateauFactor < 0 || plateauFactor >= 1) {
            throw new IllegalArgumentException("plateau factor must lie in [0, 1)");
        }
        resize = resize == null ? ResizePolicy.CENTER_CROP : resize;
        if (freezeEpochs < 0 || unfreezeLast < 0) {
            throw new IllegalArgumentException("freeze epochs and unfreeze count must be >= 0");
        }
        if (ensemble < 1) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        if (degradedCopies < 0 || degradedCopies > 8) {
            throw new IllegalArgumentException("degraded copies must lie in [0, 8]");
        }
        scaleCalibration = scaleCalibration == null ? java.util.List.of() : java.util.List.copyOf(scaleCalibration);
        org.deepguard.core.metrics.ScaleCalibration.checkFactors(
                scaleCalibration.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * The defaults of `train`, the best combination measured under the grouped protocol (BENCHMARKS.md): patch
     * training with 3x3 patch voting, the hand-crafted cue (spectral profile + resampling periodicity) fused in, a
     * 3-seed ensemble. {@code network} sets the patch side and the CNN branch's input (`train` uses 64 px and
     * residuals only: {@code NetworkConfig.defaults(64, seed).withResidualOnly(true)}).
     */
    public static TrainingConfig defaults(NetworkConfig network) {
        return new TrainingConfig(network, 30, 32, 1e-3, 1e-6, 1.0, 1e-5, 5, AugmentationConfig.defaults(), true,
                5, 20, 0.1, 0.0, 2, Math.max(1, Runtime.getRuntime().availableProcessors()), network.seed(),
                ResizePolicy.NATIVE_CROP, PatchVoting.meanOfLogits(3), 3, true, true, null, 0,
                DEFAULT_SCALE_CALIBRATION);
    }

    /** The downscale factors of the default scale calibration: the sizes a 0.75 and a 0.5 downscale leave. */
    public static final java.util.List<Double> DEFAULT_SCALE_CALIBRATION = java.util.List.of(0.75, 0.5);

    /** This configuration with another scale calibration (empty: none). */
    public TrainingConfig withScaleCalibration(java.util.List<Double> factors) {
        return new TrainingConfig(network, epochs, batchSize, learningRate, minLearningRate, warmupEpochs,
                weightDecay, patience, augmentation, classWeights, freezeEpochs, unfreezeLast, finetuneLrFactor,
                plateauFactor, plateauPatience, workers, seed, resize, patches, ensemble, spectral, resampling,
                simulation, degradedCopies, factors);
    }

    /** The same run with another epoch budget etc. is a different run; workers are not part of it. */
    public TrainingConfig withWorkers(int n) {
        return new TrainingConfig(network, epochs, batchSize, learningRate, minLearningRate, warmupEpochs,
                weightDecay, patience, augmentation, classWeights, freezeEpochs, unfreezeLast, finetuneLrFactor,
                plateauFactor, plateauPatience, n, seed, resize, patches, ensemble, spectral, resampling, simulation,
                degradedCopies, scaleCalibration);
    }

    /** Member {@code index} of a seed ensemble: a single network with its own seed. */
    public TrainingConfig ensembleMember(int index) {
        long memberSeed = seed + index;
        NetworkConfig memberNetwork = network.withSeed(network.seed() + index);
        return new TrainingConfig(memberNetwork, epochs, batchSize, learningRate, minLearningRate, warmupEpochs,
                weightDecay, patience, augmentation, classWeights, freezeEpochs, unfreezeLast, finetuneLrFactor,
                plateauFactor, plateauPatience, workers, memberSeed, resize, patches, 1, false, false, simulation, 0,
                java.util.List.of());
    }
}
