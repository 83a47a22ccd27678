package org.deepguard.cli;

/**
 * Exit codes shared by every command. They are part of the interface: scripts depend on them.
 * <ul>
 *   <li>0 OK: everything succeeded</li>
 *   <li>1 PARTIAL: the command ran, but some inputs failed (listed in the output), or a --fail-under check failed</li>
 *   <li>2 USAGE: bad options or arguments</li>
 *   <li>3 MODEL: the model bundle could not be loaded</li>
 *   <li>4 INPUT: the input (image, manifest, folder) is unusable</li>
 *   <li>5 IO: an output could not be written</li>
 *   <li>70 INTERNAL: a bug; rerun with --verbose and report it</li>
 *   <li>130 INTERRUPTED: stopped by Ctrl-C (resumable commands can continue)</li>
 * </ul>
 */
public final class ExitCode {
    public static final int OK = 0;
    public static final int PARTIAL = 1;
    public static final int USAGE = 2;
    public static final int MODEL = 3;
    public static final int INPUT = 4;
    public static final int IO = 5;
    public static final int INTERNAL = 70;
    public static final int INTERRUPTED = 130;

    /** The list above as help-text lines, for every command's --help footer. */
    public static final String[] HELP = {
        "Exit codes:",
        "  0  success",
        "  1  some inputs failed (the rest completed), or a quality gate failed",
        "  2  usage error",
        "  3  model bundle could not be loaded",
        "  4  input unusable (image, manifest or folder)",
        "  5  output could not be written",
        "  70 internal error (rerun with --verbose and report it)",
    };

    private ExitCode() {}
}
