package org.deepguard.core.train;

import org.deepguard.core.model.Prediction;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training levers of issues 16 and 22 on tiny hand-made inputs: exact counts, no training needed. */
class RobustTrainingTest {
    private static final List<BatchPipeline.Item> SPLIT = List.of(
            new BatchPipeline.Item(Path.of("r1.png"), 0), new BatchPipeline.Item(Path.of("r2.png"), 0),
            new BatchPipeline.Item(Path.of("r3.png"), 0), new BatchPipeline.Item(Path.of("f1.png"), 1));

    private static TrainingConfig config(SimulationConfig sim, int copies, AugmentationConfig aug) {
        return new TrainingConfig(TinyModels.tinyConfig(16, 1), 1, 8, 1e-3, 1e-6, 0, 0, 0, aug, true, 1, 3, 0.1, 0,
                2, 1, 3, null, null, 1, true, true, sim, copies);
    }

    @Test
    void simulationAddsPseudoFakesOfTheRealsOrReplacesTheManifestFakes() {
        SimulationConfig beside = new SimulationConfig(SimulationConfig.parseFamilies("all"), 2, false, null);
        List<BatchPipeline.Item> added = new Trainer(config(beside, 0, AugmentationConfig.none()), null)
                .simulated(SPLIT, false);
        assertEquals(4 + 6, added.size(), "4 files + 2 pseudo-fakes of each of the 3 reals");
        assertEquals(7, added.stream().filter(i -> i.label() == 1).count());
        assertEquals(6, added.stream().filter(i -> i.simulator() != null).count());
        assertTrue(added.stream().filter(i -> i.simulator() != null).allMatch(i -> i.path().toString().startsWith("r")));

        SimulationConfig only = new SimulationConfig(SimulationConfig.parseFamilies("all"), 1, true,
                ArtifactSimulator.Family.BLEND);
        Trainer t = new Trainer(config(only, 0, AugmentationConfig.none()), null);
        List<BatchPipeline.Item> train = t.simulated(SPLIT, false);
        assertEquals(3 + 3, train.size(), "the manifest's fake is left out");
        assertTrue(train.stream().filter(i -> i.label() == 1).allMatch(i -> i.simulator() != null));
        assertFalse(train.stream().filter(i -> i.simulator() != null)
                .anyMatch(i -> i.simulator().families().contains(ArtifactSimulator.Family.BLEND)));
        List<BatchPipeline.Item> val = t.simulated(SPLIT, true);
        assertTrue(val.stream().filter(i -> i.simulator() != null)
                .allMatch(i -> i.simulator().families().equals(List.of(ArtifactSimulator.Family.BLEND))),
                "validation pseudo-fakes come from the held-out family alone");

        assertEquals(SPLIT, new Trainer(config(null, 0, AugmentationConfig.none()), null).simulated(SPLIT, false));
    }

    @Test
    void degradedCopiesFollowTheCleanExamples() {
        Trainer t = new Trainer(config(null, 2, AugmentationConfig.defaults()), null);
        List<BatchPipeline.Item> all = t.withDegradedCopies(SPLIT);
        assertEquals(12, all.size());
        assertEquals(SPLIT, all.subList(0, 4));
        assertTrue(all.subList(4, 12).stream().allMatch(i -> i.degrader() != null));
        assertEquals(8, all.stream().map(BatchPipeline.Item::key).distinct().count() - 4,
                "every copy draws its own degradation");
        // no degradation configured: nothing to copy
        assertEquals(SPLIT, new Trainer(config(null, 2, AugmentationConfig.none()), null).withDegradedCopies(SPLIT));
    }

    @Test
    void uncertainBandIsTheNarrowestBandOutsideWhichValidationErrorsAreRare() {
        boolean[] y = {false, false, false, false, true, true, true, true, true, true};
        // one real scored 0.55 and one fake 0.45 are wrong at threshold 0.5; everything else is right and far away
        double[] p = {0.05, 0.1, 0.2, 0.55, 0.45, 0.8, 0.9, 0.9, 0.95, 0.99};
        double band = Trainer.uncertainBand(y, p, 0.5, 0.05);
        assertEquals(0.06, band, 1e-9, "the first grid step (0.01) past both errors at distance 0.05");
        assertEquals(0.0, Trainer.uncertainBand(y, new double[] {0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9},
                0.5, 0.05), 1e-12, "no errors, no band");
        assertEquals(0.0, Trainer.uncertainBand(y, p, 0.5, 0.2), 1e-12, "2 errors in 10 are allowed at 20%");
    }

    @Test
    void storedConfigurationsFromBeforeTheNewKeysStillResume() throws Exception {
        TrainingConfig old = new TrainingConfig(TinyModels.tinyConfig(16, 1), 1, 8, 1e-3, 1e-6, 0, 0, 0,
                AugmentationConfig.legacyDefaults(), true, 1, 3, 0.1, 0, 2, 1, 3, null, null, 1, true, true);
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = org.deepguard.core.io.Json.MAPPER.convertValue(old, LinkedHashMap.class);
        stored.remove("simulation");
        stored.remove("degradedCopies");
        @SuppressWarnings("unchecked")
        Map<String, Object> aug = (Map<String, Object>) stored.get("augmentation");
        for (String k : List.of("resize", "resizeMinFactor", "noise", "noiseMaxSigma")) {
            aug.remove(k);
        }
        String storedJson = org.deepguard.core.io.Json.line(stored);
        assertTrue(Trainer.sameTraining(org.deepguard.core.io.Json.line(old), storedJson));
        TrainingConfig withCopies = config(null, 2, AugmentationConfig.legacyDefaults());
        assertTrue(Trainer.sameTraining(org.deepguard.core.io.Json.line(withCopies.withWorkers(0)),
                org.deepguard.core.io.Json.line(config(null, 0, AugmentationConfig.legacyDefaults()).withWorkers(0))),
                "degraded copies only change what is fitted after training");
        assertFalse(Trainer.sameTraining(org.deepguard.core.io.Json.line(config(null, 0,
                AugmentationConfig.defaults()).withWorkers(0)), storedJson), "the new chain trains differently");
        assertFalse(Trainer.sameTraining(org.deepguard.core.io.Json.line(config(SimulationConfig.all(false), 0,
                AugmentationConfig.legacyDefaults()).withWorkers(0)), storedJson), "simulation trains differently");
        assertNull(TrainingConfig.upgraded(stored).get("simulation"));
        // a simulator-trained checkpoint from before detail matching resumes as one without it
        TrainingConfig simulatedConfig = config(SimulationConfig.all(true), 0, AugmentationConfig.defaults());
        Map<String, Object> simulated = org.deepguard.core.io.Json.MAPPER.convertValue(
                simulatedConfig.withWorkers(0), LinkedHashMap.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> sim = (Map<String, Object>) simulated.get("simulation");
        assertEquals(false, sim.remove("matchDetail"));
        String before = org.deepguard.core.io.Json.line(simulated);
        assertTrue(Trainer.sameTraining(org.deepguard.core.io.Json.line(config(SimulationConfig.all(true), 0,
                AugmentationConfig.defaults()).withWorkers(0)), before));
        SimulationConfig matching = new SimulationConfig(SimulationConfig.parseFamilies("all"), 1, true, null, true);
        assertFalse(Trainer.sameTraining(org.deepguard.core.io.Json.line(config(matching, 0,
                AugmentationConfig.defaults()).withWorkers(0)), before), "detail matching trains differently");
        assertNotEquals(stored, TrainingConfig.upgraded(stored));
    }

    @Test
    void foldMetricsPerConditionAreCountedExactly() {
        boolean[] y = {false, false, false, true, true, true, true};
        double band = 0.1;
        double thr = 0.5;
        double[] p = {0.2, 0.55, 0.7, 0.45, 0.52, 0.9, 0.3};
        List<Prediction> preds = new java.util.ArrayList<>();
        for (double v : p) {
            preds.add(Prediction.of(Math.log(v / (1 - v)), 1.0, thr, band));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        CrossValidation.conditionMetrics(m, "_x", y, preds, thr);
        assertEquals(2.0 / 4, m.get("tpr_x"), 1e-12, "fakes at 0.52 and 0.9 are called fake");
        assertEquals(2.0 / 3, m.get("fpr_x"), 1e-12, "reals at 0.55 and 0.7 are called fake");
        assertEquals((0.5 + 1.0 / 3) / 2, m.get("bacc_x"), 1e-12);
        assertEquals(3.0 / 4, m.get("tpr_or_uncertain_x"), 1e-12, "0.45 is in the band: uncertain, not real");
        assertEquals(3.0 / 7, m.get("uncertain_x"), 1e-12, "0.55, 0.45 and 0.52 lie within 0.1 of 0.5");
        assertEquals(org.deepguard.core.metrics.BinaryMetrics.rocAuc(y, p), m.get("auc_x"), 1e-12);
    }
}
