package org.deepguard.core.train;

import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectrumConfig;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What `train` fits after the network(s) have trained: the hand-crafted cue (its band start, the pseudo-fakes it is
 * fitted on as well), its fusion with the network (the rule, the cap) and the threshold rule. None of it changes a
 * training step, so none of it is part of a checkpoint's identity: a run resumes under other values. All of it is
 * stored in the bundle's provenance beside the training configuration.
 *
 * @param cueBand      where the cue's spectral profile starts ({@link SpectrumConfig#bandStart()}; 0: the whole
 *                     profile, the cue before session 6)
 * @param cueSimulated pseudo-fakes per training real image the cue is fitted on as well, in [0, 8] (the network never
 *                     sees them; 0: none)
 * @param fusionRule   how the network's and the cue's log-odds are weighed ({@link ScoreFusion.Rule})
 * @param cueCap       cap on the cue's share of the fused log-odds ({@link ScoreFusion#cueCap}; 0: none)
 * @param thresholdRule how the stored threshold is set on the validation split
 * @param crossFit     with an ensemble: each member validates on its own share of the training groups (it trains on
 *                     the rest), and all of the above is fitted on every training image's held-out score, from the
 *                     member that did not train on it ({@link org.deepguard.core.data.Folds#crossFitParts}); false:
 *                     every member trains and validates on the manifest's own splits
 */
public record PostTraining(double cueBand, int cueSimulated, ScoreFusion.Rule fusionRule, double cueCap,
                           Trainer.ThresholdRule thresholdRule, boolean crossFit) {

    static final int MAX_CUE_SIMULATED = 8;

    /** Provenance keys; configurations stored before a key existed read as {@link #upgrade} says. */
    static final String CUE_BAND_KEY = "cueBand";
    static final String CUE_SIMULATED_KEY = "cueSimulated";
    static final String FUSION_RULE_KEY = "fusionRule";
    static final String CUE_CAP_KEY = "cueCap";
    static final String THRESHOLD_RULE_KEY = "thresholdRule";
    static final String CROSS_FIT_KEY = "crossFit";

    /** The keys that comparisons of training identity leave out. */
    static final Set<String> KEYS = Set.of(CUE_BAND_KEY, CUE_SIMULATED_KEY, FUSION_RULE_KEY, CUE_CAP_KEY,
            THRESHOLD_RULE_KEY, CROSS_FIT_KEY);

    /** @throws IllegalArgumentException naming the value out of range */
    public PostTraining {
        SpectrumConfig.checkBandStart(cueBand);
        if (cueSimulated < 0 || cueSimulated > MAX_CUE_SIMULATED) {
            throw new IllegalArgumentException("pseudo-fakes per real image for the cue must be in [0, "
                    + MAX_CUE_SIMULATED + "], got " + cueSimulated);
        }
        Objects.requireNonNull(fusionRule, "fusionRule");
        if (!(cueCap >= 0) || Double.isInfinite(cueCap)) {
            throw new IllegalArgumentException("the cue cap must be a finite log-odds >= 0 (0: none), got " + cueCap);
        }
        Objects.requireNonNull(thresholdRule, "thresholdRule");
    }

    /** The cue's cap by default (since session 9): it moves the fused log-odds by at most this much. */
    public static final double DEFAULT_CUE_CAP = 2.0;

    /**
     * train's defaults: band from 1/16 of Nyquist, no cue pseudo-fakes, bounded fusion, the cue capped at
     * {@value #DEFAULT_CUE_CAP}, equal-cost cut.
     */
    public static PostTraining defaults() {
        return new PostTraining(SpectrumConfig.DEFAULT_BAND_START, 0, ScoreFusion.Rule.BOUNDED, DEFAULT_CUE_CAP,
                Trainer.ThresholdRule.EQUAL_COST, false);
    }

    public PostTraining withCueBand(double start) {
        return new PostTraining(start, cueSimulated, fusionRule, cueCap, thresholdRule, crossFit);
    }

    public PostTraining withCueSimulated(int perReal) {
        return new PostTraining(cueBand, perReal, fusionRule, cueCap, thresholdRule, crossFit);
    }

    public PostTraining withFusionRule(ScoreFusion.Rule rule) {
        return new PostTraining(cueBand, cueSimulated, rule, cueCap, thresholdRule, crossFit);
    }

    public PostTraining withCueCap(double cap) {
        return new PostTraining(cueBand, cueSimulated, fusionRule, cap, thresholdRule, crossFit);
    }

    public PostTraining withThresholdRule(Trainer.ThresholdRule rule) {
        return new PostTraining(cueBand, cueSimulated, fusionRule, cueCap, rule, crossFit);
    }

    public PostTraining withCrossFit(boolean on) {
        return new PostTraining(cueBand, cueSimulated, fusionRule, cueCap, thresholdRule, on);
    }

    /**
     * Adds this to a stored configuration: band, pseudo-fakes, fusion rule and (when on) the cap with the cue; the
     * threshold rule and cross-fitting always.
     */
    void storeInto(Map<String, Object> config, boolean withCue) {
        if (withCue && cueCap > 0) {
            config.put(CUE_CAP_KEY, cueCap);
        }
        if (withCue) {
            config.put(CUE_BAND_KEY, cueBand);
            config.put(FUSION_RULE_KEY, fusionRule.code());
            config.put(CUE_SIMULATED_KEY, cueSimulated);
        }
        config.put(THRESHOLD_RULE_KEY, thresholdRule.code());
        config.put(CROSS_FIT_KEY, crossFit);
    }

    /** A stored configuration from before these keys existed, with the values that reproduce what it did. */
    static void upgrade(Map<String, Object> config) {
        if (Boolean.TRUE.equals(config.get("spectral"))) {
            config.putIfAbsent(CUE_BAND_KEY, 0.0); // the whole-profile cue, before session 6
            config.putIfAbsent(FUSION_RULE_KEY, ScoreFusion.Rule.FITTED.code());
            config.putIfAbsent(CUE_SIMULATED_KEY, 0);
        }
        config.putIfAbsent(THRESHOLD_RULE_KEY, Trainer.ThresholdRule.YOUDEN.code());
        config.putIfAbsent(CROSS_FIT_KEY, false);
    }
}
