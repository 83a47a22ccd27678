package org.deepguard.core.preprocess;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.model.Scores;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PatchVotingTest {
    @TempDir
    Path dir;

    @Test
    void offsetsSpreadEvenlyAndNeverCloserThanHalfAPatch() {
        PatchVoting v = PatchVoting.meanOfLogits(3);
        assertEquals(List.of(0, 32, 64), v.offsets(128, 64));
        assertEquals(List.of(0), v.offsets(64, 64));
        assertEquals(List.of(0, 6), v.offsets(70, 64)); // a 6 px span: two positions, not three
        assertEquals(List.of(0, 468, 936), v.offsets(1000, 64)); // large images: the grid spans the whole width
        assertEquals(List.of(32), PatchVoting.meanOfLogits(1).offsets(128, 64)); // grid 1: the centre
    }

    @Test
    void aggregatesAreTheDocumentedStatistics() {
        double[] z = {-2, 4, 1, 5};
        assertEquals(2.0, PatchVoting.meanOfLogits(2).aggregate(z), 1e-12);
        PatchVoting q75 = new PatchVoting(2, PatchVoting.Aggregate.QUANTILE, 0.75);
        assertEquals(4.25, q75.aggregate(z), 1e-12); // sorted -2,1,4,5: position 2.25 -> 4 + 0.25 * 1
        assertEquals(5.0, new PatchVoting(2, PatchVoting.Aggregate.QUANTILE, 1.0).aggregate(z), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new PatchVoting(0, PatchVoting.Aggregate.MEAN_LOGIT, 0));
        assertThrows(IllegalArgumentException.class, () -> new PatchVoting(3, PatchVoting.Aggregate.QUANTILE, 1.5));
    }

    @Test
    void inferenceViewsAreTheNativePatchesAndTrainingDrawsOne() {
        Preprocessing spec = new Preprocessing(16, ResizePolicy.NATIVE_CROP, new float[] {0, 0, 0},
                new float[] {1, 1, 1}, PatchVoting.meanOfLogits(3));
        Preprocessor p = new Preprocessor(spec);
        BufferedImage img = TestImages.texture(32, 5);
        List<float[]> views = p.views(img);
        assertEquals(9, views.size());
        Preprocessor plain = new Preprocessor(new Preprocessing(16, ResizePolicy.CENTER_CROP, new float[] {0, 0, 0},
                new float[] {1, 1, 1}));
        // view (row 1, column 2) is the pixels at x 16..31, y 8..23, untouched by resampling
        assertArrayEquals(plain.toTensor(img.getSubimage(16, 8, 16, 16)), views.get(5), 0f);
        float[] drawn = p.trainingView(img, new SplittableRandom(3));
        assertArrayEquals(drawn, p.trainingView(img, new SplittableRandom(3)), 0f);
        assertEquals(3 * 16 * 16, drawn.length);
        // an image smaller than a patch is enlarged to one view of the patch size
        assertEquals(1, p.views(TestImages.texture(12, 1)).size());
    }

    @Test
    void patchVoteEqualsTheMeanOfPerPatchLogOddsComputedByHand() throws Exception {
        NetworkConfig net = TinyModels.tinyConfig(16, 3);
        ModelMetadata meta = new ModelMetadata();
        meta.network = net;
        meta.preprocessing = Preprocessing.defaults(16).withResize(ResizePolicy.NATIVE_CROP)
                .withPatches(PatchVoting.meanOfLogits(3));
        ModelBundle saved = ModelBundle.save(dir.resolve("m"), meta, HybridNetwork.build(net));
        ModelBundle bundle = ModelBundle.load(saved.directory());
        assertEquals(meta.preprocessing, bundle.metadata().preprocessing); // the lever round-trips
        assertEquals(2, bundle.metadata().formatVersion);

        BufferedImage img = TestImages.texture(40, 9); // offsets 0, 12, 24 on both axes
        Preprocessor single = new Preprocessor(Preprocessing.defaults(16));
        double sum = 0;
        for (int y : List.of(0, 12, 24)) {
            for (int x : List.of(0, 12, 24)) {
                float[] t = single.toTensor(img.getSubimage(x, y, 16, 16));
                sum += Scores.logOdds(bundle.network().outputSingle(false, single.batch(List.of(t))))[0];
            }
        }
        double byHand = sum / 9;
        double voted = new Detector(bundle).predict(img).logOdds();
        assertEquals(byHand, voted, 1e-5);
        double centreOnly = new Detector(bundle).predictTensors(List.of(single.toTensor(
                img.getSubimage(12, 12, 16, 16)))).get(0).logOdds();
        assertNotEquals(centreOnly, voted, 1e-6); // the vote really looked at more than one patch
    }
}
