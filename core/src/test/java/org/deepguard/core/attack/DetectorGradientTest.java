package org.deepguard.core.attack;

import org.deepguard.core.explain.ExplainTestSupport;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Preprocessor;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.sample.SampleGenerator;
import org.deepguard.core.spectral.CueGradient;
import org.deepguard.core.spectral.ResamplingConfig;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The white-box gradient of the whole detector (SRM filter, patches, ensemble, cue, fusion, temperature) against
 * central finite differences, on tiny double-precision networks with non-trivial BatchNorm statistics. The step is
 * small (0.002 levels): the random tiny networks sit on many ReLU kinks, and a larger step crosses them (the
 * difference quotient then averages two slopes; measured: exact at 0.005, off by 2x for some pixels at 0.5).
 */
class DetectorGradientTest {
    static final int SIZE = 16;
    static final double H = 0.002;
    static SpectralClassifier cue;
    static List<ComputationGraph> members = new ArrayList<>();
    static NetworkConfig config;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() {
        Nd4j.getRandom().setSeed(3);
        // the SRM high-pass filter (a frozen layer) in both members: residuals only, and beside the RGB pixels
        NetworkConfig base = ExplainTestSupport.tinyConfig(SIZE, 5);
        config = new NetworkConfig(SIZE, base.backbone(), base.backboneWeights(), base.cnnChannels(),
                base.headUnits(), base.headDropout(), base.headL2(), 5, true, true);
        NetworkConfig second = new NetworkConfig(SIZE, base.backbone(), base.backboneWeights(), base.cnnChannels(),
                base.headUnits(), base.headDropout(), base.headL2(), 6, true, false);
        members.add(ExplainTestSupport.tinyNetwork(config, DataType.DOUBLE, 1));
        members.add(ExplainTestSupport.tinyNetwork(second, DataType.DOUBLE, 2));
        List<BufferedImage> imgs = new ArrayList<>();
        boolean[] fake = new boolean[10];
        for (int i = 0; i < 10; i++) {
            imgs.add(SampleGenerator.texture(24, 24, new SplittableRandom(i)));
            fake[i] = i % 2 == 0;
        }
        cue = SpectralClassifier.fit(imgs, fake, new SpectrumConfig(16, 8, true, 1.0),
                new ResamplingConfig(4, 0.01, 64), 0.1);
        bandCue = SpectralClassifier.fit(imgs, fake, new SpectrumConfig(16, 8, true, 1.0, 0.25),
                new ResamplingConfig(4, 0.01, 64), 0.1);
    }

    /** The cue on the high band's shape only (the default since session 6). */
    static SpectralClassifier bandCue;

    static ModelBundle bundle(String name, Preprocessing pre, boolean withCue) throws Exception {
        return bundle(name, pre, withCue ? new ScoreFusion(0.8, 1.3, -0.2) : null);
    }

    static ModelBundle bundle(String name, Preprocessing pre, ScoreFusion fusion) throws Exception {
        ModelMetadata meta = new ModelMetadata();
        meta.network = config;
        meta.preprocessing = pre;
        meta.temperature = 1.7;
        meta.threshold = 0.4;
        if (fusion != null) {
            meta.spectral = cue;
            meta.fusion = fusion;
        }
        return ModelBundle.save(dir.resolve(name), meta, members);
    }

    static Pixels randomImage(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = SampleGenerator.texture(w, h, r);
        double[] v = Pixels.of(img).values();
        for (int i = 0; i < v.length; i++) { // off the 8-bit lattice, away from the box edges
            v[i] = 5 + v[i] * 0.95 + r.nextDouble();
        }
        return new Pixels(w, h, v);
    }

    /** Central difference of the score along a random direction vs. the gradient's inner product with it. */
    static void assertGradientMatches(DifferentiableScorer scorer, Pixels x, double h, double relTol, long seed) {
        DifferentiableScorer.Gradient g = scorer.gradient(x);
        assertEquals(scorer.score(x), g.value(), 1e-9);
        SplittableRandom r = new SplittableRandom(seed);
        for (int k = 0; k < 2; k++) {
            double[] d = new double[x.size()];
            double dot = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = r.nextDouble() * 2 - 1;
                dot += d[i] * g.gradient()[i];
            }
            double up = scorer.score(x.plusProjected(d, h, x, 1e9));
            double down = scorer.score(x.plusProjected(d, -h, x, 1e9));
            double fd = (up - down) / (2 * h);
            assertEquals(fd, dot, relTol * Math.max(1e-3, Math.abs(fd)), "direction " + k + ": fd " + fd
                    + " vs gradient " + dot);
        }
        // and one pixel at a time, on a few values
        for (int k = 0; k < 4; k++) {
            int i = r.nextInt(x.size());
            double[] e = new double[x.size()];
            e[i] = 1;
            double fd = (scorer.score(x.plusProjected(e, h, x, 1e9)) - scorer.score(x.plusProjected(e, -h, x, 1e9)))
                    / (2 * h);
            // the views are float32 (as the detector's): tiny entries are checked against the largest one's scale
            assertEquals(fd, g.gradient()[i], relTol * Math.max(Math.abs(fd), 0.02 * maxAbs(g.gradient())),
                    "value " + i);
        }
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void viewsAreThoseOfThePreprocessorForEveryGeometry() throws Exception {
        List<Preprocessing> defs = new ArrayList<>();
        for (ResizePolicy p : ResizePolicy.values()) {
            defs.add(Preprocessing.defaults(SIZE).withResize(p));
        }
        defs.add(Preprocessing.defaults(SIZE).withPatches(PatchVoting.meanOfLogits(3)));
        int[][] sizes = {{16, 16}, {30, 21}, {12, 20}, {40, 40}};
        for (Preprocessing pre : defs) {
            ModelBundle b = bundle("views-" + defs.indexOf(pre), pre, false);
            DetectorScorer scorer = new DetectorScorer(b, DetectorParts.NETWORK, 0.5);
            Preprocessor reference = new Preprocessor(pre);
            for (int[] s : sizes) {
                BufferedImage img = SampleGenerator.texture(s[0], s[1], new SplittableRandom(s[0]));
                List<float[]> expected = reference.views(img);
                List<float[]> actual = scorer.views(Pixels.of(img).values(), s[0], s[1]);
                assertEquals(expected.size(), actual.size(), pre + " " + s[0] + "x" + s[1]);
                for (int v = 0; v < expected.size(); v++) {
                    assertArrayEquals(expected.get(v), actual.get(v), 0f, pre + " view " + v);
                }
            }
        }
    }

    @Test
    void theWhiteBoxScoreIsTheDetectorsScoreOnEightBitImages() throws Exception {
        ModelBundle b = bundle("fused", Preprocessing.defaults(SIZE).withPatches(PatchVoting.meanOfLogits(3)), true);
        Detector detector = new Detector(b);
        for (DetectorParts part : DetectorParts.values()) {
            DetectorScorer scorer = new DetectorScorer(b, part, b.metadata().threshold);
            DetectorOracle oracle = new DetectorOracle(detector, part);
            assertEquals(oracle.threshold(), scorer.threshold(), 1e-12);
            for (long seed = 0; seed < 3; seed++) {
                Pixels img = Pixels.of(SampleGenerator.texture(27, 22, new SplittableRandom(seed)));
                assertEquals(oracle.score(img), scorer.score(img), 1e-5, part + " " + seed);
            }
            assertEquals(3, oracle.queries());
        }
        assertEquals(Math.log(0.4 / 0.6), new DetectorScorer(b).threshold(), 1e-12);
    }

    @Test
    void gradientOfTheWholeDetectorMatchesFiniteDifferences() throws Exception {
        // 2-member ensemble, 3x3 patch voting over a 30x22 image (overlapping patches), SRM filter, the cue with
        // both parts, fusion and temperature
        ModelBundle b = bundle("whole", Preprocessing.defaults(SIZE).withPatches(PatchVoting.meanOfLogits(3)), true);
        for (DetectorParts part : DetectorParts.values()) {
            assertGradientMatches(new DetectorScorer(b, part, 0.4), randomImage(30, 22, 7), H, 0.03, 11);
        }
    }

    @Test
    void withACueCapTheScoreIsDetectsAndTheGradientStillMatches() throws Exception {
        // a cap small enough that tanh bends on these images: the capped cue's gradient is scaled by its slope
        ModelBundle b = bundle("capped", Preprocessing.defaults(SIZE).withPatches(PatchVoting.meanOfLogits(3)),
                new ScoreFusion(0.8, 1.3, -0.2, 0.7));
        Detector detector = new Detector(b);
        DetectorScorer fused = new DetectorScorer(b);
        for (long seed = 0; seed < 3; seed++) {
            Pixels img = Pixels.of(SampleGenerator.texture(27, 22, new SplittableRandom(seed)));
            assertEquals(new DetectorOracle(detector).score(img), fused.score(img), 1e-5);
        }
        assertGradientMatches(fused, randomImage(30, 22, 7), H, 0.03, 11);
        // the cue's share of the fused log-odds stays within the cap whatever the image
        DetectorScorer net = new DetectorScorer(b, DetectorParts.NETWORK, 0.4);
        for (long seed = 0; seed < 3; seed++) {
            Pixels img = randomImage(30, 22, 20 + seed);
            double cueShare = fused.score(img) * 1.7 - 0.8 * net.score(img) + 0.2;
            assertTrue(Math.abs(cueShare) <= 0.7 + 1e-5, "cue share " + cueShare);
        }
    }

    @Test
    void gradientThroughResamplingGeometriesAndQuantilesMatchesFiniteDifferences() throws Exception {
        // a larger step: resampled float32 views round more (measured: the quotient drifts below 0.002 levels and
        // agrees to 0.1% at 0.02-0.2)
        ModelBundle crop = bundle("crop", Preprocessing.defaults(SIZE).withResize(ResizePolicy.CENTER_CROP), false);
        assertGradientMatches(new DetectorScorer(crop), randomImage(26, 19, 8), 10 * H, 0.06, 12);
        ModelBundle pad = bundle("pad", Preprocessing.defaults(SIZE).withResize(ResizePolicy.PAD), false);
        assertGradientMatches(new DetectorScorer(pad), randomImage(21, 13, 9), 10 * H, 0.06, 13);
        // patches cut from an enlarged image (shorter side below the patch), quantile aggregate
        ModelBundle q = bundle("quantile", Preprocessing.defaults(SIZE).withPatches(
                new PatchVoting(3, PatchVoting.Aggregate.QUANTILE, 0.75)), false);
        assertGradientMatches(new DetectorScorer(q), randomImage(40, 12, 10), 10 * H, 0.06, 14);
    }

    @Test
    void theResamplingAdjointIsTheTransposeOfTheResampling() {
        // <resize(a), b> = <a, adjoint(b)> for random a, b, for shrinking, enlarging and cropping geometries
        SplittableRandom r = new SplittableRandom(17);
        double[][] geometries = {{23, 17, 0, 0, 23, 17, 16, 16}, {23, 17, 3, 0, 17, 17, 16, 16},
                {12, 9, 0, 0, 12, 9, 31, 20}, {40, 40, 12, 12, 16, 16, 16, 16}};
        for (double[] g : geometries) {
            int sw = (int) g[0];
            int sh = (int) g[1];
            int ow = (int) g[6];
            int oh = (int) g[7];
            float[][] a = new float[1][sw * sh];
            double[][] b = new double[1][ow * oh];
            for (int i = 0; i < a[0].length; i++) {
                a[0][i] = (float) r.nextDouble();
            }
            for (int i = 0; i < b[0].length; i++) {
                b[0][i] = r.nextDouble();
            }
            float[][] ra = org.deepguard.core.preprocess.Resampler.resize(a, sw, sh, g[2], g[3], g[4], g[5], ow, oh);
            double[][] atb = org.deepguard.core.preprocess.Resampler.resizeAdjoint(b, sw, sh, g[2], g[3], g[4], g[5],
                    ow, oh);
            double left = 0;
            for (int i = 0; i < ra[0].length; i++) {
                left += ra[0][i] * b[0][i];
            }
            double right = 0;
            for (int i = 0; i < a[0].length; i++) {
                right += a[0][i] * atb[0][i];
            }
            assertEquals(left, right, 1e-5 * Math.abs(left), java.util.Arrays.toString(g));
        }
    }

    @Test
    void theCueGradientIsExactAlmostEverywhere() {
        for (SpectralClassifier c : List.of(cue, bandCue)) {
            assertCueGradientMatches(c);
        }
        // the two cues differ, or the band's gradient would not be tested
        Pixels x = randomImage(37, 29, 15);
        assertTrue(Math.abs(CueGradient.of(cue, x.values(), 37, 29, false).logOdds()
                - CueGradient.of(bandCue, x.values(), 37, 29, false).logOdds()) > 1e-3);
    }

    private static void assertCueGradientMatches(SpectralClassifier cue) {
        Pixels x = randomImage(37, 29, 15);
        DifferentiableScorer cueOnly = new DifferentiableScorer() {
            @Override
            public Gradient gradient(Pixels image) {
                CueGradient.Result r = CueGradient.of(cue, image.values(), image.width(), image.height(), true);
                return new Gradient(r.logOdds(), r.gradient());
            }

            @Override
            public double score(Pixels image) {
                return CueGradient.of(cue, image.values(), image.width(), image.height(), false).logOdds();
            }

            @Override
            public double threshold() {
                return 0;
            }
        };
        assertGradientMatches(cueOnly, x, 1e-4, 1e-4, 16);
        Pixels eight = Pixels.of(SampleGenerator.texture(37, 29, new SplittableRandom(3)));
        assertEquals(cue.logOdds(eight.toImage()), cueOnly.score(eight), 1e-9);
    }
}
