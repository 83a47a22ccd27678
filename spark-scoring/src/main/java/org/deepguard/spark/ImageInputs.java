package org.deepguard.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.Label;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/**
 * Turns the job's input into rows of (path, true_label): a table with a {@code path} column (CSV such as a deepguard
 * manifest, or Parquet), or image files found under a folder or glob. Paths are Hadoop paths; relative paths in a
 * table are resolved against the table's folder, as {@code Manifest.resolve} does.
 */
final class ImageInputs {
    enum Format { AUTO, CSV, PARQUET, IMAGES }

    private ImageInputs() {}

    static Format detect(String input) {
        String n = input.toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) {
            return Format.CSV;
        }
        if (n.endsWith(".parquet")) {
            return Format.PARQUET;
        }
        return Format.IMAGES;
    }

    static Dataset<Row> read(SparkSession spark, String input, Format format, String split) throws IOException {
        Format f = format == Format.AUTO ? detect(input) : format;
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        return switch (f) {
            case CSV -> fromTable(spark.read().option("header", "true")
                    .option("escape", "\"") // RFC 4180 quoting, as the manifest writer uses (paths may hold commas)
                    .csv(input), input, conf, split);
            case PARQUET -> fromTable(spark.read().parquet(input), input, conf, split);
            case IMAGES -> fromFiles(spark, input, conf);
            case AUTO -> throw new IllegalStateException();
        };
    }

    private static Dataset<Row> fromTable(Dataset<Row> table, String input, Configuration conf, String split)
            throws IOException {
        List<String> columns = Arrays.asList(table.columns());
        if (!columns.contains(ScoreSchema.PATH)) {
            throw new CliException(ExitCode.INPUT, input + ": no 'path' column (columns: " + columns + ")");
        }
        if (split != null) {
            if (!columns.contains("split")) {
                throw new CliException(ExitCode.INPUT, input + ": --split given but the table has no 'split' column");
            }
            table = table.filter(col("split").equalTo(split));
        }
        // Relative paths are relative to the table's folder; qualify it on the driver, resolve on the executors.
        Path base = new Path(input);
        FileSystem fs = base.getFileSystem(conf);
        base = fs.makeQualified(base);
        // The folder holding the table, whether it is one file (manifest.csv) or a table folder (list.parquet/).
        String baseDir = base.getParent() == null ? base.toString() : base.getParent().toString();
        boolean hasLabel = columns.contains("label");
        Dataset<Row> two = table.select(col(ScoreSchema.PATH).cast("string"),
                hasLabel ? col("label").cast("string") : org.apache.spark.sql.functions.lit(null).cast("string"));
        return two.map((MapFunction<Row, Row>) r -> RowFactory.create(
                        resolve(baseDir, r.isNullAt(0) ? "" : r.getString(0)),
                        r.isNullAt(1) ? null : labelCode(r.getString(1))),
                Encoders.row(ScoreSchema.INPUT));
    }

    static String resolve(String baseDir, String path) {
        if (path.isEmpty()) {
            return baseDir + "/"; // an empty cell: a directory, which becomes a not_an_image row
        }
        Path p = new Path(path);
        return p.isAbsoluteAndSchemeAuthorityNull() || p.toUri().getScheme() != null ? path
                : new Path(new Path(baseDir), p).toString();
    }

    /** real/fake (or 0/1) as the manifest's code; anything else counts as unlabelled. */
    static String labelCode(String s) {
        try {
            return Label.parse(s).code();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Dataset<Row> fromFiles(SparkSession spark, String input, Configuration conf) throws IOException {
        Path pattern = new Path(input);
        FileSystem fs = pattern.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(pattern);
        if (matches == null || matches.length == 0) {
            throw new CliException(ExitCode.INPUT, input + ": no such file, folder or glob match");
        }
        List<Row> rows = new ArrayList<>();
        for (FileStatus m : matches) {
            if (m.isDirectory()) {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
                while (it.hasNext()) {
                    Path p = it.next().getPath();
                    if (hasImageExtension(p.getName())) {
                        rows.add(RowFactory.create(p.toString(), folderLabel(p)));
                    }
                }
            } else {
                rows.add(RowFactory.create(m.getPath().toString(), folderLabel(m.getPath())));
            }
        }
        if (rows.isEmpty()) {
            throw new CliException(ExitCode.INPUT, input + ": no image files found (extensions: "
                    + DatasetScanner.EXTENSIONS + ")");
        }
        return spark.createDataFrame(rows, ScoreSchema.INPUT);
    }

    static boolean hasImageExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot >= 0 && DatasetScanner.EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The ImageFolder layout 'dataset scan' reads: an image's folder named real/ or fake/ gives its label. */
    static String folderLabel(Path file) {
        Path parent = file.getParent();
        if (parent == null) {
            return null;
        }
        String n = parent.getName().toLowerCase(Locale.ROOT);
        return n.equals("real") || n.equals("fake") ? n : null;
    }
}
