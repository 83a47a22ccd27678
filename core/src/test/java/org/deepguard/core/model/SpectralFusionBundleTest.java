package org.deepguard.core.model;

import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectralFusionBundleTest {
    @TempDir
    Path dir;

    /** Eight 32 px textures, every second one labelled fake: enough to fit a cue, not to make it meaningful. */
    private static final List<BufferedImage> IMAGES = new ArrayList<>();
    private static final boolean[] FAKE = new boolean[8];

    static {
        for (int i = 0; i < 8; i++) {
            IMAGES.add(TestImages.texture(32, i));
            FAKE[i] = i % 2 == 1;
        }
    }

    @Test
    void detectorFusesTheStoredSpectralClassifierWithTheNetwork() throws Exception {
        SpectralClassifier spectral = SpectralClassifier.fit(IMAGES, FAKE, new SpectrumConfig(32, 16, true, 1.0), 0.1);
        ModelBundle plain = TinyModels.tinyBundle(dir.resolve("plain"), 16, 3);
        ModelMetadata meta = new ModelMetadata();
        meta.network = plain.metadata().network;
        meta.preprocessing = Preprocessing.defaults(16);
        meta.spectral = spectral;
        meta.fusion = new ScoreFusion(0.7, 1.3, -0.2);
        ModelBundle.save(dir.resolve("fused"), meta, plain.network());

        ModelBundle loaded = ModelBundle.load(dir.resolve("fused"));
        assertEquals(2, loaded.metadata().formatVersion);
        assertEquals(meta.fusion, loaded.metadata().fusion);
        BufferedImage img = TestImages.texture(32, 42);
        double zNet = new Detector(plain).predict(img).logOdds();
        double zSpec = spectral.logOdds(img);
        assertEquals(0.7 * zNet + 1.3 * zSpec - 0.2, new Detector(loaded).predict(img).logOdds(), 1e-5);

        // half a spectral cue is refused on load
        String json = Files.readString(dir.resolve("fused/model.json")).replaceAll("(?s)\"fusion\"\\s*:\\s*\\{[^}]*},?",
                "");
        Files.writeString(dir.resolve("fused/model.json"), json);
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.load(dir.resolve("fused")));
        assertTrue(e.getMessage().contains("spectral"), e.getMessage());
    }

    @Test
    void imagesTooSmallForTheResamplingPartAreRefusedByName() throws Exception {
        ModelBundle plain = TinyModels.tinyBundle(dir.resolve("plain"), 16, 3);
        ModelMetadata meta = new ModelMetadata();
        meta.network = plain.metadata().network;
        meta.preprocessing = Preprocessing.defaults(16);
        meta.spectral = SpectralClassifier.fit(IMAGES, FAKE, new SpectrumConfig(32, 16, true, 1.0),
                org.deepguard.core.spectral.ResamplingConfig.defaults(), 0.1);
        meta.fusion = new ScoreFusion(1, 1, 0);
        Detector detector = new Detector(ModelBundle.save(dir.resolve("cue"), meta, plain.network()));

        // 17 px: enough for the spectral profile (16), not for the resampling part (18)
        org.deepguard.core.image.ImageLoadException e = assertThrows(
                org.deepguard.core.image.ImageLoadException.class,
                () -> detector.prepare(TestImages.texture(17, 1), "upload.png"));
        assertEquals(org.deepguard.core.image.ImageProblem.TOO_SMALL, e.problem());
        assertTrue(e.getMessage().contains("upload.png") && e.getMessage().contains("18"), e.getMessage());
        double z = detector.imageLogOdds(List.of(detector.prepare(TestImages.texture(18, 1), "ok.png")))[0];
        assertTrue(Double.isFinite(z));
    }
}
