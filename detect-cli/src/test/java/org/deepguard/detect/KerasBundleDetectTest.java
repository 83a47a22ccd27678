package org.deepguard.detect;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Label;
import org.deepguard.core.io.Json;
import org.deepguard.core.keras.KerasBundle;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.testing.KerasFixtures;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bundle imported from Keras (NHWC graph) through detect --image and the web page's Grad-CAM++ overlay. */
class KerasBundleDetectTest {
    @TempDir
    Path dir;

    @Test
    void detectScoresAndTheOverlayRendersForAnImportedBundle() throws Exception {
        Path h5 = KerasFixtures.copy(KerasFixtures.SMALL_SOFTMAX, dir);
        KerasBundle.create(h5, Label.FAKE, "raw", ResizePolicy.CENTER_CROP, null, dir.resolve("m"), m -> {});
        BufferedImage img = TestImages.texture(40, 3);
        Path png = TestImages.png(dir.resolve("face.png"), img);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new DetectCommand(), new String[] {"-m", dir.resolve("m").toString(), "--image",
            png.toString(), "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(ExitCode.OK, code, err.toString());
        JsonNode o = Json.MAPPER.readTree(out.toString().strip());
        ModelBundle bundle = ModelBundle.load(dir.resolve("m"));
        Prediction p = new Detector(bundle).predict(png);
        assertEquals(p.pFake(), o.get("p_fake").asDouble(), 1e-4);
        BufferedImage overlay = GradCamOverlay.forBundle(bundle).render(img, p);
        assertTrue(overlay.getWidth() > 0 && overlay.getHeight() > 0);
    }
}
