package org.deepguard.gradcam;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Label;
import org.deepguard.core.io.Json;
import org.deepguard.core.keras.KerasBundle;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.testing.KerasFixtures;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gradcam on a bundle imported from Keras: BN folded in an NHWC graph, maps and faithfulness written. */
class KerasBundleGradcamTest {
    @TempDir
    Path dir;

    @Test
    void explainsAnImportedBundle() throws Exception {
        Path h5 = KerasFixtures.copy(KerasFixtures.SMALL_SOFTMAX, dir);
        KerasBundle.create(h5, Label.REAL, "raw", ResizePolicy.CENTER_CROP, null, dir.resolve("m"), m -> {});
        Path png = TestImages.png(dir.resolve("in/face.png"), TestImages.texture(40, 2));
        GradcamCommandTest.Run r = GradcamCommandTest.run("--model", dir.resolve("m").toString(), "--image",
                png.toString(), "-o", dir.resolve("out").toString(), "-q");
        assertEquals(ExitCode.OK, r.code(), r.err());
        assertTrue(Files.exists(dir.resolve("out/face_gradcam.png")));
        JsonNode j = Json.MAPPER.readTree(dir.resolve("out/face.json").toFile());
        assertEquals("relu2", j.get("layer").asText()); // the deepest map of at least 8 x 8
        double p = new Detector(ModelBundle.load(dir.resolve("m"))).predict(png).pFake();
        assertEquals(p, j.get("p_fake").asDouble(), 1e-4);
        assertEquals(p, j.get("faithfulness").get("deletion_curve").get(0).asDouble(), 1e-4);
    }
}
