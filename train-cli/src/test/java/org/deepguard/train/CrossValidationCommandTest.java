package org.deepguard.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.Json;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossValidationCommandTest {
    @TempDir
    static Path dir;
    static Path manifest;

    @BeforeAll
    static void data() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 12, 32);
        manifest = dir.resolve("manifest.csv");
        DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults().withThreads(1), n -> {})
                .write(manifest);
    }

    private static int train(StringWriter out, StringWriter err, String... extra) {
        List<String> a = new ArrayList<>(List.of("--manifest", manifest.toString(), "--image-size", "32",
                "--backbone", "none", "--cnn-channels", "4,8", "--batch-size", "8", "--epochs", "2", "--patience", "0",
                "--workers", "1", "--ensemble", "1"));
        a.addAll(List.of(extra));
        if (!a.contains("-v")) {
            a.add("-q");
        }
        return Cli.execute(new TrainCommand(), a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void twoFoldCrossValidationWritesEveryFoldAndASummaryAndARerunSkipsThem() throws Exception {
        Path out = dir.resolve("cv");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, train(o, e, "-o", out.toString(), "--cv", "2"), e.toString());

        JsonNode cv = Json.MAPPER.readTree(out.resolve("cv.json").toFile());
        assertEquals(2, cv.get("folds").asInt());
        assertEquals("group", cv.get("by").asText());
        assertEquals(2, cv.get("fold_results").size());
        for (String metric : List.of("auc", "auc_jpeg75", "ece", "file_size_auc", "sharpness_auc", "spectral_auc",
                "spectral_auc_jpeg75", "spectral_resampling_auc", "spectral_resampling_auc_jpeg75")) {
            assertTrue(Double.isFinite(cv.get("mean").get(metric).asDouble(Double.NaN)), metric + ": " + cv);
            assertTrue(Double.isFinite(cv.get("std").get(metric).asDouble(Double.NaN)), metric + ": " + cv);
        }
        Set<String> tested = new HashSet<>();
        int total = 0;
        for (int f = 0; f < 2; f++) {
            Path fold = out.resolve("fold-" + f);
            assertTrue(Files.exists(fold.resolve("model.json")));
            assertTrue(Files.exists(fold.resolve("result.json")));
            JsonNode r = cv.get("fold_results").get(f);
            double auc = r.get("metrics").get("auc").asDouble();
            assertTrue(auc >= 0 && auc <= 1);
            assertTrue(r.get("metrics").get("file_size_auc").asDouble() >= 0.5, "best direction");
            Manifest m = Manifest.read(fold.resolve("manifest.csv"));
            List<ManifestEntry> test = m.usable(Split.TEST);
            assertEquals(test.size(), r.get("test_images").asInt());
            test.forEach(x -> tested.add(x.path()));
            total += test.size();
            assertFalse(m.usable(Split.TRAIN).isEmpty());
            assertFalse(m.usable(Split.VAL).isEmpty());
        }
        assertEquals(24, total, "every image is tested once");
        assertEquals(24, tested.size());
        String table = o.toString();
        assertTrue(table.contains("auc_jpeg75") && table.contains("mean +- std"), table);

        // a second run finds both results and trains nothing
        Files.delete(out.resolve("cv.json"));
        long modelTime = Files.getLastModifiedTime(out.resolve("fold-0/model.json")).toMillis();
        StringWriter o2 = new StringWriter();
        StringWriter e2 = new StringWriter();
        assertEquals(ExitCode.OK, train(o2, e2, "-o", out.toString(), "--cv", "2", "--json"), e2.toString());
        List<String> lines = o2.toString().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(3, lines.size(), o2.toString());
        assertEquals(0, Json.MAPPER.readTree(lines.get(0)).get("fold").asInt());
        JsonNode summary = Json.MAPPER.readTree(lines.get(2));
        assertTrue(summary.get("summary").asBoolean());
        assertEquals(cv.get("mean").get("auc").asDouble(), summary.get("mean").get("auc").asDouble(), 1e-12);
        assertTrue(Files.exists(out.resolve("cv.json")));
        assertEquals(modelTime, Files.getLastModifiedTime(out.resolve("fold-0/model.json")).toMillis());
        assertFalse(Files.exists(out.resolve("fold-2")));

        // other options into the same folder: refused, not mixed with the earlier results
        StringWriter e3 = new StringWriter();
        assertEquals(ExitCode.INPUT, train(new StringWriter(), e3, "-o", out.toString(), "--cv", "2", "--lr", "0.01"));
        assertTrue(e3.toString().contains("another configuration"), e3.toString());
        assertEquals(ExitCode.INPUT, train(new StringWriter(), new StringWriter(), "-o", out.toString(), "--cv", "3"));
    }

    @Test
    void foldsTrainedBeforeTheResamplingSwitchCountAsWithoutIt() throws Exception {
        Path out = dir.resolve("cv-old");
        assertEquals(ExitCode.OK, train(new StringWriter(), new StringWriter(), "-o", out.toString(), "--cv", "2",
                "--no-resampling"));
        for (int f = 0; f < 2; f++) { // as written before the switch existed: no key in the stored configuration
            Path meta = out.resolve("fold-" + f + "/model.json");
            String json = Files.readString(meta);
            String old = json.replaceAll(",\\s*\"resampling\"\\s*:\\s*false", "");
            assertTrue(!old.equals(json), json);
            Files.writeString(meta, old);
            Files.delete(out.resolve("fold-" + f + "/result.json"));
        }
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, train(new StringWriter(), e, "-o", out.toString(), "--cv", "2", "--no-resampling",
                "-v"), e.toString());
        assertTrue(e.toString().contains("model already trained"), e.toString());
        // the new default adds the resampling cue: those folds cannot stand for it
        assertEquals(ExitCode.INPUT, train(new StringWriter(), new StringWriter(), "-o", out.toString(), "--cv", "2"));
    }

    @Test
    void aFinishedModelWithoutAResultIsScoredNotRetrained() throws Exception {
        Path out = dir.resolve("cv-resume");
        assertEquals(ExitCode.OK, train(new StringWriter(), new StringWriter(), "-o", out.toString(), "--cv", "2"));
        Files.delete(out.resolve("fold-1/result.json"));
        String log = Files.readString(out.resolve("fold-1/train-log.jsonl"));
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, train(new StringWriter(), e, "-o", out.toString(), "--cv", "2", "-v"), e.toString());
        assertTrue(e.toString().contains("model already trained"), e.toString());
        assertEquals(log, Files.readString(out.resolve("fold-1/train-log.jsonl")), "no epoch was added");
        assertTrue(Files.exists(out.resolve("fold-1/result.json")));

        // an interrupted training (checkpoints, no bundle yet) resumes instead of starting over
        Files.delete(out.resolve("fold-1/result.json"));
        Files.delete(out.resolve("fold-1/model.json"));
        StringWriter e2 = new StringWriter();
        assertEquals(ExitCode.OK, train(new StringWriter(), e2, "-o", out.toString(), "--cv", "2", "-v"),
                e2.toString());
        assertTrue(e2.toString().contains("fold-1 (2 of 2): training into") && e2.toString().contains("(resuming)"),
                e2.toString());
        assertTrue(e2.toString().contains("resuming after epoch 2"), e2.toString());
        assertEquals(2, Files.readAllLines(out.resolve("fold-1/train-log.jsonl")).size(), "no epoch trained twice");
        assertTrue(Files.exists(out.resolve("fold-1/model.json")));
    }

    @Test
    void hardenedFoldsCarryTheirHardeningAndAreFoundAgainOnARerun() throws Exception {
        Path out = dir.resolve("cv-hard");
        String[] hard = {"-o", out.toString(), "--cv", "2", "--adversarial", "fgsm-rs", "--adversarial-eps", "3",
            "--cue-cap", "1.5"};
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.OK, train(new StringWriter(), e, hard), e.toString());
        JsonNode cv = Json.MAPPER.readTree(out.resolve("cv.json").toFile());
        assertEquals("fgsm-rs", cv.get("training_config").get("adversarial").get("method").asText());
        assertEquals(3.0, cv.get("training_config").get("adversarial").get("eps_levels").asDouble(), 0);
        assertEquals(1.5, cv.get("training_config").get("cueCap").asDouble(), 0);
        for (int f = 0; f < 2; f++) {
            JsonNode meta = Json.MAPPER.readTree(out.resolve("fold-" + f + "/model.json").toFile());
            JsonNode stored = meta.get("provenance").get("trainingConfig");
            assertEquals("fgsm-rs", stored.get("adversarial").get("method").asText(), meta.toString());
            assertEquals(1.5, stored.get("cueCap").asDouble(), 0);
        }

        // the same hardening finds its folds; without it, or with another budget, they are not its folds
        Files.delete(out.resolve("fold-0/result.json"));
        StringWriter e2 = new StringWriter();
        String[] again = java.util.stream.Stream.concat(java.util.Arrays.stream(hard), java.util.stream.Stream.of("-v"))
                .toArray(String[]::new);
        assertEquals(ExitCode.OK, train(new StringWriter(), e2, again), e2.toString());
        assertTrue(e2.toString().contains("fold-0: model already trained"), e2.toString());
        assertEquals(ExitCode.INPUT, train(new StringWriter(), new StringWriter(), "-o", out.toString(), "--cv", "2",
                "--cue-cap", "1.5"));
        assertEquals(ExitCode.INPUT, train(new StringWriter(), new StringWriter(), "-o", out.toString(), "--cv", "2",
                "--adversarial", "fgsm-rs", "--adversarial-eps", "2", "--cue-cap", "1.5"));
    }

    @Test
    void leaveOneGeneratorOutHoldsOutOneGeneratorPerFold() throws Exception {
        Manifest m = Manifest.read(manifest);
        List<ManifestEntry> rows = new ArrayList<>();
        int fakes = 0;
        for (ManifestEntry e : m.entries()) {
            rows.add(e.label().isFake() ? e.withExtra("generator", fakes++ % 2 == 0 ? "gan" : "diffusion") : e);
        }
        Path logo = dir.resolve("logo.csv");
        m.withEntries(rows).write(logo);
        Path out = dir.resolve("cv-logo");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Cli.execute(new TrainCommand(), new String[] {"--manifest", logo.toString(), "-o", out.toString(),
                "--cv-by", "generator", "--image-size", "32", "--backbone", "none", "--cnn-channels", "4,8",
                "--batch-size", "8", "--epochs", "1", "--patience", "0", "--workers", "1", "--ensemble", "1", "-q",
                "--json"},
                new PrintWriter(o), new PrintWriter(e));
        assertEquals(ExitCode.OK, code, e.toString());
        JsonNode cv = Json.MAPPER.readTree(out.resolve("cv.json").toFile());
        assertEquals("generator", cv.get("by").asText());
        assertEquals(2, cv.get("folds").asInt());
        List<String> held = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            held.add(cv.get("fold_results").get(f).get("generator").asText());
            Manifest fold = Manifest.read(out.resolve("fold-" + f + "/manifest.csv"));
            Set<String> testGens = new HashSet<>();
            fold.usable(Split.TEST).stream().filter(x -> x.label().isFake())
                    .forEach(x -> testGens.add(x.extra().get("generator")));
            assertEquals(Set.of(held.get(f)), testGens);
            assertTrue(fold.usable(Split.TEST).stream().anyMatch(x -> !x.label().isFake()), "reals tested too");
        }
        assertEquals(List.of("diffusion", "gan"), held);
    }

    @Test
    void badFoldRequestsAreErrors() {
        StringWriter e = new StringWriter();
        assertEquals(ExitCode.USAGE, train(new StringWriter(), e, "-o", dir.resolve("x").toString(), "--cv", "1"));
        assertEquals(ExitCode.USAGE, train(new StringWriter(), e, "-o", dir.resolve("x").toString(), "--cv", "2",
                "--cv-by", "person"));
        StringWriter e2 = new StringWriter();
        assertEquals(ExitCode.INPUT, train(new StringWriter(), e2, "-o", dir.resolve("x").toString(), "--cv-by",
                "generator"));
        assertTrue(e2.toString().contains("generator"), e2.toString());
    }
}
