package org.deepguard.core.data;

/** The two classes. Fake is the positive class everywhere (scores, metrics, thresholds). */
public enum Label {
    REAL, FAKE;

    public String code() {
        return name().toLowerCase();
    }

    public int index() {
        return this == REAL ? 0 : 1;
    }

    public boolean isFake() {
        return this == FAKE;
    }

    public static Label parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase();
        return switch (v) {
            case "real", "0" -> REAL;
            case "fake", "1" -> FAKE;
            default -> throw new IllegalArgumentException("label must be real or fake, got '" + s + "'");
        };
    }
}
