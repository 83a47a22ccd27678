package org.deepguard.train;

import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.keras.KerasBackbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.testing.KerasFixtures;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --backbone-weights FILE.h5}: how the option resolves, and that a Keras file reaches the loader of the
 * full-size hybrid. The committed notop fixture has reduced widths, so against the real ResNet50 branch it is the
 * "wrong file" case: exit 4 with one line. (Its features are checked against NumPy in core's KerasBackboneTest.)
 */
class TrainKerasBackboneTest {
    @TempDir
    static Path dir;
    static Path manifest;
    static Path small;

    @BeforeAll
    static void data() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 4, 32);
        manifest = dir.resolve("manifest.csv");
        DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {}).write(manifest);
        small = KerasFixtures.copy(KerasFixtures.NOTOP_SMALL, dir.resolve("keras"));
    }

    static int run(StringWriter err, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--manifest", manifest.toString(), "-o", out.toString(),
                "--image-size", "32", "--cnn-channels", "4", "--batch-size", "4", "--epochs", "1", "--patches", "0",
                "--ensemble", "1", "--workers", "1", "--no-spectral", "-q"));
        a.addAll(List.of(extra));
        return Cli.execute(new TrainCommand(), a.toArray(String[]::new), new PrintWriter(new StringWriter()),
                new PrintWriter(err));
    }

    static TrainCommand parsed(String... args) {
        TrainCommand c = new TrainCommand();
        Cli.commandLine(c, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())).parseArgs(args);
        return c;
    }

    @Test
    void aKerasFileReachesTheHybridsLoaderAndAMismatchIsExitFourWithOneLine() {
        StringWriter err = new StringWriter();
        int code = run(err, dir.resolve("m-small"), "--backbone-weights", small.toString());
        assertEquals(ExitCode.INPUT, code, err.toString());
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("error: " + small + ": layer 'conv1_conv'") && e.contains("7x7x3x64"), e);
    }

    @Test
    void theOptionTakesRandomImagenetOrAFile() throws Exception {
        TrainCommand c = parsed("--backbone-weights", small.toString());
        TrainCommand.WeightsChoice w = c.weightsChoice();
        assertEquals(BackboneWeights.IMAGENET, w.weights());
        assertTrue(w.keras());
        assertEquals(small, w.file());

        Path zip = Files.write(dir.resolve("zoo.zip"), new byte[] {'P', 'K', 3, 4});
        w = parsed("--backbone-weights", "imagenet", "--backbone-weights-file", zip.toString()).weightsChoice();
        assertFalse(w.keras(), "a zoo zip keeps the DL4J geometry");

        w = parsed("--backbone-weights", "random", "--backbone", "resnet50").weightsChoice();
        assertEquals(BackboneWeights.RANDOM, w.weights());
        assertNull(w.file());
    }

    @Test
    void unusableChoicesAreRefusedBeforeTraining() {
        StringWriter err = new StringWriter();
        assertEquals(ExitCode.INPUT, run(err, dir.resolve("m-missing"), "--backbone-weights", "no-such.h5"));
        assertTrue(err.toString().contains("no-such.h5: no such file"), err.toString());
        err = new StringWriter();
        assertEquals(ExitCode.USAGE, run(err, dir.resolve("m-lite"), "--backbone", "resnet50_lite",
                "--backbone-weights", small.toString()));
        assertTrue(err.toString().contains("cannot take Keras weights"), err.toString());
        err = new StringWriter();
        assertEquals(ExitCode.USAGE, run(err, dir.resolve("m-twice"), "--backbone-weights", small.toString(),
                "--backbone-weights-file", small.toString()));
    }

    @Test
    void autoUsesTheKerasFileInUserHomeWhenPresent() throws Exception {
        Path home = dir.resolve("home");
        String old = System.getProperty("user.home");
        try {
            System.setProperty("user.home", home.toString());
            TrainCommand c = parsed("--backbone", "auto");
            assertNull(c.weightsChoice().file(), "nothing in ~/.keras/models: random");
            Path keras = KerasBackbone.defaultFile();
            Files.createDirectories(keras.getParent());
            Files.copy(small, keras);
            TrainCommand.WeightsChoice w = parsed("--backbone", "auto").weightsChoice();
            assertEquals(keras, w.file());
            assertTrue(w.keras());
            assertNull(parsed("--backbone", "auto", "--backbone-weights", "random").weightsChoice().file());
            assertNull(parsed("--backbone", "none").weightsChoice().file(), "--backbone none stays without it");
            // end to end: the hybrid is built with Keras geometry and the file is loaded (and refused: reduced widths)
            StringWriter err = new StringWriter();
            assertEquals(ExitCode.INPUT, run(err, dir.resolve("m-auto"), "--backbone", "auto"));
            assertTrue(err.toString().contains(keras + ": layer 'conv1_conv'"), err.toString());
        } finally {
            System.setProperty("user.home", old);
        }
    }
}
