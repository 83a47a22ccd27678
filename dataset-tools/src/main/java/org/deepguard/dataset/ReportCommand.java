package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetReport;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@CommandLine.Command(name = "report",
        description = {"Audit a manifest: counts per split and class, size / format / colour-mode / file-size "
                + "histograms per class (differences between classes are shortcuts a detector can learn), excluded "
                + "files by reason, near-duplicate clusters and leaks across splits.",
                "Writes report.txt, report.json and PNG bar charts into DIR. Source images are only read."},
        footer = {"", "Examples:",
                "  dataset report demo/manifest.csv -o demo/report",
                "  dataset report data/manifest.csv -o data/report --no-charts --near-threshold 6",
                "", DatasetCommand.EXIT_CODES})
public class ReportCommand extends BaseCommand {
    static final List<String> CHARTS = List.of("counts", "excluded", "format", "color_mode", "min_side", "file_size");

    @CommandLine.Mixin
    ManifestInput input = new ManifestInput();

    @CommandLine.Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Report folder.")
    Path outDir;

    @CommandLine.Option(names = "--no-charts", description = "Skip the PNG charts.")
    boolean noCharts;

    @Override
    protected int run() throws Exception {
        Manifest m = input.grouped(input.read(), this::progress);
        DatasetReport report = DatasetReport.of(m.entries());
        AtomicFiles.writeString(outDir.resolve("report.json"), Json.pretty(report) + "\n");
        String text = Summary.text(report, input.manifest);
        AtomicFiles.writeString(outDir.resolve("report.txt"), text);
        if (!noCharts) {
            writeCharts(report, outDir);
        }
        out().print(text);
        out().println("report: " + outDir);
        out().flush();
        return ExitCode.OK;
    }

    static void writeCharts(DatasetReport r, Path dir) throws IOException {
        chart(dir, "counts", "Usable images per split", "split", r.counts());
        chart(dir, "excluded", "Excluded files by reason", "reason", r.excludedByReason());
        for (var h : r.histograms().entrySet()) {
            chart(dir, h.getKey(), h.getKey() + " per class", h.getKey(), h.getValue());
        }
    }

    /** One grouped bar chart: categories on x, one series per label. */
    private static void chart(Path dir, String name, String title, String xTitle,
                              Map<String, Map<String, Integer>> data) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle)
                .yAxisTitle("images").build();
        chart.getStyler().setLegendVisible(true);
        List<String> categories = new ArrayList<>(data.keySet());
        if (categories.isEmpty()) {
            categories.add("none");
        }
        for (String label : List.of("real", "fake")) {
            List<Integer> values = categories.stream()
                    .map(c -> data.containsKey(c) ? data.get(c).getOrDefault(label, 0) : 0).toList();
            chart.addSeries(label, categories, values);
        }
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.writeBytes(dir.resolve(name + ".png"), png);
    }
}
