package org.deepguard.evaluate;

import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.testing.FolderSnapshot;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `evaluate` whose report disk fills up (AtomicFiles' simulated full disk). */
class EvaluateDiskFullTest {
    @TempDir
    Path dir;

    int run(StringWriter err, String... args) {
        return Cli.execute(new EvaluateCommand(), args, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    @Test
    void aFullDiskEndsWithExit5AndEveryReportFileIsTheOldOneOrAWholeNewOne() throws Exception {
        Path model = dir.resolve("model");
        TinyModels.tinyBundle(model, 32, 1);
        Path data = dir.resolve("data");
        List<ManifestEntry> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TestImages.png(data.resolve("real/r" + i + ".png"), TestImages.texture(32, i));
            rows.add(new ManifestEntry("real/r" + i + ".png", Label.REAL, Split.TEST, "", 0, 0,
                    ManifestEntry.Status.OK, "", "", Map.of()));
            TestImages.png(data.resolve("fake/f" + i + ".png"), TestImages.texture(32, 100 + i));
            rows.add(new ManifestEntry("fake/f" + i + ".png", Label.FAKE, Split.TEST, "", 0, 0,
                    ManifestEntry.Status.OK, "", "", Map.of()));
        }
        Path manifest = data.resolve("manifest.csv");
        new Manifest(rows, data).write(manifest);
        Path out = dir.resolve("report");
        StringWriter err = new StringWriter();
        assertEquals(ExitCode.OK, run(err, "-m", model.toString(), "--manifest", manifest.toString(), "-o",
                out.toString(), "--threshold", "0.4", "--bootstrap", "20", "-q"), err.toString());
        Map<String, String> before = FolderSnapshot.of(out);
        long total = 0;
        for (String f : before.keySet()) {
            total += Files.size(out.resolve(f));
        }

        // No room at all: nothing changes.
        String[] next = {"-m", model.toString(), "--manifest", manifest.toString(), "-o", out.toString(),
                "--threshold", "0.6", "--bootstrap", "20", "-q"};
        StringWriter full = new StringWriter();
        int code;
        try (var limit = AtomicFiles.limitSpaceForTesting(0)) {
            code = run(full, next);
        }
        assertEquals(ExitCode.IO, code, full.toString());
        assertEquals(1, full.toString().lines().count(), full.toString());
        assertTrue(full.toString().startsWith("error: ") && full.toString().contains("No space left on device")
                && full.toString().contains(out.toString()), full.toString());
        assertEquals(before, FolderSnapshot.of(out));

        // Room for about half the report: the files written before the disk filled are whole new ones, the rest
        // (metrics.json is written last) are the old ones; no partial or temporary file.
        StringWriter half = new StringWriter();
        try (var limit = AtomicFiles.limitSpaceForTesting(total / 2)) {
            code = run(half, next);
        }
        assertEquals(ExitCode.IO, code, half.toString());
        Map<String, String> after = FolderSnapshot.of(out);
        assertEquals(before.keySet(), after.keySet(), "no temporary file left behind");
        assertEquals(before.get("metrics.json"), after.get("metrics.json"));
        assertNotEquals(before, after, "the first files were rewritten before the disk filled");
        StringWriter again = new StringWriter();
        assertEquals(ExitCode.OK, run(again, next), again.toString());
        Map<String, String> complete = FolderSnapshot.of(out);
        for (String f : after.keySet()) {
            assertTrue(after.get(f).equals(before.get(f)) || after.get(f).equals(complete.get(f)),
                    f + " is neither the old file nor the new one");
        }
    }
}
