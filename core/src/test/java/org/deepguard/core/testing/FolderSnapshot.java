package org.deepguard.core.testing;

import org.deepguard.core.io.Hashing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every file under a folder with the SHA-256 of its bytes: compare two snapshots to see what a command changed. */
public final class FolderSnapshot {
    private FolderSnapshot() {}

    /** Relative path (with '/') to SHA-256 of the content, sorted. */
    public static Map<String, String> of(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    out.put(dir.relativize(f).toString().replace('\\', '/'), Hashing.sha256(Files.readAllBytes(f)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return out;
    }
}
