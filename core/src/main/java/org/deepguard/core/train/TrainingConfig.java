package org.deepguard.core.train;

import org.deepguard.core.model.NetworkConfig;

/**
 * Everything that determines a training run; recorded in the bundle's provenance.
 *
 * @param network        architecture
 * @param epochs         maximum epochs
 * @param batchSize      images per step
 * @param learningRate   peak learning rate (Adam)
 * @param minLearningRate floor of the cosine decay
 * @param warmupEpochs   linear warm-up length, in epochs (fractional allowed)
 * @param weightDecay    L2 on all weights
 * @param patience       epochs without validation-loss improvement before stopping (0 disables)
 * @param flipProbability horizontal-flip probability (training only)
 * @param classWeights   weight the loss by inverse class frequency of the training split
 * @param workers        decoding threads of the input pipeline
 * @param seed           seed for initialisation, shuffling and augmentation
 */
public record TrainingConfig(NetworkConfig network, int epochs, int batchSize, double learningRate,
                             double minLearningRate, double warmupEpochs, double weightDecay, int patience,
                             double flipProbability, boolean classWeights, int workers, long seed) {

    public TrainingConfig {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be positive");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be positive");
        }
    }

    public static TrainingConfig defaults(NetworkConfig network) {
        return new TrainingConfig(network, 30, 32, 1e-3, 1e-6, 1.0, 1e-5, 5, 0.5, true,
                Math.max(1, Runtime.getRuntime().availableProcessors()), network.seed());
    }
}
