package org.deepguard.core.data;

import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.image.ImageProblem;
import org.deepguard.core.io.Hashing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * Turns a folder of labelled images into a manifest: finds the layout, decode-checks, hashes (SHA-256 and a
 * perceptual hash) every file in parallel, excludes unusable files and exact duplicates with a reason code, groups
 * near-duplicates so they stay in one split, and assigns splits when the layout has none. Reads files only; never
 * writes into the scanned folder.
 *
 * <p>Layouts: ImageFolder ({@code real/}, {@code fake/}; label folder names configurable), split folders
 * ({@code train|valid|val|test/real|fake}, as in the 140k Real and Fake Faces set) and CNNDetection
 * ({@code [train|val|test/][generator/][category/]0_real|1_fake}). The deepest folder naming a label wins, and any
 * folder naming a split sets the split.
 *
 * <p>Memory is bounded by the thread count times the largest accepted image (file bytes plus decoded RGB pixels),
 * plus about 300 bytes per file for the results; pixel buffers are never kept.
 */
public final class DatasetScanner {
    /** Extensions considered images when walking; content is still sniffed. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff");
    public static final String DUPLICATE = DatasetProblem.DUPLICATE.code();
    public static final String CONFLICTING_LABELS = DatasetProblem.CONFLICTING_LABELS.code();
    /** Extra manifest columns written by the scanner. */
    public static final String FORMAT_COLUMN = "format";
    public static final String COLOR_MODE_COLUMN = "color_mode";
    public static final String BYTES_COLUMN = "bytes";

    /**
     * Scan settings.
     *
     * @param labelFolders    folder name (lower case) to label
     * @param minSide         smaller images are excluded as too_small
     * @param maxAspect       longer/shorter side above this is excluded as extreme_aspect
     * @param limits          file-size and pixel-count limits checked before decoding (too_large)
     * @param nearThreshold   Hamming distance (bits) linking two perceptual hashes; negative disables grouping
     * @param dropNear        exclude all but one image per label of each near-duplicate cluster
     * @param threads         decode threads
     * @param groupRule       what else groups images besides near-duplicates (file-name prefix, folder)
     */
    public record Options(Map<String, Label> labelFolders, Splitter.Ratios ratios, long seed, int minSide,
                          double maxAspect, ImageLoader.Limits limits, int nearThreshold, boolean dropNear,
                          int threads, GroupRule groupRule) {
        public Options {
            labelFolders = Map.copyOf(labelFolders);
            groupRule = groupRule == null ? GroupRule.NEAR_DUPLICATE : groupRule;
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
            if (maxAspect < 1) {
                throw new IllegalArgumentException("maximum aspect ratio must be at least 1");
            }
        }

        public static Options defaults() {
            return new Options(defaultLabelFolders(), Splitter.Ratios.DEFAULT, 42, 8, 4.0, ImageLoader.Limits.DEFAULT,
                    NearDuplicates.DEFAULT_THRESHOLD, false, Runtime.getRuntime().availableProcessors(),
                    GroupRule.NEAR_DUPLICATE);
        }

        public Options withLabelFolders(Map<String, Label> m) {
            return new Options(m, ratios, seed, minSide, maxAspect, limits, nearThreshold, dropNear, threads,
                    groupRule);
        }

        public Options withRatios(Splitter.Ratios r, long s) {
            return new Options(labelFolders, r, s, minSide, maxAspect, limits, nearThreshold, dropNear, threads,
                    groupRule);
        }

        public Options withChecks(int minSide, double maxAspect, ImageLoader.Limits limits) {
            return new Options(labelFolders, ratios, seed, minSide, maxAspect, limits, nearThreshold, dropNear, threads,
                    groupRule);
        }

        public Options withNearDuplicates(int threshold, boolean drop) {
            return new Options(labelFolders, ratios, seed, minSide, maxAspect, limits, threshold, drop, threads,
                    groupRule);
        }

        public Options withGroupRule(GroupRule rule) {
            return new Options(labelFolders, ratios, seed, minSide, maxAspect, limits, nearThreshold, dropNear, threads,
                    rule);
        }

        public Options withThreads(int t) {
            return new Options(labelFolders, ratios, seed, minSide, maxAspect, limits, nearThreshold, dropNear, t,
                    groupRule);
        }
    }

    /** real/fake, plus CNNDetection's 0_real/1_fake. */
    public static Map<String, Label> defaultLabelFolders() {
        Map<String, Label> names = new LinkedHashMap<>();
        names.put("real", Label.REAL);
        names.put("fake", Label.FAKE);
        names.put("0_real", Label.REAL);
        names.put("1_fake", Label.FAKE);
        return names;
    }

    private DatasetScanner() {}

    /** A found file before checking; {@code rel} is relative to the scanned root. */
    public record Found(Path file, String rel, Label label, Split split) {}

    public static Manifest scan(Path root, Options options, IntConsumer progress) throws IOException {
        return scan(root, options, null, progress);
    }

    /**
     * Scans {@code root}. With a cache, files whose path, size and modification time match a cached entry are not
     * read again, and every newly checked file is appended to it, so an interrupted scan resumes where it stopped.
     */
    public static Manifest scan(Path root, Options options, ScanCache cache, IntConsumer progress) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "not a directory");
        }
        Path abs = root.toAbsolutePath().normalize();
        List<Found> found = findFiles(abs, options);
        if (found.isEmpty()) {
            throw new IOException(root + ": no labelled images found (expected real/ and fake/ folders, "
                    + "train|valid|test/real|fake, or 0_real/1_fake)");
        }
        return build(found, abs, options, cache, progress);
    }

    /** Checks an explicit list of files (e.g. from a CSV listing) and builds the manifest. */
    public static Manifest build(List<Found> found, Path baseDir, Options options, ScanCache cache,
                                 IntConsumer progress) throws IOException {
        List<FileFacts> facts = checkAll(found, options, cache, progress);
        List<ManifestEntry> rows = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            rows.add(toEntry(found.get(i), facts.get(i), options));
        }
        rows = markDuplicates(rows);
        if (options.nearThreshold() >= 0) {
            rows = NearDuplicates.group(rows, options.nearThreshold());
            if (options.dropNear()) {
                rows = NearDuplicates.dropNearDuplicates(rows);
            }
        }
        if (options.groupRule() != GroupRule.NEAR_DUPLICATE) {
            // The rule's groups replace the clusters (after dropping, which must see clusters alone); clustering
            // again then merges every pair of rule groups that share a near-duplicate cluster.
            rows = options.groupRule().apply(rows, layoutFolders(options));
            if (options.nearThreshold() >= 0) {
                rows = NearDuplicates.group(rows, options.nearThreshold());
            }
        }
        // Rows whose folders named a split keep it; the others (all of them in an ImageFolder layout) are split here.
        rows = Splitter.assign(rows, options.ratios(), options.seed());
        return new Manifest(rows, baseDir);
    }

    /** Folder names that name a label or a split: never a source for {@link GroupRule#FOLDER}. */
    static Set<String> layoutFolders(Options options) {
        Set<String> names = new java.util.HashSet<>(options.labelFolders().keySet());
        names.addAll(List.of("train", "training", "val", "valid", "validation", "test", "testing"));
        return names;
    }

    /** Usable rows that have no perceptual hash yet (e.g. a hand-written manifest). */
    public static int missingHashes(Manifest manifest) {
        return (int) manifest.entries().stream().filter(DatasetScanner::needsHash).count();
    }

    private static boolean needsHash(ManifestEntry e) {
        String ph = e.extra().get(NearDuplicates.PHASH_COLUMN);
        return e.isUsable() && (ph == null || ph.isEmpty());
    }

    /**
     * Fills content hash, size, format, colour mode and perceptual hash for usable rows that lack a perceptual hash,
     * by reading their files (read-only). A file that cannot be decoded becomes excluded with its reason code; the
     * row's label, split, group and other columns are kept.
     */
    public static Manifest fillHashes(Manifest manifest, Options options, IntConsumer progress) throws IOException {
        List<ManifestEntry> rows = manifest.entries();
        List<Integer> todo = new ArrayList<>();
        List<Found> found = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ManifestEntry e = rows.get(i);
            if (needsHash(e)) {
                todo.add(i);
                found.add(new Found(manifest.resolve(e), e.path(), e.label(), e.split()));
            }
        }
        if (todo.isEmpty()) {
            return manifest;
        }
        List<FileFacts> facts = checkAll(found, options, null, progress);
        List<ManifestEntry> out = new ArrayList<>(rows);
        for (int k = 0; k < todo.size(); k++) {
            ManifestEntry old = rows.get(todo.get(k));
            ManifestEntry fresh = toEntry(found.get(k), facts.get(k), options);
            Map<String, String> extra = new LinkedHashMap<>(old.extra());
            extra.putAll(fresh.extra());
            out.set(todo.get(k), new ManifestEntry(old.path(), old.label(), old.split(), fresh.sha256(),
                    fresh.width(), fresh.height(), fresh.status(), fresh.reason(), old.group(), extra));
        }
        return manifest.withEntries(out);
    }

    /** Total candidate files, for sizing a progress bar before {@link #scan}. */
    public static int countCandidates(Path root, Options options) throws IOException {
        return findFiles(root.toAbsolutePath().normalize(), options).size();
    }

    public static List<Found> findFiles(Path root, Options options) throws IOException {
        List<Found> out = new ArrayList<>();
        for (Path p : imageFiles(root)) {
            Path rel = root.relativize(p);
            Label label = null;
            Split split = Split.NONE;
            for (int i = 0; i < rel.getNameCount() - 1; i++) {
                String part = rel.getName(i).toString().toLowerCase(Locale.ROOT);
                Label l = options.labelFolders().get(part);
                if (l != null) {
                    label = l;
                }
                Split s = splitFolder(part);
                if (s != Split.NONE) {
                    split = s;
                }
            }
            if (label != null) {
                out.add(new Found(p, portable(rel), label, split));
            }
        }
        return out;
    }

    /**
     * Files named by a CSV listing, resolved against {@code root}. Columns: {@code path} (or {@code filename}), and
     * {@code label_str} or {@code label} (real/fake, or 0/1 where {@code oneMeans} says what 1 is: the 140k Real
     * and Fake Faces CSVs use 1 = real); an optional {@code split} column, else the path's folders, else the listing's
     * own name (train.csv, valid.csv, test.csv) give the split.
     */
    public static List<Found> fromListing(Path csv, Path root, Label oneMeans) throws IOException, ManifestException {
        List<Found> out = new ArrayList<>();
        Split fileSplit = splitFolder(csv.getFileName().toString().replaceFirst("\\.[^.]*$", "")
                .toLowerCase(Locale.ROOT));
        try (var reader = Files.newBufferedReader(csv);
             // pandas writes its index as a nameless first column (the 140k CSVs have one)
             var parser = org.apache.commons.csv.CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
                     .setAllowMissingColumnNames(true).setIgnoreSurroundingSpaces(true).build().parse(reader)) {
            List<String> header = parser.getHeaderNames();
            String pathCol = header.contains("path") ? "path" : header.contains("filename") ? "filename" : null;
            String labelCol = header.contains("label_str") ? "label_str" : header.contains("label") ? "label" : null;
            if (pathCol == null || labelCol == null) {
                throw new ManifestException(csv + ": a listing needs a path (or filename) and a label (or label_str) "
                        + "column, found " + header);
            }
            for (var r : parser) {
                String p = r.get(pathCol);
                String l = r.get(labelCol).trim();
                Label label;
                try {
                    label = l.equals("1") ? oneMeans : l.equals("0") ? other(oneMeans) : Label.parse(l);
                } catch (IllegalArgumentException e) {
                    throw new ManifestException(csv + ":" + parser.getCurrentLineNumber() + ": " + e.getMessage());
                }
                Path file = root.resolve(p).normalize();
                String rel = portable(root.relativize(file));
                Split split = header.contains("split") ? Split.parse(r.get("split")) : Split.NONE;
                for (int i = 0; split == Split.NONE && i < Path.of(rel).getNameCount() - 1; i++) {
                    split = splitFolder(Path.of(rel).getName(i).toString().toLowerCase(Locale.ROOT));
                }
                out.add(new Found(file, rel, label, split == Split.NONE ? fileSplit : split));
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ManifestException(csv + ": cannot parse listing (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private static Label other(Label l) {
        return l == Label.REAL ? Label.FAKE : Label.REAL;
    }

    /**
     * Image files under root, sorted. Symbolic links are followed (datasets are often linked in from a big disk);
     * a link loop or an unreadable folder is skipped rather than ending the scan.
     */
    private static List<Path> imageFiles(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, Set.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && EXTENSIONS.contains(extension(file))) {
                            files.add(file);
                        }
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
        files.sort(null);
        return files;
    }

    private static Split splitFolder(String name) {
        try {
            return Split.parse(name);
        } catch (IllegalArgumentException e) {
            return Split.NONE;
        }
    }

    private static List<FileFacts> checkAll(List<Found> found, Options options, ScanCache cache,
                                            IntConsumer progress) throws IOException {
        FileFacts[] out = new FileFacts[found.size()];
        ForkJoinPool pool = new ForkJoinPool(options.threads());
        try {
            pool.submit(() -> java.util.stream.IntStream.range(0, found.size()).parallel().forEach(i -> {
                Found f = found.get(i);
                FileFacts facts = null;
                long[] stat = stat(f.file());
                if (cache != null && stat != null) {
                    facts = cache.lookup(f.rel(), stat[0], stat[1]);
                }
                if (facts == null) {
                    facts = inspect(f.file(), f.rel(), stat, options.limits());
                    if (cache != null && stat != null) {
                        try {
                            cache.record(facts);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
                out[i] = facts;
                progress.accept(1);
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("scan interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("scan failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
            if (cache != null) {
                cache.flush();
            }
        }
        return List.of(out);
    }

    private static long[] stat(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new long[] {a.size(), a.lastModifiedTime().toMillis()};
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Reads one file once: SHA-256 of its bytes, safe decode (sniffing, size and pixel limits before any pixel is
     * allocated, truncation), and the perceptual hash of the decoded pixels.
     */
    /** Shorter side kept when a large JPEG is decoded for checking and hashing ({@link ImageLoader.Checked}). */
    static final int HASH_SIDE = 256;

    public static FileFacts inspect(Path file, String rel, long[] stat, ImageLoader.Limits limits) {
        long size = stat == null ? -1 : stat[0];
        long mtime = stat == null ? 0 : stat[1];
        if (stat == null) {
            return failed(rel, size, mtime, "", Files.exists(file) ? ImageProblem.UNREADABLE : ImageProblem.MISSING);
        }
        if (size == 0) {
            return failed(rel, size, mtime, "", ImageProblem.EMPTY);
        }
        if (size > limits.maxFileBytes()) {
            // Hash by streaming: a huge file is never held in memory.
            String sha = "";
            try {
                sha = Hashing.sha256(file);
            } catch (IOException ignored) {
                // the reason below already says the file is unusable
            }
            return failed(rel, size, mtime, sha, ImageProblem.TOO_LARGE);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readAllBytes();
        } catch (NoSuchFileException e) {
            return failed(rel, size, mtime, "", ImageProblem.MISSING);
        } catch (AccessDeniedException e) {
            return failed(rel, size, mtime, "", ImageProblem.UNREADABLE);
        } catch (IOException e) {
            return failed(rel, size, mtime, "", ImageProblem.UNREADABLE);
        }
        String sha = Hashing.sha256(bytes);
        try {
            // Large JPEGs keep every k-th pixel (>= 256 px on the shorter side, 8 per hash cell): the check is as
            // strict as a full decode, the hash nearly identical, the full-size raster never made.
            ImageLoader.Checked checked = ImageLoader.decode(bytes, rel, limits, HASH_SIDE);
            DecodedImage img = checked.image();
            String mode = img.colorMode();
            // The JPEG plugin converts CMYK/YCCK to RGB while reading, so the decoded image no longer says so.
            if (img.format() == org.deepguard.core.image.ImageFormat.JPEG && jpegComponents(bytes) == 4) {
                mode = "cmyk";
            }
            return new FileFacts(rel, bytes.length, mtime, sha, checked.width(), checked.height(),
                    img.format().name().toLowerCase(Locale.ROOT), mode,
                    PerceptualHash.hex(PerceptualHash.of(img.rgb())), "");
        } catch (ImageLoadException e) {
            return failed(rel, bytes.length, mtime, sha, e.problem());
        } catch (RuntimeException e) {
            // A decoder bug on hostile input must not stop a 100k-file scan.
            return failed(rel, bytes.length, mtime, sha, ImageProblem.CORRUPT);
        } catch (OutOfMemoryError e) {
            // Within the pixel limit but still more than this heap holds: refuse the file, keep scanning.
            return failed(rel, bytes.length, mtime, sha, ImageProblem.TOO_LARGE);
        }
    }

    /** Number of colour components in a JPEG's frame header (SOFn), or -1 when none is found. */
    static int jpegComponents(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                return b[i + 9] & 0xFF;
            }
            if (marker == 0xDA || length < 2) {
                return -1; // start of scan before any frame header: malformed
            }
            i += 2 + length;
        }
        return -1;
    }

    private static FileFacts failed(String rel, long size, long mtime, String sha, ImageProblem problem) {
        return new FileFacts(rel, size, mtime, sha, 0, 0, "", "", "", problem.code());
    }

    /** Applies the option-dependent checks (minimum side, aspect ratio) to cached or fresh facts. */
    static ManifestEntry toEntry(Found f, FileFacts facts, Options options) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(FORMAT_COLUMN, facts.format());
        extra.put(COLOR_MODE_COLUMN, facts.colorMode());
        extra.put(BYTES_COLUMN, facts.size() < 0 ? "" : Long.toString(facts.size()));
        extra.put(NearDuplicates.PHASH_COLUMN, facts.phash());
        String reason = "";
        if (!facts.decoded()) {
            reason = facts.problem();
        } else if (Math.min(facts.width(), facts.height()) < options.minSide()) {
            reason = ImageProblem.TOO_SMALL.code();
        } else if ((double) Math.max(facts.width(), facts.height()) / Math.min(facts.width(), facts.height())
                > options.maxAspect()) {
            reason = ImageProblem.EXTREME_ASPECT.code();
        }
        return new ManifestEntry(f.rel(), f.label(), f.split(), facts.sha256(), facts.width(), facts.height(),
                reason.isEmpty() ? ManifestEntry.Status.OK : ManifestEntry.Status.EXCLUDED, reason, "", extra);
    }

    /**
     * Keeps the first file of each content hash; later copies are excluded as duplicate. Every copy of a hash that
     * appears under both labels is excluded as conflicting_labels: no label can be trusted for it.
     */
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

    /** Forward slashes on every platform, so manifests travel between machines. */
    static String portable(Path rel) {
        return rel.toString().replace('\\', '/');
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
