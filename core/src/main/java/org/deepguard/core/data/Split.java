package org.deepguard.core.data;

/** Dataset partitions; NONE means "not assigned yet". */
public enum Split {
    TRAIN, VAL, TEST, NONE;

    public String code() {
        return this == NONE ? "" : name().toLowerCase();
    }

    public static Split parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase();
        return switch (v) {
            case "" -> NONE;
            case "train", "training" -> TRAIN;
            case "val", "valid", "validation" -> VAL;
            case "test", "testing" -> TEST;
            default -> throw new IllegalArgumentException("split must be train, val, test or empty, got '" + s + "'");
        };
    }
}
