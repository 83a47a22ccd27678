package org.deepguard.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.cli.Cli;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.Json;
import org.deepguard.core.testing.BadCorpus;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetCommandTest {
    @TempDir
    Path tmp;

    private String lastOut;
    private String lastErr;

    private int run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new DatasetCommand(), args, new PrintWriter(out), new PrintWriter(err));
        lastOut = out.toString();
        lastErr = err.toString();
        return code;
    }

    private static ManifestEntry row(Manifest m, String suffix) {
        return m.entries().stream().filter(e -> e.path().endsWith(suffix)).findFirst().orElseThrow();
    }

    @Test
    void scanGroupByPrefixKeepsEachSourceInOneSplit() throws Exception {
        Path data = tmp.resolve("prefix");
        for (int src = 0; src < 6; src++) {
            for (int i = 0; i < 3; i++) {
                String label = src % 2 == 0 ? "real" : "fake";
                TestImages.png(data.resolve(label + "/src" + src + "_00" + i + ".png"),
                        TestImages.texture(32, 100 * src + i));
            }
        }
        Path manifest = tmp.resolve("prefix.csv");
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "--group-by", "prefix", "-q"),
                lastErr);
        Map<String, java.util.Set<Split>> splits = new TreeMap<>();
        for (ManifestEntry e : Manifest.read(manifest).entries()) {
            splits.computeIfAbsent(e.group(), k -> new java.util.HashSet<>()).add(e.split());
        }
        assertEquals(java.util.Set.of("src0", "src1", "src2", "src3", "src4", "src5"), splits.keySet());
        assertTrue(splits.values().stream().allMatch(s -> s.size() == 1), splits.toString());
        assertEquals(ExitCode.USAGE, run("scan", data.toString(), "-o", manifest.toString(), "--group-by", "name"));
        assertTrue(lastErr.contains("--group-by"), lastErr);
    }

    @Test
    void demoSampleThenScanGivesThreeSplitsWithPathsRelativeToTheManifest() throws Exception {
        Path data = tmp.resolve("demo/data");
        assertEquals(0, run("sample", data.toString(), "--per-class", "12", "--size", "32"));
        assertTrue(lastOut.contains("wrote 24 synthetic images"));
        Path manifest = tmp.resolve("demo/manifest.csv");
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "-q"), lastErr);
        Manifest m = Manifest.read(manifest);
        assertEquals(24, m.entries().size());
        for (Split s : new Split[] {Split.TRAIN, Split.VAL, Split.TEST}) {
            assertTrue(m.entries().stream().anyMatch(e -> e.split() == s), s + " is empty");
        }
        assertTrue(m.entries().get(0).path().startsWith("data/"), m.entries().get(0).path());
        assertTrue(Files.isRegularFile(m.resolve(m.entries().get(0))));
        assertTrue(lastOut.contains("24 usable, 0 excluded"), lastOut);
    }

    @Test
    void usageAndInputErrorsMapToExitCodes() {
        assertEquals(ExitCode.USAGE, run());
        assertEquals(ExitCode.USAGE, run("scan", tmp.toString()));
        assertEquals(ExitCode.USAGE, run("scan", tmp.toString(), "-o", "m.csv", "--ratios", "0.5,0.5"));
        assertEquals(ExitCode.USAGE, run("sample", tmp.toString(), "--size", "33"));
        assertEquals(ExitCode.INPUT, run("scan", tmp.resolve("missing").toString(), "-o", tmp.resolve("m.csv").toString()));
        assertTrue(lastErr.startsWith("error: "), lastErr);
        assertEquals(1, lastErr.lines().count(), lastErr);
        assertEquals(ExitCode.INPUT, run("scan", tmp.toString(), "-o", tmp.resolve("m.csv").toString()));
        assertTrue(lastErr.contains("no labelled images"), lastErr);
        assertEquals(ExitCode.INPUT, run("report", tmp.resolve("nope.csv").toString(), "-o", tmp.resolve("r").toString()));
        assertTrue(lastErr.contains("manifest does not exist"), lastErr);
        assertEquals(0, run("scan", "--help"));
        assertTrue(lastOut.contains("Examples:"));
    }

    @Test
    void badCorpusEveryCommandCountsExactlyAndNeverTouchesSources() throws Exception {
        Path corpus = BadCorpus.write(tmp.resolve("corpus"));
        Map<String, String> before = BadCorpus.hashes(corpus);
        Path manifest = tmp.resolve("out/manifest.csv");

        assertEquals(0, run("scan", corpus.toString(), "-o", manifest.toString(), "--min-side", "8", "-q", "--json"),
                lastErr);
        assertEquals(before, BadCorpus.hashes(corpus));
        Map<String, Integer> reasons = new TreeMap<>();
        Manifest m = Manifest.read(manifest);
        m.entries().forEach(e -> reasons.merge(e.reason(), 1, Integer::sum));
        assertEquals(new TreeMap<>(BadCorpus.EXPECTED), reasons);
        JsonNode summary = Json.MAPPER.readTree(lastOut);
        assertEquals(13, summary.get("usable").asInt());
        assertEquals(1, summary.get("excluded_by_reason").get("truncated").get("fake").asInt());
        assertTrue(row(m, "real/ok_0.png").path().startsWith("../corpus/"), row(m, "real/ok_0.png").path());

        Path report = tmp.resolve("out/report");
        assertEquals(0, run("report", manifest.toString(), "-o", report.toString()), lastErr);
        for (String f : new String[] {"report.txt", "report.json", "counts.png", "excluded.png", "format.png",
                "color_mode.png", "min_side.png", "file_size.png"}) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
        assertEquals(800, ImageIO.read(report.resolve("format.png").toFile()).getWidth());
        JsonNode json = Json.MAPPER.readTree(report.resolve("report.json").toFile());
        assertEquals(2, json.get("excludedByReason").get("conflicting_labels").get("real").asInt()
                + json.get("excludedByReason").get("conflicting_labels").get("fake").asInt());
        assertTrue(Files.readString(report.resolve("report.txt")).contains("truncated"));
        assertEquals(before, BadCorpus.hashes(corpus));

        assertEquals(0, run("split", manifest.toString(), "-o", tmp.resolve("out/split.csv").toString(),
                "--resplit", "--seed", "3", "-q"), lastErr);
        assertEquals(0, run("balance", manifest.toString(), "-o", tmp.resolve("out/bal.csv").toString(),
                "--mode", "weights", "-q"), lastErr);
        assertTrue(Files.isRegularFile(tmp.resolve("out/bal.csv.class-weights.json")));
        Path export = tmp.resolve("export");
        assertEquals(0, run("export", manifest.toString(), "-o", export.toString(), "--size", "32", "-q"), lastErr);
        Manifest exported = Manifest.read(export.resolve("manifest.csv"));
        assertEquals(13, exported.entries().size());
        for (ManifestEntry e : exported.entries()) {
            var img = ImageIO.read(exported.resolve(e).toFile());
            assertEquals(32, img.getWidth());
            assertEquals(32, img.getHeight());
            assertTrue(Files.isRegularFile(Path.of(e.extra().get("source"))));
        }
        assertEquals(before, BadCorpus.hashes(corpus));
        // A second export into the same folder resumes; other settings are refused.
        assertEquals(0, run("export", manifest.toString(), "-o", export.toString(), "--size", "32", "-q"), lastErr);
        assertEquals(ExitCode.IO, run("export", manifest.toString(), "-o", export.toString(), "--size", "48", "-q"));
        assertTrue(lastErr.contains("other settings"), lastErr);
        assertEquals(before, BadCorpus.hashes(corpus));
    }

    /** The acceptance case: one photo in train, its JPEG q90, 90% copy in test. */
    @Test
    void reencodedResizedCopyAcrossSplitsIsReportedAndSplitKeepsThePairTogether() throws Exception {
        Path data = tmp.resolve("real_vs_fake");
        for (int i = 0; i < 4; i++) {
            TestImages.png(data.resolve("train/real/r" + i + ".png"), TestImages.texture(96, 10 + i));
            TestImages.png(data.resolve("train/fake/f" + i + ".png"), TestImages.texture(96, 20 + i));
            TestImages.png(data.resolve("test/fake/t" + i + ".png"), TestImages.texture(96, 30 + i));
        }
        var photo = ImageIO.read(data.resolve("train/real/r2.png").toFile());
        Files.createDirectories(data.resolve("test/real"));
        Files.write(data.resolve("test/real/copy.jpg"), BadCorpus.jpeg(BadCorpus.resize(photo, 0.9), 0.9f));
        TestImages.png(data.resolve("test/real/other.png"), TestImages.texture(96, 99));
        Map<String, String> before = BadCorpus.hashes(data);

        Path manifest = tmp.resolve("m.csv");
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "-q"), lastErr);
        assertTrue(lastOut.contains("leaks across splits: 1"), lastOut);
        Manifest m = Manifest.read(manifest);
        assertEquals(Split.TRAIN, row(m, "r2.png").split()); // scan keeps the layout's splits
        assertEquals(Split.TEST, row(m, "copy.jpg").split());
        assertEquals(row(m, "r2.png").group(), row(m, "copy.jpg").group());

        Path report = tmp.resolve("report");
        assertEquals(0, run("report", manifest.toString(), "-o", report.toString(), "--no-charts"), lastErr);
        JsonNode leaks = Json.MAPPER.readTree(report.resolve("report.json").toFile()).get("leaks");
        assertEquals(1, leaks.size());
        assertEquals("[\"test:real_vs_fake/test/real/copy.jpg\",\"train:real_vs_fake/train/real/r2.png\"]",
                leaks.get(0).get("paths").toString());
        String text = Files.readString(report.resolve("report.txt"));
        assertTrue(text.contains("Leaks across splits: 1"), text);
        assertTrue(text.contains("real_vs_fake/test/real/copy.jpg"), text);

        assertEquals(ExitCode.PARTIAL, run("split", manifest.toString(), "--check"));
        assertTrue(lastOut.startsWith("1 leak(s)"), lastOut);

        Path fixed = tmp.resolve("fixed.csv");
        assertEquals(0, run("split", manifest.toString(), "-o", fixed.toString(), "-q"), lastErr);
        Manifest f = Manifest.read(fixed);
        assertEquals(row(f, "r2.png").split(), row(f, "copy.jpg").split());
        assertEquals(Split.TEST, row(f, "other.png").split()); // rows outside the leak keep their split
        assertEquals(0, run("split", fixed.toString(), "--check"));

        // A manifest without hashes (hand-written) is hashed first, then the leak is still found.
        Path bare = tmp.resolve("bare.csv");
        Files.writeString(bare, "path,label,split\nreal_vs_fake/train/real/r2.png,real,train\n"
                + "real_vs_fake/test/real/copy.jpg,real,test\nreal_vs_fake/test/real/gone.png,real,test\n");
        Path resplit = tmp.resolve("resplit.csv");
        assertEquals(0, run("split", bare.toString(), "-o", resplit.toString(), "--resplit", "-q"), lastErr);
        Manifest r = Manifest.read(resplit);
        assertEquals(row(r, "r2.png").split(), row(r, "copy.jpg").split());
        assertNotEquals(Split.NONE, row(r, "r2.png").split());
        assertEquals("missing", row(r, "gone.png").reason());
        assertFalse(row(r, "r2.png").sha256().isEmpty());
        assertEquals(before, BadCorpus.hashes(data));
    }

    @Test
    void balanceUnderAndOverWriteExactCounts() throws Exception {
        Path data = tmp.resolve("d");
        for (int i = 0; i < 6; i++) {
            TestImages.png(data.resolve("real/r" + i + ".png"), TestImages.texture(32, i));
        }
        for (int i = 0; i < 2; i++) {
            TestImages.png(data.resolve("fake/f" + i + ".png"), TestImages.texture(32, 50 + i));
        }
        Path manifest = tmp.resolve("m.csv");
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "--ratios", "1,0,0", "-q"), lastErr);
        Path under = tmp.resolve("under.csv");
        assertEquals(0, run("balance", manifest.toString(), "-o", under.toString(), "--mode", "under", "-q"));
        Manifest u = Manifest.read(under);
        assertEquals(4, u.entries().stream().filter(e -> e.reason().equals("undersampled")).count());
        Path over = tmp.resolve("over.csv");
        assertEquals(0, run("balance", manifest.toString(), "-o", over.toString(), "--mode", "over", "-q"));
        assertEquals(12, Manifest.read(over).entries().size());
        assertEquals(ExitCode.USAGE, run("balance", manifest.toString(), "-o", over.toString(), "--mode", "sideways"));
    }

    @Test
    void interruptedScanResumesFromTheJournal() throws Exception {
        Path data = TestImages.sampleDataset(tmp.resolve("s"), 6, 32);
        Path manifest = tmp.resolve("m.csv");
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "-q"));
        assertTrue(Files.isRegularFile(tmp.resolve(".m.csv.scan-cache.jsonl")));
        String first = Files.readString(manifest);
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "-q"));
        assertTrue(lastOut.contains("(12 from the resume journal)"), lastOut);
        assertEquals(first, Files.readString(manifest));
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "-q", "--no-cache"));
        assertFalse(lastOut.contains("resume journal"), lastOut);
    }

    @Test
    void scanFromThe140kListingsWhereOneMeansReal() throws Exception {
        Path top = tmp.resolve("real_vs_fake");
        Path data = top.resolve("real-vs-fake");
        TestImages.png(data.resolve("train/real/1.jpg"), TestImages.texture(32, 1));
        TestImages.png(data.resolve("train/fake/2.jpg"), TestImages.texture(32, 2));
        TestImages.png(data.resolve("valid/real/3.jpg"), TestImages.texture(32, 3));
        Files.writeString(top.resolve("train.csv"), ",original_path,id,label,label_str,path\n"
                + "0,/x/1.jpg,1,1,real,train/real/1.jpg\n1,/x/2.jpg,2,0,fake,train/fake/2.jpg\n"
                + "2,/x/9.jpg,9,0,fake,train/fake/9.jpg\n");
        Files.writeString(top.resolve("valid.csv"), "path,label\nvalid/real/3.jpg,1\n");
        Path manifest = tmp.resolve("m.csv");
        assertEquals(0, run("scan", data.toString(), "-o", manifest.toString(), "--min-side", "8", "-q",
                "--listing", top.resolve("train.csv").toString(), "--listing", top.resolve("valid.csv").toString(),
                "--one-means", "real"), lastErr);
        Manifest m = Manifest.read(manifest);
        assertEquals(4, m.entries().size());
        assertEquals("real", row(m, "1.jpg").label().code());
        assertEquals("fake", row(m, "2.jpg").label().code());
        assertEquals("missing", row(m, "9.jpg").reason());
        assertEquals(Split.VAL, row(m, "3.jpg").split());
        assertEquals("real", row(m, "3.jpg").label().code()); // numeric 1 under --one-means real
        Files.writeString(top.resolve("bad.csv"), "file,kind\na.jpg,x\n");
        assertEquals(ExitCode.INPUT, run("scan", data.toString(), "-o", manifest.toString(), "-q",
                "--listing", top.resolve("bad.csv").toString()));
        assertTrue(lastErr.contains("needs a path"), lastErr);
    }
}
