package org.deepguard.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A disk that fills up mid-write (the simulated one of {@link AtomicFiles#limitSpaceForTesting}). */
class AtomicFilesSpaceTest {
    @TempDir
    Path dir;

    @Test
    void aWriteThatRunsOutOfSpaceLeavesThePreviousFileAndNoTempFile() throws Exception {
        Path target = dir.resolve("out.bin");
        byte[] before = "the previous, complete output\n".getBytes(StandardCharsets.UTF_8);
        AtomicFiles.writeBytes(target, before);
        byte[] next = new byte[200_000]; // more than one buffer: part of it reaches the file before space runs out
        try (var full = AtomicFiles.limitSpaceForTesting(100_000)) {
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
                for (int at = 0; at < next.length; at += 10_000) {
                    out.write(next, at, 10_000);
                }
            }));
            assertTrue(e.getMessage().startsWith(target + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
            // a smaller write still fits
            AtomicFiles.writeString(dir.resolve("small.txt"), "fits");
        }
        assertArrayEquals(before, Files.readAllBytes(target));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("out.bin", "small.txt"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        AtomicFiles.writeBytes(target, next); // the limit is gone once closed
        assertEquals(next.length, Files.size(target));
    }

    @Test
    void theSpaceIsSharedByEveryWriteWhileTheLimitIsInstalled() throws Exception {
        try (var full = AtomicFiles.limitSpaceForTesting(10)) {
            AtomicFiles.writeString(dir.resolve("a"), "123456");
            assertThrows(IOException.class, () -> AtomicFiles.writeString(dir.resolve("b"), "123456"));
            assertThrows(IllegalStateException.class, () -> AtomicFiles.limitSpaceForTesting(5));
        }
        assertTrue(Files.exists(dir.resolve("a")));
        assertTrue(Files.notExists(dir.resolve("b")));
    }
}
