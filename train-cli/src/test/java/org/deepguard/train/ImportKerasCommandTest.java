package org.deepguard.train;

import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.testing.KerasFixtures;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportKerasCommandTest {
    @TempDir
    Path dir;

    private int run(StringWriter out, StringWriter err, String... args) {
        List<String> a = new ArrayList<>(List.of("import-keras"));
        a.addAll(List.of(args));
        return Cli.execute(new TrainCommand(), a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void importsWithoutCalibrationWithAWarningAndTheBundleScores() throws Exception {
        Path h5 = KerasFixtures.copy(KerasFixtures.SMALL_SOFTMAX, dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, h5.toString(), "-o", dir.resolve("m").toString(), "--positive-class", "real",
                "--preprocess", "raw");
        assertEquals(ExitCode.OK, code, err.toString());
        assertTrue(err.toString().contains("not calibrated"), err.toString());
        assertTrue(out.toString().contains("class 1 = real"), out.toString());
        ModelBundle b = ModelBundle.load(dir.resolve("m"));
        assertEquals(0.5, b.metadata().threshold);
        double p = new Detector(b).predict(TestImages.png(dir.resolve("x.png"), TestImages.texture(40, 1))).pFake();
        assertTrue(p > 0 && p < 1, "p_fake " + p);
    }

    @Test
    void calibratesOnTheManifestsValSplit() throws Exception {
        Path h5 = KerasFixtures.copy(KerasFixtures.SMALL_SOFTMAX, dir);
        StringBuilder csv = new StringBuilder("path,label,split\n");
        for (int i = 0; i < 10; i++) {
            String label = i % 2 == 0 ? "real" : "fake";
            TestImages.png(dir.resolve("img" + i + ".png"), TestImages.texture(24 + i, 100 + i));
            csv.append("img").append(i).append(".png,").append(label).append(",val\n");
        }
        csv.append("broken.png,fake,val\n");
        TestImages.textNamedPng(dir.resolve("broken.png"));
        Files.writeString(dir.resolve("m.csv"), csv);
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, h5.toString(), "-o", dir.resolve("m").toString(), "--positive-class",
                "fake", "--preprocess", "raw", "--calibrate", dir.resolve("m.csv").toString());
        assertEquals(ExitCode.OK, code, err.toString());
        assertTrue(err.toString().contains("calibrated on 10 val images (1 unreadable"), err.toString());
        ModelBundle b = ModelBundle.load(dir.resolve("m"));
        assertNotEquals(1.0, b.metadata().temperature);
        assertTrue(b.metadata().thresholdRule.contains("Youden"), b.metadata().thresholdRule);
        assertEquals(10, b.metadata().provenance.dataCounts.get("val"));
    }

    @Test
    void refusedFileAndBadOptionsGiveOneLineAndTheirExitCodes() throws Exception {
        Path h5 = KerasFixtures.copy(KerasFixtures.REFUSED_GROUPS, dir);
        StringWriter err = new StringWriter();
        assertEquals(ExitCode.INPUT, run(new StringWriter(), err, h5.toString(), "-o", dir.resolve("m").toString(),
                "--positive-class", "fake", "--preprocess", "unit"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("error: " + h5 + ": layer 'conv2' (Conv2D) uses groups=2"),
                err.toString());
        assertTrue(Files.notExists(dir.resolve("m").resolve("model.json")));

        err = new StringWriter();
        assertEquals(ExitCode.USAGE, run(new StringWriter(), err, h5.toString(), "-o", dir.resolve("m").toString(),
                "--positive-class", "yes", "--preprocess", "unit"));
        assertTrue(err.toString().contains("--positive-class must be real or fake"), err.toString());
        err = new StringWriter();
        assertEquals(ExitCode.USAGE, run(new StringWriter(), err, h5.toString(), "-o", dir.resolve("m").toString(),
                "--positive-class", "fake", "--preprocess", "imagenet"));
        assertTrue(err.toString().contains("--preprocess must be"), err.toString());
        err = new StringWriter();
        assertEquals(ExitCode.INPUT, run(new StringWriter(), err, dir.resolve("none.h5").toString(), "-o",
                dir.resolve("m").toString(), "--positive-class", "fake", "--preprocess", "unit"));
        assertTrue(err.toString().contains("none.h5: no such file"), err.toString());
    }
}
