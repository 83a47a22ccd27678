package org.deepguard.core.train;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Training with simulated fakes ({@code train --simulate}): pseudo-fakes made from the real training images by the
 * {@link ArtifactSimulator}, so the detector learns the traces generators leave (up-sampling, checkerboards, decoder
 * texture, spectral peaks) rather than one generator's look (Zhang, Karaman and Chang 2019, the AutoGAN simulator).
 *
 * @param families     simulator families drawn from (uniformly) for each pseudo-fake
 * @param perReal      pseudo-fakes per real training image and epoch (each a fresh draw)
 * @param only         true: the manifest's fakes are left out of training and validation (simulator-only
 *                     training); false: pseudo-fakes are added beside them
 * @param holdOut      a family kept out of training and used only, with its pseudo-fakes of the validation reals,
 *                     for fusion, calibration and threshold (so the threshold is set on a family the network never
 *                     saw, as new generators will be); null: validation uses the training families
 * @param matchDetail  true: every pseudo-fake gets back the high-frequency energy of its real image where the
 *                     simulation removed some ({@link ArtifactSimulator#matchDetail}), so "less fine detail" alone
 *                     does not tell the classes apart and the detector has to learn the artifacts' structure
 */
public record SimulationConfig(List<ArtifactSimulator.Family> families, double perReal, boolean only,
                               ArtifactSimulator.Family holdOut, boolean matchDetail) {
    public SimulationConfig {
        if (families == null || families.isEmpty()) {
            throw new IllegalArgumentException("--simulate needs at least one family");
        }
        families = List.copyOf(EnumSet.copyOf(families));
        if (!(perReal > 0) || perReal > 4) {
            throw new IllegalArgumentException("pseudo-fakes per real image must lie in (0, 4]");
        }
        if (holdOut != null && families.contains(holdOut) && families.size() == 1) {
            throw new IllegalArgumentException("cannot hold out the only simulator family");
        }
    }

    /** Without detail matching (as before it existed). */
    public SimulationConfig(List<ArtifactSimulator.Family> families, double perReal, boolean only,
                            ArtifactSimulator.Family holdOut) {
        this(families, perReal, only, holdOut, false);
    }

    /** All families, one pseudo-fake per real image and epoch, beside the manifest's fakes. */
    public static SimulationConfig all(boolean only) {
        return new SimulationConfig(List.of(ArtifactSimulator.Family.values()), 1.0, only, null);
    }

    /** The families used to make training pseudo-fakes (the held-out family removed). */
    public List<ArtifactSimulator.Family> trainingFamilies() {
        List<ArtifactSimulator.Family> out = new ArrayList<>(families);
        out.remove(holdOut);
        return out;
    }

    /** Parses a comma-separated family list ({@code all} = every family). */
    public static List<ArtifactSimulator.Family> parseFamilies(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("all")) {
            return List.of(ArtifactSimulator.Family.values());
        }
        List<ArtifactSimulator.Family> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            out.add(ArtifactSimulator.Family.parse(s.trim()));
        }
        return out;
    }

    /** e.g. "upsample,transposed-conv (1 per real, beside the manifest fakes)". */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (ArtifactSimulator.Family f : trainingFamilies()) {
            b.append(b.length() == 0 ? "" : ",").append(f.code());
        }
        return b + String.format(Locale.ROOT, " (%.3g per real image and epoch, %s%s)", perReal,
                only ? "instead of the manifest's fakes" : "beside the manifest's fakes",
                holdOut == null ? "" : "; " + holdOut.code() + " held out for calibration")
                + (matchDetail ? "; detail matched to the real image" : "");
    }
}
