package org.deepguard.core.model;

import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnsembleBundleTest {
    @TempDir
    Path dir;

    @Test
    void ensembleRoundTripsAndScoresTheMeanOfItsMembersLogOdds() throws Exception {
        List<ModelBundle> singles = List.of(TinyModels.tinyBundle(dir.resolve("a"), 16, 1),
                TinyModels.tinyBundle(dir.resolve("b"), 16, 2));
        ModelMetadata meta = new ModelMetadata();
        meta.network = TinyModels.tinyConfig(16, 1);
        meta.preprocessing = Preprocessing.defaults(16);
        ModelBundle.save(dir.resolve("ens"), meta, List.of(singles.get(0).network(), singles.get(1).network()));

        ModelBundle loaded = ModelBundle.load(dir.resolve("ens"));
        assertEquals(2, loaded.networks().size());
        assertEquals(2, loaded.metadata().ensemble.size());
        assertEquals(2, loaded.metadata().formatVersion);
        try (var files = Files.list(dir.resolve("ens"))) {
            assertEquals(2, files.filter(p -> p.getFileName().toString().startsWith("weights-")).count());
        }
        BufferedImage img = TestImages.texture(16, 4);
        double a = new Detector(singles.get(0)).predict(img).logOdds();
        double b = new Detector(singles.get(1)).predict(img).logOdds();
        assertEquals((a + b) / 2, new Detector(loaded).predict(img).logOdds(), 1e-6);
        assertTrue(Math.abs(a - b) > 1e-6, "members with different seeds should disagree");

        // a damaged member is caught by its own checksum
        Path second = dir.resolve("ens").resolve(loaded.metadata().ensemble.get(1).file());
        Files.write(second, new byte[] {1, 2, 3});
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.load(dir.resolve("ens")));
        assertTrue(e.getMessage().contains(second.getFileName().toString()), e.getMessage());
    }

    @Test
    void singleNetworkBundlesStayFormatOne() throws Exception {
        ModelBundle b = TinyModels.tinyBundle(dir.resolve("one"), 16, 1);
        assertEquals(1, ModelBundle.readMetadata(b.directory()).formatVersion);
        assertEquals(null, ModelBundle.readMetadata(b.directory()).ensemble);
    }
}
