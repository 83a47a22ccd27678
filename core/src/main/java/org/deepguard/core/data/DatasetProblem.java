package org.deepguard.core.data;

/**
 * Why a decodable image is excluded from a dataset. Like {@link org.deepguard.core.image.ImageProblem} codes, the
 * {@link #code()} strings are stable: they appear in the manifest's {@code reason} column and in reports.
 */
public enum DatasetProblem {
    DUPLICATE("duplicate", "exact copy (same SHA-256) of an earlier file with the same label"),
    NEAR_DUPLICATE("near_duplicate", "perceptual copy of a kept file (dropped with --drop-near-duplicates)"),
    CONFLICTING_LABELS("conflicting_labels", "the same content appears under both labels"),
    UNDERSAMPLED("undersampled", "left out by 'dataset balance --mode under'");

    private final String code;
    private final String description;

    DatasetProblem(String code, String description) {
        this.code = code;
        this.description = description;
    }

    public String code() {
        return code;
    }

    public String description() {
        return description;
    }
}
