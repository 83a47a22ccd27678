package org.deepguard.core.model;

import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deepguard.core.testing.TestImages;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The folded, merged scoring graph gives the members' scores, and training never sees it. */
class InferenceGraphTest {
    @TempDir
    static Path dir;

    private static ModelBundle bundle;

    /** A shipped-style model in miniature: residual-only CNN branch, BN in convs and head, dropout, 3 members. */
    private static NetworkConfig config(long seed) {
        return new NetworkConfig(16, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 8}, new int[] {8, 6},
                new double[] {0.3, 0.2}, 1e-4, seed, true, true);
    }

    /** A few training steps, so BN running statistics and gammas are no longer their initial values. */
    private static ComputationGraph trained(long seed) {
        ComputationGraph net = HybridNetwork.build(config(seed));
        DataSet ds = batch(seed);
        for (int i = 0; i < 6; i++) {
            net.fit(ds);
        }
        return net;
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 16, 16).muli(2).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 2);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 2, 1);
        }
        return new DataSet(x, y);
    }

    @BeforeAll
    static void trainTinyEnsemble() throws Exception {
        List<BufferedImage> images = new ArrayList<>();
        boolean[] fake = new boolean[8];
        for (int i = 0; i < 8; i++) {
            images.add(TestImages.texture(32, i));
            fake[i] = i % 2 == 1;
        }
        ModelMetadata meta = new ModelMetadata();
        meta.network = config(1);
        meta.preprocessing = Preprocessing.defaults(16).withPatches(PatchVoting.meanOfLogits(3));
        meta.spectral = SpectralClassifier.fit(images, fake, new SpectrumConfig(32, 16, true, 1.0), 0.1);
        meta.fusion = new ScoreFusion(0.8, 1.1, -0.1);
        saved = List.of(trained(1), trained(2), trained(3));
        ModelBundle.save(dir.resolve("ensemble"), meta, saved);
        bundle = ModelBundle.load(dir.resolve("ensemble"));
    }

    private static List<ComputationGraph> saved;

    @Test
    void membersLoadedSideBySideKeepTheirOrder() {
        for (int i = 0; i < saved.size(); i++) {
            assertEquals(saved.get(i).params(), bundle.networks().get(i).params(), "member " + i);
        }
    }

    @Test
    void optimisedScoresEqualThePlainPathOnPatchesEnsembleAndCue() {
        Detector detector = new Detector(bundle);
        InferenceGraph g = detector.inferenceGraph(); // built now: scoring below goes through it
        List<Detector.PreparedImage> prepared = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            prepared.add(detector.prepare(TestImages.texture(40 + 3 * i, 100 + i)));
        }
        List<Prediction> fast = detector.predictPrepared(prepared);

        // the plain path, written out: each member's own graph, mean log-odds per view, patch mean, cue fusion
        List<float[]> views = new ArrayList<>();
        prepared.forEach(p -> views.addAll(p.views()));
        double[] perView = Detector.memberMeanLogOdds(bundle.networks(), detector.preprocessor().batch(views));
        double[] z = Detector.aggregateViews(perView, prepared.stream().mapToInt(p -> p.views().size()).toArray(),
                detector.preprocessor().spec().patches());
        ModelMetadata m = bundle.metadata();
        double spread = 0;
        for (int i = 0; i < z.length; i++) {
            double plain = Prediction.of(m.fusion.fuse(z[i], prepared.get(i).spectralLogOdds()), m.temperature,
                    m.threshold, m.uncertainBand).pFake();
            assertEquals(plain, fast.get(i).pFake(), 1e-5, "image " + i);
            spread = Math.max(spread, Math.abs(plain - fast.get(0).pFake()));
        }
        assertTrue(spread > 1e-4, "images should score differently, or the comparison proves little");

        assertEquals(12, g.removedBatchNorms(), "2 conv BNs and 2 head BNs per member");
        int bnLeft = 0;
        int frozen = 0;
        for (Layer l : g.graph().getLayers()) {
            bnLeft += l instanceof BatchNormalization ? 1 : 0;
            frozen += l instanceof org.deeplearning4j.nn.layers.FrozenLayer ? 1 : 0;
        }
        assertEquals(0, bnLeft, "every BN folded away");
        assertEquals(1, frozen, "the members' identical high-pass filters computed once");
        assertEquals(3, g.graph().getConfiguration().getNetworkOutputs().size());
    }

    @Test
    void trainingGradientsAndParametersAreUntouchedByTheFoldedCopy() {
        ComputationGraph member = trained(7);
        DataSet ds = batch(9);
        INDArray params = member.params().dup();
        member.setInputs(ds.getFeatures());
        member.setLabels(ds.getLabels());
        Nd4j.getRandom().setSeed(11); // the same dropout masks both times
        member.computeGradientAndScore();
        INDArray before = member.gradient().gradient().dup();

        InferenceGraph g = InferenceGraph.of(List.of(member));
        g.meanLogOdds(ds.getFeatures());
        assertNotEquals(g.graph().params().length(), member.params().length(), "the copy has other layers");

        assertEquals(params, member.params());
        member.setInputs(ds.getFeatures());
        member.setLabels(ds.getLabels());
        Nd4j.getRandom().setSeed(11); // the same dropout masks both times
        member.computeGradientAndScore();
        assertArrayEquals(before.toFloatVector(), member.gradient().gradient().toFloatVector(), 0f,
                "training gradients of the member are exactly what they were");
        // and the member still has its BN layers, so training keeps batch statistics
        long bns = java.util.Arrays.stream(member.getLayers()).filter(l -> l instanceof BatchNormalization).count();
        assertEquals(4, bns);
    }
}
