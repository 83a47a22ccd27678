package org.deepguard.core.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Learning rate per iteration: linear warm-up from base/warmup to base over {@code warmupIterations}, then cosine
 * decay to {@code minValue} at {@code totalIterations} (held there afterwards). Driven by the network's own
 * iteration counter, which checkpoints persist, so a resumed run continues the curve where it stopped.
 */
public class CosineSchedule implements ISchedule {
    private final double baseValue;
    private final double minValue;
    private final int warmupIterations;
    private final int totalIterations;
    private final int startIteration;

    public CosineSchedule(double baseValue, double minValue, int warmupIterations, int totalIterations) {
        this(baseValue, minValue, warmupIterations, totalIterations, 0);
    }

    /**
     * @param startIteration global iteration at which this schedule begins (a second training phase starts
     *                       its own warm-up and decay where the first ended)
     */
    public CosineSchedule(@JsonProperty("baseValue") double baseValue, @JsonProperty("minValue") double minValue,
                          @JsonProperty("warmupIterations") int warmupIterations,
                          @JsonProperty("totalIterations") int totalIterations,
                          @JsonProperty("startIteration") int startIteration) {
        if (totalIterations <= 0 || warmupIterations < 0 || warmupIterations > totalIterations) {
            throw new IllegalArgumentException("need 0 <= warmup <= total and total > 0");
        }
        this.baseValue = baseValue;
        this.minValue = minValue;
        this.warmupIterations = warmupIterations;
        this.totalIterations = totalIterations;
        this.startIteration = startIteration;
    }

    @Override
    public double valueAt(int globalIteration, int epoch) {
        int iteration = Math.max(0, globalIteration - startIteration);
        if (iteration < warmupIterations) {
            return baseValue * (iteration + 1) / warmupIterations;
        }
        int decaySteps = totalIterations - warmupIterations;
        if (decaySteps <= 0 || iteration >= totalIterations) {
            return decaySteps <= 0 ? baseValue : minValue;
        }
        double progress = (double) (iteration - warmupIterations) / decaySteps;
        return minValue + 0.5 * (baseValue - minValue) * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(baseValue, minValue, warmupIterations, totalIterations, startIteration);
    }

    /**
     * Value equality matters: DL4J groups parameters into updater blocks by updater equality, and the saved Adam
     * state is laid out per block. Without it a restored network blocks differently and resumes with scrambled state.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && c.baseValue == baseValue && c.minValue == minValue
                && c.warmupIterations == warmupIterations && c.totalIterations == totalIterations
                && c.startIteration == startIteration;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(baseValue, minValue, warmupIterations, totalIterations, startIteration);
    }

    @JsonProperty("baseValue")
    public double getBaseValue() {
        return baseValue;
    }

    @JsonProperty("minValue")
    public double getMinValue() {
        return minValue;
    }

    @JsonProperty("warmupIterations")
    public int getWarmupIterations() {
        return warmupIterations;
    }

    @JsonProperty("startIteration")
    public int getStartIteration() {
        return startIteration;
    }

    @JsonProperty("totalIterations")
    public int getTotalIterations() {
        return totalIterations;
    }
}
