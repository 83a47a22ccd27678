package org.deepguard.core.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Three SRM residual kernels from steganalysis rich models (Fridrich and Kodovsky, 2012), as used by image-forensics
 * networks (e.g. Zhou et al., 2018): they cancel smooth content and keep the pixel-level noise where upsampling and
 * generator fingerprints live. Applied to each colour channel separately (no channel mixing).
 */
public final class HighPassFilters {
    public static final int COUNT = 3;

    private static final double[][][] KERNELS = {
        { // second-order, 3x3 core ("KV-lite")
            {0, 0, 0, 0, 0}, {0, -1, 2, -1, 0}, {0, 2, -4, 2, 0}, {0, -1, 2, -1, 0}, {0, 0, 0, 0, 0}},
        { // KV: the 5x5 third/fourth-order residual
            {-1, 2, -2, 2, -1}, {2, -6, 8, -6, 2}, {-2, 8, -12, 8, -2}, {2, -6, 8, -6, 2}, {-1, 2, -2, 2, -1}},
        { // horizontal second-order
            {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 1, -2, 1, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}},
    };
    private static final double[] SCALE = {1 / 4.0, 1 / 12.0, 1 / 2.0};

    private HighPassFilters() {}

    /** Convolution weights [COUNT*3, 3, 5, 5]: output c*COUNT+k is kernel k on input channel c. */
    public static INDArray weights() {
        INDArray w = Nd4j.zeros(DataType.FLOAT, COUNT * 3, 3, 5, 5);
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < COUNT; k++) {
                for (int y = 0; y < 5; y++) {
                    for (int x = 0; x < 5; x++) {
                        w.putScalar(new long[] {c * COUNT + k, c, y, x}, KERNELS[k][y][x] * SCALE[k]);
                    }
                }
            }
        }
        return w;
    }
}
