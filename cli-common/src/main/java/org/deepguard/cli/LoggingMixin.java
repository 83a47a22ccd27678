package org.deepguard.cli;

import picocli.CommandLine;

/** --verbose / --quiet for every command (jbang style): verbosity also decides whether stack traces are shown. */
public class LoggingMixin {
    @CommandLine.Option(names = {"-v", "--verbose"}, description = "More detail, and stack traces on errors.")
    public boolean verbose;

    @CommandLine.Option(names = {"-q", "--quiet"}, description = "Only errors and results; no progress bars.")
    public boolean quiet;
}
