package org.deepguard.core.preprocess;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.deepguard.core.train.Augmenter;
import org.deepguard.core.train.BatchPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PreprocessorTest {
    @TempDir
    Path dir;

    @Test
    void sameSizeInputIsOnlyNormalised() {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 2, 0xFF8000);
        Preprocessor p = new Preprocessor(new Preprocessing(8, ResizePolicy.CENTER_CROP, new float[] {0, 0, 0},
                new float[] {1, 1, 1}));
        float[] t = p.toTensor(img);
        assertEquals(1.0f, t[2 * 8 + 3], 1e-6f); // R plane
        assertEquals(128 / 255f, t[64 + 2 * 8 + 3], 1e-6f); // G plane
        assertEquals(0f, t[128 + 2 * 8 + 3], 1e-6f); // B plane
        assertEquals(0f, t[0], 0f);
    }

    @Test
    void uniformImageStaysUniformAtAnySizeAndPolicy() {
        BufferedImage img = new BufferedImage(37, 23, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                img.setRGB(x, y, 0x336699);
            }
        }
        for (ResizePolicy policy : new ResizePolicy[] {ResizePolicy.STRETCH, ResizePolicy.CENTER_CROP}) {
            float[] t = new Preprocessor(new Preprocessing(16, policy, new float[] {0, 0, 0},
                    new float[] {1, 1, 1})).toTensor(img);
            for (int i = 0; i < 256; i++) {
                assertEquals(0x33 / 255f, t[i], 1e-5f, policy + " pixel " + i);
            }
        }
    }

    @Test
    void trainingAndDetectionPathsProduceIdenticalTensors() throws Exception {
        Path a = TestImages.png(dir.resolve("a.png"), TestImages.texture(50, 1));
        Path b = TestImages.jpeg(dir.resolve("b.jpg"), TestImages.texture(40, 2));
        ModelBundle bundle = TinyModels.tinyBundle(dir.resolve("m"), 32, 1);
        Detector detector = new Detector(bundle);
        Preprocessor training = new Preprocessor(bundle.metadata().preprocessing);
        try (BatchPipeline pipeline = new BatchPipeline(training, new Augmenter(1.0), 2, 2, (i, e) -> {})) {
            INDArray batch = pipeline.batchesWithoutAugmentation(
                    List.of(new BatchPipeline.Item(a, 0), new BatchPipeline.Item(b, 1)), 2).next().features();
            assertArrayEquals(detector.preprocessor().load(a), batch.slice(0).dup().data().asFloat());
            assertArrayEquals(detector.preprocessor().load(b), batch.slice(1).dup().data().asFloat());
        }
    }

    @Test
    void nativeCropCopiesTheCentralPixelsWithoutResampling() {
        BufferedImage img = TestImagesAccess.texture(40);
        Preprocessor p = new Preprocessor(new Preprocessing(32, ResizePolicy.NATIVE_CROP, new float[] {0, 0, 0},
                new float[] {1, 1, 1}));
        float[] t = p.toTensor(img);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int rgb = img.getRGB(x + 4, y + 4);
                assertEquals(((rgb >> 8) & 0xFF) / 255f, t[32 * 32 + y * 32 + x], 1e-6f);
            }
        }
    }

    private static final class TestImagesAccess {
        static BufferedImage texture(int size) {
            return org.deepguard.core.testing.TestImages.texture(size, 9);
        }
    }
}
