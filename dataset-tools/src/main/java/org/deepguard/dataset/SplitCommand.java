package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetReport;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.NearDuplicates;
import org.deepguard.core.data.Split;
import org.deepguard.core.data.Splitter;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

@CommandLine.Command(name = "split",
        description = {"Check an existing manifest for leakage (near-duplicate groups that straddle splits) and "
                + "write a leak-free one.",
                "Default: keep the existing splits, move each leaking group whole into the split holding most of "
                        + "it (ties: train), and assign unsplit rows with a stratified, seeded split.",
                "--resplit: discard existing splits and make a new stratified split. --check: only report leaks "
                        + "(exit code 1 when there are any)."},
        footer = {"", "Examples:",
                "  dataset split data/manifest.csv --check",
                "  dataset split data/manifest.csv -o data/manifest-fixed.csv",
                "  dataset split data/manifest.csv -o data/resplit.csv --resplit --ratios 0.8,0.1,0.1 --seed 1",
                "", DatasetCommand.EXIT_CODES})
public class SplitCommand extends BaseCommand {
    @CommandLine.Mixin
    ManifestInput input = new ManifestInput();

    @CommandLine.Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Manifest to write (may be the input file; it is replaced atomically).")
    Path output;

    @CommandLine.Option(names = "--resplit", description = "Ignore existing splits and split again.")
    boolean resplit;

    @CommandLine.Option(names = "--check", description = "Only report leaks; write nothing.")
    boolean check;

    @CommandLine.Option(names = "--seed", defaultValue = "42", description = "Split seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Option(names = "--ratios", defaultValue = "0.7,0.15,0.15", paramLabel = "T,V,T",
            description = "train,val,test fractions (default: ${DEFAULT-VALUE}).")
    String ratios;

    @CommandLine.Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    @Override
    protected int run() throws Exception {
        if (!check && output == null) {
            throw new CliException(ExitCode.USAGE, "give -o FILE for the new manifest, or --check to only report");
        }
        Splitter.Ratios r = Options.ratios(ratios);
        Manifest m = input.grouped(input.read(), this::progress);
        List<NearDuplicates.Leak> before = NearDuplicates.leaks(m.entries());
        for (NearDuplicates.Leak leak : before) {
            info("leak: " + leak.group() + " in " + String.join("+", leak.splits()) + ": "
                    + String.join(", ", leak.paths()));
        }
        if (check) {
            out().println(before.size() + " leak(s) across splits in " + input.manifest);
            out().flush();
            return before.isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
        }
        List<ManifestEntry> rows = m.entries();
        int[] moved = {0};
        if (resplit) {
            rows = rows.stream().map(e -> e.isUsable() ? e.withSplit(Split.NONE) : e).toList();
        } else {
            rows = Splitter.keepGroupsTogether(rows, moved);
        }
        rows = Splitter.assign(rows, r, seed);
        Manifest result = m.withEntries(rows);
        result.write(output);
        DatasetReport report = DatasetReport.of(result.entries());
        Summary.print(out(), report, json, (resplit ? "re-split" : "kept splits, moved " + moved[0] + " row(s)")
                + "; " + before.size() + " leak(s) before", output);
        return report.leaks().isEmpty() ? ExitCode.OK : ExitCode.PARTIAL;
    }
}
