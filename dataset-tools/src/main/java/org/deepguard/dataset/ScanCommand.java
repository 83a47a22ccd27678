package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.Progress;
import org.deepguard.core.data.DatasetReport;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.GroupRule;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.NearDuplicates;
import org.deepguard.core.data.ScanCache;
import org.deepguard.core.image.ImageLoader;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@CommandLine.Command(name = "scan",
        description = {"Walk DIR, check and hash every image in parallel, and write a manifest (CSV).",
                "Layouts: ImageFolder (real/, fake/), 140k Real and Fake Faces (train|valid|test/real|fake), "
                        + "CNNDetection (0_real/1_fake under any folders). Folders naming a split keep it; "
                        + "otherwise a stratified, seeded split is made that keeps near-duplicates together.",
                "Excluded files stay in the manifest with status=excluded and a reason: zero_byte, not_an_image, "
                        + "unsupported_format, corrupt, truncated, too_large, too_small, extreme_aspect, unreadable, "
                        + "duplicate, near_duplicate (with --drop-near-duplicates), conflicting_labels.",
                "Grey, CMYK, 16-bit, indexed and alpha images are converted to 8-bit RGB (alpha dropped) and "
                        + "their source mode is recorded in the color_mode column.",
                "A journal of finished files (.<manifest>.scan-cache.jsonl) lets an interrupted scan resume."},
        footer = {"", "Examples:",
                "  dataset scan demo/data -o demo/manifest.csv",
                "  dataset scan ~/real_vs_fake/real-vs-fake -o data/manifest.csv --min-side 64",
                "  dataset scan ~/faces -o m.csv --label fake=fake,ai,generated --label real=real,authentic",
                "  dataset scan ~/real_vs_fake/real-vs-fake -o m.csv --listing ~/real_vs_fake/train.csv "
                        + "--listing ~/real_vs_fake/valid.csv --listing ~/real_vs_fake/test.csv --one-means real",
                "  dataset scan ~/CNNDetection -o m.csv --ratios 0.8,0.1,0.1 --seed 7 --drop-near-duplicates",
                "  dataset scan dev -o dev.csv --group-by prefix  # x_074.png, x_075.png: 1 group",
                "  dataset scan ~/frames -o m.csv --group-by folder  # real/v17/*.png: 1 group",
                "", DatasetCommand.EXIT_CODES})
public class ScanCommand extends BaseCommand {
    @CommandLine.Parameters(index = "0", paramLabel = "DIR", description = "Folder of labelled images.")
    Path dir;

    @CommandLine.Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
            description = "Manifest to write; paths in it are relative to its folder.")
    Path output;

    @CommandLine.Option(names = "--seed", defaultValue = "42", description = "Split seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Option(names = "--ratios", defaultValue = "0.7,0.15,0.15", paramLabel = "T,V,T",
            description = "train,val,test fractions when the layout has no splits (default: ${DEFAULT-VALUE}).")
    String ratios;

    @CommandLine.Option(names = "--label", paramLabel = "LABEL=NAMES",
            description = "Folder names for a label, e.g. fake=fake,ai,generated (repeatable; default "
                    + "real=real,0_real and fake=fake,1_fake).")
    List<String> labels = new ArrayList<>();

    @CommandLine.Option(names = "--min-side", defaultValue = "32", paramLabel = "PX",
            description = "Exclude images whose shorter side is below this (too_small; default: ${DEFAULT-VALUE}).")
    int minSide;

    @CommandLine.Option(names = "--max-aspect", defaultValue = "4.0", paramLabel = "R",
            description = "Exclude images whose long/short side ratio exceeds this (extreme_aspect; default: "
                    + "${DEFAULT-VALUE}).")
    double maxAspect;

    @CommandLine.Option(names = "--max-pixels", defaultValue = "100000000", paramLabel = "N",
            description = "Refuse images with more pixels, read from the header before decoding "
                    + "(too_large, decompression bombs; default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @CommandLine.Option(names = "--max-file-mb", defaultValue = "256", paramLabel = "MB",
            description = "Refuse larger files (too_large; default: ${DEFAULT-VALUE}).")
    long maxFileMb;

    @CommandLine.Option(names = "--near-threshold", defaultValue = "" + NearDuplicates.DEFAULT_THRESHOLD,
            paramLabel = "BITS", description = "Perceptual-hash Hamming distance that makes two images "
            + "near-duplicates (0-20; -1 disables; default: ${DEFAULT-VALUE}).")
    int nearThreshold;

    @CommandLine.Option(names = "--drop-near-duplicates",
            description = "Keep one image per label of each near-duplicate cluster (the largest); exclude the rest "
                    + "as near_duplicate. Without it, clusters are only kept inside one split.")
    boolean dropNear;

    @CommandLine.Option(names = "--group-by", defaultValue = "near-duplicate", paramLabel = "RULE",
            description = "What fills the group column (a group never straddles splits or CV folds): "
                    + "near-duplicate (perceptual-hash clusters only), prefix (file-name stem before a trailing "
                    + "_NNN: x_074.png and x_075.png are one source) or folder (the parent folder below the label "
                    + "folder: one video or person per folder). Near-duplicate clusters are always merged in "
                    + "(default: ${DEFAULT-VALUE}).")
    String groupBy;

    @CommandLine.Option(names = "--threads", paramLabel = "N", description = "Decode threads (default: all cores).")
    Integer threads;

    @CommandLine.Option(names = "--no-cache", description = "Neither read nor write the resume journal.")
    boolean noCache;

    @CommandLine.Option(names = "--listing", paramLabel = "CSV",
            description = "Scan the files a CSV lists (paths relative to DIR; columns path, label or label_str, "
                    + "optional split) instead of walking DIR; repeatable, e.g. the 140k set's train.csv, "
                    + "valid.csv, test.csv.")
    List<Path> listings = new ArrayList<>();

    @CommandLine.Option(names = "--one-means", defaultValue = "fake", paramLabel = "LABEL",
            description = "What label 1 means in a listing's numeric label column (the 140k Real and Fake Faces "
                    + "CSVs: real; default: ${DEFAULT-VALUE}).")
    String oneMeans;

    @CommandLine.Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    @Override
    protected int run() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new CliException(ExitCode.INPUT, dir + ": not a directory");
        }
        if (nearThreshold > NearDuplicates.MAX_THRESHOLD || nearThreshold < -1) {
            throw new CliException(ExitCode.USAGE, "--near-threshold must be -1.." + NearDuplicates.MAX_THRESHOLD);
        }
        if (minSide < 1 || maxPixels < 1 || maxFileMb < 1 || maxAspect < 1) {
            throw new CliException(ExitCode.USAGE, "--min-side, --max-pixels and --max-file-mb must be positive, "
                    + "--max-aspect at least 1");
        }
        GroupRule rule;
        try {
            rule = GroupRule.parse(groupBy);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--group-by: " + e.getMessage());
        }
        DatasetScanner.Options options = DatasetScanner.Options.defaults()
                .withLabelFolders(Options.labelFolders(DatasetScanner.defaultLabelFolders(), labels))
                .withRatios(Options.ratios(ratios), seed)
                .withChecks(minSide, maxAspect, new ImageLoader.Limits(maxFileMb << 20, maxPixels))
                .withNearDuplicates(nearThreshold, dropNear)
                .withGroupRule(rule);
        if (threads != null) {
            options = options.withThreads(threads);
        }
        Path root = dir.toAbsolutePath().normalize();
        List<DatasetScanner.Found> found = new ArrayList<>();
        if (listings.isEmpty()) {
            found.addAll(DatasetScanner.findFiles(root, options));
        } else {
            Label one;
            try {
                one = Label.parse(oneMeans);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--one-means: " + e.getMessage());
            }
            for (Path listing : listings) {
                found.addAll(DatasetScanner.fromListing(listing, root, one));
            }
        }
        if (found.isEmpty()) {
            throw new CliException(ExitCode.INPUT, dir + ": no labelled images found (expected real/ and fake/ "
                    + "folders, train|valid|test/real|fake, or 0_real/1_fake; see --label)");
        }
        Path out = output.toAbsolutePath();
        if (out.startsWith(root)) {
            info("note: the manifest is written inside the scanned folder");
        }
        ScanCache cache = noCache ? null : ScanCache.open(ScanCache.defaultPath(out), options.limits());
        Manifest manifest;
        try (Progress bar = progress("scan", found.size())) {
            manifest = DatasetScanner.build(found, root, options, cache, n -> bar.stepBy(n));
        } finally {
            if (cache != null) {
                cache.close();
            }
        }
        manifest.write(output);
        listExcluded(manifest);
        DatasetReport report = DatasetReport.of(manifest.entries());
        Summary.print(out(), report, json, "scanned " + found.size() + " files"
                + (cache != null && cache.reused() > 0 ? " (" + cache.reused() + " from the resume journal)" : ""),
                output);
        return ExitCode.OK;
    }

    /** One line per excluded file on stderr (the first 20, or all with --verbose); the manifest has them all. */
    private void listExcluded(Manifest manifest) {
        int limit = verbose() ? Integer.MAX_VALUE : 20;
        int shown = 0;
        int total = 0;
        for (var e : manifest.entries()) {
            if (!e.isUsable()) {
                total++;
                if (shown < limit) {
                    info("excluded: " + e.path() + ": " + e.reason());
                    shown++;
                }
            }
        }
        if (total > shown) {
            info("... and " + (total - shown) + " more excluded files (see the manifest, or rerun with --verbose)");
        }
    }
}
