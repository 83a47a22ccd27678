package org.deepguard.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.Cli;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.EvaluationSummary;
import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * Batch scoring as a Spark application: image list in, one scored row per image out (Parquet, optionally JSON
 * lines), plus metrics.json when the input carries labels. Runs under spark-submit, or alone with local[*].
 */
@Command(name = "spark-score",
        description = {"Score many images with a model bundle on Apache Spark (or locally with local[*]).",
                "Writes OUTPUT/scores (Parquet: path, label, p_fake, threshold, model_id, error, message, "
                        + "true_label), OUTPUT/scores-json with --json, and OUTPUT/metrics.json when the input has "
                        + "labels (a manifest, a table with a label column, or real/ and fake/ folders)."},
        footer = {"", "Examples:",
                "  spark-score -m models/v1 -i manifest.csv --split test -o out/",
                "  spark-score -m models/v1 -i 'photos/*/*.jpg' -o out/ --json --master 'local[4]'",
                "  spark-submit --class org.deepguard.spark.ScoreImages \\",
                "      deepguard-spark-scoring-VERSION-shaded.jar -m hdfs:///models/v1 \\",
                "      -i hdfs:///crawl/paths.parquet -o hdfs:///scores/run1",
                "",
                "A bad image becomes a row with its error code (missing, not_an_image,",
                "truncated, ...); the job goes on. Exit 0 when every image was scored, 1 when",
                "some were error rows (local runs only: on a cluster a finished job exits 0,",
                "as a non-zero exit would make YARN/Kubernetes retry it)."})
public class ScoreImages extends BaseCommand {
    /** Rows per partition when --partitions is not given: small enough that a retried task is cheap. */
    static final int ROWS_PER_PARTITION = 4000;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "PATH",
            description = "Manifest or CSV/Parquet table with a 'path' column, or an image folder (recursive) or "
                    + "glob. Any Hadoop path (file:, hdfs:, s3a:, ...).")
    String input;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FMT",
            description = "Input kind: auto (by name: .csv, .parquet, else images), csv, parquet, images.")
    ImageInputs.Format format;

    @Option(names = "--split", paramLabel = "NAME", description = "Only rows of this split (train, val, test).")
    String split;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Model bundle folder.")
    String model;

    @Option(names = "--model-access", defaultValue = "ship", paramLabel = "HOW",
            description = "ship: the driver adds the bundle to the job (SparkContext.addFile) and executors read "
                    + "their copy; direct: executors read DIR themselves (a shared mount, or a folder unpacked by "
                    + "spark-submit --archives). Default: ${DEFAULT-VALUE}.")
    String modelAccess;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output folder.")
    String output;

    @Option(names = "--mode", defaultValue = "errorifexists", paramLabel = "MODE",
            description = "errorifexists (default): refuse an existing OUTPUT/scores; overwrite: replace it.")
    String mode;

    @Option(names = "--json", description = "Also write the rows as JSON lines to OUTPUT/scores-json.")
    boolean json;

    @Option(names = "--threshold", description = "Decision threshold on p_fake (default: the bundle's).")
    Double threshold;

    @Option(names = "--batch-size", defaultValue = "16", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "0",
            description = "Tasks to split the images into (default: the cluster's parallelism, at most "
                    + ROWS_PER_PARTITION + " images each).")
    int partitions;

    @Option(names = "--bootstrap", defaultValue = "0",
            description = "Bootstrap resamples for the AUC/AP intervals in metrics.json (default: ${DEFAULT-VALUE}: "
                    + "none; the driver holds all scores, so keep it small for millions of rows).")
    int bootstrap;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master when not started by spark-submit (default: local[*]).")
    String master;

    /** What one run produced. */
    public record Result(long rows, long errors, long labelled, Map<String, Object> metrics) {}

    /** Set by run(): whether Spark ran on a cluster master rather than local[...]. */
    private boolean onCluster;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        ScoreImages command = new ScoreImages();
        int code = Cli.execute(command, args, out, err);
        out.flush();
        err.flush();
        // Under spark-submit on YARN a System.exit from the application, even exit(0), ends it as failed ("shutdown
        // hook called before final status was reported"): there a clean run returns normally.
        if (code != ExitCode.OK || !command.onCluster) {
            System.exit(code);
        }
    }

    @Override
    protected int run() throws Exception {
        boolean existing = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
        SparkSession.Builder builder = SparkSession.builder().appName("deepguard-score");
        if (master != null) {
            builder.master(master);
        } else if (!existing && !new SparkConf().contains("spark.master")) {
            builder.master("local[*]"); // plain 'java' start: no spark-submit gave a master
        }
        SparkSession spark = builder.getOrCreate();
        if (!existing && !verbose() && spark.sparkContext().isLocal()) {
            spark.sparkContext().setLogLevel("WARN"); // a local run is a command: keep Spark's INFO chatter off
        }
        onCluster = !spark.sparkContext().isLocal();
        try {
            long start = System.nanoTime();
            Result r = score(spark);
            info(String.format(Locale.ROOT, "scored %d images (%d error rows, %d labelled) in %.1f s -> %s",
                    r.rows(), r.errors(), r.labelled(), (System.nanoTime() - start) / 1e9, output));
            // Error rows are data, not a failed job: on a cluster a non-zero exit would mark the application failed
            // and make YARN/Kubernetes attempt it again, so 'partial' (1) is the local runs' convention only.
            return r.errors() > 0 && !onCluster ? ExitCode.PARTIAL : ExitCode.OK;
        } finally {
            if (!existing) {
                spark.stop();
            }
        }
    }

    Result score(SparkSession spark) throws IOException, BundleException {
        if (batchSize < 1) {
            throw new CliException(ExitCode.USAGE, "--batch-size must be at least 1");
        }
        if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
            throw new CliException(ExitCode.USAGE, "--threshold must lie in [0,1]");
        }
        SaveMode saveMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "errorifexists", "error" -> SaveMode.ErrorIfExists;
            case "overwrite" -> SaveMode.Overwrite;
            default -> throw new CliException(ExitCode.USAGE, "--mode must be errorifexists or overwrite");
        };
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(output);
        FileSystem outFs = out.getFileSystem(conf);
        Path scoresPath = new Path(out, "scores");
        Path jsonPath = new Path(out, "scores-json");
        Path metricsPath = new Path(out, "metrics.json");
        if (saveMode == SaveMode.ErrorIfExists && outFs.exists(scoresPath)) {
            throw new CliException(ExitCode.IO, scoresPath + ": already exists (use --mode overwrite to replace it)");
        }

        ModelMetadata meta = readMetadata(conf);
        ModelSource source = modelSource(spark);

        Dataset<Row> images = ImageInputs.read(spark, input, format, split);
        long n = images.count();
        if (n == 0) {
            throw new CliException(ExitCode.INPUT, input + ": no images to score");
        }
        int parts = partitions > 0 ? partitions : (int) Math.min(n, Math.max(
                spark.sparkContext().defaultParallelism(), (n + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION));
        // Hash partitioning and a sort inside each partition make every batch the same on a re-run, so a re-run
        // gives the same rows bit for bit (range partitioning would sample and move batch borders).
        Dataset<Row> scored = images
                .repartition(parts, col(ScoreSchema.PATH))
                .sortWithinPartitions(ScoreSchema.PATH, ScoreSchema.TRUE_LABEL)
                .mapPartitions(new PartitionScorer(source, new HadoopConf(conf), batchSize, threshold),
                        Encoders.row(ScoreSchema.OUTPUT));
        scored.write().mode(saveMode).parquet(scoresPath.toString()); // Spark's committer: all files or none

        // Everything below reads the committed output instead of scoring again.
        Dataset<Row> back = spark.read().parquet(scoresPath.toString());
        Row counts = back.agg(count(lit(1)), count(col(ScoreSchema.ERROR))).first();
        long rows = counts.getLong(0);
        long errors = counts.getLong(1);
        if (json) {
            back.orderBy(ScoreSchema.PATH, ScoreSchema.TRUE_LABEL).write().mode(saveMode).json(jsonPath.toString());
        } else if (saveMode == SaveMode.Overwrite) {
            outFs.delete(jsonPath, true); // a stale copy from an earlier run would disagree with scores/
        }

        List<Row> labelled = back.filter(col(ScoreSchema.ERROR).isNull().and(col(ScoreSchema.TRUE_LABEL).isNotNull()))
                .select(ScoreSchema.PATH, ScoreSchema.TRUE_LABEL, ScoreSchema.P_FAKE)
                .orderBy(ScoreSchema.PATH, ScoreSchema.TRUE_LABEL) // fixed order: the bootstrap resamples by index
                .collectAsList();
        Map<String, Object> metrics = null;
        if (!labelled.isEmpty()) {
            boolean[] isFake = new boolean[labelled.size()];
            double[] pFake = new double[labelled.size()];
            for (int i = 0; i < isFake.length; i++) {
                isFake[i] = "fake".equals(labelled.get(i).getString(1));
                pFake[i] = labelled.get(i).getDouble(2);
            }
            metrics = new LinkedHashMap<>();
            metrics.put("model_id", meta.modelId);
            metrics.put("input", input);
            metrics.put("rows", rows);
            metrics.put("error_rows", errors);
            metrics.putAll(EvaluationSummary.compute(isFake, pFake, meta.threshold, threshold, bootstrap, 42L));
            writeText(outFs, metricsPath, Json.pretty(metrics));
        } else if (saveMode == SaveMode.Overwrite) {
            outFs.delete(metricsPath, false);
        }
        return new Result(rows, errors, labelled.size(), metrics);
    }

    /** Validates model.json on the driver, so a wrong --model fails before any task starts (exit 3). */
    private ModelMetadata readMetadata(Configuration conf) throws IOException, BundleException {
        Path dir = new Path(model);
        FileSystem fs = dir.getFileSystem(conf);
        if (isLocal(fs)) {
            return ModelBundle.readMetadata(java.nio.file.Path.of(fs.makeQualified(dir).toUri()));
        }
        Path json = new Path(dir, ModelBundle.METADATA_FILE);
        if (!fs.exists(json)) {
            throw new BundleException(dir + ": not a model bundle (no " + ModelBundle.METADATA_FILE + ")");
        }
        try (InputStream in = fs.open(json)) {
            return Json.MAPPER.readValue(in, ModelMetadata.class);
        }
    }

    private ModelSource modelSource(SparkSession spark) throws IOException {
        switch (modelAccess.toLowerCase(Locale.ROOT)) {
            case "ship" -> {
                Path dir = new Path(model);
                FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
                Path qualified = fs.makeQualified(dir);
                if (!spark.sparkContext().isLocal() && isLocal(fs)) {
                    // Spark ships a local folder only in local mode ([UNSUPPORTED_ADD_FILE.LOCAL_DIRECTORY]): on a
                    // cluster the bundle travels as a zip that each executor unpacks under the folder's name.
                    java.nio.file.Path zip = BundleArchive.zip(java.nio.file.Path.of(qualified.toUri()));
                    spark.sparkContext().addArchive(zip.toUri() + "#" + qualified.getName());
                } else {
                    spark.sparkContext().addFile(qualified.toString(), true);
                }
                return ModelSource.shipped(qualified.getName());
            }
            case "direct" -> {
                return ModelSource.direct(model);
            }
            default -> throw new CliException(ExitCode.USAGE, "--model-access must be ship or direct");
        }
    }

    private static boolean isLocal(FileSystem fs) {
        return "file".equals(fs.getUri().getScheme());
    }

    /** Small text files next to the Spark output: temp file and rename, as AtomicFiles does locally. */
    private static void writeText(FileSystem fs, Path target, String text) throws IOException {
        if (isLocal(fs)) {
            AtomicFiles.writeString(java.nio.file.Path.of(fs.makeQualified(target).toUri()), text);
            return;
        }
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (FSDataOutputStream o = fs.create(tmp, true)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException(target + ": could not rename " + tmp + " into place");
        }
    }
}
