package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import picocli.CommandLine;

/** The {@code dataset} command: scan, split, report, balance, export, and the synthetic sample. */
@CommandLine.Command(name = "dataset",
        description = "Build and audit a dataset manifest: find broken files, duplicates and near-duplicates, "
                + "make leak-free splits, balance, export. Never modifies the source images.",
        subcommands = {ScanCommand.class, SplitCommand.class, ReportCommand.class, BalanceCommand.class,
                ExportCommand.class, SampleCommand.class},
        footer = {"", "Examples:",
                "  dataset sample demo/data --per-class 48 --size 64",
                "  dataset scan ~/data/real_vs_fake -o data/manifest.csv",
                "  dataset report data/manifest.csv -o data/report",
                "  dataset split data/manifest.csv -o data/manifest-resplit.csv --resplit",
                "", DatasetCommand.EXIT_CODES})
public class DatasetCommand extends BaseCommand {
    static final String EXIT_CODES = "Exit codes: 0 ok, 1 leaks remain (split) or some exports failed, 2 usage, "
            + "4 input unusable, 5 output not written, 70 internal. Excluded images do not change the exit code.";

    public static void main(String[] args) {
        Cli.main(new DatasetCommand(), args);
    }

    @Override
    protected int run() {
        spec.commandLine().usage(err());
        return ExitCode.USAGE;
    }
}
