package org.deepguard.detect;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.io.Json;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetectCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path good;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyModels.tinyBundle(dir.resolve("model"), 32, 1).directory();
        good = TestImages.png(dir.resolve("imgs/good.png"), TestImages.texture(40, 1));
    }

    record Run(int code, String out, String err) {}

    static Run run(DetectCommand cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(cmd, args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(String... args) {
        return run(new DetectCommand(), args);
    }

    @Test
    void scoresAnImage() {
        Run r = run("--model", model.toString(), "--image", good.toString());
        assertEquals(ExitCode.OK, r.code(), r.err());
        assertTrue(r.out().matches("(?s)(Real|Fake)\\s+p_fake=0\\.\\d{4}\\s+.*good\\.png\\s*"), r.out());
    }

    @Test
    void jsonLinesCarryTheDocumentedFields() throws Exception {
        Run r = run("-m", model.toString(), good.toString(), "--json", "--threshold", "0.25");
        assertEquals(ExitCode.OK, r.code(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out().strip());
        for (String field : List.of("path", "label", "p_fake", "threshold", "model_id", "ms")) {
            assertTrue(o.has(field), field + " in " + o);
        }
        assertEquals(0.25, o.get("threshold").asDouble());
        double p = o.get("p_fake").asDouble();
        assertEquals(p >= 0.25 ? "fake" : "real", o.get("label").asText());
    }

    @Test
    void badFilesGiveOneLineErrorsWithoutStackTraceAndTheBatchContinues() throws Exception {
        Path missing = dir.resolve("imgs/missing.png");
        Path text = TestImages.textNamedPng(dir.resolve("imgs/text.png"));
        Path truncated = TestImages.truncatedPng(dir.resolve("imgs/cut.png"), 64);
        for (Path bad : List.of(missing, text, truncated)) {
            Run r = run("-m", model.toString(), "--image", bad.toString());
            assertEquals(ExitCode.PARTIAL, r.code(), bad + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: " + bad), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
        Run batch = run("-m", model.toString(), "--json", missing.toString(), good.toString(), text.toString());
        List<JsonNode> lines = batch.out().lines().map(l -> {
            try {
                return Json.MAPPER.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertEquals(3, lines.size());
        assertEquals("missing", lines.get(0).get("error").asText());
        assertTrue(lines.get(1).has("p_fake"));
        assertEquals("not_an_image", lines.get(2).get("error").asText());
        assertEquals(ExitCode.PARTIAL, batch.code());
    }

    @Test
    void readsPathsFromStdin() {
        DetectCommand cmd = new DetectCommand();
        cmd.stdin = new ByteArrayInputStream((good + "\n" + dir.resolve("nope.png") + "\n")
                .getBytes(StandardCharsets.UTF_8));
        Run r = run(cmd, "-m", model.toString(), "-", "--json");
        assertEquals(2, r.out().lines().count(), r.out());
        assertEquals(ExitCode.PARTIAL, r.code());
    }

    @Test
    void folderIsScannedRecursively() throws Exception {
        TestImages.png(dir.resolve("tree/a/b/deep.png"), TestImages.texture(32, 5));
        Files.writeString(dir.resolve("tree/notes.txt"), "ignored");
        Run r = run("-m", model.toString(), dir.resolve("tree").toString(), "--json");
        assertEquals(ExitCode.OK, r.code(), r.err());
        assertEquals(1, r.out().lines().count());
    }

    @Test
    void usageAndModelErrorsHaveTheirExitCodes() {
        assertEquals(ExitCode.USAGE, run("-m", model.toString()).code());
        assertEquals(ExitCode.USAGE, run("--bogus").code());
        Run noModel = run("-m", dir.resolve("no-such-model").toString(), good.toString());
        assertEquals(ExitCode.MODEL, noModel.code());
        assertEquals(1, noModel.err().strip().lines().count(), noModel.err());
        Run help = run("--help");
        assertEquals(ExitCode.OK, help.code());
        assertTrue(help.out().contains("Examples"));
    }
}
