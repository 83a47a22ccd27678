package org.deepguard.core;

import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The oneDNN fast path must really be on in the default build (its failure is silent: DL4J just leaves the helpers
 * out) and must agree with DL4J's built-in layer code.
 *
 * <p>Tolerances. Float32 sums in a different order differ by ~1e-7 relative per layer; inference outputs here agree
 * to ~1e-7. Gradients go through training-mode BatchNorm, whose backprop subtracts the batch means of the gradient
 * and of gradient*x-hat: with few samples per channel that cancels most of the signal and amplifies rounding
 * (measured on this small net: worst parameter 3e-5 relative between the paths, each 1e-5 to 2e-5 from float64;
 * on ResNet50 at batch 4-16 both float paths are 3-4% from a float64 run and about as far from each other: the
 * "1.8e-2 at the stem" of the performance issue). So gradients are held to 2e-3 relative L2 per parameter against
 * the built-in path (room for other CPUs, where oneDNN picks other kernels), and the fast path must be no farther
 * from a float64 run than 2x the built-in float32 path's distance.
 */
class BackendTest {
    private static final int SIZE = 32;
    private static final int BATCH = 6;
    /** CNN branch (3 conv/BN/ReLU blocks, 2 max-pools) and a one-layer head: every helper type, in a few seconds. */
    private static final NetworkConfig SMALL = new NetworkConfig(SIZE, Backbone.NONE, BackboneWeights.RANDOM,
            new int[] {8, 16, 16}, new int[] {16}, new double[] {0.0}, 0.0, 11);

    private static Backend.Status status;

    @BeforeAll
    static void init() {
        status = Backend.init();
    }

    /** The oneDNN libnd4j is on the classpath in the default (onednn profile) build; -Pcpu builds skip this. */
    private static boolean oneDnnJarPresent() {
        String dir = "/org/nd4j/linalg/cpu/nativecpu/bindings/" + Loader.getPlatform() + "-onednn/";
        return BackendTest.class.getResource(dir + "libnd4jcpu.so") != null
                || BackendTest.class.getResource(dir + "nd4jcpu.dll") != null
                || BackendTest.class.getResource(dir + "libnd4jcpu.dylib") != null;
    }

    @Test
    void helpersAreActiveWhenTheOneDnnLibraryIsBundled() {
        assumeTrue(oneDnnJarPresent() && status.requested(), "no oneDNN libnd4j in this build, or turned off");
        assertTrue(status.oneDnnLibrary(), "the -onednn libnd4j is on the classpath but was not loaded");
        assertTrue(status.helpers(), "oneDNN helpers are off: " + status.reason());

        ComputationGraph net = HybridNetwork.build(SMALL);
        int conv = 0;
        int bn = 0;
        int pool = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof ConvolutionLayer) {
                assertInstanceOf(MKLDNNConvHelper.class, layer.getHelper(), layer.getConfig().getLayerName());
                conv++;
            } else if (layer instanceof BatchNormalization) {
                assertInstanceOf(MKLDNNBatchNormHelper.class, layer.getHelper(), layer.getConfig().getLayerName());
                bn++;
            } else if (layer instanceof SubsamplingLayer) {
                assertInstanceOf(MKLDNNSubsamplingHelper.class, layer.getHelper(), layer.getConfig().getLayerName());
                pool++;
            }
        }
        // 3 conv + 3 BN in the branch, 1 BN in the head; 2 pools.
        assertEquals(3, conv);
        assertEquals(4, bn);
        assertEquals(2, pool);
        assertEquals(9, Backend.helperLayers(net));
    }

    @Test
    void referencePathHasNoHelpers() {
        ComputationGraph net = Backend.withHelpers(false, () -> HybridNetwork.build(SMALL));
        assertEquals(0, Backend.helperLayers(net));
        for (Layer layer : net.getLayers()) {
            assertNull(layer.getHelper(), layer.getConfig().getLayerName());
        }
    }

    @Test
    void fastPathMatchesReferenceOutputsAndGradients() {
        assumeTrue(status.helpers(), "oneDNN helpers unavailable: " + status.reason());
        ComputationGraph ref = Backend.withHelpers(false, () -> HybridNetwork.build(SMALL));
        ComputationGraph fast = Backend.withHelpers(true, () -> HybridNetwork.build(SMALL));
        assertEquals(9, Backend.helperLayers(fast));
        fast.setParams(ref.params().dup());
        ComputationGraph dbl = Backend.withHelpers(false, () -> HybridNetwork.build(SMALL))
                .convertDataType(DataType.DOUBLE);
        dbl.setParams(ref.params().castTo(DataType.DOUBLE));

        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, 3, SIZE, SIZE).subi(0.5).muli(2);
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 2);
        for (int i = 0; i < BATCH; i++) {
            y.putScalar(i, i % 2, 1);
        }

        INDArray outRef = ref.outputSingle(false, x);
        INDArray outFast = fast.outputSingle(false, x);
        assertTrue(outRef.sub(outFast).amaxNumber().doubleValue() < 1e-5, "inference outputs differ");

        ref.setInputs(x);
        ref.setLabels(y);
        ref.computeGradientAndScore();
        fast.setInputs(x);
        fast.setLabels(y);
        fast.computeGradientAndScore();
        dbl.setInputs(x.castTo(DataType.DOUBLE));
        dbl.setLabels(y.castTo(DataType.DOUBLE));
        dbl.computeGradientAndScore();
        assertEquals(ref.score(), fast.score(), 1e-5 * Math.abs(ref.score()), "training loss differs");

        Map<String, INDArray> gRef = ref.gradient().gradientForVariable();
        Map<String, INDArray> gFast = fast.gradient().gradientForVariable();
        Map<String, INDArray> gDbl = dbl.gradient().gradientForVariable();
        assertEquals(gRef.keySet(), gFast.keySet());
        double scale = ref.gradient().gradient().norm2Number().doubleValue();
        int compared = 0;
        for (String key : gRef.keySet()) {
            INDArray r = gRef.get(key).castTo(DataType.DOUBLE);
            INDArray f = gFast.get(key).castTo(DataType.DOUBLE);
            INDArray d = gDbl.get(key);
            double norm = r.norm2Number().doubleValue();
            double diff = r.sub(f).norm2Number().doubleValue();
            if (norm < 1e-4 * scale) {
                // e.g. a bias right before BatchNorm: its true gradient is 0, both paths give rounding noise
                assertTrue(diff < 1e-5 * scale, key + ": " + diff);
                continue;
            }
            compared++;
            assertTrue(diff / norm < 2e-3, key + ": fast vs reference relative L2 " + diff / norm);
            double fastErr = f.sub(d).norm2Number().doubleValue() / norm;
            double refErr = r.sub(d).norm2Number().doubleValue() / norm;
            assertTrue(fastErr <= Math.max(2 * refErr, 1e-5),
                    key + ": fast path " + fastErr + " from float64, built-in path " + refErr);
        }
        assertTrue(compared >= 12, "too few parameters compared: " + compared);
    }
}
