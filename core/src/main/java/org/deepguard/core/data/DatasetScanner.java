package org.deepguard.core.data;

import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.io.Hashing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns a folder of labelled images into a manifest: finds the layout, decode-checks and hashes every file in
 * parallel, excludes unusable files and exact duplicates with a reason, and assigns splits when the layout has none.
 * Reads files only; never writes into the scanned folder.
 *
 * <p>Layouts: ImageFolder ({@code real/}, {@code fake/}, label folder names configurable) and split folders
 * ({@code train|valid|val|test/real|fake}, as in the 140k Real and Fake Faces set).
 */
public final class DatasetScanner {
    /** Extensions considered images when walking; content is still sniffed. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff");
    public static final String DUPLICATE = "duplicate";
    public static final String CONFLICTING_LABELS = "conflicting_labels";

    /** Label folder names; matching is case-insensitive. */
    public record Options(Map<String, Label> labelFolders, Splitter.Ratios ratios, long seed, int minSide,
                          ImageLoader.Limits limits) {
        public static Options defaults() {
            Map<String, Label> names = new LinkedHashMap<>();
            names.put("real", Label.REAL);
            names.put("fake", Label.FAKE);
            return new Options(names, Splitter.Ratios.DEFAULT, 42, 8, ImageLoader.Limits.DEFAULT);
        }
    }

    private DatasetScanner() {}

    /** A found file before checking. */
    record Found(Path file, Label label, Split split) {}

    public static Manifest scan(Path root, Options options, IntConsumer progress) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a directory");
        }
        Path abs = root.toAbsolutePath().normalize();
        List<Found> found = findFiles(abs, options);
        if (found.isEmpty()) {
            throw new IOException(root + ": no labelled images found (expected real/ and fake/ folders, or "
                    + "train|valid|test/real|fake)");
        }
        Map<Path, ManifestEntry> checked = new ConcurrentHashMap<>();
        found.parallelStream().forEach(f -> {
            checked.put(f.file(), check(abs, f, options));
            progress.accept(1);
        });
        List<ManifestEntry> rows = new ArrayList<>();
        for (Found f : found) {
            rows.add(checked.get(f.file()));
        }
        rows = markDuplicates(rows);
        boolean hasSplits = found.stream().anyMatch(f -> f.split() != Split.NONE);
        if (!hasSplits) {
            rows = Splitter.assign(rows, options.ratios(), options.seed());
        }
        return new Manifest(rows, abs);
    }

    /** Total candidate files, for sizing a progress bar before {@link #scan}. */
    public static int countCandidates(Path root, Options options) throws IOException {
        return findFiles(root.toAbsolutePath().normalize(), options).size();
    }

    static List<Found> findFiles(Path root, Options options) throws IOException {
        List<Found> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String ext = extension(p);
                if (!EXTENSIONS.contains(ext)) {
                    continue;
                }
                Path rel = root.relativize(p);
                Label label = null;
                Split split = Split.NONE;
                for (int i = 0; i < rel.getNameCount() - 1; i++) {
                    String part = rel.getName(i).toString().toLowerCase(Locale.ROOT);
                    Label l = options.labelFolders().get(part);
                    if (l != null) {
                        label = l;
                    }
                    try {
                        Split s = Split.parse(part);
                        if (s != Split.NONE) {
                            split = s;
                        }
                    } catch (IllegalArgumentException ignored) {
                        // not a split folder
                    }
                }
                if (label != null) {
                    out.add(new Found(p, label, split));
                }
            }
        }
        return out;
    }

    static ManifestEntry check(Path root, Found f, Options options) {
        String rel = root.relativize(f.file()).toString();
        ManifestEntry base = new ManifestEntry(rel, f.label(), f.split(), "", 0, 0, ManifestEntry.Status.OK, "",
                "", Map.of());
        String sha = "";
        try {
            sha = Hashing.sha256(f.file());
            DecodedImage img = ImageLoader.load(f.file(), options.limits());
            ManifestEntry ok = new ManifestEntry(rel, f.label(), f.split(), sha, img.width(), img.height(),
                    ManifestEntry.Status.OK, "", "", Map.of());
            if (Math.min(img.width(), img.height()) < options.minSide()) {
                return ok.excluded("too_small");
            }
            return ok;
        } catch (ImageLoadException e) {
            return new ManifestEntry(rel, f.label(), f.split(), sha, 0, 0, ManifestEntry.Status.EXCLUDED,
                    e.problem().code(), "", Map.of());
        } catch (IOException e) {
            return base.excluded("unreadable");
        }
    }

    /** Keeps the first file of each content hash; later copies are excluded, and a hash with two labels is. */
    static List<ManifestEntry> markDuplicates(List<ManifestEntry> rows) {
        Map<String, Set<Label>> labelsByHash = rows.stream().filter(r -> r.isUsable() && !r.sha256().isEmpty())
                .collect(Collectors.groupingBy(ManifestEntry::sha256,
                        Collectors.mapping(ManifestEntry::label, Collectors.toSet())));
        Map<String, Boolean> seen = new HashMap<>();
        List<ManifestEntry> out = new ArrayList<>(rows.size());
        for (ManifestEntry r : rows) {
            if (!r.isUsable() || r.sha256().isEmpty()) {
                out.add(r);
            } else if (labelsByHash.get(r.sha256()).size() > 1) {
                out.add(r.excluded(CONFLICTING_LABELS));
            } else if (seen.putIfAbsent(r.sha256(), true) != null) {
                out.add(r.excluded(DUPLICATE));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
