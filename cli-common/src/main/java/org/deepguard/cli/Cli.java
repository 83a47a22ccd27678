package org.deepguard.cli;

import org.deepguard.core.data.ManifestException;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.model.BundleException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * Runs a command with the toolkit's conventions: one-line errors mapped to exit codes (stack traces only with
 * --verbose), injectable out/err for in-process tests.
 */
public final class Cli {
    private Cli() {}

    /** Entry point for launchers: runs and exits the JVM with the command's code. */
    public static void main(Object command, String[] args) {
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(command, args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    public static int execute(Object command, String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(command, out, err).execute(args);
    }

    public static CommandLine commandLine(Object command, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Cli::handleExecutionException);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println("error: " + ex.getMessage());
            e.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            e.flush();
            return ExitCode.USAGE;
        });
        return cl;
    }

    static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        Object user = cl.getCommand();
        boolean verbose = user instanceof BaseCommand b && b.verbose();
        int code = exitCodeFor(ex);
        PrintWriter err = cl.getErr();
        String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        if (code == ExitCode.INTERNAL) {
            message = "internal error: " + ex.getClass().getSimpleName() + ": " + message
                    + (verbose ? "" : " (rerun with --verbose for details)");
        } else if (ex instanceof IOException && !(ex instanceof NoSuchFileException)) {
            message = "I/O error: " + message;
        } else if (ex instanceof NoSuchFileException) {
            message = message + ": no such file";
        }
        err.println("error: " + message.lines().findFirst().orElse(message));
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    public static int exitCodeFor(Throwable ex) {
        if (ex instanceof CliException c) {
            return c.exitCode();
        }
        if (ex instanceof BundleException) {
            return ExitCode.MODEL;
        }
        if (ex instanceof ManifestException || ex instanceof ImageLoadException || ex instanceof NoSuchFileException
                || ex instanceof AccessDeniedException || ex instanceof IllegalArgumentException) {
            return ExitCode.INPUT;
        }
        if (ex instanceof IOException || ex instanceof UncheckedIOException) {
            return ExitCode.IO;
        }
        if (ex instanceof InterruptedException) {
            return ExitCode.INTERRUPTED;
        }
        return ExitCode.INTERNAL;
    }
}
