package org.deepguard.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepguard.cli.Cli;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark job on a local[2] session against core's Detector on the same files. */
class ScoreImagesTest {
    static final int SIZE = 32;
    static final int PER_CLASS = 12;

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path bundleDir;
    static Path data;
    static Path manifest;
    /** p_fake from core's Detector, by file name, for the good images. */
    static final Map<String, Prediction> expected = new HashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("ScoreImagesTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "localhost")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                // Tiny data: compiling generated code costs more than it saves, and so does adaptive planning.
                .config("spark.sql.codegen.wholeStage", "false")
                .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
                .config("spark.sql.adaptive.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        bundleDir = tmp.resolve("model");
        ModelBundle bundle = TinyModels.tinyBundle(bundleDir, SIZE, 11);
        data = tmp.resolve("data");
        StringBuilder csv = new StringBuilder("path,label,split\n");
        for (int i = 0; i < PER_CLASS * 2; i++) {
            String cls = i % 2 == 0 ? "real" : "fake";
            String name = cls + "/img" + i + (i % 3 == 0 ? ".jpg" : ".png");
            Path f = data.resolve(name);
            // Different sizes so the resize path is exercised, as in detect.
            var img = TestImages.texture(SIZE + (i % 4) * 8, 100 + i);
            if (name.endsWith(".jpg")) {
                TestImages.jpeg(f, img);
            } else {
                TestImages.png(f, img);
            }
            csv.append(name).append(',').append(cls).append(",test\n");
        }
        TestImages.textNamedPng(data.resolve("fake/text.png"));
        TestImages.truncatedPng(data.resolve("real/truncated.png"), SIZE);
        csv.append("fake/text.png,fake,test\n");
        csv.append("real/truncated.png,real,test\n");
        csv.append("real/gone.png,real,test\n"); // listed but missing
        csv.append("\"real/img0.png\",real,train\n"); // another split: filtered out by --split test
        manifest = Files.writeString(data.resolve("manifest.csv"), csv.toString());

        Detector detector = new Detector(bundle);
        try (var files = Files.walk(data)) {
            for (Path f : files.filter(p -> p.toString().matches(".*img\\d+\\.(png|jpg)")).toList()) {
                expected.put(f.getFileName().toString(), detector.predict(f));
            }
        }
        assertEquals(PER_CLASS * 2, expected.size());
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    static int run(String... args) {
        StringWriter err = new StringWriter();
        int code = Cli.execute(new ScoreImages(), args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        System.err.print(err);
        return code;
    }

    static List<Row> rows(Path out) {
        return spark.read().parquet(out.resolve("scores").toString())
                .orderBy("path", "true_label").collectAsList();
    }

    @Test
    void manifestRunMatchesDetectorAndIsRepeatable() throws Exception {
        Path out = tmp.resolve("out-manifest");
        int code = run("-m", bundleDir.toString(), "-i", manifest.toString(), "--split", "test", "-o", out.toString(),
                "--batch-size", "5", "--json");
        assertEquals(1, code, "some rows are errors: partial");
        List<Row> rows = rows(out);
        assertEquals(PER_CLASS * 2 + 3, rows.size());
        Map<String, String> errors = new HashMap<>();
        List<Boolean> isFake = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (Row r : rows) {
            String name = Path.of(r.getString(r.fieldIndex("path"))).getFileName().toString();
            assertTrue(r.getString(r.fieldIndex("path")).startsWith(data.toUri().getPath().replaceAll("/$", ""))
                    || r.getString(r.fieldIndex("path")).contains(data.toString()), r.toString());
            Prediction p = expected.get(name);
            if (p == null) {
                assertTrue(r.isNullAt(r.fieldIndex("p_fake")), r.toString());
                assertNull(r.get(r.fieldIndex("label")));
                errors.put(name, r.getString(r.fieldIndex("error")));
                assertTrue(r.getString(r.fieldIndex("message")).contains(name), r.toString());
                continue;
            }
            assertNull(r.get(r.fieldIndex("error")), r.toString());
            assertEquals(p.pFake(), r.getDouble(r.fieldIndex("p_fake")), 1e-6, name);
            assertEquals(p.verdict().label(), r.getString(r.fieldIndex("label")), name);
            assertEquals(0.5, r.getDouble(r.fieldIndex("threshold")));
            String truth = r.getString(r.fieldIndex("true_label"));
            assertEquals(name.matches("img\\d*[02468]\\..*") ? "real" : "fake", truth, name);
            isFake.add(truth.equals("fake"));
            scores.add(p.pFake());
        }
        assertEquals(Map.of("text.png", "not_an_image", "truncated.png", "truncated", "gone.png", "missing"), errors);

        // metrics.json: computed from the scored rows with core's functions
        Map<?, ?> metrics = Json.MAPPER.readValue(out.resolve("metrics.json").toFile(), Map.class);
        boolean[] f = new boolean[isFake.size()];
        double[] s = new double[scores.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = isFake.get(i);
            s[i] = scores.get(i);
        }
        assertEquals(PER_CLASS * 2, ((Number) metrics.get("n")).intValue());
        assertEquals(3, ((Number) metrics.get("error_rows")).intValue());
        assertEquals(BinaryMetrics.rocAuc(f, s), ((Number) metrics.get("auc")).doubleValue(), 1e-9);
        assertEquals(BinaryMetrics.averagePrecision(f, s), ((Number) metrics.get("ap")).doubleValue(), 1e-9);
        assertEquals(BinaryMetrics.confusion(f, s, 0.5).accuracy(),
                ((Number) metrics.get("accuracy")).doubleValue(), 1e-9);

        // JSON lines beside the Parquet, same row count
        assertEquals(rows.size(), spark.read().json(out.resolve("scores-json").toString()).count());

        // a second run over the same input, other partitioning and batch size: identical rows
        Path again = tmp.resolve("out-manifest-again");
        assertEquals(1, run("-m", bundleDir.toString(), "-i", manifest.toString(), "--split", "test",
                "-o", again.toString(), "--partitions", "3", "--batch-size", "7"));
        List<Row> second = rows(again);
        assertEquals(rows.size(), second.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i).getString(0), second.get(i).getString(0));
            if (!rows.get(i).isNullAt(2)) {
                assertEquals(rows.get(i).getDouble(2), second.get(i).getDouble(2), 1e-6);
            }
            assertEquals(rows.get(i).get(5), second.get(i).get(5));
        }
        // and the very same command twice gives the very same rows
        assertEquals(1, run("-m", bundleDir.toString(), "-i", manifest.toString(), "--split", "test",
                "-o", again.toString(), "--partitions", "3", "--batch-size", "7", "--mode", "overwrite"));
        assertEquals(second, rows(again));
    }

    @Test
    void existingOutputIsRefusedUnlessOverwrite() throws Exception {
        Path out = tmp.resolve("out-exists");
        Files.createDirectories(out.resolve("scores"));
        Files.writeString(out.resolve("scores/keep.txt"), "earlier run");
        assertEquals(5, run("-m", bundleDir.toString(), "-i", data.resolve("real").toString(), "-o", out.toString()));
        assertEquals("earlier run", Files.readString(out.resolve("scores/keep.txt")));
    }

    @Test
    void folderInputTakesLabelsFromFolderNamesAndModelCanBeReadDirectly() throws Exception {
        Path out = tmp.resolve("out-folder");
        int code = run("-m", bundleDir.toString(), "--model-access", "direct", "-i", data.toString(),
                "-o", out.toString());
        assertEquals(1, code);
        List<Row> rows = rows(out);
        // every image-named file under data/: 24 good, text.png, truncated.png (manifest.csv is not an image)
        assertEquals(PER_CLASS * 2 + 2, rows.size());
        long labelled = rows.stream().filter(r -> r.get(r.fieldIndex("true_label")) != null).count();
        assertEquals(rows.size(), labelled);
        for (Row r : rows) {
            Prediction p = expected.get(Path.of(r.getString(0)).getFileName().toString());
            if (p != null) {
                assertEquals(p.pFake(), r.getDouble(r.fieldIndex("p_fake")), 1e-6);
            } else {
                assertNotNull(r.get(r.fieldIndex("error")));
            }
        }
        assertTrue(Files.exists(out.resolve("metrics.json")));
        assertFalse(Files.exists(out.resolve("scores-json")));
    }

    @Test
    void parquetTableWithRelativePathsAndMixedLabels() throws Exception {
        Path table = data.resolve("list.parquet"); // relative paths: against data/, the folder holding the table
        spark.createDataFrame(List.of(
                        RowFactory.create("real/img2.png", "real", 1),
                        RowFactory.create("fake/img1.png", "1", 2),
                        RowFactory.create("fake/text.png", null, 3),
                        RowFactory.create(data.resolve("fake/img3.jpg").toString(), "unknown", 4)),
                new StructType().add("path", DataTypes.StringType).add("label", DataTypes.StringType)
                        .add("other", DataTypes.IntegerType))
                .write().parquet(table.toString());
        Path out = tmp.resolve("out-parquet");
        assertEquals(1, run("-m", bundleDir.toString(), "-i", table.toString(), "-o", out.toString()));
        Map<String, Row> byName = new HashMap<>();
        for (Row r : rows(out)) {
            byName.put(Path.of(r.getString(0)).getFileName().toString(), r);
        }
        assertEquals(4, byName.size());
        assertEquals("real", byName.get("img2.png").getString(7));
        assertEquals(expected.get("img2.png").pFake(), byName.get("img2.png").getDouble(2), 1e-6);
        assertEquals(expected.get("img1.png").pFake(), byName.get("img1.png").getDouble(2), 1e-6);
        assertEquals("fake", byName.get("img1.png").getString(7));
        assertNull(byName.get("img3.jpg").get(7), "a label that is not real/fake counts as none");
        assertEquals(expected.get("img3.jpg").pFake(), byName.get("img3.jpg").getDouble(2), 1e-6);
        assertEquals("not_an_image", byName.get("text.png").getString(5));
        Map<?, ?> metrics = Json.MAPPER.readValue(out.resolve("metrics.json").toFile(), Map.class);
        assertEquals(2, ((Number) metrics.get("n")).intValue());
    }

    @Test
    void relativePathsResolveAgainstTheTableFolder() {
        assertEquals("file:/d/real/a.png", ImageInputs.resolve("file:/d", "real/a.png"));
        assertEquals("/abs/a.png", ImageInputs.resolve("file:/d", "/abs/a.png"));
        assertEquals("hdfs://nn/x/a.png", ImageInputs.resolve("file:/d", "hdfs://nn/x/a.png"));
        assertEquals("fake", ImageInputs.labelCode(" 1 "));
        assertNull(ImageInputs.labelCode("maybe"));
        assertEquals("real", ImageInputs.folderLabel(new org.apache.hadoop.fs.Path("/x/REAL/a.png")));
        assertNull(ImageInputs.folderLabel(new org.apache.hadoop.fs.Path("/x/faces/a.png")));
    }

    @Test
    void badModelFailsBeforeScoring() {
        assertEquals(3, run("-m", tmp.resolve("no-such-model").toString(), "-i", manifest.toString(),
                "-o", tmp.resolve("out-bad-model").toString()));
        assertFalse(Files.exists(tmp.resolve("out-bad-model/scores")));
    }
}
