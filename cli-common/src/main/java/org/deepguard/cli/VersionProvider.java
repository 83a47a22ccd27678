package org.deepguard.cli;

import picocli.CommandLine;

/** --version: toolkit version, Java and the DL4J stack. */
public class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {
            "${COMMAND-FULL-NAME} (deepguard) " + (v == null ? "0.1.0-SNAPSHOT" : v),
            "Deeplearning4j 1.0.0-M2.1, Java " + System.getProperty("java.version") + " ("
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")"
        };
    }
}
