package org.deepguard.core.attack;

/**
 * Which score of a detector is attacked and read: the whole fused, calibrated score (what `detect` decides on), or
 * one of its two parts alone (the ablation rows of the attack report).
 */
public enum DetectorParts {
    /**
     * z = a z_net + b z_cue + c (the cue's share capped as the bundle says; z_net alone without a cue), divided by
     * the temperature; the bundle's threshold.
     */
    FUSED("fused"),
    /** The network's log-odds alone (ensemble mean, patch aggregate), threshold 0 (equal odds). */
    NETWORK("network"),
    /** The hand-crafted cue's log-odds alone, threshold 0 (it is fitted with balanced class weights). */
    CUE("cue");

    private final String key;

    DetectorParts(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}
