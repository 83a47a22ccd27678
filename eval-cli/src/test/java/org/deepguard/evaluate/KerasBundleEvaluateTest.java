package org.deepguard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Label;
import org.deepguard.core.io.Json;
import org.deepguard.core.keras.KerasBundle;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.testing.KerasFixtures;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** evaluate on a bundle imported from Keras (no network configuration in model.json). */
class KerasBundleEvaluateTest {
    @TempDir
    Path dir;

    @Test
    void evaluatesAnImportedBundle() throws Exception {
        Path h5 = KerasFixtures.copy(KerasFixtures.SMALL_SOFTMAX, dir);
        KerasBundle.create(h5, Label.FAKE, "raw", ResizePolicy.CENTER_CROP, null, dir.resolve("m"), m -> {});
        StringBuilder csv = new StringBuilder("path,label,split\n");
        for (int i = 0; i < 8; i++) {
            TestImages.png(dir.resolve("img" + i + ".png"), TestImages.texture(28, 40 + i));
            csv.append("img").append(i).append(".png,").append(i % 2 == 0 ? "real" : "fake").append(",test\n");
        }
        Files.writeString(dir.resolve("m.csv"), csv);
        EvaluateCommandTest.Run r = EvaluateCommandTest.run("--model", dir.resolve("m").toString(), "--manifest",
                dir.resolve("m.csv").toString(), "-o", dir.resolve("report").toString(), "--bootstrap", "50", "-q");
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode metrics = Json.MAPPER.readTree(dir.resolve("report/metrics.json").toFile());
        assertEquals(8, metrics.get("n").asInt());
        assertTrue(Files.exists(dir.resolve("report/report.html")));
    }
}
