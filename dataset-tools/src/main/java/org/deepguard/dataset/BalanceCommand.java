package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Balancer;
import org.deepguard.core.data.DatasetReport;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import picocli.CommandLine;

import java.nio.file.Path;

@CommandLine.Command(name = "balance",
        description = {"Balance real and fake within each split, seeded.",
                "under: exclude random majority-class rows (reason undersampled; they stay in the manifest).",
                "over: repeat random minority-class rows (extra rows with a 'copy' column).",
                "weights: keep every row, add a 'weight' column (n / (2 n_class)) and write "
                        + "<output>.class-weights.json."},
        footer = {"", "Examples:",
                "  dataset balance data/manifest.csv -o data/balanced.csv --mode under --seed 1",
                "  dataset balance data/manifest.csv -o data/over.csv --mode over --splits train",
                "  dataset balance data/manifest.csv -o data/weighted.csv --mode weights",
                "", DatasetCommand.EXIT_CODES})
public class BalanceCommand extends BaseCommand {
    @CommandLine.Parameters(index = "0", paramLabel = "MANIFEST", description = "Manifest CSV.")
    Path manifest;

    @CommandLine.Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Manifest to write.")
    Path output;

    @CommandLine.Option(names = "--mode", required = true, description = "under, over or weights.")
    Balancer.Mode mode;

    @CommandLine.Option(names = "--splits", defaultValue = "train,val,test", paramLabel = "LIST",
            description = "Splits to balance (default: ${DEFAULT-VALUE}).")
    String splits;

    @CommandLine.Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    protected int run() throws Exception {
        Manifest m = Manifest.read(manifest);
        Manifest result = m.withEntries(Balancer.balance(m.entries(), mode, Options.splits(splits), seed));
        result.write(output);
        if (mode == Balancer.Mode.WEIGHTS) {
            Path weights = output.resolveSibling(output.getFileName() + ".class-weights.json");
            AtomicFiles.writeString(weights, Json.pretty(Balancer.classWeights(m.entries())) + "\n");
            info("class weights: " + weights);
        }
        Summary.print(out(), DatasetReport.of(result.entries()), false, "balanced (" + mode.name().toLowerCase()
                + ")", output);
        return ExitCode.OK;
    }
}
