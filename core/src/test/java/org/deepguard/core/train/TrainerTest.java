package org.deepguard.core.train;

import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.Split;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @TempDir
    static Path dir;
    static Path manifestFile;
    static Manifest manifest;

    @BeforeAll
    static void data() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 12, 32);
        manifest = DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {});
        manifestFile = dir.resolve("manifest.csv");
        manifest.write(manifestFile);
        manifest = Manifest.read(manifestFile);
    }

    static TrainingConfig config(int epochs) {
        return config(TinyModels.tinyConfig(32, 11), epochs, 11);
    }

    static TrainingConfig config(org.deepguard.core.model.NetworkConfig net, int epochs, long seed) {
        return new TrainingConfig(net, epochs, 8, 3e-3, 1e-5, 0.5, 1e-5, 0, AugmentationConfig.defaults(), true,
                1, 3, 0.1, 0.0, 2, 2, seed, null);
    }

    /** One epoch, two ensemble members, 2x2 patch voting, no cue: the smallest ensemble the post-training sees. */
    static TrainingConfig twoPatchMembers() {
        return new TrainingConfig(TinyModels.tinyConfig(16, 11), 1, 8, 3e-3, 1e-5, 0.5, 1e-5, 0,
                AugmentationConfig.defaults(), true, 1, 3, 0.1, 0.0, 2, 2, 11, null,
                org.deepguard.core.preprocess.PatchVoting.meanOfLogits(2), 2, false, false);
    }

    /** A monitor that keeps every message train says. */
    static TrainingMonitor collecting(java.util.List<String> messages) {
        return new TrainingMonitor() {
            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
    }

    @Test
    void writesBundleCheckpointsAndHistory() throws Exception {
        Path out = dir.resolve("model-a");
        ModelBundle b = new Trainer(config(2), null).train(manifest, manifestFile, out, false);
        assertEquals(2, b.metadata().history.size());
        assertTrue(Files.exists(out.resolve("checkpoints/last.zip")));
        assertTrue(Files.exists(out.resolve("checkpoints/best.zip")));
        assertTrue(b.metadata().threshold >= 0 && b.metadata().threshold <= 1);
        assertTrue(b.metadata().temperature > 0);
        assertEquals(Manifest.fileHash(manifestFile), b.metadata().provenance.manifestSha256);
        assertTrue(b.metadata().metrics.containsKey("val_auc"));
        ModelBundle.load(out); // loadable
    }

    @Test
    void sameSeedSameWeights() throws Exception {
        ModelBundle a = new Trainer(config(1), null).train(manifest, manifestFile, dir.resolve("det-a"), false);
        ModelBundle b = new Trainer(config(1), null).train(manifest, manifestFile, dir.resolve("det-b"), false);
        assertEquals(a.network().params(), b.network().params());
        TrainingConfig other = config(TinyModels.tinyConfig(32, 12), 1, 12);
        ModelBundle c = new Trainer(other, null).train(manifest, manifestFile, dir.resolve("det-c"), false);
        assertNotEquals(a.network().params(), c.network().params());
    }

    @Test
    void resumeAfterCrashEqualsUninterruptedRun() throws Exception {
        ModelBundle straight = new Trainer(config(3), null).train(manifest, manifestFile, dir.resolve("straight"),
                false);
        Path out = dir.resolve("crashy");
        TrainingMonitor crashAfterFirstEpoch = new TrainingMonitor() {
            @Override
            public void onEpoch(Map<String, Object> record) {
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThrows(IllegalStateException.class,
                () -> new Trainer(config(3), crashAfterFirstEpoch).train(manifest, manifestFile, out, false));
        assertTrue(Files.exists(out.resolve("checkpoints/last.zip")));
        // as a checkpoint written before the resampling switch existed: its stored configuration lacks the key
        Path state = out.resolve("checkpoints/state.json");
        String stored = Files.readString(state);
        String withoutSwitch = stored.replace(",\\\"resampling\\\":false", "");
        assertNotEquals(stored, withoutSwitch);
        Files.writeString(state, withoutSwitch);
        ModelBundle resumed = new Trainer(config(3), null).train(manifest, manifestFile, out, true);
        assertEquals(3, resumed.metadata().history.size());
        // best checkpoints are chosen the same way, so the final weights must match exactly
        assertEquals(straight.network().params(), resumed.network().params());
    }

    @Test
    void resumeOfAHardenedCheckpointNeedsTheSameAdversarialTraining() throws Exception {
        Path out = dir.resolve("hardened");
        AdversarialTraining fgsm = new AdversarialTraining(AdversarialTraining.Method.FGSM_RS, 2, 1);
        TrainingMonitor crashAfterFirstEpoch = new TrainingMonitor() {
            @Override
            public void onEpoch(Map<String, Object> record) {
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThrows(IllegalStateException.class, () -> new Trainer(config(2), crashAfterFirstEpoch)
                .adversarial(fgsm).train(manifest, manifestFile, out, false));
        String checkpoint = Files.readString(out.resolve("checkpoints/last.zip").resolveSibling("state.json"));

        IllegalArgumentException unhardened = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config(2), null).train(manifest, manifestFile, out, true));
        assertTrue(unhardened.getMessage().contains("cannot resume"), unhardened.getMessage());
        AdversarialTraining widerBudget = new AdversarialTraining(AdversarialTraining.Method.FGSM_RS, 4, 1);
        assertThrows(IllegalArgumentException.class, () -> new Trainer(config(2), null).adversarial(widerBudget)
                .train(manifest, manifestFile, out, true));
        AdversarialTraining pgd = new AdversarialTraining(AdversarialTraining.Method.PGD, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> new Trainer(config(2), null).adversarial(pgd)
                .train(manifest, manifestFile, out, true));
        assertEquals(checkpoint, Files.readString(out.resolve("checkpoints/state.json")), "refusals wrote nothing");

        ModelBundle resumed = new Trainer(config(2), null).adversarial(fgsm).train(manifest, manifestFile, out, true);
        assertEquals(2, resumed.metadata().history.size());
        assertTrue(resumed.metadata().provenance.trainingConfig.containsKey("adversarial"));
    }

    @Test
    void checkpointIdentityIgnoresOnlyTheResamplingSwitch() throws Exception {
        String now = org.deepguard.core.io.Json.line(config(3).withWorkers(0));
        String other = org.deepguard.core.io.Json.line(config(4).withWorkers(0));
        String old = now.replace(",\"resampling\":false", "");
        assertNotEquals(now, old);
        assertTrue(Trainer.sameTraining(now, old));
        assertTrue(Trainer.sameTraining(now, now.replace("\"resampling\":false", "\"resampling\":true")));
        assertTrue(!Trainer.sameTraining(other, old), "another epoch budget is another run");
        assertTrue(!Trainer.sameTraining(now, null));
    }

    /**
     * What is fitted after training (the cue's band and pseudo-fakes, the fusion and threshold rules, the cap) is
     * provenance (stored with the model) but not training identity, so a checkpoint resumes under other values, and
     * checkpoints written before these keys existed read the same.
     */
    @Test
    void postTrainingChoicesAreProvenanceButNotCheckpointIdentity() throws Exception {
        TrainingConfig spectral = new TrainingConfig(TinyModels.tinyConfig(32, 11), 3, 8, 3e-3, 1e-5, 0.5, 1e-5, 0,
                AugmentationConfig.defaults(), true, 1, 3, 0.1, 0.0, 2, 2, 11, null, null, 1, true, true);
        PostTraining old = new PostTraining(0.125, 2, ScoreFusion.Rule.FITTED, 1.5, Trainer.ThresholdRule.YOUDEN,
                true);
        Map<String, Object> stored = Trainer.storedConfig(spectral, null, old);
        assertEquals(0.125, stored.get("cueBand"));
        assertEquals("youden", stored.get("thresholdRule"));
        assertEquals("fitted", stored.get("fusionRule"));
        assertEquals(2, stored.get("cueSimulated"));
        assertEquals(1.5, stored.get("cueCap"));
        assertEquals(true, stored.get("crossFit"));
        Map<String, Object> noCue = Trainer.storedConfig(config(3), null, old);
        assertTrue(!noCue.containsKey("cueBand") && !noCue.containsKey("fusionRule")
                && !noCue.containsKey("cueSimulated") && !noCue.containsKey("cueCap"),
                "no cue, no band, no fusion, no pseudo-fakes, no cap");
        assertEquals("youden", noCue.get("thresholdRule"));
        assertEquals(PostTraining.DEFAULT_CUE_CAP, Trainer.storedConfig(spectral, null, PostTraining.defaults())
                .get("cueCap"), "the default cap is stored");
        assertTrue(!Trainer.storedConfig(spectral, null, PostTraining.defaults().withCueCap(0)).containsKey("cueCap"),
                "no cap");
        String identity = Trainer.checkpointConfigJson(spectral, null);
        for (String key : new String[] {"cueBand", "thresholdRule", "fusionRule", "cueSimulated", "cueCap",
                "crossFit"}) {
            assertTrue(!identity.contains(key), key + " in " + identity);
        }
        String withBand = org.deepguard.core.io.Json.line(Trainer.storedConfig(spectral.withWorkers(0), null,
                PostTraining.defaults().withCueBand(0.5).withCueSimulated(3).withCrossFit(true)));
        assertTrue(Trainer.sameTraining(identity, withBand));
        assertTrue(Trainer.sameTraining(withBand, identity));
    }

    @Test
    void postTrainingValuesAreCheckedWhereTheyAreMade() {
        PostTraining d = PostTraining.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withCueSimulated(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withCueSimulated(9));
        assertThrows(IllegalArgumentException.class, () -> d.withCueBand(1.0));
        assertThrows(IllegalArgumentException.class, () -> d.withCueCap(-0.5));
        assertThrows(IllegalArgumentException.class, () -> d.withCueCap(Double.POSITIVE_INFINITY));
        assertThrows(NullPointerException.class, () -> d.withFusionRule(null));
        assertEquals(new PostTraining(SpectrumConfig.DEFAULT_BAND_START, 8, ScoreFusion.Rule.BOUNDED,
                PostTraining.DEFAULT_CUE_CAP, Trainer.ThresholdRule.EQUAL_COST, false), d.withCueSimulated(8));
    }

    /** --cue-simulate: exactly N pseudo-fakes per training real, none of fakes or of images already simulated. */
    @Test
    void theCueGetsPseudoFakesOfTheTrainingRealsOnly() {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        Path f = dir.resolve("f.png");
        ArtifactSimulator sim = new ArtifactSimulator(java.util.List.of(ArtifactSimulator.Family.UPSAMPLE));
        java.util.List<BatchPipeline.Item> train = java.util.List.of(new BatchPipeline.Item(a, 0),
                new BatchPipeline.Item(b, 0), new BatchPipeline.Item(f, 1), new BatchPipeline.Item(a, 1, sim, null, 0));
        java.util.List<BatchPipeline.Item> withDegraded = new java.util.ArrayList<>(train);
        withDegraded.add(new BatchPipeline.Item(a, 0, null, Augmenter.downscale(0.5), 1000));

        assertTrue(new Trainer(config(3), null).withCueSimulated(withDegraded, train) == withDegraded, "off: as is");
        java.util.List<BatchPipeline.Item> cue = new Trainer(config(3), null)
                .postTraining(PostTraining.defaults().withCueSimulated(2)).withCueSimulated(withDegraded, train);
        assertEquals(withDegraded, cue.subList(0, withDegraded.size()));
        java.util.List<BatchPipeline.Item> added = cue.subList(withDegraded.size(), cue.size());
        assertEquals(4, added.size()); // 2 reals x 2
        assertEquals(java.util.List.of(a, a, b, b), added.stream().map(BatchPipeline.Item::path).toList());
        for (BatchPipeline.Item it : added) {
            assertEquals(1, it.label());
            assertTrue(it.simulator() != null && it.degrader() == null);
            assertEquals(java.util.List.of(ArtifactSimulator.Family.values()), it.simulator().families());
        }
        assertEquals(4, added.stream().map(BatchPipeline.Item::key).distinct().count(), "each its own draw");
    }

    @Test
    void patchEnsembleTrainsMembersStoresTheLeversAndResumesFinishedMembers() throws Exception {
        TrainingConfig levers = twoPatchMembers();
        Path out = dir.resolve("patch-ensemble");
        ModelBundle b = new Trainer(levers, null).train(manifest, manifestFile, out, false);
        assertEquals(2, b.networks().size());
        assertEquals(levers.patches(), b.metadata().preprocessing.patches());
        assertEquals(org.deepguard.core.preprocess.ResizePolicy.NATIVE_CROP, b.metadata().preprocessing.resize());
        assertTrue(Files.exists(out.resolve("members/member-0/model.json")));
        assertTrue(Files.exists(out.resolve("members/member-1/model.json")));
        // member 1 is member 0's recipe with the next seed
        assertNotEquals(b.networks().get(0).params(), b.networks().get(1).params());
        ModelBundle loaded = ModelBundle.load(out);
        assertEquals(b.metadata().preprocessing, loaded.metadata().preprocessing);
        assertEquals(2, loaded.networks().size());

        // resuming a finished ensemble retrains nothing: members load as they were
        String before = Files.readString(out.resolve("members/member-1/model.json"));
        TrainingMonitor failOnTraining = new TrainingMonitor() {
            @Override
            public void onBatch(int epoch, int batch, int images, double loss) {
                throw new AssertionError("a finished member was trained again");
            }
        };
        ModelBundle resumed = new Trainer(levers, failOnTraining).train(manifest, manifestFile, out, true);
        assertEquals(before, Files.readString(out.resolve("members/member-1/model.json")));
        assertEquals(b.networks().get(1).params(), resumed.networks().get(1).params());
    }

    @Test
    void resumeRefusesAnotherManifest() throws Exception {
        Path out = dir.resolve("manifest-changed");
        new Trainer(config(1), null).train(manifest, manifestFile, out, false);
        java.util.List<org.deepguard.core.data.ManifestEntry> rows = new java.util.ArrayList<>(manifest.entries());
        rows.set(0, rows.get(0).excluded("corrupt"));
        Path other = dir.resolve("other-manifest.csv");
        manifest.withEntries(rows).write(other);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config(1), null).train(Manifest.read(other), other, out, true));
        assertTrue(e.getMessage().contains("is not the manifest the checkpoint was trained on"), e.getMessage());
        new Trainer(config(1), null).train(manifest, manifestFile, out, true); // the same manifest resumes
    }

    /**
     * A threshold set on one or two photo sources does not transfer to others: `train` counts the validation groups
     * per label, stores them, and warns once (not once per ensemble member) when a label has fewer than three.
     */
    @Test
    void validationGroupsAreCountedAndFewOfThemWarnOnce() throws Exception {
        java.util.List<org.deepguard.core.data.ManifestEntry> rows = new java.util.ArrayList<>();
        for (org.deepguard.core.data.ManifestEntry e : manifest.entries()) {
            boolean val = e.isUsable() && e.split() == Split.VAL;
            rows.add(val ? e.withGroup(e.label() == org.deepguard.core.data.Label.REAL ? "one-photo" : "one-fake") : e);
        }
        Manifest onePhoto = manifest.withEntries(rows);
        Path file = dir.resolve("one-photo.csv");
        onePhoto.write(file);
        assertTrue(onePhoto.usable(Split.VAL).size() >= 2);
        assertEquals(java.util.List.of(1, 1), java.util.Arrays.stream(Trainer.groupsPerLabel(onePhoto, Split.VAL))
                .boxed().toList());
        int trainReal = (int) manifest.usable(Split.TRAIN).stream()
                .filter(e -> e.label() == org.deepguard.core.data.Label.REAL).map(e -> e.groupKey()).distinct().count();
        assertEquals(trainReal + 1, Trainer.groupsPerLabel(onePhoto, Split.TRAIN, Split.VAL)[0]);

        java.util.List<String> messages = new java.util.ArrayList<>();
        TrainingMonitor listening = collecting(messages);
        TrainingConfig two = twoPatchMembers();
        ModelBundle b = new Trainer(two, listening).train(onePhoto, file, dir.resolve("one-photo"), false);
        assertEquals(1.0, b.metadata().metrics.get("val_groups_real"));
        assertEquals(1.0, b.metadata().metrics.get("val_groups_fake"));
        java.util.List<String> warnings = messages.stream().filter(m -> m.startsWith("warning: the threshold")).toList();
        assertEquals(1, warnings.size(), messages.toString());
        assertTrue(warnings.get(0).contains("1 real and 1 fake source group(s)"), warnings.get(0));
    }

    /**
     * Cross-fitted ensemble: member i trains on the other parts and validates on part i (its manifest beside it),
     * every train/validation image is validation exactly once, and the bundle's calibration is fitted on all of them.
     * A resume reuses finished members only when they trained on the same splits.
     */
    @Test
    void crossFittedMembersValidateOnTheirOwnPartsAndCalibrateOnEveryTrainingImage() throws Exception {
        TrainingConfig two = twoPatchMembers();
        PostTraining crossFit = PostTraining.defaults().withCrossFit(true);
        Path out = dir.resolve("cross-fit");
        ModelBundle b = new Trainer(two, null).postTraining(crossFit).train(manifest, manifestFile, out, false);

        java.util.Set<String> pool = new java.util.TreeSet<>();
        for (Split s : new Split[] {Split.TRAIN, Split.VAL}) {
            manifest.usable(s).forEach(e -> pool.add(manifest.resolve(e).toString()));
        }
        java.util.Set<String> validated = new java.util.TreeSet<>();
        int validations = 0;
        for (int i = 0; i < 2; i++) {
            Path memberManifest = out.resolve("members/member-" + i + "/manifest.csv");
            Manifest m = Manifest.read(memberManifest);
            for (org.deepguard.core.data.ManifestEntry e : m.usable(Split.VAL)) {
                validated.add(m.resolve(e).toString());
                validations++;
            }
            assertEquals(manifest.usable(Split.TEST).size(), m.usable(Split.TEST).size(), "test rows kept");
            ModelBundle member = ModelBundle.load(out.resolve("members/member-" + i));
            assertEquals(Manifest.fileHash(memberManifest), member.metadata().provenance.manifestSha256);
        }
        assertEquals(pool, validated, "every training image is some member's validation image");
        assertEquals(pool.size(), validations, "and only one member's");
        assertEquals(pool.size(), b.metadata().metrics.get("val_images_scored").intValue());
        assertEquals(2, b.metadata().provenance.dataCounts.get("cross_fit_members"));
        assertEquals(true, b.metadata().provenance.trainingConfig.get("crossFit"));

        int[] batches = {0};
        TrainingMonitor counting = new TrainingMonitor() {
            @Override
            public void onBatch(int epoch, int batch, int images, double loss) {
                batches[0]++;
            }
        };
        ModelBundle resumed = new Trainer(two, counting).postTraining(crossFit).train(manifest, manifestFile, out,
                true);
        assertEquals(0, batches[0], "finished cross-fitted members are reused");
        assertEquals(b.metadata().threshold, resumed.metadata().threshold, 1e-12);
        new Trainer(two, counting).train(manifest, manifestFile, out, true);
        assertTrue(batches[0] > 0, "members cross-fitted on other splits are retrained for the shared split");
        assertTrue(!ModelBundle.load(out).metadata().provenance.dataCounts.containsKey("cross_fit_members"));
    }

    /** Too few groups to cross-fit (all training fakes from one source): the shared split, said in one message. */
    @Test
    void crossFittingFallsBackToTheSplitWhenAPartWouldLackALabel() throws Exception {
        java.util.List<org.deepguard.core.data.ManifestEntry> rows = new java.util.ArrayList<>();
        for (org.deepguard.core.data.ManifestEntry e : manifest.entries()) {
            boolean fit = e.isUsable() && (e.split() == Split.TRAIN || e.split() == Split.VAL);
            rows.add(fit && e.label() == org.deepguard.core.data.Label.FAKE ? e.withGroup("one-fake-source") : e);
        }
        Manifest oneFakeSource = manifest.withEntries(rows);
        Path file = dir.resolve("one-fake-source.csv");
        oneFakeSource.write(file);
        java.util.List<String> messages = new java.util.ArrayList<>();
        TrainingMonitor listening = collecting(messages);
        TrainingConfig two = twoPatchMembers();
        Path out = dir.resolve("cross-fit-fallback");
        ModelBundle b = new Trainer(two, listening).postTraining(PostTraining.defaults().withCrossFit(true))
                .train(oneFakeSource, file, out, false);
        assertEquals(1, messages.stream().filter(m -> m.startsWith("cross-fitting off: too few groups")).count(),
                messages.toString());
        assertTrue(!b.metadata().provenance.dataCounts.containsKey("cross_fit_members"));
        assertEquals(oneFakeSource.usable(Split.VAL).size(), b.metadata().metrics.get("val_images_scored").intValue());
        assertTrue(!Files.exists(out.resolve("members/member-0/manifest.csv")), "members trained on the shared split");
    }

    @Test
    void spectralCueIsFittedStoredAndAppliedByTheDetector() throws Exception {
        org.deepguard.core.model.NetworkConfig net = TinyModels.tinyConfig(32, 11);
        TrainingConfig withSpectral = new TrainingConfig(net, 1, 8, 3e-3, 1e-5, 0.5, 1e-5, 0,
                AugmentationConfig.none(), true, 1, 3, 0.1, 0.0, 2, 2, 11, null, null, 1, true, true);
        ModelBundle b = new Trainer(withSpectral, null).train(manifest, manifestFile, dir.resolve("spectral"), false);
        assertTrue(b.metadata().spectral != null && b.metadata().fusion != null);
        assertEquals(org.deepguard.core.spectral.ResamplingConfig.defaults(), b.metadata().spectral.resampling(),
                "the resampling part is fitted when the configuration asks for it");
        assertTrue(b.metadata().metrics.containsKey("val_auc_spectral"));
        ModelBundle loaded = ModelBundle.load(dir.resolve("spectral"));
        java.awt.image.BufferedImage img = org.deepguard.core.testing.TestImages.texture(32, 99);
        double zNet = org.deepguard.core.model.Scores.logOdds(loaded.network().outputSingle(false,
                new org.deepguard.core.preprocess.Preprocessor(loaded.metadata().preprocessing).batch(
                        java.util.List.of(new org.deepguard.core.preprocess.Preprocessor(
                                loaded.metadata().preprocessing).toTensor(img)))))[0];
        double expected = loaded.metadata().fusion.fuse(zNet, loaded.metadata().spectral.logOdds(img));
        assertEquals(expected, new org.deepguard.core.model.Detector(loaded).predict(img).logOdds(), 1e-5);
    }
}
