package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.Progress;
import org.deepguard.core.data.DatasetReport;
import org.deepguard.core.data.Exporter;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.preprocess.ResizePolicy;
import picocli.CommandLine;

import java.nio.file.Path;

@CommandLine.Command(name = "export",
        description = {"Write resized copies of the manifest's usable images to DIR/<split>/<label>/ and "
                + "DIR/manifest.csv (with a 'source' column). Sources are only read; every file is written "
                + "atomically, and an interrupted export resumes (finished copies are kept).",
                "Exporting both classes to one size and format removes format/size shortcuts. No face crop: "
                        + "no face detector ships with the toolkit yet."},
        footer = {"", "Examples:",
                "  dataset export data/manifest.csv -o data/export128 --size 128",
                "  dataset export data/manifest.csv -o data/jpg256 --size 256 --policy pad --format jpg --quality 0.9",
                "", DatasetCommand.EXIT_CODES})
public class ExportCommand extends BaseCommand {
    @CommandLine.Parameters(index = "0", paramLabel = "MANIFEST", description = "Manifest CSV.")
    Path manifest;

    @CommandLine.Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output folder.")
    Path outDir;

    @CommandLine.Option(names = "--size", defaultValue = "128", paramLabel = "PX",
            description = "Side of the square output (default: ${DEFAULT-VALUE}).")
    int size;

    @CommandLine.Option(names = "--policy", defaultValue = "CENTER_CROP",
            description = "stretch, center_crop, native_crop (1:1 centred crop, no resampling) or pad (mean "
                    + "colour) (default: ${DEFAULT-VALUE}).")
    ResizePolicy policy;

    @CommandLine.Option(names = "--format", defaultValue = "PNG", description = "png or jpg (default: ${DEFAULT-VALUE}).")
    Exporter.Format format;

    @CommandLine.Option(names = "--quality", defaultValue = "0.95", description = "JPEG quality 0-1 (default: "
            + "${DEFAULT-VALUE}).")
    float quality;

    @CommandLine.Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    @Override
    protected int run() throws Exception {
        Exporter.Settings settings;
        try {
            settings = new Exporter.Settings(size, policy, format, quality);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
        Manifest m = Manifest.read(manifest);
        Path src = m.baseDir().toAbsolutePath().normalize();
        Path dst = outDir.toAbsolutePath().normalize();
        if (dst.equals(src) || src.startsWith(dst)) {
            throw new CliException(ExitCode.USAGE, outDir + ": export folder must not contain the source images");
        }
        long n = m.entries().stream().filter(e -> e.isUsable()).count();
        Manifest result;
        try (Progress bar = progress("export", n)) {
            result = Exporter.export(m, outDir, settings, threads == null ? Runtime.getRuntime().availableProcessors()
                    : threads, k -> bar.stepBy(k));
        }
        Path written = outDir.resolve("manifest.csv");
        result.write(written);
        DatasetReport report = DatasetReport.of(result.entries());
        Summary.print(out(), report, false, "exported " + report.usable() + " images", written);
        return report.excluded() == 0 ? ExitCode.OK : ExitCode.PARTIAL;
    }
}
