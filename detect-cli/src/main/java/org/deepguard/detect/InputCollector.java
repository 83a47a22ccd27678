package org.deepguard.detect;

import org.deepguard.core.data.DatasetScanner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Expands what the user named into image paths, in order: files as given (even missing ones, so they get an error
 * line), folders recursively (image extensions only), globs, and "-" for newline-separated paths on stdin.
 */
final class InputCollector {
    private InputCollector() {}

    static void collect(List<String> specs, InputStream stdin, Consumer<Path> sink) throws IOException {
        collect(specs, stdin, InputCollector::hasImageExtension, sink);
    }

    /** As above, with {@code inFolders} choosing which files of a folder count (e.g. video extensions). */
    static void collect(List<String> specs, InputStream stdin, Predicate<Path> inFolders, Consumer<Path> sink)
            throws IOException {
        for (String spec : specs) {
            if (spec.equals("-")) {
                BufferedReader r = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
                String line;
                while ((line = r.readLine()) != null) {
                    if (!line.isBlank()) {
                        sink.accept(Path.of(line.strip()));
                    }
                }
            } else if (isGlob(spec)) {
                expandGlob(spec).forEach(sink);
            } else {
                Path p = Path.of(spec);
                if (Files.isDirectory(p)) {
                    try (Stream<Path> walk = Files.walk(p)) {
                        walk.filter(Files::isRegularFile).filter(inFolders).sorted()
                                .forEach(sink);
                    }
                } else {
                    sink.accept(p);
                }
            }
        }
    }

    static boolean hasImageExtension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot >= 0 && DatasetScanner.EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean isGlob(String s) {
        return s.contains("*") || s.contains("?") || s.contains("[");
    }

    private static List<Path> expandGlob(String glob) throws IOException {
        // Walk from the longest literal prefix directory, match the rest.
        Path glbPath = Path.of(glob);
        Path root = glbPath.isAbsolute() ? glbPath.getRoot() : Path.of("");
        for (Path part : glbPath) {
            if (isGlob(part.toString())) {
                break;
            }
            root = root.resolve(part);
        }
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        Path start = root;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(start.toString().isEmpty() ? Path.of(".") : start)) {
            walk.filter(Files::isRegularFile)
                    .map(p -> start.toString().isEmpty() ? Path.of(".").relativize(p) : p)
                    .filter(matcher::matches).sorted().forEach(out::add);
        }
        return out;
    }
}
