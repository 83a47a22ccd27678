package org.deepguard.dataset;

import org.deepguard.cli.Progress;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestException;
import org.deepguard.core.data.NearDuplicates;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BiFunction;

/** Reading a manifest and (re)computing its near-duplicate groups: shared by split and report. */
final class ManifestInput {
    @CommandLine.Parameters(index = "0", paramLabel = "MANIFEST", description = "Manifest CSV (from 'dataset scan').")
    Path manifest;

    @CommandLine.Option(names = "--near-threshold", defaultValue = "" + NearDuplicates.DEFAULT_THRESHOLD,
            paramLabel = "BITS", description = "Perceptual-hash Hamming distance for near-duplicates (0-20, -1 keeps "
            + "the manifest's groups as they are; default: ${DEFAULT-VALUE}). Rows without a phash are read and "
            + "hashed first.")
    int nearThreshold;

    @CommandLine.Option(names = "--threads", paramLabel = "N", description = "Threads for hashing (default: all cores).")
    Integer threads;

    Manifest read() throws ManifestException {
        return Manifest.read(manifest);
    }

    /** Hashes rows that lack a perceptual hash, then regroups near-duplicates in memory. */
    Manifest grouped(Manifest m, BiFunction<String, Long, Progress> progress) throws IOException {
        if (nearThreshold > NearDuplicates.MAX_THRESHOLD || nearThreshold < -1) {
            throw new IllegalArgumentException("--near-threshold must be -1.." + NearDuplicates.MAX_THRESHOLD);
        }
        if (nearThreshold < 0) {
            return m;
        }
        DatasetScanner.Options options = DatasetScanner.Options.defaults();
        if (threads != null) {
            options = options.withThreads(threads);
        }
        int missing = DatasetScanner.missingHashes(m);
        if (missing > 0) {
            try (Progress bar = progress.apply("hash", (long) missing)) {
                m = DatasetScanner.fillHashes(m, options, n -> bar.stepBy(n));
            }
        }
        return m.withEntries(NearDuplicates.group(m.entries(), nearThreshold));
    }
}
