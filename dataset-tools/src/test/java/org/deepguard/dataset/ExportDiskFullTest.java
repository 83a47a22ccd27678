package org.deepguard.dataset;

import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.testing.FolderSnapshot;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `dataset export` whose output disk fills up (AtomicFiles' simulated full disk). */
class ExportDiskFullTest {
    @TempDir
    Path dir;

    int run(StringWriter err, String... args) {
        return Cli.execute(new DatasetCommand(), args, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    @Test
    void aFullDiskEndsWithExit5KeepsEveryFinishedFileAndTheExportResumesLater() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 6, 40);
        Path manifest = dir.resolve("manifest.csv");
        DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {}).write(manifest);
        Path out = dir.resolve("export");
        String[] export = {"export", manifest.toString(), "-o", out.toString(), "--size", "32", "--threads", "1", "-q"};
        StringWriter err = new StringWriter();
        assertEquals(ExitCode.OK, run(err, export), err.toString());
        Map<String, String> complete = FolderSnapshot.of(out);
        assertTrue(complete.size() > 10, complete.keySet().toString());

        // Two exported images lost; the disk then has room for export.json only.
        Map<String, String> before = new TreeMap<>(complete);
        String[] lost = before.keySet().stream().filter(k -> k.endsWith(".png")).limit(2).toArray(String[]::new);
        for (String k : lost) {
            Files.delete(out.resolve(k));
            before.remove(k);
        }
        StringWriter full = new StringWriter();
        int code;
        try (var limit = AtomicFiles.limitSpaceForTesting(Files.size(out.resolve("export.json")))) {
            code = run(full, export);
        }
        assertEquals(ExitCode.IO, code, full.toString());
        assertEquals(1, full.toString().lines().count(), full.toString());
        assertTrue(full.toString().contains("No space left on device") && full.toString().contains(out.toString()),
                full.toString());
        assertEquals(before, FolderSnapshot.of(out), "previous output byte-identical, no partial or temp file");

        StringWriter again = new StringWriter();
        assertEquals(ExitCode.OK, run(again, export), again.toString());
        assertEquals(complete, FolderSnapshot.of(out), "with space again the export resumes to the same files");
    }
}
