package org.deepguard.dataset;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.sample.SampleGenerator;
import picocli.CommandLine;

import java.nio.file.Path;

@CommandLine.Command(name = "sample",
        description = {"Write the SYNTHETIC demo sample into DIR/real and DIR/fake: smooth textures as 'real', and "
                + "textures enlarged by a transposed convolution (GAN-like checkerboard) as 'fake'.",
                "It only shows the pipeline end to end; it says nothing about real deepfakes."},
        footer = {"", "Examples:", "  dataset sample demo/data --per-class 48 --size 64",
                "  dataset sample /tmp/s --per-class 8 --size 32 --seed 3",
                "", DatasetCommand.EXIT_CODES})
public class SampleCommand extends BaseCommand {
    @CommandLine.Parameters(index = "0", paramLabel = "DIR", description = "Output folder (real/ and fake/ inside).")
    Path dir;

    @CommandLine.Option(names = "--per-class", defaultValue = "48", paramLabel = "N",
            description = "Images per class (default: ${DEFAULT-VALUE}).")
    int perClass;

    @CommandLine.Option(names = "--size", defaultValue = "64", paramLabel = "PX",
            description = "Image side in pixels, even (default: ${DEFAULT-VALUE}).")
    int size;

    @CommandLine.Option(names = "--seed", defaultValue = "7", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    protected int run() throws Exception {
        if (perClass < 1 || perClass > 100_000) {
            throw new CliException(ExitCode.USAGE, "--per-class must be 1..100000");
        }
        if (size < 8 || size > 4096 || size % 2 != 0) {
            throw new CliException(ExitCode.USAGE, "--size must be an even number of pixels from 8 to 4096");
        }
        int n = SampleGenerator.write(dir, perClass, size, seed);
        out().println("wrote " + n + " synthetic images (" + perClass + " real, " + perClass + " fake, " + size + "x"
                + size + ") to " + dir);
        out().flush();
        return ExitCode.OK;
    }
}
