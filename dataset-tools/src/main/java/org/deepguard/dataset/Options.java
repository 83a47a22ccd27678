package org.deepguard.dataset;

import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Split;
import org.deepguard.core.data.Splitter;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Parsing of the option values the subcommands share. */
final class Options {
    private Options() {}

    static Splitter.Ratios ratios(String spec) {
        String[] parts = spec.split(",");
        if (parts.length != 3) {
            throw new CliException(ExitCode.USAGE, "--ratios needs three fractions train,val,test, got '" + spec + "'");
        }
        try {
            return new Splitter.Ratios(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()),
                    Double.parseDouble(parts[2].trim()));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--ratios '" + spec + "': " + e.getMessage());
        }
    }

    /**
     * {@code fake=fake,ai,generated} style entries: each replaces the default folder names of its label; labels not
     * mentioned keep their defaults.
     */
    static Map<String, Label> labelFolders(Map<String, Label> defaults, List<String> specs) {
        Map<String, Label> out = new LinkedHashMap<>(defaults);
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new CliException(ExitCode.USAGE, "--label must look like fake=fake,ai,generated, got '" + spec + "'");
            }
            Label label;
            try {
                label = Label.parse(spec.substring(0, eq));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--label '" + spec + "': " + e.getMessage());
            }
            out.values().removeIf(l -> l == label);
            for (String name : spec.substring(eq + 1).split(",")) {
                if (!name.isBlank()) {
                    out.put(name.trim().toLowerCase(Locale.ROOT), label);
                }
            }
        }
        return out;
    }

    static Set<Split> splits(String spec) {
        Set<Split> out = EnumSet.noneOf(Split.class);
        for (String s : spec.split(",")) {
            try {
                out.add(Split.parse(s));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--splits: " + e.getMessage());
            }
        }
        return out;
    }
}
