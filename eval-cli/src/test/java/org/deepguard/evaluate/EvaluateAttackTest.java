package org.deepguard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.Hashing;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.spectral.ResamplingConfig;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** evaluate --attack in-process: a tiny patch-voting network fused with a fitted cue, four 24 px images. */
class EvaluateAttackTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path surrogate;
    static Path manifest;
    static List<Path> images = new ArrayList<>();

    static Path bundle(String name, long seed, SpectralClassifier cue) throws Exception {
        NetworkConfig config = new NetworkConfig(16, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 8},
                new int[] {8}, new double[] {0.0}, 0, seed);
        ModelMetadata meta = new ModelMetadata();
        meta.preprocessing = Preprocessing.defaults(16).withPatches(PatchVoting.meanOfLogits(2));
        meta.network = config;
        meta.spectral = cue;
        meta.fusion = new ScoreFusion(0.5, 1.0, 0.1);
        meta.temperature = 1.3;
        Path dir = tmp.resolve(name);
        ModelBundle.save(dir, meta, HybridNetwork.build(config));
        return dir;
    }

    @BeforeAll
    static void fixtures() throws Exception {
        List<BufferedImage> fit = new ArrayList<>();
        boolean[] fake = new boolean[8];
        for (int i = 0; i < 8; i++) {
            fit.add(TestImages.texture(32, 200 + i));
            fake[i] = i % 2 == 1;
        }
        SpectralClassifier cue = SpectralClassifier.fit(fit, fake, new SpectrumConfig(32, 16, true, 1.0),
                new ResamplingConfig(4, 0.01, 64), 0.1);
        model = bundle("model", 7, cue);
        surrogate = bundle("surrogate", 8, cue);
        Path data = tmp.resolve("data");
        List<ManifestEntry> rows = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            images.add(TestImages.png(data.resolve("real/r" + i + ".png"), TestImages.texture(24, i)));
            rows.add(new ManifestEntry("real/r" + i + ".png", Label.REAL, Split.TEST, "", 0, 0,
                    ManifestEntry.Status.OK, "", "", Map.of()));
            images.add(TestImages.png(data.resolve("fake/f" + i + ".png"), TestImages.texture(24, 100 + i)));
            rows.add(new ManifestEntry("fake/f" + i + ".png", Label.FAKE, Split.TEST, "", 0, 0,
                    ManifestEntry.Status.OK, "", "", Map.of()));
        }
        manifest = data.resolve("manifest.csv");
        new Manifest(rows, data).write(manifest);
    }

    @Test
    void attackSweepWritesTheAdversarialBlockTheCsvAndTheReportSection() throws Exception {
        Map<Path, String> before = new HashMap<>();
        for (Path p : images) {
            before.put(p, Hashing.sha256(p));
        }
        Path out = tmp.resolve("report");
        EvaluateCommandTest.Run r = EvaluateCommandTest.run("--model", model.toString(), "--manifest",
                manifest.toString(), "-o", out.toString(), "-q", "--bootstrap", "0", "--attack",
                "fgsm,pgd,square,noise,transfer=" + surrogate, "--budgets", "0.5,2", "--attack-steps", "1",
                "--attack-queries", "6");
        assertEquals(0, r.code(), r.err());
        JsonNode adv = Json.MAPPER.readTree(out.resolve("metrics.json").toFile()).get("adversarial");
        assertEquals(4, adv.get("examples").asInt());
        assertEquals(2, adv.get("fakes").asInt());
        assertEquals(5 * 2, adv.get("results").size()); // attack x budget
        assertEquals(2, adv.get("worst_case").size());
        assertEquals(2 * 2, adv.get("ablation").size()); // network alone, cue alone
        assertEquals(2, adv.get("checks").size()); // doubled steps, unbounded
        for (JsonNode row : adv.get("checks")) { // the unbounded run has 4x the steps to use its budget
            int steps = row.get("attack").asText().equals("pgd-unbounded")
                    ? org.deepguard.core.attack.AttackPlan.UNBOUNDED_STEPS_FACTOR : 2;
            assertEquals(steps, row.get("mean_gradients").asDouble(), 0, row.toString());
        }
        for (JsonNode row : adv.get("results")) {
            assertTrue(row.get("max_linf").asDouble() <= Math.floor(row.get("budget").asDouble()), row.toString());
            if (row.get("attack").asText().equals("square")) {
                assertTrue(row.get("mean_queries").asDouble() <= 6, row.toString());
            }
            if (row.get("budget").asDouble() < 1) { // an 8-bit image cannot move by half a level
                assertEquals(0.0, row.get("max_linf").asDouble());
                assertEquals(0.0, row.get("success").asDouble(0), row.toString());
            }
        }
        // the worst case is at least as successful as every single attack at its budget
        for (JsonNode w : adv.get("worst_case")) {
            for (JsonNode row : adv.get("results")) {
                if (row.get("budget").asDouble() == w.get("budget").asDouble() && row.hasNonNull("success")) {
                    assertTrue(w.get("success").asDouble() >= row.get("success").asDouble(), w + " vs " + row);
                }
            }
        }
        List<String> checks = new ArrayList<>();
        adv.get("sanity").forEach(c -> checks.add(c.get("check").asText()));
        assertTrue(checks.containsAll(List.of("iterative_beats_single_step", "doubling_steps_gains_little",
                "success_rises_with_budget", "unbounded_attack_succeeds", "white_box_beats_square",
                "white_box_beats_transfer", "white_box_beats_noise")), checks.toString());
        assertEquals(1, adv.get("attacks").get("pgd").get("steps").asInt());
        assertEquals(6, adv.get("attacks").get("square").get("queries").asInt());

        List<String> csv = Files.readAllLines(out.resolve("attacks.csv"));
        // header + 4 images x (5 attacks x 2 budgets + 2 checks + 2 parts x 2 budgets)
        assertEquals(1 + 4 * (10 + 2 + 4), csv.size());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Robustness to attack") && html.contains("Sanity checks"));
        assertTrue(Files.exists(out.resolve("attack_success.png")));
        for (Path p : images) {
            assertEquals(before.get(p), Hashing.sha256(p), "user images are never modified: " + p);
        }
        try (var files = Files.list(out)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void unknownAttacksAndATransferWithoutModelAreUsageErrors() {
        Path out = tmp.resolve("bad");
        EvaluateCommandTest.Run r = EvaluateCommandTest.run("--model", model.toString(), "--manifest",
                manifest.toString(), "-o", out.toString(), "-q", "--attack", "pgd,carlini");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("carlini"), r.err());
        r = EvaluateCommandTest.run("--model", model.toString(), "--manifest", manifest.toString(), "-o",
                out.toString(), "-q", "--attack", "transfer");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("transfer=DIR"), r.err());
        assertFalse(Files.exists(out.resolve("metrics.json")), "nothing written on a usage error");
    }
}
