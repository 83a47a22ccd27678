package org.deepguard.core.keras;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = scale * x + offset with fixed constants: what a Keras {@code Rescaling} layer computes. As an activation it
 * rides on DL4J's {@code ActivationLayer}, so it needs no channel count, has no parameters, serialises with the graph
 * (by class name) and back-propagates exactly (explanations pass through it).
 */
public final class AffineActivation extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    private double scale;
    private double offset;

    /** For deserialisation. */
    public AffineActivation() {
        this(1, 0);
    }

    public AffineActivation(double scale, double offset) {
        this.scale = scale;
        this.offset = offset;
    }

    public double getScale() {
        return scale;
    }

    public double getOffset() {
        return offset;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in.muli(scale).addi(offset);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        return new Pair<>(epsilon.muli(scale), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AffineActivation a && a.scale == scale && a.offset == offset;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(scale) * 31 + Double.hashCode(offset);
    }

    @Override
    public String toString() {
        return "affine(" + scale + "," + offset + ")";
    }
}
