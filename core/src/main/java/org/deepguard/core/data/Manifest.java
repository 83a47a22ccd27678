package org.deepguard.core.data;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Hashing;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The dataset manifest: a CSV with a header that every stage reads. Required columns are {@code path,label};
 * {@code split,sha256,width,height,status,reason,group} are optional on input and always written; any other column
 * (e.g. {@code generator}, {@code source}) is carried through unchanged.
 */
public final class Manifest {
    public static final List<String> COLUMNS =
            List.of("path", "label", "split", "sha256", "width", "height", "status", "reason", "group");

    private final List<ManifestEntry> entries;
    private final Path baseDir;

    public Manifest(List<ManifestEntry> entries, Path baseDir) {
        this.entries = List.copyOf(entries);
        this.baseDir = baseDir == null ? Path.of("").toAbsolutePath() : baseDir.toAbsolutePath();
    }

    public List<ManifestEntry> entries() {
        return entries;
    }

    /** Folder that relative paths are resolved against (the manifest's own folder). */
    public Path baseDir() {
        return baseDir;
    }

    public Path resolve(ManifestEntry e) {
        Path p = Path.of(e.path());
        return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
    }

    public List<ManifestEntry> select(Predicate<ManifestEntry> filter) {
        return entries.stream().filter(filter).toList();
    }

    /** Usable rows of one split. */
    public List<ManifestEntry> usable(Split split) {
        return select(e -> e.isUsable() && e.split() == split);
    }

    public static Manifest read(Path file) throws ManifestException {
        Path abs = file.toAbsolutePath();
        try (Reader reader = Files.newBufferedReader(abs, StandardCharsets.UTF_8);
             CSVParser csv = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
                     .setIgnoreSurroundingSpaces(true).build().parse(reader)) {
            List<String> header = csv.getHeaderNames();
            if (!header.contains("path") || !header.contains("label")) {
                throw new ManifestException(file + ": manifest header must contain 'path' and 'label' columns, found "
                        + header);
            }
            List<String> extraColumns = header.stream().filter(h -> !COLUMNS.contains(h)).toList();
            List<ManifestEntry> rows = new ArrayList<>();
            for (CSVRecord r : csv) {
                long line = r.getParser().getCurrentLineNumber();
                try {
                    if (!r.isConsistent()) {
                        throw new IllegalArgumentException("expected " + header.size() + " fields, found " + r.size());
                    }
                    String path = r.get("path");
                    if (path.isBlank()) {
                        throw new IllegalArgumentException("empty path");
                    }
                    Map<String, String> extra = new LinkedHashMap<>();
                    for (String c : extraColumns) {
                        extra.put(c, r.get(c));
                    }
                    rows.add(new ManifestEntry(path, Label.parse(r.get("label")),
                            Split.parse(opt(r, "split")), opt(r, "sha256"), intOpt(r, "width"), intOpt(r, "height"),
                            ManifestEntry.Status.parse(opt(r, "status")), opt(r, "reason"), opt(r, "group"), extra));
                } catch (IllegalArgumentException e) {
                    throw new ManifestException(file + ":" + line + ": " + e.getMessage());
                }
            }
            return new Manifest(rows, abs.getParent());
        } catch (NoSuchFileException e) {
            throw new ManifestException(file + ": manifest does not exist");
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new ManifestException(file + ": cannot parse manifest (" + e.getMessage() + ")", e);
        }
    }

    /** Writes atomically; relative paths stay relative to {@code file}'s folder when it equals the base folder. */
    public void write(Path file) throws IOException {
        Set<String> extraColumns = new LinkedHashSet<>();
        entries.forEach(e -> extraColumns.addAll(e.extra().keySet()));
        List<String> header = new ArrayList<>(COLUMNS);
        header.addAll(extraColumns);
        Path targetDir = file.toAbsolutePath().getParent();
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator('\n')
                    .setHeader(header.toArray(String[]::new)).build())) {
                for (ManifestEntry e : entries) {
                    List<Object> values = new ArrayList<>(header.size());
                    values.add(pathFor(e, targetDir));
                    values.add(e.label().code());
                    values.add(e.split().code());
                    values.add(e.sha256());
                    values.add(e.width() == 0 ? "" : e.width());
                    values.add(e.height() == 0 ? "" : e.height());
                    values.add(e.status().code());
                    values.add(e.reason());
                    values.add(e.group());
                    for (String c : extraColumns) {
                        values.add(e.extra().getOrDefault(c, ""));
                    }
                    p.printRecord(values);
                }
                p.flush();
            }
        });
    }

    private String pathFor(ManifestEntry e, Path targetDir) {
        Path p = Path.of(e.path());
        if (p.isAbsolute() || targetDir.equals(baseDir)) {
            return e.path();
        }
        // Re-anchor relative paths when the manifest is written to another folder.
        return targetDir.relativize(baseDir.resolve(p).normalize()).toString();
    }

    /** SHA-256 of the manifest file: recorded in the model's provenance. */
    public static String fileHash(Path file) throws IOException {
        return Hashing.sha256(file);
    }

    public Manifest withEntries(List<ManifestEntry> rows) {
        return new Manifest(rows, baseDir);
    }

    private static String opt(CSVRecord r, String column) {
        return r.isMapped(column) ? r.get(column) : "";
    }

    private static int intOpt(CSVRecord r, String column) {
        String v = opt(r, column).trim();
        if (v.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " must be an integer, got '" + v + "'");
        }
    }
}
