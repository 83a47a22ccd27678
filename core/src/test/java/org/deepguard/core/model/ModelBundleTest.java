package org.deepguard.core.model;

import org.deepguard.core.io.Json;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelBundleTest {
    @TempDir
    Path dir;

    @Test
    void saveAndLoadGiveIdenticalOutputsAndMetadata() throws Exception {
        ModelBundle saved = TinyModels.tinyBundle(dir.resolve("m"), 32, 3);
        saved.metadata().threshold = 0.37;
        saved = ModelBundle.save(dir.resolve("m"), saved.metadata(), saved.network());
        ModelBundle loaded = ModelBundle.load(dir.resolve("m"));
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3, 32, 32);
        assertEquals(saved.network().outputSingle(false, x), loaded.network().outputSingle(false, x));
        assertEquals(0.37, loaded.metadata().threshold);
        assertEquals(saved.metadata().preprocessing, loaded.metadata().preprocessing);
        assertEquals(saved.metadata().network, loaded.metadata().network);
        // the earlier weights file was replaced, not left behind
        try (var files = Files.list(dir.resolve("m"))) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("weights-")).count());
        }
    }

    @Test
    void damagedWeightsAreRejectedByChecksum() throws Exception {
        ModelBundle b = TinyModels.tinyBundle(dir.resolve("m"), 32, 3);
        Path weights = b.directory().resolve(b.metadata().weightsFile);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(weights, bytes);
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.load(dir.resolve("m")));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void newerFormatAndMissingBundleGiveClearErrors() throws Exception {
        ModelBundle b = TinyModels.tinyBundle(dir.resolve("m"), 32, 3);
        b.metadata().formatVersion = ModelMetadata.CURRENT_FORMAT + 1;
        Files.writeString(dir.resolve("m").resolve(ModelBundle.METADATA_FILE), Json.pretty(b.metadata()));
        assertTrue(assertThrows(BundleException.class, () -> ModelBundle.load(dir.resolve("m"))).getMessage()
                .contains("not supported"));
        assertTrue(assertThrows(BundleException.class, () -> ModelBundle.load(dir.resolve("nope"))).getMessage()
                .contains("does not exist"));
        Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(BundleException.class, () -> ModelBundle.load(dir.resolve("empty"))).getMessage()
                .contains("not a model bundle"));
    }
}
