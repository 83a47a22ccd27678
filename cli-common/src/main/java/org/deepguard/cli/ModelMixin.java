package org.deepguard.cli;

import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.ModelBundle;
import picocli.CommandLine;

import java.nio.file.Path;

/** --model DIR, falling back to $DEEPGUARD_MODEL. */
public class ModelMixin {
    public static final String ENV = "DEEPGUARD_MODEL";

    @CommandLine.Option(names = {"-m", "--model"}, paramLabel = "DIR",
            description = "Model bundle directory (default: $" + ENV + ").")
    public Path model;

    public Path resolve() {
        if (model != null) {
            return model;
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        throw new CliException(ExitCode.USAGE, "no model given: pass --model DIR or set " + ENV);
    }

    public ModelBundle load() {
        Path dir = resolve();
        try {
            return ModelBundle.load(dir);
        } catch (BundleException e) {
            throw new CliException(ExitCode.MODEL, e.getMessage(), e);
        }
    }
}
