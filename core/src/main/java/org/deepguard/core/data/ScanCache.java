package org.deepguard.core.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.io.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A resumable scan's journal: one JSON line of {@link FileFacts} per checked file, appended as files finish. A file
 * is reused when its relative path, size and modification time all match. The first line records the decode limits;
 * a journal written under other limits is ignored. Unlike other outputs this file is appended to rather than
 * replaced atomically: a torn last line (the run was killed mid-write) is skipped on reading, which costs one file.
 */
public final class ScanCache implements AutoCloseable {
    private static final int FLUSH_EVERY = 64;

    private record Header(String kind, int version, long maxFileBytes, long maxPixels) {}

    private final Path file;
    private final Map<String, FileFacts> known = new ConcurrentHashMap<>();
    private BufferedWriter writer;
    private int pending;
    private int reused;
    private Thread hook;

    private ScanCache(Path file) {
        this.file = file;
    }

    /** The journal next to a manifest: {@code manifest.csv} gets {@code .manifest.csv.scan-cache.jsonl}. */
    public static Path defaultPath(Path manifest) {
        Path abs = manifest.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + ".scan-cache.jsonl");
    }

    public static ScanCache open(Path file, ImageLoader.Limits limits) throws IOException {
        ScanCache cache = new ScanCache(file);
        Header expected = new Header("deepguard-scan-cache", 1, limits.maxFileBytes(), limits.maxPixels());
        boolean valid = false;
        if (Files.isRegularFile(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!lines.isEmpty() && parse(lines.get(0), Header.class) instanceof Header h && h.equals(expected)) {
                valid = true;
                for (String line : lines.subList(1, lines.size())) {
                    if (parse(line, FileFacts.class) instanceof FileFacts f && f.path() != null) {
                        cache.known.put(f.path(), f);
                    }
                }
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (valid) {
            cache.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } else {
            cache.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            cache.writer.write(Json.line(expected));
            cache.writer.newLine();
            cache.writer.flush();
        }
        // Ctrl-C ends the JVM without closing us: flush what is buffered so those files are not checked again.
        cache.hook = new Thread(() -> {
            try {
                cache.flush();
            } catch (IOException | RuntimeException ignored) {
                // best effort while the JVM stops
            }
        }, "scan-cache-flush");
        Runtime.getRuntime().addShutdownHook(cache.hook);
        return cache;
    }

    private static Object parse(String line, Class<?> type) {
        try {
            return Json.MAPPER.readValue(line, type);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public int size() {
        return known.size();
    }

    /** Files served from the journal in this run. */
    public int reused() {
        return reused;
    }

    FileFacts lookup(String rel, long size, long mtime) {
        FileFacts f = known.get(rel);
        if (f != null && f.size() == size && f.mtime() == mtime) {
            synchronized (this) {
                reused++;
            }
            return f;
        }
        return null;
    }

    synchronized void record(FileFacts facts) throws IOException {
        known.put(facts.path(), facts);
        writer.write(Json.line(facts));
        writer.newLine();
        if (++pending >= FLUSH_EVERY) {
            flush();
        }
    }

    public synchronized void flush() throws IOException {
        writer.flush();
        pending = 0;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway
        }
        writer.close();
    }
}
