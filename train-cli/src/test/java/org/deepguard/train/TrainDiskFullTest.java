package org.deepguard.train;

import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `train` whose output disk fills up while it writes a checkpoint (AtomicFiles' simulated full disk). */
class TrainDiskFullTest {
    @TempDir
    Path dir;

    int train(Path manifest, Path out, StringWriter err, String... extra) {
        List<String> a = new ArrayList<>(List.of("--manifest", manifest.toString(), "-o", out.toString(),
                "--image-size", "32", "--backbone", "none", "--cnn-channels", "4,8", "--batch-size", "4",
                "--patience", "0", "--workers", "1", "--ensemble", "1", "--patches", "0", "--no-spectral", "-q"));
        a.addAll(List.of(extra));
        return Cli.execute(new TrainCommand(), a.toArray(String[]::new), new PrintWriter(new StringWriter()),
                new PrintWriter(err));
    }

    @Test
    void aFullDiskAtTheNextCheckpointEndsWithExit5AndLeavesThePreviousCheckpointIntact() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 8, 32);
        Path manifest = dir.resolve("manifest.csv");
        DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {}).write(manifest);
        Path out = dir.resolve("model");
        // The disk fills up when the second epoch's checkpoint is written; the first one is read just before.
        int[] checkpoints = {0};
        byte[][] previous = {null};
        java.util.function.Predicate<Path> secondCheckpoint = target -> {
            if (!target.endsWith(Path.of("checkpoints", "last.zip")) || ++checkpoints[0] < 2) {
                return false;
            }
            if (previous[0] == null) {
                try {
                    previous[0] = Files.readAllBytes(target);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return true;
        };
        StringWriter full = new StringWriter();
        int code;
        try (var limit = AtomicFiles.limitSpaceForTesting(0, secondCheckpoint)) {
            code = train(manifest, out, full, "--epochs", "2");
        }
        assertEquals(ExitCode.IO, code, full.toString());
        assertEquals(1, full.toString().lines().count(), full.toString());
        assertTrue(full.toString().startsWith("error: ") && full.toString().contains("No space left on device")
                && full.toString().contains(out.resolve("checkpoints").resolve("last.zip").toString()), full.toString());
        assertTrue(previous[0] != null && previous[0].length > 0);
        assertArrayEquals(previous[0], Files.readAllBytes(out.resolve("checkpoints/last.zip")),
                "the first epoch's checkpoint is byte-identical");
        try (var files = Files.list(out.resolve("checkpoints"))) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "no half-written file remains");
        }

        // and it is usable: with space again, the run resumes from it and finishes the second epoch
        StringWriter again = new StringWriter();
        assertEquals(ExitCode.OK, train(manifest, out, again, "--epochs", "2", "--resume"), again.toString());
        assertEquals(2, ModelBundle.readMetadata(out).history.size());
    }
}
