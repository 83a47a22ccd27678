package org.deepguard.core.data;

import java.util.Map;
import java.util.Objects;

/**
 * One row of the dataset manifest.
 *
 * @param path   image path as written in the manifest (relative paths resolve against the manifest's folder)
 * @param label  real or fake
 * @param split  train / val / test, or NONE
 * @param sha256 content hash (empty when not computed)
 * @param width  decoded width (0 when unknown)
 * @param height decoded height (0 when unknown)
 * @param status OK rows are used; EXCLUDED rows are kept for the record with a reason
 * @param reason reason code when excluded (see ImageProblem and DatasetProblem codes), else empty
 * @param group  source group: rows of one group never straddle splits or folds (empty = the row alone)
 * @param extra  further columns, preserved as they were (e.g. generator, source)
 */
public record ManifestEntry(String path, Label label, Split split, String sha256, int width, int height,
                            Status status, String reason, String group, Map<String, String> extra) {

    public enum Status {
        OK, EXCLUDED;

        public String code() {
            return name().toLowerCase();
        }

        public static Status parse(String s) {
            String v = s == null ? "" : s.trim().toLowerCase();
            return switch (v) {
                case "", "ok" -> OK;
                case "excluded" -> EXCLUDED;
                default -> throw new IllegalArgumentException("status must be ok or excluded, got '" + s + "'");
            };
        }
    }

    public ManifestEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(label, "label");
        split = split == null ? Split.NONE : split;
        sha256 = sha256 == null ? "" : sha256;
        status = status == null ? Status.OK : status;
        reason = reason == null ? "" : reason;
        group = group == null ? "" : group;
        // Insertion order is kept so extra columns come out in a stable order.
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extra));
    }

    public static ManifestEntry of(String path, Label label, Split split) {
        return new ManifestEntry(path, label, split, "", 0, 0, Status.OK, "", "", Map.of());
    }

    public boolean isUsable() {
        return status == Status.OK;
    }

    public ManifestEntry withSplit(Split s) {
        return new ManifestEntry(path, label, s, sha256, width, height, status, reason, group, extra);
    }

    public ManifestEntry excluded(String reasonCode) {
        return new ManifestEntry(path, label, split, sha256, width, height, Status.EXCLUDED, reasonCode, group, extra);
    }

    public ManifestEntry withStatus(Status s, String reasonCode) {
        return new ManifestEntry(path, label, split, sha256, width, height, s, reasonCode, group, extra);
    }

    /** A copy with one extra column set (added at the end when new). */
    public ManifestEntry withExtra(String column, String value) {
        Map<String, String> e = new java.util.LinkedHashMap<>(extra);
        e.put(column, value);
        return new ManifestEntry(path, label, split, sha256, width, height, status, reason, group, e);
    }

    public ManifestEntry withGroup(String g) {
        return new ManifestEntry(path, label, split, sha256, width, height, status, reason, g, extra);
    }

    /** The group key used for leak-free splitting: the group column, or the path when empty. */
    public String groupKey() {
        return group.isEmpty() ? path : group;
    }
}
