package org.deepguard.core.keras;

import org.deepguard.core.data.Label;
import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.LayerCapture;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Preprocessor;
import org.deepguard.core.preprocess.ResizePolicy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An imported Keras model as a bundle: saved, loaded, scored by the Detector and explained (NHWC graph). */
class KerasBundleTest {
    @TempDir
    static Path dir;
    static ModelBundle bundle;

    @BeforeAll
    static void importAndReload() throws Exception {
        // Rescaling(1/255) inside the model: it takes raw 0-255 pixels
        KerasBundle.create(KerasImportTest.fixture("rescaling_softmax.h5"), Label.FAKE, "raw", ResizePolicy.STRETCH,
                null, dir.resolve("m"), msg -> {});
        bundle = ModelBundle.load(dir.resolve("m"));
    }

    static BufferedImage image(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        return img;
    }

    @Test
    void bundleRecordsTheImportAndUsesFormat3() {
        ModelMetadata m = bundle.metadata();
        assertEquals(3, m.formatVersion);
        assertEquals("softmax", m.imported.head());
        assertEquals("fake", m.imported.classOneMeans());
        assertTrue(m.preprocessing.channelsLast());
        assertEquals(24, m.preprocessing.inputSize());
        assertEquals(0.5, m.threshold);
        assertEquals(1.0, m.temperature);
    }

    @Test
    void detectorFeedsRescaledNhwcPixelsToTheGraph() {
        BufferedImage img = image(24, 24, 3);
        float[] nhwc = new float[24 * 24 * 3];
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 24; x++) {
                int p = img.getRGB(x, y);
                int at = (y * 24 + x) * 3;
                nhwc[at] = ((p >> 16) & 0xFF) / 255f; // the model's Rescaling(1/255), now in the preprocessing
                nhwc[at + 1] = ((p >> 8) & 0xFF) / 255f;
                nhwc[at + 2] = (p & 0xFF) / 255f;
            }
        }
        INDArray out = bundle.network().outputSingle(false, Nd4j.create(nhwc, new long[] {1, 24, 24, 3}, 'c'));
        Prediction pred = new Detector(bundle).predict(img);
        assertEquals(out.getDouble(0, HybridNetwork.FAKE), pred.pFake(), 1e-5);
    }

    @Test
    void gradCamOnTheNhwcGraphFoldsBatchNormAndGivesExactChannelGradients() {
        Explainer explainer = new Explainer(bundle);
        assertFalse(explainer.network().foldedVertices().isEmpty(), "BN folded into the imported convolutions");
        BufferedImage img = image(24, 24, 5);
        float[] tensor = explainer.preprocessor().toTensor(img);
        // the copy's logits give the original's log-odds
        INDArray batch = explainer.preprocessor().batch(List.of(tensor));
        INDArray before = batch.dup();
        INDArray p = bundle.network().outputSingle(false, batch);
        assertEquals(before, batch, "the network must not change its input");
        INDArray z = explainer.network().logits(batch);
        assertEquals(Math.log(p.getDouble(0, 1) / p.getDouble(0, 0)), z.getDouble(0, 1) - z.getDouble(0, 0), 1e-4);
        // relu2 -> global average pool -> dense: d logit_k / d a_c(y, x) = W[c, k] / (h w), channel by channel
        LayerCapture c = explainer.network().capture(batch, "relu2", HybridNetwork.FAKE);
        assertEquals(4, c.channels());
        assertEquals(24, c.height());
        INDArray w = bundle.network().getLayer("output").getParam("W");
        for (int ch = 0; ch < 4; ch++) {
            double expected = w.getDouble(ch, HybridNetwork.FAKE) / (24 * 24);
            for (double g : c.gradients()[ch]) {
                assertEquals(expected, g, 1e-7);
            }
        }
        Explanation e = explainer.explain(tensor, null, CamMethod.GRAD_CAM_PLUS_PLUS, null);
        assertNotNull(e.map());
        assertEquals(24, e.upsampled().width());
    }

    @Test
    void gradCamExplainsTheSeedShapedModelWhoseHeadHasDropout(@TempDir Path tmp) throws Exception {
        // the seed's head is Dense-BN-Dropout-Dense: Keras import leaves the dropout on the layer after it, which has
        // no mask outside training; the explanation copy must treat it as the identity instead of failing
        KerasBundle.create(KerasImportTest.fixture("seed_hybrid.h5"), Label.FAKE, "unit", ResizePolicy.STRETCH, null,
                tmp.resolve("seed"), msg -> {});
        ModelBundle seed = ModelBundle.load(tmp.resolve("seed"));
        Explainer explainer = new Explainer(seed);
        int size = seed.metadata().preprocessing.inputSize();
        float[] tensor = explainer.preprocessor().toTensor(image(size, size, 11));
        INDArray batch = explainer.preprocessor().batch(List.of(tensor));
        INDArray p = seed.network().outputSingle(false, batch);
        INDArray z = explainer.network().logits(batch);
        assertEquals(Math.log(p.getDouble(0, 1) / p.getDouble(0, 0)), z.getDouble(0, 1) - z.getDouble(0, 0), 1e-4);
        Explanation e = explainer.explain(tensor, null, CamMethod.GRAD_CAM_PLUS_PLUS, null);
        assertEquals(size, e.upsampled().width());
    }

    @Test
    void kerasPreprocessingModesGiveTheKerasValues() {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
            }
        }
        List<float[]> expected = new ArrayList<>();
        expected.add(new float[] {200 / 255f, 100 / 255f, 50 / 255f}); // unit
        expected.add(new float[] {200 / 127.5f - 1, 100 / 127.5f - 1, 50 / 127.5f - 1}); // tf
        expected.add(new float[] {50 - 103.939f, 100 - 116.779f, 200 - 123.68f}); // caffe: BGR minus the mean
        expected.add(new float[] {(200 / 255f - 0.485f) / 0.229f, (100 / 255f - 0.456f) / 0.224f,
            (50 / 255f - 0.406f) / 0.225f}); // torch
        expected.add(new float[] {200, 100, 50}); // raw
        String[] modes = {"unit", "tf", "caffe", "torch", "raw"};
        for (int i = 0; i < modes.length; i++) {
            Preprocessor pre = new Preprocessor(Preprocessing.keras(8, ResizePolicy.STRETCH, modes[i]));
            INDArray b = pre.batch(List.of(pre.toTensor(img)));
            assertEquals(List.of(1L, 8L, 8L, 3L), List.of(b.size(0), b.size(1), b.size(2), b.size(3)));
            for (int ch = 0; ch < 3; ch++) {
                assertEquals(expected.get(i)[ch], b.getFloat(0, 3, 5, ch), 2e-4, modes[i] + " channel " + ch);
            }
        }
    }
}
