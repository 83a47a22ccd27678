package org.deepguard.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * Base of every command: shared --verbose/--quiet, output through the command's own writers (so tests capture it
 * in-process), and a single place where an exit code is returned.
 */
@CommandLine.Command(mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true, footer = {"", "Exit codes: 0 ok, 1 some inputs failed, "
        + "2 usage, 3 model, 4 input, 5 output, 70 internal."})
public abstract class BaseCommand implements Callable<Integer> {
    @CommandLine.Spec
    protected CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    protected LoggingMixin logging = new LoggingMixin();

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    public boolean verbose() {
        return logging.verbose;
    }

    public boolean quiet() {
        return logging.quiet;
    }

    /** Informational line on stderr, suppressed by --quiet. */
    protected void info(String message) {
        if (!quiet()) {
            err().println(message);
            err().flush();
        }
    }

    protected Progress progress(String task, long total) {
        return Progress.start(task, total, err(), quiet());
    }

    @Override
    public final Integer call() throws Exception {
        return run();
    }

    protected abstract int run() throws Exception;
}
