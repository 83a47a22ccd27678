package org.deepguard.core.keras;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = scale * x + offset with fixed constants: what a Keras {@code Rescaling} layer computes. As an activation it
 * rides on DL4J's {@code ActivationLayer}, so it needs no channel count and has no parameters. It lives only during
 * the import: a Rescaling right after the input is folded into the bundle's preprocessing, any other is refused.
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

    /**
     * In place, as DL4J requires (a new array fails its workspace checks). At inference {@code ActivationLayer}
     * hands over its input array itself, so this must never sit right after the network input (it would rescale
     * the caller's batch): {@link KerasImport} folds such a Rescaling into the preprocessing instead.
     */
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
